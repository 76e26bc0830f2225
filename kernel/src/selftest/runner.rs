//! The kernel-test registry and runner: find a test by name, run it, report.

use super::{
    boot, conformance, dirty, frames, heap, injection, large, large_zero, page_walk, pressure,
    sharing,
};
use crate::arch;
use crate::console::emit;
use alloc::string::String;
use pristine_records::{Outcome, Record, TestList, TestResult as ResultRecord};

/// What a kernel test returns: `Err` carries the reason it failed.
pub type TestResult = Result<(), String>;

/// A named kernel test.
pub struct KernelTest {
    /// The name used on the command line and in the result record.
    pub name: &'static str,
    /// The test itself.
    pub run: fn() -> TestResult,
}

const NEUTRAL_TESTS: &[KernelTest] = &[
    KernelTest {
        name: "boot",
        run: boot::boot,
    },
    KernelTest {
        name: "heap_collections_work",
        run: heap::heap_collections_work,
    },
    KernelTest {
        name: "frame_allocator_hands_out_every_frame_once",
        run: frames::frame_allocator_hands_out_every_frame_once,
    },
    KernelTest {
        name: "calloc_reads_zero_nocache",
        run: large::calloc_reads_zero_nocache,
    },
    KernelTest {
        name: "calloc_reads_zero_alwayszero",
        run: large::calloc_reads_zero_alwayszero,
    },
    KernelTest {
        name: "calloc_reads_zero_dirty_hw",
        run: large::calloc_reads_zero_dirty_hw,
    },
    KernelTest {
        name: "calloc_reads_zero_dirty_sw",
        run: large::calloc_reads_zero_dirty_sw,
    },
    KernelTest {
        name: "seed_experiment_nocache",
        run: large::seed_experiment_nocache,
    },
    KernelTest {
        name: "seed_experiment_alwayszero",
        run: large::seed_experiment_alwayszero,
    },
    KernelTest {
        name: "seed_experiment_dirty_hw",
        run: large::seed_experiment_dirty_hw,
    },
    KernelTest {
        name: "seed_experiment_dirty_sw",
        run: large::seed_experiment_dirty_sw,
    },
    KernelTest {
        name: "dirty_zeroes_exactly_written_pages_hw",
        run: dirty::dirty_zeroes_exactly_written_pages_hw,
    },
    KernelTest {
        name: "dirty_zeroes_exactly_written_pages_sw",
        run: dirty::dirty_zeroes_exactly_written_pages_sw,
    },
    KernelTest {
        name: "dirty_page_left_alone_is_rezeroed_once_hw",
        run: dirty::dirty_page_left_alone_is_rezeroed_once_hw,
    },
    KernelTest {
        name: "dirty_page_left_alone_is_rezeroed_once_sw",
        run: dirty::dirty_page_left_alone_is_rezeroed_once_sw,
    },
    KernelTest {
        name: "hardware_dirty_bit_catches_silent_write",
        run: dirty::hardware_dirty_bit_catches_silent_write,
    },
    KernelTest {
        name: "large_allocation_errors_are_values",
        run: large::large_allocation_errors_are_values,
    },
    KernelTest {
        name: "realloc_keeps_contents",
        run: large::realloc_keeps_contents,
    },
    KernelTest {
        name: "pressure_cycles_beyond_ram_nocache",
        run: pressure::pressure_cycles_beyond_ram_nocache,
    },
    KernelTest {
        name: "pressure_cycles_beyond_ram_alwayszero",
        run: pressure::pressure_cycles_beyond_ram_alwayszero,
    },
    KernelTest {
        name: "pressure_cycles_beyond_ram_dirty_hw",
        run: pressure::pressure_cycles_beyond_ram_dirty_hw,
    },
    KernelTest {
        name: "pressure_cycles_beyond_ram_dirty_sw",
        run: pressure::pressure_cycles_beyond_ram_dirty_sw,
    },
    KernelTest {
        name: "write_fault_without_frames_reports_out_of_memory",
        run: pressure::write_fault_without_frames_reports_out_of_memory,
    },
    KernelTest {
        name: "injected_frame_failure_leaks_nothing_nocache",
        run: injection::injected_frame_failure_leaks_nothing_nocache,
    },
    KernelTest {
        name: "injected_frame_failure_leaks_nothing_alwayszero",
        run: injection::injected_frame_failure_leaks_nothing_alwayszero,
    },
    KernelTest {
        name: "injected_frame_failure_leaks_nothing_dirty_hw",
        run: injection::injected_frame_failure_leaks_nothing_dirty_hw,
    },
    KernelTest {
        name: "injected_frame_failure_leaks_nothing_dirty_sw",
        run: injection::injected_frame_failure_leaks_nothing_dirty_sw,
    },
    KernelTest {
        name: "mmu_passes_conformance_kit",
        run: conformance::mmu_passes_conformance_kit,
    },
    KernelTest {
        name: "duplicate_copy_on_write_nocache",
        run: sharing::duplicate_copy_on_write_nocache,
    },
    KernelTest {
        name: "duplicate_copy_on_write_alwayszero",
        run: sharing::duplicate_copy_on_write_alwayszero,
    },
    KernelTest {
        name: "duplicate_copy_on_write_dirty_hw",
        run: sharing::duplicate_copy_on_write_dirty_hw,
    },
    KernelTest {
        name: "duplicate_copy_on_write_dirty_sw",
        run: sharing::duplicate_copy_on_write_dirty_sw,
    },
    KernelTest {
        name: "query_of_an_untouched_block_builds_no_page_table",
        run: page_walk::query_of_an_untouched_block_builds_no_page_table,
    },
    KernelTest {
        name: "large_zero_page_read_and_split_nocache",
        run: large_zero::large_zero_page_read_and_split_nocache,
    },
    KernelTest {
        name: "large_zero_page_read_and_split_alwayszero",
        run: large_zero::large_zero_page_read_and_split_alwayszero,
    },
    KernelTest {
        name: "large_zero_page_read_and_split_dirty_hw",
        run: large_zero::large_zero_page_read_and_split_dirty_hw,
    },
    KernelTest {
        name: "large_zero_page_read_and_split_dirty_sw",
        run: large_zero::large_zero_page_read_and_split_dirty_sw,
    },
    KernelTest {
        name: "hugezero_off_maps_the_4_kib_zero_page",
        run: large_zero::hugezero_off_maps_the_4_kib_zero_page,
    },
];

/// Every kernel test: the architecture-neutral ones, then the arch's.
fn all() -> impl Iterator<Item = &'static KernelTest> {
    NEUTRAL_TESTS.iter().chain(arch::KERNEL_TESTS.iter())
}

/// Prints the `test-list` record and exits with success.
pub fn print_list() -> ! {
    let names = all().map(|test| test.name.into()).collect();
    emit(&Record::TestList(TestList { names }));
    arch::exit_success()
}

/// Runs the test called `name` and exits with its verdict.
pub fn run(name: &str) -> ! {
    let Some(test) = all().find(|test| test.name == name) else {
        let reason = alloc::format!("no kernel test is called {name:?}");
        report(name, &Err(reason));
        arch::exit_failure();
    };
    log::info!("running kernel test {name}");
    finish(test.name, (test.run)())
}

/// Reports `result` for test `name` and ends the machine accordingly.
pub fn finish(name: &str, result: TestResult) -> ! {
    report(name, &result);
    match result {
        Ok(()) => arch::exit_success(),
        Err(_) => arch::exit_failure(),
    }
}

fn report(name: &str, result: &TestResult) {
    let (outcome, detail) = match result {
        Ok(()) => (Outcome::Pass, String::new()),
        Err(reason) => (Outcome::Fail, reason.clone()),
    };
    emit(&Record::Test(ResultRecord {
        name: name.into(),
        outcome,
        detail,
    }));
}
