//! Running graded tests: one `cargo test` per suite, verdicts read back.
//!
//! The tests of every lab asked for are grouped by [`Suite`], and each
//! suite runs once, as `cargo test ARGS -- --exact --format pretty NAMES`
//! in the workspace being graded. Cargo's own messages (compiling, and
//! any compile error in the student's code) go straight to the terminal;
//! libtest's stdout is captured and read by [`verdicts`]. Backtraces are
//! off (they would show the test harness, not the student's code), and
//! proptest is told not to write regression files (they would dirty a
//! student's tree) and to stop shrinking after [`MAX_SHRINK_MILLISECONDS`],
//! so a failing property costs seconds, not minutes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::catalogue::{GradedTest, Suite};
use super::error::LabError;
use super::libtest::{Verdict, verdicts};

/// How long proptest may spend shrinking one failing case, in milliseconds.
pub const MAX_SHRINK_MILLISECONDS: u32 = 5_000;

/// Where and how to run graded tests.
#[derive(Clone, Debug)]
pub struct GradeSettings {
    /// The workspace root to grade.
    pub root: PathBuf,
    /// Build into this target directory instead of the workspace's own.
    pub target_dir: Option<PathBuf>,
    /// Keep cargo's stderr (compile progress, warnings, errors) in the
    /// results instead of showing it: `lab check`, which expects the
    /// stubbed trees to warn about unused helpers, shows it only when a
    /// suite did not run.
    pub capture_stderr: bool,
}

/// What one suite's run produced.
#[derive(Clone, Debug)]
pub struct SuiteRun {
    /// Verdicts by test name.
    pub verdicts: BTreeMap<String, Verdict>,
    /// libtest's stdout, for the failure report.
    pub stdout: String,
    /// Cargo's stderr, if [`GradeSettings::capture_stderr`].
    pub stderr: String,
}

/// The verdicts of every suite run.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// One entry per suite run.
    pub suites: BTreeMap<Suite, SuiteRun>,
}

impl Results {
    /// The verdict of `test`, or `None` if it did not run.
    pub fn verdict(&self, test: &GradedTest) -> Option<Verdict> {
        self.suites
            .get(&test.suite)?
            .verdicts
            .get(test.name)
            .copied()
    }
}

/// Runs `tests` (each suite once) in the workspace `settings` names.
pub fn run_tests<'a>(
    settings: &GradeSettings,
    tests: impl IntoIterator<Item = &'a GradedTest>,
) -> Result<Results, LabError> {
    let mut by_suite: BTreeMap<Suite, BTreeSet<&str>> = BTreeMap::new();
    for test in tests {
        by_suite.entry(test.suite).or_default().insert(test.name);
    }
    let mut results = Results::default();
    for (suite, names) in by_suite {
        let prefix = suite.module_prefix();
        let paths: BTreeSet<String> = names.iter().map(|name| format!("{prefix}{name}")).collect();
        let paths: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
        let (stdout, stderr) = run_suite(settings, suite, &paths)?;
        let verdicts = verdicts(&stdout)
            .into_iter()
            .filter_map(|(path, verdict)| Some((path.strip_prefix(prefix)?.to_owned(), verdict)))
            .collect();
        let run = SuiteRun {
            verdicts,
            stdout,
            stderr,
        };
        results.suites.insert(suite, run);
    }
    Ok(results)
}

/// Runs the tests `names` of `suite` and returns libtest's stdout and, if
/// captured, cargo's stderr. A failing test, or code that does not
/// compile, is not an error here: it shows as missing or failed verdicts.
fn run_suite(
    settings: &GradeSettings,
    suite: Suite,
    names: &BTreeSet<&str>,
) -> Result<(String, String), LabError> {
    let mut command = cargo_command(settings, suite, names);
    let stderr = if settings.capture_stderr {
        Stdio::piped()
    } else {
        Stdio::inherit()
    };
    let output = command
        .stdin(Stdio::null())
        .stderr(stderr)
        .output()
        .map_err(|source| LabError::CargoSpawn {
            program: cargo_program(),
            source,
        })?;
    Ok((
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// The cargo the runner was started by (`CARGO`), or `cargo`.
fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// `cargo test` for `names` of `suite`, in `settings.root`.
fn cargo_command(settings: &GradeSettings, suite: Suite, names: &BTreeSet<&str>) -> Command {
    let mut command = Command::new(cargo_program());
    command
        .current_dir(&settings.root)
        .args(suite.cargo_args())
        .arg("--manifest-path")
        .arg(settings.root.join("Cargo.toml"));
    if settings.capture_stderr {
        command.arg("--quiet");
    }
    if let Some(target) = &settings.target_dir {
        command.arg("--target-dir").arg(target);
    }
    command
        .args(["--", "--exact", "--format", "pretty"])
        .args(names)
        .env("RUST_BACKTRACE", "0")
        .env("PROPTEST_DISABLE_FAILURE_PERSISTENCE", "1")
        .env(
            "PROPTEST_MAX_SHRINK_TIME",
            MAX_SHRINK_MILLISECONDS.to_string(),
        );
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn each_suite_is_one_exact_pretty_cargo_test() {
        let settings = GradeSettings {
            root: PathBuf::from("/work/tree"),
            target_dir: Some(PathBuf::from("/work/target")),
            capture_stderr: true,
        };
        let names = BTreeSet::from(["b_test", "a_test"]);
        let command = cargo_command(&settings, Suite::AllocatorIntegration("svade"), &names);
        let args: Vec<_> = command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "test",
                "-p",
                "pristine-allocator",
                "--test",
                "svade",
                "--manifest-path",
                "/work/tree/Cargo.toml",
                "--quiet",
                "--target-dir",
                "/work/target",
                "--",
                "--exact",
                "--format",
                "pretty",
                "a_test",
                "b_test"
            ]
        );
        assert_eq!(command.get_current_dir(), Some(Path::new("/work/tree")));
    }
}
