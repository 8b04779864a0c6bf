//! `wavecube preset`: the user preset folder for scripts (list, show, export, import), and
//! how `render --patch NAME` finds a patch among the factory patches and the user presets.
//!
//! The folder and its rules are `wavecube_dsp::patch::store` (shared with the editor):
//! `$WAVECUBE_PRESET_DIR`, else `presets` in the platform's data folder (on Linux
//! `$XDG_DATA_HOME/wavecube/presets` or `~/.local/share/wavecube/presets`).
//!
//! # Which wins
//! A NAME is looked up as a factory patch first (`presets/patches/NAME.json`), then as a user
//! preset (by file stem, then by name ignoring case). Factory names are what scripts and docs
//! use, so they stay stable; when a user preset has the same name a note on stderr says so
//! and how to reach it (`--patch` with its path).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::Serialize;
use wavecube_dsp::bank::read_wcube;
use wavecube_dsp::patch::store::{matches, Preset, PresetStore, StoreError};

use crate::bankref::PlayBank;
use crate::error::HarnessError;
use crate::presets::{available_patches, is_patch_path, NoPatch, PresetError, PATCHES_DIR};

/// `wavecube preset`: the arguments after `preset`.
#[derive(Debug, Args)]
pub struct PresetArgs {
    /// Which preset command to run.
    #[command(subcommand)]
    pub command: PresetCommand,
}

/// The `preset` subcommands.
#[derive(Debug, Subcommand)]
pub enum PresetCommand {
    /// List the user presets, one per line: stem, category, name, "*" for a favourite,
    /// "bank" when a file bank is embedded. Files that do not read are listed on stderr.
    ///
    /// Example: wavecube preset list --query "pad warm"
    List {
        /// Only presets whose name, category, author, description or tags hold every word.
        #[arg(long, value_name = "WORDS")]
        query: Option<String>,
        /// Print a JSON array instead (stem, path, name, category, author, tags,
        /// favourite, embeds_bank).
        #[arg(long)]
        json: bool,
    },
    /// Print a preset's file (the patch JSON; an embedded bank is shown as its size).
    ///
    /// Example: wavecube preset show "My Pad"
    Show {
        /// A user preset (file stem or name), a factory patch name, or a path to a file.
        name: String,
    },
    /// Copy a preset to a file, bank embedded, byte for byte ("-": standard output).
    ///
    /// Example: wavecube preset export "My Pad" --out my-pad.json
    Export {
        /// A user preset (file stem or name), a factory patch name, or a path to a file.
        name: String,
        /// The file to write (overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Add a patch file to the user presets (checked first; never overwrites a preset of the
    /// same name unless --force). A .wcube bank file its meta.bank names (relative to the
    /// file) is embedded, so the preset plays after that file is gone. Prints the new stem.
    ///
    /// Example: wavecube preset import my-pad.json --name "My Pad 2"
    Import {
        /// The patch or preset file.
        file: PathBuf,
        /// Save under this name instead of the file's.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Replace a user preset that has the same name.
        #[arg(long)]
        force: bool,
    },
}

/// Runs `wavecube preset`.
///
/// # Errors
/// [`HarnessError::Store`] or [`HarnessError::Preset`] (exit code 2), or an output error.
pub fn run_preset(args: &PresetArgs) -> Result<(), HarnessError> {
    let store = PresetStore::user()?;
    let mut out = std::io::stdout().lock();
    let io = |e: std::io::Error| {
        HarnessError::from(StoreError::Io {
            path: PathBuf::from("(standard output)"),
            source: e,
        })
    };
    match &args.command {
        PresetCommand::List { query, json } => {
            let (entries, errors) = store.list();
            for e in &errors {
                eprintln!("wavecube: warning: {e}");
            }
            let q = query.as_deref().unwrap_or("");
            let shown: Vec<_> = entries.iter().filter(|e| matches(&e.meta, q)).collect();
            if *json {
                let rows: Vec<ListRow> = shown
                    .iter()
                    .map(|e| ListRow {
                        stem: &e.stem,
                        path: &e.path,
                        name: &e.meta.name,
                        category: e.meta.category.name(),
                        author: &e.meta.author,
                        tags: &e.meta.tags,
                        favourite: e.favourite,
                        embeds_bank: e.embeds_bank,
                    })
                    .collect();
                let text = serde_json::to_string_pretty(&rows).unwrap_or_default();
                writeln!(out, "{text}").map_err(io)?;
            } else {
                for e in shown {
                    writeln!(
                        out,
                        "{}\t{}\t{}{}{}",
                        e.stem,
                        e.meta.category,
                        e.meta.name,
                        if e.favourite { "\t*" } else { "" },
                        if e.embeds_bank { "\tbank" } else { "" }
                    )
                    .map_err(io)?;
                }
            }
        }
        PresetCommand::Show { name } => {
            let found = find_patch(name, &crate::presets::workspace_root(), Some(&store))?;
            let mut shown = found.preset.clone();
            let bank = shown.bank_wcube.take();
            write!(out, "{}", shown.to_json()).map_err(io)?;
            if let Some(bank) = bank {
                writeln!(out, "(embedded bank: {} bytes of .wcube)", bank.len()).map_err(io)?;
            }
        }
        PresetCommand::Export { name, out: dest } => {
            let found = find_patch(name, &crate::presets::workspace_root(), Some(&store))?;
            let text = found.preset.to_json();
            if dest.as_os_str() == "-" {
                out.write_all(text.as_bytes()).map_err(io)?;
            } else {
                std::fs::write(dest, text).map_err(|source| StoreError::Io {
                    path: dest.clone(),
                    source,
                })?;
            }
        }
        PresetCommand::Import { file, name, force } => {
            let mut preset = Preset::read(file)?;
            if let Some(note) = embed_file_bank(&mut preset, file) {
                eprintln!("wavecube: {note}");
            }
            if let Some(name) = name {
                preset.patch.meta.name.clone_from(name);
            }
            let stem = match store.save_as(&preset) {
                Err(StoreError::Exists { .. }) if *force => {
                    // NOTE: `Exists` means `find` sees a preset of this name.
                    let stem = store
                        .find(&preset.patch.meta.name)
                        .map(|e| e.stem)
                        .ok_or_else(|| StoreError::NotFound(preset.patch.meta.name.clone()))?;
                    store.save(&stem, &preset)?;
                    stem
                }
                other => other?,
            };
            writeln!(out, "{stem}").map_err(io)?;
        }
    }
    Ok(())
}

/// Embeds the bank file `preset`'s `meta.bank` names (relative to `file`'s folder), so the
/// imported preset plays after that file is gone. Only a `.wcube` is embedded, byte for
/// byte; returns a note when the named file is something else.
fn embed_file_bank(preset: &mut Preset, file: &Path) -> Option<String> {
    if preset.bank_wcube.is_some() {
        return None;
    }
    let reference = preset.patch.meta.bank.as_deref()?;
    let given = PathBuf::from(reference);
    let path = match file.parent() {
        Some(dir) if given.is_relative() => dir.join(&given),
        _ => given,
    };
    let bytes = std::fs::read(&path).ok()?;
    if read_wcube(&bytes).is_ok() {
        preset.bank_wcube = Some(bytes);
        None
    } else {
        Some(format!(
            "note: bank {} is not a .wcube file, so it is not embedded (convert it with \
             `wavecube bank import`)",
            path.display()
        ))
    }
}

#[derive(Serialize)]
struct ListRow<'a> {
    stem: &'a str,
    path: &'a Path,
    name: &'a str,
    category: &'a str,
    author: &'a str,
    tags: &'a [String],
    favourite: bool,
    embeds_bank: bool,
}

/// Where a patch was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `presets/patches/NAME.json`.
    Factory,
    /// The user preset folder.
    User,
    /// A path given as such.
    File,
}

/// A patch found by [`find_patch`].
#[derive(Debug, Clone)]
pub struct FoundPatch {
    /// The patch and its embedded bank, if any.
    pub preset: Preset,
    /// Its file (anchors a relative bank path).
    pub path: PathBuf,
    /// Where it came from.
    pub origin: Origin,
    /// A note for stderr when a user preset has the same name as the factory patch chosen.
    pub note: Option<String>,
}

/// Finds the patch `arg` names: a path (see [`is_patch_path`]) as given; else the factory
/// patch `root/presets/patches/ARG.json`; else the user preset `arg` (stem, then name
/// ignoring case) in `store` (`None`: there is no user folder).
///
/// # Errors
/// [`PresetError::NotFoundAnywhere`] listing both folders' names; [`HarnessError::Store`]
/// when the file does not read (a newer version included).
pub fn find_patch(
    arg: &str,
    root: &Path,
    store: Option<&PresetStore>,
) -> Result<FoundPatch, HarnessError> {
    let found = |path: PathBuf, origin, note| -> Result<FoundPatch, HarnessError> {
        Ok(FoundPatch {
            preset: Preset::read(&path)?,
            path,
            origin,
            note,
        })
    };
    if is_patch_path(arg) {
        return found(PathBuf::from(arg), Origin::File, None);
    }
    let factory_dir = root.join(PATCHES_DIR);
    let factory = factory_dir.join(format!("{arg}.json"));
    let user = store.and_then(|s| s.find(arg));
    if factory.is_file() {
        let note = user.map(|u| {
            format!(
                "note: \"{arg}\" is a factory patch and also a user preset ({}); playing the \
                 factory patch (give the user preset's path to play it)",
                u.path.display()
            )
        });
        return found(factory, Origin::Factory, note);
    }
    if let Some(user) = user {
        return found(user.path, Origin::User, None);
    }
    let (entries, _) = store.map(PresetStore::list).unwrap_or_default();
    Err(PresetError::NotFoundAnywhere(Box::new(NoPatch {
        name: arg.to_owned(),
        factory: available_patches(&factory_dir),
        user: entries.into_iter().map(|e| e.stem).collect(),
        user_dir: store.map_or_else(PathBuf::new, |s| s.dir().to_owned()),
        dir: factory_dir,
    }))
    .into())
}

/// The bank a found patch embeds, decoded, labelled with its file; `None` when it embeds
/// none.
///
/// # Errors
/// [`HarnessError::Bank`] naming the preset when the bytes are not a `.wcube`.
pub fn embedded_bank(found: &FoundPatch) -> Result<Option<PlayBank>, HarnessError> {
    let Some(bytes) = &found.preset.bank_wcube else {
        return Ok(None);
    };
    let cube = read_wcube(bytes).map_err(|e| HarnessError::Bank {
        path: found.path.clone(),
        source: crate::error::BankFileError::Wcube(e),
    })?;
    Ok(Some(PlayBank {
        label: format!(
            "{} (embedded in {})",
            found.preset.patch.meta.bank.as_deref().unwrap_or("bank"),
            found.path.display()
        ),
        cube,
        notes: Vec::new(),
    }))
}
