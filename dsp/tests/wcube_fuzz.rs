//! Hostile `.wcube` files: 100,000 random mutations and truncations of valid files.
//! Each reads to a valid cube or gives a typed error; nothing panics, and no
//! allocation exceeds what the caps allow.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use wavecube_dsp::bank::{read_wcube, write_wcube, CodecChoice, NodeCodec, WriteOptions};
use wavecube_dsp::codec::tqa::rotation::SplitMix64;
use wavecube_dsp::cube::{Cube, Node};

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

/// Small files with every codec.
fn seeds() -> Vec<Vec<u8>> {
    let codecs = [
        NodeCodec::F32,
        NodeCodec::I16,
        NodeCodec::Tqa { bits: 4 },
        NodeCodec::Zstd,
        NodeCodec::Gauss,
    ];
    codecs
        .iter()
        .map(|&codec| {
            let mut cube = Cube::new(2, 1, 2).unwrap();
            cube.set(
                0,
                0,
                0,
                Node::from_fn(64, |p| (std::f64::consts::TAU * p).sin() * 0.5).unwrap(),
            )
            .unwrap();
            let left: Vec<f32> = (0..128).map(|i| (i as f32 * 0.1).sin()).collect();
            let right: Vec<f32> = (0..128).map(|i| (i as f32 * 0.05).cos() * 0.2).collect();
            cube.set(1, 0, 1, Node::stereo(left, right).unwrap())
                .unwrap();
            cube.meta_mut().name = "fuzz".into();
            let options = WriteOptions {
                codec: CodecChoice::Fixed(codec),
                quality_db: 20.0,
            };
            write_wcube(&cube, &options).unwrap()
        })
        .collect()
}

fn crc32(bytes: &[u8]) -> u32 {
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

/// Makes every CRC right again where the structure still allows, so mutations reach the
/// parser and the node decoders behind the checksums.
fn fix_crcs(bytes: &mut [u8]) {
    if bytes.len() < 32 {
        return;
    }
    let meta_len = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let count = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let Some(end) = 32usize
        .checked_add(meta_len)
        .and_then(|v| v.checked_add(count.checked_mul(36)?))
    else {
        return;
    };
    if end + 4 > bytes.len() || count > 16 {
        return;
    }
    for i in 0..count {
        let e = 32 + meta_len + 36 * i;
        let offset = u64::from_le_bytes(bytes[e + 12..e + 20].try_into().unwrap());
        let size = u32::from_le_bytes(bytes[e + 20..e + 24].try_into().unwrap()) as u64;
        if offset.saturating_add(size) <= bytes.len() as u64 {
            let crc = crc32(&bytes[offset as usize..(offset + size) as usize]);
            bytes[e + 24..e + 28].copy_from_slice(&crc.to_le_bytes());
        }
    }
    let crc = crc32(&bytes[..end]);
    bytes[end..end + 4].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn mutations_and_truncations_never_panic() {
    let seeds = seeds();
    let mut rng = SplitMix64::new(5);
    let (mut ok, mut errors) = (0usize, std::collections::BTreeMap::new());
    for round in 0..100_000u32 {
        let mut bytes = seeds[round as usize % seeds.len()].clone();
        let r = rng.next_u64();
        let len = bytes.len() as u64;
        match r % 4 {
            0 => bytes.truncate((rng.next_u64() % len) as usize),
            1 => {
                for _ in 0..1 + rng.next_u64() % 4 {
                    let i = (rng.next_u64() % len) as usize;
                    bytes[i] ^= 1 << (rng.next_u64() % 8);
                }
            }
            2 => {
                let i = (rng.next_u64() % len.min(200)) as usize;
                bytes[i] = [0x00, 0xFF, 0x7F, 0x80, 0x10][(rng.next_u64() % 5) as usize];
            }
            _ => {
                let i = (rng.next_u64() % len) as usize;
                bytes[i] = rng.next_u64() as u8;
            }
        }
        if (r >> 8) % 4 != 0 {
            fix_crcs(&mut bytes);
        }
        LARGEST.store(0, Ordering::Relaxed);
        match read_wcube(&bytes) {
            Ok(cube) => {
                ok += 1;
                for (_, node) in cube.iter() {
                    for c in 0..node.channels() {
                        assert!(node.channel(c).iter().all(|v| v.is_finite()));
                    }
                }
            }
            Err(e) => {
                let name = format!("{e:?}");
                let kind = name.split(['(', ' ', '{']).next().unwrap().to_string();
                *errors.entry(kind).or_insert(0usize) += 1;
            }
        }
        // The caps: 16 nodes at most here (the header's count is checked against the
        // sides and the file length before the table is read), 8192 samples × 2
        // channels × f32 per node, plus FFT plans for the gauss decoder.
        let largest = LARGEST.load(Ordering::Relaxed);
        assert!(
            largest <= 4 << 20,
            "round {round}: allocated {largest} bytes"
        );
    }
    println!("100000 mutated files: {ok} read, errors {errors:?}");
    assert!(errors.len() >= 6, "{errors:?}");
}
