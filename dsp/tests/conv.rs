//! The convolution library held to numbers: FFT convolution against direct sums in every
//! size mode (1D and 2D, f32 and f64), Gaussian blur against a separable direct blur,
//! the sculpt's identity and stereo symmetry, the partitioned convolver against offline
//! convolution for IRs of 1 sample to 5 s and blocks of 1 to 4096, no allocation in the
//! real-time paths, and finite output for extreme and NaN input.

mod alloc_count;

use alloc_count::allocations_in;
use proptest::prelude::*;
use wavecube_dsp::conv::{
    auto_convolve, factory_image, factory_ir, image_pair_convolve, pair_convolve, rgb_to_ycbcr,
    sculpt_image, AudioNorm, AudioOptions, BitDepth, ConvPlanner, FloatImage, GaussianSpec,
    ImageColorSpace, ImageNorm, ImageOptions, IrKind, PartitionedConvolver, Plane, SculptColor,
    SculptMode, SculptOptions, SculptRenderer, SizeMode, StereoConvolver, PEAK_TARGET, RMS_TARGET,
};

// ---------------------------------------------------------------------------------------
// Reference implementations (direct sums, f64)
// ---------------------------------------------------------------------------------------

/// The direct 2D linear convolution of `x` (w × h) with `k` (kw × kh), full size.
fn direct_full_2d(x: &[f64], w: usize, h: usize, k: &[f64], kw: usize, kh: usize) -> Vec<f64> {
    let (ow, oh) = (w + kw - 1, h + kh - 1);
    let mut y = vec![0.0; ow * oh];
    for r in 0..h {
        for c in 0..w {
            let v = x[r * w + c];
            for kr in 0..kh {
                for kc in 0..kw {
                    y[(r + kr) * ow + c + kc] += v * k[kr * kw + kc];
                }
            }
        }
    }
    y
}

/// The direct convolution cropped to `mode` on both axes (circular: the full result
/// wrapped modulo the signal's size, which is what circular convolution is).
fn direct_2d(
    x: &[f64],
    w: usize,
    h: usize,
    k: &[f64],
    kw: usize,
    kh: usize,
    mode: SizeMode,
) -> (Vec<f64>, usize, usize) {
    let full = direct_full_2d(x, w, h, k, kw, kh);
    let (fw, fh) = (w + kw - 1, h + kh - 1);
    if mode == SizeMode::Circular {
        let mut y = vec![0.0; w * h];
        for r in 0..fh {
            for c in 0..fw {
                y[(r % h) * w + c % w] += full[r * fw + c];
            }
        }
        return (y, w, h);
    }
    let (ow, oh) = (mode.output_len(w, kw), mode.output_len(h, kh));
    let (c0, r0) = (mode.crop_start(kw), mode.crop_start(kh));
    let mut y = Vec::with_capacity(ow * oh);
    for r in r0..r0 + oh {
        y.extend_from_slice(&full[r * fw + c0..r * fw + c0 + ow]);
    }
    (y, ow, oh)
}

/// max |a − b| / max |b| (0 / 0 counts as 0).
fn rel_err(a: impl IntoIterator<Item = f64>, b: &[f64]) -> f64 {
    rel_err_to(a, b, b)
}

/// max |a − b| / max |scale|: the error relative to the peak of `scale`.
fn rel_err_to(a: impl IntoIterator<Item = f64>, b: &[f64], scale: &[f64]) -> f64 {
    let peak = scale.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let err = a
        .into_iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    if peak == 0.0 {
        err
    } else {
        err / peak
    }
}

fn mode_strategy() -> impl Strategy<Value = SizeMode> {
    prop::sample::select(SizeMode::ALL.to_vec())
}

fn signal(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1.0f64..1.0, 1..=max_len)
}

// ---------------------------------------------------------------------------------------
// FFT convolution = direct convolution
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// 1D, every mode: f64 within 1e-12 and f32 within 1e-5, relative to the peak of the
    /// full linear result (the scale of the FFT's rounding; a cropped window can be far
    /// quieter than that).
    #[test]
    fn fft_1d_equals_direct(x in signal(300), h in signal(300), mode in mode_strategy()) {
        let (want, _, _) = direct_2d(&x, x.len(), 1, &h, h.len(), 1, mode);
        let (full, _, _) = direct_2d(&x, x.len(), 1, &h, h.len(), 1, SizeMode::Full);
        let got64 = ConvPlanner::<f64>::new().convolve(&x, &h, mode).unwrap();
        prop_assert_eq!(got64.len(), want.len());
        let e64 = rel_err_to(got64.iter().copied(), &want, &full);
        prop_assert!(e64 < 1e-12, "f64 {} error {:e}", mode, e64);

        let (x32, h32): (Vec<f32>, Vec<f32>) =
            (x.iter().map(|&v| v as f32).collect(), h.iter().map(|&v| v as f32).collect());
        let (want32, _, _) = direct_2d(
            &x32.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(), x.len(), 1,
            &h32.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(), h.len(), 1, mode);
        let got32 = ConvPlanner::<f32>::new().convolve(&x32, &h32, mode).unwrap();
        let e32 = rel_err_to(got32.iter().map(|&v| f64::from(v)), &want32, &full);
        prop_assert!(e32 < 1e-5, "f32 {} error {:e}", mode, e32);
    }

    /// 2D, every mode, both sample types, with the same bounds and scale as in 1D.
    #[test]
    fn fft_2d_equals_direct(
        (w, h) in (1usize..20, 1usize..20),
        (kw, kh) in (1usize..20, 1usize..20),
        seed in any::<u64>(),
        mode in mode_strategy(),
    ) {
        let mut rng = seed | 1;
        let mut next = || {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
            (rng >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        let x: Vec<f64> = (0..w * h).map(|_| next()).collect();
        let k: Vec<f64> = (0..kw * kh).map(|_| next()).collect();
        let (want, ow, oh) = direct_2d(&x, w, h, &k, kw, kh, mode);
        let (full, _, _) = direct_2d(&x, w, h, &k, kw, kh, SizeMode::Full);

        let xp = Plane::from_vec(w, h, x.clone()).unwrap();
        let kp = Plane::from_vec(kw, kh, k.clone()).unwrap();
        let got = ConvPlanner::<f64>::new().convolve_2d(&xp, &kp, mode).unwrap();
        prop_assert_eq!(got.dims(), (ow, oh));
        let e64 = rel_err_to(got.data.iter().copied(), &want, &full);
        prop_assert!(e64 < 1e-12, "f64 {} error {:e}", mode, e64);

        let to32 = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<f32>>();
        let back = |v: &[f32]| v.iter().map(|&a| f64::from(a)).collect::<Vec<f64>>();
        let (x32, k32) = (to32(&x), to32(&k));
        let (want32, _, _) = direct_2d(&back(&x32), w, h, &back(&k32), kw, kh, mode);
        let got32 = ConvPlanner::<f32>::new()
            .convolve_2d(&Plane::from_vec(w, h, x32).unwrap(), &Plane::from_vec(kw, kh, k32).unwrap(), mode)
            .unwrap();
        let e32 = rel_err_to(got32.data.iter().map(|&v| f64::from(v)), &want32, &full);
        prop_assert!(e32 < 1e-5, "f32 {} error {:e}", mode, e32);
    }
}

/// Long 1D convolutions are sectioned (overlap-add); sampled outputs must equal direct
/// sums, in every non-circular mode, with either operand the long one.
#[test]
fn sectioned_long_convolution_equals_direct_sums() {
    let long: Vec<f64> = test_signal(300_000, 11)
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    let short: Vec<f64> = test_ir(1500).iter().map(|&v| f64::from(v)).collect();
    // y[n] of the full result, summed directly.
    let direct_at = |x: &[f64], h: &[f64], n: usize| -> f64 {
        let lo = n.saturating_sub(h.len() - 1);
        (lo..=n.min(x.len() - 1)).map(|i| x[i] * h[n - i]).sum()
    };
    for (x, h) in [(&long, &short), (&short, &long)] {
        let full_peak = (0..x.len() + h.len() - 1)
            .step_by(97)
            .map(|n| direct_at(x, h, n).abs())
            .fold(0.0f64, f64::max);
        for mode in [SizeMode::Full, SizeMode::SameFirst, SizeMode::SameCenter] {
            let y64 = ConvPlanner::<f64>::new().convolve(x, h, mode).unwrap();
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            let h32: Vec<f32> = h.iter().map(|&v| v as f32).collect();
            let y32 = ConvPlanner::<f32>::new()
                .convolve(&x32, &h32, mode)
                .unwrap();
            assert_eq!(y64.len(), mode.output_len(x.len(), h.len()));
            let start = mode.crop_start(h.len());
            let (mut e64, mut e32) = (0.0f64, 0.0f64);
            for k in (0..y64.len()).step_by(1009).chain([0, y64.len() - 1]) {
                let want = direct_at(x, h, start + k);
                e64 = e64.max((y64[k] - want).abs());
                e32 = e32.max((f64::from(y32[k]) - want).abs());
            }
            let (e64, e32) = (e64 / full_peak, e32 / full_peak);
            assert!(e64 < 1e-12, "{mode} f64: relative error {e64:e}");
            assert!(e32 < 1e-5, "{mode} f32: relative error {e32:e}");
        }
    }
}

#[test]
fn impulse_self_convolution_and_same_center_crop() {
    let mut x = [0.0f64; 8];
    x[3] = 1.0;
    let mut planner = ConvPlanner::<f64>::new();
    let full = planner.auto_convolve(&x, 2, SizeMode::Full).unwrap();
    let (direct, _, _) = direct_2d(&x, 8, 1, &x, 8, 1, SizeMode::Full);
    assert_eq!(full.len(), 15);
    assert!(rel_err(full.iter().copied(), &direct) < 1e-12);
    assert!((full[6] - 1.0).abs() < 1e-12, "the impulse lands at 3 + 3");
    let same = planner.auto_convolve(&x, 2, SizeMode::SameCenter).unwrap();
    assert_eq!(same.len(), 8);
    let err = same
        .iter()
        .zip(&full[3..11])
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(err < 1e-12, "same-center is full[3..11]: error {err:e}");
}

#[test]
fn convolve_along_rows_broadcasts_a_single_kernel_row() {
    let x = Plane::from_vec(5, 3, (0..15).map(f64::from).collect()).unwrap();
    let h = Plane::from_vec(2, 1, vec![1.0, -1.0]).unwrap();
    let y = ConvPlanner::<f64>::new()
        .convolve_axes(&x, &h, wavecube_dsp::conv::Axes::Rows, SizeMode::Full)
        .unwrap();
    assert_eq!(y.dims(), (6, 3));
    for r in 0..3 {
        let (want, _, _) = direct_2d(x.row(r), 5, 1, &h.data, 2, 1, SizeMode::Full);
        assert!(rel_err(y.row(r).iter().copied(), &want) < 1e-12);
    }
    let cols = ConvPlanner::<f64>::new()
        .convolve_axes(
            &x,
            &h.transposed(),
            wavecube_dsp::conv::Axes::Columns,
            SizeMode::Full,
        )
        .unwrap();
    assert_eq!(cols.dims(), (5, 4));
    assert!((cols.get(2, 3) - -x.get(2, 2)).abs() < 1e-12);
}

// ---------------------------------------------------------------------------------------
// Gaussian blur
// ---------------------------------------------------------------------------------------

/// FFT blur (library) against a separable direct blur with zero padding, on an 8-bit-like
/// random RGB image.
#[test]
fn fft_gaussian_blur_equals_separable_direct_blur() {
    let (w, h) = (61, 47);
    let mut state = 0x9E37_79B9_u32;
    let mut planes = Vec::new();
    for _ in 0..3 {
        let data = (0..w * h)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as f32 / 255.0
            })
            .collect();
        planes.push(Plane::from_vec(w, h, data).unwrap());
    }
    let img = FloatImage::from_planes(planes).unwrap();
    let spec: GaussianSpec = "gaussian:sigma=2.5".parse().unwrap();
    let taps = spec.taps();
    let r = spec.radius as isize;
    let opts = ImageOptions {
        mode: SizeMode::SameCenter,
        colorspace: ImageColorSpace::Channels,
        normalize: ImageNorm::None,
        gamma: None,
    };
    let blurred = image_pair_convolve(&img, &[spec.kernel_2d()], &opts).unwrap();
    let mut worst = 0.0f64;
    for (src, got) in img.planes.iter().zip(&blurred.planes) {
        let px = |x: isize, y: isize| -> f64 {
            if x < 0 || y < 0 || x >= w as isize || y >= h as isize {
                0.0
            } else {
                f64::from(src.get(x as usize, y as usize))
            }
        };
        // Horizontal pass, then vertical, with the f64 taps.
        let mut tmp = vec![0.0f64; w * h];
        for y in 0..h as isize {
            for x in 0..w as isize {
                tmp[y as usize * w + x as usize] = (-r..=r)
                    .map(|d| taps[(d + r) as usize] * px(x - d, y))
                    .sum();
            }
        }
        for y in 0..h as isize {
            for x in 0..w as isize {
                let want: f64 = (-r..=r)
                    .filter(|d| (0..h as isize).contains(&(y - d)))
                    .map(|d| taps[(d + r) as usize] * tmp[(y - d) as usize * w + x as usize])
                    .sum();
                worst = worst.max((f64::from(got.get(x as usize, y as usize)) - want).abs());
            }
        }
    }
    assert!(worst < 1e-6, "max |FFT blur − direct blur| = {worst:e}");
}

// ---------------------------------------------------------------------------------------
// Audio
// ---------------------------------------------------------------------------------------

fn opts(mode: SizeMode, normalize: AudioNorm) -> AudioOptions {
    AudioOptions { mode, normalize }
}

#[test]
fn audio_auto_order_n_is_n_fold_and_normalises() {
    let x: Vec<f32> = (0..50).map(|i| ((i * 7 % 11) as f32 - 5.0) / 5.0).collect();
    let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let y = auto_convolve(&[&x], 3, &opts(SizeMode::Full, AudioNorm::None)).unwrap();
    let (xx, _, _) = direct_2d(&x64, 50, 1, &x64, 50, 1, SizeMode::Full);
    let (xxx, _, _) = direct_2d(&xx, 99, 1, &x64, 50, 1, SizeMode::Full);
    assert_eq!(y[0].len(), 148);
    let e = rel_err(y[0].iter().map(|&v| f64::from(v)), &xxx);
    assert!(e < 1e-6, "order 3 error {e:e}");

    let peak = auto_convolve(&[&x, &x], 2, &opts(SizeMode::SameCenter, AudioNorm::Peak)).unwrap();
    let p = peak.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!((p - PEAK_TARGET).abs() < 1e-6, "peak {p}");
    let rms = auto_convolve(&[&x], 4, &opts(SizeMode::Circular, AudioNorm::Rms)).unwrap();
    assert_eq!(rms[0].len(), 50);
    let r = (rms[0].iter().map(|v| v * v).sum::<f32>() / 50.0).sqrt();
    assert!((r - RMS_TARGET).abs() < 1e-6, "rms {r}");
}

#[test]
fn audio_pair_is_per_channel_when_counts_match() {
    let l: Vec<f32> = (0..40).map(|i| (i as f32 * 0.3).sin()).collect();
    let r: Vec<f32> = (0..40).map(|i| (i as f32 * 0.7).cos()).collect();
    let (hl, hr) = (vec![1.0f32, 0.5, 0.25], vec![0.0f32, 0.0, 1.0]);
    let y = pair_convolve(
        &[&l, &r],
        &[&hl, &hr],
        &opts(SizeMode::Full, AudioNorm::None),
    )
    .unwrap();
    assert_eq!((y.len(), y[0].len()), (2, 42));
    // Right channel: a pure 2-sample delay.
    assert!(y[1][2..].iter().zip(&r).all(|(a, b)| (a - b).abs() < 1e-6));
    let want = l[5] + 0.5 * l[4] + 0.25 * l[3];
    assert!((y[0][5] - want).abs() < 1e-6);
}

#[test]
fn audio_nan_counts_as_zero_and_extremes_stay_finite() {
    let mut x = vec![1e5f32; 100];
    x[10] = f32::NAN;
    x[20] = f32::INFINITY;
    let y = pair_convolve(
        &[&x],
        &[&[1.0f32, -1.0]],
        &opts(SizeMode::Full, AudioNorm::None),
    )
    .unwrap();
    assert!(y[0].iter().all(|v| v.is_finite()));
    // Sample 10 was treated as 0: y[10] = x[10] − x[9] = −1e5.
    assert!((y[0][10] + 1e5).abs() < 1.0, "{}", y[0][10]);
    let auto = auto_convolve(&[&x], 8, &opts(SizeMode::Full, AudioNorm::Peak)).unwrap();
    assert!(auto[0].iter().all(|v| v.is_finite()));
}

// ---------------------------------------------------------------------------------------
// Spectral sculpt
// ---------------------------------------------------------------------------------------

fn mean_abs_diff(a: &FloatImage, b: &FloatImage) -> f64 {
    let mut sum = 0.0;
    let mut n = 0;
    for (p, q) in a.planes.iter().zip(&b.planes) {
        for (x, y) in p.data.iter().zip(&q.data) {
            sum += f64::from((x - y).abs());
            n += 1;
        }
    }
    sum / n as f64
}

fn luma_image(img: &FloatImage) -> FloatImage {
    FloatImage::from_planes(vec![img.luma()]).unwrap()
}

#[test]
fn impulse_and_silence_give_the_identity() {
    let img = factory_image(96, 64);
    let mut impulse = vec![0.0f32; 4096];
    impulse[1234] = 0.8;
    let silence = vec![0.0f32; 4096];
    for audio in [&impulse, &silence] {
        for mode in SculptMode::ALL {
            for colorspace in [SculptColor::Luma, SculptColor::Color] {
                let o = SculptOptions {
                    mode,
                    colorspace,
                    normalize: false,
                };
                let out = sculpt_image(&img, audio, audio, &o).unwrap();
                let reference = match colorspace {
                    SculptColor::Luma => luma_image(&img),
                    SculptColor::Color => img.clone(),
                };
                let d = mean_abs_diff(&out, &reference);
                assert!(d < 1e-3, "{mode}/{colorspace}: mean |diff| {d:e}");
            }
        }
    }
}

/// An image whose signed chroma Cb − 0.5 and Cr − 0.5 are equal everywhere, with
/// structure at several scales, away from clipping.
fn symmetric_chroma_image(w: usize, h: usize) -> FloatImage {
    // For Y = y and Cb − .5 = Cr − .5 = c: R = y + 1.402c, G = y − 1.058272c, B = y + 1.772c.
    let mut planes = vec![Plane::zeros(w, h), Plane::zeros(w, h), Plane::zeros(w, h)];
    for j in 0..h {
        for i in 0..w {
            let (u, v) = (i as f32 / w as f32, j as f32 / h as f32);
            let y = 0.5 + 0.15 * (u * 20.0).sin() * (v * 7.0).cos();
            let c = 0.08 * ((u * 40.0 + v * 3.0).sin() + (v * 60.0).cos()) / 2.0;
            let rgb = [
                y + 1.402 * c,
                y - 0.344_136 * c - 0.714_136 * c,
                y + 1.772 * c,
            ];
            for (p, x) in planes.iter_mut().zip(rgb) {
                p.data[j * w + i] = x;
            }
        }
    }
    FloatImage::from_planes(planes).unwrap()
}

fn chroma(img: &FloatImage) -> (Vec<f32>, Vec<f32>) {
    let n = img.width() * img.height();
    (0..n)
        .map(|i| {
            let (_, cb, cr) = rgb_to_ycbcr(
                img.planes[0].data[i],
                img.planes[1].data[i],
                img.planes[2].data[i],
            );
            (cb, cr)
        })
        .unzip()
}

#[test]
fn swapping_left_and_right_swaps_the_chroma_effects() {
    let img = symmetric_chroma_image(80, 60);
    // Left: an impulse (flat spectrum: the identity filter); right: a constant (a DC-only
    // spectrum: the plane flattens to its mean). Their mono mix keeps Y's mean, so
    // nothing clips and the chroma can be read back exactly.
    let mut left = vec![0.0f32; 2048];
    left[100] = 1.0;
    let right = vec![0.5f32; 2048];
    let o = SculptOptions {
        mode: SculptMode::Stereo,
        colorspace: SculptColor::Color,
        normalize: false,
    };
    let a = sculpt_image(&img, &left, &right, &o).unwrap();
    let b = sculpt_image(&img, &right, &left, &o).unwrap();
    let ((cb_a, cr_a), (cb_b, cr_b)) = (chroma(&a), chroma(&b));
    let max_diff = |x: &[f32], y: &[f32]| {
        x.iter()
            .zip(y)
            .fold(0.0f32, |m, (p, q)| m.max((p - q).abs()))
    };
    let swapped = max_diff(&cb_a, &cr_b).max(max_diff(&cr_a, &cb_b));
    // The effect itself is large: with L ≠ R, Cb and Cr of one render differ.
    let effect = max_diff(&cb_a, &cr_a);
    assert!(swapped < 1e-4, "Cb(L,R) vs Cr(R,L): max diff {swapped:e}");
    assert!(effect > 0.02, "Cb and Cr effects differ by only {effect}");
}

#[test]
fn renderer_matches_batch_and_normalises() {
    let mut r = SculptRenderer::new(64, 48).unwrap();
    let img = factory_image(64, 48);
    let left: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.05).sin()).collect();
    let right: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.31).sin()).collect();
    let rgba = r
        .render(&left, &right, SculptMode::Stereo, SculptColor::Color, false)
        .to_vec();
    assert_eq!(rgba.len(), 64 * 48 * 4);
    // The batch over the same (latest 2048-sample) window.
    let tail = |x: &[f32]| x[x.len() - 2048..].to_vec();
    let o = SculptOptions {
        mode: SculptMode::Stereo,
        colorspace: SculptColor::Color,
        normalize: false,
    };
    let batch = sculpt_image(&img, &tail(&left), &tail(&right), &o).unwrap();
    let worst = (0..64 * 48)
        .flat_map(|i| (0..3).map(move |c| (i, c)))
        .map(|(i, c)| (f32::from(rgba[4 * i + c]) / 255.0 - batch.planes[c].data[i]).abs())
        .fold(0.0f32, f32::max);
    assert!(worst <= 0.5 / 255.0 + 1e-4, "renderer vs batch: {worst}");
    assert!(rgba.iter().skip(3).step_by(4).all(|&a| a == 255));

    let norm = r.render(&left, &right, SculptMode::MidSide, SculptColor::Luma, true);
    let (lo, hi) = norm
        .iter()
        .step_by(4)
        .fold((255u8, 0u8), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert_eq!((lo, hi), (0, 255), "normalize spans the full range");
}

// ---------------------------------------------------------------------------------------
// Partitioned convolver
// ---------------------------------------------------------------------------------------

/// A deterministic test signal: noise plus a decaying chirp.
fn test_signal(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let noise = s as f32 / u32::MAX as f32 - 0.5;
            let t = i as f32 / 48_000.0;
            0.5 * noise + 0.4 * (t * 300.0 * (1.0 + t)).sin()
        })
        .collect()
}

/// An IR of `len` samples: an exponentially decaying noise tail.
fn test_ir(len: usize) -> Vec<f32> {
    let noise = test_signal(len, len as u32 + 7);
    let tau = (len as f32 / 4.0).max(1.0);
    noise
        .iter()
        .enumerate()
        .map(|(i, v)| v * (-(i as f32) / tau).exp())
        .collect()
}

/// Runs `x` through a fresh convolver in blocks cycling through `blocks`; returns the
/// output and the allocator calls made inside `process`.
fn run_partitioned(
    conv: &mut PartitionedConvolver,
    x: &[f32],
    blocks: &[usize],
) -> (Vec<f32>, u64) {
    let mut y = vec![0.0f32; x.len()];
    let (mut start, mut i, mut allocs) = (0, 0, 0);
    while start < x.len() {
        let n = blocks[i % blocks.len()].min(x.len() - start);
        allocs += allocations_in(|| conv.process(&x[start..start + n], &mut y[start..start + n])).1;
        start += n;
        i += 1;
    }
    (y, allocs)
}

/// max |y − offline| / max |offline| with the offline reference in f64.
fn partitioned_error(ir: &[f32], x: &[f32], blocks: &[usize]) -> f64 {
    let mut conv = PartitionedConvolver::new(ir, 8192).unwrap();
    let (y, allocs) = run_partitioned(&mut conv, x, blocks);
    assert_eq!(
        allocs,
        0,
        "process allocated (IR {}, blocks {blocks:?})",
        ir.len()
    );
    let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let h64: Vec<f64> = ir.iter().map(|&v| f64::from(v)).collect();
    let want = ConvPlanner::<f64>::new()
        .convolve(&x64, &h64, SizeMode::SameFirst)
        .unwrap();
    rel_err(y.iter().map(|&v| f64::from(v)), &want)
}

#[test]
fn partitioned_equals_offline_for_short_and_medium_irs() {
    let x = test_signal(12_000, 1);
    let mut worst = 0.0f64;
    for ir_len in [
        1, 2, 7, 63, 64, 65, 127, 128, 129, 1000, 1023, 1024, 1025, 9000,
    ] {
        let ir = test_ir(ir_len);
        for blocks in [
            &[1usize][..],
            &[64],
            &[100],
            &[256],
            &[4096],
            &[1, 5, 333, 64, 4096, 17],
        ] {
            let e = partitioned_error(&ir, &x, blocks);
            assert!(
                e < 1e-5,
                "IR {ir_len}, blocks {blocks:?}: relative error {e:e}"
            );
            worst = worst.max(e);
        }
    }
    eprintln!("IRs of 1 to 9000 samples: worst relative error {worst:.2e}");
}

#[test]
fn partitioned_equals_offline_for_a_five_second_ir() {
    let ir = test_ir(48_000 * 5);
    let x = test_signal(48_000 * 5 + 30_000, 2);
    for blocks in [&[1usize][..], &[256], &[4096], &[3, 1000, 8192]] {
        let e = partitioned_error(&ir, &x, blocks);
        eprintln!("5 s IR, blocks {blocks:?}: relative error {e:.2e}");
        assert!(e < 1e-5, "5 s IR, blocks {blocks:?}: relative error {e:e}");
    }
}

#[test]
fn partitioned_reset_reproduces_and_latency_is_zero() {
    let ir = test_ir(3000);
    let x = test_signal(10_000, 3);
    let mut conv = PartitionedConvolver::new(&ir, 512).unwrap();
    assert_eq!(conv.latency_samples(), 0);
    let (first, _) = run_partitioned(&mut conv, &x, &[512]);
    conv.reset();
    let (second, _) = run_partitioned(&mut conv, &x, &[300]);
    let diff = first
        .iter()
        .zip(&second)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(diff < 1e-6, "after reset: max diff {diff:e}");
    // Zero latency: the first output sample is x[0] · h[0].
    assert!((first[0] - x[0] * ir[0]).abs() < 1e-7);
}

#[test]
fn stereo_convolver_maps_channels_and_stays_finite() {
    let ir = factory_ir(IrKind::Plate, 48_000.0);
    let mut conv = StereoConvolver::new(&ir.channels(), 256).unwrap();
    let mut left = vec![0.0f32; 48_000];
    let mut right = vec![0.0f32; 48_000];
    left[0] = 1.0;
    let mut allocs = 0;
    for (l, r) in left.chunks_mut(256).zip(right.chunks_mut(256)) {
        allocs += allocations_in(|| conv.process(l, r)).1;
    }
    assert_eq!(allocs, 0, "StereoConvolver::process allocated");
    // A left impulse gives the left IR on the left and silence on the right.
    let err = left
        .iter()
        .zip(&ir.left)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(err < 1e-5, "left impulse response error {err:e}");
    assert!(right.iter().all(|&v| v == 0.0));

    // ±1e5 square wave with NaN and ∞ sprinkled in: output finite; NaN behaves as 0.
    conv.reset();
    let mut loud: Vec<f32> = (0..20_000)
        .map(|i| if (i / 37) % 2 == 0 { 1e5 } else { -1e5 })
        .collect();
    let mut clean = loud.clone();
    for i in (500..20_000).step_by(1777) {
        loud[i] = if i % 2 == 0 {
            f32::NAN
        } else {
            f32::NEG_INFINITY
        };
        clean[i] = 0.0;
    }
    let mut right = loud.clone();
    for (l, r) in loud.chunks_mut(256).zip(right.chunks_mut(256)) {
        conv.process(l, r);
    }
    assert!(loud.iter().chain(&right).all(|v| v.is_finite()));
    let mut reference = PartitionedConvolver::new(&ir.left, 256).unwrap();
    let mut want = vec![0.0; clean.len()];
    reference.process(&clean, &mut want);
    let err = rel_err(
        loud.iter().map(|&v| f64::from(v)),
        &want.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
    );
    assert!(err < 1e-6, "NaN input differs from zero input by {err:e}");
}

#[test]
fn renderer_does_not_allocate_and_stays_finite() {
    let mut r = SculptRenderer::new(128, 128).unwrap();
    let left = test_signal(4096, 9);
    let right = test_signal(3000, 10);
    let loud: Vec<f32> = left.iter().map(|v| v * 2e5).collect();
    let mut nan = left.clone();
    nan[4000] = f32::NAN;
    for mode in SculptMode::ALL {
        for colorspace in [SculptColor::Luma, SculptColor::Color] {
            for (l, rr, normalize) in [
                (&left, &right, false),
                (&loud, &loud, true),
                (&nan, &right, true),
            ] {
                let (ok, calls) = allocations_in(|| {
                    let px = r.render(l, rr, mode, colorspace, normalize);
                    px.len() == 128 * 128 * 4
                });
                assert!(ok);
                assert_eq!(calls, 0, "render allocated ({mode}/{colorspace})");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Image files
// ---------------------------------------------------------------------------------------

#[test]
fn png_and_jpeg_round_trips() {
    let dir = std::env::temp_dir().join(format!("wavecube-conv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut img = factory_image(40, 30);
    img.alpha =
        Some(Plane::from_vec(40, 30, (0..1200).map(|i| (i % 7) as f32 / 6.0).collect()).unwrap());

    let png16 = dir.join("card16.png");
    img.write(&png16, Some(BitDepth::Sixteen)).unwrap();
    let back = FloatImage::read(&png16).unwrap();
    assert_eq!(back.bit_depth, BitDepth::Sixteen);
    assert!(mean_abs_diff(&back, &img) < 1e-5);
    let alpha_err = back
        .alpha
        .as_ref()
        .unwrap()
        .data
        .iter()
        .zip(&img.alpha.as_ref().unwrap().data)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(alpha_err < 1e-4, "alpha round trip {alpha_err}");

    let png8 = dir.join("card8.png");
    img.write(&png8, Some(BitDepth::Eight)).unwrap();
    let back8 = FloatImage::read(&png8).unwrap();
    assert_eq!(back8.bit_depth, BitDepth::Eight);
    assert!(mean_abs_diff(&back8, &img) < 1.0 / 255.0);

    let jpg = dir.join("card.jpg");
    img.write(&jpg, Some(BitDepth::Sixteen)).unwrap();
    let backj = FloatImage::read(&jpg).unwrap();
    assert_eq!(
        (backj.bit_depth, backj.alpha.is_none()),
        (BitDepth::Eight, true)
    );
    let d = mean_abs_diff(&backj, &img);
    assert!(d < 0.03, "JPEG mean error {d}");

    assert!(img.write(&dir.join("card.tiff"), None).is_err());
    let missing = FloatImage::read(&dir.join("missing.png"))
        .unwrap_err()
        .to_string();
    assert!(missing.contains("missing.png"), "{missing}");
    std::fs::remove_dir_all(&dir).ok();
}
