//! End-to-end tests of `wavecube wavelet`: `dec` equals PyWavelets' fixtures, `dec | rec`
//! gives the signal back, and bad input is one line with exit code 2.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Runs the binary with `args`, feeding `stdin` when given.
fn wavecube(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wavecube"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wavecube binary starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    // NOTE: a command that fails on its options exits without reading stdin; the
    // broken pipe that gives is expected, and the exit status tells the story.
    let _ = pipe.write_all(stdin.unwrap_or("").as_bytes());
    drop(pipe);
    child.wait_with_output().expect("the binary finishes")
}

/// Runs `args`, requires success, and returns stdout.
fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = wavecube(args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A fresh path under Cargo's per-crate temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wavelet-cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn numbers(json: &Value) -> Vec<f64> {
    json.as_array()
        .expect("a JSON array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

/// Largest `|a - b| / max(1, |b|)`.
fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, f64::max)
}

/// `dec` on a fixture signal, as a file, prints PyWavelets' coefficients; `rec` on that
/// output, through stdin, prints PyWavelets' reconstruction.
#[test]
fn dec_matches_pywavelets_and_rec_round_trips() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../dsp/tests/wavelet_fixtures/db4.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    let mut worst = 0.0_f64;
    let mut cases = 0;
    for case in fixture["wavedec"].as_array().unwrap() {
        if case["beyond_max"].as_bool().unwrap() || case["n"].as_u64().unwrap() < 32 {
            continue;
        }
        let n = case["n"].as_u64().unwrap().to_string();
        let (mode, level) = (case["mode"].as_str().unwrap(), case["level"].to_string());
        let x = numbers(&fixture["signals"][&n]);
        let path = scratch(&format!("x{n}.txt"));
        // One number per line, and several per line: both are accepted.
        let text: Vec<String> = x.iter().map(|v| format!("{v:?}")).collect();
        std::fs::write(&path, text.join("\n") + "\n").unwrap();
        let args = ["--wavelet", "db4", "--mode", mode];
        let dec = ok(
            &[
                &["wavelet", "dec", "--level", &level],
                &args[..],
                &[path.to_str().unwrap()],
            ]
            .concat(),
            None,
        );
        let coeffs: Value = serde_json::from_str(&dec).unwrap();
        let want = case["coeffs"].as_array().unwrap();
        assert_eq!(coeffs.as_array().unwrap().len(), want.len());
        for (got, want) in coeffs.as_array().unwrap().iter().zip(want) {
            worst = worst.max(rel_err(&numbers(got), &numbers(want)));
        }
        let rec = ok(
            &[&["wavelet", "rec"], &args[..], &["-"]].concat(),
            Some(&dec),
        );
        let rec = numbers(&serde_json::from_str(&rec).unwrap());
        worst = worst.max(rel_err(&rec, &numbers(&case["rec"])));
        worst = worst.max(rel_err(&rec[..x.len()], &x));
        cases += 1;
    }
    assert!(cases >= 10, "only {cases} cases");
    assert!(worst < 1e-12, "worst relative error {worst:e}");

    let spaced = ok(
        &["wavelet", "dec", "--wavelet", "haar", "--level", "1"],
        Some("1 3\t2\n2\n"),
    );
    let coeffs: Value = serde_json::from_str(&spaced).unwrap();
    let s = std::f64::consts::FRAC_1_SQRT_2;
    assert!(rel_err(&numbers(&coeffs[0]), &[4.0 * s, 4.0 * s]) < 1e-15);
    assert!(rel_err(&numbers(&coeffs[1]), &[-2.0 * s, 0.0]) < 1e-15);
}

/// Asserts exit code 2 and a single stderr line containing `needle`.
fn assert_bad_input(args: &[&str], stdin: &str, needle: &str) {
    let out = wavecube(args, Some(stdin));
    let stderr = String::from_utf8_lossy(&out.stderr);
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
    assert!(out.stdout.is_empty(), "{args:?} printed output");
}

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    let dec = ["wavelet", "dec"];
    assert_bad_input(
        &dec,
        "1 2\n3 abc\n",
        "<stdin>: line 2: \"abc\" is not a number",
    );
    assert_bad_input(&dec, "1 nan 3", "\"nan\" is not a finite number");
    assert_bad_input(&dec, "\n  \n", "<stdin>: the signal is empty");
    assert_bad_input(
        &[&dec[..], &["--wavelet", "db3"]].concat(),
        "1",
        "unknown wavelet \"db3\"",
    );
    assert_bad_input(
        &[&dec[..], &["--mode", "reflect"]].concat(),
        "1",
        "unknown mode \"reflect\"",
    );
    assert_bad_input(
        &[&dec[..], &["--level", "3"]].concat(),
        &"1 ".repeat(32),
        "level 3 is too high for 32 samples with db4 (at most 2",
    );
    let missing = scratch("missing.txt");
    let _ = std::fs::remove_file(&missing);
    assert_bad_input(
        &[&dec[..], &[missing.to_str().unwrap()]].concat(),
        "",
        &format!("{}: cannot read", missing.display()),
    );
    let rec = ["wavelet", "rec"];
    assert_bad_input(&rec, "[[1, 2], [3]", "<stdin>: not a JSON array of arrays");
    assert_bad_input(&rec, "[[1, 2], [\"a\", 4]]", "not a JSON array of arrays");
    assert_bad_input(
        &rec,
        "[[1, 2, 3, 4], [1, 2]]",
        "coefficient array 1 holds 2 values",
    );
    assert_bad_input(&rec, "[]", "no coefficient arrays");
}
