//! Clearing memory fast: the kernel's one routine for zero-filling pages.
//!
//! Zeroing is the cost Pristine exists to avoid, so where it must happen it
//! should be as cheap as the CPU allows. Three candidates are measured in the
//! guest by `mode=baseline` ([`CLEAR_PAGE_CANDIDATES`]; numbers in `docs/clearing.md`):
//! `rep stosb`, `rep stosq` and a plain loop of 8-byte stores. The kernel
//! uses [`clear_page`] everywhere, which is the measured winner.
//!
//! Its sibling [`fill_pages`] writes one byte value over a run of pages with
//! the same instruction: the kernel poisons free memory with it before the
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
pub const CLEAR_PAGE_CANDIDATES: [(&str, ClearRoutine); 3] = [
    ("rep_stosb", clear_rep_stosb),
    ("rep_stosq", clear_rep_stosq),
    ("loop", clear_loop),
];

/// Zero-fills the 4 KiB page at `page` with the fastest measured method.
///
/// # Safety
/// `page` must be page aligned and point to 4 KiB of writable memory that no
/// Rust reference currently borrows.
pub unsafe fn clear_page(page: *mut u8) {
    // SAFETY: forwarded from the caller.
    unsafe { clear_rep_stosq(page) }
}

/// Fills `pages` whole pages from `start` with `byte`, in one `rep stosq`
/// (the instruction [`clear_page`] uses): a run of contiguous free frames is
/// one instruction, however long.
///
/// # Safety
/// `start` must be page aligned and point to `pages` * 4 KiB of writable
/// memory that no Rust reference currently borrows.
pub unsafe fn fill_pages(start: *mut u8, pages: u64, byte: u8) {
    let words = pages as usize * WORDS_PER_PAGE;
    // SAFETY: rdi/rcx describe exactly the caller's pages (`words`
    // quadwords); the direction flag is clear, as the ABI requires.
    unsafe {
        core::arch::asm!(
            "rep stosq",
            inout("rdi") start => _,
            inout("rcx") words => _,
            in("rax") u64::from_ne_bytes([byte; 8]),
            options(nostack, preserves_flags)
        );
    }
}

/// `rep stosb`: one instruction, byte granularity (fast on CPUs with ERMSB).
///
/// # Safety
/// As for [`clear_page`].
unsafe fn clear_rep_stosb(page: *mut u8) {
    // SAFETY: rdi/rcx describe exactly the caller's 4 KiB; the direction
    // flag is clear, as the ABI requires outside string code.
    unsafe {
        core::arch::asm!(
            "rep stosb",
            inout("rdi") page => _,
            inout("rcx") PAGE_SIZE as usize => _,
            in("al") 0u8,
            options(nostack, preserves_flags)
        );
    }
}

/// `rep stosq`: one instruction, 8 bytes per iteration.
///
/// # Safety
/// As for [`clear_page`].
unsafe fn clear_rep_stosq(page: *mut u8) {
    // SAFETY: as for rep stosb; 512 quadwords are exactly 4 KiB.
    unsafe {
        core::arch::asm!(
            "rep stosq",
            inout("rdi") page => _,
            inout("rcx") WORDS_PER_PAGE => _,
            in("rax") 0u64,
            options(nostack, preserves_flags)
        );
    }
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
