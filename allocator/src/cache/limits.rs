//! Size limits of the large-allocation cache, modelled on libmalloc.
//!
//! libmalloc-116 (macOS 10.12) keeps at most 16 freed large blocks, each
//! strictly smaller than 128 MiB, 2 GiB in all; later releases allow 64
//! entries of up to 512 MiB on machines with 32 GiB or more. A request at or
//! above the entry limit bypasses the cache entirely: that is what makes a
//! 1000 MB `calloc` loop fast while a 100 MB loop crawls.

use crate::page::PageCount;

/// How much the cache may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CacheLimits {
    /// The most regions the cache holds at once.
    pub max_entries: u64,
    /// Regions of this many bytes or more are never cached (strict limit).
    pub max_entry_bytes: u64,
    /// The most bytes all cached regions may cover together.
    pub max_total_bytes: u64,
}

impl CacheLimits {
    /// libmalloc-116 (macOS 10.12): 16 entries, each under 128 MiB, 2 GiB in all.
    pub const LIBMALLOC_116: CacheLimits = CacheLimits {
        max_entries: 16,
        max_entry_bytes: 128 << 20,
        max_total_bytes: 2 << 30,
    };

    /// Later libmalloc on machines with 32 GiB or more: 64 entries, each
    /// under 512 MiB (the total stays 2 GiB here).
    pub const LIBMALLOC_LARGE_MACHINE: CacheLimits = CacheLimits {
        max_entries: 64,
        max_entry_bytes: 512 << 20,
        max_total_bytes: 2 << 30,
    };

    /// Whether a region of `pages` pages may enter the cache (and so
    /// whether a request of that size looks there first).
    pub const fn admits(&self, pages: PageCount) -> bool {
        match pages.bytes() {
            Some(bytes) => {
                self.max_entries > 0
                    && bytes < self.max_entry_bytes
                    && bytes <= self.max_total_bytes
            }
            None => false,
        }
    }
}

impl Default for CacheLimits {
    fn default() -> CacheLimits {
        CacheLimits::LIBMALLOC_116
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_limit_is_strict() {
        let limits = CacheLimits::LIBMALLOC_116;
        let hundred_mb = PageCount::covering(100_000_000);
        assert!(limits.admits(hundred_mb));
        assert!(!limits.admits(PageCount::covering(128 << 20)));
        assert!(!limits.admits(PageCount::covering(1_000_000_000)));
        assert!(!limits.admits(PageCount(u64::MAX)));
    }

    /// The figures of the module docs, in plain numbers: a shift written
    /// the wrong way would change them silently.
    #[test]
    fn libmalloc_limits_are_pinned() {
        let macos_10_12 = CacheLimits {
            max_entries: 16,
            max_entry_bytes: 134_217_728,
            max_total_bytes: 2_147_483_648,
        };
        assert_eq!(CacheLimits::LIBMALLOC_116, macos_10_12);
        assert_eq!(CacheLimits::default(), macos_10_12);
        let large_machine = CacheLimits {
            max_entries: 64,
            max_entry_bytes: 536_870_912,
            max_total_bytes: 2_147_483_648,
        };
        assert_eq!(CacheLimits::LIBMALLOC_LARGE_MACHINE, large_machine);
    }

    #[test]
    fn a_region_must_also_fit_the_total() {
        let limits = CacheLimits {
            max_entries: 1,
            max_entry_bytes: 10 * 4096,
            max_total_bytes: 2 * 4096,
        };
        assert!(limits.admits(PageCount(2)));
        assert!(!limits.admits(PageCount(3)));
    }

    #[test]
    fn zero_entries_admit_nothing() {
        let limits = CacheLimits {
            max_entries: 0,
            ..CacheLimits::LIBMALLOC_116
        };
        assert!(!limits.admits(PageCount(1)));
    }
}
