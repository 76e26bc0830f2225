//! Reading a diagram (`docs/img/*.svg`) for the names it shows.
//!
//! The diagrams of the book name tests, functions and files in their text,
//! and those rot like prose. [`quotes`] takes the text of every element
//! (tags and the `<style>` sheet removed), splits it into words at blanks,
//! strips the punctuation around each word, and keeps the words that look
//! like code (`snake_case`, `path::to::item`, `dir/file.rs`), so
//! `classify.rs` checks a test name or a path in a diagram as it would in
//! a page. Plain words, even capitalised ones (`TLBs`), are prose here.

use super::markdown::{Quote, Source};

/// The words of the text of `svg`, with their lines, as code-span quotes.
pub fn quotes(svg: &str) -> Vec<Quote> {
    let mut found = Vec::new();
    let mut in_tag = false;
    let mut in_style = false;
    for (index, line) in svg.lines().enumerate() {
        if line.contains("<style") {
            in_style = true;
        }
        if in_style {
            in_style = !line.contains("</style>");
            continue;
        }
        let mut text = String::new();
        for c in line.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    text.push(' ');
                }
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        for word in text.split_whitespace() {
            let word = word.trim_matches(|c: char| ",.;:()".contains(c) || c == '\u{201c}');
            let word = word.trim_end_matches('\u{201d}');
            let code_like = word.contains('_')
                || word.contains("::")
                || word.contains('/')
                || word.ends_with(".rs");
            if code_like {
                found.push(Quote {
                    text: word.to_owned(),
                    line: index + 1,
                    source: Source::CodeSpan,
                    names_item: None,
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_from_text_not_tags() {
        let svg = "<svg width=\"10\">\n<style>\n.test { font-family: Dejavu_Sans; }\n</style>\n\
                   <text class=\"test\">see zero_if_dirty, (reuse.rs). TLBs</text>\n</svg>\n";
        let words: Vec<(String, usize)> = quotes(svg)
            .into_iter()
            .map(|quote| (quote.text, quote.line))
            .collect();
        assert_eq!(
            words,
            [("zero_if_dirty".to_owned(), 5), ("reuse.rs".to_owned(), 5),]
        );
    }
}
