//! Tests of the user preset store, each in its own scratch folder.

use super::*;
use crate::patch::{Category, PATCH_VERSION};

/// A fresh, empty folder under the target's temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("wavecube-store-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn preset(name: &str) -> Preset {
    let mut patch = Patch::default();
    patch.meta.name = name.to_owned();
    patch.meta.category = Category::Pad;
    patch.meta.tags = vec!["warm".into(), "slow".into()];
    patch.meta.author = "Tester".into();
    patch.sound.gain_db = -6.5;
    patch.sound.morph = [0.25, 0.5, 0.125];
    Preset::new(patch)
}

#[test]
fn a_saved_preset_reads_back_identically_with_its_embedded_bank() {
    let store = PresetStore::at(scratch("roundtrip"));
    let mut p = preset("Glass Pad");
    p.patch.meta.bank = Some("My Bank".into());
    // Any bytes: the store keeps them as they are (the bank is decoded where it is played).
    p.bank_wcube = Some((0..=255u8).cycle().take(70_000).collect());
    let stem = store.save_as(&p).unwrap();
    assert_eq!(stem, "Glass Pad");
    let back = store.load(&stem).unwrap();
    assert_eq!(back, p);
    // The same bytes on a second write: saving is deterministic.
    let text = std::fs::read_to_string(store.path_of(&stem)).unwrap();
    assert_eq!(text, p.to_json());
    assert!(text.contains("\"bank_wcube\": \""));
    // A plain patch reader still reads it (the bank is dropped, the sound is the same).
    assert_eq!(Patch::from_json(&text).unwrap(), p.patch);
}

#[test]
fn a_preset_from_a_newer_version_is_a_clear_error_not_a_default() {
    let dir = scratch("newer");
    let store = PresetStore::at(&dir);
    let newer = PATCH_VERSION + 1;
    std::fs::write(
        dir.join("future.json"),
        format!(
            "{{\"format\": \"wavecube-patch\", \"version\": {newer}, \"meta\": {{\"name\": \"F\"}}, \
             \"sound\": {{\"new_thing\": 1}}}}"
        ),
    )
    .unwrap();
    let err = store.load("future").unwrap_err();
    match &err {
        StoreError::Patch {
            path,
            source: PatchError::UnsupportedVersion { found, supported },
        } => {
            assert_eq!(*found, u64::from(newer));
            assert_eq!(*supported, PATCH_VERSION);
            assert!(path.ends_with("future.json"));
        }
        other => panic!("expected UnsupportedVersion, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("future.json") && text.contains("newer"),
        "{text}"
    );
    // The listing reports it and lists the rest.
    store.save_as(&preset("Ok")).unwrap();
    let (entries, errors) = store.list();
    assert_eq!(entries.len(), 1);
    assert_eq!(errors.len(), 1);
}

#[test]
fn save_as_never_overwrites_and_colliding_file_names_get_a_number() {
    let store = PresetStore::at(scratch("collide"));
    assert_eq!(store.save_as(&preset("Bass/Lead")).unwrap(), "Bass_Lead");
    // Same name, any case: refused, naming the preset that has it.
    let err = store.save_as(&preset("bass/lead")).unwrap_err();
    assert!(matches!(err, StoreError::Exists { .. }), "{err:?}");
    // A different name that cleans to the same file name gets a number.
    assert_eq!(store.save_as(&preset("Bass_Lead")).unwrap(), "Bass_Lead 2");
    assert_eq!(store.save_as(&preset("Bass:Lead")).unwrap(), "Bass_Lead 3");
    let (entries, errors) = store.list();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(entries.len(), 3);
    // Save over an existing stem is the explicit overwrite.
    let mut changed = preset("Bass/Lead");
    changed.patch.sound.gain_db = -1.0;
    store.save("Bass_Lead", &changed).unwrap();
    assert_eq!(store.load("Bass_Lead").unwrap(), changed);
    assert!(matches!(
        store.save("../escape", &changed),
        Err(StoreError::BadName(_))
    ));
}

#[test]
fn file_names_are_safe() {
    assert_eq!(stem_for("Warm Pad").as_deref(), Some("Warm Pad"));
    assert_eq!(
        stem_for("../../etc/passwd").as_deref(),
        Some("______etc_passwd")
    );
    assert_eq!(stem_for("a\\b/c:d*e?").as_deref(), Some("a_b_c_d_e_"));
    assert_eq!(stem_for("  .hidden  ").as_deref(), Some("_hidden"));
    assert_eq!(
        stem_for("  lots   of  space ").as_deref(),
        Some("lots of space")
    );
    assert_eq!(stem_for("con").as_deref(), Some("con_"));
    assert_eq!(stem_for("COM1").as_deref(), Some("COM1_"));
    assert_eq!(stem_for("Ünïcödé ✓").as_deref(), Some("Ünïcödé _"));
    assert_eq!(stem_for("..."), None);
    assert_eq!(stem_for("///"), None);
    assert_eq!(
        stem_for(&"x".repeat(100)).unwrap().chars().count(),
        MAX_STEM_CHARS
    );
    let store = PresetStore::at(scratch("badname"));
    assert!(matches!(
        store.save_as(&preset("/")),
        Err(StoreError::BadName(_))
    ));
}

#[test]
fn delete_goes_to_the_trash_and_restore_undoes_it() {
    let store = PresetStore::at(scratch("trash"));
    let p = preset("Keeper");
    store.save_as(&p).unwrap();
    store.set_favourite(&user_key("Keeper"), true).unwrap();
    let item = store.delete("Keeper").unwrap();
    assert!(!store.path_of("Keeper").exists());
    assert!(item.path.starts_with(store.trash_dir()));
    assert!(store.list().0.is_empty(), "the trash is not listed");
    assert_eq!(store.trash(), std::slice::from_ref(&item));
    assert_eq!(store.restore(&item).unwrap(), "Keeper");
    assert_eq!(store.load("Keeper").unwrap(), p);
    assert!(
        store.list().0[0].favourite,
        "a restored favourite is still one"
    );
    assert!(store.trash().is_empty());
    // Restoring when the name was taken meanwhile keeps both.
    let item = store.delete("Keeper").unwrap();
    store.save_as(&preset("Keeper")).unwrap();
    assert_eq!(store.restore(&item).unwrap(), "Keeper 2");
    assert!(matches!(store.restore(&item), Err(StoreError::NotFound(_))));
    store.delete("Keeper 2").unwrap();
    assert_eq!(store.empty_trash().unwrap(), 1);
    assert!(store.trash().is_empty());
    assert!(matches!(store.delete("nope"), Err(StoreError::NotFound(_))));
}

#[test]
fn rename_moves_the_file_keeps_the_favourite_and_refuses_a_taken_name() {
    let store = PresetStore::at(scratch("rename"));
    store.save_as(&preset("Old")).unwrap();
    store.save_as(&preset("Other")).unwrap();
    store.set_favourite(&user_key("Old"), true).unwrap();
    assert!(matches!(
        store.rename("Old", "other"),
        Err(StoreError::Exists { .. })
    ));
    assert_eq!(store.rename("Old", "New Name").unwrap(), "New Name");
    assert!(!store.path_of("Old").exists());
    let moved = store.load("New Name").unwrap();
    assert_eq!(moved.patch.meta.name, "New Name");
    assert_eq!(store.favourites(), [user_key("New Name")]);
    // A change of case only keeps the file.
    assert_eq!(store.rename("New Name", "new name").unwrap(), "New Name");
    assert_eq!(store.load("New Name").unwrap().patch.meta.name, "new name");
    assert!(matches!(
        store.rename("New Name", &"x".repeat(200)),
        Err(StoreError::Patch { .. })
    ));
}

#[test]
fn favourites_and_search() {
    let store = PresetStore::at(scratch("search"));
    store.save_as(&preset("Warm Glass")).unwrap();
    let mut bass = preset("Deep Sub");
    bass.patch.meta.category = Category::Bass;
    bass.patch.meta.tags = vec!["dark".into()];
    store.save_as(&bass).unwrap();
    store.set_favourite(&factory_key("warm-pad"), true).unwrap();
    store.set_favourite(&user_key("Deep Sub"), true).unwrap();
    store.set_favourite(&user_key("Deep Sub"), true).unwrap();
    assert_eq!(
        store.favourites(),
        [factory_key("warm-pad"), user_key("Deep Sub")]
    );
    store
        .set_favourite(&factory_key("warm-pad"), false)
        .unwrap();
    let (entries, _) = store.list();
    // Sorted by category (pad before bass in the enum) then name.
    let names: Vec<&str> = entries.iter().map(|e| e.meta.name.as_str()).collect();
    assert_eq!(names, ["Warm Glass", "Deep Sub"]);
    assert_eq!(
        entries.iter().map(|e| e.favourite).collect::<Vec<_>>(),
        [false, true]
    );
    let found = |q: &str| -> Vec<&str> {
        entries
            .iter()
            .filter(|e| matches(&e.meta, q))
            .map(|e| e.meta.name.as_str())
            .collect()
    };
    assert_eq!(found(""), ["Warm Glass", "Deep Sub"]);
    assert_eq!(found("GLASS"), ["Warm Glass"]);
    assert_eq!(found("bass dark"), ["Deep Sub"]);
    assert_eq!(found("tester, slow"), ["Warm Glass"]);
    assert!(found("warm dark").is_empty());
    assert_eq!(store.find("deep sub").unwrap().stem, "Deep Sub");
    assert!(store.find("nothing").is_none());
}

#[test]
fn a_damaged_embedded_bank_is_a_typed_error() {
    let dir = scratch("badbank");
    let mut text = preset("B").patch.to_json_with_bank(Some("not base64!"));
    std::fs::write(dir.join("b.json"), &text).unwrap();
    let store = PresetStore::at(&dir);
    assert!(matches!(store.load("b"), Err(StoreError::BankData { .. })));
    // A plain patch file is limited to 1 MiB; a preset with a bank may be larger.
    text = preset("B")
        .patch
        .to_json_with_bank(Some(&"A".repeat(2 << 20)));
    assert!(Patch::from_json(&text).is_err());
    assert!(Patch::from_json_with_bank(&text).is_ok());
}
