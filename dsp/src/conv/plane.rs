//! `Plane`: a row-major 2D array of samples, the shape the 2D convolution works on.

use super::{ConvError, MAX_IMAGE_SIDE};

/// A `height × width` array of samples stored row by row (`data[y * width + x]`).
///
/// One image channel, a 2D kernel, or a stack of 1D signals (one per row). Built and
/// read on any non-real-time thread.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plane<T> {
    /// Columns (pixels per row); ≥ 1 in every plane the library returns.
    pub width: usize,
    /// Rows; ≥ 1 in every plane the library returns.
    pub height: usize,
    /// `width · height` samples, row-major.
    pub data: Vec<T>,
}

impl<T: Copy + Default> Plane<T> {
    /// A plane of `T::default()` (zero).
    ///
    /// # Allocation
    /// Allocates `width · height` samples.
    pub fn zeros(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![T::default(); width * height],
        }
    }

    /// A plane over `data`, checking that it holds `width · height` samples and that
    /// neither side is 0 or above [`MAX_IMAGE_SIDE`].
    pub fn from_vec(width: usize, height: usize, data: Vec<T>) -> Result<Self, ConvError> {
        if width == 0 || height == 0 || data.is_empty() {
            return Err(ConvError::Empty("plane"));
        }
        if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
            return Err(ConvError::TooLarge {
                what: "plane",
                size: format!("{width}×{height}"),
                limit: format!("{MAX_IMAGE_SIDE} per side"),
            });
        }
        if data.len() != width * height {
            return Err(ConvError::SizeMismatch(format!(
                "{} samples for a {width}×{height} plane",
                data.len()
            )));
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// A one-row plane holding `row` (a 1D signal as a plane).
    ///
    /// # Allocation
    /// Copies `row`.
    pub fn from_row(row: &[T]) -> Self {
        Self {
            width: row.len(),
            height: 1,
            data: row.to_vec(),
        }
    }

    /// Row `y` (`y < height`).
    pub fn row(&self, y: usize) -> &[T] {
        &self.data[y * self.width..(y + 1) * self.width]
    }

    /// Row `y`, mutable (`y < height`).
    pub fn row_mut(&mut self, y: usize) -> &mut [T] {
        &mut self.data[y * self.width..(y + 1) * self.width]
    }

    /// The sample at column `x`, row `y`.
    pub fn get(&self, x: usize, y: usize) -> T {
        self.data[y * self.width + x]
    }

    /// The transposed plane (`width` and `height` swapped).
    ///
    /// # Allocation
    /// Allocates the new plane.
    pub fn transposed(&self) -> Self {
        let mut out = Self::zeros(self.height, self.width);
        for y in 0..self.height {
            for x in 0..self.width {
                out.data[x * self.height + y] = self.data[y * self.width + x];
            }
        }
        out
    }

    /// `(width, height)`.
    pub fn dims(&self) -> (usize, usize) {
        (self.width, self.height)
    }
}
