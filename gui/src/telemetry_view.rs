//! `TelemetryView`: what the editor keeps of the audio thread's telemetry, in fixed-capacity
//! histories that the views draw from.
//!
//! Each frame the editor drains the message ring and reads the pending output samples into
//! it ([`TelemetryView::pull`]). Plotted values are bucketed to one point per
//! [`BUCKET_S`], so the history covers [`HISTORY_S`] whatever the host's block size, and
//! nothing grows after construction.

use egui_plot::PlotPoint;
use wavecube_dsp::harmony::{chord_name, ChordEvent, ChordName};
use wavecube_dsp::modulation::Destination;
use wavecube_dsp::telemetry::{Telemetry, TelemetryRx, METER_BANDS, TELEMETRY_VOICES};

use crate::history::{AudioTail, Sliding};

/// Seconds of tension and band history kept (the plot shows the latest 10).
pub const HISTORY_S: f64 = 12.0;
/// Width of one plotted bucket, seconds: 10 ms, so 1,200 points cover [`HISTORY_S`].
pub const BUCKET_S: f64 = 0.010;
/// Chord events remembered.
pub const CHORD_HISTORY: usize = 64;
/// Phrase boundaries remembered.
pub const BOUNDARY_HISTORY: usize = 32;
/// Output frames kept for the sculpt view and the level meter (the sculpt renderer's window).
pub const AUDIO_TAIL: usize = wavecube_dsp::conv::SCULPT_WINDOW;
/// Floor of the band level scale, dB: a band at or below it plots at 0.
pub const BAND_FLOOR_DB: f32 = -60.0;

/// A chord event as the editor shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChordMark {
    /// The analyzer's event index.
    pub index: u64,
    /// When it arrived, seconds on the telemetry clock.
    pub time_s: f64,
    /// Its name, e.g. "Dm7".
    pub name: ChordName,
    /// Its tension, 0..1.
    pub tension: f32,
    /// Wavelet levels the analyzer used.
    pub levels: u8,
}

/// The editor's telemetry state.
#[derive(Debug)]
pub struct TelemetryView {
    /// Sample rate of the telemetry clock, Hz.
    sample_rate_hz: f32,
    /// Latest time seen, seconds on the telemetry clock.
    now_s: f64,
    /// Smoothed tension (what the morph reads), one point per bucket: `[time_s, 0..1]`.
    tension: Sliding<PlotPoint>,
    /// The tension the smoothing moves toward.
    target: Sliding<PlotPoint>,
    /// Band levels, 0..1 on a [`BAND_FLOOR_DB`]..0 dB scale, approximation band first.
    bands: [Sliding<PlotPoint>; METER_BANDS],
    /// Bands in use (from the latest message).
    bands_in_use: usize,
    /// Chord events, oldest first.
    chords: Sliding<ChordMark>,
    /// Phrase boundaries, seconds on the telemetry clock.
    boundaries: Sliding<f64>,
    /// Morph points of the sounding voices, `[x, y, z]` in 0..1.
    voices: [[f32; 3]; TELEMETRY_VOICES],
    /// Voices in `voices`.
    voice_count: usize,
    /// When the latest `Voices` message was sent, samples on the telemetry clock.
    voices_at: u64,
    /// Per destination (by [`Destination::index`]): when its live values were last sent
    /// (samples), how many voices they list, and each voice's value (the unit of
    /// `Voice::mod_value`). Morph x, y and z are filled from the `Voices` messages.
    voice_mods: [(u64, usize, [f32; TELEMETRY_VOICES]); Destination::ALL.len()],
    /// The latest output frames.
    audio: AudioTail,
    /// Frames read per call of `read_audio`.
    scratch: Vec<[f32; 2]>,
    /// Messages drained so far.
    messages: u64,
    /// The channel's drop count at the last pull.
    dropped: u64,
}

impl TelemetryView {
    /// An empty view for a synth running at `sample_rate_hz`.
    ///
    /// # Allocation
    /// Allocates every history (about 130 KB).
    pub fn new(sample_rate_hz: f32) -> Self {
        let points = (HISTORY_S / BUCKET_S).ceil() as usize;
        Self {
            sample_rate_hz: sanitize_rate(sample_rate_hz),
            now_s: 0.0,
            tension: Sliding::new(points),
            target: Sliding::new(points),
            bands: std::array::from_fn(|_| Sliding::new(points)),
            bands_in_use: 0,
            chords: Sliding::new(CHORD_HISTORY),
            boundaries: Sliding::new(BOUNDARY_HISTORY),
            voices: [[0.0; 3]; TELEMETRY_VOICES],
            voice_count: 0,
            voices_at: 0,
            voice_mods: [(0, 0, [0.0; TELEMETRY_VOICES]); Destination::ALL.len()],
            audio: AudioTail::new(AUDIO_TAIL),
            scratch: vec![[0.0; 2]; 1024],
            messages: 0,
            dropped: 0,
        }
    }

    /// Follows a new sample rate (the clock's unit); the histories are kept.
    pub fn set_sample_rate(&mut self, sample_rate_hz: f32) {
        self.sample_rate_hz = sanitize_rate(sample_rate_hz);
    }

    /// Drains every queued message and output frame from `rx`. Returns the messages taken.
    pub fn pull(&mut self, rx: &mut TelemetryRx) -> usize {
        let n = rx.drain(|m| self.apply(m));
        loop {
            let got = rx.read_audio(&mut self.scratch);
            if got == 0 {
                break;
            }
            self.audio.push(&self.scratch[..got]);
        }
        self.dropped = rx.dropped();
        n
    }

    /// Takes one message.
    pub fn apply(&mut self, msg: Telemetry) {
        self.messages += 1;
        match msg {
            Telemetry::Tension {
                time_samples,
                tension,
                target,
            } => {
                let t = self.seconds(time_samples);
                self.now_s = self.now_s.max(t);
                bucket_push(&mut self.tension, t, tension);
                bucket_push(&mut self.target, t, target);
            }
            Telemetry::Bands {
                time_samples,
                energies,
                bands,
            } => {
                let t = self.seconds(time_samples);
                self.now_s = self.now_s.max(t);
                self.bands_in_use = usize::from(bands).min(METER_BANDS);
                for (history, &e) in self.bands.iter_mut().zip(&energies) {
                    bucket_push(history, t, band_level01(e));
                }
            }
            Telemetry::Voices {
                time_samples,
                count,
                morph,
            } => {
                self.now_s = self.now_s.max(self.seconds(time_samples));
                self.voice_count = usize::from(count).min(TELEMETRY_VOICES);
                self.voices = morph;
                self.voices_at = time_samples;
                let axes = [
                    Destination::MorphX,
                    Destination::MorphY,
                    Destination::MorphZ,
                ];
                for (axis, d) in axes.into_iter().enumerate() {
                    let slot = &mut self.voice_mods[d.index()];
                    slot.0 = time_samples;
                    slot.1 = self.voice_count;
                    for (v, m) in slot.2.iter_mut().zip(&morph) {
                        *v = m[axis];
                    }
                }
            }
            Telemetry::VoiceMods {
                time_samples,
                destination,
                count,
                values,
            } => {
                self.voice_mods[destination.index()] = (
                    time_samples,
                    usize::from(count).min(TELEMETRY_VOICES),
                    values,
                );
            }
            Telemetry::Chord(event) => self.chord(&event),
        }
    }

    fn chord(&mut self, event: &ChordEvent) {
        // NOTE: a chord event carries the analyzer's own clock, which restarts with the
        // engine; it is placed at the telemetry clock's latest time instead.
        let time_s = self.now_s;
        if let Some(at) = event.boundary_at {
            if let Some(mark) = self.chords.as_slice().iter().rev().find(|c| c.index == at) {
                self.boundaries.push(mark.time_s);
            }
        }
        self.chords.push(ChordMark {
            index: event.index,
            time_s,
            name: chord_name(event.set, None),
            tension: event.tension,
            levels: event.levels,
        });
    }

    fn seconds(&self, time_samples: u64) -> f64 {
        time_samples as f64 / f64::from(self.sample_rate_hz)
    }

    /// Latest time seen, seconds on the telemetry clock.
    pub fn now_s(&self) -> f64 {
        self.now_s
    }

    /// Smoothed tension history, `[time_s, 0..1]`, oldest first.
    pub fn tension(&self) -> &[PlotPoint] {
        self.tension.as_slice()
    }

    /// Tension target history.
    pub fn target(&self) -> &[PlotPoint] {
        self.target.as_slice()
    }

    /// The latest smoothed tension, 0..1 (0 before any).
    pub fn latest_tension(&self) -> f32 {
        self.tension.last().map_or(0.0, |p| p.y as f32)
    }

    /// History of band `b`'s level, 0..1 on the [`BAND_FLOOR_DB`] scale.
    pub fn band(&self, b: usize) -> &[PlotPoint] {
        self.bands.get(b).map_or(&[], |h| h.as_slice())
    }

    /// Bands in use.
    pub fn bands_in_use(&self) -> usize {
        self.bands_in_use
    }

    /// Chord events, oldest first.
    pub fn chords(&self) -> &[ChordMark] {
        self.chords.as_slice()
    }

    /// The latest chord event.
    pub fn latest_chord(&self) -> Option<&ChordMark> {
        self.chords.last()
    }

    /// Phrase boundaries, seconds on the telemetry clock, oldest first.
    pub fn boundaries(&self) -> &[f64] {
        self.boundaries.as_slice()
    }

    /// Morph points `[x, y, z]` (0..1) of the sounding voices.
    pub fn voices(&self) -> &[[f32; 3]] {
        &self.voices[..self.voice_count]
    }

    /// Each sounding voice's live value of `destination` (the unit of
    /// `wavecube_dsp::synth::Voice::mod_value`: Hz for the cutoff, 0..1 for resonance and
    /// spread, cents, ms, morph units), in the order of [`TelemetryView::voices`]; empty when
    /// the latest block sent none (no voice sounds, no slot moves it, or the voices keep no
    /// such value).
    pub fn voice_values(&self, destination: Destination) -> &[f32] {
        let (at, count, values) = &self.voice_mods[destination.index()];
        if *at == self.voices_at {
            &values[..*count]
        } else {
            &[]
        }
    }

    /// The latest output frames.
    pub fn audio(&self) -> &AudioTail {
        &self.audio
    }

    /// Messages taken so far.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Messages and audio calls the audio thread dropped because the editor fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

fn sanitize_rate(rate: f32) -> f32 {
    if rate.is_finite() && rate > 0.0 {
        rate
    } else {
        48_000.0
    }
}

/// Appends `[t, y]`, or replaces the last point when it is in the same bucket.
fn bucket_push(history: &mut Sliding<PlotPoint>, t: f64, y: f32) {
    let y = if y.is_finite() { f64::from(y) } else { 0.0 };
    match history.last_mut() {
        Some(last) if (t - last.x).abs() < BUCKET_S => last.y = y,
        _ => history.push(PlotPoint::new(t, y)),
    }
}

/// A band's mean-power share as a 0..1 level: 0 at or below [`BAND_FLOOR_DB`], 1 at 0 dB.
pub fn band_level01(energy: f32) -> f32 {
    let db = 10.0 * energy.max(1e-12).log10();
    if db.is_finite() {
        ((db - BAND_FLOOR_DB) / -BAND_FLOOR_DB).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavecube_dsp::harmony::PcSet;
    use wavecube_dsp::telemetry::telemetry;

    fn chord(index: u64, pcs: &[u8], boundary_at: Option<u64>) -> Telemetry {
        Telemetry::Chord(ChordEvent {
            index,
            time_samples: 0,
            onset_samples: 0,
            set: PcSet::from_pcs(pcs),
            organisation: 0.5,
            magnetism: 1.0,
            velocity: 0.0,
            drift: 0.0,
            key_distance: 0.0,
            detail_energy: 0.0,
            tension: 0.4,
            boundary_at,
            boundary_energy: 0.0,
            window_len: 1,
            levels: 1,
        })
    }

    #[test]
    fn history_is_bucketed_and_bounded() {
        let mut v = TelemetryView::new(48_000.0);
        // 64-sample blocks for 20 s: 15,000 messages, far more than the buckets.
        for k in 1..=15_000u64 {
            v.apply(Telemetry::Tension {
                time_samples: k * 64,
                tension: 0.25,
                target: 0.5,
            });
        }
        let points = (HISTORY_S / BUCKET_S).ceil() as usize;
        assert_eq!(v.tension().len(), points);
        // Buckets start at a message, so with 1.33 ms messages they are 10.7 ms apart.
        let span = v.tension().last().unwrap().x - v.tension()[0].x;
        assert!(
            (HISTORY_S..HISTORY_S * 1.1).contains(&span),
            "history spans {span} s, want {HISTORY_S} s to 10 % more"
        );
        assert!((v.now_s() - 20.0).abs() < 1e-9);
        assert_eq!(v.latest_tension(), 0.25);
    }

    #[test]
    fn chords_are_named_and_boundaries_placed() {
        let mut v = TelemetryView::new(48_000.0);
        let tension = |s: u64| Telemetry::Tension {
            time_samples: s,
            tension: 0.1,
            target: 0.1,
        };
        v.apply(tension(48_000));
        v.apply(chord(0, &[2, 5, 9, 0], None)); // D F A C
        v.apply(tension(96_000));
        v.apply(chord(1, &[7, 11, 2, 5], Some(0))); // G B D F; event 0 was a boundary
        assert_eq!(v.latest_chord().map(|c| c.name.as_str()), Some("G7"));
        assert_eq!(v.chords()[0].name.as_str(), "Dm7");
        assert_eq!(v.boundaries(), &[1.0]);
    }

    #[test]
    fn pull_reads_messages_and_audio() {
        let (mut tx, mut rx) = telemetry(16, 4096);
        tx.send(Telemetry::Voices {
            time_samples: 10,
            count: 2,
            morph: [[0.25, 0.5, 0.75]; TELEMETRY_VOICES],
        });
        tx.send_audio(&[0.5; 3000], &[-0.5; 3000]);
        let mut v = TelemetryView::new(48_000.0);
        assert_eq!(v.pull(&mut rx), 1);
        assert_eq!(v.voices().len(), 2);
        assert_eq!(v.audio().pushed(), 3000);
        assert_eq!(v.audio().left()[AUDIO_TAIL - 1], 0.5);
    }

    #[test]
    fn band_levels_span_the_db_scale() {
        assert_eq!(band_level01(1.0), 1.0);
        assert_eq!(band_level01(0.0), 0.0);
        assert!((band_level01(1e-3) - 0.5).abs() < 1e-6);
    }
}
