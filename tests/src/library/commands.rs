//! What `wavecube library ...` does: each command opens the library in the mode it needs,
//! does its work and prints a report to stdout.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use super::args::{AddArgs, GetArgs, LibraryArgs, LibraryCommand, ListArgs, RemoveArgs, SqlArgs};
use super::location::db_path;
use super::store::{BankSummary, Library, OpenMode, QueryOutcome};
use super::table::{Cell, Table};
use crate::error::{HarnessError, LibraryError};

/// Test-only: when set to N, `library add` stops for [`TEST_PAUSE`] after writing its
/// N-th node row, inside the open transaction, after flushing its dirty pages to the WAL
/// and printing [`TEST_PAUSE_MARKER`] to stderr. The crash test kills it there.
pub const TEST_PAUSE_ENV: &str = "WAVECUBE_LIBRARY_TEST_PAUSE_AFTER_NODES";

/// What a paused `library add` prints to stderr when it stops (then the row count).
pub const TEST_PAUSE_MARKER: &str = "wavecube: test pause: transaction open after node row";

/// How long the test pause lasts before the add goes on normally.
pub const TEST_PAUSE: Duration = Duration::from_secs(60);

/// Runs one `library` command and prints its report to stdout.
///
/// # Errors
/// The [`HarnessError`] of the command, naming the database, bank file or output file.
pub fn run_library(args: &LibraryArgs) -> Result<(), HarnessError> {
    let db = db_path(args.db.as_deref()).map_err(HarnessError::LibraryLocation)?;
    match &args.command {
        LibraryCommand::Add(a) => add(&db, a),
        LibraryCommand::List(a) => list(&db, a),
        LibraryCommand::Get(a) => get(&db, a),
        LibraryCommand::Remove(a) => remove(&db, a),
        LibraryCommand::Sql(a) => sql(&db, a),
    }
}

fn add(db: &Path, args: &AddArgs) -> Result<(), HarnessError> {
    let pause_after: Option<usize> = std::env::var(TEST_PAUSE_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok());
    let mut hook = |conn: &Connection, written: usize| {
        if pause_after == Some(written) {
            test_pause(conn, written);
        }
    };
    let mut library = Library::open(db, OpenMode::Create)?;
    let added = library.add(&args.banks, args.replace, &mut hook)?;
    for a in &added {
        let b = &a.bank;
        println!(
            "{} bank {} \"{}\": {}, {} node{} ({}), {} bytes, {:.2}x <- {}",
            if a.replaced { "replaced" } else { "added" },
            b.id,
            b.name,
            dims_text(b.dims),
            b.nodes,
            if b.nodes == 1 { "" } else { "s" },
            codecs_text(&b.codecs),
            b.file_bytes,
            b.ratio,
            a.file.display()
        );
    }
    println!("library: {}", db.display());
    Ok(())
}

/// The crash test's stop: make the uncommitted rows real WAL frames on disk, say so, wait.
fn test_pause(conn: &Connection, written: usize) {
    // NOTE: without the flush the rows could still sit in SQLite's page cache, and
    // killing the process would test nothing on disk.
    if let Err(e) = conn.cache_flush() {
        eprintln!("wavecube: test pause: cache flush failed: {e}");
    }
    eprintln!("{TEST_PAUSE_MARKER} {written}");
    std::thread::sleep(TEST_PAUSE);
}

fn list(db: &Path, args: &ListArgs) -> Result<(), HarnessError> {
    let banks = match Library::open(db, OpenMode::Existing) {
        Ok(library) => library.list(&args.tag)?,
        Err(HarnessError::Library {
            source: LibraryError::Missing,
            ..
        }) => Vec::new(),
        Err(e) => return Err(e),
    };
    if args.json {
        // NOTE: plain strings, integers and finite ratios: serialising cannot fail.
        println!(
            "{}",
            serde_json::to_string_pretty(&banks).expect("summaries serialise")
        );
    } else if banks.is_empty() {
        let filter = if args.tag.is_empty() {
            String::new()
        } else {
            format!(" tagged {}", args.tag.join(", "))
        };
        println!("no banks{filter} in {}", db.display());
    } else {
        print!("{}", list_table(&banks).to_text());
    }
    Ok(())
}

/// The `list` table.
fn list_table(banks: &[BankSummary]) -> Table {
    let columns = [
        "id", "name", "author", "tags", "dims", "nodes", "codecs", "bytes", "ratio", "added",
    ];
    Table {
        columns: columns.map(str::to_owned).to_vec(),
        rows: banks
            .iter()
            .map(|b| {
                vec![
                    Cell::Integer(b.id),
                    Cell::Text(b.name.clone()),
                    Cell::Text(b.author.clone()),
                    Cell::Text(b.tags.join(",")),
                    Cell::Text(dims_text(b.dims)),
                    Cell::Integer(b.nodes),
                    Cell::Text(codecs_text(&b.codecs)),
                    Cell::Integer(b.file_bytes),
                    Cell::Text(format!("{:.2}x", b.ratio)),
                    Cell::Text(b.created.clone()),
                ]
            })
            .collect(),
    }
}

/// `8x8x8`.
fn dims_text([w, h, d]: [i64; 3]) -> String {
    format!("{w}x{h}x{d}")
}

/// `tqa6:500 f32:12` from the codec summary `{"tqa6": 500, "f32": 12}`.
fn codecs_text(codecs: &serde_json::Value) -> String {
    codecs.as_object().map_or_else(String::new, |map| {
        map.iter()
            .map(|(codec, count)| format!("{codec}:{count}"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn get(db: &Path, args: &GetArgs) -> Result<(), HarnessError> {
    let library = Library::open(db, OpenMode::Existing)?;
    let id = library.find(&args.bank)?;
    let bank = library.summary(id)?;
    let bytes = library.wcube(id)?;
    std::fs::write(&args.out, &bytes).map_err(|e| HarnessError::Library {
        path: args.out.clone(),
        source: LibraryError::WriteOut(e),
    })?;
    println!(
        "bank {} \"{}\" -> {} ({} bytes)",
        bank.id,
        bank.name,
        args.out.display(),
        bytes.len()
    );
    Ok(())
}

fn remove(db: &Path, args: &RemoveArgs) -> Result<(), HarnessError> {
    let mut library = Library::open(db, OpenMode::Existing)?;
    let bank = library.remove(&args.bank)?;
    println!(
        "removed bank {} \"{}\" ({} node{})",
        bank.id,
        bank.name,
        bank.nodes,
        if bank.nodes == 1 { "" } else { "s" }
    );
    Ok(())
}

fn sql(db: &Path, args: &SqlArgs) -> Result<(), HarnessError> {
    let mode = if args.write {
        OpenMode::Existing
    } else {
        OpenMode::ReadOnly
    };
    let library = Library::open(db, mode)?;
    match library.query(&args.query)? {
        QueryOutcome::Rows(table) if args.json => println!("{}", table.to_json()),
        QueryOutcome::Rows(table) => {
            print!("{}", table.to_text());
            let n = table.rows.len();
            println!("({n} row{})", if n == 1 { "" } else { "s" });
        }
        QueryOutcome::Changed(n) if args.json => println!("{{\"changed\": {n}}}"),
        QueryOutcome::Changed(n) => println!("{n} row{} changed", if n == 1 { "" } else { "s" }),
    }
    Ok(())
}
