//! The `--notes` list: `C4@0:2,E4@0.5:1.5` — pitch, start (s) and duration (s) per note.

use std::str::FromStr;

use wavecube_dsp::synth::NoteEvent;

use crate::error::{NotesError, NotesErrorKind};
use crate::song::{Song, SongEvent};

/// Velocity of every note in a `--notes` list (0..1; MIDI 100 of 127).
pub const NOTES_VELOCITY: f32 = 100.0 / 127.0;

/// One note of a `--notes` list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteSpec {
    /// MIDI note number, 60 = C4, 69 = A4 = 440 Hz.
    pub note: u8,
    /// Start time, seconds (>= 0).
    pub start_s: f64,
    /// Duration until note-off, seconds (> 0).
    pub duration_s: f64,
}

/// Parses a pitch: a note name (`C4`, `F#3`, `Bb2`, `c#-1`; letter A-G in
/// either case, any number of `#` or `b`, octave with C4 = 60) or a plain
/// MIDI number 0..=127.
///
/// # Errors
/// [`NotesErrorKind::Pitch`] for an unreadable pitch, [`NotesErrorKind::Range`]
/// for one outside 0..=127.
pub fn parse_pitch(text: &str) -> Result<u8, NotesErrorKind> {
    let bad = || NotesErrorKind::Pitch(text.to_owned());
    if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
        let n: i64 = text.parse().map_err(|_| bad())?;
        return u8::try_from(n)
            .ok()
            .filter(|&n| n <= 127)
            .ok_or(NotesErrorKind::Range(n));
    }
    let mut chars = text.chars();
    let letter = chars.next().ok_or_else(bad)?;
    let pitch_class: i64 = match letter.to_ascii_uppercase() {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return Err(bad()),
    };
    let rest = chars.as_str();
    let octave_at = rest.find(|c: char| c != '#' && c != 'b').ok_or_else(bad)?;
    let (accidentals, octave) = rest.split_at(octave_at);
    let shift: i64 = accidentals
        .chars()
        .map(|c| if c == '#' { 1 } else { -1 })
        .sum();
    let octave: i64 = octave.parse().map_err(|_| bad())?;
    if !(-1..=9).contains(&octave) {
        return Err(bad());
    }
    let n = 12 * (octave + 1) + pitch_class + shift;
    u8::try_from(n)
        .ok()
        .filter(|&n| n <= 127)
        .ok_or(NotesErrorKind::Range(n))
}

impl FromStr for NoteSpec {
    type Err = NotesErrorKind;

    /// Parses one `NOTE@START:DURATION` item, e.g. `A4@0:1.5` or `69@0:1`.
    fn from_str(item: &str) -> Result<Self, Self::Err> {
        let (pitch, times) = item.split_once('@').ok_or(NotesErrorKind::Syntax)?;
        let (start, duration) = times.split_once(':').ok_or(NotesErrorKind::Syntax)?;
        let note = parse_pitch(pitch.trim())?;
        let (start, duration) = (start.trim(), duration.trim());
        let start_s = start
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| NotesErrorKind::Start(start.to_owned()))?;
        let duration_s = duration
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite() && *d > 0.0)
            .ok_or_else(|| NotesErrorKind::Duration(duration.to_owned()))?;
        Ok(Self {
            note,
            start_s,
            duration_s,
        })
    }
}

/// Parses a comma-separated `--notes` list.
///
/// # Errors
/// [`NotesError`] naming the first bad item, or an empty list.
pub fn parse_notes(list: &str) -> Result<Vec<NoteSpec>, NotesError> {
    let items: Vec<&str> = list.split(',').map(str::trim).collect();
    if items.iter().all(|i| i.is_empty()) {
        return Err(NotesError {
            item: list.to_owned(),
            kind: NotesErrorKind::Empty,
        });
    }
    items
        .into_iter()
        .map(|item| {
            item.parse().map_err(|kind| NotesError {
                item: item.to_owned(),
                kind,
            })
        })
        .collect()
}

/// The song of a note list: a note-on at each start, a note-off at each end.
///
/// At equal times note-offs come first, so a note that ends as the same pitch
/// starts again is retriggered rather than cut.
pub fn notes_to_song(notes: &[NoteSpec]) -> Song {
    let mut offs: Vec<SongEvent> = notes
        .iter()
        .map(|n| SongEvent {
            time_s: n.start_s + n.duration_s,
            event: NoteEvent::NoteOff { note: n.note },
        })
        .collect();
    offs.extend(notes.iter().map(|n| SongEvent {
        time_s: n.start_s,
        event: NoteEvent::NoteOn {
            note: n.note,
            velocity: NOTES_VELOCITY,
        },
    }));
    Song::from_events(offs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_names_map_to_midi_numbers() {
        let cases = [
            ("C4", 60),
            ("A4", 69),
            ("a4", 69),
            ("C#4", 61),
            ("Db4", 61),
            ("Bb3", 58),
            ("bb3", 58),
            ("B#3", 60),
            ("Cb4", 59),
            ("F##2", 43),
            ("C-1", 0),
            ("G9", 127),
            ("0", 0),
            ("69", 69),
            ("127", 127),
        ];
        for (text, want) in cases {
            assert_eq!(parse_pitch(text), Ok(want), "{text}");
        }
        assert_eq!(parse_pitch("G#9"), Err(NotesErrorKind::Range(128)));
        assert_eq!(parse_pitch("128"), Err(NotesErrorKind::Range(128)));
        for bad in ["", "H4", "C", "C#", "Cx4", "C4.5", "-3", "C10", "4C"] {
            assert!(
                matches!(parse_pitch(bad), Err(NotesErrorKind::Pitch(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn list_parses_with_spaces_and_orders_offs_first() {
        let notes = parse_notes(" C4@0:2, E4@0.5:1.5 ,69@2:1").unwrap();
        assert_eq!(
            notes,
            [
                NoteSpec {
                    note: 60,
                    start_s: 0.0,
                    duration_s: 2.0
                },
                NoteSpec {
                    note: 64,
                    start_s: 0.5,
                    duration_s: 1.5
                },
                NoteSpec {
                    note: 69,
                    start_s: 2.0,
                    duration_s: 1.0
                },
            ]
        );
        let song = notes_to_song(&notes);
        let at_2: Vec<NoteEvent> = song
            .events()
            .iter()
            .filter(|e| e.time_s == 2.0)
            .map(|e| e.event)
            .collect();
        assert_eq!(
            at_2,
            [
                NoteEvent::NoteOff { note: 60 },
                NoteEvent::NoteOff { note: 64 },
                NoteEvent::NoteOn {
                    note: 69,
                    velocity: NOTES_VELOCITY
                },
            ]
        );
        assert_eq!(song.last_event_s(), 3.0);
    }

    #[test]
    fn bad_items_name_themselves() {
        let cases = [
            ("C4@0", NotesErrorKind::Syntax),
            ("C4", NotesErrorKind::Syntax),
            ("C4@-1:2", NotesErrorKind::Start("-1".into())),
            ("C4@x:2", NotesErrorKind::Start("x".into())),
            ("C4@0:0", NotesErrorKind::Duration("0".into())),
            ("C4@0:inf", NotesErrorKind::Duration("inf".into())),
            ("H4@0:1", NotesErrorKind::Pitch("H4".into())),
        ];
        for (item, kind) in cases {
            let err = parse_notes(&format!("A4@0:1,{item}")).unwrap_err();
            assert_eq!(
                err,
                NotesError {
                    item: item.into(),
                    kind
                },
                "{item}"
            );
            assert!(err.to_string().contains(item), "{err}");
        }
        assert_eq!(parse_notes(" , ").unwrap_err().kind, NotesErrorKind::Empty);
    }
}
