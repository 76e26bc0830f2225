//! The kernel command line: space-separated `key=value` words.
//!
//! The runner passes it with QEMU's `-append`. Known keys: `test=NAME` (run
//! one kernel test and exit), `test=list` (print the test names), `log=LEVEL`,
//! `poison=on|off`, `hugezero=on|off` (the 2 MiB zero page, on by
//! default), `policy=` (a [`Policy`] name), `dirty=` (a
//! [`DirtyStrategy`] name), `rezero=adaptive|tracked` (an
//! `Adaptation` name), `mode=demo|bench|baseline|stress` and the
//! experiment parameters (`rounds=`, `sizes=`, `written=`, ...; the stress
//! test's `seed=`, `ops=`, `policies=`, `strategies=` and the test-only
//! `stress-inject=`). A word without `=` is a key with an empty value.
//! Values are read with their type's [`FromStr`], so the names and the size
//! notation (`100M`, `128K`, or bytes) are the ones the allocator and the
//! records define, and a refused value says what was expected.
//! `boot_input.rs` lists every key with the values it accepts and checks the
//! whole line before the kernel builds anything, so the accessors here only
//! meet words already known to be good.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Display;
use core::str::FromStr;
use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::AllocationSize;

/// Why a command-line value was refused.
#[derive(Debug)]
pub struct BadValue {
    /// The key.
    pub key: &'static str,
    /// The value given.
    pub value: String,
    /// Why it was refused, from the value type's parse error.
    pub reason: String,
}

impl core::fmt::Display for BadValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}={:?} is not valid: {}",
            self.key, self.value, self.reason
        )
    }
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
        self.parsed("policy", Policy::DirtyTracking)
    }

    /// The dirty strategy (`dirty=`), by default the hardware dirty bit.
    pub fn dirty(&self) -> Result<DirtyStrategy, BadValue> {
        self.parsed("dirty", DirtyStrategy::Hardware)
    }

    /// A whole number (`key=N`), or `default` when absent.
    pub fn number(&self, key: &'static str, default: u64) -> Result<u64, BadValue> {
        self.parsed(key, default)
    }

    /// Allocation sizes (`sizes=a,b,c`), or `default` when absent.
    pub fn sizes(&self, default: &[AllocationSize]) -> Result<Vec<AllocationSize>, BadValue> {
        Ok(self.list("sizes")?.unwrap_or_else(|| default.to_vec()))
    }

    /// A comma-separated list (`key=a,b,c`), each item read with
    /// [`FromStr`]; `None` when the key is absent.
    pub fn list<T>(&self, key: &'static str) -> Result<Option<Vec<T>>, BadValue>
    where
        T: FromStr,
        T::Err: Display,
    {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let items: Result<Vec<T>, T::Err> = value.split(',').map(str::parse).collect();
        items.map(Some).map_err(|error| BadValue {
            key,
            value: value.into(),
            reason: error.to_string(),
        })
    }

    /// The value of `key` read with [`FromStr`], or `default` when absent.
    fn parsed<T>(&self, key: &'static str, default: T) -> Result<T, BadValue>
    where
        T: FromStr,
        T::Err: Display,
    {
        match self.get(key) {
            None => Ok(default),
            Some(value) => value.parse().map_err(|error: T::Err| BadValue {
                key,
                value: value.into(),
                reason: error.to_string(),
            }),
        }
    }

    /// The raw text.
    pub fn as_str(&self) -> &'a str {
        self.text
    }
}
