//! FFT sizes: the smallest 2,3,5-smooth length at or above a given length.

/// The smallest `m ≥ n` whose only prime factors are 2, 3 and 5 (SciPy's
/// `next_fast_len` for real transforms, without the 7 and 11 it also allows for
/// complex ones). `fast_len(0) == 1`.
///
/// Mixed-radix FFTs of such lengths run within a small factor of a power of two, and
/// the result is never more than about 10 % above `n` for `n` in the thousands (a power
/// of two can be 100 % above). Any thread; `n` up to `usize::MAX / 5`.
pub fn fast_len(n: usize) -> usize {
    if n <= 6 {
        return n.max(1);
    }
    let mut best = n.next_power_of_two();
    // Enumerate 5^c · 3^b and complete each with the smallest power of two reaching n.
    let mut p5 = 1usize;
    while p5 < best {
        let mut p35 = p5;
        while p35 < best {
            // The smallest p35 · 2^a ≥ n.
            let quotient = n.div_ceil(p35);
            let candidate = quotient.next_power_of_two().saturating_mul(p35);
            if candidate < best {
                best = candidate;
            }
            if best == n {
                return n;
            }
            p35 = p35.saturating_mul(3);
        }
        p5 = p5.saturating_mul(5);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::fast_len;

    fn smooth(mut m: usize) -> bool {
        for p in [2, 3, 5] {
            while m % p == 0 {
                m /= p;
            }
        }
        m == 1
    }

    #[test]
    fn is_the_smallest_smooth_length() {
        for n in 1..5000 {
            let m = fast_len(n);
            assert!(m >= n && smooth(m), "fast_len({n}) = {m}");
            assert!(
                (n..m).all(|k| !smooth(k)),
                "fast_len({n}) = {m} is not the smallest"
            );
        }
    }

    #[test]
    fn known_values() {
        // SciPy: next_fast_len(575999, real=True) == 576000; (1021) == 1024; (97) == 100.
        assert_eq!(fast_len(575_999), 576_000);
        assert_eq!(fast_len(1021), 1024);
        assert_eq!(fast_len(97), 100);
        assert_eq!(fast_len(0), 1);
    }
}
