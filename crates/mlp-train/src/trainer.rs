//! The training loop: epochs of shuffled mini-batches, optimizer steps, metrics, early stopping,
//! and the tracing spans and events of [`crate::events`].

use std::ops::ControlFlow;
use std::time::Instant;

use mlp_core::{Activation, Loss, Network, Scalar};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::events::{self, EpochRecord};
use crate::metrics::MetricsAccumulator;
use crate::step_log::StepLog;
use crate::{evaluate, Dataset, MetricsKind, OptimizerState, TrainConfig};

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
    /// A setting out of range.
    #[error("invalid training setting: {0}")]
    Config(String),
    /// The loss became NaN or infinite.
    #[error("training diverged at epoch {epoch}, step {step}: the loss became {loss} (try a smaller learning rate)")]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based step over the run.
        step: usize,
        /// The non-finite loss.
        loss: f64,
    },
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// One record per epoch run, as emitted on [`events::EPOCH_TARGET`].
    pub history: Vec<EpochRecord>,
    /// The epoch whose weights the network holds at the end (the last, or the best with
    /// early stopping).
    pub best_epoch: usize,
    /// Whether early stopping ended the run before `epochs`.
    pub stopped_early: bool,
    /// Optimizer steps taken.
    pub steps: usize,
    /// The loss of the untrained network on the whole training data, the baseline of
    /// [`crate::warnings::training_warnings`].
    pub initial_loss: f64,
    /// The loss of the untrained network on the validation data, if any.
    pub initial_val_loss: Option<f64>,
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

/// Classification for cross-entropy after softmax or sigmoid, regression otherwise.
pub(crate) fn infer_metrics<T: Scalar>(network: &Network<T>) -> MetricsKind {
    let output = network.output_layer().activation();
    if network.loss() == Loss::CrossEntropy
        && matches!(output, Activation::Softmax | Activation::Sigmoid)
    {
        MetricsKind::Classification
    } else {
        MetricsKind::Regression
    }
}

fn check_config(config: &TrainConfig) -> Result<(), TrainError> {
    let bad = |message: String| Err(TrainError::Config(message));
    if config.batch_size == 0 {
        return bad("batch size must be at least 1".into());
    }
    if config.log_every == 0 {
        return bad("gradient logging interval must be at least 1 step".into());
    }
    if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        return bad(format!(
            "learning rate must be a positive number, not {}",
            config.learning_rate
        ));
    }
    if !(config.l2.is_finite() && config.l2 >= 0.0) {
        return bad(format!("L2 decay must be zero or positive, not {}", config.l2));
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
/// `ControlFlow::Break` stops the run there (for a user's own stopping rule or a Ctrl-C).
///
/// Per epoch: shuffle (ChaCha8 seeded with `config.seed`, so a run is reproducible bit for
/// bit), then for each mini-batch: forward, backward, one optimizer step. The epoch's training
/// metrics are the means over its batches as they were met (before each batch's step), as
/// Keras reports them; validation metrics are computed after the epoch. The loss reported
/// excludes the L2 term. The hot loop allocates nothing unless a subscriber listens for
/// gradient or layer events.
pub fn train_with<T: Scalar>(
    network: &mut Network<T>,
    training: &Dataset<T>,
    validation: Option<&Dataset<T>>,
    config: &TrainConfig,
    mut on_epoch: impl FnMut(&EpochRecord) -> ControlFlow<()>,
) -> Result<TrainReport, TrainError> {
    check_config(config)?;
    check_dataset(network, training, "training")?;
    if let Some(validation) = validation {
        check_dataset(network, validation, "validation")?;
    }
    if training.is_empty() {
        return Err(TrainError::NoSamples);
    }
    let metrics = config.metrics.unwrap_or_else(|| infer_metrics(network));
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
    )
    .entered();

    // Before the clock starts: the epochs' `seconds` time training only.
    let initial_loss = evaluate(network, training, Some(metrics)).loss;
    let initial_val_loss =
        validation.map(|validation| evaluate(network, validation, Some(metrics)).loss);
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut order: Vec<usize> = (0..training.len()).collect();
    let mut tape = network.tape(config.batch_size.min(training.len()));
    let mut gradients = network.zero_gradients();
    let mut optimizer = OptimizerState::new(config.optimizer, network);
    let mut step_log = StepLog::new(network);
    let mut report = TrainReport {
        history: Vec::new(),
        best_epoch: 0,
        stopped_early: false,
        steps: 0,
        initial_loss,
        initial_val_loss,
    };
    let mut best: Option<Best<T>> = None;
    let mut accumulator = MetricsAccumulator::new(metrics, network, training.len());

    for epoch in 1..=config.epochs {
        let _epoch = events::epoch_span(epoch).entered();
        let learning_rate = config.schedule.learning_rate(config.learning_rate, epoch);
        if config.shuffle {
            order.shuffle(&mut rng);
        }
        accumulator.clear();
        for batch in order.chunks(config.batch_size) {
            report.steps += 1;
            let step = report.steps;
            let _step = events::step_span(step).entered();
            tape.load_columns(training.inputs(), training.targets(), batch)
                .expect("shapes were checked before the loop");
            network.forward(&mut tape);
            let loss = network.backward(&mut tape, &mut gradients);
            if !loss.is_finite() {
                return Err(TrainError::Diverged { epoch, step, loss: loss.to_f64_value() });
            }
            accumulator.add(tape.outputs(), tape.targets(), loss);
            let logging = (step - 1) % config.log_every == 0 && step_log.wanted();
            if logging {
                step_log.remember(network);
            }
            optimizer.step(network, &gradients, learning_rate, config.l2);
            if logging {
                step_log.emit(network, &tape, &gradients, training.sample_numbers(), batch);
            }
        }
        let train_metrics = accumulator.finish();
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
            seconds: started.elapsed().as_secs_f64(),
        };
        events::emit_epoch(&record);
        report.history.push(record);
        report.best_epoch = epoch;
        let flow = on_epoch(&record);

        if let Some(patience) = config.patience {
            let monitored = record.val_loss.unwrap_or(record.loss);
            let improved =
                best.as_ref().is_none_or(|kept| monitored < kept.loss - config.min_delta);
            if improved {
                best = Some(Best { loss: monitored, epoch, network: network.clone() });
            } else if best.as_ref().is_some_and(|kept| epoch - kept.epoch >= patience) {
                report.stopped_early = true;
                break;
            }
        }
        if flow.is_break() {
            break;
        }
    }
    if let Some(kept) = best {
        report.best_epoch = kept.epoch;
        *network = kept.network;
    }
    Ok(report)
}
