//! Inputs too large for a network: found before training, so that an overflow is blamed on
//! the data (naming the row and the input) rather than on the learning rate.

use std::num::NonZeroUsize;

use mlp_core::{BatchError, Network, Scalar};

use crate::memory::EVALUATION_BATCH;
use crate::Dataset;

/// A sample whose forward pass or loss through the untrained network is NaN or infinite, and
/// the input most likely to blame: the largest in magnitude.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error(
    "row {row}: input {} = {} makes {} overflow",
    .input + 1,
    crate::human::Significant(*.value),
    OverflowPlace(*.layer)
)]
pub struct InputOverflow {
    /// The sample's 1-based data-file row.
    pub row: usize,
    /// 0-based input (network input, after one-hot encoding) with the largest |x|.
    pub input: usize,
    /// Its value as the network sees it.
    pub value: f64,
    /// 1-based layer of the first non-finite activation, or `None` when the activations are
    /// finite and the loss is not.
    pub layer: Option<usize>,
}

struct OverflowPlace(Option<usize>);

impl std::fmt::Display for OverflowPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(layer) => write!(f, "layer {layer}'s activations"),
            None => write!(f, "the loss"),
        }
    }
}

/// Runs `network` forward over every sample of `dataset` and fails at the first sample whose
/// activations or loss are NaN or infinite. Call it before training: a run that overflows at
/// its first step would otherwise report a divergence.
///
/// Panics if the dataset's shapes do not fit the network (check with
/// [`crate::check_dataset`]).
pub fn check_inputs<T: Scalar>(
    network: &Network<T>,
    dataset: &Dataset<T>,
) -> Result<(), InputOverflow> {
    let mut tape = network
        .tape(NonZeroUsize::new(dataset.len().min(EVALUATION_BATCH)).unwrap_or(NonZeroUsize::MIN));
    let columns: Vec<usize> = (0..dataset.len()).collect();
    for chunk in columns.chunks(EVALUATION_BATCH) {
        tape.load_columns(dataset.inputs(), dataset.targets(), chunk)
            .expect("dataset fits the network");
        network.forward(&mut tape);
        network.batch_loss(&mut tape);
        // A non-finite activation makes the loss non-finite too, so the first such loss is
        // the first sample that overflows; its own forward pass tells where.
        let losses = tape.sample_losses();
        let sample = losses
            .iter()
            .position(|loss| !loss.is_finite())
            .or_else(|| tape.first_non_finite().map(|activation| activation.sample));
        if let Some(sample) = sample {
            let column = chunk[sample];
            let layer = match network.predict(&dataset.inputs().columns(column, 1).into_owned()) {
                Err(BatchError::NonFinite(activation)) => Some(activation.layer),
                _ => None,
            };
            let inputs = dataset.inputs().column(column);
            let input = inputs.iamax();
            return Err(InputOverflow {
                row: dataset.sample_numbers()[column],
                input,
                value: inputs[input].to_f64_value(),
                layer,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use mlp_core::{Activation, Dense, Loss};
    use nalgebra::dmatrix;

    use super::*;

    /// Two inputs, one output: w = (1, 1). Row 3 holds 1e300 in its second input, whose
    /// square in the loss overflows; row 4's 1e308 + 1e308 overflows the layer itself.
    #[test]
    fn names_the_row_and_the_largest_input_of_the_first_sample_that_overflows() {
        let dense = Dense::new(dmatrix![1.0, 1.0], None, Activation::Identity);
        let network = Network::new(vec![dense], Loss::MeanSquared).unwrap();
        let inputs = dmatrix![1.0, 2.0, 5.0, 1e308; 1.0, 2.0, 1e300, 1e308];
        let dataset = Dataset::new(inputs, dmatrix![0.0, 0.0, 0.0, 0.0], vec![1, 2, 3, 4]).unwrap();
        let err = check_inputs(&network, &dataset).unwrap_err();
        assert_eq!(err, InputOverflow { row: 3, input: 1, value: 1e300, layer: None });
        assert_eq!(err.to_string(), "row 3: input 2 = 1e300 makes the loss overflow");

        let last = dataset.select(&[3]);
        let err = check_inputs(&network, &last).unwrap_err();
        assert_eq!(err, InputOverflow { row: 4, input: 0, value: 1e308, layer: Some(1) });
        assert_eq!(err.to_string(), "row 4: input 1 = 1e308 makes layer 1's activations overflow");

        assert_eq!(check_inputs(&network, &dataset.select(&[0, 1])), Ok(()));
    }
}
