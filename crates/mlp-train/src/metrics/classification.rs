//! Per-class precision, recall, F1 and support, their averages, accuracy and log loss.

use serde::Serialize;

use super::{ConfusionMatrix, MetricsError};

/// The value a score takes when its denominator is zero, as scikit-learn's `zero_division`:
/// the precision of a class never predicted, the recall of a class with no samples, the F1 of
/// a class neither true nor predicted.
///
/// `Zero` is scikit-learn's default (`zero_division="warn"` warns and uses 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZeroDivision {
    /// 0, scikit-learn's default.
    #[default]
    Zero,
    /// 1.
    One,
}

impl ZeroDivision {
    /// 0.0 or 1.0.
    pub fn value(self) -> f64 {
        match self {
            ZeroDivision::Zero => 0.0,
            ZeroDivision::One => 1.0,
        }
    }

    /// numerator / denominator, or this value when the denominator is zero.
    fn divide(self, numerator: u64, denominator: u64) -> f64 {
        if denominator == 0 {
            self.value()
        } else {
            numerator as f64 / denominator as f64
        }
    }
}

impl Serialize for ZeroDivision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.value())
    }
}

/// Precision, recall, F1 and support of one class (or their average over classes).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ClassScores {
    /// TP / (TP + FP): of the samples predicted as this class, the share that are.
    pub precision: f64,
    /// TP / (TP + FN): of the samples of this class, the share predicted as it.
    pub recall: f64,
    /// 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall.
    pub f1: f64,
    /// Samples of this class (for an average, all samples).
    pub support: u64,
}

/// The classification metrics of scikit-learn's `classification_report`,
/// `confusion_matrix`, `accuracy_score` and `log_loss`, for the classes `0..n_classes`.
///
/// Per class `k`, with TP the samples of class `k` predicted as `k`, FP the other samples
/// predicted as `k` and FN the samples of class `k` predicted otherwise: precision =
/// TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN), each
/// [`ZeroDivision`] when its denominator is 0 (scikit-learn ≥ 1.3 computes F1 from the counts
/// in the same way). The macro average is the plain mean over classes; the weighted average
/// weighs each class by its support. Accuracy is the share of samples predicted right.
///
/// Serializes (for `--json`) as
/// `{"classes", "confusion", "per_class": [{"class", "precision", "recall", "f1", "support"}],
/// "macro_avg", "weighted_avg", "accuracy", "log_loss", "zero_division"}`.
///
/// # Example
///
/// ```
/// use mlp_train::metrics::{ClassificationMetrics, ConfusionMatrix, ZeroDivision};
///
/// let confusion = ConfusionMatrix::from_classes(2, &[0, 0, 1, 1], &[0, 1, 1, 1])?;
/// let metrics = ClassificationMetrics::new(confusion, None, ZeroDivision::Zero)?
///     .with_class_names(vec!["cat".into(), "dog".into()])?;
/// assert_eq!(metrics.per_class[0].recall, 0.5); // one cat of two found
/// assert_eq!(metrics.per_class[1].precision, 2.0 / 3.0); // three "dog"s, two right
/// assert_eq!(metrics.accuracy, 0.75);
/// assert!(metrics.report().contains("         cat       1.00      0.50      0.67         2"));
/// # Ok::<(), mlp_train::metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationMetrics {
    /// Class names in class order; "0", "1", … until [`ClassificationMetrics::with_class_names`].
    pub classes: Vec<String>,
    /// Rows: true classes; columns: predicted classes.
    pub confusion: ConfusionMatrix,
    /// Scores of each class, in class order.
    pub per_class: Vec<ClassScores>,
    /// Unweighted means over classes of precision, recall and F1; support is all samples.
    pub macro_avg: ClassScores,
    /// Means over classes weighted by support; support is all samples.
    pub weighted_avg: ClassScores,
    /// Share of samples whose predicted class is the true one.
    pub accuracy: f64,
    /// [`super::log_loss`] of the predicted probabilities; `None` when the predictions were
    /// not probabilities.
    pub log_loss: Option<f64>,
    /// The value used for 0/0 scores.
    pub zero_division: ZeroDivision,
}

impl ClassificationMetrics {
    /// Every score of the classes `0..confusion.n_classes()` from their confusion matrix, with
    /// the log loss computed beside it (if any).
    ///
    /// Fails when the matrix counts no samples.
    pub fn new(
        confusion: ConfusionMatrix,
        log_loss: Option<f64>,
        zero_division: ZeroDivision,
    ) -> Result<Self, MetricsError> {
        let n_samples = confusion.n_samples();
        if n_samples == 0 {
            return Err(MetricsError::NoSamples);
        }
        let n_classes = confusion.n_classes();
        let per_class: Vec<ClassScores> =
            (0..n_classes).map(|class| class_scores(&confusion, class, zero_division)).collect();
        let macro_avg = average(&per_class, |_| 1.0, n_samples);
        let weighted_avg = average(&per_class, |scores| scores.support as f64, n_samples);
        Ok(ClassificationMetrics {
            classes: (0..n_classes).map(|class| class.to_string()).collect(),
            accuracy: confusion.accuracy(),
            confusion,
            per_class,
            macro_avg,
            weighted_avg,
            log_loss,
            zero_division,
        })
    }

    /// The same metrics with these class names (in class order), for the report and the JSON.
    ///
    /// Fails unless there is one name per class.
    pub fn with_class_names(mut self, names: Vec<String>) -> Result<Self, MetricsError> {
        if names.len() != self.classes.len() {
            return Err(MetricsError::NameCount {
                what: "classes",
                expected: self.classes.len(),
                found: names.len(),
            });
        }
        self.classes = names;
        Ok(self)
    }
}

/// Precision, recall, F1 and support of `class`.
fn class_scores(
    confusion: &ConfusionMatrix,
    class: usize,
    zero_division: ZeroDivision,
) -> ClassScores {
    let true_positives = confusion.count(class, class);
    let support = confusion.support(class);
    let n_predicted = confusion.n_predicted(class);
    ClassScores {
        precision: zero_division.divide(true_positives, n_predicted),
        recall: zero_division.divide(true_positives, support),
        f1: zero_division.divide(2 * true_positives, support + n_predicted),
        support,
    }
}

/// The means of precision, recall and F1 over classes weighted by `weight` (whose sum is not
/// zero), with support `n_samples`.
fn average(
    per_class: &[ClassScores],
    weight: fn(&ClassScores) -> f64,
    n_samples: u64,
) -> ClassScores {
    let total: f64 = per_class.iter().map(weight).sum();
    let mean = |score: fn(&ClassScores) -> f64| {
        per_class.iter().map(|scores| weight(scores) * score(scores)).sum::<f64>() / total
    };
    ClassScores {
        precision: mean(|scores| scores.precision),
        recall: mean(|scores| scores.recall),
        f1: mean(|scores| scores.f1),
        support: n_samples,
    }
}

/// One entry of `per_class` in the JSON.
#[derive(Serialize)]
struct NamedScores<'a> {
    class: &'a str,
    #[serde(flatten)]
    scores: &'a ClassScores,
}

impl Serialize for ClassificationMetrics {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let per_class: Vec<NamedScores<'_>> = self
            .classes
            .iter()
            .zip(&self.per_class)
            .map(|(class, scores)| NamedScores { class, scores })
            .collect();
        let mut object = serializer.serialize_struct("ClassificationMetrics", 8)?;
        object.serialize_field("classes", &self.classes)?;
        object.serialize_field("confusion", &self.confusion)?;
        object.serialize_field("per_class", &per_class)?;
        object.serialize_field("macro_avg", &self.macro_avg)?;
        object.serialize_field("weighted_avg", &self.weighted_avg)?;
        object.serialize_field("accuracy", &self.accuracy)?;
        object.serialize_field("log_loss", &self.log_loss)?;
        object.serialize_field("zero_division", &self.zero_division)?;
        object.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{assert_all_close, assert_close, binary, three_class};

    /// The reference values of one fixture, printed by make_reference.py with scikit-learn
    /// 1.9.1 (`precision_recall_fscore_support(..., labels=range(n_classes))`,
    /// `accuracy_score`).
    struct Reference {
        precision: &'static [f64],
        recall: &'static [f64],
        f1: &'static [f64],
        support: &'static [u64],
        /// (precision, recall, f1)
        macro_avg: [f64; 3],
        weighted_avg: [f64; 3],
        accuracy: f64,
    }

    fn check(metrics: &ClassificationMetrics, reference: &Reference) {
        let column = |score: fn(&ClassScores) -> f64| -> Vec<f64> {
            metrics.per_class.iter().map(score).collect()
        };
        assert_all_close(&column(|s| s.precision), reference.precision);
        assert_all_close(&column(|s| s.recall), reference.recall);
        assert_all_close(&column(|s| s.f1), reference.f1);
        let support: Vec<u64> = metrics.per_class.iter().map(|s| s.support).collect();
        assert_eq!(support, reference.support);
        let n_samples: u64 = reference.support.iter().sum();
        for (average, expected) in [
            (&metrics.macro_avg, reference.macro_avg),
            (&metrics.weighted_avg, reference.weighted_avg),
        ] {
            assert_all_close(&[average.precision, average.recall, average.f1], &expected);
            assert_eq!(average.support, n_samples);
        }
        assert_close(metrics.accuracy, reference.accuracy);
    }

    fn metrics(n_classes: usize, zero_division: ZeroDivision) -> ClassificationMetrics {
        let fixture = three_class();
        let confusion = ConfusionMatrix::from_classes(
            n_classes,
            &fixture.true_classes,
            &fixture.predicted_classes,
        )
        .unwrap();
        ClassificationMetrics::new(confusion, None, zero_division).unwrap()
    }

    const THREE_CLASS_ACCURACY: f64 = 0.5454545454545454;

    #[test]
    fn three_classes_with_zero_division_0_match_scikit_learn() {
        check(
            &metrics(3, ZeroDivision::Zero),
            &Reference {
                precision: &[0.6, 0.5, 0.0],
                recall: &[0.75, 0.75, 0.0],
                f1: &[0.6666666666666666, 0.6, 0.0],
                support: &[4, 4, 3],
                macro_avg: [0.3666666666666667, 0.5, 0.4222222222222222],
                weighted_avg: [0.4, 0.5454545454545454, 0.4606060606060606],
                accuracy: THREE_CLASS_ACCURACY,
            },
        );
    }

    #[test]
    fn three_classes_with_zero_division_1_match_scikit_learn() {
        // Gentoo is never predicted: its precision is 0/0.
        check(
            &metrics(3, ZeroDivision::One),
            &Reference {
                precision: &[0.6, 0.5, 1.0],
                recall: &[0.75, 0.75, 0.0],
                f1: &[0.6666666666666666, 0.6, 0.0],
                support: &[4, 4, 3],
                macro_avg: [0.7000000000000001, 0.5, 0.4222222222222222],
                weighted_avg: [0.6727272727272727, 0.5454545454545454, 0.4606060606060606],
                accuracy: THREE_CLASS_ACCURACY,
            },
        );
    }

    #[test]
    fn a_class_neither_true_nor_predicted_matches_scikit_learn() {
        // A fourth class with no samples and no predictions: recall and F1 are 0/0 too.
        check(
            &metrics(4, ZeroDivision::Zero),
            &Reference {
                precision: &[0.6, 0.5, 0.0, 0.0],
                recall: &[0.75, 0.75, 0.0, 0.0],
                f1: &[0.6666666666666666, 0.6, 0.0, 0.0],
                support: &[4, 4, 3, 0],
                macro_avg: [0.275, 0.375, 0.31666666666666665],
                weighted_avg: [0.4, 0.5454545454545454, 0.4606060606060606],
                accuracy: THREE_CLASS_ACCURACY,
            },
        );
        check(
            &metrics(4, ZeroDivision::One),
            &Reference {
                precision: &[0.6, 0.5, 1.0, 1.0],
                recall: &[0.75, 0.75, 0.0, 1.0],
                f1: &[0.6666666666666666, 0.6, 0.0, 1.0],
                support: &[4, 4, 3, 0],
                macro_avg: [0.775, 0.625, 0.5666666666666667],
                weighted_avg: [0.6727272727272727, 0.5454545454545454, 0.4606060606060606],
                accuracy: THREE_CLASS_ACCURACY,
            },
        );
    }

    #[test]
    fn binary_matches_scikit_learn() {
        let fixture = binary();
        let confusion =
            ConfusionMatrix::from_classes(2, &fixture.true_classes, &fixture.predicted_classes)
                .unwrap();
        let macro_avg = [0.7083333333333333, 0.7, 0.696969696969697];
        check(
            &ClassificationMetrics::new(confusion, None, ZeroDivision::Zero).unwrap(),
            &Reference {
                precision: &[0.75, 0.6666666666666666],
                recall: &[0.6, 0.8],
                f1: &[0.6666666666666666, 0.7272727272727273],
                support: &[5, 5],
                macro_avg,
                weighted_avg: macro_avg,
                accuracy: 0.7,
            },
        );
    }

    #[test]
    fn no_samples_and_wrong_name_counts_are_errors() {
        assert_eq!(
            ClassificationMetrics::new(ConfusionMatrix::new(2), None, ZeroDivision::Zero),
            Err(MetricsError::NoSamples)
        );
        assert_eq!(
            metrics(3, ZeroDivision::Zero).with_class_names(vec!["a".into()]),
            Err(MetricsError::NameCount { what: "classes", expected: 3, found: 1 })
        );
    }

    #[test]
    fn json_names_every_field() {
        let confusion = ConfusionMatrix::from_classes(2, &[0, 1, 1], &[0, 1, 0]).unwrap();
        let metrics = ClassificationMetrics::new(confusion, Some(0.25), ZeroDivision::One)
            .unwrap()
            .with_class_names(vec!["no".into(), "yes".into()])
            .unwrap();
        let json = serde_json::to_value(&metrics).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "classes": ["no", "yes"],
                "confusion": [[1, 0], [1, 1]],
                "per_class": [
                    {"class": "no", "precision": 0.5, "recall": 1.0, "f1": 2.0 / 3.0, "support": 1},
                    {"class": "yes", "precision": 1.0, "recall": 0.5, "f1": 2.0 / 3.0, "support": 2},
                ],
                "macro_avg": {"precision": 0.75, "recall": 0.75, "f1": 2.0 / 3.0, "support": 3},
                "weighted_avg": {
                    "precision": 2.5 / 3.0, "recall": 2.0 / 3.0, "f1": 2.0 / 3.0, "support": 3
                },
                "accuracy": 2.0 / 3.0,
                "log_loss": 0.25,
                "zero_division": 1.0,
            })
        );
    }
}
