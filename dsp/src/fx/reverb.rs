//! An algorithmic stereo reverb: a 16-line feedback delay network with a slowly rotating
//! (time-varying, always orthogonal) feedback matrix.
//!
//! Topology (Jot & Chaigne, "Digital delay networks for designing artificial reverberators",
//! AES 90th Convention, 1991):
//! - a stereo pre-delay (0–250 ms, glides without clicks), a DC blocker and four Schroeder
//!   all-pass diffusers per channel (1.3–5.1 ms, g = 0.6) that smear the onset;
//! - 16 delay lines of mutually prime lengths (distinct primes, spread exponentially from 20 to
//!   80 ms and scaled by the size: ×0.25 … ×2), left input feeding lines 0–7, right 8–15;
//! - per line, Jot's absorbent filter: a gain `g_i = 10^(−3 m_i / (f_s T₆₀))` for a line of `m_i`
//!   samples (so every line loses 60 dB in `T₆₀` seconds whatever its length: the decay is
//!   exactly the set RT60 at low frequencies) times a one-pole low-pass whose Nyquist gain is
//!   `g_i^{1/α}` (so the RT60 at Nyquist is `α T₆₀`, `α = 10^{−damping}`);
//! - the feedback matrix: a 16 × 16 Hadamard (normalised, fast Walsh–Hadamard transform)
//!   followed by eight Givens rotations of line pairs, each turning at its own slow rate
//!   (0.11–0.61 Hz). This is the time-varying feedback matrix of Schlecht & Habets
//!   ("Time-varying feedback matrices in feedback delay networks and their application in
//!   artificial reverberation", JASA 138(3), 2015): the matrix is orthogonal at every sample, so
//!   the modulation breaks up the fixed modes that make a static FDN ring metallically without
//!   touching the decay and without the high-frequency loss of modulated, interpolated delays.
//! - the stereo outputs are two orthogonal ±1 combinations of the lines; `width` scales the
//!   side signal (0 = mono wet, 1 = full width).
//!
//! Size changes glide the line lengths (at a control rate of [`CONTROL_INTERVAL`] samples, with
//! per-sample linear ramps, 150 ms), decay and damping glide in the log domain; mix and width
//! are smoothed per sample.
//!
//! Level: the wet signal's energy grows with the decay; for decays above 1 s the input is
//! scaled by `1/√(T₆₀ / 1 s)` so that a long tail does not swamp the mix (the tail's energy stays
//! that of a 1 s reverb).

use super::{Effect, Smoothed};
use serde::{Deserialize, Serialize};

/// Number of delay lines in the network.
pub const LINES: usize = 16;
/// Control-rate interval, in samples: line lengths and loss filters follow their smoothers
/// this often while they move.
pub const CONTROL_INTERVAL: u32 = 32;
/// The longest pre-delay, in ms.
pub const MAX_PREDELAY_MS: f32 = 250.0;
/// The shortest decay (RT60), in seconds.
pub const MIN_DECAY_S: f32 = 0.1;
/// The longest decay (RT60), in seconds.
pub const MAX_DECAY_S: f32 = 30.0;
/// The output's safety clamp, in full-scale units (+30 dB).
pub const OUTPUT_LIMIT: f32 = 32.0;

/// The line lengths at size scale 1, in ms (20–80 ms, exponentially spaced, slightly
/// jittered; the samples counts are then moved to distinct primes).
const BASE_MS: [f32; LINES] = [
    20.0, 22.3, 24.6, 27.8, 30.9, 33.6, 37.9, 41.3, 45.7, 50.2, 54.1, 59.8, 64.3, 70.7, 74.6, 80.0,
];
/// The largest size scale.
const MAX_SCALE: f32 = 2.0;
/// The all-pass diffusers' lengths, in ms (left, right).
const DIFFUSER_MS: [[f32; 4]; 2] = [[1.3, 2.1, 3.4, 5.1], [1.4, 2.3, 3.1, 4.7]];
/// The diffusers' all-pass gain.
const DIFFUSER_GAIN: f32 = 0.6;
/// The rotation rates of the eight line pairs, in Hz.
const ROTATION_HZ: [f64; LINES / 2] = [0.11, 0.17, 0.23, 0.29, 0.37, 0.43, 0.53, 0.61];
/// The Hadamard rows used as the left and right output taps.
const TAP_ROWS: [usize; 2] = [6, 11];
/// Smoothing times, in ms.
const SIZE_SMOOTH_MS: f32 = 150.0;
const DECAY_SMOOTH_MS: f32 = 50.0;
const PREDELAY_SMOOTH_MS: f32 = 50.0;
const MIX_SMOOTH_MS: f32 = 20.0;

/// The reverb's settings, in user units. `Reverb::set_settings` clamps them (non-finite →
/// default).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReverbSettings {
    /// Room size, 0–1 (scales the line lengths ×0.25 … ×2: lines of 5–20 ms up to 40–160
    /// ms; default 0.5).
    pub size: f32,
    /// Decay time: the RT60 at low frequencies, in seconds (0.1–30; default 2.5).
    pub decay_s: f32,
    /// Pre-delay, in ms (0–250; default 20).
    pub predelay_ms: f32,
    /// High-frequency damping, 0–1: the RT60 at Nyquist is `decay_s · 10^{−damping}` (0 = as
    /// long as the low frequencies, 1 = a tenth; default 0.3).
    pub damping: f32,
    /// Stereo width of the wet signal, 0–1 (0 = mono; default 1).
    pub width: f32,
    /// Dry/wet mix, 0–1 (default 0.3).
    /// In the rack the slot's mix takes its place (held at 1 here; not stored in a patch).
    #[serde(skip)]
    pub mix: f32,
}

impl Default for ReverbSettings {
    fn default() -> Self {
        Self {
            size: 0.5,
            decay_s: 2.5,
            predelay_ms: 20.0,
            damping: 0.3,
            width: 1.0,
            mix: 0.3,
        }
    }
}

/// `value` clamped to `lo..=hi`, or `default` if it is not finite.
fn clamp_or(value: f32, lo: f32, hi: f32, default: f32) -> f32 {
    if value.is_finite() {
        value.clamp(lo, hi)
    } else {
        default
    }
}

impl ReverbSettings {
    /// These settings with every value inside its range (non-finite → the default's).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        Self {
            size: clamp_or(self.size, 0.0, 1.0, d.size),
            decay_s: clamp_or(self.decay_s, MIN_DECAY_S, MAX_DECAY_S, d.decay_s),
            predelay_ms: clamp_or(self.predelay_ms, 0.0, MAX_PREDELAY_MS, d.predelay_ms),
            damping: clamp_or(self.damping, 0.0, 1.0, d.damping),
            width: clamp_or(self.width, 0.0, 1.0, d.width),
            mix: clamp_or(self.mix, 0.0, 1.0, d.mix),
        }
    }

    /// The line-length scale of this size (0.25–2).
    pub fn scale(&self) -> f32 {
        0.25 * 8f32.powf(self.size)
    }
}

/// Whether `n` is prime (trial division; `n` is at most a few hundred thousand).
fn is_prime(n: usize) -> bool {
    if n < 2 {
        return false;
    }
    if n % 2 == 0 {
        return n == 2;
    }
    let mut d = 3;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 2;
    }
    true
}

/// The line lengths for a size scale at a sample rate: distinct primes, increasing.
fn prime_lengths(scale: f32, sample_rate: f32) -> [usize; LINES] {
    let mut out = [0; LINES];
    let mut last = 0;
    for (o, ms) in out.iter_mut().zip(BASE_MS) {
        let mut n = ((ms * scale * 1e-3 * sample_rate).round() as usize).max(last + 1);
        while !is_prime(n) {
            n += 1;
        }
        *o = n;
        last = n;
    }
    out
}

/// The per-line loss coefficients (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineLoss {
    /// The one-pole's input gain `g (1 − b)`.
    pub gain: f32,
    /// The one-pole's feedback `b` (0–1).
    pub pole: f32,
}

impl LineLoss {
    /// The loss of a line of `len` samples for decay `decay_s` at `sample_rate` Hz, with the
    /// high-frequency RT60 ratio `alpha` (0.1–1).
    fn of(len: f32, decay_s: f32, alpha: f32, sample_rate: f32) -> Self {
        // log10 of the DC gain.
        let log_g = -3.0 * len / (sample_rate * decay_s);
        let g = 10f32.powf(log_g);
        // Nyquist gain ratio r = g^(1/α − 1); b = (1 − r) / (1 + r).
        let r = 10f32.powf(log_g * (1.0 / alpha - 1.0));
        let pole = ((1.0 - r) / (1.0 + r)).clamp(0.0, 0.999);
        Self {
            gain: g * (1.0 - pole),
            pole,
        }
    }
}

/// A Schroeder all-pass diffuser on a power-of-two buffer.
#[derive(Debug, Clone)]
struct AllPass {
    buf: Vec<f32>,
    len: usize,
    pos: usize,
}

impl AllPass {
    fn new(ms: f32, sample_rate: f32) -> Self {
        let len = ((ms * 1e-3 * sample_rate).round() as usize).max(1);
        Self {
            buf: vec![0.0; len],
            len,
            pos: 0,
        }
    }

    #[inline]
    fn process(&mut self, x: f32) -> f32 {
        let d = self.buf[self.pos];
        let v = x + DIFFUSER_GAIN * d;
        let y = d - DIFFUSER_GAIN * v;
        self.buf[self.pos] = v;
        self.pos += 1;
        if self.pos == self.len {
            self.pos = 0;
        }
        y
    }
}

/// In-place normalised fast Walsh–Hadamard transform of 16 values (orthogonal).
#[inline]
fn hadamard16(v: &mut [f32; LINES]) {
    let mut h = 1;
    while h < LINES {
        let mut i = 0;
        while i < LINES {
            for j in i..i + h {
                let (a, b) = (v[j], v[j + h]);
                v[j] = a + b;
                v[j + h] = a - b;
            }
            i += 2 * h;
        }
        h *= 2;
    }
    for x in v.iter_mut() {
        *x *= 0.25;
    }
}

/// The stereo reverb (see the module docs).
#[derive(Debug, Clone)]
pub struct Reverb {
    sample_rate: f32,
    settings: ReverbSettings,
    /// The delay lines, each a power-of-two buffer.
    lines: Vec<Vec<f32>>,
    /// `buffer length − 1` (all lines share one length).
    mask: usize,
    write: usize,
    /// Current line lengths, in samples (fractional while gliding).
    len: [f32; LINES],
    /// Per-sample length increments of the current control period.
    len_step: [f32; LINES],
    /// The lengths at the end of the current control period.
    len_end: [f32; LINES],
    /// The (prime) lengths the size asks for.
    len_target: [f32; LINES],
    /// The smoothing coefficient of the lengths per control period.
    len_coef: f32,
    loss: [LineLoss; LINES],
    /// The absorbent filters' states.
    filt: [f32; LINES],
    /// Smoothed ln(decay in s) and damping, at control rate.
    log_decay: Smoothed,
    damping: Smoothed,
    /// Pre-delay lines (left, right) and the smoothed pre-delay in samples.
    pre: [Vec<f32>; 2],
    pre_mask: usize,
    pre_write: usize,
    predelay: Smoothed,
    /// DC blockers' states (x₁, y₁ per channel) and pole.
    dc: [[f32; 2]; 2],
    dc_pole: f32,
    diffusers: [[AllPass; 4]; 2],
    /// The rotations' phasors (cos, sin) and per-sample increments.
    phasor: [(f64, f64); LINES / 2],
    rotation_step: [(f64, f64); LINES / 2],
    width: Smoothed,
    mix: Smoothed,
    /// Input scale for the decay (1/√max(1, T₆₀)), at control rate.
    input_gain: f32,
    countdown: u32,
    moving: bool,
}

/// A usable sample rate (non-finite or tiny → 48 kHz; clamped to 8–768 kHz).
fn sanitize_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() && sample_rate > 0.0 {
        sample_rate.clamp(8_000.0, 768_000.0)
    } else {
        48_000.0
    }
}

impl Reverb {
    /// A reverb at `sample_rate` Hz with default settings.
    ///
    /// # Allocation
    /// Allocates the lines for the largest size and the pre-delay at `sample_rate` (≈ 2.6 MB
    /// at 192 kHz).
    pub fn new(sample_rate: f32) -> Self {
        let sr = sanitize_rate(sample_rate);
        let d = ReverbSettings::default();
        let ctl = sr / CONTROL_INTERVAL as f32;
        let mut r = Self {
            sample_rate: sr,
            settings: d,
            lines: Vec::new(),
            mask: 0,
            write: 0,
            len: [0.0; LINES],
            len_step: [0.0; LINES],
            len_end: [0.0; LINES],
            len_target: [0.0; LINES],
            len_coef: 0.0,
            loss: [LineLoss {
                gain: 0.0,
                pole: 0.0,
            }; LINES],
            filt: [0.0; LINES],
            log_decay: Smoothed::new(d.decay_s.ln(), DECAY_SMOOTH_MS, ctl),
            damping: Smoothed::new(d.damping, DECAY_SMOOTH_MS, ctl),
            pre: [Vec::new(), Vec::new()],
            pre_mask: 0,
            pre_write: 0,
            predelay: Smoothed::new(0.0, PREDELAY_SMOOTH_MS, sr),
            dc: [[0.0; 2]; 2],
            dc_pole: 0.0,
            diffusers: [
                DIFFUSER_MS[0].map(|ms| AllPass::new(ms, sr)),
                DIFFUSER_MS[1].map(|ms| AllPass::new(ms, sr)),
            ],
            phasor: [(1.0, 0.0); LINES / 2],
            rotation_step: [(1.0, 0.0); LINES / 2],
            width: Smoothed::new(d.width, MIX_SMOOTH_MS, sr),
            mix: Smoothed::new(d.mix, MIX_SMOOTH_MS, sr),
            input_gain: 1.0,
            countdown: CONTROL_INTERVAL,
            moving: false,
        };
        r.set_sample_rate(sr);
        r
    }

    /// The current (clamped) settings.
    pub fn settings(&self) -> ReverbSettings {
        self.settings
    }

    /// The line lengths the current size asks for, in samples (distinct primes).
    pub fn line_lengths(&self) -> [usize; LINES] {
        self.len_target.map(|l| l as usize)
    }

    /// Sets the settings (clamped; non-finite → defaults). Everything glides (size 150 ms,
    /// decay/damping/pre-delay 50 ms, width/mix 20 ms). Allocation-free (the prime search for
    /// the line lengths is a few thousand integer operations).
    pub fn set_settings(&mut self, settings: ReverbSettings) {
        self.settings = settings.clamped();
        let s = self.settings;
        let lengths = prime_lengths(s.scale(), self.sample_rate);
        for (t, l) in self.len_target.iter_mut().zip(lengths) {
            *t = l as f32;
        }
        self.log_decay.set_target(s.decay_s.ln());
        self.damping.set_target(s.damping);
        self.predelay
            .set_target(s.predelay_ms * 1e-3 * self.sample_rate);
        self.width.set_target(s.width);
        self.mix.set_target(s.mix);
        self.moving = true;
    }

    /// Advances the control-rate smoothers one control period and re-derives the lengths'
    /// ramps, the losses and the input gain; returns whether anything still moves.
    fn control(&mut self, step: bool) -> bool {
        let mut moving = false;
        if step {
            for s in [&mut self.log_decay, &mut self.damping] {
                s.next();
                if (s.value - s.target).abs() < 1e-5 {
                    s.settle();
                } else {
                    moving = true;
                }
            }
        }
        let inv = 1.0 / CONTROL_INTERVAL as f32;
        for i in 0..LINES {
            // Start the period exactly where the last one was meant to end (no drift).
            self.len[i] = self.len_end[i];
            let target = self.len_target[i];
            let next = if step {
                let n = target + (self.len[i] - target) * self.len_coef;
                if (n - target).abs() < 1e-3 {
                    target
                } else {
                    moving = true;
                    n
                }
            } else {
                self.len[i]
            };
            self.len_step[i] = (next - self.len[i]) * inv;
            self.len_end[i] = next;
        }
        let decay = self.log_decay.value.exp();
        let alpha = 10f32.powf(-self.damping.value);
        for i in 0..LINES {
            // The loss of the length at the end of this period.
            self.loss[i] = LineLoss::of(self.len_end[i], decay, alpha, self.sample_rate);
        }
        self.input_gain = 1.0 / decay.max(1.0).sqrt();
        moving
    }

    /// Renormalises the rotation phasors (once per control period, against rounding drift).
    fn renormalise(&mut self) {
        for p in &mut self.phasor {
            let n = (p.0 * p.0 + p.1 * p.1).sqrt();
            p.0 /= n;
            p.1 /= n;
        }
    }
}

impl Effect for Reverb {
    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sanitize_rate(sample_rate);
        let sr = self.sample_rate;
        let ctl = sr / CONTROL_INTERVAL as f32;
        let longest = BASE_MS[LINES - 1] * MAX_SCALE * 1e-3 * sr;
        // Room for the prime search's overshoot and the interpolation's second tap.
        let size = ((longest * 1.1) as usize + 64).next_power_of_two();
        self.lines = vec![vec![0.0; size]; LINES];
        self.mask = size - 1;
        let pre = ((MAX_PREDELAY_MS * 1e-3 * sr) as usize + 4).next_power_of_two();
        self.pre = [vec![0.0; pre], vec![0.0; pre]];
        self.pre_mask = pre - 1;
        self.diffusers = [
            DIFFUSER_MS[0].map(|ms| AllPass::new(ms, sr)),
            DIFFUSER_MS[1].map(|ms| AllPass::new(ms, sr)),
        ];
        self.dc_pole = (-std::f32::consts::TAU * 20.0 / sr).exp();
        self.len_coef = (-1.0 / (SIZE_SMOOTH_MS * 1e-3 * ctl)).exp();
        self.log_decay.set_time(DECAY_SMOOTH_MS, ctl);
        self.damping.set_time(DECAY_SMOOTH_MS, ctl);
        self.predelay.set_time(PREDELAY_SMOOTH_MS, sr);
        self.width.set_time(MIX_SMOOTH_MS, sr);
        self.mix.set_time(MIX_SMOOTH_MS, sr);
        for (step, hz) in self.rotation_step.iter_mut().zip(ROTATION_HZ) {
            let w = std::f64::consts::TAU * hz / sr as f64;
            *step = (w.cos(), w.sin());
        }
        let s = self.settings;
        self.set_settings(s);
        self.reset();
    }

    fn reset(&mut self) {
        for line in &mut self.lines {
            line.fill(0.0);
        }
        for p in &mut self.pre {
            p.fill(0.0);
        }
        for side in &mut self.diffusers {
            for ap in side.iter_mut() {
                ap.buf.fill(0.0);
                ap.pos = 0;
            }
        }
        self.write = 0;
        self.pre_write = 0;
        self.filt = [0.0; LINES];
        self.dc = [[0.0; 2]; 2];
        self.phasor = [(1.0, 0.0); LINES / 2];
        for s in [
            &mut self.log_decay,
            &mut self.damping,
            &mut self.predelay,
            &mut self.width,
            &mut self.mix,
        ] {
            s.settle();
        }
        self.len = self.len_target;
        self.len_end = self.len_target;
        self.control(false);
        self.countdown = CONTROL_INTERVAL;
        self.moving = false;
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        debug_assert_eq!(left.len(), right.len());
        let taps: [[f32; LINES]; 2] = TAP_ROWS.map(|row| {
            let mut t = [0.0; LINES];
            for (i, v) in t.iter_mut().enumerate() {
                *v = if (i & row).count_ones() % 2 == 0 {
                    0.25
                } else {
                    -0.25
                };
            }
            t
        });
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            self.countdown -= 1;
            if self.countdown == 0 {
                self.countdown = CONTROL_INTERVAL;
                self.renormalise();
                if self.moving {
                    self.moving = self.control(true);
                } else {
                    // No glide (or the last period has ended): hold the lengths exactly.
                    self.len = self.len_end;
                    self.len_step = [0.0; LINES];
                }
            }
            let dry = [
                if l.is_finite() {
                    l.clamp(-1e4, 1e4)
                } else {
                    0.0
                },
                if r.is_finite() {
                    r.clamp(-1e4, 1e4)
                } else {
                    0.0
                },
            ];

            // Pre-delay (linear interpolation while it glides).
            let pd = self.predelay.next();
            let (pi, pf) = (pd.floor() as usize, pd - pd.floor());
            let mut x = [0.0f32; 2];
            for ch in 0..2 {
                let buf = &mut self.pre[ch];
                buf[self.pre_write] = dry[ch];
                let a = buf[(self.pre_write + self.pre_mask + 1 - pi) & self.pre_mask];
                let b = buf[(self.pre_write + 2 * (self.pre_mask + 1) - pi - 1) & self.pre_mask];
                let v = a + (b - a) * pf;
                // DC blocker, then the diffusers.
                let [x1, y1] = self.dc[ch];
                let y = v - x1 + self.dc_pole * y1;
                self.dc[ch] = [v, y];
                let mut d = y * self.input_gain;
                for ap in &mut self.diffusers[ch] {
                    d = ap.process(d);
                }
                x[ch] = d;
            }
            self.pre_write = (self.pre_write + 1) & self.pre_mask;

            // Read the lines, apply the losses.
            let size = self.mask + 1;
            let mut v = [0.0f32; LINES];
            for i in 0..LINES {
                self.len[i] += self.len_step[i];
                let len = self.len[i];
                let li = len as usize;
                let frac = len - li as f32;
                let line = &self.lines[i];
                let a = line[(self.write + size - li) & self.mask];
                let out = if frac == 0.0 {
                    a
                } else {
                    let b = line[(self.write + size - li - 1) & self.mask];
                    a + (b - a) * frac
                };
                let lp = &self.loss[i];
                let mut f = lp.gain * out + lp.pole * self.filt[i];
                if f.abs() < 1e-20 {
                    f = 0.0;
                }
                self.filt[i] = f;
                v[i] = f;
            }
            let mut wet = [0.0f32; 2];
            for (w, tap) in wet.iter_mut().zip(&taps) {
                *w = v.iter().zip(tap).map(|(a, b)| a * b).sum();
            }

            // Feedback: Hadamard, rotations, input, write.
            hadamard16(&mut v);
            for (k, (p, step)) in self.phasor.iter_mut().zip(&self.rotation_step).enumerate() {
                let (c, s) = (p.0 as f32, p.1 as f32);
                let (a, b) = (v[2 * k], v[2 * k + 1]);
                v[2 * k] = c * a - s * b;
                v[2 * k + 1] = s * a + c * b;
                *p = (p.0 * step.0 - p.1 * step.1, p.1 * step.0 + p.0 * step.1);
            }
            for i in 0..LINES {
                let input = x[i / (LINES / 2)];
                self.lines[i][self.write] = v[i] + input;
            }
            self.write = (self.write + 1) & self.mask;

            // Width (mid/side on the wet) and mix.
            let width = self.width.next();
            let mix = self.mix.next();
            let mid = 0.5 * (wet[0] + wet[1]);
            let side = 0.5 * (wet[0] - wet[1]) * width;
            *l = (dry[0] * (1.0 - mix) + (mid + side) * mix).clamp(-OUTPUT_LIMIT, OUTPUT_LIMIT);
            *r = (dry[1] * (1.0 - mix) + (mid - side) * mix).clamp(-OUTPUT_LIMIT, OUTPUT_LIMIT);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_distinct_primes_within_the_buffer() {
        for sr in [22_050.0, 48_000.0, 192_000.0] {
            for size in [0.0, 0.5, 1.0] {
                let s = ReverbSettings {
                    size,
                    ..Default::default()
                };
                let l = prime_lengths(s.scale(), sr);
                for w in l.windows(2) {
                    assert!(w[0] < w[1]);
                }
                assert!(l.iter().all(|&n| is_prime(n)));
                let r = Reverb::new(sr);
                assert!(l[LINES - 1] + 2 < r.mask + 1);
            }
        }
    }

    #[test]
    fn hadamard_is_orthogonal() {
        let mut v = [0.0; LINES];
        v[3] = 1.0;
        v[9] = -2.0;
        let e0: f32 = v.iter().map(|x| x * x).sum();
        hadamard16(&mut v);
        let e1: f32 = v.iter().map(|x| x * x).sum();
        assert!((e0 - e1).abs() < 1e-5);
    }

    #[test]
    fn loss_filter_meets_its_dc_and_nyquist_gains() {
        let (len, t, alpha, sr) = (2000.0, 2.0, 0.25, 48_000.0);
        let l = LineLoss::of(len, t, alpha, sr);
        let dc = l.gain / (1.0 - l.pole);
        let nyq = l.gain / (1.0 + l.pole);
        let g = 10f32.powf(-3.0 * len / (sr * t));
        assert!((dc - g).abs() < 1e-5, "{dc} vs {g}");
        assert!((nyq - g.powf(1.0 / alpha)).abs() < 1e-4);
    }
}
