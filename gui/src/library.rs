//! A read-only reader of the bank library that `wavecube library` writes (schema in
//! `docs/library.md`): lists banks with a tag search and reads a bank's `.wcube` bytes.
//!
//! The schema and its header check are the harness's own ([`wavecube_dsp::bank::library`]);
//! the opening is read-only: `SQLITE_OPEN_READ_ONLY` plus `PRAGMA query_only`, so nothing
//! here can write.
//!
//! # Where the library is
//! [`wavecube_dsp::folders::library_path`], the rule the CLI uses too (without its `--db`):
//! `$WAVECUBE_LIBRARY`, else `library.sqlite` in the platform's data folder (on Linux
//! `$XDG_DATA_HOME/wavecube/` when `XDG_DATA_HOME` is absolute, else
//! `$HOME/.local/share/wavecube/`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use wavecube_dsp::bank::library::{check_header, SchemaError};
pub use wavecube_dsp::bank::library::{APPLICATION_ID, SCHEMA_VERSION};

pub use wavecube_dsp::folders::{library_path, LIBRARY_ENV, LIBRARY_FILE};
/// How long a read waits for a writer's lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// Why the library could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// Neither the variable nor the platform gives a location (no home folder).
    #[error("no library location: set {LIBRARY_ENV} (or XDG_DATA_HOME or HOME)")]
    NoLocation,
    /// There is no file at the location.
    #[error("{}: no library yet (add banks with `wavecube library add`)", .0.display())]
    Missing(PathBuf),
    /// SQLite could not open or read it.
    #[error("{}: {source}", path.display())]
    Sql {
        /// The database.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file is a database, but not a Wavecube library.
    #[error("{}: not a Wavecube library", .0.display())]
    NotALibrary(PathBuf),
    /// The library was written by a newer Wavecube.
    #[error("{}: library schema {version} is newer than this editor reads ({SCHEMA_VERSION})", path.display())]
    NewerSchema {
        /// The database.
        path: PathBuf,
        /// Its schema version.
        version: i64,
    },
    /// No bank has this id (removed since it was listed).
    #[error("{}: no bank with id {id}", path.display())]
    NoBank {
        /// The database.
        path: PathBuf,
        /// The id asked for.
        id: i64,
    },
}

/// One bank of the library, as the browser lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryBank {
    /// Library id.
    pub id: i64,
    /// Bank name.
    pub name: String,
    /// Author, from the bank's metadata.
    pub author: String,
    /// Tags, from the bank's metadata.
    pub tags: Vec<String>,
    /// Sides `[w, h, d]`, nodes.
    pub dims: [u32; 3],
    /// Present nodes.
    pub node_count: u32,
    /// Size of the `.wcube` file, bytes.
    pub file_bytes: u64,
}

/// A read-only connection to the library.
#[derive(Debug)]
pub struct LibraryReader {
    /// Opened read-only with `query_only`.
    conn: Connection,
    /// The database file.
    path: PathBuf,
}

/// The search terms of `query`: words split at spaces and commas, lower-cased.
pub fn search_terms(query: &str) -> Vec<String> {
    query
        .split([' ', ','])
        .filter(|t| !t.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

impl LibraryReader {
    /// Opens the library at `path` read-only and checks it is a Wavecube library this
    /// reader understands.
    ///
    /// # Errors
    /// [`LibraryError::Missing`] if there is no file; otherwise why it cannot be read.
    pub fn open(path: &Path) -> Result<Self, LibraryError> {
        if !path.is_file() {
            return Err(LibraryError::Missing(path.to_owned()));
        }
        let sql = |source| LibraryError::Sql {
            path: path.to_owned(),
            source,
        };
        // NOTE: no SQLITE_OPEN_URI: the path is a file name even if it starts with "file:".
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        conn.pragma_update(None, "query_only", true).map_err(sql)?;
        let app: i64 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(sql)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql)?;
        // NOTE: 0 tables: an empty file (version 0) is no library to read either.
        match check_header(app, version, 0) {
            Ok(0) | Err(SchemaError::NotALibrary(_)) => {
                return Err(LibraryError::NotALibrary(path.to_owned()))
            }
            Err(SchemaError::Newer { found, .. }) => {
                return Err(LibraryError::NewerSchema {
                    path: path.to_owned(),
                    version: found,
                })
            }
            Ok(_) => {}
        }
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The banks, oldest first, that match every term of `query` ([`search_terms`]): a term
    /// matches a bank with a tag that starts with it, ASCII case ignored ("pa" and "pad"
    /// find the tag "Pad"). An empty query lists every bank.
    ///
    /// # Errors
    /// [`LibraryError::Sql`] naming the database.
    pub fn list(&self, query: &str) -> Result<Vec<LibraryBank>, LibraryError> {
        let terms = search_terms(query);
        let mut sql = String::from(
            "SELECT id, name, author, tags, width, height, depth, node_count, file_bytes \
             FROM banks",
        );
        for i in 1..=terms.len() {
            sql.push_str(if i == 1 { " WHERE " } else { " AND " });
            // NOTE: json_each's elements, not the JSON text, so a quote or comma in another
            // tag never matches; `substr` instead of LIKE, so `%` and `_` are plain text.
            sql.push_str(&format!(
                "EXISTS (SELECT 1 FROM json_each(banks.tags) \
                 WHERE lower(substr(value, 1, length(?{i}))) = ?{i})"
            ));
        }
        sql.push_str(" ORDER BY id");
        let run = || -> rusqlite::Result<Vec<LibraryBank>> {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(&terms), |r| {
                let tags: String = r.get(3)?;
                Ok(LibraryBank {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    author: r.get(2)?,
                    tags: serde_json::from_str(&tags).unwrap_or_default(),
                    dims: [r.get(4)?, r.get(5)?, r.get(6)?],
                    node_count: r.get(7)?,
                    file_bytes: r.get::<_, i64>(8)?.max(0) as u64,
                })
            })?;
            rows.collect()
        };
        run().map_err(|source| LibraryError::Sql {
            path: self.path.clone(),
            source,
        })
    }

    /// The `.wcube` bytes stored for bank `id`, exactly as added.
    ///
    /// # Errors
    /// [`LibraryError::NoBank`] if there is no such bank, or the SQLite error.
    pub fn wcube(&self, id: i64) -> Result<Vec<u8>, LibraryError> {
        self.conn
            .query_row("SELECT wcube FROM banks WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|source| LibraryError::Sql {
                path: self.path.clone(),
                source,
            })?
            .ok_or(LibraryError::NoBank {
                path: self.path.clone(),
                id,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_split_at_spaces_and_commas() {
        assert_eq!(search_terms(" Pad, vocal  x"), ["pad", "vocal", "x"]);
        assert!(search_terms(" , ").is_empty());
    }
}
