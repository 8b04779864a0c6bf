//! The random-sign Walsh-Hadamard rotation, `y = FWHT(x ⊙ s) / √B`, and its seeded signs.
//!
//! The normalised transform is orthonormal and its own inverse, so decoding is
//! `x = FWHT(y) ⊙ s / √B`. Errors in `y` reach `x` with the same energy: SQNR
//! measured on coefficients is SQNR on samples.

/// SplitMix64 (Steele, Lea and Flood 2014): the stream format's PRNG.
///
/// Fixed here because the stream depends on it: signs and the `qjl` projection are
/// drawn from it, and a decoder in another process must draw the same.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in (0, 1], from the top 53 bits.
    pub fn next_open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// The `block` rotation signs (±1.0) for `seed`: sign `i` is −1 where bit `i % 64` of
/// the generator's output `i / 64` is set.
pub fn rotation_signs(seed: u64, block: usize) -> Vec<f32> {
    let mut signs = Vec::with_capacity(block);
    fill_rotation_signs(seed, block, &mut signs);
    signs
}

/// [`rotation_signs`] into `signs` (cleared first; no allocation within its capacity).
/// A shorter block's signs are a prefix of a longer one's.
pub fn fill_rotation_signs(seed: u64, block: usize, signs: &mut Vec<f32>) {
    let mut rng = SplitMix64::new(seed);
    signs.clear();
    let mut word = 0;
    for i in 0..block {
        if i % 64 == 0 {
            word = rng.next_u64();
        }
        signs.push(if (word >> (i % 64)) & 1 == 1 {
            -1.0
        } else {
            1.0
        });
    }
}

/// In-place unnormalised fast Walsh-Hadamard transform (natural order) of a
/// power-of-two-length slice: `log2(n)` butterfly passes, `n·log2(n)` adds.
pub fn fwht(data: &mut [f32]) {
    let n = data.len();
    debug_assert!(n.is_power_of_two());
    #[cfg(target_arch = "x86_64")]
    {
        if n >= 16 && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present (checked just above).
            unsafe { fwht_avx2(data) };
            return;
        }
    }
    fwht_generic(data);
}

#[inline(always)]
fn fwht_generic(data: &mut [f32]) {
    let n = data.len();
    // The first three passes work inside groups of 8, written out so the rest vectorise.
    if n >= 8 {
        for g in data.chunks_exact_mut(8) {
            let [a0, a1, a2, a3, a4, a5, a6, a7] = [g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]];
            let (b0, b1, b2, b3) = (a0 + a1, a0 - a1, a2 + a3, a2 - a3);
            let (b4, b5, b6, b7) = (a4 + a5, a4 - a5, a6 + a7, a6 - a7);
            let (c0, c1, c2, c3) = (b0 + b2, b1 + b3, b0 - b2, b1 - b3);
            let (c4, c5, c6, c7) = (b4 + b6, b5 + b7, b4 - b6, b5 - b7);
            g.copy_from_slice(&[
                c0 + c4,
                c1 + c5,
                c2 + c6,
                c3 + c7,
                c0 - c4,
                c1 - c5,
                c2 - c6,
                c3 - c7,
            ]);
        }
    } else {
        let mut h = 1;
        while h < n {
            for pair in data.chunks_exact_mut(2 * h) {
                let (lo, hi) = pair.split_at_mut(h);
                for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
                    let (x, y) = (*a, *b);
                    *a = x + y;
                    *b = x - y;
                }
            }
            h *= 2;
        }
        return;
    }
    let mut h = 8;
    while h < n {
        for pair in data.chunks_exact_mut(2 * h) {
            let (lo, hi) = pair.split_at_mut(h);
            for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
                let (x, y) = (*a, *b);
                *a = x + y;
                *b = x - y;
            }
        }
        h *= 2;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fwht_avx2(data: &mut [f32]) {
    // The same code, compiled for 8-wide AVX2 lanes.
    fwht_generic(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fwht_reference(x: &[f32]) -> Vec<f32> {
        // H[i][j] = (−1)^popcount(i & j).
        let n = x.len();
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        if (i & j).count_ones() % 2 == 0 {
                            x[j]
                        } else {
                            -x[j]
                        }
                    })
                    .sum()
            })
            .collect()
    }

    #[test]
    fn fwht_matches_the_hadamard_matrix_and_inverts() {
        for n in [1, 2, 4, 8, 16, 64, 512] {
            let x: Vec<f32> = (0..n).map(|i| ((i * 7 + 3) % 11) as f32 - 5.0).collect();
            let mut y = x.clone();
            fwht(&mut y);
            let want = fwht_reference(&x);
            for (a, b) in y.iter().zip(&want) {
                assert!((a - b).abs() < 1e-3, "n={n}");
            }
            fwht(&mut y);
            for (a, b) in y.iter().zip(&x) {
                assert!((a / n as f32 - b).abs() < 1e-4, "n={n}");
            }
        }
    }

    #[test]
    fn signs_are_seeded_and_balanced() {
        let a = rotation_signs(7, 4096);
        assert_eq!(a, rotation_signs(7, 4096));
        assert_ne!(a, rotation_signs(8, 4096));
        let negative = a.iter().filter(|&&s| s < 0.0).count();
        assert!((1900..2200).contains(&negative), "{negative}");
        // SplitMix64's published first output for seed 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }
}
