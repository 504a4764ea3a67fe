//! Log loss (cross-entropy) of predicted probabilities, clipped as scikit-learn clips them.

use nalgebra::DMatrixView;

use super::MetricsError;

/// The clipping bound of [`log_loss`]: probabilities are clipped to [ε, 1 − ε] with ε the
/// machine epsilon of f64 (2.22e-16), as scikit-learn's `log_loss` does for float64 input, so a
/// confident wrong answer costs −ln ε ≈ 36.04 instead of infinity.
pub const LOG_LOSS_EPSILON: f64 = f64::EPSILON;

/// Mean over samples of −ln p̂, where p̂ is the probability the sample's true class was given,
/// clipped to [ε, 1 − ε] ([`LOG_LOSS_EPSILON`]): scikit-learn's
/// `log_loss(y_true, probabilities, labels=range(n_classes))`.
///
/// `probabilities` has one column per sample: (n_classes × n_samples), one probability per
/// class, or (1 × n_samples), the probability p of class 1 of a binary classifier (a single
/// sigmoid output), for which the probability of class 0 is 1 − p. `true_classes` are 0-based.
/// Rows that do not sum to 1 are used as they are (scikit-learn warns and does the same).
///
/// Fails when there are no samples, the lengths differ, a class is out of range or a
/// probability is not in [0, 1].
///
/// # Example
///
/// ```
/// use approx::assert_relative_eq;
/// use mlp_train::metrics::log_loss;
/// use nalgebra::dmatrix;
///
/// // Two samples of classes 1 and 0; the first is given 0.8, the second 0.6.
/// let probabilities = dmatrix![0.2, 0.6; 0.8, 0.4];
/// let loss = log_loss(&[1, 0], probabilities.as_view())?;
/// assert_relative_eq!(loss, -(0.8f64.ln() + 0.6f64.ln()) / 2.0);
/// # Ok::<(), mlp_train::metrics::MetricsError>(())
/// ```
pub fn log_loss(
    true_classes: &[usize],
    probabilities: DMatrixView<'_, f64>,
) -> Result<f64, MetricsError> {
    if probabilities.ncols() != true_classes.len() {
        return Err(MetricsError::ShapeMismatch {
            predictions: probabilities.shape(),
            targets: (1, true_classes.len()),
        });
    }
    let mut sum = LogLossSum::default();
    for (&class, column) in true_classes.iter().zip(probabilities.column_iter()) {
        let column: Vec<f64> = column.iter().copied().collect();
        sum.add(class, &column)?;
    }
    sum.mean().ok_or(MetricsError::NoSamples)
}

/// The running sum behind [`log_loss`], fed one sample at a time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct LogLossSum {
    sum: f64,
    n_samples: usize,
}

impl LogLossSum {
    /// Adds −ln p̂ of the next sample, of class `true_class`, given `probabilities` (one per
    /// class, or the probability of class 1 alone). Errors name the sample by its 0-based
    /// index among those added.
    pub(crate) fn add(
        &mut self,
        true_class: usize,
        probabilities: &[f64],
    ) -> Result<(), MetricsError> {
        let sample = self.n_samples;
        if let Some(&value) = probabilities.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(MetricsError::NotAProbability { sample, value });
        }
        let n_classes = probabilities.len().max(2);
        if true_class >= n_classes {
            return Err(MetricsError::ClassOutOfRange { sample, class: true_class, n_classes });
        }
        let given = match probabilities {
            // scikit-learn makes the column [1 − p, p] and then clips it.
            [p] if true_class == 0 => 1.0 - p,
            [p] => *p,
            _ => probabilities[true_class],
        };
        self.sum -= given.clamp(LOG_LOSS_EPSILON, 1.0 - LOG_LOSS_EPSILON).ln();
        self.n_samples += 1;
        Ok(())
    }

    /// The mean over the samples added; `None` before the first.
    pub(crate) fn mean(&self) -> Option<f64> {
        (self.n_samples > 0).then(|| self.sum / self.n_samples as f64)
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::dmatrix;

    use super::*;
    use crate::metrics::fixtures::{assert_close, binary, three_class};

    /// scikit-learn 1.9.1 `log_loss(y_true, probabilities, labels=[0, 1, 2])` on
    /// `three_class.csv`, whose probabilities reach 0 and 1 (make_reference.py).
    const THREE_CLASS: f64 = 3.8118532816494226;
    /// The same on `binary.csv` with the probabilities of class 1.
    const BINARY: f64 = 4.046412983416624;

    #[test]
    fn three_classes_match_scikit_learn() {
        let fixture = three_class();
        let loss = log_loss(&fixture.true_classes, fixture.probabilities.as_view()).unwrap();
        assert_close(loss, THREE_CLASS);
    }

    #[test]
    fn probability_of_class_1_matches_scikit_learn() {
        let fixture = binary();
        let loss = log_loss(&fixture.true_classes, fixture.probabilities.as_view()).unwrap();
        assert_close(loss, BINARY);
    }

    #[test]
    fn certainty_is_clipped_both_ways() {
        // A right answer given 1 costs −ln(1 − ε), a wrong one given 0 costs −ln ε.
        let probabilities = dmatrix![1.0, 0.0; 0.0, 1.0];
        let loss = log_loss(&[0, 0], probabilities.as_view()).unwrap();
        let expected = (-(1.0 - f64::EPSILON).ln() - f64::EPSILON.ln()) / 2.0;
        assert_eq!(loss, expected);
        assert_close(-f64::EPSILON.ln(), 36.04365338911715);
        // Alone, a right answer given 1 costs −ln(1 − ε) ≈ ε, not 0: scikit-learn 1.9.1 gives
        // 2.220446049250313e-16 for log_loss([0], [[1.0, 0.0]], labels=[0, 1]) and for
        // log_loss([1], [1.0], labels=[0, 1]) (make_reference.py). Rust's ln is one ulp above
        // numpy's here (ε + ε²/2 + ε³/3 rounds up), so compare relatively.
        const CERTAIN: f64 = 2.220446049250313e-16;
        let certain = dmatrix![1.0; 0.0];
        assert_close(log_loss(&[0], certain.as_view()).unwrap() / CERTAIN, 1.0);
        assert_close(log_loss(&[1], dmatrix![1.0].as_view()).unwrap() / CERTAIN, 1.0);
        let binary = dmatrix![1.0, 0.0];
        assert_eq!(log_loss(&[1, 1], binary.as_view()).unwrap(), expected);
        assert_eq!(log_loss(&[0, 0], binary.as_view()).unwrap(), expected);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let probabilities = dmatrix![0.5, 1.5; 0.5, -0.5];
        assert_eq!(
            log_loss(&[0, 1], probabilities.as_view()),
            Err(MetricsError::NotAProbability { sample: 1, value: 1.5 })
        );
        let probabilities = dmatrix![0.5; 0.5];
        assert_eq!(
            log_loss(&[2], probabilities.as_view()),
            Err(MetricsError::ClassOutOfRange { sample: 0, class: 2, n_classes: 2 })
        );
        assert_eq!(
            log_loss(&[0, 1], probabilities.as_view()),
            Err(MetricsError::ShapeMismatch { predictions: (2, 1), targets: (1, 2) })
        );
        let binary = dmatrix![0.5];
        assert_eq!(
            log_loss(&[2], binary.as_view()),
            Err(MetricsError::ClassOutOfRange { sample: 0, class: 2, n_classes: 2 })
        );
        let none = nalgebra::DMatrix::<f64>::zeros(2, 0);
        assert_eq!(log_loss(&[], none.as_view()), Err(MetricsError::NoSamples));
        assert_eq!(
            log_loss(&[0], dmatrix![f64::NAN; 1.0].as_view()).map_err(|e| e.to_string()),
            Err("sample 0: probability NaN is not between 0 and 1".to_owned())
        );
    }
}
