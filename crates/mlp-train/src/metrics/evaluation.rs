//! A network's loss and metrics on a dataset, accumulated batch by batch.

use std::num::NonZeroUsize;

use mlp_core::{Activation, Network, Scalar};
use nalgebra::{DMatrix, DMatrixView, DVectorView};
use serde::Serialize;

use super::log_loss::LogLossSum;
use super::regression::output_scores;
use super::{
    ClassificationMetrics, ConfusionMatrix, MetricsError, RegressionMetrics, ZeroDivision,
};
use crate::data::Preprocessor;
use crate::memory::EVALUATION_BATCH;
use crate::{Dataset, MetricsKind};

/// The loss and metrics of a network on a dataset: [`ClassificationMetrics`] or
/// [`RegressionMetrics`] as its [`MetricsKind`] says.
///
/// `accuracy`, `mse` and `r2` repeat the headline numbers of `classification` and `regression`
/// for callers that read only those.
///
/// Serializes (for `--json`) as `{"samples", "loss", "accuracy", "classification": {…}}` or
/// `{"samples", "loss", "mse", "r2", "regression": {…}}` (the flat keys are those `--json`
/// printed before the full metrics; `r2` is `null` with fewer than two samples), the inner
/// objects as [`ClassificationMetrics`] and [`RegressionMetrics`] describe.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// Number of samples.
    pub samples: usize,
    /// Mean loss over samples (the network's loss function, without the L2 term).
    pub loss: f64,
    /// [`ClassificationMetrics::accuracy`] (classification).
    pub accuracy: Option<f64>,
    /// [`RegressionMetrics::mse`] (regression).
    pub mse: Option<f64>,
    /// [`RegressionMetrics::r2`] (regression; `None` with fewer than two samples).
    pub r2: Option<f64>,
    /// Every classification metric (classification with at least one sample).
    pub classification: Option<ClassificationMetrics>,
    /// Every regression metric (regression with at least one sample).
    pub regression: Option<RegressionMetrics>,
}

impl Evaluation {
    /// The same evaluation with these class names (in output order) in its classification
    /// metrics; a regression evaluation is returned unchanged.
    ///
    /// Fails unless there is one name per class.
    pub fn with_class_names(mut self, names: Vec<String>) -> Result<Self, MetricsError> {
        if let Some(metrics) = self.classification.take() {
            self.classification = Some(metrics.with_class_names(names)?);
        }
        Ok(self)
    }

    /// The same evaluation with these output names (in output order) in its regression
    /// metrics; a classification evaluation is returned unchanged.
    ///
    /// Fails unless there is one name per output.
    pub fn with_output_names(mut self, names: Vec<String>) -> Result<Self, MetricsError> {
        if let Some(metrics) = self.regression.take() {
            self.regression = Some(metrics.with_output_names(names)?);
        }
        Ok(self)
    }
}

impl Serialize for Evaluation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut object = serializer.serialize_map(None)?;
        object.serialize_entry("samples", &self.samples)?;
        object.serialize_entry("loss", &self.loss)?;
        if let Some(metrics) = &self.classification {
            object.serialize_entry("accuracy", &metrics.accuracy)?;
            object.serialize_entry("classification", metrics)?;
        }
        if let Some(metrics) = &self.regression {
            object.serialize_entry("mse", &metrics.mse)?;
            object.serialize_entry("r2", &metrics.r2)?;
            object.serialize_entry("regression", metrics)?;
        }
        object.end()
    }
}

/// Sums and buffers over batches, turned into an [`Evaluation`] at the end.
///
/// Classification: the predicted class is the largest output, or class 1 when a single output
/// is ≥ 0.5; the true class likewise from the targets (one-hot, or 0/1). The log loss is kept
/// when the output layer is softmax or sigmoid (its outputs are probabilities).
/// Regression: predictions and targets are kept (in a buffer reserved once) so that
/// [`RegressionMetrics`] computes in two passes.
#[derive(Debug, Clone)]
pub(crate) struct MetricsAccumulator {
    kind: MetricsKind,
    outputs_are_probabilities: bool,
    n_outputs: usize,
    n_samples: usize,
    loss_sum: f64,
    confusion: ConfusionMatrix,
    log_loss: Option<LogLossSum>,
    /// One sample's outputs as f64.
    sample_outputs: Vec<f64>,
    /// (n_outputs × n_samples), column-major.
    predictions: Vec<f64>,
    targets: Vec<f64>,
}

impl MetricsAccumulator {
    /// An empty accumulator for `network`'s outputs, with room for `n_samples` samples.
    pub(crate) fn new<T: Scalar>(
        kind: MetricsKind,
        network: &Network<T>,
        n_samples: usize,
    ) -> Self {
        let output = network.output_layer();
        let n_outputs = output.n_outputs();
        let outputs_are_probabilities =
            matches!(output.activation(), Activation::Softmax | Activation::Sigmoid);
        let regression = kind == MetricsKind::Regression;
        let capacity = if regression { n_outputs * n_samples } else { 0 };
        MetricsAccumulator {
            kind,
            outputs_are_probabilities,
            n_outputs,
            n_samples: 0,
            loss_sum: 0.0,
            confusion: ConfusionMatrix::new(n_outputs.max(2)),
            log_loss: outputs_are_probabilities.then(LogLossSum::default),
            sample_outputs: vec![0.0; n_outputs],
            predictions: Vec::with_capacity(capacity),
            targets: Vec::with_capacity(capacity),
        }
    }

    /// Forgets every sample, keeping the buffers.
    pub(crate) fn clear(&mut self) {
        self.n_samples = 0;
        self.loss_sum = 0.0;
        self.confusion.clear();
        self.log_loss = self.outputs_are_probabilities.then(LogLossSum::default);
        self.predictions.clear();
        self.targets.clear();
    }

    /// Adds a batch of (n_outputs × batch) outputs and targets with its mean loss.
    pub(crate) fn add<T: Scalar>(
        &mut self,
        outputs: DMatrixView<'_, T>,
        targets: DMatrixView<'_, T>,
        mean_loss: T,
    ) {
        let batch = outputs.ncols();
        self.loss_sum += mean_loss.to_f64_value() * batch as f64;
        match self.kind {
            MetricsKind::Classification => {
                for (output, target) in outputs.column_iter().zip(targets.column_iter()) {
                    let true_class = class_of(target);
                    // Both classes are below n_outputs (or 2 for one output).
                    self.confusion.add(true_class, class_of(output));
                    if let Some(log_loss) = &mut self.log_loss {
                        for (value, output) in self.sample_outputs.iter_mut().zip(output.iter()) {
                            *value = output.to_f64_value();
                        }
                        // A NaN output (a diverged network) leaves no log loss.
                        if log_loss.add(true_class, &self.sample_outputs).is_err() {
                            self.log_loss = None;
                        }
                    }
                }
            }
            MetricsKind::Regression => {
                self.predictions.extend(outputs.iter().map(|value| value.to_f64_value()));
                self.targets.extend(targets.iter().map(|value| value.to_f64_value()));
            }
        }
        self.n_samples += batch;
    }

    /// The sums of the samples added so far (log loss aside, which a training epoch's
    /// accumulator does not keep): an epoch in progress, for a checkpoint.
    pub(crate) fn sums(&self) -> crate::checkpoint::EpochSums {
        crate::checkpoint::EpochSums {
            samples: self.n_samples,
            loss_sum: self.loss_sum,
            confusion: match self.kind {
                MetricsKind::Classification => self.confusion.counts().to_vec(),
                MetricsKind::Regression => Vec::new(),
            },
            predictions: self.predictions.clone(),
            targets: self.targets.clone(),
        }
    }

    /// Starts again from the `sums` of [`MetricsAccumulator::sums`]; false when they do not
    /// fit this accumulator (another number of classes or outputs).
    pub(crate) fn restore(&mut self, sums: &crate::checkpoint::EpochSums) -> bool {
        self.clear();
        let values = match self.kind {
            MetricsKind::Classification => {
                if !self.confusion.set_counts(&sums.confusion) {
                    return false;
                }
                0
            }
            MetricsKind::Regression => sums.samples * self.n_outputs,
        };
        if sums.predictions.len() != values || sums.targets.len() != values {
            return false;
        }
        self.n_samples = sums.samples;
        self.loss_sum = sums.loss_sum;
        self.predictions.extend_from_slice(&sums.predictions);
        self.targets.extend_from_slice(&sums.targets);
        true
    }

    /// An accumulator for a training epoch's [`Headline`]: as [`MetricsAccumulator::new`],
    /// without the log loss, which the headline does not report.
    pub(crate) fn for_headline<T: Scalar>(
        kind: MetricsKind,
        network: &Network<T>,
        n_samples: usize,
    ) -> Self {
        let mut accumulator = MetricsAccumulator::new(kind, network, n_samples);
        accumulator.outputs_are_probabilities = false;
        accumulator.log_loss = None;
        accumulator
    }

    /// The loss, accuracy, MSE and R² of the samples added so far, equal to those of
    /// [`MetricsAccumulator::finish`] bit for bit, without building the full metrics (no
    /// allocation): what a training epoch reports.
    pub(crate) fn headline(&self) -> Headline {
        let mut headline = Headline {
            loss: self.loss_sum / self.n_samples.max(1) as f64,
            accuracy: None,
            mse: None,
            r2: None,
        };
        if self.n_samples == 0 || self.n_outputs == 0 {
            return headline;
        }
        match self.kind {
            MetricsKind::Classification => headline.accuracy = Some(self.confusion.accuracy()),
            MetricsKind::Regression => {
                // `finish` averages over outputs with `Iterator::sum`; summing from +0 here gives
                // the same bits, as no output's MSE or R² is −0.
                let (mut mse_sum, mut r2_sum) = (0.0, Some(0.0));
                for output in 0..self.n_outputs {
                    let scores =
                        output_scores(&self.predictions, &self.targets, output, self.n_outputs);
                    mse_sum += scores.mse;
                    r2_sum = r2_sum.zip(scores.r2).map(|(sum, r2)| sum + r2);
                }
                let n_outputs = self.n_outputs as f64;
                headline.mse = Some(mse_sum / n_outputs);
                headline.r2 = r2_sum.map(|sum| sum / n_outputs);
            }
        }
        headline
    }

    /// The metrics of the samples added so far.
    pub(crate) fn finish(&self) -> Evaluation {
        let mut evaluation = Evaluation {
            loss: self.loss_sum / self.n_samples.max(1) as f64,
            samples: self.n_samples,
            ..Evaluation::default()
        };
        match self.kind {
            MetricsKind::Classification => {
                let log_loss = self.log_loss.and_then(|sum| sum.mean());
                let metrics = ClassificationMetrics::new(
                    self.confusion.clone(),
                    log_loss,
                    ZeroDivision::Zero,
                )
                .ok();
                evaluation.accuracy = metrics.as_ref().map(|metrics| metrics.accuracy);
                evaluation.classification = metrics;
            }
            MetricsKind::Regression => {
                let (n_outputs, n_samples) = (self.n_outputs, self.n_samples);
                let metrics = RegressionMetrics::from_matrices(
                    DMatrixView::from_slice(&self.predictions, n_outputs, n_samples),
                    DMatrixView::from_slice(&self.targets, n_outputs, n_samples),
                )
                .ok();
                evaluation.mse = metrics.as_ref().map(|metrics| metrics.mse);
                evaluation.r2 = metrics.as_ref().and_then(|metrics| metrics.r2);
                evaluation.regression = metrics;
            }
        }
        evaluation
    }
}

/// The numbers a training epoch reports: [`Evaluation`]'s `loss`, `accuracy`, `mse` and `r2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Headline {
    pub(crate) loss: f64,
    pub(crate) accuracy: Option<f64>,
    pub(crate) mse: Option<f64>,
    pub(crate) r2: Option<f64>,
}

/// The class a column of outputs or targets stands for: 1 when a single value is ≥ 0.5 (0
/// otherwise), else the index of the largest value (the first of equals).
fn class_of<T: Scalar>(column: DVectorView<'_, T>) -> usize {
    match column.len() {
        1 => usize::from(column[0] >= T::from_f64_value(0.5)),
        _ => column.argmax().0,
    }
}

/// The loss and metrics of `network` on `dataset`, in batches of at most 256 samples: an
/// [`Evaluation`] with [`ClassificationMetrics`] (scikit-learn's `zero_division=0`) or
/// [`RegressionMetrics`] in the units of the dataset's targets.
///
/// `kind` `None` infers the metrics from the loss, as [`crate::TrainConfig::metrics`]. A
/// forward pass that overflows carries NaN or infinity into the numbers ([`try_evaluate`]
/// fails instead).
///
/// # Errors
///
/// [`MetricsError::DatasetShape`] when the dataset does not have the network's number of
/// inputs or outputs.
///
/// # Example
///
/// ```
/// use approx::assert_relative_eq;
/// use mlp_core::{Activation, Dense, Loss, Network};
/// use mlp_train::{evaluate, Dataset, MetricsKind};
/// use nalgebra::dmatrix;
///
/// // One input, one identity output with weight 2 and no bias: predictions are 2x.
/// let dense = Dense::new(dmatrix![2.0], None, Activation::Identity);
/// let network = Network::new(vec![dense], Loss::MeanSquared)?;
/// let dataset = Dataset::numbered(dmatrix![1.0, 2.0, 3.0], dmatrix![2.0, 4.0, 7.0])?;
/// let evaluation = evaluate(&network, &dataset, Some(MetricsKind::Regression))?;
/// let regression = evaluation.regression.expect("a regression");
/// // Predictions 2, 4, 6: one error of 1; the targets' mean is 13/3, SS_tot = 114/9.
/// assert_eq!(regression.mae, 1.0 / 3.0);
/// assert_relative_eq!(regression.r2.unwrap(), 1.0 - 9.0 / 114.0);
///
/// // Two inputs per sample for a network of one: an error, not a panic.
/// let wide = Dataset::numbered(dmatrix![1.0; 2.0], dmatrix![2.0])?;
/// assert!(evaluate(&network, &wide, None).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate<T: Scalar>(
    network: &Network<T>,
    dataset: &Dataset<T>,
    kind: Option<MetricsKind>,
) -> Result<Evaluation, MetricsError> {
    check_shapes(network, dataset)?;
    evaluate_checking(network, dataset, kind, Overflow::Propagate)
}

/// [`evaluate`] on a dataset already checked to fit the network (the trainer checks once).
pub(crate) fn evaluate_fitting<T: Scalar>(
    network: &Network<T>,
    dataset: &Dataset<T>,
    kind: Option<MetricsKind>,
) -> Evaluation {
    evaluate_checking(network, dataset, kind, Overflow::Propagate)
        .expect("a checked dataset fits, and an evaluation that lets NaN through does not fail")
}

/// [`evaluate`], failing with [`MetricsError::NonFinite`] at the first activation that is NaN
/// or infinite (weights or inputs so large that the forward pass overflows), naming the
/// sample's data-file row, the layer and the neuron, instead of reporting a loss of NaN.
///
/// # Errors
///
/// [`MetricsError::DatasetShape`] as [`evaluate`]; [`MetricsError::NonFinite`].
pub fn try_evaluate<T: Scalar>(
    network: &Network<T>,
    dataset: &Dataset<T>,
    kind: Option<MetricsKind>,
) -> Result<Evaluation, MetricsError> {
    check_shapes(network, dataset)?;
    evaluate_checking(network, dataset, kind, Overflow::Fail)
}

/// Fails unless the dataset has the network's inputs and outputs per sample.
fn check_shapes<T: Scalar>(network: &Network<T>, dataset: &Dataset<T>) -> Result<(), MetricsError> {
    for (what, expected, found) in [
        ("inputs", network.n_inputs(), dataset.n_inputs()),
        ("outputs", network.n_outputs(), dataset.n_outputs()),
    ] {
        if expected != found {
            return Err(MetricsError::DatasetShape { what, expected, found });
        }
    }
    Ok(())
}

/// What an evaluation does with a forward pass that overflows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    /// Carry the NaN or infinity into the metrics.
    Propagate,
    /// Stop with [`MetricsError::NonFinite`].
    Fail,
}

fn evaluate_checking<T: Scalar>(
    network: &Network<T>,
    dataset: &Dataset<T>,
    kind: Option<MetricsKind>,
    overflow: Overflow,
) -> Result<Evaluation, MetricsError> {
    let kind = kind.unwrap_or_else(|| crate::data::Task::of_network(network).metrics_kind());
    let mut accumulator = MetricsAccumulator::new(kind, network, dataset.len());
    let mut tape = network
        .tape(NonZeroUsize::new(dataset.len().min(EVALUATION_BATCH)).unwrap_or(NonZeroUsize::MIN));
    let columns: Vec<usize> = (0..dataset.len()).collect();
    for chunk in columns.chunks(EVALUATION_BATCH) {
        tape.load_columns(dataset.inputs(), dataset.targets(), chunk)
            .expect("the shapes are checked first");
        network.forward(&mut tape);
        if overflow == Overflow::Fail {
            if let Some(found) = tape.first_non_finite() {
                let row = dataset.sample_numbers()[chunk[found.sample]];
                return Err(MetricsError::NonFinite { row, activation: found });
            }
        }
        let loss = network.batch_loss(&mut tape);
        accumulator.add(tape.outputs(), tape.targets(), loss);
    }
    Ok(accumulator.finish())
}

/// [`evaluate`] as the user of a model reads it: the metrics its preprocessor's task asks
/// for, with its class names or target names, and, when the targets were standardized for
/// training (`--standardize-target`), the regression metrics in the file's units (the `loss`
/// stays in the network's units, as the training history reports it).
///
/// `dataset` is prepared by `preprocessor` (its targets in the network's units). Fails when
/// the dataset does not have the preprocessor's outputs, and where [`try_evaluate`] fails: at
/// the first activation that overflows.
pub fn evaluate_prepared<T: Scalar>(
    network: &Network<T>,
    dataset: &Dataset<T>,
    preprocessor: &Preprocessor,
) -> Result<Evaluation, MetricsError> {
    let mut evaluation = try_evaluate(network, dataset, Some(preprocessor.task().metrics_kind()))?;
    if let Some(encoding) = preprocessor.class_encoding() {
        return evaluation.with_class_names(encoding.class_names().to_vec());
    }
    if preprocessor.target_scaler().is_some() {
        let shape_error = || MetricsError::ShapeMismatch {
            predictions: (preprocessor.n_outputs(), dataset.len()),
            targets: dataset.targets().shape(),
        };
        // The outputs only, chunk by chunk: never every layer's activations for the whole file.
        let mut predictions = DMatrix::zeros(network.n_outputs(), dataset.len());
        crate::predict::for_each_chunk(
            network,
            dataset.inputs(),
            crate::predict::CHUNK_SAMPLES,
            |samples, outputs| {
                let mut columns = predictions.columns_mut(samples.start, samples.len());
                columns
                    .zip_apply(&outputs, |prediction, output| *prediction = output.to_f64_value());
                Ok::<(), mlp_core::BatchError>(())
            },
        )
        .map_err(|_| shape_error())?;
        let mut targets = dataset.targets().map(Scalar::to_f64_value);
        preprocessor.unscale_outputs(&mut predictions).map_err(|_| shape_error())?;
        preprocessor.unscale_outputs(&mut targets).map_err(|_| shape_error())?;
        let regression =
            RegressionMetrics::from_matrices(predictions.as_view(), targets.as_view())?;
        evaluation.mse = Some(regression.mse);
        evaluation.r2 = regression.r2;
        evaluation.regression = Some(regression);
    }
    evaluation.with_output_names(preprocessor.target_names().to_vec())
}

#[cfg(test)]
mod tests {
    use mlp_core::{Dense, Loss};
    use nalgebra::{dmatrix, DMatrix};

    use super::*;
    use crate::metrics::fixtures::{
        around_1e8, assert_close, binary, constant, three_class, two_outputs,
    };

    /// A network with `n_outputs` outputs of `activation` over one input, all weights 0: every
    /// sample gets the same outputs (1/n_outputs each under softmax, 0.5 under sigmoid).
    fn network(n_outputs: usize, activation: Activation, loss: Loss) -> Network<f64> {
        let dense = Dense::new(DMatrix::zeros(n_outputs, 1), None, activation);
        Network::new(vec![dense], loss).unwrap()
    }

    /// Feeds `outputs` and `targets` to `accumulator` in batches of 4 samples, each with mean
    /// loss equal to its first sample's index.
    fn add_in_batches(
        accumulator: &mut MetricsAccumulator,
        outputs: &DMatrix<f64>,
        targets: &DMatrix<f64>,
    ) {
        for start in (0..outputs.ncols()).step_by(4) {
            let width = 4.min(outputs.ncols() - start);
            accumulator.add(
                outputs.columns(start, width),
                targets.columns(start, width),
                start as f64,
            );
        }
    }

    #[test]
    fn batches_of_softmax_outputs_give_scikit_learns_metrics() {
        let fixture = three_class();
        let one_hot = DMatrix::from_fn(3, fixture.true_classes.len(), |class, sample| {
            f64::from(u8::from(fixture.true_classes[sample] == class))
        });
        let network = network(3, Activation::Softmax, Loss::CrossEntropy);
        let mut accumulator = MetricsAccumulator::new(MetricsKind::Classification, &network, 11);
        add_in_batches(&mut accumulator, &fixture.probabilities, &one_hot);
        let evaluation = accumulator.finish();
        // Batches start at 0, 4 and 8, with 4, 4 and 3 samples: (0·4 + 4·4 + 8·3) / 11.
        assert_eq!(evaluation.loss, 40.0 / 11.0);
        assert_eq!(evaluation.samples, 11);
        let metrics = evaluation.classification.expect("classification");
        // scikit-learn 1.9.1 (make_reference.py), as in the classification and log_loss tests.
        assert_eq!(metrics.confusion.row(2), [1, 2, 0]);
        assert_close(metrics.accuracy, 0.5454545454545454);
        assert_close(metrics.macro_avg.f1, 0.4222222222222222);
        assert_close(metrics.log_loss.expect("softmax outputs"), 3.8118532816494226);
        assert_eq!(evaluation.accuracy, Some(metrics.accuracy));
        assert_eq!((evaluation.mse, evaluation.r2, evaluation.regression), (None, None, None));
    }

    #[test]
    fn a_single_sigmoid_output_is_the_probability_of_class_1() {
        let fixture = binary();
        let targets = DMatrix::from_fn(1, fixture.true_classes.len(), |_, sample| {
            fixture.true_classes[sample] as f64
        });
        let network = network(1, Activation::Sigmoid, Loss::CrossEntropy);
        let mut accumulator = MetricsAccumulator::new(MetricsKind::Classification, &network, 10);
        add_in_batches(&mut accumulator, &fixture.probabilities, &targets);
        let metrics = accumulator.finish().classification.expect("classification");
        // scikit-learn 1.9.1 (make_reference.py): confusion [[3, 2], [1, 4]], accuracy 0.7.
        assert_eq!([metrics.confusion.row(0), metrics.confusion.row(1)], [[3, 2], [1, 4]]);
        assert_close(metrics.accuracy, 0.7);
        assert_close(metrics.log_loss.expect("sigmoid outputs"), 4.046412983416624);
    }

    #[test]
    fn outputs_that_are_not_probabilities_have_no_log_loss() {
        let fixture = three_class();
        let one_hot = DMatrix::from_fn(3, 11, |class, sample| {
            f64::from(u8::from(fixture.true_classes[sample] == class))
        });
        let network = network(3, Activation::Tanh, Loss::MeanSquared);
        let mut accumulator = MetricsAccumulator::new(MetricsKind::Classification, &network, 11);
        add_in_batches(&mut accumulator, &fixture.probabilities, &one_hot);
        let metrics = accumulator.finish().classification.expect("classification");
        assert_eq!(metrics.log_loss, None);
        assert_close(metrics.accuracy, 0.5454545454545454);

        let network = network_softmax();
        let mut accumulator = MetricsAccumulator::new(MetricsKind::Classification, &network, 2);
        let outputs = dmatrix![0.5, f64::NAN; 0.5, 0.2];
        let targets = dmatrix![1.0, 0.0; 0.0, 1.0];
        accumulator.add(outputs.as_view(), targets.as_view(), 0.0);
        let metrics = accumulator.finish().classification.expect("classification");
        assert_eq!(metrics.log_loss, None);
    }

    fn network_softmax() -> Network<f64> {
        network(2, Activation::Softmax, Loss::CrossEntropy)
    }

    #[test]
    fn batches_of_regression_outputs_give_scikit_learns_metrics() {
        let network = network(2, Activation::Identity, Loss::MeanSquared);
        let fixture = two_outputs();
        let mut accumulator = MetricsAccumulator::new(MetricsKind::Regression, &network, 6);
        add_in_batches(&mut accumulator, &fixture.predictions, &fixture.targets);
        let evaluation = accumulator.finish();
        let metrics = evaluation.regression.expect("regression");
        // scikit-learn 1.9.1 (make_reference.py), as in the regression tests.
        assert_close(metrics.mae, 3.7583333333333333);
        assert_close(metrics.rmse, 4.161922952546456);
        assert_close(evaluation.mse.unwrap(), 30.495833333333334);
        assert_close(evaluation.r2.unwrap(), 0.8969904685009646);
        assert_eq!(evaluation.accuracy, None);
        assert_eq!(evaluation.classification, None);
    }

    #[test]
    fn clear_starts_over() {
        let network = network(1, Activation::Identity, Loss::MeanSquared);
        let fixture = around_1e8();
        let mut accumulator = MetricsAccumulator::new(MetricsKind::Regression, &network, 8);
        let zeros = DMatrix::zeros(1, 3);
        accumulator.add(zeros.as_view(), fixture.targets.columns(0, 3), 5.0);
        accumulator.clear();
        add_in_batches(&mut accumulator, &fixture.predictions, &fixture.targets);
        let evaluation = accumulator.finish();
        assert_eq!((evaluation.samples, evaluation.loss), (8, 2.0));
        assert_close(evaluation.r2.unwrap(), 0.9337278104527689);

        let network = network_softmax();
        let mut accumulator = MetricsAccumulator::new(MetricsKind::Classification, &network, 1);
        let outputs = dmatrix![0.0; 1.0];
        let targets = dmatrix![1.0; 0.0];
        accumulator.add(outputs.as_view(), targets.as_view(), 1.0);
        accumulator.clear();
        accumulator.add(targets.as_view(), targets.as_view(), 1.0);
        let metrics = accumulator.finish().classification.unwrap();
        assert_eq!(metrics.confusion.n_samples(), 1);
        assert_eq!(metrics.accuracy, 1.0);
        assert_close(metrics.log_loss.unwrap(), -(1.0 - f64::EPSILON).ln());
    }

    /// The bits of a headline's numbers, NaN and −0 told apart.
    fn headline_bits(headline: Headline) -> [Option<u64>; 4] {
        let bits = |value: Option<f64>| value.map(f64::to_bits);
        [
            Some(headline.loss.to_bits()),
            bits(headline.accuracy),
            bits(headline.mse),
            bits(headline.r2),
        ]
    }

    /// What a training epoch reports equals, bit for bit, what `finish` computes through the
    /// full metrics: classification (three classes, one sigmoid output), regression with two
    /// outputs, around 1e8, with a constant target, with one sample, and nothing at all.
    #[test]
    fn the_headline_is_finishs_numbers_without_the_full_metrics() {
        let check = |accumulator: &MetricsAccumulator| {
            let evaluation = accumulator.finish();
            let expected = Headline {
                loss: evaluation.loss,
                accuracy: evaluation.accuracy,
                mse: evaluation.mse,
                r2: evaluation.r2,
            };
            assert_eq!(headline_bits(accumulator.headline()), headline_bits(expected));
        };
        let classes = three_class();
        let one_hot = DMatrix::from_fn(3, 11, |class, sample| {
            f64::from(u8::from(classes.true_classes[sample] == class))
        });
        let softmax = network(3, Activation::Softmax, Loss::CrossEntropy);
        let mut accumulator =
            MetricsAccumulator::for_headline(MetricsKind::Classification, &softmax, 11);
        add_in_batches(&mut accumulator, &classes.probabilities, &one_hot);
        check(&accumulator);
        assert!(accumulator.log_loss.is_none(), "a headline needs no log loss");

        let fixture = binary();
        let targets = DMatrix::from_fn(1, 10, |_, sample| fixture.true_classes[sample] as f64);
        let sigmoid = network(1, Activation::Sigmoid, Loss::CrossEntropy);
        let mut accumulator = MetricsAccumulator::new(MetricsKind::Classification, &sigmoid, 10);
        add_in_batches(&mut accumulator, &fixture.probabilities, &targets);
        check(&accumulator);

        let regressions = [two_outputs(), around_1e8(), constant()];
        for fixture in regressions {
            let n_outputs = fixture.targets.nrows();
            let identity = network(n_outputs, Activation::Identity, Loss::MeanSquared);
            let n_samples = fixture.targets.ncols();
            let mut accumulator =
                MetricsAccumulator::for_headline(MetricsKind::Regression, &identity, n_samples);
            add_in_batches(&mut accumulator, &fixture.predictions, &fixture.targets);
            check(&accumulator);
            assert!(accumulator.headline().mse.is_some());
            accumulator.clear();
            accumulator.add(fixture.predictions.columns(0, 1), fixture.targets.columns(0, 1), 0.25);
            check(&accumulator);
            assert_eq!(accumulator.headline().r2, None, "one sample has no R²");
            accumulator.clear();
            check(&accumulator);
        }
    }

    #[test]
    fn nothing_added_has_no_metrics() {
        for kind in [MetricsKind::Classification, MetricsKind::Regression] {
            let evaluation = MetricsAccumulator::new(kind, &network_softmax(), 0).finish();
            assert_eq!(evaluation, Evaluation::default());
        }
    }

    #[test]
    fn evaluate_a_uniform_softmax() {
        // All weights 0: every sample gets 1/3 per class and is predicted as class 0 (the first
        // of equals), so the accuracy is the share of class 0 and the log loss ln 3.
        let network = network(3, Activation::Softmax, Loss::CrossEntropy);
        let inputs = dmatrix![1.0, 2.0, 3.0, 4.0];
        let targets = dmatrix![1.0, 0.0, 0.0, 1.0; 0.0, 1.0, 0.0, 0.0; 0.0, 0.0, 1.0, 0.0];
        let dataset = Dataset::numbered(inputs, targets).unwrap();
        let evaluation = evaluate(&network, &dataset, None)
            .unwrap()
            .with_class_names(vec!["a".into(), "b".into(), "c".into()])
            .unwrap();
        assert_eq!(evaluation.accuracy, Some(0.5));
        assert_close(evaluation.loss, 3f64.ln());
        let metrics = evaluation.classification.as_ref().unwrap();
        assert_close(metrics.log_loss.unwrap(), 3f64.ln());
        assert_eq!(metrics.classes, ["a", "b", "c"]);
        assert_eq!(metrics.confusion.row(0), [2, 0, 0]);
        assert_eq!(metrics.confusion.n_predicted(0), 4);
        // Output names leave a classification unchanged.
        let renamed = evaluation.clone().with_output_names(vec![]).unwrap();
        assert_eq!(renamed, evaluation);
        let json = serde_json::to_value(&evaluation).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["samples", "loss", "accuracy", "classification"]);
        assert_eq!((&json["samples"], &json["accuracy"]), (&4.into(), &0.5.into()));
        assert_eq!(json["loss"], evaluation.loss);
        assert_eq!(json["classification"]["classes"][2], "c");
        assert!(evaluation.with_class_names(vec![]).is_err());
    }

    #[test]
    fn evaluate_regression_names_outputs() {
        let dense = Dense::new(dmatrix![2.0], None, Activation::Identity);
        let network = Network::new(vec![dense], Loss::MeanSquared).unwrap();
        let dataset = Dataset::numbered(dmatrix![1.0, 2.0], dmatrix![2.0, 5.0]).unwrap();
        let evaluation = evaluate(&network, &dataset, None)
            .unwrap()
            .with_output_names(vec!["price".into()])
            .unwrap();
        // Predictions 2 and 4 for targets 2 and 5: MSE (0 + 1) / 2, which is also the mean
        // MeanSquared loss; SS_tot = 2 · 1.5² = 4.5, so R² = 1 − 1 / 4.5.
        assert_eq!((evaluation.loss, evaluation.mse), (0.5, Some(0.5)));
        assert_close(evaluation.r2.unwrap(), 1.0 - 1.0 / 4.5);
        let metrics = evaluation.regression.as_ref().unwrap();
        assert_eq!(metrics.per_output[0].output, "price");
        assert_eq!(evaluation.clone().with_class_names(vec![]).unwrap(), evaluation);
        assert!(evaluation.with_output_names(vec![]).is_err());
        let json = serde_json::to_value(evaluate(&network, &dataset, None).unwrap()).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["samples", "loss", "mse", "r2", "regression"]);
        assert_eq!((&json["mse"], &json["regression"]["mse"]), (&0.5.into(), &0.5.into()));
        assert_eq!(json["r2"], 1.0 - 1.0 / 4.5);
        let one_sample = Dataset::numbered(dmatrix![1.0], dmatrix![2.0]).unwrap();
        let json = serde_json::to_value(evaluate(&network, &one_sample, None).unwrap()).unwrap();
        assert_eq!(json["r2"], serde_json::Value::Null);
    }

    /// Targets 8 and 12 standardized with mean 10 and std 2 are −1 and 1; a network that
    /// always outputs 0 predicts 10 in the file's units: MAE 2, MSE 4, R² 0 there, while its
    /// loss in the network's units is mean(1², 1²) = 1.
    #[test]
    fn evaluate_prepared_reports_regression_in_the_files_units() {
        use crate::data::{PreprocessorParts, Standardizer};
        let preprocessor = Preprocessor::new(PreprocessorParts {
            feature_names: vec!["x".into()],
            target_names: vec!["price".into()],
            target_scaler: Some(Standardizer::new(vec![10.0], vec![2.0]).unwrap()),
            ..PreprocessorParts::default()
        })
        .unwrap();
        let dense = Dense::new(dmatrix![0.0], None, Activation::Identity);
        let network = Network::new(vec![dense], Loss::MeanSquared).unwrap();
        let dataset = Dataset::numbered(dmatrix![3.0, 4.0], dmatrix![-1.0, 1.0]).unwrap();
        let evaluation = evaluate_prepared(&network, &dataset, &preprocessor).unwrap();
        assert_eq!(evaluation.loss, 1.0);
        assert_eq!((evaluation.mse, evaluation.r2), (Some(4.0), Some(0.0)));
        let regression = evaluation.regression.unwrap();
        assert_eq!((regression.mae, regression.rmse), (2.0, 2.0));
        assert_eq!(regression.per_output[0].output, "price");
        // Without the scaler the same numbers are the network's: MSE 1.
        let plain = Preprocessor::new(PreprocessorParts {
            feature_names: vec!["x".into()],
            target_names: vec!["price".into()],
            ..PreprocessorParts::default()
        })
        .unwrap();
        let evaluation = evaluate_prepared(&network, &dataset, &plain).unwrap();
        assert_eq!(evaluation.mse, Some(1.0));
    }

    /// A weight of 1e308 makes the second sample's output +∞: `evaluate` reports a loss of
    /// NaN or ∞, `try_evaluate` names the sample's row (its data-file number, 7), the layer
    /// and the neuron; evaluate_prepared fails the same way.
    #[test]
    fn try_evaluate_names_the_row_where_the_forward_pass_overflows() {
        let dense = Dense::new(dmatrix![1e308], None, Activation::Identity);
        let network = Network::new(vec![dense], Loss::MeanSquared).unwrap();
        let dataset =
            Dataset::new(dmatrix![0.5, 2.0, 3.0], dmatrix![0.0, 0.0, 0.0], vec![5, 7, 9]).unwrap();
        assert!(!evaluate(&network, &dataset, None).unwrap().loss.is_finite());
        let err = try_evaluate(&network, &dataset, None).unwrap_err();
        let MetricsError::NonFinite { row, activation } = &err else { panic!("{err:?}") };
        assert_eq!((*row, activation.layer, activation.neuron), (7, 1, 1));
        assert_eq!(
            err.to_string(),
            "row 7: the forward pass overflows at layer 1, neuron 1: the activation is inf \
             (weights or inputs too large)"
        );
        let fine = Dataset::new(dmatrix![0.5], dmatrix![0.0], vec![5]).unwrap();
        assert_eq!(
            try_evaluate(&network, &fine, None).unwrap(),
            evaluate(&network, &fine, None).unwrap()
        );
    }

    /// A dataset of another width is an error naming the count, from every public form, where
    /// `evaluate` panicked before.
    #[test]
    fn a_dataset_of_another_shape_is_an_error_not_a_panic() {
        let network = network(3, Activation::Softmax, Loss::CrossEntropy);
        let wide = Dataset::numbered(DMatrix::zeros(2, 4), DMatrix::zeros(3, 4)).unwrap();
        let inputs = MetricsError::DatasetShape { what: "inputs", expected: 1, found: 2 };
        assert_eq!(evaluate(&network, &wide, None).unwrap_err(), inputs);
        assert_eq!(try_evaluate(&network, &wide, None).unwrap_err(), inputs);
        assert_eq!(inputs.to_string(), "the dataset has 2 inputs per sample but the network has 1");
        let narrow = Dataset::numbered(DMatrix::zeros(1, 4), DMatrix::zeros(2, 4)).unwrap();
        let outputs = MetricsError::DatasetShape { what: "outputs", expected: 3, found: 2 };
        assert_eq!(evaluate(&network, &narrow, None).unwrap_err(), outputs);
        let preprocessor = Preprocessor::identity(["x"], ["a", "b"]).unwrap();
        assert_eq!(evaluate_prepared(&network, &narrow, &preprocessor).unwrap_err(), outputs);
    }
}
