//! The persisted, non-parameter part of the plugin's state: the bank the voices play (a
//! factory stem, or a `.wcube` file with its bytes embedded) and the patch, with a format
//! version; and the body stage's user impulse response ([`IrCell`]).
//!
//! nice-plug stores every parameter by id; this record rides along in the same state under
//! the key `patch` (see [`WavecubeParams`](crate::params::WavecubeParams)). The `bank`
//! parameter says which bank plays; this record holds the file bank that the parameter's
//! "File" choice means, so a project reopens with the exact sound even if the file moved.
//!
//! # Versions
//! - 1: `{"version":1,"bank":"factory","patch":null}`: one built-in bank.
//! - 2: `bank` is a factory stem or [`FILE_BANK`]; `file` holds the file bank's path and its
//!   `.wcube` bytes (base64). Version 1's `"factory"` becomes the default stem.
//! - 3: `patch` is the name of the patch in use, `patch_key` where it came from
//!   (`factory:<stem>` or `user:<stem>`, as `wavecube_dsp::patch::store`'s favourite keys)
//!   and `modified` whether any sound setting differs from it. Older records load with none
//!   and not modified.
//!
//! A record that does not parse (corrupt, or not an object) loads as the default and is
//! logged; it never fails the whole state.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::nice_log;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wavecube_dsp::bank::factory::FACTORY_BANKS;
use wavecube_dsp::bank::{read_wcube, BankError};
use wavecube_dsp::conv::ir::{decode_ir_wav, DecodedIr, IrLoadError};
use wavecube_dsp::cube::Cube;

/// `PersistentField` for `Arc<$cell>` through `$cell`'s own: the params struct holds the
/// cells in `Arc`s, shared with the loader threads.
macro_rules! persist_through_arc {
    ($cell:ty, $record:ty) => {
        impl<'a> PersistentField<'a, $record> for Arc<$cell> {
            fn set(&self, new_value: $record) {
                PersistentField::set(self.as_ref(), new_value);
            }

            fn map<F, R>(&self, f: F) -> R
            where
                F: Fn(&$record) -> R,
            {
                PersistentField::map(self.as_ref(), f)
            }
        }
    };
}

/// Version of [`PatchState`] this build writes.
pub const PATCH_STATE_VERSION: u32 = 3;

/// Stem of the default bank (the built-in cube).
pub const DEFAULT_BANK: &str = "basic-shapes";

/// Version 1's name of the built-in bank; migrates to [`DEFAULT_BANK`].
pub const V1_FACTORY_BANK: &str = "factory";

/// [`PatchState::bank`] of a file bank.
pub const FILE_BANK: &str = "file";

/// A `.wcube` file bank: where it came from and, once read, its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FileBank {
    /// Path of the `.wcube` file, as chosen.
    pub path: PathBuf,
    /// The file's bytes (serialised as base64; the `.wcube` is already compressed). `None`
    /// until read: a state naming only a path is read from that path.
    #[serde(with = "base64_bytes")]
    pub wcube: Option<Vec<u8>>,
}

/// Which bank and patch are loaded. Plain data, serialised as JSON inside the plugin state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatchState {
    /// Format version of this record; [`PATCH_STATE_VERSION`] when written by this build.
    pub version: u32,
    /// The bank last chosen: a factory stem (see
    /// [`FACTORY_BANKS`](wavecube_dsp::bank::factory::FACTORY_BANKS)) or [`FILE_BANK`].
    /// Mirrors the `bank` parameter, which decides.
    pub bank: String,
    /// The file bank the `bank` parameter's "File" choice plays, if any.
    pub file: Option<FileBank>,
    /// Name of the patch in use (as its `meta.name`), if one was loaded.
    pub patch: Option<String>,
    /// Where that patch came from: `factory:<stem>` or `user:<stem>` (see
    /// `wavecube_dsp::patch::store::{factory_key, user_key}`), so the editor finds it again.
    pub patch_key: Option<String>,
    /// Whether any sound setting differs from the patch in use (the editor's "modified"
    /// mark), as the editor last saw it.
    pub modified: bool,
}

impl Default for PatchState {
    fn default() -> Self {
        Self {
            version: PATCH_STATE_VERSION,
            bank: DEFAULT_BANK.to_owned(),
            file: None,
            patch: None,
            patch_key: None,
            modified: false,
        }
    }
}

/// The record as written by any version: every field optional.
#[derive(Deserialize, Default)]
#[serde(default)]
struct AnyVersion {
    version: u32,
    bank: String,
    file: Option<FileBank>,
    patch: Option<String>,
    patch_key: Option<String>,
    modified: bool,
}

impl<'de> Deserialize<'de> for PatchState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Parse loosely first, so a record of the wrong shape becomes the default instead of
        // failing (nice-plug would then keep whatever the instance held before).
        let value = serde_json::Value::deserialize(deserializer)?;
        match serde_json::from_value::<AnyVersion>(value) {
            Ok(any) => Ok(PatchState {
                version: any.version,
                bank: any.bank,
                file: any.file,
                patch: any.patch,
                patch_key: any.patch_key,
                modified: any.modified,
            }
            .migrated()),
            Err(err) => {
                nice_log!("Wavecube: unreadable bank state ({err}); using the default bank");
                Ok(PatchState::default())
            }
        }
    }
}

impl PatchState {
    /// Brings a record read from any earlier version up to [`PATCH_STATE_VERSION`]. A record
    /// from a newer build keeps the fields this build knows and is marked as this version.
    pub fn migrated(mut self) -> Self {
        // Version 0 (never released) and 1 had one built-in bank, "factory".
        let known = self.bank == FILE_BANK || FACTORY_BANKS.iter().any(|b| b.0 == self.bank);
        if self.version < 2 || self.bank == V1_FACTORY_BANK {
            self.bank = DEFAULT_BANK.to_owned();
        } else if !known {
            nice_log!(
                "Wavecube: unknown bank {:?} in the state; using the default bank",
                self.bank
            );
            self.bank = DEFAULT_BANK.to_owned();
        }
        self.version = PATCH_STATE_VERSION;
        self
    }
}

/// Why a file bank could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BankLoadError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The bytes are not a valid `.wcube`.
    #[error("{path}: {source}")]
    Bank {
        /// The file (as named in the state, for embedded bytes).
        path: PathBuf,
        /// What is wrong with it.
        source: BankError,
    },
    /// The state names no file bank.
    #[error("no file bank in the state")]
    NoFile,
}

/// The bank slot: interior-mutable holder of the [`PatchState`] (chiefly the bank that plays
/// and the file bank's bytes), shared by the params object, the bank loader thread and the
/// editor's handle. Never touched by the audio thread, so the lock never
/// meets it. A poisoned lock is recovered rather than panicking the host.
#[derive(Debug, Default)]
pub struct BankCell {
    /// The record.
    state: RwLock<PatchState>,
    /// Bumped whenever the file bank may have changed (state restored, file chosen), so the
    /// loader knows to rebuild. Written by the main thread.
    generation: AtomicU64,
    /// The file bank decoded: once per file, then shared by the editor's views and the
    /// loader thread. Cleared when the state is restored. Locked only while `state`'s
    /// write lock is held or for a read.
    cube: RwLock<Option<Arc<Cube>>>,
}

impl BankCell {
    /// A copy of the current record.
    ///
    /// # Allocation
    /// Clones the strings and the file bank's bytes.
    pub fn get(&self) -> PatchState {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes of the file bank so far (restores and file choices).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Records the patch in use for the next save: its name, where it came from
    /// ([`PatchState::patch_key`]) and whether the sound differs from it.
    pub fn set_patch(&self, name: Option<&str>, key: Option<&str>, modified: bool) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.patch = name.map(str::to_owned);
        state.patch_key = key.map(str::to_owned);
        state.modified = modified;
    }

    /// Records `bank` (a factory stem or [`FILE_BANK`]) as the bank playing, for the next save.
    pub fn set_bank(&self, bank: &str) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.bank != bank {
            bank.clone_into(&mut state.bank);
        }
    }

    /// Reads the `.wcube` at `path`, decodes it and makes it the file bank (path, bytes and
    /// the decoded cube).
    ///
    /// # Errors
    /// [`BankLoadError`] if the file cannot be read or is not a valid `.wcube`; the file bank
    /// held before stays.
    pub fn load_file(&self, path: &Path) -> Result<Arc<Cube>, BankLoadError> {
        let bytes = std::fs::read(path).map_err(|source| BankLoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        let cube = read_wcube(&bytes).map_err(|source| BankLoadError::Bank {
            path: path.to_owned(),
            source,
        })?;
        Ok(self.set_file(path, bytes, cube))
    }

    /// Makes `bytes`, already decoded as `cube`, the file bank from `path`: nothing decodes
    /// it again (the editor and the loader share the returned cube).
    pub fn set_file(&self, path: &Path, bytes: Vec<u8>, cube: Cube) -> Arc<Cube> {
        let cube = Arc::new(cube);
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.file = Some(FileBank {
            path: path.to_owned(),
            wcube: Some(bytes),
        });
        *self.cube.write().unwrap_or_else(|e| e.into_inner()) = Some(cube.clone());
        self.generation.fetch_add(1, Ordering::AcqRel);
        cube
    }

    /// The file bank's cube: the one decoded already, else decoded from the embedded bytes if
    /// there are any, else read from its path (and the bytes embedded for the next save).
    ///
    /// # Errors
    /// [`BankLoadError::NoFile`] with no file bank; otherwise why neither the bytes nor the
    /// file gave a cube.
    ///
    /// # Allocation
    /// Decodes the cube the first time: not for the audio thread.
    pub fn file_cube(&self) -> Result<Arc<Cube>, BankLoadError> {
        if let Some(cube) = self.cube.read().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(cube);
        }
        let generation = self.generation();
        let file = self
            .state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .file
            .clone()
            .ok_or(BankLoadError::NoFile)?;
        if let Some(bytes) = &file.wcube {
            match read_wcube(bytes) {
                Ok(cube) => return Ok(self.keep(generation, cube)),
                Err(err) => nice_log!(
                    "Wavecube: the embedded bank of {} is damaged ({err}); reading the file",
                    file.path.display()
                ),
            }
        }
        let bytes = std::fs::read(&file.path).map_err(|source| BankLoadError::Io {
            path: file.path.clone(),
            source,
        })?;
        let cube = read_wcube(&bytes).map_err(|source| BankLoadError::Bank {
            path: file.path.clone(),
            source,
        })?;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = state.file.as_mut().filter(|f| f.path == file.path) {
            held.wcube = Some(bytes);
        }
        drop(state);
        Ok(self.keep(generation, cube))
    }

    /// Shares `cube`, decoded from the file bank of `generation`, as the decoded file bank
    /// unless the bank changed meanwhile.
    fn keep(&self, generation: u64, cube: Cube) -> Arc<Cube> {
        let cube = Arc::new(cube);
        let _state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if self.generation() == generation {
            *self.cube.write().unwrap_or_else(|e| e.into_inner()) = Some(cube.clone());
        }
        cube
    }
}

impl<'a> PersistentField<'a, PatchState> for BankCell {
    fn set(&self, new_value: PatchState) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        *state = new_value.migrated();
        *self.cube.write().unwrap_or_else(|e| e.into_inner()) = None;
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&PatchState) -> R,
    {
        // Serialise a copy (a memcpy of the file bank's bytes), so saving the state, which
        // base64-encodes them, does not hold the lock the loader thread writes through.
        f(&self.get())
    }
}

persist_through_arc!(BankCell, PatchState);

/// User IR files larger than this are referenced by path only in the state, bytes.
pub const MAX_EMBEDDED_IR_BYTES: usize = 4 << 20;

/// The user's IR as the state keeps it: its path, and its WAV bytes (base64) when small
/// enough, so a project reopens with the same body even if the file moved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserIr {
    /// Where the WAV was loaded from.
    pub path: String,
    /// The WAV file's bytes, base64, if at most [`MAX_EMBEDDED_IR_BYTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wav_base64: Option<String>,
}

/// The persisted user IR, shared by the main thread (load, restore) and the loader.
#[derive(Debug, Default)]
pub struct IrCell {
    /// The record; never touched by the audio thread.
    state: RwLock<Option<UserIr>>,
    /// Bumped on every change, so the loader knows to rebuild.
    generation: AtomicU64,
}

impl IrCell {
    /// The current record.
    pub fn get(&self) -> Option<UserIr> {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the record (a restored state, a loaded file).
    pub fn set(&self, value: Option<UserIr>) {
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = value;
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Changes so far.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Reads and checks the WAV at `path` and makes it the user IR (bytes embedded when
    /// small enough). Main thread.
    ///
    /// # Errors
    /// [`IrLoadError`] naming the file; the IR held before stays.
    pub fn load_file(&self, path: &Path) -> Result<DecodedIr, IrLoadError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| IrLoadError::Read {
            path: shown.clone(),
            source,
        })?;
        let decoded = decode_ir_wav(&bytes, &shown)?;
        let wav_base64 = (bytes.len() <= MAX_EMBEDDED_IR_BYTES)
            .then(|| base64::engine::general_purpose::STANDARD.encode(&bytes));
        self.set(Some(UserIr {
            path: shown,
            wav_base64,
        }));
        Ok(decoded)
    }

    /// The user IR decoded: from the embedded bytes, else from the file.
    ///
    /// # Errors
    /// [`IrLoadError`] if there is none readable.
    pub fn decode(&self) -> Result<DecodedIr, IrLoadError> {
        let Some(ir) = self.get() else {
            return Err(IrLoadError::Empty {
                path: "(no user impulse response loaded)".into(),
            });
        };
        let bytes = match ir
            .wav_base64
            .as_deref()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        {
            Some(bytes) => bytes,
            None => std::fs::read(&ir.path).map_err(|source| IrLoadError::Read {
                path: ir.path.clone(),
                source,
            })?,
        };
        decode_ir_wav(&bytes, &ir.path)
    }
}

/// The state's record of the user IR (`None`: none loaded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BodyIrState {
    /// The user IR, if one was loaded.
    #[serde(default)]
    pub ir: Option<UserIr>,
}

impl<'a> PersistentField<'a, BodyIrState> for IrCell {
    fn set(&self, new_value: BodyIrState) {
        IrCell::set(self, new_value.ir);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&BodyIrState) -> R,
    {
        // A copy, so saving never holds the lock the loader reads through.
        f(&BodyIrState { ir: self.get() })
    }
}

persist_through_arc!(IrCell, BodyIrState);

/// `Option<Vec<u8>>` as an optional base64 string. Bad base64 reads as no bytes (logged), so
/// the path is tried instead.
mod base64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        bytes
            .as_ref()
            .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.and_then(
            |t| match base64::engine::general_purpose::STANDARD.decode(t) {
                Ok(bytes) => Some(bytes),
                Err(err) => {
                    nice_log!("Wavecube: the embedded bank is not base64 ({err}); ignored");
                    None
                }
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_migrates() {
        let cell = BankCell::default();
        let json = cell.map(serde_json::to_string).expect("serialises");
        let back: PatchState = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, PatchState::default());

        // A record missing fields (an older writer) loads with defaults.
        let old: PatchState = serde_json::from_str(r#"{"version":0,"bank":""}"#).expect("parses");
        cell.set(old);
        assert_eq!(cell.get(), PatchState::default());
    }

    #[test]
    fn version_1_becomes_the_default_bank() {
        let v1: PatchState =
            serde_json::from_str(r#"{"version":1,"bank":"factory","patch":null}"#).expect("v1");
        assert_eq!(v1, PatchState::default());
    }

    #[test]
    fn file_bytes_round_trip_as_base64() {
        let state = PatchState {
            bank: FILE_BANK.into(),
            file: Some(FileBank {
                path: "/gone/x.wcube".into(),
                wcube: Some(vec![0, 1, 2, 250, 255]),
            }),
            ..PatchState::default()
        };
        let json = serde_json::to_string(&state).expect("serialises");
        assert!(json.contains("\"AAEC+v8=\""), "{json}");
        assert_eq!(
            serde_json::from_str::<PatchState>(&json).expect("parses"),
            state
        );
    }

    #[test]
    fn corrupt_records_load_as_the_default() {
        for bad in [r#""text""#, "[1,2]", r#"{"version":"x"}"#, r#"{"file":7}"#] {
            let state: PatchState = serde_json::from_str(bad).expect(bad);
            assert_eq!(state, PatchState::default(), "{bad}");
        }
        // Bad base64 keeps the path and drops the bytes.
        let state: PatchState = serde_json::from_str(
            r#"{"version":2,"bank":"file","file":{"path":"a.wcube","wcube":"!!"}}"#,
        )
        .expect("parses");
        assert_eq!(state.file.expect("file").wcube, None);
    }
}
