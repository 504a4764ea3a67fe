//! The tutorial's step on mlp-core alone: the 2-2-2 sigmoid network without biases, one
//! sample x = (0.1, 0.2) with targets t = (0.4, 0.6), loss E = Σ ½(t − o)², one step of
//! gradient descent with η = 0.5. Prints the forward pass, every factor of the chain rule for
//! each weight, and the update: the numbers of `docs/tutorial.md`.
//!
//! Run: `cargo run -p mlp-core --example tutorial_step`

use std::error::Error;
use std::fmt::Write;

// The matrix macros expand to `nalgebra::…` paths: the re-export in scope serves them.
use mlp_core::nalgebra::{self, dmatrix, DMatrix};
use mlp_core::{Activation, Dense, Loss, Network};

/// What the step computed: the text it prints and the numbers in it.
pub struct TutorialStep {
    /// The whole printout.
    pub text: String,
    /// E before the step.
    pub loss: f64,
    /// ∂E/∂w for W1..W8, in the names' order.
    pub gradients: Vec<(String, f64)>,
    /// The weights W1..W8 after the step.
    pub updated: Vec<(String, f64)>,
    /// E after the step.
    pub loss_after: f64,
}

/// The network, the sample, the step and its printout.
pub fn tutorial_step() -> Result<TutorialStep, Box<dyn Error>> {
    // Rows are the neuron fed, columns the input it comes from: W1 W2 feed h1, W3 W4 feed h2.
    let network = Network::new(
        vec![
            Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid),
            Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid),
        ],
        Loss::HalfSumSquared,
    )?;
    let learning_rate = 0.5;
    // One sample, one column.
    let inputs: DMatrix<f64> = dmatrix![0.1; 0.2];
    let targets: DMatrix<f64> = dmatrix![0.4; 0.6];

    // Forward and backward in one call; the tape keeps every z, a and factor of the sample.
    let (tape, gradients, loss) = network.backpropagate(&inputs, &targets)?;
    let mut text = String::new();

    writeln!(text, "Forward pass")?;
    let neuron_names = [["h1", "h2"], ["o1", "o2"]];
    let mut z_number = 0;
    for layer in 0..tape.n_layers() {
        let factors = tape.factors(layer);
        for neuron in 0..factors.z.nrows() {
            z_number += 1;
            let name = neuron_names[layer][neuron];
            let (z, a) = (factors.z[(neuron, 0)], factors.a[(neuron, 0)]);
            writeln!(text, "  z{z_number} = {z:.8}   {name} = sigmoid(z{z_number}) = {a:.8}")?;
        }
    }
    writeln!(text, "Loss E = Σ ½(t − o)² = {loss:.8}")?;

    writeln!(text, "Backward pass: ∂E/∂w = ∂E/∂a × ∂a/∂z × ∂z/∂w, then w ← w − η ∂E/∂w")?;
    let mut stepped = network.clone();
    stepped.descend(&gradients, learning_rate);
    let mut gradient_list = Vec::new();
    let mut updated = Vec::new();
    // The output layer first, as backpropagation runs.
    for layer in (0..network.layers().len()).rev() {
        let factors = tape.factors(layer);
        for (name, id, weight) in network.named_parameters().filter(|(_, id, _)| id.layer == layer)
        {
            let de_da = factors.de_da.ok_or("∂E/∂a is one number per neuron here")?;
            let da_dz = factors.da_dz.ok_or("sigmoid is elementwise")?;
            let (de_da, da_dz) = (de_da[(id.to, 0)], da_dz[(id.to, 0)]);
            let dz_dw = factors.dz_dw(0, id.from);
            let gradient = gradients.get(id);
            let after = stepped.parameter(id).ok_or("the same network")?;
            writeln!(
                text,
                "  ∂E/∂{name} = {de_da:.8} × {da_dz:.8} × {dz_dw:.8} = {gradient:.8}   \
                 {name} ← {weight} − {learning_rate} × {gradient:.8} = {after:.8}"
            )?;
            gradient_list.push((name.clone(), gradient));
            updated.push((name, after));
        }
    }
    let (_, _, loss_after) = stepped.backpropagate(&inputs, &targets)?;
    writeln!(text, "Loss after the step: {loss_after:.8}")?;

    gradient_list.sort_by_key(|(name, _)| name[1..].parse::<usize>().unwrap_or(0));
    updated.sort_by_key(|(name, _)| name[1..].parse::<usize>().unwrap_or(0));
    Ok(TutorialStep { text, loss, gradients: gradient_list, updated, loss_after })
}

fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", tutorial_step()?.text);
    Ok(())
}
