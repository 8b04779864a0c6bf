//! The lock-free cube handoff: built cubes travel to the audio thread through one SPSC
//! ring, and the cubes they replace travel back through another, to be dropped off the
//! audio thread (DESIGN.md, "Threads and data flow").
//!
//! ```text
//! loader: file ─► read_wcube ─► CubeSet::build ─► CubeSender::send ─► ring ─┐
//! audio:  CubeReceiver::apply: engine.set_cube(new), old ─► ring ─► CubeSender::collect (drop)
//! ```
//!
//! The audio side only takes a new cube when the return ring has room for the old one,
//! so it never drops an `Arc<CubeSet>` (which could free megabytes) itself.

use std::sync::Arc;

use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use super::Engine;
use crate::cube::CubeSet;

/// The loader's end: sends built cubes, drops the retired ones.
pub struct CubeSender {
    to_audio: HeapProd<Arc<CubeSet>>,
    retired: HeapCons<Arc<CubeSet>>,
}

/// The audio thread's end.
pub struct CubeReceiver {
    from_loader: HeapCons<Arc<CubeSet>>,
    retire: HeapProd<Arc<CubeSet>>,
}

/// A handoff holding up to `capacity` cubes in flight each way.
pub fn cube_handoff(capacity: usize) -> (CubeSender, CubeReceiver) {
    let capacity = capacity.max(1);
    let (to_audio, from_loader) = HeapRb::new(capacity).split();
    // One more slot back than forward: every cube taken can always be retired.
    let (retire, retired) = HeapRb::new(capacity + 1).split();
    (
        CubeSender { to_audio, retired },
        CubeReceiver {
            from_loader,
            retire,
        },
    )
}

impl CubeSender {
    /// Queues `cube` for the audio thread (and first drops any retired cubes).
    ///
    /// # Errors
    /// Gives `cube` back if the ring is full (the audio thread has not caught up).
    pub fn send(&mut self, cube: Arc<CubeSet>) -> Result<(), Arc<CubeSet>> {
        self.collect();
        self.to_audio.try_push(cube)
    }

    /// Drops the cubes the audio thread has retired, here. Returns how many.
    pub fn collect(&mut self) -> usize {
        let mut count = 0;
        while let Some(cube) = self.retired.try_pop() {
            drop(cube);
            count += 1;
        }
        count
    }

    /// Cubes sent but not yet taken by the audio thread.
    pub fn pending(&self) -> usize {
        self.to_audio.occupied_len()
    }
}

impl CubeReceiver {
    /// Swaps the newest queued cube into `engine`, retiring each cube it replaces.
    /// Real-time safe: no allocation, no free, no lock. Returns true if the cube changed.
    pub fn apply(&mut self, engine: &mut Engine) -> bool {
        let mut changed = false;
        while self.retire.vacant_len() > 0 {
            let Some(cube) = self.from_loader.try_pop() else {
                break;
            };
            let old = engine.set_cube(cube);
            if self.retire.try_push(old).is_err() {
                unreachable!("room was checked above and only this thread pushes");
            }
            changed = true;
        }
        changed
    }
}
