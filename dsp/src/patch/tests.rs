//! Tests of the patch module: JSON, migration, validation and the engine mapping.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::data::round_gain_db;
use super::json::{migrate, migrate_with, path_at, Migration};
use super::*;
use crate::fx::rack::RackSettings;
use crate::harmony::AnalysisMode;
use crate::modulation::{Destination, Slot, Source, INIT_SLOTS};
use crate::synth::{FilterMode, FilterParams, LfoParams, LfoShape, SynthParams, VoiceMode};

fn named(name: &str) -> PatchMeta {
    PatchMeta {
        name: name.into(),
        category: Category::Lead,
        bank: Some("factory".into()),
        author: "Tests".into(),
        description: "A test patch".into(),
        tags: vec!["test".into(), "bright".into()],
        ..PatchMeta::default()
    }
}

/// A patch that sets every field away from its default.
fn busy_patch() -> Patch {
    let mut params = SynthParams {
        morph: [0.25, 0.5, 0.75],
        gain: db_to_gain(-6.5),
        velocity_sensitivity: 0.5,
        bend_range_semitones: 12.0,
        polyphony: 8,
        voice_mode: VoiceMode::Legato,
        glide_ms: 80.0,
        unison: 3,
        detune_cents: 12.5,
        spread: 0.6,
        ..SynthParams::default()
    };
    params.filter = FilterParams {
        enabled: true,
        mode: FilterMode::BandPass,
        cutoff_hz: 1234.5,
        resonance: 0.4,
        keytrack: 0.5,
    };
    params.lfo[1] = LfoParams::new(LfoShape::Random, 7.5);
    // The order version 3's fixed routings migrate in (see `old_routings_become_slots`).
    for (source, destination, amount) in [
        (Source::ModEnv, Destination::Cutoff, -0.25),
        (Source::Lfo2, Destination::MorphY, 0.3),
        (Source::Lfo2, Destination::Pitch, 0.125),
        (Source::Lfo2, Destination::Cutoff, 0.1875),
        (Source::ModEnv, Destination::MorphX, 0.1),
        (Source::ModEnv, Destination::MorphY, -0.2),
    ] {
        assert!(params.matrix.push(Slot::new(source, destination, amount)));
    }
    params.amp_env.attack_ms = 120.0;
    params.mod_env.release_ms = 900.0;
    Patch::from_params(&params, named("Busy"))
}

/// A change to a patch document.
type Edit = fn(&mut Value);

/// `busy_patch()` as JSON with `edit` applied to the document.
fn edited(edit: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value = serde_json::from_str(&busy_patch().to_json_pretty()).unwrap();
    edit(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap()
}

#[test]
fn json_round_trips_and_reads_well() {
    let p = busy_patch();
    let text = p.to_json_pretty();
    assert_eq!(Patch::from_json(&text), Ok(p.clone()));
    assert_eq!(text, p.to_json_pretty(), "deterministic");
    assert!(text.ends_with("}\n") && !text.ends_with("\n\n"), "{text}");
    assert!(text.starts_with(&format!(
        "{{\n  \"format\": \"wavecube-patch\",\n  \"version\": {PATCH_VERSION},\n"
    )));
    assert!(text.contains("\"morph\": [0.25, 0.5, 0.75]"), "{text}");
    assert!(text.contains("\"tags\": [\"test\", \"bright\"]"), "{text}");
    assert!(text.contains("\"gain_db\": -6.5,"), "{text}");
    assert!(text.contains("\"mode\": \"band-pass\""), "{text}");
    assert!(text.contains("\"mode\": \"legato\""), "{text}");
    assert!(text.contains("\"shape\": \"random\""), "{text}");
    // A key order fixed by the structs: meta before sound, name first.
    let order = [
        "\"meta\"",
        "\"name\"",
        "\"category\"",
        "\"bank\"",
        "\"sound\"",
        "\"lfos\"",
    ];
    let at: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
}

#[test]
fn omitted_fields_take_the_engine_defaults() {
    let p = Patch::from_json(r#"{"format": "wavecube-patch", "version": 1}"#).unwrap();
    assert_eq!(p, Patch::default());
    assert_eq!(p.to_params(), SynthParams::default());
    assert_eq!(p.meta.name, "Init");

    let p = Patch::from_json(
        r#"{
          "format": "wavecube-patch", "version": 1,
          "meta": {"name": "Half"},
          "sound": {
            "amp_env": {"release_ms": 1200},
            "filter": {"enabled": true},
            "lfos": [{"rate_hz": 5, "pitch_semitones": 0.2}]
          }
        }"#,
    )
    .unwrap();
    let want = SynthParams::default();
    let got = p.to_params();
    assert_eq!(got.amp_env.release_ms, 1200.0);
    assert_eq!(got.amp_env.attack_ms, want.amp_env.attack_ms);
    assert!(got.filter.enabled);
    assert_eq!(got.filter.cutoff_hz, want.filter.cutoff_hz);
    assert_eq!(got.lfo[0].rate_hz, 5.0);
    // Version 1's vibrato depth is a slot now, after the expression routings.
    let vibrato = got.matrix.slots[INIT_SLOTS.len()];
    assert_eq!(
        (vibrato.source, vibrato.destination),
        (Source::Lfo1, Destination::Pitch)
    );
    assert!((vibrato.amount * 24.0 - 0.2).abs() < 1e-7, "{vibrato:?}");
    assert_eq!(got.matrix.active(), INIT_SLOTS.len() + 1);
    assert_eq!(got.lfo[0].shape, LfoShape::Sine);
    assert_eq!(got.lfo[1..], want.lfo[1..]);
    assert_eq!(got.polyphony, want.polyphony);
    assert_eq!(
        (p.meta.name.as_str(), p.meta.category),
        ("Half", Category::Keys)
    );
}

#[test]
fn lfo_shapes_read_every_from_str_name() {
    for (name, shape) in [
        ("sin", LfoShape::Sine),
        ("Triangle", LfoShape::Triangle),
        ("tri", LfoShape::Triangle),
        ("SAW", LfoShape::Saw),
        ("sqr", LfoShape::Square),
        ("s&h", LfoShape::Random),
    ] {
        let text = edited(|d| d["sound"]["lfos"][2]["shape"] = name.into());
        let p = Patch::from_json(&text).unwrap();
        assert_eq!(p.sound.lfos[2].shape, shape, "{name}");
    }
}

#[test]
fn header_errors_are_typed() {
    let future = edited(|d| d["version"] = (PATCH_VERSION + 1).into());
    assert_eq!(
        Patch::from_json(&future),
        Err(PatchError::UnsupportedVersion {
            found: u64::from(PATCH_VERSION) + 1,
            supported: PATCH_VERSION
        })
    );
    let msg = Patch::from_json(&edited(|d| d["version"] = 99.into()))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("99") && msg.contains("update Wavecube"),
        "{msg}"
    );
    for bad in [
        Value::from(0),
        Value::from(1.5),
        Value::from("1"),
        Value::Null,
    ] {
        let text = edited(|d| d["version"] = bad.clone());
        assert!(
            matches!(
                Patch::from_json(&text),
                Err(PatchError::InvalidVersion { .. })
            ),
            "{bad}"
        );
    }
    let no_version = edited(|d| {
        d.as_object_mut().unwrap().remove("version");
    });
    assert_eq!(
        Patch::from_json(&no_version),
        Err(PatchError::InvalidVersion {
            found: "missing".into()
        })
    );
    let bank = edited(|d| d["format"] = "wavecube-bank".into());
    assert_eq!(
        Patch::from_json(&bank),
        Err(PatchError::Format {
            found: "\"wavecube-bank\"".into()
        })
    );
    assert_eq!(
        Patch::from_json("[1, 2]"),
        Err(PatchError::NotAnObject { found: "an array" })
    );
    let big = " ".repeat(MAX_PATCH_BYTES + 1);
    assert!(matches!(
        Patch::from_json(&big),
        Err(PatchError::TooLarge { .. })
    ));
}

#[test]
fn syntax_errors_give_line_and_column() {
    let text = "{\n  \"format\": \"wavecube-patch\",\n  \"version\": 1,\n  \"meta\": {\n}";
    match Patch::from_json(text) {
        Err(PatchError::Syntax { at, message }) => {
            assert_eq!(at.line, 5, "{message}");
            assert!(!message.contains(" at line"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let trailing = "{\"format\": \"wavecube-patch\",\n \"version\": 1,}";
    let err = Patch::from_json(trailing).unwrap_err();
    assert!(
        matches!(
            err,
            PatchError::Syntax {
                at: Position { line: 2, .. },
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn decode_errors_name_the_field_and_place() {
    let text = edited(|d| d["sound"]["filter"]["mode"] = "lowpass".into());
    let err = Patch::from_json(&text).unwrap_err();
    let line = text
        .lines()
        .position(|l| l.contains("\"lowpass\""))
        .unwrap()
        + 1;
    match &err {
        PatchError::UnknownName {
            path,
            found,
            expected,
            at: Some(at),
        } => {
            assert_eq!(path, "sound.filter.mode");
            assert_eq!(found, "lowpass");
            assert_eq!(expected, "low-pass, band-pass, high-pass");
            assert_eq!(at.line, line);
        }
        other => panic!("{other:?}"),
    }
    let text = edited(|d| d["sound"]["lfos"][1]["shape"] = "wobble".into());
    let err = Patch::from_json(&text).unwrap_err();
    assert_eq!(err.path(), Some("sound.lfos[1].shape"), "{err}");
    assert!(
        err.to_string()
            .contains("sine, triangle, saw, square, random"),
        "{err}"
    );
    let text = edited(|d| d["sound"]["voice"]["mode"] = "duo".into());
    assert!(matches!(
        Patch::from_json(&text),
        Err(PatchError::UnknownName { ref path, .. }) if path == "sound.voice.mode"
    ));
    let text = edited(|d| d["meta"]["category"] = "drums".into());
    assert_eq!(
        Patch::from_json(&text).unwrap_err().path(),
        Some("meta.category")
    );

    let text = edited(|d| {
        let env = d["sound"]["amp_env"].as_object_mut().unwrap();
        env.insert("atack_ms".into(), 3.into());
    });
    match Patch::from_json(&text).unwrap_err() {
        PatchError::UnknownField { path, expected, at } => {
            assert_eq!(path, "sound.amp_env.atack_ms");
            assert!(expected.contains("attack_ms"), "{expected}");
            assert!(at.is_some());
        }
        other => panic!("{other:?}"),
    }
    let cases: [(Edit, &str); 5] = [
        (
            |d| d["sound"]["morph"] = serde_json::json!([0.1, 0.2]),
            "sound.morph",
        ),
        (
            |d| d["sound"]["voice"]["unison"] = "two".into(),
            "sound.voice.unison",
        ),
        (
            |d| d["sound"]["voice"]["polyphony"] = 2.5.into(),
            "sound.voice.polyphony",
        ),
        (
            |d| {
                let lfo = d["sound"]["lfos"][0].clone();
                d["sound"]["lfos"].as_array_mut().unwrap().push(lfo);
            },
            "sound.lfos",
        ),
        (
            |d| d["sound"]["lfos"][2]["rate_hz"] = Value::Null,
            "sound.lfos[2].rate_hz",
        ),
    ];
    for (edit, path) in cases {
        let text = edited(edit);
        let err = Patch::from_json(&text).unwrap_err();
        assert!(
            matches!(&err, PatchError::Schema { path: p, at: Some(_), .. } if p == path),
            "want Schema at {path}, got {err:?}"
        );
    }
}

#[test]
fn values_are_checked_against_their_ranges() {
    let cases: [(&str, Edit, PatchError); 6] = [
        (
            "attack too long",
            |d| d["sound"]["amp_env"]["attack_ms"] = 40_000.into(),
            PatchError::OutOfRange {
                path: "sound.amp_env.attack_ms".into(),
                value: 40_000.0,
                min: 0.0,
                max: 30_000.0,
                unit: "ms",
            },
        ),
        (
            "cutoff too low",
            |d| d["sound"]["filter"]["cutoff_hz"] = 5.into(),
            PatchError::OutOfRange {
                path: "sound.filter.cutoff_hz".into(),
                value: 5.0,
                min: 20.0,
                max: 20_000.0,
                unit: "Hz",
            },
        ),
        (
            "morph past the cube",
            |d| d["sound"]["morph"][2] = 1.5.into(),
            PatchError::OutOfRange {
                path: "sound.morph[2]".into(),
                value: 1.5,
                min: 0.0,
                max: 1.0,
                unit: "",
            },
        ),
        (
            "no voices",
            |d| d["sound"]["voice"]["polyphony"] = 0.into(),
            PatchError::OutOfRange {
                path: "sound.voice.polyphony".into(),
                value: 0.0,
                min: 1.0,
                max: 64.0,
                unit: "",
            },
        ),
        (
            "gain too hot",
            |d| d["sound"]["gain_db"] = 20.into(),
            PatchError::OutOfRange {
                path: "sound.gain_db".into(),
                value: 20.0,
                min: MIN_GAIN_DB,
                max: MAX_GAIN_DB,
                unit: "dB",
            },
        ),
        (
            "empty name",
            |d| d["meta"]["name"] = "  ".into(),
            PatchError::Text {
                path: "meta.name".into(),
                problem: TextProblem::Empty,
            },
        ),
    ];
    for (what, edit, want) in cases {
        assert_eq!(Patch::from_json(&edited(edit)), Err(want), "{what}");
    }
    // 1e39 fits JSON but not f32: it decodes to infinity.
    let text = edited(|d| {
        d["sound"]["lfos"][1]["rate_hz"] = serde_json::from_str("1e39").unwrap();
    });
    assert_eq!(
        Patch::from_json(&text),
        Err(PatchError::NotFinite {
            path: "sound.lfos[1].rate_hz".into()
        })
    );
    let text = edited(|d| d["meta"]["description"] = "two\nlines".into());
    assert_eq!(
        Patch::from_json(&text),
        Err(PatchError::Text {
            path: "meta.description".into(),
            problem: TextProblem::Control
        })
    );
    let text = edited(|d| d["meta"]["tags"] = serde_json::json!(vec!["t"; 17]));
    assert!(matches!(
        Patch::from_json(&text),
        Err(PatchError::TooMany {
            found: 17,
            max: 16,
            ..
        })
    ));
    let msg = Patch::from_json(&edited(|d| d["sound"]["filter"]["cutoff_hz"] = 5.into()))
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "sound.filter.cutoff_hz: 5 Hz is outside 20 Hz to 20000 Hz"
    );
}

#[test]
fn migration_steps_run_in_order_from_the_file_version() {
    let doc = serde_json::json!({"format": PATCH_FORMAT, "version": 1, "sound": {}});
    let v2 = serde_json::json!({"format": PATCH_FORMAT, "version": 2, "sound": {}});
    let v3 = serde_json::json!({"format": PATCH_FORMAT, "version": 3, "sound": {}});
    // v3 to v4 writes the voice's old expression routings as slots.
    let init: Vec<Value> = INIT_SLOTS
        .iter()
        .map(|(s, d, a)| serde_json::json!({"source": s.name(), "destination": d.name(), "amount": a}))
        .collect();
    let v4 = serde_json::json!({"format": PATCH_FORMAT, "version": 4,
        "sound": {"modulation": {"slots": init}}});
    assert_eq!(migrate(doc, 1).unwrap(), v4, "v1 to v4");
    assert_eq!(migrate(v2, 2).unwrap(), v4, "v2 to v4");
    assert_eq!(migrate(v3, 3).unwrap(), v4, "v3 to v4");
    assert_eq!(
        migrate(v4.clone(), 4).unwrap(),
        v4,
        "v4 is current: unchanged"
    );
    // And they read as the default sound.
    let read = Patch::from_json(&v4.to_string()).unwrap();
    assert_eq!(read.sound, Sound::default());
    // A made-up history: v1 named the gain `level_db`, v2 renamed it, v3 added a field.
    fn v1_to_v2(obj: &mut Map<String, Value>) -> Result<(), PatchError> {
        let sound = obj["sound"].as_object_mut().unwrap();
        if let Some(v) = sound.remove("level_db") {
            sound.insert("gain_db".into(), v);
        }
        Ok(())
    }
    fn v2_to_v3(obj: &mut Map<String, Value>) -> Result<(), PatchError> {
        obj["sound"]["spread"] = 0.5.into();
        Ok(())
    }
    let steps: [Migration; 2] = [v1_to_v2, v2_to_v3];
    let old = serde_json::json!({"version": 1, "sound": {"level_db": -3.0}});
    let new = migrate_with(old, 1, &steps).unwrap();
    assert_eq!(
        new,
        serde_json::json!({"version": 3, "sound": {"gain_db": -3.0, "spread": 0.5}})
    );
    let from_v2 = migrate_with(serde_json::json!({"version": 2, "sound": {}}), 2, &steps);
    assert_eq!(
        from_v2.unwrap(),
        serde_json::json!({"version": 3, "sound": {"spread": 0.5}})
    );
}

#[test]
fn gain_db_grid_round_trips_exactly() {
    // Every 0.001 dB step from -96 to +12 dB: JSON text -> f32 -> linear -> dB.
    let mut worst = 0.0_f64;
    for k in -96_000..=12_000_i32 {
        let db = round_gain_db(f64::from(k) / 1000.0);
        let text = format!("{}", f64::from(k) / 1000.0);
        let parsed: f32 = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, db, "{text}");
        let back = gain_to_db(db_to_gain(db));
        assert_eq!(back, db, "{text}");
        let exact = 20.0 * f64::from(db_to_gain(db)).log10();
        worst = worst.max((exact - f64::from(db)).abs());
    }
    // The linear gain's f32 rounding moves the dB value far less than half a step.
    assert!(worst < 1e-5, "worst {worst} dB");
    assert_eq!(gain_to_db(0.0), MIN_GAIN_DB);
    assert_eq!(gain_to_db(4.0), MAX_GAIN_DB);
    assert_eq!(gain_to_db(1.0).to_bits(), 0.0_f32.to_bits());
}

#[test]
fn path_locator_tracks_keys_and_indexes() {
    let text = "{\"a\": {\"b\": [1, {\"c\": true}]}, \"d\": 2}";
    let at = |col| Position {
        line: 1,
        column: col,
    };
    assert_eq!(
        path_at(text, at(text.find("true").unwrap() + 4)),
        "a.b[1].c"
    );
    assert_eq!(path_at(text, at(text.find("1,").unwrap() + 1)), "a.b[0]");
    assert_eq!(path_at(text, at(text.len() - 1)), "d");
    let multi = "{\n  \"x\": {\n    \"y\": \"a\\\"b\"\n  }\n}";
    assert_eq!(
        path_at(
            multi,
            Position {
                line: 3,
                column: 14
            }
        ),
        "x.y"
    );
}

fn unit() -> impl Strategy<Value = f32> {
    0.0_f32..=1.0
}

fn ms() -> impl Strategy<Value = f32> {
    0.0_f32..=30_000.0
}

fn shape() -> impl Strategy<Value = LfoShape> {
    prop::sample::select(vec![
        LfoShape::Sine,
        LfoShape::Triangle,
        LfoShape::Saw,
        LfoShape::Square,
        LfoShape::Random,
    ])
}

prop_compose! {
    fn lfo()(shape in shape(), rate_hz in 0.0_f32..=1000.0,
             ) -> LfoSection {
        LfoSection { shape, rate_hz }
    }
}

prop_compose! {
    fn voice()(mode in prop::sample::select(vec![VoiceMode::Poly, VoiceMode::Mono, VoiceMode::Legato]),
               polyphony in 1_u32..=64, glide_ms in 0.0_f32..=10_000.0, unison in 1_u32..=8,
               detune_cents in 0.0_f32..=100.0, spread in unit()) -> VoiceSection {
        VoiceSection { mode, polyphony, glide_ms, unison, detune_cents, spread }
    }
}

prop_compose! {
    fn env()(attack_ms in ms(), decay_ms in ms(), sustain in unit(), release_ms in ms())
            -> EnvSection {
        EnvSection { attack_ms, decay_ms, sustain, release_ms }
    }
}

prop_compose! {
    fn filter()(enabled in any::<bool>(),
                mode in prop::sample::select(vec![FilterMode::LowPass, FilterMode::BandPass, FilterMode::HighPass]),
                cutoff_hz in 20.0_f32..=20_000.0, resonance in unit(),
                keytrack in unit()) -> FilterSection {
        FilterSection { enabled, mode, cutoff_hz, resonance, keytrack }
    }
}

prop_compose! {
    fn sound()(gain_k in -96_000_i32..=12_000, velocity_sensitivity in unit(),
               bend_range_semitones in 0.0_f32..=48.0, morph in [unit(), unit(), unit()],
               voice in voice(), amp_env in env(), mod_env in env(),
               filter in filter(), lfos in [lfo(), lfo(), lfo()],
               tension in tension()) -> Sound {
        Sound {
            gain_db: round_gain_db(f64::from(gain_k) / 1000.0),
            velocity_sensitivity,
            bend_range_semitones,
            morph,
            voice,
            amp_env,
            mod_env,
            filter,
            lfos,
            tension,
            modulation: ModSection::default(),
            fx: crate::fx::rack::RackSettings::default(),
        }
    }
}

prop_compose! {
    fn tension()(live in any::<bool>(),
                 alpha in unit(), beta in unit(), gamma in unit()) -> TensionSection {
        let mode = if live { AnalysisMode::Live } else { AnalysisMode::Interactive };
        TensionSection { mode, alpha, beta, gamma }
    }
}

prop_compose! {
    fn meta()(name in "[A-Za-z0-9][A-Za-z0-9 '&-]{0,40}",
              category in prop::sample::select(Category::ALL.to_vec()),
              bank in prop::option::of("[a-z]{1,12}"),
              author in "\\PC{0,20}",
              description in "\\PC{0,80}",
              tags in prop::collection::vec("[a-z\u{e9}\u{4e2d}\"\\\\\\[\\]{},]{1,10}", 0..5)) -> PatchMeta {
        PatchMeta { name, category, bank, author, description, tags, ..PatchMeta::default() }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn patches_round_trip_through_params_and_json(meta in meta(), sound in sound()) {
        let p = Patch { meta, sound };
        prop_assert_eq!(p.validate(), Ok(()));
        prop_assert_eq!(&Patch::from_params(&p.to_params(), p.meta.clone()), &p);
        let text = p.to_json_pretty();
        prop_assert_eq!(&Patch::from_json(&text), &Ok(p.clone()));
        prop_assert_eq!(text, p.to_json_pretty());
    }

    #[test]
    fn any_params_make_a_valid_patch(
        gain in prop::num::f32::ANY, morph_x in prop::num::f32::ANY,
        cutoff in prop::num::f32::ANY, unison in any::<usize>(), rate in prop::num::f32::ANY,
    ) {
        let mut params = SynthParams { gain, unison, ..SynthParams::default() };
        params.morph[0] = morph_x;
        params.filter.cutoff_hz = cutoff;
        params.lfo[2].rate_hz = rate;
        let p = Patch::from_params(&params, PatchMeta::default());
        prop_assert_eq!(p.validate(), Ok(()));
        let back = p.to_params();
        let want = params.sanitized();
        // Gain comes back within the dB rounding (and −96 dB for 0); the rest exactly.
        let want_gain = want.gain.max(db_to_gain(MIN_GAIN_DB)).min(db_to_gain(MAX_GAIN_DB));
        prop_assert!((back.gain - want_gain).abs() <= want_gain * 1.2e-4, "{} vs {}", back.gain, want_gain);
        prop_assert_eq!(SynthParams { gain: want.gain, ..back }, want);
    }
}

// ---------------------------------------------------------------------------------------
// The modulation section

#[test]
fn a_patch_with_modulation_round_trips_and_plain_patches_omit_it() {
    use crate::modulation::{Curve, Destination, Slot, Source};
    let plain = Patch::default().to_json_pretty();
    assert!(
        !plain.contains("modulation") && !plain.contains("macro_names"),
        "{plain}"
    );
    let mut params = SynthParams::default();
    let mut s = Slot::new(Source::Velocity, Destination::MorphX, 0.5);
    s.via = Some(Source::Macro2);
    s.curve = Curve::S;
    params.matrix.slots[0] = s;
    params.matrix.slots[2] = Slot::new(Source::Lfo3, Destination::Cutoff, -0.25);
    params.matrix.key_centre = 48.0;
    params.macros = [0.1, 0.2, 0.3, 0.4];
    let mut meta = named("Mod");
    meta.macro_names[1] = "Bright".into();
    let p = Patch::from_params(&params, meta);
    assert_eq!(
        p.sound.modulation.slots.len(),
        3,
        "kept in place up to the last used"
    );
    let text = p.to_json_pretty();
    assert!(text.contains("\"source\": \"velocity\""), "{text}");
    assert!(text.contains("\"via\": \"macro2\""), "{text}");
    assert!(text.contains("\"Bright\""), "{text}");
    let back = Patch::from_json(&text).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.to_params().matrix, params.matrix);
    assert_eq!(back.to_params().macros, params.macros);
}

#[test]
fn bad_modulation_fields_are_named() {
    let doc = |m: &str| {
        format!(r#"{{"format": "wavecube-patch", "version": 2, "sound": {{"modulation": {m}}}}}"#)
    };
    let e = Patch::from_json(&doc(
        r#"{"slots": [{"source": "lfo9", "destination": "pitch", "amount": 0.1}]}"#,
    ))
    .unwrap_err();
    assert!(e.to_string().contains("lfo9"), "{e}");
    let e = Patch::from_json(&doc(
        r#"{"slots": [{"source": "lfo1", "destination": "pitch", "amount": 1.5}]}"#,
    ))
    .unwrap_err();
    assert!(
        e.to_string().contains("sound.modulation.slots[0].amount"),
        "{e}"
    );
    let e = Patch::from_json(&doc(r#"{"macros": [0, 0, 2, 0]}"#)).unwrap_err();
    assert!(e.to_string().contains("sound.modulation.macros[2]"), "{e}");
    let many = vec![r#"{"source": "key", "destination": "pan", "amount": 0}"#; 33].join(",");
    let e = Patch::from_json(&doc(&format!(r#"{{"slots": [{many}]}}"#))).unwrap_err();
    assert!(matches!(e, PatchError::TooMany { max: 32, .. }), "{e}");
}

/// `busy_patch()` as versions 1 to 3 wrote it: the routings in their fixed places, no
/// matrix.
fn busy_patch_v3(version: u32) -> String {
    let mut doc: Value = serde_json::from_str(&busy_patch().to_json_pretty()).unwrap();
    doc["version"] = version.into();
    let sound = doc["sound"].as_object_mut().unwrap();
    sound.remove("modulation");
    sound["filter"]["env_octaves"] = (-2.0).into();
    sound["mod_env"]["morph_depth"] = serde_json::json!([0.1, -0.2, 0.0]);
    let lfo2 = &mut sound["lfos"][1];
    lfo2["morph_depth"] = serde_json::json!([0.0, 0.3, 0.0]);
    lfo2["pitch_semitones"] = 3.0.into();
    lfo2["cutoff_octaves"] = 1.5.into();
    serde_json::to_string_pretty(&doc).unwrap()
}

#[test]
fn old_routings_become_slots() {
    let p = busy_patch();
    let now = p.to_json_pretty();
    let current = format!("\"version\": {PATCH_VERSION},");
    assert!(now.contains(&current), "{now}");
    assert!(
        !now.contains("\"fx\""),
        "the default rack is left out: {now}"
    );
    for old in [1, 2, 3] {
        let back = Patch::from_json(&busy_patch_v3(old)).unwrap();
        assert_eq!(back, p, "version {old}");
        assert_eq!(back.sound.fx, RackSettings::default(), "version {old}");
        assert_eq!(back.to_params().matrix, p.to_params().matrix);
        assert_eq!(
            back.to_json_pretty(),
            now,
            "written back as the current version"
        );
    }
    // A version-3 file's own slots keep their places; the routings follow them.
    let mut doc: Value = serde_json::from_str(&busy_patch_v3(3)).unwrap();
    doc["sound"]["modulation"] = serde_json::json!({"slots": [
        {"source": "velocity", "destination": "amp", "amount": 0.5}
    ]});
    let back = Patch::from_json(&doc.to_string()).unwrap();
    let slots = &back.sound.modulation.slots;
    assert_eq!(slots.len(), 1 + p.sound.modulation.slots.len());
    assert_eq!(slots[0].source, Source::Velocity);
    assert_eq!(slots[1..], p.sound.modulation.slots[..]);
    // A routing out of its old range is refused under its old name.
    let mut doc: Value = serde_json::from_str(&busy_patch_v3(3)).unwrap();
    doc["sound"]["lfos"][1]["pitch_semitones"] = 30.0.into();
    let e = Patch::from_json(&doc.to_string()).unwrap_err();
    assert_eq!(e.path(), Some("sound.lfos[1].pitch_semitones"), "{e}");
    let now = busy_patch_v3(2);
    // Version 2 had no rack: a version-2 file with one is refused, naming the field.
    let mut doc: serde_json::Value = serde_json::from_str(&now).unwrap();
    doc["version"] = 2.into();
    doc["sound"]["fx"] = serde_json::json!({});
    let e = Patch::from_json(&doc.to_string()).unwrap_err();
    assert_eq!(e.path(), Some("sound.fx"), "{e}");
}

/// A patch with a busy rack: a reordered chain, every kind of setting changed.
fn fx_patch() -> Patch {
    use crate::fx::distortion::DistortionMode;
    use crate::fx::rack::FxKind;
    use crate::fx::sync::{Feel, NoteValue, SyncDivision};
    let mut p = busy_patch();
    let fx = &mut p.sound.fx;
    fx.order.swap(2, 6);
    fx.order.swap(0, 8);
    fx.body.enabled = false;
    fx.distortion.enabled = true;
    fx.distortion.mix = 0.25;
    fx.distortion.settings.mode = DistortionMode::Fold;
    fx.distortion.settings.drive_db = 9.5;
    fx.delay.enabled = true;
    fx.delay.settings.sync = Some(SyncDivision {
        note: NoteValue::Eighth,
        feel: Feel::Dotted,
    });
    fx.eq.settings.peaks[2].gain_db = -4.5;
    fx.compressor.settings.lookahead_ms = 2.0;
    assert!(fx.order_is_valid());
    assert_ne!(fx.order, FxKind::ALL);
    p
}

#[test]
fn the_rack_round_trips_through_json() {
    let p = fx_patch();
    let text = p.to_json_pretty();
    assert!(text.contains("\"fx\": {"), "{text}");
    assert!(text.contains("\"mode\": \"fold\""), "{text}");
    assert!(text.contains("\"note\": \"eighth\""), "{text}");
    assert!(
        !text.contains("\"mix\": 1.0,\n          \"mode\""),
        "effect mixes are not stored"
    );
    assert_eq!(Patch::from_json(&text), Ok(p.clone()));
    assert_eq!(text, Patch::from_json(&text).unwrap().to_json_pretty());
}

#[test]
fn rack_values_are_range_checked_with_their_path_and_range() {
    let p = fx_patch();
    let doc: serde_json::Value = serde_json::from_str(&p.to_json_pretty()).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut d = doc.clone();
        f(&mut d);
        Patch::from_json(&d.to_string()).unwrap_err()
    };
    let e = with(&|d| d["sound"]["fx"]["delay"]["settings"]["feedback"] = 3.0.into());
    assert_eq!(e.path(), Some("sound.fx.delay.settings.feedback"), "{e}");
    assert!(
        matches!(e, PatchError::OutOfRange { value, .. } if value == 3.0),
        "{e}"
    );
    let e = with(&|d| d["sound"]["fx"]["distortion"]["settings"]["drive_db"] = 31.0.into());
    assert!(
        matches!(e, PatchError::OutOfRange { min, max, unit: "dB", .. } if min == 0.0 && max == 30.0),
        "{e}"
    );
    let e = with(&|d| d["sound"]["fx"]["eq"]["settings"]["peaks"][1]["q"] = 0.0.into());
    assert_eq!(e.path(), Some("sound.fx.eq.settings.peaks[1].q"), "{e}");
    let e = with(&|d| d["sound"]["fx"]["chorus"]["settings"]["voices"] = 9.into());
    assert!(
        matches!(e, PatchError::OutOfRange { max, .. } if max == 4.0),
        "{e}"
    );
    let e = with(&|d| d["sound"]["fx"]["reverb"]["mix"] = (-0.5).into());
    assert_eq!(e.path(), Some("sound.fx.reverb.mix"), "{e}");
    let e = with(&|d| d["sound"]["fx"]["order"][0] = "eq".into());
    assert_eq!(e.path(), Some("sound.fx.order"), "{e}");
    let e = with(&|d| d["sound"]["fx"]["delay"]["settings"]["mode"] = "tape".into());
    assert_eq!(e.path(), Some("sound.fx.delay.settings.mode"), "{e}");
    let e = with(&|d| d["sound"]["fx"]["delay"]["settings"]["mix"] = 0.5.into());
    assert!(matches!(e, PatchError::UnknownField { .. }), "{e}");
    // A slot's settings may be partial: the rest take the effect's defaults.
    let mut d = doc.clone();
    d["sound"]["fx"]["reverb"] =
        serde_json::json!({"enabled": true, "mix": 0.4, "settings": {"decay_s": 6.0}});
    let q = Patch::from_json(&d.to_string()).unwrap();
    assert_eq!(q.sound.fx.reverb.settings.decay_s, 6.0);
    assert_eq!(
        q.sound.fx.reverb.settings.size,
        crate::fx::reverb::ReverbSettings::default().size
    );
    // Every factory-style default is valid.
    assert_eq!(Patch::default().validate(), Ok(()));
    assert_eq!(p.validate(), Ok(()));
}
