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

    #[test]
    fn cross_entropy_needs_a_probability_output() {
        assert!(Loss::CrossEntropy.accepts_output(Activation::Softmax));
        assert!(!Loss::CrossEntropy.accepts_output(Activation::Relu));
        assert!(Loss::MeanSquared.accepts_output(Activation::Identity));
    }
}
