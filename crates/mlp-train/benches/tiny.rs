//! W1 of issue #11: one SGD step on one sample of the tutorial's 2-2-2 sigmoid network (no
//! biases, half-sum-of-squares loss, η = 0.5, f64), the per-step cost where nothing but the
//! dispatch around the arithmetic can be saved.
//!
//! - `library step (reused tape)`: what `mlp_train::train` does per step, minus its
//!   bookkeeping: `Tape::load_columns` of the sample, `Network::forward`, `Network::backward`
//!   and `OptimizerState::step` (SGD), with the tape, gradients and optimizer made once.
//! - `hand-written over arrays`: the same maths on `[f64; 2]` arrays, written out for this one
//!   shape, as a person would without a library: the floor for the library's step.
//!
//! Both train their own copy of the network from the tutorial's weights on the tutorial's
//! sample (x = (0.1, 0.2), t = (0.4, 0.6)), step after step; the weights converge and stay
//! finite. Each round runs `STEPS` steps of each.
//!
//! `cargo bench -p mlp-train --bench tiny` prints the medians of `ROUNDS` interleaved rounds
//! (see `support`), and last a machine-readable line:
//! `W1 library: <median ns> ns/step; hand-written: <median ns> ns/step`.

use std::hint::black_box;

use mlp_core::{Activation, Dense, Loss, Network};
use mlp_train::{Optimizer, OptimizerState};
use nalgebra::{dmatrix, DMatrix};

mod support;

/// Steps per round and variant.
const STEPS: usize = 200_000;
/// Measured rounds.
const ROUNDS: usize = 31;
const LEARNING_RATE: f64 = 0.5;

/// The tutorial's weights: rows are the neurons fed, columns the inputs.
const W_HIDDEN: [[f64; 2]; 2] = [[0.30, 0.25], [0.40, 0.35]];
const W_OUTPUT: [[f64; 2]; 2] = [[0.45, 0.40], [0.70, 0.60]];
const X: [f64; 2] = [0.1, 0.2];
const T: [f64; 2] = [0.4, 0.6];

fn tutorial_network() -> Network {
    let matrix = |w: [[f64; 2]; 2]| DMatrix::from_row_slice(2, 2, w.as_flattened());
    Network::new(
        vec![
            Dense::new(matrix(W_HIDDEN), None, Activation::Sigmoid),
            Dense::new(matrix(W_OUTPUT), None, Activation::Sigmoid),
        ],
        Loss::HalfSumSquared,
    )
    .expect("the tutorial's network")
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The tutorial's network as plain arrays, trained by hand.
struct HandWritten {
    hidden: [[f64; 2]; 2],
    output: [[f64; 2]; 2],
}

impl HandWritten {
    /// One SGD step on (x, t); returns the loss before it.
    #[inline(never)]
    fn step(&mut self, x: &[f64; 2], t: &[f64; 2]) -> f64 {
        let (w1, w2) = (&mut self.hidden, &mut self.output);
        let h = [
            sigmoid(w1[0][0] * x[0] + w1[0][1] * x[1]),
            sigmoid(w1[1][0] * x[0] + w1[1][1] * x[1]),
        ];
        let o = [
            sigmoid(w2[0][0] * h[0] + w2[0][1] * h[1]),
            sigmoid(w2[1][0] * h[0] + w2[1][1] * h[1]),
        ];
        let loss = 0.5 * (t[0] - o[0]) * (t[0] - o[0]) + 0.5 * (t[1] - o[1]) * (t[1] - o[1]);
        let delta_o = [(o[0] - t[0]) * o[0] * (1.0 - o[0]), (o[1] - t[1]) * o[1] * (1.0 - o[1])];
        let delta_h = [
            (w2[0][0] * delta_o[0] + w2[1][0] * delta_o[1]) * h[0] * (1.0 - h[0]),
            (w2[0][1] * delta_o[0] + w2[1][1] * delta_o[1]) * h[1] * (1.0 - h[1]),
        ];
        for to in 0..2 {
            for from in 0..2 {
                w2[to][from] -= LEARNING_RATE * delta_o[to] * h[from];
                w1[to][from] -= LEARNING_RATE * delta_h[to] * x[from];
            }
        }
        loss
    }
}

fn main() {
    let mut network = tutorial_network();
    let inputs: DMatrix<f64> = dmatrix![X[0]; X[1]];
    let targets: DMatrix<f64> = dmatrix![T[0]; T[1]];
    let mut tape = network.tape(std::num::NonZeroUsize::MIN);
    let mut gradients = network.zero_gradients();
    let mut optimizer = OptimizerState::new(Optimizer::Sgd, &network);
    let mut hand = HandWritten { hidden: W_HIDDEN, output: W_OUTPUT };

    // The same maths: after one step each, the weights agree.
    let (mut checked_network, mut checked_hand) =
        (network.clone(), HandWritten { hidden: W_HIDDEN, output: W_OUTPUT });
    tape.load_columns(&inputs, &targets, &[0]).expect("the sample fits");
    checked_network.forward(&mut tape);
    checked_network.backward(&mut tape, &mut gradients);
    checked_network.descend(&gradients, LEARNING_RATE);
    checked_hand.step(&X, &T);
    for (layer, hand_weights) in [checked_hand.hidden, checked_hand.output].iter().enumerate() {
        let weights = checked_network.layers()[layer].weights();
        for (to, row) in hand_weights.iter().enumerate() {
            for (from, &w) in row.iter().enumerate() {
                assert!((weights[(to, from)] - w).abs() < 1e-15, "layer {layer}: {weights}");
            }
        }
    }
    // The tutorial's W5 after the step.
    assert!((checked_hand.output[0][0] - 0.4370385721981763).abs() < 1e-15);

    let mut variants = [
        support::Variant {
            name: "library step (reused tape)",
            run: Box::new(|| {
                let mut loss_sum = 0.0;
                for _ in 0..STEPS {
                    tape.load_columns(&inputs, &targets, black_box(&[0])).expect("the sample fits");
                    network.forward(&mut tape);
                    loss_sum += network.backward(&mut tape, &mut gradients);
                    optimizer.step(&mut network, &gradients, LEARNING_RATE, 0.0);
                }
                black_box(loss_sum);
            }),
        },
        support::Variant {
            name: "hand-written over arrays",
            run: Box::new(|| {
                let mut loss_sum = 0.0;
                for _ in 0..STEPS {
                    loss_sum += hand.step(black_box(&X), black_box(&T));
                }
                black_box(loss_sum);
            }),
        },
    ];
    let medians =
        support::compare("tutorial_2_2_2_sgd_step", STEPS, "steps", ROUNDS, &mut variants);
    let ns_per_step = |seconds: f64| seconds / STEPS as f64 * 1e9;
    println!(
        "W1 library: {:.1} ns/step; hand-written: {:.1} ns/step",
        ns_per_step(medians[0]),
        ns_per_step(medians[1])
    );
}
