//! `EditorApp`: the editor's state (one struct per view, the telemetry history, the
//! parameter table) and its frame: pull telemetry, lay out the window, draw every view.
//!
//! The app runs on the editor window's thread and only while the window is open: it asks
//! egui for a repaint every [`FRAME_INTERVAL`], so it polls the telemetry ring at that rate
//! and never when closed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use egui::{pos2, vec2, Align2, Rect, Stroke, Ui, UiBuilder};
use nice_plug_core::context::gui::{GuiContext, ParamSetter};
use nice_plug_egui::{baseview, NiceEguiApp};
use wavecube_dsp::cube::Cube;

use crate::handle::SynthHandle;
use crate::param_table::ParamTable;
use crate::session::TelemetrySession;
use crate::telemetry_view::TelemetryView;
use crate::theme;
use crate::views::browser::BrowserView;
use crate::views::controls::ControlsView;
use crate::views::cube::CubeView;
use crate::views::keyboard::KeyboardView;
use crate::views::sculpt::SculptView;
use crate::views::tension::TensionView;
use crate::views::wave::WaveView;

/// Time between repaints while the editor is open (50 frames a second).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(20);
/// How long a status message stays, seconds.
pub const STATUS_S: f64 = 10.0;
/// Environment variable naming a file the editor writes its view rectangles to (JSON,
/// physical pixels) whenever the layout changes: the screenshot test reads it.
pub const LAYOUT_ENV: &str = "WAVECUBE_EDITOR_LAYOUT";

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
    /// The browser.
    pub browser: Rect,
    /// The keyboard strip along the bottom edge (wheels, octave, piano).
    pub keyboard: Rect,
}

impl Layout {
    /// The layout of a window whose content is `screen`.
    ///
    /// Three views across the top (cube, wave, sculpt); tension over controls at the bottom
    /// left, under cube and wave; the browser at the bottom right, under sculpt; the
    /// keyboard strip along the whole bottom edge.
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
        let tension = Rect::from_min_max(pos2(x0, y1), pos2(x2 - g, y1 + tension_h));
        let controls = Rect::from_min_max(pos2(x0, y1 + tension_h + g), pos2(x2 - g, body.max.y));
        let browser = Rect::from_min_max(pos2(x2, y1), body.max);
        Self {
            top,
            cube,
            wave,
            sculpt,
            tension,
            controls,
            browser,
            keyboard,
        }
    }

    /// The views, named, for the layout file and the tests.
    pub fn views(&self) -> [(&'static str, Rect); 7] {
        [
            ("cube", self.cube),
            ("wave", self.wave),
            ("sculpt", self.sculpt),
            ("tension", self.tension),
            ("controls", self.controls),
            ("browser", self.browser),
            ("keyboard", self.keyboard),
        ]
    }

    /// JSON of every view's rect in physical pixels (`pixels_per_point` of the window):
    /// `{"cube": [x, y, w, h], …}`.
    pub fn to_json(&self, pixels_per_point: f32) -> String {
        let entries: Vec<String> = std::iter::once(("top", self.top))
            .chain(self.views())
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
    /// egui time, seconds.
    pub time_s: f64,
}

impl FrameCx<'_> {
    /// The base morph point `[x, y, z]`, 0..1, from the parameters "mx", "my", "mz" (`None`
    /// if the synth has no such parameters).
    pub fn base_morph(&self) -> Option<[f32; 3]> {
        let get = |id| self.table.get(id).map(|e| e.plain().clamp(0.0, 1.0));
        Some([get("mx")?, get("my")?, get("mz")?])
    }
}

/// The editor.
pub struct EditorApp {
    /// The synth.
    handle: SynthHandle,
    /// The telemetry hold (opened and closed by the window's handle).
    session: Arc<TelemetrySession>,
    /// The host's context, from `build`.
    gui: Option<GuiContext>,
    /// Every parameter.
    table: ParamTable,
    /// Telemetry history.
    telemetry: TelemetryView,
    /// The cube playing, as last asked of the backend.
    cube: Arc<Cube>,
    /// The views.
    cube_view: CubeView,
    wave_view: WaveView,
    tension_view: TensionView,
    sculpt_view: SculptView,
    controls_view: ControlsView,
    browser_view: BrowserView,
    keyboard_view: KeyboardView,
    /// The message line.
    status: Status,
    /// A factory patch still to apply (the standalone's `--patch`).
    startup_patch: Option<String>,
    /// Where to write the layout, if asked ([`LAYOUT_ENV`]).
    layout_file: Option<PathBuf>,
    /// The layout last written there.
    written_layout: Option<Layout>,
    /// Frames drawn.
    frames: u64,
}

impl EditorApp {
    /// The editor of `handle`, reading telemetry through `session`.
    ///
    /// # Allocation
    /// Builds the parameter table, the histories, the sculpt renderer and the patch list.
    pub fn new(handle: SynthHandle, session: Arc<TelemetrySession>) -> Self {
        let table = ParamTable::new(handle.params.clone());
        let sample_rate = handle.backend.sample_rate_hz();
        let cube = handle.backend.current_cube();
        let mut status = Status::default();
        let browser_view = BrowserView::new(&mut status);
        let sculpt_view = SculptView::new(&mut status);
        Self {
            startup_patch: handle.startup_patch.clone(),
            session,
            gui: None,
            table,
            telemetry: TelemetryView::new(sample_rate),
            cube,
            cube_view: CubeView::default(),
            wave_view: WaveView::default(),
            tension_view: TensionView,
            sculpt_view,
            controls_view: ControlsView::default(),
            browser_view,
            keyboard_view: KeyboardView::default(),
            status,
            layout_file: std::env::var_os(LAYOUT_ENV).map(PathBuf::from),
            written_layout: None,
            frames: 0,
            handle,
        }
    }

    /// Gives the app the host's context (nice-plug does it in `build`; tests do it here).
    pub fn set_gui_context(&mut self, gui: GuiContext) {
        self.gui = Some(gui);
    }

    /// The parameter table.
    pub fn table(&self) -> &ParamTable {
        &self.table
    }

    /// The telemetry history.
    pub fn telemetry(&self) -> &TelemetryView {
        &self.telemetry
    }

    /// The current status message and whether it is an error.
    pub fn status(&self) -> Option<(&str, bool)> {
        self.status.current()
    }

    /// Saves the capture to `path`, as if chosen in the browser's "Export capture…".
    pub fn request_capture_export(&mut self, path: PathBuf) {
        self.browser_view.queue_export(path);
    }

    /// Frames drawn so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The cube view's state (rotation), for tests.
    pub fn cube_view(&self) -> &CubeView {
        &self.cube_view
    }

    /// The controls view's state (the open tab), for tests.
    pub fn controls_view_mut(&mut self) -> &mut ControlsView {
        &mut self.controls_view
    }

    /// The browser's state, for tests.
    pub fn browser_view_mut(&mut self) -> &mut BrowserView {
        &mut self.browser_view
    }

    /// The keyboard strip's state (held notes, key rects), for tests.
    pub fn keyboard_view(&self) -> &KeyboardView {
        &self.keyboard_view
    }

    /// The sculpt view's state, for tests and benches.
    pub fn sculpt_view_mut(&mut self) -> &mut SculptView {
        &mut self.sculpt_view
    }

    /// Draws one frame into `ui` (the whole window).
    pub fn frame(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        ctx.request_repaint_after(FRAME_INTERVAL);
        self.frames += 1;
        let time_s = ui.input(|i| i.time);
        self.status.now_s = time_s;

        self.telemetry
            .set_sample_rate(self.handle.backend.sample_rate_hz());
        let telemetry = &mut self.telemetry;
        self.session.with_rx(|rx| telemetry.pull(rx));
        let cube = self.handle.backend.current_cube();
        if !Arc::ptr_eq(&cube, &self.cube) {
            self.cube = cube;
        }

        let screen = ui.max_rect();
        ui.painter().rect_filled(screen, 0, theme::BG);
        let layout = Layout::of(screen);
        self.write_layout(&layout, ctx.pixels_per_point());

        let Some(gui) = self.gui.clone() else {
            ui.painter().text(
                screen.center(),
                Align2::CENTER_CENTER,
                "Waiting for the host…",
                theme::body(),
                theme::TEXT_WEAK,
            );
            return;
        };
        let setter = gui.param_setter();
        if let Some(stem) = self.startup_patch.take() {
            self.browser_view
                .apply_by_stem(&stem, &self.handle, &setter, &mut self.status);
        }
        let mut cx = FrameCx {
            table: &self.table,
            setter: &setter,
            telemetry: &self.telemetry,
            cube: &self.cube,
            handle: &self.handle,
            status: &mut self.status,
            time_s,
        };
        top_bar(ui, layout.top, &mut cx);
        let mut child = |rect: Rect| ui.new_child(UiBuilder::new().max_rect(rect));
        self.cube_view
            .ui(&mut child(layout.cube), layout.cube, &mut cx);
        self.wave_view
            .ui(&mut child(layout.wave), layout.wave, &mut cx);
        self.sculpt_view
            .ui(&mut child(layout.sculpt), layout.sculpt, &mut cx);
        self.tension_view
            .ui(&mut child(layout.tension), layout.tension, &mut cx);
        self.controls_view
            .ui(&mut child(layout.controls), layout.controls, &mut cx);
        self.browser_view
            .ui(&mut child(layout.browser), layout.browser, &mut cx);
        self.keyboard_view
            .ui(&mut child(layout.keyboard), layout.keyboard, &mut cx);
        // The dialogs float over everything.
        self.sculpt_view.dialogs(&ctx, &mut cx);
        self.browser_view.dialogs(&ctx, &mut cx);
    }

    fn write_layout(&mut self, layout: &Layout, pixels_per_point: f32) {
        let Some(path) = &self.layout_file else {
            return;
        };
        if self.written_layout.as_ref() == Some(layout) {
            return;
        }
        let json = layout.to_json(pixels_per_point);
        // Written whole then renamed, so a reader never sees half a file.
        let part = path.with_extension("part");
        if std::fs::write(&part, json)
            .and_then(|()| std::fs::rename(&part, path))
            .is_ok()
        {
            self.written_layout = Some(*layout);
        }
    }
}

/// The strip across the top: name, bank, voices, codec SQNR, output level, messages.
fn top_bar(ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0, theme::PANEL);
    painter.hline(
        rect.x_range(),
        rect.max.y - 0.5,
        Stroke::new(1.0, theme::BORDER),
    );
    let y = rect.center().y;
    let mut x = rect.min.x + theme::GAP + 4.0;
    let word = painter.text(
        pos2(x, y),
        Align2::LEFT_CENTER,
        "WAVECUBE",
        theme::large(15.0),
        theme::ACCENT,
    );
    x = word.max.x + 18.0;
    let mut field = |label: &str, value: &str| {
        let l = painter.text(
            pos2(x, y),
            Align2::LEFT_CENTER,
            label,
            theme::small(),
            theme::TEXT_WEAK,
        );
        let v = painter.text(
            pos2(l.max.x + 6.0, y),
            Align2::LEFT_CENTER,
            value,
            theme::body(),
            theme::TEXT,
        );
        x = v.max.x + 18.0;
    };
    let meta = cx.cube.meta();
    let [w, h, d] = cx.cube.dims();
    let bank = if meta.name.is_empty() {
        "Untitled bank"
    } else {
        meta.name.as_str()
    };
    field("BANK", &format!("{bank}  {w}×{h}×{d}"));
    field("VOICES", &cx.telemetry.voices().len().to_string());
    let sqnr = cx.handle.backend.codec_sqnr_db();
    field("TQA", &sqnr_text(sqnr));

    // Right side: output peak meter, then the message line to its left.
    let meter = Rect::from_min_size(
        pos2(rect.max.x - theme::GAP - 124.0, y - 4.0),
        vec2(120.0, 8.0),
    );
    let peak = cx.telemetry.audio().peak();
    let peak_db = 20.0 * peak.max(1e-6).log10();
    let fill = ((peak_db + 60.0) / 60.0).clamp(0.0, 1.0);
    painter.rect_filled(meter, 3, theme::WELL);
    if fill > 0.0 {
        let lit = Rect::from_min_size(meter.min, vec2(meter.width() * fill, meter.height()));
        let color = if peak_db > -1.0 {
            theme::ERROR
        } else {
            theme::ACCENT
        };
        painter.rect_filled(lit, 3, color);
    }
    painter.text(
        pos2(meter.min.x - 6.0, y),
        Align2::RIGHT_CENTER,
        "OUT",
        theme::small(),
        theme::TEXT_WEAK,
    );
    let right = meter.min.x - 40.0;
    if let Some((message, is_error)) = cx.status.current() {
        let color = if is_error { theme::ERROR } else { theme::OK };
        let room = (right - x).max(40.0);
        let galley = painter.layout(message.to_owned(), theme::small(), color, room);
        let first_line = galley.rows.first().map_or(0.0, |r| r.rect().height());
        let pos = pos2(right - galley.size().x, y - first_line / 2.0);
        let clipped = painter.with_clip_rect(Rect::from_min_max(
            pos2(x, rect.min.y),
            pos2(right, rect.max.y),
        ));
        clipped.galley(pos, galley, color);
    }
    let dropped = cx.telemetry.dropped();
    if dropped > 0 {
        ui.interact(rect, ui.scope_id().with("top"), egui::Sense::hover())
            .on_hover_text(format!("Telemetry messages dropped: {dropped}"));
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

impl NiceEguiApp for EditorApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), baseview::HandlerError> {
        theme::install(&egui_ctx);
        self.gui = Some(nice_gui_ctx);
        Ok(())
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut nice_plug_egui::Frame) {
        self.frame(ui);
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
            // Columns line up: tension and controls span cube and wave; browser under sculpt.
            assert_eq!(layout.tension.min.x, layout.cube.min.x);
            assert_eq!(layout.tension.max.x, layout.wave.max.x);
            assert_eq!(layout.browser.min.x, layout.sculpt.min.x);
            assert_eq!(layout.browser.max.y, layout.controls.max.y);
            // The keyboard spans the window's width under everything.
            assert_eq!(layout.keyboard.min.x, layout.cube.min.x);
            assert_eq!(layout.keyboard.max.x, layout.browser.max.x);
            assert!(layout.keyboard.min.y >= layout.controls.max.y + theme::GAP);
        }
    }

    #[test]
    fn the_layout_file_is_json_in_pixels() {
        let layout = Layout::of(Rect::from_min_size(pos2(0.0, 0.0), vec2(1100.0, 720.0)));
        let json: serde_json::Value = serde_json::from_str(&layout.to_json(2.0)).expect("JSON");
        let cube = json["cube"].as_array().expect("cube");
        assert_eq!(cube[0].as_i64(), Some(16));
        assert_eq!(json.as_object().map(|o| o.len()), Some(8));
    }
}
