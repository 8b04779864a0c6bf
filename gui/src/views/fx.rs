//! The FX tab: the effects rack, one card per slot in the synth's processing order. A card's
//! header holds a drag handle (drag it to reorder), move up/down buttons (the same by
//! keyboard), the slot's on/off switch, its name and its mix knob; below it, while the slot
//! is on (or opened by clicking its name), every setting of the effect, and for the
//! EQ, the delay and the reverb a small display of what the settings do: the EQ's magnitude
//! response, the delay's echoes, the reverb's decay.
//!
//! A row of source chips sits above the cards: drag one onto a knob the matrix can move
//! (each slot's mix, the distortion's drive, the chorus's depth, the phaser's centre, the
//! delay's feedback, the reverb's size) to add a slot there, as on the controls view; those
//! knobs wear the matrix's ring ([`decorate_knob`]).
//!
//! The controls are the host parameters of
//! [`FX_SETTINGS`](wavecube_dsp::patch::fx_ranges::FX_SETTINGS) (found by id in the
//! [`ParamTable`]), edited through the host like every other control; a slot whose
//! parameters the synth lacks shows its header only. The order is synth state, not a
//! parameter: the view reads it from the backend every frame
//! ([`SynthBackend::fx_order`](crate::handle::SynthBackend::fx_order)) and sends a new one
//! back whole ([`SynthBackend::set_fx_order`](crate::handle::SynthBackend::set_fx_order)).

use egui::epaint::PathStroke;
use egui::{pos2, vec2, Align2, CursorIcon, Rect, RichText, Sense, Shape, Stroke, Ui};
use wavecube_dsp::fx::delay::{DelayMode, DelaySettings, MAX_DELAY_S};
use wavecube_dsp::fx::eq::{Eq, EqSettings, MAX_FREQ_HZ, MIN_FREQ_HZ};
use wavecube_dsp::fx::rack::{FxKind, RackSettings, SLOTS};
use wavecube_dsp::fx::reverb::ReverbSettings;
use wavecube_dsp::fx::sync::DEFAULT_BPM;
use wavecube_dsp::patch::fx_ranges::{fx_settings_of, FxSetting, FX_SETTINGS, FX_SETTING_COUNT};
use wavecube_dsp::patch::ranges::Kind;

use wavecube_dsp::modulation::ModMatrix;

use crate::frame::FrameCx;
use crate::param_table::{ParamKind, ParamTable};
use crate::theme;
use crate::views::matrix::{decorate_knob, source_chips};
use crate::widgets::{
    bare_knob, bare_switch, cell_width_as, compact_text, control_as, CELL_H, KNOB_D,
};

/// The parameter group (the first part of a group path, "Effects/Delay") that holds the
/// effects; the controls view leaves this section to the FX tab.
pub const FX_SECTION: &str = "Effects";

/// The tempo a synced delay's echoes are drawn at, beats per minute (the editor does not
/// know the host's tempo; the display says so).
pub const PREVIEW_BPM: f64 = DEFAULT_BPM;

/// Points of the EQ curve, log-spaced from [`MIN_FREQ_HZ`] to [`MAX_FREQ_HZ`].
pub const CURVE_POINTS: usize = 96;

/// Most echoes the delay display draws.
pub const MAX_TAPS: usize = 12;

/// Echoes quieter than this (linear gain relative to the first) are not drawn: −60 dB.
pub const TAP_FLOOR: f32 = 1e-3;

/// The EQ curve's vertical range, ± dB.
const CURVE_DB: f32 = 24.0;
/// Size of a response display, points.
const DISPLAY_SIZE: egui::Vec2 = vec2(236.0, CELL_H);
/// Height of a card's header row, points.
const HEADER_ROW_H: f32 = 22.0;
/// Opacity of an open slot that is off.
const OFF_OPACITY: f32 = 0.5;

/// True for the slot's mix (in the header, beside its switch), not an effect's setting.
fn is_mix(fx: &FxSetting) -> bool {
    let slot = fx.setting.path.strip_prefix("sound.fx.");
    slot.and_then(|p| p.strip_suffix(".mix")) == Some(fx.kind.name())
}

/// The slot title of `kind` as the plugin's parameter groups name it ("Delay", "EQ"):
/// `"Effects/<title>"` is the group of its parameters.
pub fn slot_title(kind: FxKind) -> &'static str {
    fx_settings_of(kind).next().map_or("", |s| s.group)
}

/// The id under which the rect of `kind`'s card is kept in egui's temporary data for the
/// frame it was drawn (tests find cards by it).
pub fn slot_rect_id(kind: FxKind) -> egui::Id {
    egui::Id::unique(("wavecube-fx-slot", kind.index()))
}

/// The id under which the rect of `kind`'s header element `part` ("handle", "up", "down",
/// "name") is kept in egui's temporary data for the frame it was drawn.
pub fn part_rect_id(kind: FxKind, part: &str) -> egui::Id {
    egui::Id::unique(("wavecube-fx-part", kind.index(), part))
}

/// `order` with `kind` taken out and put back at position `to` (0 = first; clamped to the
/// end). The result holds the same kinds.
pub fn moved(order: [FxKind; SLOTS], kind: FxKind, to: usize) -> [FxKind; SLOTS] {
    let mut rest = [kind; SLOTS - 1];
    let mut n = 0;
    for k in order.into_iter().filter(|k| *k != kind) {
        if n < rest.len() {
            rest[n] = k;
            n += 1;
        }
    }
    let to = to.min(n);
    let mut out = [kind; SLOTS];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = match i.cmp(&to) {
            std::cmp::Ordering::Less => rest[i],
            std::cmp::Ordering::Equal => kind,
            std::cmp::Ordering::Greater => rest[i - 1],
        };
    }
    out
}

/// True when `order` holds every kind once.
fn is_permutation(order: &[FxKind; SLOTS]) -> bool {
    RackSettings {
        order: *order,
        ..RackSettings::default()
    }
    .order_is_valid()
}

/// One echo of the delay display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tap {
    /// Time after the dry sound, seconds.
    pub time_s: f32,
    /// Level relative to the first echo (linear gain, 0..1).
    pub level: f32,
    /// True for an echo on the right channel of a ping-pong delay.
    pub right: bool,
}

/// The delay time of `settings`, seconds: the synced division at `bpm` (held to
/// [`MAX_DELAY_S`]), else the free time.
pub fn delay_time_s(settings: &DelaySettings, bpm: f64) -> f32 {
    let s = settings.clamped();
    match s.sync {
        Some(div) => div.seconds(bpm).min(f64::from(MAX_DELAY_S)) as f32,
        None => s.time_ms * 1e-3,
    }
}

/// The echoes of `settings` at `bpm` with the loop filters open: echo `n` (from 1) at
/// `n·T`, level `feedback^(n−1)`, alternating sides in ping-pong; up to [`MAX_TAPS`], until
/// one falls below [`TAP_FLOOR`]. Returns the taps and how many of them there are.
pub fn delay_taps(settings: &DelaySettings, bpm: f64) -> ([Tap; MAX_TAPS], usize) {
    let s = settings.clamped();
    let t = delay_time_s(&s, bpm);
    let mut taps = [Tap {
        time_s: 0.0,
        level: 0.0,
        right: false,
    }; MAX_TAPS];
    let mut level = 1.0f32;
    let mut n = 0;
    while n < MAX_TAPS && level >= TAP_FLOOR {
        taps[n] = Tap {
            time_s: t * (n + 1) as f32,
            level,
            right: s.mode == DelayMode::PingPong && n % 2 == 1,
        };
        n += 1;
        level *= s.feedback;
    }
    (taps, n)
}

/// The reverb's decay envelope (linear amplitude, 0..1) at `time_s` after the dry sound:
/// silence until the pre-delay, then an exponential fall of 60 dB per `decay_s` (the RT60),
/// or per `decay_s · 10^−damping` with `treble` (the decay at Nyquist).
pub fn reverb_envelope(settings: &ReverbSettings, time_s: f32, treble: bool) -> f32 {
    let s = settings.clamped();
    let t = time_s - s.predelay_ms * 1e-3;
    if t < 0.0 {
        return 0.0;
    }
    let rt60 = if treble {
        s.decay_s * 10f32.powf(-s.damping)
    } else {
        s.decay_s
    };
    10f32.powf(-3.0 * t / rt60)
}

/// The EQ curve last computed, kept until the settings or the sample rate change.
#[derive(Debug, Clone)]
struct EqCurve {
    /// The settings it shows.
    settings: EqSettings,
    /// The sample rate it was computed for, Hz.
    sample_rate_hz: f32,
    /// The gain at each of [`curve_freq_hz`]'s frequencies, dB.
    gain_db: [f32; CURVE_POINTS],
}

/// Frequency of point `i` of the EQ curve, Hz (log-spaced from [`MIN_FREQ_HZ`] to
/// [`MAX_FREQ_HZ`]).
pub fn curve_freq_hz(i: usize) -> f32 {
    let t = i as f32 / (CURVE_POINTS - 1) as f32;
    MIN_FREQ_HZ * (MAX_FREQ_HZ / MIN_FREQ_HZ).powf(t)
}

/// A drag of a card's handle in progress.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Drag {
    /// The slot dragged.
    kind: FxKind,
    /// Where it would land if dropped now (position in the order).
    to: usize,
}

/// The FX tab's state: which off slots are open, a drag in progress, the cached lookups
/// and the EQ curve. Built once per editor; drawing allocates no tables per frame.
#[derive(Debug, Clone, Default)]
pub struct FxView {
    /// Slots opened while off, by [`FxKind::index`].
    open: [bool; SLOTS],
    /// The drag in progress.
    drag: Option<Drag>,
    /// The order shown in the last frame.
    shown: Option<[FxKind; SLOTS]>,
    /// Each [`FX_SETTINGS`] entry's index in the parameter table (`None`: the synth has no
    /// such parameter), built on the first frame.
    entries: Option<Vec<Option<usize>>>,
    /// Each [`FX_SETTINGS`] entry's label under its control ("Time"; an EQ band's carries
    /// the band: "Low Shelf Gain"), built on the first frame.
    labels: Vec<String>,
    /// Each [`FX_SETTINGS`] entry's cell width, points, measured the first time it is
    /// drawn (a menu's width takes laying out every choice).
    widths: Vec<Option<f32>>,
    /// The slots' titles as the headers show them ("DELAY"), by [`FxKind::index`].
    titles: Vec<String>,
    /// Whether a slot has anything to show below its header (a setting the synth has a
    /// parameter for; the switch and the mix sit in the header), by [`FxKind::index`].
    bodies: [bool; SLOTS],
    /// The EQ curve.
    curve: Option<EqCurve>,
}

/// Positions as the headers number them.
const NUMBERS: [&str; SLOTS] = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];

impl FxView {
    /// The order of the slots drawn in the last frame (`None` before the first).
    pub fn shown_order(&self) -> Option<[FxKind; SLOTS]> {
        self.shown
    }

    /// The EQ curve drawn last: (frequency Hz, gain dB) at each of [`CURVE_POINTS`] points;
    /// empty until the EQ's card has been drawn open. For tests.
    ///
    /// # Allocation
    /// Collects the points into a `Vec`.
    pub fn eq_curve(&self) -> Vec<(f32, f32)> {
        self.curve.as_ref().map_or_else(Vec::new, |c| {
            c.gain_db
                .iter()
                .enumerate()
                .map(|(i, &g)| (curve_freq_hz(i), g))
                .collect()
        })
    }

    /// Opens (or closes) the card of `kind` while it is off.
    pub fn set_open(&mut self, kind: FxKind, open: bool) {
        self.open[kind.index()] = open;
    }

    /// The rack's settings as the parameters hold them now (patch units), in `order`; a
    /// setting the synth has no parameter for takes its default.
    fn rack(&self, table: &ParamTable, order: [FxKind; SLOTS]) -> RackSettings {
        let mut values = [0.0f32; FX_SETTING_COUNT];
        let entries = self.entries.as_deref().unwrap_or(&[]);
        for (i, (v, fx)) in values.iter_mut().zip(&FX_SETTINGS).enumerate() {
            *v = match entries.get(i).copied().flatten() {
                Some(e) => table.entry(e).plain() / fx.setting.display_scale,
                None => fx.setting.default,
            };
        }
        RackSettings::from_fx_values(&values, order)
    }

    fn build_lookups(&mut self, table: &ParamTable) {
        if self.entries.is_some() {
            return;
        }
        let ids: Vec<&str> = table.entries().iter().map(|e| e.id()).collect();
        self.entries = Some(
            FX_SETTINGS
                .iter()
                .map(|fx| ids.iter().position(|id| *id == fx.setting.id))
                .collect(),
        );
        self.labels = FX_SETTINGS
            .iter()
            .map(|fx| match fx.group.strip_prefix(slot_title(fx.kind)) {
                Some(band) if !band.trim().is_empty() => {
                    format!("{} {}", band.trim(), fx.label)
                }
                _ => fx.label.to_owned(),
            })
            .collect();
        self.widths = vec![None; FX_SETTINGS.len()];
        if let Some(entries) = &self.entries {
            for (fx, e) in FX_SETTINGS.iter().zip(entries) {
                if e.is_some() && !fx.is_switch() && !is_mix(fx) {
                    self.bodies[fx.kind.index()] = true;
                }
            }
        }
        self.titles = FxKind::ALL
            .iter()
            .map(|k| slot_title(*k).to_uppercase())
            .collect();
    }

    /// Draws the tab in `rect`.
    pub fn ui(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        let (header, content) = theme::panel(ui.painter(), rect, "EFFECTS RACK");
        self.build_lookups(cx.table);
        let backend = cx.handle.backend.clone();
        let mut order = backend.fx_order();
        if !is_permutation(&order) {
            order = FxKind::ALL;
        }
        let rack = self.rack(cx.table, order);
        ui.painter().text(
            pos2(header.max.x, header.center().y),
            Align2::RIGHT_CENTER,
            "Drag a handle or use ⏶ ⏷ to reorder · click a name to open an off slot",
            theme::small(),
            theme::TEXT_WEAK,
        );
        // The source chips, to drag onto a knob, above the cards.
        let names = backend.macro_names();
        let mut chips = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(content)
                .layout(egui::Layout::left_to_right(egui::Align::Min).with_main_wrap(true)),
        );
        source_chips(&mut chips, &names);
        let content = Rect::from_min_max(
            pos2(content.min.x, chips.min_rect().max.y + 6.0),
            content.max,
        );
        // This frame's matrix: knobs it moves get a ring; a chip dropped on a knob adds a
        // slot.
        let mut matrix = backend.matrix();
        let mut new_order = None;
        let mut cards = [Rect::NOTHING; SLOTS];
        let mut drag_pointer = None;
        let mut body = ui.new_child(egui::UiBuilder::new().max_rect(content));
        egui::ScrollArea::vertical()
            .id_salt("fx-rack")
            .auto_shrink([false, false])
            .show(&mut body, |ui| {
                ui.spacing_mut().item_spacing = vec2(4.0, 6.0);
                for (pos, &kind) in order.iter().enumerate() {
                    let out = self.card(ui, pos, kind, &rack, &mut matrix, cx);
                    cards[pos] = out.rect;
                    if let Some(to) = out.move_to {
                        new_order = Some(moved(order, kind, to));
                    }
                    match out.handle {
                        HandleEvent::Dragging(p) => drag_pointer = Some((kind, p)),
                        HandleEvent::Dropped => {
                            if let Some(d) = self.drag.filter(|d| d.kind == kind) {
                                new_order = Some(moved(order, kind, d.to));
                            }
                            self.drag = None;
                        }
                        HandleEvent::None => {}
                    }
                }
            });
        // Where a dragged card would land: after every other card whose middle is above
        // the pointer. A line marks the gap.
        if let Some((kind, pointer)) = drag_pointer {
            let to = order
                .iter()
                .zip(&cards)
                .filter(|(k, r)| **k != kind && r.center().y < pointer.y)
                .count();
            self.drag = Some(Drag { kind, to });
            let others: Vec<Rect> = order
                .iter()
                .zip(&cards)
                .filter(|(k, _)| **k != kind)
                .map(|(_, r)| *r)
                .collect();
            let y = match (
                to.checked_sub(1).and_then(|i| others.get(i)),
                others.get(to),
            ) {
                (Some(above), Some(below)) => 0.5 * (above.max.y + below.min.y),
                (Some(above), None) => above.max.y + 3.0,
                (None, Some(below)) => below.min.y - 3.0,
                (None, None) => content.min.y,
            };
            let painter = ui.painter_at(content);
            painter.hline(content.x_range(), y, Stroke::new(2.0, theme::ACCENT));
        }
        for (kind, card) in order.iter().zip(cards) {
            ui.ctx()
                .data_mut(|d| d.insert_temp(slot_rect_id(*kind), card));
        }
        self.shown = Some(order);
        if let Some(new) = new_order.filter(|n| *n != order) {
            backend.set_fx_order(new);
        }
    }

    /// Draws the card of `kind` at position `pos` of the order: the header (handle, move
    /// buttons, number, switch, name, mix knob), then while open the settings.
    fn card(
        &mut self,
        ui: &mut Ui,
        pos: usize,
        kind: FxKind,
        rack: &RackSettings,
        matrix: &mut ModMatrix,
        cx: &mut FrameCx,
    ) -> CardOut {
        let (on, mix) = rack.switch(kind);
        let has_body = self.bodies[kind.index()];
        let open = has_body && (on || self.open[kind.index()]);
        let dragged = self.drag.is_some_and(|d| d.kind == kind);
        let stroke = if dragged {
            theme::ACCENT
        } else if on {
            theme::fade(theme::ACCENT, 0.35)
        } else {
            theme::BORDER
        };
        let mut out = CardOut {
            rect: Rect::NOTHING,
            move_to: None,
            handle: HandleEvent::None,
        };
        let frame = egui::Frame::new()
            .fill(if on { theme::WIDGET } else { theme::BG })
            .stroke(Stroke::new(1.0, stroke))
            .corner_radius(4)
            .inner_margin(egui::Margin::symmetric(6, 4));
        let response = frame.show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 4.0;
                out.handle = drag_handle(ui, kind);
                let up = ui
                    .add_enabled(pos > 0, egui::Button::new("⏶").small())
                    .on_hover_text("Move up (earlier in the chain)");
                let down = ui
                    .add_enabled(pos + 1 < SLOTS, egui::Button::new("⏷").small())
                    .on_hover_text("Move down (later in the chain)");
                ui.ctx().data_mut(|d| {
                    d.insert_temp(part_rect_id(kind, "up"), up.rect);
                    d.insert_temp(part_rect_id(kind, "down"), down.rect);
                });
                if up.clicked() {
                    out.move_to = Some(pos - 1);
                }
                if down.clicked() {
                    out.move_to = Some(pos + 1);
                }
                ui.label(
                    RichText::new(NUMBERS[pos])
                        .font(theme::mono())
                        .color(theme::TEXT_WEAK),
                );
                let switch = self.entry_of(kind, 0).map(|e| cx.table.entry(e));
                if let Some(entry) = switch {
                    let (rect, _) =
                        ui.allocate_exact_size(vec2(38.0, HEADER_ROW_H), Sense::hover());
                    bare_switch(ui, rect, entry, cx.setter);
                }
                let arrow = match (has_body, open) {
                    (false, _) => "",
                    (true, true) => "⏷",
                    (true, false) => "⏵",
                };
                if !arrow.is_empty() {
                    ui.label(RichText::new(arrow).color(theme::TEXT_WEAK));
                }
                let name = ui
                    .add(
                        egui::Label::new(
                            RichText::new(self.titles[kind.index()].as_str())
                                .font(theme::body())
                                .color(if on { theme::TEXT } else { theme::TEXT_WEAK }),
                        )
                        .sense(Sense::click())
                        .selectable(false),
                    )
                    .on_hover_text(if on {
                        "On: processing"
                    } else {
                        "Off: click to show its controls"
                    });
                ui.ctx()
                    .data_mut(|d| d.insert_temp(part_rect_id(kind, "name"), name.rect));
                if name.clicked() && !on && has_body {
                    self.open[kind.index()] = !self.open[kind.index()];
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let small = |text: String| {
                        RichText::new(text)
                            .size(theme::SMALL_PT)
                            .color(theme::TEXT_WEAK)
                    };
                    match self.entry_of(kind, 1).map(|e| cx.table.entry(e)) {
                        Some(entry) => {
                            ui.allocate_ui(vec2(52.0, KNOB_D), |ui| {
                                ui.label(
                                    RichText::new(compact_text(entry))
                                        .font(theme::mono())
                                        .color(theme::TEXT),
                                );
                            });
                            let (rect, _) =
                                ui.allocate_exact_size(vec2(KNOB_D, KNOB_D), Sense::hover());
                            let knob = bare_knob(ui, rect, entry, cx.setter);
                            decorate_knob(ui, entry, &knob, matrix, cx);
                            ui.label(small("MIX".to_owned()));
                        }
                        None => {
                            ui.label(small(format!("mix {:.0} %", mix * 100.0)));
                        }
                    }
                });
            });
            if open {
                if !on {
                    ui.multiply_opacity(OFF_OPACITY);
                }
                self.card_body(ui, kind, rack, matrix, cx);
            }
        });
        out.rect = response.response.rect;
        out
    }

    /// The settings and the display of an open card.
    fn card_body(
        &mut self,
        ui: &mut Ui,
        kind: FxKind,
        rack: &RackSettings,
        matrix: &mut ModMatrix,
        cx: &mut FrameCx,
    ) {
        let display = matches!(kind, FxKind::Eq | FxKind::Delay | FxKind::Reverb);
        ui.horizontal_top(|ui| {
            let controls_w = if display {
                (ui.available_width() - DISPLAY_SIZE.x - 12.0).max(120.0)
            } else {
                ui.available_width()
            };
            ui.allocate_ui(vec2(controls_w, CELL_H), |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.spacing_mut().item_spacing = vec2(4.0, 4.0);
                    // Skip the slot's switch (in the header); the mix comes first.
                    for (i, fx) in FX_SETTINGS.iter().enumerate() {
                        if fx.kind != kind || fx.is_switch() || is_mix(fx) {
                            continue;
                        }
                        let Some(e) = self.entries.as_ref().and_then(|v| v[i]) else {
                            continue;
                        };
                        let entry = cx.table.entry(e);
                        let style = control_kind(fx);
                        let width =
                            *self.widths[i].get_or_insert_with(|| cell_width_as(ui, entry, style));
                        let response =
                            control_as(ui, entry, cx.setter, &self.labels[i], style, width);
                        decorate_knob(ui, entry, &response, matrix, cx);
                    }
                });
            });
            if display {
                let (rect, _) = ui.allocate_exact_size(DISPLAY_SIZE, Sense::hover());
                ui.ctx()
                    .data_mut(|d| d.insert_temp(part_rect_id(kind, "display"), rect));
                match kind {
                    FxKind::Eq => self.eq_display(ui, rect, &rack.eq.settings, cx),
                    FxKind::Delay => delay_display(ui, rect, &rack.delay.settings),
                    _ => reverb_display(ui, rect, &rack.reverb.settings),
                }
            }
        });
    }

    /// The table index of the `n`th setting of `kind`.
    fn entry_of(&self, kind: FxKind, n: usize) -> Option<usize> {
        let i = FX_SETTINGS
            .iter()
            .enumerate()
            .filter(|(_, fx)| fx.kind == kind)
            .nth(n)?
            .0;
        self.entries.as_ref()?[i]
    }

    /// The EQ's magnitude response, computed by the EQ itself ([`Eq::magnitude_db`]) when
    /// the settings change.
    fn eq_display(&mut self, ui: &Ui, rect: Rect, settings: &EqSettings, cx: &FrameCx) {
        let sample_rate_hz = cx.handle.backend.sample_rate_hz();
        let stale = self
            .curve
            .as_ref()
            .is_none_or(|c| c.settings != *settings || c.sample_rate_hz != sample_rate_hz);
        if stale {
            let mut gain_db = [0.0; CURVE_POINTS];
            for (i, g) in gain_db.iter_mut().enumerate() {
                *g = Eq::magnitude_db(settings, curve_freq_hz(i), sample_rate_hz);
            }
            self.curve = Some(EqCurve {
                settings: *settings,
                sample_rate_hz,
                gain_db,
            });
        }
        let Some(curve) = &self.curve else {
            return;
        };
        let painter = display_frame(ui, rect);
        let plot = rect.shrink(4.0);
        let x_of = |f: f32| {
            plot.min.x + plot.width() * (f / MIN_FREQ_HZ).ln() / (MAX_FREQ_HZ / MIN_FREQ_HZ).ln()
        };
        let y_of =
            |db: f32| plot.center().y - plot.height() * 0.5 * (db / CURVE_DB).clamp(-1.0, 1.0);
        for (f, label) in [(100.0, "100"), (1000.0, "1k"), (10_000.0, "10k")] {
            let x = x_of(f);
            painter.vline(x, plot.y_range(), Stroke::new(1.0, theme::GRID));
            painter.text(
                pos2(x + 2.0, plot.max.y),
                Align2::LEFT_BOTTOM,
                label,
                theme::small(),
                theme::TEXT_WEAK,
            );
        }
        for db in [-12.0, 12.0] {
            painter.hline(plot.x_range(), y_of(db), Stroke::new(1.0, theme::GRID));
        }
        painter.hline(plot.x_range(), y_of(0.0), Stroke::new(1.0, theme::BORDER));
        painter.text(
            plot.left_top(),
            Align2::LEFT_TOP,
            "±24 dB",
            theme::small(),
            theme::TEXT_WEAK,
        );
        let points: Vec<egui::Pos2> = curve
            .gain_db
            .iter()
            .enumerate()
            .map(|(i, &g)| pos2(x_of(curve_freq_hz(i)), y_of(g)))
            .collect();
        painter.add(Shape::line(points, PathStroke::new(1.5, theme::ACCENT)));
    }
}

/// What a card reports to the list.
struct CardOut {
    /// The card's rect.
    rect: Rect,
    /// A move asked by its up/down buttons: the new position.
    move_to: Option<usize>,
    /// Its drag handle.
    handle: HandleEvent,
}

/// What happened to a card's drag handle this frame.
enum HandleEvent {
    /// Nothing.
    None,
    /// Being dragged; the pointer is here.
    Dragging(egui::Pos2),
    /// Released after a drag.
    Dropped,
}

/// How a setting is edited: a knob for numbers, a switch for on/off, a menu for a choice
/// (an integer parameter whose values have names).
fn control_kind(fx: &FxSetting) -> ParamKind {
    match fx.setting.kind {
        Kind::Float(_) => ParamKind::Float,
        Kind::Int => ParamKind::Int,
        Kind::Bool => ParamKind::Bool,
        Kind::Choice(_) => ParamKind::Enum,
    }
}

/// A card's drag handle: three lines; drag it up or down to move the card.
fn drag_handle(ui: &mut Ui, kind: FxKind) -> HandleEvent {
    let (rect, response) = ui.allocate_exact_size(vec2(16.0, HEADER_ROW_H), Sense::drag());
    let response = response
        .on_hover_cursor(CursorIcon::Grab)
        .on_hover_text("Drag to move this effect in the chain");
    ui.ctx()
        .data_mut(|d| d.insert_temp(part_rect_id(kind, "handle"), rect));
    let color = if response.dragged() || response.hovered() {
        theme::ACCENT
    } else {
        theme::TEXT_WEAK
    };
    for dy in [-4.0, 0.0, 4.0] {
        ui.painter().hline(
            (rect.min.x + 3.0)..=(rect.max.x - 3.0),
            rect.center().y + dy,
            Stroke::new(1.5, color),
        );
    }
    if response.drag_stopped() {
        HandleEvent::Dropped
    } else if response.dragged() {
        ui.ctx().set_cursor_icon(CursorIcon::Grabbing);
        response
            .interact_pointer_pos()
            .map_or(HandleEvent::None, HandleEvent::Dragging)
    } else {
        HandleEvent::None
    }
}

/// Paints a display's well in `rect`; returns a painter clipped to it.
fn display_frame(ui: &Ui, rect: Rect) -> egui::Painter {
    let painter = ui.painter_at(rect);
    painter.rect(
        rect,
        4,
        theme::WELL,
        Stroke::new(1.0, theme::BORDER),
        egui::StrokeKind::Inside,
    );
    painter
}

/// The delay's echoes as stems: time across (to the last echo drawn), level up; a
/// ping-pong delay's right-channel echoes in the voice colour.
fn delay_display(ui: &Ui, rect: Rect, settings: &DelaySettings) {
    let painter = display_frame(ui, rect);
    let plot = Rect::from_min_max(rect.min + vec2(6.0, 16.0), rect.max - vec2(6.0, 4.0));
    let (taps, n) = delay_taps(settings, PREVIEW_BPM);
    let span_s = taps[..n].last().map_or(1.0, |t| t.time_s).max(1e-3) * 1.05;
    painter.hline(plot.x_range(), plot.max.y, Stroke::new(1.0, theme::BORDER));
    for tap in &taps[..n] {
        let x = plot.min.x + plot.width() * tap.time_s / span_s;
        let y = plot.max.y - plot.height() * tap.level;
        let color = if tap.right {
            theme::VOICE
        } else {
            theme::ACCENT
        };
        painter.line_segment([pos2(x, plot.max.y), pos2(x, y)], Stroke::new(2.0, color));
        painter.circle_filled(pos2(x, y), 2.0, color);
    }
    let t_ms = delay_time_s(settings, PREVIEW_BPM) * 1000.0;
    let label = match settings.sync {
        Some(div) => format!("{} at {PREVIEW_BPM:.0} BPM = {t_ms:.0} ms", div.label()),
        None => format!("{t_ms:.0} ms"),
    };
    painter.text(
        rect.left_top() + vec2(5.0, 2.0),
        Align2::LEFT_TOP,
        format!("{label} · {n} echoes"),
        theme::small(),
        theme::TEXT_WEAK,
    );
}

/// The reverb's decay: the amplitude envelope (low frequencies, and dimmer, the treble's
/// after damping) from the dry sound to 1.2 × (pre-delay + RT60).
fn reverb_display(ui: &Ui, rect: Rect, settings: &ReverbSettings) {
    let painter = display_frame(ui, rect);
    let s = settings.clamped();
    let plot = Rect::from_min_max(rect.min + vec2(6.0, 16.0), rect.max - vec2(6.0, 4.0));
    let span_s = 1.2 * (s.predelay_ms * 1e-3 + s.decay_s);
    const STEPS: usize = 80;
    let curve = |treble: bool| -> Vec<egui::Pos2> {
        (0..=STEPS)
            .map(|k| {
                let t = span_s * k as f32 / STEPS as f32;
                let a = reverb_envelope(&s, t, treble);
                pos2(
                    plot.min.x + plot.width() * k as f32 / STEPS as f32,
                    plot.max.y - plot.height() * a,
                )
            })
            .collect()
    };
    painter.hline(plot.x_range(), plot.max.y, Stroke::new(1.0, theme::BORDER));
    let rt60_x = plot.min.x + plot.width() * (s.predelay_ms * 1e-3 + s.decay_s) / span_s;
    painter.vline(rt60_x, plot.y_range(), Stroke::new(1.0, theme::GRID));
    painter.add(Shape::line(
        curve(true),
        PathStroke::new(1.0, theme::fade(theme::BOUNDARY, 0.8)),
    ));
    painter.add(Shape::line(
        curve(false),
        PathStroke::new(1.5, theme::ACCENT),
    ));
    painter.text(
        rect.left_top() + vec2(5.0, 2.0),
        Align2::LEFT_TOP,
        format!(
            "RT60 {:.2} s · pre {:.0} ms · treble {:.2} s",
            s.decay_s,
            s.predelay_ms,
            s.decay_s * 10f32.powf(-s.damping)
        ),
        theme::small(),
        theme::TEXT_WEAK,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavecube_dsp::fx::sync::{Feel, NoteValue, SyncDivision};

    #[test]
    fn moving_a_slot_keeps_the_others_in_order() {
        use FxKind::*;
        let all = FxKind::ALL;
        assert_eq!(moved(all, Reverb, 0)[..3], [Reverb, Codec, Body]);
        assert_eq!(
            moved(all, Codec, 8),
            [Body, Distortion, Chorus, Phaser, Delay, Reverb, Eq, Compressor, Codec]
        );
        assert_eq!(moved(all, Delay, 5), all);
        assert_eq!(moved(all, Delay, 99)[8], Delay);
        assert_eq!(
            moved(all, Eq, 2),
            [Codec, Body, Eq, Distortion, Chorus, Phaser, Delay, Reverb, Compressor]
        );
        assert!(is_permutation(&moved(all, Phaser, 7)));
    }

    #[test]
    fn delay_taps_fall_by_the_feedback_and_sync_uses_the_preview_tempo() {
        let s = DelaySettings {
            time_ms: 250.0,
            feedback: 0.5,
            ..DelaySettings::default()
        };
        let (taps, n) = delay_taps(&s, PREVIEW_BPM);
        // 0.5^(n−1) ≥ 1e−3 for n ≤ 10.
        assert_eq!(n, 10);
        assert!((taps[2].time_s - 0.75).abs() < 1e-6);
        assert!((taps[2].level - 0.25).abs() < 1e-6);
        assert!(!taps[1].right);
        let synced = DelaySettings {
            sync: Some(SyncDivision::new(NoteValue::Eighth, Feel::Dotted)),
            mode: DelayMode::PingPong,
            feedback: 0.0,
            ..s
        };
        // A dotted eighth at 120 BPM: 0.75 beat × 0.5 s.
        assert!((delay_time_s(&synced, 120.0) - 0.375).abs() < 1e-6);
        let (taps, n) = delay_taps(&synced, 120.0);
        assert_eq!((n, taps[0].level), (1, 1.0));
        let pp = DelaySettings {
            feedback: 0.9,
            ..synced
        };
        assert!(delay_taps(&pp, 120.0).0[1].right);
    }

    #[test]
    fn reverb_envelope_is_silent_before_the_predelay_and_60_db_down_at_rt60() {
        let s = ReverbSettings {
            decay_s: 2.0,
            predelay_ms: 50.0,
            damping: 1.0,
            ..ReverbSettings::default()
        };
        assert_eq!(reverb_envelope(&s, 0.049, false), 0.0);
        assert!((reverb_envelope(&s, 0.05, false) - 1.0).abs() < 1e-6);
        assert!((reverb_envelope(&s, 2.05, false) - 1e-3).abs() < 1e-6);
        // Damping 1: the treble's RT60 is a tenth (0.2 s).
        assert!((reverb_envelope(&s, 0.25, true) - 1e-3).abs() < 1e-6);
    }
}
