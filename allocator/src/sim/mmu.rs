//! The simulated MMU: page table, TLB and RAM, accessed like a CPU would.
//!
//! [`SimMmu`] implements [`crate::Mmu`] (in `mmu_impl.rs`) and adds what
//! the CPU does on every load and store ([`SimMmu::read`],
//! [`SimMmu::write`]): translate the address (`translate.rs`, which also
//! says which architecture it follows), then touch the simulated RAM. Tests
//! read its state without disturbing it: entries, frames, counters, and
//! the log of pages zeroed.

use core::cell::Cell;
use std::collections::BTreeMap;
use std::vec::Vec;

use crate::addr::{FrameNumber, VirtAddr};
use crate::large_page::{LargePage, PAGES_PER_LARGE_PAGE};
use crate::mmu::{Access, AccessFault, AccessedDirtyUpdates, DirtyDetection, EntryInfo};
use crate::page::Page;
use crate::sim::SimConfig;
use crate::sim::counters::SimCounters;
use crate::sim::injection::OneFailure;
use crate::sim::memory::{FRAME_BYTES, PhysicalMemory};
use crate::sim::tlb::Tlb;

/// One simulated page-table entry (present entries only are stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pte {
    pub(crate) frame: FrameNumber,
    pub(crate) writable: bool,
    pub(crate) dirty: bool,
    pub(crate) accessed: bool,
}

/// A simulated MMU with its own RAM.
#[derive(Clone, Debug)]
pub struct SimMmu {
    pub(crate) memory: PhysicalMemory,
    pub(crate) table: BTreeMap<Page, Pte>,
    /// Large entries, by large page; `frame` is the large frame's first.
    /// No page is ever in both tables.
    pub(crate) large: BTreeMap<LargePage, Pte>,
    pub(crate) tlb: Tlb,
    pub(crate) detection: DirtyDetection,
    /// Whether it maps large pages.
    pub(crate) large_pages: bool,
    /// What the simulated hardware does about A and D.
    pub(crate) updates: AccessedDirtyUpdates,
    /// What the MMU declares to the engine: `updates`, unless a test
    /// models an implementation that declares the wrong thing.
    pub(crate) declared_updates: AccessedDirtyUpdates,
    pub(crate) counters: SimCounters,
    pub(crate) queries: Cell<u64>,
    pub(crate) zeroed_pages: Vec<Page>,
    /// Which call to [`crate::Mmu::map`] is to fail, for fault injection.
    pub(crate) map_injection: OneFailure,
    /// Which call to [`crate::Mmu::split_large`] is to fail.
    pub(crate) split_injection: OneFailure,
}

impl SimMmu {
    /// An MMU with `config.frames` frames of RAM, an empty page table and
    /// an empty TLB of `config.tlb_entries` entries.
    pub fn new(config: SimConfig) -> SimMmu {
        SimMmu {
            memory: PhysicalMemory::new(config.frames),
            table: BTreeMap::new(),
            large: BTreeMap::new(),
            tlb: Tlb::new(config.tlb_entries),
            detection: config.dirty,
            large_pages: config.large_pages,
            updates: config.accessed_dirty,
            declared_updates: config.accessed_dirty,
            counters: SimCounters::default(),
            queries: Cell::new(0),
            zeroed_pages: Vec::new(),
            map_injection: OneFailure::default(),
            split_injection: OneFailure::default(),
        }
    }

    /// Makes the call to [`crate::Mmu::map`] `n` calls from now fail with
    /// [`crate::MmuError::OutOfPageTableFrames`], once, as a real MMU does
    /// when no frame is left for a page table (0: the next call).
    pub fn fail_map(&mut self, n: u64) {
        self.map_injection.arm(n);
    }

    /// Makes the call to [`crate::Mmu::split_large`] `n` calls from now
    /// fail with [`crate::MmuError::OutOfPageTableFrames`], once.
    pub fn fail_split(&mut self, n: u64) {
        self.split_injection.arm(n);
    }

    /// Calls to [`crate::Mmu::map`] so far, refused ones included.
    pub fn map_requests(&self) -> u64 {
        self.map_injection.requests()
    }

    /// Calls to [`crate::Mmu::map`] refused by [`SimMmu::fail_map`] so far.
    pub fn injected_map_failures(&self) -> u64 {
        self.map_injection.injected()
    }

    /// Loads the byte at `addr`, as a CPU would.
    pub fn read(&mut self, addr: VirtAddr) -> Result<u8, AccessFault> {
        let frame = self.translate(addr, Access::Read)?;
        Ok(self
            .memory
            .bytes(frame)
            .map_or(0, |bytes| bytes[offset(addr)]))
    }

    /// Stores `value` at `addr`, as a CPU would.
    pub fn write(&mut self, addr: VirtAddr, value: u8) -> Result<(), AccessFault> {
        let frame = self.translate(addr, Access::Write)?;
        if let Some(bytes) = self.memory.bytes_mut(frame) {
            bytes[offset(addr)] = value;
        }
        Ok(())
    }

    /// Loads the bytes of the page containing `addr` from `addr` to the end
    /// of the page into the front of `buf`; returns how many were loaded.
    pub fn read_to_page_end(
        &mut self,
        addr: VirtAddr,
        buf: &mut [u8],
    ) -> Result<usize, AccessFault> {
        let frame = self.translate(addr, Access::Read)?;
        let start = offset(addr);
        let count = buf.len().min(FRAME_BYTES - start);
        if let (Some(bytes), Some(target)) = (self.memory.bytes(frame), buf.get_mut(..count)) {
            target.copy_from_slice(&bytes[start..start + count]);
        }
        Ok(count)
    }

    /// The bytes of `frame` as RAM holds them (no translation).
    pub fn frame_bytes(&self, frame: FrameNumber) -> Option<&[u8]> {
        self.memory.bytes(frame)
    }

    /// The page-table entry of `page`, without counting a query: its 4 KiB
    /// entry, or the large entry covering it (`large` set, `frame` the
    /// large frame's first).
    pub fn entry(&self, page: Page) -> Option<EntryInfo> {
        match self.table.get(&page) {
            Some(pte) => Some(pte.info()),
            None => self.large_entry(page).map(|(_, pte)| pte.large_info()),
        }
    }

    /// The large entry covering `page`, if any.
    pub(crate) fn large_entry(&self, page: Page) -> Option<(LargePage, Pte)> {
        let large = LargePage::containing(page);
        self.large.get(&large).map(|&pte| (large, pte))
    }

    /// The leaf entry `page` translates through, with the frame of `page`
    /// itself (inside the large frame for a large entry).
    pub(crate) fn leaf(&self, page: Page) -> Option<Pte> {
        if let Some(&pte) = self.table.get(&page) {
            return Some(pte);
        }
        let (large, pte) = self.large_entry(page)?;
        let index = large.index_of(page)?;
        Some(Pte {
            frame: FrameNumber(pte.frame.0 + index.0),
            ..pte
        })
    }

    /// The leaf entry of `page` for changing its bits (for a large entry,
    /// the large entry itself; never change its frame through this).
    pub(crate) fn leaf_mut(&mut self, page: Page) -> Option<&mut Pte> {
        if self.table.contains_key(&page) {
            return self.table.get_mut(&page);
        }
        self.large.get_mut(&LargePage::containing(page))
    }

    /// How many pages are mapped (a large entry maps 512).
    pub fn mapped_pages(&self) -> usize {
        self.table.len() + self.large.len() * PAGES_PER_LARGE_PAGE as usize
    }

    /// How many large entries there are.
    pub fn large_mappings(&self) -> usize {
        self.large.len()
    }

    /// How many pages map `frame` writable (for the zero page: always 0);
    /// a writable large entry whose 2 MiB hold `frame` counts one.
    pub fn writable_mappings_of(&self, frame: FrameNumber) -> usize {
        let small = self
            .table
            .values()
            .filter(|pte| pte.frame == frame && pte.writable)
            .count();
        let large = self
            .large
            .values()
            .filter(|pte| pte.writable && covers(pte.frame, frame))
            .count();
        small + large
    }

    /// How many pages map a frame of the 2 MiB starting at `first`, with
    /// 4 KiB entries (the large zero frame: always 0).
    pub fn small_mappings_into(&self, first: FrameNumber) -> usize {
        self.table
            .values()
            .filter(|pte| covers(first, pte.frame))
            .count()
    }

    /// Everything counted so far.
    pub fn counters(&self) -> SimCounters {
        SimCounters {
            queries: self.queries.get(),
            ..self.counters
        }
    }

    /// The mapped pages zeroed since the last call, in order: through their
    /// mapping (`write_zeroes`) or through the direct map (`zero_frame` of
    /// a frame they map). Frames zeroed while unmapped (a fault's fresh
    /// frame) are not pages and are not listed.
    pub fn take_zeroed_pages(&mut self) -> Vec<Page> {
        core::mem::take(&mut self.zeroed_pages)
    }

    /// Forgets every TLB entry (as a CR3 reload would).
    pub fn flush_all(&mut self) {
        self.tlb.flush_all();
    }

    pub(crate) fn hardware_dirty(&self) -> bool {
        self.detection == DirtyDetection::Hardware
    }
}

impl Pte {
    pub(crate) fn info(&self) -> EntryInfo {
        EntryInfo {
            frame: self.frame,
            writable: self.writable,
            dirty: self.dirty,
            accessed: self.accessed,
            large: false,
        }
    }

    pub(crate) fn large_info(&self) -> EntryInfo {
        EntryInfo {
            large: true,
            ..self.info()
        }
    }
}

/// Whether `frame` lies in the 2 MiB starting at `first`.
pub(crate) fn covers(first: FrameNumber, frame: FrameNumber) -> bool {
    (first.0..first.0 + PAGES_PER_LARGE_PAGE).contains(&frame.0)
}

fn offset(addr: VirtAddr) -> usize {
    // The remainder is below 4096, so it always fits a usize.
    usize::try_from(addr.as_u64() % crate::addr::PAGE_SIZE).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::FrameCount;
    use crate::mmu::{Mmu, PageFlags};

    fn mmu(dirty: DirtyDetection) -> SimMmu {
        SimMmu::new(SimConfig::new(FrameCount(8), dirty))
    }

    fn page() -> Page {
        Page::from_number(0x10).unwrap()
    }

    fn fill(mmu: &mut SimMmu, frame: u64, value: u8) {
        mmu.memory
            .bytes_mut(FrameNumber(frame))
            .unwrap()
            .fill(value);
    }

    #[test]
    fn reads_stop_at_the_page_end() {
        let mut mmu = mmu(DirtyDetection::Hardware);
        fill(&mut mmu, 1, 7);
        mmu.map(page(), FrameNumber(1), PageFlags::empty()).unwrap();
        let mut buf = [0u8; 32];
        let near_end = VirtAddr(page().start().as_u64() + 4090);
        assert_eq!(mmu.read_to_page_end(near_end, &mut buf), Ok(6));
        assert_eq!(buf[..7], [7, 7, 7, 7, 7, 7, 0]);
        assert_eq!(mmu.mapped_pages(), 1);
    }
}
