//! Activation functions a = f(z) and their derivatives ∂a/∂z.

use std::fmt;

use nalgebra::{Dim, Matrix, RawStorage, RawStorageMut};

use crate::Scalar;

/// An activation function applied to a layer's pre-activations z to give its activations a.
///
/// | variant | a = f(z) | ∂a/∂z |
/// |---|---|---|
/// | `Identity` | z | 1 |
/// | `Sigmoid` | 1 / (1 + e^(−z)) | a (1 − a) |
/// | `Tanh` | tanh z | 1 − a² |
/// | `Relu` | max(0, z) | 1 if z > 0, else 0 |
/// | `LeakyRelu { slope }` | z if z > 0, else slope · z | 1 if z > 0, else slope |
/// | `Softmax` | e^(z_j) / Σ_k e^(z_k), per sample | a_j (δ_jk − a_k): not elementwise |
///
/// `Softmax` is only allowed on the output layer; it is the one activation whose ∂a/∂z is a
/// Jacobian rather than one number per neuron (see [`Activation::is_elementwise`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// a = z.
    Identity,
    /// a = 1 / (1 + e^(−z)), the tutorial's activation.
    Sigmoid,
    /// a = tanh z.
    Tanh,
    /// a = max(0, z).
    Relu,
    /// a = z for z > 0, slope · z otherwise.
    LeakyRelu {
        /// The slope for z ≤ 0 (scikit-learn and PyTorch use 0.01).
        slope: f64,
    },
    /// a_j = e^(z_j) / Σ_k e^(z_k) over the neurons of one sample.
    Softmax,
}

impl Activation {
    /// Leaky ReLU with PyTorch's default slope, 0.01.
    pub const LEAKY_RELU: Activation = Activation::LeakyRelu { slope: 0.01 };

    /// True when ∂a_j/∂z_k is zero for j ≠ k, so ∂a/∂z is one number per neuron.
    #[must_use]
    pub fn is_elementwise(self) -> bool {
        !matches!(self, Activation::Softmax)
    }

    /// The lowercase name used on the command line and in model files (`leaky-relu`); the
    /// names parse back ([`Activation::NAMES`], `FromStr`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu { .. } => "leaky-relu",
            Activation::Softmax => "softmax",
        }
    }

    /// a = f(z) for one neuron's pre-activation z, where f is elementwise; `None` for
    /// softmax, whose a_j depends on every z_k of the sample (use [`Activation::apply`]).
    ///
    /// ```
    /// use mlp_core::Activation;
    ///
    /// assert_eq!(Activation::Relu.value_at(-2.0), Some(0.0));
    /// assert_eq!(Activation::Softmax.value_at(1.0), None);
    /// ```
    #[must_use]
    pub fn value_at<T: Scalar>(self, z: T) -> Option<T> {
        self.is_elementwise().then(|| self.apply_one(z))
    }

    /// ∂a/∂z = f′(z) for one neuron from its z and a = f(z), where f is elementwise; `None` for
    /// softmax, whose ∂a/∂z is a Jacobian (∂a_j/∂z_k = a_j (δ_jk − a_k)).
    ///
    /// ```
    /// use mlp_core::Activation;
    ///
    /// let a = 0.75;
    /// assert_eq!(Activation::Sigmoid.derivative_at(1.0986, a), Some(a * (1.0 - a)));
    /// assert_eq!(Activation::Softmax.derivative_at(1.0, 0.5), None);
    /// ```
    #[must_use]
    pub fn derivative_at<T: Scalar>(self, z: T, a: T) -> Option<T> {
        self.is_elementwise().then(|| self.derivative_one(z, a))
    }

    /// The activation of one pre-activation, for elementwise activations.
    ///
    /// Softmax has no one-number form; for it this returns e^z, the numerator: hence not
    /// public ([`Activation::value_at`] is).
    #[inline]
    pub(crate) fn apply_one<T: Scalar>(self, z: T) -> T {
        match self {
            Activation::Identity => z,
            Activation::Sigmoid => T::one() / (T::one() + (-z).exp()),
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.max(T::zero()),
            Activation::LeakyRelu { slope } => {
                if z > T::zero() {
                    z
                } else {
                    T::from_f64_value(slope) * z
                }
            }
            Activation::Softmax => z.exp(),
        }
    }

    /// ∂a/∂z for one neuron from its z and a, for elementwise activations (1 for softmax,
    /// which has no such number: hence not public; [`Activation::derivative_at`] is).
    #[inline]
    pub(crate) fn derivative_one<T: Scalar>(self, z: T, a: T) -> T {
        match self {
            Activation::Identity | Activation::Softmax => T::one(),
            Activation::Sigmoid => a * (T::one() - a),
            Activation::Tanh => T::one() - a * a,
            Activation::Relu => {
                if z > T::zero() {
                    T::one()
                } else {
                    T::zero()
                }
            }
            Activation::LeakyRelu { slope } => {
                if z > T::zero() {
                    T::one()
                } else {
                    T::from_f64_value(slope)
                }
            }
        }
    }

    /// Writes a = f(z) for a batch: both (n_neurons × batch), one column per sample.
    pub fn apply<T, R, C, S1, S2>(self, z: &Matrix<T, R, C, S1>, a: &mut Matrix<T, R, C, S2>)
    where
        T: Scalar,
        R: Dim,
        C: Dim,
        S1: RawStorage<T, R, C>,
        S2: RawStorageMut<T, R, C>,
    {
        debug_assert_eq!(z.shape(), a.shape());
        match self {
            Activation::Softmax => {
                for sample in 0..z.ncols() {
                    let max = (0..z.nrows())
                        .map(|j| z[(j, sample)])
                        .fold(T::min_value().unwrap_or(-T::one()), |m, v| m.max(v));
                    let mut sum = T::zero();
                    for j in 0..z.nrows() {
                        let e = (z[(j, sample)] - max).exp();
                        a[(j, sample)] = e;
                        sum += e;
                    }
                    for j in 0..z.nrows() {
                        a[(j, sample)] /= sum;
                    }
                }
            }
            elementwise => {
                for sample in 0..z.ncols() {
                    for j in 0..z.nrows() {
                        a[(j, sample)] = elementwise.apply_one(z[(j, sample)]);
                    }
                }
            }
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::LeakyRelu { slope } => write!(f, "leaky-relu(slope {slope:?})"),
            other => f.write_str(other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use nalgebra::DMatrix;

    use super::*;

    #[test]
    fn a_slope_prints_in_its_shortest_form_even_when_tiny() {
        assert_eq!(Activation::LEAKY_RELU.to_string(), "leaky-relu(slope 0.01)");
        // `{}` of f64 never uses an exponent: this was 330 characters long.
        let tiny = Activation::LeakyRelu { slope: 5e-324 };
        assert_eq!(tiny.to_string(), "leaky-relu(slope 5e-324)");
    }

    #[test]
    fn sigmoid_matches_tutorial() {
        // The tutorial: h1 = sigmoid(0.08) = 0.51998934, ∂h1/∂z1 = 0.24960043.
        let h1 = Activation::Sigmoid.apply_one(0.08_f64);
        assert_relative_eq!(h1, 0.51998934, epsilon = 1e-8);
        assert_relative_eq!(
            Activation::Sigmoid.derivative_one(0.08, h1),
            0.24960043,
            epsilon = 1e-8
        );
    }

    #[test]
    fn softmax_columns_sum_to_one_and_survive_large_inputs() {
        let z = DMatrix::from_column_slice(3, 2, &[1.0, 2.0, 3.0, 1000.0, 1000.0, 0.0]);
        let mut a = DMatrix::zeros(3, 2);
        Activation::Softmax.apply(&z, &mut a);
        // e^1, e^2, e^3 normalised, by hand: 0.09003057, 0.24472847, 0.66524096.
        assert_relative_eq!(a[(0, 0)], 0.09003057317038046, epsilon = 1e-15);
        assert_relative_eq!(a[(2, 0)], 0.6652409557748219, epsilon = 1e-15);
        assert_relative_eq!(a[(0, 1)], 0.5, epsilon = 1e-15);
        assert_relative_eq!(a[(2, 1)], 0.0, epsilon = 1e-15);
    }

    #[test]
    fn leaky_relu_uses_its_slope() {
        let leaky = Activation::LeakyRelu { slope: 0.1 };
        assert_eq!(leaky.apply_one(-2.0_f64), -0.2);
        assert_eq!(leaky.derivative_one(-2.0_f64, -0.2), 0.1);
        assert_eq!(leaky.derivative_one(3.0_f64, 3.0), 1.0);
    }

    #[test]
    fn one_neuron_values_are_given_for_elementwise_activations_and_none_for_softmax() {
        // By hand: ReLU(−2) = 0 with slope 0; leaky (0.01) −0.02 with slope 0.01; identity 1.
        assert_eq!(Activation::Relu.value_at(-2.0), Some(0.0));
        assert_eq!(Activation::Relu.derivative_at(-2.0, 0.0), Some(0.0));
        assert_eq!(Activation::Relu.derivative_at(2.0, 2.0), Some(1.0));
        assert_eq!(Activation::LEAKY_RELU.value_at(-2.0), Some(-0.02));
        assert_eq!(Activation::LEAKY_RELU.derivative_at(-2.0, -0.02), Some(0.01));
        assert_eq!(Activation::Identity.value_at(-2.5), Some(-2.5));
        assert_eq!(Activation::Identity.derivative_at(-2.5, -2.5), Some(1.0));
        // tanh(0.5) and 1 − tanh²(0.5) from Python's math.tanh.
        let a = Activation::Tanh.value_at(0.5_f64).unwrap();
        assert_relative_eq!(a, 0.46211715726000974, max_relative = 1e-15);
        let derivative = Activation::Tanh.derivative_at(0.5, a).unwrap();
        assert_relative_eq!(derivative, 0.7864477329659274, max_relative = 1e-15);
        assert_eq!(Activation::Softmax.value_at(1.0_f64), None);
        assert_eq!(Activation::Softmax.derivative_at(1.0_f64, 0.5), None);
    }
}
