//! Offline rendering: a song's events placed at absolute sample times, fed to the engine
//! block by block.
//!
//! [`Renderer::run_with`] is the loop; it allocates nothing, so everything it
//! touches can be prepared first and the loop checked with `assert_no_alloc`.

use std::sync::Arc;

use wavecube_dsp::cube::{factory_cube, Cube, CubeSet};
use wavecube_dsp::fx::rack::{NoExternal, Rack, RackSettings};
use wavecube_dsp::fx::sync::DEFAULT_BPM;
use wavecube_dsp::fx::Effect;
use wavecube_dsp::synth::{Engine, NoteEvent, SynthParams, TimedEvent};

use crate::error::HarnessError;
use crate::options::SoundOptions;
use crate::song::Song;

/// An event at an absolute sample index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduledEvent {
    /// Samples from the start of the render.
    pub sample: u64,
    /// What happens.
    pub event: NoteEvent,
}

/// A song's events at sample times for one sample rate, in song order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    events: Vec<ScheduledEvent>,
}

impl Schedule {
    /// Places each event at `round(time_s * sample_rate_hz)`.
    pub fn new(song: &Song, sample_rate_hz: u32) -> Self {
        let sr = f64::from(sample_rate_hz);
        let events = song
            .events()
            .iter()
            .map(|e| ScheduledEvent {
                sample: (e.time_s * sr).round() as u64,
                event: e.event,
            })
            .collect();
        Self { events }
    }

    /// The events, sorted by sample.
    pub fn events(&self) -> &[ScheduledEvent] {
        &self.events
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// Builds the factory cube's mip set and an engine at `sample_rate_hz` for
/// blocks of up to `max_block` samples, with `options` applied.
///
/// # Errors
/// [`HarnessError::Cube`] if the factory cube fails to build (a bug).
///
/// # Allocation
/// Allocates the cube's mips and the engine's voices.
pub fn build_engine(
    sample_rate_hz: u32,
    max_block: usize,
    options: &SoundOptions,
) -> Result<Engine, HarnessError> {
    build_engine_with(sample_rate_hz, max_block, &SynthParams::default(), options)
}

/// [`build_engine`], starting from `base` (a patch's settings, say) instead of the
/// engine's defaults; `options` then apply on top.
///
/// # Errors
/// [`HarnessError::Cube`] if the factory cube fails to build (a bug).
///
/// # Allocation
/// Allocates the cube's mips and the engine's voices.
pub fn build_engine_with(
    sample_rate_hz: u32,
    max_block: usize,
    base: &SynthParams,
    options: &SoundOptions,
) -> Result<Engine, HarnessError> {
    build_engine_on(&factory_cube(), sample_rate_hz, max_block, base, options)
}

/// [`build_engine_with`], playing `cube` instead of the factory cube.
///
/// # Errors
/// [`HarnessError::Cube`] if `cube`'s mip set cannot be built (an empty cube).
///
/// # Allocation
/// Allocates the cube's mips and the engine's voices.
pub fn build_engine_on(
    cube: &Cube,
    sample_rate_hz: u32,
    max_block: usize,
    base: &SynthParams,
    options: &SoundOptions,
) -> Result<Engine, HarnessError> {
    let cube = Arc::new(CubeSet::build(cube)?);
    let mut engine = Engine::new(sample_rate_hz as f32, max_block, cube);
    *engine.params_mut() = *base;
    options.apply(engine.params_mut());
    Ok(engine)
}

/// A schedule cut into blocks, with the block buffers to render it.
#[derive(Debug, Clone)]
pub struct Renderer {
    block_len: usize,
    left: Vec<f32>,
    right: Vec<f32>,
    /// Absolute sample of each event, sorted.
    samples: Vec<u64>,
    /// The same events with offsets relative to the start of their block, so
    /// each block's events are one contiguous slice and nothing is copied
    /// while rendering.
    timed: Vec<TimedEvent>,
}

impl Renderer {
    /// Cuts `schedule` into blocks of `block_len` samples (at least 1).
    ///
    /// # Allocation
    /// Allocates the buffers; [`run_with`](Self::run_with) then allocates nothing.
    pub fn new(schedule: &Schedule, block_len: usize) -> Self {
        let block_len = block_len.max(1);
        let block = block_len as u64;
        Self {
            block_len,
            left: vec![0.0; block_len],
            right: vec![0.0; block_len],
            samples: schedule.events().iter().map(|e| e.sample).collect(),
            timed: schedule
                .events()
                .iter()
                .map(|e| TimedEvent {
                    // NOTE: the remainder is below block_len <= u32::MAX.
                    offset: (e.sample % block) as u32,
                    event: e.event,
                })
                .collect(),
        }
    }

    /// Block length, samples.
    pub fn block_len(&self) -> usize {
        self.block_len
    }

    /// Renders the first `total_samples` samples through `engine` in blocks
    /// of [`block_len`](Self::block_len) (the last may be shorter), calling
    /// `sink(start_sample, left, right)` after each block. Events at or after
    /// `total_samples` are not played.
    ///
    /// # Errors
    /// The first error `sink` returns; rendering stops there.
    pub fn run<E>(
        &mut self,
        engine: &mut Engine,
        total_samples: u64,
        sink: impl FnMut(u64, &[f32], &[f32]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.run_with(
            engine,
            total_samples,
            |engine, events, left, right| engine.process(events, left, right),
            sink,
        )
    }

    /// [`run`](Self::run), with `process(engine, events, left, right)` in
    /// place of `engine.process(events, left, right)`, so a test can wrap
    /// every call (in `assert_no_alloc`, for instance). Allocates nothing itself.
    ///
    /// # Errors
    /// The first error `sink` returns; rendering stops there.
    pub fn run_with<E>(
        &mut self,
        engine: &mut Engine,
        total_samples: u64,
        mut process: impl FnMut(&mut Engine, &[TimedEvent], &mut [f32], &mut [f32]),
        mut sink: impl FnMut(u64, &[f32], &[f32]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut first = 0;
        let mut start = 0_u64;
        while start < total_samples {
            let len = (total_samples - start).min(self.block_len as u64) as usize;
            let end = start + len as u64;
            let count = self.samples[first..].partition_point(|&s| s < end);
            let events = &self.timed[first..first + count];
            first += count;
            let (left, right) = (&mut self.left[..len], &mut self.right[..len]);
            process(engine, events, left, right);
            sink(start, left, right)?;
            start = end;
        }
        Ok(())
    }
}

/// A rendered stereo signal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// Left channel, full scale = 1.0.
    pub left: Vec<f32>,
    /// Right channel, full scale = 1.0.
    pub right: Vec<f32>,
    /// Most voices sounding at once during the render.
    pub peak_voices: usize,
}

/// Renders `song` for `seconds` seconds into memory.
///
/// # Allocation
/// Allocates the output (8 bytes per frame) and the schedule.
pub fn render_song(engine: &mut Engine, song: &Song, seconds: f64, block_len: usize) -> Rendered {
    let sample_rate_hz = engine.sample_rate().round() as u32;
    let schedule = Schedule::new(song, sample_rate_hz);
    let total = (seconds.max(0.0) * f64::from(sample_rate_hz)).round() as u64;
    let mut out = Rendered {
        left: Vec::with_capacity(total as usize),
        right: Vec::with_capacity(total as usize),
        peak_voices: 0,
    };
    let mut renderer = Renderer::new(&schedule, block_len);
    let done: Result<(), std::convert::Infallible> =
        renderer.run(engine, total, |_, left, right| {
            out.left.extend_from_slice(left);
            out.right.extend_from_slice(right);
            Ok(())
        });
    let Ok(()) = done;
    out.peak_voices = engine.peak_voices();
    out
}

/// A rack at `sample_rate_hz` playing `settings` (a patch's `sound.fx`), reset, at the
/// effects' default tempo (120 BPM).
///
/// # Allocation
/// Allocates every effect.
pub fn build_rack(sample_rate_hz: u32, settings: &RackSettings) -> Rack {
    let mut rack = Rack::new(sample_rate_hz as f32);
    rack.set_settings(*settings);
    rack.reset();
    rack
}

/// How long the rack keeps sounding after its input stops, in seconds: 1.2 times the
/// reverb's decay time (RT60, so −72 dB) and the delay's echoes down to −72 dB (each only
/// when on; a synced delay at the effects' default 120 BPM), at most 30 s.
pub fn rack_tail_s(settings: &RackSettings) -> f64 {
    let mut tail = 0.0_f64;
    if settings.reverb.enabled {
        tail += 1.2 * f64::from(settings.reverb.settings.clamped().decay_s);
    }
    if settings.delay.enabled {
        let d = settings.delay.settings.clamped();
        let repeats = if d.feedback > 1e-3 {
            (72.0 / (-20.0 * f64::from(d.feedback).log10())).ceil() + 1.0
        } else {
            1.0
        };
        let time_s = match d.sync {
            Some(division) => division.seconds(DEFAULT_BPM),
            None => f64::from(d.time_ms) * 1e-3,
        };
        tail += time_s * repeats;
    }
    tail.min(30.0)
}

/// [`render_song`] with `rack` after the engine (each block through the engine, then the
/// rack and the output safety clip, [`Rack::process_output`]), as `wavecube render --patch`
/// plays a patch and the plugin plays it.
///
/// # Allocation
/// Allocates the output and the schedule; the rack allocates nothing.
pub fn render_song_with_rack(
    engine: &mut Engine,
    rack: &mut Rack,
    song: &Song,
    seconds: f64,
    block_len: usize,
) -> Rendered {
    let sample_rate_hz = engine.sample_rate().round() as u32;
    let schedule = Schedule::new(song, sample_rate_hz);
    let total = (seconds.max(0.0) * f64::from(sample_rate_hz)).round() as u64;
    let mut out = Rendered {
        left: Vec::with_capacity(total as usize),
        right: Vec::with_capacity(total as usize),
        peak_voices: 0,
    };
    let mut renderer = Renderer::new(&schedule, block_len);
    // The patch's rack; the matrix's effect slots move it after every engine call.
    let base = *rack.requested_settings();
    let done: Result<(), std::convert::Infallible> = renderer.run_with(
        engine,
        total,
        |engine, events, left, right| {
            engine.process(events, left, right);
            rack.set_modulated(&base, engine.fx_offsets());
            rack.process_output(left, right, &mut NoExternal);
        },
        |_, left, right| {
            out.left.extend_from_slice(left);
            out.right.extend_from_slice(right);
            Ok(())
        },
    );
    let Ok(()) = done;
    out.peak_voices = engine.peak_voices();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::song::SongEvent;

    #[test]
    fn schedule_rounds_to_the_nearest_sample() {
        let song = Song::from_events(vec![
            SongEvent {
                time_s: 0.5,
                event: NoteEvent::NoteOn {
                    note: 60,
                    velocity: 1.0,
                },
            },
            SongEvent {
                time_s: 1.0 / 3.0,
                event: NoteEvent::AllNotesOff,
            },
        ]);
        let s = Schedule::new(&song, 48_000);
        let samples: Vec<u64> = s.events().iter().map(|e| e.sample).collect();
        assert_eq!(samples, [16_000, 24_000]);
    }

    #[test]
    fn events_land_in_their_block_at_their_offset() {
        let on = |note| NoteEvent::NoteOn {
            note,
            velocity: 1.0,
        };
        let schedule = Schedule {
            events: [
                (0, on(1)),
                (99, on(2)),
                (100, on(3)),
                (250, on(4)),
                (299, on(5)),
                (300, on(6)),
            ]
            .map(|(sample, event)| ScheduledEvent { sample, event })
            .to_vec(),
        };
        let mut renderer = Renderer::new(&schedule, 100);
        let mut engine = build_engine(48_000, 100, &SoundOptions::default()).unwrap();
        let mut seen: Vec<Vec<(u32, NoteEvent)>> = Vec::new();
        let mut blocks = Vec::new();
        let done: Result<(), ()> = renderer.run_with(
            &mut engine,
            299,
            |_, events, _, _| seen.push(events.iter().map(|e| (e.offset, e.event)).collect()),
            |start, left, _| {
                blocks.push((start, left.len()));
                Ok(())
            },
        );
        done.unwrap();
        assert_eq!(blocks, [(0, 100), (100, 100), (200, 99)]);
        assert_eq!(
            seen,
            [
                vec![(0, on(1)), (99, on(2))],
                vec![(0, on(3))],
                vec![(50, on(4))]
            ]
        );
    }
}
