//! The rolling capture held to numbers: seven minutes pushed in host-sized chunks keep
//! exactly the last five (to a block), the export is byte-identical to coding that stretch
//! whole, flushes mid-stream keep the audio seamless, the memory stays within the stated
//! bound, and the audio thread's push never allocates.

mod alloc_count;
mod synthlike;

use alloc_count::allocations_in;
use synthlike::{sqnr_db, SynthLike};
use wavecube_dsp::codec::tqa::{decode, encode, Capture, CaptureInput, TqaConfig};

const SR: u32 = 48_000;
const CHANNELS: usize = 2;
/// Host block sizes, cycled: regular, tiny, odd and larger than a codec block.
const HOST_BLOCKS: [usize; 7] = [512, 1, 37, 480, 4096, 128, 1023];
/// The background side pumps after this many frames (50 ms at 48 kHz).
const PUMP_EVERY: usize = 2_400;

/// Pushes `frames` frames of the signal from `start` in host-sized chunks, pumping every
/// [`PUMP_EVERY`] frames, with each push under `assert_no_alloc`. Returns the next frame.
fn push_signal(
    signal: &SynthLike,
    input: &mut CaptureInput,
    capture: &mut Capture,
    start: u64,
    frames: u64,
    chunk_index: &mut usize,
) -> u64 {
    let mut left = vec![0.0_f32; 4096];
    let mut right = vec![0.0_f32; 4096];
    let mut at = start;
    let mut since_pump = 0;
    while at < start + frames {
        let n = HOST_BLOCKS[*chunk_index % HOST_BLOCKS.len()].min((start + frames - at) as usize);
        *chunk_index += 1;
        signal.fill(at, &mut [&mut left[..n], &mut right[..n]]);
        let (written, allocations) = allocations_in(|| input.push(&[&left[..n], &right[..n]]));
        assert_eq!(allocations, 0, "CaptureInput::push allocated");
        assert_eq!(written, n, "the ring dropped frames");
        at += n as u64;
        since_pump += n;
        if since_pump >= PUMP_EVERY {
            capture.pump();
            since_pump = 0;
        }
    }
    at
}

#[test]
fn seven_minutes_keep_exactly_the_last_five() {
    let config = TqaConfig::default();
    let block = config.block_size as u64;
    let seconds = 300.0;
    let keep = (seconds * f64::from(SR)) as u64;
    let (mut input, mut capture) = Capture::new(SR, CHANNELS, seconds, &config).unwrap();
    let signal = SynthLike::new(f64::from(SR));
    let mut chunk = 0;
    let mut peak_memory = capture.memory_bytes();
    let mut pushed = 0;
    for _minute in 0..7 {
        pushed = push_signal(
            &signal,
            &mut input,
            &mut capture,
            pushed,
            60 * u64::from(SR),
            &mut chunk,
        );
        peak_memory = peak_memory.max(capture.memory_bytes());
    }
    capture.flush();
    peak_memory = peak_memory.max(capture.memory_bytes());
    let retained = capture.retained_frames();
    assert_eq!(
        capture.total_frames(),
        pushed,
        "every pushed frame was coded"
    );
    assert_eq!(input.dropped_frames(), 0);
    println!(
        "pushed {pushed} frames ({:.1} s), retained {retained} ({:.3} s), keep {keep}",
        pushed as f64 / f64::from(SR),
        capture.duration_s()
    );
    assert!(
        (keep..keep + block).contains(&retained),
        "retained {retained} frames, expected {keep}..{}",
        keep + block
    );

    // The retained audio is the last `retained` frames pushed, on the capture's block grid,
    // so its stream is byte for byte the whole-stream coding of that stretch.
    let from = pushed - retained;
    let reference: Vec<Vec<f32>> = (0..CHANNELS)
        .map(|c| signal.channel(c, from, retained as usize))
        .collect();
    let refs: Vec<&[f32]> = reference.iter().map(Vec::as_slice).collect();
    let stream = capture.to_stream();
    let whole = encode(&refs, SR, &config).unwrap();
    assert!(
        stream == whole,
        "the capture's stream differs from coding the same audio"
    );
    let decoded = capture.decode().unwrap();
    assert_eq!(decoded, decode(&stream).unwrap().channels);
    for c in 0..CHANNELS {
        assert_eq!(decoded[c].len() as u64, retained);
        let s = sqnr_db(&reference[c], &decoded[c]);
        println!("channel {c}: SQNR {s:.2} dB");
        assert!(s > 28.0, "channel {c}: SQNR {s:.2} dB");
    }

    // Memory: the documented figures for 5 min of 48 kHz stereo at 6 bits are 21.9 MB of
    // records and 23.2 MB in all (store capacity, ring, buffers): under 23.5 MB.
    let stored = capture.stored_bytes();
    let f32_bytes = retained as usize * CHANNELS * 4;
    println!(
        "stored {:.2} MB of records ({:.3} bits/sample), memory {:.2} MB (peak {:.2} MB), \
         f32 would be {:.1} MB",
        stored as f64 / 1e6,
        stored as f64 * 8.0 / (retained as f64 * CHANNELS as f64),
        capture.memory_bytes() as f64 / 1e6,
        peak_memory as f64 / 1e6,
        f32_bytes as f64 / 1e6
    );
    assert!(capture.memory_bytes() >= stored);
    assert!(peak_memory < 23_500_000, "peak memory {peak_memory} bytes");
    assert!((stored as f64) < 0.2 * f32_bytes as f64);
}

#[test]
fn flushes_mid_stream_keep_the_audio_seamless() {
    let config = TqaConfig::default();
    let (mut input, mut capture) = Capture::new(SR, CHANNELS, 4.0, &config).unwrap();
    let signal = SynthLike::new(f64::from(SR));
    let mut chunk = 3;
    let mut pushed = 0;
    // Pushes of awkward lengths, each followed by an export-style flush; the capture keeps
    // running across 4 s of retention, so the flushed partial blocks end up inside
    // stored blocks and some are evicted.
    for (k, frames) in [700_u64, 1, 511, 513, 48_000, 3, 100_000, 1024, 60_000, 77]
        .into_iter()
        .enumerate()
    {
        pushed = push_signal(
            &signal,
            &mut input,
            &mut capture,
            pushed,
            frames,
            &mut chunk,
        );
        capture.flush();
        assert_eq!(capture.total_frames(), pushed);
        let retained = capture.retained_frames();
        let keep = 4 * u64::from(SR);
        if pushed <= keep {
            assert_eq!(retained, pushed, "flush {k}: everything pushed is retained");
        } else {
            assert!(
                (keep..keep + 512).contains(&retained),
                "flush {k}: {retained}"
            );
        }
        let decoded = capture.decode().unwrap();
        let from = pushed - retained;
        let mut worst = f64::INFINITY;
        for (c, channel) in decoded.iter().enumerate() {
            assert_eq!(channel.len() as u64, retained);
            let reference = signal.channel(c, from, retained as usize);
            worst = worst.min(sqnr_db(&reference, channel));
        }
        // The stream reader agrees with the snapshot's own decoder.
        assert_eq!(decode(&capture.to_stream()).unwrap().channels, decoded);
        println!(
            "flush {k}: pushed {pushed}, retained {retained} ({:.3} s), worst SQNR {worst:.2} dB",
            capture.duration_s()
        );
        assert!(worst > 28.0, "flush {k}: SQNR {worst:.2} dB");
    }
    assert!(capture.duration_s() >= 4.0);
}

#[test]
fn silence_costs_a_byte_per_channel_and_block() {
    let config = TqaConfig::default();
    let (mut input, mut capture) = Capture::new(SR, CHANNELS, 10.0, &config).unwrap();
    let zeros = vec![0.0_f32; 512];
    for k in 0..100 {
        assert_eq!(allocations_in(|| input.push(&[&zeros, &zeros])).1, 0);
        if k % 10 == 9 {
            capture.pump();
        }
    }
    assert_eq!(capture.retained_frames(), 100 * 512);
    assert_eq!(capture.stored_bytes(), 100 * CHANNELS);
    assert!(capture
        .decode()
        .unwrap()
        .iter()
        .flatten()
        .all(|&x| x == 0.0));
}

#[test]
fn a_stalled_background_side_drops_and_counts() {
    let config = TqaConfig::default();
    let (mut input, capture) = Capture::new(SR, 1, 10.0, &config).unwrap();
    let chunk = vec![0.25_f32; 4800];
    let mut written = 0;
    for _ in 0..40 {
        let (n, allocations) = allocations_in(|| input.push(&[&chunk]));
        assert_eq!(allocations, 0);
        written += n;
    }
    // The ring holds two seconds (rounded up to whole blocks); the rest is dropped.
    let ring = 96_256;
    assert_eq!(written, ring);
    assert_eq!(input.dropped_frames(), 40 * 4800 - ring as u64);
    drop(capture);
}

#[test]
fn bad_settings_are_refused() {
    let config = TqaConfig::default();
    assert!(Capture::new(0, 2, 1.0, &config).is_err());
    assert!(Capture::new(SR, 0, 1.0, &config).is_err());
    assert!(Capture::new(SR, 2, 0.0, &config).is_err());
    assert!(Capture::new(SR, 2, f64::NAN, &config).is_err());
    // Beyond the stream cap of 2^30 samples.
    assert!(Capture::new(SR, 64, 3600.0, &config).is_err());
    let bad = TqaConfig {
        block_size: 100,
        ..config
    };
    assert!(Capture::new(SR, 2, 1.0, &bad).is_err());
}

#[test]
fn the_allocation_counter_sees_an_allocation() {
    // Without this, the zeros above could come from a counter that counts nothing.
    let before = alloc_count::calls();
    let v = std::hint::black_box(Vec::<u8>::with_capacity(64));
    drop(v);
    assert_eq!(
        alloc_count::calls() - before,
        2,
        "one alloc and one dealloc"
    );
}
