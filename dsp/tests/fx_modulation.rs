//! The modulation matrix moving the effects rack: effect destinations are evaluated once per
//! engine call (`Engine::fx_offsets`), per-voice sources read the newest sounding voice,
//! shared sources read their value with no voice sounding, and `Rack::set_modulated` plays the
//! moved settings.

mod common;

use common::{render_events, saw_node, single, AbsEvent};
use wavecube_dsp::fx::rack::{modulated, NoExternal, Rack, RackSettings};
use wavecube_dsp::fx::Effect;
use wavecube_dsp::modulation::{Destination, Rate, Slot, Source, FX_DESTINATIONS};
use wavecube_dsp::synth::{Engine, LfoShape, NoteEvent, SynthParams};

const SR: f32 = 48_000.0;

fn at(i: Destination) -> usize {
    i.fx_index().expect("an effect destination")
}

fn engine(slots: &[Slot], macros: [f32; 4]) -> Engine {
    let mut p = SynthParams::default();
    for s in slots {
        assert!(p.matrix.push(*s));
    }
    p.macros = macros;
    let mut e = Engine::new(SR, 8192, single(saw_node(256)));
    *e.params_mut() = p;
    e
}

#[test]
fn effect_destinations_are_global_and_named() {
    assert_eq!(Destination::FX.len(), FX_DESTINATIONS);
    for (i, d) in Destination::FX.iter().enumerate() {
        assert_eq!(d.rate(), Rate::Global, "{}", d.name());
        assert_eq!(d.fx_index(), Some(i));
        assert_eq!(Destination::parse(d.name()).ok(), Some(*d));
        assert!(d.name().starts_with("fx_"));
    }
    for d in Destination::ALL {
        assert_eq!(
            d.name().starts_with("fx_"),
            Destination::FX.contains(&d),
            "{}",
            d.name()
        );
    }
    assert_eq!(Destination::MorphX.fx_index(), None);
    assert_eq!(Destination::TensionDepth.fx_index(), None);
}

#[test]
fn a_macro_moves_an_effect_with_no_voice_sounding() {
    let slots = [Slot::new(Source::Macro1, Destination::FxReverbMix, 0.5)];
    let mut e = engine(&slots, [0.8, 0.0, 0.0, 0.0]);
    let (mut l, mut r) = (vec![0.0; 4800], vec![0.0; 4800]);
    e.process(&[], &mut l, &mut r);
    let got = e.fx_offsets()[at(Destination::FxReverbMix)];
    // The macro glides (5 ms) to 0.8; after 100 ms it is there: 0.5 × 0.8.
    assert!((got - 0.4).abs() < 1e-5, "{got}");
    let others: f32 = e.fx_offsets().iter().map(|v| v.abs()).sum::<f32>() - got.abs();
    assert_eq!(others, 0.0);
    // No slot to an effect: all zero.
    let mut e = engine(&[], [0.8, 0.0, 0.0, 0.0]);
    e.process(&[], &mut l, &mut r);
    assert!(e.fx_offsets().iter().all(|&v| v == 0.0));
}

#[test]
fn per_voice_sources_read_the_newest_voice_and_zero_without_one() {
    // LFO 1 (square, 10 Hz) into the delay feedback; velocity into the chorus mix.
    let slots = [
        Slot::new(Source::Lfo1, Destination::FxDelayFeedback, 0.5),
        Slot::new(Source::Velocity, Destination::FxChorusMix, 1.0),
    ];
    let mut e = engine(&slots, [0.0; 4]);
    e.params_mut().lfo[0].shape = LfoShape::Square;
    e.params_mut().lfo[0].rate_hz = 10.0;
    e.params_mut().amp_env.release_ms = 1.0;
    let events = [
        AbsEvent {
            at: 0,
            event: NoteEvent::NoteOn {
                note: 60,
                velocity: 0.3,
            },
        },
        AbsEvent {
            at: 4_800,
            event: NoteEvent::NoteOn {
                note: 64,
                velocity: 0.9,
            },
        },
        AbsEvent {
            at: 9_600,
            event: NoteEvent::NoteOff { note: 60 },
        },
        AbsEvent {
            at: 9_600,
            event: NoteEvent::NoteOff { note: 64 },
        },
    ];
    let mut seen: Vec<(u64, [f32; FX_DESTINATIONS])> = Vec::new();
    let mut last = [0.0; FX_DESTINATIONS];
    render_events(&mut e, &events, 24_000, 480, |e, pos| {
        // Called before each block: the offsets of the block before.
        seen.push((pos, last));
        last = *e.fx_offsets();
    });
    seen.push((24_000, *e.fx_offsets()));
    let chorus = |t: u64| {
        seen.iter()
            .find(|(p, _)| *p == t)
            .map(|(_, o)| o[at(Destination::FxChorusMix)])
            .unwrap()
    };
    // After the first note: its velocity; after the second: the newest voice's.
    assert!((chorus(2_400) - 0.3).abs() < 1e-6, "{}", chorus(2_400));
    assert!((chorus(7_200) - 0.9).abs() < 1e-6, "{}", chorus(7_200));
    // Long after both notes ended: nothing sounds, per-voice sources read 0.
    assert_eq!(chorus(24_000), 0.0);
    // The square LFO swings the feedback by ±0.5 while a voice sounds.
    let fb: Vec<f32> = seen
        .iter()
        .filter(|(p, _)| *p > 0 && *p <= 9_600)
        .map(|(_, o)| o[at(Destination::FxDelayFeedback)])
        .collect();
    let (lo, hi) = fb
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    assert!(lo < -0.45 && hi > 0.45, "{lo} .. {hi}");
}

#[test]
fn offsets_move_the_settings_in_their_units() {
    let base = RackSettings::default();
    let mut o = [0.0; FX_DESTINATIONS];
    o[at(Destination::FxDelayMix)] = 0.25;
    o[at(Destination::FxDistortionDrive)] = 6.0;
    o[at(Destination::FxPhaserCentre)] = 1.0;
    o[at(Destination::FxCodecMix)] = -0.5;
    let m = modulated(&base, &o);
    assert_eq!(m.delay.mix, base.delay.mix + 0.25);
    assert_eq!(
        m.distortion.settings.drive_db,
        base.distortion.settings.drive_db + 6.0
    );
    assert_eq!(
        m.phaser.settings.center_hz,
        base.phaser.settings.center_hz * 2.0
    );
    assert_eq!(m.codec.mix, base.codec.mix - 0.5);
    assert_eq!(modulated(&base, &[0.0; FX_DESTINATIONS]), base);
}

#[test]
fn a_macro_on_the_delay_mix_brings_the_echo_in() {
    // A delay at mix 0 (dry) and a slot macro 1 → delay mix, amount 1: macro 0 is dry,
    // macro 1 the echo alone.
    let render = |macro1: f32| {
        let slots = [Slot::new(Source::Macro1, Destination::FxDelayMix, 1.0)];
        let mut e = engine(&slots, [macro1, 0.0, 0.0, 0.0]);
        e.params_mut().amp_env.release_ms = 5.0;
        let mut base = RackSettings::default();
        base.delay.enabled = true;
        base.delay.mix = 0.0;
        base.delay.settings.time_ms = 100.0;
        base.delay.settings.feedback = 0.0;
        let mut rack = Rack::new(SR);
        rack.set_settings(base);
        rack.reset();
        let events = [
            AbsEvent {
                at: 0,
                event: NoteEvent::NoteOn {
                    note: 60,
                    velocity: 1.0,
                },
            },
            AbsEvent {
                at: 960,
                event: NoteEvent::NoteOff { note: 60 },
            },
        ];
        let (mut l, mut r) = render_events(&mut e, &events, 12_000, 480, |_, _| {});
        // The rack after the engine, block by block, as the plugin and the harness run it
        // (the offsets are constant here, so once is enough).
        rack.set_modulated(&base, e.fx_offsets());
        rack.process_output(&mut l, &mut r, &mut NoExternal);
        l
    };
    let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
    let (dry, wet) = (render(0.0), render(1.0));
    // 100 ms = 4800 samples: the note (20 ms + release) is over before the echo starts.
    let late = 4_800 + 200..4_800 + 1_200;
    assert!(energy(&dry[late.clone()]) < 1e-6, "dry has an echo");
    assert!(
        energy(&wet[late]) > 1.0,
        "the macro did not bring the echo in"
    );
}
