//! Harmonic tension as a modulation source, end to end: the same patch plays a consonant
//! and a dissonant progression, and the morph point and the spectrum follow the harmony.

use realfft::RealFftPlanner;
use wavecube_dsp::modulation::{Destination, Slot, Source};
use wavecube_dsp::synth::{Engine, NoteEvent, SynthParams};
use wavecube_harness::options::SoundOptions;
use wavecube_harness::presets::factory_patches;
use wavecube_harness::render::{build_engine_with, Renderer, Schedule};
use wavecube_harness::song::{Song, SongEvent};

const SR: u32 = 48_000;
/// Each chord lasts this long, seconds.
const CHORD_S: f64 = 1.0;

/// Diatonic triads in C: I–IV–V–I–vi–IV–V–I.
const CONSONANT: [[u8; 3]; 8] = [
    [60, 64, 67],
    [65, 69, 72],
    [67, 71, 74],
    [60, 64, 67],
    [57, 60, 64],
    [65, 69, 72],
    [67, 71, 74],
    [60, 64, 67],
];

/// All-interval tetrachords (set class 4-Z15 and 4-Z29, whose pitch-class spectra are the
/// flattest of any four-note set) moved between unrelated transpositions: atonal harmony
/// in the same register.
const DISSONANT: [[u8; 4]; 8] = [
    [60, 61, 64, 66],
    [61, 67, 68, 71],
    [63, 64, 67, 69],
    [62, 64, 70, 71],
    [65, 66, 69, 71],
    [61, 62, 65, 67],
    [60, 62, 68, 69],
    [62, 63, 66, 68],
];

fn song<const N: usize>(chords: &[[u8; N]]) -> Song {
    let mut events = Vec::new();
    for (i, chord) in chords.iter().enumerate() {
        let on = i as f64 * CHORD_S;
        for &note in chord {
            events.push(SongEvent {
                time_s: on,
                event: NoteEvent::NoteOn {
                    note,
                    velocity: 0.8,
                },
            });
            events.push(SongEvent {
                time_s: on + CHORD_S - 0.02,
                event: NoteEvent::NoteOff { note },
            });
        }
    }
    Song::from_events(events)
}

fn tension_pad() -> SynthParams {
    factory_patches()
        .into_iter()
        .find(|p| p.meta.name == "Tension Pad")
        .expect("the factory has a Tension Pad")
        .to_params()
}

/// What one render measured.
struct Take {
    /// Left channel.
    left: Vec<f32>,
    /// Mean smoothed tension over the render, 0..1.
    mean_tension: f64,
    /// Mean morph point of the sounding voices over the render.
    mean_morph: [f64; 3],
    /// Chord events the engine reported.
    chords: usize,
}

fn render<const N: usize>(params: &SynthParams, chords: &[[u8; N]], block: usize) -> Take {
    let song = song(chords);
    let mut engine: Engine =
        build_engine_with(SR, block, params, &SoundOptions::default()).unwrap();
    let schedule = Schedule::new(&song, SR);
    let total = (chords.len() as f64 * CHORD_S * f64::from(SR)) as u64;
    let mut renderer = Renderer::new(&schedule, block);
    let mut left = Vec::with_capacity(total as usize);
    let (mut tension, mut blocks) = (0.0, 0usize);
    let mut morph = [0.0; 3];
    let mut morph_count = 0usize;
    let mut chord_events = 0;
    let mut voices = [[0.0f32; 3]; 64];
    let done: Result<(), std::convert::Infallible> = renderer.run_with(
        &mut engine,
        total,
        |engine, events, l, r| {
            engine.process(events, l, r);
            chord_events += engine.chord_events().len();
            tension += f64::from(engine.tension());
            blocks += 1;
            let n = engine.voice_morphs(&mut voices);
            for v in &voices[..n] {
                for a in 0..3 {
                    morph[a] += f64::from(v[a]);
                }
            }
            morph_count += n;
        },
        |_, l, _| {
            left.extend_from_slice(l);
            Ok(())
        },
    );
    let Ok(()) = done;
    Take {
        left,
        mean_tension: tension / blocks.max(1) as f64,
        mean_morph: morph.map(|m| m / morph_count.max(1) as f64),
        chords: chord_events,
    }
}

/// Fraction of the signal's energy above `hz`.
fn energy_above(x: &[f32], hz: f64) -> f64 {
    let n = x.len().next_power_of_two();
    let mut buf: Vec<f32> = x.to_vec();
    buf.resize(n, 0.0);
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n);
    let mut spec = fft.make_output_vec();
    fft.process(&mut buf, &mut spec).unwrap();
    let cut = (hz / f64::from(SR) * n as f64) as usize;
    let power = |c: &realfft::num_complex::Complex<f32>| f64::from(c.norm_sqr());
    let total: f64 = spec.iter().map(power).sum();
    let high: f64 = spec[cut..].iter().map(power).sum();
    high / total.max(1e-30)
}

#[test]
fn dissonant_harmony_moves_the_morph_and_brightens_the_sound() {
    let on = tension_pad();
    // The same patch with its tension slots taken out.
    let mut off = on;
    for slot in &mut off.matrix.slots {
        if slot.source == Source::Tension {
            *slot = Slot::default();
        }
    }
    let depths: Vec<f32> = Destination::MORPH
        .iter()
        .map(|&d| {
            on.matrix
                .slots
                .iter()
                .filter(|s| s.is_active() && s.source == Source::Tension && s.destination == d)
                .map(|s| s.amount)
                .sum()
        })
        .collect();
    assert_eq!(depths, [0.6, 1.0, 0.2], "the patch's tension slots");
    let cons = render(&on, &CONSONANT, 256);
    let diss = render(&on, &DISSONANT, 256);
    let cons_off = render(&off, &CONSONANT, 256);
    let diss_off = render(&off, &DISSONANT, 256);
    // Every chord differs from the one before, and the 20 ms gaps are shorter than the
    // 30 ms debounce, so each chord is one event.
    assert_eq!(cons.chords, 8);
    assert_eq!(diss.chords, 8);
    eprintln!(
        "mean tension: consonant {:.3}, dissonant {:.3}",
        cons.mean_tension, diss.mean_tension
    );
    eprintln!(
        "mean morph: consonant {:.3?}, dissonant {:.3?}; without tension {:.3?}",
        cons.mean_morph, diss.mean_morph, diss_off.mean_morph
    );
    assert!(
        diss.mean_tension > cons.mean_tension + 0.1,
        "dissonant {:.3} vs consonant {:.3}",
        diss.mean_tension,
        cons.mean_tension
    );
    // The morph follows tension × depth (0.6, 1.0, 0.2 on x, y, z): the difference in
    // tension must show at that scale on every axis.
    let dt = diss.mean_tension - cons.mean_tension;
    for (axis, depth) in depths.iter().enumerate() {
        let d = diss.mean_morph[axis] - cons.mean_morph[axis];
        let want = 0.6 * dt * f64::from(*depth);
        assert!(
            d > want,
            "axis {axis}: morph moved {d:.3}, want > {want:.3}"
        );
    }
    // Without tension the morph point is the patch's, for both progressions.
    for a in 0..3 {
        assert!((diss_off.mean_morph[a] - cons_off.mean_morph[a]).abs() < 1e-6);
    }
    // The spectrum: the dissonant progression's share of energy above 2 kHz relative to
    // the consonant one's, with tension and without. The notes alone set the ratio without
    // tension; tension must make the dissonant one clearly brighter still.
    let bright = |t: &Take| energy_above(&t.left, 2000.0);
    let ratio_on = bright(&diss) / bright(&cons);
    let ratio_off = bright(&diss_off) / bright(&cons_off);
    eprintln!(
        "energy above 2 kHz: consonant {:.2e} / {:.2e}, dissonant {:.2e} / {:.2e} (with / \
         without tension); dissonant:consonant {ratio_on:.2} with, {ratio_off:.2} without",
        bright(&cons),
        bright(&cons_off),
        bright(&diss),
        bright(&diss_off)
    );
    assert!(
        bright(&cons) > 10.0 * bright(&cons_off),
        "tension brightens even consonant chords"
    );
    assert!(
        ratio_on > 1.25 * ratio_off,
        "dissonant:consonant brightness {ratio_on:.2} with tension vs {ratio_off:.2} without"
    );
}

#[test]
fn tension_modulation_does_not_depend_on_the_block_size() {
    let on = tension_pad();
    let reference = render(&on, &DISSONANT[..4], 512);
    for block in [1usize, 64, 1000] {
        let other = render(&on, &DISSONANT[..4], block);
        let diff = reference
            .left
            .iter()
            .zip(&other.left)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(diff <= 1e-6, "block {block}: max difference {diff:e}");
    }
}
