//! Virtual pages: the unit the large-allocation engine maps, protects and zeroes.
//!
//! `addr.rs` names physical frames and raw addresses; this module adds
//! the virtual side: a [`Page`] is a page-aligned virtual address, a
//! [`PageCount`] is a length in pages and a [`PageIndex`] is a position inside
//! one region. Keeping them apart from frames makes "mapped the wrong thing"
//! a type error rather than a silent corruption.

use core::fmt;

use crate::addr::{PAGE_SIZE, VirtAddr};

/// One virtual page, named by its first byte (always page aligned).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Page(VirtAddr);

/// A number of virtual pages: a length, not a position.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct PageCount(pub u64);

/// The position of a page inside a region: 0 is the region's first page.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct PageIndex(pub u64);

impl Page {
    /// The page that contains `addr`.
    pub const fn containing(addr: VirtAddr) -> Page {
        Page(addr.page_start())
    }

    /// The page starting exactly at `addr`, or `None` if `addr` is not page aligned.
    pub const fn from_start(addr: VirtAddr) -> Option<Page> {
        if addr.is_page_aligned() {
            Some(Page(addr))
        } else {
            None
        }
    }

    /// The page with the given page number (address divided by [`PAGE_SIZE`]),
    /// or `None` if its address does not fit in 64 bits.
    pub const fn from_number(number: u64) -> Option<Page> {
        match number.checked_mul(PAGE_SIZE) {
            Some(addr) => Some(Page(VirtAddr(addr))),
            None => None,
        }
    }

    /// The first byte of the page.
    pub const fn start(self) -> VirtAddr {
        self.0
    }

    /// The page number: the start address divided by [`PAGE_SIZE`].
    pub const fn number(self) -> u64 {
        self.0.as_u64() / PAGE_SIZE
    }

    /// The page `index` pages after this one.
    ///
    /// Callers stay inside a validated virtual range, so the sum cannot leave
    /// the address space; should it ever, the result saturates at the last
    /// page instead of panicking.
    pub const fn nth_after(self, index: PageIndex) -> Page {
        let number = self.number().saturating_add(index.0);
        let last_number = u64::MAX / PAGE_SIZE;
        let number = if number > last_number {
            last_number
        } else {
            number
        };
        Page(VirtAddr(number * PAGE_SIZE))
    }
}

impl PageCount {
    /// How many pages are needed to hold `bytes` bytes (rounded up).
    pub const fn covering(bytes: u64) -> PageCount {
        PageCount(bytes.div_ceil(PAGE_SIZE))
    }

    /// The number of bytes these pages cover, or `None` on overflow.
    pub const fn bytes(self) -> Option<u64> {
        self.0.checked_mul(PAGE_SIZE)
    }
}

impl fmt::Debug for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Page({:#x})", self.0.as_u64())
    }
}

impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "page {:#x}", self.0.as_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_of_address_rounds_down() {
        assert_eq!(Page::containing(VirtAddr(0x1fff)).start(), VirtAddr(0x1000));
        assert_eq!(Page::from_start(VirtAddr(0x1001)), None);
        assert_eq!(
            Page::from_start(VirtAddr(0x2000)).map(Page::number),
            Some(2)
        );
    }

    #[test]
    fn nth_after_saturates_instead_of_panicking() {
        let last = Page::containing(VirtAddr(u64::MAX));
        assert_eq!(last.nth_after(PageIndex(5)), last);
        let page = Page::containing(VirtAddr(0x1000));
        assert_eq!(page.nth_after(PageIndex(2)).start(), VirtAddr(0x3000));
    }

    #[test]
    fn page_count_covers_partial_pages() {
        assert_eq!(PageCount::covering(1), PageCount(1));
        assert_eq!(PageCount::covering(8192), PageCount(2));
        assert_eq!(PageCount(u64::MAX).bytes(), None);
        assert_eq!(Page::from_number(u64::MAX), None);
    }
}
