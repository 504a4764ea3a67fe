//! One column of a [`Table`](super::Table) as read: numbers parsed straight from the field
//! bytes, every other cell as dictionary-coded text.
//!
//! A column of numbers costs 8 bytes a row (4 in an f32 table), in the table's block of
//! numbers (row after row), and no allocation per cell. The first text cell adds a code per
//! row (4 bytes); each distinct text is stored once per column.

use super::block::NumberBlock;
use super::number::DecimalSeparator;
use std::collections::HashMap;
use std::fmt;

/// A cell of a [`Table`](super::Table): a finite number, or text (trimmed; NaN and infinities
/// stay text, as written).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// A finite number, as Rust's `f64` parser reads the cell.
    Number(f64),
    /// Any other cell, trimmed (an empty cell is `Text("")`).
    Text(&'a str),
}

impl fmt::Display for Cell<'_> {
    /// A number in its shortest round-trip form (`1.50` shows as `1.5`), text as it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Number(value) => write!(f, "{value}"),
            Cell::Text(text) => f.write_str(text),
        }
    }
}

/// The number a field holds, if it is a finite number; `None` for text, NaN and infinities
/// (a number too large for f64, such as `1e400`, is text too).
///
/// The one place where cells become numbers: [`number::parse_number`](super::number::parse_number)
/// on the field's bytes, which gives exactly what `str::parse::<f64>` gives, without allocating
/// (numbers are ASCII, so invalid UTF-8 is not a number and is reported as text later).
pub(crate) fn parse_number(field: &[u8], decimal: DecimalSeparator) -> Option<f64> {
    super::number::parse_number(field, decimal).ok().filter(|value| value.is_finite())
}

/// The text cells of one column; its numbers are in the table's block of numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ColumnTexts {
    /// Empty while every cell is a number; otherwise one per row: 0 for a number, `k` for
    /// `texts[k - 1]`.
    codes: Vec<u32>,
    /// The distinct texts, in order of first appearance.
    texts: Vec<String>,
}

/// The cells of one column of a table: its texts, and its numbers in the table's block of
/// numbers (row after row, `n_columns` a row).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column<'a> {
    texts: &'a ColumnTexts,
    /// Every number of the table, row after row.
    numbers: &'a NumberBlock,
    n_columns: usize,
    column_idx: usize,
}

impl<'a> Column<'a> {
    /// Column `column_idx` of a table of `n_columns` columns whose numbers are `numbers`.
    pub(crate) fn new(
        texts: &'a ColumnTexts,
        numbers: &'a NumberBlock,
        n_columns: usize,
        column_idx: usize,
    ) -> Self {
        Column { texts, numbers, n_columns, column_idx }
    }

    /// Number of rows.
    pub(crate) fn n_rows(&self) -> usize {
        self.numbers.len() / self.n_columns.max(1)
    }

    /// The cell of `row_idx`.
    pub(crate) fn cell(&self, row_idx: usize) -> Option<Cell<'a>> {
        if row_idx >= self.n_rows() {
            return None;
        }
        match self.code(row_idx) {
            0 => Some(Cell::Number(self.number(row_idx))),
            code => self.text(code).map(Cell::Text),
        }
    }

    /// The distinct texts of the column, in order of first appearance; code `k` is `texts()[k - 1]`.
    pub(crate) fn texts(&self) -> &'a [String] {
        &self.texts.texts
    }

    /// The text of code `code` (1-based; 0 is a number).
    pub(crate) fn text(&self, code: u32) -> Option<&'a str> {
        self.texts.texts.get((code as usize).checked_sub(1)?).map(String::as_str)
    }

    /// One per row: 0 for a number, `k ≥ 1` for text `k`; empty when every cell is a number.
    pub(crate) fn codes(&self) -> &'a [u32] {
        &self.texts.codes
    }

    /// One per row: the number, or 0 where the cell is text.
    pub(crate) fn numbers(&self) -> impl Iterator<Item = f64> + 'a {
        let numbers = self.numbers;
        (self.column_idx..numbers.len())
            .step_by(self.n_columns.max(1))
            .map(move |index| numbers.get(index).unwrap_or(0.0))
    }

    /// The number of `row_idx` (0 where the cell is text).
    pub(crate) fn number(&self, row_idx: usize) -> f64 {
        self.numbers.get(row_idx * self.n_columns + self.column_idx).unwrap_or(0.0)
    }

    /// The code of `row_idx`: 0 for a number.
    pub(crate) fn code(&self, row_idx: usize) -> u32 {
        self.texts.codes.get(row_idx).copied().unwrap_or(0)
    }
}

/// Builds the texts of a column cell by cell, interning them; the caller keeps the numbers.
#[derive(Debug, Default)]
pub(crate) struct ColumnBuilder {
    column: ColumnTexts,
    code_of: HashMap<String, u32>,
    n_rows: usize,
}

/// More distinct texts in one column than a `u32` code can number.
#[derive(Debug)]
pub(crate) struct TooManyTexts;

impl ColumnBuilder {
    /// Appends a number cell (its value goes to the table's numbers).
    pub(crate) fn push_number(&mut self) {
        self.push_numbers(1);
    }

    /// Appends `n` number cells.
    pub(crate) fn push_numbers(&mut self, n: usize) {
        self.n_rows += n;
        if !self.column.codes.is_empty() {
            self.column.codes.resize(self.n_rows, 0);
        }
    }

    /// Appends a text cell (already trimmed; its number is 0).
    pub(crate) fn push_text(&mut self, text: &str) -> Result<(), TooManyTexts> {
        let code = match self.code_of.get(text) {
            Some(&code) => code,
            None => {
                let code = u32::try_from(self.column.texts.len() + 1).map_err(|_| TooManyTexts)?;
                self.column.texts.push(text.to_owned());
                self.code_of.insert(text.to_owned(), code);
                code
            }
        };
        if self.column.codes.is_empty() {
            // The first text cell: every earlier cell was a number.
            self.column.codes.resize(self.n_rows, 0);
        }
        self.n_rows += 1;
        self.column.codes.push(code);
        Ok(())
    }

    /// The finished column's texts.
    pub(crate) fn finish(self) -> ColumnTexts {
        self.column
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_cost_no_codes_until_the_first_text() {
        let mut builder = ColumnBuilder::default();
        builder.push_number();
        builder.push_number();
        assert!(builder.column.codes.is_empty());
        builder.push_text("NA").unwrap();
        builder.push_number();
        builder.push_text("x").unwrap();
        builder.push_text("NA").unwrap();
        let texts = builder.finish();
        // Column 1 of two; column 0 holds 9s.
        let numbers =
            NumberBlock::F64(vec![9.0, 1.5, 9.0, 2.0, 9.0, 0.0, 9.0, 3.0, 9.0, 0.0, 9.0, 0.0]);
        let column = Column::new(&texts, &numbers, 2, 1);
        assert_eq!(column.codes(), [0, 0, 1, 0, 2, 1]);
        assert_eq!(column.numbers().collect::<Vec<_>>(), [1.5, 2.0, 0.0, 3.0, 0.0, 0.0]);
        assert_eq!(column.texts(), ["NA", "x"]);
        assert_eq!(column.cell(0), Some(Cell::Number(1.5)));
        assert_eq!(column.cell(2), Some(Cell::Text("NA")));
        assert_eq!(column.cell(5), Some(Cell::Text("NA")));
        assert_eq!(column.cell(6), None);
        assert_eq!(column.n_rows(), 6);
    }

    #[test]
    fn only_finite_numbers_are_numbers() {
        assert_eq!(parse_number(b"1e3", DecimalSeparator::Point), Some(1000.0));
        assert_eq!(parse_number(b"-.5", DecimalSeparator::Point), Some(-0.5));
        assert_eq!(parse_number(b"-0,5", DecimalSeparator::Comma), Some(-0.5));
        assert_eq!(parse_number(b"1e400", DecimalSeparator::Point), None);
        for text in [&b"NaN"[..], b"inf", b"-Infinity", b"", b"1,5", b"abc", b"\xFF"] {
            assert_eq!(parse_number(text, DecimalSeparator::Point), None, "{text:?}");
        }
    }

    #[test]
    fn cells_display_numbers_shortest() {
        assert_eq!(Cell::Number(1.50).to_string(), "1.5");
        assert_eq!(Cell::Number(3.0).to_string(), "3");
        assert_eq!(Cell::Text("x y").to_string(), "x y");
    }
}
