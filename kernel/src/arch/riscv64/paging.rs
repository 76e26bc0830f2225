//! The kernel's own page tables on riscv64: a direct map of RAM, a W^X
//! kernel image, and the devices.
//!
//! The boot stub's table maps the image and 64 GiB of physical memory with
//! 1 GiB pages, all of the image writable and executable: enough to start,
//! too coarse to keep. [`init_page_tables`] builds the Sv39 tables the
//! kernel runs on (see [`super::sv39`] for the format):
//! - **the direct map**: every usable RAM range at `PHYS_OFFSET + physical`,
//!   with 2 MiB pages, read and write, never execute;
//! - **the kernel image**, identity mapped with 4 KiB pages, each section
//!   with only the rights it needs: text R+X, rodata R, data and bss R+W
//!   (Privileged Architecture, 10.3.1, Table 10.5); the guard page below
//!   every stack stays unmapped;
//! - **the devices** the device tree named (UART, test device), one 4 KiB
//!   page each in the direct map, read and write;
//! - nothing else: address 0, the gap below RAM and all other addresses
//!   fault.
//!
//! Every kernel entry is created with A and D already set, so these tables
//! work on cores that fault on A = 0 or D = 0 (Svade) as well as on QEMU,
//! which sets them in hardware.
//!
//! Page-table frames come from the frame allocator. It hands out the
//! lowest free frame first, so while the boot table is live (it reaches the
//! first 64 GiB) the new tables always land in reachable memory.

use super::devices;
use super::layout::{DIRECT_MAP_SIZE, PHYS_OFFSET};
use super::stacks;
use super::sv39::{EntryFlags, PageTable, PageTableEntry, index, level_size};
use crate::boot_info::BootInfo;
use crate::memory::kernel_image::{self, SectionKind};
use crate::memory::paging_error::PagingError;
use crate::memory::with_frames;
use core::sync::atomic::{AtomicBool, Ordering};
use pristine_allocator::frame::FrameAllocator;
use pristine_allocator::{PAGE_SIZE, PhysAddr};
use spin::Mutex;

/// Physical address of the kernel's root table once [`init_page_tables`]
/// has switched to it; the lock is the page-table lock.
static KERNEL_ROOT: Mutex<Option<PhysAddr>> = Mutex::new(None);

/// Set by the first call of [`init_page_tables`]: the boot table is live
/// only until then.
static TABLES_STARTED: AtomicBool = AtomicBool::new(false);

/// The virtual address where the direct map shows physical address `address`.
pub fn phys_to_virt(address: PhysAddr) -> *mut u8 {
    (PHYS_OFFSET + address.0) as *mut u8
}

/// The table a valid non-leaf entry points to.
///
/// # Safety
/// `entry` must point to a live page table, reachable through the direct
/// map, that nobody else edits while the returned reference lives.
pub(super) unsafe fn next_table<'a>(entry: PageTableEntry) -> &'a mut PageTable {
    // SAFETY: per the contract, a page table lives there and is ours.
    unsafe { &mut *(phys_to_virt(entry.address()) as *mut PageTable) }
}

/// A fresh, zeroed frame for a page table from `frames`.
fn table_frame(frames: &mut FrameAllocator) -> Result<PhysAddr, PagingError> {
    let frame = frames.allocate().map_err(|_| PagingError::OutOfFrames)?;
    let address = frame.start_address();
    // SAFETY: a fresh frame (unused), reachable through the direct map.
    unsafe { phys_to_virt(address).write_bytes(0, PAGE_SIZE as usize) };
    Ok(address)
}

/// The entry for `address` at `level` (0 = 4 KiB, 1 = 2 MiB), creating the
/// tables on the way from `root` with frames from `frames`.
fn entry_at<'t>(
    root: &'t mut PageTable,
    address: u64,
    level: u32,
    frames: &mut FrameAllocator,
) -> Result<&'t mut PageTableEntry, PagingError> {
    let mut table = root;
    for current in (level + 1..=2).rev() {
        let entry = &mut table.entries[index(address, current)];
        if !entry.is_valid() {
            *entry = PageTableEntry::new(table_frame(frames)?, EntryFlags::VALID);
        } else if entry.is_leaf() {
            return Err(PagingError::HugePageConflict(address));
        }
        // SAFETY: a valid non-leaf entry of the kernel's tables, which only
        // this module (under the page-table lock, or before anyone else
        // runs) edits.
        table = unsafe { next_table(*entry) };
    }
    Ok(&mut table.entries[index(address, level)])
}

/// Maps `address` to `physical` at `level` with `rights` (plus V, G, A, D).
fn map_at(
    root: &mut PageTable,
    address: u64,
    physical: u64,
    level: u32,
    rights: EntryFlags,
    frames: &mut FrameAllocator,
) -> Result<(), PagingError> {
    let entry = entry_at(root, address, level, frames)?;
    if entry.is_valid() {
        return Err(PagingError::AlreadyMapped(address));
    }
    let flags =
        rights | EntryFlags::VALID | EntryFlags::GLOBAL | EntryFlags::ACCESSED | EntryFlags::DIRTY;
    *entry = PageTableEntry::new(PhysAddr(physical), flags);
    Ok(())
}

/// Builds the kernel's page tables (the direct map of `boot_info`'s RAM,
/// the W^X image and the devices) with frames from the kernel's frame
/// allocator, and switches to them.
///
/// # Errors
/// [`PagingError::AlreadyInitialised`] on any call after the first; the
/// others if the tables cannot be built (the boot table stays live then).
pub fn init_page_tables(boot_info: &BootInfo) -> Result<(), PagingError> {
    if TABLES_STARTED.swap(true, Ordering::AcqRel) {
        return Err(PagingError::AlreadyInitialised);
    }
    let root = with_frames(|frames| {
        let root = table_frame(frames)?;
        // SAFETY: a fresh zeroed frame, page aligned as a table must be,
        // reachable through the boot table's direct map; nobody else knows
        // it yet.
        let table = unsafe { &mut *(phys_to_virt(root) as *mut PageTable) };
        map_direct(table, boot_info, frames)?;
        map_kernel_image(table, frames)?;
        map_devices(table, frames)?;
        Ok::<_, PagingError>(root)
    })?;
    let satp = super::csr::SATP_MODE_SV39 | (root.0 >> 12);
    // SAFETY: the new tables map everything the kernel touches from now on
    // at the same addresses: its image (the code running now), its stacks,
    // the direct map and the devices.
    unsafe { super::csr::write_satp(satp) };
    *KERNEL_ROOT.lock() = Some(root);
    Ok(())
}

fn map_direct(
    root: &mut PageTable,
    boot_info: &BootInfo,
    frames: &mut FrameAllocator,
) -> Result<(), PagingError> {
    let megapage = level_size(1);
    let rights = EntryFlags::READ | EntryFlags::WRITE;
    for region in boot_info.usable_regions() {
        let end = region.end.0.min(DIRECT_MAP_SIZE);
        let mut physical = region.start.0 / megapage * megapage;
        while physical < end {
            let address = PHYS_OFFSET + physical;
            match map_at(root, address, physical, 1, rights, frames) {
                // Two regions may share a 2 MiB page.
                Ok(()) | Err(PagingError::AlreadyMapped(_)) => {}
                Err(error) => return Err(error),
            }
            physical += megapage;
        }
    }
    Ok(())
}

fn map_kernel_image(root: &mut PageTable, frames: &mut FrameAllocator) -> Result<(), PagingError> {
    use EntryFlags as F;
    let guards = stacks::all().map(|(_, bounds)| bounds.guard);
    for section in kernel_image::sections() {
        let rights = match section.kind {
            SectionKind::Text => F::READ | F::EXECUTE,
            SectionKind::ReadOnlyData => F::READ,
            SectionKind::Data => F::READ | F::WRITE,
        };
        for address in (section.start..section.end).step_by(PAGE_SIZE as usize) {
            if !guards.contains(&address) {
                map_at(root, address, address, 0, rights, frames)?;
            }
        }
    }
    Ok(())
}

fn map_devices(root: &mut PageTable, frames: &mut FrameAllocator) -> Result<(), PagingError> {
    let rights = EntryFlags::READ | EntryFlags::WRITE;
    for device in devices::get().mmio_pages().into_iter().flatten() {
        let physical = device.0 / PAGE_SIZE * PAGE_SIZE;
        match map_at(root, PHYS_OFFSET + physical, physical, 0, rights, frames) {
            // Two devices may share a page.
            Ok(()) | Err(PagingError::AlreadyMapped(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Maps `count` fresh, zeroed frames from the kernel's frame allocator,
/// read-write and no-execute, at `start`. On an error the pages before the
/// failing one stay mapped.
///
/// # Safety
/// `[start, start + count pages)` must be unused kernel address space.
pub unsafe fn map_fresh_pages(start: u64, count: u64) -> Result<(), PagingError> {
    let guard = KERNEL_ROOT.lock();
    let root = guard.ok_or(PagingError::NotInitialised)?;
    // SAFETY: the live root table, edited only under the page-table lock,
    // which is held.
    let table = unsafe { &mut *(phys_to_virt(root) as *mut PageTable) };
    for page in 0..count {
        let address = start + page * PAGE_SIZE;
        with_frames(|frames| {
            let frame = frames.allocate().map_err(|_| PagingError::OutOfFrames)?;
            let physical = frame.start_address();
            // SAFETY: a fresh frame (so nobody else uses it), reachable
            // through the direct map.
            unsafe { phys_to_virt(physical).write_bytes(0, PAGE_SIZE as usize) };
            let rights = EntryFlags::READ | EntryFlags::WRITE;
            map_at(table, address, physical.0, 0, rights, frames)
        })?;
        // A new mapping needs no flush on RISC-V unless an invalid entry
        // may be cached; the Privileged Architecture allows that, so flush.
        super::csr::flush_page(address);
    }
    Ok(())
}

/// Runs `operation` on the live root table, with the kernel's page-table
/// lock held so no other edit interleaves.
///
/// Private to the architecture: only the allocator's MMU ([`super::mmu`])
/// edits the live tables this way.
///
/// # Safety
/// The tables are the ones the CPU runs on, so `operation` can unmap the
/// kernel from under itself. It may only change entries on the way to
/// pages the caller owns (the MMU: the large-allocation range, which
/// nothing else maps), may only point empty entries at fresh, zeroed page
/// tables (or at a fresh table filled with entries, when a megapage is
/// split), may free a table of that range only once all its entries are
/// empty and its parent entry no longer points to it, and must never
/// change the entries that map the kernel image, the direct map, the
/// devices or the heap.
///
/// # Panics
/// Before [`init_page_tables`]: a boot-order bug.
// Always inlined: the page-table walk of the allocator's MMU, taken once
// per 2 MiB block, costs about 20 guest instructions more through a call.
#[inline(always)]
pub(super) unsafe fn with_root_table<R>(operation: impl FnOnce(&mut PageTable) -> R) -> R {
    let guard = KERNEL_ROOT.lock();
    let root = guard.expect("page tables used before init_page_tables");
    // SAFETY: the live root table; the page-table lock is held for the
    // whole operation, and the caller keeps to the contract above.
    operation(unsafe { &mut *(phys_to_virt(root) as *mut PageTable) })
}
