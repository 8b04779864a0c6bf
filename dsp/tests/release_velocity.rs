//! Release velocity (MPE "lift") as a matrix source (issue 17): 0 while the key is down,
//! then the note-off's velocity, reaching per-sample (amp), control-rate (pan) and effect
//! (newest voice) slots with the right sign and scale.

mod common;

use common::{render_events, saw_node, single, AbsEvent};
use wavecube_dsp::modulation::{Destination, Slot, Source};
use wavecube_dsp::synth::{
    ChannelControl, Engine, NoteEvent, SynthParams, DEFAULT_RELEASE_VELOCITY, LATENCY_SAMPLES,
};

const SR: f32 = 48_000.0;
/// Sample of the note-off in every render.
const OFF: u64 = 4_800;
/// Length of every render: the note-off plus 200 ms of release tail.
const LEN: usize = OFF as usize + 9_600;

/// Params with a long, flat release (sustain 1, release 2 s), so the tail is loud.
fn base() -> SynthParams {
    let mut p = SynthParams::default();
    p.amp_env.sustain = 1.0;
    p.amp_env.release_ms = 2_000.0;
    p
}

fn with_slot(mut p: SynthParams, source: Source, dest: Destination, amount: f32) -> SynthParams {
    assert!(p.matrix.push(Slot::new(source, dest, amount)));
    p
}

/// A note from 0 to [`OFF`], released with `release` (`None`: the channel-0 `NoteOff`).
fn events(release: Option<f32>) -> Vec<AbsEvent> {
    let off = match release {
        Some(velocity) => NoteEvent::VoiceOff {
            note: 57,
            channel: 0,
            voice_id: None,
            velocity,
        },
        None => NoteEvent::NoteOff { note: 57 },
    };
    vec![
        AbsEvent {
            at: 0,
            event: NoteEvent::NoteOn {
                note: 57,
                velocity: 1.0,
            },
        },
        AbsEvent {
            at: OFF,
            event: off,
        },
    ]
}

fn render(params: &SynthParams, ev: &[AbsEvent]) -> (Vec<f32>, Vec<f32>) {
    let mut e = Engine::new(SR, 8192, single(saw_node(256)));
    *e.params_mut() = *params;
    render_events(&mut e, ev, LEN, 128, |_, _| {})
}

fn rms(a: &[f32]) -> f64 {
    (a.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / a.len().max(1) as f64).sqrt()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Samples before the note-off (the decimator's filter is causal: none of them hears it).
fn before() -> std::ops::Range<usize> {
    0..OFF as usize
}

/// The release tail, from 2 ms after the note-off is heard (past the gain's interpolation).
fn tail() -> std::ops::Range<usize> {
    OFF as usize + LATENCY_SAMPLES + 96..LEN
}

/// Release velocity → amp, amount a: the tail is `1 + a·v` times the unmodulated one
/// (v = 0.2 and 0.9, and a = −0.5), and nothing changes while the key is down.
#[test]
fn release_velocity_scales_the_release_tail_by_amount_times_velocity() {
    let (plain, _) = render(&base(), &events(Some(0.5)));
    for (amount, v) in [(1.0_f32, 0.2_f32), (1.0, 0.9), (-0.5, 0.9)] {
        let p = with_slot(base(), Source::ReleaseVelocity, Destination::Amp, amount);
        let (out, _) = render(&p, &events(Some(v)));
        let d = max_diff(&out[before()], &plain[before()]);
        assert!(
            d < 1e-7,
            "amount {amount} v {v}: moved {d} before the release"
        );
        let ratio = rms(&out[tail()]) / rms(&plain[tail()]);
        let want = f64::from(1.0 + amount * v);
        println!("amount {amount} release velocity {v}: tail × {ratio:.5} (want {want})");
        assert!(
            (ratio - want).abs() < 1e-3 * want,
            "amount {amount} v {v}: tail × {ratio}, want {want}"
        );
    }
}

/// The channel-0 `NoteOff` (and so a note-on of velocity 0) releases with MIDI's default
/// 64/127.
#[test]
fn a_note_off_without_velocity_reads_64_of_127() {
    let p = with_slot(base(), Source::ReleaseVelocity, Destination::Amp, 1.0);
    let (plain, _) = render(&base(), &events(None));
    let (out, _) = render(&p, &events(None));
    let ratio = rms(&out[tail()]) / rms(&plain[tail()]);
    let want = 1.0 + f64::from(DEFAULT_RELEASE_VELOCITY);
    assert!((ratio - want).abs() < 1e-3, "tail × {ratio}, want {want}");
    let mut zero_on = events(None);
    zero_on[1].event = NoteEvent::NoteOn {
        note: 57,
        velocity: 0.0,
    };
    let (out0, _) = render(&p, &zero_on);
    assert!(
        max_diff(&out0, &out) < 1e-7,
        "note-on velocity 0 = note-off 64"
    );
}

/// Release velocity → pan (a control-rate destination), amount 1: after the release the
/// voice sits at pan v, so right/left = tan((v + 1)·π/4); before it, in the centre.
#[test]
fn release_velocity_pans_at_control_rate() {
    let p = with_slot(base(), Source::ReleaseVelocity, Destination::Pan, 1.0);
    for v in [0.2_f32, 0.9] {
        let (l, r) = render(&p, &events(Some(v)));
        let centre = rms(&r[before()]) / rms(&l[before()]);
        assert!((centre - 1.0).abs() < 1e-4, "before release r/l {centre}");
        let ratio = rms(&r[tail()]) / rms(&l[tail()]);
        let want = (f64::from(v + 1.0) * std::f64::consts::FRAC_PI_4).tan();
        println!("release velocity {v}: right/left {ratio:.4} (want {want:.4})");
        assert!(
            (ratio - want).abs() < 1e-3 * want,
            "v {v}: r/l {ratio}, want {want}"
        );
    }
}

/// Release velocity → an effect (Rate::Global, read from the newest voice): 0 while the
/// key is down, amount × full scale × v in the tail, also when the sustain pedal holds the
/// note (the key's lift is what counts).
#[test]
fn release_velocity_reaches_the_effect_destinations() {
    let dest = Destination::FxDelayMix;
    let i = dest.fx_index().unwrap();
    for pedal in [false, true] {
        let mut e = Engine::new(SR, 8192, single(saw_node(256)));
        *e.params_mut() = with_slot(base(), Source::ReleaseVelocity, dest, 0.5);
        let (mut l, mut r) = (vec![0.0; 256], vec![0.0; 256]);
        let mut ev = vec![];
        if pedal {
            ev.push(NoteEvent::Channel {
                channel: 0,
                control: ChannelControl::Sustain(true),
            });
        }
        ev.push(NoteEvent::NoteOn {
            note: 57,
            velocity: 1.0,
        });
        let timed = |ev: &[NoteEvent]| -> Vec<_> {
            ev.iter()
                .map(|&event| wavecube_dsp::synth::TimedEvent { offset: 0, event })
                .collect()
        };
        e.process(&timed(&ev), &mut l, &mut r);
        assert_eq!(e.fx_offsets()[i], 0.0, "key down, pedal {pedal}");
        let off = [NoteEvent::VoiceOff {
            note: 57,
            channel: 0,
            voice_id: None,
            velocity: 0.9,
        }];
        e.process(&timed(&off), &mut l, &mut r);
        let got = e.fx_offsets()[i];
        assert!(
            (got - 0.45).abs() < 1e-6,
            "pedal {pedal}: offset {got}, want 0.45"
        );
        // A pedal lift later releases the note; the key's lift velocity stays.
        e.process(
            &timed(&[NoteEvent::Channel {
                channel: 0,
                control: ChannelControl::Sustain(false),
            }]),
            &mut l,
            &mut r,
        );
        assert!((e.fx_offsets()[i] - 0.45).abs() < 1e-6, "pedal {pedal}");
    }
}

/// `lift` is MPE's name for the source; the patch name is `release_velocity`.
#[test]
fn lift_parses_as_release_velocity() {
    assert_eq!(Source::parse("lift"), Ok(Source::ReleaseVelocity));
    assert_eq!(
        Source::parse("release_velocity"),
        Ok(Source::ReleaseVelocity)
    );
    assert_eq!(Source::ReleaseVelocity.name(), "release_velocity");
    assert!(!Source::ReleaseVelocity.is_bipolar());
    assert!(
        Source::ALL.len() <= 32,
        "the compiled matrix's `uses` is a u32 bitmask"
    );
}
