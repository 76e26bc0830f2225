//! The kernel's own page tables: a direct map of RAM and a W^X kernel image.
//!
//! The boot stub's tables map 4 GiB with large writable, executable pages:
//! enough to start, too coarse to keep. [`init_page_tables`] builds the
//! tables the kernel runs on, with the `x86_64` crate's [`OffsetPageTable`]:
//! - **the direct map**: every usable RAM range at `PHYS_OFFSET + physical`,
//!   with 2 MiB pages, writable and never executable. RAM above the PCI hole
//!   (above 4 GiB) is included, which the boot tables could not reach;
//! - **the kernel image**, identity mapped with 4 KiB pages, each section
//!   with only the rights it needs: text read + execute, rodata read only,
//!   data and bss read + write, no-execute (Intel SDM Vol. 3A, 4.6:
//!   "Access Rights"); the guard page below every stack stays unmapped;
//! - nothing else: low memory, the null page and all other addresses fault.
//!
//! Page-table frames come from the frame allocator. It hands out the lowest
//! free frame first, so while the boot tables are still live (they reach only
//! the first 4 GiB) the new tables always land in reachable memory.

use super::stacks;
use crate::boot_info::BootInfo;
use crate::memory::kernel_image::{self, SectionKind};
use crate::memory::paging_error::PagingError;
use crate::memory::with_frames;
use core::sync::atomic::{AtomicBool, Ordering};
use pristine_allocator::frame::{FrameAllocator, FrameError};
use pristine_allocator::{FrameNumber, PhysAddr as FramePhysAddr};
use spin::Mutex;
use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::structures::paging::mapper::MapToError;
use x86_64::structures::paging::{
    FrameAllocator as TableFrameSource, Mapper, OffsetPageTable, Page, PageSize, PageTable,
    PageTableFlags, PhysFrame, Size2MiB, Size4KiB, Translate,
};
use x86_64::{PhysAddr, VirtAddr};

/// Where the direct map of physical memory starts: the bottom of the higher
/// half (PML4 entry 256), shared with the boot stub.
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;

/// The kernel's page tables, once [`init_page_tables`] has switched to them.
static KERNEL_TABLES: Mutex<Option<OffsetPageTable<'static>>> = Mutex::new(None);

/// Set by the first call of [`init_page_tables`]: the boot tables are live
/// only until then.
static TABLES_STARTED: AtomicBool = AtomicBool::new(false);

/// The virtual address where the direct map shows physical address `address`.
pub fn phys_to_virt(address: FramePhysAddr) -> *mut u8 {
    (PHYS_OFFSET + address.0) as *mut u8
}

/// Lends the x86_64 crate frames from Pristine's frame allocator.
struct TableFrames<'a, 'm>(&'a mut FrameAllocator<'m>);

// SAFETY: every frame returned is free in the frame allocator and so unused.
unsafe impl TableFrameSource<Size4KiB> for TableFrames<'_, '_> {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        let frame = self.0.allocate().ok()?;
        Some(PhysFrame::containing_address(PhysAddr::new(
            frame.start_address().0,
        )))
    }
}

fn map_error<S: PageSize>(error: MapToError<S>, address: u64) -> PagingError {
    match error {
        MapToError::FrameAllocationFailed => PagingError::OutOfFrames,
        MapToError::PageAlreadyMapped(_) => PagingError::AlreadyMapped(address),
        MapToError::ParentEntryHugePage => PagingError::HugePageConflict(address),
    }
}

/// Builds the kernel's page tables (the direct map of `boot_info`'s RAM and
/// the W^X image) with frames from the kernel's frame allocator, and
/// switches to them.
///
/// # Errors
/// [`PagingError::AlreadyInitialised`] on any call after the first; the
/// others if the tables cannot be built (the boot tables stay live then).
pub fn init_page_tables(boot_info: &BootInfo) -> Result<(), PagingError> {
    if TABLES_STARTED.swap(true, Ordering::AcqRel) {
        return Err(PagingError::AlreadyInitialised);
    }
    let tables = with_frames(|frames| {
        // SAFETY: the first call (checked just above), so the boot stub's
        // tables are still the live ones and map the first 4 GiB at
        // PHYS_OFFSET; the kernel's frame allocator hands out only free RAM
        // (the image, low memory and its own bitmap are reserved).
        unsafe { build_and_switch(boot_info, frames) }
    })?;
    *KERNEL_TABLES.lock() = Some(tables);
    Ok(())
}

/// Builds the kernel's page tables, switches to them and returns them.
///
/// # Safety
/// Must run once, during boot, while the boot tables map the first 4 GiB at
/// [`PHYS_OFFSET`], with `frames` handing out only unused RAM.
unsafe fn build_and_switch(
    boot_info: &BootInfo,
    frames: &mut FrameAllocator,
) -> Result<OffsetPageTable<'static>, PagingError> {
    let root = frames.allocate().map_err(|_| PagingError::OutOfFrames)?;
    let root_table = phys_to_virt(root.start_address()) as *mut PageTable;
    // SAFETY: the frame is fresh from the allocator (so unused), page aligned
    // as a PageTable must be, and reachable through the boot tables' direct
    // map, which the caller guarantees is live.
    unsafe { root_table.write(PageTable::new()) };
    // SAFETY: just initialised above; the frame belongs to nobody else, so
    // this is the only reference to it, kept for good in KERNEL_TABLES.
    let root_table = unsafe { &mut *root_table };
    // SAFETY: PHYS_OFFSET is where the boot tables, and the tables built
    // here, map all physical memory the page tables live in.
    let mut tables = unsafe { OffsetPageTable::new(root_table, VirtAddr::new(PHYS_OFFSET)) };
    map_direct(&mut tables, boot_info, frames)?;
    map_kernel_image(&mut tables, frames)?;
    let root_frame = PhysFrame::containing_address(PhysAddr::new(root.start_address().0));
    // SAFETY: the new tables map everything the kernel touches from now on:
    // its image with the same addresses, its stacks, and the direct map.
    unsafe { Cr3::write(root_frame, Cr3Flags::empty()) };
    Ok(tables)
}

fn map_direct(
    tables: &mut OffsetPageTable,
    boot_info: &BootInfo,
    frames: &mut FrameAllocator,
) -> Result<(), PagingError> {
    let flags = PageTableFlags::PRESENT | PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    let huge = Size2MiB::SIZE;
    for region in boot_info.usable_regions() {
        let first = region.start.0 / huge * huge;
        let mut physical = first;
        while physical < region.end.0 {
            let virt = VirtAddr::new(PHYS_OFFSET + physical);
            if tables.translate_addr(virt).is_none() {
                let page = Page::<Size2MiB>::containing_address(virt);
                let frame = PhysFrame::<Size2MiB>::containing_address(PhysAddr::new(physical));
                // SAFETY: the direct map aliases RAM the kernel owns; it is
                // never executable, and nothing else maps these addresses.
                unsafe { tables.map_to(page, frame, flags, &mut TableFrames(frames)) }
                    .map_err(|error| map_error(error, virt.as_u64()))?
                    .ignore();
            }
            physical += huge;
        }
    }
    Ok(())
}

fn map_kernel_image(
    tables: &mut OffsetPageTable,
    frames: &mut FrameAllocator,
) -> Result<(), PagingError> {
    use PageTableFlags as F;
    let guards = stacks::all().map(|(_, bounds)| bounds.guard);
    for section in kernel_image::sections() {
        let flags = match section.kind {
            SectionKind::Text => F::PRESENT,
            SectionKind::ReadOnlyData => F::PRESENT | F::NO_EXECUTE,
            SectionKind::Data => F::PRESENT | F::WRITABLE | F::NO_EXECUTE,
        };
        for address in (section.start..section.end).step_by(Size4KiB::SIZE as usize) {
            if guards.contains(&address) {
                continue;
            }
            identity_map(tables, frames, address, flags)?;
        }
    }
    Ok(())
}

fn identity_map(
    tables: &mut OffsetPageTable,
    frames: &mut FrameAllocator,
    address: u64,
    flags: PageTableFlags,
) -> Result<(), PagingError> {
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(address));
    let frame = PhysFrame::containing_address(PhysAddr::new(address));
    // SAFETY: the image's own frames, mapped at their own addresses as the
    // kernel was linked; the rights come from the section's role.
    unsafe { tables.map_to(page, frame, flags, &mut TableFrames(frames)) }
        .map_err(|error| map_error(error, address))?
        .ignore();
    Ok(())
}

/// Maps `frame` at `page` in the live kernel tables, with `flags`, and
/// flushes the TLB entry. Missing tables take frames from the kernel's
/// frame allocator: the page-table lock is taken first, then the frame
/// lock, the order the whole kernel keeps.
///
/// # Safety
/// `page` must be unused kernel address space and `frame` a frame the caller
/// owns; nothing may rely on the old (absent) translation.
unsafe fn map_page(
    page: u64,
    frame: FrameNumber,
    flags: PageTableFlags,
) -> Result<(), PagingError> {
    let mut guard = KERNEL_TABLES.lock();
    let tables = guard.as_mut().ok_or(PagingError::NotInitialised)?;
    let page_v = Page::<Size4KiB>::containing_address(VirtAddr::new(page));
    let frame_p = PhysFrame::containing_address(PhysAddr::new(frame.start_address().0));
    with_frames(|frames| {
        // SAFETY: the caller vouches the page is unused and the frame is theirs.
        unsafe { tables.map_to(page_v, frame_p, flags, &mut TableFrames(frames)) }
    })
    .map_err(|error| map_error(error, page))?
    .flush();
    Ok(())
}

/// Maps `count` fresh, zeroed frames from the kernel's frame allocator,
/// read-write and no-execute, at `start`. On an error the pages before the
/// failing one stay mapped.
///
/// # Safety
/// `[start, start + count pages)` must be unused kernel address space.
pub unsafe fn map_fresh_pages(start: u64, count: u64) -> Result<(), PagingError> {
    let flags = PageTableFlags::PRESENT | PageTableFlags::WRITABLE | PageTableFlags::NO_EXECUTE;
    for index in 0..count {
        let frame = with_frames(|frames| frames.allocate())
            .map_err(|_: FrameError| PagingError::OutOfFrames)?;
        // SAFETY: a fresh frame (so nobody else uses it), reachable through
        // the direct map.
        unsafe { phys_to_virt(frame.start_address()).write_bytes(0, Size4KiB::SIZE as usize) };
        // SAFETY: the caller vouches the range is unused; the frame is ours.
        unsafe { map_page(start + index * Size4KiB::SIZE, frame, flags)? };
    }
    Ok(())
}

/// Runs `operation` on the live top-level page table, with the kernel's
/// page-table lock held so no other edit interleaves.
///
/// Private to the architecture: only the allocator's MMU
/// ([`super::mmu`]) edits the live tables this way.
///
/// # Safety
/// The tables are the ones the CPU runs on, so `operation` can unmap the
/// kernel from under itself. It may only change entries on the way to
/// pages the caller owns (the MMU: the large-allocation range, which
/// nothing else maps), may only point empty entries at fresh, zeroed page
/// tables (or at a fresh table filled with entries, when a large page is
/// split), may free a table of that range only once all its entries are
/// empty and its directory entry no longer points to it, and must never
/// change the entries that map the kernel image, the direct map or the heap.
///
/// # Panics
/// Before [`init_page_tables`]: a boot-order bug.
// Always inlined: the page-table walk of the allocator's MMU, taken once
// per 2 MiB block, costs about 20 guest instructions more through a call.
#[inline(always)]
pub(super) unsafe fn with_root_table<R>(operation: impl FnOnce(&mut PageTable) -> R) -> R {
    let mut guard = KERNEL_TABLES.lock();
    let tables = guard
        .as_mut()
        .expect("page tables used before init_page_tables");
    operation(tables.level_4_table_mut())
}
