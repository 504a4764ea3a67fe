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

use super::suggest::{ColumnSuggestion, QuotedName, ShortName};
use crate::dataset::DatasetShapeError;

/// A column of a table: its 1-based index and its name (`"1"`, `"2"`, … for a file without a
/// header).
///
/// Displays as `3 (petal_length)`, as `3` alone when the name is the index itself, and as
/// `1 (no name)` when the header names it with an empty field; a name of more than 80
/// characters is cut (`3 (nnn…nnn… (10,485,760 bytes))`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnRef {
    /// 1-based position of the column in the file.
    pub index: usize,
    /// The column's name from the header.
    pub name: String,
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "{} (no name)", self.index)
        } else if self.name == self.index.to_string() {
            write!(f, "{}", self.index)
        } else {
            write!(f, "{} ({})", self.index, ShortName(&self.name))
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
    /// A category of a categorical feature.
    Category,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Number => "a number",
            Expected::FiniteNumber => "a finite number",
            Expected::NumberForRegression => "a number (the task is regression)",
            Expected::ClassLabel => "a class label",
            Expected::Category => "a category",
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
    /// The file could not be opened or read. The message ends with the OS's reason, so the
    /// cause is said once and is not also the [`source`](std::error::Error::source).
    #[error("{}: could not read the file: {cause}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        cause: io::Error,
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
    #[error(
        "{}: line {line}: expected {}, found {found}",
        .path.display(),
        crate::human::plural(*.expected as u64, "field")
    )]
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
    /// A record is longer than [`CsvOptions::max_record_size`](super::CsvOptions) bytes: not a
    /// CSV file, or a quote left open with a long file after it.
    #[error(
        "{}: line {line}: a record longer than {} (not a CSV file, or a quote left open?); if \
         the rows really are that long, raise the limit with --max-record-size",
        .path.display(),
        ByteSize(*.max)
    )]
    RecordTooLong {
        /// The file.
        path: PathBuf,
        /// 1-based line where the record starts.
        line: u64,
        /// The bound, in bytes.
        max: u64,
    },
    /// The header (or the first row, without one) has more fields than
    /// [`CsvOptions::max_columns`](super::CsvOptions).
    #[error(
        "{}: line {line}: {} fields, more than the {} columns a table may have (is the delimiter right?)",
        .path.display(),
        crate::human::thousands(*.found as u64),
        crate::human::thousands(*.max as u64)
    )]
    TooManyColumns {
        /// The file.
        path: PathBuf,
        /// 1-based line of the header (or first row).
        line: u64,
        /// Fields in that record.
        found: usize,
        /// The bound.
        max: usize,
    },
    /// A field holds a NUL byte, which CSV text never does: the file is binary data.
    #[error(
        "{}: line {line}, column {column}: a NUL byte, which CSV text never holds (binary data?)",
        .path.display()
    )]
    NulByte {
        /// The file.
        path: PathBuf,
        /// 1-based line where the row starts.
        line: u64,
        /// 1-based index of the field.
        column: usize,
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
        "{}: line {line}: column name {} appears twice in the header (columns {first} and {second})",
        .path.display(),
        QuotedName(.name)
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
    /// A cell does not hold what its column needs: the first such cell of the column, and how
    /// many more there are (a column of numbers with a few stray words lists them all at once).
    #[error(
        "{}: line {line}, column {column}: expected {expected}, found {}{}",
        .path.display(),
        FoundText(.text),
        MoreCells(*.n_more, .more_lines)
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
        /// How many more cells of the same column are wrong in the same way.
        n_more: usize,
        /// The lines of the first few of those (at most [`MAX_LISTED_LINES`]).
        more_lines: Vec<u64>,
    },
    /// A column whose words all read as numbers with a decimal comma (`2,5`) in a file read with
    /// decimal points: numbers the user meant, which would otherwise be categories or errors.
    #[error(
        "{}: line {line}, column {column}: {} looks like a number with a decimal comma; use --decimal-comma to read such numbers",
        .path.display(),
        QuotedName(.text)
    )]
    DecimalComma {
        /// The file.
        path: PathBuf,
        /// 1-based line where the row of the first such cell starts.
        line: u64,
        /// The column.
        column: ColumnRef,
        /// The first such cell's text.
        text: String,
    },
    /// Missing values (empty cells or markers such as `NA`) where the missing-value policy does
    /// not allow them. Names the first missing cell, then counts them per column with their
    /// first lines, and says what to do.
    #[error(
        "{}: line {line}, column {column}: expected {expected}, found a missing value {}; {}; {hint}",
        .path.display(),
        FoundMissing(.text),
        MissingList(.columns)
    )]
    MissingValues {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first missing cell.
        line: u64,
        /// The column of the first missing cell.
        column: ColumnRef,
        /// What the cell should have held.
        expected: Expected,
        /// The first missing cell's text (`""` for an empty cell).
        text: String,
        /// Every column with missing cells, in column order.
        columns: Vec<MissingColumn>,
        /// Why they are not allowed and what to do.
        hint: MissingHint,
    },
    /// A categorical feature with more categories than allowed.
    #[error(
        "{}: column {column}: {n_categories} categories, more than the {max} allowed; drop the column with --drop {} or raise --max-categories",
        .path.display(),
        QuotedName(&.column.name)
    )]
    TooManyCategories {
        /// The file.
        path: PathBuf,
        /// The column.
        column: ColumnRef,
        /// Distinct categories found.
        n_categories: usize,
        /// The limit.
        max: usize,
    },
    /// A category that the training data did not have, with unknown categories set to be errors.
    #[error(
        "{}: line {line}, column {column}: unknown category {}; the training data's categories are {}; use --unknown-category ignore to encode unknown categories as all zeros",
        .path.display(),
        QuotedName(.category),
        NameList(.known)
    )]
    UnknownCategory {
        /// The file.
        path: PathBuf,
        /// 1-based line where the row starts.
        line: u64,
        /// The column.
        column: ColumnRef,
        /// The unknown category.
        category: String,
        /// The training data's categories, sorted.
        known: Vec<String>,
    },
    /// Dropping incomplete rows left no row.
    #[error(
        "{}: every row has a missing value, so --missing drop leaves nothing to train on; impute with --missing mean|median|most-frequent or --drop the emptiest columns",
        .path.display()
    )]
    NoRowsLeft {
        /// The file.
        path: PathBuf,
    },
    /// A column to impute has no value in the training rows.
    #[error(
        "{}: column {column}: no training row has a value to fill its missing cells with; drop it with --drop {}",
        .path.display(),
        QuotedName(&.column.name)
    )]
    NothingToImpute {
        /// The file.
        path: PathBuf,
        /// The column.
        column: ColumnRef,
    },
    /// A column is both selected (as a target or an explicit feature) and dropped.
    #[error("{}: column {} is both selected and dropped", .path.display(), QuotedName(.name))]
    DroppedSelected {
        /// The file.
        path: PathBuf,
        /// The column.
        name: String,
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
    #[error("{}: column {} is selected more than once", .path.display(), QuotedName(.name))]
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
        "{}: column {column}: classification needs at least two classes, found only {}",
        .path.display(),
        QuotedName(.class)
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
        "{}: line {line}, column {column}: unknown class {}; the training data's classes are {}",
        .path.display(),
        QuotedName(.label),
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
    /// A preprocessor built from inconsistent parts (e.g. read from an edited model file).
    #[error("invalid preprocessor: {reason}")]
    InvalidPreprocessor {
        /// What is wrong.
        reason: String,
    },
    /// The matrices handed to [`crate::Dataset::new`] disagree (a bug, not bad input).
    #[error(transparent)]
    Shape(#[from] DatasetShapeError),
    /// A number so large that standardizing it, `(x − mean) / std`, overflows to infinity.
    #[error(
        "{}: line {line}, column {column}: {} is too large to standardize: (x − mean) / std \
         overflows",
        .path.display(),
        crate::human::Significant(*.value)
    )]
    StandardizeOverflow {
        /// The file.
        path: PathBuf,
        /// 1-based line of the row.
        line: u64,
        /// The column.
        column: ColumnRef,
        /// The number in the file.
        value: f64,
    },
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
            | DataError::RecordTooLong { path, .. }
            | DataError::TooManyColumns { path, .. }
            | DataError::NulByte { path, .. }
            | DataError::InvalidUtf8 { path, .. }
            | DataError::DuplicateColumnName { path, .. }
            | DataError::InvalidCell { path, .. }
            | DataError::DecimalComma { path, .. }
            | DataError::UnknownColumn { path, .. }
            | DataError::UnterminatedQuote { path, .. }
            | DataError::DuplicateSelection { path, .. }
            | DataError::NoTargets { path }
            | DataError::NoFeatures { path }
            | DataError::LabelsNeedOneTarget { path, .. }
            | DataError::SingleClass { path, .. }
            | DataError::UnknownClass { path, .. }
            | DataError::MissingValues { path, .. }
            | DataError::TooManyCategories { path, .. }
            | DataError::UnknownCategory { path, .. }
            | DataError::NoRowsLeft { path }
            | DataError::NothingToImpute { path, .. }
            | DataError::DroppedSelected { path, .. }
            | DataError::StandardizeOverflow { path, .. } => Some(path),
            DataError::InvalidFraction { .. }
            | DataError::FeatureCount { .. }
            | DataError::InvalidStandardizer { .. }
            | DataError::InvalidClassEncoding { .. }
            | DataError::InvalidPreprocessor { .. }
            | DataError::Shape(_) => None,
        }
    }

    /// The 1-based line the error is about, where there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            DataError::RaggedRow { line, .. }
            | DataError::RecordTooLong { line, .. }
            | DataError::TooManyColumns { line, .. }
            | DataError::NulByte { line, .. }
            | DataError::InvalidUtf8 { line, .. }
            | DataError::DuplicateColumnName { line, .. }
            | DataError::InvalidCell { line, .. }
            | DataError::DecimalComma { line, .. }
            | DataError::UnterminatedQuote { line, .. }
            | DataError::MissingValues { line, .. }
            | DataError::UnknownCategory { line, .. }
            | DataError::UnknownClass { line, .. }
            | DataError::StandardizeOverflow { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The 1-based column index the error is about, where there is one.
    pub fn column(&self) -> Option<usize> {
        match self {
            DataError::InvalidUtf8 { column, .. } | DataError::NulByte { column, .. } => {
                Some(*column)
            }
            DataError::InvalidCell { column, .. }
            | DataError::DecimalComma { column, .. }
            | DataError::LabelsNeedOneTarget { column, .. }
            | DataError::SingleClass { column, .. }
            | DataError::UnknownClass { column, .. }
            | DataError::MissingValues { column, .. }
            | DataError::TooManyCategories { column, .. }
            | DataError::UnknownCategory { column, .. }
            | DataError::NothingToImpute { column, .. }
            | DataError::StandardizeOverflow { column, .. } => Some(column.index),
            _ => None,
        }
    }
}

/// A column's missing cells, for [`DataError::MissingValues`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingColumn {
    /// The column.
    pub column: ColumnRef,
    /// How many of its cells are missing.
    pub count: usize,
    /// The lines of the first few (at most [`MAX_LISTED_LINES`]), in file order.
    pub lines: Vec<u64>,
}

/// Why missing values are an error, for [`DataError::MissingValues`]: the end of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissingHint {
    /// Training with the default policy: suggests `--missing` and `--na-values`.
    Training,
    /// Training with the default policy, only target cells missing: suggests `--missing drop`
    /// and `--na-values` (targets are never filled in).
    TrainingTargets,
    /// A file prepared for a model trained without an imputer.
    NoImputer,
    /// Target cells missing in a file to evaluate on.
    MissingTargets,
}

impl fmt::Display for MissingHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MissingHint::Training => {
                "use --missing drop to drop incomplete rows, --missing mean|median|most-frequent \
                 to fill features in, or --na-values to change what counts as missing"
            }
            MissingHint::TrainingTargets => {
                "a row without a target is never trained on: use --missing drop to leave such \
                 rows out, or --na-values to change what counts as missing"
            }
            MissingHint::NoImputer => {
                "the model has no imputer (it was trained with --missing drop), so every row \
                 needs all its feature values"
            }
            MissingHint::MissingTargets => "rows without a target cannot be evaluated",
        })
    }
}

/// Most lines listed for one column in a message.
pub const MAX_LISTED_LINES: usize = 5;

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

/// Displays `; 2 more such cells (lines 7, 9)`, or nothing when there are none.
struct MoreCells<'a>(usize, &'a [u64]);

impl fmt::Display for MoreCells<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let MoreCells(n_more, lines) = *self;
        match n_more {
            0 => Ok(()),
            1 => write!(f, "; 1 more such cell ({})", LineList(lines, n_more)),
            _ => write!(f, "; {n_more} more such cells ({})", LineList(lines, n_more)),
        }
    }
}

/// Displays `line 7` or `lines 7, 9, …` (`…` when `count` exceeds the lines listed).
struct LineList<'a>(&'a [u64], usize);

impl fmt::Display for LineList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let LineList(lines, count) = *self;
        f.write_str(if lines.len() == 1 && count == 1 { "line " } else { "lines " })?;
        for (line_idx, line) in lines.iter().enumerate() {
            if line_idx > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{line}")?;
        }
        if count > lines.len() {
            f.write_str(", …")?;
        }
        Ok(())
    }
}

/// Displays a missing cell as `"NA"` or `(an empty cell)`.
struct FoundMissing<'a>(&'a str);

impl fmt::Display for FoundMissing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(an empty cell)")
        } else {
            write!(f, "{}", FoundText(self.0))
        }
    }
}

/// Displays `missing cells: sex 11 (lines 5, 10, …), bill_length_mm 2 (lines 5, 341)`, the
/// first 30 columns of a longer list followed by `… and 1,970 more columns`.
struct MissingList<'a>(&'a [MissingColumn]);

impl fmt::Display for MissingList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("missing cells: ")?;
        for (column_idx, missing) in self.0.iter().take(MAX_LISTED_NAMES).enumerate() {
            if column_idx > 0 {
                f.write_str(", ")?;
            }
            write!(
                f,
                "{} {} ({})",
                ShortName(&missing.column.name),
                missing.count,
                LineList(&missing.lines, missing.count)
            )?;
        }
        if let Some(n_more) = self.0.len().checked_sub(MAX_LISTED_NAMES).filter(|&n| n > 0) {
            write!(f, ", … and {} more columns", crate::human::thousands(n_more as u64))?;
        }
        Ok(())
    }
}

/// Displays names as `"a", "b", "c"`, each cut to 80 characters, the first 30 of a longer list
/// followed by `… and 299,970 more`: a few KiB at most, whatever the header.
struct NameList<'a>(&'a [String]);

impl fmt::Display for NameList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name_idx, name) in self.0.iter().take(MAX_LISTED_NAMES).enumerate() {
            if name_idx > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", QuotedName(name))?;
        }
        if let Some(n_more) = self.0.len().checked_sub(MAX_LISTED_NAMES).filter(|&n| n > 0) {
            write!(f, ", … and {} more", crate::human::thousands(n_more as u64))?;
        }
        Ok(())
    }
}

/// A size in bytes, displayed as `64 MiB` when it is a whole number of KiB, MiB, GiB or TiB,
/// as `1,000 bytes` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteSize(pub(crate) u64);

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0;
        for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
            if bytes >= 1 << shift && bytes % (1 << shift) == 0 {
                return write!(f, "{} {unit}", crate::human::thousands(bytes >> shift));
            }
        }
        write!(f, "{}", crate::human::plural(bytes, "byte"))
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
            n_more: 0,
            more_lines: vec![],
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
        assert_eq!(listed, format!("{}, … and 70 more", first_30.join(", ")));
        assert_eq!(NameList(&available[..30]).to_string(), first_30.join(", "));
        assert_eq!(
            NameList(&available[..31]).to_string(),
            format!("{}, … and 1 more", first_30.join(", "))
        );

        let long = vec!["x".repeat(5000)];
        assert_eq!(NameList(&long).to_string(), format!("\"{}\"… (5,000 bytes)", "x".repeat(80)));
    }

    #[test]
    fn messages_cut_every_long_name() {
        let long = "n".repeat(1 << 20);
        let path = PathBuf::from("t.csv");
        let column = ColumnRef { index: 2, name: long.clone() };
        let errors = [
            DataError::DuplicateColumnName {
                path: path.clone(),
                line: 1,
                name: long.clone(),
                first: 1,
                second: 2,
            },
            DataError::DroppedSelected { path: path.clone(), name: long.clone() },
            DataError::DuplicateSelection { path: path.clone(), name: long.clone() },
            DataError::TooManyCategories {
                path: path.clone(),
                column: column.clone(),
                n_categories: 60,
                max: 50,
            },
            DataError::NothingToImpute { path: path.clone(), column: column.clone() },
            DataError::SingleClass {
                path: path.clone(),
                column: column.clone(),
                class: long.clone(),
            },
            DataError::UnknownClass {
                path: path.clone(),
                line: 3,
                column: column.clone(),
                label: long.clone(),
                known: vec![long.clone(); 3],
            },
            DataError::UnknownColumn {
                path: path.clone(),
                name: long.clone(),
                available: vec![long.clone(); 100],
                suggestion: Some(ColumnSuggestion::Name(long.clone())),
            },
            DataError::MissingValues {
                path: path.clone(),
                line: 3,
                column: column.clone(),
                expected: Expected::FiniteNumber,
                text: long.clone(),
                columns: vec![
                    MissingColumn { column: column.clone(), count: 1, lines: vec![3] };
                    100
                ],
                hint: MissingHint::Training,
            },
        ];
        for err in errors {
            let message = err.to_string();
            assert!(message.len() < 8 * 1024, "{} bytes: {}", message.len(), &message[..200]);
            assert!(message.contains("… (1,048,576 bytes)"), "{message}");
        }
    }

    #[test]
    fn byte_sizes_read_as_people_write_them() {
        assert_eq!(ByteSize(64 << 20).to_string(), "64 MiB");
        assert_eq!(ByteSize(1 << 10).to_string(), "1 KiB");
        assert_eq!(ByteSize(3 << 40).to_string(), "3 TiB");
        assert_eq!(ByteSize(1536 << 20).to_string(), "1,536 MiB");
        assert_eq!(ByteSize(1000).to_string(), "1,000 bytes");
        assert_eq!(ByteSize(1).to_string(), "1 byte");
        assert_eq!(ByteSize(0).to_string(), "0 bytes");
    }

    #[test]
    fn record_too_long_and_nul_byte_name_file_line_and_flag() {
        let err = DataError::RecordTooLong { path: PathBuf::from("z.csv"), line: 4, max: 1 << 20 };
        assert_eq!(
            err.to_string(),
            "z.csv: line 4: a record longer than 1 MiB (not a CSV file, or a quote left open?); \
             if the rows really are that long, raise the limit with --max-record-size"
        );
        assert_eq!((err.line(), err.column()), (Some(4), None));
        let err = DataError::NulByte { path: PathBuf::from("b.csv"), line: 2, column: 3 };
        assert_eq!(
            err.to_string(),
            "b.csv: line 2, column 3: a NUL byte, which CSV text never holds (binary data?)"
        );
        assert_eq!((err.line(), err.column()), (Some(2), Some(3)));
        assert_eq!(err.path(), Some(std::path::Path::new("b.csv")));
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
