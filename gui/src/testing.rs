//! Running the editor without a window: a recording host context, a stand-in backend,
//! telemetry recorded from the real engine, and [`Headless`], which drives frames of an
//! [`EditorApp`] through a plain `egui::Context`. Used by the tests and the frame-cost bench.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use egui::{pos2, vec2, Event, Modifiers, PointerButton, Pos2, RawInput, Rect};
use nice_plug_core::context::gui::{GuiContext, GuiContextInner, ParamSetter};
use nice_plug_core::context::PluginApi;
use nice_plug_core::params::internals::ParamPtr;
use nice_plug_core::params::range::{FloatRange, IntRange};
use nice_plug_core::params::{BoolParam, FloatParam, IntParam, Param, Params};
use nice_plug_core::plugin::PluginState;
use wavecube_dsp::bank::factory::factory_bank;
use wavecube_dsp::bank::read_wcube;
use wavecube_dsp::cube::{factory_cube, Cube, CubeSet};
use wavecube_dsp::fx::rack::{FxKind, RackSettings, SLOTS};
use wavecube_dsp::modulation::{Destination, Slot, Source};
use wavecube_dsp::patch::fx_ranges::{FxSetting, FX_SETTINGS};
use wavecube_dsp::patch::ranges::{Kind, Taper};
use wavecube_dsp::patch::Patch;
use wavecube_dsp::synth::{Engine, LfoShape, NoteEvent, TimedEvent};
use wavecube_dsp::telemetry::{
    send_voice_mods, telemetry, Telemetry, TelemetryHub, TelemetryTx, DEFAULT_AUDIO_FRAMES,
    DEFAULT_MESSAGES, METER_BANDS, TELEMETRY_VOICES,
};
use wavecube_dsp::wavelet::{BandMeter, Wavelet};

use crate::app::EditorApp;
use crate::handle::{
    CaptureReport, LiveInput, LiveReceiver, SynthBackend, SynthHandle, LIVE_CAPACITY,
};
use crate::session::TelemetrySession;
use crate::theme;
use crate::views::fx::{slot_title, FX_SECTION};

/// One host call the editor made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostCall {
    /// A gesture started.
    Begin(ParamPtr),
    /// A value was set, normalised.
    Set(ParamPtr, f32),
    /// A gesture ended.
    End(ParamPtr),
}

/// A host context that records every call and applies the values to the parameters, as a
/// host would.
#[derive(Debug, Default)]
pub struct RecordingContext {
    /// Every call, in order.
    calls: Mutex<Vec<HostCall>>,
}

impl RecordingContext {
    /// The calls so far.
    pub fn calls(&self) -> Vec<HostCall> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn push(&self, call: HostCall) {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(call);
    }
}

impl GuiContextInner for RecordingContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Standalone
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        self.push(HostCall::Begin(param));
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        self.push(HostCall::Set(param, normalized));
        // SAFETY: the caller (the editor) only passes pointers from the `Params` object it
        // holds, which outlives this call.
        unsafe {
            param._internal_set_normalized_value(normalized);
        }
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        self.push(HostCall::End(param));
    }

    fn get_state(&self) -> PluginState {
        PluginState {
            version: String::new(),
            params: Default::default(),
            fields: Default::default(),
        }
    }

    fn set_state(&self, _state: PluginState) {}

    fn request_restart(&self) {}
}

/// A stand-in synth: a fixed cube, and a log of what the editor asked.
#[derive(Debug)]
pub struct MockBackend {
    /// The cube it plays.
    cube: Mutex<Arc<Cube>>,
    /// What the editor asked, in order ("patch Cube Orbit", "bank fm-cube", …).
    log: Mutex<Vec<String>>,
    /// The SQNR it reports, dB.
    sqnr_db: f32,
    /// Exports done.
    exports: AtomicU32,
    /// The last export's path.
    last_export: Mutex<Option<PathBuf>>,
    /// The matrix the editor set last.
    matrix: Mutex<wavecube_dsp::modulation::ModMatrix>,
    /// The effects rack's order the editor set last (the FX tab's drag to reorder).
    fx_order: Mutex<[FxKind; SLOTS]>,
}

impl Default for MockBackend {
    fn default() -> Self {
        Self::new(
            Arc::new(factory_bank("basic-shapes").unwrap_or_else(factory_cube)),
            37.5,
        )
    }
}

impl MockBackend {
    /// A backend playing `cube` and reporting `sqnr_db`.
    pub fn new(cube: Arc<Cube>, sqnr_db: f32) -> Self {
        Self {
            cube: Mutex::new(cube),
            log: Mutex::new(Vec::new()),
            sqnr_db,
            exports: AtomicU32::new(0),
            last_export: Mutex::new(None),
            matrix: Mutex::default(),
            fx_order: Mutex::new(FxKind::ALL),
        }
    }

    /// The name of the bank playing.
    pub fn current_cube_name(&self) -> String {
        self.current_cube().meta().name.clone()
    }

    /// What the editor asked so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn note(&self, line: String) {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line);
    }
}

impl SynthBackend for MockBackend {
    fn matrix(&self) -> wavecube_dsp::modulation::ModMatrix {
        *self.matrix.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_matrix(&self, matrix: &wavecube_dsp::modulation::ModMatrix) {
        *self.matrix.lock().unwrap_or_else(|e| e.into_inner()) = *matrix;
        self.note(format!("matrix {} active", matrix.active()));
    }

    fn fx_order(&self) -> [FxKind; SLOTS] {
        *self.fx_order.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_fx_order(&self, order: [FxKind; SLOTS]) {
        let valid = RackSettings {
            order,
            ..RackSettings::default()
        }
        .order_is_valid();
        if !valid {
            return;
        }
        *self.fx_order.lock().unwrap_or_else(|e| e.into_inner()) = order;
        let names: Vec<&str> = order.iter().map(|k| k.name()).collect();
        self.note(format!("fx order {}", names.join(" ")));
    }

    fn macro_names(&self) -> [String; wavecube_dsp::modulation::MACROS] {
        ["Air", "Wobble", "Grit", "Macro 4"].map(String::from)
    }

    fn apply_patch(&self, patch: &Patch, _setter: &ParamSetter) {
        self.note(format!("patch {}", patch.meta.name));
    }

    fn select_factory_bank(&self, stem: &str, _setter: &ParamSetter) -> Result<(), String> {
        let cube = factory_bank(stem).ok_or_else(|| format!("no factory bank {stem:?}"))?;
        *self.cube.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(cube);
        self.note(format!("bank {stem}"));
        Ok(())
    }

    fn load_bank_file(&self, path: &Path, setter: &ParamSetter) -> Result<(), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        self.load_bank_bytes(&path.display().to_string(), &bytes, setter)
    }

    fn load_bank_bytes(
        &self,
        name: &str,
        wcube: &[u8],
        _setter: &ParamSetter,
    ) -> Result<(), String> {
        let cube = read_wcube(wcube).map_err(|e| format!("{name}: {e}"))?;
        *self.cube.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(cube);
        self.note(format!("bytes {name}"));
        Ok(())
    }

    fn current_cube(&self) -> Arc<Cube> {
        self.cube.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn codec_sqnr_db(&self) -> f32 {
        self.sqnr_db
    }

    fn export_capture(&self, path: &Path) -> Result<(), String> {
        *self.last_export.lock().unwrap_or_else(|e| e.into_inner()) = Some(path.to_owned());
        self.exports.fetch_add(1, Ordering::AcqRel);
        self.note(format!("export {}", path.display()));
        Ok(())
    }

    fn capture_report(&self) -> CaptureReport {
        CaptureReport {
            running: true,
            exports: self.exports.load(Ordering::Acquire),
            last_export: self
                .last_export
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            last_error: None,
            retained_s: 12.0,
            sound_s: 12.0,
        }
    }

    fn sample_rate_hz(&self) -> f32 {
        48_000.0
    }
}

/// One effect parameter of [`FxParams`], as the plugin builds it from its [`FxSetting`].
#[derive(Debug)]
enum FxParam {
    /// A continuous setting.
    Float(FloatParam),
    /// A whole number or a choice (its index, shown by name).
    Int(IntParam),
    /// A switch.
    Bool(BoolParam),
}

impl FxParam {
    fn as_ptr(&self) -> ParamPtr {
        match self {
            Self::Float(p) => p.as_ptr(),
            Self::Int(p) => p.as_ptr(),
            Self::Bool(p) => p.as_ptr(),
        }
    }
}

/// The host-side unit suffix of `fx`: " %" for a setting shown ×100, else its unit with a
/// leading space (" ms", " Hz", " dB", " s"), or none.
pub fn fx_unit_suffix(fx: &FxSetting) -> &'static str {
    if fx.setting.display_scale == 100.0 {
        return " %";
    }
    match fx.setting.unit {
        "ms" => " ms",
        "Hz" => " Hz",
        "dB" => " dB",
        "s" => " s",
        _ => "",
    }
}

/// The effect parameters as the plugin exposes them (`plugin/src/params.rs` on the effects
/// branch): one per [`FX_SETTINGS`] entry, id `setting.id`, name [`FxSetting::name`], group
/// `"Effects/<slot title>"`; a float is a `FloatParam` of the plain value × `display_scale`
/// with its taper and unit, a whole number an `IntParam`, a switch a `BoolParam`, a choice an
/// `IntParam` `0..n−1` shown by the choice's name.
///
/// `#[derive(Params)]` needs a field per parameter, so this implements [`Params`] by hand
/// over a list; nest it (`#[nested] fx: FxParams`) in a derived tree.
#[derive(Debug)]
pub struct FxParams {
    /// `(id, parameter, group)` in [`FX_SETTINGS`] order. Each parameter is boxed so the
    /// pointers [`Params::param_map`] hands out stay put.
    params: Vec<(&'static str, Box<FxParam>, String)>,
}

impl Default for FxParams {
    fn default() -> Self {
        let params = FX_SETTINGS
            .iter()
            .map(|fx| {
                let s = &fx.setting;
                let scale = s.display_scale;
                let param = match s.kind {
                    Kind::Float(taper) => {
                        let (min, max) = (s.min * scale, s.max * scale);
                        let range = match taper {
                            Taper::Linear => FloatRange::Linear { min, max },
                            Taper::Skewed { exponent } => FloatRange::Skewed {
                                min,
                                max,
                                factor: FloatRange::skew_factor(exponent),
                            },
                        };
                        FxParam::Float(
                            FloatParam::new(fx.name(), s.default * scale, range)
                                .with_unit(fx_unit_suffix(fx)),
                        )
                    }
                    Kind::Int => FxParam::Int(
                        IntParam::new(
                            fx.name(),
                            s.default.round() as i32,
                            IntRange::Linear {
                                min: s.min.round() as i32,
                                max: s.max.round() as i32,
                            },
                        )
                        .with_unit(fx_unit_suffix(fx)),
                    ),
                    Kind::Bool => FxParam::Bool(BoolParam::new(fx.name(), s.default >= 0.5)),
                    Kind::Choice(names) => FxParam::Int(
                        IntParam::new(
                            fx.name(),
                            s.default.round() as i32,
                            IntRange::Linear {
                                min: 0,
                                max: names.len() as i32 - 1,
                            },
                        )
                        .with_value_to_string(Arc::new(move |v| {
                            names
                                .get(v.max(0) as usize)
                                .map_or_else(|| v.to_string(), |n| (*n).to_owned())
                        })),
                    ),
                };
                (
                    s.id,
                    Box::new(param),
                    format!("{FX_SECTION}/{}", slot_title(fx.kind)),
                )
            })
            .collect();
        Self { params }
    }
}

// SAFETY: every `ParamPtr` points into a `Box` this object owns and never moves or drops
// before it is dropped itself, which is what `Params` asks of an implementation.
unsafe impl Params for FxParams {
    fn param_map(&self) -> Vec<(String, ParamPtr, String)> {
        self.params
            .iter()
            .map(|(id, p, group)| ((*id).to_owned(), p.as_ptr(), group.clone()))
            .collect()
    }
}

/// Telemetry and output recorded from the real engine, cut into editor frames.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Per editor frame: the messages and output frames the audio thread sent during it.
    pub frames: Vec<(Vec<Telemetry>, Vec<[f32; 2]>)>,
}

/// Chords of the recorded progression (MIDI notes): Dm7, G7, Cmaj7, Am7, Fmaj7, E7.
pub const PROGRESSION: [[u8; 4]; 6] = [
    [50, 53, 57, 60],
    [55, 59, 62, 65],
    [48, 52, 55, 59],
    [57, 60, 64, 67],
    [53, 57, 60, 64],
    [52, 56, 59, 62],
];

/// Renders `seconds` of the engine on the factory cube playing [`PROGRESSION`] (one chord a
/// second) with morph LFOs and tension on the morph, publishing what the plugin's telemetry
/// tap publishes, cut into frames of `1 / fps` seconds.
///
/// # Allocation
/// Renders and stores everything (setup for tests and benches, not for a real editor).
pub fn record_telemetry(seconds: f64, fps: f64) -> Recording {
    let rate = 48_000.0f32;
    let block = 512usize;
    let set = Arc::new(CubeSet::build(&factory_cube()).expect("the factory cube builds"));
    let mut engine = Engine::new(rate, block, set);
    {
        let p = engine.params_mut();
        p.morph = [0.35, 0.4, 0.3];
        p.lfo[0].shape = LfoShape::Sine;
        p.lfo[0].rate_hz = 0.23;
        p.lfo[1].shape = LfoShape::Triangle;
        p.lfo[1].rate_hz = 0.11;
        for (source, destination, amount) in [
            (Source::Lfo1, Destination::MorphX, 0.4),
            (Source::Lfo1, Destination::MorphZ, 0.2),
            (Source::Lfo2, Destination::MorphY, 0.35),
            (Source::Tension, Destination::MorphX, 0.2),
            (Source::Tension, Destination::MorphY, 0.4),
        ] {
            p.matrix.push(Slot::new(source, destination, amount));
        }
        p.gain = 0.5;
    }
    let mut meter = BandMeter::new(Wavelet::Db4, METER_BANDS - 1, 2048).expect("meter settings");
    let total = (seconds * f64::from(rate)) as usize;
    let per_frame = (f64::from(rate) / fps).round() as usize;
    let mut frames: Vec<(Vec<Telemetry>, Vec<[f32; 2]>)> = Vec::new();
    let (mut left, mut right) = (vec![0.0f32; block], vec![0.0f32; block]);
    let mut mono = vec![0.0f32; block];
    let mut held: Option<[u8; 4]> = None;
    let mut clock = 0usize;
    while clock < total {
        let mut events = Vec::new();
        let chord = PROGRESSION[(clock / rate as usize) % PROGRESSION.len()];
        if held != Some(chord) {
            if let Some(old) = held {
                events.extend(old.map(|note| TimedEvent {
                    offset: 0,
                    event: NoteEvent::NoteOff { note },
                }));
            }
            events.extend(chord.map(|note| TimedEvent {
                offset: 0,
                event: NoteEvent::NoteOn {
                    note,
                    velocity: 0.8,
                },
            }));
            held = Some(chord);
        }
        engine.process(&events, &mut left, &mut right);
        clock += block;
        let frame = clock.div_ceil(per_frame);
        while frames.len() < frame {
            frames.push((Vec::new(), Vec::new()));
        }
        let (messages, audio) = frames.last_mut().expect("pushed above");
        messages.extend(engine.chord_events().iter().map(|&e| Telemetry::Chord(e)));
        messages.push(Telemetry::Tension {
            time_samples: clock as u64,
            tension: engine.tension(),
            target: engine.harmony().tension(),
        });
        let mut morph = [[0.0; 3]; TELEMETRY_VOICES];
        let count = engine.voice_morphs(&mut morph);
        messages.push(Telemetry::Voices {
            time_samples: clock as u64,
            count: count as u8,
            morph,
        });
        send_voice_mods(&engine, clock as u64, |m| messages.push(m));
        for ((m, l), r) in mono.iter_mut().zip(&left).zip(&right) {
            *m = 0.5 * (l + r);
        }
        if meter.process_block(&mono) > 0 {
            let mut energies = [0.0; METER_BANDS];
            for (e, &v) in energies.iter_mut().zip(meter.energies()) {
                *e = (v / 2048.0) as f32;
            }
            messages.push(Telemetry::Bands {
                time_samples: clock as u64,
                energies,
                bands: METER_BANDS as u8,
            });
        }
        audio.extend(left.iter().zip(&right).map(|(&l, &r)| [l, r]));
    }
    Recording { frames }
}

/// What the plugin's telemetry tap sends after one block of the real engine (the factory
/// cube, the filter on at `cutoff_hz`, `matrix` as its matrix) that has played `notes`
/// (MIDI note, velocity 0..1) held for `seconds`: the voices' morph points and each
/// sounding voice's live value of the destinations the matrix moves
/// ([`send_voice_mods`]). For tests of the rings' voice dots.
///
/// # Allocation
/// Builds an engine and renders (setup for tests, not for a real editor).
pub fn voice_telemetry(
    matrix: &wavecube_dsp::modulation::ModMatrix,
    cutoff_hz: f32,
    notes: &[(u8, f32)],
    seconds: f64,
) -> Vec<Telemetry> {
    let rate = 48_000.0f32;
    let block = 512usize;
    let set = Arc::new(CubeSet::build(&factory_cube()).expect("the factory cube builds"));
    let mut engine = Engine::new(rate, block, set);
    {
        let p = engine.params_mut();
        p.filter.enabled = true;
        p.filter.cutoff_hz = cutoff_hz;
        p.matrix = *matrix;
    }
    let (mut left, mut right) = (vec![0.0f32; block], vec![0.0f32; block]);
    let ons: Vec<TimedEvent> = notes
        .iter()
        .map(|&(note, velocity)| TimedEvent {
            offset: 0,
            event: NoteEvent::NoteOn { note, velocity },
        })
        .collect();
    let blocks = ((seconds * f64::from(rate)) as usize)
        .div_ceil(block)
        .max(1);
    for k in 0..blocks {
        let events: &[TimedEvent] = if k == 0 { &ons } else { &[] };
        engine.process(events, &mut left, &mut right);
    }
    let time_samples = (blocks * block) as u64;
    let mut morph = [[0.0; 3]; TELEMETRY_VOICES];
    let count = engine.voice_morphs(&mut morph);
    let mut messages = vec![Telemetry::Voices {
        time_samples,
        count: count as u8,
        morph,
    }];
    send_voice_mods(&engine, time_samples, |m| messages.push(m));
    messages
}

/// An editor driven frame by frame without a window.
pub struct Headless {
    /// The egui context (fonts, memory, textures).
    pub ctx: egui::Context,
    /// The editor.
    pub app: EditorApp,
    /// The host context's calls.
    pub host: Arc<RecordingContext>,
    /// The stand-in synth.
    pub backend: Arc<MockBackend>,
    /// The audio thread's end of the telemetry channel.
    pub tx: TelemetryTx,
    /// The session the editor reads through (open).
    pub session: Arc<TelemetrySession>,
    /// The audio thread's end of the editor's live notes, when the editor was built with
    /// its own [`LiveInput`] (`None` when a plugin holds it: [`Headless::with_live`]).
    pub live_rx: Option<LiveReceiver>,
    /// Window size, points.
    pub size: egui::Vec2,
    /// egui time of the next frame, seconds.
    time_s: f64,
    /// Pointer position, if inside.
    pointer: Option<Pos2>,
    /// Modifiers held.
    modifiers: Modifiers,
}

/// Seconds between headless frames (as [`FRAME_INTERVAL`](crate::app::FRAME_INTERVAL)).
pub const HEADLESS_FRAME_S: f64 = 0.020;

impl Headless {
    /// An editor of `params` on a [`MockBackend`], in a window of 1100 × 720 points, with its
    /// telemetry session open.
    pub fn new(params: Arc<dyn Params>) -> Self {
        Self::with_backend(params, Arc::new(MockBackend::default()), None)
    }

    /// An editor of `params` on `backend`; `startup_patch` as the standalone's `--patch`.
    pub fn with_backend(
        params: Arc<dyn Params>,
        backend: Arc<MockBackend>,
        startup_patch: Option<String>,
    ) -> Self {
        let (live, rx) = LiveInput::new(LIVE_CAPACITY);
        let mut h = Self::with_live(params, backend, startup_patch, live);
        h.live_rx = Some(rx);
        h
    }

    /// An editor of `params` on `backend` whose notes go to `live` (e.g. a plugin's, so a
    /// test can play the editor into the plugin's `process`).
    pub fn with_live(
        params: Arc<dyn Params>,
        backend: Arc<MockBackend>,
        startup_patch: Option<String>,
        live: Arc<LiveInput>,
    ) -> Self {
        let hub = Arc::new(TelemetryHub::default());
        let (tx, rx) = telemetry(DEFAULT_MESSAGES, DEFAULT_AUDIO_FRAMES);
        hub.return_receiver(rx);
        let handle = SynthHandle {
            params,
            backend: backend.clone(),
            telemetry: hub,
            startup_patch,
            live,
        };
        let session = Arc::new(TelemetrySession::new(handle.telemetry.clone()));
        session.open();
        let host = Arc::new(RecordingContext::default());
        let mut app = EditorApp::new(handle, session.clone());
        app.set_gui_context(GuiContext::new(host.clone()));
        let ctx = egui::Context::default();
        theme::install(&ctx);
        Self {
            ctx,
            app,
            host,
            backend,
            tx,
            session,
            live_rx: None,
            size: vec2(
                crate::editor::DEFAULT_WIDTH as f32,
                crate::editor::DEFAULT_HEIGHT as f32,
            ),
            time_s: 0.0,
            pointer: None,
            modifiers: Modifiers::NONE,
        }
    }

    /// Sends one recorded frame's telemetry, as the audio thread would.
    pub fn send(&mut self, frame: &(Vec<Telemetry>, Vec<[f32; 2]>)) {
        for &m in &frame.0 {
            self.tx.send(m);
        }
        let (l, r): (Vec<f32>, Vec<f32>) = frame.1.iter().map(|f| (f[0], f[1])).unzip();
        self.tx.send_audio(&l, &r);
    }

    /// Runs one frame with `events`; returns egui's output (its texture updates already
    /// discarded: there is no GPU to upload them to).
    pub fn frame(&mut self, events: Vec<Event>) -> egui::FullOutput {
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(pos2(0.0, 0.0), self.size)),
            time: Some(self.time_s),
            predicted_dt: HEADLESS_FRAME_S as f32,
            focused: true,
            events,
            ..Default::default()
        };
        self.time_s += HEADLESS_FRAME_S;
        let app = &mut self.app;
        let mut output = self.ctx.run_ui(input, |ui| app.frame(ui));
        output.textures_delta.clear();
        output
    }

    /// Runs one frame and tessellates its shapes (what a renderer would draw); returns the
    /// number of clipped primitives.
    pub fn frame_and_tessellate(&mut self) -> usize {
        let output = self.frame(Vec::new());
        let ppp = output.pixels_per_point;
        self.ctx.tessellate(output.shapes, ppp).len()
    }

    /// Sets the modifiers held from the next frame on.
    pub fn set_modifiers(&mut self, modifiers: Modifiers) {
        self.modifiers = modifiers;
        self.frame(vec![Event::ModifiersChanged(modifiers)]);
    }

    /// Moves the pointer to `pos` (one frame).
    pub fn hover(&mut self, pos: Pos2) {
        self.pointer = Some(pos);
        self.frame(vec![Event::PointerMoved(pos)]);
    }

    /// Presses the primary button at the pointer (one frame).
    pub fn press(&mut self) {
        let pos = self.pointer.unwrap_or_default();
        let modifiers = self.modifiers;
        self.frame(vec![Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed: true,
            modifiers,
        }]);
    }

    /// Releases the primary button at the pointer (one frame).
    pub fn release(&mut self) {
        let pos = self.pointer.unwrap_or_default();
        let modifiers = self.modifiers;
        self.frame(vec![Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed: false,
            modifiers,
        }]);
    }

    /// Drags with the primary button from `from` by `delta` in `steps` moves, one frame each.
    pub fn drag(&mut self, from: Pos2, delta: egui::Vec2, steps: usize) {
        self.hover(from);
        self.press();
        for k in 1..=steps {
            self.hover(from + delta * (k as f32 / steps as f32));
        }
        self.release();
    }

    /// Clicks at `pos` (press and release, one frame each).
    pub fn click(&mut self, pos: Pos2) {
        self.hover(pos);
        self.press();
        self.release();
    }

    /// Double-clicks at `pos`.
    pub fn double_click(&mut self, pos: Pos2) {
        self.click(pos);
        self.click(pos);
    }

    /// Presses `key` and holds it (one frame).
    pub fn key_down(&mut self, key: egui::Key) {
        self.key_event(key, true);
    }

    /// Releases `key` (one frame).
    pub fn key_up(&mut self, key: egui::Key) {
        self.key_event(key, false);
    }

    fn key_event(&mut self, key: egui::Key, pressed: bool) {
        let modifiers = self.modifiers;
        self.frame(vec![Event::Key {
            key,
            physical_key: None,
            pressed,
            repeat: false,
            modifiers,
        }]);
    }

    /// The window loses keyboard focus (one frame), as baseview reports it.
    pub fn focus_lost(&mut self) {
        self.frame(vec![Event::WindowFocused(false)]);
    }

    /// Presses and releases `key` (one frame).
    pub fn key(&mut self, key: egui::Key) {
        let modifiers = self.modifiers;
        self.frame(vec![
            Event::Key {
                key,
                physical_key: None,
                pressed: true,
                repeat: false,
                modifiers,
            },
            Event::Key {
                key,
                physical_key: None,
                pressed: false,
                repeat: false,
                modifiers,
            },
        ]);
    }
}
