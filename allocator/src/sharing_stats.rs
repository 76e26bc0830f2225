//! Counters of copy-on-write sharing: what `duplicate` shared and what the
//! first writes afterwards cost.
//!
//! Kept apart from [`crate::Stats`], whose fields the kernel's records
//! carry one by one: sharing is its own experiment. Counters only go up
//! until [`crate::LargeAllocator::reset_counters`];
//! [`SharingStats::frames_shared`] is a level, never reset.

/// What copy-on-write sharing has done since the counters were last reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SharingStats {
    /// Successful calls to [`crate::LargeAllocator::duplicate`].
    pub duplicates: u64,
    /// Written pages a duplicate mapped to the original's frame instead of
    /// copying it (one per page of the copy that shares a frame).
    pub pages_shared: u64,
    /// Zero-page mappings a duplicate gave its copy.
    pub zero_pages_shared: u64,
    /// First writes to a shared page that copied its frame, because other
    /// mappings still used it.
    pub pages_copied: u64,
    /// First writes to a shared page whose other mappings were all gone:
    /// the page took its frame over, with no copy.
    pub pages_taken_over: u64,
    /// Shared pages that a `calloc` from the cache unmapped instead of
    /// zeroing their frame in place (another mapping still used it, or had
    /// used it and may still).
    pub pages_unshared_on_reuse: u64,
    /// Frames shared right now (a level): in the reference-count table,
    /// at most [`crate::SHARED_FRAMES_MAX`].
    pub frames_shared: u64,
}

impl SharingStats {
    /// All counters zero.
    pub const ZERO: SharingStats = SharingStats {
        duplicates: 0,
        pages_shared: 0,
        zero_pages_shared: 0,
        pages_copied: 0,
        pages_taken_over: 0,
        pages_unshared_on_reuse: 0,
        frames_shared: 0,
    };

    /// The counters zeroed, the level kept.
    pub const fn reset(self) -> SharingStats {
        SharingStats {
            frames_shared: self.frames_shared,
            ..SharingStats::ZERO
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_keeps_the_level() {
        let stats = SharingStats {
            duplicates: 1,
            pages_copied: 2,
            frames_shared: 3,
            ..SharingStats::ZERO
        };
        assert_eq!(
            stats.reset(),
            SharingStats {
                frames_shared: 3,
                ..SharingStats::ZERO
            }
        );
    }
}
