//! `wavecube render --bank` and a patch's bank: the named bank is what plays. The test bank
//! holds one waveform everywhere, a fundamental and its third harmonic at half amplitude,
//! so its render must show the third harmonic 6.02 dB below the fundamental and no second
//! harmonic; the default cube at the default morph point (a sine) shows neither.

mod common;

use std::path::Path;

use common::{scratch_dir, text, wavecube};
use wavecube_dsp::bank::{write_wcube, WriteOptions};
use wavecube_dsp::cube::{Cube, Node};
use wavecube_dsp::patch::Patch;
use wavecube_harness::wav::read_wav;

/// Level of harmonic 3 against harmonic 1 in the test bank's waveform, dB.
const H3_DB: f64 = -6.0206;

/// sin(2πp) + 0.5 sin(6πp), scaled to peak below 1.
fn waveform(p: f64) -> f64 {
    use std::f64::consts::TAU;
    0.6 * ((TAU * p).sin() + 0.5 * (3.0 * TAU * p).sin())
}

/// A 2×2×2 bank with [`waveform`] at every node, written to `path`.
fn write_bank(path: &Path) {
    let mut cube = Cube::new(2, 2, 2).unwrap();
    for x in 0..2 {
        for y in 0..2 {
            for z in 0..2 {
                cube.set(x, y, z, Node::from_fn(2048, waveform).unwrap())
                    .unwrap();
            }
        }
    }
    cube.meta_mut().name = "Odd Three".into();
    std::fs::write(path, write_wcube(&cube, &WriteOptions::default()).unwrap()).unwrap();
}

/// Amplitude of the component at `hz` (Hann-windowed single-bin DFT), dB re full scale.
fn tone_db(x: &[f32], sr: f64, hz: f64) -> f64 {
    let n = x.len() as f64;
    let (mut re, mut im, mut wsum) = (0.0, 0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let ph = std::f64::consts::TAU * hz * i as f64 / sr;
        re += f64::from(v) * w * ph.cos();
        im -= f64::from(v) * w * ph.sin();
        wsum += w;
    }
    20.0 * (2.0 * (re * re + im * im).sqrt() / wsum).max(1e-15).log10()
}

/// Renders A3 (220 Hz) for 1 s with `extra` arguments; returns the levels of harmonics 2
/// and 3 against the fundamental, dB, and stdout.
fn harmonics(dir: &Path, name: &str, extra: &[&str]) -> (f64, f64, String) {
    let out = dir.join(format!("{name}.wav"));
    let mut args = vec![
        "render",
        "--notes",
        "A3@0:1",
        "--seconds",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = wavecube(&args);
    assert!(run.status.success(), "{args:?}: {}", text(&run.stderr));
    let wav = read_wav(&out).unwrap();
    let sr = f64::from(wav.sample_rate_hz);
    let mono = wav.to_mono();
    let w = &mono[(0.4 * sr) as usize..(0.9 * sr) as usize];
    let h1 = tone_db(w, sr, 220.0);
    (
        tone_db(w, sr, 440.0) - h1,
        tone_db(w, sr, 660.0) - h1,
        text(&run.stdout),
    )
}

/// Asserts the levels are the test bank's: harmonic 3 at −6.02 dB, no harmonic 2.
fn assert_test_bank(h2: f64, h3: f64, what: &str) {
    assert!(
        (h3 - H3_DB).abs() < 0.5,
        "{what}: harmonic 3 at {h3:.2} dB, the bank has {H3_DB:.2} dB"
    );
    assert!(h2 < -50.0, "{what}: harmonic 2 at {h2:.1} dB");
}

#[test]
fn render_bank_plays_a_wcube_a_factory_bank_and_an_imported_file() {
    let dir = scratch_dir("render-bank", "flag");
    let bank = dir.join("odd3.wcube");
    write_bank(&bank);
    let (_, d3, stdout) = harmonics(&dir, "default", &[]);
    assert!(
        d3 < H3_DB - 20.0,
        "the default cube at morph 0 is near a sine: harmonic 3 at {d3:.1} dB"
    );
    assert!(
        stdout.contains("bank       factory (the built-in cube)"),
        "{stdout}"
    );
    let (h2, h3, stdout) = harmonics(&dir, "wcube", &["--bank", bank.to_str().unwrap()]);
    assert_test_bank(h2, h3, "--bank odd3.wcube");
    assert!(
        stdout.contains(&format!("bank       {}", bank.display())),
        "{stdout}"
    );

    // The same waveform as a WAV of two 2048-sample frames, imported on the fly.
    let wav = dir.join("odd3.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&wav, spec).unwrap();
    for i in 0..2 * 2048 {
        w.write_sample(waveform((i % 2048) as f64 / 2048.0) as f32)
            .unwrap();
    }
    w.finalize().unwrap();
    let (h2, h3, stdout) = harmonics(&dir, "wav", &["--bank", wav.to_str().unwrap()]);
    assert_test_bank(h2, h3, "--bank odd3.wav");
    assert!(
        stdout.contains("  note       bank: "),
        "the import's notes: {stdout}"
    );

    let (_, _, stdout) = harmonics(&dir, "fm", &["--bank", "FM Cube"]);
    assert!(stdout.contains("bank       FM Cube (factory)"), "{stdout}");

    let missing = wavecube(&[
        "render",
        "--notes",
        "A3@0:1",
        "--bank",
        "no-such-bank",
        "--out",
        dir.join("x.wav").to_str().unwrap(),
    ]);
    let stderr = text(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bank \"no-such-bank\": no factory bank of that name and no file"),
        "{stderr}"
    );
    assert!(!dir.join("x.wav").exists(), "no output for bad input");
}

#[test]
fn a_patch_plays_the_bank_it_names_relative_to_its_file() {
    let dir = scratch_dir("render-bank", "patch");
    std::fs::create_dir_all(dir.join("banks")).unwrap();
    write_bank(&dir.join("banks/odd3.wcube"));
    let mut patch = Patch::default();
    patch.meta.name = "Odd".into();
    patch.meta.bank = Some("banks/odd3.wcube".into());
    let patch_path = dir.join("odd.json");
    std::fs::write(&patch_path, patch.to_json_pretty()).unwrap();
    // Run from another folder: the bank is found next to the patch, not the working dir.
    let (h2, h3, stdout) = harmonics(&dir, "patch", &["--patch", patch_path.to_str().unwrap()]);
    assert_test_bank(h2, h3, "patch naming banks/odd3.wcube");
    assert!(stdout.contains("odd3.wcube"), "{stdout}");
    // --bank wins over the patch's bank.
    let (_, d3, _) = harmonics(
        &dir,
        "override",
        &["--patch", patch_path.to_str().unwrap(), "--bank", "factory"],
    );
    assert!(
        d3 < H3_DB - 20.0,
        "--bank factory: harmonic 3 at {d3:.1} dB"
    );

    patch.meta.bank = Some("gone.wcube".into());
    let broken = dir.join("broken.json");
    std::fs::write(&broken, patch.to_json_pretty()).unwrap();
    let run = wavecube(&[
        "render",
        "--notes",
        "A3@0:1",
        "--patch",
        broken.to_str().unwrap(),
        "--out",
        dir.join("y.wav").to_str().unwrap(),
    ]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "bank \"gone.wcube\" (named by patch {}): no factory bank of that name and no file {}",
            broken.display(),
            dir.join("gone.wcube").display()
        )),
        "{stderr}"
    );
}
