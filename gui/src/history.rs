//! `Sliding`: a fixed-capacity history that stays one contiguous slice (for plotting without
//! copying), and `AudioTail`: the latest samples of the output.

/// The latest `capacity` values pushed, oldest first, as one slice.
///
/// Backed by a buffer of twice the capacity: pushes append, and when the buffer is full the
/// older half is dropped with one move. No allocation after [`Sliding::new`], and memory
/// never grows.
#[derive(Debug, Clone)]
pub struct Sliding<T> {
    /// Up to `2 · capacity` values; the last `capacity` are the history.
    buf: Vec<T>,
    /// Values kept.
    capacity: usize,
}

impl<T: Copy> Sliding<T> {
    /// An empty history of `capacity` values (at least 1).
    ///
    /// # Allocation
    /// Reserves `2 · capacity` values.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            buf: Vec::with_capacity(2 * capacity),
            capacity,
        }
    }

    /// Appends `value`, forgetting the oldest beyond the capacity.
    pub fn push(&mut self, value: T) {
        if self.buf.len() == 2 * self.capacity {
            self.buf.drain(..self.capacity);
        }
        self.buf.push(value);
    }

    /// The history, oldest first: at most `capacity` values.
    pub fn as_slice(&self) -> &[T] {
        let start = self.buf.len().saturating_sub(self.capacity);
        &self.buf[start..]
    }

    /// The newest value.
    pub fn last(&self) -> Option<&T> {
        self.buf.last()
    }

    /// The newest value, mutable (to merge a value into the latest bucket).
    pub fn last_mut(&mut self) -> Option<&mut T> {
        self.buf.last_mut()
    }

    /// Values held (at most the capacity).
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The most values kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.buf.clear();
    }
}

/// The latest `len` output frames, left and right, oldest first, updated in place.
#[derive(Debug, Clone)]
pub struct AudioTail {
    /// Left channel, `len` samples.
    left: Vec<f32>,
    /// Right channel, `len` samples.
    right: Vec<f32>,
    /// Frames pushed since creation (to tell fresh audio from none).
    pushed: u64,
}

impl AudioTail {
    /// `len` frames of silence.
    ///
    /// # Allocation
    /// Allocates both channels.
    pub fn new(len: usize) -> Self {
        Self {
            left: vec![0.0; len.max(1)],
            right: vec![0.0; len.max(1)],
            pushed: 0,
        }
    }

    /// Appends `frames`, dropping the oldest. No allocation.
    pub fn push(&mut self, frames: &[[f32; 2]]) {
        self.pushed += frames.len() as u64;
        let n = self.left.len();
        let frames = &frames[frames.len().saturating_sub(n)..];
        let k = frames.len();
        self.left.copy_within(k.., 0);
        self.right.copy_within(k.., 0);
        for (i, f) in frames.iter().enumerate() {
            self.left[n - k + i] = f[0];
            self.right[n - k + i] = f[1];
        }
    }

    /// Left channel, oldest first.
    pub fn left(&self) -> &[f32] {
        &self.left
    }

    /// Right channel, oldest first.
    pub fn right(&self) -> &[f32] {
        &self.right
    }

    /// Frames pushed so far.
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Peak absolute sample of both channels.
    pub fn peak(&self) -> f32 {
        self.left.iter().chain(&self.right).fold(0.0f32, |m, &s| {
            if s.is_finite() {
                m.max(s.abs())
            } else {
                m
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_keeps_the_latest_values_without_growing() {
        let mut h = Sliding::new(4);
        for v in 0..11 {
            h.push(v);
        }
        assert_eq!(h.as_slice(), &[7, 8, 9, 10]);
        assert_eq!(h.len(), 4);
        assert!(h.buf.capacity() <= 8, "buffer grew to {}", h.buf.capacity());
    }

    #[test]
    fn audio_tail_keeps_the_latest_frames() {
        let mut t = AudioTail::new(4);
        t.push(&[[1.0, -1.0], [2.0, -2.0]]);
        t.push(&[[3.0, -3.0], [4.0, -4.0], [5.0, -5.0]]);
        assert_eq!(t.left(), &[2.0, 3.0, 4.0, 5.0]);
        assert_eq!(t.right(), &[-2.0, -3.0, -4.0, -5.0]);
        t.push(&[[9.0, 0.0]; 6]);
        assert_eq!(t.left(), &[9.0; 4]);
        assert_eq!(t.pushed(), 11);
        assert_eq!(t.peak(), 9.0);
    }
}
