//! Records read back from events: what a `tracing` layer of one's own needs to use the
//! trainer's events without matching field names itself.

use tracing::field::{Field, Visit};
use tracing::Event;

use super::schema::{EpochField, GradientField, LayerField};
use super::{
    EpochRecord, GradientRecord, LayerRecord, ParamName, EPOCH_TARGET, GRADIENT_TARGET,
    LAYER_TARGET,
};

/// Reads the fields of one kind of event into its record; `seen` collects the fields read.
struct Decoder<R> {
    record: R,
    seen: u32,
}

impl<R> Decoder<R> {
    /// Reads `event`'s fields into `record`; the record if every field in `required` was there.
    fn decode(event: &Event<'_>, record: R, required: u32) -> Option<R>
    where
        Decoder<R>: Visit,
    {
        let mut decoder = Decoder { record, seen: 0 };
        event.record(&mut decoder);
        (decoder.seen & required == required).then_some(decoder.record)
    }
}

/// A count field: a `u64`, or an `i64` that is not negative, that fits a `usize`.
fn count(value: u64) -> Option<usize> {
    usize::try_from(value).ok()
}

impl GradientRecord {
    /// The record a [`GRADIENT_TARGET`] event carries, decoded by field name (fields of other
    /// names are skipped); `None` for an event of another target or one without every field
    /// [`GradientField::is_optional`] says is always there.
    ///
    /// The epoch and step are not fields of the event but of its enclosing spans.
    ///
    /// ```
    /// use mlp_train::events::{emit_gradient, GradientRecord, ParamName};
    /// use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
    ///
    /// /// Prints the name and ∂E/∂w of every gradient event.
    /// struct Printer;
    ///
    /// impl<S: tracing::Subscriber> Layer<S> for Printer {
    ///     fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
    ///         if let Some(record) = GradientRecord::from_event(event) {
    ///             println!("{} {}", record.param, record.dE_dw);
    ///         }
    ///     }
    /// }
    ///
    /// let record = GradientRecord { param: ParamName::new("W5").unwrap(), dE_dw: 0.25, ..Default::default() };
    /// tracing::subscriber::with_default(tracing_subscriber::registry().with(Printer), || {
    ///     emit_gradient(&record); // prints "W5 0.25"
    /// });
    /// ```
    pub fn from_event(event: &Event<'_>) -> Option<GradientRecord> {
        if event.metadata().target() != GRADIENT_TARGET {
            return None;
        }
        Decoder::decode(event, GradientRecord::default(), GradientField::REQUIRED)
    }
}

impl Visit for Decoder<GradientRecord> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        let (Some(field), Some(value)) = (GradientField::from_name(field.name()), count(value))
        else {
            return;
        };
        let record = &mut self.record;
        match field {
            GradientField::Sample => record.sample = value,
            GradientField::Layer => record.layer = value,
            GradientField::To => record.to = value,
            GradientField::From => record.from = Some(value),
            _ => return,
        }
        self.seen |= field.bit();
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        let Some(field) = GradientField::from_name(field.name()) else { return };
        let record = &mut self.record;
        match field {
            GradientField::Weight => record.weight = value,
            GradientField::DeDa => record.dE_da = Some(value),
            GradientField::DaDz => record.da_dz = Some(value),
            GradientField::DeDz => record.dE_dz = value,
            GradientField::DzDw => record.dz_dw = value,
            GradientField::DeDw => record.dE_dw = value,
            GradientField::WeightNew => record.weight_new = value,
            _ => return,
        }
        self.seen |= field.bit();
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if GradientField::from_name(field.name()) == Some(GradientField::Param) {
            if let Some(name) = ParamName::new(value) {
                self.record.param = name;
                self.seen |= GradientField::Param.bit();
            }
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl LayerRecord {
    /// The record a [`LAYER_TARGET`] event carries, decoded by field name; `None` for an event
    /// of another target or one without every field that is always there.
    pub fn from_event(event: &Event<'_>) -> Option<LayerRecord> {
        if event.metadata().target() != LAYER_TARGET {
            return None;
        }
        let empty = LayerRecord {
            layer: 0,
            grad_norm: 0.0,
            grad_max_abs: 0.0,
            weight_norm: 0.0,
            update_ratio: 0.0,
            saturated_fraction: None,
            dead_fraction: None,
        };
        Decoder::decode(event, empty, LayerField::REQUIRED)
    }
}

impl Visit for Decoder<LayerRecord> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if let (Some(LayerField::Layer), Some(value)) =
            (LayerField::from_name(field.name()), count(value))
        {
            self.record.layer = value;
            self.seen |= LayerField::Layer.bit();
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        let Some(field) = LayerField::from_name(field.name()) else { return };
        let record = &mut self.record;
        match field {
            LayerField::GradNorm => record.grad_norm = value,
            LayerField::GradMaxAbs => record.grad_max_abs = value,
            LayerField::WeightNorm => record.weight_norm = value,
            LayerField::UpdateRatio => record.update_ratio = value,
            LayerField::SaturatedFraction => record.saturated_fraction = Some(value),
            LayerField::DeadFraction => record.dead_fraction = Some(value),
            LayerField::Layer => return,
        }
        self.seen |= field.bit();
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl EpochRecord {
    /// The record an [`EPOCH_TARGET`] event carries, decoded by field name; `None` for an event
    /// of another target or one without every field that is always there.
    pub fn from_event(event: &Event<'_>) -> Option<EpochRecord> {
        if event.metadata().target() != EPOCH_TARGET {
            return None;
        }
        Decoder::decode(event, EpochRecord::default(), EpochField::REQUIRED)
    }
}

impl Visit for Decoder<EpochRecord> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if let (Some(EpochField::Epoch), Some(value)) =
            (EpochField::from_name(field.name()), count(value))
        {
            self.record.epoch = value;
            self.seen |= EpochField::Epoch.bit();
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        let Some(field) = EpochField::from_name(field.name()) else { return };
        let record = &mut self.record;
        match field {
            EpochField::Loss => record.loss = value,
            EpochField::ValLoss => record.val_loss = Some(value),
            EpochField::Accuracy => record.accuracy = Some(value),
            EpochField::ValAccuracy => record.val_accuracy = Some(value),
            EpochField::LearningRate => record.learning_rate = value,
            EpochField::Seconds => record.seconds = value,
            EpochField::Mse => record.mse = Some(value),
            EpochField::ValMse => record.val_mse = Some(value),
            EpochField::R2 => record.r2 = Some(value),
            EpochField::ValR2 => record.val_r2 = Some(value),
            EpochField::Epoch => return,
        }
        self.seen |= field.bit();
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::Subscriber;
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    use super::super::{emit_epoch, emit_gradient, emit_layer};
    use super::*;

    /// The records decoded, of each kind.
    type Records = (Vec<GradientRecord>, Vec<LayerRecord>, Vec<EpochRecord>);

    /// Keeps every record decoded.
    #[derive(Clone, Default)]
    struct Collect(Arc<Mutex<Records>>);

    impl<S: Subscriber> Layer<S> for Collect {
        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            let mut kept = self.0.lock().unwrap();
            kept.0.extend(GradientRecord::from_event(event));
            kept.1.extend(LayerRecord::from_event(event));
            kept.2.extend(EpochRecord::from_event(event));
        }
    }

    fn collect(emit: impl FnOnce()) -> Records {
        let collect = Collect::default();
        tracing::subscriber::with_default(
            tracing_subscriber::registry().with(collect.clone()),
            emit,
        );
        let kept = collect.0.lock().unwrap();
        kept.clone()
    }

    #[test]
    fn emitted_records_decode_to_themselves() {
        let weight = GradientRecord {
            sample: 3,
            layer: 2,
            param: ParamName::new("W5").unwrap(),
            to: 1,
            from: Some(2),
            weight: 0.45,
            dE_da: Some(0.1 + 0.2),
            da_dz: Some(-1e-300),
            dE_dz: f64::NAN,
            dz_dw: 0.5,
            dE_dw: -0.0,
            weight_new: f64::INFINITY,
        };
        let bias = GradientRecord {
            param: ParamName::new("b2").unwrap(),
            from: None,
            dE_da: None,
            da_dz: None,
            dE_dz: 0.25,
            ..weight
        };
        let layer = LayerRecord {
            layer: 7,
            grad_norm: 1.5,
            grad_max_abs: 0.5,
            weight_norm: 2.0,
            update_ratio: 1e-3,
            saturated_fraction: None,
            dead_fraction: Some(0.125),
        };
        let epoch = EpochRecord {
            epoch: 4,
            loss: 0.5,
            val_loss: Some(0.75),
            accuracy: Some(0.25),
            val_accuracy: Some(1.0),
            mse: Some(2.0),
            val_mse: Some(3.0),
            r2: Some(-1.0),
            val_r2: Some(0.5),
            learning_rate: 0.01,
            seconds: 12.5,
        };
        let (gradients, layers, epochs) = collect(|| {
            emit_gradient(&weight);
            emit_gradient(&bias);
            emit_layer(&layer);
            emit_epoch(&epoch);
        });
        assert_eq!(gradients.len(), 2);
        // NaN is not equal to itself: compare the bits.
        assert_eq!(gradients[0].dE_dz.to_bits(), f64::NAN.to_bits());
        assert_eq!(
            GradientRecord { dE_dz: 0.0, ..gradients[0] },
            GradientRecord { dE_dz: 0.0, ..weight }
        );
        assert_eq!(gradients[0].dE_dw.to_bits(), (-0.0_f64).to_bits());
        assert_eq!(gradients[1], bias);
        assert_eq!(layers, [layer]);
        assert_eq!(epochs, [epoch]);
    }

    /// Events of a callsite of one's own are decoded by field name, in any order; an event
    /// without a field that is always there, or of another target, is no record.
    #[test]
    fn decodes_by_name_and_refuses_incomplete_events() {
        let (gradients, _, epochs) = collect(|| {
            tracing::trace!(
                target: GRADIENT_TARGET,
                weight_new = 1.0,
                dE_dw = 2.0,
                dz_dw = 3.0,
                dE_dz = 4.0,
                weight = 5.0,
                to = 6_i64,
                param = "b9",
                layer = 7_u64,
                sample = 8_u64,
                note = "not a field",
            );
            // No `weight_new`.
            tracing::trace!(
                target: GRADIENT_TARGET,
                dE_dw = 2.0,
                dz_dw = 3.0,
                dE_dz = 4.0,
                weight = 5.0,
                to = 6_u64,
                param = "b9",
                layer = 7_u64,
                sample = 8_u64,
            );
            // Another target.
            tracing::trace!(epoch = 1_u64, loss = 0.5, learning_rate = 0.1, seconds = 1.0);
            tracing::info!(
                target: EPOCH_TARGET,
                epoch = 2_u64,
                loss = 0.5,
                learning_rate = 0.1,
                seconds = 1.0
            );
        });
        let expected = GradientRecord {
            sample: 8,
            layer: 7,
            param: ParamName::new("b9").unwrap(),
            to: 6,
            from: None,
            weight: 5.0,
            dE_da: None,
            da_dz: None,
            dE_dz: 4.0,
            dz_dw: 3.0,
            dE_dw: 2.0,
            weight_new: 1.0,
        };
        assert_eq!(gradients, [expected]);
        let expected = EpochRecord {
            epoch: 2,
            loss: 0.5,
            learning_rate: 0.1,
            seconds: 1.0,
            ..Default::default()
        };
        assert_eq!(epochs, [expected]);
    }
}
