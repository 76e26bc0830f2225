//! One region: a page-granular block of the large-allocation range.
//!
//! A region is either live (handed out, with the byte length the caller
//! asked for) or cached (freed, waiting for reuse, with an age stamp for
//! eviction). Its pages move through the states drawn in
//! `engine/fault.rs`; the region itself only remembers which page indices
//! were ever mapped ([`PageSpan`]), so that releasing or re-zeroing it can
//! skip everything nobody touched.
//!
//! ```text
//!   reserve ──► Live ──free──► Cached ──hit──► Live
//!                 │              │
//!                 └──release◄────┴──evict/drain   (frames return)
//! ```

use crate::addr::VirtAddr;
use crate::cache::WriteHistory;
use crate::page::{Page, PageCount, PageIndex};
use crate::region::span::PageSpan;

/// Whether a region is in use or in the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum RegionState {
    /// Handed out to a caller who asked for `len` bytes.
    Live {
        /// The size the caller asked for, in bytes.
        len: u64,
    },
    /// Freed and kept for reuse; a smaller `stamp` is older.
    Cached {
        /// When the region entered the cache (a counter, not a time).
        stamp: u64,
    },
}

/// A region of the large-allocation range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Region {
    /// The first page; the region's address as callers see it.
    pub(crate) start: Page,
    /// How many pages the region covers (one guard page follows).
    pub(crate) pages: PageCount,
    /// Live or cached.
    pub(crate) state: RegionState,
    /// Every page index that was ever mapped lies in this span.
    pub(crate) touched: PageSpan,
    /// What the dirty-tracking cache learned from its re-zeroes.
    pub(crate) history: WriteHistory,
}

impl Region {
    /// A live region of `pages` pages at `start` with nothing mapped yet.
    pub(crate) const fn live(start: Page, pages: PageCount, len: u64) -> Region {
        Region {
            start,
            pages,
            state: RegionState::Live { len },
            touched: PageSpan::EMPTY,
            history: WriteHistory::Tracking,
        }
    }

    /// The page at `index` inside the region.
    pub(crate) const fn page(&self, index: PageIndex) -> Page {
        self.start.nth_after(index)
    }

    /// The index of `page` inside the region (callers check [`Region::contains`]).
    pub(crate) const fn index_of(&self, page: Page) -> PageIndex {
        PageIndex(page.number().saturating_sub(self.start.number()))
    }

    /// The page number just past the region (where its guard page sits).
    pub(crate) const fn end_number(&self) -> u64 {
        self.start.number().saturating_add(self.pages.0)
    }

    /// Whether `addr` lies inside the region (the guard page is outside).
    pub(crate) const fn contains(&self, addr: VirtAddr) -> bool {
        let page = Page::containing(addr).number();
        page >= self.start.number() && page < self.end_number()
    }

    /// The byte length a live region was asked for (0 if cached).
    pub(crate) const fn live_len(&self) -> u64 {
        match self.state {
            RegionState::Live { len } => len,
            RegionState::Cached { .. } => 0,
        }
    }

    /// Whether the region is in the cache.
    pub(crate) const fn is_cached(&self) -> bool {
        matches!(self.state, RegionState::Cached { .. })
    }

    /// The region's size in bytes (regions are validated to fit the range,
    /// so this cannot overflow; it saturates if it ever did).
    pub(crate) const fn bytes(&self) -> u64 {
        match self.pages.bytes() {
            Some(bytes) => bytes,
            None => u64::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_excludes_its_guard_page() {
        let start = Page::containing(VirtAddr(0x10_000));
        let region = Region::live(start, PageCount(2), 5000);
        assert!(region.contains(VirtAddr(0x11_fff)));
        assert!(!region.contains(VirtAddr(0x12_000)));
        assert_eq!(region.index_of(region.page(PageIndex(1))), PageIndex(1));
        assert_eq!(region.bytes(), 8192);
        assert!(!region.is_cached());
    }
}
