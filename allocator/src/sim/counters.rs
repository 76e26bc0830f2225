//! What the simulated MMU was asked to do, counted.
//!
//! These counts are the numbers behind the eager-versus-lazy decision
//! ([`crate::ZeroPageMapping`]), and [`SimCounters::stale_translations`] is
//! how tests prove the engine never forgets a TLB flush.

/// Operations and events of one simulated MMU since it was built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SimCounters {
    /// Calls to `map`.
    pub maps: u64,
    /// Calls to `map_large` that made a large entry.
    pub large_maps: u64,
    /// Calls to `split_large` that split a large entry.
    pub large_splits: u64,
    /// Calls to `unmap` that removed an entry (a large one counts once).
    pub unmaps: u64,
    /// Calls to `unmap`, whether or not they removed an entry.
    pub unmap_calls: u64,
    /// Calls to `protect`.
    pub protects: u64,
    /// Calls to `query`.
    pub queries: u64,
    /// Calls to `clear_dirty`.
    pub dirty_clears: u64,
    /// Calls to `flush_tlb`.
    pub tlb_flushes: u64,
    /// Frames zeroed through the direct map (`zero_frame`).
    pub frames_zeroed: u64,
    /// Pages zeroed through their mapping (`write_zeroes`).
    pub pages_zeroed_through_mapping: u64,
    /// Mapped pages whose frame `zero_frame` zeroed through the direct map.
    pub pages_zeroed_through_direct_map: u64,
    /// Frames copied through the direct map (`copy_frame`).
    pub frames_copied: u64,
    /// Accesses answered from the TLB.
    pub tlb_hits: u64,
    /// Accesses that walked the page table.
    pub tlb_misses: u64,
    /// Accesses through a TLB entry the page table no longer agrees with in
    /// a way that matters (other frame, no entry, lost write protection, or
    /// a dirty bit cleared without a flush). Always 0 for a correct engine.
    pub stale_translations: u64,
}

impl SimCounters {
    /// Page-table changes (large ones included) plus TLB flushes: the
    /// "ops" of the eager/lazy table.
    pub const fn page_table_ops(&self) -> u64 {
        self.maps
            + self.large_maps
            + self.large_splits
            + self.unmaps
            + self.protects
            + self.tlb_flushes
    }

    /// The counts accumulated since `earlier` was read.
    pub const fn since(&self, earlier: &SimCounters) -> SimCounters {
        SimCounters {
            maps: self.maps.saturating_sub(earlier.maps),
            large_maps: self.large_maps.saturating_sub(earlier.large_maps),
            large_splits: self.large_splits.saturating_sub(earlier.large_splits),
            unmaps: self.unmaps.saturating_sub(earlier.unmaps),
            unmap_calls: self.unmap_calls.saturating_sub(earlier.unmap_calls),
            protects: self.protects.saturating_sub(earlier.protects),
            queries: self.queries.saturating_sub(earlier.queries),
            dirty_clears: self.dirty_clears.saturating_sub(earlier.dirty_clears),
            tlb_flushes: self.tlb_flushes.saturating_sub(earlier.tlb_flushes),
            frames_zeroed: self.frames_zeroed.saturating_sub(earlier.frames_zeroed),
            pages_zeroed_through_mapping: self
                .pages_zeroed_through_mapping
                .saturating_sub(earlier.pages_zeroed_through_mapping),
            pages_zeroed_through_direct_map: self
                .pages_zeroed_through_direct_map
                .saturating_sub(earlier.pages_zeroed_through_direct_map),
            frames_copied: self.frames_copied.saturating_sub(earlier.frames_copied),
            tlb_hits: self.tlb_hits.saturating_sub(earlier.tlb_hits),
            tlb_misses: self.tlb_misses.saturating_sub(earlier.tlb_misses),
            stale_translations: self
                .stale_translations
                .saturating_sub(earlier.stale_translations),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_and_differences() {
        let before = SimCounters {
            maps: 1,
            ..SimCounters::default()
        };
        let after = SimCounters {
            maps: 4,
            unmaps: 2,
            tlb_flushes: 2,
            queries: 9,
            ..SimCounters::default()
        };
        let delta = after.since(&before);
        assert_eq!(delta.maps, 3);
        assert_eq!(delta.page_table_ops(), 7);
    }
}
