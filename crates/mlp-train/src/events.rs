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
//! | `train` | [`SPAN_TARGET`] | INFO | the run's configuration (`optimizer`, `learning_rate`, `batch_size`, `epochs`, `seed`, …) and `precision` (`f32` or `f64`, see [`Precision`]) |
//! | `epoch` | [`SPAN_TARGET`] | INFO | `epoch`: 1-based |
//! | `step` | [`SPAN_TARGET`] | INFO | `step`: 1-based count of optimizer updates over the whole run |
//!
//! `step` spans are entered inside `epoch` spans, inside the `train` span, on the thread that
//! called [`train`](crate::train), which emits every event there too. A subscriber takes
//! `epoch`, `step` and `precision` for an event from its enclosing spans; the CSV layers of
//! [`crate::gradlog`] keep them per thread, so two runs on two threads do not mix them.
//!
//! # Events
//!
//! The fields of each kind of event are defined once, by [`GradientField`], [`LayerField`] and
//! [`EpochField`] (names, kinds, which may be absent), and read back into the records the trainer
//! emits by [`GradientRecord::from_event`], [`LayerRecord::from_event`] and
//! [`EpochRecord::from_event`]: a `tracing` layer of one's own needs no field names (see the
//! `custom_layer` example). [`Position::of_event`] gives an event's epoch and step, from the
//! spans the [`SpanNumbers`] layer marks.
//!
//! Every float is an `f64`; in an f32 run (the `train` span's `precision` is `f32`) the values
//! are the run's `f32`s widened exactly, and [`Precision::F32`] tells a reader to print them
//! as `f32`s.
//!
//! **One event per partial derivative of one parameter for one sample**, target
//! [`GRADIENT_TARGET`], level TRACE, emitted after the optimizer step (so the new value is
//! known), inside the `step` span, for the steps [`TrainConfig::log_every`] chooses. Fields, in
//! this order:
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
//! the `step` span (the norms and the ratio rounded to the run's precision): `layer`,
//! `grad_norm` (Frobenius norm of the batch gradient of the layer's weights and biases),
//! `grad_max_abs`, `weight_norm` (before the step), `update_ratio`
//! (‖Δw‖ / ‖w‖), and `saturated_fraction` (sigmoid/tanh: share of unit activations within 0.01
//! of a bound over the batch) or `dead_fraction` (ReLU family: share of units whose
//! pre-activation is ≤ 0 for every sample of the batch).
//!
//! **One event per epoch**, target [`EPOCH_TARGET`], level INFO, inside the `epoch` span:
//! `epoch`, `loss`, `val_loss`, `accuracy`, `val_accuracy`, `learning_rate`, `seconds` (wall
//! time since training began), `mse`, `val_mse`, `r2`, `val_r2`; fields that do not apply are
//! absent.
//!
//! [`TrainConfig::log_every`]: crate::TrainConfig::log_every

use mlp_core::Scalar;
use tracing::Level;

mod decode;
mod param_name;
mod position;
mod schema;

pub use param_name::ParamName;
pub use position::{Position, SpanNumbers};
pub use schema::{
    EpochField, FieldKind, GradientField, LayerField, EPOCH_FIELD, PRECISION_FIELD, STEP_FIELD,
};

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

/// The floating-point type a run computes in, a field of its `train` span
/// ([`PRECISION_FIELD`]).
///
/// `tracing` widens every float to `f64`; an f32 run's values are `f32`s widened exactly, and
/// their shortest text is the `f32`'s (`0.8641406`), not the `f64`'s (`0.8641406297683716`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// `f32`.
    F32,
    /// `f64`, the default.
    #[default]
    F64,
}

impl Precision {
    /// The precision of `T`.
    pub fn of<T: Scalar>() -> Precision {
        if std::mem::size_of::<T>() == std::mem::size_of::<f32>() {
            Precision::F32
        } else {
            Precision::F64
        }
    }

    /// `f32` or `f64`: the value of the `train` span's [`PRECISION_FIELD`].
    pub const fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }

    /// The precision named `name` (`f32` or `f64`).
    pub fn from_name(name: &str) -> Option<Precision> {
        match name {
            "f32" => Some(Precision::F32),
            "f64" => Some(Precision::F64),
            _ => None,
        }
    }
}

/// The facts of one partial derivative of one parameter for one sample: the fields of one
/// [`GRADIENT_TARGET`] event ([`GradientField`]).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GradientRecord {
    /// 1-based row number of the sample in the training data file.
    pub sample: usize,
    /// 1-based weight layer.
    pub layer: usize,
    /// `W1`..`Wn` or `b1`..`bm`.
    pub param: ParamName,
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
pub fn emit_gradient(record: &GradientRecord) {
    use GradientField as F;
    // The fields in `GradientField::ALL` order (a test checks it).
    tracing::event!(
        target: GRADIENT_TARGET,
        GRADIENT_LEVEL,
        { F::Sample.name() } = record.sample as u64,
        { F::Layer.name() } = record.layer as u64,
        { F::Param.name() } = record.param.as_str(),
        { F::To.name() } = record.to as u64,
        { F::From.name() } = record.from.map(|from| from as u64),
        { F::Weight.name() } = record.weight,
        { F::DeDa.name() } = record.dE_da,
        { F::DaDz.name() } = record.da_dz,
        { F::DeDz.name() } = record.dE_dz,
        { F::DzDw.name() } = record.dz_dw,
        { F::DeDw.name() } = record.dE_dw,
        { F::WeightNew.name() } = record.weight_new,
    );
}

/// True when some subscriber listens for [`GRADIENT_TARGET`] events here.
#[inline]
pub fn gradient_enabled() -> bool {
    tracing::enabled!(target: GRADIENT_TARGET, GRADIENT_LEVEL)
}

/// The per-layer summary of one step: the fields of one [`LAYER_TARGET`] event
/// ([`LayerField`]).
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
    use LayerField as F;
    tracing::event!(
        target: LAYER_TARGET,
        LAYER_LEVEL,
        { F::Layer.name() } = record.layer as u64,
        { F::GradNorm.name() } = record.grad_norm,
        { F::GradMaxAbs.name() } = record.grad_max_abs,
        { F::WeightNorm.name() } = record.weight_norm,
        { F::UpdateRatio.name() } = record.update_ratio,
        { F::SaturatedFraction.name() } = record.saturated_fraction,
        { F::DeadFraction.name() } = record.dead_fraction,
    );
}

/// True when some subscriber listens for [`LAYER_TARGET`] events here.
#[inline]
pub fn layer_enabled() -> bool {
    tracing::enabled!(target: LAYER_TARGET, LAYER_LEVEL)
}

/// The metrics of one epoch: the fields of one [`EPOCH_TARGET`] event ([`EpochField`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's samples, each sample's loss computed with the
    /// weights its batch's step started from (not the weights at the end of the epoch).
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
    use EpochField as F;
    tracing::event!(
        target: EPOCH_TARGET,
        EPOCH_LEVEL,
        { F::Epoch.name() } = record.epoch as u64,
        { F::Loss.name() } = record.loss,
        { F::ValLoss.name() } = record.val_loss,
        { F::Accuracy.name() } = record.accuracy,
        { F::ValAccuracy.name() } = record.val_accuracy,
        { F::LearningRate.name() } = record.learning_rate,
        { F::Seconds.name() } = record.seconds,
        { F::Mse.name() } = record.mse,
        { F::ValMse.name() } = record.val_mse,
        { F::R2.name() } = record.r2,
        { F::ValR2.name() } = record.val_r2,
    );
}

/// Opens the `epoch` span for 1-based `epoch`.
#[inline]
pub fn epoch_span(epoch: usize) -> tracing::Span {
    tracing::info_span!(target: SPAN_TARGET, "epoch", { EPOCH_FIELD } = epoch as u64)
}

/// Opens the `step` span for 1-based `step`.
#[inline]
pub fn step_span(step: usize) -> tracing::Span {
    tracing::info_span!(target: SPAN_TARGET, "step", { STEP_FIELD } = step as u64)
}

#[cfg(test)]
mod tests {
    use tracing::Subscriber;
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    use super::*;

    /// Keeps the field names of every event, in the order of their callsite.
    #[derive(Clone, Default)]
    struct FieldNames(std::sync::Arc<std::sync::Mutex<Vec<Vec<&'static str>>>>);

    impl<S: Subscriber> Layer<S> for FieldNames {
        fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
            let names = event.metadata().fields().iter().map(|field| field.name()).collect();
            self.0.lock().unwrap().push(names);
        }
    }

    /// The emitters declare exactly the schema's fields, in its order.
    #[test]
    fn emitters_declare_the_schema_in_order() {
        let names = FieldNames::default();
        let subscriber = tracing_subscriber::registry().with(names.clone());
        tracing::subscriber::with_default(subscriber, || {
            emit_gradient(&GradientRecord::default());
            emit_layer(&LayerRecord {
                layer: 1,
                grad_norm: 0.0,
                grad_max_abs: 0.0,
                weight_norm: 0.0,
                update_ratio: 0.0,
                saturated_fraction: None,
                dead_fraction: None,
            });
            emit_epoch(&EpochRecord::default());
        });
        let names = names.0.lock().unwrap();
        let schema = |all: Vec<&'static str>| all;
        assert_eq!(names[0], schema(GradientField::ALL.iter().map(|f| f.name()).collect()));
        assert_eq!(names[1], schema(LayerField::ALL.iter().map(|f| f.name()).collect()));
        assert_eq!(names[2], schema(EpochField::ALL.iter().map(|f| f.name()).collect()));
    }

    #[test]
    fn precision_of_each_scalar_and_its_name() {
        assert_eq!(Precision::of::<f32>(), Precision::F32);
        assert_eq!(Precision::of::<f64>(), Precision::F64);
        for precision in [Precision::F32, Precision::F64] {
            assert_eq!(Precision::from_name(precision.name()), Some(precision));
        }
        assert_eq!((Precision::F32.name(), Precision::F64.name()), ("f32", "f64"));
        assert_eq!(Precision::from_name("f16"), None);
    }
}
