//! The plugin's parameters: one `#[derive(Params)]` tree with short, stable ids, and the
//! persisted patch choice.
//!
//! Ids are part of every saved project and automation lane: they are never renamed. Nested
//! groups add their `id_prefix` and an underscore (`amp` + `atk` = `amp_atk`). Every range is a
//! function, so the editor can reuse it.
//!
//! All parameters are written by the host (or the editor) and read by the audio thread.

use std::sync::Arc;

use nice_plug::prelude::*;
use wavecube_dsp::patch::ranges::{self, Kind, Setting, Taper};
use wavecube_dsp::synth::PolyTarget;

use crate::state::{BankCell, IrCell};

/// Smoothing time of continuous parameters that can glide, ms.
pub const SMOOTH_MS: f32 = 20.0;

/// Smallest codec block, as a power of two: 2^6 = 64 samples.
pub const TQA_BLOCK_LOG2_MIN: i32 = 6;
/// Largest codec block, as a power of two: 2^12 = 4096 samples.
pub const TQA_BLOCK_LOG2_MAX: i32 = 12;
/// Default codec block, as a power of two: 2^9 = 512 samples.
pub const TQA_BLOCK_LOG2_DEFAULT: i32 = 9;

/// The sound contract's setting with plugin id `id`.
///
/// # Panics
/// If the contract has no such id: a programming error, caught by the test that builds the
/// parameters.
pub fn contract(id: &str) -> &'static Setting {
    ranges::setting(id).unwrap_or_else(|| panic!("no sound setting with id {id:?}"))
}

/// The range of contract setting `id` as the plugin shows it (`× display_scale`).
pub fn float_range(id: &str) -> FloatRange {
    let s = contract(id);
    let (min, max) = (s.min * s.display_scale, s.max * s.display_scale);
    match s.kind {
        Kind::Float(Taper::Skewed { exponent }) => FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(exponent),
        },
        _ => FloatRange::Linear { min, max },
    }
}

/// The range of whole-number contract setting `id`.
pub fn int_range(id: &str) -> IntRange {
    let s = contract(id);
    IntRange::Linear {
        min: s.min as i32,
        max: s.max as i32,
    }
}

/// A continuous parameter of contract setting `id`: its range, its default, `unit` (as
/// shown, e.g. `" ms"`) and `decimals` shown. No step size: the parameter keeps a patch's
/// values as they are.
fn float_param(
    id: &str,
    name: impl Into<String>,
    unit: &'static str,
    decimals: usize,
) -> FloatParam {
    let s = contract(id);
    FloatParam::new(name, s.default * s.display_scale, float_range(id))
        .with_unit(unit)
        .with_value_to_string(formatters::v2s_f32_rounded(decimals))
}

/// A whole-number parameter of contract setting `id`, with its default.
fn int_param(id: &str, name: &str) -> IntParam {
    IntParam::new(name, contract(id).default as i32, int_range(id))
}

/// A choice parameter of contract setting `id`, with its default.
fn choice_param<T: Enum + PartialEq + 'static>(id: &str, name: impl Into<String>) -> EnumParam<T> {
    EnumParam::new(name, T::from_index(contract(id).default as usize))
}

/// Codec bits per coefficient range, 2..8 bits.
pub fn tqa_bits_range() -> IntRange {
    IntRange::Linear {
        min: i32::from(wavecube_dsp::codec::tqa::MIN_BITS),
        max: i32::from(wavecube_dsp::codec::tqa::MAX_BITS),
    }
}

/// Codec block size range, as the power of two `k` of a block of 2^k samples (6..12, 64 to
/// 4096 samples): only powers of two are valid blocks, so the parameter steps through them.
pub fn tqa_block_log2_range() -> IntRange {
    IntRange::Linear {
        min: TQA_BLOCK_LOG2_MIN,
        max: TQA_BLOCK_LOG2_MAX,
    }
}

/// Block size in samples of the block-size parameter's value `log2` (clamped to 6..12).
pub fn tqa_block_samples(log2: i32) -> usize {
    1 << log2.clamp(TQA_BLOCK_LOG2_MIN, TQA_BLOCK_LOG2_MAX)
}

/// The block-size parameter's value for a typed block size in samples ("512" or
/// "512 samples"); `None` unless it is a power of two from 64 to 4096.
pub fn tqa_block_log2_from_text(text: &str) -> Option<i32> {
    let samples: u32 = text
        .trim()
        .trim_end_matches("samples")
        .trim()
        .parse()
        .ok()?;
    let log2 = samples.checked_ilog2()? as i32;
    let valid =
        samples.is_power_of_two() && (TQA_BLOCK_LOG2_MIN..=TQA_BLOCK_LOG2_MAX).contains(&log2);
    valid.then_some(log2)
}

/// The cube bank the voices play: a factory bank, or the file bank held in the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum BankChoice {
    /// The built-in cube: sine, triangle, saw, square × brightness × formant.
    #[id = "basic-shapes"]
    #[name = "Basic Shapes"]
    BasicShapes,
    /// Vowels × voice size × breath.
    #[id = "vowel-formants"]
    #[name = "Vowel Formants"]
    VowelFormants,
    /// Odd/even balance × tilt × emphasis.
    #[id = "additive-harmonics"]
    #[name = "Additive Harmonics"]
    AdditiveHarmonics,
    /// FM index × ratio × feedback.
    #[id = "fm-cube"]
    #[name = "FM Cube"]
    FmCube,
    /// The `.wcube` file bank held in the plugin state (the default bank if there is none).
    #[id = "file"]
    #[name = "File"]
    File,
}

impl BankChoice {
    /// The factory bank's file stem (as in
    /// [`FACTORY_BANKS`](wavecube_dsp::bank::factory::FACTORY_BANKS)), or
    /// [`FILE_BANK`](crate::state::FILE_BANK).
    pub fn stem(self) -> &'static str {
        match self {
            BankChoice::BasicShapes => "basic-shapes",
            BankChoice::VowelFormants => "vowel-formants",
            BankChoice::AdditiveHarmonics => "additive-harmonics",
            BankChoice::FmCube => "fm-cube",
            BankChoice::File => crate::state::FILE_BANK,
        }
    }
}

/// How new notes take voices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum VoiceMode {
    /// Every note gets its own voice, up to the polyphony.
    #[id = "poly"]
    Poly,
    /// One voice; every new note retriggers the envelopes.
    #[id = "mono"]
    Mono,
    /// One voice; a note played while another is held glides without retriggering.
    #[id = "legato"]
    Legato,
}

/// LFO waveform, as the host shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LfoShapeChoice {
    /// Sine.
    #[id = "sine"]
    Sine,
    /// Triangle.
    #[id = "tri"]
    Triangle,
    /// Rising saw.
    #[id = "saw"]
    Saw,
    /// Square.
    #[id = "square"]
    Square,
    /// Sample and hold: a new random value each cycle.
    #[id = "random"]
    #[name = "Random"]
    Random,
}

impl LfoShapeChoice {
    /// The engine's shape.
    pub fn to_dsp(self) -> wavecube_dsp::synth::LfoShape {
        use wavecube_dsp::synth::LfoShape;
        match self {
            Self::Sine => LfoShape::Sine,
            Self::Triangle => LfoShape::Triangle,
            Self::Saw => LfoShape::Saw,
            Self::Square => LfoShape::Square,
            Self::Random => LfoShape::Random,
        }
    }
}

/// Length of one tempo-synced LFO cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SyncDivision {
    /// Four bars of 4/4.
    #[id = "4bar"]
    #[name = "4 bars"]
    FourBars,
    /// Two bars of 4/4.
    #[id = "2bar"]
    #[name = "2 bars"]
    TwoBars,
    /// One bar of 4/4.
    #[id = "1bar"]
    #[name = "1 bar"]
    OneBar,
    /// A half note.
    #[id = "1/2"]
    #[name = "1/2"]
    Half,
    /// A dotted quarter note.
    #[id = "1/4d"]
    #[name = "1/4 dotted"]
    QuarterDotted,
    /// A quarter note.
    #[id = "1/4"]
    #[name = "1/4"]
    Quarter,
    /// A quarter-note triplet.
    #[id = "1/4t"]
    #[name = "1/4 triplet"]
    QuarterTriplet,
    /// A dotted eighth note.
    #[id = "1/8d"]
    #[name = "1/8 dotted"]
    EighthDotted,
    /// An eighth note.
    #[id = "1/8"]
    #[name = "1/8"]
    Eighth,
    /// An eighth-note triplet.
    #[id = "1/8t"]
    #[name = "1/8 triplet"]
    EighthTriplet,
    /// A sixteenth note.
    #[id = "1/16"]
    #[name = "1/16"]
    Sixteenth,
    /// A sixteenth-note triplet.
    #[id = "1/16t"]
    #[name = "1/16 triplet"]
    SixteenthTriplet,
    /// A thirty-second note.
    #[id = "1/32"]
    #[name = "1/32"]
    ThirtySecond,
}

impl SyncDivision {
    /// Length of one cycle in quarter notes (beats of the host's tempo).
    pub fn quarter_notes(self) -> f64 {
        match self {
            Self::FourBars => 16.0,
            Self::TwoBars => 8.0,
            Self::OneBar => 4.0,
            Self::Half => 2.0,
            Self::QuarterDotted => 1.5,
            Self::Quarter => 1.0,
            Self::QuarterTriplet => 2.0 / 3.0,
            Self::EighthDotted => 0.75,
            Self::Eighth => 0.5,
            Self::EighthTriplet => 1.0 / 3.0,
            Self::Sixteenth => 0.25,
            Self::SixteenthTriplet => 1.0 / 6.0,
            Self::ThirtySecond => 0.125,
        }
    }

    /// Cycle rate in Hz at `tempo_bpm` quarter notes per minute.
    pub fn rate_hz(self, tempo_bpm: f64) -> f64 {
        tempo_bpm / 60.0 / self.quarter_notes()
    }
}

/// The filter's response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum FilterType {
    /// 12 dB/octave state-variable low-pass.
    #[id = "lp"]
    #[name = "Low-pass"]
    LowPass,
    /// State-variable band-pass.
    #[id = "bp"]
    #[name = "Band-pass"]
    BandPass,
    /// 12 dB/octave state-variable high-pass.
    #[id = "hp"]
    #[name = "High-pass"]
    HighPass,
}

/// The poly-modulation id of `target` (its index in the poly module's `POLY_TARGETS`).
pub const fn poly_mod_id(target: PolyTarget) -> u32 {
    match target {
        PolyTarget::MorphX => 0,
        PolyTarget::MorphY => 1,
        PolyTarget::MorphZ => 2,
        PolyTarget::Cutoff => 3,
    }
}

/// A parameter of a 0..1 contract setting, shown in % with one decimal.
fn percent(id: &str, name: impl Into<String>) -> FloatParam {
    float_param(id, name, " %", 1)
}

/// An envelope time parameter in ms.
fn env_time(id: &str, name: impl Into<String>) -> FloatParam {
    float_param(id, name, " ms", 1)
}

/// A percentage parameter (0..100 %) that is not a sound setting (the stage mixes).
fn plain_percent(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Linear {
            min: 0.0,
            max: 100.0,
        },
    )
    .with_unit(" %")
    .with_step_size(0.1)
}

/// A linearly smoothed parameter.
fn smoothed(param: FloatParam) -> FloatParam {
    param.with_smoother(SmoothingStyle::Linear(SMOOTH_MS))
}

/// An ADSR envelope's settings.
#[derive(Params)]
pub struct EnvParams {
    /// Attack time, ms (0..30,000).
    #[id = "atk"]
    pub attack_ms: FloatParam,
    /// Decay time to the sustain level, ms (0..30,000).
    #[id = "dec"]
    pub decay_ms: FloatParam,
    /// Sustain level, % of full (0..100).
    #[id = "sus"]
    pub sustain_pct: FloatParam,
    /// Release time to silence, ms (0..30,000).
    #[id = "rel"]
    pub release_ms: FloatParam,
}

impl EnvParams {
    /// The envelope whose parameter ids start with `id_prefix` (`"amp"`, `"env2"`, as its
    /// `#[nested]` attribute gives them) and whose names start with `prefix` (e.g. "Amp").
    pub fn new(id_prefix: &str, prefix: &str) -> Self {
        let id = |what: &str| format!("{id_prefix}_{what}");
        Self {
            attack_ms: env_time(&id("atk"), format!("{prefix} Attack")),
            decay_ms: env_time(&id("dec"), format!("{prefix} Decay")),
            sustain_pct: percent(&id("sus"), format!("{prefix} Sustain")),
            release_ms: env_time(&id("rel"), format!("{prefix} Release")),
        }
    }
}

/// One LFO: free rate or tempo sync and shape. The matrix (state, not parameters) routes it.
#[derive(Params)]
pub struct LfoParamGroup {
    /// Free-running rate, Hz (0.01..1000); ignored while synced.
    #[id = "rate"]
    pub rate_hz: FloatParam,
    /// Follow the host tempo instead of `rate_hz`.
    #[id = "sync"]
    pub sync: BoolParam,
    /// Cycle length while synced.
    #[id = "div"]
    pub division: EnumParam<SyncDivision>,
    /// Waveform.
    #[id = "shp"]
    pub shape: EnumParam<LfoShapeChoice>,
}

impl LfoParamGroup {
    /// LFO number `n` (1-based; ids start with `lfo{n}_`, names with "LFO n").
    pub fn new(n: u32) -> Self {
        let name = |what: &str| format!("LFO {n} {what}");
        let id = |what: &str| format!("lfo{n}_{what}");
        Self {
            rate_hz: float_param(&id("rate"), name("Rate"), " Hz", 3),
            sync: BoolParam::new(name("Sync"), false),
            division: EnumParam::new(name("Division"), SyncDivision::Quarter),
            shape: choice_param(&id("shp"), name("Shape")),
        }
    }
}

/// Base morph point.
#[derive(Params)]
pub struct MorphParams {
    /// Morph X ("shape" on the factory cube), 0..1 across the cube. Poly-modulatable (CLAP).
    #[id = "mx"]
    pub x: FloatParam,
    /// Morph Y ("brightness" on the factory cube), 0..1 across the cube. Poly-modulatable.
    #[id = "my"]
    pub y: FloatParam,
    /// Morph Z ("formant" on the factory cube), 0..1 across the cube. Poly-modulatable.
    #[id = "mz"]
    pub z: FloatParam,
}

impl Default for MorphParams {
    fn default() -> Self {
        let axis = |id: &str, name: &str, target: PolyTarget| {
            smoothed(float_param(id, name, "", 4).with_poly_modulation_id(poly_mod_id(target)))
        };
        Self {
            x: axis("mx", "Morph X", PolyTarget::MorphX),
            y: axis("my", "Morph Y", PolyTarget::MorphY),
            z: axis("mz", "Morph Z", PolyTarget::MorphZ),
        }
    }
}

/// Unison stacking per note.
#[derive(Params)]
pub struct UnisonParams {
    /// Voices per note, 1..8.
    #[id = "uni_n"]
    pub voices: IntParam,
    /// Detune between the outermost unison voices, cents (0..100).
    #[id = "uni_dt"]
    pub detune_cents: FloatParam,
    /// Stereo spread of the unison voices, % (0 = mono, 100 = full width).
    #[id = "uni_sp"]
    pub spread_pct: FloatParam,
}

impl Default for UnisonParams {
    fn default() -> Self {
        Self {
            voices: int_param("uni_n", "Unison Voices"),
            detune_cents: smoothed(float_param("uni_dt", "Unison Detune", " ct", 1)),
            spread_pct: smoothed(percent("uni_sp", "Unison Spread")),
        }
    }
}

/// The state-variable filter.
#[derive(Params)]
pub struct FilterParams {
    /// Filter in or out of the signal path.
    #[id = "flt_on"]
    pub enabled: BoolParam,
    /// Response: low-, band- or high-pass.
    #[id = "flt_ty"]
    pub kind: EnumParam<FilterType>,
    /// Cutoff (centre) frequency, Hz (20..20,000). Poly-modulatable (CLAP).
    #[id = "flt_fc"]
    pub cutoff_hz: FloatParam,
    /// Resonance, % (0 = none, 100 = edge of self-oscillation).
    #[id = "flt_q"]
    pub resonance_pct: FloatParam,
    /// Key tracking, % (100 = cutoff follows the note one octave per octave, around C4).
    #[id = "flt_key"]
    pub keytrack_pct: FloatParam,
}

impl Default for FilterParams {
    fn default() -> Self {
        Self {
            enabled: BoolParam::new("Filter", contract("flt_on").default >= 0.5),
            kind: choice_param("flt_ty", "Filter Type"),
            cutoff_hz: float_param("flt_fc", "Filter Cutoff", " Hz", 1)
                .with_smoother(SmoothingStyle::Logarithmic(SMOOTH_MS))
                .with_poly_modulation_id(poly_mod_id(PolyTarget::Cutoff)),
            resonance_pct: smoothed(percent("flt_q", "Filter Resonance")),
            keytrack_pct: smoothed(percent("flt_key", "Filter Keytrack")),
        }
    }
}

/// The codec stage: TQA on the summed voices, after the filter and before master gain, the
/// "quantised" colour. Its latency is one block.
#[derive(Params)]
pub struct CodecParams {
    /// Codec stage in or out of the signal path. While on, the plugin reports one block of
    /// latency to the host.
    #[id = "tqa_on"]
    pub enabled: BoolParam,
    /// Bits per coefficient, 2..8 (about 6 dB of SQNR each).
    #[id = "tqa_bits"]
    pub bits: IntParam,
    /// Block size as a power of two, 6..12: 64 to 4096 samples (shown in samples). The
    /// stage's latency.
    #[id = "tqa_block"]
    pub block_log2: IntParam,
    /// Coded signal in the mix, % (0 = the dry signal, delayed to match), smoothed.
    #[id = "tqa_mix"]
    pub mix_pct: FloatParam,
}

impl Default for CodecParams {
    fn default() -> Self {
        Self {
            enabled: BoolParam::new("TQA", false),
            bits: IntParam::new(
                "TQA Depth",
                i32::from(wavecube_dsp::codec::tqa::DEFAULT_BITS),
                tqa_bits_range(),
            )
            .with_unit(" bits"),
            block_log2: IntParam::new("TQA Block", TQA_BLOCK_LOG2_DEFAULT, tqa_block_log2_range())
                .with_unit(" samples")
                .with_value_to_string(Arc::new(|log2| tqa_block_samples(log2).to_string()))
                .with_string_to_value(Arc::new(tqa_block_log2_from_text)),
            mix_pct: smoothed(plain_percent("TQA Mix", 100.0)),
        }
    }
}

/// The body stage's impulse response.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyIrChoice {
    /// A small room, 0.4 s.
    #[id = "room"]
    #[name = "Small Room"]
    SmallRoom,
    /// A bright plate, 1.8 s.
    #[id = "plate"]
    Plate,
    /// A resonant metal body, 0.8 s.
    #[id = "metal"]
    #[name = "Metal Body"]
    MetallicBody,
    /// A reverse swell, 1.5 s.
    #[id = "swell"]
    #[name = "Reverse Swell"]
    ReverseSwell,
    /// The WAV file the user loaded (kept in the state).
    #[id = "file"]
    #[name = "User WAV"]
    File,
}

impl BodyIrChoice {
    /// The factory IR of this choice; `None` for the user's file.
    pub fn factory_kind(self) -> Option<wavecube_dsp::conv::IrKind> {
        use wavecube_dsp::conv::IrKind;
        match self {
            Self::SmallRoom => Some(IrKind::SmallRoom),
            Self::Plate => Some(IrKind::Plate),
            Self::MetallicBody => Some(IrKind::MetallicBody),
            Self::ReverseSwell => Some(IrKind::ReverseSwell),
            Self::File => None,
        }
    }
}

/// The body stage: the output convolved with an impulse response, after the codec stage.
/// No latency.
#[derive(Params)]
pub struct BodyParams {
    /// Body stage in or out of the signal path.
    #[id = "body_on"]
    pub enabled: BoolParam,
    /// The impulse response: a factory one or the user's WAV.
    #[id = "body_ir"]
    pub ir: EnumParam<BodyIrChoice>,
    /// Convolved signal in the mix, % (0 = dry), smoothed.
    #[id = "body_mix"]
    pub mix_pct: FloatParam,
}

impl Default for BodyParams {
    fn default() -> Self {
        Self {
            enabled: BoolParam::new("Body", false),
            ir: EnumParam::new("Body IR", BodyIrChoice::SmallRoom),
            mix_pct: smoothed(plain_percent("Body Mix", 35.0)),
        }
    }
}

/// How the harmony analyzer decomposes its chord signals.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensionModeChoice {
    /// Haar wavelet, at most 2 levels: reacts within a chord or two.
    #[id = "live"]
    Live,
    /// db4 wavelet with adaptive levels: smoother, sees longer phrases.
    #[id = "interactive"]
    Interactive,
}

/// Harmonic tension's analysis; tension is a source of the matrix.
/// `Tension = α·(1 − organisation) + β·detail energy + γ·key distance`, 0..1.
#[derive(Params)]
pub struct TensionParams {
    /// Live (Haar, L ≤ 2) or interactive (db4, adaptive levels) analysis.
    #[id = "ten_mode"]
    pub mode: EnumParam<TensionModeChoice>,
    /// α: weight of harmonic disorder (1 − organisation), 0..1.
    #[id = "ten_a"]
    pub alpha: FloatParam,
    /// β: weight of wavelet detail energy (rate of harmonic change), 0..1.
    #[id = "ten_b"]
    pub beta: FloatParam,
    /// γ: weight of key distance (θ to the window's barycenter), 0..1.
    #[id = "ten_g"]
    pub gamma: FloatParam,
}

impl Default for TensionParams {
    fn default() -> Self {
        let weight = |id: &str, name: &str| float_param(id, name, "", 2);
        Self {
            mode: choice_param("ten_mode", "Tension Mode"),
            alpha: weight("ten_a", "Tension Alpha"),
            beta: weight("ten_b", "Tension Beta"),
            gamma: weight("ten_g", "Tension Gamma"),
        }
    }
}

/// Id of the old "Save Capture" parameter. Saving the capture is an action now (the editor's
/// "Export capture…", [`crate::Wavecube::save_capture`]), never a parameter a host can automate
/// or recall: a state holding this id loads with it ignored.
pub const OLD_SAVE_CAPTURE_ID: &str = "cap_save";

/// Every parameter of Wavecube, plus the persisted patch choice.
#[derive(Params)]
pub struct WavecubeParams {
    /// Master gain, dB (−96..12), smoothed.
    #[id = "gain"]
    pub gain_db: FloatParam,
    /// Most voices sounding at once, 1..64; more notes steal the oldest.
    #[id = "poly"]
    pub polyphony: IntParam,
    /// Poly, mono or legato.
    #[id = "vmode"]
    pub voice_mode: EnumParam<VoiceMode>,
    /// Portamento time between successive notes, ms (0..10,000).
    #[id = "glide"]
    pub glide_ms: FloatParam,
    /// How much velocity changes level, % (0 = none, 100 = level ∝ velocity²).
    #[id = "vel"]
    pub velocity_pct: FloatParam,
    /// Pitch-bend range, semitones each way (0..48).
    #[id = "bend"]
    pub bend_range_st: IntParam,
    /// The cube bank the voices play. Read by the audio thread, which asks the bank loader
    /// thread for a new cube when it changes.
    #[id = "bank"]
    pub bank: EnumParam<BankChoice>,
    /// Base morph point.
    #[nested(group = "Morph")]
    pub morph: MorphParams,
    /// Unison.
    #[nested(group = "Unison")]
    pub unison: UnisonParams,
    /// The amplitude envelope.
    #[nested(id_prefix = "amp", group = "Amp Envelope")]
    pub amp_env: EnvParams,
    /// The second envelope, a source of the matrix.
    #[nested(id_prefix = "env2", group = "Envelope 2")]
    pub env2: EnvParams,
    /// LFO 1.
    #[nested(id_prefix = "lfo1", group = "LFO 1")]
    pub lfo1: LfoParamGroup,
    /// LFO 2.
    #[nested(id_prefix = "lfo2", group = "LFO 2")]
    pub lfo2: LfoParamGroup,
    /// LFO 3.
    #[nested(id_prefix = "lfo3", group = "LFO 3")]
    pub lfo3: LfoParamGroup,
    /// The filter.
    #[nested(group = "Filter")]
    pub filter: FilterParams,
    /// The codec stage.
    #[nested(group = "Codec")]
    pub codec: CodecParams,
    /// Harmonic tension as a modulation source.
    #[nested(group = "Tension")]
    pub tension: TensionParams,
    /// The body stage (convolution).
    #[nested(group = "Body")]
    pub body: BodyParams,
    /// The four macro knobs (ids `macro1` … `macro4`), matrix sources.
    #[nested(group = "Macros")]
    pub macros: crate::macros::MacroParams,
    /// The modulation matrix and the macro names: state, not parameters (main thread; the
    /// audio thread gets copies through the cell's ring, see [`crate::macros`]).
    #[persist = "matrix"]
    pub matrix: Arc<crate::macros::MatrixCell>,
    /// The effects rack's switches, mixes and settings (ids `fx_…`, host group `Effects`).
    #[nested(group = "Effects")]
    pub fx: crate::fx_params::FxParams,
    /// The effects rack's order: state, not parameters (one atomic word the audio thread
    /// reads, see [`crate::fx_params`]).
    #[persist = "fx_order"]
    pub fx_order: Arc<crate::fx_params::FxOrderCell>,
    /// The user's impulse response for the body stage (written by the main thread; read by
    /// the body loader thread, never by the audio thread).
    #[persist = "body-ir"]
    pub body_ir_file: Arc<IrCell>,
    /// Which bank plays, with the file bank's bytes (written by the main thread; never read
    /// by the audio thread). The state key stays `patch`, its name before the rename, so
    /// older states load.
    #[persist = "patch"]
    pub bank_state: Arc<BankCell>,
    /// The editor window's size (written by the host's main thread on a restore and by the
    /// editor when resized; never read by the audio thread).
    #[persist = "editor-state"]
    pub editor_state: Arc<wavecube_gui::WindowState>,
}

impl Default for WavecubeParams {
    fn default() -> Self {
        Self {
            gain_db: float_param("gain", "Gain", " dB", 2)
                .with_smoother(SmoothingStyle::Linear(SMOOTH_MS)),
            polyphony: int_param("poly", "Polyphony"),
            voice_mode: choice_param("vmode", "Voice Mode"),
            glide_ms: float_param("glide", "Glide", " ms", 1),
            velocity_pct: percent("vel", "Velocity Sensitivity"),
            bend_range_st: int_param("bend", "Bend Range").with_unit(" st"),
            bank: EnumParam::new("Bank", BankChoice::BasicShapes),
            morph: MorphParams::default(),
            unison: UnisonParams::default(),
            amp_env: EnvParams::new("amp", "Amp"),
            env2: EnvParams::new("env2", "Env 2"),
            lfo1: LfoParamGroup::new(1),
            lfo2: LfoParamGroup::new(2),
            lfo3: LfoParamGroup::new(3),
            filter: FilterParams::default(),
            codec: CodecParams::default(),
            tension: TensionParams::default(),
            body: BodyParams::default(),
            macros: crate::macros::MacroParams::default(),
            matrix: Arc::default(),
            fx: crate::fx_params::FxParams::default(),
            fx_order: Arc::default(),
            body_ir_file: Arc::new(IrCell::default()),
            bank_state: Arc::new(BankCell::default()),
            editor_state: Arc::new(wavecube_gui::WindowState::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sizes_are_the_powers_of_two_from_64_to_4096() {
        let sizes: Vec<usize> = (TQA_BLOCK_LOG2_MIN..=TQA_BLOCK_LOG2_MAX)
            .map(tqa_block_samples)
            .collect();
        assert_eq!(sizes, [64, 128, 256, 512, 1024, 2048, 4096]);
        assert_eq!(tqa_block_samples(TQA_BLOCK_LOG2_DEFAULT), 512);
        assert_eq!(tqa_block_samples(99), 4096);
    }

    #[test]
    fn typed_block_sizes_parse_only_when_valid() {
        assert_eq!(tqa_block_log2_from_text("512"), Some(9));
        assert_eq!(tqa_block_log2_from_text(" 4096 samples"), Some(12));
        assert_eq!(tqa_block_log2_from_text("64samples"), Some(6));
        for bad in ["500", "32", "8192", "0", "", "-512", "big"] {
            assert_eq!(tqa_block_log2_from_text(bad), None, "{bad:?}");
        }
    }
}
