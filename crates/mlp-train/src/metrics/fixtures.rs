//! The CSV fixtures of `tests/fixtures/metrics/`, read for the unit tests. The reference values
//! the tests compare with were printed by `make_reference.py` beside them (scikit-learn 1.9.1,
//! numpy 2.4.6); `reference.txt` is its output.

use nalgebra::DMatrix;

/// Rows of numbers of a small CSV with a header.
fn rows(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| line.split(',').map(|cell| cell.parse().expect("a number")).collect())
        .collect()
}

/// Classes and probabilities of a classification fixture.
pub(crate) struct Classified {
    pub(crate) true_classes: Vec<usize>,
    pub(crate) predicted_classes: Vec<usize>,
    /// (n_classes × n_samples), or (1 × n_samples) for the probability of class 1.
    pub(crate) probabilities: DMatrix<f64>,
}

/// `three_class.csv`: true class, then the probability of each class; predicted = argmax.
pub(crate) fn three_class() -> Classified {
    let rows = rows(include_str!("../../tests/fixtures/metrics/three_class.csv"));
    let probabilities = DMatrix::from_fn(3, rows.len(), |class, sample| rows[sample][class + 1]);
    Classified {
        true_classes: rows.iter().map(|row| row[0] as usize).collect(),
        predicted_classes: probabilities.column_iter().map(|p| p.argmax().0).collect(),
        probabilities,
    }
}

/// `binary.csv`: true class, then the probability of class 1; predicted = (p ≥ 0.5).
pub(crate) fn binary() -> Classified {
    let rows = rows(include_str!("../../tests/fixtures/metrics/binary.csv"));
    Classified {
        true_classes: rows.iter().map(|row| row[0] as usize).collect(),
        predicted_classes: rows.iter().map(|row| usize::from(row[1] >= 0.5)).collect(),
        probabilities: DMatrix::from_fn(1, rows.len(), |_, sample| rows[sample][1]),
    }
}

/// Predictions and targets, (n_outputs × n_samples) each, of a regression fixture whose
/// columns are the targets then the predictions.
pub(crate) struct Regressed {
    pub(crate) predictions: DMatrix<f64>,
    pub(crate) targets: DMatrix<f64>,
}

fn regressed(text: &str) -> Regressed {
    let rows = rows(text);
    let n_outputs = rows[0].len() / 2;
    Regressed {
        targets: DMatrix::from_fn(n_outputs, rows.len(), |output, sample| rows[sample][output]),
        predictions: DMatrix::from_fn(n_outputs, rows.len(), |output, sample| {
            rows[sample][n_outputs + output]
        }),
    }
}

/// `regression_two_outputs.csv`.
pub(crate) fn two_outputs() -> Regressed {
    regressed(include_str!("../../tests/fixtures/metrics/regression_two_outputs.csv"))
}

/// `regression_1e8.csv`: one output, targets around 1e8 that vary by about one unit.
pub(crate) fn around_1e8() -> Regressed {
    regressed(include_str!("../../tests/fixtures/metrics/regression_1e8.csv"))
}

/// `regression_constant.csv`: two constant targets, the first predicted exactly.
pub(crate) fn constant() -> Regressed {
    regressed(include_str!("../../tests/fixtures/metrics/regression_constant.csv"))
}

/// Asserts `actual` is within 1e-12 of `expected`, relatively (absolutely below 1).
#[track_caller]
pub(crate) fn assert_close(actual: f64, expected: f64) {
    let tolerance = 1e-12 * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual:e} differs from the reference {expected:e} by more than {tolerance:e}"
    );
}

/// [`assert_close`] element by element.
#[track_caller]
pub(crate) fn assert_all_close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len());
    for (&actual, &expected) in actual.iter().zip(expected) {
        assert_close(actual, expected);
    }
}
