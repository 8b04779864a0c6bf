//! Test 6: a 200 Hz LFO on x between a sine node and a saw node makes sidebands at
//! f0 ± 200 Hz no lower than −40 dB relative to f0.

mod common;

use std::sync::Arc;

use common::{render_notes, Note};
use wavecube_dsp::analysis::tone_amplitude;
use wavecube_dsp::cube::{factory_cube, Cube, CubeSet};
use wavecube_dsp::modulation::{Destination, Slot, Source};
use wavecube_dsp::synth::{note_to_hz, AdsrParams, Engine, LfoParams, LfoShape};

#[test]
fn audio_rate_lfo_makes_sidebands() {
    let factory = factory_cube();
    let mut cube = Cube::new(2, 1, 1).unwrap();
    cube.set(0, 0, 0, factory.get(0, 3, 0).unwrap().clone())
        .unwrap(); // sine
    cube.set(1, 0, 0, factory.get(2, 3, 0).unwrap().clone())
        .unwrap(); // bright saw
    let set = Arc::new(CubeSet::build(&cube).unwrap());
    let sr = 48_000.0f32;
    let mut e = Engine::new(sr, 512, set);
    let p = e.params_mut();
    p.amp_env = AdsrParams {
        attack_ms: 1.0,
        decay_ms: 1.0,
        sustain: 1.0,
        release_ms: 5.0,
    };
    p.morph = [0.5, 0.0, 0.0];
    p.lfo[0] = LfoParams::new(LfoShape::Sine, 200.0);
    p.matrix
        .push(Slot::new(Source::Lfo1, Destination::MorphX, 0.5));
    let (l, _) = render_notes(
        &mut e,
        &[Note {
            note: 69,
            start_s: 0.0,
            dur_s: 2.0,
            velocity: 1.0,
        }],
        1.1,
        512,
    );
    let seg = &l[(0.05 * sr) as usize..];
    let f0 = note_to_hz(69.0);
    let carrier = tone_amplitude(seg, sr as f64, f0).unwrap();
    for side in [f0 - 200.0, f0 + 200.0] {
        let a = tone_amplitude(seg, sr as f64, side).unwrap();
        let db = 20.0 * (a / carrier).log10();
        println!("sideband {side} Hz: {db:.1} dB");
        assert!(
            db >= -40.0,
            "sideband at {side} Hz is {db:.1} dB below the carrier"
        );
    }
    // Without the LFO the sidebands vanish (the measurement is not fooled).
    let mut still = Engine::new(sr, 512, e.cube().clone());
    still.params_mut().morph = [0.5, 0.0, 0.0];
    let (q, _) = render_notes(
        &mut still,
        &[Note {
            note: 69,
            start_s: 0.0,
            dur_s: 2.0,
            velocity: 1.0,
        }],
        1.1,
        512,
    );
    let seg = &q[(0.05 * sr) as usize..];
    let a = tone_amplitude(seg, sr as f64, f0 + 200.0).unwrap()
        / tone_amplitude(seg, sr as f64, f0).unwrap();
    assert!(
        20.0 * a.log10() < -100.0,
        "static morph shows a sideband of {:.1} dB",
        20.0 * a.log10()
    );
}
