//! The reference model: what each live allocation must read as, and which
//! pages were written since they were last zeroed.
//!
//! The model knows nothing about caches or page tables. It tracks, per
//! allocation, the bytes stored into it and how long a prefix is promised
//! to be zero (all of it for `calloc`, none for `malloc`); and, per virtual
//! page, whether it was written since its contents were last zeroed. The
//! latter is what DirtyTracking must re-zero on a cache hit, no more, no
//! less.

use std::collections::{BTreeMap, BTreeSet};

use super::ops::PAGE;

/// One live allocation as the model sees it.
#[derive(Clone, Debug)]
pub struct Allocation {
    /// Its address.
    pub addr: u64,
    /// The size it was asked for.
    pub len: u64,
    /// Bytes stored since, by offset.
    pub stored: BTreeMap<u64, u8>,
    /// Offsets below this read zero unless stored to.
    pub zero_prefix: u64,
}

impl Allocation {
    /// A new allocation; `zeroed` for `calloc`.
    pub fn new(addr: u64, len: u64, zeroed: bool) -> Allocation {
        Allocation {
            addr,
            len,
            stored: BTreeMap::new(),
            zero_prefix: if zeroed { len } else { 0 },
        }
    }

    /// What a load at `offset` must return, if the model knows.
    pub fn expected(&self, offset: u64) -> Option<u8> {
        match self.stored.get(&offset) {
            Some(&value) => Some(value),
            None if offset < self.zero_prefix => Some(0),
            None => None,
        }
    }

    /// The allocation after a resize to `len` bytes at `addr`.
    pub fn resized(&self, addr: u64, len: u64) -> Allocation {
        Allocation {
            addr,
            len,
            stored: self.stored.range(..len).map(|(&k, &v)| (k, v)).collect(),
            zero_prefix: self.zero_prefix.min(len).min(self.len),
        }
    }

    /// The number of pages it covers.
    pub fn pages(&self) -> u64 {
        pages(self.len)
    }
}

/// Pages covering `len` bytes.
pub fn pages(len: u64) -> u64 {
    len.div_ceil(PAGE)
}

/// The whole model.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Live allocations, in allocation order.
    pub live: Vec<Allocation>,
    /// Addresses of allocations freed so far.
    pub freed: Vec<u64>,
    /// Page numbers written since they were last zeroed.
    pub written: BTreeSet<u64>,
    /// Every byte ever stored, by address (for the no-leak invariant).
    pub history: BTreeMap<u64, u8>,
}

impl Model {
    /// The live allocation `slot` picks, if any.
    pub fn pick(&self, slot: usize) -> Option<usize> {
        (!self.live.is_empty()).then(|| slot % self.live.len())
    }

    /// Whether `addr` starts a live allocation.
    pub fn is_live(&self, addr: u64) -> bool {
        self.live.iter().any(|allocation| allocation.addr == addr)
    }

    /// Marks the `count` pages from `addr` as fresh (never written).
    pub fn forget_pages(&mut self, addr: u64, count: u64) {
        let first = addr / PAGE;
        self.written
            .retain(|&page| page < first || page >= first + count);
    }

    /// The written pages among the `count` pages from `addr`.
    pub fn written_pages(&self, addr: u64, count: u64) -> Vec<u64> {
        let first = addr / PAGE;
        self.written.range(first..first + count).copied().collect()
    }

    /// Records a store of `value` at `offset` of allocation `index`.
    pub fn store(&mut self, index: usize, offset: u64, value: u8) {
        let allocation = &mut self.live[index];
        allocation.stored.insert(offset, value);
        let addr = allocation.addr + offset;
        self.written.insert(addr / PAGE);
        self.history.insert(addr, value);
    }

    /// Moves the written marks of `count` pages from `from` to `to`.
    pub fn move_pages(&mut self, from: u64, to: u64, count: u64) {
        let moved = self.written_pages(from, count);
        self.forget_pages(to, count);
        for page in moved {
            self.written.insert(page - from / PAGE + to / PAGE);
        }
    }
}
