//! Vital `.vitaltable` wavetables: JSON whose "Wave Source" keyframes carry base64 frames.
//!
//! The structure, as Vital's `WavetableCreator::stateToJson` writes it:
//! `{"name", "author", "version", "remove_all_dc", "full_normalize", "groups": [{"components":
//! [{"type": "Wave Source", "interpolation_style", "keyframes": [{"position": 0..256,
//! "wave_data": base64}]}]}]}`. `wave_data` is the base64 (standard alphabet, padded) of
//! 2048 little-endian f32 samples, one cycle in the time domain. Other component types
//! (audio files, line shapes, shepard tones, modifiers) are not wavetable frames and are
//! skipped with a note.

use base64::Engine as _;
use serde::Deserialize;

use super::conform::Conformer;
use super::{check_frame_count, ImportError, Imported, SourceFormat};

/// Samples per Vital frame (`vital::WaveFrame::kWaveformSize`).
pub const VITAL_FRAME_LEN: usize = 2048;
/// Longest base64 text of one frame accepted: twice the 10,924 characters of 8192 bytes
/// (4 characters per 3 bytes, padded), leaving room for line breaks some tools insert.
const MAX_WAVE_DATA_CHARS: usize = 2 * (VITAL_FRAME_LEN * 4).div_ceil(3) * 4;
/// The component type that holds frames.
const WAVE_SOURCE: &str = "Wave Source";

#[derive(Debug, Deserialize)]
struct Table {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Debug, Deserialize)]
struct Group {
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Debug, Deserialize)]
struct Component {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    keyframes: Vec<Keyframe>,
}

#[derive(Debug, Deserialize)]
struct Keyframe {
    #[serde(default)]
    position: f64,
    #[serde(default)]
    wave_data: Option<String>,
}

/// Imports a `.vitaltable`: the keyframes of its first "Wave Source" component, one mono
/// frame each, in order of position.
///
/// Vital interpolates between keyframes over 256 positions; here each keyframe is one
/// frame and the cube morphs between them (the positions are noted). Further "Wave
/// Source" components (Vital sums groups) are skipped with a note.
///
/// # Errors
/// [`ImportError::Json`] for malformed JSON or fields of the wrong type;
/// [`ImportError::Vital`] for a missing or bad `wave_data`, naming the group, component
/// and keyframe (also for a NaN or infinite sample).
///
/// # Allocation
/// Allocates the parsed JSON (bounded by the input) and the nodes.
pub fn import_vital(bytes: &[u8]) -> Result<Imported, ImportError> {
    let table: Table = serde_json::from_slice(bytes).map_err(|e| ImportError::Json {
        line: e.line(),
        column: e.column(),
        reason: e.to_string(),
    })?;
    let mut notes = Vec::new();
    let mut chosen = None;
    for (g, group) in table.groups.iter().enumerate() {
        for (c, comp) in group.components.iter().enumerate() {
            if comp.kind != WAVE_SOURCE {
                notes.push(format!(
                    "group {g} component {c} (\"{}\") holds no frames; skipped",
                    comp.kind
                ));
            } else if comp.keyframes.is_empty() {
                notes.push(format!("group {g} component {c} has no keyframes; skipped"));
            } else if chosen.is_some() {
                notes.push(format!(
                    "group {g} component {c}: a further Wave Source; only the first is \
                     imported"
                ));
            } else {
                chosen = Some((g, c, comp));
            }
        }
    }
    let Some((g, c, comp)) = chosen else {
        return Err(ImportError::Vital {
            reason: "no \"Wave Source\" component with keyframes".to_owned(),
        });
    };
    check_frame_count(comp.keyframes.len())?;
    let mut order: Vec<usize> = (0..comp.keyframes.len()).collect();
    order.sort_by(|&a, &b| {
        comp.keyframes[a]
            .position
            .total_cmp(&comp.keyframes[b].position)
    });
    let positions: Vec<String> = order
        .iter()
        .map(|&k| format!("{}", comp.keyframes[k].position))
        .collect();
    notes.push(format!(
        "{} keyframes at positions {} become one frame each (Vital interpolates between \
         them; the cube morphs instead)",
        order.len(),
        positions.join(", ")
    ));
    let mut conformer = Conformer::new();
    let mut frames = Vec::with_capacity(order.len());
    let mut frame = vec![0.0f32; VITAL_FRAME_LEN];
    for (i, &k) in order.iter().enumerate() {
        let bad = |reason: String| ImportError::Vital {
            reason: format!("group {g} component {c} keyframe {k}: {reason}"),
        };
        let text = comp.keyframes[k]
            .wave_data
            .as_deref()
            .ok_or_else(|| bad("no wave_data".to_owned()))?;
        if text.len() > MAX_WAVE_DATA_CHARS {
            return Err(bad(format!(
                "wave_data is {} characters, more than a {VITAL_FRAME_LEN}-sample frame's \
                 {MAX_WAVE_DATA_CHARS}",
                text.len()
            )));
        }
        let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(clean.as_bytes())
            .map_err(|e| bad(format!("wave_data is not base64 ({e})")))?;
        if raw.len() != VITAL_FRAME_LEN * 4 {
            return Err(bad(format!(
                "wave_data decodes to {} bytes, not {} ({VITAL_FRAME_LEN} f32 samples)",
                raw.len(),
                VITAL_FRAME_LEN * 4
            )));
        }
        for (j, (s, b)) in frame.iter_mut().zip(raw.chunks_exact(4)).enumerate() {
            *s = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if !s.is_finite() {
                return Err(bad(format!("sample {j} is not finite")));
            }
        }
        frames.push(conformer.node(&frame, None, i)?);
    }
    Ok(Imported {
        frames,
        notes,
        shape: None,
        format: SourceFormat::Vital,
        name: table.name.filter(|n| !n.is_empty()),
        sample_rate_hz: None,
    })
}
