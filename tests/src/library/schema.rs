//! The library's migration on an open connection. The schema itself (tables, version,
//! application id, migrations, the header check) is
//! [`wavecube_dsp::bank::library`], which the editor's reader shares.

use rusqlite::{Connection, TransactionBehavior};

use wavecube_dsp::bank::library::{check_header, SchemaError};
pub use wavecube_dsp::bank::library::{
    Migration, APPLICATION_ID, MIGRATIONS, NODE_DTYPE, SCHEMA_VERSION,
};

use crate::error::LibraryError;

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

/// The file's schema version, after checking the file is a library this build can open
/// ([`check_header`]).
fn check_version(conn: &Connection) -> Result<i64, LibraryError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(LibraryError::Open)?;
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    check_header(app_id, version, tables).map_err(|err| match err {
        SchemaError::NotALibrary(why) => LibraryError::NotALibrary(why),
        SchemaError::Newer { found, supported } => LibraryError::NewerSchema { found, supported },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
