//! What the stress test writes, and the raw reads and writes that do it.
//!
//! Every write of the stress test fills a byte range with the pattern of one
//! *tag*: the tag names the block and the write (see [`tag`]), and the byte
//! at offset `o` of the block is byte `o % 8` (little endian) of
//! [`word`]`(tag, o / 8)`. A byte therefore says which write of which block
//! it came from and where it sits: a byte from another block, from an older
//! write, or moved to another offset does not match.
//!
//! [`fill`] and [`find_mismatch`] touch memory a word at a time where the
//! range allows (blocks start at least 16-byte aligned, so an offset that is
//! a multiple of 8 is an aligned address), with volatile accesses so each
//! one really reaches the page the MMU maps.

use core::ptr::NonNull;

/// What a byte range of a block must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// Zeroes: `calloc` memory never written since.
    Zero,
    /// Anything: `malloc` memory never written, or bytes a path leaves
    /// unspecified. Never checked.
    Unknown,
    /// The pattern of this tag.
    Pattern(u64),
}

/// The first byte that does not hold what it must.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Its offset in the block.
    pub offset: u64,
    /// What it must hold.
    pub expected: u8,
    /// What it holds.
    pub found: u8,
    /// What the range it lies in must hold.
    pub content: Content,
}

/// The tag of write number `write` to block `block`.
pub fn tag(block: u64, write: u64) -> u64 {
    mix(block.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ write)
}

/// The pattern's 8 bytes at word `index` (offsets `8 * index ..`).
pub fn word(tag: u64, index: u64) -> u64 {
    mix(tag ^ index.wrapping_mul(0xbf58_476d_1ce4_e5b9))
}

/// The byte `content` has at `offset`; `None` for [`Content::Unknown`].
pub fn expected_byte(content: Content, offset: u64) -> Option<u8> {
    match content {
        Content::Zero => Some(0),
        Content::Unknown => None,
        Content::Pattern(tag) => Some(word(tag, offset / 8).to_le_bytes()[(offset % 8) as usize]),
    }
}

/// The word `content` has at word `index`; `None` for [`Content::Unknown`].
fn expected_word(content: Content, index: u64) -> Option<u64> {
    match content {
        Content::Zero => Some(0),
        Content::Unknown => None,
        Content::Pattern(tag) => Some(word(tag, index)),
    }
}

/// splitmix64's finaliser (Steele, Lea and Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014): every input bit moves
/// about half the output bits.
const fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Writes the pattern of `tag` into bytes `start..end` of the block at
/// `base`.
///
/// # Safety
/// `base + start .. base + end` must be writable memory of one live
/// allocation the caller owns, with nothing borrowing it; `base` must be at
/// least 8-byte aligned.
pub unsafe fn fill(base: NonNull<u8>, start: u64, end: u64, tag: u64) {
    let mut offset = start;
    while offset < end {
        if offset.is_multiple_of(8) && offset + 8 <= end {
            // SAFETY: offset + 8 <= end, inside the range the caller owns.
            let at = unsafe { base.add(offset as usize) }.cast::<u64>();
            // SAFETY: aligned (base is, and offset is a multiple of 8) and
            // writable, per the contract.
            unsafe { at.write_volatile(word(tag, offset / 8)) };
            offset += 8;
        } else {
            // SAFETY: offset < end, inside the range the caller owns.
            let at = unsafe { base.add(offset as usize) };
            let byte = expected_byte(Content::Pattern(tag), offset).unwrap_or(0);
            // SAFETY: writable, per the contract.
            unsafe { at.write_volatile(byte) };
            offset += 1;
        }
    }
}

/// Compares bytes `start..end` of the block at `base` with `content`;
/// returns the first that differs. [`Content::Unknown`] reads nothing.
///
/// # Safety
/// `base + start .. base + end` must be readable memory of one live
/// allocation, not written concurrently; `base` must be at least 8-byte
/// aligned.
pub unsafe fn find_mismatch(
    base: NonNull<u8>,
    start: u64,
    end: u64,
    content: Content,
) -> Option<Mismatch> {
    if content == Content::Unknown {
        return None;
    }
    let mut offset = start;
    while offset < end {
        if offset.is_multiple_of(8) && offset + 8 <= end {
            // SAFETY: offset + 8 <= end, inside the readable range.
            let at = unsafe { base.add(offset as usize) }.cast::<u64>();
            // SAFETY: aligned and readable, per the contract.
            let found = unsafe { at.read_volatile() };
            if Some(found) != expected_word(content, offset / 8) {
                // SAFETY: the same 8 readable bytes, compared one by one.
                return unsafe { first_wrong_byte(base, offset, offset + 8, content) };
            }
            offset += 8;
        } else {
            // SAFETY: one byte of the readable range.
            if let Some(mismatch) = unsafe { first_wrong_byte(base, offset, offset + 1, content) } {
                return Some(mismatch);
            }
            offset += 1;
        }
    }
    None
}

/// Compares bytes `start..end` one at a time; returns the first that
/// differs from `content`.
///
/// # Safety
/// As for [`find_mismatch`].
unsafe fn first_wrong_byte(
    base: NonNull<u8>,
    start: u64,
    end: u64,
    content: Content,
) -> Option<Mismatch> {
    for offset in start..end {
        // SAFETY: offset < end, inside the readable range.
        let at = unsafe { base.add(offset as usize) };
        // SAFETY: readable, per the contract.
        let found = unsafe { at.read_volatile() };
        let expected = expected_byte(content, offset)?;
        if found != expected {
            return Some(Mismatch {
                offset,
                expected,
                found,
                content,
            });
        }
    }
    None
}
