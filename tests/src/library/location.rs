//! Where the library database lives: `--db`, then `WAVECUBE_LIBRARY`, then the XDG data
//! directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::LibraryError;

/// Environment variable that names the database when `--db` is not given.
pub const LIBRARY_ENV: &str = "WAVECUBE_LIBRARY";

/// The database's file name inside `$XDG_DATA_HOME/wavecube/`.
pub const LIBRARY_FILE: &str = "library.sqlite";

/// The database path from these inputs, in order of precedence:
///
/// 1. `flag` (`--db PATH`);
/// 2. `env_library` (`WAVECUBE_LIBRARY`), when not empty;
/// 3. `$XDG_DATA_HOME/wavecube/library.sqlite`, when `xdg_data_home` is an absolute path
///    (the XDG Base Directory spec says to ignore a relative one);
/// 4. `$HOME/.local/share/wavecube/library.sqlite`, the XDG default.
///
/// The caller passes the environment in, so this is testable without touching the
/// process's own.
///
/// # Errors
/// [`LibraryError::NoLocation`] when none of them gives a path.
pub fn resolve_db_path(
    flag: Option<&Path>,
    env_library: Option<OsString>,
    xdg_data_home: Option<OsString>,
    home: Option<OsString>,
) -> Result<PathBuf, LibraryError> {
    if let Some(path) = flag {
        return Ok(path.to_owned());
    }
    let non_empty = |v: Option<OsString>| v.filter(|s| !s.is_empty()).map(PathBuf::from);
    if let Some(path) = non_empty(env_library) {
        return Ok(path);
    }
    let data_home = match non_empty(xdg_data_home).filter(|p| p.is_absolute()) {
        Some(dir) => dir,
        None => non_empty(home)
            .ok_or(LibraryError::NoLocation)?
            .join(".local")
            .join("share"),
    };
    Ok(data_home.join("wavecube").join(LIBRARY_FILE))
}

/// [`resolve_db_path`] with this process's environment.
///
/// # Errors
/// [`LibraryError::NoLocation`] when nothing gives a path.
pub fn db_path(flag: Option<&Path>) -> Result<PathBuf, LibraryError> {
    resolve_db_path(
        flag,
        std::env::var_os(LIBRARY_ENV),
        std::env::var_os("XDG_DATA_HOME"),
        std::env::var_os("HOME"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[test]
    fn the_flag_wins_then_the_variable_then_xdg_then_home() {
        let flag = Path::new("/flag.sqlite");
        let all = |flag| resolve_db_path(flag, os("/env.sqlite"), os("/xdg"), os("/home/u"));
        assert_eq!(all(Some(flag)).unwrap(), flag);
        assert_eq!(all(None).unwrap(), Path::new("/env.sqlite"));
        assert_eq!(
            resolve_db_path(None, None, os("/xdg"), os("/home/u")).unwrap(),
            Path::new("/xdg/wavecube/library.sqlite")
        );
        assert_eq!(
            resolve_db_path(None, None, None, os("/home/u")).unwrap(),
            Path::new("/home/u/.local/share/wavecube/library.sqlite")
        );
    }

    #[test]
    fn empty_and_relative_values_are_ignored() {
        assert_eq!(
            resolve_db_path(None, os(""), os("rel/dir"), os("/home/u")).unwrap(),
            Path::new("/home/u/.local/share/wavecube/library.sqlite")
        );
        assert!(matches!(
            resolve_db_path(None, None, os(""), None),
            Err(LibraryError::NoLocation)
        ));
    }
}
