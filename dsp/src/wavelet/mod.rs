//! Orthogonal discrete wavelet transforms equal to PyWavelets', batch and streaming.
//!
//! - [`Wavelet`]: `haar`, `db2`, `db4`, `db8`, `sym4`, with PyWavelets' coefficients.
//! - [`Mode`]: `periodization` (primary), `zero`, `symmetric`.
//! - [`dwt`]/[`idwt`] (one level) and [`wavedec`]/[`waverec`] (multi-level, coefficients
//!   `[cA_L, cD_L, …, cD_1]`), generic over [`Sample`] (`f64` or `f32`).
//! - [`WavedecPlan`]: preallocated periodization `wavedec` that never allocates in `run`.
//! - [`StreamingDwt`]: sample-by-sample DWT over a sliding window on ring buffers.
//! - [`BandMeter`]: per-band energies of f32 audio blocks, for the editor's meter.
//! - [`band_features`], [`energy_ratios`], [`dominant_band`]: per-band features.
//! - [`adaptive_levels`], [`dwt_max_level`]: level rules.
//!
//! `docs/wavelets.md` describes the semantics, the fixtures and the measured speed.

mod cascade;
mod dwt;
mod error;
mod family;
mod features;
mod meter;
mod mode;
mod plan;
mod sample;
mod streaming;
mod wavedec;

pub use dwt::{dwt, dwt_coeff_len, dwt_into, idwt, idwt_into, idwt_len};
pub use error::WaveletError;
pub use family::{Filter, Wavelet, MAX_FILTER_LEN};
pub use features::{
    band_features, dominant_band, energy_ratios, Band, BandFeatures, ScaleFeatures,
};
pub use meter::{BandMeter, MAX_METER_LEVELS};
pub use mode::Mode;
pub use plan::WavedecPlan;
pub use sample::Sample;
pub use streaming::{Coefficient, Pushed, StreamingDwt};
pub use wavedec::{
    adaptive_levels, dwt_max_level, periodization_max_level, wavedec, wavedec_unchecked, waverec,
};
