//! Wavecube's DSP: everything that computes, with no plugin, GUI or OS audio dependency.
//!
//! - [`cube`]: nodes, the cube grid, band-limited mip sets and the cube oscillator.
//! - [`synth`]: the polyphonic engine, voices, envelopes and LFOs.
//! - [`bank`]: cube banks, the `.wcube` format and its node codecs.
//! - [`codec`]: the TQA codec, on files, on ring buffers and as a streaming stage.
//! - [`telemetry`]: fixed-size messages and output samples from the audio thread to the editor.
//! - [`analysis`]: measurement of rendered audio (pitch, level, spurious energy).
//! - [`wavelet`]: PyWavelets-equal DWT (batch, preallocated, streaming) and band features.
//! - [`harmony`]: OPTIC-K chord analysis, wavelet tension curve, phrase boundaries, style classifier.

pub mod analysis;
pub mod bank;
pub mod codec;
pub mod cube;
pub mod harmony;
pub mod patch;
pub mod synth;
pub mod telemetry;
pub mod wavelet;
