//! Harmony analysis cost: one chord-event update (OPTIC-K features, barycenter, the DWT
//! of four signals, detail energy, tension and the boundary test) on a full 32-event
//! window, in both modes; and the same through the audio-thread `Analyzer` (a chord
//! change, then the `advance` call in which it settles). Target: ≤ 10 µs per event.
//!
//! `cargo bench -p wavecube-dsp --bench harmony`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use wavecube_dsp::harmony::{
    AnalysisMode, Analyzer, AnalyzerConfig, ChordWindow, PcSet, TensionWeights,
};

/// 64 chords mixing diatonic triads, sevenths and chromatic sets, so every signal moves.
fn chords() -> Vec<PcSet> {
    let shapes: [&[u8]; 8] = [
        &[0, 4, 7],
        &[2, 5, 9, 0],
        &[7, 11, 2, 5],
        &[0, 1, 6],
        &[9, 0, 4],
        &[3, 6, 9, 0],
        &[1, 2, 5, 8, 10],
        &[5, 9, 0, 4],
    ];
    (0..64)
        .map(|i| PcSet::from_pcs(shapes[i % 8]).transpose((i * 5) as i32))
        .collect()
}

fn window_update(c: &mut Criterion) {
    let chords = chords();
    let mut group = c.benchmark_group("harmony_event");
    for mode in [AnalysisMode::Interactive, AnalysisMode::Live] {
        let mut w = ChordWindow::new(32, mode, TensionWeights::default());
        for &s in &chords[..32] {
            w.push(s);
        }
        let mut i = 0;
        group.bench_function(
            BenchmarkId::new("window_push_32", format!("{mode:?}")),
            |b| {
                b.iter(|| {
                    i = (i + 1) % chords.len();
                    black_box(w.push(black_box(chords[i])))
                })
            },
        );
    }
    group.finish();
}

fn analyzer_event(c: &mut Criterion) {
    let chords = chords();
    let mut group = c.benchmark_group("harmony_analyzer");
    for mode in [AnalysisMode::Interactive, AnalysisMode::Live] {
        let config = AnalyzerConfig {
            mode,
            ..Default::default()
        };
        let mut a = Analyzer::new(48_000.0, config);
        let debounce = a.debounce_samples() as u32;
        let play = |a: &mut Analyzer, set: PcSet| {
            a.all_notes_off();
            for pc in set.iter() {
                a.note_on(60 + pc);
            }
            a.advance(debounce)
        };
        for &s in &chords[..32] {
            play(&mut a, s);
        }
        let mut i = 0;
        // One chord change (all notes off, 3–5 notes on) and the advance that fires it.
        group.bench_function(
            BenchmarkId::new("chord_change_32", format!("{mode:?}")),
            |b| {
                b.iter(|| {
                    i = (i + 1) % chords.len();
                    black_box(play(&mut a, chords[i]))
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, window_update, analyzer_event);
criterion_main!(benches);
