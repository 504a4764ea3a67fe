//! Issue #14's batch order: the samples of a batch are summed in ascending order whatever the
//! shuffle drew, so a full-batch run gives the same bits for every seed, shuffled or not.

use mlp_core::{Activation, Architecture, Loss, Network};
use mlp_train::{train, Dataset, Optimizer, TrainConfig};
use nalgebra::DMatrix;

/// 60 samples of 3 inputs and 2 targets, from smooth functions of the sample number (no
/// randomness: the data is the same for every seed).
fn data() -> Dataset<f64> {
    let n = 60;
    let inputs = DMatrix::from_fn(3, n, |row, col| ((row + 1) as f64 * 0.37 * col as f64).sin());
    let targets = DMatrix::from_fn(2, n, |row, col| ((row + 2) as f64 * 0.11 * col as f64).cos());
    Dataset::numbered(inputs, targets).unwrap()
}

fn network() -> Network<f64> {
    let architecture = Architecture {
        sizes: vec![3, 6, 2],
        hidden_activation: Activation::Tanh,
        output_activation: Activation::Identity,
        bias: true,
        loss: Loss::MeanSquared,
    };
    Network::initialized(&architecture, None, 5).unwrap()
}

/// Every weight and bias of `network`, as bits.
fn bits(network: &Network<f64>) -> Vec<u64> {
    network
        .layers()
        .iter()
        .flat_map(|dense| {
            let weights = dense.weights().iter().copied();
            weights.chain(dense.bias().into_iter().flat_map(|bias| bias.iter().copied()))
        })
        .map(f64::to_bits)
        .collect()
}

/// 100 full-batch Adam steps from one starting network: the same bits for seeds 42 and 7, and
/// for file order. Without the sort of each batch the shuffled runs differed at rounding level
/// (the one batch's sums taken in each seed's order).
#[test]
fn a_full_batch_run_is_the_same_bits_for_every_seed() {
    let base = TrainConfig {
        epochs: 100,
        batch_size: 60,
        optimizer: Optimizer::ADAM,
        learning_rate: 0.01,
        l2: 0.0,
        threads: 1,
        ..TrainConfig::default()
    };
    let run = |seed, shuffle| {
        let mut network = network();
        let config = TrainConfig { seed, shuffle, ..base.clone() };
        let report = train(&mut network, &data(), None, &config).unwrap();
        assert_eq!(report.steps, 100);
        bits(&network)
    };
    let first = run(42, true);
    assert_ne!(first, bits(&network()), "nothing trained");
    assert_eq!(first, run(7, true), "seeds 42 and 7");
    assert_eq!(first, run(42, false), "shuffled and file order");
}
