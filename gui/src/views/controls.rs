//! The controls view: every parameter, one tab per section (Voice, Morph, Envelopes, LFOs,
//! Filter, Codec, Body, Tension, Master, and any group the synth adds, but the effects, which
//! have the FX tab: [`FX_SECTION`]), one row per group,
//! plus the codec stage's SQNR readout on the Codec tab. When the tabs do not fit the header,
//! a menu of the sections stands in for them. Knobs the modulation matrix moves
//! wear a ring of their range, and take a source chip dropped on them (a new slot).

use egui::{pos2, vec2, Align2, Rect, RichText, Stroke, StrokeKind, Ui};

use crate::frame::{sqnr_text, FrameCx};
use crate::theme;
use crate::views::fx::FX_SECTION;
use crate::views::matrix::decorate_knob;
use crate::widgets::{param_control, CELL_H, CELL_W};

/// Width of a row's label column, points.
const LABEL_W: f32 = 82.0;
/// The row the SQNR readout joins.
const CODEC_ROW: &str = "Codec";

/// Which tab is open.
#[derive(Debug, Clone, Default)]
pub struct ControlsView {
    /// Index into the table's sections.
    section: usize,
}

impl ControlsView {
    /// The open tab's index.
    pub fn section(&self) -> usize {
        self.section
    }

    /// Opens tab `section` (clamped to the tabs there are when drawn).
    pub fn set_section(&mut self, section: usize) {
        self.section = section;
    }

    /// Draws the view in `rect`.
    pub fn ui(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        let (controls, content) = theme::panel(ui.painter(), rect, "CONTROLS");
        let sections = cx.table.sections();
        // The effects have a tab of their own; an index past the last shown tab (or on the
        // effects) falls back to the first.
        let shown = |i: &usize| sections[*i].name != FX_SECTION;
        let Some(first) = (0..sections.len()).find(shown) else {
            return;
        };
        if self.section >= sections.len() || !shown(&self.section) {
            self.section = first;
        }
        // The tabs sit in the header when they fit; else the header holds a menu of them.
        let font = egui::FontId::proportional(theme::SMALL_PT + 0.5);
        let pad = 2.0 * ui.spacing().button_padding.x + 2.0;
        let needed: f32 = sections
            .iter()
            .filter(|s| s.name != FX_SECTION)
            .map(|s| {
                let text = ui
                    .painter()
                    .layout_no_wrap(s.name.clone(), font.clone(), theme::TEXT);
                text.size().x + pad
            })
            .sum();
        let mut tabs = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(controls)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
        );
        tabs.spacing_mut().item_spacing.x = 2.0;
        if needed <= controls.width() {
            for (i, s) in sections.iter().enumerate().filter(|(i, _)| shown(i)) {
                let selected = i == self.section;
                let text = RichText::new(&s.name)
                    .size(theme::SMALL_PT + 0.5)
                    .color(if selected {
                        theme::ACCENT
                    } else {
                        theme::TEXT_WEAK
                    });
                if tabs.selectable_label(selected, text).clicked() {
                    self.section = i;
                }
            }
        } else {
            egui::ComboBox::from_id_salt("controls-section")
                .selected_text(RichText::new(&sections[self.section].name).color(theme::ACCENT))
                .show_ui(&mut tabs, |ui| {
                    for (i, s) in sections.iter().enumerate().filter(|(i, _)| shown(i)) {
                        ui.selectable_value(&mut self.section, i, &s.name);
                    }
                });
        }
        let section = &sections[self.section];
        // This frame's matrix: knobs it moves get a ring; a source chip dropped on a knob
        // adds a slot.
        let mut matrix = cx.handle.backend.matrix();
        let mut body = ui.new_child(egui::UiBuilder::new().max_rect(content));
        egui::ScrollArea::vertical()
            .id_salt("controls-scroll")
            .auto_shrink([false, false])
            .show(&mut body, |ui| {
                ui.spacing_mut().item_spacing = vec2(4.0, 6.0);
                for row in &section.rows {
                    ui.horizontal_top(|ui| {
                        let (label_rect, _) =
                            ui.allocate_exact_size(vec2(LABEL_W, CELL_H), egui::Sense::hover());
                        // Long group names ("Amp Envelope") take two lines, never the cells.
                        let galley = ui.painter().layout(
                            row.label.clone(),
                            theme::body(),
                            theme::TEXT,
                            LABEL_W - 14.0,
                        );
                        ui.painter().galley(
                            label_rect.left_top() + vec2(0.0, 2.0),
                            galley,
                            theme::TEXT,
                        );
                        ui.painter().vline(
                            label_rect.max.x - 8.0,
                            label_rect.y_range().shrink(4.0),
                            Stroke::new(1.0, theme::GRID),
                        );
                        ui.horizontal_wrapped(|ui| {
                            for &i in &row.params {
                                let table = cx.table;
                                let entry = table.entry(i);
                                let response = param_control(ui, entry, cx.setter);
                                decorate_knob(ui, entry, &response, &mut matrix, cx);
                            }
                            if row.label == CODEC_ROW {
                                sqnr_cell(ui, cx);
                            }
                        });
                    });
                }
            });
    }
}

/// The codec stage's live SQNR, as a cell of the Codec row.
fn sqnr_cell(ui: &mut Ui, cx: &FrameCx) {
    let sqnr = cx.handle.backend.codec_sqnr_db();
    let (cell, response) =
        ui.allocate_exact_size(vec2(2.0 * CELL_W + 12.0, CELL_H), egui::Sense::hover());
    let painter = ui.painter();
    painter.text(
        pos2(cell.center().x, cell.min.y),
        Align2::CENTER_TOP,
        "SQNR",
        theme::small(),
        theme::TEXT_WEAK,
    );
    let well = Rect::from_center_size(
        pos2(cell.center().x, cell.min.y + 43.0),
        vec2(cell.width(), 30.0),
    );
    painter.rect(
        well,
        4,
        theme::WELL,
        Stroke::new(1.0, theme::BORDER),
        StrokeKind::Inside,
    );
    let color = if sqnr.is_nan() {
        theme::TEXT_WEAK
    } else {
        theme::ACCENT
    };
    painter.text(
        well.center(),
        Align2::CENTER_CENTER,
        sqnr_text(sqnr),
        theme::large(16.0),
        color,
    );
    response.on_hover_text(
        "Signal to quantisation-noise ratio of the codec stage, measured live \
         (off while the stage is off)",
    );
}
