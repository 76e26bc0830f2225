//! The simulated MMU as an [`Mmu`]: what a real port does, on a `BTreeMap`.
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
use crate::large_page::{LargePage, PAGES_PER_LARGE_PAGE, is_large_frame_start};
use crate::mmu::{
    Access, AccessFault, AccessedDirtyUpdates, DirtyDetection, EntryInfo, Mmu, MmuError, PageFlags,
};
use crate::page::{Page, PageIndex};
use crate::sim::memory::FRAME_BYTES;
use crate::sim::mmu::{Pte, SimMmu, covers};

// The crate root denies unsafe code; this impl is one of its two exceptions
// (the other is the declaration of `Mmu`). Implementing `Mmu` is unsafe
// because a real implementation writes page tables and physical memory on
// the engine's word. This one writes only the simulator's own `BTreeMap`
// and `Vec`s through safe code: whatever page or frame it is given, it
// cannot touch memory it does not own, so every method meets the contract
// for any caller.
#[allow(unsafe_code)]
// SAFETY: see above; every method is safe code over the simulator's own
// data and cannot cause undefined behaviour whatever its arguments.
unsafe impl Mmu for SimMmu {
    fn dirty_detection(&self) -> DirtyDetection {
        self.detection
    }

    fn accessed_dirty_updates(&self) -> AccessedDirtyUpdates {
        self.declared_updates
    }

    fn map(&mut self, page: Page, frame: FrameNumber, flags: PageFlags) -> Result<(), MmuError> {
        if self.map_injection.next_fails() {
            return Err(MmuError::OutOfPageTableFrames);
        }
        if self.table.contains_key(&page) || self.large_entry(page).is_some() {
            return Err(MmuError::AlreadyMapped(page));
        }
        if !self.memory.contains(frame) {
            return Err(MmuError::InvalidFrame(frame));
        }
        let pte = Pte {
            frame,
            writable: flags.contains(PageFlags::WRITABLE),
            dirty: flags.contains(PageFlags::DIRTY) && self.hardware_dirty(),
            accessed: flags.contains(PageFlags::ACCESSED),
        };
        self.table.insert(page, pte);
        self.counters.maps += 1;
        Ok(())
    }

    fn unmap(&mut self, page: Page) -> Option<EntryInfo> {
        self.counters.unmap_calls += 1;
        let info = match self.table.remove(&page) {
            Some(pte) => pte.info(),
            None => self
                .large
                .remove(&LargePage::containing(page))?
                .large_info(),
        };
        self.counters.unmaps += 1;
        Some(info)
    }

    fn protect(&mut self, page: Page, flags: PageFlags) -> Result<(), MmuError> {
        let hardware_dirty = self.hardware_dirty();
        let pte = self.leaf_mut(page).ok_or(MmuError::NotMapped(page))?;
        pte.writable = flags.contains(PageFlags::WRITABLE);
        pte.accessed |= flags.contains(PageFlags::ACCESSED);
        pte.dirty |= flags.contains(PageFlags::DIRTY) && hardware_dirty;
        self.counters.protects += 1;
        Ok(())
    }

    /// A page inside a large entry gets the large entry (`large` set).
    fn query(&self, page: Page) -> Option<EntryInfo> {
        self.queries.set(self.queries.get() + 1);
        self.entry(page)
    }

    fn clear_dirty(&mut self, page: Page) {
        if let Some(pte) = self.leaf_mut(page) {
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
        let mut pages: Vec<Page> = mapped.map(|(&page, _)| page).collect();
        for (large, pte) in &self.large {
            if covers(pte.frame, frame) {
                pages.push(large.page(PageIndex(frame.0 - pte.frame.0)));
            }
        }
        self.counters.pages_zeroed_through_direct_map += pages.len() as u64;
        self.zeroed_pages.extend(pages);
    }

    fn copy_frame(&mut self, source: FrameNumber, destination: FrameNumber) {
        let mut bytes = [0u8; FRAME_BYTES];
        if let Some(from) = self.memory.bytes(source) {
            bytes.copy_from_slice(&from[..FRAME_BYTES]);
        }
        if let Some(to) = self.memory.bytes_mut(destination) {
            to[..FRAME_BYTES].copy_from_slice(&bytes);
        }
        self.counters.frames_copied += 1;
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

    fn maps_large_pages(&self) -> bool {
        self.large_pages
    }

    fn map_large(
        &mut self,
        large: LargePage,
        frame: FrameNumber,
        flags: PageFlags,
    ) -> Result<(), MmuError> {
        if !self.large_pages || !is_large_frame_start(frame) {
            return Err(MmuError::LargePagesUnsupported);
        }
        if self.map_injection.next_fails() {
            return Err(MmuError::OutOfPageTableFrames);
        }
        let last = FrameNumber(frame.0 + PAGES_PER_LARGE_PAGE - 1);
        if !self.memory.contains(last) {
            return Err(MmuError::InvalidFrame(last));
        }
        let first = large.first_page();
        let end = large.page(PageIndex(PAGES_PER_LARGE_PAGE - 1));
        if let Some((&mapped, _)) = self.table.range(first..=end).next() {
            return Err(MmuError::AlreadyMapped(mapped));
        }
        if self.large.contains_key(&large) {
            return Err(MmuError::AlreadyMapped(first));
        }
        let pte = Pte {
            frame,
            writable: flags.contains(PageFlags::WRITABLE),
            dirty: flags.contains(PageFlags::DIRTY) && self.hardware_dirty(),
            accessed: flags.contains(PageFlags::ACCESSED),
        };
        self.large.insert(large, pte);
        self.counters.large_maps += 1;
        Ok(())
    }

    fn split_large(
        &mut self,
        large: LargePage,
        frame: FrameNumber,
        flags: PageFlags,
    ) -> Result<(), MmuError> {
        if !self.large.contains_key(&large) {
            return Err(MmuError::NotMapped(large.first_page()));
        }
        if self.split_injection.next_fails() {
            return Err(MmuError::OutOfPageTableFrames);
        }
        if !self.memory.contains(frame) {
            return Err(MmuError::InvalidFrame(frame));
        }
        self.large.remove(&large);
        let pte = Pte {
            frame,
            writable: flags.contains(PageFlags::WRITABLE),
            dirty: flags.contains(PageFlags::DIRTY) && self.hardware_dirty(),
            accessed: flags.contains(PageFlags::ACCESSED),
        };
        for index in 0..PAGES_PER_LARGE_PAGE {
            self.table.insert(large.page(PageIndex(index)), pte);
        }
        self.counters.large_splits += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{FrameCount, VirtAddr};
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
            Err(MmuError::AlreadyMapped(page(1)))
        );
        assert_eq!(
            mmu.map(page(2), FrameNumber(8), PageFlags::empty()),
            Err(MmuError::InvalidFrame(FrameNumber(8)))
        );
        assert_eq!(
            mmu.protect(page(3), PageFlags::empty()),
            Err(MmuError::NotMapped(page(3)))
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
        assert_eq!(
            (refused.addr, refused.access),
            (page(1).start(), Access::Write)
        );
        assert!(mmu.entry(page(1)).is_some_and(|entry| !entry.writable));
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
