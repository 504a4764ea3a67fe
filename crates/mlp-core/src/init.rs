//! Seeded weight initialisation.

use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::{Activation, Dense, Loss, Network, NetworkError, Scalar};

/// How to draw initial weights. Biases start at zero.
///
/// | variant | weight w_ji drawn from |
/// |---|---|
/// | `XavierUniform` (Glorot) | U(−√(6 / (n_in + n_out)), +√(6 / (n_in + n_out))) |
/// | `HeNormal` | N(0, σ² = 2 / n_in) |
///
/// Draws come from ChaCha8 seeded with the given `u64`, layer by layer, row-major within a
/// layer (the order of the names W1..Wn), so the same seed gives the same network on every
/// platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Init {
    /// Glorot & Bengio (2010); Keras's default.
    XavierUniform,
    /// He et al. (2015); suited to ReLU layers.
    HeNormal,
}

impl Init {
    /// He normal for the ReLU family, Xavier uniform for everything else.
    #[must_use]
    pub fn for_activation(activation: Activation) -> Init {
        match activation {
            Activation::Relu | Activation::LeakyRelu { .. } => Init::HeNormal,
            _ => Init::XavierUniform,
        }
    }
}

/// The shape of a network to initialise: layer sizes from inputs to outputs, activations,
/// biases and loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// Neurons per layer from the inputs to the outputs: `[4, 32, 3]` is 4 inputs, one hidden
    /// layer of 32 and 3 outputs.
    pub sizes: Vec<usize>,
    /// Activation of every hidden layer.
    pub hidden_activation: Activation,
    /// Activation of the output layer.
    pub output_activation: Activation,
    /// Whether layers have biases.
    pub bias: bool,
    /// The loss.
    pub loss: Loss,
}

impl<T: Scalar> Network<T> {
    /// A network shaped by `architecture` with weights drawn by `init` (per layer, or chosen per
    /// layer's activation with `None`, see [`Init::for_activation`]) from a generator seeded
    /// with `seed`.
    pub fn initialized(
        architecture: &Architecture,
        init: Option<Init>,
        seed: u64,
    ) -> Result<Self, NetworkError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let sizes = &architecture.sizes;
        if sizes.len() < 2 {
            return Err(NetworkError::NoLayers);
        }
        let n_layers = sizes.len() - 1;
        for (index, pair) in sizes.windows(2).enumerate() {
            let (n_inputs, n_outputs) = (pair[0], pair[1]);
            // The weights are drawn into a Vec<f64> first, then held as `T`.
            let bytes = n_outputs.checked_mul(n_inputs).and_then(|n| n.checked_mul(8));
            if bytes.is_none_or(|bytes| bytes > isize::MAX as usize) {
                return Err(NetworkError::TooLarge { layer: index + 1, n_outputs, n_inputs });
            }
        }
        let layers = (0..n_layers)
            .map(|index| {
                let (n_inputs, n_outputs) = (sizes[index], sizes[index + 1]);
                let activation = if index + 1 == n_layers {
                    architecture.output_activation
                } else {
                    architecture.hidden_activation
                };
                let init = init.unwrap_or_else(|| Init::for_activation(activation));
                let weights = draw_weights(&mut rng, init, n_outputs, n_inputs);
                let bias = architecture.bias.then(|| DVector::zeros(n_outputs));
                Dense::new(weights, bias, activation)
            })
            .collect();
        Network::new(layers, architecture.loss)
    }
}

/// (n_outputs × n_inputs) weights, drawn row by row.
fn draw_weights<T: Scalar>(
    rng: &mut ChaCha8Rng,
    init: Init,
    n_outputs: usize,
    n_inputs: usize,
) -> DMatrix<T> {
    let values: Vec<f64> = match init {
        Init::XavierUniform => {
            let limit = (6.0 / (n_inputs + n_outputs).max(1) as f64).sqrt();
            (0..n_outputs * n_inputs).map(|_| rng.random_range(-limit..limit)).collect()
        }
        Init::HeNormal => {
            let std_dev = (2.0 / n_inputs.max(1) as f64).sqrt();
            let normal = Normal::new(0.0, std_dev).expect("finite positive standard deviation");
            (0..n_outputs * n_inputs).map(|_| normal.sample(rng)).collect()
        }
    };
    DMatrix::from_row_iterator(n_outputs, n_inputs, values.into_iter().map(T::from_f64_value))
}
