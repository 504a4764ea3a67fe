//! The confusion matrix: how many samples of each true class were predicted as each class.

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::MetricsError;

/// Counts C\[i\]\[j\] of samples whose true class is `i` and predicted class is `j`, as
/// scikit-learn's `confusion_matrix(y_true, y_pred, labels=range(n_classes))`: rows are true
/// classes, columns predicted classes. The diagonal holds the correct predictions; row `i`
/// sums to the support of class `i`, column `j` to the number of predictions of class `j`.
///
/// Serializes as the list of rows: `[[3, 1, 0], [1, 3, 0], [1, 2, 0]]`.
///
/// # Example
///
/// ```
/// use mlp_train::metrics::ConfusionMatrix;
///
/// let confusion = ConfusionMatrix::from_classes(3, &[0, 0, 1, 2], &[0, 1, 1, 1])?;
/// assert_eq!(confusion.count(0, 1), 1);
/// assert_eq!(confusion.support(2), 1);
/// assert_eq!(confusion.n_predicted(1), 3);
/// assert_eq!(confusion.n_correct(), 2);
/// # Ok::<(), mlp_train::metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    n_classes: usize,
    /// Row-major: `counts[true_class * n_classes + predicted_class]`.
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// An all-zero matrix for `n_classes` classes.
    pub fn new(n_classes: usize) -> Self {
        ConfusionMatrix { n_classes, counts: vec![0; n_classes * n_classes] }
    }

    /// The matrix of paired true and predicted classes (0-based class indices).
    ///
    /// Fails when the slices differ in length or a class is not below `n_classes`.
    pub fn from_classes(
        n_classes: usize,
        true_classes: &[usize],
        predicted_classes: &[usize],
    ) -> Result<Self, MetricsError> {
        if true_classes.len() != predicted_classes.len() {
            return Err(MetricsError::ShapeMismatch {
                predictions: (1, predicted_classes.len()),
                targets: (1, true_classes.len()),
            });
        }
        let mut confusion = ConfusionMatrix::new(n_classes);
        for (sample, (&true_class, &predicted_class)) in
            true_classes.iter().zip(predicted_classes).enumerate()
        {
            for class in [true_class, predicted_class] {
                if class >= n_classes {
                    return Err(MetricsError::ClassOutOfRange { sample, class, n_classes });
                }
            }
            confusion.add(true_class, predicted_class);
        }
        Ok(confusion)
    }

    /// Counts one sample. Panics unless both classes are below `n_classes`.
    pub(crate) fn add(&mut self, true_class: usize, predicted_class: usize) {
        assert!(true_class < self.n_classes && predicted_class < self.n_classes);
        self.counts[true_class * self.n_classes + predicted_class] += 1;
    }
    /// The counts, row-major (`counts[true_class * n_classes + predicted_class]`): part of a
    /// checkpoint's epoch in progress.
    pub(crate) fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Puts back `counts` of [`ConfusionMatrix::counts`]; false (nothing changed) when their
    /// number is not n_classes².
    pub(crate) fn set_counts(&mut self, counts: &[u64]) -> bool {
        if counts.len() != self.counts.len() {
            return false;
        }
        self.counts.copy_from_slice(counts);
        true
    }

    /// Sets every count back to zero.
    pub(crate) fn clear(&mut self) {
        self.counts.fill(0);
    }

    /// Number of classes (rows and columns).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Samples of true class `true_class` predicted as `predicted_class`.
    ///
    /// Panics if a class is not below [`ConfusionMatrix::n_classes`].
    pub fn count(&self, true_class: usize, predicted_class: usize) -> u64 {
        assert!(true_class < self.n_classes && predicted_class < self.n_classes);
        self.counts[true_class * self.n_classes + predicted_class]
    }

    /// Row `true_class`: how its samples were predicted.
    ///
    /// Panics if `true_class` is not below [`ConfusionMatrix::n_classes`].
    pub fn row(&self, true_class: usize) -> &[u64] {
        &self.counts[true_class * self.n_classes..(true_class + 1) * self.n_classes]
    }

    /// Samples whose true class is `class` (the row sum).
    pub fn support(&self, class: usize) -> u64 {
        self.row(class).iter().sum()
    }

    /// Samples predicted as `class` (the column sum).
    pub fn n_predicted(&self, class: usize) -> u64 {
        (0..self.n_classes).map(|true_class| self.count(true_class, class)).sum()
    }

    /// Correct predictions (the diagonal's sum).
    pub fn n_correct(&self) -> u64 {
        (0..self.n_classes).map(|class| self.count(class, class)).sum()
    }

    /// The share of samples on the diagonal: [`ConfusionMatrix::n_correct`] /
    /// [`ConfusionMatrix::n_samples`] (NaN when there are none).
    pub fn accuracy(&self) -> f64 {
        self.n_correct() as f64 / self.n_samples() as f64
    }

    /// All samples counted.
    pub fn n_samples(&self) -> u64 {
        self.counts.iter().sum()
    }
}

impl Serialize for ConfusionMatrix {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut rows = serializer.serialize_seq(Some(self.n_classes))?;
        for true_class in 0..self.n_classes {
            rows.serialize_element(self.row(true_class))?;
        }
        rows.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{three_class, Classified};

    /// scikit-learn 1.9.1 `confusion_matrix(y_true, y_pred, labels=[0, 1, 2])` on
    /// `three_class.csv` (make_reference.py).
    const THREE_CLASS: [[u64; 3]; 3] = [[3, 1, 0], [1, 3, 0], [1, 2, 0]];

    #[test]
    fn counts_match_scikit_learn() {
        let Classified { true_classes, predicted_classes, .. } = three_class();
        let confusion =
            ConfusionMatrix::from_classes(3, &true_classes, &predicted_classes).unwrap();
        for (true_class, row) in THREE_CLASS.iter().enumerate() {
            assert_eq!(confusion.row(true_class), row);
            for (predicted_class, &count) in row.iter().enumerate() {
                assert_eq!(confusion.count(true_class, predicted_class), count);
            }
        }
        assert_eq!([0, 1, 2].map(|class| confusion.support(class)), [4, 4, 3]);
        assert_eq!([0, 1, 2].map(|class| confusion.n_predicted(class)), [5, 6, 0]);
        assert_eq!(confusion.n_correct(), 6);
        assert_eq!(confusion.n_samples(), 11);
        // scikit-learn 1.9.1 accuracy_score (make_reference.py).
        assert_eq!(confusion.accuracy(), 0.5454545454545454);
        assert_eq!(serde_json::to_string(&confusion).unwrap(), "[[3,1,0],[1,3,0],[1,2,0]]");
    }

    #[test]
    fn clear_zeroes_every_count() {
        let mut confusion = ConfusionMatrix::from_classes(2, &[0, 1, 1], &[1, 1, 0]).unwrap();
        confusion.clear();
        assert_eq!(confusion, ConfusionMatrix::new(2));
        assert_eq!(confusion.n_samples(), 0);
    }

    #[test]
    fn classes_out_of_range_and_length_mismatch_are_errors() {
        assert_eq!(
            ConfusionMatrix::from_classes(2, &[0, 2], &[0, 1]),
            Err(MetricsError::ClassOutOfRange { sample: 1, class: 2, n_classes: 2 })
        );
        assert_eq!(
            ConfusionMatrix::from_classes(2, &[0, 1], &[0, 3]),
            Err(MetricsError::ClassOutOfRange { sample: 1, class: 3, n_classes: 2 })
        );
        assert_eq!(
            ConfusionMatrix::from_classes(2, &[0, 1], &[0]),
            Err(MetricsError::ShapeMismatch { predictions: (1, 1), targets: (1, 2) })
        );
    }
}
