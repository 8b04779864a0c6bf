//! The fused periodization cascade behind [`wavedec`](super::wavedec): every level of a
//! chunk of the signal is computed while that chunk is in cache, so no intermediate
//! approximation array is ever written to memory.
//!
//! For `n` divisible by `2^L`, periodization at each level is convolution with a signal
//! of period `n_j = n / 2^j`. Level-`L` outputs are produced in chunks `s..e`; a chunk of
//! level `j` reads the level-`(j-1)` approximations `2s - h .. 2e + h` with
//! `h = f/2 - 1`, and at level 0 those indices are taken modulo `n` (the periodic
//! extension). Intermediate approximations live in per-chunk scratch; details are
//! written straight into the output arrays. A value computed at index `k < 0` or
//! `k >= n_j` reads the same inputs in the same order as the one at `k mod n_j`, so the
//! result has the same bits as the level-by-level transform. Chunks overlap by `h`
//! coefficients per level (about 1% of the work at the chunk size used).

use super::dwt::interior_kernel;
use super::family::Analysis;
use super::Sample;

/// Level-0 samples per chunk, before halos.
const CHUNK_SAMPLES: usize = 4096;

/// Whether [`cascade`] applies: at least one level and `n` divisible by `2^levels`.
pub(crate) fn applies(n: usize, levels: usize) -> bool {
    levels >= 1 && levels < usize::BITS as usize && n > 0 && n % (1usize << levels) == 0
}

/// Fills `details[j - 1]` with `cD_j` (`n >> j` values each) and `approx` with `cA_L`
/// (`n >> L` values) for `L = details.len()`. Requires [`applies`]`(x.len(), L)`.
///
/// On x86-64 CPUs with AVX2 the same code runs compiled for AVX2 (4 doubles per vector
/// instead of SSE2's 2). Rust never fuses a multiply and an add on its own, so both
/// builds perform the same operations in the same order and give the same bits.
///
/// # Allocation
/// Allocates per-level scratch of about `2 * CHUNK_SAMPLES` samples in all.
pub(crate) fn cascade<T: Sample, const F: usize>(
    x: &[T],
    filters: &Analysis<T>,
    details: &mut [Vec<T>],
    approx: &mut [T],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { cascade_avx2::<T, F>(x, filters, details, approx) };
        return;
    }
    cascade_portable::<T, F>(x, filters, details, approx);
}

/// [`cascade_portable`] compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn cascade_avx2<T: Sample, const F: usize>(
    x: &[T],
    filters: &Analysis<T>,
    details: &mut [Vec<T>],
    approx: &mut [T],
) {
    cascade_portable::<T, F>(x, filters, details, approx);
}

#[inline(always)]
fn cascade_portable<T: Sample, const F: usize>(
    x: &[T],
    filters: &Analysis<T>,
    details: &mut [Vec<T>],
    approx: &mut [T],
) {
    let n = x.len();
    let levels = details.len();
    debug_assert!(applies(n, levels));
    let lo: &[T; F] = filters.lo_rev[..F].try_into().expect("F taps");
    let hi: &[T; F] = filters.hi_rev[..F].try_into().expect("F taps");
    let h = (F / 2 - 1) as isize;
    let n_top = n >> levels;
    // Level-L outputs per chunk: enough that the halos stay a small share of the work.
    let chunk = (CHUNK_SAMPLES >> levels).max(16 * F).min(n_top);
    // Chunk lengths per level (halos included): len_{j-1} = 2 len_j + 2h.
    let mut lens = vec![0usize; levels + 1];
    lens[levels] = chunk;
    for j in (1..=levels).rev() {
        lens[j - 1] = 2 * lens[j] + 2 * h as usize;
    }
    // scratch[j]: level-j approximations of the chunk for j < L (j = 0: the wrapped input
    // at the signal's ends); detail scratch is used where a chunk overhangs an end.
    let mut scratch: Vec<Vec<T>> = lens[..levels]
        .iter()
        .map(|&len| vec![T::ZERO; len])
        .collect();
    let mut detail_scratch = vec![T::ZERO; lens[1]];
    // First index and length of the chunk's range at each level.
    let mut starts = vec![0isize; levels + 1];
    let mut counts = vec![0usize; levels + 1];

    let mut s_top = 0;
    while s_top < n_top {
        let e_top = (s_top + chunk).min(n_top);
        let count_top = e_top - s_top;
        starts[levels] = s_top as isize;
        counts[levels] = count_top;
        for j in (1..=levels).rev() {
            starts[j - 1] = 2 * starts[j] - h;
            counts[j - 1] = 2 * counts[j] + 2 * h as usize;
        }
        let (s0, c0) = (starts[0], counts[0]);
        let inside = s0 >= 0 && s0 as usize + c0 <= n;
        if !inside {
            for (k, v) in scratch[0][..c0].iter_mut().enumerate() {
                *v = x[(s0 + k as isize).rem_euclid(n as isize) as usize];
            }
        }
        for j in 1..=levels {
            let (below, above) = scratch.split_at_mut(j);
            let input: &[T] = if j == 1 && inside {
                &x[s0 as usize..s0 as usize + c0]
            } else {
                &below[j - 1][..counts[j - 1]]
            };
            let count = counts[j];
            let start = starts[j];
            let n_j = (n >> j) as isize;
            let ca: &mut [T] = if j == levels {
                &mut approx[s_top..e_top]
            } else {
                &mut above[0][..count]
            };
            let out = &mut details[j - 1];
            if start >= 0 && start + count as isize <= n_j {
                let start = start as usize;
                interior_kernel::<T, F>(input, lo, hi, ca, &mut out[start..start + count]);
            } else {
                let cd = &mut detail_scratch[..count];
                interior_kernel::<T, F>(input, lo, hi, ca, cd);
                for (k, &v) in cd.iter().enumerate() {
                    let idx = start + k as isize;
                    if (0..n_j).contains(&idx) {
                        out[idx as usize] = v;
                    }
                }
            }
        }
        s_top = e_top;
    }
}
