//! Lloyd-Max codebooks for N(0, 1), computed from the Gaussian density itself.
//!
//! audiotq fits its codebook to 100,000 random samples for 20 iterations. Here the
//! centroid condition `c = E[Z | t_lo < Z < t_hi]` is evaluated exactly from φ and
//! the Gaussian tail `Q`, in f64, and iterated to a fixed point. The result is the
//! same on every machine (`libm` is pure Rust), and matches the published tables:
//! b=1 ±0.7979; b=2 ±0.4528, ±1.5104; b=3 ±0.2451, ±0.7560, ±1.3440, ±2.1520.

use std::sync::OnceLock;

/// Fewest bits a codebook has (the `qjl` mode's index at b = 2).
pub const MIN_CODEBOOK_BITS: u8 = 1;
/// Most bits a codebook has.
pub const MAX_CODEBOOK_BITS: u8 = 8;

/// Cells in the uniform lookup grid that maps a value to its level in O(1).
const GRID: usize = 8192;

/// A Lloyd-Max scalar quantiser for N(0, 1) at `bits` bits: `2^bits` levels.
#[derive(Debug, Clone)]
pub struct Codebook {
    bits: u8,
    /// Reconstruction levels, ascending (standard deviations).
    levels: Vec<f32>,
    /// Decision thresholds, ascending: `bounds[i]` separates `levels[i]` and
    /// `levels[i + 1]`; padded with `+∞` to `levels.len()` entries.
    bounds: Vec<f32>,
    /// Mean squared error per coefficient for N(0, 1) input (exact, f64).
    distortion: f64,
    /// `lut[g]`: the level holding the left edge of grid cell `g`.
    lut: Vec<u16>,
    grid_lo: f32,
    grid_scale: f32,
}

impl Codebook {
    /// The codebook for `bits` (1–8), computed once per process.
    ///
    /// # Panics
    /// If `bits` is outside 1–8; callers validate first.
    pub fn get(bits: u8) -> &'static Codebook {
        static BOOKS: OnceLock<Vec<Codebook>> = OnceLock::new();
        assert!(
            (MIN_CODEBOOK_BITS..=MAX_CODEBOOK_BITS).contains(&bits),
            "codebook bits {bits} outside 1-8"
        );
        let books = BOOKS.get_or_init(|| {
            (MIN_CODEBOOK_BITS..=MAX_CODEBOOK_BITS)
                .map(Codebook::compute)
                .collect()
        });
        &books[usize::from(bits - MIN_CODEBOOK_BITS)]
    }

    /// Bits per index.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Reconstruction levels, ascending, in standard deviations.
    pub fn levels(&self) -> &[f32] {
        &self.levels
    }

    /// The `2^bits − 1` decision thresholds, ascending, in standard deviations.
    pub fn thresholds(&self) -> &[f32] {
        &self.bounds[..self.levels.len() - 1]
    }

    /// Expected squared error per coefficient for N(0, 1) input (D(b); SQNR = −10·log10 D).
    pub fn distortion(&self) -> f64 {
        self.distortion
    }

    /// The largest level (the clipping level), standard deviations.
    pub fn max_level(&self) -> f32 {
        self.levels[self.levels.len() - 1]
    }

    /// The index of the level nearest `z` (ties go up). `z` must not be NaN.
    #[inline(always)]
    pub fn quantize(&self, z: f32) -> usize {
        let g = ((z - self.grid_lo) * self.grid_scale) as i32;
        let g = g.clamp(0, GRID as i32 - 1) as usize;
        let i = usize::from(self.lut[g]);
        i + usize::from(z >= self.bounds[i])
    }

    /// The lookup grid for vectorised quantisers: the cell-to-level table (padded by
    /// one entry), the thresholds padded with +∞, the grid's origin and cells per
    /// unit, and the last cell's number.
    pub(crate) fn grid(&self) -> (&[u16], &[f32], f32, f32, i32) {
        (
            &self.lut,
            &self.bounds,
            self.grid_lo,
            self.grid_scale,
            GRID as i32 - 1,
        )
    }

    /// Level `index`, standard deviations.
    #[inline(always)]
    pub fn level(&self, index: usize) -> f32 {
        self.levels[index]
    }

    fn compute(bits: u8) -> Codebook {
        let n = 1_usize << bits;
        let positive = lloyd_max_half(n);
        let mut levels64: Vec<f64> = positive.iter().rev().map(|c| -c).collect();
        levels64.extend_from_slice(&positive);
        let mut bounds64: Vec<f64> = levels64.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
        let distortion = distortion(&levels64, &bounds64);
        bounds64.push(f64::INFINITY);
        let levels: Vec<f32> = levels64.iter().map(|&c| c as f32).collect();
        let bounds: Vec<f32> = bounds64.iter().map(|&t| t as f32).collect();
        // The grid spans the thresholds with a margin; each cell is narrower than the
        // closest pair of thresholds, so it holds at most one and one compare finishes.
        let span = if n > 2 {
            bounds[n - 2] as f64 * 1.01
        } else {
            1.0
        };
        let grid_lo = -span;
        let width = 2.0 * span / GRID as f64;
        let min_gap = bounds64[..n - 1]
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(f64::INFINITY, f64::min);
        assert!(width < min_gap, "grid too coarse for {bits} bits");
        let mut lut: Vec<u16> = (0..GRID)
            .map(|g| {
                let left = (grid_lo + g as f64 * width) as f32;
                bounds[..n - 1].iter().filter(|&&t| t <= left).count() as u16
            })
            .collect();
        // Padding for 4-byte gathers at the last cell.
        lut.push(0);
        Codebook {
            bits,
            levels,
            bounds,
            distortion,
            lut,
            grid_lo: grid_lo as f32,
            grid_scale: (1.0 / width) as f32,
        }
    }
}

/// Standard normal density φ(x).
fn pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Upper tail Q(x) = P(Z > x), accurate far into the tail.
fn tail(x: f64) -> f64 {
    0.5 * libm::erfc(x / std::f64::consts::SQRT_2)
}

/// The positive half of the `n`-level (n even) Lloyd-Max quantiser for N(0, 1), ascending.
fn lloyd_max_half(n: usize) -> Vec<f64> {
    let half = n / 2;
    if half == 1 {
        // One level per side: the centroid of the half-line, √(2/π).
        return vec![2.0 * pdf(0.0)];
    }
    // Start from the compander's asymptotically optimal placement (density ∝ φ^(1/3),
    // i.e. quantiles of N(0, 3)), which puts Lloyd's iteration close to the fixed point.
    let mut c: Vec<f64> = (0..half)
        .map(|i| 3f64.sqrt() * upper_quantile(((half - i) as f64 - 0.5) / n as f64))
        .collect();
    // A few Lloyd steps, then Newton on F(c) = c − centroid(c), whose Jacobian is
    // tridiagonal (cell i's centroid moves with its two thresholds only): quadratic
    // convergence where Lloyd alone needs ~10^5 steps at 8 bits.
    for _ in 0..20 {
        let next: Vec<f64> = (0..half).map(|i| cell(&c, i).0).collect();
        c = next;
    }
    for _ in 0..100 {
        let mut lower = vec![0.0; half];
        let mut diag = vec![0.0; half];
        let mut upper = vec![0.0; half];
        let mut rhs = vec![0.0; half];
        let mut residual: f64 = 0.0;
        for i in 0..half {
            let (g, dg_lo, dg_hi) = cell(&c, i);
            rhs[i] = -(c[i] - g);
            residual = residual.max((c[i] - g).abs());
            // t_lo = (c[i−1] + c[i]) / 2 (0 for the first cell), t_hi = (c[i] + c[i+1]) / 2.
            if i > 0 {
                lower[i] = -0.5 * dg_lo;
                diag[i] = 1.0 - 0.5 * dg_lo;
            } else {
                diag[i] = 1.0;
            }
            if i + 1 < half {
                upper[i] = -0.5 * dg_hi;
                diag[i] -= 0.5 * dg_hi;
            }
        }
        if residual < 1e-15 {
            break;
        }
        // Thomas algorithm.
        for i in 1..half {
            let m = lower[i] / diag[i - 1];
            diag[i] -= m * upper[i - 1];
            rhs[i] -= m * rhs[i - 1];
        }
        let mut step = vec![0.0; half];
        step[half - 1] = rhs[half - 1] / diag[half - 1];
        for i in (0..half - 1).rev() {
            step[i] = (rhs[i] - upper[i] * step[i + 1]) / diag[i];
        }
        for (ci, d) in c.iter_mut().zip(&step) {
            *ci += d;
        }
    }
    c
}

/// Cell `i` of the positive half for levels `c`: its centroid and the centroid's
/// derivatives with respect to its lower and upper thresholds.
fn cell(c: &[f64], i: usize) -> (f64, f64, f64) {
    let lo = if i == 0 { 0.0 } else { 0.5 * (c[i - 1] + c[i]) };
    let hi = if i + 1 < c.len() {
        0.5 * (c[i] + c[i + 1])
    } else {
        f64::INFINITY
    };
    let (q_hi, p_hi) = if hi.is_finite() {
        (tail(hi), pdf(hi))
    } else {
        (0.0, 0.0)
    };
    let mass = tail(lo) - q_hi;
    let g = (pdf(lo) - p_hi) / mass;
    let dg_lo = pdf(lo) * (g - lo) / mass;
    let dg_hi = if hi.is_finite() {
        p_hi * (hi - g) / mass
    } else {
        0.0
    };
    (g, dg_lo, dg_hi)
}

/// x with Q(x) = p, for 0 < p ≤ 0.5, by bisection.
fn upper_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 40.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if tail(mid) > p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// E[(Z − q(Z))²] for N(0, 1), from the levels and thresholds: Σ over cells of
/// E[Z²; cell] − 2c·E[Z; cell] + c²·P(cell).
fn distortion(levels: &[f64], thresholds: &[f64]) -> f64 {
    // Work on the positive half (the quantiser is symmetric) and double.
    let n = levels.len();
    let half = n / 2;
    let mut total = 0.0;
    for i in half..n {
        let lo = if i == half { 0.0 } else { thresholds[i - 1] };
        let hi = if i + 1 < n {
            thresholds[i]
        } else {
            f64::INFINITY
        };
        let c = levels[i];
        let (q_lo, q_hi) = (tail(lo), if hi.is_finite() { tail(hi) } else { 0.0 });
        let (p_lo, p_hi) = (pdf(lo), if hi.is_finite() { pdf(hi) } else { 0.0 });
        let hi_term = if hi.is_finite() { hi * p_hi } else { 0.0 };
        let mass = q_lo - q_hi;
        let first = p_lo - p_hi;
        // ∫ z² φ = [−zφ] + ∫ φ.
        let second = lo * p_lo - hi_term + mass;
        total += second - 2.0 * c * first + c * c * mass;
    }
    2.0 * total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_is_its_cells_centroid() {
        // The Lloyd-Max fixed point, checked independently of the solver.
        for bits in 2..=8u8 {
            let n = 1usize << bits;
            let half = lloyd_max_half(n);
            for i in 0..half.len() {
                let (g, _, _) = cell(&half, i);
                assert!(
                    (g - half[i]).abs() < 1e-12,
                    "b={bits} level {i}: {} vs {g}",
                    half[i]
                );
            }
        }
    }

    #[test]
    fn matches_the_published_tables() {
        let published: [(u8, &[f32]); 3] = [
            (1, &[0.7979]),
            (2, &[0.4528, 1.5104]),
            (3, &[0.2451, 0.7560, 1.3440, 2.1520]),
        ];
        for (bits, positive) in published {
            let book = Codebook::get(bits);
            let n = book.levels().len();
            for (k, want) in positive.iter().enumerate() {
                let got = book.levels()[n / 2 + k];
                assert!(
                    (got - want).abs() < 1e-4,
                    "b={bits} level {k}: {got} vs {want}"
                );
                assert_eq!(book.levels()[n / 2 - 1 - k], -got, "b={bits} not symmetric");
            }
        }
        // Published Lloyd-Max distortions (Max 1960): b=1..3.
        for (bits, d) in [(1, 0.3634), (2, 0.1175), (3, 0.03454)] {
            let got = Codebook::get(bits).distortion();
            assert!((got - d).abs() / d < 2e-3, "b={bits}: D {got} vs {d}");
        }
    }

    #[test]
    fn levels_are_centroids_and_thresholds_midpoints() {
        for bits in 1..=8 {
            let book = Codebook::get(bits);
            let levels = book.levels();
            assert_eq!(levels.len(), 1 << bits);
            assert!(levels.windows(2).all(|w| w[0] < w[1]));
            for (i, t) in book.thresholds().iter().enumerate() {
                assert!((t - 0.5 * (levels[i] + levels[i + 1])).abs() < 1e-6);
            }
            // Panter-Dite: D ≈ (√3·π/2)·4^−b, from below, and each bit is worth ≈ 6 dB.
            let pd = 3f64.sqrt() * std::f64::consts::PI / 2.0 * 4f64.powi(-i32::from(bits));
            assert!(book.distortion() < pd, "b={bits}");
        }
    }

    #[test]
    fn quantize_picks_the_nearest_level() {
        for bits in 1..=8 {
            let book = Codebook::get(bits);
            let mut z = -6.0_f32;
            while z < 6.0 {
                let got = book.quantize(z);
                let best = (0..book.levels().len())
                    .min_by(|&a, &b| {
                        (book.level(a) - z)
                            .abs()
                            .total_cmp(&(book.level(b) - z).abs())
                    })
                    .unwrap();
                let (dg, db) = ((book.level(got) - z).abs(), (book.level(best) - z).abs());
                assert!(dg <= db + 1e-6, "b={bits} z={z}: {got} vs {best}");
                z += 0.000_37;
            }
        }
    }
}
