//! The cube view: a rotatable 3D projection of the W×H×D grid with its present and missing
//! nodes, the base morph point (draggable: it sets the morph parameters through the host)
//! and the morph point of every sounding voice.

use std::sync::Arc;

use egui::{pos2, vec2, Align2, CursorIcon, Pos2, Rect, Sense, Stroke, Ui, Vec2};
use wavecube_dsp::cube::Cube;

use crate::frame::FrameCx;
use crate::theme;

/// Default rotation about the vertical axis, radians.
pub const DEFAULT_YAW: f32 = -0.62;
/// Default tilt, radians (positive looks down on the cube).
pub const DEFAULT_PITCH: f32 = 0.42;
/// Rotation per point dragged, radians.
pub const ROTATE_PER_POINT: f32 = 0.01;
/// How near the pointer must be to the base point to grab it, points.
pub const GRAB_RADIUS: f32 = 12.0;
/// Strength of the perspective (0 = orthographic).
const PERSPECTIVE: f32 = 0.35;
/// Ids of the morph parameters, x, y, z.
pub const MORPH_IDS: [&str; 3] = ["mx", "my", "mz"];

/// The view's rotation, and a drag in progress.
#[derive(Debug, Clone)]
pub struct CubeView {
    /// Rotation about the vertical axis, radians.
    yaw: f32,
    /// Tilt, radians, held to ±1.4.
    pitch: f32,
    /// While the base point is dragged: its position when the drag started, and the drag so
    /// far in cube units.
    point_drag: Option<([f32; 3], [f32; 3])>,
    /// Node positions (0..1 per axis) and presence of the cube they were made for.
    nodes: Vec<([f32; 3], bool)>,
    /// The cube `nodes` describes.
    nodes_of: Option<Arc<Cube>>,
    /// Node indices sorted back to front (reused each frame).
    order: Vec<(f32, u32)>,
}

impl Default for CubeView {
    fn default() -> Self {
        Self {
            yaw: DEFAULT_YAW,
            pitch: DEFAULT_PITCH,
            point_drag: None,
            nodes: Vec::new(),
            nodes_of: None,
            order: Vec::new(),
        }
    }
}

/// Screen projection of the unit cube for one frame.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    /// Centre of the view, points.
    center: Pos2,
    /// Points per cube unit.
    scale: f32,
    /// sin and cos of the yaw.
    yaw: (f32, f32),
    /// sin and cos of the pitch.
    pitch: (f32, f32),
}

impl Projection {
    /// The projection for `yaw`, `pitch` that fits the cube in `rect`.
    pub fn new(rect: Rect, yaw: f32, pitch: f32) -> Self {
        Self {
            center: rect.center() + vec2(0.0, 6.0),
            scale: rect.width().min(rect.height()) * 0.50,
            yaw: yaw.sin_cos(),
            pitch: pitch.sin_cos(),
        }
    }

    /// Screen position and depth (larger is farther) of morph point `p` (0..1 per axis).
    pub fn project(&self, p: [f32; 3]) -> (Pos2, f32) {
        let [x, y, z] = [p[0] - 0.5, p[1] - 0.5, p[2] - 0.5];
        let (sy, cy) = self.yaw;
        let (sp, cp) = self.pitch;
        let x1 = x * cy + z * sy;
        let z1 = -x * sy + z * cy;
        let y2 = y * cp - z1 * sp;
        let z2 = y * sp + z1 * cp;
        let persp = 1.0 / (1.0 + PERSPECTIVE * z2);
        (self.center + vec2(x1, -y2) * self.scale * persp, z2)
    }

    /// The change in cube coordinates that moves point `at` by `delta` points on screen, in
    /// the plane facing the viewer (at `at`'s depth).
    pub fn unproject_delta(&self, at: [f32; 3], delta: Vec2) -> [f32; 3] {
        let (_, depth) = self.project(at);
        let scale = self.scale / (1.0 + PERSPECTIVE * depth);
        let cx = delta.x / scale;
        let cy_ = -delta.y / scale;
        let (sy, cy) = self.yaw;
        let (sp, cp) = self.pitch;
        // Undo the pitch (camera z = 0), then the yaw.
        let y1 = cy_ * cp;
        let z1 = -cy_ * sp;
        [cx * cy - z1 * sy, y1, cx * sy + z1 * cy]
    }
}

fn add3(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// The twelve edges of the unit cube.
const EDGES: [([f32; 3], [f32; 3]); 12] = [
    ([0., 0., 0.], [1., 0., 0.]),
    ([0., 0., 0.], [0., 1., 0.]),
    ([0., 0., 0.], [0., 0., 1.]),
    ([1., 0., 0.], [1., 1., 0.]),
    ([1., 0., 0.], [1., 0., 1.]),
    ([0., 1., 0.], [1., 1., 0.]),
    ([0., 1., 0.], [0., 1., 1.]),
    ([0., 0., 1.], [1., 0., 1.]),
    ([0., 0., 1.], [0., 1., 1.]),
    ([1., 1., 0.], [1., 1., 1.]),
    ([1., 0., 1.], [1., 1., 1.]),
    ([0., 1., 1.], [1., 1., 1.]),
];

impl CubeView {
    /// Rotation (yaw, pitch), radians.
    pub fn rotation(&self) -> (f32, f32) {
        (self.yaw, self.pitch)
    }

    /// The drawing area of a cube view placed at `rect` (the panel without its header and
    /// margins).
    pub fn canvas(rect: Rect) -> Rect {
        theme::content_rect(rect).shrink2(vec2(4.0, 4.0))
    }

    fn refresh_nodes(&mut self, cube: &Arc<Cube>) {
        if self.nodes_of.as_ref().is_some_and(|c| Arc::ptr_eq(c, cube)) {
            return;
        }
        let [w, h, d] = cube.dims();
        let at = |i: usize, n: usize| {
            if n > 1 {
                i as f32 / (n - 1) as f32
            } else {
                0.5
            }
        };
        self.nodes.clear();
        for x in 0..w {
            for y in 0..h {
                for z in 0..d {
                    self.nodes
                        .push(([at(x, w), at(y, h), at(z, d)], cube.get(x, y, z).is_some()));
                }
            }
        }
        self.order = Vec::with_capacity(self.nodes.len());
        self.nodes_of = Some(cube.clone());
    }

    /// Draws the view in `rect` and handles its input.
    pub fn ui(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        theme::panel(ui.painter(), rect, "CUBE");
        self.refresh_nodes(cx.cube);
        let canvas = Self::canvas(rect);
        let response = ui.interact(canvas, ui.scope_id().with("cube"), Sense::click_and_drag());
        let proj = Projection::new(canvas, self.yaw, self.pitch);
        let base = cx.base_morph();
        let base_screen = base.map(|b| proj.project(b).0);
        let near_point = |pos: Option<Pos2>| matches!((pos, base_screen), (Some(p), Some(b)) if p.distance(b) <= GRAB_RADIUS);

        if response.drag_started() && near_point(response.interact_pointer_pos()) {
            if let Some(b) = base {
                for id in MORPH_IDS {
                    if let Some(e) = cx.table.get(id) {
                        e.begin(cx.setter);
                    }
                }
                self.point_drag = Some((b, [0.0; 3]));
            }
        }
        if response.dragged() {
            let delta = response.drag_delta();
            match &mut self.point_drag {
                Some((start, moved)) => {
                    let at = add3(*start, *moved);
                    *moved = add3(*moved, proj.unproject_delta(at, delta));
                    let target = add3(*start, *moved).map(|v| v.clamp(0.0, 1.0));
                    for (id, v) in MORPH_IDS.iter().zip(target) {
                        if let Some(e) = cx.table.get(id) {
                            e.set(cx.setter, e.normalized_of(v));
                        }
                    }
                }
                None => {
                    self.yaw += delta.x * ROTATE_PER_POINT;
                    self.pitch = (self.pitch + delta.y * ROTATE_PER_POINT).clamp(-1.4, 1.4);
                }
            }
        }
        if response.drag_stopped() && self.point_drag.take().is_some() {
            for id in MORPH_IDS {
                if let Some(e) = cx.table.get(id) {
                    e.end(cx.setter);
                }
            }
        }
        if response.double_clicked() && !near_point(response.interact_pointer_pos()) {
            self.yaw = DEFAULT_YAW;
            self.pitch = DEFAULT_PITCH;
        }
        let hover_point = near_point(response.hover_pos()) || self.point_drag.is_some();
        let response = if hover_point {
            response.on_hover_cursor(CursorIcon::Grab)
        } else {
            response.on_hover_cursor(CursorIcon::AllScroll)
        };

        let proj = Projection::new(canvas, self.yaw, self.pitch);
        self.paint(ui, canvas, &proj, base, cx, hover_point);
        response.on_hover_text(
            "Drag the ● to move the base morph point · drag elsewhere to rotate · \
             double-click to reset the view",
        );
    }

    fn paint(
        &mut self,
        ui: &Ui,
        canvas: Rect,
        proj: &Projection,
        base: Option<[f32; 3]>,
        cx: &FrameCx,
        hot: bool,
    ) {
        let painter = ui.painter_at(canvas);
        // Edges, the three axes from the origin corner brighter.
        for (k, (a, b)) in EDGES.iter().enumerate() {
            let color = if k < 3 {
                theme::TEXT_WEAK
            } else {
                theme::BORDER
            };
            painter.line_segment(
                [proj.project(*a).0, proj.project(*b).0],
                Stroke::new(1.0, color),
            );
        }
        // Nodes, back to front.
        self.order.clear();
        for (i, (p, _)) in self.nodes.iter().enumerate() {
            self.order.push((proj.project(*p).1, i as u32));
        }
        self.order.sort_by(|a, b| b.0.total_cmp(&a.0));
        let many = self.nodes.len() > 512;
        for &(depth, i) in &self.order {
            let (p, present) = self.nodes[i as usize];
            let (pos, _) = proj.project(p);
            let near = (0.5 - depth).clamp(0.0, 1.0);
            if present {
                let r = if many { 1.6 } else { 2.2 + 1.4 * near };
                painter.circle_filled(pos, r, theme::fade(theme::TEXT, 0.35 + 0.5 * near));
            } else {
                painter.circle_stroke(pos, 2.0, Stroke::new(1.0, theme::fade(theme::GRID, 0.9)));
            }
        }
        // Voices: each sounding voice's modulated point, tied to the base point.
        let base_pos = base.map(|b| proj.project(b).0);
        for v in cx.telemetry.voices() {
            let (pos, _) = proj.project(*v);
            if let Some(b) = base_pos {
                painter.line_segment([b, pos], Stroke::new(1.0, theme::fade(theme::VOICE, 0.35)));
            }
            painter.circle_filled(pos, 8.0, theme::fade(theme::VOICE, 0.18));
            painter.circle_filled(pos, 4.0, theme::VOICE);
        }
        // The base point, with a drop line to the floor.
        if let Some(b) = base {
            let (pos, _) = proj.project(b);
            let (floor, _) = proj.project([b[0], 0.0, b[2]]);
            painter.line_segment(
                [pos, floor],
                Stroke::new(1.0, theme::fade(theme::ACCENT, 0.45)),
            );
            painter.circle_stroke(
                floor,
                3.0,
                Stroke::new(1.0, theme::fade(theme::ACCENT, 0.6)),
            );
            let r = if hot { 8.0 } else { 6.5 };
            painter.circle_filled(pos, r + 4.0, theme::fade(theme::ACCENT, 0.15));
            painter.circle(pos, r, theme::ACCENT, Stroke::new(1.5, theme::BG));
            let readout = format!("x {:.2}   y {:.2}   z {:.2}", b[0], b[1], b[2]);
            painter.text(
                pos2(canvas.min.x + 2.0, canvas.max.y - 2.0),
                Align2::LEFT_BOTTOM,
                readout,
                theme::mono(),
                theme::TEXT_WEAK,
            );
        }
        // Axis names just past the far end of each axis, on a badge.
        let names = cx.cube.axis_names();
        let (origin, _) = proj.project([0.0; 3]);
        for (axis, name) in names.iter().enumerate() {
            let mut end = [0.0; 3];
            end[axis] = 1.0;
            let (p, _) = proj.project(end);
            let dir = (p - origin).normalized();
            let label = format!("{} · {}", ["x", "y", "z"][axis], name);
            let galley = painter.layout_no_wrap(label, theme::small(), theme::TEXT);
            let size = galley.size() + vec2(10.0, 4.0);
            // Centre the badge past the end, far enough out that it clears the corner node.
            let reach = 10.0 + 0.5 * (size.x * dir.x.abs() + size.y * dir.y.abs());
            let rect = Rect::from_center_size(p + dir * reach, size);
            let rect = rect.translate(vec2(
                (canvas.min.x - rect.min.x).max(0.0) + (canvas.max.x - rect.max.x).min(0.0),
                (canvas.min.y - rect.min.y).max(0.0) + (canvas.max.y - rect.max.y).min(0.0),
            ));
            painter.rect(
                rect,
                3,
                theme::WELL,
                Stroke::new(1.0, theme::BORDER),
                egui::StrokeKind::Inside,
            );
            painter.galley(rect.min + vec2(5.0, 2.0), galley, theme::TEXT);
        }
        let legend_y = canvas.min.y + 8.0;
        let mut x = canvas.max.x - 2.0;
        for (label, color) in [("voices", theme::VOICE), ("base", theme::ACCENT)] {
            let r = painter.text(
                pos2(x, legend_y),
                Align2::RIGHT_CENTER,
                label,
                theme::small(),
                theme::TEXT_WEAK,
            );
            painter.circle_filled(pos2(r.min.x - 7.0, legend_y), 3.5, color);
            x = r.min.x - 18.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_screen_drag_moves_the_point_under_the_pointer() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 300.0));
        for (yaw, pitch) in [(DEFAULT_YAW, DEFAULT_PITCH), (0.0, 0.0), (1.3, -0.8)] {
            let proj = Projection::new(rect, yaw, pitch);
            for p in [[0.5, 0.5, 0.5], [0.1, 0.8, 0.3], [0.9, 0.2, 0.95]] {
                let delta = vec2(12.0, -7.0);
                let q = add3(p, proj.unproject_delta(p, delta));
                let moved = proj.project(q).0 - proj.project(p).0;
                assert!(
                    (moved - delta).length() < 0.6,
                    "{yaw} {pitch} {p:?}: moved {moved:?}"
                );
            }
        }
    }

    #[test]
    fn the_whole_cube_fits_the_view() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(340.0, 260.0));
        let proj = Projection::new(rect, DEFAULT_YAW, DEFAULT_PITCH);
        for (a, b) in EDGES {
            for p in [a, b] {
                let (s, _) = proj.project(p);
                assert!(rect.contains(s), "{p:?} → {s:?} outside {rect:?}");
            }
        }
    }
}
