//! The nice-plug editor: [`WavecubeEditor`] wraps nice-plug-egui's editor so that opening
//! and closing the window start and stop the telemetry, and so that the window size lives in
//! the plugin state ([`WindowState`], a `#[persist]` field).

use std::error::Error;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use nice_plug_core::context::gui::GuiContext;
use nice_plug_core::editor::dpi::{LogicalSize, NativeSize};
use nice_plug_core::editor::{
    Editor, EditorHandle, HostMethods, Modifiers, ParentWindowHandle, ResizeHint, SpawnedEditor,
    VirtualKeyCode,
};
use nice_plug_core::params::persist::PersistentField;
use nice_plug_core::plugin::TrackInfo;
use nice_plug_egui::{
    baseview, create_egui_editor, EguiEditor, EguiEditorHandle, EguiEditorState, EguiNiceSettings,
    RepaintNotifier,
};
use serde::{Deserialize, Serialize};

use crate::app::EditorApp;
use crate::handle::SynthHandle;
use crate::session::TelemetrySession;

/// Default window width, logical points.
pub const DEFAULT_WIDTH: u32 = 1100;
/// Default window height, logical points.
pub const DEFAULT_HEIGHT: u32 = 720;
/// Smallest window, logical points.
pub const MIN_WIDTH: u32 = 900;
/// Smallest window height, logical points.
pub const MIN_HEIGHT: u32 = 600;
/// Largest window side accepted from a saved state, logical points.
pub const MAX_SIDE: u32 = 8192;
/// Window title.
pub const TITLE: &str = "Wavecube";

/// The window size as saved in the plugin state, logical points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSize {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Default for WindowSize {
    fn default() -> Self {
        Self {
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
        }
    }
}

impl WindowSize {
    /// This size held to [`MIN_WIDTH`]×[`MIN_HEIGHT`]..[`MAX_SIDE`] (a damaged state cannot
    /// open a window too small to use or too large to create).
    pub fn clamped(self) -> Self {
        Self {
            width: self.width.clamp(MIN_WIDTH, MAX_SIDE),
            height: self.height.clamp(MIN_HEIGHT, MAX_SIDE),
        }
    }
}

/// The editor window's size, persisted in the plugin state (`#[persist = "editor-state"]`).
///
/// nice-plug-egui's [`EguiEditorState`] tracks the live size but cannot be serialised or
/// resized from outside, so this holds one and replaces it when a state is restored; the
/// editor picks the new one up the next time it opens. Written by the host's main thread
/// (state restore) and the window thread (resizes); never touched by the audio thread.
#[derive(Debug)]
pub struct WindowState {
    /// The live state the open window resizes.
    egui: RwLock<Arc<EguiEditorState>>,
}

impl Default for WindowState {
    fn default() -> Self {
        Self::new(WindowSize::default())
    }
}

impl WindowState {
    /// A window of `size` (clamped).
    pub fn new(size: WindowSize) -> Self {
        Self {
            egui: RwLock::new(egui_state(size.clamped())),
        }
    }

    /// The live nice-plug-egui state.
    pub fn egui_state(&self) -> Arc<EguiEditorState> {
        self.egui.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The window's size now (the last size the window reported, or the restored one).
    pub fn size(&self) -> WindowSize {
        let logical = self.egui_state().logical_size();
        WindowSize {
            width: logical.width.round().max(0.0) as u32,
            height: logical.height.round().max(0.0) as u32,
        }
    }

    /// True while the editor window is open.
    pub fn is_open(&self) -> bool {
        self.egui_state().is_open()
    }
}

fn egui_state(size: WindowSize) -> Arc<EguiEditorState> {
    EguiEditorState::from_size(LogicalSize::new(size.width as f32, size.height as f32), 1.0)
}

impl<'a> PersistentField<'a, WindowSize> for WindowState {
    fn set(&self, new_value: WindowSize) {
        *self.egui.write().unwrap_or_else(|e| e.into_inner()) = egui_state(new_value.clamped());
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&WindowSize) -> R,
    {
        f(&self.size())
    }
}

impl<'a> PersistentField<'a, WindowSize> for Arc<WindowState> {
    fn set(&self, new_value: WindowSize) {
        self.as_ref().set(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&WindowSize) -> R,
    {
        self.as_ref().map(f)
    }
}

/// The resize rule: resizable from [`MIN_WIDTH`]×[`MIN_HEIGHT`] up.
pub fn resize_hint() -> ResizeHint {
    ResizeHint::resizable()
        .with_min_logical_size(LogicalSize::new(MIN_WIDTH as f32, MIN_HEIGHT as f32))
}

/// The inner editor and the state it was built with.
struct Built {
    state: Arc<EguiEditorState>,
    editor: EguiEditor<EditorApp>,
}

/// Wavecube's editor, for nice-plug: `type Editor = WavecubeEditor`.
pub struct WavecubeEditor {
    /// The synth as the editor sees it.
    handle: SynthHandle,
    /// The persisted window size.
    window: Arc<WindowState>,
    /// The telemetry hold, shared with the open window's handle.
    session: Arc<TelemetrySession>,
    /// The egui editor; rebuilt when a restored state changed the window size. Locked by the
    /// host's main thread only.
    built: Mutex<Built>,
}

/// The editor for `handle` with its size in `window`.
///
/// # Allocation
/// Builds the editor's views (the sculpt renderer, the parameter table).
pub fn create_editor(handle: SynthHandle, window: Arc<WindowState>) -> Option<WavecubeEditor> {
    let session = Arc::new(TelemetrySession::new(handle.telemetry.clone()));
    let built = build(&handle, &session, window.egui_state())?;
    Some(WavecubeEditor {
        handle,
        window,
        session,
        built: Mutex::new(built),
    })
}

fn build(
    handle: &SynthHandle,
    session: &Arc<TelemetrySession>,
    state: Arc<EguiEditorState>,
) -> Option<Built> {
    let settings = EguiNiceSettings::new()
        .with_tile(TITLE)
        .with_resize_hint(resize_hint());
    let app = EditorApp::new(handle.clone(), session.clone());
    let editor = create_egui_editor(state.clone(), RepaintNotifier::new(), settings, app)?;
    Some(Built { state, editor })
}

impl WavecubeEditor {
    fn built(&self) -> MutexGuard<'_, Built> {
        self.built.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Editor for WavecubeEditor {
    type Handle = WavecubeEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn Error>> {
        let mut built = self.built();
        let state = self.window.egui_state();
        if !Arc::ptr_eq(&state, &built.state) {
            // A restored state brought another size: build the editor anew with it.
            if let Some(rebuilt) = build(&self.handle, &self.session, state) {
                *built = rebuilt;
            }
        }
        self.session.open();
        match built.editor.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        ) {
            Ok(SpawnedEditor { handle, window }) => Ok(SpawnedEditor {
                handle: WavecubeEditorHandle {
                    inner: handle,
                    session: self.session.clone(),
                },
                window,
            }),
            Err(err) => {
                // NOTE: no window (no display, no OpenGL): report it now (the standalone only
                // reports the error when it exits), keep the synth running.
                self.session.close();
                let message = format!("Wavecube: the editor cannot open: {err}");
                nice_plug_core::nice_error!("{message}");
                Err(message.into())
            }
        }
    }

    fn size(&self) -> NativeSize<u32> {
        self.built().editor.size()
    }

    fn resize_hint(&self) -> ResizeHint {
        resize_hint()
    }

    fn track_info_updated(&self, info: TrackInfo) {
        self.built().editor.track_info_updated(info);
    }

    unsafe fn assume_standalone_in_process(&self) {
        // SAFETY: forwarded with the caller's guarantee (the standalone, in process).
        unsafe { self.built().editor.assume_standalone_in_process() }
    }
}

/// The open window. Dropping it (the window closed) stops the telemetry.
pub struct WavecubeEditorHandle {
    /// nice-plug-egui's handle.
    inner: EguiEditorHandle,
    /// Closed on drop.
    session: Arc<TelemetrySession>,
}

impl Drop for WavecubeEditorHandle {
    fn drop(&mut self) {
        self.session.close();
    }
}

impl EditorHandle for WavecubeEditorHandle {
    type Window = baseview::Window;
    type Error = baseview::Error;

    fn run_until_closed(window: Self::Window) -> Result<(), Self::Error> {
        EguiEditorHandle::run_until_closed(window)
    }

    fn set_parent(
        &self,
        parent: ParentWindowHandle,
        window: &Self::Window,
    ) -> Result<(), Self::Error> {
        self.inner.set_parent(parent, window)
    }

    fn show(&self, window: &Self::Window) -> Result<(), Self::Error> {
        self.inner.show(window)
    }

    fn hide(&self, window: &Self::Window) -> Result<(), Self::Error> {
        self.inner.hide(window)
    }

    fn set_size(
        &self,
        new_size: NativeSize<u32>,
        window: &Self::Window,
    ) -> Result<(), Self::Error> {
        self.inner.set_size(new_size, window)
    }

    fn host_main_thread_callback(&self, window: &Self::Window) {
        self.inner.host_main_thread_callback(window);
    }

    fn adjust_size(
        &self,
        new_size: NativeSize<u32>,
        window: &Self::Window,
    ) -> Option<NativeSize<u32>> {
        self.inner.adjust_size(new_size, window)
    }

    fn set_fallback_scale_factor(
        &self,
        scale_factor: f64,
        window: &Self::Window,
    ) -> Result<(), Self::Error> {
        self.inner.set_fallback_scale_factor(scale_factor, window)
    }

    fn on_virtual_key_from_host(
        &self,
        key_code: VirtualKeyCode,
        is_down: bool,
        modifiers: Modifiers,
    ) -> bool {
        self.inner
            .on_virtual_key_from_host(key_code, is_down, modifiers)
    }

    fn state_changed(&self) {
        self.inner.state_changed();
    }

    fn param_value_changed(&self, id: &str, normalized_value: f32) {
        self.inner.param_value_changed(id, normalized_value);
    }

    fn param_modulation_changed(&self, id: &str, modulation_offset: f32) {
        self.inner.param_modulation_changed(id, modulation_offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_round_trips_and_is_clamped() {
        let state = WindowState::default();
        assert_eq!(state.size(), WindowSize::default());
        let json = state.map(serde_json::to_string).expect("serialises");
        assert_eq!(json, r#"{"width":1100,"height":720}"#);
        state.set(WindowSize {
            width: 1400,
            height: 900,
        });
        assert_eq!(
            state.size(),
            WindowSize {
                width: 1400,
                height: 900
            }
        );
        state.set(WindowSize {
            width: 3,
            height: u32::MAX,
        });
        assert_eq!(
            state.size(),
            WindowSize {
                width: MIN_WIDTH,
                height: MAX_SIDE
            }
        );
    }

    #[test]
    fn a_restored_state_replaces_the_live_one() {
        let state = WindowState::default();
        let before = state.egui_state();
        state.set(WindowSize {
            width: 1200,
            height: 800,
        });
        assert!(!Arc::ptr_eq(&before, &state.egui_state()));
    }
}
