//! What a training run does: the configuration struct and its parts.

use crate::Optimizer;

/// What the network predicts, which decides the metrics reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricsKind {
    /// [`crate::metrics::ClassificationMetrics`]: the predicted class is the largest output
    /// (softmax, or several sigmoid outputs), or class 1 when a single output is ≥ 0.5.
    Classification,
    /// [`crate::metrics::RegressionMetrics`]: MAE, MSE, RMSE and R².
    Regression,
}

/// How the learning rate changes from epoch to epoch (epochs counted from 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// η_e = η.
    Constant,
    /// η_e = η · factor^⌊(e − 1) / every⌋: multiplied by `factor` every `every` epochs.
    Step {
        /// Epochs between decays (≥ 1).
        every: usize,
        /// Multiplier per decay, in (0, 1].
        factor: f64,
    },
    /// η_e = η · gamma^(e − 1).
    Exponential {
        /// Multiplier per epoch, in (0, 1].
        gamma: f64,
    },
}

impl Schedule {
    /// The learning rate for 1-based `epoch` from the base rate.
    pub fn learning_rate(self, base: f64, epoch: usize) -> f64 {
        let e = epoch.saturating_sub(1);
        match self {
            Schedule::Constant => base,
            Schedule::Step { every, factor } => base * factor.powi((e / every.max(1)) as i32),
            Schedule::Exponential { gamma } => base * gamma.powi(e as i32),
        }
    }
}

/// Everything a training run needs to know besides the network and the data.
///
/// `Default` holds values that work on a first try, as scikit-learn's `MLPClassifier` does:
/// Adam with learning rate 0.001, batches of 32, 200 epochs, L2 0.0001, seed 42.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training data (an upper bound with early stopping).
    pub epochs: usize,
    /// Samples per optimizer step; the last batch of an epoch may be smaller.
    pub batch_size: usize,
    /// The update rule.
    pub optimizer: Optimizer,
    /// Base learning rate η.
    pub learning_rate: f64,
    /// How η changes over epochs.
    pub schedule: Schedule,
    /// L2 weight decay λ: the optimizer sees ∂E/∂w + λ w for weights (biases are not decayed,
    /// as in scikit-learn and Keras).
    pub l2: f64,
    /// Seed of the shuffling generator (ChaCha8): same seed, same run, bit for bit.
    pub seed: u64,
    /// Whether to shuffle the samples at the start of every epoch.
    pub shuffle: bool,
    /// Stop when the validation loss (the training loss without validation data) has not
    /// improved by `min_delta` for this many epochs, and restore the best weights.
    pub patience: Option<usize>,
    /// The improvement that counts for `patience`.
    pub min_delta: f64,
    /// Which metrics to report; `None` infers them from the loss (cross-entropy:
    /// classification; otherwise regression).
    pub metrics: Option<MetricsKind>,
    /// Emit per-partial-derivative and per-layer events on steps 1, 1 + n, 1 + 2n, … only.
    pub log_every: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 200,
            batch_size: 32,
            optimizer: Optimizer::default(),
            learning_rate: 0.001,
            schedule: Schedule::Constant,
            l2: 0.0001,
            seed: 42,
            shuffle: true,
            patience: None,
            min_delta: 0.0,
            metrics: None,
            log_every: 1,
        }
    }
}
