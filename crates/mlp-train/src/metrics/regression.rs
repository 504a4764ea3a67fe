//! MAE, MSE, RMSE and R² as scikit-learn defines them, computed in two passes.

use nalgebra::DMatrixView;
use serde::Serialize;

use super::MetricsError;

/// The errors of one output over all samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputErrors {
    /// The output's name: "0", "1", … until [`RegressionMetrics::with_output_names`].
    pub output: String,
    /// Mean absolute error (1/n) Σ |y − ŷ|.
    pub mae: f64,
    /// Mean squared error (1/n) Σ (y − ŷ)².
    pub mse: f64,
    /// √MSE.
    pub rmse: f64,
    /// R² = 1 − Σ (y − ŷ)² / Σ (y − ȳ)²; see [`RegressionMetrics`] for constant targets.
    /// `None` with fewer than two samples (scikit-learn returns NaN).
    pub r2: Option<f64>,
}

/// Regression metrics as scikit-learn's `mean_absolute_error`, `mean_squared_error`,
/// `root_mean_squared_error` and `r2_score` with their default
/// `multioutput="uniform_average"`: each is computed per output ([`OutputErrors`]) and the
/// plain mean over outputs is reported. So `rmse` is the mean of the outputs' RMSEs, which is
/// √`mse` only for one output.
///
/// R² per output is 1 − SS_res / SS_tot with SS_res = Σ (y − ŷ)² and SS_tot = Σ (y − ȳ)², as
/// scikit-learn's `r2_score` with `force_finite=True`: a perfect prediction (SS_res = 0) scores
/// 1 and a constant target predicted imperfectly scores 0, where the formula gives NaN or −∞.
/// A target is constant here when all its values are equal; scikit-learn instead tests its
/// floating-point SS_tot for zero, which is not zero for some constants (three 0.1s have a
/// computed mean of 0.10000000000000002, and one wrong prediction then scores −1.7e31 there,
/// 0 here).
///
/// Computed in two passes: the mean ȳ first, then the sums of squares about it, so targets
/// around 1e8 that vary by a few units keep their R² (a one-pass Σy² − nȳ² cancels every digit
/// there).
///
/// Serializes (for `--json`) as
/// `{"mae", "mse", "rmse", "r2", "per_output": [{"output", "mae", "mse", "rmse", "r2"}]}`.
///
/// # Example
///
/// ```
/// use approx::assert_relative_eq;
/// use mlp_train::metrics::RegressionMetrics;
///
/// // Targets 1, 2, 3 predicted as 1, 2, 4: SS_res = 1, SS_tot = 2.
/// let metrics = RegressionMetrics::from_slices(&[1.0, 2.0, 4.0], &[1.0, 2.0, 3.0])?;
/// assert_relative_eq!(metrics.mae, 1.0 / 3.0);
/// assert_relative_eq!(metrics.rmse, (1.0f64 / 3.0).sqrt());
/// assert_eq!(metrics.r2, Some(0.5));
/// # Ok::<(), mlp_train::metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionMetrics {
    /// Mean absolute error, averaged over outputs.
    pub mae: f64,
    /// Mean squared error, averaged over outputs.
    pub mse: f64,
    /// Root mean squared error per output, averaged over outputs.
    pub rmse: f64,
    /// R² per output, averaged over outputs; `None` with fewer than two samples.
    pub r2: Option<f64>,
    /// The metrics of each output.
    pub per_output: Vec<OutputErrors>,
}

impl RegressionMetrics {
    /// The metrics of `predictions` against `targets`, both (n_outputs × n_samples): one column
    /// per sample, as in a [`crate::Dataset`].
    ///
    /// Fails when the shapes differ or there are no samples or no outputs.
    pub fn from_matrices(
        predictions: DMatrixView<'_, f64>,
        targets: DMatrixView<'_, f64>,
    ) -> Result<Self, MetricsError> {
        if predictions.shape() != targets.shape() {
            return Err(MetricsError::ShapeMismatch {
                predictions: predictions.shape(),
                targets: targets.shape(),
            });
        }
        if predictions.is_empty() {
            return Err(MetricsError::NoSamples);
        }
        let per_output: Vec<OutputErrors> = (0..targets.nrows())
            .map(|output| {
                let target: Vec<f64> = targets.row(output).iter().copied().collect();
                let prediction: Vec<f64> = predictions.row(output).iter().copied().collect();
                output_errors(output.to_string(), &prediction, &target)
            })
            .collect();
        let mean = |value: fn(&OutputErrors) -> f64| {
            per_output.iter().map(value).sum::<f64>() / per_output.len() as f64
        };
        let r2 = per_output.iter().map(|errors| errors.r2).sum::<Option<f64>>();
        Ok(RegressionMetrics {
            mae: mean(|errors| errors.mae),
            mse: mean(|errors| errors.mse),
            rmse: mean(|errors| errors.rmse),
            r2: r2.map(|sum| sum / per_output.len() as f64),
            per_output,
        })
    }

    /// The metrics of one output: `predictions[i]` against `targets[i]`.
    ///
    /// Fails when the lengths differ or are zero.
    pub fn from_slices(predictions: &[f64], targets: &[f64]) -> Result<Self, MetricsError> {
        RegressionMetrics::from_matrices(
            DMatrixView::from_slice(predictions, 1, predictions.len()),
            DMatrixView::from_slice(targets, 1, targets.len()),
        )
    }

    /// The same metrics with these output names (in output order).
    ///
    /// Fails unless there is one name per output.
    pub fn with_output_names(mut self, names: Vec<String>) -> Result<Self, MetricsError> {
        if names.len() != self.per_output.len() {
            return Err(MetricsError::NameCount {
                what: "outputs",
                expected: self.per_output.len(),
                found: names.len(),
            });
        }
        for (errors, name) in self.per_output.iter_mut().zip(names) {
            errors.output = name;
        }
        Ok(self)
    }
}

/// The metrics of one output over its samples (at least one).
fn output_errors(output: String, prediction: &[f64], target: &[f64]) -> OutputErrors {
    let scores = output_scores(prediction, target, 0, 1);
    OutputErrors {
        output,
        mae: scores.mae,
        mse: scores.mse,
        rmse: scores.mse.sqrt(),
        r2: scores.r2,
    }
}

/// The MAE, MSE and R² of one output, the numbers of [`OutputErrors`] without its name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OutputScores {
    pub(crate) mae: f64,
    pub(crate) mse: f64,
    pub(crate) r2: Option<f64>,
}

/// The scores of `output` (0-based) over the samples of column-major (n_outputs × n_samples)
/// `predictions` and `targets` (at least one sample): what [`RegressionMetrics`] reports per
/// output (from one output's row, `n_outputs` 1), and what a training epoch's headline numbers
/// are averaged from, without copying a row out.
pub(crate) fn output_scores(
    predictions: &[f64],
    targets: &[f64],
    output: usize,
    n_outputs: usize,
) -> OutputScores {
    let n_samples = targets.len() / n_outputs;
    let value = |values: &[f64], sample: usize| values[sample * n_outputs + output];
    let n = n_samples as f64;
    // Pass 1: the mean of the targets, summed as `Iterator::sum` does.
    let target_mean = (0..n_samples).map(|sample| value(targets, sample)).sum::<f64>() / n;
    // Pass 2: sums about it.
    let mut absolute_sum = 0.0;
    let mut residual_squares = 0.0;
    let mut total_squares = 0.0;
    for sample in 0..n_samples {
        let (y, y_hat) = (value(targets, sample), value(predictions, sample));
        absolute_sum += (y - y_hat).abs();
        residual_squares += (y - y_hat) * (y - y_hat);
        total_squares += (y - target_mean) * (y - target_mean);
    }
    let first = value(targets, 0);
    let constant = (0..n_samples).all(|sample| value(targets, sample) == first);
    let r2 = if n_samples < 2 {
        None
    } else if residual_squares == 0.0 {
        Some(1.0)
    } else if constant {
        Some(0.0)
    } else {
        Some(1.0 - residual_squares / total_squares)
    };
    OutputScores { mae: absolute_sum / n, mse: residual_squares / n, r2 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{
        around_1e8, assert_all_close, assert_close, constant, two_outputs, Regressed,
    };

    /// Reference values printed by make_reference.py (scikit-learn 1.9.1): the uniform
    /// averages, then `multioutput="raw_values"`.
    struct Reference {
        /// mae, mse, rmse, r2
        averages: [f64; 4],
        mae: &'static [f64],
        mse: &'static [f64],
        rmse: &'static [f64],
        r2: &'static [f64],
    }

    fn check(fixture: Regressed, reference: &Reference) {
        let metrics = RegressionMetrics::from_matrices(
            fixture.predictions.as_view(),
            fixture.targets.as_view(),
        )
        .unwrap();
        let r2 = metrics.r2.expect("several samples");
        assert_all_close(&[metrics.mae, metrics.mse, metrics.rmse, r2], &reference.averages);
        let column = |value: fn(&OutputErrors) -> f64| -> Vec<f64> {
            metrics.per_output.iter().map(value).collect()
        };
        assert_all_close(&column(|e| e.mae), reference.mae);
        assert_all_close(&column(|e| e.mse), reference.mse);
        assert_all_close(&column(|e| e.rmse), reference.rmse);
        assert_all_close(&column(|e| e.r2.unwrap()), reference.r2);
    }

    #[test]
    fn two_outputs_match_scikit_learn() {
        check(
            two_outputs(),
            &Reference {
                averages: [
                    3.7583333333333333,
                    30.495833333333334,
                    4.161922952546456,
                    0.8969904685009646,
                ],
                mae: &[0.4333333333333334, 7.083333333333333],
                mse: &[0.2833333333333334, 60.708333333333336],
                rmse: &[0.5322906474223771, 7.791555257670534],
                r2: &[0.9500880798590722, 0.8438928571428571],
            },
        );
    }

    const R2_AROUND_1E8: f64 = 0.9337278104527689;

    #[test]
    fn targets_around_1e8_match_scikit_learn() {
        check(
            around_1e8(),
            &Reference {
                averages: [
                    0.1375000011175871,
                    0.02625000022351745,
                    0.16201851814998633,
                    R2_AROUND_1E8,
                ],
                mae: &[0.1375000011175871],
                mse: &[0.02625000022351745],
                rmse: &[0.16201851814998633],
                r2: &[R2_AROUND_1E8],
            },
        );
    }

    /// The formula this module replaced: one pass summing y and y², then
    /// SS_tot = Σy² − n ȳ², `None` unless SS_tot > 1e-12 Σy².
    fn one_pass_r2(predictions: &[f64], targets: &[f64]) -> Option<f64> {
        let (mut squared_error, mut sum, mut square_sum) = (0.0, 0.0, 0.0);
        for (&y_hat, &y) in predictions.iter().zip(targets) {
            squared_error += (y - y_hat) * (y - y_hat);
            sum += y;
            square_sum += y * y;
        }
        let n = targets.len() as f64;
        let mean = sum / n;
        let total = square_sum - n * mean * mean;
        (total > 1e-12 * square_sum).then(|| 1.0 - squared_error / total)
    }

    #[test]
    fn one_pass_r2_loses_targets_around_1e8() {
        let fixture = around_1e8();
        let (predictions, targets) = (fixture.predictions.as_slice(), fixture.targets.as_slice());
        // SS_tot is about 3.4 while Σy² is 8e16, whose last bit is worth 16: nothing is left.
        assert_eq!(one_pass_r2(predictions, targets), None);
        let metrics = RegressionMetrics::from_slices(predictions, targets).unwrap();
        assert_close(metrics.r2.unwrap(), R2_AROUND_1E8);
    }

    #[test]
    fn constant_targets_match_scikit_learn() {
        // The first output is predicted exactly (R² 1), the second is not (R² 0).
        check(
            constant(),
            &Reference {
                averages: [0.1875, 0.15625, 0.2795084971874737, 0.5],
                mae: &[0.0, 0.375],
                mse: &[0.0, 0.3125],
                rmse: &[0.0, 0.5590169943749475],
                r2: &[1.0, 0.0],
            },
        );
    }

    #[test]
    fn a_constant_with_an_inexact_mean_scores_0() {
        // scikit-learn's r2_score([0.1, 0.1, 0.1], [0.2, 0.1, 0.1]) is -1.7e31 (its mean is
        // 0.10000000000000002); the constant-target rule says 0.
        let metrics = RegressionMetrics::from_slices(&[0.2, 0.1, 0.1], &[0.1, 0.1, 0.1]).unwrap();
        assert_eq!(metrics.r2, Some(0.0));
    }

    #[test]
    fn a_perfect_prediction_of_a_varying_target_scores_1() {
        let metrics = RegressionMetrics::from_slices(&[1.0, 2.0], &[1.0, 2.0]).unwrap();
        assert_eq!(
            (metrics.mae, metrics.mse, metrics.rmse, metrics.r2),
            (0.0, 0.0, 0.0, Some(1.0))
        );
    }

    #[test]
    fn one_sample_has_no_r2() {
        // scikit-learn: "R^2 score is not well-defined with less than two samples" (NaN).
        let metrics = RegressionMetrics::from_slices(&[2.0], &[1.0]).unwrap();
        assert_eq!((metrics.mae, metrics.mse, metrics.rmse, metrics.r2), (1.0, 1.0, 1.0, None));
        assert_eq!(metrics.per_output[0].r2, None);
    }

    #[test]
    fn bad_shapes_and_names_are_errors() {
        assert_eq!(
            RegressionMetrics::from_slices(&[1.0, 2.0], &[1.0]),
            Err(MetricsError::ShapeMismatch { predictions: (1, 2), targets: (1, 1) })
        );
        assert_eq!(RegressionMetrics::from_slices(&[], &[]), Err(MetricsError::NoSamples));
        let metrics = RegressionMetrics::from_slices(&[1.0, 2.0], &[1.0, 3.0]).unwrap();
        assert_eq!(
            metrics.clone().with_output_names(vec![]),
            Err(MetricsError::NameCount { what: "outputs", expected: 1, found: 0 })
        );
        let named = metrics.with_output_names(vec!["price".into()]).unwrap();
        assert_eq!(named.per_output[0].output, "price");
    }

    #[test]
    fn json_names_every_field() {
        let metrics = RegressionMetrics::from_slices(&[1.0, 2.0, 4.0], &[1.0, 2.0, 3.0]).unwrap();
        let rmse = (1.0f64 / 3.0).sqrt();
        assert_eq!(
            serde_json::to_value(&metrics).unwrap(),
            serde_json::json!({
                "mae": 1.0 / 3.0, "mse": 1.0 / 3.0, "rmse": rmse, "r2": 0.5,
                "per_output": [
                    {"output": "0", "mae": 1.0 / 3.0, "mse": 1.0 / 3.0, "rmse": rmse, "r2": 0.5}
                ],
            })
        );
    }
}
