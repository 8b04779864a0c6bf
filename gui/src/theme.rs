//! The editor's look: one dark palette, one type scale and one spacing scale, used by every
//! view, plus the panel frame each view sits in.

use egui::{
    Align2, Color32, Context, CornerRadius, FontFamily, FontId, Margin, Painter, Rect, Stroke,
    StrokeKind, TextStyle, Theme,
};

/// Window background.
pub const BG: Color32 = Color32::from_rgb(0x12, 0x14, 0x19);
/// A view's panel.
pub const PANEL: Color32 = Color32::from_rgb(0x1a, 0x1d, 0x24);
/// The darker well a plot or canvas sits in.
pub const WELL: Color32 = Color32::from_rgb(0x10, 0x12, 0x16);
/// Panel and widget outlines.
pub const BORDER: Color32 = Color32::from_rgb(0x2b, 0x30, 0x3b);
/// Grid lines and faint guides.
pub const GRID: Color32 = Color32::from_rgb(0x26, 0x2a, 0x33);
/// A widget's resting fill.
pub const WIDGET: Color32 = Color32::from_rgb(0x24, 0x28, 0x31);
/// A widget under the pointer.
pub const WIDGET_HOVER: Color32 = Color32::from_rgb(0x2e, 0x33, 0x3e);
/// Body text.
pub const TEXT: Color32 = Color32::from_rgb(0xd8, 0xdc, 0xe4);
/// Secondary text: labels, units, hints.
pub const TEXT_WEAK: Color32 = Color32::from_rgb(0x86, 0x8d, 0x9b);
/// The accent: the base morph point, the current frame, active controls.
pub const ACCENT: Color32 = Color32::from_rgb(0x3e, 0xd1, 0xc6);
/// The accent, dimmed (knob tracks, selections).
pub const ACCENT_DIM: Color32 = Color32::from_rgb(0x1f, 0x5e, 0x5a);
/// Sounding voices' morph points.
pub const VOICE: Color32 = Color32::from_rgb(0xf5, 0xa6, 0x4b);
/// Tension.
pub const TENSION: Color32 = Color32::from_rgb(0xf0, 0x6a, 0x6a);
/// Phrase boundaries.
pub const BOUNDARY: Color32 = Color32::from_rgb(0xc9, 0x9c, 0xf2);
/// Success messages.
pub const OK: Color32 = Color32::from_rgb(0x6f, 0xd0, 0x8c);
/// Error messages.
pub const ERROR: Color32 = Color32::from_rgb(0xf2, 0x6d, 0x6d);
/// One colour per wavelet band: approximation first, then details coarse to fine.
pub const BANDS: [Color32; 6] = [
    Color32::from_rgb(0x5b, 0x8d, 0xef),
    Color32::from_rgb(0x4f, 0xb3, 0xe8),
    Color32::from_rgb(0x46, 0xc7, 0xb0),
    Color32::from_rgb(0x8c, 0xcf, 0x6b),
    Color32::from_rgb(0xd9, 0xc2, 0x5c),
    Color32::from_rgb(0xe8, 0x93, 0x5a),
];

/// Space around the window's content and between panels, points.
pub const GAP: f32 = 8.0;
/// Inner margin of a panel, points.
pub const PAD: f32 = 8.0;
/// Height of a panel's title strip, points.
pub const HEADER_H: f32 = 26.0;
/// Height of the window's top bar, points.
pub const TOP_BAR_H: f32 = 34.0;
/// Corner radius of panels.
pub const RADIUS: u8 = 6;

/// Body text size, points.
pub const BODY_PT: f32 = 13.0;
/// Small text (knob labels, hints), points.
pub const SMALL_PT: f32 = 11.0;
/// Panel titles, points.
pub const TITLE_PT: f32 = 11.5;

/// Body text.
pub fn body() -> FontId {
    FontId::new(BODY_PT, FontFamily::Proportional)
}

/// Small text.
pub fn small() -> FontId {
    FontId::new(SMALL_PT, FontFamily::Proportional)
}

/// Numbers (values, readouts).
pub fn mono() -> FontId {
    FontId::new(SMALL_PT, FontFamily::Monospace)
}

/// Large text of size `pt`.
pub fn large(pt: f32) -> FontId {
    FontId::new(pt, FontFamily::Proportional)
}

/// Sets the palette, type scale and spacing on `ctx` (dark theme only).
pub fn install(ctx: &Context) {
    ctx.set_theme(Theme::Dark);
    ctx.style_mut_of(Theme::Dark, |style| {
        style.text_styles = [
            (TextStyle::Small, small()),
            (TextStyle::Body, body()),
            (TextStyle::Button, body()),
            (TextStyle::Heading, large(18.0)),
            (TextStyle::Monospace, mono()),
        ]
        .into();
        let s = &mut style.spacing;
        s.item_spacing = egui::vec2(6.0, 4.0);
        s.button_padding = egui::vec2(8.0, 3.0);
        s.interact_size = egui::vec2(24.0, 22.0);
        s.combo_height = 260.0;
        s.window_margin = Margin::same(10);
        let v = &mut style.visuals;
        v.dark_mode = true;
        v.override_text_color = Some(TEXT);
        v.weak_text_color = Some(TEXT_WEAK);
        v.panel_fill = BG;
        v.window_fill = PANEL;
        v.window_stroke = Stroke::new(1.0, BORDER);
        v.window_corner_radius = CornerRadius::same(RADIUS);
        v.menu_corner_radius = CornerRadius::same(4);
        v.extreme_bg_color = WELL;
        v.faint_bg_color = PANEL;
        v.code_bg_color = WELL;
        v.hyperlink_color = ACCENT;
        v.error_fg_color = ERROR;
        v.selection.bg_fill = ACCENT_DIM;
        v.selection.stroke = Stroke::new(1.0, ACCENT);
        let w = &mut v.widgets;
        for (visuals, fill, stroke) in [
            (&mut w.noninteractive, PANEL, BORDER),
            (&mut w.inactive, WIDGET, BORDER),
            (&mut w.hovered, WIDGET_HOVER, TEXT_WEAK),
            (&mut w.active, WIDGET_HOVER, ACCENT),
            (&mut w.open, WIDGET_HOVER, BORDER),
        ] {
            visuals.bg_fill = fill;
            visuals.weak_bg_fill = fill;
            visuals.bg_stroke = Stroke::new(1.0, stroke);
            visuals.corner_radius = CornerRadius::same(4);
        }
        w.noninteractive.fg_stroke = Stroke::new(1.0, TEXT);
        w.inactive.fg_stroke = Stroke::new(1.0, TEXT);
        w.hovered.fg_stroke = Stroke::new(1.0, TEXT);
        w.active.fg_stroke = Stroke::new(1.0, ACCENT);
    });
}

/// Paints a view's panel at `rect` with `title` in its header strip; returns the rect of
/// the header's right part (for the view's own controls) and the content rect below.
pub fn panel(painter: &Painter, rect: Rect, title: &str) -> (Rect, Rect) {
    painter.rect(
        rect,
        CornerRadius::same(RADIUS),
        PANEL,
        Stroke::new(1.0, BORDER),
        StrokeKind::Inside,
    );
    let header = Rect::from_min_max(rect.min, egui::pos2(rect.max.x, rect.min.y + HEADER_H));
    painter.hline(
        (rect.min.x + 1.0)..=(rect.max.x - 1.0),
        header.max.y,
        Stroke::new(1.0, BORDER),
    );
    let title_rect = painter.text(
        egui::pos2(rect.min.x + PAD + 2.0, header.center().y),
        Align2::LEFT_CENTER,
        title,
        FontId::new(TITLE_PT, FontFamily::Proportional),
        TEXT_WEAK,
    );
    painter.circle_filled(
        egui::pos2(rect.min.x + PAD - 3.0, header.center().y),
        2.0,
        ACCENT,
    );
    let controls = Rect::from_min_max(
        egui::pos2(title_rect.max.x + 12.0, header.min.y + 2.0),
        egui::pos2(rect.max.x - PAD, header.max.y - 2.0),
    );
    (controls, content_rect(rect))
}

/// The content rect of a panel at `rect`: below the header, inside the margins.
pub fn content_rect(rect: Rect) -> Rect {
    Rect::from_min_max(
        egui::pos2(rect.min.x + PAD, rect.min.y + HEADER_H + PAD),
        rect.max - egui::vec2(PAD, PAD),
    )
}

/// `color` at `alpha` (0..1) of its opacity.
pub fn fade(color: Color32, alpha: f32) -> Color32 {
    color.gamma_multiply(alpha.clamp(0.0, 1.0))
}
