//! The persisted, non-parameter part of the plugin's state: which bank and patch the sound
//! came from, with a format version.
//!
//! nice-plug stores every parameter by id; this record rides along in the same state under
//! the key `patch` (see [`WavecubeParams`](crate::params::WavecubeParams)).

use std::sync::{Arc, RwLock};

use nice_plug::params::persist::PersistentField;
use serde::{Deserialize, Serialize};

/// Version of [`PatchState`] this build writes.
pub const PATCH_STATE_VERSION: u32 = 1;

/// Name of the built-in bank.
pub const FACTORY_BANK: &str = "factory";

/// Which bank and patch are loaded. Plain data, serialised as JSON inside the plugin state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatchState {
    /// Format version of this record; [`PATCH_STATE_VERSION`] when written by this build.
    pub version: u32,
    /// The cube bank the voices play: [`FACTORY_BANK`] for the embedded factory cube.
    pub bank: String,
    /// Name of the patch last loaded, if any (presets arrive in a later issue).
    pub patch: Option<String>,
}

impl Default for PatchState {
    fn default() -> Self {
        Self {
            version: PATCH_STATE_VERSION,
            bank: FACTORY_BANK.to_owned(),
            patch: None,
        }
    }
}

impl PatchState {
    /// Brings a record read from any earlier version up to [`PATCH_STATE_VERSION`]. A record
    /// from a newer build keeps its fields but is marked as this version, since this build
    /// writes only the fields it knows.
    pub fn migrated(mut self) -> Self {
        // Version 0 (never released) and 1 share the same fields; later versions add migration
        // steps here, oldest first.
        if self.bank.is_empty() {
            self.bank = FACTORY_BANK.to_owned();
        }
        self.version = PATCH_STATE_VERSION;
        self
    }
}

/// Interior-mutable holder of the [`PatchState`], shared by the params object and (later) the
/// editor. Main thread only: the audio thread never touches it, so the lock never meets the
/// audio thread. A poisoned lock is recovered rather than panicking the host.
#[derive(Debug, Default)]
pub struct PatchCell(RwLock<PatchState>);

impl PatchCell {
    /// A copy of the current record.
    ///
    /// # Allocation
    /// Clones the strings.
    pub fn get(&self) -> PatchState {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl<'a> PersistentField<'a, PatchState> for PatchCell {
    fn set(&self, new_value: PatchState) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = new_value.migrated();
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&PatchState) -> R,
    {
        f(&self.0.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl<'a> PersistentField<'a, PatchState> for Arc<PatchCell> {
    fn set(&self, new_value: PatchState) {
        self.as_ref().set(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&PatchState) -> R,
    {
        self.as_ref().map(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_migrates() {
        let cell = PatchCell::default();
        let json = cell.map(serde_json::to_string).expect("serialises");
        let back: PatchState = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, PatchState::default());

        // A record missing fields (an older writer) loads with defaults.
        let old: PatchState = serde_json::from_str(r#"{"version":0,"bank":""}"#).expect("parses");
        cell.set(old);
        assert_eq!(cell.get(), PatchState::default());
    }
}
