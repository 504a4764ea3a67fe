//! What [`Table::select`](super::Table::select) returns: feature columns (numeric or
//! categorical), targets (numbers or class labels), both with missing cells marked, and the
//! report of those missing cells.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use nalgebra::DMatrix;

use super::cells::CategoricalCells;
use super::error::{ColumnRef, DataError, Expected, MissingColumn, MissingHint, MAX_LISTED_LINES};
use super::notice::DataNotice;
use super::table::Table;
use super::task::Task;

/// The values of one feature column.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureValues {
    /// Numbers, one per sample; NaN marks a missing cell.
    Numeric(Vec<f64>),
    /// Categories: `codes[j]` indexes `categories` (unsorted), `None` marks a missing cell.
    Categorical {
        /// The distinct categories, in order of first appearance.
        categories: Vec<String>,
        /// One per sample.
        codes: Vec<Option<u32>>,
    },
}

/// One feature column: where it came from and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureColumn {
    pub(super) column: ColumnRef,
    pub(super) values: FeatureValues,
    pub(super) first_missing_text: Option<String>,
}

impl FeatureColumn {
    /// The column in the file.
    pub fn column(&self) -> &ColumnRef {
        &self.column
    }

    /// Its values.
    pub fn values(&self) -> &FeatureValues {
        &self.values
    }

    /// True when it is categorical.
    pub fn is_categorical(&self) -> bool {
        matches!(self.values, FeatureValues::Categorical { .. })
    }

    /// True when sample `sample_idx` (0-based) is missing here.
    pub fn is_missing(&self, sample_idx: usize) -> bool {
        match &self.values {
            FeatureValues::Numeric(values) => values.get(sample_idx).is_some_and(|v| v.is_nan()),
            FeatureValues::Categorical { codes, .. } => {
                codes.get(sample_idx).is_some_and(Option::is_none)
            }
        }
    }

    /// The text of the first missing cell (`""` for an empty cell), if any.
    pub fn first_missing_text(&self) -> Option<&str> {
        self.first_missing_text.as_deref()
    }
}

/// Feature values of a table, one column at a time, with each sample's row and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    pub(super) path: PathBuf,
    pub(super) names: Vec<String>,
    pub(super) columns: Vec<FeatureColumn>,
    pub(super) sample_numbers: Vec<usize>,
    pub(super) lines: Vec<u64>,
}

impl Features {
    /// The file the features come from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Feature column names, in selection order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The feature columns, in selection order.
    pub fn columns(&self) -> &[FeatureColumn] {
        &self.columns
    }

    /// The numeric columns as a (n_features × n_samples) matrix, or `None` when a column is
    /// categorical. Missing cells are NaN.
    pub fn numeric_matrix(&self) -> Option<DMatrix<f64>> {
        let mut matrix = DMatrix::zeros(self.columns.len(), self.n_samples());
        for (feature_idx, column) in self.columns.iter().enumerate() {
            let FeatureValues::Numeric(values) = &column.values else { return None };
            for (sample_idx, &value) in values.iter().enumerate() {
                matrix[(feature_idx, sample_idx)] = value;
            }
        }
        Some(matrix)
    }

    /// The 1-based data-row number of each sample (row 1 is the first row after the header).
    pub fn sample_numbers(&self) -> &[usize] {
        &self.sample_numbers
    }

    /// The 1-based physical line of each sample's row.
    pub fn lines(&self) -> &[u64] {
        &self.lines
    }

    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.sample_numbers.len()
    }
}

impl Features {
    /// The columns `names` of `table` read as the kinds given (`categories[k]` is `Some` for a
    /// categorical column), for a preprocessor: a file's own content does not change a column's
    /// kind. Words in a numeric column are an error.
    pub(crate) fn read_as(
        table: &Table,
        names: &[String],
        categories: &[Option<Vec<String>>],
        na_values: &[String],
    ) -> Result<Features, DataError> {
        let columns = table.resolve(names, &mut HashSet::new())?;
        let mut feature_columns = Vec::with_capacity(columns.len());
        for (&column_idx, kind) in columns.iter().zip(categories) {
            let (values, first_missing_text) = match kind {
                None => {
                    let cells = table.numeric_cells(column_idx, na_values, Expected::Number)?;
                    (FeatureValues::Numeric(cells.values), cells.first_missing_text)
                }
                Some(_) => {
                    let CategoricalCells { categories, codes, first_missing_text } =
                        table.categorical_cells(column_idx, na_values)?;
                    (FeatureValues::Categorical { categories, codes }, first_missing_text)
                }
            };
            feature_columns.push(FeatureColumn {
                column: table.column_ref(column_idx),
                values,
                first_missing_text,
            });
        }
        Ok(Features {
            path: table.path().to_owned(),
            names: names.to_vec(),
            columns: feature_columns,
            sample_numbers: table.sample_numbers(),
            lines: table.lines().to_vec(),
        })
    }

    /// The missing-values error for the rows `missing_rows[k]` (0-based, increasing) of each
    /// feature column `k`.
    pub(crate) fn missing_error(
        &self,
        missing_rows: &[Vec<usize>],
        hint: MissingHint,
    ) -> DataError {
        let mut columns = Vec::new();
        let mut first: Option<(u64, usize)> = None;
        for (feature_idx, rows) in missing_rows.iter().enumerate() {
            let (Some(&first_row), Some(feature)) = (rows.first(), self.columns.get(feature_idx))
            else {
                continue;
            };
            let line = self.lines[first_row];
            if first.is_none_or(|(first_line, _)| line < first_line) {
                first = Some((line, feature_idx));
            }
            columns.push(MissingColumn {
                column: feature.column.clone(),
                count: rows.len(),
                lines: rows.iter().take(MAX_LISTED_LINES).map(|&row| self.lines[row]).collect(),
            });
        }
        let Some((line, feature)) =
            first.and_then(|(line, feature_idx)| Some((line, self.columns.get(feature_idx)?)))
        else {
            return DataError::InvalidPreprocessor {
                reason: "a missing-value report without missing cells".to_owned(),
            };
        };
        DataError::MissingValues {
            path: self.path.clone(),
            line,
            column: feature.column.clone(),
            expected: if feature.is_categorical() {
                Expected::Category
            } else {
                Expected::FiniteNumber
            },
            text: feature.first_missing_text.clone().unwrap_or_default(),
            columns,
            hint,
        }
    }
}

/// Numeric targets: one column per data row.
#[derive(Debug, Clone, PartialEq)]
pub struct NumericTargets {
    pub(super) names: Vec<String>,
    pub(super) columns: Vec<ColumnRef>,
    pub(super) values: DMatrix<f64>,
    pub(super) first_missing_texts: Vec<Option<String>>,
}

impl NumericTargets {
    /// Target names, one per matrix row.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The target columns, one per matrix row.
    pub fn columns(&self) -> &[ColumnRef] {
        &self.columns
    }

    /// (n_targets × n_samples), finite, NaN where the cell is missing.
    pub fn values(&self) -> &DMatrix<f64> {
        &self.values
    }
}

/// The class labels of one target column, as text, with where each came from (for errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub(super) path: PathBuf,
    pub(super) column: ColumnRef,
    pub(super) values: Vec<String>,
    pub(super) lines: Vec<u64>,
    pub(super) first_missing_text: Option<String>,
}

impl Labels {
    /// The file the labels come from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The label column.
    pub fn column(&self) -> &ColumnRef {
        &self.column
    }

    /// One label per sample, trimmed; an empty label marks a missing cell (never a class).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The 1-based line of each sample's row.
    pub fn lines(&self) -> &[u64] {
        &self.lines
    }

    /// The text of the first missing cell, if any.
    pub(crate) fn first_missing_text(&self) -> Option<String> {
        self.first_missing_text.clone()
    }

    /// The labels of the samples `sample_indices` (0-based), in that order.
    pub(crate) fn select(&self, sample_indices: &[usize]) -> Labels {
        Labels {
            path: self.path.clone(),
            column: self.column.clone(),
            values: sample_indices.iter().map(|&j| self.values[j].clone()).collect(),
            lines: sample_indices.iter().map(|&j| self.lines[j]).collect(),
            first_missing_text: self.first_missing_text.clone(),
        }
    }
}

/// The targets of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// One or more numeric target columns (regression).
    Numeric(NumericTargets),
    /// One column of class labels (classification).
    Labels(Labels),
}

impl Targets {
    /// True when sample `sample_idx` has a missing target.
    pub fn is_missing(&self, sample_idx: usize) -> bool {
        match self {
            Targets::Numeric(numeric) => {
                numeric.values.column(sample_idx).iter().any(|value| value.is_nan())
            }
            Targets::Labels(labels) => labels.values.get(sample_idx).is_some_and(String::is_empty),
        }
    }
}

/// Features and targets of the same samples, read from one table, with the notices of the
/// selection (index columns excluded, the task chosen) and the missing-value markers used.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledData {
    pub(super) features: Features,
    pub(super) targets: Targets,
    pub(super) notices: Vec<DataNotice>,
    pub(super) na_values: Vec<String>,
}

impl LabeledData {
    /// The features.
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// The targets, one per sample.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.features.n_samples()
    }

    /// What the selection did on its own: index columns excluded, classes read from integers.
    pub fn notices(&self) -> &[DataNotice] {
        &self.notices
    }

    /// The missing-value markers the cells were read with.
    pub fn na_values(&self) -> &[String] {
        &self.na_values
    }

    /// The task the targets were read as: classification for labels, regression otherwise.
    pub fn task(&self) -> Task {
        match self.targets {
            Targets::Labels(_) => Task::Classification,
            Targets::Numeric(_) => Task::Regression,
        }
    }

    /// Every column with missing cells (features, then targets), with counts and first lines.
    pub fn missing_columns(&self) -> Vec<MissingColumn> {
        let lines = self.features.lines();
        let summarize = |column: &ColumnRef, is_missing: &dyn Fn(usize) -> bool| {
            let missing: Vec<usize> = (0..lines.len()).filter(|&j| is_missing(j)).collect();
            (!missing.is_empty()).then(|| MissingColumn {
                column: column.clone(),
                count: missing.len(),
                lines: missing.iter().take(MAX_LISTED_LINES).map(|&j| lines[j]).collect(),
            })
        };
        let mut columns: Vec<MissingColumn> = self
            .features
            .columns
            .iter()
            .filter_map(|feature| summarize(&feature.column, &|j| feature.is_missing(j)))
            .collect();
        match &self.targets {
            Targets::Numeric(numeric) => {
                for (target_idx, column) in numeric.columns.iter().enumerate() {
                    let row = numeric.values.row(target_idx);
                    columns.extend(summarize(column, &|j| row[j].is_nan()));
                }
            }
            Targets::Labels(labels) => {
                columns.extend(summarize(&labels.column, &|j| labels.values[j].is_empty()));
            }
        }
        columns
    }

    /// The missing-values error for these data, naming the first missing cell, or `None` when
    /// nothing is missing.
    pub(crate) fn missing_values_error(&self, hint: MissingHint) -> Option<DataError> {
        let columns = self.missing_columns();
        let first = columns.iter().min_by_key(|column| (column.lines[0], column.column.index))?;
        let (expected, text) = self.first_missing_of(&first.column);
        Some(DataError::MissingValues {
            path: self.features.path.clone(),
            line: first.lines[0],
            column: first.column.clone(),
            expected,
            text,
            columns: columns.clone(),
            hint,
        })
    }

    /// What the column expects and the text of its first missing cell.
    fn first_missing_of(&self, column: &ColumnRef) -> (Expected, String) {
        if let Some(feature) = self.features.columns.iter().find(|f| f.column == *column) {
            let expected =
                if feature.is_categorical() { Expected::Category } else { Expected::FiniteNumber };
            return (expected, feature.first_missing_text.clone().unwrap_or_default());
        }
        match &self.targets {
            Targets::Labels(labels) => {
                (Expected::ClassLabel, labels.first_missing_text.clone().unwrap_or_default())
            }
            Targets::Numeric(numeric) => {
                let text = numeric
                    .columns
                    .iter()
                    .position(|c| c == column)
                    .and_then(|target_idx| numeric.first_missing_texts[target_idx].clone());
                (Expected::FiniteNumber, text.unwrap_or_default())
            }
        }
    }
}
