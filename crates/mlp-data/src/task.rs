//! The task policy, in one place: which task a target column asks for, and what a task implies
//! for the network (output activation, loss) and the metrics.

use mlp_core::{Activation, Loss, Network, Scalar};
use serde::{Deserialize, Serialize};

/// What the network predicts, which decides the metrics reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricsKind {
    /// `mlp_train::metrics::ClassificationMetrics`: the predicted class is the largest output
    /// (softmax, or several sigmoid outputs), or class 1 when a single output is ≥ 0.5.
    Classification,
    /// `mlp_train::metrics::RegressionMetrics`: MAE, MSE, RMSE and R².
    Regression,
}

/// What the targets are to be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Decided from the target column by [`Table::select`](super::Table::select):
    ///
    /// - a column of words is class labels (classification);
    /// - a column of numbers is classes when [`integer_codes_are_classes`] says so (every value
    ///   an integer, at most [`MAX_AUTO_CLASSES`] distinct values, at least
    ///   [`MIN_ROWS_PER_AUTO_CLASS`] rows per value on average; wine's 1/2/3), with a
    ///   [`DataNotice::ClassesFromIntegers`](super::DataNotice::ClassesFromIntegers);
    /// - any other column of numbers, and always several target columns, is a regression.
    ///
    /// A column of numbers with a few words is an error listing them, never classes; missing
    /// cells are never a class.
    #[default]
    Auto,
    /// The single target column holds class labels, even if they are numbers (digits 0–9, wine
    /// classes 1–3). A label is its text; a number's label is its shortest decimal text (`1.0`
    /// and `1` are the same class, `1`).
    Classification,
    /// Every target cell must be a finite number (or missing).
    Regression,
}

/// Most distinct integer values that [`Task::Auto`] reads as classes.
pub const MAX_AUTO_CLASSES: usize = 20;

/// Fewest rows per distinct integer value, on average, for [`Task::Auto`] to read them as
/// classes.
pub const MIN_ROWS_PER_AUTO_CLASS: usize = 5;

/// True when a numeric target with these (non-missing) values is read as classes by
/// [`Task::Auto`]: every value is an integer, there are 2 to [`MAX_AUTO_CLASSES`] distinct
/// values, and `n_values ≥ MIN_ROWS_PER_AUTO_CLASS · n_distinct` (at least 5 rows per class on
/// average).
///
/// scikit-learn's `type_of_target` calls every integer target multiclass; the limits keep
/// count-like targets a regression (diabetes' `progression`: 214 values in 442 rows) and so
/// does a tiny table (XOR's 0/1 in 4 rows: 2 rows per value).
///
/// # Example
///
/// ```
/// use mlp_data::integer_codes_are_classes;
///
/// let wine: Vec<f64> = [1.0, 2.0, 3.0].repeat(59);
/// assert!(integer_codes_are_classes(&wine));
/// assert!(!integer_codes_are_classes(&[0.0, 1.0, 1.0, 0.0])); // XOR: 2 rows per value
/// assert!(!integer_codes_are_classes(&[0.5, 1.0].repeat(10))); // not integers
/// ```
pub fn integer_codes_are_classes(values: &[f64]) -> bool {
    if values.iter().any(|value| value.fract() != 0.0 || !value.is_finite()) {
        return false;
    }
    let mut distinct: Vec<f64> = Vec::new();
    for &value in values {
        if !distinct.contains(&value) {
            if distinct.len() == MAX_AUTO_CLASSES {
                return false;
            }
            distinct.push(value);
        }
    }
    distinct.len() >= 2 && values.len() >= MIN_ROWS_PER_AUTO_CLASS * distinct.len()
}

impl Task {
    /// The output activation a network for this task gets unless told otherwise: softmax for
    /// classification, identity otherwise.
    pub fn default_output_activation(self) -> Activation {
        match self {
            Task::Classification => Activation::Softmax,
            Task::Auto | Task::Regression => Activation::Identity,
        }
    }

    /// The loss a network for this task gets unless told otherwise, given its output
    /// activation: cross-entropy for classification when the output accepts it (softmax or
    /// sigmoid), mean squared error otherwise.
    ///
    /// # Example
    ///
    /// ```
    /// use mlp_core::{Activation, Loss};
    /// use mlp_data::Task;
    ///
    /// let task = Task::Classification;
    /// assert_eq!(task.default_loss(task.default_output_activation()), Loss::CrossEntropy);
    /// assert_eq!(task.default_loss(Activation::Identity), Loss::MeanSquared);
    /// assert_eq!(Task::Regression.default_loss(Activation::Identity), Loss::MeanSquared);
    /// ```
    pub fn default_loss(self, output_activation: Activation) -> Loss {
        if self == Task::Classification && Loss::CrossEntropy.accepts_output(output_activation) {
            Loss::CrossEntropy
        } else {
            Loss::MeanSquared
        }
    }

    /// The task a network was built for, when nothing else says: classification when its loss
    /// is cross-entropy (which only follows a softmax or sigmoid output), regression otherwise.
    /// With [`Task::metrics_kind`], the one rule for the metrics of a network without a task:
    /// `mlp_train::train` and `mlp_train::evaluate` use it when not told which metrics to report.
    ///
    /// ```
    /// use mlp_core::{Activation, Architecture, Loss, Network};
    /// use mlp_data::Task;
    ///
    /// let architecture = |output_activation, loss| Architecture {
    ///     sizes: vec![2, 3],
    ///     hidden_activation: Activation::Relu,
    ///     output_activation,
    ///     bias: true,
    ///     loss,
    /// };
    /// let classifier = architecture(Activation::Softmax, Loss::CrossEntropy);
    /// let network = Network::<f64>::initialized(&classifier, None, 1).unwrap();
    /// assert_eq!(Task::of_network(&network), Task::Classification);
    /// let softmax_mse = architecture(Activation::Softmax, Loss::MeanSquared);
    /// let network = Network::<f64>::initialized(&softmax_mse, None, 1).unwrap();
    /// assert_eq!(Task::of_network(&network), Task::Regression);
    /// ```
    pub fn of_network<T: Scalar>(network: &Network<T>) -> Task {
        if network.loss() == Loss::CrossEntropy {
            Task::Classification
        } else {
            Task::Regression
        }
    }

    /// The metrics reported for this task: accuracy and the classification metrics for
    /// classification, the regression metrics otherwise.
    pub fn metrics_kind(self) -> MetricsKind {
        match self {
            Task::Classification => MetricsKind::Classification,
            Task::Auto | Task::Regression => MetricsKind::Regression,
        }
    }

    /// The task's name as the CLI and the JSON reports write it: `"classification"` or
    /// `"regression"` (`"auto"` for [`Task::Auto`]).
    pub fn name(self) -> &'static str {
        match self {
            Task::Auto => "auto",
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cross-entropy only for a classification whose output it can score; mean squared error
    /// for everything else (kills `&&` → `||` in `default_loss`).
    #[test]
    fn the_default_loss_needs_both_a_classification_and_a_probability_output() {
        for activation in [Activation::Softmax, Activation::Sigmoid] {
            assert_eq!(Task::Classification.default_loss(activation), Loss::CrossEntropy);
            assert_eq!(Task::Regression.default_loss(activation), Loss::MeanSquared);
        }
        assert_eq!(Task::Classification.default_loss(Activation::Identity), Loss::MeanSquared);
        assert_eq!(Task::Regression.default_loss(Activation::Identity), Loss::MeanSquared);
    }

    /// A network's task follows its loss: cross-entropy is a classification, any other loss a
    /// regression, never `Auto` (kills the mutants of `of_network`).
    #[test]
    fn a_networks_task_follows_its_loss() {
        let network = |activation, loss| {
            let layer =
                mlp_core::Dense::new(nalgebra::DMatrix::<f64>::zeros(2, 3), None, activation);
            Network::new(vec![layer], loss).unwrap()
        };
        let classifier = network(Activation::Softmax, Loss::CrossEntropy);
        assert_eq!(Task::of_network(&classifier), Task::Classification);
        assert_eq!(Task::of_network(&classifier).metrics_kind(), MetricsKind::Classification);
        for loss in [Loss::MeanSquared, Loss::HalfSumSquared] {
            let regression = network(Activation::Identity, loss);
            assert_eq!(Task::of_network(&regression), Task::Regression);
        }
        let softmax_mse = network(Activation::Softmax, Loss::MeanSquared);
        assert_eq!(Task::of_network(&softmax_mse), Task::Regression);
    }

    /// Finite values with a fraction are never class codes, however many rows repeat them
    /// (kills cargo-mutants' `||` → `&&` in the integer check).
    #[test]
    fn finite_fractions_are_not_classes() {
        assert!(!integer_codes_are_classes(&[0.5, 1.5].repeat(5)));
        assert!(!integer_codes_are_classes(&[1.0, 2.0, 2.25].repeat(10)));
        assert!(!integer_codes_are_classes(&[1.0, f64::INFINITY].repeat(10)));
        assert!(integer_codes_are_classes(&[1.0, 2.0].repeat(5)));
    }

    #[test]
    fn the_thresholds_are_inclusive() {
        // 2 values × 5 rows: classes; one row fewer: not.
        let ten: Vec<f64> = [0.0, 1.0].repeat(5);
        assert!(integer_codes_are_classes(&ten));
        assert!(!integer_codes_are_classes(&ten[..9]));
        // 20 distinct values with 5 rows each: classes; 21: not.
        let twenty: Vec<f64> = (0..100).map(|i| f64::from(i % 20)).collect();
        assert!(integer_codes_are_classes(&twenty));
        let twenty_one: Vec<f64> = (0..210).map(|i| f64::from(i % 21)).collect();
        assert!(!integer_codes_are_classes(&twenty_one));
        // One value is not a classification.
        assert!(!integer_codes_are_classes(&[3.0; 10]));
        // Negative integers count as integers.
        assert!(integer_codes_are_classes(&[-1.0, 1.0].repeat(5)));
    }

    #[test]
    fn policy_by_task() {
        assert_eq!(Task::Classification.default_output_activation(), Activation::Softmax);
        assert_eq!(Task::Regression.default_output_activation(), Activation::Identity);
        assert_eq!(Task::Classification.default_loss(Activation::Sigmoid), Loss::CrossEntropy);
        assert_eq!(Task::Classification.metrics_kind(), MetricsKind::Classification);
        assert_eq!(Task::Regression.metrics_kind(), MetricsKind::Regression);
        assert_eq!(Task::Classification.name(), "classification");
    }
}
