//! The body stage: zero-latency partitioned convolution of the output with an impulse
//! response — a factory IR made in code or any WAV the user loads — after the codec stage.
//!
//! ```text
//! audio:  body_ir / rate changed ─► BodyStage::follow: request (atomics) + unpark ──┐
//! loader: factory_ir or the user's WAV ─► StereoConvolver::new ─► Sender ─► ring ─► swap_into
//! loader: drops the convolver it replaced ◄─ ring ◄─ BodyStage (never freed on the audio thread)
//! ```
//!
//! The convolver (its IR spectra and delay lines, up to megabytes) is built on the loader
//! thread (a [`Loader`]) and arrives through [`wavecube_dsp::handoff`]; the audio thread swaps pointers. A
//! user IR is decoded and resampled by [`wavecube_dsp::conv::ir`].
//! While a new IR is being built the old one keeps playing. The stage adds no latency.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::Thread;

use nice_plug::prelude::{nice_error, Enum};
use wavecube_dsp::conv::{factory_ir, IrKind, StereoConvolver};
use wavecube_dsp::handoff::{Loader, Receiver};

use crate::params::{BodyIrChoice, BodyParams};
use crate::state::IrCell;

/// Samples the convolver takes at once; longer host pieces are cut into these.
pub const BODY_CHUNK: usize = 1024;

/// What the audio thread asks for, shared with the loader.
#[derive(Debug, Default)]
struct Wanted {
    /// The IR choice, as its [`Enum::to_index`].
    choice: AtomicU32,
    /// The host sample rate, Hz.
    sample_rate_hz: AtomicU32,
}

/// The convolver for `choice` at `sample_rate_hz`: a factory IR, or the user's (resampled
/// to the host rate). A user IR that cannot be decoded gives the small room and a log line.
///
/// # Allocation
/// Generates or decodes the IR and builds the convolver. Off the audio thread.
pub fn build_convolver(
    choice: BodyIrChoice,
    sample_rate_hz: u32,
    user: &IrCell,
) -> StereoConvolver {
    let rate = sample_rate_hz.clamp(8_000, 768_000);
    let factory = |kind: IrKind| {
        let ir = factory_ir(kind, rate as f32);
        let [l, r] = ir.channels();
        StereoConvolver::new(&[l, r], BODY_CHUNK)
    };
    let built = match choice.factory_kind() {
        Some(kind) => factory(kind),
        None => match user.decode() {
            Ok(ir) => {
                let channels = ir.resampled(rate);
                let refs: Vec<&[f32]> = channels.iter().map(Vec::as_slice).collect();
                StereoConvolver::new(&refs, BODY_CHUNK)
            }
            Err(err) => {
                nice_error!("Wavecube: body IR: {err}; using the small room");
                factory(IrKind::SmallRoom)
            }
        },
    };
    match built {
        Ok(c) => c,
        Err(err) => {
            // NOTE: the factory IRs are short and finite; only a broken user IR gets here.
            nice_error!("Wavecube: body IR cannot be convolved ({err}); using a unit impulse");
            match StereoConvolver::new(&[&[1.0]], BODY_CHUNK) {
                Ok(c) => c,
                Err(e) => unreachable!("a one-tap IR is always accepted: {e}"),
            }
        }
    }
}

/// The audio thread's body stage.
pub struct BodyStage {
    /// The convolver playing, if one has arrived.
    current: Option<Box<StereoConvolver>>,
    /// Built convolvers from the loader.
    receiver: Receiver<Box<StereoConvolver>>,
    /// What the loader builds.
    wanted: Arc<Wanted>,
    /// The loader thread, to wake it.
    loader: Thread,
    /// The choice last requested.
    requested: Option<(BodyIrChoice, u32)>,
    /// The wet signal of one chunk, per channel.
    wet: [Vec<f32>; 2],
    /// The stage was on in the last block (its tail is cleared when it turns on).
    was_on: bool,
    /// Convolvers swapped in so far; for tests and the editor.
    swaps: Arc<AtomicU64>,
}

/// The body loader thread's handle. Dropping it stops and joins the thread.
pub type BodyLoader = Loader;

impl BodyStage {
    /// Starts the loader thread and returns the audio side, which plays nothing until the
    /// first convolver arrives (the stage passes the dry signal meanwhile).
    ///
    /// # Allocation
    /// Allocates the rings and buffers and spawns the thread: call it from `activate`.
    ///
    /// # Errors
    /// The spawn's error.
    pub fn start(
        user: Arc<IrCell>,
        swaps: Arc<AtomicU64>,
    ) -> std::io::Result<(BodyStage, BodyLoader)> {
        let wanted = Arc::new(Wanted::default());
        let (loader, receiver) = {
            let wanted = wanted.clone();
            let mut built = None;
            Loader::spawn("wavecube-body", 4, move || {
                build_wanted(&wanted, &user, &mut built)
            })?
        };
        Ok((
            BodyStage {
                current: None,
                receiver,
                wanted,
                loader: loader.waker(),
                requested: None,
                wet: [vec![0.0; BODY_CHUNK], vec![0.0; BODY_CHUNK]],
                was_on: false,
                swaps,
            },
            loader,
        ))
    }

    /// Asks for the IR the parameters choose at `sample_rate_hz`, and swaps in any
    /// convolver that has arrived. Audio thread: real-time safe.
    pub fn follow(&mut self, params: &BodyParams, sample_rate_hz: f32) {
        let rate = sample_rate_hz.round() as u32;
        let key = (params.ir.value(), rate);
        if self.requested != Some(key) {
            self.requested = Some(key);
            self.wanted
                .choice
                .store(key.0.to_index() as u32, Ordering::Release);
            self.wanted.sample_rate_hz.store(rate, Ordering::Release);
            self.loader.unpark();
        }
        if self.receiver.swap_into(&mut self.current) {
            self.swaps.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Convolves `left`/`right` in place when `on`, mixing `mix` (0..1) of the wet signal
    /// with the dry one. The dry signal passes unchanged while off or before the first
    /// convolver arrives. Audio thread: no allocation.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32], on: bool, mix: f32) {
        let Some(conv) = self.current.as_deref_mut() else {
            return;
        };
        if !on {
            self.was_on = false;
            return;
        }
        if !self.was_on {
            // A tail left from before the stage was turned off must not come back.
            conv.reset();
            self.was_on = true;
        }
        let mix = if mix.is_finite() {
            mix.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let n = left.len().min(right.len());
        let mut start = 0;
        while start < n {
            let len = (n - start).min(BODY_CHUNK);
            let (l, r) = (
                &mut left[start..start + len],
                &mut right[start..start + len],
            );
            let (wl, wr) = self.wet.split_at_mut(1);
            let (wl, wr) = (&mut wl[0][..len], &mut wr[0][..len]);
            wl.copy_from_slice(l);
            wr.copy_from_slice(r);
            conv.process(wl, wr);
            for (d, w) in l.iter_mut().zip(wl.iter()) {
                *d += mix * (w - *d);
            }
            for (d, w) in r.iter_mut().zip(wr.iter()) {
                *d += mix * (w - *d);
            }
            start += len;
        }
    }

    /// Clears the convolver's delay lines. No allocation.
    pub fn reset(&mut self) {
        if let Some(conv) = self.current.as_deref_mut() {
            conv.reset();
        }
    }

    /// True once a convolver has arrived.
    pub fn is_ready(&self) -> bool {
        self.current.is_some()
    }
}

/// The loader's work: the wanted convolver, built when the choice, the rate or the user IR
/// changed since `built` (the key of the last one built).
fn build_wanted(
    wanted: &Wanted,
    user: &IrCell,
    built: &mut Option<(u32, u32, u64)>,
) -> Option<Box<StereoConvolver>> {
    let rate = wanted.sample_rate_hz.load(Ordering::Acquire);
    if rate == 0 {
        return None;
    }
    let index = wanted.choice.load(Ordering::Acquire);
    let choice = BodyIrChoice::from_index(index as usize);
    let generation = if choice.factory_kind().is_none() {
        user.generation()
    } else {
        0
    };
    let key = Some((index, rate, generation));
    if *built == key {
        return None;
    }
    *built = key;
    Some(Box::new(build_convolver(choice, rate, user)))
}

/// Where user IR files are looked for by the editor's file dialog by default.
pub fn default_ir_dir() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from)
}
