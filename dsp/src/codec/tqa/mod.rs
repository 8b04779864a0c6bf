//! The TQA codec: faithful to audiotq's idea, without its faults, and fast.
//!
//! A block of `B` samples `x` (one channel) is rotated, `y = FWHT(x ⊙ s) / √B`, with
//! signs `s` drawn from a seeded [`SplitMix64`](rotation::SplitMix64) stream. The
//! rotation spreads any block's energy over all coefficients, so `y` is close to
//! Gaussian. `y` is standardised with its mean and standard deviation (stored per
//! block as half floats) and each coefficient is quantised with the Lloyd-Max
//! codebook for N(0, 1) ([`codebook`]). Three [`TqaMode`]s spend the bits
//! differently; see `docs/formats/tqa.md` for the stream format and the measured
//! quality of each.
//!
//! - [`encode`] / [`decode`]: whole streams (the `.tqa` file format), with a
//!   header, per-block side information and a CRC-32, and a reader that never
//!   trusts a length.
//! - [`TqaEncoder`] / [`TqaDecoder`]: the same blocks, incrementally, on
//!   `ringbuf` SPSC buffers, with no allocation after construction.
//! - [`TqaStage`]: encoder and decoder in series, the plugin's codec stage.

mod block;
mod capture;
pub mod codebook;
mod error;
pub mod pack;
pub mod rotation;
mod stream;
mod streaming;

pub use block::{escape_level, BlockCoder, MAX_ESCAPES, MAX_INPUT, QJL_DIM};
pub use capture::{Capture, CaptureInput, CaptureSnapshot, RING_SECONDS};
pub use error::TqaError;
pub use stream::{
    decode, encode, read_header, Decoded, StreamHeader, StreamStats, FORMAT_VERSION, HEADER_LEN,
    MAGIC, MAX_CHANNELS, MAX_SAMPLES,
};
pub use streaming::{SampleReader, SampleWriter, TqaDecoder, TqaEncoder, TqaStage};

/// Smallest block size, samples.
pub const MIN_BLOCK: usize = 64;
/// Largest block size, samples.
pub const MAX_BLOCK: usize = 4096;
/// Default block size, samples.
pub const DEFAULT_BLOCK: usize = 512;
/// Fewest bits per coefficient ([`TqaConfig::bits`]).
pub const MIN_BITS: u8 = 2;
/// Most bits per coefficient ([`TqaConfig::bits`]).
pub const MAX_BITS: u8 = 8;
/// Default bits per coefficient.
pub const DEFAULT_BITS: u8 = 6;
/// Default rotation seed.
pub const DEFAULT_SEED: u64 = 0x5451_4120_5743_5542;

/// The bits a codec stage runs with when the modulation matrix moves its setting:
/// `base_bits` plus `offset_bits` (the matrix's
/// [`Destination::FxCodecBits`](crate::modulation::Destination::FxCodecBits) offset, bits),
/// rounded to the nearest whole bit (halves away from zero) and held to
/// [`MIN_BITS`]..=[`MAX_BITS`]. A non-finite offset counts as 0. The plugin's stage and
/// anything that must render as it does use this one rounding.
pub fn modulated_bits(base_bits: u8, offset_bits: f32) -> u8 {
    let offset = if offset_bits.is_finite() {
        offset_bits
    } else {
        0.0
    };
    let bits = (f32::from(base_bits) + offset).round();
    bits.clamp(f32::from(MIN_BITS), f32::from(MAX_BITS)) as u8
}

/// How a block's bits are spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TqaMode {
    /// `b` bits of Lloyd-Max index per coefficient, nothing else.
    Plain,
    /// audiotq's layer: `b` index bits plus one residual-sign bit per coefficient,
    /// the sign scaled by the block's mean |residual|: `b + 1` bits in all.
    Sign,
    /// The TurboQuant paper's inner-product variant: `b − 1` index bits plus the
    /// sign of a seeded Gaussian projection of the residual: `b` bits in all.
    Qjl,
}

impl TqaMode {
    /// Every mode, in stream-code order.
    pub const ALL: [TqaMode; 3] = [TqaMode::Plain, TqaMode::Sign, TqaMode::Qjl];

    /// The mode's name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            TqaMode::Plain => "plain",
            TqaMode::Sign => "sign",
            TqaMode::Qjl => "qjl",
        }
    }

    /// The mode named `name` (`plain`, `sign` or `qjl`).
    pub fn parse(name: &str) -> Option<TqaMode> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The mode's code in the stream header.
    pub fn code(self) -> u8 {
        match self {
            TqaMode::Plain => 0,
            TqaMode::Sign => 1,
            TqaMode::Qjl => 2,
        }
    }

    /// The mode with stream code `code`.
    pub fn from_code(code: u8) -> Option<TqaMode> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    /// Payload bits per sample at `bits` (side information excluded): `b` for
    /// `plain` and `qjl`, `b + 1` for `sign`.
    pub fn payload_bits(self, bits: u8) -> u8 {
        match self {
            TqaMode::Plain | TqaMode::Qjl => bits,
            TqaMode::Sign => bits + 1,
        }
    }
}

/// The default mode: the one with the best SQNR per bit (measured; see
/// `docs/formats/tqa.md`).
pub const DEFAULT_MODE: TqaMode = TqaMode::Plain;

/// What the encoder does: everything here is written to the stream header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TqaConfig {
    /// Bits per coefficient, 2–8 (`sign` adds one residual-sign bit; `qjl` spends
    /// one of them on the projection sign).
    pub bits: u8,
    /// Samples per block, a power of two from 64 to 4096.
    pub block_size: usize,
    /// How the bits are spent.
    pub mode: TqaMode,
    /// Seed of the rotation signs (and the `qjl` projection).
    pub seed: u64,
}

impl Default for TqaConfig {
    fn default() -> Self {
        Self {
            bits: DEFAULT_BITS,
            block_size: DEFAULT_BLOCK,
            mode: DEFAULT_MODE,
            seed: DEFAULT_SEED,
        }
    }
}

impl TqaConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`TqaError::Config`] naming the bad value.
    pub fn validate(&self) -> Result<(), TqaError> {
        if !(MIN_BITS..=MAX_BITS).contains(&self.bits) {
            return Err(TqaError::Config(format!(
                "bits {} outside {MIN_BITS}-{MAX_BITS}",
                self.bits
            )));
        }
        if !self.block_size.is_power_of_two() || !(MIN_BLOCK..=MAX_BLOCK).contains(&self.block_size)
        {
            return Err(TqaError::Config(format!(
                "block size {} is not a power of two from {MIN_BLOCK} to {MAX_BLOCK}",
                self.block_size
            )));
        }
        Ok(())
    }
}
