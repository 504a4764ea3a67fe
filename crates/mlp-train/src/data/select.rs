//! Choosing feature and target columns of a [`Table`] by name and parsing their cells.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::error::{ColumnRef, DataError, Expected};
use super::suggest::suggest_column;
use super::table::Table;

/// Which columns are targets and which are features, by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnSelection {
    /// Target column names, at least one; in the order the outputs should have.
    pub targets: Vec<String>,
    /// Feature column names in the order the inputs should have, or `None` for every column
    /// that is not a target, in file order.
    pub features: Option<Vec<String>>,
}

impl ColumnSelection {
    /// Selects `targets`, with every other column as a feature.
    pub fn new<I, S>(targets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ColumnSelection { targets: targets.into_iter().map(Into::into).collect(), features: None }
    }

    /// Uses exactly `features` as the features, in this order.
    #[must_use = "returns a new selection"]
    pub fn with_features<I, S>(mut self, features: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.features = Some(features.into_iter().map(Into::into).collect());
        self
    }
}

/// What the targets are to be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Regression when every target cell is a number, classification when the (single) target
    /// column has a non-numeric cell. Empty cells are errors either way, never a class.
    #[default]
    Auto,
    /// The single target column holds class labels, even if they are numbers (digits 0–9, wine
    /// classes 1–3); a label is its text as written (`"1"` and `"1.0"` are different classes).
    Classification,
    /// Every target cell must be a finite number.
    Regression,
}

/// Feature values of a table: one column per data row.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    path: PathBuf,
    names: Vec<String>,
    values: DMatrix<f64>,
    sample_numbers: Vec<usize>,
}

impl Features {
    /// The file the features come from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Feature names, one per matrix row.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// (n_features × n_samples), every value finite.
    pub fn values(&self) -> &DMatrix<f64> {
        &self.values
    }

    /// The 1-based data-row number of each sample (row 1 is the first row after the header).
    pub fn sample_numbers(&self) -> &[usize] {
        &self.sample_numbers
    }

    /// Number of samples (matrix columns).
    pub fn n_samples(&self) -> usize {
        self.values.ncols()
    }
}

/// Numeric targets: one column per data row.
#[derive(Debug, Clone, PartialEq)]
pub struct NumericTargets {
    names: Vec<String>,
    values: DMatrix<f64>,
}

impl NumericTargets {
    /// Target names, one per matrix row.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// (n_targets × n_samples), every value finite.
    pub fn values(&self) -> &DMatrix<f64> {
        &self.values
    }
}

/// The class labels of one target column, as text, with where each came from (for errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    path: PathBuf,
    column: ColumnRef,
    values: Vec<String>,
    lines: Vec<u64>,
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

    /// One label per sample, non-empty, trimmed.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The 1-based line of each sample's row.
    pub fn lines(&self) -> &[u64] {
        &self.lines
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

/// Features and targets of the same samples, read from one table.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledData {
    features: Features,
    targets: Targets,
}

impl LabeledData {
    /// The features, (n_features × n_samples).
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
}

impl Table {
    /// Reads the selected target and feature columns.
    ///
    /// Features must be finite numbers. Targets are read as `task` says (see [`Task`]). Errors
    /// name the file, and the line and column of a bad cell; an unknown column name lists the
    /// file's columns.
    pub fn select(
        &self,
        selection: &ColumnSelection,
        task: Task,
    ) -> Result<LabeledData, DataError> {
        if selection.targets.is_empty() {
            return Err(DataError::NoTargets { path: self.path().to_owned() });
        }
        let mut seen = HashSet::new();
        let target_columns = self.resolve(&selection.targets, &mut seen)?;
        let feature_columns = match &selection.features {
            Some(names) => self.resolve(names, &mut seen)?,
            None => (0..self.n_columns())
                .filter(|column_idx| !target_columns.contains(column_idx))
                .collect(),
        };
        let features = self.features_at(&feature_columns)?;
        let targets = self.targets_at(&target_columns, task)?;
        Ok(LabeledData { features, targets })
    }

    /// Reads only the feature columns `names`, in this order (for prediction: the target
    /// columns may be absent).
    pub fn select_features(&self, names: &[String]) -> Result<Features, DataError> {
        let feature_columns = self.resolve(names, &mut HashSet::new())?;
        self.features_at(&feature_columns)
    }

    /// The 0-based indices of `names`; `seen` catches a name given twice.
    fn resolve<'a>(
        &self,
        names: &'a [String],
        seen: &mut HashSet<&'a str>,
    ) -> Result<Vec<usize>, DataError> {
        names
            .iter()
            .map(|name| {
                if !seen.insert(name.as_str()) {
                    return Err(DataError::DuplicateSelection {
                        path: self.path().to_owned(),
                        name: name.clone(),
                    });
                }
                self.column_index(name).ok_or_else(|| DataError::UnknownColumn {
                    path: self.path().to_owned(),
                    name: name.clone(),
                    available: self.column_names().to_vec(),
                    suggestion: suggest_column(name, self.column_names()),
                })
            })
            .collect()
    }

    fn column_ref(&self, column_idx: usize) -> ColumnRef {
        ColumnRef { index: column_idx + 1, name: self.column_names()[column_idx].clone() }
    }

    fn features_at(&self, columns: &[usize]) -> Result<Features, DataError> {
        if columns.is_empty() {
            return Err(DataError::NoFeatures { path: self.path().to_owned() });
        }
        let values = self.numbers_at(columns, Expected::Number)?;
        Ok(Features {
            path: self.path().to_owned(),
            names: columns
                .iter()
                .map(|&column_idx| self.column_names()[column_idx].clone())
                .collect(),
            values,
            sample_numbers: (1..=self.n_rows()).collect(),
        })
    }

    fn targets_at(&self, columns: &[usize], task: Task) -> Result<Targets, DataError> {
        let label_column = match task {
            Task::Regression => None,
            Task::Classification => columns.first().copied(),
            Task::Auto => {
                columns.iter().copied().find(|&column_idx| self.has_non_numeric_cell(column_idx))
            }
        };
        let Some(label_column) = label_column else {
            let not_a_number = if task == Task::Regression {
                Expected::NumberForRegression
            } else {
                Expected::Number
            };
            return Ok(Targets::Numeric(NumericTargets {
                names: columns
                    .iter()
                    .map(|&column_idx| self.column_names()[column_idx].clone())
                    .collect(),
                values: self.numbers_at(columns, not_a_number)?,
            }));
        };
        if columns.len() != 1 {
            return Err(DataError::LabelsNeedOneTarget {
                path: self.path().to_owned(),
                column: self.column_ref(label_column),
                n_targets: columns.len(),
            });
        }
        let mut values = Vec::with_capacity(self.n_rows());
        for (line, row) in self.rows() {
            let text = row.get(label_column).unwrap_or_default();
            if text.is_empty() {
                return Err(self.invalid_cell(line, label_column, Expected::ClassLabel, text));
            }
            values.push(text.to_owned());
        }
        Ok(Targets::Labels(Labels {
            path: self.path().to_owned(),
            column: self.column_ref(label_column),
            values,
            lines: self.rows().map(|(line, _)| line).collect(),
        }))
    }

    /// True when a non-empty cell of the column does not parse as a number.
    fn has_non_numeric_cell(&self, column_idx: usize) -> bool {
        self.rows().any(|(_, row)| {
            let text = row.get(column_idx).unwrap_or_default();
            !text.is_empty() && text.parse::<f64>().is_err()
        })
    }

    /// The columns as a (columns.len() × n_rows) matrix of finite numbers; a cell that is not a
    /// number is reported as expecting `not_a_number`.
    fn numbers_at(
        &self,
        columns: &[usize],
        not_a_number: Expected,
    ) -> Result<DMatrix<f64>, DataError> {
        // Column-major (n_columns × n_rows): each row's values are contiguous.
        let mut values = Vec::with_capacity(columns.len() * self.n_rows());
        for (line, row) in self.rows() {
            for &column_idx in columns {
                let text = row.get(column_idx).unwrap_or_default();
                match text.parse::<f64>() {
                    Ok(value) if value.is_finite() => values.push(value),
                    Ok(_) => {
                        return Err(self.invalid_cell(
                            line,
                            column_idx,
                            Expected::FiniteNumber,
                            text,
                        ))
                    }
                    Err(_) => return Err(self.invalid_cell(line, column_idx, not_a_number, text)),
                }
            }
        }
        Ok(DMatrix::from_vec(columns.len(), self.n_rows(), values))
    }

    fn invalid_cell(
        &self,
        line: u64,
        column_idx: usize,
        expected: Expected,
        text: &str,
    ) -> DataError {
        DataError::InvalidCell {
            path: self.path().to_owned(),
            line,
            column: self.column_ref(column_idx),
            expected,
            text: text.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::CsvOptions;

    fn table(text: &str) -> Table {
        Table::from_reader(text.as_bytes(), "t.csv", &CsvOptions::default()).unwrap()
    }

    fn select(
        text: &str,
        selection: &ColumnSelection,
        task: Task,
    ) -> Result<LabeledData, DataError> {
        table(text).select(selection, task)
    }

    #[test]
    fn default_features_are_all_non_target_columns_in_file_order() {
        let data =
            select("a,y,b\n1,10,2\n3,30,4\n", &ColumnSelection::new(["y"]), Task::Auto).unwrap();
        assert_eq!(data.features().names(), ["a", "b"]);
        assert_eq!(data.features().values(), &DMatrix::from_row_slice(2, 2, &[1.0, 3.0, 2.0, 4.0]));
        assert_eq!(data.features().sample_numbers(), [1, 2]);
        let Targets::Numeric(targets) = data.targets() else { panic!("expected numeric targets") };
        assert_eq!(targets.names(), ["y"]);
        assert_eq!(targets.values(), &DMatrix::from_row_slice(1, 2, &[10.0, 30.0]));
    }

    #[test]
    fn explicit_features_keep_their_order_and_several_targets_are_rows() {
        let selection = ColumnSelection::new(["t2", "t1"]).with_features(["x2", "x1"]);
        let data =
            select("x1,x2,t1,t2,unused\n0.1,0.2,0.4,0.6,z\n", &selection, Task::Auto).unwrap();
        assert_eq!(data.features().names(), ["x2", "x1"]);
        assert_eq!(data.features().values().as_slice(), [0.2, 0.1]);
        let Targets::Numeric(targets) = data.targets() else { panic!("expected numeric targets") };
        assert_eq!(targets.names(), ["t2", "t1"]);
        assert_eq!(targets.values().as_slice(), [0.6, 0.4]);
    }

    #[test]
    fn numbers_in_every_spelling_rust_accepts() {
        let data =
            select("x,y\n1e3,-0.5\n+2,.25\n3.,7E-1\n", &ColumnSelection::new(["y"]), Task::Auto)
                .unwrap();
        assert_eq!(data.features().values().as_slice(), [1000.0, 2.0, 3.0]);
    }

    #[test]
    fn unknown_target_and_feature_columns_list_the_available_ones() {
        let err = select("a,b\n1,2\n", &ColumnSelection::new(["c"]), Task::Auto).unwrap_err();
        assert!(
            matches!(&err, DataError::UnknownColumn { name, available, .. }
            if name == "c" && available == &["a", "b"]),
            "{err:?}"
        );
        assert_eq!(err.to_string(), r#"t.csv: no column named "c"; the columns are "a", "b""#);

        let selection = ColumnSelection::new(["b"]).with_features(["z"]);
        let err = select("a,b\n1,2\n", &selection, Task::Auto).unwrap_err();
        assert!(matches!(&err, DataError::UnknownColumn { name, .. } if name == "z"), "{err:?}");
    }

    #[test]
    fn a_column_named_twice_is_an_error() {
        let err = select("a,b\n1,2\n", &ColumnSelection::new(["b", "b"]), Task::Auto).unwrap_err();
        assert!(
            matches!(&err, DataError::DuplicateSelection { name, .. } if name == "b"),
            "{err:?}"
        );

        let selection = ColumnSelection::new(["b"]).with_features(["a", "b"]);
        let err = select("a,b\n1,2\n", &selection, Task::Auto).unwrap_err();
        assert!(
            matches!(&err, DataError::DuplicateSelection { name, .. } if name == "b"),
            "{err:?}"
        );
    }

    #[test]
    fn no_targets_or_no_features_are_errors() {
        let err = select("a,b\n1,2\n", &ColumnSelection::default(), Task::Auto).unwrap_err();
        assert!(matches!(err, DataError::NoTargets { .. }), "{err:?}");
        let err = select("y\n1\n", &ColumnSelection::new(["y"]), Task::Auto).unwrap_err();
        assert!(matches!(err, DataError::NoFeatures { .. }), "{err:?}");
    }

    #[test]
    fn non_numeric_feature_names_line_column_text_and_expectation() {
        let text = "sepal,width,petal_length,species\n1,2,3,a\n1,2,3,a\n4,5,abc,b\n";
        let err = select(text, &ColumnSelection::new(["species"]), Task::Auto).unwrap_err();
        match &err {
            DataError::InvalidCell { path, line, column, expected, text } => {
                assert_eq!(path, Path::new("t.csv"));
                assert_eq!(*line, 4);
                assert_eq!(column, &ColumnRef { index: 3, name: "petal_length".to_owned() });
                assert_eq!(*expected, Expected::Number);
                assert_eq!(text, "abc");
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            r#"t.csv: line 4, column 3 (petal_length): expected a number, found "abc""#
        );
    }

    #[test]
    fn empty_feature_cell_is_an_error() {
        let err =
            select("a,b,y\n1,2,3\n4,,6\n", &ColumnSelection::new(["y"]), Task::Auto).unwrap_err();
        assert!(
            matches!(&err, DataError::InvalidCell { line: 3, column, expected: Expected::Number, text, .. }
            if column.index == 2 && text.is_empty()),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "t.csv: line 3, column 2 (b): expected a number, found an empty cell"
        );
    }

    #[test]
    fn nan_and_infinity_in_any_spelling_are_errors() {
        for spelling in ["NaN", "nan", "inf", "-inf", "+infinity", "Infinity", "INF"] {
            let text = format!("a,y\n1,0\n{spelling},1\n");
            let err = select(&text, &ColumnSelection::new(["y"]), Task::Auto).unwrap_err();
            assert!(
                matches!(&err, DataError::InvalidCell { line: 3, column, expected: Expected::FiniteNumber, text, .. }
                    if column.index == 1 && text == spelling),
                "{spelling}: {err:?}"
            );
        }
    }

    #[test]
    fn numeric_targets_must_be_finite() {
        let err =
            select("a,y\n1,0\n2,inf\n", &ColumnSelection::new(["y"]), Task::Auto).unwrap_err();
        assert!(
            matches!(&err, DataError::InvalidCell { line: 3, column, expected: Expected::FiniteNumber, .. }
            if column.index == 2),
            "{err:?}"
        );
    }

    #[test]
    fn empty_target_cell_is_an_error_not_a_class() {
        let err = select("a,y\n1,0\n2,\n", &ColumnSelection::new(["y"]), Task::Auto).unwrap_err();
        assert!(
            matches!(err, DataError::InvalidCell { line: 3, expected: Expected::Number, .. }),
            "{err:?}"
        );
        let err = select("a,y\n1,cat\n2,\n", &ColumnSelection::new(["y"]), Task::Auto).unwrap_err();
        assert!(
            matches!(err, DataError::InvalidCell { line: 3, expected: Expected::ClassLabel, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn auto_reads_text_targets_as_labels() {
        let data =
            select("a,y\n1,cat\n2,dog\n3,1\n", &ColumnSelection::new(["y"]), Task::Auto).unwrap();
        let Targets::Labels(labels) = data.targets() else { panic!("expected labels") };
        assert_eq!(labels.values(), ["cat", "dog", "1"]);
        assert_eq!(labels.lines(), [2, 3, 4]);
        assert_eq!(labels.column(), &ColumnRef { index: 2, name: "y".to_owned() });
    }

    #[test]
    fn classification_reads_numbers_as_labels_as_written() {
        let data = select(
            "a,class\n1,1\n2,2\n3,1.0\n",
            &ColumnSelection::new(["class"]),
            Task::Classification,
        )
        .unwrap();
        let Targets::Labels(labels) = data.targets() else { panic!("expected labels") };
        assert_eq!(labels.values(), ["1", "2", "1.0"]);
    }

    #[test]
    fn regression_with_text_target_names_the_cell() {
        let err = select("a,y\n1,2\n2,cat\n", &ColumnSelection::new(["y"]), Task::Regression)
            .unwrap_err();
        assert!(
            matches!(&err, DataError::InvalidCell { line: 3, column, expected: Expected::NumberForRegression, text, .. }
            if column.index == 2 && text == "cat"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            r#"t.csv: line 3, column 2 (y): expected a number (the task is regression), found "cat""#
        );
    }

    #[test]
    fn labels_need_exactly_one_target_column() {
        let err =
            select("a,y,z\n1,cat,2\n", &ColumnSelection::new(["z", "y"]), Task::Auto).unwrap_err();
        assert!(
            matches!(&err, DataError::LabelsNeedOneTarget { column, n_targets: 2, .. }
            if column.name == "y"),
            "{err:?}"
        );
        let err = select("a,y,z\n1,1,2\n", &ColumnSelection::new(["y", "z"]), Task::Classification)
            .unwrap_err();
        assert!(matches!(err, DataError::LabelsNeedOneTarget { n_targets: 2, .. }), "{err:?}");
    }

    #[test]
    fn select_features_works_without_target_columns() {
        let table = table("x2,x1\n2,1\n4,3\n");
        let features = table.select_features(&["x1".to_owned(), "x2".to_owned()]).unwrap();
        assert_eq!(features.values(), &DMatrix::from_row_slice(2, 2, &[1.0, 3.0, 2.0, 4.0]));
        assert_eq!(features.sample_numbers(), [1, 2]);
        let err = table.select_features(&["y".to_owned()]).unwrap_err();
        assert!(matches!(err, DataError::UnknownColumn { .. }), "{err:?}");
        let err = table.select_features(&[]).unwrap_err();
        assert!(matches!(err, DataError::NoFeatures { .. }), "{err:?}");
    }

    #[test]
    fn no_header_columns_are_selected_by_number() {
        let options = CsvOptions { has_header: false, ..CsvOptions::default() };
        let table = Table::from_reader(&b"1,2,a\n3,x,b\n"[..], "t.csv", &options).unwrap();
        let err = table.select(&ColumnSelection::new(["3"]), Task::Auto).unwrap_err();
        assert_eq!(err.to_string(), r#"t.csv: line 2, column 2: expected a number, found "x""#);
    }
}
