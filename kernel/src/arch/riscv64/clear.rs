//! Clearing memory fast: the kernel's one routine for zero-filling pages.
//!
//! Zeroing is the cost Pristine exists to avoid, so where it must happen it
//! should be as cheap as the CPU allows. RISC-V has no string instruction
//! like x86's `rep stos`; the candidates measured in the guest by
//! `mode=baseline` ([`CLEAR_PAGE_CANDIDATES`]) are an unrolled loop of
//! eight 8-byte stores (`sd`) per iteration, the compiler's `memset`
//! (`core::ptr::write_bytes`), and a plain loop of volatile 8-byte stores.
//! The kernel uses [`clear_page`] everywhere, which is the measured winner
//! under `-icount` (fewest guest instructions per page). Cores with the
//! Zicboz extension could zero a cache block per instruction (`cbo.zero`);
//! QEMU 7.2's default CPU does not offer it.
//!
//! Its sibling [`fill_pages`] writes one byte value over a run of pages with
//! the same loop: the kernel poisons free memory with it before the
//! kernel tests run (see `memory::poison`).

use pristine_allocator::PAGE_SIZE;

const WORDS_PER_PAGE: usize = (PAGE_SIZE / 8) as usize;

/// A page-clearing routine.
///
/// # Safety
/// Callers of such a routine must pass a page-aligned pointer to 4 KiB of
/// writable memory that no Rust reference currently borrows.
pub type ClearRoutine = unsafe fn(*mut u8);

/// Every candidate, by name, for the measurements.
pub const CLEAR_PAGE_CANDIDATES: [(&str, ClearRoutine); 4] = [
    ("sd_unrolled_64", clear_sd_unrolled_64),
    ("sd_unrolled_8", clear_sd_unrolled_8),
    ("write_bytes", clear_write_bytes),
    ("loop", clear_loop),
];

/// Zero-fills the 4 KiB page at `page` with the fastest measured method.
///
/// # Safety
/// `page` must be page aligned and point to 4 KiB of writable memory that no
/// Rust reference currently borrows.
pub unsafe fn clear_page(page: *mut u8) {
    // SAFETY: forwarded from the caller.
    unsafe { clear_sd_unrolled_64(page) }
}

/// Stores `word` over `[start, end)`, 512 bytes (64 `sd`) per iteration.
///
/// # Safety
/// `start` and `end` must be 512-byte aligned, `start < end`, and the range
/// writable memory that no Rust reference currently borrows.
unsafe fn store_words_512(start: *mut u8, end: *mut u8, word: u64) {
    // SAFETY: the loop writes exactly [start, end) in 512-byte steps, which
    // the caller vouches for.
    unsafe {
        core::arch::asm!(
            "1:",
            ".set pristine_store_offset, 0",
            ".rept 64",
            "sd {word}, pristine_store_offset({pointer})",
            ".set pristine_store_offset, pristine_store_offset + 8",
            ".endr",
            "addi {pointer}, {pointer}, 512",
            "bltu {pointer}, {end}, 1b",
            pointer = inout(reg) start => _,
            end = in(reg) end,
            word = in(reg) word,
            options(nostack)
        );
    }
}

/// Stores `word` over `[start, end)`, 64 bytes (8 `sd`) per iteration.
///
/// # Safety
/// `start` and `end` must be 64-byte aligned, `start < end`, and the range
/// writable memory that no Rust reference currently borrows.
unsafe fn store_words_64(start: *mut u8, end: *mut u8, word: u64) {
    // SAFETY: the loop writes exactly [start, end) in 64-byte steps, which
    // the caller vouches for.
    unsafe {
        core::arch::asm!(
            "1:",
            "sd {word}, 0({pointer})",
            "sd {word}, 8({pointer})",
            "sd {word}, 16({pointer})",
            "sd {word}, 24({pointer})",
            "sd {word}, 32({pointer})",
            "sd {word}, 40({pointer})",
            "sd {word}, 48({pointer})",
            "sd {word}, 56({pointer})",
            "addi {pointer}, {pointer}, 64",
            "bltu {pointer}, {end}, 1b",
            pointer = inout(reg) start => _,
            end = in(reg) end,
            word = in(reg) word,
            options(nostack)
        );
    }
}

/// Fills `pages` whole pages from `start` with `byte`, with the loop
/// [`clear_page`] uses: a run of contiguous free frames is one loop,
/// however long.
///
/// # Safety
/// `start` must be page aligned and point to `pages` * 4 KiB of writable
/// memory that no Rust reference currently borrows.
pub unsafe fn fill_pages(start: *mut u8, pages: u64, byte: u8) {
    if pages == 0 {
        return;
    }
    // SAFETY: the caller's run of pages; the end stays one past it.
    let end = unsafe { start.add(pages as usize * PAGE_SIZE as usize) };
    // SAFETY: page-aligned, non-empty, and the caller's to write.
    unsafe { store_words_512(start, end, u64::from_ne_bytes([byte; 8])) };
}

/// Sixty-four `sd` per loop iteration: 8 iterations per page.
///
/// # Safety
/// As for [`clear_page`].
unsafe fn clear_sd_unrolled_64(page: *mut u8) {
    // SAFETY: one page past a page-aligned pointer ends the caller's page.
    let end = unsafe { page.add(PAGE_SIZE as usize) };
    // SAFETY: the caller's whole page, page aligned.
    unsafe { store_words_512(page, end, 0) };
}

/// Eight `sd` per loop iteration: 64 iterations per page.
///
/// # Safety
/// As for [`clear_page`].
unsafe fn clear_sd_unrolled_8(page: *mut u8) {
    // SAFETY: one page past a page-aligned pointer ends the caller's page.
    let end = unsafe { page.add(PAGE_SIZE as usize) };
    // SAFETY: the caller's whole page, page aligned.
    unsafe { store_words_64(page, end, 0) };
}

/// The compiler's `memset` (`compiler_builtins`).
///
/// # Safety
/// As for [`clear_page`].
unsafe fn clear_write_bytes(page: *mut u8) {
    // SAFETY: the caller's 4 KiB, writable and not borrowed.
    unsafe { page.write_bytes(0, PAGE_SIZE as usize) };
}

/// A loop of volatile 8-byte stores.
///
/// # Safety
/// As for [`clear_page`].
unsafe fn clear_loop(page: *mut u8) {
    let words = page as *mut u64;
    for index in 0..WORDS_PER_PAGE {
        // SAFETY: index < WORDS_PER_PAGE, so the offset stays inside the
        // caller's page, one allocation.
        let word = unsafe { words.add(index) };
        // SAFETY: `word` is an aligned word inside the caller's page, which
        // is writable and borrowed by no Rust reference.
        unsafe { word.write_volatile(0) };
    }
}
