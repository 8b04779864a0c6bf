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
/// For a cube whose longest node has `N` samples, level 0 keeps `N/4` harmonics and each
/// level halves that, down to the fundamental alone. Tables hold four samples per harmonic
/// (eight below 8 harmonics), so every table is at least 2× oversampled for the B-spline
/// reader. One channel of one node costs `Σ (len + 7)` floats: 4,190 for `N = 2048`, 2.05×
/// the raw frame (see `docs/oscillator.md` for all lengths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MipLevels {
    /// Levels from the most harmonics (index 0) to the fundamental alone (last).
    levels: Vec<Level>,
    /// Floats in one channel block: all levels with their guards.
    block_len: usize,
}

/// Which two adjacent levels a pitch reads, and how much of each.
///
/// The weights fade continuously with pitch, and both levels always keep every harmonic
/// below the output Nyquist frequency, so a glide never jumps in timbre and never aliases.
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

impl MipLevels {
    /// Levels for a cube whose longest node has `max_node_len` samples (a power of two ≥ 64).
    ///
    /// # Allocation
    /// Allocates the level list.
    pub fn for_node_len(max_node_len: usize) -> Self {
        debug_assert!(max_node_len.is_power_of_two() && max_node_len >= 64);
        let mut levels = Vec::new();
        let mut harmonics = max_node_len / 4;
        let mut offset = 0;
        while harmonics >= 1 {
            let len = if harmonics >= 8 {
                4 * harmonics
            } else {
                8 * harmonics
            };
            levels.push(Level {
                harmonics,
                len,
                log2_len: len.trailing_zeros(),
                offset,
            });
            offset += len + GUARD_BEFORE + GUARD_AFTER;
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

    /// Picks the level pair for a phase increment `inc` (cycles per sample × 2³²).
    ///
    /// With `Hn = sr / (2 f0)` the harmonics that fit below Nyquist and
    /// `λ = log2(H₀ / Hn)`, a pitch with `λ ∈ (m−1, m]` reads level `m` (which fits) fading
    /// into level `m+1` as `λ` rises to `m`. Below `λ = −1` level 0 plays alone; above the
    /// last level the tone fades out, reaching silence at Nyquist.
    pub fn pick(&self, inc: u32) -> LevelPick {
        let last = self.levels.len() - 1;
        let h0 = self.levels[0].harmonics as f64;
        if inc == 0 {
            return LevelPick {
                lo: 0,
                w_lo: 1.0,
                hi: 0,
                w_hi: 0.0,
            };
        }
        // Hn = 2^31 / inc, so λ = log2(h0) + log2(inc) − 31.
        let lambda = h0.log2() + (inc as f64).log2() - 31.0;
        if lambda <= -1.0 {
            return LevelPick {
                lo: 0,
                w_lo: 1.0,
                hi: 1.min(last),
                w_hi: 0.0,
            };
        }
        let m = lambda.ceil().max(0.0) as usize;
        let u = (lambda - (m as f64 - 1.0)).clamp(0.0, 1.0) as f32;
        if m > last {
            return LevelPick {
                lo: last,
                w_lo: 0.0,
                hi: last,
                w_hi: 0.0,
            };
        }
        if m == last {
            return LevelPick {
                lo: last,
                w_lo: 1.0 - u,
                hi: last,
                w_hi: 0.0,
            };
        }
        LevelPick {
            lo: m,
            w_lo: 1.0 - u,
            hi: m + 1,
            w_hi: u,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inc_for(f0: f64, sr: f64) -> u32 {
        (f0 / sr * 4294967296.0).round() as u32
    }

    #[test]
    fn lengths_and_memory() {
        let m = MipLevels::for_node_len(2048);
        let h: Vec<_> = m.levels().iter().map(|l| l.harmonics).collect();
        assert_eq!(h, vec![512, 256, 128, 64, 32, 16, 8, 4, 2, 1]);
        let l: Vec<_> = m.levels().iter().map(|l| l.len).collect();
        assert_eq!(l, vec![2048, 1024, 512, 256, 128, 64, 32, 32, 16, 8]);
        assert_eq!(m.block_len(), 4190);
        assert!(m.block_len() as f64 <= 2.5 * 2048.0);
        for n in [256, 512, 1024, 2048, 4096, 8192] {
            let ratio = MipLevels::for_node_len(n).block_len() as f64 / n as f64;
            assert!(ratio <= 2.5, "{n}: {ratio}");
        }
    }

    #[test]
    fn picks_never_alias_and_fade_continuously() {
        let m = MipLevels::for_node_len(2048);
        let sr = 48000.0;
        let mut prev: Option<(f64, Vec<f32>)> = None;
        for step in 0..4000 {
            let f0 = 20.0 * 2f64.powf(step as f64 / 400.0);
            let p = m.pick(inc_for(f0, sr));
            let nyq_h = sr / 2.0 / f0;
            for (lvl, w) in [(p.lo, p.w_lo), (p.hi, p.w_hi)] {
                if w > 0.0 {
                    assert!(
                        m.levels()[lvl].harmonics as f64 <= nyq_h * 1.000001,
                        "f0 {f0}"
                    );
                }
            }
            // Dense weight vector over levels: it must change only a little per small step.
            let mut dense = vec![0.0f32; m.levels().len()];
            dense[p.lo] += p.w_lo;
            dense[p.hi] += p.w_hi;
            if let Some((_, pd)) = &prev {
                let jump: f32 = dense.iter().zip(pd).map(|(a, b)| (a - b).abs()).sum();
                assert!(jump < 0.01, "jump {jump} at {f0} Hz");
            }
            prev = Some((f0, dense));
        }
    }
}
