//! The streaming TQA coder: packets carry exactly the file's block records, the
//! decoder gives back what `decode` gives, and neither allocates after construction.

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use wavecube_dsp::codec::tqa::{
    decode, encode, TqaConfig, TqaDecoder, TqaEncoder, TqaMode, HEADER_LEN,
};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

fn stereo(n: usize) -> (Vec<f32>, Vec<f32>) {
    let left = (0..n)
        .map(|i| 0.3 * (i as f32 * 0.031).sin() + 0.1 * (i as f32 * 0.0071).sin())
        .collect();
    let right = (0..n)
        .map(|i| 0.25 * (2.0 * (i as f32 * 0.00411).fract() - 1.0))
        .collect();
    (left, right)
}

#[test]
fn the_counter_sees_an_allocation() {
    reset_violation_count();
    let v = assert_no_alloc(|| Vec::<u8>::with_capacity(64));
    drop(v);
    assert_eq!(violation_count(), 1, "the allocation checker is not active");
    reset_violation_count();
}

/// Interleaves two channels.
fn interleave(left: &[f32], right: &[f32]) -> Vec<f32> {
    left.iter().zip(right).flat_map(|(&l, &r)| [l, r]).collect()
}

#[test]
fn packets_carry_the_file_records() {
    for mode in TqaMode::ALL {
        let config = TqaConfig {
            mode,
            block_size: 256,
            ..TqaConfig::default()
        };
        let frames = 256 * 9 + 100;
        let (left, right) = stereo(frames);
        let file = encode(&[&left, &right], 48_000, &config).unwrap();
        let payload = &file[HEADER_LEN..file.len() - 4];
        let (mut writer, mut encoder) = TqaEncoder::new(&config, 2, frames).unwrap();
        assert_eq!(writer.push_interleaved(&interleave(&left, &right)), frames);
        let mut records = Vec::new();
        let mut valid = Vec::new();
        while let Some(packet) = encoder.flush() {
            valid.push(u16::from_le_bytes([packet[0], packet[1]]));
            records.extend_from_slice(&packet[2..]);
        }
        assert_eq!(records, payload, "{}", mode.name());
        assert_eq!(valid.iter().map(|&v| usize::from(v)).sum::<usize>(), frames);
        assert_eq!(*valid.last().unwrap(), 100);
    }
}

#[test]
fn streaming_decodes_like_the_file_and_never_allocates() {
    for mode in TqaMode::ALL {
        let config = TqaConfig {
            mode,
            block_size: 256,
            ..TqaConfig::default()
        };
        let frames = 256 * 9 + 100;
        let (left, right) = stereo(frames);
        let whole = decode(&encode(&[&left, &right], 48_000, &config).unwrap()).unwrap();
        let input = interleave(&left, &right);
        let (mut writer, mut encoder) = TqaEncoder::new(&config, 2, 1024).unwrap();
        let (mut decoder, mut reader) = TqaDecoder::new(&config, 2, 2048).unwrap();
        let mut out = vec![0.0_f32; 2 * frames];
        let mut chunk = vec![0.0_f32; 2 * 300];
        let (mut pushed, mut got) = (0, 0);
        reset_violation_count();
        while pushed < frames {
            // Host-sized pieces of 37 frames, coded as blocks complete.
            let n = (frames - pushed).min(37);
            let last = pushed + n == frames;
            assert_no_alloc(|| {
                assert_eq!(
                    writer.push_interleaved(&input[2 * pushed..2 * (pushed + n)]),
                    n
                );
                loop {
                    let packet = if last {
                        encoder.flush()
                    } else {
                        encoder.next_packet()
                    };
                    let Some(packet) = packet else { break };
                    decoder.push_packet(packet).unwrap();
                }
                let k = reader.pop_interleaved(&mut chunk);
                out[2 * got..2 * (got + k)].copy_from_slice(&chunk[..2 * k]);
                got += k;
            });
            pushed += n;
        }
        assert_eq!(violation_count(), 0, "{}: streaming allocated", mode.name());
        assert_eq!(got, frames);
        for i in 0..frames {
            assert_eq!(out[2 * i], whole.channels[0][i], "{} left {i}", mode.name());
            assert_eq!(
                out[2 * i + 1],
                whole.channels[1][i],
                "{} right {i}",
                mode.name()
            );
        }
    }
}

#[test]
fn a_full_ring_drops_and_counts_and_bad_packets_are_errors() {
    let config = TqaConfig::default();
    let (mut writer, _encoder) = TqaEncoder::new(&config, 1, 512).unwrap();
    assert_eq!(writer.push_interleaved(&[0.1; 600]), 512);
    assert_eq!(writer.dropped_frames(), 88);
    let (mut decoder, _reader) = TqaDecoder::new(&config, 1, 512).unwrap();
    assert!(decoder.push_packet(&[]).is_err());
    assert!(decoder.push_packet(&[0, 0]).is_err());
    assert!(decoder.push_packet(&[1, 0, 7]).is_err());
    assert!(
        decoder.push_packet(&[1, 0, 0, 0]).is_err(),
        "bytes after the record"
    );
    assert_eq!(
        decoder.push_packet(&[1, 0, 0]).unwrap(),
        1,
        "one silent frame"
    );
    assert!(TqaEncoder::new(&config, 0, 512).is_err());
    assert!(TqaEncoder::new(&config, 1, 100).is_err());
}
