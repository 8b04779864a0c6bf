//! `wavecube tqa`: the TQA codec on files — encode, decode, round trip, compare, simulate.
//!
//! The commands mirror audiotq's `audio_cli.py` (`run`, `compare`) and
//! `main.py` (the synthetic signals) over [`wavecube_dsp::codec::tqa`]:
//!
//! - [`args`]: the options as clap parses them (their docs are the `--help`);
//! - [`commands`]: what each command does and the report it prints;
//! - [`signal`]: the synthetic test signals of `tqa simulate`, with their
//!   seeded random stream.

pub mod args;
pub mod commands;
pub mod signal;

pub use args::{expand_audiotq_flags, TqaArgs};
pub use commands::run_tqa;
