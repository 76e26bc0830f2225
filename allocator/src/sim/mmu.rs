//! The simulated MMU: page table, TLB and RAM, accessed like a CPU would.
//!
//! [`SimMmu`] implements [`crate::Mmu`] (in `mmu_impl.rs`) and adds what
//! the CPU does on every load and store: translate through the TLB, walk
//! the page table on a miss, set the accessed and dirty bits, and report a
//! fault when the entry is missing or read-only. It follows x86:
//!
//! - a page walk sets A, and D on a write (Intel SDM Vol. 3A, 4.8);
//! - a write through a TLB entry cached with D clear re-walks and sets D in
//!   the page-table entry, faulting if the entry no longer allows the write;
//! - a write through a TLB entry cached read-only faults, and the fault
//!   invalidates that TLB entry (Intel SDM Vol. 3A, 4.10.4.1);
//! - otherwise the TLB entry is used as it is, however the page table has
//!   changed since: that is a stale translation, counted in
//!   [`SimCounters::stale_translations`] when it matters.
//!
//! With [`DirtyDetection::SoftwareOnly`] the MMU never sets dirty bits, like
//! an aarch64 core without hardware dirty-bit management.
//!
//! With [`AccessedDirtyUpdates::Software`] it models RISC-V Svade instead of
//! setting A and D: a walk through an entry with A clear faults, and so
//! does a store through a writable entry with D clear (if entries have a
//! dirty bit), whether the entry came from the page table or from a TLB
//! entry cached with D clear. Software must set the bits and flush.

use core::cell::Cell;
use std::collections::BTreeMap;
use std::vec::Vec;

use crate::addr::{FrameNumber, VirtAddr};
use crate::mmu::{Access, AccessFault, AccessedDirtyUpdates, DirtyDetection, EntryInfo};
use crate::page::Page;
use crate::sim::SimConfig;
use crate::sim::counters::SimCounters;
use crate::sim::memory::{FRAME_BYTES, PhysicalMemory};
use crate::sim::tlb::{Tlb, TlbEntry};

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
    pub(crate) tlb: Tlb,
    pub(crate) detection: DirtyDetection,
    /// What the simulated hardware does about A and D.
    pub(crate) updates: AccessedDirtyUpdates,
    /// What the MMU declares to the engine: `updates`, unless a test
    /// models an implementation that declares the wrong thing.
    pub(crate) declared_updates: AccessedDirtyUpdates,
    pub(crate) counters: SimCounters,
    pub(crate) queries: Cell<u64>,
    pub(crate) zeroed_pages: Vec<Page>,
}

impl SimMmu {
    /// An MMU with `config.frames` frames of RAM, an empty page table and
    /// an empty TLB of `config.tlb_entries` entries.
    pub fn new(config: SimConfig) -> SimMmu {
        SimMmu {
            memory: PhysicalMemory::new(config.frames),
            table: BTreeMap::new(),
            tlb: Tlb::new(config.tlb_entries),
            detection: config.dirty,
            updates: config.accessed_dirty,
            declared_updates: config.accessed_dirty,
            counters: SimCounters::default(),
            queries: Cell::new(0),
            zeroed_pages: Vec::new(),
        }
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

    /// The page-table entry of `page`, without counting a query.
    pub fn entry(&self, page: Page) -> Option<EntryInfo> {
        self.table.get(&page).map(|pte| pte.info())
    }

    /// How many pages are mapped.
    pub fn mapped_pages(&self) -> usize {
        self.table.len()
    }

    /// How many pages map `frame` writable (for the zero page: always 0).
    pub fn writable_mappings_of(&self, frame: FrameNumber) -> usize {
        self.table
            .values()
            .filter(|pte| pte.frame == frame && pte.writable)
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

    /// Translates `addr` for `access`: the heart of the simulation.
    pub(crate) fn translate(
        &mut self,
        addr: VirtAddr,
        access: Access,
    ) -> Result<FrameNumber, AccessFault> {
        let page = Page::containing(addr);
        match self.tlb.lookup(page) {
            Some(cached) => self.translate_cached(addr, access, cached),
            None => self.walk(addr, access),
        }
    }

    fn translate_cached(
        &mut self,
        addr: VirtAddr,
        access: Access,
        cached: TlbEntry,
    ) -> Result<FrameNumber, AccessFault> {
        self.counters.tlb_hits += 1;
        let page = cached.page;
        let write = access == Access::Write;
        let pte = self.table.get(&page).copied();
        if self.is_stale(&cached, pte, write) {
            self.counters.stale_translations += 1;
        }
        if write && !cached.writable {
            self.tlb.invalidate(page);
            return Err(fault(addr, access));
        }
        if write && !cached.dirty && self.hardware_dirty() {
            // First write through an entry cached with D clear: re-walk and
            // set D in the page table (Intel SDM Vol. 3A, 4.8), or, under
            // Svade, fault unless software has set D since.
            let sets_dirty = self.updates == AccessedDirtyUpdates::Hardware;
            match self.table.get_mut(&page) {
                Some(entry) if entry.writable && (entry.dirty || sets_dirty) => entry.dirty = true,
                _ => {
                    self.tlb.invalidate(page);
                    return Err(fault(addr, access));
                }
            }
            self.tlb.mark_dirty(page);
        }
        Ok(cached.frame)
    }

    fn walk(&mut self, addr: VirtAddr, access: Access) -> Result<FrameNumber, AccessFault> {
        self.counters.tlb_misses += 1;
        let page = Page::containing(addr);
        let write = access == Access::Write;
        let hardware_dirty = self.hardware_dirty();
        let sets_bits = self.updates == AccessedDirtyUpdates::Hardware;
        let Some(entry) = self.table.get_mut(&page) else {
            return Err(fault(addr, access));
        };
        if write && !entry.writable {
            return Err(fault(addr, access));
        }
        if !sets_bits && (!entry.accessed || (write && hardware_dirty && !entry.dirty)) {
            // Svade: the entry allows the access, but software must set
            // A (and D for a store) first.
            return Err(fault(addr, access));
        }
        entry.accessed = true;
        if write && hardware_dirty {
            entry.dirty = true;
        }
        let cached = TlbEntry {
            page,
            frame: entry.frame,
            writable: entry.writable,
            dirty: entry.dirty,
        };
        self.tlb.insert(cached);
        Ok(cached.frame)
    }

    /// Whether using `cached` disagrees with the page table in a way real
    /// hardware would get wrong.
    fn is_stale(&self, cached: &TlbEntry, pte: Option<Pte>, write: bool) -> bool {
        let Some(pte) = pte else {
            return true;
        };
        pte.frame != cached.frame
            || (write && cached.writable && !pte.writable)
            || (write && self.hardware_dirty() && cached.dirty && !pte.dirty)
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
        }
    }
}

fn offset(addr: VirtAddr) -> usize {
    // The remainder is below 4096, so it always fits a usize.
    usize::try_from(addr.as_u64() % crate::addr::PAGE_SIZE).unwrap_or(0)
}

fn fault(addr: VirtAddr, access: Access) -> AccessFault {
    AccessFault { addr, access }
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
    fn missing_flush_leaves_a_stale_translation() {
        let mut mmu = mmu(DirtyDetection::Hardware);
        fill(&mut mmu, 1, 0x11);
        fill(&mut mmu, 2, 0x22);
        mmu.map(page(), FrameNumber(1), PageFlags::empty()).unwrap();
        assert_eq!(mmu.read(page().start()), Ok(0x11));
        let _ = mmu.unmap(page());
        mmu.map(page(), FrameNumber(2), PageFlags::empty()).unwrap();
        // No flush: the CPU still uses the old frame, and the sim notices.
        assert_eq!(mmu.read(page().start()), Ok(0x11));
        assert_eq!(mmu.counters().stale_translations, 1);
        mmu.flush_tlb(page());
        assert_eq!(mmu.read(page().start()), Ok(0x22));
        assert_eq!(mmu.counters().stale_translations, 1);
    }

    #[test]
    fn cleared_dirty_bit_without_flush_misses_the_next_write() {
        let mut mmu = mmu(DirtyDetection::Hardware);
        mmu.map(page(), FrameNumber(1), PageFlags::WRITABLE)
            .unwrap();
        mmu.write(page().start(), 1).unwrap();
        assert!(mmu.entry(page()).unwrap().dirty);
        mmu.clear_dirty(page());
        mmu.write(page().start(), 2).unwrap();
        assert!(
            !mmu.entry(page()).unwrap().dirty,
            "cached D hides the write"
        );
        assert_eq!(mmu.counters().stale_translations, 1);
        mmu.flush_tlb(page());
        mmu.write(page().start(), 3).unwrap();
        assert!(mmu.entry(page()).unwrap().dirty);
    }

    #[test]
    fn first_write_through_a_clean_entry_sets_dirty() {
        let mut mmu = mmu(DirtyDetection::Hardware);
        mmu.map(page(), FrameNumber(1), PageFlags::WRITABLE)
            .unwrap();
        mmu.read(page().start()).unwrap();
        assert!(!mmu.entry(page()).unwrap().dirty);
        assert!(mmu.entry(page()).unwrap().accessed);
        mmu.write(page().start(), 5).unwrap();
        assert!(mmu.entry(page()).unwrap().dirty);
        assert_eq!(mmu.counters().stale_translations, 0);
    }

    #[test]
    fn write_to_read_only_faults_and_forgets_the_entry() {
        let mut mmu = mmu(DirtyDetection::Hardware);
        mmu.map(page(), FrameNumber(1), PageFlags::empty()).unwrap();
        mmu.read(page().start()).unwrap();
        let fault = mmu.write(page().start(), 1).unwrap_err();
        let expected = AccessFault {
            addr: page().start(),
            access: Access::Write,
        };
        assert_eq!(fault, expected);
        assert!(!mmu.entry(page()).unwrap().writable, "present, read-only");
        assert!(mmu.tlb.lookup(page()).is_none());
        let missing = mmu.read(VirtAddr(0x99_000)).unwrap_err();
        assert_eq!(missing.access, Access::Read);
        assert!(mmu.entry(Page::containing(missing.addr)).is_none());
    }

    #[test]
    fn software_only_mmu_never_sets_dirty() {
        let mut mmu = mmu(DirtyDetection::SoftwareOnly);
        mmu.map(page(), FrameNumber(1), PageFlags::WRITABLE)
            .unwrap();
        mmu.write(page().start(), 1).unwrap();
        mmu.write(page().start(), 2).unwrap();
        assert!(!mmu.entry(page()).unwrap().dirty);
        assert_eq!(mmu.read(page().start()), Ok(2));
    }

    fn svade(dirty: DirtyDetection) -> SimMmu {
        let config = SimConfig::new(FrameCount(8), dirty)
            .with_accessed_dirty_updates(AccessedDirtyUpdates::Software);
        SimMmu::new(config)
    }

    #[test]
    fn svade_faults_on_a_clear_accessed_bit_until_software_sets_it() {
        let mut mmu = svade(DirtyDetection::Hardware);
        mmu.map(page(), FrameNumber(1), PageFlags::empty()).unwrap();
        let refused = mmu.read(page().start()).unwrap_err();
        assert_eq!(refused.access, Access::Read);
        assert!(!mmu.entry(page()).unwrap().accessed, "hardware set nothing");
        mmu.protect(page(), PageFlags::ACCESSED).unwrap();
        assert!(mmu.read(page().start()).is_ok());
    }

    #[test]
    fn svade_faults_on_a_store_with_dirty_clear_even_through_the_tlb() {
        let mut mmu = svade(DirtyDetection::Hardware);
        let flags = PageFlags::WRITABLE | PageFlags::ACCESSED;
        mmu.map(page(), FrameNumber(1), flags).unwrap();
        mmu.read(page().start()).unwrap();
        assert!(mmu.tlb.lookup(page()).is_some(), "cached with D clear");
        assert!(mmu.write(page().start(), 1).is_err());
        assert!(!mmu.entry(page()).unwrap().dirty);
        mmu.protect(page(), flags | PageFlags::DIRTY).unwrap();
        mmu.flush_tlb(page());
        mmu.write(page().start(), 2).unwrap();
        mmu.clear_dirty(page());
        mmu.flush_tlb(page());
        assert!(mmu.write(page().start(), 3).is_err(), "re-armed");
        assert_eq!(mmu.read(page().start()), Ok(2));
    }

    #[test]
    fn svade_without_a_dirty_bit_faults_only_on_the_accessed_bit() {
        let mut mmu = svade(DirtyDetection::SoftwareOnly);
        let flags = PageFlags::WRITABLE | PageFlags::ACCESSED;
        mmu.map(page(), FrameNumber(1), flags).unwrap();
        mmu.write(page().start(), 4).unwrap();
        assert!(!mmu.entry(page()).unwrap().dirty);
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
