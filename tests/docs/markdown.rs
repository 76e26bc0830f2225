//! Reading a Markdown page for the things it quotes.
//!
//! Three kinds of text can go stale, and [`quotes`] collects each with the
//! line it starts on:
//! - inline code spans (`` `kernel/src/main.rs` ``, `` `cargo run -- boot` ``,
//!   `` `hardware_dirty_bit_catches_silent_write` ``);
//! - the targets of links and images (`[tour](docs/tour.md)`), except web
//!   addresses and in-page anchors;
//! - command lines in fenced code blocks that start with `cargo` (a trailing
//!   `\` joins the next line).
//!
//! What each quote means (a path, a command, a test name) is decided in
//! `classify.rs`; this file only finds them.

/// Where a quote was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An inline code span.
    CodeSpan,
    /// A link or image target.
    Link,
    /// A `cargo` line in a fenced code block.
    FencedCommand,
}

/// One quoted piece of text and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    /// The text, as written (newlines inside a span become spaces).
    pub text: String,
    /// 1-based line of the page where it starts.
    pub line: usize,
    /// What kind of quote it is.
    pub source: Source,
    /// For a code span written right after another as `` `item` (`here`) ``
    /// or `` `item` in `here` ``: that other span, the item said to be here.
    pub names_item: Option<String>,
}

/// Every quote in `page`, in order.
pub fn quotes(page: &str) -> Vec<Quote> {
    let mut found = Vec::new();
    let mut prose = String::with_capacity(page.len());
    let mut fence: Option<&str> = None;
    let mut pending: Option<(String, usize)> = None;
    for (index, line) in page.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"]
            .into_iter()
            .find(|marker| trimmed.starts_with(marker));
        match (fence, marker) {
            (None, Some(marker)) => fence = Some(marker),
            (Some(open), Some(marker)) if open == marker => fence = None,
            (Some(_), _) => fenced_line(trimmed, index + 1, &mut pending, &mut found),
            (None, None) => prose.push_str(line),
        }
        prose.push('\n');
    }
    found.extend(code_spans_and_links(&prose));
    found.sort_by_key(|quote| quote.line);
    found
}

/// Collects a `cargo` command from one line of a fenced block, joining
/// lines that end in `\`.
fn fenced_line(
    trimmed: &str,
    line: usize,
    pending: &mut Option<(String, usize)>,
    found: &mut Vec<Quote>,
) {
    let (mut text, start) = match pending.take() {
        Some((text, start)) => (text, start),
        None => {
            let command = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
            if !command.starts_with("cargo ") && command != "cargo" {
                return;
            }
            (String::new(), line)
        }
    };
    let body = trimmed.strip_prefix("$ ").filter(|_| text.is_empty());
    let body = body.unwrap_or(trimmed);
    match body.strip_suffix('\\') {
        Some(continued) => {
            text.push_str(continued);
            text.push(' ');
            *pending = Some((text, start));
        }
        None => {
            text.push_str(body);
            found.push(Quote {
                text,
                line: start,
                source: Source::FencedCommand,
                names_item: None,
            });
        }
    }
}

/// Code spans and link targets in `prose` (fenced blocks blanked out).
fn code_spans_and_links(prose: &str) -> Vec<Quote> {
    let bytes = prose.as_bytes();
    let mut found = Vec::new();
    let mut line = 1;
    let mut index = 0;
    // The previous code span and the byte just after it.
    let mut previous: Option<(String, usize)> = None;
    while index < bytes.len() {
        match bytes[index] {
            b'\n' => {
                line += 1;
                index += 1;
            }
            b'`' => {
                let run = bytes[index..].iter().take_while(|&&b| b == b'`').count();
                let fence = &prose[index..index + run];
                let body_start = index + run;
                match find_closing(prose, body_start, fence) {
                    Some(end) => {
                        let body = &prose[body_start..end];
                        let text = body.replace('\n', " ").trim().to_owned();
                        let names_item = previous.take().and_then(|(item, after)| {
                            let gap = &prose[after..index];
                            [" (", " in "].contains(&gap).then_some(item)
                        });
                        found.push(Quote {
                            text: text.clone(),
                            line,
                            source: Source::CodeSpan,
                            names_item,
                        });
                        line += body.matches('\n').count();
                        index = end + run;
                        previous = Some((text, index));
                    }
                    None => index = body_start,
                }
            }
            b']' if bytes.get(index + 1) == Some(&b'(') => {
                let start = index + 2;
                let end = prose[start..]
                    .find(')')
                    .map_or(prose.len(), |at| start + at);
                let target = prose[start..end].split_whitespace().next().unwrap_or("");
                if let Some(target) = link_target(target) {
                    found.push(Quote {
                        text: target.to_owned(),
                        line,
                        source: Source::Link,
                        names_item: None,
                    });
                }
                index = start;
            }
            _ => index += 1,
        }
    }
    found
}

/// Where the run of backticks `fence` that closes a span opened before
/// `from` starts: the next run of exactly that length.
fn find_closing(prose: &str, from: usize, fence: &str) -> Option<usize> {
    let bytes = prose.as_bytes();
    let mut search = from;
    while let Some(at) = prose[search..].find(fence) {
        let start = search + at;
        let end = start + fence.len();
        let longer = bytes.get(end) == Some(&b'`');
        if !longer {
            return Some(start);
        }
        search = end + bytes[end..].iter().take_while(|&&b| b == b'`').count();
    }
    None
}

/// A link target that names something in the repository, without its
/// `#anchor`; `None` for web addresses, mail and in-page anchors.
fn link_target(target: &str) -> Option<&str> {
    let target = target.trim_matches(|c| c == '<' || c == '>');
    if target.is_empty() || target.starts_with('#') || target.contains("://") {
        return None;
    }
    if target.starts_with("mailto:") {
        return None;
    }
    target.split('#').next().filter(|path| !path.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(page: &str) -> Vec<(String, usize, Source)> {
        quotes(page)
            .into_iter()
            .map(|quote| (quote.text, quote.line, quote.source))
            .collect()
    }

    #[test]
    fn spans_links_and_fenced_commands_are_found_with_their_lines() {
        let page = "Intro `a/b.rs` and [x](docs/c.md#part).\n\
                    ```sh\n\
                    cargo run -- boot   # comment\n\
                    echo `not a span`\n\
                    cargo test \\\n  -p pristine\n\
                    ```\n\
                    ``double `tick` span`` then [web](https://example.org)\n";
        assert_eq!(
            texts(page),
            [
                ("a/b.rs".to_owned(), 1, Source::CodeSpan),
                ("docs/c.md".to_owned(), 1, Source::Link),
                (
                    "cargo run -- boot   # comment".to_owned(),
                    3,
                    Source::FencedCommand
                ),
                (
                    "cargo test  -p pristine".to_owned(),
                    5,
                    Source::FencedCommand
                ),
                ("double `tick` span".to_owned(), 8, Source::CodeSpan),
            ]
        );
    }

    #[test]
    fn an_item_followed_by_its_file_is_paired() {
        let page = "`kernel_entry` (`entry.rs`), `Mmu` in `mmu.rs`, `a` and `b.rs`\n";
        let named: Vec<Option<String>> = quotes(page)
            .into_iter()
            .map(|quote| quote.names_item)
            .collect();
        let some = |item: &str| Some(item.to_owned());
        assert_eq!(
            named,
            [None, some("kernel_entry"), None, some("Mmu"), None, None]
        );
    }

    #[test]
    fn a_span_may_wrap_onto_the_next_line() {
        let page = "one `cargo run --\nboot` two\nthree `x`\n";
        assert_eq!(
            texts(page),
            [
                ("cargo run -- boot".to_owned(), 1, Source::CodeSpan),
                ("x".to_owned(), 3, Source::CodeSpan),
            ]
        );
    }
}
