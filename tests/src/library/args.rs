//! The options of `wavecube library ...`, as clap parses them; each doc comment is its
//! `--help`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `wavecube library`: the arguments after `library`.
#[derive(Debug, Args)]
pub struct LibraryArgs {
    /// The library database. Default: $WAVECUBE_LIBRARY, else
    /// $XDG_DATA_HOME/wavecube/library.sqlite, else
    /// ~/.local/share/wavecube/library.sqlite. Folders are created as needed.
    #[arg(long, value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,
    /// Which library command to run.
    #[command(subcommand)]
    pub command: LibraryCommand,
}

/// The `library` commands.
#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// Add .wcube banks to the library, all in one transaction (all or none).
    ///
    /// Each bank is stored whole (for `get`) and as one wavetable_nodes row per
    /// node. Its name is the one in its metadata, or the file name when that is
    /// empty; names are unique (ASCII case ignored).
    ///
    /// Example: wavecube library add presets/banks/*.wcube
    Add(AddArgs),
    /// List the banks: id, name, author, tags, size, nodes, codecs, ratio, added.
    ///
    /// Example: wavecube library list --tag vocal
    List(ListArgs),
    /// Write a bank's .wcube file, byte for byte as it was added.
    ///
    /// Example: wavecube library get "Vowel Formants" -o vowels.wcube
    Get(GetArgs),
    /// Remove a bank and its nodes.
    ///
    /// Example: wavecube library remove 3
    Remove(RemoveArgs),
    /// Run one SQL statement and print its rows as an aligned table or JSON.
    ///
    /// The library opens read-only (SQLite refuses any write) unless --write is
    /// given. BLOBs print as `<blob N bytes>`. Tables: banks and wavetable_nodes
    /// (see docs/library.md).
    ///
    /// Example: wavecube library sql "SELECT bank_id, count(*) FROM wavetable_nodes GROUP BY bank_id"
    Sql(SqlArgs),
}

/// `wavecube library add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The .wcube files to add.
    #[arg(value_name = "BANK.wcube", required = true)]
    pub banks: Vec<PathBuf>,
    /// Replace a bank of the same name (it keeps its id) instead of failing.
    #[arg(long)]
    pub replace: bool,
}

/// `wavecube library list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only banks with this tag (ASCII case ignored); repeat to require several.
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Print a JSON array of banks instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `wavecube library get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The bank: its id, or its name (ASCII case ignored). An integer that is an
    /// id picks that bank, before any bank named like it.
    #[arg(value_name = "ID|NAME")]
    pub bank: String,
    /// The .wcube file to write (created or overwritten).
    #[arg(short, long, value_name = "OUT.wcube")]
    pub out: PathBuf,
}

/// `wavecube library remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The bank: its id, or its name (ASCII case ignored).
    #[arg(value_name = "ID|NAME")]
    pub bank: String,
}

/// `wavecube library sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// One SQL statement.
    #[arg(value_name = "STATEMENT")]
    pub query: String,
    /// Open the library read-write, so the statement may change it.
    #[arg(long)]
    pub write: bool,
    /// Print a JSON array with one object per row instead of a table.
    #[arg(long)]
    pub json: bool,
}
