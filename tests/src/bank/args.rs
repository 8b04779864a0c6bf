//! The options of `wavecube bank ...`, as clap parses them; each doc comment is its
//! `--help`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use wavecube_dsp::bank::import::{ImageMode, ImportOptions, Layout};
use wavecube_dsp::bank::{CodecChoice, NodeCodec, WriteOptions};

use crate::error::OptionError;

/// Lowest `--quality` accepted, dB.
pub const MIN_QUALITY_DB: f64 = 1.0;
/// Highest `--quality` accepted, dB (beyond f32's own precision).
pub const MAX_QUALITY_DB: f64 = 200.0;

/// `wavecube bank`: the arguments after `bank`.
#[derive(Debug, Args)]
pub struct BankArgs {
    /// Which bank command to run.
    #[command(subcommand)]
    pub command: BankCommand,
}

/// The `bank` commands.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Import wavetables into a .wcube bank; print a report with the importers' notes.
    ///
    /// Each SRC is a file (Serum-style WAV with a clm chunk, Surge WAV with srge, WAV with
    /// a smpl loop, plain multi-frame WAV, Surge .wt, Vital .vitaltable or .vital preset
    /// (--osc), PNG or BMP image, raw 32768-byte WaveEdit bank) or
    /// a folder of single-cycle WAV files (one frame per file, by name). The format is
    /// recognised from the bytes. Several SRCs are joined in order, or with --stack-z
    /// become one Z slice each.
    ///
    /// Example: wavecube bank import table.wav -o table.wcube --layout xy --codec tqa
    Import(ImportArgs),
    /// Export a .wcube bank for other synths: one WAV with a clm chunk (2048-sample
    /// frames, x fastest, then y, then z) or one WAV per node in a folder.
    ///
    /// Example: wavecube bank export bank.wcube --format clm -o bank.wav
    Export(ExportArgs),
    /// Describe a .wcube bank (dimensions, nodes, codecs, sizes, ratio to f32, each
    /// node's SNR against its source as the writer measured it), or what an importable
    /// file would give (format, frames, lengths, notes).
    ///
    /// Example: wavecube bank inspect bank.wcube --json
    Inspect(InspectArgs),
    /// Re-code a .wcube bank, or import any importable file, into a .wcube bank.
    ///
    /// Example: wavecube bank convert old.wcube new.wcube --codec zstd
    Convert(ConvertArgs),
}

/// How imported frames are spread over the cube's axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// A row along x: n × 1 × 1, at most 16 frames.
    X,
    /// A plane: ⌈√n⌉ wide, filled x then y; at most 256 frames.
    Xy,
    /// A volume: ⌈∛n⌉ wide and high, filled x, then y, then z; at most 4096 frames.
    Xyz,
}

impl LayoutArg {
    /// The importers' layout.
    pub fn layout(self) -> Layout {
        match self {
            Self::X => Layout::X,
            Self::Xy => Layout::Xy,
            Self::Xyz => Layout::Xyz,
        }
    }
}

/// How an image becomes frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ImageModeArg {
    /// One frame per row from the Rec. 709 luma.
    #[default]
    Luma,
    /// Three frames per row (red, green, blue) on Z slices 0, 1, 2.
    Rgb,
}

/// The settings shared by `import` and `convert`: how files become frames and frames a
/// cube.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Lay the frames out along x, xy or xyz (filled x first). Default: the shape the
    /// file records (a Wavecube export, an RGB image), else x up to 16 frames, xy up to
    /// 256, xyz beyond.
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Samples per frame of a WAV file; overrides its clm chunk. Without either, 2048
    /// (and a note says so).
    #[arg(long, value_name = "SAMPLES")]
    pub frame_size: Option<usize>,
    /// How an image becomes frames.
    #[arg(long, value_enum, default_value_t = ImageModeArg::Luma)]
    pub image_mode: ImageModeArg,
    /// Which oscillator (1 to 3) of a Vital .vital preset to import. Default: every
    /// oscillator that holds a table, each to OUT-osc<N>.wcube.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=3))]
    pub osc: Option<u8>,
    /// Bank name. Default: the name stored in the file, else the file name without its
    /// extension.
    #[arg(long)]
    pub name: Option<String>,
}

impl SourceArgs {
    /// The importers' options.
    pub fn import_options(&self) -> ImportOptions {
        ImportOptions {
            frame_len: self.frame_size,
            image_mode: match self.image_mode {
                ImageModeArg::Luma => ImageMode::Luma,
                ImageModeArg::Rgb => ImageMode::Rgb,
            },
            osc: self.osc.map(usize::from),
        }
    }
}

/// The `.wcube` writer's settings.
#[derive(Debug, Clone, Args)]
pub struct CodecArgs {
    /// Node codec: auto (per node, the smallest that meets --quality), f32, i16, zstd
    /// (lossless), gauss (spectral-Gaussian), tqa (6 bits) or tqa2 ... tqa8.
    #[arg(
        long,
        value_name = "auto|f32|i16|zstd|gauss|tqa|tqaN",
        default_value = "auto"
    )]
    pub codec: String,
    /// Quality target: each lossy node's SNR against its source, dB (1 to 200).
    #[arg(
        long,
        value_name = "DB",
        default_value_t = 60.0,
        allow_negative_numbers = true
    )]
    pub quality: f64,
}

impl CodecArgs {
    /// The writer's options.
    ///
    /// # Errors
    /// [`OptionError::BankCodec`] for an unknown codec name; [`OptionError::Quality`]
    /// outside 1 to 200 dB.
    pub fn write_options(&self) -> Result<WriteOptions, OptionError> {
        let codec = if self.codec == "auto" {
            CodecChoice::Auto
        } else {
            CodecChoice::Fixed(
                NodeCodec::parse(&self.codec)
                    .ok_or_else(|| OptionError::BankCodec(self.codec.clone()))?,
            )
        };
        if !(MIN_QUALITY_DB..=MAX_QUALITY_DB).contains(&self.quality) {
            return Err(OptionError::Quality(self.quality));
        }
        Ok(WriteOptions {
            codec,
            quality_db: self.quality,
        })
    }
}

/// `wavecube bank import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders to import, in order.
    #[arg(value_name = "SRC", required = true)]
    pub sources: Vec<PathBuf>,
    /// The .wcube bank to write (created or overwritten).
    #[arg(short, long, value_name = "OUT.wcube")]
    pub output: PathBuf,
    /// One Z slice per SRC, each laid out xy on the same sides (as the Fata Morgana
    /// takes 8 WAVs of 64 waves: an 8 × 8 × 8 cube).
    #[arg(long, conflicts_with = "layout")]
    pub stack_z: bool,
    /// How files become frames and frames a cube.
    #[command(flatten)]
    pub source: SourceArgs,
    /// The writer's settings.
    #[command(flatten)]
    pub codec: CodecArgs,
}

/// What `bank export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One 32-bit float WAV with a clm chunk: every grid position as a 2048-sample
    /// frame, x fastest, then y, then z (missing nodes are filled as the synth plays
    /// them).
    Clm,
    /// A folder of 32-bit float WAVs, node_x{X}_y{Y}_z{Z}.wav, each node at its own
    /// length.
    Nodes,
}

/// `wavecube bank export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The .wcube bank to export.
    #[arg(value_name = "IN.wcube")]
    pub input: PathBuf,
    /// What to write.
    #[arg(long, value_enum, default_value_t = ExportFormat::Clm)]
    pub format: ExportFormat,
    /// The WAV file (clm) or folder (nodes, created if missing) to write.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
}

/// `wavecube bank inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A .wcube bank, or any file `bank import` reads.
    #[arg(value_name = "FILE")]
    pub input: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// How a non-.wcube file becomes frames.
    #[command(flatten)]
    pub source: SourceArgs,
}

/// `wavecube bank convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// A .wcube bank, or any file or folder `bank import` reads.
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// The .wcube bank to write (created or overwritten).
    #[arg(value_name = "OUT.wcube")]
    pub output: PathBuf,
    /// How a non-.wcube input becomes frames and frames a cube.
    #[command(flatten)]
    pub source: SourceArgs,
    /// The writer's settings.
    #[command(flatten)]
    pub codec: CodecArgs,
}
