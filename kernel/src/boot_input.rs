//! Checking the boot input before the kernel acts on it.
//!
//! The command line is typed by a person (`cargo run -- --append "..."`), so
//! the kernel checks every word before it builds anything: a key it does not
//! know, or a value it cannot use, ends the boot at once with one line on
//! the console,
//!
//! ```text
//! [BOOT INPUT] policy="bogus" is not valid; expected nocache, alwayszero or dirty
//! ```
//!
//! and the distinct exit status of [`arch::exit_bad_boot_input`] (QEMU
//! status 37, which the runner names), not a panic with a source location
//! halfway through an experiment. Boot information the arch code cannot use
//! (a start info that is not one, a command line longer than the boot
//! protocol carries) ends the same way, through [`refuse`].
//!
//! [`WORDS`] is the one list of keys the kernel reads, each with the values
//! it accepts, checked with the same parsers the kernel then uses; an
//! architecture adds the words only it reads ([`arch::BOOT_WORDS`], such as
//! riscv64's `svade=`). Nothing
//! here allocates: the check runs before the heap exists.

use crate::arch;
use crate::cmdline::CommandLine;
use core::fmt;
use core::str::FromStr;
use pristine_allocator::{Adaptation, DirtyStrategy, Policy};
use pristine_records::{AllocationSize, Written};

/// What the kernel does after booting (`mode=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Print the memory summary and exit (the default).
    Boot,
    /// The seed's experiment (`experiment::demo`).
    Demo,
    /// The benchmark sweep (`experiment::bench`).
    Bench,
    /// The benchmark's baselines (`experiment::baseline`).
    Baseline,
    /// The seeded stress test (`experiment::stress`).
    Stress,
}

impl Mode {
    fn parse(text: &str) -> Option<Mode> {
        match text {
            "boot" => Some(Mode::Boot),
            "demo" => Some(Mode::Demo),
            "bench" => Some(Mode::Bench),
            "baseline" => Some(Mode::Baseline),
            "stress" => Some(Mode::Stress),
            _ => None,
        }
    }
}

/// The boot options the kernel itself acts on, from a checked command line.
#[derive(Clone, Copy, Debug)]
pub struct BootOptions {
    /// `mode=`.
    pub mode: Mode,
    /// `policy=`: the large-allocation policy to start with.
    pub policy: Policy,
    /// `dirty=`: the dirty strategy to start with.
    pub dirty: DirtyStrategy,
    /// `rezero=`: whether the dirty-tracking cache adapts its re-zeroing
    /// (`adaptive`, the default) or always tracks (`tracked`).
    pub adaptation: Adaptation,
    /// `poison=on`: fill free memory with poison before anything runs.
    pub poison: bool,
    /// `hugezero=on|off`: map the 2 MiB zero page on reads of untouched,
    /// aligned stretches (on unless `hugezero=off`).
    pub large_zero_page: bool,
}

/// A command-line word the kernel refuses.
#[derive(Clone, Copy, Debug)]
pub enum BadWord<'a> {
    /// A key the kernel does not read.
    UnknownKey {
        /// The key, before any `=`.
        key: &'a str,
    },
    /// A known key with a value the kernel cannot use.
    BadValue {
        /// The key.
        key: &'a str,
        /// The value given.
        value: &'a str,
        /// What would have been accepted, in words.
        expected: Expected,
    },
}

impl fmt::Display for BadWord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownKey { key } => {
                write!(f, "{key:?} is not a kernel command-line key; known: ")?;
                for (index, known) in all_words().enumerate() {
                    let separator = if index == 0 { "" } else { ", " };
                    write!(f, "{separator}{}=", known.key)?;
                }
                Ok(())
            }
            Self::BadValue {
                key,
                value,
                expected,
            } => {
                write!(f, "{key}={value:?} is not valid; ")?;
                expected(f)
            }
        }
    }
}

/// Writes what a key accepts (`expected ...`) for the error line. Keys whose
/// values are a shared type's names let that type's parse error say it, so
/// no name is spelled twice.
pub type Expected = fn(&mut fmt::Formatter<'_>) -> fmt::Result;

/// One key the kernel reads: its name, and the values it accepts.
pub struct Word {
    /// The key, before `=`.
    pub key: &'static str,
    /// The values accepted, in words, for the error line.
    pub expected: Expected,
    /// Whether a value is accepted.
    pub accepts: fn(&str) -> bool,
}

/// Every key the kernel reads. A later word with the same key overrides an
/// earlier one (the runner refuses `--append` words that would override
/// its own).
pub const WORDS: &[Word] = &[
    Word {
        key: "test",
        expected: |f| f.write_str("expected a kernel test name, or list"),
        accepts: non_empty,
    },
    Word {
        key: "mode",
        expected: |f| f.write_str("expected boot, demo, bench, baseline or stress"),
        accepts: mode,
    },
    Word {
        key: "log",
        expected: |f| f.write_str("expected off, error, warn, info, debug or trace"),
        accepts: log_level,
    },
    Word {
        key: "poison",
        expected: |f| f.write_str("expected on or off"),
        accepts: on_off,
    },
    Word {
        key: "hugezero",
        expected: |f| f.write_str("expected on or off"),
        accepts: on_off,
    },
    Word {
        key: "policy",
        expected: |f| write!(f, "{}", parse_error::<Policy>("")),
        accepts: policy,
    },
    Word {
        key: "dirty",
        expected: |f| write!(f, "{}", parse_error::<DirtyStrategy>("")),
        accepts: dirty,
    },
    Word {
        key: "rezero",
        expected: |f| write!(f, "{}", parse_error::<Adaptation>("")),
        accepts: adaptation,
    },
    Word {
        key: "rounds",
        expected: |f| f.write_str("expected a whole number of at least 1"),
        accepts: positive,
    },
    Word {
        key: "sizes",
        expected: |f| {
            f.write_str("expected sizes such as 100M, 128K or 4096 (bytes), each at least one byte, separated by commas")
        },
        accepts: size_list,
    },
    Word {
        key: "policies",
        expected: |f| write!(f, "{}, separated by commas", parse_error::<Policy>("")),
        accepts: policy_list,
    },
    Word {
        key: "strategies",
        expected: |f| {
            write!(
                f,
                "{}, separated by commas",
                parse_error::<DirtyStrategy>("")
            )
        },
        accepts: strategy_list,
    },
    Word {
        key: "seed",
        expected: |f| f.write_str("expected a whole number"),
        accepts: whole_number,
    },
    Word {
        key: "ops",
        expected: |f| f.write_str("expected a whole number of at least 1"),
        accepts: positive,
    },
    Word {
        key: "stress-inject",
        expected: |f| f.write_str("expected the operation index after which to corrupt a byte"),
        accepts: whole_number,
    },
    Word {
        key: "written",
        expected: |f| write!(f, "{}, separated by commas", parse_error::<Written>("")),
        accepts: written_list,
    },
];

/// Every key the kernel reads: [`WORDS`], then the architecture's own.
fn all_words() -> impl Iterator<Item = &'static Word> {
    WORDS.iter().chain(arch::BOOT_WORDS)
}

/// Checks every word of `command_line` and returns the options the kernel
/// acts on, or the first word it refuses.
pub fn check<'a>(command_line: &CommandLine<'a>) -> Result<BootOptions, BadWord<'a>> {
    for (key, value) in command_line.pairs() {
        let Some(word) = all_words().find(|word| word.key == key) else {
            return Err(BadWord::UnknownKey { key });
        };
        if !(word.accepts)(value) {
            return Err(BadWord::BadValue {
                key,
                value,
                expected: word.expected,
            });
        }
    }
    Ok(BootOptions {
        mode: command_line
            .get("mode")
            .and_then(Mode::parse)
            .unwrap_or(Mode::Boot),
        policy: command_line
            .get("policy")
            .and_then(|value| value.parse().ok())
            .unwrap_or(Policy::DirtyTracking),
        dirty: command_line
            .get("dirty")
            .and_then(|value| value.parse().ok())
            .unwrap_or(DirtyStrategy::Hardware),
        adaptation: command_line
            .get("rezero")
            .and_then(|value| value.parse().ok())
            .unwrap_or_default(),
        poison: command_line.get("poison") == Some("on"),
        large_zero_page: command_line.get("hugezero") != Some("off"),
    })
}

/// Ends the boot on input the kernel cannot use: one `[BOOT INPUT]` line
/// saying why, then the bad-boot-input exit status.
pub fn refuse(reason: impl fmt::Display) -> ! {
    crate::println!("[BOOT INPUT] {reason}");
    arch::exit_bad_boot_input()
}

fn non_empty(value: &str) -> bool {
    !value.is_empty()
}

fn mode(value: &str) -> bool {
    Mode::parse(value).is_some()
}

fn log_level(value: &str) -> bool {
    value.parse::<log::LevelFilter>().is_ok()
}

fn on_off(value: &str) -> bool {
    matches!(value, "on" | "off")
}

/// The error `T`'s own parser gives for `value`: its `Display` says what
/// `T` accepts.
///
/// # Panics
/// If `value` parses (only ever called with text no name matches).
fn parse_error<T: FromStr + fmt::Debug>(value: &str) -> T::Err {
    match value.parse::<T>() {
        Ok(parsed) => panic!("{value:?} unexpectedly parsed as {parsed:?}"),
        Err(error) => error,
    }
}

fn policy(value: &str) -> bool {
    value.parse::<Policy>().is_ok()
}

fn dirty(value: &str) -> bool {
    value.parse::<DirtyStrategy>().is_ok()
}

fn adaptation(value: &str) -> bool {
    value.parse::<Adaptation>().is_ok()
}

fn positive(value: &str) -> bool {
    value.parse::<u64>().is_ok_and(|number| number >= 1)
}

fn size_list(value: &str) -> bool {
    value
        .split(',')
        .all(|size| size.parse::<AllocationSize>().is_ok())
}

fn whole_number(value: &str) -> bool {
    value.parse::<u64>().is_ok()
}

fn strategy_list(value: &str) -> bool {
    value.split(',').all(dirty)
}

fn policy_list(value: &str) -> bool {
    value.split(',').all(policy)
}

/// `written=`: [`Written`]'s grammar, which `experiment::bench` parses.
fn written_list(value: &str) -> bool {
    value.split(',').all(|item| item.parse::<Written>().is_ok())
}
