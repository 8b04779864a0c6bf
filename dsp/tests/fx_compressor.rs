//! The compressor: the common effect contract, the measured static curve against threshold,
//! ratio and knee, the measured attack and release time constants, and the look-ahead's
//! reported latency.

mod fx_support;

use fx_support::{check_contract, run, sine};
use wavecube_dsp::fx::compressor::{Compressor, CompressorSettings, Detection};
use wavecube_dsp::fx::Effect;

#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn make(sr: f32) -> Compressor {
    let mut c = Compressor::new(sr);
    c.set_settings(CompressorSettings {
        threshold_db: -24.0,
        ratio: 6.0,
        makeup_db: 6.0,
        lookahead_ms: 3.0,
        ..Default::default()
    });
    c.reset();
    c
}

fn extreme(c: &mut Compressor, v: f32) {
    c.set_settings(CompressorSettings {
        threshold_db: v,
        ratio: v,
        attack_ms: v,
        release_ms: v,
        knee_db: v,
        makeup_db: v,
        detection: Detection::Rms,
        lookahead_ms: v,
        mix: v,
    });
}

#[test]
fn compressor_meets_the_effect_contract() {
    check_contract("compressor", make, extreme);
}

fn db(x: f64) -> f64 {
    20.0 * x.max(1e-12).log10()
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Steady sines from −60 to 0 dBFS in 2 dB steps: the measured gain against the static
/// curve at the detector's level (the RMS in RMS mode, the peak in peak mode).
fn check_static_curve(settings: CompressorSettings, sr: f32) -> f64 {
    let mut worst: f64 = 0.0;
    for step in 0..=30 {
        let peak_db = -60.0 + 2.0 * step as f32;
        let amp = 10f32.powf(peak_db / 20.0);
        let len = (sr * 1.5) as usize;
        let x = sine(997.0, sr, len, amp);
        let mut c = Compressor::new(sr);
        c.set_settings(settings);
        c.reset();
        let (y, _) = run(&mut c, &x, &x, 256);
        let tail = len - (sr * 0.5) as usize;
        let gain = db(rms(&y[tail..]) / rms(&x[tail..]));
        let level_db = match settings.detection {
            Detection::Peak => peak_db,
            Detection::Rms => peak_db - 3.0103,
        };
        let want = (settings.static_curve_db(level_db) - level_db + settings.makeup_db) as f64;
        let err = (gain - want).abs();
        assert!(
            err <= 0.5,
            "{settings:?} at {peak_db} dBFS peak: gain {gain:.3} dB, curve says {want:.3} dB"
        );
        worst = worst.max(err);
    }
    worst
}

#[test]
fn static_curve_within_half_a_db() {
    for detection in [Detection::Rms, Detection::Peak] {
        for (threshold_db, ratio, knee_db) in [
            (-24.0, 4.0, 0.0),
            (-24.0, 4.0, 12.0),
            (-12.0, 2.0, 6.0),
            (-40.0, 20.0, 3.0),
        ] {
            let s = CompressorSettings {
                threshold_db,
                ratio,
                knee_db,
                makeup_db: 3.0,
                detection,
                // Peak detection follows the instantaneous |x|: a long release (against an
                // attack a thousand times shorter) holds the gain at the sine's peak.
                attack_ms: 0.5,
                release_ms: 500.0,
                ..Default::default()
            };
            let worst = check_static_curve(s, 48_000.0);
            println!("{detection:?} T {threshold_db} R {ratio} W {knee_db}: worst {worst:.3} dB");
        }
    }
}

#[test]
fn static_curve_meets_threshold_ratio_and_knee() {
    let s = CompressorSettings {
        threshold_db: -20.0,
        ratio: 4.0,
        knee_db: 10.0,
        ..Default::default()
    };
    // Below the knee: unity; above it: slope 1/ratio from the threshold; inside: the
    // quadratic that meets both lines.
    assert_eq!(s.static_curve_db(-40.0), -40.0);
    assert_eq!(s.static_curve_db(-25.0), -25.0);
    assert!((s.static_curve_db(0.0) - (-20.0 + 20.0 / 4.0)).abs() < 1e-4);
    assert!((s.static_curve_db(-15.0) - (-20.0 + 5.0 / 4.0)).abs() < 1e-4);
    assert!((s.static_curve_db(-20.0) - (-20.0 - 0.75 * 10.0 / 8.0)).abs() < 1e-4);
}

/// The per-sample gain (dB) of `c` on a DC input that steps from `from` to `to` at
/// `at` samples, `len` samples long.
fn step_gain_db(c: &mut Compressor, from: f32, to: f32, at: usize, len: usize) -> Vec<f64> {
    let x: Vec<f32> = (0..len).map(|i| if i < at { from } else { to }).collect();
    let (y, _) = run(c, &x, &x, 333);
    y.iter()
        .zip(&x)
        .map(|(&o, &i)| db(o as f64 / i as f64))
        .collect()
}

/// The time (s) after `at` for the gain to cover 63.2 % of its change.
fn time_to_63(g: &[f64], at: usize, sr: f32) -> f64 {
    let (start, end) = (g[at - 1], g[g.len() - 1]);
    let mark = start + (end - start) * (1.0 - (-1.0f64).exp());
    let rising = end > start;
    let n = g[at..]
        .iter()
        .position(|&v| if rising { v >= mark } else { v <= mark })
        .expect("the gain never crossed 63 %");
    // The gain of sample `at + n` is the first to cross: the step's first sample is one
    // smoothing step, so the elapsed time is n + 1 samples.
    (n + 1) as f64 / sr as f64
}

#[test]
fn attack_and_release_time_constants_within_ten_percent() {
    for sr in [44_100.0f32, 48_000.0, 96_000.0] {
        for (attack_ms, release_ms) in [(1.0, 50.0), (10.0, 300.0), (100.0, 2000.0)] {
            let s = CompressorSettings {
                threshold_db: -20.0,
                ratio: 4.0,
                knee_db: 0.0,
                attack_ms,
                release_ms,
                detection: Detection::Peak,
                ..Default::default()
            };
            let mut c = Compressor::new(sr);
            c.set_settings(s);
            c.reset();
            // −40 dB (no reduction) → 0 dB (−15 dB of reduction).
            let at = 1000;
            let len = at + (sr * attack_ms * 1e-3 * 8.0) as usize;
            let g = step_gain_db(&mut c, 0.01, 1.0, at, len);
            assert!(
                (g[len - 1] + 15.0).abs() < 0.01,
                "attack end {}",
                g[len - 1]
            );
            let t = time_to_63(&g, at, sr) * 1e3;
            let err = (t - attack_ms as f64).abs() / attack_ms as f64;
            println!("{sr} Hz: attack {attack_ms} ms measured {t:.3} ms");
            assert!(err <= 0.1, "attack {attack_ms} ms at {sr} Hz: {t} ms");
            // Then (settled at 0 dB, checked above) back down to −40 dB: the reduction goes
            // away with the release.
            let at = 100;
            let len = at + (sr * release_ms * 1e-3 * 8.0) as usize;
            let g = step_gain_db(&mut c, 1.0, 0.01, at, len);
            assert!(g[len - 1].abs() < 0.01, "release end {}", g[len - 1]);
            let t = time_to_63(&g, at, sr) * 1e3;
            let err = (t - release_ms as f64).abs() / release_ms as f64;
            println!("{sr} Hz: release {release_ms} ms measured {t:.3} ms");
            assert!(err <= 0.1, "release {release_ms} ms at {sr} Hz: {t} ms");
        }
    }
}

#[test]
fn look_ahead_is_reported_and_reduces_before_the_transient() {
    let sr = 48_000.0;
    for ms in [0.0f32, 1.0, 5.0, 10.0] {
        let s = CompressorSettings {
            threshold_db: -20.0,
            ratio: 10.0,
            knee_db: 0.0,
            attack_ms: 1.0,
            release_ms: 200.0,
            lookahead_ms: ms,
            ..Default::default()
        };
        let mut c = Compressor::new(sr);
        c.set_settings(s);
        c.reset();
        let latency = c.latency_samples() as usize;
        assert_eq!(latency, (ms * 48.0).round() as usize);
        // Below the threshold the output is the input delayed by the latency, exactly.
        let x = fx_support::noise(4000, 7)
            .iter()
            .map(|v| v * 0.05)
            .collect::<Vec<f32>>();
        let (y, _) = run(&mut c, &x, &x, 64);
        for i in latency..x.len() {
            assert!(
                (y[i] - x[i - latency]).abs() < 1e-6,
                "look-ahead {ms} ms: sample {i} is not the input {latency} samples ago"
            );
        }
        // A step to full scale: with 5 ms and more of look-ahead (5 attack time constants)
        // the gain is already within 0.5 dB of its final reduction when the step comes out.
        if ms >= 5.0 {
            c.reset();
            let at = 2000;
            let x: Vec<f32> = (0..6000).map(|i| if i < at { 0.0 } else { 1.0 }).collect();
            let (y, _) = run(&mut c, &x, &x, 64);
            let first = db(y[at + latency] as f64);
            let settled = db(y[5999] as f64);
            assert!(
                (first - settled).abs() < 0.5,
                "look-ahead {ms} ms: first {first:.2} dB, settled {settled:.2} dB"
            );
        }
    }
}

#[test]
fn mix_blends_dry_and_compressed() {
    let sr = 48_000.0;
    let s = CompressorSettings {
        threshold_db: -30.0,
        ratio: 50.0,
        knee_db: 0.0,
        detection: Detection::Rms,
        mix: 0.5,
        ..Default::default()
    };
    let x = sine(440.0, sr, 48_000, 0.5);
    let mut c = Compressor::new(sr);
    c.set_settings(s);
    c.reset();
    let (y, _) = run(&mut c, &x, &x, 256);
    let full = {
        let mut c = Compressor::new(sr);
        c.set_settings(CompressorSettings { mix: 1.0, ..s });
        c.reset();
        run(&mut c, &x, &x, 256).0
    };
    let tail = 24_000;
    let want = 0.5 * (rms(&x[tail..]) + rms(&full[tail..]));
    let got = rms(&y[tail..]);
    assert!((db(got) - db(want)).abs() < 0.1, "{got} vs {want}");
}
