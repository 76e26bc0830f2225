//! A conformance kit for porters: the engine's guarantees, checked on any
//! MMU (feature `conformance`, `no_std`, no heap).
//!
//! An [`Mmu`](crate::Mmu) implementation can compile, map and unmap and
//! still break what the engine promises: forget a TLB flush after clearing a
//! dirty bit (a later write is never seen, old data leaks), fault on a clear
//! accessed or dirty bit while declaring hardware updates (the fault is
//! retried forever), or lose page-table frames. [`run`] drives a running
//! engine through a [`Platform`], the porter's glue (allocate, free, switch
//! policy, read and write memory as a program would), and checks, for every
//! policy and every dirty strategy the MMU supports:
//!
//! - **zeroes**: every byte of every `calloc` reads zero, on memory filled
//!   with poison beforehand (a frame handed out unzeroed shows it), fresh
//!   and after a block written in full was reused;
//! - **exact re-zeroing**: on a cache hit, dirty tracking re-zeroes exactly
//!   the pages written since they were last zeroed (k of N, for several k),
//!   and always-zero re-zeroes all of them;
//! - **writes after a dirty-bit clear are seen**: a page written, re-zeroed
//!   on reuse, and written again is re-zeroed again on the next hit and
//!   reads zero. An MMU whose `flush_tlb` misses (or whose `clear_dirty`
//!   leaves a stale writable translation) fails here;
//! - **bounded spurious faults**: faults the engine found nothing to fix
//!   for (a stale translation) stay within one per page written;
//! - **large zero page** (where the engine maps one): one read fault per
//!   aligned 2 MiB stretch, a write splits it into one fresh frame, every
//!   other byte stays zero, and reuse re-zeroes what it must (`large.rs`);
//! - **frames back to baseline**: after the cache is drained, every frame
//!   is free again, less the page-table frames the MMU keeps.
//!
//! The first failure ends the run with a [`Failure`] naming the check, the
//! setup and what was seen. The simulator passes the kit
//! (`allocator/tests/conformance.rs`), and so do both kernel ports, from
//! the kernel test `mmu_passes_conformance_kit`.

mod checks;
mod failure;
mod large;
mod platform;

pub use checks::{BLOCK_PAGES, Summary, run};
pub use failure::{Check, Failure, Seen};
pub use large::LARGE_BLOCK_PAGES;
pub use platform::Platform;
