//! One voice: a note's pitch, unison oscillators, envelopes, LFOs and filter, feeding the
//! cube oscillator.
//!
//! The engine runs voices at twice its output rate (see [`super::OVERSAMPLE`]): a voice's
//! sample rate is that 2× rate, and its mip picks assume it.
//!
//! The oscillator and filter run per sample of that 2× clock. The modulation (envelopes,
//! LFOs, the morph point and the gain) runs at the engine's output rate, once per pair of
//! 2× samples, and is expanded to the 2× clock by linear interpolation (see
//! [`Voice::render`]): half the control work, the same curves. Pitch (glide, bend,
//! vibrato, unison) and filter coefficients update every [`CONTROL`] samples of the voice's
//! own clock, so a render is the same whatever the block size.

use crate::cube::{BlendCache, CubeOsc, CubeSet, LevelPick, MorphBuffers, OscScratch, Pan};
use crate::modulation::{
    hash_unit, CompiledMatrix, Destination, Route, SmoothRandom, Source, SourceValues, MACROS,
};

use super::{note_to_hz, Adsr, AdsrStage, Lfo, Svf, SvfCoefs, SynthParams, OVERSAMPLE};

mod pan;
mod sources;

use pan::{unison_pan_gains, unison_pans};
use sources::{envelope, key_source, Ctl, Sources};

/// Level of one voice at full velocity and envelope, linear. A factory node has an RMS of
/// 0.35, so a voice sits near −20 dBFS and sixteen of them near full scale.
pub const VOICE_GAIN: f32 = 0.3;
/// Most oscillators per voice (unison).
pub const MAX_UNISON: usize = 8;
/// Control period, samples of the voice clock: pitch and filter coefficients update this
/// often (0.17 ms at 48 kHz, where the engine runs voices at 96 kHz).
pub const CONTROL: usize = 16;

/// Per-block scratch the engine lends each voice in turn.
#[derive(Debug, Clone)]
pub(crate) struct Scratch {
    /// Morph x per sample.
    pub x: Vec<f32>,
    /// Morph y per sample.
    pub y: Vec<f32>,
    /// Morph z per sample.
    pub z: Vec<f32>,
    /// Amplitude per sample.
    pub gain: Vec<f32>,
    /// Modulation envelope per sample.
    pub menv: Vec<f32>,
    /// LFO values per sample.
    pub lfo: [Vec<f32>; 3],
    /// The voice's own left output, before the filter.
    pub vl: Vec<f32>,
    /// The voice's own right output, before the filter.
    pub vr: Vec<f32>,
    /// The oscillator's working memory.
    pub osc: OscScratch,
    /// Smoothed harmonic tension per output sample, 0..1, written by the engine before the voices
    /// render a chunk (shared by every voice).
    pub tension: Vec<f32>,
    /// One output-rate quantity before its expansion to the 2× clock: the previous value,
    /// then the call's values.
    half: Vec<f32>,
    /// The amplitude envelope per sample, 0..1 (when the matrix reads it).
    pub aenv: Vec<f32>,
    /// The smoothed random LFO per sample, −1..1 (when the matrix reads it).
    pub rnd: Vec<f32>,
    /// Smoothed macro values per output sample, 0..1, written by the engine like `tension`.
    pub macros: [Vec<f32>; MACROS],
    /// True for a macro whose smoother has settled: its values hold one value over the
    /// chunk, so the matrix may read it as a constant. Written by the engine with `macros`.
    pub macro_still: [bool; MACROS],
    /// Matrix offset of the amp level per sample.
    pub amp_mod: Vec<f32>,
    /// Matrix offset of the tension depth per sample.
    pub tdepth: Vec<f32>,
    /// The modulation matrix, compiled by the engine when it changes.
    pub matrix: CompiledMatrix,
    /// One call's plan, made at its control points before anything renders.
    plan: Plan,
}

/// Where the oscillators' pitch and the filter change within one render call (sample
/// offsets of the voice clock, each list starting at 0), so that each is applied only
/// where it changes: the oscillators render whole runs of constant pitch and the filter
/// takes its coefficients segment by segment; and the per-sample pans when the matrix
/// moves them. Capacity for every control point of a call, preallocated.
#[derive(Debug, Clone)]
struct Plan {
    /// Runs of constant increments and mip picks per unison oscillator.
    runs: Vec<(usize, [u32; MAX_UNISON], [LevelPick; MAX_UNISON])>,
    /// Segments of constant filter coefficients.
    filter: Vec<(usize, SvfCoefs)>,
    /// The matrix's pan offset per output sample, −1..1 (when it moves the pan).
    pan: Vec<f32>,
    /// The unison spread per output sample, 0..1 (when the matrix moves the pan).
    spread: Vec<f32>,
    /// One oscillator's left and right gains per output sample, when the pans move.
    gains: [Vec<f32>; 2],
    /// Left gain per sample of one oscillator, when the pans move.
    pan_l: Vec<f32>,
    /// Right gain per sample of one oscillator, when the pans move.
    pan_r: Vec<f32>,
}

impl Plan {
    /// # Allocation
    /// Allocates for calls of up to `len` samples.
    fn new(len: usize) -> Self {
        let points = len / CONTROL + 2;
        Self {
            runs: Vec::with_capacity(points),
            filter: Vec::with_capacity(points),
            pan: vec![0.0; len],
            spread: vec![0.0; len],
            gains: [vec![0.0; len], vec![0.0; len]],
            pan_l: vec![0.0; len],
            pan_r: vec![0.0; len],
        }
    }
}

/// Sets `list`'s entry at offset `at` to `v`: replaces the last entry when it starts at
/// `at`, else appends (within the capacity [`Plan::new`] reserved: a call has at most one
/// entry per control point, plus its start).
fn set_at<T>(list: &mut Vec<T>, at: usize, v: T, start: impl Fn(&T) -> usize) {
    match list.last_mut() {
        Some(last) if start(last) == at => *last = v,
        _ => {
            debug_assert!(list.len() < list.capacity(), "the plan would allocate");
            list.push(v);
        }
    }
}

impl Scratch {
    /// # Allocation
    /// Allocates the buffers, `len` samples each.
    pub fn new(len: usize) -> Self {
        let v = || vec![0.0; len];
        Self {
            x: v(),
            y: v(),
            z: v(),
            gain: v(),
            menv: v(),
            lfo: [v(), v(), v()],
            vl: v(),
            vr: v(),
            osc: OscScratch::new(),
            tension: v(),
            half: vec![0.0; len / OVERSAMPLE + 1],
            aenv: v(),
            rnd: v(),
            macros: [v(), v(), v(), v()],
            macro_still: [false; MACROS],
            amp_mod: v(),
            tdepth: v(),
            matrix: CompiledMatrix::default(),
            plan: Plan::new(len),
        }
    }
}

/// What note-start modulation reads besides the voice's own values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoteCtx<'a> {
    /// The compiled matrix.
    pub matrix: &'a CompiledMatrix,
    /// The note's channel controllers.
    pub ch: ChannelMod,
    /// Macro values now, 0..1.
    pub macros: [f32; MACROS],
    /// Smoothed tension now, 0..1.
    pub tension: f32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct ChannelMod {
    /// Pitch bend, semitones.
    pub bend_semitones: f32,
    /// Mod wheel, 0..1.
    pub wheel: f32,
    /// Channel pressure, 0..1.
    pub pressure: f32,
    /// Pitch-bend position, −1..1.
    pub bend: f32,
}

/// The inputs of the unison increments and mip picks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct PitchKey {
    /// Pitch with bend, tuning and vibrato, MIDI note (NaN-free).
    base: f32,
    /// Unison oscillators.
    unison: usize,
    /// Unison detune, cents.
    detune: f32,
    /// Harmonics of the cube's level 0.
    h0: usize,
    /// Levels in the cube.
    count: usize,
}

/// One sounding note.
#[derive(Debug, Clone)]
pub struct Voice {
    /// Sample rate, Hz.
    sample_rate: f32,
    /// MIDI note number.
    note: u8,
    /// MIDI channel.
    channel: u8,
    /// The host's voice id.
    voice_id: Option<i32>,
    /// Amplitude from velocity, linear.
    velocity_gain: f32,
    /// Note-on order, for oldest-voice stealing.
    age: u64,
    /// True between note-on and note-off (the key is down).
    held: bool,
    /// True when the key is up but the sustain pedal holds the note.
    sustained: bool,
    /// Current pitch, MIDI note (gliding towards `target`).
    pitch: f32,
    /// Pitch the glide heads for, MIDI note.
    target: f32,
    /// Glide step, semitones per sample (0 = jump).
    glide_step: f32,
    /// Polyphonic morph offsets `[x, y, z]`, morph units.
    poly_morph: [f32; 3],
    /// The morph point of the last sample rendered, `[x, y, z]`, 0..1 each (for telemetry).
    morph_now: [f32; 3],
    /// Polyphonic cutoff offset, octaves.
    poly_cutoff: f32,
    /// Key pressure, 0..1.
    pressure: f32,
    /// Tuning expression, semitones.
    tuning: f32,
    /// Samples since note-on: the control clock.
    clock: u64,
    /// Oscillator phases, cycles × 2³².
    phases: [u32; MAX_UNISON],
    /// Phase increments per unison oscillator.
    incs: [u32; MAX_UNISON],
    /// Mip picks per unison oscillator.
    picks: [LevelPick; MAX_UNISON],
    /// Filter coefficients for the current control period.
    coefs: SvfCoefs,
    /// What `incs` and `picks` were computed from (skip the work when unchanged).
    pitch_key: PitchKey,
    /// What `coefs` were computed from: mode, cutoff Hz, resonance.
    filter_key: Option<(super::FilterMode, f32, f32)>,
    /// Amplitude envelope.
    env: Adsr,
    /// Modulation envelope.
    mod_env: Adsr,
    /// LFOs.
    lfo: [Lfo; 3],
    /// Filter state.
    filter: Svf,
    /// The last output-rate values of gain and morph `[gain, x, y, z]`: the start of the
    /// next call's linear expansion to the 2× clock. NaN morph values mean "no previous
    /// sample" (a fresh note starts at its own morph point, not the last note's).
    held_mod: [f32; 4],
    /// Strike velocity, 0..1 (a matrix source).
    velocity: f32,
    /// Release velocity, 0..1 (a matrix source): 0 while the key is down, then the key-up's
    /// velocity. Written by note-on (0), retarget (0) and the key-up ([`Voice::release`]).
    release_velocity: f32,
    /// MPE slide (brightness expression) as the matrix reads it, −1..1 around the
    /// controller's centre; 0 until the note receives one.
    slide: f32,
    /// The per-note random value, 0..1.
    note_random: f32,
    /// Every source's value at the end of the last render call (only kept while the matrix
    /// routes to the effects, which read the newest voice's sources).
    last_sources: [f32; Source::ALL.len()],
    /// The smoothed random LFO.
    rnd: SmoothRandom,
    /// LFO rate multipliers from note-start modulation.
    lfo_rate_mul: [f32; 3],
    /// LFO depth multipliers from note-start modulation (0..2).
    lfo_depth_mul: [f32; 3],
    /// Pan and spread offsets from the matrix at the last control point.
    pan_mod: [f32; 2],
    /// Corner blends of a fixed morph point, kept across calls and shared by the unison
    /// oscillators (audio thread; [`BlendCache::BYTES`] preallocated).
    blend: BlendCache,
}

impl Voice {
    /// An idle voice at `sample_rate` Hz.
    ///
    /// # Allocation
    /// Allocates its blend cache ([`BlendCache::BYTES`]).
    pub fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            note: 0,
            channel: 0,
            voice_id: None,
            velocity_gain: 0.0,
            age: 0,
            held: false,
            sustained: false,
            pitch: 60.0,
            target: 60.0,
            glide_step: 0.0,
            poly_morph: [0.0; 3],
            morph_now: [0.0; 3],
            poly_cutoff: 0.0,
            pressure: 0.0,
            tuning: 0.0,
            clock: 0,
            phases: [0; MAX_UNISON],
            incs: [0; MAX_UNISON],
            picks: [LevelPick {
                lo: 0,
                w_lo: 0.0,
                hi: 0,
                w_hi: 0.0,
            }; MAX_UNISON],
            coefs: SvfCoefs::new(super::FilterMode::LowPass, 20_000.0, 0.0, sample_rate),
            pitch_key: PitchKey::default(),
            filter_key: None,
            env: Adsr::new(sample_rate),
            mod_env: Adsr::new(sample_rate),
            lfo: std::array::from_fn(|_| Lfo::new(sample_rate, 0)),
            filter: Svf::new(),
            held_mod: [0.0, f32::NAN, f32::NAN, f32::NAN],
            velocity: 0.0,
            release_velocity: 0.0,
            slide: 0.0,
            note_random: 0.0,
            last_sources: [0.0; Source::ALL.len()],
            rnd: SmoothRandom::new(0),
            lfo_rate_mul: [1.0; 3],
            lfo_depth_mul: [1.0; 3],
            pan_mod: [0.0; 2],
            blend: BlendCache::new(),
        }
        .with_control_rate()
    }

    /// Puts the modulation units on the output-rate clock (half the voice's 2× rate).
    fn with_control_rate(mut self) -> Self {
        self.set_sample_rate(self.sample_rate);
        self
    }

    /// Changes the sample rate of every unit. `sample_rate` is the voice's own (2×) rate;
    /// the envelopes and LFOs run at the output rate, `sample_rate / OVERSAMPLE`.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        let control_rate = sample_rate / OVERSAMPLE as f32;
        self.env.set_sample_rate(control_rate);
        self.mod_env.set_sample_rate(control_rate);
        for l in &mut self.lfo {
            l.set_sample_rate(control_rate);
        }
    }

    /// Silences the voice at once.
    pub fn reset(&mut self) {
        self.env.reset();
        self.mod_env.reset();
        self.filter.reset();
        self.held = false;
        self.sustained = false;
    }

    /// True while the voice makes sound.
    pub fn is_active(&self) -> bool {
        self.env.is_active()
    }

    /// True while the voice counts against polyphony (active and not being stolen).
    pub fn is_counted(&self) -> bool {
        self.env.is_active() && self.env.stage() != AdsrStage::Kill
    }

    /// True while the note's key is down.
    pub fn is_held(&self) -> bool {
        self.held
    }

    /// True when the key is up but the sustain pedal holds the note.
    pub fn is_sustained(&self) -> bool {
        self.sustained
    }

    /// The MIDI note.
    pub fn note(&self) -> u8 {
        self.note
    }

    /// The MIDI channel.
    pub fn channel(&self) -> u8 {
        self.channel
    }

    /// The host's voice id.
    pub fn voice_id(&self) -> Option<i32> {
        self.voice_id
    }

    /// Forgets the host's voice id (another voice took it over).
    pub(crate) fn clear_voice_id(&mut self) {
        self.voice_id = None;
    }

    /// Source `s`'s value at the end of the last render call, for the effect destinations
    /// (kept only for the sources the matrix routes to the effects).
    pub fn last_source(&self, s: Source) -> f32 {
        self.last_sources[s.index()]
    }

    /// Note-on order: smaller is older.
    pub fn age(&self) -> u64 {
        self.age
    }

    /// True when this voice answers to an event for `note`/`channel`/`voice_id`.
    pub(crate) fn matches(&self, note: u8, channel: u8, voice_id: Option<i32>) -> bool {
        match (voice_id, self.voice_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.note == note && self.channel == channel,
        }
    }

    /// Starts a note: envelopes from zero, phases and LFOs reset so renders repeat.
    /// `velocity` (0..1) and `ctx` feed the matrix's note-start routes.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start(
        &mut self,
        note: u8,
        channel: u8,
        voice_id: Option<i32>,
        velocity_gain: f32,
        age: u64,
        params: &SynthParams,
        velocity: f32,
        ctx: &NoteCtx<'_>,
    ) {
        self.note = note;
        self.channel = channel;
        self.voice_id = voice_id;
        self.velocity_gain = velocity_gain;
        self.age = age;
        self.held = true;
        self.sustained = false;
        self.pitch = f32::from(note);
        self.target = self.pitch;
        self.glide_step = 0.0;
        self.poly_morph = [0.0; 3];
        self.poly_cutoff = 0.0;
        self.pressure = 0.0;
        self.tuning = 0.0;
        self.clock = 0;
        self.held_mod = [0.0, f32::NAN, f32::NAN, f32::NAN];
        // Unison oscillators start spread over the cycle so they do not phase-cancel.
        for (u, p) in self.phases.iter_mut().enumerate() {
            *p = (u as u32).wrapping_mul(0x9E37_79B9);
        }
        self.phases[0] = 0;
        self.filter.reset();
        self.pitch_key = PitchKey::default();
        self.filter_key = None;
        self.velocity = velocity;
        self.release_velocity = 0.0;
        self.slide = 0.0;
        self.note_random = hash_unit(age as u32, 0x4E07E);
        self.rnd.reset((age as u32).wrapping_mul(0x2545_F491));
        self.pan_mod = [0.0; 2];
        let (amp, menv) = self.note_start(params, ctx);
        self.env.reset();
        self.env.gate_on(amp);
        self.mod_env.reset();
        self.mod_env.gate_on(menv);
        for (i, l) in self.lfo.iter_mut().enumerate() {
            l.reset((age as u32).wrapping_mul(3).wrapping_add(i as u32));
        }
    }

    /// Evaluates the note-start routes: sets the LFO multipliers and returns the amp and
    /// mod envelope settings with their times scaled. Time-varying sources read 0.
    fn note_start(
        &mut self,
        params: &SynthParams,
        ctx: &NoteCtx<'_>,
    ) -> (super::AdsrParams, super::AdsrParams) {
        let (mut amp, mut menv) = (params.amp_env, params.mod_env);
        self.lfo_rate_mul = [1.0; 3];
        self.lfo_depth_mul = [1.0; 3];
        let m = ctx.matrix;
        if m.note_start.is_empty() {
            return (amp, menv);
        }
        let value = |s: Source| -> f32 {
            match s {
                Source::Velocity => self.velocity,
                // 0 at note start (the key is down); kept as a name so a reader sees it.
                Source::ReleaseVelocity => self.release_velocity,
                Source::Key => key_source(self.note, m.key_centre),
                Source::ModWheel => ctx.ch.wheel,
                Source::PitchBend => ctx.ch.bend,
                Source::ChannelPressure => ctx.ch.pressure,
                Source::PolyPressure => self.pressure,
                Source::Pressure => ctx.ch.pressure.max(self.pressure),
                Source::Slide => self.slide,
                Source::Tension => ctx.tension,
                Source::NoteRandom => self.note_random,
                Source::Constant => 1.0,
                s => s.macro_index().map_or(0.0, |i| ctx.macros[i]),
            }
        };
        let mut d = [0.0f32; Destination::ALL.len()];
        for r in m.note_start.as_slice() {
            d[r.destination.index()] += r.value(value(r.source), r.via.map_or(1.0, value));
        }
        let oct = |t: f32, dest: Destination| (t * d[dest.index()].exp2()).clamp(0.0, 30_000.0);
        amp.attack_ms = oct(amp.attack_ms, Destination::AmpAttack);
        amp.decay_ms = oct(amp.decay_ms, Destination::AmpDecay);
        amp.release_ms = oct(amp.release_ms, Destination::AmpRelease);
        menv.attack_ms = oct(menv.attack_ms, Destination::ModAttack);
        menv.decay_ms = oct(menv.decay_ms, Destination::ModDecay);
        menv.release_ms = oct(menv.release_ms, Destination::ModRelease);
        let rates = [
            Destination::Lfo1Rate,
            Destination::Lfo2Rate,
            Destination::Lfo3Rate,
        ];
        let depths = [
            Destination::Lfo1Depth,
            Destination::Lfo2Depth,
            Destination::Lfo3Depth,
        ];
        for l in 0..3 {
            self.lfo_rate_mul[l] = d[rates[l].index()].clamp(-16.0, 16.0).exp2();
            self.lfo_depth_mul[l] = (1.0 + d[depths[l].index()]).clamp(0.0, 2.0);
        }
        (amp, menv)
    }

    /// Moves a sounding voice to a new note, channel and host voice id (mono and legato
    /// modes). `retrigger` restarts the envelopes from their current level; the pitch
    /// glides when `glide_ms > 0`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn retarget(
        &mut self,
        note: u8,
        channel: u8,
        voice_id: Option<i32>,
        velocity_gain: f32,
        retrigger: bool,
        params: &SynthParams,
        velocity: f32,
        ctx: &NoteCtx<'_>,
    ) {
        self.note = note;
        self.channel = channel;
        self.voice_id = voice_id;
        self.held = true;
        self.sustained = false;
        // A key is down again: nothing has been released on this voice yet.
        self.release_velocity = 0.0;
        self.target = f32::from(note);
        let glide = params.glide_ms * 1e-3 * self.sample_rate;
        if glide >= 1.0 {
            self.glide_step = (self.target - self.pitch).abs() / glide;
        } else {
            self.pitch = self.target;
            self.glide_step = 0.0;
        }
        if retrigger {
            self.velocity_gain = velocity_gain;
            self.velocity = velocity;
            let (amp, menv) = self.note_start(params, ctx);
            self.env.gate_on(amp);
            self.mod_env.gate_on(menv);
        }
    }

    /// Key up: records `release_velocity` (0..1, the MPE lift) if the key was down, and
    /// starts the release unless the sustain pedal is down. (A pedal lifting later releases
    /// a key that is already up: the velocity of its key-up stays.)
    pub(crate) fn release(&mut self, pedal_down: bool, release_velocity: f32) {
        if self.held {
            self.release_velocity = release_velocity;
        }
        self.held = false;
        if pedal_down {
            self.sustained = true;
        } else {
            self.sustained = false;
            self.env.gate_off();
            self.mod_env.gate_off();
        }
    }

    /// Fades out over `ms` (voice stealing and chokes).
    pub(crate) fn kill(&mut self, ms: f32) {
        self.held = false;
        self.sustained = false;
        self.env.kill(ms);
    }

    /// Sets a polyphonic modulation offset.
    pub(crate) fn set_poly(&mut self, target: super::PolyTarget, offset: f32) {
        let v = if offset.is_finite() { offset } else { 0.0 };
        match target {
            super::PolyTarget::MorphX => self.poly_morph[0] = v.clamp(-1.0, 1.0),
            super::PolyTarget::MorphY => self.poly_morph[1] = v.clamp(-1.0, 1.0),
            super::PolyTarget::MorphZ => self.poly_morph[2] = v.clamp(-1.0, 1.0),
            super::PolyTarget::Cutoff => self.poly_cutoff = v.clamp(-10.0, 10.0),
        }
    }

    /// Sets a note expression.
    pub(crate) fn set_expression(&mut self, kind: super::Expression, value: f32) {
        let v = if value.is_finite() { value } else { 0.0 };
        match kind {
            super::Expression::Tuning => self.tuning = v.clamp(-120.0, 120.0),
            super::Expression::Pressure => self.pressure = v.clamp(0.0, 1.0),
            super::Expression::Brightness => self.slide = 2.0 * v.clamp(0.0, 1.0) - 1.0,
        }
    }

    /// The morph point of the last sample rendered, `[x, y, z]`, 0..1 each.
    pub fn morph_now(&self) -> [f32; 3] {
        self.morph_now
    }

    /// The voice's current value of the per-voice destination `destination`, with the
    /// matrix's modulation (and every other modulation of that value) applied, in the unit
    /// of the parameter it moves: morph x/y/z 0..1 (the last sample's morph point), pitch
    /// as a MIDI note (bend, tuning, vibrato, pitch and fine-pitch routes included), cutoff
    /// Hz and resonance 0..1 (while the filter is on), pan −1..1 (the matrix's offset from
    /// each unison oscillator's place), unison detune cents, unison spread 0..1, LFO rates
    /// Hz, envelope times ms. Read from what the last control point and note start left
    /// (`params` supplies the unmodulated spread and LFO rates), so it lags the sound by at
    /// most one control period or one render call.
    ///
    /// `None` where the voice keeps no such value: fine pitch (folded into the pitch),
    /// amp, LFO depths, tension depth, and the effect destinations (one value for all
    /// voices, [`Rate::Global`](crate::modulation::Rate::Global)). Never allocates.
    pub fn mod_value(&self, destination: Destination, params: &SynthParams) -> Option<f32> {
        let lfo_rate =
            |l: usize| (params.lfo[l].rate_hz * self.lfo_rate_mul[l]).min(super::MAX_LFO_RATE_HZ);
        let filter = || self.filter_key.filter(|_| params.filter.enabled);
        Some(match destination {
            Destination::MorphX => self.morph_now[0],
            Destination::MorphY => self.morph_now[1],
            Destination::MorphZ => self.morph_now[2],
            Destination::Pitch => self.pitch_key.base,
            Destination::Cutoff => filter()?.1,
            Destination::Resonance => filter()?.2,
            Destination::Pan => self.pan_mod[0],
            Destination::UnisonDetune => self.pitch_key.detune,
            Destination::UnisonSpread => (params.spread + self.pan_mod[1]).clamp(0.0, 1.0),
            Destination::Lfo1Rate => lfo_rate(0),
            Destination::Lfo2Rate => lfo_rate(1),
            Destination::Lfo3Rate => lfo_rate(2),
            Destination::AmpAttack => self.env.params().attack_ms,
            Destination::AmpDecay => self.env.params().decay_ms,
            Destination::AmpRelease => self.env.params().release_ms,
            Destination::ModAttack => self.mod_env.params().attack_ms,
            Destination::ModDecay => self.mod_env.params().decay_ms,
            Destination::ModRelease => self.mod_env.params().release_ms,
            _ => return None,
        })
    }

    /// Sets key pressure, 0..1.
    pub(crate) fn set_pressure(&mut self, value: f32) {
        self.set_expression(super::Expression::Pressure, value);
    }

    /// Recomputes pitch-dependent state: unison increments, mip picks and filter
    /// coefficients, from the modulation values at this control point.
    fn control(&mut self, cube: &CubeSet, params: &SynthParams, ch: ChannelMod, ctl: Ctl) {
        // Glide towards the target.
        if self.pitch != self.target {
            let step = self.glide_step * CONTROL as f32;
            if (self.target - self.pitch).abs() <= step || step == 0.0 {
                self.pitch = self.target;
            } else {
                self.pitch += step.copysign(self.target - self.pitch);
            }
        }
        let base = self.pitch + ch.bend_semitones + self.tuning + ctl[0] + ctl[1];
        let u = params.unison;
        let levels = cube.levels().levels();
        let detune = (params.detune_cents + ctl[4]).clamp(0.0, 100.0);
        let key = PitchKey {
            base,
            unison: u,
            detune,
            h0: levels[0].harmonics,
            count: levels.len(),
        };
        if key != self.pitch_key {
            self.pitch_key = key;
            self.update_pitch(cube, params, base, detune);
        }
        if params.filter.enabled {
            let f = &params.filter;
            let key = f.keytrack * (self.pitch - 60.0) / 12.0;
            let octaves = ctl[2] + key + self.poly_cutoff;
            let cutoff = f.cutoff_hz * octaves.clamp(-12.0, 12.0).exp2();
            let resonance = (f.resonance + ctl[3]).clamp(0.0, 1.0);
            let fkey = (f.mode, cutoff, resonance);
            if Some(fkey) != self.filter_key {
                self.filter_key = Some(fkey);
                self.coefs = SvfCoefs::new(f.mode, cutoff, resonance, self.sample_rate);
            }
        }
    }

    /// Unison increments and mip picks around `base` (MIDI note).
    fn update_pitch(&mut self, cube: &CubeSet, params: &SynthParams, base: f32, detune: f32) {
        let u = params.unison;
        for k in 0..u {
            // Symmetric spread: −1..1 across the unison oscillators.
            let s = if u > 1 {
                2.0 * k as f32 / (u - 1) as f32 - 1.0
            } else {
                0.0
            };
            let semis = base + s * detune * 0.005;
            let cycles =
                (note_to_hz(f64::from(semis)) / f64::from(self.sample_rate)).clamp(0.0, 0.5);
            let inc = (cycles * 4_294_967_296.0).round() as u32;
            self.incs[k] = inc;
            self.picks[k] = cube.levels().pick(inc);
        }
    }

    /// Expands output-rate values `half[1..]` of modulation `m` (0 = gain, 1..=3 = morph
    /// x, y, z) to the 2× clock in `out` (twice as long): the odd sample of each pair takes
    /// the output-rate value, the even one the midpoint from the previous value, a linear
    /// interpolation half an output sample late. `half[0]` is scratch for the previous
    /// value. A value that holds still expands to exactly itself, so a fixed morph point
    /// stays fixed for the oscillator.
    fn expand(&mut self, m: usize, half: &mut [f32], out: &mut [f32]) {
        let h = half.len() - 1;
        if h == 0 {
            return;
        }
        half[0] = if self.held_mod[m].is_nan() {
            half[1]
        } else {
            self.held_mod[m]
        };
        self.held_mod[m] = half[h];
        for ((pair, a), b) in out[..2 * h]
            .chunks_exact_mut(2)
            .zip(&half[..h])
            .zip(&half[1..])
        {
            pair[0] = 0.5 * (a + b);
            pair[1] = *b;
        }
    }

    /// Renders `out_l.len()` samples (at most the scratch length) and adds them into the
    /// outputs. Never allocates.
    pub(crate) fn render(
        &mut self,
        osc: &CubeOsc,
        cube: &CubeSet,
        params: &SynthParams,
        ch: ChannelMod,
        scratch: &mut Scratch,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        // The engine always asks for whole output samples: pairs of 2× samples.
        let n = out_l.len() - out_l.len() % OVERSAMPLE;
        // The modulation runs at the output rate: `h` values, one per pair.
        let h = n / OVERSAMPLE;
        let Scratch {
            x,
            y,
            z,
            gain,
            menv,
            lfo,
            vl,
            vr,
            osc: work,
            tension,
            half,
            aenv,
            rnd,
            macros,
            macro_still,
            amp_mod,
            tdepth,
            matrix: m,
            plan,
        } = scratch;
        let (x, y, z, gain, menv) = (
            &mut x[..n],
            &mut y[..n],
            &mut z[..n],
            &mut gain[..n],
            &mut menv[..h],
        );
        let m: &CompiledMatrix = m;
        let half = &mut half[..h + 1];
        let aenv = &mut aenv[..h];
        let aenv = if m.uses(Source::AmpEnv) {
            let still = self.env.process_block(aenv);
            for (g, a) in half[1..].iter_mut().zip(aenv.iter()) {
                *g = *a * self.velocity_gain;
            }
            envelope(still, aenv)
        } else {
            self.env.process_block(&mut half[1..]);
            for g in half[1..].iter_mut() {
                *g *= self.velocity_gain;
            }
            SourceValues::Buf(aenv)
        };
        let menv = if m.uses(Source::ModEnv) {
            let still = self.mod_env.process_block(menv);
            envelope(still, menv)
        } else {
            SourceValues::Buf(menv)
        };
        let lfo_src = [Source::Lfo1, Source::Lfo2, Source::Lfo3];
        for l in 0..3 {
            if m.uses(lfo_src[l]) {
                let mut p = params.lfo[l];
                if self.lfo_rate_mul[l] != 1.0 {
                    p.rate_hz = (p.rate_hz * self.lfo_rate_mul[l]).min(super::MAX_LFO_RATE_HZ);
                }
                self.lfo[l].process_block(&p, &mut lfo[l][..h]);
                if self.lfo_depth_mul[l] != 1.0 {
                    let k = self.lfo_depth_mul[l];
                    lfo[l][..h].iter_mut().for_each(|v| *v *= k);
                }
            }
        }
        if m.uses(Source::RandomLfo) {
            let rate = self.sample_rate / OVERSAMPLE as f32;
            let reads =
                |r: &Route| r.source == Source::RandomLfo || r.via == Some(Source::RandomLfo);
            let per_sample = m
                .sample
                .as_slice()
                .iter()
                .chain(m.global.as_slice())
                .any(reads);
            if per_sample {
                self.rnd
                    .process_block(m.random_rate_hz, rate, &mut rnd[..h]);
            } else {
                // Only control-rate slots read it: just the values at the control points.
                let first = (CONTROL - (self.clock % CONTROL as u64) as usize) % CONTROL;
                let stride = CONTROL / OVERSAMPLE;
                let first = first / OVERSAMPLE;
                self.rnd
                    .process_every(m.random_rate_hz, rate, &mut rnd[..h], first, stride);
            }
        }
        let mut src = Sources {
            lfo: [&lfo[0][..h], &lfo[1][..h], &lfo[2][..h]],
            aenv,
            menv,
            tension: &tension[..h],
            rnd: &rnd[..h],
            macros: std::array::from_fn(|k| match (macro_still[k], h) {
                (true, 1..) => SourceValues::Const(macros[k][0]),
                _ => SourceValues::Buf(&macros[k][..h]),
            }),
            velocity: self.velocity,
            release_velocity: self.release_velocity,
            key: key_source(self.note, m.key_centre),
            ch,
            poly_pressure: self.pressure,
            slide: self.slide,
            note_random: self.note_random,
        };
        if m.moves(Destination::TensionDepth) {
            // Tension as every slot reads it: scaled by `1 + m`, held to 0..2.
            let t = &mut tdepth[..h];
            t.fill(0.0);
            src.add(m, Destination::TensionDepth, t);
            for (k, v) in t.iter_mut().zip(src.tension) {
                *k = v * (1.0 + *k).clamp(0.0, 2.0);
            }
            src.tension = &tdepth[..h];
        }
        if !m.global.is_empty() && h > 0 {
            for r in m.global.as_slice() {
                for source in std::iter::once(r.source).chain(r.via) {
                    self.last_sources[source.index()] = src.values(source).at(h - 1);
                }
            }
        }
        if m.moves(Destination::Amp) {
            let a = &mut amp_mod[..h];
            a.fill(0.0);
            src.add(m, Destination::Amp, a);
            for (g, a) in half[1..].iter_mut().zip(a.iter()) {
                *g *= (1.0 + a).clamp(0.0, 2.0);
            }
        }
        self.expand(0, half, gain);
        // Morph per output sample: the base point, the host's polyphonic offset, then the
        // matrix's slots in order.
        for (axis, out) in [&mut *x, &mut *y, &mut *z].into_iter().enumerate() {
            let buf = &mut half[1..];
            buf.fill(params.morph[axis] + self.poly_morph[axis]);
            let dest = [
                Destination::MorphX,
                Destination::MorphY,
                Destination::MorphZ,
            ][axis];
            if m.moves(dest) {
                src.add(m, dest, buf);
            }
            for v in buf.iter_mut() {
                *v = v.clamp(0.0, 1.0);
            }
            self.expand(1 + axis, half, out);
        }
        if n > 0 {
            self.morph_now = [x[n - 1], y[n - 1], z[n - 1]];
        }
        // Plan the call at its control points, then render: the oscillators in runs of
        // constant pitch and the filter in segments of constant coefficients. Each value
        // holds from its control point to the next, as if the call were rendered control
        // period by control period.
        let u = params.unison;
        let Plan {
            runs,
            filter: fsegs,
            pan,
            spread,
            gains,
            pan_l,
            pan_r,
        } = plan;
        // The pans: per output sample when the matrix moves them, else fixed for the call.
        let pan_moved = m.moves(Destination::Pan) || m.moves(Destination::UnisonSpread);
        let fixed_pans = unison_pans(u, params.spread, 0.0);
        if pan_moved && h > 0 {
            let (pan, spread) = (&mut pan[..h], &mut spread[..h]);
            pan.fill(0.0);
            src.add(m, Destination::Pan, pan);
            spread.fill(params.spread);
            if m.moves(Destination::UnisonSpread) {
                src.add(m, Destination::UnisonSpread, spread);
                for s in spread.iter_mut() {
                    *s = s.clamp(0.0, 1.0);
                }
            }
            self.pan_mod = [pan[h - 1], spread[h - 1] - params.spread];
        }
        // Control values that move within the call (a glide, or a control-rate slot whose
        // source moves and whose destination is heard) need the control clock; otherwise
        // they are constant and one update covers the whole call (the same values either
        // way, so the result does not depend on the block size).
        let heard = |d: Destination| {
            params.filter.enabled || !matches!(d, Destination::Cutoff | Destination::Resonance)
        };
        let dynamic = self.pitch != self.target
            || m.control.as_slice().iter().any(|r| {
                heard(r.destination)
                    && (src.varies(r.source) || r.via.is_some_and(|v| src.varies(v)))
            });
        let ctls = src.control_routes(m, params.filter.enabled);
        if !dynamic {
            let ctl = if h == 0 {
                [0.0; 5]
            } else {
                ctls.at(&src, m, 0)
            };
            self.control(cube, params, ch, ctl);
        }
        if n == 0 {
            return;
        }
        runs.clear();
        fsegs.clear();
        // A call may start between control points: what the last one left holds until
        // the next.
        runs.push((0, self.incs, self.picks));
        fsegs.push((0, self.coefs));
        if dynamic {
            let mut at = (CONTROL - (self.clock % CONTROL as u64) as usize) % CONTROL;
            while at < n {
                let (pitch_was, filter_was) = (self.pitch_key, self.filter_key);
                // `at` is even (calls are whole pairs and CONTROL is even): the
                // output-rate modulation at the same instant.
                let ctl = ctls.at(&src, m, at / OVERSAMPLE);
                self.control(cube, params, ch, ctl);
                if self.pitch_key != pitch_was {
                    set_at(runs, at, (at, self.incs, self.picks), |r| r.0);
                }
                if self.filter_key != filter_was {
                    set_at(fsegs, at, (at, self.coefs), |f| f.0);
                }
                at += CONTROL;
            }
        }
        self.clock += n as u64;
        let (pan_l, pan_r) = (&mut pan_l[..n], &mut pan_r[..n]);
        let (pan, spread) = (&pan[..h], &spread[..h]);
        let (blend, phases) = (&mut self.blend, &mut self.phases);
        let mut oscillators = |tl: &mut [f32], tr: &mut [f32]| {
            for k in 0..u {
                let fixed = (!pan_moved).then_some(fixed_pans[k]);
                if pan_moved {
                    let [gl, gr] = gains;
                    let out_rate = [&mut gl[..h], &mut gr[..h]];
                    unison_pan_gains(k, u, [pan, spread], out_rate, pan_l, pan_r);
                }
                for (j, &(at, incs, picks)) in runs.iter().enumerate() {
                    let seg = at..runs.get(j + 1).map_or(n, |r| r.0);
                    let morph = MorphBuffers {
                        x: &x[seg.clone()],
                        y: &y[seg.clone()],
                        z: &z[seg.clone()],
                        midpoints: true,
                    };
                    let pan = match fixed {
                        Some(p) => Pan::Fixed(p),
                        None => Pan::PerSample {
                            left: &pan_l[seg.clone()],
                            right: &pan_r[seg.clone()],
                        },
                    };
                    osc.render_cached(
                        work,
                        blend,
                        cube,
                        &mut phases[k],
                        incs[k],
                        picks[k],
                        morph,
                        &gain[seg.clone()],
                        pan,
                        &mut tl[seg.clone()],
                        &mut tr[seg],
                    );
                }
            }
        };
        if !params.filter.enabled {
            // Unfiltered: the oscillators add straight into the mix.
            oscillators(&mut out_l[..n], &mut out_r[..n]);
            return;
        }
        // Filtered: through the voice's own buffer, then mixed.
        let (tl, tr) = (&mut vl[..n], &mut vr[..n]);
        tl.fill(0.0);
        tr.fill(0.0);
        oscillators(tl, tr);
        for (j, (at, coefs)) in fsegs.iter().enumerate() {
            let seg = *at..fsegs.get(j + 1).map_or(n, |f| f.0);
            self.filter
                .process_block(coefs, &mut tl[seg.clone()], &mut tr[seg]);
        }
        for (o, v) in out_l[..n].iter_mut().zip(tl.iter()) {
            *o += v;
        }
        for (o, v) in out_r[..n].iter_mut().zip(tr.iter()) {
            *o += v;
        }
    }
}
