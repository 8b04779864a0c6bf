//! The one mapping from MIDI channel messages to engine events, shared by the plugin (host
//! note events) and the harness (Standard MIDI Files), so `wavecube render` plays a file as
//! the plugin plays it in a DAW.
//!
//! Mapping: note-on (velocity 0 = note-off of release velocity 64/127) and note-off (with its
//! release velocity) keep their channel; pitch bend is
//! per channel, −1..1 (14-bit code 8192 = 0, 0 = −1, 16383 = +1); CC1 → mod wheel (morph z),
//! CC64 → sustain and CC66 → sostenuto (down at ≥ 64), CC120 → all sound off, CC121 → reset
//! all controllers, CC123–127 → all notes off; channel pressure → morph y for the channel,
//! polyphonic key pressure → morph y for one note. Other controllers, program changes and
//! system messages map to nothing.

use super::{ChannelControl, NoteEvent, DEFAULT_RELEASE_VELOCITY};

/// MIDI CC 1: mod wheel.
pub const CC_MOD_WHEEL: u8 = 1;
/// MIDI CC 64: sustain (damper) pedal.
pub const CC_SUSTAIN: u8 = 64;
/// MIDI CC 66: sostenuto pedal.
pub const CC_SOSTENUTO: u8 = 66;
/// MIDI CC 120: all sound off.
pub const CC_ALL_SOUND_OFF: u8 = 120;
/// MIDI CC 121: reset all controllers.
pub const CC_RESET_CONTROLLERS: u8 = 121;
/// MIDI CC 123: all notes off. The channel mode messages 124–127 (omni off/on, mono, poly)
/// also turn all notes off, per the MIDI 1.0 specification.
pub const CC_ALL_NOTES_OFF: u8 = 123;

/// A pedal is down at this normalised controller value and above (64/127, MIDI's rule),
/// less a little for hosts that round the division.
pub const PEDAL_DOWN: f32 = 64.0 / 127.0 - 1e-4;

/// The channel number the engine uses for `channel` (higher values address channel 15).
fn chan(channel: u8) -> u8 {
    channel.min(15)
}

/// `value` clamped to 0..1, NaN to 0.
fn unit(value: f32) -> f32 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0)
    }
}

/// A note-on on `channel` with `velocity` 0..1 (0 releases the note with release velocity
/// [`DEFAULT_RELEASE_VELOCITY`], MIDI's rule).
pub fn note_on(channel: u8, note: u8, velocity: f32) -> NoteEvent {
    let velocity = unit(velocity);
    if velocity == 0.0 {
        return note_off(channel, note, DEFAULT_RELEASE_VELOCITY);
    }
    NoteEvent::VoiceOn {
        note: note.min(127),
        channel: chan(channel),
        velocity,
        voice_id: None,
    }
}

/// A note-off on `channel` with release velocity `velocity` 0..1 (the 7-bit note-off
/// velocity / 127; clamped, NaN is [`DEFAULT_RELEASE_VELOCITY`]).
pub fn note_off(channel: u8, note: u8, velocity: f32) -> NoteEvent {
    NoteEvent::VoiceOff {
        note: note.min(127),
        channel: chan(channel),
        voice_id: None,
        velocity: if velocity.is_nan() {
            DEFAULT_RELEASE_VELOCITY
        } else {
            velocity.clamp(0.0, 1.0)
        },
    }
}

/// A pitch bend on `channel`, `value` −1..1 (clamped; NaN is centre).
pub fn pitch_bend(channel: u8, value: f32) -> NoteEvent {
    let value = if value.is_finite() {
        value.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    NoteEvent::Channel {
        channel: chan(channel),
        control: ChannelControl::PitchBend(value),
    }
}

/// Bend position −1..1 from MIDI's 14-bit code 0..16383: 8192 is exactly 0, 0 is −1 and
/// 16383 exactly +1 (the upper half is scaled by 8191).
pub fn bend_from_code(code: u16) -> f32 {
    let c = f32::from(code.min(16383)) - 8192.0;
    if c >= 0.0 {
        c / 8191.0
    } else {
        c / 8192.0
    }
}

/// Bend position −1..1 from a normalised pitch bend (0..1, 0.5 = centre), as plugin hosts
/// send it: snapped to MIDI's 14-bit grid first, so the centre is exactly 0 (a host that
/// divides by 16383 puts code 8192 a hair above 0.5), then [`bend_from_code`].
pub fn bend_from_normalized(value: f32) -> f32 {
    if !value.is_finite() {
        return 0.0;
    }
    bend_from_code((value.clamp(0.0, 1.0) * 16383.0).round() as u16)
}

/// Channel pressure (aftertouch) on `channel`, `value` 0..1.
pub fn channel_pressure(channel: u8, value: f32) -> NoteEvent {
    NoteEvent::Channel {
        channel: chan(channel),
        control: ChannelControl::Pressure(unit(value)),
    }
}

/// Polyphonic key pressure for `note` on `channel`, `value` 0..1.
pub fn poly_pressure(channel: u8, note: u8, value: f32) -> NoteEvent {
    NoteEvent::PolyPressure {
        note: note.min(127),
        channel: chan(channel),
        value: unit(value),
    }
}

/// The engine event for controller `cc` on `channel` at normalised `value` (0..1, the 7-bit
/// value / 127), or `None` for controllers the engine does not use (see the module docs).
pub fn controller(channel: u8, cc: u8, value: f32) -> Option<NoteEvent> {
    let value = unit(value);
    let control = match cc {
        CC_MOD_WHEEL => ChannelControl::ModWheel(value),
        CC_SUSTAIN => ChannelControl::Sustain(value >= PEDAL_DOWN),
        CC_SOSTENUTO => ChannelControl::Sostenuto(value >= PEDAL_DOWN),
        CC_ALL_SOUND_OFF => ChannelControl::AllSoundOff,
        CC_RESET_CONTROLLERS => ChannelControl::ResetControllers,
        CC_ALL_NOTES_OFF..=127 => ChannelControl::AllNotesOff,
        _ => return None,
    };
    Some(NoteEvent::Channel {
        channel: chan(channel),
        control,
    })
}

/// The engine event for one raw MIDI channel message (`status` 0x80..=0xEF with its data
/// bytes, 7 bits each; extra bytes are ignored), or `None` for messages the engine does not
/// use, system messages and messages too short for their status.
pub fn from_bytes(message: &[u8]) -> Option<NoteEvent> {
    let (&status, data) = message.split_first()?;
    let channel = status & 0x0F;
    let d = |i: usize| data.get(i).map(|b| b & 0x7F);
    let v = |b: u8| f32::from(b) / 127.0;
    match status & 0xF0 {
        // A note-off cut short before its velocity byte is still a release (velocity 64).
        0x80 => Some(note_off(
            channel,
            d(0)?,
            d(1).map_or(DEFAULT_RELEASE_VELOCITY, v),
        )),
        0x90 => Some(note_on(channel, d(0)?, v(d(1)?))),
        0xA0 => Some(poly_pressure(channel, d(0)?, v(d(1)?))),
        0xB0 => controller(channel, d(0)?, v(d(1)?)),
        0xD0 => Some(channel_pressure(channel, v(d(0)?))),
        0xE0 => {
            let code = u16::from(d(0)?) | (u16::from(d(1)?) << 7);
            Some(pitch_bend(channel, bend_from_code(code)))
        }
        // Program change (0xC0) and system messages (0xF0..) are not the engine's.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bend_codes_hit_centre_and_ends() {
        assert_eq!(bend_from_code(8192), 0.0);
        assert_eq!(bend_from_code(0), -1.0);
        assert_eq!(bend_from_code(16383), 1.0);
        assert_eq!(bend_from_code(u16::MAX), 1.0);
        assert_eq!(bend_from_normalized(8192.0 / 16383.0), 0.0);
        assert_eq!(bend_from_normalized(0.5), 0.0);
        assert_eq!(bend_from_normalized(1.0), 1.0);
        assert_eq!(bend_from_normalized(0.0), -1.0);
        assert_eq!(bend_from_normalized(f32::NAN), 0.0);
        assert_eq!(bend_from_normalized(7.0), 1.0);
    }

    #[test]
    fn raw_messages_map_per_channel() {
        let ch = |channel, control| Some(NoteEvent::Channel { channel, control });
        assert_eq!(
            from_bytes(&[0x93, 60, 127]),
            Some(NoteEvent::VoiceOn {
                note: 60,
                channel: 3,
                velocity: 1.0,
                voice_id: None
            })
        );
        let off = |velocity| {
            Some(NoteEvent::VoiceOff {
                note: 60,
                channel: 3,
                voice_id: None,
                velocity,
            })
        };
        let default = off(DEFAULT_RELEASE_VELOCITY);
        assert_eq!(
            from_bytes(&[0x93, 60, 0]),
            default,
            "velocity 0 is a note-off of velocity 64"
        );
        assert_eq!(from_bytes(&[0x83, 60, 64]), default);
        assert_eq!(from_bytes(&[0x83, 60, 127]), off(1.0), "release velocity");
        assert_eq!(from_bytes(&[0x83, 60, 0]), off(0.0));
        assert_eq!(from_bytes(&[0x83, 60]), default, "no velocity byte");
        assert_eq!(
            from_bytes(&[0xE5, 0x7F, 0x7F]),
            ch(5, ChannelControl::PitchBend(1.0))
        );
        assert_eq!(
            from_bytes(&[0xE5, 0x00, 0x40]),
            ch(5, ChannelControl::PitchBend(0.0))
        );
        assert_eq!(
            from_bytes(&[0xB1, 64, 64]),
            ch(1, ChannelControl::Sustain(true))
        );
        assert_eq!(
            from_bytes(&[0xB1, 64, 63]),
            ch(1, ChannelControl::Sustain(false))
        );
        assert_eq!(
            from_bytes(&[0xB1, 66, 127]),
            ch(1, ChannelControl::Sostenuto(true))
        );
        assert_eq!(
            from_bytes(&[0xB0, 1, 127]),
            ch(0, ChannelControl::ModWheel(1.0))
        );
        assert_eq!(
            from_bytes(&[0xB0, 121, 0]),
            ch(0, ChannelControl::ResetControllers)
        );
        assert_eq!(
            from_bytes(&[0xB0, 120, 0]),
            ch(0, ChannelControl::AllSoundOff)
        );
        for cc in 123..=127 {
            assert_eq!(
                from_bytes(&[0xB0, cc, 0]),
                ch(0, ChannelControl::AllNotesOff)
            );
        }
        assert_eq!(
            from_bytes(&[0xDF, 127]),
            ch(15, ChannelControl::Pressure(1.0))
        );
        assert_eq!(from_bytes(&[0xB0, 7, 100]), None, "volume is not mapped");
        assert_eq!(from_bytes(&[0xC0, 5]), None, "program change is ignored");
        assert_eq!(from_bytes(&[0xF8]), None);
        assert_eq!(from_bytes(&[0x90, 60]), None, "too short");
        assert_eq!(from_bytes(&[]), None);
    }
}
