//! Preallocated buffers for one batch: every z, a and chain-rule factor per sample.

use std::num::NonZeroUsize;

use nalgebra::{DMatrix, DMatrixView};

use crate::{small, Activation, BatchError, Loss, Network, NonFiniteActivation, Scalar};

/// Everything the forward and backward passes compute for one batch, kept per sample so that
/// each factor of the chain rule can be read back.
///
/// A tape is made once per network and batch capacity ([`Network::tape`]); loading a batch and
/// running [`Network::forward`] and [`Network::backward`] on it allocate nothing. All matrices
/// have **one column per sample** (column-major, so a sample is contiguous).
///
/// Per weight layer l, with n = the layer's neurons:
///
/// | buffer | shape | meaning |
/// |---|---|---|
/// | z | n × batch | pre-activations z = W a_prev + b |
/// | a | n × batch | activations a = f(z) |
/// | ∂E/∂a | n × batch | output layer: the loss gradient; hidden: Σ_k w_kj ∂E/∂z_k over the neurons fed |
/// | ∂a/∂z | n × batch | f′(z), for elementwise f |
/// | ∂E/∂z | n × batch | the delta, ∂E/∂a ⊙ ∂a/∂z (fused for softmax or sigmoid with cross-entropy) |
///
/// E here is each sample's own loss; the [`crate::Gradients`] are batch means.
#[derive(Debug, Clone)]
pub struct Tape<T: Scalar = f64> {
    pub(crate) capacity: usize,
    pub(crate) batch: usize,
    pub(crate) has_targets: bool,
    /// (n_inputs × capacity).
    pub(crate) inputs: DMatrix<T>,
    /// (n_outputs × capacity).
    pub(crate) targets: DMatrix<T>,
    pub(crate) layers: Vec<LayerTape<T>>,
    /// Loss of each sample, filled by the backward pass.
    pub(crate) sample_losses: Vec<T>,
    pub(crate) loss: Loss,
}

/// The buffers of one layer, each (n_outputs × capacity).
#[derive(Debug, Clone)]
pub(crate) struct LayerTape<T: Scalar> {
    pub(crate) activation: Activation,
    pub(crate) z: DMatrix<T>,
    pub(crate) a: DMatrix<T>,
    pub(crate) de_da: DMatrix<T>,
    pub(crate) da_dz: DMatrix<T>,
    pub(crate) de_dz: DMatrix<T>,
    /// Whether ∂E/∂a (and, for an elementwise activation, ∂a/∂z) is logged here: not for an
    /// output layer under cross-entropy (sigmoid or softmax), whose ∂E/∂z is the fused o − t.
    pub(crate) has_de_da: bool,
    /// Whether the layer's products run as the plain loops of `small.rs`, decided once here.
    pub(crate) small: bool,
}

impl<T: Scalar> Tape<T> {
    /// Buffers for `network` and batches of 1 to `capacity` samples (a capacity of zero cannot
    /// be asked for: [`Network::try_tape`] takes a `usize` and returns an error for it).
    #[must_use]
    pub fn new(network: &Network<T>, capacity: NonZeroUsize) -> Self {
        let capacity = capacity.get();
        let last = network.layers().len() - 1;
        let layers = network
            .layers()
            .iter()
            .enumerate()
            .map(|(index, dense)| {
                let zeros = || DMatrix::zeros(dense.n_outputs(), capacity);
                let activation = dense.activation();
                let fused_cross_entropy = index == last && network.loss() == Loss::CrossEntropy;
                LayerTape {
                    activation,
                    z: zeros(),
                    a: zeros(),
                    de_da: zeros(),
                    da_dz: zeros(),
                    de_dz: zeros(),
                    has_de_da: !fused_cross_entropy,
                    small: small::is_small(dense.n_outputs(), dense.n_inputs()),
                }
            })
            .collect();
        Tape {
            capacity,
            batch: 0,
            has_targets: false,
            inputs: DMatrix::zeros(network.n_inputs(), capacity),
            targets: DMatrix::zeros(network.n_outputs(), capacity),
            layers,
            sample_losses: vec![T::zero(); capacity],
            loss: network.loss(),
        }
    }

    /// Copies a batch of (n_inputs × batch) `inputs` and (n_outputs × batch) `targets` in.
    ///
    /// Each is anything that gives a [`DMatrixView`]: `&x` for a matrix `x` (dynamic or
    /// fixed-size), `x.as_view()`, `x.columns(0, n)`, or another view. Nothing is kept: the
    /// numbers are copied into the tape's own buffers.
    ///
    /// ```
    /// use mlp_core::nalgebra::{self, dmatrix};
    /// use mlp_core::{Activation, Dense, Loss, Network};
    ///
    /// let dense = Dense::new(dmatrix![1.0, 2.0], None, Activation::Identity);
    /// let network = Network::new(vec![dense], Loss::MeanSquared)?;
    /// let mut tape = network.try_tape(3)?;
    /// let (x, t) = (dmatrix![1.0, 2.0, 3.0; 4.0, 5.0, 6.0], dmatrix![1.0, 1.0, 1.0]);
    /// tape.load(&x, &t)?;
    /// tape.load(x.as_view(), t.as_view())?;
    /// tape.load(x.columns(0, 2), t.columns(0, 2))?;
    /// let sample = nalgebra::Vector2::new(1.0, 4.0);
    /// tape.load(&sample, &nalgebra::Vector1::new(1.0))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load<'a>(
        &mut self,
        inputs: impl Into<DMatrixView<'a, T>>,
        targets: impl Into<DMatrixView<'a, T>>,
    ) -> Result<(), BatchError> {
        let (inputs, targets) = (inputs.into(), targets.into());
        if targets.nrows() != self.targets.nrows() {
            return Err(BatchError::Targets {
                expected: self.targets.nrows(),
                found: targets.nrows(),
            });
        }
        if targets.ncols() != inputs.ncols() {
            return Err(BatchError::SampleCount {
                inputs: inputs.ncols(),
                targets: targets.ncols(),
            });
        }
        self.load_inputs(inputs)?;
        for sample in 0..self.batch {
            for k in 0..targets.nrows() {
                self.targets[(k, sample)] = targets[(k, sample)];
            }
        }
        self.has_targets = true;
        Ok(())
    }

    /// Copies a batch of (n_inputs × batch) `inputs` in, without targets: enough for
    /// [`Network::forward`], not for [`Network::backward`]. Like [`Tape::load`], takes `&x`,
    /// `x.as_view()`, `x.columns(0, n)` or another view.
    pub fn load_inputs<'a>(
        &mut self,
        inputs: impl Into<DMatrixView<'a, T>>,
    ) -> Result<(), BatchError> {
        let inputs = inputs.into();
        self.check_batch(inputs.nrows(), inputs.ncols())?;
        for sample in 0..inputs.ncols() {
            for i in 0..inputs.nrows() {
                self.inputs[(i, sample)] = inputs[(i, sample)];
            }
        }
        self.batch = inputs.ncols();
        self.has_targets = false;
        Ok(())
    }

    /// Gathers the samples at column indices `columns` of a whole dataset's (n_inputs × n)
    /// `inputs` and (n_outputs × n) `targets`: how a shuffled mini-batch is loaded.
    ///
    /// Panics if an index is out of range.
    pub fn load_columns(
        &mut self,
        inputs: &DMatrix<T>,
        targets: &DMatrix<T>,
        columns: &[usize],
    ) -> Result<(), BatchError> {
        self.check_batch(inputs.nrows(), columns.len())?;
        if targets.nrows() != self.targets.nrows() {
            return Err(BatchError::Targets {
                expected: self.targets.nrows(),
                found: targets.nrows(),
            });
        }
        let (n_inputs, n_outputs) = (inputs.nrows(), targets.nrows());
        for (sample, &column) in columns.iter().enumerate() {
            copy(
                &mut self.inputs.as_mut_slice()[sample * n_inputs..(sample + 1) * n_inputs],
                &inputs.as_slice()[column * n_inputs..(column + 1) * n_inputs],
            );
            copy(
                &mut self.targets.as_mut_slice()[sample * n_outputs..(sample + 1) * n_outputs],
                &targets.as_slice()[column * n_outputs..(column + 1) * n_outputs],
            );
        }
        self.batch = columns.len();
        self.has_targets = true;
        Ok(())
    }

    fn check_batch(&self, n_rows: usize, n_samples: usize) -> Result<(), BatchError> {
        if n_rows != self.inputs.nrows() {
            return Err(BatchError::Inputs { expected: self.inputs.nrows(), found: n_rows });
        }
        if n_samples == 0 || n_samples > self.capacity {
            return Err(BatchError::Size { capacity: self.capacity, found: n_samples });
        }
        Ok(())
    }

    /// Samples in the loaded batch.
    pub fn batch_size(&self) -> usize {
        self.batch
    }

    /// The most samples a batch may have.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of weight layers.
    pub fn n_layers(&self) -> usize {
        self.layers.len()
    }

    /// The batch's inputs: (n_inputs × batch).
    pub fn inputs(&self) -> DMatrixView<'_, T> {
        self.inputs.columns(0, self.batch)
    }

    /// The batch's targets: (n_outputs × batch).
    pub fn targets(&self) -> DMatrixView<'_, T> {
        self.targets.columns(0, self.batch)
    }

    /// The network's outputs after [`Network::forward`]: (n_outputs × batch).
    pub fn outputs(&self) -> DMatrixView<'_, T> {
        self.layers.last().expect("at least one layer").a.columns(0, self.batch)
    }

    /// The first activation of the last forward pass that is NaN or infinite, looking at the
    /// layers from the inputs on and, within a layer, at the samples in order; `None` when every
    /// activation is finite. An overflow shows first where it began, so the layer it names is
    /// the one whose weights or inputs are too large.
    pub fn first_non_finite(&self) -> Option<NonFiniteActivation> {
        self.layers.iter().enumerate().find_map(|(layer_idx, layer)| {
            let a = layer.a.columns(0, self.batch);
            let index = a.iter().position(|value| !value.is_finite())?;
            let (neuron, sample) = (index % a.nrows(), index / a.nrows());
            Some(NonFiniteActivation {
                layer: layer_idx + 1,
                neuron: neuron + 1,
                sample,
                value: a[(neuron, sample)].to_f64_value(),
            })
        })
    }

    /// Each sample's loss after [`Network::backward`].
    pub fn sample_losses(&self) -> &[T] {
        &self.sample_losses[..self.batch]
    }

    /// Every chain-rule factor of 0-based `layer` after [`Network::backward`].
    pub fn factors(&self, layer: usize) -> LayerFactors<'_, T> {
        let b = self.batch;
        let current = &self.layers[layer];
        let inputs = if layer == 0 { &self.inputs } else { &self.layers[layer - 1].a };
        LayerFactors {
            layer,
            inputs: inputs.columns(0, b),
            z: current.z.columns(0, b),
            a: current.a.columns(0, b),
            de_da: current.has_de_da.then(|| current.de_da.columns(0, b)),
            da_dz: (current.has_de_da && current.activation.is_elementwise())
                .then(|| current.da_dz.columns(0, b)),
            de_dz: current.de_dz.columns(0, b),
        }
    }
}

/// `to = from` for slices of one length: element by element when short (a tiny network's
/// sample), where a `memcpy` call costs more than the copy.
#[inline]
fn copy<T: Scalar>(to: &mut [T], from: &[T]) {
    const SHORT: usize = 8;
    if from.len() <= SHORT {
        for (to, &from) in to.iter_mut().zip(from) {
            *to = from;
        }
    } else {
        to.copy_from_slice(from);
    }
}

/// The chain-rule factors of one layer for every sample of a batch, borrowed from a [`Tape`].
///
/// For the weight w_ji into neuron j from input i, and one sample s:
///
/// **∂E/∂w_ji = ∂E/∂a_j · ∂a_j/∂z_j · ∂z_j/∂w_ji**, with ∂z_j/∂w_ji = a_prev_i (1 for a bias),
/// and ∂E/∂a_j · ∂a_j/∂z_j = ∂E/∂z_j.
///
/// Matrices are (n × batch) for this layer's n neurons, `inputs` (n_inputs × batch). Every
/// factor is finite for finite inputs, or `None`; ∂E/∂z is always there and exact:
/// - `da_dz` is `None` for a softmax layer (its ∂a/∂z is a Jacobian);
/// - `de_da` and `da_dz` are both `None` for an output layer under cross-entropy, sigmoid or
///   softmax: ∂E/∂z = o − t (o·Σt − t for softmax) is computed directly, fused. Split, a
///   saturated sigmoid output would give ∂E/∂a = (o − t) / (o (1 − o)) = ±∞ or NaN and
///   ∂a/∂z = 0 while their product is the finite o − t.
///
/// Where both `de_da` and `da_dz` are there, ∂E/∂z = ∂E/∂a · ∂a/∂z exactly (one rounding).
#[derive(Debug, Clone)]
pub struct LayerFactors<'a, T: Scalar> {
    /// 0-based layer.
    pub layer: usize,
    /// The activations this layer reads, a_prev (the network inputs for layer 0): ∂z/∂w.
    pub inputs: DMatrixView<'a, T>,
    /// Pre-activations z.
    pub z: DMatrixView<'a, T>,
    /// Activations a.
    pub a: DMatrixView<'a, T>,
    /// ∂E/∂a, where it is one number per neuron.
    pub de_da: Option<DMatrixView<'a, T>>,
    /// ∂a/∂z, where the activation is elementwise.
    pub da_dz: Option<DMatrixView<'a, T>>,
    /// ∂E/∂z, the delta.
    pub de_dz: DMatrixView<'a, T>,
}

impl<T: Scalar> LayerFactors<'_, T> {
    /// ∂z_j/∂w_ji for 0-based `sample` and input `from`: a_prev_i, or 1 for a bias (`None`).
    #[inline]
    pub fn dz_dw(&self, sample: usize, from: Option<usize>) -> T {
        from.map_or(T::one(), |from| self.inputs[(from, sample)])
    }

    /// ∂E/∂w_ji = ∂E/∂z_j · ∂z_j/∂w_ji for 0-based `sample`, neuron `to` and input `from`
    /// (`None` for the bias of `to`).
    #[inline]
    pub fn de_dw(&self, sample: usize, to: usize, from: Option<usize>) -> T {
        self.de_dz[(to, sample)] * self.dz_dw(sample, from)
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::dmatrix;

    use super::*;
    use crate::Dense;

    /// Layer 1 copies its input x; layer 2's three neurons compute x, 2x and 1e308·x. For the
    /// batch (1, 10) the only overflow is 1e308 · 10 = ∞: layer 2, neuron 3 (1-based), sample 1
    /// (0-based), at index 1·3 + 2 = 5 of the column-major (3 × 2) activations. 1e308 · 1 and
    /// 1e308 · 1.5 are finite (below f64::MAX ≈ 1.797e308).
    #[test]
    fn first_non_finite_names_its_layer_neuron_and_sample() {
        let network = Network::new(
            vec![
                Dense::new(dmatrix![1.0], None, Activation::Identity),
                Dense::new(dmatrix![1.0; 2.0; 1e308], None, Activation::Identity),
            ],
            Loss::MeanSquared,
        )
        .unwrap();
        let mut tape = network.try_tape(2).unwrap();
        tape.load_inputs(&dmatrix![1.0, 10.0]).unwrap();
        network.forward(&mut tape);
        let expected = NonFiniteActivation { layer: 2, neuron: 3, sample: 1, value: f64::INFINITY };
        assert_eq!(tape.first_non_finite(), Some(expected));
        tape.load_inputs(&dmatrix![1.0, 1.5]).unwrap();
        network.forward(&mut tape);
        assert_eq!(tape.first_non_finite(), None);
    }
}
