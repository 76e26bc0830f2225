//! End-to-end tests of `cargo run -- demo`.
//!
//! These boot the real kernel in QEMU (TCG) in its `mode=demo` (issue 4),
//! on each architecture (x86_64 and riscv64), and check what the host side
//! makes of it: one demo row per policy and size with the counters that
//! tell the policies apart, the cache limits the kernel ran with, and the
//! `--json` output, in the default guest and in guests too small for the
//! always-zero cache. The first runs through the library; the JSON tests
//! run the `pristine` binary itself, as a user would. Every failure message
//! shows what the kernel or the binary said.
//! (The benchmark's end-to-end test lives with the benchmark, in
//! `bench/tests/`.)

use std::process::{Command, Output};

use pristine::console::Console;
use pristine::demo::{DemoPlan, run_demo};
use pristine::{Arch, Machine, MemorySize, RunConfig, build_kernel_for};
use pristine_allocator::{CacheLimits, DirtyStrategy, Policy};
use pristine_records::{AllocationSize, DemoRow};

/// Rounds per row: enough for cache hits after the first round.
const ROUNDS: u64 = 3;

/// Runs the `pristine` binary with `args` and returns what it did.
fn pristine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pristine"))
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("could not start pristine {args:?}: {error}"))
}

/// stdout and stderr of `output`, for failure messages.
fn shown(output: &Output) -> String {
    format!(
        "status: {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The seed's loop with few rounds on x86_64: see [`expect_demo_rows`].
#[test]
fn demo_prints_one_row_per_policy_and_size() {
    expect_demo_rows(Arch::X86_64);
}

/// The same on riscv64.
#[test]
fn demo_prints_one_row_per_policy_and_size_riscv64() {
    expect_demo_rows(Arch::Riscv64);
}

/// The seed's loop with few rounds shows each policy's behaviour in the
/// counters: always-zero re-zeroes all 25,600 pages of every reuse at
/// 100 MiB and bypasses the cache at 1000 MiB; dirty tracking reuses without
/// zeroing; no cache never hits.
fn expect_demo_rows(arch: Arch) {
    let kernel = build_kernel_for(arch).unwrap_or_else(|error| panic!("error: {error}"));
    let plan = DemoPlan {
        rounds: ROUNDS,
        sizes: Vec::new(),
        policies: Vec::new(),
        dirty: DirtyStrategy::Hardware,
    };
    let mut machine = Machine::new(kernel);
    machine.arch = arch;
    machine.memory = MemorySize::TWO_GIB;
    machine.icount = true;
    machine.cmdline = plan
        .cmdline()
        .unwrap_or_else(|error| panic!("error: {error}"));
    let config = RunConfig {
        machine,
        timeout: plan.default_timeout(),
    };
    let outcome = run_demo(&config, &plan, Console::new(false))
        .unwrap_or_else(|error| panic!("the {arch} demo failed: {error}"));
    assert_eq!(outcome.rows.len(), 6);
    assert_eq!(outcome.limits, Some(CacheLimits::default()));
    let row = |policy, size| {
        outcome
            .rows
            .iter()
            .find(|row| row.policy == policy && row.size == size)
            .unwrap_or_else(|| panic!("no {policy:?} row at {size}"))
    };
    let hundred = AllocationSize::HUNDRED_MIB;
    let always = row(Policy::AlwaysZero, hundred);
    assert_eq!(always.cache_hits, ROUNDS - 1, "{always:?}");
    assert!(always.pages_zeroed >= (ROUNDS - 1) * 25_600, "{always:?}");
    let dirty = row(Policy::DirtyTracking, hundred);
    assert_eq!(
        (dirty.cache_hits, dirty.pages_zeroed),
        (ROUNDS - 1, 0),
        "{dirty:?}"
    );
    assert!(
        dirty.ticks_total * 1000 < always.ticks_total,
        "{dirty:?} vs {always:?}"
    );
    let nocache = row(Policy::NoCache, hundred);
    assert_eq!(
        (nocache.cache_hits, nocache.pages_zeroed),
        (0, 0),
        "{nocache:?}"
    );
    // Lazy zero-page mapping: memory that is never touched never gets even
    // the zero page.
    assert!(
        outcome.rows.iter().all(|row| row.zero_page_mappings == 0),
        "{:?}",
        outcome.rows
    );
    let cliff = row(Policy::AlwaysZero, AllocationSize::THOUSAND_MIB);
    assert_eq!(
        (cliff.cache_bypasses, cliff.pages_zeroed),
        (ROUNDS, 0),
        "{cliff:?}"
    );
    let text = pristine::demo::report(&outcome);
    assert!(text.contains("guest instructions / round"), "{text}");
}

/// `demo --json` prints exactly one JSON object per row on stdout.
#[test]
fn demo_json_prints_one_object_per_row() {
    expect_json_rows(Arch::X86_64);
}

/// The same with `--arch riscv64`.
#[test]
fn demo_json_prints_one_object_per_row_riscv64() {
    expect_json_rows(Arch::Riscv64);
}

/// `demo --json --arch ARCH` prints exactly one JSON object per row on stdout.
fn expect_json_rows(arch: Arch) {
    let output = pristine(&[
        "demo",
        "--json",
        "--arch",
        arch.name(),
        "--rounds",
        "2",
        "--size",
        "128K",
        "--dirty",
        "sw",
    ]);
    assert!(output.status.success(), "{}", shown(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let objects: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("{error} in {line:?}\n{}", shown(&output)))
        })
        .collect();
    let policies: Vec<&str> = objects
        .iter()
        .filter_map(|object| object["policy"].as_str())
        .collect();
    assert_eq!(
        policies,
        ["nocache", "alwayszero", "dirty"],
        "{}",
        shown(&output)
    );
    assert!(objects.iter().all(|object| object["kind"] == "demo-row"));
    assert!(objects.iter().all(|object| object["size"] == 131_072));
    assert!(objects.iter().all(|object| object["dirty"] == "sw"));
    assert!(
        objects
            .iter()
            .all(|object| object["zero_page_mappings"] == 0),
        "{}",
        shown(&output)
    );
}

/// `demo --json` on `arch` in a guest of `memory`: exits 0, and the rows at 100 MiB
/// show the contrast: always-zero runs out of frames in its second round
/// (re-zeroing the cache hit backs all 25,600 pages), while no cache and
/// dirty tracking run every round; dirty tracking zeroes nothing.
fn small_guest_demo_shows_out_of_memory(arch: Arch, memory: &str) {
    let rounds = 4;
    let output = pristine(&[
        "--arch",
        arch.name(),
        "--memory",
        memory,
        "--json",
        "demo",
        "--rounds",
        &rounds.to_string(),
    ]);
    assert!(output.status.success(), "{}", shown(&output));
    let rows: Vec<DemoRow> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("{error} in {line:?}\n{}", shown(&output)))
        })
        .collect();
    assert_eq!(rows.len(), 6, "{}", shown(&output));
    let row = |policy| {
        rows.iter()
            .find(|row| row.policy == policy && row.size == AllocationSize::HUNDRED_MIB)
            .unwrap_or_else(|| panic!("no {policy} row at 100 MiB\n{}", shown(&output)))
    };
    let always = row(Policy::AlwaysZero);
    let Some(out) = always.out_of_memory else {
        panic!("always-zero ran in {memory}: {always:?}");
    };
    assert_eq!(out.round, 2, "{always:?}");
    assert_eq!(out.frames_needed, 25_600, "{always:?}");
    assert!(out.frames_free < out.frames_needed, "{always:?}");
    let dirty = row(Policy::DirtyTracking);
    assert_eq!(
        (dirty.out_of_memory, dirty.pages_zeroed, dirty.cache_hits),
        (None, 0, rounds - 1),
        "{dirty:?}"
    );
    let nocache = row(Policy::NoCache);
    assert_eq!(nocache.out_of_memory, None, "{nocache:?}");
    assert!(
        rows.iter()
            .filter(|row| row.size == AllocationSize::THOUSAND_MIB)
            .all(|row| row.out_of_memory.is_none()),
        "{}",
        shown(&output)
    );
}

/// The demo in a 64 MiB guest.
#[test]
fn demo_in_64m_shows_out_of_memory_for_alwayszero_only() {
    small_guest_demo_shows_out_of_memory(Arch::X86_64, "64M");
}

/// The demo in a 33 MiB guest, about the smallest that boots with room.
#[test]
fn demo_in_33m_shows_out_of_memory_for_alwayszero_only() {
    small_guest_demo_shows_out_of_memory(Arch::X86_64, "33M");
}

/// The demo in a 33 MiB riscv64 guest.
#[test]
fn demo_in_33m_shows_out_of_memory_for_alwayszero_only_riscv64() {
    small_guest_demo_shows_out_of_memory(Arch::Riscv64, "33M");
}
