//! The rack's tests: the order is the order of processing (a rack of distortion then reverb
//! is exactly the two effects composed that way, and measurably not the other way), a slot
//! switched on or off crossfades without a click and then is exactly its effect, the dry path
//! of a partly-wet slot lines up with the effect's latency, the caller's codec and body
//! stages run at their slots, disabled slots pass the input bit for bit, the latency report,
//! and the common effect contract with every effect on.

mod fx_support;

#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

use fx_support::{check_contract, impulse, noise, run, sine};
use wavecube_dsp::fx::chorus::ChorusSettings;
use wavecube_dsp::fx::compressor::{CompressorSettings, Detection};
use wavecube_dsp::fx::delay::{Delay, DelayMode, DelaySettings};
use wavecube_dsp::fx::distortion::{
    Distortion, DistortionMode, DistortionSettings, LATENCY_SAMPLES,
};
use wavecube_dsp::fx::eq::{BellBand, CutBand, CutSlope, Eq, EqSettings};
use wavecube_dsp::fx::phaser::{PhaserMode, PhaserSettings};
use wavecube_dsp::fx::rack::{ExternalStage, FxKind, Rack, RackSettings, FADE_MS, SLOTS};
use wavecube_dsp::fx::reverb::{Reverb, ReverbSettings};
use wavecube_dsp::fx::Effect;

const SR: f32 = 48_000.0;

/// Every slot on, at settings a sound designer might use, in the default order.
fn all_on() -> RackSettings {
    let mut s = RackSettings::default();
    for k in FxKind::ALL {
        s.set_enabled(k, true);
    }
    s.distortion.settings.drive_db = 18.0;
    s.distortion.mix = 0.7;
    s.chorus.settings.voices = 4;
    s.phaser.settings.stages = 8;
    s.delay.settings.mode = DelayMode::PingPong;
    s.reverb.settings.decay_s = 2.5;
    s.eq.settings.peaks[1] = BellBand {
        enabled: true,
        freq_hz: 2_500.0,
        gain_db: 4.0,
        q: 1.0,
    };
    s.compressor.settings.lookahead_ms = 3.0;
    s.compressor.settings.detection = Detection::Rms;
    s
}

fn rack(settings: RackSettings, sr: f32) -> Rack {
    let mut r = Rack::new(sr);
    r.set_settings(settings);
    r.reset();
    r
}

/// Every setting of every slot at `v` (the contract's hostile settings).
fn extreme(settings: &RackSettings, v: f32) -> RackSettings {
    let count = if v.is_finite() {
        v.abs().min(1e9) as usize
    } else {
        0
    };
    let mut s = *settings;
    for k in FxKind::ALL {
        s.set_mix(k, v);
    }
    s.distortion.settings = DistortionSettings {
        mode: DistortionMode::Fold,
        drive_db: v,
        tone_hz: v,
        bits: v,
        crush_rate_hz: v,
        mix: v,
    };
    s.chorus.settings = ChorusSettings {
        voices: count,
        rate_hz: v,
        depth_ms: v,
        delay_ms: v,
        feedback: v,
        mix: v,
        spread: v,
    };
    s.phaser.settings = PhaserSettings {
        mode: PhaserMode::Flanger,
        stages: count,
        rate_hz: v,
        sync: None,
        depth: v,
        center_hz: v,
        delay_ms: v,
        feedback: v,
        mix: v,
        spread: v,
    };
    s.delay.settings = DelaySettings {
        mode: DelayMode::PingPong,
        time_ms: v,
        sync: None,
        feedback: v,
        low_cut_hz: v,
        high_cut_hz: v,
        ducking: v,
        mix: v,
    };
    s.reverb.settings = ReverbSettings {
        size: v,
        decay_s: v,
        predelay_ms: v,
        damping: v,
        width: v,
        mix: v,
    };
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
    s.eq.settings = EqSettings {
        low_cut: cut,
        low_shelf: bell,
        peaks: [bell; 3],
        high_shelf: bell,
        high_cut: cut,
    };
    s.compressor.settings = CompressorSettings {
        threshold_db: v,
        ratio: v,
        attack_ms: v,
        release_ms: v,
        knee_db: v,
        makeup_db: v,
        detection: Detection::Peak,
        lookahead_ms: v,
        mix: v,
    };
    s
}

#[test]
fn the_whole_rack_meets_the_effect_contract() {
    check_contract(
        "rack",
        |sr| rack(all_on(), sr),
        |r, v| {
            r.set_settings(extreme(&all_on(), v));
            r.set_tempo(f64::from(v));
        },
    );
}

/// The power of `x`, in dB re full scale.
fn power_db(x: &[f32]) -> f64 {
    let p = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64;
    10.0 * p.max(1e-30).log10()
}

#[test]
fn the_order_is_the_order_of_processing() {
    // A chord burst then silence: distortion → reverb reverberates the distorted burst, a
    // clean linear tail; reverb → distortion distorts the reverb's tail as well.
    let len = 48_000;
    let mut x: Vec<f32> = sine(220.0, SR, len, 0.6)
        .iter()
        .zip(sine(277.2, SR, len, 0.3))
        .map(|(a, b)| a + b)
        .collect();
    x[12_000..].fill(0.0);
    let dist = DistortionSettings {
        mode: DistortionMode::HardClip,
        drive_db: 24.0,
        ..DistortionSettings::default()
    };
    let verb = ReverbSettings {
        decay_s: 2.0,
        ..ReverbSettings::default()
    };
    let mut base = RackSettings::default();
    base.distortion.enabled = true;
    base.distortion.mix = 1.0;
    base.distortion.settings = dist;
    base.reverb.enabled = true;
    base.reverb.mix = 1.0;
    base.reverb.settings = verb;

    let at = |a: FxKind, b: FxKind| {
        let mut s = base;
        let ia = s.order.iter().position(|&k| k == a).unwrap();
        let ib = s.order.iter().position(|&k| k == b).unwrap();
        if ia > ib {
            s.order.swap(ia, ib);
        }
        let mut r = rack(s, SR);
        run(&mut r, &x, &x, 256)
    };
    let dist_then_verb = at(FxKind::Distortion, FxKind::Reverb);
    let verb_then_dist = at(FxKind::Reverb, FxKind::Distortion);

    // Each is exactly the two effects composed in that order (mix 1 on both).
    let mut d = Distortion::new(SR);
    d.set_settings(DistortionSettings { mix: 1.0, ..dist });
    d.reset();
    let mut v = Reverb::new(SR);
    v.set_settings(ReverbSettings { mix: 1.0, ..verb });
    v.reset();
    let (dl, dr) = run(&mut d, &x, &x, 256);
    let want_dv = run(&mut v, &dl, &dr, 256);
    assert_eq!(dist_then_verb, want_dv, "distortion → reverb");
    d.reset();
    v.reset();
    let (vl, vr) = run(&mut v, &x, &x, 256);
    let want_vd = run(&mut d, &vl, &vr, 256);
    assert_eq!(verb_then_dist, want_vd, "reverb → distortion");

    // And the two orders differ measurably: in the tail (after the burst), the difference
    // is within 10 dB of the signals themselves, and the distorted tail (clipper last)
    // stays near full scale (the band-limited clipper overshoots by a few per cent).
    let tail = 14_000..48_000;
    let diff: Vec<f32> = dist_then_verb.0[tail.clone()]
        .iter()
        .zip(&verb_then_dist.0[tail.clone()])
        .map(|(a, b)| a - b)
        .collect();
    let p_diff = power_db(&diff);
    let p_dv = power_db(&dist_then_verb.0[tail.clone()]);
    println!(
        "tail: distortion→reverb {p_dv:.1} dB, reverb→distortion {:.1} dB, difference {p_diff:.1} dB",
        power_db(&verb_then_dist.0[tail.clone()])
    );
    assert!(p_diff > p_dv - 10.0, "orders differ by only {p_diff:.1} dB");
    let peak_vd = verb_then_dist.0.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak_vd <= 1.1, "clipper last, peak {peak_vd}");
}

/// The largest sample-to-sample step in `x`.
fn max_step(x: &[f32]) -> f32 {
    x.windows(2).fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()))
}

#[test]
fn switching_a_slot_fades_without_a_click_and_then_is_the_effect() {
    // A 440 Hz sine through an EQ boosting 440 Hz by 12 dB: switched on at a crest near
    // 0.25 s and off 110 periods later. A hard switch to the running EQ would jump by about
    // 1.5 (3·0.5); the fade's steps stay within the wet signal's own steepest step plus 1 %
    // of full scale.
    let len = 36_000;
    let x = sine(440.0, SR, len, 0.5);
    let mut s = RackSettings::default();
    s.eq.settings.peaks[0] = BellBand {
        enabled: true,
        freq_hz: 440.0,
        gain_db: 12.0,
        q: 1.0,
    };
    let mut r = rack(s, SR);
    let (on_at, off_at) = (12_027, 24_027);
    let (mut out, _) = run(&mut r, &x[..on_at], &x[..on_at], 250);
    s.eq.enabled = true;
    r.set_settings(s);
    out.extend(run(&mut r, &x[on_at..off_at], &x[on_at..off_at], 250).0);
    s.eq.enabled = false;
    r.set_settings(s);
    out.extend(run(&mut r, &x[off_at..], &x[off_at..], 250).0);

    // The EQ alone, from its reset state, on the input from the switch on.
    let mut eq = Eq::new(SR);
    eq.set_settings(s.eq.settings);
    eq.reset();
    let (wet, _) = run(&mut eq, &x[on_at..off_at], &x[on_at..off_at], 250);
    let fade = (FADE_MS * 1e-3 * SR) as usize;
    // Before: the input, bit for bit. After the fade-in: the EQ exactly. After the fade-out:
    // the input again.
    assert_eq!(&out[..on_at], &x[..on_at]);
    let d = out[on_at + fade + 1..off_at]
        .iter()
        .zip(&wet[fade + 1..])
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(d <= 1e-6, "after the fade-in the slot is not the EQ: {d}");
    assert_eq!(&out[off_at + fade + 1..], &x[off_at + fade + 1..]);
    // No click at either switch.
    let bound = max_step(&wet[fade..]).max(max_step(&x)) + 0.01;
    for (what, at) in [("on", on_at), ("off", off_at)] {
        let step = max_step(&out[at - 10..at + fade + 10]);
        println!("switch {what}: largest step {step:.4} (bound {bound:.4})");
        assert!(step <= bound, "switch {what}: step {step} > {bound}");
    }
    // The check can fail: a hard switch at the same place to the EQ running all along
    // jumps far over the bound.
    let mut eq = Eq::new(SR);
    eq.set_settings(s.eq.settings);
    eq.reset();
    let (running, _) = run(&mut eq, &x, &x, 250);
    let mut hard = x[..on_at].to_vec();
    hard.extend_from_slice(&running[on_at..]);
    let hard_step = max_step(&hard[on_at - 10..on_at + 10]);
    assert!(
        hard_step > 2.0 * bound,
        "hard switch only steps {hard_step}"
    );
}

#[test]
fn a_partly_wet_slot_lines_up_its_dry_path_with_the_effect_latency() {
    // A small impulse through a half-wet distortion (its oversampler's latency) and
    // a look-ahead compressor: one peak at the rack's reported latency, not two.
    let mut s = RackSettings::default();
    s.distortion.enabled = true;
    s.distortion.mix = 0.5;
    s.distortion.settings.drive_db = 0.0;
    s.compressor.enabled = true;
    s.compressor.mix = 0.5;
    s.compressor.settings.lookahead_ms = 5.0;
    s.compressor.settings.threshold_db = 0.0;
    let mut r = rack(s, SR);
    let latency = r.latency_samples() as usize;
    assert_eq!(
        latency,
        LATENCY_SAMPLES as usize + 240,
        "distortion + compressor 5 ms"
    );
    let x: Vec<f32> = impulse(2_048).iter().map(|v| v * 1e-3).collect();
    let (l, _) = run(&mut r, &x, &x, 64);
    let (at, peak) =
        l.iter().enumerate().fold(
            (0, 0.0f32),
            |a, (i, &v)| {
                if v.abs() > a.1 {
                    (i, v.abs())
                } else {
                    a
                }
            },
        );
    assert_eq!(at, latency);
    assert!(peak > 0.9e-3, "peak {peak}: dry and wet do not add");
}

/// An external stage that logs which kinds it ran and scales its input (codec × 0.5, body
/// × 2), reporting a latency for the codec.
struct Log {
    calls: Vec<FxKind>,
}

impl ExternalStage for Log {
    fn process(&mut self, kind: FxKind, left: &mut [f32], right: &mut [f32]) {
        if self.calls.last() != Some(&kind) && self.calls.len() < self.calls.capacity() {
            self.calls.push(kind);
        }
        let g = if kind == FxKind::Codec { 0.5 } else { 2.0 };
        for v in left.iter_mut().chain(right.iter_mut()) {
            *v *= g;
        }
    }

    fn latency_samples(&self, kind: FxKind) -> u32 {
        if kind == FxKind::Codec {
            64
        } else {
            0
        }
    }
}

#[test]
fn the_callers_stages_run_at_their_slots() {
    // Body first, then a hard clipper, then the codec: body × 2 clips, the codec halves.
    let mut s = RackSettings::default();
    s.order.copy_from_slice(&[
        FxKind::Body,
        FxKind::Distortion,
        FxKind::Chorus,
        FxKind::Phaser,
        FxKind::Delay,
        FxKind::Reverb,
        FxKind::Eq,
        FxKind::Compressor,
        FxKind::Codec,
    ]);
    s.distortion.enabled = true;
    s.distortion.mix = 1.0;
    s.distortion.settings = DistortionSettings {
        mode: DistortionMode::HardClip,
        drive_db: 0.0,
        ..DistortionSettings::default()
    };
    let mut r = rack(s, SR);
    let mut log = Log {
        calls: Vec::with_capacity(8),
    };
    assert_eq!(r.latency_samples_with(&log), 64 + LATENCY_SAMPLES);
    let x = vec![0.8f32; 4_096];
    let (mut l, mut rr) = (x.clone(), x.clone());
    assert_no_alloc::assert_no_alloc(|| r.process_with(&mut l, &mut rr, &mut log));
    assert_eq!(log.calls[..2], [FxKind::Body, FxKind::Codec]);
    // 0.8 × 2 = 1.6 clips to 1, halved: 0.5 once the oversampler has settled.
    let settled = l[2_000];
    assert!((settled - 0.5).abs() < 1e-3, "got {settled}");
    // With both caller stages off, the rack does not call them.
    s.codec.enabled = false;
    s.body.enabled = false;
    let mut r = rack(s, SR);
    let mut log = Log {
        calls: Vec::with_capacity(8),
    };
    r.process_with(&mut l, &mut rr, &mut log);
    assert!(log.calls.is_empty(), "{:?}", log.calls);
    assert_eq!(r.latency_samples_with(&log), LATENCY_SAMPLES);
}

#[test]
fn disabled_slots_pass_the_input_bit_for_bit_in_any_order() {
    let x = noise(10_000, 9);
    let mut s = RackSettings::default();
    s.order.reverse();
    let mut r = rack(s, SR);
    let (l, rr) = run(&mut r, &x, &x, 333);
    assert_eq!(l, x);
    assert_eq!(rr, x);
    assert_eq!(r.latency_samples(), 0);
}

#[test]
fn a_bad_order_falls_back_to_the_default_and_mixes_are_clamped() {
    let mut s = RackSettings::default();
    s.order[3] = FxKind::Codec;
    s.delay.mix = f32::NAN;
    s.reverb.mix = 7.0;
    let r = rack(s, SR);
    assert_eq!(r.settings().order, FxKind::ALL);
    assert_eq!(r.settings().delay.mix, RackSettings::default().delay.mix);
    assert_eq!(r.settings().reverb.mix, 1.0);
    assert_eq!(FxKind::ALL.len(), SLOTS);
}

#[test]
fn tempo_reaches_the_synced_delay() {
    // A quarter-note delay at 100 BPM echoes after 0.6 s, as the delay alone does.
    let mut s = RackSettings::default();
    s.delay.enabled = true;
    s.delay.mix = 1.0;
    s.delay.settings.sync = Some(wavecube_dsp::fx::sync::SyncDivision {
        note: wavecube_dsp::fx::sync::NoteValue::Quarter,
        feel: wavecube_dsp::fx::sync::Feel::Straight,
    });
    let mut r = rack(s, SR);
    r.set_tempo(100.0);
    r.reset();
    let x = impulse(40_000);
    let (l, _) = run(&mut r, &x, &x, 256);
    let mut d = Delay::new(SR);
    d.set_settings(DelaySettings {
        mix: 1.0,
        ..s.delay.settings
    });
    d.set_tempo(100.0);
    d.reset();
    let (want, _) = run(&mut d, &x, &x, 256);
    assert_eq!(l, want);
    let first = l.iter().position(|v| v.abs() > 1e-3).unwrap();
    assert_eq!(first, 28_800);
}
