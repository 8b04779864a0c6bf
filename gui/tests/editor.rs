//! The editor driven headless: every view draws from recorded telemetry, and every way of
//! changing a parameter reaches the host as begin/set/end.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::demo_params::DemoParams;
use egui::{pos2, vec2, Key, Modifiers, Pos2, Rect};
use nice_plug::prelude::{Param, ParamPtr, Params};
use wavecube_dsp::bank::export::export_clm_wav;
use wavecube_dsp::bank::factory::factory_bank;
use wavecube_gui::app::Layout;
use wavecube_gui::param_table::SECTIONS;
use wavecube_gui::testing::{record_telemetry, Headless, HostCall, MockBackend};
use wavecube_gui::views::browser::{import_file, BrowserTab};
use wavecube_gui::views::cube::{CubeView, Projection, DEFAULT_PITCH, DEFAULT_YAW};
use wavecube_gui::widgets::control_rect_id;

fn editor() -> (Headless, Arc<DemoParams>) {
    let params = Arc::new(DemoParams::default());
    let mut h = Headless::new(params.clone());
    h.frame(Vec::new());
    (h, params)
}

fn layout(h: &Headless) -> Layout {
    Layout::of(Rect::from_min_size(pos2(0.0, 0.0), h.size))
}

/// The rect the control of `id` had in the last frame.
fn control(h: &Headless, id: &str) -> Rect {
    h.ctx
        .data(|d| d.get_temp::<Rect>(control_rect_id(id)))
        .unwrap_or_else(|| panic!("no control drawn for {id}"))
}

/// The calls as "begin id", "set id", "end id".
fn ids_of(params: &DemoParams, calls: &[HostCall]) -> Vec<String> {
    let ids: HashMap<ParamPtr, String> = params
        .param_map()
        .into_iter()
        .map(|(id, ptr, _)| (ptr, id))
        .collect();
    calls
        .iter()
        .map(|c| {
            let (kind, ptr) = match c {
                HostCall::Begin(p) => ("begin", p),
                HostCall::Set(p, _) => ("set", p),
                HostCall::End(p) => ("end", p),
            };
            format!("{kind} {}", ids.get(ptr).map_or("?", String::as_str))
        })
        .collect()
}

#[test]
fn every_parameter_is_in_a_section_in_the_issue_order() {
    let (h, params) = editor();
    let table = h.app.table();
    let in_sections: usize = table
        .sections()
        .iter()
        .flat_map(|s| &s.rows)
        .map(|r| r.params.len())
        .sum();
    assert_eq!(in_sections, params.param_map().len());
    let names: Vec<&str> = table.sections().iter().map(|s| s.name.as_str()).collect();
    // The stand-in has every group but "Body" (the plugin adds it later), then the effects
    // (group "Effects/<slot>"), which the FX tab shows instead of the controls view.
    let expected: Vec<&str> = SECTIONS
        .iter()
        .copied()
        .filter(|s| *s != "Body")
        .chain([wavecube_gui::views::fx::FX_SECTION])
        .collect();
    assert_eq!(names, expected);
    let lfos = &table.sections()[3];
    assert_eq!(lfos.rows.len(), 2);
    assert_eq!(table.entry(lfos.rows[0].params[0]).short_name(), "Rate");
}

#[test]
fn frames_draw_every_view_from_recorded_telemetry() {
    let (mut h, _params) = editor();
    let recording = record_telemetry(6.0, 50.0);
    let mut primitives = 0;
    for frame in &recording.frames {
        h.send(frame);
        primitives = h.frame_and_tessellate();
    }
    let t = h.app.telemetry();
    assert!(t.messages() > 500, "only {} messages", t.messages());
    assert_eq!(t.dropped(), 0);
    assert!(!t.voices().is_empty(), "no voices sounding");
    assert!(t.chords().len() >= 5, "{} chords", t.chords().len());
    let names: Vec<&str> = t.chords().iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"Dm7") && names.contains(&"G7"), "{names:?}");
    assert!(t.bands_in_use() == 6 && !t.band(0).is_empty());
    assert!(t.audio().peak() > 0.01, "silent output");
    // Sculpt renders are throttled to at most 15 a second of editor time.
    let seconds = recording.frames.len() as f64 * 0.02;
    let renders = h.app.sculpt_view_mut().renders();
    assert!(
        renders >= 2 && renders as f64 <= 15.0 * seconds + 1.0,
        "{renders} renders in {seconds} s"
    );
    assert!(primitives > 20, "{primitives} primitives");
    assert!(
        h.app.status().is_none_or(|(_, error)| !error),
        "{:?}",
        h.app.status()
    );
}

#[test]
fn dragging_the_base_point_sets_the_morph_through_the_host() {
    let (mut h, params) = editor();
    let canvas = CubeView::canvas(layout(&h).cube);
    let proj = Projection::new(canvas, DEFAULT_YAW, DEFAULT_PITCH);
    let before = [
        params.morph.x.value(),
        params.morph.y.value(),
        params.morph.z.value(),
    ];
    let (at, _) = proj.project(before);
    h.host.clear();
    h.drag(at, vec2(40.0, -30.0), 6);
    let calls = ids_of(&params, &h.host.calls());
    assert_eq!(
        &calls[..3],
        ["begin mx", "begin my", "begin mz"],
        "{calls:?}"
    );
    assert_eq!(
        &calls[calls.len() - 3..],
        ["end mx", "end my", "end mz"],
        "{calls:?}"
    );
    assert!(calls[3..calls.len() - 3]
        .iter()
        .all(|c| c.starts_with("set m")));
    let after = [
        params.morph.x.value(),
        params.morph.y.value(),
        params.morph.z.value(),
    ];
    // The point follows the pointer: projected again, it sits where the drag ended.
    let (now, _) = proj.project(after);
    assert!(
        now.distance(at + vec2(40.0, -30.0)) < 3.0,
        "{at:?} → {now:?}"
    );
    assert!(after != before);
    assert_eq!(h.app.cube_view().rotation(), (DEFAULT_YAW, DEFAULT_PITCH));
}

#[test]
fn dragging_elsewhere_rotates_and_a_double_click_resets() {
    let (mut h, params) = editor();
    let canvas = CubeView::canvas(layout(&h).cube);
    let corner = canvas.left_top() + vec2(12.0, 30.0);
    h.host.clear();
    h.drag(corner, vec2(50.0, 20.0), 5);
    let (yaw, pitch) = h.app.cube_view().rotation();
    assert!((yaw - DEFAULT_YAW - 0.5).abs() < 1e-3, "yaw {yaw}");
    assert!((pitch - DEFAULT_PITCH - 0.2).abs() < 1e-3, "pitch {pitch}");
    assert!(h.host.calls().is_empty(), "rotating set parameters");
    h.frame(Vec::new());
    h.double_click(corner);
    assert_eq!(h.app.cube_view().rotation(), (DEFAULT_YAW, DEFAULT_PITCH));
    assert_eq!(params.morph.x.value(), 0.35);
}

#[test]
fn a_knob_drag_is_one_gesture_and_shift_drags_finer() {
    let (mut h, params) = editor();
    let knob = control(&h, "glide").center();
    let n0 = params.glide.modulated_normalized_value();
    h.host.clear();
    h.drag(knob, vec2(0.0, -40.0), 4);
    let calls = ids_of(&params, &h.host.calls());
    assert_eq!(
        calls.first().map(String::as_str),
        Some("begin glide"),
        "{calls:?}"
    );
    assert_eq!(
        calls.last().map(String::as_str),
        Some("end glide"),
        "{calls:?}"
    );
    assert_eq!(calls.iter().filter(|c| c.starts_with("begin")).count(), 1);
    let n1 = params.glide.modulated_normalized_value();
    let coarse = n1 - n0;
    assert!(
        (coarse - 0.2).abs() < 0.01,
        "40 points moved {coarse}, want 0.2"
    );

    h.set_modifiers(Modifiers::SHIFT);
    h.drag(knob, vec2(0.0, -40.0), 4);
    h.set_modifiers(Modifiers::NONE);
    let fine = params.glide.modulated_normalized_value() - n1;
    assert!(
        (fine - 0.02).abs() < 0.002,
        "shift-drag moved {fine}, want 0.02"
    );
}

#[test]
fn double_click_resets_and_arrows_step_a_focused_knob() {
    let (mut h, params) = editor();
    let knob = control(&h, "bend").center();
    h.drag(knob, vec2(0.0, -30.0), 3);
    assert_ne!(params.bend.value(), 2);
    h.host.clear();
    h.double_click(knob);
    assert_eq!(
        params.bend.value(),
        2,
        "double-click returns to the default"
    );
    let calls = ids_of(&params, &h.host.calls());
    assert!(
        calls
            .windows(3)
            .any(|w| w == ["begin bend", "set bend", "end bend"]),
        "{calls:?}"
    );

    // The click focused the knob: arrows step it, one complete change each.
    h.key(Key::ArrowUp);
    h.key(Key::ArrowUp);
    assert_eq!(params.bend.value(), 4);
    h.key(Key::ArrowDown);
    assert_eq!(params.bend.value(), 3);
    h.key(Key::Delete);
    assert_eq!(params.bend.value(), 2);
}

#[test]
fn switches_and_menus_set_their_parameters() {
    let (mut h, params) = editor();
    let filter = h
        .app
        .table()
        .sections()
        .iter()
        .position(|s| s.name == "Filter")
        .expect("a Filter tab");
    h.app.controls_view_mut().set_section(filter);
    h.frame(Vec::new());
    let switch = control(&h, "flt_on").center();
    h.click(switch);
    assert!(params.filter.on.value());
    h.click(switch);
    assert!(!params.filter.on.value());

    // The menu opens on a click and sets the value picked.
    let menu = control(&h, "flt_ty");
    h.click(menu.center());
    h.frame(Vec::new());
    // Items are listed under the box, one row each: pick the third.
    let third = pos2(menu.center().x, menu.max.y + 8.0 + 2.5 * 22.0);
    h.click(third);
    h.frame(Vec::new());
    assert_eq!(
        params.filter.kind.value(),
        common::demo_params::Choice3::C,
        "menu pick"
    );
}

#[test]
fn the_startup_patch_is_applied_once_and_banks_switch_from_the_browser() {
    let params = Arc::new(DemoParams::default());
    let backend = Arc::new(MockBackend::default());
    let mut h = Headless::with_backend(params, backend.clone(), Some("cube-orbit".to_owned()));
    h.frame(Vec::new());
    h.frame(Vec::new());
    assert_eq!(backend.log(), ["patch Cube Orbit"]);

    h.app.browser_view_mut().set_tab(BrowserTab::Banks);
    h.frame(Vec::new());
    let content = wavecube_gui::theme::content_rect(layout(&h).browser);
    // Rows are 24 points high, 4 apart: the fourth is FM Cube.
    let row = |k: f32| Pos2::new(content.center().x, content.min.y + k * 28.0 + 12.0);
    h.click(row(3.0));
    h.frame(Vec::new());
    assert_eq!(
        backend.log().last().map(String::as_str),
        Some("bank fm-cube")
    );
    assert_eq!(backend.current_cube_name(), "FM Cube");
}

#[test]
fn imports_turn_any_format_into_a_bank_and_report_errors() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gui-import");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cube = factory_bank("vowel-formants").expect("factory bank");
    let wav = dir.join("vowels.wav");
    std::fs::write(&wav, export_clm_wav(&cube).expect("exports").bytes).unwrap();
    let (name, bytes, _notes) = import_file(&wav).expect("a clm WAV imports");
    assert_eq!(name, "Vowel Formants");
    let back = wavecube_dsp::bank::read_wcube(&bytes).expect("valid .wcube");
    assert_eq!(back.dims(), cube.dims());

    let junk = dir.join("junk.bin");
    std::fs::write(&junk, b"\x00\x01 not a wavetable").unwrap();
    let err = import_file(&junk).expect_err("junk is refused");
    assert!(err.contains("junk.bin"), "{err}");
    let err = import_file(&dir.join("missing.wav")).expect_err("missing file");
    assert!(err.contains("missing.wav"), "{err}");
}

#[test]
fn capture_export_reports_the_saved_file() {
    let (mut h, _params) = editor();
    let path = std::path::PathBuf::from("/tmp/wavecube-test-capture.wav");
    // The browser asks the synth, then picks up the result on a later frame.
    let ctx_frame = |h: &mut Headless| h.frame(Vec::new());
    h.app.browser_view_mut().set_tab(BrowserTab::Patches);
    ctx_frame(&mut h);
    h.app.request_capture_export(path.clone());
    ctx_frame(&mut h);
    ctx_frame(&mut h);
    assert_eq!(
        h.backend.log().last(),
        Some(&format!("export {}", path.display()))
    );
    let status = h.app.status().expect("a message");
    assert!(
        status.0.contains("wavecube-test-capture.wav") && !status.1,
        "{status:?}"
    );
}

#[test]
fn the_editor_draws_at_the_smallest_and_a_large_window_size() {
    let (mut h, _params) = editor();
    let recording = record_telemetry(1.0, 50.0);
    for size in [
        vec2(900.0, 600.0),
        vec2(1600.0, 1000.0),
        vec2(1100.0, 720.0),
    ] {
        h.size = size;
        for frame in &recording.frames {
            h.send(frame);
            assert!(h.frame_and_tessellate() > 20, "{size:?}");
        }
        // Every control of the open tab is inside the controls view.
        let controls = layout(&h).controls;
        let glide = control(&h, "glide");
        assert!(
            controls.contains_rect(glide),
            "{size:?}: {glide:?} outside {controls:?}"
        );
    }
}
