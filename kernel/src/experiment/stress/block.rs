//! One live block of the stress test, and what every byte of it must hold.
//!
//! A [`Block`] is a `kalloc` allocation the stress test owns, with a model of
//! its contents: sorted, non-overlapping [`Segment`]s that cover its
//! *extent* and say, for each byte range, whether it must read zero, hold a
//! write's pattern, or may hold anything. The extent is the allocation's
//! size for a heap block, and its size rounded up to whole pages for a large
//! block: the engine maps whole pages, and the bytes past the size in the
//! last page are kept across `realloc` like the rest, so the model follows
//! them too.
//!
//! What `realloc` keeps depends on the path `kalloc` takes (see
//! [`crate::memory::kalloc::realloc`]):
//! - a large block resized to a large size stays with the engine, which
//!   keeps every kept page (moving the page-table entries if it must) and
//!   maps nothing new: pages it adds read zero ([`Block::resized`]);
//! - any other resize is `malloc` + copy + `free`: the first
//!   `min(old, new)` bytes are kept, the rest is unspecified
//!   ([`Block::replaced`]).

use super::pattern::{self, Content, Mismatch};
use crate::memory::large;
use alloc::vec::Vec;
use core::ptr::NonNull;
use pristine_allocator::PAGE_SIZE;

/// How a block was first allocated, which decides what growth must read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `calloc`: every byte read zero at first, and pages the engine adds
    /// by `realloc` read zero too.
    Calloc,
    /// `malloc`, or a `realloc` that copied into a `malloc`: nothing is
    /// promised beyond what was written or copied.
    Malloc,
}

/// A byte range `start..end` of a block and what it must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// What the bytes must hold.
    pub content: Content,
}

/// A live `kalloc` allocation the stress test owns, and its content model.
pub struct Block {
    /// The block's number in its setup, for messages and pattern tags.
    pub id: u64,
    /// How it was first allocated.
    pub origin: Origin,
    /// The size asked for, in bytes.
    pub size: u64,
    pointer: NonNull<u8>,
    extent: u64,
    writes: u64,
    segments: Vec<Segment>,
}

impl Block {
    /// Takes over the allocation at `pointer` of `size` bytes, as `origin`
    /// handed it out.
    ///
    /// # Safety
    /// `pointer` must be a live allocation from `kalloc` of `size` bytes,
    /// which from now on only this block reads or writes, until it is
    /// freed or resized through [`Block::pointer`].
    pub unsafe fn new(id: u64, pointer: NonNull<u8>, size: u64, origin: Origin) -> Block {
        let extent = extent_of(pointer, size);
        let content = match origin {
            Origin::Calloc => Content::Zero,
            Origin::Malloc => Content::Unknown,
        };
        let mut segments = Vec::with_capacity(4);
        segments.push(Segment {
            start: 0,
            end: extent,
            content,
        });
        Block {
            id,
            origin,
            size,
            pointer,
            extent,
            writes: 0,
            segments,
        }
    }

    /// The allocation's address, for `kalloc`.
    pub fn pointer(&self) -> NonNull<u8> {
        self.pointer
    }

    /// Whether the engine, not the heap, holds this block.
    pub fn is_large(&self) -> bool {
        large::owns(self.pointer.as_ptr() as u64)
    }

    /// Bytes the model covers (see the module docs).
    pub fn extent(&self) -> u64 {
        self.extent
    }

    /// Pages the extent covers.
    pub fn pages(&self) -> u64 {
        self.extent.div_ceil(PAGE_SIZE)
    }

    /// How many segments the model has (it grows with scattered writes).
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The pages that hold some written pattern.
    pub fn written_pages(&self) -> impl Iterator<Item = u64> + '_ {
        self.segments
            .iter()
            .filter(|segment| matches!(segment.content, Content::Pattern(_)))
            .flat_map(|segment| segment.start / PAGE_SIZE..segment.end.div_ceil(PAGE_SIZE))
    }

    /// Writes a fresh pattern over bytes `start..end` (clamped to the
    /// size) and records it; returns the bytes written.
    pub fn write(&mut self, start: u64, end: u64) -> u64 {
        let end = end.min(self.size);
        if start >= end {
            return 0;
        }
        self.writes += 1;
        let tag = pattern::tag(self.id, self.writes);
        // SAFETY: start..end lies within the size, which this block owns
        // (constructor contract); kalloc blocks are at least 16-byte aligned.
        unsafe { pattern::fill(self.pointer, start, end, tag) };
        self.set(start, end, Content::Pattern(tag));
        end - start
    }

    /// Compares bytes `start..end` (clamped to the extent) with the model;
    /// returns the bytes compared, or the first wrong byte.
    pub fn check(&self, start: u64, end: u64) -> Result<u64, Mismatch> {
        let end = end.min(self.extent);
        let mut checked = 0;
        for segment in &self.segments {
            let from = segment.start.max(start);
            let to = segment.end.min(end);
            if from >= to || segment.content == Content::Unknown {
                continue;
            }
            // SAFETY: from..to lies within the extent, which this block
            // owns and which is mapped (constructor contract); aligned.
            let mismatch =
                unsafe { pattern::find_mismatch(self.pointer, from, to, segment.content) };
            if let Some(mismatch) = mismatch {
                return Err(mismatch);
            }
            checked += to - from;
        }
        Ok(checked)
    }

    /// The engine resized this large block to `size` bytes, now at
    /// `pointer`: kept pages keep their bytes, added pages read zero for a
    /// `calloc` block.
    ///
    /// # Safety
    /// `pointer` must be what `kalloc::realloc` returned for this block on
    /// the engine's path, with the constructor's contract.
    pub unsafe fn resized(&mut self, pointer: NonNull<u8>, size: u64) {
        let extent = extent_of(pointer, size);
        let added = match self.origin {
            Origin::Calloc => Content::Zero,
            Origin::Malloc => Content::Unknown,
        };
        self.pointer = pointer;
        self.size = size;
        self.truncate(extent);
        self.extend(extent, added);
    }

    /// `kalloc` moved this block into a fresh `malloc` of `size` bytes at
    /// `pointer`, copying the first `kept` bytes.
    ///
    /// # Safety
    /// `pointer` must be what `kalloc::realloc` returned for this block on
    /// its copying path, with the constructor's contract.
    pub unsafe fn replaced(&mut self, pointer: NonNull<u8>, size: u64, kept: u64) {
        let extent = extent_of(pointer, size);
        self.pointer = pointer;
        self.size = size;
        self.origin = Origin::Malloc;
        self.truncate(kept.min(extent));
        self.extend(extent, Content::Unknown);
    }

    /// The offset of a byte the model knows, on a page every check of this
    /// block reads: a written byte, or else a known byte of the first page.
    pub fn always_checked_byte(&self) -> Option<u64> {
        let known = |segment: &&Segment| segment.content != Content::Unknown;
        let written = self
            .segments
            .iter()
            .find(|segment| matches!(segment.content, Content::Pattern(_)));
        match written {
            Some(segment) => Some(segment.start),
            None => self
                .segments
                .iter()
                .find(known)
                .map(|segment| segment.start)
                .filter(|&offset| !self.is_large() || offset < PAGE_SIZE),
        }
    }

    /// Flips every bit of the byte at `offset`, behind the model's back:
    /// the fault the checker must find (`stress-inject=`). Returns the
    /// byte's new value.
    pub fn corrupt(&mut self, offset: u64) -> Option<u8> {
        if offset >= self.size {
            return None;
        }
        // SAFETY: offset < size, inside the allocation this block owns.
        let at = unsafe { self.pointer.add(offset as usize) };
        // SAFETY: readable and writable, per the constructor's contract.
        let old = unsafe { at.read_volatile() };
        // SAFETY: as above.
        unsafe { at.write_volatile(!old) };
        Some(!old)
    }

    /// Records that `start..end` now holds `content`.
    fn set(&mut self, start: u64, end: u64, content: Content) {
        let mut next = Vec::with_capacity(self.segments.len() + 2);
        for segment in self.segments.iter().filter(|s| s.start < start) {
            next.push(Segment {
                end: segment.end.min(start),
                ..*segment
            });
        }
        next.push(Segment {
            start,
            end,
            content,
        });
        for segment in self.segments.iter().filter(|s| s.end > end) {
            next.push(Segment {
                start: segment.start.max(end),
                ..*segment
            });
        }
        self.segments = next;
        self.merge();
    }

    /// Drops the model past `extent`.
    fn truncate(&mut self, extent: u64) {
        self.segments.retain(|segment| segment.start < extent);
        if let Some(last) = self.segments.last_mut() {
            last.end = last.end.min(extent);
        }
        self.extent = self.extent.min(extent);
    }

    /// Extends the model to `extent` with `content`.
    fn extend(&mut self, extent: u64, content: Content) {
        if extent > self.extent {
            self.segments.push(Segment {
                start: self.extent,
                end: extent,
                content,
            });
            self.extent = extent;
            self.merge();
        }
    }

    /// Joins neighbouring segments with the same content.
    fn merge(&mut self) {
        self.segments.dedup_by(|next, previous| {
            let joins = previous.content == next.content && previous.end == next.start;
            if joins {
                previous.end = next.end;
            }
            joins
        });
    }
}

/// The bytes the model covers for an allocation of `size` at `pointer`.
fn extent_of(pointer: NonNull<u8>, size: u64) -> u64 {
    if large::owns(pointer.as_ptr() as u64) {
        size.div_ceil(PAGE_SIZE) * PAGE_SIZE
    } else {
        size
    }
}
