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
use nice_plug_core::context::gui::GuiContext;
use nice_plug_egui::{baseview, NiceEguiApp};
use wavecube_dsp::cube::Cube;

pub use crate::frame::{sqnr_text, FrameCx, Layout, Status, LAYOUT_ENV, SECTION_ENV, STATUS_S};
use crate::handle::SynthHandle;
use crate::matrix_undo::MatrixUndo;
use crate::param_table::ParamTable;
use crate::session::TelemetrySession;
use crate::telemetry_view::TelemetryView;
use crate::theme;
use crate::views::browser::BrowserView;
use crate::views::controls::ControlsView;
use crate::views::cube::CubeView;
use crate::views::fx::FxView;
use crate::views::keyboard::KeyboardView;
use crate::views::matrix::MatrixView;
use crate::views::sculpt::SculptView;
use crate::views::tension::TensionView;
use crate::views::wave::WaveView;

/// Time between repaints while the editor is open (50 frames a second).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(20);

/// The editor's pages, chosen by the tabs in the top bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    /// The views: cube, wave, sculpt, tension, controls, matrix, browser.
    #[default]
    Synth,
    /// The effects rack ([`FxView`]).
    Fx,
}

/// Environment variable naming the page the editor opens on (`fx` for the FX tab; anything
/// else, or unset, the views).
pub const PAGE_ENV: &str = "WAVECUBE_EDITOR_PAGE";
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
    matrix_view: MatrixView,
    fx_view: FxView,
    /// The page shown (the top bar's tabs).
    page: Page,
    /// The message line.
    status: Status,
    /// The undo history of the matrix edits.
    matrix_undo: MatrixUndo,
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
        let mut controls_view = ControlsView::default();
        if let Some(name) = std::env::var_os(SECTION_ENV) {
            let name = name.to_string_lossy();
            if let Some(i) = table.sections().iter().position(|s| s.name == name) {
                controls_view.set_section(i);
            }
        }
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
            controls_view,
            browser_view,
            keyboard_view: KeyboardView::default(),
            matrix_view: MatrixView::default(),
            fx_view: FxView::default(),
            page: match std::env::var(PAGE_ENV).as_deref() {
                Ok("fx") => Page::Fx,
                _ => Page::Synth,
            },
            status,
            matrix_undo: MatrixUndo::new(),
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

    /// The undo history of the matrix edits, for tests.
    pub fn matrix_undo(&self) -> &MatrixUndo {
        &self.matrix_undo
    }

    /// The matrix view's state, for tests.
    pub fn matrix_view(&self) -> &MatrixView {
        &self.matrix_view
    }

    /// The FX tab's state, for tests.
    pub fn fx_view(&self) -> &FxView {
        &self.fx_view
    }

    /// The FX tab's state, for tests.
    pub fn fx_view_mut(&mut self) -> &mut FxView {
        &mut self.fx_view
    }

    /// The page shown.
    pub fn page(&self) -> Page {
        self.page
    }

    /// Shows `page` from the next frame on (as its tab in the top bar does).
    pub fn set_page(&mut self, page: Page) {
        self.page = page;
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
        self.status.set_now(time_s);

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
            matrix_undo: &mut self.matrix_undo,
            time_s,
        };
        undo_keys(&ctx, &mut cx);
        top_bar(ui, &layout, &mut cx, &mut self.page);
        let mut child = |rect: Rect| ui.new_child(UiBuilder::new().max_rect(rect));
        match self.page {
            Page::Synth => {
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
                self.matrix_view
                    .ui(&mut child(layout.matrix), layout.matrix, &mut cx);
                self.browser_view
                    .ui(&mut child(layout.browser), layout.browser, &mut cx);
            }
            Page::Fx => self.fx_view.ui(&mut child(layout.fx), layout.fx, &mut cx),
        }
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

/// Ctrl+Z undoes the last matrix edit, Ctrl+Shift+Z and Ctrl+Y redo (Cmd on macOS), on
/// either page, unless a text field has the keyboard (it has its own undo).
fn undo_keys(ctx: &egui::Context, cx: &mut FrameCx) {
    use egui::{Key, Modifiers};
    if ctx.text_edit_focused() {
        return;
    }
    let (undo, redo) = ctx.input_mut(|i| {
        // The most specific first: Ctrl+Z would also match Ctrl+Shift+Z.
        let redo = i.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z)
            || i.consume_key(Modifiers::COMMAND, Key::Y);
        let undo = i.consume_key(Modifiers::COMMAND, Key::Z);
        (undo, redo)
    });
    if redo {
        cx.redo_matrix();
    } else if undo {
        cx.undo_matrix();
    }
}

/// The strip across the top: name, the page tabs, bank, voices, codec SQNR, output level,
/// messages.
fn top_bar(ui: &mut Ui, layout: &Layout, cx: &mut FrameCx, page: &mut Page) {
    let rect = layout.top;
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0, theme::PANEL);
    painter.hline(
        rect.x_range(),
        rect.max.y - 0.5,
        Stroke::new(1.0, theme::BORDER),
    );
    let y = rect.center().y;
    let mut x = rect.min.x + theme::GAP + 4.0;
    painter.text(
        pos2(x, y),
        Align2::LEFT_CENTER,
        "WAVECUBE",
        theme::large(15.0),
        theme::ACCENT,
    );
    for (tab, this, name, hint) in [
        (
            layout.synth_tab,
            Page::Synth,
            "SYNTH",
            "The cube, waves, controls and banks",
        ),
        (layout.fx_tab, Page::Fx, "FX", "The effects rack"),
    ] {
        let selected = *page == this;
        let text = egui::RichText::new(name)
            .size(theme::SMALL_PT + 0.5)
            .color(if selected {
                theme::ACCENT
            } else {
                theme::TEXT_WEAK
            });
        if ui
            .put(tab, egui::Button::selectable(selected, text))
            .on_hover_text(hint)
            .clicked()
        {
            *page = this;
        }
    }
    x = layout.fx_tab.max.x + 18.0;
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
