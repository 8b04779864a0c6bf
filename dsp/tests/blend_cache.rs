//! The voices' cache of fixed-morph corner blends (issue 14, benchmark item 7a) in the
//! engine: it never plays a stale blend after a cube swap, and `process` stays
//! allocation-free while notes, levels and the morph point change under it.

mod alloc_count;
mod common;

use std::sync::Arc;

use alloc_count::allocations_in;
use common::factory_set;
use wavecube_dsp::cube::{factory_cube, Cube, CubeSet, Node};
use wavecube_dsp::synth::{Engine, NoteEvent, TimedEvent};

const SR: f32 = 48_000.0;
const BLOCK: usize = 256;

fn on(note: u8) -> TimedEvent {
    TimedEvent {
        offset: 0,
        event: NoteEvent::NoteOn {
            note,
            velocity: 0.8,
        },
    }
}

/// The factory cube with every sample negated: the same arena layout (so the same corner
/// offsets in every cell) and, the build being linear and sign-symmetric, exactly the
/// negated tables.
fn negated_factory() -> Arc<CubeSet> {
    let src = factory_cube();
    let [w, h, d] = src.dims();
    let mut cube = Cube::new(w, h, d).unwrap();
    for ([x, y, z], node) in src.iter() {
        let neg = node.channel(0).iter().map(|v| -v).collect();
        cube.set(x, y, z, Node::mono(neg).unwrap()).unwrap();
    }
    Arc::new(CubeSet::build(&cube).unwrap())
}

/// An engine holding a chord at a fixed morph point (unison 3, so oscillators share a
/// cache), after `warm` blocks so every voice has filled its blends.
fn chord(set: Arc<CubeSet>, warm: usize) -> Engine {
    let mut e = Engine::new(SR, BLOCK, set);
    let p = e.params_mut();
    p.morph = [0.45, 0.55, 0.4];
    p.unison = 3;
    let (mut l, mut r) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
    e.process(&[on(36), on(55), on(79)], &mut l, &mut r);
    for _ in 0..warm {
        e.process(&[], &mut l, &mut r);
    }
    e
}

/// Swapping in a cube with the same layout but negated tables negates the output once the
/// decimator has flushed the old samples: a voice that kept its old blends would play the
/// old cube's sign. Against the same engine left on the factory cube.
#[test]
fn a_cube_swap_is_heard_at_once_despite_the_cache() {
    let mut kept = chord(factory_set(), 40);
    let mut swapped = chord(factory_set(), 40);
    let old = swapped.set_cube(negated_factory());
    drop(old);
    let (mut kl, mut kr) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
    let (mut sl, mut sr) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
    let mut worst = 0.0f32;
    let mut level = 0.0f32;
    for block in 0..8 {
        kept.process(&[], &mut kl, &mut kr);
        swapped.process(&[], &mut sl, &mut sr);
        // Skip the first block: the decimator still holds samples of the old cube.
        if block > 0 {
            for (k, s) in kl.iter().chain(&kr).zip(sl.iter().chain(&sr)) {
                worst = worst.max((k + s).abs());
                level = level.max(k.abs());
            }
        }
    }
    eprintln!("largest |kept + swapped| {worst:e}, peak {level}");
    assert!(level > 0.05, "the chord is silent");
    assert!(
        worst <= 1e-6 * level,
        "swapped output is not the negation: {worst}"
    );
}

/// No allocation in `process` while the cache is refilled: new notes on other levels,
/// morph jumps to other points and cells, and a cube swap.
#[test]
fn process_does_not_allocate_as_the_cache_turns_over() {
    let mut e = chord(factory_set(), 4);
    let other = negated_factory();
    let (mut l, mut r) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
    let mut total = 0;
    let mut peak = 0.0f32;
    for step in 0..24 {
        let events = [on(24 + (step * 7 % 80) as u8)];
        let events = if step % 3 == 0 { &events[..] } else { &[] };
        e.params_mut().morph = [
            (step as f32 * 0.37).fract(),
            (step as f32 * 0.61).fract(),
            0.4,
        ];
        let old = if step == 12 {
            Some(e.set_cube(Arc::clone(&other)))
        } else {
            None
        };
        let (_, n) = allocations_in(|| e.process(events, &mut l, &mut r));
        drop(old);
        total += n;
        peak = l.iter().fold(peak, |m, v| m.max(v.abs()));
        assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    }
    assert_eq!(total, 0, "allocator calls in process");
    assert!(peak > 0.05, "silent");
}
