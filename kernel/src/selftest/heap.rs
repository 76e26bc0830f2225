//! The heap test: `alloc` collections work, and the heap grows when needed.

use super::TestResult;
use crate::memory::heap;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;

/// `Box`, `Vec` and `BTreeMap` work, including a `Vec` larger than the
/// initial heap, which forces the heap to grow.
pub fn heap_collections_work() -> TestResult {
    let boxed = Box::new(0x5a5a_u64);
    if *boxed != 0x5a5a {
        return Err(format!("Box holds {:#x}", *boxed));
    }
    let before = heap::mapped_bytes();
    let count = (2 * heap::INITIAL_SIZE / 8) as usize;
    let numbers: Vec<u64> = (0..count as u64).collect();
    let sum: u64 = numbers.iter().sum();
    let expected = (count as u64 - 1) * count as u64 / 2;
    if sum != expected {
        return Err(format!("Vec of {count} sums to {sum}, expected {expected}"));
    }
    if heap::mapped_bytes() <= before {
        return Err(format!(
            "a {} byte Vec did not grow a {before} byte heap",
            count * 8
        ));
    }
    let mut map = BTreeMap::new();
    for key in (0..1000u32).rev() {
        map.insert(key, key * 3);
    }
    let in_order = map
        .iter()
        .enumerate()
        .all(|(i, (k, v))| *k == i as u32 && *v == k * 3);
    if map.len() != 1000 || !in_order {
        return Err(format!(
            "BTreeMap holds {} entries, in order: {in_order}",
            map.len()
        ));
    }
    Ok(())
}
