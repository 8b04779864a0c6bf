//! A lock-free handoff of large objects to the audio thread: built objects travel to it
//! through one SPSC ring, and the objects they replace travel back through another, to be
//! dropped off the audio thread (DESIGN.md, "Threads and data flow").
//!
//! ```text
//! loader: build ─► Sender::send ─► ring ─► Receiver::swap_into(slot) (audio thread)
//! loader: Sender::collect (drop) ◄─ ring ◄─ the object the slot held
//! ```
//!
//! The one handoff of the project: the plugin's bank loader sends `Arc<CubeSet>`s (swapped
//! into the engine with [`Receiver::swap_with`] and
//! [`Engine::set_cube`](crate::synth::Engine::set_cube)), its body stage
//! `Box<StereoConvolver>`s ([`Receiver::swap_into`]). The audio side only takes a new object
//! when the return ring has room for the old one, so it never drops one (which could free
//! megabytes) itself.

use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

/// The loader's end: sends built objects, drops the retired ones.
pub struct Sender<T> {
    to_audio: HeapProd<T>,
    retired: HeapCons<T>,
}

/// The audio thread's end.
pub struct Receiver<T> {
    from_loader: HeapCons<T>,
    retire: HeapProd<T>,
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("pending", &self.to_audio.occupied_len())
            .finish()
    }
}

impl<T> std::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("waiting", &self.from_loader.occupied_len())
            .finish()
    }
}

/// A handoff holding up to `capacity` objects in flight each way.
///
/// # Allocation
/// Allocates both rings; call it off the audio thread.
pub fn handoff<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let capacity = capacity.max(1);
    let (to_audio, from_loader) = HeapRb::new(capacity).split();
    // One more slot back than forward: every object taken can always be retired.
    let (retire, retired) = HeapRb::new(capacity + 1).split();
    (
        Sender { to_audio, retired },
        Receiver {
            from_loader,
            retire,
        },
    )
}

impl<T> Sender<T> {
    /// Queues `value` for the audio thread (and first drops any retired objects).
    ///
    /// # Errors
    /// Gives `value` back if the ring is full (the audio thread has not caught up).
    pub fn send(&mut self, value: T) -> Result<(), T> {
        self.collect();
        self.to_audio.try_push(value)
    }

    /// Drops the objects the audio thread has retired, here. Returns how many.
    pub fn collect(&mut self) -> usize {
        let mut count = 0;
        while let Some(old) = self.retired.try_pop() {
            drop(old);
            count += 1;
        }
        count
    }

    /// Objects sent but not yet taken by the audio thread.
    pub fn pending(&self) -> usize {
        self.to_audio.occupied_len()
    }
}

impl<T> Receiver<T> {
    /// Moves the newest queued object into `slot`, retiring each object it replaces (never
    /// dropping one here). Real-time safe: no allocation, no free, no lock. Returns true if
    /// `slot` changed.
    pub fn swap_into(&mut self, slot: &mut Option<T>) -> bool {
        self.swap_with(|new| slot.replace(new))
    }

    /// Hands each queued object, oldest first, to `install`, which puts it in place and
    /// returns the object it replaces (if any) to be retired, never dropped here. Takes an
    /// object only while the return ring has room, so every replaced one can be retired.
    /// Real-time safe if `install` is: no allocation, no free, no lock. Returns true if
    /// anything was installed.
    pub fn swap_with(&mut self, mut install: impl FnMut(T) -> Option<T>) -> bool {
        let mut changed = false;
        while self.retire.vacant_len() > 0 {
            let Some(new) = self.from_loader.try_pop() else {
                break;
            };
            if let Some(old) = install(new) {
                if self.retire.try_push(old).is_err() {
                    unreachable!("room was checked above and only this thread pushes");
                }
            }
            changed = true;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_wins_and_old_ones_come_back() {
        let (mut tx, mut rx) = handoff::<Box<u32>>(2);
        let mut slot = Some(Box::new(0));
        tx.send(Box::new(1)).unwrap();
        tx.send(Box::new(2)).unwrap();
        assert!(tx.send(Box::new(3)).is_err(), "two in flight at most");
        assert!(rx.swap_into(&mut slot));
        assert_eq!(slot.as_deref(), Some(&2));
        assert_eq!(tx.collect(), 2, "0 and 1 are dropped on the loader's side");
        assert!(!rx.swap_into(&mut slot));
    }
}
