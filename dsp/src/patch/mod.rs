//! The patch: every sound setting as plain data, stored as versioned JSON.
//!
//! A [`Patch`] is metadata ([`PatchMeta`]) plus a [`Sound`] that mirrors
//! [`SynthParams`] field for field, with names that carry their units (`gain_db`,
//! `attack_ms`, `cutoff_hz`, ...). The plugin maps its parameters to it, the harness
//! renders from it and `presets/patches/` stores it. The format is specified in
//! `docs/formats/patch.md`.
//!
//! Loading ([`Patch::from_json`]) is strict: a wrong format tag, a version newer than
//! [`PATCH_VERSION`], a misspelt field, an unknown name, a non-finite or out-of-range
//! value each give a [`PatchError`] naming the field (`sound.filter.cutoff_hz`) and, where
//! the text has one, the line and column. Omitted fields take the engine's defaults.
//! Older versions are brought forward by [`migrate`] before decoding.
//!
//!
//! The module is split by concern: `data` holds the structs and their mapping to the
//! engine's parameters, `json` the file format and its migrations, `validate` the range
//! checks, [`ranges`] the sound contract (every setting's range, default and plugin id),
//! and `error` the typed errors.

mod data;
mod error;
mod fx;
pub mod fx_ranges;
mod json;
mod migrate_v4;
mod modulation;
pub mod ranges;
pub mod store;
mod validate;

pub use data::*;
pub use error::*;
pub use migrate_v4::routings_to_slots;
pub use modulation::*;

/// The `format` tag every patch file carries.
pub const PATCH_FORMAT: &str = "wavecube-patch";

/// The patch format version this build writes, and the newest it reads.
pub const PATCH_VERSION: u32 = 4;

/// Largest patch file accepted, bytes (a factory patch is about 2 KiB).
pub const MAX_PATCH_BYTES: usize = 1 << 20;

/// Largest user preset file accepted, bytes: a patch plus an embedded file bank (base64 makes
/// a `.wcube` a third larger; a factory bank is about 250 KB).
pub const MAX_PRESET_BYTES: usize = 256 << 20;

/// Lowest master gain a patch holds, dB (−96 dB: below 16-bit resolution).
pub const MIN_GAIN_DB: f32 = -96.0;

/// Highest master gain a patch holds, dB (+12 dB, just under the engine's linear 4).
pub const MAX_GAIN_DB: f32 = 12.0;

/// Resolution of `gain_db`, dB. Loading and [`Patch::from_params`] round to it, so a
/// patch survives the trip through the engine's linear gain exactly.
pub const GAIN_DB_STEP: f32 = 0.001;

/// Longest patch or author name, characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Longest description, characters.
pub const MAX_DESCRIPTION_CHARS: usize = 256;

/// Most tags on one patch.
pub const MAX_TAGS: usize = 16;

/// Longest tag, characters.
pub const MAX_TAG_CHARS: usize = 32;

/// The LFO shape names a patch writes, in [`LfoShape`] order. Reading also accepts every
/// name `LfoShape`'s `FromStr` does (`sin`, `tri`, `sqr`, `rand`, `s&h`, any case).
pub const LFO_SHAPE_NAMES: [&str; 5] = ["sine", "triangle", "saw", "square", "random"];

#[cfg(test)]
mod tests;
