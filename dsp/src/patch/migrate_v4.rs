//! Version 3 → 4: the fixed routings become slots of the modulation matrix.
//!
//! Up to version 3 a patch routed its sources in fixed places: each LFO's `morph_depth`,
//! `pitch_semitones` and `cutoff_octaves`, the modulation envelope's `morph_depth`, the
//! filter's `env_octaves` and tension's `morph_depth`; and the voice itself moved morph y
//! with pressure and MPE slide and morph z with the mod wheel. Version 4 keeps only the
//! matrix. This step removes those fields and writes the same routings as slots after the
//! file's own slots (whose places, and paths in error messages, stay), in the order the
//! voice used to add them, so every old patch sounds as before (the factory patches to within 1e-6, `dsp/tests/factory_unchanged.rs`).

use serde_json::{Map, Value};

use super::PatchError;
use crate::modulation::{Destination, Source, INIT_SLOTS, MAX_SLOTS};

/// One routing read from a version-3 field: where it was, where it goes, and how far.
struct Legacy {
    /// The old field's path, for errors.
    path: String,
    /// The slot's source.
    source: Source,
    /// The slot's destination.
    destination: Destination,
    /// The old depth, in the destination's unit.
    depth: f32,
}

/// Removes `key` from `obj` and returns its number, or 0 when it is absent.
///
/// # Errors
/// [`PatchError::Schema`] when it is there but not a number.
fn take_number(obj: &mut Map<String, Value>, key: &str, path: &str) -> Result<f32, PatchError> {
    match obj.remove(key) {
        None => Ok(0.0),
        Some(v) => v
            .as_f64()
            .map(|x| x as f32)
            .ok_or_else(|| PatchError::Schema {
                path: path.into(),
                message: format!("expected a number, found {v}"),
                at: None,
            }),
    }
}

/// Removes the 3-number list `key` from `obj` (zeros when absent).
fn take_triple(
    obj: &mut Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<[f32; 3], PatchError> {
    let Some(v) = obj.remove(key) else {
        return Ok([0.0; 3]);
    };
    let bad = || PatchError::Schema {
        path: path.into(),
        message: format!("expected a list of 3 numbers, found {v}"),
        at: None,
    };
    let list = v.as_array().filter(|a| a.len() == 3).ok_or_else(bad)?;
    let mut out = [0.0; 3];
    for (o, x) in out.iter_mut().zip(list) {
        *o = x.as_f64().ok_or_else(bad)? as f32;
    }
    Ok(out)
}

/// The object at `key` of `obj`, if it is one.
fn object<'a>(obj: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    obj.get_mut(key).and_then(Value::as_object_mut)
}

/// Rewrites a version-3 document into version 4 (see the module docs).
///
/// # Errors
/// [`PatchError::Schema`] for a routing field of the wrong type, [`PatchError::NotFinite`]
/// or [`PatchError::OutOfRange`] naming the old field, [`PatchError::TooMany`] when the
/// routings and the file's slots do not fit in [`MAX_SLOTS`].
pub(crate) fn v3_to_v4(doc: &mut Map<String, Value>) -> Result<(), PatchError> {
    match object(doc, "sound") {
        Some(sound) => routings_to_slots(sound),
        // No sound section: the default sound, whose matrix holds the routings already.
        None => Ok(()),
    }
}

/// Rewrites a version-3 `sound` object in place: removes the fixed routings' fields and
/// appends them, with the voice's old expression routings ([`INIT_SLOTS`]), as slots to
/// `modulation.slots` (see the module docs). The plugin uses it on the state of a session
/// saved before version 4, whose routing parameters it lays out as such an object.
///
/// # Errors
/// As [`Patch::from_json`](super::Patch::from_json) would for the fields concerned.
pub fn routings_to_slots(sound: &mut Map<String, Value>) -> Result<(), PatchError> {
    let mut routes: Vec<Legacy> = INIT_SLOTS
        .iter()
        .map(|&(source, destination, depth)| Legacy {
            path: String::new(),
            source,
            destination,
            depth: depth * destination.full_scale(),
        })
        .collect();
    let mut later: Vec<Legacy> = Vec::new();
    let push = |list: &mut Vec<Legacy>, path: String, source, destination, depth: f32| {
        if depth != 0.0 {
            list.push(Legacy {
                path,
                source,
                destination,
                depth,
            });
        }
    };
    // The envelope's cutoff depth came first in the cutoff's sum.
    if let Some(filter) = object(sound, "filter") {
        let p = "sound.filter.env_octaves";
        let d = take_number(filter, "env_octaves", p)?;
        push(
            &mut routes,
            p.into(),
            Source::ModEnv,
            Destination::Cutoff,
            d,
        );
    }
    let lfo_sources = [Source::Lfo1, Source::Lfo2, Source::Lfo3];
    if let Some(lfos) = sound.get_mut("lfos").and_then(Value::as_array_mut) {
        for (k, lfo) in lfos.iter_mut().enumerate().take(3) {
            let Some(lfo) = lfo.as_object_mut() else {
                continue;
            };
            let base = format!("sound.lfos[{k}]");
            let src = lfo_sources[k];
            let p = format!("{base}.morph_depth");
            let m = take_triple(lfo, "morph_depth", &p)?;
            for (axis, dest) in [
                Destination::MorphX,
                Destination::MorphY,
                Destination::MorphZ,
            ]
            .into_iter()
            .enumerate()
            {
                push(&mut routes, format!("{p}[{axis}]"), src, dest, m[axis]);
            }
            let p = format!("{base}.pitch_semitones");
            let d = take_number(lfo, "pitch_semitones", &p)?;
            push(&mut routes, p, src, Destination::Pitch, d);
            let p = format!("{base}.cutoff_octaves");
            let d = take_number(lfo, "cutoff_octaves", &p)?;
            push(&mut routes, p, src, Destination::Cutoff, d);
        }
    }
    let axes = [
        Destination::MorphX,
        Destination::MorphY,
        Destination::MorphZ,
    ];
    for (section, source) in [("mod_env", Source::ModEnv), ("tension", Source::Tension)] {
        if let Some(obj) = object(sound, section) {
            let p = format!("sound.{section}.morph_depth");
            let m = take_triple(obj, "morph_depth", &p)?;
            for (axis, dest) in axes.into_iter().enumerate() {
                push(&mut later, format!("{p}[{axis}]"), source, dest, m[axis]);
            }
        }
    }
    routes.append(&mut later);
    let mut slots = Vec::with_capacity(routes.len());
    for r in &routes {
        let (lo, hi) = (-r.destination.full_scale(), r.destination.full_scale());
        if !r.depth.is_finite() {
            return Err(PatchError::NotFinite {
                path: r.path.clone(),
            });
        }
        if r.depth < lo || r.depth > hi {
            return Err(PatchError::OutOfRange {
                path: r.path.clone(),
                value: r.depth,
                min: lo,
                max: hi,
                unit: "",
            });
        }
        let mut slot = Map::new();
        slot.insert("source".into(), r.source.name().into());
        slot.insert("destination".into(), r.destination.name().into());
        let amount = r.destination.amount_for(r.depth);
        slot.insert("amount".into(), Value::from(f64::from(amount)));
        slots.push(Value::Object(slot));
    }
    let modulation = sound
        .entry("modulation")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(modulation) = modulation.as_object_mut() else {
        // Not an object: leave it for the decoder to refuse with its path.
        return Ok(());
    };
    // The file's own slots keep their places (and their paths in error messages); the
    // routings follow them.
    match modulation.remove("slots") {
        None => {}
        Some(Value::Array(mut own)) => {
            own.append(&mut slots);
            slots = own;
        }
        Some(other) => {
            return Err(PatchError::Schema {
                path: "sound.modulation.slots".into(),
                message: format!("expected a list of slots, found {other}"),
                at: None,
            })
        }
    }
    if slots.len() > MAX_SLOTS {
        return Err(PatchError::TooMany {
            path: "sound.modulation.slots (with the version-3 routings made slots)".into(),
            found: slots.len(),
            max: MAX_SLOTS,
        });
    }
    modulation.insert("slots".into(), Value::Array(slots));
    Ok(())
}
