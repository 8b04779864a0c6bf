//! The sample type of the FFT layer: `f32` or `f64`, one generic code path for both.

use realfft::num_traits::{Float, FloatConst};
use realfft::FftNum;

/// A floating-point sample type the convolution code is generic over (`f32` and `f64`).
///
/// It is realfft's [`FftNum`] plus the arithmetic the convolution and normalisation
/// need; the blanket impl means nothing has to be implemented by hand.
pub trait Real: FftNum + Float + FloatConst + Default + std::iter::Sum {
    /// `v` (an `f64`) converted to this type (rounded for `f32`).
    fn of_f64(v: f64) -> Self;
    /// This value as an `f64` (exact).
    fn as_f64(self) -> f64;
}

impl Real for f32 {
    #[inline]
    fn of_f64(v: f64) -> Self {
        v as f32
    }
    #[inline]
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    #[inline]
    fn of_f64(v: f64) -> Self {
        v
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self
    }
}
