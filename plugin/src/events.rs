//! Host note events turned into engine events, gathered in a buffer allocated once.

use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::NoteEvent as HostEvent;
use wavecube_dsp::synth::midi;
use wavecube_dsp::synth::{Expression, NoteEvent, TimedEvent, DEFAULT_RELEASE_VELOCITY};
use wavecube_gui::handle::{set_key, LiveEvent};

/// Engine events one [`EventQueue`] holds before the block is rendered up to the next event
/// and the queue reused (the plugin's own input capacity, so a full queue is rare).
pub const EVENT_CAPACITY: usize = 1024;

/// A fixed-capacity list of engine events for one piece of a block. Written and read by the
/// audio thread only; it never grows after construction.
#[derive(Debug)]
pub struct EventQueue {
    /// The events, offsets relative to the piece start; `len() <= capacity` always.
    events: Vec<TimedEvent>,
}

impl EventQueue {
    /// An empty queue that holds `capacity` events (at least one).
    ///
    /// # Allocation
    /// Allocates the buffer once.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            events: Vec::with_capacity(capacity.max(1)),
        }
    }

    /// Removes every event (keeps the buffer).
    pub fn clear(&mut self) {
        self.events.clear();
    }

    /// True when one more push would not fit.
    pub fn is_full(&self) -> bool {
        self.events.len() == self.events.capacity()
    }

    /// Appends `event` and returns true, or returns false (and drops nothing already queued)
    /// when the queue is full. Never allocates.
    pub fn push(&mut self, event: TimedEvent) -> bool {
        if self.is_full() {
            return false;
        }
        self.events.push(event);
        true
    }

    /// The queued events, in push order.
    pub fn as_slice(&self) -> &[TimedEvent] {
        &self.events
    }
}

/// The channel number of a host channel (wildcards address channel 0).
fn channel_number(channel: Channel) -> u8 {
    channel.number().unwrap_or(0).min(15)
}

/// The host's voice id, if it gave one.
fn voice(voice_id: VoiceID) -> Option<i32> {
    voice_id.id()
}

/// The engine event for a host event, with the host's sample offset; `None` for events the
/// engine does not use (other CCs, program changes, volume/pan/vibrato expressions, SysEx).
///
/// Mapping: notes keep their channel and voice id; pitch bend, controllers and pressure go
/// through [`wavecube_dsp::synth::midi`], the mapping `wavecube render` uses for MIDI files
/// (per channel: CC1 → mod wheel (morph z), CC64 sustain and CC66 sostenuto pedals,
/// CC120 all sound off, CC121 reset controllers, CC123–127 all notes off; pressure → morph
/// y); tuning and brightness note expressions → per-voice expressions; wildcard note-offs →
/// all notes off.
pub fn to_engine<S>(event: &HostEvent<S>) -> Option<(u32, NoteEvent)> {
    let converted = match *event {
        HostEvent::NoteOn {
            timing,
            voice_id,
            channel,
            key: Key::Number(note),
            velocity,
        } => (
            timing,
            NoteEvent::VoiceOn {
                note: note.min(127),
                channel: channel_number(channel),
                velocity,
                voice_id: voice(voice_id),
            },
        ),
        HostEvent::NoteOff {
            timing,
            voice_id,
            channel,
            key,
            velocity,
        } => match key {
            // The host's release velocity (MIDI note-off velocity / 127, or MPE lift) is the
            // matrix's `release_velocity` source.
            Key::Number(note) => (
                timing,
                NoteEvent::VoiceOff {
                    note,
                    channel: channel_number(channel),
                    voice_id: voice(voice_id),
                    velocity: release_unit(velocity),
                },
            ),
            // A wildcard key addresses every key.
            Key::Wildcard => (timing, NoteEvent::AllNotesOff),
        },
        HostEvent::Choke {
            timing,
            voice_id,
            channel,
            key: Key::Number(note),
        } => (
            timing,
            NoteEvent::Choke {
                note,
                channel: channel_number(channel),
                voice_id: voice(voice_id),
            },
        ),
        HostEvent::MidiPitchBend {
            timing,
            channel,
            value,
        } => (
            timing,
            midi::pitch_bend(channel, bend_from_normalized(value)),
        ),
        HostEvent::MidiCC {
            timing,
            channel,
            cc,
            value,
        } => (timing, midi::controller(channel, cc, value)?),
        HostEvent::MidiChannelPressure {
            timing,
            channel,
            pressure,
        } => (timing, midi::channel_pressure(channel, pressure)),
        HostEvent::PolyPressure {
            timing,
            channel,
            key: Key::Number(note),
            pressure,
            ..
        } => (
            timing,
            midi::poly_pressure(channel_number(channel), note, pressure),
        ),
        HostEvent::PolyTuning {
            timing,
            voice_id,
            channel,
            key: Key::Number(note),
            tuning,
        } => (
            timing,
            NoteEvent::Expression {
                note,
                channel: channel_number(channel),
                voice_id: voice(voice_id),
                kind: Expression::Tuning,
                value: if tuning.is_finite() { tuning } else { 0.0 },
            },
        ),
        HostEvent::PolyBrightness {
            timing,
            voice_id,
            channel,
            key: Key::Number(note),
            brightness,
        } => (
            timing,
            NoteEvent::Expression {
                note,
                channel: channel_number(channel),
                voice_id: voice(voice_id),
                kind: Expression::Brightness,
                value: unit(brightness),
            },
        ),
        _ => return None,
    };
    Some(converted)
}

/// The engine event for an event the editor played (its on-screen or computer keyboard):
/// the same events a MIDI controller on channel 1 sends through [`to_engine`] (notes without
/// a voice id, pitch bend, CC 1 for the mod wheel).
pub fn live_to_engine(event: LiveEvent) -> NoteEvent {
    match event {
        LiveEvent::NoteOn { note, velocity } => NoteEvent::VoiceOn {
            note: note.min(127),
            channel: 0,
            velocity: unit(velocity),
            voice_id: None,
        },
        // The editor's keys sense no release velocity: MIDI's default 64/127.
        LiveEvent::NoteOff { note } => NoteEvent::VoiceOff {
            note: note.min(127),
            channel: 0,
            voice_id: None,
            velocity: DEFAULT_RELEASE_VELOCITY,
        },
        LiveEvent::PitchBend(value) => midi::pitch_bend(0, value),
        LiveEvent::ModWheel(value) => {
            midi::controller(0, midi::CC_MOD_WHEEL, value).unwrap_or(NoteEvent::AllNotesOff)
        }
        LiveEvent::AllNotesOff => NoteEvent::AllNotesOff,
    }
}

/// Follows the keys the host holds (bit n of `keys` = note n) through `event`, for the
/// editor's keyboard: note-ons set, note-offs and chokes clear, a wildcard note-off and
/// the all-notes-off and all-sound-off controllers clear everything.
pub fn track_host_keys<S>(event: &HostEvent<S>, keys: &mut [u64; 2]) {
    match *event {
        HostEvent::NoteOn {
            key: Key::Number(note),
            velocity,
            ..
        } => set_key(keys, note, velocity > 0.0),
        HostEvent::NoteOff {
            key: Key::Number(note),
            ..
        }
        | HostEvent::Choke {
            key: Key::Number(note),
            ..
        } => set_key(keys, note, false),
        HostEvent::NoteOff {
            key: Key::Wildcard, ..
        } => *keys = [0; 2],
        HostEvent::MidiCC { cc, .. }
            if cc == midi::CC_ALL_SOUND_OFF || cc >= midi::CC_ALL_NOTES_OFF =>
        {
            *keys = [0; 2];
        }
        _ => {}
    }
}

/// A release velocity clamped to 0..1, NaN to [`DEFAULT_RELEASE_VELOCITY`].
fn release_unit(value: f32) -> f32 {
    if value.is_nan() {
        DEFAULT_RELEASE_VELOCITY
    } else {
        value.clamp(0.0, 1.0)
    }
}

/// `value` clamped to 0..1, NaN to 0.
fn unit(value: f32) -> f32 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0)
    }
}

/// Bend position −1..1 from nice-plug's normalised pitch bend (0..1, 0.5 = centre): the
/// shared [`midi::bend_from_normalized`] (nice-plug divides by 16383, which puts the centre
/// code a hair above 0.5; it is snapped back to exactly 0).
pub fn bend_from_normalized(value: f32) -> f32 {
    midi::bend_from_normalized(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bend_hits_centre_and_ends() {
        assert_eq!(bend_from_normalized(8192.0 / 16383.0), 0.0);
        assert_eq!(bend_from_normalized(0.5), 0.0);
        assert_eq!(bend_from_normalized(1.0), 1.0);
        assert_eq!(bend_from_normalized(0.0), -1.0);
        assert_eq!(bend_from_normalized(f32::NAN), 0.0);
        assert_eq!(bend_from_normalized(7.0), 1.0);
    }

    #[test]
    fn notes_convert_and_others_are_skipped() {
        let on: HostEvent<()> = HostEvent::NoteOn {
            timing: 17,
            voice_id: VoiceID::Wildcard,
            channel: Channel::Number(0),
            key: Key::Number(69),
            velocity: 0.5,
        };
        assert_eq!(
            to_engine(&on),
            Some((
                17,
                NoteEvent::VoiceOn {
                    note: 69,
                    channel: 0,
                    velocity: 0.5,
                    voice_id: None,
                }
            ))
        );
        let off: HostEvent<()> = HostEvent::NoteOff {
            timing: 3,
            voice_id: VoiceID::Wildcard,
            channel: Channel::Number(0),
            key: Key::Wildcard,
            velocity: 0.0,
        };
        assert_eq!(to_engine(&off), Some((3, NoteEvent::AllNotesOff)));
        // A key's note-off carries the host's release velocity (MPE lift) to the engine.
        let lift: HostEvent<()> = HostEvent::NoteOff {
            timing: 4,
            voice_id: VoiceID::ID(7),
            channel: Channel::Number(2),
            key: Key::Number(60),
            velocity: 0.25,
        };
        assert_eq!(
            to_engine(&lift),
            Some((
                4,
                NoteEvent::VoiceOff {
                    note: 60,
                    channel: 2,
                    voice_id: Some(7),
                    velocity: 0.25,
                }
            ))
        );
        let cc: HostEvent<()> = HostEvent::MidiCC {
            timing: 0,
            channel: 0,
            cc: 7,
            value: 1.0,
        };
        assert_eq!(to_engine(&cc), None);
        let sustain: HostEvent<()> = HostEvent::MidiCC {
            timing: 5,
            channel: 0,
            cc: 64,
            value: 64.0 / 127.0,
        };
        assert_eq!(
            to_engine(&sustain),
            Some((5, midi::controller(0, 64, 1.0).unwrap())),
            "the shared mapping: channel 0's sustain pedal down"
        );
        let bend: HostEvent<()> = HostEvent::MidiPitchBend {
            timing: 2,
            channel: 4,
            value: 1.0,
        };
        assert_eq!(to_engine(&bend), Some((2, midi::pitch_bend(4, 1.0))));
    }

    #[test]
    fn queue_never_grows() {
        let mut q = EventQueue::with_capacity(2);
        let ev = TimedEvent {
            offset: 0,
            event: NoteEvent::AllNotesOff,
        };
        assert!(q.push(ev));
        assert!(q.push(ev));
        assert!(q.is_full());
        assert!(!q.push(ev));
        assert_eq!(q.as_slice().len(), 2);
        q.clear();
        assert!(q.as_slice().is_empty());
    }
}
