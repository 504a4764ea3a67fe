//! What a training run does: the configuration struct and its parts.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::health::HealthThresholds;
pub use crate::schedule::Schedule;
use crate::{Optimizer, TrainError};

pub use mlp_data::MetricsKind;

/// The two kinds of parameters of a dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamKind {
    /// The weights W (one per input and neuron).
    Weights,
    /// The biases b (one per neuron).
    Biases,
}

impl ParamKind {
    /// `weights` or `biases`, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ParamKind::Weights => "weights",
            ParamKind::Biases => "biases",
        }
    }
}

/// One entry of a [`Freeze`]: a kind of parameter in one 0-based layer, or in every layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frozen {
    /// The 0-based weight layer (as in [`mlp_core::Network::layers`]); `None` for every layer.
    pub layer: Option<usize>,
    /// Which of its parameters.
    pub kind: ParamKind,
}

/// The parameters a run keeps fixed: w ← w for them at every step, whatever the optimizer,
/// the L2 decay or the momentum (their velocities and moments stay 0). Their gradients are
/// still computed, and logged with `weight_new` equal to `weight`.
///
/// A set of [`Frozen`] entries, empty by default; in JSON a list of
/// `{"layer": 0, "kind": "biases"}` (`"layer": null` for every layer).
///
/// ```
/// use mlp_train::{Freeze, ParamKind};
///
/// // Matt Mazur's frozen-bias example: every bias fixed.
/// let freeze = Freeze::all(ParamKind::Biases);
/// assert!(freeze.is_frozen(1, ParamKind::Biases));
/// assert!(!freeze.is_frozen(1, ParamKind::Weights));
///
/// let first_layer = Freeze::none().with(Some(0), ParamKind::Weights);
/// assert!(first_layer.is_frozen(0, ParamKind::Weights));
/// assert!(!first_layer.is_frozen(1, ParamKind::Weights));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Freeze {
    entries: BTreeSet<Frozen>,
}

impl Freeze {
    /// Nothing frozen: every parameter trains.
    pub fn none() -> Freeze {
        Freeze::default()
    }

    /// `kind` frozen in every layer.
    pub fn all(kind: ParamKind) -> Freeze {
        Freeze::none().with(None, kind)
    }

    /// This set and `kind` in 0-based `layer` (`None`: in every layer).
    #[must_use = "with returns the extended set"]
    pub fn with(mut self, layer: Option<usize>, kind: ParamKind) -> Freeze {
        self.entries.insert(Frozen { layer, kind });
        self
    }

    /// Whether `kind` of 0-based `layer` stays fixed.
    pub fn is_frozen(&self, layer: usize, kind: ParamKind) -> bool {
        self.entries
            .iter()
            .any(|entry| entry.kind == kind && entry.layer.is_none_or(|l| l == layer))
    }

    /// Whether nothing is frozen.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, sorted.
    pub fn entries(&self) -> impl Iterator<Item = Frozen> + '_ {
        self.entries.iter().copied()
    }

    /// The largest 0-based layer an entry names, if any: a network needs more layers than that.
    pub fn max_layer(&self) -> Option<usize> {
        self.entries.iter().filter_map(|entry| entry.layer).max()
    }
}

/// A setting of [`TrainConfig`] out of range: what [`TrainConfig::validate`] rejects, each
/// variant naming its setting ([`ConfigError::setting`]) and the value given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// [`TrainConfig::batch_size`] is 0.
    #[error("batch size must be at least 1")]
    BatchSize,
    /// [`TrainConfig::threads`] is 0.
    #[error("thread count must be at least 1")]
    Threads,
    /// [`TrainConfig::log_every`] is 0.
    #[error("gradient logging interval must be at least 1 step")]
    LogEvery,
    /// [`TrainConfig::learning_rate`] is not a positive number.
    #[error("learning rate must be a positive number, not {0}")]
    LearningRate(f64),
    /// [`TrainConfig::l2`] is negative or not finite.
    #[error("L2 decay must be zero or positive, not {0}")]
    L2(f64),
    /// [`TrainConfig::min_delta`] is not finite.
    #[error("min_delta must be a finite number, not {0}")]
    MinDelta(f64),
    /// The momentum μ of [`Optimizer::Momentum`] or [`Optimizer::Nesterov`] is outside [0, 1).
    #[error("momentum must be in [0, 1), not {0}")]
    Momentum(f64),
    /// Adam's β₁ or β₂ is outside [0, 1).
    #[error("Adam's betas must be in [0, 1), not {beta1} and {beta2}")]
    AdamBetas {
        /// β₁.
        beta1: f64,
        /// β₂.
        beta2: f64,
    },
    /// Adam's ε is not a positive number.
    #[error("Adam's epsilon must be a positive number, not {0}")]
    AdamEpsilon(f64),
    /// AdamW's decoupled weight decay is negative or not finite.
    #[error("AdamW's weight decay must be zero or positive, not {0}")]
    WeightDecay(f64),
    /// RMSprop's α is outside [0, 1).
    #[error("RMSprop's alpha must be in [0, 1), not {0}")]
    RmsPropAlpha(f64),
    /// RMSprop's ε is not a positive number.
    #[error("RMSprop's epsilon must be a positive number, not {0}")]
    RmsPropEpsilon(f64),
    /// [`Schedule::Step`] with `every` 0, or [`Schedule::Cosine`] with `t_max` 0.
    #[error("schedule interval (step's EVERY, cosine's T_MAX) must be at least 1 epoch")]
    ScheduleEvery,
    /// A [`Schedule`] factor or gamma outside (0, 1].
    #[error("schedule factor must be in (0, 1], not {0}")]
    ScheduleFactor(f64),
    /// [`TrainConfig::freeze`] names a layer the network does not have (checked by
    /// [`crate::train_with`], which knows the network).
    #[error("cannot freeze layer {layer} (0-based): the network has {n_layers} weight layers")]
    FreezeLayer {
        /// The 0-based layer named.
        layer: usize,
        /// The network's weight layers.
        n_layers: usize,
    },
    /// A threshold of [`TrainConfig::health`] out of its range
    /// ([`crate::health::HealthThresholds::validate`]).
    #[error("health threshold {name} must be {range}, not {value}")]
    HealthThreshold {
        /// The field of [`crate::health::HealthThresholds`]: `vanishing_ratio`, ….
        name: &'static str,
        /// Its range, as words: `in (0, 1]`.
        range: &'static str,
        /// The value given.
        value: f64,
    },
}

impl ConfigError {
    /// The [`TrainConfig`] field at fault: `batch_size`, `threads`, `log_every`,
    /// `learning_rate`, `l2`, `min_delta`, `optimizer` (momentum, β, ε, AdamW's weight decay,
    /// RMSprop's α), `schedule`, `freeze` or `health`.
    pub fn setting(&self) -> &'static str {
        match self {
            ConfigError::BatchSize => "batch_size",
            ConfigError::Threads => "threads",
            ConfigError::LogEvery => "log_every",
            ConfigError::LearningRate(_) => "learning_rate",
            ConfigError::L2(_) => "l2",
            ConfigError::MinDelta(_) => "min_delta",
            ConfigError::Momentum(_)
            | ConfigError::AdamBetas { .. }
            | ConfigError::AdamEpsilon(_)
            | ConfigError::WeightDecay(_)
            | ConfigError::RmsPropAlpha(_)
            | ConfigError::RmsPropEpsilon(_) => "optimizer",
            ConfigError::ScheduleEvery | ConfigError::ScheduleFactor(_) => "schedule",
            ConfigError::FreezeLayer { .. } => "freeze",
            ConfigError::HealthThreshold { .. } => "health",
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
    /// Epochs of linear warm-up: the rate grows from η/W in epoch 1 to the full rate in epoch
    /// W (0 or 1: none); see [`crate::LearningRates`].
    pub warmup: usize,
    /// L2 weight decay λ: the optimizer sees ∂E/∂w + λ w for weights (biases are not decayed,
    /// as in scikit-learn and Keras, unless [`TrainConfig::decay_biases`]).
    pub l2: f64,
    /// Whether the L2 decay (and the decoupled decay of the optimizers that have one) applies
    /// to biases too, as PyTorch's `weight_decay` does for every parameter of its group
    /// (default false: weights only, as scikit-learn and Keras).
    pub decay_biases: bool,
    /// Seed of the shuffling generator (ChaCha8): same seed, same run, bit for bit.
    pub seed: u64,
    /// Whether to shuffle the samples at the start of every epoch: the order is a fresh
    /// permutation of the samples each epoch (as PyTorch's `RandomSampler`), drawn from the
    /// seeded generator; `false` takes batches in file order. Either way the samples of a batch
    /// are summed in ascending sample order, so a full-batch run is the same bits for every
    /// seed.
    pub shuffle: bool,
    /// Stop when the validation loss (the training loss without validation data) has not
    /// improved by `min_delta` for this many epochs, and restore the best weights.
    pub patience: Option<usize>,
    /// The improvement that counts for `patience`.
    pub min_delta: f64,
    /// Which metrics to report; `None`: those of the network's task,
    /// [`crate::data::Task::of_network`] (cross-entropy: classification; otherwise regression).
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
    /// Parameters kept fixed (none by default); see [`Freeze`].
    pub freeze: Freeze,
    /// Threads that run a step's forward and backward passes (at least 1; default: every core,
    /// [`available_threads`]). The results are the same bits for every count: a batch of 64
    /// samples or more is split into chunks that depend on its size only (at least 32 samples
    /// each, at most 8 chunks), each chunk's gradient is computed on its own, and the chunk
    /// gradients are summed in chunk order, weighted by their sizes. A batch of fewer than 64
    /// samples is one chunk, the whole batch at once.
    pub threads: usize,
    /// The gradient and unit health checks, once per epoch (vanishing and exploding gradients,
    /// saturated and dead units; [`crate::health`]), whose findings go to
    /// [`crate::TrainReport::health`]; `None` turns them off. Default: on, with
    /// [`HealthThresholds::default`].
    pub health: Option<HealthThresholds>,
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
            warmup: 0,
            l2: 0.0001,
            decay_biases: false,
            seed: 42,
            shuffle: true,
            patience: None,
            min_delta: 0.0,
            metrics: None,
            log_every: 1,
            stop: None,
            keep_history: true,
            freeze: Freeze::none(),
            threads: available_threads(),
            health: Some(HealthThresholds::default()),
        }
    }
}

impl TrainConfig {
    /// Checks every setting without training: what [`crate::train_with`] checks first, for a
    /// program to call before it opens or reads any file.
    ///
    /// # Errors
    ///
    /// [`TrainError::Config`] with the [`ConfigError`] naming the setting: a batch size or
    /// logging interval of 0, a learning rate that is not a positive number, a negative or
    /// non-finite L2 decay, a momentum outside [0, 1), Adam's or AdamW's β₁ or β₂ outside
    /// [0, 1) or a non-positive ε, AdamW's negative or non-finite weight decay, RMSprop's α
    /// outside [0, 1) or a non-positive ε, a non-finite `min_delta`, a thread count of 0, a
    /// schedule stepping every 0 epochs (a cosine over 0 epochs) or with a factor outside
    /// (0, 1], a health threshold out of its range. (A frozen layer the network lacks is found by
    /// [`crate::train_with`].)
    pub fn validate(&self) -> Result<(), TrainError> {
        self.check().map_err(TrainError::Config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.batch_size == 0 {
            return Err(ConfigError::BatchSize);
        }
        if self.threads == 0 {
            return Err(ConfigError::Threads);
        }
        if self.log_every == 0 {
            return Err(ConfigError::LogEvery);
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(ConfigError::LearningRate(self.learning_rate));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(ConfigError::L2(self.l2));
        }
        if !self.min_delta.is_finite() {
            return Err(ConfigError::MinDelta(self.min_delta));
        }
        let unit = |value: f64| (0.0..1.0).contains(&value);
        match self.optimizer {
            Optimizer::Sgd => {}
            Optimizer::Momentum { momentum } | Optimizer::Nesterov { momentum } => {
                if !unit(momentum) {
                    return Err(ConfigError::Momentum(momentum));
                }
            }
            Optimizer::Adam { beta1, beta2, epsilon }
            | Optimizer::AdamW { beta1, beta2, epsilon, .. } => {
                if !unit(beta1) || !unit(beta2) {
                    return Err(ConfigError::AdamBetas { beta1, beta2 });
                }
                if !(epsilon.is_finite() && epsilon > 0.0) {
                    return Err(ConfigError::AdamEpsilon(epsilon));
                }
                if let Optimizer::AdamW { weight_decay, .. } = self.optimizer {
                    if !(weight_decay.is_finite() && weight_decay >= 0.0) {
                        return Err(ConfigError::WeightDecay(weight_decay));
                    }
                }
            }
            Optimizer::RmsProp { alpha, epsilon } => {
                if !unit(alpha) {
                    return Err(ConfigError::RmsPropAlpha(alpha));
                }
                if !(epsilon.is_finite() && epsilon > 0.0) {
                    return Err(ConfigError::RmsPropEpsilon(epsilon));
                }
            }
        }
        let factor = match self.schedule {
            Schedule::Constant => 1.0,
            Schedule::Step { every: 0, .. } | Schedule::Cosine { t_max: 0 } => {
                return Err(ConfigError::ScheduleEvery)
            }
            Schedule::Cosine { .. } => 1.0,
            Schedule::Step { factor, .. } => factor,
            Schedule::Exponential { gamma } => gamma,
            Schedule::Plateau { factor, .. } => factor,
        };
        if !(factor > 0.0 && factor <= 1.0) {
            return Err(ConfigError::ScheduleFactor(factor));
        }
        if let Some(health) = &self.health {
            health.validate()?;
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

    /// The rate of each 1-based epoch against PyTorch's schedulers with base rate 0.1, read
    /// during the epoch (before `scheduler.step()` at its end): tests/reference/training.py,
    /// "schedules". Epoch 1 runs at the base rate under both.
    #[test]
    fn schedules_match_torchs_step_and_exponential_rates_per_epoch() {
        let step_lr: [f64; 10] = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125];
        let exponential_lr: [f64; 10] = [
            0.1,
            0.09000000000000001,
            0.08100000000000002,
            0.07290000000000002,
            0.06561000000000002,
            0.05904900000000002,
            0.05314410000000002,
            0.04782969000000002,
            0.043046721000000024,
            0.03874204890000002,
        ];
        let cases = [
            (Schedule::Step { every: 3, factor: 0.5 }, step_lr),
            (Schedule::Exponential { gamma: 0.9 }, exponential_lr),
            (Schedule::Constant, [0.1; 10]),
        ];
        for (schedule, expected) in cases {
            for (epoch, expected) in (1..=10).zip(expected) {
                let found = schedule.learning_rate(0.1, epoch);
                let scale = found.abs().max(expected.abs());
                assert!(
                    (found - expected).abs() <= 1e-15 * scale,
                    "{schedule:?} epoch {epoch}: {found:?} vs {expected:?}"
                );
            }
        }
    }

    #[test]
    fn a_freeze_holds_its_entries_and_reads_back_from_json() {
        let freeze = Freeze::all(ParamKind::Biases).with(Some(2), ParamKind::Weights);
        assert!(!freeze.is_empty() && Freeze::none().is_empty());
        for layer in 0..4 {
            assert!(freeze.is_frozen(layer, ParamKind::Biases));
            assert_eq!(freeze.is_frozen(layer, ParamKind::Weights), layer == 2, "{layer}");
        }
        assert_eq!(freeze.max_layer(), Some(2));
        assert_eq!(Freeze::all(ParamKind::Weights).max_layer(), None);
        let json = serde_json::to_string(&freeze).unwrap();
        assert_eq!(json, r#"[{"layer":null,"kind":"biases"},{"layer":2,"kind":"weights"}]"#);
        assert_eq!(serde_json::from_str::<Freeze>(&json).unwrap(), freeze);
        assert!(serde_json::from_str::<Freeze>(r#"[{"layer":0,"kind":"bias"}]"#).is_err());
    }

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
            (
                TrainConfig {
                    optimizer: Optimizer::RmsProp { alpha: 1.0, epsilon: 1e-8 },
                    ..ok.clone()
                },
                "alpha",
            ),
            (
                TrainConfig {
                    optimizer: Optimizer::RmsProp { alpha: -0.1, epsilon: 1e-8 },
                    ..ok.clone()
                },
                "alpha",
            ),
            (
                TrainConfig {
                    optimizer: Optimizer::RmsProp { alpha: 0.9, epsilon: 0.0 },
                    ..ok.clone()
                },
                "RMSprop's epsilon",
            ),
            (
                TrainConfig {
                    optimizer: Optimizer::AdamW {
                        beta1: 0.9,
                        beta2: 0.999,
                        epsilon: 1e-8,
                        weight_decay: -0.01,
                    },
                    ..ok.clone()
                },
                "weight decay",
            ),
            (
                TrainConfig {
                    optimizer: Optimizer::AdamW {
                        beta1: 0.9,
                        beta2: 0.999,
                        epsilon: 1e-8,
                        weight_decay: f64::INFINITY,
                    },
                    ..ok.clone()
                },
                "weight decay",
            ),
            (
                TrainConfig {
                    optimizer: Optimizer::AdamW {
                        beta1: 1.0,
                        beta2: 0.999,
                        epsilon: 1e-8,
                        weight_decay: 0.01,
                    },
                    ..ok.clone()
                },
                "betas",
            ),
        ];
        for (config, needle) in cases {
            let error = config.validate().unwrap_err().to_string();
            assert!(error.contains(needle), "{error:?} should name {needle}");
        }
        let schedules = [
            (Schedule::Step { every: 0, factor: 0.5 }, ConfigError::ScheduleEvery),
            (Schedule::Step { every: 2, factor: 0.0 }, ConfigError::ScheduleFactor(0.0)),
            (Schedule::Exponential { gamma: 1.5 }, ConfigError::ScheduleFactor(1.5)),
        ];
        for (schedule, expected) in schedules {
            let config = TrainConfig { schedule, ..ok.clone() };
            assert_eq!(config.validate(), Err(TrainError::Config(expected.clone())));
            assert_eq!(expected.setting(), "schedule");
        }
        let nan = Schedule::Exponential { gamma: f64::NAN };
        let error = TrainConfig { schedule: nan, ..ok.clone() }.validate().unwrap_err();
        assert!(matches!(error, TrainError::Config(ConfigError::ScheduleFactor(_))), "{error}");
        assert_eq!(
            TrainConfig { l2: -1.0, ..ok.clone() }.validate(),
            Err(TrainError::Config(ConfigError::L2(-1.0)))
        );
        assert_eq!(
            TrainConfig { batch_size: 0, ..ok.clone() }.validate().unwrap_err().to_string(),
            "invalid training setting: batch size must be at least 1"
        );
        let momentum =
            TrainConfig { optimizer: Optimizer::Momentum { momentum: 0.0 }, ..ok.clone() };
        assert_eq!(momentum.validate(), Ok(()));
        for optimizer in [Optimizer::ADAMW, Optimizer::RMSPROP] {
            assert_eq!(TrainConfig { optimizer, ..ok.clone() }.validate(), Ok(()));
        }
        let no_decay =
            Optimizer::AdamW { beta1: 0.0, beta2: 0.0, epsilon: 1e-8, weight_decay: 0.0 };
        assert_eq!(TrainConfig { optimizer: no_decay, ..ok }.validate(), Ok(()));
    }
}
