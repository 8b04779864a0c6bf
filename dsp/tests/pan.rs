//! Per-sample pans in the cube oscillator (a pan the matrix moves within a call): every
//! kernel path applies sample `i`'s gains to sample `i`. A call with per-sample pans must
//! equal, bit for bit, the same call at unit gain times the pans afterwards, since
//! `(v · g) · 1 · p` and `(v · g) · p` round alike.

mod common;

use common::factory_set;
use wavecube_dsp::cube::{BlendCache, CubeOsc, CubeSet, MorphBuffers, OscScratch, Pan};

const N: usize = 200;

/// Renders `N` samples at `morph` with `pan`, through the blend cache or not.
fn render(
    set: &CubeSet,
    osc: &CubeOsc,
    morph: &[Vec<f32>; 3],
    pan: Pan<'_>,
    cached: bool,
) -> [Vec<f32>; 2] {
    let inc = (220.0 / 96_000.0 * 4_294_967_296.0) as u32;
    let pick = set.levels().pick(inc);
    let gain: Vec<f32> = (0..N).map(|i| 0.5 + 0.001 * i as f32).collect();
    let (mut l, mut r) = (vec![0.0; N], vec![0.0; N]);
    let (mut work, mut cache, mut phase) = (OscScratch::new(), BlendCache::new(), 12_345u32);
    let m = MorphBuffers {
        x: &morph[0],
        y: &morph[1],
        z: &morph[2],
        midpoints: false,
    };
    if cached {
        osc.render_cached(
            &mut work, &mut cache, set, &mut phase, inc, pick, m, &gain, pan, &mut l, &mut r,
        );
    } else {
        osc.render(
            &mut work, set, &mut phase, inc, pick, m, &gain, pan, &mut l, &mut r,
        );
    }
    [l, r]
}

#[test]
fn every_kernel_applies_each_samples_pan_to_that_sample() {
    let set = factory_set();
    let fixed = [vec![0.45; N], vec![0.55; N], vec![0.4; N]];
    // A straight line inside one cell: the polynomial path.
    let line = [
        (0..N).map(|i| 0.40 + 0.0002 * i as f32).collect(),
        vec![0.55; N],
        vec![0.4; N],
    ];
    // A wobble across cells: the per-sample path.
    let wobble = [
        (0..N)
            .map(|i| 0.5 + 0.45 * (i as f32 * 0.3).sin())
            .collect(),
        (0..N)
            .map(|i| 0.5 + 0.3 * (i as f32 * 0.17).cos())
            .collect(),
        vec![0.4; N],
    ];
    let left: Vec<f32> = (0..N).map(|i| 1.0 + 0.25 * ((i / 16) % 5) as f32).collect();
    let right: Vec<f32> = (0..N).map(|i| 0.3 + 0.1 * ((i / 16) % 7) as f32).collect();
    let per_sample = Pan::PerSample {
        left: &left,
        right: &right,
    };
    for osc in [CubeOsc::new(), CubeOsc::scalar()] {
        for (name, morph) in [("fixed", &fixed), ("line", &line), ("wobble", &wobble)] {
            for cached in [false, true] {
                let got = render(&set, &osc, morph, per_sample, cached);
                let unit = render(&set, &osc, morph, Pan::Fixed([1.0, 1.0]), cached);
                for i in 0..N {
                    let want = [unit[0][i] * left[i], unit[1][i] * right[i]];
                    assert_eq!(
                        [got[0][i].to_bits(), got[1][i].to_bits()],
                        want.map(f32::to_bits),
                        "{name}, cached {cached}, simd {}, sample {i}",
                        osc.is_simd()
                    );
                }
                assert!(unit[0].iter().any(|v| v.abs() > 0.01), "{name} is silent");
            }
        }
    }
}
