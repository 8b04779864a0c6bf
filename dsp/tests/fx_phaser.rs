//! The phaser/flanger's objective tests: the notch trajectory (notch frequencies over time from
//! short-time spectra of noise through the half-wet effect) gives the set rate and depth, free
//! and tempo-synced; the phaser has as many notches as half its stages; and the common contract.

mod fx_support;
mod fx_trajectory;

#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

use fx_support::{check_contract, noise, run};
use fx_trajectory::fit_sinusoid;
use realfft::RealFftPlanner;
use wavecube_dsp::fx::phaser::{Phaser, PhaserMode, PhaserSettings, PHASER_OCTAVES};
use wavecube_dsp::fx::sync::{Feel, NoteValue, SyncDivision};
use wavecube_dsp::fx::Effect;

const SR: f32 = 48_000.0;
/// The analysis frame, in samples (85 ms), hop half of it.
const FRAME: usize = 4096;

/// The effect's magnitude-squared response per frame: (frame centre time s, |H|² per bin),
/// as the output's power over the input's, smoothed over ±2 bins (Hann-windowed frames).
fn short_time_response(x: &[f32], y: &[f32]) -> Vec<(f64, Vec<f64>)> {
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(FRAME);
    let hann: Vec<f64> = (0..FRAME)
        .map(|n| 0.5 - 0.5 * (std::f64::consts::TAU * n as f64 / FRAME as f64).cos())
        .collect();
    let power = |s: &[f32]| {
        let mut buf: Vec<f64> = s.iter().zip(&hann).map(|(&v, w)| v as f64 * w).collect();
        let mut out = fft.make_output_vec();
        fft.process(&mut buf, &mut out).unwrap();
        out.iter().map(|c| c.norm_sqr()).collect::<Vec<f64>>()
    };
    let mut frames = Vec::new();
    let mut start = 0;
    while start + FRAME <= x.len() {
        let (px, py) = (
            power(&x[start..start + FRAME]),
            power(&y[start..start + FRAME]),
        );
        let h: Vec<f64> = (0..px.len())
            .map(|k| {
                let r = k.saturating_sub(2)..(k + 3).min(px.len());
                py[r.clone()].iter().sum::<f64>() / px[r].iter().sum::<f64>().max(1e-300)
            })
            .collect();
        frames.push(((start + FRAME / 2) as f64 / SR as f64, h));
        start += FRAME / 2;
    }
    frames
}

/// The frequency (Hz) of the deepest notch of `h` between `lo` and `hi` Hz, refined by a
/// parabola through the dB values of the three bins around it.
fn deepest_notch(h: &[f64], lo: f64, hi: f64) -> f64 {
    let bin = SR as f64 / FRAME as f64;
    let (a, b) = ((lo / bin) as usize, (hi / bin) as usize);
    let k = (a..b).min_by(|&i, &j| h[i].total_cmp(&h[j])).unwrap();
    let db = |i: usize| 10.0 * h[i].max(1e-30).log10();
    let (l, m, r) = (db(k - 1), db(k), db(k + 1));
    let frac = 0.5 * (l - r) / (l - 2.0 * m + r);
    (k as f64 + frac) * bin
}

fn render(s: PhaserSettings, bpm: f64, seconds: usize) -> (Vec<f32>, Vec<f32>) {
    let mut p = Phaser::new(SR);
    p.set_tempo(bpm);
    p.set_settings(s);
    p.reset();
    let x = noise(seconds * 48_000, 5);
    let (y, _) = run(&mut p, &x, &x, 256);
    (x, y)
}

#[test]
fn phaser_notch_trajectory_gives_the_set_rate_and_depth() {
    // Two stages: one notch, exactly where the stages' phase is −π/2 each, i.e. at the break
    // frequency fc(t) = centre · 2^(3·depth·sin(2π·rate·t)). Fitted from log2 of the notch
    // over 8 s: rate within 2 %, sweep within 5 %, centre within 0.05 octave.
    let bpm = 120.0;
    let cases = [
        (None, 0.25, 0.5, 1_000.0),
        (None, 0.5, 0.3, 2_000.0),
        // 1/1 dotted at 120 bpm: 6 beats = 3 s per cycle.
        (
            Some(SyncDivision::new(NoteValue::Whole, Feel::Dotted)),
            1.0 / 3.0,
            0.6,
            800.0,
        ),
    ];
    for (sync, rate, depth, center) in cases {
        let s = PhaserSettings {
            mode: PhaserMode::Phaser,
            stages: 2,
            rate_hz: if sync.is_some() { 7.0 } else { rate as f32 },
            sync,
            depth,
            center_hz: center,
            feedback: 0.0,
            mix: 0.5,
            spread: 0.0,
            ..PhaserSettings::default()
        };
        let (x, y) = render(s, bpm, 8);
        let traj: Vec<(f64, f64)> = short_time_response(&x, &y)
            .iter()
            .map(|(t, h)| (*t, deepest_notch(h, 60.0, 20_000.0).log2()))
            .collect();
        let fit = fit_sinusoid(&traj, rate * 0.5, rate * 2.0);
        let want_oct = (PHASER_OCTAVES * depth) as f64;
        println!(
            "set {rate:.4} Hz ±{want_oct} oct @ {center} Hz: measured {:.4} Hz ±{:.3} oct @ {:.1} Hz",
            fit.freq,
            fit.amplitude,
            fit.mean.exp2()
        );
        assert!((fit.freq / rate - 1.0).abs() < 0.02, "rate {}", fit.freq);
        assert!(
            (fit.amplitude / want_oct - 1.0).abs() < 0.05,
            "sweep {} oct",
            fit.amplitude
        );
        assert!((fit.mean - (center as f64).log2()).abs() < 0.05, "centre");
    }
}

#[test]
fn phaser_has_half_as_many_notches_as_stages_where_the_theory_puts_them() {
    // Static (depth 0): N stages at break fc notch where tan(πf/fs) = tan(πfc/fs)·tan(π(2k+1)/(2N)).
    // Each notch within 2 % or one bin (11.7 Hz), whichever is wider.
    for stages in [2usize, 4, 8, 12] {
        let s = PhaserSettings {
            stages,
            depth: 0.0,
            center_hz: 1_000.0,
            feedback: 0.0,
            mix: 0.5,
            ..PhaserSettings::default()
        };
        let (x, y) = render(s, 120.0, 2);
        let frames = short_time_response(&x, &y);
        let h = &frames[frames.len() / 2].1;
        let t = (std::f64::consts::PI * 1_000.0 / SR as f64).tan();
        let bin = SR as f64 / FRAME as f64;
        for k in 0..stages / 2 {
            let tk = t * (std::f64::consts::PI * (2 * k + 1) as f64 / (2 * stages) as f64).tan();
            let f = tk.atan() * SR as f64 / std::f64::consts::PI;
            if f > 20_000.0 {
                continue;
            }
            let lo = f * 0.9;
            let got = deepest_notch(h, lo.max(2.0 * bin), f * 1.1);
            assert!(
                (got - f).abs() < (0.02 * f).max(bin),
                "{stages} stages, notch {k}: at {got:.1} Hz, theory {f:.1} Hz"
            );
            let depth_db = 10.0 * h[(got / bin).round() as usize].log10();
            // (The ±2-bin smoothing and the Hann window's leakage fill narrow notches in.)
            assert!(
                depth_db < -10.0,
                "{stages} stages, notch {k} only {depth_db:.1} dB"
            );
        }
    }
}

#[test]
fn flanger_notch_comb_gives_the_set_rate_and_depth() {
    // Half-wet flanger: |H(f)|² = cos²(π·f·d), notches at odd multiples of 1/(2d). Per frame the
    // comb of notches is fitted (the d maximising the correlation of |H|² with cos(2πfd) over
    // 100 Hz–16 kHz); d(t) = delay·(1 + depth·sin(2π·rate·t)).
    for (rate, depth, delay) in [(0.3_f64, 0.5_f32, 2.0_f32), (0.8, 0.25, 4.0)] {
        let s = PhaserSettings {
            mode: PhaserMode::Flanger,
            rate_hz: rate as f32,
            depth,
            delay_ms: delay,
            feedback: 0.0,
            mix: 0.5,
            spread: 0.0,
            ..PhaserSettings::default()
        };
        let (x, y) = render(s, 120.0, 8);
        let bin = SR as f64 / FRAME as f64;
        let (k0, k1) = ((100.0 / bin) as usize, (16_000.0 / bin) as usize);
        let score = |h: &[f64], d: f64| {
            (k0..k1)
                .map(|k| h[k] * (std::f64::consts::TAU * k as f64 * bin * d).cos())
                .sum::<f64>()
        };
        let traj: Vec<(f64, f64)> = short_time_response(&x, &y)
            .iter()
            .map(|(t, h)| {
                let (lo, hi) = (0.2e-3, 10e-3);
                let (mut best, mut best_score) = (lo, f64::MIN);
                let mut d = lo;
                while d < hi {
                    let sc = score(h, d);
                    if sc > best_score {
                        (best, best_score) = (d, sc);
                    }
                    d += 1e-5;
                }
                let (mut a, mut b) = (best - 1e-5, best + 1e-5);
                for _ in 0..40 {
                    let (c, e) = (b - 0.618 * (b - a), a + 0.618 * (b - a));
                    if score(h, c) > score(h, e) {
                        b = e;
                    } else {
                        a = c;
                    }
                }
                (*t, 0.5 * (a + b) * 1e3)
            })
            .collect();
        let fit = fit_sinusoid(&traj, rate * 0.5, rate * 2.0);
        println!(
            "flanger set {rate} Hz, depth {depth} of {delay} ms: measured {:.4} Hz, {:.4} of {:.4} ms",
            fit.freq,
            fit.amplitude / fit.mean,
            fit.mean
        );
        assert!((fit.freq / rate - 1.0).abs() < 0.02, "rate {}", fit.freq);
        assert!(
            (fit.amplitude / fit.mean / depth as f64 - 1.0).abs() < 0.05,
            "depth {}",
            fit.amplitude / fit.mean
        );
        assert!(
            (fit.mean / delay as f64 - 1.0).abs() < 0.02,
            "delay {}",
            fit.mean
        );
    }
}

#[test]
fn contract() {
    for mode in [PhaserMode::Phaser, PhaserMode::Flanger] {
        check_contract(
            "phaser",
            |sr| {
                let mut p = Phaser::new(sr);
                p.set_settings(PhaserSettings {
                    mode,
                    stages: 12,
                    rate_hz: 5.0,
                    depth: 1.0,
                    feedback: 0.95,
                    center_hz: 3_000.0,
                    ..PhaserSettings::default()
                });
                p.reset();
                p
            },
            |p, v| {
                p.set_settings(PhaserSettings {
                    mode,
                    stages: if v.is_finite() {
                        v.abs().min(1e9) as usize
                    } else {
                        0
                    },
                    rate_hz: v,
                    sync: None,
                    depth: v,
                    center_hz: v,
                    delay_ms: v,
                    feedback: v,
                    mix: v,
                    spread: v,
                });
                p.set_tempo(v as f64);
            },
        );
    }
}
