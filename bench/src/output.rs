//! The benchmark's files: CSV, JSON and the text summary.
//!
//! Everything lands in one directory (`target/bench/` unless `--out` says
//! otherwise): `points.csv` for spreadsheets, one row per point with its
//! median and per-round counters; `points.json` with the same points and
//! every round's ticks; `baselines.json` with the guest's and the host's
//! baselines; `targets.json` with each target's verdict; and `summary.txt`,
//! the text the terminal showed. The plots are written by [`crate::plot`].

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use crate::error::BenchError;
use crate::results::{BenchResults, MeasuredPoint};
use crate::targets::TargetResult;
use pristine::Clock;

/// The header of `points.csv`.
pub const CSV_HEADER: &str = "clock,setup,policy,dirty,size_bytes,size,pages,written,\
written_pages,rounds,median_ticks,min_ticks,max_ticks,pages_zeroed_per_round,\
faults_per_round,cache_hits_per_round,ticks";

/// The default output directory under the workspace root.
pub fn default_dir(workspace_root: &Path) -> PathBuf {
    workspace_root.join("target").join("bench")
}

/// Creates `dir` (and its parents) if needed.
pub fn create_dir(dir: &Path) -> Result<(), BenchError> {
    fs::create_dir_all(dir).map_err(|error| write_error(dir, error))
}

/// Writes every data file and the summary into `dir`; returns their paths.
pub fn write_all(
    dir: &Path,
    results: &BenchResults,
    targets: &[TargetResult],
    summary: &str,
) -> Result<Vec<PathBuf>, BenchError> {
    create_dir(dir)?;
    let files = [
        ("points.csv", points_csv(results)),
        ("points.json", to_json(&points_json(results))?),
        ("baselines.json", to_json(&baselines_json(results))?),
        ("targets.json", to_json(&targets)?),
        ("summary.txt", format!("{summary}\n")),
    ];
    files
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            fs::write(&path, text).map_err(|error| write_error(&path, error))?;
            Ok(path)
        })
        .collect()
}

/// A [`BenchError::Write`] for `path`.
pub fn write_error(path: &Path, error: impl ToString) -> BenchError {
    BenchError::Write {
        path: path.to_owned(),
        message: error.to_string(),
    }
}

/// Pretty JSON text of `value`.
fn to_json(value: &impl Serialize) -> Result<String, BenchError> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|error| write_error(Path::new("(json)"), error))
}

/// `points.csv`: the header and one line per point.
pub fn points_csv(results: &BenchResults) -> String {
    let mut csv = String::from(CSV_HEADER);
    csv.push('\n');
    for point in &results.points {
        csv.push_str(&csv_line(point));
        csv.push('\n');
    }
    csv
}

/// One CSV line; no field holds a comma, and ticks are `;`-separated.
fn csv_line(measured: &MeasuredPoint) -> String {
    let point = &measured.point;
    let ticks: Vec<String> = point.ticks.iter().map(u64::to_string).collect();
    [
        clock_name(measured.clock).to_owned(),
        measured.setup.clone(),
        point.policy.name().to_owned(),
        point.dirty.name().to_owned(),
        point.size.bytes().to_string(),
        point.size.to_string(),
        point.pages.to_string(),
        point.written.to_string(),
        point.written_pages.to_string(),
        point.rounds.to_string(),
        measured.median_ticks.to_string(),
        measured.min_ticks.to_string(),
        measured.max_ticks.to_string(),
        measured.pages_zeroed_per_round.to_string(),
        measured.faults_per_round.to_string(),
        measured.cache_hits_per_round.to_string(),
        ticks.join(";"),
    ]
    .join(",")
}

/// The name a clock has in the files: `instructions`, `tcg-ticks`, `kvm-ticks`.
fn clock_name(clock: Clock) -> &'static str {
    match clock {
        Clock::Instructions => "instructions",
        Clock::TcgTicks => "tcg-ticks",
        Clock::KvmTicks => "kvm-ticks",
    }
}

/// `points.json`: the units, then every point.
fn points_json(results: &BenchResults) -> serde_json::Value {
    json!({
        "units": units(),
        "points": results.points,
    })
}

/// `baselines.json`: the units, the guest's baselines and the host's.
fn baselines_json(results: &BenchResults) -> serde_json::Value {
    json!({
        "units": units(),
        "guest": results.guest_baselines,
        "host": results.host_baselines,
    })
}

/// What each clock's ticks are.
fn units() -> serde_json::Value {
    let mut units = serde_json::Map::new();
    for clock in [Clock::Instructions, Clock::TcgTicks, Clock::KvmTicks] {
        units.insert(clock_name(clock).to_owned(), clock.unit().into());
    }
    serde_json::Value::Object(units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{baseline, measured};
    use crate::host::HostBaseline;
    use crate::plan::SETUPS;
    use crate::targets::evaluate;
    use pristine_records::AllocationSize;
    use pristine_records::Written;

    fn results() -> BenchResults {
        BenchResults {
            points: vec![
                measured(SETUPS[2], AllocationSize::kib(128), Written::Nothing, 900),
                measured(
                    SETUPS[3],
                    AllocationSize::HUNDRED_MIB,
                    Written::Percent(10),
                    5_000,
                ),
            ],
            guest_baselines: vec![baseline("cow_fault", 4_000)],
            host_baselines: vec![HostBaseline {
                name: "host_calloc_free_100mib".into(),
                what: "x".into(),
                iterations: 2,
                ns_per_pair: 16_000.0,
            }],
            cache_limits: None,
        }
    }

    #[test]
    fn csv_has_a_header_and_one_line_per_point() {
        let csv = points_csv(&results());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        let columns = lines[0].split(',').count();
        assert!(lines.iter().all(|line| line.split(',').count() == columns));
        assert_eq!(
            lines[2],
            "instructions,dirty/sw,dirty,sw,104857600,100 MiB,25600,10,2560,3,5000,5000,5000,0,0,1,\
             5000;5000;5000"
        );
    }

    #[test]
    fn writes_every_file_into_the_directory() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = dir.path().join("nested/bench");
        let results = results();
        let targets = evaluate(&results);
        let paths = write_all(&out, &results, &targets, "the summary").expect("written");
        let names: Vec<String> = paths
            .iter()
            .filter_map(|path| Some(path.file_name()?.to_string_lossy().into_owned()))
            .collect();
        assert_eq!(
            names,
            [
                "points.csv",
                "points.json",
                "baselines.json",
                "targets.json",
                "summary.txt"
            ]
        );
        let points: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("points.json")).expect("read"))
                .expect("valid JSON");
        assert_eq!(points["points"][1]["ticks"], json!([5000, 5000, 5000]));
        assert_eq!(points["units"]["instructions"], "guest instructions");
        let baselines: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("baselines.json")).expect("read"))
                .expect("valid JSON");
        assert_eq!(baselines["guest"][0]["median_ticks"], 4000);
        assert_eq!(baselines["host"][0]["ns_per_pair"], 16_000.0);
        let targets: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("targets.json")).expect("read"))
                .expect("valid JSON");
        assert_eq!(targets.as_array().map(Vec::len), Some(13));
        assert_eq!(
            fs::read_to_string(out.join("summary.txt")).expect("read"),
            "the summary\n"
        );
    }

    #[test]
    fn unwritable_directories_are_reported() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("a-file");
        fs::write(&file, "x").expect("written");
        let error = create_dir(&file.join("sub")).expect_err("a file is not a directory");
        assert!(error.to_string().starts_with("could not write "));
    }
}
