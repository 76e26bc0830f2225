//! The allocator's conformance kit on this kernel's MMU.
//!
//! `pristine_allocator::conformance` checks the engine's guarantees (zeroed
//! `calloc` bytes on poisoned memory, exact re-zeroing, writes after a
//! dirty-bit clear seen, bounded spurious faults, frames returned) through
//! a small glue trait. [`KernelPlatform`] is that glue here: the engine
//! behind its lock, and plain loads and stores, whose page faults reach the
//! engine through the architecture's fault handler, as a program's would.
//! The same test runs on every architecture, so each port of the MMU
//! passes the same kit the simulator passes.

use super::TestResult;
use crate::arch::PageTableMmu;
use crate::memory::{frames, large, poison};
use alloc::format;
use pristine_allocator::conformance::{self, Platform};
use pristine_allocator::{Adaptation, AllocError, DirtyStrategy, Policy, Stats, VirtAddr};

/// The kernel's engine and memory, as the kit's platform.
struct KernelPlatform;

impl Platform for KernelPlatform {
    fn calloc(&mut self, bytes: u64) -> Result<VirtAddr, AllocError> {
        large::with_engine(|engine| engine.calloc(1, bytes))
    }

    fn free(&mut self, block: VirtAddr) -> Result<(), AllocError> {
        large::with_engine(|engine| engine.free(block))
    }

    fn switch(&mut self, policy: Policy, dirty: DirtyStrategy) -> Result<(), AllocError> {
        large::switch(policy, dirty)
    }

    fn set_adaptation(&mut self, adaptation: Adaptation) {
        large::with_engine(|engine| engine.set_adaptation(adaptation));
    }

    fn reset_counters(&mut self) {
        large::with_engine(|engine| engine.reset_counters());
    }

    fn stats(&mut self) -> Stats {
        large::with_engine(|engine| engine.stats())
    }

    fn read(&mut self, address: VirtAddr, buffer: &mut [u8]) {
        let source = address.0 as *const u8;
        // SAFETY: the kit reads only inside blocks it allocated and has not
        // freed; untouched pages fault and the engine maps them, with the
        // engine lock not held here.
        unsafe { core::ptr::copy_nonoverlapping(source, buffer.as_mut_ptr(), buffer.len()) };
    }

    fn fill(&mut self, address: VirtAddr, len: u64, value: u8) {
        let target = address.0 as *mut u8;
        // SAFETY: the kit writes only inside blocks it allocated and has not
        // freed; the write faults are the engine's, as for `read`.
        unsafe { target.write_bytes(value, len as usize) };
    }

    fn poison_free_frames(&mut self) {
        poison::poison_free_frames();
    }

    fn free_frames(&mut self) -> u64 {
        frames::stats().free.0
    }

    fn page_table_frames(&mut self) -> u64 {
        PageTableMmu::page_table_frames()
    }
}

/// The kit passes on this architecture's MMU, in every setup it supports.
pub fn mmu_passes_conformance_kit() -> TestResult {
    let summary = conformance::run(&mut KernelPlatform)
        .map_err(|failure| format!("conformance: {failure}"))?;
    log::info!("conformance kit passed: {summary:?}");
    if summary.setups_checked == 0 {
        return Err(format!("no setup was checked: {summary:?}"));
    }
    Ok(())
}
