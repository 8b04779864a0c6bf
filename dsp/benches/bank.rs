//! Loading a bank: read and decode an 8×8×8 stereo bank of 2048-sample frames coded
//! with TQA (6 bits), then build its band-limited mips (`CubeSet::build`): the time
//! from file bytes to a playable cube. Target ≤ 250 ms.
//!
//! `cargo bench -p wavecube-dsp --bench bank`

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use wavecube_dsp::bank::{read_wcube, write_wcube, CodecChoice, NodeCodec, WriteOptions};
use wavecube_dsp::cube::{Cube, CubeSet, Node};

/// 512 stereo nodes: saws whose brightness, detune and pulse width vary over the cube.
fn bank() -> Vec<u8> {
    let mut cube = Cube::new(8, 8, 8).unwrap();
    for x in 0..8 {
        for y in 0..8 {
            for z in 0..8 {
                let harmonics = 8 + 30 * y;
                let wave = |p: f64, shift: f64| -> f32 {
                    (1..harmonics)
                        .map(|k| {
                            let kf = k as f64;
                            (2.0 * std::f64::consts::PI * kf * (p + shift * kf)).sin()
                                / kf.powf(1.0 + 0.1 * x as f64)
                        })
                        .sum::<f64>() as f32
                        * 0.4
                };
                let left: Vec<f32> = (0..2048).map(|i| wave(i as f64 / 2048.0, 0.0)).collect();
                let right: Vec<f32> = (0..2048)
                    .map(|i| wave(i as f64 / 2048.0, 0.001 * z as f64))
                    .collect();
                cube.set(x, y, z, Node::stereo(left, right).unwrap())
                    .unwrap();
            }
        }
    }
    let options = WriteOptions {
        codec: CodecChoice::Fixed(NodeCodec::Tqa { bits: 6 }),
        quality_db: 0.0,
    };
    write_wcube(&cube, &options).unwrap()
}

fn load(c: &mut Criterion) {
    let bytes = bank();
    let mut group = c.benchmark_group("bank");
    group.sample_size(10);
    group.bench_function("read_8x8x8_stereo_2048_tqa6", |b| {
        b.iter(|| read_wcube(black_box(&bytes)).unwrap())
    });
    group.bench_function("read_and_build_mips_8x8x8_stereo_2048_tqa6", |b| {
        b.iter(|| CubeSet::build(&read_wcube(black_box(&bytes)).unwrap()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
