//! A circular delay line with integer and cubic-Hermite fractional reads, shared by the
//! modulated and feedback delays (chorus, flanger, delay).

/// A mono delay line holding the last `capacity` samples; allocated once in [`DelayLine::new`].
///
/// Reads are relative to the NEXT write: `read(d)` returns the sample pushed `d` pushes
/// ago, so a loop of `read(d)` then `push(x)` is a delay of exactly `d` samples.
#[derive(Debug, Clone)]
pub struct DelayLine {
    buf: Vec<f32>,
    mask: usize,
    write: usize,
}

impl DelayLine {
    /// A silent line able to delay by up to `max_delay` samples (rounded up to a power of
    /// two plus room for interpolation). Allocates.
    pub fn new(max_delay: usize) -> Self {
        let len = (max_delay + 4).next_power_of_two();
        Self {
            buf: vec![0.0; len],
            mask: len - 1,
            write: 0,
        }
    }

    /// The longest delay, in samples, that [`DelayLine::read`] honours exactly.
    pub fn max_delay(&self) -> f32 {
        (self.buf.len() - 3) as f32
    }

    /// Clears the line to silence.
    pub fn clear(&mut self) {
        self.buf.fill(0.0);
        self.write = 0;
    }

    /// Appends one sample.
    #[inline]
    pub fn push(&mut self, x: f32) {
        self.buf[self.write] = x;
        self.write = (self.write + 1) & self.mask;
    }

    /// The sample pushed `delay` pushes ago (`delay ≥ 1`; clamped to the capacity).
    #[inline]
    pub fn read_int(&self, delay: usize) -> f32 {
        let d = delay.clamp(1, self.buf.len() - 1);
        self.buf[self.write.wrapping_sub(d) & self.mask]
    }

    /// The signal `delay` samples ago, fractional, by 4-point cubic Hermite (Catmull–Rom)
    /// interpolation; exact at integer delays. `delay` is clamped to 2 … [`max_delay`]
    /// (non-finite → 2).
    ///
    /// [`max_delay`]: DelayLine::max_delay
    #[inline]
    pub fn read(&self, delay: f32) -> f32 {
        let d = if delay.is_finite() {
            delay.clamp(2.0, self.max_delay())
        } else {
            2.0
        };
        let i = d as usize;
        let t = d - i as f32;
        let at = |k: usize| self.buf[self.write.wrapping_sub(k) & self.mask];
        let (ym1, y0, y1, y2) = (at(i - 1), at(i), at(i + 1), at(i + 2));
        let c1 = 0.5 * (y1 - ym1);
        let c2 = ym1 - 2.5 * y0 + 2.0 * y1 - 0.5 * y2;
        let c3 = 0.5 * (y2 - ym1) + 1.5 * (y0 - y1);
        ((c3 * t + c2) * t + c1) * t + y0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_fractional_reads() {
        let mut line = DelayLine::new(16);
        for i in 0..10 {
            line.push(i as f32);
        }
        // The last push was 9: one push ago.
        assert_eq!(line.read_int(1), 9.0);
        assert_eq!(line.read(3.0), 7.0);
        // A ramp is interpolated exactly by a cubic.
        assert!((line.read(3.25) - 6.75).abs() < 1e-6);
        assert_eq!(line.read(f32::NAN), 8.0);
    }
}
