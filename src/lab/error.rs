//! Why a lab command did not succeed.

use std::path::PathBuf;

use super::markers::MarkerError;

/// Why `lab list`, `lab start`, `lab grade` or `lab check` failed.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// No lab has that name.
    #[error("there is no lab called {name:?}; the labs are: {known}")]
    UnknownLab {
        /// The name asked for.
        name: String,
        /// Every lab's name.
        known: String,
    },
    /// `lab start` would overwrite changes that are not committed.
    #[error(
        "`lab start {lab}` rewrites files in your tree, and these tracked files have \
         uncommitted changes:\n{files}\ncommit or stash them first; a branch per lab keeps \
         your work apart: `git switch -c lab/{lab}` (or pass --force to overwrite anyway)"
    )]
    UncommittedChanges {
        /// The lab asked for.
        lab: String,
        /// `git status --porcelain` lines, indented.
        files: String,
    },
    /// A git command could not be run or failed.
    #[error("`git {args}` failed: {message}")]
    Git {
        /// Its arguments.
        args: String,
        /// What went wrong.
        message: String,
    },
    /// A source file could not be read or written.
    #[error("{}: {source}", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file's lab markers do not match the catalogue.
    #[error("{}: {source}", .path.display())]
    Markers {
        /// The file.
        path: PathBuf,
        /// What is wrong with its markers.
        source: MarkerError,
    },
    /// Cargo could not be started.
    #[error("could not start `{program}`: {source}")]
    CargoSpawn {
        /// The cargo program that was tried.
        program: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Some graded test did not pass.
    #[error("{scored} of {possible} points: below full marks")]
    BelowFullMarks {
        /// Points earned.
        scored: u32,
        /// Points possible.
        possible: u32,
    },
    /// `lab check` found labs that do not test what they should.
    #[error("lab check failed:\n{0}")]
    CheckFailed(String),
}
