//! The layer summary log: one row per weight layer per logged step.

use std::fs::File;

use tracing::Level;

use super::kind::sealed::Sealed;
use super::layer::CsvLayer;
use super::row::Column;
use super::spans::Counter;
use crate::events::{LayerField, LAYER_LEVEL, LAYER_TARGET};

/// Writes one row per [`LAYER_TARGET`] event: the layer summary log. See the
/// [module docs](super) for its columns.
pub type LayerSummaryCsvLayer<W = File> = CsvLayer<LayerSummaryRows, W>;

/// `epoch` and `step` from the enclosing spans, then the event's fields in schema order.
const COLUMNS: [Column; 2 + LayerField::ALL.len()] = Column::from_schema(
    &[Column::span(Counter::Epoch), Column::span(Counter::Step)],
    LayerField::NAMES,
);

/// The [`RowKind`](super::RowKind) of [`LayerSummaryCsvLayer`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LayerSummaryRows;

impl Sealed for LayerSummaryRows {
    const TARGET: &'static str = LAYER_TARGET;
    const LEVEL: Level = LAYER_LEVEL;
    const COLUMNS: &'static [Column] = &COLUMNS;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{emit_layer, epoch_span, step_span, LayerRecord};
    use crate::gradlog::test_support::{run, SharedBuffer};

    #[test]
    fn writes_one_row_per_layer_event() {
        let buffer = SharedBuffer::default();
        let layer = LayerSummaryCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        run(layer, || {
            let _epoch = epoch_span(3).entered();
            let _step = step_span(12).entered();
            emit_layer(&LayerRecord {
                layer: 1,
                grad_norm: 0.1 + 0.2,
                grad_max_abs: 0.25,
                weight_norm: 2.0,
                update_ratio: 1e-6,
                saturated_fraction: Some(0.125),
                dead_fraction: None,
            });
            emit_layer(&LayerRecord {
                layer: 2,
                grad_norm: 1.5,
                grad_max_abs: 1.0,
                weight_norm: 0.75,
                update_ratio: 0.001,
                saturated_fraction: None,
                dead_fraction: Some(0.0),
            });
        });
        guard.flush().unwrap();
        assert_eq!(
            SharedBuffer::text(&buffer),
            "epoch,step,layer,grad_norm,grad_max_abs,weight_norm,update_ratio,saturated_fraction,dead_fraction\n\
             3,12,1,0.30000000000000004,0.25,2.0,1e-6,0.125,\n\
             3,12,2,1.5,1.0,0.75,0.001,,0.0\n"
        );
    }
}
