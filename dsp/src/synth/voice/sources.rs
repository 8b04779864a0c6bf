//! What the matrix reads in one render call: every source's values ([`Sources`]), the
//! per-sample routes summed into a destination, and the control-rate routes evaluated at
//! the call's control points ([`ControlRoutes`]).

use crate::modulation::{
    accumulate, CompiledMatrix, Destination, Route, Source, SourceValues, MACROS, MAX_SLOTS,
};

use super::ChannelMod;

/// Control-rate matrix offsets, by [`Destination`] (see [`CTL_DESTS`]).
pub(super) type Ctl = [f32; 5];

/// The control-rate destinations, in [`Ctl`] order.
pub(super) const CTL_DESTS: [Destination; 5] = [
    Destination::Pitch,
    Destination::FinePitch,
    Destination::Cutoff,
    Destination::Resonance,
    Destination::UnisonDetune,
];

/// Every source's values over one render call.
pub(super) struct Sources<'a> {
    pub(super) lfo: [&'a [f32]; 3],
    pub(super) aenv: SourceValues<'a>,
    pub(super) menv: SourceValues<'a>,
    pub(super) tension: &'a [f32],
    pub(super) rnd: &'a [f32],
    pub(super) macros: [SourceValues<'a>; MACROS],
    pub(super) velocity: f32,
    pub(super) release_velocity: f32,
    pub(super) key: f32,
    pub(super) ch: ChannelMod,
    pub(super) poly_pressure: f32,
    pub(super) slide: f32,
    pub(super) note_random: f32,
}

impl<'a> Sources<'a> {
    pub(super) fn values(&self, s: Source) -> SourceValues<'a> {
        use SourceValues::{Buf, Const};
        match s {
            Source::Lfo1 => Buf(self.lfo[0]),
            Source::Lfo2 => Buf(self.lfo[1]),
            Source::Lfo3 => Buf(self.lfo[2]),
            Source::AmpEnv => self.aenv,
            Source::ModEnv => self.menv,
            Source::Velocity => Const(self.velocity),
            Source::ReleaseVelocity => Const(self.release_velocity),
            Source::Key => Const(self.key),
            Source::ModWheel => Const(self.ch.wheel),
            Source::PitchBend => Const(self.ch.bend),
            Source::ChannelPressure => Const(self.ch.pressure),
            Source::PolyPressure => Const(self.poly_pressure),
            Source::Pressure => Const(self.ch.pressure.max(self.poly_pressure)),
            Source::Slide => Const(self.slide),
            Source::Tension => Buf(self.tension),
            Source::NoteRandom => Const(self.note_random),
            Source::RandomLfo => Buf(self.rnd),
            Source::Macro1 => self.macros[0],
            Source::Macro2 => self.macros[1],
            Source::Macro3 => self.macros[2],
            Source::Macro4 => self.macros[3],
            Source::Constant => Const(1.0),
        }
    }

    /// True when `s` can move within the call (its values are a buffer: LFOs, envelopes,
    /// tension, the random LFO, the smoothed macros); the rest hold still between events.
    pub(super) fn varies(&self, s: Source) -> bool {
        matches!(self.values(s), SourceValues::Buf(_))
    }

    /// Adds every per-sample route to `dest` into `out`, in one pass over the routes:
    /// those whose source and via hold still for the call are summed into one value,
    /// added at the end in one pass; the moving ones are added as they come.
    pub(super) fn add(&self, m: &CompiledMatrix, dest: Destination, out: &mut [f32]) {
        let (mut held, mut any) = (0.0, false);
        for r in m.sample_routes(dest) {
            let (src, via) = (self.values(r.source), r.via.map(|v| self.values(v)));
            match (src, via) {
                (SourceValues::Const(c), None | Some(SourceValues::Const(_))) => {
                    held += r.value(c, via.map_or(1.0, |v| v.at(0)));
                    any = true;
                }
                _ => accumulate(out, r, src, via),
            }
        }
        if any {
            out.iter_mut().for_each(|o| *o += held);
        }
    }

    /// The control-rate routes of `m` ready for [`ControlRoutes::at`]: those whose
    /// destination is heard (cutoff and resonance only while the filter is on), with the
    /// value of each whose source and via hold still computed once.
    pub(super) fn control_routes(&self, m: &CompiledMatrix, filter_on: bool) -> ControlRoutes {
        let mut c = ControlRoutes {
            routes: [ControlRoute::default(); MAX_SLOTS],
            len: 0,
        };
        for (i, r) in m.control.as_slice().iter().enumerate() {
            let heard =
                filter_on || !matches!(r.destination, Destination::Cutoff | Destination::Resonance);
            let Some(dest) = CTL_DESTS.iter().position(|&d| d == r.destination) else {
                continue;
            };
            if !heard {
                continue;
            }
            let still = !self.varies(r.source) && !r.via.is_some_and(|v| self.varies(v));
            c.routes[c.len] = ControlRoute {
                dest: dest as u8,
                route: i as u8,
                value: still.then(|| self.route_at(r, 0)),
            };
            c.len += 1;
        }
        c
    }

    /// Route `r`'s value at output sample `i`.
    #[inline]
    pub(super) fn route_at(&self, r: &Route, i: usize) -> f32 {
        let via = r.via.map_or(1.0, |v| self.values(v).at(i));
        r.value(self.values(r.source).at(i), via)
    }
}

/// One heard control-rate route of a render call.
#[derive(Clone, Copy, Default)]
pub(super) struct ControlRoute {
    /// Index in [`Ctl`] of the destination.
    dest: u8,
    /// Index of the route in the matrix's control-rate routes.
    route: u8,
    /// The value, when source and via hold still for the call.
    value: Option<f32>,
}

/// The heard control-rate routes of one render call, in the matrix's order.
pub(super) struct ControlRoutes {
    routes: [ControlRoute; MAX_SLOTS],
    len: usize,
}

impl ControlRoutes {
    /// The control-rate offsets at output sample `i`, summed in the matrix's order.
    pub(super) fn at(&self, src: &Sources<'_>, m: &CompiledMatrix, i: usize) -> Ctl {
        let mut c = [0.0; 5];
        for r in &self.routes[..self.len] {
            c[usize::from(r.dest)] += r
                .value
                .unwrap_or_else(|| src.route_at(&m.control.as_slice()[usize::from(r.route)], i));
        }
        c
    }
}

/// An envelope's values for the matrix: a constant when it held one level for the call
/// (`still`: sustain), else per sample.
pub(super) fn envelope(still: bool, v: &[f32]) -> SourceValues<'_> {
    match (still, v.first()) {
        (true, Some(&level)) => SourceValues::Const(level),
        _ => SourceValues::Buf(v),
    }
}

/// The key source for `note`: −1..1 over ±60 semitones around `centre`.
pub(super) fn key_source(note: u8, centre: f32) -> f32 {
    ((f32::from(note) - centre) / 60.0).clamp(-1.0, 1.0)
}
