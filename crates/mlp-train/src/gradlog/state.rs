//! The state a CSV layer shares with its flush guard, behind one mutex.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::error::Error;
use super::row::{Column, RowBuffer};
use crate::events::Precision;
use crate::StopSignal;

/// The rows a log keeps before handing them to the OS in one write. Only whole rows are
/// handed over, so a log cut off by a crash or `SIGKILL` ends with a whole row.
pub(super) const WRITE_AT: usize = 64 * 1024;

/// The writer, the bytes of whole rows not yet written, the row buffers and the row counts.
#[derive(Debug)]
pub(super) struct LogState<W: Write> {
    writer: W,
    /// Whole rows (and the header) not yet handed to `writer`; written when it reaches
    /// [`WRITE_AT`] bytes and at every flush, never in parts of a row.
    pending: Vec<u8>,
    pub(super) row: RowBuffer,
    n_rows_written: u64,
    n_rows_dropped: u64,
    /// Set by the first failed write; the log writes nothing after it.
    failed: bool,
    /// The error of that write, until [`LogState::flush`] hands it out.
    error: Option<std::io::Error>,
    /// The log file, for error messages.
    path: Option<PathBuf>,
    /// Raised at the first failed write, to end the training run.
    stop: Option<StopSignal>,
    /// The buffered bytes at which rows are handed to the writer.
    write_at: usize,
}

impl<W: Write> LogState<W> {
    /// Wraps `writer` and writes the header. Rows are kept in a buffer of whole rows, so
    /// `writer` need not be buffered.
    /// With `write_every_row`, each row is handed to `writer` as soon as it is written.
    pub(super) fn new(
        writer: W,
        columns: &'static [Column],
        path: Option<PathBuf>,
        write_every_row: bool,
    ) -> LogState<W> {
        let row = RowBuffer::new(columns);
        let mut pending = Vec::with_capacity(WRITE_AT + 4096);
        for (idx, name) in row.header().enumerate() {
            if idx > 0 {
                pending.push(b',');
            }
            pending.extend_from_slice(name.as_bytes());
        }
        pending.push(b'\n');
        let mut state = LogState {
            writer,
            pending,
            row,
            n_rows_written: 0,
            n_rows_dropped: 0,
            failed: false,
            error: None,
            path,
            stop: None,
            write_at: if write_every_row { 1 } else { WRITE_AT },
        };
        // The header at once: a place that cannot be written fails before training.
        state.write_pending();
        state
    }

    /// Raises `stop` at the first failed write (at once if a write has failed already).
    pub(super) fn set_stop(&mut self, stop: StopSignal) {
        if self.failed {
            stop.stop();
        }
        self.stop = Some(stop);
    }

    /// False once a write has failed.
    #[inline]
    pub(super) fn is_writable(&self) -> bool {
        !self.failed
    }

    /// Whether `max_rows` rows have been written.
    #[inline]
    pub(super) fn is_full(&self, max_rows: u64) -> bool {
        self.n_rows_written >= max_rows
    }

    /// Counts a row left out because the log is full.
    pub(super) fn count_dropped(&mut self) {
        self.n_rows_dropped += 1;
    }

    /// Writes the assembled row, its floats at `precision` (into the buffer, handed to the
    /// writer once it holds [`WRITE_AT`] bytes).
    #[inline]
    pub(super) fn write_row(&mut self, precision: Precision) {
        self.row.write_to(&mut self.pending, precision);
        self.n_rows_written += 1;
        if self.pending.len() >= self.write_at {
            self.write_pending();
        }
    }

    /// Hands the buffered rows to the writer.
    fn write_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        match self.writer.write_all(&self.pending) {
            Ok(()) => self.pending.clear(),
            Err(error) => self.fail(error),
        }
    }

    /// Writes the buffered rows and flushes the writer; reports the first failed write if
    /// there was one since the last flush.
    fn flush(&mut self) -> Result<(), Error> {
        if !self.failed {
            self.write_pending();
        }
        if let Some(source) = self.error.take() {
            return Err(Error::Write { path: self.path.clone(), source });
        }
        if self.failed {
            return Ok(());
        }
        self.writer.flush().map_err(|source| {
            self.fail_quietly();
            Error::Write { path: self.path.clone(), source }
        })
    }

    fn fail(&mut self, error: std::io::Error) {
        self.fail_quietly();
        self.error = Some(error);
    }

    /// Stops the log (and the run, if it was given a stop signal) without keeping an error.
    fn fail_quietly(&mut self) {
        self.failed = true;
        self.pending = Vec::new();
        if let Some(stop) = &self.stop {
            stop.stop();
        }
    }
}

/// Locks the state. A panic while it was locked (in a user's writer) does not make the log unusable.
#[inline]
pub(super) fn lock<W: Write>(state: &Mutex<LogState<W>>) -> MutexGuard<'_, LogState<W>> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a flush guard needs of a log, whatever its writer type.
pub(super) trait LogHandle: Send + Sync {
    fn flush(&self) -> Result<(), Error>;
    /// Flushes and ends the log: for a workbook, writes the file, which is valid only then.
    fn finish(&self) -> Result<(), Error> {
        self.flush()
    }
    fn n_rows_written(&self) -> u64;
    fn n_rows_dropped(&self) -> u64;
}

impl<W: Write + Send> LogHandle for Mutex<LogState<W>> {
    fn flush(&self) -> Result<(), Error> {
        lock(self).flush()
    }

    fn n_rows_written(&self) -> u64 {
        lock(self).n_rows_written
    }

    fn n_rows_dropped(&self) -> u64 {
        lock(self).n_rows_dropped
    }
}
