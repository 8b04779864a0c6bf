//! One voice: a note's phase, envelope and LFOs, feeding the cube oscillator.

use crate::cube::{CubeOsc, CubeSet, LevelPick, MorphBuffers, OscScratch};

use super::{Adsr, Lfo, SynthParams};

/// Level of one voice at full velocity and envelope, linear. A factory node has an RMS of
/// 0.35, so a voice sits near −20 dBFS and sixteen of them near full scale.
pub const VOICE_GAIN: f32 = 0.3;

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
    /// The oscillator's working memory.
    pub osc: OscScratch,
}

impl Scratch {
    /// # Allocation
    /// Allocates four buffers of `len` samples.
    pub fn new(len: usize) -> Self {
        Self {
            x: vec![0.0; len],
            y: vec![0.0; len],
            z: vec![0.0; len],
            gain: vec![0.0; len],
            osc: OscScratch::new(),
        }
    }
}

/// One sounding note.
#[derive(Debug, Clone)]
pub struct Voice {
    /// MIDI note number.
    note: u8,
    /// Amplitude from velocity, linear.
    velocity_gain: f32,
    /// Note-on order, for oldest-voice stealing.
    age: u64,
    /// True between note-on and note-off (the key is down).
    held: bool,
    /// Oscillator phase, cycles × 2³².
    phase: u32,
    /// Phase increment per sample, cycles × 2³².
    inc: u32,
    /// Mip levels for `inc`.
    pick: LevelPick,
    /// Amplitude envelope.
    env: Adsr,
    /// Morph LFOs, x/y/z.
    lfo: [Lfo; 3],
}

impl Voice {
    /// An idle voice at `sample_rate` Hz.
    pub fn new(sample_rate: f32) -> Self {
        Self {
            note: 0,
            velocity_gain: 0.0,
            age: 0,
            held: false,
            phase: 0,
            inc: 0,
            pick: LevelPick {
                lo: 0,
                w_lo: 0.0,
                hi: 0,
                w_hi: 0.0,
            },
            env: Adsr::new(sample_rate),
            lfo: std::array::from_fn(|_| Lfo::new(sample_rate, 0)),
        }
    }

    /// Changes the sample rate of the envelope and LFOs.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.env.set_sample_rate(sample_rate);
        for l in &mut self.lfo {
            l.set_sample_rate(sample_rate);
        }
    }

    /// Silences the voice at once.
    pub fn reset(&mut self) {
        self.env.reset();
        self.held = false;
    }

    /// True while the voice makes sound.
    pub fn is_active(&self) -> bool {
        self.env.is_active()
    }

    /// True while the voice counts against polyphony (active and not being stolen).
    pub fn is_counted(&self) -> bool {
        self.env.is_active() && self.env.stage() != super::AdsrStage::Kill
    }

    /// True while the note's key is down.
    pub fn is_held(&self) -> bool {
        self.held
    }

    /// The MIDI note.
    pub fn note(&self) -> u8 {
        self.note
    }

    /// Note-on order: smaller is older.
    pub fn age(&self) -> u64 {
        self.age
    }

    /// Starts `note` at `velocity_gain`, with phase and LFOs reset so renders repeat.
    pub(crate) fn start(&mut self, note: u8, velocity_gain: f32, age: u64, params: &SynthParams) {
        self.note = note;
        self.velocity_gain = velocity_gain;
        self.age = age;
        self.held = true;
        self.phase = 0;
        self.env.reset();
        self.env.gate_on(params.amp_env);
        for (i, l) in self.lfo.iter_mut().enumerate() {
            l.reset((age as u32).wrapping_mul(3).wrapping_add(i as u32));
        }
    }

    /// Key up: starts the release.
    pub(crate) fn release(&mut self) {
        self.held = false;
        self.env.gate_off();
    }

    /// Fades out over `ms` because the voice was stolen.
    pub(crate) fn kill(&mut self, ms: f32) {
        self.held = false;
        self.env.kill(ms);
    }

    /// Sets the pitch: phase increment (cycles × 2³²) and its mip pick.
    pub(crate) fn set_pitch(&mut self, inc: u32, pick: LevelPick) {
        self.inc = inc;
        self.pick = pick;
    }

    /// Renders `out_l.len()` samples and adds them into the outputs.
    pub(crate) fn render(
        &mut self,
        osc: &CubeOsc,
        cube: &CubeSet,
        params: &SynthParams,
        scratch: &mut Scratch,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let n = out_l.len();
        let Scratch {
            x,
            y,
            z,
            gain,
            osc: work,
        } = scratch;
        let (x, y, z, gain) = (&mut x[..n], &mut y[..n], &mut z[..n], &mut gain[..n]);
        for g in gain.iter_mut() {
            *g = self.env.process() * self.velocity_gain;
        }
        for (axis, buf) in [&mut *x, &mut *y, &mut *z].into_iter().enumerate() {
            let base = params.morph[axis];
            let lp = params.lfo[axis];
            if lp.depth == 0.0 {
                buf.fill(base);
            } else {
                self.lfo[axis].process_block(&lp, base, 0.0, 1.0, buf);
            }
        }
        let morph = MorphBuffers { x, y, z };
        osc.render(
            work,
            cube,
            &mut self.phase,
            self.inc,
            self.pick,
            morph,
            gain,
            out_l,
            out_r,
        );
    }
}
