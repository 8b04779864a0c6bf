//! The phaser and the flanger: one type, [`Phaser`], with a [`PhaserMode`], because they
//! share everything but the element that moves (all-pass stages or a short delay): the LFO
//! (free or tempo-synced), depth, feedback, mix and stereo spread.
//!
//! - **Phaser**: 2–12 first-order all-pass stages with a common break frequency
//!   `fc(t) = centre · 2^(3·depth·sin(2π·rate·t + φ))` (±3 octaves at depth 1), the last
//!   stage's output fed back into the first's input one sample later (as in the MXR Phase 90
//!   and Vital's phaser). Mixed half and half with the dry signal, N stages give N/2 notches
//!   where the chain's phase is an odd multiple of π; with equal break frequencies each notch
//!   sits at a fixed multiple of `fc`, so the notches move exactly as `fc` does.
//! - **Flanger**: one delay line per channel read at `d(t) = delay · (1 + depth·sin(…))`
//!   (cubic Hermite), with feedback; half-wet, the notches sit at odd multiples of 1/(2·d).
//!
//! The right channel's LFO is `spread` half-cycles ahead of the left's.

use super::delay_line::DelayLine;
use super::sync::{sanitize_bpm, SyncDivision, DEFAULT_BPM};
use super::{Effect, Smoothed};
use serde::{Deserialize, Serialize};

/// The phaser's sweep at depth 1, in octaves each side of the centre.
pub const PHASER_OCTAVES: f32 = 3.0;
/// The most all-pass stages.
pub const MAX_STAGES: usize = 12;
/// The flanger's longest centre delay, in ms (the sweep reaches twice that).
pub const MAX_FLANGER_DELAY_MS: f32 = 10.0;

/// Which element the LFO moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaserMode {
    /// First-order all-pass stages.
    #[default]
    Phaser,
    /// A short modulated delay.
    Flanger,
}

/// The phaser/flanger's settings, in user units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhaserSettings {
    /// Phaser or flanger.
    pub mode: PhaserMode,
    /// Phaser only: all-pass stages, 2–12.
    pub stages: usize,
    /// The LFO rate in Hz, 0.01–20 (used when `sync` is `None`).
    pub rate_hz: f32,
    /// `Some(division)`: one LFO cycle per division at the host tempo.
    pub sync: Option<SyncDivision>,
    /// The sweep depth, 0–1 (phaser: ±3 octaves at 1; flanger: the delay swings ±depth of itself).
    pub depth: f32,
    /// Phaser only: the sweep's centre break frequency in Hz, 50–5000.
    pub center_hz: f32,
    /// Flanger only: the centre delay in ms, 0.2–10.
    pub delay_ms: f32,
    /// Feedback, −0.95–0.95 (negative moves the resonances between the notches).
    pub feedback: f32,
    /// Dry/wet balance, 0–1 (0.5 gives the deepest notches).
    /// In the rack the slot's mix takes its place (held at 1 here; not stored in a patch).
    #[serde(skip)]
    pub mix: f32,
    /// The right LFO's phase offset in half-cycles, 0 (mono) – 1 (opposite).
    pub spread: f32,
}

impl Default for PhaserSettings {
    fn default() -> Self {
        Self {
            mode: PhaserMode::Phaser,
            stages: 4,
            rate_hz: 0.3,
            sync: None,
            depth: 0.6,
            center_hz: 800.0,
            delay_ms: 2.0,
            feedback: 0.3,
            mix: 0.5,
            spread: 0.5,
        }
    }
}

impl PhaserSettings {
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
            mode: self.mode,
            stages: self.stages.clamp(2, MAX_STAGES),
            rate_hz: c(self.rate_hz, d.rate_hz, 0.01, 20.0),
            sync: self.sync,
            depth: c(self.depth, d.depth, 0.0, 1.0),
            center_hz: c(self.center_hz, d.center_hz, 50.0, 5_000.0),
            delay_ms: c(self.delay_ms, d.delay_ms, 0.2, MAX_FLANGER_DELAY_MS),
            feedback: c(self.feedback, d.feedback, -0.95, 0.95),
            mix: c(self.mix, d.mix, 0.0, 1.0),
            spread: c(self.spread, d.spread, 0.0, 1.0),
        }
    }
}

/// One channel's state.
#[derive(Debug, Clone)]
struct Channel {
    /// The all-pass stages' states (x[n-1] − a·y[n-1] form: one state each).
    stages: [f32; MAX_STAGES],
    /// The last wet output, fed back.
    last: f32,
    line: DelayLine,
}

/// The phaser/flanger.
#[derive(Debug, Clone)]
pub struct Phaser {
    sample_rate: f32,
    bpm: f64,
    settings: PhaserSettings,
    channels: [Channel; 2],
    /// The LFO phase in cycles, 0–1.
    phase: f64,
    depth: Smoothed,
    /// Phaser: log2 of the centre frequency; flanger: the centre delay in samples.
    center: Smoothed,
    feedback: Smoothed,
    mix: Smoothed,
    spread: Smoothed,
}

/// The smoothing time of every continuous setting, in ms.
const SMOOTH_MS: f32 = 20.0;

impl Phaser {
    /// A phaser at `sample_rate` Hz with the default settings. Allocates.
    pub fn new(sample_rate: f32) -> Self {
        let sr = sanitize_rate(sample_rate);
        let ch = Channel {
            stages: [0.0; MAX_STAGES],
            last: 0.0,
            line: DelayLine::new(0),
        };
        let mut p = Self {
            sample_rate: sr,
            bpm: DEFAULT_BPM,
            settings: PhaserSettings::default(),
            channels: [ch.clone(), ch],
            phase: 0.0,
            depth: Smoothed::new(0.0, SMOOTH_MS, sr),
            center: Smoothed::new(0.0, SMOOTH_MS, sr),
            feedback: Smoothed::new(0.0, SMOOTH_MS, sr),
            mix: Smoothed::new(0.0, SMOOTH_MS, sr),
            spread: Smoothed::new(0.0, SMOOTH_MS, sr),
        };
        p.set_sample_rate(sr);
        p
    }

    /// The current settings (clamped).
    pub fn settings(&self) -> PhaserSettings {
        self.settings
    }

    /// Sets the settings (clamped; non-finite values become defaults); continuous ones glide.
    /// A change of mode takes effect at once.
    pub fn set_settings(&mut self, settings: PhaserSettings) {
        let s = settings.clamped();
        let mode_changed = s.mode != self.settings.mode;
        self.settings = s;
        self.depth.set_target(s.depth);
        self.center.set_target(match s.mode {
            PhaserMode::Phaser => s.center_hz.log2(),
            PhaserMode::Flanger => s.delay_ms * 1e-3 * self.sample_rate,
        });
        if mode_changed {
            self.center.settle();
        }
        self.feedback.set_target(s.feedback);
        self.mix.set_target(s.mix);
        self.spread.set_target(s.spread);
    }

    /// The LFO rate the settings ask for at the current tempo, in Hz.
    pub fn lfo_hz(&self) -> f64 {
        match self.settings.sync {
            Some(div) => div.hz(self.bpm),
            None => self.settings.rate_hz as f64,
        }
    }
}

fn sanitize_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() {
        sample_rate.clamp(8_000.0, 384_000.0)
    } else {
        48_000.0
    }
}

impl Effect for Phaser {
    fn set_sample_rate(&mut self, sample_rate: f32) {
        let sr = sanitize_rate(sample_rate);
        self.sample_rate = sr;
        let max = (2.0 * MAX_FLANGER_DELAY_MS * 1e-3 * sr) as usize + 4;
        for c in &mut self.channels {
            c.line = DelayLine::new(max);
        }
        for s in [
            &mut self.depth,
            &mut self.center,
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
        for c in &mut self.channels {
            c.stages = [0.0; MAX_STAGES];
            c.last = 0.0;
            c.line.clear();
        }
        for s in [
            &mut self.depth,
            &mut self.center,
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
        let inc = self.lfo_hz() / self.sample_rate as f64;
        let stages = self.settings.stages;
        let flanger = self.settings.mode == PhaserMode::Flanger;
        let nyquist_guard = 0.45 * self.sample_rate;
        for i in 0..n {
            let depth = self.depth.next();
            let center = self.center.next();
            let fb = self.feedback.next();
            let mix = self.mix.next();
            let offset = 0.5 * self.spread.next() as f64;
            for c in 0..2 {
                let x = if c == 0 { left[i] } else { right[i] };
                let ph = self.phase + if c == 1 { offset } else { 0.0 };
                let lfo = (std::f64::consts::TAU * ph).sin() as f32;
                let ch = &mut self.channels[c];
                let wet = if flanger {
                    let d = center * (1.0 + depth * lfo);
                    let tap = ch.line.read(d);
                    let input = x + fb * tap;
                    ch.line.push(if input.is_finite() && input.abs() > 1e-30 {
                        input
                    } else {
                        0.0
                    });
                    tap
                } else {
                    let fc = (center + PHASER_OCTAVES * depth * lfo)
                        .exp2()
                        .clamp(10.0, nyquist_guard);
                    let t = (std::f32::consts::PI * fc / self.sample_rate).tan();
                    let a = (t - 1.0) / (t + 1.0);
                    // First-order all-pass H(z) = (a + z⁻¹) / (1 + a·z⁻¹), transposed form.
                    let mut u = x + fb * ch.last;
                    for s in &mut ch.stages[..stages] {
                        let y = a * u + *s;
                        *s = u - a * y;
                        if s.abs() < 1e-30 || !s.is_finite() {
                            *s = 0.0;
                        }
                        u = y;
                    }
                    ch.last = if u.is_finite() { u } else { 0.0 };
                    u
                };
                let y = x + (wet - x) * mix;
                if c == 0 {
                    left[i] = y;
                } else {
                    right[i] = y;
                }
            }
            self.phase += inc;
            if self.phase >= 1.0 {
                self.phase -= self.phase.floor();
            }
        }
    }

    fn set_tempo(&mut self, bpm: f64) {
        if bpm.is_finite() && bpm > 0.0 {
            self.bpm = sanitize_bpm(bpm);
        }
    }
}
