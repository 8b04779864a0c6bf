//! The moving-morph kernel's polynomial path: a sub-block's morph coordinates fitted with
//! parabolas, and its corner weights as polynomials in the sample index.

#[cfg(test)]
use super::{CellCorners, Geometry};

/// Samples per sub-block of the moving-morph kernel: each is rendered by the polynomial
/// path when its morph point moves on a parabola, else per sample.
pub(super) const POLY: usize = 128;

/// Largest distance, in grid units, that a morph coordinate of a sub-block may lie from the
/// parabola through its first, middle and last samples for the polynomial path. The path
/// then plays the morph trajectory as those parabolas, one per sub-block of 32 to 128
/// samples, meeting at the sub-blocks' end samples; as the eight weights' derivatives
/// along an axis sum to at most 2 in magnitude, a sample moves by at most `6 · CURVE_TOL`
/// of the largest node sample, −104 dB. A parabola follows a sine LFO far closer than a
/// line: for a sine sweeping a whole 4-node axis at 0.7 Hz, the line through 64 samples
/// at 96 kHz (the 2× clock of 48 kHz) misses it by up to 1.6e-6 grid units, the parabola
/// through 128 by under 1e-8; the parabola holds over 128 samples up to about 5 Hz and
/// over 32 up to about 20 Hz (f32 rounding of a coordinate near 3 adds a few 1e-7).
pub(super) const CURVE_TOL: f32 = 1e-6;

/// `RAMP[j] = j`: the sample index of a sub-block as a float.
pub(super) const RAMP: [f32; POLY] = {
    let mut r = [0.0; POLY];
    let mut j = 0;
    while j < POLY {
        r[j] = j as f32;
        j += 1;
    }
    r
};

/// Largest value over a sub-block that a dropped polynomial term of a corner weight may
/// reach: below f32 resolution of a weight.
pub(super) const TERM_TOL: f32 = 1e-7;

/// The corner weights of a sub-block as polynomials in the sample index `u` (0 at the
/// sub-block's first sample): corner `c` weighs `Σ_p coef[p][c] · u^p` for `p ≤ degree`.
pub(super) struct PolyWeights {
    /// Index of the cell in the cell table.
    pub(super) cell: usize,
    /// Coefficient of `u^p` for corner `c`, `[p][c]`.
    pub(super) coef: [[f32; 8]; 4],
    /// Highest power that matters (0 to 3).
    pub(super) degree: usize,
}

/// When each morph coordinate of a sub-block moves on a parabola (within [`CURVE_TOL`] of
/// the one through its first, middle and last samples; a line when the bend is below
/// that) inside one complete cell, its trilinear corner weights are polynomials in the
/// sample index: the product of three quadratic fractions, degree 6 at most. Returns them
/// to degree 3, or `None` when a higher power's term would reach [`TERM_TOL`] over the
/// sub-block, when the motion is not such a curve (audio-rate modulation, a corner of a
/// triangle LFO), on a cell crossing or a missing corner, for fewer than 8 samples, or
/// for NaN. The powers up to 3 whose terms stay under [`TERM_TOL`] are dropped.
///
/// The portable reference: the AVX2 kernel runs `avx2::poly_weights`, the same arithmetic
/// eight lanes wide, which the tests hold to this one bit for bit.
#[cfg(test)]
pub(super) fn poly_weights(
    geo: Geometry,
    cells: &[CellCorners],
    x: &[f32],
    y: &[f32],
    z: &[f32],
    midpoints: bool,
) -> Option<PolyWeights> {
    let m = x.len();
    let odd = odd_only(midpoints, m);
    if !(8..=POLY).contains(&m) || y.len() < m || z.len() < m {
        return None;
    }
    let (last, mid) = (m - 1, (m - 1) / 2);
    // Per axis, the weight factors of bit 0 and bit 1 as `[1, u, u²]` coefficients:
    // `1 − f` and `f`, with `f = f0 + b·u + c·u²`.
    let mut fac = [[[0.0f32; 3]; 2]; 3];
    let mut idx = [0usize; 3];
    for (a, v) in [x, &y[..m], &z[..m]].into_iter().enumerate() {
        let s = geo.scale[a];
        // The check in the coordinate's own units: `CURVE_TOL` grid units.
        let tol = CURVE_TOL / s;
        let [g0, b, c] = fit_curve(v[0], v[mid], v[last], mid, last, tol);
        // Without an early exit, and with the sample index and its square from tables
        // (baseline x86-64 cannot convert integers to floats in vectors), so the check
        // vectorises; NaN fails the comparison.
        let (mut ok, mut lo, mut hi) = (true, v[0], v[0]);
        let samples = v[..m].iter().zip(&RAMP).zip(&RAMP2).enumerate();
        for (_, ((&t, &j), &j2)) in samples.filter(|(i, _)| !odd || i % 2 == 1) {
            ok &= (t - c.mul_add(j2, b.mul_add(j, g0))).abs() <= tol;
            lo = lo.min(t);
            hi = hi.max(t);
        }
        let (lo, hi) = (lo * s, hi * s);
        // Also false for NaN.
        if !(ok && lo >= 0.0 && hi <= s) {
            return None;
        }
        let top = geo.cells[a] as i32 - 1;
        // SAFETY: `lo` and `hi` are finite and within 0..=s (checked above), so they fit an
        // i32; the unchecked form skips the saturating conversion.
        let (i, i1) = unsafe { (lo.to_int_unchecked::<i32>(), hi.to_int_unchecked::<i32>()) };
        let i = i.min(top);
        if i1.min(top) != i {
            return None;
        }
        idx[a] = i as usize;
        let (f0, b, c) = (g0 * s - i as f32, b * s, c * s);
        fac[a] = [[1.0 - f0, -b, -c], [f0, b, c]];
    }
    let cell = (idx[0] * geo.cells[1] + idx[1]) * geo.cells[2] + idx[2];
    if !cells[cell].complete {
        return None;
    }
    // The x·y products (quartics), then times z (sextics): corner `c = 4·bx + 2·by + bz`.
    let mut full = [[0.0f32; 8]; 7];
    for xy in 0..4 {
        let pq = poly_mul::<3, 3, 5>(fac[0][xy >> 1], fac[1][xy & 1]);
        for bz in 0..2 {
            let w = poly_mul::<5, 3, 7>(pq, fac[2][bz]);
            for (p, v) in w.into_iter().enumerate() {
                full[p][2 * xy + bz] = v;
            }
        }
    }
    let last = last as f32;
    let top = |p: usize| full[p].iter().fold(0.0f32, |t, v| t.max(v.abs())) * reach(last, p);
    let degree = degree_of(top)?;
    let coef = [full[0], full[1], full[2], full[3]];
    Some(PolyWeights { cell, coef, degree })
}

/// Whether every even sample of `v` after the first is the mean of its neighbours, to f32
/// rounding: what `MorphBuffers::midpoints` promises (checked in debug builds).
pub(super) fn midpoints_hold(v: &[f32]) -> bool {
    (2..v.len().saturating_sub(1))
        .step_by(2)
        .all(|k| (v[k] - 0.5 * (v[k - 1] + v[k + 1])).abs() <= 1e-6)
}

/// Whether the curve check of an `m`-sample sub-block may skip the even samples: buffers
/// of midpoints (`MorphBuffers::midpoints`) and an even length of at least 16, so the
/// last sample is odd and the odd samples fill whole registers of eight.
#[inline(always)]
pub(super) fn odd_only(midpoints: bool, m: usize) -> bool {
    midpoints && m % 2 == 0 && m >= 16
}

/// The parabola through a coordinate's first, middle and last samples of a sub-block (at
/// `u = 0`, `mid` and `last`): `[g0, b, c]` with `g(u) = g0 + b·u + c·u²`. A bend that
/// stays under `tol` over the sub-block is taken as none: the line through the ends
/// (`c = 0`), so a straight ramp, whose middle sample is off its line by rounding only,
/// stays a line.
#[inline(always)]
pub(super) fn fit_curve(v0: f32, vm: f32, vl: f32, mid: usize, last: usize, tol: f32) -> [f32; 3] {
    let (mf, lf) = (mid as f32, last as f32);
    // Reciprocals of small integers: exact enough, and cheaper than three divisions.
    let (rm, rl, rd) = (RECIP[mid], RECIP[last], RECIP[last - mid]);
    let (sm, sl) = ((vm - v0) * rm, (vl - v0) * rl);
    let c = (sl - sm) * rd;
    // Also false for NaN, which the sample check then turns down.
    if (c * lf * lf).abs() <= tol {
        [v0, sl, 0.0]
    } else {
        [v0, sm - c * mf, c]
    }
}

/// `RAMP2[j] = j²`, exact.
pub(super) const RAMP2: [f32; POLY] = {
    let mut r = [0.0; POLY];
    let mut j = 0;
    while j < POLY {
        r[j] = (j * j) as f32;
        j += 1;
    }
    r
};

/// `RECIP[k] = 1 / k` (and 0 for `k = 0`), for the curve fit's sample distances.
pub(super) const RECIP: [f32; POLY] = {
    let mut r = [0.0; POLY];
    let mut k = 1;
    while k < POLY {
        r[k] = 1.0 / k as f32;
        k += 1;
    }
    r
};

/// `u^p` for the reach test of the powers: `last` multiplied `p` times.
#[inline(always)]
pub(super) fn reach(last: f32, p: usize) -> f32 {
    (0..p).fold(1.0, |r, _| r * last)
}

/// The degree the polynomial path keeps, from `top(p)`, the largest term of power `p` over
/// the sub-block: the highest power up to 3 whose term reaches [`TERM_TOL`], or `None`
/// when a power above 3 does.
#[inline(always)]
pub(super) fn degree_of(top: impl Fn(usize) -> f32) -> Option<usize> {
    // Written out so that NaN fails every comparison the same way.
    if !(top(4) <= TERM_TOL && top(5) <= TERM_TOL && top(6) <= TERM_TOL) {
        return None;
    }
    Some(if top(3) > TERM_TOL {
        3
    } else if top(2) > TERM_TOL {
        2
    } else if top(1) > TERM_TOL {
        1
    } else {
        0
    })
}

/// The product of two polynomials given by their coefficients (lowest power first); each
/// output coefficient sums its products in increasing power of `a`.
#[cfg(test)]
pub(super) fn poly_mul<const A: usize, const B: usize, const C: usize>(
    a: [f32; A],
    b: [f32; B],
) -> [f32; C] {
    let mut out = [0.0; C];
    for (k, o) in out.iter_mut().enumerate() {
        // The first product of the sum, then the others added in order.
        let first = k.saturating_sub(B - 1);
        *o = a[first] * b[k - first];
        for i in first + 1..=k.min(A - 1) {
            *o += a[i] * b[k - i];
        }
    }
    out
}
