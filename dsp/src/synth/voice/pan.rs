//! The unison oscillators' stereo gains: an equal-power law, fixed for a call or per
//! sample when the matrix moves the pan or the spread.

use super::MAX_UNISON;

/// Unison pan gains for `u` oscillators at `spread` (0..1) around `pan` (−1..1); the
/// places past `u` are 0.
pub(super) fn unison_pans(u: usize, spread: f32, pan: f32) -> [[f32; 2]; MAX_UNISON] {
    let norm = 1.0 / (u as f32).sqrt();
    let mut pans = [[0.0; 2]; MAX_UNISON];
    for (k, p) in pans.iter_mut().enumerate().take(u) {
        *p = equal_power((unison_place(k, u) * spread + pan).clamp(-1.0, 1.0)).map(|g| g * norm);
    }
    pans
}

/// Where unison oscillator `k` of `u` sits in the stereo spread, −1..1 (0 alone).
pub(super) fn unison_place(k: usize, u: usize) -> f32 {
    if u > 1 {
        2.0 * k as f32 / (u - 1) as f32 - 1.0
    } else {
        0.0
    }
}

/// Per-sample gains `[left, right]` of unison oscillator `k` of `u` into `left` and
/// `right` (the voice's 2× clock, twice as long as the output-rate `pan` and `spread`,
/// each pair of samples taking its output sample's pan), by way of `out_rate` (two
/// output-rate buffers): the same law as [`unison_pans`].
pub(super) fn unison_pan_gains(
    k: usize,
    u: usize,
    [pan, spread]: [&[f32]; 2],
    out_rate: [&mut [f32]; 2],
    left: &mut [f32],
    right: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        unsafe { pan_gains_avx2(k, u, [pan, spread], out_rate, left, right) };
        return;
    }
    pan_gains(k, u, [pan, spread], out_rate, left, right);
}

/// [`unison_pan_gains`] compiled for AVX2: eight lanes where baseline x86-64 has four.
/// Rust does not fuse multiplies and adds on its own, so the gains are bit for bit those
/// of [`pan_gains`].
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pan_gains_avx2(
    k: usize,
    u: usize,
    pans: [&[f32]; 2],
    out_rate: [&mut [f32]; 2],
    left: &mut [f32],
    right: &mut [f32],
) {
    pan_gains(k, u, pans, out_rate, left, right);
}

/// The portable body of [`unison_pan_gains`].
#[inline(always)]
fn pan_gains(
    k: usize,
    u: usize,
    [pan, spread]: [&[f32]; 2],
    out_rate: [&mut [f32]; 2],
    left: &mut [f32],
    right: &mut [f32],
) {
    let (norm, place) = (1.0 / (u as f32).sqrt(), unison_place(k, u));
    let [gl, gr] = out_rate;
    let h = gl.len().min(gr.len()).min(pan.len()).min(spread.len());
    let (gl, gr, pan, spread) = (&mut gl[..h], &mut gr[..h], &pan[..h], &spread[..h]);
    // Two loops that vectorise: the gains at the output rate, then each over its pair.
    for i in 0..h {
        let [a, b] = equal_power((place * spread[i] + pan[i]).clamp(-1.0, 1.0));
        gl[i] = a * norm;
        gr[i] = b * norm;
    }
    for (out, g) in [(left, &*gl), (right, &*gr)] {
        for (pair, g) in out.chunks_exact_mut(2).zip(g.iter()) {
            pair[0] = *g;
            pair[1] = *g;
        }
    }
}

/// Equal-power pan gains `[left, right]` for `x` from −1 (left) to 1 (right), 1 each at
/// the centre: `√2·cos θ` and `√2·sin θ` with `θ = (x + 1)·π/4`. Computed around the
/// centre, where with `t = θ − π/4 = x·π/4` they are `cos t ∓ sin t`, by Taylor series
/// to `t⁹` and `t¹⁰` (|t| ≤ π/4: truncation under 2e-9, below f32 rounding): a few
/// multiplies instead of a libm call, and a loop of them vectorises (a pan the matrix
/// moves recomputes it every sample).
#[inline(always)]
pub(super) fn equal_power(x: f32) -> [f32; 2] {
    let t = x * std::f32::consts::FRAC_PI_4;
    let t2 = t * t;
    // Taylor coefficients, in pairs of powers of t² (Estrin's scheme: short dependency
    // chains).
    const S: [f32; 5] = [1.0, -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0, 1.0 / 362_880.0];
    const C: [f32; 6] = [
        1.0,
        -1.0 / 2.0,
        1.0 / 24.0,
        -1.0 / 720.0,
        1.0 / 40_320.0,
        -1.0 / 3_628_800.0,
    ];
    let t4 = t2 * t2;
    let t8 = t4 * t4;
    let sin = t * ((S[0] + S[1] * t2) + (S[2] + S[3] * t2) * t4 + S[4] * t8);
    let cos = (C[0] + C[1] * t2) + (C[2] + C[3] * t2) * t4 + (C[4] + C[5] * t2) * t8;
    [cos - sin, cos + sin]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_power_pans_match_the_trigonometric_law() {
        let mut worst = 0.0f64;
        for i in 0..=20_000 {
            let x = -1.0 + i as f32 / 10_000.0;
            let [l, r] = equal_power(x);
            let theta = (f64::from(x) + 1.0) * std::f64::consts::FRAC_PI_4;
            let want = [
                theta.cos() * std::f64::consts::SQRT_2,
                theta.sin() * std::f64::consts::SQRT_2,
            ];
            worst = worst
                .max((f64::from(l) - want[0]).abs())
                .max((f64::from(r) - want[1]).abs());
        }
        assert!(worst < 3e-7, "largest error {worst:e}");
        assert_eq!(equal_power(0.0), [1.0, 1.0]);
        let [l, r] = equal_power(-1.0);
        assert!(r.abs() < 1e-7 && (l - std::f32::consts::SQRT_2).abs() < 3e-7);
    }
}
