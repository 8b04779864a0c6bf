//! Fitting a sinusoid to a measured trajectory (delay or notch frequency over time), shared
//! by the modulation effects' tests.
#![allow(dead_code)]

/// A fitted `mean + amplitude · sin(2π·freq·t + phase)`.
#[derive(Debug, Clone, Copy)]
pub struct SineFit {
    /// The frequency, Hz.
    pub freq: f64,
    /// The peak amplitude, in the trajectory's unit.
    pub amplitude: f64,
    /// The mean, in the trajectory's unit.
    pub mean: f64,
    /// The RMS residual, in the trajectory's unit.
    pub residual: f64,
}

/// The least-squares `c + a·sin + b·cos` at `freq` for points `(t, v)`.
fn fit_at(points: &[(f64, f64)], freq: f64) -> SineFit {
    // Normal equations of the 3-parameter linear model, solved by Cramer's rule.
    let mut m = [[0.0f64; 3]; 3];
    let mut rhs = [0.0f64; 3];
    for &(t, v) in points {
        let (s, c) = (std::f64::consts::TAU * freq * t).sin_cos();
        let basis = [1.0, s, c];
        for i in 0..3 {
            rhs[i] += basis[i] * v;
            for j in 0..3 {
                m[i][j] += basis[i] * basis[j];
            }
        }
    }
    let det3 = |a: [[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let d = det3(m);
    let mut sol = [0.0; 3];
    for k in 0..3 {
        let mut mk = m;
        for i in 0..3 {
            mk[i][k] = rhs[i];
        }
        sol[k] = det3(mk) / d;
    }
    let residual = (points
        .iter()
        .map(|&(t, v)| {
            let (s, c) = (std::f64::consts::TAU * freq * t).sin_cos();
            (v - sol[0] - sol[1] * s - sol[2] * c).powi(2)
        })
        .sum::<f64>()
        / points.len() as f64)
        .sqrt();
    SineFit {
        freq,
        amplitude: sol[1].hypot(sol[2]),
        mean: sol[0],
        residual,
    }
}

/// The best sinusoid over frequencies `lo..hi` Hz: a grid of 2000 steps, then a golden-section
/// refinement of the residual.
pub fn fit_sinusoid(points: &[(f64, f64)], lo: f64, hi: f64) -> SineFit {
    let steps = 2000;
    let step = (hi - lo) / steps as f64;
    let mut best = fit_at(points, lo);
    for k in 1..=steps {
        let f = fit_at(points, lo + k as f64 * step);
        if f.residual < best.residual {
            best = f;
        }
    }
    let (mut a, mut b) = (best.freq - step, best.freq + step);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    for _ in 0..60 {
        let (c, d) = (b - g * (b - a), a + g * (b - a));
        if fit_at(points, c).residual < fit_at(points, d).residual {
            b = d;
        } else {
            a = c;
        }
    }
    fit_at(points, 0.5 * (a + b))
}
