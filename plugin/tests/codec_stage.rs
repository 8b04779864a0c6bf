//! The codec stage through the plugin's `process`: it sits after the filter and before master
//! gain, its output is the dry render delayed by one block plus the codec's error, it reports
//! its latency, and its live SQNR telemetry agrees with the dsp stage measured alone.

mod common;

use std::sync::atomic::Ordering;

use common::{max_diff, note_on, Host, ENGINE_LATENCY, SR};
use wavecube_dsp::codec::tqa::{TqaConfig, TqaStage};

/// A three-note chord, held for `seconds`, rendered in host blocks of 256 samples.
fn chord(host: &mut Host, seconds: f32) -> [Vec<f32>; 2] {
    let notes = [
        note_on(0, 1, 57, 0.8),
        note_on(0, 2, 64, 0.7),
        note_on(0, 3, 69, 0.6),
    ];
    host.block(256, &notes);
    host.run((seconds * SR) as usize - 256, 256);
    assert_eq!(host.violations, 0, "process allocated");
    host.out.clone()
}

/// SQNR of `test` against `reference`, both channels pooled, dB.
fn sqnr_db(reference: &[Vec<f32>; 2], test: &[Vec<f32>; 2]) -> f64 {
    let (mut s, mut e) = (0.0_f64, 0.0_f64);
    for (r, t) in reference.iter().zip(test) {
        for (&a, &b) in r.iter().zip(t) {
            s += f64::from(a) * f64::from(a);
            e += f64::from(a - b) * f64::from(a - b);
        }
    }
    10.0 * (s / e).log10()
}

/// The plugin's live SQNR after a chord at `bits`, the dsp stage's own measure of the dry
/// render, and the plugin's output against the dsp stage's output (max difference).
fn telemetry_at(bits: u8) -> (f32, f64, f32) {
    let seconds = 1.5;
    let dry = chord(&mut Host::new(&[]), seconds);
    let mut wet_host = Host::new(&[("tqa_on", 1.0), ("tqa_bits", f32::from(bits))]);
    let telemetry = wet_host.plugin.codec_sqnr_db();
    assert!(
        telemetry.load(Ordering::Relaxed).is_infinite(),
        "nothing measured yet reads +inf"
    );
    let wet = chord(&mut wet_host, seconds);
    let live = telemetry.load(Ordering::Relaxed);

    // The same dry render through the dsp stage alone, in the same host blocks.
    let config = TqaConfig {
        bits,
        ..TqaConfig::default()
    };
    let mut stage = TqaStage::new(&config, 2).unwrap();
    let mut alone = dry.clone();
    let [l, r] = &mut alone;
    for (l, r) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
        stage.process(&mut [l, r], 1.0);
    }
    let d = max_diff(&wet[0], &alone[0]).max(max_diff(&wet[1], &alone[1]));
    (live, stage.sqnr_db(), d)
}

#[test]
fn live_sqnr_matches_the_dsp_stage_and_grows_with_bits() {
    let (live4, alone4, d4) = telemetry_at(4);
    let (live8, alone8, d8) = telemetry_at(8);
    println!(
        "4 bits: telemetry {live4:.2} dB, dsp stage alone {alone4:.2} dB, output vs stage alone \
         {d4:.1e}; 8 bits: telemetry {live8:.2} dB, alone {alone8:.2} dB, {d8:.1e}"
    );
    assert!(live4.is_finite() && live8.is_finite());
    // At 0 dB master gain the plugin's stage sees exactly the dry render: same numbers.
    assert!(
        (f64::from(live4) - alone4).abs() < 0.5,
        "{live4} vs {alone4}"
    );
    assert!(
        (f64::from(live8) - alone8).abs() < 0.5,
        "{live8} vs {alone8}"
    );
    assert!(
        d4 < 1e-6 && d8 < 1e-6,
        "the plugin's output is the stage's output"
    );
    assert!(
        live8 - live4 >= 15.0,
        "8 bits {live8} dB vs 4 bits {live4} dB"
    );
}

#[test]
fn master_gain_follows_the_stage_and_the_delay_is_one_block() {
    // Mix 0: the stage passes the dry signal delayed by its block; master gain −6 dB is
    // applied after it, exactly as the engine applies it without the stage.
    let seconds = 1.0;
    for block_log2 in [6_u32, 9, 12] {
        let block = 1_usize << block_log2;
        let settings = [("gain", -6.0), ("tqa_block", block_log2 as f32)];
        let plain = chord(&mut Host::new(&settings), seconds);
        let mut host =
            Host::new(&[settings.as_slice(), &[("tqa_on", 1.0), ("tqa_mix", 0.0)]].concat());
        assert_eq!(
            host.latency,
            ENGINE_LATENCY + block as u32,
            "latency reported at activation"
        );
        let delayed = chord(&mut host, seconds);
        let n = plain[0].len();
        let mut worst = 0.0_f32;
        for c in 0..2 {
            assert!(delayed[c][..block].iter().all(|&x| x == 0.0));
            worst = worst.max(max_diff(&delayed[c][block..], &plain[c][..n - block]));
        }
        println!(
            "block {block}: mix 0 vs the plain render delayed by {block}: max diff {worst:.1e}"
        );
        assert!(worst < 1e-6, "block {block}: {worst}");
    }
}

#[test]
fn the_coded_render_is_the_dry_render_delayed_plus_codec_error() {
    let seconds = 1.5;
    let dry = chord(&mut Host::new(&[]), seconds);
    let wet = chord(&mut Host::new(&[("tqa_on", 1.0)]), seconds);
    let n = dry[0].len();
    let aligned = [wet[0][512..].to_vec(), wet[1][512..].to_vec()];
    let reference = [dry[0][..n - 512].to_vec(), dry[1][..n - 512].to_vec()];
    let s = sqnr_db(&reference, &aligned);
    println!("6 bits, 512-sample blocks: SQNR of the output against the dry render delayed 512: {s:.2} dB");
    assert!(s >= 28.0, "{s}");
}

#[test]
fn latency_changes_wait_for_a_restart_and_are_reported_at_activation() {
    // CLAP allows the latency to change only inside `activate`: `process` never reports one;
    // it asks for a restart (once), and the stage keeps the latency the host knows until then.
    let mut host = Host::new(&[]);
    assert_eq!(
        host.latency, ENGINE_LATENCY,
        "off: the engine's latency only"
    );
    let telemetry = host.plugin.codec_sqnr_db();
    host.run(256, 256);
    assert!(telemetry.load(Ordering::Relaxed).is_nan(), "off reads NaN");
    host.set("tqa_on", 1.0);
    host.run(512, 256);
    assert_eq!(
        host.ctx.restarts.get(),
        1,
        "turning on asks for one restart"
    );
    assert_eq!(
        host.latency, ENGINE_LATENCY,
        "no latency report from process"
    );
    assert!(
        telemetry.load(Ordering::Relaxed).is_nan(),
        "the stage waits for the restart"
    );
    assert_eq!(
        host.activate(SR),
        ENGINE_LATENCY + 512,
        "reported at activation"
    );
    host.run(256, 256);
    assert!(!telemetry.load(Ordering::Relaxed).is_nan(), "on after it");

    host.set("tqa_block", 11.0);
    host.run(512, 256);
    assert_eq!(host.ctx.restarts.get(), 2);
    assert_eq!(
        host.latency,
        ENGINE_LATENCY + 512,
        "the old block until the restart"
    );
    assert_eq!(host.activate(SR), ENGINE_LATENCY + 2048);
    host.set("tqa_bits", 3.0);
    host.run(512, 256);
    assert_eq!(host.ctx.restarts.get(), 2, "bits do not change the latency");

    // Off: the stage passes the dry signal, still delayed by the latency the host knows.
    host.set("tqa_on", 0.0);
    host.run(512, 256);
    assert_eq!(host.ctx.restarts.get(), 3);
    assert!(
        telemetry.load(Ordering::Relaxed).is_nan(),
        "off reads NaN at once"
    );
    assert_eq!(host.activate(SR), ENGINE_LATENCY);
    host.run(256, 256);
    assert_eq!(host.ctx.restarts.get(), 3, "nothing more to ask");
    assert_eq!(host.violations, 0);
}

#[test]
fn switched_off_before_the_restart_the_output_is_the_dry_render_delayed() {
    // The same notes, once with the stage on at mix 0 (the dry signal delayed by one block)
    // and once switched off before they start but not yet restarted: the same samples.
    let seconds = 0.5;
    let settings = [("tqa_on", 1.0), ("tqa_mix", 0.0), ("tqa_bits", 3.0)];
    let mix0 = chord(&mut Host::new(&settings), seconds);
    let mut host = Host::new(&[("tqa_on", 1.0), ("tqa_bits", 3.0)]);
    host.set("tqa_on", 0.0);
    let draining = chord(&mut host, seconds);
    assert_eq!(host.ctx.restarts.get(), 1);
    let d = max_diff(&draining[0], &mix0[0]).max(max_diff(&draining[1], &mix0[1]));
    println!("switched off, before the restart, vs mix 0: max diff {d:.1e}");
    assert!(d < 1e-6, "{d}");
    assert_eq!(host.violations, 0);
}
