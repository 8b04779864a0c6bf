//! A cube prepared for playback: every node band-limited per octave, prefiltered for the
//! B-spline reader, and laid out in one arena with per-cell corner tables.

use std::sync::atomic::{AtomicU64, Ordering};

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

use super::mips::{GUARD_AFTER, GUARD_BEFORE};
use super::{bspline7_response, Cube, CubeError, MipLevels};

/// The eight corners of one grid cell, as the oscillator reads them.
///
/// Corner `c` has offsets `(c >> 2, (c >> 1) & 1, c & 1)` along x, y and z.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellCorners {
    /// Arena offset of each corner's left-channel block (the zero block when absent).
    pub left: [u32; 8],
    /// Arena offset of each corner's right-channel block (equal to `left` for mono nodes).
    pub right: [u32; 8],
    /// 1.0 where the corner node exists, 0.0 where it is missing.
    pub present: [f32; 8],
    /// True when all eight corners exist (trilinear weights need no renormalising).
    pub complete: bool,
}

/// Memory figures of a [`CubeSet`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CubeStats {
    /// Present nodes.
    pub nodes: usize,
    /// Floats in the raw frames of all present nodes, all channels.
    pub raw_floats: usize,
    /// Floats in the mip tables of all present nodes, all channels, guards included.
    pub mip_floats: usize,
    /// Bytes of the whole arena, including the shared zero block.
    pub arena_bytes: usize,
}

impl CubeStats {
    /// Mip memory over raw frame memory.
    pub fn ratio(&self) -> f64 {
        self.mip_floats as f64 / self.raw_floats.max(1) as f64
    }
}

/// A [`Cube`] ready for the audio thread. Built off the audio thread, then shared
/// read-only (`Arc<CubeSet>`) with every voice.
#[derive(Debug, Clone)]
pub struct CubeSet {
    /// Sides `[w, h, d]` in nodes.
    dims: [usize; 3],
    /// Cells along each axis: `max(1, side − 1)`.
    cell_dims: [usize; 3],
    /// Octave levels shared by all nodes.
    levels: MipLevels,
    /// All tables: a zero block first, then one block per node and channel.
    arena: Vec<f32>,
    /// Corner tables, one per cell, x-major.
    cells: Vec<CellCorners>,
    /// True when any node is stereo.
    stereo: bool,
    /// Memory figures.
    stats: CubeStats,
    /// Number of this build, unique in the process (clones share it, as they share the
    /// contents): what a [`BlendCache`](super::BlendCache) keys on.
    id: u64,
}

/// The next [`CubeSet::id`].
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl CubeSet {
    /// Band-limits and prefilters every node of `cube`.
    ///
    /// Per node and channel: a real FFT of the frame; for each level, harmonics `1..=H`
    /// (DC dropped) divided by the B-spline response at their table frequency; an inverse
    /// FFT at the level's length; guards copied around it.
    ///
    /// # Allocation
    /// Allocates the arena and FFT plans. Never call it on the audio thread.
    pub fn build(cube: &Cube) -> Result<Self, CubeError> {
        let max_len = cube.max_node_len();
        if max_len == 0 {
            return Err(CubeError::EmptyCube);
        }
        let levels = MipLevels::for_node_len(max_len);
        let block = levels.block_len();
        let stereo = cube.is_stereo();
        let mut arena = vec![0.0f32; block];
        let mut slot_base: Vec<Option<(u32, u32)>> = vec![None; cube.slot_count()];
        let mut planner = RealFftPlanner::<f64>::new();
        let mut raw_floats = 0;
        let mut nodes = 0;

        for slot in 0..cube.slot_count() {
            let Some(node) = cube.get_slot(slot) else {
                continue;
            };
            nodes += 1;
            raw_floats += node.len() * node.channels();
            let left = arena.len() as u32;
            append_block(&mut arena, node.channel(0), &levels, &mut planner);
            let right = if node.is_stereo() {
                let r = arena.len() as u32;
                append_block(&mut arena, node.channel(1), &levels, &mut planner);
                r
            } else {
                left
            };
            slot_base[slot] = Some((left, right));
        }

        let dims = cube.dims();
        let cell_dims = dims.map(|s| s.saturating_sub(1).max(1));
        let mut cells = Vec::with_capacity(cell_dims.iter().product());
        for cx in 0..cell_dims[0] {
            for cy in 0..cell_dims[1] {
                for cz in 0..cell_dims[2] {
                    let mut corners = CellCorners {
                        left: [0; 8],
                        right: [0; 8],
                        present: [0.0; 8],
                        complete: false,
                    };
                    for c in 0..8 {
                        let x = (cx + (c >> 2)).min(dims[0] - 1);
                        let y = (cy + ((c >> 1) & 1)).min(dims[1] - 1);
                        let z = (cz + (c & 1)).min(dims[2] - 1);
                        let slot = (x * dims[1] + y) * dims[2] + z;
                        if let Some((l, r)) = slot_base[slot] {
                            corners.left[c] = l;
                            corners.right[c] = r;
                            corners.present[c] = 1.0;
                        }
                    }
                    corners.complete = corners.present.iter().all(|&p| p == 1.0);
                    cells.push(corners);
                }
            }
        }
        let mip_floats = arena.len() - block;
        let stats = CubeStats {
            nodes,
            raw_floats,
            mip_floats,
            arena_bytes: arena.len() * std::mem::size_of::<f32>(),
        };
        Ok(Self {
            dims,
            cell_dims,
            levels,
            arena,
            cells,
            stereo,
            stats,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// Sides `[w, h, d]` in nodes.
    pub fn dims(&self) -> [usize; 3] {
        self.dims
    }

    /// Cells along each axis, `max(1, side − 1)`.
    pub fn cell_dims(&self) -> [usize; 3] {
        self.cell_dims
    }

    /// The octave levels.
    pub fn levels(&self) -> &MipLevels {
        &self.levels
    }

    /// The table arena.
    pub fn arena(&self) -> &[f32] {
        &self.arena
    }

    /// Corner tables of every cell, x-major.
    pub fn cells(&self) -> &[CellCorners] {
        &self.cells
    }

    /// True when any node is stereo.
    pub fn is_stereo(&self) -> bool {
        self.stereo
    }

    /// True when the cube is a single node (no morphing possible).
    pub fn is_single(&self) -> bool {
        self.dims == [1, 1, 1]
    }

    /// Memory figures.
    pub fn stats(&self) -> CubeStats {
        self.stats
    }

    /// A number unique to this build within the process; a clone keeps it, as it keeps
    /// the (immutable) tables. Caches of blended tables key on it, so a new set never
    /// reads a blend of an old one, even at the same address.
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// Appends one channel block (all levels, with guards) for `frame` to `arena`.
fn append_block(
    arena: &mut Vec<f32>,
    frame: &[f32],
    levels: &MipLevels,
    planner: &mut RealFftPlanner<f64>,
) {
    let n = frame.len();
    let fwd = planner.plan_fft_forward(n);
    let mut input: Vec<f64> = frame.iter().map(|&s| s as f64).collect();
    let mut spectrum = fwd.make_output_vec();
    fwd.process(&mut input, &mut spectrum)
        .expect("FFT sizes come from the plan");
    for level in levels.levels() {
        let len = level.len;
        let inv = planner.plan_fft_inverse(len);
        let mut spec = inv.make_input_vec();
        // Keep harmonics 1..=H (never the source's Nyquist bin), rescaled from N to len
        // samples and divided by the kernel response so the spline reproduces them exactly.
        let top = level.harmonics.min(n / 2 - 1).min(len / 2 - 1);
        for h in 1..=top {
            let gain = 1.0 / (n as f64 * bspline7_response(h as f64 / len as f64));
            spec[h] = spectrum[h] * gain;
        }
        spec[0] = Complex::new(0.0, 0.0);
        let mut table = inv.make_output_vec();
        inv.process(&mut spec, &mut table)
            .expect("FFT sizes come from the plan");
        let start = arena.len();
        arena.extend(table[len - GUARD_BEFORE..].iter().map(|&v| v as f32));
        arena.extend(table.iter().map(|&v| v as f32));
        arena.extend((0..GUARD_AFTER).map(|i| table[i % len] as f32));
        debug_assert_eq!(arena.len() - start, len + GUARD_BEFORE + GUARD_AFTER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::Node;

    #[test]
    fn memory_of_a_uniform_cube_is_about_three_times_raw() {
        let mut cube = Cube::new(2, 2, 1).unwrap();
        for x in 0..2 {
            for y in 0..2 {
                cube.set(
                    x,
                    y,
                    0,
                    Node::from_fn(2048, |p| (p * std::f64::consts::TAU).sin()).unwrap(),
                )
                .unwrap();
            }
        }
        let set = CubeSet::build(&cube).unwrap();
        let s = set.stats();
        assert_eq!(s.nodes, 4);
        assert_eq!(s.raw_floats, 4 * 2048);
        assert!(s.ratio() <= 3.2, "ratio {}", s.ratio());
        assert_eq!(set.cells().len(), 1);
        // A side of 1 repeats its node on both corners of that axis.
        assert_eq!(set.cells()[0].present, [1.0; 8]);
    }

    #[test]
    fn empty_cube_is_an_error() {
        let cube = Cube::new(2, 2, 2).unwrap();
        assert_eq!(CubeSet::build(&cube).unwrap_err(), CubeError::EmptyCube);
    }
}
