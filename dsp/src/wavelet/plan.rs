//! [`WavedecPlan`]: a preallocated periodization `wavedec` for real-time callers.

use super::dwt::dwt_into;
use super::wavedec::periodization_max_level;
use super::{Mode, Sample, Wavelet};

/// A multi-level periodization decomposition whose buffers are allocated once, so
/// [`run`](Self::run) never allocates: usable on the audio thread.
///
/// For an input of `n` samples at level `L` it holds the same numbers as
/// `wavedec(x, w, L, Mode::Periodization)`, but without that function's boundary-effect
/// refusal: the level is clamped only to what the length allows (see
/// [`run`](Self::run)).
///
/// `T` is `f64` (default) or `f32`.
#[derive(Clone, Debug)]
pub struct WavedecPlan<T = f64> {
    /// Longest input accepted, samples.
    max_len: usize,
    /// Deepest level accepted.
    max_level: usize,
    /// `approx[j]`: cA_j buffer (j = 0 holds a copy of the input for level-0 runs).
    approx: Vec<Vec<T>>,
    /// `detail[j]`: cD_j buffer, `detail[0]` unused.
    detail: Vec<Vec<T>>,
    /// `lens[j]`: coefficients per band at level j in the last run (`lens[0]` = input).
    lens: Vec<usize>,
    /// Levels computed by the last run.
    levels: usize,
}

impl<T: Sample> WavedecPlan<T> {
    /// A plan for inputs of up to `max_len` samples and up to `max_level` levels.
    ///
    /// # Allocation
    /// Allocates about `2 * max_len` samples of buffers.
    pub fn new(max_len: usize, max_level: usize) -> Self {
        let mut approx = Vec::with_capacity(max_level + 1);
        let mut detail = Vec::with_capacity(max_level + 1);
        let mut len = max_len;
        for j in 0..=max_level {
            approx.push(vec![T::ZERO; len]);
            detail.push(vec![T::ZERO; if j == 0 { 0 } else { len }]);
            len = len.div_ceil(2);
        }
        Self {
            max_len,
            max_level,
            approx,
            detail,
            lens: vec![0; max_level + 1],
            levels: 0,
        }
    }

    /// Longest input accepted, samples.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Deepest level accepted.
    pub fn max_level(&self) -> usize {
        self.max_level
    }

    /// Decomposes `x` with wavelet `w` to `level` levels in periodization mode.
    ///
    /// The level actually computed, [`levels`](Self::levels), is `level` clamped to
    /// [`max_level`](Self::max_level) and to
    /// [`periodization_max_level`]`(x.len())` (the level at which the approximation is
    /// one coefficient). An empty `x` gives 0 levels and empty bands.
    ///
    /// `x.len()` must be at most [`max_len`](Self::max_len) (`debug_assert!`); in release
    /// builds only the first `max_len` samples are used.
    pub fn run(&mut self, x: &[T], w: Wavelet, level: usize) {
        debug_assert!(
            x.len() <= self.max_len,
            "input of {} samples exceeds the plan's {}",
            x.len(),
            self.max_len
        );
        let x = &x[..x.len().min(self.max_len)];
        let levels = level
            .min(self.max_level)
            .min(periodization_max_level(x.len()));
        self.levels = levels;
        self.lens[0] = x.len();
        if levels == 0 {
            self.approx[0][..x.len()].copy_from_slice(x);
            return;
        }
        for j in 1..=levels {
            let m = self.lens[j - 1].div_ceil(2);
            self.lens[j] = m;
            let (done, rest) = self.approx.split_at_mut(j);
            let input: &[T] = if j == 1 {
                x
            } else {
                &done[j - 1][..self.lens[j - 1]]
            };
            dwt_into(
                input,
                w,
                Mode::Periodization,
                &mut rest[0][..m],
                &mut self.detail[j][..m],
            );
        }
    }

    /// Levels computed by the last [`run`](Self::run) (0 before the first).
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// `cA_L` of the last run, `L` = [`levels`](Self::levels); the input itself after a
    /// 0-level run.
    pub fn approx(&self) -> &[T] {
        &self.approx[self.levels][..self.lens[self.levels]]
    }

    /// `cD_level` of the last run, `1` being the finest; empty for `level` 0 or above
    /// [`levels`](Self::levels).
    pub fn detail(&self, level: usize) -> &[T] {
        if level == 0 || level > self.levels {
            return &[];
        }
        &self.detail[level][..self.lens[level]]
    }
}
