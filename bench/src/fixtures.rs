//! Test fixtures: canned benchmark records and a stand-in kernel.
//!
//! The benchmark's logic (planning, collecting, judging, writing files and
//! plots) does not need QEMU to be tested. [`fake_boot`] plays the kernel's
//! side of the protocol: it reads the command line the runner built and
//! prints the `cache-limits`, `bench-point` or `bench-baseline` records a
//! kernel with the allocator's default limits and a simple, made-up cost
//! model would print, so a whole `bench` can run in a unit test in
//! milliseconds.

use std::time::Duration;

use pristine::exit::GuestExit;
use pristine::protocol::{SerialLine, parse_line};
use pristine::qemu::QemuCommand;
use pristine::run::{RunConfig, RunError, RunOutcome};
use pristine::{Clock, Setup};
use pristine_allocator::{CacheLimits, PageCount, Policy};
use pristine_records::{AllocationSize, BenchBaseline, BenchPoint, PREFIX, Record, Written};

use crate::plan::SETUPS;
use crate::results::{BenchResults, GuestBaseline, MeasuredPoint};

/// A measured `-icount` point of `setup` whose every round cost `ticks`.
pub fn measured(setup: Setup, size: AllocationSize, written: Written, ticks: u64) -> MeasuredPoint {
    let pages = size.pages();
    MeasuredPoint::new(
        Clock::Instructions,
        BenchPoint {
            policy: setup.policy,
            dirty: setup.dirty,
            size,
            pages,
            written,
            written_pages: written.pages_of(pages),
            rounds: 3,
            ticks: vec![ticks; 3],
            pages_zeroed: 0,
            faults: 0,
            cache_hits: 3,
        },
    )
}

/// Results with untouched points at `sizes` and every written and read
/// spec at 100 MiB, for every setup, with made-up costs.
pub fn sweep_results(sizes: &[AllocationSize]) -> BenchResults {
    let mut points = Vec::new();
    for (setup, base) in SETUPS.into_iter().zip([400, 20_000, 700, 710]) {
        for &size in sizes {
            points.push(measured(
                setup,
                size,
                Written::Nothing,
                base * size.pages() / 32,
            ));
        }
        for written in Written::SWEEP.into_iter().chain(Written::READS) {
            let pages = written.pages_of(25_600);
            points.push(measured(
                setup,
                AllocationSize::HUNDRED_MIB,
                written,
                base + pages * 600,
            ));
        }
    }
    BenchResults {
        points,
        ..BenchResults::default()
    }
}

/// A guest baseline `name` whose every sample cost `ticks`, under `-icount`.
pub fn baseline(name: &str, ticks: u64) -> GuestBaseline {
    GuestBaseline::new(
        Clock::Instructions,
        BenchBaseline {
            name: name.to_owned(),
            ticks: vec![ticks; 5],
            what: format!("{name} for a test"),
        },
    )
}

/// The value of `key=` on a command line.
fn word<'a>(cmdline: &'a str, key: &str) -> Option<&'a str> {
    cmdline
        .split_whitespace()
        .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
}

/// Whether the fake kernel's cache takes a block of `size`.
fn cached(size: AllocationSize) -> bool {
    CacheLimits::default().admits(PageCount(size.pages()))
}

/// A made-up cost of one round, in guest instructions.
fn round_cost(setup: Setup, size: AllocationSize, written_pages: u64) -> u64 {
    let cached = cached(size);
    match setup.policy {
        Policy::AlwaysZero if cached => 1_000 + size.pages() * 1_000 + written_pages * 300,
        Policy::DirtyTracking if cached => 1_000 + written_pages * 1_100,
        _ => 1_000 + size.pages() / 1_000 + written_pages * 4_000,
    }
}

/// The `cache-limits` line and the `bench-point` lines of a `mode=bench`
/// command line.
fn bench_lines(cmdline: &str, noisy: bool) -> Vec<String> {
    let setup = Setup::new(
        word(cmdline, "policy")
            .and_then(|name| name.parse().ok())
            .unwrap_or(Policy::DirtyTracking),
        word(cmdline, "dirty")
            .and_then(|name| name.parse().ok())
            .unwrap_or(pristine_allocator::DirtyStrategy::Hardware),
    );
    let rounds: u64 = word(cmdline, "rounds")
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let sizes = word(cmdline, "sizes").unwrap_or_default().split(',');
    let mut lines = vec![record_line(&Record::CacheLimits(CacheLimits::default()))];
    for size in sizes.filter_map(|s| s.parse::<AllocationSize>().ok()) {
        for written in word(cmdline, "written").unwrap_or("0").split(',') {
            let Ok(written) = written.parse::<Written>() else {
                continue;
            };
            let written_pages = written.pages_of(size.pages());
            let (cost, faults_per_round) = match written {
                // One fault per 2 MiB with the large zero page, one per
                // page with the 4 KiB one.
                Written::ReadUntouched => (1_000 + size.pages() * 10, size.pages() / 512),
                Written::ReadUntouchedSmallZero => (1_000 + size.pages() * 1_000, size.pages()),
                _ => (round_cost(setup, size, written_pages), written_pages),
            };
            let ticks: Vec<u64> = (0..rounds)
                .map(|r| if noisy { cost * 3 + r * 7 } else { cost })
                .collect();
            let point = BenchPoint {
                policy: setup.policy,
                dirty: setup.dirty,
                size,
                pages: size.pages(),
                written,
                written_pages,
                rounds,
                ticks,
                pages_zeroed: rounds * written_pages,
                faults: rounds * faults_per_round,
                cache_hits: if cached(size) && setup.policy != Policy::NoCache {
                    rounds
                } else {
                    0
                },
            };
            lines.push(record_line(&Record::BenchPoint(point)));
        }
    }
    lines
}

/// The `bench-baseline` lines of `mode=baseline`.
fn baseline_lines() -> Vec<String> {
    [
        ("clear_100mib", 25_600_000),
        ("cow_fault", 4_000),
        ("frame_alloc_free", 150),
        ("duplicate_100mib_10pct", 1_000_000),
        ("copy_100mib", 30_000_000),
        ("clear_page_stosq", 900),
    ]
    .into_iter()
    .map(|(name, ticks)| {
        let baseline = BenchBaseline {
            name: name.into(),
            ticks: vec![ticks; 5],
            what: name.into(),
        };
        record_line(&Record::BenchBaseline(baseline))
    })
    .collect()
}

/// `record` as the kernel prints it: `@@PRISTINE {"kind":...}`.
fn record_line(record: &Record) -> String {
    let json = serde_json::to_string(record).unwrap_or_default();
    format!("{PREFIX}{json}")
}

/// Plays the kernel for `config`: prints what `mode=bench` or
/// `mode=baseline` would, then exits with success; any other mode prints a
/// banner only, like a kernel that does not know the mode.
pub fn fake_boot(
    config: &RunConfig,
    on_line: &mut dyn FnMut(&SerialLine),
) -> Result<RunOutcome, RunError> {
    let cmdline = config.machine.cmdline.to_string();
    let mut texts = vec!["[INFO ] Pristine (fake) booting".to_owned()];
    match word(&cmdline, "mode") {
        Some("bench") => texts.extend(bench_lines(&cmdline, !config.machine.icount)),
        Some("baseline") => texts.extend(baseline_lines()),
        _ => {}
    }
    let lines: Vec<SerialLine> = texts.iter().map(|text| parse_line(text)).collect();
    lines.iter().for_each(&mut *on_line);
    Ok(RunOutcome {
        command: QemuCommand::new("fake-qemu", &config.machine),
        exit: GuestExit::Success,
        lines,
        qemu_stderr: String::new(),
        elapsed: Duration::from_millis(1),
    })
}
