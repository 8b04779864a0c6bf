//! Why a convolution, an image read or write, or a sculpt could not be done.

use std::path::PathBuf;

/// Everything the convolution library refuses or fails at, with what was wrong.
///
/// Every variant is a property of the caller's data or of a file; none is an internal
/// failure. The messages are one line, fit to print after a file name. Returned on the
/// caller's (non-real-time) thread; the real-time entry points
/// ([`PartitionedConvolver::process`](super::PartitionedConvolver::process),
/// [`SculptRenderer::render`](super::SculptRenderer::render)) never fail.
#[derive(Debug, thiserror::Error)]
pub enum ConvError {
    /// A kernel specification string that does not parse.
    #[error("bad kernel spec {spec:?}: {reason}")]
    BadKernelSpec {
        /// The text as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A name (size mode, normalisation, colour space, IR kind...) that is not known.
    #[error("unknown {what} {given:?} (expected one of: {expected})")]
    UnknownName {
        /// What kind of name it was ("size mode", "normalisation"...).
        what: &'static str,
        /// The text as given.
        given: String,
        /// The accepted names, comma separated.
        expected: &'static str,
    },
    /// An input with no samples or no pixels.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// Two inputs whose shapes cannot be combined.
    #[error("size mismatch: {0}")]
    SizeMismatch(String),
    /// A parameter outside its accepted range.
    #[error("{name} = {value} is out of range ({range})")]
    OutOfRange {
        /// The parameter's name.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// The accepted range, as text.
        range: &'static str,
    },
    /// A result (or an FFT buffer) larger than the library's caps
    /// ([`MAX_SAMPLES`](super::MAX_SAMPLES), [`MAX_IMAGE_SIDE`](super::MAX_IMAGE_SIDE)).
    #[error("{what} would be too large: {size} (limit {limit})")]
    TooLarge {
        /// What would be too large.
        what: &'static str,
        /// Its size, as text ("600000000 samples", "20000×300 pixels").
        size: String,
        /// The cap, as text.
        limit: String,
    },
    /// An image file that could not be opened or decoded.
    #[error("cannot read image {path}: {source}")]
    ImageRead {
        /// The file.
        path: PathBuf,
        /// What the decoder or the file system said.
        source: image::ImageError,
    },
    /// An image that could not be encoded or written.
    #[error("cannot write image {path}: {source}")]
    ImageWrite {
        /// The file.
        path: PathBuf,
        /// What the encoder or the file system said.
        source: image::ImageError,
    },
    /// An output file name whose extension names no supported format.
    #[error("cannot write image {path}: unsupported extension (use .png, .jpg, .jpeg or .bmp)")]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
    },
}
