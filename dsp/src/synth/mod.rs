//! The synth: a polyphonic engine whose voices play the cube oscillator.
//!
//! Leaf units ([`Adsr`], [`Lfo`], [`Svf`], [`SafetyClip`]) know nothing of voices;
//! [`Voice`] wires one note's units to the [`CubeOsc`](crate::cube::CubeOsc); [`Engine`]
//! owns the voice pool, splits blocks at event offsets and mixes.

mod adsr;
mod clip;
mod engine;
mod event;
mod lfo;
pub mod midi;
mod params;
mod svf;
mod voice;

pub use adsr::{Adsr, AdsrParams, AdsrStage};
pub use clip::SafetyClip;
pub use engine::{
    Engine, CHUNK, LATENCY_SAMPLES, MAX_CHORDS, MAX_ENDS, MAX_VOICES, OVERSAMPLE, STEAL_SLOTS,
    TENSION_SMOOTH_MS,
};
pub use event::{
    ChannelControl, Expression, NoteEvent, PolyTarget, TimedEvent, VoiceEnd,
    DEFAULT_RELEASE_VELOCITY,
};
pub use lfo::{Lfo, LfoParams, LfoShape, ParseLfoShapeError, MAX_LFO_RATE_HZ};
pub use params::{note_to_hz, FilterParams, SynthParams, TensionParams, VoiceMode};
pub use svf::{FilterMode, Svf, SvfCoefs};
pub use voice::{Voice, CONTROL, MAX_UNISON, VOICE_GAIN};
