//! Failing one frame request on purpose, for the kernel's fault-injection
//! tests.
//!
//! [`fail_frame_request`] arms a countdown: the n-th request the
//! large-allocation engine makes through `KernelFrames` from then on is
//! refused with "out of frames", once, although frames are free. The engine
//! must then reclaim its cache and retry, or fail that one operation
//! cleanly (`selftest/injection.rs` checks which, and that nothing leaks).
//!
//! Only kernel tests arm it. Disarmed, which it always is outside those
//! tests, a frame request pays one relaxed atomic load and a branch that
//! is never taken; the countdown itself is out of line.

use core::sync::atomic::{AtomicU64, Ordering};

/// Requests left until the one that fails, counting it; 0 when disarmed.
static COUNTDOWN: AtomicU64 = AtomicU64::new(0);
/// Requests refused since the countdown was last armed.
static REFUSED: AtomicU64 = AtomicU64::new(0);

/// Arms the countdown: the request `n` requests from now fails (0: the
/// next one). Test-only.
pub fn fail_frame_request(n: u64) {
    REFUSED.store(0, Ordering::Relaxed);
    COUNTDOWN.store(n.saturating_add(1), Ordering::Relaxed);
}

/// Disarms the countdown; returns how many requests it refused since it
/// was armed (0 or 1).
pub fn disarm() -> u64 {
    COUNTDOWN.store(0, Ordering::Relaxed);
    REFUSED.load(Ordering::Relaxed)
}

/// Whether the request being made now is the one to refuse.
#[inline]
pub fn refuse_this_request() -> bool {
    COUNTDOWN.load(Ordering::Relaxed) != 0 && count_down()
}

#[cold]
#[inline(never)]
fn count_down() -> bool {
    let left = COUNTDOWN.load(Ordering::Relaxed).saturating_sub(1);
    COUNTDOWN.store(left, Ordering::Relaxed);
    if left == 0 {
        REFUSED.fetch_add(1, Ordering::Relaxed);
    }
    left == 0
}
