//! Test 9: finite, bounded output for random notes, morphs, LFO rates, envelope times from
//! 0 ms to 30 s and sample rates from 22.05 to 192 kHz; and for hostile parameter values.

mod common;

use common::{factory_set, render_notes, Note};
use proptest::prelude::*;
use wavecube_dsp::synth::{AdsrParams, Engine, LfoParams, LfoShape};

fn shape() -> impl Strategy<Value = LfoShape> {
    prop_oneof![
        Just(LfoShape::Sine),
        Just(LfoShape::Triangle),
        Just(LfoShape::Saw),
        Just(LfoShape::Square),
        Just(LfoShape::Random)
    ]
}

fn lfo() -> impl Strategy<Value = LfoParams> {
    (shape(), 0.0f32..1000.0, -1.0f32..1.0).prop_map(|(shape, rate_hz, depth)| LfoParams {
        shape,
        rate_hz,
        depth,
    })
}

fn note() -> impl Strategy<Value = Note> {
    (0u8..128, 0.0f64..0.3, 0.0f64..0.3, 0.0f32..=1.0).prop_map(
        |(note, start_s, dur_s, velocity)| Note {
            note,
            start_s,
            dur_s,
            velocity,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn output_is_finite_and_bounded(
        notes in prop::collection::vec(note(), 1..80),
        morph in prop::array::uniform3(0.0f32..=1.0),
        lfos in prop::array::uniform3(lfo()),
        times in prop::array::uniform3(0.0f32..30_000.0),
        sustain in 0.0f32..=1.0,
        sr in 22_050.0f32..192_000.0,
        block in 1usize..2048,
    ) {
        let set = factory_set();
        let mut e = Engine::new(sr, 2048, set);
        let p = e.params_mut();
        p.morph = morph;
        p.lfo = lfos;
        p.amp_env = AdsrParams { attack_ms: times[0], decay_ms: times[1], sustain, release_ms: times[2] };
        let (l, r) = render_notes(&mut e, &notes, 0.3, block);
        for v in l.iter().chain(&r) {
            prop_assert!(v.is_finite() && v.abs() <= 4.0, "sample {}", v);
        }
    }
}

#[test]
fn hostile_parameters_stay_finite() {
    let notes: Vec<Note> = (0..128)
        .map(|n| Note {
            note: n as u8,
            start_s: n as f64 * 0.001,
            dur_s: 0.2,
            velocity: 1.0,
        })
        .collect();
    for bad in [f32::NAN, f32::INFINITY, -1e5, 1e5, 0.0] {
        let mut e = Engine::new(48000.0, 512, factory_set());
        let p = e.params_mut();
        p.morph = [bad; 3];
        p.gain = bad;
        p.bend_range_semitones = bad;
        p.velocity_sensitivity = bad;
        p.lfo = [LfoParams {
            shape: LfoShape::Saw,
            rate_hz: bad,
            depth: bad,
        }; 3];
        p.amp_env = AdsrParams {
            attack_ms: bad,
            decay_ms: bad,
            sustain: bad,
            release_ms: bad,
        };
        let (l, r) = render_notes(&mut e, &notes, 0.5, 512);
        assert!(
            l.iter().chain(&r).all(|v| v.is_finite() && v.abs() <= 4.0),
            "param {bad}"
        );
    }
}
