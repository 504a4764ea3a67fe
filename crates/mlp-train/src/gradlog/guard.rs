//! The guard that flushes a CSV log and reports how many rows it holds.

use std::fmt;
use std::sync::Arc;

use super::error::Error;
use super::state::LogHandle;

/// Flushes a CSV log when dropped, and tells how many rows were written and whether the row cap
/// cut the log short.
///
/// A global subscriber is never dropped, so its layers never flush by themselves: hold the guard
/// until training ends (in the CLI, until `main` returns). Call [`FlushGuard::flush`] to see
/// errors; dropping the guard flushes too but has nowhere to report them.
///
/// The layer cannot print a warning when it reaches its row cap: a library must not write to
/// stderr, and an event emitted from inside a subscriber is discarded by `tracing` (it would
/// re-enter the subscriber). So it counts the rows it drops and the guard reports them: check
/// [`FlushGuard::truncated`] after training.
#[must_use = "a dropped guard flushes at once; hold it until training ends"]
pub struct FlushGuard {
    log: Arc<dyn LogHandle>,
}

impl FlushGuard {
    pub(super) fn new(log: Arc<dyn LogHandle>) -> FlushGuard {
        FlushGuard { log }
    }

    /// Writes buffered rows through to the file or writer and flushes it.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] if flushing fails, or if writing a row failed since the last flush (the
    /// layer writes no more rows after a failure).
    pub fn flush(&self) -> Result<(), Error> {
        self.log.flush()
    }

    /// Flushes the log and ends it: a workbook ([`XlsxLayer`](super::XlsxLayer)) is written to
    /// its file, which is a valid workbook only from then on, and takes no more rows; a CSV log
    /// is flushed, as by [`FlushGuard::flush`]. Dropping the guard finishes the log too.
    ///
    /// # Errors
    ///
    /// As [`FlushGuard::flush`]; [`Error::Workbook`] if the workbook cannot be written.
    pub fn finish(&self) -> Result<(), Error> {
        self.log.finish()
    }

    /// The number of data rows written so far (the header not counted).
    pub fn rows_written(&self) -> u64 {
        self.log.n_rows_written()
    }

    /// The number of rows not written because the log had reached its row cap (see
    /// `with_max_rows`). Rows left out by row filters are not counted.
    pub fn rows_dropped(&self) -> u64 {
        self.log.n_rows_dropped()
    }

    /// True when the row cap left at least one row out of the log.
    pub fn truncated(&self) -> bool {
        self.rows_dropped() > 0
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        // Errors are reported by `flush`; a destructor has nowhere to send them.
        let _ = self.log.finish();
    }
}

impl fmt::Debug for FlushGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlushGuard")
            .field("rows_written", &self.rows_written())
            .field("rows_dropped", &self.rows_dropped())
            .finish()
    }
}
