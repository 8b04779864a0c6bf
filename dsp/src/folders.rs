//! Where Wavecube keeps the user's files: one rule for every folder, from the `directories`
//! crate (the platform's data folder), each with an environment override.
//!
//! The data folder is `<data>/wavecube`, where `<data>` is the platform's user data folder
//! as [`directories::BaseDirs::data_dir`] gives it: on Linux `$XDG_DATA_HOME` when it is an
//! absolute path, else `$HOME/.local/share` (a relative `XDG_DATA_HOME` is ignored, as the
//! XDG Base Directory spec says; with `HOME` unset or empty the home folder comes from the
//! user's password entry); on macOS `~/Library/Application Support`; on Windows
//! `%APPDATA%` (`{FOLDERID_RoamingAppData}`).
//!
//! | folder | function | override |
//! | --- | --- | --- |
//! | `<data>/wavecube` | [`data_dir`] | — |
//! | `<data>/wavecube/presets` | [`presets_dir`] | [`PRESET_DIR_ENV`] |
//! | `<presets>/.trash` | [`preset_trash_dir`] | follows the preset folder |
//! | `<data>/wavecube/banks` | [`banks_dir`] | — |
//! | `<data>/wavecube/captures` | [`captures_dir`] | [`CAPTURE_DIR_ENV`] |
//! | `<data>/wavecube/library.sqlite` | [`library_path`] | [`LIBRARY_ENV`] |
//!
//! An override that is set to an empty value counts as unset. Nothing here creates a folder:
//! the writers create what they write into.

use std::ffi::OsString;
use std::path::PathBuf;

/// The folder name under the platform's data folder.
pub const APP_DIR: &str = "wavecube";
/// Environment variable naming the user preset folder (tests point it at a scratch folder
/// so they never touch `$HOME`).
pub const PRESET_DIR_ENV: &str = "WAVECUBE_PRESET_DIR";
/// Environment variable naming the folder the plugin saves captures into.
pub const CAPTURE_DIR_ENV: &str = "WAVECUBE_CAPTURE_DIR";
/// Environment variable naming the bank library database file.
pub const LIBRARY_ENV: &str = "WAVECUBE_LIBRARY";
/// The library database's file name in [`data_dir`].
pub const LIBRARY_FILE: &str = "library.sqlite";
/// The trash folder's name inside the preset folder (a dot folder, so listings skip it).
pub const TRASH_DIR_NAME: &str = ".trash";

/// `<data>/wavecube`, the platform's user data folder for Wavecube; `None` when the
/// platform gives no home folder.
pub fn data_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.data_dir().join(APP_DIR))
}

/// The user preset folder: `$WAVECUBE_PRESET_DIR`, else `<data>/wavecube/presets`.
pub fn presets_dir() -> Option<PathBuf> {
    with_override(
        std::env::var_os(PRESET_DIR_ENV),
        data_dir().map(|d| d.join("presets")),
    )
}

/// Where deleted presets go until they are restored or the trash is emptied:
/// `<presets>/.trash`, so it follows [`PRESET_DIR_ENV`].
pub fn preset_trash_dir() -> Option<PathBuf> {
    presets_dir().map(|d| d.join(TRASH_DIR_NAME))
}

/// Where banks that arrive as bytes (library, imports) are written so a file bank can name a
/// file: `<data>/wavecube/banks`.
pub fn banks_dir() -> Option<PathBuf> {
    data_dir().map(|d| d.join("banks"))
}

/// Where the plugin saves captures: `$WAVECUBE_CAPTURE_DIR`, else `<data>/wavecube/captures`.
pub fn captures_dir() -> Option<PathBuf> {
    with_override(
        std::env::var_os(CAPTURE_DIR_ENV),
        data_dir().map(|d| d.join("captures")),
    )
}

/// The bank library database: `$WAVECUBE_LIBRARY`, else `<data>/wavecube/library.sqlite`.
pub fn library_path() -> Option<PathBuf> {
    with_override(
        std::env::var_os(LIBRARY_ENV),
        data_dir().map(|d| d.join(LIBRARY_FILE)),
    )
}

/// `env` when it is set and not empty, else `fallback`: the override rule every folder
/// here follows, testable without touching the process's environment.
pub fn with_override(env: Option<OsString>, fallback: Option<PathBuf>) -> Option<PathBuf> {
    env.filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_override_wins_and_an_empty_one_is_unset() {
        let fallback = Some(PathBuf::from("/data/wavecube/presets"));
        assert_eq!(
            with_override(Some("/mine".into()), fallback.clone()),
            Some(PathBuf::from("/mine"))
        );
        assert_eq!(with_override(Some("".into()), fallback.clone()), fallback);
        assert_eq!(with_override(None, fallback.clone()), fallback);
        assert_eq!(with_override(None, None), None);
    }

    #[test]
    fn every_folder_is_under_the_data_folder() {
        // Only checks the layout relative to whatever data folder this machine has.
        let Some(data) = data_dir() else { return };
        assert!(data.ends_with(APP_DIR));
        assert_eq!(banks_dir().unwrap(), data.join("banks"));
        if std::env::var_os(PRESET_DIR_ENV).is_none() {
            assert_eq!(presets_dir().unwrap(), data.join("presets"));
            assert_eq!(preset_trash_dir().unwrap(), data.join("presets/.trash"));
        }
    }
}
