//! What distinguishes the three CSV logs: the events they read and the columns they write.

use tracing::Level;

use super::row::{Column, RowBuffer};

/// The kind of rows a [`CsvLayer`](super::CsvLayer) writes: which events it reads and which
/// columns it writes. Implemented by [`GradientRows`](super::GradientRows),
/// [`LayerSummaryRows`](super::LayerSummaryRows) and [`HistoryRows`](super::HistoryRows) only
/// (the trait is sealed).
pub trait RowKind: sealed::Sealed {}

impl<K: sealed::Sealed> RowKind for K {}

pub(super) mod sealed {
    use super::*;

    /// The items of [`RowKind`](super::RowKind), out of reach of other crates.
    pub trait Sealed: Default + Send + Sync + 'static {
        /// Target of the events the log reads.
        const TARGET: &'static str;
        /// Level of those events.
        const LEVEL: Level;
        /// The columns, in order.
        const COLUMNS: &'static [Column];
        /// Whether each row is handed to the OS at once (a log of few rows, such as one per
        /// epoch, so that a full disk is noticed at its first row), rather than 64 KiB at a
        /// time.
        const WRITE_EVERY_ROW: bool = false;

        /// Whether [`keep`](Sealed::keep) can refuse a row: whether the log has row filters.
        /// When not, a full log counts the rows it drops without reading their fields.
        #[inline]
        fn filters_cells(&self) -> bool {
            false
        }

        /// Whether to write the assembled `row`, per the log's row filters.
        #[inline]
        fn keep(&self, row: &RowBuffer) -> bool {
            let _ = row;
            true
        }
    }
}
