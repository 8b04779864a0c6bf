//! The cube handoff: a playing engine takes new cubes of any frame length mid-note
//! without allocating or freeing on the audio thread; the replaced cubes are freed on
//! the loader's side.

use std::sync::Arc;

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use wavecube_dsp::bank::factory::factory_bank;
use wavecube_dsp::cube::{factory_cube, Cube, CubeSet, Node};
use wavecube_dsp::handoff::handoff;
use wavecube_dsp::synth::{Engine, NoteEvent, TimedEvent};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

fn cube_of_len(len: usize) -> Arc<CubeSet> {
    let mut cube = Cube::new(2, 1, 1).unwrap();
    cube.set(
        0,
        0,
        0,
        Node::from_fn(len, |p| (std::f64::consts::TAU * p).sin()).unwrap(),
    )
    .unwrap();
    cube.set(1, 0, 0, Node::from_fn(len, |p| 2.0 * p - 1.0).unwrap())
        .unwrap();
    Arc::new(CubeSet::build(&cube).unwrap())
}

#[test]
fn the_counter_sees_a_free() {
    let v: Vec<u8> = Vec::with_capacity(64);
    reset_violation_count();
    assert_no_alloc(|| drop(v));
    assert_eq!(violation_count(), 1, "the checker must count frees too");
    reset_violation_count();
}

#[test]
fn swaps_mid_note_never_allocate_or_free_on_the_audio_side() {
    let first = Arc::new(CubeSet::build(&factory_cube()).unwrap());
    let mut engine = Engine::new(48_000.0, 256, first.clone());
    let (mut sender, mut receiver) = handoff::<Arc<CubeSet>>(2);
    let cubes: Vec<Arc<CubeSet>> = [64, 8192, 256, 2048]
        .iter()
        .map(|&len| cube_of_len(len))
        .chain(std::iter::once(Arc::new(
            CubeSet::build(&factory_bank("fm-cube").unwrap()).unwrap(),
        )))
        .collect();
    let (mut left, mut right) = (vec![0.0_f32; 256], vec![0.0_f32; 256]);
    let on = [TimedEvent {
        offset: 0,
        event: NoteEvent::NoteOn {
            note: 57,
            velocity: 0.9,
        },
    }];
    reset_violation_count();
    assert_no_alloc(|| engine.process(&on, &mut left, &mut right));
    let mut swaps = 0;
    for cube in &cubes {
        sender.send(cube.clone()).unwrap();
        let changed = assert_no_alloc(|| {
            let changed = receiver.swap_with(|cube| Some(engine.set_cube(cube)));
            for _ in 0..4 {
                engine.process(&[], &mut left, &mut right);
            }
            changed
        });
        assert!(changed);
        swaps += 1;
        assert!(Arc::ptr_eq(engine.cube(), cube));
        assert!(left.iter().chain(&right).all(|v| v.is_finite()));
        assert!(left.iter().any(|&v| v != 0.0), "still sounding");
    }
    assert_eq!(violation_count(), 0, "the audio side allocated or freed");
    // Replaced cubes wait in the return ring until the loader collects them (each
    // `send` collects first): the last one is still there.
    assert_eq!(swaps, cubes.len());
    assert_eq!(
        Arc::strong_count(&cubes[3]),
        2,
        "held by us and the return ring"
    );
    assert_eq!(sender.collect(), 1);
    assert_eq!(
        Arc::strong_count(&cubes[3]),
        1,
        "dropped on the loader's side"
    );
    assert_eq!(Arc::strong_count(&first), 1);
}

#[test]
fn a_full_ring_gives_the_cube_back() {
    let first = Arc::new(CubeSet::build(&factory_cube()).unwrap());
    let mut engine = Engine::new(48_000.0, 64, first);
    let (mut sender, mut receiver) = handoff::<Arc<CubeSet>>(1);
    let a = cube_of_len(64);
    sender.send(a.clone()).unwrap();
    let b = cube_of_len(128);
    let back = sender.send(b.clone()).unwrap_err();
    assert!(Arc::ptr_eq(&back, &b), "the refused cube comes back");
    assert_eq!(sender.pending(), 1);
    assert!(receiver.swap_with(|cube| Some(engine.set_cube(cube))));
    assert!(Arc::ptr_eq(engine.cube(), &a));
    assert!(
        !receiver.swap_with(|cube| Some(engine.set_cube(cube))),
        "nothing new"
    );
    sender.send(b.clone()).unwrap();
    assert!(receiver.swap_with(|cube| Some(engine.set_cube(cube))));
    assert!(Arc::ptr_eq(engine.cube(), &b));
    assert_eq!(
        sender.collect(),
        1,
        "a retired; the factory cube was collected by send"
    );
}
