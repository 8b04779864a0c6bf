//! Convolution costs: the body stage (a 2 s stereo IR at 48 kHz in 256-sample host
//! blocks), one 256 × 256 colour sculpt frame, and a 10 s × 2 s mono pair convolution
//! (to set beside `scipy.signal.fftconvolve`).
//!
//! Run: `cargo bench -p wavecube-dsp --bench conv`. Criterion reports the time per
//! iteration: one 256-sample stereo block, one frame, one whole pair convolution (with
//! this thread's FFT plans reused, as SciPy reuses its plan cache). The bench also
//! prints the block time as a share of one core's real-time budget
//! (256 / 48000 s = 5.33 ms) over 20 s of audio with the median cost of the heaviest
//! blocks, and the pair convolution's first call on a fresh thread (which plans the
//! FFTs).

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wavecube_dsp::conv::{
    pair_convolve, AudioNorm, AudioOptions, SculptColor, SculptMode, SculptRenderer, SizeMode,
    StereoConvolver,
};

const SR: usize = 48_000;
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

/// A 2 s reverb-like IR: noise under a 2 s RT60 decay.
fn ir_2s(seed: u32) -> Vec<f32> {
    noise(2 * SR, seed)
        .into_iter()
        .enumerate()
        .map(|(i, v)| v * (-6.9 * i as f32 / (2 * SR) as f32).exp())
        .collect()
}

/// Prints the average block time over 20 s of audio, and the median time of the
/// heaviest blocks: those that complete an 8192-sample partition (every 32nd block),
/// where the largest stage runs. The median keeps scheduler preemption on a shared
/// machine out of the figure.
fn report_share(conv: &mut StereoConvolver, left: &[f32], right: &[f32]) {
    let (mut l, mut r) = (left.to_vec(), right.to_vec());
    let mut heavy = Vec::new();
    let start = Instant::now();
    for (i, (lb, rb)) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)).enumerate() {
        let t = Instant::now();
        conv.process(lb, rb);
        if ((i + 1) * BLOCK) % 8192 == 0 {
            heavy.push(t.elapsed().as_secs_f64());
        }
    }
    let blocks = left.len() / BLOCK;
    let per_block = start.elapsed().as_secs_f64() / blocks as f64;
    heavy.sort_by(f64::total_cmp);
    let heaviest = heavy.get(heavy.len() / 2).copied().unwrap_or(0.0);
    let budget = BLOCK as f64 / SR as f64;
    eprintln!(
        "body stage (2 s stereo IR, block {BLOCK}): {:.1} µs per block = {:.2} % of one core; \
         blocks completing an 8192-partition (median) {:.0} µs = {:.1} % of their budget",
        per_block * 1e6,
        100.0 * per_block / budget,
        heaviest * 1e6,
        100.0 * heaviest / budget
    );
}

fn body_stage(c: &mut Criterion) {
    let ir = [ir_2s(1), ir_2s(2)];
    let mut conv = StereoConvolver::new(&[&ir[0], &ir[1]], BLOCK).unwrap();
    let (left, right) = (noise(20 * SR, 3), noise(20 * SR, 4));
    report_share(&mut conv, &left, &right);

    let mut group = c.benchmark_group("conv_body");
    // One element = one stereo frame.
    group.throughput(Throughput::Elements(BLOCK as u64));
    // Cycle through 16 × 8192 samples so that every stage boundary is crossed in turn.
    let cycle = 16 * 8192;
    let (mut l, mut r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let mut pos = 0;
    group.bench_function("stereo_2s_ir_block_256", |b| {
        b.iter(|| {
            l.copy_from_slice(&left[pos..pos + BLOCK]);
            r.copy_from_slice(&right[pos..pos + BLOCK]);
            conv.process(black_box(&mut l), black_box(&mut r));
            pos = (pos + BLOCK) % cycle;
        })
    });
    group.finish();
}

fn sculpt(c: &mut Criterion) {
    let mut renderer = SculptRenderer::new(256, 256).unwrap();
    let (left, right) = (noise(2048, 5), noise(2048, 6));
    let mut group = c.benchmark_group("conv_sculpt");
    for (name, mode, colorspace) in [
        (
            "color_stereo_256x256",
            SculptMode::Stereo,
            SculptColor::Color,
        ),
        ("luma_mono_256x256", SculptMode::Mono, SculptColor::Luma),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let px =
                    renderer.render(black_box(&left), black_box(&right), mode, colorspace, true);
                black_box(px[0])
            })
        });
    }
    group.finish();
}

fn pair(c: &mut Criterion) {
    let x = noise(10 * SR, 7);
    let h = ir_2s(8);
    let options = AudioOptions {
        mode: SizeMode::Full,
        normalize: AudioNorm::None,
    };
    // Cold: the first call on a fresh thread, which plans the FFTs (the CLI's case);
    // the median of five threads.
    let mut cold: Vec<f64> = (0..5)
        .map(|_| {
            std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        let t = Instant::now();
                        black_box(pair_convolve(&[&x], &[&h], &options).unwrap());
                        t.elapsed().as_secs_f64()
                    })
                    .join()
                    .unwrap_or(f64::NAN)
            })
        })
        .collect();
    cold.sort_by(f64::total_cmp);
    eprintln!(
        "pair 10 s × 2 s, first call on a thread (plans the FFTs): median {:.1} ms, min {:.1} ms",
        cold[2] * 1e3,
        cold[0] * 1e3
    );
    // Warm: later calls reuse this thread's plans (criterion's figure).
    let mut group = c.benchmark_group("conv_pair");
    group.sample_size(20);
    group.bench_function("mono_10s_by_2s_full", |b| {
        b.iter(|| pair_convolve(&[black_box(&x)], &[black_box(&h)], &options).unwrap())
    });
    group.finish();
}

criterion_group!(benches, body_stage, sculpt, pair);
criterion_main!(benches);
