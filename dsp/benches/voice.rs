//! Cost per voice-sample of the full voice (oscillator at twice the output rate: morph
//! oscillator, one mip level per sample; envelope, and in `3d_lfos` three audio-thread LFOs
//! moving the morph point, at the output rate; plus the 2:1 decimator all voices share) at 1, 16 and 64 voices,
//! against a 1D baseline (a one-node cube, no morph), and the AVX2 kernel against the
//! scalar one; and (group `matrix`) 16 voices of `3d_lfos` with 0, 8 and 26 modulation slots
//! added (32 active in all).
//! A voice-sample is one voice for one *output* sample (two oscillator samples).
//!
//! Run: `cargo bench -p wavecube-dsp --bench voice`. Criterion reports throughput in
//! elements/s, where one element is one voice-sample; ns per voice-sample = 1e9 / that.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wavecube_dsp::cube::{factory_cube, Cube, CubeOsc, CubeSet, MorphBuffers, OscScratch, Pan};
use wavecube_dsp::modulation::{typical_slots, Destination, Slot, Source};
use wavecube_dsp::synth::{AdsrParams, Engine, LfoParams, LfoShape, NoteEvent, TimedEvent};

const SR: f32 = 48000.0;
const BLOCK: usize = 512;

fn morph_set() -> Arc<CubeSet> {
    Arc::new(CubeSet::build(&factory_cube()).unwrap())
}

fn single_set() -> Arc<CubeSet> {
    let factory = factory_cube();
    let mut cube = Cube::new(1, 1, 1).unwrap();
    cube.set(0, 0, 0, factory.get(2, 3, 0).unwrap().clone())
        .unwrap();
    Arc::new(CubeSet::build(&cube).unwrap())
}

/// How the morph point moves in a bench.
#[derive(Clone, Copy, PartialEq)]
enum Motion {
    /// Fixed inside a cell: the voices read the corner blends they cached (`BlendCache`).
    Static,
    /// Three LFOs sweep x, y and z, so voices cross cells.
    Lfos,
}

/// An engine holding `voices` notes spread over the keyboard.
fn engine(set: Arc<CubeSet>, voices: usize, motion: Motion) -> Engine {
    let mut e = Engine::new(SR, BLOCK, set);
    let p = e.params_mut();
    p.amp_env = AdsrParams {
        attack_ms: 1.0,
        decay_ms: 10.0,
        sustain: 0.8,
        release_ms: 100.0,
    };
    p.morph = [0.45, 0.55, 0.4];
    if motion == Motion::Lfos {
        p.morph = [0.5, 0.5, 0.5];
        p.lfo = [
            LfoParams::new(LfoShape::Sine, 0.7),
            LfoParams::new(LfoShape::Triangle, 0.3),
            LfoParams::new(LfoShape::Sine, 0.2),
        ];
        for (lfo, axis) in Source::LFOS.into_iter().zip(Destination::MORPH) {
            p.matrix.push(Slot::new(lfo, axis, 0.5));
        }
    }
    let events: Vec<TimedEvent> = (0..voices)
        .map(|i| TimedEvent {
            offset: 0,
            event: NoteEvent::NoteOn {
                note: 24 + (i * 5 % 72) as u8,
                velocity: 0.8,
            },
        })
        .collect();
    let (mut l, mut r) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
    e.process(&events, &mut l, &mut r);
    for _ in 0..10 {
        e.process(&[], &mut l, &mut r);
    }
    assert_eq!(e.active_voices(), voices);
    e
}

fn bench_engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("voice");
    let cases = [
        ("3d_static", morph_set(), Motion::Static),
        ("3d_lfos", morph_set(), Motion::Lfos),
        ("1d_baseline", single_set(), Motion::Static),
    ];
    for (name, set, motion) in cases {
        for voices in [1usize, 16, 64] {
            let mut e = engine(set.clone(), voices, motion);
            let (mut l, mut r) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
            g.throughput(Throughput::Elements((voices * BLOCK) as u64));
            g.bench_function(BenchmarkId::new(name, voices), |b| {
                b.iter(|| {
                    e.process(&[], &mut l, &mut r);
                    black_box(&l);
                })
            });
        }
    }
    g.finish();
}

fn bench_kernel(c: &mut Criterion) {
    let set = morph_set();
    let mut g = c.benchmark_group("osc_kernel");
    let n = BLOCK;
    let x: Vec<f32> = (0..n).map(|i| i as f32 / n as f32).collect();
    let y = vec![0.4; n];
    let z = vec![0.7; n];
    let gain = vec![0.5; n];
    let inc = (220.0 / SR as f64 * 4294967296.0) as u32;
    let pick = set.levels().pick(inc);
    g.throughput(Throughput::Elements(n as u64));
    for (name, osc) in [("avx2", CubeOsc::new()), ("scalar", CubeOsc::scalar())] {
        if name == "avx2" && !osc.is_simd() {
            continue;
        }
        let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
        let mut phase = 0u32;
        let mut work = OscScratch::new();
        g.bench_function(name, |b| {
            b.iter(|| {
                osc.render(
                    &mut work,
                    &set,
                    &mut phase,
                    inc,
                    pick,
                    MorphBuffers {
                        x: &x,
                        y: &y,
                        z: &z,
                        midpoints: false,
                    },
                    &gain,
                    Pan::Fixed([1.0, 1.0]),
                    &mut l,
                    &mut r,
                );
                black_box(&l);
            })
        });
    }
    g.finish();
}

/// The modulation matrix's cost: 16 voices of `3d_lfos` (the morph point already moves
/// per sample, so the slots' cost is not confused with the oscillator leaving its
/// fixed-morph path) with 0, 8 and 26 typical slots added. `3d_lfos` itself holds six
/// active slots (a new patch's three expression slots and LFO 1–3 → x, y, z), so 26 more
/// fill the matrix's 32.
fn bench_matrix(c: &mut Criterion) {
    let mut g = c.benchmark_group("matrix");
    let voices = 16;
    for extra in [0usize, 8, 26] {
        let mut e = engine(morph_set(), voices, Motion::Lfos);
        for s in typical_slots(extra).slots.iter().filter(|s| s.is_active()) {
            assert!(e.params_mut().matrix.push(*s), "the matrix has room");
        }
        assert_eq!(e.params().matrix.active(), 6 + extra);
        e.params_mut().lfo[0].rate_hz = 0.5;
        e.params_mut().lfo[1].rate_hz = 0.3;
        let (mut l, mut r) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
        e.process(&[], &mut l, &mut r);
        g.throughput(Throughput::Elements((voices * BLOCK) as u64));
        g.bench_function(BenchmarkId::new("extra_slots", extra), |b| {
            b.iter(|| {
                e.process(&[], &mut l, &mut r);
                black_box(&l);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_engine, bench_kernel, bench_matrix);
criterion_main!(benches);
