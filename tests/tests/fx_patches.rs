//! The factory patches' effects racks, measured on renders: every patch that uses the rack
//! renders finite, at or below 0 dBFS, not silent, with a plausible spectrum and a tail
//! that dies away, and the rack changes it audibly; every patch that leaves the rack at its
//! default renders bit for bit as the engine alone (old patches keep their sound);
//! `wavecube patch` lists the rack and `wavecube render --patch` plays its tail.

mod common;

use realfft::RealFftPlanner;
use wavecube_dsp::analysis::amplitude_to_dbfs;
use wavecube_dsp::patch::Patch;
use wavecube_harness::options::SoundOptions;
use wavecube_harness::presets::factory_patches;
use wavecube_harness::render::{
    build_engine_with, build_rack, rack_tail_s, render_song, render_song_with_rack, Rendered,
};

const SR: u32 = 48_000;
const BLOCK: usize = 512;

/// The phrase through the engine alone and through the engine and the rack, the same
/// length (release plus the rack's tail).
fn renders(patch: &Patch) -> (Rendered, Rendered) {
    let params = patch.to_params();
    let song = common::phrase();
    let seconds = song.default_duration_s(params.amp_env.release_ms) + rack_tail_s(&patch.sound.fx);
    let mut engine = build_engine_with(SR, BLOCK, &params, &SoundOptions::default()).unwrap();
    let dry = render_song(&mut engine, &song, seconds, BLOCK);
    let mut engine = build_engine_with(SR, BLOCK, &params, &SoundOptions::default()).unwrap();
    let mut rack = build_rack(SR, &patch.sound.fx);
    let wet = render_song_with_rack(&mut engine, &mut rack, &song, seconds, BLOCK);
    (dry, wet)
}

/// The spectral centroid of the left channel's first two seconds (Hann window), Hz.
fn centroid_hz(x: &[f32]) -> f64 {
    let n = x.len().min(2 * SR as usize) & !1;
    let mut buf: Vec<f64> = x[..n]
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos();
            f64::from(v) * w
        })
        .collect();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut out = fft.make_output_vec();
    fft.process(&mut buf, &mut out).unwrap();
    let (mut num, mut den) = (0.0, 0.0);
    for (k, c) in out.iter().enumerate() {
        let f = k as f64 * f64::from(SR) / n as f64;
        num += f * c.norm_sqr();
        den += c.norm_sqr();
    }
    num / den.max(1e-30)
}

fn rms(x: &Rendered) -> f64 {
    let s: f64 = x
        .left
        .iter()
        .chain(&x.right)
        .map(|&v| f64::from(v).powi(2))
        .sum();
    (s / (2 * x.left.len()).max(1) as f64).sqrt()
}

#[test]
fn patches_with_effects_are_bounded_audible_and_changed_by_the_rack() {
    let mut with_fx = 0;
    let mut failures = Vec::new();
    eprintln!(
        "{:<14} {:>9} {:>9} {:>10} {:>12} {:>12}",
        "patch", "peak dBFS", "rms dBFS", "fx change", "centroid dry", "centroid fx"
    );
    for patch in factory_patches() {
        if patch.sound.fx.is_default() {
            continue;
        }
        with_fx += 1;
        let name = &patch.meta.name;
        let (dry, wet) = renders(&patch);
        let all = || wet.left.iter().chain(&wet.right);
        let peak = all().fold(0.0_f32, |m, v| m.max(v.abs()));
        let diff: f64 = wet
            .left
            .iter()
            .zip(&dry.left)
            .chain(wet.right.iter().zip(&dry.right))
            .map(|(a, b)| f64::from(a - b).powi(2))
            .sum::<f64>()
            / (2 * wet.left.len()) as f64;
        let change_db = 10.0 * (diff / rms(&dry).powi(2)).log10();
        let (c_dry, c_wet) = (centroid_hz(&dry.left), centroid_hz(&wet.left));
        eprintln!(
            "{name:<14} {:>9.2} {:>9.2} {:>8.1}dB {:>10.0}Hz {:>10.0}Hz",
            amplitude_to_dbfs(f64::from(peak)),
            amplitude_to_dbfs(rms(&wet)),
            change_db,
            c_dry,
            c_wet
        );
        if !all().all(|v| v.is_finite()) {
            failures.push(format!("{name}: non-finite"));
        }
        if peak > 1.0 {
            failures.push(format!("{name}: peak {peak} above 0 dBFS"));
        }
        if amplitude_to_dbfs(f64::from(peak)) < -30.0 || amplitude_to_dbfs(rms(&wet)) < -55.0 {
            failures.push(format!("{name}: too quiet"));
        }
        // The rack's tail has died away by the end of the render (no runaway feedback, and
        // `rack_tail_s` is long enough).
        let from = wet.left.len() - SR as usize / 4;
        let tail = wet.left[from..]
            .iter()
            .chain(&wet.right[from..])
            .fold(0.0_f32, |m, v| m.max(v.abs()));
        if amplitude_to_dbfs(f64::from(tail)) > -60.0 {
            failures.push(format!("{name}: still sounding at the end ({tail})"));
        }
        // The rack is audible: the difference it makes is within 20 dB of the sound.
        if change_db < -20.0 {
            failures.push(format!(
                "{name}: the rack changes it by only {change_db:.1} dB"
            ));
        }
        // Plausible: the spectrum's centre stays in the musical range and within two
        // octaves of the dry sound's (effects colour a sound, they do not replace it).
        if !(80.0..8_000.0).contains(&c_wet) || (c_wet / c_dry).log2().abs() > 2.0 {
            failures.push(format!(
                "{name}: centroid {c_wet:.0} Hz (dry {c_dry:.0} Hz)"
            ));
        }
    }
    assert!(with_fx >= 12, "only {with_fx} factory patches use the rack");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn patches_without_effects_render_bit_for_bit_as_the_engine_alone() {
    let mut plain = 0;
    for patch in factory_patches() {
        let mut p = patch.clone();
        if !p.sound.fx.is_default() {
            // The same sound as an old (version 2) patch: the migration gives the default rack.
            let text = p.to_json_pretty().replace(
                &format!("\"version\": {}", wavecube_dsp::patch::PATCH_VERSION),
                "\"version\": 2",
            );
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            let mut doc = doc;
            doc["sound"].as_object_mut().unwrap().remove("fx");
            p = Patch::from_json(&doc.to_string()).unwrap();
            assert!(p.sound.fx.is_default());
        } else {
            plain += 1;
        }
        let (dry, wet) = renders(&p);
        assert_eq!(dry, wet, "{}", p.meta.name);
    }
    assert!(plain >= 6, "{plain} patches without effects");
}

#[test]
fn the_cli_lists_the_rack_and_renders_its_tail() {
    let o = common::wavecube(&["patch", "fuzz-bass"]);
    let text = common::text(&o.stdout);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("fx         5 of 9 slots on"), "{text}");
    assert!(
        text.contains("   4  distortion  on  mix 1.00  {\"mode\":\"hard-clip\""),
        "{text}"
    );

    // A dotted-quarter echo with feedback 0.55 and a 1.8 s reverb: without --seconds the
    // render runs on for the rack's tail (a 0.1 s note, then about 12 s of echoes).
    let out = common::scratch_path("fx-cli", "dub.wav");
    let report = common::ok(&[
        "render",
        "--patch",
        "dub-echo",
        "--notes",
        "C4@0:0.1",
        "--out",
        common::s(&out),
    ]);
    let duration: f64 = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("duration"))
        .and_then(|d| {
            d.trim()
                .trim_end_matches(" s")
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("{report}"));
    let tail = rack_tail_s(
        &factory_patches()
            .iter()
            .find(|p| p.meta.name == "Dub Echo")
            .unwrap()
            .sound
            .fx,
    );
    assert!(
        tail > 10.0 && duration > tail,
        "duration {duration} s, tail {tail} s"
    );
}
