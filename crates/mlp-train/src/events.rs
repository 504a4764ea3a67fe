//! The tracing interface of the trainer: span names, event targets and field names.
//!
//! Everything the trainer reports goes through `tracing`, so any subscriber (the `fmt` layer,
//! a JSON layer, the CSV layers of [`crate::gradlog`], a user's own `Layer`) sees the same facts.
//! These names are a public interface.
//!
//! # Spans
//!
//! | span | target | level | fields |
//! |---|---|---|---|
//! | `train` | [`SPAN_TARGET`] | INFO | the run's configuration (`optimizer`, `learning_rate`, `batch_size`, `epochs`, `seed`, …) |
//! | `epoch` | [`SPAN_TARGET`] | INFO | `epoch`: 1-based |
//! | `step` | [`SPAN_TARGET`] | INFO | `step`: 1-based count of optimizer updates over the whole run |
//!
//! `step` spans are entered inside `epoch` spans, inside the `train` span. A subscriber takes
//! `epoch` and `step` for an event from its enclosing spans.
//!
//! # Events
//!
//! **One event per partial derivative of one parameter for one sample**, target
//! [`GRADIENT_TARGET`], level TRACE, emitted after the optimizer step (so the new value is
//! known), inside the `step` span. Fields, in this order:
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `sample` | u64 | 1-based row number of the sample in the training data file |
//! | `layer` | u64 | 1-based weight layer |
//! | `param` | str | the tutorial-style name: `W1`..`Wn`, `b1`..`bm` |
//! | `to` | u64 | 1-based neuron fed |
//! | `from` | u64, absent for a bias | 1-based input the weight comes from |
//! | `weight` | f64 | the parameter's value before the step |
//! | `dE_da` | f64, absent where not elementwise | ∂E/∂a of the neuron fed |
//! | `da_dz` | f64, absent where not elementwise | ∂a/∂z of the neuron fed |
//! | `dE_dz` | f64 | ∂E/∂z of the neuron fed, the delta |
//! | `dz_dw` | f64 | ∂z/∂w: the input activation, or 1 for a bias |
//! | `dE_dw` | f64 | ∂E/∂w for this sample |
//! | `weight_new` | f64 | the parameter's value after the step |
//!
//! E is the loss of this one sample. The batch loss is the mean over the batch, so the mean of
//! `dE_dw` over a step's events for one parameter is the gradient of the loss term the optimizer
//! applied (before L2 weight decay, which is added to that mean).
//!
//! **One event per weight layer per logged step**, target [`LAYER_TARGET`], level DEBUG, inside
//! the `step` span: `layer`, `grad_norm` (Frobenius norm of the batch gradient of the layer's
//! weights and biases), `grad_max_abs`, `weight_norm` (before the step), `update_ratio`
//! (‖Δw‖ / ‖w‖), and `saturated_fraction` (sigmoid/tanh: share of unit activations within 0.01
//! of a bound over the batch) or `dead_fraction` (ReLU family: share of units whose
//! pre-activation is ≤ 0 for every sample of the batch).
//!
//! **One event per epoch**, target [`EPOCH_TARGET`], level INFO, inside the `epoch` span:
//! `epoch`, `loss`, `val_loss`, `accuracy`, `val_accuracy`, `mse`, `val_mse`, `r2`, `val_r2`,
//! `learning_rate`, `seconds` (wall time since training began); fields that do not apply are
//! absent.

use tracing::Level;

/// Target of the `train`, `epoch` and `step` spans.
pub const SPAN_TARGET: &str = "mlp_train::train";
/// Target of the per-partial-derivative events.
pub const GRADIENT_TARGET: &str = "mlp_train::gradient";
/// Target of the per-layer summary events.
pub const LAYER_TARGET: &str = "mlp_train::layer";
/// Target of the per-epoch history events.
pub const EPOCH_TARGET: &str = "mlp_train::epoch";

/// Name of the span around the whole run.
pub const TRAIN_SPAN: &str = "train";
/// Name of the span around one epoch (field `epoch`).
pub const EPOCH_SPAN: &str = "epoch";
/// Name of the span around one optimizer step (field `step`).
pub const STEP_SPAN: &str = "step";

/// Level of the per-partial-derivative events.
pub const GRADIENT_LEVEL: Level = Level::TRACE;
/// Level of the per-layer summary events.
pub const LAYER_LEVEL: Level = Level::DEBUG;
/// Level of the per-epoch events.
pub const EPOCH_LEVEL: Level = Level::INFO;

/// The facts of one partial derivative of one parameter for one sample.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GradientRecord<'a> {
    /// 1-based row number of the sample in the training data file.
    pub sample: usize,
    /// 1-based weight layer.
    pub layer: usize,
    /// `W1`..`Wn` or `b1`..`bm`.
    pub param: &'a str,
    /// 1-based neuron fed.
    pub to: usize,
    /// 1-based input the weight comes from; `None` for a bias.
    pub from: Option<usize>,
    /// Value before the step.
    pub weight: f64,
    /// ∂E/∂a of the neuron fed, where elementwise.
    pub dE_da: Option<f64>,
    /// ∂a/∂z of the neuron fed, where elementwise.
    pub da_dz: Option<f64>,
    /// ∂E/∂z of the neuron fed.
    pub dE_dz: f64,
    /// ∂z/∂w: the input activation, or 1 for a bias.
    pub dz_dw: f64,
    /// ∂E/∂w for this sample.
    pub dE_dw: f64,
    /// Value after the step.
    pub weight_new: f64,
}

/// Emits `record` as one [`GRADIENT_TARGET`] event.
#[inline]
pub fn emit_gradient(record: &GradientRecord<'_>) {
    tracing::event!(
        target: GRADIENT_TARGET,
        GRADIENT_LEVEL,
        sample = record.sample as u64,
        layer = record.layer as u64,
        param = record.param,
        to = record.to as u64,
        from = record.from.map(|from| from as u64),
        weight = record.weight,
        dE_da = record.dE_da,
        da_dz = record.da_dz,
        dE_dz = record.dE_dz,
        dz_dw = record.dz_dw,
        dE_dw = record.dE_dw,
        weight_new = record.weight_new,
    );
}

/// True when some subscriber listens for [`GRADIENT_TARGET`] events here.
#[inline]
pub fn gradient_enabled() -> bool {
    tracing::enabled!(target: GRADIENT_TARGET, GRADIENT_LEVEL)
}

/// The per-layer summary of one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerRecord {
    /// 1-based weight layer.
    pub layer: usize,
    /// Frobenius norm of the layer's batch gradient (weights and biases).
    pub grad_norm: f64,
    /// Largest absolute entry of that gradient.
    pub grad_max_abs: f64,
    /// Frobenius norm of the layer's parameters before the step.
    pub weight_norm: f64,
    /// ‖parameters after − before‖ / ‖parameters before‖.
    pub update_ratio: f64,
    /// Sigmoid/tanh: share of activations within 0.01 of a bound.
    pub saturated_fraction: Option<f64>,
    /// ReLU family: share of units with z ≤ 0 for every sample of the batch.
    pub dead_fraction: Option<f64>,
}

/// Emits `record` as one [`LAYER_TARGET`] event.
#[inline]
pub fn emit_layer(record: &LayerRecord) {
    tracing::event!(
        target: LAYER_TARGET,
        LAYER_LEVEL,
        layer = record.layer as u64,
        grad_norm = record.grad_norm,
        grad_max_abs = record.grad_max_abs,
        weight_norm = record.weight_norm,
        update_ratio = record.update_ratio,
        saturated_fraction = record.saturated_fraction,
        dead_fraction = record.dead_fraction,
    );
}

/// True when some subscriber listens for [`LAYER_TARGET`] events here.
#[inline]
pub fn layer_enabled() -> bool {
    tracing::enabled!(target: LAYER_TARGET, LAYER_LEVEL)
}

/// The metrics of one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's samples.
    pub loss: f64,
    /// Validation loss.
    pub val_loss: Option<f64>,
    /// Training accuracy (classification).
    pub accuracy: Option<f64>,
    /// Validation accuracy (classification).
    pub val_accuracy: Option<f64>,
    /// Training mean squared error (regression).
    pub mse: Option<f64>,
    /// Validation mean squared error (regression).
    pub val_mse: Option<f64>,
    /// Training coefficient of determination (regression).
    pub r2: Option<f64>,
    /// Validation coefficient of determination (regression).
    pub val_r2: Option<f64>,
    /// Learning rate used during the epoch.
    pub learning_rate: f64,
    /// Wall time since training began, in seconds. Read from the clock once per epoch while
    /// epochs take 0.1 ms or more; shorter epochs share a reading at most 0.1 ms old (the clock
    /// costs more than such an epoch), and the last epoch asked for is read exactly.
    pub seconds: f64,
}

/// Emits `record` as one [`EPOCH_TARGET`] event.
#[inline]
pub fn emit_epoch(record: &EpochRecord) {
    tracing::event!(
        target: EPOCH_TARGET,
        EPOCH_LEVEL,
        epoch = record.epoch as u64,
        loss = record.loss,
        val_loss = record.val_loss,
        accuracy = record.accuracy,
        val_accuracy = record.val_accuracy,
        mse = record.mse,
        val_mse = record.val_mse,
        r2 = record.r2,
        val_r2 = record.val_r2,
        learning_rate = record.learning_rate,
        seconds = record.seconds,
    );
}

/// Opens the `epoch` span for 1-based `epoch`.
#[inline]
pub fn epoch_span(epoch: usize) -> tracing::Span {
    tracing::info_span!(target: SPAN_TARGET, "epoch", epoch = epoch as u64)
}

/// Opens the `step` span for 1-based `step`.
#[inline]
pub fn step_span(step: usize) -> tracing::Span {
    tracing::info_span!(target: SPAN_TARGET, "step", step = step as u64)
}
