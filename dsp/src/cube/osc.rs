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

mod poly;
use poly::*;

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
mod avx2;

#[cfg(test)]
mod tests;
