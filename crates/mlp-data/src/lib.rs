//! CSV files into prepared numbers for a multilayer perceptron: [`Dataset`]s with errors
//! that name the file, line and column, and the [`Preprocessor`] that prepares later files the
//! same way. No training and no logging: `mlp-train` builds on it (and re-exports it as
//! `mlp_train::data`).
//!
//! The steps, one module each:
//!
//! 1. [`Table::read`] (or [`Table::from_reader`]): a CSV file as typed columns, with the line
//!    each row starts on. A path or `-` for standard input, gzip-compressed or not (`source`);
//!    header or not; any one-byte delimiter, or one of `,` `;` tab `|` detected from the first
//!    lines ([`detect_delimiter`]); quoted fields (one left open at the end of the file is an
//!    error), CRLF, a UTF-8 byte-order mark. A field that is a finite number is parsed straight
//!    from its bytes ([`parse_number`], no allocation); any other cell is text interned once per
//!    column ([`Cell`]). Plain lines are parsed in chunks on every core, the rest by the `csv`
//!    crate, with the same table and the same errors.
//! 2. [`Table::select`]: target and feature columns by name ([`ColumnSelection`]: features,
//!    `drop`, missing-value markers, category limit). Index columns are left out
//!    ([`is_index_column_name`]); a feature column is numeric, or categorical when it holds more
//!    words than numbers; targets are numbers or class labels as the [`Task`] says (the task
//!    policy: [`Task::Auto`], [`integer_codes_are_classes`], [`Task::default_loss`], …). Missing
//!    cells (empty, `NA`, `?`, … [`DEFAULT_NA_VALUES`]) are kept, marked.
//! 3. [`prepare_training_with`] ([`TrainingOptions`]): the [`MissingPolicy`] (error, drop rows,
//!    or impute with an [`Imputer`] fitted on the training rows), [`ClassEncoding`] of labels,
//!    [`shuffle_split`] / [`stratified_split`], one-hot categories, a [`Standardizer`] of the
//!    numeric inputs (and of regression targets on request), all fitted on training samples
//!    only. [`prepare_training`] is the same with the options of clean numeric files;
//!    [`prepare_training_owned`] takes the data and frees it once the inputs are built.
//! 4. The [`Preprocessor`] it returns (saved with the model; built from its parts with
//!    [`Preprocessor::new`]) prepares validation, test and prediction files the same way:
//!    [`Preprocessor::dataset`], [`Preprocessor::inputs`], [`Preprocessor::prepare_file`].
//!
//! What a step did on its own (index column left out, rows dropped, classes read from integer
//! codes, cells imputed) comes back as [`DataNotice`]s for the caller to show. Every failure is
//! a [`DataError`] naming the file, and the line and column where there is one; a column name
//! that is not in the file comes with a [`suggest_column`] hint (another delimiter, or the
//! closest name). Malformed input never panics.
//!
//! Matrices have **one column per sample**: features are (n_features × n_samples), targets
//! (n_outputs × n_samples). A sample's number is its 1-based data-row number: row 1 is the first
//! row after the header (blank lines are skipped and not counted; error messages give physical
//! line numbers instead).
//!
//! # Example
//!
//! ```
//! use mlp_data::{
//!     prepare_training_with, ColumnSelection, CsvOptions, DataNotice, MissingPolicy,
//!     SplitOptions, Table, Task, TrainingOptions,
//! };
//!
//! let csv = "x1,island,species\n1.0,Biscoe,a\n1.5,Dream,a\nNA,Dream,a\n3.0,Biscoe,b\n3.5,Dream,b\n";
//! let table = Table::from_reader(csv.as_bytes(), "penguins.csv", &CsvOptions::default())?;
//! let data = table.select(&ColumnSelection::new(["species"]), Task::Auto)?;
//! let options = TrainingOptions {
//!     split: SplitOptions { validation_fraction: 0.5, seed: 7 },
//!     missing: MissingPolicy::Drop,
//!     ..TrainingOptions::default()
//! };
//! let prepared = prepare_training_with::<f64>(&data, &options)?;
//! assert_eq!(prepared.notices, [DataNotice::RowsDropped { n_dropped: 1, n_rows: 5 }]);
//! assert_eq!(prepared.train.len(), 2); // one sample of each class
//! assert_eq!(prepared.preprocessor.input_names(), ["x1", "island=Biscoe", "island=Dream"]);
//!
//! // Later, on a file without the target column, its columns in another order:
//! let new = Table::from_reader("island,x1\nDream,1.0\n".as_bytes(), "new.csv", &CsvOptions::default())?;
//! let inputs = prepared.preprocessor.inputs::<f64>(&new)?;
//! assert_eq!(inputs.shape(), (3, 1));
//!
//! let err = table.select(&ColumnSelection::new(["colour"]), Task::Auto).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     r#"penguins.csv: no column named "colour"; the columns are "x1", "island", "species""#
//! );
//! # Ok::<(), mlp_data::DataError>(())
//! ```

#![warn(missing_docs)]

pub mod dataset;
pub mod human;

mod block;
mod cells;
mod classes;
mod column;
mod error;
mod fast;
#[cfg(test)]
mod formats_tests;
mod labeled;
mod missing;
mod notice;
mod number;
mod prepare;
mod preprocessor;
mod quote;
mod select;
mod sniff;
mod source;
mod split;
mod standardize;
mod suggest;
mod table;
mod task;
#[cfg(test)]
mod tests;

pub use block::NumberPrecision;
pub use cells::{default_na_values, DEFAULT_NA_VALUES};
pub use classes::ClassEncoding;
pub use column::Cell;
pub use dataset::Dataset;
pub use error::{ColumnRef, DataError, Expected, MissingColumn, MissingHint, MAX_LISTED_LINES};
pub use labeled::{
    FeatureColumn, FeatureValues, Features, LabeledData, Labels, NumericTargets, Targets,
};
pub use missing::{FillValue, ImputeStrategy, Imputer, MissingPolicy};
pub use notice::DataNotice;
pub use number::{parse_number, DecimalSeparator, NotANumber};
pub use prepare::{
    prepare_training, prepare_training_owned, prepare_training_table, prepare_training_with,
    PrepareOptions, Prepared, TrainingOptions,
};
pub use preprocessor::{
    InputsFile, OutputsFile, PreparedFile, Preprocessor, PreprocessorFile, PreprocessorParts,
    UnknownCategory,
};
pub use select::{
    is_index_column_name, ColumnSelection, DEFAULT_MAX_CATEGORIES, MIN_ROWS_FOR_IDENTIFIER,
};
pub use sniff::{detect_delimiter, DELIMITER_CANDIDATES};
pub use source::{STDIN_NAME, STDIN_PATH};
pub use split::{shuffle_split, stratified_split, Split, SplitOptions};
pub use standardize::Standardizer;
pub use suggest::{suggest_column, ColumnSuggestion};
pub use table::{CsvOptions, Table, DEFAULT_MAX_COLUMNS, DEFAULT_MAX_RECORD_SIZE};
pub use task::{
    integer_codes_are_classes, MetricsKind, Task, MAX_AUTO_CLASSES, MIN_ROWS_PER_AUTO_CLASS,
};
