//! The smoothed random LFO: a new random target every cycle, reached along a smoothstep.

use super::hash_unit;

/// A per-voice smoothed random LFO, −1..1. The same seed and rate give the same values,
/// whatever the block sizes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmoothRandom {
    /// Phase at which the current segment's sample count started, 0..1.
    start: f64,
    /// Samples rendered in the current segment: the phase is `start + k · step`, a
    /// function of the count rather than a running sum, so a block of samples has no
    /// chain of additions and vectorises.
    k: u32,
    /// Segments completed since reset.
    n: u32,
    /// The seed.
    seed: u32,
    /// Value at the segment's start, −1..1.
    from: f32,
    /// Value at the segment's end, −1..1.
    to: f32,
}

impl SmoothRandom {
    /// A random LFO with `seed`, at its first value.
    pub fn new(seed: u32) -> Self {
        let mut r = Self {
            start: 0.0,
            k: 0,
            n: 0,
            seed,
            from: 0.0,
            to: 0.0,
        };
        r.reset(seed);
        r
    }

    /// Restarts with `seed`.
    pub fn reset(&mut self, seed: u32) {
        self.seed = seed;
        self.start = 0.0;
        self.k = 0;
        self.n = 0;
        self.from = 2.0 * hash_unit(seed, 0x5EED) - 1.0;
        self.to = 2.0 * hash_unit(seed, 1) - 1.0;
    }

    /// Writes one value per sample into `out`, at `rate_hz` new targets per second and
    /// `sample_rate` Hz. Never allocates.
    pub fn process_block(&mut self, rate_hz: f32, sample_rate: f32, out: &mut [f32]) {
        let step = f64::from(rate_hz) / f64::from(sample_rate.max(1.0));
        if step.is_nan() || step <= 0.0 {
            // Stopped (or NaN): the value holds.
            let p = self.start as f32;
            out.fill(self.from + p * p * (3.0 - 2.0 * p) * (self.to - self.from));
            return;
        }
        // At least 1e-9 cycles per sample, so a segment stays under 2³¹ samples.
        let step = step.clamp(1e-9, 0.5);
        let mut i = 0;
        while i < out.len() {
            // Samples of this segment still to come: its last is the last `k` whose phase
            // is below 1.
            let phase = |k: u32| self.start + f64::from(k) * step;
            let mut end = (((1.0 - self.start) / step).ceil() as u32).max(self.k + 1);
            while end > self.k + 1 && phase(end - 1) >= 1.0 {
                end -= 1;
            }
            while phase(end) < 1.0 {
                end += 1;
            }
            let left = (end - self.k) as usize;
            let run = left.min(out.len() - i);
            let (from, span, k0) = (self.from, self.to - self.from, self.k as i32);
            for (j, o) in out[i..i + run].iter_mut().enumerate() {
                // Smoothstep from `from` to `to`: continuous value and slope.
                let p = (self.start + f64::from(k0 + j as i32) * step) as f32;
                let w = p * p * (3.0 - 2.0 * p);
                *o = from + w * span;
            }
            i += run;
            self.k += run as u32;
            if run == left {
                // The segment is done: the next starts where the phase passed 1.
                self.start = phase(self.k) - 1.0;
                self.k = 0;
                self.n = self.n.wrapping_add(1);
                self.from = self.to;
                self.to = 2.0 * hash_unit(self.seed, self.n.wrapping_add(1)) - 1.0;
            }
        }
    }
}
