//! [`Similarity`]: how alike two progressions are, from their chord and wavelet
//! features.
//!
//! `Sim(P, Q) = w₁·cos(zc(P), zc(Q)) + w₂·cos(zw(P), zw(Q))`, where `zc` and `zw` are the
//! chord and wavelet parts of [`ProgressionFeatures`] standardised with a
//! [`FeatureScaler`] (by default fitted on the shipped corpus), so a cosine compares
//! deviations from a typical progression rather than raw magnitudes, which are all
//! positive and would make every pair look alike. Weights default to 0.5/0.5 and are
//! divided by their sum: `Sim` is in −1..=1, 1 for identical features. Every feature is
//! transposition-invariant, so a progression and its transposition score 1.

use super::classifier::FeatureScaler;
use super::features::{cosine, ProgressionFeatures, CHORD_DIM, FEATURE_DIM};
use super::PcSet;

/// Weights of the chord and the wavelet cosines. Negative or non-finite count as 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimilarityWeights {
    /// Weight w₁ of the chord-feature cosine (default 0.5).
    pub chord: f64,
    /// Weight w₂ of the wavelet-feature cosine (default 0.5).
    pub wavelet: f64,
}

impl Default for SimilarityWeights {
    fn default() -> Self {
        Self {
            chord: 0.5,
            wavelet: 0.5,
        }
    }
}

/// Progression similarity with a fitted standardisation. Off the audio thread.
#[derive(Clone, Debug, PartialEq)]
pub struct Similarity {
    /// The standardisation applied before the cosines.
    pub scaler: FeatureScaler,
    /// The weights.
    pub weights: SimilarityWeights,
}

impl Similarity {
    /// Standardisation fitted on `corpus` (chord sequences).
    ///
    /// # Allocation
    /// Allocates while computing the corpus features.
    pub fn fit(corpus: &[&[PcSet]], weights: SimilarityWeights) -> Self {
        let rows: Vec<[f64; FEATURE_DIM]> = corpus
            .iter()
            .map(|c| ProgressionFeatures::of(c).concat())
            .collect();
        Self {
            scaler: FeatureScaler::fit(&rows),
            weights,
        }
    }

    /// Fitted on the shipped corpus ([`corpus`](super::corpus)), default weights. Takes
    /// tens of milliseconds: build once and keep it.
    pub fn from_shipped_corpus() -> Self {
        let corpus = super::corpus();
        let chords: Vec<&[PcSet]> = corpus.iter().map(|p| p.chords.as_slice()).collect();
        Self::fit(&chords, SimilarityWeights::default())
    }

    /// `Sim` of two feature sets, −1..=1.
    pub fn score_features(&self, p: &ProgressionFeatures, q: &ProgressionFeatures) -> f64 {
        let zp = self.scaler.transform(&p.concat());
        let zq = self.scaler.transform(&q.concat());
        let ok = |w: f64| if w.is_finite() && w > 0.0 { w } else { 0.0 };
        let (w1, w2) = (ok(self.weights.chord), ok(self.weights.wavelet));
        if w1 + w2 <= 0.0 {
            return 0.0;
        }
        let c = cosine(&zp[..CHORD_DIM], &zq[..CHORD_DIM]);
        let w = cosine(&zp[CHORD_DIM..], &zq[CHORD_DIM..]);
        (w1 * c + w2 * w) / (w1 + w2)
    }

    /// `Sim` of two chord sequences, −1..=1.
    pub fn score(&self, p: &[PcSet], q: &[PcSet]) -> f64 {
        self.score_features(&ProgressionFeatures::of(p), &ProgressionFeatures::of(q))
    }
}
