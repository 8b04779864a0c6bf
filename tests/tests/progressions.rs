//! The style classifier's corpus: the committed files are exactly what the generator
//! writes, every one parses, and the classifier trained on them clears the seed's bar.

use std::path::PathBuf;

use wavecube_dsp::harmony::{corpus_files, evaluate_corpus, parse_progression};
use wavecube_harness::presets::PROGRESSIONS_DIR;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(PROGRESSIONS_DIR)
}

#[test]
fn committed_progressions_match_the_generator_and_parse() {
    let files = corpus_files();
    assert!(files.len() >= 200, "{} progressions", files.len());
    let mut problems = Vec::new();
    for (file, text) in &files {
        let path = dir().join(file);
        match std::fs::read_to_string(&path) {
            Ok(committed) if &committed == text => {}
            Ok(_) => problems.push(format!("{} differs", path.display())),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
        if let Err(e) = parse_progression(text) {
            problems.push(format!("{file}: {e}"));
        }
    }
    let committed = std::fs::read_dir(dir()).unwrap().count();
    assert_eq!(committed, files.len(), "stray files in {PROGRESSIONS_DIR}");
    assert!(
        problems.is_empty(),
        "run `cargo xtask presets` and commit:\n{}",
        problems.join("\n")
    );
}

#[test]
fn classifier_beats_seventy_percent_on_held_out_progressions() {
    let eval = evaluate_corpus().unwrap();
    eprintln!("{eval}");
    assert!(
        eval.accuracy() > 0.7,
        "held-out accuracy {}",
        eval.accuracy()
    );
}
