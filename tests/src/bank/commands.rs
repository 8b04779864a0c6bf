//! What `wavecube bank ...` does: each command reads its files, does its work and returns
//! a report; [`run_bank`] prints it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use wavecube_dsp::bank::export::{export_clm_wav, export_node_wavs};
use wavecube_dsp::bank::import::{
    arrange_imported, import_bytes, import_folder, import_vital_preset, name_from_file, stack_z,
    ImportOptions, Imported, Layout,
};
use wavecube_dsp::bank::{
    inspect_wcube, read_wcube, write_wcube_with_progress, WcubeInfo, WriteOptions, WCUBE_MAGIC,
};
use wavecube_dsp::cube::Cube;

use super::args::{
    BankArgs, BankCommand, ConvertArgs, ExportArgs, ExportFormat, ImportArgs, InspectArgs,
    SourceArgs,
};
use crate::error::{BankFileError, HarnessError, OptionError};
use crate::text::count;

/// Largest file the bank commands read, bytes (a full 16³ stereo cube of 8192-sample
/// f32 frames is 256 MiB).
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Runs one `bank` command and prints its report to stdout.
///
/// # Errors
/// The [`HarnessError`] of the command, naming the file or option concerned.
pub fn run_bank(args: &BankArgs) -> Result<(), HarnessError> {
    match &args.command {
        BankCommand::Import(a) => {
            for report in import_all_command(a)? {
                println!("{report}");
            }
        }
        BankCommand::Export(a) => println!("{}", export_command(a)?),
        BankCommand::Inspect(a) => {
            let report = inspect_command(a)?;
            if a.json {
                // NOTE: the report holds strings, integers, finite floats and options;
                // serde_json writes non-finite floats as null, so this cannot fail.
                let json = serde_json::to_string_pretty(&report).expect("reports serialise");
                println!("{json}");
            } else {
                println!("{report}");
            }
        }
        BankCommand::Convert(a) => println!("{}", convert_command(a)?),
    }
    Ok(())
}

/// A [`HarnessError::Bank`] for `path`.
fn bank_err(path: &Path) -> impl Fn(BankFileError) -> HarnessError + '_ {
    move |source| HarnessError::Bank {
        path: path.to_path_buf(),
        source,
    }
}

/// The bytes of `path`, refusing files over [`MAX_INPUT_BYTES`] before reading them.
fn read_input(path: &Path) -> Result<Vec<u8>, HarnessError> {
    let err = bank_err(path);
    let size = std::fs::metadata(path)
        .map_err(|e| err(BankFileError::Read(e)))?
        .len();
    if size > MAX_INPUT_BYTES {
        return Err(err(BankFileError::TooLarge {
            size,
            cap: MAX_INPUT_BYTES,
        }));
    }
    std::fs::read(path).map_err(|e| err(BankFileError::Read(e)))
}

/// Imports one file or folder (single-cycle `.wav` files, by name).
fn read_source(path: &Path, options: &ImportOptions) -> Result<Imported, HarnessError> {
    let err = bank_err(path);
    if path.is_dir() {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|e| err(BankFileError::Read(e)))? {
            let p = entry.map_err(|e| err(BankFileError::Read(e)))?.path();
            let is_wav = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav"));
            if is_wav && p.is_file() {
                names.push(p);
            }
        }
        if names.is_empty() {
            return Err(err(BankFileError::EmptyFolder));
        }
        names.sort();
        let progress = bar(names.len() as u64, "reading");
        let mut files = Vec::with_capacity(names.len());
        for p in &names {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((name, read_input(p)?));
            progress.inc(1);
        }
        progress.finish_and_clear();
        import_folder(&files).map_err(|e| err(BankFileError::Import(e)))
    } else {
        let bytes = read_input(path)?;
        import_bytes(&bytes, options).map_err(|e| err(BankFileError::Import(e)))
    }
}

/// True when `path` is a file that starts with the `.wcube` magic (read: 4 bytes).
fn is_wcube(path: &Path) -> Result<bool, HarnessError> {
    use std::io::Read as _;
    if path.is_dir() {
        return Ok(false);
    }
    let mut head = [0u8; 4];
    let mut file = std::fs::File::open(path).map_err(|e| bank_err(path)(BankFileError::Read(e)))?;
    Ok(file.read_exact(&mut head).is_ok() && head == WCUBE_MAGIC)
}

/// A progress bar on stderr for `len` steps; indicatif draws nothing when stderr is not
/// a terminal.
fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let template = format!("{what} [{{bar:40}}] {{pos}}/{{len}}  eta {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The file name of `path`, for notes and names.
fn file_label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Imports `sources` and places their frames on a cube: one source by its own shape or
/// `--layout`; several joined in order, or one Z slice each with `stack`. Returns the
/// cube and the notes, each prefixed with its file when there are several.
fn build_cube(
    sources: &[PathBuf],
    stack: bool,
    args: &SourceArgs,
) -> Result<(Cube, Vec<String>), HarnessError> {
    let Some(first) = sources.first() else {
        return Err(OptionError::NoSources.into());
    };
    let options = args.import_options();
    let mut imported = Vec::with_capacity(sources.len());
    for path in sources {
        imported.push((path, read_source(path, &options)?));
    }
    let layout = args.layout.map(|l| l.layout());
    let prefix = sources.len() > 1;
    let mut notes = Vec::new();
    let mut formats = Vec::new();
    let mut merged: Option<Imported> = None;
    let mut slices = Vec::new();
    for (path, im) in imported {
        let label = file_label(path);
        if !formats.contains(&im.format.name()) {
            formats.push(im.format.name());
        }
        if !prefix {
            merged = Some(im);
            continue;
        }
        notes.extend(im.notes.iter().map(|n| format!("{label}: {n}")));
        if stack {
            slices.push(im.frames);
        } else if let Some(m) = merged.as_mut() {
            m.frames.extend(im.frames);
        } else {
            merged = Some(Imported {
                notes: Vec::new(),
                shape: None,
                ..im
            });
        }
    }
    let mut cube = if stack && prefix {
        stack_z(slices).map_err(|e| bank_err(first)(BankFileError::Import(e)))?
    } else {
        let Some(mut m) = merged else {
            return Err(OptionError::NoSources.into());
        };
        if stack {
            // One source stacked is one slice: lay it out xy.
            m.shape = None;
            let (cube, n) = arrange_imported(m, Some(layout.unwrap_or(Layout::Xy)))
                .map_err(|e| bank_err(first)(BankFileError::Import(e)))?;
            notes.extend(n);
            cube
        } else {
            let (cube, n) = arrange_imported(m, layout)
                .map_err(|e| bank_err(first)(BankFileError::Import(e)))?;
            notes.extend(n);
            cube
        }
    };
    let meta = cube.meta_mut();
    if let Some(name) = &args.name {
        meta.name = name.clone();
    } else if meta.name.is_empty() || prefix {
        meta.name = name_from_file(&file_label(first));
    }
    meta.tags = std::iter::once("imported")
        .chain(formats.iter().copied())
        .map(str::to_owned)
        .collect();
    let sources_text: Vec<String> = sources.iter().map(|p| file_label(p)).collect();
    meta.description = format!("imported from {}", sources_text.join(", "));
    Ok((cube, notes))
}

/// Encodes `cube` with a progress bar and writes it to `out`; returns the bytes.
fn write_bank(cube: &Cube, options: &WriteOptions, out: &Path) -> Result<Vec<u8>, HarnessError> {
    let err = bank_err(out);
    let progress = bar(cube.node_count() as u64, "encoding");
    let bytes = write_wcube_with_progress(cube, options, &mut |done, _| {
        progress.set_position(done as u64);
    })
    .map_err(|e| err(BankFileError::Wcube(e)))?;
    progress.finish_and_clear();
    std::fs::write(out, &bytes).map_err(|e| err(BankFileError::Write(e)))?;
    Ok(bytes)
}

/// What `bank import` or `bank convert` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteReport {
    /// `import` or `convert`.
    pub command: &'static str,
    /// The inputs, as given.
    pub inputs: Vec<String>,
    /// The `.wcube` file written, as given.
    pub output: String,
    /// The written bank, as [`inspect_wcube`] reads it back.
    pub info: WcubeInfo,
    /// The importers' and the arrangement's notes.
    pub notes: Vec<String>,
}

impl fmt::Display for WriteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = Summary::of(&self.info);
        write!(
            f,
            "wavecube bank {}: {} -> {}: \"{}\", {} cube, {} ({}, {}), {}, \
             {:.2}x smaller than f32; codecs {}; lowest SNR {}",
            self.command,
            self.inputs.join(", "),
            self.output,
            self.info.meta.name,
            s.dims,
            count(s.nodes as u64, "node"),
            s.channels,
            s.lengths,
            count(self.info.file_bytes as u64, "byte"),
            s.ratio,
            s.codecs_text(),
            s.min_snr_text(),
        )?;
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        Ok(())
    }
}

/// Totals of a bank, for reports.
struct Summary {
    dims: String,
    nodes: usize,
    channels: &'static str,
    lengths: String,
    ratio: f64,
    codecs: BTreeMap<String, usize>,
    min_snr_db: Option<f64>,
}

impl Summary {
    fn of(info: &WcubeInfo) -> Self {
        let [w, h, d] = info.dims;
        let min_len = info.nodes.iter().map(|n| n.len).min().unwrap_or(0);
        let max_len = info.nodes.iter().map(|n| n.len).max().unwrap_or(0);
        let stereo = info.nodes.iter().filter(|n| n.channels == 2).count();
        let mut codecs = BTreeMap::new();
        for n in &info.nodes {
            *codecs.entry(n.codec.name()).or_insert(0) += 1;
        }
        Self {
            dims: format!("{w}×{h}×{d}"),
            nodes: info.nodes.len(),
            channels: match stereo {
                0 => "mono",
                s if s == info.nodes.len() => "stereo",
                _ => "mono and stereo",
            },
            lengths: if min_len == max_len {
                count(min_len as u64, "sample")
            } else {
                format!("{min_len} to {max_len} samples")
            },
            ratio: info.decoded_bytes as f64 / info.file_bytes.max(1) as f64,
            codecs,
            min_snr_db: info
                .nodes
                .iter()
                .filter_map(|n| n.snr_db)
                .filter(|s| s.is_finite())
                .min_by(f64::total_cmp),
        }
    }

    fn codecs_text(&self) -> String {
        let parts: Vec<String> = self
            .codecs
            .iter()
            .map(|(c, n)| format!("{c} × {n}"))
            .collect();
        parts.join(", ")
    }

    fn min_snr_text(&self) -> String {
        self.min_snr_db
            .map_or_else(|| "exact".to_owned(), |s| format!("{s:.1} dB"))
    }
}

/// The `.wcube` file's own reading of the bytes just written.
fn info_of(bytes: &[u8], out: &Path) -> Result<WcubeInfo, HarnessError> {
    inspect_wcube(bytes).map_err(|e| bank_err(out)(BankFileError::Wcube(e)))
}

/// `bank import`.
///
/// # Errors
/// Bad options; a source that cannot be read or imported; frames that do not fit the
/// layout; an output that cannot be written.
pub fn import_command(args: &ImportArgs) -> Result<WriteReport, HarnessError> {
    let options = args.codec.write_options()?;
    let (cube, notes) = build_cube(&args.sources, args.stack_z, &args.source)?;
    let bytes = write_bank(&cube, &options, &args.output)?;
    Ok(WriteReport {
        command: "import",
        inputs: args
            .sources
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        output: args.output.display().to_string(),
        info: info_of(&bytes, &args.output)?,
        notes,
    })
}

/// `bank import`, every bank it writes: one, or for a lone `.vital` preset without `--osc`,
/// one per oscillator that holds a table, written to `<stem>-osc<N>.<ext>` beside `-o`
/// (a preset with a single table writes `-o` itself).
///
/// # Errors
/// As [`import_command`].
pub fn import_all_command(args: &ImportArgs) -> Result<Vec<WriteReport>, HarnessError> {
    let Some(banks) = vital_preset_banks(args)? else {
        return Ok(vec![import_command(args)?]);
    };
    let options = args.codec.write_options()?;
    let path = &args.sources[0];
    let layout = args.source.layout.map(|l| l.layout());
    let mut reports = Vec::with_capacity(banks.len());
    for (osc, imported) in banks {
        let out = osc_output(&args.output, osc);
        let (mut cube, notes) = arrange_imported(imported, layout)
            .map_err(|e| bank_err(path)(BankFileError::Import(e)))?;
        let meta = cube.meta_mut();
        if let Some(name) = &args.source.name {
            meta.name = format!("{name} osc {osc}");
        }
        meta.description = format!("imported from {}, oscillator {osc}", file_label(path));
        let bytes = write_bank(&cube, &options, &out)?;
        reports.push(WriteReport {
            command: "import",
            inputs: vec![format!("{} (oscillator {osc})", path.display())],
            output: out.display().to_string(),
            info: info_of(&bytes, &out)?,
            notes,
        });
    }
    Ok(reports)
}

/// The banks of a lone `.vital` preset imported without `--osc` when it holds more than one
/// table; `None` for anything else (which the ordinary import reads, or names the error of).
fn vital_preset_banks(args: &ImportArgs) -> Result<Option<Vec<(usize, Imported)>>, HarnessError> {
    let [path] = args.sources.as_slice() else {
        return Ok(None);
    };
    if args.stack_z || args.source.osc.is_some() || !path.is_file() {
        return Ok(None);
    }
    let bytes = read_input(path)?;
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Ok(None);
    }
    Ok(match import_vital_preset(&bytes) {
        Ok(banks) if banks.len() > 1 => Some(banks),
        _ => None,
    })
}

/// `out` with `-osc<N>` added to its file stem: `pad.wcube` → `pad-osc2.wcube`.
fn osc_output(out: &Path, osc: usize) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bank".to_owned());
    let name = match out.extension() {
        Some(ext) => format!("{stem}-osc{osc}.{}", ext.to_string_lossy()),
        None => format!("{stem}-osc{osc}"),
    };
    out.with_file_name(name)
}

/// `bank convert`.
///
/// # Errors
/// As [`import_command`], or a `.wcube` input that does not read.
pub fn convert_command(args: &ConvertArgs) -> Result<WriteReport, HarnessError> {
    let options = args.codec.write_options()?;
    let input = &args.input;
    let (cube, notes) = if is_wcube(input)? {
        let bytes = read_input(input)?;
        let mut cube = read_wcube(&bytes).map_err(|e| bank_err(input)(BankFileError::Wcube(e)))?;
        if let Some(name) = &args.source.name {
            cube.meta_mut().name = name.clone();
        }
        (cube, Vec::new())
    } else {
        build_cube(std::slice::from_ref(input), false, &args.source)?
    };
    let bytes = write_bank(&cube, &options, &args.output)?;
    Ok(WriteReport {
        command: "convert",
        inputs: vec![input.display().to_string()],
        output: args.output.display().to_string(),
        info: info_of(&bytes, &args.output)?,
        notes,
    })
}

/// What `bank export` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    /// The `.wcube` file read, as given.
    pub input: String,
    /// The WAV file or folder written, as given.
    pub output: String,
    /// What was written.
    pub format: ExportFormat,
    /// Files written.
    pub files: usize,
    /// Frames written (clm: every grid position; nodes: one per file).
    pub frames: usize,
    /// Channels of the clm file (per-node files keep each node's own).
    pub channels: usize,
    /// Bytes written, all files.
    pub bytes: usize,
    /// Grid positions without a node that the clm export filled.
    pub filled: usize,
}

impl fmt::Display for ExportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.format {
            ExportFormat::Clm => write!(
                f,
                "wavecube bank export: {} -> {}: {} of 2048 samples (x fastest, then \
                 y, then z), {} channel{}, 32-bit float, {}; {} empty position{} \
                 filled from neighbours",
                self.input,
                self.output,
                count(self.frames as u64, "frame"),
                self.channels,
                if self.channels == 1 { "" } else { "s" },
                count(self.bytes as u64, "byte"),
                self.filled,
                if self.filled == 1 { "" } else { "s" },
            ),
            ExportFormat::Nodes => write!(
                f,
                "wavecube bank export: {} -> {}/: {} (node_x{{X}}_y{{Y}}_z{{Z}}.wav, \
                 32-bit float, each at its own length), {}",
                self.input,
                self.output,
                count(self.files as u64, "node file"),
                count(self.bytes as u64, "byte"),
            ),
        }
    }
}

/// `bank export`.
///
/// # Errors
/// An input that does not read as `.wcube`; an empty bank; an output that cannot be
/// written.
pub fn export_command(args: &ExportArgs) -> Result<ExportReport, HarnessError> {
    let bytes = read_input(&args.input)?;
    let cube = read_wcube(&bytes).map_err(|e| bank_err(&args.input)(BankFileError::Wcube(e)))?;
    let out_err = bank_err(&args.output);
    let mut report = ExportReport {
        input: args.input.display().to_string(),
        output: args.output.display().to_string(),
        format: args.format,
        files: 0,
        frames: 0,
        channels: 0,
        bytes: 0,
        filled: 0,
    };
    match args.format {
        ExportFormat::Clm => {
            let export = export_clm_wav(&cube)
                .map_err(|e| bank_err(&args.input)(BankFileError::Export(e)))?;
            std::fs::write(&args.output, &export.bytes)
                .map_err(|e| out_err(BankFileError::Write(e)))?;
            report.files = 1;
            report.frames = export.frames;
            report.channels = export.channels;
            report.bytes = export.bytes.len();
            report.filled = export.filled.len();
        }
        ExportFormat::Nodes => {
            let files = export_node_wavs(&cube)
                .map_err(|e| bank_err(&args.input)(BankFileError::Export(e)))?;
            std::fs::create_dir_all(&args.output).map_err(|e| out_err(BankFileError::Write(e)))?;
            let progress = bar(files.len() as u64, "writing");
            for (name, data) in &files {
                let path = args.output.join(name);
                std::fs::write(&path, data)
                    .map_err(|e| bank_err(&path)(BankFileError::Write(e)))?;
                report.bytes += data.len();
                progress.inc(1);
            }
            progress.finish_and_clear();
            report.files = files.len();
            report.frames = files.len();
        }
    }
    Ok(report)
}

/// One node as `bank inspect` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRow {
    /// Grid position `[x, y, z]`.
    pub pos: [usize; 3],
    /// Frame length, samples.
    pub len: usize,
    /// 1 or 2.
    pub channels: usize,
    /// Codec name (`tqa6`, `zstd`, …); for an importable file, `source`.
    pub codec: String,
    /// Payload size, bytes (0 for an importable file).
    pub payload_bytes: usize,
    /// SNR against the source as the writer measured it, dB; `null` when exact or
    /// unknown.
    pub snr_db: Option<f64>,
}

/// What `bank inspect` prints, in this key order (see `wavecube bank inspect --help`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectReport {
    /// The file inspected, as given.
    pub file: String,
    /// `wcube`, or the importer's format name (`wav+clm`, `surge-wt`, …).
    pub format: String,
    /// Bank name.
    pub name: String,
    /// Author.
    pub author: String,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Cube sides `[w, h, d]` (for an importable file: as `bank import` would lay it
    /// out).
    pub dims: [usize; 3],
    /// Names of the x, y and z axes.
    pub axis_names: [String; 3],
    /// Present nodes.
    pub node_count: usize,
    /// Nodes per codec.
    pub codecs: BTreeMap<String, usize>,
    /// File size, bytes.
    pub file_bytes: usize,
    /// The decoded cube as f32 samples, bytes.
    pub decoded_bytes: usize,
    /// `decoded_bytes / file_bytes`.
    pub ratio_vs_f32: f64,
    /// The lowest per-node SNR, dB; `null` when every node is exact or unknown.
    pub min_snr_db: Option<f64>,
    /// Every node.
    pub nodes: Vec<NodeRow>,
    /// The importer's notes (an importable file only).
    pub notes: Vec<String>,
}

impl fmt::Display for InspectReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [w, h, d] = self.dims;
        writeln!(f, "wavecube bank inspect: {} ({})", self.file, self.format)?;
        writeln!(f, "  name        {}", self.name)?;
        if !self.author.is_empty() {
            writeln!(f, "  author      {}", self.author)?;
        }
        if !self.tags.is_empty() {
            writeln!(f, "  tags        {}", self.tags.join(", "))?;
        }
        writeln!(
            f,
            "  dims        {w}×{h}×{d}: {} of {} positions hold a node",
            self.node_count,
            w * h * d
        )?;
        writeln!(
            f,
            "  axes        x: {}, y: {}, z: {}",
            self.axis_names[0], self.axis_names[1], self.axis_names[2]
        )?;
        writeln!(
            f,
            "  size        {} bytes; decoded as f32 {} bytes; {:.2}x smaller than f32",
            self.file_bytes, self.decoded_bytes, self.ratio_vs_f32
        )?;
        let codecs: Vec<String> = self
            .codecs
            .iter()
            .map(|(c, n)| format!("{c} × {n}"))
            .collect();
        writeln!(f, "  codecs      {}", codecs.join(", "))?;
        if let Some(s) = self.min_snr_db {
            writeln!(f, "  lowest SNR  {s:.1} dB")?;
        }
        for note in &self.notes {
            writeln!(f, "  note: {note}")?;
        }
        write!(
            f,
            "  {:<14} {:>6} {:>3} {:<6} {:>9} {:>8}",
            "node", "len", "ch", "codec", "bytes", "snr_db"
        )?;
        for n in &self.nodes {
            let snr = n
                .snr_db
                .map_or_else(|| "-".to_owned(), |s| format!("{s:.1}"));
            write!(
                f,
                "\n  {:<14} {:>6} {:>3} {:<6} {:>9} {:>8}",
                format!("({}, {}, {})", n.pos[0], n.pos[1], n.pos[2]),
                n.len,
                n.channels,
                n.codec,
                n.payload_bytes,
                snr
            )?;
        }
        Ok(())
    }
}

/// `bank inspect`.
///
/// # Errors
/// A file that cannot be read, or that is neither a valid `.wcube` nor importable.
pub fn inspect_command(args: &InspectArgs) -> Result<InspectReport, HarnessError> {
    let path = &args.input;
    let file = path.display().to_string();
    if is_wcube(path)? {
        let bytes = read_input(path)?;
        let info = inspect_wcube(&bytes).map_err(|e| bank_err(path)(BankFileError::Wcube(e)))?;
        return Ok(wcube_report(file, &info));
    }
    let (cube, notes) = build_cube(std::slice::from_ref(path), false, &args.source)?;
    let nodes: Vec<NodeRow> = cube
        .iter()
        .map(|(pos, n)| NodeRow {
            pos,
            len: n.len(),
            channels: n.channels(),
            codec: "source".to_owned(),
            payload_bytes: 0,
            snr_db: None,
        })
        .collect();
    let decoded_bytes = nodes.iter().map(|n| n.len * n.channels * 4).sum();
    let file_bytes = if path.is_dir() {
        0
    } else {
        std::fs::metadata(path).map_or(0, |m| m.len() as usize)
    };
    let meta = cube.meta();
    Ok(InspectReport {
        file,
        format: meta.tags.get(1).cloned().unwrap_or_default(),
        name: meta.name.clone(),
        author: meta.author.clone(),
        description: meta.description.clone(),
        tags: meta.tags.clone(),
        dims: cube.dims(),
        axis_names: cube.axis_names().clone(),
        node_count: nodes.len(),
        codecs: BTreeMap::from([("source".to_owned(), nodes.len())]),
        file_bytes,
        decoded_bytes,
        ratio_vs_f32: decoded_bytes as f64 / file_bytes.max(1) as f64,
        min_snr_db: None,
        nodes,
        notes,
    })
}

/// The inspect report of a `.wcube` file.
fn wcube_report(file: String, info: &WcubeInfo) -> InspectReport {
    let s = Summary::of(info);
    InspectReport {
        file,
        format: "wcube".to_owned(),
        name: info.meta.name.clone(),
        author: info.meta.author.clone(),
        description: info.meta.description.clone(),
        tags: info.meta.tags.clone(),
        dims: info.dims,
        axis_names: info.axis_names.clone(),
        node_count: info.nodes.len(),
        codecs: s.codecs,
        file_bytes: info.file_bytes,
        decoded_bytes: info.decoded_bytes,
        ratio_vs_f32: s.ratio,
        min_snr_db: s.min_snr_db,
        nodes: info
            .nodes
            .iter()
            .map(|n| NodeRow {
                pos: n.pos,
                len: n.len,
                channels: n.channels,
                codec: n.codec.name(),
                payload_bytes: n.payload_bytes,
                snr_db: n.snr_db.filter(|s| s.is_finite()),
            })
            .collect(),
        notes: Vec::new(),
    }
}

/// Opens the bank file `path` for playing: a `.wcube` file (by its magic), or anything
/// `bank import` reads (a folder, a Serum/Surge/Vital/WaveEdit table, an image), imported
/// on the fly with the importers' defaults. Returns the cube and the import's notes (none
/// for a `.wcube`).
///
/// # Errors
/// A [`HarnessError::Bank`] naming `path` if it cannot be read, decoded or imported.
pub fn open_bank(path: &Path) -> Result<(Cube, Vec<String>), HarnessError> {
    if is_wcube(path)? {
        let bytes = read_input(path)?;
        let cube = read_wcube(&bytes).map_err(|e| bank_err(path)(BankFileError::Wcube(e)))?;
        return Ok((cube, Vec::new()));
    }
    let args = SourceArgs {
        layout: None,
        frame_size: None,
        image_mode: super::args::ImageModeArg::Luma,
        osc: None,
        name: None,
    };
    build_cube(&[path.to_path_buf()], false, &args)
}
