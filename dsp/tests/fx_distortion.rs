//! The distortion's objective tests: alias rejection at full drive in every shaping mode
//! (Kaiser-window spectrum of a 5 kHz sine at 48 kHz), the bit-crusher's bit depth (SNR per
//! bit) and sample-rate reduction (its images where a sample-and-hold puts them), the
//! reported latency, and the common effect contract.

mod fx_support;

#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

use fx_support::{check_contract, impulse, run};
use realfft::RealFftPlanner;
use wavecube_dsp::analysis::kaiser_window;
use wavecube_dsp::fx::distortion::{
    Distortion, DistortionMode, DistortionSettings, LATENCY_SAMPLES, MAX_DRIVE_DB,
};
use wavecube_dsp::fx::Effect;

const SR: f32 = 48_000.0;

/// A sine of `freq` Hz, `len` samples, peak `amp`, its phase kept in f64 (an f32 phase
/// jitters by ~1e-3 rad after a second, which alone is inharmonic energy near −60 dB).
fn sine(freq: f64, len: usize, amp: f64) -> Vec<f32> {
    (0..len)
        .map(|i| {
            let cycles = (freq * i as f64 / SR as f64).fract();
            (amp * (std::f64::consts::TAU * cycles).sin()) as f32
        })
        .collect()
}

fn make(s: DistortionSettings) -> Distortion {
    let mut d = Distortion::new(SR);
    d.set_settings(s);
    d.reset();
    d
}

/// The power spectrum (1 Hz bins) of one second (48 000 samples) under a Kaiser window,
/// β = 20 (side lobes near −150 dB, main lobe ±6.4 bins).
fn spectrum(x: &[f32]) -> Vec<f64> {
    let n = x.len();
    let w = kaiser_window(n, 20.0);
    let mut buf: Vec<f64> = x.iter().zip(&w).map(|(&v, &w)| v as f64 * w).collect();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut out = fft.make_output_vec();
    fft.process(&mut buf, &mut out).unwrap();
    out.iter().map(|c| c.norm_sqr()).collect()
}

/// Inharmonic energy relative to the harmonics of `f0`, in dB: bins within ±10 of a
/// multiple of `f0` (below Nyquist) are harmonic, bins below 10 Hz (DC) are excluded.
fn inharmonic_db(x: &[f32], f0: usize) -> f64 {
    let p = spectrum(x);
    let (mut harm, mut other) = (0.0, 0.0);
    for (bin, &v) in p.iter().enumerate().skip(10) {
        let k = (bin + f0 / 2) / f0;
        if k >= 1 && bin.abs_diff(k * f0) <= 10 {
            harm += v;
        } else {
            other += v;
        }
    }
    10.0 * (other / harm).log10()
}

#[test]
fn full_drive_aliasing_is_below_minus_80_db_in_every_shaping_mode() {
    let x = sine(5_000.0, 72_000, 1.0);
    for mode in [
        DistortionMode::SoftClip,
        DistortionMode::HardClip,
        DistortionMode::Fold,
    ] {
        let mut d = make(DistortionSettings {
            mode,
            drive_db: MAX_DRIVE_DB,
            tone_hz: 20_000.0,
            mix: 1.0,
            ..DistortionSettings::default()
        });
        let (l, r) = run(&mut d, &x, &x, 256);
        assert_eq!(l, r);
        let seg = &l[24_000..72_000];
        let db = inharmonic_db(seg, 5_000);
        println!("{mode:?}: inharmonic energy {db:.1} dB re harmonics");
        assert!(db <= -80.0, "{mode:?}: inharmonic energy {db:.1} dB");
        // It did distort: the 3rd harmonic is well above the floor.
        let p = spectrum(seg);
        let h3: f64 = p[14_990..15_010].iter().sum();
        let h1: f64 = p[4_990..5_010].iter().sum();
        if mode != DistortionMode::Fold {
            assert!(h3 / h1 > 1e-2, "{mode:?}: 3rd harmonic only {}", h3 / h1);
        }
    }
}

/// The SNR of a pure tone at `f0`: the power of the least-squares sinusoid at `f0` over the
/// residual's, in dB.
fn snr_db(x: &[f32], f0: f32) -> f64 {
    let (mut ss, mut sc, mut cc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let ph = std::f64::consts::TAU * f0 as f64 * i as f64 / SR as f64;
        let (s, c) = ph.sin_cos();
        ss += s * s;
        sc += s * c;
        cc += c * c;
        xs += v as f64 * s;
        xc += v as f64 * c;
    }
    let det = ss * cc - sc * sc;
    let a = (xs * cc - xc * sc) / det;
    let b = (xc * ss - xs * sc) / det;
    let (mut sig, mut res) = (0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let ph = std::f64::consts::TAU * f0 as f64 * i as f64 / SR as f64;
        let fit = a * ph.sin() + b * ph.cos();
        sig += fit * fit;
        res += (v as f64 - fit).powi(2);
    }
    10.0 * (sig / res).log10()
}

#[test]
fn bit_depth_gives_six_db_per_bit() {
    // Uniform quantisation of a near-full-scale tone: SNR = 6.02·b + 1.76 dB for a full-scale
    // sine, less 0.92 dB for the 0.9 peak, plus 0.76 dB because the oversampler keeps only
    // 0–20.2 kHz of the (white) error. Within 1.5 dB at 6, 8 and 12 bits.
    let x = sine(997.0, 48_000, 0.9);
    for bits in [6.0_f32, 8.0, 12.0] {
        let mut d = make(DistortionSettings {
            mode: DistortionMode::BitCrush,
            drive_db: 0.0,
            bits,
            crush_rate_hz: 192_000.0,
            tone_hz: 20_000.0,
            mix: 1.0,
        });
        let (l, _) = run(&mut d, &x, &x, 256);
        let got = snr_db(&l[4_800..], 997.0);
        let want = 6.02 * bits as f64 + 1.76 - 0.92 + 0.76;
        println!("{bits} bits: SNR {got:.2} dB (theory {want:.2})");
        assert!(
            (got - want).abs() < 1.5,
            "{bits} bits: SNR {got:.2} dB, theory {want:.2}"
        );
    }
}

#[test]
fn sample_rate_reduction_puts_images_where_a_sample_and_hold_does() {
    // Holding every 6th sample (8 kHz at 48 kHz) of a 1 kHz tone gives images at 8k ± 1k,
    // weighted by the 6-sample hold's response |sin(6πf/fs) / (6·sin(πf/fs))|.
    let x = sine(1_000.0, 72_000, 0.5);
    let mut d = make(DistortionSettings {
        mode: DistortionMode::BitCrush,
        drive_db: 0.0,
        bits: 16.0,
        crush_rate_hz: 8_000.0,
        tone_hz: 20_000.0,
        mix: 1.0,
    });
    let (l, _) = run(&mut d, &x, &x, 256);
    let p = spectrum(&l[24_000..72_000]);
    let band = |f: usize| p[f - 10..=f + 10].iter().sum::<f64>();
    let hold = |f: f64| {
        let w = std::f64::consts::PI * f / SR as f64;
        ((6.0 * w).sin() / (6.0 * w.sin())).abs()
    };
    for image in [7_000usize, 9_000, 15_000, 17_000] {
        let got = 10.0 * (band(image) / band(1_000)).log10();
        let want = 20.0 * (hold(image as f64) / hold(1_000.0)).log10();
        println!("image at {image} Hz: {got:.2} dB (sample-and-hold {want:.2})");
        assert!(
            (got - want).abs() < 0.5,
            "image at {image}: {got:.2} dB, want {want:.2}"
        );
    }
}

#[test]
fn latency_is_reported_and_dry_and_wet_line_up() {
    // A small impulse (the shaper is linear near 0) through a half-wet soft clip at 0 dB drive:
    // the output is one impulse at the reported latency, not a comb.
    let mut d = make(DistortionSettings {
        mode: DistortionMode::SoftClip,
        drive_db: 0.0,
        mix: 0.5,
        ..DistortionSettings::default()
    });
    assert_eq!(d.latency_samples(), LATENCY_SAMPLES);
    let x: Vec<f32> = impulse(1_024).iter().map(|v| v * 1e-3).collect();
    let (l, _) = run(&mut d, &x, &x, 64);
    let (peak_at, peak) =
        l.iter().enumerate().fold(
            (0, 0.0f32),
            |a, (i, &v)| if v.abs() > a.1 { (i, v.abs()) } else { a },
        );
    // Aligned, dry 1 and wet ≈ 0.92 (the oversampler's 0.46·fs band limit) add to one peak;
    // misaligned, they would be two peaks of at most 0.5e-3 each.
    assert_eq!(peak_at, LATENCY_SAMPLES as usize);
    assert!(peak > 0.9e-3, "peak {peak}");
}

#[test]
fn contract() {
    for mode in [
        DistortionMode::SoftClip,
        DistortionMode::HardClip,
        DistortionMode::Fold,
        DistortionMode::BitCrush,
    ] {
        check_contract(
            "distortion",
            |sr| {
                let mut d = Distortion::new(sr);
                d.set_settings(DistortionSettings {
                    mode,
                    drive_db: 24.0,
                    tone_hz: 5_000.0,
                    bits: 4.0,
                    crush_rate_hz: 6_000.0,
                    mix: 0.8,
                });
                d.reset();
                d
            },
            |d, v| {
                d.set_settings(DistortionSettings {
                    mode,
                    drive_db: v,
                    tone_hz: v,
                    bits: v,
                    crush_rate_hz: v,
                    mix: v,
                })
            },
        );
    }
}
