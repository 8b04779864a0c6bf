//! [`ProgressionFeatures`]: the fixed-length description of a whole progression that the
//! classifier and the similarity use — OPTIC-K chord features (mean and std over the
//! chords) and wavelet features of the four signals.
//!
//! Per chord (12 values, all transposition-invariant and in 0..=1):
//! `|Ŝ_1|..|Ŝ_6|` (the shape of the spectrum), cardinality/12, organisation,
//! |F₅|/[`MAX_MAGNETISM`], velocity/π, drift/π and key distance/π (the last three in a
//! window holding the whole progression, up to [`MAX_WINDOW`] chords). The chord vector
//! is their 12 means then their 12 population standard deviations.
//!
//! Wavelet vector (7 per signal, signals in [`Signal::ALL`] order): the signal over the
//! progression (its last [`MAX_WINDOW`] chords) mirrored and decomposed with db4,
//! periodization, always [`MAX_LEVELS`] = 3 levels, so every progression has the same
//! layout (the mirroring keeps short ones free of wrap-around; see `run_mirrored`). For
//! detail levels 1, 2, 3: `ln(POWER_FLOOR + band energy / coefficients)` (a log, as the
//! powers span decades between a static loop and an atonal walk) and the band's
//! magnitude entropy over its maximum, `entropy / log2(coefficients)` (how evenly the
//! change is spread in time); then the approximation band's std ([`band_features`]).

use super::chord_window::{
    run_mirrored, AnalysisMode, ChordWindow, Signal, MAX_LEVELS, MAX_WINDOW, SIGNALS,
};
use super::spectrum::MAX_MAGNETISM;
use super::tension::TensionWeights;
use super::PcSet;
use crate::wavelet::{band_features, WavedecPlan};
use core::f64::consts::PI;

/// Added to a band's mean power before its logarithm (signal units²).
pub const POWER_FLOOR: f64 = 1e-4;

/// Mean band power (signal units²) below which a band is rounding noise: its entropy
/// feature is 0. A power of 1e-10 is an amplitude of 1e-5 in 0..1 signal units.
pub const SILENT_POWER: f64 = 1e-10;

/// Values per chord.
pub const CHORD_FEATURES: usize = 12;
/// Length of [`ProgressionFeatures::chord`]: means then standard deviations.
pub const CHORD_DIM: usize = 2 * CHORD_FEATURES;
/// Length of [`ProgressionFeatures::wavelet`].
pub const WAVELET_DIM: usize = SIGNALS * (2 * MAX_LEVELS + 1);
/// Length of [`ProgressionFeatures::concat`].
pub const FEATURE_DIM: usize = CHORD_DIM + WAVELET_DIM;

/// Feature vectors of one progression. Computed off the audio thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProgressionFeatures {
    /// Mean then std of the per-chord OPTIC-K features.
    pub chord: [f64; CHORD_DIM],
    /// Wavelet band features of the four signals.
    pub wavelet: [f64; WAVELET_DIM],
}

impl ProgressionFeatures {
    /// The features of `chords` (an empty slice gives all zeros).
    ///
    /// # Allocation
    /// Allocates a wavelet plan and a window; use off the audio thread.
    pub fn of(chords: &[PcSet]) -> Self {
        let mut window = ChordWindow::new(
            MAX_WINDOW,
            AnalysisMode::Interactive,
            TensionWeights::default(),
        );
        let mut sum = [0.0f64; CHORD_FEATURES];
        let mut sum_sq = [0.0f64; CHORD_FEATURES];
        for &set in chords {
            let f = window.push(set).features;
            let spectrum_shape = super::PcSpectrum::of(set).unit().magnitudes();
            let mut v = [0.0f64; CHORD_FEATURES];
            v[..6].copy_from_slice(&spectrum_shape);
            v[6] = set.len() as f64 / 12.0;
            v[7] = f.organisation;
            v[8] = f.magnetism / MAX_MAGNETISM;
            v[9] = f.velocity / PI;
            v[10] = f.drift / PI;
            v[11] = f.key_distance / PI;
            for i in 0..CHORD_FEATURES {
                sum[i] += v[i];
                sum_sq[i] += v[i] * v[i];
            }
        }
        let n = chords.len().max(1) as f64;
        let mut chord = [0.0f64; CHORD_DIM];
        for i in 0..CHORD_FEATURES {
            let mean = sum[i] / n;
            chord[i] = mean;
            chord[CHORD_FEATURES + i] = (sum_sq[i] / n - mean * mean).max(0.0).sqrt();
        }

        let mut wavelet = [0.0f64; WAVELET_DIM];
        let t = window.len();
        if t >= 2 {
            let mut plan = WavedecPlan::<f64>::new(2 * MAX_WINDOW, MAX_LEVELS);
            let w = AnalysisMode::Interactive.decomposition(t).0;
            let levels = MAX_LEVELS;
            for (s, signal) in Signal::ALL.iter().enumerate() {
                run_mirrored(&mut plan, window.signal(*signal), w, levels);
                let base = s * (2 * MAX_LEVELS + 1);
                for j in 1..=plan.levels().min(MAX_LEVELS) {
                    let d = plan.detail(j);
                    let b = band_features(d);
                    let power = b.energy / d.len().max(1) as f64;
                    wavelet[base + 2 * (j - 1)] = (POWER_FLOOR + power).ln();
                    // NOTE: a band of rounding noise (a constant signal) has an arbitrary
                    // magnitude entropy; below SILENT_POWER it counts as 0.
                    wavelet[base + 2 * (j - 1) + 1] = if power > SILENT_POWER {
                        b.entropy / (d.len().max(2) as f64).log2()
                    } else {
                        0.0
                    };
                }
                wavelet[base + 2 * MAX_LEVELS] = band_features(plan.approx()).std;
            }
        }
        Self { chord, wavelet }
    }

    /// The chord vector then the wavelet vector.
    pub fn concat(&self) -> [f64; FEATURE_DIM] {
        let mut out = [0.0; FEATURE_DIM];
        out[..CHORD_DIM].copy_from_slice(&self.chord);
        out[CHORD_DIM..].copy_from_slice(&self.wavelet);
        out
    }
}

/// Cosine similarity of two vectors, −1..=1; 0 when either is zero.
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let d = (aa * bb).sqrt();
    if d > 0.0 && d.is_finite() {
        (ab / d).clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposition_leaves_features_unchanged() {
        let p: Vec<PcSet> = [[2u8, 5, 9], [7, 11, 2], [0, 4, 7], [9, 0, 4], [1, 6, 8]]
            .iter()
            .cycle()
            .take(20)
            .map(|c| PcSet::from_pcs(c))
            .collect();
        let a = ProgressionFeatures::of(&p).concat();
        for n in 1..12 {
            let q: Vec<PcSet> = p.iter().map(|s| s.transpose(n)).collect();
            let b = ProgressionFeatures::of(&q).concat();
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-6, "T{n}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn cosine_edges() {
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 2.0]), 0.0);
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-12);
        assert!((cosine(&[1.0, 0.0], &[-1.0, 0.0]) + 1.0).abs() < 1e-12);
    }
}
