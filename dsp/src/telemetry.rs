//! What the audio thread publishes for the editor: fixed-size messages and output samples
//! on single-producer single-consumer rings that drop, and count, what does not fit.
//!
//! ```text
//! audio thread: TelemetryTx::send / send_audio ─► rings ─► TelemetryRx::drain / read_audio: editor
//! ```
//!
//! Only the audio thread writes and only the editor reads (DESIGN.md, "Threads and data
//! flow"). Sending never blocks, locks or allocates: a full ring drops the message and
//! counts the drop, so an editor that is closed or slow costs the audio thread nothing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use crate::harmony::ChordEvent;
use crate::modulation::Destination;
use crate::synth::Engine;

/// Band energies a [`Telemetry::Bands`] message carries: the approximation band first,
/// then the detail bands from coarsest to finest.
pub const METER_BANDS: usize = 6;

/// Voices whose morph point one [`Telemetry::Voices`] message carries.
pub const TELEMETRY_VOICES: usize = 16;

/// Messages a ring holds by default (about 10 s of 10 ms blocks).
pub const DEFAULT_MESSAGES: usize = 1024;

/// Output frames the audio ring holds by default (about 0.34 s at 48 kHz).
pub const DEFAULT_AUDIO_FRAMES: usize = 16384;

/// One fixed-size message from the audio thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Telemetry {
    /// A chord event the harmony analyzer formed.
    Chord(ChordEvent),
    /// The tension as it drives the morph, sampled once per audio block.
    Tension {
        /// Position of the block's end on the engine clock, samples since reset.
        time_samples: u64,
        /// Smoothed tension, 0..1 (what the morph reads).
        tension: f32,
        /// The latest chord event's tension the smoothing moves toward, 0..1.
        target: f32,
    },
    /// Wavelet band energies of the output over one meter window.
    Bands {
        /// Position of the window's end on the engine clock, samples since reset.
        time_samples: u64,
        /// Energy of each band over the window divided by the window's length: the band's
        /// share of the mean power (the bands add up to it; a full-scale sine gives 0.5 in
        /// all), approximation first, then details coarsest to finest; unused bands are 0.
        energies: [f32; METER_BANDS],
        /// Bands in use.
        bands: u8,
    },
    /// The morph points of the sounding voices at the end of a block.
    Voices {
        /// Position of the block's end on the engine clock, samples since reset.
        time_samples: u64,
        /// Voices listed, at most [`TELEMETRY_VOICES`].
        count: u8,
        /// Morph `[x, y, z]` of each listed voice, 0..1 each.
        morph: [[f32; 3]; TELEMETRY_VOICES],
    },
    /// Each sounding voice's current value of one per-voice destination the matrix moves
    /// ([`Engine::voice_mod_values`]), at the end of a block; sent with the block's
    /// [`Telemetry::Voices`] message, for each of [`LIVE_DESTINATIONS`] an active slot moves.
    VoiceMods {
        /// Position of the block's end on the engine clock, samples since reset (the same
        /// as the block's `Voices` message).
        time_samples: u64,
        /// The destination.
        destination: Destination,
        /// Voices listed, at most [`TELEMETRY_VOICES`], in the order of `Voices`.
        count: u8,
        /// Each listed voice's value, in the unit of [`Voice::mod_value`](crate::synth::Voice::mod_value).
        values: [f32; TELEMETRY_VOICES],
    },
}

/// The per-voice destinations whose live values [`send_voice_mods`] publishes: those the
/// editor has knobs for, whose voices keep a value ([`Engine::voice_mod_values`]). Morph x,
/// y and z are not here: the [`Telemetry::Voices`] message carries them.
pub const LIVE_DESTINATIONS: [Destination; 13] = [
    Destination::Cutoff,
    Destination::Resonance,
    Destination::UnisonDetune,
    Destination::UnisonSpread,
    Destination::Lfo1Rate,
    Destination::Lfo2Rate,
    Destination::Lfo3Rate,
    Destination::AmpAttack,
    Destination::AmpDecay,
    Destination::AmpRelease,
    Destination::ModAttack,
    Destination::ModDecay,
    Destination::ModRelease,
];

/// Passes to `send` one [`Telemetry::VoiceMods`] message for each of [`LIVE_DESTINATIONS`]
/// that an active slot of the engine's matrix moves (none when no slot moves one, so an
/// unmodulated patch costs a scan of the slots). Call it after each `process`, with the
/// block's end as `time_samples`. Audio thread: no allocation, no lock.
pub fn send_voice_mods(engine: &Engine, time_samples: u64, mut send: impl FnMut(Telemetry)) {
    let matrix = &engine.params().matrix;
    for destination in LIVE_DESTINATIONS {
        let moved = matrix
            .slots
            .iter()
            .any(|s| s.is_active() && s.destination == destination);
        if !moved {
            continue;
        }
        let mut values = [0.0; TELEMETRY_VOICES];
        let count = engine.voice_mod_values(destination, &mut values);
        send(Telemetry::VoiceMods {
            time_samples,
            destination,
            count: count as u8,
            values,
        });
    }
}

/// The audio thread's end.
pub struct TelemetryTx {
    /// Messages to the editor.
    messages: HeapProd<Telemetry>,
    /// Output frames `[left, right]` to the editor.
    audio: HeapProd<[f32; 2]>,
    /// Messages and frames dropped because a ring was full; written by the audio thread.
    dropped: Arc<AtomicU64>,
}

/// The editor's end.
pub struct TelemetryRx {
    /// Messages from the audio thread.
    messages: HeapCons<Telemetry>,
    /// Output frames from the audio thread.
    audio: HeapCons<[f32; 2]>,
    /// Shared drop counter.
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for TelemetryTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryTx")
            .field("messages", &self.messages.occupied_len())
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish()
    }
}

impl std::fmt::Debug for TelemetryRx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryRx")
            .field("messages", &self.messages.occupied_len())
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish()
    }
}

/// A telemetry channel holding up to `messages` messages and `audio_frames` output frames.
///
/// # Allocation
/// Allocates both rings; call it off the audio thread.
pub fn telemetry(messages: usize, audio_frames: usize) -> (TelemetryTx, TelemetryRx) {
    let (mp, mc) = HeapRb::new(messages.max(1)).split();
    let (ap, ac) = HeapRb::new(audio_frames.max(1)).split();
    let dropped = Arc::new(AtomicU64::new(0));
    (
        TelemetryTx {
            messages: mp,
            audio: ap,
            dropped: Arc::clone(&dropped),
        },
        TelemetryRx {
            messages: mc,
            audio: ac,
            dropped,
        },
    )
}

impl TelemetryTx {
    /// Queues `msg`, or drops and counts it if the ring is full. Real-time safe.
    pub fn send(&mut self, msg: Telemetry) {
        if self.messages.try_push(msg).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Queues output frames; frames that do not fit are dropped and counted (as one
    /// drop per call). Real-time safe.
    pub fn send_audio(&mut self, left: &[f32], right: &[f32]) {
        let n = left.len().min(right.len());
        let room = self.audio.vacant_len();
        let take = n.min(room);
        for i in 0..take {
            // NOTE: room was checked above and only this thread pushes.
            let _ = self.audio.try_push([left[i], right[i]]);
        }
        if take < n {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl TelemetryRx {
    /// Hands every queued message to `f`, oldest first. Returns how many.
    pub fn drain(&mut self, mut f: impl FnMut(Telemetry)) -> usize {
        let mut n = 0;
        while let Some(m) = self.messages.try_pop() {
            f(m);
            n += 1;
        }
        n
    }

    /// Moves up to `out.len()` queued output frames into `out`, oldest first. Returns how
    /// many were written.
    pub fn read_audio(&mut self, out: &mut [[f32; 2]]) -> usize {
        self.audio.pop_slice(out)
    }

    /// Output frames waiting to be read.
    pub fn audio_pending(&self) -> usize {
        self.audio.occupied_len()
    }

    /// Drops since the channel was made, messages and audio calls together.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The editor's side: takes the receiving end once and says when it listens.
#[derive(Debug, Default)]
pub struct TelemetryHub {
    /// The receiving end, until an editor (or a test) takes it. Locked only off the audio
    /// thread.
    rx: Mutex<Option<TelemetryRx>>,
    /// True while an editor reads; written by the editor, read by the audio thread.
    listening: AtomicBool,
}

impl TelemetryHub {
    /// Takes the receiving end (once; later calls give `None` until the plugin is
    /// re-activated with a new channel).
    pub fn take_receiver(&self) -> Option<TelemetryRx> {
        self.rx.lock().ok()?.take()
    }

    /// Gives the receiving end back (an editor that closes keeps nothing).
    pub fn return_receiver(&self, rx: TelemetryRx) {
        if let Ok(mut slot) = self.rx.lock() {
            *slot = Some(rx);
        }
    }

    /// Starts or stops publishing. Any thread.
    pub fn set_listening(&self, on: bool) {
        self.listening.store(on, Ordering::Release);
    }

    /// True while publishing.
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_ring_drops_and_counts() {
        let (mut tx, mut rx) = telemetry(2, 4);
        for k in 0..5 {
            tx.send(Telemetry::Tension {
                time_samples: k,
                tension: 0.5,
                target: 0.5,
            });
        }
        let mut seen = Vec::new();
        rx.drain(|m| {
            if let Telemetry::Tension { time_samples, .. } = m {
                seen.push(time_samples)
            }
        });
        assert_eq!(seen, vec![0, 1]);
        assert_eq!(rx.dropped(), 3);
        tx.send_audio(&[1.0; 6], &[2.0; 6]);
        let mut out = [[0.0; 2]; 8];
        assert_eq!(rx.read_audio(&mut out), 4);
        assert_eq!(out[3], [1.0, 2.0]);
        assert_eq!(rx.dropped(), 4);
    }
}
