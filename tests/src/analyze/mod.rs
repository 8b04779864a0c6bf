//! `wavecube analyze`: the harmony analysis of a MIDI file — chord events, tension,
//! wavelet band energies and phrase boundaries — as a CSV (one row per chord event) and a
//! PNG plot.
//!
//! The analysis runs the song's notes through [`wavecube_dsp::harmony::analyze_notes`],
//! the same [`Analyzer`](wavecube_dsp::harmony::Analyzer) the synth runs on its audio
//! thread, so the file shows what the live tension modulation would follow.

pub mod plot;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use wavecube_dsp::harmony::{
    analyze_notes, chord_name, AnalysisMode, AnalyzerConfig, ChordEvent, NoteChange,
    TensionWeights, MAX_WINDOW,
};

use crate::error::HarnessError;
use crate::midi::load_smf;
use plot::{draw_plot, PlotChord, PlotData, PlotError};

/// Sample rate the analysis clock runs at, Hz. The results do not depend on it beyond
/// the rounding of event times to one sample.
pub const ANALYSIS_RATE_HZ: f32 = 48_000.0;

/// The analysis mode as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Haar wavelet, at most 2 levels: what the synth's live mode follows.
    Live,
    /// db4 wavelet with adaptive levels (1 to 3 from the window length).
    Interactive,
}

impl From<ModeArg> for AnalysisMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Live => AnalysisMode::Live,
            ModeArg::Interactive => AnalysisMode::Interactive,
        }
    }
}

/// Options of `wavecube analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Standard MIDI File to analyse (format 0 or 1; all channels' notes together).
    pub song: PathBuf,
    /// live (Haar, ≤ 2 levels) or interactive (db4, adaptive levels).
    #[arg(long, value_enum, default_value = "interactive")]
    pub mode: ModeArg,
    /// Write one CSV row per chord event here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Draw chords, tension, band energies and phrase boundaries into this PNG.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Weight α of harmonic disorder (1 − organisation), 0..1.
    #[arg(long, default_value_t = 0.4)]
    pub alpha: f32,
    /// Weight β of wavelet detail energy, 0..1.
    #[arg(long, default_value_t = 0.3)]
    pub beta: f32,
    /// Weight γ of key distance, 0..1.
    #[arg(long, default_value_t = 0.3)]
    pub gamma: f32,
    /// How long a held set must stay unchanged to count as a chord, ms (0..10000).
    #[arg(long, default_value_t = 30.0)]
    pub debounce_ms: f32,
    /// Chord events in the analysis window, 2..=64.
    #[arg(long, default_value_t = 32)]
    pub window: usize,
}

/// What can go wrong in `wavecube analyze` besides reading the MIDI file.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// An option outside its range.
    #[error("{name} {value} is outside {range}")]
    Option {
        /// The option, e.g. `--alpha`.
        name: &'static str,
        /// The value given.
        value: String,
        /// The accepted range, as text.
        range: &'static str,
    },
    /// The CSV could not be written.
    #[error("cannot write the CSV: {0}")]
    Csv(std::io::Error),
    /// The plot could not be drawn or written.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The song holds no note, so there is nothing to analyse.
    #[error("the song has no notes")]
    NoNotes,
}

/// Checks the options and builds the analyser's configuration.
fn config(args: &AnalyzeArgs) -> Result<AnalyzerConfig, AnalyzeError> {
    for (name, v) in [
        ("--alpha", args.alpha),
        ("--beta", args.beta),
        ("--gamma", args.gamma),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return Err(AnalyzeError::Option {
                name,
                value: v.to_string(),
                range: "0..1",
            });
        }
    }
    if !(0.0..=10_000.0).contains(&args.debounce_ms) {
        return Err(AnalyzeError::Option {
            name: "--debounce-ms",
            value: args.debounce_ms.to_string(),
            range: "0..10000",
        });
    }
    if !(2..=MAX_WINDOW).contains(&args.window) {
        return Err(AnalyzeError::Option {
            name: "--window",
            value: args.window.to_string(),
            range: "2..=64",
        });
    }
    Ok(AnalyzerConfig {
        debounce_ms: args.debounce_ms,
        window: args.window,
        mode: args.mode.into(),
        weights: TensionWeights {
            alpha: args.alpha,
            beta: args.beta,
            gamma: args.gamma,
        },
    })
}

/// Runs `wavecube analyze`: prints a summary, writes the CSV and the plot if asked.
///
/// # Errors
/// A bad MIDI file, a bad option, or an output that cannot be written; the error names
/// the file.
pub fn run_analyze(args: &AnalyzeArgs) -> Result<(), HarnessError> {
    let at = |path: &Path, source: AnalyzeError| HarnessError::Analyze {
        path: path.to_path_buf(),
        source,
    };
    let config = config(args).map_err(|e| at(&args.song, e))?;
    let song = load_smf(&args.song)?;
    let notes: Vec<NoteChange> = song
        .events()
        .iter()
        .filter_map(|e| {
            let t = (e.time_s * f64::from(ANALYSIS_RATE_HZ)).round().max(0.0) as u64;
            e.key().map(|(note, _, velocity)| (t, note, velocity > 0.0))
        })
        .collect();
    if !notes.iter().any(|n| n.2) {
        return Err(at(&args.song, AnalyzeError::NoNotes));
    }
    let analysis = analyze_notes(&notes, ANALYSIS_RATE_HZ, config);
    let chords = plot_chords(&analysis.events, &analysis.boundaries);
    let name = args.song.file_name().map_or_else(
        || args.song.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    let mode = match args.mode {
        ModeArg::Live => "live (Haar, L ≤ 2)",
        ModeArg::Interactive => "interactive (db4, adaptive L)",
    };
    if let Some(path) = &args.csv {
        std::fs::write(path, csv_text(&analysis.events, &chords))
            .map_err(|e| at(path, AnalyzeError::Csv(e)))?;
    }
    if let Some(path) = &args.plot {
        let data = PlotData {
            title: format!(
                "{name}: harmonic tension, {mode} mode, α β γ = {} {} {}",
                args.alpha, args.beta, args.gamma
            ),
            duration_s: song
                .last_event_s()
                .max(chords.last().map_or(0.0, |c| c.time_s + 0.5)),
            chords: chords.clone(),
            bands: band_series(&analysis),
        };
        draw_plot(&data, path).map_err(|e| at(path, e.into()))?;
    }
    let mean = if chords.is_empty() {
        0.0
    } else {
        chords.iter().map(|c| c.tension).sum::<f64>() / chords.len() as f64
    };
    let peak = chords.iter().map(|c| c.tension).fold(0.0, f64::max);
    println!(
        "{}: {}, {}, tension mean {mean:.3}, peak {peak:.3} ({mode})",
        args.song.display(),
        crate::text::count(chords.len() as u64, "chord event"),
        crate::text::count_as(
            analysis.boundaries.len() as u64,
            "phrase boundary",
            "phrase boundaries"
        ),
    );
    Ok(())
}

/// The chord events as the plot and the CSV show them.
fn plot_chords(events: &[ChordEvent], boundaries: &[usize]) -> Vec<PlotChord> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| PlotChord {
            time_s: e.time_samples as f64 / f64::from(ANALYSIS_RATE_HZ),
            name: chord_name(e.set, None).as_str().to_string(),
            pitch_classes: e.set.bits(),
            tension: f64::from(e.tension),
            disorder: 1.0 - f64::from(e.organisation),
            detail: f64::from(e.detail_energy),
            // The tension's key term: θ over π/2, at most 1 (docs/harmony.md).
            key_distance: (f64::from(e.key_distance) / std::f64::consts::FRAC_PI_2).min(1.0),
            boundary: boundaries.contains(&i),
        })
        .collect()
}

/// Detail-band energies per event, summed over the four chord signals, each band scaled
/// by the largest value any band reaches in the song (so the bands share one 0..1 axis).
fn band_series(analysis: &wavecube_dsp::harmony::Analysis) -> Vec<(String, Vec<f64>)> {
    let levels = analysis.bands.iter().map(|b| b.levels).max().unwrap_or(0);
    let mut series: Vec<(String, Vec<f64>)> = (1..=levels)
        .map(|j| {
            let label = match j {
                1 => "detail L1 (harmonic rhythm)".to_string(),
                2 => "detail L2 (voice leading)".to_string(),
                3 => "detail L3 (flicker)".to_string(),
                _ => format!("detail L{j}"),
            };
            let values = analysis
                .bands
                .iter()
                .map(|b| b.detail.iter().map(|s| s[j - 1]).sum::<f64>())
                .collect();
            (label, values)
        })
        .collect();
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0, f64::max);
    if max > 0.0 {
        for (_, v) in &mut series {
            for x in v.iter_mut() {
                *x /= max;
            }
        }
    }
    series
}

/// The CSV: a header and one row per chord event.
fn csv_text(events: &[ChordEvent], chords: &[PlotChord]) -> String {
    let mut s = String::from(
        "index,time_s,chord,pitch_classes,organisation,magnetism,velocity_rad,drift_rad,\
         key_distance_rad,detail_energy,tension,boundary\n",
    );
    for (e, c) in events.iter().zip(chords) {
        let pcs: Vec<String> = e.set.iter().map(|p| p.to_string()).collect();
        // NOTE: writing to a String cannot fail.
        let _ = writeln!(
            s,
            "{},{:.6},{},{},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{}",
            e.index,
            c.time_s,
            c.name,
            pcs.join(" "),
            e.organisation,
            e.magnetism,
            e.velocity,
            e.drift,
            e.key_distance,
            e.detail_energy,
            e.tension,
            u8::from(c.boundary)
        );
    }
    s
}
