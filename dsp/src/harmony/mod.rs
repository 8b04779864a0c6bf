//! Harmony analysis: OPTIC-K pitch-class spectra of the held chords, their derived
//! signals decomposed with the DWT, a tension curve, phrase boundaries, progression
//! similarity and a style classifier. `docs/harmony.md` gives every definition and the
//! measured numbers.
//!
//! - [`Analyzer`] (audio thread): held notes → debounced [`ChordEvent`]s with
//!   organisation, magnetism, velocity, drift, key distance, detail energy, tension and
//!   boundaries; no allocation after [`Analyzer::new`].
//! - [`ChordWindow`]: the same analysis on a plain sequence of chords.
//! - [`analyze_notes`] / [`analyze_sets`]: the analyser over a whole note list (CLI).
//! - [`PcSpectrum`], [`theta`]: the pitch-class DFT, Ŝ, entropy and angles.
//! - [`chord_name`] / [`parse_chord_symbol`]: chord symbols for the editor and files.
//! - [`Progression`], [`parse_progression`]: the progression text format.
//! - [`corpus`], [`corpus_files`]: the labelled, generated progression corpus.
//! - [`StyleClassifier`], [`evaluate`]: nearest-centroid style classification.
//! - [`Similarity`]: progression similarity on chord and wavelet features.

mod analyzer;
mod batch;
mod chord_window;
mod classifier;
mod corpus;
mod error;
mod features;
mod name;
mod pcset;
mod progression;
mod similarity;
mod spectrum;
mod tension;

pub use analyzer::{
    Analyzer, AnalyzerConfig, ChordEvent, DEFAULT_DEBOUNCE_MS, FALLBACK_SAMPLE_RATE_HZ,
    MAX_DEBOUNCE_MS,
};
pub use batch::{analyze_notes, analyze_sets, Analysis, NoteChange};
pub use chord_window::{
    AnalysisMode, ChordFeatures, ChordWindow, EventBands, Signal, WindowUpdate, BOUNDARY_THRESHOLD,
    DEFAULT_WINDOW, DETAIL_FLOOR, DETAIL_FLOOR_LIVE, MAX_LEVELS, MAX_WINDOW, SIGNALS,
};
pub use classifier::{
    evaluate, evaluate_corpus, split_stratified, Evaluation, FeatureScaler, StyleClassifier,
    HELD_OUT_FRACTION, SPLIT_SEED,
};
pub use corpus::{
    corpus, corpus_files, generate_corpus, CORPUS_PER_STYLE, CORPUS_SEED, MAX_LEN, MIN_LEN,
};
pub use error::HarmonyError;
pub use features::{
    cosine, ProgressionFeatures, CHORD_DIM, CHORD_FEATURES, FEATURE_DIM, WAVELET_DIM,
};
pub use name::{chord_name, parse_chord_symbol, ChordName, Template, CHORD_NAME_CAP, TEMPLATES};
pub use pcset::PcSet;
pub use progression::{parse_progression, Progression, Style};
pub use similarity::{Similarity, SimilarityWeights};
pub use spectrum::{theta, theta_sets, PcSpectrum, MAX_MAGNETISM};
pub use tension::{TensionTerms, TensionWeights};

/// Most chords [`parse_progression`] accepts in one text.
pub const MAX_PROGRESSION: usize = 4096;
