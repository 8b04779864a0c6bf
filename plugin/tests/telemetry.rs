//! Telemetry through the plugin's `process`: chord events, tension samples, phrase
//! boundaries, voice morph points, the voices' live values of the destinations the matrix
//! moves, wavelet band energies and output samples reach the editor's end of the ring,
//! without allocation, and only while an editor listens.

mod common;

use common::{note_off, note_on, Host, SR};
use wavecube_dsp::modulation::{Destination, ModMatrix, Slot, Source};
use wavecube_dsp::telemetry::{Telemetry, METER_BANDS};

/// What the editor read.
#[derive(Default)]
struct Seen {
    chords: Vec<wavecube_dsp::harmony::ChordEvent>,
    tension: Vec<f32>,
    voices: Vec<(u8, [f32; 3])>,
    bands: Vec<[f32; METER_BANDS]>,
    audio: Vec<[f32; 2]>,
}

fn drain(rx: &mut wavecube_dsp::telemetry::TelemetryRx, seen: &mut Seen) {
    rx.drain(|m| match m {
        Telemetry::Chord(e) => seen.chords.push(e),
        Telemetry::Tension { tension, .. } => seen.tension.push(tension),
        Telemetry::Voices { count, morph, .. } => seen.voices.push((count, morph[0])),
        Telemetry::Bands { energies, .. } => seen.bands.push(energies),
        Telemetry::VoiceMods { .. } => {}
    });
    let mut frames = [[0.0f32; 2]; 512];
    loop {
        let n = rx.read_audio(&mut frames);
        if n == 0 {
            break;
        }
        seen.audio.extend_from_slice(&frames[..n]);
    }
}

/// Plays `chords` (each held 0.5 s) through the plugin and collects what reaches the editor.
fn play(
    host: &mut Host,
    chords: &[&[u8]],
    seen: &mut Seen,
    rx: &mut wavecube_dsp::telemetry::TelemetryRx,
) {
    let block = 256;
    let per_chord = (0.5 * SR) as usize / block;
    let mut id = 0;
    for chord in chords {
        let ons: Vec<_> = chord
            .iter()
            .map(|&n| {
                id += 1;
                note_on(0, id, n, 0.8)
            })
            .collect();
        host.block(block, &ons);
        for _ in 1..per_chord - 1 {
            host.block(block, &[]);
            drain(rx, seen);
        }
        let first = id - chord.len() as i32 + 1;
        let offs: Vec<_> = chord
            .iter()
            .enumerate()
            .map(|(k, &n)| note_off(block as u32 - 1, first + k as i32, n))
            .collect();
        host.block(block, &offs);
        drain(rx, seen);
    }
}

#[test]
fn chords_tension_and_meters_reach_the_editor_only_while_it_listens() {
    // Tension on morph x, a slot of the matrix (state).
    let mut matrix = ModMatrix::init();
    matrix.push(Slot::new(Source::Tension, Destination::MorphX, 0.5));
    let mut host = Host::new_with(&[], |plugin| {
        plugin.wavecube_params().matrix.set(&matrix, None);
    });
    let hub = host.plugin.telemetry();
    let mut rx = hub
        .take_receiver()
        .expect("the receiving end is there once");
    assert!(hub.take_receiver().is_none(), "and only once");

    // Closed editor: nothing is published.
    let mut seen = Seen::default();
    play(
        &mut host,
        &[&[60, 64, 67], &[65, 69, 72]],
        &mut seen,
        &mut rx,
    );
    assert!(seen.chords.is_empty() && seen.tension.is_empty() && seen.bands.is_empty());
    assert!(seen.audio.is_empty());

    let before = host.out[0].len();
    hub.set_listening(true);
    let progression: [&[u8]; 8] = [
        &[60, 64, 67],
        &[65, 69, 72],
        &[67, 71, 74],
        &[60, 64, 67],
        &[61, 66, 70, 63],
        &[62, 68, 71],
        &[60, 61, 66, 67],
        &[60, 64, 67],
    ];
    play(&mut host, &progression, &mut seen, &mut rx);
    assert_eq!(host.violations, 0, "process allocated");
    assert_eq!(seen.chords.len(), 8, "one chord event per chord");
    assert_eq!(
        seen.audio.len(),
        host.out[0].len() - before,
        "every output frame arrives while listening"
    );
    let tail = host.out[0].len() - seen.audio.len();
    assert!(seen
        .audio
        .iter()
        .zip(&host.out[0][tail..])
        .all(|(f, &o)| f[0] == o));
    // The events carry the analysis: names, tension, and the boundary of the dissonant turn.
    for e in &seen.chords {
        assert!((0.0..=1.0).contains(&e.tension), "{}", e.tension);
    }
    assert!(
        seen.chords.iter().any(|e| e.boundary_at.is_some()),
        "a phrase boundary is reported"
    );
    // Tension samples: one per block, smoothed toward the events' values, all in 0..1.
    assert!(seen.tension.len() >= 8 * 90);
    assert!(seen.tension.iter().all(|t| (0.0..=1.0).contains(t)));
    let last = seen.chords.last().unwrap().tension;
    let settled = *seen.tension.last().unwrap();
    assert!(
        (settled - last).abs() < 0.02,
        "smoothed {settled} vs event {last}"
    );
    // The morph point of sounding voices follows base + 0.5 × tension on x.
    let (count, morph) = *seen.voices.iter().rev().find(|v| v.0 > 0).unwrap();
    assert!(count >= 3);
    assert!(
        (morph[0] - 0.5 * settled).abs() < 0.02,
        "morph x {} vs 0.5 × tension {settled}",
        morph[0]
    );
    // Band energies: one set per 2048-sample frame, finite, summing to the output's power.
    assert!(seen.bands.len() >= (8.0 * 0.5 * SR / 2048.0) as usize - 2);
    let loud = seen
        .bands
        .iter()
        .map(|b| b.iter().sum::<f32>())
        .fold(0.0f32, f32::max);
    assert!(loud > 1e-4 && loud.is_finite(), "meter power {loud}");
    assert_eq!(rx.dropped(), 0, "nothing dropped while read every block");
}

/// With velocity → cutoff in the matrix and three notes held, every block sends each
/// voice's live cutoff (`Telemetry::VoiceMods`), the base × 2^(8 · amount · velocity), and
/// nothing for destinations no slot moves; `process` allocates nothing.
#[test]
fn the_voices_live_cutoffs_reach_the_editor() {
    use wavecube_dsp::modulation::{Destination, ModMatrix, Slot, Source};
    let mut matrix = ModMatrix::default();
    matrix.push(Slot::new(Source::Velocity, Destination::Cutoff, 0.25));
    let settings = [("flt_on", 1.0), ("flt_fc", 1000.0), ("flt_key", 0.0)];
    let mut host = Host::new_with(&settings, |plugin| {
        plugin.wavecube_params().matrix.set(&matrix, None);
    });
    let hub = host.plugin.telemetry();
    let mut rx = hub.take_receiver().expect("the receiving end");
    hub.set_listening(true);
    let ons: Vec<_> = [57u8, 60, 64]
        .iter()
        .enumerate()
        .map(|(k, &n)| note_on(0, k as i32 + 1, n, 0.8))
        .collect();
    host.block(256, &ons);
    for _ in 0..20 {
        host.block(256, &[]);
    }
    assert_eq!(host.violations, 0, "process allocated");
    let mut last = None;
    let mut others = 0;
    rx.drain(|m| {
        if let Telemetry::VoiceMods {
            destination,
            count,
            values,
            ..
        } = m
        {
            if destination == Destination::Cutoff {
                last = Some((count, values));
            } else {
                others += 1;
            }
        }
    });
    let (count, values) = last.expect("the cutoff's live values arrive");
    assert_eq!(count, 3, "one value per voice");
    // 8 octaves × 0.25 × 0.8 = 1.6 octaves up.
    let want = 1000.0 * 1.6f32.exp2();
    for v in &values[..3] {
        assert!(
            (v / want - 1.0).abs() < 1e-3,
            "cutoff {v} Hz, want {want} Hz"
        );
    }
    assert_eq!(others, 0, "no slot moves another destination");
}
