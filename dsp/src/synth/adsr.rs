//! The ADSR envelope: linear attack, then exponential-shaped decay and release segments
//! that land exactly on their target at the stated time.
//!
//! Segment shape (after N. Redmon, "Envelope generators — ADSR", EarLevel Engineering, 2013):
//! `level = target + (start − target)·(g − ε)` with `g` falling geometrically from `1 + ε`
//! to `ε` over the segment, ε = 10⁻³. That is the curve of an analog RC stage aimed 60 dB
//! past its target, so it sounds natural yet reaches the target, and silence, on time.

/// Envelope settings, times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdsrParams {
    /// Attack time, 0 to 30,000 ms.
    pub attack_ms: f32,
    /// Decay time to the sustain level, 0 to 30,000 ms.
    pub decay_ms: f32,
    /// Sustain level, 0..1 (linear).
    pub sustain: f32,
    /// Release time to silence, 0 to 30,000 ms.
    pub release_ms: f32,
}

impl Default for AdsrParams {
    fn default() -> Self {
        Self {
            attack_ms: 5.0,
            decay_ms: 300.0,
            sustain: 0.7,
            release_ms: 250.0,
        }
    }
}

impl AdsrParams {
    /// A copy with times in 0..=30,000 ms, sustain in 0..1, and NaNs replaced by defaults.
    pub fn sanitized(&self) -> Self {
        let d = Self::default();
        let t = |v: f32, def: f32| {
            if v.is_nan() {
                def
            } else {
                v.clamp(0.0, 30_000.0)
            }
        };
        Self {
            attack_ms: t(self.attack_ms, d.attack_ms),
            decay_ms: t(self.decay_ms, d.decay_ms),
            sustain: if self.sustain.is_nan() {
                d.sustain
            } else {
                self.sustain.clamp(0.0, 1.0)
            },
            release_ms: t(self.release_ms, d.release_ms),
        }
    }
}

/// Where the envelope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdsrStage {
    /// Silent and finished.
    Idle,
    /// Rising linearly to 1.
    Attack,
    /// Falling to the sustain level.
    Decay,
    /// Holding the sustain level.
    Sustain,
    /// Falling to silence after note-off.
    Release,
    /// A fast linear fade to silence, used when the voice is stolen.
    Kill,
}

/// Overshoot of the exponential segments (60 dB).
const EPS: f64 = 1e-3;

/// An ADSR envelope generator. Output 0..1 per sample.
#[derive(Debug, Clone)]
pub struct Adsr {
    /// Sample rate, Hz.
    sample_rate: f64,
    /// Current stage.
    stage: AdsrStage,
    /// Current level, 0..1.
    level: f64,
    /// Per-sample step of the linear segments (attack, kill).
    step: f64,
    /// Geometric state of the exponential segments, from 1 + ε down to ε.
    g: f64,
    /// Per-sample ratio of `g`.
    q: f64,
    /// Level where the current exponential segment started.
    start: f64,
    /// Level the current segment aims at.
    target: f64,
    /// The settings captured at the last stage change.
    params: AdsrParams,
}

impl Adsr {
    /// A silent envelope at `sample_rate` Hz.
    pub fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate: sample_rate as f64,
            stage: AdsrStage::Idle,
            level: 0.0,
            step: 0.0,
            g: 0.0,
            q: 1.0,
            start: 0.0,
            target: 0.0,
            params: AdsrParams::default(),
        }
    }

    /// Changes the sample rate; takes effect at the next stage change.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate as f64;
    }

    /// Back to silence.
    pub fn reset(&mut self) {
        self.stage = AdsrStage::Idle;
        self.level = 0.0;
    }

    /// The current stage.
    pub fn stage(&self) -> AdsrStage {
        self.stage
    }

    /// The current level, 0..1.
    pub fn level(&self) -> f32 {
        self.level as f32
    }

    /// The settings of the current note, as captured at the last gate-on (times in ms).
    pub fn params(&self) -> AdsrParams {
        self.params
    }

    /// True while the envelope still produces sound.
    pub fn is_active(&self) -> bool {
        self.stage != AdsrStage::Idle
    }

    /// Starts the attack from the current level (so a retrigger does not click).
    pub fn gate_on(&mut self, params: AdsrParams) {
        self.params = params;
        let samples = self.samples(params.attack_ms);
        if samples < 1.0 {
            self.level = 1.0;
            self.enter_decay();
        } else {
            self.stage = AdsrStage::Attack;
            self.step = 1.0 / samples;
        }
    }

    /// Starts the release from the current level.
    pub fn gate_off(&mut self) {
        if matches!(
            self.stage,
            AdsrStage::Idle | AdsrStage::Release | AdsrStage::Kill
        ) {
            return;
        }
        let samples = self.samples(self.params.release_ms);
        self.start_exp(AdsrStage::Release, 0.0, samples);
    }

    /// Fades to silence linearly over `ms` milliseconds (voice stealing).
    pub fn kill(&mut self, ms: f32) {
        if self.stage == AdsrStage::Idle {
            return;
        }
        self.stage = AdsrStage::Kill;
        self.step = self.level / self.samples(ms).max(1.0);
    }

    /// Advances one sample and returns the new level, 0..1.
    #[inline]
    pub fn process(&mut self) -> f32 {
        match self.stage {
            AdsrStage::Idle | AdsrStage::Sustain => {}
            AdsrStage::Attack => {
                self.level += self.step;
                if self.level >= 1.0 - 1e-9 {
                    self.level = 1.0;
                    self.enter_decay();
                }
            }
            AdsrStage::Decay | AdsrStage::Release => {
                self.g *= self.q;
                if self.g <= EPS {
                    self.level = self.target;
                    self.stage = if self.stage == AdsrStage::Release || self.target <= 0.0 {
                        AdsrStage::Idle
                    } else {
                        AdsrStage::Sustain
                    };
                } else {
                    self.level = self.target + (self.start - self.target) * (self.g - EPS);
                }
            }
            AdsrStage::Kill => {
                self.level -= self.step;
                if self.level <= 0.0 {
                    self.level = 0.0;
                    self.stage = AdsrStage::Idle;
                }
            }
        }
        self.level as f32
    }

    /// Advances `out.len()` samples, writing each new level (0..1): the same values as
    /// that many [`Adsr::process`] calls, with a held level (sustain, idle) written in one
    /// pass. Returns true when the whole block holds one level (it started held).
    pub fn process_block(&mut self, out: &mut [f32]) -> bool {
        for i in 0..out.len() {
            if matches!(self.stage, AdsrStage::Idle | AdsrStage::Sustain) {
                out[i..].fill(self.level as f32);
                return i == 0;
            }
            out[i] = self.process();
        }
        out.is_empty()
    }

    fn samples(&self, ms: f32) -> f64 {
        ms as f64 * 1e-3 * self.sample_rate
    }

    fn enter_decay(&mut self) {
        let samples = self.samples(self.params.decay_ms);
        let sustain = self.params.sustain as f64;
        self.start_exp(AdsrStage::Decay, sustain, samples);
    }

    fn start_exp(&mut self, stage: AdsrStage, target: f64, samples: f64) {
        self.start = self.level;
        self.target = target;
        if samples < 1.0 {
            self.level = target;
            self.stage = if stage == AdsrStage::Release || target <= 0.0 {
                AdsrStage::Idle
            } else {
                AdsrStage::Sustain
            };
            return;
        }
        self.stage = stage;
        self.g = 1.0 + EPS;
        self.q = (EPS / (1.0 + EPS)).powf(1.0 / samples);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(env: &mut Adsr, n: usize) -> f32 {
        (0..n).map(|_| env.process()).last().unwrap_or(0.0)
    }

    #[test]
    fn a_block_is_the_samples_one_by_one() {
        let p = AdsrParams {
            attack_ms: 3.0,
            decay_ms: 20.0,
            sustain: 0.4,
            release_ms: 15.0,
        };
        let (mut a, mut b) = (Adsr::new(48000.0), Adsr::new(48000.0));
        a.gate_on(p);
        b.gate_on(p);
        let mut buf = [0.0f32; 97];
        // Blocks of varied length through attack, decay, sustain, release and idle.
        for (k, len) in (1..=97).cycle().step_by(13).take(60).enumerate() {
            if k == 30 {
                a.gate_off();
                b.gate_off();
            }
            let held = a.process_block(&mut buf[..len]);
            assert!(!held || buf[..len].iter().all(|v| *v == buf[0]));
            for (i, v) in buf[..len].iter().enumerate() {
                assert_eq!(v.to_bits(), b.process().to_bits(), "block {k} sample {i}");
            }
        }
        assert_eq!(a.stage(), AdsrStage::Idle);
    }

    #[test]
    fn stages_land_on_time() {
        let sr = 48000.0;
        let mut e = Adsr::new(sr);
        let p = AdsrParams {
            attack_ms: 10.0,
            decay_ms: 100.0,
            sustain: 0.5,
            release_ms: 200.0,
        };
        e.gate_on(p);
        assert!((run(&mut e, 480) - 1.0).abs() < 1e-6);
        assert_eq!(e.stage(), AdsrStage::Decay);
        let v = run(&mut e, 4800);
        assert!((v - 0.5).abs() < 1e-3, "sustain {v}");
        run(&mut e, 10);
        assert_eq!(e.stage(), AdsrStage::Sustain);
        e.gate_off();
        // Halfway through the release the curve is well below half the level (exponential).
        let half = run(&mut e, 4800);
        assert!(half < 0.1 && half > 0.0, "{half}");
        run(&mut e, 4801);
        assert_eq!(e.stage(), AdsrStage::Idle);
        assert_eq!(e.level(), 0.0);
    }

    #[test]
    fn zero_times_are_instant_and_kill_fades() {
        let mut e = Adsr::new(44100.0);
        e.gate_on(AdsrParams {
            attack_ms: 0.0,
            decay_ms: 0.0,
            sustain: 0.8,
            release_ms: 0.0,
        });
        assert!((e.process() - 0.8).abs() < 1e-6);
        e.kill(1.0);
        let steps = (0..100).take_while(|_| e.process() > 0.0).count();
        assert!((42..=45).contains(&steps), "{steps}");
        assert!(!e.is_active());
    }
}
