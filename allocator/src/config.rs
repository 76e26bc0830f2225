//! How an engine is set up: range, policy, dirty strategy, threshold, limits.
//!
//! [`Config::new`] gives Pristine's defaults (glibc's 128 KiB threshold,
//! libmalloc-116 cache limits, lazy zero page, large zero page on, dirty tracking with the best
//! dirty detection the MMU offers); the `with_*` methods change one thing
//! at a time, so a kernel experiment reads as a list of its differences.

use crate::cache::adaptive::MIN_WHOLE_PAGES;
use crate::cache::{Adaptation, CacheLimits, Policy};
use crate::dirty::DirtyStrategy;
use crate::region::VirtRange;
use crate::zero_page::ZeroPageMapping;

/// glibc's default mmap threshold: 128 KiB.
pub const DEFAULT_THRESHOLD: u64 = 128 << 10;

/// Everything an engine needs to know besides its MMU and frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// The virtual range all regions live in.
    pub range: VirtRange,
    /// What `free` and a cached `calloc` do.
    pub policy: Policy,
    /// How written pages are detected; `None` picks the best the MMU
    /// declares (hardware if it has a dirty bit, else software).
    pub dirty: Option<DirtyStrategy>,
    /// Whether [`Policy::DirtyTracking`] re-zeroes a wholly written region
    /// whole (`cache/adaptive.rs`); on by default.
    pub adaptation: Adaptation,
    /// The fewest pages a region's touched span must hold for the adaptive
    /// policy to re-zero it whole (`cache/adaptive.rs`); smaller spans are
    /// always tracked.
    pub whole_min_pages: u64,
    /// When untouched pages get their zero-page mapping.
    pub zero_page_mapping: ZeroPageMapping,
    /// Whether a read fault on an untouched, 2 MiB-aligned stretch of a
    /// region maps the large zero page there (see `large_zero_page.rs`).
    /// On by default; it takes effect only if the MMU maps large pages and
    /// the frame source has a 2 MiB-aligned run of frames for it.
    pub large_zero_page: bool,
    /// Requests smaller than this many bytes are refused with
    /// [`crate::AllocError::BelowThreshold`].
    pub threshold: u64,
    /// How much the cache may hold.
    pub cache: CacheLimits,
}

impl Config {
    /// Pristine's defaults for `range`.
    pub const fn new(range: VirtRange) -> Config {
        Config {
            range,
            policy: Policy::DirtyTracking,
            dirty: None,
            adaptation: Adaptation::On,
            whole_min_pages: MIN_WHOLE_PAGES,
            zero_page_mapping: ZeroPageMapping::Lazy,
            large_zero_page: true,
            threshold: DEFAULT_THRESHOLD,
            cache: CacheLimits::LIBMALLOC_116,
        }
    }

    /// The same configuration with `policy`.
    pub const fn with_policy(self, policy: Policy) -> Config {
        Config { policy, ..self }
    }

    /// The same configuration with the dirty strategy forced to `dirty`.
    pub const fn with_dirty_strategy(self, dirty: DirtyStrategy) -> Config {
        Config {
            dirty: Some(dirty),
            ..self
        }
    }

    /// The same configuration with `adaptation`.
    pub const fn with_adaptation(self, adaptation: Adaptation) -> Config {
        Config { adaptation, ..self }
    }

    /// The same configuration with whole re-zeroing allowed from spans of
    /// `pages` pages on.
    pub const fn with_whole_min_pages(self, pages: u64) -> Config {
        Config {
            whole_min_pages: pages,
            ..self
        }
    }

    /// The same configuration with `mapping`.
    pub const fn with_zero_page_mapping(self, mapping: ZeroPageMapping) -> Config {
        Config {
            zero_page_mapping: mapping,
            ..self
        }
    }

    /// The same configuration with the large zero page on (`true`) or off.
    pub const fn with_large_zero_page(self, on: bool) -> Config {
        Config {
            large_zero_page: on,
            ..self
        }
    }

    /// The same configuration with a threshold of `bytes`.
    pub const fn with_threshold(self, bytes: u64) -> Config {
        Config {
            threshold: bytes,
            ..self
        }
    }

    /// The same configuration with `limits`.
    pub const fn with_cache_limits(self, limits: CacheLimits) -> Config {
        Config {
            cache: limits,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::VirtAddr;
    use crate::page::PageCount;

    #[test]
    fn builders_change_one_thing() {
        let range = VirtRange::new(VirtAddr(0x1000), PageCount(8)).unwrap();
        let config = Config::new(range)
            .with_policy(Policy::NoCache)
            .with_threshold(4096);
        assert_eq!(config.policy, Policy::NoCache);
        assert_eq!(config.threshold, 4096);
        assert_eq!(config.cache, CacheLimits::LIBMALLOC_116);
        assert_eq!(config.dirty, None);
        assert!(config.large_zero_page, "on by default");
        assert!(!config.with_large_zero_page(false).large_zero_page);
        let forced = config.with_dirty_strategy(DirtyStrategy::Software);
        assert_eq!(forced.dirty, Some(DirtyStrategy::Software));
        assert_eq!(config.adaptation, Adaptation::On);
        assert_eq!(config.whole_min_pages, 16);
        assert_eq!(config.with_whole_min_pages(1).whole_min_pages, 1);
        let off = config.with_adaptation(Adaptation::Off);
        assert_eq!(
            (off.adaptation, off.policy),
            (Adaptation::Off, Policy::NoCache)
        );
    }
}
