//! Contiguous bit packing: `n` values of `bits` bits each, least significant bit
//! first, in `⌈n·bits/8⌉` bytes — no bit is wasted.

/// Bytes that `count` values of `bits` bits occupy.
pub const fn packed_len(count: usize, bits: u32) -> usize {
    (count * bits as usize).div_ceil(8)
}

/// Packs `values` (each < 2^bits, 1 ≤ bits ≤ 8) into `out`, which must hold
/// [`packed_len`] bytes.
pub fn pack(values: &[u8], bits: u32, out: &mut [u8]) {
    debug_assert!((1..=8).contains(&bits));
    let out = &mut out[..packed_len(values.len(), bits)];
    let b = bits as usize;
    // Eight values fill exactly `bits` bytes, so groups of eight never share a byte.
    let groups = values.len() / 8;
    for (group, dst) in values
        .chunks_exact(8)
        .zip(out.chunks_exact_mut(b))
        .take(groups)
    {
        let mut word = 0u64;
        for (j, &v) in group.iter().enumerate() {
            word |= u64::from(v) << (j * b);
        }
        dst.copy_from_slice(&word.to_le_bytes()[..b]);
    }
    let tail = &values[groups * 8..];
    let mut word = 0u64;
    for (j, &v) in tail.iter().enumerate() {
        word |= u64::from(v) << (j * b);
    }
    let rest = &mut out[groups * b..];
    let len = rest.len();
    rest.copy_from_slice(&word.to_le_bytes()[..len]);
}

/// Unpacks `values.len()` values of `bits` bits from `input`, which must hold
/// [`packed_len`] bytes.
pub fn unpack(input: &[u8], bits: u32, values: &mut [u8]) {
    debug_assert!((1..=8).contains(&bits));
    let input = &input[..packed_len(values.len(), bits)];
    let b = bits as usize;
    let mask = (1u64 << bits) - 1;
    let groups = values.len() / 8;
    for (group, src) in values
        .chunks_exact_mut(8)
        .zip(input.chunks_exact(b))
        .take(groups)
    {
        let mut bytes = [0u8; 8];
        bytes[..b].copy_from_slice(src);
        let word = u64::from_le_bytes(bytes);
        for (j, v) in group.iter_mut().enumerate() {
            *v = ((word >> (j * b)) & mask) as u8;
        }
    }
    let rest = &input[groups * b..];
    let mut bytes = [0u8; 8];
    bytes[..rest.len()].copy_from_slice(rest);
    let word = u64::from_le_bytes(bytes);
    for (j, v) in values[groups * 8..].iter_mut().enumerate() {
        *v = ((word >> (j * b)) & mask) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_width_and_length() {
        for bits in 1..=8 {
            for n in [0, 1, 3, 7, 8, 63, 64, 65, 512] {
                let values: Vec<u8> = (0..n)
                    .map(|i| ((i * 37 + 11) % (1 << bits)) as u8)
                    .collect();
                let mut packed = vec![0u8; packed_len(n, bits)];
                pack(&values, bits, &mut packed);
                let mut back = vec![0u8; n];
                unpack(&packed, bits, &mut back);
                assert_eq!(back, values, "bits={bits} n={n}");
            }
        }
    }

    #[test]
    fn layout_is_lsb_first_and_dense() {
        let mut out = [0u8; 3];
        pack(
            &[0b101, 0b011, 0b111, 0b000, 0b110, 0b001, 0b010, 0b100],
            3,
            &mut out,
        );
        // 24 bits for 8 values of 3 bits.
        // Byte 0: v2's low bits, v1, v0. Byte 1: v5's low bit, v4, v3, v2's high bit.
        // Byte 2: v7, v6, v5's high bits.
        assert_eq!(out, [0b1101_1101, 0b1110_0001, 0b1000_1000]);
    }
}
