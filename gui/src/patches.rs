//! The factory patches, embedded at build time from `presets/patches/*.json` (see
//! `build.rs`) and parsed with [`Patch::from_json`].

use wavecube_dsp::patch::Patch;

include!(concat!(env!("OUT_DIR"), "/factory_patches.rs"));

/// A factory patch as the browser lists it.
#[derive(Debug, Clone)]
pub struct FactoryPatch {
    /// File stem, e.g. "cube-orbit" (what `--patch` takes).
    pub stem: &'static str,
    /// The patch.
    pub patch: Patch,
}

/// Every factory patch that parses, sorted by category then name, and a message for each
/// file that does not (a broken build of the presets; shown in the editor, never a panic).
///
/// # Allocation
/// Parses every patch (once per editor).
pub fn factory_patches() -> (Vec<FactoryPatch>, Vec<String>) {
    let mut patches = Vec::new();
    let mut errors = Vec::new();
    for &(stem, json) in FACTORY_PATCH_FILES {
        match Patch::from_json(json) {
            Ok(patch) => patches.push(FactoryPatch { stem, patch }),
            Err(err) => errors.push(format!("factory patch {stem}.json: {err}")),
        }
    }
    patches.sort_by(|a, b| {
        (a.patch.meta.category, &a.patch.meta.name)
            .cmp(&(b.patch.meta.category, &b.patch.meta.name))
    });
    (patches, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_factory_patch_is_embedded_and_parses() {
        let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../presets/patches"))
            .expect("presets/patches exists")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count();
        let (patches, errors) = factory_patches();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(patches.len(), on_disk);
        assert!(patches.iter().any(|p| p.stem == "cube-orbit"));
    }
}
