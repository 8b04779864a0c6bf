//! The CLI as a Unix tool: a reader that closes the pipe early (`| head -1`) ends the
//! program quietly, and counts read "1 note", "1 node", never "1 notes".

mod common;

use std::io::Read;
use std::path::Path;
use std::process::Stdio;

use common::{bin, scratch_dir, text, wavecube};
use wavecube_dsp::bank::{write_wcube, WriteOptions};
use wavecube_dsp::cube::{Cube, Node};

/// Runs `args`, reads the first line of stdout and closes the pipe, as `| head -1` does;
/// returns that line, the exit status and stderr.
fn head_1(args: &[&str]) -> (String, std::process::ExitStatus, String) {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wavecube binary starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut byte = [0_u8; 1];
    while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    (text(&line), out.status, text(&out.stderr))
}

/// Exit 0, or the conventional end by SIGPIPE (141 in a shell: signal 13).
fn quiet_end(status: std::process::ExitStatus) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(13) {
            return true;
        }
    }
    matches!(status.code(), Some(0 | 141))
}

#[test]
fn a_closed_stdout_ends_every_big_printer_quietly() {
    let dir = scratch_dir("unix-cli", "pipe");
    let db = dir.join("lib.sqlite");
    let db = db.to_str().unwrap();
    let bank = Path::new(env!("CARGO_MANIFEST_DIR")).join("../presets/banks/fm-cube.wcube");
    let added = wavecube(&["library", "--db", db, "add", bank.to_str().unwrap()]);
    assert!(added.status.success(), "{}", text(&added.stderr));
    // 200,000 rows: far more than a pipe buffers, so the writer must meet the closed pipe.
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) \
               SELECT x, 'row' FROM c";
    let numbers = dir.join("numbers.txt");
    let list: Vec<String> = (0..200_000)
        .map(|i| format!("{}", (i % 97) as f64 * 0.01))
        .collect();
    std::fs::write(&numbers, list.join("\n")).unwrap();
    let numbers = numbers.to_str().unwrap();
    let cases: [&[&str]; 4] = [
        &["library", "--db", db, "sql", sql],
        &["library", "--db", db, "sql", "--json", sql],
        &[
            "wavelet",
            "dec",
            "--wavelet",
            "db4",
            "--level",
            "3",
            numbers,
        ],
        &["bank", "inspect", bank.to_str().unwrap()],
    ];
    for args in cases {
        let (first, status, stderr) = head_1(args);
        assert!(!first.is_empty(), "{args:?}: printed nothing");
        assert!(
            !stderr.contains("panicked")
                && !stderr.contains("Broken pipe")
                && !stderr.contains("RUST_BACKTRACE"),
            "{args:?}: {stderr}"
        );
        assert!(quiet_end(status), "{args:?}: {status:?}, stderr {stderr}");
    }
}

/// A one-node bank file (one 256-sample sine frame).
fn one_node_bank(path: &Path) {
    let mut cube = Cube::new(1, 1, 1).unwrap();
    let node = Node::from_fn(256, |p| (std::f64::consts::TAU * p).sin() * 0.5).unwrap();
    cube.set(0, 0, 0, node).unwrap();
    cube.meta_mut().name = "One".into();
    std::fs::write(path, write_wcube(&cube, &WriteOptions::default()).unwrap()).unwrap();
}

#[test]
fn counts_of_one_are_singular() {
    let dir = scratch_dir("unix-cli", "plurals");
    let bank = dir.join("one.wcube");
    one_node_bank(&bank);
    let out_wav = dir.join("one.wav");
    let render = wavecube(&[
        "render",
        "--notes",
        "A4@0:0.1",
        "--bank",
        bank.to_str().unwrap(),
        "--seconds",
        "0.2",
        "--out",
        out_wav.to_str().unwrap(),
    ]);
    let stdout = text(&render.stdout);
    assert!(render.status.success(), "{}", text(&render.stderr));
    assert!(stdout.contains("(1 note)"), "{stdout}");
    let converted = dir.join("two.wcube");
    let convert = wavecube(&[
        "bank",
        "convert",
        bank.to_str().unwrap(),
        converted.to_str().unwrap(),
    ]);
    let stdout = text(&convert.stdout);
    assert!(convert.status.success(), "{}", text(&convert.stderr));
    assert!(stdout.contains(" 1 node ("), "{stdout}");
    let export = dir.join("one-export.wav");
    let exported = wavecube(&[
        "bank",
        "export",
        bank.to_str().unwrap(),
        "-o",
        export.to_str().unwrap(),
    ]);
    let stdout = text(&exported.stdout);
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    assert!(stdout.contains(": 1 frame of 2048 samples"), "{stdout}");
    for out in [&render, &convert, &exported] {
        let all = text(&out.stdout);
        for wrong in ["1 notes", "1 nodes", "1 frames", "1 bytes", "1 channels"] {
            assert!(!all.contains(&format!(" {wrong}")), "{wrong:?} in {all}");
        }
    }
}
