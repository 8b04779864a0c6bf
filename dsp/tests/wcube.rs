//! The `.wcube` format: every codec round-trips within its stated bound, metadata
//! survives, the writer meets its quality target, and broken files are typed errors
//! that name the node and the byte offset.

use wavecube_dsp::bank::factory::{factory_bank, FACTORY_BANKS};
use wavecube_dsp::bank::{
    inspect_wcube, read_wcube, snr_db, write_wcube, BankError, CodecChoice, NodeCodec, WriteOptions,
};
use wavecube_dsp::cube::{factory_cube, Cube, Node};

/// A small cube with mixed lengths, a stereo node, a missing node and metadata.
fn mixed_cube() -> Cube {
    let mut cube = Cube::new(2, 2, 2).unwrap();
    let saw = |len: usize| {
        Node::from_fn(len, |p| {
            (1..len / 4)
                .map(|k| (2.0 * std::f64::consts::PI * k as f64 * p).sin() / k as f64)
                .sum::<f64>()
                * 0.5
        })
        .unwrap()
    };
    cube.set(0, 0, 0, saw(2048)).unwrap();
    cube.set(1, 0, 0, saw(256)).unwrap();
    cube.set(
        0,
        1,
        0,
        Node::from_fn(64, |p| (2.0 * std::f64::consts::PI * p).sin()).unwrap(),
    )
    .unwrap();
    let left: Vec<f32> = (0..1024)
        .map(|i| ((i as f32) * 0.0123).sin() * 0.7)
        .collect();
    let right: Vec<f32> = (0..1024)
        .map(|i| ((i as f32) * 0.0371).cos() * 0.3)
        .collect();
    cube.set(1, 1, 1, Node::stereo(left, right).unwrap())
        .unwrap();
    cube.set_axis_names(["shape", "bright", "vowel"]);
    let meta = cube.meta_mut();
    meta.name = "Mixed".into();
    meta.author = "tests".into();
    meta.description = "mixed lengths, one stereo node, holes".into();
    meta.tags = vec!["test".into(), "mixed".into()];
    meta.licence = "CC0-1.0".into();
    meta.sample_rate_hint_hz = Some(44_100);
    cube
}

fn worst_snr(a: &Cube, b: &Cube) -> f64 {
    a.iter()
        .map(|(p, node)| {
            let other = b.get(p[0], p[1], p[2]).expect("node kept");
            assert_eq!(other.len(), node.len());
            assert_eq!(other.channels(), node.channels());
            let decoded: Vec<Vec<f32>> = (0..other.channels())
                .map(|c| other.channel(c).to_vec())
                .collect();
            snr_db(node, &decoded)
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn every_codec_round_trips_within_its_bound() {
    let cube = mixed_cube();
    // (codec, quality target, worst SNR it must reach)
    let cases = [
        (NodeCodec::F32, 0.0, f64::INFINITY),
        (NodeCodec::Zstd, 0.0, f64::INFINITY),
        (NodeCodec::I16, 0.0, 85.0),
        (NodeCodec::Tqa { bits: 8 }, 30.0, 30.0),
        (NodeCodec::Gauss, 20.0, 20.0),
    ];
    for (codec, quality_db, bound) in cases {
        let options = WriteOptions {
            codec: CodecChoice::Fixed(codec),
            quality_db,
        };
        let bytes = write_wcube(&cube, &options).unwrap();
        let back = read_wcube(&bytes).unwrap();
        assert_eq!(back.dims(), cube.dims());
        assert_eq!(back.node_count(), cube.node_count());
        assert_eq!(back.axis_names(), cube.axis_names());
        assert_eq!(back.meta(), cube.meta());
        let snr = worst_snr(&cube, &back);
        let info = inspect_wcube(&bytes).unwrap();
        println!(
            "{:6} quality {quality_db:4} dB: {} bytes (f32 {}), worst SNR {snr:.1} dB",
            codec.name(),
            info.file_bytes,
            info.decoded_bytes
        );
        assert!(snr >= bound, "{}: {snr} < {bound}", codec.name());
        for node in &info.nodes {
            let recorded = node.snr_db.expect("the writer records SNR");
            assert!(
                recorded >= bound.min(1e30) || recorded.is_infinite(),
                "{recorded}"
            );
        }
    }
}

#[test]
fn auto_meets_the_target_with_the_smallest_payload() {
    let cube = factory_cube();
    let raw = inspect_wcube(
        &write_wcube(
            &cube,
            &WriteOptions {
                codec: CodecChoice::Fixed(NodeCodec::F32),
                quality_db: 0.0,
            },
        )
        .unwrap(),
    )
    .unwrap()
    .file_bytes;
    for quality_db in [30.0, 45.0, 60.0, 90.0, 200.0] {
        let options = WriteOptions {
            codec: CodecChoice::Auto,
            quality_db,
        };
        let bytes = write_wcube(&cube, &options).unwrap();
        let back = read_wcube(&bytes).unwrap();
        let snr = worst_snr(&cube, &back);
        let info = inspect_wcube(&bytes).unwrap();
        let mut codecs: Vec<String> = info.nodes.iter().map(|n| n.codec.name()).collect();
        codecs.sort();
        codecs.dedup();
        println!(
            "auto {quality_db:5} dB: {:7} bytes, ratio {:5.2} vs f32, worst {snr:6.1} dB, codecs {codecs:?}",
            bytes.len(),
            raw as f64 / bytes.len() as f64
        );
        assert!(snr >= quality_db, "{quality_db}: {snr}");
    }
}

#[test]
fn gauss_on_the_factory_banks() {
    // The spectral-Gaussian model's ratio and error on every factory bank, at 30 dB.
    for (stem, _) in FACTORY_BANKS {
        let cube = factory_bank(stem).unwrap();
        let options = WriteOptions {
            codec: CodecChoice::Fixed(NodeCodec::Gauss),
            quality_db: 30.0,
        };
        let bytes = write_wcube(&cube, &options).unwrap();
        let back = read_wcube(&bytes).unwrap();
        let info = inspect_wcube(&bytes).unwrap();
        let mut snrs: Vec<f64> = info.nodes.iter().map(|n| n.snr_db.unwrap()).collect();
        snrs.sort_by(f64::total_cmp);
        println!(
            "gauss 30 dB, {stem:18}: ratio {:5.1} vs f32, node SNR median {:.1} dB, worst {:.1} dB",
            info.decoded_bytes as f64 / info.file_bytes as f64,
            snrs[snrs.len() / 2],
            worst_snr(&cube, &back)
        );
        assert!(info.file_bytes < info.decoded_bytes);
        assert!(
            (worst_snr(&cube, &back) - snrs[0]).abs() < 1e-3,
            "the table tells the truth"
        );
    }
}

fn err(bytes: &[u8]) -> BankError {
    read_wcube(bytes).expect_err("must fail")
}

/// Recomputes the header CRC after an edit of the header or table.
fn fix_header_crc(bytes: &mut [u8]) {
    let meta_len = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let count = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let end = 32 + meta_len + 36 * count;
    let crc = crc32(&bytes[..end]);
    bytes[end..end + 4].copy_from_slice(&crc.to_le_bytes());
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

#[test]
fn broken_files_are_typed_errors_naming_node_and_offset() {
    let cube = mixed_cube();
    let good = write_wcube(&cube, &WriteOptions::default()).unwrap();
    let info = inspect_wcube(&good).unwrap();
    let meta_len = u32::from_le_bytes(good[16..20].try_into().unwrap()) as usize;
    let table = 32 + meta_len;

    assert!(matches!(err(b"RIFF....WAVE"), BankError::BadMagic));
    let mut v = good.clone();
    v[4] = 9;
    assert!(matches!(err(&v), BankError::UnsupportedVersion(9)));
    for cut in [0, 7, 31, table + 10, good.len() - 1] {
        let e = err(&good[..cut]);
        assert!(
            matches!(
                e,
                BankError::Truncated { .. } | BankError::Format { .. } | BankError::BadMagic
            ),
            "cut {cut}: {e}"
        );
    }
    // A flipped payload byte: that node's CRC, named with its offset.
    let mut v = good.clone();
    let last = info.nodes.last().unwrap();
    v[last.offset as usize + 3] ^= 0x40;
    let e = err(&v);
    let text = e.to_string();
    assert!(matches!(e, BankError::Crc { .. }), "{text}");
    assert!(
        text.contains("node (1, 1, 1)") && text.contains(&last.offset.to_string()),
        "{text}"
    );
    // A flipped table byte without fixing the CRC.
    let mut v = good.clone();
    v[table + 4] ^= 1;
    assert!(matches!(err(&v), BankError::Crc { .. }));
    // Out of range position, with the CRC made right.
    let mut v = good.clone();
    v[table] = 7;
    fix_header_crc(&mut v);
    let text = err(&v).to_string();
    assert!(
        text.contains("outside") && text.contains(&table.to_string()),
        "{text}"
    );
    // Overlapping payloads: point node 1 at node 0's payload (CRC then fails first, so
    // copy the CRC and size too).
    let mut v = good.clone();
    let (e0, e1) = (table, table + 36);
    v.copy_within(e0 + 3..e0 + 28, e1 + 3);
    fix_header_crc(&mut v);
    let text = err(&v).to_string();
    assert!(text.contains("overlaps"), "{text}");
    // A payload beyond the file.
    let mut v = good.clone();
    v[table + 12..table + 20].copy_from_slice(&(u64::MAX - 3).to_le_bytes());
    fix_header_crc(&mut v);
    let text = err(&v).to_string();
    assert!(text.contains("outside the payload area"), "{text}");
    // Absurd sides and frame lengths.
    let mut v = good.clone();
    v[8] = 17;
    fix_header_crc(&mut v);
    assert!(err(&v).to_string().contains("side 17"));
    let mut v = good.clone();
    v[table + 4..table + 8].copy_from_slice(&16384u32.to_le_bytes());
    fix_header_crc(&mut v);
    assert!(err(&v).to_string().contains("16384"));
}
