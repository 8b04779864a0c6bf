//! Kernels from spec strings: `gaussian:sigma=S,radius=R,truncate=T`.

use std::str::FromStr;

use super::{ConvError, Plane};

/// The largest Gaussian radius accepted, in pixels (a 8193-pixel-wide kernel).
pub const MAX_RADIUS: usize = 4096;

/// A sampled, normalised Gaussian: `g[i] ∝ exp(−i² / 2σ²)` for `i` in `−radius..=radius`.
///
/// Parsed from `gaussian:sigma=S[,radius=R][,truncate=T]` (keys in any order):
/// `sigma` in pixels (> 0, required); `truncate` in sigmas (> 0, default 4.0, as in
/// SciPy's `gaussian_filter`); `radius` in pixels (default `ceil(truncate · sigma)`; an
/// explicit radius overrides truncate). Parsed on the CLI thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianSpec {
    /// Standard deviation in pixels.
    pub sigma: f64,
    /// Half-width in pixels; the kernel has `2 · radius + 1` taps per axis.
    pub radius: usize,
    /// The truncation in standard deviations that gave the default radius.
    pub truncate: f64,
}

impl GaussianSpec {
    /// The spec for `sigma` with the default truncation (4σ) and radius.
    pub fn with_sigma(sigma: f64) -> Result<Self, ConvError> {
        format!("gaussian:sigma={sigma}").parse()
    }

    /// The 1D taps, summing to 1 (in `f64`).
    ///
    /// # Allocation
    /// Allocates `2 · radius + 1` values.
    pub fn taps(&self) -> Vec<f64> {
        let r = self.radius as f64;
        let two_var = 2.0 * self.sigma * self.sigma;
        let mut taps: Vec<f64> = (0..=2 * self.radius)
            .map(|i| {
                let d = i as f64 - r;
                (-d * d / two_var).exp()
            })
            .collect();
        let sum: f64 = taps.iter().sum();
        taps.iter_mut().for_each(|t| *t /= sum);
        taps
    }

    /// The 2D kernel, the outer product of [`taps`](Self::taps) with itself (so it sums
    /// to 1 and is separable), as an `f32` plane of side `2 · radius + 1`.
    ///
    /// # Allocation
    /// Allocates the plane.
    pub fn kernel_2d(&self) -> Plane<f32> {
        let taps = self.taps();
        let side = taps.len();
        let mut plane = Plane::zeros(side, side);
        for (y, &ty) in taps.iter().enumerate() {
            for (x, &tx) in taps.iter().enumerate() {
                plane.data[y * side + x] = (ty * tx) as f32;
            }
        }
        plane
    }
}

impl FromStr for GaussianSpec {
    type Err = ConvError;

    fn from_str(spec: &str) -> Result<Self, ConvError> {
        let bad = |reason: &str| ConvError::BadKernelSpec {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        let body = spec
            .trim()
            .strip_prefix("gaussian:")
            .ok_or_else(|| bad("expected `gaussian:sigma=S[,radius=R][,truncate=T]`"))?;
        let (mut sigma, mut radius, mut truncate) = (None, None, 4.0);
        for item in body.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| bad(&format!("`{item}` is not key=value")))?;
            let (key, value) = (key.trim(), value.trim());
            let number = || -> Result<f64, ConvError> {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .ok_or_else(|| bad(&format!("{key} must be a positive number, got `{value}`")))
            };
            match key {
                "sigma" => sigma = Some(number()?),
                "truncate" => truncate = number()?,
                "radius" => {
                    let r = value
                        .parse::<usize>()
                        .ok()
                        .filter(|&r| r <= MAX_RADIUS)
                        .ok_or_else(|| {
                            bad(&format!(
                                "radius must be an integer 0..={MAX_RADIUS}, got `{value}`"
                            ))
                        })?;
                    radius = Some(r);
                }
                _ => {
                    return Err(bad(&format!(
                        "unknown key `{key}` (sigma, radius, truncate)"
                    )))
                }
            }
        }
        let sigma = sigma.ok_or_else(|| bad("sigma is required"))?;
        let radius = match radius {
            Some(r) => r,
            None => {
                let r = (truncate * sigma).ceil();
                if r > MAX_RADIUS as f64 {
                    return Err(bad(&format!(
                        "truncate · sigma = {r} exceeds the largest radius, {MAX_RADIUS}"
                    )));
                }
                r as usize
            }
        };
        Ok(Self {
            sigma,
            radius,
            truncate,
        })
    }
}

/// A 2D kernel from a spec string. Today the only kind is
/// `gaussian:sigma=S[,radius=R][,truncate=T]` ([`GaussianSpec`]).
///
/// Errors: [`ConvError::BadKernelSpec`] naming the text and what is wrong.
///
/// # Allocation
/// Allocates the kernel.
pub fn parse_kernel(spec: &str) -> Result<Plane<f32>, ConvError> {
    Ok(spec.parse::<GaussianSpec>()?.kernel_2d())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_scipy_truncation() {
        let g: GaussianSpec = "gaussian:sigma=1.5".parse().unwrap();
        assert_eq!((g.radius, g.truncate), (6, 4.0));
        let g: GaussianSpec = "gaussian:sigma=2,truncate=3".parse().unwrap();
        assert_eq!(g.radius, 6);
        let g: GaussianSpec = "gaussian:radius=2, sigma=2".parse().unwrap();
        assert_eq!(g.radius, 2);
    }

    #[test]
    fn taps_sum_to_one_and_are_symmetric() {
        let taps = GaussianSpec::with_sigma(2.3).unwrap().taps();
        assert!((taps.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!(taps.iter().zip(taps.iter().rev()).all(|(a, b)| a == b));
        let k = parse_kernel("gaussian:sigma=1").unwrap();
        let sum: f64 = k.data.iter().map(|&v| f64::from(v)).sum();
        assert!((sum - 1.0).abs() < 1e-6, "{sum}");
    }

    #[test]
    fn bad_specs_name_the_text() {
        for spec in [
            "box:3",
            "gaussian:",
            "gaussian:sigma=-1",
            "gaussian:sigma=1,radius=x",
            "gaussian:sigma=1,colour=red",
            "gaussian:sigma=1e9",
        ] {
            let err = spec.parse::<GaussianSpec>().unwrap_err().to_string();
            assert!(err.contains(spec), "{err}");
        }
    }
}
