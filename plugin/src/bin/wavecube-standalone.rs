//! `wavecube-standalone`: Wavecube as an app on JACK or ALSA (cpal), without a plugin host,
//! with its editor in a window.
//!
//! `--help` lists nice-plug's options: `--backend auto|jack|alsa|dummy`, sample rate, period
//! size, JACK port connections and MIDI input. Two more are Wavecube's own and are taken out
//! before nice-plug reads the rest:
//!
//! - `--patch NAME`: apply the factory patch `presets/patches/NAME.json`, else the user
//!   preset with file stem NAME, when the editor opens (through the editor, as a click in its
//!   browser would);
//! - `--no-editor`: run without a window. Without a display (`DISPLAY` unset) the standalone
//!   runs without one too, and says so.
//!
//! Stop it by closing the window, or with SIGINT (Ctrl-C) when it has none.

use std::process::ExitCode;

use nice_plug::prelude::*;
use wavecube_plugin::Wavecube;

/// Wavecube's own options, as `--help` shows them before nice-plug's.
const OWN_HELP: &str = "\
Wavecube options (before nice-plug's):
      --patch <NAME>  Apply the factory patch NAME (e.g. cube-orbit), else the user preset
                      NAME, when the editor opens
      --no-editor     Run without the editor window (also the case without a display)
";

/// Splits Wavecube's options off `args`; returns the rest, the patch and whether to run
/// without the editor.
fn own_options(args: Vec<String>) -> Result<(Vec<String>, Option<String>, bool), String> {
    let mut rest = Vec::with_capacity(args.len());
    let mut patch = None;
    let mut no_editor = false;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        if arg == "--no-editor" {
            no_editor = true;
        } else if arg == "--patch" {
            patch = Some(
                it.next()
                    .ok_or("--patch needs a patch name, e.g. --patch cube-orbit")?,
            );
        } else if let Some(name) = arg.strip_prefix("--patch=") {
            patch = Some(name.to_owned());
        } else {
            rest.push(arg);
        }
    }
    Ok((rest, patch, no_editor))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (args, patch, no_editor) = match own_options(args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("wavecube-standalone: {message}");
            return ExitCode::from(2);
        }
    };
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{OWN_HELP}");
    }
    let display = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
    if no_editor || !display {
        if !no_editor {
            eprintln!(
                "wavecube-standalone: no display (DISPLAY is not set); running without the editor"
            );
        }
        wavecube_plugin::editor::disable_editor();
    }
    if let Some(patch) = &patch {
        wavecube_plugin::editor::set_startup_patch(patch);
    }
    // nice-plug reports a failed backend, plugin or editor start by returning false, but
    // would still exit with status 0; turn that into a failure status.
    if nice_export_standalone_with_args::<Wavecube, _>(args) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
