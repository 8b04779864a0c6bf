//! The effects rack's part of the sound contract: every switch, mix and effect setting of
//! [`RackSettings`] with its range, default, unit, taper, display name and the stable id of
//! the plugin parameter that holds it, defined once ([`FX_SETTINGS`]).
//!
//! Each entry also carries the two accessors that read and write its field of a
//! [`RackSettings`], so the table is the only place that pairs a field with an id: the plugin
//! builds its effect parameters from it, reads them back into a rack
//! ([`RackSettings::from_fx_values`], on the audio thread), writes a patch's rack into them
//! ([`RackSettings::to_fx_values`]), and the editor's FX tab lays out its controls by it.
//! The order of the slots is not a parameter (it is a permutation, kept as plugin state).
//!
//! Values are in patch units, as in [`SETTINGS`](super::ranges::SETTINGS): choices are their
//! index in the [`Kind::Choice`] list, switches 0 or 1, whole numbers as they are. The
//! effects' own `mix` fields are not here: inside the rack the slot's mix is the one that
//! counts (see [`crate::fx::rack`]).
//!
//! The ranges are the ones each effect's `clamped()` enforces (a test checks every entry
//! against them), so a parameter can reach every value an effect accepts and no other.

use super::ranges::{choice, float, other, percent, Kind, Setting, Taper};
use crate::fx::chorus::{MAX_DELAY_MS as CHORUS_MAX_DELAY_MS, MAX_DEPTH_MS, MAX_VOICES};
use crate::fx::compressor::{Detection, MAX_LOOKAHEAD_MS};
use crate::fx::delay::{DelayMode, MAX_DELAY_S};
use crate::fx::distortion::{DistortionMode, MAX_DRIVE_DB};
use crate::fx::eq::{
    CutSlope, MAX_FREQ_HZ, MAX_GAIN_DB, MAX_Q, MAX_SHELF_Q, MIN_FREQ_HZ, MIN_Q, PLAIN_SHELF_Q,
};
use crate::fx::phaser::{PhaserMode, MAX_FLANGER_DELAY_MS, MAX_STAGES};
use crate::fx::rack::{FxKind, RackSettings, SLOTS};
use crate::fx::reverb::{MAX_DECAY_S, MAX_PREDELAY_MS, MIN_DECAY_S};
use crate::fx::sync::{Feel, NoteValue, SyncDivision};

/// One effect setting of the contract.
#[derive(Debug, Clone, Copy)]
pub struct FxSetting {
    /// The slot it belongs to.
    pub kind: FxKind,
    /// The title of its group: the slot ("Delay") or an EQ band ("EQ Low Shelf").
    pub group: &'static str,
    /// The short label the editor puts under a knob ("Time"); a host shows
    /// [`FxSetting::name`], the group and the label ("Delay Time").
    pub label: &'static str,
    /// Id, path in a patch file, range, default, unit and kind.
    pub setting: Setting,
    /// Reads the field from a rack, patch units.
    pub get: fn(&RackSettings) -> f32,
    /// Writes the field of a rack from a value in patch units (a choice index is rounded
    /// and held to the list; the effects clamp the rest themselves).
    pub set: fn(&mut RackSettings, f32),
}

impl FxSetting {
    /// The name a host shows: the group and the label ("Delay Time", "EQ Peak 1 Gain").
    pub fn name(&self) -> String {
        format!("{} {}", self.group, self.label)
    }

    /// True for the slot's on/off switch (not an EQ band's).
    pub fn is_switch(&self) -> bool {
        let slot = self.setting.path.strip_prefix("sound.fx.");
        slot.and_then(|p| p.strip_suffix(".enabled")) == Some(self.kind.name())
    }
}

/// How many effect settings the rack has.
pub const FX_SETTING_COUNT: usize = 84;

/// Distortion modes, as a patch writes them, in [`DISTORTION_MODES`] order.
pub const DISTORTION_MODE_NAMES: [&str; 4] = ["soft-clip", "hard-clip", "fold", "bit-crush"];
/// The distortion's modes, by index.
pub const DISTORTION_MODES: [DistortionMode; 4] = [
    DistortionMode::SoftClip,
    DistortionMode::HardClip,
    DistortionMode::Fold,
    DistortionMode::BitCrush,
];
/// Phaser modes, as a patch writes them.
pub const PHASER_MODE_NAMES: [&str; 2] = ["phaser", "flanger"];
/// The phaser's modes, by index.
pub const PHASER_MODES: [PhaserMode; 2] = [PhaserMode::Phaser, PhaserMode::Flanger];
/// Delay modes, as a patch writes them.
pub const DELAY_MODE_NAMES: [&str; 2] = ["stereo", "ping-pong"];
/// The delay's modes, by index.
pub const DELAY_MODES: [DelayMode; 2] = [DelayMode::Stereo, DelayMode::PingPong];
/// Compressor detectors, as a patch writes them.
pub const DETECTION_NAMES: [&str; 2] = ["peak", "rms"];
/// The compressor's detectors, by index.
pub const DETECTIONS: [Detection; 2] = [Detection::Peak, Detection::Rms];
/// Cut slopes, as the editor shows them.
pub const CUT_SLOPE_NAMES: [&str; 3] = ["12 dB/oct", "24 dB/oct", "48 dB/oct"];
/// The cut bands' slopes, by index.
pub const CUT_SLOPES: [CutSlope; 3] = [CutSlope::Db12, CutSlope::Db24, CutSlope::Db48];

/// Tempo sync choices: index 0 is free (the time in ms or the rate in Hz counts), then every
/// division from four bars to a thirty-second note, straight, dotted and triplet.
pub const SYNC_CHOICES: [Option<SyncDivision>; 25] = {
    const NOTES: [NoteValue; 8] = [
        NoteValue::FourBars,
        NoteValue::TwoBars,
        NoteValue::Whole,
        NoteValue::Half,
        NoteValue::Quarter,
        NoteValue::Eighth,
        NoteValue::Sixteenth,
        NoteValue::ThirtySecond,
    ];
    const FEELS: [Feel; 3] = [Feel::Straight, Feel::Dotted, Feel::Triplet];
    let mut out = [None; 25];
    let mut i = 0;
    while i < 24 {
        out[i + 1] = Some(SyncDivision::new(NOTES[i / 3], FEELS[i % 3]));
        i += 1;
    }
    out
};

/// The sync choices' labels ("free", "4 bars", …, "1/32T"), in [`SYNC_CHOICES`] order.
pub const SYNC_NAMES: [&str; 25] = [
    "free", "4 bars", "4 bars.", "4 bars T", "2 bars", "2 bars.", "2 bars T", "1/1", "1/1.",
    "1/1T", "1/2", "1/2.", "1/2T", "1/4", "1/4.", "1/4T", "1/8", "1/8.", "1/8T", "1/16", "1/16.",
    "1/16T", "1/32", "1/32.", "1/32T",
];

/// The choice index `v` rounded and held to `0..count` (non-finite → 0).
fn index(v: f32, count: usize) -> usize {
    if v.is_finite() {
        (v.round().max(0.0) as usize).min(count - 1)
    } else {
        0
    }
}

/// The index of `value` in `list` (0 if absent).
fn position<T: PartialEq>(list: &[T], value: &T) -> f32 {
    list.iter().position(|v| v == value).unwrap_or(0) as f32
}

/// A switch (0 or 1).
const fn switch(id: &'static str, path: &'static str, default: bool) -> Setting {
    other(
        id,
        path,
        (0.0, 1.0, if default { 1.0 } else { 0.0 }),
        Kind::Bool,
    )
}

/// A whole number.
const fn whole(id: &'static str, path: &'static str, range: (f32, f32, f32)) -> Setting {
    other(id, path, range, Kind::Int)
}

/// A continuous setting with a linear taper.
const fn lin(
    id: &'static str,
    path: &'static str,
    range: (f32, f32, f32),
    unit: &'static str,
) -> Setting {
    float(id, path, range, unit, Taper::Linear)
}

/// A continuous setting skewed towards the low end (times, frequencies, ratios).
const fn skew(
    id: &'static str,
    path: &'static str,
    range: (f32, f32, f32),
    unit: &'static str,
) -> Setting {
    float(id, path, range, unit, Taper::Skewed { exponent: -2.0 })
}

/// An [`FxSetting`] whose field is an `f32`.
macro_rules! num {
    ($kind:ident, $name:literal, $label:literal, $setting:expr, $($field:tt)+) => {
        FxSetting {
            kind: FxKind::$kind,
            group: $name,
            label: $label,
            setting: $setting,
            get: |r| r.$($field)+,
            set: |r, v| r.$($field)+ = v,
        }
    };
}

/// An [`FxSetting`] whose field is a `bool`.
macro_rules! on {
    ($kind:ident, $name:literal, $label:literal, $setting:expr, $($field:tt)+) => {
        FxSetting {
            kind: FxKind::$kind,
            group: $name,
            label: $label,
            setting: $setting,
            get: |r| f32::from(u8::from(r.$($field)+)),
            set: |r, v| r.$($field)+ = v >= 0.5,
        }
    };
}

/// An [`FxSetting`] whose field is a `usize`.
macro_rules! count {
    ($kind:ident, $name:literal, $label:literal, $setting:expr, $($field:tt)+) => {
        FxSetting {
            kind: FxKind::$kind,
            group: $name,
            label: $label,
            setting: $setting,
            get: |r| r.$($field)+ as f32,
            set: |r, v| r.$($field)+ = if v.is_finite() { v.round().max(0.0) as usize } else { 0 },
        }
    };
}

/// An [`FxSetting`] whose field is one of `$list`.
macro_rules! pick {
    ($kind:ident, $name:literal, $label:literal, $id:literal, $path:literal,
     $names:ident, $list:ident, $default:literal, $($field:tt)+) => {
        FxSetting {
            kind: FxKind::$kind,
            group: $name,
            label: $label,
            setting: choice($id, $path, &$names, $default),
            get: |r| position(&$list, &r.$($field)+),
            set: |r, v| r.$($field)+ = $list[index(v, $list.len())],
        }
    };
}

/// A slot's switch and mix.
macro_rules! slot {
    ($kind:ident, $field:ident, $title:literal, $on_id:literal, $mix_id:literal, $on:literal, $mix:literal) => {
        [
            on!(
                $kind,
                $title,
                "On",
                switch(
                    $on_id,
                    concat!("sound.fx.", stringify!($field), ".enabled"),
                    $on
                ),
                $field.enabled
            ),
            num!(
                $kind,
                $title,
                "Mix",
                percent(
                    $mix_id,
                    concat!("sound.fx.", stringify!($field), ".mix"),
                    $mix
                ),
                $field.mix
            ),
        ]
    };
}

/// An EQ cut band's switch, frequency and slope.
macro_rules! cut_band {
    ($band:ident, $title:literal, $ids:expr, $paths:expr, $freq:literal) => {
        [
            on!(
                Eq,
                $title,
                "On",
                switch($ids[0], $paths[0], false),
                eq.settings.$band.enabled
            ),
            num!(
                Eq,
                $title,
                "Freq",
                skew($ids[1], $paths[1], (MIN_FREQ_HZ, MAX_FREQ_HZ, $freq), "Hz"),
                eq.settings.$band.freq_hz
            ),
            FxSetting {
                kind: FxKind::Eq,
                group: $title,
                label: "Slope",
                setting: choice($ids[2], $paths[2], &CUT_SLOPE_NAMES, 0.0),
                get: |r| position(&CUT_SLOPES, &r.eq.settings.$band.slope),
                set: |r, v| r.eq.settings.$band.slope = CUT_SLOPES[index(v, CUT_SLOPES.len())],
            },
        ]
    };
}

/// An EQ bell or shelf band's switch, frequency, gain and Q.
macro_rules! bell_band {
    ($title:literal, $ids:expr, $paths:expr, $freq:literal, $q:expr, $max_q:expr, $($band:tt)+) => {
        [
            on!(Eq, $title, "On", switch($ids[0], $paths[0], false), eq.settings.$($band)+.enabled),
            num!(
                Eq,
                $title,
                "Freq",
                skew($ids[1], $paths[1], (MIN_FREQ_HZ, MAX_FREQ_HZ, $freq), "Hz"),
                eq.settings.$($band)+.freq_hz
            ),
            num!(
                Eq,
                $title,
                "Gain",
                lin($ids[2], $paths[2], (-MAX_GAIN_DB, MAX_GAIN_DB, 0.0), "dB"),
                eq.settings.$($band)+.gain_db
            ),
            num!(
                Eq,
                $title,
                "Q",
                skew($ids[3], $paths[3], (MIN_Q, $max_q, $q), ""),
                eq.settings.$($band)+.q
            ),
        ]
    };
}

/// `concat` of fixed-size arrays in a const context.
const fn join<const A: usize, const B: usize, const C: usize>(
    a: [FxSetting; A],
    b: [FxSetting; B],
) -> [FxSetting; C] {
    assert!(A + B == C);
    let mut out = [a[0]; C];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < C {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

const EXTERNAL: [FxSetting; 4] = join(
    slot!(
        Codec,
        codec,
        "Codec",
        "fx_codec_on",
        "fx_codec_mix",
        true,
        1.0
    ),
    slot!(Body, body, "Body", "fx_body_on", "fx_body_mix", true, 1.0),
);

const DISTORTION: [FxSetting; 7] = join(
    slot!(
        Distortion,
        distortion,
        "Distortion",
        "fx_dist_on",
        "fx_dist_mix",
        false,
        1.0
    ),
    [
        pick!(
            Distortion,
            "Distortion",
            "Mode",
            "fx_dist_mode",
            "sound.fx.distortion.settings.mode",
            DISTORTION_MODE_NAMES,
            DISTORTION_MODES,
            0.0,
            distortion.settings.mode
        ),
        num!(
            Distortion,
            "Distortion",
            "Drive",
            lin(
                "fx_dist_drive",
                "sound.fx.distortion.settings.drive_db",
                (0.0, MAX_DRIVE_DB, 12.0),
                "dB"
            ),
            distortion.settings.drive_db
        ),
        num!(
            Distortion,
            "Distortion",
            "Tone",
            skew(
                "fx_dist_tone",
                "sound.fx.distortion.settings.tone_hz",
                (200.0, 20_000.0, 20_000.0),
                "Hz"
            ),
            distortion.settings.tone_hz
        ),
        num!(
            Distortion,
            "Distortion",
            "Bits",
            lin(
                "fx_dist_bits",
                "sound.fx.distortion.settings.bits",
                (1.0, 16.0, 8.0),
                ""
            ),
            distortion.settings.bits
        ),
        num!(
            Distortion,
            "Distortion",
            "Crush rate",
            skew(
                "fx_dist_crush",
                "sound.fx.distortion.settings.crush_rate_hz",
                (200.0, 192_000.0, 192_000.0),
                "Hz"
            ),
            distortion.settings.crush_rate_hz
        ),
    ],
);

const CHORUS: [FxSetting; 8] = join(
    slot!(
        Chorus,
        chorus,
        "Chorus",
        "fx_cho_on",
        "fx_cho_mix",
        false,
        0.5
    ),
    [
        count!(
            Chorus,
            "Chorus",
            "Voices",
            whole(
                "fx_cho_voices",
                "sound.fx.chorus.settings.voices",
                (1.0, MAX_VOICES as f32, 3.0)
            ),
            chorus.settings.voices
        ),
        num!(
            Chorus,
            "Chorus",
            "Rate",
            skew(
                "fx_cho_rate",
                "sound.fx.chorus.settings.rate_hz",
                (0.01, 10.0, 0.6),
                "Hz"
            ),
            chorus.settings.rate_hz
        ),
        num!(
            Chorus,
            "Chorus",
            "Depth",
            lin(
                "fx_cho_depth",
                "sound.fx.chorus.settings.depth_ms",
                (0.0, MAX_DEPTH_MS, 2.5),
                "ms"
            ),
            chorus.settings.depth_ms
        ),
        num!(
            Chorus,
            "Chorus",
            "Delay",
            lin(
                "fx_cho_delay",
                "sound.fx.chorus.settings.delay_ms",
                (1.0, CHORUS_MAX_DELAY_MS, 12.0),
                "ms"
            ),
            chorus.settings.delay_ms
        ),
        num!(
            Chorus,
            "Chorus",
            "Feedback",
            lin(
                "fx_cho_fb",
                "sound.fx.chorus.settings.feedback",
                (-0.9, 0.9, 0.0),
                ""
            ),
            chorus.settings.feedback
        ),
        num!(
            Chorus,
            "Chorus",
            "Spread",
            percent("fx_cho_spread", "sound.fx.chorus.settings.spread", 1.0),
            chorus.settings.spread
        ),
    ],
);

const PHASER: [FxSetting; 11] = join(
    slot!(
        Phaser,
        phaser,
        "Phaser",
        "fx_pha_on",
        "fx_pha_mix",
        false,
        0.5
    ),
    [
        pick!(
            Phaser,
            "Phaser",
            "Mode",
            "fx_pha_mode",
            "sound.fx.phaser.settings.mode",
            PHASER_MODE_NAMES,
            PHASER_MODES,
            0.0,
            phaser.settings.mode
        ),
        count!(
            Phaser,
            "Phaser",
            "Stages",
            whole(
                "fx_pha_stages",
                "sound.fx.phaser.settings.stages",
                (2.0, MAX_STAGES as f32, 4.0)
            ),
            phaser.settings.stages
        ),
        num!(
            Phaser,
            "Phaser",
            "Rate",
            skew(
                "fx_pha_rate",
                "sound.fx.phaser.settings.rate_hz",
                (0.01, 20.0, 0.3),
                "Hz"
            ),
            phaser.settings.rate_hz
        ),
        pick!(
            Phaser,
            "Phaser",
            "Sync",
            "fx_pha_sync",
            "sound.fx.phaser.settings.sync",
            SYNC_NAMES,
            SYNC_CHOICES,
            0.0,
            phaser.settings.sync
        ),
        num!(
            Phaser,
            "Phaser",
            "Depth",
            percent("fx_pha_depth", "sound.fx.phaser.settings.depth", 0.6),
            phaser.settings.depth
        ),
        num!(
            Phaser,
            "Phaser",
            "Centre",
            skew(
                "fx_pha_centre",
                "sound.fx.phaser.settings.center_hz",
                (50.0, 5_000.0, 800.0),
                "Hz"
            ),
            phaser.settings.center_hz
        ),
        num!(
            Phaser,
            "Phaser",
            "Flanger delay",
            lin(
                "fx_pha_delay",
                "sound.fx.phaser.settings.delay_ms",
                (0.2, MAX_FLANGER_DELAY_MS, 2.0),
                "ms"
            ),
            phaser.settings.delay_ms
        ),
        num!(
            Phaser,
            "Phaser",
            "Feedback",
            lin(
                "fx_pha_fb",
                "sound.fx.phaser.settings.feedback",
                (-0.95, 0.95, 0.3),
                ""
            ),
            phaser.settings.feedback
        ),
        num!(
            Phaser,
            "Phaser",
            "Spread",
            percent("fx_pha_spread", "sound.fx.phaser.settings.spread", 0.5),
            phaser.settings.spread
        ),
    ],
);

const DELAY: [FxSetting; 9] = join(
    slot!(Delay, delay, "Delay", "fx_dly_on", "fx_dly_mix", false, 0.3),
    [
        pick!(
            Delay,
            "Delay",
            "Mode",
            "fx_dly_mode",
            "sound.fx.delay.settings.mode",
            DELAY_MODE_NAMES,
            DELAY_MODES,
            0.0,
            delay.settings.mode
        ),
        num!(
            Delay,
            "Delay",
            "Time",
            skew(
                "fx_dly_time",
                "sound.fx.delay.settings.time_ms",
                (1.0, MAX_DELAY_S * 1000.0, 375.0),
                "ms"
            ),
            delay.settings.time_ms
        ),
        pick!(
            Delay,
            "Delay",
            "Sync",
            "fx_dly_sync",
            "sound.fx.delay.settings.sync",
            SYNC_NAMES,
            SYNC_CHOICES,
            0.0,
            delay.settings.sync
        ),
        num!(
            Delay,
            "Delay",
            "Feedback",
            Setting {
                display_scale: 100.0,
                ..lin(
                    "fx_dly_fb",
                    "sound.fx.delay.settings.feedback",
                    (0.0, 0.95, 0.4),
                    ""
                )
            },
            delay.settings.feedback
        ),
        num!(
            Delay,
            "Delay",
            "Low cut",
            skew(
                "fx_dly_lowcut",
                "sound.fx.delay.settings.low_cut_hz",
                (20.0, 2_000.0, 120.0),
                "Hz"
            ),
            delay.settings.low_cut_hz
        ),
        num!(
            Delay,
            "Delay",
            "High cut",
            skew(
                "fx_dly_highcut",
                "sound.fx.delay.settings.high_cut_hz",
                (500.0, 20_000.0, 6_000.0),
                "Hz"
            ),
            delay.settings.high_cut_hz
        ),
        num!(
            Delay,
            "Delay",
            "Ducking",
            percent("fx_dly_duck", "sound.fx.delay.settings.ducking", 0.0),
            delay.settings.ducking
        ),
    ],
);

const REVERB: [FxSetting; 7] = join(
    slot!(
        Reverb,
        reverb,
        "Reverb",
        "fx_rev_on",
        "fx_rev_mix",
        false,
        0.3
    ),
    [
        num!(
            Reverb,
            "Reverb",
            "Size",
            percent("fx_rev_size", "sound.fx.reverb.settings.size", 0.5),
            reverb.settings.size
        ),
        num!(
            Reverb,
            "Reverb",
            "Decay",
            skew(
                "fx_rev_decay",
                "sound.fx.reverb.settings.decay_s",
                (MIN_DECAY_S, MAX_DECAY_S, 2.5),
                "s"
            ),
            reverb.settings.decay_s
        ),
        num!(
            Reverb,
            "Reverb",
            "Pre-delay",
            lin(
                "fx_rev_pre",
                "sound.fx.reverb.settings.predelay_ms",
                (0.0, MAX_PREDELAY_MS, 20.0),
                "ms"
            ),
            reverb.settings.predelay_ms
        ),
        num!(
            Reverb,
            "Reverb",
            "Damping",
            percent("fx_rev_damp", "sound.fx.reverb.settings.damping", 0.3),
            reverb.settings.damping
        ),
        num!(
            Reverb,
            "Reverb",
            "Width",
            percent("fx_rev_width", "sound.fx.reverb.settings.width", 1.0),
            reverb.settings.width
        ),
    ],
);

const EQ_LOW: [FxSetting; 9] = join(
    join::<2, 3, 5>(
        slot!(Eq, eq, "EQ", "fx_eq_on", "fx_eq_mix", false, 1.0),
        cut_band!(
            low_cut,
            "EQ Low Cut",
            ["fx_eq_lc_on", "fx_eq_lc_freq", "fx_eq_lc_slope"],
            [
                "sound.fx.eq.settings.low_cut.enabled",
                "sound.fx.eq.settings.low_cut.freq_hz",
                "sound.fx.eq.settings.low_cut.slope"
            ],
            30.0
        ),
    ),
    bell_band!(
        "EQ Low Shelf",
        [
            "fx_eq_ls_on",
            "fx_eq_ls_freq",
            "fx_eq_ls_gain",
            "fx_eq_ls_q"
        ],
        [
            "sound.fx.eq.settings.low_shelf.enabled",
            "sound.fx.eq.settings.low_shelf.freq_hz",
            "sound.fx.eq.settings.low_shelf.gain_db",
            "sound.fx.eq.settings.low_shelf.q"
        ],
        120.0,
        PLAIN_SHELF_Q,
        MAX_SHELF_Q,
        low_shelf
    ),
);

const EQ_PEAKS: [FxSetting; 12] = join(
    join::<4, 4, 8>(
        bell_band!(
            "EQ Peak 1",
            [
                "fx_eq_p1_on",
                "fx_eq_p1_freq",
                "fx_eq_p1_gain",
                "fx_eq_p1_q"
            ],
            [
                "sound.fx.eq.settings.peaks[0].enabled",
                "sound.fx.eq.settings.peaks[0].freq_hz",
                "sound.fx.eq.settings.peaks[0].gain_db",
                "sound.fx.eq.settings.peaks[0].q"
            ],
            300.0,
            1.0,
            MAX_Q,
            peaks[0]
        ),
        bell_band!(
            "EQ Peak 2",
            [
                "fx_eq_p2_on",
                "fx_eq_p2_freq",
                "fx_eq_p2_gain",
                "fx_eq_p2_q"
            ],
            [
                "sound.fx.eq.settings.peaks[1].enabled",
                "sound.fx.eq.settings.peaks[1].freq_hz",
                "sound.fx.eq.settings.peaks[1].gain_db",
                "sound.fx.eq.settings.peaks[1].q"
            ],
            1200.0,
            1.0,
            MAX_Q,
            peaks[1]
        ),
    ),
    bell_band!(
        "EQ Peak 3",
        [
            "fx_eq_p3_on",
            "fx_eq_p3_freq",
            "fx_eq_p3_gain",
            "fx_eq_p3_q"
        ],
        [
            "sound.fx.eq.settings.peaks[2].enabled",
            "sound.fx.eq.settings.peaks[2].freq_hz",
            "sound.fx.eq.settings.peaks[2].gain_db",
            "sound.fx.eq.settings.peaks[2].q"
        ],
        4000.0,
        1.0,
        MAX_Q,
        peaks[2]
    ),
);

const EQ_HIGH: [FxSetting; 7] = join(
    bell_band!(
        "EQ High Shelf",
        [
            "fx_eq_hs_on",
            "fx_eq_hs_freq",
            "fx_eq_hs_gain",
            "fx_eq_hs_q"
        ],
        [
            "sound.fx.eq.settings.high_shelf.enabled",
            "sound.fx.eq.settings.high_shelf.freq_hz",
            "sound.fx.eq.settings.high_shelf.gain_db",
            "sound.fx.eq.settings.high_shelf.q"
        ],
        8000.0,
        PLAIN_SHELF_Q,
        MAX_SHELF_Q,
        high_shelf
    ),
    cut_band!(
        high_cut,
        "EQ High Cut",
        ["fx_eq_hc_on", "fx_eq_hc_freq", "fx_eq_hc_slope"],
        [
            "sound.fx.eq.settings.high_cut.enabled",
            "sound.fx.eq.settings.high_cut.freq_hz",
            "sound.fx.eq.settings.high_cut.slope"
        ],
        18_000.0
    ),
);

const COMPRESSOR: [FxSetting; 10] = join(
    slot!(
        Compressor,
        compressor,
        "Compressor",
        "fx_cmp_on",
        "fx_cmp_mix",
        false,
        1.0
    ),
    [
        num!(
            Compressor,
            "Compressor",
            "Threshold",
            lin(
                "fx_cmp_thresh",
                "sound.fx.compressor.settings.threshold_db",
                (-60.0, 0.0, -18.0),
                "dB"
            ),
            compressor.settings.threshold_db
        ),
        num!(
            Compressor,
            "Compressor",
            "Ratio",
            skew(
                "fx_cmp_ratio",
                "sound.fx.compressor.settings.ratio",
                (1.0, 50.0, 4.0),
                ""
            ),
            compressor.settings.ratio
        ),
        num!(
            Compressor,
            "Compressor",
            "Attack",
            skew(
                "fx_cmp_atk",
                "sound.fx.compressor.settings.attack_ms",
                (0.05, 500.0, 10.0),
                "ms"
            ),
            compressor.settings.attack_ms
        ),
        num!(
            Compressor,
            "Compressor",
            "Release",
            skew(
                "fx_cmp_rel",
                "sound.fx.compressor.settings.release_ms",
                (1.0, 5_000.0, 150.0),
                "ms"
            ),
            compressor.settings.release_ms
        ),
        num!(
            Compressor,
            "Compressor",
            "Knee",
            lin(
                "fx_cmp_knee",
                "sound.fx.compressor.settings.knee_db",
                (0.0, 24.0, 6.0),
                "dB"
            ),
            compressor.settings.knee_db
        ),
        num!(
            Compressor,
            "Compressor",
            "Makeup",
            lin(
                "fx_cmp_makeup",
                "sound.fx.compressor.settings.makeup_db",
                (-24.0, 24.0, 0.0),
                "dB"
            ),
            compressor.settings.makeup_db
        ),
        pick!(
            Compressor,
            "Compressor",
            "Detection",
            "fx_cmp_detect",
            "sound.fx.compressor.settings.detection",
            DETECTION_NAMES,
            DETECTIONS,
            0.0,
            compressor.settings.detection
        ),
        num!(
            Compressor,
            "Compressor",
            "Look-ahead",
            lin(
                "fx_cmp_look",
                "sound.fx.compressor.settings.lookahead_ms",
                (0.0, MAX_LOOKAHEAD_MS, 0.0),
                "ms"
            ),
            compressor.settings.lookahead_ms
        ),
    ],
);

const UPTO_DISTORTION: [FxSetting; 11] = join(EXTERNAL, DISTORTION);
const UPTO_CHORUS: [FxSetting; 19] = join(UPTO_DISTORTION, CHORUS);
const UPTO_PHASER: [FxSetting; 30] = join(UPTO_CHORUS, PHASER);
const UPTO_DELAY: [FxSetting; 39] = join(UPTO_PHASER, DELAY);
const UPTO_REVERB: [FxSetting; 46] = join(UPTO_DELAY, REVERB);
const UPTO_EQ_LOW: [FxSetting; 55] = join(UPTO_REVERB, EQ_LOW);
const UPTO_EQ_PEAKS: [FxSetting; 67] = join(UPTO_EQ_LOW, EQ_PEAKS);
const UPTO_EQ: [FxSetting; 74] = join(UPTO_EQ_PEAKS, EQ_HIGH);

/// Every effect setting, slot by slot in [`FxKind::ALL`] order; within a slot the switch
/// and the mix come first. Ids are stable (saved projects and automation name them).
pub const FX_SETTINGS: [FxSetting; FX_SETTING_COUNT] = join(UPTO_EQ, COMPRESSOR);

/// The effect setting with plugin id `id`.
pub fn fx_setting(id: &str) -> Option<&'static FxSetting> {
    FX_SETTINGS.iter().find(|s| s.setting.id == id)
}

/// The settings of `kind`'s slot, switch and mix first.
pub fn fx_settings_of(kind: FxKind) -> impl Iterator<Item = &'static FxSetting> {
    FX_SETTINGS.iter().filter(move |s| s.kind == kind)
}

impl RackSettings {
    /// The rack as one value per effect setting, in [`FX_SETTINGS`] order, patch units (the
    /// order is not among them). Never allocates.
    pub fn to_fx_values(&self) -> [f32; FX_SETTING_COUNT] {
        let mut out = [0.0; FX_SETTING_COUNT];
        for (v, s) in out.iter_mut().zip(&FX_SETTINGS) {
            *v = (s.get)(self);
        }
        out
    }

    /// The rack of `values` (in [`FX_SETTINGS`] order, patch units) in `order` (made valid
    /// by the rack if it is not a permutation), each value snapped to its setting's grid
    /// ([`Setting::snap`], as [`Sound::from_values`](super::Sound::from_values) does, so a
    /// plugin parameter's f32 rounding does not reach the sound). Fields that are not
    /// settings (the effects' own mixes) take their defaults; a NaN takes the setting's
    /// default. Never allocates.
    pub fn from_fx_values(values: &[f32; FX_SETTING_COUNT], order: [FxKind; SLOTS]) -> Self {
        let mut rack = Self {
            order,
            ..Self::default()
        };
        for (&v, s) in values.iter().zip(&FX_SETTINGS) {
            let v = if v.is_nan() {
                s.setting.default
            } else {
                s.setting.snap(v)
            };
            (s.set)(&mut rack, v);
        }
        rack
    }
}

#[cfg(test)]
#[path = "fx_ranges_tests.rs"]
mod tests;
