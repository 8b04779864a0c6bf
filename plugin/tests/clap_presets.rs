//! CLAP preset discovery and preset loading, driven as a host drives them, on the built plugin
//! binary (see `common/clap.rs`): the preset discovery factory's provider declares its file
//! type and locations to an indexer of ours, lists every factory patch (name, load key,
//! category and tags as features, author, description, plugin id, flags) and, crawling the
//! user folder as a host does, the user preset this test writes there (and not the one in its
//! trash). A preset loaded through `clap.preset-load/2` — a factory patch by load key, the user
//! preset by path, before activation and while processing — renders the same samples
//! (≤ 1e-6) as the same patch applied through the editor's path in-process.

#[path = "common/clap.rs"]
mod clap_host;
mod common;

use std::collections::BTreeMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap_host::{factory, Instance, Note};
use clap_sys::ext::preset_load::{
    clap_plugin_preset_load, CLAP_EXT_PRESET_LOAD, CLAP_EXT_PRESET_LOAD_COMPAT,
};
use clap_sys::factory::preset_discovery::{
    clap_preset_discovery_factory, clap_preset_discovery_filetype, clap_preset_discovery_indexer,
    clap_preset_discovery_location, clap_preset_discovery_metadata_receiver,
    clap_preset_discovery_provider, clap_preset_discovery_soundpack,
    CLAP_PRESET_DISCOVERY_FACTORY_ID, CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT,
    CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT, CLAP_PRESET_DISCOVERY_IS_USER_CONTENT,
    CLAP_PRESET_DISCOVERY_LOCATION_FILE, CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
};
use clap_sys::timestamp::clap_timestamp;
use clap_sys::universal_plugin_id::clap_universal_plugin_id;
use clap_sys::version::CLAP_VERSION;
use common::{max_diff, peak, Event, Host};
use nice_plug::context::gui::GuiContextInner;
use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::params::internals::ParamPtr;
use nice_plug::prelude::*;
use wavecube_dsp::patch::store::Preset;
use wavecube_dsp::patch::{Category, Patch};
use wavecube_plugin::editor;
use wavecube_plugin::params::BankChoice;

/// Largest difference allowed between a preset loaded by the host and the editor's path.
const TOLERANCE: f32 = 1e-6;
/// Sample rate of the renders, Hz.
const SR: f64 = 48_000.0;
/// Block size of the renders, samples.
const BLOCK: usize = 256;
/// Length of the renders, samples.
const LENGTH: usize = 48_000;
/// The notes both renders play (overlapping; velocities exact in f32).
const NOTES: [Note; 3] = [
    (0, 20_000, 48, 0.75),
    (6_000, 30_000, 55, 0.5),
    (24_000, 40_000, 64, 1.0),
];

// ---------------------------------------------------------------------------------------------
// The user folder this test writes

/// The user preset the test writes, its path, and the folder (`$WAVECUBE_PRESET_DIR`, set
/// once for this process before any provider exists).
struct UserPresets {
    dir: PathBuf,
    path: PathBuf,
    patch: Patch,
}

fn user_presets() -> &'static UserPresets {
    static USER: OnceLock<UserPresets> = OnceLock::new();
    USER.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("wavecube-clap-presets-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("pads")).unwrap();
        std::fs::create_dir_all(dir.join(".trash")).unwrap();
        // A factory patch changed into a user's own sound.
        let mut patch = factory_patch("glass-pad");
        patch.meta.name = "My Glass Orbit".into();
        patch.meta.author = "Test User".into();
        patch.meta.category = Category::Sweep;
        patch.meta.description = "Saved by the preset discovery test".into();
        patch.meta.tags = vec!["mine".into(), "test-tag".into()];
        patch.sound.morph = [0.8, 0.25, 0.6];
        patch.sound.filter.cutoff_hz = 3_000.0;
        // Its own modulation: named macros and matrix slots (state the preset-load sets).
        {
            use wavecube_dsp::modulation::{Destination, Slot, Source};
            use wavecube_dsp::patch::SlotSection;
            patch.meta.macro_names[0] = "Shimmer".into();
            patch.sound.modulation.macros = [0.7, 0.0, 0.2, 0.0];
            patch.sound.modulation.slots = [
                Slot::new(Source::Macro1, Destination::Cutoff, -0.3),
                Slot::new(Source::Velocity, Destination::MorphY, 0.4),
                Slot::new(Source::Lfo1, Destination::MorphZ, 0.25),
            ]
            .iter()
            .map(SlotSection::from_slot)
            .collect();
        }
        patch.validate().expect("the user preset is valid");
        let path = dir.join("pads").join("My Glass Orbit.json");
        std::fs::write(&path, patch.to_json_pretty()).unwrap();
        // A deleted one, and a file that is not a patch: neither is listed.
        let mut old = patch.clone();
        old.meta.name = "Deleted Pad".into();
        std::fs::write(
            dir.join(".trash").join("Deleted Pad.json"),
            old.to_json_pretty(),
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "not a preset").unwrap();
        std::env::set_var("WAVECUBE_PRESET_DIR", &dir);
        UserPresets { dir, path, patch }
    })
}

/// Factory patch `stem`, read from `presets/patches` as the harness reads it.
fn factory_patch(stem: &str) -> Patch {
    let path = format!(
        "{}/../presets/patches/{stem}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    wavecube_harness::presets::read_patch(Path::new(&path)).expect("a factory patch")
}

/// Every factory patch on disk: (stem, patch), sorted by stem.
fn factory_patches_on_disk() -> Vec<(String, Patch)> {
    let dir = format!("{}/../presets/patches", env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<(String, Patch)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem.clone(), factory_patch(&stem))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(found.len() >= 15, "only {} factory patches", found.len());
    found
}

// ---------------------------------------------------------------------------------------------
// An indexer and a metadata receiver that record what they are told

/// What the indexer was told in `init`.
#[derive(Default, Debug)]
struct Declared {
    filetypes: Vec<(String, String)>,
    /// (flags, name, kind, location or "null").
    locations: Vec<(u32, String, u32, String)>,
    /// (flags, id, name) of each sound pack.
    soundpacks: Vec<(u32, String, String)>,
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        "null".into()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

unsafe extern "C" fn declare_filetype(
    indexer: *const clap_preset_discovery_indexer,
    filetype: *const clap_preset_discovery_filetype,
) -> bool {
    let declared = unsafe { &mut *((*indexer).indexer_data as *mut Declared) };
    let filetype = unsafe { &*filetype };
    declared
        .filetypes
        .push((text(filetype.name), text(filetype.file_extension)));
    true
}

unsafe extern "C" fn declare_location(
    indexer: *const clap_preset_discovery_indexer,
    location: *const clap_preset_discovery_location,
) -> bool {
    let declared = unsafe { &mut *((*indexer).indexer_data as *mut Declared) };
    let l = unsafe { &*location };
    declared
        .locations
        .push((l.flags, text(l.name), l.kind, text(l.location)));
    true
}

unsafe extern "C" fn declare_soundpack(
    indexer: *const clap_preset_discovery_indexer,
    soundpack: *const clap_preset_discovery_soundpack,
) -> bool {
    let declared = unsafe { &mut *((*indexer).indexer_data as *mut Declared) };
    let pack = unsafe { &*soundpack };
    declared
        .soundpacks
        .push((pack.flags, text(pack.id), text(pack.name)));
    true
}

unsafe extern "C" fn indexer_get_extension(
    _indexer: *const clap_preset_discovery_indexer,
    _id: *const c_char,
) -> *const c_void {
    std::ptr::null()
}

/// One preset as the receiver heard it.
#[derive(Default, Debug, Clone)]
struct Listed {
    name: String,
    load_key: String,
    plugin_ids: Vec<(String, String)>,
    soundpack: Option<String>,
    flags: Option<u32>,
    creators: Vec<String>,
    description: String,
    features: Vec<String>,
}

/// What the receiver heard for one `get_metadata` call.
#[derive(Default, Debug)]
struct Heard {
    presets: Vec<Listed>,
    errors: Vec<String>,
}

fn heard<'a>(r: *const clap_preset_discovery_metadata_receiver) -> &'a mut Heard {
    unsafe { &mut *((*r).receiver_data as *mut Heard) }
}

fn current<'a>(r: *const clap_preset_discovery_metadata_receiver) -> &'a mut Listed {
    heard(r)
        .presets
        .last_mut()
        .expect("metadata before begin_preset")
}

unsafe extern "C" fn on_error(
    r: *const clap_preset_discovery_metadata_receiver,
    os_error: i32,
    message: *const c_char,
) {
    heard(r)
        .errors
        .push(format!("{os_error}: {}", text(message)));
}

unsafe extern "C" fn begin_preset(
    r: *const clap_preset_discovery_metadata_receiver,
    name: *const c_char,
    load_key: *const c_char,
) -> bool {
    heard(r).presets.push(Listed {
        name: text(name),
        load_key: text(load_key),
        ..Listed::default()
    });
    true
}

unsafe extern "C" fn add_plugin_id(
    r: *const clap_preset_discovery_metadata_receiver,
    id: *const clap_universal_plugin_id,
) {
    let id = unsafe { &*id };
    current(r).plugin_ids.push((text(id.abi), text(id.id)));
}

unsafe extern "C" fn set_soundpack_id(
    r: *const clap_preset_discovery_metadata_receiver,
    id: *const c_char,
) {
    current(r).soundpack = Some(text(id));
}

unsafe extern "C" fn set_flags(r: *const clap_preset_discovery_metadata_receiver, flags: u32) {
    current(r).flags = Some(flags);
}

unsafe extern "C" fn add_creator(
    r: *const clap_preset_discovery_metadata_receiver,
    creator: *const c_char,
) {
    current(r).creators.push(text(creator));
}

unsafe extern "C" fn set_description(
    r: *const clap_preset_discovery_metadata_receiver,
    description: *const c_char,
) {
    current(r).description = text(description);
}

unsafe extern "C" fn set_timestamps(
    _r: *const clap_preset_discovery_metadata_receiver,
    _created: clap_timestamp,
    _modified: clap_timestamp,
) {
}

unsafe extern "C" fn add_feature(
    r: *const clap_preset_discovery_metadata_receiver,
    feature: *const c_char,
) {
    current(r).features.push(text(feature));
}

unsafe extern "C" fn add_extra_info(
    _r: *const clap_preset_discovery_metadata_receiver,
    _key: *const c_char,
    _value: *const c_char,
) {
}

/// A provider created and initialised with our indexer (kept alive with it).
struct Provider {
    provider: *const clap_preset_discovery_provider,
    _indexer: Box<clap_preset_discovery_indexer>,
    declared: Box<Declared>,
}

impl Provider {
    fn new() -> Self {
        user_presets();
        let factory =
            factory(CLAP_PRESET_DISCOVERY_FACTORY_ID) as *const clap_preset_discovery_factory;
        assert!(!factory.is_null(), "no preset discovery factory");
        let mut declared = Box::<Declared>::default();
        let indexer = Box::new(clap_preset_discovery_indexer {
            clap_version: CLAP_VERSION,
            name: c"wavecube-test-indexer".as_ptr(),
            vendor: c"Wavecube developers".as_ptr(),
            url: c"".as_ptr(),
            version: c"1".as_ptr(),
            indexer_data: &mut *declared as *mut Declared as *mut c_void,
            declare_filetype: Some(declare_filetype),
            declare_location: Some(declare_location),
            declare_soundpack: Some(declare_soundpack),
            get_extension: Some(indexer_get_extension),
        });
        // SAFETY: the factory's and provider's functions, in the spec's order.
        unsafe {
            let factory = &*factory;
            assert_eq!((factory.count.unwrap())(factory), 1);
            let desc = (factory.get_descriptor.unwrap())(factory, 0);
            assert!(!desc.is_null());
            assert!((factory.get_descriptor.unwrap())(factory, 1).is_null());
            assert_eq!(text((*desc).name), "Wavecube presets");
            let provider = (factory.create.unwrap())(factory, &*indexer, (*desc).id);
            assert!(!provider.is_null(), "create the provider");
            assert!(
                (factory.create.unwrap())(factory, &*indexer, c"someone.else".as_ptr()).is_null()
            );
            assert!(((*provider).init.unwrap())(provider), "provider init");
            Provider {
                provider,
                _indexer: indexer,
                declared,
            }
        }
    }

    /// The presets the provider lists for one location (`None`: the plugin location).
    fn metadata(&self, kind: u32, location: Option<&Path>) -> (bool, Heard) {
        let mut heard = Heard::default();
        let receiver = clap_preset_discovery_metadata_receiver {
            receiver_data: &mut heard as *mut Heard as *mut c_void,
            on_error: Some(on_error),
            begin_preset: Some(begin_preset),
            add_plugin_id: Some(add_plugin_id),
            set_soundpack_id: Some(set_soundpack_id),
            set_flags: Some(set_flags),
            add_creator: Some(add_creator),
            set_description: Some(set_description),
            set_timestamps: Some(set_timestamps),
            add_feature: Some(add_feature),
            add_extra_info: Some(add_extra_info),
        };
        let location = location.map(|p| CString::new(p.to_string_lossy().as_bytes()).unwrap());
        // SAFETY: the provider's function; the receiver outlives the call.
        let ok = unsafe {
            ((*self.provider).get_metadata.unwrap())(
                self.provider,
                kind,
                location.as_ref().map_or(std::ptr::null(), |l| l.as_ptr()),
                &receiver,
            )
        };
        (ok, heard)
    }

    /// Crawls a file location as a host does: every file with a declared extension below
    /// `dir`, recursively, asked for its metadata.
    fn crawl(&self, dir: &Path) -> Vec<(PathBuf, Listed)> {
        let extensions: Vec<&str> = self
            .declared
            .filetypes
            .iter()
            .map(|f| f.1.as_str())
            .collect();
        let mut files = Vec::new();
        let mut stack = vec![dir.to_owned()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p
                    .extension()
                    .is_some_and(|x| extensions.contains(&x.to_string_lossy().as_ref()))
                {
                    files.push(p);
                }
            }
        }
        files.sort();
        let mut listed = Vec::new();
        for file in files {
            let (ok, heard) = self.metadata(CLAP_PRESET_DISCOVERY_LOCATION_FILE, Some(&file));
            assert!(ok, "{}: {:?}", file.display(), heard.errors);
            assert!(heard.presets.len() <= 1, "one preset per file");
            listed.extend(heard.presets.into_iter().map(|p| (file.clone(), p)));
        }
        listed
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        // SAFETY: created by the factory, destroyed once.
        unsafe { ((*self.provider).destroy.unwrap())(self.provider) };
    }
}

/// The features a patch is listed with: the plugin kind, its category, its tags.
fn expected_features(patch: &Patch) -> Vec<String> {
    let mut f = vec![
        "instrument".to_owned(),
        "synthesizer".to_owned(),
        patch.meta.category.name().to_owned(),
    ];
    f.extend(patch.meta.tags.iter().cloned());
    f
}

fn assert_listed(listed: &Listed, patch: &Patch, load_key: &str, flags: u32) {
    assert_eq!(listed.name, patch.meta.name);
    assert_eq!(listed.load_key, load_key, "{}", patch.meta.name);
    assert_eq!(
        listed.plugin_ids,
        [("clap".to_owned(), "org.wavecube.wavecube".to_owned())]
    );
    assert_eq!(listed.flags, Some(flags), "{}", patch.meta.name);
    let pack = (flags == CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT)
        .then(|| "org.wavecube.wavecube.factory".to_owned());
    assert_eq!(listed.soundpack, pack, "{}", patch.meta.name);
    assert_eq!(listed.creators, std::slice::from_ref(&patch.meta.author));
    assert_eq!(listed.description, patch.meta.description);
    assert_eq!(listed.features, expected_features(patch));
}

#[test]
fn discovery_lists_every_factory_patch_and_the_user_preset() {
    let user = user_presets();
    assert_eq!(
        factory(CLAP_PRESET_DISCOVERY_FACTORY_ID),
        factory(CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT),
        "the draft id gives the same factory"
    );
    let provider = Provider::new();
    let declared = &provider.declared;
    assert_eq!(
        declared.filetypes,
        [("Wavecube patch".to_owned(), "json".to_owned())]
    );
    assert_eq!(
        declared.locations,
        [
            (
                CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
                "Wavecube factory patches".to_owned(),
                CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
                "null".to_owned()
            ),
            (
                CLAP_PRESET_DISCOVERY_IS_USER_CONTENT,
                "Wavecube user presets".to_owned(),
                CLAP_PRESET_DISCOVERY_LOCATION_FILE,
                user.dir.to_string_lossy().into_owned()
            ),
        ]
    );

    assert_eq!(
        declared.soundpacks,
        [(
            CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
            "org.wavecube.wavecube.factory".to_owned(),
            "Wavecube factory patches".to_owned()
        )]
    );

    // The factory location: every patch on disk, once, by its stem.
    let (ok, heard) = provider.metadata(CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN, None);
    assert!(ok && heard.errors.is_empty(), "{:?}", heard.errors);
    let on_disk = factory_patches_on_disk();
    assert_eq!(heard.presets.len(), on_disk.len());
    let by_key: BTreeMap<&str, &Listed> = heard
        .presets
        .iter()
        .map(|p| (p.load_key.as_str(), p))
        .collect();
    for (stem, patch) in &on_disk {
        let listed = by_key
            .get(stem.as_str())
            .unwrap_or_else(|| panic!("factory patch {stem} not listed"));
        assert_listed(
            listed,
            patch,
            stem,
            CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
        );
        assert_eq!(listed.creators, ["Wavecube"]);
    }

    // The user location, crawled: the saved preset, not the deleted one, not the text file.
    let crawled = provider.crawl(&user.dir);
    assert_eq!(crawled.len(), 1, "{crawled:?}");
    assert_eq!(crawled[0].0, user.path);
    assert_listed(
        &crawled[0].1,
        &user.patch,
        "null",
        CLAP_PRESET_DISCOVERY_IS_USER_CONTENT,
    );

    // A broken file is an error the receiver hears, not a crash.
    let broken = user.dir.join("broken.json");
    std::fs::write(
        &broken,
        "{ \"format\": \"wavecube-patch\", \"version\": 99 }",
    )
    .unwrap();
    let (ok, heard) = provider.metadata(CLAP_PRESET_DISCOVERY_LOCATION_FILE, Some(&broken));
    std::fs::remove_file(&broken).unwrap();
    assert!(!ok);
    assert!(heard.presets.is_empty());
    assert_eq!(heard.errors.len(), 1, "{:?}", heard.errors);
    assert!(
        heard.errors[0].contains("broken.json"),
        "{:?}",
        heard.errors
    );
}

// ---------------------------------------------------------------------------------------------
// Loading

/// The instance's preset-load extension.
fn preset_load(instance: &Instance) -> &'static clap_plugin_preset_load {
    let ext = instance.extension(CLAP_EXT_PRESET_LOAD) as *const clap_plugin_preset_load;
    assert!(!ext.is_null(), "no preset-load extension");
    assert_eq!(
        instance.extension(CLAP_EXT_PRESET_LOAD_COMPAT),
        ext as *const c_void,
        "the draft id gives the same extension"
    );
    // SAFETY: a static table in the plugin binary, which is never unloaded.
    unsafe { &*ext }
}

/// Asks `instance` to load a preset; returns what `from_location` returned.
fn load(instance: &Instance, kind: u32, location: Option<&Path>, key: Option<&str>) -> bool {
    let location = location.map(|p| CString::new(p.to_string_lossy().as_bytes()).unwrap());
    let key = key.map(|k| CString::new(k).unwrap());
    let ext = preset_load(instance);
    // SAFETY: main thread, the extension's function.
    unsafe {
        (ext.from_location.unwrap())(
            instance.plugin,
            kind,
            location.as_ref().map_or(std::ptr::null(), |l| l.as_ptr()),
            key.as_ref().map_or(std::ptr::null(), |k| k.as_ptr()),
        )
    }
}

/// A host context for the editor's path: like a wrapper, it takes each change as a
/// normalised value and sets the parameter to it.
struct EditorHost;

impl GuiContextInner for EditorHost {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    unsafe fn raw_begin_set_parameter(&self, _param: ParamPtr) {}
    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        // SAFETY: the editor's path passes pointers into the parameters it borrows.
        unsafe { param._internal_set_normalized_value(normalized) };
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

/// The reference: `patch` applied in-process through the editor's path before activation,
/// rendered with the same notes and blocks.
fn editor_render(patch: &Patch) -> [Vec<f32>; 2] {
    editor_render_with(|params, setter| editor::apply_patch(params, patch, setter))
}

/// The reference for any editor action `load` (run before activation), rendered as
/// [`editor_render`] renders.
fn editor_render_with(
    load: impl FnOnce(&wavecube_plugin::params::WavecubeParams, &ParamSetter),
) -> [Vec<f32>; 2] {
    let mut host = Host::new_with(&[], |plugin| {
        load(plugin.wavecube_params(), &ParamSetter::new(&EditorHost));
    });
    let mut at = 0;
    while at < LENGTH {
        let n = BLOCK.min(LENGTH - at);
        let mut events: Vec<(u32, Event)> = Vec::new();
        for &(on, off, key, velocity) in &NOTES {
            let (channel, key, voice_id) = (
                Channel::Number(0),
                Key::Number(key as u8),
                VoiceID::Wildcard,
            );
            if (at..at + n).contains(&on) {
                let timing = (on - at) as u32;
                events.push((
                    timing,
                    NoteEvent::NoteOn {
                        timing,
                        voice_id,
                        channel,
                        key,
                        velocity: velocity as f32,
                    },
                ));
            }
            if (at..at + n).contains(&off) {
                let timing = (off - at) as u32;
                events.push((
                    timing,
                    NoteEvent::NoteOff {
                        timing,
                        voice_id,
                        channel,
                        key,
                        velocity: 0.0,
                    },
                ));
            }
        }
        events.sort_by_key(|e| e.0);
        let events: Vec<Event> = events.into_iter().map(|e| e.1).collect();
        host.block(n, &events);
        at += n;
    }
    host.out
}

/// Compares a host-loaded render with the editor's path.
fn assert_same_sound(what: &str, plugin: &[Vec<f32>; 2], reference: &[Vec<f32>; 2]) {
    let level = peak(&reference[0]).max(peak(&reference[1]));
    assert!(level > 0.01, "{what}: the reference is silent ({level})");
    for ch in 0..2 {
        assert!(
            plugin[ch].iter().all(|x| x.is_finite()),
            "{what}: non-finite output"
        );
        let diff = max_diff(&plugin[ch], &reference[ch]);
        println!("{what}: channel {ch}: peak {level:.3}, max difference {diff:.2e}");
        assert!(
            diff <= TOLERANCE,
            "{what}: channel {ch} differs by {diff:e} (allowed {TOLERANCE:e})"
        );
    }
}

/// A preset to load: (what, location kind, location, load key, the patch it holds).
type LoadCase = (String, u32, Option<&'static Path>, Option<String>, Patch);

#[test]
fn a_loaded_preset_sounds_as_the_editor_path_before_activation() {
    let user = user_presets();
    // Every factory patch by its load key, then the user preset by its path.
    let mut cases: Vec<LoadCase> = factory_patches_on_disk()
        .into_iter()
        .map(|(stem, patch)| {
            (
                format!("factory {stem}"),
                CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
                None,
                Some(stem),
                patch,
            )
        })
        .collect();
    cases.push((
        "user preset".to_owned(),
        CLAP_PRESET_DISCOVERY_LOCATION_FILE,
        Some(user.path.as_path()),
        None,
        user.patch.clone(),
    ));
    for (i, (what, kind, location, key, patch)) in cases.iter().enumerate() {
        let (what, kind, location, key) = (what.as_str(), *kind, *location, key.as_deref());
        let mut instance = Instance::new();
        assert!(
            load(&instance, kind, location, key),
            "{what}: from_location"
        );
        let loaded = instance.host.data.calls_like("preset_load.");
        let location_text =
            location.map_or("null".to_owned(), |l| l.to_string_lossy().into_owned());
        assert_eq!(
            loaded,
            [format!(
                "preset_load.loaded({kind}, {location_text}, {}) on main",
                key.unwrap_or("null")
            )],
            "{what}"
        );
        assert!(
            !instance
                .host
                .data
                .calls_like("params.rescan(0x1)")
                .is_empty(),
            "{what}: the host is told the values changed"
        );
        instance.activate(SR, BLOCK as u32);
        let out = instance.render(LENGTH, BLOCK, &NOTES, |_| {});
        let reference = editor_render(patch);
        assert_same_sound(what, &out, &reference);
        if i > 0 {
            continue;
        }
        // The comparison can tell: an instance that loaded nothing sounds different.
        let mut plain = Instance::new();
        plain.activate(SR, BLOCK as u32);
        let other = plain.render(LENGTH, BLOCK, &NOTES, |_| {});
        let diff = max_diff(&other[0], &reference[0]);
        assert!(
            diff > 1e-3,
            "{what}: the default sound is {diff:e} from the preset"
        );
    }
}

#[test]
fn a_preset_with_an_embedded_bank_plays_that_bank_as_the_browser_would() {
    let dir = std::env::temp_dir().join(format!("wavecube-clap-embedded-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Where the plugin writes banks that arrive as bytes: not the real home.
    std::env::set_var("XDG_DATA_HOME", dir.join("data"));
    let wcube = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../presets/banks/vowel-formants.wcube"
    ))
    .unwrap();
    // A user's preset, sent by a friend: a file outside the user folder, its bank inside.
    let mut patch = factory_patch("glass-pad");
    patch.meta.name = "Vowel Glass".into();
    patch.meta.bank = Some("friends vowels".into());
    patch.sound.morph = [0.3, 0.7, 0.5];
    let preset = Preset {
        patch,
        bank_wcube: Some(wcube),
    };
    let path = dir.join("Vowel Glass.json");
    // Trailing white space makes it as large as a preset with a big imported bank (over
    // the 1 MiB a bare patch may be), still valid JSON.
    let text = preset.to_json() + &" ".repeat(wavecube_dsp::patch::MAX_PATCH_BYTES);
    std::fs::write(&path, text).unwrap();

    let mut instance = Instance::new();
    assert!(load(
        &instance,
        CLAP_PRESET_DISCOVERY_LOCATION_FILE,
        Some(&path),
        None
    ));
    let bank = instance
        .param_values()
        .into_iter()
        .find(|(name, _)| name == "Bank")
        .expect("a Bank parameter")
        .1;
    assert_eq!(
        bank,
        BankChoice::File.to_index() as f64,
        "the preset's embedded bank is the file bank"
    );
    instance.activate(SR, BLOCK as u32);
    let out = instance.render(LENGTH, BLOCK, &NOTES, |_| {});
    let reference = editor_render_with(|params, setter| {
        editor::load_preset(params, &preset, setter).expect("the editor loads it");
    });
    assert_same_sound("embedded bank", &out, &reference);
    // The check can fail: the same sound on the patch's own factory bank differs.
    let on_factory = editor_render(&preset.patch);
    let diff = max_diff(&on_factory[0], &reference[0]);
    assert!(diff > 1e-3, "the bank makes no difference ({diff:e})");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_preset_loaded_while_processing_reaches_the_audio_thread() {
    // The values a preset loaded while inactive gives.
    let expected = {
        let instance = Instance::new();
        assert!(load(
            &instance,
            CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
            None,
            Some("electric-keys")
        ));
        instance.param_values()
    };
    let mut instance = Instance::new();
    let before = instance.param_values();
    assert_ne!(before, expected, "the preset changes some parameter");
    instance.activate(SR, BLOCK as u32);
    let mut loaded = false;
    instance.render(BLOCK * 8, BLOCK, &[], |i| {
        loaded = load(
            i,
            CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
            None,
            Some("electric-keys"),
        );
    });
    assert!(loaded, "from_location while processing");
    assert_eq!(instance.param_values(), expected);
    let out = instance.render(LENGTH / 4, BLOCK, &NOTES, |_| {});
    let level = peak(&out[0]).max(peak(&out[1]));
    assert!(level > 0.01 && level < 4.0, "after the load: peak {level}");
    assert!(!instance
        .host
        .data
        .calls_like("preset_load.loaded(1, null, electric-keys) on main")
        .is_empty());
}

#[test]
fn a_missing_preset_is_an_error_the_host_hears() {
    let user = user_presets();
    let instance = Instance::new();
    let before = instance.param_values();
    assert!(!load(
        &instance,
        CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
        None,
        Some("no-such-patch")
    ));
    let missing = user.dir.join("gone.json");
    assert!(!load(
        &instance,
        CLAP_PRESET_DISCOVERY_LOCATION_FILE,
        Some(&missing),
        None
    ));
    assert!(!load(&instance, 9, None, Some("cube-orbit")));
    let errors = instance.host.data.calls_like("preset_load.on_error");
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("no-such-patch"), "{errors:?}");
    // The OS's error number (not 0), with the path in the message.
    assert!(
        !errors[1].contains(", 0, ") && errors[1].contains("gone.json"),
        "{errors:?}"
    );
    assert!(instance
        .host
        .data
        .calls_like("preset_load.loaded")
        .is_empty());
    assert_eq!(
        instance.param_values(),
        before,
        "a failed load changes nothing"
    );
}
