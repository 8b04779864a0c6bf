//! A seven-band stereo EQ: low-cut, low shelf, three peaks, high shelf, high-cut (RBJ biquads).
//!
//! Each band is one or more second-order sections designed with Robert Bristow-Johnson's
//! "Cookbook formulae for audio EQ biquad filter coefficients" (the Audio EQ Cookbook, W3C
//! note 2021 edition): peaking, low shelf and high shelf with a Q, and low-/high-cut as
//! Butterworth cascades of 12, 24 or 48 dB per octave (one, two or four sections with the
//! Butterworth pole Qs `1 / (2 sin((2k − 1)π / 2n))`). The sections run in transposed direct
//! form II in `f64`, so a 20 Hz shelf at 192 kHz keeps its shape (in `f32` the coefficient
//! rounding alone moves such a band by tenths of a dB).
//!
//! [`Eq::magnitude_db`] is the analytic response of the same sections (the product of the
//! biquads' `|H(e^{jω})|`) for the editor's curve; the tests hold the measured response of
//! the running filter to it within 0.1 dB at 100 frequencies. Like every bilinear design the
//! bells and shelves "cramp" near Nyquist (a 12 kHz bell at 44.1 kHz is narrower than its
//! analogue prototype); the analytic curve shows exactly what the filter does.
//!
//! Parameter changes are smoothed (frequency in octaves, gain in dB, Q in octaves, 20 ms) and
//! the coefficients re-derived every [`CONTROL_INTERVAL`] samples while any band moves; a
//! band switched on or off crossfades with its input over 10 ms.

use super::{Effect, Smoothed};
use serde::{Deserialize, Serialize};

/// How often (in samples) the coefficients follow the smoothed parameters while they move.
pub const CONTROL_INTERVAL: u32 = 16;

/// The lowest band frequency, in Hz.
pub const MIN_FREQ_HZ: f32 = 20.0;
/// The highest band frequency, in Hz (also kept below 0.45 × the sample rate).
pub const MAX_FREQ_HZ: f32 = 20_000.0;
/// The largest boost or cut of a peak or shelf band, in dB.
pub const MAX_GAIN_DB: f32 = 24.0;
/// The smallest band Q (peaks and shelves).
pub const MIN_Q: f32 = 0.1;
/// The largest band Q (peaks; shelves are limited to [`MAX_SHELF_Q`]).
pub const MAX_Q: f32 = 18.0;
/// The largest shelf Q (above ≈ 0.71 a shelf overshoots; 3 is a strong resonant shelf).
pub const MAX_SHELF_Q: f32 = 3.0;
/// The shelves' default Q: a plain shelf (1/√2 to the patch format's 0.001 grid, so a
/// default survives the trip through a plugin parameter unchanged).
pub const PLAIN_SHELF_Q: f32 = 0.707;
/// The number of peaking bands.
pub const PEAKS: usize = 3;
/// Sections per cut band (enough for 48 dB per octave).
const CUT_SECTIONS: usize = 4;
/// Sections in the whole EQ: low-cut, low shelf, peaks, high shelf, high-cut.
const SECTIONS: usize = 2 * CUT_SECTIONS + 2 + PEAKS;
/// Parameter smoothing time, in ms.
const SMOOTH_MS: f32 = 20.0;
/// On/off crossfade time, in ms.
const FADE_MS: f32 = 10.0;

/// The slope of a low-cut or high-cut band (Butterworth).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CutSlope {
    /// 12 dB per octave: one second-order section.
    #[default]
    Db12,
    /// 24 dB per octave: two sections.
    Db24,
    /// 48 dB per octave: four sections.
    Db48,
}

impl CutSlope {
    /// The number of second-order sections of this slope.
    pub fn sections(self) -> usize {
        match self {
            CutSlope::Db12 => 1,
            CutSlope::Db24 => 2,
            CutSlope::Db48 => 4,
        }
    }
}

/// One low-cut or high-cut band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutBand {
    /// Whether the band filters (off passes the signal unchanged).
    pub enabled: bool,
    /// The −3 dB frequency, in Hz (20–20 000).
    pub freq_hz: f32,
    /// The slope.
    pub slope: CutSlope,
}

/// One peaking or shelving band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BellBand {
    /// Whether the band filters (off passes the signal unchanged).
    pub enabled: bool,
    /// The centre (peak) or midpoint (shelf) frequency, in Hz (20–20 000).
    pub freq_hz: f32,
    /// The boost (positive) or cut, in dB (−24–+24).
    pub gain_db: f32,
    /// The quality factor (peaks 0.1–18, shelves 0.1–3; 0.707 is a plain shelf).
    pub q: f32,
}

/// The EQ's settings, in user units. Ranges are documented per field; `Eq::set_settings`
/// clamps them and replaces non-finite values with the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EqSettings {
    /// The low-cut (high-pass) band; default off at 30 Hz, 12 dB/oct.
    pub low_cut: CutBand,
    /// The low shelf; default off at 120 Hz.
    pub low_shelf: BellBand,
    /// The peaking bands; defaults off at 300 Hz, 1.2 kHz and 4 kHz.
    pub peaks: [BellBand; PEAKS],
    /// The high shelf; default off at 8 kHz.
    pub high_shelf: BellBand,
    /// The high-cut (low-pass) band; default off at 18 kHz, 12 dB/oct.
    pub high_cut: CutBand,
}

impl Default for EqSettings {
    fn default() -> Self {
        let bell = |freq_hz, q| BellBand {
            enabled: false,
            freq_hz,
            gain_db: 0.0,
            q,
        };
        Self {
            low_cut: CutBand {
                enabled: false,
                freq_hz: 30.0,
                slope: CutSlope::Db12,
            },
            low_shelf: bell(120.0, PLAIN_SHELF_Q),
            peaks: [bell(300.0, 1.0), bell(1200.0, 1.0), bell(4000.0, 1.0)],
            high_shelf: bell(8000.0, PLAIN_SHELF_Q),
            high_cut: CutBand {
                enabled: false,
                freq_hz: 18_000.0,
                slope: CutSlope::Db12,
            },
        }
    }
}

/// `value` clamped to `lo..=hi`, or `default` if it is not finite.
fn clamp_or(value: f32, lo: f32, hi: f32, default: f32) -> f32 {
    if value.is_finite() {
        value.clamp(lo, hi)
    } else {
        default
    }
}

impl EqSettings {
    /// These settings with every value inside its range (non-finite → the default's).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        let cut = |b: CutBand, d: CutBand| CutBand {
            enabled: b.enabled,
            freq_hz: clamp_or(b.freq_hz, MIN_FREQ_HZ, MAX_FREQ_HZ, d.freq_hz),
            slope: b.slope,
        };
        let bell = |b: BellBand, d: BellBand, max_q: f32| BellBand {
            enabled: b.enabled,
            freq_hz: clamp_or(b.freq_hz, MIN_FREQ_HZ, MAX_FREQ_HZ, d.freq_hz),
            gain_db: clamp_or(b.gain_db, -MAX_GAIN_DB, MAX_GAIN_DB, d.gain_db),
            q: clamp_or(b.q, MIN_Q, max_q, d.q),
        };
        let mut peaks = self.peaks;
        for (p, dp) in peaks.iter_mut().zip(d.peaks) {
            *p = bell(*p, dp, MAX_Q);
        }
        Self {
            low_cut: cut(self.low_cut, d.low_cut),
            low_shelf: bell(self.low_shelf, d.low_shelf, MAX_SHELF_Q),
            peaks,
            high_shelf: bell(self.high_shelf, d.high_shelf, MAX_SHELF_Q),
            high_cut: cut(self.high_cut, d.high_cut),
        }
    }
}

/// The shape of one second-order section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    HighPass,
    LowShelf,
    Peak,
    HighShelf,
    LowPass,
}

/// A normalised biquad (`a0 = 1`): `H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BiquadCoefs {
    /// Feed-forward coefficients.
    pub b: [f64; 3],
    /// Feedback coefficients `a1`, `a2`.
    pub a: [f64; 2],
}

impl BiquadCoefs {
    /// The identity section.
    pub const IDENTITY: Self = Self {
        b: [1.0, 0.0, 0.0],
        a: [0.0, 0.0],
    };

    /// The RBJ cookbook section of `shape` at `freq_hz`, `gain_db`, `q`, for `sample_rate` Hz.
    fn design(shape: Shape, freq_hz: f64, gain_db: f64, q: f64, sample_rate: f64) -> Self {
        let f = freq_hz.clamp(1.0, 0.45 * sample_rate);
        let w0 = std::f64::consts::TAU * f / sample_rate;
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / (2.0 * q.max(1e-3));
        let a = 10f64.powf(gain_db / 40.0);
        let (b, a_) = match shape {
            Shape::HighPass => (
                [(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0],
                [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
            ),
            Shape::LowPass => (
                [(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0],
                [1.0 + alpha, -2.0 * cos, 1.0 - alpha],
            ),
            Shape::Peak => (
                [1.0 + alpha * a, -2.0 * cos, 1.0 - alpha * a],
                [1.0 + alpha / a, -2.0 * cos, 1.0 - alpha / a],
            ),
            Shape::LowShelf => {
                let k = 2.0 * a.sqrt() * alpha;
                (
                    [
                        a * ((a + 1.0) - (a - 1.0) * cos + k),
                        2.0 * a * ((a - 1.0) - (a + 1.0) * cos),
                        a * ((a + 1.0) - (a - 1.0) * cos - k),
                    ],
                    [
                        (a + 1.0) + (a - 1.0) * cos + k,
                        -2.0 * ((a - 1.0) + (a + 1.0) * cos),
                        (a + 1.0) + (a - 1.0) * cos - k,
                    ],
                )
            }
            Shape::HighShelf => {
                let k = 2.0 * a.sqrt() * alpha;
                (
                    [
                        a * ((a + 1.0) + (a - 1.0) * cos + k),
                        -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                        a * ((a + 1.0) + (a - 1.0) * cos - k),
                    ],
                    [
                        (a + 1.0) - (a - 1.0) * cos + k,
                        2.0 * ((a - 1.0) - (a + 1.0) * cos),
                        (a + 1.0) - (a - 1.0) * cos - k,
                    ],
                )
            }
        };
        let inv = 1.0 / a_[0];
        Self {
            b: [b[0] * inv, b[1] * inv, b[2] * inv],
            a: [a_[1] * inv, a_[2] * inv],
        }
    }

    /// `|H(e^{jω})|²` at `freq_hz` for `sample_rate` Hz.
    pub fn power(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        let w = std::f64::consts::TAU * freq_hz / sample_rate;
        let (s1, c1) = w.sin_cos();
        let (s2, c2) = (2.0 * w).sin_cos();
        let nr = self.b[0] + self.b[1] * c1 + self.b[2] * c2;
        let ni = -(self.b[1] * s1 + self.b[2] * s2);
        let dr = 1.0 + self.a[0] * c1 + self.a[1] * c2;
        let di = -(self.a[0] * s1 + self.a[1] * s2);
        (nr * nr + ni * ni) / (dr * dr + di * di).max(1e-300)
    }
}

/// The Butterworth pole Q of section `k` (0-based) of an `n`-section cascade.
fn butterworth_q(k: usize, n: usize) -> f64 {
    let order = 2 * n;
    1.0 / (2.0 * (std::f64::consts::PI * (2 * k + 1) as f64 / (2 * order) as f64).sin())
}

/// The coefficients of every section for one set of (smoothed) parameter values; sections a
/// band does not use are the identity.
fn design_all(p: &BandValues, s: &EqSettings, sample_rate: f64) -> [BiquadCoefs; SECTIONS] {
    let mut c = [BiquadCoefs::IDENTITY; SECTIONS];
    let n = s.low_cut.slope.sections();
    for k in 0..n {
        c[k] = BiquadCoefs::design(
            Shape::HighPass,
            p.freq[0] as f64,
            0.0,
            butterworth_q(k, n),
            sample_rate,
        );
    }
    let bells = [
        (Shape::LowShelf, 1),
        (Shape::Peak, 2),
        (Shape::Peak, 3),
        (Shape::Peak, 4),
        (Shape::HighShelf, 5),
    ];
    for (i, (shape, band)) in bells.into_iter().enumerate() {
        c[CUT_SECTIONS + i] = BiquadCoefs::design(
            shape,
            p.freq[band] as f64,
            p.gain[band] as f64,
            p.q[band] as f64,
            sample_rate,
        );
    }
    let n = s.high_cut.slope.sections();
    for k in 0..n {
        c[CUT_SECTIONS + 5 + k] = BiquadCoefs::design(
            Shape::LowPass,
            p.freq[6] as f64,
            0.0,
            butterworth_q(k, n),
            sample_rate,
        );
    }
    c
}

/// Which band (0 low-cut … 6 high-cut) each section belongs to.
const SECTION_BAND: [usize; SECTIONS] = [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 6, 6];

/// Number of bands.
const BANDS: usize = 7;

/// One value per band of the frequency (Hz), gain (dB) and Q.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BandValues {
    freq: [f32; BANDS],
    gain: [f32; BANDS],
    q: [f32; BANDS],
    on: [bool; BANDS],
}

impl BandValues {
    fn of(s: &EqSettings) -> Self {
        let mut v = Self {
            freq: [1000.0; BANDS],
            gain: [0.0; BANDS],
            q: [1.0; BANDS],
            on: [false; BANDS],
        };
        v.freq[0] = s.low_cut.freq_hz;
        v.on[0] = s.low_cut.enabled;
        let bells = [
            s.low_shelf,
            s.peaks[0],
            s.peaks[1],
            s.peaks[2],
            s.high_shelf,
        ];
        for (i, b) in bells.iter().enumerate() {
            v.freq[i + 1] = b.freq_hz;
            v.gain[i + 1] = b.gain_db;
            v.q[i + 1] = b.q;
            v.on[i + 1] = b.enabled;
        }
        v.freq[6] = s.high_cut.freq_hz;
        v.on[6] = s.high_cut.enabled;
        v
    }
}

/// The stereo EQ (see the module docs).
#[derive(Debug, Clone)]
pub struct Eq {
    sample_rate: f32,
    settings: EqSettings,
    /// Smoothed log2 frequency, per band.
    log_freq: [Smoothed; BANDS],
    /// Smoothed gain in dB, per band.
    gain_db: [Smoothed; BANDS],
    /// Smoothed log2 Q, per band.
    log_q: [Smoothed; BANDS],
    /// Smoothed on-amount (0 = bypassed, 1 = on), per band.
    on: [Smoothed; BANDS],
    coefs: [BiquadCoefs; SECTIONS],
    /// Transposed-direct-form-II state, per channel and section.
    state: [[[f64; 2]; SECTIONS]; 2],
    /// Samples until the next coefficient update.
    countdown: u32,
    /// Whether any smoother is still moving.
    moving: bool,
}

impl Eq {
    /// An EQ at `sample_rate` Hz with default (all bands off) settings.
    pub fn new(sample_rate: f32) -> Self {
        let sr = sanitize_rate(sample_rate);
        let mut eq = Self {
            sample_rate: sr,
            settings: EqSettings::default(),
            log_freq: [Smoothed::new(0.0, SMOOTH_MS, sr); BANDS],
            gain_db: [Smoothed::new(0.0, SMOOTH_MS, sr); BANDS],
            log_q: [Smoothed::new(0.0, SMOOTH_MS, sr); BANDS],
            on: [Smoothed::new(0.0, FADE_MS, sr); BANDS],
            coefs: [BiquadCoefs::IDENTITY; SECTIONS],
            state: [[[0.0; 2]; SECTIONS]; 2],
            countdown: 0,
            moving: false,
        };
        eq.set_settings(EqSettings::default());
        eq.reset();
        eq
    }

    /// The current (clamped) settings.
    pub fn settings(&self) -> EqSettings {
        self.settings
    }

    /// Sets the settings (clamped; non-finite values → defaults). Changes glide over 20 ms
    /// (band on/off: a 10 ms crossfade). Allocation-free; callable on the audio thread.
    pub fn set_settings(&mut self, settings: EqSettings) {
        self.settings = settings.clamped();
        let v = BandValues::of(&self.settings);
        for b in 0..BANDS {
            self.log_freq[b].set_target(v.freq[b].log2());
            self.gain_db[b].set_target(v.gain[b]);
            self.log_q[b].set_target(v.q[b].log2());
            self.on[b].set_target(if v.on[b] { 1.0 } else { 0.0 });
        }
        self.moving = true;
    }

    /// The analytic magnitude response of `settings` at `freq_hz`, in dB, for `sample_rate`
    /// Hz: the product of the sections' `|H(e^{jω})|` (bands that are off contribute 0 dB).
    /// This is what the filter converges to once its smoothing settles; for the editor's
    /// curve. Allocation-free.
    pub fn magnitude_db(settings: &EqSettings, freq_hz: f32, sample_rate: f32) -> f32 {
        let s = settings.clamped();
        let sr = sanitize_rate(sample_rate) as f64;
        let v = BandValues::of(&s);
        let coefs = design_all(&v, &s, sr);
        let mut power = 1.0f64;
        for (k, c) in coefs.iter().enumerate() {
            if v.on[SECTION_BAND[k]] {
                power *= c.power(freq_hz as f64, sr);
            }
        }
        (10.0 * power.max(1e-30).log10()) as f32
    }

    /// Re-derives the coefficients from the smoothers' current values.
    fn update_coefs(&mut self) {
        let mut v = BandValues::of(&self.settings);
        for b in 0..BANDS {
            v.freq[b] = self.log_freq[b].value.exp2();
            v.gain[b] = self.gain_db[b].value;
            v.q[b] = self.log_q[b].value.exp2();
        }
        self.coefs = design_all(&v, &self.settings, self.sample_rate as f64);
    }

    /// Advances every smoother by one sample; returns whether any still moves.
    fn step_smoothers(&mut self) -> bool {
        let mut moving = false;
        for s in self
            .log_freq
            .iter_mut()
            .chain(self.gain_db.iter_mut())
            .chain(self.log_q.iter_mut())
            .chain(self.on.iter_mut())
        {
            s.next();
            if (s.value - s.target).abs() < 1e-5 {
                s.settle();
            } else {
                moving = true;
            }
        }
        moving
    }
}

/// A usable sample rate (non-finite or tiny → 48 kHz; clamped to 8–768 kHz).
fn sanitize_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() && sample_rate > 0.0 {
        sample_rate.clamp(8_000.0, 768_000.0)
    } else {
        48_000.0
    }
}

impl Effect for Eq {
    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sanitize_rate(sample_rate);
        let sr = self.sample_rate;
        for s in self
            .log_freq
            .iter_mut()
            .chain(self.gain_db.iter_mut())
            .chain(self.log_q.iter_mut())
        {
            s.set_time(SMOOTH_MS, sr);
        }
        for s in &mut self.on {
            s.set_time(FADE_MS, sr);
        }
        self.reset();
    }

    fn reset(&mut self) {
        for s in self
            .log_freq
            .iter_mut()
            .chain(self.gain_db.iter_mut())
            .chain(self.log_q.iter_mut())
            .chain(self.on.iter_mut())
        {
            s.settle();
        }
        self.state = [[[0.0; 2]; SECTIONS]; 2];
        self.update_coefs();
        self.countdown = CONTROL_INTERVAL;
        self.moving = false;
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        debug_assert_eq!(left.len(), right.len());
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            if self.moving {
                self.moving = self.step_smoothers();
                self.countdown -= 1;
                if self.countdown == 0 || !self.moving {
                    self.countdown = CONTROL_INTERVAL;
                    self.update_coefs();
                }
            }
            let mut x = [*l as f64, *r as f64];
            for (band, on) in self.on.iter().enumerate() {
                let wet = on.value as f64;
                let first = match band {
                    0 => 0,
                    6 => CUT_SECTIONS + 5,
                    b => CUT_SECTIONS + b - 1,
                };
                let count = match band {
                    0 => self.settings.low_cut.slope.sections(),
                    6 => self.settings.high_cut.slope.sections(),
                    _ => 1,
                };
                if wet == 0.0 {
                    // Off: hold the band's state at rest, so switching it on starts clean.
                    for ch in &mut self.state {
                        ch[first..first + count].fill([0.0; 2]);
                    }
                    continue;
                }
                for (ch, xc) in x.iter_mut().enumerate() {
                    let dry = *xc;
                    let mut y = dry;
                    for k in first..first + count {
                        let c = &self.coefs[k];
                        let s = &mut self.state[ch][k];
                        let out = c.b[0] * y + s[0];
                        s[0] = c.b[1] * y - c.a[0] * out + s[1];
                        s[1] = c.b[2] * y - c.a[1] * out;
                        y = out;
                    }
                    *xc = dry + (y - dry) * wet;
                }
            }
            // NOTE: hostile input (±inf, NaN) must not poison the state forever.
            for (ch, xc) in x.iter().enumerate() {
                if !xc.is_finite() || xc.abs() > 1e6 {
                    self.state[ch] = [[0.0; 2]; SECTIONS];
                }
            }
            *l = sanitize(x[0]);
            *r = sanitize(x[1]);
        }
        // Denormal flush on the state, once per block (cheap, and block-size independent
        // because values this small do not change any output beyond 1e-20).
        for ch in &mut self.state {
            for s in ch.iter_mut() {
                for v in s.iter_mut() {
                    if v.abs() < 1e-30 {
                        *v = 0.0;
                    }
                }
            }
        }
    }
}

/// The output's safety clamp, in full-scale units (+30 dB): only a hostile stack of boosts
/// (several +24 dB bands on one frequency) reaches it.
pub const OUTPUT_LIMIT: f32 = 32.0;

/// A finite `f32` from an `f64` sample (non-finite → 0, clamped to ±[`OUTPUT_LIMIT`]).
#[inline]
fn sanitize(x: f64) -> f32 {
    let limit = OUTPUT_LIMIT as f64;
    if x.is_finite() {
        x.clamp(-limit, limit) as f32
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn butterworth_qs() {
        assert!((butterworth_q(0, 1) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
        // Fourth order: 0.5412 and 1.3066.
        assert!((butterworth_q(0, 2) - 1.306_563).abs() < 1e-5);
        assert!((butterworth_q(1, 2) - 0.541_196).abs() < 1e-5);
    }

    #[test]
    fn peak_reaches_its_gain_at_its_centre() {
        let c = BiquadCoefs::design(Shape::Peak, 1000.0, 9.0, 2.0, 48_000.0);
        let db = 10.0 * c.power(1000.0, 48_000.0).log10();
        assert!((db - 9.0).abs() < 1e-9, "{db}");
    }
}
