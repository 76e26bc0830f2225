//! QEMU tests: the kernel booted headless, one `#[test]` per behaviour and
//! architecture.
//!
//! Each test here boots the real kernel in QEMU (TCG: `qemu-system-x86_64`
//! for the tests in `x86_64::`, `qemu-system-riscv64` for those in
//! `riscv64::`) and judges what it printed over serial and how it exited;
//! see `pristine::verdict` for the rule that a kernel test passes only when
//! its one result line says `pass` *and* the guest exits with success. Each
//! architecture's kernel is built once for the whole file (the first test
//! to need it builds it; the others wait) and every test boots its own
//! QEMU, so they run in parallel.
//!
//! Kernel tests are listed once, in [`kernel_tests!`]: the tests every
//! architecture runs, then each architecture's own. The macro makes one
//! `#[test]` per name and architecture, so `cargo test` output names each
//! behaviour (`riscv64::seed_experiment_dirty_hw`), and the list it records
//! for each architecture is compared with that kernel's own `test=list`
//! answer, so a kernel test without a host test here (or the reverse) fails
//! loudly on either architecture.
//!
//! Kernel tests run on poisoned memory (`KernelCmdline::for_test` adds
//! `poison=on`), so a byte nobody zeroed shows as 0xa5. The boot-input tests
//! at the end check what the kernel does with command lines it cannot use,
//! on both architectures where the behaviour is the kernel's own.
//!
//! Every failure message shows the QEMU command and the last serial lines.

use std::collections::BTreeSet;
use std::time::Duration;

use pristine::cmdline::CmdlineError;
use pristine::qemu::QemuCommand;
use pristine::run::run_command;
use pristine::{
    Arch, GuestExit, KernelCmdline, Machine, MemorySize, RunConfig, RunError, RunOutcome,
    build_kernel_for, judge_test, run_kernel,
};
use pristine_records::Outcome;

mod checks;
use checks::*;

/// A machine for `arch` with its kernel, built once per architecture.
fn machine_for(arch: Arch) -> Machine {
    let kernel = build_kernel_for(arch).unwrap_or_else(|error| panic!("error: {error}"));
    let mut machine = Machine::new(kernel);
    machine.arch = arch;
    machine
}

/// Boots the `arch` kernel with `memory` and `cmdline` and returns how it
/// went; panics with the full message if it could not be built or did not
/// finish.
fn boot_kernel(arch: Arch, memory: &str, cmdline: KernelCmdline) -> RunOutcome {
    let mut machine = machine_for(arch);
    machine.memory = parse_memory(memory);
    machine.cmdline = cmdline;
    run_kernel(&RunConfig::new(machine)).unwrap_or_else(|error| panic!("error: {error}"))
}

/// `text` as a memory size; the sizes in this file are all valid.
fn parse_memory(text: &str) -> MemorySize {
    text.parse()
        .unwrap_or_else(|error| panic!("bad size {text} in the test: {error}"))
}

/// The kernel command line `test=NAME`; the names in this file are all valid.
fn test_cmdline(name: &str) -> KernelCmdline {
    KernelCmdline::for_test(name)
        .unwrap_or_else(|error| panic!("bad test name in the test: {error}"))
}

/// Runs kernel test `name` on `arch` in a guest with `memory`, the
/// kernel command line extended by `words`, and panics unless it passed.
fn expect_kernel_test_passes(arch: Arch, name: &str, memory: &str, words: &str) {
    let mut cmdline = test_cmdline(name);
    cmdline.append_raw(words);
    let outcome = boot_kernel(arch, memory, cmdline);
    if let Err(failure) = judge_test(&outcome, name) {
        panic!(
            "{arch} kernel test `{name}` failed: {failure}\n{}",
            outcome.transcript()
        );
    }
}

/// One module per architecture, each with one `#[test]` per kernel test
/// (the shared ones, then the architecture's own), `HOST_TESTS` (their
/// names), the test-list check against that kernel, and one `#[test]` per
/// host check in `checks` (a function of this file that takes the [`Arch`]).
///
/// Write `name` for a test in the default 64 MiB guest (small, so poisoning
/// all free memory costs little under TCG), `name with memory "128M"` for
/// one that needs a particular size, and add `with words "..."` for one that
/// needs more kernel command-line words.
macro_rules! kernel_tests {
    (
        every_arch $shared:tt
        checks $checks:tt
        $($arch:ident = $variant:expr => $own:tt)*
    ) => {
        $(
            #[doc = concat!("The kernel tests and host checks on ", stringify!($arch), ".")]
            mod $arch {
                use super::*;
                kernel_tests!(@tests $variant; $shared $own);
                kernel_tests!(@checks $variant; $checks);
            }
        )*
    };
    (@tests $variant:expr;
        {
            $(
                $(#[$attr:meta])*
                $name:ident $(with memory $memory:literal)? $(with words $words:literal)?,
            )*
        }
        {
            $(
                $(#[$own_attr:meta])*
                $own:ident $(with memory $own_memory:literal)? $(with words $own_words:literal)?,
            )*
        }
    ) => {
        /// The kernel tests this module runs, in order.
        const HOST_TESTS: &[&str] = &[$(stringify!($name),)* $(stringify!($own),)*];
        $(
            $(#[$attr])*
            #[test]
            fn $name() {
                expect_kernel_test_passes(
                    $variant,
                    stringify!($name),
                    kernel_tests!(@memory $($memory)?),
                    concat!("" $(, $words)?),
                );
            }
        )*
        $(
            $(#[$own_attr])*
            #[test]
            fn $own() {
                expect_kernel_test_passes(
                    $variant,
                    stringify!($own),
                    kernel_tests!(@memory $($own_memory)?),
                    concat!("" $(, $own_words)?),
                );
            }
        )*
        /// The kernel's `test=list` names exactly the tests of this module.
        #[test]
        fn kernel_test_list_matches_host_tests() {
            expect_test_list_matches($variant, HOST_TESTS);
        }
    };
    (@checks $variant:expr; { $($check:ident,)* }) => {
        $(
            #[doc = concat!("[`super::", stringify!($check), "`] on this architecture.")]
            #[test]
            fn $check() {
                super::$check($variant);
            }
        )*
    };
    (@memory) => { "64M" };
    (@memory $memory:literal) => { $memory };
}

kernel_tests! {
    every_arch {
        /// The kernel boots to its test runner and reports.
        boot,
        /// `Box`, `Vec` and `BTreeMap` work on the kernel heap.
        heap_collections_work,
        /// The frame allocator hands out every usable frame exactly once and
        /// takes them all back (in the 64 MiB guest, a short walk).
        frame_allocator_hands_out_every_frame_once,
        /// Every byte of every `calloc` reads zero across many reuses, on
        /// poisoned memory, through fresh, copy-on-write and reused frames, and
        /// whole-page patterns written through one allocation never show in a
        /// later one: no cache.
        calloc_reads_zero_nocache,
        /// The same under the always-zero cache (macOS libmalloc).
        calloc_reads_zero_alwayszero,
        /// The same under dirty tracking with the CPU's dirty bit.
        calloc_reads_zero_dirty_hw,
        /// The same under dirty tracking with write-protect faults.
        calloc_reads_zero_dirty_sw,
        /// The seed's loop, untouched: no cache zeroes nothing and takes no faults.
        seed_experiment_nocache,
        /// The seed's loop: always-zero re-zeroes all 25,600 pages of every
        /// 100 MiB cache hit; 1000 MiB bypasses the cache and costs nothing.
        /// The 100 MiB block is backed in full, so the guest has 128 MiB.
        seed_experiment_alwayszero with memory "128M",
        /// The seed's loop: dirty tracking (D bit) zeroes 0 pages and takes 0
        /// faults after the first round.
        seed_experiment_dirty_hw,
        /// The seed's loop: dirty tracking with write faults, the same counters.
        seed_experiment_dirty_sw,
        /// Writing k of N pages (k = 0, 1, N/2, N) re-zeroes exactly k on reuse (D bit).
        dirty_zeroes_exactly_written_pages_hw,
        /// The same with software dirty tracking.
        dirty_zeroes_exactly_written_pages_sw,
        /// A page written in one cycle and left alone in the next is re-zeroed
        /// on the next cache hit only, not on every later one (D bit): catches
        /// an MMU that never clears D.
        dirty_page_left_alone_is_rezeroed_once_hw,
        /// The same with software dirty tracking (write protection re-armed).
        dirty_page_left_alone_is_rezeroed_once_sw,
        /// A write to an already-writable page takes no fault, but the D bit
        /// records it and the next reuse re-zeroes exactly that page.
        hardware_dirty_bit_catches_silent_write,
        /// Overflow, zero size, double free, interior and unknown pointers are
        /// errors, not panics.
        large_allocation_errors_are_values,
        /// `realloc` keeps contents across sizes and across heap/large blocks.
        realloc_keeps_contents,
        /// Cycles writing four times the 64 MiB guest's free memory beside a
        /// live block: nothing fails, every byte is right, every frame comes
        /// back; no cache, nothing reclaimed.
        pressure_cycles_beyond_ram_nocache,
        /// The same under the always-zero cache: the cache is reclaimed, oldest
        /// first, whenever a fault or a hit's re-zeroing needs a frame.
        pressure_cycles_beyond_ram_alwayszero,
        /// The same under dirty tracking with the CPU's dirty bit.
        pressure_cycles_beyond_ram_dirty_hw,
        /// The same under dirty tracking with write-protect faults.
        pressure_cycles_beyond_ram_dirty_sw,
        /// A failure injected into the n-th frame request (a few n): no
        /// allocation call under no cache takes a frame, so none fails.
        injected_frame_failure_leaks_nothing_nocache,
        /// Always-zero: a failure on the fault path is absorbed by reclaiming a
        /// cached block; one in a cache hit's re-zeroing with nothing to reclaim
        /// fails that `calloc` cleanly; every frame comes back.
        injected_frame_failure_leaks_nothing_alwayszero,
        /// Dirty tracking (D bit): a failure on the fault path is absorbed.
        injected_frame_failure_leaks_nothing_dirty_hw,
        /// Dirty tracking (write faults): the same.
        injected_frame_failure_leaks_nothing_dirty_sw,
        /// The allocator's conformance kit passes on this architecture's
        /// MMU: zeroed bytes on poisoned memory, exact re-zeroing, writes
        /// after a dirty-bit clear seen, bounded spurious faults, frames
        /// returned.
        mmu_passes_conformance_kit,
        /// `duplicate` shares every written page without a frame or a copy;
        /// writes on either side copy the shared page and stay invisible to
        /// the other, the last mapping takes its frame over, freeing a
        /// shared block into the cache and calloc-ing it again reads zero
        /// while the other side keeps its data; every frame comes back: no
        /// cache.
        duplicate_copy_on_write_nocache,
        /// The same under the always-zero cache.
        duplicate_copy_on_write_alwayszero,
        /// The same under dirty tracking with the CPU's dirty bit.
        duplicate_copy_on_write_dirty_hw,
        /// The same under dirty tracking with write-protect faults.
        duplicate_copy_on_write_dirty_sw,
        /// Asking the MMU about a page of an untouched 2 MiB block builds no
        /// page table: only `map` creates tables on its walk.
        query_of_an_untouched_block_builds_no_page_table,
        /// No cache: reading one byte of every page of a 16 MiB block maps
        /// one large zero page (PS entry / Sv39 megapage) per aligned 2 MiB
        /// stretch, one fault each; a write splits one stretch into 4 KiB
        /// entries and takes exactly one frame; every other byte reads
        /// zero; every frame comes back.
        large_zero_page_read_and_split_nocache,
        /// The same under always-zero: the hit splits and zeroes every page.
        large_zero_page_read_and_split_alwayszero,
        /// The same under dirty tracking (D bit): the hit re-zeroes only the
        /// written page.
        large_zero_page_read_and_split_dirty_hw,
        /// The same under dirty tracking with write-protect faults.
        large_zero_page_read_and_split_dirty_sw,
        /// `hugezero=off`: one read fault and one 4 KiB zero-page mapping
        /// per page.
        hugezero_off_maps_the_4_kib_zero_page with words "hugezero=off",
    }
    checks {
        write_fault_without_frames_reports_out_of_memory,
        unknown_test_name_fails_clearly,
        usable_ram_matches_memory_64m,
        usable_ram_matches_memory_512m,
        usable_ram_matches_memory_3g,
        usable_ram_matches_memory_8g,
        command_line_of_4095_bytes_arrives_whole,
        command_line_over_4095_bytes_is_refused_by_the_kernel,
        bad_word_policy_is_refused,
        bad_word_mode_is_refused,
        bad_word_sizes_zero_is_refused,
        bad_word_negative_rounds_is_refused,
        unknown_word_is_refused,
    }
    x86_64 = Arch::X86_64 => {
        /// `int3` reaches the breakpoint handler and execution resumes after it.
        breakpoint_resumes,
        /// A write to an unmapped address reports that address in CR2 and the
        /// page-fault error code "not present, write, supervisor".
        page_fault_reports_cr2_and_error_code,
        /// Unbounded recursion hits the guard page and lands in the double-fault
        /// handler, running on its IST stack.
        stack_overflow_hits_double_fault_ist,
        /// A write to the kernel's own code faults: the image is mapped W^X.
        kernel_text_is_not_writable,
        /// A jump into the kernel's data faults: data is mapped no-execute.
        kernel_data_is_not_executable,
        /// The page-table MMU gives a leaf entry exactly the flags asked
        /// (accessed and dirty too, which the engine never asks of it) and
        /// touches no page outside the large-allocation range.
        mmu_entries_get_the_flags_asked_inside_the_range_only,
    }
    riscv64 = Arch::Riscv64 => {
        /// `ebreak` reaches the trap handler and execution resumes after it.
        breakpoint_resumes,
        /// A store to an unmapped address reports that address in `stval`
        /// and `scause` 15 (store page fault).
        page_fault_reports_stval_and_scause,
        /// Unbounded recursion hits the boot stack's guard page; the fault is
        /// reported from the trap stack.
        stack_overflow_hits_guard_page,
        /// A store to the kernel's own code faults: the image is mapped W^X.
        kernel_text_is_not_writable,
        /// A jump into the kernel's data faults: data is mapped without X.
        kernel_data_is_not_executable,
        /// With `svade=on` (the MMU faults on a clear dirty bit, as a Svade
        /// core), a store to a re-armed page takes exactly one dirty-bit
        /// fault, the engine sets D instead of retrying forever, and the
        /// next reuse re-zeroes exactly that page.
        svade_dirty_fault_is_fixed_once with words "svade=on",
    }
}

/// Shared kernel tests whose counters or bytes depend on how the MMU keeps
/// its dirty bit, run again on riscv64 with `svade=on`: the MMU faults on a
/// clear dirty bit as a Svade core does, and the engine must give the same
/// exact counts. The conformance kit's twin covers every policy and
/// strategy (zeroes, exact re-zeroing, writes after a clear), so only the
/// seed loop, the re-arming case and `realloc` are repeated here.
/// (`hardware_dirty_bit_catches_silent_write` is left out: on Svade no
/// write is silent, and `riscv64::svade_dirty_fault_is_fixed_once` checks
/// the fault instead.)
mod riscv64_svade {
    use super::*;

    macro_rules! svade_twins {
        ($($(#[$attr:meta])* $name:ident $(with memory $memory:literal)?,)*) => {
            $(
                $(#[$attr])*
                #[test]
                fn $name() {
                    expect_kernel_test_passes(
                        Arch::Riscv64,
                        stringify!($name),
                        kernel_tests!(@memory $($memory)?),
                        "svade=on",
                    );
                }
            )*
        };
    }

    svade_twins! {
        /// Every byte of every `calloc` reads zero, dirty tracking (D bit).
        calloc_reads_zero_dirty_hw,
        /// The seed's loop: dirty tracking zeroes 0 pages, takes 0 faults.
        seed_experiment_dirty_hw,
        /// A page left alone after its re-zeroing is re-zeroed once (D bit).
        dirty_page_left_alone_is_rezeroed_once_hw,
        /// `realloc` keeps contents (the moved frame keeps its dirty bit).
        realloc_keeps_contents,
        /// The conformance kit passes on the imitated Svade MMU.
        mmu_passes_conformance_kit,
        /// Copy-on-write sharing: shared pages keep their dirty bit, copies
        /// and take-overs set it, no fault loops (D bit).
        duplicate_copy_on_write_dirty_hw,
        /// The large zero page: a megapage with A preset, split by a store
        /// whose 4 KiB entry gets A and D preset, no fault loop.
        large_zero_page_read_and_split_dirty_hw,
    }
}
