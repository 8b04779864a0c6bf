//! The wavetable cube: nodes, the W×H×D grid, band-limited mip sets and the cube oscillator.
//!
//! A [`Node`] is one single-cycle frame. A [`Cube`] places up to 16×16×16 optional nodes on a
//! grid. [`sample_frame`] blends the nodes around a grid point, as the CLI and the editor see
//! it. [`CubeSet`] is the cube prepared for playback: every node band-limited per octave
//! ([`MipLevels`]) and prefiltered for the [`bspline`] interpolator. [`CubeOsc`] reads a
//! `CubeSet` at a per-sample morph point.

mod bspline;
mod cubeset;
mod decimator;
mod error;
mod factory;
mod frame;
mod grid;
mod mips;
mod node;
mod osc;

pub use bspline::{bspline7_response, bspline7_weights, BSPLINE_TAPS};
pub use cubeset::{CellCorners, CubeSet, CubeStats};
pub use decimator::{Decimator, DECIMATOR_LATENCY, DECIMATOR_PASS, DECIMATOR_TAPS};
pub use error::CubeError;
pub use factory::{factory_cube, FACTORY_NODE_LEN};
pub use frame::{resample_cycle, sample_batch, sample_frame};
pub use grid::{BankMeta, Cube, AXIS_COUNT, MAX_SIDE};
pub use mips::{LevelPick, MipLevels};
pub use node::{Node, MAX_NODE_LEN, MIN_NODE_LEN};
pub use osc::{BlendCache, CubeOsc, MorphBuffers, OscScratch, Pan};
