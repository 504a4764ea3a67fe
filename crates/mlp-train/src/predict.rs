//! A network's outputs for a file of any length, a chunk of samples at a time, so that memory
//! holds one chunk's activations and not the whole file's.
//!
//! [`for_each_chunk`] forwards consecutive columns of an inputs matrix through one tape made
//! once for [`CHUNK_SAMPLES`] samples and hands each chunk's outputs to a callback, which
//! writes them out (`mlp predict`) or adds them to metrics. The outputs are the same, bit for
//! bit, as [`Network::predict`] on the whole matrix: every chunk but a file's only one has
//! more than 5 samples (see [`chunks`]), so each goes through the same matrix product.
//!
//! [`Model::predict_rows`] and [`Model::predict_text_rows`] predict on rows of raw feature
//! values held in memory, prepared as the model prepares a file, without a CSV file.

use std::num::NonZeroUsize;
use std::ops::Range;

use mlp_core::{BatchError, Network, Scalar};
use nalgebra::{DMatrix, DMatrixView};

use crate::data::{CsvOptions, DataError, Table};
use crate::model_file::Model;

/// The name data errors of [`Model::predict_rows`] give the rows: `<rows>: line N` is row
/// N − 1 (1-based; line 1 would be a header of the feature names).
pub const ROWS_NAME: &str = "<rows>";

/// What [`Model::predict_rows`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPredictions {
    /// (n_outputs × n_rows), one column per row: a classifier's outputs per class (its
    /// probabilities under softmax), or regression outputs in the targets' units (mapped back
    /// through the model's target scaler, when it has one).
    pub outputs: DMatrix<f64>,
    /// A classifier's predicted class per row (the class of the largest output, the first of
    /// equals), or `None` for regression.
    pub classes: Option<Vec<String>>,
}

/// Why rows cannot be predicted on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PredictError {
    /// A row without one value per feature column.
    #[error("row {row} has {found} values but the model reads {expected} feature columns")]
    RowLength {
        /// 1-based row.
        row: usize,
        /// The model's feature columns.
        expected: usize,
        /// The values in the row.
        found: usize,
    },
    /// A value the model's preparation refuses (an unknown category, a missing value without
    /// an imputer, text in a numeric column, …); it names [`ROWS_NAME`], the line (row + 1)
    /// and the column. Boxed, as a [`DataError`] is large.
    #[error(transparent)]
    Data(Box<DataError>),
    /// The forward pass overflowed.
    #[error(transparent)]
    Batch(#[from] BatchError),
}

impl From<DataError> for PredictError {
    fn from(err: DataError) -> Self {
        PredictError::Data(Box::new(err))
    }
}

impl Model {
    /// The model's predictions on rows of raw feature values, one value per feature column in
    /// [`feature_names`](crate::data::Preprocessor::feature_names) order, prepared as the
    /// model prepares a file: a missing value (NaN) filled by its imputer, inputs
    /// standardized, outputs mapped back to the targets' units. The same numbers, bit for bit,
    /// as `mlp predict` on a CSV file of the same values. A model with a categorical feature
    /// needs its categories as text: [`Model::predict_text_rows`].
    ///
    /// # Errors
    ///
    /// [`PredictError::RowLength`] for a row of another length; [`PredictError::Data`] where
    /// a file would fail (a missing value without an imputer, a value too large to
    /// standardize); [`PredictError::Batch`] when the forward pass overflows.
    ///
    /// # Example
    ///
    /// ```
    /// use mlp_core::{Activation, Dense, Loss, Network};
    /// use mlp_train::model_file::Model;
    /// use nalgebra::dmatrix;
    ///
    /// let dense = Dense::new(dmatrix![1.0, 2.0; -1.0, 0.5], None, Activation::Softmax);
    /// let network = Network::new(vec![dense], Loss::CrossEntropy)?;
    /// let model = Model::from_network(network).with_classes("label", ["yes", "no"])?;
    /// let predictions = model.predict_rows(&[vec![1.0, 1.0], vec![-2.0, 0.0]])?;
    /// assert_eq!(predictions.classes.unwrap(), ["yes", "no"]);
    /// assert_eq!(predictions.outputs.shape(), (2, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn predict_rows(&self, rows: &[Vec<f64>]) -> Result<RowPredictions, PredictError> {
        let mut buffer = ryu::Buffer::new();
        let mut text = |value: f64| match value.is_nan() {
            true => String::new(),
            false => buffer.format(value).to_owned(),
        };
        let rows: Vec<Vec<String>> =
            rows.iter().map(|row| row.iter().map(|&value| text(value)).collect()).collect();
        self.predict_text_rows(&rows)
    }

    /// [`Model::predict_rows`] on values as text, as the cells of a CSV file: numbers,
    /// categories, and missing values (an empty text or one of the model's missing-value
    /// markers).
    ///
    /// # Errors
    ///
    /// As [`Model::predict_rows`], and [`PredictError::Data`] for an unknown category (unless
    /// the model ignores them) or text in a numeric column.
    pub fn predict_text_rows<S: AsRef<str>>(
        &self,
        rows: &[Vec<S>],
    ) -> Result<RowPredictions, PredictError> {
        let features = self.preprocessor.feature_names();
        if let Some((row_idx, row)) =
            rows.iter().enumerate().find(|(_, row)| row.len() != features.len())
        {
            return Err(PredictError::RowLength {
                row: row_idx + 1,
                expected: features.len(),
                found: row.len(),
            });
        }
        let mut outputs = DMatrix::zeros(self.network.n_outputs(), rows.len());
        if !rows.is_empty() {
            // The rows as a CSV file in memory, so that they take the very path a file takes.
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer
                .write_record(features)
                .and_then(|()| {
                    rows.iter().try_for_each(|row| {
                        writer.write_record(row.iter().map(|value| value.as_ref()))
                    })
                })
                .expect("writing CSV into memory cannot fail");
            let bytes = writer.into_inner().expect("writing CSV into memory cannot fail");
            let options = CsvOptions { delimiter: Some(b','), ..CsvOptions::default() };
            let table = Table::from_reader(&bytes[..], ROWS_NAME, &options)?;
            let inputs = self.preprocessor.inputs::<f64>(&table)?;
            for_each_chunk(&self.network, &inputs, CHUNK_SAMPLES, |samples, chunk| {
                outputs.columns_mut(samples.start, samples.len()).copy_from(&chunk);
                Ok::<(), BatchError>(())
            })?;
            self.preprocessor.unscale_outputs(&mut outputs)?;
        }
        let classes = self.preprocessor.class_encoding().map(|encoding| {
            outputs
                .column_iter()
                .map(|output| encoding.class_names()[output.argmax().0].clone())
                .collect()
        });
        Ok(RowPredictions { outputs, classes })
    }
}

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
