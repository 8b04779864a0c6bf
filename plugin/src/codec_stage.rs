//! The codec stage in the plugin: TQA on the engine's mix, after the filter and before master
//! gain (the "quantised" colour), with its latency report and live SQNR.
//!
//! # Latency
//!
//! The stage delays by one block while on. How a change reaches the host depends on the
//! format ([`LatencyRule`]): CLAP allows the latency to change only inside `activate`, so under
//! [`LatencyRule::AtActivate`] the stage keeps the latency it had at activation (turning off
//! passes the delayed dry signal, turning on or a new block size waits) and asks for a
//! restart; the next `activate` applies the settings and reports the new latency. VST3
//! (nice-plug turns a latency report into `restartComponent` on the GUI thread) and the
//! standalone follow at once ([`LatencyRule::Live`]).
//!
//! While the stage is on, the engine renders at unity gain (its safety clip, transparent up
//! to full scale, then bounds what the codec sees), the stage codes and decodes the mix, and
//! master gain and the safety clip follow, so the output stays finite and bounded. While it
//! is off, the engine applies master gain itself as before and the stage costs nothing.
//!
//! # Modulated bits
//!
//! The matrix's [`Destination::FxCodecBits`](wavecube_dsp::modulation::Destination) adds
//! bits to the bits parameter ([`CodecStage::modulate_bits`], once per engine call): the sum
//! is rounded to whole bits in the codec's range ([`modulated_bits`]) and, when that whole
//! number changes, the stage switches with [`TqaStage::set_bits`]: from the next codec block,
//! with no gap and no restart (the latency stays). A bits change from the parameter itself
//! still restarts the stage (see [`CodecStage::follow`]).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use atomic_float::AtomicF32;
use wavecube_dsp::codec::tqa::{modulated_bits, TqaConfig, TqaError, TqaStage};
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
    /// The settings the parameters ask for (or will, when turned on); the stage's bits may
    /// differ by the matrix's offset ([`CodecStage::modulate_bits`]).
    config: TqaConfig,
    /// Live SQNR, dB, for the editor. Written here (audio thread), read anywhere.
    sqnr_db: Arc<AtomicF32>,
    /// In the path but switched off, waiting for a restart: passes the dry signal delayed by
    /// the latency the host knows.
    draining: bool,
    /// A restart was asked for since the last activation.
    restart_asked: bool,
}

/// How a latency change reaches the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyRule {
    /// The latency changes only at activation: a change of the switch or the block size
    /// while active waits for the restart [`CodecStage::follow`] asks for (CLAP).
    AtActivate,
    /// The stage follows the parameters at once and reports the new latency (VST3, where
    /// nice-plug routes the report through `restartComponent`; the standalone).
    Live,
}

/// What [`CodecStage::follow`] asks of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyChange {
    /// Nothing: the latency the host knows is the stage's.
    None,
    /// Report this latency, samples ([`LatencyRule::Live`]).
    Report(u32),
    /// Ask the host for a restart: the settings want another latency, which the next
    /// `activate` will apply and report ([`LatencyRule::AtActivate`]; asked once per
    /// activation).
    Restart,
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
            draining: false,
            restart_asked: false,
        })
    }

    /// Takes the parameters as they are, for `activate`: returns the latency to report,
    /// samples. No allocation.
    pub fn activate(&mut self, params: &CodecParams) -> u32 {
        self.draining = false;
        self.restart_asked = false;
        self.follow(params, LatencyRule::Live);
        self.latency_samples()
    }

    /// Follows the parameters. Under [`LatencyRule::Live`], turning on, or changing bits or
    /// block size while on, restarts the stage with the new settings (its buffered audio is
    /// dropped: one block of silence follows). Under [`LatencyRule::AtActivate`] only changes
    /// that keep the latency apply at once (bits); turning off passes the delayed dry signal,
    /// and turning on or a new block size waits, until the restart this asks for.
    /// No allocation.
    pub fn follow(&mut self, params: &CodecParams, rule: LatencyRule) -> LatencyChange {
        let on = params.enabled.value();
        let config = tqa_config(params.bits.value(), params.block_log2.value());
        match rule {
            LatencyRule::Live => {
                let before = self.latency_samples();
                self.draining = false;
                // `tqa_config` only makes valid settings, and the stage holds every block size.
                if on
                    && (!self.on || config != self.config)
                    && self.stage.reconfigure(&config).is_ok()
                {
                    self.config = config;
                }
                self.on = on;
                let after = self.latency_samples();
                if after == before {
                    LatencyChange::None
                } else {
                    LatencyChange::Report(after)
                }
            }
            LatencyRule::AtActivate => {
                if self.on
                    && on
                    && config.block_size == self.config.block_size
                    && config != self.config
                    && self.stage.reconfigure(&config).is_ok()
                {
                    self.config = config;
                }
                self.draining = self.on && !on;
                let wanted = if on { config.block_size as u32 } else { 0 };
                if wanted != self.latency_samples() && !self.restart_asked {
                    self.restart_asked = true;
                    LatencyChange::Restart
                } else {
                    LatencyChange::None
                }
            }
        }
    }

    /// The stage is switched off but stays in the path until the restart, passing the dry
    /// signal delayed by its latency.
    pub fn is_draining(&self) -> bool {
        self.draining
    }

    /// The stage is in the signal path.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Moves the stage's bits by `offset_bits` (the matrix's `fx_codec_bits` offset, bits)
    /// from the parameter's bits, rounded to whole bits in the codec's range
    /// ([`modulated_bits`]). The stage switches only when the whole number changes, from its
    /// next block, without a gap ([`TqaStage::set_bits`]). Call before [`CodecStage::process`]
    /// with each engine call's offsets. No allocation, no lock.
    pub fn modulate_bits(&mut self, offset_bits: f32) {
        if self.on {
            self.stage
                .set_bits(modulated_bits(self.config.bits, offset_bits));
        }
    }

    /// The bits per coefficient the stage codes with now (the parameter's, moved by the
    /// matrix).
    pub fn bits(&self) -> u8 {
        self.stage.config().bits
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
    /// mixing `mix` (0..1) of the coded signal with the delayed dry one (0 while draining),
    /// then applies master gain `gain` (linear, 0..4) and the safety clip. Call only while on.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32], mix: f32, gain: f32) {
        debug_assert!(self.on);
        let mix = if self.draining { 0.0 } else { mix };
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
    /// nothing audible was coded since it (re)started, NaN while off (also switched off and
    /// waiting for the restart). One atomic store.
    pub fn publish(&self) {
        let value = if self.on && !self.draining {
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
