//! Pristine's architecture-neutral memory management: frames, the zero page,
//! copy-on-write, and a large-allocation cache that re-zeroes only the pages
//! that were written.
//!
//! # The story
//!
//! A program that calls `calloc(100 MB)` and `free` 10,000 times, never
//! touching the memory, finishes in a fraction of a second on Linux but took
//! about eight minutes on macOS 10.12; with 1,000 MB blocks macOS was fast
//! again. Linux hands out fresh pages that all map one shared, read-only
//! **zero page**; only the first write to a page takes a **copy-on-write**
//! fault that gives it a zeroed frame of its own, so untouched memory costs
//! nothing and `calloc` needs no `memset`. macOS libmalloc keeps freed large
//! blocks in a **cache** (16 entries, each under 128 MiB) and, because a
//! recycled block may hold old data, `calloc` from the cache zeroes the whole
//! block every time, paging in memory nobody ever wrote. Blocks above the
//! entry limit bypass the cache, hence "bigger is faster".
//!
//! The fix nobody shipped: remember which pages of a cached block were
//! written (the page-table dirty bit, or a write-protect fault) and re-zero
//! only those. This crate implements all three behaviours side by side, as
//! [`Policy::NoCache`], [`Policy::AlwaysZero`] and [`Policy::DirtyTracking`],
//! so a kernel can measure them against each other.
//!
//! # The life of a page
//!
//! Every page of a large allocation is in one of four states; the engine
//! moves it between them, and the three policies differ only in what a cache
//! hit does (the last arrow):
//!
//! ```text
//!            calloc / malloc (lazy: nothing mapped, no frame taken)
//!                  |
//!                  v
//!          +---------------+   read fault    +--------------------------+
//!          |   untouched   | --------------> | zero page, read-only     |
//!          |  (unmapped)   |                 | (shared by every page)   |
//!          +---------------+                 +--------------------------+
//!                  | write fault (COW)                    | write fault (COW)
//!                  v                                      v
//!          +----------------------------------------------------------+
//!          | own frame, zeroed, clean (D clear; read-only for sw)     |<--+
//!          +----------------------------------------------------------+   |
//!                  | the program writes: the CPU sets D                   |
//!                  | (software strategy: a write fault makes it writable) |
//!                  v                                                      |
//!          +-----------------------------+  free; a calloc hits the cache:|
//!          | own frame, written (dirty)  |  DirtyTracking clears D, zeroes|
//!          +-----------------------------+  the frame, flushes -----------+
//! ```
//!
//! On a cache hit, `AlwaysZero` zeroes every page instead, paging untouched
//! ones in first; `NoCache` never has a hit: `free` unmaps every page and
//! returns its frame. Clean and untouched pages cost a `DirtyTracking` hit
//! nothing but a look at their entry.
//!
//! # Map of the crate
//!
//! Every item of the engine is at the crate root; the frame allocator and
//! the simulator keep their own namespaces.
//!
//! - [`VirtAddr`], [`PhysAddr`], [`FrameNumber`], [`FrameCount`], [`Page`],
//!   [`PageCount`], [`PageIndex`]: address, frame and page newtypes.
//! - [`frame`]: the physical frame allocator, and [`frame::FrameSource`],
//!   the trait the engine takes frames through.
//! - [`Mmu`]: the one trait an architecture implements, an `unsafe` trait
//!   whose safety contract says which pages and frames the engine hands
//!   over; with [`PageFlags`], [`EntryInfo`], [`DirtyDetection`] and
//!   [`AccessedDirtyUpdates`].
//! - [`LargeAllocator`]: the engine, with `calloc`, `malloc`, `realloc`,
//!   `free`, statistics ([`Stats`]) and policy switching, built from a
//!   [`Config`] over a [`VirtRange`].
//! - [`LargeAllocator::handle_fault`] and [`FaultOutcome`]: the fault entry
//!   point; [`ZeroPageMapping`]: eager or lazy zero page.
//! - [`LargeAllocator::duplicate`]: a fork-like copy of an allocation that
//!   shares its written frames copy-on-write, with exact reference counts
//!   (at most [`SHARED_FRAMES_MAX`] frames shared); [`SharingStats`].
//! - [`Policy`], [`CacheLimits`]: the three policies and the libmalloc
//!   limits; [`DirtyStrategy`]: hardware dirty bit or write faults.
//! - [`AllocError`], [`SetupError`], [`MmuError`]: errors as values.
//! - `sim` (feature `simulator`): a simulated MMU with RAM, page tables and
//!   a TLB, on which every test and the example below run.
//! - `conformance` (feature `conformance`): a kit for porters that checks
//!   the engine's guarantees on any [`Mmu`] through a small glue trait.
//!
//! # Unsafe code
//!
//! The crate contains no unsafe operation: no `unsafe` block and no
//! `unsafe fn`. Its root denies the `unsafe_code` lint, and the engine
//! ([`LargeAllocator`] and everything it does) forbids it outright, so no
//! later change can allow it back in there. Implementing [`Mmu`] is what is
//! unsafe: an implementation on real hardware writes page tables and memory
//! on the engine's word, and the trait's safety contract says what that
//! word guarantees; the engine's calls are safe because it keeps it.
//!
//! The lint also counts two declarations as unsafe code, and these are the
//! only places that allow it: the declaration of the `unsafe trait Mmu`
//! itself, and the simulator's `unsafe impl` of it (which writes nothing
//! but simulated RAM). That is why the root cannot say
//! `#![forbid(unsafe_code)]`: a forbidden lint cannot be allowed for the
//! trait's declaration.
//!
//! # Example
//!
//! On the simulator, the way a kernel would drive the engine (the `sim`
//! functions play the CPU: access, take the fault, let the engine fix it,
//! retry):
//!
//! ```
//! # #[cfg(feature = "simulator")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use pristine_allocator::sim::{self, SimConfig};
//! use pristine_allocator::{
//!     Config, DirtyDetection, FrameCount, LargeAllocator, PageCount, Policy, VirtAddr, VirtRange,
//! };
//!
//! // 128 frames of RAM with a hardware dirty bit; 1 GiB of virtual range.
//! let (mmu, frames) = sim::machine(SimConfig::new(FrameCount(128), DirtyDetection::Hardware));
//! let range = VirtRange::new(VirtAddr(0x4000_0000), PageCount(1 << 18))?;
//! let config = Config::new(range).with_policy(Policy::DirtyTracking);
//! let mut engine: LargeAllocator<_, _> = LargeAllocator::new(mmu, frames, config)?;
//!
//! // calloc 160 KiB (40 pages): nothing is mapped, no frame is taken.
//! let block = engine.calloc(40, 4096)?;
//! assert_eq!(engine.stats().frames_in_use, 0);
//!
//! // The first write takes one copy-on-write fault and one zeroed frame.
//! sim::write_byte(&mut engine, block, 42)?;
//! assert_eq!(engine.stats().cow_faults, 1);
//!
//! // Free, calloc again: a cache hit that re-zeroes only the written page.
//! engine.free(block)?;
//! let again = engine.calloc(40, 4096)?;
//! assert_eq!(again, block);
//! assert_eq!(engine.stats().pages_zeroed_on_reuse, 1);
//! assert_eq!(sim::read_byte(&mut engine, again)?, 0);
//! engine.free(again)?;
//!
//! // The next experiment: drain the cache, switch, reset the counters.
//! engine.set_policy(Policy::AlwaysZero)?;
//! engine.reset_counters();
//! let block = engine.calloc(40, 4096)?;
//! engine.free(block)?;
//! let again = engine.calloc(40, 4096)?;
//! // libmalloc's behaviour: all 40 pages faulted in and zeroed.
//! assert_eq!(engine.stats().pages_zeroed_on_reuse, 40);
//! assert_eq!(engine.stats().frames_in_use, 40);
//! # engine.free(again)?;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "simulator"))]
//! # fn main() {}
//! ```
//!
//! # Using it from a kernel
//!
//! 1. Implement [`Mmu`] for the page tables (a few lines per method; read
//!    its safety contract, and give the implementation an `unsafe`
//!    constructor) and [`frame::FrameSource`] for the frame allocator.
//! 2. Reserve a virtual range and build the engine with
//!    [`LargeAllocator::new`] and a [`Config`].
//! 3. Route every page fault for which [`LargeAllocator::owns`] is true to
//!    [`LargeAllocator::handle_fault`]: retry on [`FaultOutcome::Handled`],
//!    report [`FaultOutcome::Fatal`].
//! 4. Between experiments call [`LargeAllocator::set_policy`] (which drains
//!    the cache) and [`LargeAllocator::reset_counters`]; after each round read
//!    [`LargeAllocator::stats`].

#![no_std]
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(any(test, feature = "std"))]
extern crate std;

mod addr;
mod cache;
mod config;
#[cfg(feature = "conformance")]
pub mod conformance;
mod dirty;
mod engine;
mod error;
mod fault;
pub mod frame;
mod large_page;
mod large_zero_page;
mod mmu;
mod page;
mod region;
mod shared_frames;
mod sharing_stats;
#[cfg(any(test, feature = "simulator"))]
pub mod sim;
mod stats;
mod zero_page;

pub use addr::{FrameCount, FrameNumber, PAGE_SIZE, PhysAddr, VirtAddr};
pub use cache::{Adaptation, CacheLimits, Policy};
pub use config::{Config, DEFAULT_THRESHOLD};
pub use dirty::DirtyStrategy;
pub use engine::{DEFAULT_SLOTS, LargeAllocator};
pub use error::{AllocError, SetupError};
pub use fault::{FatalFault, FaultOutcome, Resolution};
pub use large_page::{LARGE_PAGE_SIZE, LargePage, PAGES_PER_LARGE_PAGE, is_large_frame_start};
pub use mmu::{
    Access, AccessFault, AccessedDirtyUpdates, DirtyDetection, EntryInfo, Mmu, MmuError, PageFlags,
};
pub use page::{Page, PageCount, PageIndex};
pub use region::VirtRange;
pub use shared_frames::SHARED_FRAMES_MAX;
pub use sharing_stats::SharingStats;
pub use stats::{CacheUsage, Stats};
pub use zero_page::ZeroPageMapping;
