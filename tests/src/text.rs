//! Counted nouns for messages: "1 frame", "2 frames", never "1 frames".

/// `n` and `noun`, with an `s` unless `n` is 1: `count(1, "frame")` is `"1 frame"`.
pub fn count(n: impl Into<u128>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `n` and `singular` or `plural`: `count_as(2, "boundary", "boundaries")`.
pub fn count_as(n: impl Into<u128>, singular: &str, plural: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_others_plural() {
        assert_eq!(count(1_u32, "frame"), "1 frame");
        assert_eq!(count(0_u32, "frame"), "0 frames");
        assert_eq!(count(2_u64, "node"), "2 nodes");
        assert_eq!(count_as(1_u8, "boundary", "boundaries"), "1 boundary");
        assert_eq!(count_as(3_u8, "boundary", "boundaries"), "3 boundaries");
    }
}
