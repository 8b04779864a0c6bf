//! The polyphonic engine: a fixed voice pool, oldest-voice stealing, poly/mono/legato
//! modes, per-channel controllers with sustain and sostenuto pedals, events split at their sample offsets, and the master stage.

use std::sync::Arc;

use crate::cube::{CubeOsc, CubeSet, Decimator, DECIMATOR_LATENCY};
use crate::harmony::{Analyzer, AnalyzerConfig, ChordEvent};

use super::voice::{ChannelMod, NoteCtx, Scratch};
use super::{
    ChannelControl, NoteEvent, SafetyClip, SynthParams, TimedEvent, Voice, VoiceEnd, VoiceMode,
    DEFAULT_RELEASE_VELOCITY, VOICE_GAIN,
};
use crate::modulation::{
    CompiledMatrix, Destination, ModMatrix, Source, FX_DESTINATIONS, MACROS, MACRO_SMOOTH_MS,
};

/// Most voices that sound at once.
pub const MAX_VOICES: usize = 64;
/// Extra voices that only carry the fade-out of stolen notes, so stealing never clicks.
pub const STEAL_SLOTS: usize = 8;
/// The engine renders in chunks of at most this many samples (the size of its scratch).
/// 128, not 64: each voice call has fixed costs (its modulation sums, the oscillator's
/// dispatch and polynomial sub-blocks); halving the number of calls made every case of
/// `cargo bench -p wavecube-dsp --bench voice` 8–14 % faster, so at 64 they were about a
/// fifth of a voice's time.
pub const CHUNK: usize = 128;
/// Voices run at this many times the output rate; one [`Decimator`] per channel brings
/// their sum back (see `docs/oscillator.md`).
pub const OVERSAMPLE: usize = 2;
/// Output samples by which the engine delays every note (the decimator's delay), at every
/// sample rate and block size. A plugin reports it to the host as latency.
pub const LATENCY_SAMPLES: usize = DECIMATOR_LATENCY;
/// Most voice ends reported per block; more are dropped (and counted).
pub const MAX_ENDS: usize = 2 * (MAX_VOICES + STEAL_SLOTS);
/// Fade applied to a stolen or choked voice, ms.
const STEAL_FADE_MS: f32 = 5.0;
/// Keys remembered for last-note priority in mono and legato modes.
const NOTE_STACK: usize = 16;
/// Most chord events reported per block; more are dropped (and counted). One event needs
/// a held set to last the debounce time (30 ms by default), so a block of 8192 samples at
/// 22.05 kHz can hold at most a dozen.
pub const MAX_CHORDS: usize = 16;
/// Time constant of the tension smoother, ms: chord changes glide the morph instead of
/// stepping it (no click), yet follow a chord within about a beat.
pub const TENSION_SMOOTH_MS: f32 = 60.0;

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
    /// Bend, wheel, pressure and pedals of each MIDI channel.
    channels: [ChannelState; 16],
    /// Per voice slot: true when the sostenuto pedal caught the note (it sounded when the
    /// pedal went down).
    sostenuto_held: [bool; MAX_VOICES + STEAL_SLOTS],
    /// Held keys in mono and legato modes, oldest first.
    stack: [HeldKey; NOTE_STACK],
    /// Entries used in `stack`.
    stack_len: usize,
    /// Chunk scratch lent to each voice (at the voices' 2× rate).
    scratch: Scratch,
    /// The voice sum of one chunk at the 2× rate, left and right.
    wide: [Vec<f32>; 2],
    /// The 2:1 decimators, left and right.
    decim: [Decimator; 2],
    /// Voices that ended during the last `process` call.
    ends: Vec<VoiceEnd>,
    /// Sample offset in the block of the event being applied.
    pos: u32,
    /// Voice mode of the last block.
    mode: VoiceMode,
    /// Host voices a mono voice took over from, with that voice's age; reported ended
    /// with it.
    absorbed: [(u64, HeldKey); NOTE_STACK],
    /// Entries used in `absorbed`.
    absorbed_len: usize,
    /// Voice ends that did not fit in `ends` since construction.
    ends_dropped: u64,
    /// Host voice ids started and not yet reported ended.
    live: LiveIds,
    /// Most voices sounding at once since construction or reset.
    peak_voices: usize,
    /// The harmony analyser: held keys → chord events → tension.
    harmony: Analyzer,
    /// Tension as the morph reads it, 0..1, smoothed toward the analyser's.
    tension_now: f32,
    /// One-pole coefficient of the tension smoother, per sample.
    tension_coef: f32,
    /// Chord events formed during the last `process` call.
    chords: [ChordEvent; MAX_CHORDS],
    /// Entries used in `chords`.
    chords_len: usize,
    /// Chord events that did not fit in `chords` since construction.
    chords_dropped: u64,
    /// The matrix `scratch.matrix` was compiled from.
    matrix_src: ModMatrix,
    /// Macro values as the parameters last said, 0..1.
    macro_params: [f32; MACROS],
    /// Macro values the smoothers head for, 0..1.
    macro_target: [f32; MACROS],
    /// Smoothed macro values, 0..1.
    macro_now: [f32; MACROS],
    /// The matrix's effect offsets after the last `process` call ([`Destination::FX`](crate::modulation::Destination::FX)
    /// order, each destination's unit).
    fx_offsets: [f32; FX_DESTINATIONS],
    /// One-pole coefficient of the macro smoothers, per sample.
    macro_coef: f32,
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
                .map(|_| Voice::new(sample_rate * OVERSAMPLE as f32))
                .collect(),
            note_counter: 0,
            channels: [ChannelState::default(); 16],
            sostenuto_held: [false; MAX_VOICES + STEAL_SLOTS],
            stack: [HeldKey::default(); NOTE_STACK],
            pos: 0,
            mode: VoiceMode::Poly,
            absorbed: [(0, HeldKey::default()); NOTE_STACK],
            absorbed_len: 0,
            stack_len: 0,
            scratch: Scratch::new(OVERSAMPLE * CHUNK),
            wide: [vec![0.0; OVERSAMPLE * CHUNK], vec![0.0; OVERSAMPLE * CHUNK]],
            decim: [Decimator::new(CHUNK), Decimator::new(CHUNK)],
            ends: Vec::with_capacity(MAX_ENDS),
            ends_dropped: 0,
            live: LiveIds::new(),
            peak_voices: 0,
            harmony: Analyzer::new(sample_rate, AnalyzerConfig::default()),
            tension_now: 0.0,
            tension_coef: smoother_coef(sample_rate),
            chords: [ChordEvent::default(); MAX_CHORDS],
            chords_len: 0,
            chords_dropped: 0,
            matrix_src: ModMatrix::default(),
            macro_params: [0.0; MACROS],
            macro_target: [0.0; MACROS],
            macro_now: [0.0; MACROS],
            fx_offsets: [0.0; FX_DESTINATIONS],
            macro_coef: one_pole(MACRO_SMOOTH_MS, sample_rate),
        }
    }

    /// Sample rate, Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Output samples by which every note is delayed ([`LATENCY_SAMPLES`]): the same at
    /// every sample rate and block size, so a host needs to be told it only once.
    pub fn latency_samples(&self) -> usize {
        LATENCY_SAMPLES
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

    /// Chord events the harmony analyser formed during the last [`Engine::process`] call,
    /// oldest first.
    pub fn chord_events(&self) -> &[ChordEvent] {
        &self.chords[..self.chords_len]
    }

    /// Chord events that could not be reported because more than [`MAX_CHORDS`] formed in
    /// one block (since construction).
    pub fn chord_events_dropped(&self) -> u64 {
        self.chords_dropped
    }

    /// The harmony analyser (its window, last event and clock).
    pub fn harmony(&self) -> &Analyzer {
        &self.harmony
    }

    /// Tension as the morph reads it now (smoothed), 0..1.
    pub fn tension(&self) -> f32 {
        self.tension_now
    }

    /// Writes the morph point `[x, y, z]` of each sounding voice into `out`, in voice-pool
    /// order, and returns how many were written (at most `out.len()`).
    pub fn voice_morphs(&self, out: &mut [[f32; 3]]) -> usize {
        let mut n = 0;
        for v in self.voices.iter().filter(|v| v.is_active()) {
            if n == out.len() {
                break;
            }
            out[n] = v.morph_now();
            n += 1;
        }
        n
    }

    /// Writes each sounding voice's current value of `destination` (see
    /// [`Voice::mod_value`] for the units) into `out`, in voice-pool order (the order of
    /// [`Engine::voice_morphs`]), and returns how many were written (at most `out.len()`);
    /// 0 when the voices keep no per-voice value of `destination`. Never allocates.
    pub fn voice_mod_values(&self, destination: Destination, out: &mut [f32]) -> usize {
        let mut n = 0;
        for v in self.voices.iter().filter(|v| v.is_active()) {
            if n == out.len() {
                break;
            }
            let Some(value) = v.mod_value(destination, &self.params) else {
                return 0;
            };
            out[n] = value;
            n += 1;
        }
        n
    }

    /// Silences every voice and clears controllers and statistics.
    pub fn reset(&mut self) {
        self.harmony.reset();
        self.tension_now = 0.0;
        self.chords_len = 0;
        for v in &mut self.voices {
            v.reset();
        }
        for d in &mut self.decim {
            d.reset();
        }
        self.channels = [ChannelState::default(); 16];
        self.sostenuto_held = [false; MAX_VOICES + STEAL_SLOTS];
        self.stack_len = 0;
        self.absorbed_len = 0;
        self.note_counter = 0;
        self.peak_voices = 0;
        self.ends.clear();
        self.live.len = 0;
    }

    /// Changes the sample rate (silences all voices).
    pub fn set_sample_rate(&mut self, sample_rate_hz: f32) {
        if sample_rate_hz.is_finite() && sample_rate_hz > 0.0 {
            self.sample_rate = sample_rate_hz;
        }
        self.harmony.set_sample_rate(self.sample_rate);
        self.tension_coef = smoother_coef(self.sample_rate);
        self.macro_coef = one_pole(MACRO_SMOOTH_MS, self.sample_rate);
        for v in &mut self.voices {
            v.set_sample_rate(self.sample_rate * OVERSAMPLE as f32);
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
        self.chords_len = 0;
        let params = self.params.sanitized();
        if params.matrix != self.matrix_src {
            // NOTE: compiling copies into fixed arrays: no allocation.
            self.matrix_src = params.matrix;
            self.scratch.matrix = CompiledMatrix::compile(&params.matrix);
        }
        if params.macros != self.macro_params {
            self.macro_params = params.macros;
            self.macro_target = params.macros;
        }
        // NOTE: both setters only store a value; the window is recomputed at the next event.
        self.harmony.set_mode(params.tension.mode);
        self.harmony.set_weights(params.tension.weights);
        if params.voice_mode != self.mode {
            // Keys held in another mode are not the mono voice's to return to.
            self.mode = params.voice_mode;
            self.stack_len = 0;
        }
        let mut pos = 0;
        for ev in events {
            let at = (ev.offset as usize).min(len.saturating_sub(1)).max(pos);
            self.render(&params, left, right, pos, at);
            pos = at;
            self.pos = at as u32;
            self.apply(&params, ev.event);
        }
        self.render(&params, left, right, pos, len);
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            *l = SafetyClip::tick(*l * params.gain);
            *r = SafetyClip::tick(*r * params.gain);
        }
        self.update_fx_offsets(&params);
    }

    /// The modulation matrix's moves of the effects after the last [`Engine::process`]
    /// call, in [`Destination::FX`](crate::modulation::Destination::FX) order and each destination's unit (all 0 when no slot
    /// routes to an effect). Apply them with [`crate::fx::rack::modulated`].
    pub fn fx_offsets(&self) -> &[f32; FX_DESTINATIONS] {
        &self.fx_offsets
    }

    /// Evaluates the matrix's effect routes at the end of the call: per-voice sources read
    /// the newest sounding voice (as Vital and Serum do for their global destinations);
    /// with no voice sounding they read 0, and the shared sources (macros, channel 1's wheel,
    /// bend and pressure, tension, the constant) their current values.
    fn update_fx_offsets(&mut self, params: &SynthParams) {
        self.fx_offsets = [0.0; FX_DESTINATIONS];
        let m = &self.scratch.matrix;
        if m.global.is_empty() {
            return;
        }
        let newest = self
            .voices
            .iter()
            .filter(|v| v.is_active())
            .max_by_key(|v| v.age());
        let ch = self.channels[0].modulation(params);
        let (macros, tension) = (self.macro_now, self.tension_now);
        let value = |s: Source| -> f32 {
            if let Some(v) = newest {
                return v.last_source(s);
            }
            match s {
                Source::ModWheel => ch.wheel,
                Source::PitchBend => ch.bend,
                Source::ChannelPressure | Source::Pressure => ch.pressure,
                Source::Tension => tension,
                Source::Constant => 1.0,
                s => s.macro_index().map_or(0.0, |i| macros[i]),
            }
        };
        for r in m.global.as_slice() {
            if let Some(i) = r.destination.fx_index() {
                self.fx_offsets[i] += r.value(value(r.source), r.via.map_or(1.0, value));
            }
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
            let wide_len = OVERSAMPLE * (end - start);
            self.advance_harmony(end - start);
            self.advance_macros(end - start);
            let [wl, wr] = &mut self.wide;
            let (l, r) = (&mut wl[..wide_len], &mut wr[..wide_len]);
            l.fill(0.0);
            r.fill(0.0);
            for v in self.voices.iter_mut().filter(|v| v.is_active()) {
                let ch = self.channels[usize::from(v.channel().min(15))];
                v.render(
                    &self.osc,
                    &self.cube,
                    params,
                    ch.modulation(params),
                    &mut self.scratch,
                    l,
                    r,
                );
                if !v.is_active() {
                    let offset = end as u32 - 1;
                    let own = VoiceEnd {
                        offset,
                        voice_id: v.voice_id(),
                        note: v.note(),
                        channel: v.channel(),
                    };
                    push_end(&mut self.ends, &mut self.ends_dropped, &mut self.live, own);
                    // The host voices this voice carried end with it, once each.
                    let mut kept = 0;
                    for n in 0..self.absorbed_len {
                        let (owner, k) = self.absorbed[n];
                        if owner != v.age() {
                            self.absorbed[kept] = (owner, k);
                            kept += 1;
                        } else if k.voice_id != own.voice_id {
                            let e = VoiceEnd {
                                offset,
                                voice_id: k.voice_id,
                                note: k.note,
                                channel: k.channel,
                            };
                            push_end(&mut self.ends, &mut self.ends_dropped, &mut self.live, e);
                        }
                    }
                    self.absorbed_len = kept;
                    // Keys whose host voice has now ended cannot take a voice back.
                    let mut keep = 0;
                    for n in 0..self.stack_len {
                        let k = self.stack[n];
                        let gone = k.voice_id.is_some()
                            && self.ends.iter().any(|e| e.voice_id == k.voice_id);
                        if !gone {
                            self.stack[keep] = k;
                            keep += 1;
                        }
                    }
                    self.stack_len = keep;
                }
            }
            // Always run, sounding voices or not, so the history (and so the output)
            // never depends on where blocks or events split the chunks.
            self.decim[0].process(&self.wide[0][..wide_len], &mut left[start..end]);
            self.decim[1].process(&self.wide[1][..wide_len], &mut right[start..end]);
            start = end;
        }
    }

    /// Moves the harmony analyser's clock by `n` samples (at most [`CHUNK`]), keeps any
    /// chord event it forms, and writes the smoothed tension for those samples into the
    /// scratch the voices read (one value per output sample: the voices' modulation runs at
    /// the output rate).
    fn advance_harmony(&mut self, n: usize) {
        let (coef, mut t) = (self.tension_coef, self.tension_now);
        let mut target = self.harmony.tension();
        for v in &mut self.scratch.tension[..n] {
            // NOTE: one sample at a time, so a chord event takes effect at its exact
            // sample whatever the block size (an advance is a few comparisons).
            if let Some(e) = self.harmony.advance(1) {
                if self.chords_len < MAX_CHORDS {
                    self.chords[self.chords_len] = e;
                    self.chords_len += 1;
                } else {
                    self.chords_dropped += 1;
                }
                target = self.harmony.tension();
            }
            t += coef * (target - t);
            *v = t;
        }
        // NOTE: flush denormals and keep the state in range whatever the analyser says.
        self.tension_now = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
    }

    /// Moves the macro smoothers by `n` samples (at most [`CHUNK`]) and writes their
    /// values into the scratch the voices read (one per output sample).
    fn advance_macros(&mut self, n: usize) {
        let coef = self.macro_coef;
        for (k, buf) in self.scratch.macros.iter_mut().enumerate() {
            let (target, mut v) = (self.macro_target[k], self.macro_now[k]);
            // Settled: the chunk holds the target throughout.
            self.scratch.macro_still[k] = v == target;
            if v == target {
                buf[..n].fill(v);
                continue;
            }
            for o in &mut buf[..n] {
                v += coef * (target - v);
                // NOTE: no denormals: settle on the target once within 1e-7 of it (per
                // sample, so the result does not depend on where chunks split).
                if (target - v).abs() < 1e-7 {
                    v = target;
                }
                *o = v;
            }
            self.macro_now[k] = v;
        }
    }

    /// The context a voice's note-start modulation reads.
    fn note_ctx(
        matrix: &CompiledMatrix,
        ch: ChannelMod,
        macros: [f32; MACROS],
        tension: f32,
    ) -> NoteCtx<'_> {
        NoteCtx {
            matrix,
            ch,
            macros,
            tension,
        }
    }

    fn apply(&mut self, params: &SynthParams, event: NoteEvent) {
        match event {
            NoteEvent::NoteOn { note, velocity } => self.note_on(params, note, 0, velocity, None),
            NoteEvent::NoteOff { note } => {
                self.note_off(params, note, 0, None, DEFAULT_RELEASE_VELOCITY)
            }
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
                velocity,
            } => {
                let velocity = finite_or(velocity, DEFAULT_RELEASE_VELOCITY).clamp(0.0, 1.0);
                self.note_off(params, note, channel, voice_id, velocity);
            }
            NoteEvent::Choke {
                note,
                channel,
                voice_id,
            } => {
                self.harmony.note_off(note.min(127));
                for v in self
                    .voices
                    .iter_mut()
                    .filter(|v| v.is_active() && v.matches(note, channel, voice_id))
                {
                    v.kill(STEAL_FADE_MS);
                }
                self.stack_remove(note, channel);
            }
            // The channel-less controllers act on every channel.
            NoteEvent::PitchBend { value } => self.control_all(ChannelControl::PitchBend(value)),
            NoteEvent::ModWheel { value } => self.control_all(ChannelControl::ModWheel(value)),
            NoteEvent::ChannelPressure { value } => {
                self.control_all(ChannelControl::Pressure(value))
            }
            NoteEvent::Sustain { down } => self.control_all(ChannelControl::Sustain(down)),
            NoteEvent::Channel { channel, control } => self.control(channel.min(15), control),
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
            NoteEvent::Macro { index, value } => {
                if let Some(t) = self.macro_target.get_mut(usize::from(index)) {
                    *t = finite_or(value, 0.0).clamp(0.0, 1.0);
                }
            }
            NoteEvent::AllNotesOff => {
                self.harmony.all_notes_off();
                for ch in &mut self.channels {
                    ch.sustain = false;
                    ch.sostenuto = false;
                }
                self.sostenuto_held = [false; MAX_VOICES + STEAL_SLOTS];
                self.stack_len = 0;
                for v in &mut self.voices {
                    v.release(false, DEFAULT_RELEASE_VELOCITY);
                }
            }
        }
    }

    /// Applies `control` to every channel.
    fn control_all(&mut self, control: ChannelControl) {
        for c in 0..16 {
            self.control(c, control);
        }
    }

    /// Applies a controller change to channel `c` (0..15) and its voices.
    fn control(&mut self, c: u8, control: ChannelControl) {
        let i = usize::from(c);
        let on_channel = |v: &Voice| v.is_active() && v.channel() == c;
        match control {
            ChannelControl::PitchBend(value) => {
                self.channels[i].bend = finite_or(value, 0.0).clamp(-1.0, 1.0);
            }
            ChannelControl::ModWheel(value) => {
                self.channels[i].wheel = finite_or(value, 0.0).clamp(0.0, 1.0);
            }
            ChannelControl::Pressure(value) => {
                self.channels[i].pressure = finite_or(value, 0.0).clamp(0.0, 1.0);
            }
            ChannelControl::Sustain(down) => {
                self.channels[i].sustain = down;
                if !down {
                    self.release_pedalled(c);
                }
            }
            ChannelControl::Sostenuto(down) => {
                let was = self.channels[i].sostenuto;
                self.channels[i].sostenuto = down;
                if down && !was {
                    // The pedal catches the notes sounding now (keys down or sustained).
                    for (n, v) in self.voices.iter().enumerate() {
                        if on_channel(v) {
                            self.sostenuto_held[n] =
                                v.is_counted() && (v.is_held() || v.is_sustained());
                        }
                    }
                } else if !down {
                    for (n, v) in self.voices.iter().enumerate() {
                        if on_channel(v) {
                            self.sostenuto_held[n] = false;
                        }
                    }
                    self.release_pedalled(c);
                }
            }
            ChannelControl::AllNotesOff => {
                for (n, v) in self.voices.iter_mut().enumerate() {
                    if on_channel(v) {
                        if v.is_held() {
                            self.harmony.note_off(v.note().min(127));
                        }
                        self.sostenuto_held[n] = false;
                        v.release(false, DEFAULT_RELEASE_VELOCITY);
                    }
                }
                let mut keep = 0;
                for n in 0..self.stack_len {
                    if self.stack[n].channel != c {
                        self.stack[keep] = self.stack[n];
                        keep += 1;
                    }
                }
                self.stack_len = keep;
            }
            ChannelControl::AllSoundOff => {
                self.control(c, ChannelControl::AllNotesOff);
                for v in self.voices.iter_mut().filter(|v| on_channel(v)) {
                    v.kill(STEAL_FADE_MS);
                }
            }
            ChannelControl::ResetControllers => {
                let ch = &mut self.channels[i];
                ch.bend = 0.0;
                ch.wheel = 0.0;
                ch.pressure = 0.0;
                self.control(c, ChannelControl::Sustain(false));
                self.control(c, ChannelControl::Sostenuto(false));
            }
        }
    }

    /// Releases the voices of channel `c` that a pedal held and no pedal holds any more.
    fn release_pedalled(&mut self, c: u8) {
        let ch = self.channels[usize::from(c)];
        for (n, v) in self.voices.iter_mut().enumerate() {
            let held = ch.sustain || (ch.sostenuto && self.sostenuto_held[n]);
            if v.is_sustained() && v.channel() == c && !held {
                v.release(false, DEFAULT_RELEASE_VELOCITY);
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
            // MIDI convention: a note-on with velocity 0 is a note-off of velocity 64.
            self.note_off(params, note, channel, voice_id, DEFAULT_RELEASE_VELOCITY);
            return;
        }
        if let Some(id) = voice_id {
            self.live.insert(id);
        }
        self.harmony.note_on(note);
        let s = params.velocity_sensitivity;
        let gain = VOICE_GAIN * ((1.0 - s) + s * velocity * velocity);
        if params.voice_mode != VoiceMode::Poly {
            let legato_held = self.stack_len > 0;
            self.stack_push(HeldKey {
                note,
                channel,
                velocity,
                voice_id,
            });
            if let Some(i) = self.voices.iter().position(|v| v.is_counted()) {
                let retrigger = params.voice_mode == VoiceMode::Mono || !legato_held;
                self.retarget(
                    i,
                    HeldKey {
                        note,
                        channel,
                        velocity,
                        voice_id,
                    },
                    gain,
                    retrigger,
                    params,
                    true,
                );
                return;
            }
        }
        // A retriggered key releases its previous voice.
        for v in self
            .voices
            .iter_mut()
            .filter(|v| v.is_held() && v.matches(note, channel, None))
        {
            v.release(false, DEFAULT_RELEASE_VELOCITY);
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
            // Every slot is busy fading: reuse the oldest, and tell the host it ended.
            None => {
                let i = (0..self.voices.len())
                    .min_by_key(|&i| self.voices[i].age())
                    .unwrap_or(0);
                self.report_end(i);
                i
            }
        };
        self.note_counter += 1;
        self.sostenuto_held[slot] = false;
        let ch = self.channels[usize::from(channel.min(15))].modulation(params);
        let ctx = Self::note_ctx(&self.scratch.matrix, ch, self.macro_now, self.tension_now);
        self.voices[slot].start(
            note,
            channel,
            voice_id,
            gain,
            self.note_counter,
            params,
            velocity,
            &ctx,
        );
        let active = self.voices.iter().filter(|v| v.is_counted()).count();
        self.peak_voices = self.peak_voices.max(active);
    }

    /// Key up for `note`/`channel`/`voice_id` with release velocity `velocity` (0..1).
    fn note_off(
        &mut self,
        params: &SynthParams,
        note: u8,
        channel: u8,
        voice_id: Option<i32>,
        velocity: f32,
    ) {
        self.harmony.note_off(note.min(127));
        if params.voice_mode != VoiceMode::Poly {
            self.stack_remove(note, channel);
            // A released key the mono voice had moved away from can never take it back:
            // its host voice ends now.
            self.end_absorbed(note, channel, voice_id);
            // Last-note priority: fall back to the newest key still held.
            if self.stack_len > 0 {
                let key = self.stack[self.stack_len - 1];
                let s = params.velocity_sensitivity;
                let gain = VOICE_GAIN * ((1.0 - s) + s * key.velocity * key.velocity);
                let retrigger = params.voice_mode == VoiceMode::Mono;
                if let Some(i) = self
                    .voices
                    .iter()
                    .position(|v| v.is_counted() && v.matches(note, channel, voice_id))
                {
                    self.retarget(i, key, gain, retrigger, params, false);
                }
                return;
            }
        }
        let ch = self.channels[usize::from(channel.min(15))];
        for (n, v) in self.voices.iter_mut().enumerate() {
            if v.is_held() && v.matches(note, channel, voice_id) {
                v.release(
                    ch.sustain || (ch.sostenuto && self.sostenuto_held[n]),
                    velocity,
                );
            }
        }
    }

    /// Moves voice `i` to `key` (mono and legato). The host voice it carried so far ends
    /// now if its key is up; if the key is still held (`old_still_held`) it could take the
    /// voice back, so it is remembered and ends with its key's note-off or with the voice.
    fn retarget(
        &mut self,
        i: usize,
        key: HeldKey,
        gain: f32,
        retrigger: bool,
        params: &SynthParams,
        old_still_held: bool,
    ) {
        let v = &self.voices[i];
        if v.voice_id().is_some() && v.voice_id() != key.voice_id {
            let old = HeldKey {
                note: v.note(),
                channel: v.channel(),
                velocity: 0.0,
                voice_id: v.voice_id(),
            };
            let owner = v.age();
            let known = self.absorbed[..self.absorbed_len]
                .iter()
                .any(|&(o, k)| o == owner && k.voice_id == old.voice_id);
            let held = old_still_held
                && self.stack[..self.stack_len]
                    .iter()
                    .any(|k| k.note == old.note && k.channel == old.channel);
            if held && !known && self.absorbed_len < self.absorbed.len() {
                self.absorbed[self.absorbed_len] = (owner, old);
                self.absorbed_len += 1;
            } else if !known {
                // Its key is up (or there is no room to remember it): it ends now.
                let end = VoiceEnd {
                    offset: self.pos,
                    voice_id: old.voice_id,
                    note: old.note,
                    channel: old.channel,
                };
                push_end(&mut self.ends, &mut self.ends_dropped, &mut self.live, end);
            }
        }
        // A host voice id lives in one place only: a voice that carried it before gives it
        // up (its end is then reported without an id), and no absorbed list keeps it.
        if let Some(id) = key.voice_id {
            for (n, other) in self.voices.iter_mut().enumerate() {
                if n != i && other.voice_id() == Some(id) {
                    other.clear_voice_id();
                }
            }
            let mut kept = 0;
            for n in 0..self.absorbed_len {
                if self.absorbed[n].1.voice_id != Some(id) {
                    self.absorbed[kept] = self.absorbed[n];
                    kept += 1;
                }
            }
            self.absorbed_len = kept;
        }
        let ch = self.channels[usize::from(key.channel.min(15))].modulation(params);
        let ctx = Self::note_ctx(&self.scratch.matrix, ch, self.macro_now, self.tension_now);
        self.voices[i].retarget(
            key.note,
            key.channel,
            key.voice_id,
            gain,
            retrigger,
            params,
            key.velocity,
            &ctx,
        );
    }

    /// Reports the remembered host voice of a released key as ended.
    fn end_absorbed(&mut self, note: u8, channel: u8, voice_id: Option<i32>) {
        let mut kept = 0;
        for n in 0..self.absorbed_len {
            let (owner, k) = self.absorbed[n];
            let matches = match voice_id {
                Some(id) => k.voice_id == Some(id),
                None => k.note == note && k.channel == channel,
            };
            if matches {
                let end = VoiceEnd {
                    offset: self.pos,
                    voice_id: k.voice_id,
                    note: k.note,
                    channel: k.channel,
                };
                push_end(&mut self.ends, &mut self.ends_dropped, &mut self.live, end);
            } else {
                self.absorbed[kept] = (owner, k);
                kept += 1;
            }
        }
        self.absorbed_len = kept;
    }

    /// Reports voice `i` as ended at the current event's offset (a reused busy slot).
    fn report_end(&mut self, i: usize) {
        let v = &self.voices[i];
        if v.is_active() {
            let end = VoiceEnd {
                offset: self.pos,
                voice_id: v.voice_id(),
                note: v.note(),
                channel: v.channel(),
            };
            push_end(&mut self.ends, &mut self.ends_dropped, &mut self.live, end);
        }
    }

    fn stack_push(&mut self, key: HeldKey) {
        self.stack_remove(key.note, key.channel);
        if self.stack_len == NOTE_STACK {
            self.stack.copy_within(1.., 0);
            self.stack_len -= 1;
        }
        self.stack[self.stack_len] = key;
        self.stack_len += 1;
    }

    fn stack_remove(&mut self, note: u8, channel: u8) {
        if let Some(i) = self.stack[..self.stack_len]
            .iter()
            .position(|k| k.note == note && k.channel == channel)
        {
            self.stack.copy_within(i + 1..self.stack_len, i);
            self.stack_len -= 1;
        }
    }
}

/// One MIDI channel's controllers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct ChannelState {
    /// Pitch-bend position, −1..1.
    bend: f32,
    /// Mod wheel, 0..1.
    wheel: f32,
    /// Channel pressure, 0..1.
    pressure: f32,
    /// True while the sustain pedal is down.
    sustain: bool,
    /// True while the sostenuto pedal is down.
    sostenuto: bool,
}

impl ChannelState {
    /// The modulation the channel's voices render with.
    fn modulation(&self, params: &SynthParams) -> ChannelMod {
        ChannelMod {
            bend_semitones: self.bend * params.bend_range_semitones,
            wheel: self.wheel,
            pressure: self.pressure,
            bend: self.bend,
        }
    }
}

/// A key held in mono or legato mode.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct HeldKey {
    /// MIDI note number.
    note: u8,
    /// MIDI channel.
    channel: u8,
    /// Strike velocity, 0..1.
    velocity: f32,
    /// The host's voice id.
    voice_id: Option<i32>,
}

/// Host voice ids that have started and not yet been reported ended.
///
/// Every path that ends a host voice reports through [`push_end`], which reports an id
/// only if it is live here: a host voice ends exactly once however many of the mono
/// voice's paths (retarget, release, absorbed keys, the voice falling silent) see it go.
#[derive(Debug, Clone)]
struct LiveIds {
    ids: [i32; LIVE_IDS],
    len: usize,
}

/// Host voice ids tracked at once: every voice slot, every held key and every absorbed
/// key, twice over. When full, the oldest id is forgotten (its end is then not reported).
const LIVE_IDS: usize = 2 * (MAX_VOICES + STEAL_SLOTS + 2 * NOTE_STACK);

impl LiveIds {
    fn new() -> Self {
        Self {
            ids: [0; LIVE_IDS],
            len: 0,
        }
    }

    fn insert(&mut self, id: i32) {
        if self.ids[..self.len].contains(&id) {
            return;
        }
        if self.len == LIVE_IDS {
            self.ids.copy_within(1.., 0);
            self.len -= 1;
        }
        self.ids[self.len] = id;
        self.len += 1;
    }

    /// Removes `id`; true if it was live.
    fn take(&mut self, id: i32) -> bool {
        match self.ids[..self.len].iter().position(|&v| v == id) {
            Some(i) => {
                self.ids.copy_within(i + 1..self.len, i);
                self.len -= 1;
                true
            }
            None => false,
        }
    }
}

/// Appends `end` within the preallocated capacity, counting what does not fit. An end
/// with a host voice id is reported only if that id is live (see [`LiveIds`]).
fn push_end(ends: &mut Vec<VoiceEnd>, dropped: &mut u64, live: &mut LiveIds, end: VoiceEnd) {
    if let Some(id) = end.voice_id {
        if !live.take(id) {
            return;
        }
    }
    if ends.len() < MAX_ENDS {
        ends.push(end);
    } else {
        *dropped += 1;
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

/// The tension smoother's one-pole coefficient at `sample_rate` Hz
/// ([`TENSION_SMOOTH_MS`] time constant).
fn smoother_coef(sample_rate: f32) -> f32 {
    one_pole(TENSION_SMOOTH_MS, sample_rate)
}

/// A one-pole smoother's coefficient per sample for time constant `ms` at `sample_rate`.
fn one_pole(ms: f32, sample_rate: f32) -> f32 {
    1.0 - (-1000.0 / (ms * sample_rate)).exp()
}
