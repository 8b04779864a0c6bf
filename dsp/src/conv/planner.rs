//! `ConvPlanner`: FFT plans cached for reuse across convolutions of any size.

use std::cell::RefCell;

use realfft::RealFftPlanner;
use rustfft::FftPlanner;

use super::{Fft2d, Real};

/// Distinct transform lengths a [`ConvPlanner`] keeps plans for; planning a further
/// length first drops them all (plans already handed out stay valid). This bounds the
/// memory of a long batch over files of many lengths (SciPy's plan cache holds 16 too).
pub const MAX_CACHED_LENGTHS: usize = 16;

/// Plans FFTs once per length and hands out [`Fft2d`] transforms that share them.
///
/// realfft's and rustfft's planners both cache plans by length, so a caller that
/// convolves many signals of one size (a batch of images, every channel of a file)
/// plans each length once. The convolution entry points
/// ([`convolve`](Self::convolve), [`convolve_2d`](Self::convolve_2d), ...) are methods
/// on this type. Used on one non-real-time thread at a time (it is `Send`, not `Sync`).
pub struct ConvPlanner<T: Real> {
    real: RealFftPlanner<T>,
    complex: FftPlanner<T>,
    /// Lengths planned so far (at most [`MAX_CACHED_LENGTHS`]).
    lengths: Vec<usize>,
}

impl<T: Real> Default for ConvPlanner<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real> ConvPlanner<T> {
    /// An empty planner.
    pub fn new() -> Self {
        Self {
            real: RealFftPlanner::new(),
            complex: FftPlanner::new(),
            lengths: Vec::new(),
        }
    }

    /// Records a length about to be planned, starting afresh when the cache is full.
    fn note_length(&mut self, len: usize) {
        if !self.lengths.contains(&len) {
            if self.lengths.len() >= MAX_CACHED_LENGTHS {
                *self = Self::new();
            }
            self.lengths.push(len);
        }
    }

    /// A `rows × cols` real 2D transform (`rows == 1` for 1D), from cached plans.
    ///
    /// # Allocation
    /// Plans any length not seen before (allocating twiddles) and allocates the
    /// transform's row and scratch buffers.
    pub fn fft2d(&mut self, rows: usize, cols: usize) -> Fft2d<T> {
        debug_assert!(rows >= 1 && cols >= 1);
        self.note_length(cols);
        if rows > 1 {
            self.note_length(rows);
        }
        let r2c = self.real.plan_fft_forward(cols);
        let c2r = self.real.plan_fft_inverse(cols);
        let cols_fft = (rows > 1).then(|| {
            (
                self.complex.plan_fft_forward(rows),
                self.complex.plan_fft_inverse(rows),
            )
        });
        Fft2d::from_plans(rows, cols, r2c, c2r, cols_fft)
    }
}

thread_local! {
    /// This thread's shared `f32` planner (see [`with_thread_planner_f32`]).
    static THREAD_F32: RefCell<ConvPlanner<f32>> = RefCell::new(ConvPlanner::new());
    /// This thread's shared `f64` planner.
    static THREAD_F64: RefCell<ConvPlanner<f64>> = RefCell::new(ConvPlanner::new());
}

/// Runs `f` with this thread's shared `f32` planner, so that the audio and image entry
/// points plan each length once per thread (bounded by [`MAX_CACHED_LENGTHS`]).
pub(super) fn with_thread_planner_f32<R>(f: impl FnOnce(&mut ConvPlanner<f32>) -> R) -> R {
    THREAD_F32.with(|p| match p.try_borrow_mut() {
        Ok(mut planner) => f(&mut planner),
        // Re-entered (cannot happen today): plan afresh rather than panic.
        Err(_) => f(&mut ConvPlanner::new()),
    })
}

/// [`with_thread_planner_f32`] for `f64`.
pub(super) fn with_thread_planner_f64<R>(f: impl FnOnce(&mut ConvPlanner<f64>) -> R) -> R {
    THREAD_F64.with(|p| match p.try_borrow_mut() {
        Ok(mut planner) => f(&mut planner),
        Err(_) => f(&mut ConvPlanner::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_is_bounded() {
        let mut p = ConvPlanner::<f32>::new();
        for n in 1..=40 {
            let _ = p.fft2d(1, n);
            assert!(p.lengths.len() <= MAX_CACHED_LENGTHS);
        }
        let _ = p.fft2d(3, 40);
        assert!(p.lengths.contains(&3) && p.lengths.contains(&40));
    }
}
