//! Training on both cores (issue #11's W3): one epoch of a 784-128-64-10 ReLU network with a
//! softmax and cross-entropy, plain SGD at η = 0.01, batches of 64, f32, on 60,000 synthetic
//! samples of 784 inputs and 10 classes (the shape of the W3 file, random values).
//!
//! `whole_batch`: the loop before data parallelism, written out (load the batch into one tape,
//! forward, backward, SGD step). `train_threads_N`: `mlp_train::train` with `threads = N`, timed
//! by the report's `seconds` (training only, as `mlp train --json` reports it). Every variant
//! trains its own copy of the same network from the same weights, epoch after epoch.
//!
//! `cargo bench -p mlp-train --bench threads` prints the medians and the median of per-round
//! ratios to `whole_batch` (see `support`). FLOP/s: one step of 64 samples is about
//! 2 · 64 · (784·128 + 128·64 + 64·10) multiply-adds forward and twice that backward.

use std::hint::black_box;
use std::time::Instant;

use mlp_core::{Activation, Architecture, Loss, Network};
use mlp_train::{train, Dataset, Optimizer, TrainConfig};
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[allow(dead_code)] // `compare`: the entry point of the other benches.
mod support;
mod whole_batch;

use whole_batch::whole_batch_epoch;

const N_SAMPLES: usize = 60_000;
/// Measured rounds.
const ROUNDS: usize = 7;

fn setup() -> (Network<f32>, Dataset<f32>, TrainConfig) {
    let architecture = Architecture {
        sizes: vec![784, 128, 64, 10],
        hidden_activation: Activation::Relu,
        output_activation: Activation::Softmax,
        bias: true,
        loss: Loss::CrossEntropy,
    };
    let network = Network::initialized(&architecture, None, 1).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let inputs = DMatrix::from_fn(784, N_SAMPLES, |_, _| rng.random_range(-2.0..2.0));
    let targets =
        DMatrix::from_fn(10, N_SAMPLES, |row, column| f32::from(u8::from(row == column % 10)));
    let dataset = Dataset::numbered(inputs, targets).unwrap();
    let config = TrainConfig {
        epochs: 1,
        batch_size: 64,
        optimizer: Optimizer::Sgd,
        learning_rate: 0.01,
        l2: 0.0,
        ..TrainConfig::default()
    };
    (network, dataset, config)
}

fn main() {
    let (network, dataset, config) = setup();
    let mut whole = network.clone();
    let mut one = network.clone();
    let mut two = network;
    let train_seconds = |network: &mut Network<f32>, threads: usize| {
        let config = TrainConfig { threads, ..config.clone() };
        let report = train(network, &dataset, None, &config).unwrap();
        report.history[0].seconds
    };
    let mut variants = [
        support::TimedVariant {
            name: "whole_batch",
            run: Box::new(|| {
                let start = Instant::now();
                black_box(whole_batch_epoch(&mut whole, &dataset, &config));
                start.elapsed().as_secs_f64()
            }),
        },
        support::TimedVariant {
            name: "train_threads_1",
            run: Box::new(|| train_seconds(&mut one, 1)),
        },
        support::TimedVariant {
            name: "train_threads_2",
            run: Box::new(|| train_seconds(&mut two, 2)),
        },
    ];
    support::compare_timed(
        "w3_epoch_784_128_64_10_f32",
        N_SAMPLES,
        "samples",
        ROUNDS,
        &mut variants,
    );
}
