//! `wavecube library`: cube banks in an SQLite database, queryable with plain SQL.
//!
//! The library keeps each added `.wcube` file whole (so `get` restores it byte for byte)
//! and its decoded nodes as rows of `wavetable_nodes`, the Wavecube seed's table keyed by
//! bank. The layout is in `docs/library.md`.
//!
//! - [`args`]: the options as clap parses them (their docs are the `--help`);
//! - [`location`]: where the database lives (`--db`, `WAVECUBE_LIBRARY`, XDG);
//! - [`schema`]: the tables, `PRAGMA user_version` and the migrations;
//! - [`store`]: [`Library`], the connection and its operations, each one transaction;
//! - [`table`]: query results as an aligned text table or JSON;
//! - [`commands`]: what each command does and prints.

pub mod args;
pub mod commands;
pub mod location;
pub mod schema;
pub mod store;
pub mod table;

pub use args::LibraryArgs;
pub use commands::run_library;
pub use store::Library;
