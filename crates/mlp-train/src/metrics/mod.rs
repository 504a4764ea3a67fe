//! The metrics practitioners read, computed as scikit-learn computes them.
//!
//! - Classification ([`ClassificationMetrics`]): the [`ConfusionMatrix`], per-class precision,
//!   recall, F1 and support with their macro and weighted averages (scikit-learn's
//!   `precision_recall_fscore_support` and `classification_report`), accuracy, and
//!   [`log_loss`] on the predicted probabilities.
//! - Regression ([`RegressionMetrics`]): MAE, MSE, RMSE and R² (scikit-learn's
//!   `mean_absolute_error`, `mean_squared_error`, `root_mean_squared_error` and `r2_score`, each
//!   averaged uniformly over the outputs), computed in two passes so that targets around 1e8 keep
//!   their digits.
//! - [`evaluate`]: a network's loss and the metrics of its task on a dataset, as an
//!   [`Evaluation`].
//!
//! The metric functions take predictions and targets (slices or matrices with one column per
//! sample), so a caller whose targets were standardized un-scales both first and gets the
//! metrics in the original units.
//!
//! Each number equals scikit-learn's to 1e-12 on the fixtures in
//! `crates/mlp-train/tests/fixtures/metrics/`, whose `make_reference.py` printed the reference
//! values the tests hold.
//!
//! # Example
//!
//! ```
//! use mlp_train::metrics::{ClassificationMetrics, ConfusionMatrix, RegressionMetrics, ZeroDivision};
//!
//! // Three samples of class 0 and one of class 1; one class-0 sample predicted as class 1.
//! let confusion = ConfusionMatrix::from_classes(2, &[0, 0, 0, 1], &[0, 0, 1, 1])?;
//! let metrics = ClassificationMetrics::new(confusion, None, ZeroDivision::Zero)?;
//! assert_eq!(metrics.accuracy, 0.75);
//! assert_eq!(metrics.per_class[1].precision, 0.5);
//!
//! let regression = RegressionMetrics::from_slices(&[2.5, 0.0, 2.0, 8.0], &[3.0, -0.5, 2.0, 7.0])?;
//! assert_eq!(regression.mae, 0.5);
//! # Ok::<(), mlp_train::metrics::MetricsError>(())
//! ```

mod classification;
mod confusion;
mod error;
mod evaluation;
mod log_loss;
mod regression;
mod report;

#[cfg(test)]
mod fixtures;

pub use classification::{ClassScores, ClassificationMetrics, ZeroDivision};
pub use confusion::ConfusionMatrix;
pub use error::MetricsError;
pub use evaluation::{evaluate, evaluate_prepared, try_evaluate, Evaluation};
pub use log_loss::{log_loss, LOG_LOSS_EPSILON};
pub use regression::{OutputErrors, RegressionMetrics};

pub(crate) use evaluation::{evaluate_fitting, MetricsAccumulator};
