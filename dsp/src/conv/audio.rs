//! Audio convolution: self-convolution and pair convolution of multichannel signals,
//! with loudness normalisation.
//!
//! Channels are slices of `f32` samples at one sample rate (the rate does not enter the
//! arithmetic). Non-finite input samples (NaN, ±∞) are treated as 0: one NaN would
//! otherwise spread over the whole FFT result.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use super::planner::{with_thread_planner_f32, with_thread_planner_f64};
use super::{ConvError, SizeMode};

/// The RMS that [`AudioNorm::Rms`] scales to (−20 dBFS).
pub const RMS_TARGET: f32 = 0.1;

/// The peak that [`AudioNorm::Peak`] scales to (−0.09 dBFS).
pub const PEAK_TARGET: f32 = 0.99;

/// How a convolution result is scaled (one gain for all channels, so the stereo
/// balance is kept). A silent result stays silent (no division by zero, no NaN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AudioNorm {
    /// RMS over all channels and samples scaled to [`RMS_TARGET`]. The peak is not
    /// limited: a very peaky result can exceed ±1.
    #[default]
    Rms,
    /// The largest |sample| over all channels scaled to [`PEAK_TARGET`].
    Peak,
    /// The raw convolution (self-convolutions grow fast with length and order).
    None,
}

impl AudioNorm {
    /// The CLI name: `rms`, `peak`, `none`.
    pub fn name(self) -> &'static str {
        match self {
            AudioNorm::Rms => "rms",
            AudioNorm::Peak => "peak",
            AudioNorm::None => "none",
        }
    }
}

impl fmt::Display for AudioNorm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AudioNorm {
    type Err = ConvError;

    fn from_str(s: &str) -> Result<Self, ConvError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rms" => Ok(AudioNorm::Rms),
            "peak" => Ok(AudioNorm::Peak),
            "none" => Ok(AudioNorm::None),
            _ => Err(ConvError::UnknownName {
                what: "normalisation",
                given: s.to_string(),
                expected: "rms, peak, none",
            }),
        }
    }
}

/// Options of [`auto_convolve`] and [`pair_convolve`], set by the caller (CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AudioOptions {
    /// Which part of the linear convolution to keep (default: `full`).
    pub mode: SizeMode,
    /// How the result is scaled (default: `rms`).
    pub normalize: AudioNorm,
}

/// The samples with non-finite values replaced by 0 (borrowed when all are finite).
fn sanitized(x: &[f32]) -> Cow<'_, [f32]> {
    if x.iter().all(|v| v.is_finite()) {
        Cow::Borrowed(x)
    } else {
        Cow::Owned(
            x.iter()
                .map(|&v| if v.is_finite() { v } else { 0.0 })
                .collect(),
        )
    }
}

/// Checks that there is at least one channel, that all have one length ≥ 1.
fn channel_len<C: AsRef<[f32]>>(channels: &[C], what: &'static str) -> Result<usize, ConvError> {
    let first = channels
        .first()
        .ok_or(ConvError::Empty(what))?
        .as_ref()
        .len();
    if first == 0 {
        return Err(ConvError::Empty(what));
    }
    if let Some(bad) = channels.iter().find(|c| c.as_ref().len() != first) {
        return Err(ConvError::SizeMismatch(format!(
            "{what} channels have different lengths ({first} and {})",
            bad.as_ref().len()
        )));
    }
    Ok(first)
}

/// The mean of the channels, non-finite samples counted as 0.
fn mono_mix<C: AsRef<[f32]>>(channels: &[C], len: usize) -> Vec<f32> {
    let mut mix = vec![0.0f32; len];
    for c in channels {
        for (m, &v) in mix.iter_mut().zip(c.as_ref()) {
            if v.is_finite() {
                *m += v;
            }
        }
    }
    let inv = 1.0 / channels.len() as f32;
    mix.iter_mut().for_each(|m| *m *= inv);
    mix
}

/// Convolves each channel with itself `order − 1` times (`order = 2`: `x ∗ x`; order
/// `n`: the `n`-fold self-convolution), as `Xⁿ` in one spectrum per channel, then
/// normalises. Computed in `f64` (high powers of long spectra need the range), returned
/// as `f32`. `order` is 1..=[`MAX_ORDER`](super::MAX_ORDER).
///
/// Errors: no channels, empty or unequal channels, an order out of range, or a result
/// above [`MAX_SAMPLES`](super::MAX_SAMPLES).
///
/// # Allocation
/// Allocates `f64` spectra and the result, and plans FFT lengths this thread has not
/// planned yet (plans are kept per thread, see
/// [`MAX_CACHED_LENGTHS`](super::MAX_CACHED_LENGTHS)). Off the audio thread (CLI).
pub fn auto_convolve<C: AsRef<[f32]>>(
    channels: &[C],
    order: u32,
    options: &AudioOptions,
) -> Result<Vec<Vec<f32>>, ConvError> {
    channel_len(channels, "audio")?;
    let out = with_thread_planner_f64(|planner| {
        channels
            .iter()
            .map(|c| {
                let x: Vec<f64> = c
                    .as_ref()
                    .iter()
                    .map(|&v| if v.is_finite() { f64::from(v) } else { 0.0 })
                    .collect();
                planner.auto_convolve(&x, order, options.mode)
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    // Normalise in f64 before narrowing: the raw result can exceed f32's range.
    let gain = normalisation_gain(&out, options.normalize);
    Ok(out
        .into_iter()
        .map(|c| c.into_iter().map(|v| (v * gain) as f32).collect())
        .collect())
}

/// Convolves `x` with the impulse response `h`, then normalises.
///
/// - **Equal channel counts:** channel `i` of `x` with channel `i` of `h` (stereo
///   with stereo gives true stereo, mono with mono gives mono).
/// - **Different counts** (e.g. stereo `x`, mono `h`): the mean of `x`'s channels
///   convolved with the mean of `h`'s channels, giving **one** (mono) channel.
///
/// Computed in `f32` (what the CLI reads from WAV files).
///
/// Errors: no channels, empty or unequal channels within `x` or within `h`, or a
/// result above [`MAX_SAMPLES`](super::MAX_SAMPLES).
///
/// # Allocation
/// Allocates spectra and the result, and plans FFT lengths this thread has not planned
/// yet (plans are kept per thread). Off the audio thread (CLI).
pub fn pair_convolve<C: AsRef<[f32]>, D: AsRef<[f32]>>(
    x: &[C],
    h: &[D],
    options: &AudioOptions,
) -> Result<Vec<Vec<f32>>, ConvError> {
    let nx = channel_len(x, "audio")?;
    let nh = channel_len(h, "impulse response")?;
    let mut out = with_thread_planner_f32(|planner| {
        if x.len() == h.len() {
            x.iter()
                .zip(h)
                .map(|(xc, hc)| {
                    let (xs, hs) = (sanitized(xc.as_ref()), sanitized(hc.as_ref()));
                    planner.convolve(&xs, &hs, options.mode)
                })
                .collect::<Result<Vec<_>, _>>()
        } else {
            let (xm, hm) = (mono_mix(x, nx), mono_mix(h, nh));
            Ok(vec![planner.convolve(&xm, &hm, options.mode)?])
        }
    })?;
    let gain = normalisation_gain(&out, options.normalize) as f32;
    if gain != 1.0 {
        out.iter_mut()
            .for_each(|c| c.iter_mut().for_each(|v| *v *= gain));
    }
    Ok(out)
}

/// The one gain that brings `channels` to `norm`'s target: 1 for [`AudioNorm::None`]
/// and for a silent (or non-finite) signal, which therefore stays as it is.
pub fn normalisation_gain<S: Copy + Into<f64>>(channels: &[Vec<S>], norm: AudioNorm) -> f64 {
    let samples = || channels.iter().flatten().map(|&v| v.into());
    let gain = match norm {
        AudioNorm::None => return 1.0,
        AudioNorm::Peak => {
            let peak = samples().fold(0.0f64, |m, v: f64| m.max(v.abs()));
            f64::from(PEAK_TARGET) / peak
        }
        AudioNorm::Rms => {
            let count = channels.iter().map(Vec::len).sum::<usize>().max(1);
            let rms = (samples().map(|v: f64| v * v).sum::<f64>() / count as f64).sqrt();
            f64::from(RMS_TARGET) / rms
        }
    };
    if gain.is_finite() && gain > 0.0 {
        gain
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisations_hit_their_targets() {
        let x = vec![vec![0.5f32, -1.0, 0.25, 0.0, 0.75]];
        let h = vec![vec![1.0f32, 0.5]];
        for (norm, check) in [(AudioNorm::Peak, PEAK_TARGET), (AudioNorm::Rms, RMS_TARGET)] {
            let opts = AudioOptions {
                mode: SizeMode::Full,
                normalize: norm,
            };
            let y = pair_convolve(&x, &h, &opts).unwrap();
            let got = match norm {
                AudioNorm::Peak => y[0].iter().fold(0.0f32, |m, v| m.max(v.abs())),
                _ => (y[0].iter().map(|v| v * v).sum::<f32>() / y[0].len() as f32).sqrt(),
            };
            assert!((got - check).abs() < 1e-6, "{norm}: {got}");
        }
    }

    #[test]
    fn silence_stays_silent_and_nan_counts_as_zero() {
        let x = vec![vec![0.0f32; 64], vec![f32::NAN; 64]];
        for norm in [AudioNorm::Rms, AudioNorm::Peak, AudioNorm::None] {
            let opts = AudioOptions {
                mode: SizeMode::SameFirst,
                normalize: norm,
            };
            let y = auto_convolve(&x, 3, &opts).unwrap();
            assert!(y.iter().flatten().all(|&v| v == 0.0), "{norm}");
        }
    }

    #[test]
    fn mismatched_counts_mix_to_mono() {
        let x = vec![vec![1.0f32, 0.0], vec![0.0f32, 1.0]];
        let h = vec![vec![2.0f32]];
        let opts = AudioOptions {
            mode: SizeMode::Full,
            normalize: AudioNorm::None,
        };
        let y = pair_convolve(&x, &h, &opts).unwrap();
        assert_eq!(y.len(), 1);
        assert!((y[0][0] - 1.0).abs() < 1e-6 && (y[0][1] - 1.0).abs() < 1e-6);
    }
}
