//! The keyboard strip driven headless: what the pointer, the computer keys, the wheels and a
//! focus loss send to the audio thread's end of the live note path.

mod common;

use std::sync::Arc;

use common::demo_params::DemoParams;
use egui::{pos2, vec2, Key, Pos2};
use wavecube_gui::handle::LiveEvent;
use wavecube_gui::testing::Headless;
use wavecube_gui::views::keyboard::{
    computer_key_semitone, DEFAULT_COMPUTER_C, DEFAULT_COMPUTER_VELOCITY, MIN_CLICK_VELOCITY,
};

fn editor() -> Headless {
    let params = Arc::new(DemoParams::default());
    let mut h = Headless::new(params);
    h.frame(Vec::new());
    h
}

/// Everything the editor sent since the last call.
fn sent(h: &mut Headless) -> Vec<LiveEvent> {
    let rx = h.live_rx.as_mut().expect("the editor's own live path");
    std::iter::from_fn(|| rx.pop()).collect()
}

/// A point on `note`'s key, `depth` (0 back edge .. 1 front edge) down it.
fn on_key(h: &Headless, note: u8, depth: f32) -> Pos2 {
    let r = h
        .app
        .keyboard_view()
        .key_rect(note)
        .unwrap_or_else(|| panic!("key {note} is not shown"));
    pos2(r.center().x, r.min.y + depth * r.height())
}

#[test]
fn a_click_plays_with_velocity_from_its_height_and_the_release_ends_it() {
    let mut h = editor();
    let c4 = 60;
    // Near the front edge: loud.
    h.hover(on_key(&h, c4, 0.9));
    h.press();
    let on = sent(&mut h);
    assert_eq!(on.len(), 1, "{on:?}");
    let LiveEvent::NoteOn { note, velocity } = on[0] else {
        panic!("{on:?}");
    };
    assert_eq!(note, c4);
    let expected = MIN_CLICK_VELOCITY + (1.0 - MIN_CLICK_VELOCITY) * 0.9;
    assert!(
        (velocity - expected).abs() < 0.02,
        "{velocity} vs {expected}"
    );
    assert_eq!(h.app.keyboard_view().held_notes(), vec![c4]);
    h.release();
    assert_eq!(sent(&mut h), vec![LiveEvent::NoteOff { note: c4 }]);
    assert!(h.app.keyboard_view().held_notes().is_empty());

    // Near the back edge of a black key: soft.
    h.hover(on_key(&h, 61, 0.1));
    h.press();
    h.release();
    let ev = sent(&mut h);
    match ev.as_slice() {
        [LiveEvent::NoteOn { note: 61, velocity }, LiveEvent::NoteOff { note: 61 }] => {
            assert!(*velocity < 0.3, "a click near the back is soft: {velocity}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn dragging_across_the_keys_is_a_glissando_with_one_note_at_a_time() {
    let mut h = editor();
    // C4 to G4 along the white keys' front (below the black keys).
    let from = on_key(&h, 60, 0.85);
    let to = on_key(&h, 67, 0.85);
    h.drag(from, to - from, 14);
    let ev = sent(&mut h);
    let mut held: Option<u8> = None;
    let mut played = Vec::new();
    for e in &ev {
        match *e {
            LiveEvent::NoteOn { note, .. } => {
                assert_eq!(held, None, "two notes at once: {ev:?}");
                held = Some(note);
                played.push(note);
            }
            LiveEvent::NoteOff { note } => {
                assert_eq!(held, Some(note), "{ev:?}");
                held = None;
            }
            _ => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(held, None, "the release ended the last note");
    assert_eq!(played, vec![60, 62, 64, 65, 67]);
}

#[test]
fn the_computer_keyboard_plays_two_rows_shifts_octaves_and_releases_on_focus_loss() {
    let mut h = editor();
    let c = DEFAULT_COMPUTER_C;
    // A C major triad on the lower row, the C above on the upper row.
    for key in [Key::Z, Key::C, Key::B, Key::Q] {
        h.key_down(key);
    }
    let on = sent(&mut h);
    let notes: Vec<u8> = on
        .iter()
        .map(|e| match *e {
            LiveEvent::NoteOn { note, velocity } => {
                assert_eq!(velocity, DEFAULT_COMPUTER_VELOCITY);
                note
            }
            _ => panic!("{on:?}"),
        })
        .collect();
    assert_eq!(notes, vec![c, c + 4, c + 7, c + 12]);
    // The held keys show as pressed.
    assert_eq!(
        h.app.keyboard_view().held_notes(),
        vec![c, c + 4, c + 7, c + 12]
    );
    // Releasing one key releases its note.
    h.key_up(Key::C);
    assert_eq!(sent(&mut h), vec![LiveEvent::NoteOff { note: c + 4 }]);
    // Losing focus releases everything else: no stuck note.
    h.focus_lost();
    let mut off = sent(&mut h);
    off.sort_by_key(|e| match e {
        LiveEvent::NoteOff { note } => *note,
        _ => 255,
    });
    assert_eq!(
        off,
        vec![
            LiveEvent::NoteOff { note: c },
            LiveEvent::NoteOff { note: c + 7 },
            LiveEvent::NoteOff { note: c + 12 },
        ]
    );
    // A key released after the focus came back sends nothing more.
    h.key_up(Key::Z);
    assert!(sent(&mut h).is_empty());

    // Octave up, velocity up: Z now plays the C above, louder.
    h.key(Key::Equals);
    h.key(Key::CloseBracket);
    assert_eq!(h.app.keyboard_view().computer_c(), c + 12);
    h.key(Key::Z);
    match sent(&mut h).as_slice() {
        [LiveEvent::NoteOn { note, velocity }, LiveEvent::NoteOff { note: off }] => {
            assert_eq!((*note, *off), (c + 12, c + 12));
            assert!(*velocity > DEFAULT_COMPUTER_VELOCITY);
        }
        other => panic!("{other:?}"),
    }
    // A note changed octave while held is released where it started.
    h.key_down(Key::X);
    h.key(Key::Minus);
    h.key_up(Key::X);
    assert_eq!(
        sent(&mut h),
        vec![
            LiveEvent::NoteOn {
                note: c + 14,
                velocity: h.app.keyboard_view().computer_velocity()
            },
            LiveEvent::NoteOff { note: c + 14 },
        ]
    );
}

#[test]
fn shortcuts_and_repeats_do_not_play() {
    let mut h = editor();
    h.set_modifiers(egui::Modifiers::COMMAND);
    h.key(Key::Z);
    h.set_modifiers(egui::Modifiers::NONE);
    assert!(sent(&mut h).is_empty(), "Ctrl/Cmd+Z is undo, not a note");
    // Every piano key maps to a distinct semitone within its row.
    let lower = [
        Key::Z,
        Key::S,
        Key::X,
        Key::D,
        Key::C,
        Key::V,
        Key::G,
        Key::B,
        Key::H,
        Key::N,
        Key::J,
        Key::M,
    ];
    for (k, key) in lower.iter().enumerate() {
        assert_eq!(computer_key_semitone(*key), Some(k as u8));
    }
    assert_eq!(computer_key_semitone(Key::A), None);
}

#[test]
fn the_wheels_send_bend_that_springs_back_and_a_mod_wheel_that_stays() {
    let mut h = editor();
    let layout = wavecube_gui::app::Layout::of(egui::Rect::from_min_size(pos2(0.0, 0.0), h.size));
    let k = layout.keyboard;
    // The bend wheel is the first slot of the side column, the mod wheel the second.
    let bend = pos2(k.min.x + 6.0 + 2.0 + 9.0, k.center().y - 6.0);
    let modw = pos2(k.min.x + 6.0 + 2.0 + 26.0 + 9.0, k.center().y - 6.0);
    h.drag(bend, vec2(0.0, -40.0), 4);
    let ev = sent(&mut h);
    let bends: Vec<f32> = ev
        .iter()
        .map(|e| match *e {
            LiveEvent::PitchBend(v) => v,
            _ => panic!("{ev:?}"),
        })
        .collect();
    assert!(
        bends.iter().any(|&v| v > 0.9),
        "dragged up to the top: {bends:?}"
    );
    assert_eq!(bends.last(), Some(&0.0), "springs back: {bends:?}");
    assert_eq!(h.app.keyboard_view().bend(), 0.0);

    h.drag(modw, vec2(0.0, -10.0), 2);
    let ev = sent(&mut h);
    let Some(LiveEvent::ModWheel(last)) = ev.last().copied() else {
        panic!("{ev:?}");
    };
    assert!(last > 0.6 && last <= 1.0, "{ev:?}");
    assert_eq!(h.app.keyboard_view().mod_wheel(), last, "it stays");
}

#[test]
fn the_octave_buttons_shift_the_range_within_midi() {
    let mut h = editor();
    let low = h.app.keyboard_view().low_c();
    assert!(h.app.keyboard_view().key_rect(low).is_some());
    let layout = wavecube_gui::app::Layout::of(egui::Rect::from_min_size(pos2(0.0, 0.0), h.size));
    let k = layout.keyboard.shrink(6.0);
    let down = pos2(k.min.x + 58.0 + 11.0, k.min.y + 9.0);
    h.click(down);
    h.frame(Vec::new());
    assert_eq!(h.app.keyboard_view().low_c(), low - 12);
    for _ in 0..12 {
        h.click(down);
    }
    h.frame(Vec::new());
    assert_eq!(h.app.keyboard_view().low_c(), 0, "stops at C-1");
    assert!(h.app.keyboard_view().key_rect(0).is_some());
}
