//! A song: note events at absolute times in seconds, sorted, from a MIDI file or a note list.

use wavecube_dsp::synth::NoteEvent;

/// One event at an absolute time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SongEvent {
    /// Time from the start of the song, seconds (>= 0).
    pub time_s: f64,
    /// What happens.
    pub event: NoteEvent,
}

impl SongEvent {
    /// The key this event presses or releases, `(note, channel, velocity)` with velocity
    /// 0..1 (0 for a release, as for a note-on of velocity 0); `None` for other events.
    pub fn key(&self) -> Option<(u8, u8, f32)> {
        match self.event {
            NoteEvent::NoteOn { note, velocity } => Some((note, 0, velocity)),
            NoteEvent::NoteOff { note } => Some((note, 0, 0.0)),
            NoteEvent::VoiceOn {
                note,
                channel,
                velocity,
                ..
            } => Some((note, channel, velocity)),
            NoteEvent::VoiceOff { note, channel, .. } => Some((note, channel, 0.0)),
            _ => None,
        }
    }
}

/// Events sorted by time; events at the same time keep the order they were given in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Song {
    events: Vec<SongEvent>,
}

impl Song {
    /// Sorts `events` by time (stably, so simultaneous events keep their order).
    ///
    /// Events with a negative or non-finite time are moved to 0 s.
    pub fn from_events(mut events: Vec<SongEvent>) -> Self {
        for e in &mut events {
            if !(e.time_s.is_finite() && e.time_s >= 0.0) {
                e.time_s = 0.0;
            }
        }
        events.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
        Self { events }
    }

    /// The events, sorted by time.
    pub fn events(&self) -> &[SongEvent] {
        &self.events
    }

    /// Number of note-on events.
    pub fn note_count(&self) -> usize {
        self.events
            .iter()
            .filter(|e| e.key().is_some_and(|(_, _, velocity)| velocity > 0.0))
            .count()
    }

    /// Time of the last event, seconds (0 for an empty song).
    pub fn last_event_s(&self) -> f64 {
        self.events.last().map_or(0.0, |e| e.time_s)
    }

    /// Default render length, seconds: the last event plus the release
    /// `release_ms` plus half a second, so the final notes ring out.
    pub fn default_duration_s(&self, release_ms: f32) -> f64 {
        self.last_event_s() + f64::from(release_ms.max(0.0)) / 1000.0 + 0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_and_reports_its_extent() {
        let on = |note| NoteEvent::NoteOn {
            note,
            velocity: 0.5,
        };
        let song = Song::from_events(vec![
            SongEvent {
                time_s: 1.0,
                event: NoteEvent::NoteOff { note: 60 },
            },
            SongEvent {
                time_s: 1.0,
                event: on(62),
            },
            SongEvent {
                time_s: 0.0,
                event: on(60),
            },
            SongEvent {
                time_s: f64::NAN,
                event: on(64),
            },
        ]);
        let times: Vec<f64> = song.events().iter().map(|e| e.time_s).collect();
        assert_eq!(times, [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(
            song.events()[2].event,
            NoteEvent::NoteOff { note: 60 },
            "stable at equal times"
        );
        assert_eq!(song.note_count(), 3);
        assert_eq!(song.last_event_s(), 1.0);
        assert!((song.default_duration_s(250.0) - 1.75).abs() < 1e-12);
    }
}
