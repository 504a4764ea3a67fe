//! A fully connected layer: z = W a_prev + b, a = f(z).

use std::fmt;

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
///
/// `Debug` shows the shape, the activation and the numbers, the weights row by row:
/// `Dense { n_inputs: 2, n_outputs: 1, activation: Sigmoid, weights: [[0.3, 0.25]], bias: None }`.
#[derive(Clone, PartialEq)]
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
    #[must_use]
    pub fn new(weights: DMatrix<T>, bias: Option<DVector<T>>, activation: Activation) -> Self {
        Dense { weights, bias, activation }
    }

    /// (n_outputs × n_inputs); row = neuron fed, column = input.
    #[must_use]
    pub fn weights(&self) -> &DMatrix<T> {
        &self.weights
    }

    /// Mutable weights; the shape cannot change through a `&mut DMatrix` view of a slice, so
    /// this hands out the storage as a slice (column-major).
    pub fn weights_mut(&mut self) -> &mut [T] {
        self.weights.as_mut_slice()
    }

    /// The biases, one per neuron, if the layer has them.
    #[must_use]
    pub fn bias(&self) -> Option<&DVector<T>> {
        self.bias.as_ref()
    }

    /// Mutable biases as a slice, if the layer has them.
    pub fn bias_mut(&mut self) -> Option<&mut [T]> {
        self.bias.as_mut().map(|bias| bias.as_mut_slice())
    }

    /// The activation f.
    #[must_use]
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Inputs per sample (columns of W).
    #[must_use]
    pub fn n_inputs(&self) -> usize {
        self.weights.ncols()
    }

    /// Neurons (rows of W).
    #[must_use]
    pub fn n_outputs(&self) -> usize {
        self.weights.nrows()
    }

    /// Weights plus biases.
    #[must_use]
    pub fn n_parameters(&self) -> usize {
        self.weights.len() + self.bias.as_ref().map_or(0, |bias| bias.len())
    }

    pub(crate) fn split_mut(&mut self) -> (&mut [T], Option<&mut [T]>) {
        (self.weights.as_mut_slice(), self.bias.as_mut().map(|bias| bias.as_mut_slice()))
    }

    /// The same layer in another float type.
    #[must_use]
    pub fn cast<U: Scalar>(&self) -> Dense<U> {
        Dense {
            weights: self.weights.map(|w| U::from_f64_value(w.to_f64_value())),
            bias: self.bias.as_ref().map(|b| b.map(|v| U::from_f64_value(v.to_f64_value()))),
            activation: self.activation,
        }
    }
}

impl<T: Scalar> fmt::Debug for Dense<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dense")
            .field("n_inputs", &self.n_inputs())
            .field("n_outputs", &self.n_outputs())
            .field("activation", &self.activation)
            .field("weights", &Rows(&self.weights))
            .field("bias", &self.bias.as_ref().map(|bias| Numbers(bias.iter())))
            .finish()
    }
}

/// A matrix as a list of its rows, each a list of numbers.
struct Rows<'a, T: Scalar>(&'a DMatrix<T>);

impl<T: Scalar> fmt::Debug for Rows<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let matrix = self.0;
        let row = |row| Numbers((0..matrix.ncols()).map(move |col| matrix[(row, col)]));
        f.debug_list().entries((0..matrix.nrows()).map(row)).finish()
    }
}

/// Numbers as a list, `[0.3, 0.25]`, each as its `Debug` writes it (shortest round-trip form).
struct Numbers<I>(I);

impl<I> fmt::Debug for Numbers<I>
where
    I: Iterator + Clone,
    I::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.clone()).finish()
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::{dmatrix, dvector};

    use super::*;

    #[test]
    fn debug_shows_the_shape_activation_and_rows_of_numbers() {
        let dense = Dense::new(dmatrix![0.3, 0.25; 0.4, 0.35], None, Activation::Sigmoid);
        assert_eq!(
            format!("{dense:?}"),
            "Dense { n_inputs: 2, n_outputs: 2, activation: Sigmoid, \
             weights: [[0.3, 0.25], [0.4, 0.35]], bias: None }"
        );
        let biased = Dense::new(
            dmatrix![1.0_f32, -2.5e-3, 7.0],
            Some(dvector![0.1_f32]),
            Activation::LeakyRelu { slope: 0.2 },
        );
        assert_eq!(
            format!("{biased:?}"),
            "Dense { n_inputs: 3, n_outputs: 1, activation: LeakyRelu { slope: 0.2 }, \
             weights: [[1.0, -0.0025, 7.0]], bias: Some([0.1]) }"
        );
        assert_eq!(
            format!("{biased:#?}"),
            "Dense {
    n_inputs: 3,
    n_outputs: 1,
    activation: LeakyRelu {
        slope: 0.2,
    },
    weights: [
        [
            1.0,
            -0.0025,
            7.0,
        ],
    ],
    bias: Some(
        [
            0.1,
        ],
    ),
}"
        );
    }
}
