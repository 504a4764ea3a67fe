//! The in-memory dataset the trainer reads: one column per sample.

use mlp_core::Scalar;
use nalgebra::DMatrix;

/// Inputs and targets as matrices with **one column per sample** (column-major, so a sample is
/// contiguous), and the 1-based row number each sample had in its data file.
///
/// Shapes: `inputs` is (n_inputs × n_samples), `targets` is (n_outputs × n_samples),
/// `sample_numbers.len() == n_samples`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<T: Scalar = f64> {
    inputs: DMatrix<T>,
    targets: DMatrix<T>,
    sample_numbers: Vec<usize>,
}

/// The shapes handed to [`Dataset::new`] disagree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dataset has {inputs} input columns, {targets} target columns and {numbers} sample numbers; all three must agree")]
pub struct DatasetShapeError {
    /// Samples (columns) in the inputs.
    pub inputs: usize,
    /// Samples (columns) in the targets.
    pub targets: usize,
    /// Length of the sample numbers.
    pub numbers: usize,
}

impl<T: Scalar> Dataset<T> {
    /// A dataset from (n_inputs × n_samples) inputs, (n_outputs × n_samples) targets and the
    /// 1-based data-file row number of each sample.
    pub fn new(
        inputs: DMatrix<T>,
        targets: DMatrix<T>,
        sample_numbers: Vec<usize>,
    ) -> Result<Self, DatasetShapeError> {
        if inputs.ncols() != targets.ncols() || inputs.ncols() != sample_numbers.len() {
            return Err(DatasetShapeError {
                inputs: inputs.ncols(),
                targets: targets.ncols(),
                numbers: sample_numbers.len(),
            });
        }
        Ok(Dataset { inputs, targets, sample_numbers })
    }

    /// A dataset whose samples are numbered 1, 2, … in column order.
    pub fn numbered(inputs: DMatrix<T>, targets: DMatrix<T>) -> Result<Self, DatasetShapeError> {
        let sample_numbers = (1..=inputs.ncols()).collect();
        Dataset::new(inputs, targets, sample_numbers)
    }

    /// (n_inputs × n_samples).
    pub fn inputs(&self) -> &DMatrix<T> {
        &self.inputs
    }

    /// (n_outputs × n_samples).
    pub fn targets(&self) -> &DMatrix<T> {
        &self.targets
    }

    /// The 1-based data-file row number of each sample.
    pub fn sample_numbers(&self) -> &[usize] {
        &self.sample_numbers
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.inputs.ncols()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of input features.
    pub fn n_inputs(&self) -> usize {
        self.inputs.nrows()
    }

    /// Number of target values per sample.
    pub fn n_outputs(&self) -> usize {
        self.targets.nrows()
    }

    /// The samples at `indices` (0-based column indices), in that order.
    pub fn select(&self, indices: &[usize]) -> Self {
        Dataset {
            inputs: self.inputs.select_columns(indices),
            targets: self.targets.select_columns(indices),
            sample_numbers: indices.iter().map(|&i| self.sample_numbers[i]).collect(),
        }
    }
}
