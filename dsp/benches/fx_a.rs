//! Effects part A's cost: chorus, phaser, flanger, delay and distortion, one 256-sample
//! stereo block at 48 kHz each, at settings a sound designer would use (defaults, with the
//! heaviest variant of each: 4 chorus voices, 12 phaser stages, every distortion mode).
//!
//! Run: `cargo bench -p wavecube-dsp --bench fx_a -- --measurement-time 3`. Criterion reports
//! the time per block; divide by 256 for the cost per stereo sample (the throughput line gives
//! it as elements per second). One second at 48 kHz is
//! 48 000 stereo samples, so c ns per stereo sample is c · 0.0048 % of one core.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wavecube_dsp::fx::chorus::{Chorus, ChorusSettings};
use wavecube_dsp::fx::delay::{Delay, DelayMode, DelaySettings};
use wavecube_dsp::fx::distortion::{Distortion, DistortionMode, DistortionSettings};
use wavecube_dsp::fx::phaser::{Phaser, PhaserMode, PhaserSettings};
use wavecube_dsp::fx::Effect;

const SR: f32 = 48_000.0;
const BLOCK: usize = 256;

/// Deterministic noise in (−0.5, 0.5).
fn noise(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s as f32 / u32::MAX as f32 - 0.5
        })
        .collect()
}

fn bench_effect<E: Effect>(c: &mut Criterion, name: &str, mut effect: E) {
    let (in_l, in_r) = (noise(BLOCK, 1), noise(BLOCK, 2));
    let (mut l, mut r) = (in_l.clone(), in_r.clone());
    let mut group = c.benchmark_group("fx_a");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            l.copy_from_slice(&in_l);
            r.copy_from_slice(&in_r);
            effect.process(black_box(&mut l), black_box(&mut r));
        })
    });
    group.finish();
}

fn effects(c: &mut Criterion) {
    let mut chorus = Chorus::new(SR);
    chorus.set_settings(ChorusSettings {
        voices: 4,
        feedback: 0.3,
        ..ChorusSettings::default()
    });
    bench_effect(c, "chorus_4_voices", chorus);

    let mut phaser = Phaser::new(SR);
    phaser.set_settings(PhaserSettings {
        stages: 12,
        ..PhaserSettings::default()
    });
    bench_effect(c, "phaser_12_stages", phaser);

    let mut flanger = Phaser::new(SR);
    flanger.set_settings(PhaserSettings {
        mode: PhaserMode::Flanger,
        ..PhaserSettings::default()
    });
    bench_effect(c, "flanger", flanger);

    let mut delay = Delay::new(SR);
    delay.set_settings(DelaySettings {
        mode: DelayMode::PingPong,
        ducking: 0.5,
        ..DelaySettings::default()
    });
    bench_effect(c, "delay_ping_pong", delay);

    for (name, mode) in [
        ("distortion_soft", DistortionMode::SoftClip),
        ("distortion_hard", DistortionMode::HardClip),
        ("distortion_fold", DistortionMode::Fold),
        ("distortion_crush", DistortionMode::BitCrush),
    ] {
        let mut d = Distortion::new(SR);
        d.set_settings(DistortionSettings {
            mode,
            drive_db: 24.0,
            tone_hz: 8_000.0,
            ..DistortionSettings::default()
        });
        bench_effect(c, name, d);
    }
}

criterion_group!(benches, effects);
criterion_main!(benches);
