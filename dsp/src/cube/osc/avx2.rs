//! The AVX2 + FMA kernels of [`CubeOsc`](super::CubeOsc): the same arithmetic as the
//! portable `render_scalar`, eight taps (or eight samples, or eight corners) per register.

use super::*;
use std::arch::x86_64::*;

/// AVX2 + FMA kernel: the same arithmetic as [`render_scalar`], eight taps per register.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn render<const MODE: u8, const STEREO: bool, const TWO: bool>(
    table: &[PhaseRow],
    scratch: &mut OscScratch,
    cache: Option<&mut BlendCache>,
    a: Args<'_>,
    phase: &mut u32,
    out_l: &mut [f32],
    out_r: &mut [f32],
) {
    if MODE == FIXED {
        // SAFETY: same CPU features as this function.
        let done = unsafe {
            match cache {
                Some(cache) => render_cached::<STEREO, TWO>(table, cache, a, phase, out_l, out_r),
                None => {
                    render_fixed::<STEREO, TWO>(table, &mut scratch.span[0], a, phase, out_l, out_r)
                }
            }
        };
        if done {
            return;
        }
    }
    let arena = a.set.arena();
    let cells = a.set.cells();
    let base = arena.as_ptr();
    let n = a.gain.len();
    let (gain, mx, my, mz) = (
        &a.gain[..n],
        &a.morph.x[..n],
        &a.morph.y[..n],
        &a.morph.z[..n],
    );
    let (out_l, out_r) = (&mut out_l[..n], &mut out_r[..n]);
    let (g_lo, g_hi) = (_mm256_set1_ps(a.lo.weight), _mm256_set1_ps(a.hi.weight));
    let mut ph = *phase;
    let held = hoisted::<MODE>(&a);
    // A moving morph point: cells and weights for a sub-block at a time, in a
    // vectorised pass, then the per-sample reads.
    let OscScratch {
        cell_of,
        weights,
        span,
    } = scratch;
    // The polynomial path needs every sub-block's reads to fit a span, as the fixed
    // path does (they always do for picks from `MipLevels::pick`).
    let poly_fits = MODE == MOVING
        && [a.lo, a.hi][..if TWO { 2 } else { 1 }]
            .iter()
            .all(|r| last_offset_of(u32::MAX, r, POLY.min(n), a.inc) + BSPLINE_TAPS <= SPAN);
    let mut i = 0;
    // The per-sample sub-block `i` is in: its start and end.
    let (mut sub, mut sub_end) = (0, if MODE == MOVING { 0 } else { n });
    // The polynomial path's next try: `POLY` samples, halved after a miss (a faster
    // LFO's curve holds over fewer samples) down to `POLY / 4`, doubled after a hit.
    let mut len = POLY;
    while i < n {
        if MODE == MOVING && i == sub_end {
            let mut poly = None;
            while poly_fits && poly.is_none() {
                let end = (i + len).min(n);
                let (x, y, z) = (&mx[i..end], &my[i..end], &mz[i..end]);
                // SAFETY: same CPU features as this function.
                poly = unsafe { poly_weights(a.geo, cells, x, y, z, a.morph.midpoints) }
                    .map(|pw| (pw, end));
                if poly.is_none() {
                    if len == POLY / 4 {
                        break;
                    }
                    len /= 2;
                }
            }
            if let Some((pw, end)) = poly {
                let cell = &cells[pw.cell];
                let (o_l, o_r) = (&mut out_l[i..end], &mut out_r[i..end]);
                // SAFETY: same CPU features as this function; the spans fit (checked).
                unsafe {
                    match pw.degree {
                        0 => render_poly::<1, STEREO, TWO>(
                            table, span, &a, cell, &pw.coef, &mut ph, i, o_l, o_r,
                        ),
                        1 => render_poly::<2, STEREO, TWO>(
                            table, span, &a, cell, &pw.coef, &mut ph, i, o_l, o_r,
                        ),
                        2 => render_poly::<3, STEREO, TWO>(
                            table, span, &a, cell, &pw.coef, &mut ph, i, o_l, o_r,
                        ),
                        _ => render_poly::<4, STEREO, TWO>(
                            table, span, &a, cell, &pw.coef, &mut ph, i, o_l, o_r,
                        ),
                    }
                }
                (i, sub_end) = (end, end);
                len = (2 * len).min(POLY);
                continue;
            }
            // Per sample, for a quarter sub-block.
            let end = (i + POLY / 4).min(n);
            (sub, sub_end) = (i, end);
            let (x, y, z) = (&mx[i..end], &my[i..end], &mz[i..end]);
            corner_weights_block(a.geo, cells, x, y, z, cell_of, weights);
        }
        let j = i - sub;
        // Eight samples at a time when they fit in the sub-block: eight products, one
        // transposing reduction, vector gain and output (`j` is then a multiple of 8).
        let group = if i + 8 <= sub_end { 8 } else { 1 };
        let mut pl = [_mm256_setzero_ps(); 8];
        let mut pr = [_mm256_setzero_ps(); 8];
        for s in 0..group {
            let (cell, w) = if MODE == MOVING {
                (
                    &cells[cell_of[j + s] as usize],
                    std::array::from_fn(|c| weights[c][j + s]),
                )
            } else {
                held
            };
            let (i_lo, r_lo, f_lo) = split_phase(ph, a.lo);
            // Level crossfade weights ride on the kernel weights.
            let k_lo = _mm256_mul_ps(taps(&table[r_lo], f_lo), g_lo);
            let (o_lo, o_hi, k_hi) = if TWO {
                let (i_hi, r_hi, f_hi) = split_phase(ph, a.hi);
                let k_hi = _mm256_mul_ps(taps(&table[r_hi], f_hi), g_hi);
                (a.lo.offset + i_lo, a.hi.offset + i_hi, k_hi)
            } else {
                (a.lo.offset + i_lo, 0, k_lo)
            };
            // SAFETY: every corner base starts a block of `block_len` floats inside the
            // arena, and a level's offset plus index plus eight taps stays inside its
            // stored table (guards included), as `CubeSet::build` lays them out.
            pl[s] =
                unsafe { read_channel::<MODE, TWO>(base, &cell.left, &w, o_lo, o_hi, k_lo, k_hi) };
            if STEREO {
                // SAFETY: as above, for the right-channel blocks.
                pr[s] = unsafe {
                    read_channel::<MODE, TWO>(base, &cell.right, &w, o_lo, o_hi, k_lo, k_hi)
                };
            }
            ph = ph.wrapping_add(a.inc);
        }
        // SAFETY: `i + group ≤ n` and every slice holds at least `n` samples.
        unsafe { emit::<STEREO>(group, &pl, &pr, gain, a.pan, out_l, out_r, i) };
        i += group;
    }
    *phase = ph;
}

/// The portable `poly_weights` (the tests' reference) eight lanes wide, operation for
/// operation the same arithmetic (separate multiplies and adds, no fused ones), so it
/// returns the same weights bit for bit. The curve check takes eight samples per
/// register (a sub-block whose length is not a multiple of eight ends on an
/// overlapping group) and the coefficients eight corners per register (lane
/// `c = 4·bx + 2·by + bz`); the portable version compiles for baseline x86-64, four
/// lanes at best.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[inline]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn poly_weights(
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
    let axes = [x, &y[..m], &z[..m]];
    let abs = _mm256_castsi256_ps(_mm256_set1_epi32(i32::MAX));
    // Per axis: the curve, and the cell index.
    let mut fit = [[0.0f32; 3]; 3];
    let mut idx = [0usize; 3];
    for (a, v) in axes.iter().enumerate() {
        let s = geo.scale[a];
        let tol = CURVE_TOL / s;
        let [g0, b, c] = fit_curve(v[0], v[mid], v[last], mid, last, tol);
        // `|t − (g0 + j·b + j²·c)| ≤ tol` for every sample (the ordered comparison
        // fails for NaN), fused as the portable version's `mul_add`s; and the range.
        let (vt, vg, vb, vc) = (
            _mm256_set1_ps(tol),
            _mm256_set1_ps(g0),
            _mm256_set1_ps(b),
            _mm256_set1_ps(c),
        );
        let mut ok = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
        let (mut lo, mut hi) = (_mm256_set1_ps(v[0]), _mm256_set1_ps(v[0]));
        let mut check = |t: __m256, j: __m256, j2: __m256| {
            let curve = _mm256_fmadd_ps(j2, vc, _mm256_fmadd_ps(j, vb, vg));
            let e = _mm256_and_ps(_mm256_sub_ps(t, curve), abs);
            ok = _mm256_and_ps(ok, _mm256_cmp_ps::<_CMP_LE_OQ>(e, vt));
            lo = _mm256_min_ps(lo, t);
            hi = _mm256_max_ps(hi, t);
        };
        let mut k = 0;
        if odd {
            // The odd samples of sixteen, in the order a shuffle leaves them
            // (1, 3, 9, 11, 5, 7, 13, 15); the check does not depend on the order.
            let lanes = _mm256_setr_ps(1.0, 3.0, 9.0, 11.0, 5.0, 7.0, 13.0, 15.0);
            while k < m {
                // Even, as `m` is: the last group may overlap the one before.
                let at = k.min(m - 16);
                // SAFETY: `at + 16 ≤ m`, the length of `v`.
                let (a, b) = unsafe {
                    (
                        _mm256_loadu_ps(v.as_ptr().add(at)),
                        _mm256_loadu_ps(v.as_ptr().add(at + 8)),
                    )
                };
                let t = _mm256_shuffle_ps::<0b11_01_11_01>(a, b);
                // Exact: indices and their squares below 2²⁴.
                let j = _mm256_add_ps(_mm256_set1_ps(at as f32), lanes);
                check(t, j, _mm256_mul_ps(j, j));
                k += 16;
            }
        } else {
            while k < m {
                let at = k.min(m - 8);
                // SAFETY: `at + 8 ≤ m ≤ POLY`, the length of `v`, `RAMP` and `RAMP2`.
                let (t, j, j2) = unsafe {
                    (
                        _mm256_loadu_ps(v.as_ptr().add(at)),
                        _mm256_loadu_ps(RAMP.as_ptr().add(at)),
                        _mm256_loadu_ps(RAMP2.as_ptr().add(at)),
                    )
                };
                check(t, j, j2);
                k += 8;
            }
        }
        if _mm256_movemask_ps(ok) != 0xFF {
            return None;
        }
        // Every sample passed the check, so none is NaN and the extremes are exact.
        let (lo, hi) = (hmin(lo) * s, hmax(hi) * s);
        if !(lo >= 0.0 && hi <= s) {
            return None;
        }
        let top = geo.cells[a] as i32 - 1;
        // SAFETY: `lo` and `hi` are finite and within 0..=s (checked above), so they
        // fit an i32.
        let (i, i1) = unsafe { (lo.to_int_unchecked::<i32>(), hi.to_int_unchecked::<i32>()) };
        let i = i.min(top);
        if i1.min(top) != i {
            return None;
        }
        idx[a] = i as usize;
        fit[a] = [g0 * s - i as f32, b * s, c * s];
    }
    let cell = (idx[0] * geo.cells[1] + idx[1]) * geo.cells[2] + idx[2];
    if !cells[cell].complete {
        return None;
    }
    // Per axis, the weight factor of each lane's corner bit as coefficients of
    // `[1, u, u²]`: `1 − f0`, `−b`, `−c` for bit 0, `f0`, `b`, `c` for bit 1.
    let factors = |a: usize| {
        let [f0, b, c] = fit[a];
        [[1.0 - f0, f0], [-b, b], [-c, c]]
    };
    let p = factors(0).map(|[k0, k1]| _mm256_setr_ps(k0, k0, k0, k0, k1, k1, k1, k1));
    let q = factors(1).map(|[k0, k1]| _mm256_setr_ps(k0, k0, k1, k1, k0, k0, k1, k1));
    let r = factors(2).map(|[k0, k1]| _mm256_setr_ps(k0, k1, k0, k1, k0, k1, k0, k1));
    // The portable version's products, in its order.
    let full: [__m256; 7] = mul_lanes::<5, 3, 7>(mul_lanes::<3, 3, 5>(p, q), r);
    let mut coef = [[0.0f32; 8]; 4];
    for p in 0..4 {
        // SAFETY: `coef[p]` holds eight f32.
        unsafe { _mm256_storeu_ps(coef[p].as_mut_ptr(), full[p]) };
    }
    // The largest term of each power over the sub-block (the largest magnitude is
    // exact whatever the order of comparison).
    let last = last as f32;
    let top = |p: usize| hmax(_mm256_and_ps(full[p], abs)) * reach(last, p);
    // The powers above 3 in one reduction: scaling by a positive reach commutes with
    // the maximum (rounding is monotonic), so this is `degree_of`'s first test.
    let high = [4, 5, 6]
        .map(|p| _mm256_mul_ps(_mm256_and_ps(full[p], abs), _mm256_set1_ps(reach(last, p))));
    use std::cmp::Ordering;
    let highest = hmax(_mm256_max_ps(high[0], _mm256_max_ps(high[1], high[2])));
    // As `degree_of`, NaN turns the path down.
    if !matches!(
        highest.partial_cmp(&TERM_TOL),
        Some(Ordering::Less | Ordering::Equal)
    ) {
        return None;
    }
    let degree = degree_of(|p| if p > 3 { 0.0 } else { top(p) })?;
    Some(PolyWeights { cell, coef, degree })
}

/// `poly_mul` (the portable reference's product) on eight lanes of coefficients at a time.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn mul_lanes<const A: usize, const B: usize, const C: usize>(
    a: [__m256; A],
    b: [__m256; B],
) -> [__m256; C] {
    let mut out = [_mm256_setzero_ps(); C];
    for (k, o) in out.iter_mut().enumerate() {
        // The first product of the sum, then the others added in order.
        let first = k.saturating_sub(B - 1);
        *o = _mm256_mul_ps(a[first], b[k - first]);
        for i in first + 1..=k.min(A - 1) {
            *o = _mm256_add_ps(*o, _mm256_mul_ps(a[i], b[k - i]));
        }
    }
    out
}

/// The largest of the eight lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn hmax(v: __m256) -> f32 {
    fold8(v, |a, b| _mm_max_ps(a, b))
}

/// The smallest of the eight lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn hmin(v: __m256) -> f32 {
    fold8(v, |a, b| _mm_min_ps(a, b))
}

/// The eight lanes of `v` folded by `op` (an associative, commutative lane-wise operation
/// such as min or max) into one: halves, then quarters, then the last pair.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn fold8(v: __m256, op: impl Fn(__m128, __m128) -> __m128) -> f32 {
    let h = op(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let h = op(h, _mm_movehl_ps(h, h));
    _mm_cvtss_f32(op(h, _mm_shuffle_ps::<1>(h, h)))
}

/// `out_l[i..i + 8] += l · gain · pan_l` and the same for the right: the scalar
/// `out += v * gain * pan` eight lanes wide, rounding step for step alike.
///
/// # Safety
/// `i + 8` must not exceed any slice's length.
#[inline]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn add_out8(
    l: __m256,
    r: __m256,
    gain: &[f32],
    pan_l: __m256,
    pan_r: __m256,
    out_l: &mut [f32],
    out_r: &mut [f32],
    i: usize,
) {
    debug_assert!(i + 8 <= gain.len() && i + 8 <= out_l.len() && i + 8 <= out_r.len());
    // SAFETY: guaranteed by the caller.
    unsafe {
        let g = _mm256_loadu_ps(gain.as_ptr().add(i));
        let (ol, or) = (out_l.as_mut_ptr().add(i), out_r.as_mut_ptr().add(i));
        let vl = _mm256_mul_ps(_mm256_mul_ps(l, g), pan_l);
        let vr = _mm256_mul_ps(_mm256_mul_ps(r, g), pan_r);
        _mm256_storeu_ps(ol, _mm256_add_ps(_mm256_loadu_ps(ol), vl));
        _mm256_storeu_ps(or, _mm256_add_ps(_mm256_loadu_ps(or), vr));
    }
}

/// Adds the `group` (8 or 1) samples summed in `pl`/`pr` (eight tap products each) to
/// the outputs at `i`, times `gain` and `pan`: eight lanes at once through
/// [`add_out8`], or one sample. Mono sets pass `pl` for both channels.
///
/// # Safety
/// `i + group` must not exceed any slice's length.
#[inline]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn emit<const STEREO: bool>(
    group: usize,
    pl: &[__m256; 8],
    pr: &[__m256; 8],
    gain: &[f32],
    pan: Pan<'_>,
    out_l: &mut [f32],
    out_r: &mut [f32],
    i: usize,
) {
    if group == 8 {
        let l = reduce8(pl);
        let r = if STEREO { reduce8(pr) } else { l };
        let (pan_l, pan_r) = match pan {
            Pan::Fixed(p) => (_mm256_set1_ps(p[0]), _mm256_set1_ps(p[1])),
            Pan::PerSample { left, right } => {
                assert!(i + 8 <= left.len() && i + 8 <= right.len());
                // SAFETY: in bounds (asserted).
                unsafe {
                    (
                        _mm256_loadu_ps(left.as_ptr().add(i)),
                        _mm256_loadu_ps(right.as_ptr().add(i)),
                    )
                }
            }
        };
        // SAFETY: guaranteed by the caller.
        unsafe { add_out8(l, r, gain, pan_l, pan_r, out_l, out_r, i) };
    } else {
        let p = pan.at(i);
        let l = hsum(pl[0]);
        out_l[i] += l * gain[i] * p[0];
        let r = if STEREO { hsum(pr[0]) } else { l };
        out_r[i] += r * gain[i] * p[1];
    }
}

/// The fixed-morph kernel. With the weights constant for the call, each sub-block first
/// blends the eight corners over just the stretch of each level table its samples will
/// read (one vectorised pass, corners of weight zero skipped), then reads that blend
/// like a one-node table. Per sample it then costs barely more than a single node.
///
/// Returns false, having rendered nothing, when a span would not fit (it cannot for
/// picks from [`MipLevels::pick`](crate::cube::MipLevels::pick)); the caller then
/// renders per sample.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
unsafe fn render_fixed<const STEREO: bool, const TWO: bool>(
    table: &[PhaseRow],
    span: &mut [[[f32; SPAN + 8]; 2]; 2],
    a: Args<'_>,
    phase: &mut u32,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> bool {
    let n = a.gain.len();
    if n == 0 {
        return true;
    }
    let pair = [a.lo, a.hi];
    let levels = &pair[..if TWO { 2 } else { 1 }];
    // The worst case over all start phases (fraction bits all ones).
    if levels
        .iter()
        .any(|r| last_offset_of(u32::MAX, r, SUB.min(n), a.inc) + BSPLINE_TAPS > SPAN)
    {
        return false;
    }
    let (cell, w) = hoisted::<FIXED>(&a);
    let arena = a.set.arena();
    let (g_lo, g_hi) = (_mm256_set1_ps(a.lo.weight), _mm256_set1_ps(a.hi.weight));
    let mut ph = *phase;
    let mut start = 0;
    while start < n {
        let m = (n - start).min(SUB);
        for (lv, r) in levels.iter().enumerate() {
            let first = (ph >> r.index_shift) as usize;
            let count = last_offset_of(ph, r, m, a.inc) + BSPLINE_TAPS;
            let len = 1usize << r.log2_len;
            let (left, right) = (&cell.left, &cell.right);
            // SAFETY: the bases come from the cell table; `count ≤ SPAN` was checked.
            unsafe {
                blend_span(
                    arena,
                    left,
                    &w,
                    r.offset,
                    len,
                    first,
                    count,
                    &mut span[0][lv],
                );
                if STEREO {
                    blend_span(
                        arena,
                        right,
                        &w,
                        r.offset,
                        len,
                        first,
                        count,
                        &mut span[1][lv],
                    );
                }
            }
        }
        let masks = pair.map(|r| (1u64 << r.index_shift) - 1);
        let mut acc = [0, 1].map(|lv| u64::from(ph) & masks[lv]);
        let mut i = start;
        while i < start + m {
            let group = if i + 8 <= start + m { 8 } else { 1 };
            let mut pl = [_mm256_setzero_ps(); 8];
            let mut pr = [_mm256_setzero_ps(); 8];
            for s in 0..group {
                let (_, r_lo, f_lo) = split_phase(ph, a.lo);
                let k_lo = _mm256_mul_ps(taps(&table[r_lo], f_lo), g_lo);
                let j_lo = (acc[0] >> a.lo.index_shift) as usize;
                let read = |ch: usize| {
                    let lo = &span[ch][0][j_lo..j_lo + BSPLINE_TAPS];
                    // SAFETY: the slice holds exactly eight f32.
                    let lo = unsafe { _mm256_loadu_ps(lo.as_ptr()) };
                    if !TWO {
                        return _mm256_mul_ps(lo, k_lo);
                    }
                    let (_, r_hi, f_hi) = split_phase(ph, a.hi);
                    let k_hi = _mm256_mul_ps(taps(&table[r_hi], f_hi), g_hi);
                    let j_hi = (acc[1] >> a.hi.index_shift) as usize;
                    let hi = &span[ch][1][j_hi..j_hi + BSPLINE_TAPS];
                    // SAFETY: the slice holds exactly eight f32.
                    let hi = unsafe { _mm256_loadu_ps(hi.as_ptr()) };
                    _mm256_fmadd_ps(lo, k_lo, _mm256_mul_ps(hi, k_hi))
                };
                pl[s] = read(0);
                if STEREO {
                    pr[s] = read(1);
                }
                ph = ph.wrapping_add(a.inc);
                acc[0] += u64::from(a.inc);
                acc[1] += u64::from(a.inc);
            }
            // SAFETY: `i + group ≤ n` and every slice holds at least `n` samples.
            unsafe { emit::<STEREO>(group, &pl, &pr, a.gain, a.pan, out_l, out_r, i) };
            i += group;
        }
        start += m;
    }
    *phase = ph;
    true
}

/// [`render_fixed`] with the blends kept in `cache`: each sub-block first fills the
/// chunks of the blended level tables its samples will read that the cache does not
/// hold yet (none, once a held note has played a cycle), then reads the blends at the
/// phase's own table index. The blends, kernel weights and sums are [`render_fixed`]'s,
/// so the samples are too, bit for bit.
///
/// Returns false, having rendered nothing, exactly when [`render_fixed`] would.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
unsafe fn render_cached<const STEREO: bool, const TWO: bool>(
    table: &[PhaseRow],
    cache: &mut BlendCache,
    a: Args<'_>,
    phase: &mut u32,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> bool {
    let n = a.gain.len();
    if n == 0 {
        return true;
    }
    let pair = [a.lo, a.hi];
    let levels = &pair[..if TWO { 2 } else { 1 }];
    // `render_fixed`'s condition, so both paths take the same samples the same way;
    // the length checks cannot fail for a `CubeSet` (levels of 8 to MAX_NODE_LEN).
    if levels.iter().any(|r| {
        let len = 1usize << r.log2_len;
        last_offset_of(u32::MAX, r, SUB.min(n), a.inc) + BSPLINE_TAPS > SPAN
            || !(BSPLINE_TAPS..=MAX_NODE_LEN).contains(&len)
    }) {
        return false;
    }
    let (cell, w) = hoisted::<FIXED>(&a);
    let arena = a.set.arena();
    let key = |r: &LevelRead| BlendKey {
        set: a.set.id(),
        left: cell.left,
        right: cell.right,
        weights: w.map(f32::to_bits),
        offset: r.offset,
    };
    let s_lo = cache.slot_for(key(&a.lo), None);
    let s_hi = if TWO {
        cache.slot_for(key(&a.hi), Some(s_lo))
    } else {
        s_lo
    };
    let slots = [s_lo, s_hi];
    let (g_lo, g_hi) = (_mm256_set1_ps(a.lo.weight), _mm256_set1_ps(a.hi.weight));
    let mut ph = *phase;
    let mut start = 0;
    while start < n {
        let m = (n - start).min(SUB);
        for (lv, r) in levels.iter().enumerate() {
            let slot = &mut cache.slots[slots[lv]];
            let len = 1usize << r.log2_len;
            if slot.filled < len / BSPLINE_TAPS {
                let first = (ph >> r.index_shift) as usize;
                let count = last_offset_of(ph, r, m, a.inc) + BSPLINE_TAPS;
                // SAFETY: the bases come from the cell table; `len` is within
                // 8..=MAX_NODE_LEN (checked above).
                unsafe {
                    fill_chunks::<STEREO>(arena, cell, &w, r.offset, len, first, count, slot)
                };
            }
        }
        let data = slots.map(|i| cache.slots[i].data.as_ptr());
        let mut i = start;
        while i < start + m {
            let group = if i + 8 <= start + m { 8 } else { 1 };
            let mut pl = [_mm256_setzero_ps(); 8];
            let mut pr = [_mm256_setzero_ps(); 8];
            for s in 0..group {
                let (j_lo, r_lo, f_lo) = split_phase(ph, a.lo);
                let k_lo = _mm256_mul_ps(taps(&table[r_lo], f_lo), g_lo);
                let read = |ch: usize| {
                    // SAFETY: `j_lo < len`, so the window ends by entry `len + 6` of
                    // the channel's `CACHE_LEN`, inside chunks filled above (entries
                    // `len..len + 8` with chunk 0).
                    let lo = unsafe { _mm256_loadu_ps(data[0].add(ch * CACHE_LEN + j_lo)) };
                    if !TWO {
                        return _mm256_mul_ps(lo, k_lo);
                    }
                    let (j_hi, r_hi, f_hi) = split_phase(ph, a.hi);
                    let k_hi = _mm256_mul_ps(taps(&table[r_hi], f_hi), g_hi);
                    // SAFETY: as above, for the second level.
                    let hi = unsafe { _mm256_loadu_ps(data[1].add(ch * CACHE_LEN + j_hi)) };
                    _mm256_fmadd_ps(lo, k_lo, _mm256_mul_ps(hi, k_hi))
                };
                pl[s] = read(0);
                if STEREO {
                    pr[s] = read(1);
                }
                ph = ph.wrapping_add(a.inc);
            }
            // SAFETY: `i + group ≤ n` and every slice holds at least `n` samples.
            unsafe { emit::<STEREO>(group, &pl, &pr, a.gain, a.pan, out_l, out_r, i) };
            i += group;
        }
        start += m;
    }
    *phase = ph;
    true
}

/// Fills the chunks of `slot` that table entries `first..first + count` (mod `len`)
/// fall in and that it does not hold yet: `data[ch][v] = Σ_c w[c] · stored_c[v]`, the
/// corners of weight zero skipped, accumulated in [`blend_span`]'s order (so the values
/// are its values bit for bit). Chunk 0 is also written at `len`, the wrap guard.
///
/// # Safety
/// The CPU must support AVX2 and FMA; the cell's bases must start channel blocks of the
/// arena; `len` is a power of two within `8..=MAX_NODE_LEN` and `first < len`.
#[inline]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn fill_chunks<const STEREO: bool>(
    arena: &[f32],
    cell: &CellCorners,
    w: &[f32; 8],
    level_offset: usize,
    len: usize,
    first: usize,
    count: usize,
    slot: &mut CacheSlot,
) {
    let chunks = len / BSPLINE_TAPS;
    debug_assert!(chunks.is_power_of_two() && chunks <= 64 * CHUNK_WORDS);
    debug_assert!(first < len && count > 0);
    // The corners that carry weight.
    let mut src = [[std::ptr::null::<f32>(); 8]; 2];
    let mut wv = [_mm256_setzero_ps(); 8];
    let mut used = 0;
    for c in 0..8 {
        if w[c] != 0.0 {
            src[0][used] = arena[cell.left[c] as usize + level_offset..].as_ptr();
            src[1][used] = arena[cell.right[c] as usize + level_offset..].as_ptr();
            wv[used] = _mm256_set1_ps(w[c]);
            used += 1;
        }
    }
    let c0 = first / BSPLINE_TAPS;
    let reach = ((first + count - 1) / BSPLINE_TAPS - c0 + 1).min(chunks);
    let dst = slot.data.as_mut_ptr();
    for t in 0..reach {
        let k = (c0 + t) & (chunks - 1);
        let bit = 1u64 << (k % 64);
        if slot.valid[k / 64] & bit != 0 {
            continue;
        }
        slot.valid[k / 64] |= bit;
        slot.filled += 1;
        for ch in 0..if STEREO { 2 } else { 1 } {
            let mut acc = _mm256_setzero_ps();
            for c in 0..used {
                // SAFETY: `8k + 8 ≤ len`, inside the stored table.
                let v = unsafe { _mm256_loadu_ps(src[ch][c].add(BSPLINE_TAPS * k)) };
                acc = _mm256_fmadd_ps(wv[c], v, acc);
            }
            // SAFETY: `8k + 8 ≤ len` and `len + 8 ≤ CACHE_LEN`, per channel.
            unsafe {
                _mm256_storeu_ps(dst.add(ch * CACHE_LEN + BSPLINE_TAPS * k), acc);
                if k == 0 {
                    _mm256_storeu_ps(dst.add(ch * CACHE_LEN + len), acc);
                }
            }
        }
    }
}

/// One sub-block of a moving morph point whose corner weights are polynomials in the
/// sample index ([`poly_weights`]): the corners are blended into one span per power
/// of `u` (as the fixed path blends them once), and each sample reads the spans and
/// sums them by Horner's rule, `((s₃·u + s₂)·u + s₁)·u + s₀`, before the kernel.
/// `NP` is the number of powers (1 to 4). Renders `out_l.len()` samples (at most
/// [`POLY`]) starting at sample `start` of the call, whose gain it reads.
///
/// # Safety
/// The CPU must support AVX2 and FMA; every level's reads over the sub-block must fit
/// a span (`last_offset_of(u32::MAX, …) + 8 ≤ SPAN`).
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn render_poly<const NP: usize, const STEREO: bool, const TWO: bool>(
    table: &[PhaseRow],
    span: &mut [[[[f32; SPAN + 8]; 2]; 2]; 4],
    a: &Args<'_>,
    cell: &CellCorners,
    coef: &[[f32; 8]; 4],
    phase: &mut u32,
    start: usize,
    out_l: &mut [f32],
    out_r: &mut [f32],
) {
    let m = out_l.len().min(out_r.len());
    debug_assert!(m <= POLY && start + m <= a.gain.len());
    let (gain, pan) = (&a.gain[start..start + m], a.pan.from(start));
    let pair = [a.lo, a.hi];
    let levels = &pair[..if TWO { 2 } else { 1 }];
    let arena = a.set.arena();
    let mut ph = *phase;
    for (lv, r) in levels.iter().enumerate() {
        let first = (ph >> r.index_shift) as usize;
        let count = last_offset_of(ph, r, m, a.inc) + BSPLINE_TAPS;
        let len = 1usize << r.log2_len;
        // SAFETY: the bases come from the cell table; `count ≤ SPAN` (caller).
        unsafe {
            blend_powers::<NP>(
                arena, &cell.left, coef, r.offset, len, first, count, span, 0, lv,
            );
            if STEREO {
                blend_powers::<NP>(
                    arena,
                    &cell.right,
                    coef,
                    r.offset,
                    len,
                    first,
                    count,
                    span,
                    1,
                    lv,
                );
            }
        }
    }
    let (g_lo, g_hi) = (_mm256_set1_ps(a.lo.weight), _mm256_set1_ps(a.hi.weight));
    let masks = pair.map(|r| (1u64 << r.index_shift) - 1);
    let mut acc = [0, 1].map(|lv| u64::from(ph) & masks[lv]);
    // The spans of level `lv`, channel `ch`, summed at entry `j` for sample index `u`.
    let horner = |ch: usize, lv: usize, j: usize, u: __m256| {
        // SAFETY: `j + 8 ≤ count ≤ SPAN` for every sample of the sub-block.
        let load = |p: usize| unsafe { _mm256_loadu_ps(span[p][ch][lv].as_ptr().add(j)) };
        let mut v = load(NP - 1);
        for p in (0..NP - 1).rev() {
            v = _mm256_fmadd_ps(v, u, load(p));
        }
        v
    };
    let mut i = 0;
    while i < m {
        let group = if i + 8 <= m { 8 } else { 1 };
        let mut pl = [_mm256_setzero_ps(); 8];
        let mut pr = [_mm256_setzero_ps(); 8];
        for s in 0..group {
            let u = _mm256_set1_ps(RAMP[i + s]);
            let (_, r_lo, f_lo) = split_phase(ph, a.lo);
            let k_lo = _mm256_mul_ps(taps(&table[r_lo], f_lo), g_lo);
            let j_lo = (acc[0] >> a.lo.index_shift) as usize;
            let read = |ch: usize| {
                let lo = horner(ch, 0, j_lo, u);
                if !TWO {
                    return _mm256_mul_ps(lo, k_lo);
                }
                let (_, r_hi, f_hi) = split_phase(ph, a.hi);
                let k_hi = _mm256_mul_ps(taps(&table[r_hi], f_hi), g_hi);
                let j_hi = (acc[1] >> a.hi.index_shift) as usize;
                let hi = horner(ch, 1, j_hi, u);
                _mm256_fmadd_ps(lo, k_lo, _mm256_mul_ps(hi, k_hi))
            };
            pl[s] = read(0);
            if STEREO {
                pr[s] = read(1);
            }
            ph = ph.wrapping_add(a.inc);
            acc[0] += u64::from(a.inc);
            acc[1] += u64::from(a.inc);
        }
        // SAFETY: `i + group ≤ m` and every slice holds at least `m` samples.
        unsafe { emit::<STEREO>(group, &pl, &pr, gain, pan, out_l, out_r, i) };
        i += group;
    }
    *phase = ph;
}

/// Table entries, after the first, that `m` samples from phase `ph` step through.
#[inline]
fn last_offset_of(ph: u32, r: &LevelRead, m: usize, inc: u32) -> usize {
    let mask = (1u64 << r.index_shift) - 1;
    (((u64::from(ph) & mask) + (m as u64 - 1) * u64::from(inc)) >> r.index_shift) as usize
}

/// `out[k] = Σ_c w[c] · stored_c[(first + k) mod len]` for `k < count`: the corners of
/// one level blended over the stretch a sub-block reads. `stored_c` is corner `c`'s
/// level table with its leading guard, so entry `v` is the table sample `v − 3`
/// (mod `len`). Eight entries at a time, all corners accumulated in a register; the
/// last group of a run may read into the table's trailing guard and write up to seven
/// entries past the run, which the next run overwrites (`out` has `SPAN + 8` room).
///
/// # Safety
/// Every corner base must start a channel block of the arena; `count ≤ SPAN`.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn blend_span(
    arena: &[f32],
    bases: &[u32; 8],
    w: &[f32; 8],
    level_offset: usize,
    len: usize,
    first: usize,
    count: usize,
    out: &mut [f32; SPAN + 8],
) {
    debug_assert!(count <= SPAN);
    // The corners that carry weight.
    let mut src = [std::ptr::null::<f32>(); 8];
    let mut wv = [_mm256_setzero_ps(); 8];
    let mut used = 0;
    for c in 0..8 {
        if w[c] != 0.0 {
            src[used] = arena[bases[c] as usize + level_offset..].as_ptr();
            wv[used] = _mm256_set1_ps(w[c]);
            used += 1;
        }
    }
    let dst = out.as_mut_ptr();
    let mut k = 0;
    while k < count {
        let u = (first + k) & (len - 1);
        let run = (len - u).min(count - k);
        let mut e = 0;
        while e < run {
            let mut acc = _mm256_setzero_ps();
            for c in 0..used {
                // SAFETY: `u + e + 8 ≤ len + 7`, the stored table's length with guards.
                acc = _mm256_fmadd_ps(wv[c], unsafe { _mm256_loadu_ps(src[c].add(u + e)) }, acc);
            }
            // SAFETY: `k + e + 8 ≤ count + 7 < SPAN + 8`.
            unsafe { _mm256_storeu_ps(dst.add(k + e), acc) };
            e += 8;
        }
        k += run;
    }
}

/// [`blend_span`] for the `NP` power spans of a polynomial sub-block in one pass:
/// `span[p][ch][lv][k] = Σ_c coef[p][c] · stored_c[(first + k) mod len]` for `p < NP`.
/// Each corner window is loaded once for all the powers, and all eight corners are
/// summed (a complete cell's weights are rarely zero, and a zero one adds nothing), so
/// the corner loop unrolls and no corner's pointer is reloaded per power. Measured with
/// callgrind (`voice_profile 3d-lfo 16 0.5`): 35 fewer instructions per voice-sample
/// than `NP` separate [`blend_span`] passes (273 → 239).
///
/// # Safety
/// Every corner base must start a channel block of the arena; `count ≤ SPAN`.
#[inline]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn blend_powers<const NP: usize>(
    arena: &[f32],
    bases: &[u32; 8],
    coef: &[[f32; 8]; 4],
    level_offset: usize,
    len: usize,
    first: usize,
    count: usize,
    span: &mut [[[[f32; SPAN + 8]; 2]; 2]; 4],
    ch: usize,
    lv: usize,
) {
    debug_assert!(count <= SPAN && NP <= 4);
    let src: [*const f32; 8] =
        std::array::from_fn(|c| arena[bases[c] as usize + level_offset..].as_ptr());
    let w: [[__m256; 8]; NP] =
        std::array::from_fn(|p| std::array::from_fn(|c| _mm256_set1_ps(coef[p][c])));
    let dst: [*mut f32; NP] = std::array::from_fn(|p| span[p][ch][lv].as_mut_ptr());
    let mut k = 0;
    while k < count {
        let u = (first + k) & (len - 1);
        let run = (len - u).min(count - k);
        let mut e = 0;
        while e < run {
            let mut acc = [_mm256_setzero_ps(); NP];
            for c in 0..8 {
                // SAFETY: `u + e + 8 ≤ len + 7`, the stored table's length with guards.
                let v = unsafe { _mm256_loadu_ps(src[c].add(u + e)) };
                for p in 0..NP {
                    acc[p] = _mm256_fmadd_ps(w[p][c], v, acc[p]);
                }
            }
            for p in 0..NP {
                // SAFETY: `k + e + 8 ≤ count + 7 < SPAN + 8`.
                unsafe { _mm256_storeu_ps(dst[p].add(k + e), acc[p]) };
            }
            e += 8;
        }
        k += run;
    }
}

/// Kernel weights of a table row, interpolated to fraction `f` towards the next row.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn taps(row: &PhaseRow, f: f32) -> __m256 {
    // SAFETY: `w` and `d` are eight contiguous f32 each.
    let (w, d) = unsafe {
        (
            _mm256_loadu_ps(row.w.as_ptr()),
            _mm256_loadu_ps(row.d.as_ptr()),
        )
    };
    _mm256_fmadd_ps(_mm256_set1_ps(f), d, w)
}

/// Blends the corners' 8-tap windows for both levels and returns the tap products, whose
/// sum ([`hsum`], [`reduce8`]) is the interpolated value.
/// `k_lo`/`k_hi` are the kernel weights already scaled by the level crossfade.
///
/// # Safety
/// `base + bases[c] + o_lo/o_hi + 8` must lie inside the arena for every corner read.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn read_channel<const MODE: u8, const TWO: bool>(
    base: *const f32,
    bases: &[u32; 8],
    w: &[f32; 8],
    o_lo: usize,
    o_hi: usize,
    k_lo: __m256,
    k_hi: __m256,
) -> __m256 {
    // SAFETY (all loads): guaranteed by the caller.
    let load = |c: usize, o: usize| unsafe { _mm256_loadu_ps(base.add(bases[c] as usize + o)) };
    if !TWO {
        let acc = if MODE != SINGLE {
            let mut lo = [_mm256_setzero_ps(); 2];
            for c in 0..8 {
                let wc = _mm256_set1_ps(w[c]);
                lo[c & 1] = _mm256_fmadd_ps(wc, load(c, o_lo), lo[c & 1]);
            }
            _mm256_add_ps(lo[0], lo[1])
        } else {
            load(0, o_lo)
        };
        return _mm256_mul_ps(acc, k_lo);
    }
    let (acc_lo, acc_hi) = if MODE != SINGLE {
        // Two accumulators per level halve the dependency chain of the eight FMAs.
        let mut lo = [_mm256_setzero_ps(); 2];
        let mut hi = [_mm256_setzero_ps(); 2];
        for c in 0..8 {
            let wc = _mm256_set1_ps(w[c]);
            lo[c & 1] = _mm256_fmadd_ps(wc, load(c, o_lo), lo[c & 1]);
            hi[c & 1] = _mm256_fmadd_ps(wc, load(c, o_hi), hi[c & 1]);
        }
        (_mm256_add_ps(lo[0], lo[1]), _mm256_add_ps(hi[0], hi[1]))
    } else {
        (load(0, o_lo), load(0, o_hi))
    };
    _mm256_fmadd_ps(acc_lo, k_lo, _mm256_mul_ps(acc_hi, k_hi))
}

/// The sum of the eight lanes, added in the same order as [`reduce8`] adds each of its
/// vectors, so a sample's value does not depend on whether it was summed alone or in a
/// group of eight (renders stay independent of the block size).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let h = _mm256_hadd_ps(v, v);
    let h = _mm256_hadd_ps(h, h);
    _mm_cvtss_f32(_mm_add_ss(
        _mm256_castps256_ps128(h),
        _mm256_extractf128_ps::<1>(h),
    ))
}

/// Lane `s` of the result is the sum of the eight lanes of `p[s]`: eight horizontal
/// sums in seven adds and two permutes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn reduce8(p: &[__m256; 8]) -> __m256 {
    let h01 = _mm256_hadd_ps(p[0], p[1]);
    let h23 = _mm256_hadd_ps(p[2], p[3]);
    let h45 = _mm256_hadd_ps(p[4], p[5]);
    let h67 = _mm256_hadd_ps(p[6], p[7]);
    let h0123 = _mm256_hadd_ps(h01, h23);
    let h4567 = _mm256_hadd_ps(h45, h67);
    let lo = _mm256_permute2f128_ps::<0x20>(h0123, h4567);
    let hi = _mm256_permute2f128_ps::<0x31>(h0123, h4567);
    _mm256_add_ps(lo, hi)
}
