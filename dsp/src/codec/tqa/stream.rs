//! The `.tqa` stream: a checksummed header, every channel's block records, a CRC-32.
//!
//! Layout (little-endian), specified in `docs/formats/tqa.md`:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `WTQA` |
//! | 4 | 2 | format version (1) |
//! | 6 | 2 | header length (52) |
//! | 8 | 4 | sample rate, Hz |
//! | 12 | 2 | channels |
//! | 14 | 1 | bits |
//! | 15 | 1 | mode (0 plain, 1 sign, 2 qjl) |
//! | 16 | 4 | block size, samples |
//! | 20 | 4 | flags (0) |
//! | 24 | 8 | frames per channel |
//! | 32 | 8 | seed |
//! | 40 | 8 | payload length, bytes |
//! | 48 | 4 | CRC-32 of bytes 0–47 |
//! | 52 | payload | for each block, for each channel, one block record |
//! | end − 4 | 4 | CRC-32 of the payload |

use super::block::{within, BlockCoder, MAX_INPUT};
use super::{TqaConfig, TqaError, TqaMode};

/// The stream's first four bytes.
pub const MAGIC: [u8; 4] = *b"WTQA";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Header bytes, CRC included.
pub const HEADER_LEN: usize = 52;
/// Most channels in a stream.
pub const MAX_CHANNELS: u16 = 64;
/// Most samples (frames × channels) in a stream: 2^30, 4 GiB decoded as f32.
pub const MAX_SAMPLES: u64 = 1 << 30;
/// Highest sample rate a header may state, Hz.
const MAX_SAMPLE_RATE: u32 = 10_000_000;

/// What a stream's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamHeader {
    /// Sample rate, Hz.
    pub sample_rate_hz: u32,
    /// Channel count, 1–64.
    pub channels: u16,
    /// Frames per channel.
    pub frames: u64,
    /// The encoder's settings.
    pub config: TqaConfig,
}

/// Where a stream's bits went.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StreamStats {
    /// Stream length, bytes.
    pub total_bytes: usize,
    /// Block records (blocks × channels).
    pub blocks: usize,
    /// Records of silent blocks.
    pub silent_blocks: usize,
    /// Escaped coefficients.
    pub escapes: usize,
    /// Bits that are not packed indices or sign bits: header, CRCs, record heads,
    /// side values and escapes.
    pub side_bits: u64,
    /// All bits per sample (stream bits / (frames × channels)).
    pub bits_per_sample: f64,
    /// Side bits per sample.
    pub side_bits_per_sample: f64,
}

/// A decoded stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The header.
    pub header: StreamHeader,
    /// One vector of `frames` samples per channel.
    pub channels: Vec<Vec<f32>>,
    /// Where the bits went.
    pub stats: StreamStats,
}

/// Encodes planar `channels` (equal lengths) at `sample_rate_hz` into a `.tqa` stream.
///
/// # Errors
/// [`TqaError::Config`] for a bad `config`; [`TqaError::Input`] for no channels,
/// too many, unequal lengths, a zero sample rate, or a sample that is not finite or
/// exceeds ±[`MAX_INPUT`]; [`TqaError::TooLarge`] beyond [`MAX_SAMPLES`].
pub fn encode(
    channels: &[&[f32]],
    sample_rate_hz: u32,
    config: &TqaConfig,
) -> Result<Vec<u8>, TqaError> {
    config.validate()?;
    let header = check_input(channels, sample_rate_hz, config)?;
    let block = config.block_size;
    let frames = header.frames as usize;
    let mut coder = BlockCoder::new(config);
    let mut payload = Vec::with_capacity(frames * channels.len() * 9 / 8 + 64);
    let mut scratch = vec![0.0_f32; block];
    for start in (0..frames).step_by(block) {
        let end = (start + block).min(frames);
        for channel in channels {
            scratch[..end - start].copy_from_slice(&channel[start..end]);
            scratch[end - start..].fill(0.0);
            payload.reserve(coder.max_record_len());
            coder.encode(&scratch, &mut payload);
        }
    }
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + 4);
    write_header(&header, payload.len() as u64, &mut out);
    out.extend_from_slice(&payload);
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    Ok(out)
}

fn check_input(
    channels: &[&[f32]],
    sample_rate_hz: u32,
    config: &TqaConfig,
) -> Result<StreamHeader, TqaError> {
    if channels.is_empty() {
        return Err(TqaError::Input("no channels".into()));
    }
    if channels.len() > usize::from(MAX_CHANNELS) {
        return Err(TqaError::Input(format!(
            "{} channels; at most {MAX_CHANNELS}",
            channels.len()
        )));
    }
    if sample_rate_hz == 0 || sample_rate_hz > MAX_SAMPLE_RATE {
        return Err(TqaError::Input(format!("sample rate {sample_rate_hz} Hz")));
    }
    let frames = channels[0].len();
    for (c, channel) in channels.iter().enumerate() {
        if channel.len() != frames {
            return Err(TqaError::Input(format!(
                "channel {c} has {} frames, channel 0 has {frames}",
                channel.len()
            )));
        }
        if let Some(i) = channel.iter().position(|&x| !within(x, MAX_INPUT)) {
            return Err(TqaError::Input(format!(
                "channel {c} frame {i}: sample {} is not finite or beyond ±{MAX_INPUT:e}",
                channel[i]
            )));
        }
    }
    let samples = frames as u64 * channels.len() as u64;
    if samples > MAX_SAMPLES {
        return Err(TqaError::TooLarge {
            what: "sample count",
            value: samples,
            cap: MAX_SAMPLES,
        });
    }
    Ok(StreamHeader {
        sample_rate_hz,
        channels: channels.len() as u16,
        frames: frames as u64,
        config: *config,
    })
}

pub(crate) fn write_header(header: &StreamHeader, payload_len: u64, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(HEADER_LEN as u16).to_le_bytes());
    out.extend_from_slice(&header.sample_rate_hz.to_le_bytes());
    out.extend_from_slice(&header.channels.to_le_bytes());
    out.push(header.config.bits);
    out.push(header.config.mode.code());
    out.extend_from_slice(&(header.config.block_size as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&header.frames.to_le_bytes());
    out.extend_from_slice(&header.config.seed.to_le_bytes());
    out.extend_from_slice(&payload_len.to_le_bytes());
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

fn le_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Reads and checks a stream's header (not its payload).
///
/// # Errors
/// [`TqaError::Truncated`], [`TqaError::BadMagic`], [`TqaError::UnsupportedVersion`],
/// [`TqaError::Crc`], [`TqaError::Header`] or [`TqaError::TooLarge`].
pub fn read_header(bytes: &[u8]) -> Result<StreamHeader, TqaError> {
    read_header_and_payload_len(bytes).map(|(h, _)| h)
}

fn read_header_and_payload_len(bytes: &[u8]) -> Result<(StreamHeader, u64), TqaError> {
    if bytes.len() < 8 || bytes[..4] != MAGIC {
        return if bytes.len() >= 4 && bytes[..4] != MAGIC {
            Err(TqaError::BadMagic)
        } else {
            Err(TqaError::Truncated {
                what: "header",
                offset: 0,
                needed: HEADER_LEN,
                available: bytes.len(),
            })
        };
    }
    let version = le_u16(bytes, 4);
    if version != FORMAT_VERSION {
        return Err(TqaError::UnsupportedVersion(version));
    }
    if bytes.len() < HEADER_LEN {
        return Err(TqaError::Truncated {
            what: "header",
            offset: 0,
            needed: HEADER_LEN,
            available: bytes.len(),
        });
    }
    let (stored, found) = (le_u32(bytes, 48), crc32fast::hash(&bytes[..48]));
    if stored != found {
        return Err(TqaError::Crc {
            what: "header",
            expected: stored,
            found,
        });
    }
    let bad = |what: String| Err(TqaError::Header(what));
    let header_len = le_u16(bytes, 6);
    if usize::from(header_len) != HEADER_LEN {
        return bad(format!("header length {header_len}, expected {HEADER_LEN}"));
    }
    let sample_rate_hz = le_u32(bytes, 8);
    if sample_rate_hz == 0 || sample_rate_hz > MAX_SAMPLE_RATE {
        return bad(format!("sample rate {sample_rate_hz} Hz"));
    }
    let channels = le_u16(bytes, 12);
    if channels == 0 || channels > MAX_CHANNELS {
        return bad(format!("{channels} channels (1 to {MAX_CHANNELS})"));
    }
    let Some(mode) = TqaMode::from_code(bytes[15]) else {
        return bad(format!("unknown mode {}", bytes[15]));
    };
    let config = TqaConfig {
        bits: bytes[14],
        block_size: le_u32(bytes, 16) as usize,
        mode,
        seed: le_u64(bytes, 32),
    };
    config
        .validate()
        .map_err(|e| TqaError::Header(e.to_string()))?;
    let flags = le_u32(bytes, 20);
    if flags != 0 {
        return bad(format!("unknown flags {flags:#x}"));
    }
    let frames = le_u64(bytes, 24);
    let samples = frames.saturating_mul(u64::from(channels));
    if samples > MAX_SAMPLES {
        return Err(TqaError::TooLarge {
            what: "sample count",
            value: samples,
            cap: MAX_SAMPLES,
        });
    }
    let header = StreamHeader {
        sample_rate_hz,
        channels,
        frames,
        config,
    };
    Ok((header, le_u64(bytes, 40)))
}

/// Decodes a whole `.tqa` stream. Every length is checked against the bytes that
/// remain and the caps before anything is allocated.
///
/// # Errors
/// Everything [`read_header`] reports, and [`TqaError::Truncated`],
/// [`TqaError::Crc`], [`TqaError::BadBlock`] or [`TqaError::TrailingBytes`] for the
/// payload.
pub fn decode(bytes: &[u8]) -> Result<Decoded, TqaError> {
    let (header, payload_len) = read_header_and_payload_len(bytes)?;
    let available = bytes.len() - HEADER_LEN;
    let needed = payload_len.saturating_add(4);
    if needed > available as u64 {
        return Err(TqaError::Truncated {
            what: "payload and CRC",
            offset: HEADER_LEN,
            needed: usize::try_from(needed).unwrap_or(usize::MAX),
            available,
        });
    }
    let payload_len = payload_len as usize;
    if available > payload_len + 4 {
        return Err(TqaError::TrailingBytes(available - payload_len - 4));
    }
    let payload = &bytes[HEADER_LEN..HEADER_LEN + payload_len];
    let (stored, found) = (
        le_u32(bytes, HEADER_LEN + payload_len),
        crc32fast::hash(payload),
    );
    if stored != found {
        return Err(TqaError::Crc {
            what: "payload",
            expected: stored,
            found,
        });
    }
    let block = header.config.block_size;
    let channel_count = usize::from(header.channels);
    let frames = header.frames as usize;
    let blocks = frames.div_ceil(block);
    // Every record is at least one byte: a payload shorter than that cannot hold the
    // frames it claims, whatever the header says.
    if payload_len < blocks * channel_count {
        return Err(TqaError::Truncated {
            what: "block records",
            offset: HEADER_LEN,
            needed: blocks * channel_count,
            available: payload_len,
        });
    }
    let mut channels = vec![vec![0.0_f32; frames]; channel_count];
    let mut coder = BlockCoder::new(&header.config);
    let mut scratch = vec![0.0_f32; block];
    let mut stats = StreamStats {
        total_bytes: bytes.len(),
        blocks: blocks * channel_count,
        ..StreamStats::default()
    };
    let mut side_bytes = HEADER_LEN + 4;
    let mut at = 0;
    for k in 0..blocks {
        let start = k * block;
        let end = (start + block).min(frames);
        for (c, channel) in channels.iter_mut().enumerate() {
            let info = coder
                .decode(&payload[at..], &mut scratch)
                .map_err(|reason| TqaError::BadBlock {
                    block: k as u64,
                    channel: c as u16,
                    reason,
                })?;
            at += info.consumed;
            side_bytes += info.side_bytes;
            stats.silent_blocks += usize::from(info.silent);
            stats.escapes += info.escapes;
            channel[start..end].copy_from_slice(&scratch[..end - start]);
        }
    }
    if at != payload_len {
        return Err(TqaError::TrailingBytes(payload_len - at));
    }
    let samples = (frames * channel_count).max(1) as f64;
    stats.side_bits = side_bytes as u64 * 8;
    stats.bits_per_sample = bytes.len() as f64 * 8.0 / samples;
    stats.side_bits_per_sample = stats.side_bits as f64 / samples;
    Ok(Decoded {
        header,
        channels,
        stats,
    })
}
