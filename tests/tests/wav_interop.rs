//! Every WAV the project writes is read back by every command that reads WAV files:
//! `bank export` (clm and per-node), `tqa decode` and `conv` outputs, and a file with the
//! odd-length `clm ` chunk (and pad byte) that earlier exports wrote, through `measure`,
//! `tqa compare`, `conv`, `sculpt` and `bank import`, with the content intact (≥ 90 dB
//! against the source).

mod common;

use std::path::Path;

use common::{ok, s, scratch_path, wavecube};

use serde_json::Value;
use wavecube_dsp::bank::export::write_f32_wav;
use wavecube_dsp::bank::read_wcube;
use wavecube_harness::wav::{read_wav, write_channels, WavFormat};

/// SNR of `got` against `want`, dB (infinite when equal).
fn snr_db(want: &[f32], got: &[f32]) -> f64 {
    assert_eq!(want.len(), got.len());
    let sig: f64 = want.iter().map(|&x| f64::from(x).powi(2)).sum();
    let err: f64 = want
        .iter()
        .zip(got)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    10.0 * (sig / err.max(1e-300)).log10()
}

/// 16 DC-free, band-limited 2048-sample frames: a 1 kHz-ish tone at 44.1 kHz whose
/// brightness grows frame by frame.
fn source_frames() -> Vec<Vec<f32>> {
    (0..16)
        .map(|k| {
            (0..2048)
                .map(|i| {
                    let t = std::f64::consts::TAU * i as f64 / 2048.0;
                    (0.5 * (47.0 * t).sin() + 0.02 * (k + 1) as f64 * (94.0 * t + 0.3).sin()) as f32
                })
                .collect()
        })
        .collect()
}

/// Checks that every WAV-reading command reads `wav` as `want` (mono, 44.1 kHz).
fn every_command_reads(wav: &Path, want: &[f32], label: &str) {
    if want.len() >= 4096 {
        // measure: the level it reports is the source's.
        let m: Value = serde_json::from_str(&ok(&["measure", s(wav)])).unwrap();
        let rms =
            (want.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / want.len() as f64).sqrt();
        let got = m["rms"].as_f64().unwrap();
        assert!(
            (got / rms - 1.0).abs() < 0.02,
            "{label}: measure rms {got} vs {rms}"
        );
    } else {
        // measure reads it, and says plainly that one frame is too short to analyse.
        let out = wavecube(&["measure", s(wav)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{label}: {err}");
        assert!(err.contains("too short to analyse"), "{label}: {err}");
    }
    // tqa compare against a reference hound writes: the same samples.
    let reference = scratch_path("wav-interop", &format!("{label}-reference.wav"));
    write_channels(&reference, 44_100, WavFormat::F32, &[want]).unwrap();
    let c: Value = serde_json::from_str(&ok(&[
        "tqa",
        "compare",
        "-f1",
        s(&reference),
        "-f2",
        s(wav),
    ]))
    .unwrap();
    let sqnr = c["sqnr_db"].as_f64().unwrap_or(f64::INFINITY);
    assert!(sqnr >= 90.0, "{label}: tqa compare {sqnr} dB: {c}");
    // conv through a unit impulse gives the input back.
    let impulse = scratch_path("wav-interop", &format!("{label}-impulse.wav"));
    write_channels(&impulse, 44_100, WavFormat::F32, &[&[1.0]]).unwrap();
    let wet = scratch_path("wav-interop", &format!("{label}-wet.wav"));
    ok(&[
        "conv",
        "audio-pair",
        "--in",
        s(wav),
        "--ir",
        s(&impulse),
        "--out",
        s(&wet),
        "--normalize",
        "none",
        "--subtype",
        "FLOAT",
    ]);
    let back = read_wav(&wet).unwrap();
    let snr = snr_db(want, &back.channels[0][..want.len()]);
    assert!(snr >= 90.0, "{label}: conv {snr:.1} dB");
    // sculpt reads it.
    let png = scratch_path("wav-interop", &format!("{label}.png"));
    ok(&[
        "sculpt",
        "--img",
        "factory",
        "--audio",
        s(wav),
        "--out",
        s(&png),
    ]);
    assert!(png.is_file(), "{label}: sculpt wrote nothing");
    // bank import reads it as 2048-sample frames, each the source's.
    let bank = scratch_path("wav-interop", &format!("{label}.wcube"));
    ok(&[
        "bank",
        "import",
        s(wav),
        "-o",
        s(&bank),
        "--codec",
        "f32",
        "--frame-size",
        "2048",
    ]);
    let cube = read_wcube(&std::fs::read(&bank).unwrap()).unwrap();
    // Frames fill x first, then y, then z.
    let [w, h, _] = cube.dims();
    let mut nodes: Vec<_> = cube
        .iter()
        .map(|([x, y, z], n)| (x + w * (y + h * z), n.channel(0).to_vec()))
        .collect();
    nodes.sort_by_key(|(i, _)| *i);
    let nodes: Vec<Vec<f32>> = nodes.into_iter().map(|(_, n)| n).collect();
    assert_eq!(nodes.len(), want.len() / 2048, "{label}");
    for (k, node) in nodes.iter().enumerate() {
        // The importer removes each frame's DC.
        let frame = &want[k * 2048..(k + 1) * 2048];
        let mean = frame.iter().map(|&x| f64::from(x)).sum::<f64>() / 2048.0;
        let frame: Vec<f32> = frame
            .iter()
            .map(|&x| (f64::from(x) - mean) as f32)
            .collect();
        let snr = snr_db(&frame, node);
        assert!(snr >= 90.0, "{label}: bank import frame {k}: {snr:.1} dB");
    }
}

#[test]
fn every_wav_the_project_writes_is_read_by_every_command() {
    let frames = source_frames();
    let all: Vec<f32> = frames.concat();
    // The 37-byte clm chunk (with its pad byte) of earlier exports: valid RIFF that hound
    // could not read.
    let odd = scratch_path("wav-interop", "odd-clm.wav");
    let bytes = write_f32_wav(
        &[&all],
        44_100,
        &[(*b"clm ", b"<!>2048 00000000 wavetable (wavecube)")],
    )
    .unwrap();
    std::fs::write(&odd, bytes).unwrap();
    every_command_reads(&odd, &all, "odd-clm");

    // bank import → export clm → every command.
    let bank = scratch_path("wav-interop", "src.wcube");
    ok(&[
        "bank",
        "import",
        s(&odd),
        "-o",
        s(&bank),
        "--codec",
        "f32",
        "--layout",
        "xy",
    ]);
    let export = scratch_path("wav-interop", "export.wav");
    ok(&[
        "bank",
        "export",
        s(&bank),
        "--format",
        "clm",
        "-o",
        s(&export),
    ]);
    every_command_reads(&export, &all, "clm-export");

    // tqa decode output (lossy codec: compared with its own decode, read by every command).
    let stream = scratch_path("wav-interop", "export.tqa");
    let decoded = scratch_path("wav-interop", "decoded.wav");
    ok(&["tqa", "encode", s(&export), s(&stream)]);
    ok(&["tqa", "decode", s(&stream), s(&decoded)]);
    let content = read_wav(&decoded).unwrap().channels.remove(0);
    every_command_reads(&decoded, &content, "tqa-decode");

    // A per-node export file: one frame, read by every command.
    let dir = scratch_path("wav-interop", "nodes");
    ok(&[
        "bank",
        "export",
        s(&bank),
        "--format",
        "nodes",
        "-o",
        s(&dir),
    ]);
    let node = dir.join("node_x1_y0_z0.wav");
    let back = read_wav(&node).unwrap();
    assert!(snr_db(&frames[1], &back.channels[0]) >= 90.0);
    every_command_reads(&node, &frames[1], "node-export");

    // conv's integer output (24-bit PCM, its smallest step 2^-23) through a unit impulse.
    let impulse = scratch_path("wav-interop", "pcm24-impulse.wav");
    write_channels(&impulse, 44_100, WavFormat::F32, &[&[1.0]]).unwrap();
    let pcm24 = scratch_path("wav-interop", "conv-pcm24.wav");
    ok(&[
        "conv",
        "audio-pair",
        "--in",
        s(&export),
        "--ir",
        s(&impulse),
        "--out",
        s(&pcm24),
        "--normalize",
        "none",
        "--subtype",
        "PCM_24",
    ]);
    let content = read_wav(&pcm24).unwrap().channels.remove(0);
    assert!(snr_db(&all, &content[..all.len()]) >= 90.0);
    every_command_reads(&pcm24, &content, "conv-pcm24");
}
