//! The factory patches, embedded at build time from `presets/patches/*.json` (see
//! `build.rs`) and parsed with [`Patch::from_json`], and [`Presets`]: the browser's list of
//! factory patches and user presets with Save, Save As, rename, delete and undo, favourites,
//! search and previous/next, over `wavecube_dsp::patch::store`.

use nice_plug_core::context::gui::ParamSetter;
use wavecube_dsp::patch::store::{
    factory_key, matches, user_key, Preset, PresetEntry, PresetStore, StoreError, TrashItem,
};
use wavecube_dsp::patch::{Patch, PatchMeta, Sound};

use crate::handle::SynthBackend;

include!(concat!(env!("OUT_DIR"), "/factory_patches.rs"));

/// A factory patch as the browser lists it.
#[derive(Debug, Clone)]
pub struct FactoryPatch {
    /// File stem, e.g. "cube-orbit" (what `--patch` takes).
    pub stem: &'static str,
    /// The patch.
    pub patch: Patch,
}

/// Every factory patch that parses, sorted by category then name, and a message for each
/// file that does not (a broken build of the presets; shown in the editor, never a panic).
///
/// # Allocation
/// Parses every patch (once per editor).
pub fn factory_patches() -> (Vec<FactoryPatch>, Vec<String>) {
    let mut patches = Vec::new();
    let mut errors = Vec::new();
    for &(stem, json) in FACTORY_PATCH_FILES {
        match Patch::from_json(json) {
            Ok(patch) => patches.push(FactoryPatch { stem, patch }),
            Err(err) => errors.push(format!("factory patch {stem}.json: {err}")),
        }
    }
    patches.sort_by(|a, b| {
        (a.patch.meta.category, &a.patch.meta.name)
            .cmp(&(b.patch.meta.category, &b.patch.meta.name))
    });
    (patches, errors)
}

// ---------------------------------------------------------------------------------------
// The browser's patches: factory and user presets together, with the store's operations.

/// A patch in the browser's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchRef {
    /// `factory[i]`.
    Factory(usize),
    /// `user[i]`.
    User(usize),
}

/// The patch last loaded (or saved), to tell when the sound is modified.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// `factory:<stem>` or `user:<stem>`.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its sound, as loaded: the sound is "modified" when the parameters differ from it.
    pub sound: Sound,
    /// Its metadata (Save keeps it).
    pub meta: PatchMeta,
}

impl Loaded {
    /// The user preset stem, if it is one.
    pub fn user_stem(&self) -> Option<&str> {
        self.key.strip_prefix("user:")
    }
}

/// What Save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Wrote the user preset with this stem.
    Preset(String),
    /// Nothing written: the patch is a factory patch (read-only) or none is loaded; ask for
    /// Save As.
    NeedsSaveAs,
}

/// The factory patches and the user presets, the loaded one, favourites, the search and the
/// undo list of deletions. Every file operation goes through [`PresetStore`].
#[derive(Debug)]
pub struct Presets {
    /// The factory patches, sorted.
    pub factory: Vec<FactoryPatch>,
    /// The user preset folder; `None` when there is none (no home folder).
    pub store: Option<PresetStore>,
    /// The user presets, sorted.
    pub user: Vec<PresetEntry>,
    /// Favourite keys.
    pub favourites: Vec<String>,
    /// The search text.
    pub query: String,
    /// Show only favourites.
    pub only_favourites: bool,
    /// The patch last loaded or saved.
    pub loaded: Option<Loaded>,
    /// Deleted presets, last at the end (Undo restores the last).
    pub undo: Vec<TrashItem>,
}

impl Presets {
    /// The factory patches and the presets in `store`, and a message for each file that does
    /// not read.
    pub fn new(store: Option<PresetStore>) -> (Self, Vec<String>) {
        let (factory, mut errors) = factory_patches();
        let mut presets = Self {
            factory,
            store,
            user: Vec::new(),
            favourites: Vec::new(),
            query: String::new(),
            only_favourites: false,
            loaded: None,
            undo: Vec::new(),
        };
        errors.extend(presets.refresh());
        (presets, errors)
    }

    /// Reads the user folder again; returns a message per unreadable file.
    pub fn refresh(&mut self) -> Vec<String> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        let (user, errors) = store.list();
        self.user = user;
        self.favourites = store.favourites();
        errors.iter().map(ToString::to_string).collect()
    }

    /// The key of `r` (`factory:<stem>`, `user:<stem>`).
    pub fn key(&self, r: PatchRef) -> String {
        match r {
            PatchRef::Factory(i) => factory_key(self.factory[i].stem),
            PatchRef::User(i) => user_key(&self.user[i].stem),
        }
    }

    /// The metadata of `r`.
    pub fn meta(&self, r: PatchRef) -> &PatchMeta {
        match r {
            PatchRef::Factory(i) => &self.factory[i].patch.meta,
            PatchRef::User(i) => &self.user[i].meta,
        }
    }

    /// The patch with key `key`, if listed.
    pub fn find(&self, key: &str) -> Option<PatchRef> {
        self.all().into_iter().find(|&r| self.key(r) == key)
    }

    fn all(&self) -> Vec<PatchRef> {
        (0..self.factory.len())
            .map(PatchRef::Factory)
            .chain((0..self.user.len()).map(PatchRef::User))
            .collect()
    }

    /// Whether `r` is a favourite.
    pub fn is_favourite(&self, r: PatchRef) -> bool {
        self.favourites.contains(&self.key(r))
    }

    /// The patches the list shows: those matching the search (and favourites only, when
    /// set), factory first, then user presets.
    pub fn visible(&self) -> Vec<PatchRef> {
        self.all()
            .into_iter()
            .filter(|&r| matches(self.meta(r), &self.query))
            .filter(|&r| !self.only_favourites || self.is_favourite(r))
            .collect()
    }

    /// Stars or unstars `r`.
    ///
    /// # Errors
    /// The store's message when the favourites file cannot be written.
    pub fn toggle_favourite(&mut self, r: PatchRef) -> Result<(), String> {
        let store = self.store.as_ref().ok_or_else(no_folder)?;
        let key = self.key(r);
        store
            .set_favourite(&key, !self.is_favourite(r))
            .map_err(|e| e.to_string())?;
        self.favourites = store.favourites();
        Ok(())
    }

    /// Loads `r` through `backend` (a user preset with its bank) and remembers it.
    ///
    /// # Errors
    /// A message when the file does not read or its bank cannot be played.
    pub fn load(
        &mut self,
        r: PatchRef,
        backend: &dyn SynthBackend,
        setter: &ParamSetter,
    ) -> Result<String, String> {
        let key = self.key(r);
        let (patch, result) = match r {
            PatchRef::Factory(i) => {
                let patch = self.factory[i].patch.clone();
                backend.apply_patch(&patch, setter);
                (patch, Ok(()))
            }
            PatchRef::User(i) => {
                let store = self.store.as_ref().ok_or_else(no_folder)?;
                let preset = store.load(&self.user[i].stem).map_err(|e| e.to_string())?;
                let result = backend.load_preset(&preset, setter);
                (preset.patch, result)
            }
        };
        let name = patch.meta.name.clone();
        self.loaded = Some(Loaded {
            key: key.clone(),
            name: name.clone(),
            sound: patch.sound,
            meta: patch.meta,
        });
        backend.set_patch_state(Some(&name), Some(&key), false);
        result.map(|()| name)
    }

    /// Loads the patch `delta` places from the loaded one in the visible list (wrapping);
    /// the first visible one when none is loaded or it is not visible.
    ///
    /// # Errors
    /// As [`Presets::load`]; a message when the list is empty.
    pub fn step(
        &mut self,
        delta: isize,
        backend: &dyn SynthBackend,
        setter: &ParamSetter,
    ) -> Result<String, String> {
        let visible = self.visible();
        if visible.is_empty() {
            return Err("no patch to step to".into());
        }
        let at = self
            .loaded
            .as_ref()
            .and_then(|l| visible.iter().position(|&r| self.key(r) == l.key));
        let n = visible.len() as isize;
        let next = match at {
            Some(i) => (i as isize + delta).rem_euclid(n) as usize,
            None => 0,
        };
        self.load(visible[next], backend, setter)
    }

    /// Whether the sound differs from the loaded patch's (`false` with none loaded, or when
    /// the backend cannot say).
    pub fn modified(&self, backend: &dyn SynthBackend) -> bool {
        match (&self.loaded, backend.current_sound()) {
            (Some(l), Some(now)) => now != l.sound,
            _ => false,
        }
    }

    /// Save: writes the sound over the loaded user preset. A factory patch is read-only, so
    /// that (or nothing loaded) gives [`Saved::NeedsSaveAs`].
    ///
    /// # Errors
    /// The store's message.
    pub fn save(&mut self, backend: &dyn SynthBackend) -> Result<Saved, String> {
        let Some(loaded) = &self.loaded else {
            return Ok(Saved::NeedsSaveAs);
        };
        let Some(stem) = loaded.user_stem().map(str::to_owned) else {
            return Ok(Saved::NeedsSaveAs);
        };
        let store = self.store.as_ref().ok_or_else(no_folder)?;
        let preset = backend
            .current_preset(loaded.meta.clone())
            .ok_or("the synth cannot say its sound")?;
        store.save(&stem, &preset).map_err(|e| e.to_string())?;
        self.saved(stem, preset, backend);
        Ok(Saved::Preset(
            self.loaded
                .as_ref()
                .map_or_else(String::new, |l| l.name.clone()),
        ))
    }

    /// Save As: the sound as a new user preset with `meta`. With `overwrite`, replaces a user
    /// preset of the same name; without, such a name is [`StoreError::Exists`] (ask first).
    ///
    /// # Errors
    /// The store's error.
    pub fn save_as(
        &mut self,
        meta: PatchMeta,
        overwrite: bool,
        backend: &dyn SynthBackend,
    ) -> Result<String, StoreError> {
        let store = self.store.as_ref().ok_or(StoreError::NoFolder)?;
        let preset = backend
            .current_preset(meta)
            .ok_or(StoreError::NotFound("(the synth's sound)".into()))?;
        let stem = match store.save_as(&preset) {
            Err(StoreError::Exists { .. }) if overwrite => {
                let stem = store
                    .find(&preset.patch.meta.name)
                    .map(|e| e.stem)
                    .ok_or_else(|| StoreError::NotFound(preset.patch.meta.name.clone()))?;
                store.save(&stem, &preset)?;
                stem
            }
            other => other?,
        };
        self.saved(stem.clone(), preset, backend);
        Ok(stem)
    }

    fn saved(&mut self, stem: String, preset: Preset, backend: &dyn SynthBackend) {
        let key = user_key(&stem);
        let name = preset.patch.meta.name.clone();
        self.loaded = Some(Loaded {
            key: key.clone(),
            name: name.clone(),
            sound: preset.patch.sound,
            meta: preset.patch.meta,
        });
        backend.set_patch_state(Some(&name), Some(&key), false);
        self.refresh();
    }

    /// Renames the loaded user preset.
    ///
    /// # Errors
    /// A message when none is loaded, it is a factory patch, or the store refuses.
    pub fn rename(&mut self, new_name: &str, backend: &dyn SynthBackend) -> Result<String, String> {
        let loaded = self.loaded.clone().ok_or("no patch is loaded")?;
        let stem = loaded
            .user_stem()
            .ok_or("factory patches are read-only: Save As first")?;
        let store = self.store.as_ref().ok_or_else(no_folder)?;
        let new_stem = store.rename(stem, new_name).map_err(|e| e.to_string())?;
        let key = user_key(&new_stem);
        let modified = self.modified(backend);
        if let Some(l) = &mut self.loaded {
            l.key.clone_from(&key);
            new_name.clone_into(&mut l.name);
            new_name.clone_into(&mut l.meta.name);
        }
        backend.set_patch_state(Some(new_name), Some(&key), modified);
        self.refresh();
        Ok(new_stem)
    }

    /// Moves user preset `r` to the trash (undoable with [`Presets::undo_delete`]).
    ///
    /// # Errors
    /// A message for a factory patch or when the store refuses.
    pub fn delete(&mut self, r: PatchRef) -> Result<String, String> {
        let PatchRef::User(i) = r else {
            return Err("factory patches cannot be deleted".into());
        };
        let store = self.store.as_ref().ok_or_else(no_folder)?;
        let entry = self.user[i].clone();
        let item = store.delete(&entry.stem).map_err(|e| e.to_string())?;
        self.undo.push(item);
        self.refresh();
        Ok(entry.meta.name)
    }

    /// Restores the last deleted preset; returns its stem.
    ///
    /// # Errors
    /// A message when there is nothing to undo or the store refuses.
    pub fn undo_delete(&mut self) -> Result<String, String> {
        let item = self.undo.pop().ok_or("nothing to undo")?;
        let store = self.store.as_ref().ok_or_else(no_folder)?;
        let stem = store.restore(&item).map_err(|e| e.to_string())?;
        self.refresh();
        Ok(stem)
    }

    /// Picks up the patch the plugin state names (a reopened project), without applying
    /// anything: the parameters already hold the sound.
    pub fn restore_from(&mut self, backend: &dyn SynthBackend) {
        let (name, key, _) = backend.patch_state();
        let (Some(name), Some(key)) = (name, key) else {
            return;
        };
        let Some(r) = self.find(&key) else {
            return;
        };
        let patch = match r {
            PatchRef::Factory(i) => self.factory[i].patch.clone(),
            PatchRef::User(i) => match self.store.as_ref().map(|s| s.load(&self.user[i].stem)) {
                Some(Ok(p)) => p.patch,
                _ => return,
            },
        };
        self.loaded = Some(Loaded {
            key,
            name,
            sound: patch.sound,
            meta: patch.meta,
        });
    }
}

fn no_folder() -> String {
    StoreError::NoFolder.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_factory_patch_is_embedded_and_parses() {
        let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../presets/patches"))
            .expect("presets/patches exists")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count();
        let (patches, errors) = factory_patches();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(patches.len(), on_disk);
        assert!(patches.iter().any(|p| p.stem == "cube-orbit"));
    }

    use std::path::Path;
    use std::sync::{Arc, Mutex};

    use wavecube_dsp::cube::{factory_cube, Cube};

    use crate::handle::CaptureReport;
    use crate::testing::RecordingContext;

    /// A synth whose sound is whatever was applied last, and which records the state calls.
    #[derive(Default)]
    struct Synth {
        sound: Mutex<Sound>,
        state: Mutex<(Option<String>, Option<String>, bool)>,
    }

    impl SynthBackend for Synth {
        fn apply_patch(&self, patch: &Patch, _: &ParamSetter) {
            *self.sound.lock().unwrap() = patch.sound.clone();
        }
        fn select_factory_bank(&self, _: &str, _: &ParamSetter) -> Result<(), String> {
            Ok(())
        }
        fn load_bank_file(&self, _: &Path, _: &ParamSetter) -> Result<(), String> {
            Ok(())
        }
        fn load_bank_bytes(&self, _: &str, _: &[u8], _: &ParamSetter) -> Result<(), String> {
            Ok(())
        }
        fn current_cube(&self) -> Arc<Cube> {
            Arc::new(factory_cube())
        }
        fn codec_sqnr_db(&self) -> f32 {
            f32::NAN
        }
        fn export_capture(&self, _: &Path) -> Result<(), String> {
            Ok(())
        }
        fn capture_report(&self) -> CaptureReport {
            CaptureReport::default()
        }
        fn sample_rate_hz(&self) -> f32 {
            48_000.0
        }
        fn current_sound(&self) -> Option<Sound> {
            Some(self.sound.lock().unwrap().clone())
        }
        fn set_patch_state(&self, name: Option<&str>, key: Option<&str>, modified: bool) {
            *self.state.lock().unwrap() = (name.map(Into::into), key.map(Into::into), modified);
        }
        fn patch_state(&self) -> (Option<String>, Option<String>, bool) {
            self.state.lock().unwrap().clone()
        }
    }

    fn scratch(name: &str) -> PresetStore {
        let dir = std::env::temp_dir()
            .join(format!("wavecube-gui-presets-{}", std::process::id()))
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        PresetStore::at(dir)
    }

    #[test]
    fn save_as_save_rename_delete_and_undo_keep_the_modified_mark_true() {
        let synth = Synth::default();
        let host = RecordingContext::default();
        let setter = ParamSetter::new(&host);
        let (mut p, errors) = Presets::new(Some(scratch("flow")));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(!p.modified(&synth), "nothing loaded: not modified");

        let first = p.visible()[0];
        p.load(first, &synth, &setter).unwrap();
        assert!(!p.modified(&synth));
        assert_eq!(synth.patch_state().1, Some(p.key(first)));
        synth.sound.lock().unwrap().gain_db -= 3.0;
        assert!(p.modified(&synth), "a changed setting is a modification");
        // A factory patch is read-only: Save asks for Save As.
        assert_eq!(p.save(&synth).unwrap(), Saved::NeedsSaveAs);

        let meta = PatchMeta {
            name: "Mine".into(),
            tags: vec!["soft".into()],
            ..PatchMeta::default()
        };
        assert_eq!(p.save_as(meta.clone(), false, &synth).unwrap(), "Mine");
        assert!(!p.modified(&synth), "saved: not modified");
        assert_eq!(
            synth.patch_state(),
            (Some("Mine".into()), Some("user:Mine".into()), false)
        );
        assert!(matches!(
            p.save_as(meta.clone(), false, &synth),
            Err(StoreError::Exists { .. })
        ));
        synth.sound.lock().unwrap().morph = [0.5, 0.5, 0.5];
        assert!(p.modified(&synth));
        assert_eq!(
            p.save_as(meta, true, &synth).unwrap(),
            "Mine",
            "replaced when asked"
        );
        synth.sound.lock().unwrap().gain_db = -12.0;
        assert_eq!(p.save(&synth).unwrap(), Saved::Preset("Mine".into()));
        let store = p.store.clone().unwrap();
        assert_eq!(store.load("Mine").unwrap().patch.sound.gain_db, -12.0);

        assert_eq!(p.rename("Yours", &synth).unwrap(), "Yours");
        assert_eq!(p.loaded.as_ref().unwrap().key, "user:Yours");
        let r = p.find("user:Yours").unwrap();
        p.delete(r).unwrap();
        assert!(p.find("user:Yours").is_none());
        assert_eq!(p.undo_delete().unwrap(), "Yours");
        assert!(p.find("user:Yours").is_some());
        assert!(p.undo_delete().is_err(), "nothing left to undo");
        assert!(p.delete(first).is_err(), "factory patches are not deleted");
    }

    #[test]
    fn search_favourites_and_previous_next() {
        let synth = Synth::default();
        let host = RecordingContext::default();
        let setter = ParamSetter::new(&host);
        let (mut p, _) = Presets::new(Some(scratch("browse")));
        let all = p.visible().len();
        assert_eq!(all, p.factory.len());
        p.query = "zzz-no-such-word".into();
        assert!(p.visible().is_empty());
        p.query = "pad".into();
        let pads = p.visible();
        assert!(!pads.is_empty() && pads.len() < all);
        p.query.clear();
        let r = p.visible()[2];
        p.toggle_favourite(r).unwrap();
        p.only_favourites = true;
        assert_eq!(p.visible(), [r]);
        p.only_favourites = false;
        // Next from nothing loaded is the first; then it wraps both ways.
        p.step(1, &synth, &setter).unwrap();
        assert_eq!(p.loaded.as_ref().unwrap().key, p.key(p.visible()[0]));
        p.step(-1, &synth, &setter).unwrap();
        assert_eq!(p.loaded.as_ref().unwrap().key, p.key(p.visible()[all - 1]));
        p.step(1, &synth, &setter).unwrap();
        assert_eq!(p.loaded.as_ref().unwrap().key, p.key(p.visible()[0]));
        // A reopened editor picks the patch up from the state.
        let (mut reopened, _) = Presets::new(Some(scratch("browse")));
        reopened.restore_from(&synth);
        assert_eq!(reopened.loaded, p.loaded);
    }
}
