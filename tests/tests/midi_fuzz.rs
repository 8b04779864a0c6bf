//! Hostile MIDI files: 100,000 random mutations of Standard MIDI Files as sequencers write
//! them (running status continued over meta and SysEx events, tempo changes, pedals, two
//! tracks, SMPTE time). Each parses into a song or gives a typed error; nothing panics, every
//! event time is finite and non-negative, and no single allocation exceeds what the input's
//! length allows, so a track length or delta taken on trust cannot blow up memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;

use wavecube_dsp::codec::tqa::rotation::SplitMix64;
use wavecube_harness::midi::parse_midi;

/// The system allocator, remembering this thread's largest single request.
struct Largest;

thread_local! {
    /// Largest allocation (or reallocation) this thread asked for since the last reset.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: the allocator may run while the thread is being torn down.
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

// SAFETY: forwards to `System` unchanged; the bookkeeping touches only a const-initialised
// thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// Mutations in the run.
const ROUNDS: u32 = 100_000;

/// The most a single allocation may take for an input of `len` bytes: an event is at
/// least one byte of the file and becomes one event of at most 64 bytes in the song (and
/// its vectors double as they grow), plus 64 KiB of fixed overhead. A track length taken
/// on trust (up to 4 GiB) would break it by orders of magnitude.
fn bound(len: usize) -> usize {
    256 * len + (1 << 16)
}

/// A variable-length quantity, as SMF deltas are written.
fn vlq(mut v: u32) -> Vec<u8> {
    let mut out = vec![(v & 0x7F) as u8];
    v >>= 7;
    while v > 0 {
        out.insert(0, 0x80 | (v & 0x7F) as u8);
        v >>= 7;
    }
    out
}

/// A Standard MIDI File of `tracks` with division `division` (format 0 for one track).
fn smf(tracks: &[Vec<u8>], division: u16) -> Vec<u8> {
    let format: u16 = if tracks.len() == 1 { 0 } else { 1 };
    let mut out = b"MThd".to_vec();
    out.extend_from_slice(&6_u32.to_be_bytes());
    out.extend_from_slice(&format.to_be_bytes());
    out.extend_from_slice(&(tracks.len() as u16).to_be_bytes());
    out.extend_from_slice(&division.to_be_bytes());
    for t in tracks {
        out.extend_from_slice(b"MTrk");
        out.extend_from_slice(&(t.len() as u32).to_be_bytes());
        out.extend_from_slice(t);
    }
    out
}

/// A track of `(delta ticks, bytes)` events, ended.
fn track(events: &[(u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (delta, bytes) in events {
        out.extend(vlq(*delta));
        out.extend_from_slice(bytes);
    }
    out.extend_from_slice(&[0x00, 0xFF, 0x2F, 0x00]);
    out
}

/// Files as sequencers write them.
fn seeds() -> Vec<Vec<u8>> {
    // Format 0: a tempo map, running status continued across a meta and a SysEx event,
    // sustain pedal, pitch bend, pressure, a program change.
    let song = track(&[
        (0, &[0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20]),
        (0, &[0xC0, 0x05]),
        (0, &[0x90, 60, 100]),
        (0, &[64, 90]),
        (240, &[0xFF, 0x01, 0x03, b'a', b'b', b'c']),
        (0, &[67, 80]),
        (0, &[0xF0, 0x03, 0x7E, 0x7F, 0xF7]),
        (240, &[72, 70]),
        (0, &[0xB0, 64, 127]),
        (480, &[0x90, 60, 0]),
        (0, &[64, 0]),
        (0, &[0xE0, 0x00, 0x60]),
        (120, &[0xD0, 0x50]),
        (0, &[0xFF, 0x51, 0x03, 0x03, 0xD0, 0x90]),
        (480, &[0xB0, 64, 0]),
        (0, &[0x80, 67, 0]),
        (0, &[72, 0]),
    ]);
    // Format 1: a conductor track and two channels with their own bends and sostenuto.
    let conductor = track(&[
        (0, &[0xFF, 0x58, 0x04, 0x04, 0x02, 0x18, 0x08]),
        (0, &[0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20]),
        (960, &[0xFF, 0x51, 0x03, 0x05, 0x16, 0x15]),
    ]);
    let a = track(&[
        (0, &[0x91, 55, 90]),
        (10, &[0xB1, 66, 127]),
        (100, &[0xE1, 0x7F, 0x7F]),
        (400, &[0x81, 55, 0]),
        (400, &[0xB1, 121, 0]),
    ]);
    let b = track(&[
        (0, &[0x92, 62, 90]),
        (50, &[0xA2, 62, 40]),
        (300, &[0xE2, 0x00, 0x00]),
        (500, &[0xB2, 123, 0]),
    ]);
    // SMPTE timing: 25 fps, 40 ticks per frame.
    let smpte = track(&[(0, &[0x90, 69, 100]), (1000, &[0x80, 69, 0])]);
    vec![
        smf(&[song], 480),
        smf(&[conductor, a, b], 480),
        smf(&[smpte], u16::from_be_bytes([(-25_i8) as u8, 40])),
    ]
}

fn pick(rng: &mut SplitMix64, n: usize) -> usize {
    (rng.next_u64() % n.max(1) as u64) as usize
}

/// One random mutation: truncation, bit flips, a random byte, a status or data byte where
/// running status matters, an extreme 32-bit length, an insertion, a duplication or a
/// deletion.
fn mutate(bytes: &mut Vec<u8>, rng: &mut SplitMix64) {
    if bytes.is_empty() {
        bytes.push(rng.next_u64() as u8);
        return;
    }
    let len = bytes.len();
    match rng.next_u64() % 8 {
        0 => bytes.truncate(pick(rng, len)),
        1 => {
            for _ in 0..1 + rng.next_u64() % 4 {
                let i = pick(rng, len);
                bytes[i] ^= 1 << (rng.next_u64() % 8);
            }
        }
        2 => {
            let i = pick(rng, len);
            bytes[i] = rng.next_u64() as u8;
        }
        3 => {
            let i = pick(rng, len);
            let special = [0x00, 0x7F, 0x80, 0x90, 0xB0, 0xF0, 0xF7, 0xFF, 0x2F, 0x51];
            bytes[i] = special[pick(rng, special.len())];
        }
        4 if len >= 4 => {
            let i = pick(rng, len - 3);
            let v: u32 = [0, 1, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 20][pick(rng, 6)];
            bytes[i..i + 4].copy_from_slice(&v.to_be_bytes());
        }
        5 => {
            let i = pick(rng, len);
            let j = (i + 1 + pick(rng, 32)).min(len);
            let chunk = bytes[i..j].to_vec();
            bytes.splice(i..i, chunk);
        }
        6 => {
            let i = pick(rng, len);
            bytes.insert(i, rng.next_u64() as u8);
        }
        _ => {
            let i = pick(rng, len);
            bytes.remove(i);
        }
    }
}

#[test]
fn mutated_midi_files_never_panic_and_stay_bounded() {
    let seeds = seeds();
    for seed in &seeds {
        let file = parse_midi(seed).expect("every seed parses");
        assert!(file.song.note_count() > 0);
    }
    // The case the fuzzing found: an SMPTE division of -128 fps, which midly alone panics on.
    let mut bad = seeds[2].clone();
    bad[12] = 0x80;
    let Err(err) = parse_midi(&bad) else {
        panic!("-128 fps is refused");
    };
    assert!(format!("{err}").contains("0x80"), "{err}");
    let mut rng = SplitMix64::new(0x5EED_0A1D);
    let mut outcomes: BTreeMap<String, u32> = BTreeMap::new();
    let mut worst_ratio = 0.0f64;
    for round in 0..ROUNDS {
        let mut bytes = seeds[round as usize % seeds.len()].clone();
        for _ in 0..1 + rng.next_u64() % 3 {
            mutate(&mut bytes, &mut rng);
        }
        LARGEST.with(|l| l.set(0));
        let result = parse_midi(&bytes);
        let largest = LARGEST.with(Cell::get);
        assert!(
            largest <= bound(bytes.len()),
            "round {round}: a {largest}-byte allocation for a {}-byte file",
            bytes.len()
        );
        worst_ratio = worst_ratio.max(largest as f64 / bytes.len().max(1) as f64);
        let key = match result {
            Ok(file) => {
                for e in file.song.events() {
                    assert!(
                        e.time_s.is_finite() && e.time_s >= 0.0,
                        "round {round}: event at {} s",
                        e.time_s
                    );
                }
                "parsed".to_owned()
            }
            Err(e) => {
                let text = format!("{e:?}");
                text.split(['(', ' ', '{']).next().unwrap_or("").to_owned()
            }
        };
        *outcomes.entry(key).or_default() += 1;
    }
    println!(
        "{ROUNDS} mutated MIDI files: {outcomes:?}; largest allocation {worst_ratio:.1} bytes \
         per input byte"
    );
    // The run must exercise both sides: files that still parse, and typed errors.
    assert!(
        outcomes.get("parsed").copied().unwrap_or(0) > ROUNDS / 10,
        "{outcomes:?}"
    );
    assert!(outcomes.len() > 2, "{outcomes:?}");
}
