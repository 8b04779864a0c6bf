//! The plugin's side of the sound contract: its parameters to and from the patch values of
//! [`wavecube_dsp::patch::ranges`], unit conversion (%, tempo sync) and the smoothers.
//!
//! [`sound_params`] lists the parameter of every contract setting, in
//! [`SETTINGS`](wavecube_dsp::patch::ranges::SETTINGS) order; it is the only place that
//! pairs a setting with a parameter. Both directions go through it: [`apply_sound`] (a patch
//! into the parameters, through the host, as the editor's browser does) and [`read_values`]
//! (the parameters as patch values: [`sound_of`] for a patch, [`write_synth_params`] for the
//! engine on the audio thread, through the same [`Sound::to_params`] the harness uses).
//! Pure functions over plain values where possible, so the conversions are testable without a
//! host.

use nice_plug::params::internals::ParamPtr;
use nice_plug::prelude::*;
use wavecube_dsp::codec::tqa::{TqaConfig, DEFAULT_MODE, DEFAULT_SEED, MAX_BITS, MIN_BITS};
use wavecube_dsp::harmony::AnalysisMode;
use wavecube_dsp::patch::ranges::{LFO_SETTINGS, SETTINGS, SETTING_COUNT};
use wavecube_dsp::patch::Sound;
use wavecube_dsp::synth::{FilterMode, SynthParams, VoiceMode as DspVoiceMode};

use crate::params::{FilterType, LfoParamGroup, TensionModeChoice, VoiceMode, WavecubeParams};

/// The rate an LFO runs at, Hz: `free_hz`, or the synced division at the host tempo when
/// `sync` is on and the host reports a usable tempo (else `free_hz`).
pub fn lfo_rate_hz(
    free_hz: f32,
    sync: bool,
    division: crate::params::SyncDivision,
    tempo_bpm: Option<f64>,
) -> f32 {
    match tempo_bpm {
        Some(bpm) if sync && bpm.is_finite() && bpm > 0.0 => division.rate_hz(bpm) as f32,
        _ => free_hz,
    }
}

/// The engine's voice mode.
pub fn voice_mode(mode: VoiceMode) -> DspVoiceMode {
    match mode {
        VoiceMode::Poly => DspVoiceMode::Poly,
        VoiceMode::Mono => DspVoiceMode::Mono,
        VoiceMode::Legato => DspVoiceMode::Legato,
    }
}

/// The analyser's mode.
pub fn tension_mode(mode: TensionModeChoice) -> AnalysisMode {
    match mode {
        TensionModeChoice::Live => AnalysisMode::Live,
        TensionModeChoice::Interactive => AnalysisMode::Interactive,
    }
}

/// The engine's filter response.
pub fn filter_mode(kind: FilterType) -> FilterMode {
    match kind {
        FilterType::LowPass => FilterMode::LowPass,
        FilterType::BandPass => FilterMode::BandPass,
        FilterType::HighPass => FilterMode::HighPass,
    }
}

/// The codec stage's settings for the bits parameter (`bits`, clamped to 2..8) and the
/// block-size parameter (`block_log2`: blocks of 2^`block_log2` samples, clamped to 64..4096),
/// in the default mode with the default seed.
pub fn tqa_config(bits: i32, block_log2: i32) -> TqaConfig {
    TqaConfig {
        bits: bits.clamp(i32::from(MIN_BITS), i32::from(MAX_BITS)) as u8,
        block_size: crate::params::tqa_block_samples(block_log2),
        mode: DEFAULT_MODE,
        seed: DEFAULT_SEED,
    }
}

/// A choice parameter, whatever its enum: its variant index and its pointer.
pub trait ChoiceParam {
    /// Index of the current variant (the contract's choice index).
    fn index(&self) -> usize;
    /// The parameter, for the host.
    fn ptr(&self) -> ParamPtr;
}

impl<T: Enum + PartialEq + 'static> ChoiceParam for EnumParam<T> {
    fn index(&self) -> usize {
        self.value().to_index()
    }
    fn ptr(&self) -> ParamPtr {
        self.as_ptr()
    }
}

/// The parameter holding one contract setting.
#[derive(Clone, Copy)]
pub enum SoundParam<'a> {
    /// A continuous setting; the parameter shows the value × the setting's `display_scale`.
    Float(&'a FloatParam),
    /// A whole number.
    Int(&'a IntParam),
    /// A switch.
    Bool(&'a BoolParam),
    /// A choice: the variant index is the contract's index.
    Choice(&'a dyn ChoiceParam),
}

impl SoundParam<'_> {
    /// The parameter, for the host.
    pub fn ptr(&self) -> ParamPtr {
        match self {
            Self::Float(p) => p.as_ptr(),
            Self::Int(p) => p.as_ptr(),
            Self::Bool(p) => p.as_ptr(),
            Self::Choice(p) => p.ptr(),
        }
    }
}

fn lfo_params(l: &LfoParamGroup) -> [SoundParam<'_>; LFO_SETTINGS] {
    use SoundParam::*;
    [Choice(&l.shape), Float(&l.rate_hz)]
}

/// The parameter of every contract setting, in
/// [`SETTINGS`](wavecube_dsp::patch::ranges::SETTINGS) order (a test checks each id). Never
/// allocates.
pub fn sound_params(p: &WavecubeParams) -> [SoundParam<'_>; SETTING_COUNT] {
    use SoundParam::*;
    let [l1a, l1b] = lfo_params(&p.lfo1);
    let [l2a, l2b] = lfo_params(&p.lfo2);
    let [l3a, l3b] = lfo_params(&p.lfo3);
    let (a, m, f, t) = (&p.amp_env, &p.env2, &p.filter, &p.tension);
    [
        Float(&p.gain_db),
        Float(&p.velocity_pct),
        Int(&p.bend_range_st),
        Float(&p.morph.x),
        Float(&p.morph.y),
        Float(&p.morph.z),
        Choice(&p.voice_mode),
        Int(&p.polyphony),
        Float(&p.glide_ms),
        Int(&p.unison.voices),
        Float(&p.unison.detune_cents),
        Float(&p.unison.spread_pct),
        Float(&a.attack_ms),
        Float(&a.decay_ms),
        Float(&a.sustain_pct),
        Float(&a.release_ms),
        Float(&m.attack_ms),
        Float(&m.decay_ms),
        Float(&m.sustain_pct),
        Float(&m.release_ms),
        Bool(&f.enabled),
        Choice(&f.kind),
        Float(&f.cutoff_hz),
        Float(&f.resonance_pct),
        Float(&f.keytrack_pct),
        l1a,
        l1b,
        l2a,
        l2b,
        l3a,
        l3b,
        Choice(&t.mode),
        Float(&t.alpha),
        Float(&t.beta),
        Float(&t.gamma),
    ]
}

/// The value a smoother reaches after `steps` samples (its current value for 0 steps).
fn advance(param: &FloatParam, steps: u32) -> f32 {
    if steps == 0 {
        param.smoothed.previous_value()
    } else {
        param.smoothed.next_step(steps)
    }
}

/// Every contract setting's value in patch units ([`SETTINGS`] order): continuous ones as
/// their smoothers reach them after `steps` samples (`None`: the parameters' own values,
/// no smoothing). Never allocates.
pub fn read_values(params: &WavecubeParams, steps: Option<u32>) -> [f32; SETTING_COUNT] {
    let mut out = [0.0; SETTING_COUNT];
    for ((v, param), setting) in out.iter_mut().zip(sound_params(params)).zip(&SETTINGS) {
        *v = match param {
            SoundParam::Float(f) => {
                let plain = match steps {
                    Some(steps) => advance(f, steps),
                    None => f.value(),
                };
                plain / setting.display_scale
            }
            SoundParam::Int(p) => p.value() as f32,
            SoundParam::Bool(p) => f32::from(u8::from(p.value())),
            SoundParam::Choice(p) => p.index() as f32,
        };
    }
    out
}

/// The sound the parameters hold now (no smoothing), each value on the patch format's grid.
pub fn sound_of(params: &WavecubeParams) -> Sound {
    let mut sound = Sound::from_values(&read_values(params, None));
    // The matrix (state) and the macro knobs (parameters): the patch's modulation section.
    sound.modulation = wavecube_dsp::patch::ModSection::from_matrix(
        &params.matrix.matrix(),
        params.macros.values(),
    );
    // The effects: parameters, and the order (state).
    sound.fx = params.fx.rack(params.fx_order.get());
    sound
}

/// One complete change of `param` to `normalized` through the host (begin, set, end).
fn set_normalized(setter: &ParamSetter, param: ParamPtr, normalized: f32) {
    // SAFETY: `param` points into the parameters the caller borrows, alive for this call.
    unsafe {
        setter.raw_context.raw_begin_set_parameter(param);
        setter
            .raw_context
            .raw_set_parameter_normalized(param, normalized);
        setter.raw_context.raw_end_set_parameter(param);
    }
}

/// Sets every parameter of the contract to `sound`'s value through the host (one complete
/// gesture each), and turns the LFOs' tempo sync off (a patch's rates are in Hz). Values out
/// of a parameter's range are held to it; a NaN sets the setting's default.
pub fn apply_sound(params: &WavecubeParams, sound: &Sound, setter: &ParamSetter) {
    let values = sound.to_values();
    for ((param, setting), &value) in sound_params(params).iter().zip(&SETTINGS).zip(&values) {
        let value = if value.is_nan() {
            setting.default
        } else {
            value
        };
        let ptr = param.ptr();
        let plain = match param {
            SoundParam::Float(_) => value * setting.display_scale,
            _ => value.round(),
        };
        // SAFETY: as in `set_normalized`.
        let normalized = unsafe { ptr.preview_normalized(plain) };
        set_normalized(setter, ptr, normalized);
    }
    for lfo in [&params.lfo1, &params.lfo2, &params.lfo3] {
        setter.begin_set_parameter(&lfo.sync);
        setter.set_parameter(&lfo.sync, false);
        setter.end_set_parameter(&lfo.sync);
    }
    params.fx.apply(&sound.fx, setter);
}

/// The smoothed parameters the engine reads (each one glides when changed).
fn smoothed_params(p: &WavecubeParams) -> impl Iterator<Item = &FloatParam> {
    sound_params(p).into_iter().filter_map(|param| match param {
        SoundParam::Float(f) => Some(f),
        _ => None,
    })
}

/// True while a smoother of a parameter the engine reads is still gliding, so the block must
/// be rendered in short pieces.
pub fn is_smoothing(params: &WavecubeParams) -> bool {
    smoothed_params(params).any(|f| f.smoothed.is_smoothing())
}

/// Snaps every smoother to its parameter's current value (after a reset nothing glides).
pub fn snap_smoothers(params: &WavecubeParams) {
    for p in smoothed_params(params).chain([&params.codec.mix_pct, &params.body.mix_pct]) {
        p.smoothed.reset(p.value());
    }
}

/// The codec mix for a piece of `steps` samples, 0..1, advancing its smoother (as
/// [`write_synth_params`] does for the engine's parameters).
pub fn tqa_mix(params: &WavecubeParams, steps: u32) -> f32 {
    advance(&params.codec.mix_pct, steps) / 100.0
}

/// The body stage's mix for a piece of `steps` samples, 0..1, advancing its smoother.
pub fn body_mix(params: &WavecubeParams, steps: u32) -> f32 {
    advance(&params.body.mix_pct, steps) / 100.0
}

/// Writes every parameter into `out`, advancing the smoothers by `steps` samples (the length
/// of the piece about to be rendered, so the piece plays at the value its end reaches):
/// the contract values, snapped to the patch grid, through [`Sound::to_params`] (the
/// harness's mapping), then each LFO's tempo sync. `tempo_bpm` is the host tempo, if known.
/// Never allocates.
pub fn write_synth_params(
    params: &WavecubeParams,
    steps: u32,
    tempo_bpm: Option<f64>,
    out: &mut SynthParams,
) {
    *out = Sound::from_values(&read_values(params, Some(steps))).to_params();
    for (k, lfo) in [&params.lfo1, &params.lfo2, &params.lfo3]
        .into_iter()
        .enumerate()
    {
        out.lfo[k].rate_hz = lfo_rate_hz(
            out.lfo[k].rate_hz,
            lfo.sync.value(),
            lfo.division.value(),
            tempo_bpm,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::SyncDivision;

    #[test]
    fn sync_follows_tempo_only_when_known() {
        assert_eq!(
            lfo_rate_hz(3.0, false, SyncDivision::Quarter, Some(120.0)),
            3.0
        );
        assert_eq!(
            lfo_rate_hz(3.0, true, SyncDivision::Quarter, Some(120.0)),
            2.0
        );
        assert_eq!(
            lfo_rate_hz(3.0, true, SyncDivision::OneBar, Some(120.0)),
            0.5
        );
        assert!(
            (lfo_rate_hz(3.0, true, SyncDivision::EighthTriplet, Some(90.0)) - 4.5).abs() < 1e-6
        );
        assert_eq!(lfo_rate_hz(3.0, true, SyncDivision::Quarter, None), 3.0);
        assert_eq!(
            lfo_rate_hz(3.0, true, SyncDivision::Quarter, Some(f64::NAN)),
            3.0
        );
    }

    #[test]
    fn codec_settings_clamp_into_the_codec_ranges() {
        let c = tqa_config(6, 9);
        assert_eq!((c.bits, c.block_size, c.mode), (6, 512, DEFAULT_MODE));
        assert_eq!(c, TqaConfig::default());
        assert_eq!(tqa_config(1, 5).bits, 2);
        assert_eq!(tqa_config(1, 5).block_size, 64);
        assert_eq!(tqa_config(9, 13).bits, 8);
        assert_eq!(tqa_config(9, 13).block_size, 4096);
        for bits in 2..=8 {
            for log2 in 6..=12 {
                assert!(tqa_config(bits, log2).validate().is_ok());
            }
        }
    }

    #[test]
    fn defaults_map_to_the_engine_defaults() {
        let params = WavecubeParams::default();
        snap_smoothers(&params);
        let mut out = SynthParams {
            gain: 0.5,
            ..SynthParams::default()
        };
        write_synth_params(&params, 0, None, &mut out);
        // The matrix is state: `write_synth_params` leaves it empty and the plugin copies the
        // received matrix over it ([`crate::macros::MatrixReceiver`]).
        assert_eq!(out.matrix, wavecube_dsp::modulation::ModMatrix::default());
        out.matrix = SynthParams::default().matrix;
        assert_eq!(out, SynthParams::default());
        assert_eq!(sound_of(&params), Sound::default());
    }

    #[test]
    fn tempo_sync_sets_the_rate_of_each_lfo() {
        let params = WavecubeParams::default();
        let host = wavecube_gui::testing::RecordingContext::default();
        let setter = ParamSetter::new(&host);
        setter.set_parameter(&params.lfo3.sync, true);
        setter.set_parameter(&params.lfo3.division, SyncDivision::OneBar);
        let mut out = SynthParams::default();
        write_synth_params(&params, 0, Some(120.0), &mut out);
        assert_eq!(out.lfo[2].rate_hz, 0.5);
        assert_eq!(out.lfo[0].rate_hz, 0.0);
    }
}
