//! The browser: factory patches and user presets (Save, Save As with name, category, tags and
//! author, rename, delete to the trash with undo, favourites, search, previous/next and a
//! "modified" mark; see [`Presets`]), factory banks and the user's banks from the SQLite
//! library (with a tag search), plus "Import bank…" (every importer of `bank::import`, and
//! `.wcube` files) and "Export capture…" (the rolling TQA capture to a WAV file).
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
use crate::patches::{FactoryPatch, PatchRef, Presets, Saved};
use crate::theme;
use wavecube_dsp::patch::store::{PresetStore, StoreError};
use wavecube_dsp::patch::{Category, PatchMeta};

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

/// The Save As form.
#[derive(Debug, Clone, Default)]
pub struct SaveForm {
    /// Preset name.
    pub name: String,
    /// Category.
    pub category: Category,
    /// Tags, comma-separated.
    pub tags: String,
    /// Author.
    pub author: String,
    /// A user preset has this name: the form asks before replacing it.
    pub confirm_replace: bool,
}

impl SaveForm {
    /// The metadata the form describes (tags split at commas, trimmed, empty ones dropped).
    pub fn meta(&self) -> PatchMeta {
        PatchMeta {
            name: self.name.trim().to_owned(),
            category: self.category,
            author: self.author.trim().to_owned(),
            tags: self
                .tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            ..PatchMeta::default()
        }
    }
}

/// The browser's state.
pub struct BrowserView {
    /// The open tab.
    tab: BrowserTab,
    /// Factory patches and user presets.
    presets: Presets,
    /// The Save As form, while open.
    save_form: Option<SaveForm>,
    /// The Rename form (the new name), while open.
    rename_form: Option<String>,
    /// Whether the patch named by the plugin state was picked up.
    restored: bool,
    /// The "modified" mark as last told to the backend.
    modified: bool,
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
            .field("patches", &self.presets.factory.len())
            .field("user", &self.presets.user.len())
            .field("results", &self.results.len())
            .finish_non_exhaustive()
    }
}

impl BrowserView {
    /// The browser with the factory patches loaded (a patch that does not parse is reported
    /// in `status`).
    pub fn new(status: &mut Status) -> Self {
        Self::with_store(PresetStore::user().ok(), status)
    }

    /// The browser over the user presets in `store` (`None`: no user folder).
    pub fn with_store(store: Option<PresetStore>, status: &mut Status) -> Self {
        let (presets, errors) = Presets::new(store);
        if let Some(first) = errors.first() {
            status.error(first.clone());
        }
        Self {
            tab: BrowserTab::Patches,
            presets,
            save_form: None,
            rename_form: None,
            restored: false,
            modified: false,
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
        &self.presets.factory
    }

    /// Factory patches and user presets, with their operations.
    pub fn presets(&mut self) -> &mut Presets {
        &mut self.presets
    }

    /// Whether the sound differs from the loaded patch, as of the last frame.
    pub fn is_modified(&self) -> bool {
        self.modified
    }

    /// Opens the Save As form, filled from the loaded patch.
    pub fn open_save_as(&mut self) {
        let mut form = SaveForm::default();
        if let Some(l) = &self.presets.loaded {
            form.name = if l.user_stem().is_some() {
                l.name.clone()
            } else {
                format!("{} (mine)", l.name)
                    .chars()
                    .take(wavecube_dsp::patch::MAX_NAME_CHARS)
                    .collect()
            };
            form.category = l.meta.category;
            form.tags = l.meta.tags.join(", ");
            form.author = if l.user_stem().is_some() {
                l.meta.author.clone()
            } else {
                String::new()
            };
        }
        self.save_form = Some(form);
    }

    /// The open Save As form.
    pub fn save_form(&mut self) -> Option<&mut SaveForm> {
        self.save_form.as_mut()
    }

    /// Save: over the loaded user preset, or the Save As form for a factory patch.
    pub fn save(&mut self, handle: &SynthHandle, status: &mut Status) {
        match self.presets.save(handle.backend.as_ref()) {
            Ok(Saved::Preset(name)) => status.info(format!("Saved {name}")),
            Ok(Saved::NeedsSaveAs) => self.open_save_as(),
            Err(e) => status.error(e),
        }
    }

    /// Confirms the Save As form (`replace`: the user said to replace a preset of that name).
    pub fn confirm_save_as(&mut self, replace: bool, handle: &SynthHandle, status: &mut Status) {
        let Some(form) = &mut self.save_form else {
            return;
        };
        match self
            .presets
            .save_as(form.meta(), replace, handle.backend.as_ref())
        {
            Ok(stem) => {
                status.info(format!("Saved {} ({stem}.json)", form.name.trim()));
                self.save_form = None;
            }
            Err(StoreError::Exists { .. }) => form.confirm_replace = true,
            Err(e) => status.error(e.to_string()),
        }
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

    /// Applies the factory patch with file stem `stem`, else the user preset with that stem.
    pub fn apply_by_stem(
        &mut self,
        stem: &str,
        handle: &SynthHandle,
        setter: &ParamSetter,
        status: &mut Status,
    ) {
        if let Some(i) = self.presets.factory.iter().position(|p| p.stem == stem) {
            self.apply(PatchRef::Factory(i), handle, setter, status);
        } else if let Some(i) = self.presets.user.iter().position(|p| p.stem == stem) {
            self.apply(PatchRef::User(i), handle, setter, status);
        } else {
            status.error(format!("no factory patch or user preset named {stem:?}"));
        }
    }

    fn apply(
        &mut self,
        r: PatchRef,
        handle: &SynthHandle,
        setter: &ParamSetter,
        status: &mut Status,
    ) {
        match self.presets.load(r, handle.backend.as_ref(), setter) {
            Ok(name) => status.info(format!("Patch: {name}")),
            Err(e) => status.error(e),
        }
    }

    /// Loads the patch `delta` places away in the list (previous: -1, next: +1).
    pub fn step(
        &mut self,
        delta: isize,
        handle: &SynthHandle,
        setter: &ParamSetter,
        status: &mut Status,
    ) {
        match self.presets.step(delta, handle.backend.as_ref(), setter) {
            Ok(name) => status.info(format!("Patch: {name}")),
            Err(e) => status.error(e),
        }
    }

    /// Keeps the "modified" mark and the plugin state's copy of it current; picks up the
    /// patch the state names on the first frame.
    fn track_modified(&mut self, cx: &mut FrameCx) {
        let backend = cx.handle.backend.as_ref();
        if !self.restored {
            self.restored = true;
            self.presets.restore_from(backend);
        }
        let modified = self.presets.modified(backend);
        if modified != self.modified {
            self.modified = modified;
            if let Some(l) = &self.presets.loaded {
                backend.set_patch_state(Some(&l.name), Some(&l.key), modified);
            }
        }
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
        self.track_modified(cx);
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
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 3.0;
            if ui
                .small_button("◀")
                .on_hover_text("Previous patch")
                .clicked()
            {
                self.step(-1, cx.handle, cx.setter, cx.status);
            }
            if ui.small_button("▶").on_hover_text("Next patch").clicked() {
                self.step(1, cx.handle, cx.setter, cx.status);
            }
            let name = self
                .presets
                .loaded
                .as_ref()
                .map_or("(no patch)", |l| l.name.as_str());
            ui.label(RichText::new(name).color(theme::TEXT).strong());
            if self.modified {
                ui.label(RichText::new("● modified").small().color(theme::ACCENT))
                    .on_hover_text("A sound setting differs from the patch as loaded or saved");
            }
        });
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 3.0;
            let user = self
                .presets
                .loaded
                .as_ref()
                .and_then(|l| l.user_stem())
                .is_some();
            if ui
                .small_button("Save")
                .on_hover_text("Save over this user preset (a factory patch: Save As)")
                .clicked()
            {
                self.save(cx.handle, cx.status);
            }
            if ui.small_button("Save As…").clicked() {
                self.open_save_as();
            }
            if ui
                .add_enabled(user, egui::Button::new("Rename…").small())
                .clicked()
            {
                self.rename_form = self.presets.loaded.as_ref().map(|l| l.name.clone());
            }
            let loaded_ref = self
                .presets
                .loaded
                .as_ref()
                .and_then(|l| self.presets.find(&l.key));
            if ui
                .add_enabled(user, egui::Button::new("Delete").small())
                .on_hover_text("Move this user preset to the trash (Undo brings it back)")
                .clicked()
            {
                if let Some(r) = loaded_ref {
                    match self.presets.delete(r) {
                        Ok(name) => {
                            self.presets.loaded = None;
                            cx.status.info(format!("Deleted {name} (Undo restores it)"));
                        }
                        Err(e) => cx.status.error(e),
                    }
                }
            }
            if ui
                .add_enabled(
                    !self.presets.undo.is_empty(),
                    egui::Button::new("Undo").small(),
                )
                .on_hover_text("Restore the last deleted preset")
                .clicked()
            {
                match self.presets.undo_delete() {
                    Ok(stem) => cx.status.info(format!("Restored {stem}")),
                    Err(e) => cx.status.error(e),
                }
            }
        });
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.presets.query)
                    .hint_text("Search name, tags, author")
                    .desired_width(ui.available_width() - 30.0),
            );
            let star = if self.presets.only_favourites {
                "★"
            } else {
                "☆"
            };
            if ui
                .selectable_label(self.presets.only_favourites, star)
                .on_hover_text("Only favourites")
                .clicked()
            {
                self.presets.only_favourites = !self.presets.only_favourites;
            }
        });
        ui.add_space(2.0);
        let mut clicked = None;
        let mut starred = None;
        let loaded_key = self.presets.loaded.as_ref().map(|l| l.key.clone());
        let visible = self.presets.visible();
        egui::ScrollArea::vertical()
            .id_salt("patches")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if visible.is_empty() {
                    ui.label(
                        RichText::new("No patch matches.")
                            .small()
                            .color(theme::TEXT_WEAK),
                    );
                }
                for r in visible {
                    let meta = self.presets.meta(r);
                    let selected = loaded_key.as_deref() == Some(self.presets.key(r).as_str());
                    let tip = format!(
                        "{}\n{}\ntags: {}",
                        meta.description,
                        meta.author,
                        meta.tags.join(", ")
                    );
                    let origin = match r {
                        PatchRef::Factory(_) => meta.category.name().to_owned(),
                        PatchRef::User(_) => format!("{} · user", meta.category.name()),
                    };
                    ui.horizontal(|ui| {
                        ui.spacing_mut().item_spacing.x = 2.0;
                        let fav = self.presets.is_favourite(r);
                        if ui
                            .selectable_label(fav, if fav { "★" } else { "☆" })
                            .on_hover_text("Favourite")
                            .clicked()
                        {
                            starred = Some(r);
                        }
                        if list_row(ui, selected, &meta.name, &origin)
                            .on_hover_text(tip)
                            .clicked()
                        {
                            clicked = Some(r);
                        }
                    });
                }
            });
        if let Some(r) = starred {
            if let Err(e) = self.presets.toggle_favourite(r) {
                cx.status.error(e);
            }
        }
        if let Some(r) = clicked {
            self.apply(r, cx.handle, cx.setter, cx.status);
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

    /// Shows the Save As and Rename forms while open.
    fn preset_dialogs(&mut self, ctx: &egui::Context, cx: &mut FrameCx) {
        let mut confirm = None;
        let mut cancel = false;
        if let Some(form) = &mut self.save_form {
            egui::Window::new("Save preset as")
                .collapsible(false)
                .resizable(false)
                .show(ctx, |ui| {
                    egui::Grid::new("save_as").num_columns(2).show(ui, |ui| {
                        ui.label("Name");
                        if ui.text_edit_singleline(&mut form.name).changed() {
                            form.confirm_replace = false;
                        }
                        ui.end_row();
                        ui.label("Category");
                        egui::ComboBox::from_id_salt("save_as_category")
                            .selected_text(form.category.name())
                            .show_ui(ui, |ui| {
                                for c in Category::ALL {
                                    ui.selectable_value(&mut form.category, c, c.name());
                                }
                            });
                        ui.end_row();
                        ui.label("Tags");
                        ui.add(egui::TextEdit::singleline(&mut form.tags).hint_text("warm, slow"));
                        ui.end_row();
                        ui.label("Author");
                        ui.text_edit_singleline(&mut form.author);
                        ui.end_row();
                    });
                    if form.confirm_replace {
                        ui.label(
                            RichText::new(format!(
                                "A preset named \"{}\" exists. Replace it?",
                                form.name.trim()
                            ))
                            .color(theme::ERROR),
                        );
                    }
                    ui.horizontal(|ui| {
                        let label = if form.confirm_replace {
                            "Replace"
                        } else {
                            "Save"
                        };
                        if ui
                            .add_enabled(!form.name.trim().is_empty(), egui::Button::new(label))
                            .clicked()
                        {
                            confirm = Some(form.confirm_replace);
                        }
                        if ui.button("Cancel").clicked() {
                            cancel = true;
                        }
                    });
                });
        }
        if cancel {
            self.save_form = None;
        } else if let Some(replace) = confirm {
            self.confirm_save_as(replace, cx.handle, cx.status);
        }
        let mut rename = None;
        let mut cancel = false;
        if let Some(name) = &mut self.rename_form {
            egui::Window::new("Rename preset")
                .collapsible(false)
                .resizable(false)
                .show(ctx, |ui| {
                    ui.text_edit_singleline(name);
                    ui.horizontal(|ui| {
                        if ui.button("Rename").clicked() {
                            rename = Some(name.trim().to_owned());
                        }
                        if ui.button("Cancel").clicked() {
                            cancel = true;
                        }
                    });
                });
        }
        if cancel {
            self.rename_form = None;
        } else if let Some(name) = rename {
            match self.presets.rename(&name, cx.handle.backend.as_ref()) {
                Ok(_) => {
                    cx.status.info(format!("Renamed to {name}"));
                    self.rename_form = None;
                }
                Err(e) => cx.status.error(e),
            }
        }
    }

    /// Shows the open dialog and acts on its choice.
    pub fn dialogs(&mut self, ctx: &egui::Context, cx: &mut FrameCx) {
        self.preset_dialogs(ctx, cx);
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
