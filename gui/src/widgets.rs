//! The parameter controls: a knob for numbers, a switch for on/off, a menu for choices. Each
//! sits in a cell of fixed width with its name above and its value (with unit) below.
//!
//! Every control edits through the host: a drag is one gesture (begin on press, set while
//! moving, end on release); a double-click, a menu pick, a switch flip or an arrow key is one
//! complete change. Knobs take keyboard focus (Tab), step with the arrow keys (Shift for a
//! finer step), return to the default on a double-click or Delete, and drag finer with
//! Shift.

use std::f32::consts::PI;

use egui::epaint::PathStroke;
use egui::{
    pos2, vec2, Align2, Color32, CursorIcon, Key, Rect, Response, Sense, Shape, Stroke, StrokeKind,
    Ui, WidgetInfo,
};
use nice_plug_core::context::gui::ParamSetter;

use crate::param_table::{ParamEntry, ParamKind};
use crate::theme;

/// Width of a knob's or switch's cell, points.
pub const CELL_W: f32 = 58.0;
/// Narrowest menu cell, points.
pub const MENU_CELL_MIN_W: f32 = 88.0;
/// Widest menu cell, points (longer choices are shortened with "…").
pub const MENU_CELL_MAX_W: f32 = 136.0;
/// Room a menu needs besides its text (padding and the arrow), points.
const MENU_CHROME_W: f32 = 46.0;
/// Height of every cell, points.
pub const CELL_H: f32 = 76.0;
/// Knob diameter, points.
pub const KNOB_D: f32 = 34.0;
/// Normalised change per point dragged.
pub const DRAG_PER_POINT: f32 = 1.0 / 200.0;
/// Drag speed with Shift held, as a fraction of the normal speed.
pub const FINE_FACTOR: f32 = 0.1;
/// Sweep of a knob's arc, radians (270°, open at the bottom).
const SWEEP: f32 = 1.5 * PI;
/// Angle of a knob's minimum, radians (screen angles: 0 = right, clockwise is positive).
const START: f32 = 0.75 * PI;

/// The id under which the rect of parameter `param_id`'s control is kept in egui's temporary
/// data for the frame it was drawn (tests and tools find controls by it).
pub fn control_rect_id(param_id: &str) -> egui::Id {
    egui::Id::unique(("wavecube-control", param_id))
}

/// Width of the cell `entry` takes: [`CELL_W`] for a knob or switch; for a menu, room for
/// its longest choice between [`MENU_CELL_MIN_W`] and [`MENU_CELL_MAX_W`].
pub fn cell_width(ui: &Ui, entry: &ParamEntry) -> f32 {
    cell_width_as(ui, entry, entry.kind())
}

/// [`cell_width`] of `entry` drawn as a `kind` control (an integer shown as a menu of its
/// named values takes a menu's width).
pub fn cell_width_as(ui: &Ui, entry: &ParamEntry, kind: ParamKind) -> f32 {
    match kind {
        ParamKind::Enum => {
            let steps = entry.step_count().unwrap_or(1).max(1);
            let widest = (0..=steps)
                .map(|k| {
                    let text = entry.text_of(k as f32 / steps as f32, false);
                    ui.painter()
                        .layout_no_wrap(text, menu_font(), theme::TEXT)
                        .size()
                        .x
                })
                .fold(0.0f32, f32::max);
            (widest + MENU_CHROME_W)
                .clamp(MENU_CELL_MIN_W, MENU_CELL_MAX_W)
                .ceil()
        }
        _ => CELL_W,
    }
}

fn menu_font() -> egui::FontId {
    egui::FontId::proportional(theme::SMALL_PT + 0.5)
}

/// The control for `entry` in a cell of [`cell_width`] × [`CELL_H`].
pub fn param_control(ui: &mut Ui, entry: &ParamEntry, setter: &ParamSetter) -> Response {
    labelled_control(ui, entry, setter, entry.short_name())
}

/// [`param_control`] under the name `label` instead of the parameter's (a macro knob shows
/// the patch's name for it).
pub fn labelled_control(
    ui: &mut Ui,
    entry: &ParamEntry,
    setter: &ParamSetter,
    label: &str,
) -> Response {
    let width = cell_width(ui, entry);
    control_as(ui, entry, setter, label, entry.kind(), width)
}

/// [`labelled_control`] drawn as a `kind` control in a cell `width` points wide (from
/// [`cell_width_as`], which a caller may keep: a menu's width takes laying out every
/// choice): [`ParamKind::Enum`] gives an integer parameter whose values have names (a choice
/// the plugin holds as an index) a menu of them.
pub fn control_as(
    ui: &mut Ui,
    entry: &ParamEntry,
    setter: &ParamSetter,
    label: &str,
    kind: ParamKind,
    width: f32,
) -> Response {
    let (cell, _) = ui.allocate_exact_size(vec2(width, CELL_H), Sense::hover());
    let painter = ui.painter_at(cell.expand(2.0));
    // Name: up to two lines, centred.
    let name = painter.layout(
        label.to_owned(),
        theme::small(),
        theme::TEXT_WEAK,
        cell.width() - 2.0,
    );
    let name_pos = pos2(cell.center().x - name.size().x / 2.0, cell.min.y);
    painter.galley(name_pos, name, theme::TEXT_WEAK);
    let body = Rect::from_center_size(
        pos2(cell.center().x, cell.min.y + 43.0),
        vec2(cell.width(), KNOB_D + 2.0),
    );
    let response = match kind {
        ParamKind::Float | ParamKind::Int => knob(ui, body, entry, setter),
        ParamKind::Bool => switch(ui, body, entry, setter),
        ParamKind::Enum => menu(ui, body, entry, setter),
    };
    let control = response.rect;
    ui.ctx()
        .data_mut(|d| d.insert_temp(control_rect_id(entry.id()), control));
    if kind != ParamKind::Enum {
        let value = compact_text(entry);
        let color = if response.dragged() || response.has_focus() {
            theme::ACCENT
        } else {
            theme::TEXT
        };
        let galley = painter.layout(value, theme::mono(), color, f32::INFINITY);
        // A value wider than the cell is shown shrunk into it rather than overlapping.
        let pos = pos2(
            (cell.center().x - galley.size().x / 2.0).max(cell.min.x - 2.0),
            cell.max.y - galley.size().y,
        );
        painter.galley(pos, galley, color);
    }
    response
}

/// The value as a control shows it: the parameter's own text, with large values in larger
/// units so it fits the cell ("12000.0 Hz" → "12.0 kHz", "1500.0 ms" → "1.50 s",
/// "512 samples" → "512 smp"). The tooltip keeps the full text.
///
/// # Allocation
/// Formats a `String`.
pub fn compact_text(entry: &ParamEntry) -> String {
    let plain = entry.plain_of(entry.modulated_normalized());
    match entry.unit() {
        " Hz" if plain.abs() >= 1000.0 => format!("{:.1} kHz", plain / 1000.0),
        " ms" if plain.abs() >= 1000.0 => format!("{:.2} s", plain / 1000.0),
        " samples" => format!("{} smp", entry.text_of(entry.modulated_normalized(), false)),
        _ => entry.text(),
    }
}

fn tooltip(entry: &ParamEntry, hint: &str) -> String {
    format!("{}\n{}\n{hint}", entry.name(), entry.text())
}

/// A rotary knob in `rect`.
fn knob(ui: &mut Ui, rect: Rect, entry: &ParamEntry, setter: &ParamSetter) -> Response {
    let knob_rect = Rect::from_center_size(rect.center(), vec2(KNOB_D, KNOB_D));
    let id = ui.make_persistent_id(("knob", entry.id()));
    let mut response = ui
        .interact(knob_rect, id, Sense::click_and_drag())
        .on_hover_cursor(CursorIcon::ResizeVertical);
    let current = entry.normalized();
    if response.double_clicked() {
        entry.set_once(setter, entry.default_normalized());
        response.mark_changed();
    } else if response.drag_started() {
        entry.begin(setter);
        ui.data_mut(|d| d.insert_temp(id, current));
    }
    if response.dragged() {
        let delta = response.drag_delta();
        let fine = ui.input(|i| i.modifiers.shift);
        let speed = DRAG_PER_POINT * if fine { FINE_FACTOR } else { 1.0 };
        // The unsnapped value follows the pointer; the parameter gets it snapped, so a
        // stepped knob moves one step per step-width dragged.
        let raw: f32 = ui.data(|d| d.get_temp(id)).unwrap_or(current);
        let raw = (raw + (delta.x - delta.y) * speed).clamp(0.0, 1.0);
        ui.data_mut(|d| d.insert_temp(id, raw));
        let snapped = entry.snap(raw);
        if snapped != current {
            entry.set(setter, snapped);
            response.mark_changed();
        }
    }
    if response.drag_stopped() {
        entry.end(setter);
        ui.data_mut(|d| d.remove::<f32>(id));
    }
    if response.clicked() {
        response.request_focus();
    }
    if response.has_focus() {
        ui.memory_mut(|m| {
            m.set_focus_lock_filter(
                id,
                egui::EventFilter {
                    horizontal_arrows: true,
                    vertical_arrows: true,
                    ..Default::default()
                },
            )
        });
        let (up, down, reset, fine) = ui.input(|i| {
            (
                i.key_pressed(Key::ArrowUp) || i.key_pressed(Key::ArrowRight),
                i.key_pressed(Key::ArrowDown) || i.key_pressed(Key::ArrowLeft),
                i.key_pressed(Key::Delete) || i.key_pressed(Key::Backspace),
                i.modifiers.shift,
            )
        });
        let target = if reset {
            Some(entry.default_normalized())
        } else if up {
            Some(entry.next_step(current, fine))
        } else if down {
            Some(entry.previous_step(current, fine))
        } else {
            None
        };
        if let Some(target) = target.filter(|t| *t != current) {
            entry.set_once(setter, target);
            response.mark_changed();
        }
    }
    let value = entry.normalized();
    response.widget_info(|| WidgetInfo::slider(true, f64::from(entry.plain()), entry.name()));
    paint_knob(ui, knob_rect, entry, value, &response);
    response.on_hover_text(tooltip(
        entry,
        "Drag (Shift: fine) · double-click: default · Tab, arrows: step",
    ))
}

/// A modulation ring around the knob in `knob_rect`: an arc from normalised value `from`
/// to `to` (each clamped to 0..1) just outside the knob's own arc.
pub fn paint_mod_ring(
    painter: &egui::Painter,
    knob_rect: Rect,
    from: f32,
    to: f32,
    color: Color32,
) {
    let c = knob_rect.center();
    let r = knob_rect.width() / 2.0 + 3.0;
    painter.add(Shape::line(
        arc_points(c, r, angle_of(from), angle_of(to)),
        PathStroke::new(2.5, color),
    ));
}

/// A voice's dot on the modulation ring of the knob in `knob_rect` (see
/// [`paint_mod_ring`]) at normalised value `at` (clamped to 0..1): a filled circle with a
/// dark rim, so it reads on the ring and off it.
pub fn paint_mod_dot(painter: &egui::Painter, knob_rect: Rect, at: f32, color: Color32) {
    let c = knob_rect.center();
    let r = knob_rect.width() / 2.0 + 3.0;
    let a = angle_of(at);
    painter.circle(
        c + r * vec2(a.cos(), a.sin()),
        2.4,
        color,
        Stroke::new(1.0, theme::BG),
    );
}

fn angle_of(normalized: f32) -> f32 {
    START + SWEEP * normalized.clamp(0.0, 1.0)
}

fn arc_points(center: egui::Pos2, radius: f32, from: f32, to: f32) -> Vec<egui::Pos2> {
    let (a, b) = if from <= to { (from, to) } else { (to, from) };
    let steps = (((b - a) / SWEEP) * 40.0).ceil().max(1.0) as usize;
    (0..=steps)
        .map(|k| {
            let t = a + (b - a) * k as f32 / steps as f32;
            center + radius * vec2(t.cos(), t.sin())
        })
        .collect()
}

fn paint_knob(ui: &Ui, rect: Rect, entry: &ParamEntry, value: f32, response: &Response) {
    let painter = ui.painter();
    let c = rect.center();
    let r = rect.width() / 2.0;
    let active = response.dragged() || response.has_focus();
    let hovered = response.hovered();
    painter.circle(
        c,
        r - 5.0,
        if hovered || active {
            theme::WIDGET_HOVER
        } else {
            theme::WIDGET
        },
        Stroke::new(1.0, theme::BORDER),
    );
    // Track, then the value's arc (from the centre for a depth, else from the minimum).
    painter.add(Shape::line(
        arc_points(c, r - 1.5, angle_of(0.0), angle_of(1.0)),
        PathStroke::new(3.0, theme::GRID),
    ));
    let from = if entry.is_bipolar() { 0.5 } else { 0.0 };
    if (value - from).abs() > 1e-4 {
        painter.add(Shape::line(
            arc_points(c, r - 1.5, angle_of(from), angle_of(value)),
            PathStroke::new(3.0, theme::ACCENT),
        ));
    }
    let modulated = entry.modulated_normalized();
    if (modulated - value).abs() > 1e-3 {
        let a = angle_of(modulated);
        painter.circle_filled(c + (r - 1.5) * vec2(a.cos(), a.sin()), 2.5, theme::VOICE);
    }
    let a = angle_of(value);
    let pointer = if active { theme::ACCENT } else { theme::TEXT };
    painter.line_segment(
        [
            c + (r - 13.0) * vec2(a.cos(), a.sin()),
            c + (r - 6.0) * vec2(a.cos(), a.sin()),
        ],
        Stroke::new(2.0, pointer),
    );
    if response.has_focus() {
        painter.circle_stroke(c, r + 2.5, Stroke::new(1.0, theme::ACCENT));
    }
}

/// A bare knob for `entry` centred in `rect` ([`KNOB_D`] across), without a cell, name or
/// value (a header's mix knob); its rect is kept under [`control_rect_id`].
pub fn bare_knob(ui: &mut Ui, rect: Rect, entry: &ParamEntry, setter: &ParamSetter) -> Response {
    let response = knob(ui, rect, entry, setter);
    let control = response.rect;
    ui.ctx()
        .data_mut(|d| d.insert_temp(control_rect_id(entry.id()), control));
    response
}

/// A bare on/off switch for `entry` centred in `rect` (34 × 18 points), without a cell,
/// name or value (a header's switch); its rect is kept under [`control_rect_id`].
pub fn bare_switch(ui: &mut Ui, rect: Rect, entry: &ParamEntry, setter: &ParamSetter) -> Response {
    let response = switch(ui, rect, entry, setter);
    let control = response.rect;
    ui.ctx()
        .data_mut(|d| d.insert_temp(control_rect_id(entry.id()), control));
    response
}

/// An on/off switch in `rect`.
fn switch(ui: &mut Ui, rect: Rect, entry: &ParamEntry, setter: &ParamSetter) -> Response {
    let size = vec2(34.0, 18.0);
    let switch_rect = Rect::from_center_size(rect.center(), size);
    let id = ui.make_persistent_id(("switch", entry.id()));
    let mut response = ui.interact(switch_rect, id, Sense::click());
    let on = entry.normalized() >= 0.5;
    let toggle = response.clicked()
        || (response.has_focus()
            && ui.input(|i| i.key_pressed(Key::Space) || i.key_pressed(Key::Enter)));
    if toggle {
        entry.set_once(setter, if on { 0.0 } else { 1.0 });
        response.mark_changed();
    }
    let on = entry.normalized() >= 0.5;
    response.widget_info(|| WidgetInfo::selected(egui::Role::CheckBox, true, on, entry.name()));
    let painter = ui.painter();
    let fill = if on { theme::ACCENT_DIM } else { theme::WIDGET };
    let stroke = if on || response.hovered() {
        theme::ACCENT
    } else {
        theme::BORDER
    };
    painter.rect(
        switch_rect,
        9,
        fill,
        Stroke::new(1.0, stroke),
        StrokeKind::Inside,
    );
    let x = if on {
        switch_rect.max.x - 9.0
    } else {
        switch_rect.min.x + 9.0
    };
    painter.circle_filled(
        pos2(x, switch_rect.center().y),
        6.0,
        if on { theme::ACCENT } else { theme::TEXT_WEAK },
    );
    if response.has_focus() {
        painter.rect_stroke(
            switch_rect.expand(3.0),
            11,
            Stroke::new(1.0, theme::ACCENT),
            StrokeKind::Outside,
        );
    }
    response.on_hover_text(tooltip(entry, "Click or Space: switch"))
}

/// A menu of an enum's values in `rect`.
fn menu(ui: &mut Ui, rect: Rect, entry: &ParamEntry, setter: &ParamSetter) -> Response {
    let steps = entry.step_count().unwrap_or(1).max(1);
    let current = entry.normalized();
    let box_rect = Rect::from_center_size(rect.center(), vec2(rect.width() - 4.0, 22.0));
    let mut picked = None;
    // A child that does not move the parent's cursor: the cell is already allocated.
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(box_rect));
    let mut response = egui::ComboBox::from_id_salt(("menu", entry.id()))
        .width(box_rect.width())
        .truncate()
        .selected_text(egui::RichText::new(entry.text_of(current, false)).font(menu_font()))
        .show_ui(&mut child, |ui| {
            for k in 0..=steps {
                let n = k as f32 / steps as f32;
                let selected = (n - current).abs() < 0.5 / steps as f32;
                if ui
                    .selectable_label(selected, entry.text_of(n, false))
                    .clicked()
                {
                    picked = Some(n);
                }
            }
        })
        .response;
    if let Some(n) = picked.filter(|n| (*n - current).abs() > 1e-6) {
        entry.set_once(setter, n);
        response.mark_changed();
    }
    response.on_hover_text(tooltip(entry, "Click to choose"))
}

/// Paints `text` in a small rounded badge at `pos` (anchored by `align`); returns its rect.
pub fn badge(ui: &Ui, pos: egui::Pos2, align: Align2, text: &str, color: Color32) -> Rect {
    let painter = ui.painter();
    let galley = painter.layout_no_wrap(text.to_owned(), theme::small(), color);
    let rect = align.anchor_size(pos, galley.size() + vec2(12.0, 6.0));
    painter.rect(
        rect,
        4,
        theme::WELL,
        Stroke::new(1.0, theme::fade(color, 0.5)),
        StrokeKind::Inside,
    );
    painter.galley(rect.min + vec2(6.0, 3.0), galley, color);
    rect
}
