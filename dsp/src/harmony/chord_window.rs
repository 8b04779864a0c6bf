//! [`ChordWindow`]: the last N chord events, their OPTIC-K features, the four derived
//! signals, their wavelet decomposition, the detail energy, tension and phrase
//! boundaries. One [`push`](ChordWindow::push) per chord event; no allocation after
//! [`new`](ChordWindow::new).
//!
//! # Per event (chord `t`, unit spectrum Ŝ_t, see [`PcSpectrum`])
//!
//! - organisation `1 − H`, magnetism |F₅|;
//! - velocity `θ(Ŝ_t, Ŝ_{t−1})` (0 for the first event after a reset; in the velocity
//!   signal the first event takes the second event's value, and likewise for drift,
//!   so the start of a session is not a false step);
//! - barycenter `B_t` = mean of the Ŝ in the window *including* event t, renormalised;
//! - drift `θ(B_t, B_{t−1})`: how far the window's tonal centre moved (0 at first);
//! - key distance `θ(Ŝ_t, B_t)`.
//!
//! # Signals and detail energy
//!
//! Four signals, each mapped to 0..=1 so their wavelet energies are comparable:
//! entropy `H`, velocity/π, drift/π and magnetism/[`MAX_MAGNETISM`]. Over the `T`
//! events in the window (oldest first), each is mirrored (`x` then `x` reversed, so the
//! newest event does not wrap onto the oldest) and decomposed in periodization mode:
//! [`AnalysisMode::Interactive`] uses db4 with `adaptive_levels(T)` levels,
//! [`AnalysisMode::Live`] Haar with `min(adaptive_levels(T), 2)`. For each time `t`
//! the coefficient of level `j` covering it is index `t >> j`, and
//!
//! `DE[t] = Σ_signals Σ_j d_j[t >> j]² / 2^j`
//!
//! (the `2^-j` spreads a coefficient's energy over the `2^j` events it covers, so
//! `Σ_t DE[t]` is the total detail energy). It is window-normalised:
//! `DEn[t] = DE[t] / max(max_t' DE[t'], floor)` with the mode's floor
//! ([`DETAIL_FLOOR`], [`DETAIL_FLOOR_LIVE`]); the floor keeps a window with little
//! motion from showing it as full-scale detail.
//!
//! # Phrase boundaries
//!
//! Event `t` is a boundary when `DEn[t] > BOUNDARY_THRESHOLD` (0.7) and it is a peak:
//! `DEn[t] > DEn[t−1]` and `DEn[t] ≥ DEn[t+1]` (the first sample of a plateau). The
//! right neighbour is needed, so a peak is known one event later: the push of event
//! `t + 1` reports it, with `DEn` as computed in that window. Event 0 of a window has
//! no left neighbour and is never a boundary.

use super::spectrum::{theta, PcSpectrum, MAX_MAGNETISM};
use super::tension::{TensionTerms, TensionWeights};
use super::PcSet;
use crate::wavelet::{adaptive_levels, WavedecPlan, Wavelet};
use core::f64::consts::{FRAC_PI_2, PI};

/// Most events a window holds; [`ChordWindow::new`] clamps its capacity to 2..=this.
pub const MAX_WINDOW: usize = 64;
/// Default window length, events.
pub const DEFAULT_WINDOW: usize = 32;
/// Most wavelet levels either mode uses.
pub const MAX_LEVELS: usize = 3;
/// Number of derived signals (see [`Signal`]).
pub const SIGNALS: usize = 4;
/// Window-normalised detail energy above which a peak is a phrase boundary.
pub const BOUNDARY_THRESHOLD: f64 = 0.7;
/// Smallest denominator of the detail-energy normalisation in
/// [`AnalysisMode::Interactive`] (units of `DE`: signal units², the signals being in
/// 0..=1). A window whose largest `DE` is below it is scaled by it instead, so a quiet
/// window (a plain four-chord loop peaks near 0.025) never shows full-scale detail or
/// boundaries. 0.05 is the `DE` of a Haar step of 0.45 in one signal at level 1
/// (`(0.45/√2)²/2`); the shipped corpus's atonal progressions exceed it in 1 event in
/// 4. See `docs/harmony.md`.
pub const DETAIL_FLOOR: f64 = 0.05;
/// [`DETAIL_FLOOR`] for [`AnalysisMode::Live`], whose Haar, ≤ 2-level `DE` runs about
/// 0.6 times the interactive one on the corpus.
pub const DETAIL_FLOOR_LIVE: f64 = 0.03;

/// The derived per-event signals that are wavelet-decomposed, in storage order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Normalised spectral entropy H = 1 − organisation, 0..=1.
    Entropy,
    /// Velocity θ to the previous event, divided by π.
    Velocity,
    /// Barycenter drift θ(B_t, B_{t−1}), divided by π.
    Drift,
    /// Tonal magnetism |F₅| divided by [`MAX_MAGNETISM`].
    Magnetism,
}

impl Signal {
    /// All signals, in storage order.
    pub const ALL: [Signal; SIGNALS] = [
        Signal::Entropy,
        Signal::Velocity,
        Signal::Drift,
        Signal::Magnetism,
    ];

    /// Short lower-case name (plot legends, CSV headers).
    pub const fn name(self) -> &'static str {
        match self {
            Signal::Entropy => "entropy",
            Signal::Velocity => "velocity",
            Signal::Drift => "drift",
            Signal::Magnetism => "magnetism",
        }
    }
}

/// Which wavelet decomposition the window runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AnalysisMode {
    /// Haar, at most 2 levels: the cheapest, with no wrap-around beyond a pair of
    /// events; for playing live.
    Live,
    /// db4 with adaptive levels (up to 3): the seed's default and the more accurate
    /// time-scale picture. The default: an update costs microseconds either way.
    #[default]
    Interactive,
}

impl AnalysisMode {
    /// The smallest detail-energy normalisation denominator in this mode.
    pub fn detail_floor(self) -> f64 {
        match self {
            AnalysisMode::Interactive => DETAIL_FLOOR,
            AnalysisMode::Live => DETAIL_FLOOR_LIVE,
        }
    }

    /// The wavelet and level count for a window of `t` events.
    pub fn decomposition(self, t: usize) -> (Wavelet, usize) {
        match self {
            AnalysisMode::Interactive => (Wavelet::Db4, adaptive_levels(t)),
            AnalysisMode::Live => (Wavelet::Haar, adaptive_levels(t).min(2)),
        }
    }
}

/// OPTIC-K features of one chord event, in the window's context. Angles in radians.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChordFeatures {
    /// The chord's pitch classes.
    pub set: PcSet,
    /// Unit spectrum Ŝ (zero for the empty and the chromatic set).
    pub unit: PcSpectrum,
    /// `1 − H`, 0..=1.
    pub organisation: f64,
    /// |F₅|, 0..=[`MAX_MAGNETISM`].
    pub magnetism: f64,
    /// θ to the previous event's Ŝ, 0..=π (0 for the first event).
    pub velocity: f64,
    /// θ between this and the previous window barycenter, 0..=π (0 for the first).
    pub drift: f64,
    /// θ to the window barycenter (which includes this event), 0..=π.
    pub key_distance: f64,
}

/// Per-event wavelet band energies of the four signals, at the newest event: entry
/// `[s][j − 1]` is `d_j[(T−1) >> j]² / 2^j` for signal `s` and level `j` (0 beyond the
/// levels used). Their sum is the raw detail energy `DE[T−1]`. For plots.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EventBands {
    /// Detail energy density per signal (in [`Signal::ALL`] order) and level.
    pub detail: [[f64; MAX_LEVELS]; SIGNALS],
    /// Levels used (0 when the window held fewer than 2 events).
    pub levels: usize,
}

/// What one [`ChordWindow::push`] computed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WindowUpdate {
    /// Index of this event since the last reset, from 0.
    pub index: u64,
    /// The event's OPTIC-K features.
    pub features: ChordFeatures,
    /// Raw detail energy `DE[T−1]` at this event (signal units²).
    pub raw_detail_energy: f64,
    /// The tension terms (each 0..=1).
    pub terms: TensionTerms,
    /// Tension with the window's weights, 0..=1.
    pub tension: f64,
    /// `Some((index, DEn))` when the previous event turned out to be a boundary peak.
    pub boundary: Option<(u64, f64)>,
    /// Band energies at this event.
    pub bands: EventBands,
    /// Events in the window after this push, 1..=capacity.
    pub window_len: usize,
}

/// The event window. Audio-thread safe after [`new`](Self::new).
#[derive(Clone, Debug)]
pub struct ChordWindow {
    capacity: usize,
    len: usize,
    count: u64,
    mode: AnalysisMode,
    weights: TensionWeights,
    /// Unit spectra, oldest first.
    units: [PcSpectrum; MAX_WINDOW],
    /// The four signals, oldest first.
    signals: [[f64; MAX_WINDOW]; SIGNALS],
    prev_unit: PcSpectrum,
    prev_barycenter: PcSpectrum,
    /// Window-normalised detail energy of the last push, oldest first.
    detail: [f64; MAX_WINDOW],
    plan: WavedecPlan<f64>,
}

impl ChordWindow {
    /// A window of `capacity` events (clamped to 2..=[`MAX_WINDOW`]).
    ///
    /// # Allocation
    /// Allocates the wavelet plan; nothing after.
    pub fn new(capacity: usize, mode: AnalysisMode, weights: TensionWeights) -> Self {
        Self {
            capacity: capacity.clamp(2, MAX_WINDOW),
            len: 0,
            count: 0,
            mode,
            weights,
            units: [PcSpectrum::ZERO; MAX_WINDOW],
            signals: [[0.0; MAX_WINDOW]; SIGNALS],
            prev_unit: PcSpectrum::ZERO,
            prev_barycenter: PcSpectrum::ZERO,
            detail: [0.0; MAX_WINDOW],
            plan: WavedecPlan::new(2 * MAX_WINDOW, MAX_LEVELS),
        }
    }

    /// Forgets every event. No allocation.
    pub fn reset(&mut self) {
        self.len = 0;
        self.count = 0;
        self.prev_unit = PcSpectrum::ZERO;
        self.prev_barycenter = PcSpectrum::ZERO;
        self.detail = [0.0; MAX_WINDOW];
    }

    /// The window length in events.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Events currently held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Events pushed since the last reset.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The decomposition mode; takes effect at the next push. No allocation.
    pub fn set_mode(&mut self, mode: AnalysisMode) {
        self.mode = mode;
    }

    /// The current mode.
    pub fn mode(&self) -> AnalysisMode {
        self.mode
    }

    /// Tension weights for the next pushes. No allocation.
    pub fn set_weights(&mut self, weights: TensionWeights) {
        self.weights = weights;
    }

    /// The current weights.
    pub fn weights(&self) -> TensionWeights {
        self.weights
    }

    /// The window-normalised detail energy `DEn` of the last push, oldest event first.
    pub fn detail_energy(&self) -> &[f64] {
        &self.detail[..self.len]
    }

    /// Signal `s` over the window, oldest event first (0..=1 units, see [`Signal`]).
    pub fn signal(&self, s: Signal) -> &[f64] {
        &self.signals[s as usize][..self.len]
    }

    /// Adds a chord event and analyses the window. No allocation.
    pub fn push(&mut self, set: PcSet) -> WindowUpdate {
        let spectrum = PcSpectrum::of(set);
        let unit = spectrum.unit();
        let first = self.count == 0;
        let velocity = if first {
            0.0
        } else {
            theta(&unit, &self.prev_unit)
        };

        if self.len == self.capacity {
            self.units.copy_within(1..self.len, 0);
            for s in self.signals.iter_mut() {
                s.copy_within(1..self.len, 0);
            }
            self.len -= 1;
        }
        let t = self.len;
        self.units[t] = unit;
        self.len += 1;

        let mut sum = PcSpectrum::ZERO;
        for u in &self.units[..self.len] {
            for k in 0..6 {
                sum.re[k] += u.re[k];
                sum.im[k] += u.im[k];
            }
        }
        let barycenter = sum.unit();
        let drift = if first {
            0.0
        } else {
            theta(&barycenter, &self.prev_barycenter)
        };
        let key_distance = theta(&unit, &barycenter);
        let features = ChordFeatures {
            set,
            unit,
            organisation: spectrum.organisation(),
            magnetism: spectrum.magnetism(),
            velocity,
            drift,
            key_distance,
        };
        self.signals[Signal::Entropy as usize][t] = 1.0 - features.organisation;
        self.signals[Signal::Velocity as usize][t] = velocity / PI;
        self.signals[Signal::Drift as usize][t] = drift / PI;
        if self.count == 1 && t == 1 {
            // NOTE: the first event has no predecessor. Its velocity and drift enter the
            // signals as copies of the second event's, so a session's start is not a
            // false step from 0 (the event itself still reports 0).
            self.signals[Signal::Velocity as usize][0] = velocity / PI;
            self.signals[Signal::Drift as usize][0] = drift / PI;
        }
        self.signals[Signal::Magnetism as usize][t] = features.magnetism / MAX_MAGNETISM;
        self.prev_unit = unit;
        self.prev_barycenter = barycenter;

        let (raw, bands) = self.decompose();
        let n = self.len;
        let boundary = (n >= 3)
            .then(|| {
                let (l, c, r) = (self.detail[n - 3], self.detail[n - 2], self.detail[n - 1]);
                (c > BOUNDARY_THRESHOLD && c > l && c >= r).then_some((self.count - 1, c))
            })
            .flatten();
        let terms = TensionTerms {
            disorder: 1.0 - features.organisation,
            detail: self.detail[n - 1],
            key: (key_distance / FRAC_PI_2).min(1.0),
        };
        let update = WindowUpdate {
            index: self.count,
            features,
            raw_detail_energy: raw,
            terms,
            tension: terms.tension(self.weights),
            boundary,
            bands,
            window_len: n,
        };
        self.count += 1;
        update
    }

    /// Decomposes the four signals, fills `self.detail` with `DEn` and returns the raw
    /// `DE` and the band energies at the newest event.
    fn decompose(&mut self) -> (f64, EventBands) {
        let n = self.len;
        let mut raw = [0.0f64; MAX_WINDOW];
        let mut bands = EventBands::default();
        if n >= 2 {
            let (wavelet, levels) = self.mode.decomposition(n);
            for (s, signal) in self.signals.iter().enumerate() {
                run_mirrored(&mut self.plan, &signal[..n], wavelet, levels);
                bands.levels = self.plan.levels().min(MAX_LEVELS);
                for j in 1..=bands.levels {
                    let d = self.plan.detail(j);
                    let scale = 1.0 / (1u32 << j) as f64;
                    for (t, e) in raw[..n].iter_mut().enumerate() {
                        let c = d.get(t >> j).copied().unwrap_or(0.0);
                        *e += c * c * scale;
                    }
                    let c = d.get((n - 1) >> j).copied().unwrap_or(0.0);
                    bands.detail[s][j - 1] = c * c * scale;
                }
            }
        }
        let peak = raw[..n].iter().copied().fold(0.0f64, f64::max);
        let denom = peak.max(self.mode.detail_floor());
        for (d, &e) in self.detail[..n].iter_mut().zip(&raw[..n]) {
            let v = e / denom;
            *d = if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
        (raw[n - 1], bands)
    }
}

/// Runs `plan` on `x` followed by `x` reversed (`2·x.len()` samples, at most
/// `2 · MAX_WINDOW`): the periodization DWT of the half-sample symmetric extension.
/// Coefficient `t >> j` of level `j` still covers sample `t` of `x`, and the window's
/// newest event meets its own past at the seam instead of the oldest event. No
/// allocation.
pub(crate) fn run_mirrored(plan: &mut WavedecPlan<f64>, x: &[f64], w: Wavelet, levels: usize) {
    let n = x.len().min(MAX_WINDOW);
    let mut ext = [0.0f64; 2 * MAX_WINDOW];
    ext[..n].copy_from_slice(&x[..n]);
    for (i, &v) in x[..n].iter().rev().enumerate() {
        ext[n + i] = v;
    }
    plan.run(&ext[..2 * n], w, levels);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triad(root: u8, minor: bool) -> PcSet {
        PcSet::from_pcs(&[root, root + if minor { 3 } else { 4 }, root + 7])
    }

    #[test]
    fn first_event_has_no_motion() {
        let mut w = ChordWindow::new(32, AnalysisMode::Interactive, TensionWeights::default());
        let u = w.push(triad(0, false));
        assert_eq!(u.features.velocity, 0.0);
        assert_eq!(u.features.drift, 0.0);
        assert!(u.features.key_distance < 1e-7);
        assert_eq!(u.terms.detail, 0.0);
        assert_eq!(u.boundary, None);
    }

    #[test]
    fn repeated_chord_has_zero_velocity() {
        let mut w = ChordWindow::new(8, AnalysisMode::Live, TensionWeights::default());
        w.push(triad(0, false));
        w.push(triad(7, false));
        let u = w.push(triad(7, false));
        assert!(u.features.velocity.abs() < 1e-7, "{}", u.features.velocity);
    }

    #[test]
    fn window_slides_at_capacity() {
        let mut w = ChordWindow::new(4, AnalysisMode::Interactive, TensionWeights::default());
        for i in 0..10u8 {
            let u = w.push(triad(i * 5, i % 2 == 0));
            assert_eq!(u.window_len, (i as usize + 1).min(4));
            assert_eq!(u.index, i as u64);
            assert!(u.tension.is_finite() && (0.0..=1.0).contains(&u.tension));
        }
        assert_eq!(w.len(), 4);
    }
}
