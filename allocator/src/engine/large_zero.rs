//! The large zero page on the fault path: map it on a read, split it on a write.
//!
//! `large_zero_page.rs` says what the large zero page is and why; this file
//! is the engine's side. A read fault on an unmapped page whose 2 MiB
//! stretch lies wholly inside its region asks the MMU for one large entry
//! of the large zero frame ([`Mmu::map_large`]); the MMU refuses if any
//! page of the stretch is mapped already, and then, as on any refusal, the
//! read gets the 4 KiB zero page. A write fault on a large entry splits it
//! ([`Mmu::split_large`]) into 4 KiB entries of the zero page, flushes the
//! large translation, and maps a fresh frame at the written page as the
//! copy-on-write fault does. If the MMU has no page table for the split,
//! the engine drops the large entry instead (the stretch reads zero
//! unmapped just as well) and maps the fresh frame in an empty stretch,
//! reclaiming the cache for a page table as every map does.
//!
//! Both arms sit outside the copy-on-write path and out of line, so a
//! write fault on a 4 KiB page pays only the compare that rules them out.

use crate::error::Shortfall;
use crate::fault::Resolution;
use crate::frame::FrameSource;
use crate::large_page::{LargePage, PAGES_PER_LARGE_PAGE};
use crate::large_zero_page::stretch_inside;
use crate::mmu::{Access, Mmu};
use crate::page::{Page, PageIndex};

use super::LargeAllocator;
use super::mapping::Previous;

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// A read fault on the unmapped `page` of a live region, with a large
    /// zero page at hand: the large zero page over the page's stretch if
    /// the stretch lies in the region and nothing in it is mapped, else
    /// the 4 KiB zero page.
    #[inline(never)]
    pub(crate) fn map_zero_for_read(&mut self, page: Page) -> Result<Resolution, Shortfall> {
        if self.map_large_zero_page(page) {
            self.stats.read_faults += 1;
            return Ok(Resolution::LargeZeroPageMapped);
        }
        self.map_zero_page(page)?;
        self.stats.read_faults += 1;
        Ok(Resolution::ZeroPageMapped)
    }

    /// Maps the large zero page over the stretch around `page`; whether it
    /// did. It does not if there is no large zero page, the stretch leaves
    /// the region, or the MMU refuses (a page of the stretch is mapped, or
    /// no page table is left for the entry).
    fn map_large_zero_page(&mut self, page: Page) -> bool {
        let Some(zero) = self.large_zero else {
            return false;
        };
        let Some(large) = self
            .regions
            .region_at(page.start())
            .and_then(|region| stretch_inside(region, page))
        else {
            return false;
        };
        let flags = self.presets(Access::Read);
        if self.mmu.map_large(large, zero.frame(), flags).is_err() {
            return false;
        }
        self.stats.large_zero_page_mappings += 1;
        // The touched span covers the whole stretch: a split leaves 4 KiB
        // entries on all of it, and a trim inside it must release it.
        self.note_touched(large.first_page());
        self.note_touched(large.page(PageIndex(PAGES_PER_LARGE_PAGE - 1)));
        true
    }

    /// A write fault on `page`, which a large entry of the large zero page
    /// maps: split it, then map a fresh zeroed frame at `page`.
    #[inline(never)]
    pub(crate) fn split_large_zero_page(&mut self, page: Page) -> Result<Resolution, Shortfall> {
        let large = LargePage::containing(page);
        let flags = self.presets(Access::Read);
        let previous = match self.mmu.split_large(large, self.zero_page.frame(), flags) {
            Ok(()) => {
                self.stats.large_zero_page_splits += 1;
                self.stats.zero_page_mappings += PAGES_PER_LARGE_PAGE;
                Previous::ZeroPage
            }
            Err(_) => {
                // No page table for the split: drop the large entry.
                let _ = self.mmu.unmap(page);
                Previous::Unmapped
            }
        };
        self.mmu.flush_tlb(page);
        self.map_fresh_frame(page, previous)?;
        self.stats.cow_faults += 1;
        Ok(Resolution::LargeZeroPageSplit)
    }
}
