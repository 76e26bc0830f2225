//! The repository as the docs check sees it: files, code words, test names.
//!
//! [`Tree::scan`] walks the working tree once (skipping build output and
//! `.git`) and indexes what a reference in the docs may point at:
//! - every file and folder, by its path from the root and by each of its
//!   path suffixes (`arch/x86_64/entry.rs` names
//!   `kernel/src/arch/x86_64/entry.rs`), so abbreviated paths resolve;
//! - every identifier that appears in code (Rust sources with comments
//!   removed, plus Cargo manifests, the linker script and the CI script);
//! - every host test (`fn NAME` after `#[test]`, proptest's included) and
//!   every kernel test (`KernelTest { name: "NAME", .. }` in `kernel/src`,
//!   the list `cargo run -- test --list` prints);
//! - the workspace's package names and each package's examples.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Folders never indexed: build output and version control.
const SKIPPED_DIRS: [&str; 2] = ["target", ".git"];

/// Hidden folders that are part of the project.
const HIDDEN_DIRS_KEPT: [&str; 2] = [".cargo", ".ci"];

/// Everything the docs may refer to.
#[derive(Debug, Default)]
pub struct Tree {
    /// The repository root.
    pub root: PathBuf,
    /// Every file, as a path from the root with `/` separators.
    pub files: BTreeSet<String>,
    /// Every folder, as a path from the root, without a trailing `/`.
    pub dirs: BTreeSet<String>,
    /// Each path suffix (at a `/` boundary) of a file or folder, with the
    /// full paths it names.
    suffixes: BTreeMap<String, BTreeSet<String>>,
    /// Identifiers that appear in code outside comments.
    pub code_words: BTreeSet<String>,
    /// Names of host tests: functions marked `#[test]`.
    pub host_tests: BTreeSet<String>,
    /// Names of kernel tests, as `test=NAME` takes them.
    pub kernel_tests: BTreeSet<String>,
    /// Package name to the folder of its manifest (`""` for the root).
    pub packages: BTreeMap<String, String>,
    /// The cargo aliases of `.cargo/config.toml` (`kbuild`, ...).
    pub cargo_aliases: BTreeSet<String>,
}

impl Tree {
    /// Scans the repository at `root`.
    pub fn scan(root: &Path) -> Tree {
        let mut tree = Tree {
            root: root.to_path_buf(),
            ..Tree::default()
        };
        tree.walk(root, "");
        let files: Vec<String> = tree.files.iter().cloned().collect();
        for path in &files {
            tree.index_file(path);
        }
        tree
    }

    fn walk(&mut self, dir: &Path, prefix: &str) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{prefix}{name}");
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let hidden = name.starts_with('.') && !HIDDEN_DIRS_KEPT.contains(&name.as_str());
                if hidden || SKIPPED_DIRS.contains(&name.as_str()) {
                    continue;
                }
                self.add_suffixes(&path);
                self.dirs.insert(path.clone());
                self.walk(&entry.path(), &format!("{path}/"));
            } else if kind.is_file() {
                self.add_suffixes(&path);
                self.files.insert(path);
            }
        }
    }

    fn add_suffixes(&mut self, path: &str) {
        let mut rest = path;
        loop {
            self.suffixes
                .entry(rest.to_owned())
                .or_default()
                .insert(path.to_owned());
            match rest.find('/') {
                Some(slash) => rest = &rest[slash + 1..],
                None => break,
            }
        }
    }

    fn index_file(&mut self, path: &str) {
        let Ok(text) = fs::read_to_string(self.root.join(path)) else {
            return;
        };
        if path.ends_with(".rs") {
            self.code_words.extend(words(&strip_rust_comments(&text)));
            self.host_tests.extend(host_test_names(&text));
            if path.starts_with("kernel/src/") {
                self.kernel_tests.extend(kernel_test_names(&text));
            }
        } else if path.ends_with(".toml") || path == ".ci/run" || path.ends_with(".ld") {
            let code: String = text
                .lines()
                .map(|line| line.split('#').next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            self.code_words.extend(words(&code));
            if path == ".cargo/config.toml" {
                self.cargo_aliases.extend(aliases(&text));
            }
            if path.ends_with("Cargo.toml")
                && let Some(name) = package_name(&text)
            {
                let dir = path.strip_suffix("Cargo.toml").unwrap_or("");
                self.packages
                    .insert(name, dir.trim_end_matches('/').to_owned());
            }
        }
    }

    /// The full paths a path as written in the docs may name: itself from
    /// the root, itself from `doc_dir`, or every file or folder it is a
    /// suffix of. Empty when it names nothing.
    pub fn resolve(&self, written: &str, doc_dir: &str) -> BTreeSet<String> {
        let path = written.trim_start_matches("./").trim_end_matches('/');
        let mut found = BTreeSet::new();
        for candidate in [path.to_owned(), join(doc_dir, path)] {
            if self.files.contains(&candidate) || self.dirs.contains(&candidate) {
                found.insert(candidate);
            }
        }
        if found.is_empty()
            && let Some(paths) = self.suffixes.get(path)
        {
            found.extend(paths.iter().cloned());
        }
        if written.ends_with('/') {
            found.retain(|full| self.dirs.contains(full));
        }
        found
    }

    /// Whether `path` (from the root, or from `doc_dir`) exists, exactly.
    pub fn exists_exactly(&self, path: &str, doc_dir: &str) -> bool {
        let path = path.trim_start_matches("./").trim_end_matches('/');
        [path.to_owned(), join(doc_dir, path)]
            .iter()
            .any(|candidate| self.files.contains(candidate) || self.dirs.contains(candidate))
    }

    /// Number of lines of the file at `path` (from the root).
    pub fn line_count(&self, path: &str) -> Option<usize> {
        fs::read_to_string(self.root.join(path))
            .ok()
            .map(|text| text.lines().count())
    }

    /// Whether the file at `path` (from the root) has `name` as a whole word,
    /// outside comments if it is Rust.
    pub fn file_mentions(&self, path: &str, name: &str) -> bool {
        let Ok(text) = fs::read_to_string(self.root.join(path)) else {
            return false;
        };
        let code = if path.ends_with(".rs") {
            strip_rust_comments(&text)
        } else {
            text
        };
        words(&code).any(|word| word == name)
    }

    /// Whether `name` is a host test or a kernel test.
    pub fn is_test(&self, name: &str) -> bool {
        self.host_tests.contains(name) || self.kernel_tests.contains(name)
    }

    /// Whether any host or kernel test name starts with `prefix`.
    pub fn has_test_starting_with(&self, prefix: &str) -> bool {
        self.host_tests
            .iter()
            .chain(&self.kernel_tests)
            .any(|name| name.starts_with(prefix))
    }

    /// The package whose folder holds `dir` (the innermost one).
    pub fn package_of(&self, dir: &str) -> Option<&str> {
        self.packages
            .iter()
            .filter(|(_, package_dir)| {
                package_dir.is_empty()
                    || dir == package_dir.as_str()
                    || dir.starts_with(&format!("{package_dir}/"))
            })
            .max_by_key(|(_, package_dir)| package_dir.len())
            .map(|(name, _)| name.as_str())
    }

    /// Whether the package `package` has an example named `example`.
    pub fn has_example(&self, package: &str, example: &str) -> bool {
        self.packages.get(package).is_some_and(|dir| {
            let base = join(dir, "examples");
            self.files.contains(&format!("{base}/{example}.rs"))
                || self.files.contains(&format!("{base}/{example}/main.rs"))
        })
    }
}

/// `dir/path`, or `path` when `dir` is the root.
fn join(dir: &str, path: &str) -> String {
    if dir.is_empty() {
        path.to_owned()
    } else {
        format!("{dir}/{path}")
    }
}

/// Every identifier-like word in `text`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        .map(str::to_owned)
}

/// `text` with line comments (`//`, `///`, `//!`) removed. A `//` counts as a
/// comment only outside a string literal (an even number of `"` before it on
/// its line), which is right for this code base's sources.
pub fn strip_rust_comments(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    for line in text.lines() {
        let mut cut = line.len();
        let mut search = 0;
        while let Some(at) = line[search..].find("//") {
            let position = search + at;
            if line[..position].matches('"').count() % 2 == 0 {
                cut = position;
                break;
            }
            search = position + 2;
        }
        code.push_str(&line[..cut]);
        code.push('\n');
    }
    code
}

/// Names of the functions marked `#[test]` in `text` (other attributes and
/// doc comments may stand between the mark and the `fn`).
fn host_test_names(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut names = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.trim() != "#[test]" {
            continue;
        }
        let following = lines.iter().skip(index + 1).take(8);
        if let Some(name) = following.filter_map(|line| fn_name(line)).next() {
            names.push(name);
        }
    }
    names
}

/// The name in a line that declares a function, if it does.
fn fn_name(line: &str) -> Option<String> {
    let after = line.split("fn ").nth(1)?;
    let name: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Names of the kernel tests registered in `text`: the `name: "..."` field
/// of each `KernelTest { ... }`.
fn kernel_test_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for block in text.split("KernelTest {").skip(1) {
        let Some(field) = block.split("name: \"").nth(1) else {
            continue;
        };
        if let Some(name) = field.split('"').next() {
            names.push(name.to_owned());
        }
    }
    names
}

/// The keys of the `[alias]` table of a cargo configuration.
fn aliases(config: &str) -> Vec<String> {
    let Some(table) = config.split("[alias]").nth(1) else {
        return Vec::new();
    };
    let table = table.split("\n[").next().unwrap_or("");
    table
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, _)| key.trim().to_owned())
        .collect()
}

/// The `name` of the `[package]` table of a Cargo manifest.
fn package_name(manifest: &str) -> Option<String> {
    let package = manifest.split("[package]").nth(1)?;
    let table = package.split("\n[").next()?;
    table.lines().find_map(|line| {
        let value = line.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
        Some(value.trim().trim_matches('"').to_owned())
    })
}
