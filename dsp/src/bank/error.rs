use thiserror::Error;

/// Everything that can go wrong reading or writing a cube bank. Each message is one
/// line and, for file errors, names the node and the byte offset.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum BankError {
    /// The file does not start with the `.wcube` magic.
    #[error("not a .wcube file (bad magic)")]
    BadMagic,
    /// Written by an unknown format version.
    #[error("unsupported .wcube version {0} (this build reads version 1)")]
    UnsupportedVersion(u16),
    /// The file ends before a structure it announces.
    #[error(
        "truncated .wcube file: {what} needs {needed} bytes at offset {offset}, the file has {len}"
    )]
    Truncated {
        /// What was being read.
        what: String,
        /// Byte offset of the structure.
        offset: u64,
        /// Bytes it needs.
        needed: u64,
        /// File length.
        len: u64,
    },
    /// A checksum does not match.
    #[error("corrupt .wcube file: {what} at offset {offset} fails its CRC-32")]
    Crc {
        /// Which checksum.
        what: String,
        /// Byte offset of the checked bytes.
        offset: u64,
    },
    /// A header, metadata or table field is out of range.
    #[error("bad .wcube file at offset {offset}: {reason}")]
    Format {
        /// Byte offset of the field.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A size exceeds a hard cap (checked before allocating).
    #[error(".wcube file too large: {what} is {value}, the cap is {cap}")]
    TooLarge {
        /// Which size.
        what: &'static str,
        /// The file's value.
        value: u64,
        /// The cap.
        cap: u64,
    },
    /// A node's payload does not decode.
    #[error("bad node ({x}, {y}, {z}) payload at offset {offset}: {reason}")]
    Node {
        /// Node position.
        x: usize,
        /// Node position.
        y: usize,
        /// Node position.
        z: usize,
        /// Byte offset of the payload.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The cube cannot be written (empty, bad metadata, a codec failure).
    #[error("cannot write the bank: {0}")]
    Write(String),
}
