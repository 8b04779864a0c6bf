//! The cube oscillator: reads the eight corner nodes of a [`CubeSet`] at a per-sample morph
//! point, through two crossfaded mip levels and the 8-tap B-spline kernel.
//!
//! Per output sample it finds the cell and the trilinear corner weights (renormalised over
//! the corners that exist), blends the corners' 8-tap windows with those weights, and takes
//! one dot product with the kernel weights per level. Because every node shares the level
//! lengths, the blend happens on contiguous 8-float windows: on AVX2 + FMA machines a
//! corner costs one load and one fused multiply-add per level.
//!
//! The kernel weights come from a 256-phase table of the B-spline weights, linearly
//! interpolated between phases (one 64-byte row per phase, 16 KiB in all). The weight error
//! is below 2e-6, about −115 dB, well under the −90 dB spurious budget.

use super::cubeset::CellCorners;
use super::{bspline7_weights, CubeSet, LevelPick, BSPLINE_TAPS, MAX_NODE_LEN};

/// Per-sample morph coordinates for one block, each normalised 0..1 across the cube.
#[derive(Debug, Clone, Copy)]
pub struct MorphBuffers<'a> {
    /// Morph x per sample, 0..1.
    pub x: &'a [f32],
    /// Morph y per sample, 0..1.
    pub y: &'a [f32],
    /// Morph z per sample, 0..1.
    pub z: &'a [f32],
    /// True when, in each buffer, every even sample after the first is the mean of its
    /// two neighbours (to f32 rounding), as the voice's expansion of output-rate values
    /// to its 2× clock makes them. The polynomial path then checks its curve at the odd
    /// samples only: an even sample between two samples within the tolerance is within
    /// it too, plus the curve's own bend over one sample (under 1e-7 grid units where the
    /// path is taken). False for buffers of any other making.
    pub midpoints: bool,
}

/// The stereo gains an oscillator applies on top of its per-sample gain.
#[derive(Debug, Clone, Copy)]
pub enum Pan<'a> {
    /// `[left, right]`, linear, for the whole call.
    Fixed([f32; 2]),
    /// Left and right gains per sample, linear (at least as long as the call): for a pan
    /// the modulation moves within a call, so the call need not be split where it moves.
    PerSample {
        /// Left gain per sample.
        left: &'a [f32],
        /// Right gain per sample.
        right: &'a [f32],
    },
}

impl<'a> Pan<'a> {
    /// The same pan from sample `start` on.
    #[inline(always)]
    fn from(self, start: usize) -> Pan<'a> {
        match self {
            Self::Fixed(p) => Self::Fixed(p),
            Self::PerSample { left, right } => Self::PerSample {
                left: &left[start..],
                right: &right[start..],
            },
        }
    }

    /// `[left, right]` at sample `i`.
    #[inline(always)]
    fn at(&self, i: usize) -> [f32; 2] {
        match self {
            Self::Fixed(p) => *p,
            Self::PerSample { left, right } => [left[i], right[i]],
        }
    }
}

/// Kernel mode: a one-node cube, no morph.
const SINGLE: u8 = 0;
/// Kernel mode: the morph point holds still for the whole call (weights computed once).
const FIXED: u8 = 1;
/// Kernel mode: the morph point moves; cell and weights per sample.
const MOVING: u8 = 2;

/// Phases in the kernel-weight table.
const PHASES: usize = 256;

/// The kernel weights at one table phase and their step to the next phase.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct PhaseRow {
    /// Tap weights at `t = p / 256`.
    w: [f32; BSPLINE_TAPS],
    /// Weights at `t = (p + 1) / 256` minus `w`.
    d: [f32; BSPLINE_TAPS],
}

/// Working memory of one [`CubeOsc::render`] call, owned by the caller so that the audio
/// thread never allocates or clears it: every entry is written before it is read.
#[derive(Debug, Clone)]
pub struct OscScratch {
    /// Cell index per sample of a moving-morph sub-block.
    cell_of: [u32; SUB],
    /// Weight of corner `c` at sample `j` of a moving-morph sub-block.
    weights: [[f32; SUB]; 8],
    /// Corner blends of a sub-block, `[power][channel][level][entry]`: power 0 alone for a
    /// fixed morph point, powers 0 to 3 for the polynomial path of a moving one.
    span: [[[[f32; SPAN + 8]; 2]; 2]; 4],
}

impl Default for OscScratch {
    fn default() -> Self {
        Self::new()
    }
}

impl OscScratch {
    /// Fresh scratch (about 44 KiB).
    pub fn new() -> Self {
        Self {
            cell_of: [0; SUB],
            weights: [[0.0; SUB]; 8],
            span: [[[[0.0; SPAN + 8]; 2]; 2]; 4],
        }
    }
}

/// Floats per channel of a [`BlendCache`] slot: the longest level (a level is never longer
/// than the longest node) plus one kernel window of wrap guard.
const CACHE_LEN: usize = MAX_NODE_LEN + BSPLINE_TAPS;

/// Words of a slot's chunk bitmap: one bit per 8-entry chunk of the longest level.
const CHUNK_WORDS: usize = MAX_NODE_LEN / BSPLINE_TAPS / 64;

/// What a blended level table depends on: the set, the cell's corner blocks, the corner
/// weights bit for bit, and the level (its offset within a channel block fixes its length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BlendKey {
    /// [`CubeSet::id`] of the set blended.
    set: u64,
    /// Corner blocks of the left channel.
    left: [u32; 8],
    /// Corner blocks of the right channel.
    right: [u32; 8],
    /// Corner weights as bits (`-0.0` and `0.0` differ, which only costs a refill).
    weights: [u32; 8],
    /// Offset of the level within a channel block.
    offset: usize,
}

/// One blended level table, filled lazily in 8-entry chunks.
#[derive(Debug, Clone)]
struct CacheSlot {
    /// What the contents are a blend of; `None` before first use.
    key: Option<BlendKey>,
    /// Bit `k` is set when chunk `k` (table entries `8k..8k + 8`) holds the blend.
    valid: [u64; CHUNK_WORDS],
    /// Chunks filled; all of them when it equals the level length over 8.
    filled: usize,
    /// `[channel][entry]`, [`CACHE_LEN`] floats per channel: entry `v` is the blend of the
    /// corners' stored entry `v` (table sample `v − 3`), and entries `len..len + 8` repeat
    /// `0..8`, as the stored guards do.
    data: Box<[f32]>,
}

/// A voice's cache of corner blends for a morph point that holds still.
///
/// For a fixed morph point the AVX2 kernel reads the eight corners' blend, which stays the
/// same while the cell, the weights and the level do: for a held note, every call. The
/// cache keeps it across sub-blocks and calls, filled chunk by chunk as the phase first
/// reaches each part of the table (so a morph point that changes every call blends about
/// as much as without a cache: at most one 8-entry chunk more per sub-block), and read like
/// a one-node table afterwards. Its two
/// slots hold two levels: a crossfade's pair, or the levels of unison oscillators that
/// straddle a mip switch (oscillators on one level share a slot). The values are bit for
/// bit those of the per-sub-block blend, so renders do not change.
///
/// Owned by one voice (the audio thread); preallocated: 2 slots × 2 channels ×
/// ([`MAX_NODE_LEN`] + 8) floats, 131,200 bytes.
#[derive(Debug, Clone)]
pub struct BlendCache {
    /// The cached levels.
    slots: [CacheSlot; 2],
    /// The slot used last (the other one is refilled first).
    recent: usize,
}

impl Default for BlendCache {
    fn default() -> Self {
        Self::new()
    }
}

impl BlendCache {
    /// An empty cache.
    ///
    /// # Allocation
    /// Allocates its tables, 131,200 bytes (see [`BlendCache::BYTES`]).
    pub fn new() -> Self {
        let slot = || CacheSlot {
            key: None,
            valid: [0; CHUNK_WORDS],
            filled: 0,
            data: vec![0.0; 2 * CACHE_LEN].into_boxed_slice(),
        };
        Self {
            slots: [slot(), slot()],
            recent: 0,
        }
    }

    /// Bytes of table memory one cache holds, whatever the cube.
    pub const BYTES: usize = 2 * 2 * CACHE_LEN * std::mem::size_of::<f32>();

    /// The slot holding `key`, else the least recently used one other than `taken`,
    /// emptied and keyed to `key`.
    fn slot_for(&mut self, key: BlendKey, taken: Option<usize>) -> usize {
        let hit = (0..2).find(|&i| self.slots[i].key == Some(key));
        let i = hit.unwrap_or_else(|| match taken {
            Some(t) => 1 - t,
            None => 1 - self.recent,
        });
        if hit.is_none() {
            let s = &mut self.slots[i];
            s.key = Some(key);
            s.valid = [0; CHUNK_WORDS];
            s.filled = 0;
        }
        self.recent = i;
        i
    }
}

/// Reads a [`CubeSet`] as a band-limited oscillator. Holds no per-voice state: the caller
/// keeps each voice's phase.
#[derive(Debug, Clone)]
pub struct CubeOsc {
    /// B-spline weights per phase.
    table: Vec<PhaseRow>,
    /// True when the AVX2 + FMA kernel may run on this CPU.
    simd: bool,
}

impl Default for CubeOsc {
    fn default() -> Self {
        Self::new()
    }
}

/// What one render call needs to know about a level.
#[derive(Clone, Copy)]
struct LevelRead {
    /// Offset of the level's first stored float (its guard) within a channel block.
    offset: usize,
    /// `32 − log2(len)`: phase bits above this are the table index.
    index_shift: u32,
    /// `log2(len)`: shifting the phase left by this leaves the fraction in the top bits.
    log2_len: u32,
    /// Crossfade weight of this level.
    weight: f32,
}

/// The cube's grid geometry in the form the per-sample loop wants.
#[derive(Clone, Copy)]
struct Geometry {
    /// `side − 1` per axis: a morph of 1.0 maps to the last node.
    scale: [f32; 3],
    /// Cells per axis.
    cells: [usize; 3],
}

/// Everything a kernel reads, bundled to keep the signatures short.
#[derive(Clone, Copy)]
struct Args<'a> {
    set: &'a CubeSet,
    geo: Geometry,
    lo: LevelRead,
    hi: LevelRead,
    inc: u32,
    morph: MorphBuffers<'a>,
    gain: &'a [f32],
    pan: Pan<'a>,
}

impl CubeOsc {
    /// Makes an oscillator that uses the AVX2 + FMA kernel when the CPU has it.
    ///
    /// # Allocation
    /// Allocates the 16 KiB kernel-weight table.
    pub fn new() -> Self {
        Self {
            table: kernel_table(),
            simd: simd_available(),
        }
    }

    /// Makes an oscillator that always uses the portable scalar kernel (for tests and
    /// comparisons).
    ///
    /// # Allocation
    /// Allocates the 16 KiB kernel-weight table.
    pub fn scalar() -> Self {
        Self {
            table: kernel_table(),
            simd: false,
        }
    }

    /// True when this oscillator runs the AVX2 + FMA kernel.
    pub fn is_simd(&self) -> bool {
        self.simd
    }

    /// Renders `gain.len()` samples and **adds** them, scaled by `gain` per sample and by
    /// `pan` (left and right gains, fixed or per sample), into `out_l` and `out_r`, using
    /// `scratch` as working memory.
    ///
    /// `phase` is the voice's phase (cycles × 2³², wrapping) and advances by `inc` per
    /// sample; `pick` is [`MipLevels::pick`](super::MipLevels::pick) of that increment.
    /// A mono cube writes the same signal to both outputs. Never allocates.
    pub fn render(
        &self,
        scratch: &mut OscScratch,
        set: &CubeSet,
        phase: &mut u32,
        inc: u32,
        pick: LevelPick,
        morph: MorphBuffers<'_>,
        gain: &[f32],
        pan: Pan<'_>,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        self.render_with(
            scratch, None, set, phase, inc, pick, morph, gain, pan, out_l, out_r,
        );
    }

    /// [`CubeOsc::render`] that keeps the corner blend of a fixed morph point in `cache`
    /// between calls, for the AVX2 kernel: a held note then reads its blended tables
    /// instead of blending the eight corners again every 64 samples. The output is bit for
    /// bit that of `render`. Give each voice its own cache (its unison oscillators may
    /// share it). Never allocates.
    pub fn render_cached(
        &self,
        scratch: &mut OscScratch,
        cache: &mut BlendCache,
        set: &CubeSet,
        phase: &mut u32,
        inc: u32,
        pick: LevelPick,
        morph: MorphBuffers<'_>,
        gain: &[f32],
        pan: Pan<'_>,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        self.render_with(
            scratch,
            Some(cache),
            set,
            phase,
            inc,
            pick,
            morph,
            gain,
            pan,
            out_l,
            out_r,
        );
    }

    fn render_with(
        &self,
        scratch: &mut OscScratch,
        cache: Option<&mut BlendCache>,
        set: &CubeSet,
        phase: &mut u32,
        inc: u32,
        pick: LevelPick,
        morph: MorphBuffers<'_>,
        gain: &[f32],
        pan: Pan<'_>,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let n = gain.len();
        assert!(morph.x.len() >= n && morph.y.len() >= n && morph.z.len() >= n);
        assert!(out_l.len() >= n && out_r.len() >= n);
        debug_assert!(
            !morph.midpoints
                || [morph.x, morph.y, morph.z]
                    .iter()
                    .all(|v| midpoints_hold(&v[..n])),
            "MorphBuffers::midpoints is set, but an even sample is not its neighbours' mean"
        );
        let levels = set.levels().levels();
        let read = |i: usize, weight: f32| LevelRead {
            offset: levels[i].offset,
            index_shift: 32 - levels[i].log2_len,
            log2_len: levels[i].log2_len,
            weight,
        };
        let geo = Geometry {
            scale: set.dims().map(|s| (s - 1) as f32),
            cells: set.cell_dims(),
        };
        let a = Args {
            set,
            geo,
            lo: read(pick.lo, pick.w_lo),
            hi: read(pick.hi, pick.w_hi),
            inc,
            morph,
            gain,
            pan,
        };
        // Without an early exit, so the comparison vectorises (it runs on every call).
        let still = |v: &[f32]| v[..n].iter().fold(true, |all, &s| all & (s == v[0]));
        let mode = if set.is_single() {
            SINGLE
        } else if n > 0 && still(morph.x) && still(morph.y) && still(morph.z) {
            FIXED
        } else {
            MOVING
        };
        // One level (the usual pick) reads half the table data of a crossfade.
        let two = pick.w_hi != 0.0;
        match (mode, set.is_stereo(), two) {
            (SINGLE, false, false) => {
                self.dispatch::<SINGLE, false, false>(scratch, cache, a, phase, out_l, out_r)
            }
            (SINGLE, true, false) => {
                self.dispatch::<SINGLE, true, false>(scratch, cache, a, phase, out_l, out_r)
            }
            (FIXED, false, false) => {
                self.dispatch::<FIXED, false, false>(scratch, cache, a, phase, out_l, out_r)
            }
            (FIXED, true, false) => {
                self.dispatch::<FIXED, true, false>(scratch, cache, a, phase, out_l, out_r)
            }
            (_, false, false) => {
                self.dispatch::<MOVING, false, false>(scratch, cache, a, phase, out_l, out_r)
            }
            (_, true, false) => {
                self.dispatch::<MOVING, true, false>(scratch, cache, a, phase, out_l, out_r)
            }
            (SINGLE, false, true) => {
                self.dispatch::<SINGLE, false, true>(scratch, cache, a, phase, out_l, out_r)
            }
            (SINGLE, true, true) => {
                self.dispatch::<SINGLE, true, true>(scratch, cache, a, phase, out_l, out_r)
            }
            (FIXED, false, true) => {
                self.dispatch::<FIXED, false, true>(scratch, cache, a, phase, out_l, out_r)
            }
            (FIXED, true, true) => {
                self.dispatch::<FIXED, true, true>(scratch, cache, a, phase, out_l, out_r)
            }
            (_, false, true) => {
                self.dispatch::<MOVING, false, true>(scratch, cache, a, phase, out_l, out_r)
            }
            (_, true, true) => {
                self.dispatch::<MOVING, true, true>(scratch, cache, a, phase, out_l, out_r)
            }
        }
    }

    fn dispatch<const MODE: u8, const STEREO: bool, const TWO: bool>(
        &self,
        scratch: &mut OscScratch,
        cache: Option<&mut BlendCache>,
        a: Args<'_>,
        phase: &mut u32,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        #[cfg(target_arch = "x86_64")]
        if self.simd {
            // SAFETY: `simd` is only true when the CPU reports AVX2 and FMA.
            unsafe {
                avx2::render::<MODE, STEREO, TWO>(
                    &self.table,
                    scratch,
                    cache,
                    a,
                    phase,
                    out_l,
                    out_r,
                )
            };
            return;
        }
        // The portable kernel blends per sample and has no use for the cache.
        let _ = cache;
        render_scalar::<MODE, STEREO>(&self.table, a, phase, out_l, out_r);
    }
}

fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn kernel_table() -> Vec<PhaseRow> {
    let at = |p: usize| bspline7_weights(p as f64 / PHASES as f64);
    (0..PHASES)
        .map(|p| {
            let (w0, w1) = (at(p), at(p + 1));
            PhaseRow {
                w: w0.map(|v| v as f32),
                d: std::array::from_fn(|k| (w1[k] - w0[k]) as f32),
            }
        })
        .collect()
}

/// Table index of `phase` in a table of `2^log2_len` samples, the kernel-table row, and the
/// fraction (0..1) between that row and the next.
#[inline(always)]
fn split_phase(phase: u32, r: LevelRead) -> (usize, usize, f32) {
    let index = (phase >> r.index_shift) as usize;
    let frac24 = (phase << r.log2_len) >> 8;
    (
        index,
        (frac24 >> 16) as usize,
        (frac24 & 0xFFFF) as f32 * (1.0 / 65536.0),
    )
}

/// Finds the cell around morph point `(x, y, z)` (each 0..1) and its eight corner weights,
/// renormalised over the corners that exist. All-zero weights mean every corner is empty.
#[inline(always)]
fn corner_weights(
    geo: Geometry,
    cells: &[CellCorners],
    x: f32,
    y: f32,
    z: f32,
) -> (&CellCorners, [f32; 8]) {
    // `max` before `min` maps NaN to 0.
    let axis = |v: f32, a: usize| {
        let g = (v * geo.scale[a]).max(0.0).min(geo.scale[a]);
        let i = (g as i32 as usize).min(geo.cells[a] - 1);
        (i, g - i as f32)
    };
    let (ix, fx) = axis(x, 0);
    let (iy, fy) = axis(y, 1);
    let (iz, fz) = axis(z, 2);
    let cell = &cells[(ix * geo.cells[1] + iy) * geo.cells[2] + iz];
    if cell.complete {
        // Common case: the weights already sum to one.
        let wxy = [
            (1.0 - fx) * (1.0 - fy),
            (1.0 - fx) * fy,
            fx * (1.0 - fy),
            fx * fy,
        ];
        let w = std::array::from_fn(|c| wxy[c >> 1] * if c & 1 == 1 { fz } else { 1.0 - fz });
        return (cell, w);
    }
    (cell, renormalised([fx, fy, fz], &cell.present))
}

/// Trilinear weights over the present corners only, summing to one (or all zero when no
/// corner exists).
#[cold]
fn renormalised(f: [f32; 3], present: &[f32; 8]) -> [f32; 8] {
    let mut w = trilinear(f, present, 0.0);
    if w.iter().sum::<f32>() < 1e-20 {
        // The corners that carry weight are all missing: take the limit from inside the
        // cell, so the nearest present nodes fill in (never silence while any exists).
        w = trilinear(f, present, 1e-6);
    }
    let sum: f32 = w.iter().sum();
    if sum < 1e-20 {
        return [0.0; 8];
    }
    w.map(|v| v / sum)
}

/// Samples per pass of [`corner_weights_block`] and of the fixed-morph blend.
const SUB: usize = 64;

/// Longest span of blended table entries one sub-block may need: a level is read at most
/// 5 entries per sample (a level of `H` harmonics plays up to `H · f0 = 0.61 ×` the 2×
/// rate with at most 8 entries per harmonic, and the last level up to the 2× Nyquist
/// frequency with 8), plus the kernel's 7 extra taps.
const SPAN: usize = POLY * 5 + 8;

/// [`corner_weights`] for up to [`SUB`] samples: cell indices into `cell_of` and the weight
/// of corner `c` at sample `j` into `weights[c][j]`. The main loop has no loop-carried
/// state, so it vectorises; cells with missing corners are fixed up after it.
#[inline(always)]
fn corner_weights_block(
    geo: Geometry,
    cells: &[CellCorners],
    x: &[f32],
    y: &[f32],
    z: &[f32],
    cell_of: &mut [u32; SUB],
    weights: &mut [[f32; SUB]; 8],
) {
    let n = x.len().min(SUB);
    let (x, y, z) = (&x[..n], &y[..n], &z[..n]);
    let last = geo.cells.map(|c| (c - 1) as i32);
    let mut fracs = [[0.0f32; 3]; SUB];
    for j in 0..n {
        let axis = |v: f32, a: usize| {
            let g = (v * geo.scale[a]).max(0.0).min(geo.scale[a]);
            // SAFETY: `g` is finite and within 0..=15 (NaN became 0 at `max`), so it fits
            // an i32. The unchecked form lets the loop vectorise (`as` saturates per lane).
            let i = unsafe { g.to_int_unchecked::<i32>() }.min(last[a]);
            (i, g - i as f32)
        };
        let (ix, fx) = axis(x[j], 0);
        let (iy, fy) = axis(y[j], 1);
        let (iz, fz) = axis(z[j], 2);
        cell_of[j] = ((ix * geo.cells[1] as i32 + iy) * geo.cells[2] as i32 + iz) as u32;
        let (gx, gy, gz) = (1.0 - fx, 1.0 - fy, 1.0 - fz);
        let w = [gx * gy * gz, gx * gy * fz, gx * fy * gz, gx * fy * fz];
        let v = [fx * gy * gz, fx * gy * fz, fx * fy * gz, fx * fy * fz];
        for c in 0..4 {
            weights[c][j] = w[c];
            weights[c + 4][j] = v[c];
        }
        fracs[j] = [fx, fy, fz];
    }
    for j in 0..n {
        let cell = &cells[cell_of[j] as usize];
        if !cell.complete {
            let w = renormalised(fracs[j], &cell.present);
            for c in 0..8 {
                weights[c][j] = w[c];
            }
        }
    }
}

fn trilinear(f: [f32; 3], present: &[f32; 8], floor: f32) -> [f32; 8] {
    let pair = |t: f32| [(1.0 - t).max(floor), t.max(floor)];
    let (wx, wy, wz) = (pair(f[0]), pair(f[1]), pair(f[2]));
    std::array::from_fn(|c| wx[c >> 2] * wy[(c >> 1) & 1] * wz[c & 1] * present[c])
}

/// Samples per sub-block of the moving-morph kernel: each is rendered by the polynomial
/// path when its morph point moves on a parabola, else per sample.
const POLY: usize = 128;

/// Largest distance, in grid units, that a morph coordinate of a sub-block may lie from the
/// parabola through its first, middle and last samples for the polynomial path. The path
/// then plays the morph trajectory as those parabolas, one per sub-block of 32 to 128
/// samples, meeting at the sub-blocks' end samples; as the eight weights' derivatives
/// along an axis sum to at most 2 in magnitude, a sample moves by at most `6 · CURVE_TOL`
/// of the largest node sample, −104 dB. A parabola follows a sine LFO far closer than a
/// line: for a sine sweeping a whole 4-node axis at 0.7 Hz, the line through 64 samples
/// at 96 kHz (the 2× clock of 48 kHz) misses it by up to 1.6e-6 grid units, the parabola
/// through 128 by under 1e-8; the parabola holds over 128 samples up to about 5 Hz and
/// over 32 up to about 20 Hz (f32 rounding of a coordinate near 3 adds a few 1e-7).
const CURVE_TOL: f32 = 1e-6;

/// `RAMP[j] = j`: the sample index of a sub-block as a float.
const RAMP: [f32; POLY] = {
    let mut r = [0.0; POLY];
    let mut j = 0;
    while j < POLY {
        r[j] = j as f32;
        j += 1;
    }
    r
};

/// Largest value over a sub-block that a dropped polynomial term of a corner weight may
/// reach: below f32 resolution of a weight.
const TERM_TOL: f32 = 1e-7;

/// The corner weights of a sub-block as polynomials in the sample index `u` (0 at the
/// sub-block's first sample): corner `c` weighs `Σ_p coef[p][c] · u^p` for `p ≤ degree`.
struct PolyWeights {
    /// Index of the cell in the cell table.
    cell: usize,
    /// Coefficient of `u^p` for corner `c`, `[p][c]`.
    coef: [[f32; 8]; 4],
    /// Highest power that matters (0 to 3).
    degree: usize,
}

/// When each morph coordinate of a sub-block moves on a parabola (within [`CURVE_TOL`] of
/// the one through its first, middle and last samples; a line when the bend is below
/// that) inside one complete cell, its trilinear corner weights are polynomials in the
/// sample index: the product of three quadratic fractions, degree 6 at most. Returns them
/// to degree 3, or `None` when a higher power's term would reach [`TERM_TOL`] over the
/// sub-block, when the motion is not such a curve (audio-rate modulation, a corner of a
/// triangle LFO), on a cell crossing or a missing corner, for fewer than 8 samples, or
/// for NaN. The powers up to 3 whose terms stay under [`TERM_TOL`] are dropped.
///
/// The portable reference: the AVX2 kernel runs `avx2::poly_weights`, the same arithmetic
/// eight lanes wide, which the tests hold to this one bit for bit.
#[cfg(test)]
fn poly_weights(
    geo: Geometry,
    cells: &[CellCorners],
    x: &[f32],
    y: &[f32],
    z: &[f32],
    midpoints: bool,
) -> Option<PolyWeights> {
    let m = x.len();
    let odd = odd_only(midpoints, m);
    if !(8..=POLY).contains(&m) || y.len() < m || z.len() < m {
        return None;
    }
    let (last, mid) = (m - 1, (m - 1) / 2);
    // Per axis, the weight factors of bit 0 and bit 1 as `[1, u, u²]` coefficients:
    // `1 − f` and `f`, with `f = f0 + b·u + c·u²`.
    let mut fac = [[[0.0f32; 3]; 2]; 3];
    let mut idx = [0usize; 3];
    for (a, v) in [x, &y[..m], &z[..m]].into_iter().enumerate() {
        let s = geo.scale[a];
        // The check in the coordinate's own units: `CURVE_TOL` grid units.
        let tol = CURVE_TOL / s;
        let [g0, b, c] = fit_curve(v[0], v[mid], v[last], mid, last, tol);
        // Without an early exit, and with the sample index and its square from tables
        // (baseline x86-64 cannot convert integers to floats in vectors), so the check
        // vectorises; NaN fails the comparison.
        let (mut ok, mut lo, mut hi) = (true, v[0], v[0]);
        let samples = v[..m].iter().zip(&RAMP).zip(&RAMP2).enumerate();
        for (_, ((&t, &j), &j2)) in samples.filter(|(i, _)| !odd || i % 2 == 1) {
            ok &= (t - c.mul_add(j2, b.mul_add(j, g0))).abs() <= tol;
            lo = lo.min(t);
            hi = hi.max(t);
        }
        let (lo, hi) = (lo * s, hi * s);
        // Also false for NaN.
        if !(ok && lo >= 0.0 && hi <= s) {
            return None;
        }
        let top = geo.cells[a] as i32 - 1;
        // SAFETY: `lo` and `hi` are finite and within 0..=s (checked above), so they fit an
        // i32; the unchecked form skips the saturating conversion.
        let (i, i1) = unsafe { (lo.to_int_unchecked::<i32>(), hi.to_int_unchecked::<i32>()) };
        let i = i.min(top);
        if i1.min(top) != i {
            return None;
        }
        idx[a] = i as usize;
        let (f0, b, c) = (g0 * s - i as f32, b * s, c * s);
        fac[a] = [[1.0 - f0, -b, -c], [f0, b, c]];
    }
    let cell = (idx[0] * geo.cells[1] + idx[1]) * geo.cells[2] + idx[2];
    if !cells[cell].complete {
        return None;
    }
    // The x·y products (quartics), then times z (sextics): corner `c = 4·bx + 2·by + bz`.
    let mut full = [[0.0f32; 8]; 7];
    for xy in 0..4 {
        let pq = poly_mul::<3, 3, 5>(fac[0][xy >> 1], fac[1][xy & 1]);
        for bz in 0..2 {
            let w = poly_mul::<5, 3, 7>(pq, fac[2][bz]);
            for (p, v) in w.into_iter().enumerate() {
                full[p][2 * xy + bz] = v;
            }
        }
    }
    let last = last as f32;
    let top = |p: usize| full[p].iter().fold(0.0f32, |t, v| t.max(v.abs())) * reach(last, p);
    let degree = degree_of(top)?;
    let coef = [full[0], full[1], full[2], full[3]];
    Some(PolyWeights { cell, coef, degree })
}

/// Whether every even sample of `v` after the first is the mean of its neighbours, to f32
/// rounding: what `MorphBuffers::midpoints` promises (checked in debug builds).
fn midpoints_hold(v: &[f32]) -> bool {
    (2..v.len().saturating_sub(1))
        .step_by(2)
        .all(|k| (v[k] - 0.5 * (v[k - 1] + v[k + 1])).abs() <= 1e-6)
}

/// Whether the curve check of an `m`-sample sub-block may skip the even samples: buffers
/// of midpoints (`MorphBuffers::midpoints`) and an even length of at least 16, so the
/// last sample is odd and the odd samples fill whole registers of eight.
#[inline(always)]
fn odd_only(midpoints: bool, m: usize) -> bool {
    midpoints && m % 2 == 0 && m >= 16
}

/// The parabola through a coordinate's first, middle and last samples of a sub-block (at
/// `u = 0`, `mid` and `last`): `[g0, b, c]` with `g(u) = g0 + b·u + c·u²`. A bend that
/// stays under `tol` over the sub-block is taken as none: the line through the ends
/// (`c = 0`), so a straight ramp, whose middle sample is off its line by rounding only,
/// stays a line.
#[inline(always)]
fn fit_curve(v0: f32, vm: f32, vl: f32, mid: usize, last: usize, tol: f32) -> [f32; 3] {
    let (mf, lf) = (mid as f32, last as f32);
    // Reciprocals of small integers: exact enough, and cheaper than three divisions.
    let (rm, rl, rd) = (RECIP[mid], RECIP[last], RECIP[last - mid]);
    let (sm, sl) = ((vm - v0) * rm, (vl - v0) * rl);
    let c = (sl - sm) * rd;
    // Also false for NaN, which the sample check then turns down.
    if (c * lf * lf).abs() <= tol {
        [v0, sl, 0.0]
    } else {
        [v0, sm - c * mf, c]
    }
}

/// `RAMP2[j] = j²`, exact.
const RAMP2: [f32; POLY] = {
    let mut r = [0.0; POLY];
    let mut j = 0;
    while j < POLY {
        r[j] = (j * j) as f32;
        j += 1;
    }
    r
};

/// `RECIP[k] = 1 / k` (and 0 for `k = 0`), for the curve fit's sample distances.
const RECIP: [f32; POLY] = {
    let mut r = [0.0; POLY];
    let mut k = 1;
    while k < POLY {
        r[k] = 1.0 / k as f32;
        k += 1;
    }
    r
};

/// `u^p` for the reach test of the powers: `last` multiplied `p` times.
#[inline(always)]
fn reach(last: f32, p: usize) -> f32 {
    (0..p).fold(1.0, |r, _| r * last)
}

/// The degree the polynomial path keeps, from `top(p)`, the largest term of power `p` over
/// the sub-block: the highest power up to 3 whose term reaches [`TERM_TOL`], or `None`
/// when a power above 3 does.
#[inline(always)]
fn degree_of(top: impl Fn(usize) -> f32) -> Option<usize> {
    // Written out so that NaN fails every comparison the same way.
    if !(top(4) <= TERM_TOL && top(5) <= TERM_TOL && top(6) <= TERM_TOL) {
        return None;
    }
    Some(if top(3) > TERM_TOL {
        3
    } else if top(2) > TERM_TOL {
        2
    } else if top(1) > TERM_TOL {
        1
    } else {
        0
    })
}

/// The product of two polynomials given by their coefficients (lowest power first); each
/// output coefficient sums its products in increasing power of `a`.
#[cfg(test)]
fn poly_mul<const A: usize, const B: usize, const C: usize>(a: [f32; A], b: [f32; B]) -> [f32; C] {
    let mut out = [0.0; C];
    for (k, o) in out.iter_mut().enumerate() {
        // The first product of the sum, then the others added in order.
        let first = k.saturating_sub(B - 1);
        *o = a[first] * b[k - first];
        for i in first + 1..=k.min(A - 1) {
            *o += a[i] * b[k - i];
        }
    }
    out
}

/// The cell and weights for the modes whose morph point holds still: computed once per call.
#[inline(always)]
fn hoisted<'a, const MODE: u8>(a: &Args<'a>) -> (&'a CellCorners, [f32; 8]) {
    let cells = a.set.cells();
    if MODE == FIXED {
        corner_weights(a.geo, cells, a.morph.x[0], a.morph.y[0], a.morph.z[0])
    } else {
        (&cells[0], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    }
}

/// Portable kernel: the reference the SIMD one is tested against.
fn render_scalar<const MODE: u8, const STEREO: bool>(
    table: &[PhaseRow],
    a: Args<'_>,
    phase: &mut u32,
    out_l: &mut [f32],
    out_r: &mut [f32],
) {
    let arena = a.set.arena();
    let cells = a.set.cells();
    let mut ph = *phase;
    let taps = |row: usize, f: f32, g: f32| -> [f32; 8] {
        let r = &table[row];
        std::array::from_fn(|k| (r.w[k] + f * r.d[k]) * g)
    };
    let read_channel = |bases: &[u32; 8],
                        w: &[f32; 8],
                        o_lo: usize,
                        o_hi: usize,
                        k_lo: &[f32; 8],
                        k_hi: &[f32; 8]| {
        let mut acc_lo = [0.0f32; 8];
        let mut acc_hi = [0.0f32; 8];
        for c in 0..if MODE == SINGLE { 1 } else { 8 } {
            let b = bases[c] as usize;
            let lo = &arena[b + o_lo..][..BSPLINE_TAPS];
            let hi = &arena[b + o_hi..][..BSPLINE_TAPS];
            for k in 0..BSPLINE_TAPS {
                acc_lo[k] += w[c] * lo[k];
                acc_hi[k] += w[c] * hi[k];
            }
        }
        (0..BSPLINE_TAPS)
            .map(|k| acc_lo[k] * k_lo[k] + acc_hi[k] * k_hi[k])
            .sum::<f32>()
    };
    let held = hoisted::<MODE>(&a);
    for n in 0..a.gain.len() {
        let (cell, w) = if MODE == MOVING {
            corner_weights(a.geo, cells, a.morph.x[n], a.morph.y[n], a.morph.z[n])
        } else {
            held
        };
        let (i_lo, r_lo, f_lo) = split_phase(ph, a.lo);
        let (i_hi, r_hi, f_hi) = split_phase(ph, a.hi);
        let (k_lo, k_hi) = (taps(r_lo, f_lo, a.lo.weight), taps(r_hi, f_hi, a.hi.weight));
        let (o_lo, o_hi) = (a.lo.offset + i_lo, a.hi.offset + i_hi);
        let g = a.gain[n];
        let pan = a.pan.at(n);
        let l = read_channel(&cell.left, &w, o_lo, o_hi, &k_lo, &k_hi);
        out_l[n] += l * g * pan[0];
        if STEREO {
            out_r[n] += read_channel(&cell.right, &w, o_lo, o_hi, &k_lo, &k_hi) * g * pan[1];
        } else {
            out_r[n] += l * g * pan[1];
        }
        ph = ph.wrapping_add(a.inc);
    }
    *phase = ph;
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::*;
    use std::arch::x86_64::*;

    /// AVX2 + FMA kernel: the same arithmetic as [`render_scalar`], eight taps per register.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn render<const MODE: u8, const STEREO: bool, const TWO: bool>(
        table: &[PhaseRow],
        scratch: &mut OscScratch,
        cache: Option<&mut BlendCache>,
        a: Args<'_>,
        phase: &mut u32,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        if MODE == FIXED {
            // SAFETY: same CPU features as this function.
            let done = unsafe {
                match cache {
                    Some(cache) => {
                        render_cached::<STEREO, TWO>(table, cache, a, phase, out_l, out_r)
                    }
                    None => render_fixed::<STEREO, TWO>(
                        table,
                        &mut scratch.span[0],
                        a,
                        phase,
                        out_l,
                        out_r,
                    ),
                }
            };
            if done {
                return;
            }
        }
        let arena = a.set.arena();
        let cells = a.set.cells();
        let base = arena.as_ptr();
        let n = a.gain.len();
        let (gain, mx, my, mz) = (
            &a.gain[..n],
            &a.morph.x[..n],
            &a.morph.y[..n],
            &a.morph.z[..n],
        );
        let (out_l, out_r) = (&mut out_l[..n], &mut out_r[..n]);
        let (g_lo, g_hi) = (_mm256_set1_ps(a.lo.weight), _mm256_set1_ps(a.hi.weight));
        let mut ph = *phase;
        let held = hoisted::<MODE>(&a);
        // A moving morph point: cells and weights for a sub-block at a time, in a
        // vectorised pass, then the per-sample reads.
        let OscScratch {
            cell_of,
            weights,
            span,
        } = scratch;
        // The polynomial path needs every sub-block's reads to fit a span, as the fixed
        // path does (they always do for picks from `MipLevels::pick`).
        let poly_fits = MODE == MOVING
            && [a.lo, a.hi][..if TWO { 2 } else { 1 }]
                .iter()
                .all(|r| last_offset_of(u32::MAX, r, POLY.min(n), a.inc) + BSPLINE_TAPS <= SPAN);
        let mut i = 0;
        // The per-sample sub-block `i` is in: its start and end.
        let (mut sub, mut sub_end) = (0, if MODE == MOVING { 0 } else { n });
        // The polynomial path's next try: `POLY` samples, halved after a miss (a faster
        // LFO's curve holds over fewer samples) down to `POLY / 4`, doubled after a hit.
        let mut len = POLY;
        while i < n {
            if MODE == MOVING && i == sub_end {
                let mut poly = None;
                while poly_fits && poly.is_none() {
                    let end = (i + len).min(n);
                    let (x, y, z) = (&mx[i..end], &my[i..end], &mz[i..end]);
                    // SAFETY: same CPU features as this function.
                    poly = unsafe { poly_weights(a.geo, cells, x, y, z, a.morph.midpoints) }
                        .map(|pw| (pw, end));
                    if poly.is_none() && len == POLY / 4 {
                        break;
                    }
                    len = if poly.is_none() { len / 2 } else { len };
                }
                if let Some((pw, end)) = poly {
                    let cell = &cells[pw.cell];
                    let (o_l, o_r) = (&mut out_l[i..end], &mut out_r[i..end]);
                    // SAFETY: same CPU features as this function; the spans fit (checked).
                    unsafe {
                        match pw.degree {
                            0 => render_poly::<1, STEREO, TWO>(
                                table, span, &a, cell, &pw.coef, &mut ph, i, o_l, o_r,
                            ),
                            1 => render_poly::<2, STEREO, TWO>(
                                table, span, &a, cell, &pw.coef, &mut ph, i, o_l, o_r,
                            ),
                            2 => render_poly::<3, STEREO, TWO>(
                                table, span, &a, cell, &pw.coef, &mut ph, i, o_l, o_r,
                            ),
                            _ => render_poly::<4, STEREO, TWO>(
                                table, span, &a, cell, &pw.coef, &mut ph, i, o_l, o_r,
                            ),
                        }
                    }
                    (i, sub_end) = (end, end);
                    len = (2 * len).min(POLY);
                    continue;
                }
                // Per sample, for a quarter sub-block.
                let end = (i + POLY / 4).min(n);
                (sub, sub_end) = (i, end);
                let (x, y, z) = (&mx[i..end], &my[i..end], &mz[i..end]);
                corner_weights_block(a.geo, cells, x, y, z, cell_of, weights);
            }
            let j = i - sub;
            // Eight samples at a time when they fit in the sub-block: eight products, one
            // transposing reduction, vector gain and output (`j` is then a multiple of 8).
            let group = if i + 8 <= sub_end { 8 } else { 1 };
            let mut pl = [_mm256_setzero_ps(); 8];
            let mut pr = [_mm256_setzero_ps(); 8];
            for s in 0..group {
                let (cell, w) = if MODE == MOVING {
                    (
                        &cells[cell_of[j + s] as usize],
                        std::array::from_fn(|c| weights[c][j + s]),
                    )
                } else {
                    held
                };
                let (i_lo, r_lo, f_lo) = split_phase(ph, a.lo);
                // Level crossfade weights ride on the kernel weights.
                let k_lo = _mm256_mul_ps(taps(&table[r_lo], f_lo), g_lo);
                let (o_lo, o_hi, k_hi) = if TWO {
                    let (i_hi, r_hi, f_hi) = split_phase(ph, a.hi);
                    let k_hi = _mm256_mul_ps(taps(&table[r_hi], f_hi), g_hi);
                    (a.lo.offset + i_lo, a.hi.offset + i_hi, k_hi)
                } else {
                    (a.lo.offset + i_lo, 0, k_lo)
                };
                // SAFETY: every corner base starts a block of `block_len` floats inside the
                // arena, and a level's offset plus index plus eight taps stays inside its
                // stored table (guards included), as `CubeSet::build` lays them out.
                pl[s] = unsafe {
                    read_channel::<MODE, TWO>(base, &cell.left, &w, o_lo, o_hi, k_lo, k_hi)
                };
                if STEREO {
                    // SAFETY: as above, for the right-channel blocks.
                    pr[s] = unsafe {
                        read_channel::<MODE, TWO>(base, &cell.right, &w, o_lo, o_hi, k_lo, k_hi)
                    };
                }
                ph = ph.wrapping_add(a.inc);
            }
            // SAFETY: `i + group ≤ n` and every slice holds at least `n` samples.
            unsafe { emit::<STEREO>(group, &pl, &pr, gain, a.pan, out_l, out_r, i) };
            i += group;
        }
        *phase = ph;
    }

    /// The portable `poly_weights` (the tests' reference) eight lanes wide, operation for
    /// operation the same arithmetic (separate multiplies and adds, no fused ones), so it
    /// returns the same weights bit for bit. The curve check takes eight samples per
    /// register (a sub-block whose length is not a multiple of eight ends on an
    /// overlapping group) and the coefficients eight corners per register (lane
    /// `c = 4·bx + 2·by + bz`); the portable version compiles for baseline x86-64, four
    /// lanes at best.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn poly_weights(
        geo: Geometry,
        cells: &[CellCorners],
        x: &[f32],
        y: &[f32],
        z: &[f32],
        midpoints: bool,
    ) -> Option<PolyWeights> {
        let m = x.len();
        let odd = odd_only(midpoints, m);
        if !(8..=POLY).contains(&m) || y.len() < m || z.len() < m {
            return None;
        }
        let (last, mid) = (m - 1, (m - 1) / 2);
        let axes = [x, &y[..m], &z[..m]];
        let abs = _mm256_castsi256_ps(_mm256_set1_epi32(i32::MAX));
        // Per axis: the curve, and the cell index.
        let mut fit = [[0.0f32; 3]; 3];
        let mut idx = [0usize; 3];
        for (a, v) in axes.iter().enumerate() {
            let s = geo.scale[a];
            let tol = CURVE_TOL / s;
            let [g0, b, c] = fit_curve(v[0], v[mid], v[last], mid, last, tol);
            // `|t − (g0 + j·b + j²·c)| ≤ tol` for every sample (the ordered comparison
            // fails for NaN), fused as the portable version's `mul_add`s; and the range.
            let (vt, vg, vb, vc) = (
                _mm256_set1_ps(tol),
                _mm256_set1_ps(g0),
                _mm256_set1_ps(b),
                _mm256_set1_ps(c),
            );
            let mut ok = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
            let (mut lo, mut hi) = (_mm256_set1_ps(v[0]), _mm256_set1_ps(v[0]));
            let mut check = |t: __m256, j: __m256, j2: __m256| {
                let curve = _mm256_fmadd_ps(j2, vc, _mm256_fmadd_ps(j, vb, vg));
                let e = _mm256_and_ps(_mm256_sub_ps(t, curve), abs);
                ok = _mm256_and_ps(ok, _mm256_cmp_ps::<_CMP_LE_OQ>(e, vt));
                lo = _mm256_min_ps(lo, t);
                hi = _mm256_max_ps(hi, t);
            };
            let mut k = 0;
            if odd {
                // The odd samples of sixteen, in the order a shuffle leaves them
                // (1, 3, 9, 11, 5, 7, 13, 15); the check does not depend on the order.
                let lanes = _mm256_setr_ps(1.0, 3.0, 9.0, 11.0, 5.0, 7.0, 13.0, 15.0);
                while k < m {
                    // Even, as `m` is: the last group may overlap the one before.
                    let at = k.min(m - 16);
                    // SAFETY: `at + 16 ≤ m`, the length of `v`.
                    let (a, b) = unsafe {
                        (
                            _mm256_loadu_ps(v.as_ptr().add(at)),
                            _mm256_loadu_ps(v.as_ptr().add(at + 8)),
                        )
                    };
                    let t = _mm256_shuffle_ps::<0b11_01_11_01>(a, b);
                    // Exact: indices and their squares below 2²⁴.
                    let j = _mm256_add_ps(_mm256_set1_ps(at as f32), lanes);
                    check(t, j, _mm256_mul_ps(j, j));
                    k += 16;
                }
            } else {
                while k < m {
                    let at = k.min(m - 8);
                    // SAFETY: `at + 8 ≤ m ≤ POLY`, the length of `v`, `RAMP` and `RAMP2`.
                    let (t, j, j2) = unsafe {
                        (
                            _mm256_loadu_ps(v.as_ptr().add(at)),
                            _mm256_loadu_ps(RAMP.as_ptr().add(at)),
                            _mm256_loadu_ps(RAMP2.as_ptr().add(at)),
                        )
                    };
                    check(t, j, j2);
                    k += 8;
                }
            }
            if _mm256_movemask_ps(ok) != 0xFF {
                return None;
            }
            // Every sample passed the check, so none is NaN and the extremes are exact.
            let (lo, hi) = (hmin(lo) * s, hmax(hi) * s);
            if !(lo >= 0.0 && hi <= s) {
                return None;
            }
            let top = geo.cells[a] as i32 - 1;
            // SAFETY: `lo` and `hi` are finite and within 0..=s (checked above), so they
            // fit an i32.
            let (i, i1) = unsafe { (lo.to_int_unchecked::<i32>(), hi.to_int_unchecked::<i32>()) };
            let i = i.min(top);
            if i1.min(top) != i {
                return None;
            }
            idx[a] = i as usize;
            fit[a] = [g0 * s - i as f32, b * s, c * s];
        }
        let cell = (idx[0] * geo.cells[1] + idx[1]) * geo.cells[2] + idx[2];
        if !cells[cell].complete {
            return None;
        }
        // Per axis, the weight factor of each lane's corner bit as coefficients of
        // `[1, u, u²]`: `1 − f0`, `−b`, `−c` for bit 0, `f0`, `b`, `c` for bit 1.
        let factors = |a: usize| {
            let [f0, b, c] = fit[a];
            [[1.0 - f0, f0], [-b, b], [-c, c]]
        };
        let p = factors(0).map(|[k0, k1]| _mm256_setr_ps(k0, k0, k0, k0, k1, k1, k1, k1));
        let q = factors(1).map(|[k0, k1]| _mm256_setr_ps(k0, k0, k1, k1, k0, k0, k1, k1));
        let r = factors(2).map(|[k0, k1]| _mm256_setr_ps(k0, k1, k0, k1, k0, k1, k0, k1));
        // The portable version's products, in its order.
        let full: [__m256; 7] = mul_lanes::<5, 3, 7>(mul_lanes::<3, 3, 5>(p, q), r);
        let mut coef = [[0.0f32; 8]; 4];
        for p in 0..4 {
            // SAFETY: `coef[p]` holds eight f32.
            unsafe { _mm256_storeu_ps(coef[p].as_mut_ptr(), full[p]) };
        }
        // The largest term of each power over the sub-block (the largest magnitude is
        // exact whatever the order of comparison).
        let last = last as f32;
        let top = |p: usize| hmax(_mm256_and_ps(full[p], abs)) * reach(last, p);
        // The powers above 3 in one reduction: scaling by a positive reach commutes with
        // the maximum (rounding is monotonic), so this is `degree_of`'s first test.
        let high = [4, 5, 6]
            .map(|p| _mm256_mul_ps(_mm256_and_ps(full[p], abs), _mm256_set1_ps(reach(last, p))));
        use std::cmp::Ordering;
        let highest = hmax(_mm256_max_ps(high[0], _mm256_max_ps(high[1], high[2])));
        // As `degree_of`, NaN turns the path down.
        if !matches!(
            highest.partial_cmp(&TERM_TOL),
            Some(Ordering::Less | Ordering::Equal)
        ) {
            return None;
        }
        let degree = degree_of(|p| if p > 3 { 0.0 } else { top(p) })?;
        Some(PolyWeights { cell, coef, degree })
    }

    /// `poly_mul` (the portable reference's product) on eight lanes of coefficients at a time.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn mul_lanes<const A: usize, const B: usize, const C: usize>(
        a: [__m256; A],
        b: [__m256; B],
    ) -> [__m256; C] {
        let mut out = [_mm256_setzero_ps(); C];
        for (k, o) in out.iter_mut().enumerate() {
            // The first product of the sum, then the others added in order.
            let first = k.saturating_sub(B - 1);
            *o = _mm256_mul_ps(a[first], b[k - first]);
            for i in first + 1..=k.min(A - 1) {
                *o = _mm256_add_ps(*o, _mm256_mul_ps(a[i], b[k - i]));
            }
        }
        out
    }

    /// The largest of the eight lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hmax(v: __m256) -> f32 {
        let h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        _mm_cvtss_f32(_mm_max_ss(h, _mm_shuffle_ps::<1>(h, h)))
    }

    /// The smallest of the eight lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hmin(v: __m256) -> f32 {
        let h = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let h = _mm_min_ps(h, _mm_movehl_ps(h, h));
        _mm_cvtss_f32(_mm_min_ss(h, _mm_shuffle_ps::<1>(h, h)))
    }

    /// `out_l[i..i + 8] += l · gain · pan_l` and the same for the right: the scalar
    /// `out += v * gain * pan` eight lanes wide, rounding step for step alike.
    ///
    /// # Safety
    /// `i + 8` must not exceed any slice's length.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn add_out8(
        l: __m256,
        r: __m256,
        gain: &[f32],
        pan_l: __m256,
        pan_r: __m256,
        out_l: &mut [f32],
        out_r: &mut [f32],
        i: usize,
    ) {
        debug_assert!(i + 8 <= gain.len() && i + 8 <= out_l.len() && i + 8 <= out_r.len());
        // SAFETY: guaranteed by the caller.
        unsafe {
            let g = _mm256_loadu_ps(gain.as_ptr().add(i));
            let (ol, or) = (out_l.as_mut_ptr().add(i), out_r.as_mut_ptr().add(i));
            let vl = _mm256_mul_ps(_mm256_mul_ps(l, g), pan_l);
            let vr = _mm256_mul_ps(_mm256_mul_ps(r, g), pan_r);
            _mm256_storeu_ps(ol, _mm256_add_ps(_mm256_loadu_ps(ol), vl));
            _mm256_storeu_ps(or, _mm256_add_ps(_mm256_loadu_ps(or), vr));
        }
    }

    /// Adds the `group` (8 or 1) samples summed in `pl`/`pr` (eight tap products each) to
    /// the outputs at `i`, times `gain` and `pan`: eight lanes at once through
    /// [`add_out8`], or one sample. Mono sets pass `pl` for both channels.
    ///
    /// # Safety
    /// `i + group` must not exceed any slice's length.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn emit<const STEREO: bool>(
        group: usize,
        pl: &[__m256; 8],
        pr: &[__m256; 8],
        gain: &[f32],
        pan: Pan<'_>,
        out_l: &mut [f32],
        out_r: &mut [f32],
        i: usize,
    ) {
        if group == 8 {
            let l = reduce8(pl);
            let r = if STEREO { reduce8(pr) } else { l };
            let (pan_l, pan_r) = match pan {
                Pan::Fixed(p) => (_mm256_set1_ps(p[0]), _mm256_set1_ps(p[1])),
                Pan::PerSample { left, right } => {
                    assert!(i + 8 <= left.len() && i + 8 <= right.len());
                    // SAFETY: in bounds (asserted).
                    unsafe {
                        (
                            _mm256_loadu_ps(left.as_ptr().add(i)),
                            _mm256_loadu_ps(right.as_ptr().add(i)),
                        )
                    }
                }
            };
            // SAFETY: guaranteed by the caller.
            unsafe { add_out8(l, r, gain, pan_l, pan_r, out_l, out_r, i) };
        } else {
            let p = pan.at(i);
            let l = hsum(pl[0]);
            out_l[i] += l * gain[i] * p[0];
            let r = if STEREO { hsum(pr[0]) } else { l };
            out_r[i] += r * gain[i] * p[1];
        }
    }

    /// The fixed-morph kernel. With the weights constant for the call, each sub-block first
    /// blends the eight corners over just the stretch of each level table its samples will
    /// read (one vectorised pass, corners of weight zero skipped), then reads that blend
    /// like a one-node table. Per sample it then costs barely more than a single node.
    ///
    /// Returns false, having rendered nothing, when a span would not fit (it cannot for
    /// picks from [`MipLevels::pick`](crate::cube::MipLevels::pick)); the caller then
    /// renders per sample.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn render_fixed<const STEREO: bool, const TWO: bool>(
        table: &[PhaseRow],
        span: &mut [[[f32; SPAN + 8]; 2]; 2],
        a: Args<'_>,
        phase: &mut u32,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) -> bool {
        let n = a.gain.len();
        if n == 0 {
            return true;
        }
        let pair = [a.lo, a.hi];
        let levels = &pair[..if TWO { 2 } else { 1 }];
        // The worst case over all start phases (fraction bits all ones).
        if levels
            .iter()
            .any(|r| last_offset_of(u32::MAX, r, SUB.min(n), a.inc) + BSPLINE_TAPS > SPAN)
        {
            return false;
        }
        let (cell, w) = hoisted::<FIXED>(&a);
        let arena = a.set.arena();
        let (g_lo, g_hi) = (_mm256_set1_ps(a.lo.weight), _mm256_set1_ps(a.hi.weight));
        let mut ph = *phase;
        let mut start = 0;
        while start < n {
            let m = (n - start).min(SUB);
            for (lv, r) in levels.iter().enumerate() {
                let first = (ph >> r.index_shift) as usize;
                let count = last_offset_of(ph, r, m, a.inc) + BSPLINE_TAPS;
                let len = 1usize << r.log2_len;
                let (left, right) = (&cell.left, &cell.right);
                // SAFETY: the bases come from the cell table; `count ≤ SPAN` was checked.
                unsafe {
                    blend_span(
                        arena,
                        left,
                        &w,
                        r.offset,
                        len,
                        first,
                        count,
                        &mut span[0][lv],
                    );
                    if STEREO {
                        blend_span(
                            arena,
                            right,
                            &w,
                            r.offset,
                            len,
                            first,
                            count,
                            &mut span[1][lv],
                        );
                    }
                }
            }
            let masks = pair.map(|r| (1u64 << r.index_shift) - 1);
            let mut acc = [0, 1].map(|lv| u64::from(ph) & masks[lv]);
            let mut i = start;
            while i < start + m {
                let group = if i + 8 <= start + m { 8 } else { 1 };
                let mut pl = [_mm256_setzero_ps(); 8];
                let mut pr = [_mm256_setzero_ps(); 8];
                for s in 0..group {
                    let (_, r_lo, f_lo) = split_phase(ph, a.lo);
                    let k_lo = _mm256_mul_ps(taps(&table[r_lo], f_lo), g_lo);
                    let j_lo = (acc[0] >> a.lo.index_shift) as usize;
                    let read = |ch: usize| {
                        let lo = &span[ch][0][j_lo..j_lo + BSPLINE_TAPS];
                        // SAFETY: the slice holds exactly eight f32.
                        let lo = unsafe { _mm256_loadu_ps(lo.as_ptr()) };
                        if !TWO {
                            return _mm256_mul_ps(lo, k_lo);
                        }
                        let (_, r_hi, f_hi) = split_phase(ph, a.hi);
                        let k_hi = _mm256_mul_ps(taps(&table[r_hi], f_hi), g_hi);
                        let j_hi = (acc[1] >> a.hi.index_shift) as usize;
                        let hi = &span[ch][1][j_hi..j_hi + BSPLINE_TAPS];
                        // SAFETY: the slice holds exactly eight f32.
                        let hi = unsafe { _mm256_loadu_ps(hi.as_ptr()) };
                        _mm256_fmadd_ps(lo, k_lo, _mm256_mul_ps(hi, k_hi))
                    };
                    pl[s] = read(0);
                    if STEREO {
                        pr[s] = read(1);
                    }
                    ph = ph.wrapping_add(a.inc);
                    acc[0] += u64::from(a.inc);
                    acc[1] += u64::from(a.inc);
                }
                // SAFETY: `i + group ≤ n` and every slice holds at least `n` samples.
                unsafe { emit::<STEREO>(group, &pl, &pr, a.gain, a.pan, out_l, out_r, i) };
                i += group;
            }
            start += m;
        }
        *phase = ph;
        true
    }

    /// [`render_fixed`] with the blends kept in `cache`: each sub-block first fills the
    /// chunks of the blended level tables its samples will read that the cache does not
    /// hold yet (none, once a held note has played a cycle), then reads the blends at the
    /// phase's own table index. The blends, kernel weights and sums are [`render_fixed`]'s,
    /// so the samples are too, bit for bit.
    ///
    /// Returns false, having rendered nothing, exactly when [`render_fixed`] would.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn render_cached<const STEREO: bool, const TWO: bool>(
        table: &[PhaseRow],
        cache: &mut BlendCache,
        a: Args<'_>,
        phase: &mut u32,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) -> bool {
        let n = a.gain.len();
        if n == 0 {
            return true;
        }
        let pair = [a.lo, a.hi];
        let levels = &pair[..if TWO { 2 } else { 1 }];
        // `render_fixed`'s condition, so both paths take the same samples the same way;
        // the length checks cannot fail for a `CubeSet` (levels of 8 to MAX_NODE_LEN).
        if levels.iter().any(|r| {
            let len = 1usize << r.log2_len;
            last_offset_of(u32::MAX, r, SUB.min(n), a.inc) + BSPLINE_TAPS > SPAN
                || !(BSPLINE_TAPS..=MAX_NODE_LEN).contains(&len)
        }) {
            return false;
        }
        let (cell, w) = hoisted::<FIXED>(&a);
        let arena = a.set.arena();
        let key = |r: &LevelRead| BlendKey {
            set: a.set.id(),
            left: cell.left,
            right: cell.right,
            weights: w.map(f32::to_bits),
            offset: r.offset,
        };
        let s_lo = cache.slot_for(key(&a.lo), None);
        let s_hi = if TWO {
            cache.slot_for(key(&a.hi), Some(s_lo))
        } else {
            s_lo
        };
        let slots = [s_lo, s_hi];
        let (g_lo, g_hi) = (_mm256_set1_ps(a.lo.weight), _mm256_set1_ps(a.hi.weight));
        let mut ph = *phase;
        let mut start = 0;
        while start < n {
            let m = (n - start).min(SUB);
            for (lv, r) in levels.iter().enumerate() {
                let slot = &mut cache.slots[slots[lv]];
                let len = 1usize << r.log2_len;
                if slot.filled < len / BSPLINE_TAPS {
                    let first = (ph >> r.index_shift) as usize;
                    let count = last_offset_of(ph, r, m, a.inc) + BSPLINE_TAPS;
                    // SAFETY: the bases come from the cell table; `len` is within
                    // 8..=MAX_NODE_LEN (checked above).
                    unsafe {
                        fill_chunks::<STEREO>(arena, cell, &w, r.offset, len, first, count, slot)
                    };
                }
            }
            let data = slots.map(|i| cache.slots[i].data.as_ptr());
            let mut i = start;
            while i < start + m {
                let group = if i + 8 <= start + m { 8 } else { 1 };
                let mut pl = [_mm256_setzero_ps(); 8];
                let mut pr = [_mm256_setzero_ps(); 8];
                for s in 0..group {
                    let (j_lo, r_lo, f_lo) = split_phase(ph, a.lo);
                    let k_lo = _mm256_mul_ps(taps(&table[r_lo], f_lo), g_lo);
                    let read = |ch: usize| {
                        // SAFETY: `j_lo < len`, so the window ends by entry `len + 6` of
                        // the channel's `CACHE_LEN`, inside chunks filled above (entries
                        // `len..len + 8` with chunk 0).
                        let lo = unsafe { _mm256_loadu_ps(data[0].add(ch * CACHE_LEN + j_lo)) };
                        if !TWO {
                            return _mm256_mul_ps(lo, k_lo);
                        }
                        let (j_hi, r_hi, f_hi) = split_phase(ph, a.hi);
                        let k_hi = _mm256_mul_ps(taps(&table[r_hi], f_hi), g_hi);
                        // SAFETY: as above, for the second level.
                        let hi = unsafe { _mm256_loadu_ps(data[1].add(ch * CACHE_LEN + j_hi)) };
                        _mm256_fmadd_ps(lo, k_lo, _mm256_mul_ps(hi, k_hi))
                    };
                    pl[s] = read(0);
                    if STEREO {
                        pr[s] = read(1);
                    }
                    ph = ph.wrapping_add(a.inc);
                }
                // SAFETY: `i + group ≤ n` and every slice holds at least `n` samples.
                unsafe { emit::<STEREO>(group, &pl, &pr, a.gain, a.pan, out_l, out_r, i) };
                i += group;
            }
            start += m;
        }
        *phase = ph;
        true
    }

    /// Fills the chunks of `slot` that table entries `first..first + count` (mod `len`)
    /// fall in and that it does not hold yet: `data[ch][v] = Σ_c w[c] · stored_c[v]`, the
    /// corners of weight zero skipped, accumulated in [`blend_span`]'s order (so the values
    /// are its values bit for bit). Chunk 0 is also written at `len`, the wrap guard.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; the cell's bases must start channel blocks of the
    /// arena; `len` is a power of two within `8..=MAX_NODE_LEN` and `first < len`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn fill_chunks<const STEREO: bool>(
        arena: &[f32],
        cell: &CellCorners,
        w: &[f32; 8],
        level_offset: usize,
        len: usize,
        first: usize,
        count: usize,
        slot: &mut CacheSlot,
    ) {
        let chunks = len / BSPLINE_TAPS;
        debug_assert!(chunks.is_power_of_two() && chunks <= 64 * CHUNK_WORDS);
        debug_assert!(first < len && count > 0);
        // The corners that carry weight.
        let mut src = [[std::ptr::null::<f32>(); 8]; 2];
        let mut wv = [_mm256_setzero_ps(); 8];
        let mut used = 0;
        for c in 0..8 {
            if w[c] != 0.0 {
                src[0][used] = arena[cell.left[c] as usize + level_offset..].as_ptr();
                src[1][used] = arena[cell.right[c] as usize + level_offset..].as_ptr();
                wv[used] = _mm256_set1_ps(w[c]);
                used += 1;
            }
        }
        let c0 = first / BSPLINE_TAPS;
        let reach = ((first + count - 1) / BSPLINE_TAPS - c0 + 1).min(chunks);
        let dst = slot.data.as_mut_ptr();
        for t in 0..reach {
            let k = (c0 + t) & (chunks - 1);
            let bit = 1u64 << (k % 64);
            if slot.valid[k / 64] & bit != 0 {
                continue;
            }
            slot.valid[k / 64] |= bit;
            slot.filled += 1;
            for ch in 0..if STEREO { 2 } else { 1 } {
                let mut acc = _mm256_setzero_ps();
                for c in 0..used {
                    // SAFETY: `8k + 8 ≤ len`, inside the stored table.
                    let v = unsafe { _mm256_loadu_ps(src[ch][c].add(BSPLINE_TAPS * k)) };
                    acc = _mm256_fmadd_ps(wv[c], v, acc);
                }
                // SAFETY: `8k + 8 ≤ len` and `len + 8 ≤ CACHE_LEN`, per channel.
                unsafe {
                    _mm256_storeu_ps(dst.add(ch * CACHE_LEN + BSPLINE_TAPS * k), acc);
                    if k == 0 {
                        _mm256_storeu_ps(dst.add(ch * CACHE_LEN + len), acc);
                    }
                }
            }
        }
    }

    /// One sub-block of a moving morph point whose corner weights are polynomials in the
    /// sample index ([`poly_weights`]): the corners are blended into one span per power
    /// of `u` (as the fixed path blends them once), and each sample reads the spans and
    /// sums them by Horner's rule, `((s₃·u + s₂)·u + s₁)·u + s₀`, before the kernel.
    /// `NP` is the number of powers (1 to 4). Renders `out_l.len()` samples (at most
    /// [`POLY`]) starting at sample `start` of the call, whose gain it reads.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; every level's reads over the sub-block must fit
    /// a span (`last_offset_of(u32::MAX, …) + 8 ≤ SPAN`).
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn render_poly<const NP: usize, const STEREO: bool, const TWO: bool>(
        table: &[PhaseRow],
        span: &mut [[[[f32; SPAN + 8]; 2]; 2]; 4],
        a: &Args<'_>,
        cell: &CellCorners,
        coef: &[[f32; 8]; 4],
        phase: &mut u32,
        start: usize,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let m = out_l.len().min(out_r.len());
        debug_assert!(m <= POLY && start + m <= a.gain.len());
        let (gain, pan) = (&a.gain[start..start + m], a.pan.from(start));
        let pair = [a.lo, a.hi];
        let levels = &pair[..if TWO { 2 } else { 1 }];
        let arena = a.set.arena();
        let mut ph = *phase;
        for (lv, r) in levels.iter().enumerate() {
            let first = (ph >> r.index_shift) as usize;
            let count = last_offset_of(ph, r, m, a.inc) + BSPLINE_TAPS;
            let len = 1usize << r.log2_len;
            // SAFETY: the bases come from the cell table; `count ≤ SPAN` (caller).
            unsafe {
                blend_powers::<NP>(
                    arena, &cell.left, coef, r.offset, len, first, count, span, 0, lv,
                );
                if STEREO {
                    blend_powers::<NP>(
                        arena,
                        &cell.right,
                        coef,
                        r.offset,
                        len,
                        first,
                        count,
                        span,
                        1,
                        lv,
                    );
                }
            }
        }
        let (g_lo, g_hi) = (_mm256_set1_ps(a.lo.weight), _mm256_set1_ps(a.hi.weight));
        let masks = pair.map(|r| (1u64 << r.index_shift) - 1);
        let mut acc = [0, 1].map(|lv| u64::from(ph) & masks[lv]);
        // The spans of level `lv`, channel `ch`, summed at entry `j` for sample index `u`.
        let horner = |ch: usize, lv: usize, j: usize, u: __m256| {
            // SAFETY: `j + 8 ≤ count ≤ SPAN` for every sample of the sub-block.
            let load = |p: usize| unsafe { _mm256_loadu_ps(span[p][ch][lv].as_ptr().add(j)) };
            let mut v = load(NP - 1);
            for p in (0..NP - 1).rev() {
                v = _mm256_fmadd_ps(v, u, load(p));
            }
            v
        };
        let mut i = 0;
        while i < m {
            let group = if i + 8 <= m { 8 } else { 1 };
            let mut pl = [_mm256_setzero_ps(); 8];
            let mut pr = [_mm256_setzero_ps(); 8];
            for s in 0..group {
                let u = _mm256_set1_ps(RAMP[i + s]);
                let (_, r_lo, f_lo) = split_phase(ph, a.lo);
                let k_lo = _mm256_mul_ps(taps(&table[r_lo], f_lo), g_lo);
                let j_lo = (acc[0] >> a.lo.index_shift) as usize;
                let read = |ch: usize| {
                    let lo = horner(ch, 0, j_lo, u);
                    if !TWO {
                        return _mm256_mul_ps(lo, k_lo);
                    }
                    let (_, r_hi, f_hi) = split_phase(ph, a.hi);
                    let k_hi = _mm256_mul_ps(taps(&table[r_hi], f_hi), g_hi);
                    let j_hi = (acc[1] >> a.hi.index_shift) as usize;
                    let hi = horner(ch, 1, j_hi, u);
                    _mm256_fmadd_ps(lo, k_lo, _mm256_mul_ps(hi, k_hi))
                };
                pl[s] = read(0);
                if STEREO {
                    pr[s] = read(1);
                }
                ph = ph.wrapping_add(a.inc);
                acc[0] += u64::from(a.inc);
                acc[1] += u64::from(a.inc);
            }
            // SAFETY: `i + group ≤ m` and every slice holds at least `m` samples.
            unsafe { emit::<STEREO>(group, &pl, &pr, gain, pan, out_l, out_r, i) };
            i += group;
        }
        *phase = ph;
    }

    /// Table entries, after the first, that `m` samples from phase `ph` step through.
    #[inline]
    fn last_offset_of(ph: u32, r: &LevelRead, m: usize, inc: u32) -> usize {
        let mask = (1u64 << r.index_shift) - 1;
        (((u64::from(ph) & mask) + (m as u64 - 1) * u64::from(inc)) >> r.index_shift) as usize
    }

    /// `out[k] = Σ_c w[c] · stored_c[(first + k) mod len]` for `k < count`: the corners of
    /// one level blended over the stretch a sub-block reads. `stored_c` is corner `c`'s
    /// level table with its leading guard, so entry `v` is the table sample `v − 3`
    /// (mod `len`). Eight entries at a time, all corners accumulated in a register; the
    /// last group of a run may read into the table's trailing guard and write up to seven
    /// entries past the run, which the next run overwrites (`out` has `SPAN + 8` room).
    ///
    /// # Safety
    /// Every corner base must start a channel block of the arena; `count ≤ SPAN`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn blend_span(
        arena: &[f32],
        bases: &[u32; 8],
        w: &[f32; 8],
        level_offset: usize,
        len: usize,
        first: usize,
        count: usize,
        out: &mut [f32; SPAN + 8],
    ) {
        debug_assert!(count <= SPAN);
        // The corners that carry weight.
        let mut src = [std::ptr::null::<f32>(); 8];
        let mut wv = [_mm256_setzero_ps(); 8];
        let mut used = 0;
        for c in 0..8 {
            if w[c] != 0.0 {
                src[used] = arena[bases[c] as usize + level_offset..].as_ptr();
                wv[used] = _mm256_set1_ps(w[c]);
                used += 1;
            }
        }
        let dst = out.as_mut_ptr();
        let mut k = 0;
        while k < count {
            let u = (first + k) & (len - 1);
            let run = (len - u).min(count - k);
            let mut e = 0;
            while e < run {
                let mut acc = _mm256_setzero_ps();
                for c in 0..used {
                    // SAFETY: `u + e + 8 ≤ len + 7`, the stored table's length with guards.
                    acc =
                        _mm256_fmadd_ps(wv[c], unsafe { _mm256_loadu_ps(src[c].add(u + e)) }, acc);
                }
                // SAFETY: `k + e + 8 ≤ count + 7 < SPAN + 8`.
                unsafe { _mm256_storeu_ps(dst.add(k + e), acc) };
                e += 8;
            }
            k += run;
        }
    }

    /// [`blend_span`] for the `NP` power spans of a polynomial sub-block in one pass:
    /// `span[p][ch][lv][k] = Σ_c coef[p][c] · stored_c[(first + k) mod len]` for `p < NP`.
    /// Each corner window is loaded once for all the powers, and all eight corners are
    /// summed (a complete cell's weights are rarely zero, and a zero one adds nothing), so
    /// the corner loop unrolls and no corner's pointer is reloaded per power. Measured with
    /// callgrind (`voice_profile 3d-lfo 16 0.5`): 35 fewer instructions per voice-sample
    /// than `NP` separate [`blend_span`] passes (273 → 239).
    ///
    /// # Safety
    /// Every corner base must start a channel block of the arena; `count ≤ SPAN`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn blend_powers<const NP: usize>(
        arena: &[f32],
        bases: &[u32; 8],
        coef: &[[f32; 8]; 4],
        level_offset: usize,
        len: usize,
        first: usize,
        count: usize,
        span: &mut [[[[f32; SPAN + 8]; 2]; 2]; 4],
        ch: usize,
        lv: usize,
    ) {
        debug_assert!(count <= SPAN && NP <= 4);
        let src: [*const f32; 8] =
            std::array::from_fn(|c| arena[bases[c] as usize + level_offset..].as_ptr());
        let w: [[__m256; 8]; NP] =
            std::array::from_fn(|p| std::array::from_fn(|c| _mm256_set1_ps(coef[p][c])));
        let dst: [*mut f32; NP] = std::array::from_fn(|p| span[p][ch][lv].as_mut_ptr());
        let mut k = 0;
        while k < count {
            let u = (first + k) & (len - 1);
            let run = (len - u).min(count - k);
            let mut e = 0;
            while e < run {
                let mut acc = [_mm256_setzero_ps(); NP];
                for c in 0..8 {
                    // SAFETY: `u + e + 8 ≤ len + 7`, the stored table's length with guards.
                    let v = unsafe { _mm256_loadu_ps(src[c].add(u + e)) };
                    for p in 0..NP {
                        acc[p] = _mm256_fmadd_ps(w[p][c], v, acc[p]);
                    }
                }
                for p in 0..NP {
                    // SAFETY: `k + e + 8 ≤ count + 7 < SPAN + 8`.
                    unsafe { _mm256_storeu_ps(dst[p].add(k + e), acc[p]) };
                }
                e += 8;
            }
            k += run;
        }
    }

    /// Kernel weights of a table row, interpolated to fraction `f` towards the next row.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn taps(row: &PhaseRow, f: f32) -> __m256 {
        // SAFETY: `w` and `d` are eight contiguous f32 each.
        let (w, d) = unsafe {
            (
                _mm256_loadu_ps(row.w.as_ptr()),
                _mm256_loadu_ps(row.d.as_ptr()),
            )
        };
        _mm256_fmadd_ps(_mm256_set1_ps(f), d, w)
    }

    /// Blends the corners' 8-tap windows for both levels and returns the tap products, whose
    /// sum ([`hsum`], [`reduce8`]) is the interpolated value.
    /// `k_lo`/`k_hi` are the kernel weights already scaled by the level crossfade.
    ///
    /// # Safety
    /// `base + bases[c] + o_lo/o_hi + 8` must lie inside the arena for every corner read.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn read_channel<const MODE: u8, const TWO: bool>(
        base: *const f32,
        bases: &[u32; 8],
        w: &[f32; 8],
        o_lo: usize,
        o_hi: usize,
        k_lo: __m256,
        k_hi: __m256,
    ) -> __m256 {
        // SAFETY (all loads): guaranteed by the caller.
        let load = |c: usize, o: usize| unsafe { _mm256_loadu_ps(base.add(bases[c] as usize + o)) };
        if !TWO {
            let acc = if MODE != SINGLE {
                let mut lo = [_mm256_setzero_ps(); 2];
                for c in 0..8 {
                    let wc = _mm256_set1_ps(w[c]);
                    lo[c & 1] = _mm256_fmadd_ps(wc, load(c, o_lo), lo[c & 1]);
                }
                _mm256_add_ps(lo[0], lo[1])
            } else {
                load(0, o_lo)
            };
            return _mm256_mul_ps(acc, k_lo);
        }
        let (acc_lo, acc_hi) = if MODE != SINGLE {
            // Two accumulators per level halve the dependency chain of the eight FMAs.
            let mut lo = [_mm256_setzero_ps(); 2];
            let mut hi = [_mm256_setzero_ps(); 2];
            for c in 0..8 {
                let wc = _mm256_set1_ps(w[c]);
                lo[c & 1] = _mm256_fmadd_ps(wc, load(c, o_lo), lo[c & 1]);
                hi[c & 1] = _mm256_fmadd_ps(wc, load(c, o_hi), hi[c & 1]);
            }
            (_mm256_add_ps(lo[0], lo[1]), _mm256_add_ps(hi[0], hi[1]))
        } else {
            (load(0, o_lo), load(0, o_hi))
        };
        _mm256_fmadd_ps(acc_lo, k_lo, _mm256_mul_ps(acc_hi, k_hi))
    }

    /// The sum of the eight lanes, added in the same order as [`reduce8`] adds each of its
    /// vectors, so a sample's value does not depend on whether it was summed alone or in a
    /// group of eight (renders stay independent of the block size).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        let h = _mm256_hadd_ps(v, v);
        let h = _mm256_hadd_ps(h, h);
        _mm_cvtss_f32(_mm_add_ss(
            _mm256_castps256_ps128(h),
            _mm256_extractf128_ps::<1>(h),
        ))
    }

    /// Lane `s` of the result is the sum of the eight lanes of `p[s]`: eight horizontal
    /// sums in seven adds and two permutes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn reduce8(p: &[__m256; 8]) -> __m256 {
        let h01 = _mm256_hadd_ps(p[0], p[1]);
        let h23 = _mm256_hadd_ps(p[2], p[3]);
        let h45 = _mm256_hadd_ps(p[4], p[5]);
        let h67 = _mm256_hadd_ps(p[6], p[7]);
        let h0123 = _mm256_hadd_ps(h01, h23);
        let h4567 = _mm256_hadd_ps(h45, h67);
        let lo = _mm256_permute2f128_ps::<0x20>(h0123, h4567);
        let hi = _mm256_permute2f128_ps::<0x31>(h0123, h4567);
        _mm256_add_ps(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::{factory_cube, Cube, Node};

    fn render(
        osc: &CubeOsc,
        set: &CubeSet,
        f0: f64,
        sr: f64,
        morph: [f32; 3],
        n: usize,
    ) -> Vec<f32> {
        let inc = (f0 / sr * 4294967296.0) as u32;
        let pick = set.levels().pick(inc);
        let (x, y, z) = (vec![morph[0]; n], vec![morph[1]; n], vec![morph[2]; n]);
        let gain = vec![1.0; n];
        let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
        let mut phase = 0;
        osc.render(
            &mut OscScratch::new(),
            set,
            &mut phase,
            inc,
            pick,
            MorphBuffers {
                x: &x,
                y: &y,
                z: &z,
                midpoints: false,
            },
            &gain,
            Pan::Fixed([1.0, 1.0]),
            &mut l,
            &mut r,
        );
        l
    }

    #[test]
    fn kernel_table_matches_the_exact_weights() {
        let table = kernel_table();
        let mut worst = 0.0f64;
        for i in 0..100_000u32 {
            // Sample fractions the way `split_phase` produces them: 24 bits.
            let frac24 = i.wrapping_mul(2_654_435_761) >> 8;
            let (row, f) = ((frac24 >> 16) as usize, (frac24 & 0xFFFF) as f32 / 65536.0);
            let exact = crate::cube::bspline7_weights(frac24 as f64 / 16_777_216.0);
            for k in 0..BSPLINE_TAPS {
                let approx = table[row].w[k] + f * table[row].d[k];
                worst = worst.max((approx as f64 - exact[k]).abs());
            }
        }
        assert!(worst < 2e-6, "kernel table error {worst}");
    }

    #[test]
    fn simd_matches_scalar_with_a_moving_morph() {
        let set = CubeSet::build(&factory_cube()).unwrap();
        let n = 3000;
        let x: Vec<f32> = (0..n).map(|i| i as f32 / n as f32).collect();
        let y: Vec<f32> = (0..n)
            .map(|i| (i as f32 * 0.01).sin() * 0.5 + 0.5)
            .collect();
        let z: Vec<f32> = (0..n).map(|i| 1.0 - i as f32 / n as f32).collect();
        let gain = vec![1.0; n];
        let inc = (330.0 / 48000.0 * 4294967296.0) as u32;
        let pick = set.levels().pick(inc);
        let mut outs = Vec::new();
        for osc in [CubeOsc::new(), CubeOsc::scalar()] {
            let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
            let mut phase = 0;
            osc.render(
                &mut OscScratch::new(),
                &set,
                &mut phase,
                inc,
                pick,
                MorphBuffers {
                    x: &x,
                    y: &y,
                    z: &z,
                    midpoints: false,
                },
                &gain,
                Pan::Fixed([1.0, 1.0]),
                &mut l,
                &mut r,
            );
            outs.push(l);
        }
        let err = outs[0]
            .iter()
            .zip(&outs[1])
            .map(|(p, q)| (p - q).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 2e-6, "simd vs scalar differ by {err}");
        assert!(outs[0].iter().any(|v| v.abs() > 0.1));
    }

    /// Straight-line morph ramps: slow ones inside one cell, and a fast one that crosses
    /// cells, so sub-blocks take both the polynomial and the per-sample path.
    fn ramps(n: usize) -> Vec<[Vec<f32>; 3]> {
        let line = |a: f32, b: f32| (0..n).map(|i| a + (b - a) * i as f32 / n as f32).collect();
        vec![
            [line(0.40, 0.43), line(0.55, 0.56), line(0.10, 0.12)],
            [line(0.40, 0.41), vec![0.5; n], vec![0.7; n]],
            [line(0.0, 1.0), line(1.0, 0.0), line(0.2, 0.9)],
            // Near the top of a 0.7 Hz sine LFO at the 2× clock of 48 kHz, its most curved
            // part: a parabola, so it takes the polynomial path too.
            [
                (0..n)
                    .map(|i| {
                        let t = i as f64 / 96000.0 - 0.01;
                        (0.5 + 0.5 * (std::f64::consts::TAU * 0.7 * t).cos()) as f32 * 0.999
                    })
                    .collect(),
                line(0.55, 0.56),
                vec![0.4; n],
            ],
            // Three audio-thread LFOs at 14, 7 and 3 Hz sweeping the whole cube: parabolas
            // within cells, the per-sample path where they cross.
            [14.0, 7.0, 3.0].map(|hz| {
                (0..n)
                    .map(|i| {
                        let t = i as f64 / 96000.0 + 0.003;
                        (0.5 + 0.5 * (std::f64::consts::TAU * hz * t).sin()) as f32
                    })
                    .collect()
            }),
        ]
    }

    #[test]
    fn poly_weights_match_the_trilinear_weights() {
        let set = CubeSet::build(&factory_cube()).unwrap();
        let geo = Geometry {
            scale: set.dims().map(|s| (s - 1) as f32),
            cells: set.cell_dims(),
        };
        let cells = set.cells();
        let mut degrees = Vec::new();
        for [x, y, z] in ramps(POLY) {
            let Some(pw) = poly_weights(geo, cells, &x, &y, &z, false) else {
                degrees.push(None);
                continue;
            };
            degrees.push(Some(pw.degree));
            for j in 0..POLY {
                let (cell, w) = corner_weights(geo, cells, x[j], y[j], z[j]);
                assert!(std::ptr::eq(cell, &cells[pw.cell]));
                for c in 0..8 {
                    let u = j as f64;
                    let p: f64 = (0..=pw.degree)
                        .map(|p| f64::from(pw.coef[p][c]) * u.powi(p as i32))
                        .sum();
                    assert!((p - f64::from(w[c])).abs() < 1e-6, "corner {c} sample {j}");
                }
            }
        }
        // Three moving axes make a cubic; one axis is linear; a ramp across cells takes
        // the per-sample path; the top of a slow sine is a parabola, and its bend times
        // y's slope a cubic term.
        // The three LFOs' curves hold over a quarter of a sub-block, not over a whole one
        // (the kernel then tries half, then a quarter).
        assert_eq!(degrees, [Some(3), Some(1), None, Some(3), None]);
        let [x, y, z] = &ramps(POLY / 4)[4];
        let pw = poly_weights(geo, cells, x, y, z, false).expect("a quarter sub-block is a curve");
        for j in 0..POLY / 4 {
            let (cell, w) = corner_weights(geo, cells, x[j], y[j], z[j]);
            assert!(std::ptr::eq(cell, &cells[pw.cell]));
            for c in 0..8 {
                let u = j as f64;
                let p: f64 = (0..=pw.degree)
                    .map(|p| f64::from(pw.coef[p][c]) * u.powi(p as i32))
                    .sum();
                assert!((p - f64::from(w[c])).abs() < 1e-6, "corner {c} sample {j}");
            }
        }
        // A fixed point is degree 0; a curve, NaN or too few samples take the exact path.
        let still = vec![0.3; POLY];
        assert_eq!(
            poly_weights(geo, cells, &still, &still, &still, false).map(|p| p.degree),
            Some(0)
        );
        // A kink (the corner of a triangle LFO) is no parabola.
        let kink: Vec<f32> = (0..POLY)
            .map(|i| 0.4 + 1e-4 * (i as f32 - 20.0).abs())
            .collect();
        assert!(poly_weights(geo, cells, &kink, &still, &still, false).is_none());
        let mut nan = still.clone();
        nan[9] = f32::NAN;
        assert!(poly_weights(geo, cells, &nan, &still, &still, false).is_none());
        assert!(poly_weights(geo, cells, &still[..7], &still, &still, false).is_none());
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn simd_poly_weights_match_the_portable_ones_bit_for_bit() {
        if !simd_available() {
            return;
        }
        let set = CubeSet::build(&factory_cube()).unwrap();
        let geo = Geometry {
            scale: set.dims().map(|s| (s - 1) as f32),
            cells: set.cell_dims(),
        };
        let cells = set.cells();
        let still = vec![0.3; POLY];
        let curve: Vec<f32> = (0..POLY).map(|i| 0.4 + 1e-5 * (i * i) as f32).collect();
        let kink: Vec<f32> = (0..POLY)
            .map(|i| 0.4 + 1e-4 * (i as f32 - 20.0).abs())
            .collect();
        let mut nan = still.clone();
        nan[9] = f32::NAN;
        let mut cases = Vec::new();
        // Whole sub-blocks and the shorter last ones of a call (an overlapping last group).
        for m in [POLY, 8, 13, 31, 32, 47] {
            for [x, y, z] in ramps(m) {
                cases.push([x, y, z]);
            }
            cases.push([
                still[..m].to_vec(),
                still[..m].to_vec(),
                still[..m].to_vec(),
            ]);
            cases.push([
                curve[..m].to_vec(),
                still[..m].to_vec(),
                still[..m].to_vec(),
            ]);
            cases.push([still[..m].to_vec(), nan[..m].to_vec(), still[..m].to_vec()]);
            cases.push([still[..m].to_vec(), curve[..m].to_vec(), kink[..m].to_vec()]);
        }
        cases.push([
            still[..7].to_vec(),
            still[..7].to_vec(),
            still[..7].to_vec(),
        ]);
        let mut taken = 0;
        for ([x, y, z], midpoints) in cases.iter().flat_map(|c| [(c, false), (c, true)]) {
            let want = poly_weights(geo, cells, x, y, z, midpoints);
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            let got = unsafe { avx2::poly_weights(geo, cells, x, y, z, midpoints) };
            match (want, got) {
                (None, None) => {}
                (Some(w), Some(g)) => {
                    taken += 1;
                    assert_eq!((w.cell, w.degree), (g.cell, g.degree));
                    for p in 0..4 {
                        for c in 0..8 {
                            assert_eq!(w.coef[p][c].to_bits(), g.coef[p][c].to_bits());
                        }
                    }
                }
                _ => panic!("paths differ for a case of {} samples", x.len()),
            }
        }
        // Not vacuous: at least each length's three in-cell ramps and its still point took
        // the polynomial path in both.
        assert!(taken >= 32, "only {taken} cases took the polynomial path");
    }

    #[test]
    fn simd_matches_scalar_on_straight_line_morphs() {
        let set = CubeSet::build(&factory_cube()).unwrap();
        let n = 2000;
        for (f0, two) in [
            (41.0, false),
            (220.0, false),
            (330.0, true),
            (1234.0, false),
            (5000.0, true),
        ] {
            let inc = (f0 / 48000.0 * 4294967296.0) as u32;
            let mut pick = set.levels().pick(inc);
            if two {
                // `MipLevels::pick` never crossfades; the kernels still support it.
                pick.hi = (pick.lo + 1).min(set.levels().levels().len() - 1);
                pick.w_lo = 0.7;
                pick.w_hi = 0.3;
            }
            // Each morph as given, and as the voice makes them: every even sample after
            // the first the mean of its neighbours, in calls of even length.
            let cases = ramps(n).into_iter().flat_map(|r| {
                let mid = r.clone().map(|mut v| {
                    for k in (2..n - 1).step_by(2) {
                        v[k] = 0.5 * (v[k - 1] + v[k + 1]);
                    }
                    v
                });
                [(r, false), (mid, true)]
            });
            for ([x, y, z], midpoints) in cases {
                let gain: Vec<f32> = (0..n)
                    .map(|i| 0.5 + 0.5 * (i as f32 * 0.003).sin())
                    .collect();
                let mut outs = Vec::new();
                for osc in [CubeOsc::new(), CubeOsc::scalar()] {
                    let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
                    let mut phase = 12345;
                    let mut work = OscScratch::new();
                    // Uneven calls, as the voice makes them.
                    let mut at = 0;
                    let lens = if midpoints {
                        [100, 38, 512, 2, 700, 648]
                    } else {
                        [100, 37, 512, 1, 700, 650]
                    };
                    for len in lens {
                        let seg = at..at + len;
                        osc.render(
                            &mut work,
                            &set,
                            &mut phase,
                            inc,
                            pick,
                            MorphBuffers {
                                x: &x[seg.clone()],
                                y: &y[seg.clone()],
                                z: &z[seg.clone()],
                                midpoints,
                            },
                            &gain[seg.clone()],
                            Pan::Fixed([0.7, 0.3]),
                            &mut l[seg.clone()],
                            &mut r[seg.clone()],
                        );
                        at += len;
                    }
                    outs.push((l, r));
                }
                let err = |a: &[f32], b: &[f32]| {
                    a.iter()
                        .zip(b)
                        .map(|(p, q)| (p - q).abs())
                        .fold(0.0f32, f32::max)
                };
                let e = err(&outs[0].0, &outs[1].0).max(err(&outs[0].1, &outs[1].1));
                eprintln!("{f0} Hz, two levels {two}, midpoints {midpoints}: simd vs scalar {e:e}");
                assert!(e < 2e-6, "simd vs scalar differ by {e} at {f0} Hz");
                assert!(outs[1].0.iter().any(|v| v.abs() > 0.05));
            }
        }
    }

    #[test]
    fn simd_matches_scalar() {
        let set = CubeSet::build(&factory_cube()).unwrap();
        let simd = CubeOsc::new();
        let scalar = CubeOsc::scalar();
        for (f0, morph) in [
            (55.0, [0.3, 0.7, 0.1]),
            (880.0, [1.0, 0.0, 0.5]),
            (3000.0, [0.61, 0.33, 0.97]),
        ] {
            let a = render(&simd, &set, f0, 48000.0, morph, 2000);
            let b = render(&scalar, &set, f0, 48000.0, morph, 2000);
            let err = a
                .iter()
                .zip(&b)
                .map(|(p, q)| (p - q).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 2e-6, "simd vs scalar differ by {err} at {f0} Hz");
        }
    }

    /// The factory cube with every node passed through `f(channel, samples)`; stereo when
    /// `stereo`.
    fn factory_mapped(stereo: bool, f: impl Fn(usize, &[f32]) -> Vec<f32>) -> CubeSet {
        let src = factory_cube();
        let [w, h, d] = src.dims();
        let mut cube = Cube::new(w, h, d).unwrap();
        for ([x, y, z], node) in src.iter() {
            let left = f(0, node.channel(0));
            let node = if stereo {
                Node::stereo(left, f(1, node.channel(0))).unwrap()
            } else {
                Node::mono(left).unwrap()
            };
            cube.set(x, y, z, node).unwrap();
        }
        CubeSet::build(&cube).unwrap()
    }

    /// One fixed-morph call of `n` samples: `[left, right]`, through `cache` when given.
    #[allow(clippy::too_many_arguments)]
    fn fixed_call(
        osc: &CubeOsc,
        cache: Option<&mut BlendCache>,
        set: &CubeSet,
        phase: &mut u32,
        f0: f64,
        two: bool,
        morph: [f32; 3],
        n: usize,
    ) -> [Vec<f32>; 2] {
        let inc = (f0 / 96000.0 * 4294967296.0) as u32;
        let mut pick = set.levels().pick(inc);
        if two {
            pick.hi = (pick.lo + 1).min(set.levels().levels().len() - 1);
            pick.w_lo = 0.6;
            pick.w_hi = 0.4;
        }
        let (x, y, z) = (vec![morph[0]; n], vec![morph[1]; n], vec![morph[2]; n]);
        let gain: Vec<f32> = (0..n).map(|i| 1.0 - i as f32 * 1e-4).collect();
        let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
        let morph = MorphBuffers {
            x: &x,
            y: &y,
            z: &z,
            midpoints: false,
        };
        let mut work = OscScratch::new();
        match cache {
            Some(c) => osc.render_cached(
                &mut work,
                c,
                set,
                phase,
                inc,
                pick,
                morph,
                &gain,
                Pan::Fixed([0.8, 0.6]),
                &mut l,
                &mut r,
            ),
            None => osc.render(
                &mut work,
                set,
                phase,
                inc,
                pick,
                morph,
                &gain,
                Pan::Fixed([0.8, 0.6]),
                &mut l,
                &mut r,
            ),
        }
        [l, r]
    }

    /// A cache kept across calls renders bit for bit what a fresh cache and no cache render,
    /// whatever changes between calls: the morph point (within a cell and to another cell),
    /// the pitch (within a level and to another level), a level crossfade, a new set with
    /// the same layout but other contents, a stereo set; and unison oscillators on three
    /// levels taking turns with two slots. Also checks that held calls really hit.
    #[test]
    fn a_kept_blend_cache_renders_what_a_fresh_one_does() {
        let a = CubeSet::build(&factory_cube()).unwrap();
        let b = factory_mapped(false, |_, v| v.iter().map(|s| -0.5 * s).collect());
        let st = factory_mapped(true, |ch, v| {
            let mut v = v.to_vec();
            v.rotate_left(ch * 17);
            v
        });
        assert_eq!(a.cells()[5].left, b.cells()[5].left, "same layout");
        assert!(st.is_stereo());
        let (p, q, r) = ([0.45, 0.55, 0.4], [0.46, 0.55, 0.4], [0.9, 0.1, 0.7]);
        let steps: [(&CubeSet, [f32; 3], f64, bool, usize); 14] = [
            (&a, p, 110.0, false, 700),
            (&a, p, 110.0, false, 300),
            (&a, p, 112.0, false, 333),
            (&a, q, 112.0, false, 512),
            (&a, r, 112.0, false, 64),
            (&a, r, 3000.0, false, 500),
            (&a, r, 110.0, false, 500),
            (&b, r, 110.0, false, 500),
            (&a, r, 110.0, false, 500),
            (&a, r, 700.0, true, 400),
            (&a, r, 700.0, true, 400),
            (&st, r, 700.0, true, 400),
            (&st, p, 50.0, false, 2000),
            (&a, p, 50.0, false, 9),
        ];
        let osc = CubeOsc::new();
        let mut kept = BlendCache::new();
        let mut phase = 0x1234_5678u32;
        for (k, &(set, morph, f0, two, n)) in steps.iter().enumerate() {
            let (mut p1, mut p2) = (phase, phase);
            let got = fixed_call(&osc, Some(&mut kept), set, &mut phase, f0, two, morph, n);
            let fresh = fixed_call(
                &osc,
                Some(&mut BlendCache::new()),
                set,
                &mut p1,
                f0,
                two,
                morph,
                n,
            );
            let plain = fixed_call(&osc, None, set, &mut p2, f0, two, morph, n);
            assert_eq!((p1, p2), (phase, phase));
            for ch in 0..2 {
                for (i, ((g, f), u)) in got[ch].iter().zip(&fresh[ch]).zip(&plain[ch]).enumerate() {
                    assert_eq!(g.to_bits(), f.to_bits(), "step {k} ch {ch} sample {i}");
                    assert_eq!(g.to_bits(), u.to_bits(), "step {k} ch {ch} sample {i}");
                }
            }
            assert!(got[0].iter().any(|v| v.abs() > 0.01), "step {k} is silent");
            if k == 1 && osc.is_simd() {
                // A held note at 110 Hz has played its whole table by now: every chunk of
                // its level is filled, and the second call refilled nothing.
                let len = a.levels().levels()
                    [a.levels().pick((110.0 / 96000.0 * 4294967296.0) as u32).lo]
                    .len;
                assert!(kept.slots.iter().any(|s| s.filled == len / BSPLINE_TAPS));
            }
        }
        // Unison: three oscillators on three levels share one cache of two slots.
        let mut shared = BlendCache::new();
        let mut ph = [1u32, 2, 3];
        let mut ph_ref = ph;
        for call in 0..6 {
            for (o, f0) in [80.0, 1500.0, 6000.0].into_iter().enumerate() {
                let morph = if call < 3 { p } else { q };
                let got = fixed_call(
                    &osc,
                    Some(&mut shared),
                    &a,
                    &mut ph[o],
                    f0,
                    false,
                    morph,
                    256,
                );
                let want = fixed_call(&osc, None, &a, &mut ph_ref[o], f0, false, morph, 256);
                assert_eq!(got, want, "call {call} oscillator {o}");
            }
        }
    }

    #[test]
    fn a_sine_node_plays_a_sine_of_its_amplitude() {
        let mut cube = Cube::new(1, 1, 1).unwrap();
        cube.set(
            0,
            0,
            0,
            Node::from_fn(2048, |p| 0.5 * (std::f64::consts::TAU * p).sin()).unwrap(),
        )
        .unwrap();
        let set = CubeSet::build(&cube).unwrap();
        let sr = 48000.0;
        let f0 = 1000.0;
        let out = render(&CubeOsc::new(), &set, f0, sr, [0.0; 3], 4800);
        let mut max_err = 0.0f64;
        for (i, &v) in out.iter().enumerate() {
            let want = 0.5 * (std::f64::consts::TAU * f0 * i as f64 / sr).sin();
            max_err = max_err.max((v as f64 - want).abs());
        }
        assert!(max_err < 1e-5, "max error {max_err}");
    }
}
