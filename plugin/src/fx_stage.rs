//! The effects rack on the plugin's audio thread: the dsp [`Rack`] after the engine, with the
//! codec and body stages run at their slots, the rack's settings followed from the effect
//! parameters and the order cell, and the latency the host must compensate.
//!
//! ```text
//! engine ─► rack slot order[0] ─► … ─► slot order[8] ─► out
//!            (codec and body slots call CodecStage / BodyStage through `Stages`)
//! ```
//!
//! **Master gain and the codec.** The codec stage applies master gain after coding, so the
//! engine's safety clip sees the sound at unity (see [`crate::codec_stage`]). That holds while
//! the codec is on, its slot is on and it is the first slot (the default order): then no
//! effect sits between the engine and the codec. In any other arrangement the engine applies
//! master gain itself, so every effect hears the sound at the level `wavecube render` gives
//! it.
//!
//! **Latency.** The host is told the engine's delay plus the rack's: the codec's block (when
//! on and its slot on) and the rack's own effects' (the distortion's oversampling filters, the
//! compressor's look-ahead) when they are on. Under VST3 a change is reported from
//! `process`; under CLAP, which allows that only in `activate`, the plugin asks the host for
//! a restart once and reports the new latency when it activates again.

use nice_plug::prelude::*;
use wavecube_dsp::fx::rack::{ExternalStage, FxKind, Rack, RackSettings, SLOTS};
use wavecube_dsp::fx::Effect;
use wavecube_dsp::modulation::{Destination, FX_DESTINATIONS};
use wavecube_dsp::patch::fx_ranges::FX_SETTING_COUNT;

use crate::body_stage::BodyStage;
use crate::codec_stage::{CodecStage, LatencyRule};
use crate::params::WavecubeParams;

/// The codec and body stages as the rack's external slots, for one piece of a block.
pub struct Stages<'a> {
    /// The codec stage.
    pub codec: &'a mut CodecStage,
    /// The codec's mix for this piece, 0..1.
    pub codec_mix: f32,
    /// Master gain the codec applies after coding (linear; 1 when the engine applies it).
    pub codec_gain: f32,
    /// The body stage, if it could start.
    pub body: Option<&'a mut BodyStage>,
    /// The body stage's switch.
    pub body_on: bool,
    /// The body's mix for this piece, 0..1.
    pub body_mix: f32,
}

impl ExternalStage for Stages<'_> {
    fn process(&mut self, kind: FxKind, left: &mut [f32], right: &mut [f32]) {
        match kind {
            FxKind::Codec if self.codec.is_on() => {
                self.codec
                    .process(left, right, self.codec_mix, self.codec_gain);
            }
            FxKind::Body => {
                if let Some(body) = self.body.as_deref_mut() {
                    body.process(left, right, self.body_on, self.body_mix);
                }
            }
            _ => {}
        }
    }

    fn latency_samples(&self, kind: FxKind) -> u32 {
        match kind {
            FxKind::Codec => self.codec.latency_samples(),
            _ => 0,
        }
    }
}

/// The codec's latency as the rack's codec slot reports it (the body adds none).
struct CodecLatency<'a>(&'a CodecStage);

impl ExternalStage for CodecLatency<'_> {
    fn process(&mut self, _kind: FxKind, _left: &mut [f32], _right: &mut [f32]) {}

    fn latency_samples(&self, kind: FxKind) -> u32 {
        match kind {
            FxKind::Codec => self.0.latency_samples(),
            _ => 0,
        }
    }
}

/// What the host should hear about the latency after a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyReport {
    /// Nothing changed (or a restart was asked already).
    None,
    /// Report this total latency now, samples (VST3).
    Report(u32),
    /// Ask the host for a restart (CLAP); the latency is reported at the next `activate`.
    Restart,
}

/// The rack, the settings it plays and the latency last reported.
pub struct FxStage {
    rack: Rack,
    /// The settings last given to the rack.
    applied: RackSettings,
    /// The parameter values and the order they were read from.
    raw: ([f32; FX_SETTING_COUNT], [FxKind; SLOTS]),
    /// The total latency (engine + rack) the host was last told, samples.
    reported: u32,
    /// True once a restart was asked for since the last activation.
    restart_asked: bool,
}

impl FxStage {
    /// A rack at `sample_rate` Hz playing the parameters' settings. Allocates every effect
    /// (main thread, `activate`).
    pub fn new(sample_rate: f32, params: &WavecubeParams) -> Self {
        let mut rack = Rack::new(sample_rate);
        let raw = (params.fx.values(), params.fx_order.get());
        let applied = RackSettings::from_fx_values(&raw.0, raw.1);
        rack.set_settings(applied);
        rack.reset();
        Self {
            rack,
            applied,
            raw,
            reported: 0,
            restart_asked: false,
        }
    }

    /// The rack's sample rate, Hz.
    pub fn sample_rate(&self) -> f32 {
        self.rack.sample_rate()
    }

    /// The settings the rack plays.
    pub fn settings(&self) -> &RackSettings {
        &self.applied
    }

    /// Follows the effect parameters, the order and the host tempo (`None`: keep the last).
    /// Audio thread: compares and copies only.
    pub fn follow(&mut self, params: &WavecubeParams, tempo_bpm: Option<f64>) {
        let raw = (params.fx.values(), params.fx_order.get());
        // Snapping every value to its grid costs a logarithm each: only when one moved.
        if raw != self.raw {
            self.raw = raw;
            // The matrix's moves are added at the next `process` (from the engine call).
            self.applied = RackSettings::from_fx_values(&raw.0, raw.1);
            self.rack.set_settings(self.applied);
        }
        if let Some(bpm) = tempo_bpm {
            self.rack.set_tempo(bpm);
        }
    }

    /// True when the codec applies master gain (on, its slot on and first): see the module
    /// doc.
    pub fn codec_applies_gain(&self, codec: &CodecStage) -> bool {
        codec.is_on() && self.applied.codec.enabled && self.applied.order[0] == FxKind::Codec
    }

    /// The total latency: the engine's `engine_latency` plus the rack's with `codec`.
    pub fn latency(&self, codec: &CodecStage, engine_latency: u32) -> u32 {
        engine_latency + self.rack.latency_samples_with(&CodecLatency(codec))
    }

    /// At `activate`: the total latency to report, remembered as reported.
    pub fn activate(&mut self, codec: &CodecStage, engine_latency: u32) -> u32 {
        self.restart_asked = false;
        self.reported = self.latency(codec, engine_latency);
        self.reported
    }

    /// After the settings changed: what to tell the host under `rule`.
    pub fn check_latency(
        &mut self,
        codec: &CodecStage,
        engine_latency: u32,
        rule: LatencyRule,
    ) -> LatencyReport {
        let latency = self.latency(codec, engine_latency);
        if latency == self.reported {
            return LatencyReport::None;
        }
        match rule {
            LatencyRule::Live => {
                self.reported = latency;
                LatencyReport::Report(latency)
            }
            LatencyRule::AtActivate if !self.restart_asked => {
                self.restart_asked = true;
                LatencyReport::Restart
            }
            LatencyRule::AtActivate => LatencyReport::None,
        }
    }

    /// Marks a restart as asked (the codec asked for one).
    pub fn restart_asked(&mut self) {
        self.restart_asked = true;
    }

    /// Runs the rack over `left` and `right` in place: the parameters' settings moved by the
    /// matrix's effect slots (`fx_offsets`, from the engine call that rendered this piece;
    /// the codec's bits move the codec stage, [`CodecStage::modulate_bits`]), with `stages`
    /// at the codec and body slots, then the output safety clip ([`Rack::process_output`]).
    /// Never allocates.
    pub fn process(
        &mut self,
        stages: &mut Stages<'_>,
        fx_offsets: &[f32; FX_DESTINATIONS],
        left: &mut [f32],
        right: &mut [f32],
    ) {
        self.rack.set_modulated(&self.applied, fx_offsets);
        let bits = Destination::FxCodecBits
            .fx_index()
            .map_or(0.0, |i| fx_offsets[i]);
        stages.codec.modulate_bits(bits);
        self.rack.process_output(left, right, stages);
    }

    /// Clears every effect's memory (delay lines, reverb tails).
    pub fn reset(&mut self) {
        self.rack.reset();
    }
}

/// Reports `report` to the host through `context`.
pub fn tell_host<P: Plugin>(report: LatencyReport, context: &mut impl ProcessContext<P>) {
    match report {
        LatencyReport::None => {}
        LatencyReport::Report(latency) => context.set_latency_samples(latency),
        LatencyReport::Restart => context.request_restart(),
    }
}
