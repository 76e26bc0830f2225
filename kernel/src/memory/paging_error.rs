//! Why the kernel's own page tables could not be built or extended: the
//! error both ports' `init_page_tables` and `map_fresh_pages` return.

/// Why a mapping could not be made.
#[derive(Debug)]
pub enum PagingError {
    /// No frame was left for a page table.
    OutOfFrames,
    /// The page was already mapped.
    AlreadyMapped(u64),
    /// A mapping would have split a larger page (2 MiB or 1 GiB), or the
    /// reverse.
    HugePageConflict(u64),
    /// `init_page_tables` has not run yet.
    NotInitialised,
    /// `init_page_tables` was called a second time.
    AlreadyInitialised,
}

impl core::fmt::Display for PagingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::OutOfFrames => f.write_str("no free frame left for a page table"),
            Self::AlreadyMapped(page) => write!(f, "page {page:#x} is already mapped"),
            Self::HugePageConflict(page) => {
                write!(f, "page {page:#x} conflicts with a larger page")
            }
            Self::NotInitialised => f.write_str("the kernel page tables are not built yet"),
            Self::AlreadyInitialised => f.write_str("the kernel page tables are already built"),
        }
    }
}
