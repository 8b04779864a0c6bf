//! The patch's effects rack (`sound.fx`, a [`RackSettings`]): range checks.
//!
//! Each effect documents its ranges in its settings type and enforces them in its
//! `clamped()`; a patch value is valid when clamping leaves it unchanged. So that the ranges
//! are written once, the check compares the settings with their clamped copy field by field
//! (through their JSON form) and, for the first field that differs, finds the field's range
//! by clamping a very low and a very high value.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::PatchError;
use crate::fx::rack::{FxKind, RackSettings, SLOTS};

/// Checks the rack: the order holds every kind once, mixes are 0–1, and every effect
/// setting is within its range.
///
/// # Errors
/// [`PatchError::Schema`] for a bad order, [`PatchError::NotFinite`] or
/// [`PatchError::OutOfRange`] naming the field (`sound.fx.delay.settings.feedback`).
pub(crate) fn validate_fx(fx: &RackSettings) -> Result<(), PatchError> {
    if !fx.order_is_valid() {
        return Err(PatchError::Schema {
            path: "sound.fx.order".into(),
            message: format!(
                "must list each of the {SLOTS} slots once ({})",
                FxKind::ALL.map(FxKind::name).join(", ")
            ),
            at: None,
        });
    }
    for kind in FxKind::ALL {
        let mix = fx.switch(kind).1;
        let path = format!("sound.fx.{kind}.mix");
        if !mix.is_finite() {
            return Err(PatchError::NotFinite { path });
        }
        if !(0.0..=1.0).contains(&mix) {
            return Err(PatchError::OutOfRange {
                path,
                value: mix,
                min: 0.0,
                max: 1.0,
                unit: "",
            });
        }
    }
    check("distortion", fx.distortion.settings, |s| s.clamped())?;
    check("chorus", fx.chorus.settings, |s| s.clamped())?;
    check("phaser", fx.phaser.settings, |s| s.clamped())?;
    check("delay", fx.delay.settings, |s| s.clamped())?;
    check("reverb", fx.reverb.settings, |s| s.clamped())?;
    check("eq", fx.eq.settings, |s| s.clamped())?;
    check("compressor", fx.compressor.settings, |s| s.clamped())
}

/// The first leaf (a path below `value`, and the leaf) where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, path: &mut String) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                match y.get(k) {
                    Some(w) if first_difference(v, w, path) => return true,
                    None => return true,
                    _ => path.truncate(len),
                }
            }
            false
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if first_difference(v, w, path) {
                    return true;
                }
                path.truncate(len);
            }
            false
        }
        _ => a != b,
    }
}

/// The leaf at `path` (`.a.b[2].c`) below `value`.
fn leaf_mut<'a>(value: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut v = value;
    for part in path.split('.').skip(1) {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        v = v.get_mut(key)?;
        if let Some(i) = index {
            v = v.get_mut(i)?;
        }
    }
    Some(v)
}

/// The unit a field's name carries (`_hz`, `_ms`, `_db`, `_s`).
fn unit_of(path: &str) -> &'static str {
    let name = path.rsplit('.').next().unwrap_or(path);
    if name.ends_with("_hz") {
        "Hz"
    } else if name.ends_with("_ms") {
        "ms"
    } else if name.ends_with("_db") {
        "dB"
    } else if name.ends_with("_s") {
        "s"
    } else {
        ""
    }
}

/// Checks one effect's settings against its `clamp`.
fn check<S>(name: &str, settings: S, clamp: impl Fn(S) -> S) -> Result<(), PatchError>
where
    S: Serialize + DeserializeOwned + Copy,
{
    // NOTE: plain structs of numbers, names and booleans always serialise.
    let to_value = |s: S| serde_json::to_value(s).unwrap_or(Value::Null);
    let given = to_value(settings);
    let clamped = to_value(clamp(settings));
    let mut leaf = String::new();
    if !first_difference(&given, &clamped, &mut leaf) {
        return Ok(());
    }
    let path = format!("sound.fx.{name}.settings{leaf}");
    let value = leaf_mut(&mut given.clone(), &leaf)
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN) as f32;
    if !value.is_finite() {
        return Err(PatchError::NotFinite { path });
    }
    // The range: what the clamp makes of a very low and a very high value.
    let integer = leaf_mut(&mut given.clone(), &leaf).is_some_and(|v| v.is_u64());
    let probe = |extreme: Value| -> f32 {
        let mut v = given.clone();
        if let Some(l) = leaf_mut(&mut v, &leaf) {
            *l = extreme;
        }
        let Ok(s) = serde_json::from_value::<S>(v) else {
            return f32::NAN;
        };
        let mut out = to_value(clamp(s));
        leaf_mut(&mut out, &leaf)
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN) as f32
    };
    let (lo, hi) = if integer {
        (Value::from(0u64), Value::from(u64::from(u32::MAX)))
    } else {
        (Value::from(-1e30f64), Value::from(1e30f64))
    };
    Err(PatchError::OutOfRange {
        path: path.clone(),
        value,
        min: probe(lo),
        max: probe(hi),
        unit: unit_of(&path),
    })
}
