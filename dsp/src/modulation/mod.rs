//! The modulation matrix: up to [`MAX_SLOTS`] slots, each routing a source (an LFO, an
//! envelope, velocity, a macro, …) through a curve and an optional "via" source to a
//! destination (morph x/y/z, pitch, cutoff, …), plus four macros and a smoothed random LFO.
//!
//! A [`ModMatrix`] is plain `Copy` data inside [`SynthParams`](crate::synth::SynthParams).
//! The engine compiles it into a [`CompiledMatrix`] (dense lists of the active slots, one
//! per evaluation rate) whenever it changes, at the start of a block and without
//! allocating; a voice then evaluates only the active slots:
//!
//! - **per sample** (at the output rate, expanded to the voice's 2× clock): morph x/y/z,
//!   amp level, tension depth, pan and unison spread;
//! - **per control period** ([`CONTROL`](crate::synth::CONTROL) samples of the voice
//!   clock): pitch, fine pitch, cutoff, resonance and unison detune;
//! - **at note start**: each LFO's rate and depth, each envelope's attack, decay and
//!   release. Time-varying sources (LFOs, envelopes, random LFO) read 0 there.
//!
//! A slot adds `amount × curve(source) × via` in the destination's unit, scaled by
//! [`Destination::full_scale`]. See `docs/modulation.md`.

mod random;
mod types;

pub use random::SmoothRandom;
pub use types::{Curve, Destination, ParseModError, Rate, Source, FX_DESTINATIONS};

/// Slots in a matrix.
pub const MAX_SLOTS: usize = 32;
/// Macro knobs.
pub const MACROS: usize = 4;
/// Time constant of the macro smoother, ms: a macro change at sample `k` starts moving
/// the output at `k` and is 63 % there after this long.
pub const MACRO_SMOOTH_MS: f32 = 5.0;

/// One routing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// True when the slot acts.
    pub enabled: bool,
    /// What moves the destination.
    pub source: Source,
    /// A second source that scales the first (its value multiplies the slot), if any.
    pub via: Option<Source>,
    /// What is moved.
    pub destination: Destination,
    /// Bipolar depth, −1..1, of [`Destination::full_scale`].
    pub amount: f32,
    /// The response to the source.
    pub curve: Curve,
}

impl Default for Slot {
    fn default() -> Self {
        Self {
            enabled: false,
            source: Source::Constant,
            via: None,
            destination: Destination::MorphX,
            amount: 0.0,
            curve: Curve::Linear,
        }
    }
}

impl Slot {
    /// An enabled linear slot from `source` to `destination` with `amount` (−1..1).
    pub fn new(source: Source, destination: Destination, amount: f32) -> Self {
        Self {
            enabled: true,
            source,
            via: None,
            destination,
            amount,
            curve: Curve::Linear,
        }
    }

    /// True when the slot moves something (enabled, non-zero amount).
    pub fn is_active(&self) -> bool {
        self.enabled && self.amount != 0.0
    }
}

/// The matrix: slots and the settings of the sources that have any. [`Default`] is the
/// empty matrix; a new patch starts from [`ModMatrix::init`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModMatrix {
    /// The slots; unused ones are disabled.
    pub slots: [Slot; MAX_SLOTS],
    /// The key source's centre, MIDI note (0..127): [`Source::Key`] is 0 there and ±1
    /// five octaves either side.
    pub key_centre: f32,
    /// Rate of the smoothed random LFO ([`Source::RandomLfo`]), Hz (0.01..50).
    pub random_rate_hz: f32,
}

impl Default for ModMatrix {
    fn default() -> Self {
        Self {
            slots: [Slot::default(); MAX_SLOTS],
            key_centre: 60.0,
            random_rate_hz: 1.0,
        }
    }
}

/// The expression routings of a new patch ([`ModMatrix::init`]), in order: pressure →
/// morph y (½), slide → morph y (½: slide's centre leaves y alone) and mod wheel → morph z
/// (½). Before the matrix these were wired into the voice; now they are slots a patch may
/// change or remove.
pub const INIT_SLOTS: [(Source, Destination, f32); 3] = [
    (Source::Pressure, Destination::MorphY, 0.5),
    (Source::Slide, Destination::MorphY, 0.5),
    (Source::ModWheel, Destination::MorphZ, 0.5),
];

impl ModMatrix {
    /// The matrix of a new patch: the expression routings ([`INIT_SLOTS`]) in the first
    /// slots, the rest free.
    pub fn init() -> Self {
        let mut m = Self::default();
        for (slot, (source, destination, amount)) in m.slots.iter_mut().zip(INIT_SLOTS) {
            *slot = Slot::new(source, destination, amount);
        }
        m
    }

    /// A copy with amounts in −1..1, the key centre in 0..127, the random rate in
    /// 0.01..50 Hz and NaNs replaced by defaults (amount 0).
    pub fn sanitized(&self) -> Self {
        let fix = |v: f32, lo: f32, hi: f32, d: f32| if v.is_nan() { d } else { v.clamp(lo, hi) };
        let mut m = *self;
        for s in &mut m.slots {
            s.amount = fix(s.amount, -1.0, 1.0, 0.0);
        }
        m.key_centre = fix(self.key_centre, 0.0, 127.0, 60.0);
        m.random_rate_hz = fix(self.random_rate_hz, 0.01, 50.0, 1.0);
        m
    }

    /// Active slots.
    pub fn active(&self) -> usize {
        self.slots.iter().filter(|s| s.is_active()).count()
    }

    /// Puts `slot` in the first unused place; false when every place is taken.
    pub fn push(&mut self, slot: Slot) -> bool {
        match self
            .slots
            .iter_mut()
            .find(|s| !s.enabled && s.amount == 0.0)
        {
            Some(s) => {
                *s = slot;
                true
            }
            None => false,
        }
    }
}

/// `n` active slots of a typical patch, for the benches and the profiler: LFOs,
/// envelopes, velocity, key, the random LFO and a macro on morph, pitch, cutoff, amp and
/// pan (per-sample and control-rate destinations both), amounts 0.01..0.05, every other
/// slot past the eighth scaled by the mod wheel, curves in turn. At most [`MAX_SLOTS`].
pub fn typical_slots(n: usize) -> ModMatrix {
    use Destination as D;
    use Source as S;
    let kinds = [
        (S::Lfo1, D::MorphX),
        (S::ModEnv, D::MorphZ),
        (S::Velocity, D::MorphY),
        (S::Macro1, D::MorphX),
        (S::Lfo2, D::Cutoff),
        (S::Key, D::Pitch),
        (S::RandomLfo, D::Pan),
        (S::AmpEnv, D::Amp),
    ];
    let mut m = ModMatrix::default();
    for i in 0..n.min(MAX_SLOTS) {
        let (src, dest) = kinds[i % kinds.len()];
        let mut s = Slot::new(src, dest, 0.01 * (1 + i % 5) as f32);
        s.via = (i >= kinds.len() && i % 2 == 0).then_some(S::ModWheel);
        s.curve = Curve::ALL[i % 3];
        m.push(s);
    }
    m
}

/// One active slot, ready to evaluate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Route {
    /// The source.
    pub source: Source,
    /// The scaling source, if any.
    pub via: Option<Source>,
    /// The destination.
    pub destination: Destination,
    /// `amount × full_scale`, in the destination's unit.
    pub depth: f32,
    /// The curve.
    pub curve: Curve,
}

impl Route {
    /// The route's contribution for source value `src` and via value `via` (1 without a
    /// via source), in the destination's unit.
    #[inline]
    pub fn value(&self, src: f32, via: f32) -> f32 {
        self.depth * self.curve.apply(src, self.source.is_bipolar()) * via
    }
}

/// A fixed-capacity list of routes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Routes {
    items: [Route; MAX_SLOTS],
    len: usize,
}

impl Default for Routes {
    fn default() -> Self {
        Self {
            items: [Route {
                source: Source::Constant,
                via: None,
                destination: Destination::MorphX,
                depth: 0.0,
                curve: Curve::Linear,
            }; MAX_SLOTS],
            len: 0,
        }
    }
}

impl Routes {
    /// The routes.
    #[inline]
    pub fn as_slice(&self) -> &[Route] {
        &self.items[..self.len]
    }

    /// True when there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, r: Route) {
        if self.len < MAX_SLOTS {
            self.items[self.len] = r;
            self.len += 1;
        }
    }
}

/// A matrix compiled for evaluation: the active slots, split by evaluation rate, and
/// which sources they read. Compiling never allocates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompiledMatrix {
    /// Routes evaluated every sample, grouped by destination (in slot order within each).
    pub sample: Routes,
    /// `sample[start..end]` for each destination (by [`Destination::index`]): its
    /// per-sample routes.
    pub sample_span: [(u8, u8); Destination::ALL.len()],
    /// Routes evaluated every control period.
    pub control: Routes,
    /// Routes evaluated at note start.
    pub note_start: Routes,
    /// Routes to the effects, evaluated once per engine call.
    pub global: Routes,
    /// Bit `Source::index()` set when an active route reads that source (as source or
    /// via).
    pub uses: u32,
    /// Bit `Destination::index()` set when an active route moves that destination.
    pub moves: u64,
    /// The key centre, MIDI note.
    pub key_centre: f32,
    /// The random LFO's rate, Hz.
    pub random_rate_hz: f32,
}

impl Default for CompiledMatrix {
    fn default() -> Self {
        Self {
            sample: Routes::default(),
            sample_span: [(0, 0); Destination::ALL.len()],
            control: Routes::default(),
            note_start: Routes::default(),
            global: Routes::default(),
            uses: 0,
            moves: 0,
            key_centre: 0.0,
            random_rate_hz: 0.0,
        }
    }
}

impl CompiledMatrix {
    /// Compiles `m` (sanitised first).
    pub fn compile(m: &ModMatrix) -> Self {
        let m = m.sanitized();
        let mut c = Self {
            key_centre: m.key_centre,
            random_rate_hz: m.random_rate_hz,
            ..Self::default()
        };
        for s in m.slots.iter().filter(|s| s.is_active()) {
            let r = Route {
                source: s.source,
                via: s.via,
                destination: s.destination,
                depth: s.amount * s.destination.full_scale(),
                curve: s.curve,
            };
            c.uses |= 1 << s.source.index();
            if let Some(v) = s.via {
                c.uses |= 1 << v.index();
            }
            c.moves |= 1 << s.destination.index();
            match s.destination.rate() {
                Rate::Sample => c.sample.push(r),
                Rate::Control => c.control.push(r),
                Rate::NoteStart => c.note_start.push(r),
                Rate::Global => c.global.push(r),
            }
        }
        // Group the per-sample routes by destination, keeping slot order within each (an
        // insertion sort: stable, in place, no allocation), so a destination reads just
        // its own.
        let routes = &mut c.sample.items[..c.sample.len];
        for i in 1..routes.len() {
            let mut j = i;
            while j > 0 && routes[j - 1].destination.index() > routes[j].destination.index() {
                routes.swap(j - 1, j);
                j -= 1;
            }
        }
        for (i, r) in routes.iter().enumerate() {
            let span = &mut c.sample_span[r.destination.index()];
            if span.1 == 0 {
                span.0 = i as u8;
            }
            span.1 = i as u8 + 1;
        }
        c
    }

    /// The per-sample routes to `d`, in slot order.
    #[inline]
    pub fn sample_routes(&self, d: Destination) -> &[Route] {
        let (start, end) = self.sample_span[d.index()];
        &self.sample.as_slice()[usize::from(start)..usize::from(end)]
    }

    /// True when an active route reads `s`.
    #[inline]
    pub fn uses(&self, s: Source) -> bool {
        self.uses & (1 << s.index()) != 0
    }

    /// True when an active route moves `d`.
    #[inline]
    pub fn moves(&self, d: Destination) -> bool {
        self.moves & (1 << d.index()) != 0
    }
}

/// A source's values over a block: one value throughout, or one per sample.
#[derive(Debug, Clone, Copy)]
pub enum SourceValues<'a> {
    /// The same value for every sample.
    Const(f32),
    /// One value per sample.
    Buf(&'a [f32]),
}

impl SourceValues<'_> {
    /// The value at sample `i`.
    #[inline]
    pub fn at(&self, i: usize) -> f32 {
        match self {
            Self::Const(v) => *v,
            Self::Buf(b) => b[i],
        }
    }
}

/// Adds route `r` into `out` (one value per sample), reading the source and via values
/// from `src` and `via`. Never allocates; the curve is chosen outside the sample loop.
pub fn accumulate(
    out: &mut [f32],
    r: &Route,
    src: SourceValues<'_>,
    via: Option<SourceValues<'_>>,
) {
    let bip = r.source.is_bipolar();
    match src {
        SourceValues::Const(c) => {
            let k = r.depth * r.curve.apply(c, bip);
            match via {
                None => out.iter_mut().for_each(|o| *o += k),
                Some(SourceValues::Const(v)) => {
                    let k = k * v;
                    out.iter_mut().for_each(|o| *o += k);
                }
                Some(SourceValues::Buf(v)) => {
                    for (o, v) in out.iter_mut().zip(v) {
                        *o += k * v;
                    }
                }
            }
        }
        SourceValues::Buf(b) => match r.curve {
            Curve::Linear => add_shaped(out, r.depth, b, via, |x| x),
            Curve::Exponential => add_shaped(out, r.depth, b, via, Curve::exponential),
            Curve::S if bip => add_shaped(out, r.depth, b, via, Curve::s_bipolar),
            Curve::S => add_shaped(out, r.depth, b, via, Curve::s_unipolar),
        },
    }
}

#[inline(always)]
fn add_shaped(
    out: &mut [f32],
    depth: f32,
    src: &[f32],
    via: Option<SourceValues<'_>>,
    f: impl Fn(f32) -> f32,
) {
    match via {
        None => {
            for (o, s) in out.iter_mut().zip(src) {
                *o += depth * f(*s);
            }
        }
        Some(SourceValues::Const(v)) => {
            let k = depth * v;
            for (o, s) in out.iter_mut().zip(src) {
                *o += k * f(*s);
            }
        }
        Some(SourceValues::Buf(v)) => {
            for ((o, s), v) in out.iter_mut().zip(src).zip(v) {
                *o += depth * f(*s) * v;
            }
        }
    }
}

/// A 32-bit hash of `seed` and `n` to 0..1 (per-note random values).
pub fn hash_unit(seed: u32, n: u32) -> f32 {
    let mut x = seed.wrapping_mul(0x9E37_79B9) ^ n.wrapping_mul(0x85EB_CA6B);
    x ^= x >> 16;
    x = x.wrapping_mul(0x7FEB_352D);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846C_A68B);
    x ^= x >> 16;
    (x >> 8) as f32 * (1.0 / 16_777_216.0)
}

#[cfg(test)]
mod tests;
