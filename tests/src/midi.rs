//! Standard MIDI File loading: every track's channel messages as the engine plays them in a
//! DAW, timed in seconds through the file's tempo map.
//!
//! Event parsing (variable-length deltas, meta and SysEx events) is midly's, with one fix:
//! running status survives meta and SysEx events. The SMF specification says they cancel it,
//! but sequencers write files where the notes after a meta event (a tempo change, a marker)
//! carry on without a status byte, and every player we know keeps going; midly instead stops
//! the track there without an error, dropping the rest of it. Here the iterator's running
//! status is restored after each meta or SysEx event.
//!
//! Channel messages become engine events through [`wavecube_dsp::synth::midi`], the mapping
//! the plugin uses for its host's events, so every channel keeps its own bend, mod wheel,
//! pressure, sustain and sostenuto pedals (an MPE file bends only its own notes). Tick times
//! become seconds by integrating every tempo change of every track (format 1 keeps them in
//! the first track, but any track may hold one), or at a fixed rate for SMPTE time division.

use std::path::Path;

use midly::{MetaMessage, MidiMessage, Timing, TrackEventKind};
use wavecube_dsp::synth::midi as engine_midi;

use crate::error::{HarnessError, MidiError};
use crate::song::{Song, SongEvent};

/// Tempo before the first tempo event, microseconds per quarter note (120 bpm, per the SMF spec).
pub const DEFAULT_TEMPO_US_PER_BEAT: u32 = 500_000;

/// A parsed MIDI file: the song, and notes on what was read but not played.
#[derive(Debug, Clone, PartialEq)]
pub struct MidiFile {
    /// The engine events, timed.
    pub song: Song,
    /// One line each on what the file held that the engine ignores or that was repaired
    /// (program changes, a track cut short, running status continued over meta events).
    pub notes: Vec<String>,
}

/// Reads and parses the Standard MIDI File at `path`.
///
/// # Errors
/// [`HarnessError::Midi`] naming `path` if it cannot be read or parsed (see [`parse_smf`]).
pub fn load_smf(path: &Path) -> Result<Song, HarnessError> {
    load_midi(path).map(|m| m.song)
}

/// [`load_smf`], with the parse's notes.
///
/// # Errors
/// As [`load_smf`].
pub fn load_midi(path: &Path) -> Result<MidiFile, HarnessError> {
    let wrap = |source| HarnessError::Midi {
        path: path.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(|e| wrap(MidiError::Io(e)))?;
    parse_midi(&bytes).map_err(wrap)
}

/// Parses a format 0 or 1 Standard MIDI File into a [`Song`] (see [`parse_midi`]).
///
/// # Errors
/// As [`parse_midi`].
pub fn parse_smf(bytes: &[u8]) -> Result<Song, MidiError> {
    parse_midi(bytes).map(|m| m.song)
}

/// Refuses an SMPTE time division whose frame-rate byte is 0x80 (−128 frames per second),
/// which midly 0.5 negates as an `i8` and so panics on (with overflow checks) before it can
/// say the rate is invalid. Found by `tests/tests/midi_fuzz.rs`.
fn check_smpte_rate(bytes: &[u8]) -> Result<(), MidiError> {
    let Some(at) = bytes.windows(4).position(|w| w == b"MThd") else {
        return Ok(());
    };
    match bytes.get(at + 12) {
        Some(0x80) => Err(MidiError::Timing(
            "SMPTE frame rate byte 0x80 (-128 frames per second)".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// Parses a format 0 or 1 Standard MIDI File: every channel message goes through
/// [`wavecube_dsp::synth::midi::from_bytes`] with its channel (notes, pitch bend, mod
/// wheel, channel and key pressure, sustain CC64, sostenuto CC66, all sound off CC120,
/// reset all controllers CC121, all notes off CC123–127). Program changes, other
/// controllers and SysEx are not played; program changes are noted.
///
/// # Errors
/// [`MidiError::Parse`] for malformed bytes, [`MidiError::MissingTracks`]
/// when fewer tracks are present than declared, [`MidiError::Sequential`] for
/// format 2, [`MidiError::Timing`] for a zero time division and
/// [`MidiError::NoNotes`] when no track holds a note-on.
pub fn parse_midi(bytes: &[u8]) -> Result<MidiFile, MidiError> {
    check_smpte_rate(bytes)?;
    let (header, track_iter) = midly::parse(bytes).map_err(MidiError::Parse)?;
    let declared = track_iter.size_hint().0;
    let mut tracks = Vec::new();
    let mut notes = Vec::new();
    let mut resumed = 0_usize;
    for (n, track) in track_iter.enumerate() {
        let mut iter = track.map_err(MidiError::Parse)?;
        let mut events = Vec::new();
        let mut tick = 0_u64;
        let mut running = None;
        let mut ended = false;
        while let Some(ev) = iter.next() {
            // NOTE: without midly's `strict` feature the iterator ends instead of erring.
            let ev = ev.map_err(MidiError::Parse)?;
            tick += u64::from(ev.delta.as_int());
            match ev.kind {
                TrackEventKind::Midi { .. } => running = iter.running_status(),
                TrackEventKind::Meta(MetaMessage::EndOfTrack) => {
                    ended = true;
                    break;
                }
                _ => {
                    // Running status survives meta and SysEx events (see the module docs).
                    if running.is_some() && next_status(iter.unread()).is_some_and(|b| b < 0x80) {
                        resumed += 1;
                    }
                    *iter.running_status_mut() = running;
                }
            }
            events.push((tick, ev.kind));
        }
        if !ended {
            notes.push(format!(
                "track {}: no end-of-track event; it is cut short or malformed after {} event{}, \
                 which were played",
                n + 1,
                events.len(),
                plural(events.len())
            ));
        }
        tracks.push(events);
    }
    if tracks.len() < declared {
        return Err(MidiError::MissingTracks {
            declared,
            found: tracks.len(),
        });
    }
    if header.format == midly::Format::Sequential {
        return Err(MidiError::Sequential);
    }
    if resumed > 0 {
        notes.push(format!(
            "running status continues after a meta or SysEx event {resumed} time{}; \
             the status carried on, as sequencers mean it",
            plural(resumed)
        ));
    }
    let clock = TickClock::new(header.timing, &tracks)?;
    let mut events = Vec::new();
    let mut programs = 0_usize;
    for track in &tracks {
        for &(tick, kind) in track {
            if let TrackEventKind::Midi { channel, message } = kind {
                if matches!(message, MidiMessage::ProgramChange { .. }) {
                    programs += 1;
                }
                let (raw, len) = raw_message(channel.as_int(), message);
                if let Some(event) = engine_midi::from_bytes(&raw[..len]) {
                    events.push(SongEvent {
                        time_s: clock.seconds(tick),
                        event,
                    });
                }
            }
        }
    }
    if programs > 0 {
        notes.push(format!(
            "{programs} program change{} ignored: every channel plays the one patch",
            plural(programs)
        ));
    }
    let song = Song::from_events(events);
    if song.note_count() == 0 {
        return Err(MidiError::NoNotes);
    }
    Ok(MidiFile { song, notes })
}

/// `"s"` unless `n` is 1.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The first byte after the delta time at the start of `unread`: the next event's status
/// byte, or its first data byte under running status.
fn next_status(unread: &[u8]) -> Option<u8> {
    let end = unread.iter().position(|&b| b < 0x80)?;
    unread.get(end + 1).copied()
}

/// The raw bytes of a channel message (status with channel, data) and how many there are.
fn raw_message(channel: u8, message: MidiMessage) -> ([u8; 3], usize) {
    let ch = channel & 0x0F;
    match message {
        MidiMessage::NoteOff { key, vel } => ([0x80 | ch, key.as_int(), vel.as_int()], 3),
        MidiMessage::NoteOn { key, vel } => ([0x90 | ch, key.as_int(), vel.as_int()], 3),
        MidiMessage::Aftertouch { key, vel } => ([0xA0 | ch, key.as_int(), vel.as_int()], 3),
        MidiMessage::Controller { controller, value } => {
            ([0xB0 | ch, controller.as_int(), value.as_int()], 3)
        }
        MidiMessage::ProgramChange { program } => ([0xC0 | ch, program.as_int(), 0], 2),
        MidiMessage::ChannelAftertouch { vel } => ([0xD0 | ch, vel.as_int(), 0], 2),
        MidiMessage::PitchBend { bend } => {
            let code = bend.0.as_int();
            ([0xE0 | ch, (code & 0x7F) as u8, (code >> 7) as u8], 3)
        }
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
    fn new(timing: Timing, tracks: &[Vec<(u64, TrackEventKind)>]) -> Result<Self, MidiError> {
        match timing {
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
                for track in tracks {
                    for &(tick, kind) in track {
                        if let TrackEventKind::Meta(MetaMessage::Tempo(us)) = kind {
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
    use wavecube_dsp::synth::{ChannelControl, NoteEvent};

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
            (0.0, engine_midi::note_on(0, 60, 100.0 / 127.0)),
            // A note-on of velocity 0 releases with MIDI's default release velocity, 64.
            (0.5, engine_midi::note_off(0, 60, 64.0 / 127.0)),
            (1.0, engine_midi::note_on(0, 64, 1.0)),
            (2.0, engine_midi::note_off(0, 64, 0.0)),
            (2.0, engine_midi::pitch_bend(0, 0.0)),
            (2.0, engine_midi::pitch_bend(0, 1.0)),
            (
                2.0,
                NoteEvent::Channel {
                    channel: 0,
                    control: ChannelControl::AllNotesOff,
                },
            ),
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
            engine_midi::note_on(0, 60, 1.0 / 127.0)
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
