//! Test 4: a full-band saw node played from note 24 to 108 at 48 kHz has spurious
//! (non-harmonic) energy at most −90 dB relative to its harmonic energy.

mod common;

use common::{render_notes, saw_node, single, Note};
use wavecube_dsp::analysis::measure_tone;
use wavecube_dsp::synth::{AdsrParams, Engine};

#[test]
fn full_band_saw_does_not_alias() {
    let sr = 48_000.0f32;
    let set = single(saw_node(2048));
    let mut worst = (f64::MIN, 0u8);
    for note in (24u8..=108).step_by(4) {
        let mut e = Engine::new(sr, 512, set.clone());
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
            1.1,
            512,
        );
        let report = measure_tone(&l[(0.05 * sr) as usize..], sr as f64).unwrap();
        println!("note {note:3}: spurious {:7.1} dB", report.spurious_db);
        if report.spurious_db > worst.0 {
            worst = (report.spurious_db, note);
        }
        assert!(
            report.spurious_db <= -90.0,
            "note {note}: spurious {:.1} dB",
            report.spurious_db
        );
    }
    println!("worst spurious: {:.1} dB at note {}", worst.0, worst.1);
}
