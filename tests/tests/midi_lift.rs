//! A MIDI file's note-off velocities (MPE "lift") reach the matrix's `release_velocity`
//! source in `wavecube render`: a note-off's own velocity, and MIDI's 64/127 for a note-on
//! of velocity 0. The file is written with midly, as a sequencer would.

use midly::num::{u15, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use wavecube_dsp::modulation::{Destination, Slot, Source};
use wavecube_dsp::synth::{NoteEvent, SynthParams};
use wavecube_harness::midi::parse_midi;
use wavecube_harness::options::SoundOptions;
use wavecube_harness::render::{build_engine_with, render_song};

const SR: u32 = 48_000;
/// Ticks per quarter note; at the default 120 bpm a tick is 1/960 s.
const PPQ: u16 = 480;

/// The three notes: `(key, on s, off s, how the note is released)`.
const NOTES: [(u8, f64, f64, Release); 3] = [
    (57, 0.0, 0.5, Release::NoteOff(127)),
    (60, 1.0, 1.5, Release::ZeroVelocityOn),
    (64, 2.0, 2.5, Release::NoteOff(13)),
];

#[derive(Clone, Copy)]
enum Release {
    /// A note-off (0x8n) with this velocity.
    NoteOff(u8),
    /// A note-on (0x9n) of velocity 0.
    ZeroVelocityOn,
}

impl Release {
    /// The release velocity the engine should see, 0..1.
    fn velocity(self) -> f32 {
        match self {
            Self::NoteOff(v) => f32::from(v) / 127.0,
            Self::ZeroVelocityOn => 64.0 / 127.0,
        }
    }
}

/// The notes as a format-0 Standard MIDI File, written by midly.
fn file() -> Vec<u8> {
    let mut timed: Vec<(u32, MidiMessage)> = Vec::new();
    let tick = |s: f64| (s * 960.0).round() as u32;
    for (key, on, off, release) in NOTES {
        let key = u7::new(key);
        timed.push((
            tick(on),
            MidiMessage::NoteOn {
                key,
                vel: u7::new(100),
            },
        ));
        let message = match release {
            Release::NoteOff(v) => MidiMessage::NoteOff {
                key,
                vel: u7::new(v),
            },
            Release::ZeroVelocityOn => MidiMessage::NoteOn {
                key,
                vel: u7::new(0),
            },
        };
        timed.push((tick(off), message));
    }
    let mut track = Vec::new();
    let mut last = 0;
    for (at, message) in timed {
        track.push(TrackEvent {
            delta: u28::new(at - last),
            kind: TrackEventKind::Midi {
                channel: u4::new(0),
                message,
            },
        });
        last = at;
    }
    track.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    let mut smf = Smf::new(Header::new(
        Format::SingleTrack,
        Timing::Metrical(u15::new(PPQ)),
    ));
    smf.tracks.push(track);
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).expect("midly writes the file");
    bytes
}

#[test]
fn note_off_velocities_arrive_as_release_velocity() {
    let song = parse_midi(&file()).expect("a valid file").song;
    let offs: Vec<f32> = song
        .events()
        .iter()
        .filter_map(|e| match e.event {
            NoteEvent::VoiceOff { velocity, .. } => Some(velocity),
            _ => None,
        })
        .collect();
    let want: Vec<f32> = NOTES.iter().map(|n| n.3.velocity()).collect();
    assert_eq!(offs, want, "the parsed note-offs' release velocities");

    // Rendered: release velocity → amp at amount 1 makes each release tail 1 + v times the
    // tail without the slot (each tail measured alone: 300 ms releases, 0.5 s apart).
    let mut plain = SynthParams::default();
    plain.amp_env.sustain = 1.0;
    plain.amp_env.release_ms = 300.0;
    let mut lifted = plain;
    assert!(lifted
        .matrix
        .push(Slot::new(Source::ReleaseVelocity, Destination::Amp, 1.0)));
    let render = |p: &SynthParams| {
        let mut engine =
            build_engine_with(SR, 512, p, &SoundOptions::default()).expect("an engine");
        render_song(&mut engine, &song, 3.0, 512).left
    };
    let (a, b) = (render(&plain), render(&lifted));
    let rms = |x: &[f32]| (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>()).sqrt();
    for (key, on, off, release) in NOTES {
        let at = |s: f64| (s * f64::from(SR)) as usize;
        let held = at(on)..at(off);
        assert!(
            rms(&b[held.clone()]) == rms(&a[held]),
            "note {key}: the slot acts before the release"
        );
        let tail = at(off + 0.01)..at(off + 0.25);
        let ratio = rms(&b[tail.clone()]) / rms(&a[tail]);
        let want = 1.0 + f64::from(release.velocity());
        println!("note {key}: tail × {ratio:.4} (want {want:.4})");
        assert!((ratio - want).abs() < 1e-3, "note {key}: {ratio} vs {want}");
    }
}
