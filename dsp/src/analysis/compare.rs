//! Fidelity of a processed signal against its reference: MSE, SQNR, correlation, envelopes.
//!
//! The measures of audiotq's `compare` command (mean squared error, SQNR,
//! Pearson correlation, peak and envelope preservation), defined here exactly
//! and summed in f64, for judging a lossy codec's output against its input.

use serde::{Serialize, Serializer};

use super::AnalysisError;

/// Length of one window of the RMS envelope behind
/// [`CompareReport::envelope_correlation`], seconds (10 ms).
pub const ENVELOPE_WINDOW_S: f64 = 0.01;

/// How closely a test signal follows its reference; see [`compare`].
///
/// Serialises to JSON with these keys, in this order. A measure that is not a
/// finite number (an infinite SQNR, an undefined correlation) is written as
/// `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CompareReport {
    /// Mean squared error per sample, `Σ (ref − test)² / (frames · channels)`
    /// (linear, full scale = 1.0, so squared full-scale units).
    pub mse: f64,
    /// Signal-to-quantisation-noise ratio, dB:
    /// `10 log10(Σ ref² / Σ (ref − test)²)`. `+∞` when the two are identical
    /// (no noise at all), `−∞` when the reference is silent but the test is
    /// not. Serialised as `null` when infinite.
    #[serde(serialize_with = "finite_or_null")]
    pub sqnr_db: f64,
    /// Pearson correlation coefficient of all compared samples, −1 to 1
    /// (1 for an exact positively scaled copy). `None` (JSON `null`) when
    /// either signal is constant, where it is undefined.
    pub correlation: Option<f64>,
    /// `|peak(ref) − peak(test)|`, where peak is the largest absolute sample
    /// over all channels of the compared frames (linear, full scale = 1.0).
    pub peak_delta: f64,
    /// Pearson correlation, −1 to 1, of the two RMS envelopes: each channel
    /// cut into consecutive [`ENVELOPE_WINDOW_S`] (10 ms, `round(0.01 · sample
    /// rate)` samples, at least 1) windows, the last one possibly shorter,
    /// one RMS value per window, the channels' envelopes concatenated.
    /// `None` (JSON `null`) with fewer than two windows or a constant envelope.
    pub envelope_correlation: Option<f64>,
    /// Frames compared: the shortest channel of either signal.
    pub frames: usize,
    /// Channels compared (both signals have this many).
    pub channels: usize,
}

/// Compares `test` against `reference`, both one slice per channel (full
/// scale = 1.0) at `sample_rate_hz` Hz; see [`CompareReport`] for each
/// measure.
///
/// Channel `c` of `test` is compared with channel `c` of `reference` over the
/// first `frames` samples, `frames` being the shortest channel of either;
/// every measure but the envelope pools all channels' samples ("flattened").
/// All sums are in f64.
///
/// # Errors
/// - [`AnalysisError::ChannelMismatch`] if the channel counts differ;
/// - [`AnalysisError::Empty`] if there are no channels or no frames;
/// - [`AnalysisError::InvalidSampleRate`] for a zero sample rate;
/// - [`AnalysisError::NonFinite`] for a NaN or infinite sample among the
///   compared ones (its index counts through the channels one after another).
///
/// # Allocation
/// Allocates the two envelopes (one value per 10 ms window and channel).
pub fn compare(
    reference: &[&[f32]],
    test: &[&[f32]],
    sample_rate_hz: u32,
) -> Result<CompareReport, AnalysisError> {
    if reference.len() != test.len() {
        return Err(AnalysisError::ChannelMismatch {
            reference: reference.len(),
            test: test.len(),
        });
    }
    if sample_rate_hz == 0 {
        return Err(AnalysisError::InvalidSampleRate(0.0));
    }
    let channels = reference.len();
    let frames = reference
        .iter()
        .chain(test)
        .map(|c| c.len())
        .min()
        .unwrap_or(0);
    if frames == 0 {
        return Err(AnalysisError::Empty);
    }
    for signal in [reference, test] {
        let flat = signal.iter().flat_map(|c| &c[..frames]);
        if let Some((index, &value)) = flat.enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(AnalysisError::NonFinite {
                index,
                value: f64::from(value),
            });
        }
    }

    let (mut signal_energy, mut noise_energy) = (0.0_f64, 0.0_f64);
    let (mut peak_ref, mut peak_test) = (0.0_f64, 0.0_f64);
    let mut samples = Pearson::default();
    for (r, t) in reference.iter().zip(test) {
        for (&r, &t) in r[..frames].iter().zip(&t[..frames]) {
            let (r, t) = (f64::from(r), f64::from(t));
            signal_energy += r * r;
            noise_energy += (r - t) * (r - t);
            peak_ref = peak_ref.max(r.abs());
            peak_test = peak_test.max(t.abs());
            samples.push(r, t);
        }
    }
    let sqnr_db = if noise_energy == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (signal_energy / noise_energy).log10()
    };

    let window = ((ENVELOPE_WINDOW_S * f64::from(sample_rate_hz)).round() as usize).max(1);
    let envelope_ref = rms_envelope(reference, frames, window);
    let envelope_test = rms_envelope(test, frames, window);
    let mut envelopes = Pearson::default();
    for (&r, &t) in envelope_ref.iter().zip(&envelope_test) {
        envelopes.push(r, t);
    }

    Ok(CompareReport {
        mse: noise_energy / (frames * channels) as f64,
        sqnr_db,
        correlation: samples.coefficient(),
        peak_delta: (peak_ref - peak_test).abs(),
        envelope_correlation: envelopes.coefficient(),
        frames,
        channels,
    })
}

/// RMS of consecutive `window`-sample windows of the first `frames` samples of
/// each channel, channel after channel; the last window of a channel may be shorter.
fn rms_envelope(signal: &[&[f32]], frames: usize, window: usize) -> Vec<f64> {
    signal
        .iter()
        .flat_map(|c| c[..frames].chunks(window))
        .map(|w| {
            let sum_sq: f64 = w.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
            (sum_sq / w.len() as f64).sqrt()
        })
        .collect()
}

/// Running Pearson correlation of pairs `(x, y)`: Welford's update of the
/// means and co-moments, stable where the textbook one-pass sums cancel
/// (Welford 1962, "Note on a method for calculating corrected sums of squares
/// and products"; the co-moment form as in Pébay 2008, SAND2008-6212).
#[derive(Debug, Default)]
struct Pearson {
    n: f64,
    mean_x: f64,
    mean_y: f64,
    /// `Σ (x − mean_x)²`.
    m2_x: f64,
    /// `Σ (y − mean_y)²`.
    m2_y: f64,
    /// `Σ (x − mean_x)(y − mean_y)`.
    c_xy: f64,
}

impl Pearson {
    fn push(&mut self, x: f64, y: f64) {
        self.n += 1.0;
        let dx = x - self.mean_x;
        self.mean_x += dx / self.n;
        let dy = y - self.mean_y;
        self.mean_y += dy / self.n;
        // `dx` is against the old mean of x, `y - mean_y` against the new one of y.
        self.m2_x += dx * (x - self.mean_x);
        self.m2_y += dy * (y - self.mean_y);
        self.c_xy += dx * (y - self.mean_y);
    }

    /// The coefficient, clamped to −1..=1 against rounding; `None` with fewer
    /// than two pairs or when either variable is constant.
    fn coefficient(&self) -> Option<f64> {
        if self.n < 2.0 || self.m2_x <= 0.0 || self.m2_y <= 0.0 {
            return None;
        }
        Some((self.c_xy / (self.m2_x * self.m2_y).sqrt()).clamp(-1.0, 1.0))
    }
}

/// Writes a finite `f64` as a number and anything else as `null` (JSON has no
/// infinity or NaN).
fn finite_or_null<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_finite() {
        serializer.serialize_f64(*value)
    } else {
        serializer.serialize_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u32 = 8_000;

    /// `n` samples of a sine of `amplitude` at `SR / 16` Hz: 16 samples per
    /// period, so a multiple of 16 samples holds whole periods and its energy
    /// is exactly `n · amplitude² / 2` up to rounding.
    fn sine(n: usize, amplitude: f64) -> Vec<f32> {
        (0..n)
            .map(|i| (amplitude * (std::f64::consts::TAU * i as f64 / 16.0).sin()) as f32)
            .collect()
    }

    /// [`sine`] faded in linearly from 0, so its 10 ms envelope is not constant.
    fn swell(n: usize, amplitude: f64) -> Vec<f32> {
        let ramp = |i: usize| i as f32 / n as f32;
        sine(n, amplitude)
            .iter()
            .enumerate()
            .map(|(i, x)| x * ramp(i))
            .collect()
    }

    #[test]
    fn known_noise_power_gives_the_expected_sqnr() {
        let (amplitude, sigma) = (0.5, 0.01);
        let reference = sine(16_000, amplitude);
        // A ±sigma square "noise" has power sigma² exactly.
        let test: Vec<f32> = reference
            .iter()
            .enumerate()
            .map(|(i, &x)| x + if i % 2 == 0 { sigma } else { -sigma } as f32)
            .collect();
        let report = compare(&[&reference], &[&test], SR).unwrap();
        let expected_db = 10.0 * (amplitude * amplitude / 2.0 / (sigma * sigma)).log10();
        assert!(
            (report.sqnr_db - expected_db).abs() < 0.01,
            "sqnr {} dB, expected {expected_db} dB",
            report.sqnr_db
        );
        assert!(
            (report.mse - sigma * sigma).abs() < 1e-8,
            "mse {}",
            report.mse
        );
        assert_eq!((report.frames, report.channels), (16_000, 1));
        let r = report.correlation.unwrap();
        // Pearson of a sine plus independent noise: sqrt(S / (S + N)).
        let expected_r = (0.125_f64 / (0.125 + 1e-4)).sqrt();
        assert!((r - expected_r).abs() < 1e-4, "correlation {r}");
    }

    #[test]
    fn scaled_and_negated_copies_correlate_plus_and_minus_one() {
        let reference = swell(1_600, 0.8);
        let half: Vec<f32> = reference.iter().map(|x| 0.5 * x).collect();
        let negated: Vec<f32> = reference.iter().map(|x| -x).collect();
        let report = compare(&[&reference], &[&half], SR).unwrap();
        assert!((report.correlation.unwrap() - 1.0).abs() < 1e-12);
        assert!((report.envelope_correlation.unwrap() - 1.0).abs() < 1e-12);
        let peak = crate::analysis::peak(&reference);
        assert!(peak > 0.75, "{peak}");
        assert!((report.peak_delta - 0.5 * peak).abs() < 1e-7);
        // Noise is half the signal: 10 log10(1 / 0.25) = 6.0206 dB.
        assert!((report.sqnr_db - 6.020_599_913).abs() < 1e-6);
        let report = compare(&[&reference], &[&negated], SR).unwrap();
        assert!((report.correlation.unwrap() + 1.0).abs() < 1e-12);
        assert!((report.envelope_correlation.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(report.peak_delta, 0.0);
    }

    #[test]
    fn identical_signals_have_infinite_sqnr_written_as_null() {
        let x = swell(800, 0.3);
        let report = compare(&[&x, &x], &[&x, &x], SR).unwrap();
        assert_eq!(report.mse, 0.0);
        assert_eq!(report.sqnr_db, f64::INFINITY);
        assert_eq!(report.channels, 2);
        let json = serde_json::to_value(report).unwrap();
        assert!(json["sqnr_db"].is_null(), "{json}");
        assert_eq!(json["mse"].as_f64(), Some(0.0));
        for key in [
            "correlation",
            "peak_delta",
            "envelope_correlation",
            "frames",
            "channels",
        ] {
            assert!(json[key].is_number(), "{key} in {json}");
        }
    }

    #[test]
    fn swapped_bursts_have_envelope_correlation_minus_one() {
        // 10 ms at 8 kHz is 80 samples: 10 windows of a 0.5 level, then 10 of
        // silence, against the reverse. Both measures are exactly -1.
        let first: Vec<f32> = (0..1_600)
            .map(|i| if i < 800 { 0.5 } else { 0.0 })
            .collect();
        let second: Vec<f32> = first.iter().rev().copied().collect();
        let report = compare(&[&first], &[&second], SR).unwrap();
        assert!((report.envelope_correlation.unwrap() + 1.0).abs() < 1e-12);
        assert!((report.correlation.unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(report.sqnr_db, 10.0 * (400.0_f64 / 800.0).log10());
    }

    #[test]
    fn channels_are_compared_pairwise_over_the_shorter_length() {
        let left = sine(1_000, 0.5);
        let right = vec![0.0_f32; 1_000];
        let short_left = &left[..900];
        // Swapped channels: the noise is the left channel twice over, so the
        // SQNR is 10 log10(1 / 2) = -3.0103 dB.
        let report = compare(&[&left, &right], &[&right, short_left], SR).unwrap();
        assert_eq!(report.frames, 900);
        assert!(
            (report.sqnr_db + 3.010_299_957).abs() < 1e-6,
            "{}",
            report.sqnr_db
        );
        let report = compare(&[&left, &right], &[short_left, &right], SR).unwrap();
        assert_eq!(report.frames, 900);
        assert_eq!(report.sqnr_db, f64::INFINITY);
    }

    #[test]
    fn silent_reference_and_constant_signals_are_handled() {
        let silence = vec![0.0_f32; 400];
        let tone = sine(400, 0.1);
        let report = compare(&[&silence], &[&tone], SR).unwrap();
        assert_eq!(report.sqnr_db, f64::NEG_INFINITY);
        assert_eq!(report.correlation, None);
        assert_eq!(report.envelope_correlation, None);
        let json = serde_json::to_value(report).unwrap();
        assert!(json["sqnr_db"].is_null() && json["correlation"].is_null());
        // 400 samples at 8 kHz is five 10 ms windows; 40 samples is one.
        let report = compare(&[&tone[..40]], &[&tone[..40]], SR).unwrap();
        assert_eq!(report.envelope_correlation, None);
    }

    #[test]
    fn bad_input_is_refused() {
        let x = sine(100, 0.5);
        assert_eq!(
            compare(&[&x, &x], &[&x], SR),
            Err(AnalysisError::ChannelMismatch {
                reference: 2,
                test: 1
            })
        );
        assert_eq!(compare(&[], &[], SR), Err(AnalysisError::Empty));
        assert_eq!(compare(&[&x[..0]], &[&x], SR), Err(AnalysisError::Empty));
        assert_eq!(
            compare(&[&x], &[&x], 0),
            Err(AnalysisError::InvalidSampleRate(0.0))
        );
        let mut bad = x.clone();
        bad[42] = f32::NAN;
        assert!(matches!(
            compare(&[&x, &x], &[&x, &bad], SR),
            Err(AnalysisError::NonFinite { index: 142, .. })
        ));
    }
}
