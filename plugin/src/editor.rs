//! The plugin's side of the editor: [`PluginBackend`], the [`SynthBackend`] the gui calls for
//! what the parameters cannot say (patches, banks, the capture, the codec readout), and
//! [`create`], which builds the editor for `Plugin::editor`.
//!
//! Everything here runs on the editor's thread or the host's main thread. It reads the
//! parameters and the atomics the audio thread publishes, takes only locks the audio thread
//! never takes (the patch cell, the capture status, its own cube cache) and sets parameters
//! only through the host's [`ParamSetter`], so hosts record the changes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use atomic_float::AtomicF32;
use nice_plug::prelude::*;
use wavecube_dsp::bank::factory::{factory_bank, FACTORY_BANKS};
use wavecube_dsp::bank::read_wcube;
use wavecube_dsp::cube::{factory_cube, Cube};
use wavecube_dsp::fx::rack::{FxKind, SLOTS};
use wavecube_dsp::patch::store::Preset;
use wavecube_dsp::patch::{Patch, PatchMeta, Sound, MAX_NAME_CHARS};
use wavecube_dsp::telemetry::TelemetryHub;
use wavecube_gui::{CaptureReport, LiveInput, SynthBackend, SynthHandle, WavecubeEditor};

use crate::capture::CaptureStatus;
use crate::mapping;
use crate::params::{BankChoice, WavecubeParams};
use crate::state::DEFAULT_BANK;

/// Set by the standalone when it must run without a window (`--no-editor`, or no display).
static EDITOR_DISABLED: AtomicBool = AtomicBool::new(false);

/// A factory patch (file stem) the standalone applies when its editor first opens.
static STARTUP_PATCH: Mutex<Option<String>> = Mutex::new(None);

/// Makes [`create`] return no editor (the standalone without a display). Call it before the
/// plugin is created.
pub fn disable_editor() {
    EDITOR_DISABLED.store(true, Ordering::Release);
}

/// Makes the next editor apply the factory patch `stem` (e.g. "cube-orbit") when it opens,
/// through the host like a click in its browser (the standalone's `--patch`).
pub fn set_startup_patch(stem: &str) {
    *STARTUP_PATCH.lock().unwrap_or_else(|e| e.into_inner()) = Some(stem.to_owned());
}

/// The editor for a plugin with these parts; `None` when the editor is disabled.
///
/// # Allocation
/// Builds the editor's views (once, when the host asks the plugin for its editor).
pub fn create(
    params: Arc<WavecubeParams>,
    codec_sqnr_db: Arc<AtomicF32>,
    capture: Arc<CaptureStatus>,
    telemetry: Arc<TelemetryHub>,
    live: Arc<LiveInput>,
) -> Option<WavecubeEditor> {
    if EDITOR_DISABLED.load(Ordering::Acquire) {
        return None;
    }
    let window = params.editor_state.clone();
    let backend = Arc::new(PluginBackend::new(params.clone(), codec_sqnr_db, capture));
    let handle = SynthHandle {
        params,
        backend,
        telemetry,
        startup_patch: STARTUP_PATCH
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(),
        live,
    };
    wavecube_gui::create_editor(handle, window)
}

/// What the editor asks of the plugin.
pub struct PluginBackend {
    /// The parameters.
    params: Arc<WavecubeParams>,
    /// The codec stage's live SQNR, dB, written by the audio thread.
    codec_sqnr_db: Arc<AtomicF32>,
    /// What the capture thread reports; takes export requests.
    capture: Arc<CaptureStatus>,
    /// The cube of the bank last shown: its choice, the file bank's generation, the cube.
    cube: Mutex<Option<(BankChoice, u64, Arc<Cube>)>>,
}

impl PluginBackend {
    /// A backend over these parts.
    pub fn new(
        params: Arc<WavecubeParams>,
        codec_sqnr_db: Arc<AtomicF32>,
        capture: Arc<CaptureStatus>,
    ) -> Self {
        Self {
            params,
            codec_sqnr_db,
            capture,
            cube: Mutex::new(None),
        }
    }

    /// Selects the bank `choice` through the host.
    fn select(&self, choice: BankChoice, setter: &ParamSetter) {
        set(setter, &self.params.bank, choice);
    }
}

/// One complete change of `param` to `value` (begin, set, end).
fn set<P: Param>(setter: &ParamSetter, param: &P, value: P::Plain) {
    setter.begin_set_parameter(param);
    setter.set_parameter(param, value);
    setter.end_set_parameter(param);
}

/// Sets every parameter a patch describes, through `setter` (the contract's mapping,
/// [`mapping::apply_sound`], and the macro knobs), and makes its matrix and macro names the
/// plugin's (state, see [`crate::macros`]), and its effects rack's order (state, see
/// [`crate::fx_params`]). The bank, the codec and body settings other than their rack
/// slots, and the capture are not part of a patch and keep their values.
pub fn apply_patch(params: &WavecubeParams, patch: &Patch, setter: &ParamSetter) {
    mapping::apply_sound(params, &patch.sound, setter);
    params.macros.apply(patch.sound.modulation.macros, setter);
    params
        .matrix
        .set_patch(&patch.sound.modulation, &patch.meta.macro_names);
    // The effects' order is state; their settings went with the sound's parameters.
    params.fx_order.set(patch.sound.fx.order);
}

/// The sound playing now as a user preset with `meta` (the editor's Save and Save As): the
/// parameters' settings and the matrix ([`mapping::sound_of`]), the macro names, and the bank, named in `meta.bank` by its
/// factory stem, or for a file bank by its file name with the `.wcube` bytes embedded, so
/// the preset plays the same after the file is gone.
///
/// # Allocation
/// Clones the file bank's bytes (reading the file if the state holds only its path).
pub fn current_preset(params: &WavecubeParams, mut meta: PatchMeta) -> Preset {
    let sound = mapping::sound_of(params);
    meta.macro_names = params.matrix.macro_names();
    let choice = params.bank.value();
    let mut bank_wcube = None;
    if choice == BankChoice::File {
        if let Some(file) = params.bank_state.get().file {
            let stem = file
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().chars().take(MAX_NAME_CHARS).collect())
                .filter(|s: &String| !s.trim().is_empty())
                .unwrap_or_else(|| "file bank".to_owned());
            meta.bank = Some(stem);
            bank_wcube = file.wcube.or_else(|| std::fs::read(&file.path).ok());
        }
    } else {
        meta.bank = Some(choice.stem().to_owned());
    }
    Preset {
        patch: Patch { meta, sound },
        bank_wcube,
    }
}

/// Loads a user preset the way the editor's browser does: its bank first (the embedded
/// `.wcube` as the file bank, else the factory bank `meta.bank` names: a stem, a display
/// name or `factory`, the built-in cube), then every sound setting, all through `setter`.
///
/// # Errors
/// A message when the embedded bank does not load or `meta.bank` names no factory bank; the
/// sound is applied all the same, on the bank that played before.
pub fn load_preset(
    params: &WavecubeParams,
    preset: &Preset,
    setter: &ParamSetter,
) -> Result<(), String> {
    let meta = &preset.patch.meta;
    let bank = match (&preset.bank_wcube, meta.bank.as_deref()) {
        (Some(bytes), name) => {
            load_bank_bytes(params, name.unwrap_or("preset bank"), bytes, setter)
        }
        (None, Some(name)) => factory_choice(name)
            .map(|choice| set(setter, &params.bank, choice))
            .ok_or_else(|| format!("{}: no factory bank named {name:?}", meta.name)),
        (None, None) => Ok(()),
    };
    apply_patch(params, &preset.patch, setter);
    bank
}

/// The factory bank `name` names: a stem or display name (any case), or `factory` (the
/// built-in cube, [`DEFAULT_BANK`]).
fn factory_choice(name: &str) -> Option<BankChoice> {
    let name = name.trim();
    let stem = if name.eq_ignore_ascii_case("factory") {
        DEFAULT_BANK
    } else {
        FACTORY_BANKS
            .iter()
            .find(|(stem, display)| {
                name.eq_ignore_ascii_case(stem) || name.eq_ignore_ascii_case(display)
            })?
            .0
    };
    (0..BankChoice::variants().len())
        .map(BankChoice::from_index)
        .find(|c| *c != BankChoice::File && c.stem() == stem)
}

/// Makes `wcube` the file bank (written to [`bank_dir`] under `name`, so the file bank names
/// a file) and selects it through `setter`.
fn load_bank_bytes(
    params: &WavecubeParams,
    name: &str,
    wcube: &[u8],
    setter: &ParamSetter,
) -> Result<(), String> {
    // Decoded here once; the views and the loader thread share this cube.
    let cube = read_wcube(wcube).map_err(|e| format!("{name}: {e}"))?;
    let dir = bank_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(bank_file_name(name));
    if std::fs::read(&path).ok().as_deref() != Some(wcube) {
        std::fs::write(&path, wcube).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    params.bank_state.set_file(&path, wcube.to_vec(), cube);
    set(setter, &params.bank, BankChoice::File);
    Ok(())
}

/// Where banks that arrive as bytes (library, imports) are written so the file bank can name
/// a file: [`wavecube_dsp::folders::banks_dir`] (on Linux `$XDG_DATA_HOME/wavecube/banks`,
/// else `$HOME/.local/share/wavecube/banks`), else the temporary directory. The state embeds
/// the bytes, so a project does not depend on it.
pub fn bank_dir() -> PathBuf {
    wavecube_dsp::folders::banks_dir()
        .unwrap_or_else(|| std::env::temp_dir().join("wavecube-banks"))
}

/// A file name for bank `name`: letters, digits, `-`, `_`, `.` and spaces kept, the rest
/// replaced by `_`.
pub fn bank_file_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim().trim_start_matches('.');
    if clean.is_empty() {
        "bank.wcube".to_owned()
    } else {
        format!("{clean}.wcube")
    }
}

impl SynthBackend for PluginBackend {
    fn apply_patch(&self, patch: &Patch, setter: &ParamSetter) {
        apply_patch(&self.params, patch, setter);
    }

    fn select_factory_bank(&self, stem: &str, setter: &ParamSetter) -> Result<(), String> {
        let choice = (0..BankChoice::variants().len())
            .map(BankChoice::from_index)
            .find(|c| *c != BankChoice::File && c.stem() == stem)
            .ok_or_else(|| format!("no factory bank named {stem:?}"))?;
        self.select(choice, setter);
        Ok(())
    }

    fn load_bank_file(&self, path: &Path, setter: &ParamSetter) -> Result<(), String> {
        self.params
            .bank_state
            .load_file(path)
            .map_err(|e| e.to_string())?;
        self.select(BankChoice::File, setter);
        Ok(())
    }

    fn load_bank_bytes(
        &self,
        name: &str,
        wcube: &[u8],
        setter: &ParamSetter,
    ) -> Result<(), String> {
        load_bank_bytes(&self.params, name, wcube, setter)
    }

    fn current_sound(&self) -> Option<Sound> {
        Some(mapping::sound_of(&self.params))
    }

    fn current_preset(&self, meta: PatchMeta) -> Option<Preset> {
        Some(current_preset(&self.params, meta))
    }

    fn load_preset(&self, preset: &Preset, setter: &ParamSetter) -> Result<(), String> {
        load_preset(&self.params, preset, setter)
    }

    fn set_patch_state(&self, name: Option<&str>, key: Option<&str>, modified: bool) {
        self.params.bank_state.set_patch(name, key, modified);
    }

    fn patch_state(&self) -> (Option<String>, Option<String>, bool) {
        let state = self.params.bank_state.get();
        (state.patch, state.patch_key, state.modified)
    }

    fn matrix(&self) -> wavecube_dsp::modulation::ModMatrix {
        // The editor asks every frame: a change the full ring refused goes out now.
        self.params.matrix.flush();
        self.params.matrix.matrix()
    }

    fn set_matrix(&self, matrix: &wavecube_dsp::modulation::ModMatrix) {
        self.params.matrix.set(matrix, None);
    }

    fn macro_names(&self) -> [String; wavecube_dsp::modulation::MACROS] {
        self.params.matrix.macro_names()
    }

    fn fx_order(&self) -> [FxKind; SLOTS] {
        self.params.fx_order.get()
    }

    fn set_fx_order(&self, order: [FxKind; SLOTS]) {
        self.params.fx_order.set(order);
    }

    fn current_cube(&self) -> Arc<Cube> {
        let choice = self.params.bank.value();
        let generation = self.params.bank_state.generation();
        let mut cache = self.cube.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((c, g, cube)) = cache.as_ref() {
            if *c == choice && (choice != BankChoice::File || *g == generation) {
                return cube.clone();
            }
        }
        let cube = match choice {
            BankChoice::File => self.params.bank_state.file_cube().ok(),
            _ => factory_bank(choice.stem()).map(Arc::new),
        }
        .unwrap_or_else(|| Arc::new(factory_bank(DEFAULT_BANK).unwrap_or_else(factory_cube)));
        *cache = Some((choice, generation, cube.clone()));
        cube
    }

    fn codec_sqnr_db(&self) -> f32 {
        self.codec_sqnr_db.load(Ordering::Relaxed)
    }

    fn export_capture(&self, path: &Path) -> Result<(), String> {
        if self.capture.threads() == 0 {
            return Err("no capture is running (the plugin is not active)".to_owned());
        }
        self.capture.request_export(path.to_owned());
        Ok(())
    }

    fn capture_report(&self) -> CaptureReport {
        CaptureReport {
            running: self.capture.threads() > 0,
            exports: self.capture.exports(),
            last_export: self.capture.last_export(),
            last_error: self.capture.last_error(),
            retained_s: self.capture.retained_s(),
            sound_s: self.capture.sound_s(),
        }
    }

    fn sample_rate_hz(&self) -> f32 {
        match self.capture.sample_rate_hz() {
            0 => 48_000.0,
            hz => hz as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{FilterType, LfoShapeChoice, TensionModeChoice, VoiceMode};
    use wavecube_gui::testing::{HostCall, RecordingContext};

    /// Asserts `a` is `b` to within the normalised round trip of a skewed range.
    #[track_caller]
    fn close(a: f32, b: f32) {
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} != {b}");
    }

    fn patch(stem: &str) -> Patch {
        let path = format!(
            "{}/../presets/patches/{stem}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        Patch::from_json(&std::fs::read_to_string(path).expect("patch file")).expect("parses")
    }

    #[test]
    fn a_patch_sets_every_parameter_it_describes_through_the_host() {
        let params = WavecubeParams::default();
        let host = RecordingContext::default();
        let setter = ParamSetter::new(&host);
        apply_patch(&params, &patch("cube-orbit"), &setter);
        close(params.morph.x.value(), 0.5);
        close(params.lfo1.rate_hz.value(), 0.13);
        assert_eq!(params.lfo2.shape.value(), LfoShapeChoice::Triangle);
        close(params.amp_env.sustain_pct.value(), 90.0);
        assert_eq!(params.unison.voices.value(), 2);
        close(params.unison.spread_pct.value(), 60.0);
        assert_eq!(params.polyphony.value(), 12);
        close(params.gain_db.value(), -3.0);

        apply_patch(&params, &patch("acid-bass"), &setter);
        assert_eq!(params.voice_mode.value(), VoiceMode::Mono);
        assert!(params.filter.enabled.value());
        close(params.filter.cutoff_hz.value(), 180.0);
        close(params.filter.resonance_pct.value(), 55.0);
        // A 0 Hz (off) LFO keeps its 0 Hz.
        assert_eq!(params.lfo1.rate_hz.value(), 0.0);

        // Every change is a complete gesture.
        let calls = host.calls();
        assert_eq!(calls.len() % 3, 0);
        for c in calls.chunks(3) {
            assert!(
                matches!(c, [HostCall::Begin(a), HostCall::Set(b, _), HostCall::End(d)] if a == b && b == d),
                "{c:?}"
            );
        }
    }

    #[test]
    fn every_choice_a_patch_names_reaches_its_parameter() {
        let params = WavecubeParams::default();
        let host = RecordingContext::default();
        let setter = ParamSetter::new(&host);
        let mut p = Patch::default();
        for i in 0..FilterType::variants().len() {
            let kind = FilterType::from_index(i);
            p.sound.filter.mode = mapping::filter_mode(kind);
            for k in 0..VoiceMode::variants().len() {
                p.sound.voice.mode = mapping::voice_mode(VoiceMode::from_index(k));
                apply_patch(&params, &p, &setter);
                assert_eq!(params.filter.kind.value(), kind);
                assert_eq!(params.voice_mode.value(), VoiceMode::from_index(k));
            }
        }
        for i in 0..LfoShapeChoice::variants().len() {
            let shape = LfoShapeChoice::from_index(i);
            p.sound.lfos[1].shape = shape.to_dsp();
            apply_patch(&params, &p, &setter);
            assert_eq!(params.lfo2.shape.value(), shape);
        }
        for i in 0..TensionModeChoice::variants().len() {
            let mode = TensionModeChoice::from_index(i);
            p.sound.tension.mode = mapping::tension_mode(mode);
            apply_patch(&params, &p, &setter);
            assert_eq!(params.tension.mode.value(), mode);
        }
    }

    #[test]
    fn the_tension_section_reaches_its_parameters() {
        let params = WavecubeParams::default();
        let host = RecordingContext::default();
        apply_patch(&params, &patch("tension-pad"), &ParamSetter::new(&host));
        close(params.tension.alpha.value(), 0.4);
        close(params.tension.gamma.value(), 0.3);
        assert_eq!(params.tension.mode.value(), TensionModeChoice::Interactive);
    }

    /// Default parameters and a backend on them, with no codec readout and no capture.
    fn backend() -> (Arc<WavecubeParams>, PluginBackend) {
        let params = Arc::new(WavecubeParams::default());
        let backend = PluginBackend::new(
            params.clone(),
            Arc::new(AtomicF32::new(f32::NAN)),
            Arc::new(CaptureStatus::default()),
        );
        (params, backend)
    }

    #[test]
    fn banks_switch_through_the_bank_parameter_and_the_cube_follows() {
        let (params, backend) = backend();
        let host = RecordingContext::default();
        let setter = ParamSetter::new(&host);
        assert_eq!(backend.current_cube().meta().name, "Basic Shapes");
        backend
            .select_factory_bank("fm-cube", &setter)
            .expect("a factory bank");
        assert_eq!(params.bank.value(), BankChoice::FmCube);
        assert_eq!(backend.current_cube().meta().name, "FM Cube");
        assert!(backend.select_factory_bank("nope", &setter).is_err());
        assert!(backend.codec_sqnr_db().is_nan());
        // No capture runs before activation: an export is refused, not queued forever.
        assert!(backend.export_capture(Path::new("/tmp/x.wav")).is_err());
    }

    #[test]
    fn library_bytes_become_the_file_bank() {
        let dir = std::env::temp_dir().join(format!("wavecube-editor-test-{}", std::process::id()));
        let (params, backend) = backend();
        let host = RecordingContext::default();
        let setter = ParamSetter::new(&host);
        let bytes = std::fs::read(format!(
            "{}/../presets/banks/vowel-formants.wcube",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("factory bank file");
        // Via a file, so the test does not depend on the data directory.
        let file = dir.join("v.wcube");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&file, &bytes).unwrap();
        backend.load_bank_file(&file, &setter).expect("loads");
        assert_eq!(params.bank.value(), BankChoice::File);
        assert_eq!(backend.current_cube().meta().name, "Vowel Formants");
        // Decoded once: the editor's views and the loader thread's path share one cube.
        let shown = backend.current_cube();
        let loader_side = crate::bank_loader::resolve_bank(BankChoice::File, &params.bank_state);
        assert!(Arc::ptr_eq(&shown, &loader_side));
        // A restored state decodes its own bytes, once, not the cube held before.
        nice_plug::params::persist::PersistentField::set(
            &*params.bank_state,
            params.bank_state.get(),
        );
        let restored = params.bank_state.file_cube().expect("embedded bytes");
        assert!(!Arc::ptr_eq(&shown, &restored));
        assert!(Arc::ptr_eq(&restored, &backend.current_cube()));
        let err = backend
            .load_bank_bytes("junk", b"not a bank", &setter)
            .expect_err("refused");
        assert!(err.contains("junk"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bank_file_names_are_safe() {
        assert_eq!(bank_file_name("Vowel Formants"), "Vowel Formants.wcube");
        assert_eq!(bank_file_name("../etc/passwd"), "_etc_passwd.wcube");
        assert_eq!(bank_file_name("a/b:c"), "a_b_c.wcube");
        assert_eq!(bank_file_name(""), "bank.wcube");
    }

    #[test]
    fn the_window_size_is_part_of_the_state() {
        let params = WavecubeParams::default();
        let fields = params.serialize_fields();
        assert_eq!(
            fields.get("editor-state").map(String::as_str),
            Some(r#"{"width":1100,"height":720}"#)
        );
        let mut restored = fields.clone();
        restored.insert(
            "editor-state".into(),
            r#"{"width":1300,"height":800}"#.into(),
        );
        params.deserialize_fields(&restored);
        assert_eq!(params.editor_state.size().width, 1300);
    }
}
