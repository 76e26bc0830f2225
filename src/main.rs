//! `pristine`: the command `cargo run` starts.
//!
//! Parses the command line with clap and hands it to
//! [`pristine::commands::execute`]; this file only turns the result into an
//! exit status and prints a failure as one `error:` message on stderr. All
//! the work lives in the library, where the integration tests reuse it.

#![forbid(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use pristine::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match pristine::commands::execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Nothing more can be done if stderr itself is closed.
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            ExitCode::FAILURE
        }
    }
}
