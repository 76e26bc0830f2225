//! Driving an engine like a CPU: access, take the fault, let the engine fix
//! it, retry.
//!
//! On hardware a load or store that faults traps to the kernel, which calls
//! [`LargeAllocator::handle_fault`] and returns to retry the instruction.
//! These functions do the same for host tests: every access goes through the
//! simulated TLB and page table of the engine's [`SimMmu`], and each fault is
//! routed to the engine until the access succeeds or the engine refuses.

use core::fmt;

use crate::addr::VirtAddr;
use crate::engine::LargeAllocator;
use crate::fault::FaultOutcome;
use crate::frame::FrameSource;
use crate::mmu::AccessFault;
use crate::sim::memory::FRAME_BYTES;
use crate::sim::mmu::SimMmu;

/// How many faults one access may take before the simulation gives up (a
/// first write to a read zero page takes one; a stale entry one more).
pub const MAX_FAULTS_PER_ACCESS: usize = 4;

/// Why a simulated access did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuError {
    /// The engine did not handle the fault (not ours, or fatal).
    Unhandled {
        /// The fault the MMU reported.
        fault: AccessFault,
        /// What the engine said about it.
        outcome: FaultOutcome,
    },
    /// The engine kept answering "handled" but the access kept faulting.
    FaultLoop(AccessFault),
}

/// A simulated engine: the engine type the CPU functions drive.
pub type SimEngine<F, const SLOTS: usize> = LargeAllocator<SimMmu, F, SLOTS>;

/// Loads the byte at `addr`, handling faults like a kernel would.
pub fn read_byte<F: FrameSource, const SLOTS: usize>(
    engine: &mut SimEngine<F, SLOTS>,
    addr: VirtAddr,
) -> Result<u8, CpuError> {
    with_faults(engine, |mmu| mmu.read(addr))
}

/// Stores `value` at `addr`, handling faults like a kernel would.
pub fn write_byte<F: FrameSource, const SLOTS: usize>(
    engine: &mut SimEngine<F, SLOTS>,
    addr: VirtAddr,
    value: u8,
) -> Result<(), CpuError> {
    with_faults(engine, |mmu| mmu.write(addr, value))
}

/// Loads `buf.len()` bytes starting at `addr` into `buf`.
pub fn read_bytes<F: FrameSource, const SLOTS: usize>(
    engine: &mut SimEngine<F, SLOTS>,
    addr: VirtAddr,
    buf: &mut [u8],
) -> Result<(), CpuError> {
    let mut done = 0;
    while let Some(rest) = buf.get_mut(done..).filter(|rest| !rest.is_empty()) {
        let at = VirtAddr(
            addr.as_u64()
                .saturating_add(u64::try_from(done).unwrap_or(u64::MAX)),
        );
        done += with_faults(engine, |mmu| mmu.read_to_page_end(at, rest))?;
    }
    Ok(())
}

/// Whether all `len` bytes from `addr` read as zero (loading each page once).
pub fn reads_zero<F: FrameSource, const SLOTS: usize>(
    engine: &mut SimEngine<F, SLOTS>,
    addr: VirtAddr,
    len: u64,
) -> Result<bool, CpuError> {
    let mut page = [0u8; FRAME_BYTES];
    let mut offset = 0u64;
    while offset < len {
        let chunk = usize::try_from((len - offset).min(4096)).unwrap_or(FRAME_BYTES);
        let at = VirtAddr(addr.as_u64().saturating_add(offset));
        let loaded = with_faults(engine, |mmu| mmu.read_to_page_end(at, &mut page[..chunk]))?;
        if page[..loaded].iter().any(|&byte| byte != 0) {
            return Ok(false);
        }
        offset += u64::try_from(loaded).unwrap_or(u64::MAX).max(1);
    }
    Ok(true)
}

fn with_faults<F: FrameSource, const SLOTS: usize, T>(
    engine: &mut SimEngine<F, SLOTS>,
    mut access: impl FnMut(&mut SimMmu) -> Result<T, AccessFault>,
) -> Result<T, CpuError> {
    let mut fault = match access(engine.mmu_mut()) {
        Ok(value) => return Ok(value),
        Err(fault) => fault,
    };
    for _ in 0..MAX_FAULTS_PER_ACCESS {
        match engine.handle_fault(fault.addr, fault.access) {
            FaultOutcome::Handled(_) => {}
            outcome => return Err(CpuError::Unhandled { fault, outcome }),
        }
        fault = match access(engine.mmu_mut()) {
            Ok(value) => return Ok(value),
            Err(fault) => fault,
        };
    }
    Err(CpuError::FaultLoop(fault))
}

impl fmt::Display for CpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpuError::Unhandled { fault, outcome } => {
                write!(f, "fault at {} not handled: {outcome:?}", fault.addr)
            }
            CpuError::FaultLoop(fault) => write!(f, "access at {} keeps faulting", fault.addr),
        }
    }
}

impl std::error::Error for CpuError {}
