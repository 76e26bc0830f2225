//! Translating an access like a CPU: TLB, page walk, A/D bits, faults.
//!
//! Every load and store of [`SimMmu`] (and its `write_zeroes`) goes through
//! [`SimMmu::translate`]: look the page up in the TLB, walk the page table
//! on a miss, set the accessed and dirty bits, and report a fault when the
//! entry is missing or read-only. It follows x86:
//!
//! - a page walk sets A, and D on a write (Intel SDM Vol. 3A, 4.8);
//! - a write through a TLB entry cached with D clear re-walks and sets D in
//!   the page-table entry, faulting if the entry no longer allows the write;
//! - a write through a TLB entry cached read-only faults, and the fault
//!   invalidates that TLB entry (Intel SDM Vol. 3A, 4.10.4.1);
//! - otherwise the TLB entry is used as it is, however the page table has
//!   changed since: that is a stale translation, counted in
//!   [`crate::sim::SimCounters::stale_translations`] when it matters.
//!
//! A large entry translates every page of its 2 MiB, to the frame at the
//! page's offset in the large frame, and is cached in the TLB once for all
//! of them (see `tlb.rs`).
//!
//! With [`crate::DirtyDetection::SoftwareOnly`] the MMU never sets dirty
//! bits, like an aarch64 core without hardware dirty-bit management.
//!
//! With [`crate::AccessedDirtyUpdates::Software`] it models RISC-V Svade
//! instead of setting A and D: a walk through an entry with A clear faults,
//! and so does a store through a writable entry with D clear (if entries
//! have a dirty bit), whether the entry came from the page table or from a
//! TLB entry cached with D clear. Software must set the bits and flush.

use crate::addr::{FrameNumber, VirtAddr};
use crate::large_page::LargePage;
use crate::mmu::{Access, AccessFault, AccessedDirtyUpdates};
use crate::page::Page;
use crate::sim::mmu::{Pte, SimMmu};
use crate::sim::tlb::TlbEntry;

impl SimMmu {
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
        let pte = self.leaf(page);
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
            match self.leaf_mut(page) {
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
        let large = self.large_entry(page).map(|(large, _)| large);
        let Some(entry) = self.leaf_mut(page) else {
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
            page: large.map_or(page, LargePage::first_page),
            frame: entry.frame,
            writable: entry.writable,
            dirty: entry.dirty,
            large: large.is_some(),
        };
        self.tlb.insert(cached);
        // For a large entry, the frame of `page` inside the large frame.
        let offset = large
            .and_then(|large| large.index_of(page))
            .map_or(0, |index| index.0);
        Ok(FrameNumber(cached.frame.0 + offset))
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
}

fn fault(addr: VirtAddr, access: Access) -> AccessFault {
    AccessFault { addr, access }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::FrameCount;
    use crate::mmu::{DirtyDetection, Mmu, PageFlags};
    use crate::sim::SimConfig;

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
}
