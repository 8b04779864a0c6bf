//! [`StyleClassifier`]: nearest centroid on standardised [`ProgressionFeatures`], and
//! [`evaluate`], its held-out accuracy and confusion matrix on a labelled corpus.
//!
//! Training standardises every feature with the training set's mean and population
//! std (a constant feature is ignored), then stores each style's mean vector. A
//! progression gets the style whose centroid is nearest in Euclidean distance. The
//! model is four points in a 52-dimensional space: a decision can be explained by the
//! features that pull it towards one centroid (see [`StyleClassifier::distances`]), and
//! it has no hyper-parameter to tune on the held-out set.

use super::features::{ProgressionFeatures, FEATURE_DIM};
use super::progression::{Progression, Style};
use super::{HarmonyError, PcSet};
use crate::codec::tqa::rotation::SplitMix64;
use core::fmt;

/// Fraction of each style held out by [`evaluate_corpus`]'s default split.
pub const HELD_OUT_FRACTION: f64 = 0.25;
/// Seed of the default split.
pub const SPLIT_SEED: u64 = 0x5350_4C49_5400_0001;

/// Per-feature standardisation `z = (x − mean) / std`, fitted on a training set.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureScaler {
    /// Mean of each feature.
    pub mean: [f64; FEATURE_DIM],
    /// Population std of each feature (1 where the feature is constant).
    pub std: [f64; FEATURE_DIM],
}

impl FeatureScaler {
    /// Fits the scaler to `rows` (an empty slice gives mean 0, std 1).
    pub fn fit(rows: &[[f64; FEATURE_DIM]]) -> Self {
        let n = rows.len().max(1) as f64;
        let mut mean = [0.0; FEATURE_DIM];
        let mut std = [1.0; FEATURE_DIM];
        for i in 0..FEATURE_DIM {
            let m = rows.iter().map(|r| r[i]).sum::<f64>() / n;
            let v = rows.iter().map(|r| (r[i] - m) * (r[i] - m)).sum::<f64>() / n;
            mean[i] = m;
            std[i] = if v.sqrt() > 1e-9 { v.sqrt() } else { 1.0 };
        }
        Self { mean, std }
    }

    /// Fits the mean to all rows and the scale to the pooled *within-class* std:
    /// `sqrt(Σ_class Σ_row (x − mean_class)² / n)` (1 where it is 0). Features that
    /// vary a lot inside every class (and so tell classes apart poorly) shrink: this is
    /// the diagonal of linear discriminant analysis.
    pub fn fit_within(examples: &[(Style, [f64; FEATURE_DIM])]) -> Self {
        let rows: Vec<[f64; FEATURE_DIM]> = examples.iter().map(|(_, x)| *x).collect();
        let mut scaler = Self::fit(&rows);
        let n = rows.len().max(1) as f64;
        let mut var = [0.0f64; FEATURE_DIM];
        for style in Style::ALL {
            let members: Vec<&[f64; FEATURE_DIM]> = examples
                .iter()
                .filter(|(s, _)| *s == style)
                .map(|(_, x)| x)
                .collect();
            let m = members.len().max(1) as f64;
            for i in 0..FEATURE_DIM {
                let mean = members.iter().map(|r| r[i]).sum::<f64>() / m;
                var[i] += members
                    .iter()
                    .map(|r| (r[i] - mean) * (r[i] - mean))
                    .sum::<f64>();
            }
        }
        for i in 0..FEATURE_DIM {
            let sd = (var[i] / n).sqrt();
            scaler.std[i] = if sd > 1e-9 { sd } else { 1.0 };
        }
        scaler
    }

    /// The standardised vector.
    pub fn transform(&self, x: &[f64; FEATURE_DIM]) -> [f64; FEATURE_DIM] {
        core::array::from_fn(|i| (x[i] - self.mean[i]) / self.std[i])
    }
}

/// A nearest-centroid style classifier. Built and used off the audio thread.
#[derive(Clone, Debug, PartialEq)]
pub struct StyleClassifier {
    /// The standardisation fitted on the training set.
    pub scaler: FeatureScaler,
    /// Standardised centroid of each style, in [`Style::ALL`] order.
    pub centroids: [[f64; FEATURE_DIM]; 4],
}

impl StyleClassifier {
    /// Trains on labelled progressions (unlabelled ones are skipped).
    ///
    /// # Errors
    /// [`HarmonyError::MissingStyle`] when some style has no example.
    pub fn train(examples: &[Progression]) -> Result<Self, HarmonyError> {
        let labelled: Vec<(Style, [f64; FEATURE_DIM])> = examples
            .iter()
            .filter_map(|p| {
                p.style
                    .map(|s| (s, ProgressionFeatures::of(&p.chords).concat()))
            })
            .collect();
        Self::train_features(&labelled)
    }

    /// Trains on precomputed feature vectors.
    ///
    /// # Errors
    /// [`HarmonyError::MissingStyle`] when some style has no example.
    pub fn train_features(examples: &[(Style, [f64; FEATURE_DIM])]) -> Result<Self, HarmonyError> {
        let scaler = FeatureScaler::fit_within(examples);
        let mut centroids = [[0.0; FEATURE_DIM]; 4];
        for style in Style::ALL {
            let members: Vec<[f64; FEATURE_DIM]> = examples
                .iter()
                .filter(|(s, _)| *s == style)
                .map(|(_, x)| scaler.transform(x))
                .collect();
            if members.is_empty() {
                return Err(HarmonyError::MissingStyle {
                    style: style.name(),
                });
            }
            let c = &mut centroids[style.index()];
            for m in &members {
                for i in 0..FEATURE_DIM {
                    c[i] += m[i] / members.len() as f64;
                }
            }
        }
        Ok(Self { scaler, centroids })
    }

    /// Euclidean distance from the standardised features to each style's centroid, in
    /// [`Style::ALL`] order.
    pub fn distances(&self, features: &ProgressionFeatures) -> [f64; 4] {
        let z = self.scaler.transform(&features.concat());
        core::array::from_fn(|s| {
            z.iter()
                .zip(&self.centroids[s])
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        })
    }

    /// The style of the nearest centroid.
    pub fn classify_features(&self, features: &ProgressionFeatures) -> Style {
        let d = self.distances(features);
        let mut best = 0;
        for s in 1..4 {
            if d[s] < d[best] {
                best = s;
            }
        }
        Style::ALL[best]
    }

    /// The style of a chord sequence.
    pub fn classify(&self, chords: &[PcSet]) -> Style {
        self.classify_features(&ProgressionFeatures::of(chords))
    }
}

/// Held-out results: accuracy and the confusion matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// `confusion[true][predicted]`, styles in [`Style::ALL`] order.
    pub confusion: [[usize; 4]; 4],
    /// Training progressions.
    pub train: usize,
    /// Held-out progressions.
    pub test: usize,
}

impl Evaluation {
    /// Fraction of held-out progressions classified correctly, 0..=1.
    pub fn accuracy(&self) -> f64 {
        let correct: usize = (0..4).map(|i| self.confusion[i][i]).sum();
        correct as f64 / self.test.max(1) as f64
    }
}

impl fmt::Display for Evaluation {
    /// The confusion matrix as a text table, rows = true style, columns = predicted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "held-out accuracy {:.3} ({} train, {} test)",
            self.accuracy(),
            self.train,
            self.test
        )?;
        write!(f, "{:>10}", "true\\pred")?;
        for s in Style::ALL {
            write!(f, " {:>9}", s.name())?;
        }
        writeln!(f)?;
        for t in Style::ALL {
            write!(f, "{:>10}", t.name())?;
            for p in Style::ALL {
                write!(f, " {:>9}", self.confusion[t.index()][p.index()])?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Splits labelled progressions into (train, held-out), holding out
/// `round(held_out_fraction × n_style)` of each style, chosen by a seeded shuffle.
/// Unlabelled progressions are dropped.
pub fn split_stratified(
    corpus: &[Progression],
    held_out_fraction: f64,
    seed: u64,
) -> (Vec<Progression>, Vec<Progression>) {
    let fraction = if held_out_fraction.is_finite() {
        held_out_fraction.clamp(0.0, 1.0)
    } else {
        HELD_OUT_FRACTION
    };
    let mut rng = SplitMix64::new(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for style in Style::ALL {
        let mut members: Vec<&Progression> =
            corpus.iter().filter(|p| p.style == Some(style)).collect();
        // Fisher-Yates.
        for i in (1..members.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            members.swap(i, j);
        }
        let n_test = (fraction * members.len() as f64).round() as usize;
        for (i, p) in members.into_iter().enumerate() {
            if i < n_test {
                test.push(p.clone());
            } else {
                train.push(p.clone());
            }
        }
    }
    (train, test)
}

/// Trains on the training part of a stratified split of `corpus` and scores the
/// held-out part.
///
/// # Errors
/// [`HarmonyError::MissingStyle`] when the training part lacks a style.
pub fn evaluate(
    corpus: &[Progression],
    held_out_fraction: f64,
    seed: u64,
) -> Result<Evaluation, HarmonyError> {
    let (train, test) = split_stratified(corpus, held_out_fraction, seed);
    let model = StyleClassifier::train(&train)?;
    let mut confusion = [[0usize; 4]; 4];
    for p in &test {
        if let Some(truth) = p.style {
            let predicted = model.classify(&p.chords);
            confusion[truth.index()][predicted.index()] += 1;
        }
    }
    Ok(Evaluation {
        confusion,
        train: train.len(),
        test: test.len(),
    })
}

/// [`evaluate`] on the shipped corpus with the default 75/25 split and seed.
///
/// # Errors
/// Never in practice (the shipped corpus has every style).
pub fn evaluate_corpus() -> Result<Evaluation, HarmonyError> {
    evaluate(&super::corpus(), HELD_OUT_FRACTION, SPLIT_SEED)
}
