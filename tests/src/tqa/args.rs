//! The options of `wavecube tqa ...`, as clap parses them; each doc comment is its `--help`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use wavecube_dsp::codec::tqa::{
    TqaConfig, TqaMode, DEFAULT_BITS, DEFAULT_BLOCK, DEFAULT_MODE, DEFAULT_SEED, MAX_BITS,
    MAX_BLOCK, MIN_BITS, MIN_BLOCK,
};

use super::signal::{SignalKind, SignalSpec};
use crate::error::OptionError;
use crate::wav::WavFormat;

/// `wavecube tqa`: the arguments after `tqa`.
#[derive(Debug, Args)]
pub struct TqaArgs {
    /// Which TQA command to run.
    #[command(subcommand)]
    pub command: TqaCommand,
}

/// The `tqa` commands.
#[derive(Debug, Subcommand)]
pub enum TqaCommand {
    /// Compress a WAV file to a .tqa stream; print a one-line report.
    ///
    /// The report gives frames, channels, stream bytes, bits per sample (all
    /// stream bits, header and side information included, per sample of every
    /// channel) and the ratio to the input's own PCM size (its bit depth, all
    /// channels). Example: wavecube tqa encode in.wav out.tqa --bits 6
    Encode(EncodeArgs),
    /// Decompress a .tqa stream to a WAV file with all its channels.
    ///
    /// Example: wavecube tqa decode in.tqa out.wav --format i16
    Decode(DecodeArgs),
    /// Encode a WAV file, decode it again, write the result; print JSON.
    ///
    /// Keys: input, output, tqa (the stream file or null), sample_rate_hz,
    /// frames, channels, input_pcm_bytes (frames x channels x bytes per sample
    /// of the input's own format), stream_bytes, ratio (input_pcm_bytes /
    /// stream_bytes), bits_per_sample (stream bits / (frames x channels), side
    /// information included), side_bits_per_sample (header, CRCs, per-block
    /// scale and offset, escapes), sqnr_db (decoded against input, dB; null
    /// when they are identical), encode_s and decode_s (codec time alone,
    /// seconds: no file I/O, and after a one-block warm-up so the codebooks
    /// built once per process are not counted), encode_mb_s and decode_mb_s (speed in MB/s of
    /// 16-bit PCM: frames x channels x 2 bytes / 1e6 / seconds), mode, bits,
    /// block, seed.
    ///
    /// Example: wavecube tqa run -i in.wav -o out.wav --mode sign --tqa out.tqa
    Run(RunArgs),
    /// Compare two WAV files sample by sample; print JSON.
    ///
    /// Channel c of file 2 is compared with channel c of file 1 over the
    /// frames both have; every measure pools all channels. Keys: mse (mean
    /// squared error, full scale 1.0), sqnr_db (10 log10(sum a^2 / sum (a -
    /// b)^2), dB; null when infinite: the files are identical, or file 1 is
    /// silent), correlation (Pearson, -1 to 1; null if either is constant),
    /// peak_delta (|peak(a) - peak(b)|, linear), envelope_correlation (Pearson
    /// correlation of the two RMS envelopes, one RMS value per 10 ms window of
    /// each channel, the last window possibly shorter; null with fewer than two
    /// windows or a constant envelope), frames (compared: the shorter length),
    /// channels. The files must have the same channel count and sample rate.
    ///
    /// Example: wavecube tqa compare -f1 in.wav -f2 out.wav
    Compare(CompareArgs),
    /// Write a synthetic test signal (audiotq's generator) to a mono WAV file.
    ///
    /// sine: a sin(2 pi f t); square: a sign(sin(2 pi f t)); noise: Gaussian,
    /// standard deviation a; transient: Gaussian, standard deviation 0.01 a.
    /// Then --spikes distinct random samples are set to +0.98 or -0.98. The
    /// same options and --seed always write the same file.
    ///
    /// Example: wavecube tqa simulate --type square --spikes 5 --out square.wav
    Simulate(SimulateArgs),
}

/// The codec settings shared by `encode` and `run`.
#[derive(Debug, Clone, Args)]
pub struct CodecArgs {
    /// Bits per coefficient, 2 to 8 (sign mode adds one residual-sign bit per
    /// sample; qjl spends one of them on the projection sign).
    #[arg(long, value_name = "BITS", default_value_t = DEFAULT_BITS)]
    pub bits: u8,
    /// Samples per block, a power of two from 64 to 4096.
    #[arg(long, value_name = "SAMPLES", default_value_t = DEFAULT_BLOCK)]
    pub block: usize,
    /// How the bits are spent: plain (BITS-bit Lloyd-Max index), sign (plus
    /// one residual-sign bit, audiotq's layer) or qjl (BITS-1 index bits plus
    /// the sign of a Gaussian projection of the residual).
    #[arg(long, value_name = "plain|sign|qjl", default_value = DEFAULT_MODE.name())]
    pub mode: String,
    /// Seed of the random rotation signs (and of the qjl projection); stored
    /// in the stream, so any seed decodes.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED)]
    pub seed: u64,
}

impl CodecArgs {
    /// The codec configuration these options ask for.
    ///
    /// # Errors
    /// [`OptionError::Bits`], [`OptionError::TqaBlock`] or
    /// [`OptionError::Mode`] naming the bad value.
    pub fn config(&self) -> Result<TqaConfig, OptionError> {
        if !(MIN_BITS..=MAX_BITS).contains(&self.bits) {
            return Err(OptionError::Bits(self.bits));
        }
        if !(self.block.is_power_of_two() && (MIN_BLOCK..=MAX_BLOCK).contains(&self.block)) {
            return Err(OptionError::TqaBlock(self.block));
        }
        let mode =
            TqaMode::parse(&self.mode).ok_or_else(|| OptionError::Mode(self.mode.clone()))?;
        let config = TqaConfig {
            bits: self.bits,
            block_size: self.block,
            mode,
            seed: self.seed,
        };
        // NOTE: the checks above name the option; this one catches any rule
        // the codec adds later.
        config.validate().map_err(OptionError::Codec)?;
        Ok(config)
    }
}

/// `wavecube tqa encode`.
#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// WAV file to compress: 8/16/24/32-bit integer PCM or 32-bit float, 1 to
    /// 64 channels.
    #[arg(value_name = "IN.wav")]
    pub input: PathBuf,
    /// The .tqa stream to write (created or overwritten).
    #[arg(value_name = "OUT.tqa")]
    pub output: PathBuf,
    /// Codec settings.
    #[command(flatten)]
    pub codec: CodecArgs,
}

/// `wavecube tqa decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The .tqa stream to decompress.
    #[arg(value_name = "IN.tqa")]
    pub input: PathBuf,
    /// WAV file to write, with the stream's sample rate and every channel.
    #[arg(value_name = "OUT.wav")]
    pub output: PathBuf,
    /// Output sample format: 32-bit float, or 24/16-bit integer (rounded,
    /// clipped to full scale, no dither).
    #[arg(long, value_enum, default_value_t = WavFormat::F32)]
    pub format: WavFormat,
}

/// `wavecube tqa run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// WAV file to compress: 8/16/24/32-bit integer PCM or 32-bit float.
    #[arg(short, long, value_name = "IN.wav")]
    pub input: PathBuf,
    /// WAV file to write the decoded audio to.
    #[arg(short, long, value_name = "OUT.wav")]
    pub output: PathBuf,
    /// Also keep the .tqa stream in this file.
    #[arg(long, value_name = "OUT.tqa")]
    pub tqa: Option<PathBuf>,
    /// Sample format of OUT.wav: 32-bit float, or 24/16-bit integer (rounded,
    /// clipped to full scale, no dither).
    #[arg(long, value_enum, default_value_t = WavFormat::F32)]
    pub format: WavFormat,
    /// Codec settings.
    #[command(flatten)]
    pub codec: CodecArgs,
}

/// `wavecube tqa compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The reference WAV file (the original). audiotq's -f1 also works.
    #[arg(long = "file1", value_name = "A.wav")]
    pub file1: PathBuf,
    /// The WAV file to judge against it (e.g. the decoded one). audiotq's -f2
    /// also works.
    #[arg(long = "file2", value_name = "B.wav")]
    pub file2: PathBuf,
}

/// `wavecube tqa simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Signal shape: sine, square, noise or transient.
    #[arg(
        long = "type",
        value_name = "sine|square|noise|transient",
        default_value = "sine"
    )]
    pub kind: String,
    /// Frequency of sine and square, Hz, 0 to half of --sr.
    #[arg(
        long,
        value_name = "HZ",
        default_value_t = 440.0,
        allow_negative_numbers = true
    )]
    pub frequency: f64,
    /// Length, seconds, at most 3600.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 2.0,
        allow_negative_numbers = true
    )]
    pub duration: f64,
    /// Number of distinct random samples set to +0.98 or -0.98.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub spikes: usize,
    /// Amplitude, linear (full scale 1.0), 0 to 1: the peak of sine and
    /// square, the standard deviation of noise (transient uses 0.01 of it).
    #[arg(
        long,
        value_name = "A",
        default_value_t = 0.1,
        allow_negative_numbers = true
    )]
    pub amplitude: f64,
    /// Sample rate in Hz, 8000 to 384000.
    #[arg(long, value_name = "HZ", default_value_t = 8_000)]
    pub sr: u32,
    /// Seed of the random noise, spike positions and spike signs.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
    /// Mono WAV file to write.
    #[arg(long, value_name = "OUT.wav")]
    pub out: PathBuf,
    /// Output sample format: 32-bit float, or 24/16-bit integer (rounded,
    /// clipped to full scale, no dither).
    #[arg(long, value_enum, default_value_t = WavFormat::F32)]
    pub format: WavFormat,
}

impl SimulateArgs {
    /// The signal these options describe, checked.
    ///
    /// # Errors
    /// The [`OptionError`] naming the first bad option.
    pub fn spec(&self) -> Result<SignalSpec, OptionError> {
        let spec = SignalSpec {
            kind: SignalKind::parse(&self.kind)?,
            frequency_hz: self.frequency,
            duration_s: self.duration,
            spikes: self.spikes,
            amplitude: self.amplitude,
            sample_rate_hz: self.sr,
            seed: self.seed,
        };
        spec.validate()?;
        Ok(spec)
    }
}

/// Rewrites audiotq's spelling `compare -f1 A.wav -f2 B.wav` (also
/// `-f1=A.wav`) to `--file1` / `--file2`, which clap can parse (its short
/// options are one letter). Only arguments after `tqa compare` change.
pub fn expand_audiotq_flags<I: IntoIterator<Item = OsString>>(args: I) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    let compare_at = args
        .windows(2)
        .position(|w| w[0] == "tqa" && w[1] == "compare");
    let Some(at) = compare_at else {
        return args;
    };
    for arg in &mut args[at + 2..] {
        let Some(text) = arg.to_str() else { continue };
        for (short, long) in [("-f1", "--file1"), ("-f2", "--file2")] {
            if text == short {
                *arg = long.into();
                break;
            }
            if let Some(value) = text.strip_prefix(short).and_then(|v| v.strip_prefix('=')) {
                *arg = format!("{long}={value}").into();
                break;
            }
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn audiotq_compare_flags_become_long_ones() {
        assert_eq!(
            expand_audiotq_flags(os(&[
                "wavecube",
                "tqa",
                "compare",
                "-f1",
                "a.wav",
                "-f2=b.wav"
            ])),
            os(&[
                "wavecube",
                "tqa",
                "compare",
                "--file1",
                "a.wav",
                "--file2=b.wav"
            ])
        );
        // Anywhere else, -f1 is left for clap to judge.
        let other = os(&["wavecube", "render", "--notes", "-f1", "tqa"]);
        assert_eq!(expand_audiotq_flags(other.clone()), other);
    }

    #[test]
    fn codec_options_are_checked_by_name() {
        let good = CodecArgs {
            bits: 6,
            block: 512,
            mode: "qjl".into(),
            seed: 7,
        };
        let config = good.config().unwrap();
        assert_eq!(config.mode, TqaMode::Qjl);
        assert_eq!((config.bits, config.block_size, config.seed), (6, 512, 7));
        for (bad, needle) in [
            (
                CodecArgs {
                    bits: 9,
                    ..good.clone()
                },
                "--bits 9",
            ),
            (
                CodecArgs {
                    bits: 1,
                    ..good.clone()
                },
                "--bits 1",
            ),
            (
                CodecArgs {
                    block: 500,
                    ..good.clone()
                },
                "--block 500",
            ),
            (
                CodecArgs {
                    block: 8192,
                    ..good.clone()
                },
                "--block 8192",
            ),
            (
                CodecArgs {
                    mode: "loud".into(),
                    ..good.clone()
                },
                "--mode \"loud\"",
            ),
        ] {
            let err = bad.config().unwrap_err().to_string();
            assert!(err.starts_with(needle), "{err}");
        }
    }
}
