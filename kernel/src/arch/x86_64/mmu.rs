//! The x86_64 MMU for the allocator: its `Mmu` trait on real page tables.
//!
//! The allocation engine in `pristine_allocator` never touches hardware; it
//! asks an [`Mmu`] to map, unmap, protect, query and flush. Here each of those
//! is a walk to the 4 KiB page-table entry of the page (four levels, Intel
//! SDM Vol. 3A, 4.5) and a bit operation on it:
//! - the **Dirty** bit (bit 6) is set by the CPU on the first write through a
//!   writable entry, and the **Accessed** bit (bit 5) on any access (SDM 4.8),
//!   so this MMU declares hardware A/D updates; [`Mmu::query`] reports both,
//!   [`Mmu::clear_dirty`] clears D and [`Mmu::take_dirty`] does both in one
//!   walk;
//! - every change is followed, by the engine, with [`Mmu::flush_tlb`]
//!   (`invlpg`, SDM 4.10.4.1): the CPU caches translations, including whether
//!   it has already set D, so a stale TLB entry would hide the next write.
//!   Pristine runs on one CPU, so `invlpg` is the whole shootdown;
//! - frames are zeroed through the direct map with the kernel's fastest clear
//!   ([`super::clear`]): fresh frames, and the frames of written pages that
//!   the dirty-tracking cache re-zeroes (no walk, and no D bit set);
//!   [`Mmu::write_zeroes`] zeroes through the page's own mapping instead,
//!   as the always-zero cache's `memset` does.
//!
//! The engine's large zero page is a 2 MiB directory entry with PS set;
//! `large_page.rs` maps, splits and removes those, and the per-page methods
//! here hand a page under one to it (`clear_dirty` and `take_dirty` see
//! such a page as unmapped: a large entry is never writable, so never
//! dirty).
//!
//! Intermediate page tables for the large-allocation range come from the
//! kernel's frame allocator and are kept for reuse; only a large page
//! taking an empty table's place gives one back. Every
//! method refuses (or ignores) a page outside that range.

use super::clear::{clear_page, fill_pages};
use super::large_page;
use super::layout::{LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START};
use super::paging::{phys_to_virt, with_root_table};
use crate::breakdown::{Part, measure};
use crate::memory::with_frames;
use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};
use pristine_allocator::{
    Access, AccessFault, AccessedDirtyUpdates, DirtyDetection, EntryInfo, FrameNumber, LargePage,
    Mmu, MmuError, PAGE_SIZE, Page, PageFlags, PageIndex, PhysAddr as FramePhysAddr,
};
use x86_64::structures::paging::page_table::PageTableEntry;
use x86_64::structures::paging::{Page as X86Page, PageTable, PageTableFlags as F, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

/// Frames the page tables of the large-allocation range hold now. They are
/// kept for reuse, freed only when a large page takes an empty table's
/// place (`large_page.rs`), so frame accounting must add them back.
pub(super) static PAGE_TABLE_FRAMES: AtomicU64 = AtomicU64::new(0);

/// The allocator's MMU on x86_64: the live kernel page tables, 4-level
/// paging, below the large-allocation range's top-level entry.
pub struct PageTableMmu {
    detection: DirtyDetection,
    /// The last last-level table reached: (2 MiB block number, its address).
    leaf_table: Cell<Option<(u64, u64)>>,
    /// The last 2 MiB block found mapped by a large entry: its other pages
    /// answer "large" without a walk (the dirty-tracking cache's loop asks
    /// for each of them). Forgotten when a large entry goes or splits.
    large_block: Cell<Option<u64>>,
}

impl PageTableMmu {
    /// An MMU that uses the hardware dirty bit, or, with
    /// [`DirtyDetection::SoftwareOnly`], pretends it has none so the
    /// engine's write-fault strategy can run on real hardware too.
    ///
    /// # Safety
    /// The methods of a `PageTableMmu` write the kernel's page tables and
    /// physical memory, so the caller must:
    /// - hand it straight to `LargeAllocator::new`, with a configuration
    ///   whose range is the architecture layout's large-allocation range, and call none of
    ///   its `&mut self` methods itself;
    /// - give that engine a frame source whose frames nobody else uses
    ///   until they are given back;
    /// - keep at most one `PageTableMmu` in use at a time (each one edits the same
    ///   page tables through its own remembered leaf table).
    pub const unsafe fn new(detection: DirtyDetection) -> Self {
        Self {
            detection,
            leaf_table: Cell::new(None),
            large_block: Cell::new(None),
        }
    }

    /// How many frames the MMU has taken for page tables since boot (kept
    /// for reuse, never freed).
    pub fn page_table_frames() -> u64 {
        PAGE_TABLE_FRAMES.load(Ordering::Relaxed)
    }
}

/// The leaf flags for an allocation page: never executable.
pub(super) fn leaf_flags(flags: PageFlags) -> F {
    let mut bits = F::PRESENT | F::NO_EXECUTE;
    if flags.contains(PageFlags::WRITABLE) {
        bits |= F::WRITABLE;
    }
    if flags.contains(PageFlags::DIRTY) {
        bits |= F::DIRTY;
    }
    if flags.contains(PageFlags::ACCESSED) {
        bits |= F::ACCESSED;
    }
    bits
}

// `with_leaf` checks the range once per 2 MiB block, which is only sound if
// no block straddles the range's ends.
const _: () = assert!(
    LARGE_ALLOCATION_START.is_multiple_of(2 << 20) && LARGE_ALLOCATION_SIZE.is_multiple_of(2 << 20),
    "the large-allocation range must be 2 MiB aligned"
);

/// Whether `page` lies in the large-allocation range, the only pages this
/// MMU touches.
pub(super) fn in_range(page: Page) -> bool {
    let address = page.start().0;
    address >= LARGE_ALLOCATION_START && address - LARGE_ALLOCATION_START < LARGE_ALLOCATION_SIZE
}

pub(super) fn info_of(entry: &PageTableEntry) -> Option<EntryInfo> {
    let flags = entry.flags();
    flags.contains(F::PRESENT).then(|| EntryInfo {
        frame: FrameNumber(entry.addr().as_u64() / PAGE_SIZE),
        writable: flags.contains(F::WRITABLE),
        dirty: flags.contains(F::DIRTY),
        accessed: flags.contains(F::ACCESSED),
        large: false,
    })
}

/// The x86_64 crate's page for `page`. Engine pages lie in the kernel's
/// large-allocation range, which is canonical, so no check is needed.
pub(super) fn x86_page(page: Page) -> X86Page {
    X86Page::containing_address(VirtAddr::new_truncate(page.start().0))
}

/// The table a present non-leaf entry points to.
///
/// # Safety
/// `entry` must be a present entry of a live table that points to a page
/// table (not a huge page), reachable through the direct map.
pub(super) unsafe fn next_table(entry: &mut PageTableEntry) -> &mut PageTable {
    let table = phys_to_virt(FramePhysAddr(entry.addr().as_u64())) as *mut PageTable;
    // SAFETY: per the contract, a page table lives there; the page-table lock
    // held by `with_root_table` keeps anyone else from editing it.
    unsafe { &mut *table }
}

/// Points an empty entry at a fresh, zeroed page table.
pub(super) fn install_table(entry: &mut PageTableEntry) -> Result<(), MmuError> {
    let frame =
        with_frames(|frames| frames.allocate()).map_err(|_| MmuError::OutOfPageTableFrames)?;
    // SAFETY: a fresh frame, reachable through the direct map, unused by anyone.
    unsafe { clear_page(phys_to_virt(frame.start_address())) };
    let address = PhysFrame::containing_address(PhysAddr::new(frame.start_address().0));
    entry.set_frame(address, F::PRESENT | F::WRITABLE);
    PAGE_TABLE_FRAMES.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Walks from the root to the last-level table that holds `page`'s entry,
/// creating missing tables when `create`; returns its direct-map address.
/// Taken once per 2 MiB block at most (see `PageTableMmu::with_leaf`):
/// inlined into `PageTableMmu::walk`, which is kept out of line, so the
/// per-page callers stay small.
#[inline(always)]
fn walk_to_leaf_table(page: X86Page, create: bool) -> Result<Option<u64>, MmuError> {
    // LAB(page-table-walk): begin
    let walk = |root: &mut PageTable| {
        let mut table = root;
        for index in [page.p4_index(), page.p3_index(), page.p2_index()] {
            let entry = &mut table[index];
            if entry.is_unused() {
                if !create {
                    return Ok(None);
                }
                install_table(entry)?;
            }
            if entry.flags().contains(F::HUGE_PAGE) {
                let address = pristine_allocator::VirtAddr(page.start_address().as_u64());
                return Err(MmuError::AlreadyMapped(Page::containing(address)));
            }
            // SAFETY: present, not huge: it points to a page table.
            table = unsafe { next_table(entry) };
        }
        Ok(Some(table as *mut PageTable as u64))
    };
    // LAB(page-table-walk): end
    // SAFETY: `walk` only follows, or fills while empty, the entries on the
    // way to `page`, an engine page of the large-allocation range that
    // nothing but this MMU maps; new tables come zeroed from
    // `install_table`, and no table is ever freed.
    unsafe { with_root_table(walk) }
}

impl PageTableMmu {
    /// [`walk_to_leaf_table`] for `page` in 2 MiB block `block`, unless the
    /// block is the remembered large one; remembers the block if a large
    /// entry maps it. Out of line, like the walk, so `with_leaf`'s callers
    /// keep the registers they had before large pages.
    #[cold]
    #[inline(never)]
    fn walk(&self, page: Page, block: u64, create: bool) -> Result<Option<u64>, MmuError> {
        if self.large_block.get() == Some(block) {
            return Err(MmuError::AlreadyMapped(page));
        }
        let walked = walk_to_leaf_table(x86_page(page), create);
        if let Err(MmuError::AlreadyMapped(_)) = walked {
            self.large_block.set(Some(block));
        }
        walked
    }

    /// Forgets the remembered large block: its large entry went or split.
    fn forget_large_block(&self) {
        self.large_block.set(None);
    }

    /// Runs `operation` on the 4 KiB entry of `page`, creating missing tables
    /// when `create`; `Ok(None)` if a table on the way is missing or the
    /// page lies outside the large-allocation range.
    ///
    /// Consecutive pages share their last-level table, so the MMU remembers
    /// the last one it reached (keyed by the 2 MiB block it covers) and skips
    /// the walk and the page-table lock when the next page lies in the same
    /// block: the re-zeroing loop of a cache hit touches the entries of
    /// consecutive pages, and the full walk would cost more than the check.
    #[inline]
    fn with_leaf<R>(
        &self,
        page: Page,
        create: bool,
        operation: impl FnOnce(&mut PageTableEntry) -> R,
    ) -> Result<Option<R>, MmuError> {
        let Some(table) = self.leaf_table_of(page, create)? else {
            return Ok(None);
        };
        // SAFETY: `table` is the live last-level table for this 2 MiB block.
        // Tables of the large-allocation range are never freed, and only this
        // MMU (owned by the engine, behind the engine lock) edits them.
        let table = unsafe { &mut *(table as *mut PageTable) };
        Ok(Some(operation(&mut table[x86_page(page).p1_index()])))
    }

    /// The direct-map address of the last-level table holding `page`'s
    /// entry (see [`PageTableMmu::with_leaf`]), or `None` if a table on the
    /// way is missing or the page lies outside the range.
    #[inline]
    fn leaf_table_of(&self, page: Page, create: bool) -> Result<Option<u64>, MmuError> {
        let block = page.start().0 >> 21;
        let table = match self.leaf_table.get() {
            // The remembered block passed the range check below, and the
            // range is 2 MiB aligned (a compile-time check next to
            // `in_range`), so every page of it is in the range too: the
            // per-page loops pay no range check.
            Some((cached_block, table)) if cached_block == block => table,
            _ => {
                if !in_range(page) {
                    return Ok(None);
                }
                let Some(table) = self.walk(page, block, create)? else {
                    return Ok(None);
                };
                self.leaf_table.set(Some((block, table)));
                table
            }
        };
        Ok(Some(table))
    }
}

// SAFETY: every method stays inside the large-allocation range (`with_leaf`
// checks each page) and edits only its leaf entries and the tables it
// installs, behind the engine lock; frames are written only when the
// engine's contract says they are its own (`zero_frame`), or through a
// mapping the engine made writable to such a frame (`write_zeroes`).
// `new`'s caller promised that the range and the frames are the engine's
// alone and that only the engine calls the `&mut self` methods. No method
// allocates from the heap, and the only locks taken (page tables, frame
// allocator) are never held by code that can fault in the range.
// `flush_tlb` is a complete shootdown on this single-CPU kernel.
unsafe impl Mmu for PageTableMmu {
    fn dirty_detection(&self) -> DirtyDetection {
        self.detection
    }

    fn accessed_dirty_updates(&self) -> AccessedDirtyUpdates {
        AccessedDirtyUpdates::Hardware
    }

    fn map(&mut self, page: Page, frame: FrameNumber, flags: PageFlags) -> Result<(), MmuError> {
        measure(Part::PageTables, || {
            let target = PhysAddr::new(frame.start_address().0);
            let result = self.with_leaf(page, true, |entry| {
                if !entry.is_unused() {
                    return Err(MmuError::AlreadyMapped(page));
                }
                entry.set_addr(target, leaf_flags(flags));
                Ok(())
            })?;
            result.unwrap_or(Err(MmuError::NotMapped(page)))
        })
    }

    fn unmap(&mut self, page: Page) -> Option<EntryInfo> {
        measure(Part::PageTables, || {
            let result = self.with_leaf(page, false, |entry| {
                let info = info_of(entry);
                entry.set_unused();
                info
            });
            match result {
                Ok(found) => found.flatten(),
                // The walk met a large entry (`walk_to_leaf_table`).
                Err(_) => {
                    self.forget_large_block();
                    large_page::unmap(LargePage::containing(page))
                }
            }
        })
    }

    fn protect(&mut self, page: Page, flags: PageFlags) -> Result<(), MmuError> {
        measure(Part::PageTables, || {
            let result = self.with_leaf(page, false, |entry| {
                let old = entry.flags();
                if !old.contains(F::PRESENT) {
                    return Err(MmuError::NotMapped(page));
                }
                let kept = old & (F::DIRTY | F::ACCESSED);
                entry.set_flags(leaf_flags(flags) | kept);
                Ok(())
            });
            match result {
                Ok(done) => done.unwrap_or(Err(MmuError::NotMapped(page))),
                Err(_) => large_page::protect(LargePage::containing(page), flags),
            }
        })
    }

    fn query(&self, page: Page) -> Option<EntryInfo> {
        measure(Part::PageTables, || {
            match self.with_leaf(page, false, |entry| info_of(entry)) {
                Ok(found) => found.flatten(),
                Err(_) => large_page::query(LargePage::containing(page)),
            }
        })
    }

    fn clear_dirty(&mut self, page: Page) {
        measure(Part::PageTables, || {
            // A page that is not mapped has no dirty bit to clear.
            let _ = self.with_leaf(page, false, |entry| {
                entry.set_flags(entry.flags() - F::DIRTY)
            });
        })
    }

    /// One walk (usually none: the last leaf table is remembered), one read
    /// and, only if D was set, one write. Inlined into the engine's
    /// re-zeroing loop, which calls it once per page.
    #[inline]
    fn take_dirty(&mut self, page: Page) -> Option<EntryInfo> {
        measure(Part::PageTables, || {
            // LAB(dirty-hw): begin
            let result = self.with_leaf(page, false, |entry| {
                let info = info_of(entry)?;
                if info.dirty {
                    entry.set_flags(entry.flags() - F::DIRTY);
                }
                Some(info)
            });
            result.ok().flatten().flatten()
            // LAB(dirty-hw): end
        })
    }

    #[inline]
    fn flush_tlb(&mut self, page: Page) {
        measure(Part::TlbFlush, || {
            // `invlpg` on the page's address as it is: pages of the range are
            // canonical already, so the sign extension `VirtAddr::new_truncate`
            // would redo costs instructions on every re-armed page for nothing.
            // SAFETY: `invlpg` only drops a cached translation (Intel SDM
            // Vol. 3A, 4.10.4.1); it reads and writes no memory.
            unsafe {
                core::arch::asm!(
                    "invlpg [{address}]",
                    address = in(reg) page.start().0,
                    options(nostack, preserves_flags),
                );
            }
        })
    }

    #[inline]
    fn zero_frame(&mut self, frame: FrameNumber) {
        measure(Part::Zeroing, || {
            // SAFETY: by the `Mmu` contract the engine owns the frame (it came
            // from its frame source, which `new`'s caller vouched for); the
            // direct map reaches every frame.
            unsafe { clear_page(phys_to_virt(frame.start_address())) };
        })
    }

    fn copy_frame(&mut self, source: FrameNumber, destination: FrameNumber) {
        let from = phys_to_virt(source.start_address());
        let to = phys_to_virt(destination.start_address());
        // SAFETY: by the `Mmu` contract the engine owns both frames (they
        // came from its frame source, which `new`'s caller vouched for) and
        // they are different frames (the destination is fresh); the direct
        // map reaches every frame, and a frame is 4096 bytes.
        unsafe { core::ptr::copy_nonoverlapping(from.cast_const(), to, 4096) };
    }

    fn maps_large_pages(&self) -> bool {
        true
    }

    fn map_large(
        &mut self,
        large: LargePage,
        frame: FrameNumber,
        flags: PageFlags,
    ) -> Result<(), MmuError> {
        if !in_range(large.first_page()) {
            return Err(MmuError::NotMapped(large.first_page()));
        }
        if large_page::map_large(large, frame, flags)? {
            // An empty table was freed: never reach it again.
            self.leaf_table.set(None);
        }
        Ok(())
    }

    fn split_large(
        &mut self,
        large: LargePage,
        frame: FrameNumber,
        flags: PageFlags,
    ) -> Result<(), MmuError> {
        if !in_range(large.first_page()) {
            return Err(MmuError::NotMapped(large.first_page()));
        }
        self.forget_large_block();
        large_page::split_large(large, frame, flags)
    }

    fn write_zeroes(&mut self, page: Page) -> Result<(), AccessFault> {
        measure(Part::PageTables, || {
            let flags = self
                .with_leaf(page, false, |entry| entry.flags())
                .ok()
                .flatten();
            match flags {
                Some(flags) if flags.contains(F::PRESENT | F::WRITABLE) => {
                    // SAFETY: the page lies in the range (`with_leaf` checked) and
                    // is mapped writable, so by the `Mmu` contract to a frame the
                    // engine owns; writing through the mapping lets the CPU set D.
                    measure(Part::Zeroing, || unsafe {
                        clear_page(page.start().0 as *mut u8)
                    });
                    Ok(())
                }
                _ => Err(AccessFault {
                    addr: page.start(),
                    access: Access::Write,
                }),
            }
        })
    }

    /// One 2 MiB block at a time: one pass over its last-level entries
    /// finds how many pages from `first` on are mapped writable, and one
    /// `rep stosq` through the mapping clears them all (the CPU sets their
    /// D bits, as for [`Mmu::write_zeroes`]).
    fn write_zeroes_run(&mut self, first: Page, count: u64) -> u64 {
        measure(Part::PageTables, || {
            let mut done = 0;
            while done < count {
                let page = first.nth_after(PageIndex(done));
                let Ok(Some(table)) = self.leaf_table_of(page, false) else {
                    return done;
                };
                // SAFETY: as in `with_leaf`: the live last-level table of this
                // 2 MiB block, edited only by this MMU; only read here.
                let table = unsafe { &*(table as *const PageTable) };
                let index = usize::from(x86_page(page).p1_index());
                let in_block = (ENTRIES_PER_TABLE - index).min((count - done) as usize);
                let writable = table.iter().skip(index).take(in_block);
                let run = writable
                    .take_while(|entry| entry.flags().contains(F::PRESENT | F::WRITABLE))
                    .count() as u64;
                // SAFETY: the `run` pages from `page` lie in the range (the leaf
                // table was found for it and the run stays in its block) and are
                // mapped writable, so by the `Mmu` contract to frames the engine
                // owns; writing through the mapping lets the CPU set D.
                measure(Part::Zeroing, || unsafe {
                    fill_pages(page.start().0 as *mut u8, run, 0)
                });
                done += run;
                if run < in_block as u64 {
                    return done;
                }
            }
            done
        })
    }
}

/// Entries in one page table (Intel SDM Vol. 3A, 4.5: 512 of 8 bytes).
const ENTRIES_PER_TABLE: usize = 512;
