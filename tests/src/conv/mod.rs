//! `wavecube conv` and `wavecube sculpt`: exconv's command line over
//! [`wavecube_dsp::conv`] — FFT convolution of sound and images, and images sculpted by a
//! sound's spectrum.
//!
//! Every input is read and checked before any output is written, so a bad file never
//! truncates an existing output.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use wavecube_dsp::conv::{
    auto_convolve, factory_image, image_auto_convolve, image_pair_convolve, pair_convolve,
    parse_kernel, sculpt_image, AudioNorm, AudioOptions, BitDepth, ConvError, FloatImage,
    ImageColorSpace, ImageNorm, ImageOptions, SculptColor, SculptMode, SculptOptions, SizeMode,
    SCULPT_SIZE,
};

use crate::error::HarnessError;
use crate::wav::{read_wav, write_channels, WavFormat};

/// The `--img` value that names the built-in image.
pub const FACTORY_IMAGE: &str = "factory";

/// Size modes as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// The whole linear convolution, N + K − 1 samples.
    Full,
    /// The first N samples of the full result (onset kept).
    SameFirst,
    /// N samples from (K−1)//2 of the full result (numpy's convolve 'same').
    SameCenter,
}

impl From<ModeArg> for SizeMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Full => SizeMode::Full,
            ModeArg::SameFirst => SizeMode::SameFirst,
            ModeArg::SameCenter => SizeMode::SameCenter,
        }
    }
}

/// Audio normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AudioNormArg {
    /// RMS over all channels to 0.1.
    Rms,
    /// Peak over all channels to 0.99.
    Peak,
    /// The raw convolution.
    None,
}

/// WAV sample formats, named as exconv (soundfile) names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SubtypeArg {
    /// 16-bit integer.
    #[value(name = "PCM_16")]
    Pcm16,
    /// 24-bit integer.
    #[value(name = "PCM_24")]
    Pcm24,
    /// 32-bit float.
    #[value(name = "FLOAT")]
    Float,
}

/// Image colour handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorspaceArg {
    /// Convolve the Rec.709 luma only (the output is grey).
    Luma,
    /// Convolve each channel.
    Channels,
}

/// Image normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImageNormArg {
    /// Clip to 0..1.
    Clip,
    /// Rescale each channel's min..max to 0..1.
    Rescale,
    /// Leave the values (then clipped when written).
    None,
}

/// Sculpt modes: which audio signals drive the filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SculptModeArg {
    /// The mono mix filters everything.
    Mono,
    /// Left and right drive different planes.
    Stereo,
    /// Mid and side drive different planes.
    MidSide,
}

/// Sculpt colour spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SculptColorArg {
    /// Filter the luma only.
    Luma,
    /// Filter Y, Cb and Cr (full-range BT.601).
    Color,
}

/// `wavecube conv` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConvCommand {
    /// Convolve a sound with itself (order 2 = x∗x; order n = n-fold).
    AudioAuto(AudioAutoArgs),
    /// Convolve a sound with an impulse response (per channel when the channel counts
    /// match, else their mono mixes).
    AudioPair(AudioPairArgs),
    /// Convolve an image with itself, or with a kernel given by --kernel.
    ImgAuto(ImgArgs),
}

/// Options of `wavecube conv`.
#[derive(Debug, Args)]
pub struct ConvArgs {
    /// What to convolve.
    #[command(subcommand)]
    pub command: ConvCommand,
}

/// Options shared by the audio commands.
#[derive(Debug, Args)]
pub struct AudioCommon {
    /// Output WAV.
    #[arg(long)]
    pub out: PathBuf,
    /// Output size.
    #[arg(long, value_enum, default_value = "full")]
    pub mode: ModeArg,
    /// Circular convolution of the input's length instead (overrides --mode).
    #[arg(long)]
    pub circular: bool,
    /// Scale the result.
    #[arg(long, value_enum, default_value = "rms")]
    pub normalize: AudioNormArg,
    /// Output sample format.
    #[arg(long, value_enum, default_value = "FLOAT")]
    pub subtype: SubtypeArg,
}

/// Options of `wavecube conv audio-auto`.
#[derive(Debug, Args)]
pub struct AudioAutoArgs {
    /// Input WAV.
    #[arg(long = "in")]
    pub input: PathBuf,
    /// How many copies of the sound are convolved, 2..=16.
    #[arg(long, default_value_t = 2)]
    pub order: u32,
    /// Output and shape.
    #[command(flatten)]
    pub common: AudioCommon,
}

/// Options of `wavecube conv audio-pair`.
#[derive(Debug, Args)]
pub struct AudioPairArgs {
    /// Input WAV.
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Impulse response WAV (its sample rate must match the input's).
    #[arg(long)]
    pub ir: PathBuf,
    /// Output and shape.
    #[command(flatten)]
    pub common: AudioCommon,
}

/// Options of `wavecube conv img-auto`.
#[derive(Debug, Args)]
pub struct ImgArgs {
    /// Input image (PNG or JPEG, 8- or 16-bit).
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Output image (.png keeps the input's bit depth; .jpg is 8-bit).
    #[arg(long)]
    pub out: PathBuf,
    /// Output size.
    #[arg(long, value_enum, default_value = "same-center")]
    pub mode: ModeArg,
    /// Circular convolution of the image's size instead (overrides --mode).
    #[arg(long)]
    pub circular: bool,
    /// Luma only or every channel.
    #[arg(long, value_enum, default_value = "luma")]
    pub colorspace: ColorspaceArg,
    /// Clip, rescale or leave the result.
    #[arg(long, value_enum, default_value = "clip")]
    pub normalize: ImageNormArg,
    /// Convolve with this kernel instead of the image itself, e.g.
    /// 'gaussian:sigma=2,radius=8' (truncate=T sets the radius as T·sigma, default 4).
    #[arg(long)]
    pub kernel: Option<String>,
    /// Display gamma: linearise as v^gamma before convolving, re-encode after.
    #[arg(long)]
    pub gamma: Option<f32>,
}

/// Options of `wavecube sculpt`.
#[derive(Debug, Args)]
pub struct SculptArgs {
    /// The image to sculpt (PNG or JPEG), or `factory` for the built-in 256 × 256 image.
    #[arg(long)]
    pub img: PathBuf,
    /// The sound whose spectrum shapes it (WAV, mono or stereo).
    #[arg(long)]
    pub audio: PathBuf,
    /// Output image.
    #[arg(long)]
    pub out: PathBuf,
    /// Which audio signals drive the filters.
    #[arg(long, value_enum, default_value = "mono")]
    pub mode: SculptModeArg,
    /// Filter the luma only, or Y, Cb and Cr.
    #[arg(long, value_enum, default_value = "luma")]
    pub colorspace: SculptColorArg,
    /// Clip the result to 0..1 instead of rescaling its range (a flat spectrum is then an
    /// exact identity).
    #[arg(long)]
    pub no_normalize: bool,
}

/// What can go wrong in `wavecube conv` and `wavecube sculpt` besides WAV I/O.
#[derive(Debug, thiserror::Error)]
pub enum ConvFileError {
    /// The convolution or the image I/O refused its input.
    #[error(transparent)]
    Conv(#[from] ConvError),
    /// Input and impulse response at different sample rates.
    #[error("the input is at {input_hz} Hz but the impulse response at {ir_hz} Hz")]
    SampleRate {
        /// The input's rate, Hz.
        input_hz: u32,
        /// The IR's rate, Hz.
        ir_hz: u32,
    },
    /// An order outside 2..=16.
    #[error("--order {0} is outside 2..=16")]
    Order(u32),
}

fn at(path: &Path, e: impl Into<ConvFileError>) -> HarnessError {
    HarnessError::Conv {
        path: path.to_path_buf(),
        source: Box::new(e.into()),
    }
}

fn audio_options(c: &AudioCommon) -> AudioOptions {
    AudioOptions {
        mode: if c.circular {
            SizeMode::Circular
        } else {
            c.mode.into()
        },
        normalize: match c.normalize {
            AudioNormArg::Rms => AudioNorm::Rms,
            AudioNormArg::Peak => AudioNorm::Peak,
            AudioNormArg::None => AudioNorm::None,
        },
    }
}

fn wav_format(s: SubtypeArg) -> WavFormat {
    match s {
        SubtypeArg::Pcm16 => WavFormat::I16,
        SubtypeArg::Pcm24 => WavFormat::I24,
        SubtypeArg::Float => WavFormat::F32,
    }
}

fn write_audio(
    c: &AudioCommon,
    rate: u32,
    out: &[Vec<f32>],
    input: &Path,
    started: Instant,
) -> Result<(), HarnessError> {
    let refs: Vec<&[f32]> = out.iter().map(Vec::as_slice).collect();
    write_channels(&c.out, rate, wav_format(c.subtype), &refs)?;
    let frames = out.first().map_or(0, Vec::len);
    let peak = out.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
    println!(
        "{} -> {}: {}, {} ({:.3} s), peak {peak:.4}, {:.0} ms",
        input.display(),
        c.out.display(),
        crate::text::count(out.len() as u64, "channel"),
        crate::text::count(frames as u64, "frame"),
        frames as f64 / f64::from(rate.max(1)),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Runs `wavecube conv`.
///
/// # Errors
/// A bad input, option or output, naming the file.
pub fn run_conv(args: &ConvArgs) -> Result<(), HarnessError> {
    let started = Instant::now();
    match &args.command {
        ConvCommand::AudioAuto(a) => {
            if !(2..=16).contains(&a.order) {
                return Err(at(&a.input, ConvFileError::Order(a.order)));
            }
            let wav = read_wav(&a.input)?;
            let out = auto_convolve(&wav.channels, a.order, &audio_options(&a.common))
                .map_err(|e| at(&a.input, e))?;
            write_audio(&a.common, wav.sample_rate_hz, &out, &a.input, started)
        }
        ConvCommand::AudioPair(a) => {
            let wav = read_wav(&a.input)?;
            let ir = read_wav(&a.ir)?;
            if ir.sample_rate_hz != wav.sample_rate_hz {
                return Err(at(
                    &a.ir,
                    ConvFileError::SampleRate {
                        input_hz: wav.sample_rate_hz,
                        ir_hz: ir.sample_rate_hz,
                    },
                ));
            }
            let out = pair_convolve(&wav.channels, &ir.channels, &audio_options(&a.common))
                .map_err(|e| at(&a.input, e))?;
            write_audio(&a.common, wav.sample_rate_hz, &out, &a.input, started)
        }
        ConvCommand::ImgAuto(a) => {
            let img = FloatImage::read(&a.input).map_err(|e| at(&a.input, e))?;
            let options = ImageOptions {
                mode: if a.circular {
                    SizeMode::Circular
                } else {
                    a.mode.into()
                },
                colorspace: match a.colorspace {
                    ColorspaceArg::Luma => ImageColorSpace::Luma,
                    ColorspaceArg::Channels => ImageColorSpace::Channels,
                },
                normalize: match a.normalize {
                    ImageNormArg::Clip => ImageNorm::Clip,
                    ImageNormArg::Rescale => ImageNorm::Rescale,
                    ImageNormArg::None => ImageNorm::None,
                },
                gamma: a.gamma,
            };
            let out = match &a.kernel {
                Some(spec) => {
                    let kernel = parse_kernel(spec).map_err(|e| at(&a.input, e))?;
                    image_pair_convolve(&img, &[kernel], &options)
                }
                None => image_auto_convolve(&img, &options),
            }
            .map_err(|e| at(&a.input, e))?;
            out.write(&a.out, None).map_err(|e| at(&a.out, e))?;
            println!(
                "{} -> {}: {} x {}, {:.0} ms",
                a.input.display(),
                a.out.display(),
                out.width(),
                out.height(),
                started.elapsed().as_secs_f64() * 1000.0
            );
            Ok(())
        }
    }
}

/// Runs `wavecube sculpt`.
///
/// # Errors
/// A bad input or output, naming the file.
pub fn run_sculpt(args: &SculptArgs) -> Result<(), HarnessError> {
    let started = Instant::now();
    let img = if args.img == Path::new(FACTORY_IMAGE) && !args.img.exists() {
        factory_image(SCULPT_SIZE, SCULPT_SIZE)
    } else {
        FloatImage::read(&args.img).map_err(|e| at(&args.img, e))?
    };
    let wav = read_wav(&args.audio)?;
    let (left, right) = match wav.channels.as_slice() {
        [mono] => (mono.as_slice(), mono.as_slice()),
        [l, r, ..] => (l.as_slice(), r.as_slice()),
        [] => return Err(at(&args.audio, ConvError::Empty("audio"))),
    };
    let options = SculptOptions {
        mode: match args.mode {
            SculptModeArg::Mono => SculptMode::Mono,
            SculptModeArg::Stereo => SculptMode::Stereo,
            SculptModeArg::MidSide => SculptMode::MidSide,
        },
        colorspace: match args.colorspace {
            SculptColorArg::Luma => SculptColor::Luma,
            SculptColorArg::Color => SculptColor::Color,
        },
        normalize: !args.no_normalize,
    };
    let out = sculpt_image(&img, left, right, &options).map_err(|e| at(&args.audio, e))?;
    out.write(&args.out, Some(BitDepth::Eight))
        .map_err(|e| at(&args.out, e))?;
    println!(
        "{} sculpted by {} -> {}: {} x {}, {} samples, {:.0} ms",
        args.img.display(),
        args.audio.display(),
        args.out.display(),
        out.width(),
        out.height(),
        left.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
