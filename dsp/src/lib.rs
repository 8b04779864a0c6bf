//! Wavecube's DSP: everything that computes, with no plugin, GUI or OS audio dependency.
//!
//! - [`cube`]: nodes, the cube grid, band-limited mip sets and the cube oscillator.
//! - [`synth`]: the polyphonic engine, voices, envelopes and LFOs.
//! - [`bank`]: cube banks, the `.wcube` format and its node codecs.
//! - [`codec`]: the TQA codec, on files, on ring buffers and as a streaming stage.
//! - [`conv`]: FFT convolution of sound and images, spectral sculpting, a zero-latency partitioned convolver and factory IRs.
//! - [`fx`]: the stereo effects of the rack (chorus, phaser/flanger, delay, reverb, distortion, EQ, compressor).
//! - [`folders`]: where the user's files live (presets, trash, banks, captures, library).
//! - [`handoff`]: the lock-free handoff of built objects to the audio thread and back.
//! - [`telemetry`]: fixed-size messages and output samples from the audio thread to the editor.
//! - [`analysis`]: measurement of rendered audio (pitch, level, spurious energy).
//! - [`wavelet`]: PyWavelets-equal DWT (batch, preallocated, streaming) and band features.
//! - [`harmony`]: OPTIC-K chord analysis, wavelet tension curve, phrase boundaries, style classifier.

pub mod analysis;
pub mod bank;
pub mod codec;
pub mod conv;
pub mod cube;
pub mod folders;
pub mod fx;
pub mod handoff;
pub mod harmony;
pub mod modulation;
pub mod patch;
pub mod synth;
pub mod telemetry;
pub mod wavelet;
