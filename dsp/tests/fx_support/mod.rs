//! Shared checks of the effects' common contract (`wavecube_dsp::fx::Effect`), used by every
//! `fx_*.rs` test file with `mod fx_support;`.
//!
//! Each effect's test calls [`check_contract`] with a constructor and a function that pushes
//! every setting of the effect to an extreme value. The checks are the issue's "every effect"
//! list: finite, bounded output for silence, full-scale noise, DC and denormal-level input and
//! for ±1e5 / NaN settings; `reset` reproduces the output; block sizes 1–8192 agree within 1e-6;
//! no allocation in `process`. The test binary must install the checking allocator:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;
//! ```
#![allow(dead_code)]

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count};
use wavecube_dsp::fx::Effect;

/// The largest absolute output the contract accepts, in full-scale units (+36 dB).
pub const BOUND: f32 = 64.0;

/// The block sizes whose outputs must agree, in samples.
pub const BLOCK_SIZES: [usize; 6] = [1, 7, 64, 256, 1000, 8192];

/// The sample rates the contract is checked at, in Hz.
pub const SAMPLE_RATES: [f32; 3] = [22_050.0, 48_000.0, 192_000.0];

/// A deterministic white noise in −1..1 (xorshift), `len` samples, seeded.
pub fn noise(len: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A sine of `freq` Hz at `sample_rate` Hz, `len` samples, peak `amp`.
pub fn sine(freq: f32, sample_rate: f32, len: usize, amp: f32) -> Vec<f32> {
    (0..len)
        .map(|i| amp * (std::f32::consts::TAU * freq * i as f32 / sample_rate).sin())
        .collect()
}

/// A unit impulse at sample 0, `len` samples long.
pub fn impulse(len: usize) -> Vec<f32> {
    let mut v = vec![0.0; len];
    if let Some(first) = v.first_mut() {
        *first = 1.0;
    }
    v
}

/// Runs `effect` over a stereo input in blocks of `block` samples (the last one shorter) and
/// returns the output. Allocates only outside `process`.
pub fn run<E: Effect>(
    effect: &mut E,
    left: &[f32],
    right: &[f32],
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut l = left.to_vec();
    let mut r = right.to_vec();
    let block = block.max(1);
    for (bl, br) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        effect.process(bl, br);
    }
    (l, r)
}

/// Runs `effect` like [`run`], counting allocations and frees inside `process`; returns the
/// output and the count.
pub fn run_counting<E: Effect>(
    effect: &mut E,
    left: &[f32],
    right: &[f32],
    block: usize,
) -> (Vec<f32>, Vec<f32>, u32) {
    let mut l = left.to_vec();
    let mut r = right.to_vec();
    let block = block.max(1);
    reset_violation_count();
    for (bl, br) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        assert_no_alloc(|| effect.process(bl, br));
    }
    let count = violation_count();
    reset_violation_count();
    (l, r, count as u32)
}

/// The largest absolute difference between two equal-length signals.
pub fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Panics unless every sample is finite and within ±[`BOUND`].
pub fn assert_finite_bounded(what: &str, signal: &[f32]) {
    for (i, &s) in signal.iter().enumerate() {
        assert!(s.is_finite(), "{what}: sample {i} is {s}");
        assert!(
            s.abs() <= BOUND,
            "{what}: sample {i} is {s}, beyond ±{BOUND}"
        );
    }
}

/// The inputs of the robustness checks: (name, left, right), `len` samples each.
pub fn hostile_inputs(len: usize) -> Vec<(&'static str, Vec<f32>, Vec<f32>)> {
    vec![
        ("silence", vec![0.0; len], vec![0.0; len]),
        ("full-scale noise", noise(len, 1), noise(len, 2)),
        ("DC +1", vec![1.0; len], vec![1.0; len]),
        ("DC -1 / +1", vec![-1.0; len], vec![1.0; len]),
        ("denormal", vec![1e-39; len], vec![-1e-39; len]),
        ("impulse", impulse(len), impulse(len)),
    ]
}

/// Checks the whole common contract of one effect type.
///
/// - `make(sample_rate)` builds the effect with settings that make it audible (mix > 0, on);
/// - `extreme(&mut effect, value)` sets EVERY setting of the effect to `value` (the checks call
///   it with ±1e5, 0, NaN and ±∞; the effect must clamp or ignore).
pub fn check_contract<E: Effect>(
    name: &str,
    make: impl Fn(f32) -> E,
    extreme: impl Fn(&mut E, f32),
) {
    for &sr in &SAMPLE_RATES {
        let len = (sr * 0.5) as usize; // 0.5 s
                                       // Finite and bounded for every hostile input, at the audible settings.
        for (what, l, r) in hostile_inputs(len) {
            let mut e = make(sr);
            let (ol, or, allocs) = run_counting(&mut e, &l, &r, 256);
            assert_eq!(
                allocs, 0,
                "{name} at {sr} Hz, {what}: {allocs} allocations in process"
            );
            assert_finite_bounded(&format!("{name} at {sr} Hz, {what}, left"), &ol);
            assert_finite_bounded(&format!("{name} at {sr} Hz, {what}, right"), &or);
        }
        // Extreme settings, also changed mid-stream, with noise and DC.
        for value in [1e5, -1e5, 0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            for (what, l, r) in [
                ("noise", noise(len, 3), noise(len, 4)),
                ("DC", vec![1.0; len], vec![-1.0; len]),
            ] {
                let mut e = make(sr);
                let half = len / 2;
                let (mut ol, mut or) = run(&mut e, &l[..half], &r[..half], 128);
                extreme(&mut e, value);
                let (ol2, or2, allocs) = run_counting(&mut e, &l[half..], &r[half..], 128);
                assert_eq!(allocs, 0, "{name}: allocation after settings = {value}");
                ol.extend(ol2);
                or.extend(or2);
                let label = format!("{name} at {sr} Hz, settings {value}, {what}");
                assert_finite_bounded(&label, &ol);
                assert_finite_bounded(&label, &or);
            }
        }
        // Reset reproduces the output.
        let (l, r) = (noise(len, 5), noise(len, 6));
        let mut e = make(sr);
        let first = run(&mut e, &l, &r, 256);
        e.reset();
        let second = run(&mut e, &l, &r, 256);
        assert_eq!(
            first.0, second.0,
            "{name} at {sr} Hz: reset does not reproduce (left)"
        );
        assert_eq!(
            first.1, second.1,
            "{name} at {sr} Hz: reset does not reproduce (right)"
        );
        // Block sizes agree.
        for &block in &BLOCK_SIZES {
            let mut e = make(sr);
            let out = run(&mut e, &l, &r, block);
            let d = max_diff(&out.0, &first.0).max(max_diff(&out.1, &first.1));
            assert!(
                d <= 1e-6,
                "{name} at {sr} Hz: block {block} differs from block 256 by {d}"
            );
        }
    }
}
