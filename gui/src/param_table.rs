//! `ParamTable`: every parameter of the synth, found through [`Params::param_map`] and sorted
//! into the editor's sections, with safe access to each one's value, text and default, and
//! edits through the host's [`ParamSetter`] (begin, set, end, so hosts record automation).
//!
//! The editor never names the plugin's parameter types: it reads the map, so a group the
//! plugin adds later (say "Body") shows up by itself.

use std::collections::HashMap;
use std::sync::Arc;

use nice_plug_core::context::gui::ParamSetter;
use nice_plug_core::params::internals::ParamPtr;
use nice_plug_core::params::{ParamFlags, Params};

/// The editor's sections, in tab order. A parameter group the map has that none of these
/// claims gets a section of its own after them.
pub const SECTIONS: [&str; 9] = [
    "Voice",
    "Morph",
    "Envelopes",
    "LFOs",
    "Filter",
    "Codec",
    "Body",
    "Tension",
    "Master",
];

/// Ids of top-level parameters shown under "Master" (the rest of the top level is "Voice").
pub const MASTER_IDS: [&str; 2] = ["gain", "bank"];

/// How a parameter is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A continuous value: a knob.
    Float,
    /// An integer: a stepped knob.
    Int,
    /// On or off: a toggle.
    Bool,
    /// One of a list: a menu.
    Enum,
}

/// One parameter. Only reachable through a [`ParamTable`], which keeps the parameters alive.
#[derive(Debug)]
pub struct ParamEntry {
    /// Stable id, e.g. "lfo1_rate".
    id: String,
    /// Full name, e.g. "LFO 1 Rate".
    name: String,
    /// Name inside its row, e.g. "Rate".
    short: String,
    /// Group path from the map ("" at the top level).
    group: String,
    /// Kind of control.
    kind: ParamKind,
    /// The parameter.
    ptr: ParamPtr,
}

/// A row of a section: one parameter group.
#[derive(Debug, Clone)]
pub struct Row {
    /// Row label, e.g. "LFO 1".
    pub label: String,
    /// Indices into [`ParamTable::entries`].
    pub params: Vec<usize>,
}

/// A section (a tab of the controls view).
#[derive(Debug, Clone)]
pub struct Section {
    /// Section name, e.g. "LFOs".
    pub name: String,
    /// Its rows, in map order.
    pub rows: Vec<Row>,
}

/// Every parameter, sorted into sections.
pub struct ParamTable {
    /// Keeps every `ParamPtr` below valid.
    _params: Arc<dyn Params>,
    /// The parameters, in map order.
    entries: Vec<ParamEntry>,
    /// Index of each id.
    by_id: HashMap<String, usize>,
    /// Non-empty sections, in [`SECTIONS`] order, then any others.
    sections: Vec<Section>,
}

impl std::fmt::Debug for ParamTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParamTable")
            .field("entries", &self.entries.len())
            .field("sections", &self.sections)
            .finish_non_exhaustive()
    }
}

/// The section and row label of a parameter in `group` with id `id`.
pub fn section_of(id: &str, group: &str) -> (String, String) {
    let first = group.split('/').next().unwrap_or_default();
    let last = group.rsplit('/').next().unwrap_or_default();
    let section = match first {
        "" if MASTER_IDS.contains(&id) => "Master",
        "" | "Unison" | "Voice" => "Voice",
        "Morph" => "Morph",
        "Amp Envelope" | "Envelope 2" => "Envelopes",
        g if g.starts_with("Env") => "Envelopes",
        g if g.starts_with("LFO") => "LFOs",
        "Filter" => "Filter",
        "Codec" | "Capture" => "Codec",
        "Body" => "Body",
        "Tension" => "Tension",
        other => other,
    };
    let row = if last.is_empty() {
        section.to_owned()
    } else {
        last.to_owned()
    };
    (section.to_owned(), row)
}

/// Drops the words every name in a row shares at its start ("LFO 1 Rate" → "Rate"); a name
/// left empty becomes "On" (the row's switch, e.g. "Filter").
fn short_names(names: &[&str]) -> Vec<String> {
    let words: Vec<Vec<&str>> = names.iter().map(|n| n.split(' ').collect()).collect();
    let mut common = 0;
    if names.len() > 1 {
        while let Some(w) = words[0].get(common) {
            if words[1..].iter().any(|other| other.get(common) != Some(w)) {
                break;
            }
            common += 1;
        }
    }
    words
        .iter()
        .zip(names)
        .map(|(w, full)| {
            let rest = w[common.min(w.len())..].join(" ");
            match (rest.is_empty(), common) {
                (_, 0) => (*full).to_owned(),
                (true, _) => "On".to_owned(),
                (false, _) => capitalise(&rest),
            }
        })
        .collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl ParamTable {
    /// Reads `params`' map and sorts it into sections.
    ///
    /// # Allocation
    /// Allocates the table (once per editor).
    pub fn new(params: Arc<dyn Params>) -> Self {
        let mut entries = Vec::new();
        for (id, ptr, group) in params.param_map() {
            // SAFETY: `params` owns every parameter its map points to and lives as long as
            // the table (it is stored in it).
            let (name, flags) = unsafe { (ptr.name().to_owned(), ptr.flags()) };
            if flags.contains(ParamFlags::HIDDEN) {
                continue;
            }
            let kind = match ptr {
                ParamPtr::FloatParam(_) => ParamKind::Float,
                ParamPtr::IntParam(_) => ParamKind::Int,
                ParamPtr::BoolParam(_) => ParamKind::Bool,
                ParamPtr::EnumParam(_) => ParamKind::Enum,
            };
            entries.push(ParamEntry {
                short: name.clone(),
                id,
                name,
                group,
                kind,
                ptr,
            });
        }
        let mut sections: Vec<Section> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let (section, row) = section_of(&e.id, &e.group);
            let s = match sections.iter().position(|s| s.name == section) {
                Some(s) => s,
                None => {
                    sections.push(Section {
                        name: section,
                        rows: Vec::new(),
                    });
                    sections.len() - 1
                }
            };
            let rows = &mut sections[s].rows;
            match rows.iter_mut().find(|r| r.label == row) {
                Some(r) => r.params.push(i),
                None => rows.push(Row {
                    label: row,
                    params: vec![i],
                }),
            }
        }
        let rank = |name: &str| {
            SECTIONS
                .iter()
                .position(|s| *s == name)
                .unwrap_or(SECTIONS.len())
        };
        sections.sort_by_key(|s| rank(&s.name));
        for section in &sections {
            for row in &section.rows {
                let names: Vec<&str> = row
                    .params
                    .iter()
                    .map(|&i| entries[i].name.as_str())
                    .collect();
                for (&i, short) in row.params.iter().zip(short_names(&names)) {
                    entries[i].short = short;
                }
            }
        }
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Self {
            _params: params,
            entries,
            by_id,
            sections,
        }
    }

    /// The parameters, in map order.
    pub fn entries(&self) -> &[ParamEntry] {
        &self.entries
    }

    /// The non-empty sections, in tab order.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The parameter with id `id`.
    pub fn get(&self, id: &str) -> Option<&ParamEntry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Entry `i` (an index from a [`Row`]).
    pub fn entry(&self, i: usize) -> &ParamEntry {
        &self.entries[i]
    }
}

// SAFETY (for every `unsafe` block below): a `ParamEntry` is only reachable by reference
// through its `ParamTable`, which owns the `Arc<dyn Params>` that owns the parameter.
impl ParamEntry {
    /// Stable id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Full name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Name inside its row.
    pub fn short_name(&self) -> &str {
        &self.short
    }

    /// Group path ("" at the top level).
    pub fn group(&self) -> &str {
        &self.group
    }

    /// Kind of control.
    pub fn kind(&self) -> ParamKind {
        self.kind
    }

    /// Unit suffix, e.g. " Hz".
    pub fn unit(&self) -> &'static str {
        unsafe { self.ptr.unit() }
    }

    /// The value set by the host or the editor, normalised 0..1 (without modulation).
    pub fn normalized(&self) -> f32 {
        unsafe { self.ptr.unmodulated_normalized_value() }
    }

    /// The value including the host's modulation, normalised.
    pub fn modulated_normalized(&self) -> f32 {
        unsafe { self.ptr.modulated_normalized_value() }
    }

    /// The default, normalised.
    pub fn default_normalized(&self) -> f32 {
        unsafe { self.ptr.default_normalized_value() }
    }

    /// The value in its unit (unmodulated).
    pub fn plain(&self) -> f32 {
        unsafe { self.ptr.unmodulated_plain_value() }
    }

    /// The plain value of `normalized`.
    pub fn plain_of(&self, normalized: f32) -> f32 {
        unsafe { self.ptr.preview_plain(normalized) }
    }

    /// The normalised value of `plain` (snapped to the parameter's steps).
    pub fn normalized_of(&self, plain: f32) -> f32 {
        unsafe { self.ptr.preview_normalized(plain) }
    }

    /// `normalized` snapped to the nearest value the parameter can take.
    pub fn snap(&self, normalized: f32) -> f32 {
        // NOTE: `preview_plain` rounds to the parameter's step size (ints, enums, stepped
        // floats); the round trip gives the normalised value of that step.
        self.normalized_of(self.plain_of(normalized.clamp(0.0, 1.0)))
    }

    /// Discrete steps (`None` for continuous parameters).
    pub fn step_count(&self) -> Option<usize> {
        unsafe { self.ptr.step_count() }
    }

    /// The next value up from `from` (normalised); `finer` for a small step.
    pub fn next_step(&self, from: f32, finer: bool) -> f32 {
        unsafe { self.ptr.next_normalized_step(from, finer) }
    }

    /// The next value down from `from` (normalised); `finer` for a small step.
    pub fn previous_step(&self, from: f32, finer: bool) -> f32 {
        unsafe { self.ptr.previous_normalized_step(from, finer) }
    }

    /// `normalized` as text, with the unit if `unit`.
    ///
    /// # Allocation
    /// Formats a `String`.
    pub fn text_of(&self, normalized: f32, unit: bool) -> String {
        unsafe { self.ptr.normalized_value_to_string(normalized, unit) }
    }

    /// The current value as text, with the unit.
    ///
    /// # Allocation
    /// Formats a `String`.
    pub fn text(&self) -> String {
        self.text_of(self.modulated_normalized(), true)
    }

    /// The normalised value of typed text, if it parses.
    pub fn parse(&self, text: &str) -> Option<f32> {
        unsafe { self.ptr.string_to_normalized_value(text) }
    }

    /// Flags (automatable, hidden, …).
    pub fn flags(&self) -> ParamFlags {
        unsafe { self.ptr.flags() }
    }

    /// True when the range is symmetric around a default of zero (a depth), so a knob draws
    /// its arc from the centre.
    pub fn is_bipolar(&self) -> bool {
        matches!(self.kind, ParamKind::Float | ParamKind::Int)
            && self.plain_of(0.0) < 0.0
            && self.plain_of(1.0) > 0.0
            && (self.default_normalized() - 0.5).abs() < 1e-3
    }

    /// Starts a gesture (a drag): the host starts recording.
    pub fn begin(&self, setter: &ParamSetter) {
        unsafe { setter.raw_context.raw_begin_set_parameter(self.ptr) }
    }

    /// Sets the value, normalised, inside a gesture.
    pub fn set(&self, setter: &ParamSetter, normalized: f32) {
        let n = if normalized.is_finite() {
            normalized.clamp(0.0, 1.0)
        } else {
            self.default_normalized()
        };
        unsafe { setter.raw_context.raw_set_parameter_normalized(self.ptr, n) }
    }

    /// Ends a gesture.
    pub fn end(&self, setter: &ParamSetter) {
        unsafe { setter.raw_context.raw_end_set_parameter(self.ptr) }
    }

    /// One complete change: begin, set, end.
    pub fn set_once(&self, setter: &ParamSetter, normalized: f32) {
        self.begin(setter);
        self.set(setter, normalized);
        self.end(setter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_map_to_the_issue_sections() {
        let s = |id, g| section_of(id, g);
        assert_eq!(s("gain", ""), ("Master".into(), "Master".into()));
        assert_eq!(s("bank", ""), ("Master".into(), "Master".into()));
        assert_eq!(s("poly", ""), ("Voice".into(), "Voice".into()));
        assert_eq!(s("uni_n", "Unison"), ("Voice".into(), "Unison".into()));
        assert_eq!(
            s("amp_atk", "Amp Envelope"),
            ("Envelopes".into(), "Amp Envelope".into())
        );
        assert_eq!(
            s("env2_atk", "Envelope 2"),
            ("Envelopes".into(), "Envelope 2".into())
        );
        assert_eq!(s("lfo2_rate", "LFO 2"), ("LFOs".into(), "LFO 2".into()));
        assert_eq!(s("cap_save", "Capture"), ("Codec".into(), "Capture".into()));
        assert_eq!(s("body_mix", "Body"), ("Body".into(), "Body".into()));
        assert_eq!(s("x", "Delay"), ("Delay".into(), "Delay".into()));
    }

    #[test]
    fn shared_leading_words_are_dropped() {
        assert_eq!(
            short_names(&["LFO 1 Rate", "LFO 1 to X", "LFO 1 Sync"]),
            ["Rate", "To X", "Sync"]
        );
        assert_eq!(
            short_names(&["Filter", "Filter Type", "Filter Cutoff"]),
            ["On", "Type", "Cutoff"]
        );
        assert_eq!(short_names(&["Gain", "Bank"]), ["Gain", "Bank"]);
        assert_eq!(short_names(&["Save Capture"]), ["Save Capture"]);
    }
}
