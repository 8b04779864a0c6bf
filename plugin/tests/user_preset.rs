//! A user preset saved through the editor's path ([`editor::current_preset`]) reloads in a
//! new instance ([`editor::load_preset`]) bit-identically, also after the file bank it played
//! was deleted (the preset embeds the bank's bytes).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{note_on, Host};
use nice_plug::prelude::*;
use wavecube_dsp::patch::store::PresetStore;
use wavecube_dsp::patch::{Patch, PatchMeta};
use wavecube_gui::testing::RecordingContext;
use wavecube_plugin::editor;
use wavecube_plugin::params::BankChoice;
use wavecube_plugin::state::{FileBank, PatchState, FILE_BANK};

/// Samples rendered after the note starts.
const LENGTH: usize = 24_000;

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wavecube-user-preset-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A chord rendered from a host: both channels.
fn render(mut host: Host) -> [Vec<f32>; 2] {
    host.block(
        64,
        &[
            note_on(0, 1, 55, 0.9),
            note_on(10, 2, 62, 0.7),
            note_on(20, 3, 67, 0.8),
        ],
    );
    host.run(LENGTH, 256);
    assert_eq!(host.violations, 0, "the plugin allocated while processing");
    host.out
}

fn factory_patch(stem: &str) -> Patch {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../presets/patches")
        .join(format!("{stem}.json"));
    wavecube_harness::presets::read_patch(&path).expect("a factory patch")
}

#[test]
fn a_saved_preset_reloads_bit_identically_in_a_new_instance_without_its_bank_file() {
    let dir = scratch();
    // Where the editor writes banks that arrive as bytes: not the real home.
    std::env::set_var("XDG_DATA_HOME", dir.join("data"));
    let bank = dir.join("mine.wcube");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../presets/banks/vowel-formants.wcube"),
        &bank,
    )
    .expect("copies a bank");

    // The sound the user made: a factory patch, changed, on a file bank.
    let mut patch = factory_patch("glass-pad");
    patch.sound.gain_db = -4.25;
    patch.sound.morph = [0.7, 0.35, 0.6];
    patch.sound.filter.cutoff_hz = 3_100.0;
    let state = PatchState {
        bank: FILE_BANK.into(),
        file: Some(FileBank {
            path: bank.clone(),
            wcube: None,
        }),
        ..PatchState::default()
    };
    let fields = BTreeMap::from([(
        "patch".to_owned(),
        serde_json::to_string(&state).expect("json"),
    )]);
    let first = Host::new_with(&[("bank", BankChoice::File.to_index() as f32)], |plugin| {
        plugin.params().deserialize_fields(&fields);
        editor::apply_patch(
            plugin.wavecube_params(),
            &patch,
            &ParamSetter::new(&RecordingContext::default()),
        );
    });

    // Save As, the way the browser does it.
    let meta = PatchMeta {
        name: "My Glass".into(),
        author: "Me".into(),
        tags: vec!["bright".into()],
        ..PatchMeta::default()
    };
    let preset = editor::current_preset(first.plugin.wavecube_params(), meta);
    assert_eq!(
        preset.patch.sound, patch.sound,
        "the preset holds the sound played"
    );
    assert_eq!(preset.patch.meta.bank.as_deref(), Some("mine"));
    assert_eq!(
        preset.bank_wcube.as_deref(),
        Some(std::fs::read(&bank).expect("the bank").as_slice()),
        "the file bank is embedded byte for byte"
    );
    let store = PresetStore::at(dir.join("presets"));
    let stem = store.save_as(&preset).expect("saves");
    let want = render(first);

    std::fs::remove_file(&bank).expect("deletes the bank file");
    let _ = std::fs::remove_dir_all(dir.join("data"));

    let loaded = store.load(&stem).expect("loads");
    assert_eq!(loaded, preset);
    let second = Host::new_with(&[], |plugin| {
        editor::load_preset(
            plugin.wavecube_params(),
            &loaded,
            &ParamSetter::new(&RecordingContext::default()),
        )
        .expect("the preset loads");
    });
    let got = render(second);
    assert!(
        common::peak(&want[0]) > 1e-3,
        "the render is silent, so the comparison says nothing"
    );
    assert!(want == got, "the reloaded preset renders different samples");

    // The check can fail: the same sound on the factory bank differs.
    let mut other = loaded.clone();
    other.bank_wcube = None;
    other.patch.meta.bank = Some("basic-shapes".into());
    let third = Host::new_with(&[], |plugin| {
        editor::load_preset(
            plugin.wavecube_params(),
            &other,
            &ParamSetter::new(&RecordingContext::default()),
        )
        .expect("loads");
    });
    assert!(
        render(third) != want,
        "another bank renders the same samples"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
