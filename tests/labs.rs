//! The labs' structure against the tree, in plain `cargo test`.
//!
//! Quick checks that need no build of a stubbed tree (`cargo run -- lab
//! check` does that, in CI): every lab's markers exist and are balanced
//! and its stubs apply; every marker in the tree belongs to a lab that
//! lists its file; every graded test exists where its suite looks for it.

use std::path::{Path, PathBuf};

use pristine::lab::markers::{MARKER_PREFIX, scan};
use pristine::lab::start::stubbed_files;
use pristine::lab::{LABS, Suite};
use pristine::workspace_root;

/// The text of `path`, relative to the workspace root.
fn read(path: &str) -> String {
    let full = workspace_root().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{}: {error}", full.display()))
}

/// Every `.rs` file under `dir`, skipping build output and the grader
/// itself (`src/lab/`, whose unit tests hold markers in strings).
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            let grader = path.ends_with("src/lab");
            if path.file_name().is_some_and(|name| name != "target") && !grader {
                rust_files(&path, found);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// Whether `text` contains `word` with no identifier character on either side.
fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[test]
fn every_labs_stubs_apply_to_its_marked_regions() {
    for lab in LABS {
        let files = stubbed_files(workspace_root(), lab)
            .unwrap_or_else(|error| panic!("lab {}: {error}", lab.name));
        for file in files {
            let original = read(file.path);
            assert_ne!(
                file.text, original,
                "lab {} changes nothing in {}",
                lab.name, file.path
            );
            let tag = format!("LAB {}:", lab.name);
            assert!(
                file.text.contains(&tag),
                "{}: no {tag:?} after stubbing",
                file.path
            );
            let markers = |text: &str| {
                text.lines()
                    .filter(|line| line.trim_start().starts_with(MARKER_PREFIX))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            };
            assert_eq!(markers(&file.text), markers(&original), "markers must stay");
        }
    }
}

#[test]
fn every_marker_in_the_tree_belongs_to_a_lab_that_lists_its_file() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["allocator", "kernel", "records", "src", "tests", "bench"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut marked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("a readable source file");
        let relative = path.strip_prefix(root).expect("under the root");
        let relative = relative.to_string_lossy().replace('\\', "/");
        let spans = scan(&text).unwrap_or_else(|error| panic!("{relative}: {error}"));
        for span in spans {
            marked += 1;
            let listed = LABS.iter().any(|lab| {
                lab.name == span.lab && lab.regions.iter().any(|region| region.path == relative)
            });
            assert!(
                listed,
                "{relative}:{}: a region of lab {:?}, which does not list this file",
                span.begin + 1,
                span.lab
            );
        }
    }
    let listed: usize = LABS.iter().map(|lab| lab.regions.len()).sum();
    assert_eq!(
        marked, listed,
        "marked regions against regions in the catalogue"
    );
}

#[test]
fn every_graded_test_exists_where_its_suite_looks() {
    for lab in LABS {
        for test in lab.tests {
            let (file, name) = match test.suite {
                Suite::AllocatorUnit => {
                    let (module, name) = test
                        .name
                        .rsplit_once("::tests::")
                        .unwrap_or_else(|| panic!("{}: not in a `tests` module", test.name));
                    let base = format!("allocator/src/{}", module.replace("::", "/"));
                    let file = if workspace_root().join(format!("{base}.rs")).is_file() {
                        format!("{base}.rs")
                    } else {
                        format!("{base}/mod.rs")
                    };
                    (file, format!("fn {name}("))
                }
                Suite::AllocatorIntegration(binary) => (
                    format!("allocator/tests/{binary}.rs"),
                    format!("fn {}(", test.name),
                ),
                Suite::Qemu => ("tests/qemu/main.rs".to_owned(), test.name.to_owned()),
            };
            let text = read(&file);
            let found = if test.suite == Suite::Qemu {
                contains_word(&text, &name)
            } else {
                text.contains(&name)
            };
            assert!(found, "lab {}: no test {} in {file}", lab.name, test.name);
        }
    }
}

#[test]
fn contains_word_needs_whole_words() {
    assert!(contains_word("boot,\n    breakpoint", "boot"));
    assert!(!contains_word("reboot_now", "boot"));
}
