//! [`HarmonyError`]: everything that can go wrong reading a progression or training a classifier.

use thiserror::Error;

/// Errors of the harmony subsystem. Each message is one line and names the 1-based line
/// of the progression text where there is one.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HarmonyError {
    /// A chord line is neither a chord symbol this parser knows nor a pitch-class list.
    #[error("line {line}: unknown chord symbol {text:?}")]
    UnknownChord {
        /// 1-based line number.
        line: usize,
        /// The offending text.
        text: String,
    },
    /// A pitch-class list holds something other than integers 0..=11 (or `t`, `e`).
    #[error("line {line}: bad pitch class {text:?} (expected 0..=11, t or e)")]
    BadPitchClass {
        /// 1-based line number.
        line: usize,
        /// The offending token.
        text: String,
    },
    /// A pitch-class list is empty (`[]`); a rest is not a chord.
    #[error("line {line}: empty chord")]
    EmptyChord {
        /// 1-based line number.
        line: usize,
    },
    /// The `style:` header names no known style.
    #[error("line {line}: unknown style {text:?} (expected jazz, classical, rock or atonal)")]
    UnknownStyle {
        /// 1-based line number.
        line: usize,
        /// The offending text.
        text: String,
    },
    /// A header key this format does not define.
    #[error("line {line}: unknown header key {key:?} (expected version, style or name)")]
    UnknownKey {
        /// 1-based line number.
        line: usize,
        /// The key.
        key: String,
    },
    /// A header key given twice.
    #[error("line {line}: header key {key:?} given twice")]
    DuplicateKey {
        /// 1-based line number.
        line: usize,
        /// The key.
        key: String,
    },
    /// A header line after the first chord.
    #[error("line {line}: header line after the first chord")]
    HeaderAfterChords {
        /// 1-based line number.
        line: usize,
    },
    /// A format version this build does not read.
    #[error("line {line}: unsupported progression format version {text:?} (this build reads 1)")]
    UnsupportedVersion {
        /// 1-based line number.
        line: usize,
        /// The version as written.
        text: String,
    },
    /// The text holds no chord.
    #[error("progression has no chords")]
    EmptyProgression,
    /// The text holds more chords than [`MAX_PROGRESSION`](super::MAX_PROGRESSION).
    #[error("progression has more than {cap} chords")]
    TooLong {
        /// The cap.
        cap: usize,
    },
    /// A classifier was asked to train without an example of every style.
    #[error("training set has no {style} progression")]
    MissingStyle {
        /// The style's name.
        style: &'static str,
    },
}
