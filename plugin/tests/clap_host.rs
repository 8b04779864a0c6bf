//! A CLAP host of our own: loads the plugin binary cargo built for these tests (the `cdylib`,
//! `libwavecube_plugin.so`, or the file `WAVECUBE_CLAP` names, e.g.
//! `target/bundled/Wavecube.clap`) with `libloading` and drives it through `clap-sys` as a host
//! does: entry, factory, create, init, activate at random sample rates and block limits,
//! process on an audio thread of its own at random block sizes with every parameter set to
//! random values (CLAP param-value events) and modulated (param-mod events, global and per
//! note), notes on and off, restarts when asked, state save and load, and the latency
//! extension.
//!
//! The host's callbacks check the CLAP rules the plugin must keep: `clap_host_latency.changed`
//! only inside `activate` (on the main thread), the latency the host reads never changing
//! while the plugin is active, main-thread callbacks only on the main thread, `request_flush`
//! never from the audio thread, `rescan(ALL)` only while inactive. Half the processing runs
//! serve the plugin's `request_callback` while audio runs, half only after deactivating (both
//! are what hosts do). The output must be finite and within ±4, and nothing may be written to
//! the capture folder (`WAVECUBE_CAPTURE_DIR`, a temporary folder here): saving the capture is
//! an action, not a parameter, and an old state with the former "Save Capture" switch on
//! loads with it ignored.

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
use clap_sys::ext::state::{clap_host_state, clap_plugin_state, CLAP_EXT_STATE};
use clap_sys::ext::thread_check::{clap_host_thread_check, CLAP_EXT_THREAD_CHECK};
use clap_sys::ext::voice_info::{clap_host_voice_info, CLAP_EXT_VOICE_INFO};
use clap_sys::factory::plugin_factory::{clap_plugin_factory, CLAP_PLUGIN_FACTORY_ID};
use clap_sys::host::clap_host;
use clap_sys::plugin::clap_plugin;
use clap_sys::process::{clap_process, CLAP_PROCESS_ERROR};
use clap_sys::stream::{clap_istream, clap_ostream};
use clap_sys::version::CLAP_VERSION;
use wavecube_plugin::params::TQA_BLOCK_LOG2_MIN;

#[path = "common/clap.rs"]
mod clap_common;
use clap_common::plugin_binary;

/// The plugin's CLAP id.
const PLUGIN_ID: &CStr = c"org.wavecube.wavecube";
/// Id of the former "Save Capture" parameter, as old states hold it.
const OLD_SAVE_CAPTURE_ID: &str = "cap_save";

// ---------------------------------------------------------------------------------------------
// Finding and loading the binary

/// The loaded binary's entry, initialised once per test process (and never unloaded: the
/// plugin's threads may outlive a test).
struct Entry {
    factory: &'static clap_plugin_factory,
    capture_dir: PathBuf,
}

// SAFETY: the entry and factory are immutable tables of functions the CLAP spec makes
// callable from any thread.
unsafe impl Send for Entry {}
unsafe impl Sync for Entry {}

fn entry() -> &'static Entry {
    static ENTRY: OnceLock<Entry> = OnceLock::new();
    ENTRY.get_or_init(|| {
        let capture_dir =
            std::env::temp_dir().join(format!("wavecube-clap-host-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&capture_dir);
        // Set before any instance exists; every test here reads the same folder.
        std::env::set_var("WAVECUBE_CAPTURE_DIR", &capture_dir);
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
        // SAFETY: the entry's functions, called as the spec orders (init first).
        unsafe {
            assert!((entry.init.unwrap())(c_path.as_ptr()), "clap_entry.init");
            let factory = (entry.get_factory.unwrap())(CLAP_PLUGIN_FACTORY_ID.as_ptr())
                as *const clap_plugin_factory;
            assert!(!factory.is_null(), "no plugin factory");
            Entry {
                factory: &*factory,
                capture_dir,
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The host side: callbacks that check who calls them, when

/// The host's view of the plugin's lifecycle.
const INACTIVE: u8 = 0;
/// Inside `clap_plugin.activate`.
const ACTIVATING: u8 = 1;
/// Activated, not processing.
const ACTIVE: u8 = 2;
/// Between `start_processing` and `stop_processing`.
const PROCESSING: u8 = 3;

fn state_name(state: u8) -> &'static str {
    match state {
        INACTIVE => "inactive",
        ACTIVATING => "activating",
        ACTIVE => "active",
        _ => "processing",
    }
}

/// What the host knows and what it saw.
struct HostData {
    /// The main thread: the one that created the instance.
    main: ThreadId,
    /// The audio thread while one runs.
    audio: Mutex<Option<ThreadId>>,
    /// One of [`INACTIVE`], [`ACTIVATING`], [`ACTIVE`], [`PROCESSING`].
    state: AtomicU8,
    /// The plugin asked for a restart.
    restart: AtomicBool,
    /// The plugin asked for `on_main_thread`.
    callback: AtomicBool,
    /// `clap_host_latency.changed` calls (all of them).
    latency_changed: AtomicU32,
    /// Every host call: (call, thread, state) → count.
    calls: Mutex<BTreeMap<(String, &'static str, &'static str), u32>>,
    /// Broken rules, in words, with how often each was seen.
    violations: Mutex<BTreeMap<String, u32>>,
}

impl HostData {
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
}

/// A host as the plugin sees it: the `clap_host` table and what it points at.
struct TestHost {
    clap: clap_host,
    data: HostData,
}

impl TestHost {
    fn new() -> Box<Self> {
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
                calls: Mutex::new(BTreeMap::new()),
                violations: Mutex::new(BTreeMap::new()),
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
static LATENCY: clap_host_latency = clap_host_latency {
    changed: Some(host_latency_changed),
};
static PARAMS: clap_host_params = clap_host_params {
    rescan: Some(host_params_rescan),
    clear: Some(host_params_clear),
    request_flush: Some(host_params_request_flush),
};
static STATE: clap_host_state = clap_host_state {
    mark_dirty: Some(host_state_mark_dirty),
};
static LOG: clap_host_log = clap_host_log {
    log: Some(host_log),
};
static VOICE_INFO: clap_host_voice_info = clap_host_voice_info {
    changed: Some(host_voice_info_changed),
};

unsafe extern "C" fn host_get_extension(
    host: *const clap_host,
    id: *const c_char,
) -> *const c_void {
    let id = unsafe { CStr::from_ptr(id) };
    unsafe { data(host) }.record(&format!("get_extension({})", id.to_string_lossy()));
    let table: *const c_void = if id == CLAP_EXT_THREAD_CHECK {
        &THREAD_CHECK as *const _ as *const c_void
    } else if id == CLAP_EXT_LATENCY {
        &LATENCY as *const _ as *const c_void
    } else if id == CLAP_EXT_PARAMS {
        &PARAMS as *const _ as *const c_void
    } else if id == CLAP_EXT_STATE {
        &STATE as *const _ as *const c_void
    } else if id == CLAP_EXT_LOG {
        &LOG as *const _ as *const c_void
    } else if id == CLAP_EXT_VOICE_INFO {
        &VOICE_INFO as *const _ as *const c_void
    } else {
        std::ptr::null()
    };
    table
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

unsafe extern "C" fn host_is_main_thread(host: *const clap_host) -> bool {
    // [thread-safe]; not recorded (nice-plug asks on every call it routes).
    let data = unsafe { data(host) };
    std::thread::current().id() == data.main
}

unsafe extern "C" fn host_is_audio_thread(host: *const clap_host) -> bool {
    let data = unsafe { data(host) };
    *data.audio.lock().unwrap() == Some(std::thread::current().id())
}

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

unsafe extern "C" fn host_state_mark_dirty(host: *const clap_host) {
    unsafe { data(host) }.main_thread_only("state.mark_dirty");
}

unsafe extern "C" fn host_voice_info_changed(host: *const clap_host) {
    unsafe { data(host) }.main_thread_only("voice_info.changed");
}

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

// ---------------------------------------------------------------------------------------------
// Events, buffers and streams the host hands the plugin

/// One input event.
#[derive(Clone, Copy)]
enum Event {
    Note(clap_event_note),
    Value(clap_event_param_value),
    Mod(clap_event_param_mod),
}

impl Event {
    fn header(&self) -> *const clap_event_header {
        match self {
            Event::Note(e) => &e.header,
            Event::Value(e) => &e.header,
            Event::Mod(e) => &e.header,
        }
    }

    fn time(&self) -> u32 {
        // SAFETY: every variant starts with its header.
        unsafe { (*self.header()).time }
    }
}

fn header(size: usize, time: u32, type_: u16) -> clap_event_header {
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

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

// ---------------------------------------------------------------------------------------------
// The plugin as the host drives it

/// What the host knows of one parameter.
#[derive(Debug, Clone)]
struct ParamInfo {
    id: u32,
    name: String,
    flags: u32,
    min: f64,
    max: f64,
}

impl ParamInfo {
    fn random_value(&self, rng: &mut Rng) -> f64 {
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
struct Plan(Vec<(u32, Vec<Event>)>);
// SAFETY: the events' cookies are null pointers.
unsafe impl Send for Plan {}

/// What one processing run measured.
#[derive(Debug, Default)]
struct RunReport {
    frames: u64,
    peak: f32,
    non_finite: u64,
    errors: u32,
}

/// One plugin instance and its host.
struct Instance {
    plugin: *const clap_plugin,
    host: Box<TestHost>,
    params: Vec<ParamInfo>,
    latency_ext: *const clap_plugin_latency,
    params_ext: *const clap_plugin_params,
    state_ext: *const clap_plugin_state,
    active: bool,
    steady_time: i64,
    max_frames: u32,
}

impl Instance {
    /// Creates and initialises an instance on this (the main) thread.
    fn new() -> Self {
        let entry = entry();
        let host = TestHost::new();
        // SAFETY: the factory's functions, on the main thread, with a host that outlives the
        // instance (it is dropped after `destroy`).
        unsafe {
            let factory = entry.factory;
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

    fn data(&self) -> &HostData {
        &self.host.data
    }

    /// Activates at `sample_rate` (Hz) with blocks of 1..=`max_frames`; returns the latency
    /// the plugin reports after it, samples.
    fn activate(&mut self, sample_rate: f64, max_frames: u32) -> u32 {
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

    fn deactivate(&mut self) {
        assert!(self.active);
        // SAFETY: main thread, active plugin, not processing.
        unsafe { ((*self.plugin).deactivate.unwrap())(self.plugin) };
        self.data().state.store(INACTIVE, Ordering::SeqCst);
        self.active = false;
    }

    /// The latency the plugin reports, samples. Main thread, active.
    fn latency(&self) -> u32 {
        assert!(self.active);
        // SAFETY: [main-thread & active].
        unsafe { ((*self.latency_ext).get.unwrap())(self.plugin) }
    }

    /// Runs `on_main_thread` if the plugin asked for it.
    fn serve_callback(&self) {
        if self.data().callback.swap(false, Ordering::SeqCst) {
            // SAFETY: main thread.
            unsafe { ((*self.plugin).on_main_thread.unwrap())(self.plugin) };
        }
    }

    /// A parameter's value. Main thread.
    fn value(&self, id: u32) -> f64 {
        let mut value = f64::NAN;
        // SAFETY: main thread.
        assert!(unsafe { ((*self.params_ext).get_value.unwrap())(self.plugin, id, &mut value) });
        value
    }

    fn param(&self, name: &str) -> &ParamInfo {
        self.params
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no parameter named {name}"))
    }

    /// The latency the settings ask for: the engine's constant decimator delay, plus one TQA
    /// block while the codec stage is on. (nice-plug gives a stepped parameter's CLAP value as
    /// its step, 0..steps.)
    fn wanted_latency(&self) -> u32 {
        let engine = wavecube_dsp::synth::LATENCY_SAMPLES as u32;
        if self.value(self.param("TQA").id) >= 0.5 {
            let step = self.value(self.param("TQA Block").id).round() as i32;
            engine + (1 << (TQA_BLOCK_LOG2_MIN + step))
        } else {
            engine
        }
    }

    fn save_state(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let stream = clap_ostream {
            ctx: &mut bytes as *mut Vec<u8> as *mut c_void,
            write: Some(ostream_write),
        };
        // SAFETY: main thread; the stream outlives the call.
        assert!(unsafe { ((*self.state_ext).save.unwrap())(self.plugin, &stream) });
        bytes
    }

    fn load_state(&self, bytes: &[u8]) -> bool {
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

    /// Plans `blocks` blocks: random sizes up to the activation's limit, random parameter
    /// values and modulation, notes on and off. The first block sets every parameter.
    fn plan(
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
                    events.push(Event::Value(clap_event_param_value {
                        header: header(
                            size_of::<clap_event_param_value>(),
                            0,
                            CLAP_EVENT_PARAM_VALUE,
                        ),
                        param_id: p.id,
                        cookie: std::ptr::null_mut(),
                        note_id: -1,
                        port_index: -1,
                        channel: -1,
                        key: -1,
                        value: p.random_value(rng),
                    }));
                }
            }
            for _ in 0..rng.range(0, 3) {
                let p = settable[rng.range(0, settable.len() as u64 - 1) as usize];
                events.push(Event::Value(clap_event_param_value {
                    header: header(
                        size_of::<clap_event_param_value>(),
                        time(rng),
                        CLAP_EVENT_PARAM_VALUE,
                    ),
                    param_id: p.id,
                    cookie: std::ptr::null_mut(),
                    note_id: -1,
                    port_index: -1,
                    channel: -1,
                    key: -1,
                    value: p.random_value(rng),
                }));
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
    /// while active) and, if `serve_during`, answers `request_callback` at once.
    fn run(&mut self, plan: Plan, serve_during: bool) -> RunReport {
        assert!(self.active);
        let latency = self.latency();
        let plugin = PluginPtr(self.plugin);
        let max_frames = self.max_frames as usize;
        let steady_time = self.steady_time;
        let done = AtomicBool::new(false);
        let data = &self.host.data;
        let report = std::thread::scope(|scope| {
            let audio = scope.spawn(|| {
                *data.audio.lock().unwrap() = Some(std::thread::current().id());
                let mut report = RunReport::default();
                let mut left = vec![0.0_f32; max_frames];
                let mut right = vec![0.0_f32; max_frames];
                let mut steady = steady_time;
                // SAFETY: the audio thread's calls, in the order the spec gives.
                unsafe {
                    let p = plugin.get();
                    assert!(((*p).start_processing.unwrap())(p));
                    data.state.store(PROCESSING, Ordering::SeqCst);
                    for (frames, events) in &plan.0 {
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
                            steady_time: steady,
                            frames_count: *frames,
                            transport: std::ptr::null(),
                            audio_inputs: std::ptr::null(),
                            audio_outputs: &mut output,
                            audio_inputs_count: 0,
                            audio_outputs_count: 1,
                            in_events: &in_events,
                            out_events: &out_events,
                        };
                        let status = ((*p).process.unwrap())(p, &process);
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
                    ((*p).stop_processing.unwrap())(p);
                    data.state.store(ACTIVE, Ordering::SeqCst);
                }
                *data.audio.lock().unwrap() = None;
                done.store(true, Ordering::SeqCst);
                report
            });
            while !done.load(Ordering::SeqCst) {
                if serve_during {
                    self.serve_callback();
                }
                let now = self.latency();
                if now != latency {
                    self.data().violation(format!(
                        "the latency changed from {latency} to {now} while active (no activate)"
                    ));
                }
                std::thread::sleep(Duration::from_micros(300));
            }
            audio.join().expect("the audio thread")
        });
        self.steady_time += report.frames as i64;
        report
    }

    /// Every broken rule, with its count ("… (× 12)").
    fn violations(&self) -> Vec<String> {
        self.data()
            .violations
            .lock()
            .unwrap()
            .iter()
            .map(|(message, n)| format!("{message} (× {n})"))
            .collect()
    }

    fn print_calls(&self) {
        for ((call, thread, state), n) in self.data().calls.lock().unwrap().iter() {
            println!("  {n:6} × {call} on the {thread} thread while {state}");
        }
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

/// Files in the capture folder (none if it does not exist).
fn capture_files() -> Vec<PathBuf> {
    std::fs::read_dir(&entry().capture_dir)
        .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// A nice-plug CLAP state as JSON: a little-endian u64 length, then the JSON.
fn state_json(bytes: &[u8]) -> serde_json::Value {
    let (len, json) = bytes.split_at(8);
    assert_eq!(
        u64::from_le_bytes(len.try_into().unwrap()) as usize,
        json.len()
    );
    serde_json::from_slice(json).expect("the state is JSON")
}

/// The bytes of a nice-plug CLAP state holding `json`.
fn state_bytes(json: &serde_json::Value) -> Vec<u8> {
    let json = serde_json::to_vec(json).unwrap();
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&json);
    bytes
}

/// The parameter values, by id. Main thread.
fn values(instance: &Instance) -> Vec<(u32, f64)> {
    instance
        .params
        .iter()
        .map(|p| (p.id, instance.value(p.id)))
        .collect()
}

#[test]
fn a_fuzzing_clap_host_sees_no_broken_rule_finite_output_and_no_capture_file() {
    let mut instance = Instance::new();
    println!("{} parameters", instance.params.len());
    let mut rng = Rng(0x5EED_CAFE);
    let (mut notes, mut next_id) = (Vec::new(), 0);
    let (mut frames, mut peak, mut non_finite, mut errors) = (0_u64, 0.0_f32, 0_u64, 0_u32);
    let (mut restarts, mut latencies) = (0_u32, Vec::new());
    let sessions = 24;
    for session in 0..sessions {
        let sample_rate = [44_100.0, 48_000.0, 96_000.0][rng.range(0, 2) as usize];
        let max_frames = [64, 512, 2048, 8192][rng.range(0, 3) as usize];
        let latency = instance.activate(sample_rate, max_frames);
        latencies.push(latency);
        let plan = instance.plan(&mut rng, 40, &mut notes, &mut next_id);
        // Half the runs answer the plugin's callbacks while audio runs; half only after
        // deactivating, as a host whose main thread was busy.
        let serve_during = session % 2 == 0;
        let report = instance.run(plan, serve_during);
        frames += report.frames;
        peak = peak.max(report.peak);
        non_finite += report.non_finite;
        errors += report.errors;
        instance.deactivate();
        instance.serve_callback();
        if instance.data().restart.swap(false, Ordering::SeqCst) {
            restarts += 1;
        }
    }
    // Settle: activate as often as the plugin asks (a restart is one more activation), then
    // the latency the host reads is what the settings ask for.
    let mut settled = instance.activate(48_000.0, 512);
    for _ in 0..3 {
        if !instance.data().restart.swap(false, Ordering::SeqCst) {
            break;
        }
        instance.deactivate();
        instance.serve_callback();
        settled = instance.activate(48_000.0, 512);
    }
    let wanted = instance.wanted_latency();
    instance.deactivate();
    instance.serve_callback();

    println!(
        "{sessions} activations, {frames} frames processed, peak {peak:.4}, {non_finite} \
         non-finite samples, {errors} process errors; {restarts} restart requests, \
         latency.changed called {} times; latencies at activation {latencies:?}; settled \
         latency {settled} (settings ask {wanted})",
        instance.data().latency_changed.load(Ordering::SeqCst)
    );
    println!("host calls:");
    instance.print_calls();
    let violations = instance.violations();
    for v in &violations {
        println!("VIOLATION: {v}");
    }
    let files = capture_files();
    assert!(
        violations.is_empty(),
        "{} CLAP rules broken",
        violations.len()
    );
    assert_eq!(errors, 0, "process returned an error");
    assert_eq!(non_finite, 0, "non-finite output");
    // Master gain (up to +12 dB) follows the safety clip: the output stays within ±4.
    assert!(peak <= 4.0, "peak {peak}");
    assert_eq!(
        settled, wanted,
        "the latency after the restarts is the settings'"
    );
    assert!(files.is_empty(), "fuzzing wrote capture files: {files:?}");
    assert!(
        !instance.params.iter().any(|p| p.name == "Save Capture"),
        "saving the capture is an action, not a parameter"
    );
    // The fuzzing did move the latency: it went through restarts.
    assert!(
        latencies.iter().any(|&l| l != latencies[0]),
        "the fuzz never changed the latency: {latencies:?}"
    );
}

#[test]
fn state_round_trips_and_an_old_save_capture_switch_is_ignored() {
    let mut a = Instance::new();
    let mut rng = Rng(0xAB5E);
    let (mut notes, mut next_id) = (Vec::new(), 0);
    a.activate(48_000.0, 512);
    let plan = a.plan(&mut rng, 20, &mut notes, &mut next_id);
    a.run(plan, true);
    a.deactivate();
    a.serve_callback();
    let saved = a.save_state();

    // A new instance restores every value, and saves the same state. (The values the host
    // reads from `a` include its modulation, which a state does not hold.)
    let b = Instance::new();
    assert!(b.load_state(&saved), "load");
    b.serve_callback();
    let before = values(&b);
    assert_ne!(
        before,
        values(&Instance::new()),
        "the fuzzed values differ from the defaults"
    );
    let again = state_json(&b.save_state());
    let first = state_json(&saved);
    assert_eq!(again, first, "the restored instance saves the same state");

    // The same state as an older version saved it, with "Save Capture" on: loaded into an
    // instance that is playing (a preset recall) and into a new one, it writes nothing.
    let mut old = first.clone();
    old["params"][OLD_SAVE_CAPTURE_ID] = serde_json::json!({ "bool": true });
    let old = state_bytes(&old);
    a.activate(48_000.0, 512);
    let plan = a.plan(&mut rng, 10, &mut notes, &mut next_id);
    a.run(plan, true);
    assert!(a.load_state(&old), "an old state loads");
    a.serve_callback();
    let plan = a.plan(&mut rng, 10, &mut notes, &mut next_id);
    a.run(plan, true);
    let mut c = Instance::new();
    assert!(c.load_state(&old), "an old state loads into a new instance");
    assert_eq!(
        values(&c),
        before,
        "the old id is ignored, the rest restored"
    );
    c.activate(48_000.0, 512);
    let plan = c.plan(&mut rng, 10, &mut notes, &mut next_id);
    c.run(plan, true);
    // The capture threads code every 20 ms: give them time to act on a switch.
    std::thread::sleep(Duration::from_millis(400));
    let files = capture_files();
    for instance in [&a, &b, &c] {
        let violations = instance.violations();
        assert!(violations.is_empty(), "{violations:?}");
    }
    assert!(
        files.is_empty(),
        "an old state wrote capture files: {files:?}"
    );
}
