//! The matrix view: the four macro knobs under the patch's names, a chip per modulation
//! source (drag one onto a knob of the controls view to add a slot there), and the matrix's
//! slots, each with its source, "via" source, destination, amount, curve and on/off switch,
//! to add, edit and remove, the key centre and the random LFO's rate, and Undo and Redo of
//! every matrix edit. Also the knobs' modulation rings ([`decorate_knob`]), on the controls
//! view and the FX tab: the range the matrix moves a knob by, and a dot per sounding voice
//! at its live value.
//!
//! The matrix is synth state, not parameters: the view reads it from the backend every
//! frame ([`SynthBackend::matrix`](crate::handle::SynthBackend::matrix)) and sends every
//! edit back whole ([`SynthBackend::set_matrix`](crate::handle::SynthBackend::set_matrix)),
//! which the plugin copies to its audio thread through a lock-free ring. Every edit goes
//! through [`FrameCx::edit_matrix`], which keeps it for undo.

use egui::{vec2, Color32, ComboBox, DragValue, Id, Rect, Response, RichText, Ui};
use wavecube_dsp::fx::rack::FxKind;
use wavecube_dsp::modulation::{Curve, Destination, ModMatrix, Slot, Source, MACROS, MAX_SLOTS};
use wavecube_dsp::patch::fx_ranges::{FxSetting, FX_SETTINGS};
use wavecube_dsp::telemetry::TELEMETRY_VOICES;

use crate::frame::FrameCx;
use crate::param_table::ParamEntry;
use crate::theme;
use crate::widgets::{labelled_control, paint_mod_dot, paint_mod_ring, KNOB_D};

/// Ids of the macro parameters, in order (as the plugin names them).
pub const MACRO_IDS: [&str; MACROS] = ["macro1", "macro2", "macro3", "macro4"];

/// The amount a slot made by dropping a source chip on a knob starts with (−1..1).
pub const DROP_AMOUNT: f32 = 0.25;

/// The matrix view (its state is the backend's matrix; nothing is kept between frames).
#[derive(Debug, Clone, Default)]
pub struct MatrixView {
    /// Slots the view showed in its last frame (tests read it).
    shown: usize,
}

impl MatrixView {
    /// Slots listed in the last frame drawn.
    pub fn shown_slots(&self) -> usize {
        self.shown
    }

    /// Draws the view in `rect`.
    pub fn ui(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        let (_, content) = theme::panel(ui.painter(), rect, "MODULATION");
        let backend = cx.handle.backend.clone();
        let before = backend.matrix();
        let mut matrix = before;
        let names = backend.macro_names();
        let mut body = ui.new_child(egui::UiBuilder::new().max_rect(content));
        body.spacing_mut().item_spacing = vec2(4.0, 4.0);
        body.horizontal(|ui| {
            for (id, name) in MACRO_IDS.iter().zip(&names) {
                if let Some(entry) = cx.table.get(id) {
                    labelled_control(ui, entry, cx.setter, name);
                }
            }
        });
        body.horizontal_wrapped(|ui| source_chips(ui, &names));
        // The value dragged this frame, if any: its edits make one undo step.
        let mut dragging: Option<Id> = None;
        let (mut undo, mut redo) = (false, false);
        body.horizontal(|ui| {
            let used = used_slots(&matrix).count();
            ui.label(
                RichText::new(format!("SLOTS {used}/{MAX_SLOTS}"))
                    .size(theme::SMALL_PT)
                    .color(theme::TEXT_WEAK),
            );
            let add = ui.add_enabled(used < MAX_SLOTS, egui::Button::new("+ Add slot").small());
            let rect = add.rect;
            ui.ctx()
                .data_mut(|d| d.insert_temp(button_rect_id("add", 0), rect));
            if add
                .on_hover_text("A new slot: macro 1 to morph X, +50 %")
                .clicked()
            {
                matrix.push(Slot::new(Source::Macro1, Destination::MorphX, 0.5));
            }
            let can_undo = cx.matrix_undo.undo_len() > 0;
            let can_redo = cx.matrix_undo.redo_len() > 0;
            let u = ui.add_enabled(can_undo, egui::Button::new("Undo").small());
            let r = ui.add_enabled(can_redo, egui::Button::new("Redo").small());
            let (ur, rr) = (u.rect, r.rect);
            ui.ctx().data_mut(|d| {
                d.insert_temp(button_rect_id("undo", 0), ur);
                d.insert_temp(button_rect_id("redo", 0), rr);
            });
            undo = u
                .on_hover_text("Undo the last matrix edit (Ctrl+Z)")
                .clicked();
            redo = r.on_hover_text("Redo (Ctrl+Shift+Z, Ctrl+Y)").clicked();
        });
        body.horizontal(|ui| {
            let small = |t: &str| {
                RichText::new(t)
                    .size(theme::SMALL_PT)
                    .color(theme::TEXT_WEAK)
            };
            ui.label(small("KEY CENTRE"));
            let key = ui
                .add(
                    DragValue::new(&mut matrix.key_centre)
                        .range(0.0..=127.0)
                        .speed(0.25)
                        .fixed_decimals(0),
                )
                .on_hover_text("The note where the key source reads 0 (MIDI note)");
            if key.dragged() {
                dragging = Some(key.id);
            }
            ui.label(small("RANDOM RATE"));
            let rate = ui
                .add(
                    DragValue::new(&mut matrix.random_rate_hz)
                        .range(0.01..=50.0)
                        .speed(0.02)
                        .fixed_decimals(2)
                        .suffix(" Hz"),
                )
                .on_hover_text("Rate of the smoothed random LFO source");
            if rate.dragged() {
                dragging = Some(rate.id);
            }
        });
        let mut remove = None;
        let mut shown = 0;
        egui::ScrollArea::vertical()
            .id_salt("matrix-slots")
            .auto_shrink([false, false])
            .show(&mut body, |ui| {
                let used: Vec<usize> = used_slots(&matrix).collect();
                if used.is_empty() {
                    ui.label(
                        RichText::new("No slots. Add one, or drag a source chip onto a knob.")
                            .color(theme::TEXT_WEAK),
                    );
                }
                for i in used {
                    shown += 1;
                    let row = slot_row(ui, i, &mut matrix.slots[i], &names);
                    if row.remove {
                        remove = Some(i);
                    }
                    if row.dragging.is_some() {
                        dragging = row.dragging;
                    }
                    ui.add_space(4.0);
                }
            });
        self.shown = shown;
        if let Some(i) = remove {
            matrix.slots[i] = Slot::default();
        }
        if undo {
            cx.undo_matrix();
        } else if redo {
            cx.redo_matrix();
        } else {
            cx.edit_matrix(&before, &matrix, dragging);
        }
        cx.matrix_undo.end_gesture_unless(dragging);
    }
}

/// Chips of every source, to drag onto a knob (the matrix view's and the FX tab's).
pub fn source_chips(ui: &mut Ui, names: &[String; MACROS]) {
    ui.spacing_mut().item_spacing = vec2(2.0, 2.0);
    for source in Source::ALL {
        source_chip(ui, source, names);
    }
}

/// Indices of the slots in use (anything but the default, unused slot).
fn used_slots(matrix: &ModMatrix) -> impl Iterator<Item = usize> + '_ {
    (0..MAX_SLOTS).filter(|&i| matrix.slots[i] != Slot::default())
}

/// How a source is shown: a macro by its patch name, the rest by their patch-format names.
pub fn source_label(source: Source, macro_names: &[String; MACROS]) -> String {
    match source.macro_index() {
        Some(k) => macro_names[k].clone(),
        None => source.name().replace('_', " "),
    }
}

/// How a destination is shown.
pub fn destination_label(destination: Destination) -> String {
    destination.name().replace('_', " ")
}

/// Colour of a source's chip: LFOs, envelopes, per-note, controllers, macros.
fn source_color(source: Source) -> Color32 {
    match source {
        Source::Lfo1 | Source::Lfo2 | Source::Lfo3 | Source::RandomLfo => theme::ACCENT,
        Source::AmpEnv | Source::ModEnv => theme::BOUNDARY,
        Source::Velocity
        | Source::ReleaseVelocity
        | Source::Key
        | Source::NoteRandom
        | Source::PolyPressure => theme::VOICE,
        Source::Macro1 | Source::Macro2 | Source::Macro3 | Source::Macro4 => theme::OK,
        _ => theme::TEXT,
    }
}

/// The id under which the rect of the view's button `name` ("add", "undo", "redo", or
/// "remove" or "amount" with the slot's index) is kept in egui's temporary data for the frame it was drawn (for tests).
pub fn button_rect_id(name: &str, slot: usize) -> egui::Id {
    egui::Id::unique(("wavecube-matrix-button", name, slot))
}

/// The id under which the rect of `source`'s chip is kept in egui's temporary data for the
/// frame it was drawn (tests find chips by it).
pub fn chip_rect_id(source: Source) -> egui::Id {
    egui::Id::unique(("wavecube-source-chip-rect", source.index()))
}

/// A draggable chip for `source`.
fn source_chip(ui: &mut Ui, source: Source, names: &[String; MACROS]) {
    let id = egui::Id::unique(("wavecube-source-chip", source.index()));
    let color = source_color(source);
    // Sized up front, so the wrapping row knows where it fits.
    let galley = ui.painter().layout_no_wrap(
        source_label(source, names),
        egui::FontId::proportional(theme::SMALL_PT - 0.5),
        color,
    );
    let size = galley.size() + vec2(9.0, 2.0);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::drag());
    response.dnd_set_drag_payload(source);
    let paint = |painter: &egui::Painter, rect: Rect| {
        painter.rect(
            rect,
            8,
            theme::WIDGET,
            egui::Stroke::new(1.0, theme::fade(color, 0.6)),
            egui::StrokeKind::Inside,
        );
        painter.galley(rect.center() - galley.size() / 2.0, galley.clone(), color);
    };
    paint(ui.painter(), rect);
    if response.dragged() {
        // The chip follows the pointer while it is dragged.
        if let Some(pointer) = ui.ctx().pointer_interact_pos() {
            let layer = egui::LayerId::new(egui::Order::Tooltip, id);
            paint(
                &ui.ctx().layer_painter(layer),
                rect.translate(pointer - rect.center()),
            );
        }
    }
    let rect = response.rect;
    ui.ctx()
        .data_mut(|d| d.insert_temp(chip_rect_id(source), rect));
    response.on_hover_text("Drag onto a knob to modulate it from this source");
}

/// What a slot's rows report.
struct SlotRow {
    /// Its remove button was clicked.
    remove: bool,
    /// Its amount is being dragged (the widget's id).
    dragging: Option<Id>,
}

/// One slot's two rows.
fn slot_row(ui: &mut Ui, i: usize, slot: &mut Slot, names: &[String; MACROS]) -> SlotRow {
    let mut remove = false;
    let mut dragging = None;
    ui.horizontal(|ui| {
        ui.checkbox(&mut slot.enabled, "")
            .on_hover_text("Slot on or off");
        ComboBox::from_id_salt(("slot-src", i))
            .width(80.0)
            .selected_text(source_label(slot.source, names))
            .show_ui(ui, |ui| {
                for s in Source::ALL {
                    ui.selectable_value(&mut slot.source, s, source_label(s, names));
                }
            });
        ui.label(RichText::new("to").color(theme::TEXT_WEAK));
        ComboBox::from_id_salt(("slot-dst", i))
            .width(92.0)
            .selected_text(destination_label(slot.destination))
            .show_ui(ui, |ui| {
                for d in Destination::ALL {
                    ui.selectable_value(&mut slot.destination, d, destination_label(d));
                }
            });
        let button = ui.small_button("×");
        let rect = button.rect;
        ui.ctx()
            .data_mut(|d| d.insert_temp(button_rect_id("remove", i), rect));
        if button.on_hover_text("Remove the slot").clicked() {
            remove = true;
        }
    });
    ui.horizontal(|ui| {
        ui.add_space(22.0);
        let mut pct = slot.amount * 100.0;
        let unit = slot.destination.full_scale() * slot.amount;
        let amount = ui
            .add(
                DragValue::new(&mut pct)
                    .range(-100.0..=100.0)
                    .speed(0.5)
                    .fixed_decimals(1)
                    .suffix(" %"),
            )
            .on_hover_text(format!(
                "Amount: {unit:+.3} {} at full source",
                slot.destination.unit()
            ));
        let rect = amount.rect;
        ui.ctx()
            .data_mut(|d| d.insert_temp(button_rect_id("amount", i), rect));
        if amount.dragged() {
            dragging = Some(amount.id);
        }
        if amount.changed() {
            slot.amount = (pct / 100.0).clamp(-1.0, 1.0);
        }
        ComboBox::from_id_salt(("slot-via", i))
            .width(70.0)
            .selected_text(match slot.via {
                Some(v) => format!("× {}", source_label(v, names)),
                None => "no via".to_owned(),
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut slot.via, None, "no via");
                for s in Source::ALL {
                    ui.selectable_value(&mut slot.via, Some(s), source_label(s, names));
                }
            });
        ComboBox::from_id_salt(("slot-curve", i))
            .width(58.0)
            .selected_text(slot.curve.name())
            .show_ui(ui, |ui| {
                for c in Curve::ALL {
                    ui.selectable_value(&mut slot.curve, c, c.name());
                }
            });
    });
    SlotRow { remove, dragging }
}

/// The matrix destination a parameter's knob stands for, if the matrix can move it: a
/// synth knob by its id, an effect's (the FX tab's) by [`fx_destination_of`].
pub fn destination_of(param_id: &str) -> Option<Destination> {
    Some(match param_id {
        "mx" => Destination::MorphX,
        "my" => Destination::MorphY,
        "mz" => Destination::MorphZ,
        "flt_fc" => Destination::Cutoff,
        "flt_q" => Destination::Resonance,
        "uni_dt" => Destination::UnisonDetune,
        "uni_sp" => Destination::UnisonSpread,
        "lfo1_rate" => Destination::Lfo1Rate,
        "lfo2_rate" => Destination::Lfo2Rate,
        "lfo3_rate" => Destination::Lfo3Rate,
        "amp_atk" => Destination::AmpAttack,
        "amp_dec" => Destination::AmpDecay,
        "amp_rel" => Destination::AmpRelease,
        "env2_atk" => Destination::ModAttack,
        "env2_dec" => Destination::ModDecay,
        "env2_rel" => Destination::ModRelease,
        // The codec's bits are a parameter of the synth's Codec section, not an FX setting.
        "tqa_bits" => Destination::FxCodecBits,
        _ => {
            let fx = FX_SETTINGS.iter().find(|fx| fx.setting.id == param_id)?;
            return fx_destination_of(fx);
        }
    })
}

/// The effect destination ([`Destination::FX`]) an effect setting is, by name: the
/// destination `fx_<slot>_<label>` (`fx_delay_feedback` for the delay's "Feedback").
/// `None` for the settings the matrix does not move.
pub fn fx_destination_of(fx: &FxSetting) -> Option<Destination> {
    Destination::FX.into_iter().find(|d| {
        d.name()
            .strip_prefix("fx_")
            .and_then(|n| n.strip_prefix(fx.kind.name()))
            .and_then(|n| n.strip_prefix('_'))
            .is_some_and(|label| label.eq_ignore_ascii_case(fx.label))
            // Only the slot's own settings, never an EQ band's (whose group names the band).
            && fx.group == fx_group(fx.kind)
    })
}

/// The group of a slot's own settings (its title, "Delay"), as against an EQ band's.
fn fx_group(kind: FxKind) -> &'static str {
    crate::views::fx::slot_title(kind)
}

/// The parameter's plain value moved by `delta` of `destination`'s unit (the parameter's
/// own unit: % for resonance, spread and the effects' mixes, feedback and size, Hz for
/// cutoff and the phaser's centre, ms for envelope times, dB for drive).
fn shifted(destination: Destination, plain: f32, delta: f32) -> f32 {
    match destination {
        Destination::FxPhaserCentre => plain * delta.exp2(),
        Destination::FxDistortionDrive | Destination::FxChorusDepth | Destination::FxCodecBits => {
            plain + delta
        }
        d if d.fx_index().is_some() => plain + 100.0 * delta,
        Destination::Cutoff
        | Destination::Lfo1Rate
        | Destination::Lfo2Rate
        | Destination::Lfo3Rate
        | Destination::AmpAttack
        | Destination::AmpDecay
        | Destination::AmpRelease
        | Destination::ModAttack
        | Destination::ModDecay
        | Destination::ModRelease => plain * delta.exp2(),
        Destination::Resonance | Destination::UnisonSpread => plain + 100.0 * delta,
        _ => plain + delta,
    }
}

/// The range the active slots on `destination` can move it by, in its unit: (lowest,
/// highest), 0 included; `None` when no active slot moves it.
pub fn mod_range(matrix: &ModMatrix, destination: Destination) -> Option<(f32, f32)> {
    let mut range = None;
    for s in matrix
        .slots
        .iter()
        .filter(|s| s.is_active() && s.destination == destination)
    {
        let d = s.amount * destination.full_scale();
        let (lo, hi) = if s.source.is_bipolar() {
            (-d.abs(), d.abs())
        } else {
            (d.min(0.0), d.max(0.0))
        };
        let (a, b) = range.unwrap_or((0.0, 0.0));
        range = Some((a + lo, b + hi));
    }
    range
}

/// A voice's live value of `destination` (the unit of `Voice::mod_value`) as the
/// parameter's plain value: resonance and spread in %, the rest as they are.
fn knob_plain(destination: Destination, value: f32) -> f32 {
    match destination {
        Destination::Resonance | Destination::UnisonSpread => 100.0 * value,
        _ => value,
    }
}

/// What a knob's ring showed in the last frame drawn (tests read it under
/// [`ring_id`]): the range's ends and each voice's dot, normalised 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RingShown {
    /// Normalised value where the range starts.
    pub from: f32,
    /// Normalised value where it ends.
    pub to: f32,
    /// Each sounding voice's live value, normalised, first `dots` used.
    pub voices: [f32; TELEMETRY_VOICES],
    /// Dots drawn.
    pub dots: usize,
}

/// The id under which the [`RingShown`] of parameter `param_id`'s knob is kept in egui's
/// temporary data for the frame it was drawn.
pub fn ring_id(param_id: &str) -> Id {
    Id::unique(("wavecube-mod-ring", param_id))
}

/// After a knob is drawn (`response` is its control's): takes a source chip dropped on it
/// (a new slot from that source to the knob's destination, [`DROP_AMOUNT`], an undoable
/// edit) and paints the ring of the range the matrix moves it by, with a dot per sounding
/// voice at its live value of the destination (from the telemetry; effect destinations have
/// one value for all voices and show the range only). `matrix` is this frame's copy; a new
/// slot is added to it and sent to the synth.
pub fn decorate_knob(
    ui: &Ui,
    entry: &ParamEntry,
    response: &Response,
    matrix: &mut ModMatrix,
    cx: &mut FrameCx,
) {
    let Some(destination) = destination_of(entry.id()) else {
        return;
    };
    if response.dnd_hover_payload::<Source>().is_some() {
        ui.painter().rect_stroke(
            response.rect.expand(2.0),
            4,
            egui::Stroke::new(1.5, theme::OK),
            egui::StrokeKind::Outside,
        );
    }
    if let Some(source) = response.dnd_release_payload::<Source>() {
        let before = *matrix;
        if matrix.push(Slot::new(*source, destination, DROP_AMOUNT)) {
            cx.edit_matrix(&before, matrix, None);
        }
    }
    if let Some((lo, hi)) = mod_range(matrix, destination) {
        let plain = entry.plain();
        let from = entry.normalized_of(shifted(destination, plain, lo));
        let to = entry.normalized_of(shifted(destination, plain, hi));
        let knob = Rect::from_center_size(response.rect.center(), vec2(KNOB_D, KNOB_D));
        paint_mod_ring(ui.painter(), knob, from, to, theme::OK);
        let mut shown = RingShown {
            from,
            to,
            voices: [0.0; TELEMETRY_VOICES],
            dots: 0,
        };
        for (dot, &v) in shown
            .voices
            .iter_mut()
            .zip(cx.telemetry.voice_values(destination))
            .filter(|(_, v)| v.is_finite())
        {
            *dot = entry.normalized_of(knob_plain(destination, v));
            paint_mod_dot(ui.painter(), knob, *dot, theme::VOICE);
            shown.dots += 1;
        }
        ui.ctx()
            .data_mut(|d| d.insert_temp(ring_id(entry.id()), shown));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_add_up_per_destination_and_bipolar_sources_swing_both_ways() {
        let mut m = ModMatrix::default();
        assert_eq!(mod_range(&m, Destination::Cutoff), None);
        m.push(Slot::new(Source::Velocity, Destination::Cutoff, 0.5));
        m.push(Slot::new(Source::Lfo1, Destination::Cutoff, -0.25));
        m.push(Slot::new(Source::Lfo1, Destination::MorphX, 0.3));
        // Velocity (0..1): 0..+4 octaves; LFO (−1..1): ±2 octaves.
        assert_eq!(mod_range(&m, Destination::Cutoff), Some((-2.0, 6.0)));
        assert_eq!(mod_range(&m, Destination::MorphX), Some((-0.3, 0.3)));
        m.slots[0].enabled = false;
        assert_eq!(mod_range(&m, Destination::Cutoff), Some((-2.0, 2.0)));
    }

    #[test]
    fn knobs_map_to_destinations_in_their_own_units() {
        assert_eq!(destination_of("flt_fc"), Some(Destination::Cutoff));
        assert_eq!(destination_of("gain"), None);
        assert_eq!(shifted(Destination::Cutoff, 1000.0, 1.0), 2000.0);
        assert_eq!(shifted(Destination::Resonance, 20.0, 0.5), 70.0);
        assert_eq!(shifted(Destination::MorphY, 0.5, -0.25), 0.25);
        assert_eq!(shifted(Destination::FxDelayFeedback, 40.0, 0.25), 65.0);
        assert_eq!(shifted(Destination::FxPhaserCentre, 800.0, -1.0), 400.0);
        assert_eq!(shifted(Destination::FxDistortionDrive, 12.0, 3.0), 15.0);
        assert_eq!(shifted(Destination::FxCodecBits, 4.0, 3.0), 7.0);
    }

    #[test]
    fn every_effect_destination_has_exactly_one_fx_knob() {
        let mut found = [0usize; wavecube_dsp::modulation::FX_DESTINATIONS];
        for fx in &FX_SETTINGS {
            if let Some(d) = fx_destination_of(fx) {
                found[d.fx_index().expect("an effect destination")] += 1;
                assert_eq!(destination_of(fx.setting.id), Some(d));
            }
        }
        // Every effect destination but the codec's bits (the Codec section's `tqa_bits`).
        let bits = Destination::FxCodecBits.fx_index().unwrap();
        assert_eq!(found[bits], 0);
        found[bits] = 1;
        assert_eq!(found, [1; wavecube_dsp::modulation::FX_DESTINATIONS]);
        assert_eq!(destination_of("tqa_bits"), Some(Destination::FxCodecBits));
        assert_eq!(
            destination_of("fx_dly_fb"),
            Some(Destination::FxDelayFeedback)
        );
        assert_eq!(destination_of("fx_dly_time"), None);
        assert_eq!(destination_of("fx_eq_ls_gain"), None);
    }
}
