//! The training loop of mlp-train: convergence, reproducibility, early stopping, divergence.

use mlp_core::{Activation, Architecture, Loss, Network};
use mlp_train::{train, Dataset, Optimizer, TrainConfig, TrainError};
use nalgebra::DMatrix;

use crate::util::{xor, xor_network};

fn xor_config() -> TrainConfig {
    TrainConfig {
        epochs: 2000,
        batch_size: 4,
        optimizer: Optimizer::ADAM,
        learning_rate: 0.05,
        l2: 0.0,
        ..TrainConfig::default()
    }
}

#[test]
fn xor_is_learned_under_a_fixed_seed() {
    let mut network = xor_network(1);
    let report = train(&mut network, &xor(), None, &xor_config()).unwrap();
    let last = report.history.last().unwrap();
    assert!(last.loss < 0.01, "loss after {} epochs: {}", report.history.len(), last.loss);
    let outputs = network.predict(xor().inputs()).unwrap();
    for (output, target) in outputs.iter().zip([0.0, 1.0, 1.0, 0.0]) {
        assert!((output - target).abs() < 0.2, "{output} for {target}");
    }
}

#[test]
fn same_seed_same_weights_bit_for_bit() {
    let config = TrainConfig { epochs: 50, batch_size: 2, ..xor_config() };
    let run = |seed| {
        let mut network = xor_network(3);
        train(&mut network, &xor(), None, &TrainConfig { seed, ..config.clone() }).unwrap();
        network
    };
    assert_eq!(run(9), run(9));
    assert_ne!(run(9), run(10), "a different shuffling seed must change the run");
}

#[test]
fn early_stopping_restores_the_best_weights() {
    // A learning rate that overshoots after a while: the monitored loss stops improving and
    // the network must come back to the best epoch's weights.
    let mut network = xor_network(1);
    let config = TrainConfig {
        epochs: 400,
        patience: Some(5),
        optimizer: Optimizer::Sgd,
        learning_rate: 40.0,
        ..xor_config()
    };
    let report = train(&mut network, &xor(), None, &config).unwrap();
    assert!(report.stopped_early, "ran all {} epochs", report.history.len());
    let best = report.history.iter().map(|r| r.loss).fold(f64::INFINITY, f64::min);
    assert_eq!(report.history[report.best_epoch - 1].loss, best);
    // The weights kept are those at the end of the best epoch: the same run stopped there.
    let mut stopped_at_best = xor_network(1);
    let config = TrainConfig { epochs: report.best_epoch, patience: None, ..config };
    train(&mut stopped_at_best, &xor(), None, &config).unwrap();
    assert_eq!(network, stopped_at_best);
    assert_eq!(report.history.len(), report.best_epoch + 5);
}

#[test]
fn a_diverging_run_names_its_epoch_and_step() {
    let architecture = Architecture {
        sizes: vec![2, 8, 1],
        hidden_activation: Activation::Identity,
        output_activation: Activation::Identity,
        bias: true,
        loss: Loss::MeanSquared,
    };
    let mut network = Network::initialized(&architecture, None, 5).unwrap();
    let targets = DMatrix::from_row_slice(1, 4, &[1e3, -1e3, 1e3, -1e3]);
    let data = Dataset::numbered(xor().inputs().clone(), targets).unwrap();
    let config = TrainConfig {
        epochs: 1000,
        batch_size: 1,
        optimizer: Optimizer::Sgd,
        learning_rate: 10.0,
        ..TrainConfig::default()
    };
    match train(&mut network, &data, None, &config) {
        Err(TrainError::Diverged { epoch, step, .. }) => {
            assert!(epoch >= 1 && step >= 1);
            assert!(
                step <= epoch * 4 && step > (epoch - 1) * 4,
                "step {step} is not in epoch {epoch}"
            );
        }
        other => panic!("expected divergence, got {other:?}"),
    }
}

#[test]
fn a_dataset_of_the_wrong_shape_is_refused_before_training() {
    let mut network = xor_network(1);
    let data = Dataset::numbered(DMatrix::zeros(3, 4), DMatrix::zeros(1, 4)).unwrap();
    let error = train(&mut network, &data, None, &TrainConfig::default()).unwrap_err();
    assert_eq!(error.to_string(), "training data has 3 inputs per sample but the network has 2");
}

/// The report's baseline for the warnings is the untrained network's loss on all the data.
#[test]
fn the_report_holds_the_untrained_networks_loss() {
    let untrained = xor_network(1);
    let expected = mlp_train::evaluate(&untrained, &xor(), None).unwrap().loss;
    let mut network = untrained.clone();
    let config = TrainConfig { epochs: 3, ..xor_config() };
    let report = train(&mut network, &xor(), Some(&xor()), &config).unwrap();
    assert_eq!(report.initial_loss, expected);
    assert_eq!(report.initial_val_loss, Some(expected));
    assert_ne!(report.history[2].loss, expected, "the run must have changed the loss");
    // Three epochs move the loss by less than 10% of where it started.
    let last = report.history[2].loss;
    assert!(last > 0.9 * expected, "{last} vs {expected}");
    assert_eq!(
        mlp_train::warnings::training_warnings(&config, &report),
        [mlp_train::warnings::Warning::NotLearning { initial: expected, last }]
    );
}
