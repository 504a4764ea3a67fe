//! A fully connected layer: z = W a_prev + b, a = f(z).

use nalgebra::{DMatrix, DVector};

use crate::{Activation, Scalar};

/// A dense (fully connected) layer: **z = W · a_prev + b**, **a = f(z)**.
///
/// Shapes: `weights` W is (n_outputs × n_inputs), so **row = the neuron fed** and **column =
/// the input it comes from**; `bias` b, when present, has n_outputs entries. The tutorial's
/// layers have no bias.
///
/// Shapes are checked when the layer joins a [`crate::Network`]; the fields are private so that
/// they stay checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense<T: Scalar = f64> {
    weights: DMatrix<T>,
    bias: Option<DVector<T>>,
    activation: Activation,
}

impl<T: Scalar> Dense<T> {
    /// A layer from its (n_outputs × n_inputs) weights, optional n_outputs biases and activation.
    ///
    /// ```
    /// use mlp_core::{Activation, Dense};
    /// use nalgebra::DMatrix;
    ///
    /// // The tutorial's hidden layer: W1 W2 feed h1, W3 W4 feed h2.
    /// let hidden = Dense::new(
    ///     DMatrix::from_row_slice(2, 2, &[0.30, 0.25, 0.40, 0.35]),
    ///     None,
    ///     Activation::Sigmoid,
    /// );
    /// assert_eq!(hidden.weights()[(0, 1)], 0.25); // W2: into h1, from x2
    /// ```
    pub fn new(weights: DMatrix<T>, bias: Option<DVector<T>>, activation: Activation) -> Self {
        Dense { weights, bias, activation }
    }

    /// (n_outputs × n_inputs); row = neuron fed, column = input.
    pub fn weights(&self) -> &DMatrix<T> {
        &self.weights
    }

    /// Mutable weights; the shape cannot change through a `&mut DMatrix` view of a slice, so
    /// this hands out the storage as a slice (column-major).
    pub fn weights_mut(&mut self) -> &mut [T] {
        self.weights.as_mut_slice()
    }

    /// The biases, one per neuron, if the layer has them.
    pub fn bias(&self) -> Option<&DVector<T>> {
        self.bias.as_ref()
    }

    /// Mutable biases as a slice, if the layer has them.
    pub fn bias_mut(&mut self) -> Option<&mut [T]> {
        self.bias.as_mut().map(|bias| bias.as_mut_slice())
    }

    /// The activation f.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Inputs per sample (columns of W).
    pub fn n_inputs(&self) -> usize {
        self.weights.ncols()
    }

    /// Neurons (rows of W).
    pub fn n_outputs(&self) -> usize {
        self.weights.nrows()
    }

    /// Weights plus biases.
    pub fn n_parameters(&self) -> usize {
        self.weights.len() + self.bias.as_ref().map_or(0, |bias| bias.len())
    }

    pub(crate) fn split_mut(&mut self) -> (&mut [T], Option<&mut [T]>) {
        (self.weights.as_mut_slice(), self.bias.as_mut().map(|bias| bias.as_mut_slice()))
    }

    /// The same layer in another float type.
    pub fn cast<U: Scalar>(&self) -> Dense<U> {
        Dense {
            weights: self.weights.map(|w| U::from_f64_value(w.to_f64_value())),
            bias: self.bias.as_ref().map(|b| b.map(|v| U::from_f64_value(v.to_f64_value()))),
            activation: self.activation,
        }
    }
}
