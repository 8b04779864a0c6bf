//! Real-world wavetable files, built byte for byte to the layouts their programs write:
//! WAV files with odd-length and unknown chunks, `WAVE_FORMAT_EXTENSIBLE` and every bit
//! depth; Surge WAV tables with `srge`, `srgo` and `smpl` chunks; Surge `.wt` files with
//! each header flag (and one shorter than its header, like Surge's `Oneshot/Pulse.wt`);
//! Vital tables and `.vital` presets with Wave, Line and Audio File Sources.

mod bank_files;

use bank_files::{chunk, clm, max_err, sine, surge_wt, wav, Fmt};
use base64::Engine as _;
use wavecube_dsp::bank::import::riff::parse_wav;
use wavecube_dsp::bank::import::{
    import_bytes, import_surge_wt, import_vital, import_vital_osc, import_vital_preset, import_wav,
    read_wav_bytes, ImportError, ImportOptions, SampleKind, SourceFormat, AUDIO_FRAMES,
    WT_FLAG_FULL_RANGE, WT_FLAG_INT16, WT_FLAG_LOOP, WT_FLAG_METADATA, WT_FLAG_SAMPLE,
};

/// Frame `k` of a test table: harmonics 1 and k + 2, DC-free.
fn table_frame(len: usize, k: usize) -> Vec<f32> {
    let a = sine(len, 1, 0.5, 0.0, 0.0);
    let b = sine(len, k + 2, 0.3, 0.7, 0.0);
    a.iter().zip(&b).map(|(x, y)| x + y).collect()
}

fn frames(n: usize, len: usize) -> Vec<Vec<f32>> {
    (0..n).map(|k| table_frame(len, k)).collect()
}

/// SNR of `got` against `want`, dB (infinite when equal).
fn snr_db(want: &[f32], got: &[f32]) -> f64 {
    assert_eq!(want.len(), got.len());
    let s: f64 = want.iter().map(|&x| f64::from(x).powi(2)).sum();
    let n: f64 = want
        .iter()
        .zip(got)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    10.0 * (s / n.max(1e-300)).log10()
}

/// A Surge `srge` chunk: version 1, then the frame size (as Surge's exporter writes it).
fn srge(id: &[u8; 4], frame_len: u32) -> Vec<u8> {
    let mut body = 1u32.to_le_bytes().to_vec();
    body.extend_from_slice(&frame_len.to_le_bytes());
    chunk(id, &body)
}

/// A `smpl` chunk with one forward loop over samples `start..=end`, or none.
fn smpl(looped: Option<(u32, u32)>) -> Vec<u8> {
    let mut body = Vec::new();
    // manufacturer, product, period, unity note, pitch fraction, SMPTE format/offset.
    for v in [0u32, 0, 22_675, 60, 0, 0, 0] {
        body.extend_from_slice(&v.to_le_bytes());
    }
    body.extend_from_slice(&u32::from(looped.is_some()).to_le_bytes());
    body.extend_from_slice(&0u32.to_le_bytes());
    if let Some((start, end)) = looped {
        for v in [0u32, 0, start, end, 0, 0] {
            body.extend_from_slice(&v.to_le_bytes());
        }
    }
    chunk(b"smpl", &body)
}

#[test]
fn surge_wav_frame_sizes_come_from_srge_and_smpl() {
    // 16 × 256 with srge, as Surge exports: 16 frames (not 2 × 2048).
    let table = frames(16, 256);
    let bytes = wav(Fmt::F32, &[table.concat()], &[srge(b"srge", 256)], false);
    let im = import_wav(&bytes, None).unwrap();
    assert_eq!(im.format, SourceFormat::SurgeWav);
    assert_eq!(im.frames.len(), 16);
    for (k, node) in im.frames.iter().enumerate() {
        assert!(max_err(node.channel(0), &table[k]) < 1e-5, "frame {k}");
    }
    assert!(
        im.notes.iter().any(|n| n.contains("srge chunk")),
        "{:?}",
        im.notes
    );
    // 3 × 512, 16-bit with a smpl loop as well: 3 frames (not 1 × 1536).
    let table = frames(3, 512);
    let bytes = wav(
        Fmt::I16,
        &[table.concat()],
        &[srge(b"srge", 512), smpl(Some((0, 511)))],
        false,
    );
    let im = import_wav(&bytes, None).unwrap();
    assert_eq!(im.frames.len(), 3);
    assert!(max_err(im.frames[2].channel(0), &table[2]) < 2.0 / 32_768.0);
    // --frame-size still wins, and says what it overrode.
    let im = import_wav(&bytes, Some(256)).unwrap();
    assert_eq!(im.frames.len(), 6);
    assert!(
        im.notes
            .iter()
            .any(|n| n.contains("overrides the srge chunk")),
        "{:?}",
        im.notes
    );
    // A smpl loop alone gives the frame size; a chunk without loops means 2048 (RAPID).
    let bytes = wav(
        Fmt::F32,
        &[frames(4, 128).concat()],
        &[smpl(Some((128, 255)))],
        false,
    );
    assert_eq!(import_wav(&bytes, None).unwrap().frames.len(), 4);
    let bytes = wav(Fmt::F32, &[frames(2, 2048).concat()], &[smpl(None)], false);
    assert_eq!(import_wav(&bytes, None).unwrap().frames.len(), 2);
    // A sustain loop that is no frame size is ignored (noted): the default applies.
    let bytes = wav(
        Fmt::F32,
        &[frames(2, 2048).concat()],
        &[smpl(Some((100, 1099)))],
        false,
    );
    let im = import_wav(&bytes, None).unwrap();
    assert_eq!(im.frames.len(), 2);
    assert!(
        im.notes.iter().any(|n| n.contains("sustain loop")),
        "{:?}",
        im.notes
    );
    // clm wins over srge, as in Surge; srgo (one-shot windows) gives its window.
    let bytes = wav(
        Fmt::F32,
        &[frames(8, 256).concat()],
        &[srge(b"srge", 512), clm(256)],
        false,
    );
    let im = import_wav(&bytes, None).unwrap();
    assert_eq!((im.frames.len(), im.format), (8, SourceFormat::ClmWav));
    assert!(
        im.notes.iter().any(|n| n.contains("clm chunk (256) wins")),
        "{:?}",
        im.notes
    );
    let bytes = wav(
        Fmt::F32,
        &[frames(8, 256).concat()],
        &[srge(b"srgo", 256)],
        false,
    );
    let im = import_wav(&bytes, None).unwrap();
    assert_eq!(im.frames.len(), 8);
    assert!(
        im.notes.iter().any(|n| n.contains("one-shot")),
        "{:?}",
        im.notes
    );
    // A srge frame size out of range is an error naming the chunk.
    let bytes = wav(
        Fmt::F32,
        &[frames(2, 256).concat()],
        &[srge(b"srge", 3)],
        false,
    );
    assert!(matches!(
        import_wav(&bytes, None),
        Err(ImportError::Malformed {
            what: "srge chunk",
            ..
        })
    ));
}

/// The `fmt ` body of `tag` (1 PCM, 3 float) with `bits`, plain or extensible.
fn fmt_body(tag: u16, channels: u16, bits: u16, extensible: bool) -> Vec<u8> {
    let align = channels * bits / 8;
    let mut f = Vec::new();
    f.extend_from_slice(&(if extensible { 0xFFFE } else { tag }).to_le_bytes());
    f.extend_from_slice(&channels.to_le_bytes());
    f.extend_from_slice(&44_100u32.to_le_bytes());
    f.extend_from_slice(&(44_100 * u32::from(align)).to_le_bytes());
    f.extend_from_slice(&align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    if extensible {
        f.extend_from_slice(&22u16.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f.extend_from_slice(&3u32.to_le_bytes());
        f.extend_from_slice(&tag.to_le_bytes());
        f.extend_from_slice(&[
            0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
        ]);
    } else if tag == 3 {
        f.extend_from_slice(&0u16.to_le_bytes());
    }
    f
}

/// Interleaved samples of `channels` in `tag`/`bits` (integers rounded, clipped).
fn encode(channels: &[Vec<f32>], tag: u16, bits: u16) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..channels[0].len() {
        for ch in channels {
            let x = f64::from(ch[i]);
            let q = |b: u16| {
                let s = (1u64 << (b - 1)) as f64;
                (x * s).round().clamp(-s, s - 1.0) as i64
            };
            match (tag, bits) {
                (3, 32) => out.extend_from_slice(&(x as f32).to_le_bytes()),
                (3, _) => out.extend_from_slice(&x.to_le_bytes()),
                (_, 8) => out.push((q(8) + 128) as u8),
                (_, 16) => out.extend_from_slice(&(q(16) as i16).to_le_bytes()),
                (_, 24) => out.extend_from_slice(&(q(24) as i32).to_le_bytes()[..3]),
                _ => out.extend_from_slice(&(q(32) as i32).to_le_bytes()),
            }
        }
    }
    out
}

/// A RIFF file of whole `chunks` (from [`chunk`] or hand-made).
fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend(body);
    out
}

#[test]
fn every_bit_depth_plain_or_extensible_with_odd_and_unknown_chunks() {
    let left = sine(300, 3, 0.8, 0.2, 0.0);
    let right = sine(300, 5, -0.6, 0.0, 0.0);
    let src = vec![left, right];
    for (tag, bits, kind) in [
        (1u16, 8u16, SampleKind::U8),
        (1, 16, SampleKind::Int(16)),
        (1, 24, SampleKind::Int(24)),
        (1, 32, SampleKind::Int(32)),
        (3, 32, SampleKind::Float(32)),
        (3, 64, SampleKind::Float(64)),
    ] {
        for extensible in [false, true] {
            // An odd-length unknown chunk (with its pad byte) before fmt, an odd LIST
            // after, a JUNK chunk, and an odd chunk after data: all valid RIFF.
            let bytes = riff(&[
                chunk(b"JUNK", &[0; 28]),
                chunk(b"bext", b"odd"),
                chunk(b"fmt ", &fmt_body(tag, 2, bits, extensible)),
                chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00hello\x00"),
                chunk(b"data", &encode(&src, tag, bits)),
                chunk(b"id3 ", b"tag"),
            ]);
            let what = format!("tag {tag} {bits}-bit extensible={extensible}");
            let wav = read_wav_bytes(&bytes, usize::MAX).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(wav.kind, kind, "{what}");
            assert_eq!(wav.sample_rate_hz, 44_100);
            assert_eq!(wav.channels.len(), 2);
            let floor_db = if bits == 8 { 40.0 } else { 90.0 };
            for (want, got) in src.iter().zip(&wav.channels) {
                let snr = snr_db(want, got);
                assert!(snr >= floor_db, "{what}: {snr:.1} dB");
            }
        }
    }
}

#[test]
fn a_missing_pad_byte_and_trailing_junk_are_tolerated() {
    let data = encode(&[sine(256, 1, 0.5, 0.0, 0.0)], 3, 32);
    // A writer that forgot the pad byte after an odd chunk.
    let mut unpadded = b"bext".to_vec();
    unpadded.extend_from_slice(&3u32.to_le_bytes());
    unpadded.extend_from_slice(b"odd");
    let bytes = riff(&[
        chunk(b"fmt ", &fmt_body(3, 1, 32, false)),
        unpadded,
        chunk(b"data", &data),
    ]);
    let wav = parse_wav(&bytes).unwrap();
    assert_eq!(wav.frames(), 256);
    // Trailing bytes past the RIFF size are ignored.
    let mut tail = bytes.clone();
    tail.extend_from_slice(&[0xAB; 7]);
    assert_eq!(parse_wav(&tail).unwrap().frames(), 256);
}

/// A `.wt` with `flags` (int16 data when 0x04 or 0x08) and `extra` bytes after the data.
fn wt(frames: &[Vec<f32>], flags: u16, extra: &[u8]) -> Vec<u8> {
    let mut b = surge_wt(frames, flags);
    b.extend_from_slice(extra);
    b
}

#[test]
fn surge_wt_reads_every_header_flag() {
    let table = frames(4, 256);
    let check = |bytes: &[u8], step: f32, needle: &str| {
        let im = import_surge_wt(bytes).unwrap();
        assert_eq!(im.frames.len(), 4);
        for (k, node) in im.frames.iter().enumerate() {
            let err = max_err(node.channel(0), &table[k]);
            assert!(err <= step + 1e-5, "{needle}: frame {k} error {err}");
        }
        assert!(
            needle.is_empty() || im.notes.iter().any(|n| n.contains(needle)),
            "{needle}: {:?}",
            im.notes
        );
    };
    check(&wt(&table, 0, &[]), 0.0, "");
    check(&wt(&table, WT_FLAG_SAMPLE, &[]), 0.0, "one-shot sample");
    check(
        &wt(&table, WT_FLAG_SAMPLE | WT_FLAG_LOOP, &[]),
        0.0,
        "looping sample",
    );
    check(
        &wt(&table, WT_FLAG_INT16, &[]),
        1.0 / 16_384.0,
        "15-bit range",
    );
    check(
        &wt(&table, WT_FLAG_INT16 | WT_FLAG_FULL_RANGE, &[]),
        1.0 / 32_768.0,
        "full range",
    );
    let xml = b"<wtmeta><surge><script lua=\"ZnVuY3Rpb24=\" nframes=\"4\" res_base=\"5\"/></surge></wtmeta>\0";
    check(&wt(&table, WT_FLAG_METADATA, xml), 0.0, "Lua script");
    check(&wt(&table, 0x20, &[]), 0.0, "runtime state");
    check(&wt(&table, 0, b"junk"), 0.0, "ignored");
}

#[test]
fn a_short_wt_is_zero_padded_like_surge_loads_oneshot_pulse() {
    // A one-shot int16 sample whose last window is cut short, as in Surge's factory
    // Oneshot/Pulse.wt: Surge reads the missing tail as silence.
    let table = frames(4, 256);
    let full = wt(&table, WT_FLAG_SAMPLE | WT_FLAG_INT16, &[]);
    let cut = &full[..full.len() - 100];
    let im = import_surge_wt(cut).unwrap();
    assert_eq!(im.frames.len(), 4);
    assert!(
        im.notes.iter().any(|n| n.contains("read as silence")),
        "{:?}",
        im.notes
    );
    assert!(max_err(im.frames[0].channel(0), &table[0]) < 1e-4);
    // Less than half the declared data is refused as truncated.
    assert!(matches!(
        import_surge_wt(&full[..12 + 256 * 2]),
        Err(ImportError::Truncated { offset: 12, .. })
    ));
}

/// 16-bit PCM audio, base64, as Vital's `FileSource` stores it.
fn pcm_base64(audio: &[f32]) -> String {
    let raw: Vec<u8> = audio
        .iter()
        .flat_map(|&x| {
            ((f64::from(x) * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16).to_le_bytes()
        })
        .collect();
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// An Audio File Source over `audio` with `window` samples per cycle, `fade_style`, and
/// keyframes at positions 0 and 256 scanning `start0..start1`.
fn audio_source(audio: &[f32], window: f64, fade_style: u32, start1: f64) -> serde_json::Value {
    serde_json::json!({
        "type": "Audio File Source",
        "interpolation_style": 1,
        "audio_file": pcm_base64(audio),
        "audio_sample_rate": 44100,
        "window_size": window,
        "fade_style": fade_style,
        "phase_style": 0,
        "normalize_gain": false,
        "normalize_mult": false,
        "random_seed": 1234,
        "keyframes": [
            {"position": 0, "start_position": 0.0, "window_fade": 1.0, "window_size": window},
            {"position": 256, "start_position": start1, "window_fade": 1.0, "window_size": window}
        ]
    })
}

fn table_json(name: &str, components: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({
        "author": "test", "full_normalize": true, "remove_all_dc": true,
        "version": "1.5.5", "name": name,
        "groups": [{"components": components}]
    })
}

/// Audio whose cycle `c` (of `period` samples) is harmonic 1 plus harmonic `2 + c % 5`.
fn evolving_audio(period: usize, cycles: usize) -> Vec<f32> {
    (0..cycles)
        .flat_map(|c| table_frame(period, c % 5).into_iter().map(|x| x * 0.8))
        .collect()
}

/// The best SNR of `node` against `want` over every rotation of `node`, dB.
fn best_rotation_snr(want: &[f32], node: &[f32]) -> f64 {
    let n = node.len();
    (0..n)
        .map(|r| {
            let rotated: Vec<f32> = (0..n).map(|j| node[(j + r) % n]).collect();
            snr_db(want, &rotated)
        })
        .fold(f64::MIN, f64::max)
}

#[test]
fn vital_audio_file_sources_are_sliced_at_vitals_windows() {
    let period = 512;
    let audio = evolving_audio(period, 70);
    let cycle =
        |c: usize| -> Vec<f32> { table_frame(2048, c % 5).iter().map(|x| x * 0.8).collect() };
    // No interpolation: frame i starts at the whole window at or before i · 64/63
    // cycles, so frames 0 and 63 are cycles 0 and 64, resampled to 2048 samples.
    let table = table_json(
        "Scan",
        vec![audio_source(&audio, period as f64, 1, 64.0 * period as f64)],
    );
    let bytes = serde_json::to_vec(&table).unwrap();
    let im = import_vital(&bytes).unwrap();
    assert_eq!(im.format, SourceFormat::Vital);
    assert_eq!(im.name.as_deref(), Some("Scan"));
    assert_eq!(im.frames.len(), AUDIO_FRAMES);
    assert!(
        im.notes.iter().any(|n| n.contains("512-sample windows")),
        "{:?}",
        im.notes
    );
    for (i, c) in [(0usize, 0usize), (1, 1), (63, 64)] {
        let snr = snr_db(&cycle(c), im.frames[i].channel(0));
        assert!(snr > 60.0, "frame {i}: {snr:.1} dB");
    }
    // Wave blend (Vital's default) over audio that repeats one cycle: each frame is that
    // cycle, rotated where Vital puts the window.
    let steady: Vec<f32> = (0..40)
        .flat_map(|_| cycle(3).into_iter().step_by(4))
        .collect();
    let table = table_json(
        "Blend",
        vec![audio_source(
            &steady,
            period as f64,
            0,
            20.0 * period as f64,
        )],
    );
    let im = import_vital(&serde_json::to_vec(&table).unwrap()).unwrap();
    assert_eq!(im.frames.len(), 21);
    for i in [0, 7, 20] {
        let snr = best_rotation_snr(&cycle(3), im.frames[i].channel(0));
        // Vital's crossfade reads the following audio at 2047 steps per window, not 2048,
        // so the blend is a hair off the cycle (57 dB), as in Vital.
        assert!(snr > 50.0, "blend frame {i}: {snr:.1} dB");
    }
}

#[test]
fn vital_presets_import_each_oscillator_with_the_presets_name() {
    let period = 256;
    let audio = evolving_audio(period, 40);
    let wave = serde_json::json!({
        "type": "Wave Source", "interpolation_style": 1,
        "keyframes": [
            {"position": 0, "wave_data": bank_files::base64_frame(&table_frame(2048, 0))},
            {"position": 256, "wave_data": bank_files::base64_frame(&table_frame(2048, 1))}
        ]
    });
    let line = serde_json::json!({
        "type": "Line Source", "interpolation_style": 1, "num_points": 3,
        "keyframes": [{"position": 0, "pull_power": 0.0, "line": {
            "num_points": 3, "points": [0.0, 1.0, 0.5, 0.0, 1.0, 1.0],
            "powers": [0.0, 0.0, 0.0], "smooth": false, "name": "tri"}}]
    });
    let modifier = serde_json::json!({"type": "Wave Window", "keyframes": [{"position": 0}]});
    let preset = serde_json::json!({
        "author": "someone", "preset_name": "Glass Pad", "preset_style": "Pad",
        "synth_version": "1.5.5", "comments": "",
        "settings": {
            "osc_1_on": 1.0, "osc_2_on": 1.0, "osc_3_on": 1.0, "osc_1_level": 0.7,
            "wavetables": [
                table_json("Sampled", vec![audio_source(&audio, period as f64, 1, 30.0 * period as f64), modifier]),
                table_json("Basic", vec![wave]),
                table_json("Triangle", vec![line])
            ]
        }
    });
    let bytes = serde_json::to_vec_pretty(&preset).unwrap();
    // The default: the first oscillator, named after the preset, the others noted.
    let im = import_bytes(&bytes, &ImportOptions::default()).unwrap();
    assert_eq!(im.format, SourceFormat::VitalPreset);
    assert_eq!(im.name.as_deref(), Some("Glass Pad"));
    assert_eq!(im.frames.len(), 31);
    assert!(
        im.notes.iter().any(|n| n.contains("--osc 2")),
        "{:?}",
        im.notes
    );
    assert!(
        im.notes.iter().any(|n| n.contains("Wave Window")),
        "{:?}",
        im.notes
    );
    // --osc 2: the Wave Source table, keyframes as frames.
    let options = ImportOptions {
        osc: Some(2),
        ..ImportOptions::default()
    };
    let im = import_bytes(&bytes, &options).unwrap();
    assert_eq!(im.name.as_deref(), Some("Glass Pad osc 2"));
    assert_eq!(im.frames.len(), 2);
    assert!(max_err(im.frames[1].channel(0), &table_frame(2048, 1)) < 1e-5);
    // --osc 3: a line 0 → 1 → 0 (y down) is a triangle from -1 up to 1 and back.
    let im = import_vital_osc(&bytes, Some(3)).unwrap();
    let tri = im.frames[0].channel(0);
    let peak = tri.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!((tri[1024] - tri.iter().copied().fold(f32::MIN, f32::max)).abs() < 0.01);
    assert!(peak > 0.9 && peak < 1.1, "{peak}");
    // Every oscillator at once: one bank each.
    let all = import_vital_preset(&bytes).unwrap();
    let oscs: Vec<usize> = all.iter().map(|(o, _)| *o).collect();
    assert_eq!(oscs, [1, 2, 3]);
    // Errors name the format.
    assert!(matches!(
        import_vital_osc(&bytes, Some(4)),
        Err(ImportError::Option {
            option: "--osc",
            ..
        })
    ));
    let err = import_vital(br#"{"settings": {"osc_1_on": 1.0}}"#).unwrap_err();
    assert!(err.to_string().contains(".vital preset"), "{err}");
    let err = import_vital(br#"{"hello": 1}"#).unwrap_err();
    assert!(
        err.to_string().contains(".vitaltable") && err.to_string().contains(".vital"),
        "{err}"
    );
    let err =
        import_vital_preset(&serde_json::to_vec(&table_json("t", vec![])).unwrap()).unwrap_err();
    assert!(err.to_string().contains("not a .vital preset"), "{err}");
}
