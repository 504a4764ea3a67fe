//! Training multilayer perceptrons built with [`mlp_core`]: datasets, optimizers, the training
//! loop, and `tracing` events for every partial derivative, with `tracing-subscriber` layers that
//! write them to CSV.
//!
//! See [`events`] for the span names, targets and field names: they are a public interface.
#![warn(missing_docs)]

pub mod data;
pub mod dataset;
pub mod events;
pub mod gradlog;

pub use dataset::Dataset;
