//! The plugin under a validating CLAP host (the tests' one host, `common/clap.rs`): it loads
//! the plugin binary cargo built for these tests (the `cdylib`, `libwavecube_plugin.so`, or the
//! file `WAVECUBE_CLAP` names, e.g. `target/bundled/Wavecube.clap`) with `libloading` and drives
//! it through `clap-sys` as a host does: entry, factory, create, init, activate at random sample rates and block limits,
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
//! loads with it ignored. The host's own rule checks are tested too: a latency change from
//! `process` is a broken rule.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::time::Duration;

use clap_sys::ext::latency::{clap_host_latency, CLAP_EXT_LATENCY};
use wavecube_dsp::fx::rack::{FxKind, NoExternal, Rack, RackSettings};
use wavecube_dsp::patch::fx_ranges::{FX_SETTINGS, FX_SETTING_COUNT};
use wavecube_dsp::patch::ranges::{Kind, Taper};
use wavecube_plugin::params::TQA_BLOCK_LOG2_MIN;

#[path = "common/clap.rs"]
mod clap_host;
use clap_host::{Instance, Rng, TestHost, ACTIVATING, ACTIVE, PROCESSING};

/// Id of the former "Save Capture" parameter, as old states hold it.
const OLD_SAVE_CAPTURE_ID: &str = "cap_save";

/// The capture folder every test here points `WAVECUBE_CAPTURE_DIR` at (a new temporary
/// folder, set once, before any instance exists: each test asks for it first).
fn capture_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("wavecube-clap-host-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::env::set_var("WAVECUBE_CAPTURE_DIR", &dir);
        dir
    })
}

/// The latency the settings ask for: the engine's constant decimator delay, plus one TQA
/// block while the codec stage is on. (nice-plug gives a stepped parameter's CLAP value as
/// its step, 0..steps.)
fn wanted_latency(instance: &Instance) -> u32 {
    let engine = wavecube_dsp::synth::LATENCY_SAMPLES as u32;
    let rack = rack_of(instance);
    let codec = if instance.value(instance.param("TQA").id) >= 0.5 && rack.codec.enabled {
        let step = instance.value(instance.param("TQA Block").id).round() as i32;
        1 << (TQA_BLOCK_LOG2_MIN + step)
    } else {
        0
    };
    // The rack's own effects (distortion, compressor look-ahead), as the dsp rack reports
    // them for these settings.
    let mut dsp_rack = Rack::new(48_000.0);
    dsp_rack.set_settings(rack);
    engine + codec + dsp_rack.latency_samples_with(&NoExternal)
}

/// The effects rack the host's parameter values describe (CLAP values: normalised for
/// continuous parameters, steps above the minimum for stepped ones), in the default order.
fn rack_of(instance: &Instance) -> RackSettings {
    let mut values = [0.0; FX_SETTING_COUNT];
    for (v, f) in values.iter_mut().zip(&FX_SETTINGS) {
        let s = &f.setting;
        let clap = instance.value(instance.param(&f.name()).id) as f32;
        *v = match s.kind {
            Kind::Float(Taper::Linear) => s.min + clap * (s.max - s.min),
            Kind::Float(Taper::Skewed { exponent }) => {
                s.min + (s.max - s.min) * clap.powf(1.0 / 2f32.powf(exponent))
            }
            Kind::Int | Kind::Bool | Kind::Choice(_) => s.min + clap.round(),
        };
    }
    RackSettings::from_fx_values(&values, FxKind::ALL)
}

/// Files in the capture folder (none if it does not exist).
fn capture_files() -> Vec<PathBuf> {
    std::fs::read_dir(capture_dir())
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
    capture_dir();
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
    let wanted = wanted_latency(&instance);
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
    capture_dir();
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

#[test]
fn the_host_counts_a_latency_change_outside_activate_as_a_broken_rule() {
    // The plugin's view: the host's latency extension, called as a plugin would call it.
    let host = TestHost::new();
    let latency = host.extension(CLAP_EXT_LATENCY) as *const clap_host_latency;
    assert!(!latency.is_null(), "the host offers the latency extension");
    // SAFETY: a static table of the host's.
    let changed = unsafe { (*latency).changed.unwrap() };
    let clap = &host.clap as *const _ as usize;
    // Inside `activate`, on the main thread: allowed.
    host.data.state.store(ACTIVATING, Ordering::SeqCst);
    // SAFETY: the host's own callback with its own table.
    unsafe { changed(clap as *const _) };
    assert_eq!(host.data.broken_rules(), Vec::<String>::new());
    // From `process`: on the audio thread, while processing.
    host.data.state.store(PROCESSING, Ordering::SeqCst);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            *host.data.audio.lock().unwrap() = Some(std::thread::current().id());
            // SAFETY: as above; the host outlives the thread.
            unsafe { changed(clap as *const _) };
            *host.data.audio.lock().unwrap() = None;
        });
    });
    assert_eq!(
        host.data.broken_rules(),
        [
            "latency.changed called on the audio thread while processing (× 1)",
            "latency.changed called while processing (allowed only inside activate) (× 1)",
        ]
    );
    // On the main thread while active (not inside `activate`): also broken.
    host.data.state.store(ACTIVE, Ordering::SeqCst);
    // SAFETY: as above.
    unsafe { changed(clap as *const _) };
    assert!(host.data.broken_rules().contains(
        &"latency.changed called while active (allowed only inside activate) (× 1)".into()
    ));
    assert_eq!(host.data.latency_changed.load(Ordering::SeqCst), 3);
}
