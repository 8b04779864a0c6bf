//! The FX tab driven headless: its top-bar tab opens it, it lists the nine slots in the
//! synth's order, a slot's switch and knobs edit their parameters through the host, the drag
//! handle and the move buttons send a new order, the EQ's curve is the dsp EQ's response, and
//! the controls view no longer shows the effects.

mod common;

use std::sync::Arc;

use common::demo_params::DemoParams;
use egui::{vec2, Pos2, Rect};
use nice_plug::prelude::*;
use nice_plug_core::context::gui::GuiContext;
use nice_plug_core::params::internals::ParamPtr;
use wavecube_dsp::fx::eq::{Eq, EqSettings};
use wavecube_dsp::fx::rack::{FxKind, SLOTS};
use wavecube_gui::app::{Layout, Page};
use wavecube_gui::testing::{Headless, HostCall, MockBackend};
use wavecube_gui::views::fx::{moved, part_rect_id, slot_rect_id, CURVE_POINTS, FX_SECTION};
use wavecube_gui::widgets::control_rect_id;
use wavecube_gui::SynthBackend;

use FxKind::*;

/// An editor of the stand-in parameters (with the 84 effect parameters) on a backend whose
/// rack runs in `order`, showing the FX tab (opened by clicking its tab in the top bar).
fn fx_editor(order: [FxKind; SLOTS]) -> (Headless, Arc<MockBackend>, Arc<DemoParams>) {
    let params = Arc::new(DemoParams::default());
    let backend = Arc::new(MockBackend::default());
    backend.set_fx_order(order);
    let mut h = Headless::with_backend(params.clone(), backend.clone(), None);
    h.frame(Vec::new());
    assert_eq!(h.app.page(), Page::Synth);
    let tab = layout(&h).fx_tab.center();
    h.click(tab);
    h.frame(Vec::new());
    assert_eq!(
        h.app.page(),
        Page::Fx,
        "the FX tab in the top bar opens the rack"
    );
    h.host.clear();
    (h, backend, params)
}

fn layout(h: &Headless) -> Layout {
    Layout::of(Rect::from_min_size(Pos2::ZERO, h.size))
}

fn rect_of(h: &Headless, id: egui::Id) -> Rect {
    h.ctx
        .data(|d| d.get_temp::<Rect>(id))
        .expect("drawn in the last frame")
}

fn ptr_of(params: &DemoParams, id: &str) -> ParamPtr {
    params
        .param_map()
        .into_iter()
        .find(|(i, _, _)| i == id)
        .map(|(_, p, _)| p)
        .unwrap_or_else(|| panic!("no parameter {id}"))
}

/// Sets parameter `id` to `plain` through the host, as another editor or automation would.
fn set_plain(h: &Headless, id: &str, plain: f32) {
    let gui = GuiContext::new(h.host.clone());
    let setter = gui.param_setter();
    let entry = h.app.table().get(id).expect("in the table");
    entry.set_once(&setter, entry.normalized_of(plain));
}

#[test]
fn the_tab_lists_the_nine_slots_in_the_backends_order() {
    let order = [
        Reverb, Codec, Eq, Body, Delay, Compressor, Distortion, Phaser, Chorus,
    ];
    let (h, _, _) = fx_editor(order);
    assert_eq!(h.app.fx_view().shown_order(), Some(order));
    let fx = layout(&h).fx;
    let mut last_y = f32::NEG_INFINITY;
    for kind in order {
        let card = rect_of(&h, slot_rect_id(kind));
        assert!(
            card.min.y > last_y,
            "{kind:?} card {card:?} not below the previous one"
        );
        assert!(
            fx.contains_rect(card),
            "{kind:?} card {card:?} outside the tab {fx:?}"
        );
        last_y = card.min.y;
        // Each header has its slot's switch.
        let switch = rect_of(&h, control_rect_id(&format!("fx_{}_on", short(kind))));
        assert!(
            card.contains_rect(switch),
            "{kind:?} switch {switch:?} outside its card"
        );
    }
}

/// The id stem of a slot's parameters.
fn short(kind: FxKind) -> &'static str {
    match kind {
        Codec => "codec",
        Body => "body",
        Distortion => "dist",
        Chorus => "cho",
        Phaser => "pha",
        Delay => "dly",
        Reverb => "rev",
        Eq => "eq",
        Compressor => "cmp",
    }
}

#[test]
fn a_slots_switch_turns_it_on_through_the_host_and_opens_its_controls() {
    let (mut h, _, params) = fx_editor(FxKind::ALL);
    // Off: the delay's settings are not drawn.
    let time = control_rect_id("fx_dly_time");
    h.ctx.data_mut(|d| d.remove::<Rect>(time));
    h.frame(Vec::new());
    assert!(h.ctx.data(|d| d.get_temp::<Rect>(time)).is_none());
    let switch = rect_of(&h, control_rect_id("fx_dly_on")).center();
    h.click(switch);
    h.frame(Vec::new());
    let on = ptr_of(&params, "fx_dly_on");
    assert_eq!(
        h.host.calls(),
        vec![
            HostCall::Begin(on),
            HostCall::Set(on, 1.0),
            HostCall::End(on)
        ]
    );
    assert!(params
        .fx
        .param_map()
        .iter()
        .any(|(id, _, _)| id == "fx_dly_on"));
    let delay = rect_of(&h, slot_rect_id(Delay));
    let knob = rect_of(&h, control_rect_id("fx_dly_time"));
    assert!(
        delay.contains_rect(knob),
        "time knob {knob:?} outside the card {delay:?}"
    );
    let display = rect_of(&h, part_rect_id(Delay, "display"));
    assert!(delay.contains_rect(display));
}

#[test]
fn dragging_a_handle_moves_the_slot_in_the_backends_order() {
    let (mut h, backend, _) = fx_editor(FxKind::ALL);
    // The reverb's handle dragged above the first card: the reverb goes first.
    let from = rect_of(&h, part_rect_id(Reverb, "handle")).center();
    let first = rect_of(&h, slot_rect_id(Codec));
    h.drag(from, vec2(0.0, first.min.y + 4.0 - from.y), 8);
    h.frame(Vec::new());
    let expected = [
        Reverb, Codec, Body, Distortion, Chorus, Phaser, Delay, Eq, Compressor,
    ];
    assert_eq!(backend.fx_order(), expected, "{:?}", backend.log());
    assert_eq!(h.app.fx_view().shown_order(), Some(expected));
    // The codec's handle dragged just below the distortion's middle: after it.
    let from = rect_of(&h, part_rect_id(Codec, "handle")).center();
    let target = rect_of(&h, slot_rect_id(Distortion));
    h.drag(from, vec2(0.0, target.center().y + 2.0 - from.y), 8);
    h.frame(Vec::new());
    assert_eq!(
        backend.fx_order(),
        [Reverb, Body, Distortion, Codec, Chorus, Phaser, Delay, Eq, Compressor],
        "{:?}",
        backend.log()
    );
    // No parameter moved.
    assert!(h.host.calls().is_empty(), "{:?}", h.host.calls());
}

#[test]
fn the_move_buttons_step_a_slot_up_and_down() {
    let (mut h, backend, _) = fx_editor(FxKind::ALL);
    h.click(rect_of(&h, part_rect_id(Compressor, "up")).center());
    h.frame(Vec::new());
    let up = moved(FxKind::ALL, Compressor, 7);
    assert_eq!(up[7..], [Compressor, Eq]);
    assert_eq!(backend.fx_order(), up);
    h.click(rect_of(&h, part_rect_id(Codec, "down")).center());
    h.frame(Vec::new());
    assert_eq!(backend.fx_order()[..3], [Body, Codec, Distortion]);
    // The first slot cannot move up: its button does nothing.
    let before = backend.fx_order();
    h.click(rect_of(&h, part_rect_id(before[0], "up")).center());
    h.frame(Vec::new());
    assert_eq!(backend.fx_order(), before);
}

#[test]
fn a_knob_drag_changes_that_parameter_only() {
    let (mut h, _, params) = fx_editor(FxKind::ALL);
    // Open the (off) delay by its name, then drag its time knob up.
    h.click(rect_of(&h, part_rect_id(Delay, "name")).center());
    h.frame(Vec::new());
    let before = h.app.table().get("fx_dly_time").expect("time").plain();
    let knob = rect_of(&h, control_rect_id("fx_dly_time")).center();
    h.drag(knob, vec2(0.0, -40.0), 8);
    h.frame(Vec::new());
    let after = h.app.table().get("fx_dly_time").expect("time").plain();
    assert!(after > before * 1.2, "time {before} ms → {after} ms");
    let time = ptr_of(&params, "fx_dly_time");
    let calls = h.host.calls();
    assert!(matches!(calls.first(), Some(HostCall::Begin(p)) if *p == time));
    assert!(matches!(calls.last(), Some(HostCall::End(p)) if *p == time));
    for call in &calls {
        let p = match call {
            HostCall::Begin(p) | HostCall::End(p) | HostCall::Set(p, _) => p,
        };
        assert!(*p == time, "a call to another parameter: {call:?}");
    }
    // Still off: opening a card does not switch it on.
    assert_eq!(h.app.table().get("fx_dly_on").expect("on").plain(), 0.0);
}

#[test]
fn the_eq_curve_is_the_dsp_eqs_response() {
    let (mut h, _, _) = fx_editor(FxKind::ALL);
    set_plain(&h, "fx_eq_on", 1.0);
    set_plain(&h, "fx_eq_ls_on", 1.0);
    set_plain(&h, "fx_eq_ls_gain", 9.0);
    set_plain(&h, "fx_eq_p2_on", 1.0);
    set_plain(&h, "fx_eq_p2_gain", -6.0);
    set_plain(&h, "fx_eq_p2_q", 2.0);
    h.frame(Vec::new());
    let curve = h.app.fx_view().eq_curve();
    assert_eq!(curve.len(), CURVE_POINTS);
    let mut expected = EqSettings::default();
    expected.low_shelf.enabled = true;
    expected.low_shelf.gain_db = 9.0;
    expected.peaks[1].enabled = true;
    expected.peaks[1].gain_db = -6.0;
    expected.peaks[1].q = 2.0;
    let mut worst = 0.0f32;
    for &(f, db) in &curve {
        worst = worst.max((db - Eq::magnitude_db(&expected, f, 48_000.0)).abs());
    }
    assert!(worst < 0.05, "curve off the dsp response by {worst} dB");
    // And it is the shape asked for: +9 dB shelf below 120 Hz, −6 dB at 1.2 kHz, flat up high.
    let at = |hz: f32| {
        curve
            .iter()
            .min_by(|a, b| (a.0 / hz).ln().abs().total_cmp(&(b.0 / hz).ln().abs()))
            .map(|p| p.1)
            .expect("points")
    };
    assert!((at(25.0) - 9.0).abs() < 0.5, "25 Hz: {} dB", at(25.0));
    assert!((at(1200.0) + 6.0).abs() < 0.7, "1.2 kHz: {} dB", at(1200.0));
    assert!(at(15_000.0).abs() < 0.5, "15 kHz: {} dB", at(15_000.0));
    assert!(h
        .ctx
        .data(|d| d.get_temp::<Rect>(part_rect_id(Eq, "display")))
        .is_some());
}

#[test]
fn the_controls_view_leaves_the_effects_to_the_fx_tab() {
    let params = Arc::new(DemoParams::default());
    let mut h = Headless::new(params);
    h.frame(Vec::new());
    let sections: Vec<String> = h
        .app
        .table()
        .sections()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let effects = sections
        .iter()
        .position(|s| s == FX_SECTION)
        .expect("the table has the effects");
    for i in 0..sections.len() {
        h.app.controls_view_mut().set_section(i);
        h.frame(Vec::new());
        h.frame(Vec::new());
    }
    // Asked for the effects, the view shows its first tab instead, and no effect control was
    // ever drawn on the synth page.
    h.app.controls_view_mut().set_section(effects);
    h.frame(Vec::new());
    assert_ne!(h.app.controls_view_mut().section(), effects);
    for id in ["fx_dly_time", "fx_rev_mix", "fx_eq_ls_gain", "fx_cmp_on"] {
        assert!(
            h.ctx
                .data(|d| d.get_temp::<Rect>(control_rect_id(id)))
                .is_none(),
            "{id} drawn in the controls view"
        );
    }
}

#[test]
fn the_headers_mix_knob_sets_the_slots_mix() {
    let (mut h, _, params) = fx_editor(FxKind::ALL);
    let card = rect_of(&h, slot_rect_id(Reverb));
    let knob = rect_of(&h, control_rect_id("fx_rev_mix"));
    assert!(
        card.contains_rect(knob),
        "mix knob {knob:?} outside its card {card:?}"
    );
    let before = h.app.table().get("fx_rev_mix").expect("mix").plain();
    h.drag(knob.center(), vec2(0.0, 30.0), 6);
    h.frame(Vec::new());
    let after = h.app.table().get("fx_rev_mix").expect("mix").plain();
    // 30 points down at 1/200 of the range per point: at most 15 % less (egui starts the
    // drag after its threshold, so the first step may not count).
    let drop = before - after;
    assert!((10.0..=15.5).contains(&drop), "mix {before} % → {after} %");
    let mix = ptr_of(&params, "fx_rev_mix");
    assert!(h.host.calls().iter().all(|c| match c {
        HostCall::Begin(p) | HostCall::End(p) | HostCall::Set(p, _) => *p == mix,
    }));
}

#[test]
fn a_chip_dropped_on_the_delay_feedback_knob_adds_a_slot_and_a_ring() {
    use wavecube_dsp::modulation::{Destination, Source};
    use wavecube_gui::views::matrix::{chip_rect_id, ring_id, RingShown, DROP_AMOUNT};
    let (mut h, backend, _) = fx_editor(moved(FxKind::ALL, Delay, 0));
    h.app.fx_view_mut().set_open(Delay, true);
    h.frame(Vec::new());
    let chip = rect_of(&h, chip_rect_id(Source::Lfo2));
    assert!(
        layout(&h).fx.contains_rect(chip),
        "the chips are on the FX page"
    );
    let knob = rect_of(&h, control_rect_id("fx_dly_fb")).center();
    assert!(
        h.ctx
            .data(|d| d.get_temp::<RingShown>(ring_id("fx_dly_fb")))
            .is_none(),
        "no ring before a slot moves it"
    );
    h.drag(chip.center(), knob - chip.center(), 6);
    h.frame(Vec::new());
    let m = backend.matrix();
    assert_eq!(m.active(), 1, "{:?}", backend.log());
    let slot = m.slots.iter().find(|s| s.is_active()).expect("a slot");
    assert_eq!(
        (slot.source, slot.destination, slot.amount),
        (Source::Lfo2, Destination::FxDelayFeedback, DROP_AMOUNT)
    );
    // The knob now wears the ring: ±25 % of feedback around 40 % (a bipolar LFO).
    let ring: RingShown = h
        .ctx
        .data(|d| d.get_temp(ring_id("fx_dly_fb")))
        .expect("the modulated knob paints a ring");
    let table = h.app.table();
    let entry = table.get("fx_dly_fb").expect("the feedback knob");
    let plain = entry.plain();
    let want = (
        entry.normalized_of(plain - 25.0),
        entry.normalized_of(plain + 25.0),
    );
    assert!(
        (ring.from - want.0).abs() < 1e-4 && (ring.to - want.1).abs() < 1e-4,
        "ring {:?}..{:?}, want {want:?}",
        ring.from,
        ring.to
    );
    assert_eq!(ring.dots, 0, "an effect destination has no per-voice dots");
    // The header's mix knob takes a chip too.
    let mix = rect_of(&h, control_rect_id("fx_dly_mix")).center();
    let chip = rect_of(&h, chip_rect_id(Source::Macro1)).center();
    h.drag(chip, mix - chip, 6);
    h.frame(Vec::new());
    assert!(backend
        .matrix()
        .slots
        .iter()
        .any(|s| s.is_active() && s.destination == Destination::FxDelayMix));
}
