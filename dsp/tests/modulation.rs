//! The modulation matrix in renders (issue 17, "What it must show" 1, 3 and 4): each class
//! of destination moved by a source with the right sign and scale, a macro change taking
//! effect at its sample at every block size, no allocation with 32 slots active, and
//! finite output for random matrices at extreme settings.

mod alloc_count;
mod common;

use alloc_count::allocations_in;
use common::{factory_set, render_events, saw_node, single, AbsEvent};
use proptest::prelude::*;
use wavecube_dsp::modulation::{Curve, Destination, ModMatrix, Slot, Source, MAX_SLOTS};
use wavecube_dsp::synth::{
    Engine, FilterMode, LfoParams, LfoShape, NoteEvent, SynthParams, LATENCY_SAMPLES,
};

const SR: f32 = 48_000.0;

fn note(at: u64, note: u8, velocity: f32) -> AbsEvent {
    AbsEvent {
        at,
        event: NoteEvent::NoteOn { note, velocity },
    }
}

fn render_with(
    params: &SynthParams,
    events: &[AbsEvent],
    len: usize,
    block: usize,
    saw: bool,
) -> (Vec<f32>, Vec<f32>) {
    let cube = if saw {
        single(saw_node(256))
    } else {
        factory_set()
    };
    let mut e = Engine::new(SR, 8192, cube);
    *e.params_mut() = *params;
    render_events(&mut e, events, len, block, |_, _| {})
}

fn with_slots(mut p: SynthParams, slots: &[Slot]) -> SynthParams {
    for s in slots {
        assert!(p.matrix.push(*s));
    }
    p
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn rms(a: &[f32]) -> f64 {
    (a.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / a.len().max(1) as f64).sqrt()
}

/// Velocity → morph x moves the morph point by amount × velocity: the render equals one
/// whose base morph point sits where the matrix predicts, and the voice reports it.
#[test]
fn velocity_moves_morph_x_by_amount_times_velocity() {
    let base = SynthParams {
        morph: [0.1, 0.3, 0.2],
        ..SynthParams::default()
    };
    let modded = with_slots(
        base,
        &[Slot::new(Source::Velocity, Destination::MorphX, 0.5)],
    );
    let moved = SynthParams {
        morph: [0.1 + 0.5 * 0.8, 0.3, 0.2],
        ..base
    };
    let ev = [note(0, 57, 0.8)];
    let (a, _) = render_with(&modded, &ev, 9600, 256, false);
    let (b, _) = render_with(&moved, &ev, 9600, 256, false);
    let (c, _) = render_with(&base, &ev, 9600, 256, false);
    assert!(max_diff(&a, &b) < 1e-5, "{}", max_diff(&a, &b));
    assert!(max_diff(&a, &c) > 1e-3, "the slot changes the sound");
    let mut e = Engine::new(SR, 512, factory_set());
    *e.params_mut() = modded;
    render_events(&mut e, &ev, 512, 512, |_, _| {});
    let mut pts = [[0.0; 3]; 4];
    assert_eq!(e.voice_morphs(&mut pts), 1);
    assert!((pts[0][0] - 0.5).abs() < 1e-6, "{:?}", pts[0]);
    // Negative amounts move the other way.
    let neg = with_slots(
        SynthParams {
            morph: [0.9, 0.3, 0.2],
            ..base
        },
        &[Slot::new(Source::Velocity, Destination::MorphX, -0.5)],
    );
    *e.params_mut() = neg;
    e.reset();
    render_events(&mut e, &ev, 512, 512, |_, _| {});
    e.voice_morphs(&mut pts);
    assert!((pts[0][0] - 0.5).abs() < 1e-6, "{:?}", pts[0]);
}

/// Key → cutoff tracks by the octaves set: a note an octave above the key centre with
/// amount a shifts the cutoff by a × 8 × 12/60 octaves.
#[test]
fn key_moves_cutoff_by_the_octaves_set() {
    let mut base = SynthParams::default();
    base.filter.enabled = true;
    base.filter.mode = FilterMode::LowPass;
    base.filter.cutoff_hz = 800.0;
    base.filter.resonance = 0.3;
    let a = 0.625; // 8 × 12/60 × 0.625 = 1 octave per octave
    let modded = with_slots(base, &[Slot::new(Source::Key, Destination::Cutoff, a)]);
    let mut moved = base;
    moved.filter.cutoff_hz = 1600.0;
    let ev = [note(0, 72, 1.0)];
    let (x, _) = render_with(&modded, &ev, 9600, 128, true);
    let (y, _) = render_with(&moved, &ev, 9600, 128, true);
    let (z, _) = render_with(&base, &ev, 9600, 128, true);
    let tol = 1e-4 * rms(&y) as f32 * 10.0;
    assert!(max_diff(&x, &y) < tol, "{} vs {tol}", max_diff(&x, &y));
    assert!(max_diff(&x, &z) > 1e-3, "the slot changes the sound");
    // At the centre the key reads 0: no change.
    let ev = [note(0, 60, 1.0)];
    let (x, _) = render_with(&modded, &ev, 4800, 128, true);
    let (z, _) = render_with(&base, &ev, 4800, 128, true);
    assert_eq!(x, z);
}

/// A square LFO → resonance: while the LFO is at +1 the render equals one with the
/// resonance raised by the amount; at −1 its level matches one with it lowered.
#[test]
fn lfo_moves_resonance_with_its_sign() {
    let mut base = SynthParams::default();
    base.filter.enabled = true;
    base.filter.mode = FilterMode::BandPass;
    base.filter.cutoff_hz = 1500.0;
    base.filter.resonance = 0.5;
    // An LFO that routes nowhere by itself: the matrix makes it run.
    base.lfo[1] = LfoParams::new(LfoShape::Square, 2.0);
    let modded = with_slots(
        base,
        &[Slot::new(Source::Lfo2, Destination::Resonance, 0.4)],
    );
    let mut up = base;
    up.filter.resonance = 0.9;
    let mut down = base;
    down.filter.resonance = 0.1;
    let ev = [note(0, 45, 1.0)];
    let len = 24_000; // 0.5 s: one LFO cycle
    let (m, _) = render_with(&modded, &ev, len, 256, true);
    let (u, _) = render_with(&up, &ev, len, 256, true);
    let (d, _) = render_with(&down, &ev, len, 256, true);
    let half = len / 2;
    assert!(max_diff(&m[..half - 64], &u[..half - 64]) < 1e-5);
    let (wm, wd) = (&m[half + 4800..], &d[half + 4800..]);
    let ratio = rms(wm) / rms(wd);
    assert!(
        (ratio - 1.0).abs() < 0.02,
        "level at −1 vs resonance 0.1: {ratio}"
    );
    assert!(
        rms(&u[half + 4800..]) > 1.3 * rms(wd),
        "resonance audibly differs"
    );
}

/// Constant → pitch at half scale is an octave up: the same render as the note an octave
/// higher. Mod wheel → fine pitch through the exponential curve: cents as predicted.
#[test]
fn pitch_destinations_move_by_semitones() {
    let base = SynthParams::default();
    let modded = with_slots(
        base,
        &[Slot::new(Source::Constant, Destination::Pitch, 0.5)],
    );
    let (a, _) = render_with(&modded, &[note(0, 48, 1.0)], 4800, 64, true);
    let (b, _) = render_with(&base, &[note(0, 60, 1.0)], 4800, 64, true);
    assert!(max_diff(&a, &b) < 1e-6, "{}", max_diff(&a, &b));
    // Wheel 0.5 → exponential → 0.25 → × −0.8 × 100 cents = −20 cents.
    let mut slot = Slot::new(Source::ModWheel, Destination::FinePitch, -0.8);
    slot.curve = Curve::Exponential;
    let modded = with_slots(base, &[slot]);
    let ev = [
        AbsEvent {
            at: 0,
            event: NoteEvent::ModWheel { value: 0.5 },
        },
        note(0, 69, 1.0),
    ];
    let (a, _) = render_with(&modded, &ev, 9600, 64, true);
    let mut tuned = base;
    // The wheel also moves morph z (a default slot); the saw cube has one node.
    tuned.matrix = ModMatrix::default();
    let ev2 = [
        ev[0],
        note(0, 69, 1.0),
        AbsEvent {
            at: 0,
            event: NoteEvent::Expression {
                note: 69,
                channel: 0,
                voice_id: None,
                kind: wavecube_dsp::synth::Expression::Tuning,
                value: -0.2,
            },
        },
    ];
    let (b, _) = render_with(&tuned, &ev2, 9600, 64, true);
    assert!(max_diff(&a, &b) < 1e-5, "{}", max_diff(&a, &b));
}

/// Amp and pan: a constant −0.5 on amp halves the output; pan +1 puts a single
/// oscillator hard right.
#[test]
fn amp_and_pan_scale_and_place_the_voice() {
    let base = SynthParams::default();
    let ev = [note(0, 60, 1.0)];
    let (l0, r0) = render_with(&base, &ev, 4800, 100, true);
    let half = with_slots(base, &[Slot::new(Source::Constant, Destination::Amp, -0.5)]);
    let (l1, _) = render_with(&half, &ev, 4800, 100, true);
    for (a, b) in l1.iter().zip(&l0) {
        assert!((a - 0.5 * b).abs() < 1e-6);
    }
    let right = with_slots(base, &[Slot::new(Source::Constant, Destination::Pan, 1.0)]);
    let (l2, r2) = render_with(&right, &ev, 4800, 100, true);
    assert!(
        rms(&l2) < 1e-3 * rms(&r2),
        "left {} right {}",
        rms(&l2),
        rms(&r2)
    );
    assert!((rms(&r2) / rms(&r0) - std::f64::consts::SQRT_2).abs() < 0.01);
}

/// Note-start destinations: velocity → amp attack doubles the attack at full velocity
/// (amount 0.25 × 4 octaves = 1 octave of time).
#[test]
fn velocity_scales_the_attack_at_note_start() {
    let mut base = SynthParams::default();
    base.amp_env.attack_ms = 50.0;
    let modded = with_slots(
        base,
        &[Slot::new(Source::Velocity, Destination::AmpAttack, 0.25)],
    );
    let mut slow = base;
    slow.amp_env.attack_ms = 100.0;
    let ev = [note(0, 60, 1.0)];
    let (a, _) = render_with(&modded, &ev, 9600, 256, true);
    let (b, _) = render_with(&slow, &ev, 9600, 256, true);
    assert!(max_diff(&a, &b) < 1e-6, "{}", max_diff(&a, &b));
}

/// Macro 1 → morph x, the macro set by an event at sample k: the output is the same at
/// every block size (within the engine's 1e-6 invariance bound), the same as the
/// unmodulated render before k, and differs from k on (within the decimator's latency
/// and the smoother's first samples).
#[test]
fn a_macro_change_acts_from_its_sample_at_every_block_size() {
    let base = SynthParams {
        morph: [0.0, 0.4, 0.3],
        ..SynthParams::default()
    };
    let p = with_slots(base, &[Slot::new(Source::Macro1, Destination::MorphX, 1.0)]);
    let k = 5000u64;
    let len = 12_000;
    let mut ev = vec![note(0, 52, 0.9)];
    let plain = render_with(&p, &ev, len, 8192, false).0;
    ev.push(AbsEvent {
        at: k,
        event: NoteEvent::Macro {
            index: 0,
            value: 1.0,
        },
    });
    let mut first: Option<Vec<f32>> = None;
    for block in [1, 3, 64, 100, 512, 4096, 8192] {
        let (l, _) = render_with(&p, &ev, len, block, false);
        match &first {
            None => first = Some(l),
            // The engine's block-size invariance bound (tests/invariance.rs).
            Some(f) => assert!(max_diff(&l, f) <= 1e-6, "block size {block} differs"),
        }
    }
    let l = first.unwrap();
    let k = k as usize;
    assert!(
        max_diff(&l[..k], &plain[..k]) <= 1e-6,
        "nothing changes before sample {k}"
    );
    let onset = (k..len)
        .find(|&i| (l[i] - plain[i]).abs() > 1e-5)
        .expect("the macro changes the sound");
    assert!(
        onset <= k + LATENCY_SAMPLES + 8,
        "first change at {onset}, set at {k}"
    );
    // After 10 time constants the macro is there: morph x = 1.
    let mut e = Engine::new(SR, 8192, factory_set());
    *e.params_mut() = p;
    render_events(&mut e, &ev, len, 512, |_, _| {});
    let mut pts = [[0.0; 3]; 2];
    e.voice_morphs(&mut pts);
    assert!((pts[0][0] - 1.0).abs() < 1e-4, "{:?}", pts[0]);
}

fn full_matrix(amount: f32) -> ModMatrix {
    let mut m = ModMatrix::default();
    for i in 0..MAX_SLOTS {
        let mut s = Slot::new(
            Source::ALL[i % Source::ALL.len()],
            Destination::ALL[(i * 7) % Destination::ALL.len()],
            if i % 2 == 0 { amount } else { -amount },
        );
        s.via = (i % 3 == 0).then_some(Source::ALL[(i * 5 + 1) % Source::ALL.len()]);
        s.curve = Curve::ALL[i % 3];
        assert!(m.push(s));
    }
    m
}

/// No allocation in `process` with all 32 slots active (every source and destination),
/// with notes, controllers and macro events landing in the blocks.
#[test]
fn process_does_not_allocate_with_32_slots() {
    let mut p = SynthParams {
        matrix: full_matrix(0.3),
        unison: 4,
        ..SynthParams::default()
    };
    p.filter.enabled = true;
    // Tension's old fixed depths are slots now; the matrix above fills every place.
    assert_eq!(p.matrix.active(), MAX_SLOTS);
    let mut e = Engine::new(SR, 1024, factory_set());
    *e.params_mut() = p;
    let events = [
        wavecube_dsp::synth::TimedEvent {
            offset: 0,
            event: NoteEvent::NoteOn {
                note: 60,
                velocity: 0.7,
            },
        },
        wavecube_dsp::synth::TimedEvent {
            offset: 10,
            event: NoteEvent::NoteOn {
                note: 64,
                velocity: 0.5,
            },
        },
        wavecube_dsp::synth::TimedEvent {
            offset: 20,
            event: NoteEvent::Macro {
                index: 2,
                value: 0.8,
            },
        },
        wavecube_dsp::synth::TimedEvent {
            offset: 30,
            event: NoteEvent::ModWheel { value: 0.6 },
        },
    ];
    let (mut l, mut r) = (vec![0.0; 1024], vec![0.0; 1024]);
    // Warm up (first compile happens here too, and it does not allocate either).
    let (_, n) = allocations_in(|| e.process(&events, &mut l, &mut r));
    assert_eq!(n, 0);
    for _ in 0..8 {
        let (_, n) = allocations_in(|| e.process(&[], &mut l, &mut r));
        assert_eq!(n, 0);
    }
    assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    assert!(rms(&l) > 1e-4);
}

fn any_slot() -> impl Strategy<Value = Slot> {
    (
        0..Source::ALL.len(),
        0..Destination::ALL.len(),
        prop_oneof![
            Just(-1.0f32),
            Just(1.0f32),
            -1.0f32..=1.0,
            Just(f32::NAN),
            Just(40.0)
        ],
        prop::option::of(0..Source::ALL.len()),
        0..3usize,
        any::<bool>(),
    )
        .prop_map(|(s, d, amount, via, c, enabled)| Slot {
            enabled,
            source: Source::ALL[s],
            via: via.map(|v| Source::ALL[v]),
            destination: Destination::ALL[d],
            amount,
            curve: Curve::ALL[c],
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random matrices with extreme amounts and every source at its limits (full wheel,
    /// bend, pressure, brightness, macros, velocity 1 at the top and bottom keys) give
    /// finite, bounded output.
    #[test]
    fn random_matrices_at_the_limits_stay_finite(
        slots in prop::collection::vec(any_slot(), 1..=MAX_SLOTS),
        macros in [0.0f32..=1.0, 0.0f32..=1.0, 0.0f32..=1.0, 0.0f32..=1.0],
        resonance in prop_oneof![Just(0.0f32), Just(1.0f32)],
        block in prop_oneof![Just(1usize), Just(64), Just(8192)],
    ) {
        let mut p = SynthParams { macros, unison: 3, detune_cents: 100.0, ..SynthParams::default() };
        p.filter.enabled = true;
        p.filter.resonance = resonance;
        p.lfo[0] = LfoParams::new(LfoShape::Random, 1000.0);
        p.amp_env.attack_ms = 0.0;
        p.matrix.key_centre = 0.0;
        for (i, s) in slots.iter().enumerate() {
            p.matrix.slots[i] = *s;
        }
        let ev = [
            AbsEvent { at: 0, event: NoteEvent::PitchBend { value: 1.0 } },
            AbsEvent { at: 0, event: NoteEvent::ModWheel { value: 1.0 } },
            AbsEvent { at: 0, event: NoteEvent::ChannelPressure { value: 1.0 } },
            note(0, 127, 1.0),
            note(0, 0, 1.0),
            AbsEvent { at: 100, event: NoteEvent::PolyPressure { note: 127, channel: 0, value: 1.0 } },
            AbsEvent { at: 200, event: NoteEvent::Macro { index: 1, value: 1.0 } },
            AbsEvent { at: 2000, event: NoteEvent::NoteOff { note: 127 } },
        ];
        let (l, r) = render_with(&p, &ev, 4800, block, false);
        for v in l.iter().chain(&r) {
            prop_assert!(v.is_finite() && v.abs() <= 4.0, "{v}");
        }
    }
}

/// Each voice reports its own modulated value of a per-voice destination (what the editor's
/// rings show as dots): velocity → cutoff with two notes of different velocity gives each
/// voice the base cutoff × 2^(8 · amount · velocity); a destination the voices keep no value
/// of reports none.
#[test]
fn voices_report_their_own_modulated_cutoff() {
    let mut p = SynthParams::default();
    p.filter.enabled = true;
    p.filter.mode = FilterMode::LowPass;
    p.filter.cutoff_hz = 500.0;
    p.filter.keytrack = 0.0;
    let p = with_slots(p, &[Slot::new(Source::Velocity, Destination::Cutoff, 0.25)]);
    let mut e = Engine::new(SR, 512, factory_set());
    *e.params_mut() = p;
    render_events(
        &mut e,
        &[note(0, 57, 0.5), note(0, 64, 1.0)],
        1024,
        512,
        |_, _| {},
    );
    let mut hz = [0.0f32; 16];
    assert_eq!(e.voice_mod_values(Destination::Cutoff, &mut hz), 2);
    let mut got = [hz[0], hz[1]];
    got.sort_by(f32::total_cmp);
    // 8 octaves × 0.25 × velocity: +1 and +2 octaves.
    for (g, want) in got.iter().zip([1000.0f32, 2000.0]) {
        assert!(
            (g / want - 1.0).abs() < 1e-4,
            "cutoff {g} Hz, want {want} Hz"
        );
    }
    let mut one = [0.0f32; 1];
    assert_eq!(e.voice_mod_values(Destination::Cutoff, &mut one), 1);
    assert_eq!(e.voice_mod_values(Destination::Amp, &mut hz), 0);
    assert_eq!(e.voice_mod_values(Destination::FxDelayFeedback, &mut hz), 0);
    let mut x = [0.0f32; 16];
    let mut pts = [[0.0f32; 3]; 16];
    assert_eq!(e.voice_mod_values(Destination::MorphX, &mut x), 2);
    assert_eq!(e.voice_morphs(&mut pts), 2);
    assert_eq!([x[0], x[1]], [pts[0][0], pts[1][0]]);
}
