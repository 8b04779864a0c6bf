//! Typed errors of the harness, each printed by the CLI as one line naming the file or value.

use std::path::PathBuf;

use wavecube_dsp::analysis::AnalysisError;
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
    /// The input is missing or not a readable WAV file.
    #[error("cannot read WAV file: {0}")]
    Read(#[source] hound::Error),
    /// The WAV file is valid but its sample format is not one the harness reads.
    #[error("unsupported WAV format: {0}")]
    Unsupported(String),
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
            _ => 2,
        }
    }
}
