//! The factory patches: committed files equal the generator byte for byte, each renders
//! finite, audible, bounded and repeatable audio, together they span the cube, bad files
//! give typed errors, and `wavecube render --patch` plays them.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wavecube_dsp::analysis::amplitude_to_dbfs;
use wavecube_dsp::modulation::{Destination, Source};
use wavecube_dsp::patch::{Category, Patch, PatchError, TextProblem, PATCH_VERSION};
use wavecube_dsp::synth::{FilterMode, VoiceMode};
use wavecube_harness::options::SoundOptions;
use wavecube_harness::presets::{
    available_patches, factory_files, factory_patches, file_stem, read_patch, PresetError,
    PATCHES_DIR,
};
use wavecube_harness::render::{build_engine_with, render_song, Rendered};

const SR: u32 = 48_000;
const BLOCK: usize = 512;

/// Lowest acceptable RMS of a patch's test phrase, dBFS.
const MIN_RMS_DBFS: f64 = -50.0;
/// The engine's output bound (its safety clipper's ceiling), linear.
const MAX_PEAK: f32 = 4.0;
/// Most a patch may leave sounding in the last 0.25 s, after its release, linear (−80 dBFS).
const MAX_TAIL: f32 = 1e-4;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn patches_dir() -> PathBuf {
    root().join(PATCHES_DIR)
}

/// The phrase through `patch` (the engine; its effects rack is measured in `fx_patches.rs`),
/// plus its release and half a second.
fn render(patch: &Patch) -> Rendered {
    let params = patch.to_params();
    let mut engine = build_engine_with(SR, BLOCK, &params, &SoundOptions::default()).unwrap();
    let song = common::phrase();
    let seconds = song.default_duration_s(params.amp_env.release_ms);
    render_song(&mut engine, &song, seconds, BLOCK)
}

#[test]
fn committed_patches_match_the_generator() {
    let dir = patches_dir();
    let mut problems = Vec::new();
    let files = factory_files();
    for (file, text) in &files {
        let path = dir.join(file);
        match std::fs::read(&path) {
            Ok(bytes) if bytes == text.as_bytes() => {}
            Ok(bytes) => problems.push(format!(
                "{} differs ({} bytes committed, {} generated)",
                path.display(),
                bytes.len(),
                text.len()
            )),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    for stale in available_patches(&dir) {
        if !files.iter().any(|(f, _)| *f == format!("{stale}.json")) {
            problems.push(format!("{stale}.json is not a factory patch; remove it"));
        }
    }
    assert!(
        problems.is_empty(),
        "run `cargo xtask presets` and commit:\n{}",
        problems.join("\n")
    );
    assert!(files.len() >= 12, "{} factory patches", files.len());
}

#[test]
fn every_factory_patch_renders_finite_audible_bounded_and_repeatable() {
    let mut failures = Vec::new();
    eprintln!(
        "{:<16} {:>9} {:>9} {:>10} {:>7}",
        "patch", "peak dBFS", "rms dBFS", "tail dBFS", "voices"
    );
    for want in factory_patches() {
        let path = patches_dir().join(format!("{}.json", file_stem(&want.meta.name)));
        let patch = read_patch(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(patch, want, "{} loads as defined", path.display());

        let a = render(&patch);
        let b = render(&patch);
        let samples = || a.left.iter().chain(&a.right);
        let finite = samples().all(|x| x.is_finite());
        let peak = samples().fold(0.0_f32, |m, x| m.max(x.abs()));
        let sum_sq: f64 = samples().map(|&x| f64::from(x) * f64::from(x)).sum();
        let rms = (sum_sq / (2 * a.left.len()) as f64).sqrt();
        let tail_from = a.left.len() - (SR as usize / 4);
        let tail = a.left[tail_from..]
            .iter()
            .chain(&a.right[tail_from..])
            .fold(0.0_f32, |m, x| m.max(x.abs()));
        let name = &patch.meta.name;
        eprintln!(
            "{name:<16} {:>9.2} {:>9.2} {:>10.1} {:>7}",
            amplitude_to_dbfs(f64::from(peak)),
            amplitude_to_dbfs(rms),
            amplitude_to_dbfs(f64::from(tail)),
            a.peak_voices
        );
        if !finite {
            failures.push(format!("{name}: non-finite output"));
        }
        if peak > MAX_PEAK {
            failures.push(format!("{name}: peak {peak} above {MAX_PEAK}"));
        }
        if amplitude_to_dbfs(rms) <= MIN_RMS_DBFS {
            failures.push(format!("{name}: RMS {rms} at or below {MIN_RMS_DBFS} dBFS"));
        }
        if tail > MAX_TAIL {
            failures.push(format!("{name}: still sounding after the release ({tail})"));
        }
        if a != b {
            failures.push(format!("{name}: two renders differ"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn factory_patches_span_the_cube_and_the_categories() {
    let patches = factory_patches();
    let base = |axis: usize| -> Vec<f32> { patches.iter().map(|p| p.sound.morph[axis]).collect() };
    for (axis, low, high) in [(0, 0.2, 0.8), (1, 0.3, 0.7), (2, 0.2, 0.5)] {
        let values = base(axis);
        assert!(
            values.iter().any(|&v| v < low) && values.iter().any(|&v| v > high),
            "axis {axis}: base morph {values:?} should reach below {low} and above {high}"
        );
    }
    for category in Category::ALL {
        let n = patches
            .iter()
            .filter(|p| p.meta.category == category)
            .count();
        assert!(n >= 1, "no {category} patch");
    }
    for mode in [VoiceMode::Poly, VoiceMode::Mono, VoiceMode::Legato] {
        assert!(
            patches.iter().any(|p| p.sound.voice.mode == mode),
            "no {mode:?} patch"
        );
    }
    for p in &patches {
        let s = &p.sound;
        let name = &p.meta.name;
        match p.meta.category {
            Category::Pad => {
                assert!(s.amp_env.attack_ms >= 300.0, "{name}: slow attack");
                assert!(s.voice.unison >= 2, "{name}: unison");
                assert!(
                    (0..3).any(|k| s.lfos[k].rate_hz > 0.0
                        && Destination::MORPH
                            .iter()
                            .any(|&d| depth(s, Source::LFOS[k], d) != 0.0)),
                    "{name}: morph drift"
                );
            }
            Category::Bass => {
                assert_ne!(s.voice.mode, VoiceMode::Poly, "{name}: mono or legato");
                assert!(s.voice.glide_ms > 0.0, "{name}: glide");
                assert!(
                    s.filter.enabled
                        && s.filter.mode == FilterMode::LowPass
                        && depth(s, Source::ModEnv, Destination::Cutoff) > 0.0,
                    "{name}: low-pass with an envelope"
                );
            }
            Category::Lead => assert!(
                (0..3).any(|k| s.lfos[k].rate_hz >= 4.0
                    && depth(s, Source::LFOS[k], Destination::Pitch) > 0.0),
                "{name}: vibrato"
            ),
            Category::Pluck => {
                assert_eq!(s.amp_env.sustain, 0.0, "{name}: decays to silence");
                assert!(s.amp_env.decay_ms <= 1000.0, "{name}: short decay");
                let filter_env =
                    s.filter.enabled && depth(s, Source::ModEnv, Destination::Cutoff) > 0.0;
                let morph_env = Destination::MORPH
                    .iter()
                    .any(|&d| depth(s, Source::ModEnv, d) != 0.0);
                assert!(filter_env || morph_env, "{name}: an envelope on the timbre");
            }
            Category::Sweep => {
                // Total modulation depth per axis, from the LFOs and the mod envelope.
                let reach: Vec<f32> = Destination::MORPH
                    .iter()
                    .map(|&axis| {
                        depth(s, Source::ModEnv, axis).abs()
                            + (0..3)
                                .filter(|&k| s.lfos[k].rate_hz > 0.0)
                                .map(|k| depth(s, Source::LFOS[k], axis).abs())
                                .sum::<f32>()
                    })
                    .collect();
                let moving = reach.iter().filter(|&&r| r >= 0.4).count();
                assert!(moving >= 2, "{name}: sweeps {reach:?}");
            }
            Category::Keys | Category::Fx => {}
        }
    }
}

#[test]
fn bad_patch_files_give_typed_errors() {
    let good = std::fs::read_to_string(patches_dir().join("warm-pad.json")).unwrap();
    let line_of = |needle: &str| good.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let edit = |from: &str, to: &str| {
        assert!(good.contains(from), "{from}");
        Patch::from_json(&good.replacen(from, to, 1))
    };

    match edit("\"low-pass\"", "\"lowpass\"") {
        Err(PatchError::UnknownName {
            path, found, at, ..
        }) => {
            assert_eq!(
                (path.as_str(), found.as_str()),
                ("sound.filter.mode", "lowpass")
            );
            assert_eq!(at.map(|a| a.line), Some(line_of("\"low-pass\"")));
        }
        other => panic!("{other:?}"),
    }
    let (now, next) = (PATCH_VERSION, PATCH_VERSION + 1);
    assert_eq!(
        edit(
            &format!("\"version\": {now}"),
            &format!("\"version\": {next}")
        ),
        Err(PatchError::UnsupportedVersion {
            found: u64::from(next),
            supported: now
        })
    );
    assert!(matches!(
        edit(
            "\"format\": \"wavecube-patch\"",
            "\"format\": \"wavecube-bank\""
        ),
        Err(PatchError::Format { .. })
    ));
    assert!(matches!(
        edit("\"attack_ms\": 900.0", "\"attack_ms\": -5.0"),
        Err(PatchError::OutOfRange { path, value, .. })
            if path == "sound.amp_env.attack_ms" && value == -5.0
    ));
    assert_eq!(
        edit("\"rate_hz\": 0.11", "\"rate_hz\": 1e39"),
        Err(PatchError::NotFinite {
            path: "sound.lfos[0].rate_hz".into()
        })
    );
    assert!(matches!(
        edit("\"release_ms\": 1800.0", "\"relase_ms\": 1800.0"),
        Err(PatchError::UnknownField { path, .. }) if path == "sound.amp_env.relase_ms"
    ));
    assert_eq!(
        edit("\"name\": \"Warm Pad\"", "\"name\": \"\""),
        Err(PatchError::Text {
            path: "meta.name".into(),
            problem: TextProblem::Empty
        })
    );
    let cut = &good[..good.find("\"filter\"").unwrap()];
    match Patch::from_json(cut) {
        Err(PatchError::Syntax { at, .. }) => assert_eq!(at.line, line_of("\"filter\"")),
        other => panic!("{other:?}"),
    }
    // An omitted field takes the engine's default (sustain 0.7), the rest stay.
    let omitted = edit("      \"sustain\": 0.85,\n", "").unwrap();
    assert_eq!(omitted.sound.amp_env.sustain, 0.7);
    assert_eq!(omitted.sound.amp_env.release_ms, 1800.0);
}

fn wavecube(args: &[&str], dir: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wavecube"));
    cmd.args(args);
    if let Some(dir) = dir {
        // From the workspace root, without cargo's hint: the current directory must do.
        cmd.current_dir(dir).env_remove("CARGO_MANIFEST_DIR");
    }
    cmd.output().expect("the wavecube binary starts")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("patches");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn cli_renders_a_patch_by_name_or_path_with_overrides() {
    let plain = scratch("plain.wav");
    let named = scratch("named.wav");
    let by_path = scratch("by-path.wav");
    let moved = scratch("moved.wav");
    let notes = ["render", "--notes", "A3@0:0.6", "--seconds", "1"];
    let run = |out: &Path, extra: &[&str], dir: Option<&Path>| {
        let mut args = notes.to_vec();
        args.extend(["--out", out.to_str().unwrap()]);
        args.extend(extra);
        let o = wavecube(&args, dir);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        text(&o.stdout)
    };
    run(&plain, &[], None);
    let report = run(&named, &["--patch", "electric-keys"], None);
    assert!(
        report.contains("patch      Electric Keys (") && report.contains("electric-keys.json"),
        "{report}"
    );
    let file = patches_dir().join("electric-keys.json");
    let root = root().canonicalize().unwrap();
    run(&by_path, &["--patch", file.to_str().unwrap()], Some(&root));
    run(
        &moved,
        &["--patch", "electric-keys", "--morph", "1,1,1"],
        Some(&root),
    );
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(
        read(&named),
        read(&by_path),
        "name and path play the same file"
    );
    assert_ne!(read(&named), read(&plain), "the patch changes the sound");
    assert_ne!(read(&named), read(&moved), "--morph overrides the patch");
}

#[test]
fn cli_patch_errors_are_one_line_and_exit_2() {
    let out = scratch("err.wav");
    let out = out.to_str().unwrap();
    let invalid = scratch("invalid.json");
    let good = std::fs::read_to_string(patches_dir().join("soft-pluck.json")).unwrap();
    std::fs::write(&invalid, good.replacen("\"low-pass\"", "\"lowpass\"", 1)).unwrap();
    let invalid = invalid.to_str().unwrap();
    let missing = scratch("no-such-patch.json");
    let missing = missing.to_str().unwrap();
    for (patch, needles) in [
        (
            "warm-pd",
            vec!["warm-pd.json", "factory: ", ", warm-pad;", "user preset"],
        ),
        (
            invalid,
            vec![invalid, "sound.filter.mode", "lowpass", "line "],
        ),
        (missing, vec![missing, "No such file"]),
    ] {
        let o = wavecube(
            &[
                "render", "--notes", "A4@0:0.1", "--out", out, "--patch", patch,
            ],
            None,
        );
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{patch}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{patch}: {stderr}");
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{patch}: {stderr:?} lacks {needle:?}"
            );
        }
    }
    let help = text(&wavecube(&["render", "--help"], None).stdout);
    assert!(
        help.contains("--patch") && help.contains("presets/patches/NAME.json"),
        "{help}"
    );
    // The error type says which kind of failure it was.
    assert!(matches!(
        read_patch(Path::new(invalid)),
        Err(PresetError::Invalid { .. })
    ));
}

#[test]
fn format_doc_examples_load() {
    let doc = std::fs::read_to_string(root().join("docs/formats/patch.md")).unwrap();
    let blocks: Vec<&str> = doc
        .split("```json\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .filter(|b| !b.contains("{ ... }"))
        .collect();
    assert_eq!(blocks.len(), 2, "the full and the minimal example");
    let committed = std::fs::read_to_string(patches_dir().join("warm-pad.json")).unwrap();
    assert_eq!(
        blocks[0], committed,
        "the full example is the committed warm-pad.json"
    );
    let minimal = Patch::from_json(blocks[1]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(minimal.sound.voice.mode, VoiceMode::Mono);
    assert_eq!(minimal.sound.amp_env, Patch::default().sound.amp_env);
}

/// `wavecube patch` lists a patch's macros and matrix; `wavecube render` plays the slots
/// (a slot on morph x changes the render).
#[test]
fn cli_lists_and_plays_the_modulation_matrix() {
    let o = wavecube(&["patch", "warm-pad"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    // Warm Pad: the three expression slots, then LFO 1 on x and LFO 2 on y.
    assert!(
        out.contains("patch      Warm Pad") && out.contains("matrix     5 slots"),
        "{out}"
    );
    assert!(
        out.contains("lfo1             -> morph_x       +0.120"),
        "{out}"
    );
    let base = read_patch(&patches_dir().join("electric-keys.json")).unwrap();
    let mut p = base.to_params();
    let slot = wavecube_dsp::modulation::Slot::new(
        wavecube_dsp::modulation::Source::Velocity,
        wavecube_dsp::modulation::Destination::MorphX,
        0.8,
    );
    assert!(p.matrix.push(slot));
    let mut meta = base.meta.clone();
    meta.macro_names[0] = "Bite".into();
    meta.bank = None;
    let modded = Patch::from_params(&p, meta);
    let file = scratch("modded.json");
    std::fs::write(&file, modded.to_json_pretty()).unwrap();
    let o = wavecube(&["patch", file.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("macro 1    Bite = 0"), "{out}");
    assert!(
        out.contains("velocity         -> morph_x       +0.800 (+0.8 morph units)"),
        "{out}"
    );
    let (a, b) = (scratch("modded.wav"), scratch("unmodded.wav"));
    let mut plain = base.clone();
    plain.meta.bank = None;
    let plain_file = scratch("unmodded.json");
    std::fs::write(&plain_file, plain.to_json_pretty()).unwrap();
    for (patch, wav) in [(&file, &a), (&plain_file, &b)] {
        let o = wavecube(
            &[
                "render",
                "--notes",
                "A3@0:0.5",
                "--seconds",
                "0.6",
                "--patch",
                patch.to_str().unwrap(),
                "--out",
                wav.to_str().unwrap(),
            ],
            None,
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

/// The summed depth of `sound`'s enabled slots from `source` to `dest`, in the
/// destination's unit.
fn depth(sound: &wavecube_dsp::patch::Sound, source: Source, dest: Destination) -> f32 {
    sound
        .modulation
        .slots
        .iter()
        .filter(|s| s.enabled && s.source == source && s.destination == dest)
        .map(|s| s.amount * dest.full_scale())
        .sum()
}
