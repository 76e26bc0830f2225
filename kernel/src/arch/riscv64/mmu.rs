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
//!   `take_dirty`;
//! - every change is followed, by the engine, with `flush_tlb`:
//!   `sfence.vma` with the page's address (Privileged Architecture, 4.2.1),
//!   the RISC-V counterpart of `invlpg`. A stale TLB entry that still says
//!   "D already set" would hide the next write;
//! - frames are zeroed through the direct map with the kernel's fastest
//!   clear ([`super::clear`]); `write_zeroes` writes through the page's own
//!   mapping instead, as the always-zero cache's `memset` does.
//!
//! Intermediate tables for the large-allocation range (root entries 448 to
//! 479) come from the kernel's frame allocator, the same one the engine
//! takes its frames from, and are kept for the life of the kernel.

use super::clear::clear_page;
use super::csr;
use super::paging::{next_table, phys_to_virt, with_root_table};
use super::sv39::{EntryFlags, PageTable, PageTableEntry, index};
use crate::memory::with_frames;
use core::cell::Cell;
use core::sync::atomic::{AtomicU64, Ordering};
use pristine_allocator::port::{
    Access, AccessFault, DirtyDetection, EntryInfo, FaultCause, PageFlags, Port, PortError,
};
use pristine_allocator::{FrameNumber, PAGE_SIZE, page::Page};

/// Frames taken for page tables of the large-allocation range so far. They
/// are kept for reuse, never freed, so frame accounting must add them back.
static PAGE_TABLE_FRAMES: AtomicU64 = AtomicU64::new(0);

/// The allocator's MMU on riscv64: the live kernel Sv39 tables, below the
/// large-allocation range's root entries.
pub struct PageTableMmu {
    detection: DirtyDetection,
    /// The last last-level table reached: (2 MiB block number, its address).
    leaf_table: Cell<Option<(u64, u64)>>,
}

impl PageTableMmu {
    /// The MMU on the live kernel page tables, with hardware A/D updates
    /// (QEMU's behaviour): it reports [`DirtyDetection::Hardware`].
    pub const fn new() -> Self {
        Self {
            detection: DirtyDetection::Hardware,
            leaf_table: Cell::new(None),
        }
    }

    /// How many frames the MMU has taken for page tables since boot (kept
    /// for reuse, never freed).
    pub fn page_table_frames() -> u64 {
        PAGE_TABLE_FRAMES.load(Ordering::Relaxed)
    }
}

impl Default for PageTableMmu {
    fn default() -> Self {
        Self::new()
    }
}

/// The leaf flags for an allocation page: readable, never executable.
fn leaf_flags(flags: PageFlags) -> EntryFlags {
    let mut bits = EntryFlags::VALID | EntryFlags::READ;
    if flags.contains(PageFlags::WRITABLE) {
        bits |= EntryFlags::WRITE;
    }
    if flags.contains(PageFlags::DIRTY) {
        bits |= EntryFlags::DIRTY | EntryFlags::ACCESSED;
    }
    bits
}

fn info_of(entry: PageTableEntry) -> Option<EntryInfo> {
    let flags = entry.flags();
    entry.is_leaf().then(|| EntryInfo {
        frame: FrameNumber(entry.address().0 / PAGE_SIZE),
        writable: flags.contains(EntryFlags::WRITE),
        dirty: flags.contains(EntryFlags::DIRTY),
        accessed: flags.contains(EntryFlags::ACCESSED),
    })
}

/// Points an empty entry at a fresh, zeroed page table.
fn install_table(entry: &mut PageTableEntry) -> Result<(), PortError> {
    let frame =
        with_frames(|frames| frames.allocate()).map_err(|_| PortError::OutOfPageTableFrames)?;
    // SAFETY: a fresh frame, reachable through the direct map, unused by anyone.
    unsafe { clear_page(phys_to_virt(frame.start_address())) };
    *entry = PageTableEntry::new(frame.start_address(), EntryFlags::VALID);
    PAGE_TABLE_FRAMES.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Walks from the root to the last-level table that holds `address`'s
/// entry, creating missing tables when `create`; returns its direct-map
/// address. Taken once per 2 MiB block at most (see
/// `PageTableMmu::with_leaf`), so kept out of line.
#[cold]
#[inline(never)]
fn walk_to_leaf_table(address: u64, create: bool) -> Result<Option<u64>, PortError> {
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
                return Err(PortError::AlreadyMapped(page));
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
    /// Runs `operation` on the 4 KiB entry of `page`, creating missing tables
    /// when `create`; `Ok(None)` if a table on the way is missing.
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
    ) -> Result<Option<R>, PortError> {
        let address = page.start().0;
        let block = address >> 21;
        let table = match self.leaf_table.get() {
            Some((cached_block, table)) if cached_block == block => table,
            _ => {
                let Some(table) = walk_to_leaf_table(address, create)? else {
                    return Ok(None);
                };
                self.leaf_table.set(Some((block, table)));
                table
            }
        };
        // SAFETY: `table` is the live last-level table for this 2 MiB block.
        // Tables of the large-allocation range are never freed, and only this
        // MMU (owned by the engine, behind the engine lock) edits them.
        let table = unsafe { &mut *(table as *mut PageTable) };
        Ok(Some(operation(&mut table.entries[index(address, 0)])))
    }
}

impl Port for PageTableMmu {
    fn dirty_detection(&self) -> DirtyDetection {
        self.detection
    }

    fn map(&mut self, page: Page, frame: FrameNumber, flags: PageFlags) -> Result<(), PortError> {
        let result = self.with_leaf(page, true, |entry| {
            if entry.is_valid() {
                return Err(PortError::AlreadyMapped(page));
            }
            *entry = PageTableEntry::new(frame.start_address(), leaf_flags(flags));
            Ok(())
        })?;
        result.unwrap_or(Err(PortError::NotMapped(page)))
    }

    fn unmap(&mut self, page: Page) -> Option<EntryInfo> {
        let result = self.with_leaf(page, false, |entry| {
            let info = info_of(*entry);
            *entry = PageTableEntry::EMPTY;
            info
        });
        result.ok().flatten().flatten()
    }

    fn protect(&mut self, page: Page, flags: PageFlags) -> Result<(), PortError> {
        let result = self.with_leaf(page, false, |entry| {
            if !entry.is_leaf() {
                return Err(PortError::NotMapped(page));
            }
            let kept = entry.flags() & (EntryFlags::DIRTY | EntryFlags::ACCESSED);
            *entry = entry.with_flags(leaf_flags(flags) | kept);
            Ok(())
        })?;
        result.unwrap_or(Err(PortError::NotMapped(page)))
    }

    fn query(&self, page: Page) -> Option<EntryInfo> {
        self.with_leaf(page, false, |entry| info_of(*entry))
            .ok()
            .flatten()
            .flatten()
    }

    fn clear_dirty(&mut self, page: Page) {
        // A page that is not mapped has no dirty bit to clear.
        let _ = self.with_leaf(page, false, |entry| {
            *entry = entry.with_flags(entry.flags() - EntryFlags::DIRTY);
        });
    }

    /// One walk (usually none: the last leaf table is remembered), one read
    /// and, only if D was set, one write.
    #[inline]
    fn take_dirty(&mut self, page: Page) -> Option<EntryInfo> {
        let result = self.with_leaf(page, false, |entry| {
            let info = info_of(*entry)?;
            if info.dirty {
                *entry = entry.with_flags(entry.flags() - EntryFlags::DIRTY);
            }
            Some(info)
        });
        result.ok().flatten().flatten()
    }

    #[inline]
    fn flush_tlb(&mut self, page: Page) {
        csr::flush_page(page.start().0);
    }

    #[inline]
    fn zero_frame(&mut self, frame: FrameNumber) {
        // SAFETY: the engine owns the frame; the direct map reaches it.
        unsafe { clear_page(phys_to_virt(frame.start_address())) };
    }

    fn write_zeroes(&mut self, page: Page) -> Result<(), AccessFault> {
        let entry = self.with_leaf(page, false, |entry| *entry).ok().flatten();
        let fault = |cause| AccessFault {
            addr: page.start(),
            access: Access::Write,
            cause,
        };
        match entry {
            Some(entry) if entry.is_leaf() => {
                if !entry.flags().contains(EntryFlags::WRITE) {
                    return Err(fault(FaultCause::ReadOnly));
                }
                // SAFETY: the page is mapped writable to a frame the engine
                // owns; writing through the mapping lets the MMU set D.
                unsafe { clear_page(page.start().0 as *mut u8) };
                Ok(())
            }
            _ => Err(fault(FaultCause::NotPresent)),
        }
    }
}
