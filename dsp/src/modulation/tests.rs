//! Unit tests of the matrix: names, curves, compilation and accumulation.

use super::*;

#[test]
fn names_round_trip_and_unknown_names_are_typed_errors() {
    for s in Source::ALL {
        assert_eq!(Source::parse(s.name()), Ok(s));
        assert_eq!(Source::ALL[s.index()], s);
    }
    for d in Destination::ALL {
        assert_eq!(Destination::parse(d.name()), Ok(d));
        assert_eq!(Destination::ALL[d.index()], d);
    }
    for c in Curve::ALL {
        assert_eq!(Curve::parse(c.name()), Ok(c));
    }
    let e = Source::parse("lfo9").unwrap_err();
    assert_eq!(e.kind, "source");
    assert!(e.known.contains("macro4"), "{}", e.known);
}

#[test]
fn curves_keep_zero_and_ends_and_are_monotonic() {
    for c in Curve::ALL {
        for bip in [false, true] {
            let lo = if bip { -1.0 } else { 0.0 };
            assert_eq!(c.apply(0.0, bip), 0.0);
            assert!((c.apply(1.0, bip) - 1.0).abs() < 1e-6, "{c:?}");
            assert!((c.apply(lo, bip) - lo).abs() < 1e-6, "{c:?}");
            let mut prev = c.apply(lo, bip);
            for k in 1..=100 {
                let v = lo + (1.0 - lo) * k as f32 / 100.0;
                let y = c.apply(v, bip);
                assert!(y >= prev, "{c:?} bipolar {bip} at {v}");
                prev = y;
            }
        }
    }
    // Exponential is gentler than linear inside the range, S is steeper at the middle.
    assert!((Curve::Exponential.apply(0.5, false) - 0.25).abs() < 1e-6);
    assert!((Curve::S.apply(0.25, false) - 0.15625).abs() < 1e-6);
}

#[test]
fn compile_keeps_only_active_slots_split_by_rate() {
    let mut m = ModMatrix::default();
    assert!(m.push(Slot::new(Source::Velocity, Destination::MorphX, 0.5)));
    assert!(m.push(Slot::new(Source::Lfo2, Destination::Cutoff, -0.25)));
    assert!(m.push(Slot::new(Source::Key, Destination::AmpAttack, 1.0)));
    let mut off = Slot::new(Source::Macro1, Destination::Pitch, 1.0);
    off.enabled = false;
    assert!(m.push(off));
    assert!(m.push(Slot::new(Source::Macro2, Destination::Pan, 0.0)));
    let c = CompiledMatrix::compile(&m);
    assert_eq!(c.sample.as_slice().len(), 1);
    assert_eq!(c.control.as_slice().len(), 1);
    assert_eq!(c.note_start.as_slice().len(), 1);
    assert_eq!(c.control.as_slice()[0].depth, -0.25 * 8.0);
    assert!(c.uses(Source::Velocity) && c.uses(Source::Lfo2) && c.uses(Source::Key));
    assert!(!c.uses(Source::Macro1) && !c.uses(Source::Macro2));
    assert!(c.moves(Destination::Cutoff) && !c.moves(Destination::Pitch));
    assert_eq!(m.active(), 3);
}

#[test]
fn a_full_matrix_refuses_more_slots_and_sanitises_amounts() {
    let mut m = ModMatrix::default();
    for _ in 0..MAX_SLOTS {
        assert!(m.push(Slot::new(Source::Constant, Destination::MorphY, f32::NAN)));
    }
    assert!(!m.push(Slot::new(Source::Constant, Destination::MorphY, 1.0)));
    m.slots[3].amount = 7.0;
    m.key_centre = f32::INFINITY;
    let s = m.sanitized();
    assert_eq!(s.slots[0].amount, 0.0);
    assert_eq!(s.slots[3].amount, 1.0);
    assert_eq!(s.key_centre, 127.0);
    assert_eq!(CompiledMatrix::compile(&m).sample.as_slice().len(), 1);
}

#[test]
fn accumulate_matches_the_per_sample_formula() {
    let src: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin()).collect();
    let via: Vec<f32> = (0..37).map(|i| i as f32 / 36.0).collect();
    for curve in Curve::ALL {
        for (source, vias) in [
            (Source::Lfo1, None),
            (Source::Lfo1, Some(Source::Macro1)),
            (Source::ModWheel, Some(Source::Lfo2)),
        ] {
            let r = Route {
                source,
                via: vias,
                destination: Destination::MorphZ,
                depth: 0.7,
                curve,
            };
            let s = if source == Source::ModWheel {
                SourceValues::Const(0.3)
            } else {
                SourceValues::Buf(&src)
            };
            let v = vias.map(|v| {
                if v == Source::Macro1 {
                    SourceValues::Const(0.5)
                } else {
                    SourceValues::Buf(&via)
                }
            });
            let mut out = vec![0.25; 37];
            accumulate(&mut out, &r, s, v);
            for (i, o) in out.iter().enumerate() {
                let want = 0.25 + r.value(s.at(i), v.map_or(1.0, |v| v.at(i)));
                assert!((o - want).abs() < 1e-6, "{curve:?} {source:?} {i}");
            }
        }
    }
}

#[test]
fn smooth_random_is_bounded_continuous_and_block_size_independent() {
    let mut a = SmoothRandom::new(7);
    let mut whole = vec![0.0; 4000];
    a.process_block(20.0, 1000.0, &mut whole);
    let mut b = SmoothRandom::new(7);
    let mut parts = vec![0.0; 4000];
    for c in parts.chunks_mut(3) {
        b.process_block(20.0, 1000.0, c);
    }
    assert_eq!(whole, parts);
    assert!(whole.iter().all(|v| (-1.0..=1.0).contains(v)));
    // 50 samples per segment: a step of at most 1.5 × (2 / 50) between samples.
    let max_step = whole
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(max_step <= 0.061, "{max_step}");
    let spread = whole.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(spread > 0.3, "it moves: {spread}");
    // A stopped or absurd rate holds or crawls, finite and in range.
    for rate in [0.0, f32::NAN, 1e-30, f32::INFINITY] {
        let mut r = SmoothRandom::new(3);
        let mut out = vec![0.0; 300];
        r.process_block(rate, 48000.0, &mut out);
        r.process_block(rate, 48000.0, &mut out);
        assert!(out.iter().all(|v| (-1.0..=1.0).contains(v)), "{rate}");
    }
}

#[test]
fn amounts_for_depths_land_on_the_depths() {
    for depth in [
        0.3f32,
        -0.15,
        0.07,
        12.0,
        0.2,
        0.05,
        -7.9,
        1.0 / 3.0,
        0.06,
        0.12,
    ] {
        let a = Destination::Pitch.amount_for(depth);
        assert!((a * 24.0 - depth).abs() <= depth.abs() * 1e-6, "{depth}");
    }
    // The factory patches' vibrato depths land exactly.
    for depth in [0.15f32, 0.12, 0.06, 7.0] {
        assert_eq!(Destination::Pitch.amount_for(depth) * 24.0, depth);
    }
    assert_eq!(Destination::Cutoff.amount_for(3.0) * 8.0, 3.0);
    assert_eq!(Destination::MorphX.amount_for(0.37), 0.37);
}

#[test]
fn smooth_random_at_control_points_is_the_block_at_those_points() {
    let (mut every, mut sparse) = (SmoothRandom::new(11), SmoothRandom::new(11));
    let mut first = 3;
    for (call, len) in [64usize, 5, 64, 1, 17, 64, 64, 33]
        .into_iter()
        .cycle()
        .take(40)
        .enumerate()
    {
        let mut all = vec![0.0; len];
        every.process_block(40.0, 1000.0, &mut all);
        let mut some = vec![f32::NAN; len];
        sparse.process_every(40.0, 1000.0, &mut some, first.min(len), 8);
        for (i, (a, s)) in all.iter().zip(&some).enumerate() {
            let wanted = i >= first && (i - first) % 8 == 0;
            if wanted {
                assert_eq!(a.to_bits(), s.to_bits(), "call {call}, sample {i}");
            } else {
                assert!(s.is_nan(), "call {call}: sample {i} was written");
            }
        }
        first = (first + 8 - len % 8) % 8;
    }
}

#[test]
fn per_sample_routes_are_grouped_by_destination_in_slot_order() {
    let mut m = ModMatrix::default();
    let slots = [
        (Source::Lfo1, Destination::MorphY, 0.1),
        (Source::Lfo2, Destination::MorphX, 0.2),
        (Source::Velocity, Destination::Pitch, 0.3),
        (Source::Lfo3, Destination::MorphY, 0.4),
        (Source::ModEnv, Destination::Pan, 0.5),
        (Source::AmpEnv, Destination::MorphX, 0.6),
    ];
    for (s, d, a) in slots {
        assert!(m.push(Slot::new(s, d, a)));
    }
    let c = CompiledMatrix::compile(&m);
    let sources = |d| {
        c.sample_routes(d)
            .iter()
            .map(|r| r.source)
            .collect::<Vec<_>>()
    };
    assert_eq!(sources(Destination::MorphX), [Source::Lfo2, Source::AmpEnv]);
    assert_eq!(sources(Destination::MorphY), [Source::Lfo1, Source::Lfo3]);
    assert_eq!(sources(Destination::Pan), [Source::ModEnv]);
    assert!(sources(Destination::MorphZ).is_empty());
    assert!(
        sources(Destination::Pitch).is_empty(),
        "pitch is control-rate"
    );
    assert_eq!(c.sample.as_slice().len(), 5);
}
