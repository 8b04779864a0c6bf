//! Typed errors of the importers and of arranging frames onto a cube.

use thiserror::Error;

use crate::cube::CubeError;

/// What can go wrong turning a file into cube frames. Each message is one line; errors in
/// a file's structure name the byte offset where the problem is.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ImportError {
    /// The bytes end before a structure they announce.
    #[error("truncated: {what} at byte {offset} needs {needed} bytes, only {available} remain")]
    Truncated {
        /// What was being read, e.g. "data chunk".
        what: &'static str,
        /// Byte offset of the structure.
        offset: usize,
        /// Bytes it needs.
        needed: u64,
        /// Bytes left from `offset` to the end.
        available: usize,
    },
    /// A field holds a value the format does not allow.
    #[error("bad {what} at byte {offset}: {reason}")]
    Malformed {
        /// Which structure, e.g. "fmt chunk".
        what: &'static str,
        /// Byte offset of the field.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// A valid file in a sample format the importers do not read.
    #[error("unsupported {what} at byte {offset}: {reason}")]
    Unsupported {
        /// Which structure, e.g. "WAV format".
        what: &'static str,
        /// Byte offset of the field.
        offset: usize,
        /// What is not supported.
        reason: String,
    },
    /// A size beyond a hard cap, checked before allocating.
    #[error("{what} is {value}, more than the cap of {cap}")]
    TooLarge {
        /// Which size, with its unit, e.g. "frame length (samples)".
        what: &'static str,
        /// The file's value.
        value: u64,
        /// The cap.
        cap: u64,
    },
    /// A size below what a single-cycle frame needs.
    #[error("{what} is {value}, less than the minimum of {min}")]
    TooSmall {
        /// Which size, with its unit.
        what: &'static str,
        /// The file's value.
        value: u64,
        /// The minimum.
        min: u64,
    },
    /// A sample that is NaN or infinite.
    #[error("sample at byte {offset} is not finite")]
    NonFinite {
        /// Byte offset of the sample (for base64 data: in the decoded bytes).
        offset: usize,
    },
    /// The audio holds less than one whole frame.
    #[error("no complete frame: {samples} samples per channel, frames of {frame_len} samples")]
    NoFrames {
        /// Samples per channel in the file.
        samples: usize,
        /// Frame length in use, samples.
        frame_len: usize,
    },
    /// A decoded frame does not make a valid node (e.g. it overflows to infinity).
    #[error("frame {index}: {source}")]
    Frame {
        /// Index of the frame in the file, from 0.
        index: usize,
        /// Why the node was refused.
        source: CubeError,
    },
    /// A problem in one file of a folder.
    #[error("{file}: {source}")]
    InFile {
        /// The file's name.
        file: String,
        /// What went wrong in it.
        source: Box<ImportError>,
    },
    /// The bytes match no format the importers know.
    #[error("unrecognised file format: {reason}")]
    UnknownFormat {
        /// What was looked for.
        reason: String,
    },
    /// Malformed JSON (a `.vitaltable` or `.vital` preset).
    #[error("bad JSON at line {line}, column {column}: {reason}")]
    Json {
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1.
        column: usize,
        /// What the parser found.
        reason: String,
    },
    /// Valid JSON whose content is not a Vital table or preset the importer reads.
    #[error("bad Vital file: {reason}")]
    Vital {
        /// What is wrong, naming the group, component and keyframe.
        reason: String,
    },
    /// An image that cannot be decoded.
    #[error("bad image: {reason}")]
    Image {
        /// The decoder's message.
        reason: String,
    },
    /// An option the importer cannot use, e.g. a frame size out of range.
    #[error("{option}: {reason}")]
    Option {
        /// The option as the CLI spells it, e.g. "--frame-size".
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The frames do not fit the requested layout.
    #[error("cannot arrange {frames} frames: {reason}")]
    Layout {
        /// Number of frames.
        frames: usize,
        /// Why, with a suggestion.
        reason: String,
    },
    /// Nothing to arrange.
    #[error("no frames to arrange")]
    Empty,
}

impl ImportError {
    /// This error, said to be in file `file`.
    pub fn in_file(self, file: &str) -> Self {
        Self::InFile {
            file: file.to_owned(),
            source: Box::new(self),
        }
    }
}

/// A [`ImportError::Truncated`] unless `needed` bytes remain at `offset` of `len`.
pub(super) fn need(
    what: &'static str,
    offset: usize,
    needed: u64,
    len: usize,
) -> Result<(), ImportError> {
    let available = len.saturating_sub(offset);
    if needed > available as u64 {
        return Err(ImportError::Truncated {
            what,
            offset,
            needed,
            available,
        });
    }
    Ok(())
}
