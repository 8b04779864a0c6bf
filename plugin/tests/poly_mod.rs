//! CLAP polyphonic modulation, voice ids and `VoiceTerminated` through the plugin's `process`:
//! a poly-modulated voice sounds like a voice played at the modulated value, follows mono
//! automation of its parameter, and every ended voice is reported to the host once.

mod common;

use common::{max_diff, note_off, note_on, peak, poly_mod, Host, SR};
use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::*;
use wavecube_dsp::synth::PolyTarget;
use wavecube_plugin::poly::poly_mod_id;

const A3: u8 = 57;

/// Renders A3 (voice id 1) for `seconds`, with `events` added to the first block.
fn render(host: &mut Host, extra: &[common::Event], seconds: f32) -> Vec<f32> {
    let mut first = vec![note_on(0, 1, A3, 0.8)];
    first.extend_from_slice(extra);
    host.block(256, &first);
    host.run((seconds * SR) as usize - 256, 256);
    assert_eq!(host.violations, 0);
    host.out[0].clone()
}

#[test]
fn poly_morph_offset_sounds_like_the_morph_value() {
    let id = poly_mod_id(PolyTarget::MorphX);
    let reference = render(&mut Host::new(&[("mx", 0.6)]), &[], 0.4);
    let modulated = render(&mut Host::new(&[]), &[poly_mod(0, 1, id, 0.6)], 0.4);
    let plain = render(&mut Host::new(&[]), &[], 0.4);
    let d = max_diff(&reference, &modulated);
    let moved = max_diff(&plain, &modulated);
    println!(
        "morph x +0.6 by poly mod vs by parameter: max diff {d:.2e}; vs unmodulated {moved:.3}"
    );
    assert!(d < 1e-6, "{d}");
    let level = peak(&plain);
    assert!(
        moved > 0.2 * level,
        "poly modulation should change the sound: {moved} at peak {level}"
    );
}

#[test]
fn poly_cutoff_offset_sounds_like_the_cutoff_value_and_follows_automation() {
    let id = poly_mod_id(PolyTarget::Cutoff);
    let probe = Host::new(&[]);
    let offset = -0.3;
    let at = |hz: f32| probe.plain("flt_fc", probe.normalized("flt_fc", hz) + offset);
    let (start_hz, moved_hz) = (at(8000.0), at(3000.0));

    // The reference plays the modulated cutoff as its parameter value; the modulated host plays
    // 8 kHz with a poly offset, then gets automated to 3 kHz (with the CLAP mono-automation
    // notification) while the voice sounds.
    // Morph X 1 is the factory cube's square wave: plenty of harmonics for the filter to take.
    let filter = [
        ("mx", 1.0),
        ("flt_on", 1.0),
        ("flt_q", 40.0),
        ("flt_fc", 8000.0),
    ];
    let mut reference = Host::new(&[filter.as_slice(), &[("flt_fc", start_hz)]].concat());
    let mut modulated = Host::new(&filter);
    let first = render(&mut reference, &[], 0.3);
    let first_mod = render(&mut modulated, &[poly_mod(0, 1, id, offset)], 0.3);
    let d_static = max_diff(&first, &first_mod);

    reference.set("flt_fc", moved_hz);
    let normalized = modulated.set("flt_fc", 3000.0);
    modulated.block(
        256,
        &[NoteEvent::MonoAutomation {
            timing: 0,
            poly_modulation_id: id,
            normalized_value: normalized,
        }],
    );
    reference.block(256, &[]);
    reference.run(SR as usize / 2, 256);
    modulated.run(SR as usize / 2, 256);
    // After the 20 ms smoothers and the filter's memory have settled.
    let settled = first.len() + SR as usize / 5;
    let d_moved = max_diff(&reference.out[0][settled..], &modulated.out[0][settled..]);
    let level = peak(&reference.out[0][settled..]);

    let mut unmodulated = Host::new(&filter);
    let plain = render(&mut unmodulated, &[], 0.3);
    let effect = max_diff(&plain, &first_mod);
    println!(
        "cutoff {start_hz:.1} Hz -> {moved_hz:.1} Hz by poly offset {offset}: max diff vs \
         parameter {d_static:.2e} before and {d_moved:.2e} after automation (peak {level:.3}); \
         vs unmodulated {effect:.3}"
    );
    assert!(d_static < 1e-4, "{d_static}");
    assert!(d_moved < 1e-4, "{d_moved}");
    assert!(
        effect > 0.2 * peak(&plain),
        "poly modulation should change the sound: {effect}"
    );
    assert_eq!(modulated.violations, 0);
}

#[test]
fn ended_voices_are_reported_once_with_their_ids() {
    let mut host = Host::new(&[("amp_rel", 50.0)]);
    let unnumbered = NoteEvent::NoteOn {
        timing: 30,
        voice_id: VoiceID::Wildcard,
        channel: Channel::Number(3),
        key: Key::Number(72),
        velocity: 0.5,
    };
    host.block(
        128,
        &[
            note_on(0, 10, 60, 0.7),
            note_on(5, 11, 64, 0.7),
            note_on(9, 12, 67, 0.7),
            unnumbered,
        ],
    );
    host.run(4800, 128);
    host.block(
        128,
        &[
            note_off(0, 10, 60),
            note_off(1, 11, 64),
            note_off(2, 12, 67),
            NoteEvent::NoteOff {
                timing: 3,
                voice_id: VoiceID::Wildcard,
                channel: Channel::Number(3),
                key: Key::Number(72),
                velocity: 0.0,
            },
        ],
    );
    let released_at = host.out[0].len() - 128;
    host.run(SR as usize / 2, 128);
    let ended = host.terminated();
    println!("voice ends: {ended:?}");
    let mut ids: Vec<Option<i32>> = ended.iter().map(|e| e.0.id()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [None, Some(10), Some(11), Some(12)]);
    for (voice, at, channel, key) in ended {
        let expected = match voice.id() {
            Some(10) => (0, 60),
            Some(11) => (0, 64),
            Some(12) => (0, 67),
            _ => (3, 72),
        };
        assert_eq!((channel, key), expected);
        // Released, then silent after the 50 ms release (the engine reports per 64-sample chunk).
        let after_ms = (at - released_at) as f32 / SR * 1000.0;
        assert!(
            (40.0..120.0).contains(&after_ms),
            "ended {after_ms} ms after release"
        );
    }
    assert_eq!(host.violations, 0);
}

#[test]
fn mono_mode_releases_notes_that_carry_voice_ids() {
    for mode in [1.0, 2.0] {
        let mut host = Host::new(&[("vmode", mode), ("amp_rel", 50.0)]);
        assert_eq!(host.activate_capacity, 1);
        host.block(256, &[note_on(0, 1, 60, 0.8)]);
        host.block(256, &[note_on(0, 2, 64, 0.8)]);
        host.block(256, &[note_off(0, 1, 60)]);
        host.block(256, &[note_off(0, 2, 64)]);
        let off = host.out[0].len();
        host.run(SR as usize / 2, 256);
        let held = peak(&host.out[0][..off]);
        let tail = peak(&host.out[0][off + SR as usize / 5..]);
        println!("voice mode {mode}: held peak {held:.3}, tail peak {tail:.2e}");
        assert!(held > 0.05);
        assert!(tail < 1e-6, "the last note hangs in mode {mode}: {tail}");
        // One physical voice carried two host voices; both end with it, once each.
        let mut ends: Vec<_> = host
            .terminated()
            .iter()
            .map(|(v, _, _, key)| (v.id(), *key))
            .collect();
        ends.sort_unstable();
        assert_eq!(ends, vec![(Some(1), 60), (Some(2), 64)], "mode {mode}");
    }
}

#[test]
fn voice_capacity_follows_polyphony_and_mode() {
    let mut host = Host::new(&[("poly", 12.0)]);
    assert_eq!(host.activate_capacity, 12);
    host.set("poly", 5.0);
    host.run(64, 64);
    assert_eq!(host.ctx.capacity.get(), 5);
    host.set("vmode", 2.0);
    host.run(64, 64);
    assert_eq!(host.ctx.capacity.get(), 1);
}
