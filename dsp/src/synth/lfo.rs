//! A low-frequency oscillator, a modulation source up to audio rate (1 kHz).

use std::str::FromStr;

use thiserror::Error;

/// Highest LFO rate, Hz.
pub const MAX_LFO_RATE_HZ: f32 = 1000.0;

/// LFO waveform. All shapes run −1..1 and start at phase 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LfoShape {
    /// `sin(2π·phase)`.
    #[default]
    Sine,
    /// Rises from 0 to 1 at a quarter cycle, −1 at three quarters.
    Triangle,
    /// Rises from −1 to 1 over the cycle.
    Saw,
    /// 1 for the first half cycle, −1 for the second.
    Square,
    /// A new random value each cycle, held (sample and hold); seeded, so renders repeat.
    Random,
}

/// An unknown LFO shape name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown LFO shape '{0}' (expected sine, triangle, saw, square or random)")]
pub struct ParseLfoShapeError(pub String);

impl FromStr for LfoShape {
    type Err = ParseLfoShapeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sine" | "sin" => Ok(Self::Sine),
            "triangle" | "tri" => Ok(Self::Triangle),
            "saw" => Ok(Self::Saw),
            "square" | "sqr" => Ok(Self::Square),
            "random" | "rand" | "s&h" => Ok(Self::Random),
            _ => Err(ParseLfoShapeError(s.to_owned())),
        }
    }
}

/// LFO settings. What an LFO moves, and by how much, is the modulation matrix's business
/// ([`ModMatrix`](crate::modulation::ModMatrix)): an LFO runs only while a slot reads it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LfoParams {
    /// Waveform.
    pub shape: LfoShape,
    /// Rate, 0 to [`MAX_LFO_RATE_HZ`] Hz. (Tempo sync is the host's job: it converts
    /// note lengths to Hz.)
    pub rate_hz: f32,
}

impl LfoParams {
    /// An LFO of `shape` at `rate_hz`.
    pub fn new(shape: LfoShape, rate_hz: f32) -> Self {
        Self { shape, rate_hz }
    }

    /// A copy with the rate in 0..=1000 Hz and NaN zeroed.
    pub fn sanitized(&self) -> Self {
        let rate_hz = if self.rate_hz.is_nan() {
            0.0
        } else {
            self.rate_hz.clamp(0.0, MAX_LFO_RATE_HZ)
        };
        Self {
            shape: self.shape,
            rate_hz,
        }
    }
}

/// One LFO's running state.
#[derive(Debug, Clone)]
pub struct Lfo {
    /// Sample rate, Hz.
    sample_rate: f64,
    /// Phase, cycles × 2³² (wraps once per cycle).
    phase: u32,
    /// Completed cycles since reset (drives the random shape).
    cycle: u32,
    /// Seed of the random shape.
    seed: u32,
    /// The random shape's held value, −1..1.
    held: f32,
}

impl Lfo {
    /// An LFO at `sample_rate` Hz with a random-shape seed.
    pub fn new(sample_rate: f32, seed: u32) -> Self {
        let mut lfo = Self {
            sample_rate: sample_rate as f64,
            phase: 0,
            cycle: 0,
            seed,
            held: 0.0,
        };
        lfo.reset(seed);
        lfo
    }

    /// Changes the sample rate.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate as f64;
    }

    /// Restarts at phase 0 with a new random seed.
    pub fn reset(&mut self, seed: u32) {
        self.phase = 0;
        self.cycle = 0;
        self.seed = seed;
        self.held = hash_to_bipolar(seed, 0);
    }

    /// Returns the value at the current phase, −1..1, then advances one sample.
    #[inline]
    pub fn process(&mut self, p: &LfoParams) -> f32 {
        let mut v = [0.0];
        self.process_block(p, &mut v);
        v[0]
    }

    /// Writes the LFO's value (−1..1) per sample into `out`. The shape is chosen once per
    /// block, outside the sample loop.
    pub fn process_block(&mut self, p: &LfoParams, out: &mut [f32]) {
        // Phase step, cycles × 2³² per sample (0.005% steps at 0.01 Hz and 192 kHz).
        let step =
            (p.rate_hz as f64 / self.sample_rate * 4_294_967_296.0).min(u32::MAX as f64) as u32;
        match p.shape {
            LfoShape::Sine => self.run(out, step, sin_of_phase),
            LfoShape::Triangle => self.run(out, step, |ph| triangle(cycles(ph))),
            LfoShape::Saw => self.run(out, step, |ph| 2.0 * cycles(ph) - 1.0),
            LfoShape::Square => self.run(out, step, |ph| if ph < 1 << 31 { 1.0 } else { -1.0 }),
            LfoShape::Random => {
                for o in out.iter_mut() {
                    *o = self.held;
                    self.advance(step);
                }
            }
        }
    }

    /// The shaped loop: each sample's phase is computed from the block start, so there is
    /// no loop-carried state and the loop vectorises (eight lanes wide on CPUs with AVX2,
    /// detected at run time; the same operations, so the same values, either way).
    #[inline(always)]
    fn run(&mut self, out: &mut [f32], step: u32, f: impl Fn(u32) -> f32) {
        let ph0 = self.phase;
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            unsafe { shape_avx2(out, ph0, step, &f) };
        } else {
            shape(out, ph0, step, &f);
        }
        #[cfg(not(target_arch = "x86_64"))]
        shape(out, ph0, step, &f);
        let total = u64::from(ph0) + u64::from(step) * out.len() as u64;
        self.phase = total as u32;
        let wraps = (total >> 32) as u32;
        if wraps > 0 {
            self.cycle = self.cycle.wrapping_add(wraps);
            self.held = hash_to_bipolar(self.seed, self.cycle);
        }
    }

    #[inline(always)]
    fn advance(&mut self, step: u32) {
        let (next, wrapped) = self.phase.overflowing_add(step);
        self.phase = next;
        if wrapped {
            self.cycle = self.cycle.wrapping_add(1);
            self.held = hash_to_bipolar(self.seed, self.cycle);
        }
    }
}

/// `out[i] = f(phase of sample i)` (the phase in cycles × 2³²), clamped to −1..1, from phase
/// `ph0` stepping by `step`.
#[inline(always)]
fn shape(out: &mut [f32], ph0: u32, step: u32, f: &impl Fn(u32) -> f32) {
    for (i, o) in out.iter_mut().enumerate() {
        let ph = ph0.wrapping_add(step.wrapping_mul(i as u32));
        *o = f(ph).clamp(-1.0, 1.0);
    }
}

/// A phase in cycles × 2³² as cycles, 0..1.
#[inline(always)]
fn cycles(ph: u32) -> f32 {
    u32_to_f32(ph) * (1.0 / 4_294_967_296.0)
}

/// [`shape`] compiled for AVX2 (eight lanes and a vector 32-bit multiply). Rust does not
/// fuse multiplies and adds on its own, so the values are bit for bit those of [`shape`].
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn shape_avx2(out: &mut [f32], ph0: u32, step: u32, f: &impl Fn(u32) -> f32) {
    shape(out, ph0, step, f);
}

/// `v as f32`, bit for bit, in a form that vectorises on baseline x86-64 (which converts
/// only signed integers): both 16-bit halves convert exactly, so their one rounded sum is
/// the correctly rounded `v`.
#[inline(always)]
fn u32_to_f32(v: u32) -> f32 {
    ((v >> 16) as i32 as f32) * 65536.0 + (v & 0xFFFF) as i32 as f32
}

/// Triangle: 0 at phase 0, 1 at a quarter cycle, −1 at three quarters. Branch-free.
#[inline(always)]
fn triangle(ph: f32) -> f32 {
    // `ph` is 0..=1, so `u` is 0.75..=1.75 and its fraction is a select (exact: `u − 1`
    // is exact there). A compare and a blend per lane; `(u as i32) as f32` would not
    // vectorise, as Rust's saturating cast checks every lane for NaN and overflow.
    let u = ph + 0.75;
    let u = if u >= 1.0 { u - 1.0 } else { u };
    2.0 * (2.0 * u - 1.0).abs() - 1.0
}

/// `sin(2π·ph / 2³²)` for a phase `ph` in cycles × 2³², by an odd 11th-order polynomial
/// after folding to a quarter cycle. The fold is exact, in integers: read as signed, the
/// phase is −½..½ cycle, and `sin(2π(±½ − x)) = sin(2πx)` takes the outer quarters onto
/// the inner ones. Maximum error about 2e-7 (ample for modulation), no libm call; a few
/// integer operations and one conversion per lane where the float fold took a dozen.
#[inline(always)]
fn sin_of_phase(ph: u32) -> f32 {
    let a = ph as i32;
    // `a + 2³⁰` wraps negative exactly when `a` is outside −2³⁰..2³⁰ (a quarter cycle).
    let y = if a.wrapping_add(1 << 30) < 0 {
        i32::MIN.wrapping_sub(a)
    } else {
        a
    };
    let t = y as f32 * (std::f32::consts::TAU / 4_294_967_296.0);
    let t2 = t * t;
    // Taylor coefficients to t^11 on |t| ≤ π/2 (truncation error below 6e-8).
    t * (1.0
        + t2 * (-1.0 / 6.0
            + t2 * (1.0 / 120.0
                + t2 * (-1.0 / 5040.0 + t2 * (1.0 / 362_880.0 + t2 * (-1.0 / 39_916_800.0))))))
}

/// A uniform value in −1..1 from a seed and a counter (SplitMix-style integer hash).
fn hash_to_bipolar(seed: u32, n: u32) -> f32 {
    let mut z = (u64::from(seed) << 32 | u64::from(n)).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    ((z >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_sine_is_accurate() {
        let err = (0..10_006)
            .map(|i| {
                // Every 1/10000 of a cycle, and the quarter-cycle edges of the fold.
                let ph = match i {
                    10_000 => 1 << 30,
                    10_001 => (1 << 30) - 1,
                    10_002 => 3 << 30,
                    10_003 => (3 << 30) + 1,
                    10_004 => 1 << 31,
                    10_005 => u32::MAX,
                    _ => (i as f64 / 10_000.0 * 4_294_967_296.0) as u32,
                };
                let x = ph as f64 / 4_294_967_296.0;
                (sin_of_phase(ph) as f64 - (std::f64::consts::TAU * x).sin()).abs()
            })
            .fold(0.0, f64::max);
        assert!(err < 5e-7, "{err}");
    }

    #[test]
    fn u32_to_f32_is_exact_as_cast() {
        let mut v = 0x9E37_79B9u32;
        for edge in [
            0,
            1,
            0xFFFF,
            0x1_0000,
            0xFF_FFFF,
            0x100_0001,
            0x7FFF_FFFF,
            u32::MAX,
        ] {
            assert_eq!(
                u32_to_f32(edge).to_bits(),
                (edge as f32).to_bits(),
                "{edge}"
            );
        }
        for _ in 0..100_000 {
            v = v.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            assert_eq!(u32_to_f32(v).to_bits(), (v as f32).to_bits(), "{v}");
        }
    }

    #[test]
    fn triangle_fraction_is_the_truncating_one() {
        let mut v = 0x1234_5678u32;
        for i in 0..200_000u32 {
            v = v.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let ph = if i < 3 {
                [0.0, 0.25, 1.0][i as usize]
            } else {
                u32_to_f32(v) * (1.0 / 4_294_967_296.0)
            };
            let u = ph + 0.75;
            let want = 2.0 * (2.0 * (u - (u as i32) as f32) - 1.0).abs() - 1.0;
            assert_eq!(triangle(ph).to_bits(), want.to_bits(), "{ph}");
        }
    }

    #[test]
    fn triangle_hits_its_corners() {
        for (ph, want) in [
            (0.0, 0.0),
            (0.125, 0.5),
            (0.25, 1.0),
            (0.5, 0.0),
            (0.75, -1.0),
            (0.875, -0.5),
        ] {
            assert!((triangle(ph) - want).abs() < 1e-6, "{ph}");
        }
    }

    #[test]
    fn block_and_sample_processing_agree() {
        for shape in [
            LfoShape::Sine,
            LfoShape::Triangle,
            LfoShape::Saw,
            LfoShape::Square,
            LfoShape::Random,
        ] {
            let p = LfoParams::new(shape, 313.0);
            let mut a = Lfo::new(48000.0, 3);
            let mut b = Lfo::new(48000.0, 3);
            let mut block = vec![0.0; 1000];
            a.process_block(&p, &mut block[..333]);
            a.process_block(&p, &mut block[333..]);
            for (i, v) in block.iter().enumerate() {
                let want = b.process(&p);
                assert!(
                    (v - want).abs() < 1e-6,
                    "{shape:?} sample {i}: {v} vs {want}"
                );
            }
        }
    }

    #[test]
    fn shapes_stay_in_range_and_random_repeats() {
        for shape in [
            LfoShape::Sine,
            LfoShape::Triangle,
            LfoShape::Saw,
            LfoShape::Square,
            LfoShape::Random,
        ] {
            let p = LfoParams::new(shape, 997.0);
            let mut a = Lfo::new(48000.0, 7);
            let mut b = Lfo::new(48000.0, 7);
            for _ in 0..48000 {
                let v = a.process(&p);
                assert!((-1.0..=1.0).contains(&v));
                assert_eq!(v, b.process(&p));
            }
        }
        assert_eq!("Square".parse::<LfoShape>(), Ok(LfoShape::Square));
        assert!("wobble".parse::<LfoShape>().is_err());
    }
}
