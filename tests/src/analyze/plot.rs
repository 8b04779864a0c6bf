//! The `wavecube analyze` picture: chords, tension, band energies and phrase boundaries
//! of one song, drawn with plotters into a PNG.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

/// Width of the picture, pixels.
pub const PLOT_WIDTH: u32 = 1400;
/// Height of the picture, pixels.
pub const PLOT_HEIGHT: u32 = 1000;

/// Left edge of the plotting area of every panel, pixels from the picture's left (the
/// panel margin, 10, and the y label area, 50).
pub const AREA_LEFT_PX: i32 = 60;
/// Width of the plotting area of every panel, pixels.
pub const AREA_WIDTH_PX: i32 = PLOT_WIDTH as i32 - 70;
/// Rows of chord names above the pitch-class roll.
pub const LABEL_ROWS: usize = 2;
/// Least gap between two chord names on one row, pixels.
pub const LABEL_GAP_PX: i32 = 6;
/// Size of the chord names, pixels.
const LABEL_FONT_PX: f64 = 13.0;

/// Where one chord's name is drawn: its row (0 the upper) and its horizontal extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChordLabel {
    /// Index of the chord in [`PlotData::chords`].
    pub chord: usize,
    /// Row, 0 (upper) to [`LABEL_ROWS`] − 1.
    pub row: usize,
    /// Left edge, pixels from the picture's left.
    pub left_px: i32,
    /// Right edge (exclusive), pixels from the picture's left.
    pub right_px: i32,
}

/// The chord names the picture shows, thinned so that none overlap: each name, in time
/// order, goes on the first row where it clears the previous name by [`LABEL_GAP_PX`], and
/// is left out when it fits on none (its chord is still drawn in the roll). Widths are
/// measured with the picture's font.
pub fn chord_labels(chords: &[PlotChord], duration_s: f64) -> Vec<ChordLabel> {
    register_fonts();
    let font = ("sans-serif", LABEL_FONT_PX).into_font();
    let end = duration_s.max(1e-3);
    let mut row_end = [i32::MIN; LABEL_ROWS];
    let mut out = Vec::new();
    for (i, c) in chords.iter().enumerate() {
        let width = font.box_size(&c.name).map_or_else(
            // NOTE: measuring fails only without the font; assume a wide glyph each.
            |_| 8 * c.name.chars().count() as i32,
            |(w, _)| w as i32,
        );
        let left =
            AREA_LEFT_PX + (c.time_s.clamp(0.0, end) / end * f64::from(AREA_WIDTH_PX)) as i32;
        if let Some(row) =
            (0..LABEL_ROWS).find(|&r| row_end[r].saturating_add(LABEL_GAP_PX) <= left)
        {
            row_end[row] = left + width;
            out.push(ChordLabel {
                chord: i,
                row,
                left_px: left,
                right_px: left + width,
            });
        }
    }
    out
}

/// One chord event as the picture draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotChord {
    /// When the chord formed, seconds from the song's start.
    pub time_s: f64,
    /// The chord's name, e.g. "Dm7".
    pub name: String,
    /// Pitch classes held, bit `k` for pitch class `k` (C = 0).
    pub pitch_classes: u16,
    /// Tension, 0..1.
    pub tension: f64,
    /// The disorder term `1 − organisation`, 0..1, before its weight.
    pub disorder: f64,
    /// The detail-energy term, 0..1, before its weight.
    pub detail: f64,
    /// The key-distance term, 0..1, before its weight.
    pub key_distance: f64,
    /// True if a phrase boundary was found at this chord.
    pub boundary: bool,
}

/// What the picture shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotData {
    /// Title line (song name and analysis mode).
    pub title: String,
    /// Length of the song, seconds.
    pub duration_s: f64,
    /// The chord events, in time order.
    pub chords: Vec<PlotChord>,
    /// Band energy series, one value per chord event each: (band name, values, window-
    /// normalised 0..1).
    pub bands: Vec<(String, Vec<f64>)>,
}

/// Plotting failed (the backend's error, as text: it is not `Send`).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the plot: {0}")]
pub struct PlotError(pub String);

fn err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError(e.to_string())
}

/// Registers the built-in font once: plotters draws text with ab_glyph from these bytes,
/// so no system font library is needed.
fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // NOTE: the bytes are a valid TTF shipped in the crate, so this cannot fail; if it
        // did, text would be missing but the plot would still be drawn.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Bold,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

/// One curve of the tension panel: name, colour, line width (pixels) and the value it shows.
type Curve = (&'static str, RGBColor, u32, fn(&PlotChord) -> f64);

/// Pitch-class names, C = 0.
const PC_NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// Band colours, approximation first.
const BAND_COLOURS: [RGBColor; 6] = [
    RGBColor(60, 60, 60),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(214, 39, 40),
];

/// Draws `data` into a PNG at `path`.
///
/// # Errors
/// [`PlotError`] if the image cannot be drawn or written.
pub fn draw_plot(data: &PlotData, path: &Path) -> Result<(), PlotError> {
    register_fonts();
    let root = BitMapBackend::new(path, (PLOT_WIDTH, PLOT_HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (title, body) = root.split_vertically(40);
    title
        .draw(&Text::new(
            data.title.clone(),
            (20, 10),
            ("sans-serif", 24).into_font().color(&BLACK),
        ))
        .map_err(err)?;
    let panels = body.split_evenly((3, 1));
    let end = data.duration_s.max(1e-3);
    let boundaries: Vec<f64> = data
        .chords
        .iter()
        .filter(|c| c.boundary)
        .map(|c| c.time_s)
        .collect();

    // 1. Chords: a pitch-class roll with each chord's name above it.
    {
        let mut chart = ChartBuilder::on(&panels[0])
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .caption("Chords (held pitch classes)", ("sans-serif", 18))
            .build_cartesian_2d(0.0..end, -0.6..14.2f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_labels(30)
            .y_label_formatter(&|y| {
                let k = y.round() as usize;
                if (y - k as f64).abs() < 1e-6 && k < 12 {
                    PC_NAMES[k].to_string()
                } else {
                    String::new()
                }
            })
            .x_desc("time (s)")
            .draw()
            .map_err(err)?;
        for (i, c) in data.chords.iter().enumerate() {
            let next = data.chords.get(i + 1).map_or(end, |n| n.time_s);
            let shade = tension_colour(c.tension);
            for pc in 0..12 {
                if c.pitch_classes & (1 << pc) != 0 {
                    let y = pc as f64;
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(c.time_s, y - 0.4), (next, y + 0.4)],
                            shade.filled(),
                        )))
                        .map_err(err)?;
                }
            }
        }
        for label in chord_labels(&data.chords, data.duration_s) {
            let c = &data.chords[label.chord];
            chart
                .draw_series(std::iter::once(Text::new(
                    c.name.clone(),
                    (c.time_s, 13.9 - label.row as f64),
                    ("sans-serif", LABEL_FONT_PX).into_font().color(&BLACK),
                )))
                .map_err(err)?;
        }
        draw_boundaries(&mut chart, &boundaries, -0.6, 12.2)?;
    }

    // 2. Tension and its three terms.
    {
        let mut chart = ChartBuilder::on(&panels[1])
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .caption("Tension and its terms", ("sans-serif", 18))
            .build_cartesian_2d(0.0..end, 0.0..1.05f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("0 to 1")
            .draw()
            .map_err(err)?;
        let series: [Curve; 4] = [
            ("1 - organisation", RGBColor(31, 119, 180), 1, |c| {
                c.disorder
            }),
            ("detail energy", RGBColor(44, 160, 44), 1, |c| c.detail),
            ("key distance", RGBColor(255, 127, 14), 1, |c| {
                c.key_distance
            }),
            ("tension", RGBColor(200, 0, 0), 3, |c| c.tension),
        ];
        for (name, colour, width, value) in series {
            chart
                .draw_series(LineSeries::new(
                    step_points(&data.chords, end, value),
                    colour.stroke_width(width),
                ))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(width))
                });
        }
        draw_boundaries(&mut chart, &boundaries, 0.0, 1.05)?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
    }

    // 3. Band energies.
    {
        let mut chart = ChartBuilder::on(&panels[2])
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .caption(
                "Wavelet band energies of the chord signals (window-normalised)",
                ("sans-serif", 18),
            )
            .build_cartesian_2d(0.0..end, 0.0..1.05f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("0 to 1")
            .draw()
            .map_err(err)?;
        for (b, (name, values)) in data.bands.iter().enumerate() {
            // NOTE: the first colour is the approximation band's; these are details.
            let colour = BAND_COLOURS[(b + 1) % BAND_COLOURS.len()];
            let points: Vec<(f64, f64)> = data
                .chords
                .iter()
                .zip(values)
                .map(|(c, v)| (c.time_s, v.clamp(0.0, 1.05)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                .map_err(err)?;
        }
        draw_boundaries(&mut chart, &boundaries, 0.0, 1.05)?;
        if !data.bands.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(err)?;
        }
    }
    root.present().map_err(err)?;
    Ok(())
}

/// A step curve: each chord's value held until the next chord (or the song's end).
fn step_points(chords: &[PlotChord], end: f64, value: fn(&PlotChord) -> f64) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(2 * chords.len());
    for (i, c) in chords.iter().enumerate() {
        let next = chords.get(i + 1).map_or(end, |n| n.time_s);
        let v = value(c).clamp(0.0, 1.05);
        pts.push((c.time_s, v));
        pts.push((next, v));
    }
    pts
}

/// Dashed red verticals at the phrase boundaries.
fn draw_boundaries<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    boundaries: &[f64],
    y0: f64,
    y1: f64,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let red = RGBColor(220, 20, 60);
    for &t in boundaries {
        let n = 24;
        let segments = (0..n).step_by(2).map(move |k| {
            let a = y0 + (y1 - y0) * k as f64 / n as f64;
            let b = y0 + (y1 - y0) * (k + 1) as f64 / n as f64;
            PathElement::new(vec![(t, a), (t, b)], red.stroke_width(2))
        });
        chart.draw_series(segments).map_err(err)?;
    }
    Ok(())
}

/// Blue (relaxed) to red (tense).
fn tension_colour(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(70.0, 220.0), mix(130.0, 60.0), mix(200.0, 60.0))
}
