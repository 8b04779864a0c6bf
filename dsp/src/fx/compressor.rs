//! A stereo-linked feed-forward compressor with a soft knee, peak or RMS detection and
//! optional look-ahead.
//!
//! The design follows Giannoulis, Massberg and Reiss, "Digital Dynamic Range Compressor
//! Design — A Tutorial and Analysis" (JAES 60(6), 2012): a level detector (the larger of the
//! two channels' `|x|`, or the RMS of both over [`RMS_WINDOW_MS`]), a static gain computer in
//! dB with a quadratic knee (their eq. 4), and the gain reduction smoothed in the dB domain by
//! a branching one-pole ("smooth branching", their eq. 17): attack while the reduction grows,
//! release while it shrinks. Because the smoothing acts on the gain in dB, a step in level
//! moves the gain (in dB) along `1 − e^{−t/τ}`: the attack and release times ARE the time
//! constants, the time to 63 % of the gain change (the tests hold them within 10 %).
//!
//! Look-ahead delays the audio (not the detector) by `lookahead_ms`; the delay is reported by
//! [`Effect::latency_samples`], which is constant for a given setting. The look-ahead is not
//! smoothed and not meant for automation: the plugin should treat it like a restart
//! parameter (CLAP reports latency only at activation: when it changes, request a restart
//! and report the new `latency_samples` on the next activation).
//!
//! Threshold, ratio, knee, makeup and mix are smoothed per sample (20 ms), so automating them
//! does not click. The mix blends the delayed dry signal with the compressed one (parallel
//! compression).

use super::{Effect, Smoothed};
use serde::{Deserialize, Serialize};

/// The RMS detector's averaging time constant, in ms (in RMS mode it adds to the attack and
/// release: a 1 kHz sine's level ripples by < 0.05 dB).
pub const RMS_WINDOW_MS: f32 = 10.0;
/// The longest look-ahead, in ms.
pub const MAX_LOOKAHEAD_MS: f32 = 10.0;
/// Parameter smoothing time, in ms.
const SMOOTH_MS: f32 = 20.0;
/// `20 / ln 10`: natural log to dB.
const DB_PER_NEPER: f32 = 8.685_89;

/// How the compressor measures the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Detection {
    /// The instantaneous peak `max(|left|, |right|)`: the gain follows transients.
    #[default]
    Peak,
    /// The RMS of both channels over [`RMS_WINDOW_MS`]: the gain follows loudness.
    Rms,
}

/// The compressor's settings, in user units. `Compressor::set_settings` clamps them
/// (non-finite → default).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompressorSettings {
    /// Threshold, in dBFS (−60–0; default −18).
    pub threshold_db: f32,
    /// Ratio (1–50; 1 = no compression, 50 ≈ a limiter; default 4).
    pub ratio: f32,
    /// Attack time constant, in ms (0.05–500; default 10).
    pub attack_ms: f32,
    /// Release time constant, in ms (1–5000; default 150).
    pub release_ms: f32,
    /// Knee width, in dB (0–24; 0 = hard knee; default 6).
    pub knee_db: f32,
    /// Makeup gain, in dB (−24–+24; default 0).
    pub makeup_db: f32,
    /// Level detection.
    pub detection: Detection,
    /// Look-ahead, in ms (0–10; default 0). Sets [`Effect::latency_samples`].
    pub lookahead_ms: f32,
    /// Dry/compressed mix (0–1; default 1 = fully compressed).
    /// In the rack the slot's mix takes its place (held at 1 here; not stored in a patch).
    #[serde(skip)]
    pub mix: f32,
}

impl Default for CompressorSettings {
    fn default() -> Self {
        Self {
            threshold_db: -18.0,
            ratio: 4.0,
            attack_ms: 10.0,
            release_ms: 150.0,
            knee_db: 6.0,
            makeup_db: 0.0,
            detection: Detection::Peak,
            lookahead_ms: 0.0,
            mix: 1.0,
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

impl CompressorSettings {
    /// These settings with every value inside its range (non-finite → the default's).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        Self {
            threshold_db: clamp_or(self.threshold_db, -60.0, 0.0, d.threshold_db),
            ratio: clamp_or(self.ratio, 1.0, 50.0, d.ratio),
            attack_ms: clamp_or(self.attack_ms, 0.05, 500.0, d.attack_ms),
            release_ms: clamp_or(self.release_ms, 1.0, 5000.0, d.release_ms),
            knee_db: clamp_or(self.knee_db, 0.0, 24.0, d.knee_db),
            makeup_db: clamp_or(self.makeup_db, -24.0, 24.0, d.makeup_db),
            detection: self.detection,
            lookahead_ms: clamp_or(self.lookahead_ms, 0.0, MAX_LOOKAHEAD_MS, d.lookahead_ms),
            mix: clamp_or(self.mix, 0.0, 1.0, d.mix),
        }
    }

    /// The static curve: the output level in dB for a steady input level `level_db` (the
    /// detector's level: the peak, or the RMS in RMS mode), before makeup. Giannoulis et al.
    /// eq. 4 with slope `1/ratio` above the knee.
    pub fn static_curve_db(&self, level_db: f32) -> f32 {
        let s = self.clamped();
        gain_computer(level_db, s.threshold_db, 1.0 - 1.0 / s.ratio, s.knee_db) + level_db
    }
}

/// The gain change (≤ 0 dB) the static curve asks for at `x_db`, with threshold `t_db`,
/// `slope = 1 − 1/ratio` and knee width `w_db`.
#[inline]
fn gain_computer(x_db: f32, t_db: f32, slope: f32, w_db: f32) -> f32 {
    let over = x_db - t_db;
    if 2.0 * over <= -w_db {
        0.0
    } else if 2.0 * over < w_db {
        let k = over + 0.5 * w_db;
        -slope * k * k / (2.0 * w_db)
    } else {
        -slope * over
    }
}

/// The per-sample smoothing coefficients derived from the time settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompressorCoefs {
    /// Attack one-pole coefficient `e^{−1/(τ_a f_s)}`.
    pub attack: f32,
    /// Release one-pole coefficient `e^{−1/(τ_r f_s)}`.
    pub release: f32,
    /// RMS detector one-pole coefficient.
    pub rms: f32,
    /// The look-ahead, in samples.
    pub lookahead: usize,
}

impl CompressorCoefs {
    fn of(s: &CompressorSettings, sample_rate: f32) -> Self {
        let pole = |ms: f32| (-1.0 / (ms * 1e-3 * sample_rate)).exp();
        Self {
            attack: pole(s.attack_ms),
            release: pole(s.release_ms),
            rms: pole(RMS_WINDOW_MS),
            lookahead: (s.lookahead_ms * 1e-3 * sample_rate).round() as usize,
        }
    }
}

/// The compressor (see the module docs).
#[derive(Debug, Clone)]
pub struct Compressor {
    sample_rate: f32,
    settings: CompressorSettings,
    coefs: CompressorCoefs,
    threshold_db: Smoothed,
    /// `1 − 1/ratio`, smoothed.
    slope: Smoothed,
    knee_db: Smoothed,
    makeup_db: Smoothed,
    mix: Smoothed,
    /// The mean square of the RMS detector.
    mean_square: f32,
    /// The smoothed gain change, in dB (≤ 0).
    gain_db: f32,
    /// Look-ahead delay lines (left, right), `len` = max look-ahead + 1.
    delay: [Vec<f32>; 2],
    write: usize,
    /// The latest gain change, in dB, for a meter (written on the audio thread).
    last_gain_db: f32,
}

/// A usable sample rate (non-finite or tiny → 48 kHz; clamped to 8–768 kHz).
fn sanitize_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() && sample_rate > 0.0 {
        sample_rate.clamp(8_000.0, 768_000.0)
    } else {
        48_000.0
    }
}

impl Compressor {
    /// A compressor at `sample_rate` Hz with default settings.
    ///
    /// # Allocation
    /// Allocates the look-ahead lines (10 ms at `sample_rate`).
    pub fn new(sample_rate: f32) -> Self {
        let sr = sanitize_rate(sample_rate);
        let d = CompressorSettings::default();
        let mut c = Self {
            sample_rate: sr,
            settings: d,
            coefs: CompressorCoefs::of(&d, sr),
            threshold_db: Smoothed::new(d.threshold_db, SMOOTH_MS, sr),
            slope: Smoothed::new(1.0 - 1.0 / d.ratio, SMOOTH_MS, sr),
            knee_db: Smoothed::new(d.knee_db, SMOOTH_MS, sr),
            makeup_db: Smoothed::new(d.makeup_db, SMOOTH_MS, sr),
            mix: Smoothed::new(d.mix, SMOOTH_MS, sr),
            mean_square: 0.0,
            gain_db: 0.0,
            delay: [Vec::new(), Vec::new()],
            write: 0,
            last_gain_db: 0.0,
        };
        c.set_sample_rate(sr);
        c
    }

    /// The current (clamped) settings.
    pub fn settings(&self) -> CompressorSettings {
        self.settings
    }

    /// The gain change applied to the last processed sample, in dB (≤ 0, before makeup):
    /// for a gain-reduction meter.
    pub fn gain_reduction_db(&self) -> f32 {
        self.last_gain_db
    }

    /// Sets the settings (clamped; non-finite → defaults). Threshold, ratio, knee, makeup and
    /// mix glide over 20 ms; attack, release, detection and look-ahead apply at once.
    /// Allocation-free.
    pub fn set_settings(&mut self, settings: CompressorSettings) {
        self.settings = settings.clamped();
        let s = self.settings;
        self.coefs = CompressorCoefs::of(&s, self.sample_rate);
        self.threshold_db.set_target(s.threshold_db);
        self.slope.set_target(1.0 - 1.0 / s.ratio);
        self.knee_db.set_target(s.knee_db);
        self.makeup_db.set_target(s.makeup_db);
        self.mix.set_target(s.mix);
    }
}

impl Effect for Compressor {
    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sanitize_rate(sample_rate);
        let sr = self.sample_rate;
        let len = (MAX_LOOKAHEAD_MS * 1e-3 * sr).ceil() as usize + 2;
        self.delay = [vec![0.0; len], vec![0.0; len]];
        for s in [
            &mut self.threshold_db,
            &mut self.slope,
            &mut self.knee_db,
            &mut self.makeup_db,
            &mut self.mix,
        ] {
            s.set_time(SMOOTH_MS, sr);
        }
        self.coefs = CompressorCoefs::of(&self.settings, sr);
        self.reset();
    }

    fn reset(&mut self) {
        for s in [
            &mut self.threshold_db,
            &mut self.slope,
            &mut self.knee_db,
            &mut self.makeup_db,
            &mut self.mix,
        ] {
            s.settle();
        }
        self.mean_square = 0.0;
        self.gain_db = 0.0;
        self.last_gain_db = 0.0;
        for d in &mut self.delay {
            d.fill(0.0);
        }
        self.write = 0;
    }

    fn latency_samples(&self) -> u32 {
        self.coefs.lookahead as u32
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        debug_assert_eq!(left.len(), right.len());
        let c = self.coefs;
        let len = self.delay[0].len();
        let rms = self.settings.detection == Detection::Rms;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            // Hostile input: non-finite samples are treated as silence, huge ones clamped.
            let xl = if l.is_finite() {
                l.clamp(-1e4, 1e4)
            } else {
                0.0
            };
            let xr = if r.is_finite() {
                r.clamp(-1e4, 1e4)
            } else {
                0.0
            };

            // Level detection (linked).
            let level = if rms {
                let p = 0.5 * (xl * xl + xr * xr);
                self.mean_square = p + c.rms * (self.mean_square - p);
                self.mean_square.sqrt()
            } else {
                xl.abs().max(xr.abs())
            };
            let x_db = DB_PER_NEPER * level.max(1e-9).ln();

            // Static curve, then branching smoothing of the gain in dB.
            let target = gain_computer(
                x_db,
                self.threshold_db.next(),
                self.slope.next(),
                self.knee_db.next(),
            );
            let pole = if target < self.gain_db {
                c.attack
            } else {
                c.release
            };
            self.gain_db = target + pole * (self.gain_db - target);
            if self.gain_db > -1e-6 {
                self.gain_db = 0.0; // no denormal tail once the reduction is gone
            }

            // The look-ahead line: write now, read `lookahead` samples ago.
            self.delay[0][self.write] = xl;
            self.delay[1][self.write] = xr;
            let read = (self.write + len - c.lookahead) % len;
            let (dl, dr) = (self.delay[0][read], self.delay[1][read]);
            self.write = (self.write + 1) % len;

            let gain = ((self.gain_db + self.makeup_db.next()) / DB_PER_NEPER).exp();
            let mix = self.mix.next();
            let g = 1.0 - mix + mix * gain;
            *l = dl * g;
            *r = dr * g;
        }
        self.last_gain_db = self.gain_db;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knee_is_continuous_and_meets_the_lines() {
        let (t, slope, w) = (-20.0, 0.75, 10.0);
        assert_eq!(gain_computer(-25.0, t, slope, w), 0.0);
        assert!((gain_computer(-15.0, t, slope, w) + 0.75 * 5.0).abs() < 1e-5);
        // At the threshold a quadratic knee is a quarter of the way: slope·w/8.
        assert!((gain_computer(-20.0, t, slope, w) + slope * w / 8.0).abs() < 1e-5);
    }
}
