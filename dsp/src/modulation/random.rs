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
        self.process_every(rate_hz, sample_rate, out, 0, 1);
    }

    /// Advances `out.len()` samples like [`SmoothRandom::process_block`] but writes only
    /// the values at `first`, `first + stride`, `first + 2·stride`, … (for a reader that
    /// looks only there, such as the matrix's control points); the other entries are left
    /// as they were. The written values are those `process_block` gives. Never allocates.
    pub fn process_every(
        &mut self,
        rate_hz: f32,
        sample_rate: f32,
        out: &mut [f32],
        first: usize,
        stride: usize,
    ) {
        let stride = stride.max(1);
        let step = f64::from(rate_hz) / f64::from(sample_rate.max(1.0));
        if step.is_nan() || step <= 0.0 {
            // Stopped (or NaN): the value holds.
            let p = self.start as f32;
            let v = self.from + p * p * (3.0 - 2.0 * p) * (self.to - self.from);
            out.iter_mut()
                .skip(first)
                .step_by(stride)
                .for_each(|o| *o = v);
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
            let (from, span, k0) = (self.from, self.to - self.from, self.k as i32 - i as i32);
            // The segment's phase in f32 for the values (a 1e-7 step of a slow smoothstep
            // is inaudible, and f32 lanes are twice as many); the segment ends above are
            // found in f64.
            let (start, step32) = (self.start as f32, step as f32);
            // Smoothstep from `from` to `to`: continuous value and slope.
            let value = |at: usize| {
                let p = start + (k0 + at as i32) as f32 * step32;
                from + p * p * (3.0 - 2.0 * p) * span
            };
            if stride == 1 {
                for (at, o) in out.iter_mut().enumerate().take(i + run).skip(i) {
                    *o = value(at);
                }
            } else {
                // The first wanted index at or after `i`.
                let at0 = if i <= first {
                    first
                } else {
                    first + (i - first).div_ceil(stride) * stride
                };
                for at in (at0..i + run).step_by(stride) {
                    out[at] = value(at);
                }
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
