//! Measurement of rendered audio: pitch, level, spurious energy, clicks and fidelity.
//!
//! These are the instruments the tests use to hold the synth to numbers
//! (spec test 4 and friends). Everything runs in f64 off the audio thread and
//! allocates freely.
//!
//! - [`measure_tone`]: fundamental (to well under 0.05 cent), RMS, peak and
//!   spurious-to-harmonic power of a tone.
//! - [`tone_amplitude`]: amplitude of one sinusoidal component.
//! - [`WindowedSegment`]: the Kaiser-windowed segment behind both, for many
//!   probes of one signal.
//! - [`compare()`]: how closely a processed signal follows its reference (MSE,
//!   SQNR, correlation, peak and envelope).
//! - [`kaiser_window`], [`max_abs_step`], [`peak`], [`rms`], [`amplitude_to_dbfs`].

mod compare;
mod error;
mod kaiser;
mod level;
mod segment;
mod tone;

pub use compare::{compare, CompareReport, ENVELOPE_WINDOW_S};
pub use error::AnalysisError;
pub use kaiser::{bessel_i0, kaiser_window};
pub use level::{amplitude_to_dbfs, max_abs_step, peak, rms};
pub use segment::{WindowedSegment, KAISER_BETA, MIN_ANALYSIS_LEN};
pub use tone::{
    measure_tone, tone_amplitude, ToneReport, HARMONIC_HALF_WIDTH_BINS, MAX_SUBHARMONIC,
    SPURIOUS_FLOOR_DB, SUBHARMONIC_RANGE_DB,
};
