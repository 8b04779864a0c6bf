//! Multi-level decomposition and reconstruction (`wavedec`/`waverec`), the level limits,
//! and the adaptive level rule.

use super::cascade;
use super::dwt::{dwt_coeff_len, dwt_into, idwt_into, idwt_len};
use super::family::Analysis;
use super::{Mode, Sample, Wavelet, WaveletError};

/// PyWavelets' `dwt_max_level`: the deepest level at which some coefficients are still
/// free of boundary effects, `floor(log2(n / (filter_len - 1)))`, 0 when
/// `n < filter_len - 1`.
pub fn dwt_max_level(n: usize, filter_len: usize) -> usize {
    if filter_len < 2 || n < filter_len - 1 {
        return 0;
    }
    (n / (filter_len - 1)).ilog2() as usize
}

/// The number of levels a periodization cascade can take on `n` samples before the
/// approximation is a single coefficient: `ceil(log2 n)`, at least 1 for `n >= 1`, and
/// 0 for an empty signal. Deeper levels would only repeat that coefficient.
///
/// This is the clamp [`WavedecPlan`](super::WavedecPlan) applies; it ignores boundary
/// effects, unlike [`dwt_max_level`].
pub fn periodization_max_level(n: usize) -> usize {
    match n {
        0 => 0,
        1 => 1,
        _ => (n - 1).ilog2() as usize + 1,
    }
}

/// The level count for a `t`-sample analysis window (the rule of the original C# code):
/// 1 below 4 samples, otherwise `clamp(floor(log2 t) - 2, 1, 3)`.
///
/// | `t` | 1–7 | 8–15 | 16–31 | ≥ 32 |
/// |-----|-----|------|-------|------|
/// | levels | 1 | 1 | 2 | 3 |
pub fn adaptive_levels(t: usize) -> usize {
    if t < 4 {
        return 1;
    }
    (t.ilog2() as usize).saturating_sub(2).clamp(1, 3)
}

/// Multi-level decomposition, as `pywt.wavedec(x, w, level=level, mode=mode)`.
///
/// Returns `[cA_L, cD_L, cD_L-1, …, cD_1]` (coarsest first; `cD_1` is the finest).
/// `level == 0` returns `[x]`, as PyWavelets does.
///
/// # Errors
/// [`WaveletError::EmptyInput`] for an empty `x`; [`WaveletError::LevelTooHigh`] when
/// `level > dwt_max_level(x.len(), w.filter_len())` — where PyWavelets computes anyway
/// and warns that all coefficients feel the boundary, this refuses.
///
/// # Allocation
/// Allocates the output vectors (and nothing else).
pub fn wavedec<T: Sample>(
    x: &[T],
    w: Wavelet,
    level: usize,
    mode: Mode,
) -> Result<Vec<Vec<T>>, WaveletError> {
    if x.is_empty() {
        return Err(WaveletError::EmptyInput);
    }
    let max_level = dwt_max_level(x.len(), w.filter_len());
    if level > max_level {
        return Err(WaveletError::LevelTooHigh {
            level,
            max_level,
            len: x.len(),
            wavelet: w.name(),
        });
    }
    Ok(wavedec_unchecked(x, w, level, mode))
}

/// [`wavedec`] without the boundary-effect level check: any `level` is computed, as
/// PyWavelets does after its warning. `x` must not be empty (`debug_assert!`; an empty
/// `x` gives `level + 1` empty arrays).
///
/// # Allocation
/// Allocates the output vectors.
pub fn wavedec_unchecked<T: Sample>(x: &[T], w: Wavelet, level: usize, mode: Mode) -> Vec<Vec<T>> {
    debug_assert!(!x.is_empty());
    if mode == Mode::Periodization && cascade::applies(x.len(), level) {
        return wavedec_cascade(x, w, level);
    }
    let f = w.filter_len();
    // details[j - 1] = cD_j, finest first; the input is read in place, not copied.
    let mut details: Vec<Vec<T>> = Vec::with_capacity(level + 1);
    let mut approx: Option<Vec<T>> = None;
    for _ in 0..level {
        let input: &[T] = approx.as_deref().unwrap_or(x);
        let m = dwt_coeff_len(input.len(), f, mode);
        let mut ca = vec![T::ZERO; m];
        let mut cd = vec![T::ZERO; m];
        if m > 0 {
            dwt_into(input, w, mode, &mut ca, &mut cd);
        }
        details.push(cd);
        approx = Some(ca);
    }
    details.push(approx.unwrap_or_else(|| x.to_vec()));
    details.reverse();
    details
}

/// Periodization `wavedec` of a length divisible by `2^level` by the fused cascade.
fn wavedec_cascade<T: Sample>(x: &[T], w: Wavelet, level: usize) -> Vec<Vec<T>> {
    let n = x.len();
    let mut details: Vec<Vec<T>> = (1..=level).map(|j| vec![T::ZERO; n >> j]).collect();
    let mut approx = vec![T::ZERO; n >> level];
    let filters = Analysis::<T>::new(w);
    match w.filter_len() {
        2 => cascade::cascade::<T, 2>(x, &filters, &mut details, &mut approx),
        4 => cascade::cascade::<T, 4>(x, &filters, &mut details, &mut approx),
        8 => cascade::cascade::<T, 8>(x, &filters, &mut details, &mut approx),
        _ => cascade::cascade::<T, 16>(x, &filters, &mut details, &mut approx),
    }
    let mut out = Vec::with_capacity(level + 1);
    out.push(approx);
    out.extend(details.into_iter().rev());
    out
}

/// Multi-level reconstruction, as `pywt.waverec(coeffs, w, mode=mode)`.
///
/// `coeffs` is `[cA_L, cD_L, …, cD_1]`. At each step an approximation one longer than
/// its detail array is cut to the detail's length (this undoes the odd-length padding,
/// as PyWavelets does); any other length difference is an error. A single array is
/// returned as it is.
///
/// # Errors
/// [`WaveletError::NoCoefficients`], [`WaveletError::EmptyInput`],
/// [`WaveletError::LengthMismatch`], [`WaveletError::TooFewCoefficients`].
///
/// # Allocation
/// Allocates the output and one scratch vector per level.
pub fn waverec<T: Sample>(
    coeffs: &[Vec<T>],
    w: Wavelet,
    mode: Mode,
) -> Result<Vec<T>, WaveletError> {
    let (first, details) = coeffs.split_first().ok_or(WaveletError::NoCoefficients)?;
    let mut approx = first.clone();
    for (index, d) in details.iter().enumerate().map(|(i, d)| (i + 1, d)) {
        if approx.len() == d.len() + 1 {
            approx.truncate(d.len());
        } else if approx.len() != d.len() {
            return Err(WaveletError::LengthMismatch {
                index,
                approx_len: approx.len(),
                detail_len: d.len(),
            });
        }
        if d.is_empty() {
            return Err(WaveletError::EmptyInput);
        }
        let n =
            idwt_len(d.len(), w.filter_len(), mode).ok_or(WaveletError::TooFewCoefficients {
                len: d.len(),
                filter_len: w.filter_len(),
                mode: mode.name(),
            })?;
        let mut next = vec![T::ZERO; n];
        idwt_into(&approx, d, w, mode, &mut next);
        approx = next;
    }
    Ok(approx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_levels_match_pywavelets() {
        let got: Vec<usize> = [0, 1, 6, 7, 8, 13, 14, 15, 32, 1000]
            .iter()
            .map(|&n| dwt_max_level(n, 8))
            .collect();
        // As `[pywt.dwt_max_level(n, 8) for n in …]` prints.
        assert_eq!(got, [0, 0, 0, 0, 0, 0, 1, 1, 2, 7]);
    }

    #[test]
    fn periodization_levels_stop_at_one_coefficient() {
        let got: Vec<usize> = (0..=9).map(periodization_max_level).collect();
        assert_eq!(got, [0, 1, 1, 2, 2, 3, 3, 3, 3, 4]);
    }
}
