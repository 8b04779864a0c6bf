//! The polyphonic engine: a fixed voice pool, oldest-voice stealing, poly/mono/legato
//! modes, the sustain pedal, events split at their sample offsets, and the master stage.

use std::sync::Arc;

use crate::cube::{CubeOsc, CubeSet};

use super::voice::{ChannelMod, Scratch};
use super::{
    NoteEvent, SafetyClip, SynthParams, TimedEvent, Voice, VoiceEnd, VoiceMode, VOICE_GAIN,
};

/// Most voices that sound at once.
pub const MAX_VOICES: usize = 64;
/// Extra voices that only carry the fade-out of stolen notes, so stealing never clicks.
pub const STEAL_SLOTS: usize = 8;
/// The engine renders in chunks of at most this many samples (the size of its scratch).
pub const CHUNK: usize = 64;
/// Most voice ends reported per block; more are dropped (and counted).
pub const MAX_ENDS: usize = 2 * (MAX_VOICES + STEAL_SLOTS);
/// Fade applied to a stolen or choked voice, ms.
const STEAL_FADE_MS: f32 = 5.0;
/// Keys remembered for last-note priority in mono and legato modes.
const NOTE_STACK: usize = 16;

/// The synth engine. Everything it needs is allocated in [`Engine::new`]; `process` never
/// allocates, locks or waits.
#[derive(Debug)]
pub struct Engine {
    /// Sample rate, Hz.
    sample_rate: f32,
    /// Longest block `process` accepts at once, samples (longer ones are split).
    max_block: usize,
    /// The cube the voices play. Replaced whole by [`Engine::set_cube`].
    cube: Arc<CubeSet>,
    /// The oscillator kernel (stateless).
    osc: CubeOsc,
    /// Settings as the host last wrote them.
    params: SynthParams,
    /// The voice pool: `MAX_VOICES + STEAL_SLOTS` voices.
    voices: Vec<Voice>,
    /// Note-ons so far (voice ages and seeds).
    note_counter: u64,
    /// Pitch bend, mod wheel and channel pressure.
    channel: ChannelMod,
    /// Pitch-bend position, −1..1.
    bend: f32,
    /// True while the sustain pedal is down.
    pedal: bool,
    /// Held keys in mono and legato modes, oldest first: (note, channel, velocity).
    stack: [(u8, u8, f32); NOTE_STACK],
    /// Entries used in `stack`.
    stack_len: usize,
    /// Chunk scratch lent to each voice.
    scratch: Scratch,
    /// Voices that ended during the last `process` call.
    ends: Vec<VoiceEnd>,
    /// Voice ends that did not fit in `ends` since construction.
    ends_dropped: u64,
    /// Most voices sounding at once since construction or reset.
    peak_voices: usize,
}

impl Engine {
    /// An engine at `sample_rate_hz` that accepts blocks of up to `max_block` samples.
    ///
    /// # Allocation
    /// Allocates the voice pool and scratch buffers.
    pub fn new(sample_rate_hz: f32, max_block: usize, cube: Arc<CubeSet>) -> Self {
        let sample_rate = if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
            sample_rate_hz
        } else {
            48000.0
        };
        Self {
            sample_rate,
            max_block: max_block.max(1),
            cube,
            osc: CubeOsc::new(),
            params: SynthParams::default(),
            voices: (0..MAX_VOICES + STEAL_SLOTS)
                .map(|_| Voice::new(sample_rate))
                .collect(),
            note_counter: 0,
            channel: ChannelMod::default(),
            bend: 0.0,
            pedal: false,
            stack: [(0, 0, 0.0); NOTE_STACK],
            stack_len: 0,
            scratch: Scratch::new(CHUNK),
            ends: Vec::with_capacity(MAX_ENDS),
            ends_dropped: 0,
            peak_voices: 0,
        }
    }

    /// Sample rate, Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Longest block `process` accepts at once, samples.
    pub fn max_block(&self) -> usize {
        self.max_block
    }

    /// The settings.
    pub fn params(&self) -> &SynthParams {
        &self.params
    }

    /// The settings, to change between blocks.
    pub fn params_mut(&mut self) -> &mut SynthParams {
        &mut self.params
    }

    /// The cube being played.
    pub fn cube(&self) -> &Arc<CubeSet> {
        &self.cube
    }

    /// Swaps in a new cube and returns the old one. The caller must drop the old `Arc`
    /// off the audio thread (send it back through a queue). Sounding voices continue on the
    /// new cube at their phase.
    pub fn set_cube(&mut self, cube: Arc<CubeSet>) -> Arc<CubeSet> {
        std::mem::replace(&mut self.cube, cube)
    }

    /// Voices sounding now (including stolen voices fading out).
    pub fn active_voices(&self) -> usize {
        self.voices.iter().filter(|v| v.is_active()).count()
    }

    /// Most voices sounding at once since construction or [`Engine::reset`].
    pub fn peak_voices(&self) -> usize {
        self.peak_voices
    }

    /// Voices that fell silent during the last [`Engine::process`] call, in order.
    pub fn ended_voices(&self) -> &[VoiceEnd] {
        &self.ends
    }

    /// Voice ends that could not be reported because more than [`MAX_ENDS`] happened in
    /// one block (since construction).
    pub fn ended_voices_dropped(&self) -> u64 {
        self.ends_dropped
    }

    /// Silences every voice and clears controllers and statistics.
    pub fn reset(&mut self) {
        for v in &mut self.voices {
            v.reset();
        }
        self.bend = 0.0;
        self.channel = ChannelMod::default();
        self.pedal = false;
        self.stack_len = 0;
        self.note_counter = 0;
        self.peak_voices = 0;
        self.ends.clear();
    }

    /// Changes the sample rate (silences all voices).
    pub fn set_sample_rate(&mut self, sample_rate_hz: f32) {
        if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
            self.sample_rate = sample_rate_hz;
        }
        for v in &mut self.voices {
            v.set_sample_rate(self.sample_rate);
        }
        self.reset();
    }

    /// Renders one block into `left` and `right` (overwritten), applying `events` at their
    /// offsets. Events must be sorted by offset; offsets at or past the block end apply at
    /// its last sample.
    pub fn process(&mut self, events: &[TimedEvent], left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let (left, right) = (&mut left[..len], &mut right[..len]);
        left.fill(0.0);
        right.fill(0.0);
        self.ends.clear();
        let params = self.params.sanitized();
        self.channel.bend_semitones = self.bend * params.bend_range_semitones;
        let mut pos = 0;
        for ev in events {
            let at = (ev.offset as usize).min(len.saturating_sub(1)).max(pos);
            self.render(&params, left, right, pos, at);
            pos = at;
            self.apply(&params, ev.event);
        }
        self.render(&params, left, right, pos, len);
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            *l = SafetyClip::tick(*l * params.gain);
            *r = SafetyClip::tick(*r * params.gain);
        }
    }

    /// Renders samples `from..to` of the block.
    fn render(
        &mut self,
        params: &SynthParams,
        left: &mut [f32],
        right: &mut [f32],
        from: usize,
        to: usize,
    ) {
        let mut start = from;
        while start < to {
            let end = (start + CHUNK).min(to);
            let (l, r) = (&mut left[start..end], &mut right[start..end]);
            for v in self.voices.iter_mut().filter(|v| v.is_active()) {
                v.render(
                    &self.osc,
                    &self.cube,
                    params,
                    self.channel,
                    &mut self.scratch,
                    l,
                    r,
                );
                if !v.is_active() {
                    let end_event = VoiceEnd {
                        offset: end as u32 - 1,
                        voice_id: v.voice_id(),
                        note: v.note(),
                        channel: v.channel(),
                    };
                    if self.ends.len() < MAX_ENDS {
                        self.ends.push(end_event);
                    } else {
                        self.ends_dropped += 1;
                    }
                }
            }
            start = end;
        }
    }

    fn apply(&mut self, params: &SynthParams, event: NoteEvent) {
        match event {
            NoteEvent::NoteOn { note, velocity } => self.note_on(params, note, 0, velocity, None),
            NoteEvent::NoteOff { note } => self.note_off(params, note, 0, None),
            NoteEvent::VoiceOn {
                note,
                channel,
                velocity,
                voice_id,
            } => self.note_on(params, note, channel, velocity, voice_id),
            NoteEvent::VoiceOff {
                note,
                channel,
                voice_id,
            } => self.note_off(params, note, channel, voice_id),
            NoteEvent::Choke {
                note,
                channel,
                voice_id,
            } => {
                for v in self
                    .voices
                    .iter_mut()
                    .filter(|v| v.is_active() && v.matches(note, channel, voice_id))
                {
                    v.kill(STEAL_FADE_MS);
                }
                self.stack_remove(note, channel);
            }
            NoteEvent::PitchBend { value } => {
                self.bend = finite_or(value, 0.0).clamp(-1.0, 1.0);
                self.channel.bend_semitones = self.bend * params.bend_range_semitones;
            }
            NoteEvent::ModWheel { value } => {
                self.channel.wheel = finite_or(value, 0.0).clamp(0.0, 1.0)
            }
            NoteEvent::ChannelPressure { value } => {
                self.channel.pressure = finite_or(value, 0.0).clamp(0.0, 1.0)
            }
            NoteEvent::PolyPressure {
                note,
                channel,
                value,
            } => {
                for v in self
                    .voices
                    .iter_mut()
                    .filter(|v| v.is_active() && v.matches(note, channel, None))
                {
                    v.set_pressure(value);
                }
            }
            NoteEvent::Expression {
                note,
                channel,
                voice_id,
                kind,
                value,
            } => {
                for v in self
                    .voices
                    .iter_mut()
                    .filter(|v| v.is_active() && v.matches(note, channel, voice_id))
                {
                    v.set_expression(kind, value);
                }
            }
            NoteEvent::PolyMod {
                note,
                channel,
                voice_id,
                target,
                offset,
            } => {
                for v in self
                    .voices
                    .iter_mut()
                    .filter(|v| v.is_active() && v.matches(note, channel, voice_id))
                {
                    v.set_poly(target, offset);
                }
            }
            NoteEvent::Sustain { down } => {
                self.pedal = down;
                if !down {
                    for v in self.voices.iter_mut().filter(|v| v.is_sustained()) {
                        v.release(false);
                    }
                }
            }
            NoteEvent::AllNotesOff => {
                self.pedal = false;
                self.stack_len = 0;
                for v in &mut self.voices {
                    v.release(false);
                }
            }
        }
    }

    fn note_on(
        &mut self,
        params: &SynthParams,
        note: u8,
        channel: u8,
        velocity: f32,
        voice_id: Option<i32>,
    ) {
        let note = note.min(127);
        let velocity = finite_or(velocity, 0.0).clamp(0.0, 1.0);
        if velocity == 0.0 {
            // MIDI convention: a note-on with velocity 0 is a note-off.
            self.note_off(params, note, channel, voice_id);
            return;
        }
        let s = params.velocity_sensitivity;
        let gain = VOICE_GAIN * ((1.0 - s) + s * velocity * velocity);
        if params.voice_mode != VoiceMode::Poly {
            let legato_held = self.stack_len > 0;
            self.stack_push(note, channel, velocity);
            if let Some(v) = self.voices.iter_mut().find(|v| v.is_counted()) {
                let retrigger = params.voice_mode == VoiceMode::Mono || !legato_held;
                v.retarget(note, gain, retrigger, params);
                return;
            }
        }
        // A retriggered key releases its previous voice.
        for v in self
            .voices
            .iter_mut()
            .filter(|v| v.is_held() && v.matches(note, channel, None))
        {
            v.release(false);
        }
        let limit = if params.voice_mode == VoiceMode::Poly {
            params.polyphony
        } else {
            1
        };
        let counted = self.voices.iter().filter(|v| v.is_counted()).count();
        if counted >= limit {
            if let Some(oldest) = self
                .voices
                .iter_mut()
                .filter(|v| v.is_counted())
                .min_by_key(|v| v.age())
            {
                oldest.kill(STEAL_FADE_MS);
            }
        }
        let slot = match self.voices.iter().position(|v| !v.is_active()) {
            Some(i) => i,
            // Every slot is busy fading: reuse the oldest.
            None => (0..self.voices.len())
                .min_by_key(|&i| self.voices[i].age())
                .unwrap_or(0),
        };
        self.note_counter += 1;
        self.voices[slot].start(note, channel, voice_id, gain, self.note_counter, params);
        let active = self.voices.iter().filter(|v| v.is_counted()).count();
        self.peak_voices = self.peak_voices.max(active);
    }

    fn note_off(&mut self, params: &SynthParams, note: u8, channel: u8, voice_id: Option<i32>) {
        if params.voice_mode != VoiceMode::Poly {
            self.stack_remove(note, channel);
            // Last-note priority: fall back to the newest key still held.
            if self.stack_len > 0 {
                let (n, _, vel) = self.stack[self.stack_len - 1];
                let s = params.velocity_sensitivity;
                let gain = VOICE_GAIN * ((1.0 - s) + s * vel * vel);
                let retrigger = params.voice_mode == VoiceMode::Mono;
                if let Some(v) = self
                    .voices
                    .iter_mut()
                    .find(|v| v.is_counted() && v.note() == note)
                {
                    v.retarget(n, gain, retrigger, params);
                }
                return;
            }
        }
        let pedal = self.pedal;
        for v in self
            .voices
            .iter_mut()
            .filter(|v| v.is_held() && v.matches(note, channel, voice_id))
        {
            v.release(pedal);
        }
    }

    fn stack_push(&mut self, note: u8, channel: u8, velocity: f32) {
        self.stack_remove(note, channel);
        if self.stack_len == NOTE_STACK {
            self.stack.copy_within(1.., 0);
            self.stack_len -= 1;
        }
        self.stack[self.stack_len] = (note, channel, velocity);
        self.stack_len += 1;
    }

    fn stack_remove(&mut self, note: u8, channel: u8) {
        if let Some(i) = self.stack[..self.stack_len]
            .iter()
            .position(|&(n, c, _)| n == note && c == channel)
        {
            self.stack.copy_within(i + 1..self.stack_len, i);
            self.stack_len -= 1;
        }
    }
}

/// `v`, or `default` when it is NaN or infinite.
fn finite_or(v: f32, default: f32) -> f32 {
    if v.is_finite() {
        v
    } else {
        default
    }
}
