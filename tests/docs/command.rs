//! Checking a quoted `cargo` command against the workspace and the runner.
//!
//! Every `-p NAME` must be a package of the workspace. A `cargo run` of the
//! root package is the runner (`pristine`), so the words after `--` must
//! parse with the runner's own clap definition,
//! [`pristine::cli::Cli::try_parse_from`]: a renamed subcommand or option
//! fails here as it would for a reader. `cargo run -- test NAME` must name a
//! kernel test, and `cargo run -p PACKAGE --example NAME` an example of that
//! package. A subcommand cargo does not have must be an alias of
//! `.cargo/config.toml` (`cargo kbuild`).

use clap::Parser;
use clap::error::ErrorKind;
use pristine::cli::{Cli, Command};

use super::tree::Tree;

/// Cargo's own subcommands (and installed tools) the docs may use; any
/// other must be an alias of `.cargo/config.toml`.
const BUILTIN: [&str; 19] = [
    "bench", "build", "check", "clean", "clippy", "doc", "fetch", "fmt", "install", "metadata",
    "package", "publish", "run", "test", "tree", "update", "add", "rustc", "mutants",
];

/// What a checked command was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandKind {
    /// `cargo run` of the runner, parsed with its CLI.
    Runner,
    /// `cargo run --example`, checked against the package's examples.
    Example,
    /// Any other `cargo` command, its packages checked.
    Cargo,
}

/// Checks one command line (`cargo ...`, maybe with a `# comment`) quoted
/// in a page in `doc_dir`: without `-p`, cargo acts on the package whose
/// folder holds the page (the allocator's README runs in `allocator/`).
pub fn check_command(line: &str, doc_dir: &str, tree: &Tree) -> Result<CommandKind, String> {
    let words = shell_words(line)?;
    if words.first().map(String::as_str) != Some("cargo") {
        return Err(format!("not a cargo command: {line}"));
    }
    let (cargo_part, runner_args) = match words.iter().position(|word| word == "--") {
        Some(dashes) => (&words[..dashes], Some(&words[dashes + 1..])),
        None => (&words[..], None),
    };
    let package = option_value(cargo_part, "-p").or_else(|| option_value(cargo_part, "--package"));
    if let Some(package) = package
        && !tree.packages.contains_key(package)
    {
        let known: Vec<&String> = tree.packages.keys().collect();
        return Err(format!(
            "no package `{package}` in the workspace ({known:?})"
        ));
    }
    let subcommand = cargo_part.get(1).map_or("", String::as_str);
    if !subcommand.starts_with('-')
        && !BUILTIN.contains(&subcommand)
        && !tree.cargo_aliases.contains(subcommand)
    {
        return Err(format!(
            "`cargo {subcommand}` is neither a cargo command nor an alias in .cargo/config.toml"
        ));
    }
    if subcommand != "run" {
        return Ok(CommandKind::Cargo);
    }
    let package = package.or_else(|| tree.package_of(doc_dir));
    if let Some(example) = option_value(cargo_part, "--example") {
        let package = package.unwrap_or("pristine");
        return if tree.has_example(package, example) {
            Ok(CommandKind::Example)
        } else {
            Err(format!("package `{package}` has no example `{example}`"))
        };
    }
    if package.is_some_and(|package| package != "pristine") {
        return Ok(CommandKind::Cargo);
    }
    check_runner_args(runner_args.unwrap_or(&[]), tree)?;
    Ok(CommandKind::Runner)
}

/// Parses the runner's arguments with its CLI and checks what clap cannot:
/// the moved `bench` subcommand and the kernel test's name.
fn check_runner_args(args: &[String], tree: &Tree) -> Result<(), String> {
    let argv = std::iter::once("pristine").chain(args.iter().map(String::as_str));
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            return Ok(());
        }
        Err(error) => {
            let message = error.to_string();
            let first = message.lines().next().unwrap_or("").to_owned();
            return Err(format!("the runner refuses `{}`: {first}", args.join(" ")));
        }
    };
    match cli.command {
        Some(Command::Bench(_)) => Err(
            "`cargo run -- bench` has moved: the benchmark is `cargo bench -p pristine-bench`"
                .to_owned(),
        ),
        Some(Command::Test(test)) => match test.name {
            Some(name) if !is_placeholder(&name) && !tree.kernel_tests.contains(&name) => Err(
                format!("`{name}` is not a kernel test (`cargo run -- test --list`)"),
            ),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Whether a word stands for something the reader fills in (`NAME`, `<test>`).
fn is_placeholder(word: &str) -> bool {
    word.contains('<') || (word.chars().any(char::is_alphabetic) && word == word.to_uppercase())
}

/// The value after `option` (`-p NAME` or `-p=NAME`), if present.
fn option_value<'a>(words: &'a [String], option: &str) -> Option<&'a str> {
    words.iter().enumerate().find_map(|(index, word)| {
        if word == option {
            words.get(index + 1).map(String::as_str)
        } else {
            word.strip_prefix(option)?.strip_prefix('=')
        }
    })
}

/// Splits a command line as a POSIX shell would for simple cases: words
/// separated by blanks, `'...'` and `"..."` quoting, and a `#` that starts a
/// word begins a comment.
pub fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some(close) if close == c => break,
                        Some(inner) => current.push(inner),
                        None => return Err(format!("unclosed quote in `{line}`")),
                    }
                }
            }
            '#' if word.is_none() => break,
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_handle_quotes_and_comments() {
        assert_eq!(
            shell_words(r#"cargo run -- --append "log=debug x" # note"#),
            Ok(vec![
                "cargo".to_owned(),
                "run".to_owned(),
                "--".to_owned(),
                "--append".to_owned(),
                "log=debug x".to_owned(),
            ])
        );
        assert!(shell_words("cargo run -- --append 'open").is_err());
    }

    #[test]
    fn placeholders_are_recognised() {
        assert!(is_placeholder("NAME"));
        assert!(is_placeholder("<test>"));
        assert!(!is_placeholder("boot"));
    }
}
