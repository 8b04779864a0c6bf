//! Wavecube as a CLAP/VST3 instrument and a standalone app: the plugin struct and its
//! nice-plug `Plugin` impl. Parameters live in [`params`], their conversion to the engine in
//! [`mapping`], host events in [`events`], CLAP polyphonic modulation in [`poly`], the macro
//! parameters and the modulation matrix (state) in [`macros`], persisted
//! non-parameter state in [`state`], the bank loader thread in [`bank_loader`], the codec
//! stage in [`codec_stage`], the rolling capture of the output in [`capture`], the body
//! stage (convolution) in [`body_stage`], the editor's backend in [`editor`], and the CLAP
//! entry with preset discovery and preset loading in [`clap_entry`] and [`presets_clap`].

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use atomic_float::AtomicF32;

use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::NoteEvent as HostEvent;
use nice_plug::prelude::*;
use wavecube_dsp::conv::ir::IrLoadError;
use wavecube_dsp::cube::CubeSet;
use wavecube_dsp::synth::{Engine, TimedEvent};
use wavecube_gui::handle::{LiveInput, LiveReceiver, LIVE_CAPACITY};

pub mod bank_loader;
pub mod body_stage;
pub mod capture;
pub mod clap_entry;
pub mod codec_stage;
pub mod editor;
pub mod events;
pub mod fx_params;
pub mod fx_stage;
pub mod macros;
pub mod mapping;
pub mod params;
pub mod poly;
pub mod presets_clap;
pub mod state;
pub mod telemetry_tap;

use bank_loader::{BankAudio, BankLoader};
use body_stage::{BodyLoader, BodyStage};
use capture::{CaptureError, CaptureStatus, CaptureTap, CaptureWorker};
use codec_stage::{CodecStage, LatencyChange, LatencyRule};
use fx_stage::{FxStage, Stages};

/// The engine's own delay (its oversampling decimator), samples: the same at every sample
/// rate, block size and setting, so it is reported once with the codec stage's.
const ENGINE_LATENCY: u32 = wavecube_dsp::synth::LATENCY_SAMPLES as u32;
use events::{EventQueue, EVENT_CAPACITY};
use params::{BankChoice, WavecubeParams};
use poly::PolyMods;
use state::BankLoadError;
use telemetry_tap::TelemetryTap;
use wavecube_dsp::telemetry::TelemetryHub;

/// Longest piece rendered at one parameter value while a smoother glides, samples (a 20 ms
/// ramp then moves in ≤ 0.33 ms steps).
pub const SMOOTH_PIECE: usize = 16;

/// The Wavecube instrument.
pub struct Wavecube {
    /// The parameter tree, shared with the host (and later the editor).
    params: Arc<WavecubeParams>,
    /// The cube built at the last activation: its bank, the file bank generation it was
    /// built from, and the cube. Main thread (`activate`).
    cube: Option<(BankChoice, u64, Arc<CubeSet>)>,
    /// The audio thread's end of the bank loader; `None` until activated.
    bank_audio: Option<BankAudio>,
    /// The bank loader thread; dropping it stops and joins the thread. Main thread
    /// (`activate`, drop).
    bank_loader: Option<BankLoader>,
    /// Cube swaps the audio thread has applied (bank changes that reached the engine);
    /// written by the audio thread.
    cube_swaps: Arc<AtomicU64>,
    /// The synth engine; `None` until activated. Audio thread only.
    engine: Option<Engine>,
    /// Engine events of the piece being rendered. Audio thread only.
    events: EventQueue,
    /// Per-voice CLAP polyphonic modulation. Audio thread only.
    poly: PolyMods,
    /// The voice capacity last reported to the host (0 before the first report). Audio
    /// thread, and `activate` on the main thread.
    voice_capacity: u32,
    /// The codec stage; `None` until activated. Audio thread only.
    codec: Option<CodecStage>,
    /// The effects rack (with the codec and body stages at their slots); `None` until
    /// activated. Audio thread only.
    fx: Option<FxStage>,
    /// The codec stage's live SQNR, dB (NaN while off, +∞ before anything audible was coded):
    /// written by the audio thread after every `process` call, read by the editor.
    codec_sqnr_db: Arc<AtomicF32>,
    /// The audio thread's end of the capture; `None` until activated (or if the capture could
    /// not start).
    capture_input: Option<CaptureTap>,
    /// The capture thread; dropping it stops and joins the thread. Main thread (`activate`,
    /// drop).
    capture: Option<CaptureWorker>,
    /// What the capture thread reports (last export, memory), for the editor.
    capture_status: Arc<CaptureStatus>,
    /// The body stage's audio side; `None` until activated (or if its loader could not
    /// start). Audio thread only.
    body: Option<BodyStage>,
    /// The body stage's IR loader thread; dropping it stops and joins the thread.
    body_loader: Option<BodyLoader>,
    /// Body IRs swapped in by the audio thread so far.
    body_swaps: Arc<AtomicU64>,
    /// Where the editor finds the telemetry channel.
    telemetry: Arc<TelemetryHub>,
    /// The audio thread's end of the telemetry channel.
    tap: TelemetryTap,
    /// The editor's notes and wheels (on-screen and computer keyboard): the editor's end,
    /// and where the audio thread publishes the keys the host holds.
    live: Arc<LiveInput>,
    /// The audio thread's end of the editor's notes, drained at the start of `process`.
    live_rx: LiveReceiver,
    /// Keys the host holds (bit n = note n), published to the editor after each block.
    /// Audio thread only.
    host_keys: [u64; 2],
    /// The audio thread's end of the modulation matrix (`None` only if the params' cell gave
    /// its receiver away already, which a fresh params object never has).
    matrix_rx: Option<macros::MatrixReceiver>,
}

impl Default for Wavecube {
    fn default() -> Self {
        let telemetry = Arc::new(TelemetryHub::default());
        let (live, live_rx) = LiveInput::new(LIVE_CAPACITY);
        let params = Arc::new(WavecubeParams::default());
        let matrix_rx = params.matrix.take_receiver();
        Self {
            params,
            cube: None,
            bank_audio: None,
            bank_loader: None,
            cube_swaps: Arc::new(AtomicU64::new(0)),
            engine: None,
            events: EventQueue::with_capacity(EVENT_CAPACITY),
            poly: PolyMods::new(),
            voice_capacity: 0,
            codec: None,
            fx: None,
            codec_sqnr_db: Arc::new(AtomicF32::new(f32::NAN)),
            capture_input: None,
            capture: None,
            capture_status: Arc::new(CaptureStatus::default()),
            body: None,
            body_loader: None,
            body_swaps: Arc::new(AtomicU64::new(0)),
            telemetry: telemetry.clone(),
            tap: TelemetryTap::new(telemetry),
            live,
            live_rx,
            host_keys: [0; 2],
            matrix_rx,
        }
    }
}

impl Wavecube {
    /// The parameter tree (as typed; [`Plugin::params`] gives it to the host as `dyn
    /// Params`), for the editor and tests that apply a patch the way the editor does.
    pub fn wavecube_params(&self) -> &Arc<WavecubeParams> {
        &self.params
    }

    /// The codec stage's live SQNR, dB, for the editor: written after every `process` call;
    /// NaN while the stage is off, +∞ while it is on but has coded nothing audible since it
    /// (re)started.
    pub fn codec_sqnr_db(&self) -> Arc<AtomicF32> {
        self.codec_sqnr_db.clone()
    }

    /// The bits per coefficient the codec stage codes with now (its parameter moved by the
    /// matrix's `fx_codec_bits`), or `None` while it is off or not yet activated. Read it
    /// between `process` calls (tests, diagnostics).
    pub fn codec_bits(&self) -> Option<u8> {
        self.codec
            .as_ref()
            .filter(|c| c.is_on())
            .map(CodecStage::bits)
    }

    /// The telemetry channel's hub: the editor takes the receiving end from it and says
    /// when it listens (nothing is published otherwise).
    pub fn telemetry(&self) -> Arc<TelemetryHub> {
        self.telemetry.clone()
    }

    /// The editor's live note path (what its on-screen and computer keyboard play): the
    /// audio thread drains it at the start of every `process` call, at sample offset 0,
    /// before the host's events.
    pub fn live_input(&self) -> Arc<LiveInput> {
        self.live.clone()
    }

    /// Body IRs the audio thread has swapped in since the plugin was created (each IR choice
    /// or sample-rate change that reached the audio thread counts one).
    pub fn body_swaps(&self) -> u64 {
        self.body_swaps.load(Ordering::Acquire)
    }

    /// Makes the WAV at `path` the body stage's user IR (its bytes are kept in the state when
    /// at most 4 MiB). It plays while the `body_ir` parameter is "User WAV". Main thread.
    ///
    /// # Errors
    /// [`IrLoadError`] if the file cannot be read or is not a usable WAV; the IR held before
    /// stays.
    pub fn load_ir_file(&self, path: &Path) -> Result<(), IrLoadError> {
        self.params.body_ir_file.load_file(path).map(drop)
    }

    /// What the capture thread reports: the last export's path, memory held, audio retained.
    pub fn capture_status(&self) -> Arc<CaptureStatus> {
        self.capture_status.clone()
    }

    /// Saves the rolling capture (the last five minutes of output) as a 32-bit float WAV at
    /// `path`, or as a new `capture-<unix seconds>.wav` in [`capture::capture_dir`] when `path`
    /// is `None`. The save runs on the capture's threads; [`CaptureStatus::exports`] counts it
    /// when done and [`CaptureStatus::last_export`] or [`CaptureStatus::last_error`] says how
    /// it went. Saving is this call (and the editor's "Export capture…"), never a parameter.
    /// Any thread but the audio thread (it takes a lock).
    ///
    /// # Errors
    /// [`CaptureError::NotRunning`] before activation (no capture runs yet).
    pub fn save_capture(&self, path: Option<PathBuf>) -> Result<(), CaptureError> {
        if self.capture.is_none() {
            return Err(CaptureError::NotRunning);
        }
        match path {
            Some(path) => self.capture_status.request_export(path),
            None => self.capture_status.request_save(),
        }
        Ok(())
    }

    /// Bank changes that have reached the engine since the plugin was created (cube swaps the
    /// audio thread applied; builds at activation do not count).
    pub fn cube_swaps(&self) -> u64 {
        self.cube_swaps.load(Ordering::Acquire)
    }

    /// Makes the `.wcube` at `path` the file bank (its bytes are kept in the state, so the
    /// project reopens with this sound even if the file moves). It plays while the `bank`
    /// parameter is "File" (the editor sets it); if it already is, the loader switches to it.
    /// Main thread.
    ///
    /// # Errors
    /// [`BankLoadError`] if the file cannot be read or is not a valid `.wcube`; the file bank
    /// held before stays.
    ///
    /// # Allocation
    /// Reads and decodes the file.
    pub fn load_bank_file(&self, path: &Path) -> Result<(), BankLoadError> {
        self.params.bank_state.load_file(path).map(drop)
    }

    /// The cube of the chosen bank for `activate`: the one built last if the choice (and,
    /// for a file bank, the file) is unchanged, else built now.
    fn chosen_cube(&mut self) -> Result<(BankChoice, u64, Arc<CubeSet>), String> {
        let choice = self.params.bank.value();
        let generation = self.params.bank_state.generation();
        if let Some((built, built_generation, cube)) = &self.cube {
            if *built == choice && (choice != BankChoice::File || *built_generation == generation) {
                return Ok((choice, generation, cube.clone()));
            }
        }
        let cube = bank_loader::resolve_bank(choice, &self.params.bank_state);
        let set = Arc::new(CubeSet::build(&cube).map_err(|e| e.to_string())?);
        self.cube = Some((choice, generation, set.clone()));
        Ok((choice, generation, set))
    }
}

impl Plugin for Wavecube {
    const NAME: &'static str = "Wavecube";
    const VENDOR: &'static str = "Wavecube developers";
    // No public home page or contact address yet.
    const URL: &'static str = "";
    const EMAIL: &'static str = "";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: None,
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    }];

    const MIDI_INPUT: MidiConfig = MidiConfig::MidiCCs;
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;
    const INPUT_EVENT_CAPACITY: usize = EVENT_CAPACITY;

    type Editor = wavecube_gui::WavecubeEditor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn filter_state(state: &mut PluginState) {
        macros::upgrade_state(state);
    }

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(
            self.params.clone(),
            self.codec_sqnr_db.clone(),
            self.capture_status.clone(),
            self.telemetry.clone(),
            self.live.clone(),
        )
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.voice_capacity = voice_capacity(&self.params);
        context.set_current_voice_capacity(self.voice_capacity);
        // The record is the truth here (a restored state, a patch loaded while inactive).
        self.params.matrix.flush();
        if let Some(rx) = &mut self.matrix_rx {
            rx.reset_to(self.params.matrix.matrix());
        }
        // Stop the loader first (joining it), so no cube built for an older choice can
        // arrive after the one built here.
        self.bank_audio = None;
        self.bank_loader = None;
        // Built here, synchronously: a restored project starts with its own sound.
        let (choice, generation, cube) = match self.chosen_cube() {
            Ok(chosen) => chosen,
            Err(err) => {
                nice_error!("Wavecube: cannot build the bank's cube: {err}");
                return false;
            }
        };
        let max_block = buffer_config.max_buffer_size.max(1) as usize;
        match &mut self.engine {
            Some(engine)
                if engine.sample_rate() == buffer_config.sample_rate
                    && engine.max_block() == max_block =>
            {
                // The engine may be playing a cube the loader swapped in since; the old one is
                // dropped here, off the audio thread.
                drop(engine.set_cube(cube));
            }
            _ => self.engine = Some(Engine::new(buffer_config.sample_rate, max_block, cube)),
        }
        match BankAudio::start(
            choice,
            generation,
            self.params.bank_state.clone(),
            self.cube_swaps.clone(),
        ) {
            Ok((audio, loader)) => {
                self.bank_audio = Some(audio);
                self.bank_loader = Some(loader);
            }
            // The synth plays on with the bank it has.
            Err(err) => nice_error!("Wavecube: no bank loader: {err}"),
        }
        if self.codec.is_none() {
            match CodecStage::new(self.codec_sqnr_db.clone()) {
                Ok(stage) => self.codec = Some(stage),
                Err(err) => {
                    nice_error!("Wavecube: cannot build the codec stage: {err}");
                    return false;
                }
            }
        }
        if self.fx.as_ref().map(FxStage::sample_rate) != Some(buffer_config.sample_rate) {
            self.fx = Some(FxStage::new(buffer_config.sample_rate, &self.params));
        }
        if let (Some(codec), Some(fx)) = (&mut self.codec, &mut self.fx) {
            // The one place the latency changes under CLAP (see `codec_stage`, `fx_stage`).
            codec.activate(&self.params.codec);
            codec.publish();
            fx.follow(&self.params, None);
            // The engine's decimator delays every note by a constant; the codec and the
            // rack's effects add theirs.
            context.set_latency_samples(fx.activate(codec, ENGINE_LATENCY));
        }
        if self.body.is_none() {
            match BodyStage::start(self.params.body_ir_file.clone(), self.body_swaps.clone()) {
                Ok((stage, loader)) => {
                    self.body = Some(stage);
                    self.body_loader = Some(loader);
                }
                // The synth plays on without a body stage.
                Err(err) => nice_error!("Wavecube: no body stage: {err}"),
            }
        }
        // One capture per sample rate: a new rate stops (and joins) the old thread first.
        let sample_rate_hz = buffer_config.sample_rate.round() as u32;
        if self.capture.as_ref().map(CaptureWorker::sample_rate_hz) != Some(sample_rate_hz) {
            self.capture_input = None;
            self.capture = None;
            match CaptureWorker::start(sample_rate_hz, self.capture_status.clone()) {
                Ok((input, worker)) => {
                    self.capture_input = Some(input);
                    self.capture = Some(worker);
                }
                // The synth plays on without a capture.
                Err(err) => nice_error!("Wavecube: no capture: {err}"),
            }
        }
        true
    }

    fn reset(&mut self) {
        if let Some(engine) = &mut self.engine {
            engine.reset();
        }
        self.poly.clear();
        if let Some(codec) = &mut self.codec {
            codec.reset();
        }
        if let Some(fx) = &mut self.fx {
            fx.reset();
        }
        if let Some(body) = &mut self.body {
            body.reset();
        }
        // After a reset there is no sound to keep continuous: start at the set values.
        mapping::snap_smoothers(&self.params);
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let len = buffer.samples();
        let tempo_bpm = context.transport().tempo;
        let capacity = voice_capacity(&self.params);
        if capacity != self.voice_capacity {
            self.voice_capacity = capacity;
            context.set_current_voice_capacity(capacity);
        }
        let (Some(engine), Some(codec), Some(fx), [left, right, ..]) = (
            self.engine.as_mut(),
            self.codec.as_mut(),
            self.fx.as_mut(),
            buffer.as_slice(),
        ) else {
            for channel in buffer.as_slice() {
                channel.fill(0.0);
            }
            while context.next_event().is_some() {}
            // Nothing plays: the editor's notes are dropped, not kept to sound later.
            while self.live_rx.pop().is_some() {}
            return ProcessStatus::Normal;
        };
        if let Some(bank) = &mut self.bank_audio {
            bank.follow(self.params.bank.value(), engine);
        }
        let report_ends = context.plugin_api() == PluginApi::Clap;
        // CLAP: a latency may change only in `activate`; ask for a restart instead.
        let rule = if report_ends {
            LatencyRule::AtActivate
        } else {
            LatencyRule::Live
        };
        if codec.follow(&self.params.codec, rule) == LatencyChange::Restart {
            fx.restart_asked();
            context.request_restart();
        }
        fx.follow(&self.params, tempo_bpm);
        fx_stage::tell_host(fx.check_latency(codec, ENGINE_LATENCY, rule), context);
        let codec_on = codec.is_on();
        let codec_gain = fx.codec_applies_gain(codec);
        if let Some(body) = &mut self.body {
            body.follow(&self.params.body, engine.sample_rate());
        }
        let body_on = self.params.body.enabled.value();
        let matrix = self.matrix_rx.as_mut().map(macros::MatrixReceiver::follow);

        // nice-plug has already split the host block at parameter changes (sample-accurate
        // automation); here it is split further at note events (by the engine), at mono
        // automation of poly-modulated parameters and, while a smoother glides, into pieces of
        // SMOOTH_PIECE samples.
        let mut pos = 0;
        let mut pending: Option<PluginNoteEvent<Self>> = None;
        loop {
            let smoothing = mapping::is_smoothing(&self.params)
                || (codec_on && self.params.codec.mix_pct.smoothed.is_smoothing())
                || (body_on && self.params.body.mix_pct.smoothed.is_smoothing());
            let mut end = if smoothing {
                (pos + SMOOTH_PIECE).min(len)
            } else {
                len
            };
            self.events.clear();
            // Poly offsets are relative to their parameter's value: follow it.
            self.poly.refresh(&self.params, &mut self.events);
            if pos == 0 {
                // The editor's notes, as if the host had sent them at offset 0; any the
                // queue cannot take wait in the ring for the next block.
                while !self.events.is_full() {
                    let Some(live) = self.live_rx.pop() else {
                        break;
                    };
                    self.events.push(TimedEvent {
                        offset: 0,
                        event: events::live_to_engine(live),
                    });
                }
            }
            while let Some(event) = pending.take().or_else(|| context.next_event()) {
                let at = (event.timing() as usize).max(pos);
                if at >= end && end < len {
                    pending = Some(event);
                    break;
                }
                if self.events.is_full() {
                    // Render up to this event, then continue with an empty queue.
                    end = at.min(end);
                    pending = Some(event);
                    break;
                }
                let engine_event = match event {
                    HostEvent::MonoAutomation { .. } => {
                        // The parameter has its new value already; a piece starting here
                        // re-sends the poly offsets relative to it.
                        if at > pos && at < len {
                            end = at;
                            pending = Some(event);
                            break;
                        }
                        None
                    }
                    HostEvent::PolyModulation {
                        voice_id,
                        poly_modulation_id,
                        normalized_offset,
                        ..
                    } => self.poly.modulate(
                        &self.params,
                        voice_id,
                        poly_modulation_id,
                        normalized_offset,
                    ),
                    _ => {
                        if let HostEvent::NoteOn {
                            voice_id: VoiceID::ID(id),
                            channel,
                            key: Key::Number(note),
                            ..
                        } = event
                        {
                            self.poly
                                .voice_started(id, note, channel.number().unwrap_or(0));
                        }
                        events::track_host_keys(&event, &mut self.host_keys);
                        events::to_engine(&event).map(|(_, e)| e)
                    }
                };
                if let Some(engine_event) = engine_event {
                    self.events.push(TimedEvent {
                        offset: (at - pos) as u32,
                        event: engine_event,
                    });
                }
            }
            let steps = (end - pos) as u32;
            mapping::write_synth_params(&self.params, steps, tempo_bpm, engine.params_mut());
            if let Some(matrix) = matrix {
                macros::write_modulation(&self.params.macros, matrix, engine.params_mut());
            }
            // With the codec stage on and first in the rack, master gain follows the stage
            // (see `fx_stage`): the engine renders at unity.
            let gain = if codec_gain {
                std::mem::replace(&mut engine.params_mut().gain, 1.0)
            } else {
                1.0
            };
            engine.process(
                self.events.as_slice(),
                &mut left[pos..end],
                &mut right[pos..end],
            );
            self.tap.chords(engine);
            let codec_mix = mapping::tqa_mix(&self.params, steps);
            let body_mix = mapping::body_mix(&self.params, steps);
            let mut stages = Stages {
                codec: &mut *codec,
                codec_mix,
                codec_gain: gain,
                body: self.body.as_mut(),
                body_on,
                body_mix,
            };
            fx.process(
                &mut stages,
                engine.fx_offsets(),
                &mut left[pos..end],
                &mut right[pos..end],
            );
            for ended in engine.ended_voices() {
                if let Some(id) = ended.voice_id {
                    self.poly.voice_ended(id);
                }
                if report_ends {
                    // Only a hint to the host; nothing to do if its queue is full.
                    let _ = context.try_send_event(HostEvent::VoiceTerminated {
                        timing: (pos + ended.offset as usize) as u32,
                        voice_id: ended.voice_id.map_or(VoiceID::Wildcard, VoiceID::ID),
                        channel: Channel::Number(ended.channel),
                        key: Key::Number(ended.note),
                    });
                }
            }
            pos = end;
            if pos >= len && pending.is_none() {
                break;
            }
        }
        codec.publish();
        self.live.publish_host_keys(self.host_keys);
        self.tap.block(engine, left, right);
        if let Some(input) = &mut self.capture_input {
            input.push(left, right);
        }
        ProcessStatus::Normal
    }
}

/// The voice capacity reported to the host for polyphonic modulation: the polyphony in poly
/// mode, one voice in mono and legato modes.
pub fn voice_capacity(params: &WavecubeParams) -> u32 {
    match params.voice_mode.value() {
        params::VoiceMode::Poly => params
            .polyphony
            .value()
            .clamp(1, wavecube_dsp::synth::MAX_VOICES as i32)
            as u32,
        params::VoiceMode::Mono | params::VoiceMode::Legato => 1,
    }
}

impl ClapPlugin for Wavecube {
    const CLAP_ID: &'static str = "org.wavecube.wavecube";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("A polyphonic synthesizer that morphs through a cube of wavetables");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::Instrument,
        ClapFeature::Synthesizer,
        ClapFeature::Stereo,
    ];
    const CLAP_POLY_MODULATION_CONFIG: Option<PolyModulationConfig> = Some(PolyModulationConfig {
        max_voice_capacity: wavecube_dsp::synth::MAX_VOICES as u32,
        // Voices are found by the host's voice id first (see the engine's voice matching).
        supports_overlapping_voices: true,
    });
}

impl Vst3Plugin for Wavecube {
    const VST3_CLASS_ID: [u8; 16] = *b"WavecubeCubeSyn1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Instrument, Vst3SubCategory::Synth];
}

// The CLAP entry is written out in `clap_entry` (nice_export_clap! plus preset discovery and
// the preset-load extension).
nice_export_vst3!(Wavecube);
