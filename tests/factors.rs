//! The chain-rule factors are finite or absent, never inf or NaN: a saturated sigmoid output
//! under cross-entropy (the tape, the gradient log and `explain`), and random networks with
//! every activation and loss (proptest).
//!
//! The saturated network's numbers come from PyTorch autograd,
//! `tests/reference/saturated_cross_entropy.py`, in f64 and f32: x1 = 1, h1 = identity(W1·x1),
//! (o1, o2) = sigmoid(W2·h1, W3·h1), W1 = 1, W2 = W3 = 40, targets (0, 1), η = 0.5. Both
//! outputs round to 1, so the split ∂E/∂o = (o − t) / (o (1 − o)) is inf for o1 and NaN for
//! o2 while ∂o/∂z = 0; the fused ∂E/∂z = o − t is (1, 0).

use mlp_core::{Activation, Dense, Loss, Network, Scalar};
use mlp_train::explain::{explain, ExplainOptions};
use mlp_train::gradlog::GradientCsvLayer;
use mlp_train::{train, Dataset};
use nalgebra::{dmatrix, DMatrix};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tracing_subscriber::layer::SubscriberExt;

use crate::gradient_log::tutorial_config;
use crate::properties::output_and_loss;
use crate::util::SharedBuffer;

/// The saturated network of the module comment.
fn saturated_network() -> Network {
    Network::new(
        vec![
            Dense::new(dmatrix![1.0], None, Activation::Identity),
            Dense::new(dmatrix![40.0; 40.0], None, Activation::Sigmoid),
        ],
        Loss::CrossEntropy,
    )
    .unwrap()
}

/// The tape's factors of the saturated network in `T`: the output layer's split factors are
/// left out, ∂E/∂z is autograd's (1, 0), the hidden layer's factors are there and finite.
fn check_saturated_tape<T: Scalar>() {
    let network = saturated_network().cast::<T>();
    let (inputs, targets) = (dmatrix![T::one()], dmatrix![T::zero(); T::one()]);
    let (tape, gradients, loss) = network.backpropagate(&inputs, &targets).unwrap();
    assert_eq!(loss.to_f64_value(), 40.0);

    let output = tape.factors(1);
    assert_eq!(output.a.iter().map(|a| a.to_f64_value()).collect::<Vec<_>>(), [1.0, 1.0]);
    assert!(output.de_da.is_none(), "∂E/∂o is left out under cross-entropy");
    assert!(output.da_dz.is_none(), "∂o/∂z is left out under cross-entropy");
    assert_eq!(output.de_dz.iter().map(|d| d.to_f64_value()).collect::<Vec<_>>(), [1.0, 0.0]);

    let hidden = tape.factors(0);
    let one = |matrix: Option<nalgebra::DMatrixView<'_, T>>| matrix.unwrap()[(0, 0)].to_f64_value();
    assert_eq!(one(hidden.de_da), 40.0);
    assert_eq!(one(hidden.da_dz), 1.0);
    assert_eq!(hidden.de_dz[(0, 0)].to_f64_value(), 40.0);

    let names = network.parameter_names();
    let gradient = |name: &str| gradients.get(names.find(name).unwrap()).to_f64_value();
    assert_eq!([gradient("W1"), gradient("W2"), gradient("W3")], [40.0, 1.0, 0.0]);
}

#[test]
fn saturated_sigmoid_cross_entropy_tape_has_the_fused_delta_in_f64_and_f32() {
    check_saturated_tape::<f64>();
    check_saturated_tape::<f32>();
}

/// The gradient log of one plain step on the saturated network, in `T`.
fn saturated_log<T: Scalar>() -> String {
    let data = Dataset::numbered(dmatrix![T::one()], dmatrix![T::zero(); T::one()]).unwrap();
    let mut network = saturated_network().cast::<T>();
    let config = tutorial_config();
    let buffer = SharedBuffer::default();
    let layer = GradientCsvLayer::new(buffer.clone());
    let guard = layer.flush_on_drop();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        train(&mut network, &data, None, &config).unwrap();
    });
    guard.flush().unwrap();
    buffer.text()
}

#[test]
fn saturated_sigmoid_cross_entropy_log_rows_are_finite_or_empty() {
    for text in [saturated_log::<f64>(), saturated_log::<f32>()] {
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("epoch,step,sample,layer,param,to,from,weight,dE_da,da_dz,dE_dz,dz_dw,dE_dw,weight_new")
        );
        let mut rows: Vec<&str> = lines.collect();
        rows.sort_unstable();
        // Autograd: dE/dW1 = 40, dE/dW2 = 1, dE/dW3 = 0; W+ = W − 0.5 · dE/dW.
        assert_eq!(
            rows,
            [
                "1,1,1,1,W1,1,1,1.0,40.0,1.0,40.0,1.0,40.0,-19.0",
                "1,1,1,2,W2,1,1,40.0,,,1.0,1.0,1.0,39.5",
                "1,1,1,2,W3,2,1,40.0,,,0.0,1.0,0.0,40.0",
            ],
            "{text}"
        );
        assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
    }
}

#[test]
fn saturated_sigmoid_cross_entropy_explain_shows_the_fused_formula() {
    let options = ExplainOptions {
        learning_rate: 0.5,
        sample_label: "the saturated sample".to_owned(),
        ..ExplainOptions::default()
    };
    let f64_text = explain(&saturated_network(), &[1.0], &[0.0, 1.0], &options).unwrap().text();
    let f32_text =
        explain(&saturated_network().cast::<f32>(), &[1.0], &[0.0, 1.0], &options).unwrap().text();
    for text in [f64_text, f32_text] {
        for expected in [
            "∂E/∂z2 = o1 − t1 = 1.00000000 − 0 = 1.00000000",
            "∂E/∂z3 = o2 − t2 = 1.00000000 − 1 = 0.00000000",
            "∂E/∂W2 = ∂E/∂z2 × ∂z2/∂W2 = 1.00000000 × 1.00000000 = 1.00000000",
            "W2+ = W2 − η·∂E/∂W2 = 40 − 0.5 × 1.00000000 = 39.50000000",
            "∂E/∂W1 = ∂E/∂h1 × ∂h1/∂z1 × ∂z1/∂W1 = 40.00000000 × 1.00000000 × 1 = 40.00000000",
            "W1+ = W1 − η·∂E/∂W1 = 1 − 0.5 × 40.00000000 = -19.00000000",
        ] {
            assert!(text.contains(expected), "{expected:?} not in:\n{text}");
        }
        assert!(!text.contains("∂E/∂o1") && !text.contains("∂o1/∂z2"), "{text}");
        assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
    }
}

/// A random network: 1 to 3 weight layers of 1 to 5 neurons, `hidden` on every layer but the
/// last, weights uniform in (−scale, scale) and biases in (−scale/2, scale/2) so that large
/// scales saturate sigmoid, tanh and softmax.
fn random_network(
    sizes: &[usize],
    hidden: Activation,
    (output, loss): (Activation, Loss),
    scale: f64,
    rng: &mut ChaCha8Rng,
) -> Network {
    let n_layers = sizes.len() - 1;
    let layers = (0..n_layers)
        .map(|l| {
            let activation = if l + 1 == n_layers { output } else { hidden };
            let weights = DMatrix::from_fn(sizes[l + 1], sizes[l], |_, _| {
                scale * rng.random_range(-1.0..1.0)
            });
            let bias = rng.random_bool(0.5).then(|| {
                nalgebra::DVector::from_fn(sizes[l + 1], |_, _| scale * rng.random_range(-0.5..0.5))
            });
            Dense::new(weights, bias, activation)
        })
        .collect();
    Network::new(layers, loss).unwrap()
}

/// Every factor of every layer is finite, and where both split factors are there their
/// product is ∂E/∂z to the last bit (mlp-core computes it as that one product).
fn check_factors<T: Scalar>(network: &Network, inputs: &DMatrix<f64>, targets: &DMatrix<f64>) {
    let network = network.cast::<T>();
    let cast = |matrix: &DMatrix<f64>| matrix.map(T::from_f64_value);
    let (tape, _, _) = network.backpropagate(&cast(inputs), &cast(targets)).unwrap();
    for layer in 0..network.layers().len() {
        let factors = tape.factors(layer);
        let all = [Some(&factors.z), Some(&factors.a), factors.de_da.as_ref()]
            .into_iter()
            .chain([factors.da_dz.as_ref(), Some(&factors.de_dz)])
            .flatten();
        for matrix in all {
            assert!(matrix.iter().all(|v| v.is_finite()), "layer {layer}: {matrix}");
        }
        if let (Some(de_da), Some(da_dz)) = (&factors.de_da, &factors.da_dz) {
            for ((&de_da, &da_dz), &de_dz) in
                de_da.iter().zip(da_dz.iter()).zip(factors.de_dz.iter())
            {
                assert_eq!(de_da * da_dz, de_dz, "layer {layer}");
            }
        }
    }
}

fn hidden_activation() -> impl Strategy<Value = Activation> {
    proptest::sample::select(vec![
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LEAKY_RELU,
        Activation::Identity,
    ])
}

fn config() -> Config {
    let mut config = Config::with_cases(2048);
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(0x6661_6374_6f72);
    }
    config.failure_persistence = None;
    config
}

proptest! {
    #![proptest_config(config())]

    /// For random networks with every hidden activation and every output/loss pair, weights
    /// up to ±60 (saturating), batches of 1 to 4 and targets the loss accepts (0 and 1 among
    /// them), in f64 and f32: no factor is inf or NaN, and split factors multiply to ∂E/∂z.
    #[test]
    fn factors_are_finite_and_multiply_to_the_delta(
        sizes in prop::collection::vec(1..=5usize, 2..=4),
        hidden in hidden_activation(),
        (output, loss) in output_and_loss(),
        scale in proptest::sample::select(vec![1.0, 10.0, 60.0]),
        batch in 1..=4usize,
        seed in any::<u64>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let network = random_network(&sizes, hidden, (output, loss), scale, &mut rng);
        let n_outputs = *sizes.last().unwrap();
        let inputs = DMatrix::from_fn(sizes[0], batch, |_, _| rng.random_range(-2.0..2.0));
        let targets = match (output, loss) {
            (Activation::Softmax, _) => DMatrix::from_fn(n_outputs, batch, |row, column| {
                f64::from(u8::from(row == column % n_outputs))
            }),
            (_, Loss::CrossEntropy) => DMatrix::from_fn(n_outputs, batch, |_, _| {
                [0.0, 1.0, rng.random_range(0.0..1.0)][rng.random_range(0..3)]
            }),
            _ => DMatrix::from_fn(n_outputs, batch, |_, _| rng.random_range(-1.0..1.0)),
        };
        check_factors::<f64>(&network, &inputs, &targets);
        check_factors::<f32>(&network, &inputs, &targets);
    }
}
