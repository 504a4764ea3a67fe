//! What preparing the data wants the user to know, as typed values.

use std::fmt;

use super::error::ColumnRef;
use super::suggest::QuotedName;

/// Something the data preparation did on its own that the user should hear about: an index
/// column left out, rows dropped, the task chosen from the target's values, missing cells filled
/// in. Returned by [`Table::select`](super::Table::select) (in
/// [`LabeledData::notices`](super::LabeledData::notices)) and by
/// [`prepare_training_with`](super::prepare_training_with) (in
/// [`Prepared::notices`](super::Prepared::notices)); the caller shows them.
///
/// [`DataNotice::kind`] is a stable kebab-case id; `Display` is one lowercase sentence with no
/// full stop.
///
/// # Example
///
/// ```
/// use mlp_data::{ColumnRef, DataNotice};
///
/// let notice = DataNotice::RowsDropped { n_dropped: 11, n_rows: 344 };
/// assert_eq!(notice.kind(), "rows-dropped");
/// assert_eq!(notice.to_string(), "dropped 11 of 344 rows with missing values (--missing drop)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataNotice {
    /// A column with an empty name or named `Unnamed: 0` (the row index pandas' `to_csv()` and
    /// R's `write.csv()` write) was not used as a feature.
    IndexColumnExcluded {
        /// The column.
        column: ColumnRef,
    },
    /// An integer target with few distinct values was read as class labels.
    ClassesFromIntegers {
        /// The target column.
        column: ColumnRef,
        /// Its distinct values: the classes.
        n_classes: usize,
    },
    /// Rows with a missing value were dropped (`--missing drop`).
    RowsDropped {
        /// Rows dropped.
        n_dropped: usize,
        /// Rows in the file.
        n_rows: usize,
    },
    /// Rows whose target is missing were dropped (never trained on; features are imputed, targets
    /// are not).
    MissingTargetsDropped {
        /// The target column with the most missing cells.
        column: ColumnRef,
        /// Rows dropped.
        n_dropped: usize,
    },
    /// A text feature has a different value on every row (a name, an id, a date): each of its
    /// one-hot inputs fits a single row and tells nothing about others.
    IdentifierLike {
        /// The column.
        column: ColumnRef,
        /// Its categories: one per row.
        n_categories: usize,
    },
    /// Missing feature cells were filled in with statistics of the training rows.
    ValuesImputed {
        /// Cells filled in.
        n_cells: usize,
        /// How (`"mean"`, `"median"`, `"most-frequent"`); categorical columns always take their
        /// most frequent category.
        strategy: &'static str,
    },
}

impl DataNotice {
    /// A stable kebab-case id of the notice's kind, e.g. `"rows-dropped"`.
    pub fn kind(&self) -> &'static str {
        match self {
            DataNotice::IndexColumnExcluded { .. } => "index-column-excluded",
            DataNotice::ClassesFromIntegers { .. } => "classes-from-integers",
            DataNotice::RowsDropped { .. } => "rows-dropped",
            DataNotice::MissingTargetsDropped { .. } => "missing-targets-dropped",
            DataNotice::IdentifierLike { .. } => "identifier-like-column",
            DataNotice::ValuesImputed { .. } => "values-imputed",
        }
    }
}

impl fmt::Display for DataNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataNotice::IndexColumnExcluded { column } => write!(
                f,
                "column {column} looks like a row index and is not used as a feature; name it \
                 in --features to use it"
            ),
            DataNotice::ClassesFromIntegers { column, n_classes } => write!(
                f,
                "target column {column} holds {n_classes} integer values, read as classes \
                 (classification); use --task regression to fit them as numbers"
            ),
            DataNotice::RowsDropped { n_dropped, n_rows } => write!(
                f,
                "dropped {n_dropped} of {n_rows} rows with missing values (--missing drop)"
            ),
            DataNotice::MissingTargetsDropped { column, n_dropped } => {
                let rows = if *n_dropped == 1 { "row" } else { "rows" };
                write!(f, "dropped {n_dropped} {rows} whose target column {column} is missing")
            }
            DataNotice::IdentifierLike { column, n_categories } => write!(
                f,
                "column {column} has a different value on each of its {n_categories} rows, so \
                 each of its one-hot inputs fits one row: if it is a name or an id, leave it \
                 out with --drop {}",
                QuotedName(&column.name)
            ),
            DataNotice::ValuesImputed { n_cells, strategy } => {
                let cells = if *n_cells == 1 { "cell" } else { "cells" };
                match *strategy {
                    "most-frequent" => write!(
                        f,
                        "filled {n_cells} missing feature {cells} with the training rows' most \
                         frequent values"
                    ),
                    _ => write!(
                        f,
                        "filled {n_cells} missing feature {cells} with the training rows' \
                         {strategy} (categories with the most frequent)"
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_has_a_kind_and_a_sentence() {
        let column = ColumnRef { index: 1, name: "class".to_owned() };
        let notices = [
            (
                DataNotice::IndexColumnExcluded {
                    column: ColumnRef { index: 1, name: String::new() },
                },
                "index-column-excluded",
                r#"column 1 (no name) looks like a row index and is not used as a feature; name it in --features to use it"#,
            ),
            (
                DataNotice::ClassesFromIntegers { column: column.clone(), n_classes: 3 },
                "classes-from-integers",
                "target column 1 (class) holds 3 integer values, read as classes (classification); use --task regression to fit them as numbers",
            ),
            (
                DataNotice::MissingTargetsDropped { column, n_dropped: 1 },
                "missing-targets-dropped",
                "dropped 1 row whose target column 1 (class) is missing",
            ),
            (
                DataNotice::ValuesImputed { n_cells: 19, strategy: "median" },
                "values-imputed",
                "filled 19 missing feature cells with the training rows' median (categories with the most frequent)",
            ),
            (
                DataNotice::ValuesImputed { n_cells: 1, strategy: "most-frequent" },
                "values-imputed",
                "filled 1 missing feature cell with the training rows' most frequent values",
            ),
        ];
        for (notice, kind, text) in notices {
            assert_eq!(notice.kind(), kind);
            assert_eq!(notice.to_string(), text);
        }
    }
}
