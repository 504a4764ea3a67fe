//! What a training run does: the configuration struct and its parts.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::{Optimizer, TrainError};

pub use mlp_data::MetricsKind;

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
    /// Emit per-partial-derivative and per-layer events on steps 1, 1 + n, 1 + 2n, … only
    /// (at least 1; default 1, every step). The one way to choose the logged steps: a step not
    /// logged emits nothing, so its events cost nothing whoever listens, and a log's rows keep
    /// their step numbers.
    pub log_every: usize,
    /// A handle another thread (a signal handler, a log that failed to write) raises to end
    /// the run at the end of the current optimizer step; see [`StopSignal`].
    pub stop: Option<StopSignal>,
    /// Whether [`crate::TrainReport::history`] keeps every epoch's record (`true`, the
    /// default) or only the last one: a caller that takes the records as they come (an
    /// observer, the epoch events) saves 144 bytes an epoch, 144 MB over a million epochs.
    pub keep_history: bool,
    /// Threads that run a step's forward and backward passes (at least 1; default: every core,
    /// [`available_threads`]). The results are the same bits for every count: a batch of 64
    /// samples or more is split into chunks that depend on its size only (at least 32 samples
    /// each, at most 8 chunks), each chunk's gradient is computed on its own, and the chunk
    /// gradients are summed in chunk order, weighted by their sizes. A batch of fewer than 64
    /// samples is one chunk, the whole batch at once.
    pub threads: usize,
}

/// The threads this machine can run at once (`std::thread::available_parallelism`), or 1 when
/// it cannot say: the default of [`TrainConfig::threads`].
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
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
            stop: None,
            keep_history: true,
            threads: available_threads(),
        }
    }
}

impl TrainConfig {
    /// Checks every setting without training: what [`crate::train_with`] checks first, for a
    /// program to call before it opens or reads any file.
    ///
    /// # Errors
    ///
    /// [`TrainError::Config`] naming the setting: a batch size or logging interval of 0, a
    /// learning rate that is not a positive number, a negative or non-finite L2 decay, a
    /// momentum outside [0, 1), Adam's β₁ or β₂ outside [0, 1) or a non-positive ε, a
    /// non-finite `min_delta`, a thread count of 0.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |message: String| Err(TrainError::Config(message));
        if self.batch_size == 0 {
            return bad("batch size must be at least 1".into());
        }
        if self.threads == 0 {
            return bad("thread count must be at least 1".into());
        }
        if self.log_every == 0 {
            return bad("gradient logging interval must be at least 1 step".into());
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(format!(
                "learning rate must be a positive number, not {}",
                self.learning_rate
            ));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return bad(format!("L2 decay must be zero or positive, not {}", self.l2));
        }
        if !self.min_delta.is_finite() {
            return bad(format!("min_delta must be a finite number, not {}", self.min_delta));
        }
        let unit = |value: f64| (0.0..1.0).contains(&value);
        match self.optimizer {
            Optimizer::Sgd => {}
            Optimizer::Momentum { momentum } | Optimizer::Nesterov { momentum } => {
                if !unit(momentum) {
                    return bad(format!("momentum must be in [0, 1), not {momentum}"));
                }
            }
            Optimizer::Adam { beta1, beta2, epsilon } => {
                if !unit(beta1) || !unit(beta2) {
                    return bad(format!("Adam's betas must be in [0, 1), not {beta1} and {beta2}"));
                }
                if !(epsilon.is_finite() && epsilon > 0.0) {
                    return bad(format!("Adam's epsilon must be a positive number, not {epsilon}"));
                }
            }
        }
        Ok(())
    }
}

/// Asks a running [`crate::train_with`] to stop at the end of its current optimizer step.
///
/// A cloneable handle around one `Arc<AtomicBool>`: give a clone to the trainer through
/// [`TrainConfig::stop`] and call [`StopSignal::stop`] from anywhere (another thread, a CSV log
/// layer whose write failed with [`crate::gradlog::CsvLayer::with_stop`], a signal handler
/// through [`StopSignal::flag`]). The trainer reads it once per step with one relaxed atomic
/// load, finishes the step, and returns a report whose [`crate::TrainReport::stop_reason`] is
/// [`crate::StopReason::Interrupted`]; under `patience` the best weights are restored, as at an
/// early stop. A raised signal stays raised: it stops every run it is given to.
///
/// ```
/// use mlp_train::StopSignal;
///
/// let stop = StopSignal::new();
/// let for_the_handler = stop.clone();
/// assert!(!stop.is_raised());
/// for_the_handler.stop();
/// assert!(stop.is_raised());
/// ```
#[derive(Clone, Default)]
pub struct StopSignal {
    raised: Arc<AtomicBool>,
}

impl StopSignal {
    /// A signal not raised.
    pub fn new() -> StopSignal {
        StopSignal::default()
    }

    /// Raises the signal: the runs it was given to stop at the end of their current step.
    pub fn stop(&self) {
        self.raised.store(true, Ordering::Relaxed);
    }

    /// Whether [`StopSignal::stop`] has been called (or the flag set).
    #[inline]
    pub fn is_raised(&self) -> bool {
        self.raised.load(Ordering::Relaxed)
    }

    /// The flag itself, for code that sets an `AtomicBool` (such as
    /// `signal_hook::flag::register`): setting it to `true` raises the signal.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.raised)
    }
}

impl fmt::Debug for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopSignal").field("raised", &self.is_raised()).finish()
    }
}

/// Two handles are equal when they share one flag.
impl PartialEq for StopSignal {
    fn eq(&self, other: &StopSignal) -> bool {
        Arc::ptr_eq(&self.raised, &other.raised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_raises_the_same_signal_and_the_flag_is_shared() {
        let stop = StopSignal::new();
        let clone = stop.clone();
        assert_eq!(stop, clone);
        assert_ne!(stop, StopSignal::new());
        assert!(!clone.is_raised());
        clone.stop();
        assert!(stop.is_raised());

        let other = StopSignal::new();
        other.flag().store(true, Ordering::SeqCst);
        assert!(other.is_raised());
    }

    #[test]
    fn validate_names_each_bad_setting() {
        let ok = TrainConfig::default();
        assert_eq!(ok.validate(), Ok(()));
        let cases = [
            (TrainConfig { batch_size: 0, ..ok.clone() }, "batch size"),
            (TrainConfig { log_every: 0, ..ok.clone() }, "logging interval"),
            (TrainConfig { threads: 0, ..ok.clone() }, "thread count"),
            (TrainConfig { learning_rate: -1.0, ..ok.clone() }, "learning rate"),
            (TrainConfig { learning_rate: 0.0, ..ok.clone() }, "learning rate"),
            (TrainConfig { learning_rate: f64::NAN, ..ok.clone() }, "learning rate"),
            (TrainConfig { l2: -1.0, ..ok.clone() }, "L2"),
            (TrainConfig { l2: f64::INFINITY, ..ok.clone() }, "L2"),
            (TrainConfig { min_delta: f64::NAN, ..ok.clone() }, "min_delta"),
            (
                TrainConfig { optimizer: Optimizer::Momentum { momentum: 1.0 }, ..ok.clone() },
                "momentum",
            ),
            (
                TrainConfig { optimizer: Optimizer::Nesterov { momentum: -0.5 }, ..ok.clone() },
                "momentum",
            ),
            (
                TrainConfig { optimizer: Optimizer::Momentum { momentum: f64::NAN }, ..ok.clone() },
                "momentum",
            ),
            (
                TrainConfig {
                    optimizer: Optimizer::Adam { beta1: 0.9, beta2: 1.0, epsilon: 1e-8 },
                    ..ok.clone()
                },
                "betas",
            ),
            (
                TrainConfig {
                    optimizer: Optimizer::Adam { beta1: 0.9, beta2: 0.999, epsilon: 0.0 },
                    ..ok.clone()
                },
                "epsilon",
            ),
        ];
        for (config, needle) in cases {
            let error = config.validate().unwrap_err().to_string();
            assert!(error.contains(needle), "{error:?} should name {needle}");
        }
        let momentum = TrainConfig { optimizer: Optimizer::Momentum { momentum: 0.0 }, ..ok };
        assert_eq!(momentum.validate(), Ok(()));
    }
}
