//! The sound contract end to end: every factory patch, applied to the plugin the way the
//! editor's browser applies it (through the host, as normalised parameter values), renders
//! the same samples as the harness (`wavecube render --patch`, its effects rack included) on
//! the same notes, and the parameters give the patch back.

mod common;

use std::sync::Arc;

use common::{max_diff, peak, Event, Host, MAX_BLOCK, SR};
use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::*;
use wavecube_dsp::patch::fx_ranges::{FX_SETTINGS, FX_SETTING_COUNT};
use wavecube_dsp::patch::ranges::{SETTINGS, SETTING_COUNT};
use wavecube_dsp::patch::Patch;
use wavecube_dsp::synth::NoteEvent as DspEvent;
use wavecube_gui::testing::RecordingContext;
use wavecube_harness::options::SoundOptions;
use wavecube_harness::render::{build_engine_with, build_rack, render_song_with_rack};
use wavecube_harness::song::{Song, SongEvent};
use wavecube_plugin::fx_params::FxParam;
use wavecube_plugin::params::WavecubeParams;
use wavecube_plugin::{editor, mapping};

/// Largest difference allowed between the plugin's and the harness's samples.
const TOLERANCE: f32 = 1e-6;

/// The notes both renders play: `(start sample, end sample, note, velocity)`. Overlapping,
/// so legato patches glide, and a repeated note, so mono patches retrigger.
const NOTES: [(usize, usize, u8, f32); 4] = [
    (0, 24_000, 48, 0.9),
    (12_000, 36_000, 55, 0.6),
    (30_000, 60_000, 64, 0.75),
    (48_000, 66_000, 48, 1.0),
];

/// The release velocity of every note-off in both renders (the host's note-off velocity in
/// the plugin, the engine's `VoiceOff` in the harness), 0..1.
const RELEASE_VELOCITY: f32 = 0.3;

/// Length of both renders, samples (the last release rings for 0.5 s).
const LENGTH: usize = 90_000;

/// Every factory patch, by file stem, read as the harness reads them.
fn factory_patches() -> Vec<(String, Patch)> {
    let dir = format!("{}/../presets/patches", env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<(String, Patch)> = std::fs::read_dir(&dir)
        .expect("the factory patch folder")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            let patch = wavecube_harness::presets::read_patch(&p).expect("a valid patch");
            (stem, patch)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(found.len() >= 15, "only {} factory patches", found.len());
    found
}

/// The harness's render of `patch`: `wavecube render --patch` at [`SR`], blocks of
/// [`MAX_BLOCK`].
fn harness_render(patch: &Patch) -> [Vec<f32>; 2] {
    let sr = SR as u32;
    let mut events = Vec::new();
    for &(on, off, note, velocity) in &NOTES {
        let at = |sample: usize| sample as f64 / f64::from(sr);
        events.push(SongEvent {
            time_s: at(on),
            event: DspEvent::NoteOn { note, velocity },
        });
        events.push(SongEvent {
            time_s: at(off),
            event: DspEvent::VoiceOff {
                note,
                channel: 0,
                voice_id: None,
                velocity: RELEASE_VELOCITY,
            },
        });
    }
    let song = Song::from_events(events);
    let mut engine = build_engine_with(sr, MAX_BLOCK, &patch.to_params(), &SoundOptions::default())
        .expect("an engine");
    // The patch's effects rack after the engine, as `wavecube render --patch` plays it.
    let mut rack = build_rack(sr, &patch.sound.fx);
    let out = render_song_with_rack(
        &mut engine,
        &mut rack,
        &song,
        LENGTH as f64 / f64::from(sr),
        MAX_BLOCK,
    );
    [out.left, out.right]
}

/// Applies `patch` to `params` through the editor's path: [`editor::apply_patch`] with a
/// host context that, like a wrapper, takes each change as a normalised value.
fn apply_as_editor(params: &WavecubeParams, patch: &Patch) {
    let host = RecordingContext::default();
    editor::apply_patch(params, patch, &ParamSetter::new(&host));
}

/// The plugin's render of `patch`, applied through the editor's path before activation.
fn plugin_render(patch: &Patch) -> [Vec<f32>; 2] {
    let mut host = Host::new_with(&[], |plugin| {
        apply_as_editor(plugin.wavecube_params(), patch)
    });
    let note = |timing: u32, note: u8, on: Option<f32>| -> Event {
        let (channel, key, voice_id) = (Channel::Number(0), Key::Number(note), VoiceID::Wildcard);
        match on {
            Some(velocity) => NoteEvent::NoteOn {
                timing,
                voice_id,
                channel,
                key,
                velocity,
            },
            None => NoteEvent::NoteOff {
                timing,
                voice_id,
                channel,
                key,
                velocity: RELEASE_VELOCITY,
            },
        }
    };
    // Every note event at its absolute sample, in the order the harness plays them.
    let mut timed: Vec<(usize, u8, Option<f32>)> = Vec::new();
    for &(on, off, key, velocity) in &NOTES {
        timed.push((on, key, Some(velocity)));
        timed.push((off, key, None));
    }
    timed.sort_by_key(|&(at, ..)| at);
    let mut start = 0;
    while start < LENGTH {
        let n = MAX_BLOCK.min(LENGTH - start);
        let events: Vec<Event> = timed
            .iter()
            .filter(|&&(at, ..)| (start..start + n).contains(&at))
            .map(|&(at, key, on)| note((at - start) as u32, key, on))
            .collect();
        host.block(n, &events);
        start += n;
    }
    assert_eq!(host.violations, 0, "the plugin allocated while processing");
    host.out
}

#[test]
fn every_factory_patch_sounds_the_same_in_the_plugin_and_the_harness() {
    let mut report = Vec::new();
    for (stem, patch) in factory_patches() {
        let want = harness_render(&patch);
        let got = plugin_render(&patch);
        let level = peak(&want[0]).max(peak(&want[1]));
        assert!(level > 1e-3, "{stem}: the harness render is silent");
        let diff = max_diff(&want[0], &got[0]).max(max_diff(&want[1], &got[1]));
        report.push(format!(
            "{stem}: peak {level:.3}, max difference {diff:.2e}"
        ));
        assert!(
            diff <= TOLERANCE,
            "{stem}: the plugin differs from the harness by {diff:e} (peak {level})\n{}",
            report.join("\n")
        );
    }
    println!("{}", report.join("\n"));
}

#[test]
fn a_matrix_that_moves_the_effects_sounds_the_same_in_the_plugin_and_the_harness() {
    use wavecube_dsp::modulation::{Destination, Slot, Source};
    use wavecube_dsp::patch::SlotSection;
    let (_, mut patch) = factory_patches()
        .into_iter()
        .find(|(stem, _)| stem == "dub-echo")
        .expect("the dub-echo patch");
    patch.sound.fx.reverb.enabled = true;
    patch.sound.lfos[0].rate_hz = 3.0;
    patch.sound.modulation.macros[0] = 0.7;
    // The codec's bits move only the plugin's codec stage, off here as in the harness (which
    // has none): the slot must leave both renders alike. Release velocity reaches the effects
    // from the host's note-offs as from the harness's.
    patch.sound.modulation.slots = [
        (Source::Lfo1, Destination::FxReverbMix, 0.4),
        (Source::Macro1, Destination::FxDelayMix, 0.5),
        (Source::Velocity, Destination::FxDelayFeedback, -0.3),
        (Source::Lfo1, Destination::FxCodecBits, 0.5),
        (Source::ReleaseVelocity, Destination::FxReverbSize, 0.6),
    ]
    .map(|(s, d, a)| SlotSection::from_slot(&Slot::new(s, d, a)))
    .to_vec();
    let want = harness_render(&patch);
    let got = plugin_render(&patch);
    let diff = max_diff(&want[0], &got[0]).max(max_diff(&want[1], &got[1]));
    // And the slots do move the sound: without them it differs.
    let mut still = patch.clone();
    still.sound.modulation.slots.clear();
    let unmoved = harness_render(&still);
    let moved = max_diff(&want[0], &unmoved[0]);
    println!("plugin vs harness {diff:.2e}; with the slots vs without {moved:.3}");
    assert!(
        diff <= TOLERANCE,
        "the plugin differs from the harness by {diff:e}"
    );
    assert!(moved > 1e-2, "the effect slots changed nothing ({moved})");
}

#[test]
fn a_patch_survives_the_trip_through_the_parameters() {
    for (stem, patch) in factory_patches() {
        let params = WavecubeParams::default();
        apply_as_editor(&params, &patch);
        let back = mapping::sound_of(&params);
        assert_eq!(back, patch.sound, "{stem}");
        // And again from parameters that held another patch: nothing is left over.
        let other = Patch::default();
        apply_as_editor(&params, &other);
        assert_eq!(mapping::sound_of(&params), other.sound, "{stem} then init");
    }
}

#[test]
fn every_contract_setting_is_a_parameter_with_the_contract_range_and_default() {
    let params = Arc::new(WavecubeParams::default());
    let map: std::collections::HashMap<String, _> = params
        .param_map()
        .into_iter()
        .map(|(id, ptr, _)| (id, ptr))
        .collect();
    let listed = mapping::sound_params(&params);
    assert_eq!(listed.len(), SETTING_COUNT);
    let sound = SETTINGS.iter().zip(listed.iter().map(|p| p.ptr()));
    let fx = FX_SETTINGS
        .iter()
        .map(|f| &f.setting)
        .zip(params.fx.params().iter().map(FxParam::ptr));
    assert_eq!(params.fx.params().len(), FX_SETTING_COUNT);
    for (setting, param) in sound.chain(fx) {
        let ptr = *map
            .get(setting.id)
            .unwrap_or_else(|| panic!("no parameter {}", setting.id));
        assert_eq!(ptr, param, "{} is mapped to another parameter", setting.id);
        // SAFETY: `params` outlives these calls.
        unsafe {
            let scale = if setting.is_stepped() {
                1.0
            } else {
                setting.display_scale
            };
            let lo = ptr.preview_plain(0.0);
            let hi = ptr.preview_plain(1.0);
            assert_eq!(lo, setting.min * scale, "{} min", setting.id);
            assert_eq!(hi, setting.max * scale, "{} max", setting.id);
            assert_eq!(
                ptr.default_plain_value(),
                setting.default * scale,
                "{} default",
                setting.id
            );
        }
    }
}
