//! The TQA codec held to numbers: SQNR against theory, silence, adversarial blocks,
//! determinism, streaming equals whole-stream coding, and a hostile-stream fuzz.

use wavecube_dsp::codec::tqa::codebook::Codebook;
use wavecube_dsp::codec::tqa::rotation::{rotation_signs, SplitMix64};
use wavecube_dsp::codec::tqa::{decode, encode, escape_level, TqaConfig, TqaMode};

/// N(0, 1) noise from SplitMix64 + Box-Muller.
fn gaussian(seed: u64, n: usize) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|_| {
            let (u1, u2) = (rng.next_open01(), rng.next_open01());
            ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
        })
        .collect()
}

fn sqnr_db(reference: &[f32], test: &[f32]) -> f64 {
    let (mut s, mut e) = (0.0_f64, 0.0_f64);
    for (&a, &b) in reference.iter().zip(test) {
        s += f64::from(a) * f64::from(a);
        e += f64::from(a - b) * f64::from(a - b);
    }
    10.0 * (s / e).log10()
}

fn round_trip(x: &[f32], config: &TqaConfig) -> (Vec<f32>, f64) {
    let bytes = encode(&[x], 48_000, config).unwrap();
    let decoded = decode(&bytes).unwrap();
    (decoded.channels[0].clone(), decoded.stats.bits_per_sample)
}

/// Expected squared error per coefficient for N(0, 1) input with a `bits` codebook
/// whose coefficients beyond the escape level are sent exactly: plain quantisation,
/// and with audiotq's sign layer (residual r = z − q(z), step a = E|r| over the
/// coded coefficients: error E[r²] − (E|r|)²/P). Integrated numerically.
fn theory(bits: u8) -> (f64, f64) {
    let book = Codebook::get(bits);
    let limit = f64::from(escape_level(bits));
    let (mut r2, mut r1, mut mass) = (0.0_f64, 0.0_f64, 0.0_f64);
    let dz = 1e-4;
    let mut z = -limit;
    while z < limit {
        let w = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() * dz;
        let r = z - f64::from(book.level(book.quantize(z as f32)));
        r2 += r * r * w;
        r1 += r.abs() * w;
        mass += w;
        z += dz;
    }
    (r2, r2 - r1 * r1 / mass)
}

#[test]
fn noise_sqnr_matches_theory_in_every_mode() {
    // Theory per mode, for N(0, 1) input, escapes included (see `theory`):
    // - plain: the Lloyd-Max distortion at b bits;
    // - sign: what remains after the ±E|r| correction;
    // - qjl: plain at b−1 bits times (π/2 − 1/64): QJL's estimate is unbiased but
    //   its error energy is (π/2 − 1/m) times the residual's, for m = 64.
    let x = gaussian(1, 1 << 18);
    println!("mode  b  bits/sample  SQNR dB  theory dB");
    for bits in 2..=8u8 {
        for mode in TqaMode::ALL {
            let config = TqaConfig {
                bits,
                mode,
                ..TqaConfig::default()
            };
            let (y, bps) = round_trip(&x, &config);
            let sqnr = sqnr_db(&x, &y);
            let distortion = match mode {
                TqaMode::Plain => theory(bits).0,
                TqaMode::Sign => theory(bits).1,
                TqaMode::Qjl => theory(bits - 1).0 * (std::f64::consts::FRAC_PI_2 - 1.0 / 64.0),
            };
            let theory = -10.0 * distortion.log10();
            let lloyd_max = -10.0 * Codebook::get(bits).distortion().log10();
            println!(
                "{:5} {bits} {bps:11.3} {sqnr:8.2} {theory:9.2}  (Lloyd-Max alone {lloyd_max:.2})",
                mode.name()
            );
            if mode == TqaMode::Plain {
                assert!(
                    (sqnr - lloyd_max).abs() < 0.3,
                    "b={bits}: {sqnr} vs {lloyd_max}"
                );
            }
            assert!(
                (sqnr - theory).abs() < 0.3,
                "{} b={bits}: {sqnr:.2} dB vs theory {theory:.2}",
                mode.name()
            );
        }
    }
}

#[test]
fn silence_is_exact_and_the_sign_vector_survives() {
    let config = TqaConfig::default();
    let (y, bps) = round_trip(&vec![0.0; 4096], &config);
    assert!(y.iter().all(|&v| v == 0.0));
    println!("silence: {bps:.4} bits/sample");
    // audiotq's failure: the input equal to the rotation's sign vector.
    for bits in 2..=8 {
        for mode in TqaMode::ALL {
            let config = TqaConfig {
                bits,
                mode,
                ..TqaConfig::default()
            };
            let signs = rotation_signs(config.seed, config.block_size);
            let x: Vec<f32> = signs.iter().map(|s| 0.5 * s).collect();
            let (y, _) = round_trip(&x, &config);
            let sqnr = sqnr_db(&x, &y);
            println!("sign vector {} b={bits}: {sqnr:.1} dB", mode.name());
            assert!(sqnr >= 20.0, "{} b={bits}: {sqnr}", mode.name());
        }
    }
}

/// A synth-like test signal: detuned saws, a tremolo, a little noise.
fn music(n: usize, seed: u64) -> Vec<f32> {
    let noise = gaussian(seed, n);
    (0..n)
        .map(|i| {
            let t = i as f32 / 48_000.0;
            let saw = |f: f32| 2.0 * (t * f).fract() - 1.0;
            let env = 0.6 + 0.4 * (t * 1.7).sin();
            0.2 * env * (saw(110.0) + saw(164.8) + saw(220.7)) + 0.003 * noise[i]
        })
        .collect()
}

#[test]
fn same_seed_same_bytes_and_the_seed_matters() {
    let x = music(20_000, 3);
    for mode in TqaMode::ALL {
        let config = TqaConfig {
            mode,
            seed: 99,
            ..TqaConfig::default()
        };
        let a = encode(&[&x], 44_100, &config).unwrap();
        assert_eq!(
            a,
            encode(&[&x], 44_100, &config).unwrap(),
            "{}",
            mode.name()
        );
        let other = TqaConfig {
            seed: 100,
            ..config
        };
        assert_ne!(a, encode(&[&x], 44_100, &other).unwrap());
        let decoded = decode(&a).unwrap();
        assert_eq!(decoded.header.config, config);
        assert_eq!(decoded.header.sample_rate_hz, 44_100);
        assert_eq!(decoded.header.frames, 20_000);
        // qjl spends a bit on an unbiased but noisy correction: about 6 dB lower.
        let floor = if mode == TqaMode::Qjl { 20.0 } else { 28.0 };
        let s = sqnr_db(&x, &decoded.channels[0]);
        assert!(s > floor, "{}: {s}", mode.name());
    }
}

#[test]
fn every_channel_is_kept() {
    let left = music(10_000, 4);
    let right = vec![0.0_f32; 10_000];
    let third: Vec<f32> = left.iter().map(|v| -0.5 * v).collect();
    let config = TqaConfig::default();
    let bytes = encode(&[&left, &right, &third], 48_000, &config).unwrap();
    let decoded = decode(&bytes).unwrap();
    assert_eq!(decoded.channels.len(), 3);
    assert!(sqnr_db(&left, &decoded.channels[0]) > 30.0);
    assert!(
        decoded.channels[1].iter().all(|&v| v == 0.0),
        "silent right stays silent"
    );
    assert!(sqnr_db(&third, &decoded.channels[2]) > 30.0);
}

#[test]
fn block_sizes_and_ragged_lengths_round_trip() {
    for block in [64, 128, 256, 512, 1024, 2048, 4096] {
        for frames in [0, 1, block - 1, block, block + 1, 3 * block + 17] {
            let x = music(frames, 5);
            let config = TqaConfig {
                block_size: block,
                ..TqaConfig::default()
            };
            let decoded = decode(&encode(&[&x], 48_000, &config).unwrap()).unwrap();
            assert_eq!(decoded.channels[0].len(), frames);
            if frames > 64 {
                let s = sqnr_db(&x, &decoded.channels[0]);
                assert!(s > 28.0, "block {block} frames {frames}: {s}");
            }
        }
    }
}

#[test]
fn bad_input_and_config_are_typed_errors() {
    use wavecube_dsp::codec::tqa::TqaError;
    let ok = TqaConfig::default();
    let x = [0.1_f32, f32::NAN, 0.2];
    assert!(matches!(
        encode(&[&x], 48_000, &ok),
        Err(TqaError::Input(_))
    ));
    let x = [0.1_f32, f32::INFINITY];
    assert!(matches!(
        encode(&[&x], 48_000, &ok),
        Err(TqaError::Input(_))
    ));
    let y = [0.1_f32; 3];
    assert!(matches!(
        encode(&[&y[..2], &y], 48_000, &ok),
        Err(TqaError::Input(_))
    ));
    assert!(matches!(encode(&[], 48_000, &ok), Err(TqaError::Input(_))));
    assert!(matches!(encode(&[&y], 0, &ok), Err(TqaError::Input(_))));
    for bad in [
        TqaConfig { bits: 1, ..ok },
        TqaConfig { bits: 9, ..ok },
        TqaConfig {
            block_size: 32,
            ..ok
        },
        TqaConfig {
            block_size: 8192,
            ..ok
        },
        TqaConfig {
            block_size: 500,
            ..ok
        },
    ] {
        let err = encode(&[&y], 48_000, &bad).unwrap_err();
        assert!(matches!(err, TqaError::Config(_)), "{err}");
    }
}

#[test]
fn hadamard_aligned_blocks_stay_above_20_db() {
    // Blocks whose rotation is one, two or a few spikes, mixed with a little of a
    // normal signal: escapes carry the spikes.
    let config = TqaConfig::default();
    let b = config.block_size;
    let signs = rotation_signs(config.seed, b);
    let mut worst = f64::INFINITY;
    for basis in [0usize, 1, 5, 77, 300, 511] {
        for extra in [0.0_f32, 0.01, 0.1] {
            let noise = gaussian(basis as u64 + 10, b);
            // Row `basis` of the Hadamard matrix, through the signs.
            let x: Vec<f32> = (0..b)
                .map(|j| {
                    let h = if (basis & j).count_ones() % 2 == 0 {
                        1.0
                    } else {
                        -1.0
                    };
                    0.4 * h * signs[j] + extra * noise[j]
                })
                .collect();
            let (y, _) = round_trip(&x, &config);
            worst = worst.min(sqnr_db(&x, &y));
        }
    }
    println!("worst Hadamard-aligned block at b=6: {worst:.1} dB");
    assert!(worst >= 20.0, "{worst}");
}
