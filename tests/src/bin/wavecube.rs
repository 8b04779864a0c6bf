//! `wavecube`: the headless command line — render MIDI or a note list to WAV, measure WAV
//! files, and run the TQA codec on them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use wavecube_dsp::analysis::{amplitude_to_dbfs, measure_tone};
use wavecube_dsp::fx::rack::NoExternal;
use wavecube_dsp::patch::store::PresetStore;
use wavecube_dsp::synth::SynthParams;
use wavecube_harness::analyze::{run_analyze, AnalyzeArgs};
use wavecube_harness::bank::{run_bank, BankArgs};
use wavecube_harness::bankref::{default_bank, open_reference};
use wavecube_harness::conv::{run_conv, run_sculpt, ConvArgs, SculptArgs};
use wavecube_harness::error::{HarnessError, OptionError};
use wavecube_harness::library::{run_library, LibraryArgs};
use wavecube_harness::midi::load_midi;
use wavecube_harness::notes::{notes_to_song, parse_notes};
use wavecube_harness::options::{
    check_block, check_sample_rate, check_seconds, SoundOptions, MAX_SECONDS,
};
use wavecube_harness::preset_cli::{embedded_bank, find_patch, run_preset, PresetArgs};
use wavecube_harness::presets::workspace_root;
use wavecube_harness::render::{build_engine_on, build_rack, rack_tail_s, Renderer, Schedule};
use wavecube_harness::text::count;
use wavecube_harness::tqa::{expand_audiotq_flags, run_tqa, TqaArgs};
use wavecube_harness::wav::{read_wav, WavFormat, WavOut};
use wavecube_harness::wavelet::{run_wavelet, WaveletArgs};

/// Wavecube's headless command line.
///
/// Renders songs through the Wavecube synth (the factory wavetable cube),
/// measures audio, and compresses it with the TQA codec. Bad input prints one line naming the file or value and
/// exits with code 2.
#[derive(Debug, Parser)]
#[command(name = "wavecube", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a patch: name, category, bank, the four macros, the effects rack (each slot in
    /// order: on/off, mix, and an enabled effect's settings) and the modulation matrix
    /// (each slot's source, destination, amount in the destination's unit, via, curve).
    ///
    /// Example: wavecube patch warm-pad
    Patch(PatchArgs),
    /// Render a MIDI file or a note list to a stereo WAV file and print a report.
    ///
    /// Example: wavecube render --midi presets/demo/demo.mid --out demo.wav --patch warm-pad
    Render(RenderArgs),
    /// Measure a WAV file's fundamental, level and spurious energy; print JSON.
    ///
    /// The channels are mixed to mono, (L+R)/2, and the first second after
    /// --start is analysed (Kaiser window, beta 20, 1 Hz bins). Keys:
    /// fundamental_hz (Hz), rms and peak (linear, full scale 1.0), rms_dbfs and
    /// peak_dbfs (dB re full scale), spurious_db (power outside the harmonics
    /// relative to the harmonics, dB).
    Measure(MeasureArgs),
    /// The TQA codec on files: encode, decode, run (round trip with a report),
    /// compare two WAV files, simulate test signals.
    ///
    /// Example: wavecube tqa run -i in.wav -o out.wav --bits 6
    Tqa(TqaArgs),
    /// Wavelet transforms equal to PyWavelets': decompose numbers to coefficients (JSON),
    /// reconstruct numbers from them.
    ///
    /// Example: wavecube wavelet dec --wavelet db4 --level 3 x.txt | wavecube wavelet rec
    Wavelet(WaveletArgs),
    /// The bank library: .wcube banks in an SQLite database, queryable with SQL.
    ///
    /// Example: wavecube library add bank.wcube && wavecube library list
    Library(LibraryArgs),
    /// Cube banks: import wavetables (Serum WAV, Surge .wt, Vital, WaveEdit, folders,
    /// images) into .wcube, export for other synths, inspect and convert.
    ///
    /// Example: wavecube bank import table.wav -o table.wcube --codec tqa
    Bank(BankArgs),
    /// Harmony analysis of a MIDI file: chord events, the tension curve, wavelet band
    /// energies and phrase boundaries, as a CSV (one row per chord event) and a PNG plot.
    ///
    /// Example: wavecube analyze song.mid --csv tension.csv --plot tension.png
    Analyze(AnalyzeArgs),
    /// FFT convolution of sounds and images, at parity with exconv's CLI.
    ///
    /// Example: wavecube conv audio-pair --in dry.wav --ir room.wav --out wet.wav
    Conv(ConvArgs),
    /// Sculpt an image with a sound's spectrum: a radial filter from |rfft| of the audio
    /// (mono, stereo or mid/side; luma or YCbCr colour).
    ///
    /// Example: wavecube sculpt --img in.png --audio in.wav --out out.png --mode stereo --colorspace color
    Sculpt(SculptArgs),
    /// User presets (the editor's Save/Save As folder: $WAVECUBE_PRESET_DIR, else
    /// $XDG_DATA_HOME/wavecube/presets or ~/.local/share/wavecube/presets): list, show,
    /// export, import.
    ///
    /// Example: wavecube preset list && wavecube preset export "My Pad" --out my-pad.json
    Preset(PresetArgs),
}

#[derive(Debug, Args)]
struct RenderArgs {
    /// Standard MIDI File to play (format 0 or 1), as the plugin plays it in a DAW: every
    /// channel keeps its own pitch bend, mod wheel, pressure, sustain (CC64) and sostenuto
    /// (CC66) pedals; all notes/sound off and reset-all-controllers act per channel; program
    /// changes are ignored (with a note). Give this or --notes.
    #[arg(
        long,
        value_name = "IN.mid",
        required_unless_present = "notes",
        conflicts_with = "notes"
    )]
    midi: Option<PathBuf>,
    /// Notes to play instead of a MIDI file: comma-separated NOTE@START_S:DURATION_S,
    /// NOTE a name (C4 = MIDI 60, F#3, Bb2) or a MIDI number. Example: "C4@0:2,E4@0.5:1.5"
    #[arg(long, value_name = "LIST")]
    notes: Option<String>,
    /// Output WAV file, stereo; created (or overwritten) before rendering starts.
    #[arg(long, value_name = "OUT.wav")]
    out: PathBuf,
    /// Sample rate in Hz, 8000 to 384000.
    #[arg(long, value_name = "HZ", default_value_t = 48_000)]
    sr: u32,
    /// Samples per engine block, 1 to 65536.
    #[arg(long, value_name = "SAMPLES", default_value_t = 512)]
    block: usize,
    /// Output sample format: 32-bit float, or 24/16-bit integer (rounded, clipped, no dither).
    #[arg(long, value_enum, default_value_t = WavFormat::F32)]
    format: WavFormat,
    /// Patch to play: a factory patch NAME (presets/patches/NAME.json in the
    /// current directory, or in the source tree when run through cargo), else a user
    /// preset (file stem or name; see `wavecube preset`), or a path to a patch file
    /// (anything ending in .json or holding a /). A factory patch wins over a user
    /// preset of the same name (a note says so). A bank embedded in a user preset is played.
    /// --morph and --lfo apply on top of it. Its effects rack (sound.fx) plays after the
    /// engine (synced effects at 120 BPM); without --seconds the render adds the rack's
    /// tail (the reverb's decay, the delay's echoes). Default: the engine's settings.
    /// The patch's "bank" (meta.bank) is played unless --bank is given: a factory bank
    /// name or a bank file, relative to the patch file. Example: warm-pad
    #[arg(long, value_name = "NAME|FILE.json")]
    patch: Option<String>,
    /// Wavetable bank to play: "factory" (the built-in cube), a factory bank
    /// (basic-shapes, vowel-formants, additive-harmonics, fm-cube), a .wcube file, or any
    /// file or folder `bank import` reads (imported on the fly with its defaults; the
    /// import's notes are printed). Replaces the patch's bank. Default: the patch's bank,
    /// else the built-in cube. Example: fm-cube
    #[arg(long, value_name = "NAME|FILE")]
    bank: Option<String>,
    /// Base morph point X,Y,Z, each 0 to 1 across the cube; replaces the
    /// patch's. Example: 0.3,0.4,0.2
    #[arg(long, value_name = "X,Y,Z")]
    morph: Option<String>,
    /// Morph LFO AXIS:RATE_HZ:DEPTH[:SHAPE]: axis x, y or z; rate 0 to 1000 Hz;
    /// depth -1 to 1 in morph units (the cube is 1 wide); shape sine (default),
    /// triangle, saw, square or random. Repeat for other axes. With --patch,
    /// the x, y and z LFOs replace the patch's LFO 1, 2 and 3. Example: x:0.15:0.4
    #[arg(long, value_name = "AXIS:RATE_HZ:DEPTH[:SHAPE]")]
    lfo: Vec<String>,
    /// Length to render in seconds, more than 0 and at most 3600. Default: the
    /// last event plus the amplitude release plus 0.5 s.
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    seconds: Option<f64>,
}

#[derive(Debug, Args)]
struct MeasureArgs {
    /// WAV file to measure (integer PCM or 32-bit float, any channel count).
    #[arg(value_name = "IN.wav")]
    input: PathBuf,
    /// Seconds to skip before the analysed second, e.g. past the attack.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    start: f64,
}

/// The JSON `measure` prints, in this key order.
#[derive(Debug, Serialize)]
struct MeasureJson {
    fundamental_hz: f64,
    rms: f64,
    rms_dbfs: f64,
    peak: f64,
    peak_dbfs: f64,
    spurious_db: f64,
}

/// Lets a closed stdout end the program the Unix way: the Rust runtime ignores SIGPIPE, so a
/// write to a closed pipe (`wavecube ... | head -1`) would fail and `println!` panic with a
/// backtrace; with the default action restored the process ends quietly on that signal
/// (status 141 in a shell), like `cat` or `grep`.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE and no handler code runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse_from(expand_audiotq_flags(std::env::args_os()));
    let result = match cli.command {
        Command::Patch(args) => show_patch(&args),
        Command::Render(args) => render(&args),
        Command::Measure(args) => measure(&args),
        Command::Tqa(args) => run_tqa(&args),
        Command::Wavelet(args) => {
            // NOTE: `wavelet` reports through its own typed error (2: bad input, 1: output).
            return match run_wavelet(&args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("wavecube: error: {err}");
                    ExitCode::from(err.exit_code())
                }
            };
        }
        Command::Bank(args) => run_bank(&args),
        Command::Library(args) => run_library(&args),
        Command::Analyze(args) => run_analyze(&args),
        Command::Conv(args) => run_conv(&args),
        Command::Sculpt(args) => run_sculpt(&args),
        Command::Preset(args) => run_preset(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("wavecube: error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// Arguments of `wavecube patch`.
#[derive(Debug, Args)]
struct PatchArgs {
    /// A factory patch NAME (presets/patches/NAME.json), a user preset's name, or a path
    /// to a patch file. Example: warm-pad
    patch: String,
}

fn show_patch(args: &PatchArgs) -> Result<(), HarnessError> {
    let found = find_patch(
        &args.patch,
        &workspace_root(),
        PresetStore::user().ok().as_ref(),
    )?;
    if let Some(note) = &found.note {
        eprintln!("wavecube: {note}");
    }
    print!(
        "{}",
        wavecube_harness::patchinfo::describe(&found.preset.patch)
    );
    println!("file       {}", found.path.display());
    Ok(())
}

fn render(args: &RenderArgs) -> Result<(), HarnessError> {
    // Check everything before touching the output file, so bad input never truncates it.
    let sample_rate_hz = check_sample_rate(args.sr)?;
    let block = check_block(args.block)?;
    let sound = SoundOptions::parse(args.morph.as_deref(), &args.lfo)?;
    let seconds = args.seconds.map(check_seconds).transpose()?;
    let found = match &args.patch {
        Some(arg) => {
            let found = find_patch(arg, &workspace_root(), PresetStore::user().ok().as_ref())?;
            if let Some(note) = &found.note {
                eprintln!("wavecube: {note}");
            }
            Some(found)
        }
        None => None,
    };
    let embedded = found.as_ref().map(embedded_bank).transpose()?.flatten();
    let patch = found.map(|f| (f.preset.patch, f.path));
    let (song, source, midi_notes) = match &args.midi {
        Some(path) => {
            let file = load_midi(path)?;
            (file.song, path.display().to_string(), file.notes)
        }
        // NOTE: clap requires --notes when --midi is absent; an empty list is an error.
        None => {
            let list = args.notes.as_deref().unwrap_or_default();
            let song = notes_to_song(&parse_notes(list)?);
            (song, "--notes".to_owned(), Vec::new())
        }
    };
    let bank = match (&args.bank, &patch, embedded) {
        (Some(reference), _, _) => open_reference(reference, None)?,
        (None, Some(_), Some(bank)) => bank,
        (None, Some((p, path)), None) => match &p.meta.bank {
            Some(reference) => open_reference(reference, Some(path))?,
            None => default_bank(),
        },
        (None, None, _) => default_bank(),
    };
    let base = patch
        .as_ref()
        .map_or_else(SynthParams::default, |(p, _)| p.to_params());
    let mut engine = build_engine_on(&bank.cube, sample_rate_hz, block, &base, &sound)?;
    // The patch's effects rack after the engine (the default rack, without a patch, passes
    // the engine's output through unchanged).
    let fx = patch.as_ref().map(|(p, _)| p.sound.fx).unwrap_or_default();
    let mut rack = build_rack(sample_rate_hz, &fx);
    let duration_s = match seconds {
        Some(s) => s,
        None => {
            let d = song.default_duration_s(engine.params().amp_env.release_ms) + rack_tail_s(&fx);
            if d > MAX_SECONDS {
                return Err(OptionError::SongTooLong(d).into());
            }
            d
        }
    };
    let wav_err = |source| HarnessError::Wav {
        path: args.out.clone(),
        source,
    };
    let mut out = WavOut::create(&args.out, sample_rate_hz, args.format).map_err(wav_err)?;

    let total = (duration_s * f64::from(sample_rate_hz)).round() as u64;
    let progress = progress_bar(duration_s, total);
    let schedule = Schedule::new(&song, sample_rate_hz);
    let mut renderer = Renderer::new(&schedule, block);
    let fx_base = *rack.requested_settings();
    let (mut peak, mut sum_sq) = (0.0_f64, 0.0_f64);
    let started = Instant::now();
    renderer
        .run_with(
            &mut engine,
            total,
            |engine, events, left, right| {
                engine.process(events, left, right);
                rack.set_modulated(&fx_base, engine.fx_offsets());
                rack.process_output(left, right, &mut NoExternal);
            },
            |start, left, right| {
                for &x in left.iter().chain(right) {
                    let x = f64::from(x);
                    peak = peak.max(x.abs());
                    sum_sq += x * x;
                }
                progress.set_position(start + left.len() as u64);
                out.write_block(left, right)
            },
        )
        .map_err(wav_err)?;
    out.finalize().map_err(wav_err)?;
    let wall = started.elapsed();
    progress.finish_and_clear();

    let rms = (sum_sq / (2 * total.max(1)) as f64).sqrt();
    let patch_line = patch
        .as_ref()
        .map(|(p, path)| format!("{} ({})", p.meta.name, path.display()));
    let notes: Vec<String> = midi_notes
        .into_iter()
        .chain(bank.notes.iter().map(|n| format!("bank: {n}")))
        .collect();
    print_report(&Report {
        source: &source,
        patch: patch_line.as_deref(),
        bank: &bank.label,
        notes_text: &notes,
        notes: song.note_count(),
        out: &args.out,
        format: args.format,
        sample_rate_hz,
        block,
        frames: total,
        peak,
        rms,
        peak_voices: engine.peak_voices(),
        wall,
    });
    Ok(())
}

/// A progress bar on stderr for renders longer than a second; indicatif
/// draws nothing when stderr is not a terminal.
fn progress_bar(duration_s: f64, total: u64) -> ProgressBar {
    if duration_s <= 1.0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("rendering [{bar:40}] {percent:>3}%  eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

struct Report<'a> {
    source: &'a str,
    /// The patch's name and file, when one was given.
    patch: Option<&'a str>,
    /// The bank played.
    bank: &'a str,
    /// Notes on the MIDI file and the bank import.
    notes_text: &'a [String],
    notes: usize,
    out: &'a Path,
    format: WavFormat,
    sample_rate_hz: u32,
    block: usize,
    frames: u64,
    peak: f64,
    rms: f64,
    peak_voices: usize,
    wall: Duration,
}

fn print_report(r: &Report) {
    let audio_s = r.frames as f64 / f64::from(r.sample_rate_hz);
    let wall_s = r.wall.as_secs_f64();
    println!(
        "wavecube render: {} ({}) -> {}",
        r.source,
        count(r.notes as u64, "note"),
        r.out.display()
    );
    if let Some(patch) = r.patch {
        println!("  patch      {patch}");
    }
    println!("  bank       {}", r.bank);
    for note in r.notes_text {
        println!("  note       {note}");
    }
    println!(
        "  format     {} stereo, {} Hz, {}-sample blocks",
        r.format.name(),
        r.sample_rate_hz,
        r.block
    );
    println!("  duration   {audio_s:.3} s ({})", count(r.frames, "frame"));
    println!("  peak       {:.2} dBFS", amplitude_to_dbfs(r.peak));
    println!("  rms        {:.2} dBFS", amplitude_to_dbfs(r.rms));
    println!("  voices     {} at most at once", r.peak_voices);
    println!(
        "  speed      {:.1}x real time ({audio_s:.2} s of audio in {wall_s:.3} s, synthesis and writing)",
        audio_s / wall_s.max(1e-9)
    );
    println!("  output     {}", r.out.display());
}

fn measure(args: &MeasureArgs) -> Result<(), HarnessError> {
    let path = &args.input;
    let wav = read_wav(path)?;
    let length_s = wav.duration_s();
    if !(args.start.is_finite() && args.start >= 0.0 && args.start < length_s) {
        return Err(HarnessError::Start {
            path: path.clone(),
            start_s: args.start,
            length_s,
        });
    }
    let mono = wav.to_mono();
    let skip = ((args.start * f64::from(wav.sample_rate_hz)).round() as usize).min(mono.len());
    let report = measure_tone(&mono[skip..], f64::from(wav.sample_rate_hz)).map_err(|source| {
        HarnessError::Analysis {
            path: path.clone(),
            source,
        }
    })?;
    let json = MeasureJson {
        fundamental_hz: report.fundamental_hz,
        rms: report.rms,
        rms_dbfs: report.rms_dbfs,
        peak: report.peak,
        peak_dbfs: report.peak_dbfs,
        spurious_db: report.spurious_db,
    };
    // NOTE: every field is finite (silence is an error above), so this cannot fail.
    println!(
        "{}",
        serde_json::to_string_pretty(&json).expect("finite numbers serialise")
    );
    Ok(())
}
