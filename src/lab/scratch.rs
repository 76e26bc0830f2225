//! A scratch copy of the tree for `lab check`, its own git repository.
//!
//! `lab check` must stub every lab without touching the tree it checks, so
//! it works on a copy: the tracked files as they are in the work tree
//! (uncommitted edits included), committed into a fresh repository so that
//! `lab start` finds a clean tree and `git reset --hard` restores it
//! between labs. The copy lives at one fixed place under `target/`, and
//! its kernel builds share the tree's own `target/kernel`, so dependencies
//! are compiled once and each lab recompiles only what it changed.

use std::path::{Path, PathBuf};

use super::error::LabError;
use super::git::{git, uncommitted_changes};

/// Where the scratch copy of the tree at `root` lives.
pub fn scratch_root(root: &Path) -> PathBuf {
    root.join("target/lab-check/tree")
}

/// A scratch copy of a tree, committed in a repository of its own.
#[derive(Debug)]
pub struct Scratch {
    /// The copy's workspace root.
    pub root: PathBuf,
}

impl Scratch {
    /// Copies the tracked files of the work tree at `source` (as they are
    /// now) to [`scratch_root`], replacing any earlier copy, and commits
    /// them in a new repository there.
    pub fn create(source: &Path) -> Result<Scratch, LabError> {
        let root = scratch_root(source);
        if root.exists() {
            std::fs::remove_dir_all(&root).map_err(|error| file_error(&root, error))?;
        }
        std::fs::create_dir_all(&root).map_err(|error| file_error(&root, error))?;
        let listing = git(source, &["ls-files", "-z"])?;
        for path in listing.split('\0').filter(|path| !path.is_empty()) {
            let from = source.join(path);
            if !from.is_file() {
                continue; // Deleted in the work tree: copy it as deleted.
            }
            let to = root.join(path);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|error| file_error(parent, error))?;
            }
            std::fs::copy(&from, &to).map_err(|error| file_error(&from, error))?;
        }
        share_kernel_target(source, &root)?;
        git(&root, &["init", "-q"])?;
        git(&root, &["add", "-A"])?;
        git(
            &root,
            &[
                "-c",
                "user.name=pristine lab check",
                "-c",
                "user.email=lab-check@pristine.invalid",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "-q",
                "-m",
                "lab check: the tree as copied",
            ],
        )?;
        Ok(Scratch { root })
    }

    /// Puts every tracked file back as committed, and checks it worked.
    pub fn reset(&self) -> Result<(), LabError> {
        git(&self.root, &["reset", "-q", "--hard"])?;
        let left = uncommitted_changes(&self.root)?;
        if left.is_empty() {
            Ok(())
        } else {
            Err(LabError::Git {
                args: "reset -q --hard".to_owned(),
                message: format!("changes remain: {}", left.join(", ")),
            })
        }
    }
}

/// Points the copy's `target/kernel` (where the runner builds the kernel)
/// at the source tree's, so the kernel's dependencies are built once. The
/// copy's kernel replaces the tree's ELF there until the tree's next
/// kernel build, which every boot through the runner starts with.
#[cfg(unix)]
fn share_kernel_target(source: &Path, root: &Path) -> Result<(), LabError> {
    let shared = source.join("target/kernel");
    let link = root.join("target/kernel");
    std::fs::create_dir_all(&shared).map_err(|error| file_error(&shared, error))?;
    std::fs::create_dir_all(root.join("target")).map_err(|error| file_error(root, error))?;
    std::os::unix::fs::symlink(&shared, &link).map_err(|error| file_error(&link, error))
}

/// Elsewhere the copy builds its kernel in its own target directory.
#[cfg(not(unix))]
fn share_kernel_target(_source: &Path, _root: &Path) -> Result<(), LabError> {
    Ok(())
}

fn file_error(path: &Path, source: std::io::Error) -> LabError {
    LabError::File {
        path: path.to_owned(),
        source,
    }
}
