//! Property tests (proptest): for networks drawn at random, backpropagation equals central
//! finite differences, and a model saved and loaded again is the same network bit for bit.
//!
//! The runs are reproducible: a fixed seed unless `PROPTEST_RNG_SEED` says otherwise (set it to
//! explore other cases; `PROPTEST_CASES` is overridden by the counts here). A failure is shrunk
//! to a smallest network and batch, and its seed saved in `tests/properties.proptest-regressions`:
//! commit that file, and every later run tries the case first.

use std::path::Path;
use std::sync::OnceLock;

use mlp_core::{Activation, Architecture, Dense, Loss, Network, Tape};
use mlp_train::data::{
    prepare_training_with, ColumnSelection, CsvOptions, ImputeStrategy, MissingPolicy,
    Preprocessor, PreprocessorParts, SplitOptions, Table, Task, TrainingOptions,
};
use mlp_train::model_file::Model;
use mlp_train::{train, Optimizer, TrainConfig};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::gradient_check::{numeric_gradient, random_network, random_targets, Case};

/// The runner's settings: `cases` cases from a fixed seed, unless `PROPTEST_RNG_SEED` is set;
/// failures saved beside this file.
fn config(cases: u32) -> Config {
    let mut config = Config::with_cases(cases);
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(0x6d6c_7031_3030);
    }
    config.failure_persistence =
        Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions")));
    config
}

/// The finite-difference step h. The central difference's truncation error is h²/6 · |E'''|
/// (about 2e-13 for E''' of order 1) and its rounding error about n_ops · ε · |E| / h
/// (n_ops ≈ 100 operations to compute E, ε = 1.1e-16: about 1e-8 · |E|); h = 1e-6 keeps both
/// far below the tolerances.
const STEP: f64 = 1e-6;
/// Relative tolerance per parameter: 1e-5 of the larger of the two derivatives.
const RELATIVE_TOLERANCE: f64 = 1e-5;
/// Absolute tolerance per parameter, times (1 + |E|): ten times the rounding error above, for
/// derivatives near zero, where the relative test means nothing.
const ABSOLUTE_TOLERANCE: f64 = 1e-7;

/// Every activation a hidden layer may have (leaky ReLU with a slope drawn in [0.01, 0.5)).
fn hidden_activation() -> impl Strategy<Value = Activation> {
    prop_oneof![
        Just(Activation::Sigmoid),
        Just(Activation::Tanh),
        Just(Activation::Relu),
        (0.01..0.5f64).prop_map(|slope| Activation::LeakyRelu { slope }),
        Just(Activation::Identity),
    ]
}

/// Every output activation with every loss that accepts it (also `factors.rs`'s).
pub(crate) fn output_and_loss() -> impl Strategy<Value = (Activation, Loss)> {
    let outputs = [
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LEAKY_RELU,
        Activation::Softmax,
    ];
    let losses = [Loss::HalfSumSquared, Loss::MeanSquared, Loss::CrossEntropy];
    let pairs: Vec<(Activation, Loss)> = outputs
        .iter()
        .flat_map(|&output| losses.iter().map(move |&loss| (output, loss)))
        .filter(|&(output, loss)| loss.accepts_output(output))
        .collect();
    proptest::sample::select(pairs)
}

/// Layer sizes from the inputs to the outputs: 1 to 4 weight layers of 1 to 6 neurons.
fn layer_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1..=6usize, 2..=5)
}

/// How far any pre-activation can move when one parameter moves by `STEP`: a parameter of
/// layer l moves its own z by at most h · max(1, max |a_(l−1)|), and each later layer k
/// multiplies the change by at most ‖W_k‖∞ (the largest row sum of |w|), since every hidden
/// activation's slope is at most 1.
fn largest_z_change(network: &Network, tape: &Tape) -> f64 {
    let row_sum_norm =
        |dense: &Dense| dense.weights().row_iter().map(|row| row.abs().sum()).fold(0.0, f64::max);
    (0..network.layers().len())
        .map(|layer| {
            let largest_input =
                tape.factors(layer).inputs.iter().fold(1.0, |max: f64, value| max.max(value.abs()));
            let mut growth = 1.0;
            let mut largest_growth = 1.0;
            for dense in &network.layers()[layer + 1..] {
                growth *= row_sum_norm(dense);
                largest_growth = f64::max(largest_growth, growth);
            }
            STEP * largest_input * largest_growth
        })
        .fold(0.0, f64::max)
}

proptest! {
    #![proptest_config(config(8192))]

    /// Every ∂E/∂w and ∂E/∂b of backpropagation equals (E(w + h) − E(w − h)) / 2h within
    /// `RELATIVE_TOLERANCE` of the larger and `ABSOLUTE_TOLERANCE` · (1 + |E|), for 1 to 4
    /// layers of 1 to 6 neurons, every hidden activation, every output with every loss it
    /// accepts, with or without biases, batches of 1 to 8, weights in (−1, 1). Cases where a
    /// ReLU-family pre-activation is so close to 0 that a step of h could cross the kink are
    /// skipped (E has no derivative there).
    #[test]
    fn backpropagation_equals_finite_differences(
        sizes in layer_sizes(),
        hidden in hidden_activation(),
        (output, loss) in output_and_loss(),
        bias in any::<bool>(),
        batch in 1..=8usize,
        seed in any::<u64>(),
    ) {
        let case = Case { hidden, output, loss };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let network = random_network(&sizes, &case, bias, &mut rng);
        let inputs = DMatrix::from_fn(sizes[0], batch, |_, _| rng.random_range(-1.0..1.0));
        let targets = random_targets(&case, sizes[sizes.len() - 1], batch, &mut rng);
        let (tape, gradients, loss_value) = network.backpropagate(&inputs, &targets).unwrap();

        let margin = 2.0 * largest_z_change(&network, &tape);
        for (layer, dense) in network.layers().iter().enumerate() {
            if matches!(dense.activation(), Activation::Relu | Activation::LeakyRelu { .. }) {
                prop_assume!(tape.factors(layer).z.iter().all(|z| z.abs() > margin));
            }
        }

        let analytic: Vec<f64> = gradients.blocks().flatten().copied().collect();
        let numeric = numeric_gradient(&network, &inputs, &targets, STEP);
        prop_assert_eq!(analytic.len(), numeric.len());
        for (index, (&a, &n)) in analytic.iter().zip(&numeric).enumerate() {
            let tolerance =
                RELATIVE_TOLERANCE * a.abs().max(n.abs()) + ABSOLUTE_TOLERANCE * (1.0 + loss_value.abs());
            prop_assert!(
                (a - n).abs() <= tolerance,
                "parameter {} of {}: backpropagation {:e}, finite differences {:e}, loss {:e}",
                index, analytic.len(), a, n, loss_value
            );
        }
    }
}

/// Any finite f64 a model may hold: every bit of the mantissa, magnitudes from 2⁻⁶⁰ to 2²⁰,
/// subnormals, and both zeros (−0.0 must stay −0.0).
fn weight() -> impl Strategy<Value = f64> {
    let normal = (any::<bool>(), 0..1u64 << 52, 1023 - 60..=1023 + 20u64).prop_map(
        |(negative, mantissa, exponent)| {
            f64::from_bits(u64::from(negative) << 63 | exponent << 52 | mantissa)
        },
    );
    let subnormal = (any::<bool>(), 1..1u64 << 52)
        .prop_map(|(negative, mantissa)| f64::from_bits(u64::from(negative) << 63 | mantissa));
    prop_oneof![8 => normal, 1 => subnormal, 1 => prop_oneof![Just(0.0), Just(-0.0)]]
}

/// One layer's activation, weights (n_outputs × n_inputs, row-major) and bias.
type LayerDraw = (Activation, Vec<f64>, Option<Vec<f64>>);

/// A network of 1 to 4 layers of 1 to 6 neurons, a hidden activation and a bias or none drawn
/// per layer, every output with every loss it accepts, weights from [`weight`] (leaky-ReLU
/// slopes too).
fn random_network_strategy() -> impl Strategy<Value = Network> {
    (layer_sizes(), output_and_loss())
        .prop_flat_map(|(sizes, (output, loss))| {
            let n_layers = sizes.len() - 1;
            let layers: Vec<_> = (0..n_layers)
                .map(|layer| {
                    let (n_inputs, n_outputs) = (sizes[layer], sizes[layer + 1]);
                    let activation = if layer + 1 == n_layers {
                        Just(output).boxed()
                    } else {
                        prop_oneof![
                            hidden_activation(),
                            weight().prop_map(|slope| Activation::LeakyRelu { slope })
                        ]
                        .boxed()
                    };
                    (
                        activation,
                        prop::collection::vec(weight(), n_inputs * n_outputs),
                        prop::option::of(prop::collection::vec(weight(), n_outputs)),
                    )
                })
                .collect();
            (layers, Just(sizes), Just(loss))
        })
        .prop_map(|(layers, sizes, loss): (Vec<LayerDraw>, Vec<usize>, Loss)| {
            let layers = layers
                .into_iter()
                .enumerate()
                .map(|(layer, (activation, weights, bias))| {
                    let weights = DMatrix::from_row_slice(sizes[layer + 1], sizes[layer], &weights);
                    Dense::new(weights, bias.map(DVector::from_vec), activation)
                })
                .collect();
            Network::new(layers, loss).expect("a well-formed random network")
        })
}

/// Fails unless the two networks have the same loss, activations (slopes bit for bit), shapes,
/// and weights and biases bit for bit.
fn assert_same_bits(loaded: &Network, saved: &Network) -> Result<(), TestCaseError> {
    prop_assert_eq!(loaded.loss(), saved.loss());
    prop_assert_eq!(loaded.layers().len(), saved.layers().len());
    for (layer, (a, b)) in loaded.layers().iter().zip(saved.layers()).enumerate() {
        let slope_bits = |activation: Activation| match activation {
            Activation::LeakyRelu { slope } => Some(slope.to_bits()),
            _ => None,
        };
        prop_assert_eq!(a.activation().name(), b.activation().name(), "layer {}", layer + 1);
        prop_assert_eq!(slope_bits(a.activation()), slope_bits(b.activation()));
        prop_assert_eq!(a.weights().shape(), b.weights().shape(), "layer {}", layer + 1);
        let what = format!("layer {} weights (column-major)", layer + 1);
        same_bits(&what, a.weights().as_slice(), b.weights().as_slice())?;
        prop_assert_eq!(a.bias().is_some(), b.bias().is_some(), "layer {} bias", layer + 1);
        if let (Some(a), Some(b)) = (a.bias(), b.bias()) {
            same_bits(&format!("layer {} bias", layer + 1), a.as_slice(), b.as_slice())?;
        }
    }
    Ok(())
}

/// Fails at the first value of `loaded` whose bits differ from `saved`'s, naming it.
fn same_bits(what: &str, loaded: &[f64], saved: &[f64]) -> Result<(), TestCaseError> {
    prop_assert_eq!(loaded.len(), saved.len(), "{}", what);
    for (index, (a, b)) in loaded.iter().zip(saved).enumerate() {
        prop_assert!(
            a.to_bits() == b.to_bits(),
            "{} [{}]: loaded {:e} ({:#018x}), saved {:e} ({:#018x})",
            what,
            index,
            a,
            a.to_bits(),
            b,
            b.to_bits()
        );
    }
    Ok(())
}

/// Saves `model` with [`Model::to_json`], loads it with [`Model::from_file_contents`], and
/// checks the network bit for bit, the whole model, and that saving again gives the same bytes.
fn assert_round_trip(model: &Model) -> Result<(), TestCaseError> {
    let json = model.to_json();
    let loaded = Model::from_file_contents(&json, Path::new("model.json"))
        .map_err(|err| TestCaseError::fail(format!("the saved model does not load: {err}")))?;
    assert_same_bits(&loaded.network, &model.network)?;
    prop_assert_eq!(&loaded.preprocessor, &model.preprocessor);
    prop_assert_eq!(loaded.to_json(), json, "saving the loaded model changed the bytes");
    Ok(())
}

proptest! {
    #![proptest_config(config(4096))]

    /// A random network (see [`random_network_strategy`]) with plain numeric columns survives
    /// save → load bit for bit.
    #[test]
    fn saved_network_loads_bit_for_bit(network in random_network_strategy()) {
        let preprocessor = Preprocessor::new(PreprocessorParts {
            feature_names: (1..=network.n_inputs()).map(|i| format!("x{i}")).collect(),
            target_names: (1..=network.n_outputs()).map(|i| format!("y{i}")).collect(),
            ..PreprocessorParts::default()
        })
        .unwrap();
        assert_round_trip(&Model::new(network, preprocessor).unwrap())?;
    }
}

/// datasets/penguins.csv, read once: numeric and categorical features, missing cells, three
/// species, and a numeric column (body mass) to regress on.
fn penguins() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/penguins.csv");
        Table::read(path, &CsvOptions::default()).unwrap()
    })
}

proptest! {
    #![proptest_config(config(48))]

    /// A model trained on penguins (species, or body mass with standardized targets; missing
    /// cells dropped or imputed three ways; categories one-hot; standardized inputs) for 1 to 3
    /// epochs, any hidden width and activation, survives save → load bit for bit, with its
    /// preprocessor (categories, imputer, scalers, classes) equal.
    #[test]
    fn trained_model_loads_bit_for_bit(
        classify in any::<bool>(),
        missing in prop_oneof![
            Just(MissingPolicy::Drop),
            Just(MissingPolicy::Impute(ImputeStrategy::Mean)),
            Just(MissingPolicy::Impute(ImputeStrategy::Median)),
            Just(MissingPolicy::Impute(ImputeStrategy::MostFrequent)),
        ],
        hidden in 1..=6usize,
        hidden_activation in hidden_activation(),
        epochs in 1..=3usize,
        seed in any::<u64>(),
    ) {
        let target = if classify { "species" } else { "body_mass_g" };
        let data = penguins().select(&ColumnSelection::new([target]), Task::Auto).unwrap();
        let options = TrainingOptions {
            split: SplitOptions { validation_fraction: 0.2, seed },
            standardize_target: !classify,
            missing,
            ..TrainingOptions::default()
        };
        let prepared = prepare_training_with::<f64>(&data, &options).unwrap();
        let preprocessor = prepared.preprocessor;
        let task = preprocessor.task();
        let output = task.default_output_activation();
        let architecture = Architecture {
            sizes: vec![preprocessor.n_inputs(), hidden, preprocessor.n_outputs()],
            hidden_activation,
            output_activation: output,
            bias: true,
            loss: task.default_loss(output),
        };
        let mut network = Network::<f64>::initialized(&architecture, None, seed).unwrap();
        let config = TrainConfig {
            epochs,
            batch_size: 16,
            optimizer: Optimizer::ADAM,
            learning_rate: 0.01,
            seed,
            ..TrainConfig::default()
        };
        train(&mut network, &prepared.train, prepared.validation.as_ref(), &config).unwrap();
        assert_round_trip(&Model::new(network, preprocessor).unwrap())?;
    }
}
