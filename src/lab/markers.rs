//! Finding the marked solutions in a source file.
//!
//! A lab's solution sits between two comment lines, alone on their lines:
//!
//! ```text
//! // LAB(frame-bitmap): begin
//! ...the code `lab start frame-bitmap` replaces...
//! // LAB(frame-bitmap): end
//! ```
//!
//! Any line whose first non-blank text is `// LAB(` must be such a marker,
//! so a typo is an error rather than a silently ignored region. Regions
//! never nest or overlap, every begin has its end, and the markers stay in
//! place when a stub replaces what is between them, so a stubbed file is
//! still a marked file.

use std::fmt;

/// The text every marker line starts with, after its indentation.
pub const MARKER_PREFIX: &str = "// LAB(";

/// Which end of a region a marker line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// `// LAB(name): begin`.
    Begin,
    /// `// LAB(name): end`.
    End,
}

/// One region between a begin marker and its end marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// The lab the region belongs to.
    pub lab: String,
    /// Index (0-based) of the begin marker's line.
    pub begin: usize,
    /// Index (0-based) of the end marker's line.
    pub end: usize,
    /// The begin marker's indentation, given to every stub line.
    pub indent: String,
}

/// Why the markers of a file cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarkerError {
    /// A line starts like a marker but is not `// LAB(name): begin|end`.
    Malformed {
        /// Line number (1-based).
        line: usize,
        /// The line's text, trimmed.
        text: String,
    },
    /// A begin marker inside another region.
    Nested {
        /// Line number (1-based) of the inner begin.
        line: usize,
        /// The region it is inside of.
        outer: String,
    },
    /// An end marker without a begin for the same lab before it.
    UnmatchedEnd {
        /// Line number (1-based).
        line: usize,
        /// Its lab.
        lab: String,
    },
    /// A begin marker that is never closed.
    Unclosed {
        /// Line number (1-based).
        line: usize,
        /// Its lab.
        lab: String,
    },
    /// The catalogue and the file disagree on how many regions a lab has.
    RegionCount {
        /// The lab.
        lab: String,
        /// Regions the catalogue lists for this file.
        expected: usize,
        /// Regions marked in the file.
        found: usize,
    },
}

impl fmt::Display for MarkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MarkerError::Malformed { line, text } => write!(
                f,
                "line {line}: {text:?} is not a lab marker (`// LAB(name): begin` or `end`)"
            ),
            MarkerError::Nested { line, outer } => {
                write!(f, "line {line}: a region begins inside the {outer} region")
            }
            MarkerError::UnmatchedEnd { line, lab } => {
                write!(f, "line {line}: the {lab} region ends but never began")
            }
            MarkerError::Unclosed { line, lab } => {
                write!(f, "line {line}: the {lab} region begins but never ends")
            }
            MarkerError::RegionCount {
                lab,
                expected,
                found,
            } => write!(
                f,
                "lab {lab} stubs {expected} region(s) here, but {found} are marked"
            ),
        }
    }
}

impl std::error::Error for MarkerError {}

/// Reads one line as a marker: `None` if it is not one, an error if it
/// looks like one but is malformed. `number` is its 1-based line number.
pub fn parse_marker(line: &str, number: usize) -> Option<Result<(String, Edge), MarkerError>> {
    let rest = line.trim_start().strip_prefix(MARKER_PREFIX)?;
    let malformed = || MarkerError::Malformed {
        line: number,
        text: line.trim().to_owned(),
    };
    let parsed = rest.trim_end().split_once("): ").and_then(|(lab, edge)| {
        let edge = match edge {
            "begin" => Edge::Begin,
            "end" => Edge::End,
            _ => return None,
        };
        let valid = !lab.is_empty()
            && lab
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        valid.then(|| (lab.to_owned(), edge))
    });
    Some(parsed.ok_or_else(malformed))
}

/// Every region marked in `text`, in file order, checked: markers
/// well-formed, balanced, not nested.
pub fn scan(text: &str) -> Result<Vec<Span>, MarkerError> {
    let mut spans = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let Some(marker) = parse_marker(line, index + 1) else {
            continue;
        };
        match (marker?, open.take()) {
            ((lab, Edge::Begin), None) => {
                let indent = line[..line.len() - line.trim_start().len()].to_owned();
                open = Some((lab, index, indent));
            }
            ((_, Edge::Begin), Some((outer, _, _))) => {
                return Err(MarkerError::Nested {
                    line: index + 1,
                    outer,
                });
            }
            ((lab, Edge::End), Some((outer, begin, indent))) if lab == outer => {
                spans.push(Span {
                    lab,
                    begin,
                    end: index,
                    indent,
                });
            }
            ((lab, Edge::End), _) => {
                return Err(MarkerError::UnmatchedEnd {
                    line: index + 1,
                    lab,
                });
            }
        }
    }
    match open {
        Some((lab, begin, _)) => Err(MarkerError::Unclosed {
            line: begin + 1,
            lab,
        }),
        None => Ok(spans),
    }
}

/// The regions of lab `lab` in `text`, in file order.
pub fn regions_of(text: &str, lab: &str) -> Result<Vec<Span>, MarkerError> {
    Ok(scan(text)?
        .into_iter()
        .filter(|span| span.lab == lab)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKED: &str = "\
fn a() {
    // LAB(frame-bitmap): begin
    solution();
    // LAB(frame-bitmap): end
}
// LAB(zero-page): begin
// LAB(zero-page): end
";

    #[test]
    fn finds_each_region_with_its_lines_and_indentation() {
        let spans = scan(MARKED).expect("well marked");
        assert_eq!(
            spans,
            [
                Span {
                    lab: "frame-bitmap".into(),
                    begin: 1,
                    end: 3,
                    indent: "    ".into()
                },
                Span {
                    lab: "zero-page".into(),
                    begin: 5,
                    end: 6,
                    indent: String::new()
                },
            ]
        );
        assert_eq!(regions_of(MARKED, "zero-page").map(|s| s.len()), Ok(1));
        assert_eq!(regions_of(MARKED, "dirty-hw"), Ok(vec![]));
    }

    #[test]
    fn ordinary_lines_are_not_markers() {
        for line in ["// LAB frame-bitmap: a stub's comment", "let lab = 1;", ""] {
            assert_eq!(parse_marker(line, 1), None);
        }
        assert_eq!(
            parse_marker("  // LAB(dirty-hw): end  ", 3),
            Some(Ok(("dirty-hw".into(), Edge::End)))
        );
    }

    #[test]
    fn a_line_that_looks_like_a_marker_must_be_one() {
        for bad in [
            "// LAB(Frame): begin",
            "// LAB(frame-bitmap) begin",
            "// LAB(frame-bitmap): start",
            "// LAB(): end",
        ] {
            assert!(
                matches!(
                    parse_marker(bad, 7),
                    Some(Err(MarkerError::Malformed { line: 7, .. }))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn unbalanced_or_nested_markers_are_refused() {
        let nested = "// LAB(a): begin\n// LAB(b): begin\n// LAB(b): end\n// LAB(a): end\n";
        assert_eq!(
            scan(nested),
            Err(MarkerError::Nested {
                line: 2,
                outer: "a".into()
            })
        );
        assert_eq!(
            scan("// LAB(a): end\n"),
            Err(MarkerError::UnmatchedEnd {
                line: 1,
                lab: "a".into()
            })
        );
        assert_eq!(
            scan("x\n// LAB(a): begin\n"),
            Err(MarkerError::Unclosed {
                line: 2,
                lab: "a".into()
            })
        );
        let crossed = "// LAB(a): begin\n// LAB(b): end\n";
        assert!(matches!(
            scan(crossed),
            Err(MarkerError::UnmatchedEnd { line: 2, .. })
        ));
    }
}
