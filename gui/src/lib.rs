//! Wavecube's editor: egui views of the cube, the waves, the harmonic tension, the sculpted
//! image, every parameter and the banks, through nice-plug-egui.
//!
//! The editor depends on `dsp`, never on the plugin: it sees the synth through a
//! [`SynthHandle`] (the parameters, a [`SynthBackend`] for patches, banks and the capture, and
//! the telemetry hub), so the plugin and the standalone share it.
//!
//! - [`create_editor`] builds the nice-plug [`WavecubeEditor`]; [`WindowState`] is the window
//!   size the plugin persists.
//! - [`EditorApp`] is the editor itself; [`frame`] is what the views see of it each frame
//!   ([`frame::FrameCx`]), and [`frame::Layout`] places them.
//! - [`views`]: cube, wave, tension, sculpt, controls, matrix, browser, keyboard — one file
//!   each — and the FX tab's effects rack (`views::fx`), which the top bar's tabs swap in.
//! - [`LiveInput`]: the on-screen and computer keyboard's notes, on a lock-free ring to the
//!   audio thread (the same path as host MIDI there).
//! - [`ParamTable`] walks `Params::param_map` into sections; [`widgets`] draws knobs,
//!   switches and menus that edit through the host (begin, set, end).
//! - [`TelemetryView`] keeps the audio thread's telemetry in fixed-capacity histories;
//!   [`TelemetrySession`] takes the receiver while the window is open.
//! - [`matrix_undo`]: the undo and redo history of the editor's matrix edits.
//! - [`library`] reads the SQLite bank library; [`patches`] embeds the factory patches.
//! - `testing` (cargo feature `testing`, for tests and the frame-cost bench only) runs the
//!   editor headless.
//!
//! `docs/editor.md` describes the views and the rules they keep.

pub mod app;
pub mod editor;
pub mod frame;
pub mod handle;
pub mod history;
pub mod library;
pub mod matrix_undo;
pub mod param_table;
pub mod patches;
pub mod session;
pub mod telemetry_view;
#[cfg(feature = "testing")]
pub mod testing;
pub mod theme;
pub mod views;
pub mod widgets;

pub use app::EditorApp;
pub use editor::{create_editor, WavecubeEditor, WavecubeEditorHandle, WindowSize, WindowState};
pub use handle::{CaptureReport, LiveEvent, LiveInput, LiveReceiver, SynthBackend, SynthHandle};
pub use param_table::ParamTable;
pub use session::TelemetrySession;
pub use telemetry_view::TelemetryView;
