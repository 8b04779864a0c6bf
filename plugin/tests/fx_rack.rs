//! The effects rack inside the plugin: every effect on at once under nice-plug's allocation
//! checker, with the order changed and slots switched mid-stream at irregular block sizes;
//! the latency the host is told follows the effects that add one; tempo-synced effects follow
//! the host's transport; the order is state and reaches the audio thread.

mod common;

use common::{note_off, note_on, peak, Host, ENGINE_LATENCY, MAX_BLOCK, SR};
use nice_plug::prelude::*;
use wavecube_dsp::fx::compressor::Compressor;
use wavecube_dsp::fx::distortion::Distortion;
use wavecube_dsp::fx::rack::FxKind;
use wavecube_dsp::fx::Effect;
use wavecube_dsp::patch::fx_ranges::{fx_settings_of, FX_SETTINGS};

/// Every slot's switch and every EQ band's, on.
fn all_on() -> Vec<(&'static str, f32)> {
    FX_SETTINGS
        .iter()
        .filter(|s| s.setting.path.ends_with(".enabled"))
        .map(|s| (s.setting.id, 1.0))
        .collect()
}

#[test]
fn every_effect_on_plays_without_allocating_and_stays_bounded() {
    let mut settings = all_on();
    settings.extend([
        ("fx_dist_drive", 30.0),
        ("fx_eq_p2_gain", 24.0),
        ("fx_cmp_makeup", 24.0),
        ("fx_cmp_look", 5.0),
        ("fx_dly_fb", 95.0),
        ("fx_dly_sync", 16.0),
    ]);
    let mut host = Host::new(&settings);
    let mut rng = 0x1234_5678_u64;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let mut played = 0;
    let mut order = FxKind::ALL;
    for round in 0..60_i32 {
        let n = 1 + next(MAX_BLOCK);
        let events = match round % 6 {
            0 => vec![note_on(0, round, 48 + next(24) as u8, 1.0)],
            3 => vec![note_off(n as u32 / 2, round - 3, 60)],
            _ => Vec::new(),
        };
        if round % 7 == 2 {
            // The editor reorders (state, not a parameter): a random swap.
            order.swap(next(9), next(9));
            assert!(host.plugin.wavecube_params().fx_order.set(order));
        }
        if round % 5 == 4 {
            // A slot switched off or on again (the rack crossfades).
            let kind = FxKind::ALL[next(9)];
            let switch = fx_settings_of(kind).next().unwrap().setting.id;
            host.set(switch, (round % 2) as f32);
        }
        host.block(n, &events);
        played += n;
    }
    assert_eq!(host.violations, 0, "the plugin allocated while processing");
    let out = &host.out;
    assert!(out[0].iter().chain(&out[1]).all(|x| x.is_finite()));
    let level = peak(&out[0]).max(peak(&out[1]));
    assert!(level > 1e-3, "silent");
    // The instrument's output safety clip holds whatever the effects boost.
    assert!(level <= 4.0, "peak {level}");
    println!("{played} samples, every effect on, peak {level:.3}");
}

#[test]
fn the_latency_follows_the_effects_that_add_one() {
    let mut host = Host::new(&[]);
    assert_eq!(
        host.latency, ENGINE_LATENCY,
        "no effect adds a delay by default"
    );
    let distortion = Distortion::new(SR).latency_samples();
    assert!(distortion > 0);
    // CLAP: the plugin asks for a restart from `process` and reports at activation.
    host.set("fx_dist_on", 1.0);
    host.run(256, 256);
    assert_eq!(host.ctx.restarts.get(), 1, "one restart asked");
    assert_eq!(host.activate(SR), ENGINE_LATENCY + distortion);
    // A look-ahead compressor adds its look-ahead.
    host.set("fx_cmp_on", 1.0);
    host.set("fx_cmp_look", 5.0);
    host.run(256, 256);
    let mut compressor = Compressor::new(SR);
    let mut settings = compressor.settings();
    settings.lookahead_ms = 5.0;
    compressor.set_settings(settings);
    let look = compressor.latency_samples();
    assert_eq!(look, (0.005 * SR).round() as u32);
    assert_eq!(host.activate(SR), ENGINE_LATENCY + distortion + look);
    // Off again: back to the engine's own delay.
    host.set("fx_dist_on", 0.0);
    host.set("fx_cmp_on", 0.0);
    host.run(256, 256);
    assert_eq!(host.activate(SR), ENGINE_LATENCY);
}

/// The first sample of `x` above `threshold`.
fn onset(x: &[f32], threshold: f32) -> usize {
    x.iter().position(|v| v.abs() > threshold).expect("sound")
}

#[test]
fn a_synced_delay_follows_the_host_tempo() {
    // Wet only, no feedback: the output is the note delayed by a quarter note at 90 BPM.
    let render = |delay: bool| {
        let mut settings = vec![("amp_atk", 0.0), ("amp_rel", 5.0)];
        if delay {
            settings.extend([
                ("fx_dly_on", 1.0),
                ("fx_dly_mix", 100.0),
                ("fx_dly_fb", 0.0),
                ("fx_dly_sync", 13.0), // 1/4
                ("fx_dly_lowcut", 20.0),
                ("fx_dly_highcut", 20_000.0),
            ]);
        }
        let mut host = Host::new(&settings);
        host.set_tempo(90.0);
        host.block(512, &[note_on(0, 1, 60, 1.0)]);
        host.block(512, &[note_off(256, 1, 60)]);
        host.run(48_000, 512);
        host.out[0].clone()
    };
    let dry = render(false);
    let wet = render(true);
    let threshold = 1e-3 * peak(&dry);
    let lag = onset(&wet, threshold) as f64 - onset(&dry, threshold) as f64;
    let quarter_at_90 = 60.0 / 90.0 * f64::from(SR);
    println!("echo after {lag} samples; a quarter note at 90 BPM is {quarter_at_90}");
    // Within 1 ms (the loop's filters smear the onset a little); 120 BPM would be 8000 off.
    assert!((lag - quarter_at_90).abs() <= 48.0, "lag {lag}");
}

#[test]
fn the_order_is_state_and_reaches_the_sound() {
    // Distortion then reverb, or reverb then distortion: different sounds.
    let render = |order: [FxKind; 9]| {
        let settings = [
            ("fx_dist_on", 1.0),
            ("fx_dist_drive", 30.0),
            ("fx_rev_on", 1.0),
            ("fx_rev_mix", 50.0),
        ];
        let mut host = Host::new_with(&settings, |plugin| {
            assert!(plugin.wavecube_params().fx_order.set(order));
        });
        host.block(512, &[note_on(0, 1, 57, 1.0)]);
        host.run(24_000, 512);
        host.out[0].clone()
    };
    let mut swapped = FxKind::ALL;
    let (d, r) = (FxKind::Distortion.index(), FxKind::Reverb.index());
    swapped.swap(d, r);
    let a = render(FxKind::ALL);
    let b = render(swapped);
    let diff = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(diff > 1e-2, "the order changed nothing ({diff})");
    // The order is saved with the state and restored.
    let params = wavecube_plugin::params::WavecubeParams::default();
    assert!(params.fx_order.set(swapped));
    let fields = params.serialize_fields();
    assert!(
        fields["fx_order"].contains("\"reverb\""),
        "{}",
        fields["fx_order"]
    );
    let restored = wavecube_plugin::params::WavecubeParams::default();
    restored.deserialize_fields(&fields);
    assert_eq!(restored.fx_order.get(), swapped);
}
