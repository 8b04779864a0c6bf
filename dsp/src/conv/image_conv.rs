//! Image convolution: an image with a kernel (`image_pair_convolve`) or with itself
//! (`image_auto_convolve`), in luma or per channel, with clipping or rescaling and an
//! optional gamma linearisation.

use std::fmt;
use std::str::FromStr;

use super::planner::with_thread_planner_f32;
use super::{ConvError, ConvPlanner, FloatImage, Plane, SizeMode, MAX_IMAGE_SIDE, REC709_LUMA};

/// Which planes are convolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ImageColorSpace {
    /// The image's Rec.709 luma ([`REC709_LUMA`]) only; a 3-plane kernel is reduced to
    /// luma the same way. The result is a grey image.
    #[default]
    Luma,
    /// Every plane separately: a 1-plane kernel is used for every channel, a kernel
    /// with as many planes as the image gives one kernel per channel.
    Channels,
}

impl ImageColorSpace {
    /// The CLI name: `luma` or `channels`.
    pub fn name(self) -> &'static str {
        match self {
            ImageColorSpace::Luma => "luma",
            ImageColorSpace::Channels => "channels",
        }
    }
}

impl fmt::Display for ImageColorSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ImageColorSpace {
    type Err = ConvError;

    fn from_str(s: &str) -> Result<Self, ConvError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "luma" => Ok(ImageColorSpace::Luma),
            "channels" => Ok(ImageColorSpace::Channels),
            _ => Err(ConvError::UnknownName {
                what: "image colour space",
                given: s.to_string(),
                expected: "luma, channels",
            }),
        }
    }
}

/// How convolved planes are brought back into 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ImageNorm {
    /// Values clipped to 0..=1.
    #[default]
    Clip,
    /// Each plane's min..max mapped linearly onto 0..=1 (a flat plane is clipped
    /// instead, having no range to stretch).
    Rescale,
    /// Left as they are (writing a file clips them).
    None,
}

impl ImageNorm {
    /// The CLI name: `clip`, `rescale` or `none`.
    pub fn name(self) -> &'static str {
        match self {
            ImageNorm::Clip => "clip",
            ImageNorm::Rescale => "rescale",
            ImageNorm::None => "none",
        }
    }
}

impl fmt::Display for ImageNorm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ImageNorm {
    type Err = ConvError;

    fn from_str(s: &str) -> Result<Self, ConvError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "clip" => Ok(ImageNorm::Clip),
            "rescale" => Ok(ImageNorm::Rescale),
            "none" => Ok(ImageNorm::None),
            _ => Err(ConvError::UnknownName {
                what: "image normalisation",
                given: s.to_string(),
                expected: "clip, rescale, none",
            }),
        }
    }
}

/// Options of [`image_pair_convolve`] and [`image_auto_convolve`], set by the caller.
/// The defaults are exconv's: `same-center`, `luma`, `clip`, no gamma.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageOptions {
    /// Size mode per axis (default `same-center`, which keeps the image's size and a
    /// centred kernel's alignment).
    pub mode: SizeMode,
    /// Luma or per-channel (default `luma`).
    pub colorspace: ImageColorSpace,
    /// Clip, rescale or leave the result (default `clip`).
    pub normalize: ImageNorm,
    /// Display gamma (e.g. 2.2), or `None` to convolve the stored values as they are.
    /// With a gamma, samples are linearised as `v^gamma` before convolving, and the
    /// normalised result is re-encoded as `max(v, 0)^(1/gamma)`: a blur then mixes light,
    /// not code values. The kernel is not gamma-mapped (it is a filter, not an image),
    /// except in auto-convolution, where it is the linearised image.
    pub gamma: Option<f32>,
}

impl Default for ImageOptions {
    fn default() -> Self {
        Self {
            mode: SizeMode::SameCenter,
            colorspace: ImageColorSpace::Luma,
            normalize: ImageNorm::Clip,
            gamma: None,
        }
    }
}

fn check_gamma(gamma: Option<f32>) -> Result<Option<f32>, ConvError> {
    match gamma {
        Some(g) if !(g.is_finite() && g > 0.0 && g <= 10.0) => Err(ConvError::OutOfRange {
            name: "gamma",
            value: g.to_string(),
            range: "0 < gamma ≤ 10",
        }),
        _ => Ok(gamma),
    }
}

/// Non-finite samples become 0; with a gamma, samples are linearised.
fn prepared(plane: &Plane<f32>, gamma: Option<f32>) -> Plane<f32> {
    let mut out = plane.clone();
    for v in out.data.iter_mut() {
        let x = if v.is_finite() { *v } else { 0.0 };
        *v = match gamma {
            Some(g) => x.max(0.0).powf(g),
            None => x,
        };
    }
    out
}

fn luma_of(planes: &[Plane<f32>]) -> Plane<f32> {
    let mut out = Plane::zeros(planes[0].width, planes[0].height);
    for (p, w) in planes.iter().zip(REC709_LUMA) {
        for (o, &v) in out.data.iter_mut().zip(&p.data) {
            *o += w * v;
        }
    }
    out
}

/// Applies `norm`, then re-encodes with `1/gamma`.
fn finish(plane: &mut Plane<f32>, norm: ImageNorm, gamma: Option<f32>) {
    match norm {
        ImageNorm::Clip => plane.data.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0)),
        ImageNorm::Rescale => {
            let (lo, hi) = plane
                .data
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let range = hi - lo;
            if range > 0.0 && range.is_finite() {
                let inv = 1.0 / range;
                plane
                    .data
                    .iter_mut()
                    .for_each(|v| *v = ((*v - lo) * inv).clamp(0.0, 1.0));
            } else {
                plane.data.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0));
            }
        }
        ImageNorm::None => {}
    }
    if let Some(g) = gamma {
        let inv = 1.0 / g;
        plane
            .data
            .iter_mut()
            .for_each(|v| *v = v.max(0.0).powf(inv));
    }
}

/// The input's alpha placed on the output grid: unchanged for size-keeping modes; for
/// `full`, at the offset a centred kernel shifts the picture by (`(K − 1) / 2` per axis),
/// with the new border opaque.
fn carried_alpha(
    alpha: Option<&Plane<f32>>,
    out_w: usize,
    out_h: usize,
    kernel_dims: (usize, usize),
) -> Option<Plane<f32>> {
    let alpha = alpha?;
    if alpha.dims() == (out_w, out_h) {
        return Some(alpha.clone());
    }
    let (x0, y0) = ((kernel_dims.0 - 1) / 2, (kernel_dims.1 - 1) / 2);
    let mut out = Plane {
        width: out_w,
        height: out_h,
        data: vec![1.0; out_w * out_h],
    };
    for y in 0..alpha.height.min(out_h.saturating_sub(y0)) {
        let w = alpha.width.min(out_w.saturating_sub(x0));
        let dst = (y + y0) * out_w + x0;
        out.data[dst..dst + w].copy_from_slice(&alpha.row(y)[..w]);
    }
    Some(out)
}

fn check_output(out: &Plane<f32>) -> Result<(), ConvError> {
    if out.width > MAX_IMAGE_SIDE || out.height > MAX_IMAGE_SIDE {
        return Err(ConvError::TooLarge {
            what: "output image",
            size: format!("{}×{} pixels", out.width, out.height),
            limit: format!("{MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE}"),
        });
    }
    Ok(())
}

/// Convolves `img` with `kernel` (planes of one size: 1 plane, or one per image
/// channel), per [`ImageOptions`]. Alpha is passed through (see `full` mode in
/// `docs/convolution.md`); the bit depth is kept.
///
/// Errors: an empty or inconsistent image ([`FloatImage::validate`]) or kernel, a kernel
/// plane count that fits neither rule, an invalid gamma, or an output above the size caps.
///
/// # Allocation
/// Allocates spectra, working planes and the result. Off the audio thread.
pub fn image_pair_convolve(
    img: &FloatImage,
    kernel: &[Plane<f32>],
    options: &ImageOptions,
) -> Result<FloatImage, ConvError> {
    let gamma = check_gamma(options.gamma)?;
    img.validate()?;
    let Some(k0) = kernel.first() else {
        return Err(ConvError::Empty("kernel"));
    };
    if kernel.iter().any(|k| k.dims() != k0.dims()) {
        return Err(ConvError::SizeMismatch(
            "kernel planes of different sizes".into(),
        ));
    }
    let kernel_planes: Vec<Plane<f32>> = kernel.iter().map(|k| prepared(k, None)).collect();
    let planes = with_thread_planner_f32(|planner| {
        pair_planes(planner, img, &kernel_planes, options, gamma)
    })?;
    assemble(img, planes, k0.dims(), options.normalize, gamma)
}

/// The convolved planes of [`image_pair_convolve`], before normalisation.
fn pair_planes(
    planner: &mut ConvPlanner<f32>,
    img: &FloatImage,
    kernel_planes: &[Plane<f32>],
    options: &ImageOptions,
    gamma: Option<f32>,
) -> Result<Vec<Plane<f32>>, ConvError> {
    Ok(match options.colorspace {
        ImageColorSpace::Luma => {
            let k = match kernel_planes.len() {
                1 => kernel_planes[0].clone(),
                3 => luma_of(kernel_planes),
                n => {
                    return Err(ConvError::SizeMismatch(format!(
                        "a {n}-plane kernel in luma mode (need 1 or 3 planes)"
                    )))
                }
            };
            let lin: Vec<Plane<f32>> = img.planes.iter().map(|p| prepared(p, gamma)).collect();
            let luma = if lin.len() == 3 {
                luma_of(&lin)
            } else {
                lin[0].clone()
            };
            vec![planner.convolve_2d(&luma, &k, options.mode)?]
        }
        ImageColorSpace::Channels => {
            if kernel_planes.len() != 1 && kernel_planes.len() != img.planes.len() {
                return Err(ConvError::SizeMismatch(format!(
                    "a {}-plane kernel for a {}-plane image (need 1 or {})",
                    kernel_planes.len(),
                    img.planes.len(),
                    img.planes.len()
                )));
            }
            let mut out = Vec::with_capacity(img.planes.len());
            for (c, p) in img.planes.iter().enumerate() {
                let k = &kernel_planes[c.min(kernel_planes.len() - 1)];
                out.push(planner.convolve_2d(&prepared(p, gamma), k, options.mode)?);
            }
            out
        }
    })
}

/// Convolves `img` with itself: the kernel is the (linearised) image, each plane
/// divided by its own sum so that the result stays in the image's range (a flat grey
/// image comes back as the same grey in `same-*` modes away from the borders). In
/// `channels` mode each plane is convolved with itself; in `luma` mode the luma plane.
/// A plane summing to 0 gives 0.
///
/// Errors: an empty or inconsistent image ([`FloatImage::validate`]), an invalid gamma,
/// or an output above the size caps.
///
/// # Allocation
/// Allocates spectra, working planes and the result. Off the audio thread.
pub fn image_auto_convolve(
    img: &FloatImage,
    options: &ImageOptions,
) -> Result<FloatImage, ConvError> {
    let gamma = check_gamma(options.gamma)?;
    img.validate()?;
    let lin: Vec<Plane<f32>> = img.planes.iter().map(|p| prepared(p, gamma)).collect();
    let sources = match options.colorspace {
        ImageColorSpace::Luma if lin.len() == 3 => vec![luma_of(&lin)],
        ImageColorSpace::Luma => vec![lin[0].clone()],
        ImageColorSpace::Channels => lin,
    };
    let planes = with_thread_planner_f32(|planner| {
        sources
            .iter()
            .map(|p| {
                let sum: f64 = p.data.iter().map(|&v| f64::from(v)).sum();
                let mut out = planner.auto_convolve_2d(p, 2, options.mode)?;
                let inv = if sum != 0.0 && sum.is_finite() {
                    (1.0 / sum) as f32
                } else {
                    0.0
                };
                out.data.iter_mut().for_each(|v| *v *= inv);
                Ok(out)
            })
            .collect::<Result<Vec<_>, ConvError>>()
    })?;
    assemble(
        img,
        planes,
        (img.width(), img.height()),
        options.normalize,
        gamma,
    )
}

fn assemble(
    img: &FloatImage,
    mut planes: Vec<Plane<f32>>,
    kernel_dims: (usize, usize),
    norm: ImageNorm,
    gamma: Option<f32>,
) -> Result<FloatImage, ConvError> {
    for p in planes.iter_mut() {
        check_output(p)?;
        finish(p, norm, gamma);
    }
    let (w, h) = planes[0].dims();
    Ok(FloatImage {
        alpha: carried_alpha(img.alpha.as_ref(), w, h, kernel_dims),
        planes,
        bit_depth: img.bit_depth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(w: usize, h: usize, v: f32) -> FloatImage {
        FloatImage::from_planes(vec![Plane {
            width: w,
            height: h,
            data: vec![v; w * h],
        }])
        .unwrap()
    }

    #[test]
    fn unit_kernel_is_identity_with_and_without_gamma() {
        let mut img = grey(5, 4, 0.0);
        for (i, v) in img.planes[0].data.iter_mut().enumerate() {
            *v = i as f32 / 20.0;
        }
        let k = Plane::from_row(&[1.0f32]);
        for gamma in [None, Some(2.2)] {
            let opts = ImageOptions {
                mode: SizeMode::SameCenter,
                gamma,
                ..ImageOptions::default()
            };
            let out = image_pair_convolve(&img, std::slice::from_ref(&k), &opts).unwrap();
            let err = out.planes[0]
                .data
                .iter()
                .zip(&img.planes[0].data)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 1e-5, "gamma {gamma:?}: max error {err}");
        }
    }

    #[test]
    fn rescale_spans_zero_to_one_and_alpha_survives() {
        let mut img = grey(6, 6, 0.0);
        img.planes[0].data[14] = 1.0;
        img.alpha = Some(Plane {
            width: 6,
            height: 6,
            data: vec![0.5; 36],
        });
        let opts = ImageOptions {
            mode: SizeMode::Full,
            normalize: ImageNorm::Rescale,
            ..ImageOptions::default()
        };
        let k = Plane {
            width: 3,
            height: 3,
            data: vec![1.0; 9],
        };
        let out = image_pair_convolve(&img, &[k], &opts).unwrap();
        let (lo, hi) = out.planes[0]
            .data
            .iter()
            .fold((1.0f32, 0.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        assert!(lo.abs() < 1e-6 && (hi - 1.0).abs() < 1e-6, "{lo}..{hi}");
        let alpha = out.alpha.unwrap();
        assert_eq!(alpha.dims(), (8, 8));
        assert_eq!(
            (alpha.get(0, 0), alpha.get(1, 1), alpha.get(6, 6)),
            (1.0, 0.5, 0.5)
        );
    }

    #[test]
    fn auto_of_flat_grey_stays_grey_in_the_middle() {
        let img = grey(9, 9, 0.4);
        let opts = ImageOptions {
            mode: SizeMode::SameCenter,
            normalize: ImageNorm::None,
            ..ImageOptions::default()
        };
        let out = image_auto_convolve(&img, &opts).unwrap();
        // The centre pixel sees the whole (normalised) kernel.
        assert!((out.planes[0].get(4, 4) - 0.4).abs() < 1e-5);
    }
}
