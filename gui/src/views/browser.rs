//! The browser: factory patches, factory banks and the user's banks from the SQLite library
//! (with a tag search), plus "Import bank…" (every importer of `bank::import`, and `.wcube`
//! files) and "Export capture…" (the rolling TQA capture to a WAV file).
//!
//! File dialogs are drawn in egui itself (`egui_file`), so they work on Linux without a
//! desktop portal. Every failure becomes a message in the editor; nothing here panics.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};

use egui::{vec2, Align, Layout, Rect, RichText, Ui};
use egui_file::FileDialog;
use nice_plug_core::context::gui::ParamSetter;
use wavecube_dsp::bank::factory::{FACTORY_BANKS, FACTORY_WRITE_OPTIONS};
use wavecube_dsp::bank::import::{arrange_imported, import_bytes, name_from_file, ImportOptions};
use wavecube_dsp::bank::{write_wcube, WCUBE_MAGIC};

use crate::frame::{FrameCx, Status};
use crate::handle::{CaptureReport, SynthHandle};
use crate::library::{library_path, LibraryBank, LibraryError, LibraryReader};
use crate::patches::{factory_patches, FactoryPatch};
use crate::theme;

/// Height of the button row at the bottom, points.
const BUTTONS_H: f32 = 28.0;
/// Most bytes an imported file may have.
pub const MAX_IMPORT_BYTES: u64 = 512 << 20;

/// The browser's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserTab {
    /// Factory patches.
    Patches,
    /// Factory banks.
    Banks,
    /// The user's library.
    Library,
}

/// A bank imported on a background thread: its name, `.wcube` bytes and the importer's
/// notes.
type Imported = Result<(String, Vec<u8>, Vec<String>), String>;

/// Which file dialog is open.
enum Dialog {
    /// Choosing a file to import.
    Import(FileDialog),
    /// Choosing where to save the capture.
    Export(FileDialog),
}

/// The browser's state.
pub struct BrowserView {
    /// The open tab.
    tab: BrowserTab,
    /// The factory patches, sorted.
    patches: Vec<FactoryPatch>,
    /// The patch applied last (index into `patches`).
    applied: Option<usize>,
    /// The library, once opened.
    library: Option<LibraryReader>,
    /// Why the library is not available.
    library_error: Option<String>,
    /// The tag search text.
    query: String,
    /// The search the results are for (`None`: not searched yet).
    searched: Option<String>,
    /// Banks matching the search.
    results: Vec<LibraryBank>,
    /// The open file dialog.
    dialog: Option<Dialog>,
    /// An export asked for outside the dialog, started on the next frame.
    queued_export: Option<PathBuf>,
    /// An import running in the background.
    import: Option<Receiver<Imported>>,
    /// A capture export asked for: the path and the export count before.
    export: Option<(PathBuf, u32)>,
    /// The last capture result line.
    capture_line: Option<(String, bool)>,
}

impl std::fmt::Debug for BrowserView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserView")
            .field("tab", &self.tab)
            .field("patches", &self.patches.len())
            .field("results", &self.results.len())
            .finish_non_exhaustive()
    }
}

impl BrowserView {
    /// The browser with the factory patches loaded (a patch that does not parse is reported
    /// in `status`).
    pub fn new(status: &mut Status) -> Self {
        let (patches, errors) = factory_patches();
        if let Some(first) = errors.first() {
            status.error(first.clone());
        }
        Self {
            tab: BrowserTab::Patches,
            patches,
            applied: None,
            library: None,
            library_error: None,
            query: String::new(),
            searched: None,
            results: Vec::new(),
            dialog: None,
            queued_export: None,
            import: None,
            export: None,
            capture_line: None,
        }
    }

    /// The factory patches, in list order.
    pub fn patches(&self) -> &[FactoryPatch] {
        &self.patches
    }

    /// Opens `tab`.
    pub fn set_tab(&mut self, tab: BrowserTab) {
        self.tab = tab;
    }

    /// Sets the library search text.
    pub fn set_query(&mut self, query: &str) {
        query.clone_into(&mut self.query);
    }

    /// The library banks found by the last search.
    pub fn results(&self) -> &[LibraryBank] {
        &self.results
    }

    /// Applies the factory patch with file stem `stem`.
    pub fn apply_by_stem(
        &mut self,
        stem: &str,
        handle: &SynthHandle,
        setter: &ParamSetter,
        status: &mut Status,
    ) {
        match self.patches.iter().position(|p| p.stem == stem) {
            Some(i) => self.apply(i, handle, setter, status),
            None => status.error(format!("no factory patch named {stem:?}")),
        }
    }

    fn apply(&mut self, i: usize, handle: &SynthHandle, setter: &ParamSetter, status: &mut Status) {
        let p = &self.patches[i];
        handle.backend.apply_patch(&p.patch, setter);
        self.applied = Some(i);
        status.info(format!("Patch: {}", p.patch.meta.name));
    }

    /// Saves the capture to `path` on the next frame, as if chosen in the "Export capture…"
    /// dialog.
    pub fn queue_export(&mut self, path: PathBuf) {
        self.queued_export = Some(path);
    }

    /// Runs the library search if the text changed (opening the library the first time).
    fn search(&mut self) {
        if self.searched.as_deref() == Some(self.query.as_str()) {
            return;
        }
        self.searched = Some(self.query.clone());
        if self.library.is_none() {
            match library_path()
                .ok_or(LibraryError::NoLocation)
                .and_then(|p| LibraryReader::open(&p))
            {
                Ok(reader) => {
                    self.library = Some(reader);
                    self.library_error = None;
                }
                Err(e) => {
                    self.library_error = Some(e.to_string());
                    self.results.clear();
                    return;
                }
            }
        }
        if let Some(reader) = &self.library {
            match reader.list(&self.query) {
                Ok(found) => {
                    self.results = found;
                    self.library_error = None;
                }
                Err(e) => self.library_error = Some(e.to_string()),
            }
        }
    }

    /// Forgets the library connection and searches again (after `wavecube library add`).
    pub fn refresh_library(&mut self) {
        self.library = None;
        self.searched = None;
        self.search();
    }

    /// Draws the view in `rect`.
    pub fn ui(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        self.poll_jobs(cx);
        let (controls, content) = theme::panel(ui.painter(), rect, "BROWSER");
        let mut tabs = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(controls)
                .layout(Layout::left_to_right(Align::Center)),
        );
        tabs.spacing_mut().item_spacing.x = 2.0;
        for (tab, name) in [
            (BrowserTab::Patches, "Patches"),
            (BrowserTab::Banks, "Banks"),
            (BrowserTab::Library, "Library"),
        ] {
            let selected = self.tab == tab;
            let text = RichText::new(name)
                .size(theme::SMALL_PT + 0.5)
                .color(if selected {
                    theme::ACCENT
                } else {
                    theme::TEXT_WEAK
                });
            if tabs.selectable_label(selected, text).clicked() {
                self.tab = tab;
            }
        }

        let list_rect = Rect::from_min_max(content.min, content.max - vec2(0.0, BUTTONS_H + 6.0));
        let buttons = Rect::from_min_max(
            egui::pos2(content.min.x, content.max.y - BUTTONS_H),
            content.max,
        );
        let mut list = ui.new_child(egui::UiBuilder::new().max_rect(list_rect));
        match self.tab {
            BrowserTab::Patches => self.patch_list(&mut list, cx),
            BrowserTab::Banks => bank_list(&mut list, cx),
            BrowserTab::Library => self.library_list(&mut list, cx),
        }
        self.buttons(ui, buttons, cx);
    }

    fn patch_list(&mut self, ui: &mut Ui, cx: &mut FrameCx) {
        let mut clicked = None;
        egui::ScrollArea::vertical()
            .id_salt("patches")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for (i, p) in self.patches.iter().enumerate() {
                    let meta = &p.patch.meta;
                    let selected = self.applied == Some(i);
                    let tip = format!(
                        "{}\n{}\ntags: {}",
                        meta.description,
                        meta.author,
                        meta.tags.join(", ")
                    );
                    if list_row(ui, selected, &meta.name, meta.category.name())
                        .on_hover_text(tip)
                        .clicked()
                    {
                        clicked = Some(i);
                    }
                }
            });
        if let Some(i) = clicked {
            self.apply(i, cx.handle, cx.setter, cx.status);
        }
    }

    fn library_list(&mut self, ui: &mut Ui, cx: &mut FrameCx) {
        self.search();
        ui.horizontal(|ui| {
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.query)
                    .hint_text("Search tags (e.g. pad vocal)")
                    .desired_width(ui.available_width() - 34.0),
            );
            field.on_hover_text("Banks with a tag starting with every word");
            if ui
                .button("↻")
                .on_hover_text("Read the library again")
                .clicked()
            {
                self.refresh_library();
            }
        });
        ui.add_space(4.0);
        if let Some(err) = &self.library_error {
            ui.label(RichText::new(err).small().color(theme::TEXT_WEAK));
            return;
        }
        if self.results.is_empty() {
            let text = if self.query.trim().is_empty() {
                "The library is empty. Add banks with `wavecube library add FILE.wcube`."
            } else {
                "No bank has these tags."
            };
            ui.label(RichText::new(text).small().color(theme::TEXT_WEAK));
            return;
        }
        let mut picked = None;
        egui::ScrollArea::vertical()
            .id_salt("library")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for bank in &self.results {
                    let [w, h, d] = bank.dims;
                    let detail = format!("{w}×{h}×{d}");
                    let tip = format!(
                        "{} · {} nodes · {} KB\ntags: {}",
                        if bank.author.is_empty() {
                            "unknown author"
                        } else {
                            &bank.author
                        },
                        bank.node_count,
                        bank.file_bytes.div_ceil(1024),
                        bank.tags.join(", ")
                    );
                    let current = cx.cube.meta().name == bank.name;
                    if list_row(ui, current, &bank.name, &detail)
                        .on_hover_text(tip)
                        .clicked()
                    {
                        picked = Some((bank.id, bank.name.clone()));
                    }
                }
            });
        if let (Some((id, name)), Some(reader)) = (picked, &self.library) {
            let result = reader
                .wcube(id)
                .map_err(|e| e.to_string())
                .and_then(|bytes| cx.handle.backend.load_bank_bytes(&name, &bytes, cx.setter));
            match result {
                Ok(()) => cx.status.info(format!("Bank: {name}")),
                Err(e) => cx.status.error(e),
            }
        }
    }

    fn buttons(&mut self, ui: &mut Ui, rect: Rect, cx: &mut FrameCx) {
        let mut row = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(rect)
                .layout(Layout::left_to_right(Align::Center)),
        );
        let busy = self.import.is_some();
        let import = row
            .add_enabled(
                !busy,
                egui::Button::new(if busy {
                    "Importing…"
                } else {
                    "Import bank…"
                }),
            )
            .on_hover_text(
                "A .wcube, a wavetable WAV (Serum clm or plain), a Surge .wt, a WaveEdit bank, \
                 a .vitaltable, or a PNG/BMP image",
            );
        if import.clicked() {
            let mut dialog = FileDialog::open_file()
                .initial_path(crate::views::start_dir())
                .title("Import bank");
            dialog.open();
            self.dialog = Some(Dialog::Import(dialog));
        }
        let exporting = self.export.is_some();
        let export = row
            .add_enabled(!exporting, egui::Button::new("Export capture…"))
            .on_hover_text("Save the last five minutes of output (the TQA capture) as a WAV file");
        if export.clicked() {
            let mut dialog = FileDialog::save_file()
                .initial_path(crate::views::start_dir())
                .title("Export capture")
                .default_filename("wavecube-capture.wav");
            dialog.open();
            self.dialog = Some(Dialog::Export(dialog));
        }
        let report = cx.handle.backend.capture_report();
        if let Some((line, is_error)) = &self.capture_line {
            let color = if *is_error {
                theme::ERROR
            } else {
                theme::TEXT_WEAK
            };
            row.label(RichText::new(line).small().color(color))
                .on_hover_text(line.as_str());
        } else if report.running {
            row.label(
                RichText::new(held_text(&report))
                    .small()
                    .color(theme::TEXT_WEAK),
            )
            .on_hover_text(
                "The capture keeps the last five minutes of output; an export starts at the \
                 first sound it holds",
            );
        }
    }

    /// Shows the open dialog and acts on its choice.
    pub fn dialogs(&mut self, ctx: &egui::Context, cx: &mut FrameCx) {
        let (state, path, is_import) = match &mut self.dialog {
            Some(Dialog::Import(d)) => {
                d.show(ctx);
                (d.state(), d.path().map(Path::to_path_buf), true)
            }
            Some(Dialog::Export(d)) => {
                d.show(ctx);
                (d.state(), d.path().map(Path::to_path_buf), false)
            }
            None => return,
        };
        match state {
            egui_file::State::Open => {}
            egui_file::State::Selected => {
                self.dialog = None;
                if let Some(path) = path {
                    if is_import {
                        self.start_import(path, cx);
                    } else {
                        self.start_export(path, cx);
                    }
                }
            }
            egui_file::State::Closed | egui_file::State::Cancelled => self.dialog = None,
        }
    }

    /// Imports `path` on a background thread (decoding and encoding can take a second).
    pub fn start_import(&mut self, path: PathBuf, cx: &mut FrameCx) {
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("wavecube-import".into())
            .spawn(move || {
                let _ = tx.send(import_file(&path));
            });
        match spawned {
            Ok(_) => {
                self.import = Some(rx);
                cx.status.info("Importing…");
            }
            Err(e) => cx.status.error(format!("cannot start the import: {e}")),
        }
    }

    /// Asks the synth to save the capture to `path`.
    pub fn start_export(&mut self, path: PathBuf, cx: &mut FrameCx) {
        let before = cx.handle.backend.capture_report().exports;
        match cx.handle.backend.export_capture(&path) {
            Ok(()) => {
                self.capture_line = Some(("Saving…".to_owned(), false));
                self.export = Some((path, before));
            }
            Err(e) => {
                self.capture_line = Some((e.clone(), true));
                cx.status.error(e);
            }
        }
    }

    /// Picks up a finished import or export.
    fn poll_jobs(&mut self, cx: &mut FrameCx) {
        if let Some(path) = self.queued_export.take() {
            self.start_export(path, cx);
        }
        if let Some(rx) = &self.import {
            let done = match rx.try_recv() {
                Ok(result) => Some(result),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => {
                    Some(Err("the import stopped unexpectedly".to_owned()))
                }
            };
            if let Some(result) = done {
                self.import = None;
                let loaded = result.and_then(|(name, bytes, notes)| {
                    cx.handle
                        .backend
                        .load_bank_bytes(&name, &bytes, cx.setter)
                        .map(|()| (name, notes))
                });
                match loaded {
                    Ok((name, notes)) if notes.is_empty() => {
                        cx.status.info(format!("Imported {name}"))
                    }
                    Ok((name, notes)) => cx
                        .status
                        .info(format!("Imported {name}: {}", notes.join("; "))),
                    Err(e) => cx.status.error(e),
                }
            }
        }
        if let Some((path, before)) = &self.export {
            let report = cx.handle.backend.capture_report();
            if report.exports != *before {
                let line = match (&report.last_error, &report.last_export) {
                    (Some(err), _) => (format!("Export failed: {err}"), true),
                    (None, Some(saved)) => (format!("Saved {}", saved.display()), false),
                    (None, None) => (format!("Saved {}", path.display()), false),
                };
                if line.1 {
                    cx.status.error(line.0.clone());
                } else {
                    cx.status.info(line.0.clone());
                }
                self.capture_line = Some(line);
                self.export = None;
            }
        }
    }
}

/// What the capture holds, for the browser: the audio from the first sound on ("no sound
/// held" while it holds only silence, however long it has run).
pub fn held_text(report: &CaptureReport) -> String {
    if report.sound_s > 0.0 {
        format!("{:.0} s held", report.sound_s.max(1.0))
    } else {
        "no sound held".to_owned()
    }
}

/// Reads and converts one file to `.wcube` bytes: a `.wcube` as it is, anything else
/// through the importers (format recognised by content).
///
/// # Errors
/// A message naming the file and the problem.
pub fn import_file(path: &Path) -> Imported {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let len = std::fs::metadata(path).map_err(|e| fail(&e))?.len();
    if len > MAX_IMPORT_BYTES {
        return Err(fail(&format!(
            "{len} bytes is more than the {MAX_IMPORT_BYTES}-byte limit"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(&e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if bytes.starts_with(&WCUBE_MAGIC) {
        return Ok((name_from_file(&file_name), bytes, Vec::new()));
    }
    let imported = import_bytes(&bytes, &ImportOptions::default()).map_err(|e| fail(&e))?;
    let (mut cube, notes) = arrange_imported(imported, None).map_err(|e| fail(&e))?;
    if cube.meta().name.is_empty() {
        cube.meta_mut().name = name_from_file(&file_name);
    }
    let name = cube.meta().name.clone();
    let wcube = write_wcube(&cube, &FACTORY_WRITE_OPTIONS).map_err(|e| fail(&e))?;
    Ok((name, wcube, notes))
}

/// The factory banks; the one playing is highlighted.
fn bank_list(ui: &mut Ui, cx: &mut FrameCx) {
    let playing = cx.cube.meta().name.clone();
    let mut picked = None;
    egui::ScrollArea::vertical()
        .id_salt("banks")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (stem, name) in FACTORY_BANKS {
                if list_row(ui, playing == name, name, "factory").clicked() {
                    picked = Some((stem, name));
                }
            }
        });
    if let Some((stem, name)) = picked {
        match cx.handle.backend.select_factory_bank(stem, cx.setter) {
            Ok(()) => cx.status.info(format!("Bank: {name}")),
            Err(e) => cx.status.error(e),
        }
    }
}

/// One row of a list: `name` at the left, `detail` at the right, full width.
fn list_row(ui: &mut Ui, selected: bool, name: &str, detail: &str) -> egui::Response {
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), 24.0), egui::Sense::click());
    let painter = ui.painter();
    let fill = if selected {
        theme::ACCENT_DIM
    } else if response.hovered() {
        theme::WIDGET_HOVER
    } else {
        egui::Color32::TRANSPARENT
    };
    painter.rect_filled(rect, 4, fill);
    painter.text(
        rect.left_center() + vec2(8.0, 0.0),
        egui::Align2::LEFT_CENTER,
        name,
        theme::body(),
        theme::TEXT,
    );
    painter.text(
        rect.right_center() - vec2(8.0, 0.0),
        egui::Align2::RIGHT_CENTER,
        detail,
        theme::small(),
        if selected {
            theme::ACCENT
        } else {
            theme::TEXT_WEAK
        },
    );
    response
}

#[cfg(test)]
mod held_tests {
    use super::*;

    #[test]
    fn the_capture_line_says_what_sound_is_held_not_how_long_it_ran() {
        let report = |retained_s, sound_s| CaptureReport {
            running: true,
            retained_s,
            sound_s,
            ..CaptureReport::default()
        };
        // Minutes of silence after a fast render: no sound held.
        assert_eq!(held_text(&report(300.0, 0.0)), "no sound held");
        assert_eq!(held_text(&report(12.4, 12.4)), "12 s held");
        // A note shorter than a second still reads as held.
        assert_eq!(held_text(&report(300.0, 0.3)), "1 s held");
    }
}
