//! The factory sculpt source: a colour test card with structure at every scale,
//! generated in code (no asset file).

use super::{FloatImage, Plane};

/// A `width × height` RGB test card (values in 0..=1): a colour gradient background, a
/// zone plate (concentric rings whose spacing shrinks outwards, so every spatial
/// frequency is present somewhere), a coarse and a fine grid, a fine checkerboard
/// corner, and three flat shapes (disc, square, triangle) with hard edges. A radial
/// filter shows on it at once: low-pass blurs the fine rings and edges, band-pass keeps
/// one ring band.
///
/// Deterministic and resolution-independent (everything is placed in fractions of the
/// size). Sides of 0 give an empty image.
///
/// # Allocation
/// Allocates three planes.
pub fn factory_image(width: usize, height: usize) -> FloatImage {
    let mut planes = [
        Plane::zeros(width, height),
        Plane::zeros(width, height),
        Plane::zeros(width, height),
    ];
    let (wf, hf) = (width.max(1) as f64, height.max(1) as f64);
    let side = wf.min(hf);
    for y in 0..height {
        for x in 0..width {
            // Pixel centre in 0..1, and in units of the shorter side around the centre.
            let (u, v) = ((x as f64 + 0.5) / wf, (y as f64 + 0.5) / hf);
            let (cx, cy) = (
                (x as f64 + 0.5 - wf / 2.0) / side,
                (y as f64 + 0.5 - hf / 2.0) / side,
            );
            // Background: a diagonal colour gradient.
            let mut rgb = [0.25 + 0.5 * u, 0.25 + 0.5 * v, 0.75 - 0.5 * u];
            // Zone plate: cos(π a r²) has a local frequency of a·r cycles per side, i.e.
            // a·r / side cycles per pixel; a is chosen to reach 0.4 cycles per pixel
            // (80 % of Nyquist) at the edge of the disc of radius 0.45.
            let r2 = cx * cx + cy * cy;
            if r2 < 0.45 * 0.45 {
                let a = 0.4 * side / 0.45;
                let ring = 0.5 + 0.5 * (std::f64::consts::PI * a * r2).cos();
                let fade = 1.0 - (r2.sqrt() / 0.45).powi(4);
                for (c, tint) in rgb.iter_mut().zip([1.0, 0.85, 0.6]) {
                    *c = *c * (1.0 - fade) + fade * ring * tint;
                }
            }
            // Grids: coarse (8 cells, 2 px lines) and fine (32 cells, 1 px lines).
            let on_line =
                |t: f64, cells: f64, px: f64, n: f64| ((t * cells).fract() * n / cells) < px;
            if on_line(u, 8.0, 2.0, wf) || on_line(v, 8.0, 2.0, hf) {
                rgb = [0.05, 0.05, 0.05];
            } else if on_line(u, 32.0, 1.0, wf) || on_line(v, 32.0, 1.0, hf) {
                rgb.iter_mut().for_each(|c| *c *= 0.7);
            }
            // Fine checkerboard (2-pixel squares) in the top-left corner.
            if u < 0.18 && v < 0.18 && ((x / 2) + (y / 2)) % 2 == 0 {
                rgb = [0.95, 0.95, 0.95];
            }
            // Shapes: a red disc (bottom left), a blue square (top right), a green
            // triangle (bottom right).
            if (u - 0.2).powi(2) + (v - 0.8).powi(2) < 0.12 * 0.12 {
                rgb = [0.9, 0.15, 0.1];
            }
            if (u - 0.8).abs() < 0.1 && (v - 0.2).abs() < 0.1 {
                rgb = [0.1, 0.25, 0.9];
            }
            let (tu, tv) = (u - 0.8, v - 0.88);
            if tv < 0.0 && tv > -0.2 && tu.abs() < (tv + 0.2) * 0.6 {
                rgb = [0.15, 0.8, 0.2];
            }
            for (p, c) in planes.iter_mut().zip(rgb) {
                p.data[y * width + x] = c.clamp(0.0, 1.0) as f32;
            }
        }
    }
    FloatImage {
        planes: planes.into(),
        alpha: None,
        bit_depth: super::BitDepth::Eight,
    }
}

#[cfg(test)]
mod tests {
    use super::factory_image;

    #[test]
    fn spans_the_range_and_is_colourful() {
        let img = factory_image(128, 96);
        assert_eq!((img.width(), img.height(), img.planes.len()), (128, 96, 3));
        let all = img.planes.iter().flat_map(|p| p.data.iter().copied());
        let (lo, hi) = all.fold((1.0f32, 0.0f32), |(lo, hi), v| (lo.min(v), hi.max(v)));
        assert!(lo < 0.06 && hi > 0.9, "{lo}..{hi}");
        // Mean |R − B| well above zero: it is not grey.
        let n = 128 * 96;
        let chroma: f32 = (0..n)
            .map(|i| (img.planes[0].data[i] - img.planes[2].data[i]).abs())
            .sum::<f32>()
            / n as f32;
        assert!(chroma > 0.1, "{chroma}");
    }
}
