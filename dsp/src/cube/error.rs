//! Typed errors of the cube subsystem.

use thiserror::Error;

/// What can go wrong when building or reading a cube.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CubeError {
    /// A frame's length is not a power of two from 64 to 8192 samples.
    #[error("frame length {len} is not a power of two from 64 to 8192 samples")]
    BadLength {
        /// The rejected length, in samples.
        len: usize,
    },
    /// The two channels of a stereo frame have different lengths.
    #[error("stereo channels differ in length: left {left}, right {right} samples")]
    ChannelMismatch {
        /// Left channel length, in samples.
        left: usize,
        /// Right channel length, in samples.
        right: usize,
    },
    /// A frame holds a NaN or an infinity.
    #[error("frame sample {index} is not finite")]
    NonFinite {
        /// Index of the first bad sample.
        index: usize,
    },
    /// A cube side is outside 1..=16.
    #[error("cube side {side} is outside 1..=16")]
    BadSide {
        /// The rejected side length, in nodes.
        side: usize,
    },
    /// A grid position lies outside the cube.
    #[error("position ({x}, {y}, {z}) is outside the {w}×{h}×{d} cube")]
    OutOfBounds {
        /// Requested x index.
        x: usize,
        /// Requested y index.
        y: usize,
        /// Requested z index.
        z: usize,
        /// Cube width (x side).
        w: usize,
        /// Cube height (y side).
        h: usize,
        /// Cube depth (z side).
        d: usize,
    },
    /// All eight corners around the sampled point are empty.
    #[error("all corner nodes around ({x:.3}, {y:.3}, {z:.3}) are empty")]
    EmptyCorners {
        /// Grid x coordinate that was sampled.
        x: f32,
        /// Grid y coordinate that was sampled.
        y: f32,
        /// Grid z coordinate that was sampled.
        z: f32,
    },
    /// A sampling coordinate is NaN.
    #[error("sampling coordinate is not a number")]
    NanCoordinate,
    /// The cube has no nodes at all.
    #[error("the cube has no nodes")]
    EmptyCube,
}
