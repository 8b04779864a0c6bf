//! The codec stage in the plugin: TQA on the engine's mix, after the filter and before master
//! gain (the "quantised" colour), with its latency report and live SQNR.
//!
//! While the stage is on, the engine renders at unity gain (its safety clip, transparent up
//! to full scale, then bounds what the codec sees), the stage codes and decodes the mix, and
//! master gain and the safety clip follow, so the output stays finite and bounded. While it
//! is off, the engine applies master gain itself as before and the stage costs nothing.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use atomic_float::AtomicF32;
use wavecube_dsp::codec::tqa::{TqaConfig, TqaError, TqaStage};
use wavecube_dsp::synth::SafetyClip;

use crate::mapping::tqa_config;
use crate::params::CodecParams;

/// The codec stage and its state. Everything is allocated in [`CodecStage::new`]; the other
/// methods run on the audio thread and never allocate.
pub struct CodecStage {
    /// The dsp stage, stereo, with room for every block size.
    stage: TqaStage,
    /// The stage is in the signal path.
    on: bool,
    /// The settings the stage runs with (or will, when turned on).
    config: TqaConfig,
    /// Live SQNR, dB, for the editor. Written here (audio thread), read anywhere.
    sqnr_db: Arc<AtomicF32>,
}

impl CodecStage {
    /// A stereo stage, off, publishing its SQNR to `sqnr_db`.
    ///
    /// # Allocation
    /// Allocates the stage's rings, sized for blocks up to 4096 samples.
    ///
    /// # Errors
    /// Only if the codec refuses its default settings.
    pub fn new(sqnr_db: Arc<AtomicF32>) -> Result<Self, TqaError> {
        let config = TqaConfig::default();
        sqnr_db.store(f32::NAN, Ordering::Relaxed);
        Ok(Self {
            stage: TqaStage::new(&config, 2)?,
            on: false,
            config,
            sqnr_db,
        })
    }

    /// Follows the parameters: turning on, or changing bits or block size while on,
    /// restarts the stage with the new settings (its buffered audio is dropped: one block of
    /// silence follows). Returns the latency to report to the host, samples, if it changed.
    /// No allocation.
    pub fn follow(&mut self, params: &CodecParams) -> Option<u32> {
        let before = self.latency_samples();
        let on = params.enabled.value();
        let config = tqa_config(params.bits.value(), params.block_log2.value());
        // `tqa_config` only makes valid settings, and the stage holds every block size.
        if on && (!self.on || config != self.config) && self.stage.reconfigure(&config).is_ok() {
            self.config = config;
        }
        self.on = on;
        let after = self.latency_samples();
        (after != before).then_some(after)
    }

    /// The stage is in the signal path.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Latency to report to the host, samples: one block while on, 0 while off.
    pub fn latency_samples(&self) -> u32 {
        if self.on {
            self.config.block_size as u32
        } else {
            0
        }
    }

    /// Codes `left` and `right` in place (a piece rendered by the engine at unity gain),
    /// mixing `mix` (0..1) of the coded signal with the delayed dry one, then applies master
    /// gain `gain` (linear, 0..4) and the safety clip. Call only while on.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32], mix: f32, gain: f32) {
        debug_assert!(self.on);
        self.stage.process(&mut [&mut *left, &mut *right], mix);
        let gain = if gain.is_finite() {
            gain.clamp(0.0, 4.0)
        } else {
            1.0
        };
        for x in left.iter_mut().chain(right.iter_mut()) {
            *x = SafetyClip::tick(*x * gain);
        }
    }

    /// Publishes the live SQNR: the stage's decaying measure (dB) while on, +∞ while on but
    /// nothing audible was coded since it (re)started, NaN while off. One atomic store.
    pub fn publish(&self) {
        let value = if self.on {
            self.stage.sqnr_db() as f32
        } else {
            f32::NAN
        };
        self.sqnr_db.store(value, Ordering::Relaxed);
    }

    /// Clears the stage's buffered audio and its SQNR meter. No allocation.
    pub fn reset(&mut self) {
        self.stage.reset();
    }
}
