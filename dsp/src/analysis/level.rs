//! Sample-domain level measurements: peak, RMS, decibels and the largest step.

/// Largest absolute sample value of `samples` (f32 or f64; linear, 1.0 = full scale).
///
/// Returns 0.0 for an empty slice. NaN samples are ignored.
pub fn peak<S: Copy + Into<f64>>(samples: &[S]) -> f64 {
    samples
        .iter()
        .fold(0.0_f64, |acc, &s| acc.max(s.into().abs()))
}

/// Root-mean-square of `samples` (f32 or f64; linear, 1.0 = full scale), summed in f64.
///
/// Returns 0.0 for an empty slice.
pub fn rms<S: Copy + Into<f64>>(samples: &[S]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum_sq: f64 = samples
        .iter()
        .map(|&s| {
            let v: f64 = s.into();
            v * v
        })
        .sum();
    (sum_sq / samples.len() as f64).sqrt()
}

/// A linear amplitude (1.0 = full scale) in dB relative to full scale:
/// `20 log10(amplitude)`. Zero gives negative infinity.
pub fn amplitude_to_dbfs(amplitude: f64) -> f64 {
    20.0 * amplitude.log10()
}

/// Largest absolute difference between consecutive samples, `max |x[n] - x[n-1]|`
/// (linear, full scale = 1.0, so the largest possible value is 2.0).
///
/// A click or discontinuity shows up as a step far above what the signal's
/// bandwidth allows (a full-scale sine at `f` Hz steps at most
/// `2 pi f / sample_rate` per sample). Returns 0.0 for fewer than two samples.
pub fn max_abs_step(samples: &[f32]) -> f32 {
    samples
        .windows(2)
        .fold(0.0_f32, |acc, pair| acc.max((pair[1] - pair[0]).abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_levels_match_closed_form() {
        let n = 48_000;
        let x: Vec<f32> = (0..n)
            .map(|i| {
                (0.5 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 48_000.0).sin()) as f32
            })
            .collect();
        let r = rms(&x);
        assert!((r - 0.5 / 2f64.sqrt()).abs() < 1e-6, "rms {r}");
        assert!((peak(&x) - 0.5).abs() < 1e-6, "peak {}", peak(&x));
        let db = amplitude_to_dbfs(0.5);
        assert!((db + 6.020_599_913).abs() < 1e-6, "dbfs {db}");
        // A sine of amplitude a steps by 2a sin(d/2) cos(phase), d = 2 pi f / sr:
        // at most 2a sin(d/2), and the sample grid comes within d/2 of the
        // steepest phase, so at least that times cos(d/2).
        let half_step = std::f64::consts::PI * 1000.0 / 48_000.0;
        let most = 0.5 * 2.0 * half_step.sin();
        let step = f64::from(max_abs_step(&x));
        assert!(
            step <= most + 1e-6 && step >= most * half_step.cos() - 1e-6,
            "step {step}, bound {most}"
        );
    }

    #[test]
    fn step_finds_a_click_and_handles_short_input() {
        let mut x = vec![0.0_f32; 100];
        x[40] = 0.75;
        assert_eq!(max_abs_step(&x), 0.75);
        assert_eq!(max_abs_step(&[0.3]), 0.0);
        assert_eq!(max_abs_step(&[]), 0.0);
        assert_eq!(rms::<f32>(&[]), 0.0);
        assert_eq!(peak::<f64>(&[]), 0.0);
    }
}
