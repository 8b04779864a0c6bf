//! A small CLAP host for tests that drive the built plugin binary as a host does: it finds and
//! loads the `cdylib` (or `$WAVECUBE_CLAP`) with `libloading`, gets its factories, and runs
//! instances through `clap-sys` (create, init, activate, process on an audio thread of its
//! own, the params and preset-load extensions). The host's callbacks record what the plugin
//! called. Include it with `#[path = "common/clap.rs"] mod clap_host;`.

#![allow(dead_code)] // each test file uses part of it

use std::ffi::{c_char, c_void, CStr, CString};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;

use clap_sys::audio_buffer::clap_audio_buffer;
use clap_sys::entry::clap_plugin_entry;
use clap_sys::events::{
    clap_event_header, clap_event_note, clap_input_events, clap_output_events,
    CLAP_CORE_EVENT_SPACE_ID, CLAP_EVENT_NOTE_OFF, CLAP_EVENT_NOTE_ON,
};
use clap_sys::ext::params::{
    clap_host_params, clap_param_clear_flags, clap_param_info, clap_param_rescan_flags,
    clap_plugin_params, CLAP_EXT_PARAMS,
};
use clap_sys::ext::preset_load::{clap_host_preset_load, CLAP_EXT_PRESET_LOAD};
use clap_sys::ext::thread_check::{clap_host_thread_check, CLAP_EXT_THREAD_CHECK};
use clap_sys::factory::plugin_factory::{clap_plugin_factory, CLAP_PLUGIN_FACTORY_ID};
use clap_sys::factory::preset_discovery::clap_preset_discovery_location_kind;
use clap_sys::host::clap_host;
use clap_sys::plugin::clap_plugin;
use clap_sys::process::{clap_process, CLAP_PROCESS_ERROR};
use clap_sys::version::CLAP_VERSION;

/// The plugin's CLAP id.
pub const PLUGIN_ID: &CStr = c"org.wavecube.wavecube";

/// The plugin binary: `$WAVECUBE_CLAP`, else the `cdylib` cargo built with this test (next to
/// the test executable, in `target/<profile>/deps`, or one folder up).
pub fn plugin_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("WAVECUBE_CLAP") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    let deps = exe.parent().expect("the deps folder");
    let name = format!(
        "{}wavecube_plugin{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [deps.join(&name), deps.join("..").join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "no {name} next to {} (cargo builds it with the tests; or set WAVECUBE_CLAP)",
                exe.display()
            )
        })
}

/// The loaded binary's entry, initialised once per test process and never unloaded (the
/// plugin's threads may outlive a test).
pub fn entry() -> &'static clap_plugin_entry {
    struct Entry(&'static clap_plugin_entry);
    // SAFETY: the entry is an immutable table of functions callable from any thread.
    unsafe impl Send for Entry {}
    unsafe impl Sync for Entry {}
    static ENTRY: OnceLock<Entry> = OnceLock::new();
    ENTRY
        .get_or_init(|| {
            let path = plugin_binary();
            // SAFETY: loading our own plugin binary, whose initialisers are nice-plug's.
            let library = unsafe { libloading::Library::new(&path) }.expect("dlopen the plugin");
            let library: &'static libloading::Library = Box::leak(Box::new(library));
            // SAFETY: `clap_entry` is the exported `clap_plugin_entry` static.
            let entry: &'static clap_plugin_entry = unsafe {
                let symbol: libloading::Symbol<*const clap_plugin_entry> =
                    library.get(b"clap_entry\0").expect("a clap_entry symbol");
                &**symbol
            };
            let c_path = CString::new(path.to_string_lossy().as_bytes()).unwrap();
            // SAFETY: the entry's init, called once, first.
            assert!(unsafe { (entry.init.unwrap())(c_path.as_ptr()) }, "init");
            Entry(entry)
        })
        .0
}

/// The factory with id `id`, or null.
pub fn factory(id: &CStr) -> *const c_void {
    // SAFETY: the entry's function, after init.
    unsafe { (entry().get_factory.unwrap())(id.as_ptr()) }
}

// ---------------------------------------------------------------------------------------------
// The host side

/// What the host saw, for one instance.
pub struct HostData {
    /// The main thread: the one that created the instance.
    pub main: ThreadId,
    /// The audio thread while one runs.
    pub audio: Mutex<Option<ThreadId>>,
    /// Every host call, in order, in words.
    pub calls: Mutex<Vec<String>>,
    /// The plugin asked for `on_main_thread`.
    pub callback: AtomicBool,
}

impl HostData {
    fn record(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    /// The calls whose text starts with `prefix`.
    pub fn calls_like(&self, prefix: &str) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.starts_with(prefix))
            .cloned()
            .collect()
    }
}

/// The `clap_host` table and what it points at.
pub struct TestHost {
    /// The table the plugin gets.
    pub clap: clap_host,
    /// What the host saw.
    pub data: HostData,
}

impl TestHost {
    /// A host whose main thread is this one.
    pub fn new() -> Box<Self> {
        let mut host = Box::new(TestHost {
            clap: clap_host {
                clap_version: CLAP_VERSION,
                host_data: std::ptr::null_mut(),
                name: c"wavecube-test-host".as_ptr(),
                vendor: c"Wavecube developers".as_ptr(),
                url: c"".as_ptr(),
                version: c"1".as_ptr(),
                get_extension: Some(host_get_extension),
                request_restart: Some(host_request_restart),
                request_process: Some(host_request_process),
                request_callback: Some(host_request_callback),
            },
            data: HostData {
                main: std::thread::current().id(),
                audio: Mutex::new(None),
                calls: Mutex::new(Vec::new()),
                callback: AtomicBool::new(false),
            },
        });
        host.clap.host_data = &host.data as *const HostData as *mut c_void;
        host
    }
}

/// The host data behind `host`.
///
/// # Safety
/// `host` is a [`TestHost`]'s `clap` field.
unsafe fn data<'a>(host: *const clap_host) -> &'a HostData {
    unsafe { &*((*host).host_data as *const HostData) }
}

static THREAD_CHECK: clap_host_thread_check = clap_host_thread_check {
    is_main_thread: Some(host_is_main_thread),
    is_audio_thread: Some(host_is_audio_thread),
};
static PARAMS: clap_host_params = clap_host_params {
    rescan: Some(host_params_rescan),
    clear: Some(host_params_clear),
    request_flush: Some(host_params_request_flush),
};
static PRESET_LOAD: clap_host_preset_load = clap_host_preset_load {
    on_error: Some(host_preset_on_error),
    loaded: Some(host_preset_loaded),
};

unsafe extern "C" fn host_get_extension(
    _host: *const clap_host,
    id: *const c_char,
) -> *const c_void {
    let id = unsafe { CStr::from_ptr(id) };
    if id == CLAP_EXT_THREAD_CHECK {
        &THREAD_CHECK as *const _ as *const c_void
    } else if id == CLAP_EXT_PARAMS {
        &PARAMS as *const _ as *const c_void
    } else if id == CLAP_EXT_PRESET_LOAD {
        &PRESET_LOAD as *const _ as *const c_void
    } else {
        std::ptr::null()
    }
}

unsafe extern "C" fn host_request_restart(host: *const clap_host) {
    unsafe { data(host) }.record("request_restart".into());
}

unsafe extern "C" fn host_request_process(host: *const clap_host) {
    unsafe { data(host) }.record("request_process".into());
}

unsafe extern "C" fn host_request_callback(host: *const clap_host) {
    let data = unsafe { data(host) };
    data.callback.store(true, Ordering::SeqCst);
}

unsafe extern "C" fn host_is_main_thread(host: *const clap_host) -> bool {
    std::thread::current().id() == unsafe { data(host) }.main
}

unsafe extern "C" fn host_is_audio_thread(host: *const clap_host) -> bool {
    *unsafe { data(host) }.audio.lock().unwrap() == Some(std::thread::current().id())
}

/// "main" or "audio" or "other": the thread calling.
fn thread_name(data: &HostData) -> &'static str {
    let me = std::thread::current().id();
    if me == data.main {
        "main"
    } else if *data.audio.lock().unwrap() == Some(me) {
        "audio"
    } else {
        "other"
    }
}

unsafe extern "C" fn host_params_rescan(host: *const clap_host, flags: clap_param_rescan_flags) {
    let data = unsafe { data(host) };
    data.record(format!(
        "params.rescan({flags:#x}) on {}",
        thread_name(data)
    ));
}

unsafe extern "C" fn host_params_clear(
    host: *const clap_host,
    _id: u32,
    _flags: clap_param_clear_flags,
) {
    unsafe { data(host) }.record("params.clear".into());
}

unsafe extern "C" fn host_params_request_flush(host: *const clap_host) {
    unsafe { data(host) }.record("params.request_flush".into());
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        "null".into()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

unsafe extern "C" fn host_preset_on_error(
    host: *const clap_host,
    kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
    os_error: i32,
    msg: *const c_char,
) {
    let data = unsafe { data(host) };
    data.record(format!(
        "preset_load.on_error({kind}, {}, {}, {os_error}, {}) on {}",
        text(location),
        text(load_key),
        text(msg),
        thread_name(data)
    ));
}

unsafe extern "C" fn host_preset_loaded(
    host: *const clap_host,
    kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
) {
    let data = unsafe { data(host) };
    data.record(format!(
        "preset_load.loaded({kind}, {}, {}) on {}",
        text(location),
        text(load_key),
        thread_name(data)
    ));
}

// ---------------------------------------------------------------------------------------------
// Instances

/// A note: (sample it starts at, sample it ends at, key, velocity).
pub type Note = (usize, usize, i16, f64);

/// A `clap_plugin` pointer the audio thread may use.
#[derive(Clone, Copy)]
struct PluginPtr(*const clap_plugin);
// SAFETY: the host calls the plugin from its threads as the CLAP spec allows.
unsafe impl Send for PluginPtr {}
unsafe impl Sync for PluginPtr {}

impl PluginPtr {
    fn get(self) -> *const clap_plugin {
        self.0
    }
}

unsafe extern "C" fn events_size(list: *const clap_input_events) -> u32 {
    unsafe { &*((*list).ctx as *const Vec<clap_event_note>) }.len() as u32
}

unsafe extern "C" fn events_get(
    list: *const clap_input_events,
    index: u32,
) -> *const clap_event_header {
    let events = unsafe { &*((*list).ctx as *const Vec<clap_event_note>) };
    events
        .get(index as usize)
        .map_or(std::ptr::null(), |e| &e.header)
}

unsafe extern "C" fn out_try_push(
    _list: *const clap_output_events,
    _event: *const clap_event_header,
) -> bool {
    true
}

/// One plugin instance and its host.
pub struct Instance {
    /// The plugin.
    pub plugin: *const clap_plugin,
    /// Its host.
    pub host: Box<TestHost>,
    active: bool,
}

impl Instance {
    /// Creates and initialises an instance on this (the main) thread.
    pub fn new() -> Self {
        let factory = factory(CLAP_PLUGIN_FACTORY_ID) as *const clap_plugin_factory;
        assert!(!factory.is_null(), "no plugin factory");
        let host = TestHost::new();
        // SAFETY: the factory's functions, on the main thread, with a host that outlives the
        // instance (dropped after `destroy`).
        unsafe {
            let factory = &*factory;
            let plugin = (factory.create_plugin.unwrap())(factory, &host.clap, PLUGIN_ID.as_ptr());
            assert!(!plugin.is_null(), "create_plugin");
            assert!(((*plugin).init.unwrap())(plugin), "clap_plugin.init");
            Instance {
                plugin,
                host,
                active: false,
            }
        }
    }

    /// The plugin's extension `id` (null if it has none).
    pub fn extension(&self, id: &CStr) -> *const c_void {
        // SAFETY: main thread, after init.
        unsafe { ((*self.plugin).get_extension.unwrap())(self.plugin, id.as_ptr()) }
    }

    /// Runs `on_main_thread` if the plugin asked for it.
    pub fn serve_callback(&self) {
        if self.host.data.callback.swap(false, Ordering::SeqCst) {
            // SAFETY: main thread.
            unsafe { ((*self.plugin).on_main_thread.unwrap())(self.plugin) };
        }
    }

    /// Activates at `sample_rate` (Hz) with blocks of up to `max_frames`.
    pub fn activate(&mut self, sample_rate: f64, max_frames: u32) {
        assert!(!self.active);
        // SAFETY: main thread, inactive plugin.
        let ok =
            unsafe { ((*self.plugin).activate.unwrap())(self.plugin, sample_rate, 1, max_frames) };
        assert!(ok, "activate");
        self.active = true;
    }

    /// Deactivates.
    pub fn deactivate(&mut self) {
        assert!(self.active);
        // SAFETY: main thread, active, not processing.
        unsafe { ((*self.plugin).deactivate.unwrap())(self.plugin) };
        self.active = false;
    }

    /// Every parameter's (id, value), in the plugin's order. Main thread.
    pub fn param_values(&self) -> Vec<(String, f64)> {
        let ext = self.extension(CLAP_EXT_PARAMS) as *const clap_plugin_params;
        assert!(!ext.is_null(), "no params extension");
        // SAFETY: main thread; the extension's functions.
        unsafe {
            let ext = &*ext;
            (0..(ext.count.unwrap())(self.plugin))
                .map(|i| {
                    let mut info: clap_param_info = std::mem::zeroed();
                    assert!((ext.get_info.unwrap())(self.plugin, i, &mut info));
                    let mut value = f64::NAN;
                    assert!((ext.get_value.unwrap())(self.plugin, info.id, &mut value));
                    let name = CStr::from_ptr(info.name.as_ptr()).to_string_lossy();
                    (name.into_owned(), value)
                })
                .collect()
        }
    }

    /// Renders `frames` samples in blocks of `block` on an audio thread (start_processing,
    /// process, stop_processing), playing `notes` (CLAP note events with note id -1, channel
    /// 0), and returns the stereo output. Every block must process without error.
    ///
    /// `during` runs on this (the main) thread while the audio thread processes, after the
    /// first block; processing goes on (in further blocks of silence past `frames` if need
    /// be) until it returns.
    pub fn render(
        &mut self,
        frames: usize,
        block: usize,
        notes: &[Note],
        during: impl FnOnce(&Self),
    ) -> [Vec<f32>; 2] {
        assert!(self.active);
        let plugin = PluginPtr(self.plugin);
        let data = &self.host.data;
        let started = AtomicBool::new(false);
        let stop = AtomicBool::new(false);
        let mut out = [Vec::with_capacity(frames), Vec::with_capacity(frames)];
        std::thread::scope(|scope| {
            let audio = scope.spawn(|| {
                *data.audio.lock().unwrap() = Some(std::thread::current().id());
                let mut left = vec![0.0_f32; block];
                let mut right = vec![0.0_f32; block];
                let mut at = 0usize;
                // SAFETY: the audio thread's calls in the spec's order.
                unsafe {
                    let p = plugin.get();
                    assert!(((*p).start_processing.unwrap())(p));
                    while at < frames || !stop.load(Ordering::SeqCst) {
                        let n = block;
                        let mut events: Vec<clap_event_note> = Vec::new();
                        for &(on, off, key, velocity) in notes {
                            for (time, type_) in
                                [(on, CLAP_EVENT_NOTE_ON), (off, CLAP_EVENT_NOTE_OFF)]
                            {
                                if (at..at + n).contains(&time) {
                                    events.push(clap_event_note {
                                        header: clap_event_header {
                                            size: size_of::<clap_event_note>() as u32,
                                            time: (time - at) as u32,
                                            space_id: CLAP_CORE_EVENT_SPACE_ID,
                                            type_,
                                            flags: 0,
                                        },
                                        note_id: -1,
                                        port_index: 0,
                                        channel: 0,
                                        key,
                                        velocity: if type_ == CLAP_EVENT_NOTE_ON {
                                            velocity
                                        } else {
                                            0.0
                                        },
                                    });
                                }
                            }
                        }
                        events.sort_by_key(|e| e.header.time);
                        let mut channels = [left.as_mut_ptr(), right.as_mut_ptr()];
                        let mut output = clap_audio_buffer {
                            data32: channels.as_mut_ptr(),
                            data64: std::ptr::null_mut(),
                            channel_count: 2,
                            latency: 0,
                            constant_mask: 0,
                        };
                        let in_events = clap_input_events {
                            ctx: &events as *const Vec<clap_event_note> as *mut c_void,
                            size: Some(events_size),
                            get: Some(events_get),
                        };
                        let out_events = clap_output_events {
                            ctx: std::ptr::null_mut(),
                            try_push: Some(out_try_push),
                        };
                        let process = clap_process {
                            steady_time: at as i64,
                            frames_count: n as u32,
                            transport: std::ptr::null(),
                            audio_inputs: std::ptr::null(),
                            audio_outputs: &mut output,
                            audio_inputs_count: 0,
                            audio_outputs_count: 1,
                            in_events: &in_events,
                            out_events: &out_events,
                        };
                        let status = ((*p).process.unwrap())(p, &process);
                        assert_ne!(status, CLAP_PROCESS_ERROR, "process at {at}");
                        let keep = frames.saturating_sub(at).min(n);
                        out[0].extend_from_slice(&left[..keep]);
                        out[1].extend_from_slice(&right[..keep]);
                        at += n;
                        started.store(true, Ordering::SeqCst);
                    }
                    ((*p).stop_processing.unwrap())(p);
                }
                *data.audio.lock().unwrap() = None;
            });
            while !started.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            during(self);
            stop.store(true, Ordering::SeqCst);
            audio.join().expect("the audio thread");
        });
        self.serve_callback();
        out
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if self.active {
            self.deactivate();
        }
        self.serve_callback();
        // SAFETY: main thread, inactive; the host is dropped after this.
        unsafe { ((*self.plugin).destroy.unwrap())(self.plugin) };
    }
}
