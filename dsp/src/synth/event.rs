//! Note events with their sample offsets inside a block.

/// A musical event the engine understands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NoteEvent {
    /// Start a note. `velocity` is 0..1 (MIDI velocity / 127).
    NoteOn {
        /// MIDI note number, 69 = A4 = 440 Hz.
        note: u8,
        /// Strike velocity, 0..1.
        velocity: f32,
    },
    /// Release every voice playing `note`.
    NoteOff {
        /// MIDI note number.
        note: u8,
    },
    /// Channel pitch bend, −1..1, scaled by [`SynthParams::bend_range_semitones`](super::SynthParams).
    PitchBend {
        /// Bend position, −1 (down) to 1 (up), 0 = centre.
        value: f32,
    },
    /// Release every sounding voice.
    AllNotesOff,
}

/// An event at a sample offset within the current block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedEvent {
    /// Samples from the start of the block; must be less than the block length.
    pub offset: u32,
    /// What happens.
    pub event: NoteEvent,
}
