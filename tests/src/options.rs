//! Render options given as text (`--morph`, `--lfo`) or numbers (`--sr`, `--block`,
//! `--seconds`), checked and applied to the engine's parameters.

use std::str::FromStr;

use wavecube_dsp::modulation::{Destination, Slot, Source};
use wavecube_dsp::synth::{LfoParams, LfoShape, SynthParams, MAX_LFO_RATE_HZ};

use crate::error::OptionError;

/// Lowest accepted sample rate, Hz.
pub const MIN_SAMPLE_RATE_HZ: u32 = 8_000;
/// Highest accepted sample rate, Hz.
pub const MAX_SAMPLE_RATE_HZ: u32 = 384_000;
/// Largest accepted block, samples.
pub const MAX_BLOCK: usize = 65_536;
/// Longest accepted render, seconds (one hour).
pub const MAX_SECONDS: f64 = 3_600.0;

/// Checks a sample rate against 8000..=384000 Hz.
///
/// # Errors
/// [`OptionError::SampleRate`] outside that range.
pub fn check_sample_rate(sample_rate_hz: u32) -> Result<u32, OptionError> {
    if (MIN_SAMPLE_RATE_HZ..=MAX_SAMPLE_RATE_HZ).contains(&sample_rate_hz) {
        Ok(sample_rate_hz)
    } else {
        Err(OptionError::SampleRate(sample_rate_hz))
    }
}

/// Checks a block size against 1..=65536 samples.
///
/// # Errors
/// [`OptionError::Block`] outside that range.
pub fn check_block(block: usize) -> Result<usize, OptionError> {
    if (1..=MAX_BLOCK).contains(&block) {
        Ok(block)
    } else {
        Err(OptionError::Block(block))
    }
}

/// Checks a render length against (0, 3600] seconds.
///
/// # Errors
/// [`OptionError::Seconds`] outside that range or not finite.
pub fn check_seconds(seconds: f64) -> Result<f64, OptionError> {
    if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_SECONDS {
        Ok(seconds)
    } else {
        Err(OptionError::Seconds(seconds))
    }
}

/// A morph axis of the cube.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// The first (x) axis, index 0.
    X,
    /// The second (y) axis, index 1.
    Y,
    /// The third (z) axis, index 2.
    Z,
}

impl Axis {
    /// Index into `[x, y, z]` arrays such as [`SynthParams::morph`].
    pub fn index(self) -> usize {
        match self {
            Self::X => 0,
            Self::Y => 1,
            Self::Z => 2,
        }
    }
}

/// The base morph point, `X,Y,Z`, each 0..=1 across the cube.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Morph(pub [f32; 3]);

impl FromStr for Morph {
    type Err = OptionError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| OptionError::Morph {
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let parts: Vec<&str> = value.split(',').map(str::trim).collect();
        if parts.len() != 3 {
            return Err(err(&format!("{} values given", parts.len())));
        }
        let mut morph = [0.0_f32; 3];
        for (slot, text) in morph.iter_mut().zip(&parts) {
            let v: f32 = text
                .parse()
                .map_err(|_| err(&format!("'{text}' is not a number")))?;
            if !(0.0..=1.0).contains(&v) {
                return Err(err(&format!("{v} is outside 0 to 1")));
            }
            *slot = v;
        }
        Ok(Self(morph))
    }
}

/// One `--lfo AXIS:RATE_HZ:DEPTH[:SHAPE]`: an LFO on a morph axis. Axis x uses LFO 1,
/// y LFO 2 and z LFO 3.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LfoOption {
    /// The morph axis it modulates.
    pub axis: Axis,
    /// Its settings: rate 0..=1000 Hz, shape (default sine).
    pub params: LfoParams,
    /// Its depth on the axis, morph units (−1..=1).
    pub depth: f32,
}

impl FromStr for LfoOption {
    type Err = OptionError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| OptionError::Lfo {
            value: value.to_owned(),
            reason,
        };
        let parts: Vec<&str> = value.split(':').map(str::trim).collect();
        if !(3..=4).contains(&parts.len()) {
            return Err(err(format!("{} fields given", parts.len())));
        }
        let axis = match parts[0].to_ascii_lowercase().as_str() {
            "x" => Axis::X,
            "y" => Axis::Y,
            "z" => Axis::Z,
            other => return Err(err(format!("axis '{other}' is not x, y or z"))),
        };
        let rate_hz: f32 = parts[1]
            .parse()
            .ok()
            .filter(|r: &f32| (0.0..=MAX_LFO_RATE_HZ).contains(r))
            .ok_or_else(|| {
                err(format!(
                    "rate '{}' is not 0 to {MAX_LFO_RATE_HZ} Hz",
                    parts[1]
                ))
            })?;
        let depth: f32 = parts[2]
            .parse()
            .ok()
            .filter(|d: &f32| (-1.0..=1.0).contains(d))
            .ok_or_else(|| err(format!("depth '{}' is not -1 to 1", parts[2])))?;
        let shape = match parts.get(3) {
            Some(name) => LfoShape::from_str(name).map_err(|e| err(e.to_string()))?,
            None => LfoShape::Sine,
        };
        Ok(Self {
            axis,
            params: LfoParams::new(shape, rate_hz),
            depth,
        })
    }
}

/// Sound settings the CLI can change, applied on top of the engine's defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SoundOptions {
    /// Base morph point, if given.
    pub morph: Option<Morph>,
    /// LFOs, at most one per axis.
    pub lfos: Vec<LfoOption>,
}

impl SoundOptions {
    /// Parses `--morph` and the `--lfo` list.
    ///
    /// # Errors
    /// The first [`OptionError`] found, including an axis given two LFOs.
    pub fn parse(morph: Option<&str>, lfos: &[String]) -> Result<Self, OptionError> {
        let morph = morph.map(str::parse).transpose()?;
        let mut parsed: Vec<LfoOption> = Vec::with_capacity(lfos.len());
        for text in lfos {
            let lfo: LfoOption = text.parse()?;
            if parsed.iter().any(|p| p.axis == lfo.axis) {
                return Err(OptionError::Lfo {
                    value: text.clone(),
                    reason: "this axis already has an LFO".into(),
                });
            }
            parsed.push(lfo);
        }
        Ok(Self {
            morph,
            lfos: parsed,
        })
    }

    /// Writes the options into `params`: each `--lfo` replaces its LFO, and its slots in the
    /// matrix by one slot to its axis.
    pub fn apply(&self, params: &mut SynthParams) {
        if let Some(Morph(m)) = self.morph {
            params.morph = m;
        }
        for lfo in &self.lfos {
            let k = lfo.axis.index();
            params.lfo[k] = lfo.params;
            let source = Source::LFOS[k];
            for slot in &mut params.matrix.slots {
                if slot.source == source {
                    *slot = Slot::default();
                }
            }
            params
                .matrix
                .push(Slot::new(source, Destination::MORPH[k], lfo.depth));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_enforced() {
        assert_eq!(check_sample_rate(8_000), Ok(8_000));
        assert_eq!(check_sample_rate(384_000), Ok(384_000));
        assert_eq!(
            check_sample_rate(7_999),
            Err(OptionError::SampleRate(7_999))
        );
        assert_eq!(
            check_sample_rate(384_001),
            Err(OptionError::SampleRate(384_001))
        );
        assert_eq!(check_block(1), Ok(1));
        assert_eq!(check_block(65_536), Ok(65_536));
        assert_eq!(check_block(0), Err(OptionError::Block(0)));
        assert_eq!(check_block(65_537), Err(OptionError::Block(65_537)));
        assert!(
            check_seconds(0.0).is_err()
                && check_seconds(f64::NAN).is_err()
                && check_seconds(3_601.0).is_err()
        );
        assert_eq!(check_seconds(2.5), Ok(2.5));
    }

    #[test]
    fn morph_parses_three_unit_values() {
        assert_eq!("0.3, 0.4,0.2".parse::<Morph>(), Ok(Morph([0.3, 0.4, 0.2])));
        for bad in [
            "0.3,0.4",
            "0.3,0.4,0.2,0.1",
            "a,0,0",
            "1.5,0,0",
            "-0.1,0,0",
            "",
        ] {
            let err = bad.parse::<Morph>().unwrap_err();
            assert!(err.to_string().contains(&format!("\"{bad}\"")), "{err}");
        }
    }

    #[test]
    fn lfo_parses_axis_rate_depth_and_shape() {
        let lfo: LfoOption = "y:0.07:0.3".parse().unwrap();
        assert_eq!(lfo.axis, Axis::Y);
        assert_eq!(
            (lfo.params, lfo.depth),
            (LfoParams::new(LfoShape::Sine, 0.07), 0.3)
        );
        let lfo: LfoOption = "Z:5:-0.5:square".parse().unwrap();
        assert_eq!(
            (lfo.axis, lfo.params.shape, lfo.depth),
            (Axis::Z, LfoShape::Square, -0.5)
        );
        for bad in [
            "w:1:0.5",
            "x:abc:0.2",
            "x:-1:0.2",
            "x:1:2",
            "x:1:0.2:wobble",
            "x:1",
            "x:1:0.2:sine:extra",
        ] {
            let err = bad.parse::<LfoOption>().unwrap_err();
            assert!(err.to_string().contains(&format!("\"{bad}\"")), "{err}");
        }
        let twice = SoundOptions::parse(None, &["x:1:0.1".into(), "x:2:0.1".into()]);
        assert!(matches!(twice, Err(OptionError::Lfo { .. })));
    }

    #[test]
    fn options_apply_to_params() {
        let opts =
            SoundOptions::parse(Some("0.1,0.2,0.3"), &["z:0.5:0.25:triangle".into()]).unwrap();
        let mut params = SynthParams::default();
        opts.apply(&mut params);
        assert_eq!(params.morph, [0.1, 0.2, 0.3]);
        assert_eq!(params.lfo[2], LfoParams::new(LfoShape::Triangle, 0.5));
        let lfo3: Vec<_> = params
            .matrix
            .slots
            .iter()
            .filter(|s| s.source == Source::Lfo3)
            .collect();
        assert_eq!(lfo3, [&Slot::new(Source::Lfo3, Destination::MorphZ, 0.25)]);
    }
}
