//! From the parameter tree to the engine's [`SynthParams`]: unit conversion (dB, %, ms),
//! tempo sync, and the smoothers.
//!
//! Pure functions over plain values where possible, so the conversions are testable without a
//! host; [`write_synth_params`] is the one place that reads the live parameters and smoothers.

use nice_plug::prelude::*;
use wavecube_dsp::codec::tqa::{TqaConfig, DEFAULT_MODE, DEFAULT_SEED, MAX_BITS, MIN_BITS};
use wavecube_dsp::harmony::{AnalysisMode, TensionWeights};
use wavecube_dsp::synth::{
    AdsrParams, FilterMode, FilterParams, LfoParams, SynthParams, TensionParams,
    VoiceMode as DspVoiceMode,
};

use crate::params::{
    EnvParams, FilterType, LfoParamGroup, TensionModeChoice, VoiceMode, WavecubeParams,
};

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

/// Engine envelope settings from an envelope group (sustain % → 0..1).
pub fn adsr(env: &EnvParams) -> AdsrParams {
    AdsrParams {
        attack_ms: env.attack_ms.value(),
        decay_ms: env.decay_ms.value(),
        sustain: env.sustain_pct.value() / 100.0,
        release_ms: env.release_ms.value(),
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

/// The value a smoother reaches after `steps` samples (its current value for 0 steps).
fn advance(param: &FloatParam, steps: u32) -> f32 {
    if steps == 0 {
        param.smoothed.previous_value()
    } else {
        param.smoothed.next_step(steps)
    }
}

/// An LFO group in engine units, advancing its depth smoothers by `steps` samples.
fn lfo(lfo: &LfoParamGroup, steps: u32, tempo_bpm: Option<f64>) -> LfoParams {
    LfoParams {
        shape: lfo.shape.value().to_dsp(),
        rate_hz: lfo_rate_hz(
            lfo.rate_hz.value(),
            lfo.sync.value(),
            lfo.division.value(),
            tempo_bpm,
        ),
        morph_depth: [
            advance(&lfo.depth_x, steps),
            advance(&lfo.depth_y, steps),
            advance(&lfo.depth_z, steps),
        ],
        pitch_semitones: advance(&lfo.depth_pitch_st, steps),
        cutoff_octaves: advance(&lfo.depth_cutoff_oct, steps),
    }
}

/// The smoothed parameters the engine reads (each one glides when changed).
fn smoothed_params(p: &WavecubeParams) -> [&FloatParam; 23] {
    [
        &p.gain_db,
        &p.morph.x,
        &p.morph.y,
        &p.morph.z,
        &p.unison.detune_cents,
        &p.unison.spread_pct,
        &p.filter.cutoff_hz,
        &p.filter.resonance_pct,
        &p.filter.env_amount_oct,
        &p.filter.keytrack_pct,
        &p.lfo1.depth_x,
        &p.lfo1.depth_y,
        &p.lfo1.depth_z,
        &p.lfo1.depth_pitch_st,
        &p.lfo1.depth_cutoff_oct,
        &p.lfo2.depth_x,
        &p.lfo2.depth_y,
        &p.lfo2.depth_z,
        &p.lfo2.depth_pitch_st,
        &p.lfo2.depth_cutoff_oct,
        &p.tension.amount_x,
        &p.tension.amount_y,
        &p.tension.amount_z,
    ]
}

/// True while a smoother of a parameter the engine reads is still gliding, so the block must
/// be rendered in short pieces.
pub fn is_smoothing(params: &WavecubeParams) -> bool {
    smoothed_params(params)
        .iter()
        .any(|f| f.smoothed.is_smoothing())
}

/// Snaps every smoother to its parameter's current value (after a reset nothing glides).
pub fn snap_smoothers(params: &WavecubeParams) {
    for p in smoothed_params(params)
        .into_iter()
        .chain([&params.codec.mix_pct, &params.body.mix_pct])
    {
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
/// of the piece about to be rendered, so the piece plays at the value its end reaches).
/// `tempo_bpm` is the host tempo, if known. Never allocates.
pub fn write_synth_params(
    params: &WavecubeParams,
    steps: u32,
    tempo_bpm: Option<f64>,
    out: &mut SynthParams,
) {
    let p = params;
    out.gain = util::db_to_gain(advance(&p.gain_db, steps));
    out.polyphony = p.polyphony.value().max(1) as usize;
    out.voice_mode = voice_mode(p.voice_mode.value());
    out.glide_ms = p.glide_ms.value();
    out.velocity_sensitivity = p.velocity_pct.value() / 100.0;
    out.bend_range_semitones = p.bend_range_st.value() as f32;
    out.morph = [
        advance(&p.morph.x, steps),
        advance(&p.morph.y, steps),
        advance(&p.morph.z, steps),
    ];
    out.unison = p.unison.voices.value().max(1) as usize;
    out.detune_cents = advance(&p.unison.detune_cents, steps);
    out.spread = advance(&p.unison.spread_pct, steps) / 100.0;
    out.amp_env = adsr(&p.amp_env);
    out.mod_env = adsr(&p.env2);
    // NOTE: the engine's mod-envelope → morph depth has no parameter yet (not in issue 3).
    out.mod_env_morph = [0.0; 3];
    let off = LfoParams {
        morph_depth: [0.0; 3],
        pitch_semitones: 0.0,
        cutoff_octaves: 0.0,
        ..lfo(&p.lfo1, 0, None)
    };
    // The engine has three LFO slots; the plugin exposes two (issue 3), the third stays silent.
    out.lfo = [
        lfo(&p.lfo1, steps, tempo_bpm),
        lfo(&p.lfo2, steps, tempo_bpm),
        off,
    ];
    let f = &p.filter;
    out.filter = FilterParams {
        enabled: f.enabled.value(),
        mode: filter_mode(f.kind.value()),
        cutoff_hz: advance(&f.cutoff_hz, steps),
        resonance: advance(&f.resonance_pct, steps) / 100.0,
        env_octaves: advance(&f.env_amount_oct, steps),
        keytrack: advance(&f.keytrack_pct, steps) / 100.0,
    };
    let t = &p.tension;
    out.tension = TensionParams {
        morph_depth: [
            advance(&t.amount_x, steps),
            advance(&t.amount_y, steps),
            advance(&t.amount_z, steps),
        ],
        mode: tension_mode(t.mode.value()),
        weights: TensionWeights {
            alpha: t.alpha.value(),
            beta: t.beta.value(),
            gamma: t.gamma.value(),
        },
    };
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
        let mut out = SynthParams::default();
        write_synth_params(&params, 0, None, &mut out);
        let d = SynthParams::default();
        assert_eq!(out.gain, 1.0);
        assert_eq!(out.morph, d.morph);
        assert_eq!(out.amp_env, d.amp_env);
        assert_eq!(out.velocity_sensitivity, d.velocity_sensitivity);
        assert_eq!(out.bend_range_semitones, d.bend_range_semitones);
        assert_eq!(out.polyphony, 32);
        assert_eq!(out.voice_mode, d.voice_mode);
        assert_eq!(out.unison, 1);
        assert!(!out.filter.enabled);
        for l in out.lfo {
            assert_eq!(l.morph_depth, [0.0; 3]);
            assert_eq!((l.pitch_semitones, l.cutoff_octaves), (0.0, 0.0));
        }
    }
}
