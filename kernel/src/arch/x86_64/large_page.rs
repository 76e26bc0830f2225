//! 2 MiB pages for the allocator's MMU: directory entries with PS, and their split.
//!
//! The engine maps one thing with a large page: its shared, read-only 2 MiB
//! zero frame, over an untouched 2 MiB-aligned stretch of a region
//! (`pristine_allocator`'s `large_zero_page.rs`). On x86_64 that is a
//! page-directory entry with the PS bit (bit 7) set, whose address names a
//! 2 MiB-aligned frame (Intel SDM Vol. 3A, 4.5, table 4-18); the first
//! write inside splits it: a fresh page table whose 512 entries all map
//! the 4 KiB zero page replaces it (SDM 4.10.2.3 asks for an `invlpg` after
//! such a change of page size, which the engine does).
//!
//! A directory entry may still point to a page table left empty by earlier
//! unmaps (tables are kept for reuse); [`map_large`] then frees that table
//! and puts the large entry in its place, so a block reused for reading
//! gets its large page back. It invalidates the table's cached
//! translations itself, since the engine does not flush after a map.

use super::mmu::{info_of, install_table, leaf_flags, next_table, x86_page};
use super::paging::{phys_to_virt, with_root_table};
use crate::memory::with_frames;
use pristine_allocator::{
    EntryInfo, FrameNumber, LargePage, MmuError, PAGE_SIZE, PageFlags, PageIndex,
    PhysAddr as FramePhysAddr, is_large_frame_start,
};
use x86_64::PhysAddr;
use x86_64::structures::paging::page_table::PageTableEntry;
use x86_64::structures::paging::{PageTable, PageTableFlags as F, PhysFrame};

/// What [`map_large`] did to the directory entry.
enum Placed {
    /// The entry was empty.
    IntoEmpty,
    /// The entry pointed to an empty page table, now to be freed.
    OverEmptyTable(FrameNumber),
}

/// Runs `operation` on the page-directory entry for `large`, creating the
/// upper tables when `create`; `Ok(None)` if one is missing.
fn with_directory_entry<R>(
    large: LargePage,
    create: bool,
    operation: impl FnOnce(&mut PageTableEntry) -> R,
) -> Result<Option<R>, MmuError> {
    let page = x86_page(large.first_page());
    let walk = |root: &mut PageTable| {
        let mut table = root;
        for index in [page.p4_index(), page.p3_index()] {
            let entry = &mut table[index];
            if entry.is_unused() {
                if !create {
                    return Ok(None);
                }
                install_table(entry)?;
            }
            // SAFETY: present, and never a 1 GiB page in this range (the
            // MMU makes none): it points to a page table.
            table = unsafe { next_table(entry) };
        }
        Ok(Some(operation(&mut table[page.p2_index()])))
    };
    // SAFETY: `walk` follows, or fills while empty, the entries on the way to
    // `large`, which lies in the large-allocation range (the callers check)
    // that nothing but this MMU maps; `operation` changes only its
    // directory entry.
    unsafe { with_root_table(walk) }
}

/// Whether `entry` is a present directory entry with PS set.
fn is_large(entry: &PageTableEntry) -> bool {
    entry.flags().contains(F::PRESENT | F::HUGE_PAGE)
}

/// The large entry for `large`, as the engine sees it.
pub(super) fn query(large: LargePage) -> Option<EntryInfo> {
    let entry = with_directory_entry(large, false, |entry| {
        is_large(entry).then(|| info_of(entry)).flatten()
    });
    let mut info = entry.ok().flatten().flatten()?;
    info.large = true;
    Some(info)
}

/// Removes the large entry for `large`.
pub(super) fn unmap(large: LargePage) -> Option<EntryInfo> {
    let removed = with_directory_entry(large, false, |entry| {
        let info = is_large(entry).then(|| info_of(entry)).flatten()?;
        entry.set_unused();
        Some(info)
    });
    let mut info = removed.ok().flatten().flatten()?;
    info.large = true;
    Some(info)
}

/// Sets the write right (and A/D if asked) of the large entry for `large`.
pub(super) fn protect(large: LargePage, flags: PageFlags) -> Result<(), MmuError> {
    let result = with_directory_entry(large, false, |entry| {
        if !is_large(entry) {
            return Err(MmuError::NotMapped(large.first_page()));
        }
        let kept = entry.flags() & (F::DIRTY | F::ACCESSED);
        entry.set_flags(leaf_flags(flags) | kept | F::HUGE_PAGE);
        Ok(())
    })?;
    result.unwrap_or(Err(MmuError::NotMapped(large.first_page())))
}

/// Maps `large` to the 2 MiB frame at `frame` with one directory entry.
/// Returns `true` if it freed an empty page table in its place (the
/// caller must forget any pointer to it it kept).
pub(super) fn map_large(
    large: LargePage,
    frame: FrameNumber,
    flags: PageFlags,
) -> Result<bool, MmuError> {
    if !is_large_frame_start(frame) {
        return Err(MmuError::LargePagesUnsupported);
    }
    let target = PhysAddr::new(frame.start_address().0);
    let placed = with_directory_entry(large, true, |entry| {
        let old = if entry.is_unused() {
            Placed::IntoEmpty
        } else if entry.flags().contains(F::HUGE_PAGE) {
            return Err(MmuError::AlreadyMapped(large.first_page()));
        } else {
            // SAFETY: present, not huge: it points to a page table.
            let table = unsafe { next_table(entry) };
            if let Some(index) = table.iter().position(|leaf| !leaf.is_unused()) {
                return Err(MmuError::AlreadyMapped(large.page(PageIndex(index as u64))));
            }
            Placed::OverEmptyTable(FrameNumber(entry.addr().as_u64() / PAGE_SIZE))
        };
        entry.set_addr(target, leaf_flags(flags) | F::HUGE_PAGE);
        Ok(old)
    })?;
    match placed {
        None => Err(MmuError::OutOfPageTableFrames),
        Some(Err(error)) => Err(error),
        Some(Ok(Placed::IntoEmpty)) => Ok(false),
        Some(Ok(Placed::OverEmptyTable(table))) => {
            // The CPU may cache the old directory entry (a paging-structure
            // cache): `invlpg` drops those for every address (SDM Vol. 3A,
            // 4.10.4.1) before the table's frame goes back.
            invalidate(large);
            // A frame this MMU took for a table and no one else holds: the
            // allocator takes it back (an error would mean a double free).
            let _ = with_frames(|frames| frames.free(table));
            super::mmu::PAGE_TABLE_FRAMES.fetch_sub(1, core::sync::atomic::Ordering::Relaxed);
            Ok(true)
        }
    }
}

/// Replaces the large entry for `large` by a fresh page table whose 512
/// entries all map `frame` with `flags`.
pub(super) fn split_large(
    large: LargePage,
    frame: FrameNumber,
    flags: PageFlags,
) -> Result<(), MmuError> {
    let target = PhysAddr::new(frame.start_address().0);
    let result = with_directory_entry(large, false, |entry| {
        if !is_large(entry) {
            return Err(MmuError::NotMapped(large.first_page()));
        }
        let table_frame =
            with_frames(|frames| frames.allocate()).map_err(|_| MmuError::OutOfPageTableFrames)?;
        let table = phys_to_virt(FramePhysAddr(table_frame.start_address().0)) as *mut PageTable;
        // SAFETY: a fresh frame from the allocator, reachable through the
        // direct map and unused by anyone: it becomes the new page table.
        let table = unsafe { &mut *table };
        for leaf in table.iter_mut() {
            leaf.set_addr(target, leaf_flags(flags));
        }
        let address = PhysFrame::containing_address(PhysAddr::new(table_frame.start_address().0));
        entry.set_frame(address, F::PRESENT | F::WRITABLE);
        super::mmu::PAGE_TABLE_FRAMES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        Ok(())
    })?;
    result.unwrap_or(Err(MmuError::NotMapped(large.first_page())))
}

/// `invlpg` on the first address of `large`.
fn invalidate(large: LargePage) {
    // SAFETY: `invlpg` only drops cached translations and paging-structure
    // entries (Intel SDM Vol. 3A, 4.10.4.1); it reads and writes no memory.
    unsafe {
        core::arch::asm!(
            "invlpg [{address}]",
            address = in(reg) large.first_page().start().0,
            options(nostack, preserves_flags),
        );
    }
}
