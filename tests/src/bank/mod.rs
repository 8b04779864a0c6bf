//! `wavecube bank`: cube banks on files — import wavetables from other tools, export a
//! bank for them, inspect and convert `.wcube` files.
//!
//! - [`args`]: the options as clap parses them (their docs are the `--help`);
//! - [`commands`]: what each command does and the report it prints.
//!
//! The importers and exporters themselves are pure functions in
//! [`wavecube_dsp::bank::import`] and [`wavecube_dsp::bank::export`]; this module reads
//! and writes the files and shows progress.

pub mod args;
pub mod commands;

pub use args::BankArgs;
pub use commands::run_bank;
