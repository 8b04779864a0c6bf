//! End-to-end tests of `wavecube conv` and `wavecube sculpt`: results against the direct
//! definitions, files in and out, and one-line errors for bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wavecube_harness::wav::{read_wav, write_channels, WavFormat};

fn wavecube(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wavecube"))
        .args(args)
        .output()
        .expect("the wavecube binary starts")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conv-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(args: &[&str]) {
    let out = wavecube(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fails(args: &[&str], needle: &str) {
    let out = wavecube(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err} lacks {needle}");
}

#[test]
fn audio_commands_match_the_direct_convolution() {
    // An impulse at x[3], N = 8: x∗x is an impulse at 6 in 15 samples.
    let mut x = vec![0.0f32; 8];
    x[3] = 0.5;
    let input = scratch("impulse.wav");
    write_channels(&input, 48_000, WavFormat::F32, &[&x]).unwrap();
    let out = scratch("auto.wav");
    ok(&[
        "conv",
        "audio-auto",
        "--in",
        s(&input),
        "--out",
        s(&out),
        "--normalize",
        "none",
    ]);
    let y = read_wav(&out).unwrap().channels.remove(0);
    assert_eq!(y.len(), 15);
    for (i, v) in y.iter().enumerate() {
        let want = if i == 6 { 0.25 } else { 0.0 };
        assert!((v - want).abs() < 1e-6, "y[{i}] = {v}");
    }
    // same-center is full[3..11].
    let centre = scratch("auto-centre.wav");
    ok(&[
        "conv",
        "audio-auto",
        "--in",
        s(&input),
        "--out",
        s(&centre),
        "--normalize",
        "none",
        "--mode",
        "same-center",
    ]);
    let c = read_wav(&centre).unwrap().channels.remove(0);
    assert_eq!(c.len(), 8);
    assert!(c.iter().zip(&y[3..11]).all(|(a, b)| (a - b).abs() < 1e-7));

    // A noise burst through a two-tap IR, stereo against mono: the mono IR's mix is used.
    let noise: Vec<f32> = (0..4000u32)
        .map(|i| ((i.wrapping_mul(2_654_435_761) >> 8) as f32 / 16_777_216.0) - 0.5)
        .collect();
    let dry = scratch("noise.wav");
    write_channels(&dry, 48_000, WavFormat::F32, &[&noise, &noise]).unwrap();
    let mut h = vec![0.0f32; 101];
    h[0] = 1.0;
    h[100] = -0.5;
    let ir = scratch("ir.wav");
    write_channels(&ir, 48_000, WavFormat::F32, &[&h]).unwrap();
    let wet = scratch("wet.wav");
    ok(&[
        "conv",
        "audio-pair",
        "--in",
        s(&dry),
        "--ir",
        s(&ir),
        "--out",
        s(&wet),
        "--normalize",
        "none",
        "--subtype",
        "FLOAT",
    ]);
    let w = read_wav(&wet).unwrap();
    assert_eq!(w.channels[0].len(), 4100);
    let mut err = 0.0f32;
    for i in 0..4100 {
        let a = if i < 4000 { noise[i] } else { 0.0 };
        let b = if (100..4100).contains(&i) {
            noise[i - 100]
        } else {
            0.0
        };
        err = err.max((w.channels[0][i] - (a - 0.5 * b)).abs());
    }
    assert!(err < 1e-5, "max error {err}");
    // PCM_16 output is written as 16-bit.
    let wet16 = scratch("wet16.wav");
    ok(&[
        "conv",
        "audio-pair",
        "--in",
        s(&dry),
        "--ir",
        s(&ir),
        "--out",
        s(&wet16),
        "--normalize",
        "peak",
        "--subtype",
        "PCM_16",
    ]);
    let w16 = read_wav(&wet16).unwrap();
    assert_eq!(w16.bits_per_sample, 16);
    let peak = w16
        .channels
        .iter()
        .flatten()
        .fold(0.0f32, |m, v| m.max(v.abs()));
    assert!((peak - 0.99).abs() < 1e-3, "peak {peak}");
}

#[test]
fn sculpt_and_image_commands_write_images() {
    let silent = scratch("silent.wav");
    write_channels(
        &silent,
        48_000,
        WavFormat::F32,
        &[&[0.0; 2048], &[0.0; 2048]],
    )
    .unwrap();
    // Silence gives all-ones curves: with clipping, the image passes unchanged.
    let base = scratch("base.png");
    ok(&[
        "sculpt",
        "--img",
        "factory",
        "--audio",
        s(&silent),
        "--out",
        s(&base),
        "--no-normalize",
    ]);
    let same = scratch("same.png");
    ok(&[
        "sculpt",
        "--img",
        s(&base),
        "--audio",
        s(&silent),
        "--out",
        s(&same),
        "--no-normalize",
        "--mode",
        "stereo",
        "--colorspace",
        "color",
    ]);
    let a = image::open(&base).unwrap().to_rgb8();
    let b = image::open(&same).unwrap().to_rgb8();
    assert_eq!(a.dimensions(), (256, 256));
    let diff = a
        .pixels()
        .zip(b.pixels())
        .flat_map(|(p, q)| (0..3).map(move |k| (i32::from(p[k]) - i32::from(q[k])).abs()))
        .max()
        .unwrap();
    assert!(diff <= 1, "silent sculpt changed a pixel by {diff}");

    let blur = scratch("blur.png");
    ok(&[
        "conv",
        "img-auto",
        "--in",
        s(&base),
        "--out",
        s(&blur),
        "--kernel",
        "gaussian:sigma=2,radius=8",
        "--colorspace",
        "channels",
    ]);
    let c = image::open(&blur).unwrap().to_rgb8();
    assert_eq!(c.dimensions(), (256, 256));
    // A blur lowers the image's pixel-to-pixel variation.
    let roughness = |img: &image::RgbImage| {
        let mut t = 0i64;
        for y in 0..256 {
            for x in 1..256 {
                t += (i64::from(img.get_pixel(x, y)[1]) - i64::from(img.get_pixel(x - 1, y)[1]))
                    .abs();
            }
        }
        t
    };
    assert!(roughness(&c) * 2 < roughness(&a));
}

#[test]
fn bad_input_is_a_one_line_error() {
    let a = scratch("a48.wav");
    write_channels(&a, 48_000, WavFormat::F32, &[&[0.1; 64]]).unwrap();
    let b = scratch("b44.wav");
    write_channels(&b, 44_100, WavFormat::F32, &[&[0.1; 64]]).unwrap();
    let out = scratch("never.wav");
    fails(
        &[
            "conv",
            "audio-pair",
            "--in",
            s(&a),
            "--ir",
            s(&b),
            "--out",
            s(&out),
        ],
        "44100 Hz",
    );
    assert!(!out.exists(), "no output on error");
    fails(
        &[
            "conv",
            "audio-auto",
            "--in",
            s(&a),
            "--out",
            s(&out),
            "--order",
            "40",
        ],
        "--order 40",
    );
    fails(
        &[
            "conv",
            "audio-auto",
            "--in",
            "no/such.wav",
            "--out",
            s(&out),
        ],
        "no/such.wav",
    );
    let png = scratch("in.png");
    ok(&[
        "sculpt",
        "--img",
        "factory",
        "--audio",
        s(&a),
        "--out",
        s(&png),
    ]);
    fails(
        &[
            "conv",
            "img-auto",
            "--in",
            s(&png),
            "--out",
            s(&scratch("x.png")),
            "--kernel",
            "box:3",
        ],
        "box",
    );
    let text = scratch("not-image.png");
    std::fs::write(&text, b"hello").unwrap();
    fails(
        &[
            "sculpt",
            "--img",
            s(&text),
            "--audio",
            s(&a),
            "--out",
            s(&scratch("y.png")),
        ],
        "not-image.png",
    );
}
