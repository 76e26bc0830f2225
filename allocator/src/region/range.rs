//! The virtual address range the kernel sets aside for large allocations.
//!
//! Every region the engine hands out lies inside this range, so a fault
//! address outside it is simply "not ours" and the kernel can route faults
//! with one comparison.
//!
//! The range never contains address 0. The first region starts at the
//! range's first page (guard pages sit after each region, not before the
//! first), so a range starting at 0 would hand out the null pointer, which
//! a C front end must read as failure and Rust may not hold in a
//! `NonNull`. [`VirtRange::new`] refuses such a range.

use crate::addr::VirtAddr;
use crate::error::SetupError;
use crate::page::{Page, PageCount};

/// A page-aligned, non-empty range of virtual addresses that does not wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VirtRange {
    start: Page,
    pages: PageCount,
}

impl VirtRange {
    /// The range of `pages` pages starting at `start`.
    ///
    /// Fails if `start` is not page aligned, if it is address 0 (the first
    /// allocation would be the null pointer), if the range is empty, or if
    /// it would run past the end of the address space.
    pub const fn new(start: VirtAddr, pages: PageCount) -> Result<VirtRange, SetupError> {
        let Some(first) = Page::from_start(start) else {
            return Err(SetupError::MisalignedRange(start));
        };
        if start.as_u64() == 0 {
            return Err(SetupError::RangeContainsAddressZero);
        }
        if pages.0 == 0 {
            return Err(SetupError::EmptyRange);
        }
        let Some(bytes) = pages.bytes() else {
            return Err(SetupError::RangeOverflow);
        };
        // The last byte must be addressable: start + bytes - 1 <= u64::MAX.
        if start.as_u64().checked_add(bytes - 1).is_none() {
            return Err(SetupError::RangeOverflow);
        }
        Ok(VirtRange {
            start: first,
            pages,
        })
    }

    /// The first page of the range.
    pub const fn start(&self) -> Page {
        self.start
    }

    /// How many pages the range holds.
    pub const fn pages(&self) -> PageCount {
        self.pages
    }

    /// Whether `addr` lies inside the range.
    pub const fn contains(&self, addr: VirtAddr) -> bool {
        let page = Page::containing(addr).number();
        page >= self.start.number() && page - self.start.number() < self.pages.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_rejects_bad_shapes() {
        assert_eq!(
            VirtRange::new(VirtAddr(0x1001), PageCount(1)),
            Err(SetupError::MisalignedRange(VirtAddr(0x1001)))
        );
        assert_eq!(
            VirtRange::new(VirtAddr(0x1000), PageCount(0)),
            Err(SetupError::EmptyRange)
        );
        let top = VirtAddr(u64::MAX - 0xfff);
        assert!(VirtRange::new(top, PageCount(1)).is_ok());
        assert_eq!(
            VirtRange::new(top, PageCount(2)),
            Err(SetupError::RangeOverflow)
        );
    }

    #[test]
    fn a_range_that_would_hand_out_address_zero_is_refused() {
        for pages in [1, 2, 1 << 20] {
            assert_eq!(
                VirtRange::new(VirtAddr(0), PageCount(pages)),
                Err(SetupError::RangeContainsAddressZero)
            );
        }
        // The lowest range allowed starts one page up: its first region,
        // and so the first pointer handed out, is 0x1000.
        let lowest = VirtRange::new(VirtAddr(0x1000), PageCount(1)).unwrap();
        assert_eq!(lowest.start().start(), VirtAddr(0x1000));
        assert!(!lowest.contains(VirtAddr(0)));
    }

    #[test]
    fn range_contains_its_pages_only() {
        let range = VirtRange::new(VirtAddr(0x10_000), PageCount(4)).unwrap();
        assert!(range.contains(VirtAddr(0x10_000)));
        assert!(range.contains(VirtAddr(0x13_fff)));
        assert!(!range.contains(VirtAddr(0x14_000)));
        assert!(!range.contains(VirtAddr(0xf_fff)));
    }
}
