//! The error type of the data loader.
//!
//! Every message names the file, then the line and column where there is one, then what was
//! expected and what was found, e.g.
//! `datasets/x.csv: line 7, column 3 (petal_length): expected a number, found "abc"`.
//! Messages are lowercase with no full stop, like rust-csv's, so a caller can prefix or chain
//! them.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::suggest::{ColumnSuggestion, QuotedName};
use crate::dataset::DatasetShapeError;

/// A column of a table: its 1-based index and its name (`"1"`, `"2"`, … for a file without a
/// header).
///
/// Displays as `3 (petal_length)`, or as `3` alone when the name is the index itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnRef {
    /// 1-based position of the column in the file.
    pub index: usize,
    /// The column's name from the header.
    pub name: String,
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name == self.index.to_string() {
            write!(f, "{}", self.index)
        } else {
            write!(f, "{} ({})", self.index, self.name)
        }
    }
}

/// What a cell should have held, for [`DataError::InvalidCell`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// A number that Rust's `f64` parser accepts (features and numeric targets).
    Number,
    /// A finite number: the cell parsed as NaN or ±infinity.
    FiniteNumber,
    /// A number, because the task was set to regression.
    NumberForRegression,
    /// A non-empty class label.
    ClassLabel,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Number => "a number",
            Expected::FiniteNumber => "a finite number",
            Expected::NumberForRegression => "a number (the task is regression)",
            Expected::ClassLabel => "a class label",
        })
    }
}

/// An error while reading, selecting or preparing data.
///
/// The variants keep their fields public so that callers and tests can check the file, line and
/// column without parsing the message. Lines are physical, 1-based line numbers in the file (the
/// header is line 1); columns are 1-based.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened or read; the cause is the [`source`](std::error::Error::source).
    #[error("{}: could not read the file", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The CSV parser reported an error other than I/O (not expected with the options used here,
    /// but kept rather than dropped).
    #[error("{}: invalid CSV: {message}", .path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The file holds no record at all, not even a header.
    #[error("{}: the file is empty", .path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The file has a header but no data row.
    #[error("{}: no data rows after the header", .path.display())]
    NoDataRows {
        /// The file.
        path: PathBuf,
    },
    /// A row has a different number of fields than the header (or than the first row when there
    /// is no header).
    #[error("{}: line {line}: expected {expected} fields, found {found}", .path.display())]
    RaggedRow {
        /// The file.
        path: PathBuf,
        /// 1-based line where the row starts.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// A field is not valid UTF-8.
    #[error("{}: line {line}, column {column}: invalid UTF-8", .path.display())]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line where the row starts.
        line: u64,
        /// 1-based index of the field.
        column: usize,
    },
    /// Two header fields have the same name, so selecting by name would be ambiguous.
    #[error(
        "{}: line {line}: column name {name:?} appears twice in the header (columns {first} and {second})",
        .path.display()
    )]
    DuplicateColumnName {
        /// The file.
        path: PathBuf,
        /// 1-based line of the header.
        line: u64,
        /// The repeated name.
        name: String,
        /// 1-based index of its first occurrence.
        first: usize,
        /// 1-based index of its second occurrence.
        second: usize,
    },
    /// A cell does not hold what its column needs.
    #[error(
        "{}: line {line}, column {column}: expected {expected}, found {}",
        .path.display(),
        FoundText(.text)
    )]
    InvalidCell {
        /// The file.
        path: PathBuf,
        /// 1-based line where the row starts.
        line: u64,
        /// The column.
        column: ColumnRef,
        /// What the cell should have held.
        expected: Expected,
        /// The cell's text, trimmed.
        text: String,
    },
    /// A selected column is not in the file.
    #[error(
        "{}: no column named {}{}; the columns are {}",
        .path.display(),
        QuotedName(.name),
        SuggestionInParentheses(.suggestion),
        NameList(.available)
    )]
    UnknownColumn {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The file's column names, in file order.
        available: Vec<String>,
        /// Another delimiter or a close name, from [`suggest_column`](super::suggest_column).
        suggestion: Option<ColumnSuggestion>,
    },
    /// A quoted field is still open at the end of the file (the `csv` crate would read the rest
    /// of the file into it).
    #[error(
        "{}: line {line}: the quoted field that starts here is never closed (a '\"' is missing)",
        .path.display()
    )]
    UnterminatedQuote {
        /// The file.
        path: PathBuf,
        /// 1-based line of the opening quote.
        line: u64,
    },
    /// A column is named more than once among the targets and features.
    #[error("{}: column {name:?} is selected more than once", .path.display())]
    DuplicateSelection {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        name: String,
    },
    /// No target column was given.
    #[error("{}: no target column is selected", .path.display())]
    NoTargets {
        /// The file.
        path: PathBuf,
    },
    /// No feature column is left (the file has only target columns, or an empty list was given).
    #[error("{}: no feature column is selected", .path.display())]
    NoFeatures {
        /// The file.
        path: PathBuf,
    },
    /// Class labels were found (or classification asked for) with more than one target column.
    #[error(
        "{}: column {column} holds class labels, which need exactly one target column, but {n_targets} are selected",
        .path.display()
    )]
    LabelsNeedOneTarget {
        /// The file.
        path: PathBuf,
        /// The first target column holding labels.
        column: ColumnRef,
        /// Number of target columns selected.
        n_targets: usize,
    },
    /// The training labels hold a single class.
    #[error(
        "{}: column {column}: classification needs at least two classes, found only {class:?}",
        .path.display()
    )]
    SingleClass {
        /// The file.
        path: PathBuf,
        /// The label column.
        column: ColumnRef,
        /// The one class found.
        class: String,
    },
    /// A label that the training data did not have.
    #[error(
        "{}: line {line}, column {column}: unknown class {label:?}; the training data's classes are {}",
        .path.display(),
        NameList(.known)
    )]
    UnknownClass {
        /// The file.
        path: PathBuf,
        /// 1-based line where the row starts.
        line: u64,
        /// The label column.
        column: ColumnRef,
        /// The unknown label.
        label: String,
        /// The classes of the encoding, in encoding order.
        known: Vec<String>,
    },
    /// A validation fraction outside `0 ≤ fraction < 1` (or NaN).
    #[error("validation fraction must be at least 0 and less than 1, found {fraction}")]
    InvalidFraction {
        /// The fraction given.
        fraction: f64,
    },
    /// A standardizer applied to data with another number of features.
    #[error("the standardizer has {expected} features, the data has {found}")]
    FeatureCount {
        /// Features the standardizer was fitted on.
        expected: usize,
        /// Features (matrix rows) of the data.
        found: usize,
    },
    /// A standardizer built from inconsistent parts (e.g. read from an edited model file).
    #[error("invalid standardizer: {reason}")]
    InvalidStandardizer {
        /// What is wrong.
        reason: String,
    },
    /// A class encoding built from inconsistent parts (e.g. read from an edited model file).
    #[error("invalid class encoding: {reason}")]
    InvalidClassEncoding {
        /// What is wrong.
        reason: String,
    },
    /// The matrices handed to [`crate::Dataset::new`] disagree (a bug, not bad input).
    #[error(transparent)]
    Shape(#[from] DatasetShapeError),
}

impl DataError {
    /// The file the error is about, where there is one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            DataError::Io { path, .. }
            | DataError::Csv { path, .. }
            | DataError::EmptyFile { path }
            | DataError::NoDataRows { path }
            | DataError::RaggedRow { path, .. }
            | DataError::InvalidUtf8 { path, .. }
            | DataError::DuplicateColumnName { path, .. }
            | DataError::InvalidCell { path, .. }
            | DataError::UnknownColumn { path, .. }
            | DataError::UnterminatedQuote { path, .. }
            | DataError::DuplicateSelection { path, .. }
            | DataError::NoTargets { path }
            | DataError::NoFeatures { path }
            | DataError::LabelsNeedOneTarget { path, .. }
            | DataError::SingleClass { path, .. }
            | DataError::UnknownClass { path, .. } => Some(path),
            DataError::InvalidFraction { .. }
            | DataError::FeatureCount { .. }
            | DataError::InvalidStandardizer { .. }
            | DataError::InvalidClassEncoding { .. }
            | DataError::Shape(_) => None,
        }
    }

    /// The 1-based line the error is about, where there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            DataError::RaggedRow { line, .. }
            | DataError::InvalidUtf8 { line, .. }
            | DataError::DuplicateColumnName { line, .. }
            | DataError::InvalidCell { line, .. }
            | DataError::UnterminatedQuote { line, .. }
            | DataError::UnknownClass { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The 1-based column index the error is about, where there is one.
    pub fn column(&self) -> Option<usize> {
        match self {
            DataError::InvalidUtf8 { column, .. } => Some(*column),
            DataError::InvalidCell { column, .. }
            | DataError::LabelsNeedOneTarget { column, .. }
            | DataError::SingleClass { column, .. }
            | DataError::UnknownClass { column, .. } => Some(column.index),
            _ => None,
        }
    }
}

/// Longest cell text quoted in full in a message; longer text is cut with `…`.
const MAX_QUOTED_CHARS: usize = 60;

/// Displays a cell's text as `"abc"` (escaped), or `an empty cell`.
struct FoundText<'a>(&'a str);

impl fmt::Display for FoundText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("an empty cell");
        }
        match self.0.char_indices().nth(MAX_QUOTED_CHARS) {
            Some((cut, _)) => write!(f, "{:?}…", &self.0[..cut]),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// Most names listed by [`NameList`]; the rest are counted.
const MAX_LISTED_NAMES: usize = 30;

/// Displays names as `"a", "b", "c"`, each cut to 80 characters, the first 30 of a longer list
/// followed by `… (1000 in all)`.
struct NameList<'a>(&'a [String]);

impl fmt::Display for NameList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name_idx, name) in self.0.iter().take(MAX_LISTED_NAMES).enumerate() {
            if name_idx > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", QuotedName(name))?;
        }
        if self.0.len() > MAX_LISTED_NAMES {
            write!(f, ", … ({} in all)", self.0.len())?;
        }
        Ok(())
    }
}

/// Displays a suggestion as ` (did you mean "x"?)`, or nothing.
struct SuggestionInParentheses<'a>(&'a Option<ColumnSuggestion>);

impl fmt::Display for SuggestionInParentheses<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(suggestion) => write!(f, " ({suggestion})"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_cell_message_names_file_line_column_and_text() {
        let err = DataError::InvalidCell {
            path: PathBuf::from("datasets/x.csv"),
            line: 7,
            column: ColumnRef { index: 3, name: "petal_length".to_owned() },
            expected: Expected::Number,
            text: "abc".to_owned(),
        };
        assert_eq!(
            err.to_string(),
            r#"datasets/x.csv: line 7, column 3 (petal_length): expected a number, found "abc""#
        );
        assert_eq!(err.line(), Some(7));
        assert_eq!(err.column(), Some(3));
        assert_eq!(err.path(), Some(std::path::Path::new("datasets/x.csv")));
    }

    #[test]
    fn empty_and_long_cells_are_described_not_dumped() {
        assert_eq!(FoundText("").to_string(), "an empty cell");
        let long = "x".repeat(1000);
        let shown = FoundText(&long).to_string();
        assert_eq!(shown, format!("{:?}…", "x".repeat(MAX_QUOTED_CHARS)));
    }

    #[test]
    fn column_without_header_name_shows_index_once() {
        let column = ColumnRef { index: 2, name: "2".to_owned() };
        assert_eq!(column.to_string(), "2");
    }

    #[test]
    fn unknown_column_lists_available_columns() {
        let err = DataError::UnknownColumn {
            path: PathBuf::from("a.csv"),
            name: "spieces".to_owned(),
            available: vec!["x".to_owned(), "species".to_owned()],
            suggestion: None,
        };
        assert_eq!(
            err.to_string(),
            r#"a.csv: no column named "spieces"; the columns are "x", "species""#
        );
    }

    #[test]
    fn unknown_column_shows_its_suggestion() {
        let err = DataError::UnknownColumn {
            path: PathBuf::from("a.csv"),
            name: "spieces".to_owned(),
            available: vec!["x".to_owned(), "species".to_owned()],
            suggestion: Some(ColumnSuggestion::Name("species".to_owned())),
        };
        assert_eq!(
            err.to_string(),
            r#"a.csv: no column named "spieces" (did you mean "species"?); the columns are "x", "species""#
        );
        let err = DataError::UnknownColumn {
            path: PathBuf::from("p.csv"),
            name: "species".to_owned(),
            available: vec!["species;island".to_owned()],
            suggestion: Some(ColumnSuggestion::Delimiter(b';')),
        };
        assert_eq!(
            err.to_string(),
            "p.csv: no column named \"species\" (the file seems to use ';' between fields: try \
             --delimiter ';'); the columns are \"species;island\""
        );
    }

    #[test]
    fn long_lists_and_long_names_are_cut() {
        let available: Vec<String> = (0..100).map(|idx| format!("c{idx}")).collect();
        let listed = NameList(&available).to_string();
        let first_30: Vec<String> = (0..30).map(|idx| format!("\"c{idx}\"")).collect();
        assert_eq!(listed, format!("{}, … (100 in all)", first_30.join(", ")));

        let long = vec!["x".repeat(500)];
        assert_eq!(NameList(&long).to_string(), format!("\"{}\"…", "x".repeat(80)));
    }

    #[test]
    fn unterminated_quote_names_the_line() {
        let err = DataError::UnterminatedQuote { path: PathBuf::from("q.csv"), line: 4 };
        assert_eq!(
            err.to_string(),
            r#"q.csv: line 4: the quoted field that starts here is never closed (a '"' is missing)"#
        );
        assert_eq!(err.line(), Some(4));
        assert_eq!(err.path(), Some(std::path::Path::new("q.csv")));
    }
}
