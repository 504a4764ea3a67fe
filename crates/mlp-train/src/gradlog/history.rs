//! The history log: one row per epoch.

use std::fs::File;

use tracing::Level;

use super::kind::sealed::Sealed;
use super::layer::CsvLayer;
use super::row::Column;
use super::spans::Counter;
use crate::events::{EpochField, EPOCH_LEVEL, EPOCH_TARGET};

/// Writes one row per [`EPOCH_TARGET`] event: the training history. See the
/// [module docs](super) for its columns.
pub type HistoryCsvLayer<W = File> = CsvLayer<HistoryRows, W>;

/// The event's fields in schema order; `epoch` is the event's own field, or the enclosing
/// span's if the event lacks it.
const COLUMNS: [Column; EpochField::ALL.len()] = {
    let mut columns = Column::from_schema(&[], EpochField::NAMES);
    columns[EpochField::Epoch as usize] = Column::span(Counter::Epoch);
    columns
};

/// The [`RowKind`](super::RowKind) of [`HistoryCsvLayer`].
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryRows;

impl Sealed for HistoryRows {
    const TARGET: &'static str = EPOCH_TARGET;
    const LEVEL: Level = EPOCH_LEVEL;
    const WRITE_EVERY_ROW: bool = true;
    const COLUMNS: &'static [Column] = &COLUMNS;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{emit_epoch, epoch_span, EpochRecord};
    use crate::gradlog::test_support::{run, SharedBuffer};

    #[test]
    fn writes_one_row_per_epoch_with_empty_cells_for_absent_metrics() {
        let buffer = SharedBuffer::default();
        let layer = HistoryCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        run(layer, || {
            for epoch in 1..=2 {
                let _epoch = epoch_span(epoch).entered();
                // A classifier with a validation split.
                emit_epoch(&EpochRecord {
                    epoch,
                    loss: 1.0 / epoch as f64,
                    val_loss: Some(0.1 + 0.2),
                    accuracy: Some(0.5),
                    val_accuracy: Some(0.75),
                    learning_rate: 0.01,
                    seconds: 1.25 * epoch as f64,
                    ..EpochRecord::default()
                });
            }
            // A regressor without one, outside an epoch span.
            emit_epoch(&EpochRecord {
                epoch: 3,
                loss: 0.5,
                mse: Some(1.0),
                r2: Some(-0.25),
                learning_rate: 0.001,
                seconds: 4.0,
                ..EpochRecord::default()
            });
        });
        guard.flush().unwrap();
        assert_eq!(
            buffer.text(),
            "epoch,loss,val_loss,accuracy,val_accuracy,learning_rate,seconds,mse,val_mse,r2,val_r2\n\
             1,1.0,0.30000000000000004,0.5,0.75,0.01,1.25,,,,\n\
             2,0.5,0.30000000000000004,0.5,0.75,0.01,2.5,,,,\n\
             3,0.5,,,,0.001,4.0,1.0,,-0.25,\n"
        );
    }
}
