//! Conforming a decoded frame to a node: FFT resampling to a power-of-two length and DC
//! removal.

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

use super::ImportError;
use crate::cube::{Node, MAX_NODE_LEN, MIN_NODE_LEN};

/// Longest source frame, samples, whose resampled peak is matched to its own (see
/// [`Conformer`]).
pub const SHORT_FRAME_LEN: usize = 32;

/// The node length a source frame of `len` samples becomes: the next power of two at or
/// above `len`, clamped to [`MIN_NODE_LEN`]..=[`MAX_NODE_LEN`] samples.
///
/// Rounding up never drops a harmonic the frame holds; frames longer than
/// [`MAX_NODE_LEN`] lose the harmonics above 4095.
pub fn node_len_for(len: usize) -> usize {
    len.max(1)
        .checked_next_power_of_two()
        .unwrap_or(MAX_NODE_LEN)
        .clamp(MIN_NODE_LEN, MAX_NODE_LEN)
}

/// Turns decoded frames into nodes, reusing FFT plans across frames of one length.
///
/// Each channel is resampled to [`node_len_for`] its length by zero-padding or truncating
/// its spectrum (a band-limited cycle keeps its shape exactly), and its DC bin is zeroed.
/// Unlike `cube::resample_cycle`, odd source lengths (image rows, single-cycle files) keep
/// their top harmonic at full weight: only an even length has a Nyquist bin to split.
///
/// Very short frames (at most [`SHORT_FRAME_LEN`] samples, such as 8- or 32-sample chip
/// waves) are crude cycles whose band-limited interpolation rings far past their samples
/// (an 8-sample square peaks at 1.29): their resampled cycle is scaled down, never up, so
/// its peak matches the source's largest sample. Longer frames are resampled exactly.
pub struct Conformer {
    /// Cached forward and inverse plans, f64 for accuracy.
    planner: RealFftPlanner<f64>,
}

impl Default for Conformer {
    fn default() -> Self {
        Self::new()
    }
}

impl Conformer {
    /// A conformer with no cached plans.
    pub fn new() -> Self {
        Self {
            planner: RealFftPlanner::new(),
        }
    }

    /// One channel of `samples`, DC removed, resampled to `new_len` samples.
    ///
    /// # Allocation
    /// Allocates the result, FFT buffers and, for a new length, plans.
    pub fn channel(&mut self, samples: &[f32], new_len: usize) -> Vec<f32> {
        let n = samples.len();
        if n == 0 {
            return vec![0.0; new_len];
        }
        if n == new_len {
            let mean = samples.iter().map(|&s| f64::from(s)).sum::<f64>() / n as f64;
            return samples
                .iter()
                .map(|&s| (f64::from(s) - mean) as f32)
                .collect();
        }
        let fwd = self.planner.plan_fft_forward(n);
        let inv = self.planner.plan_fft_inverse(new_len);
        let mut input: Vec<f64> = samples.iter().map(|&s| f64::from(s)).collect();
        let mut spectrum = fwd.make_output_vec();
        // NOTE: the buffers come from the plans, so the lengths always match.
        let forward = fwd.process(&mut input, &mut spectrum);
        debug_assert!(forward.is_ok());
        let mut out_spec = inv.make_input_vec();
        // Bins strictly between DC and the smaller Nyquist carry over unchanged.
        let interior = if n < new_len {
            // Every source bin but an even length's Nyquist is interior.
            n.div_ceil(2)
        } else {
            // Truncating: the output's Nyquist bin stays zero (it must be real).
            new_len / 2
        };
        out_spec[1..interior].copy_from_slice(&spectrum[1..interior]);
        if n < new_len && n % 2 == 0 {
            // The source's Nyquist cosine becomes an interior bin, which the full spectrum
            // holds twice: it takes half the weight.
            out_spec[n / 2] = Complex::new(spectrum[n / 2].re * 0.5, 0.0);
        }
        let mut out = inv.make_output_vec();
        // NOTE: DC is zero and the output Nyquist is zero or real, so this cannot fail.
        let inverse = inv.process(&mut out_spec, &mut out);
        debug_assert!(inverse.is_ok());
        let mut gain = 1.0 / n as f64;
        if n <= SHORT_FRAME_LEN && n < new_len {
            // Level-match: the source's peak (after DC removal) bounds the cycle's.
            let mean = samples.iter().map(|&s| f64::from(s)).sum::<f64>() / n as f64;
            let source_peak = samples
                .iter()
                .map(|&s| (f64::from(s) - mean).abs())
                .fold(0.0, f64::max);
            let peak = out.iter().map(|v| v.abs()).fold(0.0, f64::max) * gain;
            if peak > source_peak && peak > 0.0 {
                gain *= source_peak / peak;
            }
        }
        out.iter().map(|&v| (v * gain) as f32).collect()
    }

    /// A node from one or two decoded channels of equal length (frame `index` of the file,
    /// for errors): each resampled to [`node_len_for`] its length, DC removed.
    ///
    /// # Errors
    /// [`ImportError::Frame`] when a sample overflows to infinity on the way.
    ///
    /// # Allocation
    /// Allocates the node.
    pub fn node(
        &mut self,
        left: &[f32],
        right: Option<&[f32]>,
        index: usize,
    ) -> Result<Node, ImportError> {
        let len = node_len_for(left.len());
        let l = self.channel(left, len);
        let node = match right {
            Some(r) => Node::stereo(l, self.channel(r, len)),
            None => Node::mono(l),
        };
        node.map_err(|source| ImportError::Frame { index, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(len: usize, harmonic: usize, phase: f64) -> Vec<f32> {
        (0..len)
            .map(|i| {
                (std::f64::consts::TAU * harmonic as f64 * i as f64 / len as f64 + phase).sin()
                    as f32
            })
            .collect()
    }

    fn max_err(a: &[f32], b: &[f32]) -> f32 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn lengths_round_up_to_powers_of_two() {
        assert_eq!(node_len_for(0), 64);
        assert_eq!(node_len_for(10), 64);
        assert_eq!(node_len_for(64), 64);
        assert_eq!(node_len_for(65), 128);
        assert_eq!(node_len_for(600), 1024);
        assert_eq!(node_len_for(2048), 2048);
        assert_eq!(node_len_for(8193), 8192);
        assert_eq!(node_len_for(usize::MAX), 8192);
    }

    #[test]
    fn sines_keep_their_shape_at_any_length() {
        let mut c = Conformer::new();
        // Odd, even, up and down; harmonic 7 of a 15-sample frame is its top bin.
        for (n, m, h) in [
            (33, 64, 16),
            (600, 1024, 299),
            (256, 256, 5),
            (10000, 8192, 40),
        ] {
            let out = c.channel(&sine(n, h, 0.3), m);
            assert_eq!(out.len(), m);
            let err = max_err(&out, &sine(m, h, 0.3));
            assert!(err < 1e-4, "{n} -> {m}, harmonic {h}: error {err}");
        }
    }

    #[test]
    fn an_even_nyquist_cosine_keeps_its_amplitude() {
        let mut c = Conformer::new();
        let alt: Vec<f32> = (0..16)
            .map(|i| if i % 2 == 0 { 0.5 } else { -0.5 })
            .collect();
        let out = c.channel(&alt, 64);
        let expect: Vec<f32> = (0..64)
            .map(|i| (0.5 * (std::f64::consts::TAU * 8.0 * i as f64 / 64.0).cos()) as f32)
            .collect();
        assert!(max_err(&out, &expect) < 1e-5);
    }

    #[test]
    fn short_frames_do_not_overshoot_their_samples() {
        let mut c = Conformer::new();
        for n in [8, 16, 32] {
            let square: Vec<f32> = (0..n).map(|i| if i < n / 2 { 1.0 } else { -1.0 }).collect();
            let out = c.channel(&square, 64);
            let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak <= 1.0 + 1e-6, "{n}-sample square peaks at {peak}");
            // Still the square's fundamental, band-limited: at least 80 % of full level.
            assert!(peak > 0.8, "{n}: {peak}");
            let spectrum_top = n / 2;
            // Band-limited: nothing above the source's top harmonic.
            let mut planner = RealFftPlanner::<f64>::new();
            let fft = planner.plan_fft_forward(64);
            let mut x: Vec<f64> = out.iter().map(|&v| f64::from(v)).collect();
            let mut spec = fft.make_output_vec();
            fft.process(&mut x, &mut spec).unwrap();
            let above: f64 = spec[spectrum_top + 1..].iter().map(|c| c.norm()).sum();
            assert!(above < 1e-4, "{n}: energy above the band {above}");
        }
        // A sine in a short frame keeps its shape, scaled to its sampled peak.
        let s = sine(16, 1, 0.0);
        let out = c.channel(&s, 64);
        assert!(max_err(&out, &sine(64, 1, 0.0)) < 1e-5);
    }

    #[test]
    fn dc_is_removed() {
        let mut c = Conformer::new();
        for (n, m) in [(64, 64), (100, 128), (300, 256)] {
            let with_dc: Vec<f32> = sine(n, 3, 0.0).iter().map(|s| s + 0.4).collect();
            let out = c.channel(&with_dc, m);
            let mean = out.iter().map(|&s| f64::from(s)).sum::<f64>() / m as f64;
            assert!(mean.abs() < 1e-6, "{n} -> {m}: mean {mean}");
            assert!(max_err(&out, &sine(m, 3, 0.0)) < 1e-4);
        }
    }

    #[test]
    fn overflow_is_a_typed_error() {
        let mut c = Conformer::new();
        // A full-scale square of f32::MAX overshoots (Gibbs) when band-limited.
        let big: Vec<f32> = (0..100)
            .map(|i| if i < 50 { f32::MAX } else { -f32::MAX })
            .collect();
        let err = c.node(&big, None, 3).unwrap_err();
        assert!(matches!(err, ImportError::Frame { index: 3, .. }), "{err}");
    }
}
