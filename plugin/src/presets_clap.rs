//! CLAP preset discovery and loading: the `clap.preset-discovery-factory/2` factory with one
//! provider ("Wavecube presets") over two locations, and the patch → parameter values that
//! the `clap.preset-load/2` extension (in [`crate::clap_entry`]) hands to the plugin.
//!
//! Locations:
//! - **Factory patches** (`CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN`, no path): the patches the
//!   editor's browser lists, embedded in the binary ([`wavecube_gui::patches`]); the load key
//!   is the file stem (`cube-orbit`).
//! - **User presets** (`CLAP_PRESET_DISCOVERY_LOCATION_FILE`): the user preset folder
//!   ([`user_preset_dir`]); the host crawls it for `.json` files and asks for each file's
//!   metadata; a file is one preset (no load key).
//!
//! Metadata: name, the category and every tag as features (with `instrument` and
//! `synthesizer`, which the CLAP feature list defines), the author as creator, the
//! description, the plugin id, and factory or user content flags; the factory patches also
//! belong to the sound pack "Wavecube factory patches". Everything here runs on the
//! host's main or indexing threads, never on the audio thread.

use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use clap_sys::factory::preset_discovery::{
    clap_preset_discovery_factory, clap_preset_discovery_filetype, clap_preset_discovery_indexer,
    clap_preset_discovery_location, clap_preset_discovery_location_kind,
    clap_preset_discovery_metadata_receiver, clap_preset_discovery_provider,
    clap_preset_discovery_provider_descriptor, clap_preset_discovery_soundpack,
    CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT, CLAP_PRESET_DISCOVERY_IS_USER_CONTENT,
    CLAP_PRESET_DISCOVERY_LOCATION_FILE, CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
};
use clap_sys::timestamp::CLAP_TIMESTAMP_UNKNOWN;
use clap_sys::universal_plugin_id::clap_universal_plugin_id;
use clap_sys::version::CLAP_VERSION;
use nice_plug::context::gui::GuiContextInner;
use nice_plug::params::internals::ParamPtr;
use nice_plug::plugin::ParamValue;
use nice_plug::prelude::*;
use wavecube_dsp::patch::store::{factory_key, user_key, Preset, StoreError};
use wavecube_dsp::patch::{Patch, PatchError, MAX_PRESET_BYTES};

use crate::params::WavecubeParams;
use crate::Wavecube;

/// The provider's id.
pub const PROVIDER_ID: &CStr = c"org.wavecube.wavecube.presets";
/// The provider's name, as hosts show it.
pub const PROVIDER_NAME: &CStr = c"Wavecube presets";
/// The name of the factory location.
pub const FACTORY_LOCATION_NAME: &CStr = c"Wavecube factory patches";
/// The name of the user location.
pub const USER_LOCATION_NAME: &CStr = c"Wavecube user presets";
/// The id of the sound pack the factory patches belong to.
pub const FACTORY_SOUNDPACK_ID: &CStr = c"org.wavecube.wavecube.factory";
/// The preset file extension (without the dot): patches are JSON.
pub const PRESET_EXTENSION: &str = "json";

/// A preset that could not be found, read or decoded.
#[derive(Debug, thiserror::Error)]
pub enum PresetLoadError {
    /// The host named a location kind CLAP does not define.
    #[error("unknown preset location kind {0}")]
    UnknownKind(u32),
    /// A factory location without a load key.
    #[error("a factory preset needs a load key (the patch's file stem)")]
    MissingLoadKey,
    /// No factory patch has this stem.
    #[error("no factory patch {0:?}")]
    UnknownFactoryPatch(String),
    /// A file location without a path.
    #[error("a file preset needs a path")]
    MissingPath,
    /// A location or key that is not UTF-8.
    #[error("the preset location is not UTF-8")]
    NotUtf8,
    /// The file could not be read.
    #[error("{}: cannot read preset: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than any patch.
    #[error("{}: {bytes} bytes is larger than a preset can be ({MAX_PRESET_BYTES})", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size, bytes.
        bytes: u64,
    },
    /// The file is not a valid patch (or is a newer version).
    #[error("{}: {source}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: PatchError,
    },
    /// The preset's embedded bank is not valid base64.
    #[error(transparent)]
    Store(StoreError),
}

impl PresetLoadError {
    /// The operating system's error number behind this error, 0 when there is none.
    pub fn os_error(&self) -> i32 {
        match self {
            Self::Read { source, .. } => source.raw_os_error().unwrap_or(0),
            _ => 0,
        }
    }
}

/// The user preset folder, [`wavecube_dsp::folders::presets_dir`]: `$WAVECUBE_PRESET_DIR`,
/// else `<data>/wavecube/presets`; `None` when the platform gives no home folder.
pub fn user_preset_dir() -> Option<PathBuf> {
    wavecube_dsp::folders::presets_dir()
}

/// Every factory patch the editor's browser lists: `(file stem, patch)`, in its order.
pub fn factory_patches() -> &'static [(&'static str, Patch)] {
    static PATCHES: OnceLock<Vec<(&'static str, Patch)>> = OnceLock::new();
    PATCHES.get_or_init(|| {
        wavecube_gui::patches::factory_patches()
            .0
            .into_iter()
            .map(|p| (p.stem, p.patch))
            .collect()
    })
}

/// Reads a preset file (at most [`MAX_PRESET_BYTES`]: a user preset may embed its bank),
/// with its embedded bank decoded.
pub fn read_preset_file(path: &Path) -> Result<Preset, PresetLoadError> {
    let read = |source| PresetLoadError::Read {
        path: path.to_owned(),
        source,
    };
    let bytes = std::fs::metadata(path).map_err(read)?.len();
    if bytes > MAX_PRESET_BYTES as u64 {
        return Err(PresetLoadError::TooLarge {
            path: path.to_owned(),
            bytes,
        });
    }
    let text = std::fs::read_to_string(path).map_err(read)?;
    Preset::from_json(&text, path).map_err(|err| match err {
        StoreError::Patch { path, source } => PresetLoadError::Invalid { path, source },
        other => PresetLoadError::Store(other),
    })
}

/// A preset a host asked for: the preset, and the key the editor's browser knows it by
/// (`factory:<stem>`, `user:<stem>`; `None` for a file outside the user folder).
#[derive(Debug, Clone, PartialEq)]
pub struct HostPreset {
    /// The patch and its embedded bank.
    pub preset: Preset,
    /// Where it came from, as [`wavecube_dsp::patch::store`]'s favourite keys.
    pub key: Option<String>,
    /// A factory patch (loaded as the browser loads one: the sound only, the bank stays).
    pub factory: bool,
}

/// The patch a host names by CLAP location kind, location (a path for `FILE`) and load key
/// (a factory patch's stem for `PLUGIN`).
pub fn resolve_preset(
    kind: clap_preset_discovery_location_kind,
    location: Option<&CStr>,
    load_key: Option<&CStr>,
) -> Result<HostPreset, PresetLoadError> {
    match kind {
        CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN => {
            let key = load_key.ok_or(PresetLoadError::MissingLoadKey)?;
            let key = key.to_str().map_err(|_| PresetLoadError::NotUtf8)?;
            factory_patches()
                .iter()
                .find(|(stem, _)| *stem == key)
                .map(|(stem, patch)| HostPreset {
                    preset: Preset::new(patch.clone()),
                    key: Some(factory_key(stem)),
                    factory: true,
                })
                .ok_or_else(|| PresetLoadError::UnknownFactoryPatch(key.to_owned()))
        }
        CLAP_PRESET_DISCOVERY_LOCATION_FILE => {
            let path = location.ok_or(PresetLoadError::MissingPath)?;
            let path = Path::new(path.to_str().map_err(|_| PresetLoadError::NotUtf8)?);
            let preset = read_preset_file(path)?;
            let in_user_folder = user_preset_dir()
                .is_some_and(|dir| path.starts_with(&dir) && is_user_preset(path, Some(&dir)));
            let key = path
                .file_stem()
                .filter(|_| in_user_folder)
                .map(|stem| user_key(&stem.to_string_lossy()));
            Ok(HostPreset {
                preset,
                key,
                factory: false,
            })
        }
        other => Err(PresetLoadError::UnknownKind(other)),
    }
}

// ---------------------------------------------------------------------------------------------
// A patch as parameter values, through the editor's path

/// A host context that records each parameter change the editor's path makes, as the
/// normalised value a wrapper would receive, and changes nothing.
#[derive(Default)]
struct Recorder {
    sets: Mutex<Vec<(ParamPtr, f32)>>,
}

impl GuiContextInner for Recorder {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    unsafe fn raw_begin_set_parameter(&self, _param: ParamPtr) {}
    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        self.sets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((param, normalized));
    }
    unsafe fn raw_end_set_parameter(&self, _param: ParamPtr) {}
    fn get_state(&self) -> PluginState {
        PluginState {
            version: String::new(),
            params: BTreeMap::new(),
            fields: BTreeMap::new(),
        }
    }
    fn set_state(&self, _state: PluginState) {}
    fn request_restart(&self) {}
}

/// The parameter values (by parameter id, as a nice-plug state holds them) that loading
/// `patch` in the editor sets: [`crate::editor::apply_patch`] run against a scratch copy of
/// the parameters, each normalised value it sends turned into the plain value a wrapper
/// stores for it (`preview_plain`, the same conversion `_internal_set_normalized_value`
/// makes). Loading these values sets every parameter to exactly what the editor's path sets.
///
/// # Allocation
/// Builds a scratch parameter set and the map (main thread only).
pub fn patch_param_values(patch: &Patch) -> BTreeMap<String, ParamValue> {
    let scratch = WavecubeParams::default();
    recorded_values(&scratch, |setter| {
        crate::editor::apply_patch(&scratch, patch, setter);
    })
}

/// The parameter values (by id, plain) that `load` sets through the setter it is given,
/// recorded against `scratch` (see [`patch_param_values`]).
fn recorded_values(
    scratch: &WavecubeParams,
    load: impl FnOnce(&ParamSetter),
) -> BTreeMap<String, ParamValue> {
    let recorder = Recorder::default();
    load(&ParamSetter::new(&recorder));
    let ids: HashMap<ParamPtr, String> = scratch
        .param_map()
        .into_iter()
        .map(|(id, ptr, _group)| (ptr, id))
        .collect();
    let sets = recorder
        .sets
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let mut values = BTreeMap::new();
    for (ptr, normalized) in sets {
        let Some(id) = ids.get(&ptr) else { continue };
        // SAFETY: `ptr` points into `scratch`, alive here.
        let plain = unsafe { ptr.preview_plain(normalized) };
        let value = match ptr {
            ParamPtr::FloatParam(_) => ParamValue::F32(plain),
            ParamPtr::BoolParam(_) => ParamValue::Bool(plain >= 0.5),
            ParamPtr::IntParam(_) | ParamPtr::EnumParam(_) => ParamValue::I32(plain.round() as i32),
        };
        values.insert(id.clone(), value);
    }
    values
}

/// The key under which the bank and patch record ([`crate::state::PatchState`]) is stored.
const PATCH_FIELD: &str = "patch";

/// The key under which the patch's matrix and macro names ([`crate::macros::MatrixState`])
/// are stored.
const MATRIX_FIELD: &str = "matrix";

/// The key under which the effects rack's order ([`crate::fx_params::FxOrder`]) is stored.
const FX_ORDER_FIELD: &str = "fx_order";

/// A state object that loads `found` the way the editor's browser does, over `current` (the
/// instance's state now, for its bank and patch record):
/// - a factory patch sets its sound settings only ([`crate::editor::apply_patch`]);
/// - a user preset also sets its bank ([`crate::editor::load_preset`]): the embedded
///   `.wcube` becomes the file bank (bytes kept in the state), else the factory bank its
///   `meta.bank` names is selected;
///
/// and the record names the patch (its name and key, not modified), as the browser does.
/// The patch's matrix and macro names (state, not parameters) ride along as the `matrix`
/// field, its effects' order as the `fx_order` field. Parameters the preset does not describe, and the codec, body and window fields,
/// are not in the object, so they keep their values.
///
/// # Errors
/// The message [`crate::editor::load_preset`] gives when the preset's bank does not load;
/// the sound is in the state all the same (played on the bank of before), as in the editor.
///
/// # Allocation
/// Builds scratch parameters, may decode and write the embedded bank: main thread only.
pub fn preset_state(found: &HostPreset, current: &PluginState) -> (PluginState, Option<String>) {
    let scratch = WavecubeParams::default();
    if let Some(record) = current.fields.get(PATCH_FIELD) {
        scratch.deserialize_fields(&BTreeMap::from([(PATCH_FIELD.to_owned(), record.clone())]));
    }
    let mut bank_error = None;
    let params = recorded_values(&scratch, |setter| {
        if found.factory {
            crate::editor::apply_patch(&scratch, &found.preset.patch, setter);
        } else {
            bank_error = crate::editor::load_preset(&scratch, &found.preset, setter).err();
        }
    });
    scratch.bank_state.set_patch(
        Some(&found.preset.patch.meta.name),
        found.key.as_deref(),
        false,
    );
    let fields = scratch
        .serialize_fields()
        .into_iter()
        .filter(|(k, _)| [PATCH_FIELD, MATRIX_FIELD, FX_ORDER_FIELD].contains(&k.as_str()))
        .collect();
    let state = PluginState {
        version: Wavecube::VERSION.to_owned(),
        params,
        fields,
    };
    (state, bank_error)
}

// ---------------------------------------------------------------------------------------------
// The preset discovery factory

/// The factory a host gets for `clap.preset-discovery-factory/2`.
pub static PRESET_DISCOVERY_FACTORY: clap_preset_discovery_factory =
    clap_preset_discovery_factory {
        count: Some(factory_count),
        get_descriptor: Some(factory_get_descriptor),
        create: Some(factory_create),
    };

/// The descriptor of the one provider.
struct Descriptor(clap_preset_discovery_provider_descriptor);
// SAFETY: the descriptor holds pointers to static strings only.
unsafe impl Sync for Descriptor {}

static DESCRIPTOR: Descriptor = Descriptor(clap_preset_discovery_provider_descriptor {
    clap_version: CLAP_VERSION,
    id: PROVIDER_ID.as_ptr(),
    name: PROVIDER_NAME.as_ptr(),
    vendor: c"Wavecube developers".as_ptr(),
});

unsafe extern "C" fn factory_count(_factory: *const clap_preset_discovery_factory) -> u32 {
    1
}

unsafe extern "C" fn factory_get_descriptor(
    _factory: *const clap_preset_discovery_factory,
    index: u32,
) -> *const clap_preset_discovery_provider_descriptor {
    if index == 0 {
        &DESCRIPTOR.0
    } else {
        std::ptr::null()
    }
}

/// One provider: the CLAP table (first, so a pointer to it is a pointer to this), the
/// indexer it reports to, and the user folder's path as a C string for `declare_location`.
#[repr(C)]
struct Provider {
    clap: clap_preset_discovery_provider,
    indexer: *const clap_preset_discovery_indexer,
    user_dir: Option<CString>,
}

unsafe extern "C" fn factory_create(
    _factory: *const clap_preset_discovery_factory,
    indexer: *const clap_preset_discovery_indexer,
    provider_id: *const c_char,
) -> *const clap_preset_discovery_provider {
    if indexer.is_null()
        || provider_id.is_null()
        || unsafe { CStr::from_ptr(provider_id) } != PROVIDER_ID
    {
        return std::ptr::null();
    }
    let provider = Box::new(Provider {
        clap: clap_preset_discovery_provider {
            desc: &DESCRIPTOR.0,
            provider_data: std::ptr::null_mut(),
            init: Some(provider_init),
            destroy: Some(provider_destroy),
            get_metadata: Some(provider_get_metadata),
            get_extension: Some(provider_get_extension),
        },
        indexer,
        user_dir: None,
    });
    Box::into_raw(provider) as *const clap_preset_discovery_provider
}

/// The provider behind `provider`.
///
/// # Safety
/// `provider` came from [`factory_create`] and was not destroyed.
unsafe fn provider_of<'a>(provider: *const clap_preset_discovery_provider) -> &'a mut Provider {
    unsafe { &mut *(provider as *mut Provider) }
}

unsafe extern "C" fn provider_init(provider: *const clap_preset_discovery_provider) -> bool {
    if provider.is_null() {
        return false;
    }
    let provider = unsafe { provider_of(provider) };
    // SAFETY: the indexer outlives the provider (the spec).
    let indexer = unsafe { &*provider.indexer };
    let filetype = clap_preset_discovery_filetype {
        name: c"Wavecube patch".as_ptr(),
        description: c"A Wavecube patch (versioned JSON)".as_ptr(),
        file_extension: c"json".as_ptr(),
    };
    let factory = clap_preset_discovery_location {
        flags: CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
        name: FACTORY_LOCATION_NAME.as_ptr(),
        kind: CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
        location: std::ptr::null(),
    };
    // SAFETY: the indexer's functions, during `init` as the spec allows.
    unsafe {
        let Some(declare_filetype) = indexer.declare_filetype else {
            return false;
        };
        let Some(declare_location) = indexer.declare_location else {
            return false;
        };
        if !declare_filetype(indexer, &filetype) || !declare_location(indexer, &factory) {
            return false;
        }
        if let Some(declare_soundpack) = indexer.declare_soundpack {
            let pack = clap_preset_discovery_soundpack {
                flags: CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
                id: FACTORY_SOUNDPACK_ID.as_ptr(),
                name: c"Wavecube factory patches".as_ptr(),
                description: c"The patches that come with Wavecube".as_ptr(),
                homepage_url: std::ptr::null(),
                vendor: c"Wavecube developers".as_ptr(),
                image_path: std::ptr::null(),
                release_timestamp: CLAP_TIMESTAMP_UNKNOWN,
            };
            // Optional: a host that refuses it still lists the patches.
            declare_soundpack(indexer, &pack);
        }
        provider.user_dir =
            user_preset_dir().and_then(|dir| CString::new(dir.to_string_lossy().into_owned()).ok());
        if let Some(dir) = &provider.user_dir {
            let user = clap_preset_discovery_location {
                flags: CLAP_PRESET_DISCOVERY_IS_USER_CONTENT,
                name: USER_LOCATION_NAME.as_ptr(),
                kind: CLAP_PRESET_DISCOVERY_LOCATION_FILE,
                location: dir.as_ptr(),
            };
            // A host may refuse a folder that does not exist yet; the factory location stands.
            declare_location(indexer, &user);
        }
    }
    true
}

unsafe extern "C" fn provider_destroy(provider: *const clap_preset_discovery_provider) {
    if !provider.is_null() {
        // SAFETY: made by `Box::into_raw` in `factory_create`, destroyed once (the spec).
        drop(unsafe { Box::from_raw(provider as *mut Provider) });
    }
}

unsafe extern "C" fn provider_get_extension(
    _provider: *const clap_preset_discovery_provider,
    _extension_id: *const c_char,
) -> *const c_void {
    std::ptr::null()
}

/// A metadata receiver, called safely.
struct Receiver<'a>(&'a clap_preset_discovery_metadata_receiver);

impl Receiver<'_> {
    fn error(&self, os_error: i32, message: &str) {
        let message = c_string(message);
        if let Some(f) = self.0.on_error {
            // SAFETY: the receiver's function with its own pointer and a live string.
            unsafe { f(self.0, os_error, message.as_ptr()) };
        }
    }

    fn text(
        &self,
        f: Option<
            unsafe extern "C" fn(*const clap_preset_discovery_metadata_receiver, *const c_char),
        >,
        text: &str,
    ) {
        if let Some(f) = f {
            let text = c_string(text);
            // SAFETY: as in `error`.
            unsafe { f(self.0, text.as_ptr()) };
        }
    }

    /// Sends one preset; false when the receiver wants no more.
    fn preset(&self, patch: &Patch, load_key: Option<&str>, flags: u32) -> bool {
        let Some(begin) = self.0.begin_preset else {
            return false;
        };
        let name = c_string(&patch.meta.name);
        let key = load_key.map(c_string);
        // SAFETY: as in `error`.
        let more = unsafe {
            begin(
                self.0,
                name.as_ptr(),
                key.as_ref().map_or(std::ptr::null(), |k| k.as_ptr()),
            )
        };
        if !more {
            return false;
        }
        if let Some(add) = self.0.add_plugin_id {
            let id = clap_universal_plugin_id {
                abi: c"clap".as_ptr(),
                id: c"org.wavecube.wavecube".as_ptr(),
            };
            // SAFETY: as in `error`.
            unsafe { add(self.0, &id) };
        }
        if let Some(set_flags) = self.0.set_flags {
            // SAFETY: as in `error`.
            unsafe { set_flags(self.0, flags) };
        }
        if flags & CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT != 0 {
            if let Some(set_pack) = self.0.set_soundpack_id {
                // SAFETY: as in `error`.
                unsafe { set_pack(self.0, FACTORY_SOUNDPACK_ID.as_ptr()) };
            }
        }
        if !patch.meta.author.is_empty() {
            self.text(self.0.add_creator, &patch.meta.author);
        }
        if !patch.meta.description.is_empty() {
            self.text(self.0.set_description, &patch.meta.description);
        }
        for feature in ["instrument", "synthesizer", patch.meta.category.name()] {
            self.text(self.0.add_feature, feature);
        }
        for tag in &patch.meta.tags {
            self.text(self.0.add_feature, tag);
        }
        true
    }
}

/// `text` as a C string, cut at its first NUL.
fn c_string(text: &str) -> CString {
    let end = text.find('\0').unwrap_or(text.len());
    CString::new(&text[..end]).unwrap_or_default()
}

/// True for a file the user location holds as a preset: a `.json` file that is not hidden
/// (the store's `.favourites.json`) and not inside a hidden folder (the store's `.trash`) or
/// one named `trash` below the user folder `user_dir`.
fn is_user_preset(path: &Path, user_dir: Option<&Path>) -> bool {
    let below = user_dir
        .and_then(|d| path.strip_prefix(d).ok())
        .unwrap_or(Path::new(""));
    let hidden_or_trash = below
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .any(|c| {
            let name = c.as_os_str().to_string_lossy();
            name.starts_with('.') && name.len() > 1 && name != ".."
                || name.eq_ignore_ascii_case("trash")
        });
    let hidden_file = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'));
    path.extension().is_some_and(|e| e == PRESET_EXTENSION) && !hidden_or_trash && !hidden_file
}

unsafe extern "C" fn provider_get_metadata(
    provider: *const clap_preset_discovery_provider,
    location_kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    metadata_receiver: *const clap_preset_discovery_metadata_receiver,
) -> bool {
    if provider.is_null() || metadata_receiver.is_null() {
        return false;
    }
    // SAFETY: the host's receiver, alive for this call.
    let receiver = Receiver(unsafe { &*metadata_receiver });
    match location_kind {
        CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN => {
            for (stem, patch) in factory_patches() {
                if !receiver.preset(patch, Some(stem), CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT) {
                    break;
                }
            }
            true
        }
        CLAP_PRESET_DISCOVERY_LOCATION_FILE if !location.is_null() => {
            // SAFETY: a C string from the host.
            let path = unsafe { CStr::from_ptr(location) };
            let Ok(path) = path.to_str().map(Path::new) else {
                receiver.error(0, "the preset path is not UTF-8");
                return false;
            };
            // SAFETY: as above.
            let user_dir = unsafe { provider_of(provider) }.user_dir.as_ref();
            let user_dir = user_dir.and_then(|d| d.to_str().ok()).map(Path::new);
            if !is_user_preset(path, user_dir) {
                // Not a preset (a deleted one, or another file): nothing to list.
                return true;
            }
            match read_preset_file(path) {
                Ok(preset) => {
                    receiver.preset(&preset.patch, None, CLAP_PRESET_DISCOVERY_IS_USER_CONTENT);
                    true
                }
                Err(err) => {
                    receiver.error(err.os_error(), &err.to_string());
                    false
                }
            }
        }
        _ => {
            receiver.error(0, "unknown preset location");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_factory_patch_is_listed_once_with_its_stem() {
        let patches = factory_patches();
        assert!(patches.len() >= 15, "{}", patches.len());
        let stems: std::collections::BTreeSet<_> = patches.iter().map(|(s, _)| *s).collect();
        assert_eq!(stems.len(), patches.len());
        for (stem, patch) in patches {
            let found = resolve_preset(
                CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
                None,
                Some(&CString::new(*stem).unwrap()),
            )
            .unwrap();
            assert_eq!(&found.preset.patch, patch);
            assert_eq!(found.key, Some(format!("factory:{stem}")));
            assert!(found.factory && found.preset.bank_wcube.is_none());
        }
        let err = resolve_preset(CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN, None, Some(c"nope"));
        assert!(matches!(err, Err(PresetLoadError::UnknownFactoryPatch(_))));
        let err = resolve_preset(7, None, Some(c"cube-orbit"));
        assert!(matches!(err, Err(PresetLoadError::UnknownKind(7))));
    }

    #[test]
    fn deleted_and_foreign_files_are_not_user_presets() {
        let dir = Path::new("/home/u/.local/share/wavecube/presets");
        let user = |rel: &str| is_user_preset(&dir.join(rel), Some(dir));
        assert!(user("My Pad.json"));
        assert!(user("pads/My Pad.json"));
        assert!(!user(".trash/My Pad.json"));
        assert!(
            !user(".favourites.json"),
            "the store's favourites list is not a preset"
        );
        assert!(!user("trash/My Pad.json"));
        assert!(!user("My Pad.txt"));
        // A file elsewhere (a host may pass one) is judged by its extension only.
        assert!(is_user_preset(Path::new("/tmp/.x/Pad.json"), Some(dir)));
    }

    #[test]
    fn patch_values_cover_every_contract_setting() {
        let (_, patch) = &factory_patches()[0];
        let values = patch_param_values(patch);
        let settings = wavecube_dsp::patch::ranges::SETTING_COUNT;
        // Every setting plus the three LFO sync switches, the four macros and every effect
        // setting.
        let macros = wavecube_dsp::modulation::MACROS;
        let fx = wavecube_dsp::patch::fx_ranges::FX_SETTING_COUNT;
        assert_eq!(values.len(), settings + 3 + macros + fx, "{values:?}");
    }

    #[test]
    fn a_preset_state_carries_the_matrix_macro_names_fx_order_and_patch_record_only() {
        use wavecube_dsp::modulation::{Destination, Slot, Source};
        use wavecube_dsp::patch::SlotSection;
        let (_, patch) = &factory_patches()[0];
        let mut patch = patch.clone();
        patch.meta.macro_names[1] = "Wobble".into();
        patch.sound.modulation.macros[1] = 0.75;
        patch.sound.fx.order.swap(2, 6);
        patch.sound.fx.delay.enabled = true;
        patch.sound.modulation.slots = vec![SlotSection::from_slot(&Slot::new(
            Source::Macro2,
            Destination::Resonance,
            0.5,
        ))];
        let found = HostPreset {
            preset: Preset::new(patch.clone()),
            key: Some("factory:x".into()),
            factory: true,
        };
        let (state, error) = preset_state(
            &found,
            &PluginState {
                version: String::new(),
                params: BTreeMap::new(),
                fields: BTreeMap::new(),
            },
        );
        assert!(error.is_none());
        assert_eq!(
            state.fields.keys().collect::<Vec<_>>(),
            ["fx_order", "matrix", "patch"]
        );
        let order: crate::fx_params::FxOrder =
            serde_json::from_str(&state.fields["fx_order"]).expect("json");
        assert_eq!(order.0, patch.sound.fx.order);
        assert!(matches!(
            state.params.get("fx_dly_on"),
            Some(ParamValue::Bool(true))
        ));
        let record: crate::macros::MatrixState =
            serde_json::from_str(&state.fields["matrix"]).expect("json");
        assert_eq!(record.macro_names[1], "Wobble");
        assert_eq!(record.slots, patch.sound.modulation.slots);
        assert!(
            matches!(state.params.get("macro2"), Some(ParamValue::F32(v)) if *v == 0.75),
            "{:?}",
            state.params.get("macro2")
        );
    }
}
