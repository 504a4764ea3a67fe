//! The epoch and step of an event, from its enclosing spans, for a layer of one's own.

use tracing::field::{Field, Visit};
use tracing::{span, Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::{EPOCH_FIELD, EPOCH_SPAN, SPAN_TARGET, STEP_FIELD, STEP_SPAN};

/// Where in the run an event was emitted: the numbers of its enclosing `epoch` and `step`
/// spans, `None` outside them.
///
/// Read by [`Position::of_event`] from the spans' extensions, where the [`SpanNumbers`] layer
/// keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based epoch.
    pub epoch: Option<usize>,
    /// 1-based optimizer step over the whole run.
    pub step: Option<usize>,
}

impl Position {
    /// The epoch and step of `event`'s enclosing spans, as [`SpanNumbers`] kept them (install
    /// it on the same subscriber); a walk up the event's spans, one lookup each.
    pub fn of_event<S>(event: &Event<'_>, ctx: &Context<'_, S>) -> Position
    where
        S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    {
        let mut position = Position::default();
        let Some(scope) = ctx.event_scope(event) else { return position };
        for span in scope {
            match span.extensions().get::<SpanNumber>() {
                Some(SpanNumber::Epoch(epoch)) => position.epoch = position.epoch.or(Some(*epoch)),
                Some(SpanNumber::Step(step)) => position.step = position.step.or(Some(*step)),
                None => {}
            }
        }
        position
    }
}

/// A layer that keeps the number of each `epoch` and `step` span of the trainer in the span,
/// for [`Position::of_event`]: `registry().with(SpanNumbers).with(my_layer)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpanNumbers;

/// The number of one `epoch` or `step` span, in its extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpanNumber {
    Epoch(usize),
    Step(usize),
}

impl<S> Layer<S> for SpanNumbers
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn on_new_span(&self, attributes: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let metadata = attributes.metadata();
        if metadata.target() != SPAN_TARGET {
            return;
        }
        let (field_name, number): (_, fn(usize) -> SpanNumber) = match metadata.name() {
            EPOCH_SPAN => (EPOCH_FIELD, SpanNumber::Epoch),
            STEP_SPAN => (STEP_FIELD, SpanNumber::Step),
            _ => return,
        };
        let mut visitor = NumberVisitor { field_name, value: None };
        attributes.record(&mut visitor);
        if let (Some(value), Some(span)) = (visitor.value, ctx.span(id)) {
            span.extensions_mut().replace(number(value));
        }
    }
}

/// Takes one count field out of a span's fields.
struct NumberVisitor {
    field_name: &'static str,
    value: Option<usize>,
}

impl Visit for NumberVisitor {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == self.field_name {
            self.value = usize::try_from(value).ok();
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::super::{epoch_span, step_span};
    use super::*;

    /// Keeps the position of every event.
    #[derive(Clone, Default)]
    struct Positions(Arc<Mutex<Vec<Position>>>);

    impl<S: Subscriber + for<'lookup> LookupSpan<'lookup>> Layer<S> for Positions {
        fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
            self.0.lock().unwrap().push(Position::of_event(event, &ctx));
        }
    }

    #[test]
    fn events_get_the_numbers_of_their_enclosing_spans() {
        let positions = Positions::default();
        let subscriber = tracing_subscriber::registry().with(SpanNumbers).with(positions.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("outside");
            let _epoch = epoch_span(2).entered();
            tracing::info!("in the epoch");
            let step = step_span(5).entered();
            let _other = tracing::info_span!("user's own span").entered();
            tracing::info!("in the step");
            drop(_other);
            drop(step);
            // The next step of another epoch: a span of the same name nearer the event wins.
            let _epoch = epoch_span(3).entered();
            let _step = step_span(6).entered();
            tracing::info!("in the next epoch");
        });
        let at = |epoch, step| Position { epoch, step };
        assert_eq!(
            *positions.0.lock().unwrap(),
            [at(None, None), at(Some(2), None), at(Some(2), Some(5)), at(Some(3), Some(6))]
        );
    }
}
