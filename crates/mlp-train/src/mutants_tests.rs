//! Tests that fail when an update rule, a schedule or the chunked batch step is wrong: they
//! kill the mutants `cargo mutants` made of this crate's maths that its other tests let live
//! (docs/mutants.md lists the command and the score).
//!
//! The optimizer and schedule numbers come from PyTorch (`tests/reference/mutants.py
//! mlp-train`, which writes `mutants_tests/reference.rs`); the chunked step is checked against
//! mlp-core's backward pass over the whole batch.

use approx::assert_relative_eq;
use mlp_core::{Activation, Dense, Gradients, Loss, Network};
use nalgebra::{dmatrix, dvector, DMatrix};

use crate::batch_step::{chunk_buffers, BatchStep};
use crate::{Optimizer, OptimizerState, Schedule};

#[rustfmt::skip]
mod reference;

/// ((7 k + offset) mod modulus − ⌊modulus / 2⌋) / scale, as `value` in the script.
fn value(k: usize, modulus: usize, offset: usize, scale: f64) -> f64 {
    (((7 * k + offset) % modulus) as f64 - (modulus / 2) as f64) / scale
}

/// The script's 3-2-1 network: layer 1 with biases, layer 2 without.
fn network() -> Network {
    let w1 = DMatrix::from_fn(2, 3, |to, from| value(from * 2 + to, 17, 3, 10.0));
    let b1 = dvector![value(0, 11, 5, 20.0), value(1, 11, 5, 20.0)];
    let w2 = dmatrix![value(31, 17, 3, 10.0), value(32, 17, 3, 10.0)];
    Network::new(
        vec![
            Dense::new(w1, Some(b1), Activation::Tanh),
            Dense::new(w2, None, Activation::Identity),
        ],
        Loss::MeanSquared,
    )
    .unwrap()
}

/// The script's gradient of `step` (1-based): block b, column-major entry k.
fn gradients(network: &Network, step: usize) -> Gradients {
    let mut gradients = network.zero_gradients();
    for (block, values) in gradients.blocks_mut().enumerate() {
        for (k, g) in values.iter_mut().enumerate() {
            *g = value(k + 5 * block + 3 * step, 19, 2, 8.0);
        }
    }
    gradients
}

fn parameters(network: &Network) -> Vec<f64> {
    network.parameter_blocks().flatten().copied().collect()
}

/// Three steps of each rule with η = 0.1 and L2 0.05 on the weights (not the biases), against
/// `torch.optim`; Adam also with β₁ = 0.5, β₂ = 0.75, ε = 0.1, where the bias corrections and ε
/// weigh.
#[test]
fn optimizer_steps_are_pytorchs() {
    let rules = [
        (Optimizer::Sgd, &reference::SGD),
        (Optimizer::MOMENTUM, &reference::MOMENTUM),
        (Optimizer::Nesterov { momentum: 0.8 }, &reference::NESTEROV),
        (Optimizer::ADAM, &reference::ADAM),
        (Optimizer::Adam { beta1: 0.5, beta2: 0.75, epsilon: 0.1 }, &reference::ADAM_ODD),
    ];
    for (optimizer, expected) in rules {
        for checked in [false, true] {
            let mut network = network();
            let mut state = OptimizerState::new(optimizer, &network);
            assert_eq!(state.optimizer(), optimizer);
            let mut before: Vec<Vec<f64>> =
                network.parameter_blocks().map(|block| vec![f64::NAN; block.len()]).collect();
            for (step, expected) in expected.iter().enumerate() {
                let gradients = gradients(&network, step + 1);
                let previous = parameters(&network);
                if checked {
                    let found =
                        state.step_checked(&mut network, &gradients, 0.1, 0.05, &mut before);
                    assert_eq!(found, None);
                    assert_eq!(before.concat(), previous, "{optimizer:?}: the values before");
                } else {
                    state.step(&mut network, &gradients, 0.1, 0.05);
                }
                for (k, (&found, &expected)) in
                    parameters(&network).iter().zip(expected).enumerate()
                {
                    assert!(
                        approx::relative_eq!(
                            found,
                            expected,
                            epsilon = 1e-15,
                            max_relative = 1e-12
                        ),
                        "{optimizer:?}, step {}, parameter {k}: {found} ≠ {expected}",
                        step + 1
                    );
                }
            }
        }
    }
}

/// `step_checked` names the first layer whose update overflowed, and keeps the values before.
#[test]
fn a_checked_step_names_the_first_layer_that_overflowed() {
    for optimizer in [Optimizer::Sgd, Optimizer::MOMENTUM, Optimizer::ADAM] {
        for (layer, block) in [(1, 1), (2, 2), (1, 0)] {
            let mut network = network();
            let mut state = OptimizerState::new(optimizer, &network);
            let mut gradients = gradients(&network, 1);
            gradients.blocks_mut().nth(block).unwrap()[0] = f64::NAN;
            let mut before: Vec<Vec<f64>> =
                network.parameter_blocks().map(|block| vec![0.0; block.len()]).collect();
            let previous = parameters(&network);
            let found = state.step_checked(&mut network, &gradients, 0.1, 0.0, &mut before);
            assert_eq!(found, Some(layer), "{optimizer:?}, block {block}");
            assert_eq!(before.concat(), previous);
        }
    }
}

#[test]
fn optimizer_names_and_state() {
    let rules = [
        (Optimizer::Sgd, "sgd", false),
        (Optimizer::MOMENTUM, "momentum", true),
        (Optimizer::NESTEROV, "nesterov", true),
        (Optimizer::ADAM, "adam", true),
    ];
    for (optimizer, name, has_state) in rules {
        assert_eq!(optimizer.name(), name);
        assert_eq!(optimizer.has_state(), has_state, "{name}");
    }
    assert_eq!(Optimizer::default(), Optimizer::ADAM);
}

/// η per epoch against PyTorch's StepLR and ExponentialLR; epoch 0 counts as epoch 1 and a
/// step of 0 epochs as 1.
#[test]
fn schedules_are_pytorchs() {
    let step = Schedule::Step { every: 3, factor: 0.5 };
    let exponential = Schedule::Exponential { gamma: 0.9 };
    for epoch in 1..=8 {
        assert_eq!(Schedule::Constant.learning_rate(0.1, epoch), 0.1);
        assert_relative_eq!(
            step.learning_rate(0.1, epoch),
            reference::STEP_LR[epoch - 1],
            max_relative = 1e-15
        );
        assert_relative_eq!(
            exponential.learning_rate(0.1, epoch),
            reference::EXPONENTIAL_LR[epoch - 1],
            max_relative = 1e-15
        );
    }
    assert_eq!(step.learning_rate(0.1, 0), 0.1);
    assert_eq!(exponential.learning_rate(0.1, 0), 0.1);
    let every_epoch = Schedule::Step { every: 0, factor: 0.5 };
    assert_eq!(every_epoch.learning_rate(0.1, 3), 0.025);
}

/// A batch split in chunks gives the loss and gradient of the whole batch (up to rounding),
/// on one thread and on three, and its tapes hold the chunks' samples in order.
#[test]
fn a_chunked_step_gives_the_whole_batchs_gradient() {
    let network = Network::new(
        vec![
            Dense::new(
                DMatrix::from_fn(4, 3, |to, from| value(from * 4 + to, 17, 3, 10.0)),
                Some(dvector![0.1, -0.2, 0.3, -0.05]),
                Activation::Tanh,
            ),
            Dense::new(
                DMatrix::from_fn(2, 4, |to, from| value(from * 2 + to + 31, 17, 3, 10.0)),
                Some(dvector![0.05, -0.1]),
                Activation::Sigmoid,
            ),
        ],
        Loss::HalfSumSquared,
    )
    .unwrap();
    let n = 140;
    let inputs = DMatrix::from_fn(3, n, |i, s| value(s * 3 + i, 13, 1, 4.0));
    let targets = DMatrix::from_fn(2, n, |k, s| value(s * 2 + k, 11, 4, 12.0));
    // A batch of 100 shuffled samples: three chunks (34, 33, 33).
    let batch: Vec<usize> = (0..100).map(|k| (k * 37 + 11) % n).collect();
    let mut gathered_inputs = DMatrix::zeros(3, batch.len());
    let mut gathered_targets = DMatrix::zeros(2, batch.len());
    for (sample, &column) in batch.iter().enumerate() {
        gathered_inputs.set_column(sample, &inputs.column(column));
        gathered_targets.set_column(sample, &targets.column(column));
    }
    let (_, expected, expected_loss) =
        network.backpropagate(&gathered_inputs, &gathered_targets).unwrap();
    assert_eq!(chunk_buffers(100), (3, 63, 3));
    assert_eq!(chunk_buffers(40), (1, 40, 0));
    for threads in [1, 3] {
        let mut step = BatchStep::new(&network, 100, threads);
        // A smaller batch first, so that the second one runs on tapes used before.
        let mut gradients = network.zero_gradients();
        step.run(&network, &inputs, &targets, &batch[..70], &mut gradients);
        let loss = step.run(&network, &inputs, &targets, &batch, &mut gradients);
        assert_relative_eq!(loss, expected_loss, max_relative = 1e-13);
        for (found, expected) in gradients.blocks().zip(expected.blocks()) {
            for (&found, &expected) in found.iter().zip(expected) {
                assert_relative_eq!(found, expected, epsilon = 1e-16, max_relative = 1e-12);
            }
        }
        let sizes: Vec<usize> = step.tapes().map(|tape| tape.batch_size()).collect();
        assert_eq!(sizes, [34, 33, 33], "{threads} threads");
        let first_inputs: Vec<DMatrix<f64>> =
            step.tapes().map(|tape| tape.inputs().columns(0, 1).into_owned()).collect();
        assert_eq!(first_inputs[1], gathered_inputs.columns(34, 1));
        assert_eq!(first_inputs[2], gathered_inputs.columns(67, 1));
        // Each chunk's loss is its own samples' mean.
        for ((tape, loss), start) in step.losses().zip([0, 34, 67]) {
            let size = tape.batch_size();
            let mean = tape.sample_losses().iter().sum::<f64>() / size as f64;
            assert_relative_eq!(loss, mean, max_relative = 1e-13);
            assert_eq!(tape.inputs(), gathered_inputs.columns(start, size));
        }
        // A batch that is one chunk writes the gradient itself: exactly the whole batch's.
        let loss = step.run(&network, &inputs, &targets, &batch[..40], &mut gradients);
        let small_inputs = gathered_inputs.columns(0, 40).into_owned();
        let small_targets = gathered_targets.columns(0, 40).into_owned();
        let (_, exact, exact_loss) = network.backpropagate(&small_inputs, &small_targets).unwrap();
        assert_eq!(loss, exact_loss);
        assert_eq!(gradients, exact);
    }
}
