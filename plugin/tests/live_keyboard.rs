//! The editor's keyboard played into the plugin: chords from the on-screen keyboard
//! (shift-click latches) and the computer keyboard, driven through egui's test input,
//! travel the live note path into `process` (allocation-free) and are measured in the
//! output; releases and a focus loss leave no note sounding.

mod common;

use std::sync::Arc;

use common::{note_on, Host, MAX_BLOCK, SR};
use egui::{pos2, Key, Modifiers, Pos2};
use nice_plug::prelude::Plugin;
use wavecube_dsp::analysis::{rms, WindowedSegment};
use wavecube_gui::testing::{Headless, MockBackend};
use wavecube_gui::views::keyboard::DEFAULT_COMPUTER_C;

/// Frequency of MIDI `note`, Hz (A4 = 440 Hz).
fn hz(note: u8) -> f64 {
    440.0 * 2f64.powf((f64::from(note) - 69.0) / 12.0)
}

/// The plugin with default parameters, and an editor whose notes go to it.
fn rig() -> (Host, Headless) {
    let host = Host::new(&[]);
    let params = host.plugin.params();
    let mut editor = Headless::with_live(
        params,
        Arc::new(MockBackend::default()),
        None,
        host.plugin.live_input(),
    );
    editor.frame(Vec::new());
    (host, editor)
}

/// A point near the front of `note`'s key.
fn key_point(editor: &Headless, note: u8) -> Pos2 {
    let r = editor
        .app
        .keyboard_view()
        .key_rect(note)
        .unwrap_or_else(|| panic!("key {note} is not shown"));
    pos2(r.center().x, r.min.y + 0.8 * r.height())
}

/// Renders `seconds` of audio in host blocks.
fn render(host: &mut Host, seconds: f32) {
    host.run((seconds * SR) as usize, MAX_BLOCK);
}

/// Asserts the last `seconds` of the output hold `chord` (each fundamental at the expected
/// pitch, well above every semitone of the two octaves around it that is not played).
#[track_caller]
fn assert_chord(host: &Host, chord: &[u8], seconds: f32) {
    let out = &host.out[0];
    let n = (seconds * SR) as usize;
    let tail = &out[out.len() - n..];
    let seg = WindowedSegment::new(tail, f64::from(SR)).expect("a segment");
    let bin = seg.bin_hz();
    let lowest = chord.iter().copied().min().unwrap_or(60);
    let others: Vec<f64> = (lowest.saturating_sub(12)..=lowest + 12)
        .filter(|n| !chord.contains(n))
        .map(|n| seg.dtft_amplitude(hz(n)))
        .collect();
    let loudest_other = others.iter().copied().fold(0.0, f64::max);
    for &note in chord {
        let f = hz(note);
        let amp = seg.dtft_amplitude(f);
        assert!(
            amp > 10.0 * loudest_other && amp > 1e-3,
            "note {note}: {amp:.2e} at {f:.2} Hz vs {loudest_other:.2e} at unplayed semitones"
        );
        let peak = seg.refine_peak(f - 1.5 * bin, f + 1.5 * bin);
        let cents = 1200.0 * (peak / f).log2();
        assert!(
            cents.abs() < 2.0,
            "note {note}: peak {peak:.3} Hz, {cents:.2} cents from {f:.3} Hz"
        );
    }
}

/// Asserts the output has died away: the last 50 ms under −80 dBFS.
#[track_caller]
fn assert_silent(host: &Host, what: &str) {
    let out = &host.out[0];
    let tail = &out[out.len() - (0.05 * SR) as usize..];
    let level = rms(tail);
    assert!(level < 1e-4, "{what}: RMS {level:.2e} still sounding");
}

#[test]
fn a_chord_latched_on_the_on_screen_keyboard_sounds_and_releases() {
    let (mut host, mut editor) = rig();
    let chord = [60u8, 64, 67];
    editor.set_modifiers(Modifiers::SHIFT);
    for note in chord {
        editor.click(key_point(&editor, note));
    }
    editor.set_modifiers(Modifiers::NONE);
    assert_eq!(editor.app.keyboard_view().held_notes(), chord.to_vec());
    render(&mut host, 0.8);
    assert_chord(&host, &chord, 0.5);
    assert_eq!(host.violations, 0, "process allocated");

    // Shift-clicking each again lets it go.
    editor.set_modifiers(Modifiers::SHIFT);
    for note in chord {
        editor.click(key_point(&editor, note));
    }
    editor.set_modifiers(Modifiers::NONE);
    assert!(editor.app.keyboard_view().held_notes().is_empty());
    render(&mut host, 3.0);
    assert_silent(&host, "after the on-screen chord's release");
    assert_eq!(host.violations, 0, "process allocated");
}

#[test]
fn a_chord_on_the_computer_keyboard_sounds_and_key_releases_end_it() {
    let (mut host, mut editor) = rig();
    let c = DEFAULT_COMPUTER_C;
    // C minor seventh: Z (C), D (E♭), B (G), and the upper row's 7 (B♭ above).
    for key in [Key::Z, Key::D, Key::B, Key::Num7] {
        editor.key_down(key);
    }
    let chord = [c, c + 3, c + 7, c + 22];
    render(&mut host, 0.8);
    assert_chord(&host, &chord, 0.5);
    for key in [Key::Z, Key::D, Key::B, Key::Num7] {
        editor.key_up(key);
    }
    render(&mut host, 3.0);
    assert_silent(&host, "after the keys came up");
    assert_eq!(host.violations, 0, "process allocated");
}

#[test]
fn losing_focus_releases_the_computer_keyboard_and_host_notes_show_on_the_keys() {
    let (mut host, mut editor) = rig();
    for key in [Key::Q, Key::E] {
        editor.key_down(key);
    }
    render(&mut host, 0.3);
    let sounding = rms(&host.out[0][host.out[0].len() - 4800..]);
    assert!(sounding > 1e-3, "the keys play: RMS {sounding:.2e}");
    editor.focus_lost();
    render(&mut host, 3.0);
    assert_silent(&host, "after the focus loss");

    // A note from the host is drawn pressed: the audio thread publishes the host's keys.
    host.block(MAX_BLOCK, &[note_on(0, 7, 72, 0.8)]);
    let keys = host.plugin.live_input().host_keys();
    assert!(wavecube_gui::handle::key_is_set(keys, 72));
    assert!(!wavecube_gui::handle::key_is_set(keys, 60));
    assert_eq!(host.violations, 0, "process allocated");
}
