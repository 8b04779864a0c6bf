//! [`PcSpectrum`]: the OPTIC-K pitch-class DFT of a chord, its unit vector Ŝ, spectral
//! entropy, tonal magnetism |F₅| and the angle θ between chords.
//!
//! Definitions (Amiot, *Music Through Fourier Space*, 2016; the OPTIC-K seed, with the
//! corrections in `shared/seeds/README.md`), for the 0/1 pitch-class vector `x`:
//!
//! - `F_k = Σ_n x[n] e^(−2πikn/12)` for k = 1..=6;
//! - `Ŝ = F / ‖F‖` over the six complex coefficients (the zero vector stays zero);
//! - `p_k = |F_k|² / Σ|F|²`, `H = −Σ p_k ln p_k / ln 6`, organisation `1 − H`;
//! - `θ(A, B) = acos(clamp(Re Σ_k Ŝ_A,k conj(Ŝ_B,k), −1, 1))`, in radians, 0..=π.

use super::PcSet;

/// `cos(2πm/12)` for m = 0..12.
const COS12: [f64; 12] = [
    1.0,
    0.866_025_403_784_438_6,
    0.5,
    0.0,
    -0.5,
    -0.866_025_403_784_438_6,
    -1.0,
    -0.866_025_403_784_438_6,
    -0.5,
    0.0,
    0.5,
    0.866_025_403_784_438_6,
];

/// `sin(2πm/12)` for m = 0..12.
const SIN12: [f64; 12] = [
    0.0,
    0.5,
    0.866_025_403_784_438_6,
    1.0,
    0.866_025_403_784_438_6,
    0.5,
    0.0,
    -0.5,
    -0.866_025_403_784_438_6,
    -1.0,
    -0.866_025_403_784_438_6,
    -0.5,
];

/// Largest |F₅| of any pitch-class set: six adjacent fifths (a hexatonic fifth chain),
/// `1 / sin(π/12)` ≈ 3.8637. Divides |F₅| to map tonal magnetism to 0..=1.
pub const MAX_MAGNETISM: f64 = 3.863_703_305_156_273;

/// Six complex DFT coefficients `F_1..=F_6` (index `k − 1`) of a pitch-class vector, or
/// of its unit vector Ŝ, or of a mean of unit vectors. Plain `Copy` data; any thread.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PcSpectrum {
    /// Real parts of `F_1..=F_6`.
    pub re: [f64; 6],
    /// Imaginary parts of `F_1..=F_6`.
    pub im: [f64; 6],
}

impl PcSpectrum {
    /// The zero spectrum (of the empty set and of the chromatic aggregate).
    pub const ZERO: PcSpectrum = PcSpectrum {
        re: [0.0; 6],
        im: [0.0; 6],
    };

    /// `F_1..=F_6` of `set`. Unnormalised: |F_k| is in 0..=|set|.
    pub fn of(set: PcSet) -> Self {
        let mut s = Self::ZERO;
        for n in set.iter() {
            for k in 1..=6usize {
                let m = (k * n as usize) % 12;
                s.re[k - 1] += COS12[m];
                s.im[k - 1] -= SIN12[m];
            }
        }
        s
    }

    /// `|F_k|²` for k = 1..=6 (index `k − 1`).
    pub fn power(&self) -> [f64; 6] {
        core::array::from_fn(|i| self.re[i] * self.re[i] + self.im[i] * self.im[i])
    }

    /// `|F_k|` for k = 1..=6 (index `k − 1`).
    pub fn magnitudes(&self) -> [f64; 6] {
        self.power().map(f64::sqrt)
    }

    /// Euclidean norm over the six complex coefficients.
    pub fn norm(&self) -> f64 {
        self.power().iter().sum::<f64>().sqrt()
    }

    /// Ŝ: this spectrum scaled to unit norm. A zero (or non-finite) spectrum gives
    /// [`PcSpectrum::ZERO`].
    pub fn unit(&self) -> Self {
        let n = self.norm();
        if !(n > 1e-12 && n.is_finite()) {
            return Self::ZERO;
        }
        let mut s = *self;
        for i in 0..6 {
            s.re[i] /= n;
            s.im[i] /= n;
        }
        s
    }

    /// `Re Σ_k self_k conj(other_k)`: the real inner product.
    pub fn dot(&self, other: &PcSpectrum) -> f64 {
        (0..6)
            .map(|i| self.re[i] * other.re[i] + self.im[i] * other.im[i])
            .sum()
    }

    /// Normalised spectral entropy `H = −Σ p ln p / ln 6` in 0..=1, `p_k = |F_k|²/Σ|F|²`.
    /// A zero spectrum (empty set, all twelve pitch classes) has no structure: H = 1.
    pub fn entropy(&self) -> f64 {
        let p = self.power();
        let total: f64 = p.iter().sum();
        if !(total > 1e-12 && total.is_finite()) {
            return 1.0;
        }
        let h: f64 = p
            .iter()
            .map(|&e| e / total)
            .filter(|&q| q > 0.0)
            .map(|q| -q * q.ln())
            .sum();
        (h / 6f64.ln()).clamp(0.0, 1.0)
    }

    /// Organisation `1 − H` in 0..=1: 0 for a single note, 1 for a spectrum in one
    /// coefficient (the diminished seventh chord, in F₄ alone).
    pub fn organisation(&self) -> f64 {
        1.0 - self.entropy()
    }

    /// Tonal magnetism |F₅|, in 0..=[`MAX_MAGNETISM`] for a chord's spectrum.
    pub fn magnetism(&self) -> f64 {
        self.re[4].hypot(self.im[4])
    }
}

/// θ(A, B) = `acos(clamp(Re Σ Ŝ_A conj(Ŝ_B), −1, 1))` in radians, 0..=π, for two unit
/// (or zero) spectra. A zero spectrum is orthogonal to everything: θ = π/2.
pub fn theta(a: &PcSpectrum, b: &PcSpectrum) -> f64 {
    let d = a.dot(b);
    if d.is_nan() {
        return core::f64::consts::FRAC_PI_2;
    }
    d.clamp(-1.0, 1.0).acos()
}

/// θ between the unit spectra of two pitch-class sets.
pub fn theta_sets(a: PcSet, b: PcSet) -> f64 {
    theta(&PcSpectrum::of(a).unit(), &PcSpectrum::of(b).unit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(p: &[u8]) -> PcSet {
        PcSet::from_pcs(p)
    }

    #[test]
    fn seed_reference_angles() {
        let c = set(&[0, 4, 7]);
        assert!((theta_sets(c, set(&[7, 11, 2])) - 1.499_307).abs() < 1e-6);
        assert!((theta_sets(c, set(&[6, 10, 1])) - 1.860_548).abs() < 1e-6);
        assert!((theta_sets(c, set(&[9, 0, 4])) - 0.962_551).abs() < 1e-6);
        assert!(theta_sets(c, c).abs() < 1e-6);
    }

    #[test]
    fn seed_reference_organisation() {
        let org = |p: &[u8]| PcSpectrum::of(set(p)).organisation();
        assert!(org(&[0]).abs() < 1e-12);
        assert!((org(&[0, 6]) - 0.386_853).abs() < 1e-6);
        assert!((org(&[0, 4, 7]) - 0.161_172).abs() < 1e-6);
        // The diminished seventh lives in F₄ alone.
        assert!((org(&[0, 3, 6, 9]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn magnetism_bound_is_six_fifths() {
        let hexa = set(&[0, 7, 2, 9, 4, 11]);
        let m = PcSpectrum::of(hexa).magnetism();
        assert!((m - MAX_MAGNETISM).abs() < 1e-12, "{m}");
        // No set exceeds it.
        let max = (0..4096u16)
            .map(|b| PcSpectrum::of(PcSet::from_bits(b)).magnetism())
            .fold(0.0, f64::max);
        assert!(max <= MAX_MAGNETISM + 1e-12, "{max}");
    }

    #[test]
    fn zero_spectra_stay_zero() {
        for s in [PcSet::EMPTY, PcSet::CHROMATIC] {
            let u = PcSpectrum::of(s).unit();
            assert_eq!(u, PcSpectrum::ZERO);
            assert_eq!(PcSpectrum::of(s).entropy(), 1.0);
        }
        let c = PcSpectrum::of(set(&[0, 4, 7])).unit();
        assert!((theta(&c, &PcSpectrum::ZERO) - core::f64::consts::FRAC_PI_2).abs() < 1e-12);
    }
}
