//! The chorus effect: 1–4 modulated delay voices per channel, with feedback and a stereo
//! spread of the voices' LFO phases.
//!
//! Topology (the classic bucket-brigade chorus, e.g. the Roland Juno's, generalised to N
//! voices as in Vital and Serum): each channel has one delay line read by N taps whose delays
//! follow `delay + depth · sin(2π·rate·t + φ)`, the voices' phases spread evenly over the
//! cycle; the right channel's phases are offset by `spread` half-cycles, so at spread 1 its
//! delays move against the left's. The taps are read with cubic Hermite interpolation and
//! summed with gain 1/√N (equal power); their mean, times the feedback, is added to the line's input.

use super::delay_line::DelayLine;
use super::{Effect, Smoothed};
use serde::{Deserialize, Serialize};

/// The largest centre delay, in ms.
pub const MAX_DELAY_MS: f32 = 40.0;
/// The largest modulation depth (peak delay deviation), in ms.
pub const MAX_DEPTH_MS: f32 = 10.0;
/// The largest number of voices per channel.
pub const MAX_VOICES: usize = 4;

/// The chorus's settings, in user units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChorusSettings {
    /// Voices per channel, 1–4 (2–4 is a chorus; 1 is a vibrato when fully wet).
    pub voices: usize,
    /// The LFO rate in Hz, 0.01–10.
    pub rate_hz: f32,
    /// The peak deviation of each voice's delay in ms, 0–10.
    pub depth_ms: f32,
    /// The centre delay in ms, 1–40.
    pub delay_ms: f32,
    /// The mean of the voices fed back into the line, −0.9–0.9.
    pub feedback: f32,
    /// Dry/wet balance, 0 (dry) – 1 (wet).
    /// In the rack the slot's mix takes its place (held at 1 here; not stored in a patch).
    #[serde(skip)]
    pub mix: f32,
    /// The right channel's LFO phase offset in half-cycles, 0 (mono) – 1 (opposite).
    pub spread: f32,
}

impl Default for ChorusSettings {
    fn default() -> Self {
        Self {
            voices: 3,
            rate_hz: 0.6,
            depth_ms: 2.5,
            delay_ms: 12.0,
            feedback: 0.0,
            mix: 0.5,
            spread: 1.0,
        }
    }
}

impl ChorusSettings {
    /// The settings clamped to their ranges; non-finite values become the defaults.
    pub fn clamped(self) -> Self {
        let d = Self::default();
        let c = |v: f32, def: f32, lo: f32, hi: f32| {
            if v.is_finite() {
                v.clamp(lo, hi)
            } else {
                def
            }
        };
        Self {
            voices: self.voices.clamp(1, MAX_VOICES),
            rate_hz: c(self.rate_hz, d.rate_hz, 0.01, 10.0),
            depth_ms: c(self.depth_ms, d.depth_ms, 0.0, MAX_DEPTH_MS),
            delay_ms: c(self.delay_ms, d.delay_ms, 1.0, MAX_DELAY_MS),
            feedback: c(self.feedback, d.feedback, -0.9, 0.9),
            mix: c(self.mix, d.mix, 0.0, 1.0),
            spread: c(self.spread, d.spread, 0.0, 1.0),
        }
    }
}

/// The chorus.
#[derive(Debug, Clone)]
pub struct Chorus {
    sample_rate: f32,
    settings: ChorusSettings,
    lines: [DelayLine; 2],
    /// The LFO phase in cycles, 0–1.
    phase: f64,
    /// The centre delay, in samples.
    delay: Smoothed,
    /// The depth, in samples.
    depth: Smoothed,
    feedback: Smoothed,
    mix: Smoothed,
    spread: Smoothed,
}

/// The smoothing time of every continuous setting, in ms.
const SMOOTH_MS: f32 = 20.0;

impl Chorus {
    /// A chorus at `sample_rate` Hz with the default settings. Allocates.
    pub fn new(sample_rate: f32) -> Self {
        let sr = sanitize_rate(sample_rate);
        let mut c = Self {
            sample_rate: sr,
            settings: ChorusSettings::default(),
            lines: [DelayLine::new(0), DelayLine::new(0)],
            phase: 0.0,
            delay: Smoothed::new(0.0, SMOOTH_MS, sr),
            depth: Smoothed::new(0.0, SMOOTH_MS, sr),
            feedback: Smoothed::new(0.0, SMOOTH_MS, sr),
            mix: Smoothed::new(0.0, SMOOTH_MS, sr),
            spread: Smoothed::new(0.0, SMOOTH_MS, sr),
        };
        c.set_sample_rate(sr);
        c
    }

    /// The current settings (clamped).
    pub fn settings(&self) -> ChorusSettings {
        self.settings
    }

    /// Sets the settings (clamped; non-finite values become defaults); continuous ones glide.
    pub fn set_settings(&mut self, settings: ChorusSettings) {
        let s = settings.clamped();
        self.settings = s;
        let ms = self.sample_rate * 1e-3;
        self.delay.set_target(s.delay_ms * ms);
        self.depth.set_target(s.depth_ms * ms);
        self.feedback.set_target(s.feedback);
        self.mix.set_target(s.mix);
        self.spread.set_target(s.spread);
    }
}

fn sanitize_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() {
        sample_rate.clamp(8_000.0, 384_000.0)
    } else {
        48_000.0
    }
}

impl Effect for Chorus {
    fn set_sample_rate(&mut self, sample_rate: f32) {
        let sr = sanitize_rate(sample_rate);
        self.sample_rate = sr;
        let max = ((MAX_DELAY_MS + MAX_DEPTH_MS) * 1e-3 * sr) as usize + 4;
        self.lines = [DelayLine::new(max), DelayLine::new(max)];
        for s in [
            &mut self.delay,
            &mut self.depth,
            &mut self.feedback,
            &mut self.mix,
            &mut self.spread,
        ] {
            s.set_time(SMOOTH_MS, sr);
        }
        self.set_settings(self.settings);
        self.reset();
    }

    fn reset(&mut self) {
        for l in &mut self.lines {
            l.clear();
        }
        for s in [
            &mut self.delay,
            &mut self.depth,
            &mut self.feedback,
            &mut self.mix,
            &mut self.spread,
        ] {
            s.settle();
        }
        self.phase = 0.0;
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let voices = self.settings.voices;
        let inc = self.settings.rate_hz as f64 / self.sample_rate as f64;
        let voice_gain = 1.0 / (voices as f32).sqrt();
        let mean_gain = 1.0 / voices as f32;
        for i in 0..n {
            let delay = self.delay.next();
            let depth = self.depth.next();
            let fb = self.feedback.next();
            let mix = self.mix.next();
            let offset = 0.5 * self.spread.next() as f64;
            for c in 0..2 {
                let x = if c == 0 { left[i] } else { right[i] };
                let base = self.phase + if c == 1 { offset } else { 0.0 };
                let mut sum = 0.0;
                for v in 0..voices {
                    let ph = base + v as f64 / voices as f64;
                    let lfo = (std::f64::consts::TAU * ph).sin() as f32;
                    sum += self.lines[c].read(delay + depth * lfo);
                }
                let back = sum * mean_gain * fb;
                let input = x + back;
                self.lines[c].push(if input.is_finite() && input.abs() > 1e-30 {
                    input
                } else {
                    0.0
                });
                let wet = sum * voice_gain;
                let y = x + (wet - x) * mix;
                if c == 0 {
                    left[i] = y;
                } else {
                    right[i] = y;
                }
            }
            self.phase += inc;
            if self.phase >= 1.0 {
                self.phase -= 1.0;
            }
        }
    }
}
