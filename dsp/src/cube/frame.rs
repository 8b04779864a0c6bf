//! Sampling the cube as whole frames: the blended single cycle at a grid point.
//!
//! This is how the CLI, the tests and the editor see the cube. It works on the raw nodes
//! (not the mips) and allocates its result, so it is not for the audio thread.

use realfft::RealFftPlanner;

use super::{Cube, CubeError, Node};

/// Resamples one cycle to `new_len` samples by FFT (zero-padding or truncating the spectrum),
/// so a band-limited cycle keeps its shape exactly.
///
/// # Allocation
/// Allocates the result and FFT plans.
pub fn resample_cycle(frame: &[f32], new_len: usize) -> Vec<f32> {
    let n = frame.len();
    if n == new_len {
        return frame.to_vec();
    }
    let mut planner = RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(new_len);
    let mut input: Vec<f64> = frame.iter().map(|&s| s as f64).collect();
    let mut spectrum = fwd.make_output_vec();
    fwd.process(&mut input, &mut spectrum)
        .expect("FFT sizes come from the plan");
    let mut out_spec = inv.make_input_vec();
    let shared = (n.min(new_len)) / 2;
    out_spec[..shared].copy_from_slice(&spectrum[..shared]);
    if new_len > n {
        // An even source's Nyquist cosine becomes an interior bin: it now appears twice
        // in the full spectrum, so it takes half the weight. An odd source has no Nyquist
        // bin: its last bin is an ordinary harmonic and keeps its weight.
        out_spec[n / 2] = if n % 2 == 0 {
            spectrum[n / 2] * 0.5
        } else {
            spectrum[n / 2]
        };
    }
    let mut out = inv.make_output_vec();
    inv.process(&mut out_spec, &mut out)
        .expect("FFT sizes come from the plan");
    out.iter().map(|&v| (v / n as f64) as f32).collect()
}

/// The frame blended from the nodes around grid point `(x, y, z)`.
///
/// Coordinates are grid indices (0 = first node, side − 1 = last) and are clamped to the
/// grid. The eight corners are weighted trilinearly; weights are renormalised over the
/// corners that exist, so a missing node is filled from its present neighbours rather than
/// read as silence. Corners of different lengths are resampled to the longest and blend by
/// normalised phase. The result is stereo when any weighted corner is.
///
/// # Errors
/// [`CubeError::EmptyCorners`] when all eight corners are empty;
/// [`CubeError::NanCoordinate`] for a NaN coordinate.
///
/// # Allocation
/// Allocates the result.
pub fn sample_frame(cube: &Cube, x: f32, y: f32, z: f32) -> Result<Node, CubeError> {
    if x.is_nan() || y.is_nan() || z.is_nan() {
        return Err(CubeError::NanCoordinate);
    }
    let dims = cube.dims();
    let mut corner_pos = [[0usize; 3]; 8];
    let mut frac = [0.0f64; 3];
    let mut base = [0usize; 3];
    for (a, &v) in [x, y, z].iter().enumerate() {
        let top = (dims[a] - 1) as f64;
        let g = (v as f64).clamp(0.0, top);
        let i = (g.floor() as usize).min(dims[a].saturating_sub(2));
        base[a] = i;
        frac[a] = g - i as f64;
    }
    for (c, pos) in corner_pos.iter_mut().enumerate() {
        let off = [c >> 2, (c >> 1) & 1, c & 1];
        *pos = std::array::from_fn(|a| (base[a] + off[a]).min(dims[a] - 1));
    }
    let weights = |floor: f64| -> [f64; 8] {
        std::array::from_fn(|c| {
            let p = corner_pos[c];
            if cube.get(p[0], p[1], p[2]).is_none() {
                return 0.0;
            }
            let off = [c >> 2, (c >> 1) & 1, c & 1];
            (0..3)
                .map(|a| {
                    if off[a] == 1 {
                        frac[a].max(floor)
                    } else {
                        (1.0 - frac[a]).max(floor)
                    }
                })
                .product()
        })
    };
    let mut w = weights(0.0);
    if w.iter().sum::<f64>() <= 0.0 {
        // The weighted corners are missing: fill from the present ones (the limit from
        // inside the cell).
        w = weights(1e-9);
    }
    let sum: f64 = w.iter().sum();
    if sum <= 0.0 {
        return Err(CubeError::EmptyCorners { x, y, z });
    }
    let mut len = 0;
    let mut stereo = false;
    for (c, p) in corner_pos.iter().enumerate() {
        if w[c] > 0.0 {
            let node = cube.get(p[0], p[1], p[2]).expect("weighted corners exist");
            len = len.max(node.len());
            stereo |= node.is_stereo();
        }
    }
    let channels = 1 + usize::from(stereo);
    let mut out = vec![vec![0.0f64; len]; channels];
    for (c, p) in corner_pos.iter().enumerate() {
        if w[c] <= 0.0 {
            continue;
        }
        let node = cube.get(p[0], p[1], p[2]).expect("weighted corners exist");
        for (ch, acc) in out.iter_mut().enumerate() {
            let frame = resample_cycle(node.channel(ch), len);
            for (o, s) in acc.iter_mut().zip(&frame) {
                *o += w[c] / sum * *s as f64;
            }
        }
    }
    let mut chans = out
        .into_iter()
        .map(|v| v.into_iter().map(|s| s as f32).collect::<Vec<f32>>());
    let left = chans.next().expect("at least one channel");
    match chans.next() {
        Some(right) => Node::stereo(left, right),
        None => Node::mono(left),
    }
}

/// [`sample_frame`] at many points.
///
/// # Errors
/// The first point's error, if any.
///
/// # Allocation
/// Allocates the results.
pub fn sample_batch(cube: &Cube, points: &[(f32, f32, f32)]) -> Result<Vec<Node>, CubeError> {
    points
        .iter()
        .map(|&(x, y, z)| sample_frame(cube, x, y, z))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_a_sine_is_exact() {
        let src: Vec<f32> = (0..256)
            .map(|i| (i as f32 / 256.0 * std::f32::consts::TAU * 3.0).sin())
            .collect();
        let up = resample_cycle(&src, 2048);
        for (i, v) in up.iter().enumerate() {
            let want = (i as f64 / 2048.0 * std::f64::consts::TAU * 3.0).sin();
            assert!((*v as f64 - want).abs() < 1e-5);
        }
        let down = resample_cycle(&up, 256);
        for (a, b) in down.iter().zip(&src) {
            assert!((a - b).abs() < 1e-5);
        }
    }

    #[test]
    fn an_odd_source_keeps_its_top_harmonic() {
        // 7 samples hold harmonics 1..=3; harmonic 3 sits in the last bin (no Nyquist).
        let src: Vec<f32> = (0..7)
            .map(|i| (i as f32 / 7.0 * std::f32::consts::TAU * 3.0).cos())
            .collect();
        let up = resample_cycle(&src, 64);
        for (i, v) in up.iter().enumerate() {
            let want = (i as f64 / 64.0 * std::f64::consts::TAU * 3.0).cos();
            assert!((*v as f64 - want).abs() < 1e-5, "{i}: {v} vs {want}");
        }
    }
}
