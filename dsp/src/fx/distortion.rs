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
//! inharmonic energy below −80 dB of the harmonics in every shaping mode (soft clip −116.3 dB,
//! hard clip −88.8 dB, fold −81.6 dB).
//!
//! The latency, [`LATENCY_SAMPLES`] at every rate, is reported by [`Effect::latency_samples`].
//!
//! # Cost
//!
//! The host block is cut into chunks of up to 64 samples and every step runs over a whole
//! chunk: each 2× stage is a polyphase correlation vectorised across 32 outputs (a
//! half-band's zero taps skipped: one of its branches is a single tap), and the shapers are
//! branch-free f32 loops over the chunk's 1 024 samples at 16×. The same code is compiled
//! plain and for AVX2 (chosen at run time); it uses no `mul_add`, so both round alike and the
//! output is bit-identical on either path. The ADAA quotients are rewritten so that nothing
//! cancels in f32 (see each shaper; the textbook form needs f64), with `exp`/`ln`/`sin` as
//! polynomials (errors ≈ 1e-7, each shaper within 5e-7 of an f64 evaluation, tested).
//!
//! We kept the linear-phase FIR stages rather than polyphase-allpass IIR half-bands: those are
//! cheaper per stage, but their phase is not linear, so a partly wet mix would comb against
//! the delayed dry signal; vectorised, the sixteen FIR branches cost under 23 µs per block
//! (the hard clip's total below), and the soft clip's tanh ADAA is now the larger part.
//!
//! Measured with `cargo bench -p wavecube-dsp --bench fx_a -- distortion --measurement-time 3
//! --warm-up-time 1 --noplot`, median per 256-sample stereo block at 48 kHz (24 dB of drive)
//! on a shared 2-core Zen 4 (both runs at a moment when the rack bench without the distortion
//! read 140 µs, as on the idle machine; under heavier load the soft clip read up to 106 µs),
//! before → after: soft clip 584 → 69 µs (2.28 → 0.27 µs per stereo sample), hard clip
//! 451 → 23 µs, fold 571 → 37 µs, bit-crush 441 → 29 µs. The whole rack, every effect on:
//! 561 → 212 µs per block (10.5 → 4.0 % of a core at 48 kHz).

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

/// The number of 2× stages (2^4 = [`OVERSAMPLING`]).
const STAGES: usize = 4;
/// The 2× stages' FIR lengths, from the host rate upward.
const STAGE_LENGTHS: [usize; STAGES] = [181, 33, 29, 25];
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
const STAGE_CUTOFFS: [f64; STAGES] = [0.23, 0.25, 0.25, 0.25];
/// The Kaiser window's β for every stage (≈ 110 dB stop band).
const KAISER_BETA: f64 = 11.0;
/// Host samples processed as one block through the oversampler (the host's block is cut
/// into chunks of at most this many).
const CHUNK: usize = 64;
/// The largest magnitude the oversampler and shaper see after the drive: far beyond any
/// signal (+80 dBFS), it keeps a huge finite input from overflowing to infinity.
const MAX_SHAPER_INPUT: f32 = 1e4;

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

/// The even (`p = 0`) or odd (`p = 1`) taps of `h`, scaled by `gain`, newest input first
/// (`[k]` weights the input `k` branch samples ago).
fn branch_taps(h: &[f64], p: usize, gain: f64) -> Vec<f32> {
    (0..h.len().div_ceil(2))
        .map(|k| h.get(2 * k + p).map_or(0.0, |v| (gain * v) as f32))
        .collect()
}

/// Taps below this are zero (a half-band's every other tap is `sin(kπ)`-small, not 0.0).
const ZERO_TAP: f32 = 1e-9;

/// One polyphase branch of a 2× stage, applied to a block as a correlation over a window
/// whose last `len − 1 + n` samples are the branch's input history and the block:
/// `out[m] = Σ_j taps[j] · window[m + offset + j]` (oldest input first).
#[derive(Debug, Clone)]
enum Branch {
    /// The non-zero run of taps.
    Dense {
        /// The window index of the first tap (zero taps at the old end skipped).
        offset: usize,
        /// The taps, oldest input first.
        taps: Vec<f32>,
    },
    /// A half-band's other branch: one non-zero tap, i.e. a scaled delay.
    Tap {
        /// The window index of the tap.
        offset: usize,
        /// The tap's value.
        gain: f32,
    },
}

impl Branch {
    /// From taps newest input first (`h[k]` weights the input `k` samples ago), for a
    /// window whose newest sample at block position `m` sits at index `m + h.len() − 1`.
    fn new(h: &[f32]) -> Self {
        let oldest_first: Vec<f32> = h.iter().rev().copied().collect();
        let nonzero: Vec<usize> = (0..oldest_first.len())
            .filter(|&j| oldest_first[j].abs() > ZERO_TAP)
            .collect();
        match nonzero.as_slice() {
            [] => Self::Tap {
                offset: 0,
                gain: 0.0,
            },
            [j] => Self::Tap {
                offset: *j,
                gain: oldest_first[*j],
            },
            [first, .., last] => Self::Dense {
                offset: *first,
                taps: oldest_first[*first..=*last].to_vec(),
            },
        }
    }

    /// Filters one block: `out.len()` outputs from `window` (history, then the block).
    #[inline(always)]
    fn run(&self, window: &[f32], out: &mut [f32]) {
        match self {
            Self::Dense { offset, taps } => correlate(taps, &window[*offset..], out),
            Self::Tap { offset, gain } => {
                for (o, &x) in out.iter_mut().zip(&window[*offset..]) {
                    *o = gain * x;
                }
            }
        }
    }
}

/// Output samples computed together by [`correlate`]: four AVX vectors of accumulators.
const LANES: usize = 32;

/// `out[m] = Σ_j taps[j] · x[m + j]`, vectorised across `m` (each output's sum runs over
/// `j` in order, in the blocked loop and the scalar tail alike, so the result does not depend
/// on where a block starts: splitting the stream differently gives bit-identical output).
#[inline(always)]
fn correlate(taps: &[f32], x: &[f32], out: &mut [f32]) {
    debug_assert!(x.len() + 1 >= out.len() + taps.len());
    let mut blocks = out.chunks_exact_mut(LANES);
    let mut m = 0;
    for block in &mut blocks {
        let mut acc = [0.0f32; LANES];
        for (j, &c) in taps.iter().enumerate() {
            let xs: &[f32; LANES] = x[m + j..m + j + LANES]
                .try_into()
                .expect("a window of LANES samples");
            for t in 0..LANES {
                acc[t] += c * xs[t];
            }
        }
        block.copy_from_slice(&acc);
        m += LANES;
    }
    for o in blocks.into_remainder() {
        let mut acc = 0.0f32;
        for (j, &c) in taps.iter().enumerate() {
            acc += c * x[m + j];
        }
        *o = acc;
        m += 1;
    }
}

/// A linear buffer: `hist` samples of history followed by room for one block.
#[derive(Debug, Clone)]
struct Line {
    buf: Vec<f32>,
    hist: usize,
}

impl Line {
    /// Allocates.
    fn new(hist: usize, max_block: usize) -> Self {
        Self {
            buf: vec![0.0; hist + max_block],
            hist,
        }
    }

    fn clear(&mut self) {
        self.buf.fill(0.0);
    }

    /// Where the next block of `n` samples goes.
    #[inline(always)]
    fn input(&mut self, n: usize) -> &mut [f32] {
        &mut self.buf[self.hist..self.hist + n]
    }

    /// The history and the block of `n` samples.
    #[inline(always)]
    fn window(&self, n: usize) -> &[f32] {
        &self.buf[..self.hist + n]
    }

    /// Keeps the newest `hist` samples as the next block's history.
    #[inline(always)]
    fn advance(&mut self, n: usize) {
        self.buf.copy_within(n..n + self.hist, 0);
    }
}

/// A 2× polyphase interpolator: y[2m + p] = Σ_k 2·h[2k + p]·x[m − k].
#[derive(Debug, Clone)]
struct Up2 {
    even: Branch,
    odd: Branch,
    line: Line,
}

impl Up2 {
    /// Allocates.
    fn new(h: &[f64], max_block: usize) -> Self {
        let len = h.len().div_ceil(2);
        Self {
            even: Branch::new(&branch_taps(h, 0, 2.0)),
            odd: Branch::new(&branch_taps(h, 1, 2.0)),
            line: Line::new(len - 1, max_block),
        }
    }

    fn clear(&mut self) {
        self.line.clear();
    }

    /// Interpolates the `n` samples already written to `line.input(n)` into `out` (2n),
    /// using `even` and `odd` (≥ n each) as scratch.
    #[inline(always)]
    fn process(&mut self, n: usize, out: &mut [f32], even: &mut [f32], odd: &mut [f32]) {
        let (even, odd) = (&mut even[..n], &mut odd[..n]);
        let window = self.line.window(n);
        self.even.run(window, even);
        self.odd.run(window, odd);
        for (pair, (&e, &o)) in out.chunks_exact_mut(2).zip(even.iter().zip(odd.iter())) {
            pair[0] = e;
            pair[1] = o;
        }
        self.line.advance(n);
    }
}

/// A 2× polyphase decimator: y[m] = Σ_i h[i]·u[2m − i], so its delay is exactly (L − 1)/2
/// high-rate samples. The even-indexed inputs u[2m] and the odd ones u[2m + 1] are kept in
/// separate lines: y[m] = Σ_k h[2k]·u[2(m − k)] + Σ_k h[2k + 1]·u[2(m − 1 − k) + 1] (the
/// odd line keeps one more sample of history, and its window stops before the newest).
#[derive(Debug, Clone)]
struct Down2 {
    even: Branch,
    odd: Branch,
    even_line: Line,
    odd_line: Line,
}

impl Down2 {
    /// Allocates.
    fn new(h: &[f64], max_block: usize) -> Self {
        let len = h.len().div_ceil(2);
        Self {
            even: Branch::new(&branch_taps(h, 0, 1.0)),
            odd: Branch::new(&branch_taps(h, 1, 1.0)),
            even_line: Line::new(len - 1, max_block),
            odd_line: Line::new(len, max_block),
        }
    }

    fn clear(&mut self) {
        self.even_line.clear();
        self.odd_line.clear();
    }

    /// Decimates `input` (2n) into `out` (n), using `scratch` (≥ n).
    #[inline(always)]
    fn process(&mut self, input: &[f32], out: &mut [f32], scratch: &mut [f32]) {
        let n = out.len();
        debug_assert_eq!(input.len(), 2 * n);
        {
            let even = self.even_line.input(n);
            let odd = self.odd_line.input(n);
            for (pair, (e, o)) in input
                .chunks_exact(2)
                .zip(even.iter_mut().zip(odd.iter_mut()))
            {
                *e = pair[0];
                *o = pair[1];
            }
        }
        let scratch = &mut scratch[..n];
        self.even.run(self.even_line.window(n), out);
        self.odd.run(self.odd_line.window(n), scratch);
        for (o, &s) in out.iter_mut().zip(scratch.iter()) {
            *o += s;
        }
        self.even_line.advance(n);
        self.odd_line.advance(n);
    }
}

// ---------------------------------------------------------------------------------------
// The shapers, in f32 and branch-free (selects, not jumps) so that a block of them
// vectorises. Each is first-order ADAA: the mean of the curve f over the segment from the
// previous input x0 to this one x1, (F(x1) − F(x0)) / (x1 − x0) for the antiderivative F,
// rewritten so that nothing cancels when x1 ≈ x0 (the textbook form loses every digit of an
// f32 there, which is why the first version ran the shapers in f64).
// ---------------------------------------------------------------------------------------

/// e^x for x ≤ 0 (x below −87 counts as −87, where e^x ≈ 1.6e-38 is still a normal f32):
/// Cody–Waite reduction by ln 2 and Cephes' `expf` polynomial (relative error ≈ 1e-7).
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    let x = x.clamp(-87.0, 0.0);
    let k = (x * std::f32::consts::LOG2_E + 0.5).floor();
    let r = x - k * 0.693_359_4 + k * 2.121_944_4e-4;
    let r2 = r * r;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let e_r = p * r2 + r + 1.0;
    // k is in −126..=0 here, so 2^k is a normal f32 built from its exponent bits. The biased
    // exponent k + 127 is read from the low mantissa bits of 2^23 + k + 127, not by `as`,
    // whose saturating conversion does not vectorise.
    let biased = (k + (127.0 + 8_388_608.0)).to_bits() - 0x4b00_0000;
    let two_k = f32::from_bits(biased << 23);
    e_r * two_k
}

/// ln x for a positive normal x: the exponent, and ln of the mantissa f in [√½, √2) by
/// Cephes' `logf` polynomial in f − 1 (no division; error ≈ 1e-7 · max(1, |ln x|)).
#[inline(always)]
fn ln_positive(x: f32) -> f32 {
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let mantissa = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = mantissa > std::f32::consts::SQRT_2;
    let u = if big { 0.5 * mantissa } else { mantissa } - 1.0;
    let e = (exponent + i32::from(big)) as f32;
    let u2 = u * u;
    let p = horner(u, &LN_1P_TAIL) * u * u2;
    // ln 2 split as 0.693359375 (exact) − 2.12194440e-4, so e·ln 2 adds no rounding.
    let y = p - 2.121_944_4e-4 * e - 0.5 * u2;
    u + y + 0.693_359_4 * e
}

/// Cephes' `logf`: ln(1 + u) = u − u²/2 + u³·Σ c[i]·u^i for u in [√½ − 1, √2 − 1].
const LN_1P_TAIL: [f32; 9] = [
    3.333_333e-1,
    -2.499_999_4e-1,
    2.000_071_5e-1,
    -1.666_805_8e-1,
    1.424_932_3e-1,
    -1.242_014_1e-1,
    1.167_699_9e-1,
    -1.151_461e-1,
    7.037_683_6e-2,
];

/// Σ c[i]·x^i by Horner's rule (`c` from the constant term up).
#[inline(always)]
fn horner(x: f32, c: &[f32]) -> f32 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * x + ci)
}

/// tanh x / x = Σ c[i]·x^(2i) (its Taylor series, to x^10: error below 1e-10 for
/// |x| ≤ 0.25).
const TANH_X_OVER_X: [f32; 6] = [
    1.0,
    -1.0 / 3.0,
    2.0 / 15.0,
    -17.0 / 315.0,
    62.0 / 2_835.0,
    -1_382.0 / 155_925.0,
];

/// atanh x / x = Σ x^(2i) / (2i + 1) (to x^14: error below 1e-9 for |x| ≤ 0.25).
const ATANH_X_OVER_X: [f32; 8] = [
    1.0,
    1.0 / 3.0,
    1.0 / 5.0,
    1.0 / 7.0,
    1.0 / 9.0,
    1.0 / 11.0,
    1.0 / 13.0,
    1.0 / 15.0,
];

/// Half steps below this use the series form of [`soft_clip_adaa`].
const SOFT_CLIP_SMALL_STEP: f32 = 0.25;
/// Half steps from this up use the direct quotient in [`soft_clip_adaa`].
const SOFT_CLIP_HUGE_STEP: f32 = 8.0;

/// ADAA of tanh: (F(x1) − F(x0)) / (x1 − x0) with F(x) = ln cosh x. With the midpoint m and
/// the half step h, cosh(m + h) / cosh(m − h) = (1 + z) / (1 − z) for z = tanh m · tanh h,
/// so the mean is atanh(z) / h: no difference of nearly equal numbers. By |h|:
/// - below 0.25: sign(m) · (atanh z / z) · |tanh m| · (tanh h / h), both quotients by their
///   Taylor series (|z| < tanh 0.25; truncation error below 1e-9);
/// - 0.25 to 8: sign(m) · ln((2 − c) / c) / (2|h|) with c = 1 − |z| formed as
///   (1 − |tanh m|) + |tanh m| · (1 − |tanh h|), each complement 2e/(1 + e) from
///   e = e^(−2|x|), so c keeps its digits when |z| is near 1 (and stays above 1e-7);
/// - from 8: the quotient itself, F(x) = |x| + ln(1 + e^(−2|x|)) − ln 2, well-conditioned
///   for steps of 16 and more (only extreme signals take such steps at 16×).
///
/// Error against an f64 evaluation: below 3e-7 (the tests).
#[inline(always)]
fn soft_clip_adaa(x0: f32, x1: f32) -> f32 {
    let near = soft_clip_adaa_near(x0, x1);
    let tail = |x: f32| 1.0 + exp_nonpositive(-2.0 * x.abs());
    let huge = ((x1.abs() - x0.abs()) + ln_positive(tail(x1) / tail(x0))) / (x1 - x0);
    if (0.5 * (x1 - x0)).abs() < SOFT_CLIP_HUGE_STEP {
        near
    } else {
        huge
    }
}

/// [`soft_clip_adaa`] for half steps below [`SOFT_CLIP_HUGE_STEP`].
#[inline(always)]
fn soft_clip_adaa_near(x0: f32, x1: f32) -> f32 {
    let m = 0.5 * (x0 + x1);
    let b = (0.5 * (x1 - x0)).abs();
    let ea = exp_nonpositive(-2.0 * m.abs());
    let ra = 1.0 / (1.0 + ea);
    let tanh_a = (1.0 - ea) * ra;
    // Small steps.
    let tanh_b_over_b = horner(b * b, &TANH_X_OVER_X);
    let z = tanh_a * b * tanh_b_over_b;
    let atanh_z_over_z = horner(z * z, &ATANH_X_OVER_X);
    let small = atanh_z_over_z * tanh_a * tanh_b_over_b;
    // Medium steps.
    let eb = exp_nonpositive(-2.0 * b);
    let c = 2.0 * ea * ra + tanh_a * (2.0 * eb / (1.0 + eb));
    let medium = ln_positive((2.0 - c) / c) / (2.0 * b);
    let magnitude = if b < SOFT_CLIP_SMALL_STEP {
        small
    } else {
        medium
    };
    magnitude.copysign(m)
}

/// [`soft_clip_adaa`] over a block, `out[i] = f(prev[i], cur[i])`, in groups of 8 that
/// evaluate the huge-step form only when one of their steps needs it (same output).
#[inline(always)]
fn soft_clip_block(prev: &[f32], cur: &[f32], out: &mut [f32]) {
    const GROUP: usize = 8;
    let mut groups = out.chunks_exact_mut(GROUP);
    let mut i = 0;
    for y in &mut groups {
        let (p, c) = (&prev[i..i + GROUP], &cur[i..i + GROUP]);
        for k in 0..GROUP {
            y[k] = soft_clip_adaa_near(p[k], c[k]);
        }
        if (0..GROUP).any(|k| (0.5 * (c[k] - p[k])).abs() >= SOFT_CLIP_HUGE_STEP) {
            for k in 0..GROUP {
                y[k] = soft_clip_adaa(p[k], c[k]);
            }
        }
        i += GROUP;
    }
    for y in groups.into_remainder() {
        *y = soft_clip_adaa(prev[i], cur[i]);
        i += 1;
    }
}

/// ADAA of clamp(x, −1, 1): the integral over [x0, x1] split into the part below −1, the
/// linear part and the part above 1, each a difference that is exact in f32 (Sterbenz), over
/// x1 − x0; the clamped midpoint when the two inputs coincide.
#[inline(always)]
fn hard_clip_adaa(x0: f32, x1: f32) -> f32 {
    let d = x1 - x0;
    let (c0, c1) = (x0.clamp(-1.0, 1.0), x1.clamp(-1.0, 1.0));
    let linear = 0.5 * (c1 - c0) * (c0 + c1);
    let above = x1.max(1.0) - x0.max(1.0);
    let below = x1.min(-1.0) - x0.min(-1.0);
    let mean = (linear + above - below) / d;
    let midpoint = (0.5 * (x0 + x1)).clamp(-1.0, 1.0);
    if d.abs() > 1e-20 {
        mean
    } else {
        midpoint
    }
}

/// sin(π/2 · r) for r in [−2, 2]: folded into [−1, 1] by the symmetry about ±1, then the
/// Taylor series to the 13th power (error below 1e-9).
#[inline(always)]
fn sin_half_pi_reduced(r: f32) -> f32 {
    let r = if r > 1.0 {
        2.0 - r
    } else if r < -1.0 {
        -2.0 - r
    } else {
        r
    };
    let u = std::f32::consts::FRAC_PI_2 * r;
    let u2 = u * u;
    let p = (((((u2 / 6_227_020_800.0 - 1.0 / 39_916_800.0) * u2 + 1.0 / 362_880.0) * u2
        - 1.0 / 5_040.0)
        * u2
        + 1.0 / 120.0)
        * u2
        - 1.0 / 6.0)
        * u2
        + 1.0;
    u * p
}

/// x split by the sine folder's period 4 into (k, r) with x = 4k + r, r in [−2, 2): exact in
/// f32 for |x| < 2^21.
#[inline(always)]
fn period_split(x: f32) -> (f32, f32) {
    let k = (x * 0.25 + 0.5).floor();
    (k, x - 4.0 * k)
}

/// ADAA of the sine folder sin(π/2 · x): (cos(π/2 · x0) − cos(π/2 · x1)) / (π/2 · (x1 − x0))
/// = sin(π/2 · m) · sinc(π/2 · h) for the midpoint m and half step h, a product of two
/// well-conditioned factors (sinc by its series below π/4). The midpoint is formed from the
/// inputs' remainders modulo 4, whose sum is exact, not from x0 + x1, which an f32 rounds by
/// up to 2e-6 at |x| ≈ 40 (3e-6 of error in the sine).
#[inline(always)]
fn fold_adaa(x0: f32, x1: f32) -> f32 {
    let (k0, r0) = period_split(x0);
    let (k1, r1) = period_split(x1);
    // m = 2·(k0 + k1) + (r0 + r1)/2, and sin(π/2 · 2K + φ) = (−1)^K · sin φ.
    let k = k0 + k1;
    let odd = k - 2.0 * (0.5 * k).floor();
    let sin_m = (1.0 - 2.0 * odd) * sin_half_pi_reduced(0.5 * (r0 + r1));
    let h = 0.5 * (x1 - x0);
    let u = std::f32::consts::FRAC_PI_2 * h;
    let u2 = u * u;
    let series =
        ((((-u2 / 39_916_800.0 + 1.0 / 362_880.0) * u2 - 1.0 / 5_040.0) * u2 + 1.0 / 120.0) * u2
            - 1.0 / 6.0)
            * u2
            + 1.0;
    let (_, rh) = period_split(h);
    let sinc = if h.abs() < 0.5 {
        series
    } else {
        sin_half_pi_reduced(rh) / u
    };
    sin_m * sinc
}

/// One channel's state: the dry delay, the crusher, the oversampler and the tone filter.
#[derive(Debug, Clone)]
struct Channel {
    ups: [Up2; STAGES],
    downs: [Down2; STAGES],
    /// The shaper's previous input at the 16× rate (ADAA).
    last: f32,
    /// Bit-crush sample-and-hold: the held value and the phase toward the next sample.
    held: f32,
    hold_phase: f32,
    /// The tone low-pass's state.
    tone: f32,
    dry: DelayLine,
}

impl Channel {
    /// Allocates.
    fn new(kernels: &[Vec<f64>; STAGES], first_up: &[f64]) -> Self {
        Self {
            ups: std::array::from_fn(|i| {
                let h = if i == 0 { first_up } else { &kernels[i] };
                Up2::new(h, CHUNK << i)
            }),
            downs: std::array::from_fn(|i| Down2::new(&kernels[i], CHUNK << i)),
            last: 0.0,
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
        self.held = 0.0;
        self.hold_phase = 1.0;
        self.tone = 0.0;
        self.dry.clear();
    }
}

/// Per-chunk work buffers, shared by the two channels (allocated in [`Distortion::new`]).
#[derive(Debug, Clone)]
struct Scratch {
    /// The drive per host sample (linear gain).
    drive: Vec<f32>,
    /// The mix per host sample (0–1).
    mix: Vec<f32>,
    /// The dry signal, delayed by the latency, per host sample.
    dry: Vec<f32>,
    /// The shaper's input at 16×, after the previous chunk's last sample at index 0.
    high: Vec<f32>,
    /// Ping-pong buffers for the shaper's output and the down-sampling chain.
    a: Vec<f32>,
    b: Vec<f32>,
    /// Per-branch outputs of a stage.
    even: Vec<f32>,
    odd: Vec<f32>,
}

impl Scratch {
    /// Allocates.
    fn new() -> Self {
        let high = CHUNK * OVERSAMPLING;
        Self {
            drive: vec![0.0; CHUNK],
            mix: vec![0.0; CHUNK],
            dry: vec![0.0; CHUNK],
            high: vec![0.0; high + 1],
            a: vec![0.0; high],
            b: vec![0.0; high],
            even: vec![0.0; high / 2],
            odd: vec![0.0; high / 2],
        }
    }
}

/// The distortion.
#[derive(Debug, Clone)]
pub struct Distortion {
    sample_rate: f32,
    settings: DistortionSettings,
    channels: [Channel; 2],
    scratch: Scratch,
    /// The drive as a linear gain.
    drive: Smoothed,
    mix: Smoothed,
    /// The tone low-pass's one-pole coefficient (1 = open).
    tone_coef: f32,
    /// Whether the CPU has AVX2 (detected once in `new`): the same code, compiled for it.
    avx2: bool,
}

impl Distortion {
    /// A distortion at `sample_rate` Hz with the default settings. Allocates.
    pub fn new(sample_rate: f32) -> Self {
        let kernels: [Vec<f64>; STAGES] =
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
            scratch: Scratch::new(),
            drive: Smoothed::new(1.0, 10.0, sr),
            mix: Smoothed::new(1.0, 10.0, sr),
            tone_coef: 1.0,
            avx2: has_avx2(),
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

    /// One chunk of at most [`CHUNK`] samples, with the fastest code the CPU runs.
    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only when the CPU reported AVX2 (`has_avx2`).
            unsafe { self.process_chunk_avx2(left, right) };
            return;
        }
        self.process_chunk_portable(left, right);
    }

    /// [`Distortion::process_chunk_portable`] compiled for AVX2. The code does not use
    /// `mul_add`, so both versions round alike and give bit-identical output.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn process_chunk_avx2(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_chunk_portable(left, right);
    }

    /// Drive (and crush) at the host rate, 16× up, shape, 16× down, tone and mix: each step
    /// over the whole chunk, so the filters and shapers run as vector loops.
    #[inline(always)]
    fn process_chunk_portable(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        debug_assert!(n <= CHUNK && right.len() == n);
        let mode = self.settings.mode;
        let tone = self.tone_coef;
        let q = 2f32.powf(1.0 - self.settings.bits);
        let hold_step = (self.settings.crush_rate_hz / self.sample_rate).min(1.0);
        let avx2 = self.avx2;
        let sc = &mut self.scratch;
        for i in 0..n {
            sc.drive[i] = self.drive.next();
            sc.mix[i] = self.mix.next();
        }
        for (ch, io) in self.channels.iter_mut().zip([left, right]) {
            // Host rate: dry delay, drive, crush.
            {
                let input = ch.ups[0].line.input(n);
                for i in 0..n {
                    let x = io[i];
                    let x = if x.is_finite() { x } else { 0.0 };
                    sc.dry[i] = ch.dry.read_int(LATENCY_SAMPLES as usize);
                    ch.dry.push(x);
                    let mut v = (x * sc.drive[i]).clamp(-MAX_SHAPER_INPUT, MAX_SHAPER_INPUT);
                    if mode == DistortionMode::BitCrush {
                        ch.hold_phase += hold_step;
                        if ch.hold_phase >= 1.0 {
                            ch.hold_phase -= 1.0;
                            ch.held = (v.clamp(-1.0, 1.0) / q).round() * q;
                        }
                        v = ch.held;
                    }
                    input[i] = v;
                }
            }
            // 16× up: each stage writes into the next one's line (the last into `high`).
            for s in 0..STAGES {
                let len = n << s;
                let (stage, above) = ch.ups[s..].split_first_mut().expect("a stage");
                let out = match above.first_mut() {
                    Some(next) => next.line.input(2 * len),
                    None => &mut sc.high[1..1 + 2 * len],
                };
                stage.process(len, out, &mut sc.even, &mut sc.odd);
            }
            // Shape at 16×: ADAA over consecutive samples, the chunk's first against the
            // previous chunk's last.
            let high_n = n * OVERSAMPLING;
            sc.high[0] = ch.last;
            ch.last = sc.high[high_n];
            let (prev, cur) = (&sc.high[..high_n], &sc.high[1..=high_n]);
            let shaped = &mut sc.a[..high_n];
            shape(avx2, mode, prev, cur, shaped);
            // 16× down, ping-ponging between `a` and `b`; the result lands in `b`'s head
            // after four stages (a → b → a → b → a would be five).
            let (mut src, mut dst) = (&mut sc.a, &mut sc.b);
            for s in (0..STAGES).rev() {
                let len = n << s;
                ch.downs[s].process(&src[..2 * len], &mut dst[..len], &mut sc.even);
                std::mem::swap(&mut src, &mut dst);
            }
            let wet = &src[..n];
            // Host rate: tone, mix.
            for i in 0..n {
                let mut y = wet[i];
                if !y.is_finite() || y.abs() < 1e-30 {
                    y = 0.0;
                }
                ch.tone += (y - ch.tone) * tone;
                if ch.tone.abs() < 1e-30 {
                    ch.tone = 0.0;
                }
                let dry = sc.dry[i];
                io[i] = dry + (ch.tone - dry) * sc.mix[i];
            }
        }
    }
}

/// Shapes a block at 16×, `out[i] = f(prev[i], cur[i])` for the mode's two-point shaper
/// (bit-crush: a copy of `cur`), with the AVX2 build when `avx2` says the CPU has it.
///
/// The loops are kept out of line: inlined into the chunk's long body, LLVM left the soft
/// clip scalar (8× slower).
#[inline(always)]
fn shape(avx2: bool, mode: DistortionMode, prev: &[f32], cur: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` is true only when the CPU reported AVX2 (`has_avx2`).
        unsafe { shape_avx2(mode, prev, cur, out) };
        return;
    }
    let _ = avx2;
    shape_portable(mode, prev, cur, out);
}

/// [`shape_loops`] for any CPU.
#[inline(never)]
fn shape_portable(mode: DistortionMode, prev: &[f32], cur: &[f32], out: &mut [f32]) {
    shape_loops(mode, prev, cur, out);
}

/// [`shape_loops`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline(never)]
fn shape_avx2(mode: DistortionMode, prev: &[f32], cur: &[f32], out: &mut [f32]) {
    shape_loops(mode, prev, cur, out);
}

/// One loop per mode, each calling its shaper directly (through a closure or a function
/// pointer it would not be inlined, and so not vectorised).
#[inline(always)]
fn shape_loops(mode: DistortionMode, prev: &[f32], cur: &[f32], out: &mut [f32]) {
    let pairs = out.iter_mut().zip(prev.iter().zip(cur));
    match mode {
        DistortionMode::SoftClip => soft_clip_block(prev, cur, out),
        DistortionMode::HardClip => {
            for (y, (&x0, &x1)) in pairs {
                *y = hard_clip_adaa(x0, x1);
            }
        }
        DistortionMode::Fold => {
            for (y, (&x0, &x1)) in pairs {
                *y = fold_adaa(x0, x1);
            }
        }
        DistortionMode::BitCrush => out.copy_from_slice(cur),
    }
}

/// Whether the CPU runs AVX2 code.
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
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
        for (l, r) in left[..n]
            .chunks_mut(CHUNK)
            .zip(right[..n].chunks_mut(CHUNK))
        {
            self.process_chunk(l, r);
        }
    }

    fn latency_samples(&self) -> u32 {
        LATENCY_SAMPLES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest error of `approx` against `exact` over `n + 1` points of [lo, hi].
    fn max_error(
        lo: f64,
        hi: f64,
        n: usize,
        approx: impl Fn(f64) -> f64,
        exact: impl Fn(f64) -> f64,
    ) -> f64 {
        (0..=n)
            .map(|i| {
                let x = lo + (hi - lo) * i as f64 / n as f64;
                (approx(x) - exact(x)).abs()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn exp_is_within_2e_7_relative() {
        let err = max_error(
            -87.0,
            0.0,
            200_000,
            |x| f64::from(exp_nonpositive(x as f32)) / (x as f32 as f64).exp(),
            |_| 1.0,
        );
        assert!(err < 2e-7, "relative error {err:e}");
    }

    #[test]
    fn ln_is_within_2e_7_of_max_1_ln_x() {
        let err = max_error(
            1e-30,
            1e7,
            200_000,
            |x| {
                let exact = (x as f32 as f64).ln();
                (f64::from(ln_positive(x as f32)) - exact) / exact.abs().max(1.0)
            },
            |_| 0.0,
        );
        assert!(err < 2e-7, "error {err:e}");
    }

    /// The f64 textbook ADAA of the first version, as the reference.
    fn reference(x0: f32, x1: f32, big_f: impl Fn(f64) -> f64, f: impl Fn(f64) -> f64) -> f64 {
        let (x0, x1) = (f64::from(x0), f64::from(x1));
        let d = x1 - x0;
        if d.abs() > 1e-9 {
            (big_f(x1) - big_f(x0)) / d
        } else {
            f(0.5 * (x0 + x1))
        }
    }

    /// The largest error of a two-point shaper against its f64 reference over pairs
    /// (x, x + d) with x across ±40 and steps d from 1e-7 to 8, both signs.
    fn adaa_error(
        shaper: impl Fn(f32, f32) -> f32,
        big_f: impl Fn(f64) -> f64,
        f: impl Fn(f64) -> f64,
    ) -> f64 {
        let mut worst = 0.0f64;
        for i in 0..=8_000 {
            let x = -40.0 + 80.0 * i as f32 / 8_000.0;
            for e in -7..=1 {
                for m in [1.0f32, 2.5, 8.0] {
                    for sign in [-1.0f32, 1.0] {
                        let d = sign * m * 10f32.powi(e);
                        let (x0, x1) = (x, x + d);
                        let err = (f64::from(shaper(x0, x1)) - reference(x0, x1, &big_f, &f)).abs();
                        worst = worst.max(err);
                    }
                }
            }
        }
        worst
    }

    fn log_cosh(x: f64) -> f64 {
        let a = x.abs();
        a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2
    }

    #[test]
    fn soft_clip_adaa_matches_the_f64_reference_within_5e_7() {
        let err = adaa_error(soft_clip_adaa, log_cosh, f64::tanh);
        assert!(err < 5e-7, "error {err:e}");
    }

    #[test]
    fn hard_clip_adaa_matches_the_f64_reference_within_5e_7() {
        let big_f = |x: f64| {
            if x.abs() <= 1.0 {
                0.5 * x * x
            } else {
                x.abs() - 0.5
            }
        };
        let err = adaa_error(hard_clip_adaa, big_f, |x| x.clamp(-1.0, 1.0));
        assert!(err < 5e-7, "error {err:e}");
    }

    #[test]
    fn fold_adaa_matches_the_f64_reference_within_5e_7() {
        let a = std::f64::consts::FRAC_PI_2;
        let err = adaa_error(fold_adaa, |x| -(a * x).cos() / a, |x| (a * x).sin());
        assert!(err < 5e-7, "error {err:e}");
    }

    #[test]
    fn the_portable_and_avx2_builds_agree_bit_for_bit() {
        // Noise at full drive, every mode: the two builds of the same code must round alike
        // (no `mul_add`, no reassociation), so a machine without AVX2 sounds the same.
        let mut s = 1u32;
        let noise: Vec<f32> = (0..4_096)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                s as f32 / u32::MAX as f32 * 2.0 - 1.0
            })
            .collect();
        for mode in [
            DistortionMode::SoftClip,
            DistortionMode::HardClip,
            DistortionMode::Fold,
            DistortionMode::BitCrush,
        ] {
            let mut fast = Distortion::new(48_000.0);
            fast.set_settings(DistortionSettings {
                mode,
                drive_db: MAX_DRIVE_DB,
                ..DistortionSettings::default()
            });
            fast.reset();
            let mut portable = fast.clone();
            portable.avx2 = false;
            let (mut l1, mut r1) = (noise.clone(), noise.clone());
            let (mut l2, mut r2) = (noise.clone(), noise.clone());
            fast.process(&mut l1, &mut r1);
            portable.process(&mut l2, &mut r2);
            assert!(l1 == l2 && r1 == r2, "{mode:?}: the builds differ");
        }
    }
}
