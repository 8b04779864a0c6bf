//! Wavecube's headless harness: render songs through the DSP engine, read and write WAV,
//! measure the results, and generate the demo song.
//!
//! - [`midi`] and [`notes`] turn a Standard MIDI File or a `--notes` list into a [`song::Song`].
//! - [`render`] plays a song through [`wavecube_dsp::synth::Engine`] block by block.
//! - [`wav`] writes f32/i24/i16 WAV and reads 8- to 32-bit integer and float WAV back.
//! - [`options`] checks the CLI's render options; [`error`] holds the typed errors.
//! - [`bank`] is `wavecube bank`: import wavetables into `.wcube` banks, export, inspect
//!   and convert them.
//! - [`tqa`] is `wavecube tqa`: the TQA codec on WAV and `.tqa` files, the
//!   fidelity comparison and audiotq's synthetic test signals.
//! - [`library`] is `wavecube library`: cube banks in an SQLite database (add, list, get,
//!   remove, and plain SQL over the `banks` and `wavetable_nodes` tables).
//! - [`demo`] generates `presets/demo/demo.mid`; [`presets`] defines the factory patches
//!   (`presets/patches/*.json`) and finds `--patch` files.
//! - [`wavelet`] is `wavecube wavelet`: PyWavelets-equal `wavedec`/`waverec` on numbers.
//!
//! The `wavecube` binary (`src/bin/wavecube.rs`) is the command line over these.

pub mod analyze;
pub mod bank;
pub mod bankref;
pub mod conv;
pub mod demo;
pub mod error;
pub mod library;
pub mod midi;
pub mod notes;
pub mod options;
pub mod patchinfo;
pub mod preset_cli;
pub mod presets;
pub mod render;
pub mod song;
pub mod text;
pub mod tqa;
pub mod wav;
pub mod wavelet;

pub use error::HarnessError;
