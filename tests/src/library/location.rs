//! Where the library database lives: `--db`, then the shared folder rule
//! ([`wavecube_dsp::folders::library_path`]: `WAVECUBE_LIBRARY`, then the platform's data
//! folder, on Linux the XDG one).

use std::path::{Path, PathBuf};

use crate::error::LibraryError;

pub use wavecube_dsp::folders::{LIBRARY_ENV, LIBRARY_FILE};

/// The database path, in order of precedence:
///
/// 1. `flag` (`--db PATH`);
/// 2. `shared`, the shared rule's answer: `$WAVECUBE_LIBRARY` when not empty, else
///    `library.sqlite` in the platform's data folder (`$XDG_DATA_HOME/wavecube/` when
///    `XDG_DATA_HOME` is absolute, else `$HOME/.local/share/wavecube/`).
///
/// # Errors
/// [`LibraryError::NoLocation`] when neither gives a path.
pub fn resolve_db_path(
    flag: Option<&Path>,
    shared: Option<PathBuf>,
) -> Result<PathBuf, LibraryError> {
    flag.map(Path::to_owned)
        .or(shared)
        .ok_or(LibraryError::NoLocation)
}

/// [`resolve_db_path`] with this process's environment.
///
/// # Errors
/// [`LibraryError::NoLocation`] when nothing gives a path.
pub fn db_path(flag: Option<&Path>) -> Result<PathBuf, LibraryError> {
    resolve_db_path(flag, wavecube_dsp::folders::library_path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_over_the_shared_rule() {
        let flag = Path::new("/flag.sqlite");
        let shared = || Some(PathBuf::from("/data/wavecube/library.sqlite"));
        assert_eq!(resolve_db_path(Some(flag), shared()).unwrap(), flag);
        assert_eq!(resolve_db_path(None, shared()).unwrap(), shared().unwrap());
        assert!(matches!(
            resolve_db_path(None, None),
            Err(LibraryError::NoLocation)
        ));
    }
}
