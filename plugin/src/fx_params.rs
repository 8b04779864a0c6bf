//! The effects rack's host parameters, built from the sound contract's effect table
//! ([`FX_SETTINGS`]), and the rack's order as plugin state.
//!
//! - **Parameters**: one per entry of [`FX_SETTINGS`], in its order, with its id
//!   (`fx_dly_time`), its name ("Delay Time"), its range, default and unit, in the host
//!   group `Effects/<slot>`. Continuous settings are [`FloatParam`]s (plain value = patch
//!   value × `display_scale`), whole numbers and choices [`IntParam`]s (a choice shows its
//!   name), switches [`BoolParam`]s. They are not smoothed here: each effect smooths its own
//!   settings, and the rack crossfades switches and mixes.
//! - **Order**: a permutation of the nine slots, packed into one atomic word
//!   ([`FxOrderCell`]), persisted under the state key `fx_order` as the slots' names. The
//!   audio thread reads it with one relaxed load; nothing is locked or allocated there.
//!
//! [`FxParams::rack`] reads both into a [`RackSettings`] on the audio thread;
//! [`FxParams::apply`] writes a patch's rack through the host (the editor's browser, a CLAP
//! preset load).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use nice_plug::params::internals::ParamPtr;
use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;
use serde::{Deserialize, Serialize};
use wavecube_dsp::fx::rack::{FxKind, RackSettings, SLOTS};
use wavecube_dsp::patch::fx_ranges::{FxSetting, FX_SETTINGS, FX_SETTING_COUNT};
use wavecube_dsp::patch::ranges::{Kind, Taper};

/// The host group of the effect parameters (each slot is a sub-group).
pub const FX_GROUP: &str = "Effects";

/// One effect parameter.
pub enum FxParam {
    /// A continuous setting (plain = patch value × `display_scale`).
    Float(FloatParam),
    /// A whole number, or a choice (the index).
    Int(IntParam),
    /// A switch.
    Bool(BoolParam),
}

impl FxParam {
    /// The parameter, for the host.
    pub fn ptr(&self) -> ParamPtr {
        match self {
            Self::Float(p) => p.as_ptr(),
            Self::Int(p) => p.as_ptr(),
            Self::Bool(p) => p.as_ptr(),
        }
    }

    /// The value in patch units (a choice's index, a switch 0 or 1).
    fn patch_value(&self, setting: &FxSetting) -> f32 {
        match self {
            Self::Float(p) => p.value() / setting.setting.display_scale,
            Self::Int(p) => p.value() as f32,
            Self::Bool(p) => f32::from(u8::from(p.value())),
        }
    }

    /// The plain parameter value of a patch value (held to the range by the host).
    fn plain_of(&self, setting: &FxSetting, value: f32) -> f32 {
        match self {
            Self::Float(_) => value * setting.setting.display_scale,
            Self::Int(_) | Self::Bool(_) => value.round(),
        }
    }
}

/// The unit a parameter shows after its value.
fn display_unit(setting: &FxSetting) -> &'static str {
    if setting.setting.display_scale == 100.0 {
        return " %";
    }
    match setting.setting.unit {
        "ms" => " ms",
        "Hz" => " Hz",
        "dB" => " dB",
        "s" => " s",
        _ => "",
    }
}

/// A value with three significant digits at most (and at least no decimals): "375",
/// "12.5", "0.707".
fn three_digits(value: f32) -> String {
    let a = value.abs();
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    format!("{value:.decimals$}")
}

/// Builds the parameter of `setting`.
fn build(setting: &FxSetting) -> FxParam {
    let s = &setting.setting;
    let name = setting.name();
    match s.kind {
        Kind::Float(taper) => {
            let (min, max) = (s.min * s.display_scale, s.max * s.display_scale);
            let range = match taper {
                Taper::Skewed { exponent } => FloatRange::Skewed {
                    min,
                    max,
                    factor: FloatRange::skew_factor(exponent),
                },
                Taper::Linear => FloatRange::Linear { min, max },
            };
            FxParam::Float(
                FloatParam::new(name, s.default * s.display_scale, range)
                    .with_unit(display_unit(setting))
                    .with_value_to_string(if s.display_scale == 100.0 {
                        // A percentage: one decimal, as the other % parameters show.
                        formatters::v2s_f32_rounded(1)
                    } else {
                        Arc::new(three_digits)
                    })
                    .with_string_to_value(Arc::new(|text: &str| {
                        let number = text
                            .trim()
                            .trim_end_matches(|c: char| c.is_alphabetic() || c == '%');
                        number.trim().parse().ok()
                    })),
            )
        }
        Kind::Int => FxParam::Int(IntParam::new(
            name,
            s.default as i32,
            IntRange::Linear {
                min: s.min as i32,
                max: s.max as i32,
            },
        )),
        Kind::Bool => FxParam::Bool(BoolParam::new(name, s.default >= 0.5)),
        Kind::Choice(names) => FxParam::Int(
            IntParam::new(
                name,
                s.default as i32,
                IntRange::Linear {
                    min: 0,
                    max: names.len() as i32 - 1,
                },
            )
            .with_value_to_string(Arc::new(move |i| {
                names
                    .get(i.max(0) as usize)
                    .map_or_else(|| i.to_string(), |n| (*n).to_owned())
            }))
            .with_string_to_value(Arc::new(move |text| {
                let text = text.trim();
                names
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(text))
                    .map(|i| i as i32)
                    .or_else(|| text.parse().ok())
            })),
        ),
    }
}

/// The effect parameters, one per [`FX_SETTINGS`] entry in its order.
pub struct FxParams {
    /// The parameters (never resized after construction: the host holds pointers into it).
    params: Vec<FxParam>,
    /// The host group of each parameter (`Effects/Delay`).
    groups: Vec<String>,
}

impl Default for FxParams {
    fn default() -> Self {
        Self {
            params: FX_SETTINGS.iter().map(build).collect(),
            groups: FX_SETTINGS
                .iter()
                .map(|s| slot_title(s.kind).to_owned())
                .collect(),
        }
    }
}

/// The title of a slot, as its host sub-group and the editor show it.
pub fn slot_title(kind: FxKind) -> &'static str {
    match kind {
        FxKind::Codec => "Codec",
        FxKind::Body => "Body",
        FxKind::Distortion => "Distortion",
        FxKind::Chorus => "Chorus",
        FxKind::Phaser => "Phaser",
        FxKind::Delay => "Delay",
        FxKind::Reverb => "Reverb",
        FxKind::Eq => "EQ",
        FxKind::Compressor => "Compressor",
    }
}

// SAFETY: `param_map` points into `self.params`, which is never resized or moved out of
// after construction, so the pointers stay valid as long as `self` lives (the plugin keeps
// its parameters in an `Arc` for its whole life).
unsafe impl Params for FxParams {
    fn param_map(&self) -> Vec<(String, ParamPtr, String)> {
        FX_SETTINGS
            .iter()
            .zip(&self.params)
            .zip(&self.groups)
            .map(|((s, p), g)| (s.setting.id.to_owned(), p.ptr(), g.clone()))
            .collect()
    }
}

impl FxParams {
    /// The parameters, in [`FX_SETTINGS`] order.
    pub fn params(&self) -> &[FxParam] {
        &self.params
    }

    /// Every effect setting's value in patch units, [`FX_SETTINGS`] order. Never allocates.
    pub fn values(&self) -> [f32; FX_SETTING_COUNT] {
        let mut out = [0.0; FX_SETTING_COUNT];
        for ((v, p), s) in out.iter_mut().zip(&self.params).zip(&FX_SETTINGS) {
            *v = p.patch_value(s);
        }
        out
    }

    /// The rack the parameters and `order` describe. Never allocates (audio thread).
    pub fn rack(&self, order: [FxKind; SLOTS]) -> RackSettings {
        RackSettings::from_fx_values(&self.values(), order)
    }

    /// Sets every effect parameter to `rack`'s value through the host (one complete gesture
    /// each); values out of range are held to it, a NaN sets the default. The order is
    /// state: see [`FxOrderCell::set`].
    pub fn apply(&self, rack: &RackSettings, setter: &ParamSetter) {
        for ((p, s), value) in self
            .params
            .iter()
            .zip(&FX_SETTINGS)
            .zip(rack.to_fx_values())
        {
            let value = if value.is_nan() {
                s.setting.default
            } else {
                value
            };
            let ptr = p.ptr();
            // SAFETY: `ptr` points into `self.params`, alive for this call.
            unsafe {
                let normalized = ptr.preview_normalized(p.plain_of(s, value));
                setter.raw_context.raw_begin_set_parameter(ptr);
                setter
                    .raw_context
                    .raw_set_parameter_normalized(ptr, normalized);
                setter.raw_context.raw_end_set_parameter(ptr);
            }
        }
    }
}

/// Packs an order into a word: 4 bits per slot, slot 0 lowest.
fn pack(order: [FxKind; SLOTS]) -> u64 {
    order
        .iter()
        .enumerate()
        .fold(0, |w, (i, k)| w | ((k.index() as u64) << (4 * i)))
}

/// Unpacks a word written by [`pack`].
fn unpack(word: u64) -> [FxKind; SLOTS] {
    std::array::from_fn(|i| FxKind::ALL[((word >> (4 * i)) & 0xf) as usize % SLOTS])
}

/// True when `order` holds every slot once.
pub fn is_permutation(order: &[FxKind; SLOTS]) -> bool {
    let mut seen = [false; SLOTS];
    order
        .iter()
        .all(|k| !std::mem::replace(&mut seen[k.index()], true))
}

/// The rack's order, shared by the editor, the state and the audio thread (one atomic word).
#[derive(Debug)]
pub struct FxOrderCell {
    word: AtomicU64,
}

impl Default for FxOrderCell {
    fn default() -> Self {
        Self {
            word: AtomicU64::new(pack(FxKind::ALL)),
        }
    }
}

impl FxOrderCell {
    /// The order now. Lock-free and allocation-free (audio thread).
    pub fn get(&self) -> [FxKind; SLOTS] {
        unpack(self.word.load(Ordering::Relaxed))
    }

    /// Makes `order` the rack's; an order that is not a permutation of the slots is ignored
    /// (returns false).
    pub fn set(&self, order: [FxKind; SLOTS]) -> bool {
        if !is_permutation(&order) {
            return false;
        }
        self.word.store(pack(order), Ordering::Relaxed);
        true
    }
}

/// The persisted form of the order (state key `fx_order`): the slots' names in order
/// (`["codec", "body", "distortion", …]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FxOrder(pub [FxKind; SLOTS]);

impl<'a> PersistentField<'a, FxOrder> for FxOrderCell {
    fn set(&self, new_value: FxOrder) {
        FxOrderCell::set(self, new_value.0);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&FxOrder) -> R,
    {
        f(&FxOrder(self.get()))
    }
}

impl<'a> PersistentField<'a, FxOrder> for Arc<FxOrderCell> {
    fn set(&self, new_value: FxOrder) {
        FxOrderCell::set(self.as_ref(), new_value.0);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&FxOrder) -> R,
    {
        f(&FxOrder(self.get()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_survives_the_word() {
        let mut order = FxKind::ALL;
        for r in 0..SLOTS {
            order.rotate_left(1);
            order.swap(0, r);
            assert_eq!(unpack(pack(order)), order);
        }
        let cell = FxOrderCell::default();
        assert_eq!(cell.get(), FxKind::ALL);
        let mut twice = FxKind::ALL;
        twice[1] = twice[0];
        assert!(!cell.set(twice));
        assert_eq!(cell.get(), FxKind::ALL);
    }

    #[test]
    fn parameters_read_back_the_rack_they_were_built_with() {
        let params = FxParams::default();
        assert_eq!(params.rack(FxKind::ALL), RackSettings::default());
        let map = params.param_map();
        assert_eq!(map.len(), FX_SETTING_COUNT);
        assert_eq!(map[0].0, "fx_codec_on");
        assert_eq!(map[0].2, "Codec");
    }

    #[test]
    fn choices_show_their_names_and_parse_them() {
        let params = FxParams::default();
        let i = FX_SETTINGS
            .iter()
            .position(|s| s.setting.id == "fx_dly_sync")
            .unwrap();
        let FxParam::Int(p) = &params.params()[i] else {
            panic!("sync is an int parameter");
        };
        assert_eq!(
            p.normalized_value_to_string(p.preview_normalized(16), false),
            "1/8"
        );
        assert_eq!(
            p.string_to_normalized_value("1/8T"),
            Some(p.preview_normalized(18))
        );
    }
}
