//! `--breakdown`: where the instructions of a round go, per policy, at 100 MiB.
//!
//! Builds the kernel with its `breakdown` feature (into its own target
//! directory: `kernel/src/breakdown.rs` says what is counted where), boots
//! it under `-icount` once per setup with `mode=bench` at 100 MiB for each
//! written share in [`WRITTEN`], and takes each point's round with the
//! median total. Its parts are guest instructions counted by the guest's
//! timestamp around each part (one tick per instruction under `-icount`);
//! only "fault entry and exit" is a difference, of two measured loops.
//! Writes `breakdown.csv` and a stacked-bar plot (`breakdown.svg`, `.png`,
//! see `breakdown_plot.rs`), and prints the table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pristine::SerialLine;
use pristine::Setup;
use pristine::qemu::Machine;
use pristine::render::grouped;
use pristine::run::{RunConfig, RunError, RunOutcome};
use pristine_records::{AllocationSize, Record, RoundParts, Written};

use crate::error::BenchError;
use crate::output::{create_dir, write_error};
use crate::plan::SETUPS;

/// The written shares the breakdown measures at 100 MiB.
pub const WRITTEN: [Written; 2] = [Written::Percent(10), Written::Percent(100)];

/// Measured rounds per point (after the warm-up round).
const ROUNDS: u64 = 3;

/// How to read one part from a round.
pub type ReadPart = fn(&RoundParts) -> u64;

/// The parts of a round, in the order of the table and the stacks: a name
/// and how to read it from a round.
pub const PARTS: [(&str, ReadPart); 7] = [
    ("zeroing", |parts| parts.zeroing),
    ("page tables", |parts| parts.page_tables),
    ("TLB flushes", |parts| parts.tlb_flush),
    ("frames", |parts| parts.frames),
    ("engine (cache bookkeeping)", |parts| parts.engine),
    ("fault entry and exit", RoundParts::fault_entry_exit),
    ("program stores", |parts| parts.stores),
];

/// One setup at one written share: its median round, part by part.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakdownRow {
    /// The policy setup.
    pub setup: Setup,
    /// The written share.
    pub written: Written,
    /// The round with the median total.
    pub parts: RoundParts,
}

impl BreakdownRow {
    /// The parts' sum: the round less the little the parts do not cover
    /// (the round's own timestamps, the calls into the allocator).
    pub fn accounted(&self) -> u64 {
        PARTS.iter().map(|(_, part)| part(&self.parts)).sum()
    }
}

/// How to boot one guest (the real QEMU, or a stand-in in tests).
pub type Boot<'a> =
    dyn Fn(&RunConfig, &mut dyn FnMut(&SerialLine)) -> Result<RunOutcome, RunError> + 'a;

/// Boots `machine` (a `breakdown` kernel) for every setup and returns the
/// rows, setups in [`SETUPS`] order, each with every share of [`WRITTEN`].
pub fn measure(machine: &Machine, boot: &Boot<'_>) -> Result<Vec<BreakdownRow>, BenchError> {
    let mut rows = Vec::new();
    for setup in SETUPS {
        let mut machine = machine.clone();
        let written: Vec<String> = WRITTEN.iter().map(ToString::to_string).collect();
        let mut cmdline = pristine::cmdline::KernelCmdline::default();
        let label = format!("breakdown {setup}");
        let words = [
            ("mode", "bench".to_owned()),
            ("policy", setup.policy.name().to_owned()),
            ("dirty", setup.dirty.name().to_owned()),
            ("sizes", AllocationSize::HUNDRED_MIB.bytes().to_string()),
            ("written", written.join(",")),
            ("rounds", ROUNDS.to_string()),
        ];
        for (key, value) in words {
            cmdline.set(key, &value)?;
        }
        cmdline.append_user(&machine.cmdline.to_string())?;
        machine.cmdline = cmdline;
        machine.icount = true;
        let config = RunConfig {
            machine,
            timeout: Duration::from_secs(600),
        };
        let outcome = boot(&config, &mut |_| {}).map_err(|error| BenchError::Boot {
            label: label.clone(),
            error: Box::new(error),
        })?;
        for record in outcome.records() {
            if let Record::Breakdown(breakdown) = record {
                let mut rounds = breakdown.rounds.clone();
                rounds.sort_by_key(|round| round.round);
                let Some(&median) = rounds.get(rounds.len() / 2) else {
                    continue;
                };
                rows.push(BreakdownRow {
                    setup: Setup::new(breakdown.policy, breakdown.dirty),
                    written: breakdown.written,
                    parts: median,
                });
            }
        }
    }
    let expected = SETUPS.len() * WRITTEN.len();
    if rows.len() != expected {
        return Err(BenchError::Lost {
            label: format!(
                "breakdown records: {} of {expected} (is the kernel built with `breakdown`?)",
                rows.len()
            ),
        });
    }
    Ok(rows)
}

/// The table, as text: one line per row, a column per part.
pub fn table(rows: &[BreakdownRow]) -> String {
    let mut text = format!(
        "Where the instructions go at {}, median round, guest instructions\n",
        AllocationSize::HUNDRED_MIB
    );
    let _ = write!(text, "{:<10} {:>7} {:>12}", "setup", "written", "round");
    for (name, _) in PARTS {
        let _ = write!(text, " {:>width$}", name, width = name.len().max(11));
    }
    text.push('\n');
    for row in rows {
        let _ = write!(
            text,
            "{:<10} {:>7} {:>12}",
            row.setup.to_string(),
            format!("{} %", row.written),
            grouped(row.parts.round)
        );
        for (name, part) in PARTS {
            let width = name.len().max(11);
            let _ = write!(text, " {:>width$}", grouped(part(&row.parts)));
        }
        text.push('\n');
    }
    text
}

/// Writes `breakdown.csv`, `breakdown.svg` and `breakdown.png` into `dir`.
pub fn write_files(dir: &Path, rows: &[BreakdownRow]) -> Result<Vec<PathBuf>, BenchError> {
    create_dir(dir)?;
    let csv = dir.join("breakdown.csv");
    let mut text = String::from("setup,written,round,accounted");
    for (name, _) in PARTS {
        let _ = write!(text, ",{}", name.replace(' ', "_"));
    }
    text.push('\n');
    for row in rows {
        let _ = write!(
            text,
            "{},{},{},{}",
            row.setup,
            row.written,
            row.parts.round,
            row.accounted()
        );
        for (_, part) in PARTS {
            let _ = write!(text, ",{}", part(&row.parts));
        }
        text.push('\n');
    }
    std::fs::write(&csv, text).map_err(|error| write_error(&csv, error))?;
    let mut paths = vec![csv];
    paths.extend(crate::breakdown_plot::write_plot(dir, rows)?);
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn row(setup: Setup, round: u64) -> BreakdownRow {
        BreakdownRow {
            setup,
            written: Written::Percent(100),
            parts: RoundParts {
                round,
                engine: 10,
                page_tables: 20,
                zeroing: 500,
                tlb_flush: 1,
                frames: 5,
                program: 100,
                stores: 4,
            },
        }
    }

    #[test]
    fn parts_add_up_with_fault_entry_and_exit_by_difference() {
        let row = row(SETUPS[0], 700);
        assert_eq!(row.accounted(), 500 + 20 + 1 + 5 + 10 + 96 + 4);
    }

    #[test]
    fn the_table_names_every_part_and_groups_digits() {
        let text = table(&[row(SETUPS[2], 1_234_567)]);
        assert!(text.contains("fault entry and exit"), "{text}");
        assert!(text.contains("dirty/hw     100 %    1,234,567"), "{text}");
    }

    #[test]
    fn files_are_written() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let rows: Vec<_> = SETUPS.iter().map(|&setup| row(setup, 700)).collect();
        let paths = write_files(dir.path(), &rows).expect("written");
        assert_eq!(paths.len(), 3);
        let csv = std::fs::read_to_string(dir.path().join("breakdown.csv")).expect("read");
        assert!(csv.starts_with("setup,written,round,accounted,zeroing,page_tables"));
        assert!(
            csv.contains("\nnocache,100,700,636,500,20,1,5,10,96,4\n"),
            "{csv}"
        );
    }
}
