//! [`StreamingDwt`]: a periodization DWT fed one sample at a time, over a sliding window,
//! on preallocated ring buffers.
//!
//! # What "determined" means
//!
//! Two kinds of output, both exact:
//!
//! 1. **Causal coefficients.** Level `j` (1 = finest) produces coefficient `p` (`cA_j[p]`
//!    and `cD_j[p]`, `p` counted from the first push) as soon as the last input it reads
//!    has arrived: PyWavelets' periodization alignment puts the `f` taps of coefficient
//!    `p` on level-`(j-1)` approximations `2p - f/2 + 1 ..= 2p + f/2` (level 0 = the
//!    samples). So level `j` yields one new pair every `2^j` samples, on the pushes where
//!    level `j - 1` yields one with index `≡ f/2 (mod 2)`; [`StreamingDwt::push`] reports
//!    how many levels did. Inputs before the first push count as zeros; those first few
//!    coefficients are never used by a window.
//! 2. **The window's transform.** Once `window` samples have arrived, every
//!    `hop = 2^levels` samples (whenever the count pushed is a multiple of the hop, so the
//!    window sits on the dyadic grid of every level) the struct holds
//!    `wavedec(last window samples, w, levels, Mode::Periodization)` — equal to the batch
//!    transform of the same samples. It is updated incrementally: a window coefficient
//!    whose taps read only in-window, non-wrapped inputs is the causal coefficient with
//!    the same index, copied from the level's ring; only the `O(f)` coefficients per level
//!    whose taps wrap around the window's ends are computed afresh. Between hops the
//!    window transform stays that of the last aligned window.
//!
//! Nothing allocates after [`StreamingDwt::new`].

use super::family::{Analysis, MAX_FILTER_LEN};
use super::{Sample, Wavelet, WaveletError};

/// One causal coefficient pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coefficient<T> {
    /// Index `p` of the pair within its level, counted from the first push after
    /// construction or [`StreamingDwt::reset`].
    pub index: u64,
    /// `cA_j[p]`.
    pub approx: T,
    /// `cD_j[p]`.
    pub detail: T,
}

/// What one [`StreamingDwt::push`] produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pushed {
    /// Levels `1..=new_levels` each produced a new causal pair (0: none). A level only
    /// produces when the level below it just did, so these are always the finest ones.
    pub new_levels: usize,
    /// The window transform was updated on this push.
    pub window_updated: bool,
}

/// The shift register of one level's last `f` inputs, kept twice over so the last `f`
/// values are always one contiguous slice.
#[derive(Clone, Debug)]
struct History<T> {
    buf: [T; 2 * MAX_FILTER_LEN],
    /// Next write position, `0..f`.
    pos: usize,
    /// Inputs received.
    count: u64,
}

impl<T: Sample> History<T> {
    fn new() -> Self {
        Self {
            buf: [T::ZERO; 2 * MAX_FILTER_LEN],
            pos: 0,
            count: 0,
        }
    }

    /// Appends `v`; returns the last `f` inputs, oldest first.
    #[inline]
    fn push(&mut self, v: T, f: usize) -> &[T] {
        self.buf[self.pos] = v;
        self.buf[self.pos + f] = v;
        self.pos = if self.pos + 1 == f { 0 } else { self.pos + 1 };
        self.count += 1;
        &self.buf[self.pos..self.pos + f]
    }
}

/// Per-level state: the causal producer and the window's coefficients.
#[derive(Clone, Debug)]
struct Level<T> {
    /// The last `f` inputs (approximations of the level below).
    history: History<T>,
    /// Causal `cA_j`, slot `p mod n_j`.
    ring_a: Vec<T>,
    /// Causal `cD_j`, slot `p mod n_j`.
    ring_d: Vec<T>,
    /// Slot of the next causal pair, `p mod n_j` kept without dividing.
    ring_pos: usize,
    /// The newest causal pair.
    latest: Option<Coefficient<T>>,
    /// The window's `cA_j`, `n_j` values.
    window_a: Vec<T>,
    /// The window's `cD_j`, `n_j` values.
    window_d: Vec<T>,
}

/// A streaming multi-level periodization DWT over a sliding window; see the module docs
/// for when coefficients are determined.
///
/// `T` is `f64` (default) or `f32`.
#[derive(Clone, Debug)]
pub struct StreamingDwt<T = f64> {
    wavelet: Wavelet,
    filters: Analysis<T>,
    /// Taps per filter.
    f: usize,
    /// Window length, samples (a multiple of `hop`).
    window: usize,
    /// `2^levels`, samples between window updates.
    hop: usize,
    /// The last `window` samples, slot `global index mod window`.
    samples: Vec<T>,
    /// Slot of the next sample, `pushed mod window` kept without dividing.
    sample_pos: usize,
    /// Samples pushed since construction or reset.
    pushed: u64,
    /// Whether the window transform holds a window yet.
    window_valid: bool,
    /// Levels 1..=L at indices 0..L.
    levels: Vec<Level<T>>,
}

impl<T: Sample> StreamingDwt<T> {
    /// A streaming DWT with wavelet `w`, `levels` levels, over the last `window` samples.
    ///
    /// # Errors
    /// [`WaveletError::InvalidWindow`] unless `levels >= 1` and `window` is a positive
    /// multiple of `2^levels`.
    ///
    /// # Allocation
    /// Allocates about `5 * window` samples of buffers.
    pub fn new(w: Wavelet, levels: usize, window: usize) -> Result<Self, WaveletError> {
        let invalid = WaveletError::InvalidWindow { window, levels };
        let hop = u32::try_from(levels)
            .ok()
            .and_then(|l| 1usize.checked_shl(l))
            .filter(|_| levels >= 1)
            .ok_or(invalid.clone())?;
        if window == 0 || window % hop != 0 {
            return Err(invalid);
        }
        let levels = (1..=levels)
            .map(|j| {
                let n = window >> j;
                Level {
                    history: History::new(),
                    ring_a: vec![T::ZERO; n],
                    ring_d: vec![T::ZERO; n],
                    ring_pos: 0,
                    latest: None,
                    window_a: vec![T::ZERO; n],
                    window_d: vec![T::ZERO; n],
                }
            })
            .collect();
        Ok(Self {
            wavelet: w,
            filters: Analysis::new(w),
            f: w.filter_len(),
            window,
            hop,
            samples: vec![T::ZERO; window],
            sample_pos: 0,
            pushed: 0,
            window_valid: false,
            levels,
        })
    }

    /// The wavelet.
    pub fn wavelet(&self) -> Wavelet {
        self.wavelet
    }

    /// Levels of the decomposition.
    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// Window length, samples.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Samples between window updates, `2^levels`.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Samples pushed since construction or the last [`reset`](Self::reset).
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Forgets every sample: the state after [`new`](Self::new). Never allocates.
    pub fn reset(&mut self) {
        self.samples.fill(T::ZERO);
        self.sample_pos = 0;
        self.pushed = 0;
        self.window_valid = false;
        for level in &mut self.levels {
            level.history = History::new();
            level.ring_a.fill(T::ZERO);
            level.ring_d.fill(T::ZERO);
            level.ring_pos = 0;
            level.latest = None;
            level.window_a.fill(T::ZERO);
            level.window_d.fill(T::ZERO);
        }
    }

    /// Feeds one sample. Never allocates.
    pub fn push(&mut self, x: T) -> Pushed {
        self.samples[self.sample_pos] = x;
        self.sample_pos = if self.sample_pos + 1 == self.window {
            0
        } else {
            self.sample_pos + 1
        };
        self.pushed += 1;
        let f = self.f;
        let mut input = x;
        let mut new_levels = 0;
        for level in &mut self.levels {
            let c = level.history.count;
            let taps = level.history.push(input, f);
            // Input c completes coefficient p = (c - f/2) / 2 when that is a whole number.
            let half = (f / 2) as u64;
            if c < half || (c - half) % 2 != 0 {
                break;
            }
            let p = (c - half) / 2;
            let (mut a, mut d) = (T::ZERO, T::ZERO);
            for k in 0..f {
                a += self.filters.lo_rev[k] * taps[k];
                d += self.filters.hi_rev[k] * taps[k];
            }
            let s = level.ring_pos;
            level.ring_a[s] = a;
            level.ring_d[s] = d;
            level.ring_pos = if s + 1 == level.ring_a.len() {
                0
            } else {
                s + 1
            };
            level.latest = Some(Coefficient {
                index: p,
                approx: a,
                detail: d,
            });
            new_levels += 1;
            input = a;
        }
        let window_updated =
            self.pushed >= self.window as u64 && self.pushed & (self.hop as u64 - 1) == 0;
        if window_updated {
            self.update_window();
        }
        Pushed {
            new_levels,
            window_updated,
        }
    }

    /// The newest causal pair of `level` (1 = finest); `None` before the level has
    /// produced one, or for a level outside `1..=levels`.
    pub fn latest(&self, level: usize) -> Option<Coefficient<T>> {
        self.levels.get(level.checked_sub(1)?)?.latest
    }

    /// Whether the window transform holds a window (at least `window` samples pushed).
    pub fn window_ready(&self) -> bool {
        self.window_valid
    }

    /// `cA_L` of the last aligned window (`window / 2^L` values; zeros before
    /// [`window_ready`](Self::window_ready)).
    pub fn window_approx(&self) -> &[T] {
        self.levels.last().map_or(&[], |l| &l.window_a)
    }

    /// `cD_level` of the last aligned window (`window / 2^level` values); empty for a level
    /// outside `1..=levels`.
    pub fn window_detail(&self, level: usize) -> &[T] {
        match level.checked_sub(1).and_then(|j| self.levels.get(j)) {
            Some(l) => &l.window_d,
            None => &[],
        }
    }

    /// Global index of the window's first sample (valid once the window is ready).
    pub fn window_start(&self) -> u64 {
        self.pushed - self.pushed % self.hop as u64 - self.window as u64
    }

    /// Rebuilds the window transform for the window ending at the current push, which
    /// must be aligned to the hop.
    fn update_window(&mut self) {
        let f = self.f;
        let half = f / 2;
        let base0 = self.pushed - self.window as u64;
        // Inputs lo..hi of the level below equal their causal values (all of level 0).
        let (mut lo, mut hi) = (0usize, self.window);
        for j in 0..self.levels.len() {
            let (below, rest) = self.levels.split_at_mut(j);
            let level = &mut rest[0];
            let n = level.window_a.len();
            let n_in = 2 * n;
            let base = base0 >> (j + 1);
            // Coefficient o reads inputs 2o - f/2 + 1 ..= 2o + f/2 of the level below.
            let o_lo = (lo + half - 1).div_ceil(2).min(n);
            let o_hi = if hi > half {
                ((hi - 1 - half) / 2 + 1).min(n)
            } else {
                0
            };
            let o_lo = o_lo.min(o_hi);
            // The in-window causal pairs, slots (base + o) mod n: at most two runs.
            let mut o = o_lo;
            let mut slot = ((base + o_lo as u64) % n as u64) as usize;
            while o < o_hi {
                let run = (o_hi - o).min(n - slot);
                level.window_a[o..o + run].copy_from_slice(&level.ring_a[slot..slot + run]);
                level.window_d[o..o + run].copy_from_slice(&level.ring_d[slot..slot + run]);
                o += run;
                slot = 0;
            }
            let samples = &self.samples;
            let window = self.window as u64;
            let input = |i: usize| -> T {
                match below.last() {
                    Some(prev) => prev.window_a[i],
                    None => samples[((base0 + i as u64) % window) as usize],
                }
            };
            for o in (0..o_lo).chain(o_hi..n) {
                let start = (2 * o as isize + 1 - half as isize).rem_euclid(n_in as isize) as usize;
                let (mut a, mut d) = (T::ZERO, T::ZERO);
                for k in 0..f {
                    let v = input((start + k) % n_in);
                    a += self.filters.lo_rev[k] * v;
                    d += self.filters.hi_rev[k] * v;
                }
                level.window_a[o] = a;
                level.window_d[o] = d;
            }
            (lo, hi) = (o_lo, o_hi);
        }
        self.window_valid = true;
    }
}
