//! Signal-extension modes: how a finite signal continues past its ends.

use super::WaveletError;

/// How the transform treats samples beyond the signal's ends, as PyWavelets' modes.
///
/// With `n` samples and an `f`-tap filter, one level gives `ceil(n / 2)` coefficients per
/// band in [`Mode::Periodization`] and `floor((n + f - 1) / 2)` in the other two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// The signal repeats with period `n` (an odd `n` is first made even by repeating the
    /// last sample, as PyWavelets does). Orthogonal and non-redundant: the primary mode.
    #[default]
    Periodization,
    /// Zeros beyond both ends (PyWavelets `zero`).
    Zero,
    /// Half-sample mirror: `… x1 x0 | x0 x1 … xn-1 | xn-1 xn-2 …` (PyWavelets `symmetric`).
    Symmetric,
}

impl Mode {
    /// Every mode, in declaration order.
    pub const ALL: [Mode; 3] = [Mode::Periodization, Mode::Zero, Mode::Symmetric];

    /// The mode for a PyWavelets name: `periodization` (or `per`), `zero` (or `zpd`),
    /// `symmetric` (or `sym`).
    pub fn from_name(name: &str) -> Result<Self, WaveletError> {
        match name {
            "periodization" | "per" => Ok(Self::Periodization),
            "zero" | "zpd" => Ok(Self::Zero),
            "symmetric" | "sym" => Ok(Self::Symmetric),
            _ => Err(WaveletError::UnknownMode(name.to_owned())),
        }
    }

    /// The PyWavelets name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            Self::Periodization => "periodization",
            Self::Zero => "zero",
            Self::Symmetric => "symmetric",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for mode in Mode::ALL {
            assert_eq!(Mode::from_name(mode.name()), Ok(mode));
        }
        assert!(Mode::from_name("reflect").is_err());
    }
}
