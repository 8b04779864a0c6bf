//! Test 7: renders agree within 1e-6 across block sizes 1..8192, and repeat bit for bit;
//! `reset` reproduces the output.

mod common;

use common::{factory_set, render_events, schedule, AbsEvent, Note};
use wavecube_dsp::modulation::{Destination, Slot, Source};
use wavecube_dsp::synth::{AdsrParams, Engine, LfoParams, LfoShape, NoteEvent, SynthParams};

const SR: f32 = 48000.0;

fn events() -> Vec<AbsEvent> {
    let notes = [
        Note {
            note: 48,
            start_s: 0.0,
            dur_s: 0.9,
            velocity: 0.9,
        },
        Note {
            note: 55,
            start_s: 0.013,
            dur_s: 0.5,
            velocity: 0.5,
        },
        Note {
            note: 64,
            start_s: 0.2001,
            dur_s: 0.7,
            velocity: 0.7,
        },
        Note {
            note: 71,
            start_s: 0.37,
            dur_s: 0.2,
            velocity: 1.0,
        },
        Note {
            note: 83,
            start_s: 0.61,
            dur_s: 0.3,
            velocity: 0.3,
        },
    ];
    let mut ev = schedule(&notes, SR as f64);
    ev.push(AbsEvent {
        at: 9000,
        event: NoteEvent::PitchBend { value: 0.6 },
    });
    ev.push(AbsEvent {
        at: 30011,
        event: NoteEvent::PitchBend { value: -1.0 },
    });
    ev.sort_by_key(|e| e.at);
    ev
}

fn engine() -> Engine {
    let mut e = Engine::new(SR, 8192, factory_set());
    let p = e.params_mut();
    p.morph = [0.4, 0.6, 0.2];
    p.amp_env = AdsrParams {
        attack_ms: 3.0,
        decay_ms: 120.0,
        sustain: 0.6,
        release_ms: 150.0,
    };
    p.lfo = [
        LfoParams::new(LfoShape::Sine, 230.0),
        LfoParams::new(LfoShape::Random, 17.0),
        LfoParams::new(LfoShape::Square, 3.0),
    ];
    for (k, depth) in [0.4, 0.5, 0.3].into_iter().enumerate() {
        p.matrix
            .push(Slot::new(Source::LFOS[k], Destination::MORPH[k], depth));
    }
    e
}

/// The largest sample difference between `a` and `b`.
fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max)
}

fn render(block: usize) -> (Vec<f32>, Vec<f32>) {
    render_events(&mut engine(), &events(), 55_000, block, |_, _| {})
}

#[test]
fn block_sizes_agree() {
    let (rl, rr) = render(512);
    let peak = rl.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak > 0.05, "reference render is silent ({peak})");
    for block in [1, 17, 64, 8192] {
        let (l, r) = render(block);
        let err = max_diff(&l, &rl).max(max_diff(&r, &rr));
        assert!(err <= 1e-6, "block {block} differs from block 512 by {err}");
    }
}

#[test]
fn identical_renders_are_bit_identical_and_reset_reproduces() {
    let a = render(333);
    let b = render(333);
    assert!(a
        .0
        .iter()
        .zip(&b.0)
        .all(|(x, y)| x.to_bits() == y.to_bits()));
    let mut e = engine();
    let first = render_events(&mut e, &events(), 20_000, 256, |_, _| {});
    e.reset();
    let second = render_events(&mut e, &events(), 20_000, 256, |_, _| {});
    assert!(first
        .0
        .iter()
        .zip(&second.0)
        .all(|(x, y)| x.to_bits() == y.to_bits()));
}

/// `engine()` changed by `tweak` and with `slots` added to its matrix.
fn engine_with(tweak: impl Fn(&mut SynthParams), slots: &[(Source, Destination, f32)]) -> Engine {
    let mut e = engine();
    let p = e.params_mut();
    tweak(p);
    for &(source, destination, amount) in slots {
        assert!(p.matrix.push(Slot::new(source, destination, amount)));
    }
    e
}

/// `events()` with `extra` merged in time order.
fn events_with(extra: AbsEvent) -> Vec<AbsEvent> {
    let mut ev = events();
    ev.push(extra);
    ev.sort_by_key(|e| e.at);
    ev
}

/// Renders `ev` through engines from `make` at each block size and checks them against
/// block 512 (≤ 1e-6), then checks that the slots are heard: the same engine with
/// `engine()`'s matrix differs by more than 1e-2 in each channel.
fn agree_and_heard(make: impl Fn() -> Engine, ev: &[AbsEvent], blocks: &[usize]) {
    let render = |block: usize| render_events(&mut make(), ev, 40_000, block, |_, _| {});
    let (rl, rr) = render(512);
    for &block in blocks {
        let (l, r) = render(block);
        let err = max_diff(&l, &rl).max(max_diff(&r, &rr));
        assert!(err <= 1e-6, "block {block} differs from block 512 by {err}");
    }
    let mut plain = make();
    plain.params_mut().matrix = engine().params().matrix;
    let (pl, pr) = render_events(&mut plain, ev, 40_000, 512, |_, _| {});
    let moved = max_diff(&pl, &rl).min(max_diff(&pr, &rr));
    assert!(moved > 1e-2, "the slots move both channels ({moved})");
}

/// Control-rate slots whose sources hold still within a call (velocity → pitch, key →
/// cutoff, pitch bend → pan, wheel → detune) are evaluated once per call instead of every
/// control period: the render still agrees across block sizes, and the slots are heard
/// (the render differs from the same engine without them).
#[test]
fn constant_control_slots_agree_across_block_sizes() {
    let make = || {
        engine_with(
            |p| {
                p.filter.enabled = true;
                p.filter.cutoff_hz = 2000.0;
                p.unison = 3;
            },
            &[
                (Source::Velocity, Destination::Pitch, 0.1),
                (Source::Key, Destination::Cutoff, 0.3),
                (Source::PitchBend, Destination::Pan, 0.5),
                (Source::ModWheel, Destination::UnisonDetune, 0.2),
            ],
        )
    };
    let ev = events_with(AbsEvent {
        at: 20_003,
        event: NoteEvent::ModWheel { value: 0.8 },
    });
    agree_and_heard(make, &ev, &[1, 17, 64, 8192]);
}

/// Control-rate slots whose sources move (LFO → pitch, LFO → cutoff with the filter on, a
/// gliding macro → detune), and the random LFO → pan with unison spread (per sample): a
/// call is planned at its control points and rendered in runs, the pans as per-sample
/// gains, and still agrees with every block size, 1 sample included (where no call holds
/// two control points).
#[test]
fn moving_control_slots_agree_across_block_sizes() {
    let make = || {
        engine_with(
            |p| {
                p.filter.enabled = true;
                p.filter.cutoff_hz = 1500.0;
                p.unison = 3;
                p.spread = 0.6;
                p.matrix.random_rate_hz = 9.0;
            },
            &[
                (Source::Lfo3, Destination::Pitch, 0.02),
                (Source::RandomLfo, Destination::Pan, 0.8),
                (Source::Lfo1, Destination::Cutoff, 0.2),
                (Source::Macro2, Destination::UnisonDetune, 0.5),
            ],
        )
    };
    let ev = events_with(AbsEvent {
        at: 9_001,
        event: NoteEvent::Macro {
            index: 1,
            value: 0.9,
        },
    });
    agree_and_heard(make, &ev, &[1, 2, 17, 64, 8192]);
}

/// LFOs slow enough for the oscillator's polynomial path, which fits parabolas to up to
/// 128 samples of the 2× clock at a time, aligned to the voice's calls (so to the block
/// size): a sine at 0.7 Hz, a triangle at 3 Hz (its corners take the per-sample path) and
/// a sine at 11 Hz (shorter sub-blocks) on x, y and z. Block sizes still agree, and the
/// LFOs move the sound.
#[test]
fn smooth_morph_lfos_agree_across_block_sizes() {
    let make = |rates: [f32; 3]| {
        let mut e = engine();
        let shapes = [LfoShape::Sine, LfoShape::Triangle, LfoShape::Sine];
        e.params_mut().lfo = std::array::from_fn(|k| LfoParams::new(shapes[k], rates[k]));
        e
    };
    let ev = events();
    let render = |rates: [f32; 3], block: usize| {
        render_events(&mut make(rates), &ev, 40_000, block, |_, _| {})
    };
    let moving = [0.7, 3.0, 11.0];
    let (rl, rr) = render(moving, 512);
    for block in [1, 17, 64, 8192] {
        let (l, r) = render(moving, block);
        let err = max_diff(&l, &rl).max(max_diff(&r, &rr));
        assert!(err <= 1e-6, "block {block} differs from block 512 by {err}");
    }
    let (sl, sr) = render([0.0; 3], 512);
    let moved = max_diff(&sl, &rl).min(max_diff(&sr, &rr));
    assert!(moved > 1e-2, "the LFOs move both channels ({moved})");
}
