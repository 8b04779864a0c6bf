//! Wavecube's DSP: everything that computes, with no plugin, GUI or OS audio dependency.
//!
//! - [`cube`]: nodes, the cube grid, band-limited mip sets and the cube oscillator.
//! - [`synth`]: the polyphonic engine, voices, envelopes and LFOs.
//! - [`analysis`]: measurement of rendered audio (pitch, level, spurious energy).

pub mod analysis;
pub mod cube;
pub mod patch;
pub mod synth;
