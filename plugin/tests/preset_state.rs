//! The patch in use and its "modified" mark ride in the plugin state: saved, restored in a
//! new instance, and old states (version 2, before they existed) still load.

mod common;

use std::collections::BTreeMap;

use common::Host;
use nice_plug::prelude::*;
use wavecube_plugin::state::{PatchState, FILE_BANK, PATCH_STATE_VERSION};

fn saved(host: &Host) -> PatchState {
    serde_json::from_str(&host.plugin.params().serialize_fields()["patch"]).expect("json")
}

fn restored(fields: &BTreeMap<String, String>) -> Host {
    Host::new_with(&[], |plugin| plugin.params().deserialize_fields(fields))
}

#[test]
fn the_patch_name_and_modified_flag_survive_save_and_load() {
    let first = Host::new(&[]);
    first.plugin.wavecube_params().bank_state.set_patch(
        Some("My Glass"),
        Some("user:My Glass"),
        true,
    );
    let fields = first.plugin.params().serialize_fields();
    drop(first);

    let second = restored(&fields);
    let state = saved(&second);
    assert_eq!(state.version, PATCH_STATE_VERSION);
    assert_eq!(state.patch.as_deref(), Some("My Glass"));
    assert_eq!(state.patch_key.as_deref(), Some("user:My Glass"));
    assert!(state.modified);

    // Unmodified round-trips as unmodified (the flag is read, not assumed).
    second.plugin.wavecube_params().bank_state.set_patch(
        Some("Warm Pad"),
        Some("factory:warm-pad"),
        false,
    );
    let third = restored(&second.plugin.params().serialize_fields());
    let state = saved(&third);
    assert_eq!(state.patch.as_deref(), Some("Warm Pad"));
    assert_eq!(state.patch_key.as_deref(), Some("factory:warm-pad"));
    assert!(!state.modified);
}

#[test]
fn a_version_2_state_loads_with_no_patch_and_not_modified() {
    let v2 = r#"{"version":2,"bank":"fm-cube","file":null,"patch":null}"#;
    let host = restored(&BTreeMap::from([("patch".to_owned(), v2.to_owned())]));
    let state = saved(&host);
    assert_eq!(state.version, PATCH_STATE_VERSION);
    assert_eq!(state.patch, None);
    assert_eq!(state.patch_key, None);
    assert!(!state.modified);
    // A v3 record with a file bank keeps both the bank and the patch fields.
    let v3 = r#"{"version":3,"bank":"file","file":{"path":"x.wcube","wcube":null},
        "patch":"Mine","patch_key":"user:Mine","modified":true}"#;
    let state: PatchState = serde_json::from_str(v3).expect("parses");
    assert_eq!(state.bank, FILE_BANK);
    assert_eq!(state.patch.as_deref(), Some("Mine"));
    assert!(state.modified);
}
