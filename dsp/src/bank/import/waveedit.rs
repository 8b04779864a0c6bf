//! WaveEdit banks (Synthesis Technology's editor for the E370 and E352): 64 frames of 256
//! samples, 16-bit mono, with no metadata, as a raw file or a WAV file.

use super::conform::Conformer;
use super::riff::is_wav;
use super::{import_wav, ImportError, Imported, SourceFormat, WAVEEDIT_FRAMES, WAVEEDIT_FRAME_LEN};

/// Size of a raw WaveEdit bank: 64 × 256 little-endian int16 samples, bytes.
pub const WAVEEDIT_RAW_BYTES: usize = WAVEEDIT_FRAMES * WAVEEDIT_FRAME_LEN * 2;

/// Imports a WaveEdit bank: a WAV file is cut into 256-sample frames (whatever its sample
/// format); raw bytes must be exactly [`WAVEEDIT_RAW_BYTES`] long, little-endian int16
/// scaled by 2^-15.
///
/// # Errors
/// The WAV importer's errors; [`ImportError::Malformed`] for raw bytes of another length.
///
/// # Allocation
/// Allocates the nodes.
pub fn import_waveedit(bytes: &[u8]) -> Result<Imported, ImportError> {
    if is_wav(bytes) {
        let mut imported = import_wav(bytes, Some(WAVEEDIT_FRAME_LEN))?;
        if imported.frames.len() != WAVEEDIT_FRAMES {
            imported.notes.push(format!(
                "{} frames of {WAVEEDIT_FRAME_LEN} samples; a WaveEdit bank has \
                 {WAVEEDIT_FRAMES}",
                imported.frames.len()
            ));
        }
        imported.format = SourceFormat::WaveEdit;
        return Ok(imported);
    }
    if bytes.len() != WAVEEDIT_RAW_BYTES {
        return Err(ImportError::Malformed {
            what: "raw WaveEdit bank",
            offset: bytes.len().min(WAVEEDIT_RAW_BYTES),
            reason: format!(
                "{} bytes; a raw bank is exactly {WAVEEDIT_RAW_BYTES} (64 frames of 256 \
                 16-bit samples)",
                bytes.len()
            ),
        });
    }
    let mut conformer = Conformer::new();
    let mut frame = [0.0f32; WAVEEDIT_FRAME_LEN];
    let frames = bytes
        .chunks_exact(WAVEEDIT_FRAME_LEN * 2)
        .enumerate()
        .map(|(i, raw)| {
            for (s, b) in frame.iter_mut().zip(raw.chunks_exact(2)) {
                *s = f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0;
            }
            conformer.node(&frame, None, i)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Imported {
        frames,
        notes: vec!["raw WaveEdit bank: 64 frames of 256 16-bit samples".to_owned()],
        shape: None,
        format: SourceFormat::WaveEdit,
        name: None,
        sample_rate_hz: None,
    })
}
