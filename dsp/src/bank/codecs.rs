//! Node codecs: how one node's samples become a `.wcube` payload, and back.
//!
//! | codec | payload (channels planar, little-endian) | error |
//! | --- | --- | --- |
//! | `f32` | the samples | none |
//! | `i16` | per channel: peak f32, then samples × 32767 / peak as i16 | ~ −98 dB re peak |
//! | `tqa` | a whole TQA stream (`docs/formats/tqa.md`), block min(len, 1024) | ~ 6 dB per bit |
//! | `zstd` | zstd (level 19) of the samples' bytes, byte planes first (shuffled) | none |
//! | `gauss` | the spectral-Gaussian model ([`super::gauss`]) per channel | set by quality |

use crate::codec::tqa::{self, TqaConfig, TqaMode};
use crate::cube::Node;

use super::gauss;

/// How a node's samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeCodec {
    /// Raw 32-bit floats: exact.
    F32,
    /// 16-bit integers scaled to the channel's peak.
    I16,
    /// The TQA codec at `bits` bits (2–8), `plain` mode.
    Tqa {
        /// Bits per coefficient.
        bits: u8,
    },
    /// zstd over byte-shuffled 32-bit floats: exact.
    Zstd,
    /// The spectral-Gaussian model.
    Gauss,
}

impl NodeCodec {
    /// The codec's name: `f32`, `i16`, `tqa6` (bits appended), `zstd`, `gauss`.
    pub fn name(&self) -> String {
        match self {
            NodeCodec::F32 => "f32".into(),
            NodeCodec::I16 => "i16".into(),
            NodeCodec::Tqa { bits } => format!("tqa{bits}"),
            NodeCodec::Zstd => "zstd".into(),
            NodeCodec::Gauss => "gauss".into(),
        }
    }

    /// The codec named `name`: `f32`, `i16`, `zstd`, `gauss`, `tqa` (6 bits) or `tqa2` …
    /// `tqa8`.
    pub fn parse(name: &str) -> Option<NodeCodec> {
        match name {
            "f32" => Some(NodeCodec::F32),
            "i16" => Some(NodeCodec::I16),
            "zstd" => Some(NodeCodec::Zstd),
            "gauss" => Some(NodeCodec::Gauss),
            "tqa" => Some(NodeCodec::Tqa {
                bits: tqa::DEFAULT_BITS,
            }),
            _ => {
                let bits: u8 = name.strip_prefix("tqa")?.parse().ok()?;
                (tqa::MIN_BITS..=tqa::MAX_BITS)
                    .contains(&bits)
                    .then_some(NodeCodec::Tqa { bits })
            }
        }
    }

    /// True for the codecs that return the samples exactly.
    pub fn is_lossless(&self) -> bool {
        matches!(self, NodeCodec::F32 | NodeCodec::Zstd)
    }

    /// The codec's code and parameter bytes in the node table.
    pub(crate) fn code(&self) -> (u8, u8) {
        match *self {
            NodeCodec::F32 => (0, 0),
            NodeCodec::I16 => (1, 0),
            NodeCodec::Tqa { bits } => (2, bits),
            NodeCodec::Zstd => (3, 0),
            NodeCodec::Gauss => (4, 0),
        }
    }

    /// The codec with table code `code` and parameter `param`.
    pub(crate) fn from_code(code: u8, param: u8) -> Option<NodeCodec> {
        match (code, param) {
            (0, 0) => Some(NodeCodec::F32),
            (1, 0) => Some(NodeCodec::I16),
            (2, bits) if (tqa::MIN_BITS..=tqa::MAX_BITS).contains(&bits) => {
                Some(NodeCodec::Tqa { bits })
            }
            (3, 0) => Some(NodeCodec::Zstd),
            (4, 0) => Some(NodeCodec::Gauss),
            _ => None,
        }
    }
}

/// Which codec the writer uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CodecChoice {
    /// This codec for every node; lossy codecs tune themselves to the quality target
    /// (`tqa`: the fewest bits that meet it, up to 8; `gauss`: bumps until it is met).
    Fixed(NodeCodec),
    /// Per node, the smallest payload that meets the quality target, among `tqa` at 2–8
    /// bits, `i16`, `zstd` and `f32` (and `gauss` when the target is 40 dB or less).
    Auto,
}

/// SNR of `decoded` against `node`, dB, over all channels (+∞ when exact).
pub fn snr_db(node: &Node, decoded: &[Vec<f32>]) -> f64 {
    let (mut signal, mut noise) = (0.0_f64, 0.0_f64);
    for (c, d) in decoded.iter().enumerate() {
        for (&a, &b) in node.channel(c).iter().zip(d) {
            signal += f64::from(a) * f64::from(a);
            noise += f64::from(a - b) * f64::from(a - b);
        }
    }
    if noise == 0.0 {
        f64::INFINITY
    } else if signal == 0.0 {
        f64::NEG_INFINITY
    } else {
        10.0 * (signal / noise).log10()
    }
}

/// Encodes `node` with `codec`, tuned to `quality_db` where the codec is lossy and
/// tunable. Returns the codec actually used (for `tqa`, with its bits), the payload and
/// the SNR it achieves.
pub fn encode_node(
    node: &Node,
    codec: NodeCodec,
    quality_db: f64,
) -> Result<(NodeCodec, Vec<u8>, f64), String> {
    match codec {
        NodeCodec::Tqa { .. } => {
            let mut last = None;
            for bits in tqa::MIN_BITS..=tqa::MAX_BITS {
                let codec = NodeCodec::Tqa { bits };
                let payload = encode_fixed(node, codec)?;
                let snr = snr_db(
                    node,
                    &decode_node(&payload, codec, node.len(), node.channels())?,
                );
                if snr >= quality_db {
                    return Ok((codec, payload, snr));
                }
                last = Some((codec, payload, snr));
            }
            Ok(last.expect("at least one bit depth"))
        }
        _ => {
            let payload = encode_with_quality(node, codec, quality_db)?;
            let snr = snr_db(
                node,
                &decode_node(&payload, codec, node.len(), node.channels())?,
            );
            Ok((codec, payload, snr))
        }
    }
}

/// Encodes with the smallest payload that meets `quality_db` (see [`CodecChoice::Auto`]).
pub fn encode_auto(node: &Node, quality_db: f64) -> Result<(NodeCodec, Vec<u8>, f64), String> {
    let mut candidates = vec![NodeCodec::I16, NodeCodec::Zstd];
    candidates.extend((tqa::MIN_BITS..=tqa::MAX_BITS).map(|bits| NodeCodec::Tqa { bits }));
    if quality_db <= 40.0 {
        candidates.push(NodeCodec::Gauss);
    }
    let mut best: Option<(NodeCodec, Vec<u8>, f64)> = None;
    for codec in candidates {
        let payload = encode_with_quality(node, codec, quality_db)?;
        let snr = snr_db(
            node,
            &decode_node(&payload, codec, node.len(), node.channels())?,
        );
        let better = best.as_ref().is_none_or(|b| payload.len() < b.1.len());
        if snr >= quality_db && better {
            best = Some((codec, payload, snr));
        }
    }
    match best {
        Some(b) => Ok(b),
        None => {
            // Nothing lossy met the target: lossless, zstd or raw, whichever is smaller.
            let zstd = encode_fixed(node, NodeCodec::Zstd)?;
            let raw_len = node.len() * node.channels() * 4;
            if zstd.len() < raw_len {
                Ok((NodeCodec::Zstd, zstd, f64::INFINITY))
            } else {
                Ok((
                    NodeCodec::F32,
                    encode_fixed(node, NodeCodec::F32)?,
                    f64::INFINITY,
                ))
            }
        }
    }
}

fn encode_with_quality(node: &Node, codec: NodeCodec, quality_db: f64) -> Result<Vec<u8>, String> {
    if codec == NodeCodec::Gauss {
        let target = 10f64.powf(-quality_db.clamp(0.0, 200.0) / 20.0);
        let mut out = Vec::new();
        for c in 0..node.channels() {
            gauss::encode_channel(node.channel(c), target, &mut out);
        }
        return Ok(out);
    }
    encode_fixed(node, codec)
}

/// Encodes `node` with exactly `codec` (`gauss` at a 40 dB target).
pub fn encode_fixed(node: &Node, codec: NodeCodec) -> Result<Vec<u8>, String> {
    let channels: Vec<&[f32]> = (0..node.channels()).map(|c| node.channel(c)).collect();
    let mut out = Vec::new();
    match codec {
        NodeCodec::F32 => {
            for ch in &channels {
                for v in *ch {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        NodeCodec::I16 => {
            for ch in &channels {
                let peak = ch.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
                out.extend_from_slice(&peak.to_le_bytes());
                let scale = if peak > 0.0 { 32767.0 / peak } else { 0.0 };
                for v in *ch {
                    let q = (v * scale).round().clamp(-32767.0, 32767.0) as i16;
                    out.extend_from_slice(&q.to_le_bytes());
                }
            }
        }
        NodeCodec::Tqa { bits } => {
            let config = TqaConfig {
                bits,
                block_size: node.len().min(1024),
                mode: TqaMode::Plain,
                seed: tqa::DEFAULT_SEED,
            };
            out = tqa::encode(&channels, TQA_RATE_HZ, &config).map_err(|e| e.to_string())?;
        }
        NodeCodec::Zstd => {
            let raw = shuffled(&channels);
            out = zstd::bulk::compress(&raw, 19).map_err(|e| format!("zstd: {e}"))?;
        }
        NodeCodec::Gauss => return encode_with_quality(node, codec, 40.0),
    }
    Ok(out)
}

/// The sample rate written into a node's TQA stream header, Hz (nodes have none; the
/// value is a placeholder the decoder ignores).
const TQA_RATE_HZ: u32 = 48_000;

/// Bytes of planar f32 samples regrouped by byte plane (all first bytes, then all
/// second bytes, …), which zstd compresses far better than interleaved floats.
fn shuffled(channels: &[&[f32]]) -> Vec<u8> {
    let samples: Vec<f32> = channels.iter().flat_map(|c| c.iter().copied()).collect();
    let mut out = vec![0u8; samples.len() * 4];
    let n = samples.len();
    for (i, v) in samples.iter().enumerate() {
        for (b, byte) in v.to_le_bytes().into_iter().enumerate() {
            out[b * n + i] = byte;
        }
    }
    out
}

/// Decodes a payload of `len` samples × `channels` (1 or 2). Every result is finite.
pub fn decode_node(
    payload: &[u8],
    codec: NodeCodec,
    len: usize,
    channels: usize,
) -> Result<Vec<Vec<f32>>, String> {
    let samples = len * channels;
    let exact = |what: &str, need: usize| {
        if payload.len() == need {
            Ok(())
        } else {
            Err(format!(
                "{what} payload is {} bytes, expected {need}",
                payload.len()
            ))
        }
    };
    let out = match codec {
        NodeCodec::F32 => {
            exact("f32", samples * 4)?;
            let all: Vec<f32> = payload
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            all.chunks_exact(len).map(<[f32]>::to_vec).collect()
        }
        NodeCodec::I16 => {
            exact("i16", channels * (4 + 2 * len))?;
            payload
                .chunks_exact(4 + 2 * len)
                .map(|c| {
                    let peak = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                    let scale = peak / 32767.0;
                    c[4..]
                        .chunks_exact(2)
                        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) * scale)
                        .collect()
                })
                .collect()
        }
        NodeCodec::Tqa { bits } => {
            let decoded = tqa::decode(payload).map_err(|e| e.to_string())?;
            let h = decoded.header;
            if h.frames != len as u64
                || usize::from(h.channels) != channels
                || h.config.bits != bits
            {
                return Err(format!(
                    "TQA stream holds {} frames × {} channels at {} bits; the table says {len} × {channels} at {bits}",
                    h.frames, h.channels, h.config.bits
                ));
            }
            decoded.channels
        }
        NodeCodec::Zstd => {
            let raw =
                zstd::bulk::decompress(payload, samples * 4).map_err(|e| format!("zstd: {e}"))?;
            if raw.len() != samples * 4 {
                return Err(format!(
                    "zstd gave {} bytes, expected {}",
                    raw.len(),
                    samples * 4
                ));
            }
            let all: Vec<f32> = (0..samples)
                .map(|i| {
                    f32::from_le_bytes([
                        raw[i],
                        raw[samples + i],
                        raw[2 * samples + i],
                        raw[3 * samples + i],
                    ])
                })
                .collect();
            all.chunks_exact(len).map(<[f32]>::to_vec).collect()
        }
        NodeCodec::Gauss => {
            let mut at = 0;
            let mut out = Vec::with_capacity(channels);
            for _ in 0..channels {
                let (frame, used) = gauss::decode_channel(&payload[at..], len)?;
                at += used;
                out.push(frame);
            }
            if at != payload.len() {
                return Err(format!(
                    "{} bytes after the gauss model",
                    payload.len() - at
                ));
            }
            out
        }
    };
    for ch in &out {
        if let Some(i) = ch.iter().position(|v| !v.is_finite() || v.abs() > 1e6) {
            return Err(format!(
                "sample {i} is {} (not finite or beyond ±1e6)",
                ch[i]
            ));
        }
    }
    Ok(out)
}
