//! Importers: wavetables from other synths and tools, turned into cube nodes.
//!
//! Each importer is a pure function over bytes (the CLI reads the files) that returns the
//! file's frames as [`Node`]s, in file order, with notes on what it assumed
//! ([`Imported`]). [`arrange`], [`arrange_imported`] and [`stack_z`] then place frames on
//! a [`Cube`](crate::cube::Cube).
//!
//! | format | function | frame length |
//! | --- | --- | --- |
//! | Serum-style WAV (`clm `), Surge WAV (`srge`, `srgo`), `smpl` loop, Hive `uhWT`, plain multi-frame WAV | [`import_wav`] | `--frame-size`, else the chunk's, else 2048 |
//! | Surge `.wt` (`vawt`) | [`import_surge_wt`] | header |
//! | WaveEdit bank (raw or WAV) | [`import_waveedit`] | 256 |
//! | a folder of single-cycle WAVs | [`import_folder`] | each whole file |
//! | Vital `.vitaltable`, `.vital` preset (one oscillator) | [`import_vital_osc`] | 2048 |
//! | PNG or BMP image | [`import_image`] | the image width |
//!
//! Every frame is resampled by FFT to the next power of two in 64..=8192 samples and its
//! DC removed ([`Conformer`]). The rules and assumptions of each format are in
//! `docs/formats/importers.md`.
//!
//! # Caps
//! Every size a file declares is checked against the bytes that back it and against these
//! caps before anything is allocated from it: at most [`MAX_FRAMES`] frames per file, a
//! frame of [`MIN_SOURCE_FRAME_LEN`]..=[`MAX_SOURCE_FRAME_LEN`] samples, at most
//! [`MAX_SOURCE_SAMPLES`] samples per channel, images of at most [`MAX_IMAGE_BYTES`]
//! decoded.

mod arrange;
mod conform;
mod error;
mod folder;
mod raster;
pub mod riff;
mod surge;
mod vital;
mod wav;
mod waveedit;

pub use arrange::{arrange, arrange_dims, arrange_imported, stack_z, Layout};
pub use conform::{node_len_for, Conformer};
pub use error::ImportError;
pub use folder::{import_folder, natural_cmp, parse_node_name};
pub use raster::{import_image, ImageMode};
pub use riff::{read_wav_bytes, SampleKind, WavAudio};
pub use surge::{
    import_surge_wt, WT_FLAG_FULL_RANGE, WT_FLAG_INT16, WT_FLAG_LOOP, WT_FLAG_METADATA,
    WT_FLAG_SAMPLE,
};
pub use vital::{
    import_vital, import_vital_osc, import_vital_preset, AUDIO_FRAMES, VITAL_OSCILLATORS,
};
pub use wav::{import_wav, parse_clm, WAVECUBE_COMMENT, WAVEEDIT_FRAMES, WAVEEDIT_FRAME_LEN};
pub use waveedit::{import_waveedit, WAVEEDIT_RAW_BYTES};

use crate::cube::{Node, MAX_NODE_LEN, MAX_SIDE};

/// Most frames one file may hold: a full 16 × 16 × 16 cube.
pub const MAX_FRAMES: usize = MAX_SIDE * MAX_SIDE * MAX_SIDE;
/// Shortest source frame, in samples: below this a "cycle" has almost no harmonics.
pub const MIN_SOURCE_FRAME_LEN: usize = 8;
/// Longest source frame, in samples (before resampling to at most 8192).
pub const MAX_SOURCE_FRAME_LEN: usize = 1 << 18;
/// Most samples per channel one file may hold: [`MAX_FRAMES`] × 8192.
pub const MAX_SOURCE_SAMPLES: usize = MAX_FRAMES * MAX_NODE_LEN;
/// Most bytes an image may take once decoded (all channels, 32-bit float).
pub const MAX_IMAGE_BYTES: u64 = 256 << 20;
/// Frame length assumed for a WAV file with no metadata and no `--frame-size`, samples.
pub const DEFAULT_FRAME_LEN: usize = 2048;

/// The file formats the importers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// A WAV file with a Serum-style `clm ` chunk.
    ClmWav,
    /// A WAV file exported by Wavecube (a `clm ` chunk and the cube's shape).
    WavecubeWav,
    /// A WAV file from Surge, with its `srge` (or one-shot `srgo`) chunk.
    SurgeWav,
    /// A WAV file without frame metadata, or with a `smpl` loop or Hive's `uhWT`.
    Wav,
    /// A Surge `.wt` file.
    SurgeWt,
    /// A WaveEdit bank: 64 frames of 256 samples.
    WaveEdit,
    /// A folder of single-cycle WAV files.
    Folder,
    /// A Vital `.vitaltable`.
    Vital,
    /// One oscillator's table of a Vital `.vital` preset.
    VitalPreset,
    /// An image, one frame per row.
    Image,
}

impl SourceFormat {
    /// Short name, as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            Self::ClmWav => "wav+clm",
            Self::WavecubeWav => "wavecube-wav",
            Self::SurgeWav => "surge-wav",
            Self::Wav => "wav",
            Self::SurgeWt => "surge-wt",
            Self::WaveEdit => "waveedit",
            Self::Folder => "folder",
            Self::Vital => "vitaltable",
            Self::VitalPreset => "vital-preset",
            Self::Image => "image",
        }
    }
}

/// How the frames of a file want to be arranged, when the file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Exactly this `[w, h, d]` grid, frames with x varying fastest, then y, then z
    /// (a Wavecube export).
    Dims([usize; 3]),
    /// This many equal Z slices, one after the other, each filled x then y (an image in
    /// RGB mode: R, G and B).
    ZSlices(usize),
    /// Frame `i` goes to grid position `[x, y, z]` number `i` (a folder of Wavecube's
    /// per-node export, `node_x{X}_y{Y}_z{Z}.wav`).
    Positions(Vec<[usize; 3]>),
}

/// Frames imported from one file (or folder), with notes on what was assumed.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The frames in file order, each resampled to a power-of-two length with DC removed.
    pub frames: Vec<Node>,
    /// One line per assumption or fallback (e.g. the default frame size), for the user.
    pub notes: Vec<String>,
    /// The arrangement the file asks for, if any.
    pub shape: Option<Shape>,
    /// The format that was read.
    pub format: SourceFormat,
    /// A name stored in the file, if any.
    pub name: Option<String>,
    /// The sample rate the file declares, Hz, if it has one (WAV files): a hint only.
    pub sample_rate_hz: Option<u32>,
}

/// Settings of the importers that the file cannot give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// Samples per frame of a WAV file (`--frame-size`); overrides a `clm ` chunk.
    pub frame_len: Option<usize>,
    /// How an image becomes frames.
    pub image_mode: ImageMode,
    /// Which oscillator (1 to 3) of a Vital `.vital` preset to import (`--osc`); `None`:
    /// the first that holds a table.
    pub osc: Option<usize>,
}

/// Imports one file, recognised by its first bytes, then by its size.
///
/// `RIFF…WAVE` → [`import_wav`]; `vawt` → [`import_surge_wt`]; a PNG or BMP signature →
/// [`import_image`]; a `{` (after whitespace) → [`import_vital_osc`] (a `.vitaltable`
/// or a `.vital` preset); exactly
/// [`WAVEEDIT_RAW_BYTES`] bytes of anything else → [`import_waveedit`].
///
/// # Errors
/// [`ImportError::UnknownFormat`] for anything else, or the importer's error.
///
/// # Allocation
/// Allocates the frames.
pub fn import_bytes(bytes: &[u8], options: &ImportOptions) -> Result<Imported, ImportError> {
    if riff::is_wav(bytes) {
        import_wav(bytes, options.frame_len)
    } else if bytes.starts_with(b"vawt") {
        import_surge_wt(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(b"BM") {
        import_image(bytes, options.image_mode)
    } else if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        import_vital_osc(bytes, options.osc)
    } else if bytes.len() == WAVEEDIT_RAW_BYTES {
        import_waveedit(bytes)
    } else {
        let head: String = bytes
            .iter()
            .take(4)
            .map(|&b| if b.is_ascii_graphic() { b as char } else { '.' })
            .collect();
        Err(ImportError::UnknownFormat {
            reason: format!(
                "starts with \"{head}\" and is {} bytes long; expected a WAV file, a Surge \
                 .wt, a .vitaltable or .vital preset, a PNG or BMP image, or a {WAVEEDIT_RAW_BYTES}-byte \
                 WaveEdit bank",
                bytes.len()
            ),
        })
    }
}

/// The bank name a file suggests: its name without directories and extension.
pub fn name_from_file(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => base.to_owned(),
    }
}

/// `Err(reason)` unless `len` is a source frame length the importers accept.
fn check_frame_len(len: usize) -> Result<(), String> {
    if (MIN_SOURCE_FRAME_LEN..=MAX_SOURCE_FRAME_LEN).contains(&len) {
        Ok(())
    } else {
        Err(format!(
            "frame size {len} is outside {MIN_SOURCE_FRAME_LEN}..={MAX_SOURCE_FRAME_LEN} samples"
        ))
    }
}

/// [`ImportError::TooLarge`] when a file holds more than [`MAX_FRAMES`] frames.
fn check_frame_count(count: usize) -> Result<(), ImportError> {
    if count > MAX_FRAMES {
        return Err(ImportError::TooLarge {
            what: "frame count",
            value: count as u64,
            cap: MAX_FRAMES as u64,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_file_names() {
        assert_eq!(name_from_file("dir/Basic Shapes.wav"), "Basic Shapes");
        assert_eq!(name_from_file("C:\\tables\\a.b.wt"), "a.b");
        assert_eq!(name_from_file(".hidden"), ".hidden");
        assert_eq!(name_from_file("plain"), "plain");
    }

    #[test]
    fn unknown_bytes_are_a_typed_error() {
        let err = import_bytes(b"\x00\x01junk", &ImportOptions::default());
        assert!(matches!(err, Err(ImportError::UnknownFormat { .. })));
    }
}
