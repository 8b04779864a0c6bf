//! The patch file: JSON reading and writing, the header check and version migrations.

use serde::de::{self, Deserializer, IgnoredAny};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::data::{round_gain_db, LfoSection, PatchMeta, Sound};
use super::{
    Patch, PatchError, Position, LFO_SHAPE_NAMES, MAX_PATCH_BYTES, MAX_PRESET_BYTES, PATCH_FORMAT,
    PATCH_VERSION,
};
use crate::harmony::AnalysisMode;
use crate::synth::{FilterMode, LfoShape, VoiceMode};

// ---------------------------------------------------------------------------------------
// JSON

/// The file as written: the header, then the sections, in this key order.
#[derive(Serialize)]
struct PatchFileOut<'a> {
    format: &'static str,
    version: u32,
    meta: &'a PatchMeta,
    sound: &'a Sound,
    /// A user preset's file bank, base64 (see [`Patch::to_json_with_bank`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_wcube: Option<&'a str>,
}

/// The file as read, once [`check_header`] has accepted `format` and `version`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchFileIn {
    #[allow(dead_code)]
    format: IgnoredAny,
    #[allow(dead_code)]
    version: IgnoredAny,
    #[serde(default)]
    meta: PatchMeta,
    #[serde(default)]
    sound: Sound,
    #[serde(default)]
    bank_wcube: Option<String>,
}

impl Patch {
    /// Reads a patch from JSON text: checks the header, migrates older versions, decodes,
    /// rounds `gain_db` to [`GAIN_DB_STEP`] and validates every value.
    ///
    /// # Errors
    /// A [`PatchError`] naming the first problem found: its field path and, for text
    /// that does not decode, its line and column.
    ///
    /// # Allocation
    /// Allocates the parsed document and the patch.
    pub fn from_json(text: &str) -> Result<Self, PatchError> {
        Self::read_json(text, MAX_PATCH_BYTES).map(|(patch, _)| patch)
    }

    /// [`Patch::from_json`] for a user preset: also returns the embedded file bank (the
    /// `bank_wcube` field, base64 text of a `.wcube` file, not yet decoded) and accepts text
    /// up to [`MAX_PRESET_BYTES`], since a bank makes the file larger.
    ///
    /// # Errors
    /// As [`Patch::from_json`].
    pub fn from_json_with_bank(text: &str) -> Result<(Self, Option<String>), PatchError> {
        Self::read_json(text, MAX_PRESET_BYTES)
    }

    fn read_json(text: &str, max: usize) -> Result<(Self, Option<String>), PatchError> {
        if text.len() > max {
            return Err(PatchError::TooLarge {
                bytes: text.len(),
                max,
            });
        }
        let value: Value = serde_json::from_str(text).map_err(|e| PatchError::Syntax {
            at: position_of(&e),
            message: bare_message(&e),
        })?;
        let version = check_header(&value)?;
        let file: PatchFileIn = if version == PATCH_VERSION {
            // Decode the text itself, so a shape error carries its line and column.
            serde_json::from_str(text).map_err(|e| decode_error(&e, Some(text)))?
        } else {
            PatchFileIn::deserialize(migrate(value, version)?)
                .map_err(|e| decode_error(&e, None))?
        };
        let mut patch = Self {
            meta: file.meta,
            sound: file.sound,
        };
        if patch.sound.gain_db.is_finite() {
            patch.sound.gain_db = round_gain_db(f64::from(patch.sound.gain_db));
        }
        patch.validate()?;
        Ok((patch, file.bank_wcube))
    }

    /// The patch as JSON: two-space indents, keys in a fixed order, arrays of numbers or
    /// text on one line, and a trailing newline. The same patch gives the same bytes on
    /// every call and platform (floats print as their shortest round-trip form).
    ///
    /// # Allocation
    /// Allocates the text.
    pub fn to_json_pretty(&self) -> String {
        self.to_json_with_bank(None)
    }

    /// [`Patch::to_json_pretty`] with a user preset's file bank: `bank_wcube` (base64 text of
    /// the `.wcube` bytes) written last, on one line, when given.
    ///
    /// # Allocation
    /// Allocates the text.
    pub fn to_json_with_bank(&self, bank_wcube: Option<&str>) -> String {
        let file = PatchFileOut {
            format: PATCH_FORMAT,
            version: PATCH_VERSION,
            meta: &self.meta,
            sound: &self.sound,
            bank_wcube,
        };
        // NOTE: plain structs with string keys cannot fail to serialise (a non-finite
        // float is written as `null`, which `from_json` then rejects with its path).
        let pretty = serde_json::to_string_pretty(&file).expect("a patch always serialises");
        inline_flat_arrays(&pretty)
    }
}

/// Checks `format` and `version` and returns the version.
fn check_header(value: &Value) -> Result<u32, PatchError> {
    let Some(obj) = value.as_object() else {
        return Err(PatchError::NotAnObject {
            found: json_kind(value),
        });
    };
    match obj.get("format") {
        Some(Value::String(s)) if s == PATCH_FORMAT => {}
        other => {
            return Err(PatchError::Format {
                found: other.map_or_else(|| "missing".to_owned(), short_json),
            })
        }
    }
    let Some(version) = obj.get("version") else {
        return Err(PatchError::InvalidVersion {
            found: "missing".into(),
        });
    };
    match version.as_u64() {
        Some(v) if v > u64::from(PATCH_VERSION) => Err(PatchError::UnsupportedVersion {
            found: v,
            supported: PATCH_VERSION,
        }),
        // NOTE: 1 ≤ v ≤ PATCH_VERSION, so it fits in a u32.
        Some(v) if v >= 1 => Ok(v as u32),
        _ => Err(PatchError::InvalidVersion {
            found: short_json(version),
        }),
    }
}

/// One migration step: rewrites a document of version `n` into version `n + 1` in place.
pub(crate) type Migration = fn(&mut Map<String, Value>) -> Result<(), PatchError>;

/// `MIGRATIONS[n - 1]` upgrades version `n` to `n + 1`. To add a version: bump
/// [`PATCH_VERSION`], change the structs, and append a step here that rewrites the
/// previous version's document (renamed fields, new units) into the new one; old files
/// then load through it. Never edit a step once released.
const MIGRATIONS: [Migration; PATCH_VERSION as usize - 1] =
    [v1_to_v2, v2_to_v3, super::migrate_v4::v3_to_v4];

/// Version 2 added `sound.modulation` (the matrix, macro values) and `meta.macro_names`.
/// A version-1 file has neither: its fixed routings stay what they were (named settings
/// until version 4 made them slots), and the new sections take their defaults (no slots, macros at 0,
/// names "Macro 1".."Macro 4"), which leave the sound as it was. Nothing to rewrite.
fn v1_to_v2(_doc: &mut Map<String, Value>) -> Result<(), PatchError> {
    Ok(())
}

/// Version 3 added `sound.fx`, the effects rack. Before it, the plugin ran its codec stage
/// and then its body stage after the engine, and had no other effects; the rack's default
/// (order codec, body, then the effects; codec and body on — their own switches still
/// decide —, every effect off) is exactly that chain, so a version-2 file gets the default
/// rack and sounds as it did. Nothing to rewrite; a version-2 file that already holds a
/// `sound.fx` (no released version wrote one) is refused as an unknown field.
fn v2_to_v3(doc: &mut Map<String, Value>) -> Result<(), PatchError> {
    let has_fx = doc
        .get("sound")
        .and_then(Value::as_object)
        .is_some_and(|s| s.contains_key("fx"));
    if has_fx {
        return Err(PatchError::UnknownField {
            path: "sound.fx".into(),
            expected: "(no effects before version 3)".into(),
            at: None,
        });
    }
    Ok(())
}

/// Brings a document of version `from` (1 ≤ `from` ≤ [`PATCH_VERSION`], checked by
/// [`check_header`]) up to [`PATCH_VERSION`].
///
/// # Errors
/// Whatever a migration step reports.
pub(crate) fn migrate(value: Value, from: u32) -> Result<Value, PatchError> {
    migrate_with(value, from, &MIGRATIONS)
}

/// [`migrate`] over an explicit list of steps (`steps[n - 1]` upgrades version `n`), so the
/// mechanism is testable before a second version exists.
pub(crate) fn migrate_with(
    mut value: Value,
    from: u32,
    steps: &[Migration],
) -> Result<Value, PatchError> {
    let found = json_kind(&value);
    let Some(obj) = value.as_object_mut() else {
        return Err(PatchError::NotAnObject { found });
    };
    let first = (from.max(1) - 1) as usize;
    for (i, step) in steps.iter().enumerate().skip(first) {
        step(obj)?;
        obj.insert("version".into(), Value::from(i as u64 + 2));
    }
    Ok(value)
}

/// Deserialises the three LFOs from a list of at most three; missing ones are off.
///
/// NOTE: this and [`lfo_shape_name`] raise their errors inside the visitor, while
/// serde_json is still at the offending token, so the error's position (and hence its
/// field path) points there rather than at the end of the enclosing object.
pub(crate) fn lfos_from_list<'de, D: Deserializer<'de>>(d: D) -> Result<[LfoSection; 3], D::Error> {
    struct Lfos;
    impl<'de> de::Visitor<'de> for Lfos {
        type Value = [LfoSection; 3];

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of at most 3 LFOs")
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut lfos = [LfoSection::default(); 3];
            for lfo in &mut lfos {
                match seq.next_element()? {
                    Some(l) => *lfo = l,
                    None => return Ok(lfos),
                }
            }
            let mut count = 3;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                count += 1;
            }
            if count > 3 {
                return Err(de::Error::invalid_length(count, &self));
            }
            Ok(lfos)
        }
    }
    d.deserialize_seq(Lfos)
}

/// [`AnalysisMode`] by name: `live`, `interactive`.
#[derive(Serialize, Deserialize)]
#[serde(remote = "AnalysisMode", rename_all = "kebab-case")]
pub(crate) enum AnalysisModeName {
    Live,
    Interactive,
}

/// [`VoiceMode`] by name: `poly`, `mono`, `legato`.
#[derive(Serialize, Deserialize)]
#[serde(remote = "VoiceMode", rename_all = "kebab-case")]
pub(crate) enum VoiceModeName {
    Poly,
    Mono,
    Legato,
}

/// [`FilterMode`] by name: `low-pass`, `band-pass`, `high-pass`.
#[derive(Serialize, Deserialize)]
#[serde(remote = "FilterMode", rename_all = "kebab-case")]
// NOTE: a remote definition must repeat `FilterMode`'s variant names exactly.
#[allow(clippy::enum_variant_names)]
pub(crate) enum FilterModeName {
    LowPass,
    BandPass,
    HighPass,
}

/// [`LfoShape`] by name: written as in [`LFO_SHAPE_NAMES`], read with its `FromStr`.
pub(crate) mod lfo_shape_name {
    use super::*;

    pub fn serialize<S: Serializer>(shape: &LfoShape, s: S) -> Result<S::Ok, S::Error> {
        let name = match shape {
            LfoShape::Sine => LFO_SHAPE_NAMES[0],
            LfoShape::Triangle => LFO_SHAPE_NAMES[1],
            LfoShape::Saw => LFO_SHAPE_NAMES[2],
            LfoShape::Square => LFO_SHAPE_NAMES[3],
            LfoShape::Random => LFO_SHAPE_NAMES[4],
        };
        s.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<LfoShape, D::Error> {
        struct Name;
        impl de::Visitor<'_> for Name {
            type Value = LfoShape;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an LFO shape name")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<LfoShape, E> {
                name.parse()
                    .map_err(|_| E::unknown_variant(name, &LFO_SHAPE_NAMES))
            }
        }
        d.deserialize_str(Name)
    }
}

/// "an array", "a number", ... for a JSON value.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `value` as compact JSON, cut to 40 characters.
fn short_json(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn position_of(e: &serde_json::Error) -> Position {
    Position {
        line: e.line(),
        column: e.column(),
    }
}

/// The error's message without serde_json's " at line L column C" suffix.
fn bare_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

/// A typed error for a decoding failure, with the field path found from the position in
/// `text` (when decoding text; `None` for a migrated document, which has no position).
fn decode_error(e: &serde_json::Error, text: Option<&str>) -> PatchError {
    let (at, path) = match text {
        Some(text) if e.line() > 0 => {
            let at = position_of(e);
            (Some(at), path_at(text, at))
        }
        _ => (None, String::new()),
    };
    let path = if path.is_empty() {
        "(patch)".to_owned()
    } else {
        path
    };
    let message = bare_message(e);
    // serde's standard messages: "unknown variant `x`, expected one of `a`, `b`" and
    // "unknown field `x`, expected one of `a`, `b`" (or "expected `a`").
    let ticked = backticked(&message);
    if message.starts_with("unknown variant `") && !ticked.is_empty() {
        return PatchError::UnknownName {
            path,
            found: ticked[0].to_owned(),
            expected: ticked[1..].join(", "),
            at,
        };
    }
    if message.starts_with("unknown field `") && !ticked.is_empty() {
        return PatchError::UnknownField {
            path,
            expected: ticked[1..].join(", "),
            at,
        };
    }
    PatchError::Schema { path, message, at }
}

/// The `backticked` parts of a message, in order.
fn backticked(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// The field path (`sound.lfos[1].shape`) open at `at` in the JSON `text`: the object keys
/// and array indexes enclosing that point. serde_json reports the position just past the
/// token it rejected, so the innermost key is the field that holds it.
pub(crate) fn path_at(text: &str, at: Position) -> String {
    enum Frame {
        /// An object, with the key most recently read in it.
        Object(Option<String>),
        /// An array, with the index of the current element.
        Array(usize),
    }
    let bytes = text.as_bytes();
    // Byte offset of the position: the start of line `at.line`, plus `at.column`.
    let line_start = text
        .split_inclusive('\n')
        .take(at.line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let end = (line_start + at.column).min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    // True where the next string in the innermost object is a key.
    let mut expect_key = false;
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if expect_key {
                    if let Some(Frame::Object(key)) = stack.last_mut() {
                        *key = text.get(start..i.min(bytes.len())).map(str::to_owned);
                    }
                    expect_key = false;
                }
            }
            b'{' => {
                stack.push(Frame::Object(None));
                expect_key = true;
            }
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object(_)) => expect_key = true,
                Some(Frame::Array(index)) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object(None) => {}
            Frame::Array(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// Puts every array that holds only numbers, strings or booleans on one line
/// (`"morph": [0.5, 0.25, 0.0]`) in serde_json's pretty output, and ends each line with
/// `\n`. Safe on JSON text because a string never holds a raw newline, so only a line
/// that opens an array or object ends in `[` or `{`.
fn inline_flat_arrays(pretty: &str) -> String {
    let lines: Vec<&str> = pretty.lines().collect();
    let mut out = String::with_capacity(pretty.len() + 1);
    let mut i = 0;
    while i < lines.len() {
        let open = lines[i];
        if open.ends_with('[') {
            let indent = open.len() - open.trim_start().len();
            let close = (i + 1..lines.len()).find(|&j| {
                let t = lines[j].trim_start();
                lines[j].len() - t.len() == indent && t.starts_with(']')
            });
            if let Some(close) = close {
                let inner = &lines[i + 1..close];
                if inner.iter().all(|l| !l.ends_with('[') && !l.ends_with('{')) {
                    let items: Vec<&str> = inner
                        .iter()
                        .map(|l| {
                            let t = l.trim();
                            t.strip_suffix(',').unwrap_or(t)
                        })
                        .collect();
                    out.push_str(open);
                    out.push_str(&items.join(", "));
                    out.push_str(lines[close].trim_start());
                    out.push('\n');
                    i = close + 1;
                    continue;
                }
            }
        }
        out.push_str(open);
        out.push('\n');
        i += 1;
    }
    out
}
