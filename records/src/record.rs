//! One record, by its `"kind"`: the enum both ends of the serial line share.
//!
//! [`Record`] is an internally tagged enum: serialised, each variant is its
//! struct's fields plus `"kind"` (the variant's name in kebab case, so
//! `DemoRow` is `"demo-row"`). A kind this crate does not know reads as
//! [`Record::Other`], so an older runner still reads a newer kernel's lines;
//! fields a struct does not know are ignored for the same reason.

use pristine_allocator::CacheLimits;
use serde::{Deserialize, Serialize};

use crate::boot::{MemorySummary, TestList, TestResult};
use crate::breakdown::Breakdown;
use crate::measure::{BenchBaseline, BenchPoint, DemoRow, Progress};
use crate::stress::{StressSummary, StressViolation};

/// The exact text that starts every record line, space included.
pub const PREFIX: &str = "@@PRISTINE ";

/// Everything the kernel reports to the host, one variant per `"kind"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Record {
    /// `"memory"`: the memory summary of a normal boot.
    Memory(MemorySummary),
    /// `"test"`: the result of one kernel test.
    Test(TestResult),
    /// `"test-list"`: the names of every kernel test.
    TestList(TestList),
    /// `"cache-limits"`: the large-allocation cache's limits, printed at the
    /// start of the demo and the benchmark so the host judges sizes by the
    /// limits the kernel really ran with.
    CacheLimits(#[serde(with = "CacheLimitsFields")] CacheLimits),
    /// `"progress"`: how far a long experiment has got.
    Progress(Progress),
    /// `"demo-row"`: one (policy, size) of the seed's loop.
    DemoRow(DemoRow),
    /// `"bench-point"`: one measured point of a benchmark sweep.
    BenchPoint(BenchPoint),
    /// `"bench-baseline"`: one of the guest's reference costs.
    BenchBaseline(BenchBaseline),
    /// `"breakdown"`: a bench point's rounds, part by part (kernels built
    /// with the `breakdown` feature).
    Breakdown(Breakdown),
    /// `"stress-summary"`: what one setup of a stress run did.
    StressSummary(StressSummary),
    /// `"stress-violation"`: a stress check that failed.
    StressViolation(StressViolation),
    /// Any other kind, read but not understood. (Serialised it would be
    /// `{"kind":"other"}`; the kernel has no reason to print it.)
    #[serde(other)]
    Other,
}

/// The JSON fields of a `cache-limits` record: the allocator's
/// [`CacheLimits`], field for field (serde's remote derive checks the
/// names and types against the allocator's struct at compile time).
#[derive(Serialize, Deserialize)]
#[serde(remote = "CacheLimits")]
struct CacheLimitsFields {
    max_entries: u64,
    max_entry_bytes: u64,
    max_total_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        AllocationSize, OutOfMemory, Outcome, RoundParts, StressSummary, StressViolation, Written,
    };
    use alloc::string::String;
    use alloc::vec;
    use pristine_allocator::{DirtyStrategy, Policy};

    /// `record` as the kernel prints it (serde-json-core into a buffer).
    fn kernel_text(record: &Record) -> String {
        let mut buffer = [0u8; 1024];
        let length = serde_json_core::to_slice(record, &mut buffer).expect("fits");
        String::from(core::str::from_utf8(&buffer[..length]).expect("UTF-8"))
    }

    /// One record of every kind.
    fn every_kind() -> [Record; 12] {
        [
            Record::Memory(MemorySummary {
                usable_bytes: 535_166_976,
                total_frames: 130_656,
                free_frames: 130_000,
                used_frames: 656,
                heap_bytes: 1 << 20,
                memory_map_entries: 6,
            }),
            Record::Test(TestResult {
                name: "boot".into(),
                outcome: Outcome::Fail,
                detail: "said \"no\"\n".into(),
            }),
            Record::TestList(TestList {
                names: vec!["boot".into(), "heap_collections_work".into()],
            }),
            Record::CacheLimits(CacheLimits::LIBMALLOC_116),
            Record::Progress(Progress {
                label: "dirty 100 MiB".into(),
                done: 3,
                total: 20,
            }),
            Record::DemoRow(DemoRow {
                policy: Policy::AlwaysZero,
                dirty: DirtyStrategy::Hardware,
                size: AllocationSize::HUNDRED_MIB,
                rounds: 20,
                ticks_total: 900,
                ticks_first_round: 45,
                pages_zeroed: 512_000,
                faults: 0,
                cow_faults: 0,
                read_faults: 0,
                zero_page_mappings: 0,
                cache_hits: 19,
                cache_misses: 1,
                cache_bypasses: 0,
                out_of_memory: None,
            }),
            Record::DemoRow(DemoRow {
                policy: Policy::AlwaysZero,
                dirty: DirtyStrategy::Hardware,
                size: AllocationSize::HUNDRED_MIB,
                rounds: 20,
                ticks_total: 45,
                ticks_first_round: 45,
                pages_zeroed: 0,
                faults: 0,
                cow_faults: 0,
                read_faults: 0,
                zero_page_mappings: 0,
                cache_hits: 1,
                cache_misses: 1,
                cache_bypasses: 0,
                out_of_memory: Some(OutOfMemory {
                    round: 2,
                    frames_needed: 25_600,
                    frames_free: 14_000,
                }),
            }),
            Record::BenchPoint(BenchPoint {
                policy: Policy::DirtyTracking,
                dirty: DirtyStrategy::Software,
                size: AllocationSize::kib(128),
                pages: 32,
                written: Written::OnePage,
                written_pages: 1,
                rounds: 3,
                ticks: vec![5, 4, 6],
                pages_zeroed: 3,
                faults: 3,
                cache_hits: 3,
            }),
            Record::BenchBaseline(BenchBaseline {
                name: "cow_fault".into(),
                what: "one COW fault".into(),
                ticks: vec![900, 910],
            }),
            Record::Breakdown(Breakdown {
                policy: Policy::NoCache,
                dirty: DirtyStrategy::Hardware,
                size: AllocationSize::HUNDRED_MIB,
                written: Written::Percent(100),
                rounds: vec![RoundParts {
                    round: 29_000_000,
                    engine: 2_000_000,
                    page_tables: 1_500_000,
                    zeroing: 13_400_000,
                    tlb_flush: 51_200,
                    frames: 3_000_000,
                    program: 9_000_000,
                    stores: 128_000,
                }],
            }),
            Record::StressSummary(StressSummary {
                policy: Policy::DirtyTracking,
                dirty: DirtyStrategy::Software,
                seed: 1,
                first_op: 500,
                ops: 500,
                callocs: 150,
                mallocs: 100,
                reallocs: 100,
                frees: 160,
                heap_blocks: 200,
                cached_blocks: 140,
                bypass_blocks: 10,
                bytes_written: 1 << 20,
                bytes_checked: 3 << 20,
                pages_zeroed: 40,
                faults: 90,
                cache_hits: 70,
                cache_misses: 60,
                cache_bypasses: 10,
                cache_evictions: 2,
                peak_live_blocks: 48,
                peak_live_bytes: 96 << 20,
                ticks: 123_456,
            }),
            Record::StressViolation(StressViolation {
                seed: 1,
                op: 812,
                policy: Policy::AlwaysZero,
                dirty: DirtyStrategy::Hardware,
                operation: "free of block 17 (calloc, 3000 B)".into(),
                problem: "reads 0x5a where 0x00 is expected".into(),
                address: Some(0xffff_d000_0000_0010),
                offset: Some(16),
                expected: Some(0),
                found: Some(0x5a),
            }),
        ]
    }

    #[test]
    fn what_the_kernel_prints_the_host_reads_back() {
        for record in every_kind() {
            let text = kernel_text(&record);
            let back: Record = serde_json::from_str(&text).expect("the host reads it");
            assert_eq!(back, record, "{text}");
        }
    }

    #[test]
    fn records_lead_with_their_kind_in_kebab_case() {
        let kinds: vec::Vec<String> = every_kind()
            .iter()
            .map(|record| {
                let value: serde_json::Value =
                    serde_json::from_str(&kernel_text(record)).expect("JSON");
                String::from(value["kind"].as_str().expect("a string kind"))
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "memory",
                "test",
                "test-list",
                "cache-limits",
                "progress",
                "demo-row",
                "demo-row",
                "bench-point",
                "bench-baseline",
                "breakdown",
                "stress-summary",
                "stress-violation"
            ]
        );
        let text = kernel_text(&every_kind()[5]);
        assert!(
            text.starts_with(
                r#"{"kind":"demo-row","policy":"alwayszero","dirty":"hw","size":104857600,"#
            ),
            "{text}"
        );
        let out_of_memory = kernel_text(&every_kind()[6]);
        assert!(
            out_of_memory.ends_with(
                r#""out_of_memory":{"round":2,"frames_needed":25600,"frames_free":14000}}"#
            ),
            "{out_of_memory}"
        );
        assert!(text.ends_with(r#""out_of_memory":null}"#), "{text}");
    }

    #[test]
    fn a_demo_row_without_out_of_memory_reads_as_complete() {
        let older = r#"{"kind":"demo-row","policy":"dirty","dirty":"hw","size":131072,"rounds":1,"ticks_total":1,"ticks_first_round":1,"pages_zeroed":0,"faults":0,"cow_faults":0,"read_faults":0,"cache_hits":0,"cache_misses":1,"cache_bypasses":0}"#;
        let Record::DemoRow(row) = serde_json::from_str(older).expect("read") else {
            panic!("a demo row");
        };
        assert_eq!(row.out_of_memory, None);
    }

    #[test]
    fn limits_travel_as_the_allocator_names_them() {
        let text = kernel_text(&Record::CacheLimits(CacheLimits::LIBMALLOC_116));
        assert_eq!(
            text,
            r#"{"kind":"cache-limits","max_entries":16,"max_entry_bytes":134217728,"max_total_bytes":2147483648}"#
        );
    }

    #[test]
    fn unknown_kinds_read_as_other_and_known_kinds_need_their_fields() {
        let other: Record =
            serde_json::from_str(r#"{"kind":"phase-cost","cycles":12}"#).expect("read");
        assert_eq!(other, Record::Other);
        let short = serde_json::from_str::<Record>(r#"{"kind":"demo-row","policy":"dirty"}"#);
        assert!(short.is_err());
        let bad_policy = r#"{"kind":"bench-point","policy":"lru","dirty":"hw","size":1,"pages":1,"written":"0","written_pages":0,"rounds":1,"ticks":[1],"pages_zeroed":0,"faults":0,"cache_hits":0}"#;
        let error = serde_json::from_str::<Record>(bad_policy).expect_err("lru is no policy");
        assert!(
            alloc::format!("{error}").contains("expected nocache, alwayszero or dirty"),
            "{error}"
        );
        let extra: Record = serde_json::from_str(
            r#"{"kind":"test","name":"a","outcome":"pass","detail":"","ms":3}"#,
        )
        .expect("extra fields are ignored");
        assert!(matches!(extra, Record::Test(_)));
    }

    #[test]
    fn other_round_trips_as_other() {
        let text = kernel_text(&Record::Other);
        assert_eq!(text, r#"{"kind":"other"}"#);
        assert_eq!(
            serde_json::from_str::<Record>(&text).expect("read"),
            Record::Other
        );
    }
}
