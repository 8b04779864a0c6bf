//! The 2:1 decimator after the voice sum: voices render at twice the output rate, and this
//! linear-phase FIR low-pass brings their sum back to the output rate.
//!
//! The filter keeps everything up to 0.431 × the output rate (19 kHz at 44.1 kHz) within
//! ±0.01 dB and removes everything from half the output rate up by at least 100 dB, so the
//! mip levels may play harmonics up to 1.5 × the output rate: whatever lies above half the
//! output rate, or folds there at the 2× rate, never reaches the output. It is a
//! Kaiser-windowed sinc of [`DECIMATOR_TAPS`] taps (β = 10.6), designed when the engine is
//! made. Only every second output of the filter is computed.
//!
//! Because decimation is linear and time-invariant, filtering the sum of the voices equals
//! the sum of each voice filtered: one decimator serves every voice.

use crate::analysis::bessel_i0;

/// Output samples by which the decimator delays the signal, at every sample rate and
/// block size. Hosts are told it as the plugin's latency.
pub const DECIMATOR_LATENCY: usize = 49;

/// Taps of the FIR, at the 2× rate: `4 × DECIMATOR_LATENCY + 1`, so its centre falls on
/// an output sample.
pub const DECIMATOR_TAPS: usize = 4 * DECIMATOR_LATENCY + 1;

/// Taps rounded up to a multiple of eight (the extra taps are zero).
const PADDED: usize = DECIMATOR_TAPS.div_ceil(8) * 8;

/// Pass-band edge, as a fraction of the output rate.
pub const DECIMATOR_PASS: f64 = 0.431;

/// Kaiser window β: about 105 dB of stop-band attenuation.
const BETA: f64 = 10.6;

/// One channel of the 2:1 decimating low-pass, with its history.
#[derive(Debug, Clone)]
pub struct Decimator {
    /// Filter taps (symmetric), led by zeros up to [`PADDED`].
    taps: Vec<f32>,
    /// The last `PADDED − 1` input samples, then room for one call's input.
    buf: Vec<f32>,
    /// Most input samples (at the 2× rate) one call accepts.
    max_input: usize,
    /// True when the AVX2 + FMA dot product may run on this CPU.
    simd: bool,
}

impl Decimator {
    /// A decimator that accepts up to `max_output` output samples per call.
    ///
    /// # Allocation
    /// Allocates the taps and the history buffer.
    pub fn new(max_output: usize) -> Self {
        let max_input = 2 * max_output.max(1);
        Self {
            taps: design(),
            buf: vec![0.0; PADDED - 1 + max_input],
            max_input,
            simd: simd_available(),
        }
    }

    /// Clears the history (silence before the next call).
    pub fn reset(&mut self) {
        self.buf.fill(0.0);
    }

    /// Filters `input` (at the 2× rate, `2 × output.len()` samples, at most twice the
    /// `max_output` given to [`Decimator::new`]) and writes every second sample into
    /// `output`. Never allocates.
    pub fn process(&mut self, input: &[f32], output: &mut [f32]) {
        let n = output.len().min(input.len() / 2).min(self.max_input / 2);
        let hist = PADDED - 1;
        self.buf[hist..hist + 2 * n].copy_from_slice(&input[..2 * n]);
        #[cfg(target_arch = "x86_64")]
        if self.simd {
            // SAFETY: `simd` is only true when the CPU reports AVX2 and FMA.
            unsafe { filter_avx2(&self.taps, &self.buf, &mut output[..n]) };
            self.buf.copy_within(2 * n..2 * n + hist, 0);
            return;
        }
        for (j, o) in output[..n].iter_mut().enumerate() {
            // The newest sample in the window is input 2j (buffer index hist + 2j).
            *o = dot(&self.taps, &self.buf[2 * j..2 * j + PADDED]);
        }
        self.buf.copy_within(2 * n..2 * n + hist, 0);
    }
}

/// `Σ a[k] · b[k]` over slices of equal length, a multiple of 8, in eight independent
/// lanes (the compiler vectorises it).
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `output[j] = Σ taps[k] · buf[2j + k]`, eight taps per register and four independent
/// accumulators (the scalar [`dot`] compiles to SSE without FMA).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn filter_avx2(taps: &[f32], buf: &[f32], output: &mut [f32]) {
    use std::arch::x86_64::*;
    let taps = &taps[..PADDED];
    for (j, o) in output.iter_mut().enumerate() {
        let window = &buf[2 * j..2 * j + PADDED];
        let mut acc = [_mm256_setzero_ps(); 4];
        for (i, (t, x)) in taps.chunks_exact(8).zip(window.chunks_exact(8)).enumerate() {
            // SAFETY: both chunks hold exactly eight f32.
            let (t, x) = unsafe { (_mm256_loadu_ps(t.as_ptr()), _mm256_loadu_ps(x.as_ptr())) };
            acc[i & 3] = _mm256_fmadd_ps(t, x, acc[i & 3]);
        }
        let v = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        *o = _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
    }
}

/// The taps: a sinc cut off halfway between the pass-band edge and half the output rate
/// (fractions of the 2× rate), under a Kaiser window, normalised to unit DC gain.
fn design() -> Vec<f32> {
    let cutoff = 0.5 * (DECIMATOR_PASS + 0.5) / 2.0;
    let m = (DECIMATOR_TAPS - 1) as f64 / 2.0;
    let i0b = bessel_i0(BETA);
    let mut h: Vec<f64> = (0..DECIMATOR_TAPS)
        .map(|k| {
            let t = k as f64 - m;
            let sinc = if t == 0.0 {
                2.0 * cutoff
            } else {
                (std::f64::consts::TAU * cutoff * t).sin() / (std::f64::consts::PI * t)
            };
            let r = t / m;
            sinc * bessel_i0(BETA * (1.0 - r * r).max(0.0).sqrt()) / i0b
        })
        .collect();
    let sum: f64 = h.iter().sum();
    for v in &mut h {
        *v /= sum;
    }
    // Zeros first: the last tap meets the newest sample, so the centre tap sits exactly
    // `2 × DECIMATOR_LATENCY` samples of the 2× rate behind it.
    let mut taps = vec![0.0f32; PADDED - DECIMATOR_TAPS];
    taps.extend(h.iter().map(|&v| v as f32));
    taps
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Magnitude response of the taps at `f` (fraction of the 2× rate), dB.
    fn response_db(taps: &[f32], f: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (k, &h) in taps.iter().enumerate() {
            let w = std::f64::consts::TAU * f * k as f64;
            re += h as f64 * w.cos();
            im += h as f64 * w.sin();
        }
        20.0 * (re * re + im * im).sqrt().log10()
    }

    #[test]
    fn pass_band_is_flat_and_stop_band_is_below_100_db() {
        let taps = design();
        let mut ripple = 0.0f64;
        let mut stop = f64::MIN;
        for i in 0..=4000 {
            let f = 0.5 * i as f64 / 4000.0;
            let db = response_db(&taps, f);
            if f <= DECIMATOR_PASS / 2.0 {
                ripple = ripple.max(db.abs());
            } else if f >= 0.25 {
                stop = stop.max(db);
            }
        }
        assert!(ripple < 0.01, "pass-band ripple {ripple} dB");
        assert!(stop < -100.0, "stop band {stop} dB");
    }

    #[test]
    fn delays_by_the_stated_latency_whatever_the_call_sizes() {
        // An impulse at output sample 10 (2× input 20) comes out at 10 + latency.
        let total = 300;
        let mut input = vec![0.0f32; 2 * total];
        input[20] = 1.0;
        let mut d = Decimator::new(64);
        let mut out = vec![0.0f32; total];
        let mut pos = 0;
        for size in [1usize, 7, 64, 3, 64, 50].iter().cycle() {
            if pos >= total {
                break;
            }
            let n = (*size).min(total - pos);
            d.process(&input[2 * pos..2 * (pos + n)], &mut out[pos..pos + n]);
            pos += n;
        }
        let peak = (0..total)
            .max_by(|&a, &b| out[a].abs().total_cmp(&out[b].abs()))
            .unwrap();
        assert_eq!(peak, 10 + DECIMATOR_LATENCY);
        // The same impulse through one call gives the same samples.
        let mut whole = Decimator::new(total);
        let mut out2 = vec![0.0f32; total];
        whole.process(&input, &mut out2);
        for (a, b) in out.iter().zip(&out2) {
            assert!((a - b).abs() <= 1e-7);
        }
    }
}
