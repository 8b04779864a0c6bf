//! A stand-in for the plugin's parameter tree with the same ids, groups and kinds (the gui
//! cannot depend on the plugin), shared by the tests and the frame-cost bench.

use nice_plug::prelude::*;
use wavecube_gui::testing::FxParams;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Choice3 {
    A,
    B,
    C,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Division {
    #[name = "1 bar"]
    Bar,
    #[name = "1/4"]
    Quarter,
    #[name = "1/4 triplet"]
    QuarterTriplet,
    #[name = "1/16"]
    Sixteenth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Bank {
    #[name = "Basic Shapes"]
    BasicShapes,
    #[name = "Vowel Formants"]
    VowelFormants,
    #[name = "File"]
    File,
}

fn unit_range() -> FloatRange {
    FloatRange::Linear { min: 0.0, max: 1.0 }
}

fn ms(name: &str, v: f32) -> FloatParam {
    FloatParam::new(
        name,
        v,
        FloatRange::Skewed {
            min: 0.0,
            max: 30_000.0,
            factor: FloatRange::skew_factor(-2.5),
        },
    )
    .with_unit(" ms")
    .with_value_to_string(formatters::v2s_f32_rounded(1))
}

fn pct(name: &str, v: f32) -> FloatParam {
    FloatParam::new(
        name,
        v,
        FloatRange::Linear {
            min: 0.0,
            max: 100.0,
        },
    )
    .with_unit(" %")
    .with_step_size(0.1)
}

#[derive(Params)]
pub struct Morph {
    #[id = "mx"]
    pub x: FloatParam,
    #[id = "my"]
    pub y: FloatParam,
    #[id = "mz"]
    pub z: FloatParam,
}

#[derive(Params)]
pub struct Unison {
    #[id = "uni_n"]
    pub voices: IntParam,
    #[id = "uni_dt"]
    pub detune: FloatParam,
    #[id = "uni_sp"]
    pub spread: FloatParam,
}

#[derive(Params)]
pub struct Env {
    #[id = "atk"]
    pub a: FloatParam,
    #[id = "dec"]
    pub d: FloatParam,
    #[id = "sus"]
    pub s: FloatParam,
    #[id = "rel"]
    pub r: FloatParam,
}

impl Env {
    fn new(prefix: &str) -> Self {
        Self {
            a: ms(&format!("{prefix} Attack"), 5.0),
            d: ms(&format!("{prefix} Decay"), 300.0),
            s: pct(&format!("{prefix} Sustain"), 70.0),
            r: ms(&format!("{prefix} Release"), 250.0),
        }
    }
}

#[derive(Params)]
pub struct Lfo {
    #[id = "rate"]
    pub rate: FloatParam,
    #[id = "sync"]
    pub sync: BoolParam,
    #[id = "div"]
    pub div: EnumParam<Division>,
    #[id = "shp"]
    pub shape: EnumParam<Choice3>,
}

impl Lfo {
    fn new(n: u32) -> Self {
        let name = |w: &str| format!("LFO {n} {w}");
        Self {
            rate: FloatParam::new(
                name("Rate"),
                1.0,
                FloatRange::Skewed {
                    min: 0.01,
                    max: 1000.0,
                    factor: FloatRange::skew_factor(-2.5),
                },
            )
            .with_unit(" Hz"),
            sync: BoolParam::new(name("Sync"), false),
            div: EnumParam::new(name("Division"), Division::Quarter),
            shape: EnumParam::new(name("Shape"), Choice3::A),
        }
    }
}

#[derive(Params)]
pub struct Filter {
    #[id = "flt_on"]
    pub on: BoolParam,
    #[id = "flt_ty"]
    pub kind: EnumParam<Choice3>,
    #[id = "flt_fc"]
    pub cutoff: FloatParam,
    #[id = "flt_q"]
    pub q: FloatParam,
    #[id = "flt_key"]
    pub key: FloatParam,
}

#[derive(Params)]
pub struct Codec {
    #[id = "tqa_on"]
    pub on: BoolParam,
    #[id = "tqa_bits"]
    pub bits: IntParam,
    #[id = "tqa_block"]
    pub block: IntParam,
    #[id = "tqa_mix"]
    pub mix: FloatParam,
}

#[derive(Params)]
pub struct Capture {
    #[id = "cap_save"]
    pub save: BoolParam,
}

#[derive(Params)]
pub struct Tension {
    #[id = "ten_mode"]
    pub mode: EnumParam<Choice3>,
    #[id = "ten_a"]
    pub a: FloatParam,
    #[id = "ten_b"]
    pub b: FloatParam,
    #[id = "ten_g"]
    pub g: FloatParam,
}

/// Every group of the plugin, with its ids.
#[derive(Params)]
pub struct DemoParams {
    #[id = "gain"]
    pub gain: FloatParam,
    #[id = "poly"]
    pub poly: IntParam,
    #[id = "vmode"]
    pub vmode: EnumParam<Choice3>,
    #[id = "glide"]
    pub glide: FloatParam,
    #[id = "vel"]
    pub vel: FloatParam,
    #[id = "bend"]
    pub bend: IntParam,
    #[id = "bank"]
    pub bank: EnumParam<Bank>,
    #[nested(group = "Morph")]
    pub morph: Morph,
    #[nested(group = "Unison")]
    pub unison: Unison,
    #[nested(id_prefix = "amp", group = "Amp Envelope")]
    pub amp: Env,
    #[nested(id_prefix = "env2", group = "Envelope 2")]
    pub env2: Env,
    #[nested(id_prefix = "lfo1", group = "LFO 1")]
    pub lfo1: Lfo,
    #[nested(id_prefix = "lfo2", group = "LFO 2")]
    pub lfo2: Lfo,
    #[nested(group = "Filter")]
    pub filter: Filter,
    #[nested(group = "Codec")]
    pub codec: Codec,
    #[nested(group = "Capture")]
    pub capture: Capture,
    #[nested(group = "Tension")]
    pub tension: Tension,
    /// The effects rack's parameters (group "Effects/<slot>"), built from `FX_SETTINGS`.
    #[nested]
    pub fx: FxParams,
}

impl Default for DemoParams {
    fn default() -> Self {
        Self {
            gain: FloatParam::new(
                "Gain",
                0.0,
                FloatRange::Linear {
                    min: -60.0,
                    max: 12.0,
                },
            )
            .with_unit(" dB")
            .with_step_size(0.01),
            poly: IntParam::new("Polyphony", 32, IntRange::Linear { min: 1, max: 64 }),
            vmode: EnumParam::new("Voice Mode", Choice3::A),
            glide: ms("Glide", 0.0),
            vel: pct("Velocity Sensitivity", 100.0),
            bend: IntParam::new("Bend Range", 2, IntRange::Linear { min: 0, max: 48 })
                .with_unit(" st"),
            bank: EnumParam::new("Bank", Bank::BasicShapes),
            morph: Morph {
                x: FloatParam::new("Morph X", 0.35, unit_range()).with_step_size(0.0001),
                y: FloatParam::new("Morph Y", 0.4, unit_range()).with_step_size(0.0001),
                z: FloatParam::new("Morph Z", 0.3, unit_range()).with_step_size(0.0001),
            },
            unison: Unison {
                voices: IntParam::new("Unison Voices", 1, IntRange::Linear { min: 1, max: 8 }),
                detune: FloatParam::new(
                    "Unison Detune",
                    10.0,
                    FloatRange::Linear {
                        min: 0.0,
                        max: 100.0,
                    },
                )
                .with_unit(" ct"),
                spread: pct("Unison Spread", 50.0),
            },
            amp: Env::new("Amp"),
            env2: Env::new("Env 2"),
            lfo1: Lfo::new(1),
            lfo2: Lfo::new(2),
            filter: Filter {
                on: BoolParam::new("Filter", false),
                kind: EnumParam::new("Filter Type", Choice3::A),
                cutoff: FloatParam::new(
                    "Filter Cutoff",
                    8000.0,
                    FloatRange::Skewed {
                        min: 20.0,
                        max: 20_000.0,
                        factor: FloatRange::skew_factor(-2.0),
                    },
                )
                .with_unit(" Hz"),
                q: pct("Filter Resonance", 10.0),
                key: pct("Filter Keytrack", 0.0),
            },
            codec: Codec {
                on: BoolParam::new("TQA", false),
                bits: IntParam::new("TQA Depth", 6, IntRange::Linear { min: 2, max: 8 })
                    .with_unit(" bits"),
                block: IntParam::new("TQA Block", 9, IntRange::Linear { min: 6, max: 12 }),
                mix: pct("TQA Mix", 100.0),
            },
            capture: Capture {
                save: BoolParam::new("Save Capture", false),
            },
            tension: Tension {
                mode: EnumParam::new("Tension Mode", Choice3::B),
                a: FloatParam::new("Tension Alpha", 0.4, unit_range()),
                b: FloatParam::new("Tension Beta", 0.3, unit_range()),
                g: FloatParam::new("Tension Gamma", 0.3, unit_range()),
            },
            fx: FxParams::default(),
        }
    }
}
