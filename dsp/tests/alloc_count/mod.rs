//! The allocation checker of the codec tests: `assert_no_alloc`'s `AllocDisabler` as the
//! global allocator, wrapped to count this thread's allocator calls.
//!
//! `assert_no_alloc` aborts on a violation by default, but when the workspace is tested as
//! a whole its `warn_debug` feature (which the harness enables) only prints a warning. The
//! count makes a violation fail the test either way: [`allocations_in`] runs a closure
//! under `assert_no_alloc` and returns how many allocator calls it made.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

use assert_no_alloc::AllocDisabler;

/// `AllocDisabler`, counting allocator calls per thread.
pub struct Counting;

thread_local! {
    /// Allocator calls (alloc, dealloc, realloc) made by this thread.
    static CALLS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the allocator may run while the thread is being torn down.
    let _ = CALLS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `AllocDisabler`, a valid allocator; counting
// touches only a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { AllocDisabler.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { AllocDisabler.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { AllocDisabler.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { AllocDisabler.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocator calls this thread has made so far.
pub fn calls() -> u64 {
    CALLS.with(Cell::get)
}

/// Runs `f` under `assert_no_alloc`; returns its result and the allocator calls it made.
pub fn allocations_in<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = calls();
    let out = assert_no_alloc::assert_no_alloc(f);
    (out, calls() - before)
}
