//! `Fft2d`: the one real FFT layer behind 1D and 2D convolution and the sculpt filters.
//!
//! A real-to-complex transform along each row (realfft), then, when there is more than
//! one row, a complex transform along each column (rustfft). A 1D signal is the
//! one-row case, so audio and images share this code.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealToComplex};
use rustfft::Fft;

use super::Real;

/// The forward and inverse column transforms.
pub(super) type ColumnFfts<T> = (Arc<dyn Fft<T>>, Arc<dyn Fft<T>>);

/// A planned `rows × cols` real 2D FFT with its scratch buffers.
///
/// **Spectrum layout.** A spectrum holds `bins · rows` values, `bins = cols / 2 + 1`,
/// stored bin-major: `spec[b * rows + r]` is column frequency `b` (0..=cols/2, the
/// non-negative half that realfft returns) and row frequency `r` (0..rows, unshifted:
/// `r` stands for `r − rows` when `r > rows / 2`). For `rows == 1` that is simply
/// realfft's `spec[b]`. The layout lets the column transforms run as one batched call.
///
/// Built by [`ConvPlanner::fft2d`](super::ConvPlanner::fft2d) (which allocates); after
/// that [`forward`](Self::forward) and [`inverse`](Self::inverse) allocate nothing, so
/// a renderer can own one and use it on its thread.
pub struct Fft2d<T: Real> {
    rows: usize,
    cols: usize,
    bins: usize,
    r2c: Arc<dyn RealToComplex<T>>,
    c2r: Arc<dyn ComplexToReal<T>>,
    /// Column transforms; `None` for one row (a length-1 DFT is the identity).
    cols_fft: Option<ColumnFfts<T>>,
    /// One padded real row (realfft consumes its input).
    row_real: Vec<T>,
    /// One row's half spectrum (empty for one row).
    row_spec: Vec<Complex<T>>,
    scratch: Vec<Complex<T>>,
}

/// realfft and rustfft only fail on buffer lengths this module sets itself, or (for the
/// inverse) on non-zero imaginary parts at DC and Nyquist, which `inverse` zeroes first.
#[inline]
fn checked<E: std::fmt::Debug>(res: Result<(), E>) {
    debug_assert!(res.is_ok(), "FFT buffer invariant broken: {res:?}");
}

impl<T: Real> Fft2d<T> {
    pub(super) fn from_plans(
        rows: usize,
        cols: usize,
        r2c: Arc<dyn RealToComplex<T>>,
        c2r: Arc<dyn ComplexToReal<T>>,
        cols_fft: Option<ColumnFfts<T>>,
    ) -> Self {
        let mut scratch_len = r2c.get_scratch_len().max(c2r.get_scratch_len());
        if let Some((fwd, inv)) = &cols_fft {
            scratch_len = scratch_len
                .max(fwd.get_inplace_scratch_len())
                .max(inv.get_inplace_scratch_len());
        }
        let bins = cols / 2 + 1;
        Self {
            rows,
            cols,
            bins,
            r2c,
            c2r,
            cols_fft,
            row_real: vec![T::zero(); cols],
            // One row's spectrum is only staged separately when there are columns to
            // transform; a single row transforms straight into the caller's spectrum.
            row_spec: vec![Complex::new(T::zero(), T::zero()); if rows > 1 { bins } else { 0 }],
            scratch: vec![Complex::new(T::zero(), T::zero()); scratch_len],
        }
    }

    /// Rows of the transform (the padded height).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns of the transform (the padded width).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Column-frequency bins, `cols / 2 + 1`.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// Length of a spectrum, `bins · rows`.
    pub fn spectrum_len(&self) -> usize {
        self.bins * self.rows
    }

    /// A zeroed spectrum buffer for this transform.
    ///
    /// # Allocation
    /// Allocates [`spectrum_len`](Self::spectrum_len) complex values.
    pub fn make_spectrum(&self) -> Vec<Complex<T>> {
        vec![Complex::new(T::zero(), T::zero()); self.spectrum_len()]
    }

    /// The (unnormalised) forward transform of a `width × height` row-major input,
    /// zero-padded to `cols × rows` (`width ≤ cols`, `height ≤ rows`), into `spec`
    /// (length [`spectrum_len`](Self::spectrum_len)). Does not allocate.
    pub fn forward(&mut self, input: &[T], width: usize, height: usize, spec: &mut [Complex<T>]) {
        debug_assert!(width <= self.cols && height <= self.rows);
        debug_assert_eq!(input.len(), width * height);
        debug_assert_eq!(spec.len(), self.spectrum_len());
        let zero = Complex::new(T::zero(), T::zero());
        let Some((col_fwd, _)) = &self.cols_fft else {
            self.row_real[..width].copy_from_slice(input);
            self.row_real[width..].fill(T::zero());
            checked(
                self.r2c
                    .process_with_scratch(&mut self.row_real, spec, &mut self.scratch),
            );
            return;
        };
        for r in 0..self.rows {
            if r < height {
                self.row_real[..width].copy_from_slice(&input[r * width..(r + 1) * width]);
                self.row_real[width..].fill(T::zero());
                checked(self.r2c.process_with_scratch(
                    &mut self.row_real,
                    &mut self.row_spec,
                    &mut self.scratch,
                ));
                for (b, &v) in self.row_spec.iter().enumerate() {
                    spec[b * self.rows + r] = v;
                }
            } else {
                for b in 0..self.bins {
                    spec[b * self.rows + r] = zero;
                }
            }
        }
        col_fwd.process_with_scratch(spec, &mut self.scratch);
    }

    /// The inverse transform of `spec` (which it overwrites), scaled by `scale`
    /// (`1 / (rows · cols)` undoes [`forward`](Self::forward)), keeping only the
    /// `width × height` window whose top-left corner is column `col0`, row `row0`
    /// (`col0 + width ≤ cols`, `row0 + height ≤ rows`), written row-major to `out`.
    /// Does not allocate.
    pub fn inverse(
        &mut self,
        spec: &mut [Complex<T>],
        col0: usize,
        row0: usize,
        width: usize,
        height: usize,
        scale: T,
        out: &mut [T],
    ) {
        debug_assert!(col0 + width <= self.cols && row0 + height <= self.rows);
        debug_assert_eq!(out.len(), width * height);
        debug_assert_eq!(spec.len(), self.spectrum_len());
        let last = self.bins - 1;
        let even = self.cols % 2 == 0;
        let Some((_, col_inv)) = &self.cols_fft else {
            // A real signal's DC (and even-length Nyquist) bin is real; rounding in a
            // product of spectra can leave a tiny imaginary part there.
            spec[0].im = T::zero();
            if even {
                spec[last].im = T::zero();
            }
            checked(
                self.c2r
                    .process_with_scratch(spec, &mut self.row_real, &mut self.scratch),
            );
            for (o, &v) in out.iter_mut().zip(&self.row_real[col0..col0 + width]) {
                *o = v * scale;
            }
            return;
        };
        col_inv.process_with_scratch(spec, &mut self.scratch);
        for (y, r) in (row0..row0 + height).enumerate() {
            for b in 0..self.bins {
                self.row_spec[b] = spec[b * self.rows + r];
            }
            self.row_spec[0].im = T::zero();
            if even {
                self.row_spec[last].im = T::zero();
            }
            checked(self.c2r.process_with_scratch(
                &mut self.row_spec,
                &mut self.row_real,
                &mut self.scratch,
            ));
            let dst = &mut out[y * width..(y + 1) * width];
            for (o, &v) in dst.iter_mut().zip(&self.row_real[col0..col0 + width]) {
                *o = v * scale;
            }
        }
    }
}
