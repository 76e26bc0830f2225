//! The benchmark sweep: cost per round against size and written fraction.
//!
//! `mode=bench policy=P dirty=D sizes=a,b,.. written=0,page,10,50,100 rounds=R`
//! measures, for each size and each written spec, one warm-up round and then
//! `R` rounds of `calloc` + write the first `k` pages + `free`, where `k` is
//! none (`0`), one page (`page`) or a percentage of the pages (at least one
//! page when above zero). The cache is drained and the counters reset before
//! each point, and the counters cover the measured rounds only. One
//! `bench-point` record per point; the host computes medians and plots.

use super::round::{abort, progress, size_label, timed_round};
use crate::cmdline::{CommandLine, dirty_name, policy_name};
use crate::console::{JsonNumbers, JsonString, emit_record};
use crate::memory::large;
use alloc::string::String;
use alloc::vec::Vec;
use pristine_allocator::PAGE_SIZE;

/// How many pages of an allocation a bench round writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// Exactly one page.
    OnePage,
    /// This percentage of the pages (0 to 100).
    Percent(u64),
}

impl Written {
    fn parse(text: &str) -> Option<Written> {
        match text {
            "page" => Some(Written::OnePage),
            number => number
                .parse()
                .ok()
                .filter(|p| *p <= 100)
                .map(Written::Percent),
        }
    }

    fn label(self) -> String {
        match self {
            Written::OnePage => "page".into(),
            Written::Percent(percent) => alloc::format!("{percent}"),
        }
    }

    /// Pages written out of `pages`: a percentage rounds down, but is at
    /// least one page when above zero.
    pub fn pages_of(self, pages: u64) -> u64 {
        match self {
            Written::OnePage => pages.min(1),
            Written::Percent(0) => 0,
            Written::Percent(percent) => (pages * percent / 100).max(1),
        }
    }
}

const DEFAULT_SIZES: [u64; 3] = [128 << 10, 100 << 20, 1 << 30];
const DEFAULT_WRITTEN: [Written; 3] =
    [Written::Percent(0), Written::OnePage, Written::Percent(100)];

/// Runs the sweep the command line describes and ends the machine.
pub fn run(command_line: &CommandLine) -> ! {
    let policy = command_line.policy().unwrap_or_else(|e| abort("bench", e));
    let dirty = command_line.dirty().unwrap_or_else(|e| abort("bench", e));
    let rounds = command_line
        .number("rounds", 5)
        .unwrap_or_else(|e| abort("bench", e))
        .max(1);
    let sizes = command_line
        .sizes(&DEFAULT_SIZES)
        .unwrap_or_else(|e| abort("bench", e));
    let written = command_line
        .list("written", "0, page or a percentage", Written::parse)
        .unwrap_or_else(|e| abort("bench", e))
        .unwrap_or_else(|| DEFAULT_WRITTEN.to_vec());
    let total = (sizes.len() * written.len()) as u64;
    let mut done = 0;
    for &size in &sizes {
        for &spec in &written {
            large::switch(policy, dirty).unwrap_or_else(|e| abort("switching policy", e));
            measure_point(size, spec, rounds);
            done += 1;
            let label = alloc::format!("{} {}", policy_name(policy), size_label(size));
            progress(&label, done, total);
        }
    }
    crate::arch::exit_success()
}

fn measure_point(size: u64, spec: Written, rounds: u64) {
    let pages = size.div_ceil(PAGE_SIZE);
    let written_pages = spec.pages_of(pages);
    let fail = |e| {
        abort(
            &alloc::format!("bench {size} {spec:?}"),
            alloc::format!("{e:?}"),
        )
    };
    timed_round(size, written_pages).unwrap_or_else(fail);
    large::with_engine(|engine| engine.reset_counters());
    let ticks: Vec<u64> = (0..rounds)
        .map(|_| timed_round(size, written_pages).unwrap_or_else(fail))
        .collect();
    let (stats, policy, dirty) =
        large::with_engine(|engine| (engine.stats(), engine.policy(), engine.dirty_strategy()));
    emit_record(format_args!(
        concat!(
            r#"{{"kind":"bench-point","policy":"{}","dirty":"{}","size":{},"pages":{},"#,
            r#""written":{},"written_pages":{},"rounds":{},"ticks":[{}],"#,
            r#""pages_zeroed":{},"faults":{},"cache_hits":{}}}"#
        ),
        policy_name(policy),
        dirty_name(dirty),
        size,
        pages,
        JsonString(&spec.label()),
        written_pages,
        rounds,
        JsonNumbers(&ticks),
        stats.pages_zeroed(),
        stats.faults(),
        stats.cache_hits
    ));
}
