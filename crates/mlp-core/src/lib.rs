//! The maths of multilayer perceptrons, with every factor of the chain rule kept as data.
//!
//! `mlp-core` builds networks of [`Dense`] layers, runs them forward over whole batches (one
//! matrix product per layer), and backpropagates, returning not only the gradient an optimizer
//! applies but **every partial derivative of the chain rule per sample**: for each neuron j,
//! ∂E/∂a_j, ∂a_j/∂z_j and ∂E/∂z_j; for each weight w_ji, ∂z_j/∂w_ji and ∂E/∂w_ji.
//! It does no I/O and no logging: `mlp-train` turns these numbers into tracing events.
//!
//! Conventions:
//! - Weights are (n_outputs × n_inputs): **row = the neuron fed, column = the input**.
//! - Batches are matrices with **one column per sample**.
//! - The batch loss is the mean of the per-sample losses.
//! - Parameters are named as in the tutorial: `W1`..`Wn` across the network, layer by layer,
//!   row-major within a layer; biases `b1`..`bm` ([`ParameterNames`]).
//! - Generic over [`Scalar`]: `f64` (the default) and `f32`.
//!
//! # Example: the tutorial's network, one step
//!
//! The 2-2-2 sigmoid network without biases, x = (0.1, 0.2), t = (0.4, 0.6), loss
//! E = Σ ½(t − o)², learning rate 0.5:
//!
//! ```
//! use approx::assert_relative_eq;
//! use mlp_core::{Activation, Dense, Loss, Network};
//! use nalgebra::{dmatrix, DMatrix};
//!
//! let network = Network::new(
//!     vec![
//!         Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid), // W1..W4
//!         Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid), // W5..W8
//!     ],
//!     Loss::HalfSumSquared,
//! )?;
//! let inputs = DMatrix::from_column_slice(2, 1, &[0.1, 0.2]);
//! let targets = DMatrix::from_column_slice(2, 1, &[0.4, 0.6]);
//!
//! let (tape, gradients, loss) = network.backpropagate(&inputs, &targets)?;
//! assert_relative_eq!(loss, 0.02397190, epsilon = 1e-8);
//!
//! // W5 feeds o1 (layer 2, neuron 1) from h1 (input 1): all indices 0-based here.
//! let names = network.parameter_names();
//! let w5 = names.find("W5").unwrap();
//! let output = tape.factors(w5.layer);
//! let (sample, to, from) = (0, w5.to, w5.from.unwrap());
//! let de_do = output.de_da.unwrap()[(to, sample)];
//! let do_dz = output.da_dz.unwrap()[(to, sample)];
//! let dz_dw = output.dz_dw(sample, Some(from));
//! println!("∂E/∂W5 = {de_do:.8} × {do_dz:.8} × {dz_dw:.8} = {:.8}", de_do * do_dz * dz_dw);
//! assert_relative_eq!(de_do * do_dz * dz_dw, 0.02592286, epsilon = 1e-8);
//! assert_relative_eq!(gradients.get(w5), 0.02592286, epsilon = 1e-8);
//!
//! let mut stepped = network.clone();
//! stepped.descend(&gradients, 0.5);
//! assert_relative_eq!(stepped.layers()[1].weights()[(0, 0)], 0.43703857, epsilon = 1e-8);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # nalgebra, re-exported
//!
//! Matrices are [`nalgebra`]'s, and `mlp_core::nalgebra` is the very version mlp-core is built
//! with. Name matrices through it, and a program that depends on another nalgebra version
//! (or none) still compiles, instead of failing with "multiple versions of crate nalgebra".
//! The matrix macros (`dmatrix!`, `dvector!`) expand to paths that begin with `nalgebra::`, so
//! bring the re-export itself into scope too:
//!
//! ```
//! use mlp_core::nalgebra::{self, dmatrix, DMatrix};
//! use mlp_core::{Activation, Dense, Loss, Network};
//!
//! let dense = Dense::new(dmatrix![0.5, -0.5], None, Activation::Identity);
//! let network = Network::new(vec![dense], Loss::MeanSquared)?;
//! let inputs: DMatrix<f64> = dmatrix![1.0, 2.0; 3.0, 4.0]; // two samples, one per column
//! assert_eq!(network.predict(&inputs)?, dmatrix![-1.0, -1.0]);
//! assert_eq!(network.predict_rows(&[[1.0, 3.0], [2.0, 4.0]])?, [[-1.0], [-1.0]]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `crates/mlp-core/examples/` holds two whole programs: `tutorial_step.rs` (the tutorial's
//! step, every factor printed) and `training_loop.rs` (a training loop written by hand).
#![warn(missing_docs)]

pub use nalgebra;

mod activation;
mod backward;
mod dense;
mod error;
mod forward;
mod gradients;
mod init;
mod loss;
mod memory;
#[cfg(test)]
mod mutants_tests;
mod network;
mod param;
mod parse;
mod scalar;
mod small;
mod tape;

pub use activation::Activation;
pub use dense::Dense;
pub use error::{
    BatchError, NetworkError, NonFiniteActivation, ParseActivationError, ParseLossError,
};
pub use gradients::Gradients;
pub use init::{Architecture, Init};
pub use loss::Loss;
pub use memory::Footprint;
pub use network::Network;
pub use param::{ParamId, ParameterNames};
pub use scalar::Scalar;
pub use tape::{LayerFactors, Tape};
