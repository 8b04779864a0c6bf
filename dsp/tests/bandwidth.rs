//! Issue 14, items 1 and 2: a full-band 2048-sample saw node played at every note from 24
//! to 108 keeps every harmonic below 19 kHz (44.1 and 48 kHz) or 20 kHz (96 kHz) within
//! 1 dB of its level in the node, and its inharmonic energy stays at most −100 dB below
//! 18 kHz and −90 dB over the whole band, relative to the harmonics.
//!
//! Each note is a 0.6 s render analysed over 0.5 s with the Kaiser (β = 20) window of
//! `wavecube_dsp::analysis`: harmonic levels by the exact windowed DTFT at `h · f0`, and
//! the spurious energy from the power spectrum, everything more than 8 bins from a
//! harmonic counting as spurious.

mod common;

use common::{render_notes, saw_node, single, Note};
use wavecube_dsp::analysis::{measure_tone, WindowedSegment, HARMONIC_HALF_WIDTH_BINS};
use wavecube_dsp::synth::{AdsrParams, Engine};

/// What one note measured.
struct NoteReport {
    /// Worst |level − node level| over the harmonics below the band edge, dB.
    worst_db: f64,
    /// The harmonic where that was.
    worst_h: usize,
    /// Spurious / harmonic energy below 18 kHz, dB.
    spurious_18k_db: f64,
    /// Spurious / harmonic energy over the whole band, dB.
    spurious_db: f64,
}

fn measure(sr: f32, note: u8, band_hz: f64) -> NoteReport {
    let set = single(saw_node(2048));
    let mut e = Engine::new(sr, 512, set);
    e.params_mut().amp_env = AdsrParams {
        attack_ms: 1.0,
        decay_ms: 1.0,
        sustain: 1.0,
        release_ms: 5.0,
    };
    let (l, _) = render_notes(
        &mut e,
        &[Note {
            note,
            start_s: 0.0,
            dur_s: 2.0,
            velocity: 1.0,
        }],
        0.6,
        512,
    );
    let x = &l[(0.1 * sr) as usize..];
    let f0 = measure_tone(x, sr as f64).unwrap().fundamental_hz;
    let seg = WindowedSegment::new(x, sr as f64).unwrap();
    // The saw node's harmonic h has amplitude 1/h of its fundamental.
    let a1 = seg.dtft_amplitude(f0);
    let mut worst = (0.0f64, 1usize);
    let mut h = 2;
    while h as f64 * f0 < band_hz {
        let got = seg.dtft_amplitude(h as f64 * f0) / a1;
        let err = 20.0 * (got * h as f64).log10();
        if err.abs() > worst.0.abs() {
            worst = (err, h);
        }
        h += 1;
    }
    // Spurious energy: the power spectrum outside ±8 bins of every harmonic (and DC).
    let power = seg.power_spectrum();
    let bin = seg.bin_hz();
    let (mut harm, mut spur, mut spur_18k) = (0.0f64, 0.0f64, 0.0f64);
    for (k, &p) in power.iter().enumerate() {
        let f = k as f64 * bin;
        let nearest = (f / f0).round();
        let is_harm = nearest >= 0.0 && (f - nearest * f0).abs() <= HARMONIC_HALF_WIDTH_BINS * bin;
        if nearest == 0.0 && is_harm {
            continue;
        }
        if is_harm {
            harm += p;
        } else {
            spur += p;
            if f < 18_000.0 {
                spur_18k += p;
            }
        }
    }
    let db = |s: f64| 10.0 * (s.max(1e-300) / harm).log10();
    NoteReport {
        worst_db: worst.0,
        worst_h: worst.1,
        spurious_18k_db: db(spur_18k),
        spurious_db: db(spur),
    }
}

fn check_rate(sr: f32, band_hz: f64, alias_bounds: bool) {
    let mut worst_bw = (0.0f64, 0u8);
    let mut worst_sp = (f64::MIN, 0u8);
    let mut worst_sp18 = (f64::MIN, 0u8);
    for note in 24u8..=108 {
        let r = measure(sr, note, band_hz);
        if r.worst_db.abs() > worst_bw.0.abs() {
            worst_bw = (r.worst_db, note);
        }
        if r.spurious_db > worst_sp.0 {
            worst_sp = (r.spurious_db, note);
        }
        if r.spurious_18k_db > worst_sp18.0 {
            worst_sp18 = (r.spurious_18k_db, note);
        }
        assert!(
            r.worst_db.abs() <= 1.0,
            "{sr} Hz note {note}: harmonic {} is {:+.2} dB off the node",
            r.worst_h,
            r.worst_db
        );
        if alias_bounds {
            assert!(
                r.spurious_18k_db <= -100.0,
                "{sr} Hz note {note}: spurious below 18 kHz {:.1} dB",
                r.spurious_18k_db
            );
            assert!(
                r.spurious_db <= -90.0,
                "{sr} Hz note {note}: spurious {:.1} dB",
                r.spurious_db
            );
        }
    }
    println!(
        "{sr} Hz: worst harmonic below {band_hz} Hz {:+.3} dB (note {}); spurious below 18 kHz \
         {:.1} dB (note {}); whole band {:.1} dB (note {})",
        worst_bw.0, worst_bw.1, worst_sp18.0, worst_sp18.1, worst_sp.0, worst_sp.1
    );
}

#[test]
fn full_band_and_alias_free_at_44k1() {
    check_rate(44_100.0, 19_000.0, true);
}

#[test]
fn full_band_and_alias_free_at_48k() {
    check_rate(48_000.0, 19_000.0, true);
}

#[test]
fn full_band_at_96k() {
    check_rate(96_000.0, 20_000.0, true);
}
