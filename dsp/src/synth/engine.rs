//! The polyphonic engine: a fixed voice pool, oldest-voice stealing, events split at their
//! sample offsets, and the master stage.

use std::sync::Arc;

use crate::cube::{CubeOsc, CubeSet};

use super::voice::Scratch;
use super::{note_to_hz, NoteEvent, SafetyClip, SynthParams, TimedEvent, Voice, VOICE_GAIN};

/// Most voices that sound at once.
pub const MAX_VOICES: usize = 64;
/// Extra voices that only carry the fade-out of stolen notes, so stealing never clicks.
pub const STEAL_SLOTS: usize = 8;
/// The engine renders in chunks of at most this many samples (the size of its scratch).
pub const CHUNK: usize = 64;
/// Fade applied to a stolen voice, ms.
const STEAL_FADE_MS: f32 = 5.0;

/// The synth engine. Everything it needs is allocated in [`Engine::new`]; `process` never
/// allocates, locks or waits.
#[derive(Debug)]
pub struct Engine {
    /// Sample rate, Hz.
    sample_rate: f32,
    /// Longest block `process` accepts, samples.
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
    /// Pitch-bend position, −1..1.
    bend: f32,
    /// Chunk scratch lent to each voice.
    scratch: Scratch,
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
            bend: 0.0,
            scratch: Scratch::new(CHUNK),
            peak_voices: 0,
        }
    }

    /// Sample rate, Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Longest block `process` accepts, samples.
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
        let old = std::mem::replace(&mut self.cube, cube);
        self.update_pitches();
        old
    }

    /// Voices sounding now (including stolen voices fading out).
    pub fn active_voices(&self) -> usize {
        self.voices.iter().filter(|v| v.is_active()).count()
    }

    /// Most voices sounding at once since construction or [`Engine::reset`].
    pub fn peak_voices(&self) -> usize {
        self.peak_voices
    }

    /// Silences every voice and clears the bend and the voice statistics.
    pub fn reset(&mut self) {
        for v in &mut self.voices {
            v.reset();
        }
        self.bend = 0.0;
        self.note_counter = 0;
        self.peak_voices = 0;
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
    /// its last sample. Blocks longer than `max_block` are rendered in pieces.
    pub fn process(&mut self, events: &[TimedEvent], left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let (left, right) = (&mut left[..len], &mut right[..len]);
        left.fill(0.0);
        right.fill(0.0);
        let params = self.params.sanitized();
        let mut pos = 0;
        for ev in events {
            let at = (ev.offset as usize).min(len.saturating_sub(1)).max(pos);
            self.render(&params, &mut left[pos..at], &mut right[pos..at]);
            pos = at;
            self.apply(&params, ev.event);
        }
        self.render(&params, &mut left[pos..], &mut right[pos..]);
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            *l = SafetyClip::tick(*l * params.gain);
            *r = SafetyClip::tick(*r * params.gain);
        }
    }

    fn render(&mut self, params: &SynthParams, left: &mut [f32], right: &mut [f32]) {
        let mut start = 0;
        while start < left.len() {
            let end = (start + CHUNK).min(left.len());
            let (l, r) = (&mut left[start..end], &mut right[start..end]);
            for v in self.voices.iter_mut().filter(|v| v.is_active()) {
                v.render(&self.osc, &self.cube, params, &mut self.scratch, l, r);
            }
            start = end;
        }
    }

    fn apply(&mut self, params: &SynthParams, event: NoteEvent) {
        match event {
            NoteEvent::NoteOn { note, velocity } => self.note_on(params, note.min(127), velocity),
            NoteEvent::NoteOff { note } => {
                for v in self
                    .voices
                    .iter_mut()
                    .filter(|v| v.is_held() && v.note() == note)
                {
                    v.release();
                }
            }
            NoteEvent::PitchBend { value } => {
                self.bend = if value.is_nan() {
                    0.0
                } else {
                    value.clamp(-1.0, 1.0)
                };
                self.update_pitches();
            }
            NoteEvent::AllNotesOff => {
                for v in &mut self.voices {
                    v.release();
                }
            }
        }
    }

    fn note_on(&mut self, params: &SynthParams, note: u8, velocity: f32) {
        let velocity = if velocity.is_nan() {
            0.0
        } else {
            velocity.clamp(0.0, 1.0)
        };
        if velocity == 0.0 {
            // MIDI convention: a note-on with velocity 0 is a note-off.
            self.apply(params, NoteEvent::NoteOff { note });
            return;
        }
        // A retriggered key releases its previous voice.
        for v in self
            .voices
            .iter_mut()
            .filter(|v| v.is_held() && v.note() == note)
        {
            v.release();
        }
        let counted = self.voices.iter().filter(|v| v.is_counted()).count();
        if counted >= params.polyphony {
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
        let s = params.velocity_sensitivity;
        let gain = VOICE_GAIN * ((1.0 - s) + s * velocity * velocity);
        self.note_counter += 1;
        let (inc, pick) = self.pitch(note);
        let v = &mut self.voices[slot];
        v.start(note, gain, self.note_counter, params);
        v.set_pitch(inc, pick);
        let active = self.voices.iter().filter(|v| v.is_counted()).count();
        self.peak_voices = self.peak_voices.max(active);
    }

    /// Phase increment (cycles × 2³²) and mip pick of `note` under the current bend.
    fn pitch(&self, note: u8) -> (u32, crate::cube::LevelPick) {
        let semis =
            note as f64 + self.bend as f64 * self.params.sanitized().bend_range_semitones as f64;
        let f0 = note_to_hz(semis);
        let cycles = (f0 / self.sample_rate as f64).min(0.5);
        let inc = (cycles * 4_294_967_296.0).round() as u32;
        (inc, self.cube.levels().pick(inc))
    }

    fn update_pitches(&mut self) {
        for i in 0..self.voices.len() {
            if self.voices[i].is_active() {
                let (inc, pick) = self.pitch(self.voices[i].note());
                self.voices[i].set_pitch(inc, pick);
            }
        }
    }
}
