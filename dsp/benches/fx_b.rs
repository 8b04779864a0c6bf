//! Effects part B's cost per stereo sample: the reverb, the EQ (every band on) and the
//! compressor (RMS detection with look-ahead), at 48 kHz in 256-sample host blocks.
//!
//! Run: `cargo bench -p wavecube-dsp --bench fx_b -- --measurement-time 3`. Criterion
//! reports the time per 256-sample stereo block and the throughput in stereo samples per
//! second; the cost per stereo sample is the block time / 256, and the share of one core is
//! that cost × 48 000.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wavecube_dsp::fx::compressor::{Compressor, CompressorSettings, Detection};
use wavecube_dsp::fx::eq::{BellBand, CutBand, CutSlope, Eq, EqSettings};
use wavecube_dsp::fx::reverb::{Reverb, ReverbSettings};
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

/// Times one effect on 256-sample blocks of noise (the input is copied into the work
/// buffers each iteration, a memcpy of 2 KB, which is part of any host's cost too).
fn bench_effect<E: Effect>(c: &mut Criterion, name: &str, mut effect: E) {
    let (l, r) = (noise(BLOCK, 1), noise(BLOCK, 2));
    let (mut bl, mut br) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    // Warm up past the smoothing and the reverb's fill.
    for _ in 0..400 {
        bl.copy_from_slice(&l);
        br.copy_from_slice(&r);
        effect.process(&mut bl, &mut br);
    }
    let mut group = c.benchmark_group("fx_b");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            bl.copy_from_slice(&l);
            br.copy_from_slice(&r);
            effect.process(black_box(&mut bl), black_box(&mut br));
        })
    });
    group.finish();
}

fn effects(c: &mut Criterion) {
    let mut reverb = Reverb::new(SR);
    reverb.set_settings(ReverbSettings {
        decay_s: 4.0,
        mix: 0.4,
        ..Default::default()
    });
    reverb.reset();
    bench_effect(c, "reverb", reverb);

    let bell = |freq_hz, gain_db| BellBand {
        enabled: true,
        freq_hz,
        gain_db,
        q: 1.0,
    };
    let mut eq = Eq::new(SR);
    eq.set_settings(EqSettings {
        low_cut: CutBand {
            enabled: true,
            freq_hz: 40.0,
            slope: CutSlope::Db48,
        },
        low_shelf: bell(150.0, 3.0),
        peaks: [bell(400.0, -4.0), bell(2000.0, 2.0), bell(5000.0, -2.0)],
        high_shelf: bell(9000.0, 2.0),
        high_cut: CutBand {
            enabled: true,
            freq_hz: 16_000.0,
            slope: CutSlope::Db48,
        },
    });
    eq.reset();
    bench_effect(c, "eq_all_bands_48db_cuts", eq);

    let mut comp = Compressor::new(SR);
    comp.set_settings(CompressorSettings {
        threshold_db: -20.0,
        detection: Detection::Rms,
        lookahead_ms: 5.0,
        ..Default::default()
    });
    comp.reset();
    bench_effect(c, "compressor_rms_lookahead", comp);
}

criterion_group!(benches, effects);
criterion_main!(benches);
