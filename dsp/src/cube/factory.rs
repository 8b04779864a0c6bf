//! The factory cube: the embedded default that the demo, the tests and a user with no files
//! all play.
//!
//! 4×4×4 nodes of 2048 samples, built additively in f64:
//! - x, "shape": sine → triangle → saw → square;
//! - y, "brightness": a 4th-order spectral roll-off at harmonic 3, 12, 48, then none;
//! - z, "formant": none, then a +16 dB resonance at harmonic 4, 10 and 24.
//!
//! Every node is scaled to an RMS of 0.35 (peak at most 0.99), so a morph changes timbre,
//! not loudness.

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

use super::{Cube, Node};

/// Length of every factory node, in samples.
pub const FACTORY_NODE_LEN: usize = 2048;

/// Target RMS of each factory node (linear).
const NODE_RMS: f64 = 0.35;

/// Builds the factory cube. Deterministic: the same bits on every call and machine.
///
/// # Allocation
/// Allocates the cube.
pub fn factory_cube() -> Cube {
    let mut cube = Cube::new(4, 4, 4).expect("4 is a valid side");
    cube.set_axis_names(["shape", "brightness", "formant"]);
    let meta = cube.meta_mut();
    meta.name = "Factory".into();
    meta.author = "Wavecube".into();
    meta.description = "Sine to square, dark to bright, with a moving formant".into();
    meta.tags = vec!["factory".into(), "basic".into()];
    for x in 0..4 {
        for y in 0..4 {
            for z in 0..4 {
                let amps = harmonics(x, y, z);
                cube.set(x, y, z, additive_node(&amps))
                    .expect("position inside the cube");
            }
        }
    }
    cube
}

/// Sine-series amplitudes `a[h]` (index 0 unused) of the node at `(x, y, z)`.
fn harmonics(x: usize, y: usize, z: usize) -> Vec<f64> {
    let top = FACTORY_NODE_LEN / 2 - 1;
    let rolloff = [Some(3.0), Some(12.0), Some(48.0), None][y];
    let formant = [None, Some(4.0), Some(10.0), Some(24.0)][z];
    (0..=top)
        .map(|h| {
            if h == 0 {
                return 0.0;
            }
            let hf = h as f64;
            let odd = h % 2 == 1;
            let shape = match x {
                0 => f64::from(u8::from(h == 1)),
                1 if odd => {
                    let sign = if (h / 2) % 2 == 0 { 1.0 } else { -1.0 };
                    sign / (hf * hf)
                }
                2 => (if odd { 1.0 } else { -1.0 }) / hf,
                3 if odd => 1.0 / hf,
                _ => 0.0,
            };
            let tilt = rolloff.map_or(1.0, |hc: f64| 1.0 / (1.0 + (hf / hc).powi(4)).sqrt());
            let bump = formant.map_or(1.0, |hf0: f64| {
                let d = (hf / hf0).log2();
                1.0 + 5.3 * (-d * d / (2.0 * 0.35 * 0.35)).exp()
            });
            shape * tilt * bump
        })
        .collect()
}

/// One cycle from sine-series amplitudes, by inverse real FFT:
/// `x[i] = Σ a[h]·sin(2π·h·i/N)`, scaled to the target RMS.
fn additive_node(amps: &[f64]) -> Node {
    let n = FACTORY_NODE_LEN;
    let mut planner = RealFftPlanner::<f64>::new();
    let inv = planner.plan_fft_inverse(n);
    let mut spectrum = inv.make_input_vec();
    // A unit sine at harmonic h is the bin value −i·N/2 under realfft's unnormalised inverse.
    for (h, &a) in amps.iter().enumerate().skip(1).take(n / 2 - 1) {
        spectrum[h] = Complex::new(0.0, -a * n as f64 / 2.0);
    }
    let mut frame = inv.make_output_vec();
    inv.process(&mut spectrum, &mut frame)
        .expect("FFT sizes come from the plan");
    let rms = (frame.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
    let peak = frame.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let scale = (NODE_RMS / rms).min(0.99 / peak);
    Node::mono(frame.iter().map(|v| (v * scale) as f32).collect())
        .expect("factory frames are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_fft_equals_the_sine_sum() {
        let amps = harmonics(2, 1, 2);
        let node = additive_node(&amps);
        let direct: Vec<f64> = (0..FACTORY_NODE_LEN)
            .map(|i| {
                let p = i as f64 / FACTORY_NODE_LEN as f64;
                amps.iter()
                    .enumerate()
                    .map(|(h, a)| a * (std::f64::consts::TAU * h as f64 * p).sin())
                    .sum()
            })
            .collect();
        let rms = (direct.iter().map(|v| v * v).sum::<f64>() / direct.len() as f64).sqrt();
        let peak = direct.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let scale = (NODE_RMS / rms).min(0.99 / peak);
        for (a, b) in node.channel(0).iter().zip(&direct) {
            assert!((*a as f64 - b * scale).abs() < 1e-6);
        }
    }

    #[test]
    fn factory_cube_is_full_and_level_matched() {
        let cube = factory_cube();
        assert_eq!(cube.dims(), [4, 4, 4]);
        assert_eq!(cube.node_count(), 64);
        for (_, node) in cube.iter() {
            let s = node.channel(0);
            let rms = (s.iter().map(|v| (v * v) as f64).sum::<f64>() / s.len() as f64).sqrt();
            let peak = s.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(peak <= 0.99 + 1e-6);
            assert!(rms > 0.2 && rms <= 0.3501, "rms {rms}");
        }
        assert_eq!(cube.axis_names()[0], "shape");
    }
}
