//! The touched span: the smallest page range holding every page ever mapped.
//!
//! Regions start with nothing mapped (lazy zero page). Keeping the span of
//! pages that were ever mapped lets `free`, trimming and the DirtyTracking
//! re-zero visit only that span: a region nobody touched costs O(1) to free
//! or reuse, however large it is.

use core::ops::Range;

use crate::page::PageIndex;

/// A half-open range of page indices inside one region; empty when
/// `start >= end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct PageSpan {
    start: u64,
    end: u64,
}

impl PageSpan {
    /// The span holding no page.
    pub(crate) const EMPTY: PageSpan = PageSpan { start: 0, end: 0 };

    /// Whether the span holds no page.
    pub(crate) const fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// The span grown to include `index`.
    pub(crate) fn including(self, index: PageIndex) -> PageSpan {
        let end = index.0.saturating_add(1);
        if self.is_empty() {
            return PageSpan {
                start: index.0,
                end,
            };
        }
        PageSpan {
            start: self.start.min(index.0),
            end: self.end.max(end),
        }
    }

    /// The part of the span below `end` (empty if none is).
    pub(crate) fn below(self, end: u64) -> PageSpan {
        PageSpan {
            start: self.start,
            end: self.end.min(end),
        }
    }

    /// The part of the span at or above `start` (empty if none is).
    pub(crate) fn from(self, start: u64) -> PageSpan {
        PageSpan {
            start: self.start.max(start),
            end: self.end,
        }
    }

    /// The page indices of the span, in order.
    pub(crate) fn indices(self) -> Range<u64> {
        if self.is_empty() {
            0..0
        } else {
            self.start..self.end
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn span_grows_to_include_pages() {
        let span = PageSpan::EMPTY
            .including(PageIndex(5))
            .including(PageIndex(2));
        assert_eq!(span.indices(), 2..6);
        assert_eq!(span.including(PageIndex(3)), span);
    }

    #[test]
    fn span_splits_at_a_boundary() {
        let span = PageSpan::EMPTY
            .including(PageIndex(0))
            .including(PageIndex(9))
            .from(3);
        assert_eq!(span.below(6).indices(), 3..6);
        assert_eq!(span.from(6).indices(), 6..10);
        assert!(span.below(2).is_empty());
        assert!(span.from(10).is_empty());
        assert_eq!(
            PageSpan::EMPTY.indices().collect::<Vec<_>>(),
            Vec::<u64>::new()
        );
    }
}
