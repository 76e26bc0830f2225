//! The records of a boot and of a kernel test: memory summary, results, list.
//!
//! A normal boot prints one [`MemorySummary`]. A boot with `test=NAME` runs
//! one kernel test and prints its [`TestResult`]; `test=list` prints the
//! [`TestList`]. The host decides a test passed only when its result says
//! [`Outcome::Pass`] *and* the guest exits with success.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The kernel's memory summary after a normal boot (kind `"memory"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemorySummary {
    /// Bytes of usable RAM the memory map reported.
    pub usable_bytes: u64,
    /// 4 KiB frames the frame allocator manages.
    pub total_frames: u64,
    /// Frames free after boot.
    pub free_frames: u64,
    /// Frames in use after boot.
    pub used_frames: u64,
    /// Bytes mapped for the kernel heap.
    pub heap_bytes: u64,
    /// Entries in the firmware memory map.
    pub memory_map_entries: u64,
}

/// One kernel test's result (kind `"test"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// The test's name, as in `test=NAME`.
    pub name: String,
    /// Pass or fail.
    pub outcome: Outcome,
    /// The kernel's explanation; may be empty (and may be left out).
    #[serde(default)]
    pub detail: String,
}

/// Whether a kernel test passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The test passed.
    Pass,
    /// The test failed.
    Fail,
}

/// The kernel's list of tests (kind `"test-list"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestList {
    /// Every test name, in the kernel's order.
    pub names: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_without_detail_reads_as_an_empty_detail() {
        let result: TestResult =
            serde_json::from_str(r#"{"name":"x","outcome":"fail"}"#).expect("read");
        assert_eq!(
            (result.outcome, result.detail.as_str()),
            (Outcome::Fail, "")
        );
        assert!(serde_json::from_str::<TestResult>(r#"{"name":"x","outcome":"maybe"}"#).is_err());
    }
}
