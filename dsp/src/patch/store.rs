//! The user preset folder: list, save, save as, rename, delete to a trash folder and restore,
//! favourites and search. Shared by the editor's browser and `wavecube preset`; no GUI here.
//!
//! A preset is one file, `<stem>.json`, in the patch format ([`Patch::to_json_with_bank`]):
//! the bank is referenced by name in `meta.bank` (a factory bank), or, for a file bank, its
//! `.wcube` bytes are embedded as base64 in `bank_wcube`, so the preset plays the same after
//! the bank file is gone and can be moved as one file. The stem comes from the preset's name
//! ([`stem_for`]: no path separators, no dot files); names that clean to the same stem get
//! ` 2`, ` 3`, … Writes go to a temporary file that is renamed over the target, so a crash
//! never leaves half a preset.
//!
//! Deleting moves the file to the trash folder ([`folders::preset_trash_dir`]) under a name
//! that keeps its stem ([`TrashItem`]); [`PresetStore::restore`] moves it back (under a new
//! stem if the old one was taken meanwhile). Favourites are keys (`user:<stem>`,
//! `factory:<stem>`) in `.favourites.json` in the preset folder, so preset files stay
//! byte-identical when starred.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;

use super::{Patch, PatchError, PatchMeta};
use crate::folders;

/// The file that holds the favourite keys, inside the preset folder.
pub const FAVOURITES_FILE: &str = ".favourites.json";

/// The extension of a preset file.
pub const PRESET_EXT: &str = "json";

/// Longest stem made from a name, characters.
pub const MAX_STEM_CHARS: usize = 64;

/// Why a preset operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No preset folder: [`folders::PRESET_DIR_ENV`] is unset and the platform gives no home.
    #[error(
        "no preset folder: set {} (or XDG_DATA_HOME or HOME)",
        folders::PRESET_DIR_ENV
    )]
    NoFolder,
    /// A file or folder could not be read, written, renamed or removed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a patch this build reads (including a newer format version).
    #[error("{}: {source}", path.display())]
    Patch {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        source: PatchError,
    },
    /// The embedded bank is not valid base64.
    #[error("{}: the embedded bank (bank_wcube) is not base64: {message}", path.display())]
    BankData {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        message: String,
    },
    /// Another preset already has this name (Save As and rename never overwrite; ask, then
    /// [`PresetStore::save`] over it).
    #[error("a preset named {name:?} already exists ({})", path.display())]
    Exists {
        /// The name asked for.
        name: String,
        /// The preset that has it.
        path: PathBuf,
    },
    /// No preset (or trash item) with this stem.
    #[error("no user preset {0:?}")]
    NotFound(String),
    /// The name cleans to nothing a file can be named (only dots, slashes or spaces).
    #[error("{0:?} cannot name a file: use letters or digits")]
    BadName(String),
}

/// A user preset: the patch and, when it plays a file bank, that bank's `.wcube` bytes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Preset {
    /// The sound and its metadata (`meta.bank` names the bank).
    pub patch: Patch,
    /// The file bank's `.wcube` bytes, embedded; `None` for a factory bank or the built-in
    /// cube.
    pub bank_wcube: Option<Vec<u8>>,
}

impl Preset {
    /// A preset of `patch` without an embedded bank.
    pub fn new(patch: Patch) -> Self {
        Self {
            patch,
            bank_wcube: None,
        }
    }

    /// Reads a preset file's text ([`Patch::from_json_with_bank`] plus the base64 decode).
    /// `path` only names the file in errors.
    ///
    /// # Errors
    /// [`StoreError::Patch`] (bad JSON, a newer version, a bad value) or
    /// [`StoreError::BankData`], naming `path`.
    pub fn from_json(text: &str, path: &Path) -> Result<Self, StoreError> {
        let (patch, bank) =
            Patch::from_json_with_bank(text).map_err(|source| StoreError::Patch {
                path: path.to_owned(),
                source,
            })?;
        let bank_wcube = bank
            .map(|b64| {
                base64::engine::general_purpose::STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|e| StoreError::BankData {
                        path: path.to_owned(),
                        message: e.to_string(),
                    })
            })
            .transpose()?;
        Ok(Self { patch, bank_wcube })
    }

    /// Reads the preset file at `path`.
    ///
    /// # Errors
    /// [`StoreError::Io`] when it cannot be read, else as [`Preset::from_json`].
    pub fn read(path: &Path) -> Result<Self, StoreError> {
        let text = std::fs::read_to_string(path).map_err(|source| StoreError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// The preset file's text: the patch JSON with the bank embedded as base64.
    pub fn to_json(&self) -> String {
        let b64 = self
            .bank_wcube
            .as_ref()
            .map(|b| base64::engine::general_purpose::STANDARD.encode(b));
        self.patch.to_json_with_bank(b64.as_deref())
    }
}

/// A preset in the folder, as a listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetEntry {
    /// File stem (`warm pad 2`): what [`PresetStore::load`] and `--patch` take.
    pub stem: String,
    /// The file.
    pub path: PathBuf,
    /// Its metadata.
    pub meta: PatchMeta,
    /// Whether it embeds a file bank.
    pub embeds_bank: bool,
    /// Whether it is starred.
    pub favourite: bool,
}

/// A deleted preset in the trash folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrashItem {
    /// The stem it had.
    pub stem: String,
    /// Its file in the trash.
    pub path: PathBuf,
    /// When it was deleted, milliseconds since the Unix epoch (from the file name).
    pub deleted_ms: u64,
}

/// The user preset folder and its trash.
#[derive(Debug, Clone)]
pub struct PresetStore {
    dir: PathBuf,
    trash: PathBuf,
}

impl PresetStore {
    /// The store in `dir` (trash in `dir/.trash`). Nothing is created until written.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        let trash = dir.join(folders::TRASH_DIR_NAME);
        Self { dir, trash }
    }

    /// The user's store: [`folders::presets_dir`].
    ///
    /// # Errors
    /// [`StoreError::NoFolder`] when there is no preset folder.
    pub fn user() -> Result<Self, StoreError> {
        folders::presets_dir()
            .map(Self::at)
            .ok_or(StoreError::NoFolder)
    }

    /// The preset folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The trash folder.
    pub fn trash_dir(&self) -> &Path {
        &self.trash
    }

    /// The path of preset `stem`.
    pub fn path_of(&self, stem: &str) -> PathBuf {
        self.dir.join(format!("{stem}.{PRESET_EXT}"))
    }

    /// Every preset, sorted by category then name (case-insensitive), and an error for each
    /// file that does not read (listed, never fatal). A missing folder is an empty list.
    pub fn list(&self) -> (Vec<PresetEntry>, Vec<StoreError>) {
        let favourites = self.favourites();
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        for (stem, path) in self.files() {
            match Preset::read(&path) {
                Ok(p) => entries.push(PresetEntry {
                    favourite: favourites.contains(&user_key(&stem)),
                    stem,
                    path,
                    embeds_bank: p.bank_wcube.is_some(),
                    meta: p.patch.meta,
                }),
                Err(e) => errors.push(e),
            }
        }
        entries.sort_by(|a, b| {
            (a.meta.category, a.meta.name.to_lowercase(), &a.stem).cmp(&(
                b.meta.category,
                b.meta.name.to_lowercase(),
                &b.stem,
            ))
        });
        (entries, errors)
    }

    /// The stems and paths of the `.json` files in the folder (not the dot files).
    fn files(&self) -> Vec<(String, PathBuf)> {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut files: Vec<(String, PathBuf)> = dir
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == PRESET_EXT))
            .filter_map(|p| {
                let stem = p.file_stem()?.to_str()?.to_owned();
                (!stem.starts_with('.')).then_some((stem, p))
            })
            .collect();
        files.sort();
        files
    }

    /// The user preset whose stem is `key`, or else whose name is `key` (case-insensitive).
    pub fn find(&self, key: &str) -> Option<PresetEntry> {
        let (entries, _) = self.list();
        entries
            .iter()
            .find(|e| e.stem == key)
            .or_else(|| {
                let lower = key.to_lowercase();
                entries.iter().find(|e| e.meta.name.to_lowercase() == lower)
            })
            .cloned()
    }

    /// Reads preset `stem`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or as [`Preset::read`].
    pub fn load(&self, stem: &str) -> Result<Preset, StoreError> {
        let path = self.path_of(stem);
        if !path.is_file() {
            return Err(StoreError::NotFound(stem.to_owned()));
        }
        Preset::read(&path)
    }

    /// Save As: writes `preset` as a new file named from its name and returns the stem.
    /// Never overwrites.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when a preset already has this name (ask, then [`Self::save`]
    /// over its stem); [`StoreError::BadName`]; [`StoreError::Io`].
    pub fn save_as(&self, preset: &Preset) -> Result<String, StoreError> {
        let name = &preset.patch.meta.name;
        if let Some(other) = self.named(name, None) {
            return Err(StoreError::Exists {
                name: name.clone(),
                path: other.1,
            });
        }
        let stem = self.free_stem(name)?;
        self.write(&stem, preset)?;
        Ok(stem)
    }

    /// Save: writes `preset` over preset `stem` (created if missing).
    ///
    /// # Errors
    /// [`StoreError::BadName`] for a stem that is not a plain file name; [`StoreError::Io`].
    pub fn save(&self, stem: &str, preset: &Preset) -> Result<(), StoreError> {
        if stem_for(stem).as_deref() != Some(stem) {
            return Err(StoreError::BadName(stem.to_owned()));
        }
        self.write(stem, preset)
    }

    /// Renames preset `stem` to `new_name` (its name and its file) and returns the new stem;
    /// a favourite stays one.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Exists`] when another preset has the name;
    /// [`StoreError::BadName`]; [`StoreError::Patch`] for a name the format refuses;
    /// [`StoreError::Io`].
    pub fn rename(&self, stem: &str, new_name: &str) -> Result<String, StoreError> {
        let mut preset = self.load(stem)?;
        if let Some(other) = self.named(new_name, Some(stem)) {
            return Err(StoreError::Exists {
                name: new_name.to_owned(),
                path: other.1,
            });
        }
        preset.patch.meta.name = new_name.to_owned();
        preset
            .patch
            .validate()
            .map_err(|source| StoreError::Patch {
                path: self.path_of(stem),
                source,
            })?;
        let wanted = stem_for(new_name).ok_or_else(|| StoreError::BadName(new_name.into()))?;
        let new_stem = if wanted.to_lowercase() == stem.to_lowercase() {
            stem.to_owned()
        } else {
            self.free_stem(new_name)?
        };
        self.write(&new_stem, &preset)?;
        if new_stem != stem {
            remove(&self.path_of(stem))?;
            let mut favs = self.favourites();
            if let Some(i) = favs.iter().position(|k| *k == user_key(stem)) {
                favs[i] = user_key(&new_stem);
                self.write_favourites(&favs)?;
            }
        }
        Ok(new_stem)
    }

    /// Moves preset `stem` to the trash and returns the item to [`Self::restore`] (undo).
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Io`].
    pub fn delete(&self, stem: &str) -> Result<TrashItem, StoreError> {
        let from = self.path_of(stem);
        if !from.is_file() {
            return Err(StoreError::NotFound(stem.to_owned()));
        }
        create_dir(&self.trash)?;
        let mut ms = unix_ms();
        let mut to = self.trash.join(format!("{stem}.{ms}.{PRESET_EXT}"));
        while to.exists() {
            ms += 1;
            to = self.trash.join(format!("{stem}.{ms}.{PRESET_EXT}"));
        }
        rename(&from, &to)?;
        Ok(TrashItem {
            stem: stem.to_owned(),
            path: to,
            deleted_ms: ms,
        })
    }

    /// Moves `item` back from the trash and returns its stem: the one it had, or a free one
    /// (` 2`, …) if that was taken since.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the item is no longer in the trash; [`StoreError::Io`].
    pub fn restore(&self, item: &TrashItem) -> Result<String, StoreError> {
        if !item.path.is_file() {
            return Err(StoreError::NotFound(item.stem.clone()));
        }
        let stem = if self.path_of(&item.stem).exists() {
            self.free_stem(&item.stem)?
        } else {
            item.stem.clone()
        };
        create_dir(&self.dir)?;
        rename(&item.path, &self.path_of(&stem))?;
        Ok(stem)
    }

    /// What is in the trash, newest first.
    pub fn trash(&self) -> Vec<TrashItem> {
        let Ok(dir) = std::fs::read_dir(&self.trash) else {
            return Vec::new();
        };
        let mut items: Vec<TrashItem> = dir
            .filter_map(Result::ok)
            .filter_map(|e| {
                let path = e.path();
                let name = path.file_name()?.to_str()?;
                let rest = name.strip_suffix(&format!(".{PRESET_EXT}"))?;
                let (stem, ms) = rest.rsplit_once('.')?;
                Some(TrashItem {
                    stem: stem.to_owned(),
                    deleted_ms: ms.parse().ok()?,
                    path,
                })
            })
            .collect();
        items.sort_by(|a, b| b.deleted_ms.cmp(&a.deleted_ms).then(a.stem.cmp(&b.stem)));
        items
    }

    /// Deletes everything in the trash for good; returns how many presets went.
    ///
    /// # Errors
    /// [`StoreError::Io`] for the first file that could not be removed.
    pub fn empty_trash(&self) -> Result<usize, StoreError> {
        let items = self.trash();
        for item in &items {
            remove(&item.path)?;
        }
        Ok(items.len())
    }

    /// The favourite keys ([`user_key`], [`factory_key`]); none when the file is missing or
    /// unreadable.
    pub fn favourites(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join(FAVOURITES_FILE))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Stars (`on`) or unstars `key`.
    ///
    /// # Errors
    /// [`StoreError::Io`] when the favourites file cannot be written.
    pub fn set_favourite(&self, key: &str, on: bool) -> Result<(), StoreError> {
        let mut favs = self.favourites();
        let had = favs.iter().any(|k| k == key);
        if on == had {
            return Ok(());
        }
        if on {
            favs.push(key.to_owned());
        } else {
            favs.retain(|k| k != key);
        }
        self.write_favourites(&favs)
    }

    fn write_favourites(&self, favs: &[String]) -> Result<(), StoreError> {
        let text = serde_json::to_string_pretty(favs).unwrap_or_else(|_| "[]".into());
        create_dir(&self.dir)?;
        write_atomic(&self.dir.join(FAVOURITES_FILE), text.as_bytes())
    }

    /// The preset (other than `except`) whose name is `name`, ignoring case, or whose file
    /// stem `name` cleans to: its stem and path.
    fn named(&self, name: &str, except: Option<&str>) -> Option<(String, PathBuf)> {
        let lower = name.trim().to_lowercase();
        let (entries, _) = self.list();
        entries
            .into_iter()
            .filter(|e| Some(e.stem.as_str()) != except)
            .find(|e| e.meta.name.trim().to_lowercase() == lower)
            .map(|e| (e.stem, e.path))
    }

    /// A stem for `name` that no file in the folder has (compared ignoring case, for
    /// case-insensitive file systems): [`stem_for`], else with ` 2`, ` 3`, … appended.
    fn free_stem(&self, name: &str) -> Result<String, StoreError> {
        let base = stem_for(name).ok_or_else(|| StoreError::BadName(name.to_owned()))?;
        let taken: Vec<String> = self
            .files()
            .into_iter()
            .map(|(s, _)| s.to_lowercase())
            .collect();
        let free = |s: &str| !taken.contains(&s.to_lowercase());
        if free(&base) {
            return Ok(base);
        }
        (2u32..)
            .map(|n| format!("{base} {n}"))
            .find(|s| free(s))
            .ok_or(StoreError::BadName(name.to_owned()))
    }

    fn write(&self, stem: &str, preset: &Preset) -> Result<(), StoreError> {
        preset
            .patch
            .validate()
            .map_err(|source| StoreError::Patch {
                path: self.path_of(stem),
                source,
            })?;
        create_dir(&self.dir)?;
        write_atomic(&self.path_of(stem), preset.to_json().as_bytes())
    }
}

/// The favourite key of user preset `stem`.
pub fn user_key(stem: &str) -> String {
    format!("user:{stem}")
}

/// The favourite key of factory patch `stem`.
pub fn factory_key(stem: &str) -> String {
    format!("factory:{stem}")
}

/// A file stem for preset name `name`: letters, digits, spaces, `-`, `_`, `(`, `)`, `+`,
/// `&`, `'` and `,` kept, every other character (dots, path separators, `:`, `*`, control
/// characters, …) replaced by `_`, runs of spaces joined and the ends trimmed, cut to
/// [`MAX_STEM_CHARS`]; `None` if only `_` is left. Names Windows reserves (`CON`, `NUL`, `COM1`, …) get a `_`.
pub fn stem_for(name: &str) -> Option<String> {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_()+&',".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let joined = clean
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let cut: String = joined.chars().take(MAX_STEM_CHARS).collect();
    let stem = cut.trim();
    if stem.is_empty() || stem.chars().all(|c| c == '_') {
        return None;
    }
    let upper = stem.to_uppercase();
    let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&upper.as_str())
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.as_bytes()[3].is_ascii_digit());
    Some(if reserved {
        format!("{stem}_")
    } else {
        stem.to_owned()
    })
}

/// Whether `meta` matches search text `query`: every word (split at spaces and commas) is
/// found, ignoring case, in the name, the category, the author, the description or a tag.
/// An empty query matches everything.
pub fn matches(meta: &PatchMeta, query: &str) -> bool {
    let hay = format!(
        "{}\n{}\n{}\n{}\n{}",
        meta.name,
        meta.category.name(),
        meta.author,
        meta.description,
        meta.tags.join("\n")
    )
    .to_lowercase();
    query
        .split([' ', ','])
        .filter(|w| !w.is_empty())
        .all(|w| hay.contains(&w.to_lowercase()))
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn create_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
        path: dir.to_owned(),
        source,
    })
}

fn rename(from: &Path, to: &Path) -> Result<(), StoreError> {
    std::fs::rename(from, to).map_err(|source| StoreError::Io {
        path: from.to_owned(),
        source,
    })
}

fn remove(path: &Path) -> Result<(), StoreError> {
    std::fs::remove_file(path).map_err(|source| StoreError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension(format!("{PRESET_EXT}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            StoreError::Io {
                path: path.to_owned(),
                source,
            }
        })
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
