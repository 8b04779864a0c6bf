//! Impulse responses from WAV files: decoding (with the project's one RIFF reader,
//! [`crate::bank::import::riff`]) and band-limited FFT resampling to the rate a convolver
//! runs at. The plugin's body stage and anything else that loads a user IR use these.
//!
//! Everything here allocates: off the audio thread.

/// The longest impulse response kept, seconds (longer files are cut).
pub const MAX_IR_SECONDS: f64 = 10.0;

/// Why an impulse response file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IrLoadError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The bytes are not a WAV file the project's RIFF reader decodes.
    #[error("{path}: not a readable WAV file: {source}")]
    Wav {
        /// The file.
        path: String,
        /// Why, naming the byte offset.
        source: crate::bank::import::ImportError,
    },
    /// The WAV holds no samples, or only silence or non-finite values.
    #[error("{path}: the impulse response is empty or silent")]
    Empty {
        /// The file.
        path: String,
    },
}

/// An impulse response ready for a convolver: one or two channels at `sample_rate_hz`.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedIr {
    /// The channels (1 or 2), full scale 1.0.
    pub channels: Vec<Vec<f32>>,
    /// Their sample rate, Hz (never 0).
    pub sample_rate_hz: u32,
}

impl DecodedIr {
    /// The channels resampled to `to_hz` with [`resample`].
    ///
    /// # Allocation
    /// Allocates the new channels.
    pub fn resampled(&self, to_hz: u32) -> Vec<Vec<f32>> {
        self.channels
            .iter()
            .map(|c| resample(c, self.sample_rate_hz, to_hz))
            .collect()
    }
}

/// Decodes a WAV IR (8/16/24/32-bit integer or 32/64-bit float, plain or extensible,
/// any chunks; any channel count: the first two are kept). Cut to [`MAX_IR_SECONDS`];
/// non-finite samples become 0. `path` only names the file in errors.
///
/// # Errors
/// [`IrLoadError::Wav`] or [`IrLoadError::Empty`], naming `path`.
pub fn decode_ir_wav(bytes: &[u8], path: &str) -> Result<DecodedIr, IrLoadError> {
    let wav = crate::bank::import::riff::parse_wav(bytes).map_err(|source| IrLoadError::Wav {
        path: path.to_string(),
        source,
    })?;
    let max_frames = (MAX_IR_SECONDS * f64::from(wav.sample_rate_hz.max(1))) as usize;
    let mut channels = wav.channels_upto(2, max_frames);
    for v in channels.iter_mut().flatten() {
        if !v.is_finite() {
            *v = 0.0;
        }
    }
    let silent = channels
        .iter()
        .all(|c| c.is_empty() || c.iter().all(|&v| v == 0.0));
    if silent || wav.sample_rate_hz == 0 {
        return Err(IrLoadError::Empty {
            path: path.to_string(),
        });
    }
    Ok(DecodedIr {
        channels,
        sample_rate_hz: wav.sample_rate_hz,
    })
}

/// `x` resampled by the ratio `to_hz / from_hz` with an FFT (band-limited: the spectrum is
/// cut or zero-padded), after padding with zeros so nothing wraps around. The result has
/// `ceil(x.len() · to_hz / from_hz)` samples; `x` unchanged when a rate is 0 or they agree.
pub fn resample(x: &[f32], from_hz: u32, to_hz: u32) -> Vec<f32> {
    if from_hz == to_hz || x.is_empty() || from_hz == 0 || to_hz == 0 {
        return x.to_vec();
    }
    // The FFT lengths must stand exactly in the ratio of the rates, else the output's
    // sample spacing is off by the rounding (a pitch error): n is a multiple of the
    // reduced denominator.
    let g = gcd(from_hz, to_hz);
    let (p, q) = ((to_hz / g) as usize, (from_hz / g) as usize);
    let need = x.len() + x.len() / 8 + 64;
    let n = need.div_ceil(q) * q;
    let m = n / q * p;
    let ratio = f64::from(to_hz) / f64::from(from_hz);
    let mut planner = realfft::RealFftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(m);
    let mut time = vec![0.0; n];
    time[..x.len()].copy_from_slice(x);
    let mut spec = fwd.make_output_vec();
    // NOTE: the lengths come from the plans, so the transforms cannot fail.
    let _ = fwd.process(&mut time, &mut spec);
    let mut out_spec = inv.make_input_vec();
    let bins = spec.len().min(out_spec.len());
    out_spec[..bins].copy_from_slice(&spec[..bins]);
    // A Nyquist bin of a real signal's spectrum is real.
    if (n % 2 == 0 && bins - 1 == n / 2) || (m % 2 == 0 && bins - 1 == m / 2) {
        out_spec[bins - 1].im = 0.0;
    }
    out_spec[0].im = 0.0;
    let mut out = inv.make_output_vec();
    let _ = inv.process(&mut out_spec, &mut out);
    let scale = 1.0 / n as f32;
    let len = ((x.len() as f64) * ratio).ceil() as usize;
    out.truncate(len.min(m));
    for v in &mut out {
        *v *= scale;
    }
    out
}

/// Greatest common divisor (Euclid); 1 for (0, 0).
fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mono 16-bit PCM WAV of `samples` at `rate` Hz, written by hand to the RIFF spec.
    fn wav16(samples: &[i16], rate: u32) -> Vec<u8> {
        let data_len = (samples.len() * 2) as u32;
        let mut b = Vec::new();
        b.extend_from_slice(b"RIFF");
        b.extend_from_slice(&(36 + data_len).to_le_bytes());
        b.extend_from_slice(b"WAVEfmt ");
        b.extend_from_slice(&16u32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes()); // PCM
        b.extend_from_slice(&1u16.to_le_bytes()); // mono
        b.extend_from_slice(&rate.to_le_bytes());
        b.extend_from_slice(&(rate * 2).to_le_bytes());
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&16u16.to_le_bytes());
        b.extend_from_slice(b"data");
        b.extend_from_slice(&data_len.to_le_bytes());
        for s in samples {
            b.extend_from_slice(&s.to_le_bytes());
        }
        b
    }

    #[test]
    fn resampling_keeps_a_sine_in_tune_and_level() {
        // A 1 kHz tone under a Hann window (smooth at both ends, so it is band-limited in
        // practice), 0.1 s at 44.1 kHz, against the same function sampled at 48 kHz.
        let tone = |t: f32| {
            let w = 0.5 - 0.5 * (2.0 * std::f32::consts::PI * t / 0.1).cos();
            w * (2.0 * std::f32::consts::PI * 1000.0 * t).sin()
        };
        let x: Vec<f32> = (0..4410).map(|i| tone(i as f32 / 44_100.0)).collect();
        let y = resample(&x, 44_100, 48_000);
        assert_eq!(y.len(), 4800);
        let err = (0..4800)
            .map(|i| (y[i] - tone(i as f32 / 48_000.0)).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 1e-3, "{err}");
    }

    #[test]
    fn a_wav_decodes_to_full_scale_and_resamples() {
        let ir = decode_ir_wav(&wav16(&[16384, -16384, 0, 8192], 44_100), "a.wav").unwrap();
        assert_eq!(ir.sample_rate_hz, 44_100);
        assert_eq!(ir.channels, vec![vec![0.5, -0.5, 0.0, 0.25]]);
        let at_88k = ir.resampled(88_200);
        assert_eq!(at_88k.len(), 1);
        assert_eq!(at_88k[0].len(), 8);
    }

    #[test]
    fn bad_wavs_are_typed_errors() {
        assert!(matches!(
            decode_ir_wav(b"RIFF nope", "x.wav"),
            Err(IrLoadError::Wav { .. })
        ));
        assert!(matches!(
            decode_ir_wav(&wav16(&[0; 100], 48_000), "silent.wav"),
            Err(IrLoadError::Empty { .. })
        ));
        assert!(matches!(
            decode_ir_wav(&wav16(&[], 48_000), "empty.wav"),
            Err(IrLoadError::Empty { .. })
        ));
    }
}
