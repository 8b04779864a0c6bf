//! The smoothed random LFO: a new random target every cycle, reached along a smoothstep.

use super::hash_unit;

/// A per-voice smoothed random LFO, −1..1. The same seed and rate give the same values,
/// whatever the block sizes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmoothRandom {
    /// Phase within the current segment, 0..1.
    phase: f64,
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
            phase: 0.0,
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
        self.phase = 0.0;
        self.n = 0;
        self.from = 2.0 * hash_unit(seed, 0x5EED) - 1.0;
        self.to = 2.0 * hash_unit(seed, 1) - 1.0;
    }

    /// Writes one value per sample into `out`, at `rate_hz` new targets per second and
    /// `sample_rate` Hz. Never allocates.
    pub fn process_block(&mut self, rate_hz: f32, sample_rate: f32, out: &mut [f32]) {
        let step = (f64::from(rate_hz) / f64::from(sample_rate.max(1.0))).clamp(0.0, 0.5);
        for o in out.iter_mut() {
            // Smoothstep from `from` to `to`: continuous value and slope.
            let p = self.phase as f32;
            let w = p * p * (3.0 - 2.0 * p);
            *o = self.from + w * (self.to - self.from);
            self.phase += step;
            if self.phase >= 1.0 {
                self.phase -= 1.0;
                self.n = self.n.wrapping_add(1);
                self.from = self.to;
                self.to = 2.0 * hash_unit(self.seed, self.n.wrapping_add(1)) - 1.0;
            }
        }
    }
}
