//! A training run's workbook: the gradient log, the layer log and the history in one `.xlsx`
//! file, with the run's settings and native charts.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use rust_xlsxwriter::{Workbook, XlsxError};

use super::error::Error;
use super::guard::FlushGuard;
use super::kind::sealed::Sealed;
use super::xlsx::sheet_name;
use super::xlsx_book::{lock, Book, BookHandle, SheetLog};
use super::xlsx_charts;
use super::xlsx_pivot::GradNormPivot;
use super::xlsx_sheet::header_format;
use super::{GradientRows, HistoryRows, LayerSummaryRows, XlsxLayer, SHEET_ROWS};
use crate::StopSignal;

/// One workbook holding a training run's three logs, each written by its own layer (the
/// [`XlsxLayer`]s of [`WorkbookLayers`], fed by the same events as the CSV layers), with the
/// run's settings and charts of them.
///
/// # Sheets
///
/// | sheet | holds |
/// |---|---|
/// | `charts` | native charts: loss (and validation loss) per epoch; accuracy, or R², per epoch (and validation); each layer's gradient norm per logged step, on a log scale, one series per layer |
/// | `run` | two columns, `setting` and `value`: what [`RunWorkbook::add_run_row`] and [`RunWorkbook::add_run_json`] were given |
/// | `history` | the history log: one row per epoch |
/// | `layers` | the layer log: one row per weight layer and logged step |
/// | `grad norms` | the layer log's `grad_norm` as one row per logged step (`epoch`, `step`) and one column per layer (`layer 1`, `layer 2`, …), the data of the gradient-norm chart; a norm a log axis cannot show (0) is left empty |
/// | `gradients`, `gradients 2`, … | the gradient log, [`SHEET_ROWS`] rows a sheet |
///
/// Every log sheet is as [`XlsxLayer`] writes it: the CSV log's columns, numbers as numbers,
/// the header frozen, the autofilter on. A chart is left out when its data is: no accuracy
/// chart without accuracy nor R², no validation series without a validation set, no chart of
/// an empty log. The charts draw the first sheet of each log.
///
/// # Closing
///
/// The workbook is written when its guard ([`RunWorkbook::flush_on_drop`]) is finished or
/// dropped, as [`XlsxLayer`]'s: until then the file holds nothing, and a process killed before
/// leaves it so. The layers' own guards report their row counts and errors only.
///
/// ```
/// use mlp_train::events::{emit_epoch, epoch_span, EpochRecord};
/// use mlp_train::gradlog::RunWorkbook;
/// use tracing_subscriber::prelude::*;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("run.xlsx");
/// let (workbook, layers) = RunWorkbook::with_file(&path)?;
/// let history = layers.history.flush_on_drop();
/// let subscriber = tracing_subscriber::registry()
///     .with(layers.gradients)
///     .with(layers.layer_summary)
///     .with(layers.history);
/// tracing::subscriber::with_default(subscriber, || {
///     for epoch in 1..=3 {
///         let _epoch = epoch_span(epoch).entered();
///         let loss = 1.0 / epoch as f64;
///         emit_epoch(&EpochRecord { epoch, loss, learning_rate: 0.1, ..EpochRecord::default() });
///     }
/// });
/// workbook.add_run_row("optimizer", "sgd");
/// workbook.add_run_row("learning_rate", 0.1);
/// workbook.flush_on_drop().finish()?;
/// assert_eq!(history.rows_written(), 3);
/// assert!(std::fs::metadata(&path)?.len() > 0);
/// # Ok(())
/// # }
/// ```
pub struct RunWorkbook {
    book: Arc<Mutex<Book>>,
}

/// The layers writing a [`RunWorkbook`]'s logs: install each in the subscriber (with its
/// filters: [`XlsxLayer::with_layers`] and the others, [`XlsxLayer::with_max_rows`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct WorkbookLayers {
    /// Sheets `gradients`, `gradients 2`, …
    pub gradients: XlsxLayer<GradientRows>,
    /// Sheet `layers` (and `grad norms`).
    pub layer_summary: XlsxLayer<LayerSummaryRows>,
    /// Sheet `history`.
    pub history: XlsxLayer<HistoryRows>,
}

/// A value of the `run` sheet: a number, a text or a truth value, stored as such; `Empty`
/// leaves the cell empty.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RunValue {
    /// No value.
    Empty,
    /// A number.
    Number(f64),
    /// A text.
    Text(String),
    /// True or false.
    Bool(bool),
}

impl From<f64> for RunValue {
    fn from(value: f64) -> RunValue {
        RunValue::Number(value)
    }
}

impl From<usize> for RunValue {
    fn from(value: usize) -> RunValue {
        RunValue::Number(value as f64)
    }
}

impl From<bool> for RunValue {
    fn from(value: bool) -> RunValue {
        RunValue::Bool(value)
    }
}

impl From<&str> for RunValue {
    fn from(value: &str) -> RunValue {
        RunValue::Text(value.to_owned())
    }
}

impl From<String> for RunValue {
    fn from(value: String) -> RunValue {
        RunValue::Text(value)
    }
}

impl<T: Into<RunValue>> From<Option<T>> for RunValue {
    fn from(value: Option<T>) -> RunValue {
        value.map_or(RunValue::Empty, Into::into)
    }
}

/// The sheets of a [`RunWorkbook`] that are not logs, written at finish.
pub(super) struct RunSheets {
    charts_idx: usize,
    run_idx: usize,
    history_log: usize,
    layers_log: usize,
    rows: Vec<(String, RunValue)>,
}

/// The name of the settings sheet.
pub(super) const RUN_SHEET: &str = "run";
/// The name of the charts sheet.
pub(super) const CHARTS_SHEET: &str = "charts";

impl RunWorkbook {
    /// A workbook written to `writer` when finished, and the layers that write its logs; the
    /// worksheets' rows wait in temporary files in the system's temporary directory.
    ///
    /// # Errors
    ///
    /// [`Error::Workbook`] if the sheets cannot be started.
    pub fn new(
        writer: impl Write + Seek + Send + 'static,
    ) -> Result<(RunWorkbook, WorkbookLayers), Error> {
        RunWorkbook::in_book(Book::new(Box::new(writer), None)?)
    }

    /// Creates (or truncates) the file at `path` and returns the workbook to be written there,
    /// and its layers. The worksheets' rows wait in temporary files beside it.
    ///
    /// # Errors
    ///
    /// [`Error::CreateFile`], naming `path`, if the file cannot be created; [`Error::Workbook`]
    /// if the sheets cannot be started.
    pub fn with_file(path: impl AsRef<Path>) -> Result<(RunWorkbook, WorkbookLayers), Error> {
        let path = path.as_ref();
        let file = File::create(path)
            .map_err(|source| Error::CreateFile { path: path.to_path_buf(), source })?;
        RunWorkbook::with_named_writer(file, path)
    }

    /// The workbook written to `file`, an already open `path` (such as the file of an
    /// [`OutputFile`](crate::output_file::OutputFile)), and its layers; errors name `path`,
    /// and the worksheets' rows wait in temporary files in its directory.
    ///
    /// # Errors
    ///
    /// [`Error::Workbook`] if the sheets cannot be started.
    pub fn with_named_writer(
        file: File,
        path: impl AsRef<Path>,
    ) -> Result<(RunWorkbook, WorkbookLayers), Error> {
        RunWorkbook::in_book(Book::new(Box::new(file), Some(path.as_ref()))?)
    }

    fn in_book(mut book: Book) -> Result<(RunWorkbook, WorkbookLayers), Error> {
        let sheet_rows = SHEET_ROWS as u32;
        let (charts_idx, run_idx) =
            add_run_sheets(&mut book.workbook).map_err(|source| book.error_of(source))?;
        let history_log =
            book.add_log(sheet_name::<HistoryRows>(), HistoryRows::COLUMNS, sheet_rows)?;
        book.logs[history_log].track_columns();
        let layers_log =
            book.add_log(sheet_name::<LayerSummaryRows>(), LayerSummaryRows::COLUMNS, sheet_rows)?;
        let pivot = pivot_columns(&book.logs[layers_log])
            .map(|columns| GradNormPivot::new(&mut book.workbook, columns))
            .transpose()
            .map_err(|source| book.error_of(source))?;
        book.logs[layers_log].pivot = pivot;
        let gradients_log =
            book.add_log(sheet_name::<GradientRows>(), GradientRows::COLUMNS, sheet_rows)?;
        book.run = Some(RunSheets { charts_idx, run_idx, history_log, layers_log, rows: vec![] });
        let book = Arc::new(Mutex::new(book));
        let layers = WorkbookLayers {
            gradients: XlsxLayer::in_book(book.clone(), gradients_log),
            layer_summary: XlsxLayer::in_book(book.clone(), layers_log),
            history: XlsxLayer::in_book(book.clone(), history_log),
        };
        Ok((RunWorkbook { book }, layers))
    }

    /// Raises `stop` at the first failed write of any of the logs, so that a training run given
    /// the same [`StopSignal`] ends at the end of that step.
    pub fn with_stop(self, stop: StopSignal) -> Self {
        lock(&self.book).set_stop(stop);
        self
    }

    /// Adds a row to the `run` sheet: `name` in column `setting`, `value` in column `value`.
    pub fn add_run_row(&self, name: impl Into<String>, value: impl Into<RunValue>) {
        if let Some(run) = &mut lock(&self.book).run {
            run.rows.push((name.into(), value.into()));
        }
    }

    /// Adds the scalars of `value` to the `run` sheet, one row each, named by their path from
    /// `prefix` with `.` between the keys of nested objects (`settings.learning_rate`): a
    /// number, string or bool as one, `null` as an empty cell, an array as its JSON text
    /// (`[4,8,3]`).
    pub fn add_run_json(&self, prefix: &str, value: &serde_json::Value) {
        let mut rows = Vec::new();
        flatten(prefix, value, &mut rows);
        if let Some(run) = &mut lock(&self.book).run {
            run.rows.extend(rows);
        }
    }

    /// A guard that writes the workbook when dropped or by [`FlushGuard::finish`] (all the
    /// logs', and the run's sheets and charts), and reports the rows of all its logs together.
    pub fn flush_on_drop(&self) -> FlushGuard {
        FlushGuard::new(Arc::new(BookHandle { book: self.book.clone(), log: None, finishes: true }))
    }
}

impl std::fmt::Debug for RunWorkbook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunWorkbook").finish_non_exhaustive()
    }
}

/// Adds sheets `charts` (shown when the workbook opens) and `run`; returns their indices.
fn add_run_sheets(workbook: &mut Workbook) -> Result<(usize, usize), XlsxError> {
    let charts_idx = workbook.worksheets_mut().len();
    workbook.add_worksheet().set_name(CHARTS_SHEET)?.set_active(true);
    let run_idx = charts_idx + 1;
    let run = workbook.add_worksheet();
    run.set_name(RUN_SHEET)?;
    Ok((charts_idx, run_idx))
}

/// The layer log's epoch, step, layer and grad_norm columns.
fn pivot_columns(log: &SheetLog) -> Option<[usize; 4]> {
    Some([
        log.column("epoch")?,
        log.column("step")?,
        log.column("layer")?,
        log.column("grad_norm")?,
    ])
}

fn flatten(path: &str, value: &serde_json::Value, rows: &mut Vec<(String, RunValue)>) {
    use serde_json::Value;
    let cell = match value {
        Value::Object(object) => {
            for (key, value) in object {
                let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                flatten(&path, value, rows);
            }
            return;
        }
        Value::Null => RunValue::Empty,
        Value::Bool(value) => RunValue::Bool(*value),
        Value::Number(number) => match number.as_f64() {
            Some(number) => RunValue::Number(number),
            None => RunValue::Text(number.to_string()),
        },
        Value::String(text) => RunValue::Text(text.clone()),
        Value::Array(_) => RunValue::Text(value.to_string()),
    };
    rows.push((path.to_owned(), cell));
}

impl RunSheets {
    /// Writes the `run` sheet's rows and draws the charts. Call once, before saving.
    pub(super) fn finish(
        &mut self,
        workbook: &mut Workbook,
        logs: &[SheetLog],
    ) -> Result<(), XlsxError> {
        let run = workbook.worksheet_from_index(self.run_idx)?;
        let bold = header_format();
        run.write_string_with_format(0, 0, "setting", &bold)?;
        run.write_string_with_format(0, 1, "value", &bold)?;
        run.set_freeze_panes(1, 0)?;
        let mut name_width = "setting".len();
        for (row_idx, (name, value)) in self.rows.iter().enumerate() {
            let row_idx = 1 + row_idx as u32;
            name_width = name_width.max(name.chars().count());
            run.write_string(row_idx, 0, name)?;
            match value {
                RunValue::Empty => {}
                RunValue::Number(number) => {
                    run.write_number(row_idx, 1, *number)?;
                }
                RunValue::Text(text) => {
                    run.write_string(row_idx, 1, text)?;
                }
                RunValue::Bool(value) => {
                    run.write_boolean(row_idx, 1, *value)?;
                }
            }
        }
        run.set_column_width(0, (name_width + 2).min(60) as f64)?;
        run.set_column_width(1, 40.0)?;
        xlsx_charts::draw(
            workbook,
            self.charts_idx,
            &logs[self.history_log],
            &logs[self.layers_log],
        )
    }
}
