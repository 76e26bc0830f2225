//! Serial lines as people read them.
//!
//! On the terminal, log lines appear exactly as the kernel wrote them, and
//! machine-readable lines are turned into short sentences: the memory summary
//! becomes `usable RAM: 510.6 MiB, free frames: ...`, a test result becomes
//! `test boot ... pass`. The measuring kinds of the demo and the benchmark
//! get one line each here too (the demo's table lives in [`crate::demo`],
//! the benchmark's reports in the `pristine-bench` crate). Kinds this runner does not know yet are shown as their
//! kind and JSON, so nothing the kernel says is hidden.

use pristine_allocator::CacheLimits;
use pristine_records::{
    AllocationSize, BenchBaseline, BenchPoint, Breakdown, DemoRow, MemorySummary, Outcome,
    Progress, Record, TestList, TestResult,
};

use crate::experiment::Setup;
use crate::protocol::SerialLine;
use crate::stats::median;

/// Bytes in one 4 KiB frame, the unit of the frame allocator's counts.
const FRAME_BYTES: u64 = 4096;

/// The text to show for `line` on a terminal.
pub fn human_line(line: &SerialLine) -> String {
    match line {
        SerialLine::Log(text) => text.clone(),
        SerialLine::Machine(machine) => match &machine.record {
            Record::Memory(summary) => memory_summary(summary),
            Record::Test(result) => test_result(result),
            Record::TestList(list) => test_list(list),
            Record::CacheLimits(limits) => cache_limits(limits),
            Record::Progress(progress) => progress_line(progress),
            Record::DemoRow(row) => demo_row(row),
            Record::BenchPoint(point) => bench_point(point),
            Record::BenchBaseline(baseline) => bench_baseline(baseline),
            Record::Breakdown(breakdown) => breakdown_line(breakdown),
            Record::StressSummary(summary) => crate::stress::summary_line(summary),
            Record::StressViolation(violation) => crate::stress::violation_text(violation),
            Record::Other => format!("[{}] {}", machine.kind(), machine.json),
        },
        SerialLine::Malformed(malformed) => {
            format!(
                "{}  [unreadable machine line: {}]",
                malformed.text, malformed.error
            )
        }
    }
}

/// `usable RAM: 510.6 MiB, free frames: 130,000 (507.8 MiB), ...`
pub fn memory_summary(summary: &MemorySummary) -> String {
    format!(
        "usable RAM: {}, free frames: {} ({}), used frames: {} ({}), heap: {}, \
         memory map entries: {}",
        mebibytes(summary.usable_bytes),
        grouped(summary.free_frames),
        mebibytes(summary.free_frames.saturating_mul(FRAME_BYTES)),
        grouped(summary.used_frames),
        mebibytes(summary.used_frames.saturating_mul(FRAME_BYTES)),
        mebibytes(summary.heap_bytes),
        summary.memory_map_entries,
    )
}

/// `test boot ... pass` or `test boot ... FAIL: detail`.
pub fn test_result(result: &TestResult) -> String {
    let detail = |separator: &str| {
        if result.detail.is_empty() {
            String::new()
        } else {
            format!("{separator}{}", result.detail)
        }
    };
    match result.outcome {
        Outcome::Pass => format!("test {} ... pass{}", result.name, detail(": ")),
        Outcome::Fail => format!("test {} ... FAIL{}", result.name, detail(": ")),
    }
}

/// `kernel tests (2): boot, heap_collections_work`
pub fn test_list(list: &TestList) -> String {
    format!(
        "kernel tests ({}): {}",
        list.names.len(),
        list.names.join(", ")
    )
}

/// `cache limits: 16 entries, each under 128 MiB, 2 GiB in all`
pub fn cache_limits(limits: &CacheLimits) -> String {
    let bytes = |bytes: u64| {
        AllocationSize::new(bytes).map_or_else(|_| "0 B".to_owned(), |size| size.to_string())
    };
    format!(
        "cache limits: {} entries, each under {}, {} in all",
        grouped(limits.max_entries),
        bytes(limits.max_entry_bytes),
        bytes(limits.max_total_bytes)
    )
}

/// `progress: dirty 100 MiB 3/20`
pub fn progress_line(progress: &Progress) -> String {
    format!(
        "progress: {} {}/{}",
        progress.label, progress.done, progress.total
    )
}

/// `demo row: alwayszero 100 MiB x 20 rounds: 9,000 ticks, 512,000 pages
/// zeroed, 0 faults, 19 cache hits`
pub fn demo_row(row: &DemoRow) -> String {
    if let Some(out) = &row.out_of_memory {
        return format!(
            "demo row: {} {}: out of memory in round {} of {}: {} frames needed, {} free",
            Setup::from(row),
            row.size,
            out.round,
            row.rounds,
            grouped(out.frames_needed),
            grouped(out.frames_free),
        );
    }
    format!(
        "demo row: {} {} x {} rounds: {} ticks, {} pages zeroed, {} faults, {} cache hits",
        Setup::from(row),
        row.size,
        row.rounds,
        grouped(row.ticks_total),
        grouped(row.pages_zeroed),
        grouped(row.faults),
        grouped(row.cache_hits),
    )
}

/// `breakdown: dirty/hw 100 MiB written 100: 3 rounds`, with the first
/// round's largest parts.
pub fn breakdown_line(breakdown: &Breakdown) -> String {
    let setup = Setup::new(breakdown.policy, breakdown.dirty);
    let first = breakdown.rounds.first().copied().unwrap_or_default();
    format!(
        "breakdown: {setup} {} written {}: {} rounds; first round {} instructions, \
         zeroing {}, page tables {}, engine {}, fault entry and exit {}",
        breakdown.size,
        breakdown.written,
        breakdown.rounds.len(),
        grouped(first.round),
        grouped(first.zeroing),
        grouped(first.page_tables),
        grouped(first.engine),
        grouped(first.fault_entry_exit()),
    )
}

/// `bench point: dirty/hw 100 MiB written 10 (2,560 pages): median 1,234
/// ticks over 5 rounds, 12,800 pages zeroed, 0 faults, 5 cache hits`
pub fn bench_point(point: &BenchPoint) -> String {
    format!(
        "bench point: {} {} written {} ({} pages): median {} ticks over {} rounds, \
         {} pages zeroed, {} faults, {} cache hits",
        Setup::from(point),
        point.size,
        point.written,
        grouped(point.written_pages),
        median_text(&point.ticks),
        point.rounds,
        grouped(point.pages_zeroed),
        grouped(point.faults),
        grouped(point.cache_hits),
    )
}

/// `baseline cow_fault: median 1,234 ticks over 9 samples (one COW fault)`
pub fn bench_baseline(baseline: &BenchBaseline) -> String {
    format!(
        "baseline {}: median {} ticks over {} samples ({})",
        baseline.name,
        median_text(&baseline.ticks),
        baseline.ticks.len(),
        baseline.what,
    )
}

/// The grouped median of `ticks`, or `n/a` for none.
fn median_text(ticks: &[u64]) -> String {
    median(ticks).map_or_else(|| "n/a".to_owned(), grouped)
}

/// `bytes` in MiB with one decimal: `510.6 MiB`.
pub fn mebibytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

/// `x` for people: grouped when large (`15,000`), two decimals when small
/// (`1.25`), `inf` when infinite.
pub fn number(x: f64) -> String {
    if x.is_infinite() {
        "inf".to_owned()
    } else if x.abs() >= 100.0 {
        let rounded = grouped(x.abs().round() as u64);
        if x < 0.0 {
            format!("-{rounded}")
        } else {
            rounded
        }
    } else {
        format!("{x:.2}")
    }
}

/// `n` with thousands separators: `130,656`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::parse_line;

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(1.254), "1.25");
        assert_eq!(number(15_000.4), "15,000");
        assert_eq!(number(-1234.0), "-1,234");
        assert_eq!(number(f64::INFINITY), "inf");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(130_656), "130,656");
        assert_eq!(grouped(12_345_678), "12,345,678");
    }

    #[test]
    fn memory_summary_reads_like_a_sentence() {
        let line = parse_line(
            r#"@@PRISTINE {"kind":"memory","usable_bytes":535403520,"total_frames":130000,"free_frames":129000,"used_frames":1000,"heap_bytes":1048576,"memory_map_entries":6}"#,
        );
        assert_eq!(
            human_line(&line),
            "usable RAM: 510.6 MiB, free frames: 129,000 (503.9 MiB), used frames: 1,000 \
             (3.9 MiB), heap: 1.0 MiB, memory map entries: 6"
        );
    }

    #[test]
    fn test_results_show_outcome_and_detail() {
        let pass = parse_line(r#"@@PRISTINE {"kind":"test","name":"boot","outcome":"pass"}"#);
        assert_eq!(human_line(&pass), "test boot ... pass");
        let fail = parse_line(
            r#"@@PRISTINE {"kind":"test","name":"x","outcome":"fail","detail":"cr2 was 0"}"#,
        );
        assert_eq!(human_line(&fail), "test x ... FAIL: cr2 was 0");
    }

    #[test]
    fn measuring_records_read_like_sentences() {
        let progress = parse_line(
            r#"@@PRISTINE {"kind":"progress","label":"dirty 100 MiB","done":3,"total":20}"#,
        );
        assert_eq!(human_line(&progress), "progress: dirty 100 MiB 3/20");
        let limits = parse_line(
            r#"@@PRISTINE {"kind":"cache-limits","max_entries":16,"max_entry_bytes":134217728,"max_total_bytes":2147483648}"#,
        );
        assert_eq!(
            human_line(&limits),
            "cache limits: 16 entries, each under 128 MiB, 2 GiB in all"
        );
        let point = parse_line(
            r#"@@PRISTINE {"kind":"bench-point","policy":"dirty","dirty":"hw","size":104857600,"pages":25600,"written":"10","written_pages":2560,"rounds":3,"ticks":[30,10,20],"pages_zeroed":7680,"faults":0,"cache_hits":3}"#,
        );
        assert_eq!(
            human_line(&point),
            "bench point: dirty/hw 100 MiB written 10 (2,560 pages): median 20 ticks over 3 \
             rounds, 7,680 pages zeroed, 0 faults, 3 cache hits"
        );
        let baseline = parse_line(
            r#"@@PRISTINE {"kind":"bench-baseline","name":"cow_fault","ticks":[],"what":"one COW fault"}"#,
        );
        assert_eq!(
            human_line(&baseline),
            "baseline cow_fault: median n/a ticks over 0 samples (one COW fault)"
        );
    }

    #[test]
    fn other_lines_stay_visible() {
        assert_eq!(human_line(&parse_line("[INFO ] hi")), "[INFO ] hi");
        let other = parse_line(r#"@@PRISTINE {"kind":"phase","done":3}"#);
        assert_eq!(human_line(&other), r#"[phase] {"kind":"phase","done":3}"#);
        let junk = human_line(&parse_line(r#"@@PRISTINE {"ki"#));
        assert!(junk.starts_with(r#"@@PRISTINE {"ki  [unreadable machine line: not valid JSON"#));
    }
}
