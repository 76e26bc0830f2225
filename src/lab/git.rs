//! The few git commands the labs need, run as child processes.
//!
//! `lab start` asks git whether tracked files have uncommitted changes
//! before it rewrites any; `lab check` lists the tracked files to copy and
//! makes its scratch copy a repository of its own.

use std::path::Path;
use std::process::Command;

use super::error::LabError;

/// Runs `git args` in `dir` and returns its stdout; a failure to start or a
/// non-zero exit is a [`LabError::Git`] with git's stderr.
pub fn git(dir: &Path, args: &[&str]) -> Result<String, LabError> {
    let failed = |message: String| LabError::Git {
        args: args.join(" "),
        message,
    };
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|error| failed(error.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(failed(format!("{} ({})", stderr.trim(), output.status)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `git status --porcelain` lines for tracked files with uncommitted
/// changes (staged or not) in the work tree at `root`; untracked files do
/// not count.
pub fn uncommitted_changes(root: &Path) -> Result<Vec<String>, LabError> {
    let status = git(root, &["status", "--porcelain", "--untracked-files=no"])?;
    Ok(status
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_failures_name_the_command() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let Err(error) = uncommitted_changes(dir.path()) else {
            panic!("an empty directory is not a git work tree");
        };
        let message = error.to_string();
        assert!(
            message.starts_with("`git status --porcelain --untracked-files=no` failed: "),
            "{message}"
        );
    }
}
