//! End-to-end tests of `wavecube tqa`: round trips through files, the reports, channels,
//! input formats, bad input and the signal generator's determinism.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use wavecube_dsp::analysis::{compare, peak};
use wavecube_harness::wav::read_wav;

fn wavecube(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wavecube"))
        .args(args)
        .output()
        .expect("the wavecube binary starts")
}

/// A fresh path under Cargo's per-crate temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tqa-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
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

/// Runs `args`, requires success, and parses stdout as JSON.
fn ok_json(args: &[&str]) -> Value {
    let stdout = ok(args);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"))
}

fn num(json: &Value, key: &str) -> f64 {
    json[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {json}"))
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

/// Writes `channels` (equal lengths, full scale 1.0) with hound in `bits`-bit
/// integer PCM, or 32-bit float when `bits` is 0.
fn write_wav(path: &Path, sample_rate_hz: u32, bits: u16, channels: &[&[f32]]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: sample_rate_hz,
        bits_per_sample: if bits == 0 { 32 } else { bits },
        sample_format: if bits == 0 {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for channel in channels {
            let x = channel[i];
            if bits == 0 {
                writer.write_sample(x).unwrap();
            } else {
                let scale = f64::from(1_u32 << (bits - 1));
                let v = (f64::from(x) * scale).round().clamp(-scale, scale - 1.0) as i32;
                writer.write_sample(v).unwrap();
            }
        }
    }
    writer.finalize().unwrap();
}

/// `n` samples of a sine at `freq_hz` and `amplitude` at `sample_rate_hz`.
fn sine(n: usize, freq_hz: f64, amplitude: f64, sample_rate_hz: u32) -> Vec<f32> {
    let w = std::f64::consts::TAU * freq_hz / f64::from(sample_rate_hz);
    (0..n)
        .map(|i| (amplitude * (w * i as f64).sin()) as f32)
        .collect()
}

/// A 6-bit TQA stream of a well-behaved signal comes back above this SQNR.
/// The Lloyd-Max quantiser for N(0, 1) at 6 bits has 31.0 dB (Max 1960);
/// side information and half-float scales cost a little of it.
const SQNR_6_BIT_MIN_DB: f64 = 27.0;

#[test]
fn simulate_encode_decode_compare_round_trip() {
    let wav = scratch("rt-in.wav");
    let stream = scratch("rt.tqa");
    let back = scratch("rt-out.wav");
    ok(&[
        "tqa",
        "simulate",
        "--type",
        "sine",
        "--duration",
        "0.5",
        "--out",
        s(&wav),
    ]);
    let report = ok(&["tqa", "encode", s(&wav), s(&stream)]);
    assert_eq!(report.lines().count(), 1, "{report}");
    for field in [
        "4000 frames",
        "1 channel",
        "bits/sample",
        "32-bit PCM",
        s(&stream),
    ] {
        assert!(
            report.contains(field),
            "encode report lacks {field}: {report}"
        );
    }
    let stream_bytes = std::fs::metadata(&stream).unwrap().len();
    assert!(
        report.contains(&format!("{stream_bytes} bytes")),
        "{report}"
    );
    ok(&["tqa", "decode", s(&stream), s(&back)]);

    let spec = hound::WavReader::open(&back).unwrap().spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 8_000, 32)
    );
    assert_eq!(spec.sample_format, hound::SampleFormat::Float);
    let m = ok_json(&["tqa", "compare", "-f1", s(&wav), "-f2", s(&back)]);
    eprintln!("simulate -> encode -> decode: {m}");
    assert_eq!(m["frames"].as_u64(), Some(4_000));
    assert_eq!(m["channels"].as_u64(), Some(1));
    assert!(num(&m, "sqnr_db") > SQNR_6_BIT_MIN_DB, "{m}");
    assert!(num(&m, "correlation") > 0.999, "{m}");
    assert!(num(&m, "envelope_correlation") > 0.99, "{m}");
    // The spikes are at ±0.98; the decoded peak is within a few quantiser steps.
    assert!(num(&m, "peak_delta") < 0.02, "{m}");
    assert!(num(&m, "mse") > 0.0 && num(&m, "mse") < 1e-4, "{m}");

    // --file1/--file2 are the same command; a file against itself is exact.
    let same = ok_json(&["tqa", "compare", "--file1", s(&wav), "--file2", s(&wav)]);
    assert_eq!(same["mse"].as_f64(), Some(0.0));
    assert!(same["sqnr_db"].is_null(), "infinite SQNR is null: {same}");
}

#[test]
fn run_reports_rates_and_bits_for_16_bit_mono() {
    let wav = scratch("run16.wav");
    let back = scratch("run16-out.wav");
    let stream = scratch("run16.tqa");
    ok(&[
        "tqa",
        "simulate",
        "--type",
        "noise",
        "--duration",
        "1.024",
        "--format",
        "i16",
        "--out",
        s(&wav),
    ]);
    // 8192 samples: 16 whole 512-sample blocks, so no bits go to padding the
    // last block and payload + side information is the whole stream.
    for (mode, payload_bits) in [("plain", 6.0), ("sign", 7.0), ("qjl", 6.0)] {
        let r = ok_json(&[
            "tqa",
            "run",
            "-i",
            s(&wav),
            "-o",
            s(&back),
            "--mode",
            mode,
            "--tqa",
            s(&stream),
        ]);
        eprintln!("run {mode}: {r}");
        for key in [
            "input_pcm_bytes",
            "stream_bytes",
            "ratio",
            "bits_per_sample",
            "side_bits_per_sample",
            "sqnr_db",
            "encode_s",
            "decode_s",
            "encode_mb_s",
            "decode_mb_s",
        ] {
            assert!(num(&r, key) > 0.0, "{key} in {r}");
        }
        assert_eq!(r["mode"], mode);
        assert_eq!(
            (r["bits"].as_u64(), r["block"].as_u64()),
            (Some(6), Some(512))
        );
        assert!(r["seed"].is_u64(), "{r}");
        assert_eq!(
            (r["frames"].as_u64(), r["channels"].as_u64()),
            (Some(8_192), Some(1))
        );
        // 16-bit mono: 2 bytes per frame.
        assert_eq!(r["input_pcm_bytes"].as_u64(), Some(16_384));
        let bps = num(&r, "bits_per_sample");
        assert!(
            (payload_bits..payload_bits + 0.3).contains(&bps),
            "{mode}: {bps} bits/sample"
        );
        let stream_bytes = num(&r, "stream_bytes");
        assert_eq!(bps, stream_bytes * 8.0 / 8_192.0);
        assert!((num(&r, "ratio") - 16.0 / bps).abs() < 1e-9, "{r}");
        assert_eq!(
            std::fs::metadata(&stream).unwrap().len() as f64,
            stream_bytes
        );
        let side = num(&r, "side_bits_per_sample");
        assert!(
            (bps - payload_bits - side).abs() < 1e-9,
            "{mode}: side {side} + payload {payload_bits} != {bps} bits/sample"
        );
        let encode_mb_s = 16_384.0 / 1e6 / num(&r, "encode_s");
        assert!((num(&r, "encode_mb_s") / encode_mb_s - 1.0).abs() < 1e-9);
        // qjl spends a bit on the projection: 5 index bits lose about 6 dB.
        let floor_db = if mode == "qjl" {
            SQNR_6_BIT_MIN_DB - 7.0
        } else {
            SQNR_6_BIT_MIN_DB
        };
        assert!(num(&r, "sqnr_db") > floor_db, "{mode}: {r}");
    }
}

#[test]
fn stereo_keeps_both_channels_apart() {
    let sr = 16_000;
    let left = sine(8_000, 440.0, 0.5, sr);
    let right = sine(8_000, 1_250.0, 0.2, sr);
    let silence = vec![0.0_f32; 8_000];
    for (name, l, r) in [("lr", &left, &right), ("left-only", &left, &silence)] {
        let wav = scratch(&format!("stereo-{name}.wav"));
        let back = scratch(&format!("stereo-{name}-out.wav"));
        write_wav(&wav, sr, 16, &[l, r]);
        let report = ok_json(&["tqa", "run", "-i", s(&wav), "-o", s(&back)]);
        assert_eq!(report["channels"].as_u64(), Some(2), "{report}");
        // 16-bit stereo: 4 bytes per frame.
        assert_eq!(report["input_pcm_bytes"].as_u64(), Some(32_000));
        let input = read_wav(&wav).unwrap();
        let output = read_wav(&back).unwrap();
        assert_eq!(output.channels.len(), 2, "{name}");
        assert_eq!(output.frames(), 8_000, "{name}");
        let (li, lo) = (&input.channels[0][..], &output.channels[0][..]);
        let fit = compare(&[li], &[lo], sr).unwrap();
        assert!(fit.sqnr_db > SQNR_6_BIT_MIN_DB, "{name} left: {fit:?}");
        if name == "left-only" {
            let leak = peak(&output.channels[1]);
            assert!(leak < 1e-6, "left-only: right channel peaks at {leak}");
        } else {
            let (ri, ro) = (&input.channels[1][..], &output.channels[1][..]);
            let fit = compare(&[ri], &[ro], sr).unwrap();
            assert!(fit.sqnr_db > SQNR_6_BIT_MIN_DB, "right: {fit:?}");
            // Swapped, the channels do not match at all.
            let swapped = compare(&[li], &[ro], sr).unwrap();
            assert!(swapped.correlation.unwrap().abs() < 0.05, "{swapped:?}");
        }
    }
}

#[test]
fn every_wav_input_format_round_trips() {
    let sr = 8_000;
    let x = sine(4_000, 300.0, 0.7, sr);
    // 0 stands for 32-bit float.
    for bits in [8_u16, 16, 24, 32, 0] {
        let wav = scratch(&format!("in-{bits}.wav"));
        let back = scratch(&format!("in-{bits}-out.wav"));
        write_wav(&wav, sr, bits, &[&x]);
        let r = ok_json(&[
            "tqa",
            "run",
            "-i",
            s(&wav),
            "-o",
            s(&back),
            "--format",
            "i24",
        ]);
        let file_bits = if bits == 0 { 32 } else { bits };
        assert_eq!(
            r["input_bits_per_sample"].as_u64(),
            Some(u64::from(file_bits))
        );
        assert_eq!(
            r["input_pcm_bytes"].as_u64(),
            Some(4_000 * u64::from(file_bits / 8)),
            "{bits}-bit: {r}"
        );
        let ratio = f64::from(file_bits) / num(&r, "bits_per_sample");
        assert!((num(&r, "ratio") - ratio).abs() < 1e-9, "{bits}-bit: {r}");
        assert!(num(&r, "sqnr_db") > SQNR_6_BIT_MIN_DB, "{bits}-bit: {r}");
        let spec = hound::WavReader::open(&back).unwrap().spec();
        assert_eq!(
            (spec.bits_per_sample, spec.channels),
            (24, 1),
            "--format i24"
        );
    }
}

#[test]
fn simulate_is_deterministic() {
    for kind in ["sine", "square", "noise", "transient"] {
        let files: Vec<Vec<u8>> = ["a", "b"]
            .iter()
            .map(|tag| {
                let path = scratch(&format!("sim-{kind}-{tag}.wav"));
                ok(&[
                    "tqa",
                    "simulate",
                    "--type",
                    kind,
                    "--duration",
                    "0.25",
                    "--spikes",
                    "5",
                    "--seed",
                    "7",
                    "--out",
                    s(&path),
                ]);
                std::fs::read(&path).unwrap()
            })
            .collect();
        assert_eq!(files[0], files[1], "{kind}: two runs differ");
        let other = scratch(&format!("sim-{kind}-seed8.wav"));
        ok(&[
            "tqa",
            "simulate",
            "--type",
            kind,
            "--duration",
            "0.25",
            "--spikes",
            "5",
            "--seed",
            "8",
            "--out",
            s(&other),
        ]);
        assert_ne!(
            std::fs::read(&other).unwrap(),
            files[0],
            "{kind}: seed ignored"
        );
        let samples = read_wav(&other).unwrap().channels.remove(0);
        assert_eq!(samples.len(), 2_000, "0.25 s at the default 8000 Hz");
        assert_eq!(
            samples.iter().filter(|v| v.abs() == 0.98).count(),
            5,
            "{kind}"
        );
    }
}

#[test]
fn bad_input_exits_2_with_one_line_naming_it() {
    let wav = scratch("bad-src.wav");
    let stereo = scratch("bad-stereo.wav");
    let slow = scratch("bad-11k.wav");
    let good = scratch("bad-good.tqa");
    let out = scratch("bad-out.wav");
    let x = sine(1_000, 440.0, 0.5, 8_000);
    write_wav(&wav, 8_000, 16, &[&x]);
    write_wav(&stereo, 8_000, 16, &[&x, &x]);
    write_wav(&slow, 11_025, 16, &[&x]);
    ok(&["tqa", "encode", s(&wav), s(&good)]);
    let bytes = std::fs::read(&good).unwrap();

    let truncated = scratch("bad-truncated.tqa");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let header_only = scratch("bad-header.tqa");
    std::fs::write(&header_only, &bytes[..30]).unwrap();
    let garbage = scratch("bad-garbage.tqa");
    std::fs::write(&garbage, b"this is not a TQA stream at all, just some text").unwrap();
    let flipped = scratch("bad-flipped.tqa");
    let mut corrupt = bytes.clone();
    corrupt[bytes.len() - 20] ^= 0x10;
    std::fs::write(&flipped, &corrupt).unwrap();
    let empty = scratch("bad-empty.tqa");
    std::fs::write(&empty, b"").unwrap();
    let missing = scratch("bad-missing.tqa");
    for stream in [
        &truncated,
        &header_only,
        &garbage,
        &flipped,
        &empty,
        &missing,
    ] {
        assert_bad_input(&["tqa", "decode", s(stream), s(&out)], s(stream));
    }
    let not_wav = scratch("bad-not-a.wav");
    std::fs::write(&not_wav, b"RIFF\x04\x00\x00\x00WAVEjunk").unwrap();
    assert_bad_input(&["tqa", "encode", s(&not_wav), s(&good)], s(&not_wav));
    assert_bad_input(
        &["tqa", "run", "-i", s(&missing), "-o", s(&out)],
        s(&missing),
    );

    std::fs::write(&out, b"keep me").unwrap();
    let run = ["tqa", "run", "-i", s(&wav), "-o", s(&out)];
    for (flag, value) in [
        ("--bits", "9"),
        ("--bits", "1"),
        ("--block", "500"),
        ("--block", "8192"),
        ("--mode", "loud"),
    ] {
        let mut args = run.to_vec();
        args.extend([flag, value]);
        assert_bad_input(&args, &format!("{flag} "));
        assert_bad_input(&args, value);
    }
    assert_eq!(
        std::fs::read(&out).unwrap(),
        b"keep me",
        "bad options touched -o"
    );

    assert_bad_input(
        &["tqa", "compare", "-f1", s(&wav), "-f2", s(&stereo)],
        "channel",
    );
    assert_bad_input(
        &["tqa", "compare", "-f1", s(&wav), "-f2", s(&slow)],
        "11025 Hz",
    );
    assert_bad_input(
        &["tqa", "compare", "-f1", s(&wav), "-f2", s(&missing)],
        s(&missing),
    );

    let sim = ["tqa", "simulate", "--out", s(&out)];
    for (flag, value) in [
        ("--type", "saw"),
        ("--duration", "0"),
        ("--duration", "-1"),
        ("--frequency", "4001"),
        ("--amplitude", "2"),
        ("--sr", "1000"),
    ] {
        let mut args = sim.to_vec();
        args.extend([flag, value]);
        assert_bad_input(&args, &format!("{flag} "));
    }
    let mut args = sim.to_vec();
    args.extend(["--duration", "0.001", "--spikes", "9"]);
    assert_bad_input(&args, "--spikes 9");
}

#[test]
fn help_documents_units_and_defaults() {
    let top = ok(&["tqa", "--help"]);
    for command in ["encode", "decode", "run", "compare", "simulate"] {
        assert!(top.contains(command), "tqa --help lacks {command}");
    }
    for (command, needles) in [
        (
            "encode",
            &[
                "[default: 6]",
                "[default: 512]",
                "plain|sign|qjl",
                "power of two",
            ][..],
        ),
        ("run", &["MB/s", "bits_per_sample", "sqnr_db", "--tqa"][..]),
        ("compare", &["10 ms", "Pearson", "-f1", "--file2"][..]),
        (
            "simulate",
            &["Hz", "seconds", "[default: 440]", "[default: 8000]", "0.98"][..],
        ),
        ("decode", &["f32", "i24", "i16"][..]),
    ] {
        let help = ok(&["tqa", command, "--help"]);
        for needle in needles {
            assert!(
                help.contains(needle),
                "tqa {command} --help lacks {needle:?}"
            );
        }
    }
}
