//! [`Library`]: the open database and its operations, each change one transaction.
//!
//! Writers open the file in WAL mode with `synchronous = FULL`: a commit is on disk when
//! it returns, and a writer killed mid-transaction leaves only uncommitted WAL frames,
//! which the next open ignores. `tests/tests/library_cli.rs` kills one to prove it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use wavecube_dsp::bank::{inspect_wcube, read_wcube, NodeInfo, WcubeInfo};
use wavecube_dsp::cube::{Cube, Node};

use super::schema::{migrate, NODE_DTYPE};
use super::table::{Cell, Table};
use crate::error::{one_line, HarnessError, LibraryError};

/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How to open the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Read and write; create the file and its folders if missing.
    Create,
    /// Read and write an existing library ([`LibraryError::Missing`] if there is none).
    Existing,
    /// Read only, enforced by SQLite (`SQLITE_OPEN_READ_ONLY` and `PRAGMA query_only`):
    /// any write fails. The schema is neither checked nor migrated.
    ReadOnly,
}

/// An open library database.
#[derive(Debug)]
pub struct Library {
    /// The connection; read-write modes have foreign keys on and the schema current.
    conn: Connection,
    /// The database file, for messages.
    path: PathBuf,
}

/// One bank as `list` shows it (everything but the `.wcube` bytes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BankSummary {
    /// Library id, stable for the bank's lifetime and never reused.
    pub id: i64,
    /// Bank name, unique in the library (ASCII case ignored).
    pub name: String,
    /// Author from the bank's metadata.
    pub author: String,
    /// Description from the bank's metadata.
    pub description: String,
    /// Licence from the bank's metadata.
    pub licence: String,
    /// Tags from the bank's metadata.
    pub tags: Vec<String>,
    /// Cube sides `[w, h, d]`, nodes.
    pub dims: [i64; 3],
    /// Present nodes.
    pub nodes: i64,
    /// Nodes per codec name, e.g. `{"tqa6": 500, "f32": 12}`.
    pub codecs: serde_json::Value,
    /// Size of the `.wcube` file, bytes.
    pub file_bytes: i64,
    /// Size of the decoded cube as f32 samples, bytes.
    pub decoded_bytes: i64,
    /// `decoded_bytes / file_bytes`.
    pub ratio: f64,
    /// When the bank was added, UTC ISO-8601 (`2026-01-31T12:00:00Z`).
    pub created: String,
    /// The file it was added from (absolute when it could be resolved).
    pub source_path: String,
}

/// What `add` did with one file.
#[derive(Debug, Clone, PartialEq)]
pub struct AddedBank {
    /// The file, as given.
    pub file: PathBuf,
    /// The bank as stored.
    pub bank: BankSummary,
    /// True when it replaced a bank of the same name (keeping that bank's id).
    pub replaced: bool,
}

/// What a `sql` statement produced.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryOutcome {
    /// A statement with result columns (a `SELECT`, a `PRAGMA`, `… RETURNING`).
    Rows(Table),
    /// A statement without: this many rows inserted, updated or deleted.
    Changed(u64),
}

/// The columns of `banks` that [`BankSummary`] reads, in its field order.
const SUMMARY_COLUMNS: &str =
    "id, name, author, description, licence, tags, width, height, depth, \
     node_count, codecs, file_bytes, decoded_bytes, ratio, created, source_path";

impl Library {
    /// Opens the database at `path`.
    ///
    /// # Errors
    /// A [`HarnessError::Library`] naming `path`: the folder cannot be created, there is
    /// no library (`Existing`, `ReadOnly`), SQLite cannot open it, or it is not a
    /// library this build can use.
    pub fn open(path: &Path, mode: OpenMode) -> Result<Self, HarnessError> {
        let fail = |source| HarnessError::Library {
            path: path.to_owned(),
            source,
        };
        match mode {
            OpenMode::Create => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| fail(LibraryError::CreateDir(e)))?;
                }
            }
            OpenMode::Existing | OpenMode::ReadOnly => {
                if !path.is_file() {
                    return Err(fail(LibraryError::Missing));
                }
            }
        }
        // NOTE: no SQLITE_OPEN_URI: the path is a file name, even if it starts with "file:".
        let access = match mode {
            OpenMode::Create => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            OpenMode::Existing => OpenFlags::SQLITE_OPEN_READ_WRITE,
            OpenMode::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY,
        };
        let mut conn = Connection::open_with_flags(path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| fail(LibraryError::Open(e)))?;
        Self::configure(&mut conn, mode).map_err(fail)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// Sets the connection's pragmas and, for writers, migrates the schema.
    fn configure(conn: &mut Connection, mode: OpenMode) -> Result<(), LibraryError> {
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(LibraryError::Open)?;
        if mode == OpenMode::ReadOnly {
            conn.pragma_update(None, "query_only", true)
                .map_err(LibraryError::Open)?;
            return Ok(());
        }
        // NOTE: the first statement that reads the file is the one that finds out it is
        // not a database, so its error is an open error (bad input), not an internal one.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(LibraryError::Open)?;
        // NOTE: FULL syncs the WAL at every commit, so a commit survives power loss as
        // well as a killed process; adds are rare, the fsync is cheap beside them.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate(conn)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for reads the methods here do not cover.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// A [`HarnessError`] naming the database.
    fn fail(&self, source: LibraryError) -> HarnessError {
        HarnessError::Library {
            path: self.path.clone(),
            source,
        }
    }

    /// Adds the `.wcube` files in `files` as one transaction: all of them or, on any
    /// error, none. A bank takes its metadata name (or, if that is empty, the file stem);
    /// a name already in the library is an error unless `replace`, which overwrites that
    /// bank in place (same id; its nodes upserted and the ones it no longer has deleted).
    ///
    /// `on_node(conn, n)` runs after the `n`-th node row of this call is written, inside
    /// the open transaction (the CLI's crash-test hook uses it).
    ///
    /// # Allocation
    /// Each file is read and decoded whole, one at a time.
    ///
    /// # Errors
    /// A [`HarnessError::Library`] naming the bad file (unreadable, not a valid `.wcube`,
    /// name taken) or the database.
    pub fn add(
        &mut self,
        files: &[PathBuf],
        replace: bool,
        on_node: &mut dyn FnMut(&Connection, usize),
    ) -> Result<Vec<AddedBank>, HarnessError> {
        let db = self.path.clone();
        let db_fail = |source: rusqlite::Error| HarnessError::Library {
            path: db.clone(),
            source: LibraryError::Sql(source),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_fail)?;
        let mut written = 0;
        let mut added = Vec::with_capacity(files.len());
        for file in files {
            let file_fail = |source| HarnessError::Library {
                path: file.clone(),
                source,
            };
            let bytes = std::fs::read(file).map_err(|e| file_fail(LibraryError::ReadBank(e)))?;
            let info = inspect_wcube(&bytes).map_err(|e| file_fail(LibraryError::Bank(e)))?;
            let cube = read_wcube(&bytes).map_err(|e| file_fail(LibraryError::Bank(e)))?;
            let name = bank_name(&info, file);
            let existing: Option<i64> = tx
                .query_row("SELECT id FROM banks WHERE name = ?1", [&name], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(db_fail)?;
            if let (Some(id), false) = (existing, replace) {
                return Err(file_fail(LibraryError::NameTaken { name, id }));
            }
            let row = BankRow::new(&name, &info, file);
            let id = write_bank_row(&tx, existing, &row, &bytes).map_err(db_fail)?;
            write_nodes(&tx, id, &cube, &info, &row.source_path, &mut |conn| {
                written += 1;
                on_node(conn, written);
            })
            .map_err(db_fail)?;
            let bank = summary(&tx, id).map_err(db_fail)?;
            added.push(AddedBank {
                file: file.clone(),
                bank,
                replaced: existing.is_some(),
            });
        }
        tx.commit().map_err(db_fail)?;
        Ok(added)
    }

    /// The banks, oldest first, that carry every tag in `tags` (ASCII case ignored; an
    /// empty `tags` lists them all).
    ///
    /// # Errors
    /// The SQLite error, naming the database.
    pub fn list(&self, tags: &[String]) -> Result<Vec<BankSummary>, HarnessError> {
        let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM banks");
        for i in 1..=tags.len() {
            sql.push_str(if i == 1 { " WHERE " } else { " AND " });
            // NOTE: matching json_each's elements, not the JSON text, so "pad" does not
            // match the tag "pads" or a quote inside another tag.
            sql.push_str(&format!(
                "EXISTS (SELECT 1 FROM json_each(banks.tags) WHERE value = ?{i} COLLATE NOCASE)"
            ));
        }
        sql.push_str(" ORDER BY id");
        let run = || -> rusqlite::Result<Vec<BankSummary>> {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(tags), summary_from_row)?;
            rows.collect()
        };
        run().map_err(|e| self.fail(LibraryError::Sql(e)))
    }

    /// The id of the bank `key` names: an id if `key` is an integer and such a bank
    /// exists, otherwise a name (ASCII case ignored).
    ///
    /// # Errors
    /// [`LibraryError::NotFound`] naming `key`, or the SQLite error.
    pub fn find(&self, key: &str) -> Result<i64, HarnessError> {
        let lookup = || -> rusqlite::Result<Option<i64>> {
            if let Ok(id) = key.trim().parse::<i64>() {
                let by_id = self
                    .conn
                    .query_row("SELECT id FROM banks WHERE id = ?1", [id], |r| r.get(0))
                    .optional()?;
                if by_id.is_some() {
                    return Ok(by_id);
                }
            }
            self.conn
                .query_row("SELECT id FROM banks WHERE name = ?1", [key], |r| r.get(0))
                .optional()
        };
        lookup()
            .map_err(|e| self.fail(LibraryError::Sql(e)))?
            .ok_or_else(|| self.fail(LibraryError::NotFound(key.to_owned())))
    }

    /// The summary of bank `id`.
    ///
    /// # Errors
    /// The SQLite error (no such bank included), naming the database.
    pub fn summary(&self, id: i64) -> Result<BankSummary, HarnessError> {
        summary(&self.conn, id).map_err(|e| self.fail(LibraryError::Sql(e)))
    }

    /// The `.wcube` bytes stored for bank `id`, exactly as they were added, after
    /// checking they still read as a `.wcube` (headers and every CRC).
    ///
    /// # Errors
    /// [`LibraryError::StoredBank`] if they do not, or the SQLite error.
    pub fn wcube(&self, id: i64) -> Result<Vec<u8>, HarnessError> {
        let bytes: Vec<u8> = self
            .conn
            .query_row("SELECT wcube FROM banks WHERE id = ?1", [id], |r| r.get(0))
            .map_err(|e| self.fail(LibraryError::Sql(e)))?;
        inspect_wcube(&bytes)
            .map_err(|source| self.fail(LibraryError::StoredBank { id, source }))?;
        Ok(bytes)
    }

    /// Removes the bank `key` names (see [`Library::find`]) and its nodes, in one
    /// transaction; returns what was removed.
    ///
    /// # Errors
    /// [`LibraryError::NotFound`] naming `key`, or the SQLite error.
    pub fn remove(&mut self, key: &str) -> Result<BankSummary, HarnessError> {
        let id = self.find(key)?;
        let bank = self.summary(id)?;
        let run = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // NOTE: the foreign key cascades too; deleting the nodes first keeps this
            // right on a connection that has foreign keys off.
            tx.execute("DELETE FROM wavetable_nodes WHERE bank_id = ?1", [id])?;
            tx.execute("DELETE FROM banks WHERE id = ?1", [id])?;
            tx.commit()
        };
        run(&mut self.conn).map_err(|e| self.fail(LibraryError::Sql(e)))?;
        Ok(bank)
    }

    /// Runs one SQL statement. On a [`OpenMode::ReadOnly`] library, SQLite refuses any
    /// write.
    ///
    /// # Errors
    /// [`LibraryError::Query`] with SQLite's reason (plus a hint when the statement
    /// writes to a read-only library), naming the database.
    pub fn query(&self, sql: &str) -> Result<QueryOutcome, HarnessError> {
        let refuse = |reason: String| {
            self.fail(LibraryError::Query {
                query: sql.to_owned(),
                reason,
            })
        };
        if sql.trim().is_empty() {
            return Err(refuse("the query is empty".to_owned()));
        }
        self.run_query(sql).map_err(|e| refuse(query_reason(&e)))
    }

    /// [`Library::query`] without the error mapping.
    fn run_query(&self, sql: &str) -> rusqlite::Result<QueryOutcome> {
        let mut stmt = self.conn.prepare(sql)?;
        let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        if columns.is_empty() {
            let changed = stmt.execute([])?;
            return Ok(QueryOutcome::Changed(changed as u64));
        }
        let mut rows = stmt.query([])?;
        let mut table = Table {
            columns,
            rows: Vec::new(),
        };
        while let Some(row) = rows.next()? {
            let cells = (0..table.columns.len())
                .map(|i| row.get_ref(i).map(Cell::from_value))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            table.rows.push(cells);
        }
        Ok(QueryOutcome::Rows(table))
    }
}

/// SQLite's reason for refusing a user's statement, on one line, with a hint for a
/// write to a read-only library.
fn query_reason(err: &rusqlite::Error) -> String {
    match err {
        rusqlite::Error::MultipleStatement => "give one statement at a time".to_owned(),
        rusqlite::Error::SqlInputError { msg, offset, .. } => {
            format!("{} (at byte {offset})", one_line(msg))
        }
        e if e.sqlite_error_code() == Some(ErrorCode::ReadOnly) => format!(
            "{} (the library opens read-only; add --write to change it)",
            one_line(&e.to_string())
        ),
        e => one_line(&e.to_string()),
    }
}

/// A bank's name: its metadata name, or the file stem when that is empty.
fn bank_name(info: &WcubeInfo, file: &Path) -> String {
    let name = info.meta.name.trim();
    if name.is_empty() {
        file.file_stem().map_or_else(
            || "unnamed".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        )
    } else {
        name.to_owned()
    }
}

/// The `banks` columns of one file, computed before the transaction writes them.
struct BankRow<'a> {
    /// The bank's name (see [`bank_name`]).
    name: &'a str,
    /// What the file holds.
    info: &'a WcubeInfo,
    /// The tags as a JSON array.
    tags: String,
    /// The axis names as a JSON array.
    axis_names: String,
    /// Nodes per codec name as a JSON object.
    codecs: String,
    /// The file, made absolute when it resolves.
    source_path: String,
}

impl<'a> BankRow<'a> {
    fn new(name: &'a str, info: &'a WcubeInfo, file: &Path) -> Self {
        let mut codecs: BTreeMap<String, usize> = BTreeMap::new();
        for node in &info.nodes {
            *codecs.entry(node.codec.name()).or_default() += 1;
        }
        let source = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
        Self {
            name,
            info,
            tags: json(&info.meta.tags),
            axis_names: json(&info.axis_names),
            codecs: json(&codecs),
            source_path: source.to_string_lossy().into_owned(),
        }
    }
}

/// `value` as JSON text.
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    // NOTE: strings, string lists and string-to-count maps always serialise.
    serde_json::to_string(value).expect("plain data serialises")
}

/// Inserts the bank row, or overwrites row `existing`; returns the bank's id.
fn write_bank_row(
    conn: &Connection,
    existing: Option<i64>,
    row: &BankRow<'_>,
    bytes: &[u8],
) -> rusqlite::Result<i64> {
    let info = row.info;
    let ratio = info.decoded_bytes as f64 / info.file_bytes.max(1) as f64;
    let [w, h, d] = info.dims.map(|side| side as i64);
    let (nodes, file_bytes, decoded_bytes) = (
        info.nodes.len() as i64,
        info.file_bytes as i64,
        info.decoded_bytes as i64,
    );
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![
        &row.name,
        &info.meta.author,
        &info.meta.description,
        &info.meta.licence,
        &row.tags,
        &row.source_path,
        &w,
        &h,
        &d,
        &row.axis_names,
        &nodes,
        &row.codecs,
        &file_bytes,
        &decoded_bytes,
        &ratio,
        &bytes,
    ];
    const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
    match existing {
        None => {
            conn.execute(
                &format!(
                    "INSERT INTO banks (name, author, description, licence, tags, source_path,
                         width, height, depth, axis_names, node_count, codecs, file_bytes,
                         decoded_bytes, ratio, wcube, created)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                         ?16, {NOW})"
                ),
                values.as_slice(),
            )?;
            Ok(conn.last_insert_rowid())
        }
        Some(id) => {
            values.push(&id);
            conn.execute(
                &format!(
                    "UPDATE banks SET name = ?1, author = ?2, description = ?3, licence = ?4,
                         tags = ?5, source_path = ?6, width = ?7, height = ?8, depth = ?9,
                         axis_names = ?10, node_count = ?11, codecs = ?12, file_bytes = ?13,
                         decoded_bytes = ?14, ratio = ?15, wcube = ?16, created = {NOW}
                     WHERE id = ?17"
                ),
                values.as_slice(),
            )?;
            Ok(id)
        }
    }
}

/// Upserts every node of `cube` as a `wavetable_nodes` row of bank `id`, then deletes the
/// bank's rows at positions `cube` does not fill (left from a replaced bank).
fn write_nodes(
    conn: &Connection,
    id: i64,
    cube: &Cube,
    info: &WcubeInfo,
    source: &str,
    after_each: &mut dyn FnMut(&Connection),
) -> rusqlite::Result<()> {
    let by_pos: HashMap<[usize; 3], &NodeInfo> = info.nodes.iter().map(|n| (n.pos, n)).collect();
    let mut upsert = conn.prepare(
        "INSERT INTO wavetable_nodes (bank_id, x, y, z, wavetable, resolution_h, resolution_w,
             channels, dtype, metadata)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, ?9)
         ON CONFLICT (bank_id, x, y, z) DO UPDATE SET
             wavetable = excluded.wavetable,
             resolution_h = excluded.resolution_h,
             resolution_w = excluded.resolution_w,
             channels = excluded.channels,
             dtype = excluded.dtype,
             metadata = excluded.metadata",
    )?;
    for ([x, y, z], node) in cube.iter() {
        let meta = node_metadata(by_pos.get(&[x, y, z]).copied(), source);
        upsert.execute(params![
            id,
            x as i64,
            y as i64,
            z as i64,
            node_blob(node),
            node.len() as i64,
            node.channels() as i64,
            NODE_DTYPE,
            meta,
        ])?;
        after_each(conn);
    }
    let [w, h, d] = cube.dims();
    let mut stale = conn.prepare(
        "DELETE FROM wavetable_nodes WHERE bank_id = ?1 AND x = ?2 AND y = ?3 AND z = ?4",
    )?;
    for x in 0..w {
        for y in 0..h {
            for z in 0..d {
                if cube.get(x, y, z).is_none() {
                    stale.execute(params![id, x as i64, y as i64, z as i64])?;
                }
            }
        }
    }
    conn.execute(
        "DELETE FROM wavetable_nodes WHERE bank_id = ?1 AND (x >= ?2 OR y >= ?3 OR z >= ?4)",
        params![id, w as i64, h as i64, d as i64],
    )?;
    Ok(())
}

/// A node's samples as the `wavetable` BLOB: little-endian f32, frame-major with the
/// channels interleaved (`L0 R0 L1 R1 …`), i.e. a C-order `(1, len, channels)` array.
pub fn node_blob(node: &Node) -> Vec<u8> {
    let channels = node.channels();
    let mut blob = Vec::with_capacity(node.len() * channels * 4);
    for i in 0..node.len() {
        for c in 0..channels {
            blob.extend_from_slice(&node.channel(c)[i].to_le_bytes());
        }
    }
    blob
}

/// A node's `metadata` JSON: its codec, the writer's SNR, payload size and source file.
fn node_metadata(info: Option<&NodeInfo>, source: &str) -> String {
    #[derive(Serialize)]
    struct NodeMeta<'a> {
        /// Codec name (`f32`, `i16`, `tqa6`, `zstd`, `gauss`).
        codec: Option<String>,
        /// The writer's SNR against its source, dB; null when lossless or unknown.
        snr_db: Option<f64>,
        /// True when the codec is exact.
        lossless: bool,
        /// Coded payload size in the `.wcube` file, bytes.
        payload_bytes: Option<usize>,
        /// The `.wcube` file the bank was added from.
        source: &'a str,
    }
    let snr = info.and_then(|n| n.snr_db);
    json(&NodeMeta {
        codec: info.map(|n| n.codec.name()),
        snr_db: snr.filter(|s| s.is_finite()),
        lossless: snr == Some(f64::INFINITY),
        payload_bytes: info.map(|n| n.payload_bytes),
        source,
    })
}

/// Bank `id`'s summary.
fn summary(conn: &Connection, id: i64) -> rusqlite::Result<BankSummary> {
    conn.query_row(
        &format!("SELECT {SUMMARY_COLUMNS} FROM banks WHERE id = ?1"),
        [id],
        summary_from_row,
    )
}

/// A [`BankSummary`] from a row of [`SUMMARY_COLUMNS`]. JSON columns are read leniently
/// (a tag that is not a string is skipped), since `sql --write` can change them.
fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BankSummary> {
    let tags: String = r.get(5)?;
    let codecs: String = r.get(10)?;
    let tags = serde_json::from_str::<Vec<serde_json::Value>>(&tags)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    Ok(BankSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        author: r.get(2)?,
        description: r.get(3)?,
        licence: r.get(4)?,
        tags,
        dims: [r.get(6)?, r.get(7)?, r.get(8)?],
        nodes: r.get(9)?,
        codecs: serde_json::from_str(&codecs).unwrap_or(serde_json::Value::Null),
        file_bytes: r.get(11)?,
        decoded_bytes: r.get(12)?,
        ratio: r.get(13)?,
        created: r.get(14)?,
        source_path: r.get(15)?,
    })
}
