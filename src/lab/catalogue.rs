//! The course: which labs exist, what each one stubs and how it is graded.
//!
//! A [`Lab`] names the marked regions of the source it takes away (each
//! with the stub `lab start` puts in its place) and the tests that grade
//! it, with points. The labs themselves live one per file in
//! `lab/course/`; [`LABS`] is their order, the order a student takes them
//! in: a frame, then the page table that maps it, then what a fault puts
//! in that page table, then the cache that keeps regions for reuse, then
//! the two ways of knowing which reused pages need zeroing, then sharing
//! written frames copy-on-write.
//!
//! Every lab is independent on the full tree: `lab start NAME` stubs only
//! that lab's regions, so an unfinished earlier lab never blocks a later
//! one (as each xv6 lab starts from its own branch). A new lab is one file
//! in `lab/course/`, one line in [`LABS`] and its markers in the source;
//! the unit tests below and `lab check` hold it to the same rules.

use super::course;
use super::error::LabError;

/// Which `cargo test` invocation runs a graded test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Suite {
    /// The allocator's unit tests: `cargo test -p pristine-allocator --lib`.
    AllocatorUnit,
    /// One of the allocator's integration tests, `allocator/tests/NAME.rs`:
    /// `cargo test -p pristine-allocator --test NAME`.
    AllocatorIntegration(&'static str),
    /// The QEMU tests in `tests/qemu/main.rs`: `cargo test -p pristine --test qemu`.
    Qemu,
}

impl Suite {
    /// The `cargo test` arguments that build and run this suite (before
    /// the `--` that separates libtest's own).
    pub fn cargo_args(self) -> Vec<&'static str> {
        match self {
            Suite::AllocatorUnit => vec!["test", "-p", "pristine-allocator", "--lib"],
            Suite::AllocatorIntegration(name) => {
                vec!["test", "-p", "pristine-allocator", "--test", name]
            }
            Suite::Qemu => vec!["test", "-p", "pristine", "--test", "qemu"],
        }
    }

    /// The module path libtest prints before a test's name in this suite:
    /// the QEMU tests run once per architecture (`x86_64::NAME`,
    /// `riscv64::NAME`), and labs are graded on x86_64.
    pub fn module_prefix(self) -> &'static str {
        match self {
            Suite::Qemu => "x86_64::",
            Suite::AllocatorUnit | Suite::AllocatorIntegration(_) => "",
        }
    }

    /// Where the tests run, for the score table: on the host (unit or
    /// integration test file) or in QEMU.
    pub fn label(self) -> String {
        match self {
            Suite::AllocatorUnit => "host unit".to_owned(),
            Suite::AllocatorIntegration(name) => format!("host {name}"),
            Suite::Qemu => "QEMU".to_owned(),
        }
    }
}

/// One test that counts towards a lab's grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GradedTest {
    /// The invocation that runs it.
    pub suite: Suite,
    /// Its full libtest name (`frame::summary::tests::…` for a unit test).
    pub name: &'static str,
    /// Points it is worth when it passes.
    pub points: u32,
}

/// One marked region of the source a lab takes away.
///
/// In `path` the solution sits between `// LAB(name): begin` and
/// `// LAB(name): end`; a lab with several regions in one file lists them
/// in file order, and the n-th region listed for a file is the n-th pair of
/// its markers there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// The file, relative to the workspace root.
    pub path: &'static str,
    /// What `lab start` writes between the markers, without indentation
    /// (the begin marker's is added). It compiles, says what to implement,
    /// and fails the lab's tests without making anything loop or panic
    /// in the kernel: a wrong but safe value with a comment.
    pub stub: &'static str,
}

/// A lab of the course.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lab {
    /// The name its markers and the command line use (`frame-bitmap`).
    pub name: &'static str,
    /// One line: what the student builds.
    pub title: &'static str,
    /// What it teaches and where to start reading, for `lab list`.
    pub teaches: &'static str,
    /// The regions `lab start` stubs.
    pub regions: &'static [Region],
    /// The tests that grade it.
    pub tests: &'static [GradedTest],
}

impl Lab {
    /// Full marks.
    pub fn points(&self) -> u32 {
        self.tests.iter().map(|test| test.points).sum()
    }
}

/// The labs, in the order of the course.
pub const LABS: &[&Lab] = &[
    &course::frame_bitmap::LAB,
    &course::page_table_walk::LAB,
    &course::zero_page::LAB,
    &course::cache_store::LAB,
    &course::dirty_hw::LAB,
    &course::dirty_sw::LAB,
    &course::cow_sharing::LAB,
];

/// The lab called `name`.
pub fn find(name: &str) -> Result<&'static Lab, LabError> {
    LABS.iter()
        .copied()
        .find(|lab| lab.name == name)
        .ok_or_else(|| LabError::UnknownLab {
            name: name.to_owned(),
            known: names(),
        })
}

/// The lab called `name`, or every lab when `None`.
pub fn selected(name: Option<&str>) -> Result<Vec<&'static Lab>, LabError> {
    match name {
        Some(name) => Ok(vec![find(name)?]),
        None => Ok(LABS.to_vec()),
    }
}

/// Every lab's name, in course order, comma-separated.
fn names() -> String {
    LABS.iter()
        .map(|lab| lab.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn there_are_at_least_six_labs_with_distinct_names() {
        assert!(LABS.len() >= 6, "{} labs", LABS.len());
        let names: BTreeSet<_> = LABS.iter().map(|lab| lab.name).collect();
        assert_eq!(names.len(), LABS.len(), "a name is used twice");
        for lab in LABS {
            let valid = lab
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(valid && !lab.name.is_empty(), "bad name {:?}", lab.name);
        }
    }

    #[test]
    fn every_lab_stubs_something_and_grades_it() {
        for lab in LABS {
            assert!(!lab.regions.is_empty(), "{} stubs nothing", lab.name);
            assert!(!lab.tests.is_empty(), "{} has no tests", lab.name);
            assert!(lab.tests.iter().all(|test| test.points > 0), "{}", lab.name);
            let tests: BTreeSet<_> = lab.tests.iter().map(|t| (t.suite, t.name)).collect();
            assert_eq!(
                tests.len(),
                lab.tests.len(),
                "{} grades a test twice",
                lab.name
            );
            for region in lab.regions {
                let tag = format!("LAB {}:", lab.name);
                assert!(
                    region.stub.contains(&tag),
                    "the stub for {} in {} must say what to implement after {tag:?}",
                    lab.name,
                    region.path
                );
            }
        }
    }

    #[test]
    fn labs_are_found_by_name_and_unknown_names_list_the_known_ones() {
        assert_eq!(
            find("frame-bitmap").ok().map(|lab| lab.name),
            Some("frame-bitmap")
        );
        let Err(LabError::UnknownLab { name, known }) = find("cow") else {
            panic!("`cow` is not a lab: names match whole");
        };
        assert_eq!(name, "cow");
        assert!(
            known.starts_with("frame-bitmap, page-table-walk"),
            "{known}"
        );
        assert_eq!(selected(None).ok().map(|labs| labs.len()), Some(LABS.len()));
    }

    #[test]
    fn suites_name_their_cargo_invocation() {
        assert_eq!(
            Suite::AllocatorIntegration("model_invariants").cargo_args(),
            [
                "test",
                "-p",
                "pristine-allocator",
                "--test",
                "model_invariants"
            ]
        );
        assert_eq!(Suite::Qemu.label(), "QEMU");
    }
}
