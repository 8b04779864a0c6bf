//! A state-variable filter (low-, band- or high-pass), stereo, with stable modulation.
//!
//! Source: A. Simper, "Linear trapezoidal integrated state variable filter", Cytomic
//! technical paper SvfLinearTrapOptimised2, 2013. The trapezoidal (TPT) form keeps the
//! response of the analog prototype up to Nyquist and stays stable under fast cutoff
//! changes, which is why the coefficients may be swapped every control period.

/// Filter response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterMode {
    /// 12 dB/octave low-pass.
    #[default]
    LowPass,
    /// Band-pass (constant skirt).
    BandPass,
    /// 12 dB/octave high-pass.
    HighPass,
}

/// Coefficients for one cutoff and resonance. `Copy`, computed off the sample loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvfCoefs {
    /// Response.
    mode: FilterMode,
    /// `tan(π·fc/fs)`.
    g: f32,
    /// Damping, `1/Q`.
    k: f32,
    a1: f32,
    a2: f32,
    a3: f32,
}

impl SvfCoefs {
    /// Coefficients for `cutoff_hz` (clamped to 10 Hz .. 0.49·sr) and `resonance` 0..1
    /// (Q from 0.5 to 25) at `sample_rate` Hz.
    pub fn new(mode: FilterMode, cutoff_hz: f32, resonance: f32, sample_rate: f32) -> Self {
        let fc = cutoff_hz.clamp(10.0, 0.49 * sample_rate);
        let g = (std::f32::consts::PI * fc / sample_rate).tan();
        let q = 0.5 * 50.0f32.powf(resonance.clamp(0.0, 1.0));
        let k = 1.0 / q;
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        Self {
            mode,
            g,
            k,
            a1,
            a2,
            a3,
        }
    }
}

/// One stereo SVF: the integrator states of both channels.
#[derive(Debug, Clone, Default)]
pub struct Svf {
    /// `[ic1eq, ic2eq]` per channel.
    state: [[f32; 2]; 2],
}

impl Svf {
    /// A filter at rest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears the state.
    pub fn reset(&mut self) {
        self.state = [[0.0; 2]; 2];
    }

    /// Filters `left` and `right` in place with `c`.
    pub fn process_block(&mut self, c: &SvfCoefs, left: &mut [f32], right: &mut [f32]) {
        match c.mode {
            FilterMode::LowPass => self.run(c, left, right, |_, _, v2, _| v2),
            FilterMode::BandPass => self.run(c, left, right, |_, v1, _, _| v1),
            FilterMode::HighPass => self.run(c, left, right, |v0, v1, v2, k| v0 - k * v1 - v2),
        }
    }

    #[inline(always)]
    fn run(
        &mut self,
        c: &SvfCoefs,
        left: &mut [f32],
        right: &mut [f32],
        out: impl Fn(f32, f32, f32, f32) -> f32,
    ) {
        for (ch, buf) in [left, right].into_iter().enumerate() {
            let [mut ic1, mut ic2] = self.state[ch];
            for x in buf.iter_mut() {
                let v0 = *x;
                let v3 = v0 - ic2;
                let v1 = c.a1 * ic1 + c.a2 * v3;
                let v2 = ic2 + c.a2 * ic1 + c.a3 * v3;
                ic1 = 2.0 * v1 - ic1;
                ic2 = 2.0 * v2 - ic2;
                *x = out(v0, v1, v2, c.k);
            }
            // Flush denormals and any blow-up from hostile input.
            let fix = |v: f32| {
                if v.is_finite() && v.abs() > 1e-20 {
                    v
                } else {
                    0.0
                }
            };
            self.state[ch] = [fix(ic1), fix(ic2)];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gain_at(mode: FilterMode, cutoff: f32, res: f32, f: f32) -> f32 {
        let sr = 48000.0;
        let c = SvfCoefs::new(mode, cutoff, res, sr);
        let mut svf = Svf::new();
        let n = 48000;
        let mut l: Vec<f32> = (0..n)
            .map(|i| (std::f32::consts::TAU * f * i as f32 / sr).sin())
            .collect();
        let mut r = l.clone();
        svf.process_block(&c, &mut l, &mut r);
        let tail = &l[n / 2..];
        (tail.iter().map(|v| v * v).sum::<f32>() / tail.len() as f32 * 2.0).sqrt()
    }

    #[test]
    fn responses_have_the_right_shape() {
        // Low-pass at 1 kHz, Q 0.5: passes 100 Hz, −24 dB or more at 10 kHz.
        assert!((gain_at(FilterMode::LowPass, 1000.0, 0.0, 100.0) - 1.0).abs() < 0.03);
        assert!(gain_at(FilterMode::LowPass, 1000.0, 0.0, 10_000.0) < 0.063);
        // High-pass mirrors it.
        assert!(gain_at(FilterMode::HighPass, 1000.0, 0.0, 100.0) < 0.03);
        assert!((gain_at(FilterMode::HighPass, 1000.0, 0.0, 10_000.0) - 1.0).abs() < 0.03);
        // Band-pass peaks at the cutoff: gain 1 there with k-normalised output × k... the
        // TPT band-pass output v1 has gain Q at the centre.
        let q = 0.5 * 50.0f32.powf(0.5);
        assert!((gain_at(FilterMode::BandPass, 1000.0, 0.5, 1000.0) - q).abs() / q < 0.05);
    }

    #[test]
    fn hostile_input_stays_finite() {
        let c = SvfCoefs::new(FilterMode::LowPass, 20_000.0, 1.0, 22_050.0);
        let mut svf = Svf::new();
        let mut l = vec![1e30f32, f32::NAN, -1e30, 0.0];
        let mut r = vec![0.0; 4];
        svf.process_block(&c, &mut l, &mut r);
        let mut l2 = vec![0.5; 64];
        let mut r2 = vec![0.5; 64];
        svf.process_block(&c, &mut l2, &mut r2);
        assert!(l2.iter().all(|v| v.is_finite()));
    }
}
