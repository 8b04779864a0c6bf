//! [`TensionWeights`] and [`TensionTerms`]: the tension of a chord event as a weighted
//! mean of three terms, each in 0..=1.
//!
//! `Tension[t] = (α·disorder + β·detail + γ·key) / (α + β + γ)` with
//!
//! - `disorder = 1 − organisation = H`, the chord's normalised spectral entropy;
//! - `detail` = the window-normalised detail energy at the event (see
//!   [`ChordWindow`](super::ChordWindow));
//! - `key = min(θ(Ŝ_t, barycenter) / (π/2), 1)`: the angle to the window's tonal
//!   centre, 0 on the centre and 1 from orthogonal (no shared interval content) on;
//!   anti-correlated angles beyond π/2 are rare against a barycenter and count as 1.
//!
//! With the default weights (0.4, 0.3, 0.3, summing to 1) the division changes nothing;
//! it keeps any user weights in 0..=1 without clamping.

/// Weights of the three tension terms. Negative or non-finite weights count as 0; all
/// zero gives tension 0. Written by the UI/host thread, read by the audio thread (`Copy`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensionWeights {
    /// Weight α of `1 − organisation` (dimensionless, default 0.4).
    pub alpha: f32,
    /// Weight β of the window-normalised detail energy (dimensionless, default 0.3).
    pub beta: f32,
    /// Weight γ of the key distance min(θ/(π/2), 1) (dimensionless, default 0.3).
    pub gamma: f32,
}

impl Default for TensionWeights {
    fn default() -> Self {
        Self {
            alpha: 0.4,
            beta: 0.3,
            gamma: 0.3,
        }
    }
}

impl TensionWeights {
    /// The weights with every negative or non-finite one set to 0.
    pub fn sanitised(self) -> Self {
        let ok = |w: f32| if w.is_finite() && w > 0.0 { w } else { 0.0 };
        Self {
            alpha: ok(self.alpha),
            beta: ok(self.beta),
            gamma: ok(self.gamma),
        }
    }
}

/// The three tension terms of one event, each in 0..=1. `Copy`; any thread.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TensionTerms {
    /// `1 − organisation`: the chord's normalised spectral entropy H.
    pub disorder: f64,
    /// Window-normalised detail energy at the event.
    pub detail: f64,
    /// Key distance θ(Ŝ, barycenter) divided by π/2, at most 1.
    pub key: f64,
}

impl TensionTerms {
    /// `(α·disorder + β·detail + γ·key) / (α + β + γ)`, in 0..=1; 0 when every weight
    /// is 0. No allocation.
    pub fn tension(&self, weights: TensionWeights) -> f64 {
        let w = weights.sanitised();
        let (a, b, g) = (w.alpha as f64, w.beta as f64, w.gamma as f64);
        let sum = a + b + g;
        if sum <= 0.0 || !sum.is_finite() {
            return 0.0;
        }
        let t = (a * self.disorder + b * self.detail + g * self.key) / sum;
        if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_weights_are_the_formula() {
        let terms = TensionTerms {
            disorder: 0.8,
            detail: 0.5,
            key: 0.25,
        };
        let t = terms.tension(TensionWeights::default());
        assert!(
            (t - (0.4 * 0.8 + 0.3 * 0.5 + 0.3 * 0.25)).abs() < 1e-6,
            "{t}"
        );
    }

    #[test]
    fn odd_weights_stay_in_range() {
        let ones = TensionTerms {
            disorder: 1.0,
            detail: 1.0,
            key: 1.0,
        };
        let w = |alpha, beta, gamma| TensionWeights { alpha, beta, gamma };
        assert!((ones.tension(w(5.0, 7.0, 9.0)) - 1.0).abs() < 1e-12);
        assert_eq!(ones.tension(w(0.0, 0.0, 0.0)), 0.0);
        assert_eq!(ones.tension(w(f32::NAN, -1.0, f32::INFINITY)), 0.0);
        assert!((ones.tension(w(f32::NAN, 2.0, 0.0)) - 1.0).abs() < 1e-12);
    }
}
