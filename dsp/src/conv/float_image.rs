//! `FloatImage`: planar `f32` images (grey or RGB, optional alpha), read from and
//! written to PNG, JPEG and BMP.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageBuffer, ImageFormat, ImageReader, Limits, Luma};

use super::{ConvError, Plane, MAX_IMAGE_SIDE};

/// Rec.709 luma weights for R, G, B (the `luma` colour space of image convolution).
pub const REC709_LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// JPEG quality used when writing (0..=100).
pub const JPEG_QUALITY: u8 = 95;

/// Bits per channel of an image file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BitDepth {
    /// 8 bits per channel (0..=255).
    #[default]
    Eight,
    /// 16 bits per channel (0..=65535). PNG only; JPEG and BMP are written as 8-bit.
    Sixteen,
}

/// A planar image with samples nominally in `0..=1` (values outside are kept until
/// written, where they are clipped).
///
/// Built by the CLI or the editor thread (file reads, [`factory_image`](super::factory_image))
/// and read by the convolution and sculpt functions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FloatImage {
    /// Colour planes: 1 (grey) or 3 (R, G, B), all of one size.
    pub planes: Vec<Plane<f32>>,
    /// Opacity, 0 (transparent) ..= 1 (opaque), the size of the planes; `None` when
    /// opaque. Convolution passes it through untouched.
    pub alpha: Option<Plane<f32>>,
    /// The depth of the file this came from; [`write`](Self::write) uses it by default.
    pub bit_depth: BitDepth,
}

fn check_side(width: usize, height: usize) -> Result<(), ConvError> {
    if width == 0 || height == 0 {
        return Err(ConvError::Empty("image"));
    }
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(ConvError::TooLarge {
            what: "image",
            size: format!("{width}×{height} pixels"),
            limit: format!("{MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE}"),
        });
    }
    Ok(())
}

/// `v` clipped to 0..=1 and scaled to `max` (NaN becomes 0).
#[inline]
fn quantise(v: f32, max: f32) -> f32 {
    let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
    (v * max).round()
}

impl FloatImage {
    /// An image of `planes` (1 or 3 equal-sized planes) without alpha, 8-bit.
    pub fn from_planes(planes: Vec<Plane<f32>>) -> Result<Self, ConvError> {
        let Some(first) = planes.first() else {
            return Err(ConvError::Empty("image"));
        };
        check_side(first.width, first.height)?;
        if planes.len() != 1 && planes.len() != 3 {
            return Err(ConvError::SizeMismatch(format!(
                "{} colour planes (need 1 or 3)",
                planes.len()
            )));
        }
        if planes.iter().any(|p| p.dims() != first.dims()) {
            return Err(ConvError::SizeMismatch(
                "colour planes of different sizes".into(),
            ));
        }
        Ok(Self {
            planes,
            alpha: None,
            bit_depth: BitDepth::Eight,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.planes.first().map_or(0, |p| p.width)
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.planes.first().map_or(0, |p| p.height)
    }

    /// Checks that there are 1 or 3 colour planes, all (and alpha) of one non-empty size
    /// within [`MAX_IMAGE_SIDE`]: what every constructor here guarantees, for images
    /// assembled by hand.
    pub fn validate(&self) -> Result<(), ConvError> {
        let Some(first) = self.planes.first() else {
            return Err(ConvError::Empty("image"));
        };
        check_side(first.width, first.height)?;
        if self.planes.len() != 1 && self.planes.len() != 3 {
            return Err(ConvError::SizeMismatch(format!(
                "{} colour planes (need 1 or 3)",
                self.planes.len()
            )));
        }
        let same = |p: &Plane<f32>| p.dims() == first.dims() && p.data.len() == p.width * p.height;
        if !self.planes.iter().all(same) || !self.alpha.as_ref().is_none_or(same) {
            return Err(ConvError::SizeMismatch(
                "image planes (or alpha) of different sizes".into(),
            ));
        }
        Ok(())
    }

    /// Whether the image is RGB (3 planes) rather than grey.
    pub fn is_color(&self) -> bool {
        self.planes.len() == 3
    }

    /// The luma plane: Rec.709 ([`REC709_LUMA`]) of R, G, B, or the grey plane itself.
    ///
    /// # Allocation
    /// Allocates the plane.
    pub fn luma(&self) -> Plane<f32> {
        if !self.is_color() {
            return self.planes.first().cloned().unwrap_or_default();
        }
        let mut out = Plane::zeros(self.width(), self.height());
        let [r, g, b] = [&self.planes[0], &self.planes[1], &self.planes[2]];
        for (i, o) in out.data.iter_mut().enumerate() {
            *o = REC709_LUMA[0] * r.data[i]
                + REC709_LUMA[1] * g.data[i]
                + REC709_LUMA[2] * b.data[i];
        }
        out
    }

    /// The image as three planes: RGB as is, grey replicated.
    ///
    /// # Allocation
    /// Allocates the planes.
    pub fn rgb_planes(&self) -> [Plane<f32>; 3] {
        if self.is_color() {
            [
                self.planes[0].clone(),
                self.planes[1].clone(),
                self.planes[2].clone(),
            ]
        } else {
            let g = self.planes.first().cloned().unwrap_or_default();
            [g.clone(), g.clone(), g]
        }
    }

    /// Converts a decoded image: grey types to one plane, colour types to three, alpha
    /// kept; 16-bit and float types give [`BitDepth::Sixteen`].
    ///
    /// Errors: an empty image or a side above [`MAX_IMAGE_SIDE`].
    ///
    /// # Allocation
    /// Allocates the planes (and a float copy of the image).
    pub fn from_dynamic(img: &DynamicImage) -> Result<Self, ConvError> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        check_side(w, h)?;
        let color = img.color();
        let bit_depth = if color.bytes_per_pixel() / color.channel_count() >= 2 {
            BitDepth::Sixteen
        } else {
            BitDepth::Eight
        };
        let has_alpha = color.has_alpha();
        let (planes, alpha) = if color.has_color() {
            let raw = img.to_rgba32f().into_raw();
            let plane = |c: usize| Plane {
                width: w,
                height: h,
                data: raw.iter().skip(c).step_by(4).copied().collect(),
            };
            (
                vec![plane(0), plane(1), plane(2)],
                has_alpha.then(|| plane(3)),
            )
        } else {
            let raw = img.to_luma_alpha32f().into_raw();
            let plane = |c: usize| Plane {
                width: w,
                height: h,
                data: raw.iter().skip(c).step_by(2).copied().collect(),
            };
            (vec![plane(0)], has_alpha.then(|| plane(1)))
        };
        Ok(Self {
            planes,
            alpha,
            bit_depth,
        })
    }

    /// The image as an `image` crate image at `depth`: samples clipped to 0..=1 and
    /// rounded; grey or RGB, with alpha when present.
    ///
    /// # Allocation
    /// Allocates the interleaved buffer.
    pub fn to_dynamic(&self, depth: BitDepth) -> DynamicImage {
        let (w, h) = (self.width() as u32, self.height() as u32);
        let mut sources: Vec<&Plane<f32>> = self.planes.iter().collect();
        if let Some(a) = &self.alpha {
            sources.push(a);
        }
        let n = self.width() * self.height();
        let interleave = |max: f32| -> Vec<f32> {
            let mut out = Vec::with_capacity(n * sources.len());
            for i in 0..n {
                out.extend(sources.iter().map(|p| quantise(p.data[i], max)));
            }
            out
        };
        // NOTE: `from_raw` only fails on a buffer of the wrong length, which the loops
        // above cannot produce; the fallback keeps this panic-free regardless.
        let fallback = || DynamicImage::new_rgb8(w, h);
        match depth {
            BitDepth::Eight => {
                let raw: Vec<u8> = interleave(255.0).into_iter().map(|v| v as u8).collect();
                match sources.len() {
                    1 => ImageBuffer::from_raw(w, h, raw).map(DynamicImage::ImageLuma8),
                    2 => ImageBuffer::from_raw(w, h, raw).map(DynamicImage::ImageLumaA8),
                    3 => ImageBuffer::from_raw(w, h, raw).map(DynamicImage::ImageRgb8),
                    _ => ImageBuffer::from_raw(w, h, raw).map(DynamicImage::ImageRgba8),
                }
                .unwrap_or_else(fallback)
            }
            BitDepth::Sixteen => {
                let raw: Vec<u16> = interleave(65535.0).into_iter().map(|v| v as u16).collect();
                match sources.len() {
                    1 => ImageBuffer::from_raw(w, h, raw).map(DynamicImage::ImageLuma16),
                    2 => ImageBuffer::from_raw(w, h, raw).map(DynamicImage::ImageLumaA16),
                    3 => ImageBuffer::from_raw(w, h, raw).map(DynamicImage::ImageRgb16),
                    _ => ImageBuffer::from_raw(w, h, raw).map(DynamicImage::ImageRgba16),
                }
                .unwrap_or_else(fallback)
            }
        }
    }

    /// Reads a PNG, JPEG or BMP file (format from its content), 8- or 16-bit, refusing
    /// sides above [`MAX_IMAGE_SIDE`] before decoding.
    ///
    /// # Allocation
    /// Allocates the decoded image and the planes. Off the audio thread.
    pub fn read(path: &Path) -> Result<Self, ConvError> {
        let err = |source| ConvError::ImageRead {
            path: path.to_path_buf(),
            source,
        };
        let mut reader = ImageReader::open(path)
            .map_err(|e| err(e.into()))?
            .with_guessed_format()
            .map_err(|e| err(e.into()))?;
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_IMAGE_SIDE as u32);
        limits.max_image_height = Some(MAX_IMAGE_SIDE as u32);
        limits.max_alloc = Some(4 << 30);
        reader.limits(limits);
        let img = reader.decode().map_err(err)?;
        Self::from_dynamic(&img)
    }

    /// Writes the image; the format comes from the extension (`.png`, `.jpg`/`.jpeg`,
    /// `.bmp`). `depth` defaults to [`bit_depth`](Self::bit_depth).
    ///
    /// **JPEG is always 8-bit and has no alpha channel:** a 16-bit request is written at
    /// 8 bits and alpha is dropped (quality [`JPEG_QUALITY`]). BMP is 8-bit. PNG keeps
    /// 16 bits and alpha.
    ///
    /// # Allocation
    /// Allocates the encoded buffers. Off the audio thread.
    pub fn write(&self, path: &Path, depth: Option<BitDepth>) -> Result<(), ConvError> {
        let err = |source| ConvError::ImageWrite {
            path: path.to_path_buf(),
            source,
        };
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let depth = depth.unwrap_or(self.bit_depth);
        match ext.as_str() {
            "png" => self
                .to_dynamic(depth)
                .save_with_format(path, ImageFormat::Png)
                .map_err(err),
            "bmp" => self
                .to_dynamic(BitDepth::Eight)
                .save_with_format(path, ImageFormat::Bmp)
                .map_err(err),
            "jpg" | "jpeg" => {
                let opaque = FloatImage {
                    planes: self.planes.clone(),
                    alpha: None,
                    bit_depth: BitDepth::Eight,
                };
                let img = opaque.to_dynamic(BitDepth::Eight);
                let file = File::create(path).map_err(|e| err(e.into()))?;
                let mut encoder = JpegEncoder::new_with_quality(BufWriter::new(file), JPEG_QUALITY);
                encoder.encode_image(&img).map_err(err)
            }
            _ => Err(ConvError::UnsupportedFormat {
                path: path.to_path_buf(),
            }),
        }
    }

    /// The image resampled to `width × height` (bilinear, "triangle" filter), alpha too.
    ///
    /// # Allocation
    /// Allocates the new planes.
    pub fn resized(&self, width: usize, height: usize) -> Result<Self, ConvError> {
        check_side(width, height)?;
        if (width, height) == (self.width(), self.height()) {
            return Ok(self.clone());
        }
        let resize = |p: &Plane<f32>| -> Plane<f32> {
            let src: Option<ImageBuffer<Luma<f32>, Vec<f32>>> =
                ImageBuffer::from_raw(p.width as u32, p.height as u32, p.data.clone());
            match src {
                Some(src) => Plane {
                    width,
                    height,
                    data: imageops::resize(&src, width as u32, height as u32, FilterType::Triangle)
                        .into_raw(),
                },
                None => Plane::zeros(width, height),
            }
        };
        Ok(Self {
            planes: self.planes.iter().map(resize).collect(),
            alpha: self.alpha.as_ref().map(resize),
            bit_depth: self.bit_depth,
        })
    }
}
