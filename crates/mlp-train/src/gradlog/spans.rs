//! The epoch and step numbers of the trainer's `epoch` and `step` spans.
//!
//! A CSV layer reads a training span's number once, when the span is created, and stores it in
//! the span's extensions as a [`SpanCounter`]. On entering and leaving the span it updates its
//! [`CurrentCounters`], so writing a row never looks up a span.

use tracing::field::{Field, Visit};
use tracing::span;
use tracing::Metadata;

use crate::events::{EPOCH_SPAN, SPAN_TARGET, STEP_SPAN};

/// The number a training span carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counter {
    /// The 1-based epoch of an `epoch` span.
    Epoch,
    /// The 1-based step of a `step` span.
    Step,
}

impl Counter {
    /// The counter of a span with `metadata`, or `None` when it is not an `epoch` or `step` span
    /// of the trainer.
    pub(super) fn of_span(metadata: &Metadata<'_>) -> Option<Counter> {
        if metadata.target() != SPAN_TARGET {
            return None;
        }
        match metadata.name() {
            EPOCH_SPAN => Some(Counter::Epoch),
            STEP_SPAN => Some(Counter::Step),
            _ => None,
        }
    }

    /// The name of the span field holding the number (the same as the CSV column).
    pub(super) fn field_name(self) -> &'static str {
        match self {
            Counter::Epoch => "epoch",
            Counter::Step => "step",
        }
    }

    /// Reads the counter's value from the fields a span was created with.
    pub(super) fn value_in(self, attributes: &span::Attributes<'_>) -> Option<u64> {
        let mut visitor = CounterVisitor { field_name: self.field_name(), value: None };
        attributes.record(&mut visitor);
        visitor.value
    }
}

/// The number of one training span, stored in the span's extensions.
///
/// A newtype, so that no other layer's extension of the same type can be confused with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SpanCounter {
    pub(super) counter: Counter,
    pub(super) value: u64,
}

/// The epoch and step of the training spans a layer is currently inside.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CurrentCounters {
    epoch: Option<u64>,
    step: Option<u64>,
}

impl CurrentCounters {
    pub(super) fn enter(&mut self, span: SpanCounter) {
        *self.slot(span.counter) = Some(span.value);
    }

    pub(super) fn exit(&mut self, span: SpanCounter) {
        *self.slot(span.counter) = None;
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

/// Takes one non-negative integer field out of a span's fields.
struct CounterVisitor {
    field_name: &'static str,
    value: Option<u64>,
}

impl Visit for CounterVisitor {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == self.field_name {
            self.value = Some(value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == self.field_name {
            self.value = u64::try_from(value).ok();
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entering_and_leaving_spans_sets_and_clears_their_counter() {
        let mut current = CurrentCounters::default();
        current.enter(SpanCounter { counter: Counter::Epoch, value: 2 });
        current.enter(SpanCounter { counter: Counter::Step, value: 7 });
        assert_eq!((current.get(Counter::Epoch), current.get(Counter::Step)), (Some(2), Some(7)));
        current.exit(SpanCounter { counter: Counter::Step, value: 7 });
        assert_eq!((current.get(Counter::Epoch), current.get(Counter::Step)), (Some(2), None));
    }
}
