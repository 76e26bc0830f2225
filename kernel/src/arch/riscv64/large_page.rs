//! 2 MiB megapages for the allocator's MMU: level-1 leaves, and their split.
//!
//! The engine maps one thing with a large page: its shared, read-only 2 MiB
//! zero frame, over an untouched 2 MiB-aligned stretch of a region
//! (`pristine_allocator`'s `large_zero_page.rs`). In Sv39 that is a leaf
//! one level above the 4 KiB leaves, a *megapage*, whose PPN\[0\] must be
//! zero, that is whose frame is 2 MiB aligned, or the access faults as
//! misaligned (RISC-V Privileged Architecture, 4.3.2 and 4.4.1). The first
//! write inside splits it: a fresh level-0 table whose 512 leaves all map
//! the 4 KiB zero page replaces it.
//!
//! A level-1 entry may still point to a table left empty by earlier unmaps
//! (tables are kept for reuse); [`map_large`] then frees that table and
//! puts the megapage in its place. Both that and the split change a
//! non-leaf entry, which `sfence.vma` with an address does not cover
//! (Privileged Architecture, 4.2.1): this file runs a full `sfence.vma`
//! itself after each.

use super::csr;
use super::mmu::{PAGE_TABLE_FRAMES, install_table};
use super::paging::{next_table, phys_to_virt, with_root_table};
use super::sv39::{EntryFlags, PageTable, PageTableEntry, index};
use crate::memory::with_frames;
use core::sync::atomic::Ordering;
use pristine_allocator::{
    FrameNumber, LargePage, MmuError, PAGE_SIZE, PageIndex, is_large_frame_start,
};

/// What [`map_large`] did to the level-1 entry.
enum Placed {
    /// The entry was empty.
    IntoEmpty,
    /// The entry pointed to an empty table, now to be freed.
    OverEmptyTable(FrameNumber),
}

/// Runs `operation` on the level-1 entry for `large`, creating the level-2
/// table's entry when `create`; `Ok(None)` if it is missing.
fn with_level_1_entry<R>(
    large: LargePage,
    create: bool,
    operation: impl FnOnce(&mut PageTableEntry) -> R,
) -> Result<Option<R>, MmuError> {
    let address = large.first_page().start().0;
    let walk = |root: &mut PageTable| {
        let entry = &mut root.entries[index(address, 2)];
        if !entry.is_valid() {
            if !create {
                return Ok(None);
            }
            install_table(entry)?;
        }
        // SAFETY: valid and never a gigapage in this range (the MMU makes
        // none): it points to a page table of the large range, which only
        // this MMU edits, under the page-table lock `with_root_table` holds.
        let table = unsafe { next_table(*entry) };
        Ok(Some(operation(&mut table.entries[index(address, 1)])))
    };
    // SAFETY: `walk` follows, or fills while empty, the root entry on the
    // way to `large`, which lies in the large-allocation range (the callers
    // check) that nothing but this MMU maps; `operation` changes only its
    // level-1 entry.
    unsafe { with_root_table(walk) }
}

/// The megapage entry for `large`, if there is one.
pub(super) fn entry(large: LargePage) -> Option<PageTableEntry> {
    let found = with_level_1_entry(large, false, |entry| *entry);
    found.ok().flatten().filter(|entry| entry.is_leaf())
}

/// Removes the megapage for `large`; the entry it was.
pub(super) fn unmap(large: LargePage) -> Option<PageTableEntry> {
    let removed = with_level_1_entry(large, false, |entry| {
        let old = *entry;
        if old.is_leaf() {
            *entry = PageTableEntry::EMPTY;
        }
        old
    });
    removed.ok().flatten().filter(|entry| entry.is_leaf())
}

/// Replaces the megapage for `large` by `new` (same frame, other flags).
pub(super) fn replace(large: LargePage, new: PageTableEntry) -> Result<(), MmuError> {
    let done = with_level_1_entry(large, false, |entry| {
        if !entry.is_leaf() {
            return Err(MmuError::NotMapped(large.first_page()));
        }
        *entry = new;
        Ok(())
    })?;
    done.unwrap_or(Err(MmuError::NotMapped(large.first_page())))
}

/// Maps `large` to the 2 MiB frame at `frame` with one megapage of
/// `flags`. Returns `true` if it freed an empty table in its place (the
/// caller must forget any pointer to it it kept).
pub(super) fn map_large(
    large: LargePage,
    frame: FrameNumber,
    flags: EntryFlags,
) -> Result<bool, MmuError> {
    if !is_large_frame_start(frame) {
        return Err(MmuError::LargePagesUnsupported);
    }
    let placed = with_level_1_entry(large, true, |entry| {
        let old = if !entry.is_valid() {
            Placed::IntoEmpty
        } else if entry.is_leaf() {
            return Err(MmuError::AlreadyMapped(large.first_page()));
        } else {
            // SAFETY: valid, not a leaf: a page table of the large range.
            let table = unsafe { next_table(*entry) };
            if let Some(at) = table.entries.iter().position(|leaf| leaf.is_valid()) {
                return Err(MmuError::AlreadyMapped(large.page(PageIndex(at as u64))));
            }
            Placed::OverEmptyTable(FrameNumber(entry.address().0 / PAGE_SIZE))
        };
        *entry = PageTableEntry::new(frame.start_address(), flags);
        Ok(old)
    })?;
    match placed {
        None => Err(MmuError::OutOfPageTableFrames),
        Some(Err(error)) => Err(error),
        Some(Ok(Placed::IntoEmpty)) => Ok(false),
        Some(Ok(Placed::OverEmptyTable(table))) => {
            // A non-leaf entry changed: drop every cached one before the
            // table's frame goes back.
            csr::flush_all();
            // A frame this MMU took for a table and no one else holds: the
            // allocator takes it back (an error would mean a double free).
            let _ = with_frames(|frames| frames.free(table));
            PAGE_TABLE_FRAMES.fetch_sub(1, Ordering::Relaxed);
            Ok(true)
        }
    }
}

/// Replaces the megapage for `large` by a fresh level-0 table whose 512
/// leaves all map `frame` with `flags`.
pub(super) fn split_large(
    large: LargePage,
    frame: FrameNumber,
    flags: EntryFlags,
) -> Result<(), MmuError> {
    let done = with_level_1_entry(large, false, |entry| {
        if !entry.is_leaf() {
            return Err(MmuError::NotMapped(large.first_page()));
        }
        let table_frame =
            with_frames(|frames| frames.allocate()).map_err(|_| MmuError::OutOfPageTableFrames)?;
        let table = phys_to_virt(table_frame.start_address()) as *mut PageTable;
        // SAFETY: a fresh frame from the allocator, reachable through the
        // direct map and unused by anyone: it becomes the new table.
        let table = unsafe { &mut *table };
        for leaf in &mut table.entries {
            *leaf = PageTableEntry::new(frame.start_address(), flags);
        }
        *entry = PageTableEntry::new(table_frame.start_address(), EntryFlags::VALID);
        PAGE_TABLE_FRAMES.fetch_add(1, Ordering::Relaxed);
        Ok(())
    })?;
    done.unwrap_or(Err(MmuError::NotMapped(large.first_page())))?;
    csr::flush_all();
    Ok(())
}
