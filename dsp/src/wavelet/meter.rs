//! [`BandMeter`]: per-band wavelet energies of audio blocks, for the editor's meter.

use super::{Band, WavedecPlan, Wavelet, WaveletError};

/// Per-band energies of a mono f32 signal fed in blocks of any size, over consecutive
/// non-overlapping frames, for the editor's wavelet meter. Runs on the audio thread:
/// [`process_block`](Self::process_block) never allocates.
///
/// Each complete frame of `frame_len` samples is decomposed (periodization, `levels`
/// levels, in f64) and its band energies `sum c^2` are published in PyWavelets order
/// `[cA_L, cD_L, …, cD_1]`, lowest frequencies first. The transform is orthogonal, so the
/// energies add up to the frame's `sum x^2` (Parseval). At sample rate `fs`, `cD_j`
/// covers roughly `fs / 2^(j+1) ..= fs / 2^j` Hz and `cA_L` `0 ..= fs / 2^(L+1)` Hz
/// (see [`BandMeter::band_range_hz`]); the bands depend on no other setting, so the meter
/// needs no `set_sample_rate`.
#[derive(Clone, Debug)]
pub struct BandMeter {
    wavelet: Wavelet,
    levels: usize,
    /// The frame being filled.
    frame: Vec<f64>,
    /// Samples in `frame` so far.
    filled: usize,
    plan: WavedecPlan<f64>,
    /// Energies of the last complete frame, `levels + 1` values.
    energies: Vec<f64>,
    /// Frames completed since construction or reset.
    frames: u64,
}

/// The most levels a [`BandMeter`] accepts.
pub const MAX_METER_LEVELS: usize = 12;

impl BandMeter {
    /// A meter of `levels` detail bands plus one approximation band over frames of
    /// `frame_len` samples.
    ///
    /// # Errors
    /// [`WaveletError::InvalidWindow`] unless `1 <= levels <= MAX_METER_LEVELS` and
    /// `frame_len` is a positive multiple of `2^levels`.
    ///
    /// # Allocation
    /// Allocates about `3 * frame_len` samples of buffers.
    pub fn new(wavelet: Wavelet, levels: usize, frame_len: usize) -> Result<Self, WaveletError> {
        if !(1..=MAX_METER_LEVELS).contains(&levels)
            || frame_len == 0
            || frame_len % (1 << levels) != 0
        {
            return Err(WaveletError::InvalidWindow {
                window: frame_len,
                levels,
            });
        }
        Ok(Self {
            wavelet,
            levels,
            frame: vec![0.0; frame_len],
            filled: 0,
            plan: WavedecPlan::new(frame_len, levels),
            energies: vec![0.0; levels + 1],
            frames: 0,
        })
    }

    /// Detail bands (the approximation band comes on top).
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// Samples per analysed frame.
    pub fn frame_len(&self) -> usize {
        self.frame.len()
    }

    /// Forgets the partial frame and the published energies. Never allocates.
    pub fn reset(&mut self) {
        self.filled = 0;
        self.energies.fill(0.0);
        self.frames = 0;
    }

    /// Feeds a block of samples (any length, full scale 1.0); returns how many frames it
    /// completed (their energies are published in order, so the last one is visible).
    /// Never allocates.
    pub fn process_block(&mut self, block: &[f32]) -> usize {
        let mut completed = 0;
        let mut rest = block;
        while !rest.is_empty() {
            let take = (self.frame.len() - self.filled).min(rest.len());
            for (dst, &src) in self.frame[self.filled..self.filled + take]
                .iter_mut()
                .zip(&rest[..take])
            {
                // NOTE: a non-finite sample would poison the whole frame's energies.
                *dst = if src.is_finite() { f64::from(src) } else { 0.0 };
            }
            self.filled += take;
            rest = &rest[take..];
            if self.filled == self.frame.len() {
                self.analyse_frame();
                self.filled = 0;
                completed += 1;
            }
        }
        completed
    }

    /// Band energies `sum c^2` of the last complete frame (full scale 1.0 squared), in
    /// order `[cA_L, cD_L, …, cD_1]`; zeros before the first frame.
    pub fn energies(&self) -> &[f64] {
        &self.energies
    }

    /// Frames completed since construction or [`reset`](Self::reset).
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Nominal frequency range `(low_hz, high_hz)` of `band` at `sample_rate_hz`: `cD_j`
    /// spans `fs / 2^(j+1) ..= fs / 2^j`, `cA_L` spans `0 ..= fs / 2^(L+1)` (the filters'
    /// transition bands overlap these edges).
    pub fn band_range_hz(&self, band: Band, sample_rate_hz: f64) -> (f64, f64) {
        match band {
            Band::Approx => (0.0, sample_rate_hz / f64::from(1u32 << (self.levels + 1))),
            Band::Detail(j) => {
                let j = j.clamp(1, self.levels) as i32;
                (
                    sample_rate_hz / 2f64.powi(j + 1),
                    sample_rate_hz / 2f64.powi(j),
                )
            }
        }
    }

    fn analyse_frame(&mut self) {
        self.plan.run(&self.frame, self.wavelet, self.levels);
        let levels = self.plan.levels();
        self.energies[0] = energy(self.plan.approx());
        for j in 1..=levels {
            self.energies[levels + 1 - j] = energy(self.plan.detail(j));
        }
        self.frames += 1;
    }
}

fn energy(band: &[f64]) -> f64 {
    band.iter().map(|c| c * c).sum()
}
