//! The effects rack's effects: one file per effect, one type per file, all stereo and
//! allocation-free after construction.
//!
//! Every effect follows the same shape (the [`Effect`] trait):
//! - `new(sample_rate)` allocates everything the effect will ever need (delay lines sized for
//!   the longest setting at 192 kHz, or for the given rate and re-sized only in
//!   [`Effect::set_sample_rate`], which is not called on the audio thread);
//! - its settings are a `Copy` struct (`ChorusSettings`, `DelaySettings`, …) in user units
//!   (Hz, ms, dB, 0–1 mix), set with the effect's own `set_settings`, clamped to the ranges
//!   the type documents (non-finite values fall back to defaults), and smoothed per sample
//!   with [`Smoothed`] so automation never clicks;
//! - [`Effect::reset`] clears every state so that the same input gives the same output;
//! - [`Effect::process`] works in place on a left and a right block of equal length, any
//!   length from 1 to 8192, with identical output for any split of the stream into blocks.
//!
//! The rack that orders them, with the plugin's codec and body stages, is [`rack::Rack`].

pub mod chorus;
pub mod compressor;
pub mod delay;
pub mod delay_line;
pub mod distortion;
pub mod eq;
pub mod phaser;
pub mod rack;
pub mod reverb;
pub mod sync;

/// The common interface of a stereo effect.
pub trait Effect {
    /// Re-derives every rate-dependent coefficient for `sample_rate` Hz (22 050–192 000) and
    /// clears the state. May allocate: call it off the audio thread (at activation).
    fn set_sample_rate(&mut self, sample_rate: f32);

    /// Clears every state (delay lines, filters, envelopes, smoothers jump to their targets),
    /// so the same input afterwards gives the same output.
    fn reset(&mut self);

    /// Processes one stereo block in place. `left.len() == right.len()`; any length (1–8192)
    /// is accepted. Never allocates, locks or blocks; output is always finite.
    fn process(&mut self, left: &mut [f32], right: &mut [f32]);

    /// The delay the effect adds to the signal, in samples at the current rate (e.g. a
    /// look-ahead compressor's); 0 for most effects.
    fn latency_samples(&self) -> u32 {
        0
    }

    /// Tells a tempo-synced effect the host's tempo, in beats per minute (non-finite or
    /// ≤ 0 is ignored). Effects without tempo sync ignore it.
    fn set_tempo(&mut self, _bpm: f64) {}
}

/// A one-pole parameter smoother: moves from its value toward a target with a time
/// constant in milliseconds, per sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Smoothed {
    /// The current (smoothed) value, in the parameter's unit.
    pub value: f32,
    /// Where the value is heading, in the parameter's unit.
    pub target: f32,
    /// The per-sample one-pole coefficient (0 = frozen, 1 = jump).
    coef: f32,
}

impl Smoothed {
    /// A smoother at rest at `value`, with a time constant of `time_ms` milliseconds at
    /// `sample_rate` Hz.
    pub fn new(value: f32, time_ms: f32, sample_rate: f32) -> Self {
        let mut s = Self {
            value,
            target: value,
            coef: 1.0,
        };
        s.set_time(time_ms, sample_rate);
        s
    }

    /// Sets the time constant: `time_ms` milliseconds at `sample_rate` Hz (≤ 0 ms jumps).
    pub fn set_time(&mut self, time_ms: f32, sample_rate: f32) {
        let samples = time_ms.max(0.0) * 1e-3 * sample_rate.max(1.0);
        self.coef = if samples > 0.0 && samples.is_finite() {
            1.0 - (-1.0 / samples).exp()
        } else {
            1.0
        };
    }

    /// Sets the target value (non-finite targets are ignored).
    pub fn set_target(&mut self, target: f32) {
        if target.is_finite() {
            self.target = target;
        }
    }

    /// Jumps to the target (for [`Effect::reset`]).
    pub fn settle(&mut self) {
        self.value = self.target;
    }

    /// Advances one sample and returns the new value.
    #[inline]
    #[allow(clippy::should_implement_trait)] // a smoother is not an iterator: it never ends
    pub fn next(&mut self) -> f32 {
        self.value += (self.target - self.value) * self.coef;
        self.value
    }
}
