//! Factory impulse responses, generated in code from fixed seeds: small room, plate,
//! metallic body and reverse swell.

use std::fmt;
use std::str::FromStr;

use crate::codec::tqa::rotation::SplitMix64;

use super::ConvError;

/// A two-channel impulse response at a known sample rate.
///
/// Built off the audio thread (factory or file); handed to
/// [`StereoConvolver::new`](super::StereoConvolver::new) via [`channels`](Self::channels).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StereoIr {
    /// Left channel, one sample per frame.
    pub left: Vec<f32>,
    /// Right channel, as long as `left`.
    pub right: Vec<f32>,
    /// The rate the IR was generated or recorded at, in Hz.
    pub sample_rate_hz: f32,
}

impl StereoIr {
    /// Both channels, for [`StereoConvolver::new`](super::StereoConvolver::new).
    pub fn channels(&self) -> [&[f32]; 2] {
        [&self.left, &self.right]
    }

    /// Frames (samples per channel).
    pub fn len(&self) -> usize {
        self.left.len()
    }

    /// Whether the IR has no samples.
    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }

    /// Length in seconds.
    pub fn duration_s(&self) -> f64 {
        self.len() as f64 / f64::from(self.sample_rate_hz)
    }
}

/// The factory IRs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IrKind {
    /// A small room, 0.4 s: sparse early reflections, then a dense tail that darkens as
    /// it decays (RT60 0.35 s).
    SmallRoom,
    /// A plate, 1.8 s: dense from the first sample, bright, slowly darkening
    /// (RT60 1.8 s).
    Plate,
    /// A resonant metal body, 0.8 s: 48 inharmonic damped modes, higher ones dying
    /// faster; left and right hear the modes at different strengths.
    MetallicBody,
    /// A reverse swell, 1.5 s: noise rising towards the end (a reversed 1.2 s decay)
    /// and brightening, with a 15 ms fade-out.
    ReverseSwell,
}

impl IrKind {
    /// Every factory IR, in menu order.
    pub const ALL: [IrKind; 4] = [
        IrKind::SmallRoom,
        IrKind::Plate,
        IrKind::MetallicBody,
        IrKind::ReverseSwell,
    ];

    /// The stable id (CLI and presets): `small-room`, `plate`, `metallic-body`,
    /// `reverse-swell`.
    pub fn name(self) -> &'static str {
        match self {
            IrKind::SmallRoom => "small-room",
            IrKind::Plate => "plate",
            IrKind::MetallicBody => "metallic-body",
            IrKind::ReverseSwell => "reverse-swell",
        }
    }

    /// The display name: "Small room", "Plate", "Metallic body", "Reverse swell".
    pub fn label(self) -> &'static str {
        match self {
            IrKind::SmallRoom => "Small room",
            IrKind::Plate => "Plate",
            IrKind::MetallicBody => "Metallic body",
            IrKind::ReverseSwell => "Reverse swell",
        }
    }

    /// The IR's length in seconds.
    pub fn duration_s(self) -> f64 {
        match self {
            IrKind::SmallRoom => 0.4,
            IrKind::Plate => 1.8,
            IrKind::MetallicBody => 0.8,
            IrKind::ReverseSwell => 1.5,
        }
    }

    fn seed(self) -> u64 {
        match self {
            IrKind::SmallRoom => 0x5EED_0001,
            IrKind::Plate => 0x5EED_0002,
            IrKind::MetallicBody => 0x5EED_0003,
            IrKind::ReverseSwell => 0x5EED_0004,
        }
    }
}

impl fmt::Display for IrKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for IrKind {
    type Err = ConvError;

    fn from_str(s: &str) -> Result<Self, ConvError> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        IrKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| ConvError::UnknownName {
                what: "factory IR",
                given: s.clone(),
                expected: "small-room, plate, metallic-body, reverse-swell",
            })
    }
}

/// The ids of the factory IRs, in menu order.
pub fn factory_ir_names() -> [&'static str; 4] {
    IrKind::ALL.map(IrKind::name)
}

/// Uniform noise in (−1, 1).
fn noise(rng: &mut SplitMix64) -> f64 {
    2.0 * rng.next_open01() - 1.0
}

/// `exp(−ln(1000) · t / rt60)`: −60 dB after `rt60` seconds.
fn decay(t: f64, rt60: f64) -> f64 {
    (-6.907_755 * t / rt60).exp()
}

/// A one-pole low-pass coefficient for `cutoff_hz` at `rate_hz`.
fn one_pole(cutoff_hz: f64, rate_hz: f64) -> f64 {
    1.0 - (-std::f64::consts::TAU * cutoff_hz / rate_hz).exp()
}

/// Noise with a decay envelope, low-passed by a cutoff that moves from `bright_hz` to
/// `dark_hz` over the IR (log-linearly) and high-passed at 120 Hz, from `start_s` on.
fn shaped_noise(
    rng: &mut SplitMix64,
    len: usize,
    rate: f64,
    start_s: f64,
    envelope: impl Fn(f64) -> f64,
    cutoff: impl Fn(f64) -> f64,
) -> Vec<f64> {
    let hp = one_pole(120.0, rate);
    let (mut lp_state, mut hp_state) = (0.0, 0.0);
    (0..len)
        .map(|i| {
            let t = i as f64 / rate;
            let n = noise(rng);
            if t < start_s {
                return 0.0;
            }
            lp_state += one_pole(cutoff(t), rate) * (n - lp_state);
            hp_state += hp * (lp_state - hp_state);
            (lp_state - hp_state) * envelope(t - start_s)
        })
        .collect()
}

fn generate(kind: IrKind, rng: &mut SplitMix64, len: usize, rate: f64) -> Vec<f64> {
    let dur = kind.duration_s();
    // Cutoff moving log-linearly from a to b over the IR.
    let sweep = |a: f64, b: f64| move |t: f64| a * (b / a).powf((t / dur).min(1.0));
    // A 15 ms raised-cosine fade at the end, so the IR ends at zero.
    let fade_out = |t: f64| ((dur - t) / 0.015).clamp(0.0, 1.0);
    match kind {
        IrKind::SmallRoom => {
            let mut h = shaped_noise(
                rng,
                len,
                rate,
                0.004,
                |t| decay(t, 0.35) * (t / 0.01).min(1.0) * fade_out(t + 0.004),
                sweep(9000.0, 1800.0),
            );
            for _ in 0..14 {
                let t = 0.002 + 0.033 * rng.next_open01();
                let i = ((t * rate) as usize).min(len - 1);
                h[i] +=
                    1.5 * noise(rng).signum() * (0.4 + 0.6 * rng.next_open01()) * decay(t, 0.35);
            }
            h
        }
        IrKind::Plate => shaped_noise(
            rng,
            len,
            rate,
            0.0,
            |t| decay(t, 1.8) * (t / 0.001).min(1.0) * fade_out(t),
            sweep(16_000.0, 5000.0),
        ),
        IrKind::MetallicBody => {
            let mut h = vec![0.0; len];
            let nyquist = 0.45 * rate;
            for n in 1..=48 {
                let ratio = (n as f64 + 0.6).powf(1.7) * (1.0 + 0.03 * noise(rng));
                let f = 95.0 * ratio;
                let (amp, phase) = (
                    (0.3 + 0.7 * rng.next_open01()) / (n as f64).sqrt(),
                    std::f64::consts::TAU * rng.next_open01(),
                );
                if f >= nyquist {
                    continue;
                }
                // Higher modes ring shorter: RT60 0.8 s at the bottom, ~0.1 s at the top.
                let rt60 = 0.8 / (1.0 + n as f64 / 6.0);
                let w = std::f64::consts::TAU * f / rate;
                for (i, v) in h.iter_mut().enumerate() {
                    let t = i as f64 / rate;
                    *v += amp * decay(t, rt60) * (w * i as f64 + phase).sin();
                }
            }
            for (i, v) in h.iter_mut().enumerate() {
                *v *= fade_out(i as f64 / rate);
            }
            h
        }
        IrKind::ReverseSwell => shaped_noise(
            rng,
            len,
            rate,
            0.0,
            |t| decay(dur - t, 1.2) * fade_out(t),
            sweep(1500.0, 12_000.0),
        ),
    }
}

/// The factory IR `kind` at `sample_rate_hz` (clamped to 8 kHz..=384 kHz; a
/// non-finite rate gives 48 kHz), deterministic: the same kind and rate always give
/// the same samples.
///
/// **Loudness:** scaled to unit energy, `(Σ L² + Σ R²) / 2 = 1`, so broadband material
/// (noise, a full mix) comes out of a 100 %-wet convolution at about its input RMS, and
/// switching IRs does not jump in level. The reverbs hold no direct sound (they are
/// "wet only"; a dry/wet mix belongs to the caller).
///
/// # Allocation
/// Allocates both channels. Off the audio thread.
pub fn factory_ir(kind: IrKind, sample_rate_hz: f32) -> StereoIr {
    let rate = if sample_rate_hz.is_finite() {
        f64::from(sample_rate_hz).clamp(8000.0, 384_000.0)
    } else {
        48_000.0
    };
    let len = ((kind.duration_s() * rate).round() as usize).max(1);
    let mut rng_l = SplitMix64::new(kind.seed());
    let mut rng_r = SplitMix64::new(kind.seed() ^ 0xA5A5_A5A5_A5A5_A5A5);
    let left = generate(kind, &mut rng_l, len, rate);
    let right = generate(kind, &mut rng_r, len, rate);
    let energy = (left.iter().chain(&right).map(|v| v * v).sum::<f64>() / 2.0).max(1e-30);
    let gain = 1.0 / energy.sqrt();
    StereoIr {
        left: left.iter().map(|v| (v * gain) as f32).collect(),
        right: right.iter().map(|v| (v * gain) as f32).collect(),
        sample_rate_hz: rate as f32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn energy(x: &[f32]) -> f64 {
        x.iter().map(|&v| f64::from(v) * f64::from(v)).sum()
    }

    #[test]
    fn lengths_energy_and_determinism() {
        for kind in IrKind::ALL {
            let ir = factory_ir(kind, 48_000.0);
            assert_eq!(ir.len(), (kind.duration_s() * 48_000.0).round() as usize);
            assert_eq!(ir.right.len(), ir.len());
            let e = (energy(&ir.left) + energy(&ir.right)) / 2.0;
            assert!((e - 1.0).abs() < 1e-4, "{kind}: energy {e}");
            assert!(ir.left.iter().chain(&ir.right).all(|v| v.is_finite()));
            assert_eq!(
                ir,
                factory_ir(kind, 48_000.0),
                "{kind} is not deterministic"
            );
            assert_eq!(kind.name().parse::<IrKind>().unwrap(), kind);
        }
    }

    #[test]
    fn shapes_decay_or_rise() {
        for kind in IrKind::ALL {
            let ir = factory_ir(kind, 48_000.0);
            let third = ir.len() / 3;
            let first = energy(&ir.left[..third]);
            let last = energy(&ir.left[2 * third..]);
            let ratio_db = 10.0 * (last / first).log10();
            match kind {
                IrKind::ReverseSwell => assert!(ratio_db > 15.0, "{kind}: {ratio_db} dB"),
                _ => assert!(ratio_db < -15.0, "{kind}: {ratio_db} dB"),
            }
        }
    }

    #[test]
    fn channels_are_decorrelated() {
        for kind in IrKind::ALL {
            let ir = factory_ir(kind, 44_100.0);
            let cross: f64 = ir
                .left
                .iter()
                .zip(&ir.right)
                .map(|(&a, &b)| f64::from(a) * f64::from(b))
                .sum();
            let corr = cross / (energy(&ir.left) * energy(&ir.right)).sqrt();
            assert!(corr.abs() < 0.9, "{kind}: correlation {corr}");
        }
    }
}
