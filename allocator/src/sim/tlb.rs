//! A small simulated TLB that keeps translations until told to forget them.
//!
//! Like a real TLB it caches the frame, the write permission and the dirty
//! bit of an entry when the entry is first used, and keeps using them after
//! the page table changes, until the page is invalidated (x86 `invlpg`,
//! Intel SDM Vol. 3A, 4.10.4.1) or the entry is evicted. A page table
//! change without a flush therefore shows up as a stale translation, just
//! as it would on hardware. Replacement is first in, first out.
//!
//! A large entry's translation is cached once for its whole 2 MiB, as a
//! real TLB caches it (Intel SDM Vol. 3A, 4.10.2.3): a lookup of any page
//! inside finds it, and invalidating any page inside forgets it.

use std::vec::Vec;

use crate::addr::FrameNumber;
use crate::large_page::LargePage;
use crate::page::Page;

/// One cached translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbEntry {
    /// The virtual page.
    pub page: Page,
    /// The frame it translated to.
    pub frame: FrameNumber,
    /// Whether writes were allowed when the entry was cached.
    pub writable: bool,
    /// Whether the dirty bit was known to be set in the page-table entry.
    pub dirty: bool,
    /// Whether it caches a large entry: `page` and `frame` are then the
    /// large page's first page and first frame.
    pub large: bool,
}

impl TlbEntry {
    /// Whether this translation covers `page`.
    fn covers(&self, page: Page) -> bool {
        if self.large {
            LargePage::containing(page).first_page() == self.page
        } else {
            self.page == page
        }
    }

    /// This translation as seen from `page`, which it covers: for a large
    /// one, the page and the frame that `page` itself translates to.
    fn seen_from(mut self, page: Page) -> TlbEntry {
        if self.large
            && let Some(index) = LargePage::containing(self.page).index_of(page)
        {
            self.frame = FrameNumber(self.frame.0 + index.0);
        }
        self.page = page;
        self
    }
}

/// A fixed-capacity TLB.
#[derive(Clone, Debug)]
pub struct Tlb {
    entries: Vec<TlbEntry>,
    capacity: usize,
    next_victim: usize,
}

impl Tlb {
    /// A TLB holding at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Tlb {
        let capacity = capacity.max(1);
        Tlb {
            entries: Vec::with_capacity(capacity),
            capacity,
            next_victim: 0,
        }
    }

    /// The cached translation of `page`, if any, as seen from `page` (a
    /// large one with the frame of `page` inside the large frame).
    pub fn lookup(&self, page: Page) -> Option<TlbEntry> {
        self.entries
            .iter()
            .find(|entry| entry.covers(page))
            .map(|entry| entry.seen_from(page))
    }

    /// Caches `entry`, replacing an older one for the same page or, when
    /// full, the oldest entry.
    pub fn insert(&mut self, entry: TlbEntry) {
        let same = |old: &&mut TlbEntry| old.page == entry.page && old.large == entry.large;
        if let Some(slot) = self.entries.iter_mut().find(same) {
            *slot = entry;
        } else if self.entries.len() < self.capacity {
            self.entries.push(entry);
        } else if let Some(slot) = self.entries.get_mut(self.next_victim) {
            *slot = entry;
            self.next_victim = (self.next_victim + 1) % self.capacity;
        }
    }

    /// Records that the dirty bit of `page`'s entry is now set.
    pub fn mark_dirty(&mut self, page: Page) {
        if let Some(entry) = self.entries.iter_mut().find(|entry| entry.covers(page)) {
            entry.dirty = true;
        }
    }

    /// Forgets every translation of `page`, a large one covering it too.
    pub fn invalidate(&mut self, page: Page) {
        while let Some(position) = self.entries.iter().position(|entry| entry.covers(page)) {
            self.entries.swap_remove(position);
            self.next_victim = 0;
        }
    }

    /// Forgets every translation.
    pub fn flush_all(&mut self) {
        self.entries.clear();
        self.next_victim = 0;
    }

    /// How many translations are cached.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no translation is cached.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::VirtAddr;

    fn entry(page: u64, frame: u64) -> TlbEntry {
        TlbEntry {
            page: Page::containing(VirtAddr(page * 4096)),
            frame: FrameNumber(frame),
            writable: true,
            dirty: false,
            large: false,
        }
    }

    #[test]
    fn full_tlb_replaces_the_oldest_entry() {
        let mut tlb = Tlb::new(2);
        tlb.insert(entry(1, 10));
        tlb.insert(entry(2, 20));
        tlb.insert(entry(3, 30));
        assert_eq!(tlb.len(), 2);
        assert!(tlb.lookup(entry(1, 0).page).is_none());
        assert_eq!(
            tlb.lookup(entry(3, 0).page).map(|e| e.frame),
            Some(FrameNumber(30))
        );
    }

    #[test]
    fn invalidate_forgets_one_page() {
        let mut tlb = Tlb::new(4);
        tlb.insert(entry(1, 10));
        tlb.insert(entry(2, 20));
        tlb.mark_dirty(entry(2, 0).page);
        assert!(tlb.lookup(entry(2, 0).page).unwrap().dirty);
        tlb.invalidate(entry(1, 0).page);
        assert!(tlb.lookup(entry(1, 0).page).is_none());
        assert_eq!(tlb.len(), 1);
        tlb.flush_all();
        assert!(tlb.is_empty());
    }

    #[test]
    fn a_large_translation_covers_its_2_mib_and_goes_with_any_page_of_it() {
        let mut tlb = Tlb::new(4);
        let large = TlbEntry {
            large: true,
            writable: false,
            ..entry(0x200, 1024)
        };
        tlb.insert(large);
        tlb.insert(entry(0x400, 7));
        let inside = entry(0x203, 0).page;
        let seen = tlb.lookup(inside).unwrap();
        assert_eq!((seen.page, seen.frame), (inside, FrameNumber(1027)));
        assert!(seen.large);
        assert!(tlb.lookup(entry(0x1ff, 0).page).is_none());
        assert_eq!(
            tlb.lookup(entry(0x400, 0).page).map(|e| e.large),
            Some(false)
        );
        tlb.mark_dirty(entry(0x3ff, 0).page);
        assert!(tlb.lookup(inside).unwrap().dirty);
        // A 4 KiB entry of a page inside does not replace the large one.
        tlb.insert(entry(0x200, 5));
        assert_eq!(tlb.len(), 3);
        tlb.invalidate(entry(0x3ff, 0).page);
        assert!(tlb.lookup(inside).is_none());
        tlb.invalidate(entry(0x200, 0).page);
        assert_eq!(tlb.len(), 1);
    }
}
