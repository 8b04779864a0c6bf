//! Linear and circular FFT convolution, 1D and 2D, on [`ConvPlanner`].
//!
//! The classic pipeline: zero-pad both operands to a fast length of at least
//! `N + K − 1` per convolved axis ([`fast_len`]), transform, multiply, transform back,
//! crop to the [`SizeMode`]. Circular mode transforms at exactly `N` (rustfft handles
//! any length). Non-finite inputs are not filtered here: one NaN spreads over the whole
//! output (the audio and image entry points replace them with 0 first).

use super::{fast_len, ConvError, ConvPlanner, Plane, Real, SizeMode, MAX_SAMPLES};

/// Which axes of a [`Plane`] a convolution runs along
/// ([`ConvPlanner::convolve_axes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axes {
    /// Both axes: a 2D convolution.
    Both,
    /// Along each row (axis 1, numpy's `axes=(1,)`): every row is a separate 1D signal.
    Rows,
    /// Along each column (axis 0, numpy's `axes=(0,)`).
    Columns,
}

/// A borrowed row-major `width × height` block of samples.
#[derive(Clone, Copy)]
struct View<'a, T> {
    data: &'a [T],
    width: usize,
    height: usize,
}

impl<'a, T> View<'a, T> {
    fn of(p: &'a Plane<T>) -> Self {
        Self {
            data: &p.data,
            width: p.width,
            height: p.height,
        }
    }

    fn row(data: &'a [T]) -> Self {
        Self {
            data,
            width: data.len(),
            height: 1,
        }
    }
}

/// The second operand of a convolution.
#[derive(Clone, Copy)]
enum Operand<'a, T> {
    /// `x ∗ h`.
    Kernel(View<'a, T>),
    /// `x ∗ x ∗ … ∗ x` (`n` factors), as `Xⁿ` in one spectrum.
    SelfPower(u32),
}

/// The largest auto-convolution order accepted.
pub const MAX_ORDER: u32 = 64;

/// Full linear lengths up to this are convolved in one FFT, never sectioned.
const SECTION_ABOVE: usize = 1 << 18;

/// The FFT length for sectioning a 1D linear convolution of a `long`-sample operand with
/// a `short`-sample one, or `None` to use one FFT: sectioned when the full result exceeds
/// 2¹⁸ samples and `short ≤ long / 2`, at `fast_len(max(2 · short, 2¹⁶))`. Measured on
/// 10 s × 2 s at 48 kHz: sectioned at 192 000 points is about as fast as one
/// 576 000-point FFT with warm plans, and planning it costs a third.
fn section_len(long: usize, short: usize) -> Option<usize> {
    if long + short - 1 <= SECTION_ABOVE || short > long / 2 {
        return None;
    }
    Some(fast_len((2 * short).max(1 << 16)))
}

fn check_nonempty<T>(v: &View<'_, T>, what: &'static str) -> Result<(), ConvError> {
    if v.width == 0 || v.height == 0 || v.data.is_empty() {
        return Err(ConvError::Empty(what));
    }
    debug_assert_eq!(v.data.len(), v.width * v.height);
    Ok(())
}

fn check_cap(what: &'static str, width: usize, height: usize) -> Result<(), ConvError> {
    match width.checked_mul(height) {
        Some(n) if n <= MAX_SAMPLES => Ok(()),
        _ => Err(ConvError::TooLarge {
            what,
            size: format!("{width}×{height} samples"),
            limit: format!("{MAX_SAMPLES} samples"),
        }),
    }
}

/// `h` wrapped modulo `width × height` (`h'[i mod W][j mod H] += h[i][j]`).
fn wrap_kernel<T: Real>(h: View<'_, T>, width: usize, height: usize) -> Plane<T> {
    let mut out = Plane::zeros(width, height);
    for y in 0..h.height {
        let row = &h.data[y * h.width..(y + 1) * h.width];
        let dst = (y % height) * width;
        for (x, &v) in row.iter().enumerate() {
            out.data[dst + x % width] = out.data[dst + x % width] + v;
        }
    }
    out
}

fn validate_order(order: u32) -> Result<(), ConvError> {
    if (1..=MAX_ORDER).contains(&order) {
        Ok(())
    } else {
        Err(ConvError::OutOfRange {
            name: "order",
            value: order.to_string(),
            range: "1..=64",
        })
    }
}

impl<T: Real> ConvPlanner<T> {
    /// `x ∗ h` (1D), cropped to `mode`.
    ///
    /// Long linear convolutions whose shorter operand is at most half the longer one are
    /// sectioned (overlap-add): blocks of the longer operand are
    /// convolved with the shorter at an FFT length of about twice the shorter, which keeps
    /// the working set in cache and the plans small. The result is the same up to
    /// rounding.
    ///
    /// Errors: an empty operand; a result or FFT above [`MAX_SAMPLES`].
    ///
    /// # Allocation
    /// Allocates the padded spectra and the result.
    pub fn convolve(&mut self, x: &[T], h: &[T], mode: SizeMode) -> Result<Vec<T>, ConvError> {
        if mode != SizeMode::Circular && !x.is_empty() && !h.is_empty() {
            let (long, short) = if x.len() >= h.len() { (x, h) } else { (h, x) };
            if let Some(m) = section_len(long.len(), short.len()) {
                check_cap("convolution result", long.len() + short.len() - 1, 1)?;
                let full = self.convolve_sectioned(long, short, m);
                let start = mode.crop_start(h.len());
                let len = mode.output_len(x.len(), h.len());
                return Ok(if start == 0 && len == full.len() {
                    full
                } else {
                    full[start..start + len].to_vec()
                });
            }
        }
        let out = self.convolve_views(View::row(x), Operand::Kernel(View::row(h)), mode)?;
        Ok(out.data)
    }

    /// The full `long ∗ short` by overlap-add at FFT length `m` (`m > short.len()`).
    fn convolve_sectioned(&mut self, long: &[T], short: &[T], m: usize) -> Vec<T> {
        let (nl, ns) = (long.len(), short.len());
        let step = m - ns + 1;
        let mut fft = self.fft2d(1, m);
        let mut kernel = fft.make_spectrum();
        fft.forward(short, ns, 1, &mut kernel);
        let mut spec = fft.make_spectrum();
        let mut out = vec![T::zero(); nl + ns - 1];
        let mut block = vec![T::zero(); m];
        let scale = T::of_f64(1.0 / m as f64);
        let mut start = 0;
        while start < nl {
            let len = step.min(nl - start);
            fft.forward(&long[start..start + len], len, 1, &mut spec);
            for (a, b) in spec.iter_mut().zip(&kernel) {
                *a = *a * *b;
            }
            // Block output: len + ns − 1 ≤ m samples, added where the block starts.
            let valid = len + ns - 1;
            fft.inverse(&mut spec, 0, 0, valid, 1, scale, &mut block[..valid]);
            for (o, &v) in out[start..start + valid].iter_mut().zip(&block[..valid]) {
                *o = *o + v;
            }
            start += len;
        }
        out
    }

    /// `x ∗ x ∗ … ∗ x` with `order` factors (order 1 returns `x` cropped to the mode),
    /// computed as `Xⁿ` in one spectrum; the effective kernel is the `(order − 1)`-fold
    /// auto-convolution, `(order − 1)(N − 1) + 1` samples long, which is what the size
    /// mode crops against. The spectrum is divided by its peak magnitude before the
    /// power and the result multiplied back, so high orders do not overflow midway.
    ///
    /// Errors: empty `x`; `order` outside 1..=[`MAX_ORDER`]; a result above
    /// [`MAX_SAMPLES`] or beyond `T`'s range.
    ///
    /// # Allocation
    /// Allocates the padded spectrum and the result.
    pub fn auto_convolve(
        &mut self,
        x: &[T],
        order: u32,
        mode: SizeMode,
    ) -> Result<Vec<T>, ConvError> {
        validate_order(order)?;
        let out = self.convolve_views(View::row(x), Operand::SelfPower(order), mode)?;
        Ok(out.data)
    }

    /// The 2D convolution `x ∗ h`, each axis cropped to `mode`.
    ///
    /// Errors: an empty operand; a result or FFT above [`MAX_SAMPLES`].
    ///
    /// # Allocation
    /// Allocates the padded spectra and the result.
    pub fn convolve_2d(
        &mut self,
        x: &Plane<T>,
        h: &Plane<T>,
        mode: SizeMode,
    ) -> Result<Plane<T>, ConvError> {
        self.convolve_views(View::of(x), Operand::Kernel(View::of(h)), mode)
    }

    /// The 2D auto-convolution of `x` with `order` factors (see
    /// [`auto_convolve`](Self::auto_convolve)).
    ///
    /// # Allocation
    /// Allocates the padded spectrum and the result.
    pub fn auto_convolve_2d(
        &mut self,
        x: &Plane<T>,
        order: u32,
        mode: SizeMode,
    ) -> Result<Plane<T>, ConvError> {
        validate_order(order)?;
        self.convolve_views(View::of(x), Operand::SelfPower(order), mode)
    }

    /// `x ∗ h` along `axes`. Along one axis, the other axis broadcasts as in numpy:
    /// its sizes must be equal, or one of them 1 (that row or column is then used
    /// against every row or column of the other).
    ///
    /// Errors: an empty operand; sizes on the other axis that do not broadcast; a result
    /// above [`MAX_SAMPLES`].
    ///
    /// # Allocation
    /// Allocates spectra and the result (and transposed copies for
    /// [`Axes::Columns`]).
    pub fn convolve_axes(
        &mut self,
        x: &Plane<T>,
        h: &Plane<T>,
        axes: Axes,
        mode: SizeMode,
    ) -> Result<Plane<T>, ConvError> {
        match axes {
            Axes::Both => self.convolve_2d(x, h, mode),
            Axes::Rows => self.convolve_rows(x, h, mode),
            Axes::Columns => {
                let out = self.convolve_rows(&x.transposed(), &h.transposed(), mode)?;
                Ok(out.transposed())
            }
        }
    }

    /// Every row of `x` with its row of `h` (broadcasting a single row).
    fn convolve_rows(
        &mut self,
        x: &Plane<T>,
        h: &Plane<T>,
        mode: SizeMode,
    ) -> Result<Plane<T>, ConvError> {
        check_nonempty(&View::of(x), "signal")?;
        check_nonempty(&View::of(h), "kernel")?;
        let rows = if x.height == h.height || h.height == 1 {
            x.height
        } else if x.height == 1 {
            h.height
        } else {
            return Err(ConvError::SizeMismatch(format!(
                "{} signal rows against {} kernel rows (need equal counts or one row)",
                x.height, h.height
            )));
        };
        let width = mode.output_len(x.width, h.width);
        check_cap("convolution result", width, rows)?;
        let mut out = Plane::zeros(width, rows);
        for r in 0..rows {
            let xr = x.row(if x.height == 1 { 0 } else { r });
            let hr = h.row(if h.height == 1 { 0 } else { r });
            let y = self.convolve_views(View::row(xr), Operand::Kernel(View::row(hr)), mode)?;
            out.row_mut(r).copy_from_slice(&y.data);
        }
        Ok(out)
    }

    /// The shared pipeline: pad, transform, combine, transform back, crop.
    fn convolve_views(
        &mut self,
        x: View<'_, T>,
        op: Operand<'_, T>,
        mode: SizeMode,
    ) -> Result<Plane<T>, ConvError> {
        check_nonempty(&x, "signal")?;
        let (kw, kh) = match op {
            Operand::Kernel(h) => {
                check_nonempty(&h, "kernel")?;
                (h.width, h.height)
            }
            Operand::SelfPower(n) => {
                let n = n as usize;
                let kw = (n - 1).checked_mul(x.width - 1).map(|v| v + 1);
                let kh = (n - 1).checked_mul(x.height - 1).map(|v| v + 1);
                match (kw, kh) {
                    (Some(kw), Some(kh)) => (kw, kh),
                    _ => {
                        return Err(ConvError::TooLarge {
                            what: "auto-convolution",
                            size: format!("order {n} of {}×{}", x.width, x.height),
                            limit: format!("{MAX_SAMPLES} samples"),
                        })
                    }
                }
            }
        };
        let circular = mode == SizeMode::Circular;
        let (fft_w, fft_h) = if circular {
            (x.width, x.height)
        } else {
            let lin_w = x.width.saturating_add(kw - 1);
            let lin_h = x.height.saturating_add(kh - 1);
            check_cap("linear convolution", lin_w, lin_h)?;
            (fast_len(lin_w), fast_len(lin_h))
        };
        check_cap("FFT buffer", fft_w, fft_h)?;
        let out_w = mode.output_len(x.width, kw);
        let out_h = mode.output_len(x.height, kh);
        check_cap("convolution result", out_w, out_h)?;

        let mut fft = self.fft2d(fft_h, fft_w);
        let mut spec = fft.make_spectrum();
        fft.forward(x.data, x.width, x.height, &mut spec);
        let mut scale = 1.0 / (fft_w as f64 * fft_h as f64);
        match op {
            Operand::Kernel(h) => {
                let mut hspec = fft.make_spectrum();
                if circular && (h.width > fft_w || h.height > fft_h) {
                    let wrapped = wrap_kernel(h, fft_w, fft_h);
                    fft.forward(&wrapped.data, fft_w, fft_h, &mut hspec);
                } else {
                    fft.forward(h.data, h.width, h.height, &mut hspec);
                }
                for (a, b) in spec.iter_mut().zip(&hspec) {
                    *a = *a * *b;
                }
            }
            Operand::SelfPower(n) => {
                let peak = spec.iter().map(|z| z.norm()).fold(T::zero(), T::max);
                if peak > T::zero() && peak.is_finite() {
                    let inv = T::one() / peak;
                    for z in spec.iter_mut() {
                        *z = (*z * inv).powu(n);
                    }
                    scale *= peak.as_f64().powi(n as i32);
                }
            }
        }
        let scale_t = T::of_f64(scale);
        if !scale_t.is_finite() {
            return Err(ConvError::TooLarge {
                what: "auto-convolution",
                size: "a peak beyond the sample type's range".to_string(),
                limit: "the largest finite value".to_string(),
            });
        }
        let (col0, row0) = if circular {
            (0, 0)
        } else {
            (mode.crop_start(kw), mode.crop_start(kh))
        };
        let mut out = Plane::zeros(out_w, out_h);
        fft.inverse(&mut spec, col0, row0, out_w, out_h, scale_t, &mut out.data);
        Ok(out)
    }
}

/// `x ∗ h` (1D) with a temporary [`ConvPlanner`]: the one-off form of
/// [`ConvPlanner::convolve`].
///
/// # Allocation
/// Plans the FFTs and allocates spectra and the result.
pub fn convolve<T: Real>(x: &[T], h: &[T], mode: SizeMode) -> Result<Vec<T>, ConvError> {
    ConvPlanner::new().convolve(x, h, mode)
}

/// The 2D `x ∗ h` with a temporary [`ConvPlanner`].
///
/// # Allocation
/// Plans the FFTs and allocates spectra and the result.
pub fn convolve_2d<T: Real>(
    x: &Plane<T>,
    h: &Plane<T>,
    mode: SizeMode,
) -> Result<Plane<T>, ConvError> {
    ConvPlanner::new().convolve_2d(x, h, mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(x: &[f64], h: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; x.len() + h.len() - 1];
        for (i, &a) in x.iter().enumerate() {
            for (j, &b) in h.iter().enumerate() {
                y[i + j] += a * b;
            }
        }
        y
    }

    #[test]
    fn small_full_matches_direct() {
        let x = [1.0, 2.0, -1.0, 0.5, 3.0];
        let h = [0.25, -1.0, 2.0];
        let y = convolve(&x, &h, SizeMode::Full).unwrap();
        let d = direct(&x, &h);
        let err = y
            .iter()
            .zip(&d)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-12, "max error {err}");
    }

    #[test]
    fn circular_wraps_a_long_kernel() {
        // Period-3 circular convolution with a 5-tap kernel: taps 3 and 4 wrap to 0 and 1.
        let x = [1.0, 0.0, 0.0];
        let h = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = convolve(&x, &h, SizeMode::Circular).unwrap();
        for (a, b) in y.iter().zip([5.0f64, 7.0, 3.0]) {
            assert!((a - b).abs() < 1e-12, "{y:?}");
        }
    }

    #[test]
    fn auto_power_matches_repeated_convolution() {
        let x = [0.5, -1.0, 2.0, 0.25];
        let y3 = ConvPlanner::<f64>::new()
            .auto_convolve(&x, 3, SizeMode::Full)
            .unwrap();
        let d = direct(&direct(&x, &x), &x);
        assert_eq!(y3.len(), d.len());
        let err = y3
            .iter()
            .zip(&d)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-12, "max error {err}");
    }

    #[test]
    fn rejects_empty_and_bad_order() {
        assert!(convolve::<f32>(&[], &[1.0], SizeMode::Full).is_err());
        assert!(ConvPlanner::<f32>::new()
            .auto_convolve(&[1.0], 0, SizeMode::Full)
            .is_err());
    }
}
