//! The region table: every live and cached region, sorted by address.
//!
//! The engine runs before any heap exists, so the table is a fixed array of
//! `N` slots (the engine's `SLOTS` parameter) kept sorted and compact. It is
//! also the virtual-space allocator: the free space is exactly the gaps
//! between regions, so there is no separate free list to keep consistent.
//! Every region is followed by one unmapped guard page, so running off the
//! end of one allocation faults instead of landing in the next.

use crate::addr::VirtAddr;
use crate::page::{Page, PageCount};
use crate::region::descriptor::Region;
use crate::region::range::VirtRange;

/// Pages kept unmapped after every region.
pub(crate) const GUARD_PAGES: u64 = 1;

/// A sorted, fixed-capacity table of regions.
#[derive(Clone, Debug)]
pub(crate) struct RegionTable<const N: usize> {
    slots: [Option<Region>; N],
    len: usize,
}

impl<const N: usize> RegionTable<N> {
    /// An empty table.
    pub(crate) const fn new() -> RegionTable<N> {
        RegionTable {
            slots: [None; N],
            len: 0,
        }
    }

    /// Whether every slot is taken.
    pub(crate) const fn is_full(&self) -> bool {
        self.len >= N
    }

    /// The regions in address order, with their indices.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &Region)> {
        self.slots
            .iter()
            .take(self.len)
            .enumerate()
            .filter_map(|(index, slot)| slot.as_ref().map(|region| (index, region)))
    }

    /// The region at `index`.
    pub(crate) fn get(&self, index: usize) -> Option<&Region> {
        self.slots.get(index).and_then(Option::as_ref)
    }

    /// The region at `index`, for changing it in place (never its start).
    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut Region> {
        self.slots.get_mut(index).and_then(Option::as_mut)
    }

    /// The region containing `addr` (guard pages excluded).
    pub(crate) fn region_at(&self, addr: VirtAddr) -> Option<&Region> {
        self.find(addr).and_then(|index| self.get(index))
    }

    /// The region containing `addr`, for changing it in place (never its
    /// start).
    pub(crate) fn region_at_mut(&mut self, addr: VirtAddr) -> Option<&mut Region> {
        self.find(addr).and_then(|index| self.get_mut(index))
    }

    /// The index of the region containing `addr` (guard pages excluded).
    pub(crate) fn find(&self, addr: VirtAddr) -> Option<usize> {
        let page = Page::containing(addr);
        let after = self.slots[..self.len.min(N)]
            .partition_point(|slot| slot.is_some_and(|region| region.start <= page));
        let index = after.checked_sub(1)?;
        self.get(index)
            .filter(|region| region.contains(addr))
            .map(|_| index)
    }

    /// Inserts `region`, keeping the order; gives it back if the table is full.
    pub(crate) fn insert(&mut self, region: Region) -> Result<usize, Region> {
        if self.is_full() {
            return Err(region);
        }
        let position = self.slots[..self.len]
            .partition_point(|slot| slot.is_some_and(|other| other.start < region.start));
        let Some(moving) = self.slots.get_mut(position..=self.len) else {
            return Err(region);
        };
        moving.rotate_right(1);
        moving[0] = Some(region);
        self.len += 1;
        Ok(position)
    }

    /// Removes and returns the region at `index`.
    pub(crate) fn remove(&mut self, index: usize) -> Option<Region> {
        if index >= self.len {
            return None;
        }
        let moving = self.slots.get_mut(index..self.len)?;
        let region = moving[0].take();
        moving.rotate_left(1);
        self.len -= 1;
        region
    }

    /// The first page of the lowest gap in `range` that holds `pages` pages
    /// plus a guard page, or `None` if no gap is large enough.
    pub(crate) fn find_gap(&self, range: &VirtRange, pages: PageCount) -> Option<Page> {
        let needed = pages.0.saturating_add(GUARD_PAGES);
        let mut candidate = range.start().number();
        for (_, region) in self.iter() {
            if candidate.saturating_add(needed) <= region.start.number() {
                return Page::from_number(candidate);
            }
            candidate = candidate.max(region.end_number().saturating_add(GUARD_PAGES));
        }
        let limit = range.start().number().saturating_add(range.pages().0);
        if candidate.saturating_add(needed) <= limit {
            Page::from_number(candidate)
        } else {
            None
        }
    }

    /// How many pages region `index` could grow by in place, keeping its
    /// guard page before the next region or the end of `range`.
    pub(crate) fn room_after(&self, index: usize, range: &VirtRange) -> u64 {
        let Some(region) = self.get(index) else {
            return 0;
        };
        let next_start = match self.get(index + 1) {
            Some(next) => next.start.number(),
            None => range.start().number().saturating_add(range.pages().0),
        };
        next_start.saturating_sub(region.end_number().saturating_add(GUARD_PAGES))
    }
}

impl<const N: usize> Default for RegionTable<N> {
    fn default() -> RegionTable<N> {
        RegionTable::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range() -> VirtRange {
        VirtRange::new(VirtAddr(0x100_000), PageCount(16)).unwrap()
    }

    fn live_region(page_number: u64, pages: u64) -> Region {
        Region::live(
            Page::from_number(page_number).unwrap(),
            PageCount(pages),
            4096,
        )
    }

    #[test]
    fn gaps_leave_a_guard_page_between_regions() {
        let mut table = RegionTable::<4>::new();
        let first = table.find_gap(&range(), PageCount(3)).unwrap();
        assert_eq!(first.number(), 0x100);
        table.insert(live_region(0x100, 3)).unwrap();
        let second = table.find_gap(&range(), PageCount(2)).unwrap();
        assert_eq!(second.number(), 0x104);
    }

    #[test]
    fn gaps_are_reused_first_fit() {
        let mut table = RegionTable::<4>::new();
        table.insert(live_region(0x100, 2)).unwrap();
        table.insert(live_region(0x106, 2)).unwrap();
        let removed = table.remove(0).unwrap();
        assert_eq!(removed.start.number(), 0x100);
        assert_eq!(
            table.find_gap(&range(), PageCount(5)).unwrap().number(),
            0x100
        );
        assert_eq!(
            table.find_gap(&range(), PageCount(6)).unwrap().number(),
            0x109
        );
        assert_eq!(table.find_gap(&range(), PageCount(7)), None);
    }

    #[test]
    fn table_stays_sorted_and_finds_addresses() {
        let mut table = RegionTable::<3>::new();
        table.insert(live_region(0x108, 1)).unwrap();
        table.insert(live_region(0x100, 2)).unwrap();
        table.insert(live_region(0x104, 1)).unwrap();
        assert!(table.insert(live_region(0x10a, 1)).is_err());
        let starts: [u64; 3] = core::array::from_fn(|i| table.get(i).unwrap().start.number());
        assert_eq!(starts, [0x100, 0x104, 0x108]);
        assert_eq!(table.find(VirtAddr(0x101_fff)), Some(0));
        assert_eq!(table.find(VirtAddr(0x102_000)), None);
        assert_eq!(table.find(VirtAddr(0xff_fff)), None);
        let second = table.region_at(VirtAddr(0x104_123)).unwrap();
        assert_eq!(second.start.number(), 0x104);
        table.region_at_mut(VirtAddr(0x104_000)).unwrap().pages = PageCount(2);
        assert_eq!(table.find(VirtAddr(0x105_000)), Some(1));
        assert!(table.region_at(VirtAddr(0x106_000)).is_none());
        assert_eq!(table.room_after(0, &range()), 1);
        assert_eq!(table.room_after(2, &range()), 6);
    }
}
