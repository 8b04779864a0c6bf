//! The codec stage as the plugin runs it: its output is its input delayed by exactly
//! `latency()` samples plus the codec's error, whatever the host block size; mix 0 is the
//! exact delayed dry signal; reconfiguring mid-stream keeps the output finite; and neither
//! `process` nor `reconfigure` allocates.

mod alloc_count;
mod synthlike;

use alloc_count::allocations_in;
use synthlike::{sqnr_db, SynthLike};
use wavecube_dsp::codec::tqa::{TqaConfig, TqaStage, MAX_BITS, MIN_BITS};

const SR: f64 = 48_000.0;
/// Frames of every render: two seconds.
const FRAMES: usize = 96_000;

/// Two channels of the synth-like signal.
fn input() -> [Vec<f32>; 2] {
    let signal = SynthLike::new(SR);
    [signal.channel(0, 0, FRAMES), signal.channel(1, 0, FRAMES)]
}

/// Runs `input` through `stage` in host blocks of `host_block` frames at `mix`, with every
/// `process` call under the allocation checker.
fn run(stage: &mut TqaStage, input: &[Vec<f32>; 2], host_block: usize, mix: f32) -> [Vec<f32>; 2] {
    let mut out = input.clone();
    let [left, right] = &mut out;
    let mut allocations = 0;
    for (l, r) in left
        .chunks_mut(host_block)
        .zip(right.chunks_mut(host_block))
    {
        allocations += allocations_in(|| stage.process(&mut [l, r], mix)).1;
    }
    assert_eq!(allocations, 0, "TqaStage::process allocated");
    out
}

/// SQNR (dB) of `output` against `input` delayed by `delay` frames, both channels pooled.
fn delayed_sqnr_db(input: &[Vec<f32>; 2], output: &[Vec<f32>; 2], delay: usize) -> f64 {
    let reference: Vec<f32> = input
        .iter()
        .flat_map(|c| &c[..FRAMES - delay])
        .copied()
        .collect();
    let aligned: Vec<f32> = output.iter().flat_map(|c| &c[delay..]).copied().collect();
    sqnr_db(&reference, &aligned)
}

#[test]
fn output_is_the_input_delayed_by_the_latency_at_every_host_block_size() {
    let config = TqaConfig::default();
    let x = input();
    let mut first: Option<[Vec<f32>; 2]> = None;
    for host_block in [1, 7, 64, 512, 4096, 8192] {
        let mut stage = TqaStage::new(&config, 2).unwrap();
        let latency = stage.latency();
        assert_eq!(latency, config.block_size);
        let y = run(&mut stage, &x, host_block, 1.0);
        // The first `latency` samples are the stage's start-up silence.
        assert!(y.iter().all(|c| c[..latency].iter().all(|&v| v == 0.0)));
        let aligned = delayed_sqnr_db(&x, &y, latency);
        // One sample off either way is far worse: the delay is exact.
        let early = delayed_sqnr_db(&x, &y, latency - 1);
        let late = delayed_sqnr_db(&x, &y, latency + 1);
        println!(
            "host block {host_block:5}: SQNR at the latency ({latency}) {aligned:.2} dB, one \
             sample early {early:.2} dB, late {late:.2} dB; stage meter {:.2} dB",
            stage.sqnr_db()
        );
        assert!(aligned >= 28.0, "host block {host_block}: {aligned:.2} dB");
        assert!(early < aligned - 10.0 && late < aligned - 10.0);
        assert!((stage.sqnr_db() - aligned).abs() < 3.0);
        // The stage codes on its own block grid: the host's block size changes nothing.
        match &first {
            None => first = Some(y),
            Some(f) => assert!(*f == y, "host block {host_block} changed the output"),
        }
    }
}

#[test]
fn mix_zero_is_the_exactly_delayed_dry_signal() {
    let x = input();
    for block_size in [64, 512, 4096] {
        let config = TqaConfig {
            block_size,
            ..TqaConfig::default()
        };
        let mut stage = TqaStage::new(&config, 2).unwrap();
        let y = run(&mut stage, &x, 300, 0.0);
        for (xc, yc) in x.iter().zip(&y) {
            assert!(yc[..block_size].iter().all(|&v| v == 0.0));
            assert!(yc[block_size..] == xc[..FRAMES - block_size]);
        }
    }
}

#[test]
fn half_mix_lies_between_dry_and_coded() {
    let config = TqaConfig::default();
    let x = input();
    let wet = run(&mut TqaStage::new(&config, 2).unwrap(), &x, 512, 1.0);
    let dry = run(&mut TqaStage::new(&config, 2).unwrap(), &x, 512, 0.0);
    let half = run(&mut TqaStage::new(&config, 2).unwrap(), &x, 512, 0.5);
    let mut worst = 0.0_f32;
    for c in 0..2 {
        for i in 0..FRAMES {
            let expected = 0.5 * (wet[c][i] + dry[c][i]);
            worst = worst.max((half[c][i] - expected).abs());
        }
    }
    assert!(worst < 1e-6, "{worst}");
    // Blending the coded signal with the dry one halves its error: +6 dB.
    let latency = config.block_size;
    let (s_wet, s_half) = (
        delayed_sqnr_db(&x, &wet, latency),
        delayed_sqnr_db(&x, &half, latency),
    );
    println!("mix 100 %: {s_wet:.2} dB, mix 50 %: {s_half:.2} dB");
    assert!((s_half - s_wet - 6.02).abs() < 0.1);
}

#[test]
fn reconfiguring_mid_stream_keeps_the_output_finite_and_allocates_nothing() {
    let signal = SynthLike::new(SR);
    let mut stage = TqaStage::new(&TqaConfig::default(), 2).unwrap();
    let mut rng = 0x1234_5678_9abc_def0_u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut left = vec![0.0_f32; 4096];
    let mut right = vec![0.0_f32; 4096];
    let (mut frame, mut reconfigs, mut peak) = (0_u64, 0, 0.0_f32);
    let mut allocations = 0;
    for call in 0..3000 {
        let n = 1 + (next() % 4096) as usize;
        let (l, r) = (&mut left[..n], &mut right[..n]);
        // Synth audio, silence, ±1e5 bursts and full-scale noise, in turns.
        match call % 4 {
            0 => signal.fill(frame, &mut [&mut *l, &mut *r]),
            1 => {
                l.fill(0.0);
                r.fill(0.0);
            }
            2 => {
                for (i, v) in l.iter_mut().chain(r.iter_mut()).enumerate() {
                    *v = if i % 2 == 0 { 1e5 } else { -1e5 };
                }
            }
            _ => {
                for v in l.iter_mut().chain(r.iter_mut()) {
                    *v = (next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
                }
            }
        }
        frame += n as u64;
        if next() % 5 == 0 {
            let config = TqaConfig {
                bits: MIN_BITS + (next() % u64::from(MAX_BITS - MIN_BITS + 1)) as u8,
                block_size: 64 << (next() % 7),
                ..TqaConfig::default()
            };
            let (done, calls) = allocations_in(|| stage.reconfigure(&config));
            done.unwrap();
            allocations += calls;
            reconfigs += 1;
            assert_eq!(stage.latency(), config.block_size);
        }
        let mix = (next() % 101) as f32 / 100.0;
        allocations += allocations_in(|| stage.process(&mut [&mut *l, &mut *r], mix)).1;
        for &v in l.iter().chain(r.iter()) {
            assert!(v.is_finite(), "call {call}: non-finite output");
            peak = peak.max(v.abs());
        }
    }
    println!(
        "{frame} frames in 3000 calls, {reconfigs} reconfigurations, peak |out| {peak:.3e}, \
         allocations {allocations}"
    );
    assert_eq!(allocations, 0);
    // Coarse bits on ±1e5 square bursts overshoot (2.5e5 seen at 2 bits); bounded all the
    // same by ten times the largest input.
    assert!(peak < 1e6, "output far beyond the input: {peak}");
}

#[test]
fn after_reconfiguring_the_delay_is_the_new_block() {
    let x = input();
    let mut stage = TqaStage::new(&TqaConfig::default(), 2).unwrap();
    let _ = run(&mut stage, &x, 512, 1.0);
    let config = TqaConfig {
        block_size: 2048,
        bits: 8,
        ..TqaConfig::default()
    };
    stage.reconfigure(&config).unwrap();
    assert!(stage.sqnr_db().is_infinite(), "the meter restarts");
    let y = run(&mut stage, &x, 333, 1.0);
    let s = delayed_sqnr_db(&x, &y, 2048);
    println!("after reconfiguring to 8 bits, 2048: {s:.2} dB at a delay of 2048");
    assert!(s > 40.0, "{s}");
}

#[test]
fn non_finite_input_never_reaches_the_output() {
    for mix in [0.0, 0.5, 1.0] {
        let mut stage = TqaStage::new(&TqaConfig::default(), 2).unwrap();
        let [mut left, mut right] = input();
        left[100] = f32::NAN;
        right[2000] = f32::INFINITY;
        left[3000] = f32::NEG_INFINITY;
        for (l, r) in left.chunks_mut(256).zip(right.chunks_mut(256)) {
            stage.process(&mut [l, r], mix);
        }
        assert!(
            left.iter().chain(&right).all(|v| v.is_finite()),
            "mix {mix}"
        );
    }
}

/// Largest sample-to-sample step of `x[range]`, both channels.
fn max_step(x: &[Vec<f32>; 2], range: std::ops::Range<usize>) -> f32 {
    x.iter()
        .flat_map(|c| c[range.clone()].windows(2).map(|w| (w[1] - w[0]).abs()))
        .fold(0.0, f32::max)
}

/// A bits change the modulation matrix makes ([`TqaStage::set_bits`]) plays on without a gap:
/// from the first block coded after it the output equals a stage that ran at the new bits all
/// along, and the largest step around the change is the signal's own, where a
/// [`TqaStage::reconfigure`] to the same bits (what a host parameter change does) drops a
/// block and steps by the signal's level.
#[test]
fn set_bits_switches_at_the_next_block_without_a_gap() {
    let x = input();
    let block = TqaConfig::default().block_size;
    // The switch lands mid-way through a codec block, between two host blocks of 256.
    let switch = 40 * block + 256;
    let at = |bits| TqaConfig {
        bits,
        ..TqaConfig::default()
    };
    let run_switch = |set: bool| {
        let mut stage = TqaStage::new(&at(4), 2).unwrap();
        let mut y = x.clone();
        let [l, r] = &mut y;
        let mut allocations = 0;
        for (k, (l, r)) in l.chunks_mut(256).zip(r.chunks_mut(256)).enumerate() {
            if k * 256 == switch {
                allocations += if set {
                    allocations_in(|| stage.set_bits(8)).1
                } else {
                    allocations_in(|| stage.reconfigure(&at(8)).unwrap()).1
                };
            }
            stage.process(&mut [l, r], 1.0);
        }
        assert_eq!(allocations, 0, "switching bits allocated");
        y
    };
    let switched = run_switch(true);
    let restarted = run_switch(false);
    let all8 = run(&mut TqaStage::new(&at(8), 2).unwrap(), &x, 256, 1.0);
    let all4 = run(&mut TqaStage::new(&at(4), 2).unwrap(), &x, 256, 1.0);
    // The block holding the switch was partly buffered: it is coded at the new bits. From
    // its output on (one latency later) the render is the 8-bit one; before, the 4-bit one.
    let first_new = (switch / block) * block + block;
    let d_after = max_diff2(&switched, &all8, first_new..FRAMES);
    let d_before = max_diff2(&switched, &all4, 0..first_new);
    assert!(
        d_after < 1e-6,
        "after the switch: {d_after} from the 8-bit stage"
    );
    assert!(
        d_before < 1e-6,
        "before the switch: {d_before} from the 4-bit stage"
    );
    let window = switch - 2 * block..switch + 3 * block;
    let own = max_step(&all8, window.clone()).max(max_step(&all4, window.clone()));
    let (set_step, restart_step) = (
        max_step(&switched, window.clone()),
        max_step(&restarted, window),
    );
    println!(
        "largest step around a 4 → 8 bit switch: set_bits {set_step:.4}, reconfigure \
         {restart_step:.4}, the 4- and 8-bit renders' own {own:.4}"
    );
    assert!(
        set_step <= own + 1e-6,
        "set_bits steps by {set_step} (own {own})"
    );
    assert!(set_step < restart_step);
}

fn max_diff2(a: &[Vec<f32>; 2], b: &[Vec<f32>; 2], range: std::ops::Range<usize>) -> f32 {
    a.iter()
        .zip(b)
        .flat_map(|(a, b)| {
            a[range.clone()]
                .iter()
                .zip(&b[range.clone()])
                .map(|(x, y)| (x - y).abs())
        })
        .fold(0.0, f32::max)
}

#[test]
fn modulated_bits_round_and_hold_to_the_codec_range() {
    use wavecube_dsp::codec::tqa::modulated_bits;
    assert_eq!(modulated_bits(6, 0.0), 6);
    assert_eq!(modulated_bits(6, 0.49), 6);
    assert_eq!(modulated_bits(6, 0.5), 7);
    assert_eq!(modulated_bits(6, -1.6), 4);
    assert_eq!(modulated_bits(4, 100.0), MAX_BITS);
    assert_eq!(modulated_bits(4, -100.0), MIN_BITS);
    assert_eq!(modulated_bits(5, f32::NAN), 5);
}
