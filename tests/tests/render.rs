//! Rendering through the harness: block-size independence, determinism and the release tail.

use wavecube_harness::demo::demo_midi_bytes;
use wavecube_harness::midi::parse_smf;
use wavecube_harness::notes::{notes_to_song, parse_notes};
use wavecube_harness::options::SoundOptions;
use wavecube_harness::render::{build_engine, render_song, Rendered};
use wavecube_harness::song::Song;

const SR: u32 = 48_000;

fn render(song: &Song, seconds: f64, block: usize) -> Rendered {
    let options = SoundOptions::parse(
        Some("0.3,0.4,0.2"),
        &["x:0.15:0.4".into(), "y:2:0.3:triangle".into()],
    )
    .unwrap();
    let mut engine = build_engine(SR, block, &options).unwrap();
    render_song(&mut engine, song, seconds, block)
}

fn max_diff(a: &Rendered, b: &Rendered) -> f32 {
    assert_eq!(a.left.len(), b.left.len());
    a.left
        .iter()
        .zip(&b.left)
        .chain(a.right.iter().zip(&b.right))
        .fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

#[test]
fn renders_agree_across_block_sizes_and_repeat_exactly() {
    // The first 6 s of the demo: chord changes, overlapping melody notes, LFOs.
    let song = parse_smf(&demo_midi_bytes()).unwrap();
    let reference = render(&song, 6.0, 512);
    assert_eq!(reference.left.len(), 6 * SR as usize);
    let again = render(&song, 6.0, 512);
    assert!(
        reference == again,
        "two renders with the same settings differ"
    );
    for block in [1_usize, 64, 100, 4096] {
        let other = render(&song, 6.0, block);
        let diff = max_diff(&reference, &other);
        eprintln!("block {block} vs 512: max difference {diff:e}");
        assert!(
            diff <= 1e-6,
            "block {block} differs from block 512 by {diff:e}"
        );
    }
}

#[test]
fn default_length_lets_the_release_finish() {
    let song = notes_to_song(&parse_notes("C3@0:0.5,G3@0.25:0.5").unwrap());
    let options = SoundOptions::default();
    let mut engine = build_engine(SR, 256, &options).unwrap();
    let release_ms = engine.params().amp_env.release_ms;
    let seconds = song.default_duration_s(release_ms);
    assert!((seconds - (0.75 + f64::from(release_ms) / 1000.0 + 0.5)).abs() < 1e-9);
    let out = render_song(&mut engine, &song, seconds, 256);
    let sounding = out.left[..SR as usize / 2]
        .iter()
        .fold(0.0_f32, |m, x| m.max(x.abs()));
    assert!(sounding > 0.01, "notes are audible: peak {sounding}");
    // The last 0.4 s lie past every release: silence below -100 dBFS.
    let tail_start = out.left.len() - (0.4 * f64::from(SR)) as usize;
    let tail = out.left[tail_start..]
        .iter()
        .chain(&out.right[tail_start..])
        .fold(0.0_f32, |m, x| m.max(x.abs()));
    assert!(tail < 1e-5, "tail peak {tail} after the release");
    assert_eq!(out.peak_voices, 2);
}
