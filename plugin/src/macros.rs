//! The four macro knobs as host parameters, and the modulation matrix as plugin state.
//!
//! - **Macros** (`macro1` … `macro4`): automatable 0..1 parameters, named "Macro 1" … for
//!   the host. The engine smooths them
//!   ([`MACRO_SMOOTH_MS`](wavecube_dsp::modulation::MACRO_SMOOTH_MS)); the plugin passes their values
//!   through unsmoothed, so an automation point at sample `k` (nice-plug splits the block
//!   there) starts moving the output at `k`. The editor shows the patch's names for them,
//!   held in the [`MatrixCell`].
//! - **The matrix** is state, not parameters: the [`MatrixCell`] holds the slots and the
//!   macro names, persisted under the key `matrix` ([`MatrixState`]), set by a patch load,
//!   a restored state or the editor. Every change is copied (a [`ModMatrix`] is plain `Copy`
//!   data, about 400 bytes) into a fixed-capacity lock-free ring; the audio thread's
//!   [`MatrixReceiver`] drains it at the start of each block, keeping the newest. Nothing is
//!   allocated or freed on the audio thread, and it takes no lock: there is no retired object
//!   to send back, since the values are copied.
//!
//! ```text
//! editor / patch load / state restore ─► MatrixCell::set_* ─► record (RwLock, main side)
//!                                                          └► ring ─► MatrixReceiver::follow
//! ```
//!
//! A change sent while the ring is full (the audio thread not running) is marked unsent;
//! [`MatrixCell::flush`] (called by `activate` and by the editor every frame) sends the
//! newest record then, and `activate` also resets the audio side to the record directly.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use nice_plug::params::persist::PersistentField;
use nice_plug::plugin::ParamValue;
use nice_plug::prelude::*;
use ringbuf::traits::{Consumer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};
use serde::{Deserialize, Deserializer, Serialize};
use wavecube_dsp::modulation::{ModMatrix, MACROS};
use wavecube_dsp::patch::{
    default_macro_names, routings_to_slots, ModSection, SlotSection, MAX_NAME_CHARS,
};
use wavecube_dsp::synth::SynthParams;

/// The macro parameters' ids, in order. Never renamed (saved projects and automation lanes
/// name them).
pub const MACRO_IDS: [&str; MACROS] = ["macro1", "macro2", "macro3", "macro4"];

/// Matrix changes the ring to the audio thread holds before it drains them.
pub const MATRIX_QUEUE: usize = 16;

/// Version of [`MatrixState`] this build writes. Version 2 (patch format 4) holds every
/// routing; a state of version 1 or without a record is upgraded by [`upgrade_state`].
pub const MATRIX_STATE_VERSION: u32 = 2;

/// An old routing parameter: its id, and the version-3 `sound` field it stood for
/// (section, LFO index, field, axis).
type OldRouting = (
    &'static str,
    &'static str,
    Option<usize>,
    &'static str,
    Option<usize>,
);

/// The ids of the routing parameters sessions saved before version 2 hold, with the field of
/// a version-3 patch's `sound` each stood for (`[section, index, field, axis]`; index and
/// axis `None` where the field has none).
const OLD_ROUTING_PARAMS: [OldRouting; 22] = [
    ("lfo1_x", "lfos", Some(0), "morph_depth", Some(0)),
    ("lfo1_y", "lfos", Some(0), "morph_depth", Some(1)),
    ("lfo1_z", "lfos", Some(0), "morph_depth", Some(2)),
    ("lfo1_pit", "lfos", Some(0), "pitch_semitones", None),
    ("lfo1_cut", "lfos", Some(0), "cutoff_octaves", None),
    ("lfo2_x", "lfos", Some(1), "morph_depth", Some(0)),
    ("lfo2_y", "lfos", Some(1), "morph_depth", Some(1)),
    ("lfo2_z", "lfos", Some(1), "morph_depth", Some(2)),
    ("lfo2_pit", "lfos", Some(1), "pitch_semitones", None),
    ("lfo2_cut", "lfos", Some(1), "cutoff_octaves", None),
    ("lfo3_x", "lfos", Some(2), "morph_depth", Some(0)),
    ("lfo3_y", "lfos", Some(2), "morph_depth", Some(1)),
    ("lfo3_z", "lfos", Some(2), "morph_depth", Some(2)),
    ("lfo3_pit", "lfos", Some(2), "pitch_semitones", None),
    ("lfo3_cut", "lfos", Some(2), "cutoff_octaves", None),
    ("env2_x", "mod_env", None, "morph_depth", Some(0)),
    ("env2_y", "mod_env", None, "morph_depth", Some(1)),
    ("env2_z", "mod_env", None, "morph_depth", Some(2)),
    ("flt_env", "filter", None, "env_octaves", None),
    ("ten_x", "tension", None, "morph_depth", Some(0)),
    ("ten_y", "tension", None, "morph_depth", Some(1)),
    ("ten_z", "tension", None, "morph_depth", Some(2)),
];

/// Upgrades a state saved before matrix state version 2 (nice-plug's `filter_state`, before
/// the state is loaded): the routing parameters it holds (LFO, envelope 2 and tension
/// depths, the filter's envelope amount), which this build no longer has, become slots
/// after the record's own, with the expression routings the voice used to apply, exactly
/// as patch format 3 files migrate ([`routings_to_slots`]). A state of this version is left
/// as it is. Runs on the main thread; allocates.
pub fn upgrade_state(state: &mut PluginState) {
    use serde_json::{json, Map, Value};
    let record: Option<Value> = state
        .fields
        .get("matrix")
        .and_then(|text| serde_json::from_str(text).ok());
    let version = record
        .as_ref()
        .and_then(|r| r.get("version"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if version >= u64::from(MATRIX_STATE_VERSION) {
        return;
    }
    // The old parameters as a version-3 sound section, then the patch migration.
    let mut sound = Map::new();
    let mut lfos = vec![json!({}), json!({}), json!({})];
    for (id, section, index, field, axis) in OLD_ROUTING_PARAMS {
        let Some(ParamValue::F32(v)) = state.params.remove(id) else {
            continue;
        };
        let target = match index {
            Some(k) => &mut lfos[k],
            None => sound.entry(section).or_insert_with(|| json!({})),
        };
        match axis {
            Some(a) => {
                let list = target
                    .as_object_mut()
                    .map(|o| o.entry(field).or_insert_with(|| json!([0.0, 0.0, 0.0])));
                if let Some(Value::Array(list)) = list {
                    list[a] = json!(v);
                }
            }
            None => {
                if let Some(o) = target.as_object_mut() {
                    o.insert(field.into(), json!(v));
                }
            }
        }
    }
    sound.insert("lfos".into(), Value::Array(lfos));
    let mut modulation = Map::new();
    if let Some(slots) = record.as_ref().and_then(|r| r.get("slots")) {
        modulation.insert("slots".into(), slots.clone());
    }
    sound.insert("modulation".into(), Value::Object(modulation));
    let upgraded = match routings_to_slots(&mut sound) {
        Ok(()) => sound["modulation"]["slots"].clone(),
        Err(err) => {
            nice_log!("Wavecube: cannot upgrade the saved routings ({err}); keeping the slots");
            return;
        }
    };
    let mut record = match record {
        Some(Value::Object(r)) => r,
        _ => Map::new(),
    };
    record.insert("version".into(), json!(MATRIX_STATE_VERSION));
    record.insert("slots".into(), upgraded);
    state
        .fields
        .insert("matrix".into(), Value::Object(record).to_string());
}

/// A macro parameter named `name`: 0..1, shown in %, no plugin-side smoothing (the engine
/// smooths macros itself).
fn macro_param(name: String) -> FloatParam {
    FloatParam::new(name, 0.0, FloatRange::Linear { min: 0.0, max: 1.0 })
        .with_unit(" %")
        .with_value_to_string(formatters::v2s_f32_percentage(1))
        .with_string_to_value(formatters::s2v_f32_percentage())
}

/// The four macro knobs, matrix sources (`macro1` … `macro4`).
#[derive(Params)]
pub struct MacroParams {
    /// Macro 1, 0..1.
    #[id = "macro1"]
    pub macro1: FloatParam,
    /// Macro 2, 0..1.
    #[id = "macro2"]
    pub macro2: FloatParam,
    /// Macro 3, 0..1.
    #[id = "macro3"]
    pub macro3: FloatParam,
    /// Macro 4, 0..1.
    #[id = "macro4"]
    pub macro4: FloatParam,
}

impl Default for MacroParams {
    fn default() -> Self {
        let [a, b, c, d] = default_macro_names().map(macro_param);
        Self {
            macro1: a,
            macro2: b,
            macro3: c,
            macro4: d,
        }
    }
}

impl MacroParams {
    /// The four parameters, in order.
    pub fn params(&self) -> [&FloatParam; MACROS] {
        [&self.macro1, &self.macro2, &self.macro3, &self.macro4]
    }

    /// The four values, 0..1 each.
    pub fn values(&self) -> [f32; MACROS] {
        self.params().map(|p| p.value())
    }

    /// Sets the four values through the host (one complete gesture each); NaN sets 0.
    pub fn apply(&self, values: [f32; MACROS], setter: &ParamSetter) {
        for (p, v) in self.params().into_iter().zip(values) {
            let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
            setter.begin_set_parameter(p);
            setter.set_parameter(p, v);
            setter.end_set_parameter(p);
        }
    }
}

/// Writes the matrix and the macro values into the engine's parameters (after
/// [`write_synth_params`](crate::mapping::write_synth_params), which resets them). Audio
/// thread: copies only.
pub fn write_modulation(macros: &MacroParams, matrix: &ModMatrix, out: &mut SynthParams) {
    out.matrix = *matrix;
    out.macros = macros.values();
}

/// The persisted record (state key `matrix`): the slots and matrix settings as the patch
/// format writes them, and the macro names. Macro values are parameters, stored by id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixState {
    /// Format version; [`MATRIX_STATE_VERSION`] when written by this build.
    pub version: u32,
    /// The key source's centre, MIDI note 0..127.
    pub key_centre: f32,
    /// The smoothed random LFO's rate, Hz (0.01..50).
    pub random_rate_hz: f32,
    /// The slots, as in a patch's `sound.modulation.slots`.
    pub slots: Vec<SlotSection>,
    /// The macro knobs' names, 1..64 characters each.
    pub macro_names: [String; MACROS],
}

impl Default for MatrixState {
    fn default() -> Self {
        Self::of(&ModMatrix::init(), default_macro_names())
    }
}

impl MatrixState {
    /// The record of `matrix` (sanitised) and `macro_names`.
    pub fn of(matrix: &ModMatrix, macro_names: [String; MACROS]) -> Self {
        let section = ModSection::from_matrix(matrix, [0.0; MACROS]);
        Self {
            version: MATRIX_STATE_VERSION,
            key_centre: section.key_centre,
            random_rate_hz: section.random_rate_hz,
            slots: section.slots,
            macro_names,
        }
    }

    /// The engine's matrix.
    pub fn matrix(&self) -> ModMatrix {
        self.section().to_matrix().sanitized()
    }

    /// As a patch's modulation section (macro values 0: they are parameters).
    fn section(&self) -> ModSection {
        ModSection {
            macros: [0.0; MACROS],
            key_centre: self.key_centre,
            random_rate_hz: self.random_rate_hz,
            slots: self.slots.clone(),
        }
    }
}

/// The record as any version wrote it.
#[derive(Deserialize)]
struct AnyMatrixState {
    #[serde(default)]
    version: u32,
    #[serde(default = "default_key_centre")]
    key_centre: f32,
    #[serde(default = "default_random_rate")]
    random_rate_hz: f32,
    #[serde(default)]
    slots: Vec<SlotSection>,
    #[serde(default = "default_macro_names")]
    macro_names: [String; MACROS],
}

fn default_key_centre() -> f32 {
    ModMatrix::default().key_centre
}

fn default_random_rate() -> f32 {
    ModMatrix::default().random_rate_hz
}

/// `name` if it is a usable macro name (1..64 characters, not blank), else `fallback`.
fn macro_name(name: &str, fallback: &str) -> String {
    let n = name.trim().chars().count();
    if (1..=MAX_NAME_CHARS).contains(&n) {
        name.trim().to_owned()
    } else {
        fallback.to_owned()
    }
}

impl<'de> Deserialize<'de> for MatrixState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Loosely: a record of the wrong shape or with values out of range loads as the
        // default (logged) instead of failing the whole state.
        let value = serde_json::Value::deserialize(deserializer)?;
        if !value.is_object() {
            nice_log!(
                "Wavecube: unreadable matrix state (not a record); using a new patch's matrix"
            );
            return Ok(Self::default());
        }
        let any = match serde_json::from_value::<AnyMatrixState>(value) {
            Ok(any) => any,
            Err(err) => {
                nice_log!("Wavecube: unreadable matrix state ({err}); using a new patch's matrix");
                return Ok(Self::default());
            }
        };
        let section = ModSection {
            macros: [0.0; MACROS],
            key_centre: any.key_centre,
            random_rate_hz: any.random_rate_hz,
            slots: any.slots,
        };
        if let Err(err) = section.validate() {
            nice_log!("Wavecube: invalid matrix state ({err}); using a new patch's matrix");
            return Ok(Self::default());
        }
        if any.version > MATRIX_STATE_VERSION {
            nice_log!(
                "Wavecube: matrix state version {} is newer than this build's; reading what it knows",
                any.version
            );
        }
        let defaults = default_macro_names();
        let names = std::array::from_fn(|i| macro_name(&any.macro_names[i], &defaults[i]));
        Ok(Self::of(&section.to_matrix(), names))
    }
}

/// The matrix and macro names, shared by the params object (persistence), the editor's
/// backend and the patch loaders, with the sending end of the ring to the audio thread.
/// Main and editor threads only; the audio thread holds the [`MatrixReceiver`].
pub struct MatrixCell {
    /// The matrix (sanitised) and the macro names. Written with the ring's producer locked
    /// after it, so the ring's newest entry is always the record's matrix.
    record: RwLock<(ModMatrix, [String; MACROS])>,
    /// The ring's producer.
    tx: Mutex<HeapProd<ModMatrix>>,
    /// The ring's consumer until the plugin takes it ([`MatrixCell::take_receiver`]).
    rx: Mutex<Option<HeapCons<ModMatrix>>>,
    /// Changes so far (the editor re-reads the record when it moves).
    generation: AtomicU64,
    /// True when the newest change did not fit in the ring.
    unsent: AtomicBool,
}

impl std::fmt::Debug for MatrixCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixCell")
            .field("active", &self.matrix().active())
            .field("generation", &self.generation())
            .finish_non_exhaustive()
    }
}

impl Default for MatrixCell {
    fn default() -> Self {
        let (tx, rx) = HeapRb::new(MATRIX_QUEUE).split();
        Self {
            record: RwLock::new((ModMatrix::init(), default_macro_names())),
            tx: Mutex::new(tx),
            rx: Mutex::new(Some(rx)),
            generation: AtomicU64::new(0),
            unsent: AtomicBool::new(false),
        }
    }
}

impl MatrixCell {
    /// The matrix as held now.
    pub fn matrix(&self) -> ModMatrix {
        self.record.read().unwrap_or_else(|e| e.into_inner()).0
    }

    /// The macro knobs' names as held now.
    pub fn macro_names(&self) -> [String; MACROS] {
        self.record
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    /// Changes so far.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The persisted record of what is held now.
    pub fn state(&self) -> MatrixState {
        let record = self.record.read().unwrap_or_else(|e| e.into_inner());
        MatrixState::of(&record.0, record.1.clone())
    }

    /// Replaces the matrix (sanitised) and, if given, the macro names, and sends the matrix
    /// to the audio thread.
    pub fn set(&self, matrix: &ModMatrix, macro_names: Option<&[String; MACROS]>) {
        let mut record = self.record.write().unwrap_or_else(|e| e.into_inner());
        record.0 = matrix.sanitized();
        if let Some(names) = macro_names {
            let defaults = default_macro_names();
            record.1 = std::array::from_fn(|i| macro_name(&names[i], &defaults[i]));
        }
        self.send(record.0);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Sets what a patch holds: its modulation section's matrix and its macro names.
    pub fn set_patch(&self, section: &ModSection, macro_names: &[String; MACROS]) {
        self.set(&section.to_matrix(), Some(macro_names));
    }

    /// Sends the held matrix again if the last change did not fit in the ring.
    pub fn flush(&self) {
        if self.unsent.swap(false, Ordering::AcqRel) {
            let record = self.record.read().unwrap_or_else(|e| e.into_inner());
            self.send(record.0);
        }
    }

    /// Pushes `matrix` into the ring; marks it unsent when the ring is full. Called with the
    /// record locked, so sends happen in record order.
    fn send(&self, matrix: ModMatrix) {
        let mut tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        if tx.try_push(matrix).is_err() {
            self.unsent.store(true, Ordering::Release);
        }
    }

    /// The audio thread's end, once (`None` after the first call). The plugin takes it
    /// when it is created.
    pub fn take_receiver(&self) -> Option<MatrixReceiver> {
        let rx = self.rx.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        Some(MatrixReceiver {
            rx,
            current: self.matrix(),
        })
    }
}

impl<'a> PersistentField<'a, MatrixState> for MatrixCell {
    fn set(&self, new_value: MatrixState) {
        MatrixCell::set(self, &new_value.matrix(), Some(&new_value.macro_names));
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&MatrixState) -> R,
    {
        f(&self.state())
    }
}

impl<'a> PersistentField<'a, MatrixState> for Arc<MatrixCell> {
    fn set(&self, new_value: MatrixState) {
        PersistentField::set(self.as_ref(), new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&MatrixState) -> R,
    {
        PersistentField::map(self.as_ref(), f)
    }
}

/// The audio thread's end of the matrix: the newest matrix received.
pub struct MatrixReceiver {
    /// The ring's consumer.
    rx: HeapCons<ModMatrix>,
    /// The newest matrix received.
    current: ModMatrix,
}

impl std::fmt::Debug for MatrixReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixReceiver")
            .field("active", &self.current.active())
            .finish_non_exhaustive()
    }
}

impl MatrixReceiver {
    /// Takes every matrix queued and returns the newest. Audio thread: lock-free, copies
    /// only, never allocates.
    pub fn follow(&mut self) -> &ModMatrix {
        while let Some(m) = self.rx.try_pop() {
            self.current = m;
        }
        &self.current
    }

    /// The newest matrix received.
    pub fn current(&self) -> &ModMatrix {
        &self.current
    }

    /// Drops whatever is queued and makes `matrix` current (`activate`, main thread: the
    /// record is the truth then).
    pub fn reset_to(&mut self, matrix: ModMatrix) {
        while self.rx.try_pop().is_some() {}
        self.current = matrix;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavecube_dsp::modulation::{Destination, Slot, Source};

    fn some_matrix() -> ModMatrix {
        let mut m = ModMatrix::default();
        m.push(Slot::new(Source::Macro1, Destination::Cutoff, 0.5));
        m.push(Slot::new(Source::Velocity, Destination::MorphX, -0.25));
        m
    }

    #[test]
    fn the_record_round_trips_through_json() {
        let names = ["Bright", "Wobble", "Macro 3", "Dirt"].map(String::from);
        let state = MatrixState::of(&some_matrix(), names.clone());
        let json = serde_json::to_string(&state).expect("serialises");
        let back: MatrixState = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, state);
        assert_eq!(back.matrix(), some_matrix());
        assert_eq!(back.macro_names, names);
    }

    #[test]
    fn bad_records_load_as_a_new_patchs_matrix() {
        for bad in [
            r#""text""#,
            "[1]",
            r#"{"slots":7}"#,
            r#"{"slots":[{"source":"nope","destination":"cutoff","amount":0.5}]}"#,
            r#"{"slots":[{"source":"lfo1","destination":"cutoff","amount":5.0}]}"#,
            r#"{"key_centre":300}"#,
        ] {
            let state: MatrixState = serde_json::from_str(bad).expect(bad);
            assert_eq!(state, MatrixState::default(), "{bad}");
        }
        // Blank or overlong names fall back to the default name, one by one.
        let long = "x".repeat(65);
        let json = format!(r#"{{"macro_names":["", "Air", "{long}", "  "]}}"#);
        let state: MatrixState = serde_json::from_str(&json).expect("parses");
        assert_eq!(state.macro_names, ["Macro 1", "Air", "Macro 3", "Macro 4"]);
    }

    #[test]
    fn the_newest_change_reaches_the_receiver_even_after_a_full_ring() {
        let cell = MatrixCell::default();
        let mut rx = cell.take_receiver().expect("first take");
        assert!(cell.take_receiver().is_none());
        let mut m = ModMatrix::default();
        for i in 0..(MATRIX_QUEUE + 5) {
            m.slots[0] = Slot::new(Source::Macro2, Destination::Pan, i as f32 / 100.0);
            cell.set(&m, None);
        }
        // The ring held the first MATRIX_QUEUE; the newest waits.
        assert_eq!(
            rx.follow().slots[0].amount,
            (MATRIX_QUEUE - 1) as f32 / 100.0
        );
        cell.flush();
        assert_eq!(rx.follow(), &cell.matrix());
        assert_eq!(
            rx.current().slots[0].amount,
            (MATRIX_QUEUE + 4) as f32 / 100.0
        );
    }
}
