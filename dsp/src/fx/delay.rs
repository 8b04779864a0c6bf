//! The delay effect: stereo or ping-pong echoes, free (ms) or tempo-synced, with a low/high
//! cut in the feedback loop and ducking of the echoes while the input plays.
//!
//! Topology: one delay line per channel read at the (smoothed, cubic-Hermite interpolated)
//! delay time; each repeat passes the loop filters (2nd-order Butterworth high-pass and
//! low-pass, RBJ cookbook) and the feedback gain. In ping-pong the mono sum of the input
//! enters the left line and each line feeds the other, so the echoes alternate L, R, L …
//! Ducking follows the input's peak envelope (5 ms attack, 150 ms release) and lowers the
//! wet level from −40 dBFS of input on, by the whole ducking amount from −20 dBFS.

use super::delay_line::DelayLine;
use super::sync::{sanitize_bpm, SyncDivision, DEFAULT_BPM};
use super::{Effect, Smoothed};
use serde::{Deserialize, Serialize};

/// The longest delay time, free or synced, in seconds.
pub const MAX_DELAY_S: f32 = 4.0;

/// The input level at which ducking starts, as a peak amplitude (−40 dBFS).
pub const DUCK_START_LEVEL: f32 = 0.01;
/// The input level at which ducking reaches its full depth, as a peak amplitude (−20 dBFS).
pub const DUCK_FULL_LEVEL: f32 = 0.1;

/// How the two channels' echoes are arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DelayMode {
    /// Each channel echoes itself.
    #[default]
    Stereo,
    /// The mono input echoes left, then right, then left …
    PingPong,
}

/// The delay's settings, in user units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DelaySettings {
    /// Stereo or ping-pong.
    pub mode: DelayMode,
    /// The free delay time in milliseconds, 1–4000 (used when `sync` is `None`).
    pub time_ms: f32,
    /// `Some(division)`: the delay time is that note length at the host tempo (up to 4 s).
    pub sync: Option<SyncDivision>,
    /// The gain of each repeat relative to the previous one (linear, 0–0.95), with the loop
    /// filters open.
    pub feedback: f32,
    /// The loop's low cut (high-pass) corner in Hz, 20–2000; 20 Hz means off.
    pub low_cut_hz: f32,
    /// The loop's high cut (low-pass) corner in Hz, 500–20 000; 20 000 Hz means off.
    pub high_cut_hz: f32,
    /// How far the echoes duck while the input plays, 0 (never) – 1 (silent while the input
    /// is above −20 dBFS).
    pub ducking: f32,
    /// Dry/wet balance, 0 (dry) – 1 (echoes only).
    /// In the rack the slot's mix takes its place (held at 1 here; not stored in a patch).
    #[serde(skip)]
    pub mix: f32,
}

impl Default for DelaySettings {
    fn default() -> Self {
        Self {
            mode: DelayMode::Stereo,
            time_ms: 375.0,
            sync: None,
            feedback: 0.4,
            low_cut_hz: 120.0,
            high_cut_hz: 6000.0,
            ducking: 0.0,
            mix: 0.3,
        }
    }
}

impl DelaySettings {
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
            time_ms: c(self.time_ms, d.time_ms, 1.0, MAX_DELAY_S * 1000.0),
            sync: self.sync,
            feedback: c(self.feedback, d.feedback, 0.0, 0.95),
            low_cut_hz: c(self.low_cut_hz, d.low_cut_hz, 20.0, 2000.0),
            high_cut_hz: c(self.high_cut_hz, d.high_cut_hz, 500.0, 20_000.0),
            ducking: c(self.ducking, d.ducking, 0.0, 1.0),
            mix: c(self.mix, d.mix, 0.0, 1.0),
        }
    }
}

/// A biquad's normalised coefficients (a0 = 1), transposed direct form II.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BiquadCoefs {
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32,
}

impl BiquadCoefs {
    const IDENTITY: Self = Self {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// RBJ cookbook low-pass (`high_pass == false`) or high-pass at `hz`, Q = 1/√2.
    fn butterworth(hz: f32, sample_rate: f32, high_pass: bool) -> Self {
        let w = std::f64::consts::TAU * (hz as f64 / sample_rate as f64).min(0.49);
        let (sin, cos) = w.sin_cos();
        let alpha = sin / std::f64::consts::SQRT_2;
        let a0 = 1.0 + alpha;
        let (b0, b1) = if high_pass {
            ((1.0 + cos) / 2.0, -(1.0 + cos))
        } else {
            ((1.0 - cos) / 2.0, 1.0 - cos)
        };
        Self {
            b0: (b0 / a0) as f32,
            b1: (b1 / a0) as f32,
            b2: (b0 / a0) as f32,
            a1: (-2.0 * cos / a0) as f32,
            a2: ((1.0 - alpha) / a0) as f32,
        }
    }
}

/// One biquad's state.
#[derive(Debug, Clone, Copy, Default)]
struct BiquadState {
    z1: f32,
    z2: f32,
}

impl BiquadState {
    #[inline]
    fn tick(&mut self, c: &BiquadCoefs, x: f32) -> f32 {
        let y = c.b0 * x + self.z1;
        self.z1 = c.b1 * x - c.a1 * y + self.z2;
        self.z2 = c.b2 * x - c.a2 * y;
        y
    }
}

/// The loop filter's coefficients: a high-pass then a low-pass, each bypassed at its end stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopFilterCoefs {
    low_cut: BiquadCoefs,
    high_cut: BiquadCoefs,
    low_cut_on: bool,
    high_cut_on: bool,
}

impl LoopFilterCoefs {
    /// The coefficients for `settings` (already clamped) at `sample_rate` Hz.
    pub fn new(settings: &DelaySettings, sample_rate: f32) -> Self {
        let low_cut_on = settings.low_cut_hz > 20.0;
        let high_cut_on =
            settings.high_cut_hz < 20_000.0 && settings.high_cut_hz < 0.45 * sample_rate;
        Self {
            low_cut: if low_cut_on {
                BiquadCoefs::butterworth(settings.low_cut_hz, sample_rate, true)
            } else {
                BiquadCoefs::IDENTITY
            },
            high_cut: if high_cut_on {
                BiquadCoefs::butterworth(settings.high_cut_hz, sample_rate, false)
            } else {
                BiquadCoefs::IDENTITY
            },
            low_cut_on,
            high_cut_on,
        }
    }
}

/// One channel's loop filter state.
#[derive(Debug, Clone, Copy, Default)]
struct LoopFilter {
    low_cut: BiquadState,
    high_cut: BiquadState,
}

impl LoopFilter {
    #[inline]
    fn tick(&mut self, c: &LoopFilterCoefs, x: f32) -> f32 {
        let mut y = x;
        if c.low_cut_on {
            y = self.low_cut.tick(&c.low_cut, y);
        }
        if c.high_cut_on {
            y = self.high_cut.tick(&c.high_cut, y);
        }
        y
    }
}

/// The stereo / ping-pong delay.
#[derive(Debug, Clone)]
pub struct Delay {
    sample_rate: f32,
    bpm: f64,
    settings: DelaySettings,
    coefs: LoopFilterCoefs,
    lines: [DelayLine; 2],
    filters: [LoopFilter; 2],
    /// The delay time in samples.
    time: Smoothed,
    feedback: Smoothed,
    ducking: Smoothed,
    mix: Smoothed,
    envelope: f32,
    env_attack: f32,
    env_release: f32,
}

/// The smoothing time of the delay time (a tape-like glide when it changes), in ms.
const TIME_SMOOTH_MS: f32 = 80.0;
/// The smoothing time of the gains, in ms.
const GAIN_SMOOTH_MS: f32 = 10.0;

impl Delay {
    /// A delay at `sample_rate` Hz with the default settings; allocates its lines (4 s each).
    pub fn new(sample_rate: f32) -> Self {
        let sr = sanitize_rate(sample_rate);
        let settings = DelaySettings::default();
        let mut d = Self {
            sample_rate: sr,
            bpm: DEFAULT_BPM,
            settings,
            coefs: LoopFilterCoefs::new(&settings, sr),
            lines: [DelayLine::new(0), DelayLine::new(0)],
            filters: [LoopFilter::default(); 2],
            time: Smoothed::new(0.0, TIME_SMOOTH_MS, sr),
            feedback: Smoothed::new(0.0, GAIN_SMOOTH_MS, sr),
            ducking: Smoothed::new(0.0, GAIN_SMOOTH_MS, sr),
            mix: Smoothed::new(0.0, GAIN_SMOOTH_MS, sr),
            envelope: 0.0,
            env_attack: 0.0,
            env_release: 0.0,
        };
        d.set_sample_rate(sr);
        d
    }

    /// The current settings (clamped).
    pub fn settings(&self) -> DelaySettings {
        self.settings
    }

    /// Sets the settings (clamped; non-finite values become defaults). The gains and the
    /// time glide to their new values; the loop filters change at once.
    pub fn set_settings(&mut self, settings: DelaySettings) {
        self.settings = settings.clamped();
        self.coefs = LoopFilterCoefs::new(&self.settings, self.sample_rate);
        self.time.set_target(self.delay_samples());
        self.feedback.set_target(self.settings.feedback);
        self.ducking.set_target(self.settings.ducking);
        self.mix.set_target(self.settings.mix);
    }

    /// The delay time the settings ask for at the current tempo and rate, in samples.
    pub fn delay_samples(&self) -> f32 {
        let seconds = match self.settings.sync {
            Some(div) => div.seconds(self.bpm).min(MAX_DELAY_S as f64),
            None => self.settings.time_ms as f64 * 1e-3,
        };
        (seconds * self.sample_rate as f64) as f32
    }
}

fn sanitize_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() {
        sample_rate.clamp(8_000.0, 384_000.0)
    } else {
        48_000.0
    }
}

impl Effect for Delay {
    fn set_sample_rate(&mut self, sample_rate: f32) {
        let sr = sanitize_rate(sample_rate);
        self.sample_rate = sr;
        let max = (MAX_DELAY_S * sr) as usize + 4;
        self.lines = [DelayLine::new(max), DelayLine::new(max)];
        for s in [&mut self.feedback, &mut self.ducking, &mut self.mix] {
            s.set_time(GAIN_SMOOTH_MS, sr);
        }
        self.time.set_time(TIME_SMOOTH_MS, sr);
        self.env_attack = 1.0 - (-1.0 / (0.005 * sr)).exp();
        self.env_release = 1.0 - (-1.0 / (0.15 * sr)).exp();
        self.set_settings(self.settings);
        self.reset();
    }

    fn reset(&mut self) {
        for line in &mut self.lines {
            line.clear();
        }
        self.filters = [LoopFilter::default(); 2];
        for s in [
            &mut self.time,
            &mut self.feedback,
            &mut self.ducking,
            &mut self.mix,
        ] {
            s.settle();
        }
        self.envelope = 0.0;
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let ping_pong = self.settings.mode == DelayMode::PingPong;
        let coefs = self.coefs;
        for i in 0..n {
            let (xl, xr) = (left[i], right[i]);
            let time = self.time.next();
            let fb = self.feedback.next();
            let duck = self.ducking.next();
            let mix = self.mix.next();

            let level = xl.abs().max(xr.abs());
            let level = if level.is_finite() { level } else { 0.0 };
            let coef = if level > self.envelope {
                self.env_attack
            } else {
                self.env_release
            };
            self.envelope += (level - self.envelope) * coef;
            let over = (self.envelope - DUCK_START_LEVEL) / (DUCK_FULL_LEVEL - DUCK_START_LEVEL);
            let duck_gain = 1.0 - duck * over.clamp(0.0, 1.0);

            let tap_l = self.lines[0].read(time);
            let tap_r = self.lines[1].read(time);
            let back_l = fb * self.filters[0].tick(&coefs, tap_l);
            let back_r = fb * self.filters[1].tick(&coefs, tap_r);
            if ping_pong {
                self.lines[0].push(flush(0.5 * (xl + xr) + back_r));
                self.lines[1].push(flush(back_l));
            } else {
                self.lines[0].push(flush(xl + back_l));
                self.lines[1].push(flush(xr + back_r));
            }
            let wet = mix * duck_gain;
            let dry = 1.0 - mix;
            left[i] = xl * dry + tap_l * wet;
            right[i] = xr * dry + tap_r * wet;
        }
    }

    fn set_tempo(&mut self, bpm: f64) {
        if bpm.is_finite() && bpm > 0.0 {
            self.bpm = sanitize_bpm(bpm);
            self.time.set_target(self.delay_samples());
        }
    }
}

/// Flushes denormal-level and non-finite values in a feedback path to zero.
#[inline]
pub(crate) fn flush(x: f32) -> f32 {
    if x.abs() > 1e-30 && x.is_finite() {
        x
    } else {
        0.0
    }
}
