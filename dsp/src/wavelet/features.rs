//! Per-band statistics of a decomposition: mean, spread, energy, entropy, cross-scale
//! energy ratios and the dominant band.

/// Statistics of one band of coefficients (coefficients are in the signal's units, e.g.
/// full scale 1.0, scaled by `sqrt(2)` per level of approximation).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BandFeatures {
    /// Arithmetic mean of the coefficients (0 for an empty band).
    pub mean: f64,
    /// Population standard deviation, `sqrt(sum (x - mean)^2 / n)` (0 for an empty band).
    pub std: f64,
    /// Energy, `sum x^2` (not normalised by the band's length).
    pub energy: f64,
    /// Shannon entropy in bits of the normalised magnitudes, `-sum p log2 p` with
    /// `p = |x| / sum |x|` (terms with `p = 0` count 0). 0 for a band of zeros; at most
    /// `log2 n` (all magnitudes equal).
    pub entropy: f64,
}

/// Mean, population standard deviation, energy and magnitude entropy of `band`.
///
/// Two passes over `band`; never allocates.
pub fn band_features(band: &[f64]) -> BandFeatures {
    if band.is_empty() {
        return BandFeatures::default();
    }
    let n = band.len() as f64;
    let (mut sum, mut energy, mut l1) = (0.0, 0.0, 0.0);
    for &x in band {
        sum += x;
        energy += x * x;
        l1 += x.abs();
    }
    let mean = sum / n;
    // NOTE: the two-pass variance, not energy/n - mean^2, which cancels badly.
    let var = band.iter().map(|&x| (x - mean) * (x - mean)).sum::<f64>() / n;
    let entropy = if l1 > 0.0 && l1.is_finite() {
        // -sum p log2 p = log2 S - (1/S) sum |x| log2 |x|, with S = sum |x|; computed on p
        // directly for accuracy when magnitudes span many decades.
        -band
            .iter()
            .map(|&x| x.abs() / l1)
            .filter(|&p| p > 0.0)
            .map(|p| p * p.log2())
            .sum::<f64>()
    } else {
        0.0
    };
    BandFeatures {
        mean,
        std: var.sqrt(),
        energy,
        entropy: entropy.max(0.0),
    }
}

/// Cross-scale energy ratios `E_1 / E_2, E_2 / E_3, …` of detail-band energies given
/// finest first (`detail_energies[0]` = `E_1`, energy of `cD_1`), written into `out`
/// (`out[j] = E_{j+1} / E_{j+2}`; `min(out.len(), detail_energies.len() - 1)` entries are
/// written). Returns the count written.
///
/// Zero-denominator rule: when `E_{j+2} == 0` the ratio is 0 — a silent coarser band
/// carries no ratio information, and the features stay finite for whatever consumes
/// them. Never allocates.
pub fn energy_ratios(detail_energies: &[f64], out: &mut [f64]) -> usize {
    let count = detail_energies.len().saturating_sub(1).min(out.len());
    for (r, pair) in out.iter_mut().zip(detail_energies.windows(2)).take(count) {
        *r = if pair[1] > 0.0 {
            pair[0] / pair[1]
        } else {
            0.0
        };
    }
    count
}

/// One band of a decomposition, named the PyWavelets way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Band {
    /// The approximation `cA_L` (the lowest frequencies).
    Approx,
    /// The detail `cD_level`, level 1 being the finest (highest frequencies).
    Detail(usize),
}

impl Band {
    /// The band at `index` of a `[cA_L, cD_L, …, cD_1]` list with `levels` = L.
    pub fn from_index(index: usize, levels: usize) -> Self {
        if index == 0 {
            Band::Approx
        } else {
            Band::Detail(levels + 1 - index.min(levels))
        }
    }

    /// Position of the band in a `[cA_L, cD_L, …, cD_1]` list with `levels` = L.
    pub fn index(self, levels: usize) -> usize {
        match self {
            Band::Approx => 0,
            Band::Detail(level) => levels + 1 - level.clamp(1, levels.max(1)),
        }
    }
}

/// The band with the largest energy, with energies in PyWavelets order
/// (`[cA_L, cD_L, …, cD_1]`, so `energies.len() - 1` levels). Ties go to the coarser
/// band. `None` when there are no bands or all energies are 0 (or not finite): silence
/// has no dominant scale. Never allocates.
pub fn dominant_band(energies: &[f64]) -> Option<Band> {
    let levels = energies.len().checked_sub(1)?;
    let mut best: Option<(usize, f64)> = None;
    for (i, &e) in energies.iter().enumerate() {
        if e.is_finite() && e > 0.0 && best.is_none_or(|(_, b)| e > b) {
            best = Some((i, e));
        }
    }
    best.map(|(i, _)| Band::from_index(i, levels))
}

/// Features of a whole decomposition, as the harmony and meter code use them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScaleFeatures {
    /// Per band, PyWavelets order `[cA_L, cD_L, …, cD_1]`.
    pub bands: Vec<BandFeatures>,
    /// `E_1/E_2, E_2/E_3, …` over the detail bands, finest first (see [`energy_ratios`]).
    pub ratios: Vec<f64>,
    /// The band with the largest energy (see [`dominant_band`]).
    pub dominant: Option<Band>,
}

impl ScaleFeatures {
    /// Features of `coeffs` in PyWavelets order (`[cA_L, cD_L, …, cD_1]`).
    ///
    /// # Allocation
    /// Allocates the two vectors; use [`band_features`], [`energy_ratios`] and
    /// [`dominant_band`] on preallocated storage on the audio thread.
    pub fn of(coeffs: &[Vec<f64>]) -> Self {
        let bands: Vec<BandFeatures> = coeffs.iter().map(|b| band_features(b)).collect();
        let energies: Vec<f64> = bands.iter().map(|b| b.energy).collect();
        let finest_first: Vec<f64> = energies.iter().skip(1).rev().copied().collect();
        let mut ratios = vec![0.0; finest_first.len().saturating_sub(1)];
        energy_ratios(&finest_first, &mut ratios);
        Self {
            dominant: dominant_band(&energies),
            bands,
            ratios,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_index_round_trips() {
        for levels in 1..5 {
            for i in 0..=levels {
                assert_eq!(Band::from_index(i, levels).index(levels), i);
            }
        }
        assert_eq!(Band::from_index(1, 3), Band::Detail(3));
        assert_eq!(Band::from_index(3, 3), Band::Detail(1));
    }
}
