//! Where cached regions are kept, and how one is chosen.
//!
//! The cache is not a separate structure: a cached region is a region in the
//! engine's table marked [`RegionState::Cached`] with an age stamp, still
//! holding its frames and mappings. These functions read the table as a
//! cache. Lookup is libmalloc's: the best fit among cached regions at least
//! as large as the request, refused if the waste would reach the request's
//! own size ("limit fragmentation to 50%", libmalloc `large_malloc`); on
//! equal sizes the most recently freed wins. Admission evicts the oldest
//! entries until the new one fits the entry and byte limits ([`has_room`]).

use crate::cache::CacheLimits;
use crate::page::PageCount;
use crate::region::{RegionState, RegionTable};
use crate::stats::CacheUsage;

/// How many regions the cache holds, and how many bytes they cover.
pub(crate) fn usage<const N: usize>(regions: &RegionTable<N>) -> CacheUsage {
    regions
        .iter()
        .filter(|(_, region)| region.is_cached())
        .fold(CacheUsage::default(), |usage, (_, region)| CacheUsage {
            entries: usage.entries + 1,
            bytes: usage.bytes.saturating_add(region.bytes()),
        })
}

/// Whether a region of `bytes` bytes fits beside what the cache holds.
pub(crate) const fn has_room(limits: &CacheLimits, usage: CacheUsage, bytes: u64) -> bool {
    usage.entries < limits.max_entries
        && usage.bytes.saturating_add(bytes) <= limits.max_total_bytes
}

/// The index of the cached region that best fits `pages` pages, if any is
/// acceptable.
pub(crate) fn best_fit<const N: usize>(
    regions: &RegionTable<N>,
    pages: PageCount,
) -> Option<usize> {
    // LAB(cache-store): begin
    regions
        .iter()
        .filter_map(|(index, region)| match region.state {
            RegionState::Cached { stamp } => Some((index, region.pages, stamp)),
            RegionState::Live { .. } => None,
        })
        .filter(|&(_, size, _)| size >= pages && size.0 - pages.0 < pages.0)
        .min_by_key(|&(_, size, stamp)| (size, u64::MAX - stamp))
        .map(|(index, _, _)| index)
    // LAB(cache-store): end
}

/// The index of the cached region that entered the cache first.
pub(crate) fn oldest<const N: usize>(regions: &RegionTable<N>) -> Option<usize> {
    // LAB(cache-store): begin
    regions
        .iter()
        .filter_map(|(index, region)| match region.state {
            RegionState::Cached { stamp } => Some((stamp, index)),
            RegionState::Live { .. } => None,
        })
        .min()
        .map(|(_, index)| index)
    // LAB(cache-store): end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::Page;
    use crate::region::Region;

    fn cached(page_number: u64, pages: u64, stamp: u64) -> Region {
        let start = Page::from_number(page_number).unwrap();
        let mut region = Region::live(start, PageCount(pages), 4096);
        region.state = RegionState::Cached { stamp };
        region
    }

    fn live(page_number: u64, pages: u64) -> Region {
        Region::live(Page::from_number(page_number).unwrap(), PageCount(pages), 1)
    }

    #[test]
    fn oldest_cached_region_is_found_by_stamp() {
        let mut table = RegionTable::<3>::new();
        table.insert(cached(0x100, 1, 9)).unwrap();
        table.insert(cached(0x104, 1, 2)).unwrap();
        table.insert(live(0x108, 1)).unwrap();
        assert_eq!(oldest(&table), Some(1));
    }

    #[test]
    fn best_fit_prefers_the_smallest_then_the_youngest() {
        let mut table = RegionTable::<4>::new();
        table.insert(cached(0x100, 4, 1)).unwrap();
        table.insert(cached(0x110, 3, 2)).unwrap();
        table.insert(cached(0x120, 3, 5)).unwrap();
        table.insert(live(0x130, 3)).unwrap();
        assert_eq!(best_fit(&table, PageCount(3)), Some(2));
        assert_eq!(best_fit(&table, PageCount(4)), Some(0));
        // Two pages from three wastes one (33 %); from four, two (50 %).
        assert_eq!(best_fit(&table, PageCount(2)), Some(2));
        assert_eq!(best_fit(&table, PageCount(1)), None);
        assert_eq!(best_fit(&table, PageCount(5)), None);
    }

    #[test]
    fn usage_counts_cached_regions_only_and_room_respects_both_limits() {
        let mut table = RegionTable::<3>::new();
        table.insert(cached(0x100, 2, 0)).unwrap();
        table.insert(live(0x104, 5)).unwrap();
        let now = usage(&table);
        assert_eq!((now.entries, now.bytes), (1, 2 * 4096));
        let limits = CacheLimits {
            max_entries: 2,
            max_entry_bytes: 4 * 4096,
            max_total_bytes: 4 * 4096,
        };
        assert!(has_room(&limits, now, 2 * 4096));
        assert!(!has_room(&limits, now, 3 * 4096));
        let full = CacheUsage {
            entries: 2,
            bytes: 0,
        };
        assert!(!has_room(&limits, full, 4096));
    }
}
