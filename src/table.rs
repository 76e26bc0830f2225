//! Plain-text tables for the terminal and for `summary.txt`.
//!
//! The demo and the benchmark both end in tables of numbers. A [`Table`]
//! takes its header and rows as text, right-aligns the numeric columns,
//! pads every column to its widest cell, and draws one rule under the
//! header: output that reads the same in a terminal, a log and a text file,
//! with no box-drawing characters to garble.

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Number columns.
    Right,
}

/// A table under construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Column titles and alignments.
    columns: Vec<(String, Align)>,
    /// Cells, one vector per row.
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these `(title, alignment)` columns and no rows.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Table {
            columns: columns
                .iter()
                .map(|(title, align)| ((*title).to_owned(), *align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank and extra cells are dropped.
    pub fn row(&mut self, cells: Vec<String>) -> &mut Self {
        let mut cells = cells;
        cells.resize(self.columns.len(), String::new());
        self.rows.push(cells);
        self
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The width of each column: its widest cell or title.
    fn widths(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(index, (title, _))| {
                self.rows
                    .iter()
                    .map(|row| row[index].chars().count())
                    .chain([title.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// One line of `cells` padded to `widths`, without trailing spaces.
    fn line<'a>(&self, cells: impl Iterator<Item = &'a str>, widths: &[usize]) -> String {
        let padded: Vec<String> = cells
            .zip(&self.columns)
            .zip(widths)
            .map(|((cell, (_, align)), width)| match align {
                Align::Left => format!("{cell:<width$}"),
                Align::Right => format!("{cell:>width$}"),
            })
            .collect();
        padded.join("  ").trim_end().to_owned()
    }

    /// The table as lines of text: header, rule, rows.
    pub fn render(&self) -> String {
        let widths = self.widths();
        let header = self.line(
            self.columns.iter().map(|(title, _)| title.as_str()),
            &widths,
        );
        let rule_width = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        let mut out = vec![header, "-".repeat(rule_width)];
        for row in &self.rows {
            out.push(self.line(row.iter().map(String::as_str), &widths));
        }
        out.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_aligns_columns() {
        let mut table = Table::new(&[("policy", Align::Left), ("ticks", Align::Right)]);
        assert!(table.is_empty());
        table.row(vec!["nocache".into(), "12".into()]);
        table.row(vec!["dirty".into(), "1,234".into()]);
        assert_eq!(
            table.render(),
            "policy   ticks\n--------------\nnocache     12\ndirty    1,234"
        );
    }

    #[test]
    fn short_rows_are_padded_with_blanks() {
        let mut table = Table::new(&[("a", Align::Left), ("b", Align::Left)]);
        table.row(vec!["x".into()]);
        table.row(vec!["1".into(), "2".into(), "3".into()]);
        assert_eq!(table.render(), "a  b\n----\nx\n1  2");
    }
}
