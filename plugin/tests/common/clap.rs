//! The one CLAP host of the plugin's tests: it finds and loads the built plugin binary (the
//! `cdylib` cargo builds with the tests, `libwavecube_plugin.so`, or the file `$WAVECUBE_CLAP`
//! names, e.g. `target/bundled/Wavecube.clap`) with `libloading`, gets its factories, and
//! drives instances through `clap-sys` as a host does: create, init, activate, process on an
//! audio thread of its own (fixed blocks with notes, or planned blocks at random sizes with
//! random parameter values and modulation), `on_main_thread` when asked, state save and load,
//! and the latency, params and preset-load extensions.
//!
//! The host's callbacks record every call (in order, and counted by thread and lifecycle
//! state) and check the CLAP rules the plugin must keep: `clap_host_latency.changed` only
//! inside `activate` (on the main thread), main-thread callbacks only on the main thread,
//! `request_flush` never from the audio thread, `rescan(ALL)` only while inactive. Broken
//! rules are collected in [`HostData::violations`]. Include it with
//! `#[path = "common/clap.rs"] mod clap_host;`.

#![allow(dead_code)] // each test file uses part of it

use std::collections::BTreeMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::Duration;

use clap_sys::audio_buffer::clap_audio_buffer;
use clap_sys::entry::clap_plugin_entry;
use clap_sys::events::{
    clap_event_header, clap_event_note, clap_event_param_mod, clap_event_param_value,
    clap_input_events, clap_output_events, CLAP_CORE_EVENT_SPACE_ID, CLAP_EVENT_NOTE_OFF,
    CLAP_EVENT_NOTE_ON, CLAP_EVENT_PARAM_MOD, CLAP_EVENT_PARAM_VALUE,
};
use clap_sys::ext::latency::{clap_host_latency, clap_plugin_latency, CLAP_EXT_LATENCY};
use clap_sys::ext::log::{clap_host_log, clap_log_severity, CLAP_EXT_LOG};
use clap_sys::ext::params::{
    clap_host_params, clap_param_clear_flags, clap_param_info, clap_param_rescan_flags,
    clap_plugin_params, CLAP_EXT_PARAMS, CLAP_PARAM_IS_MODULATABLE,
    CLAP_PARAM_IS_MODULATABLE_PER_NOTE_ID, CLAP_PARAM_IS_READONLY, CLAP_PARAM_IS_STEPPED,
    CLAP_PARAM_RESCAN_ALL,
};
use clap_sys::ext::preset_load::{clap_host_preset_load, CLAP_EXT_PRESET_LOAD};
use clap_sys::ext::state::{clap_host_state, clap_plugin_state, CLAP_EXT_STATE};
use clap_sys::ext::thread_check::{clap_host_thread_check, CLAP_EXT_THREAD_CHECK};
use clap_sys::ext::voice_info::{clap_host_voice_info, CLAP_EXT_VOICE_INFO};
use clap_sys::factory::plugin_factory::{clap_plugin_factory, CLAP_PLUGIN_FACTORY_ID};
use clap_sys::factory::preset_discovery::clap_preset_discovery_location_kind;
use clap_sys::host::clap_host;
use clap_sys::plugin::clap_plugin;
use clap_sys::process::{clap_process, clap_process_status, CLAP_PROCESS_ERROR};
use clap_sys::stream::{clap_istream, clap_ostream};
use clap_sys::version::CLAP_VERSION;

/// The plugin's CLAP id.
pub const PLUGIN_ID: &CStr = c"org.wavecube.wavecube";

// ---------------------------------------------------------------------------------------------
// Finding and loading the binary

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
            println!("loading {}", path.display());
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
            assert!(
                unsafe { (entry.init.unwrap())(c_path.as_ptr()) },
                "clap_entry.init"
            );
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
// The host side: callbacks that record who calls them, when, and check the rules

/// The host's view of the plugin's lifecycle: not activated.
pub const INACTIVE: u8 = 0;
/// Inside `clap_plugin.activate`.
pub const ACTIVATING: u8 = 1;
/// Activated, not processing.
pub const ACTIVE: u8 = 2;
/// Between `start_processing` and `stop_processing`.
pub const PROCESSING: u8 = 3;

/// A lifecycle state in words.
pub fn state_name(state: u8) -> &'static str {
    match state {
        INACTIVE => "inactive",
        ACTIVATING => "activating",
        ACTIVE => "active",
        _ => "processing",
    }
}

/// What the host knows and what it saw, for one instance.
pub struct HostData {
    /// The main thread: the one that created the instance.
    pub main: ThreadId,
    /// The audio thread while one runs.
    pub audio: Mutex<Option<ThreadId>>,
    /// One of [`INACTIVE`], [`ACTIVATING`], [`ACTIVE`], [`PROCESSING`].
    pub state: AtomicU8,
    /// The plugin asked for a restart.
    pub restart: AtomicBool,
    /// The plugin asked for `on_main_thread`.
    pub callback: AtomicBool,
    /// `clap_host_latency.changed` calls (all of them).
    pub latency_changed: AtomicU32,
    /// Every host call, in order, as "call on thread".
    pub log: Mutex<Vec<String>>,
    /// Every host call: (call, thread, state) → count.
    pub calls: Mutex<BTreeMap<(String, &'static str, &'static str), u32>>,
    /// Broken rules, in words, with how often each was seen.
    pub violations: Mutex<BTreeMap<String, u32>>,
}

impl HostData {
    /// "main", "audio" or "other": the thread calling.
    fn thread(&self) -> &'static str {
        let me = std::thread::current().id();
        if me == self.main {
            "main"
        } else if *self.audio.lock().unwrap() == Some(me) {
            "audio"
        } else {
            "other"
        }
    }

    /// Records `call` and returns (thread, state) it came in.
    fn record(&self, call: &str) -> (&'static str, u8) {
        let (thread, state) = (self.thread(), self.state.load(Ordering::SeqCst));
        self.log.lock().unwrap().push(format!("{call} on {thread}"));
        *self
            .calls
            .lock()
            .unwrap()
            .entry((call.to_owned(), thread, state_name(state)))
            .or_default() += 1;
        (thread, state)
    }

    fn violation(&self, message: String) {
        *self.violations.lock().unwrap().entry(message).or_default() += 1;
    }

    /// Records `call`, which CLAP allows only on the main thread.
    fn main_thread_only(&self, call: &str) -> u8 {
        let (thread, state) = self.record(call);
        if thread != "main" {
            self.violation(format!(
                "{call} called on the {thread} thread while {}",
                state_name(state)
            ));
        }
        state
    }

    /// The calls, in order, whose text ("call on thread") starts with `prefix`.
    pub fn calls_like(&self, prefix: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Every broken rule, with its count ("… (× 12)").
    pub fn broken_rules(&self) -> Vec<String> {
        self.violations
            .lock()
            .unwrap()
            .iter()
            .map(|(message, n)| format!("{message} (× {n})"))
            .collect()
    }

    /// Prints every call with its count, thread and state.
    pub fn print_calls(&self) {
        for ((call, thread, state), n) in self.calls.lock().unwrap().iter() {
            println!("  {n:6} × {call} on the {thread} thread while {state}");
        }
    }
}

/// A host as the plugin sees it: the `clap_host` table and what it points at.
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
                state: AtomicU8::new(INACTIVE),
                restart: AtomicBool::new(false),
                callback: AtomicBool::new(false),
                latency_changed: AtomicU32::new(0),
                log: Mutex::new(Vec::new()),
                calls: Mutex::new(BTreeMap::new()),
                violations: Mutex::new(BTreeMap::new()),
            },
        });
        host.clap.host_data = &host.data as *const HostData as *mut c_void;
        host
    }

    /// The host extension `id` as the plugin gets it (null if the host has none).
    pub fn extension(&self, id: &CStr) -> *const c_void {
        // SAFETY: our own callback, with our own table.
        unsafe { host_get_extension(&self.clap, id.as_ptr()) }
    }
}

/// The host data behind `host`.
///
/// # Safety
/// `host` is a [`TestHost`]'s `clap` field.
unsafe fn data<'a>(host: *const clap_host) -> &'a HostData {
    unsafe { &*((*host).host_data as *const HostData) }
}

unsafe extern "C" fn host_get_extension(
    host: *const clap_host,
    id: *const c_char,
) -> *const c_void {
    let id = unsafe { CStr::from_ptr(id) };
    unsafe { data(host) }.record(&format!("get_extension({})", id.to_string_lossy()));
    let tables: [(&CStr, *const c_void); 7] = [
        (CLAP_EXT_THREAD_CHECK, table(&THREAD_CHECK)),
        (CLAP_EXT_LATENCY, table(&LATENCY)),
        (CLAP_EXT_PARAMS, table(&PARAMS)),
        (CLAP_EXT_STATE, table(&STATE)),
        (CLAP_EXT_LOG, table(&LOG)),
        (CLAP_EXT_VOICE_INFO, table(&VOICE_INFO)),
        (CLAP_EXT_PRESET_LOAD, table(&PRESET_LOAD)),
    ];
    tables
        .into_iter()
        .find(|&(name, _)| name == id)
        .map_or(std::ptr::null(), |(_, table)| table)
}

/// An extension table as the untyped pointer `get_extension` returns.
fn table<T>(table: &'static T) -> *const c_void {
    table as *const T as *const c_void
}

unsafe extern "C" fn host_request_restart(host: *const clap_host) {
    // [thread-safe]
    let data = unsafe { data(host) };
    data.record("request_restart");
    data.restart.store(true, Ordering::SeqCst);
}

unsafe extern "C" fn host_request_process(host: *const clap_host) {
    // [thread-safe]
    unsafe { data(host) }.record("request_process");
}

unsafe extern "C" fn host_request_callback(host: *const clap_host) {
    // [thread-safe]
    let data = unsafe { data(host) };
    data.record("request_callback");
    data.callback.store(true, Ordering::SeqCst);
}

static THREAD_CHECK: clap_host_thread_check = clap_host_thread_check {
    is_main_thread: Some(host_is_main_thread),
    is_audio_thread: Some(host_is_audio_thread),
};

unsafe extern "C" fn host_is_main_thread(host: *const clap_host) -> bool {
    // [thread-safe]; not recorded (nice-plug asks on every call it routes).
    let data = unsafe { data(host) };
    std::thread::current().id() == data.main
}

unsafe extern "C" fn host_is_audio_thread(host: *const clap_host) -> bool {
    let data = unsafe { data(host) };
    *data.audio.lock().unwrap() == Some(std::thread::current().id())
}

static LATENCY: clap_host_latency = clap_host_latency {
    changed: Some(host_latency_changed),
};

unsafe extern "C" fn host_latency_changed(host: *const clap_host) {
    // [main-thread & being-activated]: "The latency is only allowed to change during
    // plugin->activate. If the plugin is activated, call host->request_restart()."
    let data = unsafe { data(host) };
    data.latency_changed.fetch_add(1, Ordering::SeqCst);
    let state = data.main_thread_only("latency.changed");
    if state != ACTIVATING {
        data.violation(format!(
            "latency.changed called while {} (allowed only inside activate)",
            state_name(state)
        ));
    }
}

static PARAMS: clap_host_params = clap_host_params {
    rescan: Some(host_params_rescan),
    clear: Some(host_params_clear),
    request_flush: Some(host_params_request_flush),
};

unsafe extern "C" fn host_params_rescan(host: *const clap_host, flags: clap_param_rescan_flags) {
    // [main-thread]; RESCAN_ALL only while the plugin is deactivated.
    let data = unsafe { data(host) };
    let state = data.main_thread_only(&format!("params.rescan({flags:#x})"));
    if flags & CLAP_PARAM_RESCAN_ALL != 0 && state != INACTIVE {
        data.violation(format!("params.rescan(ALL) while {}", state_name(state)));
    }
}

unsafe extern "C" fn host_params_clear(
    host: *const clap_host,
    _id: u32,
    _flags: clap_param_clear_flags,
) {
    unsafe { data(host) }.main_thread_only("params.clear");
}

unsafe extern "C" fn host_params_request_flush(host: *const clap_host) {
    // [thread-safe, !audio-thread]
    let data = unsafe { data(host) };
    let (thread, state) = data.record("params.request_flush");
    if thread == "audio" {
        data.violation(format!(
            "params.request_flush from the audio thread while {}",
            state_name(state)
        ));
    }
}

static STATE: clap_host_state = clap_host_state {
    mark_dirty: Some(host_state_mark_dirty),
};

unsafe extern "C" fn host_state_mark_dirty(host: *const clap_host) {
    unsafe { data(host) }.main_thread_only("state.mark_dirty");
}

static VOICE_INFO: clap_host_voice_info = clap_host_voice_info {
    changed: Some(host_voice_info_changed),
};

unsafe extern "C" fn host_voice_info_changed(host: *const clap_host) {
    unsafe { data(host) }.main_thread_only("voice_info.changed");
}

static LOG: clap_host_log = clap_host_log {
    log: Some(host_log),
};

unsafe extern "C" fn host_log(
    host: *const clap_host,
    severity: clap_log_severity,
    msg: *const c_char,
) {
    // [thread-safe]
    unsafe { data(host) }.record("log");
    let msg = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
    eprintln!("plugin log ({severity}): {msg}");
}

/// A C string's text, or "null".
fn text(p: *const c_char) -> String {
    if p.is_null() {
        "null".into()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

static PRESET_LOAD: clap_host_preset_load = clap_host_preset_load {
    on_error: Some(host_preset_on_error),
    loaded: Some(host_preset_loaded),
};

unsafe extern "C" fn host_preset_on_error(
    host: *const clap_host,
    kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
    os_error: i32,
    msg: *const c_char,
) {
    // [main-thread]
    unsafe { data(host) }.main_thread_only(&format!(
        "preset_load.on_error({kind}, {}, {}, {os_error}, {})",
        text(location),
        text(load_key),
        text(msg),
    ));
}

unsafe extern "C" fn host_preset_loaded(
    host: *const clap_host,
    kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
) {
    // [main-thread]
    unsafe { data(host) }.main_thread_only(&format!(
        "preset_load.loaded({kind}, {}, {})",
        text(location),
        text(load_key),
    ));
}
// ---------------------------------------------------------------------------------------------
// Events, buffers and streams the host hands the plugin

/// One input event.
#[derive(Clone, Copy)]
pub enum Event {
    /// A note on or off.
    Note(clap_event_note),
    /// A parameter's new value.
    Value(clap_event_param_value),
    /// A parameter's modulation.
    Mod(clap_event_param_mod),
}

impl Event {
    /// The event's header (its first field).
    pub fn header(&self) -> *const clap_event_header {
        match self {
            Event::Note(e) => &e.header,
            Event::Value(e) => &e.header,
            Event::Mod(e) => &e.header,
        }
    }

    /// The event's time in its block, samples.
    pub fn time(&self) -> u32 {
        // SAFETY: every variant starts with its header.
        unsafe { (*self.header()).time }
    }
}

/// A core event header: `size` bytes, at `time` samples into the block.
pub fn header(size: usize, time: u32, type_: u16) -> clap_event_header {
    clap_event_header {
        size: size as u32,
        time,
        space_id: CLAP_CORE_EVENT_SPACE_ID,
        type_,
        flags: 0,
    }
}

unsafe extern "C" fn events_size(list: *const clap_input_events) -> u32 {
    let events = unsafe { &*((*list).ctx as *const Vec<Event>) };
    events.len() as u32
}

unsafe extern "C" fn events_get(
    list: *const clap_input_events,
    index: u32,
) -> *const clap_event_header {
    let events = unsafe { &*((*list).ctx as *const Vec<Event>) };
    events
        .get(index as usize)
        .map_or(std::ptr::null(), Event::header)
}

unsafe extern "C" fn out_try_push(
    _list: *const clap_output_events,
    _event: *const clap_event_header,
) -> bool {
    true
}

unsafe extern "C" fn ostream_write(
    stream: *const clap_ostream,
    buffer: *const c_void,
    size: u64,
) -> i64 {
    let out = unsafe { &mut *((*stream).ctx as *mut Vec<u8>) };
    let bytes = unsafe { std::slice::from_raw_parts(buffer as *const u8, size as usize) };
    out.extend_from_slice(bytes);
    size as i64
}

/// What an input stream reads from: the bytes and how far it got. Reads at most 100 bytes at
/// a time, as hosts may.
struct Reader {
    bytes: Vec<u8>,
    at: usize,
}

unsafe extern "C" fn istream_read(
    stream: *const clap_istream,
    buffer: *mut c_void,
    size: u64,
) -> i64 {
    let reader = unsafe { &mut *((*stream).ctx as *mut Reader) };
    let n = (size as usize).min(100).min(reader.bytes.len() - reader.at);
    unsafe {
        std::ptr::copy_nonoverlapping(reader.bytes[reader.at..].as_ptr(), buffer as *mut u8, n);
    }
    reader.at += n;
    n as i64
}

// ---------------------------------------------------------------------------------------------
// A deterministic random source

/// SplitMix64 from a seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

// ---------------------------------------------------------------------------------------------
// The plugin as the host drives it

/// What the host knows of one parameter.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    /// The CLAP parameter id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Its `CLAP_PARAM_*` flags.
    pub flags: u32,
    /// Its smallest CLAP value.
    pub min: f64,
    /// Its largest CLAP value.
    pub max: f64,
}

impl ParamInfo {
    /// A random value in range (a whole step for a stepped parameter).
    pub fn random_value(&self, rng: &mut Rng) -> f64 {
        let v = self.min + rng.unit() * (self.max - self.min);
        if self.flags & CLAP_PARAM_IS_STEPPED != 0 {
            v.round().clamp(self.min, self.max)
        } else {
            v
        }
    }
}

/// A `clap_plugin` pointer the audio thread may use.
#[derive(Clone, Copy)]
struct PluginPtr(*const clap_plugin);
// SAFETY: CLAP plugins are called from the host's threads as the spec allows; the host here
// keeps to it (process calls on the audio thread only, between start and stop_processing).
unsafe impl Send for PluginPtr {}
unsafe impl Sync for PluginPtr {}

impl PluginPtr {
    /// The pointer (a method, so closures capture the whole `Send` wrapper).
    fn get(self) -> *const clap_plugin {
        self.0
    }
}

/// Blocks planned for one processing run: (frames, events) each.
pub struct Plan(pub Vec<(u32, Vec<Event>)>);
// SAFETY: the events' cookies are null pointers.
unsafe impl Send for Plan {}

/// What one processing run measured.
#[derive(Debug, Default)]
pub struct RunReport {
    /// Frames processed.
    pub frames: u64,
    /// Largest finite output magnitude.
    pub peak: f32,
    /// Non-finite output samples.
    pub non_finite: u64,
    /// Blocks `process` failed.
    pub errors: u32,
}

/// A note for [`Instance::render`]: (sample it starts at, sample it ends at, key, velocity).
pub type Note = (usize, usize, i16, f64);

/// One plugin instance and its host.
pub struct Instance {
    /// The plugin.
    pub plugin: *const clap_plugin,
    /// Its host.
    pub host: Box<TestHost>,
    /// Its parameters, in the plugin's order.
    pub params: Vec<ParamInfo>,
    latency_ext: *const clap_plugin_latency,
    params_ext: *const clap_plugin_params,
    state_ext: *const clap_plugin_state,
    active: bool,
    steady_time: i64,
    max_frames: u32,
}

impl Instance {
    /// Creates and initialises an instance on this (the main) thread.
    pub fn new() -> Self {
        let factory = factory(CLAP_PLUGIN_FACTORY_ID) as *const clap_plugin_factory;
        assert!(!factory.is_null(), "no plugin factory");
        let host = TestHost::new();
        // SAFETY: the factory's functions, on the main thread, with a host that outlives the
        // instance (it is dropped after `destroy`).
        unsafe {
            let factory = &*factory;
            assert!((factory.get_plugin_count.unwrap())(factory) >= 1);
            let desc = (factory.get_plugin_descriptor.unwrap())(factory, 0);
            assert_eq!(CStr::from_ptr((*desc).id), PLUGIN_ID);
            let plugin = (factory.create_plugin.unwrap())(factory, &host.clap, PLUGIN_ID.as_ptr());
            assert!(!plugin.is_null(), "create_plugin");
            assert!(((*plugin).init.unwrap())(plugin), "clap_plugin.init");
            let ext = |id: &CStr| ((*plugin).get_extension.unwrap())(plugin, id.as_ptr());
            let latency_ext = ext(CLAP_EXT_LATENCY) as *const clap_plugin_latency;
            let params_ext = ext(CLAP_EXT_PARAMS) as *const clap_plugin_params;
            let state_ext = ext(CLAP_EXT_STATE) as *const clap_plugin_state;
            assert!(!latency_ext.is_null(), "no latency extension");
            assert!(!params_ext.is_null(), "no params extension");
            assert!(!state_ext.is_null(), "no state extension");
            let count = ((*params_ext).count.unwrap())(plugin);
            let mut params = Vec::with_capacity(count as usize);
            for i in 0..count {
                let mut info: clap_param_info = std::mem::zeroed();
                assert!(((*params_ext).get_info.unwrap())(plugin, i, &mut info));
                params.push(ParamInfo {
                    id: info.id,
                    name: CStr::from_ptr(info.name.as_ptr())
                        .to_string_lossy()
                        .into_owned(),
                    flags: info.flags,
                    min: info.min_value,
                    max: info.max_value,
                });
            }
            Instance {
                plugin,
                host,
                params,
                latency_ext,
                params_ext,
                state_ext,
                active: false,
                steady_time: 0,
                max_frames: 0,
            }
        }
    }

    /// What the host saw.
    pub fn data(&self) -> &HostData {
        &self.host.data
    }

    /// The plugin's extension `id` (null if it has none).
    pub fn extension(&self, id: &CStr) -> *const c_void {
        // SAFETY: main thread, after init.
        unsafe { ((*self.plugin).get_extension.unwrap())(self.plugin, id.as_ptr()) }
    }

    /// Activates at `sample_rate` (Hz) with blocks of 1..=`max_frames`; returns the latency
    /// the plugin reports after it, samples.
    pub fn activate(&mut self, sample_rate: f64, max_frames: u32) -> u32 {
        assert!(!self.active);
        self.data().state.store(ACTIVATING, Ordering::SeqCst);
        // SAFETY: main thread, inactive plugin.
        let ok =
            unsafe { ((*self.plugin).activate.unwrap())(self.plugin, sample_rate, 1, max_frames) };
        assert!(ok, "activate at {sample_rate} Hz, max {max_frames}");
        self.data().state.store(ACTIVE, Ordering::SeqCst);
        self.active = true;
        self.max_frames = max_frames;
        self.latency()
    }

    /// Deactivates.
    pub fn deactivate(&mut self) {
        assert!(self.active);
        // SAFETY: main thread, active plugin, not processing.
        unsafe { ((*self.plugin).deactivate.unwrap())(self.plugin) };
        self.data().state.store(INACTIVE, Ordering::SeqCst);
        self.active = false;
    }

    /// The latency the plugin reports, samples. Main thread, active.
    pub fn latency(&self) -> u32 {
        assert!(self.active);
        // SAFETY: [main-thread & active].
        unsafe { ((*self.latency_ext).get.unwrap())(self.plugin) }
    }

    /// Runs `on_main_thread` if the plugin asked for it.
    pub fn serve_callback(&self) {
        if self.data().callback.swap(false, Ordering::SeqCst) {
            // SAFETY: main thread.
            unsafe { ((*self.plugin).on_main_thread.unwrap())(self.plugin) };
        }
    }

    /// A parameter's CLAP value. Main thread.
    pub fn value(&self, id: u32) -> f64 {
        let mut value = f64::NAN;
        // SAFETY: main thread.
        assert!(unsafe { ((*self.params_ext).get_value.unwrap())(self.plugin, id, &mut value) });
        value
    }

    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> &ParamInfo {
        self.params
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no parameter named {name}"))
    }

    /// Every parameter's (name, CLAP value), in the plugin's order. Main thread.
    pub fn param_values(&self) -> Vec<(String, f64)> {
        self.params
            .iter()
            .map(|p| (p.name.clone(), self.value(p.id)))
            .collect()
    }

    /// The plugin's state, as `clap_plugin_state.save` writes it. Main thread.
    pub fn save_state(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let stream = clap_ostream {
            ctx: &mut bytes as *mut Vec<u8> as *mut c_void,
            write: Some(ostream_write),
        };
        // SAFETY: main thread; the stream outlives the call.
        assert!(unsafe { ((*self.state_ext).save.unwrap())(self.plugin, &stream) });
        bytes
    }

    /// Loads `bytes` through `clap_plugin_state.load` (read at most 100 bytes at a time);
    /// returns what it returned. Main thread.
    pub fn load_state(&self, bytes: &[u8]) -> bool {
        let mut reader = Reader {
            bytes: bytes.to_vec(),
            at: 0,
        };
        let stream = clap_istream {
            ctx: &mut reader as *mut Reader as *mut c_void,
            read: Some(istream_read),
        };
        // SAFETY: main thread; the stream outlives the call.
        unsafe { ((*self.state_ext).load.unwrap())(self.plugin, &stream) }
    }

    /// Every broken rule the host saw, with its count ("… (× 12)").
    pub fn violations(&self) -> Vec<String> {
        self.data().broken_rules()
    }

    /// Prints every host call with its count, thread and state.
    pub fn print_calls(&self) {
        self.data().print_calls();
    }

    /// Plans `blocks` blocks: random sizes up to the activation's limit, random parameter
    /// values and modulation, notes on and off. The first block sets every parameter.
    pub fn plan(
        &self,
        rng: &mut Rng,
        blocks: usize,
        notes: &mut Vec<(i32, i16)>,
        next_id: &mut i32,
    ) -> Plan {
        let settable: Vec<&ParamInfo> = self
            .params
            .iter()
            .filter(|p| p.flags & CLAP_PARAM_IS_READONLY == 0)
            .collect();
        let modulatable: Vec<&ParamInfo> = self
            .params
            .iter()
            .filter(|p| p.flags & CLAP_PARAM_IS_MODULATABLE != 0)
            .collect();
        let mut plan = Vec::with_capacity(blocks);
        for b in 0..blocks {
            let frames = if rng.chance(0.5) {
                rng.range(1, 64.min(u64::from(self.max_frames))) as u32
            } else {
                rng.range(1, u64::from(self.max_frames)) as u32
            };
            let mut events = Vec::new();
            let time = |rng: &mut Rng| rng.range(0, u64::from(frames) - 1) as u32;
            if b == 0 {
                for p in &settable {
                    events.push(value_event(p.id, 0, p.random_value(rng)));
                }
            }
            for _ in 0..rng.range(0, 3) {
                let p = settable[rng.range(0, settable.len() as u64 - 1) as usize];
                let at = time(rng);
                events.push(value_event(p.id, at, p.random_value(rng)));
            }
            for _ in 0..rng.range(0, 3) {
                let p = modulatable[rng.range(0, modulatable.len() as u64 - 1) as usize];
                // Per voice when the parameter allows it and a note plays, else global.
                let (note_id, key) = match notes.first() {
                    Some(&(id, key))
                        if p.flags & CLAP_PARAM_IS_MODULATABLE_PER_NOTE_ID != 0
                            && rng.chance(0.5) =>
                    {
                        (id, key)
                    }
                    _ => (-1, -1),
                };
                events.push(Event::Mod(clap_event_param_mod {
                    header: header(
                        size_of::<clap_event_param_mod>(),
                        time(rng),
                        CLAP_EVENT_PARAM_MOD,
                    ),
                    param_id: p.id,
                    cookie: std::ptr::null_mut(),
                    note_id,
                    port_index: if note_id >= 0 { 0 } else { -1 },
                    channel: if note_id >= 0 { 0 } else { -1 },
                    key,
                    amount: (rng.unit() * 2.0 - 1.0) * (p.max - p.min),
                }));
            }
            if rng.chance(0.25) && notes.len() < 12 {
                let key = rng.range(24, 108) as i16;
                *next_id += 1;
                notes.push((*next_id, key));
                events.push(Event::Note(clap_event_note {
                    header: header(size_of::<clap_event_note>(), time(rng), CLAP_EVENT_NOTE_ON),
                    note_id: *next_id,
                    port_index: 0,
                    channel: 0,
                    key,
                    velocity: rng.unit(),
                }));
            }
            if rng.chance(0.2) && !notes.is_empty() {
                let (id, key) = notes.remove(rng.range(0, notes.len() as u64 - 1) as usize);
                events.push(Event::Note(clap_event_note {
                    header: header(size_of::<clap_event_note>(), time(rng), CLAP_EVENT_NOTE_OFF),
                    note_id: id,
                    port_index: 0,
                    channel: 0,
                    key,
                    velocity: 0.5,
                }));
            }
            events.sort_by_key(Event::time);
            plan.push((frames, events));
        }
        Plan(plan)
    }

    /// Processes `plan` on an audio thread of its own (start_processing, the blocks,
    /// stop_processing). Meanwhile the main thread reads the latency (it must not change
    /// while active: a change is a broken rule) and, if `serve_during`, answers
    /// `request_callback` at once.
    pub fn run(&mut self, plan: Plan, serve_during: bool) -> RunReport {
        let latency = self.latency();
        let max_frames = self.max_frames as usize;
        let mut steady = self.steady_time;
        let report = self.processing(
            move |p| {
                let mut report = RunReport::default();
                let mut left = vec![0.0_f32; max_frames];
                let mut right = vec![0.0_f32; max_frames];
                for (frames, events) in &plan.0 {
                    // SAFETY: the audio thread, while processing.
                    let status =
                        unsafe { process_block(p, steady, &mut left, &mut right, *frames, events) };
                    if status == CLAP_PROCESS_ERROR {
                        report.errors += 1;
                    }
                    for &x in left[..*frames as usize]
                        .iter()
                        .chain(&right[..*frames as usize])
                    {
                        if x.is_finite() {
                            report.peak = report.peak.max(x.abs());
                        } else {
                            report.non_finite += 1;
                        }
                    }
                    report.frames += u64::from(*frames);
                    steady += i64::from(*frames);
                }
                report
            },
            |instance, done| {
                while !done.load(Ordering::SeqCst) {
                    if serve_during {
                        instance.serve_callback();
                    }
                    let now = instance.latency();
                    if now != latency {
                        instance.data().violation(format!(
                            "the latency changed from {latency} to {now} while active (no \
                             activate)"
                        ));
                    }
                    std::thread::sleep(Duration::from_micros(300));
                }
            },
        );
        self.steady_time += report.frames as i64;
        report
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
        let started = AtomicBool::new(false);
        let stop = AtomicBool::new(false);
        let start = self.steady_time;
        let (out, processed) = self.processing(
            |p| {
                let mut out = [Vec::with_capacity(frames), Vec::with_capacity(frames)];
                let mut left = vec![0.0_f32; block];
                let mut right = vec![0.0_f32; block];
                let mut at = 0usize;
                while at < frames || !stop.load(Ordering::SeqCst) {
                    let n = block;
                    let mut events = Vec::new();
                    for &(on, off, key, velocity) in notes {
                        for (time, type_) in [(on, CLAP_EVENT_NOTE_ON), (off, CLAP_EVENT_NOTE_OFF)]
                        {
                            if (at..at + n).contains(&time) {
                                events.push(Event::Note(clap_event_note {
                                    header: header(
                                        size_of::<clap_event_note>(),
                                        (time - at) as u32,
                                        type_,
                                    ),
                                    note_id: -1,
                                    port_index: 0,
                                    channel: 0,
                                    key,
                                    velocity: if type_ == CLAP_EVENT_NOTE_ON {
                                        velocity
                                    } else {
                                        0.0
                                    },
                                }));
                            }
                        }
                    }
                    events.sort_by_key(Event::time);
                    let steady = start + at as i64;
                    // SAFETY: the audio thread, while processing.
                    let status = unsafe {
                        process_block(p, steady, &mut left, &mut right, n as u32, &events)
                    };
                    assert_ne!(status, CLAP_PROCESS_ERROR, "process at {at}");
                    let keep = frames.saturating_sub(at).min(n);
                    out[0].extend_from_slice(&left[..keep]);
                    out[1].extend_from_slice(&right[..keep]);
                    at += n;
                    started.store(true, Ordering::SeqCst);
                }
                (out, at)
            },
            |instance, done| {
                while !started.load(Ordering::SeqCst) && !done.load(Ordering::SeqCst) {
                    std::thread::yield_now();
                }
                during(instance);
                stop.store(true, Ordering::SeqCst);
            },
        );
        self.steady_time += processed as i64;
        self.serve_callback();
        out
    }

    /// Runs `audio` on an audio thread of its own between `start_processing` and
    /// `stop_processing` (the host's state [`PROCESSING`] meanwhile), and `main` on this (the
    /// main) thread at the same time with a flag that turns true when the audio thread is
    /// done; returns what `audio` returned.
    fn processing<R: Send>(
        &self,
        audio: impl FnOnce(*const clap_plugin) -> R + Send,
        main: impl FnOnce(&Self, &AtomicBool),
    ) -> R {
        assert!(self.active);
        let plugin = PluginPtr(self.plugin);
        let data = &self.host.data;
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let thread = scope.spawn(|| {
                *data.audio.lock().unwrap() = Some(std::thread::current().id());
                let p = plugin.get();
                // SAFETY: the audio thread's calls, in the order the spec gives.
                assert!(unsafe { ((*p).start_processing.unwrap())(p) });
                data.state.store(PROCESSING, Ordering::SeqCst);
                let result = audio(p);
                // SAFETY: as above.
                unsafe { ((*p).stop_processing.unwrap())(p) };
                data.state.store(ACTIVE, Ordering::SeqCst);
                *data.audio.lock().unwrap() = None;
                done.store(true, Ordering::SeqCst);
                result
            });
            main(self, &done);
            thread.join().expect("the audio thread")
        })
    }
}

/// Processes one block of `frames` samples (at most the buffers' length) with `events` into
/// `left` and `right`; returns `process`'s status.
///
/// # Safety
/// On the audio thread, between `start_processing` and `stop_processing` of `p`.
unsafe fn process_block(
    p: *const clap_plugin,
    steady_time: i64,
    left: &mut [f32],
    right: &mut [f32],
    frames: u32,
    events: &Vec<Event>,
) -> clap_process_status {
    assert!(frames as usize <= left.len().min(right.len()));
    let mut channels = [left.as_mut_ptr(), right.as_mut_ptr()];
    let mut output = clap_audio_buffer {
        data32: channels.as_mut_ptr(),
        data64: std::ptr::null_mut(),
        channel_count: 2,
        latency: 0,
        constant_mask: 0,
    };
    let in_events = clap_input_events {
        ctx: events as *const Vec<Event> as *mut c_void,
        size: Some(events_size),
        get: Some(events_get),
    };
    let out_events = clap_output_events {
        ctx: std::ptr::null_mut(),
        try_push: Some(out_try_push),
    };
    let process = clap_process {
        steady_time,
        frames_count: frames,
        transport: std::ptr::null(),
        audio_inputs: std::ptr::null(),
        audio_outputs: &mut output,
        audio_inputs_count: 0,
        audio_outputs_count: 1,
        in_events: &in_events,
        out_events: &out_events,
    };
    // SAFETY: the caller's promise; every pointer outlives the call.
    unsafe { ((*p).process.unwrap())(p, &process) }
}

/// A parameter-value event for every note, port, channel and key, at `time` in its block.
fn value_event(param_id: u32, time: u32, value: f64) -> Event {
    Event::Value(clap_event_param_value {
        header: header(
            size_of::<clap_event_param_value>(),
            time,
            CLAP_EVENT_PARAM_VALUE,
        ),
        param_id,
        cookie: std::ptr::null_mut(),
        note_id: -1,
        port_index: -1,
        channel: -1,
        key: -1,
        value,
    })
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
