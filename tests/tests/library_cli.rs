//! End-to-end tests of `wavecube library`: add, list with tags, SQL (read-only unless
//! `--write`), byte-exact get, replace, remove, bad input, and a writer killed mid-add.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use rusqlite::Connection;
use serde_json::Value;
use wavecube_dsp::bank::{write_wcube, CodecChoice, NodeCodec, WriteOptions};
use wavecube_dsp::cube::{Cube, Node};
use wavecube_harness::library::commands::{TEST_PAUSE_ENV, TEST_PAUSE_MARKER};

fn wavecube(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wavecube"))
        .args(args)
        .output()
        .expect("the wavecube binary starts")
}

/// A fresh, empty folder under Cargo's per-crate temporary directory.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("library-cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `wavecube library --db DB ARGS…`, required to succeed; returns stdout.
fn lib_ok(db: &Path, args: &[&str]) -> String {
    let mut all = vec!["library", "--db", s(db)];
    all.extend_from_slice(args);
    let out = wavecube(&all);
    assert!(
        out.status.success(),
        "{all:?} failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// [`lib_ok`] parsed as JSON.
fn lib_json(db: &Path, args: &[&str]) -> Value {
    let stdout = lib_ok(db, args);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"))
}

/// Asserts `wavecube library --db DB ARGS…` exits 2 with one stderr line holding every
/// needle, and no panic.
fn lib_bad(db: &Path, args: &[&str], needles: &[&str]) {
    let mut all = vec!["library", "--db", s(db)];
    all.extend_from_slice(args);
    let out = wavecube(&all);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{all:?}: stderr {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{all:?}: not one line: {stderr}"
    );
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{all:?}: {stderr:?} lacks {needle:?}"
        );
    }
    assert!(!stderr.contains("panicked"), "{all:?} panicked: {stderr}");
}

/// A cube of `dims` with a distinct single cycle at every position except those `skip`
/// names, `len` samples, stereo if asked.
fn cube(name: &str, tags: &[&str], dims: [usize; 3], len: usize, stereo: bool) -> Cube {
    let mut cube = Cube::new(dims[0], dims[1], dims[2]).unwrap();
    cube.meta_mut().name = name.to_owned();
    cube.meta_mut().author = "library test".to_owned();
    cube.meta_mut().tags = tags.iter().map(|t| t.to_string()).collect();
    for x in 0..dims[0] {
        for y in 0..dims[1] {
            for z in 0..dims[2] {
                let k = (1 + x + 2 * y + 3 * z) as f64;
                let wave = |shift: f64| -> Vec<f32> {
                    (0..len)
                        .map(|i| {
                            let p = i as f64 / len as f64;
                            (0.6 * (std::f64::consts::TAU * k * p + shift).sin()) as f32
                        })
                        .collect()
                };
                let node = if stereo {
                    Node::stereo(wave(0.0), wave(1.0)).unwrap()
                } else {
                    Node::mono(wave(0.0)).unwrap()
                };
                cube.set(x, y, z, node).unwrap();
            }
        }
    }
    cube
}

/// Writes `cube` as a `.wcube` file with `codec` and returns its path and bytes.
fn write_bank(dir: &Path, file: &str, cube: &Cube, codec: NodeCodec) -> (PathBuf, Vec<u8>) {
    let options = WriteOptions {
        codec: CodecChoice::Fixed(codec),
        ..WriteOptions::default()
    };
    let bytes = write_wcube(cube, &options).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

/// "Basic Shapes": 2×2×2 mono 256-sample TQA nodes, one slot empty (7 nodes).
fn basic_shapes() -> Cube {
    let mut c = cube("Basic Shapes", &["basic", "synth"], [2, 2, 2], 256, false);
    c.remove(1, 1, 1).unwrap();
    c
}

/// "Vowel Pads": 3×2×1 stereo 512-sample lossless zstd nodes (6 nodes).
fn vowel_pads() -> Cube {
    cube("Vowel Pads", &["vocal", "Pad"], [3, 2, 1], 512, true)
}

/// The `name` of every bank `list --json` prints, with these extra arguments.
fn listed(db: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["list", "--json"];
    args.extend_from_slice(extra);
    let json = lib_json(db, &args);
    json.as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_owned())
        .collect()
}

/// `SELECT count(*)` of `table` through `library sql --json`.
fn count(db: &Path, table: &str) -> i64 {
    let json = lib_json(
        db,
        &[
            "sql",
            &format!("SELECT count(*) AS n FROM {table}"),
            "--json",
        ],
    );
    json[0]["n"].as_i64().unwrap()
}

#[test]
fn banks_go_in_list_by_tag_query_and_come_back_byte_for_byte() {
    let dir = scratch_dir("round-trip");
    let db = dir.join("lib").join("library.sqlite");
    let (a_path, a_bytes) =
        write_bank(&dir, "a.wcube", &basic_shapes(), NodeCodec::Tqa { bits: 6 });
    let b_cube = vowel_pads();
    let (b_path, b_bytes) = write_bank(&dir, "b.wcube", &b_cube, NodeCodec::Zstd);

    let report = lib_ok(&db, &["add", s(&a_path), s(&b_path)]);
    assert!(report.contains("added bank 1 \"Basic Shapes\""), "{report}");
    assert!(report.contains("added bank 2 \"Vowel Pads\""), "{report}");
    assert!(db.is_file(), "the folder and database were created");

    // list: everything the summary holds, and tag filters that match whole tags only.
    let banks = lib_json(&db, &["list", "--json"]);
    assert_eq!(banks[0]["nodes"], 7);
    assert_eq!(banks[0]["dims"], serde_json::json!([2, 2, 2]));
    assert_eq!(banks[0]["file_bytes"].as_u64(), Some(a_bytes.len() as u64));
    assert_eq!(banks[1]["tags"], serde_json::json!(["vocal", "Pad"]));
    assert_eq!(banks[1]["codecs"], serde_json::json!({"zstd": 6}));
    assert!(banks[1]["created"].as_str().unwrap().ends_with('Z'));
    let ratio = banks[1]["ratio"].as_f64().unwrap();
    assert!(ratio > 0.5 && ratio < 100.0, "ratio {ratio}");
    assert_eq!(listed(&db, &["--tag", "pad"]), ["Vowel Pads"]);
    assert!(
        listed(&db, &["--tag", "pa"]).is_empty(),
        "a tag prefix is not a tag"
    );
    assert!(listed(&db, &["--tag", "\"vocal\""]).is_empty());
    assert_eq!(
        listed(&db, &["--tag", "basic", "--tag", "SYNTH"]),
        ["Basic Shapes"]
    );
    assert!(listed(&db, &["--tag", "basic", "--tag", "vocal"]).is_empty());
    let table = lib_ok(&db, &["list"]);
    assert!(table.starts_with("id  name"), "{table}");
    assert!(
        table.contains("3x2x1") && table.contains("zstd:6"),
        "{table}"
    );

    // sql: node rows match the banks' node counts; the seed's columns hold the samples.
    assert_eq!(count(&db, "wavetable_nodes"), 7 + 6);
    let per_bank = lib_json(
        &db,
        &[
            "sql",
            "SELECT bank_id, count(*) AS n FROM wavetable_nodes GROUP BY bank_id ORDER BY 1",
            "--json",
        ],
    );
    assert_eq!(
        per_bank,
        serde_json::json!([{"bank_id": 1, "n": 7}, {"bank_id": 2, "n": 6}])
    );
    let shown = lib_ok(
        &db,
        &[
            "sql",
            "SELECT x, y, z, wavetable FROM wavetable_nodes WHERE bank_id = 2 LIMIT 1",
        ],
    );
    assert!(
        shown.contains("<blob 4096 bytes>"),
        "512 stereo f32 samples: {shown}"
    );
    assert!(shown.trim_end().ends_with("(1 row)"), "{shown}");
    let conn = Connection::open(&db).unwrap();
    let (blob, h, w, c, dtype): (Vec<u8>, i64, i64, i64, String) = conn
        .query_row(
            "SELECT wavetable, resolution_h, resolution_w, channels, dtype FROM wavetable_nodes
             WHERE bank_id = 2 AND x = 2 AND y = 1 AND z = 0",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!((h, w, c, dtype.as_str()), (1, 512, 2, "<f4"));
    let node = b_cube.get(2, 1, 0).unwrap();
    let samples: Vec<f32> = blob
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    for i in 0..512 {
        assert_eq!(
            samples[2 * i],
            node.channel(0)[i],
            "left {i}: zstd is lossless"
        );
        assert_eq!(samples[2 * i + 1], node.channel(1)[i], "right {i}");
    }
    let meta: String = conn
        .query_row(
            "SELECT metadata FROM wavetable_nodes WHERE bank_id = 1 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    assert!(meta["codec"].as_str().unwrap().starts_with("tqa"), "{meta}");
    assert!(meta["snr_db"].as_f64().unwrap() > 20.0, "{meta}");
    assert!(
        meta["source"].as_str().unwrap().ends_with("a.wcube"),
        "{meta}"
    );
    drop(conn);

    // Writes need --write, and SQLite (not a pre-check) is what refuses them.
    let insert = "INSERT INTO wavetable_nodes SELECT 2, 9, 9, 9, wavetable, resolution_h, \
                  resolution_w, channels, dtype, metadata FROM wavetable_nodes LIMIT 1";
    lib_bad(
        &db,
        &["sql", insert],
        &["readonly", "--write", "INSERT INTO"],
    );
    lib_bad(&db, &["sql", "DELETE FROM banks"], &["--write"]);
    assert_eq!(
        count(&db, "wavetable_nodes"),
        13,
        "the refused statements changed nothing"
    );
    let changed = lib_ok(
        &db,
        &[
            "sql",
            "--write",
            "UPDATE banks SET author = 'me' WHERE id = 1",
        ],
    );
    assert_eq!(changed.trim(), "1 row changed");

    // get restores the file byte for byte, by name or id, after the source is gone.
    std::fs::remove_file(&a_path).unwrap();
    let out_a = dir.join("out-a.wcube");
    lib_ok(&db, &["get", "basic shapes", "-o", s(&out_a)]);
    assert!(std::fs::read(&out_a).unwrap() == a_bytes, "bank 1 differs");
    let out_b = dir.join("out-b.wcube");
    lib_ok(&db, &["get", "2", "--out", s(&out_b)]);
    assert!(std::fs::read(&out_b).unwrap() == b_bytes, "bank 2 differs");

    // A name is taken until --replace, which keeps the id and drops the old extra nodes.
    let (small_path, _) = write_bank(
        &dir,
        "small.wcube",
        &cube("Basic Shapes", &["basic"], [1, 2, 1], 128, false),
        NodeCodec::F32,
    );
    lib_bad(
        &db,
        &["add", s(&small_path)],
        &["small.wcube", "already in the library (id 1)"],
    );
    let report = lib_ok(&db, &["add", "--replace", s(&small_path)]);
    assert!(
        report.contains("replaced bank 1 \"Basic Shapes\""),
        "{report}"
    );
    assert_eq!(count(&db, "wavetable_nodes"), 2 + 6);

    // remove: the bank and its nodes go; its id is not reused.
    let removed = lib_ok(&db, &["remove", "vowel PADS"]);
    assert!(
        removed.contains("removed bank 2 \"Vowel Pads\" (6 nodes)"),
        "{removed}"
    );
    assert_eq!(listed(&db, &[]), ["Basic Shapes"]);
    assert_eq!(count(&db, "wavetable_nodes"), 2);
    lib_bad(&db, &["remove", "2"], &["no bank with id or name \"2\""]);
    let report = lib_ok(&db, &["add", s(&b_path)]);
    assert!(report.contains("added bank 3 "), "{report}");
}

#[test]
fn the_library_lives_in_the_xdg_data_folder_unless_told_otherwise() {
    let dir = scratch_dir("location");
    let (bank, _) = write_bank(&dir, "a.wcube", &basic_shapes(), NodeCodec::F32);
    let run = |envs: &[(&str, &Path)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wavecube"));
        cmd.args(["library", "add", s(&bank)])
            .env_remove("WAVECUBE_LIBRARY")
            .env_remove("XDG_DATA_HOME");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{envs:?}: {}", text(&out.stderr));
    };
    run(&[("HOME", &dir.join("home"))]);
    assert!(dir
        .join("home/.local/share/wavecube/library.sqlite")
        .is_file());
    run(&[
        ("HOME", &dir.join("home")),
        ("XDG_DATA_HOME", &dir.join("xdg")),
    ]);
    assert!(dir.join("xdg/wavecube/library.sqlite").is_file());
    let named = dir.join("env").join("named.sqlite");
    run(&[
        ("XDG_DATA_HOME", &dir.join("xdg")),
        ("WAVECUBE_LIBRARY", &named),
    ]);
    assert!(named.is_file());
    // With HOME unset the home folder comes from the password entry (the `directories`
    // crate), so there is always a location on a machine with users; not run here, as it
    // would touch the real home.
}

#[test]
fn bad_input_exits_2_with_one_line_and_adds_nothing() {
    let dir = scratch_dir("bad-input");
    let db = dir.join("library.sqlite");
    let (good, bytes) = write_bank(&dir, "good.wcube", &basic_shapes(), NodeCodec::F32);
    let truncated = dir.join("truncated.wcube");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let junk = dir.join("junk.wcube");
    std::fs::write(&junk, b"not a cube bank at all").unwrap();

    // NOTE: `list` on a missing library is an empty list, not an error.
    let out = wavecube(&["library", "--db", s(&db), "list"]);
    assert!(out.status.success() && text(&out.stdout).starts_with("no banks"));
    lib_bad(
        &db,
        &["sql", "SELECT 1"],
        &["library.sqlite", "no library here yet"],
    );
    lib_bad(
        &db,
        &["add", s(&good), s(&dir.join("missing.wcube"))],
        &["missing.wcube"],
    );
    lib_bad(
        &db,
        &["add", s(&good), s(&truncated)],
        &["truncated.wcube", "truncated"],
    );
    lib_bad(&db, &["add", s(&junk)], &["junk.wcube", "not a .wcube"]);
    lib_bad(
        &db,
        &["add", s(&good), s(&good)],
        &["already in the library"],
    );
    assert!(
        listed(&db, &[]).is_empty(),
        "a failed add adds nothing, not even the good file"
    );

    lib_ok(&db, &["add", s(&good)]);
    lib_bad(
        &db,
        &["get", "Nope", "-o", s(&dir.join("x.wcube"))],
        &["\"Nope\""],
    );
    lib_bad(
        &db,
        &["get", "1", "-o", s(&dir.join("no/such/dir/x.wcube"))],
        &["x.wcube"],
    );
    lib_bad(&db, &["sql", "SELEC * FROM banks"], &["syntax error"]);
    lib_bad(&db, &["sql", "SELECT 1;\nSELECT 2"], &["one statement"]);
    lib_bad(
        &db,
        &["sql", "SELECT\n nope\n FROM banks"],
        &["no such column: nope"],
    );
    lib_bad(&db, &["sql", "  "], &["empty"]);
    lib_bad(
        &db,
        &["sql", "--write", "UPDATE banks SET tags = 'x'"],
        &["CHECK constraint"],
    );

    let not_db = dir.join("notes.txt");
    std::fs::write(
        &not_db,
        "just some text, long enough to be no SQLite header at all",
    )
    .unwrap();
    lib_bad(
        &not_db,
        &["add", s(&good)],
        &["notes.txt", "not a database"],
    );
    let foreign = dir.join("foreign.sqlite");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE wavetable_nodes (x, y, z)")
        .unwrap();
    lib_bad(
        &foreign,
        &["add", s(&good)],
        &["foreign.sqlite", "not a Wavecube library"],
    );
}

/// A child process that is killed (if still running) and reaped when dropped.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_writer_killed_mid_add_loses_nothing_committed() {
    let dir = scratch_dir("kill");
    let db = dir.join("library.sqlite");
    let wal = dir.join("library.sqlite-wal");
    let (a_path, a_bytes) =
        write_bank(&dir, "a.wcube", &basic_shapes(), NodeCodec::Tqa { bits: 6 });
    let (b_path, b_bytes) = write_bank(&dir, "b.wcube", &vowel_pads(), NodeCodec::Zstd);
    lib_ok(&db, &["add", s(&a_path)]);
    lib_ok(&db, &["add", s(&b_path)]);
    // 8×8×8 raw f32 nodes of 2048 samples: a 4 MiB file and 4 MiB of node rows, more
    // than SQLite's 2 MB page cache, so the transaction is well under way on disk.
    let (big_path, _) = write_bank(
        &dir,
        "big.wcube",
        &cube("Big", &["big"], [8, 8, 8], 2048, false),
        NodeCodec::F32,
    );

    // NOTE: if an assertion fails before the kill, the guard still ends the paused writer.
    let mut writer = Command::new(env!("CARGO_BIN_EXE_wavecube"))
        .args(["library", "--db", s(&db), "add", s(&big_path)])
        .env(TEST_PAUSE_ENV, "300")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map(KillOnDrop)
        .unwrap();
    let stderr = writer.0.stderr.take().unwrap();
    let paused = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with(TEST_PAUSE_MARKER));
    assert!(paused, "the writer ended without reaching its pause");
    let wal_bytes = std::fs::metadata(&wal).map_or(0, |m| m.len());
    // WAL readers do not wait for the writer, and see only what is committed.
    assert_eq!(
        listed(&db, &[]),
        ["Basic Shapes", "Vowel Pads"],
        "a reader mid-write"
    );
    writer.0.kill().unwrap(); // SIGKILL: no destructor, no rollback, no checkpoint.
    let status = writer.0.wait().unwrap();
    assert!(!status.success(), "the writer was killed, not finished");
    println!("killed the writer after 300 of 512 node rows, WAL {wal_bytes} bytes");
    assert!(
        wal_bytes > 2 << 20,
        "uncommitted rows reached the WAL before the kill: {wal_bytes} bytes"
    );

    let conn = Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let fk_errors: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk_errors, 0, "no node row without its bank");
    drop(conn);
    assert_eq!(
        listed(&db, &[]),
        ["Basic Shapes", "Vowel Pads"],
        "no partial bank"
    );
    assert_eq!(count(&db, "wavetable_nodes"), 7 + 6);
    for (key, bytes) in [("1", &a_bytes), ("2", &b_bytes)] {
        let out = dir.join(format!("bank-{key}.wcube"));
        lib_ok(&db, &["get", key, "-o", s(&out)]);
        assert!(std::fs::read(&out).unwrap() == *bytes, "bank {key} intact");
    }

    // The library takes the same bank afterwards, whole.
    lib_ok(&db, &["add", s(&big_path)]);
    assert_eq!(count(&db, "wavetable_nodes"), 7 + 6 + 512);
}
