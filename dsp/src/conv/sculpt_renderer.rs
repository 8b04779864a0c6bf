//! `SculptRenderer`: spectral sculpting of one image size with every buffer and FFT plan
//! preallocated, so an editor can re-render each frame without allocating.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::sculpt::{radial_index, rgb_to_ycbcr, ycbcr_to_rgb};
use super::{
    factory_image, ConvError, ConvPlanner, Fft2d, FloatImage, Plane, SculptColor, SculptMode,
    MAX_IMAGE_SIDE, MAX_SAMPLES, REC709_LUMA,
};

/// The renderer's default image side, in pixels (256 × 256).
pub const SCULPT_SIZE: usize = 256;

/// The renderer's default audio window: the latest 2048 samples (42.7 ms at 48 kHz)
/// give a 1025-point curve.
pub const SCULPT_WINDOW: usize = 2048;

/// The audio signal a curve is computed from.
#[derive(Clone, Copy)]
enum Signal {
    /// `(L + R) / 2` (mono and mid).
    Mid,
    Left,
    Right,
    /// `(L − R) / 2` (sideL; sideR = −sideL has the same magnitude spectrum).
    Side,
}

/// Sculpts a fixed-size source image with the spectrum of the latest audio window
/// (see [`sculpt_image`](super::sculpt_image) for the definitions).
///
/// Built once per image size on the editor (GUI) thread; [`set_source`](Self::set_source)
/// may allocate, [`render`](Self::render) never does. The source's 2D spectra are
/// computed when it is set, so a frame costs the audio FFTs, one filter multiply and one
/// inverse 2D FFT per filtered plane (about 1 ms at 256 × 256; see
/// `docs/convolution.md`).
pub struct SculptRenderer {
    width: usize,
    height: usize,
    window: usize,
    fft: Fft2d<f32>,
    /// Curve index of each spectrum bin (for a `window / 2 + 1`-point curve).
    index: Vec<u32>,
    /// Source planes: Rec.709 luma, BT.601 Y, signed Cb − 0.5 and Cr − 0.5.
    source: [Vec<f32>; 4],
    /// Their 2D spectra (same order).
    spectra: [Vec<Complex<f32>>; 4],
    /// Source alpha as 8-bit (255 when the source is opaque).
    alpha: Vec<u8>,
    audio_fft: Arc<dyn RealToComplex<f32>>,
    audio_buf: Vec<f32>,
    audio_spec: Vec<Complex<f32>>,
    audio_scratch: Vec<Complex<f32>>,
    /// Curves for Y (or luma), Cb, Cr.
    curves: [Vec<f32>; 3],
    work: Vec<Complex<f32>>,
    /// Filtered planes: luma in 0, or R, G, B.
    out: [Vec<f32>; 3],
    rgba: Vec<u8>,
}

/// Index of each source plane in `source` / `spectra`.
const LUMA: usize = 0;
const Y: usize = 1;
const CB: usize = 2;
const CR: usize = 3;

impl SculptRenderer {
    /// A renderer for `width × height` images and the default [`SCULPT_WINDOW`], with
    /// [`factory_image`] as its source.
    ///
    /// Errors: a side of 0 or above [`MAX_IMAGE_SIDE`].
    ///
    /// # Allocation
    /// Plans the FFTs and allocates every buffer (about 48 bytes per pixel).
    pub fn new(width: usize, height: usize) -> Result<Self, ConvError> {
        let mut r = Self::with_window(width, height, SCULPT_WINDOW)?;
        r.set_source(&factory_image(width, height))?;
        Ok(r)
    }

    /// A renderer whose curves come from the latest `window` samples (any length ≥ 1;
    /// the batch [`sculpt_image`](super::sculpt_image) uses the whole signal). The source
    /// is black until [`set_source`](Self::set_source).
    ///
    /// # Allocation
    /// Plans the FFTs and allocates every buffer.
    pub fn with_window(width: usize, height: usize, window: usize) -> Result<Self, ConvError> {
        if width == 0 || height == 0 {
            return Err(ConvError::Empty("image"));
        }
        if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
            return Err(ConvError::TooLarge {
                what: "sculpt image",
                size: format!("{width}×{height} pixels"),
                limit: format!("{MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE}"),
            });
        }
        if window == 0 {
            return Err(ConvError::Empty("audio window"));
        }
        if window > MAX_SAMPLES {
            return Err(ConvError::TooLarge {
                what: "audio window",
                size: format!("{window} samples"),
                limit: format!("{MAX_SAMPLES} samples"),
            });
        }
        let fft = ConvPlanner::<f32>::new().fft2d(height, width);
        let audio_fft = RealFftPlanner::<f32>::new().plan_fft_forward(window);
        let curve_len = window / 2 + 1;
        let n = width * height;
        let spectrum = || fft.make_spectrum();
        Ok(Self {
            index: radial_index(width, height, curve_len),
            source: [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]],
            spectra: [spectrum(), spectrum(), spectrum(), spectrum()],
            alpha: vec![255; n],
            audio_buf: audio_fft.make_input_vec(),
            audio_spec: audio_fft.make_output_vec(),
            audio_scratch: audio_fft.make_scratch_vec(),
            audio_fft,
            curves: [
                vec![1.0; curve_len],
                vec![1.0; curve_len],
                vec![1.0; curve_len],
            ],
            work: spectrum(),
            out: [vec![0.0; n], vec![0.0; n], vec![0.0; n]],
            rgba: vec![0; 4 * n],
            fft,
            width,
            height,
            window,
        })
    }

    /// Width of the rendered image, in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height of the rendered image, in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Audio samples per curve (the latest `window` samples are used).
    pub fn window(&self) -> usize {
        self.window
    }

    /// Sets the image to sculpt, resampling it (bilinear) to the renderer's size.
    /// Grey sources have neutral chroma; alpha is carried to the output.
    ///
    /// Errors: an empty or inconsistent image ([`FloatImage::validate`]).
    ///
    /// # Allocation
    /// Allocates when the image must be resized; the planes and spectra are written
    /// into the preallocated buffers.
    pub fn set_source(&mut self, img: &FloatImage) -> Result<(), ConvError> {
        self.load_planes(img)?;
        for plane in [LUMA, Y, CB, CR] {
            self.transform_source(plane);
        }
        Ok(())
    }

    /// [`set_source`](Self::set_source) computing only the spectra `colorspace` needs.
    pub(super) fn load_source(
        &mut self,
        img: &FloatImage,
        colorspace: SculptColor,
    ) -> Result<(), ConvError> {
        self.load_planes(img)?;
        match colorspace {
            SculptColor::Luma => self.transform_source(LUMA),
            SculptColor::Color => [Y, CB, CR]
                .into_iter()
                .for_each(|p| self.transform_source(p)),
        }
        Ok(())
    }

    fn load_planes(&mut self, img: &FloatImage) -> Result<(), ConvError> {
        img.validate()?;
        let resized;
        let img = if (img.width(), img.height()) == (self.width, self.height) {
            img
        } else {
            resized = img.resized(self.width, self.height)?;
            &resized
        };
        let clean = |v: f32| if v.is_finite() { v } else { 0.0 };
        for i in 0..self.width * self.height {
            let (r, g, b) = if img.is_color() {
                (
                    clean(img.planes[0].data[i]),
                    clean(img.planes[1].data[i]),
                    clean(img.planes[2].data[i]),
                )
            } else {
                let v = clean(img.planes[0].data[i]);
                (v, v, v)
            };
            let (y, cb, cr) = rgb_to_ycbcr(r, g, b);
            self.source[LUMA][i] = REC709_LUMA[0] * r + REC709_LUMA[1] * g + REC709_LUMA[2] * b;
            self.source[Y][i] = y;
            self.source[CB][i] = cb - 0.5;
            self.source[CR][i] = cr - 0.5;
            self.alpha[i] = match &img.alpha {
                Some(a) => (clean(a.data[i]).clamp(0.0, 1.0) * 255.0).round() as u8,
                None => 255,
            };
        }
        Ok(())
    }

    fn transform_source(&mut self, plane: usize) {
        let (w, h) = (self.width, self.height);
        self.fft
            .forward(&self.source[plane], w, h, &mut self.spectra[plane]);
    }

    /// Renders the source sculpted by the latest [`window`](Self::window) samples of
    /// `left` and `right` (each channel's last samples, zero-padded at the front when
    /// shorter; pass one slice twice for mono) and returns RGBA8 pixels, row-major,
    /// `width · height · 4` bytes. `normalize` rescales the global min..max onto the
    /// full range, otherwise values are clipped. Non-finite samples count as 0.
    ///
    /// Does not allocate (editor thread, once per frame).
    pub fn render(
        &mut self,
        left: &[f32],
        right: &[f32],
        mode: SculptMode,
        colorspace: SculptColor,
        normalize: bool,
    ) -> &[u8] {
        self.render_planes(left, right, mode, colorspace, normalize);
        let n = self.width * self.height;
        let to_u8 = |v: f32| (v * 255.0 + 0.5) as u8;
        match colorspace {
            SculptColor::Luma => {
                for i in 0..n {
                    let v = to_u8(self.out[0][i]);
                    self.rgba[4 * i..4 * i + 4].copy_from_slice(&[v, v, v, self.alpha[i]]);
                }
            }
            SculptColor::Color => {
                for i in 0..n {
                    self.rgba[4 * i..4 * i + 4].copy_from_slice(&[
                        to_u8(self.out[0][i]),
                        to_u8(self.out[1][i]),
                        to_u8(self.out[2][i]),
                        self.alpha[i],
                    ]);
                }
            }
        }
        &self.rgba
    }

    /// The filtered planes (luma in 0, or R, G, B), each in 0..=1. No allocation.
    pub(super) fn render_planes(
        &mut self,
        left: &[f32],
        right: &[f32],
        mode: SculptMode,
        colorspace: SculptColor,
        normalize: bool,
    ) {
        let luma_signal = Signal::Mid;
        self.curve(0, left, right, luma_signal);
        match colorspace {
            SculptColor::Luma => self.filter(LUMA, 0, 0),
            SculptColor::Color => {
                self.filter(Y, 0, 0);
                match mode {
                    SculptMode::Mono => {
                        self.out[1].copy_from_slice(&self.source[CB]);
                        self.out[2].copy_from_slice(&self.source[CR]);
                    }
                    SculptMode::Stereo => {
                        self.curve(1, left, right, Signal::Left);
                        self.curve(2, left, right, Signal::Right);
                        self.filter(CB, 1, 1);
                        self.filter(CR, 2, 2);
                    }
                    SculptMode::MidSide => {
                        self.curve(1, left, right, Signal::Side);
                        self.filter(CB, 1, 1);
                        self.filter(CR, 1, 2);
                    }
                }
                let [r, g, b] = &mut self.out;
                for ((r, g), b) in r.iter_mut().zip(g.iter_mut()).zip(b.iter_mut()) {
                    let (y, cb, cr) = (*r, *g + 0.5, *b + 0.5);
                    (*r, *g, *b) = ycbcr_to_rgb(y, cb, cr);
                }
            }
        }
        let planes = match colorspace {
            SculptColor::Luma => &mut self.out[..1],
            SculptColor::Color => &mut self.out[..],
        };
        let (lo, hi) = planes
            .iter()
            .flat_map(|p| p.iter())
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let range = hi - lo;
        if normalize && range > 0.0 && range.is_finite() {
            let inv = 1.0 / range;
            for v in planes.iter_mut().flat_map(|p| p.iter_mut()) {
                *v = ((*v - lo) * inv).clamp(0.0, 1.0);
            }
        } else {
            for v in planes.iter_mut().flat_map(|p| p.iter_mut()) {
                *v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
            }
        }
    }

    /// Output plane `c` of the last [`render_planes`](Self::render_planes) as a plane.
    ///
    /// # Allocation
    /// Copies the plane.
    pub(super) fn output_plane(&self, c: usize) -> Plane<f32> {
        Plane {
            width: self.width,
            height: self.height,
            data: self.out[c].clone(),
        }
    }

    /// Fills `curves[slot]` with the normalised magnitude spectrum of `signal`.
    fn curve(&mut self, slot: usize, left: &[f32], right: &[f32], signal: Signal) {
        let n = self.window;
        let at = |x: &[f32], j: usize| -> f32 {
            // Sample j of the window = x[len − n + j], zero before the start.
            let v = (x.len() + j)
                .checked_sub(n)
                .and_then(|k| x.get(k))
                .copied()
                .unwrap_or(0.0);
            if v.is_finite() {
                v
            } else {
                0.0
            }
        };
        for j in 0..n {
            self.audio_buf[j] = match signal {
                Signal::Mid => 0.5 * (at(left, j) + at(right, j)),
                Signal::Left => at(left, j),
                Signal::Right => at(right, j),
                Signal::Side => 0.5 * (at(left, j) - at(right, j)),
            };
        }
        let res = self.audio_fft.process_with_scratch(
            &mut self.audio_buf,
            &mut self.audio_spec,
            &mut self.audio_scratch,
        );
        debug_assert!(res.is_ok());
        let curve = &mut self.curves[slot];
        let mut peak = 0.0f32;
        for (c, z) in curve.iter_mut().zip(&self.audio_spec) {
            *c = z.norm();
            peak = peak.max(*c);
        }
        if peak > 0.0 && peak.is_finite() {
            let inv = 1.0 / peak;
            curve.iter_mut().for_each(|c| *c *= inv);
        } else {
            curve.fill(1.0);
        }
    }

    /// Filters source plane `plane` with `curves[curve]` into `out[out]`.
    fn filter(&mut self, plane: usize, curve: usize, out: usize) {
        let scale = 1.0 / (self.width * self.height) as f32;
        let curve = &self.curves[curve];
        for ((w, s), &i) in self
            .work
            .iter_mut()
            .zip(&self.spectra[plane])
            .zip(&self.index)
        {
            *w = *s * (curve[i as usize] * scale);
        }
        let (w, h) = (self.width, self.height);
        self.fft
            .inverse(&mut self.work, 0, 0, w, h, 1.0, &mut self.out[out]);
    }
}
