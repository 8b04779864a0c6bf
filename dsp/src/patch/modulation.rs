//! The patch's modulation section (JSON `sound.modulation`): the matrix's slots, the
//! macro values and the matrix settings, with their mapping to [`ModMatrix`].

use serde::{Deserialize, Serialize};

use super::PatchError;
use crate::modulation::{
    Curve, Destination, ModMatrix, Slot, Source, INIT_SLOTS, MACROS, MAX_SLOTS,
};

/// One slot (JSON `sound.modulation.slots[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotSection {
    /// The source's name (`"velocity"`, `"lfo2"`, `"macro1"`, …).
    pub source: Source,
    /// The destination's name (`"morph_x"`, `"cutoff"`, …).
    pub destination: Destination,
    /// Depth, −1 to 1 of the destination's full scale.
    pub amount: f32,
    /// A source that scales the slot, or none. Default none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Source>,
    /// `"linear"`, `"exponential"` or `"s"`. Default linear.
    #[serde(default, skip_serializing_if = "is_linear")]
    pub curve: Curve,
    /// False to keep the slot but silence it. Default true.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
}

fn is_linear(c: &Curve) -> bool {
    *c == Curve::Linear
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl SlotSection {
    /// The engine's slot.
    pub fn to_slot(&self) -> Slot {
        Slot {
            enabled: self.enabled,
            source: self.source,
            via: self.via,
            destination: self.destination,
            amount: self.amount,
            curve: self.curve,
        }
    }

    /// The section of `slot`.
    pub fn from_slot(slot: &Slot) -> Self {
        Self {
            source: slot.source,
            destination: slot.destination,
            amount: slot.amount,
            via: slot.via,
            curve: slot.curve,
            enabled: slot.enabled,
        }
    }
}

/// The modulation section (JSON `sound.modulation`). Omitted from the file while it is
/// the default (the expression slots of [`INIT_SLOTS`], macros at 0); a file that gives
/// the section without `slots` gets those slots too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModSection {
    /// The macro knobs' values, 0 to 1 each. Default 0.
    pub macros: [f32; MACROS],
    /// The key source's centre, MIDI note 0 to 127. Default 60 (C4).
    pub key_centre: f32,
    /// The smoothed random LFO's rate, Hz, 0.01 to 50. Default 1.
    pub random_rate_hz: f32,
    /// The slots, at most [`MAX_SLOTS`], in matrix order.
    pub slots: Vec<SlotSection>,
}

impl Default for ModSection {
    fn default() -> Self {
        Self {
            slots: ModMatrix::init().slots[..INIT_SLOTS.len()]
                .iter()
                .map(SlotSection::from_slot)
                .collect(),
            ..Self::empty()
        }
    }
}

impl ModSection {
    /// A section with no slots and the matrix's default settings (macros at 0). Never
    /// allocates, unlike [`Default`] (whose slots are [`INIT_SLOTS`]).
    pub fn empty() -> Self {
        let m = ModMatrix::default();
        Self {
            macros: [0.0; MACROS],
            key_centre: m.key_centre,
            random_rate_hz: m.random_rate_hz,
            slots: Vec::new(),
        }
    }

    /// True when it is the default (and so left out of the file).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The engine's matrix. Never allocates (the plugin calls it on its audio thread);
    /// slots past [`MAX_SLOTS`] are dropped (validation refuses them).
    pub fn to_matrix(&self) -> ModMatrix {
        let mut m = ModMatrix {
            key_centre: self.key_centre,
            random_rate_hz: self.random_rate_hz,
            ..ModMatrix::default()
        };
        for (dst, s) in m.slots.iter_mut().zip(&self.slots) {
            *dst = s.to_slot();
        }
        m
    }

    /// The section of `m` and macro values `macros` (sanitised first). Slots are kept in
    /// place up to the last one that is not the default (unused) slot.
    pub fn from_matrix(m: &ModMatrix, macros: [f32; MACROS]) -> Self {
        let m = m.sanitized();
        let used = m
            .slots
            .iter()
            .rposition(|s| *s != Slot::default())
            .map_or(0, |i| i + 1);
        Self {
            macros: macros.map(|v| if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) }),
            key_centre: m.key_centre,
            random_rate_hz: m.random_rate_hz,
            slots: m.slots[..used].iter().map(SlotSection::from_slot).collect(),
        }
    }

    /// Checks every value against its range.
    ///
    /// # Errors
    /// [`PatchError::TooMany`], [`PatchError::NotFinite`] or [`PatchError::OutOfRange`]
    /// naming the field.
    pub fn validate(&self) -> Result<(), PatchError> {
        let base = "sound.modulation";
        if self.slots.len() > MAX_SLOTS {
            return Err(PatchError::TooMany {
                path: format!("{base}.slots"),
                found: self.slots.len(),
                max: MAX_SLOTS,
            });
        }
        for (i, v) in self.macros.iter().enumerate() {
            check(&format!("{base}.macros[{i}]"), *v, 0.0, 1.0, "")?;
        }
        check(
            &format!("{base}.key_centre"),
            self.key_centre,
            0.0,
            127.0,
            "",
        )?;
        check(
            &format!("{base}.random_rate_hz"),
            self.random_rate_hz,
            0.01,
            50.0,
            "Hz",
        )?;
        for (i, s) in self.slots.iter().enumerate() {
            check(
                &format!("{base}.slots[{i}].amount"),
                s.amount,
                -1.0,
                1.0,
                "",
            )?;
        }
        Ok(())
    }
}

fn check(path: &str, value: f32, min: f32, max: f32, unit: &'static str) -> Result<(), PatchError> {
    if !value.is_finite() {
        return Err(PatchError::NotFinite { path: path.into() });
    }
    if value < min || value > max {
        return Err(PatchError::OutOfRange {
            path: path.into(),
            value,
            min,
            max,
            unit,
        });
    }
    Ok(())
}

/// The default macro names: "Macro 1" to "Macro 4".
pub fn default_macro_names() -> [String; MACROS] {
    std::array::from_fn(|i| format!("Macro {}", i + 1))
}
