//! The CSV-writing `tracing-subscriber` layer, generic over the kind of rows it writes.

use std::fmt;
use std::fs::File;
use std::io::Write;
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
use super::state::{lock, LogState};
use crate::events::SPAN_TARGET;

/// The default row cap: 1,048,575 data rows, so that the log with its header fills at most one
/// Excel worksheet (1,048,576 rows).
pub const DEFAULT_MAX_ROWS: u64 = 1_048_576 - 1;

/// A `tracing-subscriber` layer that writes one CSV row per event of its [`RowKind`] to `W`.
///
/// Use it through its aliases [`GradientCsvLayer`](super::GradientCsvLayer),
/// [`LayerSummaryCsvLayer`](super::LayerSummaryCsvLayer) and
/// [`HistoryCsvLayer`](super::HistoryCsvLayer); the [module docs](super) list their columns.
///
/// The layer is interested in every callsite and ignores events of other targets itself (a
/// comparison of the target string). It does not filter in `register_callsite` or `enabled`:
/// without a per-layer filter, a layer that turns a callsite down turns it down for the whole
/// subscriber, so the `fmt` layer would lose it too, and a layer that turned down the training
/// spans would lose the epoch and step columns. To have events of other targets never reach the
/// layer, install it with a per-layer filter that lets the training spans through:
/// `layer.with_filter(GradientCsvLayer::default_filter())`.
pub struct CsvLayer<K, W: Write = File> {
    pub(super) kind: K,
    max_rows: u64,
    log: Arc<Mutex<LogState<W>>>,
    /// Each thread's epoch, step and precision, from the training spans it is inside.
    counters: ThreadCounters,
}

impl<K: RowKind, W: Write + Send + 'static> CsvLayer<K, W> {
    /// A layer writing to `writer`, with no row filters and a cap of [`DEFAULT_MAX_ROWS`] rows.
    ///
    /// The header is written at once. `writer` need not be buffered: `csv::Writer` buffers. Get a
    /// guard that flushes it with [`CsvLayer::flush_on_drop`].
    pub fn new(writer: W) -> Self {
        CsvLayer::with_path(writer, None)
    }

    fn with_path(writer: W, path: Option<&Path>) -> Self {
        let state =
            LogState::new(writer, K::COLUMNS, path.map(Path::to_path_buf), K::WRITE_EVERY_ROW);
        CsvLayer {
            kind: K::default(),
            max_rows: DEFAULT_MAX_ROWS,
            log: Arc::new(Mutex::new(state)),
            counters: ThreadCounters::default(),
        }
    }

    /// Writes at most `max_rows` data rows (the header not counted); the rows after them are
    /// counted by [`FlushGuard::rows_dropped`] and not written. Default: [`DEFAULT_MAX_ROWS`],
    /// what fits in one Excel worksheet.
    pub fn with_max_rows(mut self, max_rows: u64) -> Self {
        self.max_rows = max_rows;
        self
    }

    /// Raises `stop` at the first failed write, so that a training run given the same
    /// [`StopSignal`](crate::StopSignal) in its [`TrainConfig`](crate::TrainConfig) ends at the
    /// end of that step rather than after every epoch. The error itself comes from
    /// [`FlushGuard::flush`].
    pub fn with_stop(self, stop: crate::StopSignal) -> Self {
        lock(&self.log).set_stop(stop);
        self
    }

    /// A guard that flushes the log when dropped, and reports its row counts.
    pub fn flush_on_drop(&self) -> FlushGuard {
        FlushGuard::new(self.log.clone())
    }
}

impl<K: RowKind> CsvLayer<K> {
    /// Creates (or truncates) the file at `path` and returns a layer writing to it, with the
    /// guard that flushes it.
    ///
    /// # Errors
    ///
    /// [`Error::CreateFile`], naming `path`, if the file cannot be created.
    pub fn with_file(path: impl AsRef<Path>) -> Result<(Self, FlushGuard), Error> {
        let path = path.as_ref();
        let file = File::create(path)
            .map_err(|source| Error::CreateFile { path: path.to_path_buf(), source })?;
        let layer = CsvLayer::with_path(file, Some(path));
        let guard = layer.flush_on_drop();
        Ok((layer, guard))
    }

    /// A layer writing to `file`, an already open `path` (such as the file of an
    /// [`OutputFile`](crate::output_file::OutputFile)); errors name `path`.
    pub fn with_named_writer(file: File, path: impl AsRef<Path>) -> Self {
        CsvLayer::with_path(file, Some(path.as_ref()))
    }

    /// A per-layer filter enabling what the layer reads: the trainer's spans (target
    /// [`SPAN_TARGET`], INFO), whose `epoch` and `step` fill those columns, and the layer's
    /// events.
    ///
    /// Install the layer as `layer.with_filter(GradientCsvLayer::default_filter())`. A filter of
    /// one's own must let the `mlp_train::train` spans through too, or the epoch and step columns
    /// come out empty; `Targets` can be extended with `with_target`.
    pub fn default_filter() -> Targets {
        // The training spans are INFO (see the table in `crate::events`).
        Targets::new().with_target(SPAN_TARGET, Level::INFO).with_target(K::TARGET, K::LEVEL)
    }
}

impl<K: fmt::Debug, W: Write> fmt::Debug for CsvLayer<K, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvLayer")
            .field("kind", &self.kind)
            .field("max_rows", &self.max_rows)
            .finish_non_exhaustive()
    }
}

impl<S, K, W> Layer<S> for CsvLayer<K, W>
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    K: RowKind,
    W: Write + Send + 'static,
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
        // The spans of the thread that emits the event: the trainer's own.
        let counters = self.counters.get();
        let mut log = lock(&self.log);
        if !log.is_writable() {
            return;
        }
        if log.is_full(self.max_rows) {
            // Nothing more is written; count the rows that would have been, reading their
            // fields only where the filters need them.
            let kept = !self.kind.filters_cells() || {
                log.row.fill(event, counters);
                self.kind.keep(&log.row)
            };
            if kept {
                log.count_dropped();
            }
            return;
        }
        log.row.fill(event, counters);
        if self.kind.keep(&log.row) {
            log.write_row(counters.precision);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use tracing_subscriber::prelude::*;

    use super::*;
    use crate::events::{emit_epoch, epoch_span, EpochRecord};
    use crate::gradlog::test_support::{key_columns, run, train_fixture, SharedBuffer};
    use crate::gradlog::{GradientCsvLayer, HistoryCsvLayer};

    /// An Excel worksheet holds 1,048,576 rows (2^20; LibreOffice Calc's too since 7.4): the
    /// header and 1,048,575 data rows. A layer left at its default writes that many and
    /// counts the rest as dropped.
    #[test]
    fn default_row_cap_fills_one_spreadsheet_sheet_with_the_header() {
        assert_eq!(DEFAULT_MAX_ROWS, 1_048_575);
        let layer = GradientCsvLayer::new(io::sink());
        let guard = layer.flush_on_drop();
        run(layer, || {
            let record = crate::events::GradientRecord::default();
            for _ in 0..1_048_575 + 7 {
                crate::events::emit_gradient(&record);
            }
        });
        assert_eq!((guard.rows_written(), guard.rows_dropped()), (1_048_575, 7));
        assert!(guard.truncated());
    }

    #[test]
    fn row_cap_stops_writing_and_reports_truncation() {
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone()).with_max_rows(3);
        let guard = layer.flush_on_drop();
        run(layer, train_fixture);
        guard.flush().unwrap();
        assert_eq!(key_columns(&buffer.text(), 5), ["1,1,1,1,W1", "1,1,1,1,b1", "1,1,1,2,W2"]);
        assert_eq!((guard.rows_written(), guard.rows_dropped()), (3, 29));
        assert!(guard.truncated());
    }

    #[test]
    fn row_cap_reached_exactly_is_not_truncation() {
        let layer = GradientCsvLayer::new(io::sink()).with_max_rows(32);
        let guard = layer.flush_on_drop();
        run(layer, train_fixture);
        assert_eq!((guard.rows_written(), guard.rows_dropped()), (32, 0));
        assert!(!guard.truncated());
    }

    #[test]
    fn with_file_writes_the_file_and_the_guard_flushes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gradients.csv");
        let (layer, guard) = GradientCsvLayer::with_file(&path).unwrap();
        run(layer, train_fixture);
        drop(guard);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1 + 32);
        assert!(text.starts_with("epoch,step,sample,"));
        assert!(text.ends_with("2,4,4,2,b2,1,,0.5,,,-0.0625,1.0,-0.046875,0.5046875\n"), "{text}");
    }

    #[test]
    fn with_file_error_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("history.csv");
        let error = HistoryCsvLayer::with_file(&path).unwrap_err();
        assert!(matches!(&error, Error::CreateFile { path: p, .. } if *p == path));
        assert_eq!(error.to_string(), format!("cannot create CSV log {}", path.display()));
    }

    /// A writer that accepts `capacity` bytes and then fails.
    struct FailingWriter {
        capacity: usize,
    }

    impl Write for FailingWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.capacity {
                return Err(io::Error::other("disk full"));
            }
            self.capacity -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A writer that keeps each buffer it is handed apart.
    #[derive(Clone, Default)]
    struct RecordingWriter(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Write for RecordingWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().push(buf.to_vec());
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Whatever cuts the process off between two writes (SIGKILL, a crash) leaves whole rows:
    /// every buffer handed to the writer ends a row, the header at once.
    #[test]
    fn hands_the_writer_whole_rows_only() {
        let writer = RecordingWriter::default();
        let layer = GradientCsvLayer::new(writer.clone());
        let guard = layer.flush_on_drop();
        assert_eq!(writer.0.lock().unwrap().len(), 1, "the header is written at once");
        run(layer, || (0..100).for_each(|_| train_fixture()));
        let n_before_flush = writer.0.lock().unwrap().len();
        guard.flush().unwrap();
        let writes = writer.0.lock().unwrap().clone();
        assert!(n_before_flush >= 3, "{n_before_flush} writes: rows are written as they come");
        assert!(writes.len() > n_before_flush, "flush writes the rows kept");
        for (idx, buf) in writes.iter().enumerate() {
            assert_eq!(buf.last(), Some(&b'\n'), "write {idx} ends inside a row");
            assert!(idx == 0 || buf.len() <= super::super::state::WRITE_AT + 200, "{}", buf.len());
        }
        let text = String::from_utf8(writes.concat()).unwrap();
        assert_eq!(text.lines().count(), 1 + 100 * 32);
        assert!(text.lines().all(|line| line.split(',').count() == 14));
    }

    #[test]
    fn history_rows_are_written_one_by_one() {
        let writer = RecordingWriter::default();
        let layer = HistoryCsvLayer::new(writer.clone());
        let _guard = layer.flush_on_drop();
        run(layer, || {
            for epoch in 1..=3 {
                emit_epoch(&EpochRecord { epoch, ..EpochRecord::default() });
            }
        });
        assert_eq!(writer.0.lock().unwrap().len(), 4);
    }

    #[test]
    fn the_first_failed_write_raises_the_stop_signal() {
        // The header fails at once: the signal is raised as soon as it is given.
        let stop = crate::StopSignal::new();
        let layer = GradientCsvLayer::new(FailingWriter { capacity: 0 }).with_stop(stop.clone());
        assert!(stop.is_raised());
        drop(layer);

        let stop = crate::StopSignal::new();
        let layer =
            GradientCsvLayer::new(FailingWriter { capacity: 10_000 }).with_stop(stop.clone());
        let guard = layer.flush_on_drop();
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        tracing::dispatcher::with_default(&dispatch, train_fixture);
        assert!(!stop.is_raised(), "rows kept in the buffer have not been written yet");
        tracing::dispatcher::with_default(&dispatch, || (0..100).for_each(|_| train_fixture()));
        assert!(stop.is_raised());
        assert!(guard.flush().is_err());
    }

    /// A log whose write fails ends the training run at the end of that step, not after every
    /// epoch.
    #[test]
    fn a_failed_write_ends_the_training_run_at_that_step() {
        use mlp_core::{Activation, Architecture, Loss, Network};
        let architecture = Architecture {
            sizes: vec![4, 16, 3],
            hidden_activation: Activation::Tanh,
            output_activation: Activation::Softmax,
            bias: true,
            loss: Loss::CrossEntropy,
        };
        let mut network = Network::<f64>::initialized(&architecture, None, 1).unwrap();
        let inputs = nalgebra::DMatrix::from_fn(4, 64, |i, j| ((i * 7 + j * 3) % 11) as f64 / 11.0);
        let targets = nalgebra::DMatrix::from_fn(3, 64, |i, j| f64::from(u8::from(j % 3 == i)));
        let data = crate::Dataset::numbered(inputs, targets).unwrap();
        let stop = crate::StopSignal::new();
        // Room for the header and a few rows: the first 64 KiB handed over fails, in step 1.
        let layer = GradientCsvLayer::new(FailingWriter { capacity: 1000 }).with_stop(stop.clone());
        let guard = layer.flush_on_drop();
        let config = crate::TrainConfig {
            epochs: 1000,
            batch_size: 16,
            stop: Some(stop.clone()),
            ..crate::TrainConfig::default()
        };
        let subscriber = tracing_subscriber::registry().with(layer);
        let report = tracing::subscriber::with_default(subscriber, || {
            crate::train(&mut network, &data, None, &config).unwrap()
        });
        assert_eq!(report.stop_reason, crate::StopReason::Interrupted);
        assert_eq!(report.steps, 1);
        assert!(report.history.is_empty());
        assert!(matches!(guard.flush(), Err(Error::Write { .. })));
    }

    #[test]
    fn write_errors_are_reported_by_flush() {
        let layer = GradientCsvLayer::new(FailingWriter { capacity: 0 });
        let guard = layer.flush_on_drop();
        run(layer, train_fixture);
        let error = guard.flush().unwrap_err();
        assert!(matches!(error, Error::Write { path: None, .. }), "{error:?}");
        assert_eq!(error.to_string(), "cannot write CSV log");
    }

    #[test]
    fn stops_writing_after_a_write_error() {
        // Rows are handed over 64 KiB at a time; 1,280 rows of about 80 bytes overflow that.
        let layer = GradientCsvLayer::new(FailingWriter { capacity: 10_000 });
        let guard = layer.flush_on_drop();
        run(layer, || (0..40).for_each(|_| train_fixture()));
        assert!(guard.rows_written() < 40 * 32);
        let error = guard.flush().unwrap_err();
        assert!(matches!(&error, Error::Write { .. }));
        assert_eq!(
            io::Error::other("disk full").to_string(),
            std::error::Error::source(&error).unwrap().to_string()
        );
        // Reported once; the log stays closed.
        guard.flush().unwrap();
    }

    /// Both layers store the span numbers in the same span's extensions; the second must not
    /// panic, and each must see them.
    #[test]
    fn two_layers_on_one_registry() {
        let gradient_buffer = SharedBuffer::default();
        let gradient_layer = GradientCsvLayer::new(gradient_buffer.clone());
        let gradient_guard = gradient_layer.flush_on_drop();
        let history_buffer = SharedBuffer::default();
        let history_layer = HistoryCsvLayer::new(history_buffer.clone());
        let history_guard = history_layer.flush_on_drop();
        let subscriber = tracing_subscriber::registry().with(gradient_layer).with(history_layer);
        tracing::subscriber::with_default(subscriber, || {
            train_fixture();
            let _epoch = epoch_span(3).entered();
            emit_epoch(&EpochRecord { epoch: 3, loss: 0.125, ..EpochRecord::default() });
        });
        gradient_guard.flush().unwrap();
        history_guard.flush().unwrap();
        let gradient_keys = key_columns(&gradient_buffer.text(), 5);
        assert_eq!(gradient_keys.len(), 32);
        assert_eq!(
            (gradient_keys[0].as_str(), gradient_keys[31].as_str()),
            ("1,1,1,1,W1", "2,4,4,2,b2")
        );
        assert_eq!(
            history_buffer.text(),
            "epoch,loss,val_loss,accuracy,val_accuracy,learning_rate,seconds,mse,val_mse,r2,val_r2\n\
             3,0.125,,,,0.0,0.0,,,,\n"
        );
    }

    /// The same, with the gradient layer behind its per-layer filter and a history layer without.
    #[test]
    fn filtered_and_unfiltered_layers_on_one_registry() {
        let gradient_buffer = SharedBuffer::default();
        let gradient_layer = GradientCsvLayer::new(gradient_buffer.clone());
        let gradient_guard = gradient_layer.flush_on_drop();
        let history_buffer = SharedBuffer::default();
        let history_layer = HistoryCsvLayer::new(history_buffer.clone());
        let history_guard = history_layer.flush_on_drop();
        let subscriber = tracing_subscriber::registry()
            .with(gradient_layer.with_filter(GradientCsvLayer::default_filter()))
            .with(history_layer);
        tracing::subscriber::with_default(subscriber, || {
            train_fixture();
            emit_epoch(&EpochRecord { epoch: 2, loss: 0.25, ..EpochRecord::default() });
        });
        gradient_guard.flush().unwrap();
        history_guard.flush().unwrap();
        let gradient_keys = key_columns(&gradient_buffer.text(), 5);
        assert_eq!(gradient_keys.len(), 32);
        assert_eq!(gradient_keys[31], "2,4,4,2,b2");
        assert_eq!(key_columns(&history_buffer.text(), 2), ["2,0.25"]);
    }
}
