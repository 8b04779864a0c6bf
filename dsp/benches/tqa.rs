//! TQA throughput: encode and decode in MB/s of 16-bit mono PCM (2 bytes per
//! sample), every mode at 6 bits, block 512; and the streaming stage in ns/sample.
//!
//! `cargo bench -p wavecube-dsp --bench tqa`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use wavecube_dsp::codec::tqa::{decode, encode, TqaConfig, TqaMode, TqaStage};

/// 10 s of a 48 kHz music-like signal: three detuned saws through a slow tremolo,
/// plus a little noise.
fn signal(n: usize) -> Vec<f32> {
    let mut state = 0x1234_5678_u32;
    (0..n)
        .map(|i| {
            let t = i as f32 / 48_000.0;
            let saw = |f: f32| 2.0 * (t * f).fract() - 1.0;
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 8) as f32 / (1 << 24) as f32 - 0.5;
            let env = 0.6 + 0.4 * (t * 1.7).sin();
            0.2 * env * (saw(110.0) + saw(164.8) + saw(220.7)) + 0.01 * noise
        })
        .collect()
}

fn codec(c: &mut Criterion) {
    let x = signal(480_000);
    let mut group = c.benchmark_group("tqa");
    group.throughput(Throughput::Bytes(2 * x.len() as u64));
    group.sample_size(20);
    for mode in TqaMode::ALL {
        let config = TqaConfig {
            mode,
            ..TqaConfig::default()
        };
        group.bench_with_input(
            BenchmarkId::new("encode", mode.name()),
            &config,
            |b, cfg| b.iter(|| encode(&[black_box(&x)], 48_000, cfg).unwrap()),
        );
        let bytes = encode(&[&x], 48_000, &config).unwrap();
        group.bench_with_input(
            BenchmarkId::new("decode", mode.name()),
            &bytes,
            |b, bytes| b.iter(|| decode(black_box(bytes)).unwrap()),
        );
    }
    group.finish();
}

fn stage(c: &mut Criterion) {
    let x = signal(48_000);
    let mut group = c.benchmark_group("tqa_stage");
    // Elements = stereo frames × 2: the time per sample.
    group.throughput(Throughput::Elements(2 * x.len() as u64));
    group.sample_size(20);
    let config = TqaConfig::default();
    let mut stage = TqaStage::new(&config, 2).unwrap();
    let (mut left, mut right) = (x.clone(), x.clone());
    group.bench_function("stereo_512_host_block_256", |b| {
        b.iter(|| {
            left.copy_from_slice(&x);
            right.copy_from_slice(&x);
            for (l, r) in left.chunks_mut(256).zip(right.chunks_mut(256)) {
                stage.process(&mut [l, r], 1.0);
            }
            black_box(left[0])
        })
    });
    group.finish();
}

criterion_group!(benches, codec, stage);
criterion_main!(benches);
