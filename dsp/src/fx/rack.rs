//! The effects rack: nine slots in a user-chosen order after the voice sum — the codec and
//! body stages (run by the caller through [`ExternalStage`]) and the seven effects of this
//! module, each with an on/off switch and a dry/wet mix.
//!
//! ```text
//! engine ─► slot order[0] ─► slot order[1] ─► … ─► slot order[8] ─► out
//! each slot:  in ─┬─► effect ─────────────────────► wet ─┐
//!                 ├─► delay by the slot's latency ─► dry ─┴─ mix ─┐
//!                 └─────────────────────────────────── bypass ────┴─ on/off fade ─► out
//! ```
//!
//! Every kind appears exactly once, so a kind's settings and switch have a fixed place in
//! [`RackSettings`] (one field per kind) whatever the order, and a host parameter can name
//! them by kind (`fx.delay.time_ms`) while the order is one more parameter set
//! ([`RackSettings::order`], a permutation of [`FxKind::ALL`]).
//!
//! The rack owns the seven effects (all allocated in [`Rack::new`]); the codec and body
//! stages stay with the caller (the plugin's `codec_stage` and `body_stage`, with their own
//! settings and loader threads), which runs them when the rack reaches their slot. A slot's
//! mix is the rack's, applied around the effect with the dry path delayed by the effect's
//! latency (so a look-ahead compressor or the oversampled distortion does not comb); the
//! effects' own `mix` fields are held at 1 inside the rack.
//!
//! Switching a slot on or off crossfades the slot's output with its input over [`FADE_MS`]
//! (no click); a slot that is off and faded costs one comparison per block, and is reset
//! when its fade-out ends, so switching it on again starts from silence (no stale echoes).
//! Nothing in [`Rack::process_with`] allocates: reordering and switching only change which
//! preallocated effect runs where.

use serde::{Deserialize, Serialize};

use super::chorus::{Chorus, ChorusSettings};
use super::compressor::{Compressor, CompressorSettings};
use super::delay::{Delay, DelaySettings};
use super::delay_line::DelayLine;
use super::distortion::{Distortion, DistortionSettings};
use super::eq::{Eq, EqSettings};
use super::phaser::{Phaser, PhaserSettings};
use super::reverb::{Reverb, ReverbSettings};
use super::{Effect, Smoothed};
use crate::modulation::{Destination, FX_DESTINATIONS};
use crate::synth::SafetyClip;

/// The number of slots (every [`FxKind`] once).
pub const SLOTS: usize = 9;

/// A slot's on/off crossfade, in milliseconds.
pub const FADE_MS: f32 = 10.0;

/// The mix smoother's time constant, in milliseconds.
pub const MIX_SMOOTH_MS: f32 = 10.0;

/// The longest latency, in samples, a slot's dry path can follow (a codec block of 4096 at
/// the most, a look-ahead of 10 ms at 384 kHz); longer reported latencies are held to it.
pub const MAX_SLOT_LATENCY: usize = 8192;

/// Every enabled slot's output is held to ±this (+30 dBFS; non-finite samples become 0),
/// so a chain of effects at extreme settings stays bounded (each effect alone already is).
pub const OUTPUT_LIMIT: f32 = 32.0;

/// The rack processes at most this many samples at a time (longer blocks are cut).
const CHUNK: usize = 256;

/// What a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FxKind {
    /// The TQA codec stage (run by the caller).
    Codec,
    /// The body (convolution) stage (run by the caller).
    Body,
    /// [`Distortion`].
    Distortion,
    /// [`Chorus`].
    Chorus,
    /// [`Phaser`] (phaser or flanger).
    Phaser,
    /// [`Delay`].
    Delay,
    /// [`Reverb`].
    Reverb,
    /// [`Eq`].
    Eq,
    /// [`Compressor`].
    Compressor,
}

impl FxKind {
    /// Every kind, in the default order: the codec and body stages first (where the plugin
    /// runs them today), then distortion (on the dry sound), the modulation effects, the
    /// delay and the reverb (the space), and last the EQ and the compressor, which shape
    /// and level the finished sound.
    pub const ALL: [Self; SLOTS] = [
        Self::Codec,
        Self::Body,
        Self::Distortion,
        Self::Chorus,
        Self::Phaser,
        Self::Delay,
        Self::Reverb,
        Self::Eq,
        Self::Compressor,
    ];

    /// The kind's name in a patch file (`"codec"`, `"distortion"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Codec => "codec",
            Self::Body => "body",
            Self::Distortion => "distortion",
            Self::Chorus => "chorus",
            Self::Phaser => "phaser",
            Self::Delay => "delay",
            Self::Reverb => "reverb",
            Self::Eq => "eq",
            Self::Compressor => "compressor",
        }
    }

    /// The kind's place in [`FxKind::ALL`] (0–8).
    pub fn index(self) -> usize {
        self as usize
    }

    /// True for the stages the caller runs ([`FxKind::Codec`], [`FxKind::Body`]).
    pub fn is_external(self) -> bool {
        matches!(self, Self::Codec | Self::Body)
    }
}

impl std::fmt::Display for FxKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The stages the rack does not own (codec, body): the caller runs them at their slot.
pub trait ExternalStage {
    /// Processes `left` and `right` (equal lengths, at most 256 samples) in place through
    /// the stage of `kind` ([`FxKind::Codec`] or [`FxKind::Body`]). Runs on the audio
    /// thread: no allocation, lock or I/O.
    fn process(&mut self, kind: FxKind, left: &mut [f32], right: &mut [f32]);

    /// The stage's latency in samples at the current rate (0 by default).
    fn latency_samples(&self, _kind: FxKind) -> u32 {
        0
    }
}

/// No external stages: the codec and body slots pass their input unchanged (the harness,
/// tests, benches).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExternal;

impl ExternalStage for NoExternal {
    fn process(&mut self, _kind: FxKind, _left: &mut [f32], _right: &mut [f32]) {}
}

/// One slot's switch, mix and (for the rack's own effects) settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slot<S> {
    /// Whether the slot processes (off passes its input through).
    pub enabled: bool,
    /// Dry/wet around the effect, 0 (dry) – 1 (wet).
    pub mix: f32,
    /// The effect's settings, in its user units (its `mix` field is not used: see `mix`).
    /// A patch may leave it out, or any of its fields (they take the effect's defaults).
    #[serde(default)]
    pub settings: S,
}

/// A caller-run stage's slot: switch and mix (its settings stay with the caller).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalSlot {
    /// Whether the rack runs the caller's stage here (the stage may have its own switch).
    pub enabled: bool,
    /// Dry/wet around the stage, 0 (dry) – 1 (wet).
    pub mix: f32,
}

impl Default for ExternalSlot {
    fn default() -> Self {
        Self {
            enabled: true,
            mix: 1.0,
        }
    }
}

/// A slot off, with the effect's default settings and the effect's default mix.
macro_rules! default_slot {
    ($settings:ty) => {{
        let settings = <$settings>::default();
        Slot {
            enabled: false,
            mix: settings.mix,
            settings,
        }
    }};
}

/// The whole rack's settings: the order and every slot (JSON `sound.fx`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RackSettings {
    /// The processing order: every [`FxKind`] once. Default [`FxKind::ALL`].
    pub order: [FxKind; SLOTS],
    /// The codec stage's slot. Default on, mix 1 (the plugin's codec switch decides).
    pub codec: ExternalSlot,
    /// The body stage's slot. Default on, mix 1 (the plugin's body switch decides).
    pub body: ExternalSlot,
    /// The distortion. Default off, mix 1.
    pub distortion: Slot<DistortionSettings>,
    /// The chorus. Default off, mix 0.5.
    pub chorus: Slot<ChorusSettings>,
    /// The phaser or flanger. Default off.
    pub phaser: Slot<PhaserSettings>,
    /// The delay. Default off.
    pub delay: Slot<DelaySettings>,
    /// The reverb. Default off.
    pub reverb: Slot<ReverbSettings>,
    /// The EQ. Default off, mix 1.
    pub eq: Slot<EqSettings>,
    /// The compressor. Default off, mix 1.
    pub compressor: Slot<CompressorSettings>,
}

impl Default for RackSettings {
    fn default() -> Self {
        Self {
            order: FxKind::ALL,
            codec: ExternalSlot::default(),
            body: ExternalSlot::default(),
            distortion: default_slot!(DistortionSettings),
            chorus: default_slot!(ChorusSettings),
            phaser: default_slot!(PhaserSettings),
            delay: default_slot!(DelaySettings),
            reverb: default_slot!(ReverbSettings),
            eq: Slot {
                enabled: false,
                mix: 1.0,
                settings: EqSettings::default(),
            },
            compressor: default_slot!(CompressorSettings),
        }
    }
}

impl RackSettings {
    /// True when these are the defaults (a patch then leaves `fx` out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// True when `order` holds every kind exactly once.
    pub fn order_is_valid(&self) -> bool {
        let mut seen = [false; SLOTS];
        for k in self.order {
            if std::mem::replace(&mut seen[k.index()], true) {
                return false;
            }
        }
        true
    }

    /// The switch and mix of `kind`'s slot.
    pub fn switch(&self, kind: FxKind) -> (bool, f32) {
        match kind {
            FxKind::Codec => (self.codec.enabled, self.codec.mix),
            FxKind::Body => (self.body.enabled, self.body.mix),
            FxKind::Distortion => (self.distortion.enabled, self.distortion.mix),
            FxKind::Chorus => (self.chorus.enabled, self.chorus.mix),
            FxKind::Phaser => (self.phaser.enabled, self.phaser.mix),
            FxKind::Delay => (self.delay.enabled, self.delay.mix),
            FxKind::Reverb => (self.reverb.enabled, self.reverb.mix),
            FxKind::Eq => (self.eq.enabled, self.eq.mix),
            FxKind::Compressor => (self.compressor.enabled, self.compressor.mix),
        }
    }

    /// Sets the switch of `kind`'s slot.
    pub fn set_enabled(&mut self, kind: FxKind, enabled: bool) {
        match kind {
            FxKind::Codec => self.codec.enabled = enabled,
            FxKind::Body => self.body.enabled = enabled,
            FxKind::Distortion => self.distortion.enabled = enabled,
            FxKind::Chorus => self.chorus.enabled = enabled,
            FxKind::Phaser => self.phaser.enabled = enabled,
            FxKind::Delay => self.delay.enabled = enabled,
            FxKind::Reverb => self.reverb.enabled = enabled,
            FxKind::Eq => self.eq.enabled = enabled,
            FxKind::Compressor => self.compressor.enabled = enabled,
        }
    }

    /// Sets the mix of `kind`'s slot, 0–1.
    pub fn set_mix(&mut self, kind: FxKind, mix: f32) {
        match kind {
            FxKind::Codec => self.codec.mix = mix,
            FxKind::Body => self.body.mix = mix,
            FxKind::Distortion => self.distortion.mix = mix,
            FxKind::Chorus => self.chorus.mix = mix,
            FxKind::Phaser => self.phaser.mix = mix,
            FxKind::Delay => self.delay.mix = mix,
            FxKind::Reverb => self.reverb.mix = mix,
            FxKind::Eq => self.eq.mix = mix,
            FxKind::Compressor => self.compressor.mix = mix,
        }
    }

    /// The slots in processing order: kind, switch and mix.
    pub fn slots(&self) -> impl Iterator<Item = (FxKind, bool, f32)> + '_ {
        self.order.iter().map(|&k| {
            let (on, mix) = self.switch(k);
            (k, on, mix)
        })
    }
}

/// `settings` moved by the modulation matrix's effect destinations (`offsets`, in
/// [`Destination::FX`] order and each destination's unit: mixes, feedback and size added,
/// drive in dB and chorus depth in ms added, the phaser's centre multiplied by `2^offset`).
/// The rack and the effects clamp the results to their ranges. Never allocates.
pub fn modulated(settings: &RackSettings, offsets: &[f32; FX_DESTINATIONS]) -> RackSettings {
    let mut s = *settings;
    for (&d, &m) in Destination::FX.iter().zip(offsets) {
        if m == 0.0 || !m.is_finite() {
            continue;
        }
        match d {
            Destination::FxCodecMix => s.codec.mix += m,
            Destination::FxBodyMix => s.body.mix += m,
            Destination::FxDistortionMix => s.distortion.mix += m,
            Destination::FxDistortionDrive => s.distortion.settings.drive_db += m,
            Destination::FxChorusMix => s.chorus.mix += m,
            Destination::FxChorusDepth => s.chorus.settings.depth_ms += m,
            Destination::FxPhaserMix => s.phaser.mix += m,
            Destination::FxPhaserCentre => s.phaser.settings.center_hz *= m.exp2(),
            Destination::FxDelayMix => s.delay.mix += m,
            Destination::FxDelayFeedback => s.delay.settings.feedback += m,
            Destination::FxReverbMix => s.reverb.mix += m,
            Destination::FxReverbSize => s.reverb.settings.size += m,
            Destination::FxEqMix => s.eq.mix += m,
            Destination::FxCompressorMix => s.compressor.mix += m,
            _ => {}
        }
    }
    s
}

/// The mix clamped to 0–1 (non-finite → `default`).
fn clamp_mix(mix: f32, default: f32) -> f32 {
    if mix.is_finite() {
        mix.clamp(0.0, 1.0)
    } else {
        default
    }
}

/// One slot's running state: the fade, the mix and the delayed dry path.
#[derive(Debug, Clone)]
struct SlotState {
    /// The switch's target.
    on: bool,
    /// The fade position: 0 = bypassed, 1 = in.
    gate: f32,
    /// The mix, smoothed.
    mix: Smoothed,
    /// The dry signal, delayed by the slot's latency, per channel.
    dry: [DelayLine; 2],
}

impl SlotState {
    fn new(sample_rate: f32) -> Self {
        Self {
            on: false,
            gate: 0.0,
            mix: Smoothed::new(1.0, MIX_SMOOTH_MS, sample_rate),
            dry: [
                DelayLine::new(MAX_SLOT_LATENCY),
                DelayLine::new(MAX_SLOT_LATENCY),
            ],
        }
    }
}

/// The rack: the seven effects, preallocated, run in the settings' order with the caller's
/// codec and body stages.
#[derive(Debug, Clone)]
pub struct Rack {
    sample_rate: f32,
    settings: RackSettings,
    /// The settings as last given to [`Rack::set_settings`], before sanitising.
    requested: RackSettings,
    distortion: Distortion,
    chorus: Chorus,
    phaser: Phaser,
    delay: Delay,
    reverb: Reverb,
    eq: Eq,
    compressor: Compressor,
    /// Per kind ([`FxKind::index`]).
    slots: [SlotState; SLOTS],
    /// The fade's step per sample.
    fade_step: f32,
    dry_l: Vec<f32>,
    dry_r: Vec<f32>,
}

fn sanitize_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() {
        sample_rate.clamp(8_000.0, 384_000.0)
    } else {
        48_000.0
    }
}

impl Rack {
    /// A rack at `sample_rate` Hz with the default settings (codec and body on, the rest
    /// off). Allocates every effect.
    pub fn new(sample_rate: f32) -> Self {
        let sr = sanitize_rate(sample_rate);
        let mut rack = Self {
            sample_rate: sr,
            settings: RackSettings::default(),
            requested: RackSettings::default(),
            distortion: Distortion::new(sr),
            chorus: Chorus::new(sr),
            phaser: Phaser::new(sr),
            delay: Delay::new(sr),
            reverb: Reverb::new(sr),
            eq: Eq::new(sr),
            compressor: Compressor::new(sr),
            slots: std::array::from_fn(|_| SlotState::new(sr)),
            fade_step: 1.0,
            dry_l: vec![0.0; CHUNK],
            dry_r: vec![0.0; CHUNK],
        };
        rack.fade_step = fade_step(sr);
        rack.set_settings(RackSettings::default());
        rack.reset();
        rack
    }

    /// The sample rate, Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// The current settings: as given, with the order made valid and the mixes clamped
    /// (each effect clamps its own copy of its settings).
    pub fn settings(&self) -> &RackSettings {
        &self.settings
    }

    /// The settings as last given to [`Rack::set_settings`] (before sanitising).
    pub fn requested_settings(&self) -> &RackSettings {
        &self.requested
    }

    /// Plays `base` moved by the matrix's effect offsets ([`modulated`]); sets the rack only
    /// when the result differs from what it plays (each effect then glides to it). Call
    /// after each engine call with [`Engine::fx_offsets`](crate::synth::Engine::fx_offsets).
    /// Never allocates.
    pub fn set_modulated(&mut self, base: &RackSettings, offsets: &[f32; FX_DESTINATIONS]) {
        let wanted = modulated(base, offsets);
        if wanted != self.requested {
            self.set_settings(wanted);
        }
    }

    /// Sets the order, switches, mixes and every effect's settings. An order that is not a
    /// permutation of the kinds is replaced by the default order; mixes are clamped to 0–1
    /// (non-finite → the default); the effects clamp their own settings. A switch that
    /// changes starts a [`FADE_MS`] crossfade. Never allocates.
    pub fn set_settings(&mut self, settings: RackSettings) {
        self.requested = settings;
        let mut s = settings;
        if !s.order_is_valid() {
            s.order = FxKind::ALL;
        }
        self.distortion.set_settings(DistortionSettings {
            mix: 1.0,
            ..s.distortion.settings
        });
        self.chorus.set_settings(ChorusSettings {
            mix: 1.0,
            ..s.chorus.settings
        });
        self.phaser.set_settings(PhaserSettings {
            mix: 1.0,
            ..s.phaser.settings
        });
        self.delay.set_settings(DelaySettings {
            mix: 1.0,
            ..s.delay.settings
        });
        self.reverb.set_settings(ReverbSettings {
            mix: 1.0,
            ..s.reverb.settings
        });
        self.eq.set_settings(s.eq.settings);
        self.compressor.set_settings(CompressorSettings {
            mix: 1.0,
            ..s.compressor.settings
        });
        let defaults = RackSettings::default();
        for kind in FxKind::ALL {
            let (on, mix) = s.switch(kind);
            let mix = clamp_mix(mix, defaults.switch(kind).1);
            s.set_mix(kind, mix);
            let st = &mut self.slots[kind.index()];
            let from_silence = on && !st.on && st.gate <= 0.0;
            st.on = on;
            st.mix.set_target(mix);
            if from_silence {
                // Turning on from silence: start at the set mix, and from the effect's
                // settings as they are now rather than gliding from the old ones.
                st.mix.settle();
                self.reset_stage(kind);
            }
        }
        self.settings = s;
    }

    /// The latency of the rack's own enabled effects plus the caller's enabled stages, in
    /// samples at the current rate.
    pub fn latency_samples_with(&self, external: &dyn ExternalStage) -> u32 {
        FxKind::ALL
            .iter()
            .filter(|k| self.slots[k.index()].on)
            .map(|&k| self.slot_latency(k, external))
            .sum()
    }

    fn slot_latency(&self, kind: FxKind, external: &dyn ExternalStage) -> u32 {
        let l = match kind {
            FxKind::Codec | FxKind::Body => external.latency_samples(kind),
            FxKind::Distortion => self.distortion.latency_samples(),
            FxKind::Chorus => self.chorus.latency_samples(),
            FxKind::Phaser => self.phaser.latency_samples(),
            FxKind::Delay => self.delay.latency_samples(),
            FxKind::Reverb => self.reverb.latency_samples(),
            FxKind::Eq => self.eq.latency_samples(),
            FxKind::Compressor => self.compressor.latency_samples(),
        };
        l.min(MAX_SLOT_LATENCY as u32)
    }

    /// The rack as the instrument's last stage: [`Rack::process_with`], then the output
    /// safety clip ([`SafetyClip`]: transparent up to full scale, never beyond ±4, never
    /// NaN), so effects that boost (EQ gain, make-up, drive) cannot push the instrument's
    /// output past what the engine alone guarantees. The plugin and `wavecube render` both
    /// end with this, so they agree sample for sample. Never allocates.
    pub fn process_output(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        external: &mut dyn ExternalStage,
    ) {
        self.process_with(left, right, external);
        SafetyClip.process_block(left);
        SafetyClip.process_block(right);
    }

    /// Runs one stereo block (equal lengths, any length) through the slots in order, the
    /// codec and body slots through `external`. Never allocates; output is finite when every
    /// stage's is.
    pub fn process_with(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        external: &mut dyn ExternalStage,
    ) {
        let n = left.len().min(right.len());
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            for pos in 0..SLOTS {
                let kind = self.settings.order[pos];
                self.process_slot(
                    kind,
                    &mut left[start..end],
                    &mut right[start..end],
                    external,
                );
            }
            start = end;
        }
    }

    fn run_stage(
        &mut self,
        kind: FxKind,
        left: &mut [f32],
        right: &mut [f32],
        external: &mut dyn ExternalStage,
    ) {
        match kind {
            FxKind::Codec | FxKind::Body => external.process(kind, left, right),
            FxKind::Distortion => self.distortion.process(left, right),
            FxKind::Chorus => self.chorus.process(left, right),
            FxKind::Phaser => self.phaser.process(left, right),
            FxKind::Delay => self.delay.process(left, right),
            FxKind::Reverb => self.reverb.process(left, right),
            FxKind::Eq => self.eq.process(left, right),
            FxKind::Compressor => self.compressor.process(left, right),
        }
    }

    fn reset_stage(&mut self, kind: FxKind) {
        match kind {
            FxKind::Codec | FxKind::Body => {}
            FxKind::Distortion => self.distortion.reset(),
            FxKind::Chorus => self.chorus.reset(),
            FxKind::Phaser => self.phaser.reset(),
            FxKind::Delay => self.delay.reset(),
            FxKind::Reverb => self.reverb.reset(),
            FxKind::Eq => self.eq.reset(),
            FxKind::Compressor => self.compressor.reset(),
        }
    }

    fn process_slot(
        &mut self,
        kind: FxKind,
        left: &mut [f32],
        right: &mut [f32],
        external: &mut dyn ExternalStage,
    ) {
        let i = kind.index();
        {
            let st = &self.slots[i];
            if !st.on && st.gate == 0.0 {
                return;
            }
        }
        let len = left.len();
        let latency = self.slot_latency(kind, external) as usize;
        let steady = {
            let st = &self.slots[i];
            st.on && st.gate >= 1.0 && st.mix.value == 1.0 && st.mix.target == 1.0
        };
        if !steady || latency > 0 {
            self.dry_l[..len].copy_from_slice(left);
            self.dry_r[..len].copy_from_slice(right);
        }
        self.run_stage(kind, left, right, external);
        let step = self.fade_step;
        let st = &mut self.slots[i];
        if steady {
            // Fully in and fully wet: the output is the effect's; keep the dry path current.
            if latency > 0 {
                for k in 0..len {
                    st.dry[0].push(self.dry_l[k]);
                    st.dry[1].push(self.dry_r[k]);
                }
            }
            for v in left.iter_mut().chain(right.iter_mut()) {
                *v = limit(*v);
            }
            return;
        }
        for k in 0..len {
            let (x_l, x_r) = (self.dry_l[k], self.dry_r[k]);
            if !st.on && st.gate <= 0.0 {
                left[k] = x_l;
                right[k] = x_r;
                continue;
            }
            st.gate = if st.on {
                (st.gate + step).min(1.0)
            } else {
                (st.gate - step).max(0.0)
            };
            let mut m = st.mix.next();
            if (m - st.mix.target).abs() < 1e-4 {
                // A one-pole smoother stalls a few ulps short of its target in f32; land on
                // it (per sample, so every block split lands at the same sample).
                st.mix.settle();
                m = st.mix.value;
            }
            let (d_l, d_r) = if latency > 0 {
                let d = (st.dry[0].read_int(latency), st.dry[1].read_int(latency));
                st.dry[0].push(x_l);
                st.dry[1].push(x_r);
                d
            } else {
                (x_l, x_r)
            };
            let g = st.gate;
            let wet_l = d_l + m * (left[k] - d_l);
            let wet_r = d_r + m * (right[k] - d_r);
            left[k] = limit(x_l + g * (wet_l - x_l));
            right[k] = limit(x_r + g * (wet_r - x_r));
        }
        if !st.on && st.gate <= 0.0 {
            // Faded out: forget the effect's state, so switching on starts from silence.
            st.mix.settle();
            st.dry[0].clear();
            st.dry[1].clear();
            self.reset_stage(kind);
        }
    }
}

/// A slot's output held to ±[`OUTPUT_LIMIT`] (non-finite → 0).
#[inline]
fn limit(v: f32) -> f32 {
    if v.is_finite() {
        v.clamp(-OUTPUT_LIMIT, OUTPUT_LIMIT)
    } else {
        0.0
    }
}

fn fade_step(sample_rate: f32) -> f32 {
    1.0 / (FADE_MS * 1e-3 * sample_rate).max(1.0)
}

impl Effect for Rack {
    fn set_sample_rate(&mut self, sample_rate: f32) {
        let sr = sanitize_rate(sample_rate);
        self.sample_rate = sr;
        self.fade_step = fade_step(sr);
        self.distortion.set_sample_rate(sr);
        self.chorus.set_sample_rate(sr);
        self.phaser.set_sample_rate(sr);
        self.delay.set_sample_rate(sr);
        self.reverb.set_sample_rate(sr);
        self.eq.set_sample_rate(sr);
        self.compressor.set_sample_rate(sr);
        for st in &mut self.slots {
            st.mix.set_time(MIX_SMOOTH_MS, sr);
        }
        self.set_settings(self.settings);
        self.reset();
    }

    fn reset(&mut self) {
        for kind in FxKind::ALL {
            self.reset_stage(kind);
            let st = &mut self.slots[kind.index()];
            st.gate = if st.on { 1.0 } else { 0.0 };
            st.mix.settle();
            st.dry[0].clear();
            st.dry[1].clear();
        }
    }

    /// [`Rack::process_with`] with [`NoExternal`] (the codec and body slots pass through).
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_with(left, right, &mut NoExternal);
    }

    /// The enabled effects' latency (the caller's stages counted as 0; see
    /// [`Rack::latency_samples_with`]).
    fn latency_samples(&self) -> u32 {
        self.latency_samples_with(&NoExternal)
    }

    fn set_tempo(&mut self, bpm: f64) {
        self.distortion.set_tempo(bpm);
        self.chorus.set_tempo(bpm);
        self.phaser.set_tempo(bpm);
        self.delay.set_tempo(bpm);
        self.reverb.set_tempo(bpm);
        self.eq.set_tempo(bpm);
        self.compressor.set_tempo(bpm);
    }
}
