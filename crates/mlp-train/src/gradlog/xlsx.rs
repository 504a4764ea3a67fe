//! The gradient log as an Excel 2007+ workbook (`.xlsx`): the layer that writes the rows of a
//! [`RowKind`] into worksheets, beside the CSV layers and fed by the same events.

use std::fmt;
use std::fs::File;
use std::io::{Seek, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use tracing::{span, Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::error::Error;
use super::guard::FlushGuard;
use super::kind::RowKind;
use super::spans::ThreadCounters;
use super::xlsx_book::{lock, Book, BookHandle};
use super::GradientRows;
use crate::events::{EPOCH_TARGET, GRADIENT_TARGET, LAYER_TARGET, SPAN_TARGET};
use crate::StopSignal;

/// The data rows of one worksheet: 1,048,575, with the header Excel's 1,048,576 rows.
pub const SHEET_ROWS: u64 = 1_048_576 - 1;

/// The default row cap of a workbook log: ten full worksheets, 10,485,750 rows (about a minute
/// of writing and another of compressing at close, in constant memory).
pub const DEFAULT_XLSX_MAX_ROWS: u64 = 10 * SHEET_ROWS;

/// A `tracing-subscriber` layer that writes one row per event of its [`RowKind`] into an
/// Excel 2007+ workbook: the same columns and rows as the [`CsvLayer`](super::CsvLayer) of that
/// kind, fed by the same events. Use it as [`GradientXlsxLayer`].
///
/// # The workbook
///
/// One worksheet, `gradients` for the gradient log (`layers`, `history` for the others), with
/// the header in row 1, frozen, the autofilter on, and column widths that show ten digits of a
/// float. Past [`SHEET_ROWS`] data rows (Excel's limit) the rows continue on `gradients 2`,
/// `gradients 3`, …, each with its header, up to the row cap ([`DEFAULT_XLSX_MAX_ROWS`], or
/// [`XlsxLayer::with_max_rows`]); later rows are counted by [`FlushGuard::rows_dropped`].
///
/// Numbers are stored as numbers (IEEE doubles; the file holds the exact value, whatever a
/// spreadsheet shows): a float is the `f64` the event gave, which in an f32 run is the `f32`
/// widened, exactly (the CSV log writes the shortest text of the `f32` instead: parse it as an
/// `f32` to compare). An integer is stored as a number too, a string as a string; a cell the CSV
/// log leaves empty is empty; NaN and the infinities, which a workbook cannot hold as numbers,
/// are the strings `NaN`, `inf` and `-inf`, as in the CSV.
///
/// # Closing
///
/// A workbook is a zip archive, valid only once written whole: the rows go to a temporary file
/// per worksheet (constant memory: memory does not grow with the rows) and the workbook is
/// compressed into its file when the log is finished, by [`FlushGuard::finish`] or by dropping
/// the guard. [`FlushGuard::flush`] only reports errors. Until then the file (or writer) holds
/// nothing; a process killed before leaves it empty.
///
/// ```
/// use mlp_train::events::{emit_gradient, epoch_span, step_span, GradientRecord};
/// use mlp_train::gradlog::GradientXlsxLayer;
/// use tracing_subscriber::prelude::*;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("gradients.xlsx");
/// let (layer, guard) = GradientXlsxLayer::with_file(&path)?;
/// let subscriber = tracing_subscriber::registry().with(layer.with_layers([1]));
/// tracing::subscriber::with_default(subscriber, || {
///     let _epoch = epoch_span(1).entered();
///     let _step = step_span(1).entered();
///     emit_gradient(&GradientRecord { layer: 1, weight: 0.5, ..GradientRecord::default() });
///     emit_gradient(&GradientRecord { layer: 2, ..GradientRecord::default() });
/// });
/// guard.finish()?;
/// assert_eq!(guard.rows_written(), 1);
/// assert!(std::fs::metadata(&path)?.len() > 0);
/// # Ok(())
/// # }
/// ```
pub struct XlsxLayer<K> {
    kind: K,
    max_rows: u64,
    book: Arc<Mutex<Book>>,
    /// This layer's log in the book.
    log: usize,
    /// Whether this layer's guard writes the workbook (a workbook of this log alone).
    owns_book: bool,
    /// Each thread's epoch, step and precision, from the training spans it is inside.
    counters: ThreadCounters,
}

/// Writes the gradient log into a workbook; see [`XlsxLayer`].
pub type GradientXlsxLayer = XlsxLayer<GradientRows>;

/// The worksheet name of a kind's log.
pub(super) fn sheet_name<K: RowKind>() -> &'static str {
    match K::TARGET {
        GRADIENT_TARGET => "gradients",
        LAYER_TARGET => "layers",
        EPOCH_TARGET => "history",
        _ => "log",
    }
}

impl<K: RowKind> XlsxLayer<K> {
    /// A layer writing its workbook to `writer` when finished, with no row filters, a cap of
    /// [`DEFAULT_XLSX_MAX_ROWS`] rows and [`SHEET_ROWS`] rows per sheet. The worksheets' rows
    /// wait in temporary files in the system's temporary directory.
    ///
    /// # Errors
    ///
    /// [`Error::Workbook`] if the first worksheet cannot be started.
    pub fn new(writer: impl Write + Seek + Send + 'static) -> Result<Self, Error> {
        XlsxLayer::alone(Book::new(Box::new(writer), None)?)
    }

    /// The layer of a workbook holding its log alone.
    fn alone(mut book: Book) -> Result<Self, Error> {
        let log = book.add_log(sheet_name::<K>(), K::COLUMNS, SHEET_ROWS as u32)?;
        let mut layer = XlsxLayer::in_book(Arc::new(Mutex::new(book)), log);
        layer.owns_book = true;
        Ok(layer)
    }

    /// The layer writing log `log` of `book`.
    pub(super) fn in_book(book: Arc<Mutex<Book>>, log: usize) -> Self {
        XlsxLayer {
            kind: K::default(),
            max_rows: DEFAULT_XLSX_MAX_ROWS,
            book,
            log,
            owns_book: false,
            counters: ThreadCounters::default(),
        }
    }

    /// Creates (or truncates) the file at `path` and returns a layer writing its workbook there,
    /// with the guard that finishes it. The worksheets' rows wait in temporary files beside it
    /// (removed by the OS even if the process is killed).
    ///
    /// # Errors
    ///
    /// [`Error::CreateFile`], naming `path`, if the file cannot be created.
    pub fn with_file(path: impl AsRef<Path>) -> Result<(Self, FlushGuard), Error> {
        let path = path.as_ref();
        let file = File::create(path)
            .map_err(|source| Error::CreateFile { path: path.to_path_buf(), source })?;
        let layer = XlsxLayer::with_named_writer(file, path)?;
        let guard = layer.flush_on_drop();
        Ok((layer, guard))
    }

    /// A layer writing its workbook to `file`, an already open `path` (such as the file of an
    /// [`OutputFile`](crate::output_file::OutputFile)); errors name `path`, and the worksheets'
    /// rows wait in temporary files in its directory.
    ///
    /// # Errors
    ///
    /// [`Error::Workbook`] if the first worksheet cannot be started.
    pub fn with_named_writer(file: File, path: impl AsRef<Path>) -> Result<Self, Error> {
        XlsxLayer::alone(Book::new(Box::new(file), Some(path.as_ref()))?)
    }

    /// Writes at most `max_rows` data rows, over as many sheets as they need; the rows after
    /// them are counted by [`FlushGuard::rows_dropped`]. Default: [`DEFAULT_XLSX_MAX_ROWS`].
    pub fn with_max_rows(mut self, max_rows: u64) -> Self {
        self.max_rows = max_rows;
        self
    }

    /// Starts a new sheet every `sheet_rows` data rows (at least 1, at most and by default
    /// [`SHEET_ROWS`]), for tests and for sheets a smaller spreadsheet can open. Call before the
    /// first row.
    pub fn with_sheet_rows(self, sheet_rows: u64) -> Self {
        let sheet_rows = u32::try_from(sheet_rows.clamp(1, SHEET_ROWS)).unwrap_or(1);
        if let Some(log) = lock(&self.book).logs.get_mut(self.log) {
            log.sheets.set_sheet_rows(sheet_rows);
        }
        self
    }

    /// Raises `stop` at the first failed write, so that a training run given the same
    /// [`StopSignal`] ends at the end of that step. The error comes from [`FlushGuard::flush`].
    /// In a [`RunWorkbook`](super::RunWorkbook), any of its logs' failures raises it.
    pub fn with_stop(self, stop: StopSignal) -> Self {
        lock(&self.book).set_stop(stop);
        self
    }

    /// A guard that reports this log's row counts and errors, and finishes the workbook when
    /// dropped or by [`FlushGuard::finish`]; in a [`RunWorkbook`](super::RunWorkbook), the
    /// workbook's own guard ([`RunWorkbook::flush_on_drop`](super::RunWorkbook::flush_on_drop))
    /// finishes it instead.
    pub fn flush_on_drop(&self) -> FlushGuard {
        FlushGuard::new(Arc::new(BookHandle {
            book: self.book.clone(),
            log: Some(self.log),
            finishes: self.owns_book,
        }))
    }

    /// A per-layer filter enabling the trainer's spans and the layer's events, as
    /// [`CsvLayer::default_filter`](super::CsvLayer::default_filter).
    pub fn default_filter() -> Targets {
        Targets::new().with_target(SPAN_TARGET, Level::INFO).with_target(K::TARGET, K::LEVEL)
    }
}

/// Row filters, as those of [`GradientCsvLayer`](super::GradientCsvLayer).
impl XlsxLayer<GradientRows> {
    /// Keeps only the rows of these 1-based weight layers.
    pub fn with_layers(mut self, layers: impl IntoIterator<Item = usize>) -> Self {
        self.kind.keep_layers(layers);
        self
    }

    /// Keeps only the rows of these parameters (`W1`..`Wn`, `b1`..`bn`).
    pub fn with_params<I>(mut self, params: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.kind.keep_params(params);
        self
    }

    /// Keeps only the rows of these 1-based samples.
    pub fn with_samples(mut self, samples: impl IntoIterator<Item = usize>) -> Self {
        self.kind.keep_samples(samples);
        self
    }
}

impl<K: fmt::Debug> fmt::Debug for XlsxLayer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XlsxLayer")
            .field("kind", &self.kind)
            .field("max_rows", &self.max_rows)
            .finish_non_exhaustive()
    }
}

impl<S, K> Layer<S> for XlsxLayer<K>
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    K: RowKind,
{
    fn on_new_span(&self, attributes: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        ThreadCounters::on_new_span(attributes, id, ctx);
    }

    fn on_enter(&self, id: &span::Id, ctx: Context<'_, S>) {
        self.counters.on_enter(id, ctx);
    }

    fn on_exit(&self, id: &span::Id, ctx: Context<'_, S>) {
        self.counters.on_exit(id, ctx);
    }

    #[inline]
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != K::TARGET {
            return;
        }
        let counters = self.counters.get();
        let mut guard = lock(&self.book);
        let book = &mut *guard;
        if !book.open() {
            return;
        }
        let Some(log) = book.logs.get_mut(self.log) else { return };
        // As the CSV layer, whose hot path keeps this inline (a shared function measured 3%
        // slower on its worst-case rows).
        if log.n_rows_written >= self.max_rows {
            let kept = !self.kind.filters_cells() || {
                log.row.fill(event, counters);
                self.kind.keep(&log.row)
            };
            if kept {
                log.n_rows_dropped += 1;
            }
            return;
        }
        log.row.fill(event, counters);
        if self.kind.keep(&log.row) {
            if let Err(error) = log.write_row(&mut book.workbook) {
                book.fail(error);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use calamine::Data;
    use rand::{Rng, SeedableRng};
    use tracing_subscriber::prelude::*;

    use super::*;
    use crate::events::{emit_gradient, epoch_span, step_span, GradientRecord, Precision};
    use crate::gradlog::test_support::{
        assert_cells_equal_csv, name, read_sheets, sheet_xml, train_fixture, train_span,
        SharedBuffer,
    };
    use crate::gradlog::GradientCsvLayer;

    /// A random gradient log of 10,000 rows from f64 and f32 runs, with NaN, infinities and
    /// empty cells, written by a CSV and a workbook layer from the same events, the workbook
    /// 4,000 rows a sheet: three sheets whose every cell equals the CSV's.
    #[test]
    fn random_rows_over_three_sheets_equal_the_csv_log_cell_for_cell() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
        let value = |rng: &mut rand_chacha::ChaCha8Rng, precision: Precision| match rng
            .random_range(0..50)
        {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => 0.1 + 0.2,
            _ => {
                let value = rng.random_range(-2.0..2.0) * 10f64.powi(rng.random_range(-12..12));
                if precision == Precision::F32 {
                    f64::from(value as f32)
                } else {
                    value
                }
            }
        };
        let n_rows = 10_000;
        let mut records = Vec::new();
        for row_idx in 0..n_rows {
            let precision = if (row_idx / 500) % 2 == 1 { Precision::F32 } else { Precision::F64 };
            let maybe = |rng: &mut rand_chacha::ChaCha8Rng| {
                rng.random_bool(0.7).then(|| value(rng, precision))
            };
            let record = GradientRecord {
                sample: rng.random_range(1..=150),
                layer: rng.random_range(1..=3),
                param: name(["W1", "b1", "W2", "b2", "W3", "b3"][rng.random_range(0..6)]),
                to: rng.random_range(1..=8),
                from: Some(rng.random_range(1..=5)).filter(|&from| from < 5),
                weight: value(&mut rng, precision),
                dE_da: maybe(&mut rng),
                da_dz: maybe(&mut rng),
                dE_dz: value(&mut rng, precision),
                dz_dw: value(&mut rng, precision),
                dE_dw: value(&mut rng, precision),
                weight_new: value(&mut rng, precision),
            };
            records.push((record, precision));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gradients.xlsx");
        let (xlsx, xlsx_guard) = GradientXlsxLayer::with_file(&path).unwrap();
        let buffer = SharedBuffer::default();
        let csv_layer = GradientCsvLayer::new(buffer.clone());
        let csv_guard = csv_layer.flush_on_drop();
        let subscriber =
            tracing_subscriber::registry().with(xlsx.with_sheet_rows(4000)).with(csv_layer);
        tracing::subscriber::with_default(subscriber, || {
            for (chunk_idx, chunk) in records.chunks(1000).enumerate() {
                let _epoch = epoch_span(1 + chunk_idx / 4).entered();
                let _step = step_span(1 + chunk_idx).entered();
                for run in chunk.chunks(500) {
                    let _train = train_span(run[0].1).entered();
                    run.iter().for_each(|(record, _)| emit_gradient(record));
                }
            }
        });
        csv_guard.flush().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "nothing before finish");
        xlsx_guard.finish().unwrap();
        assert_eq!((xlsx_guard.rows_written(), xlsx_guard.rows_dropped()), (10_000, 0));

        let sheets = read_sheets(&path);
        let names: Vec<&str> = sheets.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["gradients", "gradients 2", "gradients 3"]);
        let text = buffer.text();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        let data: Vec<&str> = lines.collect();
        let f32_rows: Vec<bool> =
            records.iter().map(|&(_, precision)| precision == Precision::F32).collect();
        let mut n_f32_differing = 0;
        for (sheet_idx, (_, rows)) in sheets.iter().enumerate() {
            let range = sheet_idx * 4000..((sheet_idx + 1) * 4000).min(n_rows);
            assert_eq!(rows.len(), 1 + range.len(), "sheet {sheet_idx}");
            let mut csv_text = format!("{header}\n");
            for line in &data[range.clone()] {
                csv_text.push_str(line);
                csv_text.push('\n');
            }
            assert_cells_equal_csv(rows, &csv_text, &f32_rows[range.clone()]);
            // The f32 rows hold the widened f32, which the shortest f32 text parsed as an
            // f64 is not.
            for (row, &(record, precision)) in rows[1..].iter().zip(&records[range]) {
                if precision == Precision::F32 && record.weight.is_finite() {
                    assert_eq!(row[7], Data::Float(record.weight));
                    n_f32_differing += usize::from(
                        crate::gradlog::float_text::reference_text(record.weight, precision)
                            .parse::<f64>()
                            .unwrap()
                            != record.weight,
                    );
                }
            }
            let xml = sheet_xml(&path, sheet_idx + 1);
            assert!(
                xml.contains(
                    r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
                ),
                "{xml:.2000}"
            );
            let last_row = rows.len();
            assert!(xml.contains(&format!(r#"<autoFilter ref="A1:N{last_row}"/>"#)), "{xml:.2000}");
            assert!(xml.contains("<cols>"), "column widths");
        }
        assert!(n_f32_differing > 1000, "{n_f32_differing}");
    }

    #[test]
    fn row_cap_counts_the_rows_left_out_and_sheets_split_at_their_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.xlsx");
        let (layer, guard) = GradientXlsxLayer::with_file(&path).unwrap();
        let layer = layer.with_max_rows(10).with_sheet_rows(5).with_layers([2]);
        tracing::subscriber::with_default(
            tracing_subscriber::registry().with(layer),
            train_fixture,
        );
        guard.finish().unwrap();
        assert_eq!((guard.rows_written(), guard.rows_dropped()), (10, 6));
        let sheets = read_sheets(&path);
        assert_eq!(sheets.len(), 2);
        assert_eq!(sheets[1].0, "gradients 2");
        assert_eq!(sheets[1].1.len(), 6);
        assert_eq!(sheets[0].1[0][0], Data::String("epoch".into()));
        assert_eq!(sheets[0].1[1][4], Data::String("W2".into()));
        assert_eq!(sheets[0].1[1][6], Data::Float(1.0), "from");
    }

    /// With no rows, the workbook has the header and its one sheet; finishing twice writes it
    /// once.
    #[test]
    fn an_empty_log_is_a_workbook_with_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.xlsx");
        let (_layer, guard) = GradientXlsxLayer::with_file(&path).unwrap();
        guard.flush().unwrap();
        guard.finish().unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        guard.finish().unwrap();
        drop(guard);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), len);
        let sheets = read_sheets(&path);
        assert_eq!(sheets.len(), 1);
        assert_eq!(sheets[0].1.len(), 1);
        assert_eq!(sheets[0].1[0].len(), 14);
        assert_eq!(sheets[0].1[0][13], Data::String("weight_new".into()));
    }

    /// A writer that fails: the error comes from `finish`, names the workbook, and raises the
    /// stop signal.
    #[test]
    fn a_failed_write_is_reported_and_stops_the_run() {
        struct Failing;
        impl Write for Failing {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        impl Seek for Failing {
            fn seek(&mut self, _: std::io::SeekFrom) -> std::io::Result<u64> {
                Ok(0)
            }
        }
        let stop = StopSignal::new();
        let layer = GradientXlsxLayer::new(Failing).unwrap().with_stop(stop.clone());
        let guard = layer.flush_on_drop();
        tracing::subscriber::with_default(
            tracing_subscriber::registry().with(layer),
            train_fixture,
        );
        assert!(!stop.is_raised());
        let error = guard.finish().unwrap_err();
        assert!(matches!(error, Error::Workbook { path: None, .. }), "{error:?}");
        assert_eq!(error.to_string(), "cannot write workbook");
        assert!(stop.is_raised());
        assert!(guard.finish().is_ok(), "reported once");
    }
}
