//! The wave view: a Serum/Vital-style 3D stack of the frames along one axis of the cube
//! through the base point, with the frame at the base point highlighted in the stack and
//! drawn flat below it.
//!
//! Frames come from [`sample_frame`] (the blend the oscillator plays, missing nodes filled
//! from their neighbours) and are recomputed only when the cube, the axis or the base point
//! changes.

use std::sync::Arc;

use egui::{pos2, vec2, Align2, Pos2, Rect, Shape, Stroke, Ui};
use wavecube_dsp::cube::{sample_frame, Cube};

use crate::frame::FrameCx;
use crate::theme;

/// Frames in the stack.
pub const STACK_FRAMES: usize = 16;
/// Points drawn per frame.
pub const DISPLAY_POINTS: usize = 160;
/// Height of the flat view of the current frame, points.
const FLAT_H: f32 = 64.0;

/// What the frames were computed for.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    /// The cube (by pointer).
    cube: usize,
    /// The stack's axis.
    axis: usize,
    /// The base point, quantised to 1/4096.
    base: [u16; 3],
}

/// The view's axis choice and its cached frames.
#[derive(Debug, Clone)]
pub struct WaveView {
    /// The axis the stack runs along (0 = x, 1 = y, 2 = z).
    axis: usize,
    /// What the cache holds.
    key: Option<Key>,
    /// The frame at the base point, [`DISPLAY_POINTS`] samples.
    current: Vec<f32>,
    /// Its length in samples.
    current_len: usize,
    /// The stack, [`STACK_FRAMES`] frames of [`DISPLAY_POINTS`] samples, from 0 to 1 along
    /// the axis.
    stack: Vec<Vec<f32>>,
    /// Why the frames could not be computed, if they could not.
    error: Option<String>,
}

impl Default for WaveView {
    fn default() -> Self {
        Self {
            axis: 0,
            key: None,
            current: vec![0.0; DISPLAY_POINTS],
            current_len: 0,
            stack: vec![vec![0.0; DISPLAY_POINTS]; STACK_FRAMES],
            error: None,
        }
    }
}

/// `frame` resampled to `out.len()` points by linear interpolation over one cycle.
/// `frame` (values about ±1) as a polyline `width` wide from `origin`, `amp` points per unit.
fn polyline(frame: &[f32], origin: Pos2, width: f32, amp: f32) -> Vec<Pos2> {
    let last = frame.len().saturating_sub(1).max(1) as f32;
    frame
        .iter()
        .enumerate()
        .map(|(i, &s)| origin + vec2(i as f32 / last * width, -s.clamp(-1.5, 1.5) * amp))
        .collect()
}

fn decimate(frame: &[f32], out: &mut [f32]) {
    let n = frame.len();
    if n == 0 {
        out.fill(0.0);
        return;
    }
    let points = out.len();
    for (k, o) in out.iter_mut().enumerate() {
        let t = k as f32 * n as f32 / points as f32;
        let i = t.floor() as usize % n;
        let f = t - t.floor();
        *o = frame[i] * (1.0 - f) + frame[(i + 1) % n] * f;
    }
}

impl WaveView {
    /// The axis the stack runs along.
    pub fn axis(&self) -> usize {
        self.axis
    }

    fn refresh(&mut self, cube: &Arc<Cube>, base: [f32; 3]) {
        let key = Key {
            cube: Arc::as_ptr(cube) as usize,
            axis: self.axis,
            base: base.map(|v| (v.clamp(0.0, 1.0) * 4096.0).round() as u16),
        };
        if self.key.as_ref() == Some(&key) {
            return;
        }
        self.key = Some(key);
        let dims = cube.dims();
        let grid = |p: [f32; 3]| -> [f32; 3] {
            std::array::from_fn(|a| p[a].clamp(0.0, 1.0) * (dims[a] - 1) as f32)
        };
        let sample = |p: [f32; 3], out: &mut [f32]| -> Result<usize, String> {
            let g = grid(p);
            let node = sample_frame(cube, g[0], g[1], g[2]).map_err(|e| e.to_string())?;
            decimate(node.channel(0), out);
            Ok(node.len())
        };
        self.error = None;
        match sample(base, &mut self.current) {
            Ok(len) => self.current_len = len,
            Err(e) => self.error = Some(e),
        }
        for (k, frame) in self.stack.iter_mut().enumerate() {
            let mut p = base;
            p[self.axis] = k as f32 / (STACK_FRAMES - 1) as f32;
            if let Err(e) = sample(p, frame) {
                self.error = Some(e);
            }
        }
    }

    /// Draws the view in `rect`.
    pub fn ui(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        let (controls, content) = theme::panel(ui.painter(), rect, "WAVE");
        let names = cx.cube.axis_names();
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(controls)
                .layout(egui::Layout::right_to_left(egui::Align::Center)),
        );
        let mut axis = self.axis;
        egui::ComboBox::from_id_salt("wave-axis")
            .width(130.0)
            .selected_text(format!("{} {}", ["x", "y", "z"][axis], names[axis]))
            .show_ui(&mut child, |ui| {
                for (a, name) in names.iter().enumerate() {
                    ui.selectable_value(&mut axis, a, format!("{} {}", ["x", "y", "z"][a], name));
                }
            })
            .response
            .on_hover_text("The axis the stack of frames runs along");
        child.label(
            egui::RichText::new("stack along")
                .small()
                .color(theme::TEXT_WEAK),
        );
        self.axis = axis;

        let base = cx.base_morph().unwrap_or([0.0; 3]);
        self.refresh(cx.cube, base);
        let painter = ui.painter_at(content);
        if let Some(err) = &self.error {
            painter.text(
                content.center(),
                Align2::CENTER_CENTER,
                err,
                theme::small(),
                theme::ERROR,
            );
            return;
        }
        let stack_rect = Rect::from_min_max(
            content.min,
            pos2(content.max.x, content.max.y - FLAT_H - 6.0),
        );
        let flat_rect =
            Rect::from_min_max(pos2(content.min.x, content.max.y - FLAT_H), content.max);
        self.paint_stack(&painter, stack_rect, base[self.axis]);
        self.paint_flat(&painter, flat_rect, base);
    }

    /// The stack: frame 0 at the front (bottom left), frame 1 at the back (top right).
    fn paint_stack(&self, painter: &egui::Painter, rect: Rect, position: f32) {
        let frame_w = rect.width() * 0.66;
        let amp = rect.height() * 0.13;
        let depth = vec2(
            rect.width() - frame_w - 4.0,
            -(rect.height() - 2.6 * amp - 4.0),
        );
        let origin = pos2(rect.min.x + 2.0, rect.max.y - amp - 2.0);
        let at = |t: f32| origin + depth * t;
        // Floor rails at the frames' ends.
        for x in [0.0, frame_w] {
            painter.line_segment(
                [at(0.0) + vec2(x, 0.0), at(1.0) + vec2(x, 0.0)],
                Stroke::new(1.0, theme::GRID),
            );
        }
        let n = STACK_FRAMES;
        for k in (0..n).rev() {
            let t = k as f32 / (n - 1) as f32;
            let o = at(t);
            let alpha = 0.25 + 0.45 * (1.0 - t);
            painter.add(Shape::line(
                polyline(&self.stack[k], o, frame_w, amp),
                Stroke::new(1.0, theme::fade(theme::TEXT_WEAK, alpha)),
            ));
        }
        // The frame at the base point, in place along the stack.
        let o = at(position.clamp(0.0, 1.0));
        painter.line_segment(
            [o, o + vec2(frame_w, 0.0)],
            Stroke::new(1.0, theme::fade(theme::ACCENT, 0.35)),
        );
        painter.add(Shape::line(
            polyline(&self.current, o, frame_w, amp),
            Stroke::new(2.0, theme::ACCENT),
        ));
    }

    /// The frame at the base point, flat, full width.
    fn paint_flat(&self, painter: &egui::Painter, rect: Rect, base: [f32; 3]) {
        painter.rect_filled(rect, 4, theme::WELL);
        let mid = rect.center().y;
        painter.hline(rect.x_range(), mid, Stroke::new(1.0, theme::GRID));
        let amp = rect.height() * 0.42;
        painter.add(Shape::line(
            polyline(&self.current, pos2(rect.min.x, mid), rect.width(), amp),
            Stroke::new(1.5, theme::ACCENT),
        ));
        let label = format!(
            "frame at {:.2}, {:.2}, {:.2} · {} samples",
            base[0], base[1], base[2], self.current_len
        );
        painter.text(
            rect.min + vec2(6.0, 4.0),
            Align2::LEFT_TOP,
            label,
            theme::small(),
            theme::TEXT_WEAK,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_a_cycle() {
        let frame: Vec<f32> = (0..2048)
            .map(|i| (i as f32 / 2048.0 * std::f32::consts::TAU).sin())
            .collect();
        let mut out = vec![0.0; 160];
        decimate(&frame, &mut out);
        assert!(out[0].abs() < 1e-3);
        assert!((out[40] - 1.0).abs() < 1e-3, "{}", out[40]);
        assert!((out[120] + 1.0).abs() < 1e-3, "{}", out[120]);
    }
}
