//! The typed error of the wavelet subsystem.

use thiserror::Error;

/// Why a wavelet transform, or a name given for one, was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WaveletError {
    /// A wavelet name that is not one of the PyWavelets names this crate has.
    #[error("unknown wavelet \"{0}\" (use haar, db2, db4, db8 or sym4)")]
    UnknownWavelet(String),
    /// A signal-extension mode name that is not one of the supported modes.
    #[error("unknown mode \"{0}\" (use periodization, zero or symmetric)")]
    UnknownMode(String),
    /// The signal (or a coefficient array) holds no samples.
    #[error("the signal is empty")]
    EmptyInput,
    /// More levels than [`dwt_max_level`](super::dwt_max_level) allows: every coefficient
    /// of the deepest level would feel the boundary. PyWavelets only warns here
    /// ("Level value of L is too high"); this crate refuses.
    #[error(
        "level {level} is too high for {len} samples with {wavelet} (at most {max_level}: \
         deeper coefficients are all boundary effects)"
    )]
    LevelTooHigh {
        /// The level asked for.
        level: usize,
        /// The highest level allowed for this length and filter.
        max_level: usize,
        /// Signal length, samples.
        len: usize,
        /// The wavelet's PyWavelets name.
        wavelet: &'static str,
    },
    /// `waverec` was given no coefficient arrays at all.
    #[error("no coefficient arrays to reconstruct from")]
    NoCoefficients,
    /// An approximation and a detail array whose lengths do not pair up.
    #[error(
        "coefficient array {index} holds {detail_len} values but the approximation it pairs \
         with holds {approx_len} (they must be equal, or the approximation one longer)"
    )]
    LengthMismatch {
        /// Position of the detail array in the coefficient list (0 = `cA_L`).
        index: usize,
        /// Length of the approximation at that step.
        approx_len: usize,
        /// Length of the detail array.
        detail_len: usize,
    },
    /// Coefficient arrays too short for this filter to reconstruct a sample from
    /// (modes `zero` and `symmetric` give `2 * len - filter_len + 2` samples).
    #[error(
        "{len} coefficients are too few to reconstruct with a {filter_len}-tap filter in mode {mode}"
    )]
    TooFewCoefficients {
        /// Coefficients per array.
        len: usize,
        /// Taps of the wavelet's filters.
        filter_len: usize,
        /// The mode's name.
        mode: &'static str,
    },
    /// A streaming window or meter frame that is not a positive multiple of `2^levels`
    /// samples, or a level count of 0.
    #[error(
        "a window of {window} samples with {levels} levels: the window must be a positive \
         multiple of 2^levels and levels at least 1"
    )]
    InvalidWindow {
        /// The window or frame length asked for, samples.
        window: usize,
        /// The levels asked for.
        levels: usize,
    },
}
