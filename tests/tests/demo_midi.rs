//! The committed demo song equals what the generator writes, byte for byte.

use std::path::Path;

use wavecube_harness::demo::{demo_midi_bytes, DEMO_MIDI_PATH};
use wavecube_harness::midi::load_smf;

#[test]
fn committed_demo_matches_the_generator() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(DEMO_MIDI_PATH);
    let committed = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask presets`", path.display()));
    assert!(
        committed == demo_midi_bytes(),
        "{} differs from the generator ({} vs {} bytes); run `cargo xtask presets` and commit",
        path.display(),
        committed.len(),
        demo_midi_bytes().len()
    );
    let song = load_smf(&path).unwrap();
    let last = song.last_event_s();
    assert!(
        (20.0..=30.0).contains(&last),
        "demo lasts {last} s, want 20-30 s"
    );
    assert_eq!(
        song.note_count(),
        76,
        "9 four-note chords and a 40-note melody"
    );
}
