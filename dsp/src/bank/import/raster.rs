//! Images as wavetables: each pixel row is one frame, brightness the sample value.

use std::io::Cursor;

use image::{ImageReader, Limits};

use super::conform::{node_len_for, Conformer};
use super::{
    check_frame_count, check_frame_len, ImportError, Imported, Shape, SourceFormat, MAX_IMAGE_BYTES,
};

/// Rec. 709 luma weights of R′, G′ and B′.
const REC709: [f32; 3] = [0.2126, 0.7152, 0.0722];

/// How an image's pixels become frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImageMode {
    /// One frame per row from the Rec. 709 luma of each pixel.
    #[default]
    Luma,
    /// Three frames per row, from the red, green and blue channels, for Z slices 0, 1
    /// and 2.
    Rgb,
}

impl ImageMode {
    /// The mode named `luma` or `rgb`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "luma" => Some(Self::Luma),
            "rgb" => Some(Self::Rgb),
            _ => None,
        }
    }

    /// Name as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Luma => "luma",
            Self::Rgb => "rgb",
        }
    }
}

/// Imports a PNG or BMP image: row 0 (the top) is the first frame, the row's width its
/// length, resampled to the next power of two.
///
/// A pixel value v (0 = black, 1 = full) becomes the sample 2v − 1, then each frame's DC
/// is removed. [`ImageMode::Luma`] uses the luma Y′ = 0.2126 R′ + 0.7152 G′ + 0.0722 B′
/// of the stored (gamma-encoded) values, not linear luminance. [`ImageMode::Rgb`] gives
/// the red frames of every row, then the green, then the blue, shaped as three Z slices
/// ([`Shape::ZSlices`]). Alpha is ignored.
///
/// # Errors
/// [`ImportError::Image`] for an undecodable image or a width outside the frame caps;
/// [`ImportError::TooLarge`] for too many rows or more than [`MAX_IMAGE_BYTES`] decoded,
/// both checked from the header before decoding.
///
/// # Allocation
/// Allocates the decoded image and the nodes.
pub fn import_image(bytes: &[u8], mode: ImageMode) -> Result<Imported, ImportError> {
    let image_err = |e: image::ImageError| ImportError::Image {
        reason: e.to_string(),
    };
    let reader = || -> Result<ImageReader<Cursor<&[u8]>>, ImportError> {
        let r = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| ImportError::Image {
                reason: e.to_string(),
            })?;
        if r.format().is_none() {
            return Err(ImportError::Image {
                reason: "not a PNG or BMP image".to_owned(),
            });
        }
        Ok(r)
    };
    let (width, height) = reader()?.into_dimensions().map_err(image_err)?;
    let (w, h) = (width as usize, height as usize);
    check_frame_len(w).map_err(|reason| ImportError::Image {
        reason: format!("width: {reason}"),
    })?;
    let per_row = match mode {
        ImageMode::Luma => 1,
        ImageMode::Rgb => 3,
    };
    check_frame_count(h * per_row)?;
    // Decoded as 32-bit float RGB: 12 bytes per pixel.
    let decoded = w as u64 * h as u64 * 12;
    if decoded > MAX_IMAGE_BYTES {
        return Err(ImportError::TooLarge {
            what: "decoded image (bytes)",
            value: decoded,
            cap: MAX_IMAGE_BYTES,
        });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_IMAGE_BYTES);
    let mut r = reader()?;
    r.limits(limits);
    let img = r.decode().map_err(image_err)?;
    let has_alpha = img.color().has_alpha();
    let rgb = img.into_rgb32f();
    let mut notes = vec![format!(
        "image {w}×{h}: each row is a frame of {w} samples, resampled to {}",
        node_len_for(w)
    )];
    if has_alpha {
        notes.push("the alpha channel is ignored".to_owned());
    }
    let mut conformer = Conformer::new();
    let mut frames = Vec::with_capacity(h * per_row);
    let mut frame = vec![0.0f32; w];
    let rows = || rgb.as_raw().chunks_exact(w * 3);
    match mode {
        ImageMode::Luma => {
            for (y, row) in rows().enumerate() {
                for (s, px) in frame.iter_mut().zip(row.chunks_exact(3)) {
                    let luma = REC709[0] * px[0] + REC709[1] * px[1] + REC709[2] * px[2];
                    *s = 2.0 * luma - 1.0;
                }
                frames.push(conformer.node(&frame, None, y)?);
            }
        }
        ImageMode::Rgb => {
            for c in 0..3 {
                for (y, row) in rows().enumerate() {
                    for (s, px) in frame.iter_mut().zip(row.chunks_exact(3)) {
                        *s = 2.0 * px[c] - 1.0;
                    }
                    frames.push(conformer.node(&frame, None, c * h + y)?);
                }
            }
            notes.push("rgb mode: red, green and blue rows become Z slices 0, 1 and 2".to_owned());
        }
    }
    Ok(Imported {
        frames,
        notes,
        shape: (mode == ImageMode::Rgb).then_some(Shape::ZSlices(3)),
        format: SourceFormat::Image,
        name: None,
        sample_rate_hz: None,
    })
}
