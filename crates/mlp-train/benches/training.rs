//! Cost of the tracing instrumentation when nobody listens.
//!
//! `instrumented`: one epoch of `mlp_train::train` (spans per epoch and step, one
//! `tracing::enabled!` check per step for gradient and layer events) with no subscriber.
//! `bare`: the same epoch written out with no tracing code at all: the same shuffling, tape,
//! forward, backward and Adam step. The ratio of medians is the overhead (goal ≤ 3%). The
//! instrumented run also accumulates its epoch metrics (an argmax per sample), so the ratio
//! is an upper bound on the cost of tracing alone.
//! `train` first evaluates the untrained network on the training set (the baseline of its
//! warnings), and the bare side does too; both run on one thread, with batches of 32, which a
//! step runs as one chunk (`TrainConfig::threads`), so both sides do the same arithmetic.
//! Network 784-128-64-10 (ReLU, softmax, cross-entropy), 2,048 samples, batches of 32. Each
//! side trains its own copy of the network on, epoch after epoch.
//!
//! `cargo bench -p mlp-train --bench training` prints the median times and the median of the
//! per-round time ratios (goal: instrumented / bare ≤ 1.03); see `support` for the harness.

use std::hint::black_box;

use mlp_core::{Activation, Architecture, Loss, Network};
use mlp_train::{evaluate, train, Dataset, TrainConfig};
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod support;
mod whole_batch;

use whole_batch::whole_batch_epoch;

const N_SAMPLES: usize = 2048;
/// Measured rounds.
const ROUNDS: usize = 31;

fn setup() -> (Network, Dataset, TrainConfig) {
    let architecture = Architecture {
        sizes: vec![784, 128, 64, 10],
        hidden_activation: Activation::Relu,
        output_activation: Activation::Softmax,
        bias: true,
        loss: Loss::CrossEntropy,
    };
    let network = Network::initialized(&architecture, None, 1).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let inputs = DMatrix::from_fn(784, N_SAMPLES, |_, _| rng.random_range(0.0..1.0));
    let targets =
        DMatrix::from_fn(10, N_SAMPLES, |row, column| f64::from(u8::from(row == column % 10)));
    let dataset = Dataset::numbered(inputs, targets).unwrap();
    let config = TrainConfig { epochs: 1, batch_size: 32, threads: 1, ..TrainConfig::default() };
    (network, dataset, config)
}

/// One epoch as `train` runs it, with every tracing line removed: the evaluation of the
/// untrained network it starts with, then the epoch.
fn bare_epoch(network: &mut Network, dataset: &Dataset, config: &TrainConfig) {
    black_box(evaluate(network, dataset, None).expect("the dataset fits"));
    black_box(whole_batch_epoch(network, dataset, config));
}

fn main() {
    let (network, dataset, config) = setup();
    let n_samples = dataset.len();
    let mut bare = network.clone();
    let mut instrumented = network;
    let mut variants = [
        support::Variant {
            name: "bare",
            run: Box::new(|| bare_epoch(&mut bare, &dataset, &config)),
        },
        support::Variant {
            name: "instrumented_no_subscriber",
            run: Box::new(|| {
                black_box(train(&mut instrumented, &dataset, None, &config).unwrap());
            }),
        },
    ];
    support::compare("epoch_784_128_64_10", n_samples, "samples", ROUNDS, &mut variants);
}
