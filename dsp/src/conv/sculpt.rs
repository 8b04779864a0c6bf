//! Spectral sculpting (sound → image): radial filters built from audio magnitude
//! spectra, applied to an image's luma or YCbCr planes.
//!
//! Definitions (from exconv's `spectral_sculpt`, with its DC bug fixed):
//!
//! - **Audio prep** from left `L` and right `R`: `mono = (L + R) / 2`,
//!   `mid = (L + R) / 2`, `sideL = (L − R) / 2`, `sideR = (R − L) / 2`.
//! - **Curve** of a signal `x` of `N` samples: `|rfft(x)|` (`F = N / 2 + 1` bins)
//!   divided by its maximum; a silent signal gives all ones (the identity filter).
//! - **Radial grid** for an `H × W` image: `ρ = hypot(k₁, k₂) / hypot(H / 2, W / 2)`
//!   (integer halves) with `k₁, k₂` the signed frequency indices (fftshift-centred), so
//!   `ρ = 0` at DC and 1 at the corner; the filter is `curve[min(⌊ρ (F − 1)⌋, F − 1)]`.
//! - The filter is laid out **unshifted** (the ifftshift of the centred filter) before
//!   it multiplies the unshifted 2D FFT, so DC takes the start of the curve. exconv
//!   multiplied the centred filter with the unshifted FFT, giving DC the Nyquist end of
//!   the curve; that is not copied.
//!
//! Which curve filters which plane is in [`SculptMode`] and [`SculptColor`].

use std::fmt;
use std::str::FromStr;

use super::{ConvError, FloatImage, Plane, SculptRenderer};

/// Which audio signals drive the filters.
///
/// | mode       | luma filter | Y filter | Cb filter | Cr filter |
/// |------------|-------------|----------|-----------|-----------|
/// | `mono`     | mono        | mono     | identity  | identity  |
/// | `stereo`   | mono        | mono     | L         | R         |
/// | `mid-side` | mid         | mid      | sideL     | sideR     |
///
/// `mono` and `mid` are the same signal, and `sideL = −sideR` have the same
/// magnitude spectrum, so in `mid-side` Cb and Cr get one and the same filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SculptMode {
    /// One filter from the mono mix.
    #[default]
    Mono,
    /// Left and right drive the two chroma planes.
    Stereo,
    /// Mid drives luma, side drives chroma.
    MidSide,
}

impl SculptMode {
    /// Every mode.
    pub const ALL: [SculptMode; 3] = [SculptMode::Mono, SculptMode::Stereo, SculptMode::MidSide];

    /// The CLI name: `mono`, `stereo`, `mid-side`.
    pub fn name(self) -> &'static str {
        match self {
            SculptMode::Mono => "mono",
            SculptMode::Stereo => "stereo",
            SculptMode::MidSide => "mid-side",
        }
    }
}

impl fmt::Display for SculptMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SculptMode {
    type Err = ConvError;

    fn from_str(s: &str) -> Result<Self, ConvError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mono" => Ok(SculptMode::Mono),
            "stereo" => Ok(SculptMode::Stereo),
            "mid-side" | "midside" | "ms" => Ok(SculptMode::MidSide),
            _ => Err(ConvError::UnknownName {
                what: "sculpt mode",
                given: s.to_string(),
                expected: "mono, stereo, mid-side",
            }),
        }
    }
}

/// Which image planes are filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SculptColor {
    /// The Rec.709 luma only; the result is grey.
    #[default]
    Luma,
    /// Full-range BT.601 YCbCr ([`rgb_to_ycbcr`]): Y, Cb and Cr each get their filter.
    /// The chroma filters act on the signed chroma `Cb − 0.5`, `Cr − 0.5` (the offset is
    /// put back afterwards), so a filter that removes DC leaves grey grey instead of
    /// turning the whole image green.
    Color,
}

impl SculptColor {
    /// The CLI name: `luma` or `color`.
    pub fn name(self) -> &'static str {
        match self {
            SculptColor::Luma => "luma",
            SculptColor::Color => "color",
        }
    }
}

impl fmt::Display for SculptColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SculptColor {
    type Err = ConvError;

    fn from_str(s: &str) -> Result<Self, ConvError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "luma" => Ok(SculptColor::Luma),
            "color" | "colour" => Ok(SculptColor::Color),
            _ => Err(ConvError::UnknownName {
                what: "sculpt colour space",
                given: s.to_string(),
                expected: "luma, color",
            }),
        }
    }
}

/// Options of [`sculpt_image`], set by the caller (CLI). The defaults are exconv's:
/// `mono`, `luma`, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SculptOptions {
    /// Which audio signals drive the filters (default `mono`).
    pub mode: SculptMode,
    /// Which planes are filtered (default `luma`).
    pub colorspace: SculptColor,
    /// `true`: rescale the result's global min..max (over all RGB samples) onto 0..=1;
    /// `false`: clip to 0..=1 (then a flat spectrum is an exact identity). Audio curves
    /// are usually small at DC, which darkens the image, so the default is `true`.
    pub normalize: bool,
}

impl Default for SculptOptions {
    fn default() -> Self {
        Self {
            mode: SculptMode::Mono,
            colorspace: SculptColor::Luma,
            normalize: true,
        }
    }
}

/// Full-range BT.601 RGB → YCbCr with +0.5 chroma offsets (JPEG/JFIF's matrix).
#[inline]
pub fn rgb_to_ycbcr(r: f32, g: f32, b: f32) -> (f32, f32, f32) {
    let y = 0.299 * r + 0.587 * g + 0.114 * b;
    let cb = -0.168_736 * r - 0.331_264 * g + 0.5 * b + 0.5;
    let cr = 0.5 * r - 0.418_688 * g - 0.081_312 * b + 0.5;
    (y, cb, cr)
}

/// The inverse of [`rgb_to_ycbcr`].
#[inline]
pub fn ycbcr_to_rgb(y: f32, cb: f32, cr: f32) -> (f32, f32, f32) {
    let (cb, cr) = (cb - 0.5, cr - 0.5);
    (
        y + 1.402 * cr,
        y - 0.344_136 * cb - 0.714_136 * cr,
        y + 1.772 * cb,
    )
}

/// The curve index of each spectrum bin of an `height × width` image in
/// [`Fft2d`](super::Fft2d)'s layout (`index[b * height + r]`), for a curve of
/// `curve_len` (F) points: `min(⌊ρ (F − 1)⌋, F − 1)`, ρ as in the module docs, computed
/// in `f64` as numpy does. A 1×1 image has ρ = 0.
///
/// # Allocation
/// Allocates the table.
pub fn radial_index(width: usize, height: usize, curve_len: usize) -> Vec<u32> {
    let bins = width / 2 + 1;
    let denom = ((height / 2) as f64).hypot((width / 2) as f64);
    let last = curve_len.saturating_sub(1);
    let mut index = Vec::with_capacity(bins * height);
    for b in 0..bins {
        for r in 0..height {
            // Unshifted row index r stands for frequency r or r − H: |k₁| = min(r, H − r).
            let k1 = r.min(height - r) as f64;
            let rho = if denom > 0.0 {
                k1.hypot(b as f64) / denom
            } else {
                0.0
            };
            let i = ((rho * last as f64) as usize).min(last);
            index.push(i as u32);
        }
    }
    index
}

/// Sculpts `img` with the spectra of `left` and `right` (whole signals, any equal
/// length; pass the same slice twice for mono audio), per `options`. Alpha is kept;
/// in `luma` mode the result is grey (one plane). Non-finite samples count as 0.
///
/// - **Prep:** `mono = mid = (L + R) / 2`, `sideL = (L − R) / 2`, `sideR = (R − L) / 2`.
/// - **Curve:** `|rfft(x)|` (`F = N / 2 + 1` points) over its maximum; silence gives ones.
/// - **Filter:** `curve[min(⌊ρ (F − 1)⌋, F − 1)]` with `ρ = hypot(k₁, k₂) / hypot(H / 2,
///   W / 2)` over the centred frequency indices ([`radial_index`]), laid out unshifted
///   (the ifftshift of the centred filter) so DC takes `curve[0]`. exconv multiplied the
///   centred filter with the unshifted FFT, giving DC the Nyquist end; not copied here.
/// - Which curve filters which plane: [`SculptMode`]; which planes: [`SculptColor`].
///
/// Errors: an empty or inconsistent image ([`FloatImage::validate`]), empty audio, or
/// left and right of different lengths.
///
/// # Allocation
/// Allocates a [`SculptRenderer`] of the image's size with an FFT of the audio's length.
/// Off the audio thread (CLI).
pub fn sculpt_image(
    img: &FloatImage,
    left: &[f32],
    right: &[f32],
    options: &SculptOptions,
) -> Result<FloatImage, ConvError> {
    if left.is_empty() {
        return Err(ConvError::Empty("audio"));
    }
    if left.len() != right.len() {
        return Err(ConvError::SizeMismatch(format!(
            "left has {} samples, right {}",
            left.len(),
            right.len()
        )));
    }
    let mut renderer = SculptRenderer::with_window(img.width(), img.height(), left.len())?;
    renderer.load_source(img, options.colorspace)?;
    renderer.render_planes(
        left,
        right,
        options.mode,
        options.colorspace,
        options.normalize,
    );
    let (w, h) = (img.width(), img.height());
    let planes = match options.colorspace {
        SculptColor::Luma => vec![renderer.output_plane(0)],
        SculptColor::Color => (0..3).map(|c| renderer.output_plane(c)).collect(),
    };
    debug_assert!(planes.iter().all(|p: &Plane<f32>| p.dims() == (w, h)));
    Ok(FloatImage {
        planes,
        alpha: img.alpha.clone(),
        bit_depth: img.bit_depth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ycbcr_round_trips() {
        for &(r, g, b) in &[
            (0.0, 0.0, 0.0),
            (1.0, 1.0, 1.0),
            (0.2, 0.7, 0.4),
            (1.0, 0.0, 0.5),
        ] {
            let (y, cb, cr) = rgb_to_ycbcr(r, g, b);
            let (r2, g2, b2) = ycbcr_to_rgb(y, cb, cr);
            assert!((r - r2).abs() < 1e-5 && (g - g2).abs() < 1e-5 && (b - b2).abs() < 1e-5);
        }
        // Grey has neutral chroma.
        let (_, cb, cr) = rgb_to_ycbcr(0.3, 0.3, 0.3);
        assert!((cb - 0.5).abs() < 1e-6 && (cr - 0.5).abs() < 1e-6);
    }

    #[test]
    fn radial_index_puts_dc_at_the_curve_start() {
        let idx = radial_index(8, 6, 101);
        // DC → ρ = 0 → index 0; (row 3 = −3 / Nyquist, bin 4) is the corner → 100.
        assert_eq!(idx[0], 0);
        assert_eq!(idx[4 * 6 + 3], 100);
        // Row 1 and row 5 (frequencies +1 and −1) share an index.
        assert_eq!(idx[2 * 6 + 1], idx[2 * 6 + 5]);
        // ρ(k₁ = 1, k₂ = 0) = 1 / hypot(3, 4) = 0.2 → ⌊0.2 · 100⌋ = 20.
        assert_eq!(idx[1], 20);
    }
}
