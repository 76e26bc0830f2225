//! The riscv64 port of the allocator: its MMU trait on live Sv39 tables.
//!
//! The allocation engine in `pristine_allocator` never touches hardware; it
//! asks its MMU to map, unmap, protect, query and flush. Here each of those
//! is a walk to the 4 KiB leaf entry of the page (three levels, see
//! [`super::sv39`]) and a bit operation on it:
//! - a leaf is any entry with R, W or X set; allocation pages get R, or
//!   R + W, never X, and never U;
//! - the **D** bit (bit 7) is set by QEMU on the first store through a
//!   writable entry and the **A** bit (bit 6) on any access, in hardware
//!   (Svadu); the MMU reports both, clears D, and does both in one walk in
//!   `take_dirty`. With `svade=on` it imitates a core that faults instead
//!   (Svade, see [`super::svade`]) and declares
//!   [`AccessedDirtyUpdates::Software`];
//! - every change is followed, by the engine, with `flush_tlb`:
//!   `sfence.vma` with the page's address (Privileged Architecture, 4.2.1),
//!   the RISC-V counterpart of `invlpg`. A stale TLB entry that still says
//!   "D already set" would hide the next write;
//! - frames are zeroed through the direct map with the kernel's fastest
//!   clear ([`super::clear`]); `write_zeroes` writes through the page's own
//!   mapping instead, as the always-zero cache's `memset` does.
//!
//! The engine's large zero page is a megapage (`large_page.rs`); the
//! per-page methods here hand a page under one to that file
//! (`clear_dirty` and `take_dirty` see it as unmapped: a megapage is never
//! writable, so never dirty).
//!
//! Intermediate tables for the large-allocation range (root entries 448 to
//! 479) come from the kernel's frame allocator, the same one the engine
//! takes its frames from, and are kept for reuse; only a megapage taking an
//! empty table's place gives one back. Every
//! method refuses (or ignores) a page outside that range. Pristine runs on
//! one hart, so `sfence.vma` is the whole shootdown.

use super::clear::{clear_page, fill_pages};
use super::csr;
use super::large_page;
use super::layout::{LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START};
use super::paging::{next_table, phys_to_virt, with_root_table};
use super::sv39::{EntryFlags, PageTable, PageTableEntry, index};
use super::svade::{self, SOFTWARE_WRITE};
use crate::breakdown::{Part, measure};
use crate::memory::with_frames;
use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};
use pristine_allocator::{
    Access, AccessFault, AccessedDirtyUpdates, DirtyDetection, EntryInfo, FrameNumber, LargePage,
    Mmu, MmuError, PAGE_SIZE, Page, PageFlags, PageIndex,
};

/// Frames the page tables of the large-allocation range hold now. They are
/// kept for reuse, freed only when a megapage takes an empty table's place
/// (`large_page.rs`), so frame accounting must add them back.
pub(super) static PAGE_TABLE_FRAMES: AtomicU64 = AtomicU64::new(0);

/// The allocator's MMU on riscv64: the live kernel Sv39 tables, below the
/// large-allocation range's root entries.
pub struct PageTableMmu {
    detection: DirtyDetection,
    /// Who sets A and D: QEMU's hardware, or (`svade=on`) the engine.
    updates: AccessedDirtyUpdates,
    /// The last last-level table reached: (2 MiB block number, its address).
    leaf_table: Cell<Option<(u64, u64)>>,
    /// The last 2 MiB block found mapped by a large entry: its other pages
    /// answer "large" without a walk (the dirty-tracking cache's loop asks
    /// for each of them). Forgotten when a large entry goes or splits.
    large_block: Cell<Option<u64>>,
}

impl PageTableMmu {
    /// An MMU that uses the dirty bit, or, with
    /// [`DirtyDetection::SoftwareOnly`], pretends it has none so the
    /// engine's write-fault strategy runs on it too. Whether A and D are
    /// set by the hardware or (imitated Svade) by the engine follows the
    /// `svade=` boot word ([`super::svade`]).
    ///
    /// # Safety
    /// The methods of a `PageTableMmu` write the kernel's page tables and
    /// physical memory, so the caller must:
    /// - hand it straight to `LargeAllocator::new`, with a configuration
    ///   whose range is the architecture layout's large-allocation range,
    ///   and call none of its `&mut self` methods itself;
    /// - give that engine a frame source whose frames nobody else uses
    ///   until they are given back;
    /// - keep at most one `PageTableMmu` in use at a time (each one edits
    ///   the same page tables through its own remembered leaf table).
    pub unsafe fn new(detection: DirtyDetection) -> Self {
        Self {
            detection,
            updates: svade::updates(),
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

/// Whether `page` lies in the large-allocation range, the only pages this
/// MMU touches.
fn in_range(page: Page) -> bool {
    let address = page.start().0;
    address >= LARGE_ALLOCATION_START && address - LARGE_ALLOCATION_START < LARGE_ALLOCATION_SIZE
}

impl PageTableMmu {
    /// The flags of a leaf for an allocation page: readable, never
    /// executable, A and D as `flags` ask or `kept` had. The write right
    /// is the W bit, or, imitating Svade, [`SOFTWARE_WRITE`] with W granted
    /// only while D is set.
    fn leaf_flags(&self, flags: PageFlags, kept: EntryFlags) -> EntryFlags {
        let mut bits = EntryFlags::VALID | EntryFlags::READ;
        bits |= kept & (EntryFlags::ACCESSED | EntryFlags::DIRTY);
        if flags.contains(PageFlags::DIRTY) {
            bits |= EntryFlags::DIRTY;
        }
        if flags.contains(PageFlags::ACCESSED) {
            bits |= EntryFlags::ACCESSED;
        }
        if flags.contains(PageFlags::WRITABLE) {
            bits |= match self.updates {
                AccessedDirtyUpdates::Hardware => EntryFlags::WRITE,
                AccessedDirtyUpdates::Software if bits.contains(EntryFlags::DIRTY) => {
                    SOFTWARE_WRITE | EntryFlags::WRITE
                }
                AccessedDirtyUpdates::Software => SOFTWARE_WRITE,
            };
        }
        bits
    }

    /// The write right of a leaf, as the engine sees it.
    fn writable(&self, flags: EntryFlags) -> bool {
        match self.updates {
            AccessedDirtyUpdates::Hardware => flags.contains(EntryFlags::WRITE),
            AccessedDirtyUpdates::Software => flags.contains(SOFTWARE_WRITE),
        }
    }

    /// What a megapage entry says, as the engine sees it.
    fn large_info(&self, entry: PageTableEntry) -> Option<EntryInfo> {
        let mut info = self.info_of(entry)?;
        info.large = true;
        Some(info)
    }

    fn info_of(&self, entry: PageTableEntry) -> Option<EntryInfo> {
        let flags = entry.flags();
        entry.is_leaf().then(|| EntryInfo {
            frame: FrameNumber(entry.address().0 / PAGE_SIZE),
            writable: self.writable(flags),
            dirty: flags.contains(EntryFlags::DIRTY),
            accessed: flags.contains(EntryFlags::ACCESSED),
            large: false,
        })
    }
}

/// `entry` with D cleared; imitating Svade, W goes with it, so the next
/// store faults.
fn without_dirty(entry: PageTableEntry) -> PageTableEntry {
    entry.with_flags(entry.flags() - EntryFlags::DIRTY - imitated_write(entry.flags()))
}

/// The W bit an imitated-Svade leaf holds only because D is set: W when
/// the write right is kept in [`SOFTWARE_WRITE`], else nothing.
fn imitated_write(flags: EntryFlags) -> EntryFlags {
    if flags.contains(SOFTWARE_WRITE) {
        EntryFlags::WRITE
    } else {
        EntryFlags::empty()
    }
}

/// Points an empty entry at a fresh, zeroed page table.
pub(super) fn install_table(entry: &mut PageTableEntry) -> Result<(), MmuError> {
    let frame =
        with_frames(|frames| frames.allocate()).map_err(|_| MmuError::OutOfPageTableFrames)?;
    // SAFETY: a fresh frame, reachable through the direct map, unused by anyone.
    unsafe { clear_page(phys_to_virt(frame.start_address())) };
    *entry = PageTableEntry::new(frame.start_address(), EntryFlags::VALID);
    PAGE_TABLE_FRAMES.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Walks from the root to the last-level table that holds `address`'s
/// entry, creating missing tables when `create`; returns its direct-map
/// address. Taken once per 2 MiB block at most (see
/// `PageTableMmu::with_leaf`): inlined into `PageTableMmu::walk`, which is
/// kept out of line.
#[inline(always)]
fn walk_to_leaf_table(address: u64, create: bool) -> Result<Option<u64>, MmuError> {
    let walk = |root: &mut PageTable| {
        let mut table = root;
        for level in [2, 1] {
            let entry = &mut table.entries[index(address, level)];
            if !entry.is_valid() {
                if !create {
                    return Ok(None);
                }
                install_table(entry)?;
            }
            if entry.is_leaf() {
                let page = Page::containing(pristine_allocator::VirtAddr(address));
                return Err(MmuError::AlreadyMapped(page));
            }
            // SAFETY: valid, not a leaf: it points to a page table of the
            // large range, which only this MMU edits, under the page-table
            // lock that `with_root_table` holds.
            table = unsafe { next_table(*entry) };
        }
        Ok(Some(table as *mut PageTable as u64))
    };
    // SAFETY: `walk` only follows, or fills while empty, the entries on the
    // way to `address`, an engine page of the large-allocation range that
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
        let walked = walk_to_leaf_table(page.start().0, create);
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
    /// block, as the x86_64 port does.
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
        Ok(Some(operation(
            &mut table.entries[index(page.start().0, 0)],
        )))
    }

    /// The direct-map address of the last-level table holding `page`'s
    /// entry (see `with_leaf`), or `None` if a table on the way is missing
    /// or the page lies outside the range.
    #[inline]
    fn leaf_table_of(&self, page: Page, create: bool) -> Result<Option<u64>, MmuError> {
        if !in_range(page) {
            return Ok(None);
        }
        let address = page.start().0;
        let block = address >> 21;
        let table = match self.leaf_table.get() {
            Some((cached_block, table)) if cached_block == block => table,
            _ => {
                let Some(table) = self.walk(page, block, create)? else {
                    return Ok(None);
                };
                self.leaf_table.set(Some((block, table)));
                table
            }
        };
        Ok(Some(table))
    }

    /// Whether a store through `entry` goes through without a fault (see
    /// [`Mmu::write_zeroes`]).
    fn stores_through(&self, entry: PageTableEntry) -> bool {
        let flags = entry.flags();
        // A store goes through only with W set (and, with hardware A/D
        // updates, sets D itself); imitating Svade, W is set only while
        // D is, and A is always preset.
        entry.is_leaf()
            && flags.contains(EntryFlags::WRITE)
            && (self.updates == AccessedDirtyUpdates::Hardware
                || flags.contains(EntryFlags::ACCESSED | EntryFlags::DIRTY))
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
// `flush_tlb` is a complete shootdown on this single-hart kernel. With
// `svade=on` the hardware W bit is withheld while D is clear, so the MMU
// faults as a Svade core does, and declares `AccessedDirtyUpdates::Software`.
unsafe impl Mmu for PageTableMmu {
    fn dirty_detection(&self) -> DirtyDetection {
        self.detection
    }

    fn accessed_dirty_updates(&self) -> AccessedDirtyUpdates {
        self.updates
    }

    fn map(&mut self, page: Page, frame: FrameNumber, flags: PageFlags) -> Result<(), MmuError> {
        measure(Part::PageTables, || {
            let bits = self.leaf_flags(flags, EntryFlags::empty());
            let result = self.with_leaf(page, true, |entry| {
                if entry.is_valid() {
                    return Err(MmuError::AlreadyMapped(page));
                }
                *entry = PageTableEntry::new(frame.start_address(), bits);
                Ok(())
            })?;
            result.unwrap_or(Err(MmuError::NotMapped(page)))
        })
    }

    fn unmap(&mut self, page: Page) -> Option<EntryInfo> {
        measure(Part::PageTables, || {
            let result = self.with_leaf(page, false, |entry| {
                let old = *entry;
                *entry = PageTableEntry::EMPTY;
                old
            });
            match result {
                Ok(old) => self.info_of(old?),
                // The walk met a megapage (`walk_to_leaf_table`).
                Err(_) => {
                    self.forget_large_block();
                    self.large_info(large_page::unmap(LargePage::containing(page))?)
                }
            }
        })
    }

    fn protect(&mut self, page: Page, flags: PageFlags) -> Result<(), MmuError> {
        measure(Part::PageTables, || {
            let result = self.with_leaf(page, false, |entry| {
                if !entry.is_leaf() {
                    return Err(MmuError::NotMapped(page));
                }
                Ok(*entry)
            });
            let old = match result {
                Ok(old) => old.unwrap_or(Err(MmuError::NotMapped(page)))?,
                Err(_) => {
                    let large = LargePage::containing(page);
                    let old = large_page::entry(large).ok_or(MmuError::NotMapped(page))?;
                    let bits = self.leaf_flags(flags, old.flags());
                    return large_page::replace(large, old.with_flags(bits));
                }
            };
            let bits = self.leaf_flags(flags, old.flags());
            let _ = self.with_leaf(page, false, |entry| *entry = old.with_flags(bits));
            Ok(())
        })
    }

    fn query(&self, page: Page) -> Option<EntryInfo> {
        measure(Part::PageTables, || {
            match self.with_leaf(page, false, |entry| *entry) {
                Ok(entry) => self.info_of(entry?),
                Err(_) => self.large_info(large_page::entry(LargePage::containing(page))?),
            }
        })
    }

    fn clear_dirty(&mut self, page: Page) {
        measure(Part::PageTables, || {
            // A page that is not mapped has no dirty bit to clear.
            let _ = self.with_leaf(page, false, |entry| *entry = without_dirty(*entry));
        })
    }

    /// One walk (usually none: the last leaf table is remembered), one read
    /// and, only if D was set, one write.
    #[inline]
    fn take_dirty(&mut self, page: Page) -> Option<EntryInfo> {
        measure(Part::PageTables, || {
            let result = self.with_leaf(page, false, |entry| {
                let old = *entry;
                if old.is_leaf() && old.flags().contains(EntryFlags::DIRTY) {
                    *entry = without_dirty(old);
                }
                old
            });
            let old = result.ok().flatten()?;
            self.info_of(old)
        })
    }

    #[inline]
    fn flush_tlb(&mut self, page: Page) {
        measure(Part::TlbFlush, || {
            csr::flush_page(page.start().0);
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
        let bits = self.leaf_flags(flags, EntryFlags::empty());
        if large_page::map_large(large, frame, bits)? {
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
        let bits = self.leaf_flags(flags, EntryFlags::empty());
        self.forget_large_block();
        large_page::split_large(large, frame, bits)
    }

    fn write_zeroes(&mut self, page: Page) -> Result<(), AccessFault> {
        measure(Part::PageTables, || {
            let entry = self.with_leaf(page, false, |entry| *entry).ok().flatten();
            let stores = entry.is_some_and(|entry| self.stores_through(entry));
            if !stores {
                return Err(AccessFault {
                    addr: page.start(),
                    access: Access::Write,
                });
            }
            // SAFETY: the page lies in the range (`with_leaf` checked) and is
            // mapped writable, so by the `Mmu` contract to a frame the engine
            // owns; writing through the mapping lets the MMU set D.
            measure(Part::Zeroing, || unsafe {
                clear_page(page.start().0 as *mut u8)
            });
            Ok(())
        })
    }

    /// One 2 MiB block at a time: one pass over its last-level entries
    /// finds how many pages from `first` on take a store, and one loop of
    /// `sd` through the mapping clears them all.
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
                let start = index(page.start().0, 0);
                let in_block = (table.entries.len() - start).min((count - done) as usize);
                let run = table.entries[start..start + in_block]
                    .iter()
                    .take_while(|entry| self.stores_through(**entry))
                    .count() as u64;
                // SAFETY: the `run` pages from `page` lie in the range (the leaf
                // table was found for it and the run stays in its block) and
                // take stores, so by the `Mmu` contract they map frames the
                // engine owns; writing through the mapping lets the MMU set D.
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
