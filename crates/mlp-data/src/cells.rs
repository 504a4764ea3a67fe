//! Reading one column of a [`Table`] as numbers or as categories, under a list of
//! missing-value markers.
//!
//! A cell is one of three kinds: a number, a missing value (an empty cell, or a text in the
//! marker list), or a word (any other text). A column's kind follows from its counts
//! ([`ColumnProfile::is_numeric`]): numbers with at most as many words as numbers are a numeric
//! column whose words are errors; more words than numbers make a categorical column, in which a
//! number is the category named by its shortest decimal text (`1.50` is category `1.5`).

use std::collections::HashMap;

use super::block::NumberBlock;
use super::column::{parse_number, Column};
use super::error::{ColumnRef, DataError, Expected, MissingColumn, MAX_LISTED_LINES};
use super::number::DecimalSeparator;
use super::table::Table;

/// The missing-value markers used unless told otherwise: `NA`, `N/A`, `NaN`, `nan`, `null`, `?`.
/// An empty cell is always missing.
pub const DEFAULT_NA_VALUES: [&str; 6] = ["NA", "N/A", "NaN", "nan", "null", "?"];

/// [`DEFAULT_NA_VALUES`] as owned strings.
pub fn default_na_values() -> Vec<String> {
    DEFAULT_NA_VALUES.iter().map(|&marker| marker.to_owned()).collect()
}

/// True when a cell's (trimmed) text is a missing value: empty, or one of `na_values`.
pub(crate) fn is_missing(text: &str, na_values: &[String]) -> bool {
    text.is_empty() || na_values.iter().any(|marker| marker == text)
}

/// The counts of a column's cell kinds and the rows of the first few of each odd kind.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnProfile {
    pub(crate) n_numbers: usize,
    pub(crate) n_missing: usize,
    pub(crate) n_words: usize,
    /// 0-based rows of the first words (at most `MAX_LISTED_LINES + 1`).
    pub(crate) word_rows: Vec<usize>,
    /// 0-based rows of the first missing cells (at most `MAX_LISTED_LINES`).
    pub(crate) missing_rows: Vec<usize>,
    /// Per text code `k`, at index `k - 1`: whether it is a missing value.
    text_is_missing: Vec<bool>,
}

impl ColumnProfile {
    /// Counts the kinds of `column`'s cells; numbers alone cost nothing to count.
    pub(crate) fn of(column: &Column<'_>, na_values: &[String]) -> ColumnProfile {
        let text_is_missing: Vec<bool> =
            column.texts().iter().map(|text| is_missing(text, na_values)).collect();
        let mut profile = ColumnProfile { text_is_missing, ..ColumnProfile::default() };
        if column.codes().is_empty() {
            profile.n_numbers = column.n_rows();
            return profile;
        }
        for (row_idx, &code) in column.codes().iter().enumerate() {
            match code.checked_sub(1).map(|text_idx| profile.text_is_missing[text_idx as usize]) {
                None => profile.n_numbers += 1,
                Some(true) => {
                    profile.n_missing += 1;
                    if profile.missing_rows.len() < MAX_LISTED_LINES {
                        profile.missing_rows.push(row_idx);
                    }
                }
                Some(false) => {
                    profile.n_words += 1;
                    if profile.word_rows.len() <= MAX_LISTED_LINES {
                        profile.word_rows.push(row_idx);
                    }
                }
            }
        }
        profile
    }

    /// A numeric column: no words, or no more words than numbers (a few stray words are then
    /// errors). Otherwise the column is categorical.
    pub(crate) fn is_numeric(&self) -> bool {
        self.n_words == 0 || self.n_numbers >= self.n_words
    }

    /// Whether text code `code` (≥ 1) is a missing value.
    fn code_is_missing(&self, code: u32) -> bool {
        code.checked_sub(1)
            .and_then(|text_idx| self.text_is_missing.get(text_idx as usize))
            .copied()
            .unwrap_or(false)
    }
}

/// A column read as numbers: NaN marks a missing cell.
#[derive(Debug, Clone)]
pub(crate) struct NumericCells {
    pub(crate) values: Vec<f64>,
    /// The text of the first missing cell (`""` for an empty one).
    pub(crate) first_missing_text: Option<String>,
}

/// A column read as categories: `None` marks a missing cell.
#[derive(Debug, Clone)]
pub(crate) struct CategoricalCells {
    /// The distinct categories, in no particular order.
    pub(crate) categories: Vec<String>,
    /// One per row: an index into `categories`, or `None` when missing.
    pub(crate) codes: Vec<Option<u32>>,
    pub(crate) first_missing_text: Option<String>,
}

impl Table {
    /// The column's reference for messages.
    pub(crate) fn column_ref(&self, column_idx: usize) -> ColumnRef {
        ColumnRef {
            index: column_idx + 1,
            name: self.column_names().get(column_idx).cloned().unwrap_or_default(),
        }
    }

    /// The cells of column `column_idx` (which must exist) as numbers. Words are an error naming
    /// the first and listing the lines of the next few; `expected` says what was expected (a
    /// word that Rust reads as NaN or an infinity expects a finite number).
    pub(crate) fn numeric_cells(
        &self,
        column_idx: usize,
        na_values: &[String],
        expected: Expected,
    ) -> Result<NumericCells, DataError> {
        self.numeric_cells_from(column_idx, na_values, expected, None)
    }

    /// [`Table::numeric_cells`], with the column's numbers already gathered (`numbers`, from
    /// [`Table::gather_numbers`]) or not.
    pub(crate) fn numeric_cells_from(
        &self,
        column_idx: usize,
        na_values: &[String],
        expected: Expected,
        numbers: Option<Vec<f64>>,
    ) -> Result<NumericCells, DataError> {
        let Some(column) = self.column(column_idx) else {
            return Err(self.unknown_column_index(column_idx));
        };
        let profile = ColumnProfile::of(&column, na_values);
        if let Some((&first_row, more_rows)) = profile.word_rows.split_first() {
            let text = column.text(column.code(first_row)).unwrap_or_default();
            if reads_with_decimal_comma(text) {
                return Err(self.decimal_comma_error(column_idx, first_row, text));
            }
            let expected =
                if text.parse::<f64>().is_ok() { Expected::FiniteNumber } else { expected };
            return Err(DataError::InvalidCell {
                path: self.path().to_owned(),
                line: self.lines()[first_row],
                column: self.column_ref(column_idx),
                expected,
                text: text.to_owned(),
                n_more: profile.n_words - 1,
                more_lines: more_rows.iter().map(|&row_idx| self.lines()[row_idx]).collect(),
            });
        }
        let mut values = numbers.unwrap_or_else(|| column.numbers().collect());
        if column.codes().is_empty() {
            return Ok(NumericCells { values, first_missing_text: None });
        }
        for (value, &code) in values.iter_mut().zip(column.codes()) {
            if code != 0 {
                *value = f64::NAN;
            }
        }
        Ok(NumericCells { values, first_missing_text: first_missing_text(&column, &profile) })
    }

    /// The numbers of each of `columns` (0 for a text cell), read in one pass over the table's
    /// rows rather than one strided pass per column.
    pub(crate) fn gather_numbers(&self, columns: &[usize]) -> Vec<Vec<f64>> {
        let mut gathered: Vec<Vec<f64>> =
            columns.iter().map(|_| Vec::with_capacity(self.n_rows())).collect();
        let n_columns = self.n_columns().max(1);
        match self.numbers() {
            NumberBlock::F64(block) => {
                for row in block.chunks_exact(n_columns) {
                    for (numbers, &column_idx) in gathered.iter_mut().zip(columns) {
                        numbers.push(row.get(column_idx).copied().unwrap_or(0.0));
                    }
                }
            }
            block => {
                for row_idx in 0..self.n_rows() {
                    for (numbers, &column_idx) in gathered.iter_mut().zip(columns) {
                        let index = row_idx * n_columns + column_idx;
                        numbers.push(block.get(index).unwrap_or(0.0));
                    }
                }
            }
        }
        gathered
    }

    /// The cells of column `column_idx` (which must exist) as categories: every non-missing cell
    /// is one, numbers by their shortest decimal text. (A word never reads as a finite number and
    /// a number's text always does, so the two never name the same category.)
    pub(crate) fn categorical_cells(
        &self,
        column_idx: usize,
        na_values: &[String],
    ) -> Result<CategoricalCells, DataError> {
        let Some(column) = self.column(column_idx) else {
            return Err(self.unknown_column_index(column_idx));
        };
        let profile = ColumnProfile::of(&column, na_values);
        let mut categories: Vec<String> = Vec::new();
        // Text code k → category, for the words.
        let mut category_of_code: Vec<Option<u32>> = vec![None; column.texts().len() + 1];
        let mut category_of_number: HashMap<u64, u32> = HashMap::new();
        let mut codes = Vec::with_capacity(column.n_rows());
        for row_idx in 0..column.n_rows() {
            let code = column.code(row_idx);
            if code == 0 {
                let number = column.number(row_idx);
                // +0.0 and -0.0 are the same category, "0".
                let key = if number == 0.0 { 0 } else { number.to_bits() };
                let category = *category_of_number.entry(key).or_insert_with(|| {
                    categories.push(format!("{}", number + 0.0));
                    (categories.len() - 1) as u32
                });
                codes.push(Some(category));
                continue;
            }
            if profile.code_is_missing(code) {
                codes.push(None);
                continue;
            }
            let slot = &mut category_of_code[code as usize];
            let category = match *slot {
                Some(category) => category,
                None => {
                    categories.push(column.text(code).unwrap_or_default().to_owned());
                    let category = (categories.len() - 1) as u32;
                    *slot = Some(category);
                    category
                }
            };
            codes.push(Some(category));
        }
        Ok(CategoricalCells {
            categories,
            codes,
            first_missing_text: first_missing_text(&column, &profile),
        })
    }

    /// An error when every word of column `column_idx` (at least one) reads as a number with a
    /// decimal comma (`2,5`): a column of numbers written with decimal commas, read without
    /// `--decimal-comma`, which would otherwise become categories or class labels.
    pub(crate) fn check_decimal_comma(
        &self,
        column_idx: usize,
        na_values: &[String],
    ) -> Result<(), DataError> {
        let Some(column) = self.column(column_idx) else {
            return Err(self.unknown_column_index(column_idx));
        };
        let profile = ColumnProfile::of(&column, na_values);
        let Some(&first_row) = profile.word_rows.first() else {
            return Ok(());
        };
        let all_words_read = column
            .texts()
            .iter()
            .zip(&profile.text_is_missing)
            .all(|(text, &missing)| missing || reads_with_decimal_comma(text));
        match all_words_read {
            true => {
                let text = column.text(column.code(first_row)).unwrap_or_default();
                Err(self.decimal_comma_error(column_idx, first_row, text))
            }
            false => Ok(()),
        }
    }

    fn decimal_comma_error(&self, column_idx: usize, row_idx: usize, text: &str) -> DataError {
        DataError::DecimalComma {
            path: self.path().to_owned(),
            line: self.lines()[row_idx],
            column: self.column_ref(column_idx),
            text: text.to_owned(),
        }
    }

    /// The missing cells of column `column_idx` under `is_missing_row`, for an error: count and
    /// first lines.
    pub(crate) fn missing_column(
        &self,
        column_idx: usize,
        missing_rows: impl Iterator<Item = usize>,
    ) -> Option<MissingColumn> {
        let mut count = 0;
        let mut lines = Vec::new();
        for row_idx in missing_rows {
            count += 1;
            if lines.len() < MAX_LISTED_LINES {
                lines.push(self.lines()[row_idx]);
            }
        }
        (count > 0).then(|| MissingColumn { column: self.column_ref(column_idx), count, lines })
    }

    fn unknown_column_index(&self, column_idx: usize) -> DataError {
        DataError::UnknownColumn {
            path: self.path().to_owned(),
            name: format!("{}", column_idx + 1),
            available: self.column_names().to_vec(),
            suggestion: None,
        }
    }
}

/// True when `text` holds a comma and reads as a finite number with `,` as the decimal point
/// (`2,5`, `-0,25`); a text with a decimal point only is a number in either mode.
fn reads_with_decimal_comma(text: &str) -> bool {
    text.contains(',') && parse_number(text.as_bytes(), DecimalSeparator::Comma).is_some()
}

fn first_missing_text(column: &Column<'_>, profile: &ColumnProfile) -> Option<String> {
    let &row_idx = profile.missing_rows.first()?;
    column.text(column.code(row_idx)).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CsvOptions;

    fn table(text: &str) -> Table {
        Table::from_reader(text.as_bytes(), "t.csv", &CsvOptions::default()).unwrap()
    }

    #[test]
    fn profile_counts_kinds_and_first_rows() {
        let table = table("a\n1\nNA\nx\n2\n\ny\n3\n");
        let profile = ColumnProfile::of(&table.column(0).unwrap(), &default_na_values());
        assert_eq!((profile.n_numbers, profile.n_missing, profile.n_words), (3, 1, 2));
        assert_eq!(profile.word_rows, [2, 4]);
        // The blank line is skipped, so the empty cell is not a row here.
        assert_eq!(profile.missing_rows, [1]);
        assert!(profile.is_numeric());
    }

    #[test]
    fn numeric_cells_mark_missing_with_nan_and_list_words() {
        let table = table("a\n1\nNA\n\"\"\n2.5\n");
        let cells = table.numeric_cells(0, &default_na_values(), Expected::Number).unwrap();
        assert_eq!(cells.values[0], 1.0);
        assert!(cells.values[1].is_nan() && cells.values[2].is_nan());
        assert_eq!(cells.values[3], 2.5);
        assert_eq!(cells.first_missing_text.as_deref(), Some("NA"));

        let table = self::table("a\n1\nx\n2\ny\nz\n3\n4\n");
        let err = table.numeric_cells(0, &default_na_values(), Expected::Number).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"t.csv: line 3, column 1 (a): expected a number, found "x"; 2 more such cells (lines 5, 6)"#
        );
    }

    #[test]
    fn categorical_cells_name_numbers_by_their_shortest_text() {
        let table = table("a\nx\n1.50\n?\nx\n1.5\n-0\n0\n");
        let cells = table.categorical_cells(0, &default_na_values()).unwrap();
        assert_eq!(cells.categories, ["x", "1.5", "0"]);
        assert_eq!(cells.codes, [Some(0), Some(1), None, Some(0), Some(1), Some(2), Some(2)]);
        assert_eq!(cells.first_missing_text.as_deref(), Some("?"));
    }

    fn semicolon_table(text: &str) -> Table {
        let options = CsvOptions { delimiter: Some(b';'), ..CsvOptions::default() };
        Table::from_reader(text.as_bytes(), "t.csv", &options).unwrap()
    }

    #[test]
    fn decimal_comma_numbers_read_without_the_flag_name_the_flag() {
        // Every word is a decimal-comma number (the markers aside): the column is numbers.
        let table = semicolon_table("a;b\n2,5;x\nNA;y\n-0,25;z\n3;x,1\n");
        let err = table.check_decimal_comma(0, &default_na_values()).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"t.csv: line 2, column 1 (a): "2,5" looks like a number with a decimal comma; use --decimal-comma to read such numbers"#
        );
        assert_eq!((err.line(), err.column()), (Some(2), Some(1)));
        // Words that are not such numbers: a categorical column, no error.
        table.check_decimal_comma(1, &default_na_values()).unwrap();
        // A numeric column with a few decimal-comma cells: the same error, not "expected a
        // number".
        let table = semicolon_table("a\n1\n2\n3,5\n4\n");
        let err = table.numeric_cells(0, &default_na_values(), Expected::Number).unwrap_err();
        assert!(matches!(&err, DataError::DecimalComma { line: 4, text, .. } if text == "3,5"));
        // Read with --decimal-comma, the same cells are numbers.
        let options = CsvOptions {
            delimiter: Some(b';'),
            decimal: DecimalSeparator::Comma,
            ..CsvOptions::default()
        };
        let table = Table::from_reader(&b"a\n2,5\n-0,25\n"[..], "t.csv", &options).unwrap();
        table.check_decimal_comma(0, &default_na_values()).unwrap();
        let cells = table.numeric_cells(0, &default_na_values(), Expected::Number).unwrap();
        assert_eq!(cells.values, [2.5, -0.25]);
    }

    #[test]
    fn markers_are_configurable_and_empty_is_always_missing() {
        let table = table("a\n1\n-\n\"\"\n");
        let dash = vec!["-".to_owned()];
        let cells = table.numeric_cells(0, &dash, Expected::Number).unwrap();
        assert!(cells.values[1].is_nan() && cells.values[2].is_nan());
        let err = table.numeric_cells(0, &default_na_values(), Expected::Number).unwrap_err();
        assert!(matches!(err, DataError::InvalidCell { line: 3, .. }), "{err:?}");
    }
}
