//! Bank selection through the plugin's own `process` path: switching the `bank` parameter
//! mid-note changes the sound, with no allocation or free on the audio thread; a file bank
//! survives a state round trip after its file is deleted, bit for bit; version 1 and corrupt
//! states load the default bank.

mod common;

use std::collections::BTreeMap;
use std::f64::consts::TAU;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{note_on, peak, Host, SR};
use nice_plug::prelude::*;
use wavecube_dsp::bank::factory::{factory_bank, FACTORY_BANKS, FACTORY_WRITE_OPTIONS};
use wavecube_dsp::bank::write_wcube;
use wavecube_plugin::params::BankChoice;
use wavecube_plugin::state::{PatchState, DEFAULT_BANK, FILE_BANK, PATCH_STATE_VERSION};

/// The test note (A4) and its frequency, Hz.
const NOTE: u8 = 69;
const F0_HZ: f64 = 440.0;
/// Harmonics compared, and the floor of a harmonic level relative to the fundamental, dB.
const HARMONICS: usize = 16;
const FLOOR_DB: f64 = -80.0;
/// Samples analysed per measurement (about 85 ms).
const WINDOW: usize = 4096;

/// Level of harmonic k = 1..=HARMONICS relative to the strongest, dB (floored at
/// [`FLOOR_DB`]): a Hann-windowed single-bin DFT at each harmonic.
fn harmonic_profile(x: &[f32]) -> Vec<f64> {
    let n = x.len();
    let levels: Vec<f64> = (1..=HARMONICS)
        .map(|k| {
            let w = TAU * F0_HZ * k as f64 / f64::from(SR);
            let (mut re, mut im) = (0.0, 0.0);
            for (i, &v) in x.iter().enumerate() {
                let hann = 0.5 - 0.5 * (TAU * i as f64 / n as f64).cos();
                re += f64::from(v) * hann * (w * i as f64).cos();
                im -= f64::from(v) * hann * (w * i as f64).sin();
            }
            re.hypot(im)
        })
        .collect();
    let top = levels.iter().cloned().fold(1e-30, f64::max);
    levels
        .iter()
        .map(|l| (20.0 * (l / top).log10()).max(FLOOR_DB))
        .collect()
}

/// Largest difference of two harmonic profiles, dB.
fn profile_distance_db(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

/// Index of `choice` as a plain value of the `bank` parameter.
fn bank_value(choice: BankChoice) -> f32 {
    choice.to_index() as f32
}

/// Renders blocks until the plugin has applied `swaps` cube swaps in all (the loader builds
/// on its own thread), for at most five seconds; returns the samples rendered.
fn render_until_swapped(host: &mut Host, swaps: u64) -> usize {
    let start = Instant::now();
    let mut rendered = 0;
    while host.plugin.cube_swaps() < swaps {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the bank loader did not deliver within 5 s"
        );
        host.block(64, &[]);
        rendered += 64;
        std::thread::sleep(Duration::from_millis(1));
    }
    rendered
}

/// The last [`WINDOW`] samples of the left channel, after rendering `samples` more.
fn render_window(host: &mut Host, samples: usize) -> Vec<f32> {
    host.run(samples, 256);
    host.out[0][host.out[0].len() - WINDOW..].to_vec()
}

#[test]
fn switching_banks_mid_note_changes_the_sound_without_allocating() {
    let mut host = Host::new(&[]);
    host.block(64, &[note_on(0, 1, NOTE, 1.0)]);
    let basic = harmonic_profile(&render_window(&mut host, 12_000));
    let mut previous = basic.clone();
    let mut swaps = 0;
    let order = [
        BankChoice::VowelFormants,
        BankChoice::AdditiveHarmonics,
        BankChoice::FmCube,
        BankChoice::BasicShapes,
        // No file bank in the state: the default bank plays.
        BankChoice::File,
    ];
    let mut profiles = Vec::new();
    for choice in order {
        host.set("bank", bank_value(choice));
        swaps += 1;
        let waited = render_until_swapped(&mut host, swaps);
        let window = render_window(&mut host, 6_000);
        let level = peak(&window);
        let profile = harmonic_profile(&window);
        let moved = profile_distance_db(&profile, &previous);
        let from_basic = profile_distance_db(&profile, &basic);
        println!(
            "{choice:?}: swapped after {waited} samples, peak {level:.3}, profile moved \
             {moved:.1} dB, {from_basic:.1} dB from Basic Shapes"
        );
        assert!(level > 0.05, "{choice:?} should sound: peak {level}");
        profiles.push((choice, profile.clone(), from_basic));
        previous = profile;
    }
    for (choice, _, from_basic) in &profiles {
        match choice {
            BankChoice::BasicShapes | BankChoice::File => assert!(
                *from_basic < 0.5,
                "{choice:?} should sound like the start: {from_basic:.2} dB away"
            ),
            _ => assert!(
                *from_basic > 6.0,
                "{choice:?} should change the spectrum: only {from_basic:.2} dB"
            ),
        }
    }
    // The three other factory banks differ from each other too.
    for (i, (a, pa, _)) in profiles.iter().enumerate().take(3) {
        for (b, pb, _) in profiles.iter().take(3).skip(i + 1) {
            let d = profile_distance_db(pa, pb);
            assert!(d > 6.0, "{a:?} and {b:?} differ by only {d:.2} dB");
        }
    }
    println!(
        "{} process calls, {} cube swaps; allocations in process: {}",
        host.blocks,
        host.plugin.cube_swaps(),
        host.violations
    );
    assert_eq!(host.plugin.cube_swaps(), swaps);
    assert_eq!(host.violations, 0, "process allocated or freed memory");
}

/// Writes the FM Cube factory bank as a `.wcube` to `path`.
fn write_fm_cube(path: &Path) {
    let cube = factory_bank("fm-cube").expect("factory bank");
    let bytes = write_wcube(&cube, &FACTORY_WRITE_OPTIONS).expect("writes");
    std::fs::write(path, bytes).expect("writes the file");
}

/// A host playing the file bank restored from `fields`, a note rendered for 0.25 s.
fn render_restored(fields: &BTreeMap<String, String>) -> (Host, Vec<f32>) {
    render_restored_as(BankChoice::File, fields)
}

/// A host with the `bank` parameter at `choice` and the fields `fields` restored, a note
/// rendered for 0.25 s.
fn render_restored_as(choice: BankChoice, fields: &BTreeMap<String, String>) -> (Host, Vec<f32>) {
    let mut host = Host::new_with(&[("bank", bank_value(choice))], |plugin| {
        plugin.params().deserialize_fields(fields)
    });
    host.block(64, &[note_on(0, 1, NOTE, 1.0)]);
    host.run(12_000 - 64, 256);
    let out = host.out[0].clone();
    (host, out)
}

#[test]
fn a_file_bank_survives_the_state_after_its_file_is_deleted() {
    let dir = std::env::temp_dir().join(format!("wavecube-banks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("fm.wcube");
    write_fm_cube(&path);

    // A state naming only the path (as a host or a hand-written preset would).
    let named = PatchState {
        bank: FILE_BANK.into(),
        file: Some(wavecube_plugin::state::FileBank {
            path: path.clone(),
            wcube: None,
        }),
        ..PatchState::default()
    };
    let fields = BTreeMap::from([(
        "patch".to_owned(),
        serde_json::to_string(&named).expect("json"),
    )]);
    let (first, render_a) = render_restored(&fields);
    let saved = first.plugin.params().serialize_fields();
    drop(first);
    std::fs::remove_file(&path).expect("deletes the file");
    std::fs::remove_dir(&dir).expect("deletes the dir");

    let state: PatchState = serde_json::from_str(&saved["patch"]).expect("saved state parses");
    let file = state.file.as_ref().expect("a file bank is saved");
    let embedded = file.wcube.as_ref().map_or(0, Vec::len);
    println!(
        "saved state: version {}, bank {}, {} bytes of .wcube embedded ({} bytes of JSON)",
        state.version,
        state.bank,
        embedded,
        saved["patch"].len()
    );
    assert_eq!(state.version, PATCH_STATE_VERSION);
    assert_eq!(state.bank, FILE_BANK);
    assert_eq!(file.path, path);
    assert!(embedded > 1000, "the .wcube bytes are embedded");

    let (_second, render_b) = render_restored(&saved);
    let level = peak(&render_a);
    let diff = common::max_diff(&render_a, &render_b);
    println!("peak {level:.3}; largest difference after the round trip {diff:e}");
    assert!(level > 0.05, "the file bank should sound: peak {level}");
    assert_eq!(diff, 0.0, "the restored file bank renders bit for bit");

    // The file bank is the FM Cube, not the default bank.
    let (_default, render_default) = render_restored(&BTreeMap::new());
    let d = profile_distance_db(
        &harmonic_profile(&render_a[render_a.len() - WINDOW..]),
        &harmonic_profile(&render_default[render_default.len() - WINDOW..]),
    );
    println!("file bank vs. default bank: {d:.1} dB apart");
    assert!(d > 6.0, "the file bank should not sound like the default");
}

#[test]
fn a_missing_file_bank_plays_the_default_and_load_bank_file_checks_the_file() {
    let missing = std::env::temp_dir().join("wavecube-no-such-bank.wcube");
    let named = format!(
        r#"{{"version":2,"bank":"file","file":{{"path":{:?}}}}}"#,
        missing.display().to_string()
    );
    let fields = BTreeMap::from([("patch".to_owned(), named)]);
    let (_missing, render_missing) = render_restored(&fields);
    let (_default, render_default) = render_restored(&BTreeMap::new());
    let diff = common::max_diff(&render_missing, &render_default);
    println!("missing file vs. default bank: largest difference {diff:e}");
    assert_eq!(diff, 0.0);

    let host = Host::new(&[]);
    assert!(host.plugin.load_bank_file(&missing).is_err());
    let junk = std::env::temp_dir().join(format!("wavecube-junk-{}.wcube", std::process::id()));
    std::fs::write(&junk, b"WCUB not really").expect("writes");
    let err = host
        .plugin
        .load_bank_file(&junk)
        .expect_err("junk is refused");
    println!("junk file: {err}");
    assert!(err.to_string().contains("wavecube-junk"), "{err}");
    std::fs::remove_file(&junk).expect("deletes");
    assert!(host.plugin.params().serialize_fields()["patch"].contains("\"file\":null"));
}

#[test]
fn load_bank_file_switches_a_playing_file_bank() {
    let path = std::env::temp_dir().join(format!("wavecube-load-{}.wcube", std::process::id()));
    write_fm_cube(&path);
    let mut host = Host::new(&[("bank", bank_value(BankChoice::File))]);
    host.block(64, &[note_on(0, 1, NOTE, 1.0)]);
    let before = harmonic_profile(&render_window(&mut host, 12_000));
    host.plugin.load_bank_file(&path).expect("loads");
    std::fs::remove_file(&path).expect("deletes");
    render_until_swapped(&mut host, 1);
    let after = harmonic_profile(&render_window(&mut host, 6_000));
    let d = profile_distance_db(&before, &after);
    println!(
        "default → FM Cube file bank while playing: {d:.1} dB; allocations {}",
        host.violations
    );
    assert!(d > 6.0);
    assert_eq!(host.violations, 0);
}

#[test]
fn version_1_and_corrupt_states_load_the_default_bank() {
    let (_default, render_default) = render_restored(&BTreeMap::new());
    for patch in [
        r#"{"version":1,"bank":"factory","patch":null}"#,
        r#"{"version":2,"bank":"no-such-bank"}"#,
        r#"{"version":2,"bank":"file","file":{"path":7}}"#,
        r#""just a string""#,
        r#"{"version":2,"bank":"file","file":{"path":"x.wcube","wcube":"not base64!"}}"#,
    ] {
        let fields = BTreeMap::from([("patch".to_owned(), patch.to_owned())]);
        // A version 1 state has no `bank` parameter: it stays at its default.
        let choice = if patch.contains("\"version\":1") {
            BankChoice::BasicShapes
        } else {
            BankChoice::File
        };
        let (host, render) = render_restored_as(choice, &fields);
        let state: PatchState =
            serde_json::from_str(&host.plugin.params().serialize_fields()["patch"]).expect("json");
        let diff = common::max_diff(&render, &render_default);
        println!(
            "{patch}: saved as bank {:?}, difference from default {diff:e}",
            state.bank
        );
        assert_eq!(state.version, PATCH_STATE_VERSION);
        assert_eq!(diff, 0.0, "{patch}");
        if choice == BankChoice::BasicShapes {
            assert_eq!(state.bank, DEFAULT_BANK, "{patch}");
        }
        // None of these holds a usable file bank, so "File" plays the default bank.
        assert!(
            state.file.as_ref().is_none_or(|f| f.wcube.is_none()),
            "{patch}"
        );
    }
    // A version 1 record on its own reads as the default record.
    let v1: PatchState =
        serde_json::from_str(r#"{"version":1,"bank":"factory","patch":null}"#).expect("v1");
    assert_eq!(v1, PatchState::default());
    assert_eq!(v1.bank, DEFAULT_BANK);
    assert_eq!(FACTORY_BANKS[0].0, DEFAULT_BANK);
}
