//! `wavecube preset` and `render --patch` with user presets, against a scratch preset folder
//! (`WAVECUBE_PRESET_DIR`), never the real home.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{bin, s, scratch_dir, text};
use wavecube_dsp::patch::PATCH_VERSION;

/// Runs `wavecube args` with the preset folder `presets`.
fn run(presets: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .env("WAVECUBE_PRESET_DIR", presets)
        .output()
        .expect("the wavecube binary starts")
}

fn ok(presets: &Path, args: &[&str]) -> Output {
    let out = run(presets, args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    out
}

/// Renders `patch` for 0.6 s to `out` and returns the WAV file's bytes.
fn render(presets: &Path, patch: &str, out: &Path) -> Vec<u8> {
    ok(
        presets,
        &[
            "render",
            "--notes",
            "C4@0:0.3,G4@0.1:0.3",
            "--seconds",
            "0.6",
            "--patch",
            patch,
            "--out",
            s(out),
        ],
    );
    std::fs::read(out).unwrap()
}

fn factory_bank(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../presets/banks")
        .join(name)
}

/// A patch file in `dir` that plays the bank file `bank` (a path relative to `dir`).
fn write_patch(dir: &Path, file: &str, name: &str, bank: &str) -> PathBuf {
    let path = dir.join(file);
    let text = format!(
        "{{\"format\": \"wavecube-patch\", \"version\": 1,
          \"meta\": {{\"name\": \"{name}\", \"category\": \"pad\", \"bank\": \"{bank}\",
                     \"author\": \"Me\", \"tags\": [\"glassy\"]}},
          \"sound\": {{\"morph\": [0.6, 0.3, 0.2], \"gain_db\": -3.5,
                      \"filter\": {{\"cutoff_hz\": 2500}}}}}}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn an_imported_preset_renders_bit_identically_after_its_bank_file_is_deleted() {
    let dir = scratch_dir("preset_cli", "embed");
    let presets = dir.join("presets");
    std::fs::create_dir_all(dir.join("src/banks")).unwrap();
    let bank = dir.join("src/banks/mine.wcube");
    std::fs::copy(factory_bank("vowel-formants.wcube"), &bank).unwrap();
    let patch = write_patch(
        &dir.join("src"),
        "mine.json",
        "My Glass",
        "banks/mine.wcube",
    );
    let reference = render(&presets, s(&patch), &dir.join("ref.wav"));

    let out = ok(&presets, &["preset", "import", s(&patch)]);
    assert_eq!(text(&out.stdout).trim(), "My Glass");
    std::fs::remove_file(&bank).unwrap();
    // The source patch no longer plays: its bank is gone.
    assert!(!run(
        &presets,
        &[
            "render",
            "--notes",
            "C4@0:0.1",
            "--patch",
            s(&patch),
            "--out",
            s(&dir.join("x.wav"))
        ]
    )
    .status
    .success());
    // The preset does, by name, bit for bit.
    let by_name = render(&presets, "my glass", &dir.join("user.wav"));
    assert!(
        by_name == reference,
        "the preset's render differs from the original's"
    );
    // A different bank would not give the same samples (the check can fail).
    let other = write_patch(&dir.join("src"), "other.json", "Other", "fm-cube");
    assert!(render(&presets, s(&other), &dir.join("other.wav")) != reference);

    // list, show, export.
    let listed = text(&ok(&presets, &["preset", "list"]).stdout);
    assert_eq!(listed, "My Glass\tpad\tMy Glass\tbank\n");
    let json = text(
        &ok(
            &presets,
            &["preset", "list", "--json", "--query", "GLASSY me"],
        )
        .stdout,
    );
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows[0]["name"], "My Glass");
    assert_eq!(rows[0]["embeds_bank"], true);
    let none = text(&ok(&presets, &["preset", "list", "--query", "bass"]).stdout);
    assert!(none.is_empty(), "{none}");
    let shown = text(&ok(&presets, &["preset", "show", "My Glass"]).stdout);
    assert!(shown.contains("\"name\": \"My Glass\""), "{shown}");
    let size = std::fs::metadata(factory_bank("vowel-formants.wcube"))
        .unwrap()
        .len();
    assert!(
        shown.ends_with(&format!("(embedded bank: {size} bytes of .wcube)\n")),
        "{shown}"
    );
    let exported = dir.join("exported.json");
    ok(
        &presets,
        &["preset", "export", "My Glass", "--out", s(&exported)],
    );
    assert_eq!(
        std::fs::read(&exported).unwrap(),
        std::fs::read(presets.join("My Glass.json")).unwrap()
    );
    // The exported file is self-contained: it renders the same from anywhere.
    assert!(render(&presets, s(&exported), &dir.join("exported.wav")) == reference);
}

#[test]
fn import_never_overwrites_without_force() {
    let dir = scratch_dir("preset_cli", "collide");
    let presets = dir.join("presets");
    let patch = write_patch(&dir, "p.json", "Same", "fm-cube");
    ok(&presets, &["preset", "import", s(&patch)]);
    let again = run(&presets, &["preset", "import", s(&patch)]);
    assert_eq!(again.status.code(), Some(2));
    let err = text(&again.stderr);
    assert!(
        err.contains("a preset named \"Same\" already exists"),
        "{err}"
    );
    let renamed = ok(
        &presets,
        &["preset", "import", s(&patch), "--name", "Same 2"],
    );
    assert_eq!(text(&renamed.stdout).trim(), "Same 2");
    let forced = ok(&presets, &["preset", "import", s(&patch), "--force"]);
    assert_eq!(text(&forced.stdout).trim(), "Same");
    let listed = text(&ok(&presets, &["preset", "list"]).stdout);
    assert_eq!(listed.lines().count(), 2, "{listed}");
}

#[test]
fn a_factory_name_wins_over_a_user_preset_with_a_note() {
    let dir = scratch_dir("preset_cli", "clash");
    let presets = dir.join("presets");
    let patch = write_patch(&dir, "p.json", "warm-pad", "fm-cube");
    ok(&presets, &["preset", "import", s(&patch)]);
    let out = ok(
        &presets,
        &[
            "render",
            "--notes",
            "C4@0:0.1",
            "--patch",
            "warm-pad",
            "--out",
            s(&dir.join("w.wav")),
        ],
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("note: \"warm-pad\" is a factory patch and also a user preset"),
        "{err}"
    );
    let report = text(&out.stdout);
    assert!(report.contains("presets/patches/warm-pad.json"), "{report}");
}

#[test]
fn a_preset_from_a_newer_version_is_a_clear_error() {
    let dir = scratch_dir("preset_cli", "newer");
    let presets = dir.join("presets");
    std::fs::create_dir_all(&presets).unwrap();
    let newer = PATCH_VERSION + 1;
    std::fs::write(
        presets.join("future.json"),
        format!("{{\"format\": \"wavecube-patch\", \"version\": {newer}, \"meta\": {{\"name\": \"Future\"}}}}"),
    )
    .unwrap();
    let out = run(
        &presets,
        &[
            "render",
            "--notes",
            "C4@0:0.1",
            "--patch",
            s(&presets.join("future.json")),
            "--out",
            s(&dir.join("f.wav")),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "patch version {newer} is newer than this Wavecube reads"
        )),
        "{err}"
    );
    assert!(!dir.join("f.wav").exists(), "nothing rendered");
    // The listing names the file and goes on.
    let listed = run(&presets, &["preset", "list"]);
    assert!(listed.status.success());
    assert!(
        text(&listed.stderr).contains("future.json"),
        "{}",
        text(&listed.stderr)
    );
}

#[test]
fn an_unknown_name_lists_both_folders() {
    let dir = scratch_dir("preset_cli", "unknown");
    let presets = dir.join("presets");
    let patch = write_patch(&dir, "p.json", "Mine", "fm-cube");
    ok(&presets, &["preset", "import", s(&patch)]);
    let out = run(&presets, &["preset", "show", "nothing-here"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("no factory patch") && err.contains("user: Mine)"),
        "{err}"
    );
    assert!(err.contains("warm-pad"), "{err}");
}
