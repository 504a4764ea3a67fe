//! A stack of dense layers with a loss: construction checks, and the parameter views the
//! optimizers use.

use nalgebra::DMatrix;

use crate::{
    Activation, BatchError, Dense, Gradients, Loss, NetworkError, ParameterNames, Scalar, Tape,
};

/// A multilayer perceptron: dense layers applied in order, and the loss its outputs are scored by.
///
/// Layer l (0-based) maps (n_inputs_l × batch) activations to (n_outputs_l × batch); layer l+1
/// takes n_outputs_l inputs. Every shape is checked once, in [`Network::new`]; after that the
/// forward and backward passes cannot fail.
#[derive(Debug, Clone, PartialEq)]
pub struct Network<T: Scalar = f64> {
    layers: Vec<Dense<T>>,
    loss: Loss,
}

impl<T: Scalar> Network<T> {
    /// Checks and assembles `layers` with `loss`.
    ///
    /// Errors: no layers, an empty layer, inputs that do not match the previous layer's
    /// neurons, a bias of the wrong length, softmax before the last layer, cross-entropy after
    /// an output other than softmax or sigmoid, a non-finite leaky-ReLU slope, a NaN or
    /// infinite parameter.
    pub fn new(layers: Vec<Dense<T>>, loss: Loss) -> Result<Self, NetworkError> {
        let last = layers.len().checked_sub(1).ok_or(NetworkError::NoLayers)?;
        for (index, dense) in layers.iter().enumerate() {
            let layer = index + 1;
            if dense.n_outputs() == 0 || dense.n_inputs() == 0 {
                return Err(NetworkError::EmptyLayer {
                    layer,
                    n_outputs: dense.n_outputs(),
                    n_inputs: dense.n_inputs(),
                });
            }
            if index > 0 && layers[index - 1].n_outputs() != dense.n_inputs() {
                return Err(NetworkError::InputMismatch {
                    layer,
                    expected: layers[index - 1].n_outputs(),
                    found: dense.n_inputs(),
                });
            }
            if let Some(bias) = dense.bias() {
                if bias.len() != dense.n_outputs() {
                    return Err(NetworkError::BiasLength {
                        layer,
                        expected: dense.n_outputs(),
                        found: bias.len(),
                    });
                }
            }
            match dense.activation() {
                Activation::Softmax if index != last => {
                    return Err(NetworkError::SoftmaxNotOutput { layer })
                }
                Activation::LeakyRelu { slope } if !slope.is_finite() => {
                    return Err(NetworkError::BadSlope { layer, slope })
                }
                _ => {}
            }
        }
        let output = layers[last].activation();
        if !loss.accepts_output(output) {
            return Err(NetworkError::LossNeedsProbabilities { loss, activation: output });
        }
        let network = Network { layers, loss };
        network.check_finite()?;
        Ok(network)
    }

    fn check_finite(&self) -> Result<(), NetworkError> {
        let names = ParameterNames::new(self);
        for (id, name) in names.iter() {
            let dense = &self.layers[id.layer];
            let value = match id.from {
                Some(from) => dense.weights()[(id.to, from)],
                None => dense.bias().map_or(T::zero(), |bias| bias[id.to]),
            };
            if !value.is_finite() {
                return Err(NetworkError::NonFiniteParameter {
                    name: name.to_owned(),
                    value: value.to_f64_value(),
                });
            }
        }
        Ok(())
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[Dense<T>] {
        &self.layers
    }

    /// The loss.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// Inputs per sample.
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_inputs()
    }

    /// Outputs per sample.
    pub fn n_outputs(&self) -> usize {
        self.output_layer().n_outputs()
    }

    /// The last layer.
    pub fn output_layer(&self) -> &Dense<T> {
        self.layers.last().expect("a network has at least one layer")
    }

    /// Weights and biases of all layers.
    pub fn n_parameters(&self) -> usize {
        self.layers.iter().map(Dense::n_parameters).sum()
    }

    /// Neuron counts from the inputs to the outputs: `[2, 2, 2]` for the tutorial.
    pub fn sizes(&self) -> Vec<usize> {
        std::iter::once(self.n_inputs()).chain(self.layers.iter().map(Dense::n_outputs)).collect()
    }

    /// The tutorial-style names of the parameters.
    pub fn parameter_names(&self) -> ParameterNames {
        ParameterNames::new(self)
    }

    /// A tape for batches of up to `capacity` samples: see [`Tape`].
    pub fn tape(&self, capacity: usize) -> Tape<T> {
        Tape::new(self, capacity)
    }

    /// Zeroed gradients shaped like the parameters.
    pub fn zero_gradients(&self) -> Gradients<T> {
        Gradients::zeros(self)
    }

    /// The outputs for (n_inputs × batch) `inputs`: (n_outputs × batch). Allocates a tape;
    /// for repeated calls, use [`Network::forward`] with a reused [`Tape`].
    ///
    /// Fails when `inputs` does not have [`Network::n_inputs`] rows, and with
    /// [`BatchError::NonFinite`] when an activation overflows to NaN or ±∞ (the first one, see
    /// [`Tape::first_non_finite`]), so that no NaN prediction comes out.
    pub fn predict(&self, inputs: &DMatrix<T>) -> Result<DMatrix<T>, BatchError> {
        let mut tape = self.tape(inputs.ncols().max(1));
        tape.load_inputs(inputs.columns(0, inputs.ncols()))?;
        self.forward(&mut tape);
        if let Some(found) = tape.first_non_finite() {
            return Err(found.into());
        }
        Ok(tape.outputs().into_owned())
    }

    /// Forward and backward pass over one batch, allocating: the tape it returns holds every z,
    /// a and chain-rule factor per sample (see [`Tape::factors`]), the gradients are the batch
    /// means, and the loss is the mean over samples.
    ///
    /// Shapes: `inputs` (n_inputs × batch), `targets` (n_outputs × batch), batch ≥ 1.
    pub fn backpropagate(
        &self,
        inputs: &DMatrix<T>,
        targets: &DMatrix<T>,
    ) -> Result<(Tape<T>, Gradients<T>, T), BatchError> {
        let mut tape = self.tape(inputs.ncols().max(1));
        tape.load(inputs.columns(0, inputs.ncols()), targets.columns(0, targets.ncols()))?;
        let mut gradients = self.zero_gradients();
        self.forward(&mut tape);
        let loss = self.backward(&mut tape, &mut gradients);
        Ok((tape, gradients, loss))
    }

    /// Each parameter block as a mutable slice, in the order of [`Gradients::blocks`]: per
    /// layer, the weights (column-major), then the biases if any.
    pub fn parameter_blocks_mut(&mut self) -> impl Iterator<Item = &mut [T]> + '_ {
        self.layers.iter_mut().flat_map(|dense| {
            let (weights, bias) = dense.split_mut();
            std::iter::once(weights).chain(bias)
        })
    }

    /// The weights (column-major) and the biases, if any, of 0-based `layer` as mutable
    /// slices: the blocks of one layer in [`Network::parameter_blocks_mut`], reached without
    /// walking the others (an optimizer's step over a tiny network).
    ///
    /// Panics if `layer` is out of range.
    pub fn layer_parameters_mut(&mut self, layer: usize) -> (&mut [T], Option<&mut [T]>) {
        self.layers[layer].split_mut()
    }

    /// Each parameter block as a slice, in the order of [`Gradients::blocks`].
    pub fn parameter_blocks(&self) -> impl Iterator<Item = &[T]> + '_ {
        self.layers.iter().flat_map(|dense| {
            std::iter::once(dense.weights().as_slice()).chain(dense.bias().map(|b| b.as_slice()))
        })
    }

    /// One step of plain gradient descent: **w ← w − η · ∂E/∂w** for every parameter.
    ///
    /// `gradients` must come from this network ([`Network::zero_gradients`] or
    /// [`Network::backpropagate`]).
    pub fn descend(&mut self, gradients: &Gradients<T>, learning_rate: T) {
        for (parameters, gradient) in self.parameter_blocks_mut().zip(gradients.blocks()) {
            assert_eq!(parameters.len(), gradient.len(), "gradients of another network");
            for (w, &g) in parameters.iter_mut().zip(gradient) {
                *w -= learning_rate * g;
            }
        }
    }

    /// The same network in another float type (f64 → f32 rounds each parameter).
    pub fn cast<U: Scalar>(&self) -> Network<U> {
        Network { layers: self.layers.iter().map(Dense::cast).collect(), loss: self.loss }
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::dmatrix;

    use super::*;
    use crate::{Architecture, NonFiniteActivation};

    /// Weights of 1e308 make layer 1's second sample overflow; layer 2 (NaN from ∞ − ∞ or
    /// ∞ · 0) is not the one named, and sample 1 is fine.
    #[test]
    fn predict_names_the_first_activation_that_overflows() {
        let network = Network::new(
            vec![
                Dense::new(dmatrix![1e308, 1.0], None, Activation::Identity),
                Dense::new(dmatrix![1.0; -1.0], None, Activation::Identity),
            ],
            Loss::MeanSquared,
        )
        .unwrap();
        let fine = dmatrix![0.5; 0.0];
        assert_eq!(network.predict(&fine).unwrap(), dmatrix![0.5e308; -0.5e308]);
        let inputs = dmatrix![0.5, 10.0; 0.0, 0.0];
        let err = network.predict(&inputs).unwrap_err();
        let expected = NonFiniteActivation { layer: 1, neuron: 1, sample: 1, value: f64::INFINITY };
        assert_eq!(err, BatchError::NonFinite(expected));
        assert_eq!(
            err.to_string(),
            "sample 2: layer 1, neuron 1: the activation is inf (the numbers overflow)"
        );
    }

    #[test]
    fn initializing_a_layer_too_large_to_address_is_an_error_not_a_panic() {
        let architecture = Architecture {
            sizes: vec![4, 4_611_686_018_427_387_904, 3],
            hidden_activation: Activation::Relu,
            output_activation: Activation::Softmax,
            bias: true,
            loss: Loss::CrossEntropy,
        };
        let err = Network::<f64>::initialized(&architecture, None, 42).unwrap_err();
        assert_eq!(
            err,
            NetworkError::TooLarge { layer: 1, n_outputs: 4_611_686_018_427_387_904, n_inputs: 4 }
        );
        assert_eq!(
            err.to_string(),
            "layer 1 of 4611686018427387904×4 weights is too large to allocate"
        );
    }
}
