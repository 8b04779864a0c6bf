//! Every setting the engine reads, as plain data.

use super::{AdsrParams, FilterMode, LfoParams};
use crate::harmony::{AnalysisMode, TensionWeights};
use crate::modulation::{ModMatrix, MACROS};

/// How notes map to voices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VoiceMode {
    /// Each note gets its own voice.
    #[default]
    Poly,
    /// One voice; every new note retriggers the envelopes; last-note priority.
    Mono,
    /// One voice; notes played while another is held glide without retriggering.
    Legato,
}

/// The filter section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterParams {
    /// True to filter; false bypasses the filter.
    pub enabled: bool,
    /// Response.
    pub mode: FilterMode,
    /// Cutoff, Hz (20..20,000).
    pub cutoff_hz: f32,
    /// Resonance, 0..1 (Q 0.5 to 25).
    pub resonance: f32,
    /// Key tracking, 0..1: 1 moves the cutoff an octave per octave from C4.
    pub keytrack: f32,
}

impl Default for FilterParams {
    fn default() -> Self {
        Self {
            enabled: false,
            mode: FilterMode::LowPass,
            cutoff_hz: 20_000.0,
            resonance: 0.0,
            keytrack: 0.0,
        }
    }
}

/// The engine's settings. The host or the harness writes them between blocks; the engine
/// sanitises a copy at the start of every block, so any value is safe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthParams {
    /// Base morph point `[x, y, z]`, each 0..1 across the cube.
    pub morph: [f32; 3],
    /// Three LFOs (sources of the matrix).
    pub lfo: [LfoParams; 3],
    /// The amplitude envelope.
    pub amp_env: AdsrParams,
    /// The modulation envelope (a source of the matrix).
    pub mod_env: AdsrParams,
    /// The filter.
    pub filter: FilterParams,
    /// Pitch-bend range, in semitones each way (0..48).
    pub bend_range_semitones: f32,
    /// Master gain, linear (0..4).
    pub gain: f32,
    /// How much velocity changes level, 0 (none) to 1 (gain = velocity²).
    pub velocity_sensitivity: f32,
    /// Most voices sounding at once, 1..=64; more notes steal the oldest voice.
    pub polyphony: usize,
    /// Poly, mono or legato.
    pub voice_mode: VoiceMode,
    /// Portamento time in mono and legato modes, ms (0..10,000).
    pub glide_ms: f32,
    /// Oscillators per voice, 1..=8.
    pub unison: usize,
    /// Spread of the unison oscillators' tuning, cents between the outermost two (0..100).
    pub detune_cents: f32,
    /// Stereo spread of the unison oscillators, 0 (centre) to 1 (hard left to right).
    pub spread: f32,
    /// Harmonic tension as a modulation source.
    pub tension: TensionParams,
    /// The modulation matrix: everything that moves the sound. The default holds the
    /// expression routings ([`ModMatrix::init`]).
    pub matrix: ModMatrix,
    /// The four macro knobs, 0..1 each (sources of the matrix). A change takes effect at
    /// the next block, smoothed over [`MACRO_SMOOTH_MS`](crate::modulation::MACRO_SMOOTH_MS);
    /// [`NoteEvent::Macro`](super::NoteEvent::Macro) sets one at a sample offset.
    pub macros: [f32; MACROS],
}

/// Harmonic tension's analysis: tension (0..1) from the [`Analyzer`](crate::harmony::Analyzer)
/// is a source of the matrix ([`Source::Tension`](crate::modulation::Source::Tension)).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TensionParams {
    /// Live (Haar, ≤ 2 levels) or interactive (db4, adaptive levels). Default interactive.
    pub mode: AnalysisMode,
    /// The weights α, β, γ of the three tension terms (0..1 each). Default 0.4, 0.3, 0.3.
    pub weights: TensionWeights,
}

impl TensionParams {
    /// A copy with every field in range.
    pub fn sanitized(&self) -> Self {
        let w = self.weights;
        Self {
            mode: self.mode,
            weights: TensionWeights {
                alpha: fix(w.alpha, 0.0, 1.0, 0.0),
                beta: fix(w.beta, 0.0, 1.0, 0.0),
                gamma: fix(w.gamma, 0.0, 1.0, 0.0),
            },
        }
    }
}

impl Default for SynthParams {
    fn default() -> Self {
        Self {
            morph: [0.0; 3],
            lfo: [LfoParams::default(); 3],
            amp_env: AdsrParams::default(),
            mod_env: AdsrParams::default(),
            filter: FilterParams::default(),
            bend_range_semitones: 2.0,
            gain: 1.0,
            velocity_sensitivity: 1.0,
            polyphony: super::MAX_VOICES,
            voice_mode: VoiceMode::Poly,
            glide_ms: 0.0,
            unison: 1,
            detune_cents: 0.0,
            spread: 0.0,
            tension: TensionParams::default(),
            matrix: ModMatrix::init(),
            macros: [0.0; MACROS],
        }
    }
}

/// `v` clamped to `lo..=hi`, or `def` when NaN.
fn fix(v: f32, lo: f32, hi: f32, def: f32) -> f32 {
    if v.is_nan() {
        def
    } else {
        v.clamp(lo, hi)
    }
}

impl FilterParams {
    /// A copy with every field in range.
    pub fn sanitized(&self) -> Self {
        let d = Self::default();
        Self {
            enabled: self.enabled,
            mode: self.mode,
            cutoff_hz: fix(self.cutoff_hz, 20.0, 20_000.0, d.cutoff_hz),
            resonance: fix(self.resonance, 0.0, 1.0, 0.0),
            keytrack: fix(self.keytrack, 0.0, 1.0, 0.0),
        }
    }
}

impl SynthParams {
    /// A copy with every field clamped to its documented range and NaNs replaced by
    /// defaults.
    pub fn sanitized(&self) -> Self {
        let d = Self::default();
        Self {
            morph: self.morph.map(|v| fix(v, 0.0, 1.0, 0.0)),
            lfo: self.lfo.map(|l| l.sanitized()),
            amp_env: self.amp_env.sanitized(),
            mod_env: self.mod_env.sanitized(),
            filter: self.filter.sanitized(),
            bend_range_semitones: fix(self.bend_range_semitones, 0.0, 48.0, d.bend_range_semitones),
            gain: fix(self.gain, 0.0, 4.0, d.gain),
            velocity_sensitivity: fix(self.velocity_sensitivity, 0.0, 1.0, 1.0),
            polyphony: self.polyphony.clamp(1, super::MAX_VOICES),
            voice_mode: self.voice_mode,
            glide_ms: fix(self.glide_ms, 0.0, 10_000.0, 0.0),
            unison: self.unison.clamp(1, super::MAX_UNISON),
            detune_cents: fix(self.detune_cents, 0.0, 100.0, 0.0),
            spread: fix(self.spread, 0.0, 1.0, 0.0),
            tension: self.tension.sanitized(),
            matrix: self.matrix.sanitized(),
            macros: self.macros.map(|v| fix(v, 0.0, 1.0, 0.0)),
        }
    }
}

/// Frequency in Hz of a (fractional) MIDI note, 12-TET with A4 = note 69 = 440 Hz.
pub fn note_to_hz(note: f64) -> f64 {
    440.0 * ((note - 69.0) / 12.0).exp2()
}
