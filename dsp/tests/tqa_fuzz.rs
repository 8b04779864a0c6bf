//! Hostile `.tqa` streams: 100,000 random mutations and truncations of valid
//! streams. Each decodes to finite audio or gives a typed error; nothing panics,
//! and no allocation exceeds what the caps allow for the stream's length.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use wavecube_dsp::codec::tqa::rotation::SplitMix64;
use wavecube_dsp::codec::tqa::{decode, encode, TqaConfig, TqaMode, HEADER_LEN, MAX_BLOCK};

/// The system allocator, remembering the largest single request.
struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to `System` unchanged.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// Valid streams of every mode, a few block sizes, mono and stereo, with silence,
/// a spike (escapes) and ordinary audio.
fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (k, mode) in TqaMode::ALL.into_iter().enumerate() {
        for (block, channels) in [(64, 1), (256, 2)] {
            let frames = 3 * block + 11;
            let mut data: Vec<Vec<f32>> = (0..channels)
                .map(|c| {
                    (0..frames)
                        .map(|i| 0.3 * ((i * (c + 3)) as f32 * 0.05).sin())
                        .collect()
                })
                .collect();
            data[0][..block].fill(0.0);
            data[0][block + 5] = 0.9;
            let slices: Vec<&[f32]> = data.iter().map(Vec::as_slice).collect();
            let config = TqaConfig {
                bits: 2 + (k as u8) * 2,
                block_size: block,
                mode,
                seed: 7,
            };
            out.push(encode(&slices, 48_000, &config).unwrap());
        }
    }
    out
}

/// Recomputes both CRCs, so mutations reach the parser behind them.
fn fix_crcs(bytes: &mut [u8]) {
    if bytes.len() >= HEADER_LEN {
        let crc = crc32fast_hash(&bytes[..48]);
        bytes[48..52].copy_from_slice(&crc.to_le_bytes());
        let payload_len = u64::from_le_bytes(bytes[40..48].try_into().unwrap());
        let end = HEADER_LEN as u64 + payload_len;
        if end + 4 == bytes.len() as u64 {
            let end = end as usize;
            let crc = crc32fast_hash(&bytes[HEADER_LEN..end]);
            bytes[end..end + 4].copy_from_slice(&crc.to_le_bytes());
        }
    }
}

/// CRC-32 (IEEE), bitwise: independent of the codec's own implementation.
fn crc32fast_hash(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn mutations_and_truncations_never_panic() {
    let seeds = seeds();
    let mut rng = SplitMix64::new(2026);
    let (mut ok, mut errors) = (0usize, std::collections::BTreeMap::new());
    for round in 0..100_000u32 {
        let original = &seeds[round as usize % seeds.len()];
        let mut bytes = original.clone();
        let r = rng.next_u64();
        match r % 5 {
            0 => bytes.truncate((rng.next_u64() % bytes.len() as u64) as usize),
            1 => {
                let flips = 1 + rng.next_u64() % 4;
                for _ in 0..flips {
                    let i = (rng.next_u64() % bytes.len() as u64) as usize;
                    bytes[i] ^= 1 << (rng.next_u64() % 8);
                }
            }
            2 => {
                let i = (rng.next_u64() % bytes.len() as u64) as usize;
                bytes[i] = rng.next_u64() as u8;
            }
            3 => {
                // Header fields: any byte of the first 52 set to an extreme.
                let i = (rng.next_u64() % HEADER_LEN as u64) as usize;
                bytes[i] = [0x00, 0xFF, 0x7F, 0x80][(rng.next_u64() % 4) as usize];
            }
            _ => {
                let i = (rng.next_u64() % bytes.len() as u64) as usize;
                if rng.next_u64() % 2 == 0 {
                    bytes.insert(i, rng.next_u64() as u8);
                } else {
                    bytes.remove(i);
                }
            }
        }
        // Half the time, make the checksums right so the parser behind them is hit.
        if (r >> 8) % 2 == 0 {
            fix_crcs(&mut bytes);
        }
        LARGEST.store(0, Ordering::Relaxed);
        match decode(&bytes) {
            Ok(decoded) => {
                ok += 1;
                for channel in &decoded.channels {
                    assert!(channel.iter().all(|v| v.is_finite()), "round {round}");
                }
            }
            Err(e) => {
                let name = format!("{e:?}");
                let kind = name.split(['(', ' ', '{']).next().unwrap().to_string();
                *errors.entry(kind).or_insert(0usize) += 1;
            }
        }
        // A decode allocates at most: its output (bounded by 4 bytes × MAX_BLOCK
        // samples per payload byte, checked before allocating) and its coder.
        let bound = 4 * MAX_BLOCK * bytes.len().max(1) + (1 << 20);
        let largest = LARGEST.load(Ordering::Relaxed);
        assert!(
            largest <= bound,
            "round {round}: allocated {largest} > {bound}"
        );
    }
    println!("100000 mutated streams: {ok} decoded, errors {errors:?}");
    assert!(
        errors.len() >= 5,
        "the fuzz should reach many error kinds: {errors:?}"
    );
}
