//! Large allocations: the allocator engine running on the kernel's page tables.
//!
//! `pristine_allocator::LargeAllocator` holds all the logic (regions,
//! zero page, copy-on-write, the cache and its three policies); this module
//! gives it what it needs in this kernel and keeps the one instance:
//! - the architecture's MMU ([`PageTableMmu`]: real page tables, hardware
//!   dirty bits),
//! - frames from the kernel's global frame allocator ([`KernelFrames`]),
//! - a virtual range of its own ([`LARGE_ALLOCATION_START`]),
//! - page faults in that range, routed here by the exception handler
//!   ([`resolve_fault`]).
//!
//! Everything else is the engine's own API, reached through [`with_engine`].
//!
//! Under memory pressure the engine gives back cached blocks before it gives
//! up; a fault that still finds no frame is reported as
//! [`UnfixableFault::OutOfMemory`], and the kernel stops with a report of
//! what memory held (see `out_of_memory.rs`).
//!
//! Locks: the engine lock is taken first, then (inside the MMU) the
//! page-table lock, then the frame-allocator lock. A page fault taken while
//! the engine lock is held would be a bug in the engine; [`resolve_fault`]
//! reports it instead of deadlocking. The fault path allocates nothing: its
//! verdict is a value, formatted only if the kernel dies of it.

use crate::arch::{LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START, PageTableMmu};
use crate::breakdown::{Part, measure};
use crate::memory::out_of_memory::OutOfMemory;
use crate::memory::{injection, with_frames};
use core::fmt;
use pristine_allocator::frame::{FrameError, FrameSource};
use pristine_allocator::{
    Access, Adaptation, AllocError, Config, DirtyDetection, DirtyStrategy, FatalFault,
    FaultOutcome, FrameCount, FrameNumber, LargeAllocator, MmuError, PAGE_SIZE,
    PAGES_PER_LARGE_PAGE, PageCount, Policy, SetupError, VirtAddr, VirtRange,
};
use spin::Mutex;

/// The kernel's frame allocator, lent to the engine one frame at a time.
/// A kernel test can make one request fail ([`injection`]).
pub struct KernelFrames;

impl FrameSource for KernelFrames {
    fn allocate_frame(&mut self) -> Result<FrameNumber, FrameError> {
        if injection::refuse_this_request() {
            return Err(FrameError::OutOfFrames);
        }
        measure(Part::Frames, || with_frames(|frames| frames.allocate()))
    }

    fn free_frame(&mut self, frame: FrameNumber) -> Result<(), FrameError> {
        measure(Part::Frames, || with_frames(|frames| frames.free(frame)))
    }

    /// The large zero page's 2 MiB: the lowest 2 MiB-aligned run of 512
    /// free frames, taken once, when the engine is built at boot.
    fn allocate_large_frame(&mut self) -> Result<FrameNumber, FrameError> {
        let frames = FrameCount(PAGES_PER_LARGE_PAGE);
        with_frames(|allocator| allocator.allocate_contiguous(frames, frames))
    }
}

/// The engine type this kernel runs.
pub type Engine = LargeAllocator<PageTableMmu, KernelFrames>;

static ENGINE: Mutex<Option<Engine>> = Mutex::new(None);

/// What the exception handler should do about a page fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultVerdict {
    /// Fixed: retry the faulting instruction.
    Retry,
    /// Not in the large-allocation range: the fault is someone else's.
    NotOurs,
    /// In the range but not allowed: why, for the fatal report.
    Fatal(UnfixableFault),
}

/// Why a page fault in the large-allocation range cannot be fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnfixableFault {
    /// The fault was taken while the engine lock was held: a bug in the
    /// engine or the MMU, which must not touch allocation memory.
    InsideEngine,
    /// The fault came before [`init`] built the engine.
    BeforeInit,
    /// No frame was left for the page, or for a page table to map it, even
    /// after the engine reclaimed its whole cache.
    OutOfMemory(OutOfMemory),
    /// The engine refused the access (unallocated, freed, execute) or could
    /// not fix it.
    Refused(FatalFault),
}

impl fmt::Display for UnfixableFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InsideEngine => f.write_str("page fault inside the allocator (engine lock held)"),
            Self::BeforeInit => {
                f.write_str("page fault in the large range before the engine exists")
            }
            Self::OutOfMemory(fault) => write!(
                f,
                "out of memory: a {:?} fault at {:#x} found no frame",
                fault.access, fault.address
            ),
            Self::Refused(reason) => write!(f, "{reason}"),
        }
    }
}

/// Builds the engine with `policy`, `dirty` and `adaptation` over the
/// kernel's range, with the 2 MiB zero page if `large_zero_page`
/// (`hugezero=on`, the default).
pub fn init(
    policy: Policy,
    dirty: DirtyStrategy,
    adaptation: Adaptation,
    large_zero_page: bool,
) -> Result<(), SetupError> {
    let pages = PageCount(LARGE_ALLOCATION_SIZE / PAGE_SIZE);
    let range = VirtRange::new(VirtAddr(LARGE_ALLOCATION_START), pages)
        .expect("the arch's large-allocation range is page aligned");
    let config = Config::new(range)
        .with_policy(policy)
        .with_dirty_strategy(dirty)
        .with_adaptation(adaptation)
        .with_large_zero_page(large_zero_page);
    // SAFETY: the one MMU the kernel builds, handed straight to the engine
    // with the large-allocation range (the architecture's layout reserves it for the
    // engine) and `KernelFrames`, whose frames come from the kernel's frame
    // allocator and are no one else's until freed. A second `init` drops
    // this engine, and its MMU, when it stores the new one.
    let mmu = unsafe { PageTableMmu::new(DirtyDetection::Hardware) };
    let engine: Engine = LargeAllocator::new(mmu, KernelFrames, config)?;
    *ENGINE.lock() = Some(engine);
    Ok(())
}

/// Runs `operation` with the engine locked.
///
/// # Panics
/// Before [`init`]: a boot-order bug.
pub fn with_engine<R>(operation: impl FnOnce(&mut Engine) -> R) -> R {
    let mut guard = ENGINE.lock();
    operation(
        guard
            .as_mut()
            .expect("large allocations used before memory::large::init"),
    )
}

/// Runs `operation` with the engine locked, unless the lock is held (or
/// the engine not built yet): for reports made from a fault handler.
pub fn try_with_engine<R>(operation: impl FnOnce(&mut Engine) -> R) -> Option<R> {
    ENGINE.try_lock()?.as_mut().map(operation)
}

/// Whether `address` lies in the large-allocation range.
pub fn owns(address: u64) -> bool {
    (LARGE_ALLOCATION_START..LARGE_ALLOCATION_START + LARGE_ALLOCATION_SIZE).contains(&address)
}

/// Offers a page fault at `address` to the engine.
pub fn resolve_fault(address: u64, access: Access) -> FaultVerdict {
    if !owns(address) {
        return FaultVerdict::NotOurs;
    }
    let Some(mut guard) = ENGINE.try_lock() else {
        return FaultVerdict::Fatal(UnfixableFault::InsideEngine);
    };
    let Some(engine) = guard.as_mut() else {
        return FaultVerdict::Fatal(UnfixableFault::BeforeInit);
    };
    match measure(Part::Engine, || {
        engine.handle_fault(VirtAddr(address), access)
    }) {
        FaultOutcome::Handled(_) => FaultVerdict::Retry,
        FaultOutcome::NotOurs => FaultVerdict::NotOurs,
        FaultOutcome::Fatal(reason) => FaultVerdict::Fatal(unfixable(reason, address, access)),
    }
}

/// Why the fault at `address` that the engine refused for `reason` cannot
/// be fixed: out of memory, or the engine's own reason. Out of line: the
/// fault path that succeeds pays nothing for it.
#[cold]
#[inline(never)]
fn unfixable(reason: FatalFault, address: u64, access: Access) -> UnfixableFault {
    let for_page_table = match reason {
        FatalFault::OutOfFrames(_) => false,
        FatalFault::Mmu(MmuError::OutOfPageTableFrames) => true,
        other => return UnfixableFault::Refused(other),
    };
    UnfixableFault::OutOfMemory(OutOfMemory {
        address,
        access,
        for_page_table,
    })
}

/// Drains the cache and switches policy and dirty strategy, for the next
/// experiment; counters are reset.
pub fn switch(policy: Policy, dirty: DirtyStrategy) -> Result<(), AllocError> {
    with_engine(|engine| {
        engine.set_policy(policy)?;
        engine.set_dirty_strategy(dirty)?;
        engine.reset_counters();
        Ok(())
    })
}
