//! Checkpoints: everything a training run needs to continue exactly where it stopped, so that
//! a run of 2N epochs and a run of N epochs resumed for N more end with the same bits (weights,
//! optimizer state, history records).
//!
//! A running loop hands its state to a [`crate::TrainObserver`] that asks for it
//! ([`crate::TrainObserver::checkpoint_every`]): every N complete epochs and once at the end
//! of the run (completed, stopped early, or stopped by a [`crate::StopSignal`] or the caller,
//! possibly inside an epoch), as a [`TrainState`]; nothing is copied when no observer asks.
//! [`crate::train_from`] continues from the [`TrainProgress`] of such a state, with the
//! state's network.
//!
//! # The file
//!
//! [`Checkpoint`] is the JSON file, written atomically ([`Checkpoint::save_to`]):
//!
//! ```json
//! {
//!   "format": "mlp-checkpoint",
//!   "version": 1,
//!   "model": { "format": "mlp-model", "version": 3, "loss": "mse", "layers": [..], .. },
//!   "data": { "name": "train.csv", "sha256": "6151f879…" },
//!   "state": {
//!     "precision": "f64", "samples": 150, "epochs_done": 10, "steps": 50,
//!     "batches_done": 0, "epoch_sums": null,
//!     "rng": { "seed": "2a00…", "stream": 0, "word_pos": "1200" },
//!     "optimizer": { "optimizer": {"name": "adam", ..}, "steps": 50, "first": [[..]], "second": [[..]] },
//!     "plateau": { "rate": 0.001, "best": null, "bad_epochs": 0 },
//!     "best": null,
//!     "initial_loss": 1.09, "initial_val_loss": null,
//!     "settings": { "batch_size": 32, "optimizer": {..}, "learning_rate": 0.001, .. }
//!   },
//!   "program": { .. }
//! }
//! ```
//!
//! - `format`, `version`: always `mlp-checkpoint` and 1 ([`FORMAT`], [`VERSION`]).
//! - `model`: a whole model file ([`crate::model_file::ModelFile`]) holding the weights reached
//!   (the last ones, not the best ones under early stopping), so `jq .model c.json > m.json`
//!   gives a model that `mlp predict` and `mlp evaluate` load. f32 weights are stored widened
//!   to f64, which is exact.
//! - `data`: the training data file's name and SHA-256 ([`crate::model_file::DataFile`]), or
//!   `null`; a resume on other data is refused ([`Checkpoint::check_data`]).
//! - `state`: the [`TrainProgress`], field for field:
//!   - `precision`: `f64` or `f32`, the precision trained in (a resume must use the same).
//!   - `samples`: training samples (a resume on another number is refused).
//!   - `epochs_done`: complete epochs; `steps`: optimizer steps over the run.
//!   - `batches_done`: batches of the epoch in progress already stepped (0 at an epoch's end);
//!     `epoch_sums`: that epoch's metric sums so far ([`EpochSums`]), `null` at an epoch's end.
//!   - `rng`: the shuffling generator (ChaCha8) at the start of the epoch in progress (or of the
//!     next epoch): `seed` (64 hexadecimal digits), `stream`, and `word_pos` (a decimal string:
//!     a u128 does not fit a JSON number). Each epoch's order is a fresh permutation drawn from
//!     it, so this says which batches the epoch has.
//!   - `optimizer`: the rule, its step count (Adam's t) and its per-parameter state, per block
//!     of [`mlp_core::Network::parameter_blocks`] ([`OptimizerSnapshot`]).
//!   - `plateau`: reduce-on-plateau's state ([`PlateauState`]).
//!   - `best`: under early stopping, the best weights so far with their monitored loss and
//!     epoch ([`BestWeights`]); the patience counter is the epochs since that one.
//!   - `initial_loss`, `initial_val_loss`: the untrained network's losses, the baseline of the
//!     warnings, kept so a resumed run reports as the whole run.
//!   - `settings`: the settings that shape the run ([`TrainSettings`]); a resume with other
//!     ones is refused, naming the setting.
//! - `program`: whatever the program that wrote the file needs to rebuild its run (the `mlp`
//!   command line records its arguments there); `null` for a library caller.
//!
//! Numbers are written in their shortest form that reads back to the same `f64`, so the round
//! trip of a checkpoint is bit-exact. Unknown fields are errors; every error names the file
//! (and the line and column for JSON).
//!
//! # Example
//!
//! ```
//! use std::ops::ControlFlow;
//! use mlp_core::{Activation, Architecture, Loss, Network};
//! use mlp_train::checkpoint::TrainState;
//! use mlp_train::{train_from, train_observed, Dataset, TrainConfig, TrainObserver};
//! use nalgebra::DMatrix;
//!
//! /// Keeps the last state it is given.
//! struct Keep(Option<TrainState>);
//! impl TrainObserver for Keep {
//!     fn checkpoint_every(&self) -> Option<usize> {
//!         Some(5)
//!     }
//!     fn on_checkpoint(&mut self, state: &TrainState) -> ControlFlow<()> {
//!         self.0 = Some(state.clone());
//!         ControlFlow::Continue(())
//!     }
//! }
//!
//! let architecture = Architecture {
//!     sizes: vec![2, 4, 1],
//!     hidden_activation: Activation::Tanh,
//!     output_activation: Activation::Identity,
//!     bias: true,
//!     loss: Loss::MeanSquared,
//! };
//! let inputs = DMatrix::from_row_slice(2, 4, &[0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
//! let targets = DMatrix::from_row_slice(1, 4, &[0.0, 1.0, 1.0, 0.0]);
//! let data = Dataset::numbered(inputs, targets)?;
//! let config = TrainConfig { epochs: 20, batch_size: 2, threads: 1, ..TrainConfig::default() };
//!
//! // 20 epochs at once.
//! let mut whole = Network::initialized(&architecture, None, 1)?;
//! mlp_train::train(&mut whole, &data, None, &config)?;
//!
//! // 10 epochs, then 10 more from the checkpoint.
//! let mut first = Network::initialized(&architecture, None, 1)?;
//! let mut keep = Keep(None);
//! train_observed(&mut first, &data, None, &TrainConfig { epochs: 10, ..config.clone() }, &mut keep)?;
//! let state = keep.0.unwrap();
//! let mut resumed = state.network.clone();
//! train_from(&mut resumed, &data, None, &config, Some(&state.progress), &mut Keep(None))?;
//! assert_eq!(resumed, whole);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use mlp_core::{Network, Scalar};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::model_file::{DataFile, Model, ModelFile, ModelFileError};
use crate::output_file::{OutputError, OutputFile};
use crate::{Freeze, Optimizer, OptimizerState, PlateauState, Schedule, TrainConfig};

/// The value of a checkpoint's `format` field.
pub const FORMAT: &str = "mlp-checkpoint";
/// The checkpoint version this code writes and reads.
pub const VERSION: u64 = 1;

/// A run's state at the end of an optimizer step: the weights reached and everything else a
/// continuation needs ([`crate::train_from`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainState {
    /// The weights reached (the last ones, not the best ones under early stopping), widened to
    /// f64 (exact for an f32 run).
    pub network: Network<f64>,
    /// The rest.
    pub progress: TrainProgress,
}

/// Everything but the weights a run needs to continue exactly: the `state` object of a
/// checkpoint file (see the [module docs](self) field by field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainProgress {
    /// `f64` or `f32`.
    pub precision: String,
    /// Training samples.
    pub samples: usize,
    /// Complete epochs.
    pub epochs_done: usize,
    /// Optimizer steps over the run.
    pub steps: usize,
    /// Batches of the epoch in progress already stepped; 0 at an epoch's end.
    pub batches_done: usize,
    /// The epoch in progress's metric sums so far; `None` at an epoch's end.
    pub epoch_sums: Option<EpochSums>,
    /// The shuffling generator at the start of the epoch in progress (or the next one).
    pub rng: RngState,
    /// The optimizer's state.
    pub optimizer: OptimizerSnapshot,
    /// Reduce-on-plateau's state (its initial state under other schedules).
    pub plateau: PlateauState,
    /// Under early stopping, the best weights so far.
    pub best: Option<BestWeights>,
    /// The untrained network's loss on the training data.
    pub initial_loss: f64,
    /// The untrained network's loss on the validation data, if any.
    pub initial_val_loss: Option<f64>,
    /// The settings that shape the run.
    pub settings: TrainSettings,
}

/// The metric sums of an epoch in progress: what its record is computed from at its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochSums {
    /// Samples seen.
    pub samples: usize,
    /// Σ over the batches of the batch's mean loss × its size.
    pub loss_sum: f64,
    /// Classification: the confusion matrix's counts, row-major (true class × predicted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confusion: Vec<u64>,
    /// Regression: the outputs seen, sample after sample.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predictions: Vec<f64>,
    /// Regression: their targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<f64>,
}

/// A ChaCha8 generator's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RngState {
    /// The 32-byte key, 64 lowercase hexadecimal digits.
    pub seed: String,
    /// The stream number.
    pub stream: u64,
    /// The position in 32-bit words, in decimal.
    pub word_pos: String,
}

impl RngState {
    /// The state of `rng`, at word position `word_pos`.
    pub(crate) fn of(rng: &ChaCha8Rng, word_pos: u128) -> RngState {
        let seed = rng.get_seed().iter().map(|byte| format!("{byte:02x}")).collect();
        RngState { seed, stream: rng.get_stream(), word_pos: word_pos.to_string() }
    }

    /// The generator in this state; `None` when the seed or the position does not read.
    pub fn generator(&self) -> Option<ChaCha8Rng> {
        let digits = self.seed.as_bytes();
        if digits.len() != 64 || !self.seed.is_ascii() {
            return None;
        }
        let mut seed = [0_u8; 32];
        for (byte, pair) in seed.iter_mut().zip(digits.chunks(2)) {
            *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        let word_pos: u128 = self.word_pos.parse().ok()?;
        let mut rng = ChaCha8Rng::from_seed(seed);
        rng.set_stream(self.stream);
        rng.set_word_pos(word_pos);
        Some(rng)
    }
}

/// An optimizer's state: the rule, its steps and its per-parameter state per block, widened to
/// f64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerSnapshot {
    /// The rule.
    pub optimizer: Optimizer,
    /// Steps taken.
    pub steps: u64,
    /// [`OptimizerState::first_state`].
    pub first: Vec<Vec<f64>>,
    /// [`OptimizerState::second_state`].
    pub second: Vec<Vec<f64>>,
}

impl OptimizerSnapshot {
    /// The snapshot of `state`.
    pub fn of<T: Scalar>(state: &OptimizerState<T>) -> OptimizerSnapshot {
        let widen = |blocks: &[Vec<T>]| -> Vec<Vec<f64>> {
            blocks.iter().map(|block| block.iter().map(|v| v.to_f64_value()).collect()).collect()
        };
        OptimizerSnapshot {
            optimizer: state.optimizer(),
            steps: state.steps(),
            first: widen(state.first_state()),
            second: widen(state.second_state()),
        }
    }
}

/// Early stopping's best weights so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BestWeights {
    /// Their monitored loss (the validation loss, or the training loss without validation).
    pub loss: f64,
    /// Their epoch.
    pub epoch: usize,
    /// Their values per block of [`mlp_core::Network::parameter_blocks`], widened to f64.
    pub parameters: Vec<Vec<f64>>,
}

/// The settings of a [`TrainConfig`] that shape a run's numbers: a resume must use the same.
/// (`epochs`, `threads`, `log_every`, `keep_history` and `stop` may change: they do not change
/// the numbers.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSettings {
    /// [`TrainConfig::batch_size`].
    pub batch_size: usize,
    /// [`TrainConfig::optimizer`].
    pub optimizer: Optimizer,
    /// [`TrainConfig::learning_rate`].
    pub learning_rate: f64,
    /// [`TrainConfig::schedule`], as `--lr-schedule` writes it.
    pub lr_schedule: String,
    /// [`TrainConfig::warmup`].
    pub warmup: usize,
    /// [`TrainConfig::l2`].
    pub l2: f64,
    /// [`TrainConfig::decay_biases`].
    pub decay_biases: bool,
    /// [`TrainConfig::seed`].
    pub seed: u64,
    /// [`TrainConfig::shuffle`].
    pub shuffle: bool,
    /// [`TrainConfig::patience`].
    pub patience: Option<usize>,
    /// [`TrainConfig::min_delta`].
    pub min_delta: f64,
    /// [`TrainConfig::freeze`].
    pub freeze: Freeze,
}

impl TrainSettings {
    /// The settings of `config`.
    pub fn of(config: &TrainConfig) -> TrainSettings {
        TrainSettings {
            batch_size: config.batch_size,
            optimizer: config.optimizer,
            learning_rate: config.learning_rate,
            lr_schedule: config.schedule.to_string(),
            warmup: config.warmup,
            l2: config.l2,
            decay_biases: config.decay_biases,
            seed: config.seed,
            shuffle: config.shuffle,
            patience: config.patience,
            min_delta: config.min_delta,
            freeze: config.freeze.clone(),
        }
    }

    /// `config` with these settings (the others kept): what a resume that takes its settings
    /// from the checkpoint runs with.
    ///
    /// # Errors
    ///
    /// A `lr_schedule` that does not read.
    pub fn apply_to(&self, config: &TrainConfig) -> Result<TrainConfig, crate::ParseScheduleError> {
        Ok(TrainConfig {
            batch_size: self.batch_size,
            optimizer: self.optimizer,
            learning_rate: self.learning_rate,
            schedule: self.lr_schedule.parse::<Schedule>()?,
            warmup: self.warmup,
            l2: self.l2,
            decay_biases: self.decay_biases,
            seed: self.seed,
            shuffle: self.shuffle,
            patience: self.patience,
            min_delta: self.min_delta,
            freeze: self.freeze.clone(),
            ..config.clone()
        })
    }

    /// The first setting in which `given` differs from these: `(name, these, given)`, each
    /// value as JSON.
    pub fn difference(&self, given: &TrainSettings) -> Option<(&'static str, String, String)> {
        let (ours, theirs) = (json_object(self), json_object(given));
        FIELDS.iter().find_map(|&name| {
            let (a, b) = (ours.get(name), theirs.get(name));
            (a != b).then(|| (name, shown(a), shown(b)))
        })
    }
}

/// The fields of [`TrainSettings`], in order.
const FIELDS: [&str; 12] = [
    "batch_size",
    "optimizer",
    "learning_rate",
    "lr_schedule",
    "warmup",
    "l2",
    "decay_biases",
    "seed",
    "shuffle",
    "patience",
    "min_delta",
    "freeze",
];

fn json_object(settings: &TrainSettings) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(settings) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn shown(value: Option<&serde_json::Value>) -> String {
    value.map_or_else(|| "missing".to_owned(), serde_json::Value::to_string)
}

/// A [`TrainProgress`] that cannot continue this run: what [`crate::train_from`] refuses
/// before any step, as [`crate::TrainError::Resume`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// A setting differs from the checkpoint's.
    #[error("the checkpoint's run has {setting} {checkpoint}, this one {given}")]
    Setting {
        /// The [`TrainSettings`] field.
        setting: &'static str,
        /// The checkpoint's value, as JSON.
        checkpoint: String,
        /// This run's value, as JSON.
        given: String,
    },
    /// Another precision.
    #[error("the checkpoint's run trained in {checkpoint}, this one in {given}")]
    Precision {
        /// The checkpoint's.
        checkpoint: String,
        /// This run's.
        given: &'static str,
    },
    /// Another number of training samples.
    #[error("the checkpoint's run had {checkpoint} training samples, this data has {given}")]
    Samples {
        /// The checkpoint's.
        checkpoint: usize,
        /// This data's.
        given: usize,
    },
    /// Fewer epochs asked for than the checkpoint has begun.
    #[error("the checkpoint is at epoch {epochs_done}{}: the run needs at least {} epochs", if *batches_done > 0 { format!(" and {batches_done} batches into the next") } else { String::new() }, epochs_done + usize::from(*batches_done > 0))]
    Epochs {
        /// Complete epochs in the checkpoint.
        epochs_done: usize,
        /// Batches into the next.
        batches_done: usize,
    },
    /// A part of the state not shaped like the network or the data.
    #[error("the checkpoint's {what} does not fit the network and the data")]
    Shape {
        /// `optimizer state`, `best weights`, `epoch sums`, `shuffling generator`, `batches`.
        what: &'static str,
    },
}

/// A run restored from a [`TrainProgress`]: the loop's state at its start.
pub(crate) struct Resumed<T: Scalar> {
    pub(crate) optimizer: OptimizerState<T>,
    pub(crate) plateau: PlateauState,
    pub(crate) rng: ChaCha8Rng,
    /// The first epoch to run.
    pub(crate) epoch: usize,
    /// Batches of it to skip.
    pub(crate) skip: usize,
    pub(crate) sums: Option<EpochSums>,
    pub(crate) best: Option<(f64, usize, Network<T>)>,
    pub(crate) steps: usize,
    pub(crate) initial_loss: f64,
    pub(crate) initial_val_loss: Option<f64>,
}

/// Checks `progress` against the run and rebuilds the loop's state.
pub(crate) fn resume<T: Scalar>(
    progress: &TrainProgress,
    network: &Network<T>,
    optimizer: OptimizerState<T>,
    samples: usize,
    config: &TrainConfig,
) -> Result<Resumed<T>, ResumeError> {
    if let Some((setting, checkpoint, given)) =
        progress.settings.difference(&TrainSettings::of(config))
    {
        return Err(ResumeError::Setting { setting, checkpoint, given });
    }
    let precision = crate::events::Precision::of::<T>().name();
    if progress.precision != precision {
        return Err(ResumeError::Precision {
            checkpoint: progress.precision.clone(),
            given: precision,
        });
    }
    if progress.samples != samples {
        return Err(ResumeError::Samples { checkpoint: progress.samples, given: samples });
    }
    let (epochs_done, batches_done) = (progress.epochs_done, progress.batches_done);
    if config.epochs < epochs_done + usize::from(batches_done > 0) {
        return Err(ResumeError::Epochs { epochs_done, batches_done });
    }
    if batches_done >= samples.div_ceil(config.batch_size)
        || (batches_done > 0) != progress.epoch_sums.is_some()
    {
        return Err(ResumeError::Shape { what: "batches" });
    }
    let narrow = |blocks: &[Vec<f64>]| -> Vec<Vec<T>> {
        blocks.iter().map(|block| block.iter().map(|&v| T::from_f64_value(v)).collect()).collect()
    };
    let snapshot = &progress.optimizer;
    let optimizer = optimizer
        .with_state(snapshot.steps, narrow(&snapshot.first), narrow(&snapshot.second))
        .ok_or(ResumeError::Shape { what: "optimizer state" })?;
    let rng = progress.rng.generator().ok_or(ResumeError::Shape { what: "shuffling generator" })?;
    let best = match &progress.best {
        None => None,
        Some(best) => {
            let mut weights = network.clone();
            let blocks = narrow(&best.parameters);
            let fits = blocks.len() == weights.parameter_blocks().count()
                && weights.parameter_blocks().zip(&blocks).all(|(a, b)| a.len() == b.len());
            if !fits {
                return Err(ResumeError::Shape { what: "best weights" });
            }
            for (block, kept) in weights.parameter_blocks_mut().zip(&blocks) {
                block.copy_from_slice(kept);
            }
            Some((best.loss, best.epoch, weights))
        }
    };
    Ok(Resumed {
        optimizer,
        plateau: progress.plateau,
        rng,
        epoch: epochs_done + 1,
        skip: batches_done,
        sums: progress.epoch_sums.clone(),
        best,
        steps: progress.steps,
        initial_loss: progress.initial_loss,
        initial_val_loss: progress.initial_val_loss,
    })
}

/// What [`capture`] reads from the loop.
pub(crate) struct Capture<'a, T: Scalar> {
    pub(crate) network: &'a Network<T>,
    pub(crate) optimizer: &'a OptimizerState<T>,
    pub(crate) plateau: PlateauState,
    pub(crate) rng: &'a ChaCha8Rng,
    pub(crate) word_pos: u128,
    pub(crate) epochs_done: usize,
    pub(crate) steps: usize,
    pub(crate) batches_done: usize,
    pub(crate) sums: Option<EpochSums>,
    pub(crate) best: Option<(f64, usize, &'a Network<T>)>,
    pub(crate) initial_loss: f64,
    pub(crate) initial_val_loss: Option<f64>,
    pub(crate) samples: usize,
    pub(crate) config: &'a TrainConfig,
}

/// The state the loop is in.
pub(crate) fn capture<T: Scalar>(capture: Capture<'_, T>) -> TrainState {
    let widen = |network: &Network<T>| -> Vec<Vec<f64>> {
        network
            .parameter_blocks()
            .map(|block| block.iter().map(|v| v.to_f64_value()).collect())
            .collect()
    };
    TrainState {
        network: capture.network.cast(),
        progress: TrainProgress {
            precision: crate::events::Precision::of::<T>().name().to_owned(),
            samples: capture.samples,
            epochs_done: capture.epochs_done,
            steps: capture.steps,
            batches_done: capture.batches_done,
            epoch_sums: capture.sums,
            rng: RngState::of(capture.rng, capture.word_pos),
            optimizer: OptimizerSnapshot::of(capture.optimizer),
            plateau: capture.plateau,
            best: capture.best.map(|(loss, epoch, network)| BestWeights {
                loss,
                epoch,
                parameters: widen(network),
            }),
            initial_loss: capture.initial_loss,
            initial_val_loss: capture.initial_val_loss,
            settings: TrainSettings::of(capture.config),
        },
    }
}

/// The checkpoint file, field for field (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u64,
    /// The weights reached, as a whole model file.
    pub model: ModelFile,
    /// The training data file, if known.
    pub data: Option<DataFile>,
    /// The rest of the state.
    pub state: TrainProgress,
    /// What the writing program needs to rebuild its run; `null` when nothing.
    #[serde(default)]
    pub program: serde_json::Value,
}

/// A checkpoint that cannot be read, used or written. Every message names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The file could not be read.
    #[error("{}: cannot read the checkpoint: {cause}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// Not JSON, or JSON of the wrong shape.
    #[error("{}: line {line}, column {column}: malformed checkpoint: {message}", .path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description, without its position.
        message: String,
    },
    /// `format` is missing or not [`FORMAT`].
    #[error("{}: not an mlp checkpoint: \"format\" is {found}, expected \"{FORMAT}\"", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// The value found, as JSON (`missing` when absent).
        found: String,
    },
    /// `version` is missing or not [`VERSION`].
    #[error("{}: checkpoint version {found} is not supported; this mlp reads version {VERSION}", .path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// The value found, as JSON (`missing` when absent).
        found: String,
    },
    /// The `model` does not check (its messages name the file).
    #[error(transparent)]
    Model(#[from] ModelFileError),
    /// The training data is not the checkpoint's.
    #[error("{}: the checkpoint was made on data with SHA-256 {checkpoint}, but {data} has SHA-256 {given}", .path.display())]
    Data {
        /// The checkpoint.
        path: PathBuf,
        /// The data file given.
        data: String,
        /// The checkpoint's hash.
        checkpoint: String,
        /// The given data's hash.
        given: String,
    },
    /// Writing failed; nothing was replaced.
    #[error(transparent)]
    Write(#[from] OutputError),
}

/// Just the header.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

impl Checkpoint {
    /// The checkpoint of `state`, with `model`'s columns and provenance around its network.
    pub fn new(state: &TrainState, model: Model, data: Option<DataFile>) -> Checkpoint {
        let model = Model { network: state.network.clone(), ..model };
        Checkpoint {
            format: FORMAT.to_owned(),
            version: VERSION,
            model: model.to_file(),
            data,
            state: state.progress.clone(),
            program: serde_json::Value::Null,
        }
    }

    /// Pretty-printed JSON with a final line break.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a checkpoint serializes");
        text.push('\n');
        text
    }

    /// Writes the checkpoint to `path` atomically (a temporary file renamed over it).
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Write`], naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), CheckpointError> {
        self.save_to(OutputFile::create(path)?)
    }

    /// Writes the checkpoint to an output created earlier, and commits it.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Write`], naming the file.
    pub fn save_to(&self, output: OutputFile) -> Result<(), CheckpointError> {
        Ok(output.write_all_and_commit(self.to_json().as_bytes())?)
    }

    /// Reads and checks the checkpoint at `path` (its model too).
    ///
    /// # Errors
    ///
    /// Every [`CheckpointError`] but `Write` and `Data`, naming the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Checkpoint, CheckpointError> {
        let path = path.as_ref();
        let text = fs::read_to_string(path)
            .map_err(|cause| CheckpointError::Read { path: path.to_owned(), cause })?;
        Checkpoint::from_file_contents(&text, path)
    }

    /// Parses and checks `text`, the contents of a checkpoint; `path` names it in errors.
    ///
    /// # Errors
    ///
    /// As [`Checkpoint::load`].
    pub fn from_file_contents(text: &str, path: &Path) -> Result<Checkpoint, CheckpointError> {
        let json_error = |err: serde_json::Error| {
            let message = err.to_string();
            let message = match message.rfind(" at line ") {
                Some(index) if err.line() > 0 => message[..index].to_owned(),
                _ => message,
            };
            CheckpointError::Json {
                path: path.to_owned(),
                line: err.line(),
                column: err.column(),
                message,
            }
        };
        let header: Header = serde_json::from_str(text).map_err(json_error)?;
        let shown = |value: Option<serde_json::Value>| {
            value.map_or_else(|| "missing".to_owned(), |value| value.to_string())
        };
        if header.format.as_ref().and_then(serde_json::Value::as_str) != Some(FORMAT) {
            return Err(CheckpointError::Format {
                path: path.to_owned(),
                found: shown(header.format),
            });
        }
        if header.version.as_ref().and_then(serde_json::Value::as_u64) != Some(VERSION) {
            return Err(CheckpointError::Version {
                path: path.to_owned(),
                found: shown(header.version),
            });
        }
        let checkpoint: Checkpoint = serde_json::from_str(text).map_err(json_error)?;
        checkpoint.model(path)?;
        Ok(checkpoint)
    }

    /// The model of the checkpoint (the weights reached); `path` names the file in errors.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Model`] when the model does not check.
    pub fn model(&self, path: &Path) -> Result<Model, CheckpointError> {
        Ok(self.model.clone().into_model(path)?)
    }

    /// The state to continue from: the model's network and the progress.
    ///
    /// # Errors
    ///
    /// As [`Checkpoint::model`].
    pub fn train_state(&self, path: &Path) -> Result<TrainState, CheckpointError> {
        Ok(TrainState { network: self.model(path)?.network, progress: self.state.clone() })
    }

    /// Fails unless `given` (the training data of a resume, at `data`) has the checkpoint's
    /// SHA-256; a checkpoint or data without a hash (standard input) passes. `path` names the
    /// checkpoint.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Data`], naming both files and both hashes.
    pub fn check_data(
        &self,
        path: &Path,
        data: &Path,
        given: &DataFile,
    ) -> Result<(), CheckpointError> {
        let ours = self.data.as_ref().and_then(|file| file.sha256.as_ref());
        match (ours, &given.sha256) {
            (Some(ours), Some(theirs)) if ours != theirs => Err(CheckpointError::Data {
                path: path.to_owned(),
                data: data.display().to_string(),
                checkpoint: ours.clone(),
                given: theirs.clone(),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
