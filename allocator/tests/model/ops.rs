//! Random operation sequences: small sizes, few steps, every API call.
//!
//! Sizes stay within five pages so a case runs in microseconds; the
//! harness configures a one-page threshold and a cache whose entry limit
//! is four pages, so sizes on both sides of every limit come up often.

use proptest::prelude::*;

/// Bytes in a page.
pub const PAGE: u64 = 4096;
/// The largest request generated.
pub const MAX_BYTES: u64 = 5 * PAGE;

/// One step of a test case. `slot` picks a live allocation modulo their
/// number; `offset` picks a byte modulo the allocation's length.
#[derive(Clone, Debug)]
pub enum Op {
    /// `calloc(count, size)`.
    Calloc { count: u64, size: u64 },
    /// `malloc(size)`.
    Malloc { size: u64 },
    /// Store a non-zero byte into a live allocation.
    Write { slot: usize, offset: u64, value: u8 },
    /// Store `value` at the same offset of every page of an allocation.
    WriteEveryPage { slot: usize, offset: u64, value: u8 },
    /// Load a byte of a live allocation.
    Read { slot: usize, offset: u64 },
    /// `realloc(ptr, size)`.
    Realloc { slot: usize, size: u64 },
    /// `free(ptr)`.
    Free { slot: usize },
    /// `free` of an address that was freed before (unless reused since).
    FreeAgain { nth: usize },
    /// `free` of an address inside a live allocation.
    FreeInside { slot: usize, offset: u64 },
}

/// A request size: mostly valid, sometimes zero or below the threshold.
pub fn size() -> impl Strategy<Value = u64> {
    prop_oneof![
        1 => Just(0u64),
        2 => 1..PAGE,
        12 => PAGE..=MAX_BYTES,
    ]
}

fn calloc() -> impl Strategy<Value = Op> {
    prop_oneof![
        20 => (prop::sample::select(vec![1u64, 2, 3, 4]), size())
            .prop_map(|(count, bytes)| Op::Calloc { count, size: bytes / count }),
        1 => Just(Op::Calloc { count: u64::MAX, size: 2 }),
    ]
}

/// One operation, weighted towards allocation and writes.
pub fn op(write_weight: u32) -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => calloc(),
        3 => size().prop_map(|size| Op::Malloc { size }),
        write_weight => (any::<usize>(), any::<u64>(), 1u8..)
            .prop_map(|(slot, offset, value)| Op::Write { slot, offset, value }),
        (write_weight / 3).max(1) => (any::<usize>(), any::<u64>(), 1u8..)
            .prop_map(|(slot, offset, value)| Op::WriteEveryPage { slot, offset, value }),
        3 => (any::<usize>(), any::<u64>()).prop_map(|(slot, offset)| Op::Read { slot, offset }),
        2 => (any::<usize>(), size()).prop_map(|(slot, size)| Op::Realloc { slot, size }),
        5 => any::<usize>().prop_map(|slot| Op::Free { slot }),
        1 => any::<usize>().prop_map(|nth| Op::FreeAgain { nth }),
        1 => (any::<usize>(), any::<u64>())
            .prop_map(|(slot, offset)| Op::FreeInside { slot, offset }),
    ]
}

/// A sequence of up to `max_len` operations.
pub fn ops(max_len: usize, write_weight: u32) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(write_weight), 1..=max_len)
}
