//! Validation: every value against its documented range, and the metadata's text.

use super::ranges::SETTINGS;
use super::{
    Patch, PatchError, TextProblem, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_TAGS, MAX_TAG_CHARS,
};

impl Patch {
    /// Checks every value against its documented range, and the metadata's text.
    ///
    /// # Errors
    /// The first problem, in file order: [`PatchError::NotFinite`],
    /// [`PatchError::OutOfRange`], [`PatchError::Text`] or [`PatchError::TooMany`].
    pub fn validate(&self) -> Result<(), PatchError> {
        self.validate_meta()?;
        for (setting, value) in SETTINGS.iter().zip(self.sound.to_values()) {
            num(setting.path, value, setting.min, setting.max, setting.unit)?;
        }
        self.sound.modulation.validate()?;
        super::fx::validate_fx(&self.sound.fx)
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
        for (i, name) in m.macro_names.iter().enumerate() {
            line(&format!("meta.macro_names[{i}]"), name, 1, MAX_NAME_CHARS)?;
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
