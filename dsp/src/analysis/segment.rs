//! A Kaiser-windowed stretch of signal and its exact spectrum (FFT and DTFT).
//!
//! The FFT gives the power in each bin; the discrete-time Fourier transform
//! (DTFT) evaluated directly at any frequency refines a peak between bins.
//! Maximising `|X(f)|` over `f` is the maximum-likelihood frequency estimate
//! for one sinusoid in white noise (Rife & Boorstyn, "Single-tone parameter
//! estimation from discrete-time observations", IEEE Trans. IT-20, 1974); the
//! Kaiser window keeps the other partials' leakage below -140 dB so it holds
//! for each partial of a harmonic tone too.

use realfft::RealFftPlanner;

use super::kaiser::kaiser_window;
use super::AnalysisError;

/// Kaiser shape parameter used for every analysis here (dimensionless).
///
/// At 20 the highest side lobe is about -150 dB and the main lobe spans about
/// ±6.4 bins.
pub const KAISER_BETA: f64 = 20.0;

/// Fewest samples an analysis accepts (samples). At 48 kHz that is 85 ms,
/// or 11.7 Hz bins.
pub const MIN_ANALYSIS_LEN: usize = 4096;

/// Samples between exact re-seeds of the DTFT phasor recursion; keeps the
/// rounding drift of the recursion below 1e-13 of full scale.
const PHASOR_RESEED: usize = 256;

/// Golden-section search stops when its bracket is narrower than this many
/// bins; `|X(f)|` is flat to f64 precision closer than ~1e-8 bins anyway.
const REFINE_TOL_BINS: f64 = 1e-9;

/// Upper bound on golden-section steps (each one DTFT evaluation).
const REFINE_MAX_STEPS: usize = 80;

/// The first second (or less) of a signal, multiplied by a Kaiser window, in f64.
///
/// Built once, queried many times: the FFT power spectrum for bin-level
/// questions and the exact DTFT for any frequency between bins.
#[derive(Debug, Clone)]
pub struct WindowedSegment {
    /// `w[n] * x[n]`, in f64, full scale = 1.0.
    windowed: Vec<f64>,
    /// `sum w[n]`: the DTFT magnitude of a unit-amplitude sinusoid is half of it.
    window_sum: f64,
    /// Sample rate, Hz.
    sample_rate_hz: f64,
}

impl WindowedSegment {
    /// Windows (in f64, from f32 or f64 samples) the first `round(sample_rate_hz)` samples of `samples` (one
    /// second), or all of them when there are fewer, but never fewer than
    /// [`MIN_ANALYSIS_LEN`].
    ///
    /// # Errors
    /// [`AnalysisError::InvalidSampleRate`] unless the rate is positive and
    /// finite; [`AnalysisError::Empty`] or [`AnalysisError::TooShort`] for
    /// fewer than [`MIN_ANALYSIS_LEN`] samples; [`AnalysisError::NonFinite`]
    /// if a sample in the analysed segment is NaN or infinite.
    ///
    /// # Allocation
    /// Allocates the window and the windowed copy (16 bytes per sample).
    pub fn new<S: Copy + Into<f64>>(
        samples: &[S],
        sample_rate_hz: f64,
    ) -> Result<Self, AnalysisError> {
        if !(sample_rate_hz.is_finite() && sample_rate_hz > 0.0) {
            return Err(AnalysisError::InvalidSampleRate(sample_rate_hz));
        }
        if samples.is_empty() {
            return Err(AnalysisError::Empty);
        }
        if samples.len() < MIN_ANALYSIS_LEN {
            return Err(AnalysisError::TooShort {
                len: samples.len(),
                min: MIN_ANALYSIS_LEN,
            });
        }
        let one_second = (sample_rate_hz.round() as usize).max(MIN_ANALYSIS_LEN);
        let segment = &samples[..one_second.min(samples.len())];
        if let Some((index, value)) = segment
            .iter()
            .map(|&s| s.into())
            .enumerate()
            .find(|(_, s): &(usize, f64)| !s.is_finite())
        {
            return Err(AnalysisError::NonFinite { index, value });
        }
        let window = kaiser_window(segment.len(), KAISER_BETA);
        let window_sum = window.iter().sum();
        let windowed = segment
            .iter()
            .zip(&window)
            .map(|(&x, &w)| x.into() * w)
            .collect();
        Ok(Self {
            windowed,
            window_sum,
            sample_rate_hz,
        })
    }

    /// Number of samples analysed (the FFT length).
    pub fn len(&self) -> usize {
        self.windowed.len()
    }

    /// Always false: a segment holds at least [`MIN_ANALYSIS_LEN`] samples.
    pub fn is_empty(&self) -> bool {
        self.windowed.is_empty()
    }

    /// Sample rate, Hz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }

    /// Width of one FFT bin, Hz (`sample_rate_hz / len`; 1 Hz for a full second).
    pub fn bin_hz(&self) -> f64 {
        self.sample_rate_hz / self.len() as f64
    }

    /// Half the sample rate, Hz.
    pub fn nyquist_hz(&self) -> f64 {
        0.5 * self.sample_rate_hz
    }

    /// Power spectrum `|X[k]|^2` for bins `k = 0 ..= len/2` (bin `k` is at
    /// `k * bin_hz()` Hz), unnormalised: a sinusoid of amplitude `a` peaks
    /// at `(a * window_sum / 2)^2`.
    ///
    /// # Allocation
    /// Allocates the FFT plan, its scratch and the result.
    pub fn power_spectrum(&self) -> Vec<f64> {
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(self.len());
        let mut input = self.windowed.clone();
        let mut output = fft.make_output_vec();
        // NOTE: the buffers come from the plan itself, so their lengths match
        // and `process` cannot fail.
        fft.process(&mut input, &mut output)
            .expect("realfft buffers sized by the plan");
        output.iter().map(|c| c.norm_sqr()).collect()
    }

    /// Exact windowed DTFT power `|sum_n w[n] x[n] e^{-i 2 pi f n / sr}|^2`
    /// at `freq_hz`, same scale as [`power_spectrum`](Self::power_spectrum).
    /// Costs O(len).
    pub fn dtft_power(&self, freq_hz: f64) -> f64 {
        let omega = 2.0 * std::f64::consts::PI * freq_hz / self.sample_rate_hz;
        let (step_sin, step_cos) = omega.sin_cos();
        let (mut re, mut im) = (0.0_f64, 0.0_f64);
        for (chunk_index, chunk) in self.windowed.chunks(PHASOR_RESEED).enumerate() {
            // Re-seed the phasor exactly, then rotate it by e^{-i omega} per sample.
            let (mut s, mut c) = (omega * (chunk_index * PHASOR_RESEED) as f64).sin_cos();
            for &v in chunk {
                re += v * c;
                im -= v * s;
                let next_c = c * step_cos - s * step_sin;
                s = s * step_cos + c * step_sin;
                c = next_c;
            }
        }
        re * re + im * im
    }

    /// Amplitude (linear, 1.0 = full scale) of a sinusoid at exactly
    /// `freq_hz`: `2 |X(f)| / sum w`. Exact for a lone sinusoid at that
    /// frequency; another partial within about 7 bins adds to it.
    pub fn dtft_amplitude(&self, freq_hz: f64) -> f64 {
        2.0 * self.dtft_power(freq_hz).sqrt() / self.window_sum
    }

    /// Frequency (Hz) in `[lo_hz, hi_hz]` where `|X(f)|` is largest, found by
    /// golden-section search on the exact DTFT (about 45 evaluations).
    ///
    /// The bracket must hold a single peak: keep it within ±1.5 bins of a
    /// spectral maximum, well inside the ±6.4-bin main lobe.
    pub fn refine_peak(&self, lo_hz: f64, hi_hz: f64) -> f64 {
        debug_assert!(lo_hz <= hi_hz, "bracket [{lo_hz}, {hi_hz}] is reversed");
        const INV_PHI: f64 = 0.618_033_988_749_894_8;
        let tol_hz = REFINE_TOL_BINS * self.bin_hz();
        let (mut a, mut b) = (lo_hz, hi_hz);
        let mut c = b - INV_PHI * (b - a);
        let mut d = a + INV_PHI * (b - a);
        let mut pc = self.dtft_power(c);
        let mut pd = self.dtft_power(d);
        for _ in 0..REFINE_MAX_STEPS {
            if b - a <= tol_hz {
                break;
            }
            if pc > pd {
                b = d;
                d = c;
                pd = pc;
                c = b - INV_PHI * (b - a);
                pc = self.dtft_power(c);
            } else {
                a = c;
                c = d;
                pc = pd;
                d = a + INV_PHI * (b - a);
                pd = self.dtft_power(d);
            }
        }
        0.5 * (a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq_hz: f64, amp: f64, sr: f64, len: usize) -> Vec<f32> {
        (0..len)
            .map(|n| {
                (amp * (2.0 * std::f64::consts::PI * freq_hz * n as f64 / sr + 0.3).sin()) as f32
            })
            .collect()
    }

    #[test]
    fn dtft_agrees_with_fft_on_bins() {
        let x = sine(1234.567, 0.5, 48_000.0, 48_000);
        let seg = WindowedSegment::new(&x, 48_000.0).unwrap();
        let spec = seg.power_spectrum();
        assert_eq!(spec.len(), 24_001);
        let mut worst = 0.0_f64;
        for k in [0_usize, 1, 1230, 1234, 1235, 1240, 20_000, 24_000] {
            let direct = seg.dtft_power(k as f64);
            let rel = (direct - spec[k]).abs() / spec[1234];
            worst = worst.max(rel);
        }
        assert!(
            worst < 1e-12,
            "DTFT and FFT differ by {worst:e} of the peak"
        );
    }

    #[test]
    fn amplitude_of_a_sine_is_exact_at_its_frequency() {
        let x = sine(997.123_456, 0.25, 44_100.0, 44_100);
        let seg = WindowedSegment::new(&x, 44_100.0).unwrap();
        let a = seg.dtft_amplitude(997.123_456);
        // f32 quantisation of the input bounds the error near 1e-8.
        assert!((a - 0.25).abs() < 1e-7, "amplitude {a}");
        let f = seg.refine_peak(996.0, 998.5);
        assert!((f - 997.123_456).abs() < 1e-5, "peak at {f}");
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            WindowedSegment::new::<f32>(&[], 48_000.0).unwrap_err(),
            AnalysisError::Empty
        );
        assert_eq!(
            WindowedSegment::new(&[0.0_f32; 100], 48_000.0).unwrap_err(),
            AnalysisError::TooShort {
                len: 100,
                min: MIN_ANALYSIS_LEN
            }
        );
        let mut x = vec![0.1_f32; 5000];
        x[4321] = f32::NAN;
        assert!(matches!(
            WindowedSegment::new(&x, 48_000.0),
            Err(AnalysisError::NonFinite { index: 4321, .. })
        ));
        assert_eq!(
            WindowedSegment::new(&x, 0.0).unwrap_err(),
            AnalysisError::InvalidSampleRate(0.0)
        );
        // Only the analysed second is checked: a NaN after it is not read.
        let mut long = vec![0.1_f32; 60_000];
        long[50_000] = f32::INFINITY;
        assert_eq!(WindowedSegment::new(&long, 48_000.0).unwrap().len(), 48_000);
    }
}
