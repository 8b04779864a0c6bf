//! Standard MIDI File loading: every track's note, bend and all-notes-off events, timed in seconds.
//!
//! Parsing (running status, variable-length deltas, meta events) is midly's; this module
//! adds the tempo map: tick times become seconds by integrating every tempo change of
//! every track (format 1 keeps them in the first track, but any track may hold one),
//! or at a fixed rate for SMPTE time division.

use std::path::Path;

use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};
use wavecube_dsp::synth::NoteEvent;

use crate::error::{HarnessError, MidiError};
use crate::song::{Song, SongEvent};

/// Tempo before the first tempo event, microseconds per quarter note (120 bpm, per the SMF spec).
pub const DEFAULT_TEMPO_US_PER_BEAT: u32 = 500_000;

/// Controller numbers that release every note: 120 (all sound off) and 123 (all notes off).
const ALL_OFF_CONTROLLERS: [u8; 2] = [120, 123];

/// Reads and parses the Standard MIDI File at `path`.
///
/// # Errors
/// [`HarnessError::Midi`] naming `path` if it cannot be read or parsed (see [`parse_smf`]).
pub fn load_smf(path: &Path) -> Result<Song, HarnessError> {
    let wrap = |source| HarnessError::Midi {
        path: path.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(|e| wrap(MidiError::Io(e)))?;
    parse_smf(&bytes).map_err(wrap)
}

/// Parses a format 0 or 1 Standard MIDI File into a [`Song`].
///
/// All channels drive the one engine. Note-on with velocity 0 is a note-off;
/// velocity maps to `vel / 127`; pitch bend to `(bend - 8192) / 8192`,
/// clamped to -1..1; controllers 120 and 123 to all-notes-off. Other events
/// (sustain pedal, program changes, SysEx, ...) are ignored.
///
/// # Errors
/// [`MidiError::Parse`] for malformed bytes, [`MidiError::MissingTracks`]
/// when fewer tracks are present than declared, [`MidiError::Sequential`] for
/// format 2, [`MidiError::Timing`] for a zero time division and
/// [`MidiError::NoNotes`] when no track holds a note-on.
pub fn parse_smf(bytes: &[u8]) -> Result<Song, MidiError> {
    let smf = Smf::parse(bytes).map_err(MidiError::Parse)?;
    // NOTE: without midly's `strict` feature a missing track is skipped
    // silently; the lazy parser's size hint is the header's declared count.
    let declared = midly::parse(bytes)
        .map_err(MidiError::Parse)?
        .1
        .size_hint()
        .0;
    if smf.tracks.len() < declared {
        return Err(MidiError::MissingTracks {
            declared,
            found: smf.tracks.len(),
        });
    }
    if smf.header.format == midly::Format::Sequential {
        return Err(MidiError::Sequential);
    }
    let clock = TickClock::new(&smf)?;
    let mut events = Vec::new();
    for track in &smf.tracks {
        let mut tick = 0_u64;
        for ev in track {
            tick += u64::from(ev.delta.as_int());
            if let TrackEventKind::Midi { message, .. } = ev.kind {
                if let Some(event) = note_event(message) {
                    events.push(SongEvent {
                        time_s: clock.seconds(tick),
                        event,
                    });
                }
            }
        }
    }
    let song = Song::from_events(events);
    if song.note_count() == 0 {
        return Err(MidiError::NoNotes);
    }
    Ok(song)
}

/// The engine event for a channel message, if the engine plays it.
fn note_event(message: MidiMessage) -> Option<NoteEvent> {
    match message {
        MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => Some(NoteEvent::NoteOn {
            note: key.as_int(),
            velocity: f32::from(vel.as_int()) / 127.0,
        }),
        MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
            Some(NoteEvent::NoteOff { note: key.as_int() })
        }
        MidiMessage::PitchBend { bend } => Some(NoteEvent::PitchBend {
            value: (f32::from(bend.as_int()) / 8192.0).clamp(-1.0, 1.0),
        }),
        MidiMessage::Controller { controller, .. }
            if ALL_OFF_CONTROLLERS.contains(&controller.as_int()) =>
        {
            Some(NoteEvent::AllNotesOff)
        }
        _ => None,
    }
}

/// Converts absolute ticks to seconds through the file's tempo map.
#[derive(Debug, Clone)]
struct TickClock {
    /// `(tick, seconds at that tick, seconds per tick from there on)`, sorted by tick;
    /// the first point is at tick 0.
    segments: Vec<(u64, f64, f64)>,
}

impl TickClock {
    fn new(smf: &Smf) -> Result<Self, MidiError> {
        match smf.header.timing {
            Timing::Timecode(fps, subframes) => {
                if subframes == 0 {
                    return Err(MidiError::Timing("0 ticks per SMPTE frame".into()));
                }
                let seconds_per_tick = 1.0 / (f64::from(fps.as_f32()) * f64::from(subframes));
                Ok(Self {
                    segments: vec![(0, 0.0, seconds_per_tick)],
                })
            }
            Timing::Metrical(ppq) => {
                let ppq = f64::from(ppq.as_int());
                if ppq == 0.0 {
                    return Err(MidiError::Timing("0 ticks per quarter note".into()));
                }
                let spt = |us_per_beat: u32| f64::from(us_per_beat) * 1e-6 / ppq;
                let mut changes = Vec::new();
                for track in &smf.tracks {
                    let mut tick = 0_u64;
                    for ev in track {
                        tick += u64::from(ev.delta.as_int());
                        if let TrackEventKind::Meta(MetaMessage::Tempo(us)) = ev.kind {
                            changes.push((tick, us.as_int()));
                        }
                    }
                }
                // Stable: of two changes at one tick, the later-listed one wins.
                changes.sort_by_key(|&(tick, _)| tick);
                let mut segments = vec![(0_u64, 0.0_f64, spt(DEFAULT_TEMPO_US_PER_BEAT))];
                for (tick, us) in changes {
                    let &(t0, s0, r0) = segments.last().expect("starts with one segment");
                    let at = s0 + (tick - t0) as f64 * r0;
                    if tick == t0 {
                        segments.pop();
                    }
                    segments.push((tick, at, spt(us)));
                }
                Ok(Self { segments })
            }
        }
    }

    /// Seconds from the start of the file to `tick`.
    fn seconds(&self, tick: u64) -> f64 {
        let i = self.segments.partition_point(|&(t, _, _)| t <= tick);
        let (t0, s0, rate) = self.segments[i.saturating_sub(1)];
        s0 + (tick - t0) as f64 * rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunk: 4-byte tag, big-endian length, data.
    fn chunk(tag: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = tag.to_vec();
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(data);
        out
    }

    fn file(format: u16, division: [u8; 2], tracks: &[&[u8]]) -> Vec<u8> {
        let mut header = format.to_be_bytes().to_vec();
        header.extend_from_slice(&(tracks.len() as u16).to_be_bytes());
        header.extend_from_slice(&division);
        let mut out = chunk(b"MThd", &header);
        for t in tracks {
            out.extend(chunk(b"MTrk", t));
        }
        out
    }

    const END: [u8; 4] = [0x00, 0xFF, 0x2F, 0x00];

    #[test]
    fn format0_with_running_status_and_a_tempo_change() {
        // 96 ticks per beat. 120 bpm, then at tick 192 (1 s) 60 bpm.
        let mut t = vec![
            0x00, 0x90, 60, 100, // note on C4 at 0
            0x60, 60, 0, // running status: vel 0 = off, at tick 96 (0.5 s)
            0x60, 64, 127, // running status: on E4 at tick 192 (1.0 s)
            0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, // tempo 1,000,000 us/beat at tick 192
            0x60, 0x80, 64, 0, // off E4 at tick 288 = 1 s + 1 beat at 60 bpm = 2.0 s
            0x00, 0xE0, 0x00, 0x40, // bend centre (0x2000)
            0x00, 0xE0, 0x7F, 0x7F, // bend max (0x3FFF)
            0x00, 0xB0, 123, 0, // all notes off
        ];
        t.extend_from_slice(&END);
        let song = parse_smf(&file(0, [0, 96], &[&t])).unwrap();
        let got: Vec<(f64, NoteEvent)> =
            song.events().iter().map(|e| (e.time_s, e.event)).collect();
        let want = [
            (
                0.0,
                NoteEvent::NoteOn {
                    note: 60,
                    velocity: 100.0 / 127.0,
                },
            ),
            (0.5, NoteEvent::NoteOff { note: 60 }),
            (
                1.0,
                NoteEvent::NoteOn {
                    note: 64,
                    velocity: 1.0,
                },
            ),
            (2.0, NoteEvent::NoteOff { note: 64 }),
            (2.0, NoteEvent::PitchBend { value: 0.0 }),
            (
                2.0,
                NoteEvent::PitchBend {
                    value: 8191.0 / 8192.0,
                },
            ),
            (2.0, NoteEvent::AllNotesOff),
        ];
        assert_eq!(got.len(), want.len());
        for ((gt, ge), (wt, we)) in got.iter().zip(want.iter()) {
            assert!((gt - wt).abs() < 1e-12, "time {gt} want {wt}");
            assert_eq!(ge, we);
        }
    }

    #[test]
    fn format1_tempo_track_times_every_track() {
        // Conductor: 100 bpm (600,000 us/beat) from tick 0. 480 ppq.
        let mut conductor = vec![0x00, 0xFF, 0x51, 0x03, 0x09, 0x27, 0xC0];
        conductor.extend_from_slice(&END);
        // Track 1: note at beat 2 (tick 960 = 0x87 0x40) lasting one beat.
        let mut t1 = vec![0x87, 0x40, 0x91, 69, 80, 0x83, 0x60, 0x81, 69, 0];
        t1.extend_from_slice(&END);
        let song = parse_smf(&file(1, [0x01, 0xE0], &[&conductor, &t1])).unwrap();
        let times: Vec<f64> = song.events().iter().map(|e| e.time_s).collect();
        assert_eq!(times.len(), 2);
        assert!((times[0] - 1.2).abs() < 1e-12, "on at {}", times[0]);
        assert!((times[1] - 1.8).abs() < 1e-12, "off at {}", times[1]);
        assert_eq!(song.note_count(), 1);
    }

    #[test]
    fn smpte_division_ignores_tempo() {
        // 25 fps x 40 ticks per frame = 1000 ticks per second (division 0xE7 0x28).
        let mut t = vec![
            0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, 0x87, 0x68, 0x90, 60, 1,
        ];
        t.extend_from_slice(&END);
        let song = parse_smf(&file(0, [0xE7, 0x28], &[&t])).unwrap();
        assert!((song.events()[0].time_s - 1.0).abs() < 1e-12);
        assert_eq!(
            song.events()[0].event,
            NoteEvent::NoteOn {
                note: 60,
                velocity: 1.0 / 127.0
            }
        );
    }

    #[test]
    fn bad_files_are_typed_errors() {
        assert!(matches!(parse_smf(b"RIFF...."), Err(MidiError::Parse(_))));
        assert!(matches!(parse_smf(&[]), Err(MidiError::Parse(_))));
        let mut truncated = file(1, [0, 96], &[&END, &END]);
        truncated.truncate(truncated.len() - 12);
        assert!(matches!(
            parse_smf(&truncated),
            Err(MidiError::MissingTracks {
                declared: 2,
                found: 1
            })
        ));
        assert!(matches!(
            parse_smf(&file(0, [0, 96], &[&END])),
            Err(MidiError::NoNotes)
        ));
        let mut t = vec![0x00, 0x90, 60, 100];
        t.extend_from_slice(&END);
        assert!(matches!(
            parse_smf(&file(2, [0, 96], &[&t])),
            Err(MidiError::Sequential)
        ));
        assert!(matches!(
            parse_smf(&file(0, [0, 0], &[&t])),
            Err(MidiError::Timing(_))
        ));
        let missing = Path::new("/nonexistent/wavecube/x.mid");
        let err = load_smf(missing).unwrap_err().to_string();
        assert!(
            err.starts_with("/nonexistent/wavecube/x.mid: cannot read MIDI file"),
            "{err}"
        );
    }
}
