//! End-to-end test of `cargo bench -p pristine-bench -- --check`.
//!
//! Boots the real kernel in QEMU (TCG, `-icount`) in its `mode=bench` and
//! `mode=baseline` for the quick sweep, exactly as the bench target does,
//! and checks what comes out: every file and both plots, ten targets all
//! judged (none n/a), and every one of them passing. A target that misses
//! fails this test, with the summary in the message.

use std::path::Path;

use pristine_bench::{BenchArgs, CliError, execute_args};

/// The quick sweep with `--check`, its files written into `dir`.
#[test]
fn check_writes_every_file_and_every_target_passes() {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("no temporary directory: {error}"));
    let args = BenchArgs {
        check: true,
        bench: true,
        out: Some(dir.path().to_owned()),
        json: true,
        ..BenchArgs::default()
    };
    let result = execute_args(&args);
    if let Err(error @ (CliError::Qemu(_) | CliError::Build(_) | CliError::Bench(_))) = &result {
        panic!("the benchmark did not run: {error}");
    }
    for name in [
        "points.csv",
        "points.json",
        "baselines.json",
        "targets.json",
        "summary.txt",
        "cost_vs_size.svg",
        "cost_vs_written.svg",
        "cost_vs_read.svg",
    ] {
        assert!(dir.path().join(name).is_file(), "{name} is missing");
    }
    for name in [
        "cost_vs_size.png",
        "cost_vs_written.png",
        "cost_vs_read.png",
    ] {
        assert_png(&dir.path().join(name));
    }
    let summary = read(&dir.path().join("summary.txt"));
    let targets: serde_json::Value = serde_json::from_str(&read(&dir.path().join("targets.json")))
        .unwrap_or_else(|error| panic!("targets.json: {error}"));
    let targets = targets.as_array().cloned().unwrap_or_default();
    assert_eq!(targets.len(), 13, "{targets:?}");
    let verdicts = summary.matches("PASS").count() + summary.matches("MISS").count();
    assert_eq!(verdicts, 13, "every target is judged, none n/a:\n{summary}");
    let all_pass = targets.iter().all(|target| target["verdict"] == "pass");
    assert_eq!(
        result.is_ok(),
        all_pass,
        "--check must fail exactly on a miss"
    );
    assert!(all_pass, "a benchmark target missed:\n{summary}");
    assert!(
        read(&dir.path().join("cost_vs_size.svg")).contains("cache entry limit (128 MiB"),
        "the plot marks the limit the kernel printed"
    );
}

/// The text of `path`.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Panics unless `path` is a PNG file.
fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
}
