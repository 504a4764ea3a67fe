//! A stack of dense layers with a loss: construction checks, and the parameter views the
//! optimizers use.

use std::fmt;
use std::num::NonZeroUsize;

use nalgebra::{DMatrix, DMatrixView};

use crate::{
    Activation, BatchError, Dense, Gradients, Loss, NetworkError, ParamId, ParameterNames, Scalar,
    Tape,
};

/// A multilayer perceptron: dense layers applied in order, and the loss its outputs are scored by.
///
/// Layer l (0-based) maps (n_inputs_l × batch) activations to (n_outputs_l × batch); layer l+1
/// takes n_outputs_l inputs. Every shape is checked once, in [`Network::new`]; after that the
/// forward and backward passes cannot fail.
///
/// `Debug` shows the sizes, the loss and each layer as [`Dense`] shows it (weights row by row).
#[derive(Clone, PartialEq)]
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
    #[must_use = "the network is built only to be used; the Result may hold why it is not"]
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
            let value = self.parameter_at(id);
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
    #[must_use]
    pub fn layers(&self) -> &[Dense<T>] {
        &self.layers
    }

    /// The loss.
    #[must_use]
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// Inputs per sample.
    #[must_use]
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_inputs()
    }

    /// Outputs per sample.
    #[must_use]
    pub fn n_outputs(&self) -> usize {
        self.output_layer().n_outputs()
    }

    /// The last layer.
    #[must_use]
    pub fn output_layer(&self) -> &Dense<T> {
        self.layers.last().expect("a network has at least one layer")
    }

    /// Weights and biases of all layers.
    #[must_use]
    pub fn n_parameters(&self) -> usize {
        self.layers.iter().map(Dense::n_parameters).sum()
    }

    /// Neuron counts from the inputs to the outputs: `[2, 2, 2]` for the tutorial.
    #[must_use]
    pub fn sizes(&self) -> Vec<usize> {
        std::iter::once(self.n_inputs()).chain(self.layers.iter().map(Dense::n_outputs)).collect()
    }

    /// The tutorial-style names of the parameters.
    #[must_use]
    pub fn parameter_names(&self) -> ParameterNames {
        ParameterNames::new(self)
    }

    /// A tape for batches of 1 to `capacity` samples: see [`Tape`]. A capacity of zero cannot
    /// be written; from a `usize`, use [`Network::try_tape`].
    #[must_use]
    pub fn tape(&self, capacity: NonZeroUsize) -> Tape<T> {
        Tape::new(self, capacity)
    }

    /// A tape for batches of 1 to `capacity` samples, or [`BatchError::ZeroCapacity`] for 0
    /// (such a tape could load no batch).
    ///
    /// ```
    /// use mlp_core::nalgebra::{self, dmatrix};
    /// use mlp_core::{Activation, BatchError, Dense, Loss, Network};
    ///
    /// let network =
    ///     Network::new(vec![Dense::new(dmatrix![1.0], None, Activation::Identity)], Loss::MeanSquared)?;
    /// assert_eq!(network.try_tape(32)?.capacity(), 32);
    /// assert_eq!(network.try_tape(0).unwrap_err(), BatchError::ZeroCapacity);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_tape(&self, capacity: usize) -> Result<Tape<T>, BatchError> {
        NonZeroUsize::new(capacity)
            .map(|capacity| self.tape(capacity))
            .ok_or(BatchError::ZeroCapacity)
    }

    /// Zeroed gradients shaped like the parameters.
    #[must_use]
    pub fn zero_gradients(&self) -> Gradients<T> {
        Gradients::zeros(self)
    }

    /// The outputs for (n_inputs × batch) `inputs`: (n_outputs × batch). `inputs` may be a
    /// matrix or a view (`&x`, `x.as_view()`, `x.columns(0, n)`, as [`Tape::load`] takes). Allocates
    /// a tape; for repeated calls, use [`Network::forward`] with a reused [`Tape`].
    ///
    /// Fails when `inputs` does not have [`Network::n_inputs`] rows or has no column, and with
    /// [`BatchError::NonFinite`] when an activation overflows to NaN or ±∞ (the first one, see
    /// [`Tape::first_non_finite`]), so that no NaN prediction comes out.
    #[must_use = "predicting has no effect besides the outputs it returns"]
    pub fn predict<'a>(
        &self,
        inputs: impl Into<DMatrixView<'a, T>>,
    ) -> Result<DMatrix<T>, BatchError> {
        let inputs = inputs.into();
        let mut tape = self.tape(NonZeroUsize::new(inputs.ncols()).unwrap_or(NonZeroUsize::MIN));
        tape.load_inputs(inputs)?;
        self.forward(&mut tape);
        if let Some(found) = tape.first_non_finite() {
            return Err(found.into());
        }
        Ok(tape.outputs().into_owned())
    }

    /// The outputs for one sample given as a slice of [`Network::n_inputs`] numbers.
    ///
    /// Fails with [`BatchError::Inputs`] for a slice of another length, and with
    /// [`BatchError::NonFinite`] as [`Network::predict`] does.
    ///
    /// ```
    /// use mlp_core::nalgebra::{self, dmatrix};
    /// use mlp_core::{Activation, Dense, Loss, Network};
    ///
    /// // o = 2 x1 − x2, o' = x1 + x2
    /// let dense = Dense::new(dmatrix![2.0, -1.0; 1.0, 1.0], None, Activation::Identity);
    /// let network = Network::new(vec![dense], Loss::MeanSquared)?;
    /// assert_eq!(network.predict_one(&[3.0, 1.0])?, [5.0, 4.0]);
    /// assert_eq!(network.predict_rows(&[[3.0, 1.0], [0.5, 0.5]])?, [[5.0, 4.0], [0.5, 1.0]]);
    /// assert_eq!(network.predict_row_major(&[3.0, 1.0, 0.5, 0.5])?, [5.0, 4.0, 0.5, 1.0]);
    /// assert!(network.predict_one(&[1.0]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use = "predicting has no effect besides the outputs it returns"]
    pub fn predict_one(&self, sample: &[T]) -> Result<Vec<T>, BatchError> {
        if sample.len() != self.n_inputs() {
            return Err(BatchError::Inputs { expected: self.n_inputs(), found: sample.len() });
        }
        Ok(self.predict(DMatrixView::from_slice(sample, sample.len(), 1))?.data.into())
    }

    /// The outputs for a batch given as rows, one sample per row (`&[Vec<f64>]`,
    /// `&[&[f64]]`, `&[[f64; 2]]`): one row of [`Network::n_outputs`] numbers per sample, in
    /// order. No rows give no outputs.
    ///
    /// Fails with [`BatchError::RowLength`] naming the first row whose length is not
    /// [`Network::n_inputs`], and with [`BatchError::NonFinite`] as [`Network::predict`] does.
    #[must_use = "predicting has no effect besides the outputs it returns"]
    pub fn predict_rows<Row: AsRef<[T]>>(&self, rows: &[Row]) -> Result<Vec<Vec<T>>, BatchError> {
        let n_inputs = self.n_inputs();
        if let Some((row, found)) =
            rows.iter().map(|row| row.as_ref().len()).enumerate().find(|&(_, n)| n != n_inputs)
        {
            return Err(BatchError::RowLength { row, expected: n_inputs, found });
        }
        let values = rows.iter().flat_map(|row| row.as_ref().iter().copied());
        let outputs = self.predict_row_major(&values.collect::<Vec<T>>())?;
        Ok(outputs.chunks_exact(self.n_outputs()).map(<[T]>::to_vec).collect())
    }

    /// The outputs for a batch given row-major, [`Network::n_inputs`] numbers per sample one
    /// sample after the other, as the same row-major layout: [`Network::n_outputs`] numbers
    /// per sample. No numbers give no outputs.
    ///
    /// Fails with [`BatchError::RowMajorLength`] when the length is not a whole number of
    /// samples, and with [`BatchError::NonFinite`] as [`Network::predict`] does.
    #[must_use = "predicting has no effect besides the outputs it returns"]
    pub fn predict_row_major(&self, values: &[T]) -> Result<Vec<T>, BatchError> {
        let n_inputs = self.n_inputs();
        if values.len() % n_inputs != 0 {
            return Err(BatchError::RowMajorLength { n_inputs, found: values.len() });
        }
        if values.is_empty() {
            return Ok(Vec::new());
        }
        // Row-major samples are the columns of a column-major (n_inputs × batch) matrix.
        let inputs = DMatrixView::from_slice(values, n_inputs, values.len() / n_inputs);
        Ok(self.predict(inputs)?.data.into())
    }

    /// Forward and backward pass over one batch, allocating: the tape it returns holds every z,
    /// a and chain-rule factor per sample (see [`Tape::factors`]), the gradients are the batch
    /// means, and the loss is the mean over samples.
    ///
    /// Shapes: `inputs` (n_inputs × batch), `targets` (n_outputs × batch), batch ≥ 1; each `&x`, a
    /// view, or anything else [`Tape::load`] takes.
    pub fn backpropagate<'a>(
        &self,
        inputs: impl Into<DMatrixView<'a, T>>,
        targets: impl Into<DMatrixView<'a, T>>,
    ) -> Result<(Tape<T>, Gradients<T>, T), BatchError> {
        let inputs = inputs.into();
        let mut tape = self.tape(NonZeroUsize::new(inputs.ncols()).unwrap_or(NonZeroUsize::MIN));
        tape.load(inputs, targets)?;
        let mut gradients = self.zero_gradients();
        self.forward(&mut tape);
        let loss = self.backward(&mut tape, &mut gradients);
        Ok((tape, gradients, loss))
    }

    /// The value of parameter `id` (a weight or a bias, see [`ParamId`]), or `None` when the
    /// network has no such parameter.
    ///
    /// ```
    /// use mlp_core::nalgebra::{self, dmatrix};
    /// use mlp_core::{Activation, Dense, Loss, Network};
    ///
    /// let dense = Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid);
    /// let mut network = Network::new(vec![dense], Loss::HalfSumSquared)?;
    /// let w2 = network.parameter_names().find("W2").unwrap(); // into neuron 1, from input 2
    /// assert_eq!(network.parameter(w2), Some(0.25));
    /// *network.parameter_mut(w2).unwrap() = 0.5;
    /// assert_eq!(network.layers()[0].weights()[(0, 1)], 0.5);
    /// let names: Vec<String> = network.named_parameters().map(|(name, _, _)| name).collect();
    /// assert_eq!(names, ["W1", "W2", "W3", "W4"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn parameter(&self, id: ParamId) -> Option<T> {
        let dense = self.layers.get(id.layer)?;
        match id.from {
            Some(from) => dense.weights().get((id.to, from)).copied(),
            None => dense.bias()?.get(id.to).copied(),
        }
    }

    /// The parameter `id` to change in place, or `None` when the network has no such
    /// parameter. Nothing checks what is written: a NaN stays.
    pub fn parameter_mut(&mut self, id: ParamId) -> Option<&mut T> {
        let dense = self.layers.get_mut(id.layer)?;
        let (n_outputs, n_inputs) = (dense.n_outputs(), dense.n_inputs());
        let (weights, bias) = dense.split_mut();
        match id.from {
            // Column-major storage: W[(to, from)] is at from · n_outputs + to.
            Some(from) if id.to < n_outputs && from < n_inputs => {
                weights.get_mut(from * n_outputs + id.to)
            }
            Some(_) => None,
            None => bias?.get_mut(id.to),
        }
    }

    /// Every parameter's place, in the order of the names W1..Wn, b1..bm per layer
    /// ([`ParameterNames::iter`]): per layer, the weights row-major (neuron fed, then input),
    /// then the biases.
    pub fn parameter_ids(&self) -> impl Iterator<Item = ParamId> + '_ {
        self.layers.iter().enumerate().flat_map(|(layer, dense)| {
            let n_inputs = dense.n_inputs();
            let weights = (0..dense.n_outputs() * n_inputs).map(move |k| ParamId {
                layer,
                to: k / n_inputs,
                from: Some(k % n_inputs),
            });
            let n_biases = if dense.bias().is_some() { dense.n_outputs() } else { 0 };
            let biases = (0..n_biases).map(move |to| ParamId { layer, to, from: None });
            weights.chain(biases)
        })
    }

    /// Every parameter with its place, in the order of [`Network::parameter_ids`] (row-major
    /// weights, as the names run, unlike [`Network::parameter_blocks`]).
    pub fn parameters(&self) -> impl Iterator<Item = (ParamId, T)> + '_ {
        self.parameter_ids().map(|id| (id, self.parameter_at(id)))
    }

    /// Every parameter with its tutorial-style name (`W1`, `b2`, see [`ParameterNames`]) and
    /// place, in the names' order: per layer, the weights row-major, then the biases.
    pub fn named_parameters(&self) -> impl Iterator<Item = (String, ParamId, T)> + '_ {
        let names = self.parameter_names();
        let named: Vec<_> =
            names.iter().map(|(id, name)| (name.to_owned(), id, self.parameter_at(id))).collect();
        named.into_iter()
    }

    /// The value of `id`, which comes from this network.
    fn parameter_at(&self, id: ParamId) -> T {
        let dense = &self.layers[id.layer];
        match id.from {
            Some(from) => dense.weights()[(id.to, from)],
            None => dense.bias().map_or(T::zero(), |bias| bias[id.to]),
        }
    }

    /// Each parameter block as a mutable slice, in the order of [`Gradients::blocks`]: per
    /// layer, the weights, then the biases if any. The weights are in nalgebra's
    /// **column-major** storage order, input by input (W[(0, 0)], W[(1, 0)], …), not in the
    /// row-major order of the names W1..Wn: the blocks suit elementwise updates; to reach a
    /// parameter by name, use [`Network::parameter_mut`].
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

    /// Each parameter block as a slice, in the order of [`Gradients::blocks`]: per layer, the
    /// weights, then the biases if any. The weights are in nalgebra's **column-major** storage
    /// order, input by input (W[(0, 0)], W[(1, 0)], …), not in the row-major order of the
    /// names W1..Wn: for the tutorial's first layer the block is W1, W3, W2, W4. For the
    /// names' order, use [`Network::parameters`] or [`Network::named_parameters`].
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
    #[must_use]
    pub fn cast<U: Scalar>(&self) -> Network<U> {
        Network { layers: self.layers.iter().map(Dense::cast).collect(), loss: self.loss }
    }
}

impl<T: Scalar> fmt::Debug for Network<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("sizes", &self.sizes())
            .field("loss", &self.loss)
            .field("layers", &self.layers)
            .finish()
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

    /// Writing 1, 2, 3, … through `parameter_mut` in the names' order fills each layer's
    /// weights row by row (the names run row-major; the storage is column-major) and then its
    /// biases; a 2 × 3 layer catches a row/column mix-up that a square one would not.
    #[test]
    fn parameter_mut_in_the_names_order_fills_the_weights_row_by_row() {
        let mut network = Network::new(
            vec![
                Dense::new(
                    DMatrix::zeros(2, 3),
                    Some(nalgebra::dvector![0.0, 0.0]),
                    Activation::Tanh,
                ),
                Dense::new(DMatrix::zeros(1, 2), None, Activation::Identity),
            ],
            Loss::MeanSquared,
        )
        .unwrap();
        let ids: Vec<ParamId> = network.parameter_ids().collect();
        assert_eq!(ids.len(), network.n_parameters());
        for (k, &id) in ids.iter().enumerate() {
            *network.parameter_mut(id).unwrap() = (k + 1) as f64;
        }
        assert_eq!(network.layers()[0].weights(), &dmatrix![1.0, 2.0, 3.0; 4.0, 5.0, 6.0]);
        assert_eq!(network.layers()[0].bias(), Some(&nalgebra::dvector![7.0, 8.0]));
        assert_eq!(network.layers()[1].weights(), &dmatrix![9.0, 10.0]);
        let names: Vec<(String, f64)> =
            network.named_parameters().map(|(name, _, value)| (name, value)).collect();
        let expected = ["W1", "W2", "W3", "W4", "W5", "W6", "b1", "b2", "W7", "W8"];
        for (k, (name, value)) in names.iter().enumerate() {
            assert_eq!((name.as_str(), *value), (expected[k], (k + 1) as f64));
        }
        // Column-major storage: W1 W4 W2 W5 W3 W6.
        let first = network.parameter_blocks().next().unwrap();
        assert_eq!(first, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }

    #[test]
    fn debug_lists_sizes_loss_and_layers_without_storage_internals() {
        let network = Network::new(
            vec![Dense::new(
                dmatrix![0.5_f32, -1.5],
                Some(nalgebra::dvector![0.25]),
                Activation::Sigmoid,
            )],
            Loss::CrossEntropy,
        )
        .unwrap();
        assert_eq!(
            format!("{network:?}"),
            "Network { sizes: [2, 1], loss: CrossEntropy, layers: [Dense { n_inputs: 2, \
             n_outputs: 1, activation: Sigmoid, weights: [[0.5, -1.5]], bias: Some([0.25]) }] }"
        );
    }

    #[test]
    fn predicting_rows_checks_every_row_and_keeps_the_row_order() {
        // o1 = x1 − x2, o2 = 3 x2: exact in binary.
        let network = Network::new(
            vec![Dense::new(dmatrix![1.0, -1.0; 0.0, 3.0], None, Activation::Identity)],
            Loss::MeanSquared,
        )
        .unwrap();
        let rows = vec![vec![2.0, 0.5], vec![-1.0, 4.0]];
        assert_eq!(network.predict_rows(&rows).unwrap(), [[1.5, 1.5], [-5.0, 12.0]]);
        assert_eq!(
            network.predict_row_major(&[2.0, 0.5, -1.0, 4.0]).unwrap(),
            [1.5, 1.5, -5.0, 12.0]
        );
        assert_eq!(network.predict_one(&[-1.0, 4.0]).unwrap(), [-5.0, 12.0]);
        let short_last = vec![vec![2.0, 0.5], vec![1.0, 1.0], vec![4.0]];
        assert_eq!(
            network.predict_rows(&short_last).unwrap_err(),
            BatchError::RowLength { row: 2, expected: 2, found: 1 }
        );
        assert_eq!(
            network.predict_row_major(&[1.0; 5]).unwrap_err(),
            BatchError::RowMajorLength { n_inputs: 2, found: 5 }
        );
        assert_eq!(
            network.predict_one(&[1.0, 2.0, 3.0]).unwrap_err(),
            BatchError::Inputs { expected: 2, found: 3 }
        );
    }
}
