//! Random operation sequences for starved engines.
//!
//! Sizes run from one page to [`MAX_PAGES`], sometimes a few bytes short of
//! a whole page, so cached regions are reused, trimmed and refused. A
//! [`Op::Fill`] writes one byte into every page of an allocation, so each
//! fill needs a frame for every page not yet written: a few fills of a
//! ten-page block already need more frames than a small budget has.

use proptest::prelude::*;

/// Bytes in a page.
pub const PAGE: u64 = 4096;
/// The largest request generated, in pages.
pub const MAX_PAGES: u64 = 10;

/// One step of a sequence. `slot` picks a live allocation modulo their
/// number; `offset` picks a byte modulo the allocation's length.
#[derive(Clone, Debug)]
pub enum Op {
    /// `calloc(1, bytes)`.
    Calloc { bytes: u64 },
    /// `malloc(bytes)`.
    Malloc { bytes: u64 },
    /// Store `value` into one byte of every page of an allocation.
    Fill { slot: usize, value: u8 },
    /// Store `value` at one byte of an allocation.
    Write { slot: usize, offset: u64, value: u8 },
    /// Load one byte of an allocation.
    Read { slot: usize, offset: u64 },
    /// `realloc(ptr, bytes)`.
    Realloc { slot: usize, bytes: u64 },
    /// `free(ptr)`.
    Free { slot: usize },
}

/// A request size: one to [`MAX_PAGES`] pages, a quarter of them a few
/// bytes short of the page.
pub fn bytes() -> impl Strategy<Value = u64> {
    (
        1..=MAX_PAGES,
        prop_oneof![3 => Just(0u64), 1 => 1..PAGE / 2],
    )
        .prop_map(|(pages, short)| pages * PAGE - short)
}

/// One operation, weighted towards allocating and filling.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => bytes().prop_map(|bytes| Op::Calloc { bytes }),
        2 => bytes().prop_map(|bytes| Op::Malloc { bytes }),
        6 => (any::<usize>(), 1u8..).prop_map(|(slot, value)| Op::Fill { slot, value }),
        2 => (any::<usize>(), any::<u64>(), 1u8..)
            .prop_map(|(slot, offset, value)| Op::Write { slot, offset, value }),
        2 => (any::<usize>(), any::<u64>()).prop_map(|(slot, offset)| Op::Read { slot, offset }),
        2 => (any::<usize>(), bytes()).prop_map(|(slot, bytes)| Op::Realloc { slot, bytes }),
        4 => any::<usize>().prop_map(|slot| Op::Free { slot }),
    ]
}

/// A sequence of `min_len` to `max_len` operations.
pub fn ops(min_len: usize, max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), min_len..=max_len)
}
