//! Harmony analysis against the seed's reference values and stated bounds: angles and
//! organisation, transposition invariance, debounce timing, tension of consonant vs
//! atonal progressions, phrase boundaries, similarity, the style classifier's held-out
//! accuracy, finite output under hostile input, and no allocation on the audio thread.
//!
//! `cargo test -p wavecube-dsp --test harmony -- --nocapture` prints the measured numbers.

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use wavecube_dsp::harmony::{
    analyze_notes, analyze_sets, corpus, evaluate, evaluate_corpus, theta_sets, AnalysisMode,
    Analyzer, AnalyzerConfig, ChordWindow, PcSet, PcSpectrum, Similarity, Style, TensionWeights,
    HELD_OUT_FRACTION,
};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

const SR: f32 = 48_000.0;

fn set(p: &[u8]) -> PcSet {
    PcSet::from_pcs(p)
}

fn major(root: u8) -> PcSet {
    set(&[root, root + 4, root + 7])
}

fn minor(root: u8) -> PcSet {
    set(&[root, root + 3, root + 7])
}

#[test]
fn reference_angles_and_organisation() {
    let c = major(0);
    let cases = [
        ("θ(C, G)", theta_sets(c, major(7)), 1.499_307),
        ("θ(C, F#)", theta_sets(c, major(6)), 1.860_548),
        ("θ(C, Am)", theta_sets(c, minor(9)), 0.962_551),
    ];
    for (what, got, want) in cases {
        println!("{what} = {got:.6} (seed {want})");
        assert!((got - want).abs() < 1e-6, "{what} = {got}, expected {want}");
    }
    let org = |s: PcSet| PcSpectrum::of(s).organisation();
    for (what, got, want) in [
        ("1−H single note", org(set(&[0])), 0.0),
        ("1−H tritone", org(set(&[0, 6])), 0.386_853),
        ("1−H C major", org(c), 0.161_172),
    ] {
        println!("{what} = {got:.6} (seed {want})");
        assert!((got - want).abs() < 1e-6, "{what} = {got}, expected {want}");
    }
}

#[test]
fn entropy_and_magnitudes_are_transposition_invariant() {
    // Every one of the 4096 sets, every transposition.
    let mut worst: f64 = 0.0;
    for bits in 0..4096u16 {
        let s = PcSet::from_bits(bits);
        let a = PcSpectrum::of(s);
        for n in 1..12 {
            let b = PcSpectrum::of(s.transpose(n));
            worst = worst.max((a.entropy() - b.entropy()).abs());
            for (x, y) in a.magnitudes().iter().zip(b.magnitudes()) {
                worst = worst.max((x - y).abs());
            }
        }
    }
    println!("largest change of H or |F_k| under transposition: {worst:.2e}");
    assert!(worst < 1e-12, "{worst}");
}

/// Holds `notes` for `hold` samples (in 64-sample chunks), releases them and waits
/// 100 ms; returns the events.
fn hold(a: &mut Analyzer, notes: &[u8], hold: u32) -> Vec<wavecube_dsp::harmony::ChordEvent> {
    let mut events = Vec::new();
    let mut run = |a: &mut Analyzer, mut n: u32| {
        while n > 0 {
            let step = n.min(64);
            events.extend(a.advance(step));
            n -= step;
        }
    };
    for &n in notes {
        a.note_on(n);
    }
    run(a, hold);
    for &n in notes {
        a.note_off(n);
    }
    run(a, 4800);
    events
}

#[test]
fn debounce_20ms_does_not_fire_40ms_does() {
    let mut a = Analyzer::new(SR, AnalyzerConfig::default());
    assert!(hold(&mut a, &[60, 64, 67], 960).is_empty(), "20 ms fired");
    let e = hold(&mut a, &[60, 64, 67], 1920);
    assert_eq!(e.len(), 1, "40 ms did not fire once");
    assert_eq!(e[0].time_samples - e[0].onset_samples, 1440);
    // Right at the edge: 1439 samples do not settle, 1440 do.
    assert!(hold(&mut a, &[62, 65, 69], 1439).is_empty());
    assert_eq!(hold(&mut a, &[62, 65, 69], 1440).len(), 1);
}

#[test]
fn repeated_chord_has_zero_velocity() {
    let mut a = Analyzer::new(SR, AnalyzerConfig::default());
    let first = hold(&mut a, &[60, 64, 67], 9600);
    let again = hold(&mut a, &[48, 52, 55, 60], 9600);
    assert_eq!((first.len(), again.len()), (1, 1));
    println!("velocity of a repeated C major: {}", again[0].velocity);
    assert!(again[0].velocity.abs() < 1e-6);
}

/// A tiny deterministic generator for test inputs (xorshift64*).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `chords` held for 0.5 s each, back to back, as timed sets.
fn timed(chords: &[PcSet]) -> Vec<(u64, PcSet)> {
    let mut out: Vec<(u64, PcSet)> = chords
        .iter()
        .enumerate()
        .map(|(i, &c)| (i as u64 * 24_000, c))
        .collect();
    out.push((chords.len() as u64 * 24_000, PcSet::EMPTY));
    out
}

/// I–V–vi–IV in C, eight times.
fn diatonic_loop() -> Vec<PcSet> {
    [major(0), major(7), minor(9), major(5)]
        .iter()
        .cycle()
        .take(32)
        .copied()
        .collect()
}

/// 32 random sets of 3..=6 pitch classes.
fn atonal_walk(seed: u64) -> Vec<PcSet> {
    let mut rng = Lcg(seed);
    (0..32)
        .map(|_| {
            let n = 3 + rng.below(4) as u32;
            let mut s = PcSet::EMPTY;
            while s.len() < n {
                s = s.with(rng.below(12) as u8);
            }
            s
        })
        .collect()
}

fn mean(x: impl Iterator<Item = f32>) -> f64 {
    let v: Vec<f64> = x.map(f64::from).collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

#[test]
fn tension_is_bounded_and_higher_for_atonal_than_a_diatonic_loop() {
    // Stated margins (tension is 0..1): the atonal walks' mean tension exceeds the loop's
    // by at least 0.08 in interactive mode and 0.04 in live mode (measured: 0.107 and
    // 0.056; live's Haar sees less of the atonal walks' fine-scale motion).
    for (mode, margin) in [
        (AnalysisMode::Interactive, 0.08),
        (AnalysisMode::Live, 0.04),
    ] {
        let config = AnalyzerConfig {
            mode,
            ..Default::default()
        };
        let tonal = analyze_sets(&timed(&diatonic_loop()), SR, config);
        assert_eq!(tonal.events.len(), 32);
        let t_tonal = mean(tonal.events.iter().map(|e| e.tension));
        let mut t_atonal = 0.0;
        for seed in 1..=8u64 {
            let a = analyze_sets(&timed(&atonal_walk(seed)), SR, config);
            assert!(a.events.len() >= 28, "{}", a.events.len());
            t_atonal += mean(a.events.iter().map(|e| e.tension)) / 8.0;
            for e in a.events.iter().chain(&tonal.events) {
                assert!((0.0..=1.0).contains(&e.tension), "{e:?}");
            }
        }
        let terms = |evs: &[wavecube_dsp::harmony::ChordEvent]| {
            (
                mean(evs.iter().map(|e| 1.0 - e.organisation)),
                mean(evs.iter().map(|e| e.detail_energy)),
                mean(
                    evs.iter()
                        .map(|e| (e.key_distance / std::f32::consts::FRAC_PI_2).min(1.0)),
                ),
            )
        };
        let a1 = analyze_sets(&timed(&atonal_walk(1)), SR, config);
        println!(
            "{mode:?}: mean tension diatonic loop {t_tonal:.3}, atonal walks {t_atonal:.3}; \
             terms (disorder, detail, key) loop {:.3?}, atonal #1 {:.3?}",
            terms(&tonal.events),
            terms(&a1.events)
        );
        assert!(
            t_atonal > t_tonal + margin,
            "{mode:?}: atonal {t_atonal} vs diatonic {t_tonal}"
        );
    }
}

#[test]
fn corpus_tension_by_style() {
    // The corpus's atonal progressions are tenser on average than its rock loops.
    let c = corpus();
    let mut by_style = [0.0f64; 4];
    for style in Style::ALL {
        let mut sum = 0.0;
        let mut n = 0.0;
        for p in c.iter().filter(|p| p.style == Some(style)) {
            let mut w = ChordWindow::new(32, AnalysisMode::Interactive, TensionWeights::default());
            for &s in &p.chords {
                sum += w.push(s).tension;
                n += 1.0;
            }
        }
        by_style[style.index()] = sum / n;
        println!("{style:>9}: mean tension {:.3} over {n} events", sum / n);
    }
    assert!(by_style[Style::Atonal.index()] > by_style[Style::Rock.index()] + 0.03);
}

#[test]
fn chunking_does_not_change_events_and_reset_reproduces_them() {
    // Random three-note chords, each released before the next, with gaps from 1 sample
    // to 125 ms (so many never settle); some notes are pressed twice.
    let mut rng = Lcg(99);
    let mut script = Vec::new();
    let mut held: Vec<u8> = Vec::new();
    for _ in 0..300 {
        // Hold the previous chord for 1..6000 samples, then release it.
        let hold = rng.below(6000) as u32 + 1;
        for (i, &n) in held.iter().enumerate() {
            script.push((if i == 0 { hold } else { 0 }, n, false));
        }
        held = (0..3).map(|_| rng.below(48) as u8 + 36).collect();
        let rest = rng.below(4) as u32 * 1000;
        for (i, &n) in held.iter().enumerate() {
            script.push((if i == 0 { rest } else { 0 }, n, true));
        }
    }
    let run = |a: &mut Analyzer, chunk: u32| {
        let mut events = Vec::new();
        for &(gap, note, on) in &script {
            let mut left = gap;
            while left > 0 {
                let n = left.min(chunk);
                events.extend(a.advance(n));
                left -= n;
            }
            if on {
                a.note_on(note);
            } else {
                a.note_off(note);
            }
        }
        events.extend(a.advance(10_000));
        events
    };
    let mut a = Analyzer::new(SR, AnalyzerConfig::default());
    let reference = run(&mut a, 64);
    assert!(reference.len() > 100, "{}", reference.len());
    println!("random chords: {} events", reference.len());
    for chunk in [1, 17, 512, u32::MAX] {
        let mut b = Analyzer::new(SR, AnalyzerConfig::default());
        assert_eq!(run(&mut b, chunk), reference, "chunk {chunk}");
    }
    a.reset();
    assert_eq!(run(&mut a, 64), reference, "after reset");
}

#[test]
fn batch_analysis_equals_the_live_analyser() {
    let mut rng = Lcg(5);
    let mut notes = Vec::new();
    let mut t = 0u64;
    for _ in 0..300 {
        t += rng.below(6000);
        notes.push((t, rng.below(48) as u8 + 40, rng.below(2) == 0));
    }
    let batch = analyze_notes(&notes, SR, AnalyzerConfig::default());
    let mut live = Analyzer::new(SR, AnalyzerConfig::default());
    let mut events = Vec::new();
    for &(time, note, on) in &notes {
        while live.now_samples() < time {
            let n = (time - live.now_samples()).min(64) as u32;
            events.extend(live.advance(n));
        }
        if on {
            live.note_on(note);
        } else {
            live.note_off(note);
        }
    }
    events.extend(live.advance(2000));
    assert_eq!(batch.events, events);
    assert_eq!(batch.bands.len(), batch.events.len());
    let flagged: Vec<usize> = events
        .iter()
        .filter_map(|e| e.boundary_at.map(|b| b as usize))
        .collect();
    assert_eq!(batch.boundaries, flagged);
    println!(
        "random notes: {} events, {} boundaries",
        batch.events.len(),
        batch.boundaries.len()
    );
}

#[test]
fn boundaries_follow_the_rule_and_mark_a_change_of_texture() {
    // 16 chords of a triad loop, then 16 random sets: the change at chord 16 should be
    // reported as a boundary within 3 chords, and the loop alone has none.
    for mode in [AnalysisMode::Interactive, AnalysisMode::Live] {
        let mut found_per_seed = Vec::new();
        for seed in 1..=4 {
            let mut chords = diatonic_loop()[..16].to_vec();
            chords.extend(&atonal_walk(seed)[..16]);
            let mut w = ChordWindow::new(32, mode, TensionWeights::default());
            let mut found = Vec::new();
            for (i, &c) in chords.iter().enumerate() {
                let u = w.push(c);
                if let Some((at, energy)) = u.boundary {
                    assert_eq!(at + 1, i as u64);
                    assert!(energy > 0.7);
                    // The rule, checked on the window as it is now.
                    let d = w.detail_energy();
                    let n = d.len();
                    assert!(d[n - 2] > d[n - 3] && d[n - 2] >= d[n - 1]);
                    found.push(at);
                }
            }
            assert!(
                found.iter().all(|&b| b >= 14),
                "{mode:?}: boundary inside the loop: {found:?}"
            );
            assert!(
                found.iter().any(|&b| (15..=19).contains(&b)),
                "{mode:?} seed {seed}: no boundary near the change: {found:?}"
            );
            found_per_seed.push(found);
        }
        println!("{mode:?}: boundaries at {found_per_seed:?} (change at 16)");
        let mut w = ChordWindow::new(32, mode, TensionWeights::default());
        let looped: Vec<_> = diatonic_loop().into_iter().map(|c| w.push(c)).collect();
        assert!(
            looped.iter().all(|u| u.boundary.is_none()),
            "{mode:?}: boundary in a plain loop"
        );
    }
}

#[test]
fn similarity_prefers_a_transposition_to_another_style() {
    let sim = Similarity::from_shipped_corpus();
    let c = corpus();
    let of = |s: Style| c.iter().filter(move |p| p.style == Some(s));
    let mut worst_margin = f64::MAX;
    for style in Style::ALL {
        let (mut within, mut n_within) = (0.0, 0.0);
        let (mut across, mut n_across) = (0.0, 0.0);
        for p in of(style).take(10) {
            let same = sim.score(&p.chords, &p.transposed(5).chords);
            assert!((same - 1.0).abs() < 1e-9, "{same}");
            for q in of(style).skip(10).take(10) {
                within += sim.score(&p.chords, &q.chords);
                n_within += 1.0;
            }
            for other in Style::ALL.into_iter().filter(|&o| o != style) {
                for q in of(other).take(10) {
                    let s = sim.score(&p.chords, &q.chords);
                    across += s;
                    n_across += 1.0;
                    worst_margin = worst_margin.min(same - s);
                }
            }
        }
        println!(
            "{style:>9}: mean Sim within style {:.3}, to other styles {:.3}",
            within / n_within,
            across / n_across
        );
    }
    println!("smallest Sim(P, T5 P) − Sim(P, other style): {worst_margin:.3}");
    assert!(worst_margin > 0.0, "{worst_margin}");
}

#[test]
fn classifier_held_out_accuracy_above_70_percent() {
    let c = corpus();
    assert!(c.len() >= 200);
    let ev = evaluate_corpus().unwrap();
    println!("{ev}");
    assert_eq!(ev.train + ev.test, c.len());
    assert!(ev.accuracy() > 0.7, "{}", ev.accuracy());
    // Other splits of the same corpus clear the bar too.
    for seed in 1..=4 {
        let acc = evaluate(&c, HELD_OUT_FRACTION, seed).unwrap().accuracy();
        println!("split seed {seed}: held-out accuracy {acc:.3}");
        assert!(acc > 0.7, "seed {seed}: {acc}");
    }
}

#[test]
fn output_is_finite_under_hostile_input() {
    let configs = [
        AnalyzerConfig {
            debounce_ms: f32::NAN,
            window: 0,
            mode: AnalysisMode::Live,
            weights: TensionWeights {
                alpha: f32::NAN,
                beta: f32::INFINITY,
                gamma: -1.0,
            },
        },
        AnalyzerConfig {
            debounce_ms: 0.0,
            window: 10_000,
            ..Default::default()
        },
        AnalyzerConfig {
            debounce_ms: f32::INFINITY,
            ..Default::default()
        },
    ];
    for (i, config) in configs.into_iter().enumerate() {
        for rate in [f32::NAN, -1.0, 0.0, 1e-30, 8_000.0, 1e9, f32::INFINITY] {
            let mut a = Analyzer::new(rate, config);
            let mut rng = Lcg(i as u64 + 11);
            let mut events = 0;
            for _ in 0..3000 {
                let note = rng.below(256) as u8;
                match rng.below(5) {
                    0 | 1 => a.note_on(note),
                    2 | 3 => a.note_off(note),
                    _ => a.all_notes_off(),
                }
                let gap = [0, 1, 64, 5000, u32::MAX][rng.below(5) as usize];
                if let Some(e) = a.advance(gap) {
                    events += 1;
                    for v in [
                        e.organisation,
                        e.magnetism,
                        e.velocity,
                        e.drift,
                        e.key_distance,
                        e.detail_energy,
                        e.tension,
                        e.boundary_energy,
                    ] {
                        assert!(v.is_finite(), "{e:?}");
                    }
                    assert!((0.0..=1.0).contains(&e.tension));
                }
                assert!(a.tension().is_finite());
            }
            a.set_weights(TensionWeights {
                alpha: 1e30,
                beta: 1e30,
                gamma: 1e30,
            });
            assert!((0.0..=1.0).contains(&a.tension()));
            assert!(
                events > 0 || config.debounce_ms.is_infinite(),
                "config {i} rate {rate}"
            );
        }
    }
}

#[test]
fn the_allocation_checker_is_active() {
    reset_violation_count();
    let v = assert_no_alloc(|| Vec::<u8>::with_capacity(16));
    drop(v);
    assert_eq!(violation_count(), 1);
    reset_violation_count();
}

#[test]
fn analyzer_never_allocates_after_new() {
    let mut a = Analyzer::new(SR, AnalyzerConfig::default());
    let chords: Vec<PcSet> = atonal_walk(3).into_iter().chain(diatonic_loop()).collect();
    let mut w = ChordWindow::new(32, AnalysisMode::Interactive, TensionWeights::default());
    reset_violation_count();
    assert_no_alloc(|| {
        for round in 0..2 {
            a.set_mode(if round == 0 {
                AnalysisMode::Interactive
            } else {
                AnalysisMode::Live
            });
            a.set_weights(TensionWeights::default());
            a.set_sample_rate(44_100.0);
            for &c in &chords {
                for pc in c.iter() {
                    a.note_on(48 + pc);
                }
                for _ in 0..100 {
                    let _ = a.advance(64);
                }
                for pc in c.iter() {
                    a.note_off(48 + pc);
                }
                let _ = a.advance(64);
                let _ = (a.tension(), a.last_event());
                let u = w.push(c);
                let _ = wavecube_dsp::harmony::chord_name(u.features.set, None);
            }
            a.all_notes_off();
            a.reset();
            w.reset();
        }
    });
    assert_eq!(violation_count(), 0, "the analyser allocated");
}
