//! Every factory patch renders as it did before the modulation matrix (issue 17, "What it
//! must show" 2): a fingerprint of each patch's render, taken with the engine as it was
//! before the matrix existed, must match today's render to within 1e-6 per sample.
//!
//! The fingerprint (`tests/data/factory_fingerprints.txt`) holds, per patch, 96 samples
//! of each channel at fixed positions and the RMS of 24 windows. The performance plays a
//! chord and moves every channel controller the fixed routings read (wheel, pressure,
//! bend, poly pressure), so each old routing is exercised. To re-take the reference on
//! purpose (an intended sound change), run with `WAVECUBE_BLESS=1` and say why in the
//! commit.

mod common;

use common::{factory_set, render_events, AbsEvent};
use wavecube_dsp::patch::Patch;
use wavecube_dsp::synth::{Engine, NoteEvent};

const SR: f32 = 48_000.0;
const LEN: usize = 36_000;
const POINTS: usize = 96;
const WINDOWS: usize = 24;
const TOL: f64 = 1e-6;
const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/factory_fingerprints.txt"
);

fn performance() -> Vec<AbsEvent> {
    let at = |s: f64| (s * f64::from(SR)).round() as u64;
    let mut ev = Vec::new();
    for (i, note) in [48u8, 55, 64, 71].into_iter().enumerate() {
        ev.push(AbsEvent {
            at: at(0.01 * i as f64),
            event: NoteEvent::NoteOn {
                note,
                velocity: 0.5 + 0.1 * i as f32,
            },
        });
    }
    let more = [
        (0.15, NoteEvent::ModWheel { value: 0.7 }),
        (0.22, NoteEvent::ChannelPressure { value: 0.4 }),
        (0.30, NoteEvent::PitchBend { value: 0.3 }),
        (
            0.35,
            NoteEvent::PolyPressure {
                note: 64,
                channel: 0,
                value: 0.8,
            },
        ),
        (0.50, NoteEvent::NoteOff { note: 48 }),
        (0.52, NoteEvent::NoteOff { note: 55 }),
        (0.55, NoteEvent::NoteOff { note: 64 }),
        (0.58, NoteEvent::NoteOff { note: 71 }),
    ];
    for (s, event) in more {
        ev.push(AbsEvent { at: at(s), event });
    }
    ev.sort_by_key(|e| e.at);
    ev
}

/// One patch's fingerprint: sampled values of both channels, then window RMS of both.
fn fingerprint(patch: &Patch) -> Vec<f64> {
    let mut engine = Engine::new(SR, 512, factory_set());
    *engine.params_mut() = patch.to_params();
    let (l, r) = render_events(&mut engine, &performance(), LEN, 256, |_, _| {});
    let mut out = Vec::new();
    for ch in [&l, &r] {
        for k in 0..POINTS {
            out.push(f64::from(ch[(k * 7919 + 13) % LEN]));
        }
    }
    for ch in [&l, &r] {
        for w in ch.chunks(LEN / WINDOWS) {
            let ms = w.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / w.len() as f64;
            out.push(ms.sqrt());
        }
    }
    out
}

fn factory_patches() -> Vec<(String, Patch)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../presets/patches");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, Patch::from_json(&text).unwrap())
        })
        .collect()
}

#[test]
fn factory_patches_render_as_before_the_matrix() {
    let patches = factory_patches();
    assert!(
        patches.len() >= 15,
        "found {} factory patches",
        patches.len()
    );
    let now: Vec<(String, Vec<f64>)> = patches
        .iter()
        .map(|(n, p)| (n.clone(), fingerprint(p)))
        .collect();
    if std::env::var_os("WAVECUBE_BLESS").is_some() {
        let mut text = String::new();
        for (n, f) in &now {
            text.push_str(n);
            for v in f {
                text.push_str(&format!(" {v:e}"));
            }
            text.push('\n');
        }
        std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data")).unwrap();
        std::fs::write(FILE, text).unwrap();
        return;
    }
    let text = std::fs::read_to_string(FILE).expect("reference fingerprints");
    let mut seen = 0;
    let mut worst = (0.0f64, String::new());
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let name = it.next().unwrap();
        let want: Vec<f64> = it.map(|v| v.parse().unwrap()).collect();
        let got = &now
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("factory patch {name} is gone"))
            .1;
        assert_eq!(got.len(), want.len(), "{name}");
        // The render is not silent, so the comparison means something.
        assert!(
            want.iter().any(|v| v.abs() > 1e-3),
            "{name} reference is silent"
        );
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            if (g - w).abs() > worst.0 {
                worst = ((g - w).abs(), name.to_owned());
            }
            assert!(
                (g - w).abs() <= TOL,
                "{name}: value {i} is {g}, was {w} (tolerance {TOL})"
            );
        }
        seen += 1;
    }
    assert_eq!(seen, now.len(), "every factory patch has a reference");
    println!(
        "{seen} factory patches; largest difference {:.3e} ({})",
        worst.0, worst.1
    );
}
