//! Shared helpers of the dsp integration tests: scheduling notes into blocks.
#![allow(dead_code)]

use std::sync::Arc;

use wavecube_dsp::cube::{factory_cube, Cube, CubeSet, Node};
use wavecube_dsp::synth::{Engine, NoteEvent, TimedEvent};

/// A note: MIDI number, start and duration in seconds, velocity 0..1.
#[derive(Debug, Clone, Copy)]
pub struct Note {
    pub note: u8,
    pub start_s: f64,
    pub dur_s: f64,
    pub velocity: f32,
}

/// An event at an absolute sample time.
#[derive(Debug, Clone, Copy)]
pub struct AbsEvent {
    pub at: u64,
    pub event: NoteEvent,
}

/// Note-ons and note-offs of `notes` at `sr`, sorted by time.
pub fn schedule(notes: &[Note], sr: f64) -> Vec<AbsEvent> {
    let mut ev = Vec::new();
    for n in notes {
        let on = (n.start_s * sr).round() as u64;
        let off = ((n.start_s + n.dur_s) * sr).round() as u64;
        ev.push(AbsEvent {
            at: on,
            event: NoteEvent::NoteOn {
                note: n.note,
                velocity: n.velocity,
            },
        });
        ev.push(AbsEvent {
            at: off,
            event: NoteEvent::NoteOff { note: n.note },
        });
    }
    ev.sort_by_key(|e| e.at);
    ev
}

/// Renders `len` samples in blocks of `block`, applying `events` at their sample times.
/// `each_block` may change parameters before each block (given the block's start sample).
pub fn render_events(
    engine: &mut Engine,
    events: &[AbsEvent],
    len: usize,
    block: usize,
    mut each_block: impl FnMut(&mut Engine, u64),
) -> (Vec<f32>, Vec<f32>) {
    let mut left = vec![0.0; len];
    let mut right = vec![0.0; len];
    let mut timed = Vec::with_capacity(events.len());
    let mut next = 0;
    let mut pos = 0;
    while pos < len {
        let n = block.min(len - pos);
        timed.clear();
        while next < events.len() && events[next].at < (pos + n) as u64 {
            let offset = events[next].at.saturating_sub(pos as u64) as u32;
            timed.push(TimedEvent {
                offset,
                event: events[next].event,
            });
            next += 1;
        }
        each_block(engine, pos as u64);
        engine.process(&timed, &mut left[pos..pos + n], &mut right[pos..pos + n]);
        pos += n;
    }
    (left, right)
}

/// Renders `notes` for `seconds` in blocks of `block`.
pub fn render_notes(
    engine: &mut Engine,
    notes: &[Note],
    seconds: f64,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let sr = engine.sample_rate() as f64;
    let len = (seconds * sr).round() as usize;
    render_events(engine, &schedule(notes, sr), len, block, |_, _| {})
}

/// The factory cube, prepared for playback.
pub fn factory_set() -> Arc<CubeSet> {
    Arc::new(CubeSet::build(&factory_cube()).unwrap())
}

/// A band-limited saw cycle of `len` samples with every harmonic up to `len/2 − 1`.
pub fn saw_node(len: usize) -> Node {
    let top = len / 2 - 1;
    Node::from_fn(len, |p| {
        (1..=top)
            .map(|h| (std::f64::consts::TAU * h as f64 * p).sin() / h as f64)
            .sum::<f64>()
            * 0.5
    })
    .unwrap()
}

/// A sine cycle of `len` samples and amplitude `amp`.
pub fn sine_node(len: usize, amp: f64) -> Node {
    Node::from_fn(len, |p| amp * (std::f64::consts::TAU * p).sin()).unwrap()
}

/// A cube of one node.
pub fn single(node: Node) -> Arc<CubeSet> {
    let mut c = Cube::new(1, 1, 1).unwrap();
    c.set(0, 0, 0, node).unwrap();
    Arc::new(CubeSet::build(&c).unwrap())
}
