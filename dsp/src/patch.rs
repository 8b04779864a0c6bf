//! The patch: every sound setting as plain data, stored as versioned JSON.
//!
//! A [`Patch`] is metadata ([`PatchMeta`]) plus a [`Sound`] that mirrors
//! [`SynthParams`] field for field, with names that carry their units (`gain_db`,
//! `attack_ms`, `cutoff_hz`, ...). The plugin maps its parameters to it, the harness
//! renders from it and `presets/patches/` stores it. The format is specified in
//! `docs/formats/patch.md`.
//!
//! Loading ([`Patch::from_json`]) is strict: a wrong format tag, a version newer than
//! [`PATCH_VERSION`], a misspelt field, an unknown name, a non-finite or out-of-range
//! value each give a [`PatchError`] naming the field (`sound.filter.cutoff_hz`) and, where
//! the text has one, the line and column. Omitted fields take the engine's defaults.
//! Older versions are brought forward by [`migrate`] before decoding.
//!
//! Patches are built, read and written off the audio thread: everything here allocates.

use serde::de::{self, Deserializer, IgnoredAny};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::harmony::{AnalysisMode, TensionWeights};
use crate::synth::{
    AdsrParams, FilterMode, FilterParams, LfoParams, LfoShape, SynthParams, TensionParams,
    VoiceMode, MAX_LFO_RATE_HZ, MAX_UNISON, MAX_VOICES,
};

/// The `format` tag every patch file carries.
pub const PATCH_FORMAT: &str = "wavecube-patch";

/// The patch format version this build writes, and the newest it reads.
pub const PATCH_VERSION: u32 = 1;

/// Largest patch file accepted, bytes (a factory patch is about 2 KiB).
pub const MAX_PATCH_BYTES: usize = 1 << 20;

/// Lowest master gain a patch holds, dB (−96 dB: below 16-bit resolution).
pub const MIN_GAIN_DB: f32 = -96.0;

/// Highest master gain a patch holds, dB (+12 dB, just under the engine's linear 4).
pub const MAX_GAIN_DB: f32 = 12.0;

/// Resolution of `gain_db`, dB. Loading and [`Patch::from_params`] round to it, so a
/// patch survives the trip through the engine's linear gain exactly.
pub const GAIN_DB_STEP: f32 = 0.001;

/// Longest patch or author name, characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Longest description, characters.
pub const MAX_DESCRIPTION_CHARS: usize = 256;

/// Most tags on one patch.
pub const MAX_TAGS: usize = 16;

/// Longest tag, characters.
pub const MAX_TAG_CHARS: usize = 32;

/// The LFO shape names a patch writes, in [`LfoShape`] order. Reading also accepts every
/// name `LfoShape`'s `FromStr` does (`sin`, `tri`, `sqr`, `rand`, `s&h`, any case).
pub const LFO_SHAPE_NAMES: [&str; 5] = ["sine", "triangle", "saw", "square", "random"];

// ---------------------------------------------------------------------------------------
// The data

/// One sound: its metadata and every setting the engine reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Patch {
    /// Name, category, author and the rest; not read by the engine.
    pub meta: PatchMeta,
    /// The settings, mirroring [`SynthParams`].
    pub sound: Sound,
}

/// What kind of sound a patch is, for browsing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Sustained, slow-moving chords.
    Pad,
    /// Low lines, often mono.
    Bass,
    /// Solo lines.
    Lead,
    /// Short, decaying notes.
    Pluck,
    /// Keyboard instruments: pianos, organs. The default (the init sound is one).
    #[default]
    Keys,
    /// Effects and noises.
    Fx,
    /// Sounds built around a timbre moving through the cube.
    Sweep,
}

impl Category {
    /// Every category, in the order above.
    pub const ALL: [Self; 7] = [
        Self::Pad,
        Self::Bass,
        Self::Lead,
        Self::Pluck,
        Self::Keys,
        Self::Fx,
        Self::Sweep,
    ];

    /// The name a patch file uses: `pad`, `bass`, `lead`, `pluck`, `keys`, `fx`, `sweep`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pad => "pad",
            Self::Bass => "bass",
            Self::Lead => "lead",
            Self::Pluck => "pluck",
            Self::Keys => "keys",
            Self::Fx => "fx",
            Self::Sweep => "sweep",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A patch's metadata (JSON `meta`). The engine ignores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatchMeta {
    /// Display name, 1 to 64 characters, one line. Default `"Init"`.
    pub name: String,
    /// Kind of sound. Default [`Category::Keys`].
    pub category: Category,
    /// The wavetable bank the patch plays, 1 to 64 characters; `None` for the built-in cube.
    /// `"factory"` (the bank of the patches shipped in `presets/patches/`) is the built-in
    /// cube; otherwise a factory bank name or a bank file path relative to the patch file
    /// (resolved by `wavecube render`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank: Option<String>,
    /// Who made it, at most 64 characters. Default empty.
    pub author: String,
    /// One line on how it sounds, at most 256 characters. Default empty.
    pub description: String,
    /// Search words, at most 16 of 1 to 32 characters each. Default none.
    pub tags: Vec<String>,
}

impl Default for PatchMeta {
    fn default() -> Self {
        Self {
            name: "Init".into(),
            category: Category::default(),
            bank: None,
            author: String::new(),
            description: String::new(),
            tags: Vec::new(),
        }
    }
}

/// Every setting the engine reads (JSON `sound`). Omitted fields take the values of
/// [`SynthParams::default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sound {
    /// Master gain, dB, −96 to +12 in steps of 0.001. Default 0.
    pub gain_db: f32,
    /// How much velocity changes level, 0 (none) to 1 (gain = velocity²). Default 1.
    pub velocity_sensitivity: f32,
    /// Pitch-bend range each way, semitones, 0 to 48. Default 2.
    pub bend_range_semitones: f32,
    /// Base morph point `[x, y, z]`, each 0 to 1 across the cube. Default `[0, 0, 0]`.
    pub morph: [f32; 3],
    /// Voice allocation, glide and unison.
    pub voice: VoiceSection,
    /// The amplitude envelope.
    pub amp_env: EnvSection,
    /// The modulation envelope and its morph depths (its cutoff depth is
    /// [`FilterSection::env_octaves`]).
    pub mod_env: ModEnvSection,
    /// The filter.
    pub filter: FilterSection,
    /// The three LFOs. A file may list 0 to 3; missing ones are off.
    #[serde(deserialize_with = "lfos_from_list")]
    pub lfos: [LfoSection; 3],
    /// Harmonic tension as a modulation source. Omitted from the file while it is the
    /// default (off), so patches without it read and write as before.
    #[serde(skip_serializing_if = "TensionSection::is_default")]
    pub tension: TensionSection,
}

/// Harmonic tension as a modulation source (JSON `sound.tension`): the chords held move the
/// morph point by `morph_depth × tension`. Defaults: depths 0, `"interactive"`, α β γ =
/// 0.4, 0.3, 0.3.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TensionSection {
    /// Depth on morph `[x, y, z]` at full tension, morph units, −1 to 1 each.
    pub morph_depth: [f32; 3],
    /// `"live"` (Haar, at most 2 levels) or `"interactive"` (db4, adaptive levels).
    #[serde(with = "AnalysisModeName")]
    pub mode: AnalysisMode,
    /// Weight α of harmonic disorder (1 − organisation), 0 to 1.
    pub alpha: f32,
    /// Weight β of wavelet detail energy, 0 to 1.
    pub beta: f32,
    /// Weight γ of key distance, 0 to 1.
    pub gamma: f32,
}

impl Default for TensionSection {
    fn default() -> Self {
        Self::from_params(&TensionParams::default())
    }
}

impl TensionSection {
    /// The section of the engine's tension settings, as given.
    pub fn from_params(p: &TensionParams) -> Self {
        Self {
            morph_depth: p.morph_depth,
            mode: p.mode,
            alpha: p.weights.alpha,
            beta: p.weights.beta,
            gamma: p.weights.gamma,
        }
    }

    /// The engine's tension settings of this section.
    pub fn to_params(&self) -> TensionParams {
        TensionParams {
            morph_depth: self.morph_depth,
            mode: self.mode,
            weights: TensionWeights {
                alpha: self.alpha,
                beta: self.beta,
                gamma: self.gamma,
            },
        }
    }

    /// True for the default section (written as nothing).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// How notes map to voices (JSON `sound.voice`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceSection {
    /// `"poly"`, `"mono"` (every note retriggers) or `"legato"` (overlapping notes glide
    /// without retriggering). Default `"poly"`.
    #[serde(with = "VoiceModeName")]
    pub mode: VoiceMode,
    /// Most voices sounding at once in poly mode, 1 to 64. Default 64.
    pub polyphony: u32,
    /// Portamento time in mono and legato modes, ms, 0 to 10,000. Default 0.
    pub glide_ms: f32,
    /// Oscillators per voice, 1 to 8. Default 1.
    pub unison: u32,
    /// Tuning spread between the outermost unison oscillators, cents, 0 to 100. Default 0.
    pub detune_cents: f32,
    /// Stereo spread of the unison oscillators, 0 (centre) to 1 (hard left to right).
    /// Default 0.
    pub spread: f32,
}

/// An ADSR envelope (JSON `sound.amp_env`). Defaults: 5 ms, 300 ms, 0.7, 250 ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnvSection {
    /// Attack time, ms, 0 to 30,000.
    pub attack_ms: f32,
    /// Decay time to the sustain level, ms, 0 to 30,000.
    pub decay_ms: f32,
    /// Sustain level, linear, 0 to 1.
    pub sustain: f32,
    /// Release time to silence, ms, 0 to 30,000.
    pub release_ms: f32,
}

/// The modulation envelope (JSON `sound.mod_env`): an ADSR plus its depth on the morph
/// point. Defaults as [`EnvSection`], depths 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModEnvSection {
    /// Attack time, ms, 0 to 30,000.
    pub attack_ms: f32,
    /// Decay time to the sustain level, ms, 0 to 30,000.
    pub decay_ms: f32,
    /// Sustain level, linear, 0 to 1.
    pub sustain: f32,
    /// Release time, ms, 0 to 30,000.
    pub release_ms: f32,
    /// Depth on morph `[x, y, z]` at full envelope, morph units (the cube is 1 wide),
    /// −1 to 1 each.
    pub morph_depth: [f32; 3],
}

/// The filter (JSON `sound.filter`). Defaults: off, low-pass, 20,000 Hz, all else 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterSection {
    /// True to filter; false bypasses the filter.
    pub enabled: bool,
    /// `"low-pass"`, `"band-pass"` or `"high-pass"` (12 dB/octave state-variable filter).
    #[serde(with = "FilterModeName")]
    pub mode: FilterMode,
    /// Cutoff, Hz, 20 to 20,000.
    pub cutoff_hz: f32,
    /// Resonance, 0 to 1 (Q 0.5 to 25).
    pub resonance: f32,
    /// Modulation envelope depth on the cutoff, octaves, −8 to 8.
    pub env_octaves: f32,
    /// Key tracking, 0 to 1: 1 moves the cutoff an octave per octave from C4.
    pub keytrack: f32,
}

/// One LFO and its routing (JSON `sound.lfos[i]`). Default: a sine at 0 Hz routed
/// nowhere, i.e. off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LfoSection {
    /// `"sine"`, `"triangle"`, `"saw"`, `"square"` or `"random"` (sample and hold);
    /// reading accepts every name [`LfoShape`]'s `FromStr` does.
    #[serde(with = "lfo_shape_name")]
    pub shape: LfoShape,
    /// Rate, Hz, 0 to 1000.
    pub rate_hz: f32,
    /// Depth on morph `[x, y, z]`, morph units, −1 to 1 each.
    pub morph_depth: [f32; 3],
    /// Depth on pitch, semitones, −24 to 24 (vibrato).
    pub pitch_semitones: f32,
    /// Depth on the filter cutoff, octaves, −8 to 8.
    pub cutoff_octaves: f32,
}

impl Default for Sound {
    fn default() -> Self {
        Self::from_params(&SynthParams::default())
    }
}

impl Default for VoiceSection {
    fn default() -> Self {
        Sound::default().voice
    }
}

impl Default for EnvSection {
    fn default() -> Self {
        EnvSection::from_params(&AdsrParams::default())
    }
}

impl Default for ModEnvSection {
    fn default() -> Self {
        Sound::default().mod_env
    }
}

impl Default for FilterSection {
    fn default() -> Self {
        Sound::default().filter
    }
}

impl Default for LfoSection {
    fn default() -> Self {
        LfoSection::from_params(&LfoParams::default())
    }
}

// ---------------------------------------------------------------------------------------
// Conversion to and from the engine's parameters

impl Patch {
    /// The engine settings this patch describes. Values are passed as they are (the
    /// engine sanitises its copy), so call this on a validated patch.
    pub fn to_params(&self) -> SynthParams {
        let s = &self.sound;
        SynthParams {
            morph: s.morph,
            lfo: s.lfos.map(|l| l.to_params()),
            amp_env: s.amp_env.to_params(),
            mod_env: AdsrParams {
                attack_ms: s.mod_env.attack_ms,
                decay_ms: s.mod_env.decay_ms,
                sustain: s.mod_env.sustain,
                release_ms: s.mod_env.release_ms,
            },
            mod_env_morph: s.mod_env.morph_depth,
            filter: FilterParams {
                enabled: s.filter.enabled,
                mode: s.filter.mode,
                cutoff_hz: s.filter.cutoff_hz,
                resonance: s.filter.resonance,
                env_octaves: s.filter.env_octaves,
                keytrack: s.filter.keytrack,
            },
            bend_range_semitones: s.bend_range_semitones,
            gain: db_to_gain(s.gain_db),
            velocity_sensitivity: s.velocity_sensitivity,
            polyphony: s.voice.polyphony as usize,
            voice_mode: s.voice.mode,
            glide_ms: s.voice.glide_ms,
            unison: s.voice.unison as usize,
            detune_cents: s.voice.detune_cents,
            spread: s.voice.spread,
            tension: s.tension.to_params(),
        }
    }

    /// A patch of `params` (sanitised first, so the sound is always valid) with `meta`
    /// taken as given; [`Patch::validate`] checks the metadata. The gain is rounded to
    /// [`GAIN_DB_STEP`] and held to −96..12 dB (a linear gain of 0 becomes −96 dB), so for
    /// every patch `p` that [`Patch::from_json`] returns,
    /// `Patch::from_params(&p.to_params(), p.meta.clone()) == p`.
    pub fn from_params(params: &SynthParams, meta: PatchMeta) -> Self {
        Self {
            meta,
            sound: Sound::from_params(params),
        }
    }
}

impl Sound {
    /// The sound section of `params`, sanitised first.
    pub fn from_params(params: &SynthParams) -> Self {
        let p = params.sanitized();
        Self {
            gain_db: gain_to_db(p.gain),
            velocity_sensitivity: p.velocity_sensitivity,
            bend_range_semitones: p.bend_range_semitones,
            morph: p.morph,
            voice: VoiceSection {
                mode: p.voice_mode,
                // NOTE: sanitised to 1..=64 and 1..=8, so these conversions are exact.
                polyphony: p.polyphony as u32,
                glide_ms: p.glide_ms,
                unison: p.unison as u32,
                detune_cents: p.detune_cents,
                spread: p.spread,
            },
            amp_env: EnvSection::from_params(&p.amp_env),
            mod_env: ModEnvSection {
                attack_ms: p.mod_env.attack_ms,
                decay_ms: p.mod_env.decay_ms,
                sustain: p.mod_env.sustain,
                release_ms: p.mod_env.release_ms,
                morph_depth: p.mod_env_morph,
            },
            filter: FilterSection {
                enabled: p.filter.enabled,
                mode: p.filter.mode,
                cutoff_hz: p.filter.cutoff_hz,
                resonance: p.filter.resonance,
                env_octaves: p.filter.env_octaves,
                keytrack: p.filter.keytrack,
            },
            lfos: p.lfo.map(|l| LfoSection::from_params(&l)),
            tension: TensionSection::from_params(&p.tension),
        }
    }
}

impl EnvSection {
    /// The section of an engine envelope, as given.
    pub fn from_params(p: &AdsrParams) -> Self {
        Self {
            attack_ms: p.attack_ms,
            decay_ms: p.decay_ms,
            sustain: p.sustain,
            release_ms: p.release_ms,
        }
    }

    /// The engine envelope of this section.
    pub fn to_params(&self) -> AdsrParams {
        AdsrParams {
            attack_ms: self.attack_ms,
            decay_ms: self.decay_ms,
            sustain: self.sustain,
            release_ms: self.release_ms,
        }
    }
}

impl LfoSection {
    /// The section of an engine LFO, as given.
    pub fn from_params(p: &LfoParams) -> Self {
        Self {
            shape: p.shape,
            rate_hz: p.rate_hz,
            morph_depth: p.morph_depth,
            pitch_semitones: p.pitch_semitones,
            cutoff_octaves: p.cutoff_octaves,
        }
    }

    /// The engine LFO of this section.
    pub fn to_params(&self) -> LfoParams {
        LfoParams {
            shape: self.shape,
            rate_hz: self.rate_hz,
            morph_depth: self.morph_depth,
            pitch_semitones: self.pitch_semitones,
            cutoff_octaves: self.cutoff_octaves,
        }
    }
}

/// Linear gain of `gain_db` dB (computed in f64, rounded once to f32).
pub fn db_to_gain(gain_db: f32) -> f32 {
    10f64.powf(f64::from(gain_db) / 20.0) as f32
}

/// `gain` (linear, non-negative) in dB, held to −96..12 and rounded to [`GAIN_DB_STEP`].
/// A NaN gives NaN.
pub fn gain_to_db(gain: f32) -> f32 {
    let db = 20.0 * f64::from(gain.max(0.0)).log10();
    round_gain_db(db.clamp(f64::from(MIN_GAIN_DB), f64::from(MAX_GAIN_DB)))
}

/// `db` rounded to the nearest [`GAIN_DB_STEP`], with −0 made +0.
fn round_gain_db(db: f64) -> f32 {
    // NOTE: divide the integer count of steps rather than multiply by 0.001, so the result
    // is the f32 nearest the decimal `k/1000` — the same value JSON text "k/1000" parses to
    // (checked over the whole range in `gain_db_grid_round_trips_exactly`).
    ((db * 1000.0).round() / 1000.0) as f32 + 0.0
}

// ---------------------------------------------------------------------------------------
// JSON

/// The file as written: the header, then the sections, in this key order.
#[derive(Serialize)]
struct PatchFileOut<'a> {
    format: &'static str,
    version: u32,
    meta: &'a PatchMeta,
    sound: &'a Sound,
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
        if text.len() > MAX_PATCH_BYTES {
            return Err(PatchError::TooLarge {
                bytes: text.len(),
                max: MAX_PATCH_BYTES,
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
        Ok(patch)
    }

    /// The patch as JSON: two-space indents, keys in a fixed order, arrays of numbers or
    /// text on one line, and a trailing newline. The same patch gives the same bytes on
    /// every call and platform (floats print as their shortest round-trip form).
    ///
    /// # Allocation
    /// Allocates the text.
    pub fn to_json_pretty(&self) -> String {
        let file = PatchFileOut {
            format: PATCH_FORMAT,
            version: PATCH_VERSION,
            meta: &self.meta,
            sound: &self.sound,
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
type Migration = fn(&mut Map<String, Value>) -> Result<(), PatchError>;

/// `MIGRATIONS[n - 1]` upgrades version `n` to `n + 1`. Version 1 is the first, so there
/// are none yet. To add version 2: bump [`PATCH_VERSION`], change the structs, and append
/// a step here that rewrites a version-1 document (renamed fields, new units) into a
/// version-2 one; old files then load through it. Never edit a step once released.
const MIGRATIONS: [Migration; PATCH_VERSION as usize - 1] = [];

/// Brings a document of version `from` (1 ≤ `from` ≤ [`PATCH_VERSION`], checked by
/// [`check_header`]) up to [`PATCH_VERSION`].
///
/// # Errors
/// Whatever a migration step reports.
fn migrate(value: Value, from: u32) -> Result<Value, PatchError> {
    migrate_with(value, from, &MIGRATIONS)
}

/// [`migrate`] over an explicit list of steps (`steps[n - 1]` upgrades version `n`), so the
/// mechanism is testable before a second version exists.
fn migrate_with(mut value: Value, from: u32, steps: &[Migration]) -> Result<Value, PatchError> {
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
fn lfos_from_list<'de, D: Deserializer<'de>>(d: D) -> Result<[LfoSection; 3], D::Error> {
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
enum AnalysisModeName {
    Live,
    Interactive,
}

/// [`VoiceMode`] by name: `poly`, `mono`, `legato`.
#[derive(Serialize, Deserialize)]
#[serde(remote = "VoiceMode", rename_all = "kebab-case")]
enum VoiceModeName {
    Poly,
    Mono,
    Legato,
}

/// [`FilterMode`] by name: `low-pass`, `band-pass`, `high-pass`.
#[derive(Serialize, Deserialize)]
#[serde(remote = "FilterMode", rename_all = "kebab-case")]
// NOTE: a remote definition must repeat `FilterMode`'s variant names exactly.
#[allow(clippy::enum_variant_names)]
enum FilterModeName {
    LowPass,
    BandPass,
    HighPass,
}

/// [`LfoShape`] by name: written as in [`LFO_SHAPE_NAMES`], read with its `FromStr`.
mod lfo_shape_name {
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

// ---------------------------------------------------------------------------------------
// Validation

impl Patch {
    /// Checks every value against its documented range, and the metadata's text.
    ///
    /// # Errors
    /// The first problem, in file order: [`PatchError::NotFinite`],
    /// [`PatchError::OutOfRange`], [`PatchError::Text`] or [`PatchError::TooMany`].
    pub fn validate(&self) -> Result<(), PatchError> {
        self.validate_meta()?;
        let s = &self.sound;
        num("sound.gain_db", s.gain_db, MIN_GAIN_DB, MAX_GAIN_DB, "dB")?;
        num(
            "sound.velocity_sensitivity",
            s.velocity_sensitivity,
            0.0,
            1.0,
            "",
        )?;
        num(
            "sound.bend_range_semitones",
            s.bend_range_semitones,
            0.0,
            48.0,
            "semitones",
        )?;
        axes("sound.morph", &s.morph, 0.0, 1.0)?;

        let v = &s.voice;
        int("sound.voice.polyphony", v.polyphony, 1, MAX_VOICES as u32)?;
        num("sound.voice.glide_ms", v.glide_ms, 0.0, 10_000.0, "ms")?;
        int("sound.voice.unison", v.unison, 1, MAX_UNISON as u32)?;
        num(
            "sound.voice.detune_cents",
            v.detune_cents,
            0.0,
            100.0,
            "cents",
        )?;
        num("sound.voice.spread", v.spread, 0.0, 1.0, "")?;

        let a = &s.amp_env;
        envelope(
            "sound.amp_env",
            a.attack_ms,
            a.decay_ms,
            a.sustain,
            a.release_ms,
        )?;
        let m = &s.mod_env;
        envelope(
            "sound.mod_env",
            m.attack_ms,
            m.decay_ms,
            m.sustain,
            m.release_ms,
        )?;
        axes("sound.mod_env.morph_depth", &m.morph_depth, -1.0, 1.0)?;

        let f = &s.filter;
        num("sound.filter.cutoff_hz", f.cutoff_hz, 20.0, 20_000.0, "Hz")?;
        num("sound.filter.resonance", f.resonance, 0.0, 1.0, "")?;
        num(
            "sound.filter.env_octaves",
            f.env_octaves,
            -8.0,
            8.0,
            "octaves",
        )?;
        num("sound.filter.keytrack", f.keytrack, 0.0, 1.0, "")?;

        for (i, l) in s.lfos.iter().enumerate() {
            let path = |field: &str| format!("sound.lfos[{i}].{field}");
            num(&path("rate_hz"), l.rate_hz, 0.0, MAX_LFO_RATE_HZ, "Hz")?;
            axes(&path("morph_depth"), &l.morph_depth, -1.0, 1.0)?;
            num(
                &path("pitch_semitones"),
                l.pitch_semitones,
                -24.0,
                24.0,
                "semitones",
            )?;
            num(
                &path("cutoff_octaves"),
                l.cutoff_octaves,
                -8.0,
                8.0,
                "octaves",
            )?;
        }
        let t = &s.tension;
        axes("sound.tension.morph_depth", &t.morph_depth, -1.0, 1.0)?;
        num("sound.tension.alpha", t.alpha, 0.0, 1.0, "")?;
        num("sound.tension.beta", t.beta, 0.0, 1.0, "")?;
        num("sound.tension.gamma", t.gamma, 0.0, 1.0, "")?;
        Ok(())
    }

    fn validate_meta(&self) -> Result<(), PatchError> {
        let m = &self.meta;
        line("meta.name", &m.name, 1, MAX_NAME_CHARS)?;
        if let Some(bank) = &m.bank {
            line("meta.bank", bank, 1, MAX_NAME_CHARS)?;
        }
        line("meta.author", &m.author, 0, MAX_NAME_CHARS)?;
        line("meta.description", &m.description, 0, MAX_DESCRIPTION_CHARS)?;
        if m.tags.len() > MAX_TAGS {
            return Err(PatchError::TooMany {
                path: "meta.tags".into(),
                found: m.tags.len(),
                max: MAX_TAGS,
            });
        }
        for (i, tag) in m.tags.iter().enumerate() {
            line(&format!("meta.tags[{i}]"), tag, 1, MAX_TAG_CHARS)?;
        }
        Ok(())
    }
}

/// Checks that `value` is finite and within `min..=max` (`unit` for the message).
fn num(path: &str, value: f32, min: f32, max: f32, unit: &'static str) -> Result<(), PatchError> {
    if !value.is_finite() {
        return Err(PatchError::NotFinite { path: path.into() });
    }
    if value < min || value > max {
        return Err(PatchError::OutOfRange {
            path: path.into(),
            value,
            min,
            max,
            unit,
        });
    }
    Ok(())
}

/// [`num`] for a whole number.
fn int(path: &str, value: u32, min: u32, max: u32) -> Result<(), PatchError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(PatchError::OutOfRange {
            path: path.into(),
            value: value as f32,
            min: min as f32,
            max: max as f32,
            unit: "",
        })
    }
}

/// [`num`] for each of `[x, y, z]`, in morph units.
fn axes(path: &str, values: &[f32; 3], min: f32, max: f32) -> Result<(), PatchError> {
    for (i, &v) in values.iter().enumerate() {
        num(&format!("{path}[{i}]"), v, min, max, "")?;
    }
    Ok(())
}

/// An envelope's four fields.
fn envelope(
    path: &str,
    attack: f32,
    decay: f32,
    sustain: f32,
    release: f32,
) -> Result<(), PatchError> {
    num(&format!("{path}.attack_ms"), attack, 0.0, 30_000.0, "ms")?;
    num(&format!("{path}.decay_ms"), decay, 0.0, 30_000.0, "ms")?;
    num(&format!("{path}.sustain"), sustain, 0.0, 1.0, "")?;
    num(&format!("{path}.release_ms"), release, 0.0, 30_000.0, "ms")
}

/// Checks one line of text: `min..=max` characters, no control characters, and (when at
/// least one character is required) not only spaces.
fn line(path: &str, text: &str, min: usize, max: usize) -> Result<(), PatchError> {
    let problem = if text.chars().any(char::is_control) {
        Some(TextProblem::Control)
    } else if text.chars().count() > max {
        Some(TextProblem::TooLong { max })
    } else if min > 0 && text.trim().is_empty() {
        Some(TextProblem::Empty)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(PatchError::Text {
            path: path.into(),
            problem,
        }),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Errors

/// A line and column in a patch file, both counted from 1 (columns in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, in bytes.
    pub column: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What is wrong with a piece of metadata text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TextProblem {
    /// Required but empty or only spaces.
    #[error("is empty")]
    Empty,
    /// Longer than allowed.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The limit, characters.
        max: usize,
    },
    /// Holds a control character (a newline, a tab, ...): metadata is one line.
    #[error("contains a control character (newline, tab, ...)")]
    Control,
}

/// Why a patch could not be read. Each names the field (as a path such as
/// `sound.lfos[1].rate_hz`) or the place in the text.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PatchError {
    /// The text is longer than [`MAX_PATCH_BYTES`].
    #[error("the file is {bytes} bytes, more than the {max}-byte limit of a patch")]
    TooLarge {
        /// Its length, bytes.
        bytes: usize,
        /// The limit, bytes.
        max: usize,
    },
    /// Not JSON at all.
    #[error("not valid JSON at {at}: {message}")]
    Syntax {
        /// Where the parser stopped.
        at: Position,
        /// The parser's message.
        message: String,
    },
    /// The document is JSON but not an object.
    #[error("a patch is a JSON object, not {found}")]
    NotAnObject {
        /// What it is instead (`an array`, `a number`, ...).
        found: &'static str,
    },
    /// `format` is missing or is not [`PATCH_FORMAT`].
    #[error("not a Wavecube patch: \"format\" is {found}, expected \"wavecube-patch\"")]
    Format {
        /// The value found (JSON, shortened), or `missing`.
        found: String,
    },
    /// `version` is newer than this build reads.
    #[error("patch version {found} is newer than this Wavecube reads (up to {supported}); update Wavecube")]
    UnsupportedVersion {
        /// The file's version.
        found: u64,
        /// The newest version this build reads, [`PATCH_VERSION`].
        supported: u32,
    },
    /// `version` is missing or not a whole number from 1.
    #[error("\"version\" is {found}, expected a whole number from 1")]
    InvalidVersion {
        /// The value found (JSON, shortened), or `missing`.
        found: String,
    },
    /// A field that the format does not have (often a misspelling).
    #[error("{path}: unknown field (expected {expected}){}", at_suffix(.at))]
    UnknownField {
        /// Path of the unknown field.
        path: String,
        /// The fields allowed there, comma-separated.
        expected: String,
        /// Where, when decoded from text.
        at: Option<Position>,
    },
    /// A name that is not one of the field's choices (an LFO shape, a filter mode, ...).
    #[error("{path}: unknown name \"{found}\" (expected {expected}){}", at_suffix(.at))]
    UnknownName {
        /// Path of the field.
        path: String,
        /// The name given.
        found: String,
        /// The names allowed, comma-separated.
        expected: String,
        /// Where, when decoded from text.
        at: Option<Position>,
    },
    /// A value of the wrong type or shape (text for a number, two morph values, four LFOs).
    #[error("{path}: {message}{}", at_suffix(.at))]
    Schema {
        /// Path of the field.
        path: String,
        /// The decoder's message.
        message: String,
        /// Where, when decoded from text.
        at: Option<Position>,
    },
    /// A number too large for its field, or NaN or infinite.
    #[error("{path}: not a finite number")]
    NotFinite {
        /// Path of the field.
        path: String,
    },
    /// A number outside its field's range.
    #[error("{path}: {} is outside {} to {}", with_unit(*.value, .unit), with_unit(*.min, .unit), with_unit(*.max, .unit))]
    OutOfRange {
        /// Path of the field.
        path: String,
        /// The value given.
        value: f32,
        /// Lowest allowed.
        min: f32,
        /// Highest allowed.
        max: f32,
        /// The field's unit (`ms`, `Hz`, `dB`, ...), empty for a plain number.
        unit: &'static str,
    },
    /// Metadata text that is empty, too long or not one line.
    #[error("{path}: {problem}")]
    Text {
        /// Path of the field.
        path: String,
        /// What is wrong.
        problem: TextProblem,
    },
    /// A list with too many entries.
    #[error("{path}: {found} entries, at most {max} allowed")]
    TooMany {
        /// Path of the list.
        path: String,
        /// Entries given.
        found: usize,
        /// The limit.
        max: usize,
    },
}

impl PatchError {
    /// The field path the error names, if it names one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::UnknownField { path, .. }
            | Self::UnknownName { path, .. }
            | Self::Schema { path, .. }
            | Self::NotFinite { path }
            | Self::OutOfRange { path, .. }
            | Self::Text { path, .. }
            | Self::TooMany { path, .. } => Some(path),
            _ => None,
        }
    }
}

fn at_suffix(at: &Option<Position>) -> String {
    at.map(|p| format!(" at {p}")).unwrap_or_default()
}

fn with_unit(value: f32, unit: &str) -> String {
    if unit.is_empty() {
        value.to_string()
    } else {
        format!("{value} {unit}")
    }
}

/// "an array", "a number", ... for a JSON value.
fn json_kind(value: &Value) -> &'static str {
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
fn path_at(text: &str, at: Position) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn named(name: &str) -> PatchMeta {
        PatchMeta {
            name: name.into(),
            category: Category::Lead,
            bank: Some("factory".into()),
            author: "Tests".into(),
            description: "A test patch".into(),
            tags: vec!["test".into(), "bright".into()],
        }
    }

    /// A patch that sets every field away from its default.
    fn busy_patch() -> Patch {
        let mut params = SynthParams {
            morph: [0.25, 0.5, 0.75],
            gain: db_to_gain(-6.5),
            velocity_sensitivity: 0.5,
            bend_range_semitones: 12.0,
            polyphony: 8,
            voice_mode: VoiceMode::Legato,
            glide_ms: 80.0,
            unison: 3,
            detune_cents: 12.5,
            spread: 0.6,
            mod_env_morph: [0.1, -0.2, 0.3],
            ..SynthParams::default()
        };
        params.filter = FilterParams {
            enabled: true,
            mode: FilterMode::BandPass,
            cutoff_hz: 1234.5,
            resonance: 0.4,
            env_octaves: -2.0,
            keytrack: 0.5,
        };
        params.lfo[1] = LfoParams {
            shape: LfoShape::Random,
            rate_hz: 7.5,
            morph_depth: [0.0, 0.3, -0.1],
            pitch_semitones: 0.25,
            cutoff_octaves: 1.5,
        };
        params.amp_env.attack_ms = 120.0;
        params.mod_env.release_ms = 900.0;
        Patch::from_params(&params, named("Busy"))
    }

    /// A change to a patch document.
    type Edit = fn(&mut Value);

    /// `busy_patch()` as JSON with `edit` applied to the document.
    fn edited(edit: impl FnOnce(&mut Value)) -> String {
        let mut doc: Value = serde_json::from_str(&busy_patch().to_json_pretty()).unwrap();
        edit(&mut doc);
        serde_json::to_string_pretty(&doc).unwrap()
    }

    #[test]
    fn json_round_trips_and_reads_well() {
        let p = busy_patch();
        let text = p.to_json_pretty();
        assert_eq!(Patch::from_json(&text), Ok(p.clone()));
        assert_eq!(text, p.to_json_pretty(), "deterministic");
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"), "{text}");
        assert!(text.starts_with("{\n  \"format\": \"wavecube-patch\",\n  \"version\": 1,\n"));
        assert!(text.contains("\"morph\": [0.25, 0.5, 0.75]"), "{text}");
        assert!(text.contains("\"tags\": [\"test\", \"bright\"]"), "{text}");
        assert!(text.contains("\"gain_db\": -6.5,"), "{text}");
        assert!(text.contains("\"mode\": \"band-pass\""), "{text}");
        assert!(text.contains("\"mode\": \"legato\""), "{text}");
        assert!(text.contains("\"shape\": \"random\""), "{text}");
        // A key order fixed by the structs: meta before sound, name first.
        let order = [
            "\"meta\"",
            "\"name\"",
            "\"category\"",
            "\"bank\"",
            "\"sound\"",
            "\"lfos\"",
        ];
        let at: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    }

    #[test]
    fn omitted_fields_take_the_engine_defaults() {
        let p = Patch::from_json(r#"{"format": "wavecube-patch", "version": 1}"#).unwrap();
        assert_eq!(p, Patch::default());
        assert_eq!(p.to_params(), SynthParams::default());
        assert_eq!(p.meta.name, "Init");

        let p = Patch::from_json(
            r#"{
              "format": "wavecube-patch", "version": 1,
              "meta": {"name": "Half"},
              "sound": {
                "amp_env": {"release_ms": 1200},
                "filter": {"enabled": true},
                "lfos": [{"rate_hz": 5, "pitch_semitones": 0.2}]
              }
            }"#,
        )
        .unwrap();
        let want = SynthParams::default();
        let got = p.to_params();
        assert_eq!(got.amp_env.release_ms, 1200.0);
        assert_eq!(got.amp_env.attack_ms, want.amp_env.attack_ms);
        assert!(got.filter.enabled);
        assert_eq!(got.filter.cutoff_hz, want.filter.cutoff_hz);
        assert_eq!((got.lfo[0].rate_hz, got.lfo[0].pitch_semitones), (5.0, 0.2));
        assert_eq!(got.lfo[0].shape, LfoShape::Sine);
        assert_eq!(got.lfo[1..], want.lfo[1..]);
        assert_eq!(got.polyphony, want.polyphony);
        assert_eq!(
            (p.meta.name.as_str(), p.meta.category),
            ("Half", Category::Keys)
        );
    }

    #[test]
    fn lfo_shapes_read_every_from_str_name() {
        for (name, shape) in [
            ("sin", LfoShape::Sine),
            ("Triangle", LfoShape::Triangle),
            ("tri", LfoShape::Triangle),
            ("SAW", LfoShape::Saw),
            ("sqr", LfoShape::Square),
            ("s&h", LfoShape::Random),
        ] {
            let text = edited(|d| d["sound"]["lfos"][2]["shape"] = name.into());
            let p = Patch::from_json(&text).unwrap();
            assert_eq!(p.sound.lfos[2].shape, shape, "{name}");
        }
    }

    #[test]
    fn header_errors_are_typed() {
        let future = edited(|d| d["version"] = 2.into());
        assert_eq!(
            Patch::from_json(&future),
            Err(PatchError::UnsupportedVersion {
                found: 2,
                supported: PATCH_VERSION
            })
        );
        let msg = Patch::from_json(&edited(|d| d["version"] = 99.into()))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("99") && msg.contains("update Wavecube"),
            "{msg}"
        );
        for bad in [
            Value::from(0),
            Value::from(1.5),
            Value::from("1"),
            Value::Null,
        ] {
            let text = edited(|d| d["version"] = bad.clone());
            assert!(
                matches!(
                    Patch::from_json(&text),
                    Err(PatchError::InvalidVersion { .. })
                ),
                "{bad}"
            );
        }
        let no_version = edited(|d| {
            d.as_object_mut().unwrap().remove("version");
        });
        assert_eq!(
            Patch::from_json(&no_version),
            Err(PatchError::InvalidVersion {
                found: "missing".into()
            })
        );
        let bank = edited(|d| d["format"] = "wavecube-bank".into());
        assert_eq!(
            Patch::from_json(&bank),
            Err(PatchError::Format {
                found: "\"wavecube-bank\"".into()
            })
        );
        assert_eq!(
            Patch::from_json("[1, 2]"),
            Err(PatchError::NotAnObject { found: "an array" })
        );
        let big = " ".repeat(MAX_PATCH_BYTES + 1);
        assert!(matches!(
            Patch::from_json(&big),
            Err(PatchError::TooLarge { .. })
        ));
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let text = "{\n  \"format\": \"wavecube-patch\",\n  \"version\": 1,\n  \"meta\": {\n}";
        match Patch::from_json(text) {
            Err(PatchError::Syntax { at, message }) => {
                assert_eq!(at.line, 5, "{message}");
                assert!(!message.contains(" at line"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let trailing = "{\"format\": \"wavecube-patch\",\n \"version\": 1,}";
        let err = Patch::from_json(trailing).unwrap_err();
        assert!(
            matches!(
                err,
                PatchError::Syntax {
                    at: Position { line: 2, .. },
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn decode_errors_name_the_field_and_place() {
        let text = edited(|d| d["sound"]["filter"]["mode"] = "lowpass".into());
        let err = Patch::from_json(&text).unwrap_err();
        let line = text
            .lines()
            .position(|l| l.contains("\"lowpass\""))
            .unwrap()
            + 1;
        match &err {
            PatchError::UnknownName {
                path,
                found,
                expected,
                at: Some(at),
            } => {
                assert_eq!(path, "sound.filter.mode");
                assert_eq!(found, "lowpass");
                assert_eq!(expected, "low-pass, band-pass, high-pass");
                assert_eq!(at.line, line);
            }
            other => panic!("{other:?}"),
        }
        let text = edited(|d| d["sound"]["lfos"][1]["shape"] = "wobble".into());
        let err = Patch::from_json(&text).unwrap_err();
        assert_eq!(err.path(), Some("sound.lfos[1].shape"), "{err}");
        assert!(
            err.to_string()
                .contains("sine, triangle, saw, square, random"),
            "{err}"
        );
        let text = edited(|d| d["sound"]["voice"]["mode"] = "duo".into());
        assert!(matches!(
            Patch::from_json(&text),
            Err(PatchError::UnknownName { ref path, .. }) if path == "sound.voice.mode"
        ));
        let text = edited(|d| d["meta"]["category"] = "drums".into());
        assert_eq!(
            Patch::from_json(&text).unwrap_err().path(),
            Some("meta.category")
        );

        let text = edited(|d| {
            let env = d["sound"]["amp_env"].as_object_mut().unwrap();
            env.insert("atack_ms".into(), 3.into());
        });
        match Patch::from_json(&text).unwrap_err() {
            PatchError::UnknownField { path, expected, at } => {
                assert_eq!(path, "sound.amp_env.atack_ms");
                assert!(expected.contains("attack_ms"), "{expected}");
                assert!(at.is_some());
            }
            other => panic!("{other:?}"),
        }
        let cases: [(Edit, &str); 5] = [
            (
                |d| d["sound"]["morph"] = serde_json::json!([0.1, 0.2]),
                "sound.morph",
            ),
            (
                |d| d["sound"]["voice"]["unison"] = "two".into(),
                "sound.voice.unison",
            ),
            (
                |d| d["sound"]["voice"]["polyphony"] = 2.5.into(),
                "sound.voice.polyphony",
            ),
            (
                |d| {
                    let lfo = d["sound"]["lfos"][0].clone();
                    d["sound"]["lfos"].as_array_mut().unwrap().push(lfo);
                },
                "sound.lfos",
            ),
            (
                |d| d["sound"]["lfos"][2]["rate_hz"] = Value::Null,
                "sound.lfos[2].rate_hz",
            ),
        ];
        for (edit, path) in cases {
            let text = edited(edit);
            let err = Patch::from_json(&text).unwrap_err();
            assert!(
                matches!(&err, PatchError::Schema { path: p, at: Some(_), .. } if p == path),
                "want Schema at {path}, got {err:?}"
            );
        }
    }

    #[test]
    fn values_are_checked_against_their_ranges() {
        let cases: [(&str, Edit, PatchError); 6] = [
            (
                "attack too long",
                |d| d["sound"]["amp_env"]["attack_ms"] = 40_000.into(),
                PatchError::OutOfRange {
                    path: "sound.amp_env.attack_ms".into(),
                    value: 40_000.0,
                    min: 0.0,
                    max: 30_000.0,
                    unit: "ms",
                },
            ),
            (
                "cutoff too low",
                |d| d["sound"]["filter"]["cutoff_hz"] = 5.into(),
                PatchError::OutOfRange {
                    path: "sound.filter.cutoff_hz".into(),
                    value: 5.0,
                    min: 20.0,
                    max: 20_000.0,
                    unit: "Hz",
                },
            ),
            (
                "morph past the cube",
                |d| d["sound"]["morph"][2] = 1.5.into(),
                PatchError::OutOfRange {
                    path: "sound.morph[2]".into(),
                    value: 1.5,
                    min: 0.0,
                    max: 1.0,
                    unit: "",
                },
            ),
            (
                "no voices",
                |d| d["sound"]["voice"]["polyphony"] = 0.into(),
                PatchError::OutOfRange {
                    path: "sound.voice.polyphony".into(),
                    value: 0.0,
                    min: 1.0,
                    max: 64.0,
                    unit: "",
                },
            ),
            (
                "gain too hot",
                |d| d["sound"]["gain_db"] = 20.into(),
                PatchError::OutOfRange {
                    path: "sound.gain_db".into(),
                    value: 20.0,
                    min: MIN_GAIN_DB,
                    max: MAX_GAIN_DB,
                    unit: "dB",
                },
            ),
            (
                "empty name",
                |d| d["meta"]["name"] = "  ".into(),
                PatchError::Text {
                    path: "meta.name".into(),
                    problem: TextProblem::Empty,
                },
            ),
        ];
        for (what, edit, want) in cases {
            assert_eq!(Patch::from_json(&edited(edit)), Err(want), "{what}");
        }
        // 1e39 fits JSON but not f32: it decodes to infinity.
        let text = edited(|d| {
            d["sound"]["lfos"][1]["rate_hz"] = serde_json::from_str("1e39").unwrap();
        });
        assert_eq!(
            Patch::from_json(&text),
            Err(PatchError::NotFinite {
                path: "sound.lfos[1].rate_hz".into()
            })
        );
        let text = edited(|d| d["meta"]["description"] = "two\nlines".into());
        assert_eq!(
            Patch::from_json(&text),
            Err(PatchError::Text {
                path: "meta.description".into(),
                problem: TextProblem::Control
            })
        );
        let text = edited(|d| d["meta"]["tags"] = serde_json::json!(vec!["t"; 17]));
        assert!(matches!(
            Patch::from_json(&text),
            Err(PatchError::TooMany {
                found: 17,
                max: 16,
                ..
            })
        ));
        let msg = Patch::from_json(&edited(|d| d["sound"]["filter"]["cutoff_hz"] = 5.into()))
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "sound.filter.cutoff_hz: 5 Hz is outside 20 Hz to 20000 Hz"
        );
    }

    #[test]
    fn migration_steps_run_in_order_from_the_file_version() {
        let doc = serde_json::json!({"format": PATCH_FORMAT, "version": 1, "sound": {}});
        assert_eq!(
            migrate(doc.clone(), 1).unwrap(),
            doc,
            "v1 is current: unchanged"
        );
        // A made-up history: v1 named the gain `level_db`, v2 renamed it, v3 added a field.
        fn v1_to_v2(obj: &mut Map<String, Value>) -> Result<(), PatchError> {
            let sound = obj["sound"].as_object_mut().unwrap();
            if let Some(v) = sound.remove("level_db") {
                sound.insert("gain_db".into(), v);
            }
            Ok(())
        }
        fn v2_to_v3(obj: &mut Map<String, Value>) -> Result<(), PatchError> {
            obj["sound"]["spread"] = 0.5.into();
            Ok(())
        }
        let steps: [Migration; 2] = [v1_to_v2, v2_to_v3];
        let old = serde_json::json!({"version": 1, "sound": {"level_db": -3.0}});
        let new = migrate_with(old, 1, &steps).unwrap();
        assert_eq!(
            new,
            serde_json::json!({"version": 3, "sound": {"gain_db": -3.0, "spread": 0.5}})
        );
        let from_v2 = migrate_with(serde_json::json!({"version": 2, "sound": {}}), 2, &steps);
        assert_eq!(
            from_v2.unwrap(),
            serde_json::json!({"version": 3, "sound": {"spread": 0.5}})
        );
    }

    #[test]
    fn gain_db_grid_round_trips_exactly() {
        // Every 0.001 dB step from -96 to +12 dB: JSON text -> f32 -> linear -> dB.
        let mut worst = 0.0_f64;
        for k in -96_000..=12_000_i32 {
            let db = round_gain_db(f64::from(k) / 1000.0);
            let text = format!("{}", f64::from(k) / 1000.0);
            let parsed: f32 = serde_json::from_str(&text).unwrap();
            assert_eq!(parsed, db, "{text}");
            let back = gain_to_db(db_to_gain(db));
            assert_eq!(back, db, "{text}");
            let exact = 20.0 * f64::from(db_to_gain(db)).log10();
            worst = worst.max((exact - f64::from(db)).abs());
        }
        // The linear gain's f32 rounding moves the dB value far less than half a step.
        assert!(worst < 1e-5, "worst {worst} dB");
        assert_eq!(gain_to_db(0.0), MIN_GAIN_DB);
        assert_eq!(gain_to_db(4.0), MAX_GAIN_DB);
        assert_eq!(gain_to_db(1.0).to_bits(), 0.0_f32.to_bits());
    }

    #[test]
    fn path_locator_tracks_keys_and_indexes() {
        let text = "{\"a\": {\"b\": [1, {\"c\": true}]}, \"d\": 2}";
        let at = |col| Position {
            line: 1,
            column: col,
        };
        assert_eq!(
            path_at(text, at(text.find("true").unwrap() + 4)),
            "a.b[1].c"
        );
        assert_eq!(path_at(text, at(text.find("1,").unwrap() + 1)), "a.b[0]");
        assert_eq!(path_at(text, at(text.len() - 1)), "d");
        let multi = "{\n  \"x\": {\n    \"y\": \"a\\\"b\"\n  }\n}";
        assert_eq!(
            path_at(
                multi,
                Position {
                    line: 3,
                    column: 14
                }
            ),
            "x.y"
        );
    }

    fn unit() -> impl Strategy<Value = f32> {
        0.0_f32..=1.0
    }

    fn bipolar() -> impl Strategy<Value = f32> {
        -1.0_f32..=1.0
    }

    fn ms() -> impl Strategy<Value = f32> {
        0.0_f32..=30_000.0
    }

    fn shape() -> impl Strategy<Value = LfoShape> {
        prop::sample::select(vec![
            LfoShape::Sine,
            LfoShape::Triangle,
            LfoShape::Saw,
            LfoShape::Square,
            LfoShape::Random,
        ])
    }

    prop_compose! {
        fn lfo()(shape in shape(), rate_hz in 0.0_f32..=1000.0,
                 morph_depth in [bipolar(), bipolar(), bipolar()],
                 pitch_semitones in -24.0_f32..=24.0, cutoff_octaves in -8.0_f32..=8.0)
                -> LfoSection {
            LfoSection { shape, rate_hz, morph_depth, pitch_semitones, cutoff_octaves }
        }
    }

    prop_compose! {
        fn voice()(mode in prop::sample::select(vec![VoiceMode::Poly, VoiceMode::Mono, VoiceMode::Legato]),
                   polyphony in 1_u32..=64, glide_ms in 0.0_f32..=10_000.0, unison in 1_u32..=8,
                   detune_cents in 0.0_f32..=100.0, spread in unit()) -> VoiceSection {
            VoiceSection { mode, polyphony, glide_ms, unison, detune_cents, spread }
        }
    }

    prop_compose! {
        fn env()(attack_ms in ms(), decay_ms in ms(), sustain in unit(), release_ms in ms())
                -> EnvSection {
            EnvSection { attack_ms, decay_ms, sustain, release_ms }
        }
    }

    prop_compose! {
        fn filter()(enabled in any::<bool>(),
                    mode in prop::sample::select(vec![FilterMode::LowPass, FilterMode::BandPass, FilterMode::HighPass]),
                    cutoff_hz in 20.0_f32..=20_000.0, resonance in unit(),
                    env_octaves in -8.0_f32..=8.0, keytrack in unit()) -> FilterSection {
            FilterSection { enabled, mode, cutoff_hz, resonance, env_octaves, keytrack }
        }
    }

    prop_compose! {
        fn sound()(gain_k in -96_000_i32..=12_000, velocity_sensitivity in unit(),
                   bend_range_semitones in 0.0_f32..=48.0, morph in [unit(), unit(), unit()],
                   voice in voice(), amp_env in env(), m in env(),
                   morph_depth in [bipolar(), bipolar(), bipolar()],
                   filter in filter(), lfos in [lfo(), lfo(), lfo()],
                   tension in tension()) -> Sound {
            Sound {
                gain_db: round_gain_db(f64::from(gain_k) / 1000.0),
                velocity_sensitivity,
                bend_range_semitones,
                morph,
                voice,
                amp_env,
                mod_env: ModEnvSection {
                    attack_ms: m.attack_ms,
                    decay_ms: m.decay_ms,
                    sustain: m.sustain,
                    release_ms: m.release_ms,
                    morph_depth,
                },
                filter,
                lfos,
                tension,
            }
        }
    }

    prop_compose! {
        fn tension()(morph_depth in [bipolar(), bipolar(), bipolar()],
                     live in any::<bool>(),
                     alpha in unit(), beta in unit(), gamma in unit()) -> TensionSection {
            let mode = if live { AnalysisMode::Live } else { AnalysisMode::Interactive };
            TensionSection { morph_depth, mode, alpha, beta, gamma }
        }
    }

    prop_compose! {
        fn meta()(name in "[A-Za-z0-9][A-Za-z0-9 '&-]{0,40}",
                  category in prop::sample::select(Category::ALL.to_vec()),
                  bank in prop::option::of("[a-z]{1,12}"),
                  author in "\\PC{0,20}",
                  description in "\\PC{0,80}",
                  tags in prop::collection::vec("[a-z\u{e9}\u{4e2d}\"\\\\\\[\\]{},]{1,10}", 0..5)) -> PatchMeta {
            PatchMeta { name, category, bank, author, description, tags }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn patches_round_trip_through_params_and_json(meta in meta(), sound in sound()) {
            let p = Patch { meta, sound };
            prop_assert_eq!(p.validate(), Ok(()));
            prop_assert_eq!(&Patch::from_params(&p.to_params(), p.meta.clone()), &p);
            let text = p.to_json_pretty();
            prop_assert_eq!(&Patch::from_json(&text), &Ok(p.clone()));
            prop_assert_eq!(text, p.to_json_pretty());
        }

        #[test]
        fn any_params_make_a_valid_patch(
            gain in prop::num::f32::ANY, morph_x in prop::num::f32::ANY,
            cutoff in prop::num::f32::ANY, unison in any::<usize>(), rate in prop::num::f32::ANY,
        ) {
            let mut params = SynthParams { gain, unison, ..SynthParams::default() };
            params.morph[0] = morph_x;
            params.filter.cutoff_hz = cutoff;
            params.lfo[2].rate_hz = rate;
            let p = Patch::from_params(&params, PatchMeta::default());
            prop_assert_eq!(p.validate(), Ok(()));
            let back = p.to_params();
            let want = params.sanitized();
            // Gain comes back within the dB rounding (and −96 dB for 0); the rest exactly.
            let want_gain = want.gain.max(db_to_gain(MIN_GAIN_DB)).min(db_to_gain(MAX_GAIN_DB));
            prop_assert!((back.gain - want_gain).abs() <= want_gain * 1.2e-4, "{} vs {}", back.gain, want_gain);
            prop_assert_eq!(SynthParams { gain: want.gain, ..back }, want);
        }
    }
}
