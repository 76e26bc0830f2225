//! `lab start NAME`: take a lab's solutions out of the tree.
//!
//! Every region the lab lists is replaced by its stub, in the work tree
//! the runner was built from. Nothing is written unless every file of the
//! lab could be stubbed in memory first, and nothing at all while tracked
//! files have uncommitted changes (`--force` overrides): the solutions
//! stay in git, so a student works on a branch of their own, and
//! `git diff` shows exactly what they wrote.

use std::path::{Path, PathBuf};

use super::catalogue::Lab;
use super::error::LabError;
use super::git::uncommitted_changes;
use super::stub::apply;

/// A file of the tree with its new text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StubbedFile {
    /// Path relative to the workspace root.
    pub path: &'static str,
    /// The whole file with the lab's regions stubbed.
    pub text: String,
}

/// The lab's files under `root` as `lab start` would leave them, computed
/// without writing anything.
pub fn stubbed_files(root: &Path, lab: &Lab) -> Result<Vec<StubbedFile>, LabError> {
    let mut paths: Vec<&'static str> = Vec::new();
    for region in lab.regions {
        if !paths.contains(&region.path) {
            paths.push(region.path);
        }
    }
    paths
        .into_iter()
        .map(|path| {
            let full = root.join(path);
            let text = std::fs::read_to_string(&full).map_err(|source| LabError::File {
                path: full.clone(),
                source,
            })?;
            let stubs: Vec<&str> = lab
                .regions
                .iter()
                .filter(|region| region.path == path)
                .map(|region| region.stub)
                .collect();
            let text = apply(&text, lab.name, &stubs)
                .map_err(|source| LabError::Markers { path: full, source })?;
            Ok(StubbedFile { path, text })
        })
        .collect()
}

/// Stubs `lab` in the work tree at `root` and returns the files changed.
/// Refuses while tracked files have uncommitted changes, unless `force`.
pub fn start(root: &Path, lab: &Lab, force: bool) -> Result<Vec<PathBuf>, LabError> {
    if !force {
        let changes = uncommitted_changes(root)?;
        if !changes.is_empty() {
            return Err(LabError::UncommittedChanges {
                lab: lab.name.to_owned(),
                files: changes
                    .iter()
                    .map(|line| format!("  {line}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            });
        }
    }
    let files = stubbed_files(root, lab)?;
    let mut written = Vec::new();
    for file in files {
        let path = root.join(file.path);
        std::fs::write(&path, file.text).map_err(|source| LabError::File {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
