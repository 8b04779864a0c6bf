//! The plugin's telemetry tap: what the audio thread publishes for the editor after each
//! piece it renders — chord events, the tension, the voices' morph points and live values of
//! the modulated destinations, wavelet band energies of the output, and the output itself.
//!
//! Nothing is sent while no editor listens ([`TelemetryHub::set_listening`]), so a closed
//! editor costs the audio thread one atomic load per block.

use std::sync::Arc;

use wavecube_dsp::synth::Engine;
use wavecube_dsp::telemetry::{
    send_voice_mods, telemetry, Telemetry, TelemetryHub, TelemetryTx, DEFAULT_AUDIO_FRAMES,
    DEFAULT_MESSAGES, METER_BANDS, TELEMETRY_VOICES,
};
use wavecube_dsp::wavelet::{BandMeter, Wavelet};

/// Samples per wavelet meter frame (about 43 ms at 48 kHz: 23 meter updates a second).
pub const METER_FRAME: usize = 2048;

/// Samples of the meter's mono mix made at once.
pub const MONO_SCRATCH: usize = 1024;

/// The audio thread's side.
pub struct TelemetryTap {
    /// The sending end.
    tx: TelemetryTx,
    /// Wavelet energies of the output (db4, 5 levels: 6 bands).
    meter: BandMeter,
    /// Mono mix of the output for the meter, [`MONO_SCRATCH`] samples.
    mono: Vec<f32>,
    /// Shared with the editor.
    hub: Arc<TelemetryHub>,
    /// Samples rendered since activation.
    clock: u64,
}

impl std::fmt::Debug for TelemetryTap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryTap")
            .field("clock", &self.clock)
            .finish()
    }
}

impl TelemetryTap {
    /// A tap whose receiving end is put in `hub` (replacing any older one). Blocks of any
    /// length are taken, in pieces of [`MONO_SCRATCH`] samples for the meter.
    ///
    /// # Allocation
    /// Allocates the rings and buffers; call it off the audio thread.
    pub fn new(hub: Arc<TelemetryHub>) -> Self {
        let (tx, rx) = telemetry(DEFAULT_MESSAGES, DEFAULT_AUDIO_FRAMES);
        hub.return_receiver(rx);
        let meter = match BandMeter::new(Wavelet::Db4, METER_BANDS - 1, METER_FRAME) {
            Ok(m) => m,
            // NOTE: METER_FRAME is a multiple of 2^(METER_BANDS − 1), which is all `new` checks.
            Err(e) => unreachable!("meter settings are constants: {e}"),
        };
        Self {
            tx,
            meter,
            mono: vec![0.0; MONO_SCRATCH],
            hub,
            clock: 0,
        }
    }

    /// Sends the chord events the engine formed in its last `process` call. Real-time
    /// safe.
    pub fn chords(&mut self, engine: &Engine) {
        if !self.hub.is_listening() {
            return;
        }
        for &e in engine.chord_events() {
            self.tx.send(Telemetry::Chord(e));
        }
    }

    /// Sends the block's tension, voice morph points, the voices' live values of the
    /// per-voice destinations the matrix moves, band energies and samples, after the whole
    /// block is rendered. Real-time safe.
    pub fn block(&mut self, engine: &Engine, left: &[f32], right: &[f32]) {
        let n = left.len().min(right.len());
        self.clock += n as u64;
        if !self.hub.is_listening() {
            return;
        }
        let time_samples = self.clock;
        let target = engine.harmony().tension();
        self.tx.send(Telemetry::Tension {
            time_samples,
            tension: engine.tension(),
            target,
        });
        let mut morph = [[0.0; 3]; TELEMETRY_VOICES];
        let count = engine.voice_morphs(&mut morph);
        self.tx.send(Telemetry::Voices {
            time_samples,
            count: count as u8,
            morph,
        });
        let tx = &mut self.tx;
        send_voice_mods(engine, time_samples, |m| tx.send(m));
        let mut done = 0;
        while done < n {
            let len = (n - done).min(self.mono.len());
            for (m, (l, r)) in self.mono[..len]
                .iter_mut()
                .zip(left[done..done + len].iter().zip(&right[done..done + len]))
            {
                *m = 0.5 * (l + r);
            }
            done += len;
            if self.meter.process_block(&self.mono[..len]) > 0 {
                let mut energies = [0.0; METER_BANDS];
                let scale = 1.0 / METER_FRAME as f64;
                for (e, &v) in energies.iter_mut().zip(self.meter.energies()) {
                    *e = (v * scale) as f32;
                }
                self.tx.send(Telemetry::Bands {
                    time_samples: self.clock - (n - done) as u64,
                    energies,
                    bands: METER_BANDS as u8,
                });
            }
        }
        self.tx.send_audio(&left[..n], &right[..n]);
    }
}
