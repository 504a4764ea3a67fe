//! Loss functions E(o, t) of one sample, and their gradients ∂E/∂o.

use std::fmt;

use crate::{Activation, Scalar};

/// The loss of one sample with outputs o = (o_1..o_K) and targets t = (t_1..t_K).
///
/// Over a batch, the loss is the **mean over samples** of this per-sample loss, so with one
/// sample it is exactly the tutorial's E.
///
/// | variant | E | ∂E/∂o_k |
/// |---|---|---|
/// | `HalfSumSquared` | Σ_k ½ (t_k − o_k)² (the tutorial's) | o_k − t_k |
/// | `MeanSquared` | (1/K) Σ_k (t_k − o_k)² | 2 (o_k − t_k) / K |
/// | `CrossEntropy`, softmax output | −Σ_k t_k ln o_k | fused: ∂E/∂z_k = o_k Σ_j t_j − t_k |
/// | `CrossEntropy`, sigmoid output | −Σ_k [t_k ln o_k + (1 − t_k) ln(1 − o_k)] | (o_k − t_k) / (o_k (1 − o_k)); fused ∂E/∂z_k = o_k − t_k |
///
/// Cross-entropy is computed from the pre-activations z (log-sum-exp and softplus forms), so it
/// stays finite when an output saturates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loss {
    /// E = Σ ½ (t − o)²: the tutorial's loss.
    HalfSumSquared,
    /// E = mean over outputs of (t − o)², as PyTorch's `MSELoss` and Keras's `mse`.
    MeanSquared,
    /// Categorical cross-entropy after softmax, binary cross-entropy per output after sigmoid.
    CrossEntropy,
}

impl Loss {
    /// The lowercase name used on the command line and in model files.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Loss::HalfSumSquared => "sse",
            Loss::MeanSquared => "mse",
            Loss::CrossEntropy => "cross-entropy",
        }
    }

    /// True when this loss can follow `output` activation on the last layer.
    ///
    /// Cross-entropy needs outputs in (0, 1): softmax or sigmoid.
    #[must_use]
    pub fn accepts_output(self, output: Activation) -> bool {
        match self {
            Loss::HalfSumSquared | Loss::MeanSquared => true,
            Loss::CrossEntropy => matches!(output, Activation::Softmax | Activation::Sigmoid),
        }
    }

    /// The loss of one sample, from the output layer's pre-activations `z`, activations `o`
    /// and the targets `t` (all of length K).
    pub fn sample_value<T: Scalar>(self, output: Activation, z: &[T], o: &[T], t: &[T]) -> T {
        let half = T::from_f64_value(0.5);
        match self {
            Loss::HalfSumSquared => {
                o.iter().zip(t).fold(T::zero(), |sum, (&o, &t)| sum + half * (t - o) * (t - o))
            }
            Loss::MeanSquared => {
                let sum = o.iter().zip(t).fold(T::zero(), |sum, (&o, &t)| sum + (t - o) * (t - o));
                sum / T::from_f64_value(o.len() as f64)
            }
            Loss::CrossEntropy => match output {
                Activation::Softmax => {
                    let max = z.iter().fold(z[0], |m, &v| m.max(v));
                    let log_sum_exp =
                        max + z.iter().fold(T::zero(), |s, &v| s + (v - max).exp()).ln();
                    z.iter().zip(t).fold(T::zero(), |sum, (&z, &t)| sum + t * (log_sum_exp - z))
                }
                // Binary cross-entropy with logits: max(z, 0) − z t + ln(1 + e^(−|z|)).
                _ => z.iter().zip(t).fold(T::zero(), |sum, (&z, &t)| {
                    sum + z.max(T::zero()) - z * t + (-z.abs()).exp().ln_1p()
                }),
            },
        }
    }

    /// ∂E/∂o_k for one output, where the loss has one (see the table above); the sample has
    /// `n_outputs` outputs.
    #[inline]
    pub fn output_gradient<T: Scalar>(self, o: T, t: T, n_outputs: usize) -> T {
        match self {
            Loss::HalfSumSquared => o - t,
            Loss::MeanSquared => {
                T::from_f64_value(2.0) * (o - t) / T::from_f64_value(n_outputs as f64)
            }
            Loss::CrossEntropy => (o - t) / (o * (T::one() - o)),
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;

    #[test]
    fn half_sum_squared_is_the_tutorials_total_error() {
        // docs/tutorial.md: o = (0.60944600, 0.66384491), t = (0.4, 0.6), E_total = 0.02397190.
        let o = [0.6094460037, 0.6638449103];
        let e = Loss::HalfSumSquared.sample_value(Activation::Sigmoid, &[0.0; 2], &o, &[0.4, 0.6]);
        assert_relative_eq!(e, 0.02397190, epsilon = 1e-8);
    }

    #[test]
    fn cross_entropy_from_logits_matches_the_log_of_probabilities() {
        // By hand: softmax(1, 2, 3) = (0.0900, 0.2447, 0.6652); −ln 0.2447 = 1.40760596.
        let z = [1.0, 2.0, 3.0];
        let o = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219];
        let e = Loss::CrossEntropy.sample_value(Activation::Softmax, &z, &o, &[0.0, 1.0, 0.0]);
        assert_relative_eq!(e, 1.4076059644443804, epsilon = 1e-12);
        // Binary: sigmoid(0.5) = 0.62245933; −ln 0.62245933 = 0.47407698.
        let e =
            Loss::CrossEntropy.sample_value(Activation::Sigmoid, &[0.5], &[0.6224593312], &[1.0]);
        assert_relative_eq!(e, 0.4740769841801067, epsilon = 1e-10);
    }

    /// |a − b| ≤ 1e-14 · max(|a|, |b|) for each pair.
    fn assert_close(found: &[f64], expected: &[f64], what: &str) {
        assert_eq!(found.len(), expected.len(), "{what}");
        for (&found, &expected) in found.iter().zip(expected) {
            let scale = found.abs().max(expected.abs());
            assert!((found - expected).abs() <= 1e-14 * scale, "{what}: {found:?} vs {expected:?}");
        }
    }

    /// One sample's E and ∂E/∂o against PyTorch float64 autograd (tests/reference/training.py,
    /// "one sample"): sse is Σ ½ (t − o)², mse is torch's `mse_loss` (the mean over the K = 3
    /// outputs, so its 1/K shows in value and gradient), cross-entropy after sigmoid is torch's
    /// `binary_cross_entropy` summed over outputs.
    #[test]
    fn one_samples_loss_and_output_gradient_match_torch() {
        let (o, t) = ([0.2, 0.7, 0.55], [0.0, 1.0, 0.25]);
        // z for the sigmoid case: o = σ(z), z = ln(o / (1 − o)).
        let z: Vec<f64> = o.iter().map(|&o: &f64| (o / (1.0 - o)).ln()).collect();
        let cases = [
            (
                Loss::HalfSumSquared,
                0.11000000000000003,
                [0.2, -0.30000000000000004, 0.30000000000000004],
            ),
            (Loss::MeanSquared, 0.07333333333333335, [0.13333333333333333, -0.2, 0.2]),
            (
                Loss::CrossEntropy,
                1.328158517605176,
                [1.2499999999999998, -1.4285714285714286, 1.2121212121212124],
            ),
        ];
        for (loss, value, gradient) in cases {
            let found = loss.sample_value(Activation::Sigmoid, &z, &o, &t);
            assert_close(&[found], &[value], loss.name());
            let found: Vec<f64> =
                o.iter().zip(&t).map(|(&o, &t)| loss.output_gradient(o, t, 3)).collect();
            assert_close(&found, &gradient, loss.name());
        }
    }

    /// A batch of 4 samples through one dense layer (2 inputs, 3 outputs): the mean loss and its
    /// gradients for W and b, against PyTorch float64 autograd (tests/reference/training.py, "a
    /// batch through one dense layer"; softmax is torch's `cross_entropy` on the logits,
    /// sigmoid its `binary_cross_entropy_with_logits` summed over outputs).
    #[test]
    fn a_batchs_mean_loss_and_gradients_match_torch_for_every_loss() {
        use nalgebra::{dvector, DMatrix};

        use crate::{Dense, Network};

        // Columns are samples.
        let inputs = DMatrix::from_row_slice(4, 2, &[0.5, -1.0, 1.5, 0.25, -0.75, 0.8, 0.1, 2.0])
            .transpose();
        let targets = |rows: [f64; 12]| DMatrix::from_row_slice(4, 3, &rows).transpose();
        let regression = targets([0.3, -0.2, 1.1, 0.9, 0.4, -0.6, -0.5, 0.7, 0.2, 0.05, -1.3, 0.8]);
        let one_hot = targets([1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        let labels = targets([1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0]);
        let cases = [
            (
                Activation::Identity,
                Loss::HalfSumSquared,
                &regression,
                1.5565359374999999,
                [
                    -0.08962499999999994,
                    -0.33518749999999997,
                    0.045156249999999926,
                    1.5827499999999999,
                    -0.35868749999999994,
                    0.19071875,
                ],
                [-0.10625, 0.44562499999999994, -0.450625],
            ),
            (
                Activation::Identity,
                Loss::MeanSquared,
                &regression,
                1.0376906249999998,
                [
                    -0.05974999999999998,
                    -0.22345833333333331,
                    0.030104166666666626,
                    1.0551666666666666,
                    -0.23912499999999998,
                    0.12714583333333335,
                ],
                [-0.07083333333333332, 0.29708333333333325, -0.30041666666666667],
            ),
            (
                Activation::Softmax,
                Loss::CrossEntropy,
                &one_hot,
                1.323245178281147,
                [
                    0.10980809220884798,
                    0.19980123821253087,
                    0.30193525682319533,
                    0.22357832995550458,
                    -0.4117433490320433,
                    -0.42337956816803546,
                ],
                [0.09523911318188148, 0.15054035279985817, -0.24577946598173972],
            ),
            (
                Activation::Sigmoid,
                Loss::CrossEntropy,
                &labels,
                2.220749419688829,
                [
                    0.1111883263894828,
                    -0.09886329173379108,
                    0.3329366744256432,
                    -0.19683799923044262,
                    -0.4421927757238871,
                    0.5224235672627167,
                ],
                [0.01893449100149991, 0.07260593917079727, -0.0172787404354606],
            ),
        ];
        for (activation, loss, targets, value, weight_gradient, bias_gradient) in cases {
            let weights = DMatrix::from_row_slice(3, 2, &[0.4, -0.3, 0.25, 0.9, -0.6, 0.15]);
            let dense = Dense::new(weights, Some(dvector![0.1, -0.2, 0.05]), activation);
            let network = Network::new(vec![dense], loss).unwrap();
            let (_, gradients, found) = network.backpropagate(&inputs, targets).unwrap();
            let what = format!("{activation:?} {loss}");
            assert_close(&[found], &[value], &what);
            // Row-major, as torch prints W.
            let found: Vec<f64> = gradients.weights(0).transpose().iter().copied().collect();
            assert_close(&found, &weight_gradient, &what);
            assert_close(gradients.bias(0).unwrap().as_slice(), &bias_gradient, &what);
        }
    }

    #[test]
    fn cross_entropy_needs_a_probability_output() {
        assert!(Loss::CrossEntropy.accepts_output(Activation::Softmax));
        assert!(!Loss::CrossEntropy.accepts_output(Activation::Relu));
        assert!(Loss::MeanSquared.accepts_output(Activation::Identity));
    }
}
