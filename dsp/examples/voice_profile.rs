//! Renders held voices for a profiler or instruction counter:
//! `cargo run --release -p wavecube-dsp --example voice_profile -- [3d|3d-lfo|1d] VOICES SECONDS [SLOTS]`,
//! e.g. under `valgrind --tool=callgrind` to count instructions per voice-sample. `SLOTS`
//! adds that many typical matrix slots (`typical_slots`, as the `matrix` bench does;
//! LFO 1 and 2 then run at 0.5 and 0.3 Hz). The notes are the `voice` bench's: from C1 in
//! fourths, wrapping after six octaves.

use std::sync::Arc;

use wavecube_dsp::cube::{factory_cube, Cube, CubeSet};
use wavecube_dsp::modulation::{typical_slots, Destination, Slot, Source};
use wavecube_dsp::synth::{AdsrParams, Engine, LfoParams, LfoShape, NoteEvent, TimedEvent};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("3d", String::as_str);
    let voices: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
    let seconds: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let extra: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(0);
    let factory = factory_cube();
    let cube = if mode == "1d" {
        let mut c = Cube::new(1, 1, 1).unwrap();
        c.set(0, 0, 0, factory.get(2, 3, 0).unwrap().clone())
            .unwrap();
        c
    } else {
        factory
    };
    let mut e = Engine::new(48000.0, 512, Arc::new(CubeSet::build(&cube).unwrap()));
    let p = e.params_mut();
    p.amp_env = AdsrParams {
        attack_ms: 1.0,
        decay_ms: 10.0,
        sustain: 0.8,
        release_ms: 100.0,
    };
    p.morph = [0.45, 0.55, 0.4];
    if mode == "3d-lfo" {
        p.morph = [0.5; 3];
        p.lfo = [
            LfoParams::new(LfoShape::Sine, 0.7),
            LfoParams::new(LfoShape::Triangle, 0.3),
            LfoParams::new(LfoShape::Sine, 0.2),
        ];
        for (lfo, axis) in Source::LFOS.into_iter().zip(Destination::MORPH) {
            p.matrix.push(Slot::new(lfo, axis, 0.5));
        }
    }
    if extra > 0 {
        for s in typical_slots(extra).slots.iter().filter(|s| s.is_active()) {
            p.matrix.push(*s);
        }
        p.lfo[0].rate_hz = 0.5;
        p.lfo[1].rate_hz = 0.3;
    }
    let events: Vec<TimedEvent> = (0..voices)
        .map(|i| TimedEvent {
            offset: 0,
            event: NoteEvent::NoteOn {
                note: 24 + (i * 5 % 72) as u8,
                velocity: 0.8,
            },
        })
        .collect();
    let (mut l, mut r) = (vec![0.0; 512], vec![0.0; 512]);
    e.process(&events, &mut l, &mut r);
    let blocks = (seconds * 48000.0 / 512.0) as usize;
    let mut sum = 0.0f64;
    for _ in 0..blocks {
        e.process(&[], &mut l, &mut r);
        sum += l[0] as f64;
    }
    println!("{mode}: {voices} voices, {blocks} blocks, checksum {sum:.6}");
}
