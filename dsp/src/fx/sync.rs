//! Tempo-sync note divisions (1/4, 1/8., 1/8T …) shared by the tempo-synced effects.

use serde::{Deserialize, Serialize};

/// A note value, before dotting or triplets, in the host's beats (quarter notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteValue {
    /// Four bars of 4/4 (16 beats).
    FourBars,
    /// Two bars of 4/4 (8 beats).
    TwoBars,
    /// A whole note (4 beats).
    Whole,
    /// A half note (2 beats).
    Half,
    /// A quarter note (1 beat).
    Quarter,
    /// An eighth note (1/2 beat).
    Eighth,
    /// A sixteenth note (1/4 beat).
    Sixteenth,
    /// A thirty-second note (1/8 beat).
    ThirtySecond,
}

impl NoteValue {
    /// The length in beats (quarter notes).
    pub fn beats(self) -> f64 {
        match self {
            Self::FourBars => 16.0,
            Self::TwoBars => 8.0,
            Self::Whole => 4.0,
            Self::Half => 2.0,
            Self::Quarter => 1.0,
            Self::Eighth => 0.5,
            Self::Sixteenth => 0.25,
            Self::ThirtySecond => 0.125,
        }
    }
}

/// Straight, dotted (×1.5) or triplet (×2/3) feel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Feel {
    /// The plain note value.
    #[default]
    Straight,
    /// Dotted: one and a half times the note value ("1/8.").
    Dotted,
    /// Triplet: two thirds of the note value ("1/8T").
    Triplet,
}

/// A tempo-synced length: a note value with a feel, e.g. 1/8 dotted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncDivision {
    /// The note value.
    pub note: NoteValue,
    /// Straight, dotted or triplet.
    pub feel: Feel,
}

impl SyncDivision {
    /// A division of `note` with `feel`.
    pub const fn new(note: NoteValue, feel: Feel) -> Self {
        Self { note, feel }
    }

    /// A straight division of `note`.
    pub const fn straight(note: NoteValue) -> Self {
        Self::new(note, Feel::Straight)
    }

    /// The length in beats (quarter notes).
    pub fn beats(self) -> f64 {
        let base = self.note.beats();
        match self.feel {
            Feel::Straight => base,
            Feel::Dotted => base * 1.5,
            Feel::Triplet => base * 2.0 / 3.0,
        }
    }

    /// The length in seconds at `bpm` beats per minute (`bpm` is clamped to 1–999).
    pub fn seconds(self, bpm: f64) -> f64 {
        self.beats() * 60.0 / sanitize_bpm(bpm)
    }

    /// The rate of one cycle per division at `bpm`, in Hz.
    pub fn hz(self, bpm: f64) -> f64 {
        1.0 / self.seconds(bpm)
    }

    /// A short label as a sound designer writes it: "1/4", "1/8.", "1/16T", "2 bars".
    pub fn label(self) -> &'static str {
        use Feel::*;
        use NoteValue::*;
        match (self.note, self.feel) {
            (FourBars, Straight) => "4 bars",
            (FourBars, Dotted) => "4 bars.",
            (FourBars, Triplet) => "4 bars T",
            (TwoBars, Straight) => "2 bars",
            (TwoBars, Dotted) => "2 bars.",
            (TwoBars, Triplet) => "2 bars T",
            (Whole, Straight) => "1/1",
            (Whole, Dotted) => "1/1.",
            (Whole, Triplet) => "1/1T",
            (Half, Straight) => "1/2",
            (Half, Dotted) => "1/2.",
            (Half, Triplet) => "1/2T",
            (Quarter, Straight) => "1/4",
            (Quarter, Dotted) => "1/4.",
            (Quarter, Triplet) => "1/4T",
            (Eighth, Straight) => "1/8",
            (Eighth, Dotted) => "1/8.",
            (Eighth, Triplet) => "1/8T",
            (Sixteenth, Straight) => "1/16",
            (Sixteenth, Dotted) => "1/16.",
            (Sixteenth, Triplet) => "1/16T",
            (ThirtySecond, Straight) => "1/32",
            (ThirtySecond, Dotted) => "1/32.",
            (ThirtySecond, Triplet) => "1/32T",
        }
    }
}

/// The tempo an effect assumes before the host reports one, in beats per minute.
pub const DEFAULT_BPM: f64 = 120.0;

/// Clamps a host tempo to 1–999 bpm; non-finite or non-positive gives [`DEFAULT_BPM`].
pub fn sanitize_bpm(bpm: f64) -> f64 {
    if bpm.is_finite() && bpm > 0.0 {
        bpm.clamp(1.0, 999.0)
    } else {
        DEFAULT_BPM
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighth_at_120_is_250_ms_and_variants_scale() {
        let e = SyncDivision::straight(NoteValue::Eighth);
        assert_eq!(e.seconds(120.0), 0.25);
        assert_eq!(
            SyncDivision::new(NoteValue::Eighth, Feel::Dotted).seconds(120.0),
            0.375
        );
        let t = SyncDivision::new(NoteValue::Eighth, Feel::Triplet).seconds(120.0);
        assert!((t - 0.5 / 3.0).abs() < 1e-12);
        assert_eq!(e.seconds(f64::NAN), 0.25);
        assert_eq!(SyncDivision::straight(NoteValue::Quarter).hz(120.0), 2.0);
    }
}
