//! The kernel command line the runner passes through QEMU's `-append`.
//!
//! The kernel reads space-separated `key=value` words from `hvm_start_info`:
//! `test=NAME` runs one kernel test, `test=list` lists them, and later issues
//! add `mode=demo`, `mode=bench`, `policy=...`, `dirty=hw|sw` and `rounds=N`.
//! Building the line through [`KernelCmdline::set`] keeps a stray space from
//! splitting one value into two words; the user's `--append` text is added
//! verbatim after the runner's own words.

use std::fmt;

/// A kernel command line under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelCmdline {
    /// Words in order: checked `key=value` pairs, then raw user text.
    words: Vec<String>,
}

/// Why a `key=value` word could not go on the kernel command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmdlineError {
    /// The key is empty or holds whitespace or `=`.
    #[error("`{0}` is not a valid kernel command-line key")]
    BadKey(String),
    /// The value is empty or holds whitespace, which would split the word.
    #[error("`{value}` is not a valid value for `{key}=`: it must be non-empty without spaces")]
    BadValue {
        /// The key the value was meant for.
        key: String,
        /// The refused value.
        value: String,
    },
}

impl KernelCmdline {
    /// An empty command line: the kernel boots normally.
    pub fn new() -> Self {
        Self::default()
    }

    /// The command line that runs the one kernel test `name` (`test=NAME`).
    pub fn for_test(name: &str) -> Result<Self, CmdlineError> {
        let mut cmdline = Self::new();
        cmdline.set("test", name)?;
        Ok(cmdline)
    }

    /// Adds the word `key=value`, after checking neither part splits or breaks it.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self, CmdlineError> {
        if key.is_empty() || key.contains(|c: char| c.is_whitespace() || c == '=') {
            return Err(CmdlineError::BadKey(key.to_owned()));
        }
        if value.is_empty() || value.contains(char::is_whitespace) {
            return Err(CmdlineError::BadValue {
                key: key.to_owned(),
                value: value.to_owned(),
            });
        }
        self.words.push(format!("{key}={value}"));
        Ok(self)
    }

    /// Adds the user's `--append` text verbatim (blank text adds nothing).
    pub fn append_raw(&mut self, text: &str) -> &mut Self {
        if !text.trim().is_empty() {
            self.words.push(text.to_owned());
        }
        self
    }

    /// Whether no word was added.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

impl fmt::Display for KernelCmdline {
    /// The text for `-append`: the words joined by single spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_line_boots_normally() {
        let cmdline = KernelCmdline::new();
        assert!(cmdline.is_empty());
        assert_eq!(cmdline.to_string(), "");
    }

    #[test]
    fn test_word_comes_first_and_user_text_follows_verbatim() {
        let mut cmdline = KernelCmdline::for_test("boot").expect("valid name");
        cmdline.append_raw("policy=dirty  dirty=sw");
        assert_eq!(cmdline.to_string(), "test=boot policy=dirty  dirty=sw");
    }

    #[test]
    fn blank_user_text_adds_nothing() {
        let mut cmdline = KernelCmdline::new();
        cmdline.append_raw("   ");
        assert!(cmdline.is_empty());
    }

    #[test]
    fn refuses_words_that_would_split() {
        assert_eq!(
            KernelCmdline::for_test("two words"),
            Err(CmdlineError::BadValue {
                key: "test".into(),
                value: "two words".into()
            })
        );
        assert!(KernelCmdline::for_test("").is_err());
        let mut cmdline = KernelCmdline::new();
        assert_eq!(
            cmdline.set("a=b", "c"),
            Err(CmdlineError::BadKey("a=b".into()))
        );
        assert_eq!(
            cmdline.set("", "c"),
            Err(CmdlineError::BadKey(String::new()))
        );
    }
}
