//! A minimal in-process host for tests of the plugin's own `process` path: it activates the
//! plugin, sets parameters the way nice-plug's wrappers do, queues note events, collects what
//! the plugin sends back, and runs every `process` call under nice-plug's allocation checker.

#![allow(dead_code)] // each test file uses part of it

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use nice_assert_no_alloc::{assert_no_alloc, violation_count};
use nice_plug::context::process::SendEventError;
use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::params::internals::ParamPtr;
use nice_plug::prelude::*;
use wavecube_plugin::Wavecube;

/// Sample rate of every test render, Hz.
pub const SR: f32 = 48_000.0;
/// Largest block the host passes, samples.
pub const MAX_BLOCK: usize = 512;
/// Most events the host accepts back from the plugin over one [`Host`]'s life.
const SENT_CAPACITY: usize = 1 << 16;

/// A host event for Wavecube.
pub type Event = PluginNoteEvent<Wavecube>;

/// The engine's constant delay (its oversampling decimator), samples: every reported latency
/// includes it.
pub const ENGINE_LATENCY: u32 = wavecube_dsp::synth::LATENCY_SAMPLES as u32;

/// The activation context: remembers the voice capacity and latency the plugin reports.
struct TestActivate {
    capacity: Cell<u32>,
    latency: Cell<Option<u32>>,
}

impl ActivateContext<Wavecube> for TestActivate {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    fn execute(&self, _task: ()) {}
    fn set_latency_samples(&self, samples: u32) {
        self.latency.set(Some(samples));
    }
    fn set_current_voice_capacity(&self, capacity: u32) {
        self.capacity.set(capacity);
    }
}

/// The process context: a preallocated input queue and output list, posing as a CLAP host.
pub struct TestProcess {
    /// Events for the next block, timings relative to its start.
    pub input: VecDeque<Event>,
    /// Everything the plugin sent, timings relative to the block they were sent in.
    pub sent: Vec<(usize, Event)>,
    /// Block start of the block being processed, samples from the render start.
    block_start: usize,
    /// A transport at 120 BPM.
    transport: Transport,
    /// The voice capacity the plugin last reported.
    pub capacity: Cell<u32>,
    /// The latency the plugin last reported from `process`, samples (`None`: no report).
    pub latency: Cell<Option<u32>>,
    /// Restarts the plugin asked for from `process`.
    pub restarts: Cell<u32>,
}

impl ProcessContext<Wavecube> for TestProcess {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    fn execute_background(&self, _task: ()) {}
    fn execute_gui(&self, _task: ()) {}
    fn transport(&self) -> &Transport {
        &self.transport
    }
    fn next_event(&mut self) -> Option<Event> {
        self.input.pop_front()
    }
    fn try_send_event(&mut self, event: Event) -> Result<(), (Event, SendEventError)> {
        // Never grow the list inside `process`: a full list is a full host queue.
        if self.sent.len() == self.sent.capacity() {
            return Err((event, SendEventError::HostBufferFull));
        }
        self.sent.push((self.block_start, event));
        Ok(())
    }
    fn set_latency_samples(&self, samples: u32) {
        self.latency.set(Some(samples));
    }
    fn request_restart(&self) {
        self.restarts.set(self.restarts.get() + 1);
    }
    fn set_current_voice_capacity(&self, capacity: u32) {
        self.capacity.set(capacity);
    }
}

/// The plugin in a test host.
pub struct Host {
    /// The plugin.
    pub plugin: Wavecube,
    /// Keeps the parameter objects that the pointers in `param_ptrs` point into alive.
    _params: Arc<dyn Params>,
    /// Parameters by id.
    param_ptrs: HashMap<String, ParamPtr>,
    /// The process context.
    pub ctx: TestProcess,
    /// Output scratch of one block, per channel.
    scratch: [Vec<f32>; 2],
    /// Everything rendered so far, per channel.
    pub out: [Vec<f32>; 2],
    /// Allocations seen inside `process` (and parameter updates) so far.
    pub violations: u32,
    /// `process` calls so far.
    pub blocks: usize,
    /// Voice capacity reported at activation.
    pub activate_capacity: u32,
    /// The latency the host knows, samples: the last one reported at activation or from
    /// `process`.
    pub latency: u32,
}

impl Host {
    /// A plugin with the parameters `(id, plain value)` set, activated at [`SR`] and reset.
    pub fn new(settings: &[(&str, f32)]) -> Self {
        Self::new_with(settings, |_| {})
    }

    /// As [`Host::new`], with `prepare` run on the plugin after the parameters are set and
    /// before activation (to restore persisted fields, as a host restores a state).
    pub fn new_with(settings: &[(&str, f32)], prepare: impl FnOnce(&mut Wavecube)) -> Self {
        let plugin = Wavecube::default();
        let params = plugin.params();
        let param_ptrs = params
            .param_map()
            .into_iter()
            .map(|(id, ptr, _group)| (id, ptr))
            .collect();
        let mut host = Self {
            plugin,
            _params: params,
            param_ptrs,
            ctx: TestProcess {
                input: VecDeque::with_capacity(4096),
                sent: Vec::with_capacity(SENT_CAPACITY),
                block_start: 0,
                transport: Transport {
                    tempo: Some(120.0),
                    playing: true,
                    ..Transport::new(SR)
                },
                capacity: Cell::new(0),
                latency: Cell::new(None),
                restarts: Cell::new(0),
            },
            scratch: [vec![0.0; MAX_BLOCK], vec![0.0; MAX_BLOCK]],
            out: [Vec::new(), Vec::new()],
            violations: 0,
            blocks: 0,
            activate_capacity: 0,
            latency: 0,
        };
        for &(id, plain) in settings {
            host.set(id, plain);
        }
        prepare(&mut host.plugin);
        host.activate(SR);
        host
    }

    /// (Re-)activates the plugin at `sample_rate` (Hz) and resets it, as a host does before
    /// processing; returns the latency it reported, samples.
    pub fn activate(&mut self, sample_rate: f32) -> u32 {
        let mut activate = TestActivate {
            capacity: Cell::new(0),
            latency: Cell::new(None),
        };
        let config = BufferConfig {
            sample_rate,
            min_buffer_size: None,
            max_buffer_size: MAX_BLOCK as u32,
            process_mode: ProcessMode::Offline,
        };
        assert!(self
            .plugin
            .activate(&Wavecube::AUDIO_IO_LAYOUTS[0], &config, &mut activate));
        self.plugin.reset();
        self.activate_capacity = activate.capacity.get();
        self.latency = activate
            .latency
            .get()
            .expect("the plugin reports its latency at activation");
        self.latency
    }

    /// Sets the host transport's tempo, beats per minute (120 at the start).
    pub fn set_tempo(&mut self, bpm: f64) {
        self.ctx.transport.tempo = Some(bpm);
    }

    fn ptr(&self, id: &str) -> ParamPtr {
        *self
            .param_ptrs
            .get(id)
            .unwrap_or_else(|| panic!("no parameter {id}"))
    }

    /// The normalised value of `plain` for parameter `id`.
    pub fn normalized(&self, id: &str, plain: f32) -> f32 {
        // SAFETY: the pointer points into `self._params`, which this host keeps alive.
        unsafe { self.ptr(id).preview_normalized(plain) }
    }

    /// The normalised value parameter `id` has now.
    pub fn normalized_value(&self, id: &str) -> f32 {
        // SAFETY: as in `normalized`.
        unsafe { self.ptr(id).modulated_normalized_value() }
    }

    /// The plain value of parameter `id` at `normalized`.
    pub fn plain(&self, id: &str, normalized: f32) -> f32 {
        // SAFETY: as in `normalized`.
        unsafe { self.ptr(id).preview_plain(normalized) }
    }

    /// Sets parameter `id` to `plain` between blocks, as a wrapper does for an automation point
    /// (value, then smoother), under the allocation checker. Returns the normalised value set.
    pub fn set(&mut self, id: &str, plain: f32) -> f32 {
        let ptr = self.ptr(id);
        let normalized = self.normalized(id, plain);
        let before = violation_count();
        assert_no_alloc(|| {
            // SAFETY: the pointer points into `self._params`, which this host keeps alive, and
            // no other thread touches the parameters.
            unsafe {
                ptr._internal_set_normalized_value(normalized);
                ptr._internal_update_smoother(SR, false);
            }
        });
        self.violations += violation_count() - before;
        normalized
    }

    /// Renders one block of `n` samples with `events` (timings relative to the block start)
    /// under the allocation checker, appending the output to [`Host::out`].
    pub fn block(&mut self, n: usize, events: &[Event]) {
        assert!((1..=MAX_BLOCK).contains(&n));
        self.ctx.input.clear();
        self.ctx.input.extend(events.iter().cloned());
        self.ctx.block_start = self.out[0].len();
        let [left, right] = &mut self.scratch;
        let (left, right) = (&mut left[..n], &mut right[..n]);
        let mut buffer = Buffer::default();
        // SAFETY: both slices borrow this host's scratch buffers, which outlive `buffer` (it is
        // dropped at the end of this function), and both are exactly `n` samples long.
        unsafe {
            buffer.set_slices(n, |slices| {
                slices.push(left);
                slices.push(right);
            });
        }
        let mut aux = AuxiliaryBuffers {
            inputs: &mut [],
            outputs: &mut [],
        };
        let (plugin, ctx) = (&mut self.plugin, &mut self.ctx);
        let before = violation_count();
        let status = assert_no_alloc(|| plugin.process(&mut buffer, &mut aux, ctx));
        self.violations += violation_count() - before;
        if let Some(latency) = self.ctx.latency.take() {
            self.latency = latency;
        }
        drop(buffer);
        assert!(matches!(status, ProcessStatus::Normal));
        assert!(self.ctx.input.is_empty(), "the plugin left events unread");
        self.blocks += 1;
        for (out, scratch) in self.out.iter_mut().zip(&self.scratch) {
            out.extend_from_slice(&scratch[..n]);
        }
    }

    /// Renders `samples` more samples in blocks of `block`, with no events.
    pub fn run(&mut self, samples: usize, block: usize) {
        let mut left = samples;
        while left > 0 {
            let n = left.min(block);
            self.block(n, &[]);
            left -= n;
        }
    }

    /// The host voice ids the plugin reported as terminated, in order, with their absolute
    /// sample positions.
    pub fn terminated(&self) -> Vec<(VoiceID, usize, u8, u8)> {
        self.ctx
            .sent
            .iter()
            .filter_map(|(start, e)| match *e {
                NoteEvent::VoiceTerminated {
                    timing,
                    voice_id,
                    channel,
                    key,
                } => Some((
                    voice_id,
                    start + timing as usize,
                    channel.number().unwrap_or(255),
                    key.number().unwrap_or(255),
                )),
                _ => None,
            })
            .collect()
    }
}

/// A note-on at `timing` with host voice id `id` on channel 0.
pub fn note_on(timing: u32, id: i32, note: u8, velocity: f32) -> Event {
    NoteEvent::NoteOn {
        timing,
        voice_id: VoiceID::ID(id),
        channel: Channel::Number(0),
        key: Key::Number(note),
        velocity,
    }
}

/// A note-off at `timing` for host voice id `id` on channel 0.
pub fn note_off(timing: u32, id: i32, note: u8) -> Event {
    NoteEvent::NoteOff {
        timing,
        voice_id: VoiceID::ID(id),
        channel: Channel::Number(0),
        key: Key::Number(note),
        velocity: 0.0,
    }
}

/// A CLAP polyphonic modulation of voice `id`.
pub fn poly_mod(timing: u32, id: i32, poly_modulation_id: u32, normalized_offset: f32) -> Event {
    NoteEvent::PolyModulation {
        timing,
        voice_id: id,
        poly_modulation_id,
        normalized_offset,
    }
}

/// Largest absolute sample of `x`; panics on a NaN or infinite sample.
pub fn peak(x: &[f32]) -> f32 {
    assert!(
        x.iter().all(|v| v.is_finite()),
        "output has NaN or infinity"
    );
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// Largest absolute difference of two equally long signals.
pub fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()))
}
