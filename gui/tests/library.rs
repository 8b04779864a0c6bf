//! The editor's read-only library reader against a library the harness writes, and the
//! browser's Library tab on it.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::demo_params::DemoParams;
use wavecube_gui::library::{LibraryError, LibraryReader, LIBRARY_ENV};
use wavecube_gui::testing::{Headless, MockBackend};
use wavecube_gui::views::browser::BrowserTab;
use wavecube_harness::library::store::OpenMode;
use wavecube_harness::library::Library;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("gui-library")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn factory_files() -> Vec<PathBuf> {
    let banks = Path::new(env!("CARGO_MANIFEST_DIR")).join("../presets/banks");
    [
        "basic-shapes",
        "vowel-formants",
        "additive-harmonics",
        "fm-cube",
    ]
    .iter()
    .map(|stem| banks.join(format!("{stem}.wcube")))
    .collect()
}

/// A library with the four factory banks, written by the harness.
fn harness_library(dir: &Path) -> PathBuf {
    let db = dir.join("library.sqlite");
    let mut lib = Library::open(&db, OpenMode::Create).expect("the harness creates a library");
    lib.add(&factory_files(), false, &mut |_, _| {})
        .expect("the harness adds the factory banks");
    db
}

#[test]
fn lists_banks_by_tag_prefix_and_reads_them_byte_for_byte() {
    let db = harness_library(&scratch("list"));
    let reader = LibraryReader::open(&db).expect("opens read-only");
    let all = reader.list("").expect("lists");
    let names: Vec<&str> = all.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Basic Shapes",
            "Vowel Formants",
            "Additive Harmonics",
            "FM Cube"
        ]
    );
    assert_eq!(all[1].dims, [5, 4, 3]);
    assert!(all[1].tags.iter().any(|t| t == "vocal"));

    let names = |q: &str| -> Vec<String> {
        reader
            .list(q)
            .expect("lists")
            .into_iter()
            .map(|b| b.name)
            .collect()
    };
    assert_eq!(names("vocal"), ["Vowel Formants"]);
    assert_eq!(names("VOC"), ["Vowel Formants"], "prefix, any case");
    assert_eq!(names("factory, fm"), ["FM Cube"], "every term must match");
    assert!(
        names("ocal").is_empty(),
        "a term matches the start of a tag"
    );
    assert!(names("%").is_empty(), "LIKE wildcards are plain text");
    assert_eq!(names("factory").len(), 4);

    for (bank, file) in all.iter().zip(factory_files()) {
        let stored = reader.wcube(bank.id).expect("reads the blob");
        assert_eq!(stored, std::fs::read(file).unwrap(), "{}", bank.name);
    }
    assert!(matches!(
        reader.wcube(999),
        Err(LibraryError::NoBank { id: 999, .. })
    ));
}

#[test]
fn the_reader_cannot_write_and_refuses_what_is_not_a_library() {
    let dir = scratch("refuse");
    let db = harness_library(&dir);
    let reader = LibraryReader::open(&db).expect("opens");
    drop(reader);
    assert!(matches!(
        LibraryReader::open(&dir.join("none.sqlite")),
        Err(LibraryError::Missing(_))
    ));
    let other = dir.join("other.sqlite");
    rusqlite_write(&other, "CREATE TABLE t (x)");
    let err = LibraryReader::open(&other).expect_err("not a library");
    assert!(err.to_string().contains("not a Wavecube library"), "{err}");
    let text = dir.join("text.sqlite");
    std::fs::write(
        &text,
        "hello, this is not SQLite at all, not even close......",
    )
    .unwrap();
    assert!(LibraryReader::open(&text).is_err());
    // The library is unchanged after the reader (read-only, query_only).
    let before = std::fs::read(&db).unwrap();
    let reader = LibraryReader::open(&db).expect("opens");
    let _ = reader.list("pad");
    drop(reader);
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// Writes `sql` to a plain SQLite file at `path` (not a library).
fn rusqlite_write(path: &Path, sql: &str) {
    let _ = std::fs::remove_file(path);
    let db = rusqlite::Connection::open(path).expect("opens");
    db.execute_batch(sql).expect("writes");
}

#[test]
fn the_library_tab_lists_and_loads_banks() {
    let db = harness_library(&scratch("tab"));
    // NOTE: the only test of this binary that reads the environment.
    std::env::set_var(LIBRARY_ENV, &db);
    let backend = Arc::new(MockBackend::default());
    let mut h = Headless::with_backend(Arc::new(DemoParams::default()), backend.clone(), None);
    h.app.browser_view_mut().set_tab(BrowserTab::Library);
    h.app.browser_view_mut().set_query("vocal");
    h.frame(Vec::new());
    h.frame(Vec::new());
    let results: Vec<String> = h
        .app
        .browser_view_mut()
        .results()
        .iter()
        .map(|b| b.name.clone())
        .collect();
    assert_eq!(results, ["Vowel Formants"]);
    // Click the first row, under the search field.
    let layout =
        wavecube_gui::app::Layout::of(egui::Rect::from_min_size(egui::pos2(0.0, 0.0), h.size));
    let content = wavecube_gui::theme::content_rect(layout.browser);
    let mut loaded = false;
    for dy in [40.0, 46.0, 52.0] {
        h.click(egui::pos2(content.center().x, content.min.y + dy));
        h.frame(Vec::new());
        if backend.log().iter().any(|l| l == "bytes Vowel Formants") {
            loaded = true;
            break;
        }
    }
    assert!(loaded, "{:?}", backend.log());
    assert_eq!(backend.current_cube_name(), "Vowel Formants");
}
