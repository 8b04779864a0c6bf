//! `MatrixUndo`: the editor's undo and redo history of the modulation matrix, bounded to
//! [`UNDO_DEPTH`] steps, with a continuous drag of one value kept as one step.
//!
//! The matrix is synth state, not parameters, so the host's undo does not see it; the
//! editor keeps its own. Every matrix edit the editor makes goes through
//! [`FrameCx::edit_matrix`](crate::frame::FrameCx::edit_matrix), which records the state
//! before it here. `ModMatrix` is `Copy` (a few hundred bytes), so a step is a whole copy.

use std::collections::VecDeque;

use egui::Id;
use wavecube_dsp::modulation::ModMatrix;

/// Most undo steps kept; the oldest is forgotten beyond it.
pub const UNDO_DEPTH: usize = 64;

/// The history: states to go back to, states to go forward to, and the drag being
/// coalesced.
#[derive(Debug, Clone, Default)]
pub struct MatrixUndo {
    /// States before each edit, oldest first; at most [`UNDO_DEPTH`].
    undo: VecDeque<ModMatrix>,
    /// States undone, the most recently undone last; at most [`UNDO_DEPTH`].
    redo: Vec<ModMatrix>,
    /// The widget whose drag the newest undo step covers: further edits from it join that
    /// step until the drag ends ([`MatrixUndo::end_gesture_unless`]).
    gesture: Option<Id>,
}

impl MatrixUndo {
    /// An empty history.
    ///
    /// # Allocation
    /// Reserves room for [`UNDO_DEPTH`] states each way (tens of kilobytes), so recording
    /// never grows it.
    pub fn new() -> Self {
        Self {
            undo: VecDeque::with_capacity(UNDO_DEPTH + 1),
            redo: Vec::with_capacity(UNDO_DEPTH),
            gesture: None,
        }
    }

    /// Records an edit from `before` to `after` (nothing when they are equal). `gesture`
    /// names the widget being dragged, if the edit comes from a drag: edits of the same
    /// drag make one step. A new step forgets what was undone.
    pub fn record(&mut self, before: &ModMatrix, after: &ModMatrix, gesture: Option<Id>) {
        if before == after {
            return;
        }
        if gesture.is_some() && gesture == self.gesture {
            return;
        }
        self.undo.push_back(*before);
        while self.undo.len() > UNDO_DEPTH {
            self.undo.pop_front();
        }
        self.redo.clear();
        self.gesture = gesture;
    }

    /// Ends the coalesced drag unless `dragging` (the widget dragged this frame, if any) is
    /// it; the next edit starts a new step. The matrix view calls it every frame.
    pub fn end_gesture_unless(&mut self, dragging: Option<Id>) {
        if self.gesture != dragging {
            self.gesture = None;
        }
    }

    /// The state to go back to from `current`, which is kept for redo; `None` when there
    /// is nothing to undo.
    pub fn undo(&mut self, current: &ModMatrix) -> Option<ModMatrix> {
        let previous = self.undo.pop_back()?;
        self.redo.push(*current);
        self.gesture = None;
        Some(previous)
    }

    /// The state to go forward to from `current`, which is kept for undo; `None` when
    /// there is nothing to redo.
    pub fn redo(&mut self, current: &ModMatrix) -> Option<ModMatrix> {
        let next = self.redo.pop()?;
        self.undo.push_back(*current);
        while self.undo.len() > UNDO_DEPTH {
            self.undo.pop_front();
        }
        self.gesture = None;
        Some(next)
    }

    /// Undo steps held.
    pub fn undo_len(&self) -> usize {
        self.undo.len()
    }

    /// Redo steps held.
    pub fn redo_len(&self) -> usize {
        self.redo.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavecube_dsp::modulation::{Destination, Slot, Source};

    fn with(amount: f32) -> ModMatrix {
        let mut m = ModMatrix::default();
        m.push(Slot::new(Source::Lfo1, Destination::Cutoff, amount));
        m
    }

    #[test]
    fn undo_and_redo_walk_the_steps_and_keep_the_current_state() {
        let mut h = MatrixUndo::new();
        let (a, b, c) = (ModMatrix::default(), with(0.1), with(0.2));
        h.record(&a, &b, None);
        h.record(&b, &c, None);
        assert_eq!(h.undo(&c), Some(b));
        assert_eq!(h.undo(&b), Some(a));
        assert_eq!(h.undo(&a), None);
        assert_eq!(h.redo(&a), Some(b));
        assert_eq!(h.redo(&b), Some(c));
        assert_eq!(h.redo(&c), None);
        // A new edit after an undo forgets the redo.
        assert_eq!(h.undo(&c), Some(b));
        h.record(&b, &a, None);
        assert_eq!(h.redo_len(), 0);
    }

    #[test]
    fn a_drag_is_one_step_and_a_second_drag_another() {
        let mut h = MatrixUndo::new();
        let id = Id::unique("amount");
        for k in 0..10 {
            h.record(
                &with(k as f32 * 0.01),
                &with((k + 1) as f32 * 0.01),
                Some(id),
            );
            h.end_gesture_unless(Some(id));
        }
        assert_eq!(h.undo_len(), 1);
        h.end_gesture_unless(None);
        h.record(&with(0.1), &with(0.2), Some(id));
        assert_eq!(h.undo_len(), 2);
        assert_eq!(h.undo(&with(0.2)), Some(with(0.1)));
        assert_eq!(h.undo(&with(0.1)), Some(with(0.0)));
    }

    #[test]
    fn the_history_holds_at_most_the_depth() {
        let mut h = MatrixUndo::new();
        for k in 0..(UNDO_DEPTH + 20) {
            h.record(&with(k as f32 * 1e-3), &with((k + 1) as f32 * 1e-3), None);
        }
        assert_eq!(h.undo_len(), UNDO_DEPTH);
        let mut current = with((UNDO_DEPTH + 20) as f32 * 1e-3);
        while let Some(m) = h.undo(&current) {
            current = m;
        }
        // The oldest 20 steps were forgotten.
        assert_eq!(current, with(20.0 * 1e-3));
        assert_eq!(h.redo_len(), UNDO_DEPTH);
    }
}
