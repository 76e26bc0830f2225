//! The large zero page, checked through the platform: reads, the split, reuse.
//!
//! Run by [`super::run`] in every setup, after the other checks. A block
//! of two large pages and one page is read one byte per page; if the
//! engine mapped no large zero page (switched off, or the MMU keeps the
//! default [`crate::Mmu::map_large`]), there is nothing more to check.
//! Otherwise:
//!
//! - every 2 MiB-aligned stretch wholly inside the block took one read
//!   fault and one large mapping, every other page one read fault;
//! - one write inside a stretch splits it (one split, one fresh frame, one
//!   copy-on-write fault), and afterwards only the written byte is not
//!   zero: a large zero frame that had been mapped writable would show
//!   the write in the other stretch too;
//! - under a caching policy the block comes back from the cache with the
//!   right pages re-zeroed (the written one under dirty tracking, all of
//!   them under always-zero) and reads zero.

use super::checks::Setup;
use super::failure::{Check, Failure, Seen};
use super::platform::Platform;
use crate::{LARGE_PAGE_SIZE, PAGE_SIZE, PAGES_PER_LARGE_PAGE, Policy, VirtAddr};

/// Pages in the block the large-page check reads: two large pages and one
/// page, so at least one aligned stretch lies inside wherever it starts.
pub const LARGE_BLOCK_PAGES: u64 = 2 * PAGES_PER_LARGE_PAGE + 1;

const LARGE_BLOCK_BYTES: u64 = LARGE_BLOCK_PAGES * PAGE_SIZE;

/// Where in each page the check reads and writes.
const OFFSET: u64 = 9;

/// The byte the check writes.
const WRITTEN: u8 = 0x3c;

impl<P: Platform> Setup<'_, P> {
    /// The checks of the module docs; `Ok(true)` if the engine mapped the
    /// large zero page (and so was checked), `Ok(false)` if it did not.
    pub(super) fn large_zero_page(&mut self) -> Result<bool, Failure> {
        self.counters();
        self.platform.reset_counters();
        let block = self.engine(|platform| platform.calloc(LARGE_BLOCK_BYTES))?;
        self.expect_bytes(block, None)?;
        let stats = self.platform.stats();
        if stats.large_zero_page_mappings == 0 {
            self.free(block)?;
            return Ok(false);
        }
        let first_full = block.0.next_multiple_of(LARGE_PAGE_SIZE);
        let stretches = (block.0 + LARGE_BLOCK_BYTES - first_full) / LARGE_PAGE_SIZE;
        let small = LARGE_BLOCK_PAGES - stretches * PAGES_PER_LARGE_PAGE;
        if stats.large_zero_page_mappings != stretches || stats.read_faults != stretches + small {
            return Err(self.failure(
                Check::LargeZeroPage,
                Seen::LargeZeroPage {
                    stretches,
                    mappings: stats.large_zero_page_mappings,
                    read_faults: stats.read_faults,
                    splits: stats.large_zero_page_splits,
                },
            ));
        }
        let written = VirtAddr(first_full + 7 * PAGE_SIZE + OFFSET);
        self.platform.fill(written, 1, WRITTEN);
        self.written += 1;
        let after = self.platform.stats();
        let new_frames = after.frames_in_use - stats.frames_in_use;
        if after.large_zero_page_splits != 1 || new_frames != 1 || after.cow_faults != 1 {
            return Err(self.failure(
                Check::LargeZeroPage,
                Seen::LargeZeroPageSplit {
                    splits: after.large_zero_page_splits,
                    new_frames,
                    cow_faults: after.cow_faults,
                },
            ));
        }
        self.expect_bytes(block, Some(written))?;
        let block = if self.policy.caches() {
            self.reuse_large(block)?
        } else {
            block
        };
        self.free(block)?;
        Ok(true)
    }

    /// Frees `block` and allocates it again: a cache hit that re-zeroes
    /// the written page (all of them under always-zero), then reads zero.
    fn reuse_large(&mut self, block: VirtAddr) -> Result<VirtAddr, Failure> {
        self.free(block)?;
        self.counters();
        self.platform.reset_counters();
        let block = self.engine(|platform| platform.calloc(LARGE_BLOCK_BYTES))?;
        let stats = self.platform.stats();
        let expected = match self.policy {
            Policy::AlwaysZero => LARGE_BLOCK_PAGES,
            _ => 1,
        };
        if stats.cache_hits != 1 || stats.pages_zeroed_on_reuse != expected {
            return Err(self.failure(
                Check::LargeZeroPage,
                Seen::PagesRezeroed {
                    expected,
                    zeroed: stats.pages_zeroed_on_reuse,
                    hit: stats.cache_hits == 1,
                },
            ));
        }
        self.expect_bytes(block, None)?;
        Ok(block)
    }

    /// Reads the byte at [`OFFSET`] of every page of the large block: zero,
    /// but [`WRITTEN`] at `written`.
    fn expect_bytes(&mut self, block: VirtAddr, written: Option<VirtAddr>) -> Result<(), Failure> {
        let mut byte = [0u8; 1];
        for page in 0..LARGE_BLOCK_PAGES {
            let address = VirtAddr(block.0 + page * PAGE_SIZE + OFFSET);
            self.platform.read(address, &mut byte);
            let expected = if written == Some(address) { WRITTEN } else { 0 };
            if byte[0] != expected {
                let seen = Seen::NonZeroByte {
                    address,
                    byte: byte[0],
                };
                return Err(self.failure(Check::LargeZeroPage, seen));
            }
        }
        Ok(())
    }
}
