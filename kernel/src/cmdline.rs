//! The kernel command line: space-separated `key=value` words.
//!
//! The runner passes it with QEMU's `-append`. Known keys: `test=NAME` (run
//! one kernel test and exit), `test=list` (print the test names), `log=LEVEL`.
//! A word without `=` is a key with an empty value.

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

    /// The raw text.
    pub fn as_str(&self) -> &'a str {
        self.text
    }
}
