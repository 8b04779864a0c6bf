//! Issue 14, item 5: the engine delays every note by exactly `LATENCY_SAMPLES` output
//! samples (the decimator's delay), at 44.1, 48 and 96 kHz and at every block size, and
//! that latency is at most 64 samples at 48 kHz.
//!
//! A sine node started at phase 0 at sample `ON` must come out as
//! `sin(2π f (n − ON − latency) / sr)`; the test reads the delay from the phase of the
//! steady tone (a Hann-windowed DTFT at the measured frequency).

mod common;

use common::{render_events, sine_node, single, AbsEvent};
use wavecube_dsp::analysis::measure_tone;
use wavecube_dsp::synth::{AdsrParams, Engine, NoteEvent, LATENCY_SAMPLES};

const ON: u64 = 300;

/// The delay of the tone in `x` (started at phase 0 at sample `ON`), in samples, modulo
/// its period, wrapped to ±½ period around `expect`.
fn delay(x: &[f32], sr: f64, expect: f64) -> f64 {
    let f = measure_tone(&x[4800..], sr).unwrap().fundamental_hz;
    let w = std::f64::consts::TAU * f / sr;
    let (a, b) = (4800usize, x.len());
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (n, &v) in x.iter().enumerate().take(b).skip(a) {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * (n - a) as f64 / (b - a) as f64).cos();
        re += hann * v as f64 * (w * n as f64).cos();
        im -= hann * v as f64 * (w * n as f64).sin();
    }
    // x ≈ sin(w (n − n0)): the DTFT's angle is −w n0 − π/2.
    let n0 = -(im.atan2(re) + std::f64::consts::FRAC_PI_2) / w;
    let period = sr / f;
    let d = n0 - ON as f64;
    d - ((d - expect) / period).round() * period
}

#[test]
fn latency_is_fixed_and_reported() {
    const { assert!(LATENCY_SAMPLES <= 64) };
    let set = single(sine_node(2048, 0.5));
    for sr in [44_100.0f32, 48_000.0, 96_000.0] {
        for block in [1usize, 37, 64, 512, 8192] {
            let mut e = Engine::new(sr, block, set.clone());
            assert_eq!(e.latency_samples(), LATENCY_SAMPLES);
            e.params_mut().amp_env = AdsrParams {
                attack_ms: 1.0,
                decay_ms: 1.0,
                sustain: 1.0,
                release_ms: 5.0,
            };
            let events = [AbsEvent {
                at: ON,
                event: NoteEvent::NoteOn {
                    note: 69,
                    velocity: 1.0,
                },
            }];
            let (l, _) = render_events(&mut e, &events, 24_000, block, |_, _| {});
            let d = delay(&l, sr as f64, LATENCY_SAMPLES as f64);
            assert!(
                (d - LATENCY_SAMPLES as f64).abs() < 0.01,
                "{sr} Hz, blocks of {block}: delay {d} samples"
            );
        }
    }
}
