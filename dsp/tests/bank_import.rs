//! The importers on files the tests build: frame counts and lengths, sample values after
//! resampling and DC removal, stereo, fallback notes, typed errors on broken input, the
//! arrangement on the cube and the exporters' round trip.

mod bank_files;

use bank_files::{base64_frame, chunk, clm, max_err, sine, surge_wt, vitaltable, wav, Fmt};
use wavecube_dsp::bank::export::{export_clm_wav, export_node_wavs, node_file_name, CLM_FRAME_LEN};
use wavecube_dsp::bank::import::{
    arrange, arrange_imported, import_bytes, import_folder, import_image, import_surge_wt,
    import_vital, import_wav, import_waveedit, stack_z, ImageMode, ImportError, ImportOptions,
    Layout, Shape, SourceFormat,
};
use wavecube_dsp::cube::{Cube, Node};

/// Frame `k` of a test table: harmonic `k + 1`, amplitude 0.5, plus DC 0.25 to be removed.
fn table_frame(len: usize, k: usize) -> Vec<f32> {
    sine(len, k + 1, 0.5, 0.3, 0.25)
}

/// `table_frame` with its DC removed, at `len` samples.
fn expected(len: usize, k: usize) -> Vec<f32> {
    sine(len, k + 1, 0.5, 0.3, 0.0)
}

fn concat(frames: &[Vec<f32>]) -> Vec<f32> {
    frames.concat()
}

#[test]
fn clm_wav_in_every_sample_format_keeps_each_frame() {
    for (fmt, extensible) in [
        (Fmt::U8, false),
        (Fmt::I16, false),
        (Fmt::I24, false),
        (Fmt::I32, false),
        (Fmt::F32, false),
        (Fmt::I24, true),
        (Fmt::F32, true),
    ] {
        let frames: Vec<Vec<f32>> = (0..4).map(|k| table_frame(256, k)).collect();
        let bytes = wav(fmt, &[concat(&frames)], &[clm(256)], extensible);
        let imported = import_wav(&bytes, None).unwrap();
        assert_eq!(imported.format, SourceFormat::ClmWav);
        assert_eq!(imported.frames.len(), 4, "{fmt:?}");
        assert!(imported.notes.is_empty(), "{fmt:?}: {:?}", imported.notes);
        for (k, node) in imported.frames.iter().enumerate() {
            assert_eq!(node.len(), 256);
            assert!(!node.is_stereo());
            // Quantisation of the source plus rounding of the DC removal.
            let bound = fmt.step() + 1e-5;
            let err = max_err(node.channel(0), &expected(256, k));
            assert!(err <= bound, "{fmt:?} frame {k}: error {err} > {bound}");
        }
    }
}

#[test]
fn clm_wav_stereo_stays_stereo_and_odd_sizes_resample() {
    // 600-sample frames (not a power of two) become 1024-sample nodes.
    let left: Vec<Vec<f32>> = (0..3).map(|k| table_frame(600, k)).collect();
    let right: Vec<Vec<f32>> = (0..3)
        .map(|k| sine(600, 2 * k + 1, 0.4, 0.0, -0.1))
        .collect();
    let bytes = wav(
        Fmt::F32,
        &[concat(&left), concat(&right)],
        &[clm(600)],
        false,
    );
    let imported = import_wav(&bytes, None).unwrap();
    assert_eq!(imported.frames.len(), 3);
    for (k, node) in imported.frames.iter().enumerate() {
        assert!(node.is_stereo());
        assert_eq!(node.len(), 1024);
        assert!(max_err(node.channel(0), &expected(1024, k)) < 1e-5);
        assert!(max_err(node.channel(1), &sine(1024, 2 * k + 1, 0.4, 0.0, 0.0)) < 1e-5);
    }
}

#[test]
fn more_than_two_channels_keep_the_first_two_and_say_so() {
    let chans: Vec<Vec<f32>> = (0..4).map(|c| sine(512, c + 1, 0.5, 0.0, 0.0)).collect();
    let bytes = wav(Fmt::I16, &chans, &[clm(256)], true);
    let imported = import_wav(&bytes, None).unwrap();
    assert_eq!(imported.frames.len(), 2);
    assert!(imported.frames[0].is_stereo());
    assert!(imported.notes.iter().any(|n| n.contains("4 channels")));
}

#[test]
fn plain_wav_falls_back_to_2048_and_says_so() {
    let frames: Vec<Vec<f32>> = (0..3).map(|k| table_frame(2048, k)).collect();
    let mut audio = concat(&frames);
    audio.extend(vec![0.1; 100]);
    let bytes = wav(Fmt::I24, &[audio], &[], false);
    let imported = import_wav(&bytes, None).unwrap();
    assert_eq!(imported.format, SourceFormat::Wav);
    assert_eq!(imported.frames.len(), 3);
    assert_eq!(imported.frames[0].len(), 2048);
    assert!(
        imported.notes.iter().any(|n| n.contains("assuming 2048")),
        "{:?}",
        imported.notes
    );
    assert!(imported.notes.iter().any(|n| n.contains("100 trailing")));
    assert!(max_err(imported.frames[2].channel(0), &expected(2048, 2)) < 1e-5);

    // --frame-size splits it otherwise and overrides a clm chunk, with a note.
    let bytes = wav(Fmt::I16, &[concat(&frames)], &[clm(2048)], false);
    let imported = import_wav(&bytes, Some(512)).unwrap();
    assert_eq!(imported.frames.len(), 12);
    assert_eq!(imported.frames[0].len(), 512);
    assert!(imported.notes.iter().any(|n| n.contains("overrides")));

    // A short file without metadata is one whole frame.
    let bytes = wav(Fmt::I16, &[table_frame(300, 0)], &[], false);
    let imported = import_wav(&bytes, None).unwrap();
    assert_eq!(imported.frames.len(), 1);
    assert_eq!(imported.frames[0].len(), 512);
    assert!(max_err(imported.frames[0].channel(0), &expected(512, 0)) < 1e-4);
    assert!(imported.notes.iter().any(|n| n.contains("one frame")));
}

#[test]
fn waveedit_banks_raw_or_wav_give_64_frames_of_256() {
    let frames: Vec<Vec<f32>> = (0..64).map(|k| table_frame(256, k % 8)).collect();
    let audio = concat(&frames);
    let bytes = wav(Fmt::I16, std::slice::from_ref(&audio), &[], false);
    let imported = import_wav(&bytes, None).unwrap();
    assert_eq!(imported.format, SourceFormat::WaveEdit);
    assert_eq!(imported.frames.len(), 64);
    assert!(imported.notes.iter().any(|n| n.contains("WaveEdit")));
    let raw: Vec<u8> = audio
        .iter()
        .flat_map(|&x| ((x * 32_768.0).round() as i16).to_le_bytes())
        .collect();
    for imported in [
        import_waveedit(&raw).unwrap(),
        import_bytes(&raw, &ImportOptions::default()).unwrap(),
        import_waveedit(&bytes).unwrap(),
    ] {
        assert_eq!(imported.frames.len(), 64);
        for (k, node) in imported.frames.iter().enumerate() {
            assert_eq!(node.len(), 256);
            assert!(max_err(node.channel(0), &expected(256, k % 8)) < 1e-4);
        }
    }
    assert!(matches!(
        import_waveedit(&raw[..1000]),
        Err(ImportError::Malformed { .. })
    ));
}

#[test]
fn surge_wt_reads_float_int16_and_full_range_int16() {
    let frames: Vec<Vec<f32>> = (0..5).map(|k| table_frame(512, k)).collect();
    // (flags, quantisation step of a full-scale sample)
    for (flags, step) in [
        (0u16, 0.0f32),
        (0x04, 1.0 / 16_384.0),
        (0x0C, 1.0 / 32_768.0),
    ] {
        let bytes = surge_wt(&frames, flags);
        let imported = import_surge_wt(&bytes).unwrap();
        assert_eq!(imported.format, SourceFormat::SurgeWt);
        assert_eq!(imported.frames.len(), 5);
        for (k, node) in imported.frames.iter().enumerate() {
            assert_eq!(node.len(), 512);
            let err = max_err(node.channel(0), &expected(512, k));
            assert!(err <= step + 1e-5, "flags {flags:#x} frame {k}: {err}");
        }
        // A byte short: zero-padded as Surge reads it (noted); under half: truncated.
        let short = import_surge_wt(&bytes[..bytes.len() - 1]).unwrap();
        assert!(
            short.notes.iter().any(|n| n.contains("silence")),
            "{:?}",
            short.notes
        );
        assert!(matches!(
            import_surge_wt(&bytes[..12 + (bytes.len() - 12) / 3]),
            Err(ImportError::Truncated { offset: 12, .. })
        ));
    }
    let mut bad = surge_wt(&frames, 0);
    bad[4..8].copy_from_slice(&3u32.to_le_bytes());
    assert!(matches!(
        import_surge_wt(&bad),
        Err(ImportError::Malformed { offset: 4, .. })
    ));
}

#[test]
fn a_folder_is_one_frame_per_file_in_name_order() {
    let files = vec![
        (
            "b.wav".to_owned(),
            wav(
                Fmt::I16,
                &[table_frame(256, 1), sine(256, 3, 0.5, 0.0, 0.0)],
                &[],
                false,
            ),
        ),
        (
            "a.wav".to_owned(),
            wav(Fmt::F32, &[table_frame(600, 0)], &[], false),
        ),
        (
            "c.wav".to_owned(),
            wav(Fmt::U8, &[table_frame(2048, 2)], &[], false),
        ),
    ];
    let imported = import_folder(&files).unwrap();
    assert_eq!(imported.format, SourceFormat::Folder);
    let lens: Vec<usize> = imported.frames.iter().map(Node::len).collect();
    assert_eq!(lens, [1024, 256, 2048]);
    assert!(!imported.frames[0].is_stereo());
    assert!(imported.frames[1].is_stereo());
    for (k, node) in imported.frames.iter().enumerate() {
        let err = max_err(node.channel(0), &expected(node.len(), k));
        assert!(err < 0.01, "file {k}: {err}");
    }
    let mut broken = files.clone();
    broken[2].1.truncate(30);
    let err = import_folder(&broken).unwrap_err();
    assert!(
        matches!(&err, ImportError::InFile { file, .. } if file == "c.wav"),
        "{err}"
    );
    assert_eq!(import_folder(&[]), Err(ImportError::Empty));
}

#[test]
fn vitaltable_keyframes_become_frames_in_position_order() {
    let bytes = vitaltable(
        "Glass",
        &[
            (256, table_frame(2048, 2)),
            (0, table_frame(2048, 0)),
            (128, table_frame(2048, 1)),
        ],
    );
    let imported = import_vital(&bytes).unwrap();
    assert_eq!(imported.format, SourceFormat::Vital);
    assert_eq!(imported.name.as_deref(), Some("Glass"));
    assert_eq!(imported.frames.len(), 3);
    for (k, node) in imported.frames.iter().enumerate() {
        assert_eq!(node.len(), 2048);
        assert!(max_err(node.channel(0), &expected(2048, k)) < 1e-5);
    }
    assert!(imported.notes.iter().any(|n| n.contains("0, 128, 256")));
    let same = import_bytes(&bytes, &ImportOptions::default()).unwrap();
    assert_eq!(same.frames, imported.frames);

    let short = String::from_utf8(vitaltable("x", &[(0, vec![0.0; 100])])).unwrap();
    let err = import_vital(short.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, ImportError::Vital { reason } if reason.contains("keyframe 0")),
        "{err}"
    );
    let bad = short.replace(&base64_frame(&[0.0; 100]), "!!!");
    assert!(matches!(
        import_vital(bad.as_bytes()),
        Err(ImportError::Vital { .. })
    ));
    assert!(matches!(
        import_vital(b"{\"groups\": [}"),
        Err(ImportError::Json { line: 1, .. })
    ));
    assert!(matches!(
        import_vital(b"{\"groups\": []}"),
        Err(ImportError::Vital { .. })
    ));
}

/// A PNG whose row `y` holds the given values (0..1) per pixel in R, G and B.
fn png(width: u32, rows: &[[Vec<f32>; 3]]) -> Vec<u8> {
    let mut img = image::RgbImage::new(width, rows.len() as u32);
    for (y, row) in rows.iter().enumerate() {
        for x in 0..width as usize {
            let px = std::array::from_fn(|c| (row[c][x] * 255.0).round() as u8);
            img.put_pixel(x as u32, y as u32, image::Rgb(px));
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn images_give_a_frame_per_row_in_luma_or_rgb() {
    // Grey rows: 0.5 + 0.5·(0.8 sin) → samples 0.8 sin after 2v − 1.
    let grey = |k: usize| {
        let v: Vec<f32> = sine(300, k + 1, 0.4, 0.0, 0.5);
        [v.clone(), v.clone(), v]
    };
    let bytes = png(300, &[grey(0), grey(1), grey(2), grey(3)]);
    let imported = import_image(&bytes, ImageMode::Luma).unwrap();
    assert_eq!(imported.format, SourceFormat::Image);
    assert_eq!(imported.frames.len(), 4);
    for (k, node) in imported.frames.iter().enumerate() {
        assert_eq!(node.len(), 512);
        // 8-bit pixels: 1/255 of 0..1 is 2/255 of a sample, plus resampling ripple.
        let err = max_err(node.channel(0), &sine(512, k + 1, 0.8, 0.0, 0.0));
        assert!(err < 0.02, "row {k}: {err}");
    }

    // RGB: R, G and B carry different harmonics; three Z slices of two rows each.
    let row = |k: usize| std::array::from_fn(|c| sine(300, k + c + 1, 0.4, 0.0, 0.5));
    let bytes = png(300, &[row(0), row(3)]);
    let imported = import_image(&bytes, ImageMode::Rgb).unwrap();
    assert_eq!(imported.shape, Some(Shape::ZSlices(3)));
    assert_eq!(imported.frames.len(), 6);
    let (cube, _) = arrange_imported(imported, None).unwrap();
    assert_eq!(cube.dims(), [2, 1, 3]);
    for c in 0..3 {
        for (x, k) in [(0, 0), (1, 3)] {
            let node = cube.get(x, 0, c).unwrap();
            let err = max_err(node.channel(0), &sine(512, k + c + 1, 0.8, 0.0, 0.0));
            assert!(err < 0.02, "channel {c} row {x}: {err}");
        }
    }
    assert!(matches!(
        import_image(&bytes[..40], ImageMode::Luma),
        Err(ImportError::Image { .. })
    ));
}

fn nodes(n: usize, len: usize) -> Vec<Node> {
    (0..n)
        .map(|k| Node::mono(sine(len, k % 7 + 1, 0.5, 0.0, 0.0)).unwrap())
        .collect()
}

#[test]
fn frames_fill_x_then_y_then_z() {
    let cube = arrange(nodes(10, 64), Layout::Xy).unwrap();
    assert_eq!(cube.dims(), [4, 3, 1]);
    assert_eq!(cube.node_count(), 10);
    assert_eq!(cube.get(1, 2, 0), Some(&nodes(10, 64)[9]));
    assert!(cube.get(2, 2, 0).is_none());
    let cube = arrange(nodes(512, 64), Layout::Xyz).unwrap();
    assert_eq!(cube.dims(), [8, 8, 8]);
    assert_eq!(cube.get(3, 2, 1), Some(&nodes(512, 64)[3 + 8 * (2 + 8)]));
    let err = arrange(nodes(17, 64), Layout::X).unwrap_err();
    assert!(err.to_string().contains("--layout xy"), "{err}");
    // The Fata Morgana way: 8 files of 64 waves.
    let slices: Vec<Vec<Node>> = (0..8).map(|_| nodes(64, 64)).collect();
    let cube = stack_z(slices).unwrap();
    assert_eq!(cube.dims(), [8, 8, 8]);
    assert_eq!(cube.node_count(), 512);
    assert!(stack_z(vec![nodes(3, 64), vec![]]).is_err());
    assert!(stack_z((0..17).map(|_| nodes(1, 64)).collect()).is_err());
}

/// A small cube with mixed lengths, one stereo node and one missing node.
fn mixed_cube() -> Cube {
    let mut cube = Cube::new(3, 2, 2).unwrap();
    for z in 0..2 {
        for y in 0..2 {
            for x in 0..3 {
                let k = x + 3 * (y + 2 * z);
                if k == 4 {
                    continue;
                }
                let len = [256, 1024, 2048][x];
                cube.set(
                    x,
                    y,
                    z,
                    Node::mono(sine(len, k + 1, 0.5, 0.0, 0.0)).unwrap(),
                )
                .unwrap();
            }
        }
    }
    cube.set(
        0,
        0,
        1,
        Node::stereo(sine(512, 2, 0.5, 0.0, 0.0), sine(512, 3, 0.25, 1.0, 0.0)).unwrap(),
    )
    .unwrap();
    cube.meta_mut().name = "Mixed".to_owned();
    cube
}

#[test]
fn clm_export_reimports_as_the_same_cube() {
    let cube = mixed_cube();
    let export = export_clm_wav(&cube).unwrap();
    assert_eq!(export.frames, 12);
    assert_eq!(export.channels, 2);
    assert_eq!(export.filled, vec![[1, 1, 0]]);
    let imported = import_wav(&export.bytes, None).unwrap();
    assert_eq!(imported.format, SourceFormat::WavecubeWav);
    assert_eq!(imported.shape, Some(Shape::Dims([3, 2, 2])));
    assert_eq!(imported.name.as_deref(), Some("Mixed"));
    let (back, _) = arrange_imported(imported, None).unwrap();
    assert_eq!(back.dims(), [3, 2, 2]);
    for (pos, node) in cube.iter() {
        let got = back.get(pos[0], pos[1], pos[2]).unwrap();
        assert_eq!(got.len(), CLM_FRAME_LEN);
        for ch in 0..2 {
            let want = wavecube_dsp::cube::resample_cycle(node.channel(ch), CLM_FRAME_LEN);
            let err = max_err(got.channel(ch), &want);
            assert!(err < 1e-5, "{pos:?} channel {ch}: {err}");
        }
    }
    // The filled position holds the frame the synth plays there: a blend, not silence.
    let filled = back.get(1, 1, 0).unwrap();
    let rms = (filled.channel(0).iter().map(|s| s * s).sum::<f32>() / 2048.0).sqrt();
    assert!(rms > 0.05, "filled node rms {rms}");
}

#[test]
fn node_export_reimports_every_node_at_its_position() {
    let cube = mixed_cube();
    let files = export_node_wavs(&cube).unwrap();
    assert_eq!(files.len(), cube.node_count());
    assert!(files.iter().any(|(n, _)| n == &node_file_name([2, 1, 1])));
    let imported = import_folder(&files).unwrap();
    assert!(matches!(imported.shape, Some(Shape::Positions(_))));
    let (back, _) = arrange_imported(imported, None).unwrap();
    assert_eq!(back.dims(), cube.dims());
    assert_eq!(back.node_count(), cube.node_count());
    for (pos, want) in cube.iter() {
        let got = back.get(pos[0], pos[1], pos[2]).unwrap();
        assert_eq!(got.len(), want.len(), "{pos:?}");
        assert_eq!(got.is_stereo(), want.is_stereo(), "{pos:?}");
        // f32 files and no resampling: only the DC removal touches the samples.
        for ch in 0..2 {
            assert!(max_err(got.channel(ch), want.channel(ch)) < 1e-6, "{pos:?}");
        }
    }
}

#[test]
fn broken_wav_files_are_typed_errors_naming_the_offset() {
    let good = wav(Fmt::I16, &[table_frame(512, 0)], &[clm(256)], false);
    // Cut inside the data chunk: its length runs past the end.
    let err = import_wav(&good[..good.len() - 10], None).unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::Truncated {
                what: "data chunk",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("byte"), "{err}");
    // An unsupported format: 16-bit float.
    let mut bad = good.clone();
    bad[20] = 3;
    assert!(matches!(
        import_wav(&bad, None),
        Err(ImportError::Unsupported { offset: 20, .. })
    ));
    // A NaN in a float file names its byte.
    let mut samples = table_frame(256, 0);
    samples[5] = f32::NAN;
    let bytes = wav(Fmt::F32, &[samples], &[clm(256)], false);
    let data_at = bytes.len() - 256 * 4;
    assert_eq!(
        import_wav(&bytes, None),
        Err(ImportError::NonFinite {
            offset: data_at + 20
        })
    );
    // A clm frame size out of range, and a --frame-size out of range.
    let bytes = wav(Fmt::I16, &[table_frame(512, 0)], &[clm(4)], false);
    assert!(matches!(
        import_wav(&bytes, None),
        Err(ImportError::Malformed {
            what: "clm chunk",
            ..
        })
    ));
    assert!(matches!(
        import_wav(&good, Some(1 << 30)),
        Err(ImportError::Option { .. })
    ));
    // Less than one frame.
    let bytes = wav(Fmt::I16, &[table_frame(100, 0)], &[clm(256)], false);
    assert_eq!(
        import_wav(&bytes, None),
        Err(ImportError::NoFrames {
            samples: 100,
            frame_len: 256
        })
    );
    // A chunk after data that claims more bytes than remain.
    let mut tail = good.clone();
    tail.extend(chunk(b"junk", &[1, 2, 3, 4]));
    let n = tail.len();
    tail[n - 8..n - 4].copy_from_slice(&1000u32.to_le_bytes());
    let riff = (n - 8) as u32;
    tail[4..8].copy_from_slice(&riff.to_le_bytes());
    assert!(matches!(
        import_wav(&tail, None),
        Err(ImportError::Truncated { .. })
    ));
}
