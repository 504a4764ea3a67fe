//! A network's outputs for a file of any length, a chunk of samples at a time, so that memory
//! holds one chunk's activations and not the whole file's.
//!
//! [`for_each_chunk`] forwards consecutive columns of an inputs matrix through one tape made
//! once for [`CHUNK_SAMPLES`] samples and hands each chunk's outputs to a callback, which
//! writes them out (`mlp predict`) or adds them to metrics. The outputs are the same, bit for
//! bit, as [`Network::predict`] on the whole matrix: every chunk but a file's only one has
//! more than 5 samples (see [`chunks`]), so each goes through the same matrix product.

use std::num::NonZeroUsize;
use std::ops::Range;

use mlp_core::{BatchError, Network, Scalar};
use nalgebra::{DMatrix, DMatrixView};

/// The most samples one chunk holds.
pub const CHUNK_SAMPLES: usize = 1024;

/// The consecutive ranges of `n_samples` samples in chunks of at most `max_chunk`, as even as
/// possible: 2,050 in chunks of 1,024 are 684, 683 and 683, never 1,024, 1,024 and 2. So no
/// chunk of a file of more than 5 samples is 5 or fewer, below which nalgebra multiplies
/// matrices another way (rounded differently in the last bit). No range for no samples.
///
/// # Example
///
/// ```
/// use mlp_train::predict::chunks;
///
/// assert_eq!(chunks(2050, 1024).collect::<Vec<_>>(), [0..684, 684..1367, 1367..2050]);
/// assert_eq!(chunks(3, 1024).collect::<Vec<_>>(), [0..3]);
/// assert_eq!(chunks(0, 1024).count(), 0);
/// ```
pub fn chunks(n_samples: usize, max_chunk: usize) -> impl Iterator<Item = Range<usize>> {
    let max_chunk = max_chunk.max(1);
    let n_chunks = n_samples.div_ceil(max_chunk);
    let size = n_samples.checked_div(n_chunks).unwrap_or(0);
    let n_larger = n_samples.checked_rem(n_chunks).unwrap_or(0);
    (0..n_chunks).map(move |chunk_idx| {
        let start = chunk_idx * size + chunk_idx.min(n_larger);
        let len = size + usize::from(chunk_idx < n_larger);
        start..start + len
    })
}

/// Forwards the columns of `inputs` (n_inputs × n, one sample per column) through `network` in
/// [`chunks`] of at most `max_chunk` samples, and calls `each(samples, outputs)` per chunk
/// with the range of columns and their (n_outputs × chunk) outputs, in order. Stops at the
/// first error `each` returns.
///
/// Memory: one tape for `max_chunk` samples, made once.
///
/// # Errors
///
/// [`BatchError::Inputs`] (converted into `E`), before any call, when `inputs` does not have
/// the network's number of inputs; otherwise what `each` returns.
///
/// # Example
///
/// ```
/// use mlp_core::{Activation, Dense, Loss, Network};
/// use mlp_train::predict::for_each_chunk;
/// use nalgebra::{dmatrix, DMatrix};
///
/// let dense = Dense::new(dmatrix![2.0], None, Activation::Identity);
/// let network = Network::new(vec![dense], Loss::MeanSquared)?;
/// let inputs = DMatrix::from_fn(1, 5, |_, sample| sample as f64);
/// let mut seen = Vec::new();
/// for_each_chunk(&network, &inputs, 2, |samples, outputs| {
///     seen.push((samples, outputs.iter().copied().collect::<Vec<f64>>()));
///     Ok::<(), mlp_core::BatchError>(())
/// })?;
/// assert_eq!(seen, [(0..2, vec![0.0, 2.0]), (2..4, vec![4.0, 6.0]), (4..5, vec![8.0])]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn for_each_chunk<T: Scalar, E: From<BatchError>>(
    network: &Network<T>,
    inputs: &DMatrix<T>,
    max_chunk: usize,
    mut each: impl FnMut(Range<usize>, DMatrixView<'_, T>) -> Result<(), E>,
) -> Result<(), E> {
    if inputs.nrows() != network.n_inputs() {
        return Err(
            BatchError::Inputs { expected: network.n_inputs(), found: inputs.nrows() }.into()
        );
    }
    let max_chunk = max_chunk.max(1);
    let mut tape =
        network.tape(NonZeroUsize::new(inputs.ncols().min(max_chunk)).unwrap_or(NonZeroUsize::MIN));
    for samples in chunks(inputs.ncols(), max_chunk) {
        tape.load_inputs(inputs.columns(samples.start, samples.len()))?;
        network.forward(&mut tape);
        if let Some(mut found) = tape.first_non_finite() {
            found.sample += samples.start;
            return Err(BatchError::NonFinite(found).into());
        }
        each(samples, tape.outputs())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use mlp_core::{Activation, Architecture, Loss};

    use super::*;

    fn network(sizes: &[usize], output_activation: Activation, loss: Loss) -> Network<f64> {
        let architecture = Architecture {
            sizes: sizes.to_vec(),
            hidden_activation: Activation::Tanh,
            output_activation,
            bias: true,
            loss,
        };
        Network::initialized(&architecture, None, 10).unwrap()
    }

    #[test]
    fn chunks_cover_every_sample_once_and_none_is_small() {
        for n_samples in [1, 5, 6, 1023, 1024, 1025, 1029, 2048, 2049, 10_000] {
            let ranges: Vec<Range<usize>> = chunks(n_samples, 1024).collect();
            assert_eq!(ranges.first().unwrap().start, 0);
            assert_eq!(ranges.last().unwrap().end, n_samples);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
            }
            for range in &ranges {
                assert!(range.len() <= 1024, "{n_samples}: {range:?}");
                assert!(range.len() > 5 || ranges.len() == 1, "{n_samples}: {range:?}");
            }
        }
    }

    #[test]
    fn chunked_outputs_equal_the_whole_matrixs_bit_for_bit() {
        // Small layers (≤ 5) and large ones: nalgebra's two ways of multiplying.
        for (sizes, n_samples) in [(vec![4, 5, 3], 2051), (vec![7, 64, 64, 3], 2051)] {
            let network = network(&sizes, Activation::Softmax, Loss::CrossEntropy);
            let inputs =
                DMatrix::from_fn(sizes[0], n_samples, |i, j| ((i * 7919 + j) as f64).sin() * 3.0);
            let whole = network.predict(&inputs).unwrap();
            let mut chunked = DMatrix::zeros(whole.nrows(), whole.ncols());
            for_each_chunk(&network, &inputs, 1024, |samples, outputs| {
                chunked.columns_mut(samples.start, samples.len()).copy_from(&outputs);
                Ok::<(), BatchError>(())
            })
            .unwrap();
            let bits = |m: &DMatrix<f64>| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&chunked), bits(&whole), "{sizes:?}");
        }
    }

    /// 2,050 = 3 · 683 + 1: the first chunk gets the one left over. 7 in chunks of at most 3:
    /// 7 = 3 · 2 + 1, so 3, 2 and 2.
    #[test]
    fn chunks_are_as_even_as_possible() {
        assert_eq!(chunks(2050, 1024).collect::<Vec<_>>(), [0..684, 684..1367, 1367..2050]);
        assert_eq!(chunks(7, 3).collect::<Vec<_>>(), [0..3, 3..5, 5..7]);
        assert_eq!(chunks(0, 1024).count(), 0);
    }

    /// chunks(5, 2) are 0..2, 2..4 and 4..5: the ∞ in column 3 is sample 1 of the second
    /// chunk, named as sample 3 of the whole matrix, after the first chunk only was handed on.
    #[test]
    fn a_non_finite_output_is_named_by_its_column_in_the_whole_matrix() {
        let dense = mlp_core::Dense::new(nalgebra::dmatrix![2.0], None, Activation::Identity);
        let network = Network::new(vec![dense], Loss::MeanSquared).unwrap();
        let inputs = nalgebra::dmatrix![0.0, 1.0, 2.0, f64::INFINITY, 4.0];
        let mut seen = Vec::new();
        let err = for_each_chunk(&network, &inputs, 2, |samples, _| {
            seen.push(samples);
            Ok::<(), BatchError>(())
        })
        .unwrap_err();
        let found =
            mlp_core::NonFiniteActivation { layer: 1, neuron: 1, sample: 3, value: f64::INFINITY };
        assert_eq!(err, BatchError::NonFinite(found));
        assert_eq!((seen.len(), seen.first()), (1, Some(&(0..2))));
    }

    #[test]
    fn inputs_of_another_width_are_an_error_before_any_chunk() {
        let network = network(&[3, 1], Activation::Identity, Loss::MeanSquared);
        let mut calls = 0;
        let err = for_each_chunk(&network, &DMatrix::<f64>::zeros(2, 10), 4, |_, _| {
            calls += 1;
            Ok::<(), BatchError>(())
        })
        .unwrap_err();
        assert_eq!(err, BatchError::Inputs { expected: 3, found: 2 });
        assert_eq!(calls, 0);
    }
}
