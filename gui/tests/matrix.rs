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
