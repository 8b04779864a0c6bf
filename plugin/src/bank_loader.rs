//! The bank loader: a thread that builds the cube of the bank the `bank` parameter chooses
//! and hands it to the audio thread (DESIGN.md, "Threads and data flow").
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

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

use nice_plug::prelude::{nice_error, nice_log, Enum};
use wavecube_dsp::bank::factory::factory_bank;
use wavecube_dsp::cube::{Cube, CubeSet};
use wavecube_dsp::handoff::{handoff, Receiver, Sender};
use wavecube_dsp::synth::Engine;

use crate::params::BankChoice;
use crate::state::{BankCell, DEFAULT_BANK};

/// Cubes in flight to the audio thread at once.
pub const HANDOFF_CAPACITY: usize = 4;
/// How often the loader looks for work without being woken (file bank changes, retired
/// cubes, a full ring).
pub const LOADER_POLL: Duration = Duration::from_millis(20);

/// The cube of `choice`, with the file bank from `bank_state`. A file bank that cannot be loaded
/// (none held, file missing and no bytes, damaged) gives the default bank and a log message.
/// Records the bank in `bank_state` for the next save.
///
/// # Allocation
/// Builds or decodes the cube and may read a file: never on the audio thread.
pub fn resolve_bank(choice: BankChoice, bank_state: &BankCell) -> Cube {
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
    factory_bank(stem).unwrap_or_else(wavecube_dsp::cube::factory_cube)
}

/// What the audio thread asks for and what it has done, shared with the loader thread.
#[derive(Debug, Default)]
struct Shared {
    /// The choice wanted, as its [`Enum::to_index`]; written by the audio thread.
    wanted: AtomicU32,
    /// Set to stop the loader thread; written by [`BankLoader`]'s drop.
    stop: AtomicBool,
}

/// The audio thread's end: follows the `bank` parameter and swaps in built cubes.
pub struct BankAudio {
    /// Built cubes from the loader.
    receiver: Receiver<Arc<CubeSet>>,
    /// The choice last requested (or built at activation).
    requested: BankChoice,
    /// What the loader watches.
    shared: Arc<Shared>,
    /// The loader thread, to wake it (no allocation, no lock).
    loader: Thread,
    /// Cube swaps applied so far; written by the audio thread, for tests and the editor.
    swaps: Arc<AtomicU64>,
}

impl BankAudio {
    /// Asks the loader for `choice` if it is not what was asked last, then swaps in any cube
    /// that has arrived. Audio thread: real-time safe.
    pub fn follow(&mut self, choice: BankChoice, engine: &mut Engine) {
        if choice != self.requested {
            self.requested = choice;
            self.shared
                .wanted
                .store(choice.to_index() as u32, Ordering::Release);
            self.loader.unpark();
        }
        if self.receiver.swap_with(|cube| Some(engine.set_cube(cube))) {
            self.swaps.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The loader thread's handle. Dropping it stops and joins the thread (which drops any cube
/// still queued).
pub struct BankLoader {
    /// Shared with the thread and the audio end.
    shared: Arc<Shared>,
    /// The thread, joined on drop.
    thread: Option<JoinHandle<()>>,
}

impl BankLoader {
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
        let (sender, receiver) = handoff(HANDOFF_CAPACITY);
        let shared = Arc::new(Shared {
            wanted: AtomicU32::new(initial.to_index() as u32),
            stop: AtomicBool::new(false),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("wavecube-banks".into())
                .spawn(move || run(sender, &shared, &bank_state, initial, generation))?
        };
        Ok((
            BankAudio {
                receiver,
                requested: initial,
                shared: shared.clone(),
                loader: thread.thread().clone(),
                swaps,
            },
            BankLoader {
                shared,
                thread: Some(thread),
            },
        ))
    }
}

impl Drop for BankLoader {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            if thread.join().is_err() {
                nice_error!("Wavecube: the bank loader thread panicked");
            }
        }
    }
}

/// The loader thread: builds what is wanted whenever it differs from what was built last.
fn run(
    mut sender: Sender<Arc<CubeSet>>,
    shared: &Shared,
    bank_state: &BankCell,
    mut built: BankChoice,
    mut built_generation: u64,
) {
    // A cube built but not yet accepted by a full ring.
    let mut unsent: Option<Arc<CubeSet>> = None;
    while !shared.stop.load(Ordering::Acquire) {
        sender.collect();
        let wanted = BankChoice::from_index(shared.wanted.load(Ordering::Acquire) as usize);
        let generation = bank_state.generation();
        let stale_file = wanted == BankChoice::File && generation != built_generation;
        if wanted != built || stale_file {
            built = wanted;
            built_generation = generation;
            match CubeSet::build(&resolve_bank(wanted, bank_state)) {
                // A newer cube replaces one still waiting for room.
                Ok(set) => unsent = Some(Arc::new(set)),
                Err(err) => nice_error!("Wavecube: cannot build the {} bank: {err}", wanted.stem()),
            }
        }
        if let Some(cube) = unsent.take() {
            if let Err(cube) = sender.send(cube) {
                unsent = Some(cube);
            }
        }
        std::thread::park_timeout(LOADER_POLL);
    }
}
