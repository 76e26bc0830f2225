//! The large zero page: one zeroed 2 MiB frame that untouched stretches share.
//!
//! Reading a fresh 100 MiB `calloc` block one byte per page maps the 4 KiB
//! zero page 25,600 times, one fault each. Linux, with transparent huge
//! pages, maps a 2 MiB *huge zero page* instead: one read fault on an
//! untouched, 2 MiB-aligned stretch of anonymous memory maps the whole
//! stretch read-only with one large entry, so the block takes 50 read
//! faults. Pristine does the same.
//!
//! The large zero frame (512 frames, 2 MiB aligned) is taken once, when the
//! engine is built ([`crate::frame::FrameSource::allocate_large_frame`]),
//! zeroed through the direct map, and never written or given back. It is
//! only ever mapped read-only, with large entries ([`crate::Mmu::map_large`]).
//! The first write inside such a stretch *splits* it
//! ([`crate::Mmu::split_large`]): the large entry becomes 512 4 KiB entries
//! of the 4 KiB zero page, and the written page then takes the ordinary
//! copy-on-write path, which maps a fresh zeroed frame there. Only the
//! written page gets a frame.
//!
//! ```text
//!              read fault on an untouched,           first write in it
//!  untouched ─────────────────────────────► large ──────────────────────► 511 × zero page
//!  stretch     2 MiB-aligned stretch of a   zero      (split, then COW)   + 1 fresh frame
//!              region (map_large, RO)       page
//! ```
//!
//! Everything that walks a region's pages treats a large entry as what it
//! is, 512 pages of zeroes without frames of their own: freeing, evicting
//! or trimming unmaps it and frees nothing; realloc drops it (the moved
//! stretch reads zero unmapped, as it did mapped); the dirty-tracking cache
//! finds it clean (a read-only entry is never dirty) and the always-zero
//! cache splits it as any write would.
//!
//! [`crate::Config::large_zero_page`] switches it off, so the kernel can
//! measure the 4 KiB zero page against it.

use crate::addr::FrameNumber;
use crate::frame::FrameSource;
use crate::large_page::{LargePage, PAGES_PER_LARGE_PAGE};
use crate::mmu::Mmu;
use crate::page::Page;
use crate::region::Region;

/// The shared 2 MiB zero frame: its first frame. Only ever mapped
/// read-only, with large entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct LargeZeroPage(FrameNumber);

impl LargeZeroPage {
    /// Takes a 2 MiB-aligned run of 512 frames from `frames` and zeroes it
    /// through `mmu`; `None` if the source has no such run (the engine
    /// then uses the 4 KiB zero page only).
    pub(crate) fn allocate<M: Mmu, F: FrameSource>(
        mmu: &mut M,
        frames: &mut F,
    ) -> Option<LargeZeroPage> {
        let first = frames.allocate_large_frame().ok()?;
        for offset in 0..PAGES_PER_LARGE_PAGE {
            mmu.zero_frame(FrameNumber(first.0 + offset));
        }
        Some(LargeZeroPage(first))
    }

    /// The first frame of the 2 MiB of zeroes.
    pub(crate) const fn frame(self) -> FrameNumber {
        self.0
    }
}

/// The large page around `page`, if it lies wholly inside `region`: only
/// such a stretch may get the large zero page, so a large entry never
/// covers a guard page or a neighbour.
pub(crate) fn stretch_inside(region: &Region, page: Page) -> Option<LargePage> {
    let large = LargePage::containing(page);
    let first = large.first_page().number();
    let region_first = region.start.number();
    let region_end = region_first.saturating_add(region.pages.0);
    (first >= region_first && first.saturating_add(PAGES_PER_LARGE_PAGE) <= region_end)
        .then_some(large)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{FrameCount, PAGE_SIZE, VirtAddr};
    use crate::mmu::DirtyDetection;
    use crate::page::PageCount;
    use crate::sim::{SimConfig, machine};

    #[test]
    fn the_large_zero_page_is_2_mib_of_aligned_zeroes() {
        let (mut mmu, mut frames) =
            machine(SimConfig::new(FrameCount(1100), DirtyDetection::Hardware));
        let _small = crate::frame::FrameSource::allocate_frame(&mut frames).unwrap();
        let large = LargeZeroPage::allocate(&mut mmu, &mut frames).unwrap();
        assert_eq!(large.frame(), FrameNumber(512), "the lowest aligned run");
        for offset in 0..PAGES_PER_LARGE_PAGE {
            let bytes = mmu.frame_bytes(FrameNumber(512 + offset)).unwrap();
            assert!(bytes.iter().all(|&b| b == 0));
        }
        assert_eq!(frames.in_use(), 513);
        assert_eq!(mmu.counters().frames_zeroed, PAGES_PER_LARGE_PAGE);
        assert_eq!(LargeZeroPage::allocate(&mut mmu, &mut frames), None);
    }

    #[test]
    fn only_stretches_wholly_inside_the_region_qualify() {
        let start = Page::containing(VirtAddr(0x4000_0000 + 0x1000));
        let region = Region::live(start, PageCount(1100), 1100 * PAGE_SIZE);
        let inside = Page::containing(VirtAddr(0x4020_0000 + 0x5000));
        assert_eq!(
            stretch_inside(&region, inside).map(|large| large.first_page().start()),
            Some(VirtAddr(0x4020_0000))
        );
        // The first stretch starts before the region, the third ends after.
        assert_eq!(stretch_inside(&region, start), None);
        let last = region.page(crate::page::PageIndex(1099));
        assert_eq!(stretch_inside(&region, last), None);
        // A region ending exactly on a stretch's end still qualifies.
        let exact = Region::live(start, PageCount(1023), 1023 * PAGE_SIZE);
        assert!(stretch_inside(&exact, inside).is_some());
        let short = Region::live(start, PageCount(1022), 1022 * PAGE_SIZE);
        assert!(stretch_inside(&short, inside).is_none());
    }
}
