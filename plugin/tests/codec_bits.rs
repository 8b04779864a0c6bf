//! The matrix's `fx_codec_bits` destination through the plugin's `process`: macro 1 → codec
//! bits moves the coded signal's SQNR as the bits parameter would, a change plays on without
//! the gap (and the step) a bits parameter change makes, and nothing allocates while the bits
//! move.

mod common;

use common::{note_on, Host, SR};
use wavecube_dsp::modulation::{Destination, ModMatrix, Slot, Source};

/// Host block, samples.
const BLOCK: usize = 256;
/// The codec's default block (the stage's latency), samples.
const CODEC_BLOCK: usize = 512;
/// The parameter's bits in every render.
const BASE_BITS: f32 = 4.0;

/// Macro 1 → codec bits, +4 bits at macro 1 (amount 4/6 of the 6-bit full scale).
fn macro_on_bits() -> ModMatrix {
    let mut m = ModMatrix::default();
    m.push(Slot::new(
        Source::Macro1,
        Destination::FxCodecBits,
        4.0 / 6.0,
    ));
    m
}

/// A host with the codec on at [`BASE_BITS`] (or off), `settings` and `matrix`.
fn host(codec: bool, settings: &[(&str, f32)], matrix: ModMatrix) -> Host {
    let mut all = vec![
        ("tqa_on", if codec { 1.0 } else { 0.0 }),
        ("tqa_bits", BASE_BITS),
    ];
    all.extend_from_slice(settings);
    Host::new_with(&all, |plugin| {
        plugin.wavecube_params().matrix.set(&matrix, None);
    })
}

/// A three-note chord for `samples` samples in blocks of [`BLOCK`]; `at_block(host, start)`
/// runs before each block after the first.
fn chord(host: &mut Host, samples: usize, mut at_block: impl FnMut(&mut Host, usize)) {
    host.block(
        BLOCK,
        &[
            note_on(0, 1, 57, 0.8),
            note_on(0, 2, 64, 0.7),
            note_on(0, 3, 69, 0.6),
        ],
    );
    let mut pos = BLOCK;
    while pos < samples {
        at_block(host, pos);
        host.block(BLOCK, &[]);
        pos += BLOCK;
    }
    assert_eq!(host.violations, 0, "process allocated");
}

/// SQNR (dB) of `wet` against `dry` delayed by the codec's block, over `range` of `wet`.
fn sqnr_db(dry: &[Vec<f32>; 2], wet: &[Vec<f32>; 2], range: std::ops::Range<usize>) -> f64 {
    let (mut s, mut e) = (0.0_f64, 0.0_f64);
    for (d, w) in dry.iter().zip(wet) {
        for i in range.clone() {
            let (a, b) = (f64::from(d[i - CODEC_BLOCK]), f64::from(w[i]));
            s += a * a;
            e += (a - b) * (a - b);
        }
    }
    10.0 * (s / e).log10()
}

/// Macro 1 at 0 leaves the codec at the parameter's 4 bits; at 1 the slot adds 4 and the
/// coded signal's SQNR is the 8-bit parameter's (within 0.5 dB), some 6 dB a bit higher.
#[test]
fn macro_on_codec_bits_moves_the_sqnr_as_the_bits_parameter_does() {
    let samples = (1.5 * SR) as usize;
    let mut dry = host(false, &[], ModMatrix::default());
    chord(&mut dry, samples, |_, _| {});
    let render = |settings: &[(&str, f32)], matrix| {
        let mut h = host(true, settings, matrix);
        chord(&mut h, samples, |_, _| {});
        h
    };
    // From 0.1 s on: past the start-up block and the macro's 5 ms glide.
    let range = (0.1 * SR) as usize..samples;
    let m0 = render(&[("macro1", 0.0)], macro_on_bits());
    let m1 = render(&[("macro1", 1.0)], macro_on_bits());
    let p8 = render(&[("tqa_bits", 8.0)], ModMatrix::default());
    let p4 = render(&[], ModMatrix::default());
    let [s0, s1, s8, s4] = [&m0, &m1, &p8, &p4].map(|h| sqnr_db(&dry.out, &h.out, range.clone()));
    println!(
        "SQNR: macro 0 {s0:.2} dB, macro 1 {s1:.2} dB; bits parameter 4: {s4:.2} dB, 8: {s8:.2} dB"
    );
    assert!((s0 - s4).abs() < 0.01, "macro 0 is the parameter's bits");
    assert!((s1 - s8).abs() < 0.5, "macro 1 ({s1}) is 8 bits ({s8})");
    assert!(s1 > s0 + 15.0, "four more bits: {s0} → {s1}");
    assert_eq!(m1.plugin.codec_bits(), Some(8));
    assert_eq!(m0.plugin.codec_bits(), Some(4));
}

/// Largest sample-to-sample step of `x[range]`, both channels.
fn max_step(x: &[Vec<f32>; 2], range: std::ops::Range<usize>) -> f32 {
    x.iter()
        .flat_map(|c| c[range.clone()].windows(2).map(|w| (w[1] - w[0]).abs()))
        .fold(0.0, f32::max)
}

/// Lowest RMS of a codec block in `range` of `x` over the same block of `dry` delayed by
/// the codec: ~1 while the sound plays on, ~0 across a gap.
fn lowest_level(dry: &[Vec<f32>; 2], x: &[Vec<f32>; 2], range: std::ops::Range<usize>) -> f64 {
    let rms = |c: &[f32]| (c.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>()).sqrt();
    range
        .step_by(CODEC_BLOCK)
        .map(|i| {
            let b = i..i + CODEC_BLOCK;
            let d = b.start - CODEC_BLOCK..b.end - CODEC_BLOCK;
            (rms(&x[0][b.clone()]) + rms(&x[1][b])) / (rms(&dry[0][d.clone()]) + rms(&dry[1][d]))
        })
        .fold(f64::INFINITY, f64::min)
}

/// 4 → 8 bits at sample `AT`: by the parameter (the stage restarts: a codec block of
/// silence) and by macro 1 through the matrix (the stage switches at its next block). The
/// matrix's change steps no more than the parameter's, and leaves no gap.
#[test]
fn a_matrix_bits_change_does_not_click_worse_than_the_parameter() {
    const AT: usize = 48 * BLOCK;
    let samples = AT + 16 * BLOCK;
    let mut dry = host(false, &[], ModMatrix::default());
    chord(&mut dry, samples, |_, _| {});
    let mut by_param = host(true, &[], ModMatrix::default());
    chord(&mut by_param, samples, |h, pos| {
        if pos == AT {
            h.set("tqa_bits", 8.0);
        }
    });
    let mut by_matrix = host(true, &[], macro_on_bits());
    chord(&mut by_matrix, samples, |h, pos| {
        if pos == AT {
            h.set("macro1", 1.0);
        }
    });
    // The coded sound's own steps with no change, at 4 and at 8 bits throughout.
    let mut at4 = host(true, &[], ModMatrix::default());
    chord(&mut at4, samples, |_, _| {});
    let mut at8 = host(true, &[("tqa_bits", 8.0)], ModMatrix::default());
    chord(&mut at8, samples, |_, _| {});
    let window = AT - 4 * CODEC_BLOCK..AT + 6 * CODEC_BLOCK;
    let steps = [&dry, &at4, &at8, &by_param, &by_matrix].map(|h| max_step(&h.out, window.clone()));
    let levels = [&by_param, &by_matrix].map(|h| lowest_level(&dry.out, &h.out, window.clone()));
    println!(
        "around a 4 → 8 bit change: largest step dry {:.4}, coded at 4 bits {:.4}, at 8 bits \
         {:.4}; by the parameter {:.4}, by the matrix {:.4}; lowest block level (coded / dry) by \
         the parameter {:.3}, by the matrix {:.3}",
        steps[0], steps[1], steps[2], steps[3], steps[4], levels[0], levels[1]
    );
    assert!(steps[4] <= steps[3], "the matrix's change steps more");
    assert!(
        steps[4] <= steps[1].max(steps[2]) * 1.25,
        "the matrix's change steps beyond the coded sound's own"
    );
    assert!(
        levels[1] > 0.8,
        "the matrix's change leaves a gap ({})",
        levels[1]
    );
    assert_eq!(by_matrix.plugin.codec_bits(), Some(8));
}

/// Macro 1 jumping between 0 and 1 every four blocks switches the bits dozens of times:
/// nothing allocates and the output stays bounded.
#[test]
fn moving_codec_bits_never_allocates() {
    let mut h = host(true, &[], macro_on_bits());
    let mut switches = 0;
    let mut last = h.plugin.codec_bits();
    chord(&mut h, SR as usize, |h, pos| {
        if pos % (4 * BLOCK) == 0 {
            // 0 and 1 in turns.
            h.set("macro1", ((pos / (4 * BLOCK)) % 2) as f32);
        }
        let now = h.plugin.codec_bits();
        if now != last {
            switches += 1;
            last = now;
        }
    });
    let peak = h.out.iter().flatten().fold(0.0_f32, |m, v| m.max(v.abs()));
    println!("{switches} bits changes seen between blocks; peak {peak:.3}");
    assert!(switches >= 40, "only {switches} bits changes");
    assert!(h.out.iter().flatten().all(|v| v.is_finite()) && peak < 4.0);
    assert_eq!(h.violations, 0);
}
