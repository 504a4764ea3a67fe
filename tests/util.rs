//! Helpers shared by the integration tests.

use mlp_core::{Activation, Architecture, Dense, Loss, Network, Scalar};
use mlp_train::Dataset;
use nalgebra::{dmatrix, DMatrix};

/// The tutorial's 2-2-2 sigmoid network without biases (docs/tutorial.md):
/// W1..W4 = 0.30, 0.25, 0.40, 0.35 into the hidden layer, W5..W8 = 0.45, 0.40, 0.70, 0.60 into
/// the outputs, loss E = Σ ½(t − o)².
pub fn tutorial_network<T: Scalar>() -> Network<T> {
    let network = Network::new(
        vec![
            Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid),
            Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid),
        ],
        Loss::HalfSumSquared,
    )
    .expect("the tutorial's network is well formed");
    network.cast()
}

/// The tutorial's sample x = (0.1, 0.2) as a (2 × 1) batch.
pub fn tutorial_inputs<T: Scalar>() -> DMatrix<T> {
    DMatrix::from_column_slice(2, 1, &[0.1, 0.2]).map(T::from_f64_value)
}

/// The tutorial's target t = (0.4, 0.6) as a (2 × 1) batch.
pub fn tutorial_targets<T: Scalar>() -> DMatrix<T> {
    DMatrix::from_column_slice(2, 1, &[0.4, 0.6]).map(T::from_f64_value)
}

/// A writer into a byte buffer the test keeps a handle on, for CSV layers without files.
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// XOR: inputs (0,0) (0,1) (1,0) (1,1), one column per sample; targets 0 1 1 0.
pub fn xor() -> Dataset {
    let inputs = DMatrix::from_column_slice(2, 4, &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    let targets = DMatrix::from_row_slice(1, 4, &[0.0, 1.0, 1.0, 0.0]);
    Dataset::numbered(inputs, targets).unwrap()
}

/// The 2-4-1 network the XOR tests train: tanh hidden layer, sigmoid output, biases, MSE,
/// initialised from `seed`.
pub fn xor_network(seed: u64) -> Network {
    let architecture = Architecture {
        sizes: vec![2, 4, 1],
        hidden_activation: Activation::Tanh,
        output_activation: Activation::Sigmoid,
        bias: true,
        loss: Loss::MeanSquared,
    };
    Network::initialized(&architecture, None, seed).unwrap()
}
