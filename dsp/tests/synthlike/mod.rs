//! A synth-like test signal for the codec tests: band-limited saw notes with a decaying
//! envelope, a new note every half second, different on each channel. Every sample is a
//! pure function of its frame index, so a test can regenerate any stretch it pushed.

#![allow(dead_code)] // each test file uses part of it

/// Harmonics in the saw table (the highest note, 440 Hz, then reaches 7 kHz).
const HARMONICS: usize = 16;
/// Table length, samples.
const TABLE: usize = 4096;

/// The signal generator.
pub struct SynthLike {
    sample_rate_hz: f64,
    table: Vec<f32>,
}

impl SynthLike {
    /// A generator at `sample_rate_hz`.
    pub fn new(sample_rate_hz: f64) -> Self {
        let table = (0..=TABLE)
            .map(|i| {
                let phase = 2.0 * std::f64::consts::PI * i as f64 / TABLE as f64;
                let saw: f64 = (1..=HARMONICS)
                    .map(|h| (h as f64 * phase).sin() / h as f64)
                    .sum();
                (0.5 * saw) as f32
            })
            .collect();
        Self {
            sample_rate_hz,
            table,
        }
    }

    /// Sample `frame` of channel `channel`.
    pub fn sample(&self, frame: u64, channel: usize) -> f32 {
        let note_len = (self.sample_rate_hz / 2.0) as u64;
        let note = frame / note_len;
        let age = (frame % note_len) as f64 / self.sample_rate_hz;
        // A small hash picks the note: semitones 0..24 above A2 (110 Hz).
        let h = (note ^ (channel as u64 * 0x9e37)).wrapping_mul(0x2545_f491_4f6c_dd1d) >> 59;
        let f0 = 110.0 * 2f64.powf((h % 25) as f64 / 12.0);
        let phase = (frame as f64 * f0 / self.sample_rate_hz).fract() * TABLE as f64;
        let i = phase as usize;
        let t = (phase - i as f64) as f32;
        let saw = self.table[i] + t * (self.table[i + 1] - self.table[i]);
        let env = (0.6 * (-3.0 * age).exp() + 0.1) as f32;
        env * saw
    }

    /// Frames `start..start + len` of `channel`.
    pub fn channel(&self, channel: usize, start: u64, len: usize) -> Vec<f32> {
        (0..len as u64)
            .map(|i| self.sample(start + i, channel))
            .collect()
    }

    /// Fills `out` (one slice per channel, equal lengths) with frames from `start`.
    pub fn fill(&self, start: u64, out: &mut [&mut [f32]]) {
        for (c, ch) in out.iter_mut().enumerate() {
            for (i, x) in ch.iter_mut().enumerate() {
                *x = self.sample(start + i as u64, c);
            }
        }
    }
}

/// SQNR of `test` against `reference`, dB.
pub fn sqnr_db(reference: &[f32], test: &[f32]) -> f64 {
    assert_eq!(reference.len(), test.len());
    let (mut s, mut e) = (0.0_f64, 0.0_f64);
    for (&a, &b) in reference.iter().zip(test) {
        s += f64::from(a) * f64::from(a);
        e += f64::from(a - b) * f64::from(a - b);
    }
    10.0 * (s / e).log10()
}
