//! One level of the discrete wavelet transform and its inverse, in every [`Mode`],
//! equal to PyWavelets' `dwt`/`idwt` (`pywt/_extensions/c/convolution.c.src`).
//!
//! With `f` taps, coefficient `o` of a band is the convolution of the (extended) signal
//! with the filter, taken at position `i = c + 2o`: `sum_k h[k] x[i - k]`, where
//! `c = f / 2` in periodization and `c = 1` otherwise. The inverse is the transpose of
//! that map (the filters are orthogonal), restricted as PyWavelets restricts it.
//!
//! The slice kernels here write into caller-provided buffers and never allocate; the
//! `Vec`-returning [`dwt`] and [`idwt`] wrap them.

use super::family::{Analysis, MAX_FILTER_LEN};
use super::{Mode, Sample, Wavelet, WaveletError};

/// Coefficients per band after one level on `n` samples with an `filter_len`-tap filter:
/// `ceil(n / 2)` in periodization, `floor((n + filter_len - 1) / 2)` otherwise, 0 for an
/// empty signal (PyWavelets `dwt_coeff_len`).
pub fn dwt_coeff_len(n: usize, filter_len: usize, mode: Mode) -> usize {
    if n == 0 {
        return 0;
    }
    match mode {
        Mode::Periodization => n.div_ceil(2),
        Mode::Zero | Mode::Symmetric => (n + filter_len - 1) / 2,
    }
}

/// Samples that [`idwt`] rebuilds from `len` coefficients per band: `2 * len` in
/// periodization, `2 * len - filter_len + 2` otherwise (`None` when that is below 1).
pub fn idwt_len(len: usize, filter_len: usize, mode: Mode) -> Option<usize> {
    let n = match mode {
        Mode::Periodization => 2 * len,
        Mode::Zero | Mode::Symmetric => (2 * len + 2).checked_sub(filter_len)?,
    };
    (n > 0).then_some(n)
}

/// One analysis level: the approximation `cA` and detail `cD` of `x`, as `pywt.dwt`.
///
/// # Errors
/// [`WaveletError::EmptyInput`] for an empty `x`.
///
/// # Allocation
/// Allocates the two output vectors.
pub fn dwt<T: Sample>(x: &[T], w: Wavelet, mode: Mode) -> Result<(Vec<T>, Vec<T>), WaveletError> {
    if x.is_empty() {
        return Err(WaveletError::EmptyInput);
    }
    let m = dwt_coeff_len(x.len(), w.filter_len(), mode);
    let mut ca = vec![T::ZERO; m];
    let mut cd = vec![T::ZERO; m];
    dwt_into(x, w, mode, &mut ca, &mut cd);
    Ok((ca, cd))
}

/// One synthesis level: the signal rebuilt from `ca` and `cd`, as `pywt.idwt`.
///
/// # Errors
/// [`WaveletError::EmptyInput`] for empty arrays, [`WaveletError::LengthMismatch`] when
/// their lengths differ, [`WaveletError::TooFewCoefficients`] when the mode rebuilds no
/// sample from so few.
///
/// # Allocation
/// Allocates the output vector.
pub fn idwt<T: Sample>(ca: &[T], cd: &[T], w: Wavelet, mode: Mode) -> Result<Vec<T>, WaveletError> {
    if ca.len() != cd.len() {
        return Err(WaveletError::LengthMismatch {
            index: 1,
            approx_len: ca.len(),
            detail_len: cd.len(),
        });
    }
    if ca.is_empty() {
        return Err(WaveletError::EmptyInput);
    }
    let n = idwt_len(ca.len(), w.filter_len(), mode).ok_or(WaveletError::TooFewCoefficients {
        len: ca.len(),
        filter_len: w.filter_len(),
        mode: mode.name(),
    })?;
    let mut out = vec![T::ZERO; n];
    idwt_into(ca, cd, w, mode, &mut out);
    Ok(out)
}

/// One analysis level into caller buffers; never allocates.
///
/// `ca` and `cd` must hold exactly [`dwt_coeff_len`]`(x.len(), ..)` values (checked by
/// `debug_assert!`); `x` must not be empty.
pub fn dwt_into<T: Sample>(x: &[T], w: Wavelet, mode: Mode, ca: &mut [T], cd: &mut [T]) {
    debug_assert!(!x.is_empty());
    debug_assert_eq!(ca.len(), dwt_coeff_len(x.len(), w.filter_len(), mode));
    debug_assert_eq!(cd.len(), ca.len());
    let filters = Analysis::<T>::new(w);
    // NOTE: one monomorphised kernel per filter length, so the tap loop is unrolled.
    match w.filter_len() {
        2 => analyse::<T, 2>(x, &filters, mode, ca, cd),
        4 => analyse::<T, 4>(x, &filters, mode, ca, cd),
        8 => analyse::<T, 8>(x, &filters, mode, ca, cd),
        _ => analyse::<T, 16>(x, &filters, mode, ca, cd),
    }
}

/// One synthesis level into a caller buffer; never allocates.
///
/// `ca` and `cd` must have equal, non-zero lengths and `out` must hold exactly
/// [`idwt_len`] samples (checked by `debug_assert!`).
pub fn idwt_into<T: Sample>(ca: &[T], cd: &[T], w: Wavelet, mode: Mode, out: &mut [T]) {
    debug_assert_eq!(ca.len(), cd.len());
    debug_assert_eq!(Some(out.len()), idwt_len(ca.len(), w.filter_len(), mode));
    let filters = Analysis::<T>::new(w);
    match w.filter_len() {
        2 => synthesise::<T, 2>(ca, cd, &filters, mode, out),
        4 => synthesise::<T, 4>(ca, cd, &filters, mode, out),
        8 => synthesise::<T, 8>(ca, cd, &filters, mode, out),
        _ => synthesise::<T, 16>(ca, cd, &filters, mode, out),
    }
}

/// Where the coefficients of one level sit relative to the input.
#[derive(Clone, Copy, Debug)]
struct Layout {
    /// Input index of the first tap of coefficient 0 (`c - f + 1`); may be negative.
    start0: isize,
    /// Length of the extended input in periodization (`n` rounded up to even).
    period: usize,
}

impl Layout {
    fn new(n: usize, f: usize, mode: Mode) -> Self {
        let c = match mode {
            Mode::Periodization => f / 2,
            Mode::Zero | Mode::Symmetric => 1,
        };
        Self {
            start0: c as isize - f as isize + 1,
            period: n + n % 2,
        }
    }

    /// Coefficients `o_lo..o_hi` whose `f` taps all fall inside `0..n`.
    fn interior(self, n: usize, f: usize, m: usize) -> (usize, usize) {
        let o_lo = if self.start0 >= 0 {
            0
        } else {
            (-self.start0) as usize
        }
        .div_ceil(2);
        // Last tap of coefficient o is start0 + 2o + f - 1 <= n - 1.
        let last0 = self.start0 + f as isize - 1;
        let o_hi = if (n as isize - 1) < last0 {
            0
        } else {
            ((n as isize - 1 - last0) / 2 + 1) as usize
        };
        let o_hi = o_hi.min(m);
        (o_lo.min(o_hi), o_hi)
    }
}

/// The extended signal's value at index `j` (any integer), per mode.
#[inline]
fn extended<T: Sample>(x: &[T], j: isize, mode: Mode, period: usize) -> T {
    let n = x.len() as isize;
    if (0..n).contains(&j) {
        return x[j as usize];
    }
    match mode {
        Mode::Zero => T::ZERO,
        Mode::Periodization => {
            let k = j.rem_euclid(period as isize);
            // NOTE: index n of an odd-length signal is its repeated last sample.
            x[(k.min(n - 1)) as usize]
        }
        Mode::Symmetric => {
            let k = j.rem_euclid(2 * n);
            let k = if k < n { k } else { 2 * n - 1 - k };
            x[k as usize]
        }
    }
}

fn analyse<T: Sample, const F: usize>(
    x: &[T],
    filters: &Analysis<T>,
    mode: Mode,
    ca: &mut [T],
    cd: &mut [T],
) {
    // NOTE: the same code compiled for AVX2 when the CPU has it and the run is long enough
    // to vectorise; same operations in the same order, so the same bits (see `cascade`).
    #[cfg(target_arch = "x86_64")]
    if ca.len() >= SMALL && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { analyse_avx2::<T, F>(x, filters, mode, ca, cd) };
        return;
    }
    analyse_portable::<T, F>(x, filters, mode, ca, cd);
}

/// [`analyse_portable`] compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn analyse_avx2<T: Sample, const F: usize>(
    x: &[T],
    filters: &Analysis<T>,
    mode: Mode,
    ca: &mut [T],
    cd: &mut [T],
) {
    analyse_portable::<T, F>(x, filters, mode, ca, cd);
}

#[inline(always)]
fn analyse_portable<T: Sample, const F: usize>(
    x: &[T],
    filters: &Analysis<T>,
    mode: Mode,
    ca: &mut [T],
    cd: &mut [T],
) {
    let n = x.len();
    let m = ca.len();
    let lo: &[T; F] = filters.lo_rev[..F].try_into().expect("F taps");
    let hi: &[T; F] = filters.hi_rev[..F].try_into().expect("F taps");
    let layout = Layout::new(n, F, mode);
    let (o_lo, o_hi) = layout.interior(n, F, m);

    let boundary = |o: usize| -> (T, T) {
        let start = layout.start0 + 2 * o as isize;
        let (mut a, mut d) = (T::ZERO, T::ZERO);
        for k in 0..F {
            let v = extended(x, start + k as isize, mode, layout.period);
            a += lo[k] * v;
            d += hi[k] * v;
        }
        (a, d)
    };
    for o in (0..o_lo).chain(o_hi..m) {
        (ca[o], cd[o]) = boundary(o);
    }
    if o_hi > o_lo {
        let first = (layout.start0 + 2 * o_lo as isize) as usize;
        interior_kernel::<T, F>(
            &x[first..],
            lo,
            hi,
            &mut ca[o_lo..o_hi],
            &mut cd[o_lo..o_hi],
        );
    }
}

/// Outputs per stack block of [`interior_kernel`].
const BLOCK: usize = 256;

/// Below this many outputs [`interior_kernel`] works on `x` directly.
const SMALL: usize = 64;

/// Coefficients whose taps all lie in `x`: `ca[o] = sum_m lo[m] x[2o + m]`, same for `cd`
/// with `hi`; `x` holds at least `2 * ca.len() + F - 2` samples.
///
/// Polyphase form: each stack block of `x` is split into its even and odd samples, so
/// the loop over outputs reads contiguous memory and vectorises; the taps are still
/// summed in order `m = 0, 1, …, F-1`, as the boundary path and the direct path for
/// short runs sum them, so all give the same bits. Never allocates.
#[inline(always)]
pub(crate) fn interior_kernel<T: Sample, const F: usize>(
    x: &[T],
    lo: &[T; F],
    hi: &[T; F],
    ca: &mut [T],
    cd: &mut [T],
) {
    let m = ca.len().min(cd.len());
    debug_assert!(m == 0 || x.len() >= 2 * m + F - 2);
    if m < SMALL {
        // NOTE: filling the stack blocks would cost more than it saves here.
        for ((a, d), win) in ca
            .iter_mut()
            .zip(cd.iter_mut())
            .zip(x.windows(F).step_by(2))
        {
            let (mut sa, mut sd) = (T::ZERO, T::ZERO);
            for k in 0..F {
                sa += lo[k] * win[k];
                sd += hi[k] * win[k];
            }
            *a = sa;
            *d = sd;
        }
        return;
    }
    let half = F / 2;
    let mut even = [T::ZERO; BLOCK + MAX_FILTER_LEN / 2];
    let mut odd = [T::ZERO; BLOCK + MAX_FILTER_LEN / 2];
    let mut first = 0;
    while first < m {
        let count = BLOCK.min(m - first);
        let span = count + half - 1;
        let src = &x[2 * first..2 * (first + span)];
        for ((e, o), pair) in even[..span]
            .iter_mut()
            .zip(odd[..span].iter_mut())
            .zip(src.chunks_exact(2))
        {
            *e = pair[0];
            *o = pair[1];
        }
        let (even, odd) = (&even[..span], &odd[..span]);
        let ca = &mut ca[first..first + count];
        let cd = &mut cd[first..first + count];
        for (((a, d), ew), ow) in ca
            .iter_mut()
            .zip(cd.iter_mut())
            .zip(even.windows(half))
            .zip(odd.windows(half))
        {
            let (mut sa, mut sd) = (T::ZERO, T::ZERO);
            for r in 0..half {
                sa += lo[2 * r] * ew[r];
                sa += lo[2 * r + 1] * ow[r];
                sd += hi[2 * r] * ew[r];
                sd += hi[2 * r + 1] * ow[r];
            }
            *a = sa;
            *d = sd;
        }
        first += count;
    }
}

fn synthesise<T: Sample, const F: usize>(
    ca: &[T],
    cd: &[T],
    filters: &Analysis<T>,
    mode: Mode,
    out: &mut [T],
) {
    let lo: &[T; F] = filters.lo_rev[..F].try_into().expect("F taps");
    let hi: &[T; F] = filters.hi_rev[..F].try_into().expect("F taps");
    out.fill(T::ZERO);
    let n = out.len();
    let m = ca.len();
    // The transpose of `analyse`: coefficient o adds `lo * ca[o] + hi * cd[o]` onto the
    // samples its taps read. In periodization those wrap modulo n; otherwise only the
    // part inside 0..n is kept (PyWavelets' "valid" upsampling convolution).
    let layout = Layout::new(n, F, mode);
    let (o_lo, o_hi) = layout.interior(n, F, m);
    for o in (0..o_lo).chain(o_hi..m) {
        let start = layout.start0 + 2 * o as isize;
        for k in 0..F {
            let j = start + k as isize;
            let v = lo[k] * ca[o] + hi[k] * cd[o];
            match mode {
                Mode::Periodization => out[j.rem_euclid(n as isize) as usize] += v,
                Mode::Zero | Mode::Symmetric => {
                    if (0..n as isize).contains(&j) {
                        out[j as usize] += v;
                    }
                }
            }
        }
    }
    for o in o_lo..o_hi {
        let start = (layout.start0 + 2 * o as isize) as usize;
        let win: &mut [T; F] = (&mut out[start..start + F]).try_into().expect("F taps");
        let (a, d) = (ca[o], cd[o]);
        for k in 0..F {
            win[k] += lo[k] * a + hi[k] * d;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haar_pairs_are_scaled_sums_and_differences() {
        let x = [1.0, 3.0, 2.0, 2.0];
        let (ca, cd) = dwt(&x, Wavelet::Haar, Mode::Periodization).expect("non-empty");
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let want_a = [4.0 * s, 4.0 * s];
        let want_d = [-2.0 * s, 0.0];
        for k in 0..2 {
            assert!((ca[k] - want_a[k]).abs() < 1e-15);
            assert!((cd[k] - want_d[k]).abs() < 1e-15);
        }
    }

    #[test]
    fn lengths_follow_pywavelets() {
        assert_eq!(dwt_coeff_len(7, 8, Mode::Periodization), 4);
        assert_eq!(dwt_coeff_len(7, 8, Mode::Zero), 7);
        assert_eq!(idwt_len(7, 8, Mode::Symmetric), Some(8));
        assert_eq!(idwt_len(3, 8, Mode::Zero), None);
    }
}
