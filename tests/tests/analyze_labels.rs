//! The `analyze` plot's chord names on a long piece: thinned so that no two overlap, and
//! all of them kept when there is room.

use std::path::Path;

use wavecube_harness::analyze::plot::{
    chord_labels, draw_plot, PlotChord, PlotData, AREA_LEFT_PX, AREA_WIDTH_PX, LABEL_GAP_PX,
    LABEL_ROWS,
};

/// `n` chords, one every `step_s` seconds, with names of changing width.
fn chords(n: usize, step_s: f64) -> Vec<PlotChord> {
    let names = ["C", "Dm7", "G7sus4", "Cmaj7/E", "F#dim7", "Bbmaj9#11"];
    (0..n)
        .map(|i| PlotChord {
            time_s: i as f64 * step_s,
            name: names[i % names.len()].to_owned(),
            pitch_classes: 0b1001_0001,
            tension: 0.5,
            disorder: 0.2,
            detail: 0.3,
            key_distance: 0.1,
            boundary: i % 40 == 0,
        })
        .collect()
}

/// Asserts that labels on one row do not overlap (with the gap) and lie in the picture.
fn assert_apart(labels: &[wavecube_harness::analyze::plot::ChordLabel]) {
    for row in 0..LABEL_ROWS {
        let on_row: Vec<_> = labels.iter().filter(|l| l.row == row).collect();
        for pair in on_row.windows(2) {
            assert!(
                pair[0].right_px + LABEL_GAP_PX <= pair[1].left_px,
                "row {row}: {:?} overlaps {:?}",
                pair[0],
                pair[1]
            );
        }
    }
    for l in labels {
        assert!(l.right_px > l.left_px, "{l:?} has a width");
        assert!(l.left_px >= AREA_LEFT_PX && l.left_px <= AREA_LEFT_PX + AREA_WIDTH_PX);
    }
}

#[test]
fn a_70_second_piece_keeps_its_chord_names_apart() {
    // 350 chords in 70 s: 19 px apart on the plot, narrower than most names.
    let data = PlotData {
        title: "long".into(),
        duration_s: 70.0,
        chords: chords(350, 0.2),
        bands: Vec::new(),
    };
    let labels = chord_labels(&data.chords, data.duration_s);
    assert_apart(&labels);
    assert!(
        labels.len() > 40 && labels.len() < 350,
        "{} of 350 names shown",
        labels.len()
    );
    assert_eq!(labels[0].chord, 0, "the first chord is named");
    // Thinning keeps the names spread over the whole piece, not just its start.
    let last = data.chords[labels.last().unwrap().chord].time_s;
    assert!(last > 65.0, "last name at {last} s");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("analyze-labels-long.png");
    draw_plot(&data, &out).unwrap();
    assert!(std::fs::metadata(&out).unwrap().len() > 10_000);
}

#[test]
fn a_short_piece_names_every_chord() {
    let data = chords(12, 2.0);
    let labels = chord_labels(&data, 24.0);
    assert_apart(&labels);
    assert_eq!(labels.len(), 12, "room for every name");
    assert!(labels.iter().all(|l| l.row == 0), "one row suffices");
}
