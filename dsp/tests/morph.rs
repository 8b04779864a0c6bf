//! Test 5: a 20 ms morph sweep does not click: the largest sample-to-sample step during the
//! sweep is at most 1.5× the largest step of the timbres it passes, held still at the same
//! pitch and level.

mod common;

use std::sync::Arc;

use common::{factory_set, render_events, schedule, Note};
use wavecube_dsp::analysis::max_abs_step;
use wavecube_dsp::cube::{factory_cube, Cube, CubeSet};
use wavecube_dsp::synth::{AdsrParams, Engine};

const SR: f32 = 48000.0;
const NOTES: [u8; 4] = [45, 57, 69, 81];

/// Holds `note` with the morph at x = `x0` until 0.5 s, then sweeps x linearly to `x1` over
/// 20 ms, per sample (block size 1). Returns the left channel from 0.45 s to 0.6 s.
fn hold(set: &Arc<CubeSet>, note: u8, y: f32, x0: f32, x1: f32) -> Vec<f32> {
    let mut e = Engine::new(SR, 1, set.clone());
    e.params_mut().amp_env = AdsrParams {
        attack_ms: 1.0,
        decay_ms: 1.0,
        sustain: 1.0,
        release_ms: 10.0,
    };
    e.params_mut().morph = [x0, y, 0.0];
    let ev = schedule(
        &[Note {
            note,
            start_s: 0.0,
            dur_s: 2.0,
            velocity: 1.0,
        }],
        SR as f64,
    );
    let start = (0.5 * SR) as u64;
    let sweep = (0.02 * SR) as u64;
    let (l, _) = render_events(&mut e, &ev, (0.6 * SR) as usize, 1, |e, t| {
        let u = (t.saturating_sub(start) as f32 / sweep as f32).min(1.0);
        e.params_mut().morph[0] = x0 + (x1 - x0) * u;
    });
    l[(0.45 * SR) as usize..].to_vec()
}

/// Checks a sweep from x = 0 to 1 against 1.5× the steepest of the timbres held at `stops`.
fn check(set: &Arc<CubeSet>, y: f32, stops: &[f32]) {
    for note in NOTES {
        let still = stops
            .iter()
            .map(|&x| max_abs_step(&hold(set, note, y, x, x)))
            .fold(0.0f32, f32::max);
        // Only the sweep itself, 1 ms either side: 0.499 s to 0.521 s.
        let swept = hold(set, note, y, 0.0, 1.0);
        let sweep = max_abs_step(&swept[(0.049 * SR) as usize..(0.071 * SR) as usize]);
        println!("note {note}, y {y}: sweep step {sweep:.5}, steepest still timbre {still:.5}");
        assert!(
            sweep <= 1.5 * still,
            "note {note}, y {y}: sweep step {sweep} > 1.5 × {still}"
        );
    }
}

#[test]
fn sweep_between_two_nodes_does_not_click() {
    // The spec's case exactly: the bound is the steeper of the two end timbres.
    let factory = factory_cube();
    for (a, b) in [((0, 3), (3, 3)), ((0, 0), (2, 0)), ((2, 3), (1, 1))] {
        let mut cube = Cube::new(2, 1, 1).unwrap();
        cube.set(0, 0, 0, factory.get(a.0, a.1, 0).unwrap().clone())
            .unwrap();
        cube.set(1, 0, 0, factory.get(b.0, b.1, 0).unwrap().clone())
            .unwrap();
        check(&Arc::new(CubeSet::build(&cube).unwrap()), 0.0, &[0.0, 1.0]);
    }
}

#[test]
fn sweep_across_the_factory_cube_does_not_click() {
    // Across the whole x axis the sweep passes the saw, which is steeper than both the sine
    // and the square at its ends; the bound is the steepest node it passes, held still.
    let set = factory_set();
    for y in [0.0, 1.0] {
        check(&set, y, &[0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]);
    }
}
