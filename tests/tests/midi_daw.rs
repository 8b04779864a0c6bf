//! MIDI files played as a DAW plays them: sustain and sostenuto pedals, per-channel pitch
//! bend (two channels, MPE), running status across meta and SysEx events, reset all
//! controllers and per-channel all-notes-off. Every file is built byte by byte as
//! sequencers write them, rendered through the engine, and measured.

use wavecube_dsp::synth::note_to_hz;
use wavecube_harness::midi::{parse_midi, parse_smf};
use wavecube_harness::options::SoundOptions;
use wavecube_harness::render::{build_engine, render_song, Rendered};

const SR: u32 = 48_000;
/// Ticks per quarter note of every test file; at the default 120 bpm a tick is 1/960 s.
const PPQ: u16 = 480;
/// Ticks per second at 120 bpm.
const TPS: f64 = 960.0;
const END: [u8; 4] = [0x00, 0xFF, 0x2F, 0x00];

/// A variable-length quantity, as SMF deltas are written.
fn vlq(mut v: u32) -> Vec<u8> {
    let mut out = vec![(v & 0x7F) as u8];
    v >>= 7;
    while v > 0 {
        out.insert(0, 0x80 | (v & 0x7F) as u8);
        v >>= 7;
    }
    out
}

/// A track built event by event at absolute times in seconds (120 bpm), each event's bytes
/// written as given (so a test chooses where running status is used).
#[derive(Default)]
struct Track {
    bytes: Vec<u8>,
    tick: u32,
}

impl Track {
    /// Appends `data` at `time_s` (not before the previous event).
    fn at(mut self, time_s: f64, data: &[u8]) -> Self {
        let tick = (time_s * TPS).round() as u32;
        assert!(tick >= self.tick, "events in time order");
        self.bytes.extend(vlq(tick - self.tick));
        self.bytes.extend_from_slice(data);
        self.tick = tick;
        self
    }

    fn end(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&END);
        self.bytes
    }
}

/// A Standard MIDI File of `tracks` (format 0 for one track, else 1) at [`PPQ`].
fn smf(tracks: &[Vec<u8>]) -> Vec<u8> {
    let format: u16 = if tracks.len() == 1 { 0 } else { 1 };
    let mut out = b"MThd".to_vec();
    out.extend_from_slice(&6_u32.to_be_bytes());
    out.extend_from_slice(&format.to_be_bytes());
    out.extend_from_slice(&(tracks.len() as u16).to_be_bytes());
    out.extend_from_slice(&PPQ.to_be_bytes());
    for t in tracks {
        out.extend_from_slice(b"MTrk");
        out.extend_from_slice(&(t.len() as u32).to_be_bytes());
        out.extend_from_slice(t);
    }
    out
}

/// Renders `file` for `seconds` with the engine's default sound (morph 0: a near-sine).
fn render(file: &[u8], seconds: f64) -> Vec<f32> {
    let song = parse_smf(file).expect("the test file parses");
    let mut engine = build_engine(SR, 256, &SoundOptions::default()).unwrap();
    let Rendered { left, right, .. } = render_song(&mut engine, &song, seconds, 256);
    left.iter()
        .zip(&right)
        .map(|(l, r)| 0.5 * (l + r))
        .collect()
}

/// The samples from `from_s` to `to_s`.
fn window(x: &[f32], from_s: f64, to_s: f64) -> &[f32] {
    let a = (from_s * f64::from(SR)) as usize;
    let b = ((to_s * f64::from(SR)) as usize).min(x.len());
    &x[a..b]
}

/// RMS of `x`, dBFS (−300 for silence).
fn rms_db(x: &[f32]) -> f64 {
    let p = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64;
    10.0 * p.max(1e-30).log10()
}

/// Amplitude of the component at `hz` in `x` (Hann-windowed single-bin DFT), dBFS.
fn tone_db(x: &[f32], hz: f64) -> f64 {
    let n = x.len() as f64;
    let (mut re, mut im, mut wsum) = (0.0, 0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let ph = std::f64::consts::TAU * hz * i as f64 / f64::from(SR);
        re += f64::from(v) * w * ph.cos();
        im -= f64::from(v) * w * ph.sin();
        wsum += w;
    }
    20.0 * (2.0 * (re * re + im * im).sqrt() / wsum).max(1e-15).log10()
}

fn hz(note: u8) -> f64 {
    note_to_hz(f64::from(note))
}

/// A pitch `semitones` above `note`, Hz.
fn bent(note: u8, semitones: f64) -> f64 {
    hz(note) * 2f64.powf(semitones / 12.0)
}

/// Notes 60, 64, 67 down at 0 s and up at 0.5 s on channel 1, written with running status,
/// with the sustain pedal down from 0 s to `pedal_up_s` if given.
fn chord_file(pedal_up_s: Option<f64>) -> Vec<u8> {
    let mut t = Track::default();
    if pedal_up_s.is_some() {
        t = t.at(0.0, &[0xB0, 64, 127]);
    }
    t = t
        .at(0.0, &[0x90, 60, 100])
        .at(0.0, &[64, 100])
        .at(0.0, &[67, 100])
        .at(0.5, &[60, 0])
        .at(0.5, &[64, 0])
        .at(0.5, &[67, 0]);
    if let Some(up) = pedal_up_s {
        t = t.at(up, &[0xB0, 64, 0]);
    }
    smf(&[t.end()])
}

#[test]
fn sustain_pedal_holds_a_released_chord_until_it_lifts() {
    let x = render(&chord_file(Some(1.5)), 2.4);
    let held = rms_db(window(&x, 0.35, 0.5));
    let pedalled = rms_db(window(&x, 1.2, 1.5));
    assert!(
        (pedalled - held).abs() < 1.5,
        "under the pedal the chord keeps its level: {held:.1} dB while held, {pedalled:.1} dB after the keys are up"
    );
    // Without the pedal the same chord is gone well before 1.2 s (250 ms release).
    let dry = render(&chord_file(None), 2.4);
    let dry_late = rms_db(window(&dry, 1.2, 1.5));
    assert!(
        dry_late < held - 60.0,
        "without the pedal: {dry_late:.1} dB at 1.2 s (held {held:.1} dB)"
    );
    // The release starts at the pedal-up: the level falls 6 dB within the 250 ms release
    // and not before 1.5 s.
    let step = (0.005 * f64::from(SR)) as usize;
    let first_drop = (0..)
        .map(|k| 1.3 + k as f64 * step as f64 / f64::from(SR))
        .take_while(|&t| t < 2.3)
        .find(|&t| rms_db(window(&x, t, t + 0.01)) < pedalled - 6.0)
        .expect("the chord fades after the pedal lifts");
    assert!(
        (1.5..1.75).contains(&first_drop),
        "6 dB down at {first_drop:.3} s; pedal up at 1.5 s"
    );
    let tail = rms_db(window(&x, 2.1, 2.4));
    assert!(tail < held - 60.0, "silent after the release: {tail:.1} dB");
}

#[test]
fn running_status_continues_after_meta_and_sysex_events() {
    // Eight notes, 0.25 s each; only the first carries a status byte. A marker, a tempo
    // (120 bpm, unchanged) and a SysEx event sit between notes, as sequencers write them.
    let notes = [60_u8, 62, 64, 65, 67, 69, 71, 72];
    let mut t = Track::default().at(0.0, &[0x90, notes[0], 100]);
    for (i, &n) in notes.iter().enumerate() {
        let start = i as f64 * 0.25;
        if i > 0 {
            t = t.at(start, &[n, 100]);
        }
        t = t.at(start + 0.2, &[n, 0]);
        match i {
            1 => t = t.at(start + 0.2, &[0xFF, 0x06, 0x04, b'v', b'e', b'r', b's']),
            3 => t = t.at(start + 0.2, &[0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20]),
            5 => t = t.at(start + 0.2, &[0xF0, 0x05, 0x7E, 0x7F, 0x09, 0x01, 0xF7]),
            _ => {}
        }
    }
    let file = smf(&[t.end()]);
    // midly alone stops the track at the first data byte after the marker.
    let midly_notes = midly::Smf::parse(&file)
        .unwrap()
        .tracks
        .iter()
        .flatten()
        .filter(|e| {
            matches!(e.kind, midly::TrackEventKind::Midi { message: midly::MidiMessage::NoteOn { vel, .. }, .. } if vel > 0)
        })
        .count();
    assert!(midly_notes < 8, "midly reads {midly_notes} notes");
    let parsed = parse_midi(&file).unwrap();
    assert_eq!(parsed.song.note_count(), 8);
    assert!(
        parsed
            .notes
            .iter()
            .any(|n| n.contains("running status") && n.contains("3 times")),
        "{:?}",
        parsed.notes
    );
    let x = render(&file, 2.3);
    for (i, &n) in notes.iter().enumerate() {
        let w = window(&x, i as f64 * 0.25 + 0.05, i as f64 * 0.25 + 0.2);
        let level = tone_db(w, hz(n));
        assert!(level > -30.0, "note {i} ({n}) at {level:.1} dB");
    }
}

#[test]
fn two_channels_bend_separately() {
    // Channel 1: E4 with the bend at its top (+2 semitones); channel 2: A3, unbent.
    let t = Track::default()
        .at(0.0, &[0xE0, 0x7F, 0x7F])
        .at(0.0, &[0x90, 64, 100])
        .at(0.0, &[0x91, 57, 100])
        .at(1.4, &[0x80, 64, 0])
        .at(1.4, &[0x81, 57, 0]);
    let x = render(&smf(&[t.end()]), 1.5);
    let w = window(&x, 0.4, 1.4);
    let (e_bent, e_plain) = (tone_db(w, bent(64, 2.0)), tone_db(w, hz(64)));
    let (a_plain, a_bent) = (tone_db(w, hz(57)), tone_db(w, bent(57, 2.0)));
    assert!(
        e_bent > e_plain + 30.0,
        "channel 1 bent: {e_bent:.1} dB at F#4, {e_plain:.1} dB at E4"
    );
    assert!(
        a_plain > a_bent + 30.0,
        "channel 2 not bent: {a_plain:.1} dB at A3, {a_bent:.1} dB at B3"
    );
}

#[test]
fn mpe_file_bends_each_note_on_its_own_channel() {
    // MPE lower zone: member channels 2-4 (bytes 1-3) carry one note each with its own bend;
    // the manager channel 1 sets the bend range (RPN 0, ignored: the patch's range of 2
    // semitones applies), as MPE controllers write it.
    let t = Track::default()
        .at(0.0, &[0xB0, 101, 0])
        .at(0.0, &[100, 0])
        .at(0.0, &[6, 2])
        .at(0.0, &[0xE1, 0x7F, 0x7F])
        .at(0.0, &[0x91, 60, 100])
        .at(0.0, &[0xE2, 0x00, 0x40])
        .at(0.0, &[0x92, 65, 100])
        .at(0.0, &[0xE3, 0x00, 0x00])
        .at(0.0, &[0x93, 71, 100])
        .at(0.05, &[0xD1, 90])
        .at(1.4, &[0x81, 60, 0])
        .at(1.4, &[0x82, 65, 0])
        .at(1.4, &[0x83, 71, 0]);
    let x = render(&smf(&[t.end()]), 1.5);
    let w = window(&x, 0.4, 1.4);
    for (note, semis) in [(60_u8, 2.0), (65, 0.0), (71, -2.0)] {
        let want = tone_db(w, bent(note, semis));
        assert!(want > -40.0, "note {note} bent {semis}: {want:.1} dB");
        for other in [-2.0, 2.0].into_iter().filter(|&s| s != semis) {
            let wrong = tone_db(w, bent(note, other));
            assert!(
                want > wrong + 30.0,
                "note {note}: {want:.1} dB at its bend {semis}, {wrong:.1} dB at {other}"
            );
        }
    }
}

#[test]
fn sostenuto_holds_only_the_notes_down_when_it_went_down() {
    let t = Track::default()
        .at(0.0, &[0x90, 57, 100])
        .at(0.1, &[0xB0, 66, 127])
        .at(0.2, &[0x80, 57, 0])
        .at(0.3, &[0x90, 64, 100])
        .at(0.5, &[0x80, 64, 0])
        .at(1.2, &[0xB0, 66, 0]);
    let x = render(&smf(&[t.end()]), 1.9);
    let a_held = tone_db(window(&x, 0.05, 0.2), hz(57));
    let e_held = tone_db(window(&x, 0.35, 0.5), hz(64));
    let late = window(&x, 0.9, 1.2);
    let (a_late, e_late) = (tone_db(late, hz(57)), tone_db(late, hz(64)));
    assert!(
        a_late > a_held - 6.0,
        "A3 caught by the pedal: {a_held:.1} dB held, {a_late:.1} dB after its key is up"
    );
    assert!(
        e_late < e_held - 50.0,
        "E4, pressed after the pedal, is not held: {e_held:.1} dB, then {e_late:.1} dB"
    );
    let a_after = tone_db(window(&x, 1.6, 1.9), hz(57));
    assert!(
        a_after < a_held - 50.0,
        "A3 released when the pedal lifts: {a_after:.1} dB"
    );
}

#[test]
fn reset_controllers_and_all_notes_off_act_on_their_channel() {
    let t = Track::default()
        .at(0.0, &[0xE0, 0x7F, 0x7F])
        .at(0.0, &[0x90, 57, 100])
        .at(0.0, &[0x91, 64, 100])
        .at(0.0, &[0xB1, 64, 127])
        .at(0.5, &[0xB0, 121, 0])
        .at(1.0, &[0xB0, 123, 0])
        .at(1.9, &[0x81, 64, 0]);
    let x = render(&smf(&[t.end()]), 2.0);
    let bent_w = window(&x, 0.1, 0.5);
    assert!(tone_db(bent_w, bent(57, 2.0)) > tone_db(bent_w, hz(57)) + 30.0);
    let reset_w = window(&x, 0.55, 1.0);
    let (plain, still_bent) = (tone_db(reset_w, hz(57)), tone_db(reset_w, bent(57, 2.0)));
    assert!(
        plain > still_bent + 30.0,
        "CC121 centres the bend: {plain:.1} dB at A3, {still_bent:.1} dB at B3"
    );
    // CC123 on channel 1 ends A3 only; channel 2's E4 (and its pedal) carry on.
    let late = window(&x, 1.4, 1.9);
    let (a, e) = (tone_db(late, hz(57)), tone_db(late, hz(64)));
    assert!(e > -30.0 && a < e - 50.0, "A3 {a:.1} dB, E4 {e:.1} dB");
}

#[test]
fn program_changes_are_ignored_with_a_note() {
    let t = Track::default()
        .at(0.0, &[0xC0, 5])
        .at(0.0, &[0x90, 60, 100])
        .at(0.5, &[0x80, 60, 0]);
    let parsed = parse_midi(&smf(&[t.end()])).unwrap();
    assert_eq!(parsed.song.note_count(), 1);
    assert_eq!(
        parsed.notes,
        ["1 program change ignored: every channel plays the one patch"]
    );
}

#[test]
fn a_track_cut_short_plays_what_it_holds_and_says_so() {
    let mut t = Track::default()
        .at(0.0, &[0x90, 60, 100])
        .at(0.5, &[0x80, 60, 0])
        .end();
    t.truncate(t.len() - END.len());
    t.extend_from_slice(&[0x00, 0xF4]);
    let parsed = parse_midi(&smf(&[t])).unwrap();
    assert_eq!(parsed.song.note_count(), 1);
    assert!(
        parsed.notes[0].starts_with("track 1: no end-of-track event"),
        "{:?}",
        parsed.notes
    );
}
