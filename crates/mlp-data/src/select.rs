//! Choosing feature and target columns of a [`Table`] by name and reading their cells: numeric
//! or categorical features, numeric targets or class labels, missing cells marked.

use std::collections::HashSet;

use nalgebra::DMatrix;

use super::cells::{default_na_values, CategoricalCells, ColumnProfile};
use super::error::{DataError, Expected};
use super::labeled::{
    FeatureColumn, FeatureValues, Features, LabeledData, Labels, NumericTargets, Targets,
};
use super::notice::DataNotice;
use super::suggest::suggest_column;
use super::table::Table;
use super::task::{integer_codes_are_classes, Task};

/// Most categories a categorical feature may have unless told otherwise.
pub const DEFAULT_MAX_CATEGORIES: usize = 50;

/// Which columns are targets and which are features, by name, and how to read their cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSelection {
    /// Target column names, at least one; in the order the outputs should have.
    pub targets: Vec<String>,
    /// Feature column names in the order the inputs should have, or `None` for every column
    /// that is not a target, not dropped and not an index column, in file order.
    pub features: Option<Vec<String>>,
    /// Columns never used (`--drop`). Naming a target or an explicit feature here is an error.
    pub drop: Vec<String>,
    /// Texts that mark a missing cell, besides the empty cell (`--na-values`). Default:
    /// [`DEFAULT_NA_VALUES`](super::DEFAULT_NA_VALUES).
    pub na_values: Vec<String>,
    /// Most categories a categorical feature may have (`--max-categories`). Default:
    /// [`DEFAULT_MAX_CATEGORIES`].
    pub max_categories: usize,
}

impl Default for ColumnSelection {
    fn default() -> Self {
        ColumnSelection {
            targets: Vec::new(),
            features: None,
            drop: Vec::new(),
            na_values: default_na_values(),
            max_categories: DEFAULT_MAX_CATEGORIES,
        }
    }
}

impl ColumnSelection {
    /// Selects `targets`, with every other column as a feature.
    pub fn new<I, S>(targets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ColumnSelection {
            targets: targets.into_iter().map(Into::into).collect(),
            ..ColumnSelection::default()
        }
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

    /// Never uses the columns `drop`.
    #[must_use = "returns a new selection"]
    pub fn with_drop<I, S>(mut self, drop: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.drop = drop.into_iter().map(Into::into).collect();
        self
    }

    /// Reads these texts (and the empty cell) as missing values, instead of the default markers.
    #[must_use = "returns a new selection"]
    pub fn with_na_values<I, S>(mut self, na_values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.na_values = na_values.into_iter().map(Into::into).collect();
        self
    }

    /// Allows at most `max_categories` categories per categorical feature.
    #[must_use = "returns a new selection"]
    pub fn with_max_categories(mut self, max_categories: usize) -> Self {
        self.max_categories = max_categories;
        self
    }
}

/// True for the names pandas' `to_csv()` and R's `write.csv()` give their row-index column: an
/// empty name, or `Unnamed: 0`.
pub fn is_index_column_name(name: &str) -> bool {
    name.is_empty() || name == "Unnamed: 0"
}

impl Table {
    /// Reads the selected target and feature columns.
    ///
    /// - Columns named in `selection.drop` are never read; without explicit features, index
    ///   columns ([`is_index_column_name`]) are left out too, each with a
    ///   [`DataNotice::IndexColumnExcluded`].
    /// - A feature column is numeric when it has no more words than numbers (its words are then
    ///   an error listing their lines), categorical otherwise (numbers in it become categories
    ///   named by their shortest text). More than `selection.max_categories` categories is an
    ///   error.
    /// - Targets are read as `task` says (see [`Task`]).
    /// - Missing cells (empty, or one of `selection.na_values`) are kept, marked, for
    ///   [`prepare_training_with`](super::prepare_training_with) to drop, fill in or report.
    ///
    /// Errors name the file, and the line and column of a bad cell; an unknown column name lists
    /// the file's columns.
    pub fn select(
        &self,
        selection: &ColumnSelection,
        task: Task,
    ) -> Result<LabeledData, DataError> {
        Ok(self.select_leaving_block(selection, task, false)?.0)
    }

    /// [`Table::select`]; with `leave_block`, when every feature column holds numbers alone
    /// (no text cell, so no missing one), their numbers are not copied out: the features'
    /// values are left empty, and their column indices are returned, for the inputs to be cut
    /// out of the table's block (`NumberBlock::into_columns`). Everything else (notices,
    /// targets, errors) is [`Table::select`]'s.
    pub(crate) fn select_leaving_block(
        &self,
        selection: &ColumnSelection,
        task: Task,
        leave_block: bool,
    ) -> Result<(LabeledData, Option<Vec<usize>>), DataError> {
        if selection.targets.is_empty() {
            return Err(DataError::NoTargets { path: self.path().to_owned() });
        }
        let mut seen = HashSet::new();
        let target_columns = self.resolve(&selection.targets, &mut seen)?;
        let dropped = self.resolve(&selection.drop, &mut HashSet::new())?;
        // Membership by column index, so that long lists cost O(columns), not their product.
        let is_target = self.column_mask(&target_columns);
        let is_dropped = self.column_mask(&dropped);
        if let Some(&column_idx) = dropped.iter().find(|&&idx| is_target[idx]) {
            return Err(self.dropped_selected(column_idx));
        }
        let mut notices = Vec::new();
        let feature_columns = match &selection.features {
            Some(names) => {
                let columns = self.resolve(names, &mut seen)?;
                if let Some(&column_idx) = columns.iter().find(|&&idx| is_dropped[idx]) {
                    return Err(self.dropped_selected(column_idx));
                }
                columns
            }
            None => (0..self.n_columns())
                .filter(|&column_idx| !is_target[column_idx] && !is_dropped[column_idx])
                .filter(|&column_idx| {
                    let is_index = is_index_column_name(&self.column_names()[column_idx]);
                    if is_index {
                        notices.push(DataNotice::IndexColumnExcluded {
                            column: self.column_ref(column_idx),
                        });
                    }
                    !is_index
                })
                .collect(),
        };
        let in_block = leave_block
            && !feature_columns.is_empty()
            && feature_columns.iter().all(|&column_idx| {
                self.column(column_idx).is_some_and(|column| column.codes().is_empty())
            });
        let features = self.features_at(&feature_columns, selection, in_block)?;
        notices.extend(identifier_like_columns(&features));
        let targets = self.targets_at(&target_columns, task, &selection.na_values, &mut notices)?;
        let data =
            LabeledData { features, targets, notices, na_values: selection.na_values.clone() };
        Ok((data, in_block.then_some(feature_columns)))
    }

    /// Reads only the feature columns `names`, in this order, with the default markers and
    /// category limit (for prediction: the target columns may be absent).
    pub fn select_features(&self, names: &[String]) -> Result<Features, DataError> {
        let feature_columns = self.resolve(names, &mut HashSet::new())?;
        self.features_at(&feature_columns, &ColumnSelection::default(), false)
    }

    /// The 0-based indices of `names`; `seen` catches a name given twice.
    pub(crate) fn resolve<'a>(
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
                match *self.columns_named(name) {
                    [] => Err(self.unknown_column(name)),
                    [column_idx] => Ok(column_idx),
                    [first_idx, second_idx, ..] => Err(DataError::DuplicateColumnName {
                        path: self.path().to_owned(),
                        line: self.header_line(),
                        name: name.clone(),
                        first: first_idx + 1,
                        second: second_idx + 1,
                    }),
                }
            })
            .collect()
    }

    /// One flag per column: true for the columns in `columns`.
    fn column_mask(&self, columns: &[usize]) -> Vec<bool> {
        let mut mask = vec![false; self.n_columns()];
        for &column_idx in columns {
            mask[column_idx] = true;
        }
        mask
    }

    pub(crate) fn unknown_column(&self, name: &str) -> DataError {
        DataError::UnknownColumn {
            path: self.path().to_owned(),
            name: name.to_owned(),
            available: self.column_names().to_vec(),
            suggestion: suggest_column(name, self.column_names()),
        }
    }

    fn dropped_selected(&self, column_idx: usize) -> DataError {
        DataError::DroppedSelected {
            path: self.path().to_owned(),
            name: self.column_names()[column_idx].clone(),
        }
    }

    /// The 1-based sample numbers of every row.
    pub(crate) fn sample_numbers(&self) -> Vec<usize> {
        (1..=self.n_rows()).collect()
    }

    fn features_at(
        &self,
        columns: &[usize],
        selection: &ColumnSelection,
        in_block: bool,
    ) -> Result<Features, DataError> {
        if columns.is_empty() {
            return Err(DataError::NoFeatures { path: self.path().to_owned() });
        }
        let na_values = &selection.na_values;
        let is_numeric = |column_idx: usize| {
            self.column(column_idx)
                .is_some_and(|column| ColumnProfile::of(&column, na_values).is_numeric())
        };
        // The numeric columns' numbers in one pass over the rows, in column order.
        let numeric: Vec<usize> = match in_block {
            true => Vec::new(),
            false => columns.iter().copied().filter(|&idx| is_numeric(idx)).collect(),
        };
        let mut gathered = self.gather_numbers(&numeric).into_iter();
        let mut feature_columns = Vec::with_capacity(columns.len());
        for &column_idx in columns {
            let Some(column) = self.column(column_idx) else {
                return Err(self.unknown_column(&self.column_names()[column_idx]));
            };
            let profile = ColumnProfile::of(&column, na_values);
            let (values, first_missing_text) = if in_block {
                // Numbers alone: left in the table's block.
                (FeatureValues::Numeric(Vec::new()), None)
            } else if profile.is_numeric() {
                let numbers = gathered.next();
                let cells =
                    self.numeric_cells_from(column_idx, na_values, Expected::Number, numbers)?;
                (FeatureValues::Numeric(cells.values), cells.first_missing_text)
            } else {
                self.check_decimal_comma(column_idx, na_values)?;
                let CategoricalCells { categories, codes, first_missing_text } =
                    self.categorical_cells(column_idx, na_values)?;
                if categories.len() > selection.max_categories {
                    return Err(DataError::TooManyCategories {
                        path: self.path().to_owned(),
                        column: self.column_ref(column_idx),
                        n_categories: categories.len(),
                        max: selection.max_categories,
                    });
                }
                (FeatureValues::Categorical { categories, codes }, first_missing_text)
            };
            feature_columns.push(FeatureColumn {
                column: self.column_ref(column_idx),
                values,
                first_missing_text,
            });
        }
        Ok(Features {
            path: self.path().to_owned(),
            names: columns
                .iter()
                .map(|&column_idx| self.column_names()[column_idx].clone())
                .collect(),
            columns: feature_columns,
            sample_numbers: self.sample_numbers(),
            lines: self.lines().to_vec(),
        })
    }

    fn targets_at(
        &self,
        columns: &[usize],
        task: Task,
        na_values: &[String],
        notices: &mut Vec<DataNotice>,
    ) -> Result<Targets, DataError> {
        let label_column = match task {
            Task::Regression => None,
            Task::Classification => columns.first().copied(),
            Task::Auto => columns.iter().copied().find(|&column_idx| {
                self.column(column_idx)
                    .is_some_and(|column| !ColumnProfile::of(&column, na_values).is_numeric())
            }),
        };
        if let Some(label_column) = label_column {
            if columns.len() != 1 {
                return Err(DataError::LabelsNeedOneTarget {
                    path: self.path().to_owned(),
                    column: self.column_ref(label_column),
                    n_targets: columns.len(),
                });
            }
            if task == Task::Auto {
                self.check_decimal_comma(label_column, na_values)?;
            }
            return self.labels_at(label_column, na_values).map(Targets::Labels);
        }
        let not_a_number =
            if task == Task::Regression { Expected::NumberForRegression } else { Expected::Number };
        let mut values = Vec::with_capacity(columns.len() * self.n_rows());
        let mut first_missing_texts = Vec::with_capacity(columns.len());
        let mut rows: Vec<Vec<f64>> = Vec::with_capacity(columns.len());
        for &column_idx in columns {
            let cells = self.numeric_cells(column_idx, na_values, not_a_number)?;
            first_missing_texts.push(cells.first_missing_text);
            rows.push(cells.values);
        }
        if let ([column_idx], [row], Task::Auto) = (columns, rows.as_slice(), task) {
            let present: Vec<f64> = row.iter().copied().filter(|v| !v.is_nan()).collect();
            if integer_codes_are_classes(&present) {
                let labels = self.labels_at(*column_idx, na_values)?;
                let mut classes: Vec<&String> =
                    labels.values.iter().filter(|label| !label.is_empty()).collect();
                classes.sort_unstable();
                classes.dedup();
                notices.push(DataNotice::ClassesFromIntegers {
                    column: self.column_ref(*column_idx),
                    n_classes: classes.len(),
                });
                return Ok(Targets::Labels(labels));
            }
        }
        // Column-major (n_targets × n_rows): each row's values are contiguous.
        for row_idx in 0..self.n_rows() {
            values.extend(rows.iter().map(|row| row[row_idx]));
        }
        Ok(Targets::Numeric(NumericTargets {
            names: columns
                .iter()
                .map(|&column_idx| self.column_names()[column_idx].clone())
                .collect(),
            columns: columns.iter().map(|&column_idx| self.column_ref(column_idx)).collect(),
            values: DMatrix::from_vec(columns.len(), self.n_rows(), values),
            first_missing_texts,
        }))
    }

    /// Column `column_idx` as class labels: every non-missing cell's text (a number's shortest
    /// text), `""` for a missing cell.
    pub(crate) fn labels_at(
        &self,
        column_idx: usize,
        na_values: &[String],
    ) -> Result<Labels, DataError> {
        let CategoricalCells { categories, codes, first_missing_text } =
            self.categorical_cells(column_idx, na_values)?;
        let values = codes
            .iter()
            .map(|code| code.map_or_else(String::new, |code| categories[code as usize].clone()))
            .collect();
        Ok(Labels {
            path: self.path().to_owned(),
            column: self.column_ref(column_idx),
            values,
            lines: self.lines().to_vec(),
            first_missing_text,
        })
    }
}

/// Fewest rows for which a text column with a different value on every row is called
/// identifier-like (on fewer rows, distinct values are common and tell nothing).
pub const MIN_ROWS_FOR_IDENTIFIER: usize = 10;

/// [`DataNotice::IdentifierLike`] for each categorical feature with a different category on
/// every row that has a value (names, ids, dates: one-hot inputs that each fit one row), on
/// [`MIN_ROWS_FOR_IDENTIFIER`] rows or more.
fn identifier_like_columns(features: &Features) -> Vec<DataNotice> {
    features
        .columns()
        .iter()
        .filter_map(|feature| match &feature.values {
            FeatureValues::Categorical { categories, codes } => {
                let n_present = codes.iter().filter(|code| code.is_some()).count();
                (n_present >= MIN_ROWS_FOR_IDENTIFIER && categories.len() == n_present).then(|| {
                    DataNotice::IdentifierLike {
                        column: feature.column.clone(),
                        n_categories: categories.len(),
                    }
                })
            }
            FeatureValues::Numeric(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::ColumnRef;
    use crate::CsvOptions;

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
        assert_eq!(
            data.features().numeric_matrix().unwrap(),
            DMatrix::from_row_slice(2, 2, &[1.0, 3.0, 2.0, 4.0])
        );
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
        assert_eq!(data.features().numeric_matrix().unwrap().as_slice(), [0.2, 0.1]);
        let Targets::Numeric(targets) = data.targets() else { panic!("expected numeric targets") };
        assert_eq!(targets.names(), ["t2", "t1"]);
        assert_eq!(targets.values().as_slice(), [0.6, 0.4]);
    }

    #[test]
    fn numbers_in_every_spelling_rust_accepts() {
        let data =
            select("x,y\n1e3,-0.5\n+2,.25\n3.,7E-1\n", &ColumnSelection::new(["y"]), Task::Auto)
                .unwrap();
        assert_eq!(data.features().numeric_matrix().unwrap().as_slice(), [1000.0, 2.0, 3.0]);
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
            DataError::InvalidCell { path, line, column, expected, text, n_more: 0, .. } => {
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

    /// Missing cells are read, marked, and reported by `prepare_training` (whose policy decides).
    fn missing_values_error(text: &str, selection: &ColumnSelection) -> DataError {
        let data = select(text, selection, Task::Auto).unwrap();
        crate::prepare_training::<f64>(&data, &crate::PrepareOptions::default()).unwrap_err()
    }

    #[test]
    fn empty_feature_cell_is_a_missing_value() {
        let err = missing_values_error("a,b,y\n1,2,3\n4,,6\n", &ColumnSelection::new(["y"]));
        assert!(
            matches!(&err, DataError::MissingValues { line: 3, column, expected: Expected::FiniteNumber, text, .. }
            if column.index == 2 && text.is_empty()),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "t.csv: line 3, column 2 (b): expected a finite number, found a missing value (an \
             empty cell); missing cells: b 1 (line 3); use --missing drop to drop incomplete \
             rows, --missing mean|median|most-frequent to fill features in, or --na-values to \
             change what counts as missing"
        );
    }

    #[test]
    fn nan_and_infinity_in_any_spelling_are_errors() {
        for spelling in ["inf", "-inf", "+infinity", "Infinity", "INF"] {
            let text = format!("a,y\n1,0\n{spelling},1\n");
            let err = select(&text, &ColumnSelection::new(["y"]), Task::Auto).unwrap_err();
            assert!(
                matches!(&err, DataError::InvalidCell { line: 3, column, expected: Expected::FiniteNumber, text, .. }
                    if column.index == 1 && text == spelling),
                "{spelling}: {err:?}"
            );
        }
        // NaN and nan are missing-value markers by default, numbers that are not finite otherwise.
        for spelling in ["NaN", "nan"] {
            let text = format!("a,y\n1,0\n{spelling},1\n");
            let err = missing_values_error(&text, &ColumnSelection::new(["y"]));
            assert!(err.to_string().starts_with(&format!(
                "t.csv: line 3, column 1 (a): expected a finite number, found a missing value \"{spelling}\""
            )));
            let no_markers = ColumnSelection::new(["y"]).with_na_values(Vec::<String>::new());
            let err = select(&text, &no_markers, Task::Auto).unwrap_err();
            assert!(
                matches!(
                    &err,
                    DataError::InvalidCell { line: 3, expected: Expected::FiniteNumber, .. }
                ),
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
    fn empty_target_cell_is_a_missing_value_not_a_class() {
        let err = missing_values_error("a,y\n1,0\n2,\n", &ColumnSelection::new(["y"]));
        assert!(
            matches!(
                err,
                DataError::MissingValues { line: 3, expected: Expected::FiniteNumber, .. }
            ),
            "{err:?}"
        );
        let err = missing_values_error("a,y\n1,cat\n2,\n3,dog\n", &ColumnSelection::new(["y"]));
        assert!(
            matches!(err, DataError::MissingValues { line: 3, expected: Expected::ClassLabel, .. }),
            "{err:?}"
        );
        let data =
            select("a,y\n1,cat\n2,NA\n3,dog\n", &ColumnSelection::new(["y"]), Task::Auto).unwrap();
        let Targets::Labels(labels) = data.targets() else { panic!("expected labels") };
        assert_eq!(labels.values(), ["cat", "", "dog"]);
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
    fn classification_reads_numbers_as_labels_by_their_value() {
        let data = select(
            "a,class\n1,1\n2,2\n3,1.0\n",
            &ColumnSelection::new(["class"]),
            Task::Classification,
        )
        .unwrap();
        let Targets::Labels(labels) = data.targets() else { panic!("expected labels") };
        // A number's label is its shortest text: "1.0" is class "1".
        assert_eq!(labels.values(), ["1", "2", "1"]);
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
        assert_eq!(
            features.numeric_matrix().unwrap(),
            DMatrix::from_row_slice(2, 2, &[1.0, 3.0, 2.0, 4.0])
        );
        assert_eq!(features.sample_numbers(), [1, 2]);
        let err = table.select_features(&["y".to_owned()]).unwrap_err();
        assert!(matches!(err, DataError::UnknownColumn { .. }), "{err:?}");
        let err = table.select_features(&[]).unwrap_err();
        assert!(matches!(err, DataError::NoFeatures { .. }), "{err:?}");
    }

    #[test]
    fn long_feature_and_drop_lists_on_a_wide_table() {
        // 20,000 columns, 10,000 features named and 5,000 dropped: O(n log n), where membership
        // by scanning lists cost 10⁸ comparisons.
        let n_columns = 20_000;
        let names: Vec<String> = (0..n_columns).map(|idx| format!("c{idx}")).collect();
        let row = vec!["1"; n_columns].join(",");
        let table = table(&format!("{}\n{row}\n", names.join(",")));
        let features: Vec<String> = names[1..].iter().step_by(2).cloned().collect();
        let dropped: Vec<String> = names[2..].iter().step_by(4).cloned().collect();
        let selection = ColumnSelection::new(["c0"]).with_drop(dropped.clone());
        let data = table.select(&selection, Task::Regression).unwrap();
        assert_eq!(data.features().names().len(), n_columns - 1 - dropped.len());
        assert!(data.features().names().iter().all(|name| !dropped.contains(name)));
        let selection = selection.with_features(features.clone());
        let data = table.select(&selection, Task::Regression).unwrap();
        assert_eq!(data.features().names(), features);
        // A dropped feature, and a dropped target, are still caught.
        let selection = ColumnSelection::new(["c0"])
            .with_features(features.iter().cloned().chain(["c2".to_owned()]))
            .with_drop(dropped.clone());
        let err = table.select(&selection, Task::Regression).unwrap_err();
        assert!(matches!(&err, DataError::DroppedSelected { name, .. } if name == "c2"), "{err:?}");
        let selection = ColumnSelection::new(["c6"]).with_drop(dropped);
        let err = table.select(&selection, Task::Regression).unwrap_err();
        assert!(matches!(&err, DataError::DroppedSelected { name, .. } if name == "c6"), "{err:?}");
    }

    #[test]
    fn no_header_columns_are_selected_by_number() {
        let options = CsvOptions { has_header: false, ..CsvOptions::default() };
        let table = Table::from_reader(&b"1,2,a\n3,x,b\n"[..], "t.csv", &options).unwrap();
        let err = table.select(&ColumnSelection::new(["3"]), Task::Auto).unwrap_err();
        assert_eq!(err.to_string(), r#"t.csv: line 2, column 2: expected a number, found "x""#);
    }
}
