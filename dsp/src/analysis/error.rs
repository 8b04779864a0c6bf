//! Why a measurement could not be made.

/// An input that the analysis functions refuse, with what was wrong with it.
///
/// Every variant is a property of the caller's data; none is an internal
/// failure. The messages are one line, fit to print after a file name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// The sample slice was empty.
    #[error("no samples to analyse")]
    Empty,
    /// Fewer samples than the analysis needs for its frequency resolution.
    #[error("{len} samples is too short to analyse (need at least {min})")]
    TooShort {
        /// Number of samples given.
        len: usize,
        /// Minimum number of samples accepted.
        min: usize,
    },
    /// A sample inside the analysed segment was NaN or infinite.
    #[error("sample {index} is not finite ({value})")]
    NonFinite {
        /// Index of the first offending sample, counted from the start of the slice.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// The sample rate was not a positive finite number of Hz.
    #[error("sample rate {0} Hz is not a positive finite number")]
    InvalidSampleRate(f64),
    /// A probe frequency outside `(0, nyquist)`.
    #[error("frequency {freq_hz} Hz is outside the analysable band (0, {nyquist_hz}) Hz")]
    FrequencyOutOfRange {
        /// The frequency asked for, in Hz.
        freq_hz: f64,
        /// Half the sample rate, in Hz.
        nyquist_hz: f64,
    },
    /// Two signals to compare have different channel counts.
    #[error("channel counts differ: the reference has {reference}, the test {test}")]
    ChannelMismatch {
        /// Channels of the reference signal.
        reference: usize,
        /// Channels of the test signal.
        test: usize,
    },
    /// The analysed segment holds no tone: every sample is zero, or no
    /// spectral peak stands clear of DC.
    #[error("the signal is silent: there is no tone to measure")]
    Silent,
}
