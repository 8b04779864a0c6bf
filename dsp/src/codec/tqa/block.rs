//! One channel's block: rotate, standardise, quantise, pack — and back.
//!
//! A block record (all little-endian; see `docs/formats/tqa.md`):
//!
//! | field | size | present |
//! |---|---|---|
//! | kind and flags | 1 byte | always |
//! | escape count `n` | 1 byte | flag `ESCAPES` |
//! | escapes: position u16, coefficient f32 | 6·n bytes | flag `ESCAPES` |
//! | mean of y | 2 bytes (f16), 4 with flag `WIDE` (f32) | kind `CODED`, `CONST` |
//! | std of y | same | kind `CODED` |
//! | step (`sign`) or γ (`qjl`) | same | kind `CODED`, those modes |
//! | indices | B·b bits (`qjl`: B·(b−1)) | kind `CODED` |
//! | sign bits (`sign`, `qjl`) | B bits | kind `CODED`, those modes |
//!
//! Silent blocks (every sample exactly 0) are one byte and decode to exact zeros.
//! Coefficients far outside the codebook (a block aligned with a Hadamard basis
//! vector rotates into one spike) are sent exactly as escapes and left out of the
//! standardisation, so they cannot wreck the block.

use half::f16;

use super::codebook::Codebook;
use super::pack::{pack, packed_len, unpack};
use super::rotation::{fill_rotation_signs, fwht, SplitMix64};
use super::{TqaConfig, TqaMode};

/// Every sample is exactly zero.
pub(crate) const KIND_SILENT: u8 = 0;
/// Standardised and quantised.
pub(crate) const KIND_CODED: u8 = 1;
/// Constant apart from escapes: the mean only.
pub(crate) const KIND_CONST: u8 = 2;
const KIND_MASK: u8 = 0b11;
/// Side values are f32, not f16.
const FLAG_WIDE: u8 = 0b100;
/// An escape list follows.
const FLAG_ESCAPES: u8 = 0b1000;

/// Largest |sample| the encoder accepts; beyond this a sample is not audio.
pub const MAX_INPUT: f32 = 1.0e6;
/// Largest |side value| or |escape| a decoder accepts (input bound × √4096, with margin).
const MAX_SIDE: f32 = 1.0e9;
/// Rows and columns of the `qjl` projection, applied to each run of 64 residuals.
pub const QJL_DIM: usize = 64;
/// Seed offset for the `qjl` projection, so it is independent of the rotation signs.
const QJL_SALT: u64 = 0x514A_4C5F_5052_4F4A;
/// Most escapes per block record.
pub const MAX_ESCAPES: usize = 255;
/// Bytes per escape: u16 position + f32 coefficient.
const ESCAPE_BYTES: usize = 6;
/// An escape must cut the block's squared error by this many times the block
/// distortion per coefficient, D(b): an escape costs 48 bits, and 48 bits spread
/// over the block would cut its error by about 48·ln 4 ≈ 67·D; twice that pays.
const ESCAPE_GAIN: f64 = 133.0;

/// The |z| (standard deviations) beyond which a coefficient coded with an
/// `index_bits` codebook is sent as an escape: the codebook's largest level plus
/// √(133·D(b)), where clipping costs more than an escape's 48 bits would.
pub fn escape_level(index_bits: u8) -> f32 {
    let book = Codebook::get(index_bits);
    (f64::from(book.max_level()) + (ESCAPE_GAIN * book.distortion()).sqrt()) as f32
}

/// What decoding one record found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RecordInfo {
    /// Bytes the record used.
    pub consumed: usize,
    /// Bytes of side information (everything but packed indices and sign bits).
    pub side_bytes: usize,
    /// The block was silent.
    pub silent: bool,
    /// Escapes in the record.
    pub escapes: usize,
}

/// Why a record is malformed.
pub(crate) type RecordError = &'static str;

/// Encodes and decodes one channel's blocks for one configuration. All scratch is
/// allocated in [`BlockCoder::new`]; encoding and decoding never allocate (the
/// output `Vec` of [`BlockCoder::encode`] must have [`BlockCoder::max_record_len`]
/// spare capacity).
#[derive(Debug, Clone)]
pub struct BlockCoder {
    block: usize,
    mode: TqaMode,
    book: &'static Codebook,
    index_bits: u32,
    signs: Vec<f32>,
    /// 1/√B.
    norm: f32,
    /// Escape when |z| exceeds this, standard deviations.
    escape_z: f32,
    y: Vec<f32>,
    idx: Vec<u8>,
    extra: Vec<u8>,
    residual: Vec<f32>,
    escaped: Vec<bool>,
    candidates: Vec<(f32, u16)>,
    escapes: Vec<(u16, f32)>,
    /// Row-major `QJL_DIM × QJL_DIM` Gaussian projection (`qjl` only).
    projection: Vec<f32>,
}

impl BlockCoder {
    /// A coder for `config` (validated by the caller).
    pub fn new(config: &TqaConfig) -> Self {
        Self::with_capacity(config, config.block_size)
    }

    /// A coder for `config` that [`BlockCoder::reconfigure`] can switch, without
    /// allocating, to any block size up to `capacity` samples.
    pub fn with_capacity(config: &TqaConfig, capacity: usize) -> Self {
        let capacity = capacity.max(config.block_size);
        let mut coder = Self {
            block: 0,
            mode: config.mode,
            book: Codebook::get(config.bits),
            index_bits: 0,
            signs: Vec::with_capacity(capacity),
            norm: 1.0,
            escape_z: 0.0,
            y: Vec::with_capacity(capacity),
            idx: Vec::with_capacity(capacity),
            extra: Vec::with_capacity(capacity),
            residual: Vec::with_capacity(capacity),
            escaped: Vec::with_capacity(capacity),
            candidates: Vec::with_capacity(capacity),
            escapes: Vec::with_capacity(MAX_ESCAPES),
            projection: Vec::with_capacity(QJL_DIM * QJL_DIM),
        };
        coder.reconfigure(config);
        coder
    }

    /// Switches to `config` (validated by the caller). Allocates nothing if the
    /// block size is within the capacity the coder was made with.
    pub fn reconfigure(&mut self, config: &TqaConfig) {
        let block = config.block_size;
        let index_bits = match config.mode {
            TqaMode::Plain | TqaMode::Sign => config.bits,
            TqaMode::Qjl => config.bits - 1,
        };
        self.book = Codebook::get(index_bits);
        self.index_bits = u32::from(index_bits);
        self.escape_z = escape_level(index_bits);
        self.mode = config.mode;
        self.block = block;
        self.norm = 1.0 / (block as f32).sqrt();
        fill_rotation_signs(config.seed, block, &mut self.signs);
        self.y.resize(block, 0.0);
        self.idx.resize(block, 0);
        self.extra.resize(block, 0);
        self.residual.resize(block, 0.0);
        self.escaped.resize(block, false);
        self.projection.clear();
        if config.mode == TqaMode::Qjl {
            fill_gaussian(
                config.seed ^ QJL_SALT,
                QJL_DIM * QJL_DIM,
                &mut self.projection,
            );
        }
    }

    /// Samples per block.
    pub fn block_size(&self) -> usize {
        self.block
    }

    /// The largest record this coder writes, bytes.
    pub fn max_record_len(&self) -> usize {
        1 + 1 + MAX_ESCAPES * ESCAPE_BYTES + 3 * 4 + self.payload_len()
    }

    /// The largest record any configuration with blocks of `block` samples writes
    /// (8 index bits and a sign bit per sample, and every escape), bytes.
    pub fn max_record_len_for(block: usize) -> usize {
        1 + 1 + MAX_ESCAPES * ESCAPE_BYTES + 3 * 4 + packed_len(block, 9)
    }

    /// Bytes of packed indices and sign bits in a coded record.
    fn payload_len(&self) -> usize {
        let extra_bits = match self.mode {
            TqaMode::Plain => 0,
            TqaMode::Sign | TqaMode::Qjl => 1,
        };
        packed_len(self.block, self.index_bits) + packed_len(self.block, extra_bits)
    }

    /// Appends the record of block `x` (exactly `block_size` finite samples with
    /// |x| ≤ [`MAX_INPUT`]) to `out`.
    pub fn encode(&mut self, x: &[f32], out: &mut Vec<u8>) {
        assert_eq!(x.len(), self.block, "block length");
        let mut audible = false;
        for ((y, &v), &s) in self.y.iter_mut().zip(x).zip(&self.signs) {
            *y = v * s;
            audible |= v != 0.0;
        }
        if !audible {
            out.push(KIND_SILENT);
            return;
        }
        fwht(&mut self.y);
        // Eight partial sums per statistic: vectorised, and the same on every machine.
        let norm = self.norm;
        let (mut sum, mut sum_sq) = ([0.0_f32; 8], [0.0_f32; 8]);
        for lane in self.y.chunks_exact_mut(8) {
            for j in 0..8 {
                lane[j] *= norm;
                sum[j] += lane[j];
                sum_sq[j] += lane[j] * lane[j];
            }
        }
        let count = self.block as f64;
        let mean = sum.iter().map(|&v| f64::from(v)).sum::<f64>() / count;
        let mean_sq = sum_sq.iter().map(|&v| f64::from(v)).sum::<f64>() / count;
        let std = (mean_sq - mean * mean).max(0.0).sqrt();
        self.escapes.clear();
        self.escaped.fill(false);
        let mut side = Side::new(mean, std);
        if side.std == 0.0 {
            self.write(KIND_CONST, side, out);
            return;
        }
        let worst = self.quantize_indices(side);
        if worst > self.escape_z {
            // Escapes: coefficients beyond the escape level leave the statistics and
            // the block is standardised again (the std shrinks, so a second pass may
            // find more). Three passes settle every case seen.
            for _ in 0..3 {
                if side.std == 0.0 || !self.find_escapes(side) {
                    break;
                }
                let (mean, std) = self.stats_without_escapes();
                side = Side::new(mean, std);
            }
            if side.std == 0.0 {
                self.write(KIND_CONST, side, out);
                return;
            }
            self.quantize_indices(side);
        }
        self.quantize_extra(&mut side);
        self.write(KIND_CODED, side, out);
    }

    /// Marks up to the cap of coefficients whose standardised value lies beyond the
    /// escape level, largest first. Returns true if any were added.
    fn find_escapes(&mut self, side: Side) -> bool {
        let cap = MAX_ESCAPES.min(self.block / 4);
        if self.escapes.len() >= cap {
            return false;
        }
        let limit = self.escape_z * side.std;
        self.candidates.clear();
        for (i, &y) in self.y.iter().enumerate() {
            let d = (y - side.mean).abs();
            if d > limit && !self.escaped[i] {
                self.candidates.push((d, i as u16));
            }
        }
        if self.candidates.is_empty() {
            return false;
        }
        self.candidates
            .sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let room = cap - self.escapes.len();
        for &(_, i) in self.candidates.iter().take(room) {
            self.escaped[usize::from(i)] = true;
            self.escapes.push((i, self.y[usize::from(i)]));
        }
        self.escapes.sort_unstable_by_key(|e| e.0);
        true
    }

    fn stats_without_escapes(&self) -> (f64, f64) {
        let (mut sum, mut count) = (0.0_f64, 0usize);
        for (&y, &e) in self.y.iter().zip(&self.escaped) {
            if !e {
                sum += f64::from(y);
                count += 1;
            }
        }
        if count == 0 {
            return (0.0, 0.0);
        }
        let mean = sum / count as f64;
        // Two-pass variance: after a spike leaves, Σy² − n·mean² would cancel badly.
        let var = self
            .y
            .iter()
            .zip(&self.escaped)
            .filter(|(_, &e)| !e)
            .map(|(&y, _)| (f64::from(y) - mean).powi(2))
            .sum::<f64>()
            / count as f64;
        (mean, var.sqrt())
    }

    /// Standardises with the stored (rounded) mean and std and quantises every
    /// coefficient. Returns the largest |z| among the coefficients not escaped.
    fn quantize_indices(&mut self, side: Side) -> f32 {
        let (mean, inv) = (side.mean, 1.0 / side.std);
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") && self.escapes.is_empty() {
                // SAFETY: AVX2 is present (checked just above).
                return unsafe { quantize_avx2(self.book, &self.y, mean, inv, &mut self.idx) };
            }
        }
        let book = self.book;
        let mut worst = [0.0_f32; 8];
        for (i, (&y, q)) in self.y.iter().zip(self.idx.iter_mut()).enumerate() {
            let z = (y - mean) * inv;
            *q = book.quantize(z) as u8;
            if !self.escaped[i] {
                worst[i % 8] = worst[i % 8].max(z.abs());
            }
        }
        worst.into_iter().fold(0.0, f32::max)
    }

    /// Fills the mode's extra bits and side value (after [`Self::quantize_indices`]).
    fn quantize_extra(&mut self, side: &mut Side) {
        let (mean, inv) = (side.mean, 1.0 / side.std);
        let book = self.book;
        match self.mode {
            TqaMode::Plain => {}
            TqaMode::Sign => {
                // The least-squares step for a ±step correction is the mean |residual|.
                let (mut total, mut count) = (0.0_f64, 0usize);
                for i in 0..self.block {
                    let r = (self.y[i] - mean) * inv - book.level(usize::from(self.idx[i]));
                    self.extra[i] = u8::from(r >= 0.0);
                    if !self.escaped[i] {
                        total += f64::from(r.abs());
                        count += 1;
                    }
                }
                side.extra = side.round(if count > 0 {
                    (total / count as f64) as f32
                } else {
                    0.0
                });
            }
            TqaMode::Qjl => {
                let mut energy = 0.0_f64;
                for i in 0..self.block {
                    let r = if self.escaped[i] {
                        0.0
                    } else {
                        (self.y[i] - mean) * inv - book.level(usize::from(self.idx[i]))
                    };
                    self.residual[i] = r;
                    energy += f64::from(r) * f64::from(r);
                }
                for (chunk, bits) in self
                    .residual
                    .chunks_exact(QJL_DIM)
                    .zip(self.extra.chunks_exact_mut(QJL_DIM))
                {
                    for (row, bit) in self.projection.chunks_exact(QJL_DIM).zip(bits.iter_mut()) {
                        let p: f32 = row.iter().zip(chunk).map(|(a, b)| a * b).sum();
                        *bit = u8::from(p >= 0.0);
                    }
                }
                side.extra = side.round(energy.sqrt() as f32);
            }
        }
    }

    fn write(&self, kind: u8, side: Side, out: &mut Vec<u8>) {
        let mut head = kind;
        if side.wide {
            head |= FLAG_WIDE;
        }
        if !self.escapes.is_empty() {
            head |= FLAG_ESCAPES;
        }
        out.push(head);
        if !self.escapes.is_empty() {
            out.push(self.escapes.len() as u8);
            for &(pos, value) in &self.escapes {
                out.extend_from_slice(&pos.to_le_bytes());
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
        side.put(side.mean, out);
        if kind == KIND_CONST {
            return;
        }
        side.put(side.std, out);
        if self.mode != TqaMode::Plain {
            side.put(side.extra, out);
        }
        let start = out.len();
        out.resize(start + self.payload_len(), 0);
        let index_len = packed_len(self.block, self.index_bits);
        pack(
            &self.idx,
            self.index_bits,
            &mut out[start..start + index_len],
        );
        if self.mode != TqaMode::Plain {
            pack(&self.extra, 1, &mut out[start + index_len..]);
        }
    }

    /// Decodes the record at the start of `input` into `out` (`block_size` samples).
    pub(crate) fn decode(
        &mut self,
        input: &[u8],
        out: &mut [f32],
    ) -> Result<RecordInfo, RecordError> {
        assert_eq!(out.len(), self.block, "block length");
        let mut r = Reader { input, at: 0 };
        let head = r.byte()?;
        let kind = head & KIND_MASK;
        if head & !(KIND_MASK | FLAG_WIDE | FLAG_ESCAPES) != 0 {
            return Err("unknown flags");
        }
        if kind == KIND_SILENT {
            if head != KIND_SILENT {
                return Err("a silent block carries flags");
            }
            out.fill(0.0);
            return Ok(RecordInfo {
                consumed: 1,
                side_bytes: 1,
                silent: true,
                escapes: 0,
            });
        }
        if kind != KIND_CODED && kind != KIND_CONST {
            return Err("unknown block kind");
        }
        let wide = head & FLAG_WIDE != 0;
        self.escapes.clear();
        if head & FLAG_ESCAPES != 0 {
            let count = usize::from(r.byte()?);
            if count == 0 || count > self.block {
                return Err("escape count out of range");
            }
            for _ in 0..count {
                let pos = r.u16()?;
                let value = r.f32()?;
                if usize::from(pos) >= self.block {
                    return Err("escape position beyond the block");
                }
                if !within(value, MAX_SIDE) {
                    return Err("escape value not finite or out of range");
                }
                self.escapes.push((pos, value));
            }
        }
        let mean = r.side(wide)?;
        if kind == KIND_CONST {
            self.y.fill(mean);
        } else {
            let std = r.side(wide)?;
            if std.is_nan() || std <= 0.0 {
                return Err("standard deviation not positive");
            }
            let extra = if self.mode == TqaMode::Plain {
                0.0
            } else {
                r.side(wide)?
            };
            if self.mode == TqaMode::Sign && extra < 0.0 {
                return Err("negative step");
            }
            let index_len = packed_len(self.block, self.index_bits);
            let payload = r.take(self.payload_len())?;
            unpack(&payload[..index_len], self.index_bits, &mut self.idx);
            let levels = self.book.levels();
            for (y, &q) in self.y.iter_mut().zip(&self.idx) {
                *y = levels[usize::from(q)];
            }
            match self.mode {
                TqaMode::Plain => {}
                TqaMode::Sign => {
                    unpack(&payload[index_len..], 1, &mut self.extra);
                    for (y, &b) in self.y.iter_mut().zip(&self.extra) {
                        *y += if b == 1 { extra } else { -extra };
                    }
                }
                TqaMode::Qjl => {
                    unpack(&payload[index_len..], 1, &mut self.extra);
                    // r̂ = √(π/2)/m · γ_chunk · Sᵀ sign(S r), with the block's γ shared
                    // evenly between its chunks of m = 64.
                    let gamma = extra * (QJL_DIM as f32 / self.block as f32).sqrt();
                    let scale = (std::f32::consts::FRAC_PI_2).sqrt() / QJL_DIM as f32 * gamma;
                    for (ys, bits) in self
                        .y
                        .chunks_exact_mut(QJL_DIM)
                        .zip(self.extra.chunks_exact(QJL_DIM))
                    {
                        for (row, &b) in self.projection.chunks_exact(QJL_DIM).zip(bits) {
                            let s = if b == 1 { scale } else { -scale };
                            for (y, &a) in ys.iter_mut().zip(row) {
                                *y += s * a;
                            }
                        }
                    }
                }
            }
            for y in self.y.iter_mut() {
                *y = mean + std * *y;
            }
        }
        for &(pos, value) in &self.escapes {
            self.y[usize::from(pos)] = value;
        }
        fwht(&mut self.y);
        let norm = self.norm;
        for ((o, &y), &s) in out.iter_mut().zip(&self.y).zip(&self.signs) {
            *o = y * norm * s;
        }
        let payload = if kind == KIND_CODED {
            self.payload_len()
        } else {
            0
        };
        Ok(RecordInfo {
            consumed: r.at,
            side_bytes: r.at - payload,
            silent: false,
            escapes: self.escapes.len(),
        })
    }
}

/// A block's side values, rounded as they are stored.
#[derive(Debug, Clone, Copy)]
struct Side {
    /// f32 instead of f16.
    wide: bool,
    mean: f32,
    std: f32,
    /// `sign`: the step; `qjl`: γ = ‖residual‖ (standardised units).
    extra: f32,
}

impl Side {
    /// Mean and std rounded to f16 where they fit it with full precision, else f32.
    fn new(mean: f64, std: f64) -> Self {
        let (mean, std) = (mean as f32, std as f32);
        let wide = !(fits_half(mean) && fits_half(std));
        let mut side = Side {
            wide,
            mean: 0.0,
            std: 0.0,
            extra: 0.0,
        };
        side.mean = side.round(mean);
        side.std = side.round(std);
        side
    }

    fn round(&self, v: f32) -> f32 {
        if self.wide {
            v
        } else {
            f16::from_f32(v).to_f32()
        }
    }

    fn put(&self, v: f32, out: &mut Vec<u8>) {
        if self.wide {
            out.extend_from_slice(&v.to_le_bytes());
        } else {
            out.extend_from_slice(&f16::from_f32(v).to_le_bytes());
        }
    }
}

/// True if `v` is finite and |v| ≤ `limit`.
pub(crate) fn within(v: f32, limit: f32) -> bool {
    v.is_finite() && v.abs() <= limit
}

/// True if `v` is zero or a normal f16 (no precision lost to subnormals or overflow).
fn fits_half(v: f32) -> bool {
    v == 0.0 || (v.abs() >= 6.104e-5 && v.abs() <= 65_504.0)
}

/// A bounds-checked cursor over a record.
struct Reader<'a> {
    input: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        let end = self.at.checked_add(n).ok_or("length overflow")?;
        let bytes = self.input.get(self.at..end).ok_or("record truncated")?;
        self.at = end;
        Ok(bytes)
    }

    fn byte(&mut self) -> Result<u8, RecordError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, RecordError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn f32(&mut self) -> Result<f32, RecordError> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn side(&mut self, wide: bool) -> Result<f32, RecordError> {
        let v = if wide {
            self.f32()?
        } else {
            let b = self.take(2)?;
            f16::from_le_bytes([b[0], b[1]]).to_f32()
        };
        if within(v, MAX_SIDE) {
            Ok(v)
        } else {
            Err("side value not finite or out of range")
        }
    }
}

/// [`BlockCoder::quantize_indices`] for AVX2, eight coefficients at a time: the grid
/// cell's level and threshold come by gather, one compare settles the index.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantize_avx2(book: &Codebook, y: &[f32], mean: f32, inv: f32, idx: &mut [u8]) -> f32 {
    use std::arch::x86_64::*;
    let (lut, bounds, lo, scale, last) = book.grid();
    let mut worst = _mm256_setzero_ps();
    let abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF_FFFF));
    let (vmean, vinv) = (_mm256_set1_ps(mean), _mm256_set1_ps(inv));
    let (vlo, vscale) = (_mm256_set1_ps(lo), _mm256_set1_ps(scale));
    let (zero, vlast) = (_mm256_setzero_si256(), _mm256_set1_epi32(last));
    let low16 = _mm256_set1_epi32(0xFFFF);
    let mut lanes = [0i32; 8];
    for (ys, qs) in y.chunks_exact(8).zip(idx.chunks_exact_mut(8)) {
        // SAFETY: `ys` holds 8 floats; gathers index `lut` (padded by one u16, so the
        // 4-byte read at the last cell stays inside) and `bounds` within range.
        unsafe {
            let v = _mm256_loadu_ps(ys.as_ptr());
            let z = _mm256_mul_ps(_mm256_sub_ps(v, vmean), vinv);
            worst = _mm256_max_ps(worst, _mm256_and_ps(z, abs_mask));
            let g = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_sub_ps(z, vlo), vscale));
            let g = _mm256_min_epi32(_mm256_max_epi32(g, zero), vlast);
            let i = _mm256_and_si256(
                _mm256_i32gather_epi32::<2>(lut.as_ptr().cast::<i32>(), g),
                low16,
            );
            let t = _mm256_i32gather_ps::<4>(bounds.as_ptr(), i);
            let up = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_GE_OQ>(z, t));
            let i = _mm256_sub_epi32(i, up);
            _mm256_storeu_si256(lanes.as_mut_ptr().cast(), i);
        }
        for (q, &l) in qs.iter_mut().zip(&lanes) {
            *q = l as u8;
        }
    }
    let mut w = [0.0_f32; 8];
    // SAFETY: `w` holds 8 floats.
    unsafe { _mm256_storeu_ps(w.as_mut_ptr(), worst) };
    w.into_iter().fold(0.0, f32::max)
}

/// `count` N(0, 1) values from SplitMix64 and Box-Muller (pure-Rust `libm`, so every
/// machine draws the same).
fn fill_gaussian(seed: u64, count: usize, out: &mut Vec<f32>) {
    let mut rng = SplitMix64::new(seed);
    out.clear();
    while out.len() < count {
        let (u1, u2) = (rng.next_open01(), rng.next_open01());
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let t = 2.0 * std::f64::consts::PI * u2;
        out.push((r * libm::cos(t)) as f32);
        if out.len() < count {
            out.push((r * libm::sin(t)) as f32);
        }
    }
}
