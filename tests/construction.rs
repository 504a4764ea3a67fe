//! Networks are checked once, at construction, with typed errors; initialisation is seeded.

use mlp_core::{Activation, Architecture, Dense, Init, Loss, Network, NetworkError};
use nalgebra::{DMatrix, DVector};

fn dense(n_outputs: usize, n_inputs: usize, activation: Activation) -> Dense {
    Dense::new(DMatrix::from_element(n_outputs, n_inputs, 0.1), None, activation)
}

#[test]
fn every_shape_error_is_named() {
    let mismatch = Network::new(
        vec![dense(3, 2, Activation::Tanh), dense(1, 4, Activation::Identity)],
        Loss::MeanSquared,
    );
    assert_eq!(
        mismatch.unwrap_err(),
        NetworkError::InputMismatch { layer: 2, expected: 3, found: 4 }
    );

    let bias =
        Dense::new(DMatrix::from_element(3, 2, 0.1), Some(DVector::zeros(2)), Activation::Tanh);
    assert_eq!(
        Network::new(vec![bias], Loss::MeanSquared).unwrap_err(),
        NetworkError::BiasLength { layer: 1, expected: 3, found: 2 }
    );

    let hidden_softmax = Network::new(
        vec![dense(3, 2, Activation::Softmax), dense(1, 3, Activation::Identity)],
        Loss::MeanSquared,
    );
    assert_eq!(hidden_softmax.unwrap_err(), NetworkError::SoftmaxNotOutput { layer: 1 });

    let relu_cross_entropy = Network::new(vec![dense(2, 2, Activation::Relu)], Loss::CrossEntropy);
    assert_eq!(
        relu_cross_entropy.unwrap_err().to_string(),
        "cross-entropy loss needs a softmax or sigmoid output layer, not relu"
    );

    let mut weights = DMatrix::from_element(2, 2, 0.1);
    weights[(1, 0)] = f64::NAN; // W3: row 2, column 1
    let nan =
        Network::new(vec![Dense::new(weights, None, Activation::Identity)], Loss::MeanSquared);
    assert_eq!(nan.unwrap_err().to_string(), "parameter W3 is NaN; parameters must be finite");

    assert_eq!(
        Network::<f64>::new(Vec::new(), Loss::MeanSquared).unwrap_err(),
        NetworkError::NoLayers
    );
}

fn architecture(hidden: Activation) -> Architecture {
    Architecture {
        sizes: vec![50, 200, 3],
        hidden_activation: hidden,
        output_activation: Activation::Softmax,
        bias: true,
        loss: Loss::CrossEntropy,
    }
}

#[test]
fn initialisation_is_seeded_and_follows_its_distribution() {
    let a = Network::<f64>::initialized(&architecture(Activation::Relu), None, 7).unwrap();
    let b = Network::<f64>::initialized(&architecture(Activation::Relu), None, 7).unwrap();
    let c = Network::<f64>::initialized(&architecture(Activation::Relu), None, 8).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);

    // He normal for ReLU: 10,000 draws of N(0, 2/50); their standard deviation is 0.2 ± 1.5%.
    let hidden = a.layers()[0].weights();
    let n = hidden.len() as f64;
    let mean = hidden.sum() / n;
    let std = (hidden.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!((std / 0.2 - 1.0).abs() < 0.015, "std {std}");
    assert!(a.layers()[0].bias().unwrap().iter().all(|&b| b == 0.0));

    // Xavier uniform for the softmax layer: bound √(6 / (200 + 3)) = 0.17192.
    let output = a.layers()[1].weights();
    let bound = (6.0_f64 / 203.0).sqrt();
    assert!(output.iter().all(|w| w.abs() <= bound));
    assert!(output.iter().any(|w| w.abs() > 0.9 * bound));

    let xavier =
        Network::<f64>::initialized(&architecture(Activation::Tanh), Some(Init::XavierUniform), 7)
            .unwrap();
    let bound = (6.0_f64 / 250.0).sqrt();
    assert!(xavier.layers()[0].weights().iter().all(|w| w.abs() <= bound));
}
