//! Docs that cannot rot: every path, `file:line`, test name, identifier and
//! runner command the docs quote must still exist.
//!
//! The pages checked are [`PAGES`] (the README and the allocator's README)
//! and every Markdown page in `docs/` (the book), plus the words of every
//! diagram under `docs/` (`svg.rs`). Each quote (inline code, link targets,
//! `cargo` lines in code blocks; see `markdown.rs`) is sorted and checked
//! by `classify.rs` against an index of the working tree (`tree.rs`): paths
//! against the files, `file:line` against their length, test names against
//! the `#[test]` functions and the kernel's test list, identifiers against
//! the code, and `cargo run -- ...` against the runner's own command-line
//! parser (`command.rs`). Host only and fast: no QEMU, no kernel build.
//!
//! When this fails, the message lists each stale quote as `page:line` with
//! the reason: fix the page, or the code it describes. To see how every
//! quote was read: `DOCS_CHECK_VERBOSE=1 cargo test --test docs -- --nocapture`.

mod classify;
mod command;
mod markdown;
mod svg;
mod tree;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use classify::{Kind, check};
use markdown::quotes;
use tree::Tree;

/// The pages whose quotes are checked, besides every `docs/*.md`.
const PAGES: [&str; 2] = ["README.md", "allocator/README.md"];

/// A stale quote: where it stands and why it fails.
struct Problem {
    page: String,
    line: usize,
    reason: String,
}

/// What checking a set of pages found.
#[derive(Default)]
struct Report {
    checked: BTreeMap<Kind, usize>,
    problems: Vec<Problem>,
}

impl Report {
    fn check_page(&mut self, page: &str, text: &str, tree: &Tree) {
        let dir = Path::new(page)
            .parent()
            .map_or_else(String::new, |dir| dir.to_string_lossy().into_owned());
        let verbose = std::env::var_os("DOCS_CHECK_VERBOSE").is_some();
        let found = if page.ends_with(".svg") {
            svg::quotes(text)
        } else {
            quotes(text)
        };
        for quote in found {
            let verdict = check(&quote, &dir, tree);
            if verbose {
                eprintln!("{page}:{}: {:?} {:?}", quote.line, quote.text, verdict);
            }
            match verdict {
                None => {}
                Some(Ok(kind)) => *self.checked.entry(kind).or_default() += 1,
                Some(Err(reason)) => self.problems.push(Problem {
                    page: page.to_owned(),
                    line: quote.line,
                    reason,
                }),
            }
        }
    }

    fn summary(&self) -> String {
        let total: usize = self.checked.values().sum();
        let parts: Vec<String> = self
            .checked
            .iter()
            .map(|(kind, count)| format!("{kind:?} {count}"))
            .collect();
        format!("{total} references checked: {}", parts.join(", "))
    }
}

/// The root package's folder: the repository root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The diagrams: every `.svg` under `docs/`.
fn diagrams(tree: &Tree) -> Vec<String> {
    tree.files
        .iter()
        .filter(|path| path.starts_with("docs/") && path.ends_with(".svg"))
        .cloned()
        .collect()
}

/// README.md, allocator/README.md and every `docs/*.md`, sorted.
fn pages(tree: &Tree) -> Vec<String> {
    let mut pages: Vec<String> = PAGES.iter().map(|page| (*page).to_owned()).collect();
    pages.extend(
        tree.files
            .iter()
            .filter(|path| path.starts_with("docs/") && path.ends_with(".md"))
            .filter(|path| !path["docs/".len()..].contains('/'))
            .cloned(),
    );
    pages
}

#[test]
fn every_reference_in_the_docs_exists() {
    let tree = Tree::scan(root());
    let mut report = Report::default();
    let mut pages = pages(&tree);
    pages.extend(diagrams(&tree));
    for page in &pages {
        let text = fs::read_to_string(root().join(page))
            .unwrap_or_else(|error| panic!("cannot read {page}: {error}"));
        report.check_page(page, &text, &tree);
    }
    eprintln!(
        "docs check: {} pages and diagrams; {}",
        pages.len(),
        report.summary()
    );
    let problems: Vec<String> = report
        .problems
        .iter()
        .map(|problem| format!("{}:{}: {}", problem.page, problem.line, problem.reason))
        .collect();
    assert!(
        problems.is_empty(),
        "{} stale references in the docs:\n{}",
        problems.len(),
        problems.join("\n")
    );
    for kind in [Kind::Path, Kind::RunnerCommand, Kind::TestName, Kind::Link] {
        assert!(
            report.checked.contains_key(&kind),
            "no {kind:?} found: is the checker still reading the docs? {}",
            report.summary()
        );
    }
}

/// The book (`docs/book.toml`, mdBook) shows the chapters `docs/SUMMARY.md`
/// lists: every Markdown page of `docs/` must be one of them, or it would
/// be left out of the book.
#[test]
fn every_page_of_docs_is_in_the_book() {
    let tree = Tree::scan(root());
    assert!(
        tree.files.contains("docs/book.toml"),
        "docs/book.toml is missing"
    );
    let summary = fs::read_to_string(root().join("docs/SUMMARY.md"))
        .unwrap_or_else(|error| panic!("cannot read docs/SUMMARY.md: {error}"));
    let listed: Vec<String> = quotes(&summary)
        .into_iter()
        .filter(|quote| quote.source == markdown::Source::Link)
        .map(|quote| format!("docs/{}", quote.text))
        .collect();
    let missing: Vec<String> = pages(&tree)
        .into_iter()
        .filter(|page| page.starts_with("docs/") && page != "docs/SUMMARY.md")
        .filter(|page| !listed.contains(page))
        .collect();
    assert!(
        missing.is_empty(),
        "pages of docs/ that docs/SUMMARY.md does not list: {missing:?}"
    );
}

/// A page full of stale quotes of every kind: each must be reported, and the
/// good ones beside them must pass. (The stale identifiers are written with
/// an `@` that is removed before the check: spelled whole in this file, they
/// would be words of the code and so exist.)
#[test]
fn the_check_reports_every_kind_of_stale_reference() {
    let tree = Tree::scan(root());
    let page = "\
Good: `kernel/src/main.rs`, `engine/reuse.rs`, `kernel/src/main.rs:1`,
[tour](tour.md), `hardware_dirty_bit_catches_silent_write`,
`calloc_reads_zero_*`, `zero_if_dirty`, `LargeAllocator::handle_fault`,
`cargo run -- test boot`, `cargo run -p pristine-allocator --example seed_experiment`.
Stale: `kernel/src/no_such_file.rs`, `kernel/src/main.rs:100000`,
[gone](no_such_page.md), `dirty_bit_was_never@_tested_here`, `no_such_family_*`,
`LargeAllocator::no_such@_method`, `cargo run -- no-such-subcommand`,
`cargo run -- test no_such_kernel_test`, `cargo run -- bench`,
`cargo test -p no-such-package`, `cargo run -p pristine-allocator --example nope`,
`cargo kbuild`, `cargo no-such-alias`, `kernel_main` (`kernel/src/main.rs`),
`kernel_entry` (`kernel/src/arch/x86_64/mod.rs`).
"
    .replace('@', "");
    let mut report = Report::default();
    report.check_page("docs/example.md", &page, &tree);
    let reasons: Vec<&str> = report
        .problems
        .iter()
        .map(|problem| problem.reason.as_str())
        .collect();
    assert_eq!(reasons.len(), 13, "{reasons:#?}");
    for needle in [
        "no_such_file.rs",
        "main.rs:100000",
        "no_such_page.md",
        "dirty_bit_was_never",
        "no_such_family_",
        "LargeAllocator::no_such",
        "no-such-subcommand",
        "no_such_kernel_test",
        "moved",
        "no-such-package",
        "no example `nope`",
        "`cargo no-such-alias`",
        "`kernel_entry` is said to be in `kernel/src/arch/x86_64/mod.rs`",
    ] {
        assert!(
            reasons.iter().any(|reason| reason.contains(needle)),
            "nothing reported about {needle}: {reasons:#?}"
        );
    }
    assert_eq!(
        report.checked.values().sum::<usize>(),
        14,
        "{}",
        report.summary()
    );
}
