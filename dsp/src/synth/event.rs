//! Note and controller events with their sample offsets inside a block.

/// The release velocity (0..1) of a note-off that carries none: MIDI's 64/127. The MIDI 1.0
/// specification has a keyboard without release-velocity sensing send note-off velocity 64,
/// and a note-on of velocity 0 (running-status note-off) stands for a note-off of velocity 64,
/// so a release the engine cannot tell apart from those reads the same value.
pub const DEFAULT_RELEASE_VELOCITY: f32 = 64.0 / 127.0;

/// A per-voice expression, as CLAP and VST3 note expressions send them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expression {
    /// Pitch offset in semitones (−120..120).
    Tuning,
    /// Pressure 0..1: brightens the morph point along y, like channel pressure.
    Pressure,
    /// Brightness 0..1 (0.5 neutral): moves the morph point along y by `value − 0.5`.
    Brightness,
}

/// What a polyphonic modulation offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolyTarget {
    /// Morph x, in morph units.
    MorphX,
    /// Morph y, in morph units.
    MorphY,
    /// Morph z, in morph units.
    MorphZ,
    /// Filter cutoff, in octaves.
    Cutoff,
}

/// A musical event the engine understands.
///
/// Voices are found by `voice_id` when the event has one, else by note and channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NoteEvent {
    /// Start a note on channel 0 with no host voice id. `velocity` is 0..1.
    NoteOn {
        /// MIDI note number, 69 = A4 = 440 Hz.
        note: u8,
        /// Strike velocity, 0..1.
        velocity: f32,
    },
    /// Release the note on channel 0, with release velocity [`DEFAULT_RELEASE_VELOCITY`]
    /// (use [`NoteEvent::VoiceOff`] for another).
    NoteOff {
        /// MIDI note number.
        note: u8,
    },
    /// Start a note with its channel and the host's voice id.
    VoiceOn {
        /// MIDI note number.
        note: u8,
        /// MIDI channel, 0..15.
        channel: u8,
        /// Strike velocity, 0..1.
        velocity: f32,
        /// The host's id for this voice, if it gives one.
        voice_id: Option<i32>,
    },
    /// Release a note.
    VoiceOff {
        /// MIDI note number.
        note: u8,
        /// MIDI channel.
        channel: u8,
        /// The host's voice id, if any.
        voice_id: Option<i32>,
        /// Release velocity (MPE lift), 0..1: the MIDI note-off velocity / 127, or
        /// [`DEFAULT_RELEASE_VELOCITY`] when the message had none. The matrix source
        /// [`Source::ReleaseVelocity`](crate::modulation::Source::ReleaseVelocity) reads it.
        velocity: f32,
    },
    /// Stop a note at once (a short fade, no release).
    Choke {
        /// MIDI note number.
        note: u8,
        /// MIDI channel.
        channel: u8,
        /// The host's voice id, if any.
        voice_id: Option<i32>,
    },
    /// Channel pitch bend, −1..1, scaled by [`SynthParams::bend_range_semitones`](super::SynthParams).
    PitchBend {
        /// Bend position, −1 (down) to 1 (up), 0 = centre.
        value: f32,
    },
    /// Mod wheel (CC1), 0..1: moves the morph point along z (formant) by up to +0.5.
    ModWheel {
        /// Wheel position, 0..1.
        value: f32,
    },
    /// Sustain pedal (CC64): while down, released notes keep sounding.
    Sustain {
        /// True while the pedal is down.
        down: bool,
    },
    /// Channel pressure (aftertouch), 0..1: moves every voice's morph point along y by up to
    /// +0.5.
    ChannelPressure {
        /// Pressure, 0..1.
        value: f32,
    },
    /// Polyphonic key pressure, 0..1, for one note: as channel pressure, for that voice.
    PolyPressure {
        /// MIDI note number.
        note: u8,
        /// MIDI channel.
        channel: u8,
        /// Pressure, 0..1.
        value: f32,
    },
    /// A note expression for one voice.
    Expression {
        /// MIDI note number.
        note: u8,
        /// MIDI channel.
        channel: u8,
        /// The host's voice id, if any.
        voice_id: Option<i32>,
        /// Which expression.
        kind: Expression,
        /// Its value (units per [`Expression`]).
        value: f32,
    },
    /// A polyphonic modulation offset for one voice (CLAP).
    PolyMod {
        /// MIDI note number.
        note: u8,
        /// MIDI channel.
        channel: u8,
        /// The host's voice id, if any.
        voice_id: Option<i32>,
        /// What to offset.
        target: PolyTarget,
        /// The offset, in morph units or octaves per [`PolyTarget`].
        offset: f32,
    },
    /// Release every sounding voice (and lift the sustain pedal).
    AllNotesOff,
    /// Sets a macro knob (a matrix source) at this sample offset; it then glides there
    /// over [`MACRO_SMOOTH_MS`](crate::modulation::MACRO_SMOOTH_MS). It holds until the
    /// next such event or until [`SynthParams::macros`](super::SynthParams) changes.
    Macro {
        /// Macro 0..4 (higher values are ignored).
        index: u8,
        /// Value, 0..1.
        value: f32,
    },
    /// A controller for one MIDI channel: it acts on that channel's notes only. (The
    /// channel-less [`PitchBend`](Self::PitchBend), [`ModWheel`](Self::ModWheel),
    /// [`ChannelPressure`](Self::ChannelPressure) and [`Sustain`](Self::Sustain) act on
    /// every channel.) [`crate::synth::midi`] makes these from MIDI messages.
    Channel {
        /// MIDI channel, 0..15 (higher values address channel 15).
        channel: u8,
        /// What changes.
        control: ChannelControl,
    },
}

/// A channel-wide controller change, as a MIDI channel message carries it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChannelControl {
    /// Pitch bend, −1 (down) to 1 (up), 0 = centre; scaled by
    /// [`SynthParams::bend_range_semitones`](super::SynthParams).
    PitchBend(f32),
    /// Mod wheel (CC1), 0..1: moves the channel's morph points along z by up to +0.5.
    ModWheel(f32),
    /// Channel pressure, 0..1: moves the channel's morph points along y by up to +0.5.
    Pressure(f32),
    /// Sustain pedal (CC64), true while down: released notes keep sounding until it lifts.
    Sustain(bool),
    /// Sostenuto pedal (CC66), true while down: the notes sounding when it went down keep
    /// sounding after their release until it lifts; later notes are not held.
    Sostenuto(bool),
    /// All notes off (CC123, and the mode messages CC124–127): releases the channel's
    /// notes, pedals or not.
    AllNotesOff,
    /// All sound off (CC120): the channel's notes stop at once (a 5 ms fade).
    AllSoundOff,
    /// Reset all controllers (CC121): bend centred, wheel and pressure 0, both pedals up.
    ResetControllers,
}

/// An event at a sample offset within the current block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedEvent {
    /// Samples from the start of the block; must be less than the block length.
    pub offset: u32,
    /// What happens.
    pub event: NoteEvent,
}

/// A voice that finished inside the last block, for the host (CLAP `VoiceTerminated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceEnd {
    /// Sample offset in the block where it fell silent.
    pub offset: u32,
    /// The host's voice id, if it gave one.
    pub voice_id: Option<i32>,
    /// MIDI note number.
    pub note: u8,
    /// MIDI channel.
    pub channel: u8,
}
