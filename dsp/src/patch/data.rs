//! The patch's data: metadata and sound sections, and their mapping to [`SynthParams`].

use serde::{Deserialize, Serialize};

use super::modulation::{default_macro_names, ModSection};
use super::{MAX_GAIN_DB, MIN_GAIN_DB};
use crate::fx::rack::RackSettings;
use crate::harmony::{AnalysisMode, TensionWeights};
use crate::modulation::MACROS;
use crate::synth::{
    AdsrParams, FilterMode, FilterParams, LfoParams, LfoShape, SynthParams, TensionParams,
    VoiceMode,
};

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
    /// The four macro knobs' names, 1 to 64 characters each (the plugin shows them).
    /// Default "Macro 1" to "Macro 4"; left out of the file while they are the default.
    #[serde(skip_serializing_if = "macro_names_are_default")]
    pub macro_names: [String; MACROS],
}

fn macro_names_are_default(names: &[String; MACROS]) -> bool {
    *names == default_macro_names()
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
            macro_names: default_macro_names(),
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
    /// The modulation envelope (a source of the matrix).
    pub mod_env: EnvSection,
    /// The filter.
    pub filter: FilterSection,
    /// The three LFOs. A file may list 0 to 3; missing ones are off.
    #[serde(deserialize_with = "super::json::lfos_from_list")]
    pub lfos: [LfoSection; 3],
    /// Harmonic tension as a modulation source. Omitted from the file while it is the
    /// default (off), so patches without it read and write as before.
    #[serde(skip_serializing_if = "TensionSection::is_default")]
    pub tension: TensionSection,
    /// The modulation matrix and macro values. Omitted from the file while it is the
    /// default (no slots), so patches without it read and write as before.
    #[serde(skip_serializing_if = "ModSection::is_default")]
    pub modulation: ModSection,
    /// The effects rack after the engine: the slots' order, switches, mixes and every
    /// effect's settings. Not part of [`SynthParams`] (the rack runs after the engine).
    /// Omitted from the file while it is the default (codec and body on, the effects off).
    #[serde(skip_serializing_if = "RackSettings::is_default")]
    pub fx: RackSettings,
}

/// Harmonic tension's analysis (JSON `sound.tension`); tension is a source of the matrix.
/// Defaults: `"interactive"`, α β γ = 0.4, 0.3, 0.3.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TensionSection {
    /// `"live"` (Haar, at most 2 levels) or `"interactive"` (db4, adaptive levels).
    #[serde(with = "super::json::AnalysisModeName")]
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
            mode: p.mode,
            alpha: p.weights.alpha,
            beta: p.weights.beta,
            gamma: p.weights.gamma,
        }
    }

    /// The engine's tension settings of this section.
    pub fn to_params(&self) -> TensionParams {
        TensionParams {
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
    #[serde(with = "super::json::VoiceModeName")]
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

/// The filter (JSON `sound.filter`). Defaults: off, low-pass, 20,000 Hz, all else 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterSection {
    /// True to filter; false bypasses the filter.
    pub enabled: bool,
    /// `"low-pass"`, `"band-pass"` or `"high-pass"` (12 dB/octave state-variable filter).
    #[serde(with = "super::json::FilterModeName")]
    pub mode: FilterMode,
    /// Cutoff, Hz, 20 to 20,000.
    pub cutoff_hz: f32,
    /// Resonance, 0 to 1 (Q 0.5 to 25).
    pub resonance: f32,
    /// Key tracking, 0 to 1: 1 moves the cutoff an octave per octave from C4.
    pub keytrack: f32,
}

/// One LFO (JSON `sound.lfos[i]`); the matrix's slots route it. Default: a sine at 0 Hz.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LfoSection {
    /// `"sine"`, `"triangle"`, `"saw"`, `"square"` or `"random"` (sample and hold);
    /// reading accepts every name [`LfoShape`]'s `FromStr` does.
    #[serde(with = "super::json::lfo_shape_name")]
    pub shape: LfoShape,
    /// Rate, Hz, 0 to 1000.
    pub rate_hz: f32,
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
        self.sound.to_params()
    }

    /// A patch of `params` (sanitised first, so the sound is always valid) with `meta`
    /// taken as given; [`Patch::validate`] checks the metadata. The gain is rounded to
    /// [`GAIN_DB_STEP`](super::GAIN_DB_STEP) and held to −96..12 dB (a linear gain of 0 becomes −96 dB), so for
    /// every patch `p` that [`Patch::from_json`] returns,
    /// `Patch::from_params(&p.to_params(), p.meta.clone()) == p` once `p.sound.fx` is
    /// put back (the rack is not part of [`SynthParams`]; this gives the default rack).
    pub fn from_params(params: &SynthParams, meta: PatchMeta) -> Self {
        Self {
            meta,
            sound: Sound::from_params(params),
        }
    }
}

impl Sound {
    /// The engine settings this sound describes. Values are passed as they are (the engine
    /// sanitises its copy), so call this on a validated sound. Never allocates (the plugin
    /// calls it on its audio thread).
    pub fn to_params(&self) -> SynthParams {
        let s = self;
        SynthParams {
            morph: s.morph,
            lfo: s.lfos.map(|l| l.to_params()),
            amp_env: s.amp_env.to_params(),
            mod_env: s.mod_env.to_params(),
            filter: FilterParams {
                enabled: s.filter.enabled,
                mode: s.filter.mode,
                cutoff_hz: s.filter.cutoff_hz,
                resonance: s.filter.resonance,
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
            matrix: s.modulation.to_matrix(),
            macros: s.modulation.macros,
        }
    }

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
            mod_env: EnvSection::from_params(&p.mod_env),
            filter: FilterSection {
                enabled: p.filter.enabled,
                mode: p.filter.mode,
                cutoff_hz: p.filter.cutoff_hz,
                resonance: p.filter.resonance,
                keytrack: p.filter.keytrack,
            },
            lfos: p.lfo.map(|l| LfoSection::from_params(&l)),
            tension: TensionSection::from_params(&p.tension),
            modulation: ModSection::from_matrix(&p.matrix, p.macros),
            fx: RackSettings::default(),
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
        }
    }

    /// The engine LFO of this section.
    pub fn to_params(&self) -> LfoParams {
        LfoParams {
            shape: self.shape,
            rate_hz: self.rate_hz,
        }
    }
}

/// Linear gain of `gain_db` dB (computed in f64, rounded once to f32).
pub fn db_to_gain(gain_db: f32) -> f32 {
    10f64.powf(f64::from(gain_db) / 20.0) as f32
}

/// `gain` (linear, non-negative) in dB, held to −96..12 and rounded to [`GAIN_DB_STEP`](super::GAIN_DB_STEP).
/// A NaN gives NaN.
pub fn gain_to_db(gain: f32) -> f32 {
    let db = 20.0 * f64::from(gain.max(0.0)).log10();
    round_gain_db(db.clamp(f64::from(MIN_GAIN_DB), f64::from(MAX_GAIN_DB)))
}

/// `db` rounded to the nearest [`GAIN_DB_STEP`](super::GAIN_DB_STEP), with −0 made +0.
pub(crate) fn round_gain_db(db: f64) -> f32 {
    // NOTE: divide the integer count of steps rather than multiply by 0.001, so the result
    // is the f32 nearest the decimal `k/1000` — the same value JSON text "k/1000" parses to
    // (checked over the whole range in `gain_db_grid_round_trips_exactly`).
    ((db * 1000.0).round() / 1000.0) as f32 + 0.0
}
