//! The distortion effect: soft clip, hard clip, sine fold and bit-crush, with drive, tone
//! and mix, oversampled 16× so that the clipping's harmonics do not alias.
//!
//! Topology per channel: drive → (bit-crush at the host rate, in that mode) → 16× up-sampling
//! → the shaper → 16× down-sampling → tone (one-pole low-pass) → mix with the dry signal,
//! which is delayed by the oversampler's latency so the mix does not comb.
//!
//! The oversampler is a cascade of four 2× linear-phase FIR stages (Kaiser-windowed sinc,
//! β = 11, about 110 dB stop band): the first down-sampler, at 2× the host rate, passes
//! 0–0.42·fs and stops 0.5·fs upward, so nothing that folds back lands in the audible band;
//! the first up-sampler and the three stages above are half-bands (every other tap zero) that
//! only have to protect 0–0.5·fs. The shapers also use first-order
//! antiderivative anti-aliasing (ADAA; Parker, Zavalishin & Le Bivic, "Reducing the aliasing of
//! nonlinear waveshaping using continuous-time convolution", DAFx 2016) at the 16× rate: at
//! 30 dB of drive a sine through tanh or a clipper is nearly square, and its harmonics fall too
//! slowly for 16× alone (the soft clip measured −80.8 dB without ADAA, −116 dB with it).
//! Measured (dsp/tests/fx_distortion.rs): a 5 kHz sine at 48 kHz at full drive leaves
//! inharmonic energy below −80 dB of the harmonics in every shaping mode (soft clip −116 dB,
//! hard clip −89 dB, fold −81.5 dB).
//!
//! The latency, [`LATENCY_SAMPLES`] at every rate, is reported by [`Effect::latency_samples`].

use super::delay_line::DelayLine;
use super::{Effect, Smoothed};
use crate::analysis::kaiser_window;
use serde::{Deserialize, Serialize};

/// The oversampling factor.
pub const OVERSAMPLING: usize = 16;

/// The distortion's latency in samples at the host rate (every mode, every rate).
pub const LATENCY_SAMPLES: u32 = 80;

/// The largest drive, in dB.
pub const MAX_DRIVE_DB: f32 = 30.0;

/// The 2× stages' FIR lengths, from the host rate upward.
const STAGE_LENGTHS: [usize; 4] = [181, 33, 29, 25];
/// The first up-sampling stage's length: a half-band (cutoff 0.25), so every other tap is
/// zero and its polyphase branches cost 44 + 1 multiplies instead of 181. It passes
/// 0–0.42·fs and stops from 0.58·fs: the images it leaves between 0.5 and 0.58·fs come from
/// input above 0.42·fs (20.2 kHz at 48 kHz) and are small; the first down-sampling stage
/// keeps the steep 181-tap filter, which is what stops the shaper's harmonics from folding
/// back.
const FIRST_UP_LENGTH: usize = 89;
// Latency: Σ (L − 1)/2 high-rate samples per stage and direction, in host samples:
// up 44/2 + down 90/2 = 67 at the first stage, then 8 + 3.5 + 1.5 = 80.
/// The stages' cutoffs in cycles per sample at each stage's output rate.
const STAGE_CUTOFFS: [f64; 4] = [0.23, 0.25, 0.25, 0.25];
/// The Kaiser window's β for every stage (≈ 110 dB stop band).
const KAISER_BETA: f64 = 11.0;

/// The shaping curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DistortionMode {
    /// `tanh`: a smooth, tube-like saturation.
    #[default]
    SoftClip,
    /// Clamp to ±1 (with ADAA).
    HardClip,
    /// Sine wave-folding: `sin(π/2 · x)`, folding back over and over as the drive rises.
    Fold,
    /// Bit depth and sample-rate reduction (lo-fi; its aliasing is the point).
    BitCrush,
}

/// The distortion's settings, in user units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DistortionSettings {
    /// The shaping curve.
    pub mode: DistortionMode,
    /// The gain before the shaper in dB, 0–30.
    pub drive_db: f32,
    /// The post low-pass corner in Hz, 200–20 000 (20 000 = open).
    pub tone_hz: f32,
    /// Bit-crush only: the bit depth, 1–16 (fractional depths step smoothly).
    pub bits: f32,
    /// Bit-crush only: the reduced sample rate in Hz, 200–192 000 (at or above the host
    /// rate: no reduction).
    pub crush_rate_hz: f32,
    /// Dry/wet balance, 0 (dry) – 1 (wet).
    /// In the rack the slot's mix takes its place (held at 1 here; not stored in a patch).
    #[serde(skip)]
    pub mix: f32,
}

impl Default for DistortionSettings {
    fn default() -> Self {
        Self {
            mode: DistortionMode::SoftClip,
            drive_db: 12.0,
            tone_hz: 20_000.0,
            bits: 8.0,
            crush_rate_hz: 192_000.0,
            mix: 1.0,
        }
    }
}

impl DistortionSettings {
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
            drive_db: c(self.drive_db, d.drive_db, 0.0, MAX_DRIVE_DB),
            tone_hz: c(self.tone_hz, d.tone_hz, 200.0, 20_000.0),
            bits: c(self.bits, d.bits, 1.0, 16.0),
            crush_rate_hz: c(self.crush_rate_hz, d.crush_rate_hz, 200.0, 192_000.0),
            mix: c(self.mix, d.mix, 0.0, 1.0),
        }
    }
}

/// Windowed-sinc low-pass of `len` taps, cutoff `fc` cycles per sample, unity DC gain.
fn lowpass(len: usize, fc: f64) -> Vec<f64> {
    let w = kaiser_window(len, KAISER_BETA);
    let mid = (len - 1) as f64 / 2.0;
    let mut h: Vec<f64> = (0..len)
        .map(|n| {
            let t = n as f64 - mid;
            let s = if t == 0.0 {
                2.0 * fc
            } else {
                (std::f64::consts::TAU * fc * t).sin() / (std::f64::consts::PI * t)
            };
            s * w[n]
        })
        .collect();
    let sum: f64 = h.iter().sum();
    for v in &mut h {
        *v /= sum;
    }
    h
}

/// One polyphase branch of a 2× stage: its taps, or — in a half-band filter, where every
/// other tap but the centre is zero — the single centre tap (a scaled delay), which halves
/// the half-band stages' work.
#[derive(Debug, Clone)]
enum Phase {
    /// Every tap, newest input first.
    Dense(Vec<f32>),
    /// Only tap `.0` is non-zero, with value `.1`.
    Tap(usize, f32),
}

impl Phase {
    fn new(taps: Vec<f32>) -> Self {
        let nonzero: Vec<usize> = (0..taps.len()).filter(|&k| taps[k].abs() > 1e-9).collect();
        match nonzero.as_slice() {
            [k] => Self::Tap(*k, taps[*k]),
            _ => Self::Dense(taps),
        }
    }

    #[inline]
    fn apply(&self, hist: &[f32]) -> f32 {
        match self {
            Self::Dense(taps) => dot(taps, &hist[..taps.len()]),
            Self::Tap(k, g) => g * hist[*k],
        }
    }
}

/// An input history read newest-first: `slice()[k]` is the input `k` pushes ago.
#[derive(Debug, Clone)]
struct History {
    /// Twice the length, so that `buf[pos..pos + n]` is contiguous.
    buf: Vec<f32>,
    pos: usize,
    n: usize,
}

impl History {
    fn new(n: usize) -> Self {
        let n = n.max(1);
        Self {
            buf: vec![0.0; 2 * n],
            pos: 0,
            n,
        }
    }

    fn clear(&mut self) {
        self.buf.fill(0.0);
        self.pos = 0;
    }

    #[inline]
    fn push(&mut self, x: f32) {
        self.pos = if self.pos == 0 {
            self.n - 1
        } else {
            self.pos - 1
        };
        self.buf[self.pos] = x;
        self.buf[self.pos + self.n] = x;
    }

    #[inline]
    fn slice(&self) -> &[f32] {
        &self.buf[self.pos..self.pos + self.n]
    }
}

/// The even (`p = 0`) or odd (`p = 1`) taps of `h`, scaled by `gain`.
fn branch(h: &[f64], p: usize, gain: f64) -> Vec<f32> {
    (0..h.len().div_ceil(2))
        .map(|k| h.get(2 * k + p).map_or(0.0, |v| (gain * v) as f32))
        .collect()
}

/// A 2× polyphase interpolator: y[2m + p] = Σ_k 2·h[2k + p]·x[m − k].
#[derive(Debug, Clone)]
struct Up2 {
    even: Phase,
    odd: Phase,
    hist: History,
}

impl Up2 {
    fn new(h: &[f64]) -> Self {
        Self {
            even: Phase::new(branch(h, 0, 2.0)),
            odd: Phase::new(branch(h, 1, 2.0)),
            hist: History::new(h.len().div_ceil(2)),
        }
    }

    fn clear(&mut self) {
        self.hist.clear();
    }

    #[inline]
    fn tick(&mut self, x: f32) -> (f32, f32) {
        self.hist.push(x);
        let h = self.hist.slice();
        (self.even.apply(h), self.odd.apply(h))
    }
}

/// A 2× polyphase decimator: y[m] = Σ_i h[i]·u[2m − i], so its delay is exactly (L − 1)/2
/// high-rate samples. The even-indexed inputs u[2m] and the odd ones u[2m + 1] are kept in
/// separate histories: y[m] = Σ_k h[2k]·u[2(m − k)] + Σ_k h[2k + 1]·u[2(m − 1 − k) + 1].
#[derive(Debug, Clone)]
struct Down2 {
    even: Phase,
    odd: Phase,
    hist_even: History,
    hist_odd: History,
}

impl Down2 {
    fn new(h: &[f64]) -> Self {
        let n = h.len().div_ceil(2);
        Self {
            even: Phase::new(branch(h, 0, 1.0)),
            odd: Phase::new(branch(h, 1, 1.0)),
            hist_even: History::new(n),
            hist_odd: History::new(n),
        }
    }

    fn clear(&mut self) {
        self.hist_even.clear();
        self.hist_odd.clear();
    }

    /// Takes the high-rate pair (u[2m], u[2m + 1]) and returns y[m].
    #[inline]
    fn tick(&mut self, a: f32, b: f32) -> f32 {
        self.hist_even.push(a);
        let y = self.even.apply(self.hist_even.slice()) + self.odd.apply(self.hist_odd.slice());
        self.hist_odd.push(b);
        y
    }
}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight partial sums over exact chunks: no bounds checks in the loop, so the compiler
    // vectorises it.
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// One channel's oversampler and shaper state.
#[derive(Debug, Clone)]
struct Channel {
    ups: [Up2; 4],
    downs: [Down2; 4],
    /// The previous shaper input at the 16× rate (ADAA).
    last: f64,
    /// The shaper's antiderivative at `last` (so each sample evaluates it once), for the
    /// mode in `big_f_mode` (`None` after a reset: recomputed before use).
    last_big_f: f64,
    big_f_mode: Option<DistortionMode>,
    /// Bit-crush sample-and-hold: the held value and the phase toward the next sample.
    held: f32,
    hold_phase: f32,
    tone: f32,
    dry: DelayLine,
}

impl Channel {
    fn new(kernels: &[Vec<f64>; 4], first_up: &[f64]) -> Self {
        Self {
            ups: std::array::from_fn(|i| {
                if i == 0 {
                    Up2::new(first_up)
                } else {
                    Up2::new(&kernels[i])
                }
            }),
            downs: std::array::from_fn(|i| Down2::new(&kernels[i])),
            last: 0.0,
            last_big_f: 0.0,
            big_f_mode: None,
            held: 0.0,
            hold_phase: 1.0,
            tone: 0.0,
            dry: DelayLine::new(LATENCY_SAMPLES as usize + 1),
        }
    }

    fn clear(&mut self) {
        for u in &mut self.ups {
            u.clear();
        }
        for d in &mut self.downs {
            d.clear();
        }
        self.last = 0.0;
        self.last_big_f = 0.0;
        self.big_f_mode = None;
        self.held = 0.0;
        self.hold_phase = 1.0;
        self.tone = 0.0;
        self.dry.clear();
    }

    /// Up-samples `x` 16×, shapes, down-samples.
    #[inline]
    fn oversampled(&mut self, x: f32, mode: DistortionMode) -> f32 {
        let mut a = [0.0f32; OVERSAMPLING];
        let mut b = [0.0f32; OVERSAMPLING];
        a[0] = x;
        let mut n = 1;
        for up in &mut self.ups {
            for i in 0..n {
                let (p, q) = up.tick(a[i]);
                b[2 * i] = p;
                b[2 * i + 1] = q;
            }
            std::mem::swap(&mut a, &mut b);
            n *= 2;
        }
        if self.big_f_mode != Some(mode) {
            // A new mode (or a reset): the kept antiderivative must be the new shaper's.
            self.last_big_f = match mode {
                DistortionMode::SoftClip => log_cosh(self.last),
                DistortionMode::HardClip => hard_clip_antiderivative(self.last),
                DistortionMode::Fold => fold_antiderivative(self.last),
                DistortionMode::BitCrush => 0.0,
            };
            self.big_f_mode = Some(mode);
        }
        match mode {
            DistortionMode::SoftClip => self.shape(&mut a, log_cosh, f64::tanh),
            DistortionMode::HardClip => {
                self.shape(&mut a, hard_clip_antiderivative, |x| x.clamp(-1.0, 1.0))
            }
            DistortionMode::Fold => self.shape(&mut a, fold_antiderivative, fold),
            DistortionMode::BitCrush => {}
        }
        for down in self.downs.iter_mut().rev() {
            n /= 2;
            for i in 0..n {
                b[i] = down.tick(a[2 * i], a[2 * i + 1]);
            }
            std::mem::swap(&mut a, &mut b);
        }
        a[0]
    }
}

impl Channel {
    /// First-order ADAA of the shaper `f` with antiderivative `big_f` over the 16× block
    /// `a` in place: each output is the mean of `f` over the segment from the previous
    /// input to this one (`f` at the midpoint when they nearly coincide). The
    /// antiderivative at the previous input is kept, so each sample evaluates it once.
    #[inline]
    fn shape(
        &mut self,
        a: &mut [f32; OVERSAMPLING],
        big_f: impl Fn(f64) -> f64,
        f: impl Fn(f64) -> f64,
    ) {
        let (mut x0, mut f0) = (self.last, self.last_big_f);
        for v in a.iter_mut() {
            let x1 = f64::from(*v);
            let f1 = big_f(x1);
            let dx = x1 - x0;
            *v = if dx.abs() > 1e-6 {
                (f1 - f0) / dx
            } else {
                f(0.5 * (x0 + x1))
            } as f32;
            x0 = x1;
            f0 = f1;
        }
        self.last = x0;
        self.last_big_f = f0;
    }
}

/// The antiderivative of clamp(x, −1, 1).
#[inline]
fn hard_clip_antiderivative(x: f64) -> f64 {
    if x.abs() <= 1.0 {
        0.5 * x * x
    } else {
        x.abs() - 0.5
    }
}

/// ln cosh x, the antiderivative of tanh, without overflow: |x| + ln(1 + e^(−2|x|)) − ln 2
/// (the middle term is below 1e-16 beyond |x| = 19 and skipped).
#[inline]
fn log_cosh(x: f64) -> f64 {
    let a = x.abs();
    let tail = if a < 19.0 {
        (-2.0 * a).exp().ln_1p()
    } else {
        0.0
    };
    a + tail - std::f64::consts::LN_2
}

/// The sine folder, sin(π/2 · x).
#[inline]
fn fold(x: f64) -> f64 {
    (std::f64::consts::FRAC_PI_2 * x).sin()
}

/// The sine folder's antiderivative, −(2/π)·cos(π/2 · x).
#[inline]
fn fold_antiderivative(x: f64) -> f64 {
    -std::f64::consts::FRAC_2_PI * (std::f64::consts::FRAC_PI_2 * x).cos()
}

/// The distortion.
#[derive(Debug, Clone)]
pub struct Distortion {
    sample_rate: f32,
    settings: DistortionSettings,
    channels: [Channel; 2],
    /// The drive as a linear gain.
    drive: Smoothed,
    mix: Smoothed,
    /// The tone low-pass's one-pole coefficient (1 = open).
    tone_coef: f32,
}

impl Distortion {
    /// A distortion at `sample_rate` Hz with the default settings. Allocates.
    pub fn new(sample_rate: f32) -> Self {
        let kernels: [Vec<f64>; 4] =
            std::array::from_fn(|i| lowpass(STAGE_LENGTHS[i], STAGE_CUTOFFS[i]));
        let first_up = lowpass(FIRST_UP_LENGTH, 0.25);
        let sr = sanitize_rate(sample_rate);
        let mut d = Self {
            sample_rate: sr,
            settings: DistortionSettings::default(),
            channels: [
                Channel::new(&kernels, &first_up),
                Channel::new(&kernels, &first_up),
            ],
            drive: Smoothed::new(1.0, 10.0, sr),
            mix: Smoothed::new(1.0, 10.0, sr),
            tone_coef: 1.0,
        };
        d.set_settings(d.settings);
        d.reset();
        d
    }

    /// The current settings (clamped).
    pub fn settings(&self) -> DistortionSettings {
        self.settings
    }

    /// Sets the settings (clamped; non-finite values become defaults). Drive and mix glide;
    /// the mode, tone and crush settings change at once.
    pub fn set_settings(&mut self, settings: DistortionSettings) {
        let s = settings.clamped();
        self.settings = s;
        self.drive.set_target(10f32.powf(s.drive_db / 20.0));
        self.mix.set_target(s.mix);
        self.tone_coef = if s.tone_hz >= 20_000.0 || s.tone_hz >= 0.45 * self.sample_rate {
            1.0
        } else {
            1.0 - (-std::f32::consts::TAU * s.tone_hz / self.sample_rate).exp()
        };
    }
}

fn sanitize_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() {
        sample_rate.clamp(8_000.0, 384_000.0)
    } else {
        48_000.0
    }
}

impl Effect for Distortion {
    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sanitize_rate(sample_rate);
        self.drive.set_time(10.0, self.sample_rate);
        self.mix.set_time(10.0, self.sample_rate);
        self.set_settings(self.settings);
        self.reset();
    }

    fn reset(&mut self) {
        for c in &mut self.channels {
            c.clear();
        }
        self.drive.settle();
        self.mix.settle();
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let mode = self.settings.mode;
        let tone = self.tone_coef;
        let q = 2f32.powf(1.0 - self.settings.bits);
        let hold_step = (self.settings.crush_rate_hz / self.sample_rate).min(1.0);
        for i in 0..n {
            let drive = self.drive.next();
            let mix = self.mix.next();
            for (c, ch) in self.channels.iter_mut().enumerate() {
                let x = if c == 0 { left[i] } else { right[i] };
                let x = if x.is_finite() { x } else { 0.0 };
                let dry = ch.dry.read_int(LATENCY_SAMPLES as usize);
                ch.dry.push(x);
                let mut v = x * drive;
                if mode == DistortionMode::BitCrush {
                    ch.hold_phase += hold_step;
                    if ch.hold_phase >= 1.0 {
                        ch.hold_phase -= 1.0;
                        ch.held = (v.clamp(-1.0, 1.0) / q).round() * q;
                    }
                    v = ch.held;
                }
                let mut y = ch.oversampled(v, mode);
                if !y.is_finite() || y.abs() < 1e-30 {
                    y = 0.0;
                }
                ch.tone += (y - ch.tone) * tone;
                if ch.tone.abs() < 1e-30 {
                    ch.tone = 0.0;
                }
                let out = dry + (ch.tone - dry) * mix;
                if c == 0 {
                    left[i] = out;
                } else {
                    right[i] = out;
                }
            }
        }
    }

    fn latency_samples(&self) -> u32 {
        LATENCY_SAMPLES
    }
}
