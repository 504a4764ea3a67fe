//! The training loop of mlp-train: convergence, reproducibility, early stopping, divergence.

use mlp_core::Activation::Sigmoid;
use mlp_core::{Activation, Architecture, Dense, Loss, Network};
use mlp_train::{train, Dataset, Freeze, Optimizer, ParamKind, Schedule, TrainConfig, TrainError};
use nalgebra::{dmatrix, dvector, DMatrix};

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

/// Matt Mazur, "A Step by Step Backpropagation Example" (2015),
/// https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/: a 2-2-2 sigmoid
/// network with w1..w8 = .15 .20 .25 .30 .40 .45 .50 .55, b1 = .35 for both hidden neurons,
/// b2 = .60 for both outputs, inputs (.05, .10), targets (.01, .99), E = Σ ½ (t − o)², η = 0.5,
/// and, as in the blog, the biases not updated.
fn mazur() -> (Network, Dataset) {
    let network = Network::new(
        vec![
            Dense::new(dmatrix![0.15, 0.20; 0.25, 0.30], Some(dvector![0.35, 0.35]), Sigmoid),
            Dense::new(dmatrix![0.40, 0.45; 0.50, 0.55], Some(dvector![0.60, 0.60]), Sigmoid),
        ],
        Loss::HalfSumSquared,
    )
    .unwrap();
    let data = Dataset::numbered(dmatrix![0.05; 0.10], dmatrix![0.01; 0.99]).unwrap();
    (network, data)
}

/// Mazur's frozen-bias run: the total error after 10,000 updates is 3.5101878e-05 (to the
/// last digits of tests/reference/training.py, plain Python floats). The blog's printed
/// "0.0000351085" is the error after 9,999 updates, 3.5108548e-05: the error the 10,000th
/// epoch's record holds, computed before that epoch's one update.
#[test]
fn mazurs_frozen_bias_example_after_ten_thousand_updates() {
    let (mut network, data) = mazur();
    let biases: Vec<_> = network.layers().iter().map(|dense| dense.bias().cloned()).collect();
    let config = TrainConfig {
        epochs: 10_000,
        batch_size: 1,
        optimizer: Optimizer::Sgd,
        learning_rate: 0.5,
        l2: 0.0,
        freeze: Freeze::all(ParamKind::Biases),
        threads: 1,
        ..TrainConfig::default()
    };
    let report = train(&mut network, &data, None, &config).unwrap();
    assert_eq!(report.steps, 10_000);
    let close = |found: f64, expected: f64| (found - expected).abs() <= 1e-12 * expected;
    // Before any update: 0.2983711087600027; after one: 0.29102777369359933 (the blog prints
    // 0.291027924).
    assert!(close(report.initial_loss, 0.2983711087600027), "{}", report.initial_loss);
    assert!(close(report.history[0].loss, 0.2983711087600027));
    assert!(close(report.history[1].loss, 0.29102777369359933), "{}", report.history[1].loss);
    assert!(close(report.loss_after, 3.510187782978859e-05), "{:e}", report.loss_after);
    let after_9999 = report.epoch_mean_loss.unwrap();
    assert!(close(after_9999, 3.510_854_812_251_261e-5), "{after_9999:e}");
    let weights: Vec<f64> = network
        .layers()
        .iter()
        .flat_map(|dense| dense.weights().transpose().iter().copied().collect::<Vec<_>>())
        .collect();
    let python = [
        0.3785099883501318,
        0.6570199767002626,
        0.47730070568478583,
        0.7546014113695693,
        -3.8929771988657245,
        -3.8684166877036152,
        2.861810948620059,
        2.9256889667716157,
    ];
    for (found, expected) in weights.iter().zip(python) {
        assert!((found - expected).abs() <= 1e-12 * expected.abs(), "{found:?} vs {expected:?}");
    }
    let after: Vec<_> = network.layers().iter().map(|dense| dense.bias().cloned()).collect();
    assert_eq!(after, biases, "frozen biases keep their bits");
}

/// The rate the trainer uses in each 1-based epoch, as its history records it, against
/// torch's StepLR(step_size=3, gamma=0.5) and ExponentialLR(gamma=0.9) with base rate 0.1, read
/// during the epoch (tests/reference/training.py, "schedules"): an off-by-one epoch fails.
#[test]
fn the_trainer_runs_each_epoch_at_torchs_scheduled_rate() {
    let step_lr = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125];
    let exponential_lr = [
        0.1,
        0.09000000000000001,
        0.08100000000000002,
        0.07290000000000002,
        0.06561000000000002,
        0.05904900000000002,
        0.05314410000000002,
        0.04782969000000002,
        0.043046721000000024,
        0.03874204890000002,
    ];
    for (schedule, torch) in [
        (Schedule::Step { every: 3, factor: 0.5 }, step_lr),
        (Schedule::Exponential { gamma: 0.9 }, exponential_lr),
    ] {
        let mut network = xor_network(1);
        let config = TrainConfig {
            epochs: 10,
            optimizer: Optimizer::Sgd,
            learning_rate: 0.1,
            schedule,
            ..xor_config()
        };
        let report = train(&mut network, &xor(), None, &config).unwrap();
        for (record, expected) in report.history.iter().zip(torch) {
            let found = record.learning_rate;
            assert!(
                (found - expected).abs() <= 1e-15 * expected,
                "{schedule:?} epoch {}: {found:?} vs {expected:?}",
                record.epoch
            );
        }
        // The rate of epoch 1 is the one step 1 used: the same weights as a constant run of
        // one epoch.
        let (mut scheduled, mut constant) = (xor_network(1), xor_network(1));
        let one = TrainConfig { epochs: 1, ..config.clone() };
        train(&mut scheduled, &xor(), None, &one).unwrap();
        let one_constant = TrainConfig { schedule: Schedule::Constant, ..one };
        train(&mut constant, &xor(), None, &one_constant).unwrap();
        assert_eq!(scheduled, constant, "{schedule:?}");
    }
}
