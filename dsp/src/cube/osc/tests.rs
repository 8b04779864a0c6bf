//! Unit tests of the oscillator kernels: the AVX2 kernels against the portable ones, the
//! polynomial path's weights against the trilinear ones, and the blend cache.

use super::*;
use crate::cube::{factory_cube, Cube, Node};

fn render(osc: &CubeOsc, set: &CubeSet, f0: f64, sr: f64, morph: [f32; 3], n: usize) -> Vec<f32> {
    let inc = (f0 / sr * 4294967296.0) as u32;
    let pick = set.levels().pick(inc);
    let (x, y, z) = (vec![morph[0]; n], vec![morph[1]; n], vec![morph[2]; n]);
    let gain = vec![1.0; n];
    let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
    let mut phase = 0;
    osc.render(
        &mut OscScratch::new(),
        set,
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
    l
}

#[test]
fn kernel_table_matches_the_exact_weights() {
    let table = kernel_table();
    let mut worst = 0.0f64;
    for i in 0..100_000u32 {
        // Sample fractions the way `split_phase` produces them: 24 bits.
        let frac24 = i.wrapping_mul(2_654_435_761) >> 8;
        let (row, f) = ((frac24 >> 16) as usize, (frac24 & 0xFFFF) as f32 / 65536.0);
        let exact = crate::cube::bspline7_weights(frac24 as f64 / 16_777_216.0);
        for k in 0..BSPLINE_TAPS {
            let approx = table[row].w[k] + f * table[row].d[k];
            worst = worst.max((approx as f64 - exact[k]).abs());
        }
    }
    assert!(worst < 2e-6, "kernel table error {worst}");
}

#[test]
fn simd_matches_scalar_with_a_moving_morph() {
    let set = CubeSet::build(&factory_cube()).unwrap();
    let n = 3000;
    let x: Vec<f32> = (0..n).map(|i| i as f32 / n as f32).collect();
    let y: Vec<f32> = (0..n)
        .map(|i| (i as f32 * 0.01).sin() * 0.5 + 0.5)
        .collect();
    let z: Vec<f32> = (0..n).map(|i| 1.0 - i as f32 / n as f32).collect();
    let gain = vec![1.0; n];
    let inc = (330.0 / 48000.0 * 4294967296.0) as u32;
    let pick = set.levels().pick(inc);
    let mut outs = Vec::new();
    for osc in [CubeOsc::new(), CubeOsc::scalar()] {
        let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
        let mut phase = 0;
        osc.render(
            &mut OscScratch::new(),
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
        outs.push(l);
    }
    let err = outs[0]
        .iter()
        .zip(&outs[1])
        .map(|(p, q)| (p - q).abs())
        .fold(0.0f32, f32::max);
    assert!(err < 2e-6, "simd vs scalar differ by {err}");
    assert!(outs[0].iter().any(|v| v.abs() > 0.1));
}

/// Straight-line morph ramps: slow ones inside one cell, and a fast one that crosses
/// cells, so sub-blocks take both the polynomial and the per-sample path.
fn ramps(n: usize) -> Vec<[Vec<f32>; 3]> {
    let line = |a: f32, b: f32| (0..n).map(|i| a + (b - a) * i as f32 / n as f32).collect();
    vec![
        [line(0.40, 0.43), line(0.55, 0.56), line(0.10, 0.12)],
        [line(0.40, 0.41), vec![0.5; n], vec![0.7; n]],
        [line(0.0, 1.0), line(1.0, 0.0), line(0.2, 0.9)],
        // Near the top of a 0.7 Hz sine LFO at the 2× clock of 48 kHz, its most curved
        // part: a parabola, so it takes the polynomial path too.
        [
            (0..n)
                .map(|i| {
                    let t = i as f64 / 96000.0 - 0.01;
                    (0.5 + 0.5 * (std::f64::consts::TAU * 0.7 * t).cos()) as f32 * 0.999
                })
                .collect(),
            line(0.55, 0.56),
            vec![0.4; n],
        ],
        // Three audio-thread LFOs at 14, 7 and 3 Hz sweeping the whole cube: parabolas
        // within cells, the per-sample path where they cross.
        [14.0, 7.0, 3.0].map(|hz| {
            (0..n)
                .map(|i| {
                    let t = i as f64 / 96000.0 + 0.003;
                    (0.5 + 0.5 * (std::f64::consts::TAU * hz * t).sin()) as f32
                })
                .collect()
        }),
    ]
}

#[test]
fn poly_weights_match_the_trilinear_weights() {
    let set = CubeSet::build(&factory_cube()).unwrap();
    let geo = Geometry {
        scale: set.dims().map(|s| (s - 1) as f32),
        cells: set.cell_dims(),
    };
    let cells = set.cells();
    let mut degrees = Vec::new();
    for [x, y, z] in ramps(POLY) {
        let Some(pw) = poly_weights(geo, cells, &x, &y, &z, false) else {
            degrees.push(None);
            continue;
        };
        degrees.push(Some(pw.degree));
        for j in 0..POLY {
            let (cell, w) = corner_weights(geo, cells, x[j], y[j], z[j]);
            assert!(std::ptr::eq(cell, &cells[pw.cell]));
            for c in 0..8 {
                let u = j as f64;
                let p: f64 = (0..=pw.degree)
                    .map(|p| f64::from(pw.coef[p][c]) * u.powi(p as i32))
                    .sum();
                assert!((p - f64::from(w[c])).abs() < 1e-6, "corner {c} sample {j}");
            }
        }
    }
    // Three moving axes make a cubic; one axis is linear; a ramp across cells takes
    // the per-sample path; the top of a slow sine is a parabola, and its bend times
    // y's slope a cubic term.
    // The three LFOs' curves hold over a quarter of a sub-block, not over a whole one
    // (the kernel then tries half, then a quarter).
    assert_eq!(degrees, [Some(3), Some(1), None, Some(3), None]);
    let [x, y, z] = &ramps(POLY / 4)[4];
    let pw = poly_weights(geo, cells, x, y, z, false).expect("a quarter sub-block is a curve");
    for j in 0..POLY / 4 {
        let (cell, w) = corner_weights(geo, cells, x[j], y[j], z[j]);
        assert!(std::ptr::eq(cell, &cells[pw.cell]));
        for c in 0..8 {
            let u = j as f64;
            let p: f64 = (0..=pw.degree)
                .map(|p| f64::from(pw.coef[p][c]) * u.powi(p as i32))
                .sum();
            assert!((p - f64::from(w[c])).abs() < 1e-6, "corner {c} sample {j}");
        }
    }
    // A fixed point is degree 0; a curve, NaN or too few samples take the exact path.
    let still = vec![0.3; POLY];
    assert_eq!(
        poly_weights(geo, cells, &still, &still, &still, false).map(|p| p.degree),
        Some(0)
    );
    // A kink (the corner of a triangle LFO) is no parabola.
    let kink: Vec<f32> = (0..POLY)
        .map(|i| 0.4 + 1e-4 * (i as f32 - 20.0).abs())
        .collect();
    assert!(poly_weights(geo, cells, &kink, &still, &still, false).is_none());
    let mut nan = still.clone();
    nan[9] = f32::NAN;
    assert!(poly_weights(geo, cells, &nan, &still, &still, false).is_none());
    assert!(poly_weights(geo, cells, &still[..7], &still, &still, false).is_none());
}

#[cfg(target_arch = "x86_64")]
#[test]
fn simd_poly_weights_match_the_portable_ones_bit_for_bit() {
    if !simd_available() {
        return;
    }
    let set = CubeSet::build(&factory_cube()).unwrap();
    let geo = Geometry {
        scale: set.dims().map(|s| (s - 1) as f32),
        cells: set.cell_dims(),
    };
    let cells = set.cells();
    let still = vec![0.3; POLY];
    let curve: Vec<f32> = (0..POLY).map(|i| 0.4 + 1e-5 * (i * i) as f32).collect();
    let kink: Vec<f32> = (0..POLY)
        .map(|i| 0.4 + 1e-4 * (i as f32 - 20.0).abs())
        .collect();
    let mut nan = still.clone();
    nan[9] = f32::NAN;
    let mut cases = Vec::new();
    // Whole sub-blocks and the shorter last ones of a call (an overlapping last group).
    for m in [POLY, 8, 13, 31, 32, 47] {
        for [x, y, z] in ramps(m) {
            cases.push([x, y, z]);
        }
        cases.push([
            still[..m].to_vec(),
            still[..m].to_vec(),
            still[..m].to_vec(),
        ]);
        cases.push([
            curve[..m].to_vec(),
            still[..m].to_vec(),
            still[..m].to_vec(),
        ]);
        cases.push([still[..m].to_vec(), nan[..m].to_vec(), still[..m].to_vec()]);
        cases.push([still[..m].to_vec(), curve[..m].to_vec(), kink[..m].to_vec()]);
    }
    cases.push([
        still[..7].to_vec(),
        still[..7].to_vec(),
        still[..7].to_vec(),
    ]);
    let mut taken = 0;
    for ([x, y, z], midpoints) in cases.iter().flat_map(|c| [(c, false), (c, true)]) {
        let want = poly_weights(geo, cells, x, y, z, midpoints);
        // SAFETY: the CPU has AVX2 and FMA (checked above).
        let got = unsafe { avx2::poly_weights(geo, cells, x, y, z, midpoints) };
        match (want, got) {
            (None, None) => {}
            (Some(w), Some(g)) => {
                taken += 1;
                assert_eq!((w.cell, w.degree), (g.cell, g.degree));
                for p in 0..4 {
                    for c in 0..8 {
                        assert_eq!(w.coef[p][c].to_bits(), g.coef[p][c].to_bits());
                    }
                }
            }
            _ => panic!("paths differ for a case of {} samples", x.len()),
        }
    }
    // Not vacuous: at least each length's three in-cell ramps and its still point took
    // the polynomial path in both.
    assert!(taken >= 32, "only {taken} cases took the polynomial path");
}

#[test]
fn simd_matches_scalar_on_straight_line_morphs() {
    let set = CubeSet::build(&factory_cube()).unwrap();
    let n = 2000;
    for (f0, two) in [
        (41.0, false),
        (220.0, false),
        (330.0, true),
        (1234.0, false),
        (5000.0, true),
    ] {
        let inc = (f0 / 48000.0 * 4294967296.0) as u32;
        let mut pick = set.levels().pick(inc);
        if two {
            // `MipLevels::pick` never crossfades; the kernels still support it.
            pick.hi = (pick.lo + 1).min(set.levels().levels().len() - 1);
            pick.w_lo = 0.7;
            pick.w_hi = 0.3;
        }
        // Each morph as given, and as the voice makes them: every even sample after
        // the first the mean of its neighbours, in calls of even length.
        let cases = ramps(n).into_iter().flat_map(|r| {
            let mid = r.clone().map(|mut v| {
                for k in (2..n - 1).step_by(2) {
                    v[k] = 0.5 * (v[k - 1] + v[k + 1]);
                }
                v
            });
            [(r, false), (mid, true)]
        });
        for ([x, y, z], midpoints) in cases {
            let gain: Vec<f32> = (0..n)
                .map(|i| 0.5 + 0.5 * (i as f32 * 0.003).sin())
                .collect();
            let mut outs = Vec::new();
            for osc in [CubeOsc::new(), CubeOsc::scalar()] {
                let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
                let mut phase = 12345;
                let mut work = OscScratch::new();
                // Uneven calls, as the voice makes them.
                let mut at = 0;
                let lens = if midpoints {
                    [100, 38, 512, 2, 700, 648]
                } else {
                    [100, 37, 512, 1, 700, 650]
                };
                for len in lens {
                    let seg = at..at + len;
                    osc.render(
                        &mut work,
                        &set,
                        &mut phase,
                        inc,
                        pick,
                        MorphBuffers {
                            x: &x[seg.clone()],
                            y: &y[seg.clone()],
                            z: &z[seg.clone()],
                            midpoints,
                        },
                        &gain[seg.clone()],
                        Pan::Fixed([0.7, 0.3]),
                        &mut l[seg.clone()],
                        &mut r[seg.clone()],
                    );
                    at += len;
                }
                outs.push((l, r));
            }
            let err = |a: &[f32], b: &[f32]| {
                a.iter()
                    .zip(b)
                    .map(|(p, q)| (p - q).abs())
                    .fold(0.0f32, f32::max)
            };
            let e = err(&outs[0].0, &outs[1].0).max(err(&outs[0].1, &outs[1].1));
            eprintln!("{f0} Hz, two levels {two}, midpoints {midpoints}: simd vs scalar {e:e}");
            assert!(e < 2e-6, "simd vs scalar differ by {e} at {f0} Hz");
            assert!(outs[1].0.iter().any(|v| v.abs() > 0.05));
        }
    }
}

#[test]
fn simd_matches_scalar() {
    let set = CubeSet::build(&factory_cube()).unwrap();
    let simd = CubeOsc::new();
    let scalar = CubeOsc::scalar();
    for (f0, morph) in [
        (55.0, [0.3, 0.7, 0.1]),
        (880.0, [1.0, 0.0, 0.5]),
        (3000.0, [0.61, 0.33, 0.97]),
    ] {
        let a = render(&simd, &set, f0, 48000.0, morph, 2000);
        let b = render(&scalar, &set, f0, 48000.0, morph, 2000);
        let err = a
            .iter()
            .zip(&b)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 2e-6, "simd vs scalar differ by {err} at {f0} Hz");
    }
}

/// The factory cube with every node passed through `f(channel, samples)`; stereo when
/// `stereo`.
fn factory_mapped(stereo: bool, f: impl Fn(usize, &[f32]) -> Vec<f32>) -> CubeSet {
    let src = factory_cube();
    let [w, h, d] = src.dims();
    let mut cube = Cube::new(w, h, d).unwrap();
    for ([x, y, z], node) in src.iter() {
        let left = f(0, node.channel(0));
        let node = if stereo {
            Node::stereo(left, f(1, node.channel(0))).unwrap()
        } else {
            Node::mono(left).unwrap()
        };
        cube.set(x, y, z, node).unwrap();
    }
    CubeSet::build(&cube).unwrap()
}

/// One fixed-morph call of `n` samples: `[left, right]`, through `cache` when given.
#[allow(clippy::too_many_arguments)]
fn fixed_call(
    osc: &CubeOsc,
    cache: Option<&mut BlendCache>,
    set: &CubeSet,
    phase: &mut u32,
    f0: f64,
    two: bool,
    morph: [f32; 3],
    n: usize,
) -> [Vec<f32>; 2] {
    let inc = (f0 / 96000.0 * 4294967296.0) as u32;
    let mut pick = set.levels().pick(inc);
    if two {
        pick.hi = (pick.lo + 1).min(set.levels().levels().len() - 1);
        pick.w_lo = 0.6;
        pick.w_hi = 0.4;
    }
    let (x, y, z) = (vec![morph[0]; n], vec![morph[1]; n], vec![morph[2]; n]);
    let gain: Vec<f32> = (0..n).map(|i| 1.0 - i as f32 * 1e-4).collect();
    let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
    let morph = MorphBuffers {
        x: &x,
        y: &y,
        z: &z,
        midpoints: false,
    };
    let mut work = OscScratch::new();
    match cache {
        Some(c) => osc.render_cached(
            &mut work,
            c,
            set,
            phase,
            inc,
            pick,
            morph,
            &gain,
            Pan::Fixed([0.8, 0.6]),
            &mut l,
            &mut r,
        ),
        None => osc.render(
            &mut work,
            set,
            phase,
            inc,
            pick,
            morph,
            &gain,
            Pan::Fixed([0.8, 0.6]),
            &mut l,
            &mut r,
        ),
    }
    [l, r]
}

/// A cache kept across calls renders bit for bit what a fresh cache and no cache render,
/// whatever changes between calls: the morph point (within a cell and to another cell),
/// the pitch (within a level and to another level), a level crossfade, a new set with
/// the same layout but other contents, a stereo set; and unison oscillators on three
/// levels taking turns with two slots. Also checks that held calls really hit.
#[test]
fn a_kept_blend_cache_renders_what_a_fresh_one_does() {
    let a = CubeSet::build(&factory_cube()).unwrap();
    let b = factory_mapped(false, |_, v| v.iter().map(|s| -0.5 * s).collect());
    let st = factory_mapped(true, |ch, v| {
        let mut v = v.to_vec();
        v.rotate_left(ch * 17);
        v
    });
    assert_eq!(a.cells()[5].left, b.cells()[5].left, "same layout");
    assert!(st.is_stereo());
    let (p, q, r) = ([0.45, 0.55, 0.4], [0.46, 0.55, 0.4], [0.9, 0.1, 0.7]);
    let steps: [(&CubeSet, [f32; 3], f64, bool, usize); 14] = [
        (&a, p, 110.0, false, 700),
        (&a, p, 110.0, false, 300),
        (&a, p, 112.0, false, 333),
        (&a, q, 112.0, false, 512),
        (&a, r, 112.0, false, 64),
        (&a, r, 3000.0, false, 500),
        (&a, r, 110.0, false, 500),
        (&b, r, 110.0, false, 500),
        (&a, r, 110.0, false, 500),
        (&a, r, 700.0, true, 400),
        (&a, r, 700.0, true, 400),
        (&st, r, 700.0, true, 400),
        (&st, p, 50.0, false, 2000),
        (&a, p, 50.0, false, 9),
    ];
    let osc = CubeOsc::new();
    let mut kept = BlendCache::new();
    let mut phase = 0x1234_5678u32;
    for (k, &(set, morph, f0, two, n)) in steps.iter().enumerate() {
        let (mut p1, mut p2) = (phase, phase);
        let got = fixed_call(&osc, Some(&mut kept), set, &mut phase, f0, two, morph, n);
        let fresh = fixed_call(
            &osc,
            Some(&mut BlendCache::new()),
            set,
            &mut p1,
            f0,
            two,
            morph,
            n,
        );
        let plain = fixed_call(&osc, None, set, &mut p2, f0, two, morph, n);
        assert_eq!((p1, p2), (phase, phase));
        for ch in 0..2 {
            for (i, ((g, f), u)) in got[ch].iter().zip(&fresh[ch]).zip(&plain[ch]).enumerate() {
                assert_eq!(g.to_bits(), f.to_bits(), "step {k} ch {ch} sample {i}");
                assert_eq!(g.to_bits(), u.to_bits(), "step {k} ch {ch} sample {i}");
            }
        }
        assert!(got[0].iter().any(|v| v.abs() > 0.01), "step {k} is silent");
        if k == 1 && osc.is_simd() {
            // A held note at 110 Hz has played its whole table by now: every chunk of
            // its level is filled, and the second call refilled nothing.
            let len = a.levels().levels()
                [a.levels().pick((110.0 / 96000.0 * 4294967296.0) as u32).lo]
                .len;
            assert!(kept.slots.iter().any(|s| s.filled == len / BSPLINE_TAPS));
        }
    }
    // Unison: three oscillators on three levels share one cache of two slots.
    let mut shared = BlendCache::new();
    let mut ph = [1u32, 2, 3];
    let mut ph_ref = ph;
    for call in 0..6 {
        for (o, f0) in [80.0, 1500.0, 6000.0].into_iter().enumerate() {
            let morph = if call < 3 { p } else { q };
            let got = fixed_call(
                &osc,
                Some(&mut shared),
                &a,
                &mut ph[o],
                f0,
                false,
                morph,
                256,
            );
            let want = fixed_call(&osc, None, &a, &mut ph_ref[o], f0, false, morph, 256);
            assert_eq!(got, want, "call {call} oscillator {o}");
        }
    }
}

#[test]
fn a_sine_node_plays_a_sine_of_its_amplitude() {
    let mut cube = Cube::new(1, 1, 1).unwrap();
    cube.set(
        0,
        0,
        0,
        Node::from_fn(2048, |p| 0.5 * (std::f64::consts::TAU * p).sin()).unwrap(),
    )
    .unwrap();
    let set = CubeSet::build(&cube).unwrap();
    let sr = 48000.0;
    let f0 = 1000.0;
    let out = render(&CubeOsc::new(), &set, f0, sr, [0.0; 3], 4800);
    let mut max_err = 0.0f64;
    for (i, &v) in out.iter().enumerate() {
        let want = 0.5 * (std::f64::consts::TAU * f0 * i as f64 / sr).sin();
        max_err = max_err.max((v as f64 - want).abs());
    }
    assert!(max_err < 1e-5, "max error {max_err}");
}
