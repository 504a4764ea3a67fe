//! Helpers for the tests of the CSV layers: an in-memory writer and a small training run.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::Registry;

use crate::events::{
    emit_gradient, epoch_span, step_span, GradientRecord, ParamName, Precision, SPAN_TARGET,
};

/// A writer into a byte buffer that the test keeps a handle on.
#[derive(Debug, Clone, Default)]
pub(super) struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    pub(super) fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8(bytes.clone()).unwrap()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `train` with `layer` as the only layer of a new registry, with no global state.
pub(super) fn run<L>(layer: L, train: impl FnOnce())
where
    L: Layer<Registry> + Send + Sync + 'static,
{
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), train);
}

/// Two epochs of two steps of a batch of two samples through a 1-1-1 network: 32 gradient
/// events. Samples 1 and 2 are in steps 1 and 3, samples 3 and 4 in steps 2 and 4.
pub(super) fn train_fixture() {
    let mut step = 0;
    for epoch in 1..=2 {
        let _epoch = epoch_span(epoch).entered();
        for batch in [[1, 2], [3, 4]] {
            step += 1;
            let _step = step_span(step).entered();
            for sample in batch {
                for (layer, param, from) in
                    [(1, "W1", Some(1)), (1, "b1", None), (2, "W2", Some(1)), (2, "b2", None)]
                {
                    let elementwise = layer == 1;
                    emit_gradient(&GradientRecord {
                        sample,
                        layer,
                        param: name(param),
                        to: 1,
                        from,
                        weight: 0.5,
                        dE_da: elementwise.then_some(-0.25),
                        da_dz: elementwise.then_some(0.25),
                        dE_dz: -0.0625,
                        dz_dw: if from.is_some() { 0.75 } else { 1.0 },
                        dE_dw: -0.046875,
                        weight_new: 0.5046875,
                    });
                }
            }
        }
    }
}

/// A `train` span of a run at `precision`, as the trainer opens it (with fewer fields).
pub(super) fn train_span(precision: Precision) -> tracing::Span {
    tracing::info_span!(target: SPAN_TARGET, "train", precision = precision.name())
}

/// `text` as a parameter name.
pub(super) fn name(text: &str) -> ParamName {
    ParamName::new(text).unwrap()
}

/// The first `n_columns` cells of each data row of `csv`, joined by commas.
pub(super) fn key_columns(csv: &str, n_columns: usize) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|line| line.split(',').take(n_columns).collect::<Vec<_>>().join(","))
        .collect()
}
