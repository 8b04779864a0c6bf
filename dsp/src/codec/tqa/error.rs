use thiserror::Error;

/// Everything that can go wrong encoding or decoding TQA. Each message is one line.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TqaError {
    /// A configuration value is out of range.
    #[error("invalid TQA setting: {0}")]
    Config(String),
    /// The input to the encoder is unusable.
    #[error("invalid TQA input: {0}")]
    Input(String),
    /// The stream does not start with the TQA magic.
    #[error("not a TQA stream (bad magic)")]
    BadMagic,
    /// The stream was written by an unknown format version.
    #[error("unsupported TQA stream version {0} (this build reads version 1)")]
    UnsupportedVersion(u16),
    /// The stream ends before a structure it announces.
    #[error(
        "truncated TQA stream: {what} needs {needed} bytes at offset {offset}, {available} remain"
    )]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Byte offset of the structure.
        offset: usize,
        /// Bytes it needs.
        needed: usize,
        /// Bytes that remain.
        available: usize,
    },
    /// A checksum does not match: the stream is corrupt.
    #[error("corrupt TQA stream: {what} CRC-32 is {found:08x}, expected {expected:08x}")]
    Crc {
        /// Which checksum.
        what: &'static str,
        /// Stored value.
        expected: u32,
        /// Computed value.
        found: u32,
    },
    /// A header field is outside what this format allows.
    #[error("bad TQA header: {0}")]
    Header(String),
    /// A size exceeds a hard cap (checked before allocating).
    #[error("TQA stream too large: {what} is {value}, the cap is {cap}")]
    TooLarge {
        /// Which size.
        what: &'static str,
        /// The stream's value.
        value: u64,
        /// The cap.
        cap: u64,
    },
    /// A block record is malformed.
    #[error("bad TQA block {block} (channel {channel}): {reason}")]
    BadBlock {
        /// Block number, from 0.
        block: u64,
        /// Channel, from 0.
        channel: u16,
        /// What is wrong.
        reason: &'static str,
    },
    /// Bytes remain after the last block.
    #[error("bad TQA stream: {0} bytes after the last block")]
    TrailingBytes(usize),
    /// A streaming packet's ring has no room.
    #[error("TQA ring full: {needed} frames needed, {vacant} free")]
    RingFull {
        /// Frames the packet holds.
        needed: usize,
        /// Frames free in the ring.
        vacant: usize,
    },
}
