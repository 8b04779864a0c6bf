//! WAV files: output of any channel count as 32-bit float, 24-bit or 16-bit integer
//! (written with hound); input read with the project's own RIFF reader
//! ([`wavecube_dsp::bank::import::riff`]: 8/16/24/32-bit integer, 32/64-bit float, plain
//! or `WAVE_FORMAT_EXTENSIBLE`, odd-length and unknown chunks skipped) as f32.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use wavecube_dsp::bank::import::SampleKind;

use crate::error::{HarnessError, WavError};

/// Sample format of a written WAV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum WavFormat {
    /// 32-bit IEEE float, written as rendered (no clipping).
    #[default]
    F32,
    /// 24-bit signed integer, rounded and clipped to ±1 full scale (no dither).
    I24,
    /// 16-bit signed integer, rounded and clipped to ±1 full scale (no dither).
    I16,
}

impl WavFormat {
    /// The hound spec of a stereo file in this format at `sample_rate_hz` Hz.
    pub fn spec(self, sample_rate_hz: u32) -> hound::WavSpec {
        self.spec_with_channels(sample_rate_hz, 2)
    }

    /// The hound spec of a file of `channels` channels in this format at
    /// `sample_rate_hz` Hz.
    pub fn spec_with_channels(self, sample_rate_hz: u32, channels: u16) -> hound::WavSpec {
        let (bits_per_sample, sample_format) = match self {
            Self::F32 => (32, hound::SampleFormat::Float),
            Self::I24 => (24, hound::SampleFormat::Int),
            Self::I16 => (16, hound::SampleFormat::Int),
        };
        hound::WavSpec {
            channels,
            sample_rate: sample_rate_hz,
            bits_per_sample,
            sample_format,
        }
    }

    /// Short name as the CLI spells it (`f32`, `i24`, `i16`).
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::I24 => "i24",
            Self::I16 => "i16",
        }
    }
}

/// `x` (full scale = 1.0) as a `bits`-bit integer sample: scaled by
/// `2^(bits-1)`, rounded, clipped to the integer range. NaN becomes 0.
pub fn to_int_sample(x: f32, bits: u16) -> i32 {
    let scale = f64::from(1_u32 << (bits - 1));
    let max = scale - 1.0;
    (f64::from(x) * scale).round().clamp(-scale, max) as i32
}

/// Writes one sample `x` (full scale = 1.0) in `format`.
fn write_sample<W: std::io::Write + std::io::Seek>(
    writer: &mut hound::WavWriter<W>,
    format: WavFormat,
    x: f32,
) -> Result<(), WavError> {
    match format {
        WavFormat::F32 => writer.write_sample(x),
        WavFormat::I24 => writer.write_sample(to_int_sample(x, 24)),
        WavFormat::I16 => writer.write_sample(to_int_sample(x, 16) as i16),
    }
    .map_err(WavError::Write)
}

/// A stereo WAV file being written block by block.
pub struct WavOut {
    writer: hound::WavWriter<BufWriter<File>>,
    format: WavFormat,
}

impl WavOut {
    /// Creates (truncates) `path` and writes the WAV header, so an unwritable
    /// path fails here, before any rendering.
    ///
    /// # Errors
    /// [`WavError::Create`] if the file cannot be created, [`WavError::Write`]
    /// if the header cannot be written.
    pub fn create(path: &Path, sample_rate_hz: u32, format: WavFormat) -> Result<Self, WavError> {
        let file = File::create(path).map_err(WavError::Create)?;
        let writer = hound::WavWriter::new(BufWriter::new(file), format.spec(sample_rate_hz))
            .map_err(WavError::Write)?;
        Ok(Self { writer, format })
    }

    /// Appends one block of stereo frames (`left[i]`, `right[i]`), full scale = 1.0.
    ///
    /// # Errors
    /// [`WavError::Write`] on an I/O failure or when the file would pass 4 GiB.
    pub fn write_block(&mut self, left: &[f32], right: &[f32]) -> Result<(), WavError> {
        debug_assert_eq!(left.len(), right.len());
        for (&l, &r) in left.iter().zip(right) {
            for x in [l, r] {
                write_sample(&mut self.writer, self.format, x)?;
            }
        }
        Ok(())
    }

    /// Fixes up the header lengths and flushes the file.
    ///
    /// # Errors
    /// [`WavError::Write`] if the final write fails.
    pub fn finalize(self) -> Result<(), WavError> {
        self.writer.finalize().map_err(WavError::Write)
    }
}

/// Writes a whole stereo signal to `path`.
///
/// # Errors
/// [`HarnessError::Wav`] naming `path`.
pub fn write_stereo(
    path: &Path,
    sample_rate_hz: u32,
    format: WavFormat,
    left: &[f32],
    right: &[f32],
) -> Result<(), HarnessError> {
    let wrap = |source| HarnessError::Wav {
        path: path.to_owned(),
        source,
    };
    let mut out = WavOut::create(path, sample_rate_hz, format).map_err(wrap)?;
    out.write_block(left, right).map_err(wrap)?;
    out.finalize().map_err(wrap)
}

/// Writes a whole signal of any channel count (one slice per channel, all
/// the same length, full scale = 1.0) to `path`, interleaved.
///
/// # Errors
/// [`HarnessError::Wav`] naming `path`: [`WavError::Unsupported`] for no
/// channels, more than 65535 or channels of different lengths, otherwise a
/// create or write failure.
pub fn write_channels(
    path: &Path,
    sample_rate_hz: u32,
    format: WavFormat,
    channels: &[&[f32]],
) -> Result<(), HarnessError> {
    let wrap = |source| HarnessError::Wav {
        path: path.to_owned(),
        source,
    };
    let frames = channels.first().map_or(0, |c| c.len());
    let count = u16::try_from(channels.len())
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            wrap(WavError::Unsupported(format!(
                "{} channels (1 to 65535 can be written)",
                channels.len()
            )))
        })?;
    if channels.iter().any(|c| c.len() != frames) {
        return Err(wrap(WavError::Unsupported(
            "channels of different lengths".into(),
        )));
    }
    let file = File::create(path).map_err(|e| wrap(WavError::Create(e)))?;
    let mut writer = hound::WavWriter::new(
        BufWriter::new(file),
        format.spec_with_channels(sample_rate_hz, count),
    )
    .map_err(|e| wrap(WavError::Write(e)))?;
    for i in 0..frames {
        for channel in channels {
            write_sample(&mut writer, format, channel[i]).map_err(wrap)?;
        }
    }
    writer.finalize().map_err(|e| wrap(WavError::Write(e)))
}

/// A WAV file read into memory.
#[derive(Debug, Clone, PartialEq)]
pub struct WavData {
    /// Sample rate, Hz.
    pub sample_rate_hz: u32,
    /// One vector per channel, full scale = 1.0 (integers divided by `2^(bits-1)`).
    pub channels: Vec<Vec<f32>>,
    /// Bits per sample in the file (8, 16, 24 or 32 for integers; 32 or 64 for
    /// float).
    pub bits_per_sample: u16,
    /// Whether the file holds IEEE float samples (otherwise integer PCM).
    pub float: bool,
}

impl WavData {
    /// Frames per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Length, seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate_hz)
    }

    /// Size of the audio data as the file stores it, bytes: frames ×
    /// channels × whole bytes per sample (`ceil(bits_per_sample / 8)`; a
    /// 16-bit stereo frame is 4 bytes).
    pub fn pcm_bytes(&self) -> u64 {
        let bytes_per_sample = u64::from(self.bits_per_sample.div_ceil(8));
        self.frames() as u64 * self.channels.len() as u64 * bytes_per_sample
    }

    /// The channels as slices, for functions that take `&[&[f32]]`.
    pub fn channel_slices(&self) -> Vec<&[f32]> {
        self.channels.iter().map(Vec::as_slice).collect()
    }

    /// The channels averaged into one: `(L + R) / 2` for stereo.
    pub fn to_mono(&self) -> Vec<f32> {
        let n = self.channels.len().max(1) as f32;
        (0..self.frames())
            .map(|i| self.channels.iter().map(|c| c[i]).sum::<f32>() / n)
            .collect()
    }
}

/// Reads a WAV file of any channel count: 8/16/24/32-bit integer PCM or 32/64-bit float,
/// plain or `WAVE_FORMAT_EXTENSIBLE`, with any other chunks (odd-length ones and their pad
/// bytes included), through the project's one RIFF reader
/// ([`wavecube_dsp::bank::import::read_wav_bytes`]).
///
/// # Errors
/// [`HarnessError::Wav`] naming `path` if it is missing, malformed (the message names the
/// byte offset) or in an unsupported format.
pub fn read_wav(path: &Path) -> Result<WavData, HarnessError> {
    let wrap = |source| HarnessError::Wav {
        path: path.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(|e| wrap(WavError::Open(e)))?;
    let wav = wavecube_dsp::bank::import::read_wav_bytes(&bytes, usize::MAX)
        .map_err(|e| wrap(WavError::Read(e)))?;
    let (bits_per_sample, float) = match wav.kind {
        SampleKind::U8 => (8, false),
        SampleKind::Int(bits) => (bits, false),
        SampleKind::Float(bits) => (bits, true),
    };
    Ok(WavData {
        sample_rate_hz: wav.sample_rate_hz,
        channels: wav.channels,
        bits_per_sample,
        float,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_conversion_rounds_and_clips() {
        assert_eq!(to_int_sample(0.0, 16), 0);
        assert_eq!(to_int_sample(1.0, 16), 32_767);
        assert_eq!(to_int_sample(-1.0, 16), -32_768);
        assert_eq!(to_int_sample(2.5, 24), 8_388_607);
        assert_eq!(to_int_sample(0.5, 24), 4_194_304);
        assert_eq!(to_int_sample(f32::NAN, 16), 0);
    }

    #[test]
    fn formats_round_trip_within_their_resolution() {
        let dir = std::env::temp_dir().join(format!("wavecube-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let left: Vec<f32> = (0..1000)
            .map(|i| ((i as f32) * 0.013).sin() * 0.9)
            .collect();
        let right: Vec<f32> = left.iter().map(|x| -0.5 * x).collect();
        for (format, tolerance) in [
            (WavFormat::F32, 0.0),
            (WavFormat::I24, 0.6 / 8_388_608.0),
            (WavFormat::I16, 0.6 / 32_768.0),
        ] {
            let path = dir.join(format!("{}.wav", format.name()));
            write_stereo(&path, 44_100, format, &left, &right).unwrap();
            let back = read_wav(&path).unwrap();
            assert_eq!(back.sample_rate_hz, 44_100);
            assert_eq!(back.channels.len(), 2);
            assert_eq!(back.frames(), 1000);
            let err = left
                .iter()
                .chain(&right)
                .zip(back.channels[0].iter().chain(&back.channels[1]))
                .fold(0.0_f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                err <= tolerance,
                "{}: error {err:e} > {tolerance:e}",
                format.name()
            );
            let mono = back.to_mono();
            assert!((mono[100] - 0.25 * back.channels[0][100]).abs() < 1e-6 + tolerance);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Writes `samples` (one slice per channel) with hound directly, integer
    /// samples as `round(x · 2^(bits-1))`, clipped.
    fn write_with_hound(path: &Path, spec: hound::WavSpec, samples: &[&[f32]]) {
        let mut writer = hound::WavWriter::create(path, spec).unwrap();
        for i in 0..samples[0].len() {
            for channel in samples {
                let x = channel[i];
                match (spec.sample_format, spec.bits_per_sample) {
                    (hound::SampleFormat::Float, _) => writer.write_sample(x),
                    (_, 8) => writer.write_sample(to_int_sample(x, 8) as i8),
                    (_, 16) => writer.write_sample(to_int_sample(x, 16) as i16),
                    (_, bits) => writer.write_sample(to_int_sample(x, bits)),
                }
                .unwrap();
            }
        }
        writer.finalize().unwrap();
    }

    #[test]
    fn every_input_format_reads_back_with_its_bit_depth() {
        let dir = std::env::temp_dir().join(format!("wavecube-wav-in-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let left: Vec<f32> = (0..500).map(|i| ((i as f32) * 0.05).sin() * 0.7).collect();
        let right: Vec<f32> = left.iter().map(|x| x * -0.25).collect();
        for (bits, float, bytes_per_frame) in [
            (8, false, 2),
            (16, false, 4),
            (24, false, 6),
            (32, false, 8),
            (32, true, 8),
        ] {
            let spec = hound::WavSpec {
                channels: 2,
                sample_rate: 22_050,
                bits_per_sample: bits,
                sample_format: if float {
                    hound::SampleFormat::Float
                } else {
                    hound::SampleFormat::Int
                },
            };
            let path = dir.join(format!("in-{bits}-{float}.wav"));
            write_with_hound(&path, spec, &[&left, &right]);
            let back = read_wav(&path).unwrap();
            assert_eq!((back.bits_per_sample, back.float), (bits, float));
            assert_eq!((back.sample_rate_hz, back.frames()), (22_050, 500));
            assert_eq!(back.pcm_bytes(), 500 * bytes_per_frame, "{bits}-bit");
            // Rounding to the nearest step: half a step of error at most.
            let tolerance = if float {
                0.0
            } else {
                0.5 / f32::powi(2.0, i32::from(bits) - 1)
            };
            for (want, got) in [&left, &right].into_iter().zip(&back.channels) {
                let err = want
                    .iter()
                    .zip(got)
                    .fold(0.0_f32, |m, (a, b)| m.max((a - b).abs()));
                assert!(
                    err <= tolerance * 1.001,
                    "{bits}-bit float={float}: error {err:e}"
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn any_channel_count_is_written_interleaved() {
        let dir = std::env::temp_dir().join(format!("wavecube-wav-n-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = [0.5_f32, -0.25, 0.125];
        let b = [0.0_f32, 1.0, -1.0];
        let c = [0.75_f32, 0.0, 0.5];
        for channels in [vec![&a[..]], vec![&a[..], &b[..], &c[..]]] {
            let path = dir.join(format!("{}ch.wav", channels.len()));
            write_channels(&path, 8_000, WavFormat::F32, &channels).unwrap();
            let back = read_wav(&path).unwrap();
            assert_eq!(back.channel_slices(), channels);
            assert_eq!((back.bits_per_sample, back.float), (32, true));
        }
        let path = dir.join("ragged.wav");
        let err = write_channels(&path, 8_000, WavFormat::I16, &[&a, &a[..2]]).unwrap_err();
        assert!(err.to_string().contains("different lengths"), "{err}");
        let err = write_channels(&path, 8_000, WavFormat::I16, &[]).unwrap_err();
        assert!(err.to_string().contains("0 channels"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unwritable_and_missing_paths_are_named() {
        let path = Path::new("/nonexistent-wavecube-dir/out.wav");
        let err = write_stereo(path, 48_000, WavFormat::F32, &[0.0], &[0.0]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent-wavecube-dir/out.wav: cannot create"),
            "{err}"
        );
        let err = read_wav(path).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent-wavecube-dir/out.wav: cannot read WAV"),
            "{err}"
        );
    }
}
