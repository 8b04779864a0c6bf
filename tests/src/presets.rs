//! Factory patches: the sounds in `presets/patches/`, defined here in code, written by
//! [`write_factory_presets`] (`cargo xtask presets`), and found by name for
//! `wavecube render --patch`.
//!
//! The factory cube's axes, which the patches are placed along: x is shape (sine 0,
//! triangle 1/3, saw 2/3, square 1), y is brightness (dark 0 to full-band 1), z is a
//! formant (none 0, then a resonance at harmonic 4, 10 and 24).

use std::path::{Path, PathBuf};

use wavecube_dsp::fx::compressor::Detection;
use wavecube_dsp::fx::delay::DelayMode;
use wavecube_dsp::fx::distortion::DistortionMode;
use wavecube_dsp::fx::eq::BellBand;
use wavecube_dsp::fx::phaser::PhaserMode;
use wavecube_dsp::fx::rack::{FxKind, RackSettings};
use wavecube_dsp::fx::sync::{Feel, NoteValue, SyncDivision};
use wavecube_dsp::modulation::{Destination, ModMatrix, Slot, Source, MACROS};
use wavecube_dsp::patch::{
    Category, EnvSection, FilterSection, LfoSection, ModSection, Patch, PatchError, PatchMeta,
    Sound, VoiceSection,
};
use wavecube_dsp::synth::{FilterMode, LfoShape, VoiceMode};

/// Where the factory patches live, relative to the workspace root.
pub const PATCHES_DIR: &str = "presets/patches";

/// Where the factory banks live, relative to the workspace root.
pub const BANKS_DIR: &str = "presets/banks";

/// Where the style classifier's labelled progressions live, relative to the workspace root.
pub const PROGRESSIONS_DIR: &str = "presets/progressions";

/// The bank name of every factory patch.
pub const FACTORY_BANK: &str = "factory";

/// The author of every factory patch.
pub const FACTORY_AUTHOR: &str = "Wavecube";

/// A patch file that could not be found, read, decoded or written.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    /// `--patch NAME` names no file in the patch directory.
    #[error(
        "--patch \"{name}\": no patch {}/{name}.json (available: {})",
        dir.display(),
        if available.is_empty() { "none".to_owned() } else { available.join(", ") }
    )]
    NotFound {
        /// The name given.
        name: String,
        /// The directory searched.
        dir: PathBuf,
        /// The patch names found there, sorted.
        available: Vec<String>,
    },
    /// `--patch NAME` names neither a factory patch nor a user preset.
    #[error("{0}")]
    NotFoundAnywhere(Box<NoPatch>),
    /// The patch file could not be read.
    #[error("{}: cannot read patch: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid patch.
    #[error("{}: {source}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the field and place.
        source: PatchError,
    },
    /// A factory bank could not be coded.
    #[error("factory bank: {0}")]
    Bank(#[from] wavecube_dsp::bank::BankError),
    /// A factory patch file could not be written.
    #[error("{}: cannot write patch: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What `--patch NAME` looked through when it found nothing (see
/// [`PresetError::NotFoundAnywhere`]).
#[derive(Debug, thiserror::Error)]
#[error(
    "--patch \"{name}\": no factory patch {}/{name}.json and no user preset of that name in {} \
     (factory: {}; user: {})",
    dir.display(),
    user_dir.display(),
    if factory.is_empty() { "none".to_owned() } else { factory.join(", ") },
    if user.is_empty() { "none".to_owned() } else { user.join(", ") }
)]
pub struct NoPatch {
    /// The name given.
    pub name: String,
    /// The factory patch directory.
    pub dir: PathBuf,
    /// The user preset folder.
    pub user_dir: PathBuf,
    /// The factory patch names, sorted.
    pub factory: Vec<String>,
    /// The user preset stems, in list order.
    pub user: Vec<String>,
}

/// The factory patches, in browsing order (category by category). Same values on every
/// call; every one passes [`Patch::validate`].
///
/// # Allocation
/// Allocates the patches.
pub fn factory_patches() -> Vec<Patch> {
    vec![
        warm_pad(),
        glass_pad(),
        tension_pad(),
        cathedral_pad(),
        phase_strings(),
        sub_bass(),
        acid_bass(),
        fuzz_bass(),
        bright_lead(),
        square_lead(),
        soft_pluck(),
        vowel_pluck(),
        dub_echo(),
        electric_keys(),
        drawbar_organ(),
        lofi_keys(),
        robot_chatter(),
        siren_riser(),
        jet_flanger(),
        cube_orbit(),
        formant_sweep(),
    ]
}

/// The file stem of a patch name: ASCII letters and digits lowercased, every other run of
/// characters one `-` (`"Warm Pad"` → `warm-pad`).
pub fn file_stem(name: &str) -> String {
    let mut stem = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            stem.push(c.to_ascii_lowercase());
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    while stem.ends_with('-') {
        stem.pop();
    }
    stem
}

/// Each factory patch as `(file name, JSON text)`, e.g. `("warm-pad.json", "{...}\n")`.
/// Byte-stable: the text depends only on the patch values.
///
/// # Allocation
/// Allocates the names and texts.
pub fn factory_files() -> Vec<(String, String)> {
    factory_patches()
        .iter()
        .map(|p| {
            (
                format!("{}.json", file_stem(&p.meta.name)),
                p.to_json_pretty(),
            )
        })
        .collect()
}

/// Writes every factory patch to `root/presets/patches/NAME.json` (creating the directory)
/// and returns the paths written, in [`factory_patches`] order. Files of other names are
/// left alone.
///
/// # Errors
/// [`PresetError::Write`] for the first file or directory that cannot be written.
pub fn write_factory_presets(root: &Path) -> Result<Vec<PathBuf>, PresetError> {
    write_files(&root.join(PATCHES_DIR), factory_files())
}

/// Writes every factory bank to `root/presets/banks/STEM.wcube` (creating the
/// directory) and returns the paths written, in menu order.
///
/// # Errors
/// [`PresetError::Write`] for the first file or directory that cannot be written, or
/// [`PresetError::Bank`] if a bank cannot be coded.
pub fn write_factory_banks(root: &Path) -> Result<Vec<PathBuf>, PresetError> {
    write_files(
        &root.join(BANKS_DIR),
        wavecube_dsp::bank::factory::factory_bank_files()?,
    )
}

/// Writes the labelled progression corpus
/// ([`corpus_files`](wavecube_dsp::harmony::corpus_files)) to
/// `root/presets/progressions/` (creating the directory) and returns the paths written.
///
/// # Errors
/// [`PresetError::Write`] for the first file or directory that cannot be written.
pub fn write_progressions(root: &Path) -> Result<Vec<PathBuf>, PresetError> {
    write_files(
        &root.join(PROGRESSIONS_DIR),
        wavecube_dsp::harmony::corpus_files(),
    )
}

/// Writes each `(file name, contents)` of `files` into `dir` (creating it) and returns the
/// paths written, in order.
///
/// # Errors
/// [`PresetError::Write`] for the first file or directory that cannot be written.
fn write_files<N, C>(
    dir: &Path,
    files: impl IntoIterator<Item = (N, C)>,
) -> Result<Vec<PathBuf>, PresetError>
where
    N: AsRef<Path>,
    C: AsRef<[u8]>,
{
    std::fs::create_dir_all(dir).map_err(|source| PresetError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    files
        .into_iter()
        .map(|(file, contents)| {
            let path = dir.join(file);
            std::fs::write(&path, contents).map_err(|source| PresetError::Write {
                path: path.clone(),
                source,
            })?;
            Ok(path)
        })
        .collect()
}

/// The workspace root that patch names resolve against: the current directory when it
/// holds `presets/patches`, else `$CARGO_MANIFEST_DIR/..` when that does (a binary or test
/// run through cargo), else the current directory.
pub fn workspace_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if cwd.join(PATCHES_DIR).is_dir() {
        return cwd;
    }
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let root = PathBuf::from(manifest).join("..");
        if root.join(PATCHES_DIR).is_dir() {
            // Without the `..`, so messages show a plain path.
            return root.canonicalize().unwrap_or(root);
        }
    }
    cwd
}

/// True when `arg` names a file (ends in `.json` or holds a path separator) rather than a
/// patch in the patch directory.
pub fn is_patch_path(arg: &str) -> bool {
    arg.to_ascii_lowercase().ends_with(".json") || arg.contains('/') || arg.contains('\\')
}

/// The names of the patches in `dir` (`*.json` file stems), sorted; empty when `dir`
/// cannot be read.
pub fn available_patches(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| {
            let path = e.ok()?.path();
            if path.extension()? != "json" {
                return None;
            }
            Some(path.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}

/// The file `arg` refers to: a path as given (see [`is_patch_path`]), or
/// `root/presets/patches/NAME.json`.
///
/// # Errors
/// [`PresetError::NotFound`], listing the available names, when a name has no file.
pub fn resolve_patch(arg: &str, root: &Path) -> Result<PathBuf, PresetError> {
    if is_patch_path(arg) {
        return Ok(PathBuf::from(arg));
    }
    let dir = root.join(PATCHES_DIR);
    let path = dir.join(format!("{arg}.json"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(PresetError::NotFound {
            name: arg.to_owned(),
            available: available_patches(&dir),
            dir,
        })
    }
}

/// Reads and validates a patch file.
///
/// # Errors
/// [`PresetError::Read`] or [`PresetError::Invalid`], naming the file.
pub fn read_patch(path: &Path) -> Result<Patch, PresetError> {
    let text = std::fs::read_to_string(path).map_err(|source| PresetError::Read {
        path: path.to_owned(),
        source,
    })?;
    Patch::from_json(&text).map_err(|source| PresetError::Invalid {
        path: path.to_owned(),
        source,
    })
}

// ---------------------------------------------------------------------------------------
// The patches. Times in ms, morph in cube units (see the module docs for the axes).

fn meta(name: &str, category: Category, description: &str, tags: &[&str]) -> PatchMeta {
    PatchMeta {
        name: name.into(),
        category,
        bank: Some(FACTORY_BANK.into()),
        author: FACTORY_AUTHOR.into(),
        description: description.into(),
        tags: tags.iter().map(|&t| t.to_owned()).collect(),
        ..PatchMeta::default()
    }
}

/// An ADSR: attack, decay (ms), sustain (0..1), release (ms).
fn adsr(attack_ms: f32, decay_ms: f32, sustain: f32, release_ms: f32) -> EnvSection {
    EnvSection {
        attack_ms,
        decay_ms,
        sustain,
        release_ms,
    }
}

/// An enabled filter.
fn filter(mode: FilterMode, cutoff_hz: f32, resonance: f32, keytrack: f32) -> FilterSection {
    FilterSection {
        enabled: true,
        mode,
        cutoff_hz,
        resonance,
        keytrack,
    }
}

/// An LFO; the matrix routes it ([`routes`]).
fn lfo(shape: LfoShape, rate_hz: f32) -> LfoSection {
    LfoSection { shape, rate_hz }
}

/// An LFO slot left off.
const OFF: LfoSection = LfoSection {
    shape: LfoShape::Sine,
    rate_hz: 0.0,
};

/// A patch's matrix: the expression routings every new patch has ([`INIT_SLOTS`]: pressure
/// and slide to morph y, the mod wheel to morph z), then `slots`, each a source, a
/// destination and a depth in the destination's unit (morph units, semitones, octaves).
fn routes(slots: &[(Source, Destination, f32)]) -> ModSection {
    let mut m = ModMatrix::init();
    for &(source, destination, depth) in slots {
        let pushed = m.push(Slot::new(
            source,
            destination,
            destination.amount_for(depth),
        ));
        assert!(pushed, "a factory patch fits the matrix");
    }
    ModSection::from_matrix(&m, [0.0; MACROS])
}

/// Poly voicing with `polyphony` voices of `unison` oscillators.
fn poly(polyphony: u32, unison: u32, detune_cents: f32, spread: f32) -> VoiceSection {
    VoiceSection {
        mode: VoiceMode::Poly,
        polyphony,
        glide_ms: 0.0,
        unison,
        detune_cents,
        spread,
    }
}

/// One voice in `mode` (mono or legato) gliding over `glide_ms`.
fn mono(
    mode: VoiceMode,
    glide_ms: f32,
    unison: u32,
    detune_cents: f32,
    spread: f32,
) -> VoiceSection {
    VoiceSection {
        mode,
        polyphony: 1,
        glide_ms,
        unison,
        detune_cents,
        spread,
    }
}

/// The default rack (codec and body on, every effect off) changed by `f`.
fn rack(f: impl FnOnce(&mut RackSettings)) -> RackSettings {
    let mut r = RackSettings::default();
    f(&mut r);
    r
}

fn cathedral_pad() -> Patch {
    Patch {
        meta: meta(
            "Cathedral Pad",
            Category::Pad,
            "Soft sine-triangle choir in an eight-second stone hall, chorused, rumble cut",
            &["reverb", "huge", "slow", "fx-rack"],
        ),
        sound: Sound {
            gain_db: -3.0,
            velocity_sensitivity: 0.3,
            morph: [0.2, 0.4, 0.45],
            voice: poly(12, 2, 8.0, 0.6),
            amp_env: adsr(1200.0, 1500.0, 0.9, 2500.0),
            filter: filter(FilterMode::LowPass, 2400.0, 0.1, 0.3),
            lfos: [lfo(LfoShape::Sine, 0.08), OFF, OFF],
            fx: rack(|r| {
                r.chorus.enabled = true;
                r.chorus.mix = 0.35;
                r.chorus.settings.voices = 3;
                r.reverb.enabled = true;
                r.reverb.mix = 0.5;
                r.reverb.settings.size = 1.0;
                r.reverb.settings.decay_s = 8.0;
                r.reverb.settings.predelay_ms = 45.0;
                r.reverb.settings.damping = 0.35;
                r.eq.enabled = true;
                r.eq.settings.low_cut.enabled = true;
                r.eq.settings.low_cut.freq_hz = 90.0;
            }),
            modulation: routes(&[
                (Source::Lfo1, Destination::MorphY, 0.1),
                (Source::Lfo1, Destination::MorphZ, 0.1),
            ]),
            ..Sound::default()
        },
    }
}

fn fuzz_bass() -> Patch {
    Patch {
        meta: meta(
            "Fuzz Bass",
            Category::Bass,
            "Hard-clipped saw bass, its mids carved and its level held by a look-ahead compressor",
            &["distortion", "fuzz", "mono", "fx-rack"],
        ),
        sound: Sound {
            gain_db: -6.0,
            velocity_sensitivity: 0.5,
            morph: [0.67, 0.6, 0.0],
            voice: mono(VoiceMode::Legato, 25.0, 1, 0.0, 0.0),
            amp_env: adsr(2.0, 300.0, 0.85, 120.0),
            mod_env: adsr(0.0, 200.0, 0.2, 120.0),
            filter: filter(FilterMode::LowPass, 900.0, 0.2, 0.5),
            fx: rack(|r| {
                r.order = [
                    FxKind::Codec,
                    FxKind::Body,
                    FxKind::Eq,
                    FxKind::Distortion,
                    FxKind::Compressor,
                    FxKind::Chorus,
                    FxKind::Phaser,
                    FxKind::Delay,
                    FxKind::Reverb,
                ];
                r.eq.enabled = true;
                r.eq.settings.low_cut.enabled = true;
                r.eq.settings.low_cut.freq_hz = 40.0;
                r.eq.settings.peaks[0] = BellBand {
                    enabled: true,
                    freq_hz: 500.0,
                    gain_db: -5.0,
                    q: 0.8,
                };
                r.distortion.enabled = true;
                r.distortion.settings.mode = DistortionMode::HardClip;
                r.distortion.settings.drive_db = 20.0;
                r.distortion.settings.tone_hz = 3_500.0;
                r.compressor.enabled = true;
                r.compressor.settings.threshold_db = -14.0;
                r.compressor.settings.ratio = 4.0;
                r.compressor.settings.lookahead_ms = 2.0;
                r.compressor.settings.makeup_db = -4.0;
            }),
            modulation: routes(&[(Source::ModEnv, Destination::Cutoff, 2.0)]),
            ..Sound::default()
        },
    }
}

fn dub_echo() -> Patch {
    Patch {
        meta: meta(
            "Dub Echo",
            Category::Pluck,
            "Short square pluck thrown into dark dotted-quarter ping-pong echoes that duck under it",
            &["delay", "dub", "ping-pong", "fx-rack"],
        ),
        sound: Sound {
            gain_db: 2.0,
            morph: [0.9, 0.5, 0.1],
            voice: poly(12, 1, 0.0, 0.0),
            amp_env: adsr(1.0, 350.0, 0.0, 250.0),
            mod_env: adsr(0.0, 150.0, 0.0, 150.0),
            filter: filter(FilterMode::LowPass, 900.0, 0.3, 0.5),
            fx: rack(|r| {
                r.delay.enabled = true;
                r.delay.mix = 0.45;
                r.delay.settings.mode = DelayMode::PingPong;
                r.delay.settings.sync = Some(SyncDivision {
                    note: NoteValue::Quarter,
                    feel: Feel::Dotted,
                });
                r.delay.settings.feedback = 0.55;
                r.delay.settings.low_cut_hz = 250.0;
                r.delay.settings.high_cut_hz = 2_500.0;
                r.delay.settings.ducking = 0.5;
                r.reverb.enabled = true;
                r.reverb.mix = 0.2;
                r.reverb.settings.size = 0.5;
                r.reverb.settings.decay_s = 1.8;
            }),
            modulation: routes(&[
                (Source::ModEnv, Destination::Cutoff, 3.0),
            ]),
            ..Sound::default()
        },
    }
}

fn jet_flanger() -> Patch {
    Patch {
        meta: meta(
            "Jet Flanger",
            Category::Fx,
            "Bright saw chord through a slow, deep, high-feedback flanger: the jet-plane swoosh",
            &["flanger", "jet", "sweep", "fx-rack"],
        ),
        sound: Sound {
            gain_db: -7.0,
            velocity_sensitivity: 0.3,
            morph: [0.67, 0.85, 0.0],
            voice: poly(12, 2, 6.0, 0.5),
            amp_env: adsr(300.0, 1000.0, 0.9, 1200.0),
            fx: rack(|r| {
                r.phaser.enabled = true;
                r.phaser.mix = 0.5;
                r.phaser.settings.mode = PhaserMode::Flanger;
                r.phaser.settings.rate_hz = 0.15;
                r.phaser.settings.depth = 0.9;
                r.phaser.settings.delay_ms = 3.0;
                r.phaser.settings.feedback = 0.75;
                r.reverb.enabled = true;
                r.reverb.mix = 0.2;
                r.reverb.settings.decay_s = 2.0;
            }),
            ..Sound::default()
        },
    }
}

fn lofi_keys() -> Patch {
    Patch {
        meta: meta(
            "Lo-Fi Keys",
            Category::Keys,
            "Triangle keys crushed to 6 bits at 11 kHz, half wet, chorused and rolled off like tape",
            &["bit-crush", "lo-fi", "chorus", "fx-rack"],
        ),
        sound: Sound {
            gain_db: -5.0,
            velocity_sensitivity: 0.6,
            morph: [0.33, 0.5, 0.0],
            voice: poly(12, 1, 0.0, 0.0),
            amp_env: adsr(2.0, 900.0, 0.5, 400.0),
            fx: rack(|r| {
                r.distortion.enabled = true;
                r.distortion.mix = 0.5;
                r.distortion.settings.mode = DistortionMode::BitCrush;
                r.distortion.settings.drive_db = 0.0;
                r.distortion.settings.bits = 6.0;
                r.distortion.settings.crush_rate_hz = 11_025.0;
                r.chorus.enabled = true;
                r.chorus.mix = 0.4;
                r.chorus.settings.rate_hz = 0.6;
                r.eq.enabled = true;
                r.eq.settings.high_cut.enabled = true;
                r.eq.settings.high_cut.freq_hz = 7_000.0;
            }),
            ..Sound::default()
        },
    }
}

fn phase_strings() -> Patch {
    Patch {
        meta: meta(
            "Phase Strings",
            Category::Pad,
            "Saw string ensemble through a twelve-stage phaser synced to two bars, glued by a compressor",
            &["phaser", "strings", "synced", "fx-rack"],
        ),
        sound: Sound {
            gain_db: -6.0,
            velocity_sensitivity: 0.4,
            morph: [0.67, 0.55, 0.05],
            voice: poly(12, 3, 12.0, 0.8),
            amp_env: adsr(400.0, 1200.0, 0.85, 1500.0),
            filter: filter(FilterMode::LowPass, 5000.0, 0.1, 0.3),
            lfos: [lfo(LfoShape::Sine, 0.1), OFF, OFF],
            fx: rack(|r| {
                r.phaser.enabled = true;
                r.phaser.mix = 0.5;
                r.phaser.settings.stages = 12;
                r.phaser.settings.sync = Some(SyncDivision {
                    note: NoteValue::TwoBars,
                    feel: Feel::Straight,
                });
                r.phaser.settings.feedback = 0.5;
                r.reverb.enabled = true;
                r.reverb.mix = 0.25;
                r.reverb.settings.decay_s = 2.5;
                r.compressor.enabled = true;
                r.compressor.settings.threshold_db = -20.0;
                r.compressor.settings.ratio = 2.0;
                r.compressor.settings.knee_db = 12.0;
                r.compressor.settings.detection = Detection::Rms;
            }),
            modulation: routes(&[
                (Source::Lfo1, Destination::MorphX, 0.08),
                (Source::Lfo1, Destination::MorphY, 0.08),
            ]),
            ..Sound::default()
        },
    }
}

fn warm_pad() -> Patch {
    Patch {
        meta: meta(
            "Warm Pad",
            Category::Pad,
            "Slow, wide triangle-to-saw pad, darkened, drifting gently in shape and brightness",
            &["warm", "slow", "wide", "drift"],
        ),
        sound: Sound {
            gain_db: -4.0,
            velocity_sensitivity: 0.4,
            morph: [0.45, 0.35, 0.1],
            voice: poly(12, 4, 14.0, 0.7),
            amp_env: adsr(900.0, 1500.0, 0.85, 1800.0),
            filter: filter(FilterMode::LowPass, 3200.0, 0.1, 0.35),
            lfos: [
                lfo(LfoShape::Sine, 0.11),
                lfo(LfoShape::Triangle, 0.07),
                OFF,
            ],
            fx: rack(|r| {
                // A slow wide chorus, then a medium hall.
                r.chorus.enabled = true;
                r.chorus.mix = 0.4;
                r.chorus.settings.rate_hz = 0.3;
                r.reverb.enabled = true;
                r.reverb.mix = 0.3;
                r.reverb.settings.decay_s = 3.5;
                r.reverb.settings.predelay_ms = 25.0;
            }),
            modulation: routes(&[
                (Source::Lfo1, Destination::MorphX, 0.12),
                (Source::Lfo2, Destination::MorphY, 0.1),
            ]),
            ..Sound::default()
        },
    }
}

fn glass_pad() -> Patch {
    Patch {
        meta: meta(
            "Glass Pad",
            Category::Pad,
            "Airy sine pad lit by a high formant that breathes slowly",
            &["airy", "glassy", "slow", "formant"],
        ),
        sound: Sound {
            gain_db: -1.0,
            velocity_sensitivity: 0.3,
            morph: [0.05, 0.7, 0.75],
            voice: poly(12, 3, 8.0, 0.8),
            amp_env: adsr(1400.0, 2000.0, 0.8, 2600.0),
            filter: filter(FilterMode::HighPass, 160.0, 0.05, 0.0),
            lfos: [lfo(LfoShape::Sine, 0.09), lfo(LfoShape::Sine, 0.23), OFF],
            fx: rack(|r| {
                // Dotted-quarter echoes into a long bright hall.
                r.delay.enabled = true;
                r.delay.mix = 0.2;
                r.delay.settings.sync = Some(SyncDivision {
                    note: NoteValue::Quarter,
                    feel: Feel::Dotted,
                });
                r.delay.settings.feedback = 0.4;
                r.reverb.enabled = true;
                r.reverb.mix = 0.35;
                r.reverb.settings.decay_s = 5.0;
                r.reverb.settings.damping = 0.2;
            }),
            modulation: routes(&[
                (Source::Lfo1, Destination::MorphZ, 0.2),
                (Source::Lfo2, Destination::MorphY, 0.12),
            ]),
            ..Sound::default()
        },
    }
}

fn tension_pad() -> Patch {
    Patch {
        meta: meta(
            "Tension Pad",
            Category::Pad,
            "Plays the harmony: settled, consonant chords stay round and dark; restless or \
             atonal ones open the brightness and push the shape toward the square",
            &["harmony", "tension", "evolving", "wide"],
        ),
        sound: Sound {
            gain_db: -3.0,
            velocity_sensitivity: 0.4,
            morph: [0.0, 0.0, 0.1],
            voice: poly(12, 3, 10.0, 0.6),
            amp_env: adsr(350.0, 1200.0, 0.8, 1200.0),
            lfos: [lfo(LfoShape::Sine, 0.08), OFF, OFF],
            fx: rack(|r| {
                // A slow 8-stage phaser under a hall.
                r.phaser.enabled = true;
                r.phaser.mix = 0.5;
                r.phaser.settings.stages = 8;
                r.phaser.settings.rate_hz = 0.12;
                r.phaser.settings.feedback = 0.4;
                r.reverb.enabled = true;
                r.reverb.mix = 0.3;
                r.reverb.settings.decay_s = 3.0;
            }),
            modulation: routes(&[
                (Source::Lfo1, Destination::MorphZ, 0.05),
                (Source::Tension, Destination::MorphX, 0.6),
                (Source::Tension, Destination::MorphY, 1.0),
                (Source::Tension, Destination::MorphZ, 0.2),
            ]),
            ..Sound::default()
        },
    }
}

fn sub_bass() -> Patch {
    Patch {
        meta: meta(
            "Sub Bass",
            Category::Bass,
            "Round legato sine-triangle bass with a short glide and a soft filter thump",
            &["sub", "round", "legato", "glide"],
        ),
        sound: Sound {
            gain_db: 1.0,
            velocity_sensitivity: 0.6,
            morph: [0.15, 0.1, 0.0],
            voice: mono(VoiceMode::Legato, 60.0, 1, 0.0, 0.0),
            amp_env: adsr(3.0, 400.0, 0.9, 120.0),
            mod_env: adsr(0.0, 180.0, 0.0, 100.0),
            filter: filter(FilterMode::LowPass, 260.0, 0.15, 0.5),
            modulation: routes(&[(Source::ModEnv, Destination::Cutoff, 1.5)]),
            ..Sound::default()
        },
    }
}

fn acid_bass() -> Patch {
    Patch {
        meta: meta(
            "Acid Bass",
            Category::Bass,
            "Resonant mono saw bass with a snappy filter envelope and glide",
            &["acid", "resonant", "mono", "glide"],
        ),
        sound: Sound {
            gain_db: -2.0,
            velocity_sensitivity: 0.8,
            morph: [0.67, 0.9, 0.0],
            voice: mono(VoiceMode::Mono, 35.0, 2, 6.0, 0.2),
            amp_env: adsr(1.0, 300.0, 0.75, 140.0),
            mod_env: adsr(0.0, 240.0, 0.12, 150.0),
            filter: filter(FilterMode::LowPass, 180.0, 0.55, 0.5),
            fx: rack(|r| {
                // Warm saturation, the mud cut out, a steady level.
                r.distortion.enabled = true;
                r.distortion.mix = 0.6;
                r.distortion.settings.drive_db = 12.0;
                r.distortion.settings.tone_hz = 6_000.0;
                r.eq.enabled = true;
                r.eq.settings.low_cut.enabled = true;
                r.eq.settings.low_cut.freq_hz = 35.0;
                r.eq.settings.peaks[0] = BellBand {
                    enabled: true,
                    freq_hz: 300.0,
                    gain_db: -3.0,
                    q: 1.0,
                };
                r.compressor.enabled = true;
                r.compressor.settings.threshold_db = -18.0;
                r.compressor.settings.ratio = 3.0;
            }),
            modulation: routes(&[(Source::ModEnv, Destination::Cutoff, 4.5)]),
            ..Sound::default()
        },
    }
}

fn bright_lead() -> Patch {
    Patch {
        meta: meta(
            "Bright Lead",
            Category::Lead,
            "Bright saw-to-square lead with a vowel edge, vibrato and legato glide",
            &["bright", "vibrato", "legato", "solo"],
        ),
        sound: Sound {
            gain_db: -1.0,
            velocity_sensitivity: 0.7,
            morph: [0.8, 1.0, 0.35],
            voice: mono(VoiceMode::Legato, 70.0, 2, 9.0, 0.3),
            amp_env: adsr(8.0, 250.0, 0.8, 220.0),
            mod_env: adsr(0.0, 400.0, 0.4, 200.0),
            filter: filter(FilterMode::LowPass, 5000.0, 0.2, 0.4),
            lfos: [lfo(LfoShape::Sine, 5.5), OFF, OFF],
            fx: rack(|r| {
                // Dotted-eighth ping-pong and a touch of room.
                r.delay.enabled = true;
                r.delay.mix = 0.25;
                r.delay.settings.mode = DelayMode::PingPong;
                r.delay.settings.sync = Some(SyncDivision {
                    note: NoteValue::Eighth,
                    feel: Feel::Dotted,
                });
                r.delay.settings.feedback = 0.35;
                r.delay.settings.high_cut_hz = 6_000.0;
                r.reverb.enabled = true;
                r.reverb.mix = 0.15;
                r.reverb.settings.size = 0.4;
                r.reverb.settings.decay_s = 1.2;
            }),
            modulation: routes(&[
                (Source::ModEnv, Destination::Cutoff, 1.2),
                (Source::Lfo1, Destination::Pitch, 0.15),
            ]),
            ..Sound::default()
        },
    }
}

fn square_lead() -> Patch {
    Patch {
        meta: meta(
            "Square Lead",
            Category::Lead,
            "Hollow mono square lead: quick glide, triangle vibrato and a slow vowel wobble",
            &["hollow", "square", "mono", "vibrato"],
        ),
        sound: Sound {
            gain_db: -1.0,
            velocity_sensitivity: 0.7,
            bend_range_semitones: 12.0,
            morph: [1.0, 0.75, 0.2],
            voice: mono(VoiceMode::Mono, 25.0, 1, 0.0, 0.0),
            amp_env: adsr(5.0, 150.0, 0.9, 180.0),
            lfos: [lfo(LfoShape::Triangle, 6.0), lfo(LfoShape::Sine, 0.35), OFF],
            fx: rack(|r| {
                // A doubling chorus and a quarter-note echo.
                r.chorus.enabled = true;
                r.chorus.mix = 0.35;
                r.delay.enabled = true;
                r.delay.mix = 0.2;
                r.delay.settings.sync = Some(SyncDivision {
                    note: NoteValue::Quarter,
                    feel: Feel::Straight,
                });
                r.delay.settings.feedback = 0.3;
            }),
            modulation: routes(&[
                (Source::Lfo1, Destination::Pitch, 0.12),
                (Source::Lfo2, Destination::MorphZ, 0.15),
            ]),
            ..Sound::default()
        },
    }
}

fn soft_pluck() -> Patch {
    Patch {
        meta: meta(
            "Soft Pluck",
            Category::Pluck,
            "Mellow saw pluck whose low-pass closes fast, like a muted guitar",
            &["mellow", "muted", "short", "filter"],
        ),
        sound: Sound {
            gain_db: -2.0,
            morph: [0.6, 0.7, 0.15],
            voice: poly(16, 2, 5.0, 0.5),
            amp_env: adsr(1.0, 450.0, 0.0, 350.0),
            mod_env: adsr(0.0, 200.0, 0.0, 200.0),
            filter: filter(FilterMode::LowPass, 400.0, 0.25, 0.6),
            modulation: routes(&[(Source::ModEnv, Destination::Cutoff, 4.0)]),
            ..Sound::default()
        },
    }
}

fn vowel_pluck() -> Patch {
    Patch {
        meta: meta(
            "Vowel Pluck",
            Category::Pluck,
            "Pluck whose formant falls from high to none as it decays: a sung 'eow'",
            &["vowel", "formant", "short", "morph"],
        ),
        sound: Sound {
            gain_db: 0.0,
            morph: [0.4, 0.6, 0.0],
            voice: poly(16, 1, 0.0, 0.0),
            amp_env: adsr(1.0, 600.0, 0.0, 400.0),
            mod_env: adsr(0.0, 350.0, 0.0, 300.0),
            modulation: routes(&[
                (Source::ModEnv, Destination::MorphY, 0.25),
                (Source::ModEnv, Destination::MorphZ, 0.9),
            ]),
            ..Sound::default()
        },
    }
}

fn electric_keys() -> Patch {
    Patch {
        meta: meta(
            "Electric Keys",
            Category::Keys,
            "Bell-toned electric piano: a bright, formant-lit strike mellowing to a triangle body",
            &["electric-piano", "bell", "velocity", "classic"],
        ),
        sound: Sound {
            gain_db: 0.0,
            morph: [0.2, 0.3, 0.2],
            voice: poly(16, 2, 4.0, 0.4),
            amp_env: adsr(2.0, 1600.0, 0.3, 450.0),
            mod_env: adsr(0.0, 500.0, 0.0, 300.0),
            fx: rack(|r| {
                // The classic stage-piano phaser: four stages, slow.
                r.phaser.enabled = true;
                r.phaser.mix = 0.5;
                r.phaser.settings.stages = 4;
                r.phaser.settings.rate_hz = 0.5;
                r.phaser.settings.feedback = 0.2;
            }),
            modulation: routes(&[
                (Source::ModEnv, Destination::MorphY, 0.45),
                (Source::ModEnv, Destination::MorphZ, 0.35),
            ]),
            ..Sound::default()
        },
    }
}

fn drawbar_organ() -> Patch {
    Patch {
        meta: meta(
            "Drawbar Organ",
            Category::Keys,
            "Square-ish organ: instant attack, full sustain, no velocity, chorus-vibrato",
            &["organ", "sustained", "vibrato", "classic"],
        ),
        sound: Sound {
            gain_db: -6.0,
            velocity_sensitivity: 0.0,
            morph: [0.9, 0.55, 0.0],
            voice: poly(16, 3, 6.0, 0.6),
            amp_env: adsr(4.0, 20.0, 1.0, 70.0),
            lfos: [lfo(LfoShape::Sine, 6.5), OFF, OFF],
            modulation: routes(&[(Source::Lfo1, Destination::Pitch, 0.06)]),
            ..Sound::default()
        },
    }
}

fn robot_chatter() -> Patch {
    Patch {
        meta: meta(
            "Robot Chatter",
            Category::Fx,
            "Sample-and-hold formant and band-pass jumps: a machine that will not stop talking",
            &["random", "talking", "band-pass", "glitch"],
        ),
        sound: Sound {
            gain_db: -4.0,
            morph: [0.7, 0.9, 0.5],
            voice: poly(8, 1, 0.0, 0.0),
            amp_env: adsr(2.0, 200.0, 0.9, 300.0),
            filter: filter(FilterMode::BandPass, 1200.0, 0.45, 0.3),
            lfos: [
                lfo(LfoShape::Random, 8.0),
                lfo(LfoShape::Random, 5.3),
                lfo(LfoShape::Square, 0.5),
            ],
            modulation: routes(&[
                (Source::Lfo1, Destination::MorphZ, 0.4),
                (Source::Lfo2, Destination::Cutoff, 1.5),
                (Source::Lfo3, Destination::MorphX, 0.2),
            ]),
            ..Sound::default()
        },
    }
}

fn siren_riser() -> Patch {
    Patch {
        meta: meta(
            "Siren Riser",
            Category::Fx,
            "Pitch and brightness climb from a fifth below to a fifth above over 4 s, then snap back",
            &["riser", "siren", "pitch", "wide"],
        ),
        sound: Sound {
            gain_db: -4.0,
            morph: [0.67, 0.2, 0.3],
            voice: poly(8, 3, 25.0, 0.9),
            amp_env: adsr(600.0, 500.0, 1.0, 900.0),
            filter: filter(FilterMode::HighPass, 200.0, 0.3, 0.0),
            lfos: [
                lfo(LfoShape::Saw, 0.25),
                OFF,
                OFF,
            ],
            modulation: routes(&[
                (Source::Lfo1, Destination::MorphY, 0.45),
                (Source::Lfo1, Destination::Pitch, 7.0),
            ]),
            ..Sound::default()
        },
    }
}

fn cube_orbit() -> Patch {
    Patch {
        meta: meta(
            "Cube Orbit",
            Category::Sweep,
            "Three slow LFOs orbit the whole cube: shape, brightness and formant never rest",
            &["morph", "evolving", "lfo", "wide"],
        ),
        sound: Sound {
            gain_db: -3.0,
            velocity_sensitivity: 0.5,
            morph: [0.5, 0.5, 0.5],
            voice: poly(12, 2, 10.0, 0.6),
            amp_env: adsr(300.0, 800.0, 0.9, 1200.0),
            lfos: [
                lfo(LfoShape::Sine, 0.13),
                lfo(LfoShape::Triangle, 0.21),
                lfo(LfoShape::Sine, 0.08),
            ],
            modulation: routes(&[
                (Source::Lfo1, Destination::MorphX, 0.45),
                (Source::Lfo2, Destination::MorphY, 0.4),
                (Source::Lfo3, Destination::MorphZ, 0.45),
            ]),
            ..Sound::default()
        },
    }
}

fn formant_sweep() -> Patch {
    Patch {
        meta: meta(
            "Formant Sweep",
            Category::Sweep,
            "A three-second swell from a dark sine to a bright, vowel-rich square, then settling",
            &["morph", "swell", "envelope", "formant"],
        ),
        sound: Sound {
            gain_db: -3.0,
            velocity_sensitivity: 0.5,
            morph: [0.0, 0.05, 0.0],
            voice: poly(12, 3, 12.0, 0.7),
            amp_env: adsr(400.0, 1000.0, 0.9, 1500.0),
            mod_env: adsr(3000.0, 2500.0, 0.6, 1500.0),
            modulation: routes(&[
                (Source::ModEnv, Destination::MorphX, 0.95),
                (Source::ModEnv, Destination::MorphY, 0.85),
                (Source::ModEnv, Destination::MorphZ, 0.7),
            ]),
            ..Sound::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::SoundOptions;
    use crate::render::build_engine_with;
    use wavecube_dsp::synth::SynthParams;

    #[test]
    fn stems_are_kebab_case() {
        assert_eq!(file_stem("Warm Pad"), "warm-pad");
        assert_eq!(file_stem("  Rock & Roll -- 2 "), "rock-roll-2");
        assert_eq!(file_stem("Électric"), "lectric");
    }

    #[test]
    fn factory_patches_are_valid_unique_and_in_the_factory_bank() {
        let patches = factory_patches();
        assert!(patches.len() >= 12, "{} patches", patches.len());
        let mut stems: Vec<String> = patches.iter().map(|p| file_stem(&p.meta.name)).collect();
        stems.sort();
        stems.dedup();
        assert_eq!(stems.len(), patches.len(), "file names collide");
        for p in &patches {
            assert_eq!(p.validate(), Ok(()), "{}", p.meta.name);
            assert_eq!(p.meta.bank.as_deref(), Some(FACTORY_BANK));
            assert!(!p.meta.description.is_empty(), "{}", p.meta.name);
            assert_eq!(Patch::from_json(&p.to_json_pretty()).as_ref(), Ok(p));
        }
        assert_eq!(factory_files(), factory_files(), "deterministic");
    }

    #[test]
    fn names_resolve_in_the_patch_dir_and_paths_as_given() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        assert!(is_patch_path("my.json") && is_patch_path("dir/x") && !is_patch_path("warm-pad"));
        assert_eq!(
            resolve_patch("./x.json", &root).unwrap(),
            PathBuf::from("./x.json")
        );
        let found = resolve_patch("warm-pad", &root).unwrap();
        assert!(
            found.ends_with("presets/patches/warm-pad.json"),
            "{}",
            found.display()
        );
        match resolve_patch("warm-pd", &root) {
            Err(e @ PresetError::NotFound { .. }) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("warm-pd.json") && msg.contains(", warm-pad)"),
                    "{msg}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cli_options_override_the_patch() {
        let patch = warm_pad();
        let opts = SoundOptions::parse(Some("0.9,0.1,0.2"), &["y:3:0.5:square".into()]).unwrap();
        let engine = build_engine_with(48_000, 64, &patch.to_params(), &opts).unwrap();
        let (params, base) = (engine.params(), patch.to_params());
        assert_eq!(params.morph, [0.9, 0.1, 0.2]);
        assert_eq!(params.lfo[0], base.lfo[0], "LFO 1 (x) kept");
        assert_eq!(params.lfo[1].shape, LfoShape::Square, "LFO 2 (y) replaced");
        let lfo2: Vec<_> = params
            .matrix
            .slots
            .iter()
            .filter(|s| s.source == Source::Lfo2)
            .collect();
        assert_eq!(lfo2, [&Slot::new(Source::Lfo2, Destination::MorphY, 0.5)]);
        assert_eq!(
            SynthParams {
                morph: base.morph,
                lfo: base.lfo,
                matrix: base.matrix,
                ..*params
            },
            base,
            "everything else is the patch's"
        );
    }
}
