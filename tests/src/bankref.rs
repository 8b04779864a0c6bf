//! The bank `wavecube render` plays: `--bank`, else the patch's `meta.bank`, else the
//! built-in cube.
//!
//! A bank reference is `factory` (the built-in cube, the bank of the shipped patches), a
//! factory bank by file stem or display name (`fm-cube`, `"FM Cube"`), or a path: a `.wcube`
//! file or anything `bank import` reads, imported on the fly. A patch's relative path is
//! resolved against the patch file's folder; `--bank`'s against the current directory.

use std::path::{Path, PathBuf};

use wavecube_dsp::bank::factory::{factory_bank, FACTORY_BANKS};
use wavecube_dsp::cube::{factory_cube, Cube};

use crate::bank::commands::open_bank;
use crate::error::HarnessError;
use crate::presets::FACTORY_BANK;

/// A bank reference that names no factory bank and no existing file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "bank \"{reference}\"{}: no factory bank of that name and no file {} (factory banks: {})",
    patch.as_ref().map_or_else(String::new, |p| format!(" (named by patch {})", p.display())),
    tried.display(),
    factory_names().join(", ")
)]
pub struct BankRefError {
    /// The reference as written.
    pub reference: String,
    /// The patch file that named it, if it came from a patch.
    pub patch: Option<PathBuf>,
    /// The path looked for.
    pub tried: PathBuf,
}

/// `factory` and the factory banks' file stems, in menu order.
pub fn factory_names() -> Vec<String> {
    std::iter::once(FACTORY_BANK)
        .chain(FACTORY_BANKS.iter().map(|b| b.0))
        .map(str::to_owned)
        .collect()
}

/// A bank ready to play.
#[derive(Debug, Clone)]
pub struct PlayBank {
    /// The cube.
    pub cube: Cube,
    /// What it is, for the report: the factory name or the file.
    pub label: String,
    /// The import's notes when the file was imported on the fly (empty otherwise).
    pub notes: Vec<String>,
}

/// The built-in cube (what `render` plays when nothing names a bank).
pub fn default_bank() -> PlayBank {
    PlayBank {
        cube: factory_cube(),
        label: "factory (the built-in cube)".into(),
        notes: Vec::new(),
    }
}

/// The factory bank `reference` names, if it names one (case-insensitive stem or display
/// name; `factory` is the built-in cube).
fn factory_reference(reference: &str) -> Option<PlayBank> {
    let r = reference.trim();
    if r.eq_ignore_ascii_case(FACTORY_BANK) {
        return Some(default_bank());
    }
    let (stem, name) = FACTORY_BANKS
        .iter()
        .find(|(stem, name)| r.eq_ignore_ascii_case(stem) || r.eq_ignore_ascii_case(name))?;
    Some(PlayBank {
        cube: factory_bank(stem)?,
        label: format!("{name} (factory)"),
        notes: Vec::new(),
    })
}

/// Opens the bank `reference` names. `patch` is the patch file that named it (its folder
/// anchors a relative path), `None` for `--bank`.
///
/// A file that exists wins over a factory name, so a local `fm-cube` file can be played.
///
/// # Errors
/// [`HarnessError::BankRef`] when the reference names nothing; [`HarnessError::Bank`]
/// when the file cannot be read or imported.
pub fn open_reference(reference: &str, patch: Option<&Path>) -> Result<PlayBank, HarnessError> {
    let given = PathBuf::from(reference);
    let path = match patch.and_then(Path::parent) {
        Some(dir) if given.is_relative() => dir.join(&given),
        _ => given,
    };
    if path.exists() {
        let (cube, notes) = open_bank(&path)?;
        return Ok(PlayBank {
            cube,
            label: path.display().to_string(),
            notes,
        });
    }
    factory_reference(reference).ok_or_else(|| {
        HarnessError::BankRef(BankRefError {
            reference: reference.to_owned(),
            patch: patch.map(Path::to_path_buf),
            tried: path,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factory_names_resolve_and_unknown_names_say_where_they_looked() {
        let b = open_reference("FM Cube", None).unwrap();
        assert_eq!(b.label, "FM Cube (factory)");
        assert_eq!(b.cube.meta().name, "FM Cube");
        let b = open_reference("vowel-formants", None).unwrap();
        assert_eq!(b.cube.meta().name, "Vowel Formants");
        let b = open_reference("factory", None).unwrap();
        assert_eq!(b.cube, factory_cube());
        let err = open_reference("no-such-bank", Some(Path::new("/tmp/p/x.json")))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("bank \"no-such-bank\" (named by patch /tmp/p/x.json): no factory bank of that name and no file /tmp/p/no-such-bank (factory banks: factory, basic-shapes,"),
            "{err}"
        );
    }
}
