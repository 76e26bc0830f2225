//! Replacing a lab's marked solutions with its stubs, as text.
//!
//! [`apply`] works on a file's text only, so `lab start`, `lab check` and
//! the unit tests share it and nothing is written before every file of a
//! lab has been stubbed in memory. The markers stay; only the lines
//! between them change, each stub line indented like its begin marker.

use super::markers::{MarkerError, regions_of};

/// `text` with the regions of lab `lab` replaced, in file order, by
/// `stubs` (one per region; blank stub lines stay blank). Fails unless the
/// file marks exactly `stubs.len()` regions of that lab.
pub fn apply(text: &str, lab: &str, stubs: &[&str]) -> Result<String, MarkerError> {
    let spans = regions_of(text, lab)?;
    if spans.len() != stubs.len() {
        return Err(MarkerError::RegionCount {
            lab: lab.to_owned(),
            expected: stubs.len(),
            found: spans.len(),
        });
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len());
    let mut next = 0;
    for (span, stub) in spans.iter().zip(stubs) {
        for line in &lines[next..=span.begin] {
            push_line(&mut out, line);
        }
        for line in stub.lines() {
            if line.trim().is_empty() {
                out.push('\n');
            } else {
                out.push_str(&span.indent);
                push_line(&mut out, line);
            }
        }
        next = span.end;
    }
    for line in &lines[next..] {
        push_line(&mut out, line);
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

/// Appends `line` and a newline.
fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "\
fn first() -> u32 {
    // LAB(demo): begin
    let answer = 42;
    answer
    // LAB(demo): end
}

fn second() {
        // LAB(demo): begin
        real();
        // LAB(demo): end
}
";

    #[test]
    fn each_region_gets_its_stub_indented_like_its_marker() {
        let stubbed = apply(SOURCE, "demo", &["// LAB demo: return 42\n\n0", "()"]).unwrap();
        assert_eq!(
            stubbed,
            "\
fn first() -> u32 {
    // LAB(demo): begin
    // LAB demo: return 42

    0
    // LAB(demo): end
}

fn second() {
        // LAB(demo): begin
        ()
        // LAB(demo): end
}
"
        );
    }

    #[test]
    fn stubbing_twice_gives_the_same_text() {
        let stubs = ["0", "()"];
        let once = apply(SOURCE, "demo", &stubs).unwrap();
        assert_eq!(apply(&once, "demo", &stubs).unwrap(), once);
    }

    #[test]
    fn other_labs_regions_and_a_missing_final_newline_are_kept() {
        let text = "// LAB(other): begin\nkept\n// LAB(other): end\n// LAB(demo): begin\nx\n// LAB(demo): end";
        assert_eq!(
            apply(text, "demo", &["y"]).unwrap(),
            "// LAB(other): begin\nkept\n// LAB(other): end\n// LAB(demo): begin\ny\n// LAB(demo): end"
        );
    }

    #[test]
    fn the_catalogue_and_the_file_must_agree_on_the_regions() {
        assert_eq!(
            apply(SOURCE, "demo", &["0"]),
            Err(MarkerError::RegionCount {
                lab: "demo".into(),
                expected: 1,
                found: 2
            })
        );
        assert!(matches!(
            apply(SOURCE, "absent", &["0"]),
            Err(MarkerError::RegionCount { found: 0, .. })
        ));
    }
}
