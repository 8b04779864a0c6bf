//! Convolution for sound and images, and sound-to-image spectral sculpting.
//!
//! One real FFT layer ([`Fft2d`], planned by [`ConvPlanner`]) serves 1D audio and 2D
//! images, in `f32` or `f64` ([`Real`]). On top of it:
//!
//! - [`ConvPlanner::convolve`], [`ConvPlanner::convolve_2d`],
//!   [`ConvPlanner::convolve_axes`], [`ConvPlanner::auto_convolve`]: linear and circular
//!   FFT convolution with explicit [`SizeMode`]s.
//! - [`auto_convolve`], [`pair_convolve`]: audio convolution with [`AudioNorm`].
//! - [`FloatImage`], [`image_pair_convolve`], [`image_auto_convolve`], [`parse_kernel`]:
//!   image files and image convolution in luma or per channel.
//! - [`sculpt_image`], [`SculptRenderer`], [`factory_image`]: sound-to-image spectral
//!   sculpting, batch and allocation-free per frame (editor thread).
//! - [`PartitionedConvolver`], [`StereoConvolver`], [`factory_ir`]: zero-latency
//!   real-time convolution (audio thread) and the factory impulse responses.
//! - [`ir`]: impulse responses from WAV files, decoded and resampled to the host rate.
//!
//! Everything here but the real-time paths ([`PartitionedConvolver::process`],
//! [`SculptRenderer::render`]) allocates freely and runs off the audio thread; errors are
//! [`ConvError`]. See `docs/convolution.md` for the definitions and measured numbers.

mod audio;
mod error;
mod factory_image;
mod factory_ir;
mod fast_len;
mod fft2d;
mod float_image;
mod image_conv;
pub mod ir;
mod kernel;
mod linear;
mod partitioned;
mod plane;
mod planner;
mod real;
mod sculpt;
mod sculpt_renderer;
mod size_mode;

pub use audio::{
    auto_convolve, normalisation_gain, pair_convolve, AudioNorm, AudioOptions, PEAK_TARGET,
    RMS_TARGET,
};
pub use error::ConvError;
pub use factory_image::factory_image;
pub use factory_ir::{factory_ir, factory_ir_names, IrKind, StereoIr};
pub use fast_len::fast_len;
pub use fft2d::Fft2d;
pub use float_image::{BitDepth, FloatImage, JPEG_QUALITY, REC709_LUMA};
pub use image_conv::{
    image_auto_convolve, image_pair_convolve, ImageColorSpace, ImageNorm, ImageOptions,
};
pub use kernel::{parse_kernel, GaussianSpec, MAX_RADIUS};
pub use linear::{convolve, convolve_2d, Axes, MAX_ORDER};
pub use partitioned::{
    PartitionedConvolver, StereoConvolver, HEAD_LEN, MAX_BLOCK, MAX_IR_SAMPLES, MAX_PARTITION,
};
pub use plane::Plane;
pub use planner::{ConvPlanner, MAX_CACHED_LENGTHS};
pub use real::Real;
pub use sculpt::{
    radial_index, rgb_to_ycbcr, sculpt_image, ycbcr_to_rgb, SculptColor, SculptMode, SculptOptions,
};
pub use sculpt_renderer::{SculptRenderer, SCULPT_SIZE, SCULPT_WINDOW};
pub use size_mode::SizeMode;

/// The most samples (or pixels per plane) any result or FFT buffer may hold: 2²⁸.
pub const MAX_SAMPLES: usize = 1 << 28;

/// The largest image side accepted or produced, in pixels.
pub const MAX_IMAGE_SIDE: usize = 16_384;
