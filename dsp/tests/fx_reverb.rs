//! The reverb: the common effect contract, the RT60 measured from impulse responses
//! (Schroeder backward integration, fit from −5 to −35 dB) against the set decay, the late
//! spectrum's smoothness (no mode ringing above the decay curve) and stability at the
//! settings' extremes.

mod fx_support;

use fx_support::{check_contract, impulse, noise, run};
use realfft::RealFftPlanner;
use wavecube_dsp::fx::eq::{CutBand, CutSlope, Eq, EqSettings};
use wavecube_dsp::fx::reverb::{Reverb, ReverbSettings};
use wavecube_dsp::fx::Effect;

#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn make(sr: f32) -> Reverb {
    let mut r = Reverb::new(sr);
    r.set_settings(ReverbSettings {
        mix: 0.5,
        ..Default::default()
    });
    r.reset();
    r
}

fn extreme(r: &mut Reverb, v: f32) {
    r.set_settings(ReverbSettings {
        size: v,
        decay_s: v,
        predelay_ms: v,
        damping: v,
        width: v,
        mix: v,
    });
}

#[test]
fn reverb_meets_the_effect_contract() {
    check_contract("reverb", make, extreme);
}

/// The wet impulse response (left, right) of `settings` (mix forced to 1), `secs` long.
fn impulse_response(settings: ReverbSettings, sr: f32, secs: f32) -> (Vec<f32>, Vec<f32>) {
    let mut r = Reverb::new(sr);
    r.set_settings(ReverbSettings {
        mix: 1.0,
        ..settings
    });
    r.reset();
    let imp = impulse((sr * secs) as usize);
    run(&mut r, &imp, &imp, 512)
}

/// RT60 in seconds by Schroeder backward integration of `l² + r²`, with a least-squares
/// line fitted to the energy decay curve between −5 and −35 dB.
fn rt60(l: &[f32], r: &[f32], sr: f32) -> f64 {
    let mut edc: Vec<f64> = l
        .iter()
        .zip(r)
        .map(|(&a, &b)| (a as f64).powi(2) + (b as f64).powi(2))
        .collect();
    for i in (0..edc.len() - 1).rev() {
        edc[i] += edc[i + 1];
    }
    let total = edc[0];
    let (mut n, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &e) in edc.iter().enumerate() {
        let d = 10.0 * (e / total).log10();
        if (-35.0..=-5.0).contains(&d) {
            let t = i as f64 / sr as f64;
            n += 1.0;
            sx += t;
            sy += d;
            sxx += t * t;
            sxy += t * d;
        }
    }
    assert!(n > 100.0, "the decay curve never spans −5..−35 dB");
    let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    -60.0 / slope
}

#[test]
fn rt60_within_fifteen_percent_of_the_set_decay() {
    let cases = [
        (48_000.0, 0.5, 0.3),
        (48_000.0, 0.5, 1.0),
        (48_000.0, 0.5, 3.0),
        (48_000.0, 0.5, 10.0),
        (48_000.0, 0.0, 0.3),
        (48_000.0, 0.0, 3.0),
        (48_000.0, 1.0, 1.0),
        (48_000.0, 1.0, 10.0),
        (22_050.0, 0.5, 2.0),
        (192_000.0, 0.5, 1.0),
    ];
    for (sr, size, decay_s) in cases {
        let s = ReverbSettings {
            size,
            decay_s,
            damping: 0.0,
            predelay_ms: 0.0,
            ..Default::default()
        };
        let (l, r) = impulse_response(s, sr, (decay_s * 0.8 + 0.3).max(0.8));
        let t = rt60(&l, &r, sr);
        let err = (t - decay_s as f64).abs() / decay_s as f64;
        println!(
            "{sr} Hz, size {size}, decay {decay_s} s: RT60 {t:.3} s ({:.1} %)",
            err * 100.0
        );
        assert!(
            err <= 0.15,
            "size {size}, decay {decay_s} s at {sr} Hz: measured RT60 {t:.3} s"
        );
    }
}

/// `x` through a 48 dB/oct low-cut (`high == false`: a high-cut) at `freq_hz`.
fn band(x: &[f32], freq_hz: f32, low_cut: bool, sr: f32) -> Vec<f32> {
    let cut = CutBand {
        enabled: true,
        freq_hz,
        slope: CutSlope::Db48,
    };
    let mut s = EqSettings::default();
    if low_cut {
        s.low_cut = cut;
    } else {
        s.high_cut = cut;
    }
    let mut eq = Eq::new(sr);
    eq.set_settings(s);
    eq.reset();
    run(&mut eq, x, x, 1024).0
}

#[test]
fn damping_shortens_the_highs_and_keeps_the_lows_at_the_set_decay() {
    let sr = 48_000.0;
    for (decay_s, damping) in [(2.0f32, 0.5f32), (5.0, 1.0)] {
        let s = ReverbSettings {
            decay_s,
            damping,
            predelay_ms: 0.0,
            ..Default::default()
        };
        let (l, r) = impulse_response(s, sr, decay_s * 0.8 + 0.3);
        let (ll, lr) = (band(&l, 300.0, false, sr), band(&r, 300.0, false, sr));
        let low = rt60(&ll, &lr, sr);
        let (hl, hr) = (band(&l, 8000.0, true, sr), band(&r, 8000.0, true, sr));
        let high = rt60(&hl, &hr, sr);
        println!("decay {decay_s} s, damping {damping}: below 300 Hz {low:.3} s, above 8 kHz {high:.3} s");
        let err = (low - decay_s as f64).abs() / decay_s as f64;
        assert!(err <= 0.15, "low-band RT60 {low} s for decay {decay_s} s");
        assert!(
            high < 0.8 * low,
            "damping {damping}: high-band RT60 {high} s not shorter than {low} s"
        );
    }
}

/// How far (dB) the strongest bin of the late field's spectrum stands above its 1/3-octave
/// neighbourhood (without the bin's own main lobe). The late part of `l`, `r` (from `from_s` to `to_s` seconds) is made
/// stationary by undoing the set decay `decay_s`, then Welch-averaged (4096-point Hann
/// frames, half overlap, both channels) so that the random fluctuation of a diffuse field
/// averages out while a ringing mode, present in every frame, stays. Bins 100 Hz–16 kHz
/// (or 0.4 × the rate).
fn worst_mode_db(l: &[f32], r: &[f32], sr: f32, decay_s: f32, from_s: f32, to_s: f32) -> f64 {
    const N: usize = 4096;
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(N);
    let window: Vec<f64> = (0..N)
        .map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / N as f64).cos())
        .collect();
    let mut power = vec![0.0f64; N / 2 + 1];
    let (a, b) = ((from_s * sr) as usize, (to_s * sr) as usize);
    let undo = |i: usize| 10f64.powf(3.0 * i as f64 / (sr as f64 * decay_s as f64));
    let mut start = a;
    let mut frames = 0;
    while start + N <= b {
        for ch in [l, r] {
            let mut buf: Vec<f64> = (0..N)
                .map(|k| ch[start + k] as f64 * undo(start + k) * window[k])
                .collect();
            let mut spec = fft.make_output_vec();
            fft.process(&mut buf, &mut spec).unwrap();
            for (p, c) in power.iter_mut().zip(&spec) {
                *p += c.norm_sqr();
            }
        }
        frames += 1;
        start += N / 2;
    }
    assert!(
        frames >= 8,
        "too few frames ({frames}) for a stable average"
    );
    let bin_hz = sr as f64 / N as f64;
    let mut prefix = vec![0.0f64; power.len() + 1];
    for (i, p) in power.iter().enumerate() {
        prefix[i + 1] = prefix[i] + p;
    }
    let top = (16_000.0f64).min(0.4 * sr as f64);
    let mut worst = f64::NEG_INFINITY;
    for k in (100.0 / bin_hz) as usize..(top / bin_hz) as usize {
        let f = k as f64 * bin_hz;
        let lo = ((f * 2f64.powf(-1.0 / 6.0) / bin_hz) as usize).min(k - 1);
        let hi = ((f * 2f64.powf(1.0 / 6.0) / bin_hz) as usize + 1).max(k + 2);
        // The neighbourhood without the bin's own main lobe (±2 bins), so that the score is
        // the peak over the diffuse field around it.
        let own = prefix[k + 3] - prefix[k - 2];
        let env = (prefix[hi.max(k + 8)] - prefix[lo.min(k - 5)] - own)
            / (hi.max(k + 8) - lo.min(k - 5) - 5) as f64;
        worst = worst.max(10.0 * (power[k] / env).log10());
    }
    worst
}

#[test]
fn the_mode_detector_flags_a_ringing_mode() {
    // A diffuse tail (decaying noise) passes; the same tail with one decaying sine 15 dB over
    // the tail's spectrum fails. Keeps the smoothness test able to fail.
    let sr = 48_000.0;
    let decay = 3.0;
    let len = (sr * 2.0) as usize;
    let env = |i: usize| 10f32.powf(-3.0 * i as f32 / (sr * decay));
    let nl = noise(len, 11);
    let nr = noise(len, 12);
    let l: Vec<f32> = nl.iter().enumerate().map(|(i, v)| v * env(i)).collect();
    let r: Vec<f32> = nr.iter().enumerate().map(|(i, v)| v * env(i)).collect();
    let clean = worst_mode_db(&l, &r, sr, decay, 0.5, 1.9);
    assert!(clean < 6.0, "diffuse noise scores {clean} dB");
    // A sine whose peak bin holds 15 dB more than the noise's mean bin power: with a Hann
    // frame the noise (variance 1/3) puts N/8 in a bin, the sine A²N²/16, so A² = 2·10^1.5/N.
    let amp = (2.0 * 10f32.powf(1.5) / 4096.0).sqrt();
    let ring = |x: &[f32]| -> Vec<f32> {
        x.iter()
            .enumerate()
            .map(|(i, v)| v + amp * env(i) * (std::f32::consts::TAU * 1234.5 * i as f32 / sr).sin())
            .collect()
    };
    let rung = worst_mode_db(&ring(&l), &ring(&r), sr, decay, 0.5, 1.9);
    println!("mode detector: diffuse {clean:.2} dB, with a mode {rung:.2} dB");
    assert!(rung > 10.0, "a ringing mode scores only {rung} dB");
}

#[test]
fn late_decay_has_no_mode_ringing_ten_db_over_the_curve() {
    let sr = 48_000.0;
    for (size, decay_s, damping) in [
        (0.0, 3.0, 0.0),
        (0.0, 10.0, 0.0),
        (0.5, 3.0, 0.0),
        (0.5, 10.0, 0.3),
        (1.0, 10.0, 0.0),
        (1.0, 30.0, 0.0),
        (0.3, 1.0, 0.0),
    ] {
        let s = ReverbSettings {
            size,
            decay_s,
            damping,
            predelay_ms: 0.0,
            ..Default::default()
        };
        // The late field: from 15 dB down to (at most) 3 s later.
        let from = 0.25 * decay_s;
        let to = from + (0.4 * decay_s).clamp(1.0, 3.0);
        let (l, r) = impulse_response(s, sr, to + 0.01);
        let worst = worst_mode_db(&l, &r, sr, decay_s, from, to);
        println!("size {size}, decay {decay_s} s, damping {damping}: worst mode {worst:.2} dB");
        assert!(
            worst <= 10.0,
            "size {size}, decay {decay_s} s: a mode rings {worst:.2} dB over the decay curve"
        );
    }
}

#[test]
fn stable_with_bounded_energy_at_every_extreme() {
    for sr in [22_050.0f32, 192_000.0] {
        for size in [0.0, 1.0] {
            for decay_s in [0.1, 30.0] {
                for damping in [0.0, 1.0] {
                    let mut rv = Reverb::new(sr);
                    rv.set_settings(ReverbSettings {
                        size,
                        decay_s,
                        damping,
                        predelay_ms: 250.0,
                        width: 1.0,
                        mix: 1.0,
                    });
                    rv.reset();
                    let burst = (sr * 0.2) as usize;
                    let len = (sr * 2.0) as usize;
                    let mut l = noise(len, 21);
                    let mut r = noise(len, 22);
                    l[burst..].iter_mut().for_each(|v| *v = 0.0);
                    r[burst..].iter_mut().for_each(|v| *v = 0.0);
                    let (ol, or) = run(&mut rv, &l, &r, 256);
                    fx_support::assert_finite_bounded("reverb left", &ol);
                    fx_support::assert_finite_bounded("reverb right", &or);
                    // The energy after the burst never grows: the last 0.4 s hold no more
                    // than the 0.4 s after the burst has gone through the pre-delay and the
                    // network has filled (from 0.6 s), with a 30 s decay losing 2.4 dB between.
                    let energy = |a: usize, b: usize| -> f64 {
                        (a..b)
                            .map(|i| (ol[i] as f64).powi(2) + (or[i] as f64).powi(2))
                            .sum()
                    };
                    let early = energy((sr * 0.6) as usize, (sr * 1.0) as usize);
                    let late = energy(len - (sr * 0.4) as usize, len);
                    assert!(
                        late <= early + 1e-30,
                        "size {size}, decay {decay_s}, damping {damping} at {sr} Hz: \
                         energy grows {early} → {late}"
                    );
                }
            }
        }
    }
}
