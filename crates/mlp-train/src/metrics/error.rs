//! Why a metric cannot be computed.

use mlp_core::NonFiniteActivation;

/// Inputs a metric cannot be computed on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// There are no samples: every metric would be 0/0.
    #[error("cannot compute metrics on no samples")]
    NoSamples,
    /// Predictions and targets do not have the same shape.
    #[error("predictions are {predictions:?} (outputs × samples) but targets are {targets:?}")]
    ShapeMismatch {
        /// (rows, columns) of the predictions.
        predictions: (usize, usize),
        /// (rows, columns) of the targets.
        targets: (usize, usize),
    },
    /// The dataset does not have the network's number of inputs or outputs per sample.
    #[error("the dataset has {found} {what} per sample but the network has {expected}")]
    DatasetShape {
        /// `inputs` or `outputs`.
        what: &'static str,
        /// The network's count.
        expected: usize,
        /// The dataset's count.
        found: usize,
    },
    /// A class index is not below the number of classes.
    #[error("sample {sample}: class {class} is out of range for {n_classes} classes")]
    ClassOutOfRange {
        /// 0-based sample index.
        sample: usize,
        /// The class index found.
        class: usize,
        /// The number of classes.
        n_classes: usize,
    },
    /// A probability is below 0, above 1 or NaN (scikit-learn's `log_loss` refuses them too).
    #[error("sample {sample}: probability {value} is not between 0 and 1")]
    NotAProbability {
        /// 0-based sample index.
        sample: usize,
        /// The value found.
        value: f64,
    },
    /// A list of names does not have one name per class or output.
    #[error("{found} names given for {expected} {what}")]
    NameCount {
        /// `classes` or `outputs`.
        what: &'static str,
        /// How many there are.
        expected: usize,
        /// How many names were given.
        found: usize,
    },
    /// The forward pass overflowed: the first NaN or infinite activation, in layer order.
    #[error("row {row}: the forward pass overflows at layer {}, neuron {}: the activation is {} (weights or inputs too large)", .activation.layer, .activation.neuron, .activation.value)]
    NonFinite {
        /// The sample's 1-based data-file row.
        row: usize,
        /// Where the overflow began (its `sample` is within the batch).
        activation: NonFiniteActivation,
    },
}
