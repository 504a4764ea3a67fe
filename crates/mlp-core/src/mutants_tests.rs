//! Tests that fail when a formula is wrong: they kill the mutants `cargo mutants` made of this
//! crate that its other tests let live (docs/mutants.md lists the command and the score).
//!
//! The expected numbers come from PyTorch autograd in float64 (`tests/reference/mutants.py`,
//! which writes `mutants_tests/reference.rs`): small networks whose parameters, inputs and
//! targets follow integer formulas that both languages evaluate exactly, so every z, a, ∂E/∂a,
//! ∂a/∂z, ∂E/∂z, sample loss and batch gradient is compared with an independent computation.

use approx::assert_relative_eq;
use nalgebra::{dmatrix, dvector, DMatrix, DVector};

use crate::{
    Activation, Architecture, BatchError, Dense, Gradients, Init, Loss, Network, NetworkError,
    NonFiniteActivation, ParamId,
};

#[rustfmt::skip]
mod reference;

/// One network, batch and the reference numbers for it.
pub(super) struct Case {
    /// Neurons from the inputs to the outputs.
    sizes: &'static [usize],
    activations: &'static [Activation],
    bias: bool,
    loss: Loss,
    batch: usize,
    /// (n_outputs × batch), column-major.
    targets: &'static [f64],
    loss_value: f64,
    sample_losses: &'static [f64],
    layers: &'static [LayerCase],
}

/// One layer's reference numbers, column-major; empty where the script left them out (the
/// large cases keep only the gradients; softmax has no ∂a/∂z).
pub(super) struct LayerCase {
    z: &'static [f64],
    a: &'static [f64],
    de_da: &'static [f64],
    da_dz: &'static [f64],
    de_dz: &'static [f64],
    gw: &'static [f64],
    gb: &'static [f64],
}

/// The k-th parameter or input: ((7 k + offset) mod modulus − ⌊modulus / 2⌋) / scale, as
/// `value` in the script.
fn value(k: usize, modulus: usize, offset: usize, scale: f64) -> f64 {
    (((7 * k + offset) % modulus) as f64 - (modulus / 2) as f64) / scale
}

impl Case {
    fn network(&self) -> Network {
        let layers = self
            .sizes
            .windows(2)
            .zip(self.activations)
            .enumerate()
            .map(|(layer, (pair, &activation))| {
                let (n_inputs, n_outputs) = (pair[0], pair[1]);
                let weights = DMatrix::from_fn(n_outputs, n_inputs, |to, from| {
                    value(from * n_outputs + to + 31 * layer, 17, 3, 10.0)
                });
                let bias = self.bias.then(|| {
                    DVector::from_fn(n_outputs, |k, _| value(k + 13 * layer, 11, 5, 20.0))
                });
                Dense::new(weights, bias, activation)
            })
            .collect();
        Network::new(layers, self.loss).unwrap()
    }

    fn inputs(&self) -> DMatrix<f64> {
        let n_inputs = self.sizes[0];
        DMatrix::from_fn(n_inputs, self.batch, |i, s| value(s * n_inputs + i, 13, 1, 4.0))
    }

    fn targets(&self) -> DMatrix<f64> {
        DMatrix::from_column_slice(*self.sizes.last().unwrap(), self.batch, self.targets)
    }
}

const SMALL_CASES: [&Case; 6] = [
    &reference::SOFTMAX_MSE,
    &reference::SIGMOID_MSE,
    &reference::RELU_SSE,
    &reference::SIGMOID_CROSS_ENTROPY,
    &reference::SOFTMAX_CROSS_ENTROPY,
    &reference::IDENTITY_SSE,
];

const LARGE_CASES: [&Case; 5] = [
    &reference::LARGE_TANH_SSE,
    &reference::LARGE_BATCH_OF_5,
    &reference::LARGE_BATCH_OF_2,
    &reference::LARGE_RELU_SOFTMAX_MSE,
    &reference::LARGE_SIGMOID_CROSS_ENTROPY,
];

/// Every entry of `found` within 1e-12 (relative) of `expected`, both column-major.
#[track_caller]
fn assert_close<'a>(what: &str, found: impl IntoIterator<Item = &'a f64>, expected: &[f64]) {
    let found: Vec<f64> = found.into_iter().copied().collect();
    assert_eq!(found.len(), expected.len(), "{what}: length");
    for (k, (&found, &expected)) in found.iter().zip(expected).enumerate() {
        assert!(
            approx::relative_eq!(found, expected, epsilon = 1e-15, max_relative = 1e-12),
            "{what}[{k}]: {found:e}, expected {expected:e}"
        );
    }
}

/// The tape's factors, the sample losses, the loss and the gradients against the reference.
/// Where the network leaves a factor out (`None`: ∂a/∂z of softmax; the split ∂E/∂a and ∂a/∂z
/// of an output under cross-entropy, where only the fused ∂E/∂z is exact), it must be one the
/// reference can leave out; where it gives one, it must be the reference's.
fn check_against_reference(case: &Case, tape: &crate::Tape, gradients: &Gradients, loss: f64) {
    let name = format!("{:?} {}", case.activations, case.loss);
    assert_relative_eq!(loss, case.loss_value, max_relative = 1e-13);
    assert_close(&format!("{name}: sample losses"), tape.sample_losses(), case.sample_losses);
    let n_layers = case.layers.len();
    for (layer, expected) in case.layers.iter().enumerate() {
        let name = format!("{name}, layer {layer}");
        let output_under_cross_entropy = layer + 1 == n_layers && case.loss == Loss::CrossEntropy;
        assert_close(&format!("{name}: ∂E/∂W"), gradients.weights(layer).iter(), expected.gw);
        match gradients.bias(layer) {
            Some(gb) => assert_close(&format!("{name}: ∂E/∂b"), gb.iter(), expected.gb),
            None => assert!(expected.gb.is_empty(), "{name}: no bias gradient"),
        }
        if expected.z.is_empty() {
            continue;
        }
        let factors = tape.factors(layer);
        assert_eq!(factors.layer, layer);
        assert_close(&format!("{name}: z"), factors.z.iter(), expected.z);
        assert_close(&format!("{name}: a"), factors.a.iter(), expected.a);
        assert_close(&format!("{name}: ∂E/∂z"), factors.de_dz.iter(), expected.de_dz);
        match factors.de_da {
            Some(de_da) => assert_close(&format!("{name}: ∂E/∂a"), de_da.iter(), expected.de_da),
            None => assert!(output_under_cross_entropy, "{name}: ∂E/∂a missing"),
        }
        match factors.da_dz {
            Some(da_dz) => assert_close(&format!("{name}: ∂a/∂z"), da_dz.iter(), expected.da_dz),
            None => assert!(
                expected.da_dz.is_empty() || output_under_cross_entropy,
                "{name}: ∂a/∂z missing"
            ),
        }
        // ∂E/∂w_ji of one sample = ∂E/∂z_j · a_prev_i (1 for a bias).
        let previous = if layer == 0 { case.inputs() } else { tape.factors(layer - 1).a.into() };
        let n_outputs = factors.z.nrows();
        for sample in 0..case.batch {
            for to in 0..n_outputs {
                let de_dz = expected.de_dz[sample * n_outputs + to];
                assert_eq!(factors.dz_dw(sample, None), 1.0);
                assert_relative_eq!(factors.de_dw(sample, to, None), de_dz, max_relative = 1e-12);
                for from in 0..previous.nrows() {
                    let a_prev = previous[(from, sample)];
                    assert_eq!(factors.dz_dw(sample, Some(from)), a_prev);
                    assert_relative_eq!(
                        factors.de_dw(sample, to, Some(from)),
                        de_dz * a_prev,
                        epsilon = 1e-15,
                        max_relative = 1e-12
                    );
                }
            }
        }
    }
}

/// Small layers (the loops of `small.rs`): every factor of every layer, for each activation and
/// loss, with and without biases, softmax under MSE (the Jacobian product) and cross-entropy
/// with targets that do not sum to 1.
#[test]
fn every_factor_of_small_networks_is_pytorchs() {
    for case in SMALL_CASES {
        let network = case.network();
        let (tape, gradients, loss) =
            network.backpropagate(&case.inputs(), &case.targets()).unwrap();
        check_against_reference(case, &tape, &gradients, loss);
    }
}

/// Layers of more than 5 inputs and neurons and batches of more than 5 (nalgebra's `gemm` and
/// the transposed products): the loss and every gradient.
#[test]
fn gradients_of_large_networks_are_pytorchs() {
    for case in LARGE_CASES {
        let network = case.network();
        let (tape, gradients, loss) =
            network.backpropagate(&case.inputs(), &case.targets()).unwrap();
        check_against_reference(case, &tape, &gradients, loss);
    }
}

/// A tape with room for more samples than the batch, loaded first with a larger batch of other
/// numbers, then with the case's batch: no stale column reaches the loss or the gradients.
#[test]
fn a_reused_tape_gives_the_reference_numbers() {
    for case in SMALL_CASES.into_iter().chain(LARGE_CASES) {
        let network = case.network();
        let mut tape = network.try_tape(case.batch + 3).unwrap();
        assert_eq!(tape.capacity(), case.batch + 3);
        assert_eq!(tape.n_layers(), case.layers.len());
        let mut gradients = network.zero_gradients();
        let other_inputs = DMatrix::from_element(case.sizes[0], case.batch + 2, 0.75);
        let other_targets = DMatrix::from_element(network.n_outputs(), case.batch + 2, 0.125);
        tape.load(
            other_inputs.columns(0, case.batch + 2),
            other_targets.columns(0, case.batch + 2),
        )
        .unwrap();
        network.forward(&mut tape);
        network.backward(&mut tape, &mut gradients);

        let (inputs, targets) = (case.inputs(), case.targets());
        tape.load(inputs.columns(0, case.batch), targets.columns(0, case.batch)).unwrap();
        assert_eq!(tape.batch_size(), case.batch);
        assert_eq!(tape.inputs(), inputs);
        assert_eq!(tape.targets(), targets);
        network.forward(&mut tape);
        let loss = network.backward(&mut tape, &mut gradients);
        check_against_reference(case, &tape, &gradients, loss);
        assert_eq!(network.batch_loss(&mut tape), loss);
    }
}

/// `load_columns` gathers a shuffled mini-batch: the same numbers as loading those columns.
#[test]
fn loading_columns_gathers_the_samples_named() {
    for case in SMALL_CASES.into_iter().chain(LARGE_CASES) {
        let network = case.network();
        let (inputs, targets) = (case.inputs(), case.targets());
        // The dataset: the case's samples in reverse order, with one unrelated sample between.
        let n = case.batch;
        let mut all_inputs = DMatrix::from_element(inputs.nrows(), n + 1, -0.5);
        let mut all_targets = DMatrix::from_element(targets.nrows(), n + 1, 0.5);
        for sample in 0..n {
            let column = if sample == 0 { n } else { n - 1 - sample };
            all_inputs.set_column(column, &inputs.column(sample));
            all_targets.set_column(column, &targets.column(sample));
        }
        let columns: Vec<usize> =
            (0..n).map(|sample| if sample == 0 { n } else { n - 1 - sample }).collect();
        let mut tape = network.try_tape(n).unwrap();
        tape.load_columns(&all_inputs, &all_targets, &columns).unwrap();
        assert_eq!(tape.inputs(), inputs);
        assert_eq!(tape.targets(), targets);
        let mut gradients = network.zero_gradients();
        network.forward(&mut tape);
        let loss = network.backward(&mut tape, &mut gradients);
        check_against_reference(case, &tape, &gradients, loss);
    }
}

/// The same networks in f32: the reference numbers to f32's precision.
#[test]
fn f32_networks_give_the_reference_numbers_to_f32_precision() {
    for case in SMALL_CASES.into_iter().chain(LARGE_CASES) {
        let network = case.network().cast::<f32>();
        let inputs = case.inputs().map(|x| x as f32);
        let targets = case.targets().map(|x| x as f32);
        let (_, gradients, loss) = network.backpropagate(&inputs, &targets).unwrap();
        assert_relative_eq!(f64::from(loss), case.loss_value, max_relative = 1e-5);
        for (layer, expected) in case.layers.iter().enumerate() {
            for (&found, &expected) in gradients.weights(layer).iter().zip(expected.gw) {
                assert_relative_eq!(
                    f64::from(found),
                    expected,
                    epsilon = 1e-6,
                    max_relative = 1e-4
                );
            }
        }
        let back: Network = network.cast();
        for (dense, original) in back.layers().iter().zip(case.network().layers()) {
            for (&w, &expected) in dense.weights().iter().zip(original.weights().iter()) {
                assert_eq!(w, f64::from(expected as f32));
            }
        }
    }
}

/// One step of gradient descent, w − η ∂E/∂w, with the reference gradients.
#[test]
fn descending_subtracts_the_scaled_gradient() {
    for case in SMALL_CASES {
        let network = case.network();
        let (_, gradients, _) = network.backpropagate(&case.inputs(), &case.targets()).unwrap();
        let mut stepped = network.clone();
        stepped.descend(&gradients, 0.5);
        for (layer, expected) in case.layers.iter().enumerate() {
            let (before, after) = (&network.layers()[layer], &stepped.layers()[layer]);
            for ((&w, &w_after), &g) in
                before.weights().iter().zip(after.weights().iter()).zip(expected.gw)
            {
                assert_relative_eq!(w_after, w - 0.5 * g, epsilon = 1e-15, max_relative = 1e-12);
            }
            if let (Some(b), Some(b_after)) = (before.bias(), after.bias()) {
                for ((&b, &b_after), &g) in b.iter().zip(b_after.iter()).zip(expected.gb) {
                    assert_relative_eq!(
                        b_after,
                        b - 0.5 * g,
                        epsilon = 1e-15,
                        max_relative = 1e-12
                    );
                }
            }
        }
    }
}

/// `predict` gives the output layer's activations of the reference forward pass.
#[test]
fn predict_gives_the_reference_outputs() {
    for case in SMALL_CASES {
        let outputs = case.network().predict(&case.inputs()).unwrap();
        assert_close("outputs", outputs.iter(), case.layers.last().unwrap().a);
    }
}

/// Each activation and its derivative at points on both sides of 0 and at 0, against
/// PyTorch's conventions (ReLU′(0) = 0, leaky ReLU′(0) = slope) and hand values.
#[test]
fn activations_and_derivatives_at_chosen_points() {
    let leaky = Activation::LeakyRelu { slope: 0.1 };
    for z in [-2.0_f64, -0.5, 0.0, 0.5, 2.0] {
        let positive = z > 0.0;
        assert_eq!(Activation::Identity.apply_one(z), z);
        assert_eq!(Activation::Identity.derivative_one(z, z), 1.0);
        assert_eq!(Activation::Relu.apply_one(z), if positive { z } else { 0.0 });
        assert_eq!(
            Activation::Relu.derivative_one(z, z.max(0.0)),
            if positive { 1.0 } else { 0.0 }
        );
        assert_eq!(leaky.apply_one(z), if positive { z } else { 0.1 * z });
        assert_eq!(leaky.derivative_one(z, leaky.apply_one(z)), if positive { 1.0 } else { 0.1 });
        let tanh = Activation::Tanh.apply_one(z);
        assert_eq!(tanh, z.tanh());
        assert_eq!(Activation::Tanh.derivative_one(z, tanh), 1.0 - tanh * tanh);
    }
    // By hand: sigmoid(−2) = 1 / (1 + e²) = 0.11920292202211755, derivative a (1 − a).
    let a = Activation::Sigmoid.apply_one(-2.0_f64);
    assert_relative_eq!(a, 0.11920292202211755, max_relative = 1e-15);
    assert_relative_eq!(Activation::Sigmoid.derivative_one(-2.0, a), 0.10499358540350652);
    // The derivative reads a, not z: at z = 0 the derivative of sigmoid is 0.25.
    assert_eq!(Activation::Sigmoid.derivative_one(0.0_f64, 0.5), 0.25);
    assert_eq!(Activation::Tanh.derivative_one(0.0_f64, 0.5), 0.75);
    // A leaky ReLU's z = 0 gives 0 either way; its derivative there is the slope.
    assert_eq!(leaky.derivative_one(0.0_f64, 0.0), 0.1);
    assert_eq!(Activation::Relu.derivative_one(0.0_f64, 0.0), 0.0);
}

/// The names written to model files and the command line, and which activations are one
/// number per neuron.
#[test]
fn activation_and_loss_names_and_kinds() {
    let names = [
        (Activation::Identity, "identity", true),
        (Activation::Sigmoid, "sigmoid", true),
        (Activation::Tanh, "tanh", true),
        (Activation::Relu, "relu", true),
        (Activation::LEAKY_RELU, "leaky-relu", true),
        (Activation::Softmax, "softmax", false),
    ];
    for (activation, name, elementwise) in names {
        assert_eq!(activation.name(), name);
        assert_eq!(activation.is_elementwise(), elementwise, "{name}");
        if !matches!(activation, Activation::LeakyRelu { .. }) {
            assert_eq!(activation.to_string(), name);
        }
    }
    for (loss, name) in [
        (Loss::HalfSumSquared, "sse"),
        (Loss::MeanSquared, "mse"),
        (Loss::CrossEntropy, "cross-entropy"),
    ] {
        assert_eq!(loss.name(), name);
        assert_eq!(loss.to_string(), name);
    }
}

/// Which losses may follow which output activation: cross-entropy only softmax and sigmoid.
#[test]
fn losses_accept_the_outputs_they_can_score() {
    let all = [
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LEAKY_RELU,
        Activation::Softmax,
    ];
    for activation in all {
        assert!(Loss::HalfSumSquared.accepts_output(activation));
        assert!(Loss::MeanSquared.accepts_output(activation));
        let probability = matches!(activation, Activation::Softmax | Activation::Sigmoid);
        assert_eq!(Loss::CrossEntropy.accepts_output(activation), probability, "{activation}");
    }
}

/// Loss values and ∂E/∂o from the table of `Loss`, by hand: o = (0.7, 0.2), t = (0.5, 1).
#[test]
fn loss_values_and_output_gradients_by_hand() {
    let (o, t) = ([0.7, 0.2], [0.5, 1.0]);
    // ½ (0.2² + 0.8²) = 0.34; (0.04 + 0.64) / 2 = 0.34 as well, so K = 3 tells them apart below.
    let sse = Loss::HalfSumSquared.sample_value(Activation::Identity, &o, &o, &t);
    assert_relative_eq!(sse, 0.34, max_relative = 1e-15);
    let (o3, t3) = ([0.7, 0.2, 0.4], [0.5, 1.0, 0.1]);
    // (0.04 + 0.64 + 0.09) / 3 = 0.77 / 3; ½ Σ = 0.385.
    let mse = Loss::MeanSquared.sample_value(Activation::Identity, &o3, &o3, &t3);
    assert_relative_eq!(mse, 0.77 / 3.0, max_relative = 1e-15);
    let sse = Loss::HalfSumSquared.sample_value(Activation::Identity, &o3, &o3, &t3);
    assert_relative_eq!(sse, 0.385, max_relative = 1e-15);
    // ∂E/∂o: o − t; 2 (o − t) / K with K = 3; (o − t) / (o (1 − o)).
    assert_relative_eq!(
        Loss::HalfSumSquared.output_gradient(0.7, 0.5, 3),
        0.2,
        max_relative = 1e-15
    );
    assert_relative_eq!(
        Loss::MeanSquared.output_gradient(0.7, 0.5, 3),
        0.4 / 3.0,
        max_relative = 1e-15
    );
    assert_relative_eq!(
        Loss::CrossEntropy.output_gradient(0.7, 0.5, 3),
        0.2 / 0.21,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        Loss::CrossEntropy.output_gradient(0.2, 1.0, 1),
        -0.8 / 0.16,
        max_relative = 1e-14
    );
}

/// Cross-entropy from logits far from 0, where e^z overflows: PyTorch's `log_softmax` and
/// `binary_cross_entropy_with_logits`.
#[test]
fn cross_entropy_stays_finite_for_large_logits() {
    let z = [1000.0, 1001.0, 999.0];
    let value =
        Loss::CrossEntropy.sample_value(Activation::Softmax, &z, &[0.0; 3], &[0.5, 1.0, 0.0]);
    // z near 1000 carries 1.1e-13 of rounding into ln Σ e^z − z.
    assert_relative_eq!(value, reference::SOFTMAX_CROSS_ENTROPY_LARGE, max_relative = 1e-12);
    let z = [40.0, -40.0, 0.5, -750.0];
    let value =
        Loss::CrossEntropy.sample_value(Activation::Sigmoid, &z, &[0.0; 4], &[0.0, 1.0, 0.3, 0.2]);
    assert_relative_eq!(value, reference::SIGMOID_CROSS_ENTROPY_LARGE, max_relative = 1e-14);
}

/// Softmax over a batch whose largest z is negative, and of large z: the max subtracted is the
/// column's own.
#[test]
fn softmax_subtracts_each_columns_own_maximum() {
    // By hand: softmax(−1000, −1001) = (1, e⁻¹) / (1 + e⁻¹) = (0.7310585786300049, 0.2689414213699951).
    let z = DMatrix::from_column_slice(2, 2, &[-1000.0, -1001.0, 800.0, 801.0]);
    let mut a = DMatrix::zeros(2, 2);
    Activation::Softmax.apply(&z, &mut a);
    assert_relative_eq!(a[(0, 0)], 0.7310585786300049, max_relative = 1e-15);
    assert_relative_eq!(a[(1, 0)], 0.2689414213699951, max_relative = 1e-15);
    assert_relative_eq!(a[(0, 1)], 0.2689414213699951, max_relative = 1e-15);
    assert_relative_eq!(a[(1, 1)], 0.7310585786300049, max_relative = 1e-15);
}

fn sigmoid_layer(weights: DMatrix<f64>, bias: Option<DVector<f64>>) -> Dense {
    Dense::new(weights, bias, Activation::Sigmoid)
}

/// Every construction error, each on the layer it names, and the networks next to them that
/// are fine.
#[test]
fn network_construction_errors_name_their_layer() {
    let two = || dmatrix![0.1, 0.2; 0.3, 0.4];
    let new = |layers, loss| Network::new(layers, loss);
    assert_eq!(new(vec![], Loss::MeanSquared), Err(NetworkError::NoLayers));
    assert_eq!(
        new(
            vec![sigmoid_layer(two(), None), sigmoid_layer(DMatrix::zeros(0, 2), None)],
            Loss::MeanSquared
        ),
        Err(NetworkError::EmptyLayer { layer: 2, n_outputs: 0, n_inputs: 2 })
    );
    assert_eq!(
        new(vec![sigmoid_layer(DMatrix::zeros(2, 0), None)], Loss::MeanSquared),
        Err(NetworkError::EmptyLayer { layer: 1, n_outputs: 2, n_inputs: 0 })
    );
    assert_eq!(
        new(
            vec![sigmoid_layer(two(), None), sigmoid_layer(dmatrix![0.1, 0.2, 0.3], None)],
            Loss::MeanSquared
        ),
        Err(NetworkError::InputMismatch { layer: 2, expected: 2, found: 3 })
    );
    assert_eq!(
        new(
            vec![
                sigmoid_layer(two(), Some(dvector![0.1, 0.2])),
                sigmoid_layer(two(), Some(dvector![0.1]))
            ],
            Loss::MeanSquared
        ),
        Err(NetworkError::BiasLength { layer: 2, expected: 2, found: 1 })
    );
    let softmax = |w| Dense::new(w, None, Activation::Softmax);
    assert_eq!(
        new(vec![softmax(two()), sigmoid_layer(two(), None)], Loss::MeanSquared),
        Err(NetworkError::SoftmaxNotOutput { layer: 1 })
    );
    assert!(new(vec![sigmoid_layer(two(), None), softmax(two())], Loss::CrossEntropy).is_ok());
    for slope in [f64::NAN, f64::INFINITY] {
        let leaky = Dense::new(two(), None, Activation::LeakyRelu { slope });
        let found = new(vec![sigmoid_layer(two(), None), leaky], Loss::MeanSquared).unwrap_err();
        assert!(matches!(found, NetworkError::BadSlope { layer: 2, .. }), "{found:?}");
    }
    let leaky = Dense::new(two(), None, Activation::LeakyRelu { slope: -3.0 });
    assert!(new(vec![leaky], Loss::MeanSquared).is_ok());
    assert_eq!(
        new(vec![Dense::new(two(), None, Activation::Tanh)], Loss::CrossEntropy),
        Err(NetworkError::LossNeedsProbabilities {
            loss: Loss::CrossEntropy,
            activation: Activation::Tanh
        })
    );
    // W1..W4, b1 b2 in layer 1; W5..W8, b3 b4 in layer 2.
    let with_bias = |w1: DMatrix<f64>, b2: DVector<f64>| {
        new(
            vec![sigmoid_layer(w1, Some(dvector![0.0, 0.0])), sigmoid_layer(two(), Some(b2))],
            Loss::MeanSquared,
        )
    };
    assert_eq!(
        with_bias(dmatrix![0.1, 0.2; f64::INFINITY, 0.4], dvector![0.0, 0.0]),
        Err(NetworkError::NonFiniteParameter { name: "W3".into(), value: f64::INFINITY })
    );
    assert_eq!(
        with_bias(two(), dvector![0.0, f64::NEG_INFINITY]),
        Err(NetworkError::NonFiniteParameter { name: "b4".into(), value: f64::NEG_INFINITY })
    );
    assert!(with_bias(two(), dvector![0.0, 1e300]).is_ok());
}

/// Sizes, parameter counts, names and the blocks an optimizer walks, on a 3-2-1 network with
/// biases in layer 1 only.
#[test]
fn network_shapes_names_and_parameter_blocks() {
    let network = Network::new(
        vec![
            Dense::new(
                dmatrix![1.0, 2.0, 3.0; 4.0, 5.0, 6.0],
                Some(dvector![7.0, 8.0]),
                Activation::Tanh,
            ),
            Dense::new(dmatrix![9.0, 10.0], None, Activation::Identity),
        ],
        Loss::MeanSquared,
    )
    .unwrap();
    assert_eq!(network.sizes(), vec![3, 2, 1]);
    assert_eq!((network.n_inputs(), network.n_outputs()), (3, 1));
    assert_eq!(network.output_layer().weights(), &dmatrix![9.0, 10.0]);
    assert_eq!(network.n_parameters(), 10);
    assert_eq!(network.layers()[0].n_parameters(), 8);
    assert_eq!(network.layers()[1].n_parameters(), 2);
    assert_eq!(network.loss(), Loss::MeanSquared);
    // Column-major weights, then biases.
    let blocks: Vec<Vec<f64>> = network.parameter_blocks().map(<[f64]>::to_vec).collect();
    assert_eq!(blocks, [vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0], vec![7.0, 8.0], vec![9.0, 10.0]]);
    let mut changed = network.clone();
    for (k, block) in changed.parameter_blocks_mut().enumerate() {
        block[0] = -(k as f64);
    }
    assert_eq!(changed.layers()[0].weights()[(0, 0)], 0.0);
    assert_eq!(changed.layers()[0].bias().unwrap()[0], -1.0);
    assert_eq!(changed.layers()[1].weights()[(0, 0)], -2.0);
    let (weights, bias) = changed.layer_parameters_mut(0);
    assert_eq!(weights.len(), 6);
    bias.unwrap()[1] = 0.5;
    assert_eq!(changed.layers()[0].bias().unwrap()[1], 0.5);
    let (weights, bias) = changed.layer_parameters_mut(1);
    assert_eq!((weights.to_vec(), bias.is_none()), (vec![-2.0, 10.0], true));

    let mut dense = network.layers()[0].clone();
    dense.weights_mut()[1] = 40.0;
    dense.bias_mut().unwrap()[0] = 70.0;
    assert_eq!((dense.weights()[(1, 0)], dense.bias().unwrap()[0]), (40.0, 70.0));
    assert_eq!(network.layers()[1].clone().bias_mut(), None);
    assert_eq!(dense.activation(), Activation::Tanh);

    // W1..W6 row-major in layer 1, b1 b2, then W7 W8.
    let names = network.parameter_names();
    assert_eq!((names.len(), names.is_empty()), (10, false));
    let listed: Vec<(ParamId, &str)> = names.iter().collect();
    let id = |layer, to, from| ParamId { layer, to, from };
    assert_eq!(listed[1], (id(0, 0, Some(1)), "W2"));
    assert_eq!(listed[3], (id(0, 1, Some(0)), "W4"));
    assert_eq!(listed[6], (id(0, 0, None), "b1"));
    assert_eq!(listed[7], (id(0, 1, None), "b2"));
    assert_eq!(listed[9], (id(1, 0, Some(1)), "W8"));
    assert_eq!(names.weight(0, 1, 2), "W6");
    assert_eq!(names.bias(0, 1), "b2");
    assert_eq!(names.name(id(1, 0, Some(0))), "W7");
    assert_eq!(names.name(id(0, 1, None)), "b2");
    assert_eq!(names.find("w8"), Some(id(1, 0, Some(1))));
    assert_eq!(names.find("b3"), None);
    assert!(id(0, 1, None).is_bias() && !id(0, 1, Some(0)).is_bias());
    assert_eq!(id(1, 0, Some(1)).to_string(), "layer 2 weight into neuron 1 from input 2");
    assert_eq!(id(0, 1, None).to_string(), "layer 1 bias of neuron 2");

    // Gradients shaped like the parameters, read back by id and by block.
    let mut gradients = Gradients::zeros(&network);
    assert_eq!(gradients.n_layers(), 2);
    assert_eq!(gradients.weights(0).shape(), (2, 3));
    assert_eq!(gradients.bias(0).map(|b| b.len()), Some(2));
    assert!(gradients.bias(1).is_none());
    for (k, block) in gradients.blocks_mut().enumerate() {
        for (j, g) in block.iter_mut().enumerate() {
            *g = (10 * k + j) as f64;
        }
    }
    assert_eq!(gradients.get(id(0, 1, Some(2))), 5.0);
    assert_eq!(gradients.get(id(0, 1, None)), 11.0);
    assert_eq!(gradients.get(id(1, 0, Some(1))), 21.0);
    let blocks: Vec<Vec<f64>> = gradients.blocks().map(<[f64]>::to_vec).collect();
    assert_eq!(blocks[1], vec![10.0, 11.0]);
    let layer: Vec<Vec<f64>> = gradients.layer_blocks(0).map(<[f64]>::to_vec).collect();
    assert_eq!(layer, [blocks[0].clone(), blocks[1].clone()]);
    assert_eq!(gradients.layer_blocks(1).count(), 1);
}

/// Batches that do not fit are errors, each naming what is wrong.
#[test]
fn batch_errors_name_what_does_not_fit() {
    let network = reference::IDENTITY_SSE.network();
    let mut tape = network.try_tape(2).unwrap();
    let x = |rows, columns| DMatrix::<f64>::zeros(rows, columns);
    assert_eq!(tape.load(&x(2, 2), &x(3, 2)), Err(BatchError::Targets { expected: 2, found: 3 }));
    assert_eq!(
        tape.load(&x(2, 2), &x(2, 1)),
        Err(BatchError::SampleCount { inputs: 2, targets: 1 })
    );
    assert_eq!(tape.load(&x(3, 2), &x(2, 2)), Err(BatchError::Inputs { expected: 2, found: 3 }));
    assert_eq!(tape.load(&x(2, 3), &x(2, 3)), Err(BatchError::Size { capacity: 2, found: 3 }));
    assert_eq!(tape.load_inputs(&x(2, 0)), Err(BatchError::Size { capacity: 2, found: 0 }));
    assert_eq!(tape.load(&x(2, 2), &x(2, 2)), Ok(()));
    assert_eq!(tape.load_inputs(&x(2, 1)), Ok(()));
    let (all, targets) = (x(2, 4), x(2, 4));
    assert_eq!(
        tape.load_columns(&all, &x(1, 4), &[0]),
        Err(BatchError::Targets { expected: 2, found: 1 })
    );
    assert_eq!(
        tape.load_columns(&x(1, 4), &targets, &[0]),
        Err(BatchError::Inputs { expected: 2, found: 1 })
    );
    assert_eq!(
        tape.load_columns(&all, &targets, &[0, 1, 2]),
        Err(BatchError::Size { capacity: 2, found: 3 })
    );
    assert_eq!(tape.load_columns(&all, &targets, &[3, 1]), Ok(()));
    // A tape for no samples is an error, not an unusable tape.
    assert_eq!(network.try_tape(0).unwrap_err(), BatchError::ZeroCapacity);
    // The outputs are the last layer's activations of the batch loaded.
    tape.load_inputs(&dmatrix![0.5; 0.25]).unwrap();
    network.forward(&mut tape);
    assert_eq!(tape.outputs().shape(), (2, 1));
    assert_eq!(tape.outputs().into_owned(), network.predict(&dmatrix![0.5; 0.25]).unwrap());
}

/// The first non-finite activation of a forward pass: 1e308 · 10 overflows in layer 1,
/// neuron 2 of sample 1 (0-based), before sample 2's ∞ in neuron 1 and every ∞ of layer 2.
#[test]
fn the_first_non_finite_activation_is_found_in_layer_then_sample_order() {
    let network = Network::new(
        vec![
            Dense::new(dmatrix![1.0, 0.0; 0.0, 1e308], None, Activation::Identity),
            Dense::new(dmatrix![1.0, 1.0], None, Activation::Identity),
        ],
        Loss::MeanSquared,
    )
    .unwrap();
    let mut tape = network.try_tape(3).unwrap();
    tape.load_inputs(&dmatrix![1.0, 1.0, f64::INFINITY; 1.0, 10.0, 0.0]).unwrap();
    network.forward(&mut tape);
    let expected = NonFiniteActivation { layer: 1, neuron: 2, sample: 1, value: f64::INFINITY };
    assert_eq!(tape.first_non_finite(), Some(expected));
    let err = network.predict(&dmatrix![-1.0; -10.0]).unwrap_err();
    let expected = NonFiniteActivation { layer: 1, neuron: 2, sample: 0, value: f64::NEG_INFINITY };
    assert_eq!(err, BatchError::NonFinite(expected));
}

/// The initialisations: shapes, activations per layer, zero biases, the bound of Xavier's
/// uniform draws and the spread of He's normal ones, and the seed's effect.
#[test]
fn initialized_networks_follow_their_architecture_and_distribution() {
    let architecture = Architecture {
        sizes: vec![40, 60, 3],
        hidden_activation: Activation::Relu,
        output_activation: Activation::Sigmoid,
        bias: true,
        loss: Loss::HalfSumSquared,
    };
    let network = Network::<f64>::initialized(&architecture, None, 7).unwrap();
    assert_eq!(network.sizes(), vec![40, 60, 3]);
    assert_eq!(network.layers()[0].activation(), Activation::Relu);
    assert_eq!(network.layers()[1].activation(), Activation::Sigmoid);
    assert_eq!(network.loss(), Loss::HalfSumSquared);
    assert!(network.layers().iter().all(|dense| dense.bias().unwrap().iter().all(|&b| b == 0.0)));
    // He normal for ReLU: σ = √(2 / 40) = 0.2236; 2,400 draws put the sample σ within 6%.
    let hidden = network.layers()[0].weights();
    let n = hidden.len() as f64;
    let mean = hidden.sum() / n;
    let std_dev = (hidden.iter().map(|w| (w - mean) * (w - mean)).sum::<f64>() / n).sqrt();
    assert!(mean.abs() < 0.02, "mean {mean}");
    assert!((std_dev / (2.0_f64 / 40.0).sqrt() - 1.0).abs() < 0.06, "σ {std_dev}");
    // Xavier uniform for sigmoid: |w| < √(6 / 63) = 0.3086, and 180 draws come near it.
    let limit = (6.0_f64 / 63.0).sqrt();
    let largest = network.layers()[1].weights().amax();
    assert!(largest < limit && largest > 0.9 * limit, "largest {largest}, limit {limit}");
    // The row-major draw order: the same seed, the same first draw whatever the shape below.
    let xavier = Network::<f64>::initialized(&architecture, Some(Init::XavierUniform), 7).unwrap();
    let limit = (6.0_f64 / 100.0).sqrt();
    let largest = xavier.layers()[0].weights().amax();
    assert!(largest < limit && largest > 0.9 * limit, "largest {largest}, limit {limit}");
    let he = Network::<f64>::initialized(&architecture, Some(Init::HeNormal), 7).unwrap();
    assert_eq!(he.layers()[0].weights(), hidden);
    assert!(he.layers()[1].weights().amax() > limit, "He σ √(2/60) draws beyond Xavier's bound");
    assert_eq!(Network::<f64>::initialized(&architecture, None, 7).unwrap(), network);
    assert_ne!(Network::<f64>::initialized(&architecture, None, 8).unwrap(), network);
    let mut without_bias = architecture.clone();
    without_bias.bias = false;
    let network = Network::<f64>::initialized(&without_bias, None, 7).unwrap();
    assert!(network.layers().iter().all(|dense| dense.bias().is_none()));
    assert_eq!(network.layers()[0].weights(), hidden);

    assert_eq!(Init::for_activation(Activation::Relu), Init::HeNormal);
    assert_eq!(Init::for_activation(Activation::LEAKY_RELU), Init::HeNormal);
    for activation in
        [Activation::Identity, Activation::Sigmoid, Activation::Tanh, Activation::Softmax]
    {
        assert_eq!(Init::for_activation(activation), Init::XavierUniform);
    }
    for sizes in [vec![], vec![3]] {
        let architecture = Architecture { sizes, ..architecture.clone() };
        assert_eq!(
            Network::<f64>::initialized(&architecture, None, 1),
            Err(NetworkError::NoLayers)
        );
    }
    // One layer is enough.
    let one_layer = Architecture { sizes: vec![4, 3], ..architecture.clone() };
    let network = Network::<f64>::initialized(&one_layer, None, 1).unwrap();
    assert_eq!(network.sizes(), vec![4, 3]);
    assert_eq!(network.output_layer().activation(), Activation::Sigmoid);
    // 2⁶⁰ weights of 8 bytes: 2⁶³ bytes fit a usize but not an isize, the most an allocation
    // may take (the bound isize::MAX = 2⁶³ − 1 is odd, so a byte count, a multiple of 8, never
    // equals it).
    let too_large = Architecture { sizes: vec![1, 1 << 60, 1], ..architecture.clone() };
    assert_eq!(
        Network::<f64>::initialized(&too_large, None, 1),
        Err(NetworkError::TooLarge { layer: 1, n_outputs: 1 << 60, n_inputs: 1 })
    );
}

/// Cross-entropy after a sigmoid or a softmax: ∂E/∂z is o − t exactly, computed fused, also
/// where the output saturates (z = 40 rounds o to 1, so the split (o − t) / (o (1 − o)) is
/// ∞ and f′(z) is 0, while ∂E/∂z = 1 and ∂E/∂w = 1 · x, as PyTorch's
/// `binary_cross_entropy_with_logits` gives them).
#[test]
fn cross_entropy_gives_the_fused_delta_even_when_saturated() {
    for output in [Activation::Sigmoid, Activation::Softmax] {
        let weights =
            if output == Activation::Sigmoid { dmatrix![40.0] } else { dmatrix![40.0; -40.0] };
        let n_outputs = weights.nrows();
        let network =
            Network::new(vec![Dense::new(weights, None, output)], Loss::CrossEntropy).unwrap();
        // Sigmoid: t = 0; softmax: t = (0, 1), whose sum is 1, so that o Σt − t = o − t.
        let targets = DMatrix::<f64>::from_fn(n_outputs, 2, |k, _| if k == 1 { 1.0 } else { 0.0 });
        let (tape, gradients, _) = network.backpropagate(&dmatrix![1.0, 0.5], &targets).unwrap();
        let factors = tape.factors(0);
        assert_eq!(factors.a[(0, 0)], 1.0, "{output}: saturated");
        assert_eq!(factors.de_dz[(0, 0)], 1.0, "{output}");
        for (&de_dz, (&o, &t)) in factors.de_dz.iter().zip(factors.a.iter().zip(targets.iter())) {
            assert_eq!(de_dz, o - t, "{output}");
        }
        assert!(gradients.weights(0).iter().all(|g| g.is_finite()), "{output}");
        // Mean over the two samples of (o − t) x: o is 1 at x = 1 and ≈ 1 − 2e-9 at x = 0.5.
        assert_relative_eq!(gradients.weights(0)[(0, 0)], 0.75, max_relative = 1e-8);
    }
}

/// The message of the panic `f` raises (None when it returns).
fn panic_message(f: impl FnOnce()) -> Option<String> {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).err()?;
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
}

/// A tape or gradients made for another network are a programming error the passes refuse
/// with their own message, whichever part differs; so are a tape with no batch and a backward
/// pass without targets.
#[test]
fn the_passes_refuse_a_tape_of_another_network() {
    let network = |sizes: &[usize], hidden: Activation, loss: Loss| {
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(layer, pair)| {
                let activation = if layer == 0 { hidden } else { Activation::Sigmoid };
                Dense::new(DMatrix::from_element(pair[1], pair[0], 0.5), None, activation)
            })
            .collect();
        Network::new(layers, loss).unwrap()
    };
    let reference = network(&[2, 3, 2], Activation::Tanh, Loss::MeanSquared);
    let others = [
        network(&[2, 2], Activation::Tanh, Loss::MeanSquared),
        network(&[3, 3, 2], Activation::Tanh, Loss::MeanSquared),
        network(&[2, 4, 2], Activation::Tanh, Loss::MeanSquared),
        network(&[2, 3, 2], Activation::Relu, Loss::MeanSquared),
        network(&[2, 3, 2], Activation::Tanh, Loss::HalfSumSquared),
    ];
    let other_shapes = "the tape was made for a network of other shapes";
    for other in &others {
        let mut tape = other.try_tape(2).unwrap();
        let inputs = DMatrix::from_element(other.n_inputs(), 2, 0.25);
        let targets = DMatrix::from_element(other.n_outputs(), 2, 0.25);
        tape.load(inputs.columns(0, 2), targets.columns(0, 2)).unwrap();
        let message = panic_message(|| reference.forward(&mut tape));
        assert_eq!(message.as_deref(), Some(other_shapes), "{:?}", other.sizes());
        let mut gradients = reference.zero_gradients();
        let message = panic_message(|| {
            reference.backward(&mut tape, &mut gradients);
        });
        assert_eq!(message.as_deref(), Some(other_shapes));
        let message = panic_message(|| {
            reference.batch_loss(&mut tape);
        });
        assert_eq!(message.as_deref(), Some(other_shapes));
    }
    let mut tape = reference.try_tape(2).unwrap();
    let message = panic_message(|| reference.forward(&mut tape));
    assert_eq!(message.as_deref(), Some("no batch was loaded into the tape"));
    tape.load_inputs(&DMatrix::from_element(2, 2, 0.25)).unwrap();
    reference.forward(&mut tape);
    let mut gradients = reference.zero_gradients();
    let message = panic_message(|| {
        reference.backward(&mut tape, &mut gradients);
    });
    assert_eq!(message.as_deref(), Some("the batch was loaded without targets"));
    let message = panic_message(|| {
        reference.batch_loss(&mut tape);
    });
    assert_eq!(message.as_deref(), Some("the batch was loaded without targets"));
    tape.load(&DMatrix::from_element(2, 2, 0.25), &DMatrix::from_element(2, 2, 0.5)).unwrap();
    reference.forward(&mut tape);
    let mut gradients = others[0].zero_gradients();
    let message = panic_message(|| {
        reference.backward(&mut tape, &mut gradients);
    })
    .unwrap();
    assert!(message.contains("gradients of another network"), "{message}");
}
