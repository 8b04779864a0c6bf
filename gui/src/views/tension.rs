//! The tension view: the last [`WINDOW_S`] seconds of harmonic tension, its target, the
//! wavelet band levels of the output and the phrase boundaries (an `egui_plot`), beside the
//! current chord's name and the analysis mode.

use egui::{pos2, vec2, Align2, Rect, Stroke, Ui};
use egui_plot::{GridInput, GridMark, Line, LineStyle, Plot, PlotPoint, Text, VLine};

use crate::frame::FrameCx;
use crate::theme;

/// Seconds of history shown.
pub const WINDOW_S: f64 = 10.0;
/// Width of the chord column, points.
const INFO_W: f32 = 128.0;
/// Names of the bands as the legend shows them: approximation, then details coarse to fine.
pub const BAND_NAMES: [&str; 6] = ["A5", "D5", "D4", "D3", "D2", "D1"];
/// Id of the analysis-mode parameter.
pub const MODE_ID: &str = "ten_mode";

/// The tension view (stateless: everything comes from the telemetry history).
#[derive(Debug, Clone, Default)]
pub struct TensionView;

impl TensionView {
    /// Draws the view in `rect`.
    pub fn ui(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        let (controls, content) = theme::panel(ui.painter(), rect, "TENSION");
        legend(ui, controls);
        let t = cx.telemetry;
        let info = Rect::from_min_size(content.min, vec2(INFO_W, content.height()));
        let plot_rect = Rect::from_min_max(pos2(info.max.x + 8.0, content.min.y), content.max);

        // The chord column.
        let painter = ui.painter_at(info);
        painter.rect_filled(info, 4, theme::WELL);
        let chord = t.latest_chord();
        let name = chord.map_or("—", |c| c.name.as_str());
        painter.text(
            pos2(info.center().x, info.min.y + 8.0),
            Align2::CENTER_TOP,
            "CHORD",
            theme::small(),
            theme::TEXT_WEAK,
        );
        painter.text(
            pos2(info.center().x, info.min.y + 24.0),
            Align2::CENTER_TOP,
            name,
            theme::large(26.0),
            theme::TEXT,
        );
        let mode = cx
            .table
            .get(MODE_ID)
            .map_or_else(|| "—".to_owned(), |e| e.text_of(e.normalized(), false));
        let lines = [
            format!("tension {:.2}", t.latest_tension()),
            format!("mode {mode}"),
        ];
        for (k, line) in lines.iter().enumerate() {
            painter.text(
                pos2(info.center().x, info.max.y - 8.0 - 16.0 * (1 - k) as f32),
                Align2::CENTER_BOTTOM,
                line,
                theme::mono(),
                if k == 0 {
                    theme::TENSION
                } else {
                    theme::TEXT_WEAK
                },
            );
        }

        // The plot.
        let now = t.now_s();
        let from = now - WINDOW_S;
        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(plot_rect));
        Plot::new("tension-plot")
            .width(plot_rect.width())
            .height(plot_rect.height())
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .show_background(true)
            .show_x(false)
            .show_y(false)
            .show_axes([true, false])
            .grid_color(theme::GRID)
            .default_x_bounds(from, now)
            .default_y_bounds(0.0, 1.08)
            .x_grid_spacer(move |input| seconds_grid(input, now))
            .y_grid_spacer(|_| {
                (0..=4)
                    .map(|k| GridMark {
                        value: f64::from(k) * 0.25,
                        step_size: if k % 2 == 0 { 0.5 } else { 0.25 },
                    })
                    .collect()
            })
            .x_axis_formatter(move |mark, range| {
                let s = mark.value - now;
                if s.abs() < 0.05 {
                    "now".to_owned()
                } else if mark.value - range.start() < 0.5 {
                    // The label at the left edge would stick out over the chord panel.
                    String::new()
                } else {
                    format!("{s:.0} s")
                }
            })
            .show(&mut child, |plot| {
                plot.set_plot_bounds_x(from..=now);
                plot.set_plot_bounds_y(0.0..=1.08);
                for b in 0..t.bands_in_use() {
                    plot.line(
                        Line::new(BAND_NAMES[b], t.band(b))
                            .color(theme::fade(theme::BANDS[b], 0.75))
                            .width(1.0),
                    );
                }
                for &x in t.boundaries().iter().filter(|&&x| x >= from) {
                    plot.add(
                        VLine::new("boundary", x)
                            .color(theme::BOUNDARY)
                            .style(LineStyle::dashed_loose())
                            .width(1.0),
                    );
                }
                plot.line(
                    Line::new("target", t.target())
                        .color(theme::fade(theme::TENSION, 0.45))
                        .style(LineStyle::dashed_dense())
                        .width(1.0),
                );
                plot.line(
                    Line::new("tension", t.tension())
                        .color(theme::TENSION)
                        .width(2.0),
                );
                for c in t.chords().iter().filter(|c| c.time_s >= from) {
                    plot.text(
                        Text::new(
                            "chord",
                            PlotPoint::new(c.time_s, 1.02),
                            egui::RichText::new(c.name.as_str())
                                .small()
                                .color(theme::TEXT_WEAK),
                        )
                        .anchor(Align2::LEFT_CENTER),
                    );
                }
            });
    }
}

/// Grid marks on whole seconds before `now`: every second, labelled every two.
fn seconds_grid(input: GridInput, now: f64) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let mut marks = Vec::new();
    let mut k = 0.0;
    while now - k >= lo {
        if now - k <= hi {
            marks.push(GridMark {
                value: now - k,
                step_size: if k as i64 % 2 == 0 { 2.0 } else { 1.0 },
            });
        }
        k += 1.0;
    }
    marks
}

/// The legend in the header: tension, target, bands, boundary, right to left; the items
/// that do not fit whole (a narrow view) are left out.
fn legend(ui: &Ui, rect: Rect) {
    let painter = ui.painter_at(rect);
    let y = rect.center().y;
    let mut x = rect.max.x;
    let mut item = |label: &str, color: egui::Color32, dashed: bool| {
        let width = painter
            .layout_no_wrap(label.to_owned(), theme::small(), theme::TEXT_WEAK)
            .size()
            .x;
        if x - width - 18.0 < rect.min.x {
            x = rect.min.x;
            return;
        }
        let r = painter.text(
            pos2(x, y),
            Align2::RIGHT_CENTER,
            label,
            theme::small(),
            theme::TEXT_WEAK,
        );
        let a = pos2(r.min.x - 18.0, y);
        if dashed {
            painter.add(egui::Shape::dashed_line(
                &[a, a + vec2(14.0, 0.0)],
                Stroke::new(1.5, color),
                3.0,
                2.0,
            ));
        } else {
            painter.line_segment([a, a + vec2(14.0, 0.0)], Stroke::new(2.0, color));
        }
        x = a.x - 12.0;
    };
    item("phrase", theme::BOUNDARY, true);
    for b in (0..BAND_NAMES.len()).rev() {
        item(BAND_NAMES[b], theme::BANDS[b], false);
    }
    item("target", theme::fade(theme::TENSION, 0.5), true);
    item("tension", theme::TENSION, false);
}
