//! Clearing memory fast: the kernel's one routine for zero-filling pages.
//!
//! Zeroing is the cost Pristine exists to avoid, so where it must happen it
//! should be as cheap as the CPU allows. Three candidates were measured in
//! the guest (`cargo run -- demo --clear-bench`, see `docs/clearing.md`):
//! `rep stosb`, `rep stosq` and a plain loop of 8-byte stores. The kernel
//! uses [`clear_page`] everywhere, which is the measured winner.

use pristine_allocator::PAGE_SIZE;

/// How a page is cleared; the candidates compared in the measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClearMethod {
    /// `rep stosb`: one instruction, byte granularity (fast on CPUs with ERMSB).
    RepStosb,
    /// `rep stosq`: one instruction, 8 bytes per iteration.
    RepStosq,
    /// A Rust loop of volatile 8-byte stores.
    Loop,
}

impl ClearMethod {
    /// Every method, for measurements.
    pub const ALL: [ClearMethod; 3] = [Self::RepStosb, Self::RepStosq, Self::Loop];

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::RepStosb => "rep stosb",
            Self::RepStosq => "rep stosq",
            Self::Loop => "loop",
        }
    }
}

/// The method [`clear_page`] uses.
pub const FASTEST: ClearMethod = ClearMethod::RepStosq;

/// Zero-fills the 4 KiB page at `page` with the fastest measured method.
///
/// # Safety
/// `page` must be page aligned and point to 4 KiB of writable memory that no
/// Rust reference currently borrows.
pub unsafe fn clear_page(page: *mut u8) {
    // SAFETY: forwarded from the caller.
    unsafe { clear_page_with(page, FASTEST) }
}

/// Zero-fills the 4 KiB page at `page` with `method`.
///
/// # Safety
/// As for [`clear_page`].
pub unsafe fn clear_page_with(page: *mut u8, method: ClearMethod) {
    const WORDS: usize = (PAGE_SIZE / 8) as usize;
    match method {
        // SAFETY: rdi/rcx describe exactly the caller's 4 KiB; the direction
        // flag is clear (the ABI requires it outside of string code).
        ClearMethod::RepStosb => unsafe {
            core::arch::asm!(
                "rep stosb",
                inout("rdi") page => _,
                inout("rcx") PAGE_SIZE as usize => _,
                in("al") 0u8,
                options(nostack, preserves_flags)
            );
        },
        // SAFETY: as above, 512 quadwords = 4 KiB.
        ClearMethod::RepStosq => unsafe {
            core::arch::asm!(
                "rep stosq",
                inout("rdi") page => _,
                inout("rcx") WORDS => _,
                in("rax") 0u64,
                options(nostack, preserves_flags)
            );
        },
        ClearMethod::Loop => {
            let words = page as *mut u64;
            for index in 0..WORDS {
                // SAFETY: index < WORDS keeps every store inside the page.
                unsafe { words.add(index).write_volatile(0) };
            }
        }
    }
}
