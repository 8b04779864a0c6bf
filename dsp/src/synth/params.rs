//! Every setting the engine reads, as plain data.

use super::{AdsrParams, LfoParams, LfoShape};

/// The engine's settings. The host or the harness writes them between blocks; the engine
/// sanitises a copy at the start of every block, so any value is safe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthParams {
    /// Base morph point `[x, y, z]`, each 0..1 across the cube.
    pub morph: [f32; 3],
    /// One LFO per morph axis, `[x, y, z]`.
    pub lfo: [LfoParams; 3],
    /// The amplitude envelope.
    pub amp_env: AdsrParams,
    /// Pitch-bend range, in semitones each way (0..48).
    pub bend_range_semitones: f32,
    /// Master gain, linear (0..4).
    pub gain: f32,
    /// How much velocity changes level, 0 (none) to 1 (gain = velocity²).
    pub velocity_sensitivity: f32,
    /// Most voices sounding at once, 1..=64; more notes steal the oldest voice.
    pub polyphony: usize,
}

impl Default for SynthParams {
    fn default() -> Self {
        let lfo = LfoParams {
            shape: LfoShape::Sine,
            rate_hz: 1.0,
            depth: 0.0,
        };
        Self {
            morph: [0.0; 3],
            lfo: [lfo; 3],
            amp_env: AdsrParams::default(),
            bend_range_semitones: 2.0,
            gain: 1.0,
            velocity_sensitivity: 1.0,
            polyphony: super::MAX_VOICES,
        }
    }
}

impl SynthParams {
    /// A copy with every field clamped to its documented range and NaNs replaced by
    /// defaults.
    pub fn sanitized(&self) -> Self {
        let d = Self::default();
        let clamp =
            |v: f32, lo: f32, hi: f32, def: f32| if v.is_nan() { def } else { v.clamp(lo, hi) };
        Self {
            morph: self.morph.map(|v| clamp(v, 0.0, 1.0, 0.0)),
            lfo: self.lfo.map(|l| l.sanitized()),
            amp_env: self.amp_env.sanitized(),
            bend_range_semitones: clamp(
                self.bend_range_semitones,
                0.0,
                48.0,
                d.bend_range_semitones,
            ),
            gain: clamp(self.gain, 0.0, 4.0, d.gain),
            velocity_sensitivity: clamp(self.velocity_sensitivity, 0.0, 1.0, 1.0),
            polyphony: self.polyphony.clamp(1, super::MAX_VOICES),
        }
    }
}

/// Frequency in Hz of a (fractional) MIDI note, 12-TET with A4 = note 69 = 440 Hz.
pub fn note_to_hz(note: f64) -> f64 {
    440.0 * ((note - 69.0) / 12.0).exp2()
}
