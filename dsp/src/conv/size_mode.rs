//! Size modes: which part of the linear (or circular) convolution a caller gets back.

use std::fmt;
use std::str::FromStr;

use super::ConvError;

/// Which samples of `x ∗ h` to return, per convolved axis (the same names mean the same
/// thing in 1D and 2D). `N` is the length of `x` on the axis, `K` that of `h`.
///
/// Chosen by the caller (CLI or code) on any non-real-time thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SizeMode {
    /// The whole linear convolution, `N + K − 1` samples.
    #[default]
    Full,
    /// The first `N` samples of the full result (the kernel's start stays aligned with
    /// the signal's start: an onset-preserving "same").
    SameFirst,
    /// `N` samples starting at `(K − 1) / 2` (integer division) of the full result: a
    /// centred kernel does not shift the signal. Equals numpy's `convolve(x, h, 'same')`
    /// when `N ≥ K`.
    SameCenter,
    /// Circular convolution of period `N`: `N` samples, wrap-around instead of padding.
    /// A kernel longer than `N` is first wrapped modulo `N` (`h'[i mod N] += h[i]`),
    /// which is what the period-`N` circular convolution of the unwrapped kernel is.
    Circular,
}

impl SizeMode {
    /// Every mode, in the order the CLI lists them.
    pub const ALL: [SizeMode; 4] = [
        SizeMode::Full,
        SizeMode::SameFirst,
        SizeMode::SameCenter,
        SizeMode::Circular,
    ];

    /// The mode's CLI name: `full`, `same-first`, `same-center`, `circular`.
    pub fn name(self) -> &'static str {
        match self {
            SizeMode::Full => "full",
            SizeMode::SameFirst => "same-first",
            SizeMode::SameCenter => "same-center",
            SizeMode::Circular => "circular",
        }
    }

    /// The output length for a signal of `n` and an (effective) kernel of `k` samples
    /// (`n, k ≥ 1`).
    pub fn output_len(self, n: usize, k: usize) -> usize {
        match self {
            SizeMode::Full => n + k - 1,
            _ => n,
        }
    }

    /// Where the output starts within the full linear result, for a kernel of `k`
    /// samples (0 for every mode but `same-center`; meaningless for `circular`).
    pub fn crop_start(self, k: usize) -> usize {
        match self {
            SizeMode::SameCenter => (k - 1) / 2,
            _ => 0,
        }
    }
}

impl fmt::Display for SizeMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SizeMode {
    type Err = ConvError;

    /// Parses a CLI name (`same` is accepted for `same-center`, numpy's meaning).
    fn from_str(s: &str) -> Result<Self, ConvError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(SizeMode::Full),
            "same-first" => Ok(SizeMode::SameFirst),
            "same-center" | "same-centre" | "same" => Ok(SizeMode::SameCenter),
            "circular" => Ok(SizeMode::Circular),
            _ => Err(ConvError::UnknownName {
                what: "size mode",
                given: s.to_string(),
                expected: "full, same-first, same-center, circular",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SizeMode;

    #[test]
    fn names_round_trip() {
        for mode in SizeMode::ALL {
            assert_eq!(mode.name().parse::<SizeMode>().unwrap(), mode);
        }
        assert!("middle".parse::<SizeMode>().is_err());
    }

    #[test]
    fn lengths_and_starts() {
        assert_eq!(SizeMode::Full.output_len(8, 8), 15);
        assert_eq!(SizeMode::SameCenter.output_len(8, 8), 8);
        assert_eq!(SizeMode::SameCenter.crop_start(8), 3);
        assert_eq!(SizeMode::SameCenter.crop_start(5), 2);
        assert_eq!(SizeMode::SameFirst.crop_start(5), 0);
    }
}
