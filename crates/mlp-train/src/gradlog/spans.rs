//! The numbers of the trainer's `train`, `epoch` and `step` spans, kept per thread.
//!
//! A CSV layer reads a training span's value once, when the span is created, and stores it in
//! the span's extensions as a [`SpanValue`]. On entering and leaving the span it updates the
//! [`CurrentCounters`] of the thread that does so, so writing a row never looks up a span, and
//! two training runs on two threads each get their own epoch, step and precision.

use std::cell::Cell;

use thread_local::ThreadLocal;
use tracing::field::{Field, Visit};
use tracing::{span, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::events::{
    Precision, EPOCH_FIELD, EPOCH_SPAN, PRECISION_FIELD, SPAN_TARGET, STEP_FIELD, STEP_SPAN,
    TRAIN_SPAN,
};

/// The number a training span carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counter {
    /// The 1-based epoch of an `epoch` span.
    Epoch,
    /// The 1-based step of a `step` span.
    Step,
}

impl Counter {
    /// The name of the span field holding the number (the same as the CSV column).
    pub(super) const fn field_name(self) -> &'static str {
        match self {
            Counter::Epoch => EPOCH_FIELD,
            Counter::Step => STEP_FIELD,
        }
    }
}

/// What one training span tells a row, stored in the span's extensions.
///
/// Its own type, so that no other layer's extension can be confused with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SpanValue {
    /// An `epoch` or `step` span's number.
    Counter(Counter, u64),
    /// A `train` span's precision.
    Precision(Precision),
}

impl SpanValue {
    /// What a span created with `attributes` tells a row; `None` for a span other than the
    /// trainer's, or one without its field.
    pub(super) fn of_span(attributes: &span::Attributes<'_>) -> Option<SpanValue> {
        let metadata = attributes.metadata();
        if metadata.target() != SPAN_TARGET {
            return None;
        }
        let field_name = match metadata.name() {
            EPOCH_SPAN => Counter::Epoch.field_name(),
            STEP_SPAN => Counter::Step.field_name(),
            TRAIN_SPAN => PRECISION_FIELD,
            _ => return None,
        };
        let mut visitor = SpanVisitor { field_name, value: None };
        attributes.record(&mut visitor);
        let value = visitor.value?;
        match value {
            Value::Number(number) => match metadata.name() {
                EPOCH_SPAN => Some(SpanValue::Counter(Counter::Epoch, number)),
                STEP_SPAN => Some(SpanValue::Counter(Counter::Step, number)),
                _ => None,
            },
            Value::Precision(precision) => Some(SpanValue::Precision(precision)),
        }
    }
}

/// The epoch, step and precision of the training spans a thread is currently inside.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct CurrentCounters {
    epoch: Option<u64>,
    step: Option<u64>,
    /// The precision of the enclosing `train` span; `f64` outside one.
    pub(super) precision: Precision,
}

impl CurrentCounters {
    pub(super) fn enter(&mut self, span: SpanValue) {
        match span {
            SpanValue::Counter(counter, value) => *self.slot(counter) = Some(value),
            SpanValue::Precision(precision) => self.precision = precision,
        }
    }

    pub(super) fn exit(&mut self, span: SpanValue) {
        match span {
            SpanValue::Counter(counter, _) => *self.slot(counter) = None,
            SpanValue::Precision(_) => self.precision = Precision::default(),
        }
    }

    #[inline]
    pub(super) fn get(&self, counter: Counter) -> Option<u64> {
        match counter {
            Counter::Epoch => self.epoch,
            Counter::Step => self.step,
        }
    }

    fn slot(&mut self, counter: Counter) -> &mut Option<u64> {
        match counter {
            Counter::Epoch => &mut self.epoch,
            Counter::Step => &mut self.step,
        }
    }
}

/// Each thread's [`CurrentCounters`], for one layer.
#[derive(Debug, Default)]
pub(super) struct ThreadCounters(ThreadLocal<Cell<CurrentCounters>>);

impl ThreadCounters {
    /// The counters of the calling thread.
    #[inline]
    pub(super) fn get(&self) -> CurrentCounters {
        self.0.get().map(Cell::get).unwrap_or_default()
    }

    /// Changes the counters of the calling thread.
    #[inline]
    pub(super) fn update(&self, change: impl FnOnce(&mut CurrentCounters)) {
        let cell = self.0.get_or_default();
        let mut counters = cell.get();
        change(&mut counters);
        cell.set(counters);
    }

    /// A layer's `on_new_span`: keeps a training span's value in its extensions.
    pub(super) fn on_new_span<S>(
        attributes: &span::Attributes<'_>,
        id: &span::Id,
        ctx: Context<'_, S>,
    ) where
        S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    {
        let Some(value) = SpanValue::of_span(attributes) else { return };
        let Some(span) = ctx.span(id) else { return };
        // `replace`, not `insert` (which panics if present): another layer on the same
        // subscriber may have stored the same value already.
        span.extensions_mut().replace(value);
    }

    /// A layer's `on_enter`: the calling thread enters span `id`'s value, if it has one.
    pub(super) fn on_enter<S>(&self, id: &span::Id, ctx: Context<'_, S>)
    where
        S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    {
        if let Some(value) = span_value(&ctx, id) {
            self.update(|counters| counters.enter(value));
        }
    }

    /// A layer's `on_exit`: the calling thread leaves span `id`'s value, if it has one.
    pub(super) fn on_exit<S>(&self, id: &span::Id, ctx: Context<'_, S>)
    where
        S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    {
        if let Some(value) = span_value(&ctx, id) {
            self.update(|counters| counters.exit(value));
        }
    }
}

/// What span `id` tells a row, if it is one of the trainer's spans.
fn span_value<S>(ctx: &Context<'_, S>, id: &span::Id) -> Option<SpanValue>
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    let span = ctx.span(id)?;
    if span.metadata().target() != SPAN_TARGET {
        return None;
    }
    let extensions = span.extensions();
    extensions.get::<SpanValue>().copied()
}

/// A training span's value as its field holds it.
enum Value {
    Number(u64),
    Precision(Precision),
}

/// Takes one field out of a span's fields: a non-negative integer, or a precision's name.
struct SpanVisitor {
    field_name: &'static str,
    value: Option<Value>,
}

impl Visit for SpanVisitor {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == self.field_name {
            self.value = Some(Value::Number(value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == self.field_name {
            self.value = u64::try_from(value).ok().map(Value::Number);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == self.field_name {
            self.value = Precision::from_name(value).map(Value::Precision);
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entering_and_leaving_spans_sets_and_clears_their_value() {
        let mut current = CurrentCounters::default();
        current.enter(SpanValue::Precision(Precision::F32));
        current.enter(SpanValue::Counter(Counter::Epoch, 2));
        current.enter(SpanValue::Counter(Counter::Step, 7));
        assert_eq!((current.get(Counter::Epoch), current.get(Counter::Step)), (Some(2), Some(7)));
        assert_eq!(current.precision, Precision::F32);
        current.exit(SpanValue::Counter(Counter::Step, 7));
        assert_eq!((current.get(Counter::Epoch), current.get(Counter::Step)), (Some(2), None));
        current.exit(SpanValue::Precision(Precision::F32));
        assert_eq!(current.precision, Precision::F64);
    }

    /// Each thread sees its own counters.
    #[test]
    fn counters_are_per_thread() {
        let counters = ThreadCounters::default();
        counters.update(|current| current.enter(SpanValue::Counter(Counter::Step, 3)));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                assert_eq!(counters.get().get(Counter::Step), None);
                counters.update(|current| current.enter(SpanValue::Counter(Counter::Step, 9)));
                assert_eq!(counters.get().get(Counter::Step), Some(9));
            });
        });
        assert_eq!(counters.get().get(Counter::Step), Some(3));
    }
}
