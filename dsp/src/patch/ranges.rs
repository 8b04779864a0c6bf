//! The sound contract: every setting the engine reads, with its range, default, unit, taper
//! and the stable id of the plugin parameter that holds it, defined once.
//!
//! The patch validator checks [`Sound`] against [`SETTINGS`], the plugin builds its
//! parameters (ranges, defaults, units) from it, and the editor shows those parameters, so
//! the three agree by construction. A [`Sound`] converts to and from a flat array of
//! [`SETTING_COUNT`] values in [`SETTINGS`] order ([`Sound::to_values`],
//! [`Sound::from_values`]); both directions of the patch ↔ parameter mapping go through
//! that one array. Nothing here allocates, so the plugin's audio thread can use it.
//!
//! Values in the array are in patch units (`sound.voice.spread` 0..1, `gain_db` in dB);
//! choices are their index in [`Setting::kind`]'s list, booleans 0 or 1, whole numbers as
//! they are. A plugin parameter shows `value × display_scale` (a percentage for 0..1
//! settings shown in %).

use super::data::{
    round_gain_db, EnvSection, FilterSection, LfoSection, Sound, TensionSection, VoiceSection,
};
use super::{MAX_GAIN_DB, MIN_GAIN_DB};
use crate::harmony::AnalysisMode;
use crate::synth::{FilterMode, LfoShape, VoiceMode, MAX_LFO_RATE_HZ, MAX_UNISON, MAX_VOICES};

/// How a continuous setting's value spreads over a control's travel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Taper {
    /// Equal travel per unit.
    Linear,
    /// Skewed towards the low end: normalised `n` maps to `min + (max − min)·n^(1/f)` with
    /// `f = 2^exponent` (nice-plug's `FloatRange::Skewed` with `skew_factor(exponent)`).
    Skewed {
        /// The skew exponent, negative to give short times or low frequencies more travel.
        exponent: f32,
    },
}

/// What kind of value a setting holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A continuous number.
    Float(Taper),
    /// A whole number.
    Int,
    /// On (1) or off (0).
    Bool,
    /// One of these names (as a patch file writes them); the value is the index.
    Choice(&'static [&'static str]),
}

/// One sound setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    /// The plugin parameter's stable id (`"amp_atk"`); never renamed.
    pub id: &'static str,
    /// The field's path in a patch file (`"sound.amp_env.attack_ms"`).
    pub path: &'static str,
    /// Lowest value, patch units.
    pub min: f32,
    /// Highest value, patch units.
    pub max: f32,
    /// Default value, patch units: the engine's default ([`SynthParams::default`]).
    pub default: f32,
    /// Unit of the patch value (`"ms"`, `"Hz"`, `"dB"`, ...; empty for a plain number).
    pub unit: &'static str,
    /// The plugin shows `value × display_scale`: 100 for a 0..1 setting shown in %, else 1.
    pub display_scale: f32,
    /// Number, whole number, switch or choice.
    pub kind: Kind,
}

impl Setting {
    /// `value` on the patch format's grid for this setting: a whole number for an int,
    /// bool or choice; for a continuous setting, the decimal grid (a power of ten) between
    /// 10⁻⁶ and 10⁻⁵ of its span for a linear taper, or 5 significant digits (at least
    /// 0.001 units) for a skewed one. This is the resolution the plugin's parameters keep
    /// exactly through their normalised f32 values, so a patch written from the parameters
    /// reads back the numbers it was loaded with. A NaN stays NaN.
    pub fn snap(&self, value: f32) -> f32 {
        match self.kind {
            Kind::Int | Kind::Bool | Kind::Choice(_) => value.round(),
            Kind::Float(taper) => {
                if self.id == GAIN_ID {
                    return round_gain_db(f64::from(value));
                }
                let v = f64::from(value);
                if !v.is_finite() || v == 0.0 {
                    return value;
                }
                let exp = match taper {
                    Taper::Linear => (f64::from(self.max - self.min) * 1e-5).log10().floor(),
                    Taper::Skewed { .. } => (v.abs().log10().floor() - 4.0).max(-3.0),
                };
                // NOTE: divide by a power of ten rather than multiply by its inverse, so the
                // result is the f32 nearest the decimal value (as JSON text parses).
                let result = if exp < 0.0 {
                    let scale = 10f64.powi(-exp as i32);
                    (v * scale).round() / scale
                } else {
                    let scale = 10f64.powi(exp as i32);
                    (v / scale).round() * scale
                };
                (result as f32).clamp(self.min, self.max) + 0.0
            }
        }
    }

    /// True for a choice, switch or whole number (a stepped control).
    pub fn is_stepped(&self) -> bool {
        !matches!(self.kind, Kind::Float(_))
    }
}

/// Id of the master gain setting.
const GAIN_ID: &str = "gain";

/// How many settings a sound has.
pub const SETTING_COUNT: usize = 35;

/// Voice modes, as a patch writes them, in [`VoiceMode`] order.
pub const VOICE_MODE_NAMES: [&str; 3] = ["poly", "mono", "legato"];
/// Filter modes, as a patch writes them, in [`FilterMode`] order.
pub const FILTER_MODE_NAMES: [&str; 3] = ["low-pass", "band-pass", "high-pass"];
/// Tension analysis modes, as a patch writes them, in [`AnalysisMode`] order.
pub const TENSION_MODE_NAMES: [&str; 2] = ["live", "interactive"];

/// Skew exponent of envelope times.
const ENV_SKEW: Taper = Taper::Skewed { exponent: -2.5 };
/// Skew exponent of the cutoff and glide.
const FREQ_SKEW: Taper = Taper::Skewed { exponent: -2.0 };
/// Longest envelope segment, ms.
pub const ENV_MAX_MS: f32 = 30_000.0;
/// Longest glide, ms.
pub const GLIDE_MAX_MS: f32 = 10_000.0;
/// Widest pitch-bend range, semitones.
pub const BEND_MAX_SEMITONES: f32 = 48.0;

pub(crate) const fn float(
    id: &'static str,
    path: &'static str,
    (min, max, default): (f32, f32, f32),
    unit: &'static str,
    taper: Taper,
) -> Setting {
    Setting {
        id,
        path,
        min,
        max,
        default,
        unit,
        display_scale: 1.0,
        kind: Kind::Float(taper),
    }
}

/// A 0..1 setting shown in % by the plugin.
pub(crate) const fn percent(id: &'static str, path: &'static str, default: f32) -> Setting {
    Setting {
        display_scale: 100.0,
        ..float(id, path, (0.0, 1.0, default), "", Taper::Linear)
    }
}

pub(crate) const fn other(
    id: &'static str,
    path: &'static str,
    (min, max, default): (f32, f32, f32),
    kind: Kind,
) -> Setting {
    Setting {
        id,
        path,
        min,
        max,
        default,
        unit: "",
        display_scale: 1.0,
        kind,
    }
}

pub(crate) const fn choice(
    id: &'static str,
    path: &'static str,
    names: &'static [&'static str],
    default: f32,
) -> Setting {
    other(
        id,
        path,
        (0.0, names.len() as f32 - 1.0, default),
        Kind::Choice(names),
    )
}

const fn env_time(id: &'static str, path: &'static str, default: f32) -> Setting {
    float(id, path, (0.0, ENV_MAX_MS, default), "ms", ENV_SKEW)
}

const fn lfo_settings(ids: [&'static str; 2], paths: [&'static str; 2]) -> [Setting; 2] {
    [
        choice(ids[0], paths[0], &super::LFO_SHAPE_NAMES, 0.0),
        float(
            ids[1],
            paths[1],
            (0.0, MAX_LFO_RATE_HZ, 0.0),
            "Hz",
            Taper::Skewed { exponent: -2.5 },
        ),
    ]
}

const LFO1: [Setting; 2] = lfo_settings(
    ["lfo1_shp", "lfo1_rate"],
    ["sound.lfos[0].shape", "sound.lfos[0].rate_hz"],
);
const LFO2: [Setting; 2] = lfo_settings(
    ["lfo2_shp", "lfo2_rate"],
    ["sound.lfos[1].shape", "sound.lfos[1].rate_hz"],
);
const LFO3: [Setting; 2] = lfo_settings(
    ["lfo3_shp", "lfo3_rate"],
    ["sound.lfos[2].shape", "sound.lfos[2].rate_hz"],
);

/// Every setting of a [`Sound`], in the order of [`Sound::to_values`]. Defaults are the
/// engine's ([`SynthParams::default`]; checked by a test).
pub const SETTINGS: [Setting; SETTING_COUNT] = [
    // 0..6: master and pitch
    float(
        GAIN_ID,
        "sound.gain_db",
        (MIN_GAIN_DB, MAX_GAIN_DB, 0.0),
        "dB",
        Taper::Linear,
    ),
    percent("vel", "sound.velocity_sensitivity", 1.0),
    Setting {
        unit: "semitones",
        ..other(
            "bend",
            "sound.bend_range_semitones",
            (0.0, BEND_MAX_SEMITONES, 2.0),
            Kind::Int,
        )
    },
    float("mx", "sound.morph[0]", (0.0, 1.0, 0.0), "", Taper::Linear),
    float("my", "sound.morph[1]", (0.0, 1.0, 0.0), "", Taper::Linear),
    float("mz", "sound.morph[2]", (0.0, 1.0, 0.0), "", Taper::Linear),
    // 6..12: voices
    choice("vmode", "sound.voice.mode", &VOICE_MODE_NAMES, 0.0),
    other(
        "poly",
        "sound.voice.polyphony",
        (1.0, MAX_VOICES as f32, MAX_VOICES as f32),
        Kind::Int,
    ),
    float(
        "glide",
        "sound.voice.glide_ms",
        (0.0, GLIDE_MAX_MS, 0.0),
        "ms",
        FREQ_SKEW,
    ),
    other(
        "uni_n",
        "sound.voice.unison",
        (1.0, MAX_UNISON as f32, 1.0),
        Kind::Int,
    ),
    float(
        "uni_dt",
        "sound.voice.detune_cents",
        (0.0, 100.0, 0.0),
        "cents",
        Taper::Linear,
    ),
    percent("uni_sp", "sound.voice.spread", 0.0),
    // 12..16: amplitude envelope
    env_time("amp_atk", "sound.amp_env.attack_ms", 5.0),
    env_time("amp_dec", "sound.amp_env.decay_ms", 300.0),
    percent("amp_sus", "sound.amp_env.sustain", 0.7),
    env_time("amp_rel", "sound.amp_env.release_ms", 250.0),
    // 16..23: modulation envelope
    env_time("env2_atk", "sound.mod_env.attack_ms", 5.0),
    env_time("env2_dec", "sound.mod_env.decay_ms", 300.0),
    percent("env2_sus", "sound.mod_env.sustain", 0.7),
    env_time("env2_rel", "sound.mod_env.release_ms", 250.0),
    // 20..25: filter
    other(
        "flt_on",
        "sound.filter.enabled",
        (0.0, 1.0, 0.0),
        Kind::Bool,
    ),
    choice("flt_ty", "sound.filter.mode", &FILTER_MODE_NAMES, 0.0),
    float(
        "flt_fc",
        "sound.filter.cutoff_hz",
        (20.0, 20_000.0, 20_000.0),
        "Hz",
        FREQ_SKEW,
    ),
    percent("flt_q", "sound.filter.resonance", 0.0),
    percent("flt_key", "sound.filter.keytrack", 0.0),
    // 25..31: LFOs
    LFO1[0],
    LFO1[1],
    LFO2[0],
    LFO2[1],
    LFO3[0],
    LFO3[1],
    // 31..35: tension
    choice("ten_mode", "sound.tension.mode", &TENSION_MODE_NAMES, 1.0),
    float(
        "ten_a",
        "sound.tension.alpha",
        (0.0, 1.0, 0.4),
        "",
        Taper::Linear,
    ),
    float(
        "ten_b",
        "sound.tension.beta",
        (0.0, 1.0, 0.3),
        "",
        Taper::Linear,
    ),
    float(
        "ten_g",
        "sound.tension.gamma",
        (0.0, 1.0, 0.3),
        "",
        Taper::Linear,
    ),
];

/// Index of the first LFO setting in [`SETTINGS`]; LFO `k` starts at `LFO_BASE + 7·k`.
pub const LFO_BASE: usize = 25;
/// Settings per LFO (shape, rate).
pub const LFO_SETTINGS: usize = 2;
/// Offset of the rate within an LFO's settings.
pub const LFO_RATE: usize = 1;

/// The setting with plugin id `id`: a sound setting of [`SETTINGS`] or an effect setting of
/// [`FX_SETTINGS`](super::fx_ranges::FX_SETTINGS).
pub fn setting(id: &str) -> Option<&'static Setting> {
    SETTINGS
        .iter()
        .find(|s| s.id == id)
        .or_else(|| super::fx_ranges::fx_setting(id).map(|f| &f.setting))
}

fn voice_mode_index(m: VoiceMode) -> f32 {
    match m {
        VoiceMode::Poly => 0.0,
        VoiceMode::Mono => 1.0,
        VoiceMode::Legato => 2.0,
    }
}

fn filter_mode_index(m: FilterMode) -> f32 {
    match m {
        FilterMode::LowPass => 0.0,
        FilterMode::BandPass => 1.0,
        FilterMode::HighPass => 2.0,
    }
}

fn tension_mode_index(m: AnalysisMode) -> f32 {
    match m {
        AnalysisMode::Live => 0.0,
        AnalysisMode::Interactive => 1.0,
    }
}

fn shape_index(s: LfoShape) -> f32 {
    match s {
        LfoShape::Sine => 0.0,
        LfoShape::Triangle => 1.0,
        LfoShape::Saw => 2.0,
        LfoShape::Square => 3.0,
        LfoShape::Random => 4.0,
    }
}

/// The choice index `v` rounded and held to `0..count`.
fn index(v: f32, count: usize) -> usize {
    if v.is_finite() {
        (v.round().max(0.0) as usize).min(count - 1)
    } else {
        0
    }
}

impl Sound {
    /// The sound as one value per setting, in [`SETTINGS`] order, patch units. Never
    /// allocates.
    pub fn to_values(&self) -> [f32; SETTING_COUNT] {
        let mut v = [0.0; SETTING_COUNT];
        let s = self;
        let head = [
            s.gain_db,
            s.velocity_sensitivity,
            s.bend_range_semitones,
            s.morph[0],
            s.morph[1],
            s.morph[2],
            voice_mode_index(s.voice.mode),
            s.voice.polyphony as f32,
            s.voice.glide_ms,
            s.voice.unison as f32,
            s.voice.detune_cents,
            s.voice.spread,
            s.amp_env.attack_ms,
            s.amp_env.decay_ms,
            s.amp_env.sustain,
            s.amp_env.release_ms,
            s.mod_env.attack_ms,
            s.mod_env.decay_ms,
            s.mod_env.sustain,
            s.mod_env.release_ms,
            f32::from(u8::from(s.filter.enabled)),
            filter_mode_index(s.filter.mode),
            s.filter.cutoff_hz,
            s.filter.resonance,
            s.filter.keytrack,
        ];
        v[..LFO_BASE].copy_from_slice(&head);
        for (k, l) in s.lfos.iter().enumerate() {
            let at = LFO_BASE + LFO_SETTINGS * k;
            v[at..at + LFO_SETTINGS].copy_from_slice(&[shape_index(l.shape), l.rate_hz]);
        }
        let t = &s.tension;
        v[LFO_BASE + 3 * LFO_SETTINGS..].copy_from_slice(&[
            tension_mode_index(t.mode),
            t.alpha,
            t.beta,
            t.gamma,
        ]);
        v
    }

    /// The sound of one value per setting ([`SETTINGS`] order, patch units), each snapped
    /// to its setting's grid ([`Setting::snap`]); choices and whole numbers out of range
    /// are held to it. The matrix is not a setting: the result has no slots. For every
    /// valid sound `s`, `Sound::from_values(&s.to_values()) == s` once its modulation
    /// section is put back, when its values are on the grid (every factory patch's are).
    /// Never allocates.
    pub fn from_values(values: &[f32; SETTING_COUNT]) -> Self {
        let mut v = [0.0; SETTING_COUNT];
        for ((out, &x), s) in v.iter_mut().zip(values).zip(&SETTINGS) {
            *out = s.snap(x);
        }
        let whole = |x: f32, s: &Setting| x.clamp(s.min, s.max) as u32;
        let lfo = |k: usize| {
            let at = LFO_BASE + LFO_SETTINGS * k;
            LfoSection {
                shape: match index(v[at], 5) {
                    0 => LfoShape::Sine,
                    1 => LfoShape::Triangle,
                    2 => LfoShape::Saw,
                    3 => LfoShape::Square,
                    _ => LfoShape::Random,
                },
                rate_hz: v[at + 1],
            }
        };
        let t = LFO_BASE + 3 * LFO_SETTINGS;
        Sound {
            gain_db: v[0],
            velocity_sensitivity: v[1],
            bend_range_semitones: v[2],
            morph: [v[3], v[4], v[5]],
            voice: VoiceSection {
                mode: [VoiceMode::Poly, VoiceMode::Mono, VoiceMode::Legato][index(v[6], 3)],
                polyphony: whole(v[7], &SETTINGS[7]),
                glide_ms: v[8],
                unison: whole(v[9], &SETTINGS[9]),
                detune_cents: v[10],
                spread: v[11],
            },
            amp_env: EnvSection {
                attack_ms: v[12],
                decay_ms: v[13],
                sustain: v[14],
                release_ms: v[15],
            },
            mod_env: EnvSection {
                attack_ms: v[16],
                decay_ms: v[17],
                sustain: v[18],
                release_ms: v[19],
            },
            filter: FilterSection {
                enabled: v[20] >= 0.5,
                mode: [
                    FilterMode::LowPass,
                    FilterMode::BandPass,
                    FilterMode::HighPass,
                ][index(v[21], 3)],
                cutoff_hz: v[22],
                resonance: v[23],
                keytrack: v[24],
            },
            lfos: [lfo(0), lfo(1), lfo(2)],
            tension: TensionSection {
                mode: [AnalysisMode::Live, AnalysisMode::Interactive][index(v[t], 2)],
                alpha: v[t + 1],
                beta: v[t + 2],
                gamma: v[t + 3],
            },
            // The matrix is not a setting (the plugin keeps it as state).
            modulation: super::ModSection::empty(),
            fx: crate::fx::rack::RackSettings::default(),
        }
    }
}

/// The default of every setting, in [`SETTINGS`] order.
pub fn default_values() -> [f32; SETTING_COUNT] {
    let mut v = [0.0; SETTING_COUNT];
    for (out, s) in v.iter_mut().zip(&SETTINGS) {
        *out = s.default;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{AdsrParams, LfoParams, SynthParams};

    #[test]
    fn defaults_are_the_engines() {
        let mut from = Sound::from_values(&default_values());
        assert!(
            from.modulation.slots.is_empty(),
            "the matrix is not a setting"
        );
        from.modulation.slots = Sound::default().modulation.slots;
        assert_eq!(from, Sound::default());
        assert_eq!(Sound::default().to_values(), default_values());
        // The envelope and LFO defaults come from the engine's own types.
        let d = SynthParams::default();
        assert_eq!(d.amp_env, AdsrParams::default());
        assert_eq!(d.lfo[2], LfoParams::default());
    }

    #[test]
    fn ids_and_paths_are_unique_and_ranges_hold_their_defaults() {
        for (i, a) in SETTINGS.iter().enumerate() {
            assert!(a.min < a.max, "{}", a.id);
            assert!((a.min..=a.max).contains(&a.default), "{}", a.id);
            assert_eq!(a.snap(a.default), a.default, "{}", a.id);
            for b in &SETTINGS[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.path, b.path);
            }
        }
        assert_eq!(SETTINGS[LFO_BASE].id, "lfo1_shp");
        assert_eq!(SETTINGS[LFO_BASE + LFO_RATE].id, "lfo1_rate");
        assert_eq!(SETTINGS[LFO_BASE + 2 * LFO_SETTINGS].id, "lfo3_shp");
        assert_eq!(
            setting("flt_fc").map(|s| s.path),
            Some("sound.filter.cutoff_hz")
        );
    }

    #[test]
    fn snapping_keeps_decimal_values_and_absorbs_f32_error() {
        let cutoff = setting("flt_fc").unwrap();
        assert_eq!(cutoff.snap(180.0), 180.0);
        assert_eq!(cutoff.snap(180.000_02), 180.0);
        assert_eq!(cutoff.snap(1234.5), 1234.5);
        let res = setting("flt_q").unwrap();
        assert_eq!(res.snap(0.450_000_03), 0.45);
        let rate = setting("lfo2_rate").unwrap();
        assert_eq!(rate.snap(0.130_000_01), 0.13);
        assert_eq!(rate.snap(0.0), 0.0);
        assert_eq!(setting("gain").unwrap().snap(-3.000_004), -3.0);
        assert_eq!(setting("poly").unwrap().snap(11.999_9), 12.0);
        assert!(cutoff.snap(f32::NAN).is_nan());
    }
}
