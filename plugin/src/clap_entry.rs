//! The CLAP entry point (`clap_entry`), written out instead of `nice_export_clap!` so the
//! binary can offer more than nice-plug's plugin factory: `get_factory` also answers
//! `clap.preset-discovery-factory/2` ([`crate::presets_clap`]), and each plugin instance also
//! offers the `clap.preset-load/2` extension.
//!
//! The plugin factory is the macro's expansion for one plugin: descriptors and instances come
//! from nice-plug's public `wrapper::clap` items ([`PluginDescriptor`], [`Wrapper`]). After
//! [`Wrapper::new`] builds an instance, its `clap_plugin` table (a public field) gets two of
//! its functions swapped: `get_extension` answers the preset-load id itself and forwards
//! every other id to nice-plug's own function; `destroy` forgets the instance's host, then
//! calls nice-plug's. Everything else is nice-plug's, untouched.
//!
//! Why not the alternatives: nice-plug 0.4.2 has no hook to add a factory or an extension
//! (`get_factory` and `get_extension` are fixed in the macro and the wrapper), and vendoring
//! nice-plug through `[patch.crates-io]` would mean carrying a fork of a 3,500-line wrapper
//! for two function pointers.
//!
//! Loading a preset (`preset_load_from_location`, main thread): the patch is resolved
//! ([`presets_clap::resolve_preset`]), turned into the parameter values the editor's
//! browser would set ([`presets_clap::preset_state`]: a user preset's bank too), and set with
//! [`Wrapper::set_state_inner`], the function nice-plug loads a host's `clap.state` with: at
//! once, on the main thread, also while the plugin processes (the parameters are atomics),
//! so the audio thread neither waits nor allocates. The host then gets
//! `params.rescan(VALUES)` and `preset_load.loaded`, or `preset_load.on_error` with the
//! reason. No parameter gesture is
//! sent, so a host records no automation for a preset load.

use std::ffi::{c_char, c_void, CStr};
use std::sync::{Arc, Mutex, OnceLock};

use clap_sys::entry::clap_plugin_entry;
use clap_sys::ext::preset_load::{
    clap_host_preset_load, clap_plugin_preset_load, CLAP_EXT_PRESET_LOAD,
    CLAP_EXT_PRESET_LOAD_COMPAT,
};
use clap_sys::factory::plugin_factory::{clap_plugin_factory, CLAP_PLUGIN_FACTORY_ID};
use clap_sys::factory::preset_discovery::{
    clap_preset_discovery_location_kind, CLAP_PRESET_DISCOVERY_FACTORY_ID,
    CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT,
};
use clap_sys::host::clap_host;
use clap_sys::plugin::{clap_plugin, clap_plugin_descriptor};
use clap_sys::version::CLAP_VERSION;
use nice_plug::prelude::nice_log;
use nice_plug::wrapper::clap::{PluginDescriptor, Wrapper};
use nice_plug::wrapper::setup_logger;

use crate::presets_clap;
use crate::Wavecube;

/// The CLAP plugin's entry point.
#[unsafe(no_mangle)]
#[used]
pub static clap_entry: clap_plugin_entry = clap_plugin_entry {
    clap_version: CLAP_VERSION,
    init: Some(entry_init),
    deinit: Some(entry_deinit),
    get_factory: Some(entry_get_factory),
};

extern "C" fn entry_init(_plugin_path: *const c_char) -> bool {
    setup_logger::<Wavecube>();
    true
}

extern "C" fn entry_deinit() {}

extern "C" fn entry_get_factory(factory_id: *const c_char) -> *const c_void {
    if factory_id.is_null() {
        return std::ptr::null();
    }
    // SAFETY: a C string from the host.
    let id = unsafe { CStr::from_ptr(factory_id) };
    if id == CLAP_PLUGIN_FACTORY_ID {
        &PLUGIN_FACTORY as *const _ as *const c_void
    } else if id == CLAP_PRESET_DISCOVERY_FACTORY_ID
        || id == CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT
    {
        &presets_clap::PRESET_DISCOVERY_FACTORY as *const _ as *const c_void
    } else {
        std::ptr::null()
    }
}

// ---------------------------------------------------------------------------------------------
// The plugin factory (nice-plug's, for one plugin)

static PLUGIN_FACTORY: clap_plugin_factory = clap_plugin_factory {
    get_plugin_count: Some(get_plugin_count),
    get_plugin_descriptor: Some(get_plugin_descriptor),
    create_plugin: Some(create_plugin),
};

fn descriptor() -> &'static PluginDescriptor {
    static DESCRIPTOR: OnceLock<PluginDescriptor> = OnceLock::new();
    DESCRIPTOR.get_or_init(PluginDescriptor::for_plugin::<Wavecube>)
}

unsafe extern "C" fn get_plugin_count(_factory: *const clap_plugin_factory) -> u32 {
    1
}

unsafe extern "C" fn get_plugin_descriptor(
    _factory: *const clap_plugin_factory,
    index: u32,
) -> *const clap_plugin_descriptor {
    if index == 0 {
        descriptor().clap_plugin_descriptor()
    } else {
        std::ptr::null()
    }
}

/// nice-plug's `get_extension` and `destroy` for Wavecube, read from the first instance's
/// table (every instance has the same).
struct Forward {
    get_extension: unsafe extern "C" fn(*const clap_plugin, *const c_char) -> *const c_void,
    destroy: unsafe extern "C" fn(*const clap_plugin),
}

static FORWARD: OnceLock<Forward> = OnceLock::new();

/// Each live instance's host: `(clap_plugin address, clap_host address)`, for the preset-load
/// callbacks (nice-plug keeps its host pointer private).
static HOSTS: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());

fn hosts() -> std::sync::MutexGuard<'static, Vec<(usize, usize)>> {
    HOSTS.lock().unwrap_or_else(|e| e.into_inner())
}

unsafe extern "C" fn create_plugin(
    _factory: *const clap_plugin_factory,
    host: *const clap_host,
    plugin_id: *const c_char,
) -> *const clap_plugin {
    if plugin_id.is_null() || host.is_null() {
        return std::ptr::null();
    }
    // SAFETY: a C string from the host.
    if unsafe { CStr::from_ptr(plugin_id) } != descriptor().clap_id() {
        return std::ptr::null();
    }
    // SAFETY: the host outlives the instance (the spec).
    let wrapper = unsafe { Wrapper::<Wavecube>::new(host) };
    let plugin = {
        let mut table = wrapper.clap_plugin.borrow_mut();
        let (Some(get_extension), Some(destroy)) = (table.get_extension, table.destroy) else {
            return std::ptr::null();
        };
        FORWARD.get_or_init(|| Forward {
            get_extension,
            destroy,
        });
        table.get_extension = Some(plugin_get_extension);
        table.destroy = Some(plugin_destroy);
        wrapper.clap_plugin.as_ptr() as *const clap_plugin
    };
    hosts().push((plugin as usize, host as usize));
    // As the macro does: the `Arc` is turned back into one and dropped in nice-plug's
    // `destroy`.
    let _ = Arc::into_raw(wrapper);
    plugin
}

unsafe extern "C" fn plugin_destroy(plugin: *const clap_plugin) {
    hosts().retain(|&(p, _)| p != plugin as usize);
    if let Some(forward) = FORWARD.get() {
        // SAFETY: nice-plug's own `destroy` for this instance.
        unsafe { (forward.destroy)(plugin) };
    }
}

static PRESET_LOAD: clap_plugin_preset_load = clap_plugin_preset_load {
    from_location: Some(preset_load_from_location),
};

unsafe extern "C" fn plugin_get_extension(
    plugin: *const clap_plugin,
    id: *const c_char,
) -> *const c_void {
    if !id.is_null() {
        // SAFETY: a C string from the host.
        let name = unsafe { CStr::from_ptr(id) };
        if name == CLAP_EXT_PRESET_LOAD || name == CLAP_EXT_PRESET_LOAD_COMPAT {
            return &PRESET_LOAD as *const _ as *const c_void;
        }
    }
    match FORWARD.get() {
        // SAFETY: nice-plug's own `get_extension` for this instance.
        Some(forward) => unsafe { (forward.get_extension)(plugin, id) },
        None => std::ptr::null(),
    }
}

/// The host's preset-load extension for `plugin`, if the host has one.
///
/// # Safety
/// Main thread, `plugin` a live instance.
unsafe fn host_preset_load(
    plugin: *const clap_plugin,
) -> Option<(*const clap_host, &'static clap_host_preset_load)> {
    let host = hosts()
        .iter()
        .find(|&&(p, _)| p == plugin as usize)
        .map(|&(_, h)| h as *const clap_host)?;
    // SAFETY: the host outlives its instances; its table is valid.
    unsafe {
        let get = (*host).get_extension?;
        let mut ext = get(host, CLAP_EXT_PRESET_LOAD.as_ptr());
        if ext.is_null() {
            ext = get(host, CLAP_EXT_PRESET_LOAD_COMPAT.as_ptr());
        }
        (!ext.is_null()).then(|| (host, &*(ext as *const clap_host_preset_load)))
    }
}

/// `clap_plugin_preset_load.from_location` [main-thread]: loads the preset the host names
/// (see the module docs) and reports the outcome to the host.
unsafe extern "C" fn preset_load_from_location(
    plugin: *const clap_plugin,
    location_kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
) -> bool {
    // SAFETY: the host's pointers, valid for this call (the spec).
    if plugin.is_null() || unsafe { (*plugin).plugin_data }.is_null() {
        return false;
    }
    let opt = |p: *const c_char| (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) });
    let result = presets_clap::resolve_preset(location_kind, opt(location), opt(load_key));
    // SAFETY: main thread, a live instance.
    let host = unsafe { host_preset_load(plugin) };
    match result {
        Ok(found) => {
            // SAFETY: `plugin_data` is the instance's `Wrapper<Wavecube>` (set by nice-plug).
            let wrapper = unsafe { &*((*plugin).plugin_data as *const Wrapper<Wavecube>) };
            // As nice-plug loads a host's `clap.state`: at once, on this thread, also while
            // processing (the parameters are atomics); the audio thread neither waits nor
            // allocates. (`set_state_object_from_gui` would hand the values to the audio
            // thread through a rendezvous channel, which allocates and waits there.)
            let (mut state, bank_error) =
                presets_clap::preset_state(&found, &wrapper.get_state_object());
            if let Some(err) = bank_error {
                // As in the editor: the sound is loaded, on the bank that played before.
                nice_log!("Wavecube: preset {:?}: {err}", found.preset.patch.meta.name);
            }
            if !wrapper.set_state_inner(&mut state) {
                return false;
            }
            if let Some((host, ext)) = host {
                if let Some(loaded) = ext.loaded {
                    // SAFETY: the host's callback, main thread.
                    unsafe { loaded(host, location_kind, location, load_key) };
                }
            }
            true
        }
        Err(err) => {
            if let Some((host, ext)) = host {
                if let Some(on_error) = ext.on_error {
                    let message = std::ffi::CString::new(err.to_string().replace('\0', " "))
                        .unwrap_or_default();
                    // SAFETY: the host's callback, main thread.
                    unsafe {
                        on_error(
                            host,
                            location_kind,
                            location,
                            load_key,
                            err.os_error(),
                            message.as_ptr(),
                        )
                    };
                }
            }
            false
        }
    }
}
