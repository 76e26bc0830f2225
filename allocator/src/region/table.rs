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
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;
    use std::vec::Vec;

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

    /// The model: the same regions as `(first page, pages)` in a plain
    /// `Vec`, kept sorted, with every answer worked out by brute force.
    #[derive(Default)]
    struct Model {
        regions: Vec<(u64, u64)>,
    }

    /// Slots of the table under test, and pages of its range.
    const SLOTS: usize = 5;
    const RANGE_PAGES: u64 = 40;

    /// The range the model test works in.
    fn model_range() -> VirtRange {
        VirtRange::new(VirtAddr(0x100_000), PageCount(RANGE_PAGES)).unwrap()
    }

    impl Model {
        /// The pages a region and its guard page take up.
        fn taken(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
            self.regions
                .iter()
                .map(|&(start, pages)| (start, start + pages + GUARD_PAGES))
        }

        fn first_page() -> u64 {
            model_range().start().number()
        }

        /// Whether `pages` pages plus a guard page at `start` fit the range
        /// and overlap nothing.
        fn fits(&self, start: u64, pages: u64) -> bool {
            let end = start + pages + GUARD_PAGES;
            end <= Self::first_page() + RANGE_PAGES
                && self.taken().all(|(from, to)| end <= from || start >= to)
        }

        fn find_gap(&self, pages: u64) -> Option<u64> {
            (Self::first_page()..Self::first_page() + RANGE_PAGES)
                .find(|&start| self.fits(start, pages))
        }

        fn find(&self, page: u64) -> Option<usize> {
            self.regions
                .iter()
                .position(|&(start, pages)| (start..start + pages).contains(&page))
        }

        fn room_after(&self, index: usize) -> u64 {
            let Some(&(start, pages)) = self.regions.get(index) else {
                return 0;
            };
            let others = Model {
                regions: [&self.regions[..index], &self.regions[index + 1..]].concat(),
            };
            (0..RANGE_PAGES)
                .take_while(|&extra| others.fits(start, pages + extra + 1))
                .count() as u64
        }

        fn insert(&mut self, region: (u64, u64)) -> usize {
            let position = self.regions.partition_point(|&(start, _)| start < region.0);
            self.regions.insert(position, region);
            position
        }
    }

    #[derive(Clone, Copy, Debug)]
    enum TableOp {
        /// Insert a region of `pages` pages at the first gap.
        InsertFirstFit { pages: u64 },
        /// Insert a region of `pages` pages at `start`, if it fits there.
        InsertAt { start: u64, pages: u64 },
        /// Remove the region at `index` (which may be past the end).
        Remove { index: usize },
    }

    fn table_op() -> impl Strategy<Value = TableOp> {
        prop_oneof![
            (1..8u64).prop_map(|pages| TableOp::InsertFirstFit { pages }),
            (0..RANGE_PAGES, 1..8u64).prop_map(|(start, pages)| TableOp::InsertAt {
                start: Model::first_page() + start,
                pages
            }),
            (0..SLOTS + 2).prop_map(|index| TableOp::Remove { index }),
        ]
    }

    /// Checks every query of `table` against `model`.
    fn agrees(table: &RegionTable<SLOTS>, model: &Model) -> Result<(), TestCaseError> {
        let listed: Vec<(usize, u64, u64)> = table
            .iter()
            .map(|(index, region)| (index, region.start.number(), region.pages.0))
            .collect();
        let expected: Vec<(usize, u64, u64)> = model
            .regions
            .iter()
            .enumerate()
            .map(|(index, &(start, pages))| (index, start, pages))
            .collect();
        prop_assert_eq!(listed, expected);
        prop_assert_eq!(table.is_full(), model.regions.len() == SLOTS);
        for index in 0..SLOTS + 2 {
            let got = table.get(index).map(|r| (r.start.number(), r.pages.0));
            prop_assert_eq!(got, model.regions.get(index).copied(), "get({})", index);
            prop_assert_eq!(
                table.room_after(index, &model_range()),
                model.room_after(index),
                "room_after({})",
                index
            );
        }
        let first = Model::first_page();
        for page in first - 1..=first + RANGE_PAGES {
            let addr = VirtAddr(page * 4096 + 0x123);
            prop_assert_eq!(table.find(addr), model.find(page), "find({})", addr);
            let start = table.region_at(addr).map(|region| region.start.number());
            let want = model.find(page).map(|index| model.regions[index].0);
            prop_assert_eq!(start, want);
        }
        for pages in 1..=RANGE_PAGES {
            let gap = table.find_gap(&model_range(), PageCount(pages));
            let got = gap.map(Page::number);
            prop_assert_eq!(got, model.find_gap(pages), "find_gap({})", pages);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The table agrees with a sorted `Vec` of regions after every
        /// insert and remove: order, length, lookups, gaps and room.
        #[test]
        fn table_agrees_with_a_sorted_vec(ops in prop::collection::vec(table_op(), 1..24)) {
            let mut table = RegionTable::<SLOTS>::new();
            let mut model = Model::default();
            for op in ops {
                match op {
                    TableOp::InsertFirstFit { pages } => {
                        let Some(start) = model.find_gap(pages) else { continue };
                        let region = live_region(start, pages);
                        match table.insert(region) {
                            Ok(index) => prop_assert_eq!(index, model.insert((start, pages))),
                            Err(back) => {
                                prop_assert_eq!(model.regions.len(), SLOTS);
                                prop_assert_eq!(back, region);
                            }
                        }
                    }
                    TableOp::InsertAt { start, pages } => {
                        if !model.fits(start, pages) {
                            continue;
                        }
                        let region = live_region(start, pages);
                        match table.insert(region) {
                            Ok(index) => prop_assert_eq!(index, model.insert((start, pages))),
                            Err(back) => {
                                prop_assert_eq!(model.regions.len(), SLOTS);
                                prop_assert_eq!(back, region);
                            }
                        }
                    }
                    TableOp::Remove { index } => {
                        let removed = table.remove(index).map(|r| (r.start.number(), r.pages.0));
                        let expected = (index < model.regions.len())
                            .then(|| model.regions.remove(index));
                        prop_assert_eq!(removed, expected);
                    }
                }
                agrees(&table, &model)?;
            }
        }
    }
}
