//! Codecs: pure, deterministic, seeded functions over `&[f32]` and `&[u8]`.
//!
//! - [`tqa`]: the TQA codec — random-sign Walsh-Hadamard rotation, block
//!   standardisation and a Lloyd-Max codebook for N(0, 1) — on files, on
//!   ring buffers, and as the plugin's "quantised" colour stage.

pub mod tqa;
