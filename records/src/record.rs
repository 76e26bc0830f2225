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
use crate::measure::{BenchBaseline, BenchPoint, DemoRow, Progress};

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
    use crate::{AllocationSize, Outcome, Written};
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
    fn every_kind() -> [Record; 8] {
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
                "bench-point",
                "bench-baseline"
            ]
        );
        let text = kernel_text(&every_kind()[5]);
        assert!(
            text.starts_with(
                r#"{"kind":"demo-row","policy":"alwayszero","dirty":"hw","size":104857600,"#
            ),
            "{text}"
        );
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
