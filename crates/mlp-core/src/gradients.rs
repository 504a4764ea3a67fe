//! The batch gradient ∂E/∂w the optimizer applies.

use nalgebra::{DMatrix, DVector};

use crate::{Network, ParamId, Scalar};

/// The gradient of the batch loss (the mean over samples) with respect to every parameter,
/// shaped like the network: per layer, an (n_outputs × n_inputs) matrix for the weights and an
/// n_outputs vector for the biases, if the layer has them.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients<T: Scalar = f64> {
    pub(crate) weights: Vec<DMatrix<T>>,
    pub(crate) biases: Vec<Option<DVector<T>>>,
}

impl<T: Scalar> Gradients<T> {
    /// Zeros shaped like `network`'s parameters.
    #[must_use]
    pub fn zeros(network: &Network<T>) -> Self {
        Gradients {
            weights: network
                .layers()
                .iter()
                .map(|dense| DMatrix::zeros(dense.n_outputs(), dense.n_inputs()))
                .collect(),
            biases: network
                .layers()
                .iter()
                .map(|dense| dense.bias().map(|bias| DVector::zeros(bias.len())))
                .collect(),
        }
    }

    /// ∂E/∂W of 0-based `layer`: (n_outputs × n_inputs).
    #[must_use]
    pub fn weights(&self, layer: usize) -> &DMatrix<T> {
        &self.weights[layer]
    }

    /// ∂E/∂b of 0-based `layer`, if it has biases.
    #[must_use]
    pub fn bias(&self, layer: usize) -> Option<&DVector<T>> {
        self.biases[layer].as_ref()
    }

    /// ∂E/∂w for one parameter.
    #[must_use]
    pub fn get(&self, id: ParamId) -> T {
        match id.from {
            Some(from) => self.weights[id.layer][(id.to, from)],
            None => self.biases[id.layer].as_ref().expect("layer has no bias")[id.to],
        }
    }

    /// Number of weight layers.
    #[must_use]
    pub fn n_layers(&self) -> usize {
        self.weights.len()
    }

    /// Each block as a slice: per layer, the weights (column-major), then the biases if any.
    /// The order of [`Network::parameter_blocks`].
    pub fn blocks(&self) -> impl Iterator<Item = &[T]> + '_ {
        self.weights.iter().zip(&self.biases).flat_map(|(weights, bias)| {
            std::iter::once(weights.as_slice()).chain(bias.as_ref().map(|b| b.as_slice()))
        })
    }

    /// Each block as a mutable slice, in the order of [`Gradients::blocks`].
    pub fn blocks_mut(&mut self) -> impl Iterator<Item = &mut [T]> + '_ {
        self.weights.iter_mut().zip(&mut self.biases).flat_map(|(weights, bias)| {
            std::iter::once(weights.as_mut_slice()).chain(bias.as_mut().map(|b| b.as_mut_slice()))
        })
    }

    /// The blocks of 0-based `layer`: weights, then biases if any.
    pub fn layer_blocks(&self, layer: usize) -> impl Iterator<Item = &[T]> + '_ {
        std::iter::once(self.weights[layer].as_slice())
            .chain(self.biases[layer].as_ref().map(|b| b.as_slice()))
    }
}
