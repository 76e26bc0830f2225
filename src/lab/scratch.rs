//! A scratch copy of the tree for `lab check`, its own git repository.
//!
//! `lab check` must stub every lab without touching the tree it checks, so
//! it works on a copy: the tracked files as they are in the work tree
//! (uncommitted edits included), committed into a fresh repository so that
//! `lab start` finds a clean tree and `git reset --hard` restores it
//! between labs. The copy lives at one fixed place under `target/`, with
//! build directories of its own beside it ([`scratch_target`] and, for the
//! kernel, [`scratch_kernel_target`]) that outlive each copy: dependencies
//! are compiled once, and each lab recompiles only what it changed.
//!
//! The copy never builds into the tree's own `target/`. Cargo names a
//! workspace member's artifacts by a hash of its path *relative to the
//! workspace root*, so the copy's crates would take the very file names of
//! the tree's, and a later build of the tree could take the copy's
//! (stubbed) objects for fresh ones of its own.

use std::path::{Path, PathBuf};

use super::error::LabError;
use super::git::{git, uncommitted_changes};

/// Where the scratch copy of the tree at `root` lives.
pub fn scratch_root(root: &Path) -> PathBuf {
    root.join("target/lab-check/tree")
}

/// The target directory of the copy's host builds.
pub fn scratch_target(root: &Path) -> PathBuf {
    root.join("target/lab-check/target")
}

/// Where the copy's kernel builds go (the copy's `target/kernel` points
/// there).
pub fn scratch_kernel_target(root: &Path) -> PathBuf {
    root.join("target/lab-check/kernel")
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
        keep_kernel_target(source, &root)?;
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

/// Points the copy's `target/kernel` (where the runner builds the kernel,
/// inside the copy) at [`scratch_kernel_target`], which outlives the copy,
/// so the kernel's dependencies are not rebuilt on every check.
#[cfg(unix)]
fn keep_kernel_target(source: &Path, root: &Path) -> Result<(), LabError> {
    let kept = scratch_kernel_target(source);
    let link = root.join("target/kernel");
    std::fs::create_dir_all(&kept).map_err(|error| file_error(&kept, error))?;
    std::fs::create_dir_all(root.join("target")).map_err(|error| file_error(root, error))?;
    std::os::unix::fs::symlink(&kept, &link).map_err(|error| file_error(&link, error))
}

/// Elsewhere the copy builds its kernel from scratch on every check.
#[cfg(not(unix))]
fn keep_kernel_target(_source: &Path, _root: &Path) -> Result<(), LabError> {
    Ok(())
}

fn file_error(path: &Path, source: std::io::Error) -> LabError {
    LabError::File {
        path: path.to_owned(),
        source,
    }
}
