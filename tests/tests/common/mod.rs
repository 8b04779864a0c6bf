//! What the command-line tests share: running the `wavecube` binary and fresh scratch paths
//! under Cargo's per-crate temporary directory.

#![allow(dead_code)] // Each test file uses what it needs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wavecube_dsp::synth::NoteEvent;
use wavecube_harness::song::{Song, SongEvent};

/// The `wavecube` binary Cargo built for these tests, not yet run.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wavecube"))
}

/// Runs `wavecube` with `args` and returns its output.
pub fn wavecube(args: &[&str]) -> Output {
    bin()
        .args(args)
        .output()
        .expect("the wavecube binary starts")
}

/// Runs `args`, requires success, and returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = wavecube(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Bytes as text, invalid UTF-8 replaced.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A path as the `&str` a command line takes.
pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A fresh, empty folder `group/name` under the temporary directory.
pub fn scratch_dir(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A path `group/name` under the temporary directory, with nothing (file or folder) there.
pub fn scratch_path(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(group);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    if path.is_dir() {
        std::fs::remove_dir_all(&path).unwrap();
    } else {
        let _ = std::fs::remove_file(&path);
    }
    path
}

/// The patch tests' phrase: C3, G3 and E4 at velocity 0.8 for 1.5 s (mono patches play the
/// last of them).
pub fn phrase() -> Song {
    let mut events = Vec::new();
    for note in [48, 55, 64] {
        events.push(SongEvent {
            time_s: 0.0,
            event: NoteEvent::NoteOn {
                note,
                velocity: 0.8,
            },
        });
        events.push(SongEvent {
            time_s: 1.5,
            event: NoteEvent::NoteOff { note },
        });
    }
    Song::from_events(events)
}
