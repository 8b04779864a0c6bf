//! The typed errors of reading a patch, with the field path and place in the text.

use thiserror::Error;

/// A line and column in a patch file, both counted from 1 (columns in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, in bytes.
    pub column: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What is wrong with a piece of metadata text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TextProblem {
    /// Required but empty or only spaces.
    #[error("is empty")]
    Empty,
    /// Longer than allowed.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The limit, characters.
        max: usize,
    },
    /// Holds a control character (a newline, a tab, ...): metadata is one line.
    #[error("contains a control character (newline, tab, ...)")]
    Control,
}

/// Why a patch could not be read. Each names the field (as a path such as
/// `sound.lfos[1].rate_hz`) or the place in the text.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PatchError {
    /// The text is longer than [`MAX_PATCH_BYTES`](super::MAX_PATCH_BYTES).
    #[error("the file is {bytes} bytes, more than the {max}-byte limit of a patch")]
    TooLarge {
        /// Its length, bytes.
        bytes: usize,
        /// The limit, bytes.
        max: usize,
    },
    /// Not JSON at all.
    #[error("not valid JSON at {at}: {message}")]
    Syntax {
        /// Where the parser stopped.
        at: Position,
        /// The parser's message.
        message: String,
    },
    /// The document is JSON but not an object.
    #[error("a patch is a JSON object, not {found}")]
    NotAnObject {
        /// What it is instead (`an array`, `a number`, ...).
        found: &'static str,
    },
    /// `format` is missing or is not [`PATCH_FORMAT`](super::PATCH_FORMAT).
    #[error("not a Wavecube patch: \"format\" is {found}, expected \"wavecube-patch\"")]
    Format {
        /// The value found (JSON, shortened), or `missing`.
        found: String,
    },
    /// `version` is newer than this build reads.
    #[error("patch version {found} is newer than this Wavecube reads (up to {supported}); update Wavecube")]
    UnsupportedVersion {
        /// The file's version.
        found: u64,
        /// The newest version this build reads, [`PATCH_VERSION`](super::PATCH_VERSION).
        supported: u32,
    },
    /// `version` is missing or not a whole number from 1.
    #[error("\"version\" is {found}, expected a whole number from 1")]
    InvalidVersion {
        /// The value found (JSON, shortened), or `missing`.
        found: String,
    },
    /// A field that the format does not have (often a misspelling).
    #[error("{path}: unknown field (expected {expected}){}", at_suffix(.at))]
    UnknownField {
        /// Path of the unknown field.
        path: String,
        /// The fields allowed there, comma-separated.
        expected: String,
        /// Where, when decoded from text.
        at: Option<Position>,
    },
    /// A name that is not one of the field's choices (an LFO shape, a filter mode, ...).
    #[error("{path}: unknown name \"{found}\" (expected {expected}){}", at_suffix(.at))]
    UnknownName {
        /// Path of the field.
        path: String,
        /// The name given.
        found: String,
        /// The names allowed, comma-separated.
        expected: String,
        /// Where, when decoded from text.
        at: Option<Position>,
    },
    /// A value of the wrong type or shape (text for a number, two morph values, four LFOs).
    #[error("{path}: {message}{}", at_suffix(.at))]
    Schema {
        /// Path of the field.
        path: String,
        /// The decoder's message.
        message: String,
        /// Where, when decoded from text.
        at: Option<Position>,
    },
    /// A number too large for its field, or NaN or infinite.
    #[error("{path}: not a finite number")]
    NotFinite {
        /// Path of the field.
        path: String,
    },
    /// A number outside its field's range.
    #[error("{path}: {} is outside {} to {}", with_unit(*.value, .unit), with_unit(*.min, .unit), with_unit(*.max, .unit))]
    OutOfRange {
        /// Path of the field.
        path: String,
        /// The value given.
        value: f32,
        /// Lowest allowed.
        min: f32,
        /// Highest allowed.
        max: f32,
        /// The field's unit (`ms`, `Hz`, `dB`, ...), empty for a plain number.
        unit: &'static str,
    },
    /// Metadata text that is empty, too long or not one line.
    #[error("{path}: {problem}")]
    Text {
        /// Path of the field.
        path: String,
        /// What is wrong.
        problem: TextProblem,
    },
    /// A list with too many entries.
    #[error("{path}: {found} entries, at most {max} allowed")]
    TooMany {
        /// Path of the list.
        path: String,
        /// Entries given.
        found: usize,
        /// The limit.
        max: usize,
    },
}

impl PatchError {
    /// The field path the error names, if it names one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::UnknownField { path, .. }
            | Self::UnknownName { path, .. }
            | Self::Schema { path, .. }
            | Self::NotFinite { path }
            | Self::OutOfRange { path, .. }
            | Self::Text { path, .. }
            | Self::TooMany { path, .. } => Some(path),
            _ => None,
        }
    }
}

fn at_suffix(at: &Option<Position>) -> String {
    at.map(|p| format!(" at {p}")).unwrap_or_default()
}

fn with_unit(value: f32, unit: &str) -> String {
    if unit.is_empty() {
        value.to_string()
    } else {
        format!("{value} {unit}")
    }
}
