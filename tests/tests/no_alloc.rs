//! Spec test 8: a full demo render runs inside `assert_no_alloc` with zero violations.
//!
//! This binary installs the counting allocator. Everything is built first — cube,
//! engine, schedule, block buffers, output buffers — then every `Engine::process`
//! call of the whole demo runs with allocation forbidden. The `warn_debug`
//! feature makes a violation count instead of abort, so the test reports how many.

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use wavecube_harness::demo::demo_midi_bytes;
use wavecube_harness::midi::parse_smf;
use wavecube_harness::options::SoundOptions;
use wavecube_harness::render::{build_engine, Renderer, Schedule};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

const SAMPLE_RATE_HZ: u32 = 48_000;
const BLOCK: usize = 512;

#[test]
fn the_counter_sees_an_allocation() {
    // Guard against a no-op checker (e.g. a release build, where the crate's
    // default `disable_release` feature turns it off): one deliberate
    // allocation must count as one violation.
    reset_violation_count();
    let v = assert_no_alloc(|| Vec::<u8>::with_capacity(64));
    drop(v);
    assert_eq!(violation_count(), 1, "the allocation checker is not active");
    reset_violation_count();
}

#[test]
fn full_demo_render_never_allocates() {
    let song = parse_smf(&demo_midi_bytes()).expect("the demo parses");
    // The demo as `cargo xtask demo` renders it: LFOs on every axis exercise
    // the morph path, including the sample-and-hold shape.
    let lfos: Vec<String> = ["x:0.15:0.4", "y:0.07:0.3", "z:3:0.2:random"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let options = SoundOptions::parse(Some("0.3,0.4,0.2"), &lfos).unwrap();
    let mut engine = build_engine(SAMPLE_RATE_HZ, BLOCK, &options).unwrap();
    let schedule = Schedule::new(&song, SAMPLE_RATE_HZ);
    let seconds = song.default_duration_s(engine.params().amp_env.release_ms);
    let total = (seconds * f64::from(SAMPLE_RATE_HZ)).round() as u64;
    let mut renderer = Renderer::new(&schedule, BLOCK);
    let mut left = Vec::with_capacity(total as usize);
    let mut right = Vec::with_capacity(total as usize);

    reset_violation_count();
    let mut calls = 0_u64;
    let done: Result<(), ()> = renderer.run_with(
        &mut engine,
        total,
        |engine, events, l, r| {
            calls += 1;
            assert_no_alloc(|| engine.process(events, l, r));
        },
        |_, l, r| {
            left.extend_from_slice(l);
            right.extend_from_slice(r);
            Ok(())
        },
    );
    done.unwrap();
    let violations = violation_count();

    assert_eq!(
        calls,
        total.div_ceil(BLOCK as u64),
        "every block was processed"
    );
    assert_eq!(left.len() as u64, total, "no output buffer regrew");
    assert_eq!(
        violations, 0,
        "{violations} allocations inside Engine::process over {calls} blocks"
    );
    let peak = left
        .iter()
        .chain(&right)
        .fold(0.0_f32, |m, x| m.max(x.abs()));
    assert!(
        peak.is_finite() && peak > 0.01 && peak <= 1.0,
        "demo peak {peak}"
    );
    let voices = engine.peak_voices();
    assert!(
        (5..=16).contains(&voices),
        "demo peaked at {voices} voices; it plays at most 5 notes plus releases"
    );
    eprintln!("no-alloc demo: {seconds:.2} s, {calls} blocks, {violations} violations, peak {peak:.3}, {voices} voices");
}
