//! A lock-free handoff of large objects to the audio thread: built objects travel to it
//! through one SPSC ring, and the objects they replace travel back through another, to be
//! dropped off the audio thread (DESIGN.md, "Threads and data flow").
//!
//! ```text
//! loader: build ─► Sender::send ─► ring ─► Receiver::swap_into(slot) (audio thread)
//! loader: Sender::collect (drop) ◄─ ring ◄─ the object the slot held
//! ```
//!
//! [`Loader`] is the loader thread that feeds one.
//!
//! The one handoff of the project: the plugin's bank loader sends `Arc<CubeSet>`s (swapped
//! into the engine with [`Receiver::swap_with`] and
//! [`Engine::set_cube`](crate::synth::Engine::set_cube)), its body stage
//! `Box<StereoConvolver>`s ([`Receiver::swap_into`]). The audio side only takes a new object
//! when the return ring has room for the old one, so it never drops one (which could free
//! megabytes) itself.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

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

/// How often a [`Loader`] thread looks for work without being woken.
pub const LOADER_POLL: Duration = Duration::from_millis(20);

/// A loader thread feeding a [`handoff`]: it calls its `build` function whenever it is
/// woken ([`Loader::waker`]) and at least every [`LOADER_POLL`], sends what `build` returns
/// to the audio thread (holding it and retrying while the ring is full; a newer object
/// replaces one still waiting), and drops the objects the audio thread retires. Dropping
/// the `Loader` stops and joins the thread (which drops anything still queued).
///
/// The plugin's bank loader (cubes) and body stage (convolvers) are both this.
#[derive(Debug)]
pub struct Loader {
    /// Set to stop the thread.
    stop: Arc<AtomicBool>,
    /// The thread, joined on drop.
    thread: Option<JoinHandle<()>>,
    /// The thread's handle, to wake it.
    waker: Thread,
}

impl Loader {
    /// Spawns the thread `name`, with a handoff of `capacity` objects in flight, and returns
    /// it with the audio thread's end. `build` runs on the new thread: it reads what is
    /// wanted (atomics the audio thread writes) and returns `Some` when it has built
    /// something new.
    ///
    /// # Allocation
    /// Allocates the rings and spawns a thread: not on the audio thread.
    ///
    /// # Errors
    /// The spawn's error.
    pub fn spawn<T, F>(
        name: &str,
        capacity: usize,
        mut build: F,
    ) -> io::Result<(Loader, Receiver<T>)>
    where
        T: Send + 'static,
        F: FnMut() -> Option<T> + Send + 'static,
    {
        let (mut sender, receiver) = handoff::<T>(capacity);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || {
                    let mut unsent: Option<T> = None;
                    while !stop.load(Ordering::Acquire) {
                        sender.collect();
                        if let Some(value) = build() {
                            unsent = Some(value);
                        }
                        if let Some(value) = unsent.take() {
                            if let Err(value) = sender.send(value) {
                                unsent = Some(value);
                            }
                        }
                        std::thread::park_timeout(LOADER_POLL);
                    }
                })?
        };
        Ok((
            Loader {
                stop,
                waker: thread.thread().clone(),
                thread: Some(thread),
            },
            receiver,
        ))
    }

    /// The thread's handle, for the audio thread to wake it with [`Thread::unpark`] (no
    /// allocation, no lock). Clone it off the audio thread.
    pub fn waker(&self) -> Thread {
        self.waker.clone()
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // NOTE: a panic on the loader thread was already reported by the panic hook;
            // there is nothing more to do with it here.
            let _ = thread.join();
        }
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

    #[test]
    fn a_loader_builds_when_woken_and_stops_on_drop() {
        use std::sync::atomic::AtomicU32;
        let wanted = Arc::new(AtomicU32::new(0));
        let mut built = 0;
        let (loader, mut rx) = {
            let wanted = wanted.clone();
            Loader::spawn("handoff-test", 2, move || {
                let now = wanted.load(Ordering::Acquire);
                (now != built).then(|| {
                    built = now;
                    Box::new(now)
                })
            })
            .unwrap()
        };
        let mut slot = None;
        for want in [7, 9] {
            wanted.store(want, Ordering::Release);
            loader.waker().unpark();
            let start = std::time::Instant::now();
            while slot.as_deref() != Some(&want) {
                rx.swap_into(&mut slot);
                assert!(start.elapsed() < Duration::from_secs(20), "never built");
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        drop(loader);
        assert!(
            !rx.swap_into(&mut slot),
            "nothing more after the loader stopped"
        );
    }
}
