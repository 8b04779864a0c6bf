//! The matrix's vocabulary: sources, destinations, curves, with their names and units.

/// A name that is not a source, destination or curve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{name}` (known: {known})")]
pub struct ParseModError {
    /// "source", "destination" or "curve".
    pub kind: &'static str,
    /// The name given.
    pub name: String,
    /// The names accepted, comma-separated.
    pub known: String,
}

fn parse<T: Copy>(
    kind: &'static str,
    all: &[T],
    name_of: fn(T) -> &'static str,
    s: &str,
) -> Result<T, ParseModError> {
    all.iter()
        .copied()
        .find(|&v| name_of(v) == s)
        .ok_or_else(|| ParseModError {
            kind,
            name: s.to_owned(),
            known: all
                .iter()
                .map(|&v| name_of(v))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// What moves a destination. Unipolar sources run 0..1, bipolar ones −1..1
/// ([`Source::is_bipolar`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// LFO 1, −1..1.
    Lfo1,
    /// LFO 2, −1..1.
    Lfo2,
    /// LFO 3, −1..1.
    Lfo3,
    /// The amplitude envelope, 0..1.
    AmpEnv,
    /// Envelope 2, the modulation envelope, 0..1.
    ModEnv,
    /// Strike velocity, 0..1.
    Velocity,
    /// Release velocity (MPE "lift": the note-off velocity), 0..1: 0 while the key is down,
    /// then the velocity the key was released with (sustain pedal or not). A note-off without
    /// one counts as MIDI's default 64/127
    /// ([`DEFAULT_RELEASE_VELOCITY`](crate::synth::DEFAULT_RELEASE_VELOCITY)).
    ReleaseVelocity,
    /// The note relative to the matrix's key centre, −1..1 over ±60 semitones (glides
    /// with the pitch; bend not included).
    Key,
    /// Mod wheel (CC1) of the note's channel, 0..1.
    ModWheel,
    /// Pitch bend of the note's channel, −1..1.
    PitchBend,
    /// Channel pressure of the note's channel, 0..1.
    ChannelPressure,
    /// Polyphonic pressure of the note (poly aftertouch, MPE pressure, CLAP/VST3 pressure
    /// expression), 0..1.
    PolyPressure,
    /// Pressure as most controllers mean it: the larger of the note's polyphonic pressure
    /// and its channel's pressure, 0..1 (an MPE controller sends one, a keyboard the other).
    Pressure,
    /// MPE slide: the note's brightness expression (CC74 in MPE hosts), −1..1 with the
    /// controller's centre (CC74 = 64, expression 0.5) at 0; 0 until the note receives one.
    Slide,
    /// Harmonic tension of the chords held, 0..1, smoothed.
    Tension,
    /// A random value per note, 0..1, fixed at note start.
    NoteRandom,
    /// A smoothed random LFO per voice, −1..1, at the matrix's random rate.
    RandomLfo,
    /// Macro 1, 0..1.
    Macro1,
    /// Macro 2, 0..1.
    Macro2,
    /// Macro 3, 0..1.
    Macro3,
    /// Macro 4, 0..1.
    Macro4,
    /// Always 1.
    Constant,
}

impl Source {
    /// Every source, in index order.
    pub const ALL: [Self; 22] = [
        Self::Lfo1,
        Self::Lfo2,
        Self::Lfo3,
        Self::AmpEnv,
        Self::ModEnv,
        Self::Velocity,
        Self::ReleaseVelocity,
        Self::Key,
        Self::ModWheel,
        Self::PitchBend,
        Self::ChannelPressure,
        Self::PolyPressure,
        Self::Pressure,
        Self::Slide,
        Self::Tension,
        Self::NoteRandom,
        Self::RandomLfo,
        Self::Macro1,
        Self::Macro2,
        Self::Macro3,
        Self::Macro4,
        Self::Constant,
    ];

    /// The three LFOs, LFO 1 first.
    pub const LFOS: [Self; 3] = [Self::Lfo1, Self::Lfo2, Self::Lfo3];

    /// Position in [`Source::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name in patches and on the command line (`lfo1`, `velocity`, `macro2`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Lfo1 => "lfo1",
            Self::Lfo2 => "lfo2",
            Self::Lfo3 => "lfo3",
            Self::AmpEnv => "amp_env",
            Self::ModEnv => "mod_env",
            Self::Velocity => "velocity",
            Self::ReleaseVelocity => "release_velocity",
            Self::Key => "key",
            Self::ModWheel => "mod_wheel",
            Self::PitchBend => "pitch_bend",
            Self::ChannelPressure => "channel_pressure",
            Self::PolyPressure => "poly_pressure",
            Self::Pressure => "pressure",
            Self::Slide => "slide",
            Self::Tension => "tension",
            Self::NoteRandom => "note_random",
            Self::RandomLfo => "random_lfo",
            Self::Macro1 => "macro1",
            Self::Macro2 => "macro2",
            Self::Macro3 => "macro3",
            Self::Macro4 => "macro4",
            Self::Constant => "constant",
        }
    }

    /// The source named `s` (see [`Source::name`]). `lift`, MPE's name for the note-off
    /// velocity, is accepted for [`Source::ReleaseVelocity`] (and written back as
    /// `release_velocity`).
    ///
    /// # Errors
    /// [`ParseModError`] listing the known names.
    pub fn parse(s: &str) -> Result<Self, ParseModError> {
        if s == "lift" {
            return Ok(Self::ReleaseVelocity);
        }
        parse("source", &Self::ALL, Self::name, s)
    }

    /// True for sources that run −1..1 (LFOs, key, bend, slide, random LFO); the rest run
    /// 0..1.
    pub fn is_bipolar(self) -> bool {
        matches!(
            self,
            Self::Lfo1
                | Self::Lfo2
                | Self::Lfo3
                | Self::Key
                | Self::PitchBend
                | Self::Slide
                | Self::RandomLfo
        )
    }

    /// The macro index (0..4) of a macro source.
    pub fn macro_index(self) -> Option<usize> {
        match self {
            Self::Macro1 => Some(0),
            Self::Macro2 => Some(1),
            Self::Macro3 => Some(2),
            Self::Macro4 => Some(3),
            _ => None,
        }
    }
}

/// When a destination's modulation is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// Every sample of the voice.
    Sample,
    /// Every control period of the voice clock.
    Control,
    /// Once, when the note starts (or retriggers).
    NoteStart,
    /// Once per engine call, for the effects after the voice sum (one value for all voices:
    /// per-voice sources read the newest sounding voice).
    Global,
}

/// How many effect destinations there are ([`Destination::FX`]).
pub const FX_DESTINATIONS: usize = 15;

/// What a slot moves. Each has a unit and a full scale ([`Destination::full_scale`]): a
/// slot of amount 1 and source value 1 moves it by that much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Destination {
    /// Morph x, morph units (full scale 1: the whole cube).
    MorphX,
    /// Morph y, morph units (full scale 1).
    MorphY,
    /// Morph z, morph units (full scale 1).
    MorphZ,
    /// Pitch, semitones (full scale 24).
    Pitch,
    /// Fine pitch, semitones (full scale 1 = 100 cents).
    FinePitch,
    /// Filter cutoff, octaves (full scale 8).
    Cutoff,
    /// Filter resonance, 0..1 units added (full scale 1).
    Resonance,
    /// Amp level: the voice gain is multiplied by `1 + m`, held to 0..2 (full scale 1).
    Amp,
    /// Pan, added to each unison oscillator's position −1 (left)..1 (right) (full scale 1).
    Pan,
    /// Unison detune, cents added (full scale 100), held to 0..100.
    UnisonDetune,
    /// Unison stereo spread, added (full scale 1), held to 0..1.
    UnisonSpread,
    /// LFO 1 rate: multiplied by `2^m`, octaves (full scale 4).
    Lfo1Rate,
    /// LFO 2 rate, octaves (full scale 4).
    Lfo2Rate,
    /// LFO 3 rate, octaves (full scale 4).
    Lfo3Rate,
    /// LFO 1 depth: its output is multiplied by `1 + m`, held to 0..2 (full scale 1).
    Lfo1Depth,
    /// LFO 2 depth (full scale 1).
    Lfo2Depth,
    /// LFO 3 depth (full scale 1).
    Lfo3Depth,
    /// Amp envelope attack: multiplied by `2^m`, octaves (full scale 4).
    AmpAttack,
    /// Amp envelope decay, octaves (full scale 4).
    AmpDecay,
    /// Amp envelope release, octaves (full scale 4).
    AmpRelease,
    /// Envelope 2 attack, octaves (full scale 4).
    ModAttack,
    /// Envelope 2 decay, octaves (full scale 4).
    ModDecay,
    /// Envelope 2 release, octaves (full scale 4).
    ModRelease,
    /// Tension depth: the tension source, as every per-voice slot reads it, is multiplied
    /// by `1 + m`, held to 0..2 (full scale 1).
    TensionDepth,
    /// The codec slot's mix in the effects rack, added (full scale 1).
    FxCodecMix,
    /// The body slot's mix, added (full scale 1).
    FxBodyMix,
    /// The distortion's mix, added (full scale 1).
    FxDistortionMix,
    /// The distortion's drive, dB added (full scale 30).
    FxDistortionDrive,
    /// The chorus's mix, added (full scale 1).
    FxChorusMix,
    /// The chorus's depth, ms added (full scale 10).
    FxChorusDepth,
    /// The phaser's mix, added (full scale 1).
    FxPhaserMix,
    /// The phaser's centre frequency: multiplied by `2^m`, octaves (full scale 4).
    FxPhaserCentre,
    /// The delay's mix, added (full scale 1).
    FxDelayMix,
    /// The delay's feedback, added (full scale 1).
    FxDelayFeedback,
    /// The reverb's mix, added (full scale 1).
    FxReverbMix,
    /// The reverb's size, added (full scale 1).
    FxReverbSize,
    /// The EQ's mix, added (full scale 1).
    FxEqMix,
    /// The compressor's mix, added (full scale 1).
    FxCompressorMix,
    /// The codec stage's bits per sample, bits added to the stage's own setting (full scale
    /// 6: the codec's whole range, 2..8, so a unipolar source at amount ±1 sweeps it end to
    /// end). The sum is rounded to whole bits and held to the codec's range
    /// ([`crate::codec::tqa::modulated_bits`]).
    FxCodecBits,
}

impl Destination {
    /// Every destination, in index order.
    pub const ALL: [Self; 39] = [
        Self::MorphX,
        Self::MorphY,
        Self::MorphZ,
        Self::Pitch,
        Self::FinePitch,
        Self::Cutoff,
        Self::Resonance,
        Self::Amp,
        Self::Pan,
        Self::UnisonDetune,
        Self::UnisonSpread,
        Self::Lfo1Rate,
        Self::Lfo2Rate,
        Self::Lfo3Rate,
        Self::Lfo1Depth,
        Self::Lfo2Depth,
        Self::Lfo3Depth,
        Self::AmpAttack,
        Self::AmpDecay,
        Self::AmpRelease,
        Self::ModAttack,
        Self::ModDecay,
        Self::ModRelease,
        Self::TensionDepth,
        Self::FxCodecMix,
        Self::FxBodyMix,
        Self::FxDistortionMix,
        Self::FxDistortionDrive,
        Self::FxChorusMix,
        Self::FxChorusDepth,
        Self::FxPhaserMix,
        Self::FxPhaserCentre,
        Self::FxDelayMix,
        Self::FxDelayFeedback,
        Self::FxReverbMix,
        Self::FxReverbSize,
        Self::FxEqMix,
        Self::FxCompressorMix,
        Self::FxCodecBits,
    ];

    /// The effect destinations, the tail of [`Destination::ALL`]: evaluated once per engine call
    /// ([`Rate::Global`]) and applied to the effects rack ([`crate::fx::rack::modulated`]).
    pub const FX: [Self; FX_DESTINATIONS] = {
        // The last FX_DESTINATIONS entries of ALL (a test checks they are the `fx_` ones).
        let first = Self::ALL.len() - FX_DESTINATIONS;
        let mut out = [Self::FxCodecMix; FX_DESTINATIONS];
        let mut i = 0;
        while i < FX_DESTINATIONS {
            out[i] = Self::ALL[first + i];
            i += 1;
        }
        out
    };

    /// The morph axes x, y, z.
    pub const MORPH: [Self; 3] = [Self::MorphX, Self::MorphY, Self::MorphZ];

    /// Position in [`Destination::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Position in [`Destination::FX`], for an effect destination.
    pub fn fx_index(self) -> Option<usize> {
        let first = Self::FX[0].index();
        let i = self.index().checked_sub(first)?;
        (i < FX_DESTINATIONS).then_some(i)
    }

    /// The name in patches and on the command line (`morph_x`, `cutoff`, `lfo2_rate`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::MorphX => "morph_x",
            Self::MorphY => "morph_y",
            Self::MorphZ => "morph_z",
            Self::Pitch => "pitch",
            Self::FinePitch => "fine_pitch",
            Self::Cutoff => "cutoff",
            Self::Resonance => "resonance",
            Self::Amp => "amp",
            Self::Pan => "pan",
            Self::UnisonDetune => "unison_detune",
            Self::UnisonSpread => "unison_spread",
            Self::Lfo1Rate => "lfo1_rate",
            Self::Lfo2Rate => "lfo2_rate",
            Self::Lfo3Rate => "lfo3_rate",
            Self::Lfo1Depth => "lfo1_depth",
            Self::Lfo2Depth => "lfo2_depth",
            Self::Lfo3Depth => "lfo3_depth",
            Self::AmpAttack => "amp_attack",
            Self::AmpDecay => "amp_decay",
            Self::AmpRelease => "amp_release",
            Self::ModAttack => "mod_attack",
            Self::ModDecay => "mod_decay",
            Self::ModRelease => "mod_release",
            Self::TensionDepth => "tension_depth",
            Self::FxCodecMix => "fx_codec_mix",
            Self::FxBodyMix => "fx_body_mix",
            Self::FxDistortionMix => "fx_distortion_mix",
            Self::FxDistortionDrive => "fx_distortion_drive",
            Self::FxChorusMix => "fx_chorus_mix",
            Self::FxChorusDepth => "fx_chorus_depth",
            Self::FxPhaserMix => "fx_phaser_mix",
            Self::FxPhaserCentre => "fx_phaser_centre",
            Self::FxDelayMix => "fx_delay_mix",
            Self::FxDelayFeedback => "fx_delay_feedback",
            Self::FxReverbMix => "fx_reverb_mix",
            Self::FxReverbSize => "fx_reverb_size",
            Self::FxEqMix => "fx_eq_mix",
            Self::FxCompressorMix => "fx_compressor_mix",
            Self::FxCodecBits => "fx_codec_bits",
        }
    }

    /// The destination named `s` (see [`Destination::name`]).
    ///
    /// # Errors
    /// [`ParseModError`] listing the known names.
    pub fn parse(s: &str) -> Result<Self, ParseModError> {
        parse("destination", &Self::ALL, Self::name, s)
    }

    /// The move of a slot with amount 1 and source value 1, in the destination's unit
    /// (see each variant).
    pub fn full_scale(self) -> f32 {
        match self {
            Self::Pitch => 24.0,
            Self::Cutoff => 8.0,
            Self::UnisonDetune => 100.0,
            Self::Lfo1Rate
            | Self::Lfo2Rate
            | Self::Lfo3Rate
            | Self::AmpAttack
            | Self::AmpDecay
            | Self::AmpRelease
            | Self::ModAttack
            | Self::ModDecay
            | Self::ModRelease
            | Self::FxPhaserCentre => 4.0,
            Self::FxDistortionDrive => 30.0,
            Self::FxChorusDepth => 10.0,
            Self::FxCodecBits => 6.0,
            _ => 1.0,
        }
    }

    /// The slot amount (−1..1 for depths within full scale) that moves the destination by
    /// `depth` in its unit: `depth / full_scale`, nudged by up to four ulps when that
    /// makes `amount × full_scale` land exactly on `depth` (then the engine adds exactly
    /// `depth`, as the fixed routings of patch version 3 did).
    pub fn amount_for(self, depth: f32) -> f32 {
        let scale = self.full_scale();
        let a = depth / scale;
        if a * scale == depth || !a.is_finite() || a == 0.0 {
            return a;
        }
        // Neighbouring floats of `a`, nearest first (a is finite and non-zero, so the bit
        // patterns a few steps away are floats of the same sign).
        let bits = a.to_bits();
        (1..=4u32)
            .flat_map(|k| [f32::from_bits(bits + k), f32::from_bits(bits - k)])
            .find(|c| c * scale == depth)
            .unwrap_or(a)
    }

    /// The unit of [`Destination::full_scale`], for listings.
    pub fn unit(self) -> &'static str {
        match self {
            Self::MorphX | Self::MorphY | Self::MorphZ => "morph units",
            Self::Pitch | Self::FinePitch => "semitones",
            Self::Cutoff => "octaves",
            Self::UnisonDetune => "cents",
            Self::Lfo1Rate
            | Self::Lfo2Rate
            | Self::Lfo3Rate
            | Self::AmpAttack
            | Self::AmpDecay
            | Self::AmpRelease
            | Self::ModAttack
            | Self::ModDecay
            | Self::ModRelease => "octaves of time",
            Self::FxPhaserCentre => "octaves",
            Self::FxDistortionDrive => "dB",
            Self::FxChorusDepth => "ms",
            Self::FxCodecBits => "bits",
            _ => "units",
        }
    }

    /// When it is evaluated.
    pub fn rate(self) -> Rate {
        match self {
            Self::MorphX
            | Self::MorphY
            | Self::MorphZ
            | Self::Amp
            | Self::TensionDepth
            | Self::Pan
            | Self::UnisonSpread => Rate::Sample,
            Self::Pitch | Self::FinePitch | Self::Cutoff | Self::Resonance | Self::UnisonDetune => {
                Rate::Control
            }
            d if d.fx_index().is_some() => Rate::Global,
            _ => Rate::NoteStart,
        }
    }
}

/// The response of a slot to its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Curve {
    /// The source as it is.
    #[default]
    Linear,
    /// `v·|v|`: gentle near 0, full at the ends (sign kept).
    Exponential,
    /// Smoothstep: `3u² − 2u³` for unipolar sources, `v(3 − v²)/2` for bipolar ones.
    S,
}

impl Curve {
    /// Every curve.
    pub const ALL: [Self; 3] = [Self::Linear, Self::Exponential, Self::S];

    /// The name in patches and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Exponential => "exponential",
            Self::S => "s",
        }
    }

    /// The curve named `s`.
    ///
    /// # Errors
    /// [`ParseModError`] listing the known names.
    pub fn parse(s: &str) -> Result<Self, ParseModError> {
        parse("curve", &Self::ALL, Self::name, s)
    }

    /// `v` through the curve; `bipolar` says whether `v` runs −1..1 or 0..1. Each curve
    /// maps 0 to 0 and the range's ends to themselves.
    #[inline]
    pub fn apply(self, v: f32, bipolar: bool) -> f32 {
        match self {
            Self::Linear => v,
            Self::Exponential => Self::exponential(v),
            Self::S if bipolar => Self::s_bipolar(v),
            Self::S => Self::s_unipolar(v),
        }
    }

    #[inline(always)]
    pub(crate) fn exponential(v: f32) -> f32 {
        v * v.abs()
    }

    #[inline(always)]
    pub(crate) fn s_bipolar(v: f32) -> f32 {
        0.5 * v * (3.0 - v * v)
    }

    #[inline(always)]
    pub(crate) fn s_unipolar(v: f32) -> f32 {
        v * v * (3.0 - 2.0 * v)
    }
}

/// Serialises and deserialises each name enum as its name (patch files).
macro_rules! serde_by_name {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Name;
                impl serde::de::Visitor<'_> for Name {
                    type Value = $t;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a name")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$t, E> {
                        <$t>::parse(v).map_err(E::custom)
                    }
                }
                d.deserialize_str(Name)
            }
        }
    };
}

serde_by_name!(Source);
serde_by_name!(Destination);
serde_by_name!(Curve);
