//! Why a benchmark could not produce its results.
//!
//! Each variant names the boot (by its label, e.g. `dirty/hw 12 points
//! (icount)`) and carries the evidence: the QEMU command and the last serial
//! lines, or the path that could not be written. A target that misses is not
//! an error here: it is a finding the summary reports, and only `bench
//! --check` turns it into a failing exit status.

use std::path::PathBuf;

use crate::host::HostBaselineError;
use pristine::cmdline::CmdlineError;
use pristine::exit::GuestExit;
use pristine::run::RunError;
use pristine::transcript::Transcript;

/// Why a benchmark stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A kernel command line could not be formed.
    #[error(transparent)]
    Cmdline(#[from] CmdlineError),
    /// A guest could not be booted to its end.
    #[error("benchmark boot `{label}`: {error}")]
    Boot {
        /// Which boot.
        label: String,
        /// What went wrong (boxed: it carries a transcript).
        error: Box<RunError>,
    },
    /// A guest ended without success.
    #[error("benchmark boot `{label}` did not finish: {exit}\n{transcript}")]
    GuestFailed {
        /// Which boot.
        label: String,
        /// How the guest ended.
        exit: GuestExit,
        /// The command and the last serial lines (boxed: errors stay small).
        transcript: Box<Transcript>,
    },
    /// A guest succeeded but printed too few or too many records.
    #[error(
        "benchmark boot `{label}` printed {got} records, expected {expected}{}\n{transcript}",
        hint(*got, *malformed)
    )]
    WrongRecordCount {
        /// Which boot.
        label: String,
        /// Records its command line asks for.
        expected: u64,
        /// Records that arrived.
        got: u64,
        /// Machine lines that could not be read.
        malformed: usize,
        /// The command and the last serial lines (boxed: errors stay small).
        transcript: Box<Transcript>,
    },
    /// A boot was never run, and no other boot's failure explains why.
    #[error("benchmark boot `{label}` was never run")]
    Lost {
        /// Which boot.
        label: String,
    },
    /// The host baselines could not be measured.
    #[error(transparent)]
    Host(#[from] HostBaselineError),
    /// An output file could not be written.
    #[error("could not write {}: {message}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's or encoder's reason.
        message: String,
    },
    /// The embedded plot font could not be read.
    #[error(
        "the font embedded for the plots (bench/assets/fonts/DejaVuSans.ttf) could not be loaded"
    )]
    Font,
    /// The benchmark needs TCG for `-icount`.
    #[error("the benchmark counts guest instructions with -icount, which needs --accel tcg")]
    NeedsTcg,
}

/// Why records may be missing: unreadable lines, or no bench mode at all.
fn hint(got: u64, malformed: usize) -> String {
    if malformed > 0 {
        format!(" ({malformed} machine lines could not be read)")
    } else if got == 0 {
        " (does this kernel have the bench modes, `mode=bench` and `mode=baseline`?)".to_owned()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_records_say_why_they_may_be_missing() {
        let transcript = Box::new(Transcript::new("qemu".into(), std::iter::empty(), ""));
        let error = BenchError::WrongRecordCount {
            label: "nocache 2 points (icount)".into(),
            expected: 2,
            got: 0,
            malformed: 0,
            transcript,
        };
        assert!(error.to_string().starts_with(
            "benchmark boot `nocache 2 points (icount)` printed 0 records, expected 2 (does this \
             kernel have the bench modes"
        ));
        assert_eq!(hint(1, 2), " (2 machine lines could not be read)");
        assert_eq!(hint(1, 0), "");
    }
}
