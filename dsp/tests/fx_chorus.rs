//! The chorus's objective tests: the LFO's rate, depth and centre delay measured from the
//! output's delay trajectory (cross-correlation of 10 ms windows of the output against the
//! input noise), the stereo spread, and the common effect contract.

mod fx_support;
mod fx_trajectory;

#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

use fx_support::{check_contract, noise, run};
use fx_trajectory::fit_sinusoid;
use wavecube_dsp::fx::chorus::{Chorus, ChorusSettings};
use wavecube_dsp::fx::Effect;

const SR: f32 = 48_000.0;

/// The delay (in samples) of `y` against `x` per window of `win` samples: the lag in
/// `lo..hi` of the largest cross-correlation, refined by a parabola. Returns (time s, lag).
fn delay_trajectory(x: &[f32], y: &[f32], win: usize, lo: usize, hi: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut start = hi;
    while start + win <= y.len() {
        let corr: Vec<f64> = (lo..hi)
            .map(|lag| {
                (start..start + win)
                    .map(|n| y[n] as f64 * x[n - lag] as f64)
                    .sum()
            })
            .collect();
        let k = (1..corr.len() - 1)
            .max_by(|&a, &b| corr[a].total_cmp(&corr[b]))
            .unwrap();
        let (a, b, c) = (corr[k - 1], corr[k], corr[k + 1]);
        let frac = 0.5 * (a - c) / (a - 2.0 * b + c);
        let t = (start as f64 + win as f64 / 2.0) / SR as f64;
        out.push((t, (lo + k) as f64 + frac));
        start += win;
    }
    out
}

fn single_voice(rate_hz: f32, depth_ms: f32, delay_ms: f32, spread: f32) -> Chorus {
    let mut c = Chorus::new(SR);
    c.set_settings(ChorusSettings {
        voices: 1,
        rate_hz,
        depth_ms,
        delay_ms,
        feedback: 0.0,
        mix: 1.0,
        spread,
    });
    c.reset();
    c
}

#[test]
fn delay_trajectory_gives_the_set_rate_depth_and_delay() {
    // Tolerances: rate within 1 %, depth within 3 %, centre delay within 0.02 ms.
    for (rate, depth, delay) in [
        (1.0_f32, 2.0_f32, 10.0_f32),
        (3.0, 0.7, 6.0),
        (0.4, 5.0, 20.0),
    ] {
        let mut c = single_voice(rate, depth, delay, 0.0);
        let x = noise(4 * 48_000, 7);
        let (y, _) = run(&mut c, &x, &x, 256);
        let ms = SR as f64 * 1e-3;
        let lo = ((delay - depth) as f64 * ms) as usize - 20;
        let hi = ((delay + depth) as f64 * ms) as usize + 20;
        let traj = delay_trajectory(&x, &y, 480, lo, hi);
        let fit = fit_sinusoid(&traj, rate as f64 * 0.5, rate as f64 * 2.0);
        let (got_rate, got_depth, got_delay) = (fit.freq, fit.amplitude / ms, fit.mean / ms);
        println!(
            "set {rate} Hz ±{depth} ms @ {delay} ms: measured {got_rate:.4} Hz ±{got_depth:.4} ms @ {got_delay:.4} ms"
        );
        assert!(
            (got_rate / rate as f64 - 1.0).abs() < 0.01,
            "rate {got_rate}"
        );
        assert!(
            (got_depth / depth as f64 - 1.0).abs() < 0.03,
            "depth {got_depth}"
        );
        assert!((got_delay - delay as f64).abs() < 0.02, "delay {got_delay}");
    }
}

#[test]
fn full_spread_moves_the_right_voice_against_the_left() {
    // Slow enough (the delay moves at most 2.3 samples within a 10 ms window) that each
    // window's correlation peak stays sharp.
    let mut c = single_voice(0.5, 3.0, 12.0, 1.0);
    let x = noise(2 * 48_000, 9);
    let (l, r) = run(&mut c, &x, &x, 256);
    let (lo, hi) = (8 * 48 - 20, 16 * 48 + 20);
    let tl = delay_trajectory(&x, &l, 480, lo, hi);
    let tr = delay_trajectory(&x, &r, 480, lo, hi);
    // Opposite phases: the two delays sum to twice the centre at every moment (within 3 samples,
    // 0.06 ms, the windows' estimation noise; the swing is 288).
    for (a, b) in tl.iter().zip(&tr) {
        assert!(
            (a.1 + b.1 - 2.0 * 12.0 * 48.0).abs() < 3.0,
            "at {:.2} s: left {:.1}, right {:.1} samples",
            a.0,
            a.1,
            b.1
        );
    }
    let swing = tl.iter().map(|t| t.1).fold(f64::MIN, f64::max)
        - tl.iter().map(|t| t.1).fold(f64::MAX, f64::min);
    assert!(swing > 250.0, "the left delay swings only {swing} samples");
}

#[test]
fn more_voices_decorrelate_the_channels_and_keep_the_level() {
    // Three voices at full spread: the wet channels differ, and the wet power stays within
    // 1.5 dB of the dry (1/√N voice gain).
    let mut c = Chorus::new(SR);
    c.set_settings(ChorusSettings {
        voices: 3,
        mix: 1.0,
        ..ChorusSettings::default()
    });
    c.reset();
    let x = noise(48_000, 11);
    let (l, r) = run(&mut c, &x, &x, 256);
    let p = |v: &[f32]| v[4_800..].iter().map(|s| (s * s) as f64).sum::<f64>();
    let lr: f64 = l[4_800..]
        .iter()
        .zip(&r[4_800..])
        .map(|(a, b)| (a * b) as f64)
        .sum();
    let coherence = lr / (p(&l) * p(&r)).sqrt();
    assert!(coherence < 0.8, "channels too alike: {coherence}");
    let db = 10.0 * (p(&l) / p(&x)).log10();
    assert!(db.abs() < 1.5, "wet level {db:.2} dB");
}

#[test]
fn contract() {
    check_contract(
        "chorus",
        |sr| {
            let mut c = Chorus::new(sr);
            c.set_settings(ChorusSettings {
                voices: 4,
                feedback: 0.9,
                depth_ms: 10.0,
                delay_ms: 5.0,
                rate_hz: 5.0,
                ..ChorusSettings::default()
            });
            c.reset();
            c
        },
        |c, v| {
            c.set_settings(ChorusSettings {
                voices: if v.is_finite() {
                    v.abs().min(1e9) as usize
                } else {
                    0
                },
                rate_hz: v,
                depth_ms: v,
                delay_ms: v,
                feedback: v,
                mix: v,
                spread: v,
            })
        },
    );
}
