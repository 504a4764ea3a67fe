//! Backpropagation against central finite differences, (E(w + h) − E(w − h)) / 2h, for every
//! activation × loss pair that makes sense, on random networks of three weight layers, with and
//! without biases, batches of five samples, in f64. Layer widths above 5 send the products to
//! matrixmultiply; widths of 2 to 4 take nalgebra's small-matrix path: both are covered.

use mlp_core::{Activation, Dense, Loss, Network};
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const STEP: f64 = 1e-5;
const MAX_RELATIVE_ERROR: f64 = 1e-6;
const BATCH: usize = 5;

/// The activations and loss of a network to check (also drawn at random by
/// `properties::backpropagation_equals_finite_differences`).
pub(crate) struct Case {
    pub(crate) hidden: Activation,
    pub(crate) output: Activation,
    pub(crate) loss: Loss,
}

fn cases() -> Vec<Case> {
    let hidden = [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.1 },
        Activation::Identity,
    ];
    let heads = [
        (Activation::Identity, Loss::HalfSumSquared),
        (Activation::Identity, Loss::MeanSquared),
        (Activation::Sigmoid, Loss::HalfSumSquared),
        (Activation::Sigmoid, Loss::MeanSquared),
        (Activation::Sigmoid, Loss::CrossEntropy),
        (Activation::Tanh, Loss::MeanSquared),
        (Activation::Softmax, Loss::CrossEntropy),
        (Activation::Softmax, Loss::MeanSquared),
        (Activation::Softmax, Loss::HalfSumSquared),
    ];
    hidden
        .iter()
        .flat_map(|&hidden| heads.iter().map(move |&(output, loss)| Case { hidden, output, loss }))
        .collect()
}

/// Weights uniform in (−1, 1), biases (when `bias`) in (−0.5, 0.5); `case.hidden` on every layer
/// but the last.
pub(crate) fn random_network(
    sizes: &[usize],
    case: &Case,
    bias: bool,
    rng: &mut ChaCha8Rng,
) -> Network {
    let n_layers = sizes.len() - 1;
    let layers = (0..n_layers)
        .map(|l| {
            let activation = if l + 1 == n_layers { case.output } else { case.hidden };
            let weights =
                DMatrix::from_fn(sizes[l + 1], sizes[l], |_, _| rng.random_range(-1.0..1.0));
            let bias = bias.then(|| {
                nalgebra::DVector::from_fn(sizes[l + 1], |_, _| rng.random_range(-0.5..0.5))
            });
            Dense::new(weights, bias, activation)
        })
        .collect();
    Network::new(layers, case.loss).unwrap()
}

/// Targets the loss makes sense for, (n_outputs × batch): one-hot after softmax, in (0, 1) for
/// cross-entropy after sigmoid, in (−1, 1) otherwise.
pub(crate) fn random_targets(
    case: &Case,
    n_outputs: usize,
    batch: usize,
    rng: &mut ChaCha8Rng,
) -> DMatrix<f64> {
    match (case.output, case.loss) {
        (Activation::Softmax, _) => DMatrix::from_fn(n_outputs, batch, |row, column| {
            f64::from(u8::from(row == (column * 7 + 3) % n_outputs))
        }),
        (_, Loss::CrossEntropy) => {
            DMatrix::from_fn(n_outputs, batch, |_, _| rng.random_range(0.0..1.0))
        }
        _ => DMatrix::from_fn(n_outputs, batch, |_, _| rng.random_range(-1.0..1.0)),
    }
}

/// (E(w + h) − E(w − h)) / 2h for every parameter, in the order of `Gradients::blocks`.
pub(crate) fn numeric_gradient(
    network: &Network,
    inputs: &DMatrix<f64>,
    targets: &DMatrix<f64>,
    step: f64,
) -> Vec<f64> {
    let loss_at = |index: usize, delta: f64| {
        let mut shifted = network.clone();
        let value =
            shifted.parameter_blocks_mut().flat_map(|block| block.iter_mut()).nth(index).unwrap();
        *value += delta;
        shifted.backpropagate(inputs, targets).unwrap().2
    };
    (0..network.n_parameters())
        .map(|k| (loss_at(k, step) - loss_at(k, -step)) / (2.0 * step))
        .collect()
}

/// ‖backprop − numeric‖ / ‖backprop + numeric‖ over all parameters.
fn relative_error(network: &Network, inputs: &DMatrix<f64>, targets: &DMatrix<f64>) -> f64 {
    let (_, gradients, _) = network.backpropagate(inputs, targets).unwrap();
    let analytic: Vec<f64> = gradients.blocks().flatten().copied().collect();
    let numeric = numeric_gradient(network, inputs, targets, STEP);
    let difference: f64 =
        analytic.iter().zip(&numeric).map(|(a, n)| (a - n).powi(2)).sum::<f64>().sqrt();
    let sum: f64 = analytic.iter().zip(&numeric).map(|(a, n)| (a + n).powi(2)).sum::<f64>().sqrt();
    difference / sum
}

#[test]
fn backpropagation_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut checked = 0;
    for case in cases() {
        for sizes in [[3, 4, 2, 3], [7, 8, 6, 6]] {
            for bias in [false, true] {
                let network = random_network(&sizes, &case, bias, &mut rng);
                let inputs = DMatrix::from_fn(sizes[0], BATCH, |_, _| rng.random_range(-1.0..1.0));
                let targets = random_targets(&case, sizes[3], BATCH, &mut rng);
                let error = relative_error(&network, &inputs, &targets);
                assert!(
                    error <= MAX_RELATIVE_ERROR,
                    "{:?} hidden, {:?} output, {:?}, sizes {sizes:?}, bias {bias}: relative error {error:e}",
                    case.hidden,
                    case.output,
                    case.loss
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 9 * 2 * 2);
}

#[test]
fn mean_of_per_sample_chain_products_is_the_batch_gradient() {
    // For every weight: (1/B) Σ_s ∂E/∂a · ∂a/∂z · ∂z/∂w (or ∂E/∂z · ∂z/∂w where ∂E/∂a is not
    // elementwise) equals the gradient the optimizer applies.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for case in cases() {
        let network = random_network(&[3, 4, 5, 3], &case, true, &mut rng);
        let inputs = DMatrix::from_fn(3, BATCH, |_, _| rng.random_range(-1.0..1.0));
        let targets = random_targets(&case, 3, BATCH, &mut rng);
        let (tape, gradients, _) = network.backpropagate(&inputs, &targets).unwrap();
        for (id, name) in network.parameter_names().iter() {
            let factors = tape.factors(id.layer);
            let mean = (0..BATCH)
                .map(|s| {
                    let delta = match (&factors.de_da, &factors.da_dz) {
                        (Some(de_da), Some(da_dz)) => de_da[(id.to, s)] * da_dz[(id.to, s)],
                        _ => factors.de_dz[(id.to, s)],
                    };
                    delta * factors.dz_dw(s, id.from)
                })
                .sum::<f64>()
                / BATCH as f64;
            let expected = gradients.get(id);
            assert!(
                (mean - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                "{name}: {mean} vs {expected}"
            );
        }
    }
}
