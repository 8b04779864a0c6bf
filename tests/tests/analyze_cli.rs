//! End-to-end tests of `wavecube analyze`: the CSV has one row per chord event and agrees
//! with the library's analysis, the PNG is drawn, and bad input is a one-line error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wavecube_dsp::harmony::{analyze_notes, AnalyzerConfig};
use wavecube_harness::demo::{demo_midi_bytes, DEMO_MIDI_PATH};
use wavecube_harness::midi::parse_smf;

fn wavecube(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wavecube"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap())
        .args(args)
        .output()
        .expect("the wavecube binary starts")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("analyze-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn demo_song_gives_one_csv_row_per_chord_and_a_plot() {
    let (csv, png) = (scratch("demo.csv"), scratch("demo.png"));
    let out = wavecube(&[
        "analyze",
        DEMO_MIDI_PATH,
        "--csv",
        csv.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("chord events"), "{summary}");

    // The same analysis through the library.
    let song = parse_smf(&demo_midi_bytes()).unwrap();
    let notes: Vec<(u64, u8, bool)> = song
        .events()
        .iter()
        .filter_map(|e| {
            let t = (e.time_s * 48_000.0).round() as u64;
            e.key().map(|(note, _, velocity)| (t, note, velocity > 0.0))
        })
        .collect();
    let analysis = analyze_notes(&notes, 48_000.0, AnalyzerConfig::default());
    assert!(
        analysis.events.len() >= 9,
        "at least the demo's nine chords"
    );

    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("index,time_s,chord,"), "{header}");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), analysis.events.len());
    for (row, e) in rows.iter().zip(&analysis.events) {
        let tension: f32 = row[10].parse().unwrap();
        assert!((tension - e.tension).abs() < 1e-6, "{row:?}");
        assert_eq!(
            row[11] == "1",
            analysis.boundaries.contains(&(e.index as usize))
        );
    }
    assert_eq!(rows[0][2], "Am7", "the demo opens on Am7");

    let img = image::open(&png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1400, 1000));
    // Not blank: the tension curve's red and the chord roll's colours are there.
    let red = img
        .pixels()
        .filter(|p| p[0] > 180 && p[1] < 40 && p[2] < 40)
        .count();
    assert!(red > 2000, "{red} red pixels");
}

#[test]
fn bad_input_is_a_one_line_error() {
    let missing = wavecube(&["analyze", "no/such/song.mid"]);
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("no/such/song.mid") && err.lines().count() == 1,
        "{err}"
    );

    let bad = wavecube(&["analyze", DEMO_MIDI_PATH, "--alpha", "1.5"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--alpha 1.5 is outside 0..1"), "{err}");

    let not_midi = scratch("not.mid");
    std::fs::write(&not_midi, b"hello").unwrap();
    let out = wavecube(&["analyze", not_midi.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}
