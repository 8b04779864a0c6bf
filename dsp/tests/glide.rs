//! Issue 14, item 3: no brightness steps as the pitch moves. The level of every harmonic
//! below 18 kHz follows the node as the pitch moves through two octaves, and never jumps
//! by more than 0.5 dB between neighbouring pitches.
//!
//! Level changes come only from the pitch (the mip level is a function of the phase
//! increment), so the test holds a saw at C4 and sets the pitch bend (±12 semitones) in
//! steps of 1/8 semitone, covering C3 to C5 as a glide does, and measures each harmonic
//! below 18 kHz at every step (0.25 s renders, Kaiser β = 20 DTFT at `h · f0`). A second
//! check plays the glide itself (legato C3 → C5 over 2 s) and requires the output to stay
//! finite and its Hann-weighted 20 ms window level to move by at most 0.5 dB between windows.

mod common;

use common::{render_events, saw_node, single, AbsEvent, Note};
use wavecube_dsp::analysis::{measure_tone, WindowedSegment};
use wavecube_dsp::synth::{AdsrParams, Engine, NoteEvent, VoiceMode};

const SR: f32 = 48_000.0;

fn engine() -> Engine {
    let mut e = Engine::new(SR, 512, single(saw_node(2048)));
    let p = e.params_mut();
    p.amp_env = AdsrParams {
        attack_ms: 1.0,
        decay_ms: 1.0,
        sustain: 1.0,
        release_ms: 5.0,
    };
    p.bend_range_semitones = 12.0;
    e
}

#[test]
fn harmonic_levels_follow_the_node_across_a_bend_sweep() {
    let mut prev: Option<Vec<f64>> = None;
    let mut worst_jump = (0.0f64, 0i32, 0usize);
    let mut worst_err = 0.0f64;
    for step in -96i32..=96 {
        let mut e = engine();
        let events = [
            AbsEvent {
                at: 0,
                event: NoteEvent::PitchBend {
                    value: step as f32 / 96.0,
                },
            },
            AbsEvent {
                at: 0,
                event: NoteEvent::NoteOn {
                    note: 60,
                    velocity: 1.0,
                },
            },
        ];
        let (l, _) = render_events(&mut e, &events, (0.3 * SR) as usize, 512, |_, _| {});
        let x = &l[(0.05 * SR) as usize..];
        let f0 = measure_tone(x, SR as f64).unwrap().fundamental_hz;
        let seg = WindowedSegment::new(x, SR as f64).unwrap();
        let a1 = seg.dtft_amplitude(f0);
        // Harmonics that stay below 18 kHz over the whole sweep (C5 = 523 Hz).
        let levels: Vec<f64> = (1..=(18_000.0 / 523.26) as usize)
            .map(|h| 20.0 * (seg.dtft_amplitude(h as f64 * f0) / a1 * h as f64).log10())
            .collect();
        for &v in &levels {
            worst_err = worst_err.max(v.abs());
        }
        if let Some(p) = &prev {
            for (h, (a, b)) in levels.iter().zip(p).enumerate() {
                let jump = (a - b).abs();
                if jump > worst_jump.0 {
                    worst_jump = (jump, step, h + 1);
                }
            }
        }
        prev = Some(levels);
    }
    println!(
        "bend sweep: worst step {:.4} dB (bend step {}, harmonic {}); worst level vs node {:.4} dB",
        worst_jump.0, worst_jump.1, worst_jump.2, worst_err
    );
    assert!(
        worst_jump.0 <= 0.5,
        "a harmonic jumps {:.3} dB",
        worst_jump.0
    );
    assert!(
        worst_err <= 1.0,
        "a harmonic is {worst_err:.3} dB off the node"
    );
}

#[test]
fn a_two_octave_glide_has_no_level_steps() {
    let mut e = engine();
    e.params_mut().voice_mode = VoiceMode::Legato;
    e.params_mut().glide_ms = 2000.0;
    let notes = [
        Note {
            note: 48,
            start_s: 0.0,
            dur_s: 3.0,
            velocity: 1.0,
        },
        Note {
            note: 72,
            start_s: 0.5,
            dur_s: 2.5,
            velocity: 1.0,
        },
    ];
    let (l, _) = common::render_notes(&mut e, &notes, 2.9, 512);
    assert!(l.iter().all(|v| v.is_finite()));
    let win = (0.02 * SR) as usize;
    let levels: Vec<f64> = l[(0.45 * SR) as usize..(2.6 * SR) as usize]
        .chunks_exact(win)
        .map(|c| {
            // Hann-weighted, so the part-cycle at a window's ends does not count.
            let e: f64 = c
                .iter()
                .enumerate()
                .map(|(n, &v)| {
                    let w = 0.5 - 0.5 * (std::f64::consts::TAU * n as f64 / win as f64).cos();
                    w * (v as f64).powi(2)
                })
                .sum();
            10.0 * e.log10()
        })
        .collect();
    let worst = levels
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f64, f64::max);
    println!("glide: worst 20 ms level step {worst:.4} dB");
    assert!(
        worst <= 0.5,
        "level steps {worst:.3} dB between 20 ms windows"
    );
}
