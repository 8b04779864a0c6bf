//! Typed errors of the harness, each printed by the CLI as one line naming the file or value.

use std::path::PathBuf;

use wavecube_dsp::analysis::AnalysisError;
use wavecube_dsp::bank::export::ExportError;
use wavecube_dsp::bank::import::ImportError;
use wavecube_dsp::bank::BankError;
use wavecube_dsp::codec::tqa::{TqaError, MAX_BITS, MAX_BLOCK, MIN_BITS, MIN_BLOCK};
use wavecube_dsp::cube::CubeError;

/// A Standard MIDI File that could not be turned into note events.
#[derive(Debug, thiserror::Error)]
pub enum MidiError {
    /// The file could not be read.
    #[error("cannot read MIDI file: {0}")]
    Io(#[source] std::io::Error),
    /// The bytes are not a well-formed Standard MIDI File.
    #[error("not a valid Standard MIDI File ({0})")]
    Parse(#[source] midly::Error),
    /// Fewer track chunks than the header declares: a truncated or corrupt file.
    #[error("truncated or corrupt: the header declares {declared} tracks but {found} were found")]
    MissingTracks {
        /// Track count in the header.
        declared: usize,
        /// Track chunks actually present.
        found: usize,
    },
    /// Format 2 (independent sequential tracks) is not played by the harness.
    #[error("format 2 (sequential tracks) MIDI files are not supported; use format 0 or 1")]
    Sequential,
    /// The header's time division cannot produce finite times.
    #[error("invalid time division: {0}")]
    Timing(String),
    /// The file holds no note-on event.
    #[error("the MIDI file contains no notes")]
    NoNotes,
}

/// What was wrong with one item of a `--notes` list.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotesErrorKind {
    /// The list was empty.
    #[error("the note list is empty")]
    Empty,
    /// Not of the form `NOTE@START:DURATION`.
    #[error("expected NOTE@START:DURATION, e.g. C4@0:2")]
    Syntax,
    /// The pitch is neither a note name (A-G, `#`/`b`, octave) nor a MIDI number.
    #[error("unknown note '{0}' (use a name like C4, F#3, Bb2, or a MIDI number 0-127)")]
    Pitch(String),
    /// The note is outside MIDI's 0..=127.
    #[error("note {0} is outside the MIDI range 0-127 (C-1 to G9)")]
    Range(i64),
    /// The start time is not a finite number of seconds >= 0.
    #[error("start '{0}' is not a time in seconds >= 0")]
    Start(String),
    /// The duration is not a finite number of seconds > 0.
    #[error("duration '{0}' is not a time in seconds > 0")]
    Duration(String),
}

/// A `--notes` list that could not be parsed, with the offending item.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--notes item \"{item}\": {kind}")]
pub struct NotesError {
    /// The item as written (trimmed).
    pub item: String,
    /// What was wrong with it.
    pub kind: NotesErrorKind,
}

/// A render setting outside what the harness accepts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptionError {
    /// `--sr` outside 8000..=384000 Hz.
    #[error("--sr {0}: sample rate must be 8000 to 384000 Hz")]
    SampleRate(u32),
    /// `--block` outside 1..=65536 samples.
    #[error("--block {0}: block size must be 1 to 65536 samples")]
    Block(usize),
    /// `--seconds` not a finite duration in (0, 3600] s.
    #[error("--seconds {0}: duration must be more than 0 and at most 3600 s")]
    Seconds(f64),
    /// A `--morph` value that is not three numbers in 0..=1.
    #[error("--morph \"{value}\": {reason} (expected X,Y,Z, each 0 to 1)")]
    Morph {
        /// The argument as given.
        value: String,
        /// What was wrong.
        reason: String,
    },
    /// A `--lfo` value that does not parse or is out of range.
    #[error(
        "--lfo \"{value}\": {reason} (expected AXIS:RATE_HZ:DEPTH[:SHAPE], e.g. x:0.2:0.3:sine)"
    )]
    Lfo {
        /// The argument as given.
        value: String,
        /// What was wrong.
        reason: String,
    },
    /// The input song lasts longer than the render limit.
    #[error("the song lasts {0:.1} s, more than the 3600 s limit; shorten it with --seconds")]
    SongTooLong(f64),
    /// `tqa --bits` outside the codec's range.
    #[error("--bits {0}: bits per coefficient must be {MIN_BITS} to {MAX_BITS}")]
    Bits(u8),
    /// `tqa --block` not a power of two in the codec's range.
    #[error(
        "--block {0}: block size must be a power of two from {MIN_BLOCK} to {MAX_BLOCK} samples"
    )]
    TqaBlock(usize),
    /// `tqa --mode` not a mode name.
    #[error("--mode \"{0}\": unknown mode (use plain, sign or qjl)")]
    Mode(String),
    /// A TQA setting the codec refuses that the checks above let through.
    #[error(transparent)]
    Codec(TqaError),
    /// `tqa simulate --type` not a signal name.
    #[error("--type \"{0}\": unknown signal (use sine, square, noise or transient)")]
    SignalType(String),
    /// `tqa simulate --duration` not giving 1 to 3600 s worth of samples.
    #[error("--duration {0}: duration must be at most 3600 s and hold at least one sample")]
    Duration(f64),
    /// `tqa simulate --frequency` outside 0 to half the sample rate.
    #[error("--frequency {frequency_hz}: frequency must be 0 to {nyquist_hz} Hz (half of --sr)")]
    Frequency {
        /// The frequency given, Hz.
        frequency_hz: f64,
        /// Half the sample rate, Hz.
        nyquist_hz: f64,
    },
    /// `tqa simulate --amplitude` outside 0 to 1.
    #[error("--amplitude {0}: amplitude must be 0 to 1 (full scale)")]
    Amplitude(f64),
    /// `bank --codec` not a codec name.
    #[error(
        "--codec \"{0}\": unknown codec (use auto, f32, i16, zstd, gauss, tqa or tqa2 to tqa8)"
    )]
    BankCodec(String),
    /// `bank --quality` outside 1 to 200 dB.
    #[error("--quality {0}: the target SNR must be 1 to 200 dB")]
    Quality(f64),
    /// `bank import` without a source (the CLI requires one; a library caller may not).
    #[error("no source to import")]
    NoSources,
    /// `tqa simulate --spikes` more than the signal has samples.
    #[error("--spikes {spikes}: more spikes than the signal's {frames} samples")]
    Spikes {
        /// Spikes asked for.
        spikes: usize,
        /// Samples in the signal.
        frames: usize,
    },
}

/// A WAV file that could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The output file could not be created (missing directory, permissions, ...).
    #[error("cannot create output file: {0}")]
    Create(#[source] std::io::Error),
    /// Writing or finalising the WAV data failed.
    #[error("cannot write WAV data: {0}")]
    Write(#[source] hound::Error),
    /// The input is missing or cannot be read.
    #[error("cannot read WAV file: {0}")]
    Open(#[source] std::io::Error),
    /// The input is not a RIFF/WAVE file the project's reader decodes (structure or
    /// sample format), naming the byte offset.
    #[error("cannot read WAV file: {0}")]
    Read(#[source] wavecube_dsp::bank::import::ImportError),
    /// The WAV file is valid but its sample format is not one the harness reads.
    #[error("unsupported WAV format: {0}")]
    Unsupported(String),
    /// The WAV file holds no audio frames, where a command needs some.
    #[error("the file holds no audio frames")]
    Empty,
}

/// A `.tqa` file that could not be read, written, encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum TqaFileError {
    /// The file is missing or unreadable.
    #[error("cannot read TQA file: {0}")]
    Read(#[source] std::io::Error),
    /// The file cannot be created or written.
    #[error("cannot write TQA file: {0}")]
    Write(#[source] std::io::Error),
    /// The codec refused the stream (bad, truncated or corrupt) or the audio.
    #[error(transparent)]
    Codec(TqaError),
}

/// A `wavecube library` failure: the database, a bank file, a query or an output.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// Neither `--db`, `WAVECUBE_LIBRARY` nor the platform's data folder (on Linux
    /// `XDG_DATA_HOME` or the home folder) gives a place for the library.
    #[error("cannot find the library: set --db PATH, WAVECUBE_LIBRARY, XDG_DATA_HOME or HOME")]
    NoLocation,
    /// The folder for the database could not be created.
    #[error("cannot create the library's folder: {0}")]
    CreateDir(#[source] std::io::Error),
    /// No database at the path, where the command needs one.
    #[error("no library here yet (`wavecube library add BANK.wcube` creates it)")]
    Missing,
    /// SQLite could not open the file, or it is not a database.
    #[error("cannot open the library: {}", one_line(&.0.to_string()))]
    Open(#[source] rusqlite::Error),
    /// The database is not one this program made.
    #[error("not a Wavecube library: {0}")]
    NotALibrary(String),
    /// The database was made by a newer Wavecube.
    #[error(
        "the library has schema version {found}; this wavecube reads versions up to {supported}"
    )]
    NewerSchema {
        /// `PRAGMA user_version` of the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A statement of the library's own failed (disk full, lock timeout, a damaged file).
    #[error("database error: {}", one_line(&.0.to_string()))]
    Sql(#[from] rusqlite::Error),
    /// A `library sql` query that SQLite refused.
    #[error("query \"{}\": {reason}", one_line(query))]
    Query {
        /// The query as given.
        query: String,
        /// Why it failed, on one line, with a hint where one helps.
        reason: String,
    },
    /// A bank file that cannot be read.
    #[error("cannot read the bank: {0}")]
    ReadBank(#[source] std::io::Error),
    /// A bank file that is not a valid `.wcube`.
    #[error(transparent)]
    Bank(BankError),
    /// The bank's name is already in the library.
    #[error(
        "a bank named \"{name}\" is already in the library (id {id}); add --replace to replace it"
    )]
    NameTaken {
        /// The bank's name.
        name: String,
        /// Id of the bank that has it.
        id: i64,
    },
    /// No bank has this id or name.
    #[error("no bank with id or name \"{0}\" in the library")]
    NotFound(String),
    /// The `.wcube` stored for a bank no longer reads (changed through `sql --write`).
    #[error("the stored .wcube of bank {id} is damaged: {source}")]
    StoredBank {
        /// The bank's id.
        id: i64,
        /// What the reader found.
        source: BankError,
    },
    /// The output file could not be written.
    #[error("cannot write the bank: {0}")]
    WriteOut(#[source] std::io::Error),
}

impl LibraryError {
    /// Process exit code: 1 for a failure of the library's own statements, 2 for bad input.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Sql(_) => 1,
            _ => 2,
        }
    }
}

/// `text` with every run of whitespace (newlines included) folded to one space, so a
/// message stays on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A cube bank, or a file to import into one, that could not be read, imported, written
/// or exported.
#[derive(Debug, thiserror::Error)]
pub enum BankFileError {
    /// The file or folder is missing or unreadable.
    #[error("cannot read: {0}")]
    Read(#[source] std::io::Error),
    /// The output cannot be created or written.
    #[error("cannot write: {0}")]
    Write(#[source] std::io::Error),
    /// The file is larger than the bank commands read.
    #[error("the file is {size} bytes, more than the {cap} bytes the bank commands read")]
    TooLarge {
        /// File size, bytes.
        size: u64,
        /// The cap, bytes.
        cap: u64,
    },
    /// A folder given as a source holds no `.wav` files.
    #[error("the folder holds no .wav files")]
    EmptyFolder,
    /// The importer refused the file, or its frames do not fit the layout.
    #[error(transparent)]
    Import(ImportError),
    /// The `.wcube` file is bad, or the cube cannot be written as one.
    #[error(transparent)]
    Wcube(BankError),
    /// The cube cannot be exported.
    #[error(transparent)]
    Export(ExportError),
}

/// Any failure of a harness command, naming the file or value concerned.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A MIDI input problem.
    #[error("{}: {source}", path.display())]
    Midi {
        /// The MIDI file.
        path: PathBuf,
        /// What went wrong.
        source: MidiError,
    },
    /// A WAV input or output problem.
    #[error("{}: {source}", path.display())]
    Wav {
        /// The WAV file.
        path: PathBuf,
        /// What went wrong.
        source: WavError,
    },
    /// A WAV file whose audio cannot be measured.
    #[error("{}: {source}", path.display())]
    Analysis {
        /// The measured file.
        path: PathBuf,
        /// Why it cannot be measured.
        source: AnalysisError,
    },
    /// A `.tqa` stream problem, or audio the TQA codec cannot encode; `path`
    /// is the `.tqa` file, or the WAV file whose audio was refused.
    #[error("{}: {source}", path.display())]
    Tqa {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong.
        source: TqaFileError,
    },
    /// A `wavecube bank` problem; `path` is the file or folder concerned.
    #[error("{}: {source}", path.display())]
    Bank {
        /// The file or folder concerned.
        path: PathBuf,
        /// What went wrong.
        source: BankFileError,
    },
    /// Two WAV files that cannot be compared.
    #[error("{} vs {}: {source}", reference.display(), test.display())]
    Compare {
        /// The reference file (`--file1`).
        reference: PathBuf,
        /// The file compared with it (`--file2`).
        test: PathBuf,
        /// Why they cannot be compared.
        source: AnalysisError,
    },
    /// Two WAV files to compare at different sample rates.
    #[error(
        "{} is at {reference_hz} Hz but {} is at {test_hz} Hz: compare needs one sample rate",
        reference.display(),
        test.display()
    )]
    SampleRateMismatch {
        /// The reference file (`--file1`).
        reference: PathBuf,
        /// Its sample rate, Hz.
        reference_hz: u32,
        /// The file compared with it (`--file2`).
        test: PathBuf,
        /// Its sample rate, Hz.
        test_hz: u32,
    },
    /// A bad `--notes` list.
    #[error(transparent)]
    Notes(#[from] NotesError),
    /// A bad render option.
    #[error(transparent)]
    Option(#[from] OptionError),
    /// `--start` past the end of the file or negative.
    #[error("{}: --start {start_s} s is outside the file's {length_s:.3} s", path.display())]
    Start {
        /// The measured file.
        path: PathBuf,
        /// The requested offset, seconds.
        start_s: f64,
        /// The file's length, seconds.
        length_s: f64,
    },
    /// A `--patch` that cannot be found, read or decoded.
    #[error(transparent)]
    Preset(#[from] crate::presets::PresetError),
    /// A user preset could not be read or written (`wavecube preset`, `--patch`). Boxed: the
    /// store's error is large.
    #[error(transparent)]
    Store(Box<wavecube_dsp::patch::store::StoreError>),
    /// A `wavecube library` problem; `path` is the database, the bank file or the output
    /// concerned.
    #[error("{}: {source}", path.display())]
    Library {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong.
        source: LibraryError,
    },
    /// A `wavecube library` problem that concerns no file: nothing says where the library is.
    #[error(transparent)]
    LibraryLocation(LibraryError),
    /// A `wavecube analyze` problem; `path` is the MIDI file or the output concerned.
    #[error("{}: {source}", path.display())]
    Analyze {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong.
        source: crate::analyze::AnalyzeError,
    },
    /// A `wavecube conv` or `wavecube sculpt` problem; `path` is the file concerned.
    #[error("{}: {source}", path.display())]
    Conv {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong (boxed: convolution errors carry the offending text, and the
        /// error type stays small).
        source: Box<crate::conv::ConvFileError>,
    },
    /// A `--bank`, or a patch's bank, that names no factory bank and no file.
    #[error(transparent)]
    BankRef(#[from] crate::bankref::BankRefError),
    /// The factory cube failed to build: a bug, not bad input.
    #[error("internal error: cannot build the factory cube: {0}")]
    Cube(#[from] CubeError),
}

impl HarnessError {
    /// Process exit code for this error: 2 for bad input (files, options),
    /// 1 for an internal failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Cube(_) => 1,
            Self::Library { source, .. } => source.exit_code(),
            _ => 2,
        }
    }
}

impl From<wavecube_dsp::patch::store::StoreError> for HarnessError {
    fn from(e: wavecube_dsp::patch::store::StoreError) -> Self {
        Self::Store(Box::new(e))
    }
}
