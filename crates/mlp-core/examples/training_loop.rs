//! A training loop written by hand on mlp-core alone: XOR with a 2-3-1 network (tanh hidden
//! layer, sigmoid output, biases), full-batch gradient descent on the mean squared error,
//! printing the loss as it falls and the four predictions at the end.
//!
//! Each epoch is forward, backward and descend on one preallocated tape: nothing is
//! allocated inside the loop. (mlp-train's `train` does the same with shuffling, mini-batches,
//! optimizers, early stopping and tracing events.)
//!
//! Run: `cargo run -p mlp-core --example training_loop`

use std::error::Error;
use std::fmt::Write;

// The matrix macros expand to `nalgebra::…` paths: the re-export in scope serves them.
use mlp_core::nalgebra::{self, dmatrix, dvector};
use mlp_core::{Activation, Dense, Loss, Network};

/// Full passes over the four samples.
pub const EPOCHS: usize = 1000;
/// The loss is printed every this many epochs.
pub const PRINT_EVERY: usize = 100;
/// η in w ← w − η ∂E/∂w.
pub const LEARNING_RATE: f64 = 1.0;
/// The four samples, one per row: x1, x2 and the target x1 XOR x2.
pub const XOR: [[f64; 3]; 4] = [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]];

/// What the run printed and the numbers in it.
pub struct TrainingRun {
    /// The whole printout.
    pub text: String,
    /// (epoch, loss after that many updates), every [`PRINT_EVERY`] epochs from 0 to [`EPOCHS`].
    pub losses: Vec<(usize, f64)>,
    /// The trained network's output for each sample of [`XOR`].
    pub outputs: Vec<f64>,
}

/// Builds the network, trains it and reports.
pub fn training_loop() -> Result<TrainingRun, Box<dyn Error>> {
    // Fixed starting weights (rows: the neuron fed; columns: the input), so that the run is
    // the same everywhere and can be checked against another implementation.
    let hidden = Dense::new(
        dmatrix![0.5, -0.4; 0.3, 0.8; -0.7, 0.6],
        Some(dvector![0.1, -0.2, 0.05]),
        Activation::Tanh,
    );
    let output = Dense::new(dmatrix![0.6, -0.5, 0.7], Some(dvector![0.0]), Activation::Sigmoid);
    let mut network = Network::new(vec![hidden, output], Loss::MeanSquared)?;

    // Batches have one column per sample.
    let inputs = nalgebra::DMatrix::from_fn(2, XOR.len(), |row, sample| XOR[sample][row]);
    let targets = nalgebra::DMatrix::from_fn(1, XOR.len(), |_, sample| XOR[sample][2]);

    // One tape and one gradient buffer for the whole run; the batch never changes, so it is
    // loaded once.
    let mut tape = network.try_tape(XOR.len())?;
    let mut gradients = network.zero_gradients();
    tape.load(&inputs, &targets)?;

    let mut text = String::new();
    let mut losses = Vec::new();
    for epoch in 0..=EPOCHS {
        network.forward(&mut tape);
        let loss = network.backward(&mut tape, &mut gradients);
        if epoch % PRINT_EVERY == 0 {
            writeln!(text, "epoch {epoch:>4}  loss {loss:.8}")?;
            losses.push((epoch, loss));
        }
        if epoch == EPOCHS {
            break;
        }
        network.descend(&gradients, LEARNING_RATE);
    }

    let samples: Vec<[f64; 2]> = XOR.iter().map(|&[x1, x2, _]| [x1, x2]).collect();
    let predictions = network.predict_rows(&samples)?;
    let mut outputs = Vec::new();
    for (&[x1, x2, target], prediction) in XOR.iter().zip(&predictions) {
        writeln!(text, "{x1} XOR {x2} = {target}: predicted {:.4}", prediction[0])?;
        outputs.push(prediction[0]);
    }
    Ok(TrainingRun { text, losses, outputs })
}

fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", training_loop()?.text);
    Ok(())
}
