//! A run stopped and resumed from its state ends with the bits of the uninterrupted run.

use std::ops::ControlFlow;

use mlp_core::{Activation, Architecture, Loss, Network, Scalar};
use nalgebra::DMatrix;

use super::*;
use crate::events::EpochRecord;
use crate::{train_from, train_observed, Dataset, StopReason, TrainError, TrainObserver};

/// Keeps every state it is given; stops the run after step `stop_at` (if any).
struct Keeper {
    every: usize,
    stop_at: Option<usize>,
    states: Vec<TrainState>,
}

impl Keeper {
    fn new(every: usize, stop_at: Option<usize>) -> Keeper {
        Keeper { every, stop_at, states: Vec::new() }
    }

    fn last(&self) -> TrainState {
        self.states.last().cloned().expect("a state at the end")
    }
}

impl TrainObserver for Keeper {
    fn on_step(&mut self, step: usize) -> ControlFlow<()> {
        if self.stop_at == Some(step) {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn checkpoint_every(&self) -> Option<usize> {
        Some(self.every)
    }

    fn on_checkpoint(&mut self, state: &TrainState) -> ControlFlow<()> {
        self.states.push(state.clone());
        ControlFlow::Continue(())
    }
}

/// 11 samples of a 2-input regression (two targets) or 2-class classification; a 2-5-2 tanh
/// network.
fn problem<T: Scalar>(classify: bool) -> (Network<T>, Dataset<T>, Dataset<T>) {
    let architecture = Architecture {
        sizes: vec![2, 5, 2],
        hidden_activation: Activation::Tanh,
        output_activation: if classify { Activation::Softmax } else { Activation::Identity },
        bias: true,
        loss: if classify { Loss::CrossEntropy } else { Loss::MeanSquared },
    };
    let network = Network::<f64>::initialized(&architecture, None, 7).unwrap().cast();
    let make = |n: usize, offset: f64| {
        let x: Vec<f64> = (0..2 * n).map(|k| ((k as f64 + offset) * 0.37).sin()).collect();
        let inputs = DMatrix::from_row_slice(2, n, &x).map(T::from_f64_value);
        let targets = DMatrix::from_fn(2, n, |row, col| {
            let (a, b) = (inputs[(0, col)].to_f64_value(), inputs[(1, col)].to_f64_value());
            let value = if classify {
                let class = usize::from(a * b > 0.0);
                if row == class {
                    1.0
                } else {
                    0.0
                }
            } else if row == 0 {
                a * b
            } else {
                a - 0.5 * b
            };
            T::from_f64_value(value)
        });
        Dataset::numbered(inputs, targets).unwrap()
    };
    (network, make(11, 0.0), make(5, 100.0))
}

fn config(optimizer: Optimizer, epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 3,
        optimizer,
        learning_rate: 0.05,
        l2: 0.001,
        threads: 1,
        ..TrainConfig::default()
    }
}

/// Records without their clock.
fn timeless(records: &[EpochRecord]) -> Vec<EpochRecord> {
    records.iter().map(|record| EpochRecord { seconds: 0.0, ..*record }).collect()
}

/// Runs `config` at once, and stopped after `stop_at` steps (or at `first` epochs) then
/// resumed through the checkpoint file; asserts the same end state, weights and history.
fn assert_resumes<T: Scalar>(
    config: &TrainConfig,
    first: usize,
    stop_at: Option<usize>,
    classify: bool,
) {
    let what = format!(
        "{:?} first {first} stop {stop_at:?} {}",
        config.optimizer,
        crate::events::Precision::of::<T>().name()
    );
    let (network, data, validation) = problem::<T>(classify);
    let mut whole = network.clone();
    let mut keeper = Keeper::new(1000, None);
    let full = train_observed(&mut whole, &data, Some(&validation), config, &mut keeper).unwrap();
    let full_state = keeper.last();

    let mut part = network.clone();
    let mut keeper = Keeper::new(1000, stop_at);
    let first_config = TrainConfig { epochs: first, ..config.clone() };
    let before =
        train_observed(&mut part, &data, Some(&validation), &first_config, &mut keeper).unwrap();
    let state = keeper.last();
    if stop_at.is_some() {
        assert_eq!(before.stop_reason, StopReason::Caller, "{what}");
        let inside = stop_at.is_some_and(|step| step % 4 != 0);
        assert_eq!(state.progress.batches_done > 0, inside, "{what}: stopped inside an epoch");
    }
    // Through the file, as a program would.
    let model = crate::model_file::Model::from_network(state.network.clone());
    let text = Checkpoint::new(&state, model, None).to_json();
    let path = Path::new("c.json");
    let read = Checkpoint::from_file_contents(&text, path).unwrap();
    assert_eq!(read.to_json(), text, "{what}: the round trip is bit-exact");
    let state = read.train_state(path).unwrap();

    let mut resumed = state.network.cast::<T>();
    let mut keeper = Keeper::new(1000, None);
    let after = train_from(
        &mut resumed,
        &data,
        Some(&validation),
        config,
        Some(&state.progress),
        &mut keeper,
    )
    .unwrap();
    assert_eq!(keeper.last(), full_state, "{what}: the whole state");
    assert_eq!(resumed, whole, "{what}: the final weights");
    let history: Vec<EpochRecord> = before.history.iter().chain(&after.history).copied().collect();
    assert_eq!(timeless(&history), timeless(&full.history), "{what}: the history");
    assert_eq!(after.steps, full.steps, "{what}");
    assert_eq!(after.best_epoch, full.best_epoch, "{what}");
    assert_eq!(after.stop_reason, full.stop_reason, "{what}");
    assert_eq!(after.initial_loss.to_bits(), full.initial_loss.to_bits(), "{what}");
    assert_eq!(after.loss_after.to_bits(), full.loss_after.to_bits(), "{what}");
}

/// SGD, momentum and Adam: 2N epochs at once, or N then N more, give the same bits.
#[test]
fn a_run_resumed_at_an_epoch_end_ends_as_the_whole_run() {
    for optimizer in [Optimizer::Sgd, Optimizer::MOMENTUM, Optimizer::ADAM] {
        assert_resumes::<f64>(&config(optimizer, 12), 6, None, false);
        assert_resumes::<f64>(&config(optimizer, 12), 6, None, true);
    }
    assert_resumes::<f32>(&config(Optimizer::ADAM, 12), 6, None, false);
    assert_resumes::<f32>(&config(Optimizer::MOMENTUM, 12), 6, None, true);
}

/// A stop at step k inside an epoch (11 samples in batches of 3: 4 steps an epoch) resumes to
/// the same bits; so does a stop at an epoch's last step.
#[test]
fn a_run_stopped_inside_an_epoch_resumes_to_the_same_bits() {
    for optimizer in [Optimizer::Sgd, Optimizer::MOMENTUM, Optimizer::ADAM] {
        for stop_at in [1, 10, 14, 16] {
            assert_resumes::<f64>(&config(optimizer, 12), 12, Some(stop_at), false);
            assert_resumes::<f64>(&config(optimizer, 12), 12, Some(stop_at), true);
        }
    }
    assert_resumes::<f32>(&config(Optimizer::ADAM, 12), 12, Some(9), true);
}

/// Early stopping (best weights, their loss and epoch) and reduce-on-plateau carry over.
#[test]
fn patience_and_plateau_carry_over_a_resume() {
    let schedule = Schedule::Plateau { patience: 1, factor: 0.5 };
    for optimizer in [Optimizer::Sgd, Optimizer::ADAM] {
        let config = TrainConfig {
            patience: Some(4),
            schedule,
            learning_rate: 0.8,
            ..config(optimizer, 40)
        };
        for (first, stop_at) in [(5, None), (10, None), (40, Some(6)), (40, Some(15))] {
            assert_resumes::<f64>(&config, first, stop_at, false);
        }
        // The plateau's rate moved and the best weights were kept at some point.
        let (mut network, data, validation) = problem::<f64>(false);
        let mut keeper = Keeper::new(1, None);
        train_observed(&mut network, &data, Some(&validation), &config, &mut keeper).unwrap();
        assert!(keeper.states.iter().any(|state| state.progress.plateau.rate < 0.8));
        assert!(keeper.states.iter().all(|state| state.progress.best.is_some()));
    }
}

/// With `checkpoint_every` n, a state after every n-th epoch (not the last) and at the end;
/// each one resumes to the end of the whole run.
#[test]
fn states_come_every_n_epochs_and_each_resumes() {
    let config = config(Optimizer::ADAM, 10);
    let (network, data, _) = problem::<f64>(false);
    let mut whole = network.clone();
    let mut keeper = Keeper::new(3, None);
    train_observed(&mut whole, &data, None, &config, &mut keeper).unwrap();
    let epochs: Vec<usize> = keeper.states.iter().map(|state| state.progress.epochs_done).collect();
    assert_eq!(epochs, [3, 6, 9, 10]);
    for state in &keeper.states {
        let mut resumed = state.network.clone();
        train_from(
            &mut resumed,
            &data,
            None,
            &config,
            Some(&state.progress),
            &mut Keeper::new(99, None),
        )
        .unwrap();
        assert_eq!(resumed, whole, "from epoch {}", state.progress.epochs_done);
    }
}

/// Other settings, precision, data or epochs are refused before any step, naming what differs.
#[test]
fn a_resume_with_other_settings_is_refused() {
    let config = config(Optimizer::ADAM, 4);
    let (network, data, _) = problem::<f64>(false);
    let mut trained = network.clone();
    let mut keeper = Keeper::new(9, Some(6));
    train_observed(&mut trained, &data, None, &config, &mut keeper).unwrap();
    let state = keeper.last();
    let resume = |config: &TrainConfig, data: &Dataset<f64>| {
        let mut network = state.network.clone();
        train_from(
            &mut network,
            data,
            None,
            config,
            Some(&state.progress),
            &mut Keeper::new(9, None),
        )
        .unwrap_err()
    };
    let error = resume(&TrainConfig { learning_rate: 0.5, ..config.clone() }, &data);
    assert_eq!(
        error.to_string(),
        "cannot resume: the checkpoint's run has learning_rate 0.05, this one 0.5"
    );
    let error = resume(&TrainConfig { seed: 1, ..config.clone() }, &data);
    assert!(matches!(error, TrainError::Resume(ResumeError::Setting { setting: "seed", .. })));
    let error = resume(&TrainConfig { epochs: 1, ..config.clone() }, &data);
    assert_eq!(
        error.to_string(),
        "cannot resume: the checkpoint is at epoch 1 and 2 batches into the next: the run needs \
         at least 2 epochs"
    );
    let (_, other, _) = problem::<f64>(true);
    let fewer = Dataset::numbered(
        other.inputs().columns(0, 10).into_owned(),
        other.targets().columns(0, 10).into_owned(),
    )
    .unwrap();
    let error = resume(&config, &fewer);
    assert_eq!(error, TrainError::Resume(ResumeError::Samples { checkpoint: 11, given: 10 }));
    let mut network = state.network.cast::<f32>();
    let (_, data32, _) = problem::<f32>(false);
    let error = train_from(
        &mut network,
        &data32,
        None,
        &config,
        Some(&state.progress),
        &mut Keeper::new(9, None),
    )
    .unwrap_err();
    assert!(matches!(error, TrainError::Resume(ResumeError::Precision { .. })), "{error}");
}

/// A malformed file names itself with the line and column; other data names both hashes.
#[test]
fn file_errors_name_the_file() {
    let path = Path::new("run/c.json");
    let error = Checkpoint::from_file_contents(
        "{\"format\": \"mlp-checkpoint\",\n  \"version\": 1,\n  \"model\": 3}",
        path,
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("run/c.json: line 3, column "), "{message}");
    let error = Checkpoint::from_file_contents("{\"format\": \"mlp-model\"}", path).unwrap_err();
    assert_eq!(
        error.to_string(),
        "run/c.json: not an mlp checkpoint: \"format\" is \"mlp-model\", expected \"mlp-checkpoint\""
    );
    let error =
        Checkpoint::from_file_contents("{\"format\": \"mlp-checkpoint\", \"version\": 2}", path)
            .unwrap_err();
    assert!(error.to_string().contains("checkpoint version 2 is not supported"), "{error}");

    let (mut network, data, _) = problem::<f64>(false);
    let mut keeper = Keeper::new(9, None);
    train_observed(&mut network, &data, None, &config(Optimizer::Sgd, 1), &mut keeper).unwrap();
    let hashed = |sha: &str| DataFile { name: "d.csv".to_owned(), sha256: Some(sha.repeat(64)) };
    let checkpoint = Checkpoint::new(
        &keeper.last(),
        crate::model_file::Model::from_network(network),
        Some(hashed("a")),
    );
    checkpoint.check_data(path, Path::new("d.csv"), &hashed("a")).unwrap();
    let error = checkpoint.check_data(path, Path::new("e.csv"), &hashed("b")).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "run/c.json: the checkpoint was made on data with SHA-256 {}, but e.csv has SHA-256 {}",
            "a".repeat(64),
            "b".repeat(64)
        )
    );
}

/// The generator's state reads back to a generator at the same place.
#[test]
fn the_generator_state_round_trips() {
    use rand::{Rng, SeedableRng};
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    for _ in 0..37 {
        rng.random::<u32>();
    }
    let state = RngState::of(&rng, rng.get_word_pos());
    let mut read = state.generator().unwrap();
    let next: Vec<u64> = (0..5).map(|_| rng.random()).collect();
    let again: Vec<u64> = (0..5).map(|_| read.random()).collect();
    assert_eq!(next, again);
    assert_eq!(RngState { seed: "zz".repeat(32), ..state.clone() }.generator(), None);
    assert_eq!(RngState { word_pos: "x".to_owned(), ..state }.generator(), None);
}
