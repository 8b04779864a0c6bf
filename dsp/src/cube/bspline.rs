//! The degree-7 B-spline interpolation kernel (8 taps) that reads every mip table.
//!
//! Source: M. Unser, "Splines: a perfect fit for signal and image processing", IEEE Signal
//! Processing Magazine 16(6), 1999. A table stores B-spline *coefficients*, not samples: the
//! mip builder divides each harmonic by the kernel's continuous response
//! [`bspline7_response`], so every played harmonic has exactly its source amplitude, and the
//! kernel's images fall as `sinc⁸`. With tables two times oversampled (the top harmonic at
//! most a quarter of the table rate) the worst image lies 76 dB below its harmonic, which is
//! what lets the oscillator meet −90 dB total spurious energy on a full-band saw (see
//! `docs/oscillator.md`). A 4-tap cubic Hermite reaches only about −60 dB there.

/// Number of taps the kernel reads: table indices `i − 3 ..= i + 4` around position `i + t`.
pub const BSPLINE_TAPS: usize = 8;

/// Monomial coefficients of the eight tap weights for a fractional position `t` in 0..1:
/// `weight[k](t) = Σ_j M[j][k] · t^j`, tap `k` reading table index `i − 3 + k`.
pub(crate) fn bspline7_matrix() -> [[f64; BSPLINE_TAPS]; BSPLINE_TAPS] {
    // β₇(x) = (1/7!) Σ_{j=0}^{8} (−1)^j C(8,j) (x + 4 − j)₊⁷. Tap k sits at offset d = k − 3,
    // so its weight is β₇(t − d); on t ∈ [0,1) the truncated power (t + 4 − d − j)₊ is the
    // plain power when 4 − d − j ≥ 0 and zero otherwise.
    let binom = |n: u64, k: u64| -> f64 {
        (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
    };
    let mut m = [[0.0; BSPLINE_TAPS]; BSPLINE_TAPS];
    for (k, _) in (0..BSPLINE_TAPS).enumerate() {
        let d = k as i64 - 3;
        for j in 0..=8i64 {
            let c = 4 - d - j;
            if c < 0 {
                continue;
            }
            let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
            let a = sign * binom(8, j as u64) / 5040.0;
            // (t + c)^7 = Σ_p C(7,p) t^p c^(7−p)
            for p in 0..=7u64 {
                m[p as usize][k] += a * binom(7, p) * (c as f64).powi(7 - p as i32);
            }
        }
    }
    m
}

/// The eight tap weights at fractional position `t01` in 0..1, in f64 (for tests and
/// offline use; the oscillator evaluates the same polynomials in f32).
pub fn bspline7_weights(t01: f64) -> [f64; BSPLINE_TAPS] {
    let m = bspline7_matrix();
    let mut w = [0.0; BSPLINE_TAPS];
    for (k, wk) in w.iter_mut().enumerate() {
        *wk = (0..BSPLINE_TAPS)
            .rev()
            .fold(0.0, |acc, j| acc * t01 + m[j][k]);
    }
    w
}

/// Continuous frequency response of the degree-7 B-spline at `cycles_per_sample`
/// (0.5 = the table's Nyquist): `sinc⁸(f)`.
pub fn bspline7_response(cycles_per_sample: f64) -> f64 {
    let x = std::f64::consts::PI * cycles_per_sample;
    let s = if x.abs() < 1e-12 { 1.0 } else { x.sin() / x };
    s.powi(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_partition_unity_and_are_symmetric() {
        for i in 0..=16 {
            let t = i as f64 / 16.0;
            let w = bspline7_weights(t);
            let sum: f64 = w.iter().sum();
            assert!((sum - 1.0).abs() < 1e-12, "sum {sum} at t={t}");
            assert!(w.iter().all(|&x| x >= -1e-15));
            // β₇ is even: weights at t mirror those at 1 − t.
            let m = bspline7_weights(1.0 - t);
            for k in 0..8 {
                assert!((w[k] - m[7 - k]).abs() < 1e-12);
            }
        }
        // Known value: β₇(0) = 151/315.
        assert!((bspline7_weights(0.0)[3] - 151.0 / 315.0).abs() < 1e-12);
    }

    #[test]
    fn response_matches_sampled_kernel_sum() {
        // The DTFT of the integer samples of β₇ equals Σ_m sinc⁸(f + m) (Poisson summation).
        let w0 = bspline7_weights(0.0);
        let f: f64 = 0.17;
        let dtft: f64 = (0..8)
            .map(|k| w0[k] * (2.0 * std::f64::consts::PI * f * (k as f64 - 3.0)).cos())
            .sum();
        let poisson: f64 = (-6..=6).map(|m| bspline7_response(f + m as f64)).sum();
        assert!((dtft - poisson).abs() < 1e-9, "{dtft} vs {poisson}");
    }
}
