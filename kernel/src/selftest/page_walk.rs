//! The MMU's walk for a question is read-only: asking about a page of a
//! 2 MiB block nobody has touched builds no page table.
//!
//! The allocator's MMU walks the live tables for every question it is asked
//! (`query`, `take_dirty`, `unmap`), and only `map` may create the tables on
//! the way. A walk that created them for a question too would still give
//! every right answer (the tables are empty), so no other test sees it; it
//! would only take page-table frames, one per level, for nothing. This test
//! counts them.

use super::TestResult;
use crate::arch::{LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START, PageTableMmu};
use crate::memory::large::with_engine;
use alloc::format;
use pristine_allocator::{Mmu, Page, VirtAddr};

/// See the module docs. The page asked about is the last one of the
/// large-allocation range, whose 2 MiB block no test allocates in.
pub fn query_of_an_untouched_block_builds_no_page_table() -> TestResult {
    let page = Page::containing(VirtAddr(
        LARGE_ALLOCATION_START + LARGE_ALLOCATION_SIZE - pristine_allocator::PAGE_SIZE,
    ));
    let before = PageTableMmu::page_table_frames();
    let answer = with_engine(|engine| engine.mmu().query(page));
    let after = PageTableMmu::page_table_frames();
    if let Some(entry) = answer {
        return Err(format!("an untouched page reads as mapped: {entry:?}"));
    }
    if after != before {
        return Err(format!(
            "asking about an untouched page took {} page-table frames",
            after - before
        ));
    }
    Ok(())
}
