//! The kernel command line the runner passes through QEMU's `-append`.
//!
//! The kernel reads space-separated `key=value` words from `hvm_start_info`:
//! `test=NAME` runs one kernel test, `test=list` lists them, and later issues
//! add `mode=demo`, `mode=bench`, `policy=...`, `dirty=hw|sw` and `rounds=N`.
//! Building the line through [`KernelCmdline::set`] keeps a stray space from
//! splitting one value into two words; the user's `--append` text is added
//! verbatim after the runner's own words by [`KernelCmdline::append_user`],
//! which refuses text that would set one of the runner's own keys (the
//! kernel takes the last word with a key, so it would silently win) or make
//! the line longer than the kernel can receive ([`KernelCmdline::MAX_LEN`]).
//! The kernel checks every word itself and refuses what it does not know
//! (QEMU exit status 37, see [`crate::exit`]).

use std::fmt;

/// A kernel command line under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelCmdline {
    /// Words in order: checked `key=value` pairs, then raw user text.
    words: Vec<String>,
    /// The keys set with [`KernelCmdline::set`]: the runner's own.
    runner_keys: Vec<String>,
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
    /// The whole line is longer than a PVH boot can carry to the kernel.
    #[error(
        "the kernel command line would be {len} bytes, but a PVH boot carries at most {max} \
         (QEMU's loader copies it into a 4 KiB buffer); shorten --append"
    )]
    TooLong {
        /// The length the line would have.
        len: usize,
        /// [`KernelCmdline::MAX_LEN`].
        max: usize,
    },
    /// The user's text sets a key the runner sets itself.
    #[error("--append must not set {key}=; {instead}")]
    Overrides {
        /// The key both set.
        key: String,
        /// What to use instead.
        instead: &'static str,
    },
}

/// What to use instead of `--append KEY=...` for a key the runner sets.
fn runner_option_for(key: &str) -> &'static str {
    match key {
        "rounds" => "use --rounds",
        "sizes" => "use --size",
        "policies" | "policy" => "use --policy",
        "dirty" => "use --dirty",
        "test" => "name the test after `test`",
        "poison" => "the runner poisons free memory for every kernel test",
        "mode" => "choose the subcommand instead",
        _ => "the runner sets it",
    }
}

impl KernelCmdline {
    /// An empty command line: the kernel boots normally.
    pub fn new() -> Self {
        Self::default()
    }

    /// The longest line the kernel can receive, in bytes: QEMU's PVH
    /// option ROM copies the line into a 4 KiB buffer with its closing NUL
    /// and does not check the length (QEMU `pc-bios/optionrom/pvh_main.c`,
    /// `CMDLINE_BUFSIZE`); a longer line overwrites the boot information
    /// after the buffer before the kernel runs, and about 70 KB stop the
    /// boot altogether. The kernel's `MAX_COMMAND_LINE`
    /// (`kernel/src/boot_info.rs`) is the same number.
    pub const MAX_LEN: usize = 4095;

    /// The command line that runs the one kernel test `name` (`test=NAME`),
    /// on poisoned memory (`poison=on`: every free frame is filled with
    /// 0xa5 first, so the tests can see a byte nobody zeroed). `test=list`
    /// only lists the tests, so it does not poison.
    pub fn for_test(name: &str) -> Result<Self, CmdlineError> {
        let mut cmdline = Self::new();
        cmdline.set("test", name)?;
        if name != "list" {
            cmdline.set("poison", "on")?;
        }
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
        self.runner_keys.push(key.to_owned());
        Ok(self)
    }

    /// Adds the user's `--append` text verbatim, after checking it sets none
    /// of the keys already set with [`KernelCmdline::set`] and the line
    /// stays within [`KernelCmdline::MAX_LEN`].
    pub fn append_user(&mut self, text: &str) -> Result<&mut Self, CmdlineError> {
        for word in text.split_whitespace() {
            let key = word.split_once('=').map_or(word, |(key, _)| key);
            if self.runner_keys.iter().any(|own| own == key) {
                return Err(CmdlineError::Overrides {
                    key: key.to_owned(),
                    instead: runner_option_for(key),
                });
            }
        }
        let mut extended = self.clone();
        extended.append_raw(text);
        extended.check_length()?;
        *self = extended;
        Ok(self)
    }

    /// Checks the line fits what the kernel can receive ([`Self::MAX_LEN`]).
    pub fn check_length(&self) -> Result<(), CmdlineError> {
        let len = self.to_string().len();
        if len > Self::MAX_LEN {
            return Err(CmdlineError::TooLong {
                len,
                max: Self::MAX_LEN,
            });
        }
        Ok(())
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
        assert_eq!(
            cmdline.to_string(),
            "test=boot poison=on policy=dirty  dirty=sw"
        );
    }

    #[test]
    fn tests_run_on_poisoned_memory_but_the_list_does_not() {
        let cmdline = KernelCmdline::for_test("boot").expect("valid name");
        assert_eq!(cmdline.to_string(), "test=boot poison=on");
        let list = KernelCmdline::for_test("list").expect("valid name");
        assert_eq!(list.to_string(), "test=list");
    }

    #[test]
    fn user_text_may_not_set_the_runners_keys() {
        let mut cmdline = KernelCmdline::new();
        cmdline.set("mode", "demo").expect("valid");
        cmdline.set("rounds", "20").expect("valid");
        let error = cmdline
            .append_user("log=debug rounds=0")
            .expect_err("rounds= is the runner's");
        assert_eq!(
            error.to_string(),
            "--append must not set rounds=; use --rounds"
        );
        assert_eq!(cmdline.to_string(), "mode=demo rounds=20");
        cmdline
            .append_user("log=debug policy=dirty")
            .expect("not the runner's");
        assert_eq!(
            cmdline.to_string(),
            "mode=demo rounds=20 log=debug policy=dirty"
        );
    }

    #[test]
    fn refuses_lines_longer_than_the_kernel_receives() {
        let mut cmdline = KernelCmdline::for_test("boot").expect("valid name");
        let room = KernelCmdline::MAX_LEN - cmdline.to_string().len() - 1;
        cmdline
            .append_user(&"x".repeat(room))
            .expect("exactly fits");
        assert_eq!(cmdline.to_string().len(), KernelCmdline::MAX_LEN);
        let error = cmdline.append_user("y").expect_err("one byte too many");
        assert_eq!(
            error,
            CmdlineError::TooLong {
                len: KernelCmdline::MAX_LEN + 2,
                max: KernelCmdline::MAX_LEN
            }
        );
        assert!(error.to_string().contains("shorten --append"));
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
