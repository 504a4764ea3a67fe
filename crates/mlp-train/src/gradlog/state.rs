//! The state a CSV layer shares with its flush guard, behind one mutex.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::error::{io_error, Error};
use super::row::{Column, RowBuffer};
use super::spans::CurrentCounters;

/// The CSV writer, the row buffers, the current epoch and step, and the row counts.
#[derive(Debug)]
pub(super) struct LogState<W: Write> {
    writer: csv::Writer<W>,
    pub(super) row: RowBuffer,
    pub(super) counters: CurrentCounters,
    n_rows_written: u64,
    n_rows_dropped: u64,
    /// Set by the first failed write; the log writes nothing after it.
    failed: bool,
    /// The error of that write, until [`LogState::flush`] hands it out.
    error: Option<std::io::Error>,
    /// The log file, for error messages.
    path: Option<PathBuf>,
}

impl<W: Write> LogState<W> {
    /// Wraps `writer` and writes the header. `csv::Writer` buffers internally, so `writer` need
    /// not be buffered.
    pub(super) fn new(writer: W, columns: &'static [Column], path: Option<PathBuf>) -> LogState<W> {
        let mut state = LogState {
            // Quoting is the row's business (`RowBuffer::write_to`): only its text cells can
            // need quotes, and the writer need not scan every digit of every number for them.
            writer: csv::WriterBuilder::new()
                .quote_style(csv::QuoteStyle::Never)
                .from_writer(writer),
            row: RowBuffer::new(columns),
            counters: CurrentCounters::default(),
            n_rows_written: 0,
            n_rows_dropped: 0,
            failed: false,
            error: None,
            path,
        };
        if let Err(error) = state.writer.write_record(state.row.header()) {
            state.fail(io_error(error));
        }
        state
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

    /// Writes the assembled row.
    #[inline]
    pub(super) fn write_row(&mut self) {
        match self.row.write_to(&mut self.writer) {
            Ok(()) => self.n_rows_written += 1,
            Err(error) => self.fail(io_error(error)),
        }
    }

    /// Flushes the writer; reports the first failed write if there was one since the last flush.
    fn flush(&mut self) -> Result<(), Error> {
        if let Some(source) = self.error.take() {
            return Err(Error::Write { path: self.path.clone(), source });
        }
        if self.failed {
            return Ok(());
        }
        self.writer.flush().map_err(|source| {
            self.failed = true;
            Error::Write { path: self.path.clone(), source }
        })
    }

    fn fail(&mut self, error: std::io::Error) {
        self.failed = true;
        self.error = Some(error);
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
