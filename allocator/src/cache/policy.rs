//! The three cache policies that make up Pristine's experiment.
//!
//! | policy | behaves like | re-zeroes on reuse |
//! | --- | --- | --- |
//! | [`Policy::NoCache`] | Linux + glibc | nothing cached |
//! | [`Policy::AlwaysZero`] | macOS libmalloc | every page, written or not |
//! | [`Policy::DirtyTracking`] | Pristine | only pages written since last zeroed |

/// What `free` does with a region and what `calloc` must do to reuse one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Linux + glibc: `free` unmaps the region and returns its frames;
    /// every allocation gets fresh zero-page mappings.
    NoCache,
    /// macOS libmalloc: `free` keeps the region and its frames in the cache;
    /// a `calloc` served from the cache zeroes every page through the
    /// mapping, so untouched pages fault in and get frames.
    AlwaysZero,
    /// Pristine: like `AlwaysZero`, but a `calloc` served from the cache
    /// zeroes only the pages written since they were last zeroed (their
    /// frames, through the port's direct map) and re-arms their dirty
    /// detection; untouched pages cost nothing.
    DirtyTracking,
}

impl Policy {
    /// Every policy, in the order of the table above.
    pub const ALL: [Policy; 3] = [Policy::NoCache, Policy::AlwaysZero, Policy::DirtyTracking];

    /// Whether freed regions go into the cache under this policy.
    pub const fn caches(self) -> bool {
        !matches!(self, Policy::NoCache)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_no_cache_skips_the_cache() {
        let caching: usize = Policy::ALL.iter().filter(|p| p.caches()).count();
        assert_eq!(caching, 2);
        assert!(!Policy::NoCache.caches());
    }
}
