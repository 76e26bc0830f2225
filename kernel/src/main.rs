//! Pristine: a small kernel (x86_64 and riscv64) that owns its whole memory stack.
//!
//! It exists to show one idea: memory that was never written never needs
//! zeroing again. This file is the architecture-neutral top: after the arch
//! code has brought the CPU up (see `arch/mod.rs` for what an architecture
//! provides), it calls [`kernel_main`], which checks the command line
//! (`boot_input`), brings up memory, poisons free memory if asked, and
//! either runs one kernel test, an experiment, or prints the boot summary,
//! then ends the machine.

#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

extern crate alloc;

mod arch;
mod boot_info;
mod boot_input;
mod breakdown;
mod cmdline;
mod console;
mod experiment;
mod memory;
mod panic;
mod selftest;

use boot_info::BootInfo;
use boot_input::Mode;
use cmdline::CommandLine;
use console::emit;
use pristine_allocator::{Adaptation, DirtyStrategy, Policy};
use pristine_records::{MemorySummary, Record};
use spin::Once;

static BOOT_INFO: Once<&'static BootInfo> = Once::new();

/// The boot information, for code that runs after boot.
///
/// # Panics
/// Before [`kernel_main`] has started: a boot-order bug.
pub fn boot_info() -> &'static BootInfo {
    BOOT_INFO
        .get()
        .expect("boot_info() called before kernel_main")
}

/// The architecture-neutral entry, called by the architecture's entry once
/// the CPU is set up and the boot information is copied.
///
/// The command line is checked before anything is built, so a bad word
/// costs nothing and ends the boot with one line (see `boot_input`).
pub fn kernel_main(boot_info: &'static BootInfo) -> ! {
    BOOT_INFO.call_once(|| boot_info);
    let command_line = CommandLine::new(boot_info.command_line());
    let options = boot_input::check(&command_line).unwrap_or_else(|bad| boot_input::refuse(bad));
    if let Some(level) = command_line.get("log") {
        console::set_log_level(level);
    }
    init_memory(boot_info);
    println!(
        "Pristine {}: memory that was never written never needs zeroing",
        VERSION
    );
    if options.poison {
        poison_free_memory();
    }
    init_large_allocations(
        options.policy,
        options.dirty,
        options.adaptation,
        options.large_zero_page,
    );
    match command_line.get("test") {
        Some("list") => selftest::print_list(),
        Some(name) => selftest::run(name),
        None => {}
    }
    memory_summary(boot_info);
    match options.mode {
        Mode::Boot => arch::exit_success(),
        Mode::Demo => experiment::demo::run(&command_line),
        Mode::Bench => experiment::bench::run(&command_line),
        Mode::Baseline => experiment::baseline::run(),
        Mode::Stress => experiment::stress::run(&command_line),
    }
}

/// Fills every free frame with poison (`poison=on`) and logs what it cost.
fn poison_free_memory() {
    let report = memory::poison::poison_free_frames();
    log::info!(
        "poison: {} free frames ({} MiB) filled with {:#04x} in {} runs, {} ticks",
        report.frames,
        report.frames >> 8,
        memory::poison::POISON_BYTE,
        report.runs,
        report.ticks
    );
}

/// Brings up memory, each step using only what the ones before it built:
/// the frame allocator from the memory map, the kernel's own page tables
/// (their frames come from the allocator), then the heap (mapped in those
/// tables).
///
/// # Panics
/// If the page tables cannot be built: the machine is too small to boot.
fn init_memory(boot_info: &BootInfo) {
    memory::frames::init(boot_info);
    arch::init_page_tables(boot_info)
        .unwrap_or_else(|error| panic!("could not build the kernel page tables: {error}"));
    memory::heap::init();
}

/// Starts the large-allocation engine with the command line's policy and
/// large-zero-page switch (`hugezero=`).
///
/// # Panics
/// If the engine cannot be set up over the architecture's range: a bug in
/// the layout, not something the command line can cause.
fn init_large_allocations(
    policy: Policy,
    dirty: DirtyStrategy,
    adaptation: Adaptation,
    large_zero_page: bool,
) {
    memory::large::init(policy, dirty, adaptation, large_zero_page)
        .unwrap_or_else(|error| panic!("cannot start the large-allocation engine: {error}"));
    let large = memory::large::with_engine(|engine| engine.large_zero_page().is_some());
    log::info!(
        "large allocations: policy {policy}, dirty detection {dirty}, re-zeroing {adaptation}, \
         2 MiB zero page {}",
        if large { "on" } else { "off" }
    );
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Logs the memory map and prints the `memory` record (the runner renders it).
fn memory_summary(boot_info: &BootInfo) {
    for region in boot_info.regions() {
        log::info!(
            "memory {:#014x}..{:#014x} {:?}",
            region.start.0,
            region.end.0,
            region.kind
        );
    }
    let stats = memory::frames::stats();
    emit(&Record::Memory(MemorySummary {
        usable_bytes: boot_info.usable_bytes(),
        total_frames: stats.usable.0,
        free_frames: stats.free.0,
        used_frames: stats.used.0,
        heap_bytes: memory::heap::mapped_bytes(),
        memory_map_entries: boot_info.regions().len() as u64,
    }));
}
