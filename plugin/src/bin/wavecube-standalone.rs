//! `wavecube-standalone`: Wavecube as an app on JACK or ALSA (cpal), without a plugin host.
//!
//! `--help` lists the options: `--backend auto|jack|alsa|dummy`, sample rate, period size,
//! JACK port connections and MIDI input. Stop it with SIGINT (Ctrl-C).

use std::process::ExitCode;

use nice_plug::prelude::*;
use wavecube_plugin::Wavecube;

fn main() -> ExitCode {
    // nice-plug reports a failed backend or plugin start by returning false, but would still
    // exit with status 0; turn that into a failure status.
    if nice_export_standalone::<Wavecube>() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
