//! The demo song, `presets/demo/demo.mid`, generated deterministically.
//!
//! Ten bars in A minor at 100 bpm (24 s): sustained four-note chords
//! i–VI–III–VII, then i–VI–III–V7, resolving to a held i(add9), in one track;
//! a melody with varied velocities in another; tempo, metre and key in a
//! conductor track (format 1, 480 ticks per quarter note).

use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

/// Where the demo song lives, relative to the workspace root.
pub const DEMO_MIDI_PATH: &str = "presets/demo/demo.mid";

/// Tempo of the demo, beats (quarter notes) per minute.
pub const DEMO_BPM: u32 = 100;

/// Ticks per quarter note.
const PPQ: u16 = 480;

/// Beats per bar (4/4).
const BEATS_PER_BAR: f64 = 4.0;

/// Ticks cut from the end of every note, so repeated pitches re-strike cleanly.
const RELEASE_GAP_TICKS: u32 = 24;

/// Chords: (first bar, length in bars, notes low to high, velocity).
const CHORDS: [(u32, u32, [u8; 4], u8); 9] = [
    (0, 1, [45, 60, 64, 67], 72), // Am7: A2 C4 E4 G4
    (1, 1, [41, 57, 60, 64], 64), // Fmaj7: F2 A3 C4 E4
    (2, 1, [48, 59, 64, 67], 68), // Cmaj7: C3 B3 E4 G4
    (3, 1, [43, 55, 59, 62], 60), // G: G2 G3 B3 D4
    (4, 1, [45, 60, 64, 67], 78), // Am7
    (5, 1, [41, 57, 60, 64], 70), // Fmaj7
    (6, 1, [48, 59, 64, 67], 74), // Cmaj7
    (7, 1, [40, 50, 56, 59], 80), // E7: E2 D3 G#3 B3
    (8, 2, [45, 60, 64, 71], 66), // Am(add9): A2 C4 E4 B4
];

/// Melody: (bar, beat in bar, length in beats, note). No melody note shares a
/// pitch with the chord under it: the engine's note-off releases every voice
/// on that pitch, whatever the channel.
const MELODY: [(u32, f64, f64, u8); 40] = [
    (0, 0.0, 1.5, 76),
    (0, 1.5, 0.5, 74),
    (0, 2.0, 1.0, 72),
    (0, 3.0, 0.5, 71),
    (0, 3.5, 0.5, 69),
    (1, 0.0, 1.0, 69),
    (1, 1.0, 1.0, 72),
    (1, 2.0, 1.5, 77),
    (1, 3.5, 0.5, 76),
    (2, 0.0, 1.0, 76),
    (2, 1.0, 1.0, 79),
    (2, 2.0, 0.5, 76),
    (2, 2.5, 0.5, 74),
    (2, 3.0, 1.0, 72),
    (3, 0.0, 1.5, 74),
    (3, 1.5, 0.5, 71),
    (3, 2.0, 2.0, 67),
    (4, 0.0, 0.5, 69),
    (4, 0.5, 0.5, 72),
    (4, 1.0, 1.0, 76),
    (4, 2.0, 1.5, 81),
    (4, 3.5, 0.5, 79),
    (5, 0.0, 1.0, 77),
    (5, 1.0, 0.5, 76),
    (5, 1.5, 0.5, 74),
    (5, 2.0, 1.0, 72),
    (5, 3.0, 1.0, 69),
    (6, 0.0, 0.5, 72),
    (6, 0.5, 0.5, 74),
    (6, 1.0, 1.0, 76),
    (6, 2.0, 0.5, 74),
    (6, 2.5, 0.5, 76),
    (6, 3.0, 1.0, 79),
    (7, 0.0, 1.5, 76),
    (7, 1.5, 0.5, 74),
    (7, 2.0, 1.0, 71),
    (7, 3.0, 1.0, 68),
    (8, 0.0, 1.0, 74),
    (8, 1.0, 1.0, 72),
    (8, 2.0, 6.0, 69),
];

/// The demo song as Standard MIDI File bytes. Same bytes on every call and platform.
///
/// # Allocation
/// Allocates the event lists and the returned bytes.
pub fn demo_midi_bytes() -> Vec<u8> {
    let end_tick = beats_to_ticks(10.0 * BEATS_PER_BAR);
    let conductor = vec![
        (
            0,
            TrackEventKind::Meta(MetaMessage::TrackName(b"Wavecube demo")),
        ),
        (
            0,
            TrackEventKind::Meta(MetaMessage::TimeSignature(4, 2, 24, 8)),
        ),
        (0, TrackEventKind::Meta(MetaMessage::KeySignature(0, true))),
        (
            0,
            TrackEventKind::Meta(MetaMessage::Tempo(u24::new(60_000_000 / DEMO_BPM))),
        ),
    ];

    let mut chords = vec![(0, TrackEventKind::Meta(MetaMessage::TrackName(b"Chords")))];
    for (bar, bars, notes, velocity) in CHORDS {
        let start = beats_to_ticks(f64::from(bar) * BEATS_PER_BAR);
        let end = beats_to_ticks(f64::from(bar + bars) * BEATS_PER_BAR) - RELEASE_GAP_TICKS;
        for (i, &note) in notes.iter().enumerate() {
            // Inner voices a little softer than the outer ones.
            let vel = if i == 0 || i == 3 {
                velocity
            } else {
                velocity - 8
            };
            chords.push((start, note_on(0, note, vel)));
            chords.push((end, note_off(0, note)));
        }
    }

    let mut melody = vec![(0, TrackEventKind::Meta(MetaMessage::TrackName(b"Melody")))];
    for (bar, beat, beats, note) in MELODY {
        let at = f64::from(bar) * BEATS_PER_BAR + beat;
        let start = beats_to_ticks(at);
        let end = beats_to_ticks(at + beats) - RELEASE_GAP_TICKS;
        melody.push((start, note_on(1, note, melody_velocity(beat, note))));
        melody.push((end, note_off(1, note)));
    }

    let mut smf = Smf::new(Header::new(
        Format::Parallel,
        Timing::Metrical(u15::new(PPQ)),
    ));
    for events in [conductor, chords, melody] {
        smf.tracks.push(to_track(events, end_tick));
    }
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes)
        .expect("writing MIDI to a Vec cannot fail");
    bytes
}

/// Accent by metric position plus a rise with pitch, so phrases swell toward their peaks.
fn melody_velocity(beat_in_bar: f64, note: u8) -> u8 {
    let accent = if beat_in_bar == 0.0 {
        14
    } else if beat_in_bar == 2.0 {
        8
    } else if beat_in_bar.fract() == 0.0 {
        2
    } else {
        -6
    };
    (76 + accent + (i32::from(note) - 69)).clamp(40, 120) as u8
}

fn beats_to_ticks(beats: f64) -> u32 {
    (beats * f64::from(PPQ)).round() as u32
}

fn note_on(channel: u8, key: u8, vel: u8) -> TrackEventKind<'static> {
    TrackEventKind::Midi {
        channel: u4::new(channel),
        message: MidiMessage::NoteOn {
            key: u7::new(key),
            vel: u7::new(vel),
        },
    }
}

fn note_off(channel: u8, key: u8) -> TrackEventKind<'static> {
    TrackEventKind::Midi {
        channel: u4::new(channel),
        message: MidiMessage::NoteOff {
            key: u7::new(key),
            vel: u7::new(64),
        },
    }
}

/// Sorts `(absolute tick, event)` pairs (note-offs before other events at
/// one tick, otherwise in the given order), converts to delta times and
/// closes the track at `end_tick`.
fn to_track(
    mut events: Vec<(u32, TrackEventKind<'static>)>,
    end_tick: u32,
) -> Vec<TrackEvent<'static>> {
    let is_off = |kind: &TrackEventKind| {
        matches!(
            kind,
            TrackEventKind::Midi {
                message: MidiMessage::NoteOff { .. },
                ..
            }
        )
    };
    events.sort_by_key(|(tick, kind)| (*tick, !is_off(kind)));
    events.push((end_tick, TrackEventKind::Meta(MetaMessage::EndOfTrack)));
    let mut last = 0;
    events
        .into_iter()
        .map(|(tick, kind)| {
            let delta = tick.max(last) - last;
            last = tick.max(last);
            TrackEvent {
                delta: u28::new(delta),
                kind,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::midi::parse_smf;

    #[test]
    fn demo_is_deterministic_and_about_24_seconds() {
        let bytes = demo_midi_bytes();
        assert_eq!(bytes, demo_midi_bytes());
        let song = parse_smf(&bytes).unwrap();
        assert_eq!(song.note_count(), 9 * 4 + MELODY.len());
        let last = song.last_event_s();
        // 10 bars of 4 beats at 100 bpm = 24 s, less the release gap.
        assert!(
            (last - (24.0 - 0.6 * f64::from(RELEASE_GAP_TICKS) / 480.0)).abs() < 1e-9,
            "last event {last} s"
        );
    }

    #[test]
    fn demo_never_sounds_more_than_five_notes_and_varies_velocity() {
        let song = parse_smf(&demo_midi_bytes()).unwrap();
        let (mut sounding, mut most) = (0_i32, 0_i32);
        let mut velocities = Vec::new();
        for e in song.events() {
            match e.key() {
                Some((_, _, velocity)) if velocity > 0.0 => {
                    sounding += 1;
                    velocities.push(velocity);
                }
                Some(_) => sounding -= 1,
                None => {}
            }
            most = most.max(sounding);
        }
        assert_eq!(sounding, 0, "every note ends");
        assert_eq!(most, 5, "four chord notes and one melody note");
        // No note-on lands on a pitch that is already sounding (see MELODY).
        let mut held = [0_u8; 128];
        for e in song.events() {
            match e.key() {
                Some((note, _, velocity)) if velocity > 0.0 => {
                    assert_eq!(
                        held[usize::from(note)],
                        0,
                        "note {note} doubled at {} s",
                        e.time_s
                    );
                    held[usize::from(note)] += 1;
                }
                Some((note, _, _)) => held[usize::from(note)] -= 1,
                None => {}
            }
        }
        let lo = velocities.iter().cloned().fold(1.0, f32::min);
        let hi = velocities.iter().cloned().fold(0.0, f32::max);
        assert!(hi - lo > 0.3, "velocity spans {lo}..{hi}");
    }
}
