//! A simulated MMU for host tests: RAM, page tables, a TLB and a CPU loop.
//!
//! Behind the `simulator` feature (and always in this crate's unit tests).
//! [`SimMmu`] implements [`crate::Mmu`] with x86 semantics, or, configured
//! with [`crate::AccessedDirtyUpdates::Software`], RISC-V Svade ones, so the
//! engine runs unchanged on the host: writes set dirty bits or fault when
//! read-only, and a missing TLB flush leaves a stale translation behind.
//! [`SimFrames`] is a frame source over the same RAM, and [`read_byte`],
//! [`write_byte`] and their siblings play the CPU: access, fault, let the
//! engine fix it, retry. Both halves can fail one chosen request on
//! purpose ([`SimFrames::fail_allocation`], [`SimMmu::fail_map`]), for
//! fault-injection tests.
//!
//! This module only declares and re-exports; [`machine()`] builds a
//! matching MMU and frame source from a [`SimConfig`].

mod counters;
mod cpu;
mod frames;
mod injection;
mod machine;
mod memory;
mod mmu;
mod mmu_impl;
#[cfg(test)]
pub(crate) mod testing;
mod tlb;
mod translate;

pub use counters::SimCounters;
pub use cpu::{
    CpuError, MAX_FAULTS_PER_ACCESS, SimEngine, read_byte, read_bytes, reads_zero, write_byte,
};
pub use frames::SimFrames;
pub use machine::{SimConfig, machine};
pub use memory::{POISON, PhysicalMemory};
pub use mmu::SimMmu;
pub use tlb::{Tlb, TlbEntry};
