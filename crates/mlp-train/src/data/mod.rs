//! Loading CSV files into [`Dataset`](crate::Dataset)s.
//!
//! The steps, one module each:
//!
//! 1. [`Table::read`] (or [`Table::from_reader`]): a CSV file as rows of text cells, with the
//!    line each row starts on. Header or not, any one-byte delimiter, quoted fields, CRLF, a
//!    UTF-8 byte-order mark.
//! 2. [`Table::select`]: target and feature columns by name ([`ColumnSelection`]); features
//!    become finite numbers, targets numbers or class labels as the [`Task`] says.
//!    [`Table::select_features`] reads the features alone, for prediction.
//! 3. [`ClassEncoding`]: class labels to one-hot targets, classes sorted as scikit-learn sorts
//!    them; [`shuffle_split`] and [`stratified_split`]: seeded train/validation splits;
//!    [`Standardizer`]: zero mean and unit variance, fitted on training samples only.
//! 4. [`prepare_training`] runs step 3 and builds the [`Dataset`](crate::Dataset)s; its
//!    [`Preprocessor`] (saved with the model) prepares validation, test and prediction files
//!    the same way.
//!
//! Every failure is a [`DataError`] naming the file, and the line and column where there is
//! one. Malformed input never panics.
//!
//! Matrices have **one column per sample**: features are (n_features × n_samples), targets
//! (n_outputs × n_samples). A sample's number is its 1-based data-row number: row 1 is the first
//! row after the header (blank lines are skipped and not counted; error messages give physical
//! line numbers instead).
//!
//! # Example
//!
//! ```
//! use mlp_train::data::{prepare_training, ColumnSelection, CsvOptions, PrepareOptions, SplitOptions, Table, Task};
//!
//! let csv = "x1,x2,species\n1.0,2.0,a\n1.5,2.5,a\n3.0,1.0,b\n3.5,0.5,b\n";
//! let table = Table::from_reader(csv.as_bytes(), "flowers.csv", &CsvOptions::default())?;
//! let data = table.select(&ColumnSelection::new(["species"]), Task::Auto)?;
//! let options = PrepareOptions {
//!     split: SplitOptions { validation_fraction: 0.5, seed: 7 },
//!     ..PrepareOptions::default()
//! };
//! let prepared = prepare_training::<f64>(&data, &options)?;
//! assert_eq!(prepared.train.len(), 2); // one sample of each class
//! assert_eq!(prepared.train.targets().nrows(), 2); // one-hot over ["a", "b"]
//!
//! // Later, on a file without the target column:
//! let new = Table::from_reader("x2,x1\n2.0,1.0\n".as_bytes(), "new.csv", &CsvOptions::default())?;
//! let inputs = prepared.preprocessor.inputs::<f64>(&new)?;
//! assert_eq!(inputs.shape(), (2, 1));
//!
//! let err = table.select(&ColumnSelection::new(["colour"]), Task::Auto).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     r#"flowers.csv: no column named "colour"; the columns are "x1", "x2", "species""#
//! );
//! # Ok::<(), mlp_train::data::DataError>(())
//! ```

mod cells;
mod classes;
mod column;
mod error;
mod missing;
mod notice;
mod prepare;
mod preprocessor;
mod select;
mod split;
mod standardize;
mod table;
mod task;

pub use cells::{default_na_values, DEFAULT_NA_VALUES};
pub use classes::ClassEncoding;
pub use column::Cell;
pub use error::{ColumnRef, DataError, Expected, MissingColumn, MissingHint, MAX_LISTED_LINES};
pub use missing::{FillValue, ImputeStrategy, Imputer, MissingPolicy};
pub use notice::DataNotice;
pub use prepare::{
    prepare_training, prepare_training_with, PrepareOptions, Prepared, TrainingOptions,
};
pub use preprocessor::{PreparedFile, Preprocessor, PreprocessorParts, UnknownCategory};
pub use select::{
    is_index_column_name, ColumnSelection, FeatureColumn, FeatureValues, Features, LabeledData,
    Labels, NumericTargets, Targets, DEFAULT_MAX_CATEGORIES,
};
pub use split::{shuffle_split, stratified_split, Split, SplitOptions};
pub use standardize::Standardizer;
pub use table::{CsvOptions, Table};
pub use task::{integer_codes_are_classes, Task, MAX_AUTO_CLASSES, MIN_ROWS_PER_AUTO_CLASS};
