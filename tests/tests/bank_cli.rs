//! End-to-end tests of `wavecube bank`: import → inspect → export → re-import through
//! files, folders and Z stacks, the notes on fallbacks, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use wavecube_dsp::bank::export::write_f32_wav;
use wavecube_dsp::bank::read_wcube;
use wavecube_dsp::cube::{resample_cycle, Cube};

fn wavecube(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wavecube"))
        .args(args)
        .output()
        .expect("the wavecube binary starts")
}

/// A fresh path under Cargo's per-crate temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bank-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    if path.is_dir() {
        std::fs::remove_dir_all(&path).unwrap();
    } else {
        let _ = std::fs::remove_file(&path);
    }
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs `args`, requires success, and returns stdout.
fn ok(args: &[&str]) -> String {
    let out = wavecube(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Asserts exit code 2 and a single stderr line containing every needle.
fn assert_bad_input(args: &[&str], needles: &[&str]) {
    let out = wavecube(args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: stderr {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {stderr}"
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: {stderr:?} does not name {needle:?}"
        );
    }
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
}

/// Frame `k` of channel `ch`: a few harmonics, different per frame and channel, plus DC.
fn frame(len: usize, k: usize, ch: usize) -> Vec<f32> {
    (0..len)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / len as f64;
            let h = (k % 5 + 1 + ch) as f64;
            (0.4 * (h * t).sin() + 0.2 * (3.0 * h * t + k as f64).cos() + 0.1) as f32
        })
        .collect()
}

/// A stereo Serum-style wavetable: `frames` frames of `len` samples and a `clm ` chunk.
fn write_clm(path: &Path, frames: usize, len: usize) {
    let chans: Vec<Vec<f32>> = (0..2)
        .map(|ch| (0..frames).flat_map(|k| frame(len, k, ch)).collect())
        .collect();
    let refs: Vec<&[f32]> = chans.iter().map(Vec::as_slice).collect();
    let clm = format!("<!>{len} 01000000 wavetable (test)");
    let bytes = write_f32_wav(&refs, 48_000, &[(*b"clm ", clm.as_bytes())]).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn inspect_json(path: &Path) -> Value {
    let stdout = ok(&["bank", "inspect", s(path), "--json"]);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn cube(path: &Path) -> Cube {
    read_wcube(&std::fs::read(path).unwrap()).unwrap()
}

fn max_err(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn import_inspect_export_and_reimport_keep_the_frames() {
    let src = scratch("table.wav");
    write_clm(&src, 16, 256);
    let bank = scratch("table.wcube");
    let report = ok(&[
        "bank",
        "import",
        s(&src),
        "-o",
        s(&bank),
        "--layout",
        "xy",
        "--codec",
        "zstd",
    ]);
    assert!(
        report.contains("4×4×1 cube, 16 nodes (stereo, 256 samples)"),
        "{report}"
    );

    let info = inspect_json(&bank);
    assert_eq!(info["format"], "wcube");
    assert_eq!(info["name"], "table");
    assert_eq!(info["dims"], serde_json::json!([4, 4, 1]));
    assert_eq!(info["node_count"], 16);
    assert_eq!(info["codecs"]["zstd"], 16);
    assert_eq!(info["nodes"][5]["channels"], 2);
    assert!(info["min_snr_db"].is_null(), "zstd is exact: {info}");
    let ratio = info["ratio_vs_f32"].as_f64().unwrap();
    assert!(ratio > 1.0, "zstd should shrink smooth frames: {ratio}");
    let table = ok(&["bank", "inspect", s(&bank)]);
    assert!(
        table.contains("zstd × 16") && table.contains("(3, 3, 0)"),
        "{table}"
    );

    // The imported nodes are the source frames with DC removed.
    let imported = cube(&bank);
    for k in 0..16 {
        let node = imported.get(k % 4, k / 4, 0).unwrap();
        for ch in 0..2 {
            let want: Vec<f32> = frame(256, k, ch).iter().map(|s| s - 0.1).collect();
            assert!(max_err(node.channel(ch), &want) < 1e-5, "frame {k} ch {ch}");
        }
    }

    // Export as clm (2048-sample frames), import again: same frames within resampling.
    let wav = scratch("table-export.wav");
    let report = ok(&["bank", "export", s(&bank), "--format", "clm", "-o", s(&wav)]);
    assert!(report.contains("16 frames of 2048 samples"), "{report}");
    let again = scratch("table-again.wcube");
    let report = ok(&["bank", "import", s(&wav), "-o", s(&again), "--codec", "f32"]);
    assert!(
        report.contains("the file gives its cube shape: 4×4×1"),
        "{report}"
    );
    let back = cube(&again);
    assert_eq!(back.dims(), [4, 4, 1]);
    for (pos, node) in imported.iter() {
        let got = back.get(pos[0], pos[1], pos[2]).unwrap();
        for ch in 0..2 {
            let want = resample_cycle(node.channel(ch), 2048);
            let err = max_err(got.channel(ch), &want);
            assert!(err < 1e-5, "{pos:?} ch {ch}: {err}");
        }
    }

    // One WAV per node, imported back as a folder: every node at its position.
    let dir = scratch("table-nodes");
    let report = ok(&[
        "bank",
        "export",
        s(&bank),
        "--format",
        "nodes",
        "-o",
        s(&dir),
    ]);
    assert!(report.contains("16 node files"), "{report}");
    assert!(dir.join("node_x3_y2_z0.wav").is_file());
    let from_dir = scratch("table-dir.wcube");
    ok(&[
        "bank",
        "import",
        s(&dir),
        "-o",
        s(&from_dir),
        "--codec",
        "f32",
    ]);
    let back = cube(&from_dir);
    assert_eq!(back.dims(), [4, 4, 1]);
    for (pos, node) in imported.iter() {
        let got = back.get(pos[0], pos[1], pos[2]).unwrap();
        assert!(max_err(got.channel(1), node.channel(1)) < 1e-6, "{pos:?}");
    }
}

#[test]
fn convert_recodes_and_inspect_reports_the_error() {
    let src = scratch("convert.wav");
    write_clm(&src, 8, 512);
    let exact = scratch("convert-exact.wcube");
    ok(&["bank", "import", s(&src), "-o", s(&exact), "--codec", "f32"]);
    let lossy = scratch("convert-lossy.wcube");
    let report = ok(&[
        "bank",
        "convert",
        s(&exact),
        s(&lossy),
        "--codec",
        "i16",
        "--name",
        "Lossy",
    ]);
    assert!(report.contains("\"Lossy\""), "{report}");
    let info = inspect_json(&lossy);
    assert_eq!(info["codecs"]["i16"], 8);
    let snr = info["min_snr_db"].as_f64().unwrap();
    assert!(snr > 80.0, "i16 scaled to the peak keeps > 80 dB: {snr}");
    assert!(info["nodes"][0]["snr_db"].as_f64().unwrap() >= snr);
    // convert also imports: a WAV straight to .wcube.
    let direct = scratch("convert-direct.wcube");
    ok(&["bank", "convert", s(&src), s(&direct), "--codec", "f32"]);
    assert_eq!(cube(&direct), cube(&exact));
}

#[test]
fn stack_z_makes_one_slice_per_file() {
    let a = scratch("slice-a.wav");
    let b = scratch("slice-b.wav");
    write_clm(&a, 16, 128);
    write_clm(&b, 16, 128);
    let bank = scratch("stack.wcube");
    let report = ok(&[
        "bank",
        "import",
        s(&a),
        s(&b),
        "--stack-z",
        "-o",
        s(&bank),
        "--codec",
        "f32",
    ]);
    assert!(report.contains("4×4×2 cube, 32 nodes"), "{report}");
    let c = cube(&bank);
    assert_eq!(
        c.get(1, 2, 1),
        c.get(1, 2, 0),
        "both files hold the same frames"
    );
    assert_eq!(c.axis_names()[2], "slice");
    // Without --stack-z the files are joined along the layout.
    let joined = scratch("joined.wcube");
    let report = ok(&[
        "bank",
        "import",
        s(&a),
        s(&b),
        "-o",
        s(&joined),
        "--codec",
        "f32",
    ]);
    assert!(report.contains("6×6×1 cube, 32 nodes"), "{report}");
}

#[test]
fn fallbacks_are_noted_and_other_formats_import() {
    // A plain WAV without metadata: 2048-sample frames, and the report says so.
    let plain = scratch("plain.wav");
    let mono: Vec<f32> = (0..3).flat_map(|k| frame(2048, k, 0)).collect();
    std::fs::write(&plain, write_f32_wav(&[&mono], 44_100, &[]).unwrap()).unwrap();
    let out = scratch("plain.wcube");
    let report = ok(&["bank", "import", s(&plain), "-o", s(&out), "--codec", "f32"]);
    assert!(report.contains("note: no frame-size metadata"), "{report}");
    assert!(report.contains("3 nodes"), "{report}");
    let report = ok(&[
        "bank",
        "import",
        s(&plain),
        "-o",
        s(&out),
        "--frame-size",
        "1024",
        "--codec",
        "f32",
    ]);
    assert!(report.contains("6 nodes"), "{report}");

    // A Surge .wt (int16, Surge's 15-bit range).
    let wt = scratch("surge.wt");
    let mut bytes = b"vawt".to_vec();
    bytes.extend_from_slice(&256u32.to_le_bytes());
    bytes.extend_from_slice(&4u16.to_le_bytes());
    bytes.extend_from_slice(&4u16.to_le_bytes());
    for k in 0..4 {
        for x in frame(256, k, 0) {
            bytes.extend_from_slice(&((x * 16_384.0).round() as i16).to_le_bytes());
        }
    }
    std::fs::write(&wt, bytes).unwrap();
    let info: Value = serde_json::from_str(&ok(&["bank", "inspect", s(&wt), "--json"])).unwrap();
    assert_eq!(info["format"], "surge-wt");
    assert_eq!(info["node_count"], 4);
    assert!(
        info["notes"].to_string().contains("2^-14"),
        "{}",
        info["notes"]
    );
}

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    let missing = scratch("missing.wav");
    let out = scratch("bad.wcube");
    assert_bad_input(
        &["bank", "import", s(&missing), "-o", s(&out)],
        &["missing.wav", "cannot read"],
    );
    // A WAV whose data chunk runs past the end names the file and the byte.
    let cut = scratch("cut.wav");
    write_clm(&cut, 4, 256);
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    assert_bad_input(
        &["bank", "import", s(&cut), "-o", s(&out)],
        &["cut.wav", "truncated", "data chunk at byte"],
    );
    assert!(!out.exists(), "a failed import writes nothing");
    let src = scratch("ok.wav");
    write_clm(&src, 17, 64);
    assert_bad_input(
        &["bank", "import", s(&src), "-o", s(&out), "--layout", "x"],
        &["ok.wav", "17 frames", "--layout xy"],
    );
    assert_bad_input(
        &["bank", "import", s(&src), "-o", s(&out), "--codec", "mp3"],
        &["--codec \"mp3\""],
    );
    assert_bad_input(
        &["bank", "import", s(&src), "-o", s(&out), "--quality", "0"],
        &["--quality 0"],
    );
    assert_bad_input(
        &[
            "bank",
            "import",
            s(&src),
            "-o",
            s(&out),
            "--frame-size",
            "3",
        ],
        &["--frame-size", "outside"],
    );
    // A truncated .wcube: inspect and export name it.
    let bank = scratch("trunc.wcube");
    ok(&["bank", "import", s(&src), "-o", s(&bank), "--codec", "f32"]);
    let bytes = std::fs::read(&bank).unwrap();
    std::fs::write(&bank, &bytes[..bytes.len() / 2]).unwrap();
    assert_bad_input(&["bank", "inspect", s(&bank)], &["trunc.wcube"]);
    assert_bad_input(
        &["bank", "export", s(&bank), "-o", s(&scratch("x.wav"))],
        &["trunc.wcube"],
    );
    let junk = scratch("junk.bin");
    std::fs::write(&junk, b"hello").unwrap();
    assert_bad_input(
        &["bank", "inspect", s(&junk)],
        &["junk.bin", "unrecognised file format"],
    );
    let empty_dir = scratch("empty-dir");
    std::fs::create_dir_all(&empty_dir).unwrap();
    assert_bad_input(
        &["bank", "import", s(&empty_dir), "-o", s(&out)],
        &["empty-dir", "no .wav files"],
    );
}

/// A Vital Line Source keyframe drawing `points` (x, y pairs, y down).
fn line_source(points: &[f32]) -> Value {
    let n = points.len() / 2;
    serde_json::json!({
        "type": "Line Source", "interpolation_style": 1, "num_points": n,
        "keyframes": [{"position": 0, "pull_power": 0.0, "line": {
            "num_points": n, "points": points, "powers": vec![0.0; n],
            "smooth": false, "name": "shape"}}]
    })
}

#[test]
fn a_vital_preset_imports_one_bank_per_oscillator() {
    // A preset as Vital saves it: three oscillators, each with its own table.
    let table = |name: &str, points: &[f32]| {
        serde_json::json!({
            "author": "test", "full_normalize": true, "remove_all_dc": true,
            "version": "1.5.5", "name": name, "groups": [{"components": [line_source(points)]}]
        })
    };
    let preset = serde_json::json!({
        "author": "someone", "preset_name": "Trio", "preset_style": "Lead",
        "synth_version": "1.5.5", "comments": "",
        "settings": {
            "osc_1_on": 1.0, "osc_2_on": 1.0, "osc_3_on": 1.0,
            "wavetables": [
                table("Tri", &[0.0, 1.0, 0.5, 0.0, 1.0, 1.0]),
                table("Square", &[0.0, 0.0, 0.5, 0.0, 0.5, 1.0, 1.0, 1.0]),
                table("Ramp", &[0.0, 1.0, 1.0, 0.0])
            ]
        }
    });
    let src = scratch("trio.vital");
    std::fs::write(&src, serde_json::to_vec_pretty(&preset).unwrap()).unwrap();
    let out = scratch("trio.wcube");
    let outs: Vec<PathBuf> = (1..=3)
        .map(|n| scratch(&format!("trio-osc{n}.wcube")))
        .collect();
    let report = ok(&["bank", "import", s(&src), "-o", s(&out)]);
    assert_eq!(
        report.lines().filter(|l| l.contains("-> ")).count(),
        3,
        "{report}"
    );
    assert!(
        !out.exists(),
        "a three-table preset writes one file per oscillator"
    );
    let frames: Vec<Vec<f32>> = outs
        .iter()
        .map(|p| {
            let c = cube(p);
            assert_eq!(c.node_count(), 1, "{}", p.display());
            c.get(0, 0, 0).unwrap().channel(0).to_vec()
        })
        .collect();
    let names: Vec<String> = outs
        .iter()
        .map(|p| inspect_json(p)["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Trio", "Trio osc 2", "Trio osc 3"]);
    // Three different shapes: every pair differs by far more than a codec's error.
    for (a, b) in [(0, 1), (0, 2), (1, 2)] {
        let d = max_err(&frames[a], &frames[b]);
        assert!(d > 0.2, "oscillators {} and {} alike ({d})", a + 1, b + 1);
    }
    // --osc picks one table and writes -o itself.
    let one = scratch("trio-2.wcube");
    let report = ok(&["bank", "import", s(&src), "-o", s(&one), "--osc", "2"]);
    assert_eq!(
        report.lines().filter(|l| l.contains("-> ")).count(),
        1,
        "{report}"
    );
    let c = cube(&one);
    assert!(max_err(c.get(0, 0, 0).unwrap().channel(0), &frames[1]) < 1e-4);
}
