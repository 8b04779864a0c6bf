//! What a view sees during one frame ([`FrameCx`]), where the views sit ([`Layout`]), the
//! message line ([`Status`]) and small shared formatting: the views depend on this module,
//! never on the app that owns them (`app.rs`).

use std::sync::Arc;

use egui::{pos2, vec2, Rect};
use nice_plug_core::context::gui::ParamSetter;
use wavecube_dsp::cube::Cube;

use wavecube_dsp::modulation::ModMatrix;

use crate::handle::SynthHandle;
use crate::matrix_undo::MatrixUndo;
use crate::param_table::ParamTable;
use crate::telemetry_view::TelemetryView;
use crate::theme;

/// How long a status message stays, seconds.
pub const STATUS_S: f64 = 10.0;
/// Environment variable naming a file the editor writes its view rectangles to (JSON,
/// physical pixels) whenever the layout changes: the screenshot test reads it.
pub const LAYOUT_ENV: &str = "WAVECUBE_EDITOR_LAYOUT";
/// Environment variable naming the controls section the editor opens first (e.g. `Morph`);
/// the screenshot test opens Morph, whose knobs wear the matrix's rings.
pub const SECTION_ENV: &str = "WAVECUBE_EDITOR_SECTION";

/// Where each view sits in the window, logical points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// The top bar.
    pub top: Rect,
    /// The cube view.
    pub cube: Rect,
    /// The wave view.
    pub wave: Rect,
    /// The sculpt view.
    pub sculpt: Rect,
    /// The tension view.
    pub tension: Rect,
    /// The controls view.
    pub controls: Rect,
    /// The matrix view (macros, source chips, slots), right of tension and controls.
    pub matrix: Rect,
    /// The browser.
    pub browser: Rect,
    /// The keyboard strip along the bottom edge (wheels, octave, piano).
    pub keyboard: Rect,
    /// The FX tab: the whole body between the top bar and the keyboard strip (it takes the
    /// place of every view but the keyboard).
    pub fx: Rect,
    /// The top bar's "SYNTH" tab (the views).
    pub synth_tab: Rect,
    /// The top bar's "FX" tab (the effects rack).
    pub fx_tab: Rect,
}

/// Left edge of the top bar's page tabs, from the window's left edge, points (room for the
/// wordmark before them).
pub const TABS_X: f32 = 112.0;
/// Width of a page tab, points.
pub const TAB_W: f32 = 52.0;

impl Layout {
    /// The layout of a window whose content is `screen`.
    ///
    /// Three views across the top (cube, wave, sculpt); tension over controls at the bottom
    /// left, with the matrix view beside them, under cube and wave; the browser at the bottom
    /// right, under sculpt; the keyboard strip along the whole bottom edge.
    pub fn of(screen: Rect) -> Self {
        let g = theme::GAP;
        let top = Rect::from_min_size(screen.min, vec2(screen.width(), theme::TOP_BAR_H));
        let keys_h = crate::views::keyboard::strip_height(screen.height());
        let keyboard = Rect::from_min_max(
            pos2(screen.min.x + g, screen.max.y - g - keys_h),
            screen.max - vec2(g, g),
        );
        let body = Rect::from_min_max(
            pos2(screen.min.x + g, top.max.y + g),
            pos2(screen.max.x - g, keyboard.min.y - g),
        );
        let w = body.width();
        let h = body.height();
        let row1_h = (h * 0.45).round().clamp(240.0, 520.0);
        let col_w = ((w - 2.0 * g) * 0.34).round();
        let x0 = body.min.x;
        let x1 = x0 + col_w + g;
        let x2 = x1 + col_w + g;
        let y1 = body.min.y + row1_h + g;
        let cube = Rect::from_min_max(pos2(x0, body.min.y), pos2(x1 - g, y1 - g));
        let wave = Rect::from_min_max(pos2(x1, body.min.y), pos2(x2 - g, y1 - g));
        let sculpt = Rect::from_min_max(pos2(x2, body.min.y), pos2(body.max.x, y1 - g));
        let tension_h = ((body.max.y - y1) * 0.40).round().clamp(120.0, 260.0);
        let matrix_w = ((x2 - g - x0) * 0.40).round();
        let xm = x2 - g - matrix_w;
        let tension = Rect::from_min_max(pos2(x0, y1), pos2(xm - g, y1 + tension_h));
        let controls = Rect::from_min_max(pos2(x0, y1 + tension_h + g), pos2(xm - g, body.max.y));
        let matrix = Rect::from_min_max(pos2(xm, y1), pos2(x2 - g, body.max.y));
        let browser = Rect::from_min_max(pos2(x2, y1), body.max);
        let tab = |k: f32| {
            Rect::from_min_size(
                pos2(screen.min.x + TABS_X + k * (TAB_W + 4.0), top.min.y + 5.0),
                vec2(TAB_W, top.height() - 10.0),
            )
        };
        Self {
            fx: body,
            synth_tab: tab(0.0),
            fx_tab: tab(1.0),
            top,
            cube,
            wave,
            sculpt,
            tension,
            controls,
            matrix,
            browser,
            keyboard,
        }
    }

    /// The views of the SYNTH tab, named, for the layout file and the tests.
    pub fn views(&self) -> [(&'static str, Rect); 8] {
        [
            ("cube", self.cube),
            ("wave", self.wave),
            ("sculpt", self.sculpt),
            ("tension", self.tension),
            ("controls", self.controls),
            ("matrix", self.matrix),
            ("browser", self.browser),
            ("keyboard", self.keyboard),
        ]
    }

    /// JSON of every view's rect in physical pixels (`pixels_per_point` of the window):
    /// `{"cube": [x, y, w, h], …}`.
    pub fn to_json(&self, pixels_per_point: f32) -> String {
        let entries: Vec<String> = std::iter::once(("top", self.top))
            .chain(self.views())
            .chain([
                ("fx", self.fx),
                ("synth_tab", self.synth_tab),
                ("fx_tab", self.fx_tab),
            ])
            .map(|(name, r)| {
                let p = |v: f32| (v * pixels_per_point).round() as i64;
                format!(
                    "\"{name}\": [{}, {}, {}, {}]",
                    p(r.min.x),
                    p(r.min.y),
                    p(r.width()),
                    p(r.height())
                )
            })
            .collect();
        format!("{{{}}}\n", entries.join(", "))
    }
}

/// The message line in the top bar.
#[derive(Debug, Default)]
pub struct Status {
    /// The message, whether it is an error, and when it was set (seconds of egui time).
    message: Option<(String, bool, f64)>,
    /// egui time now.
    now_s: f64,
}

impl Status {
    /// Sets egui time now, seconds (the app does so at the start of every frame).
    pub fn set_now(&mut self, now_s: f64) {
        self.now_s = now_s;
    }

    /// Shows `message` as information.
    pub fn info(&mut self, message: impl Into<String>) {
        self.message = Some((message.into(), false, self.now_s));
    }

    /// Shows `message` as an error.
    pub fn error(&mut self, message: impl Into<String>) {
        self.message = Some((message.into(), true, self.now_s));
    }

    /// The message showing now and whether it is an error.
    pub fn current(&self) -> Option<(&str, bool)> {
        self.message
            .as_ref()
            .filter(|(_, _, at)| self.now_s - at < STATUS_S)
            .map(|(m, e, _)| (m.as_str(), *e))
    }
}

/// What every view may read (and the status it may write) during a frame.
pub struct FrameCx<'a> {
    /// Every parameter.
    pub table: &'a ParamTable,
    /// The host's setter.
    pub setter: &'a ParamSetter<'a>,
    /// Telemetry history.
    pub telemetry: &'a TelemetryView,
    /// The cube playing.
    pub cube: &'a Arc<Cube>,
    /// The synth.
    pub handle: &'a SynthHandle,
    /// The message line.
    pub status: &'a mut Status,
    /// The undo history of the matrix edits (edit through [`FrameCx::edit_matrix`]).
    pub matrix_undo: &'a mut MatrixUndo,
    /// egui time, seconds.
    pub time_s: f64,
}

impl FrameCx<'_> {
    /// Sends an edit of the matrix from `before` (what the view read this frame) to `after`
    /// to the synth, and records it for undo; nothing when they are equal. `gesture` names
    /// the widget dragged, when the edit comes from a drag: one drag is one undo step.
    pub fn edit_matrix(
        &mut self,
        before: &ModMatrix,
        after: &ModMatrix,
        gesture: Option<egui::Id>,
    ) {
        if before == after {
            return;
        }
        self.matrix_undo.record(before, after, gesture);
        self.handle.backend.set_matrix(after);
    }

    /// Undoes the last matrix edit (the synth's matrix now is kept for redo); false when
    /// there is nothing to undo.
    pub fn undo_matrix(&mut self) -> bool {
        let current = self.handle.backend.matrix();
        match self.matrix_undo.undo(&current) {
            Some(m) => {
                self.handle.backend.set_matrix(&m);
                true
            }
            None => false,
        }
    }

    /// Redoes the last matrix edit undone; false when there is nothing to redo.
    pub fn redo_matrix(&mut self) -> bool {
        let current = self.handle.backend.matrix();
        match self.matrix_undo.redo(&current) {
            Some(m) => {
                self.handle.backend.set_matrix(&m);
                true
            }
            None => false,
        }
    }

    /// The base morph point `[x, y, z]`, 0..1, from the parameters "mx", "my", "mz" (`None`
    /// if the synth has no such parameters).
    pub fn base_morph(&self) -> Option<[f32; 3]> {
        let get = |id| self.table.get(id).map(|e| e.plain().clamp(0.0, 1.0));
        Some([get("mx")?, get("my")?, get("mz")?])
    }
}

/// The codec SQNR as the top bar and the controls show it.
pub fn sqnr_text(sqnr_db: f32) -> String {
    if sqnr_db.is_nan() {
        "off".to_owned()
    } else if sqnr_db.is_infinite() {
        "∞ dB".to_owned()
    } else {
        format!("{sqnr_db:.1} dB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_overlap(a: Rect, b: Rect) -> bool {
        a.intersect(b).area() <= 0.0
            || a.intersect(b).width() <= 0.0
            || a.intersect(b).height() <= 0.0
    }

    #[test]
    fn views_tile_the_window_without_overlap() {
        for (w, h) in [(1100.0, 720.0), (900.0, 600.0), (1600.0, 1000.0)] {
            let screen = Rect::from_min_size(pos2(0.0, 0.0), vec2(w, h));
            let layout = Layout::of(screen);
            let views = layout.views();
            for (name, r) in views {
                assert!(screen.contains_rect(r), "{name} {r:?} outside {w}×{h}");
                let min_h = if name == "keyboard" { 60.0 } else { 100.0 };
                assert!(
                    r.width() >= 200.0 && r.height() >= min_h,
                    "{name} {r:?} too small"
                );
                assert!(no_overlap(r, layout.top), "{name} overlaps the top bar");
            }
            for (i, (a, ra)) in views.iter().enumerate() {
                for (b, rb) in &views[i + 1..] {
                    assert!(no_overlap(*ra, *rb), "{a} {ra:?} overlaps {b} {rb:?}");
                }
            }
            // Columns line up: tension and controls, then the matrix, span cube and wave;
            // browser under sculpt.
            assert_eq!(layout.tension.min.x, layout.cube.min.x);
            assert_eq!(layout.tension.max.x, layout.controls.max.x);
            assert_eq!(layout.matrix.max.x, layout.wave.max.x);
            assert_eq!(layout.matrix.min.y, layout.tension.min.y);
            assert_eq!(layout.matrix.max.y, layout.controls.max.y);
            assert_eq!(layout.browser.min.x, layout.sculpt.min.x);
            assert_eq!(layout.browser.max.y, layout.controls.max.y);
            // The keyboard spans the window's width under everything.
            assert_eq!(layout.keyboard.min.x, layout.cube.min.x);
            assert_eq!(layout.keyboard.max.x, layout.browser.max.x);
            assert!(layout.keyboard.min.y >= layout.controls.max.y + theme::GAP);
            // The FX tab covers the views, above the keyboard; its tabs sit in the top bar.
            for (name, r) in views.iter().filter(|(n, _)| *n != "keyboard") {
                assert!(
                    layout.fx.contains_rect(*r),
                    "{name} {r:?} outside the FX page"
                );
            }
            assert!(no_overlap(layout.fx, layout.keyboard));
            for tab in [layout.synth_tab, layout.fx_tab] {
                assert!(
                    layout.top.contains_rect(tab),
                    "tab {tab:?} outside the top bar"
                );
            }
            assert!(no_overlap(layout.synth_tab, layout.fx_tab));
        }
    }

    #[test]
    fn the_layout_file_is_json_in_pixels() {
        let layout = Layout::of(Rect::from_min_size(pos2(0.0, 0.0), vec2(1100.0, 720.0)));
        let json: serde_json::Value = serde_json::from_str(&layout.to_json(2.0)).expect("JSON");
        let cube = json["cube"].as_array().expect("cube");
        assert_eq!(cube[0].as_i64(), Some(16));
        assert_eq!(json.as_object().map(|o| o.len()), Some(12));
        let fx = json["fx_tab"].as_array().expect("fx_tab");
        assert_eq!(fx[0].as_i64(), Some(2 * (TABS_X + TAB_W + 4.0) as i64));
    }
}
