//! Lab 2, `page-table-walk`: walking x86-64's four levels to a page's entry.
//!
//! `PageTableMmu` edits the live page tables for the allocator: every
//! `map`, `unmap`, `protect` and `query` starts by finding the last-level
//! table that holds the page's entry, creating missing tables on the way
//! when mapping. The student writes that walk on real hardware page
//! tables, so it is graded in QEMU only.

use crate::lab::catalogue::{GradedTest, Lab, Region, Suite};

/// The lab.
pub const LAB: Lab = Lab {
    name: "page-table-walk",
    title: "walk the x86-64 page tables to a page's entry, creating tables on the way",
    teaches: "the four-level walk (PML4, PDPT, PD, PT; Intel SDM Vol. 3A, 4.5), indices \
              from address bits, present and huge entries, installing zeroed tables, and \
              why the walk runs under the page-table lock. Read \
              kernel/src/arch/x86_64/mmu.rs.",
    regions: &[Region {
        path: "kernel/src/arch/x86_64/mmu.rs",
        stub: "\
// LAB page-table-walk: walk from `root` down the level-4, level-3 and
// level-2 tables (`page.p4_index()`, `page.p3_index()`,
// `page.p2_index()`) to the last-level table that holds `page`'s entry,
// and return that table's address: `Ok(Some(table as *mut PageTable as
// u64))`. On the way, an unused entry (`is_unused`) ends the walk with
// `Ok(None)`, unless `create`: then `install_table` points it at a fresh
// zeroed table. An entry with `F::HUGE_PAGE` maps a 2 MiB or 1 GiB page
// itself and has no table below it: `Err(MmuError::AlreadyMapped(..))`.
// `next_table` follows a present entry (say why that is sound in a
// `// SAFETY:` comment). Until then every page looks unmapped and `map`
// fails: the first write to a large allocation is fatal.
let walk = |_root: &mut PageTable| -> Result<Option<u64>, MmuError> {
    let _ = (page, create, install_table, next_table);
    Ok(None)
};",
    }],
    tests: &[
        GradedTest {
            suite: Suite::Qemu,
            name: "calloc_reads_zero_nocache",
            points: 25,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "realloc_keeps_contents",
            points: 25,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "hardware_dirty_bit_catches_silent_write",
            points: 25,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "dirty_zeroes_exactly_written_pages_sw",
            points: 25,
        },
    ],
};
