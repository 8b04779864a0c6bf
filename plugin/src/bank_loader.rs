//! The bank loader: a thread that builds the cube of the bank the `bank` parameter chooses
//! and hands it to the audio thread (DESIGN.md, "Threads and data flow").
//!
//! The thread is a [`Loader`] (the project's one loader-thread helper).
//!
//! ```text
//! audio:  bank param changed ─► BankAudio::follow: request (atomic) + unpark ──┐
//! loader: resolve_bank ─► CubeSet::build ─► Sender::send ─► ring ─► BankAudio::follow: swap
//! ```
//!
//! The audio thread only stores an atomic, wakes the loader and swaps in what arrives
//! ([`Receiver::swap_with`] and `Engine::set_cube`: no allocation, no free, no lock). Building the mips (tens of ms)
//! and dropping retired cubes happen on the loader thread. The loader also rebuilds when the
//! file bank in the state changes (a restored state, [`Wavecube::load_bank_file`]) while the
//! `bank` parameter says "File".
//!
//! [`Wavecube::load_bank_file`]: crate::Wavecube::load_bank_file

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::Thread;

use nice_plug::prelude::{nice_error, nice_log, Enum};
use wavecube_dsp::bank::factory::factory_bank;
use wavecube_dsp::cube::{Cube, CubeSet};
use wavecube_dsp::handoff::{Loader, Receiver};
use wavecube_dsp::synth::Engine;

use crate::params::BankChoice;
use crate::state::{BankCell, DEFAULT_BANK};

/// Cubes in flight to the audio thread at once.
pub const HANDOFF_CAPACITY: usize = 4;

/// The cube of `choice`, with the file bank from `bank_state`. A file bank that cannot be loaded
/// (none held, file missing and no bytes, damaged) gives the default bank and a log message.
/// Records the bank in `bank_state` for the next save.
///
/// # Allocation
/// Builds a factory cube, or decodes a file bank the first time: never on the audio thread.
pub fn resolve_bank(choice: BankChoice, bank_state: &BankCell) -> Arc<Cube> {
    bank_state.set_bank(choice.stem());
    if choice == BankChoice::File {
        match bank_state.file_cube() {
            Ok(cube) => return cube,
            Err(err) => {
                nice_log!("Wavecube: cannot load the file bank ({err}); playing the default bank")
            }
        }
    }
    let stem = if choice == BankChoice::File {
        DEFAULT_BANK
    } else {
        choice.stem()
    };
    Arc::new(factory_bank(stem).unwrap_or_else(wavecube_dsp::cube::factory_cube))
}

/// The audio thread's end: follows the `bank` parameter and swaps in built cubes.
pub struct BankAudio {
    /// Built cubes from the loader.
    receiver: Receiver<Arc<CubeSet>>,
    /// The choice last requested (or built at activation).
    requested: BankChoice,
    /// The choice wanted, as its [`Enum::to_index`]; read by the loader thread.
    wanted: Arc<AtomicU32>,
    /// The loader thread, to wake it (no allocation, no lock).
    loader: Thread,
    /// Cube swaps applied so far; written by the audio thread, for tests and the editor.
    swaps: Arc<AtomicU64>,
}

/// The bank loader thread's handle. Dropping it stops and joins the thread (which drops any
/// cube still queued).
pub type BankLoader = Loader;

impl BankAudio {
    /// Starts a loader whose audio end has `initial` playing already (built at activation,
    /// from the file bank of `generation`). `swaps` counts the swaps the audio end applies.
    ///
    /// # Allocation
    /// Allocates the rings and spawns a thread: call it from `activate`.
    ///
    /// # Errors
    /// The spawn's error.
    pub fn start(
        initial: BankChoice,
        generation: u64,
        bank_state: Arc<BankCell>,
        swaps: Arc<AtomicU64>,
    ) -> std::io::Result<(BankAudio, BankLoader)> {
        let wanted = Arc::new(AtomicU32::new(initial.to_index() as u32));
        let (loader, receiver) = {
            let wanted = wanted.clone();
            let (mut built, mut built_generation) = (initial, generation);
            // Builds what is wanted whenever it differs from what was built last.
            Loader::spawn("wavecube-banks", HANDOFF_CAPACITY, move || {
                let want = BankChoice::from_index(wanted.load(Ordering::Acquire) as usize);
                let generation = bank_state.generation();
                let stale_file = want == BankChoice::File && generation != built_generation;
                if want == built && !stale_file {
                    return None;
                }
                built = want;
                built_generation = generation;
                match CubeSet::build(&resolve_bank(want, &bank_state)) {
                    Ok(set) => Some(Arc::new(set)),
                    Err(err) => {
                        nice_error!("Wavecube: cannot build the {} bank: {err}", want.stem());
                        None
                    }
                }
            })?
        };
        Ok((
            BankAudio {
                receiver,
                requested: initial,
                wanted,
                loader: loader.waker(),
                swaps,
            },
            loader,
        ))
    }

    /// Asks the loader for `choice` if it is not what was asked last, then swaps in any cube
    /// that has arrived. Audio thread: real-time safe.
    pub fn follow(&mut self, choice: BankChoice, engine: &mut Engine) {
        if choice != self.requested {
            self.requested = choice;
            self.wanted
                .store(choice.to_index() as u32, Ordering::Release);
            self.loader.unpark();
        }
        if self.receiver.swap_with(|cube| Some(engine.set_cube(cube))) {
            self.swaps.fetch_add(1, Ordering::Relaxed);
        }
    }
}
