//! The keyboard strip along the editor's bottom edge: pitch-bend and mod wheels, the octave
//! range with shift buttons, and an on-screen piano played by click and drag (velocity from
//! the click height), plus the computer keyboard as a piano while the editor has focus.
//!
//! Everything played here becomes [`LiveEvent`]s on the [`LiveInput`] ring, which the plugin
//! drains at the start of each `process` call and merges with the host's MIDI: the synth
//! cannot tell these notes from a controller's. Every note started is ended: a note-off
//! follows the pointer's release, the pointer leaving the key, the computer key's release
//! and the window losing focus; events the ring cannot take yet wait here, in order, for
//! the next frame.

use std::collections::VecDeque;

use egui::{pos2, vec2, Align2, Color32, Event, Key, Pos2, Rect, Sense, Stroke, Ui};

use crate::frame::FrameCx;
use crate::handle::{key_is_set, LiveEvent, LiveInput};
use crate::theme;

/// Height of the keyboard strip, points, for a window of height `window_h` points.
pub fn strip_height(window_h: f32) -> f32 {
    (window_h * 0.1).round().clamp(60.0, 96.0)
}

/// Width of the wheels and octave column left of the keys, points.
pub const SIDE_W: f32 = 168.0;
/// Narrowest white key, points: more width shows more octaves.
pub const MIN_WHITE_W: f32 = 13.0;
/// Most octaves shown.
pub const MAX_OCTAVES: u8 = 10;
/// Lowest note first shown (C2).
pub const DEFAULT_LOW_C: u8 = 36;
/// The note the computer keyboard's Z key plays at first (C3); Q plays an octave above.
pub const DEFAULT_COMPUTER_C: u8 = 48;
/// Velocity of computer-keyboard notes at first, 0..1.
pub const DEFAULT_COMPUTER_VELOCITY: f32 = 0.8;
/// Velocity step of the velocity keys.
pub const VELOCITY_STEP: f32 = 0.1;
/// Softest velocity of a click (at a key's top edge); the front edge plays 1.0.
pub const MIN_CLICK_VELOCITY: f32 = 0.15;
/// Events held back (the ring was full) beyond which the backlog is replaced by note-offs.
const MAX_BACKLOG: usize = 2048;

/// How the computer keyboard is laid out, for the tooltip and the docs.
pub const COMPUTER_KEYS_HELP: &str = "Computer keyboard (while the editor has focus):\n\
    Z S X D C V G B H N J M , L . ; /  — lower octave, from C\n\
    Q 2 W 3 E R 5 T 6 Y 7 U I 9 O 0 P  — an octave higher\n\
    - / =  octave down / up    [ / ]  velocity down / up\n\
    Releasing a key (or leaving the window) releases its note.";

/// The semitone above the computer keyboard's C that `key` plays, if it is a piano key.
///
/// The lower row (Z S X D C V G B H N J M , L . ; /) runs from C to the E above the next C;
/// the upper row (Q 2 W 3 E R 5 T 6 Y 7 U I 9 O 0 P) from that next C up to the E after
/// the one above it, as in Bitwig, Ableton Live's two-row mode and Vital.
pub fn computer_key_semitone(key: Key) -> Option<u8> {
    Some(match key {
        Key::Z => 0,
        Key::S => 1,
        Key::X => 2,
        Key::D => 3,
        Key::C => 4,
        Key::V => 5,
        Key::G => 6,
        Key::B => 7,
        Key::H => 8,
        Key::N => 9,
        Key::J => 10,
        Key::M => 11,
        Key::Comma => 12,
        Key::L => 13,
        Key::Period => 14,
        Key::Semicolon => 15,
        Key::Slash => 16,
        Key::Q => 12,
        Key::Num2 => 13,
        Key::W => 14,
        Key::Num3 => 15,
        Key::E => 16,
        Key::R => 17,
        Key::Num5 => 18,
        Key::T => 19,
        Key::Num6 => 20,
        Key::Y => 21,
        Key::Num7 => 22,
        Key::U => 23,
        Key::I => 24,
        Key::Num9 => 25,
        Key::O => 26,
        Key::Num0 => 27,
        Key::P => 28,
        _ => return None,
    })
}

/// True for the black keys' pitch classes.
pub fn is_black(note: u8) -> bool {
    matches!(note % 12, 1 | 3 | 6 | 8 | 10)
}

/// The name of a C, e.g. 60 → "C4" (MIDI 60 is middle C, C4).
pub fn c_name(note: u8) -> String {
    format!("C{}", i32::from(note / 12) - 1)
}

/// One key as drawn in the last frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyRect {
    /// MIDI note.
    pub note: u8,
    /// Where it was drawn (a black key's rect covers the top of its white neighbours).
    pub rect: Rect,
}

/// The keyboard strip's state.
#[derive(Debug)]
pub struct KeyboardView {
    /// Lowest note shown (always a C).
    low_c: u8,
    /// The note the computer keyboard's Z key plays (always a C).
    computer_c: u8,
    /// Velocity of computer-keyboard notes, 0..1.
    computer_velocity: f32,
    /// The note the pointer holds.
    pointer_note: Option<u8>,
    /// Notes latched by shift-clicks (held until shift-clicked again).
    latched: [bool; 128],
    /// True from a shift-press until its button comes up (the pointer plays nothing then).
    latch_gesture: bool,
    /// Computer keys held and the note each started.
    computer_held: Vec<(Key, u8)>,
    /// How many of the pointer and the computer keys hold each note.
    holders: [u8; 128],
    /// The pitch-bend wheel, −1..1, and the value last sent.
    bend: f32,
    bend_sent: f32,
    /// The mod wheel, 0..1, and the value last sent.
    wheel: f32,
    wheel_sent: f32,
    /// Events the ring could not take yet, oldest first.
    backlog: VecDeque<LiveEvent>,
    /// The keys drawn in the last frame: white keys, then black keys.
    keys: Vec<KeyRect>,
}

impl Default for KeyboardView {
    fn default() -> Self {
        Self {
            low_c: DEFAULT_LOW_C,
            computer_c: DEFAULT_COMPUTER_C,
            computer_velocity: DEFAULT_COMPUTER_VELOCITY,
            pointer_note: None,
            latched: [false; 128],
            latch_gesture: false,
            computer_held: Vec::with_capacity(32),
            holders: [0; 128],
            bend: 0.0,
            bend_sent: 0.0,
            wheel: 0.0,
            wheel_sent: 0.0,
            backlog: VecDeque::with_capacity(64),
            keys: Vec::with_capacity(128),
        }
    }
}

impl KeyboardView {
    /// The lowest note shown (a C).
    pub fn low_c(&self) -> u8 {
        self.low_c
    }

    /// The note the computer keyboard's Z key plays (a C; Q plays 12 above).
    pub fn computer_c(&self) -> u8 {
        self.computer_c
    }

    /// The computer keyboard's velocity, 0..1.
    pub fn computer_velocity(&self) -> f32 {
        self.computer_velocity
    }

    /// The notes the editor holds (pointer and computer keys), ascending.
    pub fn held_notes(&self) -> Vec<u8> {
        (0..=127u8)
            .filter(|&n| self.holders[usize::from(n)] > 0)
            .collect()
    }

    /// The pitch-bend wheel, −1..1.
    pub fn bend(&self) -> f32 {
        self.bend
    }

    /// The mod wheel, 0..1.
    pub fn mod_wheel(&self) -> f32 {
        self.wheel
    }

    /// Where `note`'s key was drawn in the last frame, if it was.
    pub fn key_rect(&self, note: u8) -> Option<Rect> {
        self.keys.iter().find(|k| k.note == note).map(|k| k.rect)
    }

    /// The note under `pos` in the last frame's keys (black keys first: they lie on top).
    pub fn key_at(&self, pos: Pos2) -> Option<u8> {
        self.keys
            .iter()
            .rev()
            .find(|k| k.rect.contains(pos))
            .map(|k| k.note)
    }

    /// Starts one hold of `note`; the synth hears a note-on when it was not held.
    fn press(&mut self, note: u8, velocity: f32) {
        let n = &mut self.holders[usize::from(note.min(127))];
        *n = n.saturating_add(1);
        if *n == 1 {
            self.backlog.push_back(LiveEvent::NoteOn {
                note,
                velocity: velocity.clamp(0.0, 1.0),
            });
        }
    }

    /// Ends one hold of `note`; the synth hears a note-off when none is left.
    fn release(&mut self, note: u8) {
        let n = &mut self.holders[usize::from(note.min(127))];
        if *n == 0 {
            return;
        }
        *n -= 1;
        if *n == 0 {
            self.backlog.push_back(LiveEvent::NoteOff { note });
        }
    }

    /// Releases every note the computer keyboard holds.
    fn release_computer_keys(&mut self) {
        while let Some((_, note)) = self.computer_held.pop() {
            self.release(note);
        }
    }

    /// Releases everything the editor holds (the window lost focus).
    pub fn release_all(&mut self) {
        self.release_computer_keys();
        for note in 0..=127u8 {
            if std::mem::take(&mut self.latched[usize::from(note)]) {
                self.release(note);
            }
        }
        if let Some(note) = self.pointer_note.take() {
            self.release(note);
        }
    }

    /// Sends what waits to `live`, oldest first, until it is empty or the ring is full.
    fn flush(&mut self, live: &LiveInput) {
        if self.backlog.len() > MAX_BACKLOG {
            // Nothing drains the ring (the synth is not processing): keep only the releases
            // needed to leave no note stuck when it resumes.
            self.backlog.clear();
            self.backlog.push_back(LiveEvent::AllNotesOff);
            self.holders = [0; 128];
            self.latched = [false; 128];
            self.computer_held.clear();
            self.pointer_note = None;
        }
        while let Some(&event) = self.backlog.front() {
            if !live.send(event) {
                break;
            }
            self.backlog.pop_front();
        }
    }

    /// Plays the computer keyboard from this frame's key events.
    fn computer_keys(&mut self, ui: &Ui) {
        let typing = ui.ctx().text_edit_focused();
        let events = ui.input(|i| i.events.clone());
        for event in &events {
            match *event {
                Event::WindowFocused(false) => self.release_all(),
                Event::Key {
                    key,
                    pressed: false,
                    ..
                } => {
                    if let Some(k) = self.computer_held.iter().position(|(held, _)| *held == key) {
                        let (_, note) = self.computer_held.swap_remove(k);
                        self.release(note);
                    }
                }
                Event::Key {
                    key,
                    pressed: true,
                    repeat: false,
                    modifiers,
                    ..
                } if !typing && !modifiers.ctrl && !modifiers.command && !modifiers.alt => {
                    self.computer_key_down(key);
                }
                _ => {}
            }
        }
    }

    /// A computer key went down (no modifier, no text field focused).
    fn computer_key_down(&mut self, key: Key) {
        match key {
            Key::Minus => self.computer_c = self.computer_c.saturating_sub(12),
            Key::Equals | Key::Plus => self.computer_c = (self.computer_c + 12).min(108),
            Key::OpenBracket => {
                self.computer_velocity = (self.computer_velocity - VELOCITY_STEP).max(0.1);
            }
            Key::CloseBracket => {
                self.computer_velocity = (self.computer_velocity + VELOCITY_STEP).min(1.0);
            }
            _ => {
                let Some(semitone) = computer_key_semitone(key) else {
                    return;
                };
                let note = self.computer_c + semitone;
                if note > 127 || self.computer_held.iter().any(|(k, _)| *k == key) {
                    return;
                }
                self.computer_held.push((key, note));
                self.press(note, self.computer_velocity);
            }
        }
    }

    /// Draws the strip in `rect` and plays what the pointer and the keys do.
    pub fn ui(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        let live = cx.handle.live.clone();
        self.computer_keys(ui);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, theme::RADIUS, theme::PANEL);
        painter.rect_stroke(
            rect,
            theme::RADIUS,
            Stroke::new(1.0, theme::BORDER),
            egui::StrokeKind::Inside,
        );
        let inner = rect.shrink(6.0);
        let side = Rect::from_min_size(inner.min, vec2(SIDE_W, inner.height()));
        let keys = Rect::from_min_max(pos2(side.max.x + 8.0, inner.min.y), inner.max);
        let (octaves, white_w) = octaves_for(keys.width());
        self.wheels(ui, side);
        self.octave_column(ui, side, octaves);
        self.layout_keys(keys, octaves, white_w);
        self.piano(ui, keys, live.host_keys());
        self.flush(&live);
    }

    /// The pitch-bend and mod wheels at the left of `side`.
    fn wheels(&mut self, ui: &mut Ui, side: Rect) {
        let label_h = 12.0;
        let w = 18.0;
        let slot = |k: f32| {
            Rect::from_min_size(
                pos2(side.min.x + 2.0 + k * (w + 8.0), side.min.y),
                vec2(w, side.height() - label_h),
            )
        };
        let (bend_rect, mod_rect) = (slot(0.0), slot(1.0));
        let painter = ui.painter();

        // Pitch bend: follows the pointer while dragged, springs back to the centre.
        let bend = ui.interact(bend_rect, ui.scope_id().with("bend"), Sense::drag());
        self.bend = match bend.interact_pointer_pos() {
            Some(p) if bend.is_pointer_button_down_on() => {
                ((bend_rect.center().y - p.y) / (bend_rect.height() * 0.5)).clamp(-1.0, 1.0)
            }
            _ => 0.0,
        };
        let bend = bend.on_hover_text("Pitch bend: drag up or down; springs back on release");
        if (self.bend - self.bend_sent).abs() > 1e-4 {
            self.backlog.push_back(LiveEvent::PitchBend(self.bend));
            self.bend_sent = self.bend;
        }

        // Mod wheel: stays where it is left; a double-click returns it to 0.
        let wheel = ui.interact(
            mod_rect,
            ui.scope_id().with("modwheel"),
            Sense::click_and_drag(),
        );
        if wheel.double_clicked() {
            self.wheel = 0.0;
        } else if let Some(p) = wheel.interact_pointer_pos() {
            if wheel.is_pointer_button_down_on() {
                self.wheel = ((mod_rect.max.y - p.y) / mod_rect.height()).clamp(0.0, 1.0);
            }
        }
        let wheel = wheel.on_hover_text("Mod wheel (CC 1): drag; double-click for 0");
        if (self.wheel - self.wheel_sent).abs() > 1e-4 {
            self.backlog.push_back(LiveEvent::ModWheel(self.wheel));
            self.wheel_sent = self.wheel;
        }

        for (r, label, value, centred, hot) in [
            (bend_rect, "PB", self.bend, true, bend.hovered()),
            (mod_rect, "MOD", self.wheel, false, wheel.hovered()),
        ] {
            painter.rect_filled(r, 4, theme::WELL);
            painter.rect_stroke(
                r,
                4,
                Stroke::new(
                    1.0,
                    if hot {
                        theme::ACCENT_DIM
                    } else {
                        theme::BORDER
                    },
                ),
                egui::StrokeKind::Inside,
            );
            let y = if centred {
                r.center().y - value * r.height() * 0.5
            } else {
                r.max.y - value * r.height()
            };
            let fill = if centred {
                Rect::from_min_max(
                    pos2(r.min.x + 3.0, y.min(r.center().y)),
                    pos2(r.max.x - 3.0, y.max(r.center().y)),
                )
            } else {
                Rect::from_min_max(pos2(r.min.x + 3.0, y), pos2(r.max.x - 3.0, r.max.y - 2.0))
            };
            painter.rect_filled(fill, 2, theme::ACCENT_DIM);
            if centred {
                painter.hline(
                    r.x_range(),
                    r.center().y,
                    Stroke::new(1.0, theme::fade(theme::TEXT_WEAK, 0.5)),
                );
            }
            let thumb = Rect::from_center_size(pos2(r.center().x, y), vec2(r.width() - 2.0, 5.0));
            painter.rect_filled(thumb.intersect(r), 2, theme::ACCENT);
            painter.text(
                pos2(r.center().x, r.max.y + 1.0),
                Align2::CENTER_TOP,
                label,
                theme::small(),
                theme::TEXT_WEAK,
            );
        }
    }

    /// The octave range with its shift buttons and the computer keyboard's octave and
    /// velocity, right of the wheels.
    fn octave_column(&mut self, ui: &mut Ui, side: Rect, octaves: u8) {
        let col = Rect::from_min_max(pos2(side.min.x + 58.0, side.min.y), side.max);
        let painter = ui.painter();
        self.low_c = self.low_c.min(top_low_c(octaves));
        let high = self.low_c + 12 * octaves;
        let row_h = 18.0;
        let button = |k: f32| {
            Rect::from_min_size(
                pos2(col.min.x + k * (col.width() - 22.0), col.min.y),
                vec2(22.0, row_h),
            )
        };
        for (k, text, dir) in [(0.0, "◀", -1i8), (1.0, "▶", 1)] {
            let r = button(k);
            let enabled = if dir < 0 {
                self.low_c >= 12
            } else {
                high + 12 <= 127
            };
            let resp = ui.interact(r, ui.scope_id().with(("octave", dir)), Sense::click());
            let resp = resp.on_hover_text(if dir < 0 {
                "Show an octave lower"
            } else {
                "Show an octave higher"
            });
            if resp.clicked() && enabled {
                self.low_c = if dir < 0 {
                    self.low_c - 12
                } else {
                    self.low_c + 12
                };
            }
            let bg = if resp.hovered() && enabled {
                theme::WIDGET_HOVER
            } else {
                theme::WIDGET
            };
            painter.rect_filled(r, 4, bg);
            painter.text(
                r.center(),
                Align2::CENTER_CENTER,
                text,
                theme::small(),
                if enabled {
                    theme::TEXT
                } else {
                    theme::TEXT_WEAK
                },
            );
        }
        painter.text(
            pos2(col.center().x, col.min.y + row_h * 0.5),
            Align2::CENTER_CENTER,
            format!("{}–{}", c_name(self.low_c), c_name(high)),
            theme::small(),
            theme::TEXT,
        );
        // The computer keyboard: its octave and velocity, the layout in a tooltip.
        let info = Rect::from_min_max(pos2(col.min.x, col.min.y + row_h + 4.0), col.max);
        let resp = ui.interact(info, ui.scope_id().with("computer-keys"), Sense::hover());
        resp.on_hover_text(COMPUTER_KEYS_HELP);
        painter.text(
            pos2(col.min.x, info.min.y),
            Align2::LEFT_TOP,
            format!(
                "⌨ Z = {}  Q = {}",
                c_name(self.computer_c),
                c_name(self.computer_c + 12)
            ),
            theme::small(),
            theme::TEXT_WEAK,
        );
        painter.text(
            pos2(col.min.x, info.min.y + 14.0),
            Align2::LEFT_TOP,
            format!(
                "vel {}   - = oct  [ ] vel",
                (self.computer_velocity * 127.0).round()
            ),
            theme::small(),
            theme::TEXT_WEAK,
        );
    }

    /// Places the keys of `octaves` octaves from `low_c` (and the C above) in `keys`.
    fn layout_keys(&mut self, keys: Rect, octaves: u8, white_w: f32) {
        self.low_c = self.low_c.min(top_low_c(octaves));
        self.keys.clear();
        let black_w = (white_w * 0.62).round();
        let black_h = (keys.height() * 0.62).round();
        let mut white = 0.0f32;
        let mut blacks = Vec::with_capacity(64);
        for note in self.low_c..=self.low_c + 12 * octaves {
            let x = keys.min.x + white * white_w;
            if is_black(note) {
                let r = Rect::from_min_size(
                    pos2(x - black_w * 0.5, keys.min.y),
                    vec2(black_w, black_h),
                );
                blacks.push(KeyRect { note, rect: r });
            } else {
                let r = Rect::from_min_size(pos2(x, keys.min.y), vec2(white_w, keys.height()));
                self.keys.push(KeyRect { note, rect: r });
                white += 1.0;
            }
        }
        self.keys.extend(blacks);
    }

    /// The piano: plays what the pointer does on it and draws every key, pressed when the
    /// editor or the host holds it.
    fn piano(&mut self, ui: &mut Ui, keys: Rect, host_keys: [u64; 2]) {
        let resp = ui.interact(keys, ui.scope_id().with("piano"), Sense::click_and_drag());
        let (shift_press, button_down) = ui.input(|i| {
            (
                i.pointer.primary_pressed() && i.modifiers.shift,
                i.pointer.primary_down(),
            )
        });
        if shift_press {
            // Shift-click latches a note (or lets a latched one go): chords without a
            // controller, held while the knobs are turned.
            if let Some(p) = ui
                .input(|i| i.pointer.interact_pos())
                .filter(|p| keys.contains(*p))
            {
                if let Some(note) = self.key_at(p) {
                    let latched = &mut self.latched[usize::from(note)];
                    *latched = !*latched;
                    if *latched {
                        let velocity = self.velocity_at(note, p);
                        self.press(note, velocity);
                    } else {
                        self.release(note);
                    }
                }
                self.latch_gesture = true;
            }
        }
        if self.latch_gesture && !shift_press && !button_down {
            self.latch_gesture = false;
        }
        let target = match resp.interact_pointer_pos() {
            _ if self.latch_gesture => None,
            Some(p) if resp.is_pointer_button_down_on() && keys.contains(p) => {
                self.key_at(p).map(|note| (note, self.velocity_at(note, p)))
            }
            _ => None,
        };
        if target.map(|(n, _)| n) != self.pointer_note {
            if let Some(old) = self.pointer_note.take() {
                self.release(old);
            }
            if let Some((note, velocity)) = target {
                self.pointer_note = Some(note);
                self.press(note, velocity);
            }
        }
        resp.on_hover_text(
            "Click or drag to play; lower on a key plays louder.\n\
             Shift-click holds a note (a chord, note by note); shift-click it again to let go.",
        );

        let painter = ui.painter_at(keys.expand(1.0));
        let computer = self.computer_c..=(self.computer_c + 28).min(127);
        for k in &self.keys {
            let black = is_black(k.note);
            let mine = self.holders[usize::from(k.note)] > 0;
            let host = key_is_set(host_keys, k.note);
            let fill = match (mine, host, black) {
                (true, _, _) => theme::ACCENT,
                (false, true, _) => theme::VOICE,
                (false, false, true) => Color32::from_rgb(0x16, 0x18, 0x1e),
                (false, false, false) => Color32::from_rgb(0xc9, 0xcd, 0xd6),
            };
            let r = if black {
                k.rect
            } else {
                k.rect.shrink2(vec2(0.5, 0.0))
            };
            painter.rect_filled(r, 2, fill);
            painter.rect_stroke(r, 2, Stroke::new(1.0, theme::BG), egui::StrokeKind::Inside);
            if !black && computer.contains(&k.note) {
                // The computer keyboard's reach: a bar along the key's front edge.
                let bar = Rect::from_min_max(
                    pos2(r.min.x + 2.0, r.max.y - 4.0),
                    pos2(r.max.x - 2.0, r.max.y - 2.0),
                );
                painter.rect_filled(bar, 1, theme::ACCENT_DIM);
            }
            if !black && k.note % 12 == 0 {
                painter.text(
                    pos2(r.center().x, r.max.y - 6.0),
                    Align2::CENTER_BOTTOM,
                    c_name(k.note),
                    theme::small(),
                    if mine || host {
                        theme::BG
                    } else {
                        Color32::from_rgb(0x50, 0x55, 0x60)
                    },
                );
            }
        }
    }

    /// Velocity of a click at `pos` on `note`'s key: soft at its back edge, full at the front.
    fn velocity_at(&self, note: u8, pos: Pos2) -> f32 {
        self.key_rect(note).map_or(DEFAULT_COMPUTER_VELOCITY, |r| {
            let depth = ((pos.y - r.min.y) / r.height().max(1.0)).clamp(0.0, 1.0);
            MIN_CLICK_VELOCITY + (1.0 - MIN_CLICK_VELOCITY) * depth
        })
    }
}

/// Octaves shown in keys `width` points wide, and the white key width, points.
pub fn octaves_for(width: f32) -> (u8, f32) {
    let fit = (((width / MIN_WHITE_W) - 1.0) / 7.0).floor();
    let octaves = (fit.max(1.0) as u8).min(MAX_OCTAVES);
    (octaves, width / f32::from(octaves * 7 + 1))
}

/// The highest lowest-C that still shows `octaves` octaves (and the C above) below 128.
fn top_low_c(octaves: u8) -> u8 {
    ((127 - 12 * octaves.min(MAX_OCTAVES)) / 12) * 12
}
