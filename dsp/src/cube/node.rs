//! One node of the cube: a single-cycle frame, mono or stereo.

use super::CubeError;

/// Shortest allowed frame, in samples.
pub const MIN_NODE_LEN: usize = 64;
/// Longest allowed frame, in samples.
pub const MAX_NODE_LEN: usize = 8192;

/// A single-cycle frame, mono or stereo, whose length is a power of two from
/// [`MIN_NODE_LEN`] to [`MAX_NODE_LEN`] samples. It is read by normalised phase (0..1), so
/// nodes of different lengths blend naturally.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Left (or only) channel, one cycle, linear amplitude.
    left: Vec<f32>,
    /// Right channel for stereo nodes, same length as `left`.
    right: Option<Vec<f32>>,
}

impl Node {
    /// Builds a mono node, checking its length and that every sample is finite.
    pub fn mono(samples: Vec<f32>) -> Result<Self, CubeError> {
        check_frame(&samples)?;
        Ok(Self {
            left: samples,
            right: None,
        })
    }

    /// Builds a stereo node from two channels of equal, valid length.
    pub fn stereo(left: Vec<f32>, right: Vec<f32>) -> Result<Self, CubeError> {
        if left.len() != right.len() {
            return Err(CubeError::ChannelMismatch {
                left: left.len(),
                right: right.len(),
            });
        }
        check_frame(&left)?;
        check_frame(&right)?;
        Ok(Self {
            left,
            right: Some(right),
        })
    }

    /// Builds a mono node by evaluating `f(phase01)` at `len` evenly spaced phases in 0..1.
    pub fn from_fn(len: usize, f: impl Fn(f64) -> f64) -> Result<Self, CubeError> {
        let samples = (0..len).map(|i| f(i as f64 / len as f64) as f32).collect();
        Self::mono(samples)
    }

    /// Frame length in samples.
    pub fn len(&self) -> usize {
        self.left.len()
    }

    /// Always false: a valid node holds at least [`MIN_NODE_LEN`] samples.
    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }

    /// True when the node has its own right channel.
    pub fn is_stereo(&self) -> bool {
        self.right.is_some()
    }

    /// Number of channels: 1 or 2.
    pub fn channels(&self) -> usize {
        1 + usize::from(self.is_stereo())
    }

    /// Channel `ch` (0 = left, 1 = right). A mono node returns its only channel for both.
    pub fn channel(&self, ch: usize) -> &[f32] {
        match (ch, &self.right) {
            (1, Some(r)) => r,
            _ => &self.left,
        }
    }
}

fn check_frame(samples: &[f32]) -> Result<(), CubeError> {
    let len = samples.len();
    if !(MIN_NODE_LEN..=MAX_NODE_LEN).contains(&len) || !len.is_power_of_two() {
        return Err(CubeError::BadLength { len });
    }
    if let Some(index) = samples.iter().position(|s| !s.is_finite()) {
        return Err(CubeError::NonFinite { index });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_lengths_and_values() {
        assert_eq!(
            Node::mono(vec![0.0; 100]),
            Err(CubeError::BadLength { len: 100 })
        );
        assert_eq!(
            Node::mono(vec![0.0; 32]),
            Err(CubeError::BadLength { len: 32 })
        );
        assert_eq!(
            Node::mono(vec![0.0; 16384]),
            Err(CubeError::BadLength { len: 16384 })
        );
        let mut v = vec![0.0; 64];
        v[7] = f32::NAN;
        assert_eq!(Node::mono(v), Err(CubeError::NonFinite { index: 7 }));
        assert_eq!(
            Node::stereo(vec![0.0; 64], vec![0.0; 128]),
            Err(CubeError::ChannelMismatch {
                left: 64,
                right: 128
            })
        );
    }

    #[test]
    fn mono_reads_as_both_channels() {
        let n = Node::from_fn(64, |p| p).unwrap();
        assert_eq!(n.channel(0), n.channel(1));
        assert_eq!(n.channels(), 1);
        let s = Node::stereo(vec![0.0; 64], vec![1.0; 64]).unwrap();
        assert_eq!(s.channel(1)[0], 1.0);
        assert!(s.is_stereo());
    }
}
