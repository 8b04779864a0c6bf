//! The `.wcube` file: a cube bank, every node coded by its own codec.
//!
//! Layout (little-endian; the full specification is `docs/formats/wcube.md`):
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 4 | magic `WCUB` |
//! | 4 | 2 | version (1) |
//! | 6 | 2 | fixed header length (32) |
//! | 8 | 3 | sides w, h, d (1–16) |
//! | 11 | 1 | channels (1 or 2: the most any node has) |
//! | 12 | 4 | node count |
//! | 16 | 4 | metadata length `M` |
//! | 20 | 4 | flags (0) |
//! | 24 | 8 | payload bytes in all |
//! | 32 | M | metadata, UTF-8 JSON |
//! | 32 + M | 36 per node | node table |
//! | … | 4 | CRC-32 of everything above |
//! | … | | payloads |
//!
//! A node table entry: x, y, z, channels (u8 each), frame length (u32), codec and its
//! parameter (u8 each), 2 reserved bytes, payload offset from the file start (u64),
//! payload size (u32), payload CRC-32 (u32), the writer's SNR against its source (f32 dB,
//! +∞ for lossless codecs), 4 reserved bytes.

use serde::{Deserialize, Serialize};

use crate::cube::{BankMeta, Cube, Node, MAX_NODE_LEN, MAX_SIDE, MIN_NODE_LEN};

use super::codecs::{decode_node, encode_auto, encode_node, CodecChoice, NodeCodec};
use super::BankError;

/// The file's first four bytes.
pub const WCUBE_MAGIC: [u8; 4] = *b"WCUB";
/// The format version this build writes and reads.
pub const WCUBE_VERSION: u16 = 1;
/// Fixed header bytes.
const FIXED_LEN: usize = 32;
/// Node table bytes per node.
const ENTRY_LEN: usize = 36;
/// Largest metadata block, bytes.
pub const MAX_META_BYTES: usize = 1 << 20;
/// Largest decoded cube (f32 samples), bytes.
pub const MAX_DECODED_BYTES: u64 = 512 << 20;

/// How [`write_wcube`] codes the nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriteOptions {
    /// The codec, fixed or chosen per node.
    pub codec: CodecChoice,
    /// Quality target: each lossy node's SNR against its source, dB.
    pub quality_db: f64,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            codec: CodecChoice::Auto,
            quality_db: 60.0,
        }
    }
}

/// What a `.wcube` file holds, read without decoding the payloads (their CRCs are
/// checked).
#[derive(Debug, Clone, PartialEq)]
pub struct WcubeInfo {
    /// Sides `[w, h, d]`, nodes.
    pub dims: [usize; 3],
    /// Names of the x, y and z axes.
    pub axis_names: [String; 3],
    /// Bank metadata.
    pub meta: BankMeta,
    /// Every present node, in table order.
    pub nodes: Vec<NodeInfo>,
    /// File length, bytes.
    pub file_bytes: usize,
    /// The decoded cube's size as f32 samples, bytes.
    pub decoded_bytes: usize,
}

/// One node table entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeInfo {
    /// Grid position `[x, y, z]`.
    pub pos: [usize; 3],
    /// Frame length, samples.
    pub len: usize,
    /// 1 (mono) or 2 (stereo).
    pub channels: usize,
    /// How the payload is coded.
    pub codec: NodeCodec,
    /// Payload size, bytes.
    pub payload_bytes: usize,
    /// The writer's SNR against its source, dB (+∞ for lossless codecs); `None` if
    /// the file does not say.
    pub snr_db: Option<f64>,
    /// Payload offset from the file start, bytes.
    pub offset: u64,
}

#[derive(Serialize, Deserialize)]
struct MetaJson {
    #[serde(flatten)]
    meta: BankMeta,
    axis_names: [String; 3],
}

/// One node, coded: position, node, codec, payload, SNR (dB).
type Coded<'a> = ([usize; 3], &'a Node, NodeCodec, Vec<u8>, f64);

/// Writes `cube` as a `.wcube` file.
///
/// # Errors
/// [`BankError::Write`] if a node cannot be coded or the metadata is too large.
pub fn write_wcube(cube: &Cube, options: &WriteOptions) -> Result<Vec<u8>, BankError> {
    write_wcube_with_progress(cube, options, &mut |_, _| {})
}

/// [`write_wcube`], calling `progress(nodes_done, nodes_total)` after each node.
///
/// # Errors
/// As [`write_wcube`].
pub fn write_wcube_with_progress(
    cube: &Cube,
    options: &WriteOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<u8>, BankError> {
    let total = cube.node_count();
    let mut coded: Vec<Coded> = Vec::with_capacity(total);
    for (done, (pos, node)) in cube.iter().enumerate() {
        let (codec, payload, snr) = match options.codec {
            CodecChoice::Auto => encode_auto(node, options.quality_db),
            CodecChoice::Fixed(codec) => encode_node(node, codec, options.quality_db),
        }
        .map_err(|e| BankError::Write(format!("node ({}, {}, {}): {e}", pos[0], pos[1], pos[2])))?;
        coded.push((pos, node, codec, payload, snr));
        progress(done + 1, total);
    }
    let meta = serde_json::to_vec(&MetaJson {
        meta: cube.meta().clone(),
        axis_names: cube.axis_names().clone(),
    })
    .map_err(|e| BankError::Write(format!("metadata: {e}")))?;
    if meta.len() > MAX_META_BYTES {
        return Err(BankError::Write(format!(
            "metadata is {} bytes; at most {MAX_META_BYTES}",
            meta.len()
        )));
    }
    let payload_bytes: usize = coded.iter().map(|c| c.3.len()).sum();
    let table_end = FIXED_LEN + meta.len() + ENTRY_LEN * coded.len();
    let mut out = Vec::with_capacity(table_end + 4 + payload_bytes);
    let [w, h, d] = cube.dims();
    out.extend_from_slice(&WCUBE_MAGIC);
    out.extend_from_slice(&WCUBE_VERSION.to_le_bytes());
    out.extend_from_slice(&(FIXED_LEN as u16).to_le_bytes());
    out.extend_from_slice(&[w as u8, h as u8, d as u8]);
    out.push(if cube.is_stereo() { 2 } else { 1 });
    out.extend_from_slice(&(coded.len() as u32).to_le_bytes());
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(payload_bytes as u64).to_le_bytes());
    out.extend_from_slice(&meta);
    let mut offset = (table_end + 4) as u64;
    for (pos, node, codec, payload, snr) in &coded {
        let (code, param) = codec.code();
        out.extend_from_slice(&[
            pos[0] as u8,
            pos[1] as u8,
            pos[2] as u8,
            node.channels() as u8,
        ]);
        out.extend_from_slice(&(node.len() as u32).to_le_bytes());
        out.extend_from_slice(&[code, param, 0, 0]);
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        out.extend_from_slice(&(*snr as f32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        offset += payload.len() as u64;
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    for c in &coded {
        out.extend_from_slice(&c.3);
    }
    Ok(out)
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Reads and checks a `.wcube` file's header, metadata and node table, and every
/// payload's CRC, without decoding.
///
/// # Errors
/// A [`BankError`] naming what is wrong and where.
pub fn inspect_wcube(bytes: &[u8]) -> Result<WcubeInfo, BankError> {
    let len = bytes.len() as u64;
    let truncated = |what: &str, offset: usize, needed: usize| BankError::Truncated {
        what: what.into(),
        offset: offset as u64,
        needed: needed as u64,
        len,
    };
    let format = |offset: usize, reason: String| BankError::Format {
        offset: offset as u64,
        reason,
    };
    if bytes.len() < 8 {
        return if bytes.len() >= 4 && bytes[..4] != WCUBE_MAGIC {
            Err(BankError::BadMagic)
        } else {
            Err(truncated("fixed header", 0, FIXED_LEN))
        };
    }
    if bytes[..4] != WCUBE_MAGIC {
        return Err(BankError::BadMagic);
    }
    let version = u16_at(bytes, 4);
    if version != WCUBE_VERSION {
        return Err(BankError::UnsupportedVersion(version));
    }
    if bytes.len() < FIXED_LEN {
        return Err(truncated("fixed header", 0, FIXED_LEN));
    }
    if usize::from(u16_at(bytes, 6)) != FIXED_LEN {
        return Err(format(
            6,
            format!("header length {}, expected {FIXED_LEN}", u16_at(bytes, 6)),
        ));
    }
    let dims = [
        usize::from(bytes[8]),
        usize::from(bytes[9]),
        usize::from(bytes[10]),
    ];
    for (axis, &side) in dims.iter().enumerate() {
        if !(1..=MAX_SIDE).contains(&side) {
            return Err(format(
                8 + axis,
                format!("side {side} outside 1-{MAX_SIDE}"),
            ));
        }
    }
    let channels = usize::from(bytes[11]);
    if !(1..=2).contains(&channels) {
        return Err(format(11, format!("{channels} channels (1 or 2)")));
    }
    let count = u32_at(bytes, 12) as usize;
    let slots = dims[0] * dims[1] * dims[2];
    if count > slots {
        return Err(format(
            12,
            format!("{count} nodes in a cube of {slots} positions"),
        ));
    }
    let meta_len = u32_at(bytes, 16) as usize;
    if meta_len > MAX_META_BYTES {
        return Err(BankError::TooLarge {
            what: "metadata",
            value: meta_len as u64,
            cap: MAX_META_BYTES as u64,
        });
    }
    if u32_at(bytes, 20) != 0 {
        return Err(format(
            20,
            format!("unknown flags {:#x}", u32_at(bytes, 20)),
        ));
    }
    let table_start = FIXED_LEN + meta_len;
    let table_end = table_start + ENTRY_LEN * count;
    if bytes.len() < table_end + 4 {
        return Err(truncated(
            "metadata and node table",
            FIXED_LEN,
            table_end + 4 - FIXED_LEN,
        ));
    }
    if u32_at(bytes, table_end) != crc32fast::hash(&bytes[..table_end]) {
        return Err(BankError::Crc {
            what: "header, metadata and node table".into(),
            offset: 0,
        });
    }
    let payload_total = u64_at(bytes, 24);
    let data_start = (table_end + 4) as u64;
    if payload_total != len - data_start {
        return Err(format(
            24,
            format!(
                "payloads announced as {payload_total} bytes, the file holds {}",
                len - data_start
            ),
        ));
    }
    let meta: MetaJson = serde_json::from_slice(&bytes[FIXED_LEN..table_start])
        .map_err(|e| format(FIXED_LEN, format!("metadata JSON: {e}")))?;
    let mut nodes = Vec::with_capacity(count);
    let mut seen = vec![false; slots];
    let mut decoded_bytes = 0u64;
    for i in 0..count {
        let at = table_start + i * ENTRY_LEN;
        let e = &bytes[at..at + ENTRY_LEN];
        let pos = [usize::from(e[0]), usize::from(e[1]), usize::from(e[2])];
        let name = format!("node ({}, {}, {})", pos[0], pos[1], pos[2]);
        if pos.iter().zip(&dims).any(|(p, d)| p >= d) {
            return Err(format(
                at,
                format!(
                    "{name} lies outside the {}×{}×{} cube",
                    dims[0], dims[1], dims[2]
                ),
            ));
        }
        let slot = (pos[0] * dims[1] + pos[1]) * dims[2] + pos[2];
        if std::mem::replace(&mut seen[slot], true) {
            return Err(format(at, format!("{name} appears twice")));
        }
        let node_channels = usize::from(e[3]);
        if !(1..=channels).contains(&node_channels) {
            return Err(format(
                at + 3,
                format!("{name} has {node_channels} channels"),
            ));
        }
        let frame = u32_at(e, 4) as usize;
        if !frame.is_power_of_two() || !(MIN_NODE_LEN..=MAX_NODE_LEN).contains(&frame) {
            return Err(format(
                at + 4,
                format!("{name} frame of {frame} samples (a power of two, {MIN_NODE_LEN}-{MAX_NODE_LEN})"),
            ));
        }
        let Some(codec) = NodeCodec::from_code(e[8], e[9]) else {
            return Err(format(
                at + 8,
                format!("{name} has unknown codec {} ({})", e[8], e[9]),
            ));
        };
        if e[10..12] != [0, 0] || u32_at(e, 32) != 0 {
            return Err(format(at, format!("{name}: reserved bytes are not zero")));
        }
        let offset = u64_at(e, 12);
        let size = u32_at(e, 20) as u64;
        if offset < data_start || offset.saturating_add(size) > len {
            return Err(format(
                at + 12,
                format!("{name} payload [{offset}, +{size}) lies outside the payload area [{data_start}, {len})"),
            ));
        }
        decoded_bytes += (frame * node_channels * 4) as u64;
        if decoded_bytes > MAX_DECODED_BYTES {
            return Err(BankError::TooLarge {
                what: "decoded cube",
                value: decoded_bytes,
                cap: MAX_DECODED_BYTES,
            });
        }
        let snr = f32::from_le_bytes(e[28..32].try_into().expect("4 bytes"));
        nodes.push(NodeInfo {
            pos,
            len: frame,
            channels: node_channels,
            codec,
            payload_bytes: size as usize,
            snr_db: (!snr.is_nan()).then_some(f64::from(snr)),
            offset,
        });
        let payload = &bytes[offset as usize..(offset + size) as usize];
        if crc32fast::hash(payload) != u32_at(e, 24) {
            return Err(BankError::Crc {
                what: format!("{name} payload"),
                offset,
            });
        }
    }
    // Payloads may not overlap.
    let mut spans: Vec<(u64, u64, [usize; 3])> = nodes
        .iter()
        .map(|n| (n.offset, n.offset + n.payload_bytes as u64, n.pos))
        .collect();
    spans.sort_unstable();
    for pair in spans.windows(2) {
        if pair[1].0 < pair[0].1 {
            let p = pair[1].2;
            return Err(format(
                pair[1].0 as usize,
                format!(
                    "node ({}, {}, {}) payload overlaps another",
                    p[0], p[1], p[2]
                ),
            ));
        }
    }
    Ok(WcubeInfo {
        dims,
        axis_names: meta.axis_names,
        meta: meta.meta,
        nodes,
        file_bytes: bytes.len(),
        decoded_bytes: decoded_bytes as usize,
    })
}

/// Reads a `.wcube` file into a cube.
///
/// # Errors
/// Everything [`inspect_wcube`] reports, and [`BankError::Node`] for a payload that
/// does not decode.
pub fn read_wcube(bytes: &[u8]) -> Result<Cube, BankError> {
    let info = inspect_wcube(bytes)?;
    let [w, h, d] = info.dims;
    let mut cube = Cube::new(w, h, d).map_err(|e| BankError::Format {
        offset: 8,
        reason: e.to_string(),
    })?;
    let names = [
        info.axis_names[0].as_str(),
        info.axis_names[1].as_str(),
        info.axis_names[2].as_str(),
    ];
    cube.set_axis_names(names);
    *cube.meta_mut() = info.meta.clone();
    for n in &info.nodes {
        let [x, y, z] = n.pos;
        let bad = |reason: String| BankError::Node {
            x,
            y,
            z,
            offset: n.offset,
            reason,
        };
        let payload = &bytes[n.offset as usize..n.offset as usize + n.payload_bytes];
        let mut channels = decode_node(payload, n.codec, n.len, n.channels).map_err(bad)?;
        let node = if n.channels == 2 {
            let right = channels.pop().expect("two channels");
            let left = channels.pop().expect("two channels");
            Node::stereo(left, right)
        } else {
            Node::mono(channels.pop().expect("one channel"))
        }
        .map_err(|e| bad(e.to_string()))?;
        cube.set(x, y, z, node).map_err(|e| bad(e.to_string()))?;
    }
    Ok(cube)
}
