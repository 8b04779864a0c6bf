//! The factory banks: the committed files are exactly what the generator writes, and
//! each one reads back as the cube it was made from, within its quality target.

use std::path::PathBuf;

use wavecube_dsp::bank::factory::{factory_bank, factory_bank_files, FACTORY_BANKS};
use wavecube_dsp::bank::{inspect_wcube, read_wcube, snr_db};
use wavecube_harness::presets::BANKS_DIR;

fn banks_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(BANKS_DIR)
}

#[test]
fn committed_banks_match_the_generator() {
    let files = factory_bank_files().unwrap();
    assert_eq!(files.len(), FACTORY_BANKS.len());
    let mut problems = Vec::new();
    for (file, bytes) in &files {
        let path = banks_dir().join(file);
        match std::fs::read(&path) {
            Ok(committed) if &committed == bytes => {}
            Ok(committed) => problems.push(format!(
                "{} differs ({} bytes committed, {} generated)",
                path.display(),
                committed.len(),
                bytes.len()
            )),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(
        problems.is_empty(),
        "run `cargo xtask presets` and commit:\n{}",
        problems.join("\n")
    );
}

#[test]
fn factory_banks_read_back_within_60_db() {
    for (stem, name) in FACTORY_BANKS {
        let bytes = std::fs::read(banks_dir().join(format!("{stem}.wcube"))).unwrap();
        let info = inspect_wcube(&bytes).unwrap();
        let cube = read_wcube(&bytes).unwrap();
        let source = factory_bank(stem).unwrap();
        assert_eq!(cube.meta().name, name);
        assert_eq!(cube.dims(), source.dims());
        let mut worst = f64::INFINITY;
        for (p, node) in source.iter() {
            let back = cube.get(p[0], p[1], p[2]).unwrap();
            let decoded: Vec<Vec<f32>> = (0..back.channels())
                .map(|c| back.channel(c).to_vec())
                .collect();
            worst = worst.min(snr_db(node, &decoded));
        }
        let mut codecs: Vec<String> = info.nodes.iter().map(|n| n.codec.name()).collect();
        codecs.sort();
        codecs.dedup();
        println!(
            "{stem}: {:?}, {} bytes, ratio {:.2} vs f32, worst node {worst:.1} dB, codecs {codecs:?}",
            cube.dims(),
            info.file_bytes,
            info.decoded_bytes as f64 / info.file_bytes as f64
        );
        assert!(worst >= 60.0, "{stem}: {worst}");
    }
}
