//! The simulated MMU as a [`Port`]: what a real port does, on a `BTreeMap`.
//!
//! Each method is the few lines a kernel port would have, minus the
//! hardware: page-table entries are map entries, `flush_tlb` drops one
//! simulated TLB entry, and zeroing writes simulated RAM. `write_zeroes`
//! goes through [`SimMmu::translate`] exactly like a program's store, so it
//! sets the dirty bit and faults when it should. `zero_frame` writes RAM
//! directly, as a direct map would, and sets no bit. Every mapped page
//! zeroed either way is logged for [`SimMmu::take_zeroed_pages`] (for
//! `zero_frame`, the sim looks up which pages map the frame), and counted
//! by route in [`crate::sim::SimCounters`]. `take_dirty` keeps the default
//! (a query, then a dirty-bit clear), so both are counted.

use std::vec::Vec;

use crate::addr::FrameNumber;
use crate::page::Page;
use crate::port::{Access, AccessFault, DirtyDetection, EntryInfo, PageFlags, Port, PortError};
use crate::sim::memory::FRAME_BYTES;
use crate::sim::mmu::{Pte, SimMmu};

impl Port for SimMmu {
    fn dirty_detection(&self) -> DirtyDetection {
        self.detection
    }

    fn map(&mut self, page: Page, frame: FrameNumber, flags: PageFlags) -> Result<(), PortError> {
        if self.table.contains_key(&page) {
            return Err(PortError::AlreadyMapped(page));
        }
        if !self.memory.contains(frame) {
            return Err(PortError::InvalidFrame(frame));
        }
        let pte = Pte {
            frame,
            writable: flags.contains(PageFlags::WRITABLE),
            dirty: flags.contains(PageFlags::DIRTY) && self.hardware_dirty(),
            accessed: false,
        };
        self.table.insert(page, pte);
        self.counters.maps += 1;
        Ok(())
    }

    fn unmap(&mut self, page: Page) -> Option<EntryInfo> {
        let pte = self.table.remove(&page)?;
        self.counters.unmaps += 1;
        Some(pte.info())
    }

    fn protect(&mut self, page: Page, flags: PageFlags) -> Result<(), PortError> {
        let pte = self
            .table
            .get_mut(&page)
            .ok_or(PortError::NotMapped(page))?;
        pte.writable = flags.contains(PageFlags::WRITABLE);
        self.counters.protects += 1;
        Ok(())
    }

    fn query(&self, page: Page) -> Option<EntryInfo> {
        self.queries.set(self.queries.get() + 1);
        self.entry(page)
    }

    fn clear_dirty(&mut self, page: Page) {
        if let Some(pte) = self.table.get_mut(&page) {
            pte.dirty = false;
        }
        self.counters.dirty_clears += 1;
    }

    fn flush_tlb(&mut self, page: Page) {
        self.tlb.invalidate(page);
        self.counters.tlb_flushes += 1;
    }

    fn zero_frame(&mut self, frame: FrameNumber) {
        self.memory.zero(frame);
        self.counters.frames_zeroed += 1;
        let mapped = self.table.iter().filter(|(_, pte)| pte.frame == frame);
        let pages: Vec<Page> = mapped.map(|(&page, _)| page).collect();
        self.counters.pages_zeroed_through_direct_map += pages.len() as u64;
        self.zeroed_pages.extend(pages);
    }

    fn write_zeroes(&mut self, page: Page) -> Result<(), AccessFault> {
        let frame = self.translate(page.start(), Access::Write)?;
        if let Some(bytes) = self.memory.bytes_mut(frame) {
            bytes[..FRAME_BYTES].fill(0);
        }
        self.counters.pages_zeroed_through_mapping += 1;
        self.zeroed_pages.push(page);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{FrameCount, VirtAddr};
    use crate::port::FaultCause;
    use crate::sim::SimConfig;

    fn mmu(dirty: DirtyDetection) -> SimMmu {
        SimMmu::new(SimConfig::new(FrameCount(8), dirty))
    }

    fn page(number: u64) -> Page {
        Page::from_number(number).unwrap()
    }

    #[test]
    fn map_refuses_mapped_pages_and_missing_frames() {
        let mut mmu = mmu(DirtyDetection::Hardware);
        mmu.map(page(1), FrameNumber(2), PageFlags::WRITABLE)
            .unwrap();
        assert_eq!(
            mmu.map(page(1), FrameNumber(3), PageFlags::empty()),
            Err(PortError::AlreadyMapped(page(1)))
        );
        assert_eq!(
            mmu.map(page(2), FrameNumber(8), PageFlags::empty()),
            Err(PortError::InvalidFrame(FrameNumber(8)))
        );
        assert_eq!(
            mmu.protect(page(3), PageFlags::empty()),
            Err(PortError::NotMapped(page(3)))
        );
        assert_eq!(mmu.unmap(page(1)).map(|e| e.frame), Some(FrameNumber(2)));
        assert_eq!(mmu.unmap(page(1)), None);
    }

    #[test]
    fn dirty_flag_presets_the_bit_only_with_hardware_dirty() {
        let mut hardware = mmu(DirtyDetection::Hardware);
        hardware
            .map(
                page(1),
                FrameNumber(1),
                PageFlags::WRITABLE | PageFlags::DIRTY,
            )
            .unwrap();
        assert!(hardware.query(page(1)).unwrap().dirty);
        let mut software = mmu(DirtyDetection::SoftwareOnly);
        software
            .map(
                page(1),
                FrameNumber(1),
                PageFlags::WRITABLE | PageFlags::DIRTY,
            )
            .unwrap();
        assert!(!software.query(page(1)).unwrap().dirty);
        assert_eq!(software.counters().queries, 1);
    }

    #[test]
    fn write_zeroes_goes_through_the_mapping() {
        let mut mmu = mmu(DirtyDetection::Hardware);
        mmu.map(page(1), FrameNumber(1), PageFlags::empty())
            .unwrap();
        let refused = mmu.write_zeroes(page(1)).unwrap_err();
        assert_eq!(refused.cause, FaultCause::ReadOnly);
        mmu.protect(page(1), PageFlags::WRITABLE).unwrap();
        mmu.write_zeroes(page(1)).unwrap();
        assert!(mmu.entry(page(1)).unwrap().dirty);
        assert_eq!(mmu.read(VirtAddr(0x1abc)), Ok(0));
        assert_eq!(mmu.take_zeroed_pages(), std::vec![page(1)]);
        assert!(mmu.take_zeroed_pages().is_empty());
    }

    #[test]
    fn zero_frame_logs_the_pages_mapping_it_and_sets_no_dirty_bit() {
        let mut mmu = mmu(DirtyDetection::Hardware);
        mmu.map(page(1), FrameNumber(1), PageFlags::WRITABLE)
            .unwrap();
        mmu.write(VirtAddr(0x1abc), 7).unwrap();
        assert_eq!(mmu.take_dirty(page(1)).map(|e| e.dirty), Some(true));
        mmu.zero_frame(FrameNumber(1));
        mmu.flush_tlb(page(1));
        assert!(!mmu.entry(page(1)).unwrap().dirty);
        assert_eq!(mmu.read(VirtAddr(0x1abc)), Ok(0));
        assert_eq!(mmu.take_zeroed_pages(), std::vec![page(1)]);
        mmu.zero_frame(FrameNumber(2));
        assert!(mmu.take_zeroed_pages().is_empty(), "an unmapped frame");
        let counters = mmu.counters();
        assert_eq!(counters.pages_zeroed_through_direct_map, 1);
        assert_eq!(counters.pages_zeroed_through_mapping, 0);
        assert_eq!((counters.queries, counters.dirty_clears), (1, 1));
    }
}
