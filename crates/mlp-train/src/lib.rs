//! Training multilayer perceptrons built with [`mlp_core`]: datasets, optimizers, the training
//! loop, and `tracing` events for every partial derivative, with `tracing-subscriber` layers that
//! write them to CSV.
//!
//! - [`data`]: CSV files into [`Dataset`]s, with errors that name the file, line and column
//!   (the `mlp-data` crate, re-exported).
//! - [`train`] / [`train_with`]: the loop, configured by a [`TrainConfig`].
//! - [`events`]: the span names, targets and fields the loop reports through, each kind of
//!   event's fields defined once, and decoders from an event back to its record: a public
//!   interface (the `custom_layer` example is a layer of one's own over them).
//! - [`explain`]: one sample's training step written out as the tutorial does, as data, with
//!   text, Markdown and JSON renderers.
//! - [`metrics`]: confusion matrix, precision/recall/F1, log loss, MAE, RMSE and R² as
//!   scikit-learn computes them; [`evaluate`] a network on a dataset.
//! - [`gradcheck`]: backpropagation's gradient against central finite differences, for every
//!   parameter, worst relative error per layer (`mlp gradcheck`).
//! - [`interop`]: a model as a safetensors file (weights as tensors, everything else as
//!   metadata) that PyTorch and candle load, and back (`mlp export`, `mlp import`).
//! - [`gradlog`]: `tracing_subscriber::Layer`s that write those events to CSV.
//! - [`health`]: vanishing and exploding gradients, saturated and dead units, checked once per
//!   epoch at no measurable cost ([`TrainConfig::health`], [`TrainReport::health`]).
//! - [`model_file`]: the human-readable JSON model file (weights, scaler, class names); a
//!   [`Model`](model_file::Model) from training or from a network made in code
//!   (`Model::from_network`), predicting on rows in memory (`Model::predict_rows`).
//! - [`output_file`]: outputs written to a temporary file and renamed, never half-written.
//! - [`predict`]: a network's outputs for a file of any length, one chunk of samples at a time.
//!
//! The crate's `examples/` train a CSV file (`train_csv`) and save, load and predict with a
//! model built in code (`save_load`).
//! - [`warnings`]: what a run should tell a person besides errors, typed.
//! - [`human`]: numbers and counts as text for people.
#![warn(missing_docs)]

pub use mlp_data as data;
pub use mlp_data::{dataset, human};

pub mod checkpoint;
pub mod events;
pub mod explain;
pub mod gradcheck;
pub mod gradlog;
pub mod health;
pub mod interop;
pub mod memory;
pub mod metrics;
pub mod model_file;
pub mod output_file;
pub mod overflow;
pub mod predict;
pub mod warnings;

mod batch_step;
mod config;
#[cfg(test)]
mod mutants_tests;
mod optimizer;
mod schedule;
mod step_log;
mod trainer;

/// mlp-core, re-exported: `mlp_train::mlp_core::nalgebra` is the nalgebra both crates are built
/// with, so a program that uses mlp-train alone names the same matrices.
pub use mlp_core;

pub use config::{
    available_threads, ConfigError, Freeze, Frozen, MetricsKind, ParamKind, Schedule, StopSignal,
    TrainConfig,
};
pub use metrics::{evaluate, evaluate_prepared, try_evaluate, Evaluation};
pub use mlp_data::Dataset;
pub use optimizer::{Optimizer, OptimizerState};
pub use schedule::{
    LearningRates, ParseScheduleError, PlateauState, PLATEAU_EPSILON, PLATEAU_THRESHOLD,
};
pub use trainer::{
    check_dataset, train, train_from, train_observed, train_with, NonFinite, StopReason,
    TrainError, TrainObserver, TrainReport,
};
