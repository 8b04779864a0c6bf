//! The bank library's schema, shared by its one writer (the harness's `wavecube library`)
//! and its readers (the editor's browser): the tables, the version (`PRAGMA user_version`),
//! the application id, the migrations that bring an older file up to date, and the check of
//! a file's header. Plain data and SQL text: the SQLite connection (rusqlite) stays with the
//! crates that open one. The layout is in `docs/library.md`.
//!
//! `wavetable_nodes` keeps the Wavecube seed's columns (`x, y, z, wavetable, resolution_h,
//! resolution_w, channels, dtype, metadata`) so the seed's reader works on its rows, and
//! adds `bank_id` to the key. A node's `wavetable` is its samples as a C-order array of
//! shape `(resolution_h, resolution_w, channels)` = `(1, frame length, channels)` with
//! dtype `<f4` (little-endian f32): one row, stereo interleaved `L0 R0 L1 R1 …`, exactly
//! what the seed's `np.frombuffer(blob, dtype).reshape(h, w, c)` reads back.

/// The schema version this build writes and reads, stored as `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 1;

/// `PRAGMA application_id` of a Wavecube library: "WCLB" in ASCII.
pub const APPLICATION_ID: i64 = 0x5743_4c42;

/// The numpy dtype string of a node's samples: little-endian 32-bit float.
pub const NODE_DTYPE: &str = "<f4";

/// One step of the schema: the SQL that takes a file from version `to - 1` to `to`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The version after this step.
    pub to: i64,
    /// Statements to run, inside the migration's transaction.
    pub sql: &'static str,
}

/// Every step, oldest first; the last one's `to` is [`SCHEMA_VERSION`]. A new schema adds
/// a step here (e.g. `ALTER TABLE … ADD COLUMN`), never edits an old one.
pub const MIGRATIONS: &[Migration] = &[Migration {
    to: 1,
    sql: SCHEMA_V1,
}];

/// Version 1: banks with their `.wcube` bytes, and their decoded nodes.
const SCHEMA_V1: &str = r#"
CREATE TABLE banks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    author        TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    licence       TEXT    NOT NULL,
    tags          TEXT    NOT NULL CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    source_path   TEXT    NOT NULL,
    created       TEXT    NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    depth         INTEGER NOT NULL,
    axis_names    TEXT    NOT NULL CHECK (json_valid(axis_names)),
    node_count    INTEGER NOT NULL,
    codecs        TEXT    NOT NULL CHECK (json_valid(codecs)),
    file_bytes    INTEGER NOT NULL,
    decoded_bytes INTEGER NOT NULL,
    ratio         REAL    NOT NULL,
    wcube         BLOB    NOT NULL
);
CREATE TABLE wavetable_nodes (
    bank_id      INTEGER NOT NULL REFERENCES banks(id) ON DELETE CASCADE,
    x            INTEGER NOT NULL,
    y            INTEGER NOT NULL,
    z            INTEGER NOT NULL,
    wavetable    BLOB    NOT NULL,
    resolution_h INTEGER NOT NULL,
    resolution_w INTEGER NOT NULL,
    channels     INTEGER NOT NULL,
    dtype        TEXT    NOT NULL,
    metadata     TEXT    NOT NULL CHECK (json_valid(metadata)),
    PRIMARY KEY (bank_id, x, y, z),
    CHECK (dtype <> '<f4' OR length(wavetable) = resolution_h * resolution_w * channels * 4)
);
"#;

/// Why a database's header does not make it a library this build can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// Another program's database (tables but no version, or another application id).
    #[error("{0}")]
    NotALibrary(String),
    /// A library written by a newer Wavecube.
    #[error("the library has schema version {found}; this build reads versions up to {supported}")]
    Newer {
        /// `PRAGMA user_version` of the file.
        found: i64,
        /// [`SCHEMA_VERSION`].
        supported: i64,
    },
}

/// The schema version of a database whose `PRAGMA application_id` is `application_id`,
/// whose `PRAGMA user_version` is `user_version` and which holds `tables` tables: 0 for an
/// empty new file (a writer migrates it; a reader has nothing to read), else the version.
///
/// # Errors
/// [`SchemaError::NotALibrary`] for tables without a version or a version with another
/// application id; [`SchemaError::Newer`] above [`SCHEMA_VERSION`].
pub fn check_header(
    application_id: i64,
    user_version: i64,
    tables: i64,
) -> Result<i64, SchemaError> {
    if user_version == 0 {
        if tables > 0 {
            return Err(SchemaError::NotALibrary(format!(
                "it holds {tables} table(s) but no Wavecube schema version"
            )));
        }
    } else if application_id != APPLICATION_ID {
        return Err(SchemaError::NotALibrary(format!(
            "its application id is {application_id:#x}, not Wavecube's {APPLICATION_ID:#x}"
        )));
    }
    if user_version > SCHEMA_VERSION {
        return Err(SchemaError::Newer {
            found: user_version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(user_version.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_migration_reaches_the_schema_version() {
        assert_eq!(MIGRATIONS.last().map(|m| m.to), Some(SCHEMA_VERSION));
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.to, i as i64 + 1, "migrations are numbered 1, 2, …");
        }
    }

    #[test]
    fn headers_are_classified() {
        assert_eq!(check_header(0, 0, 0), Ok(0), "a new empty file");
        assert_eq!(check_header(APPLICATION_ID, 1, 2), Ok(1));
        assert!(matches!(
            check_header(0, 0, 1),
            Err(SchemaError::NotALibrary(_))
        ));
        assert!(matches!(
            check_header(7, 1, 2),
            Err(SchemaError::NotALibrary(_))
        ));
        assert_eq!(
            check_header(APPLICATION_ID, SCHEMA_VERSION + 1, 2),
            Err(SchemaError::Newer {
                found: SCHEMA_VERSION + 1,
                supported: SCHEMA_VERSION
            })
        );
    }
}
