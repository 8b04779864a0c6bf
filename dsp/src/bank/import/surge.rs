//! Surge `.wt` wavetables: the `vawt` header, then int16 or float32 frames.
//!
//! Layout (Surge's `wt_header`, all little-endian after the tag): bytes 0..4 `vawt`; 4..8
//! u32 samples per frame; 8..10 u16 frame count; 10..12 u16 flags; then the frames one
//! after the other. Flags (Surge's `wtflags`): 0x01 `wtf_is_sample`, the data is a
//! one-shot sample cut into windows, not a wavetable; 0x02 `wtf_loop_sample`, that sample
//! loops; 0x04 `wtf_int16`, int16 data (else float32); 0x08 `wtf_int16_is_16`, int16 uses
//! the full 16-bit range; 0x10 `wtf_has_metadata`, NUL-terminated XML (Surge's
//! `<wtmeta>`, e.g. the Lua script that generated the table) follows the data; 0x20
//! `wtf_user_modified` and higher bits are Surge's runtime state. Surge's loader scales
//! int16 by 2^-14 unless 0x08 is set (then 2^-15), so a 0 dBFS peak is stored as 2^14;
//! its writer treats 0x08 alone as int16 too, and this importer does the same.
//!
//! A file shorter than its header declares is read the way Surge reads it (its factory
//! `Oneshot/Pulse.wt` is one): the missing tail is zero (noted). Only a file holding
//! less than half the declared data is refused as truncated, which keeps every
//! allocation within a small multiple of the input's size.

use super::conform::Conformer;
use super::error::need;
use super::{
    check_frame_count, check_frame_len, ImportError, Imported, SourceFormat, MAX_SOURCE_SAMPLES,
};

/// Header length, bytes.
const HEADER_LEN: usize = 12;
/// Flag: the data is a one-shot sample rather than a wavetable.
pub const WT_FLAG_SAMPLE: u16 = 0x01;
/// Flag: the data is int16, not float32.
pub const WT_FLAG_INT16: u16 = 0x04;
/// Flag: int16 data uses the full range (scale 2^-15 instead of 2^-14).
pub const WT_FLAG_FULL_RANGE: u16 = 0x08;
/// Flag: the one-shot sample loops.
pub const WT_FLAG_LOOP: u16 = 0x02;
/// Flag: NUL-terminated XML metadata follows the frames.
pub const WT_FLAG_METADATA: u16 = 0x10;
/// Every flag bit this importer reads.
const WT_FLAGS_KNOWN: u16 =
    WT_FLAG_SAMPLE | WT_FLAG_LOOP | WT_FLAG_INT16 | WT_FLAG_FULL_RANGE | WT_FLAG_METADATA;

/// Imports a Surge `.wt` file: one mono frame per table (per window of a one-shot
/// sample), every header flag read and each one that changes or drops something noted.
///
/// # Errors
/// [`ImportError::UnknownFormat`] without the `vawt` tag; [`ImportError::Truncated`] when
/// less than half the data the header declares is there (a shorter shortfall is
/// zero-padded, as Surge does); frame length or count outside the caps;
/// [`ImportError::NonFinite`] for a NaN or infinite float sample, with its offset.
///
/// # Allocation
/// Allocates one frame at a time and the nodes.
pub fn import_surge_wt(bytes: &[u8]) -> Result<Imported, ImportError> {
    if !bytes.starts_with(b"vawt") {
        return Err(ImportError::UnknownFormat {
            reason: "no vawt tag".to_owned(),
        });
    }
    need("vawt header", 0, HEADER_LEN as u64, bytes.len())?;
    let frame_len = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let count = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let flags = u16::from_le_bytes([bytes[10], bytes[11]]);
    check_frame_len(frame_len).map_err(|reason| ImportError::Malformed {
        what: "vawt header",
        offset: 4,
        reason,
    })?;
    if count == 0 {
        return Err(ImportError::Malformed {
            what: "vawt header",
            offset: 8,
            reason: "frame count is 0".to_owned(),
        });
    }
    check_frame_count(count)?;
    let int16 = flags & (WT_FLAG_INT16 | WT_FLAG_FULL_RANGE) != 0;
    let width = if int16 { 2 } else { 4 };
    // NOTE: frame_len ≤ 2^18 and count ≤ 2^12 (checked above), so this cannot overflow.
    let samples = frame_len * count;
    if samples > MAX_SOURCE_SAMPLES {
        return Err(ImportError::TooLarge {
            what: "samples (frame length × count)",
            value: samples as u64,
            cap: MAX_SOURCE_SAMPLES as u64,
        });
    }
    let data_len = samples as u64 * width as u64;
    let present = (bytes.len() - HEADER_LEN) as u64;
    if present < data_len.div_ceil(2) {
        need("wave data", HEADER_LEN, data_len, bytes.len())?;
    }
    let mut notes = Vec::new();
    if present < data_len {
        notes.push(format!(
            "the header declares {data_len} bytes of wave data but {present} remain: the \
             missing {} bytes are read as silence, as Surge does",
            data_len - present
        ));
    }
    let scale = if flags & WT_FLAG_FULL_RANGE != 0 {
        notes.push("int16 data, full range: scaled by 2^-15".to_owned());
        1.0 / 32_768.0
    } else if int16 {
        notes.push(
            "int16 data, Surge's 15-bit range: scaled by 2^-14 (peak 2^14 = 0 dBFS)".to_owned(),
        );
        1.0 / 16_384.0
    } else {
        1.0
    };
    if flags & WT_FLAG_SAMPLE != 0 {
        notes.push(format!(
            "flagged as a one-shot sample, not a wavetable: its {count} windows of \
             {frame_len} samples are imported as frames"
        ));
    }
    if flags & WT_FLAG_LOOP != 0 {
        notes.push("flagged as a looping sample: the loop flag is dropped".to_owned());
    }
    let end = (HEADER_LEN as u64 + data_len).min(bytes.len() as u64) as usize;
    let tail = &bytes[end..];
    if flags & WT_FLAG_METADATA != 0 {
        let xml = tail.split(|&b| b == 0).next().unwrap_or_default();
        let script = if xml.windows(7).any(|w| w == b"<script") {
            " (with the Lua script that generated the table)"
        } else {
            ""
        };
        notes.push(format!(
            "{} bytes of Surge metadata XML{script} are dropped",
            xml.len()
        ));
    } else if !tail.is_empty() {
        notes.push(format!(
            "{} bytes after the wave data are ignored",
            tail.len()
        ));
    }
    if flags & !WT_FLAGS_KNOWN != 0 {
        notes.push(format!(
            "flag bits {:#06x} (Surge's runtime state) are ignored",
            flags & !WT_FLAGS_KNOWN
        ));
    }
    let mut conformer = Conformer::new();
    let mut frames = Vec::with_capacity(count);
    let mut frame = vec![0.0f32; frame_len];
    for i in 0..count {
        let base = HEADER_LEN + i * frame_len * width;
        for (j, s) in frame.iter_mut().enumerate() {
            let at = base + j * width;
            let Some(b) = bytes.get(at..at + width) else {
                *s = 0.0;
                continue;
            };
            *s = if int16 {
                f32::from(i16::from_le_bytes([b[0], b[1]])) * scale
            } else {
                let x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                if !x.is_finite() {
                    return Err(ImportError::NonFinite { offset: at });
                }
                x
            };
        }
        frames.push(conformer.node(&frame, None, i)?);
    }
    Ok(Imported {
        frames,
        notes,
        shape: None,
        format: SourceFormat::SurgeWt,
        name: None,
        sample_rate_hz: None,
    })
}
