//! The wavelet families and their filter coefficients, copied from PyWavelets.
//!
//! Coefficients are PyWavelets 1.8's `Wavelet(name).dec_lo`, printed with Python's
//! `repr` (shortest round-trip form), so they parse to the same `f64` bits. The other
//! three filters follow exactly (negation and reversal are exact):
//! `dec_hi[k] = (-1)^(k+1) dec_lo[f-1-k]`, `rec_lo[k] = dec_lo[f-1-k]`,
//! `rec_hi[k] = dec_hi[f-1-k]`. `dsp/tests/wavelet.rs` checks all four against the
//! fixtures written by `tests/e2e/make_wavelet_fixtures.py`.

use super::{Sample, WaveletError};

/// The longest filter of any family, taps (db8).
pub const MAX_FILTER_LEN: usize = 16;

/// An orthogonal wavelet family, named as in PyWavelets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Wavelet {
    /// Haar (`haar`, equal to `db1`): 2 taps.
    Haar,
    /// Daubechies with 2 vanishing moments (`db2`): 4 taps. The original C# "Daubechies4".
    Db2,
    /// Daubechies with 4 vanishing moments (`db4`): 8 taps.
    Db4,
    /// Daubechies with 8 vanishing moments (`db8`): 16 taps.
    Db8,
    /// Symlet with 4 vanishing moments (`sym4`): 8 taps, nearly symmetric.
    Sym4,
}

// NOTE: PyWavelets prints 0.7071067811865476, which is exactly `FRAC_1_SQRT_2`.
const HAAR: [f64; 2] = [
    std::f64::consts::FRAC_1_SQRT_2,
    std::f64::consts::FRAC_1_SQRT_2,
];

const DB2: [f64; 4] = [
    -0.12940952255126037,
    0.2241438680420134,
    0.8365163037378079,
    0.48296291314453416,
];

const DB4: [f64; 8] = [
    -0.010597401785069032,
    0.0328830116668852,
    0.030841381835560764,
    -0.18703481171909309,
    -0.027983769416859854,
    0.6308807679298589,
    0.7148465705529157,
    0.2303778133088965,
];

const DB8: [f64; 16] = [
    -0.00011747678412476953,
    0.0006754494064505693,
    -0.00039174037337694705,
    -0.004870352993451574,
    0.008746094047405777,
    0.013981027917398282,
    -0.044088253930794755,
    -0.017369301001807547,
    0.12874742662047847,
    0.0004724845739132828,
    -0.2840155429615469,
    -0.015829105256349306,
    0.5853546836542067,
    0.6756307362972898,
    0.31287159091429995,
    0.05441584224310401,
];

const SYM4: [f64; 8] = [
    -0.07576571478927333,
    -0.02963552764599851,
    0.49761866763201545,
    0.8037387518059161,
    0.29785779560527736,
    -0.09921954357684722,
    -0.012603967262037833,
    0.0322231006040427,
];

impl Wavelet {
    /// Every family, in declaration order.
    pub const ALL: [Wavelet; 5] = [
        Wavelet::Haar,
        Wavelet::Db2,
        Wavelet::Db4,
        Wavelet::Db8,
        Wavelet::Sym4,
    ];

    /// The family for a PyWavelets name: `haar` (or `db1`), `db2`, `db4`, `db8`, `sym4`.
    pub fn from_name(name: &str) -> Result<Self, WaveletError> {
        match name {
            "haar" | "db1" => Ok(Self::Haar),
            "db2" => Ok(Self::Db2),
            "db4" => Ok(Self::Db4),
            "db8" => Ok(Self::Db8),
            "sym4" => Ok(Self::Sym4),
            _ => Err(WaveletError::UnknownWavelet(name.to_owned())),
        }
    }

    /// The PyWavelets name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Haar => "haar",
            Self::Db2 => "db2",
            Self::Db4 => "db4",
            Self::Db8 => "db8",
            Self::Sym4 => "sym4",
        }
    }

    /// Taps of each of the four filters (PyWavelets `dec_len`).
    pub fn filter_len(self) -> usize {
        self.dec_lo().len()
    }

    /// The decomposition low-pass filter, PyWavelets `dec_lo` (applied as a convolution).
    pub fn dec_lo(self) -> &'static [f64] {
        match self {
            Self::Haar => &HAAR,
            Self::Db2 => &DB2,
            Self::Db4 => &DB4,
            Self::Db8 => &DB8,
            Self::Sym4 => &SYM4,
        }
    }

    /// The decomposition high-pass filter, PyWavelets `dec_hi`:
    /// `dec_hi[k] = (-1)^(k+1) dec_lo[f-1-k]`.
    pub fn dec_hi(self) -> Filter<f64> {
        let lo = self.dec_lo();
        let f = lo.len();
        let mut taps = [0.0; MAX_FILTER_LEN];
        for k in 0..f {
            let v = lo[f - 1 - k];
            taps[k] = if k % 2 == 0 { -v } else { v };
        }
        Filter { taps, len: f }
    }

    /// The reconstruction low-pass filter, PyWavelets `rec_lo` (`dec_lo` reversed).
    pub fn rec_lo(self) -> Filter<f64> {
        let lo = self.dec_lo();
        let f = lo.len();
        let mut taps = [0.0; MAX_FILTER_LEN];
        for k in 0..f {
            taps[k] = lo[f - 1 - k];
        }
        Filter { taps, len: f }
    }

    /// The reconstruction high-pass filter, PyWavelets `rec_hi` (`dec_hi` reversed).
    pub fn rec_hi(self) -> Filter<f64> {
        let hi = self.dec_hi();
        let f = hi.len;
        let mut taps = [0.0; MAX_FILTER_LEN];
        for k in 0..f {
            taps[k] = hi.taps[f - 1 - k];
        }
        Filter { taps, len: f }
    }
}

impl std::fmt::Display for Wavelet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One filter's taps in a fixed array, so it can be built without allocating.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Filter<T> {
    /// The taps; entries at and past `len` are zero.
    pub taps: [T; MAX_FILTER_LEN],
    /// Number of taps in use.
    pub len: usize,
}

impl<T: Sample> Filter<T> {
    /// The taps in use.
    pub fn as_slice(&self) -> &[T] {
        &self.taps[..self.len]
    }
}

/// A wavelet's analysis pair, time-reversed and rounded to `T`, as the kernels use it:
/// `lo_rev[m] = dec_lo[f-1-m]`, so coefficient `o` is the dot product of `lo_rev` with
/// the `f` input samples ending at its centre position.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Analysis<T> {
    pub lo_rev: [T; MAX_FILTER_LEN],
    pub hi_rev: [T; MAX_FILTER_LEN],
}

impl<T: Sample> Analysis<T> {
    pub(crate) fn new(w: Wavelet) -> Self {
        let lo = w.dec_lo();
        let hi = w.dec_hi();
        let f = lo.len();
        let mut lo_rev = [T::ZERO; MAX_FILTER_LEN];
        let mut hi_rev = [T::ZERO; MAX_FILTER_LEN];
        for m in 0..f {
            lo_rev[m] = T::from_f64(lo[f - 1 - m]);
            hi_rev[m] = T::from_f64(hi.taps[f - 1 - m]);
        }
        Self { lo_rev, hi_rev }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_lengths() {
        let lens = [2, 4, 8, 16, 8];
        for (w, len) in Wavelet::ALL.into_iter().zip(lens) {
            assert_eq!(Wavelet::from_name(w.name()), Ok(w));
            assert_eq!(w.filter_len(), len);
        }
        assert!(Wavelet::from_name("db3").is_err());
    }

    #[test]
    fn low_pass_sums_to_sqrt2_and_is_orthonormal() {
        for w in Wavelet::ALL {
            let lo = w.dec_lo();
            let sum: f64 = lo.iter().sum();
            assert!((sum - std::f64::consts::SQRT_2).abs() < 1e-14, "{w}: {sum}");
            // Orthonormal to its own even shifts; PyWavelets' sym4 table is off by 5e-13.
            for shift in (0..lo.len()).step_by(2) {
                let dot: f64 = (shift..lo.len()).map(|k| lo[k] * lo[k - shift]).sum();
                let want = if shift == 0 { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-12, "{w} shift {shift}: {dot}");
            }
        }
    }
}
