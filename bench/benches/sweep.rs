//! `cargo bench -p pristine-bench`: the benchmark sweep.
//!
//! A `harness = false` bench target: cargo runs this `main` with the words
//! after `--` and its own `--bench`. Everything else lives in the
//! `pristine_bench` library ([`pristine_bench::cli`]); this file only turns
//! the result into an exit status.
//!
//! ```text
//! cargo bench -p pristine-bench                # the full sweep (about 80 s)
//! cargo bench -p pristine-bench -- --quick     # the short sweep
//! cargo bench -p pristine-bench -- --check     # short sweep; fails when a target misses
//! cargo bench -p pristine-bench -- --help      # every option
//! ```

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use pristine_bench::{BenchArgs, execute_args, execute_breakdown};

fn main() -> ExitCode {
    let args = BenchArgs::parse();
    if !args.bench {
        // `cargo test --benches` runs bench targets without `--bench`; a
        // sweep of minutes is not a test.
        println!("pristine-bench: nothing measured; run it with `cargo bench -p pristine-bench`");
        return ExitCode::SUCCESS;
    }
    let result = if args.breakdown {
        execute_breakdown(&args).map(drop)
    } else {
        execute_args(&args).map(drop)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Nothing more can be done if stderr itself is closed.
            let _ = writeln!(std::io::stderr().lock(), "error: {error}");
            ExitCode::FAILURE
        }
    }
}
