//! `cargo xtask`: the Wavecube workspace's tasks — `bundle`, `demo`, `test` and `presets`.
//!
//! Each task installs the Debian packages it needs (when missing), prints every
//! command before running it, and stops at the first failure with a one-line
//! message and a non-zero exit code. `bundle` is nice-plug-xtask's bundler.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus};
use std::time::Instant;

use wavecube_harness::demo::{demo_midi_bytes, DEMO_MIDI_PATH};

/// Debian packages that building the plugin and the standalone needs (nice-plug: ALSA and
/// JACK for the standalone, X11/GL/xkbcommon for the windowing it links).
const PLUGIN_BUILD_PACKAGES: &[&str] = &[
    "libasound2-dev",
    "libjack-jackd2-dev",
    "libx11-xcb-dev",
    "libxcursor-dev",
    "libgl-dev",
    "libxkbcommon-dev",
    "libxrandr-dev",
    "pkg-config",
];

/// Debian packages `cargo xtask bundle` and `cargo xtask demo` need.
const DEMO_PACKAGES: &[&str] = PLUGIN_BUILD_PACKAGES;

/// Debian packages that only the end-to-end tests need: the pedalboard venv and a JACK
/// server (its dummy backend) for the standalone smoke test; an X server with Mesa software
/// GL, ImageMagick and xdotool for the editor's screenshot test.
const E2E_PACKAGES: &[&str] = &[
    "python3-venv",
    "jackd2",
    "xvfb",
    "xauth",
    "imagemagick",
    "xdotool",
];

/// The package the plugin bundles are built from.
const PLUGIN_PACKAGE: &str = "wavecube-plugin";

/// Bundle name from `bundler.toml`.
const BUNDLE_NAME: &str = "Wavecube";

/// Python packages of the end-to-end venv. audiotq is the original TQA codec, pinned to the
/// version the cross-check was written against.
const E2E_PIP_PACKAGES: &[&str] = &[
    "pedalboard",
    "mido",
    "numpy",
    "audiotq==0.1.1",
    "PyWavelets==1.9.0",
    "scipy",
];

/// The pedalboard (VST3 host) test script, relative to the workspace root.
const PEDALBOARD_TEST: &str = "tests/e2e/test_pedalboard.py";

/// The standalone smoke test script, relative to the workspace root.
const STANDALONE_SMOKE: &str = "tests/e2e/standalone_smoke.sh";

/// The editor's screenshot test script, relative to the workspace root.
const EDITOR_SCREENSHOTS: &str = "tests/e2e/editor_screenshots.sh";

/// The TQA codec's cross-check against audiotq, relative to the workspace root.
const TQA_AUDIOTQ_TEST: &str = "tests/e2e/test_tqa_audiotq.py";

/// Morph settings of the demo render: a slow sweep on x and y across the cube.
const DEMO_SOUND_ARGS: &[&str] = &[
    "--morph",
    "0.3,0.4,0.2",
    "--lfo",
    "x:0.15:0.4",
    "--lfo",
    "y:0.07:0.3",
    "--lfo",
    "z:0.05:0.15:triangle",
];

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  bundle    nice-plug-xtask's bundler, e.g. `cargo xtask bundle wavecube-plugin --release`
            writes target/bundled/Wavecube.clap and target/bundled/Wavecube.vst3
  demo      install missing system packages, build the `wavecube` CLI (release) and
            render presets/demo/demo.mid with morph LFOs to target/demo/demo.wav; then
            build the release CLAP/VST3 bundles and the standalone and print their paths
  test      install missing system packages, then run in order, stopping at the first
            failure: cargo fmt --all -- --check; cargo clippy --workspace --all-targets
            -- -D warnings; cargo test --workspace; the release bundles; the pedalboard
            (VST3 host) tests in the venv target/e2e-venv; the standalone smoke test on
            JACK's dummy backend and a null ALSA device; the editor's screenshot test under
            Xvfb (screenshots in target/screenshots); the TQA codec against audiotq
  e2e       only the real-host part of `test`: the release bundles, the pedalboard tests,
            the standalone smoke test, the editor screenshots and the TQA cross-check
  presets   regenerate presets/demo/demo.mid, presets/patches/*.json and presets/banks/*.wcube";

/// Why a task failed.
#[derive(Debug, thiserror::Error)]
enum TaskError {
    /// Unknown or missing task name.
    #[error("unknown task '{0}'\n{USAGE}")]
    Usage(String),
    /// A command could not be started.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    /// A command ran and failed.
    #[error("`{command}` failed ({status}){hint}")]
    Failed {
        command: String,
        status: ExitStatus,
        hint: &'static str,
    },
    /// Missing system packages that cannot be installed from here.
    #[error("missing Debian packages: {missing}; not root and no sudo, so install them as root: apt-get install -y --no-install-recommends {missing}")]
    Packages { missing: String },
    /// nice-plug-xtask's bundler failed.
    #[error("bundling failed: {0}")]
    Bundle(String),
    /// The factory patches could not be written.
    #[error(transparent)]
    Presets(#[from] wavecube_harness::presets::PresetError),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    let result = match task.as_deref() {
        Some("bundle") => bundle(std::env::args().skip(2).collect()),
        Some("demo") => demo(),
        Some("test") => test(),
        Some("e2e") => {
            let packages: Vec<&str> = PLUGIN_BUILD_PACKAGES
                .iter()
                .chain(E2E_PACKAGES)
                .copied()
                .collect();
            ensure_packages(&packages).and_then(|()| e2e())
        }
        Some("presets") => presets(),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        None => Err(TaskError::Usage(String::new())),
        Some(other) => Err(TaskError::Usage(other.to_owned())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's directory).
fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` or `<root>/target`.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// The cargo that runs us (so toolchain overrides carry through), else `cargo`.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// `cmd` as a shell-like line, for printing; paths inside the workspace are
/// shown relative to its root, and cargo as plain `cargo`.
fn describe(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let program = if std::env::var_os("CARGO").as_deref() == Some(program.as_os_str()) {
        "cargo".to_owned()
    } else {
        let root = root();
        program
            .strip_prefix(&root)
            .unwrap_or(program)
            .to_string_lossy()
            .into_owned()
    };
    std::iter::once(program)
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prints `cmd`, runs it with inherited stdio, and fails unless it succeeds.
fn run(cmd: &mut Command, hint: &'static str) -> Result<(), TaskError> {
    let command = describe(cmd);
    println!("$ {command}");
    let status = cmd.status().map_err(|source| TaskError::Spawn {
        command: command.clone(),
        source,
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(TaskError::Failed {
            command,
            status,
            hint,
        })
    }
}

/// True if `program args` can be started and exits successfully (output discarded).
fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// True if dpkg reports `name` as "install ok installed".
fn is_installed(name: &str) -> bool {
    Command::new("dpkg")
        .args(["-s", name])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "Status: install ok installed")
        })
}

/// Makes sure the Debian packages `names` are installed: checks each with
/// `dpkg -s`, and only if some are missing runs `apt-get update` and
/// `apt-get install -y --no-install-recommends` for them — directly as root,
/// through sudo otherwise, and fails with the command to run if neither works.
fn ensure_packages(names: &[&str]) -> Result<(), TaskError> {
    if !succeeds("dpkg", &["--version"]) {
        println!(
            "xtask: dpkg not found (not Debian?); make sure these are installed: {}",
            names.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = names.iter().copied().filter(|n| !is_installed(n)).collect();
    if missing.is_empty() {
        println!("xtask: system packages present: {}", names.join(" "));
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| -> Command {
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    if !is_root && !succeeds("sudo", &["--version"]) {
        return Err(TaskError::Packages {
            missing: missing.join(" "),
        });
    }
    println!(
        "xtask: installing missing system packages: {}",
        missing.join(" ")
    );
    run(&mut apt(&["update"]), "")?;
    let mut install = apt(&["install", "-y", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install, "")
}

/// `cargo xtask bundle ARGS...`: nice-plug-xtask's `bundle` with `ARGS` (packages and cargo
/// build options), after making sure the build's system packages are installed.
fn bundle(args: Vec<String>) -> Result<(), TaskError> {
    ensure_packages(PLUGIN_BUILD_PACKAGES)?;
    println!("$ cargo xtask bundle {}", args.join(" "));
    nice_plug_xtask::main_with_args(
        "cargo xtask",
        std::iter::once("bundle".to_owned()).chain(args),
    )
    .map_err(|err| TaskError::Bundle(format!("{err:#}")))
}

/// Builds the release plugin bundles (and with them the standalone binary) and returns the
/// paths of the CLAP bundle, the VST3 bundle and the standalone.
fn bundle_release() -> Result<[PathBuf; 3], TaskError> {
    bundle(vec![PLUGIN_PACKAGE.to_owned(), "--release".to_owned()])?;
    let bundled = target_dir().join("bundled");
    let paths = [
        bundled.join(format!("{BUNDLE_NAME}.clap")),
        bundled.join(format!("{BUNDLE_NAME}.vst3")),
        target_dir().join("release").join("wavecube-standalone"),
    ];
    for path in &paths {
        if !path.exists() {
            return Err(TaskError::Bundle(format!(
                "{} was not created",
                path.display()
            )));
        }
    }
    Ok(paths)
}

fn demo() -> Result<(), TaskError> {
    ensure_packages(DEMO_PACKAGES)?;
    run(
        cargo().args(["build", "--release", "-p", "wavecube-harness"]),
        "",
    )?;
    let out_dir = target_dir().join("demo");
    std::fs::create_dir_all(&out_dir).map_err(|source| TaskError::Io {
        path: out_dir.clone(),
        source,
    })?;
    let wav = out_dir.join("demo.wav");
    let mut render = Command::new(target_dir().join("release").join("wavecube"));
    render
        .current_dir(root())
        .args(["render", "--midi", DEMO_MIDI_PATH, "--out"])
        .arg(&wav)
        .args(DEMO_SOUND_ARGS);
    run(&mut render, "")?;
    println!("xtask demo: wrote {}", wav.display());
    let plot = out_dir.join("demo-tension.png");
    let csv = out_dir.join("demo-tension.csv");
    let mut analyze = Command::new(target_dir().join("release").join("wavecube"));
    analyze
        .current_dir(root())
        .args(["analyze", DEMO_MIDI_PATH, "--csv"])
        .arg(&csv)
        .arg("--plot")
        .arg(&plot);
    run(&mut analyze, "")?;
    println!("xtask demo: tension plot: {}", plot.display());
    let sculpt = out_dir.join("demo-sculpt.png");
    let mut sculpt_cmd = Command::new(target_dir().join("release").join("wavecube"));
    sculpt_cmd
        .current_dir(root())
        .args(["sculpt", "--img", "factory", "--audio"])
        .arg(&wav)
        .arg("--out")
        .arg(&sculpt)
        .args(["--mode", "stereo", "--colorspace", "color"]);
    run(&mut sculpt_cmd, "")?;
    println!(
        "xtask demo: factory image sculpted by the demo: {}",
        sculpt.display()
    );
    let [clap, vst3, standalone] = bundle_release()?;
    println!("xtask demo: CLAP plugin:  {}", clap.display());
    println!("xtask demo: VST3 plugin:  {}", vst3.display());
    println!("xtask demo: standalone:   {}", standalone.display());
    Ok(())
}

fn test() -> Result<(), TaskError> {
    let started = Instant::now();
    let packages: Vec<&str> = PLUGIN_BUILD_PACKAGES
        .iter()
        .chain(E2E_PACKAGES)
        .copied()
        .collect();
    ensure_packages(&packages)?;
    let steps: [(&[&str], &'static str); 3] = [
        (
            &["fmt", "--all", "--", "--check"],
            "; run `cargo fmt --all` to fix the formatting",
        ),
        (
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            "; fix the lints above",
        ),
        (&["test", "--workspace"], "; see the failing tests above"),
    ];
    for (args, hint) in steps {
        run(cargo().args(args.iter().map(OsStr::new)), hint)?;
    }
    e2e()?;
    println!(
        "xtask test: all passed: fmt, clippy (-D warnings), cargo test --workspace, release \
         bundles, pedalboard host tests, standalone smoke test, editor screenshots, TQA \
         against audiotq in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The real-host tests: builds the release bundles, runs the pedalboard checks on the VST3 in
/// the venv, the standalone smoke test, the editor's screenshot test, and the TQA codec (release `wavecube` CLI) against
/// audiotq in the venv.
fn e2e() -> Result<(), TaskError> {
    let started = Instant::now();
    let [_, vst3, standalone] = bundle_release()?;
    let python = e2e_venv()?;
    let mut pedalboard = Command::new(&python);
    pedalboard
        .current_dir(root())
        .arg(PEDALBOARD_TEST)
        .arg(&vst3);
    run(&mut pedalboard, "; see the failing host check above")?;
    let mut smoke = Command::new("bash");
    // NOTE: without a display the standalone runs without its editor, which is what the smoke
    // test stops with SIGINT (an open editor window ignores SIGINT).
    smoke
        .current_dir(root())
        .env_remove("DISPLAY")
        .arg(STANDALONE_SMOKE)
        .arg(&standalone);
    run(&mut smoke, "; see the smoke test's log above")?;
    let mut shots = Command::new("bash");
    shots
        .current_dir(root())
        .env("WAVECUBE_SCREENSHOTS", target_dir().join("screenshots"))
        .arg(EDITOR_SCREENSHOTS)
        .arg(&standalone);
    run(&mut shots, "; see the screenshot checks above")?;
    run(
        cargo().args(["build", "--release", "-p", "wavecube-harness"]),
        "",
    )?;
    let mut tqa = Command::new(&python);
    tqa.current_dir(root())
        .arg(TQA_AUDIOTQ_TEST)
        .arg(target_dir().join("release").join("wavecube"));
    run(&mut tqa, "; see the failing TQA check above")?;
    println!(
        "xtask e2e: passed: release bundles, pedalboard host tests, standalone smoke test, \
         editor screenshots, TQA against audiotq in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Creates the end-to-end venv `target/e2e-venv` if needed, installs its Python packages
/// (pip skips those already present, without going to the network), and returns its python.
fn e2e_venv() -> Result<PathBuf, TaskError> {
    let venv = target_dir().join("e2e-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "; is python3-venv installed?",
        )?;
    }
    let mut pip = Command::new(venv.join("bin").join("pip"));
    pip.args(["install", "--disable-pip-version-check", "--quiet"])
        .args(E2E_PIP_PACKAGES);
    run(&mut pip, "; pip needs network access the first time")?;
    Ok(python)
}

fn presets() -> Result<(), TaskError> {
    let path = root().join(DEMO_MIDI_PATH);
    let io = |source| TaskError::Io {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let bytes = demo_midi_bytes();
    std::fs::write(&path, &bytes).map_err(io)?;
    println!(
        "xtask presets: wrote {} ({} bytes)",
        DEMO_MIDI_PATH,
        bytes.len()
    );
    let written = wavecube_harness::presets::write_factory_presets(&root())?;
    println!(
        "xtask presets: wrote {} factory patches to {}",
        written.len(),
        wavecube_harness::presets::PATCHES_DIR
    );
    let banks = wavecube_harness::presets::write_factory_banks(&root())?;
    println!(
        "xtask presets: wrote {} factory banks to {}",
        banks.len(),
        wavecube_harness::presets::BANKS_DIR
    );
    let progressions = wavecube_harness::presets::write_progressions(&root())?;
    println!(
        "xtask presets: wrote {} labelled progressions to {}",
        progressions.len(),
        wavecube_harness::presets::PROGRESSIONS_DIR
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_status_is_read() {
        if !succeeds("dpkg", &["--version"]) {
            return; // Not Debian: ensure_packages only advises there.
        }
        assert!(is_installed("dpkg"), "dpkg itself is installed");
        assert!(!is_installed("wavecube-no-such-package"));
    }

    #[test]
    fn commands_print_relative_to_the_root() {
        let mut cmd = Command::new(root().join("target/release/wavecube"));
        cmd.args(["render", "--out", "x.wav"]);
        assert_eq!(describe(&cmd), "target/release/wavecube render --out x.wav");
    }
}
