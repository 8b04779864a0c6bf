//! The output safety stage: transparent up to full scale, a soft knee above, never beyond
//! ±4, and never NaN.

/// Hard bound of the output, linear.
const CEILING: f32 = 4.0;

/// Leaves `|x| ≤ 1` untouched; above, bends smoothly (matching slope at 1) towards ±4 with
/// `1 + 3·tanh((|x| − 1)/3)`. Non-finite input becomes 0. Stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct SafetyClip;

impl SafetyClip {
    /// Processes a block in place.
    pub fn process_block(&self, block: &mut [f32]) {
        for x in block {
            *x = Self::tick(*x);
        }
    }

    /// One sample.
    #[inline]
    pub fn tick(x: f32) -> f32 {
        if !x.is_finite() {
            return 0.0;
        }
        let a = x.abs();
        if a <= 1.0 {
            x
        } else {
            let k = CEILING - 1.0;
            (1.0 + k * ((a - 1.0) / k).tanh()).copysign(x)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_below_one_bounded_above() {
        assert_eq!(SafetyClip::tick(0.73), 0.73);
        assert_eq!(SafetyClip::tick(-1.0), -1.0);
        assert!(SafetyClip::tick(1e30) <= 4.0);
        assert!(SafetyClip::tick(-1e30) >= -4.0);
        assert_eq!(SafetyClip::tick(f32::NAN), 0.0);
        // Continuous slope at the knee.
        let d = (SafetyClip::tick(1.001) - SafetyClip::tick(1.0)) / 0.001;
        assert!((d - 1.0).abs() < 1e-2);
    }
}
