//! Large allocations: the allocator engine running on the kernel's page tables.
//!
//! `pristine_allocator::LargeAllocator` holds all the logic (regions,
//! zero page, copy-on-write, the cache and its three policies); this module
//! gives it what it needs in this kernel and keeps the one instance:
//! - the architecture's MMU (real page tables, hardware dirty bits),
//! - frames from the kernel's global frame allocator ([`KernelFrames`]),
//! - a virtual range of its own (`arch::layout::LARGE_ALLOCATION_START`),
//! - page faults in that range, routed here by the exception handler
//!   ([`resolve_fault`]).
//!
//! Locks: the engine lock is taken first, then (inside the port) the
//! page-table lock, then the frame-allocator lock. A page fault taken while
//! the engine lock is held would be a bug in the engine; [`resolve_fault`]
//! reports it instead of deadlocking.

use crate::arch;
use crate::arch::layout::{LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START};
use crate::memory::with_frames;
use pristine_allocator::frame::{FrameError, FrameSource};
use pristine_allocator::{
    Access, AllocError, Config, DirtyDetection, DirtyStrategy, FaultOutcome, FrameNumber,
    LargeAllocator, PAGE_SIZE, PageCount, Policy, SetupError, Stats, VirtAddr, VirtRange,
};
use spin::Mutex;

/// The kernel's frame allocator, lent to the engine one frame at a time.
pub struct KernelFrames;

impl FrameSource for KernelFrames {
    fn allocate_frame(&mut self) -> Result<FrameNumber, FrameError> {
        with_frames(|frames| frames.allocate())
    }

    fn free_frame(&mut self, frame: FrameNumber) -> Result<(), FrameError> {
        with_frames(|frames| frames.free(frame))
    }
}

/// The engine type this kernel runs.
pub type Engine = LargeAllocator<arch::Mmu, KernelFrames>;

static ENGINE: Mutex<Option<Engine>> = Mutex::new(None);

/// What the exception handler should do about a page fault.
#[derive(Debug)]
pub enum FaultVerdict {
    /// Fixed: retry the faulting instruction.
    Retry,
    /// Not in the large-allocation range: the fault is someone else's.
    NotOurs,
    /// In the range but not allowed (unallocated, freed, execute, or the
    /// engine could not fix it): the reason, for the fatal report.
    Fatal(alloc::string::String),
}

/// Builds the engine with `policy` and `dirty` over the kernel's range.
pub fn init(policy: Policy, dirty: DirtyStrategy) -> Result<(), SetupError> {
    let pages = PageCount(LARGE_ALLOCATION_SIZE / PAGE_SIZE);
    let range = VirtRange::new(VirtAddr(LARGE_ALLOCATION_START), pages)
        .expect("the large-allocation range in arch::layout is page aligned");
    let config = Config::new(range)
        .with_policy(policy)
        .with_dirty_strategy(dirty);
    // SAFETY: the one MMU the kernel builds, handed straight to the engine
    // with the large-allocation range (`arch::layout` reserves it for the
    // engine) and `KernelFrames`, whose frames come from the kernel's frame
    // allocator and are no one else's until freed. A second `init` drops
    // this engine, and its MMU, when it stores the new one.
    let mmu = unsafe { arch::Mmu::new(DirtyDetection::Hardware) };
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
        return FaultVerdict::Fatal("page fault inside the allocator (engine lock held)".into());
    };
    let Some(engine) = guard.as_mut() else {
        return FaultVerdict::Fatal(
            "page fault in the large range before the engine exists".into(),
        );
    };
    match engine.handle_fault(VirtAddr(address), access) {
        FaultOutcome::Handled(_) => FaultVerdict::Retry,
        FaultOutcome::NotOurs => FaultVerdict::NotOurs,
        FaultOutcome::Fatal(reason) => FaultVerdict::Fatal(alloc::format!("{reason:?}")),
    }
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

/// The engine's counters.
pub fn stats() -> Stats {
    with_engine(|engine| engine.stats())
}

/// Zeroes the engine's counters.
pub fn reset_counters() {
    with_engine(|engine| engine.reset_counters());
}

/// The policy and dirty strategy in force.
pub fn policy() -> (Policy, DirtyStrategy) {
    with_engine(|engine| (engine.policy(), engine.dirty_strategy()))
}

/// The engine's allocation threshold in bytes.
pub fn threshold() -> u64 {
    with_engine(|engine| engine.config().threshold)
}
