//! Training multilayer perceptrons built with [`mlp_core`]: datasets, optimizers, the training
//! loop, and `tracing` events for every partial derivative, with `tracing-subscriber` layers that
//! write them to CSV.
//!
//! - [`data`]: CSV files into [`Dataset`]s, with errors that name the file, line and column.
//! - [`train`] / [`train_with`]: the loop, configured by a [`TrainConfig`].
//! - [`events`]: the span names, targets and field names the loop reports through: a public
//!   interface.
//! - [`metrics`]: confusion matrix, precision/recall/F1, log loss, MAE, RMSE and R² as
//!   scikit-learn computes them; [`evaluate`] a network on a dataset.
//! - [`gradlog`]: `tracing_subscriber::Layer`s that write those events to CSV.
//! - [`model_file`]: the human-readable JSON model file (weights, scaler, class names).
//! - [`output_file`]: outputs written to a temporary file and renamed, never half-written.
//! - [`predict`]: a network's outputs for a file of any length, one chunk of samples at a time.
//! - [`warnings`]: what a run should tell a person besides errors, typed.
//! - [`human`]: numbers and counts as text for people.
#![warn(missing_docs)]

pub mod data;
pub mod dataset;
pub mod events;
pub mod gradlog;
pub mod human;
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
mod step_log;
mod trainer;

pub use config::{available_threads, MetricsKind, Schedule, StopSignal, TrainConfig};
pub use dataset::Dataset;
pub use metrics::{evaluate, evaluate_prepared, try_evaluate, Evaluation};
pub use optimizer::{Optimizer, OptimizerState};
pub use trainer::{
    check_dataset, train, train_observed, train_with, NonFinite, StopReason, TrainError,
    TrainObserver, TrainReport,
};
