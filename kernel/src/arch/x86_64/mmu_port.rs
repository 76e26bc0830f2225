//! The x86_64 port of the allocator: its `Port` trait on real page tables.
//!
//! The allocation engine in `pristine_allocator` never touches hardware; it
//! asks a [`Port`] to map, unmap, protect, query and flush. Here each of those
//! is a walk to the 4 KiB page-table entry of the page (four levels, Intel
//! SDM Vol. 3A, 4.5) and a bit operation on it:
//! - the **Dirty** bit (bit 6) is set by the CPU on the first write through a
//!   writable entry, and the **Accessed** bit (bit 5) on any access (SDM 4.8);
//!   [`Port::query`] reports both and [`Port::clear_dirty`] clears D;
//! - every change is followed, by the engine, with [`Port::flush_tlb`]
//!   (`invlpg`, SDM 4.10.4.1): the CPU caches translations, including whether
//!   it has already set D, so a stale TLB entry would hide the next write;
//! - frames are zeroed through the direct map with the kernel's fastest clear
//!   ([`super::clear`]).
//!
//! Intermediate page tables for the large-allocation range come from the
//! kernel's frame allocator and are kept for the life of the kernel.

use super::clear::clear_page;
use super::paging::{phys_to_virt, with_root_table};
use crate::memory::with_frames;
use core::sync::atomic::{AtomicU64, Ordering};
use pristine_allocator::port::{
    Access, AccessFault, DirtyDetection, EntryInfo, FaultCause, PageFlags, Port, PortError,
};
use pristine_allocator::{FrameNumber, PAGE_SIZE, PhysAddr as FramePhysAddr, page::Page};
use x86_64::structures::paging::page_table::PageTableEntry;
use x86_64::structures::paging::{Page as X86Page, PageTable, PageTableFlags as F, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

/// Frames taken for page tables of the large-allocation range so far. They
/// are kept for reuse, never freed, so frame accounting must add them back.
static PAGE_TABLE_FRAMES: AtomicU64 = AtomicU64::new(0);

/// How many frames the port has taken for page tables since boot.
pub fn page_table_frames() -> u64 {
    PAGE_TABLE_FRAMES.load(Ordering::Relaxed)
}

/// The allocator's port for x86_64 with 4-level paging.
pub struct X86Port {
    detection: DirtyDetection,
}

impl X86Port {
    /// A port that uses the hardware dirty bit, or, with
    /// [`DirtyDetection::SoftwareOnly`], pretends it has none so the
    /// engine's write-fault strategy can run on real hardware too.
    pub const fn new(detection: DirtyDetection) -> Self {
        Self { detection }
    }
}

/// The leaf flags for an allocation page: never executable.
fn leaf_flags(flags: PageFlags) -> F {
    let mut bits = F::PRESENT | F::NO_EXECUTE;
    if flags.contains(PageFlags::WRITABLE) {
        bits |= F::WRITABLE;
    }
    if flags.contains(PageFlags::DIRTY) {
        bits |= F::DIRTY;
    }
    bits
}

fn info_of(entry: &PageTableEntry) -> Option<EntryInfo> {
    let flags = entry.flags();
    flags.contains(F::PRESENT).then(|| EntryInfo {
        frame: FrameNumber(entry.addr().as_u64() / PAGE_SIZE),
        writable: flags.contains(F::WRITABLE),
        dirty: flags.contains(F::DIRTY),
        accessed: flags.contains(F::ACCESSED),
    })
}

fn x86_page(page: Page) -> X86Page {
    X86Page::containing_address(VirtAddr::new(page.start().0))
}

/// The table a present non-leaf entry points to.
///
/// # Safety
/// `entry` must be a present entry of a live table that points to a page
/// table (not a huge page), reachable through the direct map.
unsafe fn next_table(entry: &mut PageTableEntry) -> &mut PageTable {
    let table = phys_to_virt(FramePhysAddr(entry.addr().as_u64())) as *mut PageTable;
    // SAFETY: per the contract, a page table lives there; the page-table lock
    // held by `with_root_table` keeps anyone else from editing it.
    unsafe { &mut *table }
}

/// Points an empty entry at a fresh, zeroed page table.
fn install_table(entry: &mut PageTableEntry) -> Result<(), PortError> {
    let frame =
        with_frames(|frames| frames.allocate()).map_err(|_| PortError::OutOfPageTableFrames)?;
    // SAFETY: a fresh frame, reachable through the direct map, unused by anyone.
    unsafe { clear_page(phys_to_virt(frame.start_address())) };
    let address = PhysFrame::containing_address(PhysAddr::new(frame.start_address().0));
    entry.set_frame(address, F::PRESENT | F::WRITABLE);
    PAGE_TABLE_FRAMES.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Walks to the 4 KiB entry of `page`, creating missing tables when `create`.
fn with_leaf<R>(
    page: Page,
    create: bool,
    operation: impl FnOnce(&mut PageTableEntry) -> R,
) -> Result<Option<R>, PortError> {
    let page = x86_page(page);
    with_root_table(|root| {
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
                return Err(PortError::AlreadyMapped(Page::containing(
                    pristine_allocator::VirtAddr(page.start_address().as_u64()),
                )));
            }
            // SAFETY: present, not huge: it points to a page table.
            table = unsafe { next_table(entry) };
        }
        Ok(Some(operation(&mut table[page.p1_index()])))
    })
}

impl Port for X86Port {
    fn dirty_detection(&self) -> DirtyDetection {
        self.detection
    }

    fn map(&mut self, page: Page, frame: FrameNumber, flags: PageFlags) -> Result<(), PortError> {
        let target = PhysAddr::new(frame.start_address().0);
        let result = with_leaf(page, true, |entry| {
            if !entry.is_unused() {
                return Err(PortError::AlreadyMapped(page));
            }
            entry.set_addr(target, leaf_flags(flags));
            Ok(())
        })?;
        result.unwrap_or(Err(PortError::NotMapped(page)))
    }

    fn unmap(&mut self, page: Page) -> Option<EntryInfo> {
        let result = with_leaf(page, false, |entry| {
            let info = info_of(entry);
            entry.set_unused();
            info
        });
        result.ok().flatten().flatten()
    }

    fn protect(&mut self, page: Page, flags: PageFlags) -> Result<(), PortError> {
        let result = with_leaf(page, false, |entry| {
            let old = entry.flags();
            if !old.contains(F::PRESENT) {
                return Err(PortError::NotMapped(page));
            }
            let kept = old & (F::DIRTY | F::ACCESSED);
            entry.set_flags(leaf_flags(flags) | kept);
            Ok(())
        })?;
        result.unwrap_or(Err(PortError::NotMapped(page)))
    }

    fn query(&self, page: Page) -> Option<EntryInfo> {
        with_leaf(page, false, |entry| info_of(entry))
            .ok()
            .flatten()
            .flatten()
    }

    fn clear_dirty(&mut self, page: Page) {
        // A page that is not mapped has no dirty bit to clear.
        let _ = with_leaf(page, false, |entry| {
            entry.set_flags(entry.flags() - F::DIRTY)
        });
    }

    fn flush_tlb(&mut self, page: Page) {
        x86_64::instructions::tlb::flush(VirtAddr::new(page.start().0));
    }

    fn zero_frame(&mut self, frame: FrameNumber) {
        // SAFETY: the engine owns the frame; the direct map reaches it.
        unsafe { clear_page(phys_to_virt(frame.start_address())) };
    }

    fn write_zeroes(&mut self, page: Page) -> Result<(), AccessFault> {
        let info = self.query(page);
        let fault = |cause| AccessFault {
            addr: page.start(),
            access: Access::Write,
            cause,
        };
        match info {
            None => Err(fault(FaultCause::NotPresent)),
            Some(entry) if !entry.writable => Err(fault(FaultCause::ReadOnly)),
            Some(_) => {
                // SAFETY: the page is mapped writable to a frame the engine
                // owns; writing through the mapping lets the CPU set D.
                unsafe { clear_page(page.start().0 as *mut u8) };
                Ok(())
            }
        }
    }
}
