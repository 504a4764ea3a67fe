//! Tests of [`Imputer::fit`] that kill cargo-mutants' survivors (docs/mutants.md).

use super::*;
use crate::{ColumnSelection, CsvOptions, Table, Task};

/// A category column whose training rows are all missing has nothing to impute from, even
/// though the column has a category in another row (scikit-learn's `SimpleImputer` drops such
/// a column; here it is an error naming it). With that row in training, its category fills.
#[test]
fn a_category_absent_from_the_training_rows_is_not_imputed() {
    let text = "x,c,t\n1,,0\n2,,1\n3,b,0\n";
    let table = Table::from_reader(text.as_bytes(), "f.csv", &CsvOptions::default()).unwrap();
    let data = table.select(&ColumnSelection::new(["t"]), Task::Regression).unwrap();
    let err = Imputer::fit(data.features(), &[0, 1], ImputeStrategy::MostFrequent).unwrap_err();
    let DataError::NothingToImpute { column, .. } = err else { panic!("{err:?}") };
    assert_eq!(column.name, "c");
    let imputer = Imputer::fit(data.features(), &[0, 2], ImputeStrategy::MostFrequent).unwrap();
    // x is 1 and 3 in those rows: a tie, which goes to the smaller, as in scikit-learn.
    assert_eq!(imputer.values(), [FillValue::Number(1.0), FillValue::Category("b".into())]);
}

/// −0 and +0 are one value (numpy's equality, which scikit-learn's `SimpleImputer` counts
/// with): two zeros and two fives tie, and the tie goes to the smaller, 0.
#[test]
fn negative_and_positive_zero_count_as_one_value() {
    let values = [-0.0, 0.0, 5.0, 5.0];
    assert_eq!(statistic(&values, ImputeStrategy::MostFrequent), Some(0.0));
}
