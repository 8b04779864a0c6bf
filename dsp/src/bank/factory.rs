//! The factory banks, generated deterministically (`cargo xtask presets` writes them to
//! `presets/banks/`, and a test checks the committed files byte for byte).
//!
//! Every frame is 2048 samples, built from its harmonic amplitudes and phases (so it is
//! band-limited by construction), DC-free, and scaled to an RMS of 0.3 (peak at most
//! 0.95; Basic Shapes is the built-in cube: RMS 0.35, peaks up to 0.99), so morphing keeps the loudness
//! steady.
//!
//! | bank | sides | x | y | z |
//! | --- | --- | --- | --- | --- |
//! | Basic Shapes | 4×4×4 | sine → triangle → saw → square | dark → bright | formant |
//! | Vowel Formants | 5×4×3 | vowel a, e, i, o, u | voice size, small → large | breath |
//! | Additive Harmonics | 4×4×4 | odd/even balance | spectral tilt, dark → bright | emphasis at harmonic 2 → 16 |
//! | FM Cube | 4×4×4 | index 0.5 → 4 | ratio 1 → 4 | feedback 0 → 0.9 |

use std::f64::consts::TAU;

use crate::codec::tqa::rotation::SplitMix64;
use crate::cube::{factory_cube, resample_cycle, Cube, Node};

use super::{write_wcube, BankError, CodecChoice, WriteOptions};

/// Frame length of every factory node, samples.
pub const FACTORY_FRAME: usize = 2048;

/// The factory banks: file stem and display name, in menu order.
pub const FACTORY_BANKS: [(&str, &str); 4] = [
    ("basic-shapes", "Basic Shapes"),
    ("vowel-formants", "Vowel Formants"),
    ("additive-harmonics", "Additive Harmonics"),
    ("fm-cube", "FM Cube"),
];

/// How factory banks are written: the smallest codec per node that keeps 60 dB SNR.
pub const FACTORY_WRITE_OPTIONS: WriteOptions = WriteOptions {
    codec: CodecChoice::Auto,
    quality_db: 60.0,
};

/// The factory bank with file stem `stem`, built from scratch.
pub fn factory_bank(stem: &str) -> Option<Cube> {
    let mut cube = match stem {
        "basic-shapes" => basic_shapes(),
        "vowel-formants" => vowel_formants(),
        "additive-harmonics" => additive_harmonics(),
        "fm-cube" => fm_cube(),
        _ => return None,
    };
    let name = FACTORY_BANKS.iter().find(|b| b.0 == stem)?.1;
    let meta = cube.meta_mut();
    meta.name = name.into();
    meta.author = "Wavecube".into();
    meta.licence = "CC0-1.0".into();
    meta.tags.insert(0, "factory".into());
    Some(cube)
}

/// Every factory bank as `.wcube` file bytes, `(file name, bytes)`, in menu order:
/// what `cargo xtask presets` writes to `presets/banks/`.
///
/// # Errors
/// A [`BankError`] if a bank cannot be written (never for the shipped banks).
pub fn factory_bank_files() -> Result<Vec<(String, Vec<u8>)>, BankError> {
    FACTORY_BANKS
        .iter()
        .map(|(stem, _)| {
            let cube = factory_bank(stem).expect("listed banks exist");
            Ok((
                format!("{stem}.wcube"),
                write_wcube(&cube, &FACTORY_WRITE_OPTIONS)?,
            ))
        })
        .collect()
}

/// A frame from harmonic amplitudes and phases (`amps[k-1]`, `phases[k-1]` for
/// harmonic k), scaled to RMS 0.3 with the peak at most 0.95.
fn from_harmonics(amps: &[f64], phases: &[f64]) -> Node {
    let n = FACTORY_FRAME;
    let mut frame: Vec<f64> = (0..n)
        .map(|i| {
            let p = i as f64 / n as f64;
            amps.iter()
                .zip(phases)
                .enumerate()
                .map(|(k, (&a, &ph))| a * (TAU * (k + 1) as f64 * p + ph).sin())
                .sum()
        })
        .collect();
    normalise(&mut frame);
    Node::mono(frame.iter().map(|&v| v as f32).collect()).expect("factory frames are valid")
}

fn normalise(frame: &mut [f64]) {
    let mean = frame.iter().sum::<f64>() / frame.len() as f64;
    frame.iter_mut().for_each(|v| *v -= mean);
    let rms = (frame.iter().map(|v| v * v).sum::<f64>() / frame.len() as f64).sqrt();
    let peak = frame.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if rms > 0.0 {
        let gain = (0.3 / rms).min(0.95 / peak);
        frame.iter_mut().for_each(|v| *v *= gain);
    }
}

fn basic_shapes() -> Cube {
    let mut cube = factory_cube();
    cube.meta_mut().description =
        "The classic shapes: x sine to square, y dark to bright, z a moving formant.".into();
    cube.meta_mut().tags = vec!["basic".into(), "analog".into()];
    cube
}

/// Vowels sung on a 130 Hz fundamental: harmonic k sits at 130·k Hz.
fn vowel_formants() -> Cube {
    const F0: f64 = 130.0;
    // (F1, F2, F3) in Hz, Peterson and Barney's adult male averages.
    const VOWELS: [(&str, [f64; 3]); 5] = [
        ("a", [730.0, 1090.0, 2440.0]),
        ("e", [530.0, 1840.0, 2480.0]),
        ("i", [270.0, 2290.0, 3010.0]),
        ("o", [570.0, 840.0, 2410.0]),
        ("u", [300.0, 870.0, 2240.0]),
    ];
    const SIZES: [f64; 4] = [1.3, 1.15, 1.0, 0.85];
    const BANDWIDTHS: [f64; 3] = [90.0, 110.0, 170.0];
    let harmonics = (8000.0 / F0) as usize;
    let mut cube = Cube::new(5, 4, 3).expect("valid sides");
    let mut rng = SplitMix64::new(0x564F_5745_4C53);
    let breath_phases: Vec<f64> = (0..harmonics).map(|_| TAU * rng.next_open01()).collect();
    for (x, (_, formants)) in VOWELS.iter().enumerate() {
        for (y, &size) in SIZES.iter().enumerate() {
            for z in 0..3 {
                let breath = z as f64 * 0.5;
                let mut amps = Vec::with_capacity(harmonics);
                let mut phases = Vec::with_capacity(harmonics);
                for k in 1..=harmonics {
                    let f = F0 * k as f64;
                    // Glottal source: −12 dB/octave.
                    let source = 1.0 / (k as f64).powi(2);
                    let filter: f64 = formants
                        .iter()
                        .zip(BANDWIDTHS)
                        .zip([1.0, 0.7, 0.35])
                        .map(|((&fc, bw), gain)| {
                            let fc = fc * size;
                            gain / (1.0 + ((f - fc) / bw).powi(2)).sqrt()
                        })
                        .sum();
                    // Breath: a flatter, noisy spectrum above 1 kHz, random phases.
                    let air = breath * 0.02 * (f / 1000.0).min(3.0) * filter;
                    let voiced = source * filter * (1.0 - 0.4 * breath);
                    // Voiced harmonics in sine phase, breath at its random phase.
                    let (re, im) = (
                        voiced + air * breath_phases[k - 1].cos(),
                        air * breath_phases[k - 1].sin(),
                    );
                    amps.push(re.hypot(im));
                    phases.push(im.atan2(re));
                }
                cube.set(x, y, z, from_harmonics(&amps, &phases))
                    .expect("inside the cube");
            }
        }
    }
    cube.set_axis_names(["vowel", "size", "breath"]);
    let meta = cube.meta_mut();
    meta.description =
        "Sung vowels a-e-i-o-u on x, voice size (formant scale 1.3 to 0.85) on y, breath on z."
            .into();
    meta.tags = vec!["vocal".into(), "formant".into()];
    cube
}

fn additive_harmonics() -> Cube {
    let harmonics = 256;
    let mut cube = Cube::new(4, 4, 4).expect("valid sides");
    for x in 0..4 {
        // Even harmonics from full (x = 0) to absent (x = 3): saw-like to square-like.
        let even = 1.0 - x as f64 / 3.0;
        for y in 0..4 {
            // Tilt: 1/k^p from p = 2 (dark) to p = 0.8 (bright).
            let tilt = 2.0 - 0.4 * y as f64;
            for z in 0..4 {
                let centre = [2.0, 4.0, 8.0, 16.0][z];
                let amps: Vec<f64> = (1..=harmonics)
                    .map(|k| {
                        let kf = k as f64;
                        let parity = if k % 2 == 0 { even } else { 1.0 };
                        let boost =
                            1.0 + 3.0 * (-0.5 * ((kf / centre).log2() / 0.25).powi(2)).exp();
                        parity * boost / kf.powf(tilt)
                    })
                    .collect();
                let phases = vec![0.0; harmonics];
                cube.set(x, y, z, from_harmonics(&amps, &phases))
                    .expect("inside the cube");
            }
        }
    }
    cube.set_axis_names(["even", "tilt", "emphasis"]);
    let meta = cube.meta_mut();
    meta.description = "Additive spectra: x removes the even harmonics, y brightens the tilt, \
         z moves a resonant emphasis from harmonic 2 to 16."
        .into();
    meta.tags = vec!["additive".into(), "organ".into()];
    cube
}

fn fm_cube() -> Cube {
    // Two-operator FM with modulator self-feedback, simulated 8× oversampled over two
    // cycles (the first settles the feedback), then band-limited to the frame's
    // harmonics by FFT.
    let over = 8 * FACTORY_FRAME;
    let mut cube = Cube::new(4, 4, 4).expect("valid sides");
    for x in 0..4 {
        let index = [0.5, 1.2, 2.2, 4.0][x];
        for y in 0..4 {
            let ratio = (y + 1) as f64;
            for z in 0..4 {
                let feedback = [0.0, 0.3, 0.6, 0.9][z];
                let mut previous = 0.0;
                let mut cycle = vec![0.0_f32; over];
                for pass in 0..2 {
                    for (i, out) in cycle.iter_mut().enumerate() {
                        let p = i as f64 / over as f64;
                        let modulator = (TAU * ratio * p + feedback * previous).sin();
                        previous = modulator;
                        if pass == 1 {
                            *out = (TAU * p + index * modulator).sin() as f32;
                        }
                    }
                }
                let mut frame: Vec<f64> = resample_cycle(&cycle, FACTORY_FRAME)
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect();
                normalise(&mut frame);
                let node = Node::mono(frame.iter().map(|&v| v as f32).collect())
                    .expect("factory frames are valid");
                cube.set(x, y, z, node).expect("inside the cube");
            }
        }
    }
    cube.set_axis_names(["index", "ratio", "feedback"]);
    let meta = cube.meta_mut();
    meta.description = "Two-operator FM: x the index (0.5 to 4), y the ratio (1 to 4), \
         z the modulator's feedback (0 to 0.9)."
        .into();
    meta.tags = vec!["fm".into(), "digital".into()];
    cube
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bank_is_full_band_limited_and_level() {
        for (stem, name) in FACTORY_BANKS {
            let cube = factory_bank(stem).unwrap();
            assert_eq!(cube.meta().name, name);
            let [w, h, d] = cube.dims();
            assert_eq!(cube.node_count(), w * h * d, "{stem} is full");
            for (pos, node) in cube.iter() {
                let x = node.channel(0);
                let rms =
                    (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
                let peak = x.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
                assert!(
                    peak <= 1.0 && rms > 0.1 && rms <= 0.351,
                    "{stem} {pos:?}: rms {rms} peak {peak}"
                );
            }
        }
        assert!(factory_bank("nope").is_none());
    }
}
