//! Octave mip levels: how many harmonics each band-limited table keeps, its length, and
//! which pair of levels a playing pitch reads.

use super::BSPLINE_TAPS;

/// Guard samples stored before each table (taps reach back to `i − 3`).
pub(crate) const GUARD_BEFORE: usize = 3;
/// Guard samples stored after each table (taps reach forward to `i + 4`).
pub(crate) const GUARD_AFTER: usize = BSPLINE_TAPS - 1 - GUARD_BEFORE;

/// One octave level of a mip set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// Highest harmonic this level keeps.
    pub harmonics: usize,
    /// Table length in samples, a power of two.
    pub len: usize,
    /// `log2(len)`.
    pub log2_len: u32,
    /// Offset of this level's stored table (guards included) within one channel block.
    pub offset: usize,
}

/// The octave levels shared by every node of a [`CubeSet`](super::CubeSet).
///
/// For a cube whose longest node has `N` samples, level 0 keeps every harmonic the node has
/// (`N/2 − 1`) in a table of `N` samples, and each further level halves the harmonics, down
/// to the fundamental alone. Below level 0, tables hold four samples per harmonic (eight at
/// 32 harmonics and below), so they are at least 2× oversampled for the B-spline reader.
/// One channel of one node costs `Σ (len + 7)` floats: 6,469 for `N = 2048`, 3.16× the raw
/// frame (see `docs/oscillator.md` for all lengths).
///
/// The levels are made for voices rendered at twice the output rate and decimated by
/// [`Decimator`](super::Decimator): see [`MipLevels::pick`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MipLevels {
    /// Levels from the most harmonics (index 0) to the fundamental alone (last).
    levels: Vec<Level>,
    /// Floats in one channel block: all levels with their guards.
    block_len: usize,
}

/// Which two adjacent levels a pitch reads, and how much of each.
///
/// [`MipLevels::pick`] always picks one level (`hi == lo`, `w_hi == 0`); the oscillator
/// still reads a crossfade of two when given one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelPick {
    /// The richer level.
    pub lo: usize,
    /// Weight of level `lo`, 0..1.
    pub w_lo: f32,
    /// The next, poorer level (`lo + 1`, or `lo` itself at the end of the set).
    pub hi: usize,
    /// Weight of level `hi`, 0..1.
    pub w_hi: f32,
}

/// Highest `harmonics × f0 / output rate` at which a 2×-oversampled level is still picked.
/// Any value in `(1, 1.5)` is alias-free: at or above 1 the next level still holds every
/// harmonic below the output Nyquist frequency, and below 1.5 every harmonic above it
/// folds (at the 2× rate) into the decimator's stop band. √1.5 sits in the middle.
pub(crate) const SWITCH_RATIO: f64 = 1.224_744_871;

/// [`SWITCH_RATIO`] for level 0, whose table is only critically sampled: its B-spline
/// images from table index `N/2` up to about `0.66 N` are strong enough to matter and must
/// stay below 1.5× the output rate too, which caps the ratio at 1.14. Must exceed 1.
pub(crate) const SWITCH_RATIO_TOP: f64 = 1.07;

impl MipLevels {
    /// Levels for a cube whose longest node has `max_node_len` samples (a power of two ≥ 64).
    ///
    /// # Allocation
    /// Allocates the level list.
    pub fn for_node_len(max_node_len: usize) -> Self {
        debug_assert!(max_node_len.is_power_of_two() && max_node_len >= 64);
        let mut levels = Vec::new();
        let mut offset = 0;
        let mut push = |harmonics: usize, len: usize, offset: &mut usize| {
            levels.push(Level {
                harmonics,
                len,
                log2_len: len.trailing_zeros(),
                offset: *offset,
            });
            *offset += len + GUARD_BEFORE + GUARD_AFTER;
        };
        // Level 0: the whole node, critically sampled.
        push(max_node_len / 2, max_node_len, &mut offset);
        let mut harmonics = max_node_len / 4;
        while harmonics >= 1 {
            let len = if harmonics > 32 {
                4 * harmonics
            } else {
                8 * harmonics
            };
            push(harmonics, len, &mut offset);
            harmonics /= 2;
        }
        Self {
            levels,
            block_len: offset,
        }
    }

    /// The levels, richest first.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// Floats in one channel block (all levels with guards).
    pub fn block_len(&self) -> usize {
        self.block_len
    }

    /// Picks the level for a phase increment `inc` (cycles per sample × 2³²) **at twice
    /// the output rate**.
    ///
    /// With `r = H · f0 / fs` for a level of `H` harmonics (`fs` the output rate), it reads
    /// the richest level whose `r` is at most [`SWITCH_RATIO`] (1.22; 1.07 for the
    /// critically sampled level 0). The next level then still holds every harmonic below
    /// `fs / 2`, and everything the chosen level has above `fs / 2` either lies below the
    /// 2× Nyquist frequency or folds to above `fs / 2`: the decimator removes it all. So the
    /// output keeps every harmonic up to the decimator's pass band at every pitch, and a
    /// level change alters nothing but what the decimator removes: no crossfade is needed
    /// and a glide has no brightness steps.
    pub fn pick(&self, inc: u32) -> LevelPick {
        // f0 / fs = 2 · inc / 2³².
        let f_rel = inc as f64 * (1.0 / 2_147_483_648.0);
        let last = self.levels.len() - 1;
        let lo = (0..last)
            .find(|&m| {
                let limit = if m == 0 {
                    SWITCH_RATIO_TOP
                } else {
                    SWITCH_RATIO
                };
                self.levels[m].harmonics as f64 * f_rel <= limit
            })
            .unwrap_or(last);
        LevelPick {
            lo,
            w_lo: 1.0,
            hi: lo,
            w_hi: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Phase increment at the 2× rate for `f0` at output rate `fs`.
    fn inc_for(f0: f64, fs: f64) -> u32 {
        (f0 / (2.0 * fs) * 4294967296.0).round() as u32
    }

    #[test]
    fn lengths_and_memory() {
        let m = MipLevels::for_node_len(2048);
        let h: Vec<_> = m.levels().iter().map(|l| l.harmonics).collect();
        assert_eq!(h, vec![1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1]);
        let l: Vec<_> = m.levels().iter().map(|l| l.len).collect();
        assert_eq!(l, vec![2048, 2048, 1024, 512, 256, 256, 128, 64, 32, 16, 8]);
        assert_eq!(m.block_len(), 6469);
        // Within the 4× budget from 512 samples up; shorter nodes pay a floor of short
        // tables (4.19× at 256).
        for n in [512, 1024, 2048, 4096, 8192] {
            let ratio = MipLevels::for_node_len(n).block_len() as f64 / n as f64;
            assert!(ratio <= 4.0, "{n}: {ratio}");
        }
        assert!(MipLevels::for_node_len(256).block_len() as f64 / 256.0 <= 4.2);
    }

    /// At every pitch the picked level holds every harmonic of the node below the output
    /// Nyquist frequency, and nothing it plays (harmonics, and the strong B-spline images
    /// of the critically sampled level 0) reaches 1.5× the output rate, where it would fold
    /// back past the decimator's stop band. Levels only get poorer as the pitch rises.
    #[test]
    fn picks_are_full_band_and_alias_free() {
        for n in [64, 256, 2048, 8192] {
            let m = MipLevels::for_node_len(n);
            for fs in [22050.0, 44100.0, 48000.0, 96000.0, 192000.0] {
                let mut prev = 0;
                for step in 0..4000 {
                    let f0 = 8.0 * 2f64.powf(step as f64 / 300.0);
                    if f0 >= fs {
                        break;
                    }
                    let p = m.pick(inc_for(f0, fs));
                    assert_eq!((p.hi, p.w_lo, p.w_hi), (p.lo, 1.0, 0.0));
                    assert!(p.lo >= prev, "{n} {fs} {f0}: level went back");
                    prev = p.lo;
                    let lv = m.levels()[p.lo];
                    // Harmonics the table really holds (never the node's Nyquist bin).
                    let kept = lv.harmonics.min(n / 2 - 1).min(lv.len / 2 - 1) as f64;
                    if p.lo > 0 {
                        assert!(kept * f0 >= 0.5 * fs * 0.999, "{n} {fs} {f0}: dull");
                    }
                    assert!(kept * f0 <= 1.5 * fs, "{n} {fs} {f0}: aliases");
                    if p.lo == 0 {
                        let strong_image = 0.66 * lv.len as f64;
                        assert!(strong_image * f0 <= 1.5 * fs, "{n} {fs} {f0}: image");
                    }
                }
            }
        }
    }
}
