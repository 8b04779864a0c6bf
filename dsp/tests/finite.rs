//! Test 9: finite, bounded output for random notes, morphs, LFO rates and routings,
//! envelope times from 0 ms to 30 s, filters, unison, voice modes and sample rates from
//! 22.05 to 192 kHz; and for hostile parameter values and controller events.

mod common;

use common::{factory_set, render_events, schedule, AbsEvent, Note};
use proptest::prelude::*;
use wavecube_dsp::modulation::{Destination, ModMatrix, Slot, Source, INIT_SLOTS};
use wavecube_dsp::synth::{
    AdsrParams, Engine, Expression, FilterMode, FilterParams, LfoParams, LfoShape, NoteEvent,
    PolyTarget, SynthParams, VoiceMode,
};

fn shape() -> impl Strategy<Value = LfoShape> {
    prop_oneof![
        Just(LfoShape::Sine),
        Just(LfoShape::Triangle),
        Just(LfoShape::Saw),
        Just(LfoShape::Square),
        Just(LfoShape::Random)
    ]
}

/// An LFO and its depths on morph x, y, z, pitch and cutoff (slot amounts, −1..1).
fn lfo() -> impl Strategy<Value = (LfoParams, [f32; 5])> {
    (shape(), 0.0f32..1000.0, prop::array::uniform5(-1.0f32..1.0))
        .prop_map(|(shape, rate_hz, depths)| (LfoParams::new(shape, rate_hz), depths))
}

/// The destinations of [`lfo`]'s depths.
const LFO_DESTS: [Destination; 5] = [
    Destination::MorphX,
    Destination::MorphY,
    Destination::MorphZ,
    Destination::Pitch,
    Destination::Cutoff,
];

fn adsr() -> impl Strategy<Value = AdsrParams> {
    (
        0.0f32..30_000.0,
        0.0f32..30_000.0,
        0.0f32..=1.0,
        0.0f32..30_000.0,
    )
        .prop_map(|(attack_ms, decay_ms, sustain, release_ms)| AdsrParams {
            attack_ms,
            decay_ms,
            sustain,
            release_ms,
        })
}

fn filter() -> impl Strategy<Value = FilterParams> {
    (
        any::<bool>(),
        prop_oneof![
            Just(FilterMode::LowPass),
            Just(FilterMode::BandPass),
            Just(FilterMode::HighPass)
        ],
        20.0f32..20_000.0,
        0.0f32..=1.0,
        0.0f32..=1.0,
    )
        .prop_map(
            |(enabled, mode, cutoff_hz, resonance, keytrack)| FilterParams {
                enabled,
                mode,
                cutoff_hz,
                resonance,
                keytrack,
            },
        )
}

fn params() -> impl Strategy<Value = SynthParams> {
    (
        prop::array::uniform3(0.0f32..=1.0),
        prop::array::uniform3(lfo()),
        adsr(),
        adsr(),
        filter(),
        prop_oneof![
            Just(VoiceMode::Poly),
            Just(VoiceMode::Mono),
            Just(VoiceMode::Legato)
        ],
        0.0f32..2000.0,
        1usize..=8,
        0.0f32..100.0,
        0.0f32..=1.0,
        prop::array::uniform4(-1.0f32..1.0),
    )
        .prop_map(
            |(
                morph,
                lfo,
                amp_env,
                mod_env,
                filter,
                voice_mode,
                glide_ms,
                unison,
                detune,
                spread,
                menv,
            )| {
                // The routings the voice had fixed before the matrix, as slots: each LFO to
                // morph, pitch and cutoff; envelope 2 to morph and cutoff.
                let mut matrix = ModMatrix::init();
                for (k, (_, depths)) in lfo.iter().enumerate() {
                    for (d, a) in LFO_DESTS.iter().zip(depths) {
                        matrix.push(Slot::new(Source::LFOS[k], *d, *a));
                    }
                }
                for (d, a) in [
                    Destination::MorphX,
                    Destination::MorphY,
                    Destination::MorphZ,
                    Destination::Cutoff,
                ]
                .into_iter()
                .zip(menv)
                {
                    matrix.push(Slot::new(Source::ModEnv, d, a));
                }
                SynthParams {
                    morph,
                    lfo: lfo.map(|(l, _)| l),
                    amp_env,
                    mod_env,
                    matrix,
                    filter,
                    voice_mode,
                    glide_ms,
                    unison,
                    detune_cents: detune,
                    spread,
                    ..SynthParams::default()
                }
            },
        )
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
        notes in prop::collection::vec(note(), 1..40),
        params in params(),
        sr in 22_050.0f32..192_000.0,
        block in 1usize..2048,
        wheel in 0.0f32..=1.0,
        bend in -1.0f32..=1.0,
    ) {
        let mut e = Engine::new(sr, 2048, factory_set());
        *e.params_mut() = params;
        let mut ev = schedule(&notes, sr as f64);
        ev.push(AbsEvent { at: 100, event: NoteEvent::ModWheel { value: wheel } });
        ev.push(AbsEvent { at: 200, event: NoteEvent::PitchBend { value: bend } });
        ev.push(AbsEvent { at: 300, event: NoteEvent::Sustain { down: true } });
        ev.push(AbsEvent { at: (0.2 * sr) as u64, event: NoteEvent::Sustain { down: false } });
        ev.sort_by_key(|e| e.at);
        let (l, r) = render_events(&mut e, &ev, (0.3 * sr) as usize, block, |_, _| {});
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
        p.glide_ms = bad;
        p.detune_cents = bad;
        p.spread = bad;
        p.unison = usize::MAX;
        p.lfo = [LfoParams::new(LfoShape::Saw, bad); 3];
        for (k, lfo) in Source::LFOS.into_iter().enumerate() {
            for d in LFO_DESTS {
                p.matrix.slots
                    [INIT_SLOTS.len() + 5 * k + LFO_DESTS.iter().position(|x| *x == d).unwrap()] =
                    Slot::new(lfo, d, bad);
            }
        }
        let env = AdsrParams {
            attack_ms: bad,
            decay_ms: bad,
            sustain: bad,
            release_ms: bad,
        };
        p.amp_env = env;
        p.mod_env = env;
        for (i, d) in LFO_DESTS.into_iter().enumerate() {
            p.matrix.slots[INIT_SLOTS.len() + 15 + i] = Slot::new(Source::ModEnv, d, bad);
        }
        p.filter = FilterParams {
            enabled: true,
            mode: FilterMode::BandPass,
            cutoff_hz: bad,
            resonance: bad,
            keytrack: bad,
        };
        let sr = 48000.0;
        let mut ev = schedule(&notes, sr);
        for (i, event) in [
            NoteEvent::ModWheel { value: bad },
            NoteEvent::PitchBend { value: bad },
            NoteEvent::ChannelPressure { value: bad },
            NoteEvent::PolyPressure {
                note: 60,
                channel: 0,
                value: bad,
            },
            NoteEvent::Expression {
                note: 70,
                channel: 0,
                voice_id: None,
                kind: Expression::Tuning,
                value: bad,
            },
            NoteEvent::Expression {
                note: 71,
                channel: 0,
                voice_id: None,
                kind: Expression::Brightness,
                value: bad,
            },
            NoteEvent::PolyMod {
                note: 72,
                channel: 0,
                voice_id: None,
                target: PolyTarget::Cutoff,
                offset: bad,
            },
            NoteEvent::PolyMod {
                note: 73,
                channel: 0,
                voice_id: None,
                target: PolyTarget::MorphX,
                offset: bad,
            },
        ]
        .into_iter()
        .enumerate()
        {
            ev.push(AbsEvent {
                at: 3000 + 100 * i as u64,
                event,
            });
        }
        ev.sort_by_key(|e| e.at);
        let (l, r) = render_events(&mut e, &ev, 24_000, 512, |_, _| {});
        assert!(
            l.iter().chain(&r).all(|v| v.is_finite() && v.abs() <= 4.0),
            "param {bad}"
        );
    }
}
