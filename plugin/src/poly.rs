//! CLAP polyphonic modulation: the host's per-voice normalised offsets of morph X, Y, Z and
//! filter cutoff, kept per voice id and turned into engine offsets (morph units, octaves).
//!
//! A poly offset is relative to the parameter's *unmodulated* normalised value and overrides
//! monophonic modulation (nice-plug's `NoteEvent::PolyModulation` contract). The engine adds its
//! per-voice offset to the smoothed global value instead, so the engine offset depends on the
//! global value: [`PolyMods::refresh`] re-sends every voice's offset when that value moves
//! (automation, `MonoAutomation`, monophonic modulation).

use nice_plug::prelude::*;
use wavecube_dsp::synth::{NoteEvent, PolyTarget, TimedEvent, MAX_VOICES, STEAL_SLOTS};

use crate::events::EventQueue;
pub use crate::params::poly_mod_id;
use crate::params::WavecubeParams;

/// The poly-modulatable parameters, indexed by their poly-modulation id (the id a parameter
/// declares with `with_poly_modulation_id`, see [`poly_mod_id`]).
pub const POLY_TARGETS: [PolyTarget; 4] = [
    PolyTarget::MorphX,
    PolyTarget::MorphY,
    PolyTarget::MorphZ,
    PolyTarget::Cutoff,
];

/// Voices tracked at once: twice the engine's pool, so a voice whose end the engine could not
/// report only costs a slot until it is evicted as the oldest.
pub const POLY_SLOTS: usize = 2 * (MAX_VOICES + STEAL_SLOTS);

/// The engine offset that puts a voice at `param`'s value moved by `normalized_offset` from its
/// unmodulated normalised value, given that the engine adds it to `param`'s global (modulated)
/// value: morph units for the morph axes, octaves for the cutoff. 0 when not finite.
pub fn engine_offset(target: PolyTarget, param: &FloatParam, normalized_offset: f32) -> f32 {
    let base = param.modulated_plain_value();
    let modulated = param.preview_plain(param.unmodulated_normalized_value() + normalized_offset);
    let offset = match target {
        PolyTarget::Cutoff => (modulated / base).log2(),
        PolyTarget::MorphX | PolyTarget::MorphY | PolyTarget::MorphZ => modulated - base,
    };
    if offset.is_finite() {
        offset
    } else {
        0.0
    }
}

/// The parameter that `target` modulates.
pub fn target_param(params: &WavecubeParams, target: PolyTarget) -> &FloatParam {
    match target {
        PolyTarget::MorphX => &params.morph.x,
        PolyTarget::MorphY => &params.morph.y,
        PolyTarget::MorphZ => &params.morph.z,
        PolyTarget::Cutoff => &params.filter.cutoff_hz,
    }
}

/// One host voice that may carry poly modulation.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The host's voice id; `None` marks a free slot.
    voice_id: Option<i32>,
    /// MIDI note number.
    note: u8,
    /// MIDI channel.
    channel: u8,
    /// Note-on order, for evicting the oldest slot when all are taken.
    age: u64,
    /// The host's normalised offset per target (0 until modulated).
    normalized: [f32; 4],
    /// The engine offset last sent per target (morph units or octaves).
    sent: [f32; 4],
}

impl Slot {
    const FREE: Self = Self {
        voice_id: None,
        note: 0,
        channel: 0,
        age: 0,
        normalized: [0.0; 4],
        sent: [0.0; 4],
    };
}

/// Per-voice poly-modulation state, in fixed storage. Audio thread only; never allocates
/// after [`PolyMods::new`].
#[derive(Debug)]
pub struct PolyMods {
    /// Tracked voices.
    slots: Box<[Slot; POLY_SLOTS]>,
    /// Note-ons seen (slot ages).
    counter: u64,
    /// Each target parameter's (unmodulated normalised, modulated plain) value when the offsets
    /// were last computed; a change means every voice's engine offset is stale.
    seen: [(f32, f32); 4],
}

impl Default for PolyMods {
    fn default() -> Self {
        Self::new()
    }
}

impl PolyMods {
    /// No voices tracked.
    ///
    /// # Allocation
    /// Allocates the slot table once.
    pub fn new() -> Self {
        Self {
            slots: Box::new([Slot::FREE; POLY_SLOTS]),
            counter: 0,
            seen: [(f32::NAN, f32::NAN); 4],
        }
    }

    /// Forgets every voice (after an engine reset).
    pub fn clear(&mut self) {
        self.slots.fill(Slot::FREE);
    }

    /// Voices tracked now.
    pub fn tracked(&self) -> usize {
        self.slots.iter().filter(|s| s.voice_id.is_some()).count()
    }

    /// A note with host voice id `voice_id` started: track it, without offsets (the engine
    /// starts a voice unmodulated). Takes over a slot with the same id, else a free one, else
    /// the oldest.
    pub fn voice_started(&mut self, voice_id: i32, note: u8, channel: u8) {
        self.counter += 1;
        let i = self
            .slots
            .iter()
            .position(|s| s.voice_id == Some(voice_id))
            .or_else(|| self.slots.iter().position(|s| s.voice_id.is_none()))
            .unwrap_or_else(|| {
                (0..POLY_SLOTS)
                    .min_by_key(|&i| self.slots[i].age)
                    .unwrap_or(0)
            });
        self.slots[i] = Slot {
            voice_id: Some(voice_id),
            note,
            channel,
            age: self.counter,
            ..Slot::FREE
        };
    }

    /// The voice with host id `voice_id` ended: stop tracking it.
    pub fn voice_ended(&mut self, voice_id: i32) {
        for s in self.slots.iter_mut() {
            if s.voice_id == Some(voice_id) {
                *s = Slot::FREE;
            }
        }
    }

    /// The host set voice `voice_id`'s offset of the parameter with poly-modulation id
    /// `poly_modulation_id` to `normalized_offset`. Returns the engine event that applies it,
    /// or `None` for an unknown voice or id.
    pub fn modulate(
        &mut self,
        params: &WavecubeParams,
        voice_id: i32,
        poly_modulation_id: u32,
        normalized_offset: f32,
    ) -> Option<NoteEvent> {
        let t = poly_modulation_id as usize;
        let target = *POLY_TARGETS.get(t)?;
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.voice_id == Some(voice_id))?;
        let normalized = if normalized_offset.is_finite() {
            normalized_offset
        } else {
            0.0
        };
        slot.normalized[t] = normalized;
        slot.sent[t] = engine_offset(target, target_param(params, target), normalized);
        Some(NoteEvent::PolyMod {
            note: slot.note,
            channel: slot.channel,
            voice_id: Some(voice_id),
            target,
            offset: slot.sent[t],
        })
    }

    /// Recomputes the engine offsets of every modulated voice whose target parameter moved
    /// since the last call, and queues (at offset 0) an engine event for each offset that
    /// changed. Stops quietly when `queue` is full. Never allocates.
    pub fn refresh(&mut self, params: &WavecubeParams, queue: &mut EventQueue) {
        for (t, &target) in POLY_TARGETS.iter().enumerate() {
            let param = target_param(params, target);
            let now = (
                param.unmodulated_normalized_value(),
                param.modulated_plain_value(),
            );
            if now == self.seen[t] {
                continue;
            }
            self.seen[t] = now;
            for s in self.slots.iter_mut() {
                let Some(voice_id) = s.voice_id else { continue };
                if s.normalized[t] == 0.0 && s.sent[t] == 0.0 {
                    continue;
                }
                let offset = engine_offset(target, param, s.normalized[t]);
                if offset == s.sent[t] {
                    continue;
                }
                let event = TimedEvent {
                    offset: 0,
                    event: NoteEvent::PolyMod {
                        note: s.note,
                        channel: s.channel,
                        voice_id: Some(voice_id),
                        target,
                        offset,
                    },
                };
                if !queue.push(event) {
                    // Retry on the next piece.
                    self.seen[t] = (f32::NAN, f32::NAN);
                    return;
                }
                s.sent[t] = offset;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morph_offsets_are_morph_units_and_clamp_at_the_cube_edge() {
        let params = WavecubeParams::default();
        // Morph X defaults to 0: +0.25 normalised is +0.25 morph units; −0.25 clamps to 0.
        let x = &params.morph.x;
        assert!((engine_offset(PolyTarget::MorphX, x, 0.25) - 0.25).abs() < 1e-6);
        assert_eq!(engine_offset(PolyTarget::MorphX, x, -0.25), 0.0);
        assert!((engine_offset(PolyTarget::MorphX, x, 3.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn cutoff_offsets_are_octaves_of_the_modulated_value() {
        let params = WavecubeParams::default();
        let host = wavecube_gui::testing::RecordingContext::default();
        ParamSetter::new(&host).set_parameter(&params.filter.cutoff_hz, 8_000.0);
        let fc = &params.filter.cutoff_hz;
        // The skewed range round-trips 8 kHz to within float rounding.
        assert!(engine_offset(PolyTarget::Cutoff, fc, 0.0).abs() < 1e-5);
        for off in [-0.5f32, -0.1, 0.05, 0.3] {
            let want_hz = fc.preview_plain(fc.unmodulated_normalized_value() + off);
            let oct = engine_offset(PolyTarget::Cutoff, fc, off);
            let got_hz = fc.value() * oct.exp2();
            assert!(
                (got_hz / want_hz - 1.0).abs() < 1e-4,
                "offset {off}: {got_hz} Hz, want {want_hz} Hz"
            );
        }
        // The range ends bound the shift: 8 kHz → 20 kHz is log2(2.5) octaves.
        let top = engine_offset(PolyTarget::Cutoff, fc, 5.0);
        assert!((top - 2.5f32.log2()).abs() < 1e-4, "{top}");
        assert_eq!(engine_offset(PolyTarget::Cutoff, fc, f32::NAN), 0.0);
    }

    #[test]
    fn ids_index_the_targets() {
        for (i, &t) in POLY_TARGETS.iter().enumerate() {
            assert_eq!(poly_mod_id(t) as usize, i);
        }
    }

    #[test]
    fn only_known_voices_are_modulated_and_ended_voices_forgotten() {
        let params = WavecubeParams::default();
        let mut poly = PolyMods::new();
        assert_eq!(poly.modulate(&params, 7, 0, 0.5), None);
        poly.voice_started(7, 60, 1);
        let ev = poly.modulate(&params, 7, poly_mod_id(PolyTarget::MorphY), 0.5);
        assert_eq!(
            ev,
            Some(NoteEvent::PolyMod {
                note: 60,
                channel: 1,
                voice_id: Some(7),
                target: PolyTarget::MorphY,
                offset: 0.5,
            })
        );
        assert_eq!(poly.modulate(&params, 7, 99, 0.5), None);
        // Unchanged parameters: nothing to re-send after the first look.
        let mut q = EventQueue::with_capacity(16);
        poly.refresh(&params, &mut q);
        q.clear();
        poly.refresh(&params, &mut q);
        assert!(q.as_slice().is_empty());
        poly.voice_ended(7);
        assert_eq!(poly.tracked(), 0);
        assert_eq!(poly.modulate(&params, 7, 0, 0.5), None);
    }

    #[test]
    fn a_full_table_evicts_the_oldest_voice() {
        let mut poly = PolyMods::new();
        for id in 0..POLY_SLOTS as i32 + 1 {
            poly.voice_started(id, 60, 0);
        }
        assert_eq!(poly.tracked(), POLY_SLOTS);
        let params = WavecubeParams::default();
        assert_eq!(poly.modulate(&params, 0, 0, 0.1), None);
        assert!(poly.modulate(&params, POLY_SLOTS as i32, 0, 0.1).is_some());
    }
}
