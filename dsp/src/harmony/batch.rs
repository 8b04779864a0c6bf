//! [`analyze_notes`]: offline analysis of a timed note list (for `wavecube analyze`),
//! through the same [`Analyzer`] the synth runs, so the CLI reports what the live
//! analyser would have.

use super::analyzer::{Analyzer, AnalyzerConfig, ChordEvent};
use super::chord_window::EventBands;
use super::PcSet;

/// One note change: `(time in samples, MIDI note 0..=127, true = on)`.
pub type NoteChange = (u64, u8, bool);

/// The result of a batch analysis. Vectors are parallel: entry `i` of each belongs to
/// event `i`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    /// The chord events in order, exactly as the live analyser reports them.
    pub events: Vec<ChordEvent>,
    /// Wavelet band energies of the four signals at each event (for plots).
    pub bands: Vec<EventBands>,
    /// Indices (into `events`) of phrase boundaries, ascending.
    pub boundaries: Vec<usize>,
}

impl Analysis {
    /// The tension curve, one value per event, 0..=1.
    pub fn tension(&self) -> Vec<f32> {
        self.events.iter().map(|e| e.tension).collect()
    }
}

/// Runs `notes` through an [`Analyzer`] at `sample_rate_hz`. The list is taken in time
/// order (a stable sort by time is applied first, so note changes at one instant keep
/// their order). After the last change the clock runs on for one debounce so a final
/// held chord is reported.
///
/// # Allocation
/// Allocates the result; run it off the audio thread.
pub fn analyze_notes(
    notes: &[NoteChange],
    sample_rate_hz: f32,
    config: AnalyzerConfig,
) -> Analysis {
    let mut sorted = notes.to_vec();
    sorted.sort_by_key(|&(t, _, _)| t);
    let mut analyzer = Analyzer::new(sample_rate_hz, config);
    let mut out = Analysis::default();
    let collect = |a: &Analyzer, e: Option<ChordEvent>, out: &mut Analysis| {
        if let Some(e) = e {
            if let Some(b) = e.boundary_at {
                out.boundaries.push(b as usize);
            }
            out.events.push(e);
            out.bands
                .push(a.last_update().map(|u| u.bands).unwrap_or_default());
        }
    };
    for &(time, note, on) in &sorted {
        while analyzer.now_samples() < time {
            let step = (time - analyzer.now_samples()).min(u32::MAX as u64) as u32;
            let e = analyzer.advance(step);
            collect(&analyzer, e, &mut out);
        }
        if on {
            analyzer.note_on(note);
        } else {
            analyzer.note_off(note);
        }
    }
    let tail = analyzer
        .debounce_samples()
        .saturating_add(1)
        .min(u32::MAX as u64) as u32;
    let e = analyzer.advance(tail);
    collect(&analyzer, e, &mut out);
    out
}

/// [`analyze_notes`] for a list of timed pitch-class sets: set `i` is held from
/// `times[i].0` until the next entry's time (an empty set is a rest). Each set is
/// voiced as one note per pitch class in octave 4 (MIDI 60..=71).
///
/// # Allocation
/// Allocates the result; run it off the audio thread.
pub fn analyze_sets(
    sets: &[(u64, PcSet)],
    sample_rate_hz: f32,
    config: AnalyzerConfig,
) -> Analysis {
    let mut notes = Vec::new();
    let mut held = PcSet::EMPTY;
    for &(time, set) in sets {
        for pc in held.iter() {
            notes.push((time, 60 + pc, false));
        }
        for pc in set.iter() {
            notes.push((time, 60 + pc, true));
        }
        held = set;
    }
    analyze_notes(&notes, sample_rate_hz, config)
}
