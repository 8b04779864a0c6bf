//! The library's tables, its version (`PRAGMA user_version`) and the migrations that bring
//! an older file up to date.
//!
//! `wavetable_nodes` keeps the Wavecube seed's columns (`x, y, z, wavetable, resolution_h,
//! resolution_w, channels, dtype, metadata`) so the seed's reader works on its rows, and
//! adds `bank_id` to the key. A node's `wavetable` is its samples as a C-order array of
//! shape `(resolution_h, resolution_w, channels)` = `(1, frame length, channels)` with
//! dtype `<f4` (little-endian f32): one row, stereo interleaved `L0 R0 L1 R1 …`, exactly
//! what the seed's `np.frombuffer(blob, dtype).reshape(h, w, c)` reads back.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::LibraryError;

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

/// Brings the open database to [`SCHEMA_VERSION`]: creates the tables in a new file, runs
/// the missing [`MIGRATIONS`] in an old one, all in one transaction.
///
/// # Errors
/// [`LibraryError::NewerSchema`] for a file from a newer build,
/// [`LibraryError::NotALibrary`] for another program's database, or the SQLite error.
pub fn migrate(conn: &mut Connection) -> Result<(), LibraryError> {
    if check_version(conn)? == SCHEMA_VERSION {
        return Ok(());
    }
    // NOTE: IMMEDIATE takes the write lock first, so two processes opening a new file
    // cannot both create the tables; the version is read again under the lock.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version = check_version(&tx)?;
    for step in MIGRATIONS.iter().filter(|m| m.to > version) {
        tx.execute_batch(step.sql)?;
        tx.pragma_update(None, "user_version", step.to)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}

/// The file's schema version, after checking the file is a library this build can open.
fn check_version(conn: &Connection) -> Result<i64, LibraryError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(LibraryError::Open)?;
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if version == 0 {
        let tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 {
            return Err(LibraryError::NotALibrary(format!(
                "it holds {tables} table(s) but no Wavecube schema version"
            )));
        }
    } else if app_id != APPLICATION_ID {
        return Err(LibraryError::NotALibrary(format!(
            "its application id is {app_id:#x}, not Wavecube's {APPLICATION_ID:#x}"
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(LibraryError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(version)
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
    fn a_new_database_migrates_once_and_keeps_its_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn foreign_and_newer_databases_are_refused() {
        let mut other = Connection::open_in_memory().unwrap();
        other.execute_batch("CREATE TABLE t (a)").unwrap();
        assert!(matches!(
            migrate(&mut other),
            Err(LibraryError::NotALibrary(_))
        ));
        let mut newer = Connection::open_in_memory().unwrap();
        migrate(&mut newer).unwrap();
        newer
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut newer),
            Err(LibraryError::NewerSchema { found, .. }) if found == SCHEMA_VERSION + 1
        ));
    }

    #[test]
    fn the_blob_size_check_refuses_a_wrong_length() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO banks (name, author, description, licence, tags, source_path, created,
                 width, height, depth, axis_names, node_count, codecs, file_bytes,
                 decoded_bytes, ratio, wcube)
             VALUES ('b', '', '', '', '[]', '', '', 1, 1, 1, '[]', 1, '{}', 0, 0, 1, x'');",
        )
        .unwrap();
        let insert = |bytes: i64| {
            conn.execute(
                "INSERT INTO wavetable_nodes VALUES (1, 0, 0, 0, zeroblob(?1), 1, 64, 2, '<f4', '{}')",
                [bytes],
            )
        };
        assert!(insert(64 * 2 * 4 - 1).is_err());
        assert!(insert(64 * 2 * 4).is_ok());
    }
}
