//! A session saved before the matrix held every routing (matrix state version 1, patch
//! format 3) loads with its routings as slots: the removed routing parameters (LFO,
//! envelope 2 and tension depths, the filter's envelope amount) become slots after the
//! record's own, exactly as a version-3 patch file migrates, and the session then sounds
//! like that patch.

mod common;

use std::collections::BTreeMap;

use common::{max_diff, note_on, Host};
use nice_plug::plugin::{ParamValue, PluginState};
use nice_plug::prelude::*;
use wavecube_dsp::modulation::{Destination, Slot, Source, INIT_SLOTS};
use wavecube_plugin::macros::{upgrade_state, MATRIX_STATE_VERSION};
use wavecube_plugin::Wavecube;

/// A state as a version-1 session wrote it: LFO 1 on morph x and pitch, envelope 2 on the
/// cutoff and morph z, tension on morph y, and one slot of its own.
fn old_state() -> PluginState {
    let mut params = BTreeMap::new();
    for (id, v) in [
        ("lfo1_rate", 3.0),
        ("lfo1_x", 0.3),
        ("lfo1_pit", 0.5),
        ("env2_z", -0.4),
        ("flt_env", 2.0),
        ("flt_on", 1.0),
        ("ten_y", 0.25),
    ] {
        params.insert(id.to_owned(), ParamValue::F32(v));
    }
    let mut fields = BTreeMap::new();
    fields.insert(
        "matrix".to_owned(),
        r#"{"version": 1, "key_centre": 60.0, "random_rate_hz": 1.0,
            "slots": [{"source": "velocity", "destination": "amp", "amount": 0.5}],
            "macro_names": ["A", "B", "C", "D"]}"#
            .to_owned(),
    );
    PluginState {
        version: "0.1.0".into(),
        params,
        fields,
    }
}

/// The slots the upgrade must write, in order.
fn expected_slots() -> Vec<Slot> {
    let mut want = vec![Slot::new(Source::Velocity, Destination::Amp, 0.5)];
    want.extend(INIT_SLOTS.map(|(s, d, a)| Slot::new(s, d, a)));
    want.extend([
        Slot::new(Source::ModEnv, Destination::Cutoff, 2.0 / 8.0),
        Slot::new(Source::Lfo1, Destination::MorphX, 0.3),
        Slot::new(
            Source::Lfo1,
            Destination::Pitch,
            Destination::Pitch.amount_for(0.5),
        ),
        Slot::new(Source::ModEnv, Destination::MorphZ, -0.4),
        Slot::new(Source::Tension, Destination::MorphY, 0.25),
    ]);
    want
}

#[test]
fn old_routing_parameters_become_slots() {
    let mut state = old_state();
    Wavecube::filter_state(&mut state);
    for id in ["lfo1_x", "lfo1_pit", "env2_z", "flt_env", "ten_y"] {
        assert!(!state.params.contains_key(id), "{id} is gone");
    }
    assert!(state.params.contains_key("lfo1_rate"), "the rest stays");
    let record: serde_json::Value = serde_json::from_str(&state.fields["matrix"]).unwrap();
    assert_eq!(record["version"], MATRIX_STATE_VERSION);
    assert_eq!(record["macro_names"][0], "A", "the names stay");

    // Loaded, the plugin holds the slots in the migration's order.
    let fields = state.fields.clone();
    let host = Host::new_with(&[("flt_on", 1.0), ("lfo1_rate", 3.0)], |plugin| {
        plugin.params().deserialize_fields(&fields)
    });
    let m = host.plugin.wavecube_params().matrix.matrix();
    let got: Vec<Slot> = m.slots.iter().copied().filter(Slot::is_active).collect();
    assert_eq!(got, expected_slots());

    // Upgrading twice changes nothing.
    let again = state.clone();
    let mut twice = state;
    upgrade_state(&mut twice);
    assert_eq!(twice.fields, again.fields);
}

#[test]
fn a_state_without_a_matrix_gets_the_expression_routings() {
    let mut state = PluginState {
        version: String::new(),
        params: BTreeMap::new(),
        fields: BTreeMap::new(),
    };
    upgrade_state(&mut state);
    let record: serde_json::Value = serde_json::from_str(&state.fields["matrix"]).unwrap();
    let slots = record["slots"].as_array().unwrap();
    assert_eq!(slots.len(), INIT_SLOTS.len());
    assert_eq!(slots[0]["source"], "pressure");
    assert_eq!(slots[2]["destination"], "morph_z");
}

#[test]
fn the_upgraded_session_sounds_like_the_migrated_patch() {
    // The same session set up directly with the expected slots.
    let mut state = old_state();
    upgrade_state(&mut state);
    let fields = state.fields.clone();
    let settings = [("flt_on", 1.0), ("lfo1_rate", 3.0)];
    let mut upgraded = Host::new_with(&settings, |plugin| {
        plugin.params().deserialize_fields(&fields)
    });
    let mut direct = Host::new_with(&settings, |plugin| {
        let mut m = wavecube_dsp::modulation::ModMatrix::default();
        for s in expected_slots() {
            m.push(s);
        }
        plugin.wavecube_params().matrix.set(&m, None);
    });
    for host in [&mut upgraded, &mut direct] {
        host.block(512, &[note_on(0, 1, 57, 0.8)]);
        for _ in 0..40 {
            host.block(512, &[]);
        }
    }
    let d = max_diff(&upgraded.out[0], &direct.out[0]);
    assert!(d == 0.0, "upgraded vs direct differ by {d}");
    assert!(
        upgraded.out[0].iter().any(|v| v.abs() > 1e-3),
        "the note sounds"
    );
}
