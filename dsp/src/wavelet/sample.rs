//! The sample types the transforms run on: `f64` (reference precision) and `f32` (audio).

use std::ops::{Add, AddAssign, Mul, Sub};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point sample type the wavelet transforms accept: `f32` or `f64`.
///
/// Filters are stored in `f64` and rounded once to `Self` before a transform runs, so an
/// `f32` transform computes entirely in `f32`.
pub trait Sample:
    sealed::Sealed
    + Copy
    + Default
    + PartialEq
    + PartialOrd
    + Send
    + Sync
    + std::fmt::Debug
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + AddAssign
    + 'static
{
    /// Zero.
    const ZERO: Self;
    /// `v` rounded to this type.
    fn from_f64(v: f64) -> Self;
    /// The value widened to `f64`.
    fn to_f64(self) -> f64;
}

impl Sample for f64 {
    const ZERO: Self = 0.0;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Sample for f32 {
    const ZERO: Self = 0.0;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}
