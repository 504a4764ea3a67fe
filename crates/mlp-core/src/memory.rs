//! How many bytes a network and its tapes take, counted before anything is allocated.

use crate::{Network, Scalar};

/// The memory a network of given layer sizes takes, computed with checked arithmetic so that
/// sizes too large to allocate are found before an allocation fails.
///
/// With n₀ inputs and layers of n₁ … n_L neurons, one copy of the parameters holds
/// **P = Σ_l n_l · (n_{l−1} + 1)** numbers (without the `+ 1` when the layers have no
/// biases), and a [`crate::Tape`] for batches of up to B samples holds
/// **B · (n₀ + n_L + 1 + 5 Σ_l n_l)** numbers: the inputs, the targets, one loss per sample
/// and z, a, ∂E/∂a, ∂a/∂z and ∂E/∂z per layer. Bytes are these counts times the size of `T`.
/// Every method returns `None` when a count does not fit in a `u64`.
///
/// # Example
///
/// ```
/// use mlp_core::Footprint;
///
/// // 4 inputs, 100 hidden neurons, 3 outputs, with biases, in f64.
/// let footprint = Footprint::new::<f64>(&[4, 100, 3], true);
/// assert_eq!(footprint.n_parameters(), Some(100 * 5 + 3 * 101));
/// assert_eq!(footprint.parameter_bytes(), Some(803 * 8));
/// // A batch of 32: inputs 4, targets 3, losses 1, five buffers of 103 neurons, per sample.
/// assert_eq!(footprint.tape_bytes(32), Some(32 * (4 + 3 + 1 + 5 * 103) * 8));
/// assert_eq!(Footprint::new::<f64>(&[4, usize::MAX, 3], true).n_parameters(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    sizes: Vec<usize>,
    bias: bool,
    scalar_bytes: u64,
}

impl Footprint {
    /// The footprint of a network of `T` with neuron counts `sizes` from the inputs to the
    /// outputs (`[4, 100, 3]`), with or without biases.
    #[must_use]
    pub fn new<T: Scalar>(sizes: &[usize], bias: bool) -> Footprint {
        Footprint { sizes: sizes.to_vec(), bias, scalar_bytes: std::mem::size_of::<T>() as u64 }
    }

    /// The footprint of `network` (counting biases if any layer has them).
    #[must_use]
    pub fn of<T: Scalar>(network: &Network<T>) -> Footprint {
        let bias = network.layers().iter().any(|dense| dense.bias().is_some());
        Footprint::new::<T>(&network.sizes(), bias)
    }

    /// Neuron counts from the inputs to the outputs.
    #[must_use]
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// The same shape in another float type.
    #[must_use = "returns a new footprint"]
    pub fn cast<U: Scalar>(&self) -> Footprint {
        Footprint::new::<U>(&self.sizes, self.bias)
    }

    /// Weights and biases of one copy of the parameters: Σ_l n_l · (n_{l−1} + 1).
    #[must_use]
    pub fn n_parameters(&self) -> Option<u64> {
        self.sizes.windows(2).try_fold(0u64, |total, pair| {
            let n_inputs = u64::try_from(pair[0]).ok()?.checked_add(u64::from(self.bias))?;
            let layer = u64::try_from(pair[1]).ok()?.checked_mul(n_inputs)?;
            total.checked_add(layer)
        })
    }

    /// Bytes of one copy of the parameters (the network, its gradients, or one optimizer
    /// buffer each take this much).
    #[must_use]
    pub fn parameter_bytes(&self) -> Option<u64> {
        self.n_parameters()?.checked_mul(self.scalar_bytes)
    }

    /// Bytes of a [`crate::Tape`] for batches of up to `capacity` samples (at least 1).
    #[must_use]
    pub fn tape_bytes(&self, capacity: usize) -> Option<u64> {
        let (&n_inputs, layers) = self.sizes.split_first()?;
        let n_outputs = *layers.last()?;
        let neurons = layers
            .iter()
            .try_fold(0u64, |total, &n| total.checked_add(u64::try_from(n).ok()?))?
            .checked_mul(5)?;
        let per_sample = neurons
            .checked_add(u64::try_from(n_inputs).ok()?)?
            .checked_add(u64::try_from(n_outputs).ok()?)?
            .checked_add(1)?;
        per_sample.checked_mul(u64::try_from(capacity.max(1)).ok()?)?.checked_mul(self.scalar_bytes)
    }

    /// The layer sizes as a name, `4-100-3`.
    pub fn sizes_text(&self) -> String {
        let sizes: Vec<String> = self.sizes.iter().map(usize::to_string).collect();
        sizes.join("-")
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::DMatrix;

    use super::*;
    use crate::{Activation, Dense, Loss};

    /// The counts against what the buffers really hold.
    #[test]
    fn counts_what_a_network_and_tape_allocate() {
        let dense = |rows, columns, bias: bool, activation| {
            let bias = bias.then(|| nalgebra::DVector::zeros(rows));
            Dense::new(DMatrix::<f32>::zeros(rows, columns), bias, activation)
        };
        let network = Network::new(
            vec![
                dense(7, 3, true, Activation::Tanh),
                dense(5, 7, true, Activation::Relu),
                dense(2, 5, true, Activation::Identity),
            ],
            Loss::MeanSquared,
        )
        .unwrap();
        let footprint = Footprint::of(&network);
        assert_eq!(footprint.sizes(), [3, 7, 5, 2]);
        assert_eq!(footprint.sizes_text(), "3-7-5-2");
        assert_eq!(footprint.n_parameters(), Some(network.n_parameters() as u64));
        assert_eq!(footprint.parameter_bytes(), Some(network.n_parameters() as u64 * 4));
        let in_f64 = footprint.cast::<f64>();
        assert_eq!(in_f64.parameter_bytes(), Some(network.n_parameters() as u64 * 8));

        let tape = network.try_tape(9).unwrap();
        let held = tape.inputs.len()
            + tape.targets.len()
            + tape.sample_losses.len()
            + tape
                .layers
                .iter()
                .map(|layer| {
                    layer.z.len()
                        + layer.a.len()
                        + layer.de_da.len()
                        + layer.de_dz.len()
                        + layer.da_dz.len()
                })
                .sum::<usize>();
        assert_eq!(footprint.tape_bytes(9), Some(held as u64 * 4));
        assert_eq!(footprint.tape_bytes(0), footprint.tape_bytes(1));
    }

    #[test]
    fn without_biases_a_layer_has_only_its_weights() {
        assert_eq!(Footprint::new::<f64>(&[2, 2, 2], false).n_parameters(), Some(8));
        assert_eq!(Footprint::new::<f64>(&[2, 2, 2], true).n_parameters(), Some(12));
    }

    #[test]
    fn sizes_too_large_to_count_are_none() {
        let huge = Footprint::new::<f64>(&[4, 4_611_686_018_427_387_904, 3], true);
        assert_eq!(huge.n_parameters(), None);
        assert_eq!(huge.parameter_bytes(), None);
        assert_eq!(huge.tape_bytes(1), None);
        // Counts that fit but whose bytes do not.
        let wide = Footprint::new::<f64>(&[1, 1 << 62], false);
        assert_eq!(wide.n_parameters(), Some(1 << 62));
        assert_eq!(wide.parameter_bytes(), None);
        assert_eq!(Footprint::new::<f64>(&[3, 4], true).tape_bytes(usize::MAX), None);
        assert_eq!(Footprint::new::<f64>(&[], true).tape_bytes(1), None);
    }
}
