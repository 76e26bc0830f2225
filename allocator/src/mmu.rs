//! The MMU: everything an architecture must supply, behind one unsafe trait.
//!
//! The engine never touches page-table entries, TLBs or physical memory
//! itself. It asks an [`Mmu`] to map, unmap, protect, query, clear the dirty
//! bit, invalidate the TLB and zero memory, so the same cache, zero-page and
//! copy-on-write logic runs on x86_64, on other architectures and on the
//! host simulator (the engine is generic over it). Each method is meant to
//! be a few lines in a real port: a page-table walk to the 4 KiB entry, a
//! bit operation, a TLB invalidation, or a clear through the kernel's
//! direct map.
//!
//! The MMU also declares what its hardware does by itself: whether an entry
//! has a dirty bit ([`DirtyDetection`]) and whether the hardware sets the
//! accessed and dirty bits or faults so that software sets them
//! ([`AccessedDirtyUpdates`]). Page-table frames are the implementation's
//! own business: it allocates them however it likes, never through the
//! engine.

use core::fmt;

use bitflags::bitflags;

use crate::addr::{FrameNumber, VirtAddr};
use crate::large_page::LargePage;
use crate::page::{Page, PageIndex};

bitflags! {
    /// How a page is mapped. A page mapped with no flags is present,
    /// readable, read-only and never executable.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct PageFlags: u8 {
        /// Writes are allowed (x86: the R/W bit, Intel SDM Vol. 3A, 4.6).
        const WRITABLE = 1 << 0;
        /// Set the entry's dirty bit: [`Mmu::map`] creates the entry with
        /// it set, [`Mmu::protect`] sets it (neither ever clears it). The
        /// engine passes it when it moves a written frame to a new page
        /// (realloc), so the dirty information travels with the data, and
        /// on an MMU without hardware A/D updates when a write is about to
        /// happen. An MMU without a dirty bit ignores it.
        const DIRTY = 1 << 1;
        /// Set the entry's accessed bit, as [`PageFlags::DIRTY`] sets the
        /// dirty bit. The engine passes it only to an MMU that declares
        /// [`AccessedDirtyUpdates::Software`].
        const ACCESSED = 1 << 2;
    }
}

/// Whether a page-table entry has a dirty bit that records writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DirtyDetection {
    /// The entry has a dirty bit, set on the first write through it: by the
    /// MMU (x86 D bit, Intel SDM Vol. 3A, 4.8; aarch64 with FEAT_HAFDBS and
    /// DBM; RISC-V with Svadu), or, on an MMU that declares
    /// [`AccessedDirtyUpdates::Software`] (RISC-V Svade), by the engine when
    /// the MMU faults on that write.
    Hardware,
    /// No dirty bit: the only way to see a write is to map the page
    /// read-only and take the write fault.
    SoftwareOnly,
}

/// Who sets an entry's accessed (A) and dirty (D) bits when the entry is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessedDirtyUpdates {
    /// The MMU sets A on the first access through an entry and D on the
    /// first write (x86: Intel SDM Vol. 3A, 4.8; RISC-V Svadu; aarch64 with
    /// FEAT_HAFDBS). A fault on an entry that allows the access can then
    /// only come from a stale translation.
    Hardware,
    /// The MMU faults instead, although the entry allows the access, and
    /// software must set the bit (RISC-V Svade: an access through an entry
    /// with A=0, or a store through a writable entry with D=0, raises a
    /// page fault; aarch64 without FEAT_HAFDBS: an access flag fault on
    /// AF=0).
    ///
    /// The engine then creates every entry with A set, and with D set too
    /// when it maps a page for a write that is about to happen
    /// ([`PageFlags::ACCESSED`], [`PageFlags::DIRTY`]). A D fault can still
    /// happen after the dirty-tracking cache clears D to re-arm a page; the
    /// engine answers it, and any other such fault, by setting the missing
    /// bits with [`Mmu::protect`]. That is how a write is recorded on such
    /// an MMU: [`DirtyDetection::Hardware`] with software-set dirty bits.
    Software,
}

/// What a present page-table entry says, as returned by [`Mmu::query`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryInfo {
    /// The frame the page maps to.
    pub frame: FrameNumber,
    /// Whether writes are allowed.
    pub writable: bool,
    /// Whether the dirty bit is set (always `false` on an MMU with
    /// [`DirtyDetection::SoftwareOnly`]).
    pub dirty: bool,
    /// Whether the accessed bit is set. The engine reads it only on an MMU
    /// with [`AccessedDirtyUpdates::Software`], to tell an accessed-bit
    /// fault from a stale translation.
    pub accessed: bool,
    /// Whether the entry is a large one ([`Mmu::map_large`]) covering the
    /// whole 2 MiB [`LargePage`] around the page; `frame` is then the
    /// large frame's first frame, wherever in the large page the page lies.
    pub large: bool,
}

/// The kind of memory access that faulted (x86: bits 1 and 4 of the
/// page-fault error code, Intel SDM Vol. 3A, 4.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// A load.
    Read,
    /// A store.
    Write,
    /// An instruction fetch.
    Execute,
}

/// An access that the MMU refused, as a CPU reports it (x86: the faulting
/// address is in CR2, Intel SDM Vol. 3A, 4.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccessFault {
    /// The faulting virtual address.
    pub addr: VirtAddr,
    /// What the access tried to do.
    pub access: Access,
}

/// Why an MMU refused a page-table change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MmuError {
    /// [`Mmu::map`] was asked to map a page that is already mapped.
    AlreadyMapped(Page),
    /// [`Mmu::protect`] was asked to change a page that is not mapped.
    NotMapped(Page),
    /// The MMU could not get a frame for an intermediate page table.
    OutOfPageTableFrames,
    /// The frame does not exist in the MMU's physical memory.
    InvalidFrame(FrameNumber),
    /// [`Mmu::map_large`] on an MMU that does not map large pages, or with a
    /// frame that is not 2 MiB aligned.
    LargePagesUnsupported,
}

/// The MMU of the address space the engine allocates in, as the engine
/// drives it.
///
/// None of the page-table changes flush the TLB: the engine calls
/// [`Mmu::flush_tlb`] itself after every change that could leave a stale
/// translation behind (the simulator counts any stale translation that is
/// used anyway).
///
/// # Safety
///
/// The engine calls every method from safe code, and an implementation on
/// real hardware writes page tables and physical memory. Implementing the
/// trait is therefore `unsafe`: the implementer promises that each method
/// does what its documentation says, and that no sequence of calls the
/// engine makes can cause undefined behaviour, relying on nothing but what
/// the engine guarantees here.
///
/// What the engine guarantees, and the implementation may assume:
///
/// - **Pages.** Every page passed to a method lies in the virtual range the
///   engine was built with ([`crate::Config::range`]); the caller who built
///   the engine reserved that range for it, so no one else maps pages there.
/// - **Frames.** Every frame passed to [`Mmu::map`], [`Mmu::zero_frame`]
///   or [`Mmu::copy_frame`]
///   was taken from the engine's [`crate::frame::FrameSource`] and not given
///   back yet: the engine owns it, and it is mapped, if at all, only at
///   pages of the range. A frame is mapped at more than one page only if it
///   is the zero page (always read-only), if `duplicate` shares it (then
///   read-only at every page that maps it), or while `realloc` moves it
///   (its old page is unmapped right after).
/// - **Large entries.** [`Mmu::map_large`] is only ever given the large
///   zero frame: 512 contiguous frames from
///   [`crate::frame::FrameSource::allocate_large_frame`], 2 MiB aligned,
///   zeroed, owned by the engine for its whole life and never written
///   again. The engine maps them only read-only and only with large
///   entries, never with a 4 KiB entry, and never asks for a large entry
///   to be made writable ([`Mmu::protect`] on a large entry never gets
///   [`PageFlags::WRITABLE`]).
/// - **Writing through a mapping.** [`Mmu::write_zeroes`] is called only
///   for a page the engine has mapped to a frame it owns.
/// - **One caller.** The engine owns the implementation and never lends a
///   `&mut` to it; the `&self` methods may be called by anyone through
///   [`crate::LargeAllocator::mmu`] and must be harmless for any page.
///
/// What the implementation must do:
///
/// - **Direct map.** [`Mmu::zero_frame`] and [`Mmu::copy_frame`] write
///   the frame through a mapping outside the range (a kernel's direct map
///   of physical memory), so they set no dirty bit in the range and need no
///   walk of the range's tables.
/// - **Fault context.** Every method may run inside the page-fault handler,
///   with the faulting code stopped at any instruction: it must not block on
///   a lock that code may hold, and must not need a heap allocation.
/// - **Large pages.** An MMU that maps large pages keeps a large entry and
///   4 KiB entries apart: [`Mmu::map`] refuses a page inside a large entry,
///   and [`Mmu::map_large`] refuses a large page with any page mapped. The
///   per-page methods, given a page inside a large entry, act on that
///   entry ([`Mmu::unmap`] removes all of it). [`Mmu::split_large`]
///   replaces it by 512 4 KiB entries in one step, so no access in
///   between sees the large page unmapped. An MMU that does not map large
///   pages keeps the default [`Mmu::map_large`], which refuses; the engine
///   then uses the 4 KiB zero page only.
/// - **TLB.** When [`Mmu::flush_tlb`] returns, no CPU may still use a
///   translation of the page cached before the call, a large one covering
///   it included: on a machine with
///   several CPUs that means a shootdown on every CPU that may cache it,
///   finished before returning. The engine reuses a frame as soon as the
///   flush after its unmap returns.
/// - **Declarations.** [`Mmu::dirty_detection`] and
///   [`Mmu::accessed_dirty_updates`] say what the hardware does; an MMU that
///   faults on a clear accessed or dirty bit but declares
///   [`AccessedDirtyUpdates::Hardware`] gets its faults reported as
///   [`crate::FatalFault::Unresolvable`], never retried forever.
///
/// Because the methods are safe, safe code that holds an implementation can
/// call them with any argument. An implementation that writes real memory
/// must therefore not be reachable by such code: give it an `unsafe`
/// constructor whose caller promises to hand the value straight to
/// [`crate::LargeAllocator::new`], together with a frame source that hands
/// out only frames nobody else uses and a range nobody else maps. The
/// simulator (feature `simulator`) writes only its own simulated RAM, so
/// every call to it is harmless.
// rustc's `unsafe_code` lint counts declaring an unsafe trait as unsafe
// code; the crate denies the lint, and this declaration is one of its two
// exceptions (the other is the simulator's `unsafe impl`). It adds no
// unsafe operation: it only obliges implementers to keep the contract.
#[allow(unsafe_code)]
pub unsafe trait Mmu {
    /// Whether page-table entries have a dirty bit.
    fn dirty_detection(&self) -> DirtyDetection;

    /// Whether the hardware sets the accessed and dirty bits itself.
    fn accessed_dirty_updates(&self) -> AccessedDirtyUpdates;

    /// Maps `page` to `frame` with `flags`. The page must not be mapped,
    /// alone or inside a large entry.
    fn map(&mut self, page: Page, frame: FrameNumber, flags: PageFlags) -> Result<(), MmuError>;

    /// Removes the entry for `page` and returns what it held, or `None` if
    /// the page was not mapped. Does not free the frame. A page inside a
    /// large entry removes the whole large entry (`large` is then set).
    #[must_use = "the old entry names a frame that must be freed or reused"]
    fn unmap(&mut self, page: Page) -> Option<EntryInfo>;

    /// Sets the write permission of a mapped page to that of `flags`,
    /// keeping its frame; sets the accessed and dirty bits if `flags` says
    /// so, and otherwise leaves them as they are.
    fn protect(&mut self, page: Page, flags: PageFlags) -> Result<(), MmuError>;

    /// Reads the entry for `page`: `None` if it is not present.
    fn query(&self, page: Page) -> Option<EntryInfo>;

    /// Clears the dirty bit of `page` (nothing if not mapped).
    fn clear_dirty(&mut self, page: Page);

    /// Reads the entry for `page` and clears its dirty bit: the entry as it
    /// was (dirty bit included), or `None` if it is not present. The TLB is
    /// not flushed, as for [`Mmu::clear_dirty`].
    ///
    /// The re-zeroing loop of a cache hit calls this once per page, so a
    /// real port should override it to do both in one page-table walk; the
    /// default is [`Mmu::query`], then [`Mmu::clear_dirty`] if it was set.
    fn take_dirty(&mut self, page: Page) -> Option<EntryInfo> {
        let entry = self.query(page)?;
        if entry.dirty {
            self.clear_dirty(page);
        }
        Some(entry)
    }

    /// Invalidates every cached translation of `page`, on every CPU that
    /// may hold one, before returning (x86: `invlpg`, Intel SDM Vol. 3A,
    /// 4.10.4.1, plus an IPI shootdown on a machine with several CPUs). A
    /// cached large translation covering `page` goes too (`invlpg` of any
    /// address in a 2 MiB page invalidates it, SDM Vol. 3A, 4.10.4.1; so
    /// does `sfence.vma` with the address on RISC-V).
    fn flush_tlb(&mut self, page: Page);

    /// Fills `frame` with zeroes through the direct map, not through any
    /// page of the range: no dirty bit is set and no walk is needed. The
    /// frame may be mapped: the engine zeroes the frames of written cached
    /// pages this way.
    fn zero_frame(&mut self, frame: FrameNumber);

    /// Fills `page` with zeroes by writing through its mapping, as a
    /// `memset` by the program would: the hardware sets the dirty bit.
    ///
    /// Returns the fault instead of writing if the write would fault: the
    /// page is not present or not writable, or, on an MMU with
    /// [`AccessedDirtyUpdates::Software`], its accessed or dirty bit is
    /// clear. The engine answers the fault and calls again.
    fn write_zeroes(&mut self, page: Page) -> Result<(), AccessFault>;

    /// Fills the `count` pages from `first` with zeroes through their
    /// mappings, as one `memset` over the run would, stopping before the
    /// first page [`Mmu::write_zeroes`] would refuse; returns how many
    /// pages it zeroed (all `count` if none refused).
    ///
    /// The adaptive dirty-tracking cache re-zeroes a wholly written block
    /// this way (`cache/adaptive.rs`), so a real port should override it to
    /// check a last-level table's entries in one pass and clear the run in
    /// one go; the default is [`Mmu::write_zeroes`] page by page.
    fn write_zeroes_run(&mut self, first: Page, count: u64) -> u64 {
        for index in 0..count {
            if self
                .write_zeroes(first.nth_after(PageIndex(index)))
                .is_err()
            {
                return index;
            }
        }
        count
    }
    /// Copies the 4 KiB of `source` into `destination` through the direct
    /// map, as [`Mmu::zero_frame`] zeroes one: no dirty bit is set in the
    /// range and no walk is needed. `source` may be mapped (read-only, as
    /// a shared frame is); `destination` is a fresh frame of the engine's,
    /// not mapped yet. The copy-on-write fault of a shared frame calls it.
    fn copy_frame(&mut self, source: FrameNumber, destination: FrameNumber);

    /// Whether this MMU maps large pages ([`Mmu::map_large`],
    /// [`Mmu::split_large`]). The engine takes a large zero frame only from
    /// an MMU that says so. The default says no.
    fn maps_large_pages(&self) -> bool {
        false
    }

    /// Maps all 512 pages of `large` to the 2 MiB frame that starts at
    /// `frame` with one large entry (x86: a page-directory entry with PS
    /// set, Intel SDM Vol. 3A, 4.5; Sv39: a leaf one level above the 4 KiB
    /// leaves, a megapage). Refuses with [`MmuError::AlreadyMapped`] if any
    /// page of `large` is mapped; an MMU may drop a page table left empty
    /// there to make room.
    ///
    /// The default refuses with [`MmuError::LargePagesUnsupported`]: an
    /// MMU that keeps it never gets a large entry.
    fn map_large(
        &mut self,
        large: LargePage,
        frame: FrameNumber,
        flags: PageFlags,
    ) -> Result<(), MmuError> {
        let _ = (large, frame, flags);
        Err(MmuError::LargePagesUnsupported)
    }

    /// Replaces the large entry of `large` by 512 4 KiB entries that all
    /// map `frame` with `flags`, in one step (x86: fill a page table, then
    /// point the page-directory entry at it). Needs a page-table frame
    /// ([`MmuError::OutOfPageTableFrames`] if there is none: the large entry
    /// stays); [`MmuError::NotMapped`] if `large` has no large entry. Does
    /// not flush: the engine calls [`Mmu::flush_tlb`] for a page of `large`.
    ///
    /// The default refuses with [`MmuError::NotMapped`], as an MMU that
    /// never makes a large entry has none to split.
    fn split_large(
        &mut self,
        large: LargePage,
        frame: FrameNumber,
        flags: PageFlags,
    ) -> Result<(), MmuError> {
        let _ = (frame, flags);
        Err(MmuError::NotMapped(large.first_page()))
    }
}

impl fmt::Display for MmuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MmuError::AlreadyMapped(page) => write!(f, "{page} is already mapped"),
            MmuError::NotMapped(page) => write!(f, "{page} is not mapped"),
            MmuError::OutOfPageTableFrames => f.write_str("no frame left for a page table"),
            MmuError::InvalidFrame(frame) => write!(f, "{frame:?} is not physical memory"),
            MmuError::LargePagesUnsupported => f.write_str("no large page for this frame"),
        }
    }
}

impl core::error::Error for MmuError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flags_means_read_only() {
        assert!(!PageFlags::empty().contains(PageFlags::WRITABLE));
        let moved = PageFlags::WRITABLE | PageFlags::DIRTY;
        assert!(moved.contains(PageFlags::DIRTY));
        assert!(!moved.contains(PageFlags::ACCESSED));
    }

    #[test]
    fn mmu_errors_describe_themselves() {
        use std::string::ToString;
        let page = Page::containing(VirtAddr(0x5000));
        assert_eq!(
            MmuError::NotMapped(page).to_string(),
            "page 0x5000 is not mapped"
        );
    }
}
