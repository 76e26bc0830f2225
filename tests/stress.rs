//! End-to-end tests of `cargo run -- stress`, the kernel's seeded stress test.
//!
//! Both run the `pristine` binary as a user would, with `--json` so the
//! kernel's records can be read back: a bounded run under every setup must
//! pass and must have exercised heap, cached and bypassing blocks (on
//! x86_64 and on riscv64); and the
//! same run with one byte flipped on purpose (`stress-inject=K`, a kernel
//! word for tests) must fail, naming the seed and the operation, to show the
//! checker can fail at all.

use std::process::{Command, Output};

use pristine_allocator::Policy;
use pristine_records::{StressSummary, StressViolation};
use serde::de::DeserializeOwned;

/// The bounded run: 2,000 operations, 500 per setup.
const BOUNDED: [&str; 6] = ["--json", "stress", "--seed", "1", "--ops", "2000"];

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

/// The JSON objects of `kind` on stdout, read as `T`.
fn records<T: DeserializeOwned>(output: &Output, kind: &str) -> Vec<T> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("{error} in {line:?}\n{}", shown(output)));
            (value["kind"] == kind).then(|| {
                serde_json::from_value(value)
                    .unwrap_or_else(|error| panic!("{error} in {line:?}\n{}", shown(output)))
            })
        })
        .collect()
}

/// `stress --seed 1 --ops 2000` passes under all four setups, each running
/// its 500 operations over heap, cached and bypassing blocks with bytes
/// checked; the caches are used, and the always-zero cache zeroes pages.
#[test]
fn bounded_stress_run_passes_under_every_setup() {
    expect_bounded_run_passes(&[]);
}

/// The same bounded run on riscv64.
#[test]
fn bounded_stress_run_passes_under_every_setup_riscv64() {
    expect_bounded_run_passes(&["--arch", "riscv64"]);
}

/// Runs the bounded stress run with `extra` arguments and checks it as
/// [`bounded_stress_run_passes_under_every_setup`] describes.
fn expect_bounded_run_passes(extra: &[&str]) {
    let mut args = BOUNDED.to_vec();
    args.extend(extra);
    let output = pristine(&args);
    assert!(output.status.success(), "{}", shown(&output));
    let summaries: Vec<StressSummary> = records(&output, "stress-summary");
    let setups: Vec<String> = summaries
        .iter()
        .map(|s| format!("{}/{}", s.policy, s.dirty))
        .collect();
    assert_eq!(
        setups,
        ["nocache/hw", "alwayszero/hw", "dirty/hw", "dirty/sw"],
        "{}",
        shown(&output)
    );
    for summary in &summaries {
        assert_eq!(summary.ops, 500, "{summary:?}");
        assert!(summary.bytes_checked > 0, "{summary:?}");
        assert!(
            summary.heap_blocks > 0 && summary.cached_blocks > 0 && summary.bypass_blocks > 0,
            "all three kinds of block: {summary:?}"
        );
        assert_eq!(
            summary.frees,
            summary.callocs + summary.mallocs,
            "every block freed once: {summary:?}"
        );
        let caches = summary.policy != Policy::NoCache;
        assert_eq!(summary.cache_hits > 0, caches, "{summary:?}");
    }
    assert!(summaries[1].pages_zeroed > summaries[2].pages_zeroed);
}

/// With one byte flipped behind the checker's back after operation 700,
/// the run fails: the kernel reports a violation at that operation or
/// later, with the seed, and the runner exits non-zero saying so.
#[test]
fn stress_checker_catches_a_flipped_byte() {
    let mut args = BOUNDED.to_vec();
    args.extend(["--append", "stress-inject=700"]);
    let output = pristine(&args);
    assert!(!output.status.success(), "{}", shown(&output));
    let violations: Vec<StressViolation> = records(&output, "stress-violation");
    let [violation] = violations.as_slice() else {
        panic!("expected one violation\n{}", shown(&output));
    };
    assert_eq!(violation.seed, 1, "{violation:?}");
    assert!(violation.op >= 700, "{violation:?}");
    assert_eq!(
        violation.found.zip(violation.expected).map(|(f, e)| f ^ e),
        Some(0xff),
        "every bit of the byte was flipped: {violation:?}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said = format!("stress check failed at operation {} (seed 1,", violation.op);
    assert!(stderr.contains(&said), "{}", shown(&output));
    assert!(
        stderr.contains("repeat it: cargo run --release -- stress --seed 1 --ops 2000"),
        "{}",
        shown(&output)
    );
}
