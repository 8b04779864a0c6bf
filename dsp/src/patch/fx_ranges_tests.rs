use super::*;
use crate::fx::rack::FxKind;
use crate::patch::fx::validate_fx;
use crate::patch::ranges::SETTINGS;
use crate::patch::PatchError;

#[test]
fn ids_are_unique_across_the_whole_contract_and_paths_name_the_slot() {
    let mut ids: Vec<&str> = SETTINGS.iter().map(|s| s.id).collect();
    ids.extend(FX_SETTINGS.iter().map(|s| s.setting.id));
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate ids");
    for s in &FX_SETTINGS {
        assert!(s.setting.id.starts_with("fx_"), "{}", s.setting.id);
        let prefix = format!("sound.fx.{}.", s.kind.name());
        assert!(s.setting.path.starts_with(&prefix), "{}", s.setting.path);
        assert!(s.setting.min <= s.setting.default && s.setting.default <= s.setting.max);
    }
}

#[test]
fn every_slot_starts_with_its_switch_and_mix_in_rack_order() {
    let mut kinds = Vec::new();
    for (i, s) in FX_SETTINGS.iter().enumerate() {
        if kinds.last() != Some(&s.kind) {
            kinds.push(s.kind);
            assert!(FX_SETTINGS[i].is_switch(), "{}", s.setting.id);
            assert!(FX_SETTINGS[i + 1].setting.path.ends_with(".mix"));
        }
    }
    assert_eq!(kinds, FxKind::ALL);
    for kind in FxKind::ALL {
        assert_eq!(fx_settings_of(kind).filter(|s| s.is_switch()).count(), 1);
    }
}

#[test]
fn defaults_are_the_racks_defaults() {
    let rack = RackSettings::default();
    for s in &FX_SETTINGS {
        assert_eq!((s.get)(&rack), s.setting.default, "{}", s.setting.id);
    }
    let back = RackSettings::from_fx_values(&rack.to_fx_values(), rack.order);
    assert_eq!(back, rack);
}

#[test]
fn every_value_goes_through_the_table_and_back() {
    // Each setting in turn at its maximum, then at its minimum, and a mid value.
    for s in &FX_SETTINGS {
        for v in [
            s.setting.min,
            s.setting.max,
            s.setting.snap(0.5 * (s.setting.min + s.setting.max)),
        ] {
            let mut values = RackSettings::default().to_fx_values();
            let i = FX_SETTINGS
                .iter()
                .position(|t| t.setting.id == s.setting.id)
                .unwrap();
            values[i] = v;
            let mut order = FxKind::ALL;
            order.reverse();
            let rack = RackSettings::from_fx_values(&values, order);
            assert_eq!(rack.order, order);
            assert_eq!(rack.to_fx_values(), values, "{}", s.setting.id);
            assert!(validate_fx(&rack).is_ok(), "{} = {v}", s.setting.id);
        }
    }
    // A NaN takes the default; a choice out of range is held to the list.
    let mut values = [f32::NAN; FX_SETTING_COUNT];
    let rack = RackSettings::from_fx_values(&values, FxKind::ALL);
    assert_eq!(rack, RackSettings::default());
    let sync = FX_SETTINGS
        .iter()
        .position(|s| s.setting.id == "fx_dly_sync")
        .unwrap();
    values = RackSettings::default().to_fx_values();
    values[sync] = 99.0;
    let rack = RackSettings::from_fx_values(&values, FxKind::ALL);
    assert_eq!(rack.delay.settings.sync, SYNC_CHOICES[24]);
}

#[test]
fn ranges_are_the_ones_the_effects_enforce() {
    for s in FX_SETTINGS
        .iter()
        .filter(|s| !s.setting.is_stepped() || s.setting.kind == Kind::Int)
    {
        if s.setting.path.ends_with(".mix") {
            continue; // The rack checks the mixes itself (0..1, as the table says).
        }
        let span = s.setting.max - s.setting.min;
        for outside in [
            s.setting.min - 0.25 * span - 1.0,
            s.setting.max + 0.25 * span + 1.0,
        ] {
            let mut rack = RackSettings::default();
            (s.set)(&mut rack, outside);
            match validate_fx(&rack) {
                Err(PatchError::OutOfRange { path, min, max, .. }) => {
                    assert_eq!(path, s.setting.path);
                    assert_eq!(
                        (min, max),
                        (s.setting.min, s.setting.max),
                        "{}",
                        s.setting.id
                    );
                }
                other => panic!("{} = {outside}: {other:?}", s.setting.id),
            }
        }
    }
}

#[test]
fn sync_labels_name_their_divisions() {
    assert_eq!(SYNC_NAMES[0], "free");
    for (name, division) in SYNC_NAMES.iter().zip(SYNC_CHOICES).skip(1) {
        assert_eq!(division.map(|d| d.label()), Some(*name));
    }
}

#[test]
fn factory_racks_go_through_the_table_unchanged() {
    let mut with_fx = 0;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../presets/patches");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let fx = crate::patch::Patch::from_json(&text).unwrap().sound.fx;
        let name = path.display();
        with_fx += usize::from(!fx.is_default());
        assert_eq!(
            RackSettings::from_fx_values(&fx.to_fx_values(), fx.order),
            fx,
            "{name}"
        );
    }
    assert!(with_fx >= 12, "{with_fx} factory patches use the rack");
}

#[test]
fn the_contract_lookup_finds_effect_settings() {
    assert_eq!(
        crate::patch::ranges::setting("fx_dly_time").map(|s| s.path),
        Some("sound.fx.delay.settings.time_ms")
    );
}

#[test]
fn host_names_are_unique() {
    let mut names: Vec<String> = FX_SETTINGS.iter().map(FxSetting::name).collect();
    names.sort();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count);
    assert_eq!(FX_SETTINGS[0].name(), "Codec On");
    assert!(names.contains(&"EQ Peak 2 Gain".to_owned()));
}
