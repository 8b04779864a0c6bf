//! The editor's view of the synth: its parameters, a backend for what parameters cannot say,
//! and the telemetry channel. The plugin and the standalone both build one.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use nice_plug_core::context::gui::ParamSetter;
use nice_plug_core::params::Params;
use ringbuf::traits::{Consumer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};
use wavecube_dsp::cube::Cube;
use wavecube_dsp::fx::rack::{FxKind, SLOTS};
use wavecube_dsp::modulation::{ModMatrix, MACROS};
use wavecube_dsp::patch::store::Preset;
use wavecube_dsp::patch::{default_macro_names, Patch, PatchMeta, Sound};
use wavecube_dsp::telemetry::TelemetryHub;

/// What the editor holds of the synth. Cheap to clone (four `Arc`s and an option).
#[derive(Clone)]
pub struct SynthHandle {
    /// Every parameter, walked generically through [`Params::param_map`]; values are read
    /// from it and written only through the host's [`ParamSetter`].
    pub params: Arc<dyn Params>,
    /// The synth-specific operations (patches, banks, capture, codec readout).
    pub backend: Arc<dyn SynthBackend>,
    /// The telemetry channel: the editor takes its receiver while open and listens.
    pub telemetry: Arc<TelemetryHub>,
    /// A factory patch (file stem, e.g. `"cube-orbit"`) to apply once, the first time the
    /// editor opens (the standalone's `--patch`). `None` for plugins.
    pub startup_patch: Option<String>,
    /// The editor's own notes and wheels (on-screen and computer keyboard) on their way to
    /// the audio thread, and the keys the host holds on their way back.
    pub live: Arc<LiveInput>,
}

impl std::fmt::Debug for SynthHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynthHandle")
            .field("params", &self.params.param_map().len())
            .field("startup_patch", &self.startup_patch)
            .finish_non_exhaustive()
    }
}

/// What the capture thread last reported, for the browser's "export capture…".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaptureReport {
    /// True while a capture runs (the synth is activated).
    pub running: bool,
    /// Saves completed so far (successful or not); a change means a save finished.
    pub exports: u32,
    /// The last WAV written, if any.
    pub last_export: Option<PathBuf>,
    /// The last save's error, if it failed.
    pub last_error: Option<String>,
    /// Audio the capture holds, seconds, silence included (it runs from activation on).
    pub retained_s: f64,
    /// Audio held from the first sound still in the capture to its end, seconds (0 while it
    /// holds only silence): what a save writes.
    pub sound_s: f64,
}

/// The operations of the synth that its parameters cannot express. Implemented by the plugin
/// (`plugin/src/editor.rs`); every method is called from the editor's thread only, and none
/// of them may take a lock that the audio thread takes.
pub trait SynthBackend: Send + Sync + 'static {
    /// Applies `patch` by setting parameters through `setter` (each with begin, set, end, so
    /// a host records it as one change per parameter).
    fn apply_patch(&self, patch: &Patch, setter: &ParamSetter);

    /// Makes the factory bank `stem` (see
    /// [`FACTORY_BANKS`](wavecube_dsp::bank::factory::FACTORY_BANKS)) play, through the bank
    /// parameter.
    ///
    /// # Errors
    /// A message when `stem` names no factory bank.
    fn select_factory_bank(&self, stem: &str, setter: &ParamSetter) -> Result<(), String>;

    /// Reads the `.wcube` file at `path`, makes it the file bank and selects it.
    ///
    /// # Errors
    /// A message naming the file and the problem; the bank playing before stays.
    fn load_bank_file(&self, path: &Path, setter: &ParamSetter) -> Result<(), String>;

    /// Makes `wcube` (the bytes of a `.wcube` file, e.g. from the library or an import) the
    /// file bank under the name `name`, and selects it.
    ///
    /// # Errors
    /// A message naming the bank and the problem; the bank playing before stays.
    fn load_bank_bytes(&self, name: &str, wcube: &[u8], setter: &ParamSetter)
        -> Result<(), String>;

    /// The cube of the bank the bank parameter selects now. Implementations cache it by bank
    /// choice and file generation; the first call after a change builds it (allocates).
    fn current_cube(&self) -> Arc<Cube>;

    /// The codec stage's live SQNR, dB: NaN while the stage is off, +∞ before it has coded
    /// anything audible.
    fn codec_sqnr_db(&self) -> f32;

    /// Asks the capture thread to save the rolling capture as a WAV file at `path`. The save
    /// happens in the background; [`SynthBackend::capture_report`] says when it is done.
    ///
    /// # Errors
    /// A message when no capture is running.
    fn export_capture(&self, path: &Path) -> Result<(), String>;

    /// What the capture thread last reported.
    fn capture_report(&self) -> CaptureReport;

    /// The sample rate the synth runs at, Hz (a fallback of 48,000 before it is known).
    fn sample_rate_hz(&self) -> f32;

    /// Every sound setting as the parameters hold them now (for the browser's "modified"
    /// mark); `None` when the backend cannot say.
    fn current_sound(&self) -> Option<Sound> {
        None
    }

    /// The sound playing now as a user preset with `meta`, its bank named or, for a file
    /// bank, embedded (Save and Save As); `None` when the backend cannot say.
    fn current_preset(&self, meta: PatchMeta) -> Option<Preset> {
        self.current_sound()
            .map(|sound| Preset::new(Patch { meta, sound }))
    }

    /// Loads a user preset: its bank, then its sound (through `setter`).
    ///
    /// # Errors
    /// A message when its bank cannot be played; the sound is applied all the same.
    fn load_preset(&self, preset: &Preset, setter: &ParamSetter) -> Result<(), String> {
        self.apply_patch(&preset.patch, setter);
        Ok(())
    }

    /// Records the patch in use in the plugin state: its name, where it came from
    /// (`factory:<stem>`, `user:<stem>`) and whether the sound differs from it.
    fn set_patch_state(&self, _name: Option<&str>, _key: Option<&str>, _modified: bool) {}

    /// The patch in use as the plugin state holds it: name, key, modified.
    fn patch_state(&self) -> (Option<String>, Option<String>, bool) {
        (None, None, false)
    }

    /// The modulation matrix as the synth holds it now (state, not parameters).
    fn matrix(&self) -> ModMatrix {
        ModMatrix::default()
    }

    /// Makes `matrix` the synth's (it reaches the audio thread without a lock there); the
    /// editor's matrix view and drag-to-modulate send their edits here.
    fn set_matrix(&self, _matrix: &ModMatrix) {}

    /// The macro knobs' names (the patch's; the host sees "Macro 1" … "Macro 4").
    fn macro_names(&self) -> [String; MACROS] {
        default_macro_names()
    }

    /// The effects rack's processing order (state, not parameters: every [`FxKind`] once).
    /// The effects' switches, mixes and settings are parameters, with the ids of
    /// [`FX_SETTINGS`](wavecube_dsp::patch::fx_ranges::FX_SETTINGS).
    fn fx_order(&self) -> [FxKind; SLOTS] {
        FxKind::ALL
    }

    /// Makes `order` the rack's (the FX tab's drag to reorder); an order that is not a
    /// permutation of [`FxKind::ALL`] is ignored.
    fn set_fx_order(&self, _order: [FxKind; SLOTS]) {}
}

/// Events the editor plays into the synth: what a MIDI keyboard with two wheels sends, on
/// channel 1 (index 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LiveEvent {
    /// A key went down: `note` (MIDI, 0..=127) at `velocity` (0..1).
    NoteOn {
        /// MIDI note number.
        note: u8,
        /// Velocity, 0..1.
        velocity: f32,
    },
    /// A key came up.
    NoteOff {
        /// MIDI note number.
        note: u8,
    },
    /// The pitch-bend wheel moved: −1..1, 0 at rest.
    PitchBend(f32),
    /// The mod wheel moved (CC 1): 0..1.
    ModWheel(f32),
    /// Every note the editor holds is released at once.
    AllNotesOff,
}

/// Events a [`LiveInput`] holds before the audio thread drains it (it drains every block).
pub const LIVE_CAPACITY: usize = 256;

/// The editor's end of the live note path: a fixed-capacity, lock-free ring to the audio
/// thread, and the keys the host holds, published by the audio thread.
///
/// The ring's producer sits behind a mutex that only editor threads take; the audio thread
/// owns the [`LiveReceiver`] and never waits.
pub struct LiveInput {
    /// The producer (editor side).
    tx: Mutex<HeapProd<LiveEvent>>,
    /// Events refused because the ring was full (the audio thread was not draining it).
    refused: AtomicU32,
    /// Host-held keys, bit `n` = MIDI note `n`, written by the audio thread after each block.
    host_keys: [AtomicU64; 2],
}

/// The audio thread's end of the live note path.
pub struct LiveReceiver {
    /// The consumer.
    rx: HeapCons<LiveEvent>,
}

impl std::fmt::Debug for LiveInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveInput")
            .field("refused", &self.refused())
            .field("host_keys", &self.host_keys())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for LiveReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveReceiver").finish_non_exhaustive()
    }
}

impl LiveInput {
    /// A live path that holds `capacity` events (at least one): the editor's end (shared)
    /// and the audio thread's.
    ///
    /// # Allocation
    /// Allocates the ring once.
    pub fn new(capacity: usize) -> (Arc<Self>, LiveReceiver) {
        let (tx, rx) = HeapRb::new(capacity.max(1)).split();
        let input = Self {
            tx: Mutex::new(tx),
            refused: AtomicU32::new(0),
            host_keys: [AtomicU64::new(0), AtomicU64::new(0)],
        };
        (Arc::new(input), LiveReceiver { rx })
    }

    /// Queues `event` for the audio thread; false (and counted) when the ring is full.
    /// Editor threads only (takes the producer's lock, which the audio thread never takes).
    pub fn send(&self, event: LiveEvent) -> bool {
        let sent = self
            .tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_push(event)
            .is_ok();
        if !sent {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        sent
    }

    /// Events refused so far because the ring was full.
    pub fn refused(&self) -> u32 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Publishes the keys the host holds (bit `n` of the 128 = note `n`). Audio thread:
    /// two relaxed atomic stores, no allocation, no lock.
    pub fn publish_host_keys(&self, keys: [u64; 2]) {
        self.host_keys[0].store(keys[0], Ordering::Relaxed);
        self.host_keys[1].store(keys[1], Ordering::Relaxed);
    }

    /// The keys the host held at the end of the last block (bit `n` = note `n`).
    pub fn host_keys(&self) -> [u64; 2] {
        [
            self.host_keys[0].load(Ordering::Relaxed),
            self.host_keys[1].load(Ordering::Relaxed),
        ]
    }
}

impl LiveReceiver {
    /// The oldest queued event, if any. Audio thread: lock-free, never allocates.
    pub fn pop(&mut self) -> Option<LiveEvent> {
        self.rx.try_pop()
    }
}

/// Sets (`down`) or clears bit `note` of a 128-key mask.
pub fn set_key(keys: &mut [u64; 2], note: u8, down: bool) {
    let (word, bit) = (usize::from(note.min(127) / 64), note % 64);
    if down {
        keys[word] |= 1 << bit;
    } else {
        keys[word] &= !(1 << bit);
    }
}

/// True when bit `note` of a 128-key mask is set.
pub fn key_is_set(keys: [u64; 2], note: u8) -> bool {
    let (word, bit) = (usize::from(note.min(127) / 64), note % 64);
    keys[word] & (1 << bit) != 0
}
