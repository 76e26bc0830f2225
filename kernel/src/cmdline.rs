//! The kernel command line: space-separated `key=value` words.
//!
//! The runner passes it with QEMU's `-append`. Known keys: `test=NAME` (run
//! one kernel test and exit), `test=list` (print the test names), `log=LEVEL`,
//! `poison=on|off`, `policy=nocache|alwayszero|dirty`, `dirty=hw|sw`,
//! `mode=demo|bench|baseline` and the experiment parameters (`rounds=`,
//! `sizes=`, `written=`, ...). A word without `=` is a key with an empty
//! value. `boot_input.rs` lists every key with the values it accepts and
//! checks the whole line before the kernel builds anything, so the
//! accessors here only meet words already known to be good.

use pristine_allocator::{DirtyStrategy, Policy};

/// Why a command-line value was refused.
#[derive(Debug)]
pub struct BadValue {
    /// The key.
    pub key: &'static str,
    /// The value given.
    pub value: alloc::string::String,
    /// What would have been accepted.
    pub expected: &'static str,
}

impl core::fmt::Display for BadValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}={:?} is not valid; expected {}",
            self.key, self.value, self.expected
        )
    }
}

/// The command-line name of a policy.
pub fn policy_name(policy: Policy) -> &'static str {
    match policy {
        Policy::NoCache => "nocache",
        Policy::AlwaysZero => "alwayszero",
        Policy::DirtyTracking => "dirty",
    }
}

/// The command-line name of a dirty strategy.
pub fn dirty_name(strategy: DirtyStrategy) -> &'static str {
    match strategy {
        DirtyStrategy::Hardware => "hw",
        DirtyStrategy::Software => "sw",
    }
}

/// Parses a policy name.
pub fn parse_policy(text: &str) -> Option<Policy> {
    Policy::ALL
        .into_iter()
        .find(|policy| policy_name(*policy) == text)
}

/// Parses a dirty-strategy name.
pub fn parse_dirty(text: &str) -> Option<DirtyStrategy> {
    [DirtyStrategy::Hardware, DirtyStrategy::Software]
        .into_iter()
        .find(|strategy| dirty_name(*strategy) == text)
}

/// A parsed view of the command line (borrows the text).
pub struct CommandLine<'a> {
    text: &'a str,
}

impl<'a> CommandLine<'a> {
    /// Wraps the raw command line.
    pub fn new(text: &'a str) -> Self {
        Self { text }
    }

    /// Every `(key, value)` pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.text
            .split_ascii_whitespace()
            .map(|word| word.split_once('=').unwrap_or((word, "")))
    }

    /// The value of the last word with this key, if any.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.pairs()
            .filter(|(k, _)| *k == key)
            .map(|(_, value)| value)
            .last()
    }

    /// The policy (`policy=`), by default dirty tracking.
    pub fn policy(&self) -> Result<Policy, BadValue> {
        self.parsed(
            "policy",
            "nocache, alwayszero or dirty",
            parse_policy,
            Policy::DirtyTracking,
        )
    }

    /// The dirty strategy (`dirty=`), by default the hardware dirty bit.
    pub fn dirty(&self) -> Result<DirtyStrategy, BadValue> {
        self.parsed("dirty", "hw or sw", parse_dirty, DirtyStrategy::Hardware)
    }

    /// A number (`key=N`), or `default` when absent.
    pub fn number(&self, key: &'static str, default: u64) -> Result<u64, BadValue> {
        self.parsed(key, "a whole number", |text| text.parse().ok(), default)
    }

    /// Allocation sizes in bytes (`sizes=a,b,c`), or `default` when absent.
    pub fn sizes(&self, default: &[u64]) -> Result<alloc::vec::Vec<u64>, BadValue> {
        let sizes = self.list("sizes", "sizes in bytes", |text| text.parse().ok())?;
        Ok(sizes.unwrap_or_else(|| default.to_vec()))
    }

    /// A comma-separated list (`key=a,b,c`), each item parsed by `parse`.
    pub fn list<T>(
        &self,
        key: &'static str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<alloc::vec::Vec<T>>, BadValue> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let items: Option<alloc::vec::Vec<T>> = value.split(',').map(&parse).collect();
        items.map(Some).ok_or_else(|| BadValue {
            key,
            value: value.into(),
            expected,
        })
    }

    fn parsed<T>(
        &self,
        key: &'static str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
        default: T,
    ) -> Result<T, BadValue> {
        match self.get(key) {
            None => Ok(default),
            Some(value) => parse(value).ok_or_else(|| BadValue {
                key,
                value: value.into(),
                expected,
            }),
        }
    }

    /// The raw text.
    pub fn as_str(&self) -> &'a str {
        self.text
    }
}
