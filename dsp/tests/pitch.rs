//! Test 3: every MIDI note from 21 to 108, at 44.1 and 48 kHz, plays within ±0.5 cent of
//! 12-TET (A4 = 440 Hz).

mod common;

use common::{factory_set, render_notes, Note};
use wavecube_dsp::analysis::measure_tone;
use wavecube_dsp::synth::{note_to_hz, AdsrParams, Engine};

#[test]
fn all_notes_in_tune() {
    let set = factory_set();
    let mut worst = (0.0f64, 0u8, 0.0f32);
    for sr in [44_100.0f32, 48_000.0] {
        for note in 21u8..=108 {
            let mut e = Engine::new(sr, 512, set.clone());
            // The saw of the factory cube: its fundamental is its strongest partial.
            e.params_mut().morph = [2.0 / 3.0, 1.0, 0.0];
            e.params_mut().amp_env = AdsrParams {
                attack_ms: 1.0,
                decay_ms: 1.0,
                sustain: 1.0,
                release_ms: 5.0,
            };
            let (l, _) = render_notes(
                &mut e,
                &[Note {
                    note,
                    start_s: 0.0,
                    dur_s: 2.0,
                    velocity: 1.0,
                }],
                1.15,
                512,
            );
            let skip = (0.1 * sr) as usize;
            let report = measure_tone(&l[skip..], sr as f64).unwrap();
            let want = note_to_hz(note as f64);
            let cents = 1200.0 * (report.fundamental_hz / want).log2();
            if cents.abs() > worst.0.abs() {
                worst = (cents, note, sr);
            }
            assert!(
                cents.abs() <= 0.5,
                "note {note} at {sr} Hz: {} Hz is {cents:+.4} cents off",
                report.fundamental_hz
            );
        }
    }
    println!(
        "worst pitch error: {:+.5} cents (note {}, {} Hz)",
        worst.0, worst.1, worst.2
    );
}
