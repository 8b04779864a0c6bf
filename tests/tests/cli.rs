//! End-to-end tests of the `wavecube` binary: render then measure, WAV specs, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wavecube(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wavecube"))
        .args(args)
        .output()
        .expect("the wavecube binary starts")
}

/// A fresh path under Cargo's per-crate temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts exit code 2 and a single stderr line containing `needle`.
fn assert_bad_input(args: &[&str], needle: &str) {
    let out = wavecube(args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: stderr {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {stderr}"
    );
    assert!(
        stderr.contains(needle),
        "{args:?}: {stderr:?} does not name {needle:?}"
    );
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
}

fn measure_json(path: &Path, start_s: &str) -> serde_json::Value {
    let out = wavecube(&["measure", path.to_str().unwrap(), "--start", start_s]);
    assert!(
        out.status.success(),
        "measure failed: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("measure prints JSON")
}

#[test]
fn a4_renders_at_440_hz_within_half_a_cent() {
    for sr in ["48000", "44100"] {
        let wav = scratch(&format!("a4-{sr}.wav"));
        let out = wavecube(&[
            "render",
            "--notes",
            "A4@0:2",
            "--out",
            wav.to_str().unwrap(),
            "--sr",
            sr,
        ]);
        assert!(out.status.success(), "render failed: {}", text(&out.stderr));
        let report = text(&out.stdout);
        for field in [
            "duration",
            "peak",
            "rms",
            "voices",
            "real time",
            wav.to_str().unwrap(),
        ] {
            assert!(report.contains(field), "report lacks {field}: {report}");
        }
        let m = measure_json(&wav, "0.5");
        let f0 = m["fundamental_hz"].as_f64().unwrap();
        let cents = 1200.0 * (f0 / 440.0).log2();
        eprintln!("A4 at {sr} Hz: {f0} Hz ({cents:+.5} cent), {m}");
        assert!(
            cents.abs() < 0.5,
            "A4 at {sr} Hz measured {f0} Hz ({cents} cent)"
        );
        let peak_dbfs = m["peak_dbfs"].as_f64().unwrap();
        let rms_dbfs = m["rms_dbfs"].as_f64().unwrap();
        assert!((-40.0..=0.0).contains(&peak_dbfs), "peak {peak_dbfs} dBFS");
        assert!(
            rms_dbfs < peak_dbfs && rms_dbfs > -60.0,
            "rms {rms_dbfs} dBFS"
        );
        for key in ["rms", "peak", "spurious_db"] {
            assert!(m[key].is_f64(), "{key} missing from {m}");
        }
    }
}

#[test]
fn output_formats_have_their_wav_spec() {
    for (format, bits, float) in [("f32", 32, true), ("i24", 24, false), ("i16", 16, false)] {
        let wav = scratch(&format!("fmt-{format}.wav"));
        let out = wavecube(&[
            "render",
            "--notes",
            "C4@0:0.3,E4@0.1:0.2",
            "--out",
            wav.to_str().unwrap(),
            "--sr",
            "44100",
            "--format",
            format,
            "--seconds",
            "0.5",
            "--block",
            "100",
        ]);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        let reader = hound::WavReader::open(&wav).unwrap();
        let spec = reader.spec();
        assert_eq!(spec.channels, 2, "{format}");
        assert_eq!(spec.sample_rate, 44_100, "{format}");
        assert_eq!(spec.bits_per_sample, bits, "{format}");
        let want = if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        };
        assert_eq!(spec.sample_format, want, "{format}");
        assert_eq!(
            reader.duration(),
            22_050,
            "{format}: --seconds 0.5 at 44.1 kHz"
        );
    }
}

#[test]
fn help_documents_units() {
    let out = wavecube(&["render", "--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for needle in [
        "Sample rate in Hz",
        "Samples per engine block",
        "RATE_HZ",
        "seconds",
        "f32",
        "i24",
        "i16",
    ] {
        assert!(help.contains(needle), "render --help lacks {needle:?}");
    }
    let top = text(&wavecube(&["--help"]).stdout);
    assert!(top.contains("render") && top.contains("measure"), "{top}");
}

#[test]
fn bad_input_exits_2_with_one_line_naming_it() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let out = scratch("bad.wav");
    let out = out.to_str().unwrap();
    let missing = dir.join("no-such-file.mid");
    let missing = missing.to_str().unwrap();
    let corrupt = dir.join("corrupt.mid");
    std::fs::write(&corrupt, b"MThd\x00\x00\x00\x06\x00\x01garbage, not MIDI").unwrap();
    let corrupt = corrupt.to_str().unwrap();
    let unwritable = dir.join("no-such-dir").join("out.wav");
    let unwritable = unwritable.to_str().unwrap();
    let a4 = ["render", "--notes", "A4@0:0.1", "--out", out];

    assert_bad_input(&["render", "--midi", missing, "--out", out], missing);
    assert_bad_input(&["render", "--midi", corrupt, "--out", out], corrupt);
    assert_bad_input(
        &["render", "--notes", "A4@0:0.1", "--out", unwritable],
        unwritable,
    );
    for (flag, value) in [
        ("--sr", "7999"),
        ("--sr", "384001"),
        ("--block", "0"),
        ("--block", "65537"),
        ("--morph", "0.5,0.5"),
        ("--morph", "a,b,c"),
        ("--morph", "1.5,0,0"),
        ("--lfo", "w:1:0.5"),
        ("--lfo", "x:abc:0.2"),
        ("--lfo", "x:1:0.2:wobble"),
        ("--seconds", "-1"),
    ] {
        let mut args = a4.to_vec();
        args.extend([flag, value]);
        assert_bad_input(&args, value);
    }
    for notes in ["H4@0:1", "C4@0", "C4@0:-1", "C4@x:1", "200@0:1"] {
        assert_bad_input(&["render", "--notes", notes, "--out", out], notes);
    }
    let missing_wav = dir.join("no-such.wav");
    assert_bad_input(
        &["measure", missing_wav.to_str().unwrap()],
        missing_wav.to_str().unwrap(),
    );
    assert_bad_input(&["measure", corrupt], corrupt);
}

#[test]
fn bad_options_leave_an_existing_output_untouched() {
    let wav = scratch("keep.wav");
    std::fs::write(&wav, b"keep me").unwrap();
    let out = wavecube(&[
        "render",
        "--notes",
        "A4@0:1",
        "--out",
        wav.to_str().unwrap(),
        "--sr",
        "1000",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&wav).unwrap(), b"keep me");
}

#[test]
fn measure_start_past_the_end_is_bad_input() {
    let wav = scratch("short.wav");
    let out = wavecube(&[
        "render",
        "--notes",
        "A4@0:0.2",
        "--out",
        wav.to_str().unwrap(),
        "--seconds",
        "0.5",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_bad_input(
        &["measure", wav.to_str().unwrap(), "--start", "0.6"],
        wav.to_str().unwrap(),
    );
    // 0.45 s in leaves 2400 samples, under the analysis minimum of 4096.
    assert_bad_input(
        &["measure", wav.to_str().unwrap(), "--start", "0.45"],
        "too short",
    );
}
