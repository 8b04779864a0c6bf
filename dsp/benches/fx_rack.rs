//! The whole effects rack's cost: every slot on (the codec and body slots pass through, as
//! in the harness), one 256-sample stereo block at 48 kHz per iteration, at the settings of
//! `dsp/tests/fx_rack.rs`'s contract test (4 chorus voices, 8 phaser stages, ping-pong delay,
//! a 2.5 s reverb, one EQ bell, an RMS compressor with 3 ms look-ahead, 18 dB of soft-clip
//! drive); and the same rack with every slot off (what an unused rack costs).
//!
//! Run: `cargo bench -p wavecube-dsp --bench fx_rack -- --measurement-time 3`. The target
//! (issue 18): below 5 % of one core at 48 kHz, i.e. below 1.04 µs per stereo sample, i.e.
//! below 267 µs per block.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wavecube_dsp::fx::compressor::Detection;
use wavecube_dsp::fx::delay::DelayMode;
use wavecube_dsp::fx::eq::BellBand;
use wavecube_dsp::fx::rack::{FxKind, Rack, RackSettings};
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

fn bench_rack(c: &mut Criterion, name: &str, settings: RackSettings) {
    let mut rack = Rack::new(SR);
    rack.set_settings(settings);
    rack.reset();
    let (in_l, in_r) = (noise(BLOCK, 1), noise(BLOCK, 2));
    let (mut l, mut r) = (in_l.clone(), in_r.clone());
    let mut group = c.benchmark_group("fx_rack");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            l.copy_from_slice(&in_l);
            r.copy_from_slice(&in_r);
            rack.process(black_box(&mut l), black_box(&mut r));
        })
    });
    group.finish();
}

fn racks(c: &mut Criterion) {
    bench_rack(c, "all_on", all_on());
    let mut no_distortion = all_on();
    no_distortion.distortion.enabled = false;
    bench_rack(c, "all_on_but_distortion", no_distortion);
    let mut off = RackSettings::default();
    off.codec.enabled = false;
    off.body.enabled = false;
    bench_rack(c, "all_off", off);
}

criterion_group!(benches, racks);
criterion_main!(benches);
