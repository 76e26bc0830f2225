//! Large pages: 2 MiB of virtual memory behind one page-table entry.
//!
//! x86_64 maps 2 MiB with one page-directory entry whose PS bit is set
//! (Intel SDM Vol. 3A, 4.5, table 4-18); Sv39 does it with a leaf entry one
//! level above the 4 KiB leaves, a *megapage* (RISC-V privileged spec,
//! 4.4.1). Either way the virtual address and the physical frame must both
//! be 2 MiB aligned. The engine uses large pages for one thing only: the
//! shared, read-only large zero page (see `large_zero_page.rs`).

use core::fmt;

use crate::addr::{FrameNumber, PAGE_SIZE};
use crate::page::{Page, PageIndex};

/// How many 4 KiB pages one large page covers: 512.
pub const PAGES_PER_LARGE_PAGE: u64 = 512;

/// The size of a large page in bytes: 2 MiB.
pub const LARGE_PAGE_SIZE: u64 = PAGES_PER_LARGE_PAGE * PAGE_SIZE;

/// A 2 MiB-aligned stretch of 512 virtual pages that one large entry maps.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LargePage(Page);

impl LargePage {
    /// The large page that contains `page`.
    pub const fn containing(page: Page) -> LargePage {
        let first = page.number() - page.number() % PAGES_PER_LARGE_PAGE;
        // `first` is at most `page.number()`, so its address fits.
        LargePage(Page::containing(crate::addr::VirtAddr(first * PAGE_SIZE)))
    }

    /// Its first 4 KiB page.
    pub const fn first_page(self) -> Page {
        self.0
    }

    /// Its 4 KiB page at `index` (below [`PAGES_PER_LARGE_PAGE`]).
    pub const fn page(self, index: PageIndex) -> Page {
        self.0.nth_after(index)
    }

    /// The position of `page` inside this large page, or `None` if it lies
    /// outside.
    pub const fn index_of(self, page: Page) -> Option<PageIndex> {
        let Some(offset) = page.number().checked_sub(self.0.number()) else {
            return None;
        };
        if offset < PAGES_PER_LARGE_PAGE {
            Some(PageIndex(offset))
        } else {
            None
        }
    }
}

/// Whether `frame` may start a large frame: its physical address is 2 MiB
/// aligned, as a large entry requires.
pub const fn is_large_frame_start(frame: FrameNumber) -> bool {
    frame.0.is_multiple_of(PAGES_PER_LARGE_PAGE)
}

impl fmt::Debug for LargePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LargePage({:#x})", self.0.start().as_u64())
    }
}

impl fmt::Display for LargePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "large page {:#x}", self.0.start().as_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::VirtAddr;
    use std::string::ToString;

    #[test]
    fn a_large_page_starts_on_a_2_mib_boundary() {
        let page = Page::containing(VirtAddr(0x4030_1234));
        let large = LargePage::containing(page);
        assert_eq!(large.first_page().start(), VirtAddr(0x4020_0000));
        assert_eq!(large.index_of(page), Some(PageIndex(0x101)));
        assert_eq!(large.page(PageIndex(0x101)), page);
        let next = Page::containing(VirtAddr(0x4040_0000));
        assert_eq!(large.index_of(next), None);
        let before = Page::containing(VirtAddr(0x401f_f000));
        assert_eq!(large.index_of(before), None);
        assert_eq!(
            large.index_of(large.page(PageIndex(511))),
            Some(PageIndex(511))
        );
        assert_eq!(large.to_string(), "large page 0x40200000");
    }

    #[test]
    fn large_frames_are_2_mib_aligned() {
        assert!(is_large_frame_start(FrameNumber(1024)));
        assert!(!is_large_frame_start(FrameNumber(1025)));
        assert!(!is_large_frame_start(FrameNumber(256)));
        assert_eq!(LARGE_PAGE_SIZE, 2 << 20);
    }
}
