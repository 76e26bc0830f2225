//! Seeing every byte: whole-page patterns and zero checks for the
//! large-allocation tests.
//!
//! A test that writes one byte per page and reads one byte back cannot see
//! a page that is only partly zeroed, and QEMU's RAM starts out zero, so a
//! frame nobody zeroed looks zeroed. The tests therefore run on poisoned
//! memory (`poison=on`, see `memory::poison`), write whole pages with a
//! pattern distinct per page and cycle ([`pattern`]), and check every byte
//! they read. A byte that should be zero names what it holds: the poison
//! (a frame never zeroed since boot) or an earlier pattern (stale data).
//!
//! A write to an untouched page takes a fault that maps a fresh frame (or,
//! after a read, replaces the zero page: copy-on-write). A whole-page write
//! would hide a frame the fault forgot to zero, so [`write_page_checked`]
//! writes the first half, checks the second half still reads zero, then
//! writes the rest.

use crate::memory::poison::POISON_BYTE;
use alloc::format;
use alloc::string::String;
use core::ptr::NonNull;
use pristine_allocator::PAGE_SIZE;

const HALF_PAGE: u64 = PAGE_SIZE / 2;

/// The byte a test writes over page `page` in cycle `cycle`: never zero,
/// never the poison, and different for neighbouring pages and cycles.
pub fn pattern(page: u64, cycle: u64) -> u8 {
    let value = ((page ^ (cycle << 3)) % 254) as u8 + 1;
    if value == POISON_BYTE { 0xff } else { value }
}

/// Fills `len` bytes at `offset` in `block` with `value`.
fn fill(block: NonNull<u8>, offset: u64, len: u64, value: u8) {
    // SAFETY: callers pass ranges inside the block, so the offset stays in
    // that one allocation.
    let start = unsafe { block.as_ptr().add(offset as usize) };
    // SAFETY: the range is inside the live, writable block; untouched
    // pages are mapped by the fault handler on this write.
    unsafe { start.write_bytes(value, len as usize) };
}

/// Fills all of page `page` of `block` with `value`.
pub fn fill_page(block: NonNull<u8>, page: u64, value: u8) {
    fill(block, page * PAGE_SIZE, PAGE_SIZE, value);
}

/// Fills page `page` with `value` in two halves, checking in between that
/// the second half still reads zero: a frame the write fault mapped
/// without zeroing shows here.
pub fn write_page_checked(block: NonNull<u8>, page: u64, value: u8) -> Result<(), String> {
    let start = page * PAGE_SIZE;
    fill(block, start, HALF_PAGE, value);
    expect_zero(block, start + HALF_PAGE, HALF_PAGE)
        .map_err(|error| format!("after writing half of page {page}: {error}"))?;
    fill(block, start + HALF_PAGE, HALF_PAGE, value);
    Ok(())
}

/// Checks every byte of `block[offset..offset + len]` reads zero.
pub fn expect_zero(block: NonNull<u8>, offset: u64, len: u64) -> Result<(), String> {
    match first_other(block, offset, len, 0) {
        None => Ok(()),
        Some((at, byte)) => Err(format!(
            "byte {at} (page {}, offset {}) is {byte:#04x}, not 0: {}",
            at / PAGE_SIZE,
            at % PAGE_SIZE,
            what_is(byte)
        )),
    }
}

/// Checks every byte of page `page` still holds `value`.
pub fn expect_pattern(block: NonNull<u8>, page: u64, value: u8) -> Result<(), String> {
    match first_other(block, page * PAGE_SIZE, PAGE_SIZE, value) {
        None => Ok(()),
        Some((at, byte)) => Err(format!(
            "byte {at} (page {page}) is {byte:#04x}, not the {value:#04x} written there"
        )),
    }
}

/// Where a byte that should be zero came from.
fn what_is(byte: u8) -> &'static str {
    if byte == POISON_BYTE {
        "the poison, so this memory was never zeroed since boot"
    } else {
        "a pattern written earlier, so stale data leaked"
    }
}

/// The first byte in `block[offset..offset + len]` that is not `value`,
/// with its offset in the block. Reads eight bytes at a time where it can
/// (the kernel is soft-float: no vector loads), since the tests read
/// megabytes under TCG.
fn first_other(block: NonNull<u8>, offset: u64, len: u64, value: u8) -> Option<(u64, u8)> {
    // SAFETY: callers pass ranges inside the block, so the offset stays in
    // that one allocation.
    let start = unsafe { block.as_ptr().add(offset as usize) };
    // SAFETY: `len` bytes from `start` are readable block memory (untouched
    // pages read through the zero page, mapped by the fault handler on
    // demand), and nothing writes them while the slice lives.
    let bytes = unsafe { core::slice::from_raw_parts(start, len as usize) };
    // SAFETY: any byte pattern is a valid u64; align_to keeps every byte
    // in exactly one of the three parts.
    let (head, words, tail) = unsafe { bytes.align_to::<u64>() };
    let word_value = u64::from_ne_bytes([value; 8]);
    let skipped = words.iter().position(|&word| word != word_value);
    let search = |part: &[u8], base: u64| {
        part.iter()
            .position(|&byte| byte != value)
            .map(|at| (offset + base + at as u64, part[at]))
    };
    let words_start = head.len() as u64;
    search(head, 0)
        .or_else(|| {
            let index = skipped?;
            let word = &bytes[head.len() + index * 8..][..8];
            search(word, words_start + index as u64 * 8)
        })
        .or_else(|| search(tail, words_start + words.len() as u64 * 8))
}
