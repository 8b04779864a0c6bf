//! Wavelet throughput: `wavedec` db4, 3 levels, periodization on 2^20 samples (the
//! figure compared with PyWavelets by `tests/e2e/bench_wavelet_vs_pywt.py`), and
//! `WavedecPlan::run` on the harmony analyzer's 32-sample windows; in samples per second.
//!
//! `cargo bench -p wavecube-dsp --bench wavelet`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use wavecube_dsp::wavelet::{
    adaptive_levels, wavedec, waverec, Mode, StreamingDwt, WavedecPlan, Wavelet,
};

/// A deterministic noise-plus-tones test signal in about -1..1.
fn signal(n: usize) -> Vec<f64> {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    (0..n)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            0.5 * (i as f64 * 0.013).sin() + 0.3 * noise
        })
        .collect()
}

/// Samples of the large transform, 2^20.
const LARGE: usize = 1 << 20;

fn batch(c: &mut Criterion) {
    let x = signal(LARGE);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let mut group = c.benchmark_group("wavelet");
    group.throughput(Throughput::Elements(LARGE as u64));
    group.sample_size(30);
    // The PyWavelets comparison: pywt.wavedec(x, 'db4', level=3, mode='periodization').
    group.bench_function("wavedec_db4_l3_1m", |b| {
        b.iter(|| wavedec(black_box(&x), Wavelet::Db4, 3, Mode::Periodization).unwrap())
    });
    group.bench_function("wavedec_db4_l3_1m_f32", |b| {
        b.iter(|| wavedec(black_box(&x32), Wavelet::Db4, 3, Mode::Periodization).unwrap())
    });
    for w in [Wavelet::Haar, Wavelet::Db8, Wavelet::Sym4] {
        group.bench_with_input(BenchmarkId::new("wavedec_l3_1m", w.name()), &w, |b, &w| {
            b.iter(|| wavedec(black_box(&x), w, 3, Mode::Periodization).unwrap())
        });
    }
    group.bench_function("wavedec_db4_l3_1m_symmetric", |b| {
        b.iter(|| wavedec(black_box(&x), Wavelet::Db4, 3, Mode::Symmetric).unwrap())
    });
    // The same transform into preallocated buffers: no allocation, no fresh pages.
    let mut plan = WavedecPlan::new(LARGE, 3);
    group.bench_function("plan_run_db4_l3_1m", |b| {
        b.iter(|| plan.run(black_box(&x), Wavelet::Db4, 3))
    });
    let coeffs = wavedec(&x, Wavelet::Db4, 3, Mode::Periodization).unwrap();
    group.bench_function("waverec_db4_l3_1m", |b| {
        b.iter(|| waverec(black_box(&coeffs), Wavelet::Db4, Mode::Periodization).unwrap())
    });
    group.finish();
}

fn real_time(c: &mut Criterion) {
    let x = signal(4096);
    let mut group = c.benchmark_group("wavelet_rt");
    // The harmony analyzer: 32-sample windows, adaptive levels (3), db2 and db4.
    let window = &x[..32];
    let mut plan = WavedecPlan::new(32, 3);
    group.throughput(Throughput::Elements(32));
    for w in [Wavelet::Db2, Wavelet::Db4] {
        group.bench_with_input(BenchmarkId::new("plan_run_32", w.name()), &w, |b, &w| {
            b.iter(|| plan.run(black_box(window), w, adaptive_levels(32)))
        });
    }
    // The streaming transform: per pushed sample, window 1024, 3 levels, db4.
    let mut stream = StreamingDwt::<f64>::new(Wavelet::Db4, 3, 1024).unwrap();
    group.throughput(Throughput::Elements(x.len() as u64));
    group.bench_function("streaming_db4_l3_w1024", |b| {
        b.iter(|| {
            for &v in black_box(&x) {
                stream.push(v);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, batch, real_time);
criterion_main!(benches);
