//! The sculpt view: an image filtered live by the spectrum of the output
//! ([`SculptRenderer`]), with its mode and colour-space selectors and "Load image…".
//!
//! The renderer runs on the editor thread with every buffer preallocated, at most
//! [`SCULPT_FPS`] times a second and only when new audio arrived or a setting changed.

use std::path::PathBuf;

use egui::{
    pos2, vec2, Align2, Color32, ColorImage, Rect, Stroke, StrokeKind, TextureHandle,
    TextureOptions, Ui,
};
use egui_file::FileDialog;
use wavecube_dsp::conv::{FloatImage, SculptColor, SculptMode, SculptRenderer, SCULPT_SIZE};

use crate::frame::{FrameCx, Status};
use crate::theme;

/// Most renders a second.
pub const SCULPT_FPS: f64 = 15.0;
/// Height of the selector row, points.
const ROW_H: f32 = 24.0;

/// The view's renderer, settings and texture.
pub struct SculptView {
    /// The renderer (`None` if it could not be built; the reason is in `error`).
    renderer: Option<SculptRenderer>,
    /// How the spectrum drives the planes.
    mode: SculptMode,
    /// Luma only, or YCbCr.
    color: SculptColor,
    /// Stretch the result to the full range.
    normalize: bool,
    /// The rendered image on the GPU.
    texture: Option<TextureHandle>,
    /// egui time of the last render, seconds.
    last_render_s: f64,
    /// Output frames pushed at the last render (to skip renders of the same audio).
    rendered_frames: u64,
    /// True when a setting or the source changed since the last render.
    dirty: bool,
    /// Name of the source image ("factory" or a file name).
    source: String,
    /// The open "Load image…" dialog.
    dialog: Option<FileDialog>,
    /// Why the renderer failed, if it did.
    error: Option<String>,
    /// Renders done (for tests and the bench).
    renders: u64,
}

impl std::fmt::Debug for SculptView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SculptView")
            .field("mode", &self.mode)
            .field("color", &self.color)
            .field("renders", &self.renders)
            .finish_non_exhaustive()
    }
}

impl SculptView {
    /// The view with the factory image as source; a renderer that cannot be built is
    /// reported in `status` and the view shows why.
    ///
    /// # Allocation
    /// Builds the renderer (about 3 MB of buffers at 256 × 256).
    pub fn new(status: &mut Status) -> Self {
        let (renderer, error) = match SculptRenderer::new(SCULPT_SIZE, SCULPT_SIZE) {
            Ok(r) => (Some(r), None),
            Err(e) => {
                status.error(format!("sculpt: {e}"));
                (None, Some(e.to_string()))
            }
        };
        Self {
            renderer,
            mode: SculptMode::Stereo,
            color: SculptColor::Color,
            normalize: true,
            texture: None,
            last_render_s: f64::NEG_INFINITY,
            rendered_frames: u64::MAX,
            dirty: true,
            source: "factory image".to_owned(),
            dialog: None,
            error,
            renders: 0,
        }
    }

    /// Renders done so far.
    pub fn renders(&self) -> u64 {
        self.renders
    }

    /// Forces a render on the next frame (the bench's worst case).
    pub fn invalidate(&mut self) {
        self.dirty = true;
        self.last_render_s = f64::NEG_INFINITY;
    }

    /// Loads `path` as the source image.
    ///
    /// # Errors
    /// A message naming the file when it cannot be read or decoded.
    pub fn load_image(&mut self, path: &std::path::Path) -> Result<(), String> {
        let renderer = self
            .renderer
            .as_mut()
            .ok_or("the sculpt renderer is not available")?;
        let image = FloatImage::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        renderer
            .set_source(&image)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        self.source = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        self.dirty = true;
        Ok(())
    }

    /// Draws the view in `rect`.
    pub fn ui(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        let (controls, content) = theme::panel(ui.painter(), rect, "SCULPT");
        let mut header = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(controls)
                .layout(egui::Layout::right_to_left(egui::Align::Center)),
        );
        if header
            .small_button("Load image…")
            .on_hover_text("Choose a PNG, JPEG or BMP image to sculpt")
            .clicked()
        {
            let mut dialog = FileDialog::open_file()
                .initial_path(crate::views::start_dir())
                .title("Load image")
                .show_files_filter(Box::new(|p: &std::path::Path| {
                    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        matches!(
                            e.to_ascii_lowercase().as_str(),
                            "png" | "jpg" | "jpeg" | "bmp"
                        )
                    })
                }));
            dialog.open();
            self.dialog = Some(dialog);
        }

        let image_side = (content.height() - ROW_H - 6.0)
            .min(content.width())
            .max(16.0);
        let image_rect = Rect::from_center_size(
            pos2(content.center().x, content.min.y + image_side / 2.0),
            vec2(image_side, image_side),
        );
        let row = Rect::from_min_max(pos2(content.min.x, content.max.y - ROW_H), content.max);
        self.selectors(ui, row);
        self.render_if_due(ui.ctx(), cx);

        let painter = ui.painter_at(content);
        painter.rect_filled(image_rect, 4, theme::WELL);
        match (&self.texture, &self.error) {
            (Some(texture), _) => {
                painter.image(
                    texture.id(),
                    image_rect,
                    Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
                    Color32::WHITE,
                );
            }
            (None, Some(err)) => {
                painter.text(
                    image_rect.center(),
                    Align2::CENTER_CENTER,
                    err,
                    theme::small(),
                    theme::ERROR,
                );
            }
            (None, None) => {}
        }
        painter.rect_stroke(
            image_rect,
            4,
            Stroke::new(1.0, theme::BORDER),
            StrokeKind::Outside,
        );
        painter.text(
            image_rect.left_bottom() + vec2(6.0, -5.0),
            Align2::LEFT_BOTTOM,
            &self.source,
            theme::small(),
            Color32::from_white_alpha(200),
        );
    }

    fn selectors(&mut self, ui: &mut Ui, row: Rect) {
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(row)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
        );
        let ui = &mut child;
        let (mode, color, normalize) = (self.mode, self.color, self.normalize);
        ui.label(egui::RichText::new("Mode").small().color(theme::TEXT_WEAK));
        egui::ComboBox::from_id_salt("sculpt-mode")
            .width(78.0)
            .selected_text(self.mode.name())
            .show_ui(ui, |ui| {
                for m in SculptMode::ALL {
                    ui.selectable_value(&mut self.mode, m, m.name());
                }
            })
            .response
            .on_hover_text("mono: one filter from the mix · stereo: left and right drive the chroma · mid-side: side drives the chroma");
        ui.label(
            egui::RichText::new("Colour")
                .small()
                .color(theme::TEXT_WEAK),
        );
        egui::ComboBox::from_id_salt("sculpt-color")
            .width(62.0)
            .selected_text(self.color.name())
            .show_ui(ui, |ui| {
                for c in [SculptColor::Luma, SculptColor::Color] {
                    ui.selectable_value(&mut self.color, c, c.name());
                }
            })
            .response
            .on_hover_text("luma: grey, one filter · color: YCbCr, a filter per plane");
        ui.checkbox(&mut self.normalize, egui::RichText::new("Stretch").small())
            .on_hover_text("Stretch the result to the full range instead of clipping");
        if (mode, color, normalize) != (self.mode, self.color, self.normalize) {
            self.dirty = true;
        }
    }

    fn render_if_due(&mut self, ctx: &egui::Context, cx: &FrameCx) {
        let Some(renderer) = self.renderer.as_mut() else {
            return;
        };
        let audio = cx.telemetry.audio();
        let fresh = audio.pushed() != self.rendered_frames;
        let due = cx.time_s - self.last_render_s >= 1.0 / SCULPT_FPS;
        if !(due && (fresh || self.dirty)) {
            return;
        }
        let size = [renderer.width(), renderer.height()];
        let rgba = renderer.render(
            audio.left(),
            audio.right(),
            self.mode,
            self.color,
            self.normalize,
        );
        let image = ColorImage::from_rgba_unmultiplied(size, rgba);
        match &mut self.texture {
            Some(texture) => texture.set(image, TextureOptions::LINEAR),
            None => self.texture = Some(ctx.load_texture("sculpt", image, TextureOptions::LINEAR)),
        }
        self.last_render_s = cx.time_s;
        self.rendered_frames = audio.pushed();
        self.dirty = false;
        self.renders += 1;
    }

    /// Shows the open dialog, and loads the image it returns.
    pub fn dialogs(&mut self, ctx: &egui::Context, cx: &mut FrameCx) {
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        dialog.show(ctx);
        match dialog.state() {
            egui_file::State::Open => {}
            egui_file::State::Selected => {
                let path: Option<PathBuf> = dialog.path().map(|p| p.to_path_buf());
                self.dialog = None;
                if let Some(path) = path {
                    match self.load_image(&path) {
                        Ok(()) => cx.status.info(format!("Sculpting {}", self.source)),
                        Err(e) => cx.status.error(e),
                    }
                }
            }
            egui_file::State::Closed | egui_file::State::Cancelled => self.dialog = None,
        }
    }
}
