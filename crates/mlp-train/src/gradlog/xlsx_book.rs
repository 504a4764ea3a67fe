//! The workbook that xlsx layers write into, shared by them and their guards behind one mutex:
//! one log ([`XlsxLayer`](super::XlsxLayer) alone) or several
//! ([`RunWorkbook`](super::RunWorkbook): the gradient log, the layer log and the history, with
//! the run's settings and charts).

use std::any::Any;
use std::cell::Cell as FlagCell;
use std::io::{Seek, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rust_xlsxwriter::{Workbook, XlsxError};

use super::error::Error;
use super::row::{Cell, Column, RowBuffer};
use super::state::LogHandle;
use super::workbook::RunSheets;
use super::xlsx_pivot::GradNormPivot;
use super::xlsx_sheet::SheetWriter;
use crate::StopSignal;

thread_local! {
    /// Whether the calling thread is inside [`guarded`].
    static WRITING: FlagCell<bool> = const { FlagCell::new(false) };
}

/// Runs `write` (calls into rust_xlsxwriter), turning a panic into an error: rust_xlsxwriter
/// panics when writing a constant-memory worksheet's temporary file fails (a full disk), where
/// a log must report an error and keep the old file.
pub(super) fn guarded<T>(write: impl FnOnce() -> Result<T, XlsxError>) -> Result<T, XlsxError> {
    WRITING.set(true);
    let result = catch_unwind(AssertUnwindSafe(write));
    WRITING.set(false);
    result.unwrap_or_else(|payload| Err(XlsxError::IoError(panic_error(payload.as_ref()))))
}

/// Whether the calling thread is writing a workbook, where a panic of rust_xlsxwriter is caught
/// and reported as [`Error::Workbook`]: a program's panic hook can stay silent about such a
/// panic (the `mlp` binary does), whose message the error carries.
pub fn is_writing_workbook() -> bool {
    WRITING.get()
}

/// The I/O error a panic's message tells: `Couldn't write to xml file: Os { code: 28, kind:
/// StorageFull, message: "No space left on device" }` gives "No space left on device".
fn panic_error(payload: &(dyn Any + Send)) -> std::io::Error {
    let text = match (payload.downcast_ref::<String>(), payload.downcast_ref::<&str>()) {
        (Some(text), _) => text.as_str(),
        (None, Some(text)) => text,
        (None, None) => "the workbook writer panicked",
    };
    let message = text
        .split_once("message: \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or(text, |(message, _)| message);
    std::io::Error::other(format!("writing a worksheet's temporary file: {message}"))
}

/// Where the workbook is written when finished.
pub(super) trait Destination: Write + Seek + Send {}

impl<W: Write + Seek + Send> Destination for W {}

/// The workbook, its logs and where it goes.
pub(super) struct Book {
    pub(super) workbook: Workbook,
    pub(super) logs: Vec<SheetLog>,
    /// `None` once the workbook is written (or failed).
    out: Option<Box<dyn Destination>>,
    path: Option<PathBuf>,
    failed: bool,
    /// The first error, until a flush hands it out.
    error: Option<XlsxError>,
    stop: Option<StopSignal>,
    /// A [`RunWorkbook`](super::RunWorkbook)'s sheets beside the logs: written at finish.
    pub(super) run: Option<RunSheets>,
}

/// One log's sheets, row buffer and counts.
pub(super) struct SheetLog {
    pub(super) sheets: SheetWriter,
    pub(super) row: RowBuffer,
    pub(super) n_rows_written: u64,
    pub(super) n_rows_dropped: u64,
    /// Per column, whether a written row had a value there (the charts draw those only); empty
    /// unless [`SheetLog::track_columns`] asked for it.
    pub(super) filled: Vec<bool>,
    /// Per column, the least and the greatest number written there (a chart's axis range);
    /// empty unless tracked.
    pub(super) bounds: Vec<Option<(f64, f64)>>,
    /// The layer log's gradient norms, one row per step (a [`RunWorkbook`](super::RunWorkbook)).
    pub(super) pivot: Option<GradNormPivot>,
}

impl SheetLog {
    /// Appends the row `self.row` was last filled with.
    pub(super) fn write_row(&mut self, workbook: &mut Workbook) -> Result<(), XlsxError> {
        guarded(|| self.sheets.write_row(workbook, &self.row))?;
        self.n_rows_written += 1;
        for ((filled, bounds), cell) in
            self.filled.iter_mut().zip(&mut self.bounds).zip(self.row.cells())
        {
            *filled |= *cell != Cell::Empty;
            let value = match *cell {
                Cell::Unsigned(value) => value as f64,
                Cell::Signed(value) => value as f64,
                Cell::Float(value) if value.is_finite() => value,
                _ => continue,
            };
            let (least, greatest) = bounds.get_or_insert((value, value));
            *least = least.min(value);
            *greatest = greatest.max(value);
        }
        if let Some(pivot) = &mut self.pivot {
            guarded(|| pivot.push(workbook, &self.row))?;
        }
        Ok(())
    }

    /// Keeps [`SheetLog::filled`] and [`SheetLog::bounds`] from now on: for a log that charts
    /// draw (not for every row of a gradient log).
    pub(super) fn track_columns(&mut self) {
        let n_columns = self.row.columns().len();
        self.filled = vec![false; n_columns];
        self.bounds = vec![None; n_columns];
    }

    /// The column named `name`, if the log has it.
    pub(super) fn column(&self, name: &str) -> Option<usize> {
        self.row.columns().iter().position(|column| column.name == name)
    }
}

impl Book {
    /// A workbook to be written to `out` (the file at `path`, if named) when finished; its
    /// constant-memory worksheets wait in temporary files beside `path`: where the user chose
    /// to put the data, not in a temporary directory that may be in memory.
    pub(super) fn new(out: Box<dyn Destination>, path: Option<&Path>) -> Result<Book, Error> {
        let path = path.map(Path::to_path_buf);
        let mut workbook = Workbook::new();
        // Deflate level 3 (Excel's own) rather than 6: closing a million-row sheet takes
        // about 40% of the time, for a file 15% larger (`benches/xlsx.rs`).
        workbook.set_zip_compression_level(3);
        if let Some(dir) = path.as_deref().and_then(Path::parent) {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            if dir.is_dir() {
                workbook
                    .set_tempdir(dir)
                    .map_err(|source| Error::Workbook { path: path.clone(), source })?;
            }
        }
        Ok(Book {
            workbook,
            logs: Vec::new(),
            out: Some(out),
            path,
            failed: false,
            error: None,
            stop: None,
            run: None,
        })
    }

    /// Adds a log of `columns` whose first sheet, `name`, is added now; returns its index.
    pub(super) fn add_log(
        &mut self,
        name: &'static str,
        columns: &'static [Column],
        sheet_rows: u32,
    ) -> Result<usize, Error> {
        let row = RowBuffer::new(columns);
        let headers = row.columns().iter().map(|column| column.name).collect();
        let sheets = SheetWriter::new(&mut self.workbook, name, headers, sheet_rows)
            .map_err(|source| self.error_of(source))?;
        self.logs.push(SheetLog {
            sheets,
            row,
            n_rows_written: 0,
            n_rows_dropped: 0,
            filled: Vec::new(),
            bounds: Vec::new(),
            pivot: None,
        });
        Ok(self.logs.len() - 1)
    }

    pub(super) fn error_of(&self, source: XlsxError) -> Error {
        Error::Workbook { path: self.path.clone(), source }
    }

    /// Whether rows are still taken: not after a failure, nor once written.
    #[inline]
    pub(super) fn open(&self) -> bool {
        !self.failed && self.out.is_some()
    }

    pub(super) fn set_stop(&mut self, stop: StopSignal) {
        if self.failed {
            stop.stop();
        }
        self.stop = Some(stop);
    }

    pub(super) fn fail(&mut self, error: XlsxError) {
        self.failed = true;
        self.out = None;
        self.error.get_or_insert(error);
        if let Some(stop) = &self.stop {
            stop.stop();
        }
    }

    fn error(&mut self) -> Result<(), Error> {
        match self.error.take() {
            Some(source) => Err(self.error_of(source)),
            None => Ok(()),
        }
    }

    /// Sets the autofilters, adds the run's sheets and charts, and writes the workbook, once.
    fn finish(&mut self) -> Result<(), Error> {
        if let Some(mut out) = self.out.take() {
            let written = guarded(|| {
                self.finish_sheets()?;
                self.workbook.save_to_writer(&mut out)?;
                out.flush().map_err(XlsxError::from)
            });
            if let Err(error) = written {
                self.fail(error);
            }
        }
        self.error()
    }

    fn finish_sheets(&mut self) -> Result<(), XlsxError> {
        let Book { workbook, logs, run, .. } = self;
        for log in logs.iter_mut() {
            log.sheets.finish(workbook)?;
            if let Some(pivot) = &mut log.pivot {
                pivot.finish(workbook)?;
            }
        }
        if let Some(run) = run {
            run.finish(workbook, logs)?;
        }
        Ok(())
    }
}

/// Locks the book. A panic while it was locked does not make the workbook unusable.
pub(super) fn lock(book: &Mutex<Book>) -> MutexGuard<'_, Book> {
    book.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a [`FlushGuard`](super::FlushGuard) holds of a book: one log's counts (or all logs'),
/// and whether finishing the guard writes the workbook.
pub(super) struct BookHandle {
    pub(super) book: Arc<Mutex<Book>>,
    /// The log counted; `None`: every log.
    pub(super) log: Option<usize>,
    /// Whether [`LogHandle::finish`] writes the workbook (else it only reports errors: the
    /// workbook has a guard of its own).
    pub(super) finishes: bool,
}

impl BookHandle {
    fn count(&self, rows: impl Fn(&SheetLog) -> u64) -> u64 {
        let book = lock(&self.book);
        match self.log {
            Some(log_idx) => book.logs.get(log_idx).map_or(0, rows),
            None => book.logs.iter().map(rows).sum(),
        }
    }
}

impl LogHandle for BookHandle {
    fn flush(&self) -> Result<(), Error> {
        lock(&self.book).error()
    }

    fn finish(&self) -> Result<(), Error> {
        match self.finishes {
            true => lock(&self.book).finish(),
            false => self.flush(),
        }
    }

    fn n_rows_written(&self) -> u64 {
        self.count(|log| log.n_rows_written)
    }

    fn n_rows_dropped(&self) -> u64 {
        self.count(|log| log.n_rows_dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic inside `guarded` (rust_xlsxwriter's, on a full disk) is an I/O error saying why;
    /// the thread is marked as writing a workbook only while inside.
    #[test]
    fn a_panic_of_the_writer_becomes_an_error() {
        assert!(!is_writing_workbook());
        let result: Result<(), XlsxError> = guarded(|| {
            assert!(is_writing_workbook());
            panic!(
                "Couldn't write to xml file: Os {{ code: 28, kind: StorageFull, message: \
                 \"No space left on device\" }}"
            )
        });
        assert!(!is_writing_workbook());
        let Err(XlsxError::IoError(error)) = result else { panic!("{result:?}") };
        assert_eq!(
            error.to_string(),
            "writing a worksheet's temporary file: No space left on device"
        );
        assert_eq!(guarded(|| Ok(7)).unwrap(), 7);
    }
}
