//! The host's own cost of the seed's loop, measured through libc.
//!
//! Beside the guest's figures the benchmark reports what the machine running
//! it pays natively (issue 5, item 3): the seed's `calloc(100 MiB)` + `free`
//! loop through the host's libc (on Linux and glibc: fresh `mmap`ed pages
//! that are never zeroed by hand, since the kernel promises zeros), and
//! `malloc` + `memset(0)` + `free`, which is what an always-zero cache costs
//! on memory that was never backed. Timed with [`Instant`]; wall-clock
//! nanoseconds, so noisy, and reported as the mean per call pair.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Bytes per allocation: the seed's 100 MiB.
pub const HOST_BLOCK_BYTES: usize = 100 << 20;

/// One host baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostBaseline {
    /// `host_calloc_free_100mib` or `host_malloc_memset_free_100mib`.
    pub name: String,
    /// What was measured, for people.
    pub what: String,
    /// How many call pairs were timed.
    pub iterations: u32,
    /// Wall-clock nanoseconds per call pair (mean).
    pub ns_per_pair: f64,
}

/// Why a host baseline could not be measured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostBaselineError {
    /// libc returned a null pointer.
    #[error("the host's {call}({bytes} bytes) returned null: out of memory?")]
    OutOfMemory {
        /// The call that failed.
        call: &'static str,
        /// The size asked for.
        bytes: usize,
    },
}

/// Iterations of `calloc` + `free`: about 16 us each on glibc.
pub const CALLOC_ITERATIONS: u32 = 200;
/// Iterations of `malloc` + `memset` + `free`: tens of ms each.
pub const MEMSET_ITERATIONS: u32 = 10;

/// Both host baselines at 100 MiB.
pub fn measure() -> Result<Vec<HostBaseline>, HostBaselineError> {
    Ok(vec![
        calloc_free(HOST_BLOCK_BYTES, CALLOC_ITERATIONS)?,
        malloc_memset_free(HOST_BLOCK_BYTES, MEMSET_ITERATIONS)?,
    ])
}

/// The seed's loop: `iterations` times `calloc(bytes)` + `free`, untouched.
pub fn calloc_free(bytes: usize, iterations: u32) -> Result<HostBaseline, HostBaselineError> {
    let elapsed = time(iterations, || {
        // SAFETY: calloc has no preconditions; a null result is handled.
        // `black_box` lets the pointer escape, so the optimiser cannot drop
        // the calloc + free pair as unused (LLVM knows what they do).
        let block = black_box(unsafe { libc::calloc(1, bytes) });
        if block.is_null() {
            return Err(HostBaselineError::OutOfMemory {
                call: "calloc",
                bytes,
            });
        }
        // SAFETY: `block` came from calloc just above and is freed once.
        unsafe { libc::free(block) };
        Ok(())
    })?;
    Ok(HostBaseline {
        name: "host_calloc_free_100mib".into(),
        what: "host libc calloc(100 MiB) + free, memory untouched (the seed's loop)".into(),
        iterations,
        ns_per_pair: per_iteration(elapsed, iterations),
    })
}

/// `iterations` times `malloc(bytes)` + `memset(0)` + `free`.
pub fn malloc_memset_free(
    bytes: usize,
    iterations: u32,
) -> Result<HostBaseline, HostBaselineError> {
    let elapsed = time(iterations, || {
        // SAFETY: malloc has no preconditions; a null result is handled.
        let block = black_box(unsafe { libc::malloc(bytes) });
        if block.is_null() {
            return Err(HostBaselineError::OutOfMemory {
                call: "malloc",
                bytes,
            });
        }
        // SAFETY: `block` points to `bytes` writable bytes from malloc, not
        // yet freed.
        unsafe { libc::memset(block, 0, bytes) };
        // SAFETY: `block` came from malloc just above and is freed once. The
        // zeroed block escapes through `black_box` before the free, so the
        // memset is not a dead store.
        unsafe { libc::free(black_box(block)) };
        Ok(())
    })?;
    Ok(HostBaseline {
        name: "host_malloc_memset_free_100mib".into(),
        what: "host libc malloc(100 MiB) + memset(0) + free (what an always-zero cache costs)"
            .into(),
        iterations,
        ns_per_pair: per_iteration(elapsed, iterations),
    })
}

/// The wall-clock time of `iterations` calls of `body`.
fn time(
    iterations: u32,
    mut body: impl FnMut() -> Result<(), HostBaselineError>,
) -> Result<Duration, HostBaselineError> {
    let started = Instant::now();
    for _ in 0..iterations {
        body()?;
    }
    Ok(started.elapsed())
}

/// Nanoseconds per iteration.
fn per_iteration(elapsed: Duration, iterations: u32) -> f64 {
    elapsed.as_nanos() as f64 / f64::from(iterations.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_small_blocks_quickly() {
        let calloc = calloc_free(1 << 20, 3).expect("1 MiB is available");
        assert_eq!(calloc.iterations, 3);
        assert!(calloc.ns_per_pair > 0.0);
        let memset = malloc_memset_free(1 << 20, 2).expect("1 MiB is available");
        // 1 MiB cannot be zeroed in under a microsecond: the memset ran.
        assert!(memset.ns_per_pair > 1_000.0);
        assert!(memset.what.contains("memset"));
    }

    #[test]
    fn reports_allocation_failure() {
        let error = calloc_free(usize::MAX, 1).expect_err("no host has usize::MAX bytes");
        assert_eq!(
            error,
            HostBaselineError::OutOfMemory {
                call: "calloc",
                bytes: usize::MAX
            }
        );
    }
}
