//! The training loop: epochs of shuffled mini-batches, optimizer steps, metrics, early stopping,
//! and the tracing spans and events of [`crate::events`].

use std::ops::ControlFlow;
use std::time::Instant;

use mlp_core::{Gradients, Network, Scalar, Tape};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::batch_step::BatchStep;
use crate::checkpoint::{self, Capture};
use crate::data::Task;
use crate::events::{self, EpochRecord};
use crate::health::{HealthFinding, HealthMonitor};
use crate::metrics::evaluate_fitting as evaluate;
use crate::metrics::MetricsAccumulator;
use crate::step_log::StepLog;
use crate::{ConfigError, Dataset, LearningRates, OptimizerState, StopSignal, TrainConfig};

/// Why training could not run or had to stop.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// The dataset's inputs or targets do not fit the network.
    #[error("{which} data has {found} {what} per sample but the network has {expected}")]
    Shape {
        /// `training` or `validation`.
        which: &'static str,
        /// `inputs` or `outputs`.
        what: &'static str,
        /// What the network has.
        expected: usize,
        /// What the data has.
        found: usize,
    },
    /// No training samples.
    #[error("the training data has no samples")]
    NoSamples,
    /// A setting out of range, named by the [`ConfigError`].
    #[error("invalid training setting: {0}")]
    Config(ConfigError),
    /// The loss, or the activations, gradients or weights of a layer, became NaN or
    /// infinite. The network holds the last weights that were all finite: those before the
    /// step that diverged.
    #[error(
        "training diverged at epoch {epoch}, step {step}{}: {} (try a smaller learning rate)",
        layer.map(|layer| format!(", in layer {layer}")).unwrap_or_default(),
        diverged_what(*quantity, *loss)
    )]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based step over the run.
        step: usize,
        /// The loss of the step (non-finite unless the weights were the first to overflow).
        loss: f64,
        /// The first 1-based weight layer whose activations, gradients or weights became
        /// non-finite; `None` when only the loss did.
        layer: Option<usize>,
        /// What became non-finite first.
        quantity: NonFinite,
    },
    /// A checkpoint's state cannot continue this run ([`train_from`]): other settings, data
    /// or shapes.
    #[error("cannot resume: {0}")]
    Resume(crate::checkpoint::ResumeError),
}

/// What became NaN or infinite when training diverged (see [`TrainError::Diverged`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NonFinite {
    /// The loss, with every layer's activations finite.
    Loss,
    /// A layer's activations (or pre-activations) in the forward pass.
    Activations,
    /// A layer's gradients in the backward pass.
    Gradients,
    /// A layer's weights after the optimizer step (the update overflowed).
    Weights,
}

fn diverged_what(quantity: NonFinite, loss: f64) -> String {
    match quantity {
        NonFinite::Loss => format!("the loss became {loss}"),
        NonFinite::Activations => format!("its activations became non-finite and the loss {loss}"),
        NonFinite::Gradients => format!("its gradients became non-finite at a loss of {loss}"),
        NonFinite::Weights => format!("the update made its weights non-finite at a loss of {loss}"),
    }
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// Every epoch asked for ran.
    Completed,
    /// `patience` epochs passed without improvement; the best weights were restored.
    EarlyStopping,
    /// A [`StopSignal`] was raised: the run ended at the end of an optimizer step, possibly
    /// inside an epoch (an epoch cut short has no record in the history). Under `patience`
    /// the best weights were restored.
    Interrupted,
    /// The caller's own stopping rule: the [`train_with`] callback or a [`TrainObserver`]
    /// returned `ControlFlow::Break`, after an epoch or (an observer's `on_step`) after a step,
    /// as for [`StopReason::Interrupted`]. Under `patience` the best weights were restored.
    Caller,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// One record per epoch run, as emitted on [`events::EPOCH_TARGET`]; only the last one's
    /// when [`TrainConfig::keep_history`] is false.
    pub history: Vec<EpochRecord>,
    /// The epoch whose weights the network holds at the end (the last, or the best with
    /// early stopping).
    pub best_epoch: usize,
    /// Whether a stopping rule ended the run before `epochs`: early stopping
    /// ([`StopReason::EarlyStopping`]) or the caller's own ([`StopReason::Caller`]); false when
    /// every epoch ran or a [`StopSignal`] interrupted the run.
    pub stopped_early: bool,
    /// Why the run ended.
    pub stop_reason: StopReason,
    /// Optimizer steps taken.
    pub steps: usize,
    /// The loss of the untrained network on the whole training data, the baseline of
    /// [`crate::warnings::training_warnings`].
    pub initial_loss: f64,
    /// The loss of the untrained network on the validation data, if any.
    pub initial_val_loss: Option<f64>,
    /// The loss of the final weights (those the network holds at the end: the best epoch's
    /// under `patience`) on the whole training data, computed once after the run: mean over
    /// samples, without the L2 term. This is the loss of the network returned.
    pub loss_after: f64,
    /// The last complete epoch's mean loss, [`EpochRecord::loss`] of the last record: the mean
    /// over that epoch's samples of each sample's loss, computed with the weights its batch's
    /// step started from (as Keras reports it, and as the history and the progress lines show
    /// it). `None` when no epoch completed.
    pub epoch_mean_loss: Option<f64>,
    /// Seconds spent training: the epochs' steps and their validation, on the clock of
    /// [`EpochRecord::seconds`] (started after the initial evaluation), to the end of the run.
    pub seconds: f64,
    /// What the health checks of [`TrainConfig::health`] found: vanishing or exploding
    /// gradients, saturated or dead units, once per layer and kind (empty when the checks are
    /// off).
    pub health: Vec<HealthFinding>,
}

/// The weights with the best monitored loss so far, for early stopping.
struct Best<T: Scalar> {
    loss: f64,
    epoch: usize,
    network: Network<T>,
}

/// Fails unless `dataset` has the network's input and output counts.
pub fn check_dataset<T: Scalar>(
    network: &Network<T>,
    dataset: &Dataset<T>,
    which: &'static str,
) -> Result<(), TrainError> {
    if dataset.n_inputs() != network.n_inputs() {
        return Err(TrainError::Shape {
            which,
            what: "inputs",
            expected: network.n_inputs(),
            found: dataset.n_inputs(),
        });
    }
    if dataset.n_outputs() != network.n_outputs() {
        return Err(TrainError::Shape {
            which,
            what: "outputs",
            expected: network.n_outputs(),
            found: dataset.n_outputs(),
        });
    }
    Ok(())
}

/// Trains `network` on `training` for `config.epochs` epochs (fewer with early stopping),
/// reporting validation metrics on `validation` if given. See [`train_with`].
pub fn train<T: Scalar>(
    network: &mut Network<T>,
    training: &Dataset<T>,
    validation: Option<&Dataset<T>>,
    config: &TrainConfig,
) -> Result<TrainReport, TrainError> {
    train_with(network, training, validation, config, |_| ControlFlow::Continue(()))
}

/// [`train`], calling `on_epoch` after every epoch with its record; returning
/// `ControlFlow::Break` stops the run there (a user's own stopping rule:
/// [`StopReason::Caller`], with [`TrainReport::stopped_early`] true).
///
/// Per epoch: shuffle (ChaCha8 seeded with `config.seed`, so a run is reproducible bit for
/// bit), then for each mini-batch: forward, backward, one optimizer step. The epoch's training
/// metrics are the means over its batches as they were met (before each batch's step), as
/// Keras reports them; validation metrics are computed after the epoch. After the run, the
/// final weights' loss on the training data is computed once more
/// ([`TrainReport::loss_after`], beside the last epoch's mean, [`TrainReport::epoch_mean_loss`]).
/// Every loss reported excludes the L2 term. The hot loop allocates nothing unless a subscriber listens for
/// gradient or layer events.
///
/// # Stopping
///
/// The run ends after `config.epochs` epochs, at an early stop (`config.patience`), when
/// `on_epoch` breaks, or at the end of the first optimizer step after `config.stop` is raised
/// ([`StopSignal`]); [`TrainReport::stop_reason`] says which. Parameters in `config.freeze`
/// keep their values throughout ([`crate::Freeze`]).
///
/// # Errors
///
/// [`TrainError::Config`] for a setting out of range (see [`TrainConfig::validate`]) or a
/// frozen layer the network does not have ([`ConfigError::FreezeLayer`]), [`TrainError::Shape`] and [`TrainError::NoSamples`] for data that does not fit, before any
/// step; [`TrainError::Diverged`] when the loss, or a layer's activations, gradients or weights,
/// become NaN or infinite: `network` then holds the weights before that step, the last finite
/// ones.
pub fn train_with<T: Scalar>(
    network: &mut Network<T>,
    training: &Dataset<T>,
    validation: Option<&Dataset<T>>,
    config: &TrainConfig,
    on_epoch: impl FnMut(&EpochRecord) -> ControlFlow<()>,
) -> Result<TrainReport, TrainError> {
    train_observed(network, training, validation, config, &mut EpochCallback(on_epoch))
}

/// What a caller of [`train_observed`] hears from a running loop. Both methods do nothing by
/// default; returning `ControlFlow::Break` ends the run where a raised [`StopSignal`] would,
/// with [`StopReason::Caller`].
pub trait TrainObserver {
    /// Called after every optimizer step that kept the loss and the weights finite, with the
    /// 1-based step number; `network` holds the weights after it. A program replaces its old
    /// logs here once step 1 has gone well, so that a run failing before that leaves them.
    fn on_step(&mut self, step: usize) -> ControlFlow<()> {
        let _ = step;
        ControlFlow::Continue(())
    }

    /// Called after every complete epoch with its record.
    fn on_epoch(&mut self, record: &EpochRecord) -> ControlFlow<()> {
        let _ = record;
        ControlFlow::Continue(())
    }

    /// Every how many complete epochs [`TrainObserver::on_checkpoint`] is called, read once
    /// at the start; `None` (the default): never, and the loop copies nothing.
    fn checkpoint_every(&self) -> Option<usize> {
        None
    }

    /// Called, when [`TrainObserver::checkpoint_every`] is `Some(n)`, after every n-th complete
    /// epoch (counted over the whole run, a resumed one included) that is not the run's last,
    /// and once at the end of a run that did not fail (every epoch run, an early stop, a
    /// [`StopSignal`] or the caller's stop, possibly inside an epoch), with the state a
    /// [`train_from`] continues from. Under `patience` the end state's network is the last
    /// weights, before the best ones are restored. `ControlFlow::Break` stops the run as
    /// [`TrainObserver::on_epoch`]'s does.
    fn on_checkpoint(&mut self, state: &crate::checkpoint::TrainState) -> ControlFlow<()> {
        let _ = state;
        ControlFlow::Continue(())
    }
}

/// The observer of [`train_with`]: a closure called per epoch.
struct EpochCallback<F>(F);

impl<F: FnMut(&EpochRecord) -> ControlFlow<()>> TrainObserver for EpochCallback<F> {
    fn on_epoch(&mut self, record: &EpochRecord) -> ControlFlow<()> {
        (self.0)(record)
    }
}

/// [`train_with`], telling `observer` of every step and epoch.
///
/// # Errors
///
/// As [`train_with`].
pub fn train_observed<T: Scalar>(
    network: &mut Network<T>,
    training: &Dataset<T>,
    validation: Option<&Dataset<T>>,
    config: &TrainConfig,
    observer: &mut impl TrainObserver,
) -> Result<TrainReport, TrainError> {
    train_from(network, training, validation, config, None, observer)
}

/// [`train_observed`], continuing from a checkpoint's `progress` when given: `network` holds
/// the checkpoint's weights ([`crate::checkpoint::TrainState::network`], cast to `T`), and the
/// run goes on from the epoch and step reached to `config.epochs` epochs in all, so that it
/// ends with the bits an uninterrupted run would have (weights, optimizer state, history
/// records but their `seconds`). The report's history holds the resumed epochs' records, its
/// `steps` count the whole run's, and its initial losses are the checkpoint's.
///
/// # Errors
///
/// As [`train_with`], and [`TrainError::Resume`] before any step when `progress` was made
/// with other settings ([`crate::checkpoint::TrainSettings`]), another precision or number of
/// samples, a network of another shape, or more epochs than `config.epochs`.
pub fn train_from<T: Scalar>(
    network: &mut Network<T>,
    training: &Dataset<T>,
    validation: Option<&Dataset<T>>,
    config: &TrainConfig,
    progress: Option<&crate::checkpoint::TrainProgress>,
    observer: &mut impl TrainObserver,
) -> Result<TrainReport, TrainError> {
    config.validate()?;
    let n_layers = network.layers().len();
    if let Some(layer) = config.freeze.max_layer().filter(|&layer| layer >= n_layers) {
        return Err(TrainError::Config(ConfigError::FreezeLayer { layer, n_layers }));
    }
    check_dataset(network, training, "training")?;
    if let Some(validation) = validation {
        check_dataset(network, validation, "validation")?;
    }
    if training.is_empty() {
        return Err(TrainError::NoSamples);
    }
    let metrics = config.metrics.unwrap_or_else(|| Task::of_network(network).metrics_kind());
    let _train = tracing::info_span!(
        target: events::SPAN_TARGET,
        "train",
        optimizer = config.optimizer.name(),
        learning_rate = config.learning_rate,
        batch_size = config.batch_size as u64,
        epochs = config.epochs as u64,
        l2 = config.l2,
        seed = config.seed,
        samples = training.len() as u64,
        parameters = network.n_parameters() as u64,
        { events::PRECISION_FIELD } = events::Precision::of::<T>().name(),
    )
    .entered();

    let optimizer = OptimizerState::with_freeze(config.optimizer, network, &config.freeze)
        .with_bias_decay(config.decay_biases);
    let mut resumed = progress
        .map(|progress| {
            checkpoint::resume(progress, network, optimizer.clone(), training.len(), config)
        })
        .transpose()
        .map_err(TrainError::Resume)?;
    // Before the clock starts: the epochs' `seconds` time training only.
    let (initial_loss, initial_val_loss) = match &resumed {
        Some(resumed) => (resumed.initial_loss, resumed.initial_val_loss),
        None => (
            evaluate(network, training, Some(metrics)).loss,
            validation.map(|validation| evaluate(network, validation, Some(metrics)).loss),
        ),
    };
    let mut clock = EpochClock::start();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut order: Vec<usize> = (0..training.len()).collect();
    let mut batch_step =
        BatchStep::new(network, config.batch_size.min(training.len()), config.threads);
    let mut gradients = network.zero_gradients();
    let mut optimizer = optimizer;
    let mut rates = LearningRates::new(config.learning_rate, config.schedule, config.warmup);
    // A shuffled batch's samples in ascending order: the sums of a batch do not depend on the
    // seed.
    let mut sorted_batch: Vec<usize> = Vec::with_capacity(config.batch_size.min(training.len()));
    let mut step_log = StepLog::new(network);
    let mut report = TrainReport {
        history: Vec::with_capacity(if config.keep_history {
            config.epochs.min(1 << 16)
        } else {
            1
        }),
        best_epoch: 0,
        stopped_early: false,
        stop_reason: StopReason::Completed,
        steps: 0,
        initial_loss,
        initial_val_loss,
        loss_after: f64::NAN,
        epoch_mean_loss: None,
        seconds: 0.0,
        health: Vec::new(),
    };
    let mut best: Option<Best<T>> = None;
    let mut accumulator = MetricsAccumulator::for_headline(metrics, network, training.len());
    let mut last_finite = LastFinite::new(network);
    let stop = config.stop.as_ref();
    let n_batches = training.len().div_ceil(config.batch_size);
    let mut health = config
        .health
        .map(|thresholds| HealthMonitor::new(network, thresholds).with_steps_per_epoch(n_batches));
    let mut steps_to_log = 0;
    let checkpoint_every = observer.checkpoint_every().map(|every| every.max(1));
    let mut first_epoch = 1;
    // Batches of the first epoch a checkpoint had stepped already.
    let mut skip = 0;
    if let Some(resumed) = resumed.take() {
        optimizer = resumed.optimizer;
        rates = rates.with_plateau_state(resumed.plateau);
        rng = resumed.rng;
        first_epoch = resumed.epoch;
        skip = resumed.skip;
        if let Some(sums) = &resumed.sums {
            if !accumulator.restore(sums) {
                let what = "epoch sums";
                return Err(TrainError::Resume(checkpoint::ResumeError::Shape { what }));
            }
        }
        best = resumed.best.map(|(loss, epoch, network)| Best { loss, epoch, network });
        report.steps = resumed.steps;
        report.best_epoch = resumed.epoch - 1;
        // The countdown to the next logged step (1, 1 + n, 1 + 2n, …).
        if resumed.steps > 0 {
            steps_to_log = config.log_every - 1 - (resumed.steps - 1) % config.log_every;
        }
    }
    // A checkpoint of a run that early stopping ended: it stays ended, as the whole run did.
    let mut last_epoch = config.epochs;
    if let (Some(patience), Some(kept), 0) = (config.patience, &best, skip) {
        if first_epoch - 1 - kept.epoch >= patience {
            report.stop_reason = StopReason::EarlyStopping;
            last_epoch = first_epoch - 1;
        }
    }
    // Where the generator stood at the start of the epoch in progress, and how far it got.
    let mut epoch_start_pos = rng.get_word_pos();
    let (mut epochs_done, mut batches_done) = (first_epoch - 1, skip);

    for epoch in first_epoch..=last_epoch {
        let _epoch = events::epoch_span(epoch).entered();
        let learning_rate = rates.rate(epoch);
        if checkpoint_every.is_some() {
            epoch_start_pos = rng.get_word_pos();
        }
        if config.shuffle {
            // A fresh permutation each epoch, as PyTorch's RandomSampler draws: the generator's
            // state alone says what the next epoch's order is.
            for (position, sample) in order.iter_mut().enumerate() {
                *sample = position;
            }
            order.shuffle(&mut rng);
        }
        if epoch != first_epoch || skip == 0 {
            accumulator.clear();
        }
        let skipped = if epoch == first_epoch { skip } else { 0 };
        let mut interrupted = false;
        for (batch_idx, batch) in order.chunks(config.batch_size).enumerate().skip(skipped) {
            let batch: &[usize] = if config.shuffle && batch.len() > 1 {
                sorted_batch.clear();
                sorted_batch.extend_from_slice(batch);
                sorted_batch.sort_unstable();
                &sorted_batch
            } else {
                batch
            };
            report.steps += 1;
            let step = report.steps;
            let _step = events::step_span(step).entered();
            let (inputs, targets) = (training.inputs(), training.targets());
            let loss = batch_step.run(network, inputs, targets, batch, &mut gradients);
            if !loss.is_finite() {
                let (layer, quantity) = first_non_finite(batch_step.tapes(), &gradients);
                let loss = loss.to_f64_value();
                return Err(TrainError::Diverged { epoch, step, loss, layer, quantity });
            }
            for (tape, chunk_loss) in batch_step.losses() {
                accumulator.add(tape.outputs(), tape.targets(), chunk_loss);
            }
            // Steps 1, 1 + n, 1 + 2n, … for `log_every` n, counted down (no division a step).
            let due = steps_to_log == 0;
            steps_to_log = if due { config.log_every - 1 } else { steps_to_log - 1 };
            let logging = due && step_log.wanted();
            if logging {
                step_log.remember(network);
            }
            // The weights before the step are kept and the new ones checked in the update's
            // own pass over them.
            let lr = learning_rate;
            let non_finite =
                optimizer.step_checked(network, &gradients, lr, config.l2, &mut last_finite.blocks);
            if logging {
                let tapes = batch_step.tapes();
                step_log.emit(network, tapes, &gradients, training.sample_numbers(), batch);
            }
            if let Some(layer) = non_finite {
                // Gradients that overflowed name their layer; else the update overflowed.
                let (layer, quantity) = match first_non_finite(batch_step.tapes(), &gradients) {
                    (Some(layer), quantity) => (Some(layer), quantity),
                    (None, _) => (Some(layer), NonFinite::Weights),
                };
                last_finite.restore(network);
                let loss = loss.to_f64_value();
                return Err(TrainError::Diverged { epoch, step, loss, layer, quantity });
            }
            let caller = observer.on_step(step).is_break();
            if caller || stop.is_some_and(StopSignal::is_raised) {
                report.stop_reason =
                    if caller { StopReason::Caller } else { StopReason::Interrupted };
                // At the epoch's last step the epoch is whole: it gets its record.
                if batch_idx + 1 < n_batches {
                    interrupted = true;
                    batches_done = batch_idx + 1;
                    break;
                }
            }
        }
        if interrupted {
            break;
        }
        if let Some(health) = &mut health {
            health.check(epoch, batch_step.tapes(), &gradients);
        }
        let train_metrics = accumulator.headline();
        let val_metrics = validation.map(|validation| evaluate(network, validation, Some(metrics)));
        let record = EpochRecord {
            epoch,
            loss: train_metrics.loss,
            val_loss: val_metrics.as_ref().map(|m| m.loss),
            accuracy: train_metrics.accuracy,
            val_accuracy: val_metrics.as_ref().and_then(|m| m.accuracy),
            mse: train_metrics.mse,
            val_mse: val_metrics.as_ref().and_then(|m| m.mse),
            r2: train_metrics.r2,
            val_r2: val_metrics.as_ref().and_then(|m| m.r2),
            learning_rate,
            seconds: clock.seconds(epoch == config.epochs),
        };
        events::emit_epoch(&record);
        if !config.keep_history {
            report.history.clear();
        }
        report.history.push(record);
        report.best_epoch = epoch;
        (epochs_done, batches_done) = (epoch, 0);
        rates.end_epoch(record.val_loss.unwrap_or(record.loss));
        let flow = observer.on_epoch(&record);

        if let Some(patience) = config.patience {
            let monitored = record.val_loss.unwrap_or(record.loss);
            let improved =
                best.as_ref().is_none_or(|kept| monitored < kept.loss - config.min_delta);
            if improved {
                best = Some(Best { loss: monitored, epoch, network: network.clone() });
            } else if best.as_ref().is_some_and(|kept| epoch - kept.epoch >= patience) {
                report.stopped_early = true;
                report.stop_reason = StopReason::EarlyStopping;
                break;
            }
        }
        if flow.is_break() {
            report.stop_reason = StopReason::Caller;
        }
        if matches!(report.stop_reason, StopReason::Interrupted | StopReason::Caller) {
            break;
        }
        if checkpoint_every.is_some_and(|every| epoch % every == 0) && epoch < config.epochs {
            let state = checkpoint::capture(Capture {
                network,
                optimizer: &optimizer,
                plateau: rates.plateau_state(),
                rng: &rng,
                word_pos: rng.get_word_pos(),
                epochs_done,
                steps: report.steps,
                batches_done: 0,
                sums: None,
                best: best.as_ref().map(|best| (best.loss, best.epoch, &best.network)),
                initial_loss,
                initial_val_loss,
                samples: training.len(),
                config,
            });
            if observer.on_checkpoint(&state).is_break() {
                report.stop_reason = StopReason::Caller;
                break;
            }
        }
    }
    if checkpoint_every.is_some() {
        let state = checkpoint::capture(Capture {
            network,
            optimizer: &optimizer,
            plateau: rates.plateau_state(),
            rng: &rng,
            word_pos: if batches_done > 0 { epoch_start_pos } else { rng.get_word_pos() },
            epochs_done,
            steps: report.steps,
            batches_done,
            sums: (batches_done > 0).then(|| accumulator.sums()),
            best: best.as_ref().map(|best| (best.loss, best.epoch, &best.network)),
            initial_loss,
            initial_val_loss,
            samples: training.len(),
            config,
        });
        if observer.on_checkpoint(&state).is_break() && report.stop_reason == StopReason::Completed
        {
            report.stop_reason = StopReason::Caller;
        }
    }
    report.seconds = clock.started.elapsed().as_secs_f64();
    report.health = health.map(|health| health.findings()).unwrap_or_default();
    if let Some(kept) = best {
        report.best_epoch = kept.epoch;
        *network = kept.network;
    }
    report.stopped_early =
        matches!(report.stop_reason, StopReason::EarlyStopping | StopReason::Caller);
    report.epoch_mean_loss = report.history.last().map(|record| record.loss);
    report.loss_after = evaluate(network, training, Some(metrics)).loss;
    Ok(report)
}

/// The training clock behind each epoch's `seconds`, read once per epoch while epochs take
/// [`EpochClock::INTERVAL`] or more, and otherwise every few epochs, so that it stays a small
/// share of an epoch of a tiny network (a reading costs 20–50 ns, such an epoch 100 ns).
struct EpochClock {
    started: Instant,
    /// The last reading, in seconds since `started`.
    last: f64,
    /// Epochs since the last reading.
    epochs_since: u32,
    /// Epochs from one reading to the next.
    stride: u32,
}

impl EpochClock {
    /// At most this long between readings: the most an epoch's `seconds` lags behind the clock.
    const INTERVAL: f64 = 1e-4;
    /// The most epochs between readings.
    const MAX_STRIDE: u32 = 1 << 12;

    fn start() -> Self {
        EpochClock { started: Instant::now(), last: 0.0, epochs_since: 0, stride: 1 }
    }

    /// Seconds since the start for the epoch that just ended: a fresh reading when one is due
    /// or `exact` is asked for, the last reading otherwise (at most `INTERVAL` old).
    #[inline]
    fn seconds(&mut self, exact: bool) -> f64 {
        self.epochs_since += 1;
        if exact || self.epochs_since >= self.stride {
            let now = self.started.elapsed().as_secs_f64();
            let per_epoch = (now - self.last) / f64::from(self.epochs_since);
            // Epochs that fit in the interval, at the pace just measured.
            let fit = if per_epoch > 0.0 { Self::INTERVAL / per_epoch } else { 1.0 };
            self.stride = fit.clamp(1.0, f64::from(Self::MAX_STRIDE)) as u32;
            self.last = now;
            self.epochs_since = 0;
        }
        self.last
    }
}

/// The first weight layer (1-based) whose activations in any of the batch's chunk `tapes`, then
/// the first whose gradients, hold a NaN or an infinity; `(None, NonFinite::Loss)` when none do.
fn first_non_finite<'a, T: Scalar>(
    tapes: impl Iterator<Item = &'a Tape<T>> + Clone,
    gradients: &Gradients<T>,
) -> (Option<usize>, NonFinite) {
    for layer in 0..gradients.n_layers() {
        let finite = |values: &nalgebra::DMatrixView<'_, T>| values.iter().all(|v| v.is_finite());
        for tape in tapes.clone() {
            let factors = tape.factors(layer);
            if !finite(&factors.z) || !finite(&factors.a) {
                return (Some(layer + 1), NonFinite::Activations);
            }
        }
    }
    for layer in 0..gradients.n_layers() {
        if !gradients.layer_blocks(layer).all(|block| block.iter().all(|g| g.is_finite())) {
            return (Some(layer + 1), NonFinite::Gradients);
        }
    }
    (None, NonFinite::Loss)
}

/// The parameters before the current step, to put back if the step makes any of them
/// non-finite: copied by [`OptimizerState::step_checked`] as it updates them, in the blocks of
/// [`Network::parameter_blocks`].
struct LastFinite<T: Scalar> {
    blocks: Vec<Vec<T>>,
}

impl<T: Scalar> LastFinite<T> {
    fn new(network: &Network<T>) -> Self {
        LastFinite { blocks: network.parameter_blocks().map(<[T]>::to_vec).collect() }
    }

    fn restore(&self, network: &mut Network<T>) {
        for (block, kept) in network.parameter_blocks_mut().zip(&self.blocks) {
            block.copy_from_slice(kept);
        }
    }
}

#[cfg(test)]
mod tests {
    use mlp_core::{Activation, Architecture, Loss};
    use nalgebra::DMatrix;

    use super::*;
    use crate::Optimizer;

    /// XOR as a 2-8-1 regression, four samples, batches of one: four steps an epoch.
    fn xor() -> (Network<f64>, Dataset<f64>) {
        let architecture = Architecture {
            sizes: vec![2, 8, 1],
            hidden_activation: Activation::Tanh,
            output_activation: Activation::Identity,
            bias: true,
            loss: Loss::MeanSquared,
        };
        let network = Network::initialized(&architecture, None, 3).unwrap();
        let inputs = DMatrix::from_row_slice(2, 4, &[0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
        let targets = DMatrix::from_row_slice(1, 4, &[0.0, 1.0, 1.0, 0.0]);
        (network, Dataset::numbered(inputs, targets).unwrap())
    }

    fn config() -> TrainConfig {
        TrainConfig {
            epochs: 50,
            batch_size: 1,
            optimizer: Optimizer::Sgd,
            learning_rate: 0.1,
            ..TrainConfig::default()
        }
    }

    /// Stops at step `at`, counting the steps it hears of.
    struct StopAt {
        at: usize,
        steps: usize,
    }

    impl TrainObserver for StopAt {
        fn on_step(&mut self, step: usize) -> ControlFlow<()> {
            self.steps += 1;
            assert_eq!(step, self.steps);
            if step == self.at {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }

    #[test]
    fn a_raised_stop_signal_ends_the_run_after_the_current_step() {
        let (mut network, data) = xor();
        let stop = StopSignal::new();
        stop.stop();
        let config = TrainConfig { stop: Some(stop), ..config() };
        let report = train(&mut network, &data, None, &config).unwrap();
        assert_eq!(report.steps, 1);
        assert_eq!(report.stop_reason, StopReason::Interrupted);
        assert!(!report.stopped_early);
        assert!(report.history.is_empty(), "an epoch cut short has no record");

        let (mut whole, _) = xor();
        let report = train(&mut whole, &data, None, &TrainConfig { stop: None, ..config }).unwrap();
        assert_eq!(report.stop_reason, StopReason::Completed);
        assert_eq!(report.steps, 200);
    }

    #[test]
    fn an_observer_stops_at_the_step_it_asks_for_and_a_whole_epoch_keeps_its_record() {
        let (mut network, data) = xor();
        let mut observer = StopAt { at: 6, steps: 0 };
        let report = train_observed(&mut network, &data, None, &config(), &mut observer).unwrap();
        assert_eq!((report.steps, report.history.len()), (6, 1));
        assert_eq!(report.stop_reason, StopReason::Caller);
        assert!(report.stopped_early);

        let (mut network, data) = xor();
        let mut observer = StopAt { at: 8, steps: 0 };
        let report = train_observed(&mut network, &data, None, &config(), &mut observer).unwrap();
        assert_eq!((report.steps, report.history.len()), (8, 2), "step 8 ends epoch 2");

        let (mut network, data) = xor();
        let report = train(&mut network, &data, None, &config()).unwrap();
        assert_eq!(report.stop_reason, StopReason::Completed);
        assert!(!report.stopped_early);
        assert_eq!(report.history.len(), 50);
    }

    /// The `train_with` callback's own stopping rule ends the run after the epoch it breaks
    /// at, and the report says the caller stopped it early.
    #[test]
    fn a_callback_that_breaks_stops_the_run_early() {
        let (mut network, data) = xor();
        let mut seen = Vec::new();
        let report = train_with(&mut network, &data, None, &config(), |record| {
            seen.push(record.epoch);
            if record.epoch == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(seen, [1, 2, 3]);
        assert_eq!((report.steps, report.history.len(), report.best_epoch), (12, 3, 3));
        assert_eq!(report.stop_reason, StopReason::Caller);
        assert!(report.stopped_early, "the callback stopped the run before epoch 50");
        let (mut three_epochs, _) = xor();
        let config = TrainConfig { epochs: 3, ..config() };
        let whole = train(&mut three_epochs, &data, None, &config).unwrap();
        assert!(!whole.stopped_early);
        assert_eq!(network, three_epochs);
    }

    /// `loss_after` is the final weights' loss on the training data (an evaluation after the
    /// run), `epoch_mean_loss` the last record's mean of batch losses before each step: they
    /// differ after steps that changed the weights.
    #[test]
    fn the_report_names_the_loss_after_training_and_the_last_epochs_mean() {
        let (mut network, data) = xor();
        let report = train(&mut network, &data, None, &config()).unwrap();
        assert_eq!(report.loss_after, evaluate(&network, &data, None).loss);
        assert_eq!(report.epoch_mean_loss, Some(report.history[49].loss));
        assert_ne!(report.loss_after, report.history[49].loss);

        // Under patience, the restored weights' loss, not the last epoch's weights'.
        let (mut network, data) = xor();
        let config = TrainConfig { patience: Some(2), learning_rate: 40.0, ..config() };
        let report = train(&mut network, &data, None, &config).unwrap();
        assert!(report.stopped_early, "{:?}", report.stop_reason);
        assert_eq!(report.loss_after, evaluate(&network, &data, None).loss);

        // Stopped at step 1: no complete epoch, no mean.
        let (mut network, data) = xor();
        let stop = StopSignal::new();
        stop.stop();
        let report =
            train(&mut network, &data, None, &TrainConfig { stop: Some(stop), ..config }).unwrap();
        assert_eq!(report.epoch_mean_loss, None);
        assert_eq!(report.loss_after, evaluate(&network, &data, None).loss);
    }

    /// Frozen parameters keep their bits under every rule with L2 (so neither decay nor
    /// momentum moves them) while the others train; a layer the network lacks is refused.
    #[test]
    fn frozen_parameters_keep_their_values_and_the_rest_trains() {
        use crate::{ConfigError, Freeze, ParamKind};

        for optimizer in [Optimizer::Sgd, Optimizer::MOMENTUM, Optimizer::NESTEROV, Optimizer::ADAM]
        {
            for freeze in [
                Freeze::all(ParamKind::Biases),
                Freeze::all(ParamKind::Weights),
                Freeze::none().with(Some(1), ParamKind::Weights).with(Some(0), ParamKind::Biases),
            ] {
                let (mut network, data) = xor();
                let before = network.clone();
                let config =
                    TrainConfig { optimizer, l2: 0.01, freeze: freeze.clone(), ..config() };
                train(&mut network, &data, None, &config).unwrap();
                for (layer, (trained, untrained)) in
                    network.layers().iter().zip(before.layers()).enumerate()
                {
                    let weights_moved = trained.weights() != untrained.weights();
                    let biases_moved = trained.bias() != untrained.bias();
                    let what = format!("{optimizer:?} {freeze:?} layer {layer}");
                    assert_eq!(
                        weights_moved,
                        !freeze.is_frozen(layer, ParamKind::Weights),
                        "{what}"
                    );
                    assert_eq!(biases_moved, !freeze.is_frozen(layer, ParamKind::Biases), "{what}");
                }
            }
        }
        let (mut network, data) = xor();
        let config =
            TrainConfig { freeze: Freeze::none().with(Some(2), ParamKind::Biases), ..config() };
        let error = train(&mut network, &data, None, &config).unwrap_err();
        assert_eq!(error, TrainError::Config(ConfigError::FreezeLayer { layer: 2, n_layers: 2 }));
        assert_eq!(
            error.to_string(),
            "invalid training setting: cannot freeze layer 2 (0-based): the network has 2 \
             weight layers"
        );
    }

    /// A run with frozen biases that diverges puts back the last finite weights, and the
    /// frozen biases are still the untrained ones.
    #[test]
    fn a_divergence_with_frozen_biases_keeps_them_and_finite_weights() {
        let (mut network, data) = xor();
        let before = network.clone();
        let freeze = crate::Freeze::all(crate::ParamKind::Biases);
        let config = TrainConfig { learning_rate: 1e308, freeze, ..config() };
        let error = train(&mut network, &data, None, &config).unwrap_err();
        assert!(matches!(error, TrainError::Diverged { .. }), "{error:?}");
        assert!(network.parameter_blocks().flatten().all(|w| w.is_finite()));
        for (trained, untrained) in network.layers().iter().zip(before.layers()) {
            assert_eq!(trained.bias(), untrained.bias());
        }
    }

    #[test]
    fn an_interrupt_under_patience_restores_the_best_weights() {
        let config = TrainConfig { patience: Some(1000), ..config() };
        let (mut network, data) = xor();
        let mut observer = StopAt { at: 4 * 30 + 2, steps: 0 };
        let report = train_observed(&mut network, &data, None, &config, &mut observer).unwrap();
        assert_eq!(report.stop_reason, StopReason::Caller);
        let best = report
            .history
            .iter()
            .min_by(|a, b| a.loss.total_cmp(&b.loss))
            .map(|record| record.epoch)
            .unwrap();
        assert_eq!(report.best_epoch, best);
        let (mut stopped_at_best, _) = xor();
        let config = TrainConfig { epochs: best, patience: None, ..config };
        train(&mut stopped_at_best, &data, None, &config).unwrap();
        assert_eq!(network, stopped_at_best);
    }

    /// Without `keep_history` the report holds the last record only, the same as a full run's
    /// last (but for the clock), and the same weights.
    #[test]
    fn a_report_without_history_keeps_the_last_record() {
        let (mut kept, data) = xor();
        let full = train(&mut kept, &data, None, &config()).unwrap();
        let (mut network, _) = xor();
        let config = TrainConfig { keep_history: false, ..config() };
        let last_only = train(&mut network, &data, None, &config).unwrap();
        assert_eq!(last_only.history.len(), 1);
        let seconds = last_only.history[0].seconds;
        assert_eq!(last_only.history[0], EpochRecord { seconds, ..full.history[49] });
        assert_eq!((last_only.steps, last_only.best_epoch), (200, 50));
        assert_eq!(network, kept);
    }

    /// The clock is read at most every `INTERVAL` once epochs are short, always when asked for
    /// an exact reading, and never goes back.
    #[test]
    fn the_epoch_clock_reads_less_often_than_short_epochs_end() {
        let mut clock = EpochClock::start();
        let mut readings = vec![clock.seconds(false)];
        for _ in 0..100_000 {
            readings.push(clock.seconds(false));
        }
        assert!(readings.windows(2).all(|pair| pair[0] <= pair[1]), "never back");
        let mut distinct = readings.clone();
        distinct.dedup();
        // 100,000 calls take far less than 100,000 intervals of 0.1 ms.
        assert!(distinct.len() < readings.len() / 10, "{} readings", distinct.len());
        let before = clock.seconds(false);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let exact = clock.seconds(true);
        assert!(exact >= before + 0.002, "{before} then {exact}");
    }

    /// The XOR network with identity activations, on targets of ±1e3.
    fn identity_xor() -> (Network<f64>, Dataset<f64>) {
        let (network, data) = xor();
        let layers: Vec<_> = network
            .layers()
            .iter()
            .map(|dense| {
                let (weights, bias) = (dense.weights().clone(), dense.bias().cloned());
                mlp_core::Dense::new(weights, bias, Activation::Identity)
            })
            .collect();
        let network = Network::new(layers, Loss::MeanSquared).unwrap();
        let targets = DMatrix::from_row_slice(1, 4, &[1e3, -1e3, 1e3, -1e3]);
        (network, Dataset::numbered(data.inputs().clone(), targets).unwrap())
    }

    #[test]
    fn divergence_keeps_the_last_finite_weights() {
        // η = 10 on targets of ±1e3: the loss overflows after a few steps.
        let (mut network, data) = identity_xor();
        let config = TrainConfig { epochs: 1000, learning_rate: 10.0, ..config() };
        let error = train(&mut network, &data, None, &config).unwrap_err();
        let TrainError::Diverged { step, layer, quantity, .. } = error.clone() else {
            panic!("{error:?}")
        };
        assert!(step > 1);
        assert_eq!(layer.is_none(), quantity == NonFinite::Loss, "{error}");
        let message = error.to_string();
        assert!(message.starts_with("training diverged at epoch "), "{message}");
        assert!(message.ends_with("(try a smaller learning rate)"), "{message}");
        for block in network.parameter_blocks() {
            assert!(block.iter().all(|w| w.is_finite()), "{block:?}");
        }
    }

    #[test]
    fn an_update_that_overflows_the_weights_is_undone() {
        let (mut network, data) = xor();
        let before = network.clone();
        let config = TrainConfig { learning_rate: 1e308, ..config() };
        let error = train(&mut network, &data, None, &config).unwrap_err();
        let TrainError::Diverged { epoch: 1, step: 1, layer: Some(_), quantity, loss } = error
        else {
            panic!("{error:?}")
        };
        assert_eq!(quantity, NonFinite::Weights);
        assert!(loss.is_finite());
        assert!(error.to_string().contains(", in layer "), "{error}");
        assert_eq!(network, before, "the weights before step 1 are kept");
    }

    /// A 1-2-1 network with tanh hidden neurons whose first weight is 1e308: for the input 2,
    /// z = 2e308 = ∞ but a = tanh(∞) = 1 is finite, and layer 1 is still named. With finite
    /// activations, a NaN in layer 2's gradients (the second block: no biases) names layer 2.
    #[test]
    fn first_non_finite_names_the_layer_of_activations_then_of_gradients() {
        let network = Network::new(
            vec![
                mlp_core::Dense::new(nalgebra::dmatrix![1e308; 1.0], None, Activation::Tanh),
                mlp_core::Dense::new(nalgebra::dmatrix![1.0, 1.0], None, Activation::Identity),
            ],
            Loss::MeanSquared,
        )
        .unwrap();
        let mut tape = network.tape(std::num::NonZeroUsize::MIN);
        let mut gradients = Gradients::zeros(&network);
        tape.load_inputs(&nalgebra::dmatrix![0.5]).unwrap();
        network.forward(&mut tape);
        assert_eq!(first_non_finite(std::iter::once(&tape), &gradients), (None, NonFinite::Loss));
        gradients.blocks_mut().nth(1).unwrap()[0] = f64::NAN;
        assert_eq!(
            first_non_finite(std::iter::once(&tape), &gradients),
            (Some(2), NonFinite::Gradients)
        );
        tape.load_inputs(&nalgebra::dmatrix![2.0]).unwrap();
        network.forward(&mut tape);
        assert_eq!(tape.factors(0).z[(0, 0)], f64::INFINITY);
        assert_eq!(tape.factors(0).a[(0, 0)], 1.0);
        assert_eq!(
            first_non_finite(std::iter::once(&tape), &gradients),
            (Some(1), NonFinite::Activations)
        );
    }

    /// `step_checked` keeps the weights before the step for `restore`, names the first layer
    /// whose weights or biases the update made non-finite (XOR 2-8-1: blocks w₁, b₁, w₂, b₂),
    /// and updates as `step` does, bit for bit, under every rule.
    #[test]
    fn a_checked_step_keeps_the_weights_before_it_and_names_the_layer() {
        let (mut network, _) = xor();
        network.parameter_blocks_mut().for_each(|block| block.fill(0.5));
        let before = network.clone();
        let mut last = LastFinite::new(&network);
        last.blocks.iter_mut().for_each(|block| block.fill(f64::NAN));
        let mut gradients = network.zero_gradients();
        gradients.blocks_mut().for_each(|block| block.fill(1.0));
        let mut sgd = OptimizerState::new(Optimizer::Sgd, &network);
        let step =
            |network: &mut Network<f64>, gradients: &Gradients<f64>, last: &mut LastFinite<f64>| {
                OptimizerState::new(Optimizer::Sgd, network).step_checked(
                    network,
                    gradients,
                    0.1,
                    0.0,
                    &mut last.blocks,
                )
            };
        assert_eq!(sgd.step_checked(&mut network, &gradients, 0.1, 0.0, &mut last.blocks), None);
        assert!(network.parameter_blocks().flatten().all(|&w| w == 0.5 - 0.1));
        last.restore(&mut network);
        assert_eq!(network, before);

        gradients.blocks_mut().nth(3).unwrap()[0] = f64::NEG_INFINITY;
        assert_eq!(step(&mut network, &gradients, &mut last), Some(2));
        last.restore(&mut network);
        assert_eq!(network, before);
        gradients.blocks_mut().nth(2).unwrap()[5] = f64::NAN;
        assert_eq!(step(&mut network, &gradients, &mut last), Some(2));
        last.restore(&mut network);
        gradients.blocks_mut().next().unwrap()[0] = f64::NAN;
        assert_eq!(step(&mut network, &gradients, &mut last), Some(1));

        let (network, _) = xor();
        let mut gradients = network.zero_gradients();
        for (block_idx, block) in gradients.blocks_mut().enumerate() {
            for (k, g) in block.iter_mut().enumerate() {
                *g = ((block_idx * 7 + k) as f64).sin();
            }
        }
        for optimizer in [Optimizer::Sgd, Optimizer::MOMENTUM, Optimizer::NESTEROV, Optimizer::ADAM]
        {
            let (mut plain, mut checked) = (network.clone(), network.clone());
            let mut plain_state = OptimizerState::new(optimizer, &plain);
            let mut checked_state = OptimizerState::new(optimizer, &checked);
            let mut last = LastFinite::new(&checked);
            for _ in 0..3 {
                let kept = checked.clone();
                plain_state.step(&mut plain, &gradients, 0.01, 0.001);
                let found = checked_state.step_checked(
                    &mut checked,
                    &gradients,
                    0.01,
                    0.001,
                    &mut last.blocks,
                );
                assert_eq!(found, None);
                let bits = |network: &Network<f64>| -> Vec<u64> {
                    network.parameter_blocks().flatten().map(|w| w.to_bits()).collect()
                };
                assert_eq!(bits(&checked), bits(&plain), "{optimizer:?}");
                let mut restored = checked.clone();
                last.restore(&mut restored);
                assert_eq!(restored, kept, "{optimizer:?}");
            }
        }
    }

    #[test]
    fn non_finite_activations_name_their_layer() {
        let (mut network, data) = identity_xor();
        // Weights of 1e308 into the hidden layer: z overflows for the sample (1, 1).
        network.parameter_blocks_mut().next().unwrap().fill(1e308);
        let before = network.clone();
        let config = TrainConfig { batch_size: 4, ..config() };
        let error = train(&mut network, &data, None, &config).unwrap_err();
        assert!(
            matches!(
                error,
                TrainError::Diverged {
                    epoch: 1,
                    step: 1,
                    layer: Some(1),
                    quantity: NonFinite::Activations,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "training diverged at epoch 1, step 1, in layer 1: its activations became \
             non-finite and the loss NaN (try a smaller learning rate)"
        );
        assert_eq!(network, before);
    }
}
