//! What a quote in the docs refers to, and whether that still exists.
//!
//! [`check`] sorts each quote found by `markdown.rs` into one kind and checks
//! it against the [`Tree`]:
//! - a **command** (`cargo ...`): see `command.rs`;
//! - a **path** (a quote with a file extension, a trailing `/`, or a first
//!   folder that exists at the root): it must name a file or folder, from
//!   the root, from the page's folder, or as the tail of a longer path
//!   (`engine/reuse.rs`); build output under `target/`, and data files
//!   named bare (`points.csv`, written by a run), are not checked;
//! - a **`file:line`** (or `file:first-last`): the path must name exactly
//!   one file, and the lines must lie within it;
//! - an **item and its file**, written `` `item` (`path`) `` or
//!   `` `item` in `path` ``: the path must exist and mention the item
//!   outside comments;
//! - a **link target**: must exist exactly, relative to the page or the root;
//! - a **test name** (a snake_case identifier that names a host `#[test]`
//!   or a kernel test; `name_*` for a family of tests);
//! - any other **identifier** (`snake_case` with an underscore,
//!   `CamelCase` with two humps, `SCREAMING_CASE`, or a `path::to::item`):
//!   every part must appear in code outside comments, or be one of the few
//!   [`EXTERNAL_NAMES`] defined outside this repository.
//!
//! Everything else in backticks (options, command-line words, prose in code
//! font) is left alone.

use super::command::{CommandKind, check_command};
use super::markdown::{Quote, Source};
use super::tree::Tree;

/// Names the docs quote that are defined outside this repository (the Xen
/// PVH boot ABI), so no code here need spell them outside a comment.
pub const EXTERNAL_NAMES: [&str; 2] = ["hvm_start_info", "XEN_ELFNOTE_PHYS32_ENTRY"];

/// File extensions that make a quote a path.
const EXTENSIONS: [&str; 12] = [
    ".rs", ".md", ".toml", ".ld", ".svg", ".png", ".json", ".csv", ".txt", ".lock", ".sh", ".yml",
];

/// Extensions of data files, which a page may name bare as the output of a
/// run (`points.csv`); quoted with a folder (`docs/img/walk.svg`) they are
/// paths like any other.
const DATA_EXTENSIONS: [&str; 5] = [".svg", ".png", ".json", ".csv", ".txt"];

/// The kinds of checked reference, for the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A path to a file or folder.
    Path,
    /// A `file:line` or `file:first-last`.
    FileLine,
    /// A link or image target.
    Link,
    /// A `cargo run` of the runner, parsed by its CLI.
    RunnerCommand,
    /// A `cargo run --example`.
    Example,
    /// Another `cargo` command (its `-p` checked).
    CargoCommand,
    /// The name of a host or kernel test.
    TestName,
    /// `prefix_*`: a family of tests.
    TestFamily,
    /// Any other code identifier.
    Identifier,
    /// `` `item` (`path`) ``: a path, and the item found in it.
    ItemInFile,
}

/// The verdict on one quote: `None` if it is not a reference at all.
pub fn check(quote: &Quote, doc_dir: &str, tree: &Tree) -> Option<Result<Kind, String>> {
    let text = quote.text.as_str();
    if quote.source == Source::Link {
        return Some(check_link(text, doc_dir, tree));
    }
    if text.starts_with("cargo ") {
        return Some(check_command(text, doc_dir, tree).map(|kind| match kind {
            CommandKind::Runner => Kind::RunnerCommand,
            CommandKind::Example => Kind::Example,
            CommandKind::Cargo => Kind::CargoCommand,
        }));
    }
    if quote.source == Source::FencedCommand {
        return None;
    }
    if let Some((path, lines)) = split_file_line(text)
        && looks_like_path(path, tree)
    {
        return Some(check_file_line(path, lines, doc_dir, tree));
    }
    if looks_like_path(text, tree) {
        let path = check_path(text, doc_dir, tree);
        return Some(match (&quote.names_item, path) {
            (Some(item), Ok(_)) if is_item(item) && !EXTERNAL_NAMES.contains(&item.as_str()) => {
                check_item_in(item, text, doc_dir, tree)
            }
            (_, path) => path,
        });
    }
    check_identifier(text, tree)
}

fn check_link(target: &str, doc_dir: &str, tree: &Tree) -> Result<Kind, String> {
    if tree.exists_exactly(target, doc_dir) {
        Ok(Kind::Link)
    } else {
        Err(format!("link target `{target}` does not exist"))
    }
}

fn check_path(path: &str, doc_dir: &str, tree: &Tree) -> Result<Kind, String> {
    if path.starts_with("target/") {
        return Ok(Kind::Path);
    }
    if tree.resolve(path, doc_dir).is_empty() {
        Err(format!("path `{path}` names no file or folder"))
    } else {
        Ok(Kind::Path)
    }
}

fn check_file_line(
    path: &str,
    (first, last): (usize, usize),
    doc_dir: &str,
    tree: &Tree,
) -> Result<Kind, String> {
    let found = tree.resolve(path, doc_dir);
    let mut files = found.iter().filter(|full| tree.files.contains(*full));
    let (Some(file), None) = (files.next(), files.next()) else {
        return Err(format!(
            "`{path}:{first}` must name exactly one file, but names {found:?}"
        ));
    };
    let count = tree.line_count(file).unwrap_or(0);
    if first == 0 || first > last || last > count {
        return Err(format!(
            "`{path}:{first}{}`: {file} has {count} lines",
            if last == first {
                String::new()
            } else {
                format!("-{last}")
            }
        ));
    }
    Ok(Kind::FileLine)
}

/// `` `item` (`path`) ``: the item must appear in the file, or in a file
/// under the folder, the path names.
fn check_item_in(item: &str, path: &str, doc_dir: &str, tree: &Tree) -> Result<Kind, String> {
    let name = item.rsplit("::").next().unwrap_or(item);
    let found = tree.resolve(path, doc_dir);
    let holds = found.iter().any(|full| {
        let prefix = format!("{full}/");
        tree.files
            .iter()
            .filter(|file| *file == full || file.starts_with(&prefix))
            .any(|file| tree.file_mentions(file, name))
    });
    if holds {
        Ok(Kind::ItemInFile)
    } else {
        Err(format!(
            "`{item}` is said to be in `{path}`, but {found:?} never mention it"
        ))
    }
}

/// Whether `text` is a code item (`name`, `Type`, `path::to::item`) that
/// `check_item_in` can look for.
fn is_item(text: &str) -> bool {
    let item = text.strip_suffix("()").unwrap_or(text);
    item.split("::").all(is_word)
}

/// `path:12` or `path:12-20`, split into the path and the line range.
fn split_file_line(text: &str) -> Option<(&str, (usize, usize))> {
    let (path, lines) = text.rsplit_once(':')?;
    let (first, last) = match lines.split_once('-') {
        Some((first, last)) => (first.parse().ok()?, last.parse().ok()?),
        None => {
            let line = lines.parse().ok()?;
            (line, line)
        }
    };
    Some((path, (first, last)))
}

/// Whether `text` is written as a path: path characters only, with a lower
/// case letter or a dot, and a known extension, a trailing `/`, a leading
/// `./`, or a first folder that exists at the root (so `dirty/hw` or `R/W`
/// are not paths).
fn looks_like_path(text: &str, tree: &Tree) -> bool {
    let path_chars = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-./+".contains(c));
    if !path_chars || !text.chars().any(|c| c.is_ascii_lowercase() || c == '.') {
        return false;
    }
    if text.starts_with("./") || text.ends_with('/') && text.len() > 1 {
        return true;
    }
    let bare_data = !text.contains('/') && DATA_EXTENSIONS.iter().any(|e| text.ends_with(e));
    if EXTENSIONS.iter().any(|extension| text.ends_with(extension)) && !bare_data {
        return true;
    }
    let first = text.split('/').next().unwrap_or("");
    text.contains('/') && (tree.dirs.contains(first) || tree.files.contains(first))
}

/// Checks a quote that looks like a code identifier; `None` for anything
/// else (options, prose in code font, expressions).
fn check_identifier(text: &str, tree: &Tree) -> Option<Result<Kind, String>> {
    if let Some(prefix) = text.strip_suffix('*') {
        if !is_snake_case(prefix.trim_end_matches('_')) {
            return None;
        }
        return Some(if tree.has_test_starting_with(prefix) {
            Ok(Kind::TestFamily)
        } else {
            Err(format!("no test name starts with `{prefix}`"))
        });
    }
    let item = text.split('(').next().unwrap_or(text);
    let parts: Vec<&str> = item.split("::").collect();
    let checked = if parts.len() > 1 {
        parts.iter().all(|part| is_word(part))
    } else {
        is_snake_case(item) || is_camel_case(item) || is_screaming_case(item)
    };
    if !checked || (item != text && !text.ends_with(')')) {
        return None;
    }
    if parts.len() == 1 && tree.is_test(item) {
        return Some(Ok(Kind::TestName));
    }
    let missing: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|part| !tree.code_words.contains(*part) && !EXTERNAL_NAMES.contains(part))
        .collect();
    Some(if missing.is_empty() {
        Ok(Kind::Identifier)
    } else if parts.len() == 1 && is_snake_case(item) {
        Err(format!(
            "`{item}` is neither a test (host #[test] fn or kernel test) nor an identifier in the code"
        ))
    } else {
        Err(format!("`{item}`: {missing:?} not found in the code"))
    })
}

/// An identifier: letters, digits and `_`, not starting with a digit.
fn is_word(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `lower_snake_case` with at least one inner underscore.
fn is_snake_case(text: &str) -> bool {
    is_word(text)
        && !text.chars().any(|c| c.is_ascii_uppercase())
        && text.trim_matches('_').contains('_')
}

/// `CamelCase` with at least two humps (`PageTableMmu`, not `Mmu`).
fn is_camel_case(text: &str) -> bool {
    is_word(text)
        && text.starts_with(|c: char| c.is_ascii_uppercase())
        && !text.contains('_')
        && text.chars().any(|c| c.is_ascii_lowercase())
        && text.chars().filter(char::is_ascii_uppercase).count() >= 2
}

/// `SCREAMING_SNAKE_CASE` with at least one inner underscore.
fn is_screaming_case(text: &str) -> bool {
    is_word(text)
        && !text.chars().any(|c| c.is_ascii_lowercase())
        && text.trim_matches('_').contains('_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lines_split_into_path_and_range() {
        assert_eq!(split_file_line("a/b.rs:12"), Some(("a/b.rs", (12, 12))));
        assert_eq!(split_file_line("a/b.rs:3-9"), Some(("a/b.rs", (3, 9))));
        assert_eq!(split_file_line("Vol. 3A"), None);
    }

    #[test]
    fn identifier_shapes() {
        assert!(is_snake_case("zero_if_dirty") && !is_snake_case("boot"));
        assert!(is_camel_case("PageTableMmu") && !is_camel_case("Mmu"));
        assert!(is_screaming_case("MAX_LEN") && !is_screaming_case("P"));
        assert!(!is_snake_case("x86_64-unknown-none"));
    }
}
