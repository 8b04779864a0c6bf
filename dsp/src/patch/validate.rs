//! Validation: every value against its documented range, and the metadata's text.

use super::{
    Patch, PatchError, TextProblem, MAX_DESCRIPTION_CHARS, MAX_GAIN_DB, MAX_NAME_CHARS, MAX_TAGS,
    MAX_TAG_CHARS, MIN_GAIN_DB,
};
use crate::synth::{MAX_LFO_RATE_HZ, MAX_UNISON, MAX_VOICES};

impl Patch {
    /// Checks every value against its documented range, and the metadata's text.
    ///
    /// # Errors
    /// The first problem, in file order: [`PatchError::NotFinite`],
    /// [`PatchError::OutOfRange`], [`PatchError::Text`] or [`PatchError::TooMany`].
    pub fn validate(&self) -> Result<(), PatchError> {
        self.validate_meta()?;
        let s = &self.sound;
        num("sound.gain_db", s.gain_db, MIN_GAIN_DB, MAX_GAIN_DB, "dB")?;
        num(
            "sound.velocity_sensitivity",
            s.velocity_sensitivity,
            0.0,
            1.0,
            "",
        )?;
        num(
            "sound.bend_range_semitones",
            s.bend_range_semitones,
            0.0,
            48.0,
            "semitones",
        )?;
        axes("sound.morph", &s.morph, 0.0, 1.0)?;

        let v = &s.voice;
        int("sound.voice.polyphony", v.polyphony, 1, MAX_VOICES as u32)?;
        num("sound.voice.glide_ms", v.glide_ms, 0.0, 10_000.0, "ms")?;
        int("sound.voice.unison", v.unison, 1, MAX_UNISON as u32)?;
        num(
            "sound.voice.detune_cents",
            v.detune_cents,
            0.0,
            100.0,
            "cents",
        )?;
        num("sound.voice.spread", v.spread, 0.0, 1.0, "")?;

        let a = &s.amp_env;
        envelope(
            "sound.amp_env",
            a.attack_ms,
            a.decay_ms,
            a.sustain,
            a.release_ms,
        )?;
        let m = &s.mod_env;
        envelope(
            "sound.mod_env",
            m.attack_ms,
            m.decay_ms,
            m.sustain,
            m.release_ms,
        )?;
        axes("sound.mod_env.morph_depth", &m.morph_depth, -1.0, 1.0)?;

        let f = &s.filter;
        num("sound.filter.cutoff_hz", f.cutoff_hz, 20.0, 20_000.0, "Hz")?;
        num("sound.filter.resonance", f.resonance, 0.0, 1.0, "")?;
        num(
            "sound.filter.env_octaves",
            f.env_octaves,
            -8.0,
            8.0,
            "octaves",
        )?;
        num("sound.filter.keytrack", f.keytrack, 0.0, 1.0, "")?;

        for (i, l) in s.lfos.iter().enumerate() {
            let path = |field: &str| format!("sound.lfos[{i}].{field}");
            num(&path("rate_hz"), l.rate_hz, 0.0, MAX_LFO_RATE_HZ, "Hz")?;
            axes(&path("morph_depth"), &l.morph_depth, -1.0, 1.0)?;
            num(
                &path("pitch_semitones"),
                l.pitch_semitones,
                -24.0,
                24.0,
                "semitones",
            )?;
            num(
                &path("cutoff_octaves"),
                l.cutoff_octaves,
                -8.0,
                8.0,
                "octaves",
            )?;
        }
        let t = &s.tension;
        axes("sound.tension.morph_depth", &t.morph_depth, -1.0, 1.0)?;
        num("sound.tension.alpha", t.alpha, 0.0, 1.0, "")?;
        num("sound.tension.beta", t.beta, 0.0, 1.0, "")?;
        num("sound.tension.gamma", t.gamma, 0.0, 1.0, "")?;
        Ok(())
    }

    fn validate_meta(&self) -> Result<(), PatchError> {
        let m = &self.meta;
        line("meta.name", &m.name, 1, MAX_NAME_CHARS)?;
        if let Some(bank) = &m.bank {
            line("meta.bank", bank, 1, MAX_NAME_CHARS)?;
        }
        line("meta.author", &m.author, 0, MAX_NAME_CHARS)?;
        line("meta.description", &m.description, 0, MAX_DESCRIPTION_CHARS)?;
        if m.tags.len() > MAX_TAGS {
            return Err(PatchError::TooMany {
                path: "meta.tags".into(),
                found: m.tags.len(),
                max: MAX_TAGS,
            });
        }
        for (i, tag) in m.tags.iter().enumerate() {
            line(&format!("meta.tags[{i}]"), tag, 1, MAX_TAG_CHARS)?;
        }
        Ok(())
    }
}

/// Checks that `value` is finite and within `min..=max` (`unit` for the message).
fn num(path: &str, value: f32, min: f32, max: f32, unit: &'static str) -> Result<(), PatchError> {
    if !value.is_finite() {
        return Err(PatchError::NotFinite { path: path.into() });
    }
    if value < min || value > max {
        return Err(PatchError::OutOfRange {
            path: path.into(),
            value,
            min,
            max,
            unit,
        });
    }
    Ok(())
}

/// [`num`] for a whole number.
fn int(path: &str, value: u32, min: u32, max: u32) -> Result<(), PatchError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(PatchError::OutOfRange {
            path: path.into(),
            value: value as f32,
            min: min as f32,
            max: max as f32,
            unit: "",
        })
    }
}

/// [`num`] for each of `[x, y, z]`, in morph units.
fn axes(path: &str, values: &[f32; 3], min: f32, max: f32) -> Result<(), PatchError> {
    for (i, &v) in values.iter().enumerate() {
        num(&format!("{path}[{i}]"), v, min, max, "")?;
    }
    Ok(())
}

/// An envelope's four fields.
fn envelope(
    path: &str,
    attack: f32,
    decay: f32,
    sustain: f32,
    release: f32,
) -> Result<(), PatchError> {
    num(&format!("{path}.attack_ms"), attack, 0.0, 30_000.0, "ms")?;
    num(&format!("{path}.decay_ms"), decay, 0.0, 30_000.0, "ms")?;
    num(&format!("{path}.sustain"), sustain, 0.0, 1.0, "")?;
    num(&format!("{path}.release_ms"), release, 0.0, 30_000.0, "ms")
}

/// Checks one line of text: `min..=max` characters, no control characters, and (when at
/// least one character is required) not only spaces.
fn line(path: &str, text: &str, min: usize, max: usize) -> Result<(), PatchError> {
    let problem = if text.chars().any(char::is_control) {
        Some(TextProblem::Control)
    } else if text.chars().count() > max {
        Some(TextProblem::TooLong { max })
    } else if min > 0 && text.trim().is_empty() {
        Some(TextProblem::Empty)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(PatchError::Text {
            path: path.into(),
            problem,
        }),
        None => Ok(()),
    }
}
