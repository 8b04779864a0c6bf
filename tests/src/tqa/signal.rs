//! Synthetic test signals for `wavecube tqa simulate`, as audiotq's `main.py` makes them.
//!
//! audiotq's generator, reproduced in meaning (not sample for sample: numpy's
//! random stream is not ours):
//!
//! - `sine`: `a · sin(2π f t)`;
//! - `square`: `a · sign(sin(2π f t))`, with `sign(0) = 0` as in numpy;
//! - `noise`: Gaussian noise with mean 0 and standard deviation `a`;
//! - `transient`: Gaussian noise with standard deviation `0.01 a`;
//!
//! then `spikes` distinct random samples are set to +0.98 or −0.98. Here
//! `t = n / sample_rate` for `n = 0, 1, ..., round(duration · sample_rate) − 1`.
//! The randomness comes from [`SplitMix64`] seeded with the `--seed`, so the
//! same options always give the same samples.

use std::collections::BTreeSet;
use wavecube_dsp::codec::tqa::rotation::SplitMix64;

use crate::error::OptionError;
use crate::options::{check_sample_rate, MAX_SECONDS};

/// The value a spike is set to (its sign is random), linear, full scale = 1.0.
pub const SPIKE_LEVEL: f32 = 0.98;

/// The shape of a synthetic signal; see the module docs for each formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalKind {
    /// A sine of the given frequency and amplitude.
    Sine,
    /// A square wave, `a · sign(sin(2π f t))`.
    Square,
    /// Gaussian noise of standard deviation `a`.
    Noise,
    /// Quiet Gaussian noise (standard deviation `0.01 a`) under the spikes.
    Transient,
}

impl SignalKind {
    /// Every kind, in the order the CLI lists them.
    pub const ALL: [SignalKind; 4] = [Self::Sine, Self::Square, Self::Noise, Self::Transient];

    /// The kind's name on the command line (`sine`, `square`, `noise`, `transient`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sine => "sine",
            Self::Square => "square",
            Self::Noise => "noise",
            Self::Transient => "transient",
        }
    }

    /// The kind named `name`.
    ///
    /// # Errors
    /// [`OptionError::SignalType`] for any other name.
    pub fn parse(name: &str) -> Result<Self, OptionError> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| OptionError::SignalType(name.to_owned()))
    }
}

/// Everything that defines a synthetic signal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignalSpec {
    /// The shape.
    pub kind: SignalKind,
    /// Frequency of `sine` and `square`, Hz, 0 to half the sample rate.
    pub frequency_hz: f64,
    /// Length, seconds, at most 3600 and at least one sample.
    pub duration_s: f64,
    /// Number of distinct samples set to ±[`SPIKE_LEVEL`], at most the length.
    pub spikes: usize,
    /// Amplitude `a`, linear (full scale = 1.0), 0 to 1: the peak of `sine`
    /// and `square`, the standard deviation of `noise`.
    pub amplitude: f64,
    /// Sample rate, Hz, 8000 to 384000.
    pub sample_rate_hz: u32,
    /// Seed of the random stream (noise, spike positions and signs).
    pub seed: u64,
}

impl SignalSpec {
    /// Length in samples, `round(duration_s · sample_rate_hz)`.
    pub fn frames(&self) -> usize {
        (self.duration_s * f64::from(self.sample_rate_hz)).round() as usize
    }

    /// Checks every field against its range (see the field docs).
    ///
    /// # Errors
    /// The [`OptionError`] naming the first bad option.
    pub fn validate(&self) -> Result<(), OptionError> {
        check_sample_rate(self.sample_rate_hz)?;
        let duration_ok = self.duration_s.is_finite()
            && self.duration_s <= MAX_SECONDS
            && self.duration_s > 0.0
            && self.frames() >= 1;
        if !duration_ok {
            return Err(OptionError::Duration(self.duration_s));
        }
        let nyquist_hz = f64::from(self.sample_rate_hz) / 2.0;
        if !(self.frequency_hz.is_finite() && (0.0..=nyquist_hz).contains(&self.frequency_hz)) {
            return Err(OptionError::Frequency {
                frequency_hz: self.frequency_hz,
                nyquist_hz,
            });
        }
        if !(self.amplitude.is_finite() && (0.0..=1.0).contains(&self.amplitude)) {
            return Err(OptionError::Amplitude(self.amplitude));
        }
        if self.spikes > self.frames() {
            return Err(OptionError::Spikes {
                spikes: self.spikes,
                frames: self.frames(),
            });
        }
        Ok(())
    }

    /// The signal's samples (full scale = 1.0), [`Self::frames`] of them.
    ///
    /// Call [`Self::validate`] first: out-of-range fields give a meaningless
    /// (but finite-length) signal, and more spikes than samples panics.
    ///
    /// # Allocation
    /// Allocates the output and the set of spike positions.
    pub fn generate(&self) -> Vec<f32> {
        let frames = self.frames();
        debug_assert!(self.spikes <= frames, "more spikes than samples");
        let mut rng = SplitMix64::new(self.seed);
        let a = self.amplitude;
        let omega = std::f64::consts::TAU * self.frequency_hz / f64::from(self.sample_rate_hz);
        let mut out: Vec<f32> = match self.kind {
            SignalKind::Sine => (0..frames)
                .map(|n| (a * (omega * n as f64).sin()) as f32)
                .collect(),
            SignalKind::Square => (0..frames)
                .map(|n| {
                    let s = (omega * n as f64).sin();
                    // numpy's sign: 0 stays 0.
                    let sign = if s > 0.0 {
                        1.0
                    } else if s < 0.0 {
                        -1.0
                    } else {
                        0.0
                    };
                    (a * sign) as f32
                })
                .collect(),
            SignalKind::Noise => gaussian_noise(&mut rng, frames, a),
            SignalKind::Transient => gaussian_noise(&mut rng, frames, 0.01 * a),
        };
        for position in distinct_positions(&mut rng, frames, self.spikes) {
            out[position] = if rng.next_u64() & 1 == 0 {
                SPIKE_LEVEL
            } else {
                -SPIKE_LEVEL
            };
        }
        out
    }
}

/// `frames` samples of Gaussian noise, mean 0, standard deviation `sigma`,
/// from Box–Muller pairs.
fn gaussian_noise(rng: &mut SplitMix64, frames: usize, sigma: f64) -> Vec<f32> {
    let mut out = Vec::with_capacity(frames + 1);
    while out.len() < frames {
        let (z0, z1) = rng.gaussian_pair();
        out.push((sigma * z0) as f32);
        out.push((sigma * z1) as f32);
    }
    out.truncate(frames);
    out
}

/// `count` distinct positions in `0..frames`, in ascending order: Floyd's
/// algorithm (Bentley, "Programming Pearls: A sample of brilliance", CACM
/// 1987), `count` draws whatever the density.
fn distinct_positions(rng: &mut SplitMix64, frames: usize, count: usize) -> BTreeSet<usize> {
    let mut chosen = BTreeSet::new();
    for j in frames - count..frames {
        let t = rng.below(j as u64 + 1) as usize;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen
}

/// The harness's random numbers: the codec's SplitMix64, plus the draws a
/// signal generator needs.
pub trait SignalRng {
    /// A uniform integer in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64;
    /// Two independent standard normal numbers.
    fn gaussian_pair(&mut self) -> (f64, f64);
}

impl SignalRng for SplitMix64 {
    /// A uniform integer in `0..n` (`n > 0`) by Lemire's multiply-shift
    /// ("Fast random integer generation in an interval", 2019), without the
    /// rejection step: the bias is below `n / 2⁶⁴`.
    fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Two independent standard normal numbers (mean 0, standard deviation 1)
    /// by the Box–Muller transform (Box and Muller 1958).
    fn gaussian_pair(&mut self) -> (f64, f64) {
        let radius = (-2.0 * self.next_open01().ln()).sqrt();
        let angle = std::f64::consts::TAU * self.next_open01();
        (radius * angle.cos(), radius * angle.sin())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: SignalKind) -> SignalSpec {
        SignalSpec {
            kind,
            frequency_hz: 440.0,
            duration_s: 2.0,
            spikes: 3,
            amplitude: 0.1,
            sample_rate_hz: 8_000,
            seed: 42,
        }
    }

    fn spike_count(x: &[f32]) -> usize {
        x.iter().filter(|v| v.abs() == SPIKE_LEVEL).count()
    }

    #[test]
    fn splitmix64_matches_the_reference_stream() {
        // First outputs of Vigna's splitmix64.c seeded with 1234567.
        let mut rng = SplitMix64::new(1_234_567);
        let want = [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for w in want {
            assert_eq!(rng.next_u64(), w);
        }
    }

    #[test]
    fn gaussian_noise_has_the_asked_moments() {
        let x = SignalSpec {
            spikes: 0,
            amplitude: 0.5,
            ..spec(SignalKind::Noise)
        };
        let x = x.generate();
        let n = x.len() as f64;
        let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let sd = (x
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        // 16000 samples: the standard errors are 0.5/126 = 0.004 (mean) and
        // 0.5/179 = 0.003 (sd); allow about 4 of them.
        assert!(mean.abs() < 0.016, "mean {mean}");
        assert!((sd - 0.5).abs() < 0.012, "sd {sd}");
    }

    #[test]
    fn shapes_follow_their_formulas() {
        let sine = spec(SignalKind::Sine);
        let x = SignalSpec { spikes: 0, ..sine }.generate();
        assert_eq!(x.len(), 16_000);
        let n = 1_234;
        let want = 0.1 * (std::f64::consts::TAU * 440.0 * n as f64 / 8_000.0).sin();
        assert!((f64::from(x[n]) - want).abs() < 1e-7);
        let square = SignalSpec {
            spikes: 0,
            ..spec(SignalKind::Square)
        }
        .generate();
        assert_eq!(square[0], 0.0, "sign(sin 0) = 0");
        assert!(square[1..].iter().all(|v| v.abs() == 0.1_f32));
        assert_eq!(square[5], 0.1);
        assert_eq!(square[10], -0.1, "440 Hz is negative 1.25 ms in");
        let transient = spec(SignalKind::Transient).generate();
        assert_eq!(spike_count(&transient), 3);
        let quiet = transient
            .iter()
            .filter(|v| v.abs() != SPIKE_LEVEL)
            .fold(0.0_f32, |m, v| m.max(v.abs()));
        // Standard deviation 0.001: 16000 draws stay under 6 sigma.
        assert!(quiet < 0.006, "transient floor peaks at {quiet}");
    }

    #[test]
    fn same_seed_same_signal_other_seed_other_signal() {
        for kind in SignalKind::ALL {
            let a = spec(kind).generate();
            assert_eq!(a, spec(kind).generate(), "{}", kind.name());
            assert_eq!(spike_count(&a), 3, "{}", kind.name());
            let b = SignalSpec {
                seed: 43,
                ..spec(kind)
            }
            .generate();
            assert_ne!(a, b, "{}", kind.name());
        }
    }

    #[test]
    fn every_sample_can_be_a_spike() {
        let x = SignalSpec {
            duration_s: 0.001,
            spikes: 8,
            ..spec(SignalKind::Sine)
        };
        assert_eq!(x.validate(), Ok(()));
        assert_eq!(spike_count(&x.generate()), 8);
        let too_many = SignalSpec { spikes: 9, ..x };
        assert_eq!(
            too_many.validate(),
            Err(OptionError::Spikes {
                spikes: 9,
                frames: 8
            })
        );
    }

    #[test]
    fn out_of_range_options_are_named() {
        let base = spec(SignalKind::Sine);
        for (bad, flag) in [
            (
                SignalSpec {
                    duration_s: 0.0,
                    ..base
                },
                "--duration",
            ),
            (
                SignalSpec {
                    duration_s: 1e-6,
                    ..base
                },
                "--duration",
            ),
            (
                SignalSpec {
                    duration_s: f64::NAN,
                    ..base
                },
                "--duration",
            ),
            (
                SignalSpec {
                    frequency_hz: 4_001.0,
                    ..base
                },
                "--frequency",
            ),
            (
                SignalSpec {
                    frequency_hz: -1.0,
                    ..base
                },
                "--frequency",
            ),
            (
                SignalSpec {
                    amplitude: 1.5,
                    ..base
                },
                "--amplitude",
            ),
            (
                SignalSpec {
                    sample_rate_hz: 100,
                    ..base
                },
                "--sr",
            ),
        ] {
            let err = bad.validate().unwrap_err().to_string();
            assert!(err.starts_with(flag), "{err}");
        }
        assert_eq!(SignalKind::parse("noise"), Ok(SignalKind::Noise));
        let err = SignalKind::parse("saw").unwrap_err().to_string();
        assert!(
            err.contains("\"saw\"") && err.contains("transient"),
            "{err}"
        );
    }
}
