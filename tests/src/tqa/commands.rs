//! What `wavecube tqa ...` does: each command checks its options, does its work and
//! returns a report; [`run_tqa`] prints it.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use wavecube_dsp::analysis::{compare, CompareReport};
use wavecube_dsp::codec::tqa::{self, StreamHeader, TqaConfig, TqaError};

use super::args::{
    CompareArgs, DecodeArgs, EncodeArgs, RunArgs, SimulateArgs, TqaArgs, TqaCommand,
};
use super::signal::SignalSpec;
use crate::error::{HarnessError, TqaFileError, WavError};
use crate::wav::{read_wav, write_channels, WavData, WavFormat};

/// Runs one `tqa` command and prints its report to stdout.
///
/// # Errors
/// The [`HarnessError`] of the command, naming the file or option concerned.
pub fn run_tqa(args: &TqaArgs) -> Result<(), HarnessError> {
    match &args.command {
        TqaCommand::Encode(a) => println!("{}", encode_command(a)?),
        TqaCommand::Decode(a) => println!("{}", decode_command(a)?),
        TqaCommand::Run(a) => println!("{}", to_json(&run_command(a)?)),
        TqaCommand::Compare(a) => println!("{}", to_json(&compare_command(a)?)),
        TqaCommand::Simulate(a) => println!("{}", simulate_command(a)?),
    }
    Ok(())
}

/// Pretty JSON of a report made only of numbers, strings and options.
fn to_json<T: Serialize>(report: &T) -> String {
    // NOTE: serde_json writes non-finite floats as null and these reports hold
    // no maps with non-string keys, so serialising cannot fail.
    serde_json::to_string_pretty(report).expect("reports serialise")
}

/// What `tqa encode` did.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeReport {
    /// The WAV file read, as given.
    pub input: String,
    /// The `.tqa` file written, as given.
    pub output: String,
    /// Frames per channel.
    pub frames: usize,
    /// Channels.
    pub channels: usize,
    /// Sample rate, Hz.
    pub sample_rate_hz: u32,
    /// Bits per sample of the input WAV file.
    pub input_bits_per_sample: u16,
    /// Size of the input's audio data in its own format, bytes.
    pub input_pcm_bytes: u64,
    /// Length of the stream, bytes.
    pub stream_bytes: usize,
    /// The codec settings.
    pub config: TqaConfig,
}

impl EncodeReport {
    /// All stream bits (header and side information included) per sample of
    /// every channel.
    pub fn bits_per_sample(&self) -> f64 {
        bits_per_sample(self.stream_bytes, self.frames, self.channels)
    }

    /// Input PCM bytes per stream byte.
    pub fn ratio(&self) -> f64 {
        self.input_pcm_bytes as f64 / self.stream_bytes as f64
    }
}

impl fmt::Display for EncodeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wavecube tqa encode: {} -> {}: {} x {} channel{} at {} Hz, {}, \
             {:.3} bits/sample (side information included), {:.3}x smaller than the input's \
             {}-bit PCM ({} bytes); mode {}, {} bits, {}-sample blocks, seed {}",
            self.input,
            self.output,
            crate::text::count(self.frames as u64, "frame"),
            self.channels,
            if self.channels == 1 { "" } else { "s" },
            self.sample_rate_hz,
            crate::text::count(self.stream_bytes as u64, "byte"),
            self.bits_per_sample(),
            self.ratio(),
            self.input_bits_per_sample,
            self.input_pcm_bytes,
            self.config.mode.name(),
            self.config.bits,
            self.config.block_size,
            self.config.seed,
        )
    }
}

/// What `tqa decode` did.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeReport {
    /// The `.tqa` file read, as given.
    pub input: String,
    /// The WAV file written, as given.
    pub output: String,
    /// The stream's header.
    pub header: StreamHeader,
    /// Length of the stream, bytes.
    pub stream_bytes: usize,
    /// Sample format written.
    pub format: WavFormat,
}

impl fmt::Display for DecodeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = &self.header;
        let frames = usize::try_from(h.frames).unwrap_or(usize::MAX);
        write!(
            f,
            "wavecube tqa decode: {} -> {}: {} x {} channel{} at {} Hz, {}; \
             stream {} bytes, {:.3} bits/sample, mode {}, {} bits, {}-sample blocks",
            self.input,
            self.output,
            crate::text::count(h.frames, "frame"),
            h.channels,
            if h.channels == 1 { "" } else { "s" },
            h.sample_rate_hz,
            self.format.name(),
            self.stream_bytes,
            bits_per_sample(self.stream_bytes, frames, usize::from(h.channels)),
            h.config.mode.name(),
            h.config.bits,
            h.config.block_size,
        )
    }
}

/// The JSON `tqa run` prints, in this key order; see `wavecube tqa run --help`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// The WAV file read, as given.
    pub input: String,
    /// The WAV file written, as given.
    pub output: String,
    /// The `.tqa` file written, if one was asked for.
    pub tqa: Option<String>,
    /// Sample rate, Hz.
    pub sample_rate_hz: u32,
    /// Frames per channel.
    pub frames: usize,
    /// Channels.
    pub channels: usize,
    /// Bits per sample of the input WAV file.
    pub input_bits_per_sample: u16,
    /// Size of the input's audio in its own format: frames × channels × bytes
    /// per sample.
    pub input_pcm_bytes: u64,
    /// Length of the stream, bytes.
    pub stream_bytes: usize,
    /// `input_pcm_bytes / stream_bytes`.
    pub ratio: f64,
    /// Stream bits per sample of every channel, side information included.
    pub bits_per_sample: f64,
    /// The part of `bits_per_sample` that is side information: header, CRCs,
    /// record heads, per-block scale and offset, escapes.
    pub side_bits_per_sample: f64,
    /// SQNR of the decoded audio against the input, dB; `None` (null) when
    /// infinite (identical, e.g. silence).
    pub sqnr_db: Option<f64>,
    /// Time spent in the encoder alone, seconds.
    pub encode_s: f64,
    /// Time spent in the decoder alone, seconds.
    pub decode_s: f64,
    /// Encoder speed, MB/s of 16-bit PCM: `frames · channels · 2 / 1e6 / encode_s`.
    pub encode_mb_s: f64,
    /// Decoder speed, MB/s of 16-bit PCM: `frames · channels · 2 / 1e6 / decode_s`.
    pub decode_mb_s: f64,
    /// Mode name (`plain`, `sign` or `qjl`).
    pub mode: &'static str,
    /// Bits per coefficient.
    pub bits: u8,
    /// Block size, samples.
    pub block: usize,
    /// Rotation seed.
    pub seed: u64,
}

/// `stream_bytes · 8 / (frames · channels)`; 0 for no samples.
fn bits_per_sample(stream_bytes: usize, frames: usize, channels: usize) -> f64 {
    let samples = frames as f64 * channels as f64;
    if samples == 0.0 {
        0.0
    } else {
        stream_bytes as f64 * 8.0 / samples
    }
}

/// Megabytes per second of 16-bit PCM for `samples` samples in `seconds`.
fn pcm16_mb_per_s(samples: usize, seconds: f64) -> f64 {
    // NOTE: a tiny input can take under a timer tick; 1 ns keeps the figure finite.
    samples as f64 * 2.0 / 1e6 / seconds.max(1e-9)
}

/// Reads a WAV file that must hold audio.
fn read_audio(path: &Path) -> Result<WavData, HarnessError> {
    let wav = read_wav(path)?;
    if wav.frames() == 0 {
        return Err(HarnessError::Wav {
            path: path.to_owned(),
            source: WavError::Empty,
        });
    }
    Ok(wav)
}

/// Encodes `wav`, blaming `path` (the WAV file) for audio the codec refuses.
fn encode_wav(wav: &WavData, config: &TqaConfig, path: &Path) -> Result<Vec<u8>, HarnessError> {
    tqa::encode(&wav.channel_slices(), wav.sample_rate_hz, config)
        .map_err(|e| tqa_error(path, TqaFileError::Codec(e)))
}

fn tqa_error(path: &Path, source: TqaFileError) -> HarnessError {
    HarnessError::Tqa {
        path: path.to_owned(),
        source,
    }
}

fn write_stream(path: &Path, bytes: &[u8]) -> Result<(), HarnessError> {
    std::fs::write(path, bytes).map_err(|e| tqa_error(path, TqaFileError::Write(e)))
}

fn decode_stream(path: &Path, bytes: &[u8]) -> Result<tqa::Decoded, HarnessError> {
    tqa::decode(bytes).map_err(|e: TqaError| tqa_error(path, TqaFileError::Codec(e)))
}

/// `tqa encode`: WAV in, `.tqa` out.
///
/// # Errors
/// A bad codec option, an unreadable or empty WAV file, audio the codec
/// refuses, or an unwritable output.
pub fn encode_command(args: &EncodeArgs) -> Result<EncodeReport, HarnessError> {
    let config = args.codec.config()?;
    let wav = read_audio(&args.input)?;
    let stream = encode_wav(&wav, &config, &args.input)?;
    write_stream(&args.output, &stream)?;
    Ok(EncodeReport {
        input: args.input.display().to_string(),
        output: args.output.display().to_string(),
        frames: wav.frames(),
        channels: wav.channels.len(),
        sample_rate_hz: wav.sample_rate_hz,
        input_bits_per_sample: wav.bits_per_sample,
        input_pcm_bytes: wav.pcm_bytes(),
        stream_bytes: stream.len(),
        config,
    })
}

/// `tqa decode`: `.tqa` in, WAV out.
///
/// # Errors
/// An unreadable, truncated or corrupt stream, or an unwritable output.
pub fn decode_command(args: &DecodeArgs) -> Result<DecodeReport, HarnessError> {
    let bytes =
        std::fs::read(&args.input).map_err(|e| tqa_error(&args.input, TqaFileError::Read(e)))?;
    let decoded = decode_stream(&args.input, &bytes)?;
    let channels: Vec<&[f32]> = decoded.channels.iter().map(Vec::as_slice).collect();
    write_channels(
        &args.output,
        decoded.header.sample_rate_hz,
        args.format,
        &channels,
    )?;
    Ok(DecodeReport {
        input: args.input.display().to_string(),
        output: args.output.display().to_string(),
        header: decoded.header,
        stream_bytes: bytes.len(),
        format: args.format,
    })
}

/// `tqa run`: encode, decode, write the decoded WAV (and the stream if asked),
/// and measure.
///
/// # Errors
/// As [`encode_command`], and an unwritable output.
pub fn run_command(args: &RunArgs) -> Result<RunReport, HarnessError> {
    let config = args.codec.config()?;
    let wav = read_audio(&args.input)?;
    let input = wav.channel_slices();

    warm_up(wav.sample_rate_hz, &config);
    let started = Instant::now();
    let stream = encode_wav(&wav, &config, &args.input)?;
    let encode_s = started.elapsed().as_secs_f64();
    if let Some(path) = &args.tqa {
        write_stream(path, &stream)?;
    }
    let started = Instant::now();
    // NOTE: decoding a stream just encoded failing is a codec bug; the input
    // file is the one to reproduce it with.
    let decoded = decode_stream(&args.input, &stream)?;
    let decode_s = started.elapsed().as_secs_f64();

    let output: Vec<&[f32]> = decoded.channels.iter().map(Vec::as_slice).collect();
    write_channels(&args.output, wav.sample_rate_hz, args.format, &output)?;
    let fidelity =
        compare(&input, &output, wav.sample_rate_hz).map_err(|source| HarnessError::Compare {
            reference: args.input.clone(),
            test: args.output.clone(),
            source,
        })?;

    let (frames, channels) = (wav.frames(), wav.channels.len());
    let samples = frames * channels;
    Ok(RunReport {
        input: args.input.display().to_string(),
        output: args.output.display().to_string(),
        tqa: args.tqa.as_ref().map(|p| p.display().to_string()),
        sample_rate_hz: wav.sample_rate_hz,
        frames,
        channels,
        input_bits_per_sample: wav.bits_per_sample,
        input_pcm_bytes: wav.pcm_bytes(),
        stream_bytes: stream.len(),
        ratio: wav.pcm_bytes() as f64 / stream.len() as f64,
        bits_per_sample: bits_per_sample(stream.len(), frames, channels),
        side_bits_per_sample: decoded.stats.side_bits as f64 / samples as f64,
        sqnr_db: Some(fidelity.sqnr_db).filter(|x| x.is_finite()),
        encode_s,
        decode_s,
        encode_mb_s: pcm16_mb_per_s(samples, encode_s),
        decode_mb_s: pcm16_mb_per_s(samples, decode_s),
        mode: config.mode.name(),
        bits: config.bits,
        block: config.block_size,
        seed: config.seed,
    })
}

/// Encodes and decodes one block of a ramp, so that what the codec builds
/// once per process (its codebooks) is not timed as part of the first file.
fn warm_up(sample_rate_hz: u32, config: &TqaConfig) {
    let ramp: Vec<f32> = (0..config.block_size)
        .map(|i| i as f32 / config.block_size as f32 - 0.5)
        .collect();
    // NOTE: only the side effect matters; a failure here shows up again, and
    // is reported, on the real input.
    if let Ok(stream) = tqa::encode(&[&ramp], sample_rate_hz, config) {
        let _ = tqa::decode(&stream);
    }
}

/// `tqa compare`: `--file2` measured against `--file1`.
///
/// # Errors
/// An unreadable WAV file, different sample rates or channel counts, no
/// common frames, or a sample that is not finite.
pub fn compare_command(args: &CompareArgs) -> Result<CompareReport, HarnessError> {
    let reference = read_wav(&args.file1)?;
    let test = read_wav(&args.file2)?;
    if reference.sample_rate_hz != test.sample_rate_hz {
        return Err(HarnessError::SampleRateMismatch {
            reference: args.file1.clone(),
            reference_hz: reference.sample_rate_hz,
            test: args.file2.clone(),
            test_hz: test.sample_rate_hz,
        });
    }
    compare(
        &reference.channel_slices(),
        &test.channel_slices(),
        reference.sample_rate_hz,
    )
    .map_err(|source| HarnessError::Compare {
        reference: args.file1.clone(),
        test: args.file2.clone(),
        source,
    })
}

/// What `tqa simulate` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulateReport {
    /// The WAV file written, as given.
    pub output: String,
    /// The signal.
    pub spec: SignalSpec,
    /// Sample format written.
    pub format: WavFormat,
}

impl fmt::Display for SimulateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.spec;
        write!(
            f,
            "wavecube tqa simulate: {} at {} Hz, amplitude {}, {} s at {} Hz ({} samples), \
             {} spike{}, seed {} -> {} (mono, {})",
            s.kind.name(),
            s.frequency_hz,
            s.amplitude,
            s.duration_s,
            s.sample_rate_hz,
            s.frames(),
            s.spikes,
            if s.spikes == 1 { "" } else { "s" },
            s.seed,
            self.output,
            self.format.name(),
        )
    }
}

/// `tqa simulate`: writes the synthetic signal.
///
/// # Errors
/// A bad option or an unwritable output.
pub fn simulate_command(args: &SimulateArgs) -> Result<SimulateReport, HarnessError> {
    let spec = args.spec()?;
    let samples = spec.generate();
    write_channels(&args.out, spec.sample_rate_hz, args.format, &[&samples])?;
    Ok(SimulateReport {
        output: args.out.display().to_string(),
        spec,
        format: args.format,
    })
}
