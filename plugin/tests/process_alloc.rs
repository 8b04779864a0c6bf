//! Real-time safety through the plugin's own `process` path: seconds of notes, automation,
//! poly modulation and controllers at irregular block sizes, with the codec stage switched on
//! and off and its bits, block size and mix changed mid-stream, and the capture taking every
//! block, and the bank switched (cubes arriving from the loader thread), every `process` call
//! under nice-plug's allocation checker, with zero allocations allowed.

mod common;

use common::{note_off, note_on, peak, poly_mod, Event, Host, ENGINE_LATENCY, MAX_BLOCK, SR};
use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::*;
use wavecube_dsp::modulation::{Destination, ModMatrix, Slot, Source};
use wavecube_plugin::poly::POLY_TARGETS;

/// A small deterministic generator (xorshift64*), so the test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in 0..n.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Uniform in lo..hi.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn chance(&mut self, p: f32) -> bool {
        self.range(0.0, 1.0) < p
    }
}

/// Poly-modulatable parameter ids, in poly-modulation-id order.
const POLY_PARAM_IDS: [&str; 4] = ["mx", "my", "mz", "flt_fc"];

#[test]
fn process_never_allocates_under_notes_automation_and_poly_modulation() {
    // LFO 1 on morph x and LFO 2 on the cutoff, as slots of the matrix (state).
    let mut matrix = ModMatrix::init();
    matrix.push(Slot::new(Source::Lfo1, Destination::MorphX, 0.3));
    matrix.push(Slot::new(Source::Lfo2, Destination::Cutoff, 1.5 / 8.0));
    let settings = [
        ("poly", 32.0),
        ("flt_on", 1.0),
        ("uni_n", 3.0),
        ("lfo1_rate", 3.0),
        ("lfo2_sync", 1.0),
        ("amp_rel", 60.0),
        ("tqa_on", 1.0),
    ];
    let mut host = Host::new_with(&settings, |plugin| {
        plugin.wavecube_params().matrix.set(&matrix, None);
    });
    assert_eq!(host.activate_capacity, 32, "voice capacity at activation");
    assert_eq!(
        host.latency,
        ENGINE_LATENCY + 512,
        "the codec stage's latency at activation"
    );
    let mut latency_checks = 0;
    let mut codec_changes = 0;
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    // The codec's changes draw from their own generator, so the notes and automation above
    // stay the same sequence with or without them.
    let mut codec_rng = Rng(0xc0de_c0de_5eed_0002);
    // Bank changes draw from a third generator, for the same reason.
    let mut bank_rng = Rng(0xba4c_5eed_0000_0003);
    let mut bank_changes = 0;
    let total = 6 * SR as usize;
    let mut held: Vec<(i32, u8)> = Vec::with_capacity(64);
    // Notes started in poly mode, and in mono or legato mode (which retarget one voice, so
    // their ids may never own a voice).
    let mut started: Vec<i32> = Vec::new();
    let mut mono_started: Vec<i32> = Vec::new();
    let mut next_id = 100;
    let mut events: Vec<Event> = Vec::with_capacity(64);
    let mut mono_blocks = 0;
    while host.out[0].len() < total {
        let n = match rng.below(4) {
            0 => MAX_BLOCK,
            1 => 1 + rng.below(8),
            _ => 1 + rng.below(MAX_BLOCK),
        };
        // Automation lands between blocks, as nice-plug's sample-accurate splitting does.
        if rng.chance(0.15) {
            let t = rng.below(4);
            let id = POLY_PARAM_IDS[t];
            let normalized = host.set(id, host.plain(id, rng.range(0.0, 1.0)));
            events.push(NoteEvent::MonoAutomation {
                timing: 0,
                poly_modulation_id: t as u32,
                normalized_value: normalized,
            });
        }
        if rng.chance(0.05) {
            match rng.below(6) {
                0 => host.set("gain", rng.range(-24.0, 0.0)),
                1 => host.set("poly", (1 + rng.below(64)) as f32),
                2 => host.set("uni_n", (1 + rng.below(8)) as f32),
                3 => host.set("flt_ty", rng.below(3) as f32),
                4 => host.set("uni_dt", rng.range(0.0, 100.0)),
                _ => host.set("lfo1_rate", rng.range(0.1, 40.0)),
            };
        }
        // The codec stage: mostly on, its settings changed while it runs.
        if codec_rng.chance(0.04) {
            codec_changes += 1;
            match codec_rng.below(8) {
                0 => host.set("tqa_on", 0.0),
                1 | 2 => host.set("tqa_on", 1.0),
                3 | 4 => host.set("tqa_bits", (2 + codec_rng.below(7)) as f32),
                5 | 6 => host.set("tqa_block", (6 + codec_rng.below(7)) as f32),
                _ => host.set("tqa_mix", codec_rng.range(0.0, 100.0)),
            };
        }
        // Now and then a bank change: the loader builds the cube on its own thread and the
        // audio thread swaps it in.
        if bank_rng.chance(0.01) {
            bank_changes += 1;
            host.set("bank", bank_rng.below(5) as f32);
        }
        // Now and then a stretch in mono or legato mode, then back to poly.
        if mono_blocks == 0 && rng.chance(0.01) {
            host.set("vmode", (1 + rng.below(2)) as f32);
            mono_blocks = 40;
        } else if mono_blocks > 0 {
            mono_blocks -= 1;
            if mono_blocks == 0 {
                host.set("vmode", 0.0);
            }
        }
        let mut timings: Vec<u32> = (0..rng.below(6)).map(|_| rng.below(n) as u32).collect();
        timings.sort_unstable();
        for timing in timings {
            match rng.below(10) {
                0..=2 if held.len() < 40 => {
                    let note = 36 + rng.below(60) as u8;
                    events.push(note_on(timing, next_id, note, rng.range(0.1, 1.0)));
                    held.push((next_id, note));
                    if mono_blocks == 0 {
                        started.push(next_id);
                    } else {
                        mono_started.push(next_id);
                    }
                    next_id += 1;
                }
                3 | 4 if !held.is_empty() => {
                    let (id, note) = held.swap_remove(rng.below(held.len()));
                    events.push(note_off(timing, id, note));
                }
                5..=7 if !held.is_empty() => {
                    let (id, _) = held[rng.below(held.len())];
                    let target = rng.below(POLY_TARGETS.len()) as u32;
                    events.push(poly_mod(timing, id, target, rng.range(-0.6, 0.6)));
                }
                8 => events.push(NoteEvent::MidiPitchBend {
                    timing,
                    channel: 0,
                    value: rng.range(0.0, 1.0),
                }),
                _ => {
                    let cc = [1, 64, 74][rng.below(3)];
                    events.push(NoteEvent::MidiCC {
                        timing,
                        channel: 0,
                        cc,
                        value: rng.range(0.0, 1.0),
                    });
                }
            }
        }
        if let Some(&(id, note)) = held.first() {
            if rng.chance(0.02) {
                events.push(NoteEvent::PolyTuning {
                    timing: 0,
                    voice_id: VoiceID::ID(id),
                    channel: Channel::Number(0),
                    key: Key::Number(note),
                    tuning: rng.range(-1.0, 1.0),
                });
            }
        }
        host.block(n, &events);
        events.clear();
        // CLAP: the latency stays the activation's (`process` reports none); a setting that
        // wants another one has asked the host for a restart.
        let expected = ENGINE_LATENCY
            + if host.plain("tqa_on", host.normalized_value("tqa_on")) > 0.5 {
                1 << host.plain("tqa_block", host.normalized_value("tqa_block")) as u32
            } else {
                0
            };
        assert_eq!(
            host.latency,
            ENGINE_LATENCY + 512,
            "the latency reported at activation"
        );
        assert!(
            expected == host.latency || host.ctx.restarts.get() > 0,
            "latency {expected} wanted without a restart request"
        );
        latency_checks += 1;
    }
    let sounding = peak(&host.out[0]);
    // Everything off (all notes off also lifts the sustain pedal), then a silent tail.
    host.block(
        64,
        &[NoteEvent::MidiCC {
            timing: 0,
            channel: 0,
            cc: 123,
            value: 0.0,
        }],
    );
    let tail_from = host.out[0].len() + SR as usize / 2;
    host.run(SR as usize, 300);
    let tail = peak(&host.out[0][tail_from..]).max(peak(&host.out[1][tail_from..]));
    let ended = host.terminated();
    println!(
        "{} process calls, {} s of audio, {} + {} notes (poly + mono modes), {} voice ends \
         reported; peak {sounding:.3}, tail peak {tail:.2e}; allocations in process: {}",
        host.blocks,
        host.out[0].len() as f32 / SR,
        started.len(),
        mono_started.len(),
        ended.len(),
        host.violations
    );
    let status = host.plugin.capture_status();
    println!(
        "codec: {codec_changes} setting changes, latency unchanged or a restart asked after all \
         {latency_checks} blocks ({} restart requests); capture: {:.1} s retained, {} frames dropped (rendering faster than real time); \
         banks: {bank_changes} changes, {} cube swaps",
        host.ctx.restarts.get(),
        status.retained_s(),
        status.dropped_frames(),
        host.plugin.cube_swaps()
    );
    assert_eq!(host.violations, 0, "process allocated or freed memory");
    assert!(
        sounding > 0.05,
        "the render should be audible, peak {sounding}"
    );
    assert!(
        tail < 1e-5,
        "notes still sounding 0.5 s after all notes off: {tail}"
    );
    // Every reported end is a voice the host started; a voice ends at most once.
    let mut ids: Vec<i32> = ended.iter().filter_map(|e| e.0.id()).collect();
    assert!(ids
        .iter()
        .all(|id| started.contains(id) || mono_started.contains(id)));
    ids.sort_unstable();
    let reported = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), reported, "a voice was reported ended twice");
    let missing: Vec<i32> = started
        .iter()
        .copied()
        .filter(|id| ids.binary_search(id).is_err())
        .collect();
    println!("poly-mode voices never reported ended: {missing:?}");
    assert!(missing.is_empty());
}

#[test]
fn the_checker_counts_allocations() {
    // Without this, a zero above could mean the checker is not installed (nice-plug installs
    // it as the global allocator in debug builds with `assert_process_allocs`).
    let before = nice_assert_no_alloc::violation_count();
    let v = nice_assert_no_alloc::assert_no_alloc(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(64))
    });
    drop(v);
    assert!(nice_assert_no_alloc::violation_count() > before);
}
