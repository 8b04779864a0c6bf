//! [`Analyzer`]: the audio-thread harmony analyser. It counts held MIDI notes, debounces
//! the held pitch-class set into chord events and runs each through a [`ChordWindow`].
//!
//! # When an event fires
//!
//! The held set (pitch classes of every MIDI note with a positive on-count) is
//! *settled* once it has stayed unchanged for the debounce time. An event fires when a
//! set settles, is not empty, and differs from the previously settled set — where the
//! empty set (a rest) also settles. So:
//!
//! - C → G → C fires three events;
//! - C, a release shorter than the debounce, then C again is one event (a re-strike or
//!   a legato re-voicing, not a new chord);
//! - C, a rest of at least the debounce, then C again fires twice (the repeat has
//!   velocity 0); the rest itself fires nothing;
//! - a set that changes before the debounce ends never fires (grace notes, rolled
//!   chords).
//!
//! The event's [`time_samples`](ChordEvent::time_samples) is when it settled: the
//! onset of its set plus the debounce.
//!
//! # Timing
//!
//! Notes change the held set at the current clock; [`advance`](Analyzer::advance)
//! moves the clock. The set cannot change inside one `advance` span, so one call
//! returns at most one event and no event is ever lost, whatever the span length. The
//! onset resolution is the caller's chunk size: call `note_on`/`note_off` at each
//! note's sample offset (or at the start of its ≤ 64-sample chunk).

use super::chord_window::{AnalysisMode, ChordWindow, WindowUpdate, DEFAULT_WINDOW};
use super::tension::TensionWeights;
use super::PcSet;

/// Sample rate used when the one given is not finite or not positive, Hz.
pub const FALLBACK_SAMPLE_RATE_HZ: f32 = 48_000.0;
/// Default debounce, ms.
pub const DEFAULT_DEBOUNCE_MS: f32 = 30.0;
/// Longest debounce accepted, ms; longer (or non-finite, or negative) values are
/// clamped (negative and NaN to the default).
pub const MAX_DEBOUNCE_MS: f32 = 10_000.0;

/// Settings of an [`Analyzer`]. Written by the host/UI thread before
/// [`Analyzer::new`]; `mode` and `weights` can change later without allocation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnalyzerConfig {
    /// Time a held set must stay unchanged to form an event, ms (default 30).
    pub debounce_ms: f32,
    /// Window length, events (default 32, clamped to 2..=[`MAX_WINDOW`](super::MAX_WINDOW)).
    pub window: usize,
    /// Wavelet decomposition (default [`AnalysisMode::Interactive`]).
    pub mode: AnalysisMode,
    /// Tension weights (default α, β, γ = 0.4, 0.3, 0.3).
    pub weights: TensionWeights,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        Self {
            debounce_ms: DEFAULT_DEBOUNCE_MS,
            window: DEFAULT_WINDOW,
            mode: AnalysisMode::default(),
            weights: TensionWeights::default(),
        }
    }
}

/// One chord event: what the analyser measured when a held set settled. Angles are in
/// radians (0..=π); every `f32` is finite. Produced on the audio thread, `Copy`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChordEvent {
    /// Index since the last reset, from 0.
    pub index: u64,
    /// When the event fired (onset + debounce), samples since the last reset.
    pub time_samples: u64,
    /// When its set started being held, samples since the last reset.
    pub onset_samples: u64,
    /// The chord's pitch classes.
    pub set: PcSet,
    /// Organisation `1 − H`, 0..=1.
    pub organisation: f32,
    /// Tonal magnetism |F₅|, 0..=[`MAX_MAGNETISM`](super::MAX_MAGNETISM) (≈ 3.86).
    pub magnetism: f32,
    /// θ to the previous event, rad (0 for the first event).
    pub velocity: f32,
    /// θ between this and the previous window barycenter, rad.
    pub drift: f32,
    /// θ to the window barycenter, rad.
    pub key_distance: f32,
    /// Window-normalised detail energy at this event, 0..=1.
    pub detail_energy: f32,
    /// Tension, 0..=1, with the weights in force when the event fired.
    pub tension: f32,
    /// `Some(index − 1)` when the previous event is a phrase boundary (a detail-energy
    /// peak above 0.7, known only now).
    pub boundary_at: Option<u64>,
    /// The boundary peak's window-normalised detail energy (0 when none).
    pub boundary_energy: f32,
    /// Events in the window, 1..=window.
    pub window_len: u8,
    /// Wavelet levels used for this event (0 for a one-event window).
    pub levels: u8,
}

impl ChordEvent {
    fn from_update(u: &WindowUpdate, time_samples: u64, onset_samples: u64) -> Self {
        let f = &u.features;
        Self {
            index: u.index,
            time_samples,
            onset_samples,
            set: f.set,
            organisation: f.organisation as f32,
            magnetism: f.magnetism as f32,
            velocity: f.velocity as f32,
            drift: f.drift as f32,
            key_distance: f.key_distance as f32,
            detail_energy: u.terms.detail as f32,
            tension: u.tension as f32,
            boundary_at: u.boundary.map(|(i, _)| i),
            boundary_energy: u.boundary.map_or(0.0, |(_, e)| e as f32),
            window_len: u.window_len.min(u8::MAX as usize) as u8,
            levels: u.bands.levels as u8,
        }
    }
}

/// The harmony analyser. Built off the audio thread; every other method runs on the
/// audio thread without allocating.
#[derive(Clone, Debug)]
pub struct Analyzer {
    sample_rate_hz: f32,
    debounce_ms: f32,
    debounce_samples: u64,
    /// On-count per MIDI note.
    counts: [u8; 128],
    /// Pitch classes with a positive count.
    held: PcSet,
    /// Clock, samples since reset.
    now: u64,
    /// When `held` last changed.
    held_since: u64,
    /// Whether `held` has settled since it last changed.
    settled: bool,
    /// The last settled set (the empty set counts).
    last_settled: PcSet,
    window: ChordWindow,
    last_update: Option<WindowUpdate>,
    last_event: Option<ChordEvent>,
}

fn sane_rate(hz: f32) -> f32 {
    if hz.is_finite() && hz > 0.0 {
        hz
    } else {
        FALLBACK_SAMPLE_RATE_HZ
    }
}

fn sane_debounce(ms: f32) -> f32 {
    if ms.is_nan() || ms < 0.0 {
        DEFAULT_DEBOUNCE_MS
    } else {
        ms.min(MAX_DEBOUNCE_MS)
    }
}

impl Analyzer {
    /// An analyser at `sample_rate_hz` (non-finite or ≤ 0 → 48 kHz).
    ///
    /// # Allocation
    /// Allocates the window's wavelet plan; nothing after.
    pub fn new(sample_rate_hz: f32, config: AnalyzerConfig) -> Self {
        let mut a = Self {
            sample_rate_hz: FALLBACK_SAMPLE_RATE_HZ,
            debounce_ms: sane_debounce(config.debounce_ms),
            debounce_samples: 0,
            counts: [0; 128],
            held: PcSet::EMPTY,
            now: 0,
            held_since: 0,
            settled: true,
            last_settled: PcSet::EMPTY,
            window: ChordWindow::new(config.window, config.mode, config.weights),
            last_update: None,
            last_event: None,
        };
        a.set_sample_rate(sample_rate_hz);
        a
    }

    /// Changes the sample rate (non-finite or ≤ 0 → 48 kHz); the debounce keeps its
    /// length in ms. No allocation.
    pub fn set_sample_rate(&mut self, hz: f32) {
        self.sample_rate_hz = sane_rate(hz);
        let samples = (self.debounce_ms as f64 * 1e-3 * self.sample_rate_hz as f64).round();
        self.debounce_samples = samples as u64;
    }

    /// The sample rate in use, Hz.
    pub fn sample_rate_hz(&self) -> f32 {
        self.sample_rate_hz
    }

    /// The debounce in samples at the current rate.
    pub fn debounce_samples(&self) -> u64 {
        self.debounce_samples
    }

    /// Switches the wavelet mode from the next event on. No allocation.
    pub fn set_mode(&mut self, mode: AnalysisMode) {
        self.window.set_mode(mode);
    }

    /// Sets the tension weights: from the next event on, and for [`tension`](Self::tension)
    /// at once. No allocation.
    pub fn set_weights(&mut self, w: TensionWeights) {
        self.window.set_weights(w);
    }

    /// Forgets notes, events and the clock. No allocation.
    pub fn reset(&mut self) {
        self.counts = [0; 128];
        self.held = PcSet::EMPTY;
        self.now = 0;
        self.held_since = 0;
        self.settled = true;
        self.last_settled = PcSet::EMPTY;
        self.window.reset();
        self.last_update = None;
        self.last_event = None;
    }

    fn refresh_held(&mut self) {
        let mut set = PcSet::EMPTY;
        for (note, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                set = set.with((note % 12) as u8);
            }
        }
        if set != self.held {
            self.held = set;
            self.held_since = self.now;
            self.settled = false;
        }
    }

    /// A key went down (notes ≥ 128 are ignored). Counts per note, so a doubled key
    /// needs two `note_off`s. No allocation.
    pub fn note_on(&mut self, note: u8) {
        if let Some(c) = self.counts.get_mut(note as usize) {
            *c = c.saturating_add(1);
            self.refresh_held();
        }
    }

    /// A key went up (ignored for notes ≥ 128 or not down). No allocation.
    pub fn note_off(&mut self, note: u8) {
        if let Some(c) = self.counts.get_mut(note as usize) {
            *c = c.saturating_sub(1);
            self.refresh_held();
        }
    }

    /// Releases every note (MIDI all-notes-off, transport stop). No allocation.
    pub fn all_notes_off(&mut self) {
        self.counts = [0; 128];
        self.refresh_held();
    }

    /// The pitch classes held now.
    pub fn held(&self) -> PcSet {
        self.held
    }

    /// The clock, samples since reset.
    pub fn now_samples(&self) -> u64 {
        self.now
    }

    /// Moves the clock by `samples` and returns the event that formed in this span, if
    /// any (at most one: see the module docs). No allocation.
    pub fn advance(&mut self, samples: u32) -> Option<ChordEvent> {
        let end = self.now.saturating_add(samples as u64);
        let settle_at = self.held_since.saturating_add(self.debounce_samples);
        let mut event = None;
        if !self.settled && settle_at <= end {
            self.settled = true;
            let set = self.held;
            if !set.is_empty() && set != self.last_settled {
                let update = self.window.push(set);
                let e = ChordEvent::from_update(&update, settle_at, self.held_since);
                self.last_update = Some(update);
                self.last_event = Some(e);
                event = Some(e);
            }
            self.last_settled = set;
        }
        self.now = end;
        event
    }

    /// Tension of the latest event with the current weights, 0..=1 (0 before any).
    pub fn tension(&self) -> f32 {
        self.last_update
            .map_or(0.0, |u| u.terms.tension(self.window.weights()) as f32)
    }

    /// The latest event, as it was reported.
    pub fn last_event(&self) -> Option<ChordEvent> {
        self.last_event
    }

    /// The latest event's full analysis (features in f64, tension terms, band
    /// energies), for batch analysis and plots.
    pub fn last_update(&self) -> Option<&WindowUpdate> {
        self.last_update.as_ref()
    }

    /// The window (signals and detail energy of the latest event), read-only.
    pub fn window(&self) -> &ChordWindow {
        &self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::new(48_000.0, AnalyzerConfig::default())
    }

    /// Advances in 64-sample chunks; returns the events.
    fn run(a: &mut Analyzer, samples: u32) -> Vec<ChordEvent> {
        let mut out = Vec::new();
        let mut left = samples;
        while left > 0 {
            let n = left.min(64);
            out.extend(a.advance(n));
            left -= n;
        }
        out
    }

    #[test]
    fn debounce_in_samples() {
        assert_eq!(analyzer().debounce_samples(), 1440);
        let mut a = analyzer();
        a.set_sample_rate(f32::NAN);
        assert_eq!(a.sample_rate_hz(), 48_000.0);
        let a = Analyzer::new(
            44_100.0,
            AnalyzerConfig {
                debounce_ms: f32::NAN,
                ..Default::default()
            },
        );
        assert_eq!(a.debounce_samples(), 1323);
    }

    #[test]
    fn rest_then_same_chord_fires_again_but_a_short_gap_does_not() {
        let mut a = analyzer();
        for n in [60, 64, 67] {
            a.note_on(n);
        }
        assert_eq!(run(&mut a, 4800).len(), 1);
        // Short gap (10 ms): a re-strike, no new event.
        a.note_off(64);
        run(&mut a, 480);
        a.note_on(64);
        assert_eq!(run(&mut a, 4800).len(), 0);
        // Real rest (100 ms): the same chord fires again with velocity 0.
        a.all_notes_off();
        assert_eq!(run(&mut a, 4800).len(), 0);
        for n in [60, 64, 67] {
            a.note_on(n);
        }
        let e = run(&mut a, 4800);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].index, 1);
        assert!(e[0].velocity.abs() < 1e-6);
    }

    #[test]
    fn doubled_keys_need_two_offs() {
        let mut a = analyzer();
        a.note_on(60);
        a.note_on(60);
        a.note_off(60);
        assert!(a.held().contains(0));
        a.note_off(60);
        assert!(a.held().is_empty());
        a.note_off(60);
        a.note_on(200);
        assert!(a.held().is_empty());
    }

    #[test]
    fn event_time_is_onset_plus_debounce_whatever_the_chunking() {
        for chunk in [1u32, 7, 64, 10_000] {
            let mut a = analyzer();
            a.advance(100);
            a.note_on(62);
            let mut got = None;
            for _ in 0..(20_000 / chunk) {
                if let Some(e) = a.advance(chunk) {
                    got = Some(e);
                }
            }
            let e = got.expect("event");
            assert_eq!(e.onset_samples, 100);
            assert_eq!(e.time_samples, 100 + 1440);
        }
    }
}
