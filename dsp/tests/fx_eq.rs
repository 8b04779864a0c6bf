//! The EQ: the common effect contract, and the measured magnitude response of the running
//! filter against its analytic design (`Eq::magnitude_db`) and against the design's intent.

mod fx_support;

use fx_support::{check_contract, impulse, run};
use wavecube_dsp::fx::eq::{BellBand, CutBand, CutSlope, Eq, EqSettings};
use wavecube_dsp::fx::Effect;

#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

/// A sound designer's setting with every band on: a 48 dB/oct rumble cut, a warm low
/// shelf, a narrow cut, a presence bell, a wide dip, an air shelf and a 24 dB/oct high-cut.
fn busy() -> EqSettings {
    EqSettings {
        low_cut: CutBand {
            enabled: true,
            freq_hz: 35.0,
            slope: CutSlope::Db48,
        },
        low_shelf: BellBand {
            enabled: true,
            freq_hz: 150.0,
            gain_db: 4.5,
            q: 0.7,
        },
        peaks: [
            BellBand {
                enabled: true,
                freq_hz: 420.0,
                gain_db: -9.0,
                q: 6.0,
            },
            BellBand {
                enabled: true,
                freq_hz: 2500.0,
                gain_db: 6.0,
                q: 1.4,
            },
            BellBand {
                enabled: true,
                freq_hz: 6000.0,
                gain_db: -3.0,
                q: 0.5,
            },
        ],
        high_shelf: BellBand {
            enabled: true,
            freq_hz: 10_000.0,
            gain_db: 3.0,
            q: 0.9,
        },
        high_cut: CutBand {
            enabled: true,
            freq_hz: 16_000.0,
            slope: CutSlope::Db24,
        },
    }
}

/// A setting at the ranges' edges: extreme gains, Q and frequencies.
fn edges() -> EqSettings {
    let mut s = busy();
    s.low_cut = CutBand {
        enabled: true,
        freq_hz: 20.0,
        slope: CutSlope::Db12,
    };
    s.low_shelf.gain_db = -24.0;
    s.low_shelf.freq_hz = 20.0;
    s.peaks[0] = BellBand {
        enabled: true,
        freq_hz: 60.0,
        gain_db: 24.0,
        q: 18.0,
    };
    s.peaks[1].q = 0.1;
    s.peaks[2].freq_hz = 20_000.0;
    s.high_shelf.gain_db = 24.0;
    s.high_cut.enabled = false;
    s
}

fn make(sr: f32) -> Eq {
    let mut e = Eq::new(sr);
    e.set_settings(busy());
    e.reset();
    e
}

fn extreme(e: &mut Eq, v: f32) {
    let cut = CutBand {
        enabled: true,
        freq_hz: v,
        slope: CutSlope::Db48,
    };
    let bell = BellBand {
        enabled: true,
        freq_hz: v,
        gain_db: v,
        q: v,
    };
    e.set_settings(EqSettings {
        low_cut: cut,
        low_shelf: bell,
        peaks: [bell; 3],
        high_shelf: bell,
        high_cut: cut,
    });
}

#[test]
fn eq_meets_the_effect_contract() {
    check_contract("eq", make, extreme);
}

/// The magnitude (dB) of the DTFT of `h` at `freq_hz` for `sr` Hz.
fn dtft_db(h: &[f32], freq_hz: f64, sr: f64) -> f64 {
    let w = std::f64::consts::TAU * freq_hz / sr;
    let (mut re, mut im) = (0.0f64, 0.0f64);
    // Rotate a phasor instead of calling sin/cos per sample (renormalised every 4096).
    let (cw, sw) = (w.cos(), -w.sin());
    let (mut c, mut s) = (1.0f64, 0.0f64);
    for (n, &x) in h.iter().enumerate() {
        re += x as f64 * c;
        im += x as f64 * s;
        let nc = c * cw - s * sw;
        s = s * cw + c * sw;
        c = nc;
        if n % 4096 == 4095 {
            let p = w * (n + 1) as f64;
            c = p.cos();
            s = -p.sin();
        }
    }
    10.0 * (re * re + im * im).max(1e-300).log10()
}

/// 100 log-spaced frequencies from 20 Hz to min(20 kHz, 0.45 × `sr`).
fn freqs(sr: f64) -> Vec<f64> {
    let hi = (20_000.0f64).min(0.45 * sr);
    (0..100)
        .map(|i| 20.0 * (hi / 20.0).powf(i as f64 / 99.0))
        .collect()
}

/// Measures the impulse response of `eq` (settled) and returns the worst deviation from
/// the analytic curve over the 100 frequencies, in dB, and the response there.
fn worst_deviation(eq: &mut Eq, settings: &EqSettings, sr: f32) -> (f64, f64, f64) {
    // 8 s: the narrowest band (a +24 dB, Q 18 bell at 60 Hz, whose poles ring with a Q of
    // 72) has decayed by 180 dB.
    let n = (sr * 8.0) as usize;
    let imp = impulse(n);
    let (h, _) = run(eq, &imp, &imp, 512);
    // The impulse response must have died out, or the truncation would bias the measure.
    let energy = |x: &[f32]| -> f64 { x.iter().map(|&v| (v as f64).powi(2)).sum() };
    let (tail, total) = (energy(&h[n - 1024..]), energy(&h));
    assert!(
        tail < 1e-14 * total,
        "impulse response still ringing: {tail} of {total}"
    );
    let mut worst = (0.0, 0.0, 0.0);
    for f in freqs(sr as f64) {
        let want = Eq::magnitude_db(settings, f as f32, sr) as f64;
        let got = dtft_db(&h, f, sr as f64);
        let d = (got - want).abs();
        if d > worst.0 {
            worst = (d, f, want);
        }
    }
    worst
}

#[test]
fn measured_response_is_within_a_tenth_of_a_db_of_the_design() {
    for sr in [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0] {
        for (name, s) in [("busy", busy()), ("edges", edges())] {
            let mut eq = Eq::new(sr);
            eq.set_settings(s);
            eq.reset();
            let (d, f, want) = worst_deviation(&mut eq, &s, sr);
            println!("{name} at {sr} Hz: worst {d:.5} dB at {f:.1} Hz (design {want:.2} dB)");
            assert!(
                d <= 0.1,
                "{name} at {sr} Hz: measured response {d} dB off the design at {f} Hz"
            );
        }
    }
}

#[test]
fn smoothed_changes_settle_on_the_new_design() {
    let sr = 48_000.0;
    let mut eq = Eq::new(sr);
    eq.set_settings(edges());
    eq.reset();
    // Noise through the old setting, then the new setting glides in over silence.
    let noise = fx_support::noise(4800, 9);
    run(&mut eq, &noise, &noise, 64);
    eq.set_settings(busy());
    let silence = vec![0.0; 48_000];
    run(&mut eq, &silence, &silence, 64);
    let (d, f, _) = worst_deviation(&mut eq, &busy(), sr);
    assert!(d <= 0.1, "after a glide: {d} dB off at {f} Hz");
}

#[test]
fn bands_switched_off_pass_the_signal_unchanged() {
    let sr = 48_000.0;
    let mut s = busy();
    s.low_cut.enabled = false;
    s.low_shelf.enabled = false;
    s.peaks.iter_mut().for_each(|p| p.enabled = false);
    s.high_shelf.enabled = false;
    s.high_cut.enabled = false;
    let mut eq = Eq::new(sr);
    eq.set_settings(s);
    eq.reset();
    let x = fx_support::noise(10_000, 4);
    let (y, _) = run(&mut eq, &x, &x, 100);
    assert_eq!(x, y);
    for f in freqs(sr as f64) {
        assert_eq!(Eq::magnitude_db(&s, f as f32, sr), 0.0);
    }
}

#[test]
fn the_design_meets_its_intent() {
    let sr = 48_000.0;
    let off = {
        let mut s = busy();
        s.low_cut.enabled = false;
        s.low_shelf.enabled = false;
        s.peaks.iter_mut().for_each(|p| p.enabled = false);
        s.high_shelf.enabled = false;
        s.high_cut.enabled = false;
        s
    };
    // A bell reaches its gain at its centre.
    for (f, g, q) in [(100.0, 12.0, 2.0), (1000.0, -18.0, 0.5), (8000.0, 6.0, 8.0)] {
        let mut s = off;
        s.peaks[1] = BellBand {
            enabled: true,
            freq_hz: f,
            gain_db: g,
            q,
        };
        let m = Eq::magnitude_db(&s, f, sr);
        assert!((m - g).abs() < 0.01, "bell {f} Hz {g} dB: {m}");
    }
    // Shelves reach their gain far from the corner and half of it at the corner.
    let mut s = off;
    s.low_shelf = BellBand {
        enabled: true,
        freq_hz: 200.0,
        gain_db: -10.0,
        q: std::f32::consts::FRAC_1_SQRT_2,
    };
    assert!((Eq::magnitude_db(&s, 10.0, sr) + 10.0).abs() < 0.05);
    assert!((Eq::magnitude_db(&s, 200.0, sr) + 5.0).abs() < 0.01);
    assert!(Eq::magnitude_db(&s, 10_000.0, sr).abs() < 0.05);
    // Cuts: −3.01 dB at the corner for every slope, and 12/24/48 dB per octave beyond.
    for (slope, per_oct) in [
        (CutSlope::Db12, 12.0),
        (CutSlope::Db24, 24.0),
        (CutSlope::Db48, 48.0),
    ] {
        let mut s = off;
        s.low_cut = CutBand {
            enabled: true,
            freq_hz: 1000.0,
            slope,
        };
        let corner = Eq::magnitude_db(&s, 1000.0, sr);
        assert!((corner + 3.01).abs() < 0.01, "{slope:?}: {corner}");
        let octave = Eq::magnitude_db(&s, 125.0, sr) - Eq::magnitude_db(&s, 250.0, sr);
        assert!((octave + per_oct).abs() < 0.5, "{slope:?}: {octave} dB/oct");
    }
}
