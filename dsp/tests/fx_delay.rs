//! The delay's objective tests: echoes at the set time (sample-exact free, tempo-exact
//! synced), the decay per repeat within 0.1 dB of the feedback setting, ping-pong
//! alternation, ducking, and the common effect contract.

mod fx_support;

#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

use fx_support::{check_contract, impulse, run, sine};
use wavecube_dsp::fx::delay::{Delay, DelayMode, DelaySettings};
use wavecube_dsp::fx::sync::{Feel, NoteValue, SyncDivision};
use wavecube_dsp::fx::Effect;

/// Settings with the loop filters open, echoes only.
fn open(time_ms: f32, feedback: f32, mode: DelayMode) -> DelaySettings {
    DelaySettings {
        mode,
        time_ms,
        sync: None,
        feedback,
        low_cut_hz: 20.0,
        high_cut_hz: 20_000.0,
        ducking: 0.0,
        mix: 1.0,
    }
}

fn delay_with(sr: f32, s: DelaySettings) -> Delay {
    let mut d = Delay::new(sr);
    d.set_settings(s);
    d.reset();
    d
}

/// The indices and values of samples with |x| > 1e-6.
fn nonzero(signal: &[f32]) -> Vec<(usize, f32)> {
    signal
        .iter()
        .enumerate()
        .filter(|(_, v)| v.abs() > 1e-6)
        .map(|(i, &v)| (i, v))
        .collect()
}

#[test]
fn free_echoes_are_sample_exact_and_decay_by_the_feedback() {
    for (sr, ms) in [(48_000.0, 100.0), (44_100.0, 250.0), (96_000.0, 37.5)] {
        for fb in [0.25_f32, 0.5, 0.9] {
            let period = (ms as f64 * 1e-3 * sr as f64).round() as usize;
            let mut d = delay_with(sr, open(ms, fb, DelayMode::Stereo));
            let x = impulse(period * 6 + 10);
            let (l, r) = run(&mut d, &x, &x, 256);
            for out in [&l, &r] {
                let taps = nonzero(out);
                let want: Vec<usize> = (1..=6).map(|k| k * period).collect();
                let got: Vec<usize> = taps.iter().map(|t| t.0).collect();
                assert_eq!(got, want, "{sr} Hz, {ms} ms, fb {fb}: echo positions");
                for pair in taps.windows(2) {
                    let db = 20.0 * (pair[1].1 / pair[0].1).log10();
                    let want_db = 20.0 * fb.log10();
                    assert!(
                        (db - want_db).abs() <= 0.1,
                        "{sr} Hz fb {fb}: repeat decays {db:.3} dB, setting {want_db:.3} dB"
                    );
                }
                assert!((taps[0].1 - 1.0).abs() < 1e-6, "first echo at unity");
            }
        }
    }
}

#[test]
fn synced_echoes_are_tempo_exact() {
    // 120 bpm, 1/8 = 250 ms = 12 000 samples at 48 kHz; 1/8. = 18 000; 1/4T at 90 bpm = 2/3 · 2/3 s.
    let cases = [
        (120.0, SyncDivision::straight(NoteValue::Eighth), 12_000),
        (
            120.0,
            SyncDivision::new(NoteValue::Eighth, Feel::Dotted),
            18_000,
        ),
        (
            90.0,
            SyncDivision::new(NoteValue::Quarter, Feel::Triplet),
            21_333,
        ),
    ];
    for (bpm, div, period) in cases {
        let mut s = open(999.0, 0.5, DelayMode::Stereo);
        s.sync = Some(div);
        let mut d = Delay::new(48_000.0);
        d.set_tempo(bpm);
        d.set_settings(s);
        d.reset();
        let x = impulse(period * 3 + 10);
        let (l, _) = run(&mut d, &x, &x, 512);
        let taps = nonzero(&l);
        if div.feel == Feel::Triplet {
            // 21 333.33 samples: the echo is interpolated; its centroid is at the exact time.
            let first: Vec<_> = taps.iter().filter(|t| t.0 < period + 10).collect();
            let sum: f32 = first.iter().map(|t| t.1).sum();
            let centroid: f64 =
                first.iter().map(|t| t.0 as f64 * t.1 as f64).sum::<f64>() / sum as f64;
            let exact = 60.0 / bpm * div.beats() * 48_000.0;
            assert!(
                (centroid - exact).abs() < 0.02,
                "{}: centroid {centroid}, exact {exact}",
                div.label()
            );
        } else {
            assert_eq!(taps[0].0, period, "{} at {bpm} bpm", div.label());
            assert_eq!(taps[1].0, 2 * period, "{} at {bpm} bpm", div.label());
        }
    }
}

#[test]
fn ping_pong_alternates_channels() {
    let period = 4_800;
    let fb = 0.6_f32;
    let mut d = delay_with(48_000.0, open(100.0, fb, DelayMode::PingPong));
    let x = impulse(period * 6 + 10);
    let (l, r) = run(&mut d, &x, &x, 256);
    for k in 1..=6 {
        let (want, other, name) = if k % 2 == 1 {
            (&l, &r, "left")
        } else {
            (&r, &l, "right")
        };
        let g = fb.powi(k as i32 - 1);
        assert!(
            (want[k * period] - g).abs() < 1e-5,
            "echo {k} in the {name} at gain {g}: {}",
            want[k * period]
        );
        assert!(
            other[k * period].abs() < 1e-6,
            "echo {k} leaks to the other side"
        );
    }
    assert!(nonzero(&l).len() == 3 && nonzero(&r).len() == 3);
}

#[test]
fn loop_filter_darkens_each_repeat() {
    // With the high cut at 2 kHz, a later repeat holds less energy above 4 kHz than the first.
    let mut s = open(100.0, 0.9, DelayMode::Stereo);
    s.high_cut_hz = 2_000.0;
    let mut d = delay_with(48_000.0, s);
    let x = impulse(4_800 * 4 + 4_000);
    let (l, _) = run(&mut d, &x, &x, 256);
    let hf = |seg: &[f32]| seg.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum::<f32>();
    let all = |seg: &[f32]| seg.iter().map(|v| v * v).sum::<f32>();
    let e1 = &l[4_800..4_800 + 4_000];
    let e3 = &l[3 * 4_800..3 * 4_800 + 4_000];
    assert!((all(e1) - 1.0).abs() < 1e-6, "first echo untouched");
    assert!(
        hf(e3) / all(e3) < 0.2 * hf(e1) / all(e1),
        "repeats not darker"
    );
}

#[test]
fn ducking_lowers_the_echoes_while_the_input_plays() {
    // A 2 s tone at −6 dBFS then 2 s of silence; ducking at full depth vs none. During the
    // tone the wet level must fall by at least 20 dB; 0.8 s after the tone stops (the 150 ms
    // release has taken the envelope below −40 dBFS) it must be back within 0.1 dB.
    let sr = 48_000.0;
    let len = 4 * 48_000;
    let mut x = sine(440.0, sr, 2 * 48_000, 0.5);
    x.resize(len, 0.0);
    let render = |duck: f32| {
        let mut s = open(300.0, 0.7, DelayMode::Stereo);
        s.ducking = duck;
        let mut d = delay_with(sr, s);
        run(&mut d, &x, &x, 256).0
    };
    let (free, ducked) = (render(0.0), render(1.0));
    let rms = |v: &[f32]| (v.iter().map(|s| s * s).sum::<f32>() / v.len() as f32).sqrt();
    let during = 20.0 * (rms(&ducked[48_000..90_000]) / rms(&free[48_000..90_000])).log10();
    assert!(
        during < -20.0,
        "ducked by only {during:.1} dB during the input"
    );
    let after = 20.0 * (rms(&ducked[134_400..153_600]) / rms(&free[134_400..153_600])).log10();
    assert!(
        after.abs() < 0.1,
        "tail differs by {after:.2} dB after the input"
    );
    // Half ducking halves the wet during the input.
    let half = 20.0 * (rms(&render(0.5)[48_000..90_000]) / rms(&free[48_000..90_000])).log10();
    assert!(
        (half - 20.0 * 0.5f32.log10()).abs() < 0.5,
        "half ducking: {half:.2} dB"
    );
}

#[test]
fn contract() {
    for mode in [DelayMode::Stereo, DelayMode::PingPong] {
        check_contract(
            "delay",
            |sr| {
                let mut d = Delay::new(sr);
                d.set_settings(DelaySettings {
                    mode,
                    time_ms: 20.0,
                    feedback: 0.95,
                    mix: 0.7,
                    ducking: 0.5,
                    ..DelaySettings::default()
                });
                d.reset();
                d
            },
            |d, v| {
                d.set_settings(DelaySettings {
                    mode,
                    time_ms: v,
                    sync: None,
                    feedback: v,
                    low_cut_hz: v,
                    high_cut_hz: v,
                    ducking: v,
                    mix: v,
                });
                d.set_tempo(v as f64);
            },
        );
    }
}
