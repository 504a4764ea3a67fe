//! Loss, accuracy, mean squared error and R², accumulated batch by batch.

use mlp_core::{Activation, Network, Scalar};
use nalgebra::DMatrixView;

use crate::{Dataset, MetricsKind};

/// Metrics of a network on a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Evaluation {
    /// Mean loss over samples.
    pub loss: f64,
    /// Share of samples whose predicted class is the target's (classification).
    pub accuracy: Option<f64>,
    /// Mean over samples and outputs of (t − o)² (regression).
    pub mse: Option<f64>,
    /// Coefficient of determination 1 − SS_res / SS_tot, over all outputs (regression);
    /// `None` when the targets do not vary.
    pub r2: Option<f64>,
}

/// Sums over batches, turned into an [`Evaluation`] at the end.
#[derive(Debug, Clone)]
pub(crate) struct MetricsAccumulator {
    kind: MetricsKind,
    single_sigmoid: bool,
    n_samples: usize,
    loss_sum: f64,
    correct: usize,
    squared_error: f64,
    target_sum: f64,
    target_square_sum: f64,
    n_values: usize,
}

impl MetricsAccumulator {
    pub(crate) fn new<T: Scalar>(kind: MetricsKind, network: &Network<T>) -> Self {
        let output = network.output_layer();
        MetricsAccumulator {
            kind,
            single_sigmoid: output.n_outputs() == 1 && output.activation() == Activation::Sigmoid,
            n_samples: 0,
            loss_sum: 0.0,
            correct: 0,
            squared_error: 0.0,
            target_sum: 0.0,
            target_square_sum: 0.0,
            n_values: 0,
        }
    }

    /// Adds a batch of (n_outputs × batch) outputs and targets with its mean loss.
    pub(crate) fn add<T: Scalar>(
        &mut self,
        outputs: DMatrixView<'_, T>,
        targets: DMatrixView<'_, T>,
        mean_loss: T,
    ) {
        let batch = outputs.ncols();
        self.n_samples += batch;
        self.loss_sum += mean_loss.to_f64_value() * batch as f64;
        match self.kind {
            MetricsKind::Classification => {
                for sample in 0..batch {
                    let (o, t) = (outputs.column(sample), targets.column(sample));
                    let right = if self.single_sigmoid {
                        (o[0] >= T::from_f64_value(0.5)) == (t[0] >= T::from_f64_value(0.5))
                    } else {
                        o.argmax().0 == t.argmax().0
                    };
                    self.correct += usize::from(right);
                }
            }
            MetricsKind::Regression => {
                for (o, t) in outputs.iter().zip(targets.iter()) {
                    let (o, t) = (o.to_f64_value(), t.to_f64_value());
                    self.squared_error += (t - o) * (t - o);
                    self.target_sum += t;
                    self.target_square_sum += t * t;
                }
                self.n_values += outputs.len();
            }
        }
    }

    pub(crate) fn finish(&self) -> Evaluation {
        let n = self.n_samples.max(1) as f64;
        let mut evaluation = Evaluation { loss: self.loss_sum / n, ..Evaluation::default() };
        match self.kind {
            MetricsKind::Classification => evaluation.accuracy = Some(self.correct as f64 / n),
            MetricsKind::Regression => {
                let n_values = self.n_values.max(1) as f64;
                let mean = self.target_sum / n_values;
                let total = self.target_square_sum - n_values * mean * mean;
                evaluation.mse = Some(self.squared_error / n_values);
                evaluation.r2 = (total > 1e-12 * self.target_square_sum.max(1e-300))
                    .then(|| 1.0 - self.squared_error / total);
            }
        }
        evaluation
    }
}

/// The loss and metrics of `network` on `dataset`, in batches of at most 256 samples.
///
/// `kind` `None` infers the metrics from the loss, as [`crate::TrainConfig::metrics`].
/// Panics if the dataset's shapes do not fit the network (check with
/// [`crate::check_dataset`]).
pub fn evaluate<T: Scalar>(
    network: &Network<T>,
    dataset: &Dataset<T>,
    kind: Option<MetricsKind>,
) -> Evaluation {
    let kind = kind.unwrap_or_else(|| crate::trainer::infer_metrics(network));
    let mut accumulator = MetricsAccumulator::new(kind, network);
    let mut tape = network.tape(dataset.len().clamp(1, 256));
    let columns: Vec<usize> = (0..dataset.len()).collect();
    for chunk in columns.chunks(256) {
        tape.load_columns(dataset.inputs(), dataset.targets(), chunk)
            .expect("dataset fits the network");
        network.forward(&mut tape);
        let loss = network.batch_loss(&mut tape);
        accumulator.add(tape.outputs(), tape.targets(), loss);
    }
    accumulator.finish()
}
