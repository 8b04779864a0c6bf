//! The options of `wavecube wavelet ...`, as clap parses them; each doc comment is its
//! `--help`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `wavecube wavelet`: the arguments after `wavelet`.
#[derive(Debug, Args)]
pub struct WaveletArgs {
    /// Which wavelet command to run.
    #[command(subcommand)]
    pub command: WaveletCommand,
}

/// The `wavelet` commands.
#[derive(Debug, Subcommand)]
pub enum WaveletCommand {
    /// Decompose numbers into wavelet coefficients; print them as JSON.
    ///
    /// Reads decimal numbers, one per line or separated by any whitespace, and
    /// prints a JSON array of arrays in PyWavelets' order, [cA_L, cD_L, ...,
    /// cD_1] (cD_1 the finest), equal to pywt.wavedec(x, WAVELET,
    /// level=LEVEL, mode=MODE) to about 1e-15.
    ///
    /// Example: wavecube wavelet dec --wavelet db4 --level 3 signal.txt
    Dec(DecArgs),
    /// Reconstruct numbers from wavelet coefficients; print them as JSON.
    ///
    /// Reads a JSON array of arrays as `dec` prints it ([cA_L, cD_L, ...,
    /// cD_1]) and prints the reconstructed signal as a JSON array, equal to
    /// pywt.waverec(coeffs, WAVELET, mode=MODE). An odd-length signal comes
    /// back one sample longer, as in PyWavelets.
    ///
    /// Example: wavecube wavelet dec x.txt | wavecube wavelet rec
    Rec(RecArgs),
}

/// The transform settings shared by `dec` and `rec`.
#[derive(Debug, Args)]
pub struct TransformArgs {
    /// Wavelet, by its PyWavelets name: haar, db2, db4, db8 or sym4.
    #[arg(long, value_name = "NAME", default_value = "db4")]
    pub wavelet: String,
    /// Signal extension at the ends: periodization, zero or symmetric.
    #[arg(long, value_name = "MODE", default_value = "periodization")]
    pub mode: String,
    /// Input file; standard input when absent or `-`.
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// `wavecube wavelet dec`.
#[derive(Debug, Args)]
pub struct DecArgs {
    /// Decomposition levels, 0 up to pywt.dwt_max_level(n, filter length) =
    /// floor(log2(n / (taps - 1))). Default: that maximum, as PyWavelets.
    #[arg(long, value_name = "L")]
    pub level: Option<usize>,
    /// Wavelet, mode and input.
    #[command(flatten)]
    pub transform: TransformArgs,
}

/// `wavecube wavelet rec`.
#[derive(Debug, Args)]
pub struct RecArgs {
    /// Wavelet, mode and input.
    #[command(flatten)]
    pub transform: TransformArgs,
}
