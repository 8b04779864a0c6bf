//! The matrix view driven headless: it lists the synth's slots, shows the macro knobs under
//! the patch's names, edits go back to the synth whole, and a source chip dropped on a knob
//! adds a slot to that knob's destination.

mod common;

use std::sync::Arc;

use common::demo_params::DemoParams;
use egui::Rect;
use nice_plug::prelude::*;
use wavecube_dsp::modulation::{Destination, ModMatrix, Slot, Source};
use wavecube_gui::testing::{Headless, MockBackend};
use wavecube_gui::views::matrix::{button_rect_id, chip_rect_id, DROP_AMOUNT, MACRO_IDS};
use wavecube_gui::widgets::control_rect_id;

/// The four macros as the plugin has them.
#[derive(Params)]
struct Macros {
    #[id = "macro1"]
    m1: FloatParam,
    #[id = "macro2"]
    m2: FloatParam,
    #[id = "macro3"]
    m3: FloatParam,
    #[id = "macro4"]
    m4: FloatParam,
}

/// The stand-in parameters plus the macros.
#[derive(Params)]
struct WithMacros {
    #[nested]
    demo: DemoParams,
    #[nested(group = "Macros")]
    macros: Macros,
}

fn editor(matrix: ModMatrix) -> (Headless, Arc<MockBackend>) {
    let knob = |name: &str| FloatParam::new(name, 0.0, FloatRange::Linear { min: 0.0, max: 1.0 });
    let params = Arc::new(WithMacros {
        demo: DemoParams::default(),
        macros: Macros {
            m1: knob("Macro 1"),
            m2: knob("Macro 2"),
            m3: knob("Macro 3"),
            m4: knob("Macro 4"),
        },
    });
    let backend = Arc::new(MockBackend::default());
    backend_set(&backend, &matrix);
    let mut h = Headless::with_backend(params, backend.clone(), None);
    h.frame(Vec::new());
    (h, backend)
}

fn backend_set(backend: &MockBackend, matrix: &ModMatrix) {
    use wavecube_gui::SynthBackend;
    backend.set_matrix(matrix);
}

fn rect_of(h: &Headless, id: egui::Id) -> Rect {
    h.ctx
        .data(|d| d.get_temp::<Rect>(id))
        .expect("drawn in the last frame")
}

#[test]
fn the_view_lists_the_slots_and_shows_the_macro_knobs() {
    let mut m = ModMatrix::default();
    m.push(Slot::new(Source::Macro2, Destination::Cutoff, 0.5));
    m.push(Slot::new(Source::Lfo1, Destination::MorphZ, -0.2));
    let (mut h, _) = editor(m);
    h.frame(Vec::new());
    assert_eq!(h.app.matrix_view().shown_slots(), 2);
    let layout = wavecube_gui::app::Layout::of(Rect::from_min_size(egui::Pos2::ZERO, h.size));
    for id in MACRO_IDS {
        let knob = rect_of(&h, control_rect_id(id));
        assert!(
            layout.matrix.contains_rect(knob),
            "{id} {knob:?} outside the matrix view"
        );
    }
    for s in Source::ALL {
        let chip = rect_of(&h, chip_rect_id(s));
        assert!(
            layout.matrix.contains_rect(chip),
            "{s:?} chip {chip:?} outside the view {:?}",
            layout.matrix
        );
    }
}

#[test]
fn dropping_a_source_chip_on_a_knob_adds_a_slot_to_its_destination() {
    use wavecube_gui::SynthBackend;
    let (mut h, backend) = editor(ModMatrix::default());
    // The Morph tab, where the "mx" knob is.
    h.app.controls_view_mut().set_section(1);
    h.frame(Vec::new());
    let chip = rect_of(&h, chip_rect_id(Source::Velocity)).center();
    let knob = rect_of(&h, control_rect_id("mx")).center();
    h.drag(chip, knob - chip, 6);
    h.frame(Vec::new());
    let m = backend.matrix();
    assert_eq!(m.active(), 1, "{:?}", backend.log());
    let slot = m.slots.iter().find(|s| s.is_active()).expect("a slot");
    assert_eq!(
        (slot.source, slot.destination, slot.amount),
        (Source::Velocity, Destination::MorphX, DROP_AMOUNT)
    );
    // The knob is not moved by the drop (the parameter stays where it was).
    assert_eq!(h.app.matrix_view().shown_slots(), 1);
}

#[test]
fn add_and_remove_buttons_edit_the_synths_matrix() {
    use wavecube_gui::SynthBackend;
    let mut m = ModMatrix::default();
    m.push(Slot::new(Source::Lfo2, Destination::Pan, 0.4));
    let (mut h, backend) = editor(m);
    h.frame(Vec::new());
    let add = rect_of(&h, button_rect_id("add", 0)).center();
    h.click(add);
    h.frame(Vec::new());
    let after_add = backend.matrix();
    assert_eq!(after_add.active(), 2, "{:?}", backend.log());
    assert_eq!(
        (after_add.slots[1].source, after_add.slots[1].destination),
        (Source::Macro1, Destination::MorphX)
    );
    assert_eq!(h.app.matrix_view().shown_slots(), 2);
    // Remove the first: the second stays where it is.
    let remove = rect_of(&h, button_rect_id("remove", 0)).center();
    h.click(remove);
    h.frame(Vec::new());
    let after_remove = backend.matrix();
    assert_eq!(after_remove.active(), 1);
    assert_eq!(after_remove.slots[0], Slot::default());
    assert_eq!(after_remove.slots[1], after_add.slots[1]);
    assert_eq!(h.app.matrix_view().shown_slots(), 1);
}

/// Presses `key` with Ctrl (and `shift`), as baseview reports it on Linux.
fn ctrl_key(h: &mut Headless, key: egui::Key, shift: bool) {
    let mut m = egui::Modifiers::CTRL | egui::Modifiers::COMMAND;
    if shift {
        m |= egui::Modifiers::SHIFT;
    }
    h.set_modifiers(m);
    h.key(key);
    h.set_modifiers(egui::Modifiers::NONE);
    h.frame(Vec::new());
}

fn click_button(h: &mut Headless, name: &str) {
    let at = rect_of(h, button_rect_id(name, 0)).center();
    h.click(at);
    h.frame(Vec::new());
}

#[test]
fn matrix_edits_undo_and_redo_by_button_and_keyboard() {
    use wavecube_gui::SynthBackend;
    let (mut h, backend) = editor(ModMatrix::default());
    let start = backend.matrix();
    click_button(&mut h, "add");
    let added = backend.matrix();
    assert_eq!(added.active(), 1);
    // Edit it: drag its amount right by 40 points (0.5 % a point, less egui's few points
    // of drag threshold) in eight moves.
    let amount = rect_of(&h, button_rect_id("amount", 0)).center();
    h.drag(amount, egui::vec2(40.0, 0.0), 8);
    h.frame(Vec::new());
    let edited = backend.matrix();
    assert!(
        (0.6..=0.71).contains(&edited.slots[0].amount),
        "amount {} after the drag",
        edited.slots[0].amount
    );
    // The drag is one step: two steps in all.
    assert_eq!(h.app.matrix_undo().undo_len(), 2);
    click_button(&mut h, "undo");
    assert_eq!(backend.matrix(), added);
    ctrl_key(&mut h, egui::Key::Z, false);
    assert_eq!(backend.matrix(), start, "two undos go back to the start");
    assert_eq!(h.app.matrix_view().shown_slots(), 0);
    // Nothing more to undo: the state stays.
    ctrl_key(&mut h, egui::Key::Z, false);
    assert_eq!(backend.matrix(), start);
    ctrl_key(&mut h, egui::Key::Z, true);
    assert_eq!(backend.matrix(), added, "Ctrl+Shift+Z redoes");
    ctrl_key(&mut h, egui::Key::Y, false);
    assert_eq!(backend.matrix(), edited, "Ctrl+Y redoes");
    assert_eq!(h.app.matrix_undo().redo_len(), 0);
    click_button(&mut h, "undo");
    click_button(&mut h, "redo");
    assert_eq!(backend.matrix(), edited);
}

#[test]
fn a_dropped_chip_is_one_undoable_step() {
    use wavecube_gui::SynthBackend;
    let (mut h, backend) = editor(ModMatrix::default());
    h.app.controls_view_mut().set_section(1);
    h.frame(Vec::new());
    let chip = rect_of(&h, chip_rect_id(Source::Lfo1)).center();
    let knob = rect_of(&h, control_rect_id("my")).center();
    h.drag(chip, knob - chip, 6);
    h.frame(Vec::new());
    assert_eq!(backend.matrix().active(), 1);
    assert_eq!(h.app.matrix_undo().undo_len(), 1);
    ctrl_key(&mut h, egui::Key::Z, false);
    assert_eq!(backend.matrix(), ModMatrix::default());
}

#[test]
fn the_undo_history_holds_at_most_64_steps() {
    use wavecube_gui::matrix_undo::UNDO_DEPTH;
    use wavecube_gui::SynthBackend;
    let (mut h, backend) = editor(ModMatrix::default());
    // 70 edits: add a slot, remove it, 35 times.
    for _ in 0..35 {
        click_button(&mut h, "add");
        let remove = rect_of(&h, button_rect_id("remove", 0)).center();
        h.click(remove);
        h.frame(Vec::new());
    }
    assert_eq!(backend.matrix().active(), 0);
    assert_eq!(h.app.matrix_undo().undo_len(), UNDO_DEPTH);
    let mut undone = 0;
    while h.app.matrix_undo().undo_len() > 0 {
        ctrl_key(&mut h, egui::Key::Z, false);
        undone += 1;
        assert!(undone <= UNDO_DEPTH, "more undo steps than the bound");
    }
    assert_eq!(undone, UNDO_DEPTH);
    assert_eq!(h.app.matrix_undo().redo_len(), UNDO_DEPTH);
    // 70 − 64 = 6 edits remain applied: three adds and three removes, an empty matrix.
    assert_eq!(backend.matrix().active(), 0);
    ctrl_key(&mut h, egui::Key::Y, false);
    assert_eq!(
        backend.matrix().active(),
        1,
        "the first redo adds the slot again"
    );
}

#[test]
fn a_modulated_knob_shows_a_dot_per_voice_at_its_live_value() {
    use wavecube_gui::testing::voice_telemetry;
    use wavecube_gui::views::matrix::{ring_id, RingShown};
    // Velocity → cutoff, −25 %: −2 octaves at full velocity.
    let mut m = ModMatrix::default();
    m.push(Slot::new(Source::Velocity, Destination::Cutoff, -0.25));
    let (mut h, _) = editor(m);
    let filter = h
        .app
        .table()
        .sections()
        .iter()
        .position(|s| s.name == "Filter")
        .expect("a Filter section");
    h.app.controls_view_mut().set_section(filter);
    h.frame(Vec::new());
    let entry = h.app.table().get("flt_fc").expect("the cutoff knob");
    let base_hz = entry.plain();
    // Two notes held, velocities 0.5 and 1: 1 and 2 octaves down.
    let messages = voice_telemetry(&m, base_hz, &[(57, 0.5), (64, 1.0)], 0.1);
    for msg in messages {
        h.tx.send(msg);
    }
    h.frame(Vec::new());
    let ring: RingShown = h
        .ctx
        .data(|d| d.get_temp(ring_id("flt_fc")))
        .expect("the cutoff knob wears a ring");
    assert_eq!(ring.dots, 2, "one dot per voice");
    let entry = h.app.table().get("flt_fc").expect("the cutoff knob");
    let mut got = [ring.voices[0], ring.voices[1]];
    got.sort_by(f32::total_cmp);
    let want = [
        entry.normalized_of(base_hz / 4.0),
        entry.normalized_of(base_hz / 2.0),
    ];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-3, "dot at {g}, want {w} (normalised)");
    }
    // Both inside the ring's range (−2..0 octaves).
    let (lo, hi) = (ring.from.min(ring.to), ring.from.max(ring.to));
    assert!(got.iter().all(|g| (lo - 1e-3..=hi + 1e-3).contains(g)));
}
