//! Vital wavetables: `.vitaltable` files and the three oscillator tables of a `.vital`
//! preset.
//!
//! A table, as Vital's `WavetableCreator::stateToJson` writes it: `{"name", "author",
//! "version", "remove_all_dc", "full_normalize", "groups": [{"components": [{"type",
//! "keyframes": [{"position": 0..256, …}], …}]}]}`. A `.vital` preset is `{"preset_name",
//! "author", …, "settings": {…, "wavetables": [table, table, table]}}`, one table per
//! oscillator.
//!
//! Source components rendered to frames:
//! - **Wave Source** (and **Shepard Tone Source**, a Wave Source that loops): each
//!   keyframe's `wave_data` is the base64 (standard alphabet, padded) of 2048
//!   little-endian f32 samples, one cycle. One frame per keyframe, in position order.
//! - **Line Source**: each keyframe's `line` (`points` as x, y pairs in 0..1 with y down,
//!   `powers`, `smooth`) is drawn as Vital's `LineGenerator` draws it over 2048 samples,
//!   value `1 − 2y`. One frame per keyframe.
//! - **Audio File Source**: the component's `audio_file` is the base64 of 16-bit
//!   little-endian PCM (Vital's `FileSource::stateToJson`), `window_size` the samples one
//!   cycle spans, `fade_style` how a window is cut (0 wave blend, 1 no interpolation,
//!   2 time interpolation, 3 frequency interpolation), `normalize_mult`/`normalize_gain`
//!   whether each frame is normalised. Its keyframes give `start_position` (samples)
//!   and `window_fade` at table positions; Vital interpolates both linearly between
//!   keyframes, so the table scans the audio. Frames are rendered the way
//!   `FileSourceKeyframe::render` does, at evenly spaced table positions from the first
//!   keyframe to the last: one per window the scan passes, at most [`AUDIO_FRAMES`].
//!
//! Modifier components (Phase Shift, Wave Window, Frequency Filter, Slew Limiter, Wave
//! Folder, Wave Warp…) are not applied and are noted; so is any source after the first.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;

use super::conform::Conformer;
use super::{check_frame_count, ImportError, Imported, SourceFormat};

/// Samples per Vital frame (`vital::WaveFrame::kWaveformSize`).
pub const VITAL_FRAME_LEN: usize = 2048;
/// Most frames rendered from one Audio File Source (a scan over fewer windows, or fewer
/// table positions, renders one frame per window or position).
pub const AUDIO_FRAMES: usize = 64;
/// Oscillators of a Vital preset.
pub const VITAL_OSCILLATORS: usize = 3;
/// Longest base64 text of one frame accepted: twice the 10,924 characters of 8192 bytes
/// (4 characters per 3 bytes, padded), leaving room for line breaks some tools insert.
const MAX_WAVE_DATA_CHARS: usize = 2 * (VITAL_FRAME_LEN * 4).div_ceil(3) * 4;
/// Most points a line may have (Vital's `LineGenerator::kMaxPoints`).
const MAX_LINE_POINTS: usize = 100;
/// Vital's last table position.
const MAX_POSITION: f64 = 256.0;

/// A JSON document that may be a table or a preset.
#[derive(Debug, Deserialize)]
struct Doc {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    groups: Option<Vec<Group>>,
    #[serde(default)]
    preset_name: Option<String>,
    #[serde(default)]
    settings: Option<Settings>,
}

#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    wavetables: Vec<Table>,
}

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
    #[serde(default)]
    audio_file: Option<String>,
    #[serde(default)]
    window_size: Option<f64>,
    #[serde(default)]
    fade_style: Option<f64>,
    #[serde(default)]
    phase_style: Option<f64>,
    #[serde(default)]
    normalize_gain: Option<Value>,
    #[serde(default)]
    normalize_mult: Option<Value>,
    #[serde(default)]
    audio_sample_rate: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Keyframe {
    #[serde(default)]
    position: f64,
    #[serde(default)]
    wave_data: Option<String>,
    #[serde(default)]
    start_position: Option<f64>,
    #[serde(default)]
    window_fade: Option<f64>,
    #[serde(default)]
    line: Option<Line>,
}

#[derive(Debug, Deserialize)]
struct Line {
    #[serde(default)]
    points: Vec<f64>,
    #[serde(default)]
    powers: Vec<f64>,
    #[serde(default)]
    num_points: Option<f64>,
    #[serde(default)]
    smooth: Option<Value>,
}

/// True for a JSON `true` or a non-zero number (Vital writes both).
fn truthy(v: Option<&Value>, default: bool) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|x| x != 0.0),
        _ => default,
    }
}

/// Which source a table's frames come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Wave,
    Line,
    Audio,
}

fn source_kind(kind: &str) -> Option<SourceKind> {
    match kind {
        "Wave Source" | "Shepard Tone Source" => Some(SourceKind::Wave),
        "Line Source" => Some(SourceKind::Line),
        "Audio File Source" => Some(SourceKind::Audio),
        _ => None,
    }
}

fn parse_doc(bytes: &[u8]) -> Result<Doc, ImportError> {
    serde_json::from_slice(bytes).map_err(|e| ImportError::Json {
        line: e.line(),
        column: e.column(),
        reason: e.to_string(),
    })
}

/// Imports a `.vitaltable`, or a `.vital` preset's first oscillator that holds a table
/// (noting the others): see [`import_vital_osc`].
///
/// # Errors
/// As [`import_vital_osc`].
///
/// # Allocation
/// Allocates the parsed JSON (bounded by the input), the decoded audio and the nodes.
pub fn import_vital(bytes: &[u8]) -> Result<Imported, ImportError> {
    import_vital_osc(bytes, None)
}

/// Imports a `.vitaltable`, or oscillator `osc` (1 to 3) of a `.vital` preset, or the
/// preset's first oscillator with a renderable table when `osc` is `None`.
///
/// The first source component of the table (Wave, Shepard Tone, Line or Audio File
/// Source, see the module docs) gives the frames; what is dropped is noted. A preset's
/// bank is named after the preset and, when not the first, the oscillator.
///
/// # Errors
/// [`ImportError::Json`] for malformed JSON; [`ImportError::Vital`] for JSON that is
/// neither a table nor a preset, a preset without that oscillator or any table, or a table
/// without a renderable source, naming the oscillator, group, component and keyframe;
/// [`ImportError::Option`] for an `osc` outside 1..=3.
///
/// # Allocation
/// Allocates the parsed JSON (bounded by the input), the decoded audio and the nodes.
pub fn import_vital_osc(bytes: &[u8], osc: Option<usize>) -> Result<Imported, ImportError> {
    let doc = parse_doc(bytes)?;
    if let Some(n) = osc {
        if !(1..=VITAL_OSCILLATORS).contains(&n) {
            return Err(ImportError::Option {
                option: "--osc",
                reason: format!("oscillator {n}: a Vital preset has oscillators 1 to 3"),
            });
        }
    }
    if let Some(groups) = doc.groups {
        let mut imported = import_table(&groups, "")?;
        if osc.is_some() {
            imported
                .notes
                .push("--osc applies to .vital presets; this is a .vitaltable".to_owned());
        }
        imported.name = doc.name.filter(|n| !n.is_empty());
        return Ok(imported);
    }
    let tables = preset_tables(doc.settings)?;
    let preset = doc.preset_name.filter(|n| !n.is_empty());
    let mut failures = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        let n = i + 1;
        if osc.is_some_and(|o| o != n) {
            continue;
        }
        match import_table(&table.groups, &format!("oscillator {n}: ")) {
            Ok(mut imported) => {
                finish_preset_bank(&mut imported, n, preset.as_deref(), table);
                if osc.is_none() {
                    let others: Vec<String> =
                        (n + 1..=tables.len()).map(|o| o.to_string()).collect();
                    if !others.is_empty() {
                        imported.notes.push(format!(
                            "a Vital preset: oscillator {n}'s table is imported; use --osc \
                             {} for the others",
                            others.join(" or --osc ")
                        ));
                    }
                }
                return Ok(imported);
            }
            Err(e) if osc.is_some() => return Err(e),
            Err(e) => failures.push(e.to_string()),
        }
    }
    Err(ImportError::Vital {
        reason: match osc {
            Some(n) => format!("this .vital preset has no oscillator {n} table"),
            None => format!(
                "this .vital preset holds no oscillator table that can be rendered ({})",
                failures.join("; ")
            ),
        },
    })
}

/// Every oscillator table of a `.vital` preset that can be rendered, as
/// `(oscillator 1..=3, bank)`, each named `preset` (or `preset osc N` after the first);
/// tables that cannot be rendered are skipped and said so in the first bank's notes.
///
/// # Errors
/// As [`import_vital_osc`]; also when `bytes` is a `.vitaltable` (it has one table).
///
/// # Allocation
/// Allocates the parsed JSON, the decoded audio and the nodes.
pub fn import_vital_preset(bytes: &[u8]) -> Result<Vec<(usize, Imported)>, ImportError> {
    let doc = parse_doc(bytes)?;
    if doc.groups.is_some() {
        return Err(ImportError::Vital {
            reason: "this is a .vitaltable (one table), not a .vital preset".to_owned(),
        });
    }
    let tables = preset_tables(doc.settings)?;
    let preset = doc.preset_name.filter(|n| !n.is_empty());
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        match import_table(&table.groups, &format!("oscillator {}: ", i + 1)) {
            Ok(mut imported) => {
                finish_preset_bank(&mut imported, i + 1, preset.as_deref(), table);
                out.push((i + 1, imported));
            }
            Err(e) => skipped.push(format!("{e}; skipped")),
        }
    }
    match out.first_mut() {
        Some((_, first)) => {
            first.notes.extend(skipped);
            Ok(out)
        }
        None => Err(ImportError::Vital {
            reason: format!(
                "this .vital preset holds no oscillator table that can be rendered ({})",
                skipped.join("; ")
            ),
        }),
    }
}

/// The oscillator tables of a preset's `settings`, or the error that names the format.
fn preset_tables(settings: Option<Settings>) -> Result<Vec<Table>, ImportError> {
    let Some(settings) = settings else {
        return Err(ImportError::Vital {
            reason: "JSON that is neither a Vital wavetable (.vitaltable, with \"groups\") nor \
                     a Vital preset (.vital, with \"settings\" and its \"wavetables\")"
                .to_owned(),
        });
    };
    if settings.wavetables.is_empty() {
        return Err(ImportError::Vital {
            reason: "this .vital preset has no \"wavetables\" in its settings".to_owned(),
        });
    }
    let mut tables = settings.wavetables;
    tables.truncate(VITAL_OSCILLATORS);
    Ok(tables)
}

/// Names a preset's oscillator bank and marks its format.
fn finish_preset_bank(imported: &mut Imported, osc: usize, preset: Option<&str>, table: &Table) {
    imported.format = SourceFormat::VitalPreset;
    let table_name = table.name.as_deref().filter(|n| !n.is_empty());
    imported.name = match (preset, osc) {
        (Some(p), 1) => Some(p.to_owned()),
        (Some(p), n) => Some(format!("{p} osc {n}")),
        (None, _) => table_name.map(str::to_owned),
    };
    if let Some(t) = table_name {
        imported
            .notes
            .insert(0, format!("oscillator {osc}'s table \"{t}\""));
    }
}

/// The frames of one table: its first source component, with notes on the rest.
fn import_table(groups: &[Group], context: &str) -> Result<Imported, ImportError> {
    let mut notes = Vec::new();
    let mut chosen = None;
    for (g, group) in groups.iter().enumerate() {
        for (c, comp) in group.components.iter().enumerate() {
            let renderable = match source_kind(&comp.kind) {
                Some(SourceKind::Audio) => {
                    comp.audio_file.as_deref().is_some_and(|a| !a.is_empty())
                }
                Some(_) => !comp.keyframes.is_empty(),
                None => false,
            };
            if source_kind(&comp.kind).is_none() {
                notes.push(format!(
                    "group {g} component {c} (\"{}\") is a modifier or unknown; not applied",
                    comp.kind
                ));
            } else if !renderable {
                notes.push(format!(
                    "group {g} component {c} (\"{}\") has no keyframes or audio; skipped",
                    comp.kind
                ));
            } else if chosen.is_some() {
                notes.push(format!(
                    "group {g} component {c} (\"{}\"): a further source; only the first is \
                     imported (Vital sums them)",
                    comp.kind
                ));
            } else {
                chosen = Some((g, c, comp));
            }
        }
    }
    let Some((g, c, comp)) = chosen else {
        return Err(ImportError::Vital {
            reason: format!(
                "{context}no Wave, Line or Audio File Source component with keyframes or \
                 audio"
            ),
        });
    };
    let where_ = format!("{context}group {g} component {c}");
    let raw_frames = match source_kind(&comp.kind) {
        Some(SourceKind::Wave) => wave_frames(comp, &where_, &mut notes)?,
        Some(SourceKind::Line) => line_frames(comp, &where_, &mut notes)?,
        _ => audio_frames(comp, &where_, &mut notes)?,
    };
    let mut conformer = Conformer::new();
    let mut frames = Vec::with_capacity(raw_frames.len());
    for (i, frame) in raw_frames.iter().enumerate() {
        frames.push(conformer.node(frame, None, i)?);
    }
    Ok(Imported {
        frames,
        notes,
        shape: None,
        format: SourceFormat::Vital,
        name: None,
        sample_rate_hz: None,
    })
}

/// Keyframe indices in order of position.
fn by_position(keyframes: &[Keyframe]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keyframes.len()).collect();
    order.sort_by(|&a, &b| keyframes[a].position.total_cmp(&keyframes[b].position));
    order
}

fn positions_note(keyframes: &[Keyframe], order: &[usize], what: &str) -> String {
    let positions: Vec<String> = order
        .iter()
        .map(|&k| format!("{}", keyframes[k].position))
        .collect();
    format!(
        "{} {what} keyframes at positions {} become one frame each (Vital interpolates \
         between them; the cube morphs instead)",
        order.len(),
        positions.join(", ")
    )
}

/// Wave Source frames: one decoded `wave_data` per keyframe.
fn wave_frames(
    comp: &Component,
    where_: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Vec<f32>>, ImportError> {
    check_frame_count(comp.keyframes.len())?;
    let order = by_position(&comp.keyframes);
    notes.push(positions_note(&comp.keyframes, &order, "Wave Source"));
    let mut out = Vec::with_capacity(order.len());
    for &k in &order {
        let bad = |reason: String| ImportError::Vital {
            reason: format!("{where_} keyframe {k}: {reason}"),
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
        let raw = decode_base64(text).map_err(|e| bad(format!("wave_data is not base64 ({e})")))?;
        if raw.len() != VITAL_FRAME_LEN * 4 {
            return Err(bad(format!(
                "wave_data decodes to {} bytes, not {} ({VITAL_FRAME_LEN} f32 samples)",
                raw.len(),
                VITAL_FRAME_LEN * 4
            )));
        }
        let mut frame = Vec::with_capacity(VITAL_FRAME_LEN);
        for (j, b) in raw.chunks_exact(4).enumerate() {
            let s = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if !s.is_finite() {
                return Err(bad(format!("sample {j} is not finite")));
            }
            frame.push(s);
        }
        out.push(frame);
    }
    Ok(out)
}

fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(clean.as_bytes())
}

/// Vital's `futils::powerScale`: bends `t` in 0..1 by `power` (0 leaves it straight).
fn power_scale(t: f64, power: f64) -> f64 {
    const MIN_POWER: f64 = 0.01;
    if power.abs() < MIN_POWER {
        return t;
    }
    (power * t).exp_m1() / power.exp_m1()
}

/// Line Source frames: each keyframe's line drawn over 2048 samples.
fn line_frames(
    comp: &Component,
    where_: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Vec<f32>>, ImportError> {
    check_frame_count(comp.keyframes.len())?;
    let order = by_position(&comp.keyframes);
    notes.push(positions_note(&comp.keyframes, &order, "Line Source"));
    let mut out = Vec::with_capacity(order.len());
    for &k in &order {
        let bad = |reason: String| ImportError::Vital {
            reason: format!("{where_} keyframe {k}: {reason}"),
        };
        let line = comp.keyframes[k]
            .line
            .as_ref()
            .ok_or_else(|| bad("no line".to_owned()))?;
        let declared = line.num_points.unwrap_or((line.points.len() / 2) as f64);
        let n = (line.points.len() / 2).min(MAX_LINE_POINTS);
        if n == 0 || !(1.0..=MAX_LINE_POINTS as f64).contains(&declared) {
            return Err(bad(format!(
                "the line has {} points (num_points {declared}); 1 to {MAX_LINE_POINTS} needed",
                line.points.len() / 2
            )));
        }
        let n = n.min(declared as usize);
        let points: Vec<(f64, f64)> = (0..n)
            .map(|i| (line.points[2 * i], line.points[2 * i + 1]))
            .collect();
        if points
            .iter()
            .any(|&(x, y)| !(x.is_finite() && y.is_finite()))
        {
            return Err(bad("a line point is not finite".to_owned()));
        }
        let power = |i: usize| {
            line.powers
                .get(i)
                .copied()
                .filter(|p| p.is_finite())
                .unwrap_or(0.0)
        };
        let smooth = truthy(line.smooth.as_ref(), false);
        out.push(draw_line(&points, &power, smooth));
    }
    Ok(out)
}

/// Draws a line of `(x, y)` points (x rising in 0..1, y down in 0..1) over
/// [`VITAL_FRAME_LEN`] samples as Vital's `LineGenerator::render` does, as `1 − 2y`.
fn draw_line(points: &[(f64, f64)], power: &dyn Fn(usize) -> f64, smooth: bool) -> Vec<f32> {
    let last = points.len() - 1;
    (0..VITAL_FRAME_LEN)
        .map(|i| {
            let x = i as f64 / (VITAL_FRAME_LEN - 1) as f64;
            // The segment holding x: from the last point at or before it.
            let seg = points.iter().rposition(|&(px, _)| px <= x);
            let y = match seg {
                None => points[0].1,
                Some(s) if s == last => points[last].1,
                Some(s) => {
                    let ((x0, y0), (x1, y1)) = (points[s], points[s + 1]);
                    let mut t = if x1 > x0 { (x - x0) / (x1 - x0) } else { 1.0 };
                    if smooth {
                        t = 0.5 - 0.5 * (std::f64::consts::PI * t).cos();
                    }
                    let t = power_scale(t, power(s)).clamp(0.0, 1.0);
                    y0 + t * (y1 - y0)
                }
            };
            (1.0 - 2.0 * y) as f32
        })
        .collect()
}

/// Audio File Source frames: the decoded audio cut into windows as Vital cuts them.
fn audio_frames(
    comp: &Component,
    where_: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Vec<f32>>, ImportError> {
    let bad = |reason: String| ImportError::Vital {
        reason: format!("{where_} (Audio File Source): {reason}"),
    };
    let text = comp.audio_file.as_deref().unwrap_or_default();
    let raw = decode_base64(text).map_err(|e| bad(format!("audio_file is not base64 ({e})")))?;
    let audio: Vec<f32> = raw
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0)
        .collect();
    if audio.is_empty() {
        return Err(bad("audio_file holds no samples".to_owned()));
    }
    let window = comp
        .window_size
        .filter(|w| w.is_finite() && *w >= 1.0)
        .ok_or_else(|| bad("no window_size of at least one sample".to_owned()))?;
    let window = window.min(audio.len() as f64 * 4.0).min(1e7);
    let fade_style = comp.fade_style.filter(|f| f.is_finite()).unwrap_or(0.0) as i64;
    let normalize = truthy(comp.normalize_mult.as_ref(), true);
    let allow_gain = truthy(comp.normalize_gain.as_ref(), false);
    // Keyframes: (table position, start_position, window_fade).
    let mut keys: Vec<(f64, f64, f64)> = comp
        .keyframes
        .iter()
        .map(|k| {
            (
                k.position.clamp(0.0, MAX_POSITION),
                k.start_position.filter(|s| s.is_finite()).unwrap_or(0.0),
                k.window_fade
                    .filter(|f| f.is_finite())
                    .unwrap_or(1.0)
                    .clamp(0.0, 1.0),
            )
        })
        .collect();
    keys.sort_by(|a, b| a.0.total_cmp(&b.0));
    if keys.is_empty() {
        keys.push((0.0, 0.0, 1.0));
    }
    let (first, last) = (keys[0].0, keys[keys.len() - 1].0);
    let span = (last - first).round() as usize;
    // One frame per window the scan passes, per table position, at most AUDIO_FRAMES.
    let starts = keys.iter().map(|k| k.1);
    let scanned = starts.clone().fold(f64::MIN, f64::max) - starts.fold(f64::MAX, f64::min);
    let cycles = (scanned / window).round().clamp(0.0, AUDIO_FRAMES as f64) as usize + 1;
    let count = (span + 1).min(AUDIO_FRAMES).min(cycles);
    let style = match fade_style {
        1 => "no interpolation",
        2 => "time interpolation",
        3 => "frequency interpolation (rendered as time interpolation)",
        _ => "wave blend",
    };
    notes.push(format!(
        "Audio File Source: {} samples{}, {window}-sample windows, {style}; {count} frames at \
         table positions {first} to {last} (start positions interpolated between {} \
         keyframes, as Vital does)",
        audio.len(),
        comp.audio_sample_rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| format!(" at {r} Hz"))
            .unwrap_or_default(),
        keys.len()
    ));
    if comp.phase_style.is_some_and(|p| p == 1.0 || p == 2.0) {
        notes.push("its phase style (clear or vocode) is not applied".to_owned());
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let pos = if count == 1 {
            first
        } else {
            first + (last - first) * i as f64 / (count - 1) as f64
        };
        let (start, fade) = interpolate_keys(&keys, pos);
        let mut frame = match fade_style {
            1 => window_frame(&audio, (start / window).floor() * window, window),
            2 | 3 => {
                let cycles = start / window;
                let from = cycles.floor();
                let t = (cycles - from) as f32;
                let a = window_frame(&audio, from * window, window);
                let b = window_frame(&audio, (from + 1.0) * window, window);
                a.iter().zip(&b).map(|(x, y)| x + (y - x) * t).collect()
            }
            _ => blend_frame(&audio, start, window, fade),
        };
        if normalize {
            let peak = frame.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            if peak > 0.0 && (peak > 1.0 || allow_gain) {
                frame.iter_mut().for_each(|x| *x /= peak);
            }
        }
        out.push(frame);
    }
    Ok(out)
}

/// `(start_position, window_fade)` at table position `pos`, linear between keyframes.
fn interpolate_keys(keys: &[(f64, f64, f64)], pos: f64) -> (f64, f64) {
    let after = keys.iter().position(|k| k.0 > pos);
    match after {
        None => {
            let k = keys[keys.len() - 1];
            (k.1, k.2)
        }
        Some(0) => (keys[0].1, keys[0].2),
        Some(j) => {
            let (a, b) = (keys[j - 1], keys[j]);
            let t = if b.0 > a.0 {
                (pos - a.0) / (b.0 - a.0)
            } else {
                0.0
            };
            (a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t)
        }
    }
}

/// The audio at fractional sample `position`, Catmull-Rom between its neighbours, held at
/// the ends (Vital's `getScaledInterpolatedSample`).
fn sample_at(audio: &[f32], position: f64) -> f32 {
    let max = (audio.len() - 1) as f64;
    let p = position.clamp(0.0, max);
    let i = p.floor() as usize;
    let t = (p - i as f64) as f32;
    let at = |k: isize| audio[(i as isize + k).clamp(0, audio.len() as isize - 1) as usize];
    let (y0, y1, y2, y3) = (at(-1), at(0), at(1), at(2));
    let a = -0.5 * y0 + 1.5 * y1 - 1.5 * y2 + 0.5 * y3;
    let b = y0 - 2.5 * y1 + 2.0 * y2 - 0.5 * y3;
    let c = -0.5 * y0 + 0.5 * y2;
    ((a * t + b) * t + c) * t + y1
}

/// One window of `window` samples from `start`, read into [`VITAL_FRAME_LEN`] samples.
fn window_frame(audio: &[f32], start: f64, window: f64) -> Vec<f32> {
    (0..VITAL_FRAME_LEN)
        .map(|i| sample_at(audio, start + i as f64 / VITAL_FRAME_LEN as f64 * window))
        .collect()
}

/// Vital's wave-blend window: the window from `start`, rotated so its middle lands where
/// Vital puts it, with its first `fade` of a frame cross-faded into the audio that follows
/// the window (so the cycle joins without a click).
fn blend_frame(audio: &[f32], start: f64, window: f64, fade: f64) -> Vec<f32> {
    let n = VITAL_FRAME_LEN;
    let ratio = window / n as f64;
    let rotate = ((start / ratio + window / 2.0 + (n / 2) as f64) as i64).rem_euclid(n as i64);
    let rotate = rotate as usize;
    let mut frame = vec![0.0f32; n];
    for i in 0..n {
        let t = i as f64 / n as f64;
        frame[(rotate + i) % n] = sample_at(audio, start + t * window);
    }
    let fade_samples = (fade * n as f64) as usize;
    let fade_size = fade_samples as f64 * ratio;
    for i in 0..fade_samples {
        let t = if fade_samples > 1 {
            i as f64 / (fade_samples as f64 - 1.0)
        } else {
            0.0
        };
        let w = 0.5 + 0.5 * (std::f64::consts::PI * t).cos();
        let at = (rotate + i) % n;
        let faded = sample_at(audio, start + window + t * fade_size);
        let existing = f64::from(frame[at]);
        frame[at] = (existing + (f64::from(faded) - existing) * w) as f32;
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_scale_is_straight_at_zero_and_bends_otherwise() {
        assert_eq!(power_scale(0.3, 0.0), 0.3);
        assert!((power_scale(1.0, 3.0) - 1.0).abs() < 1e-12);
        assert!(power_scale(0.5, 3.0) < 0.5);
        assert!(power_scale(0.5, -3.0) > 0.5);
    }

    #[test]
    fn a_two_point_line_is_a_ramp() {
        let frame = draw_line(&[(0.0, 1.0), (1.0, 0.0)], &|_| 0.0, false);
        assert!((frame[0] + 1.0).abs() < 1e-6);
        assert!((frame[VITAL_FRAME_LEN - 1] - 1.0).abs() < 1e-6);
        assert!(frame[1024].abs() < 2e-3);
    }

    #[test]
    fn catmull_rom_passes_through_the_samples() {
        let audio = [0.0, 0.5, -0.25, 1.0];
        for (i, &x) in audio.iter().enumerate() {
            assert_eq!(sample_at(&audio, i as f64), x);
        }
        assert_eq!(sample_at(&audio, -5.0), 0.0);
        assert_eq!(sample_at(&audio, 99.0), 1.0);
    }
}
