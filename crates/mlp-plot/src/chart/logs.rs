//! Reading the training logs back: the history (`mlp train --history`) and the layer summary
//! log (`mlp train --layer-log`), into the records the trainer emitted.

use std::io::Read;
use std::path::{Path, PathBuf};

use mlp_train::events::{
    EpochField, EpochRecord, LayerField, LayerRecord, EPOCH_FIELD, STEP_FIELD,
};
use mlp_train::output_file::ShortPath;

/// A history file read back: one [`EpochRecord`] per row, in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// The rows.
    pub epochs: Vec<EpochRecord>,
}

/// One row of a layer summary log: where it was logged and the layer's summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerRow {
    /// 1-based epoch.
    pub epoch: usize,
    /// 1-based optimizer step over the whole run.
    pub step: usize,
    /// The layer's summary at that step.
    pub record: LayerRecord,
}

/// A layer summary log read back: one [`LayerRow`] per weight layer and logged step, in file
/// order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LayerLog {
    /// The rows.
    pub rows: Vec<LayerRow>,
}

/// A log that cannot be read: where, and why. Displayed as `FILE: line N, column M: WHY`
/// (the line and column when there are some).
#[derive(Debug, thiserror::Error)]
#[error("{}: {}{kind}", ShortPath(path), Place(*line, *column))]
pub struct LogError {
    path: PathBuf,
    line: Option<u64>,
    column: Option<usize>,
    /// In the message; not a `source`, so that a chain of causes does not repeat it.
    kind: LogErrorKind,
}

impl LogError {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The 1-based line of the file, when the error has one.
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// The 1-based column (field) of that line, when the error has one.
    pub fn column(&self) -> Option<usize> {
        self.column
    }

    /// What is wrong.
    pub fn kind(&self) -> &LogErrorKind {
        &self.kind
    }
}

/// `line N, column M: ` or `line N: ` or nothing.
struct Place(Option<u64>, Option<usize>);

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.0, self.1) {
            (Some(line), Some(column)) => write!(f, "line {line}, column {column}: "),
            (Some(line), None) => write!(f, "line {line}: "),
            _ => Ok(()),
        }
    }
}

/// What is wrong with a log, in [`LogError`]. The message includes the cause (an I/O or
/// CSV error), which is therefore not a `source`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogErrorKind {
    /// The file cannot be read.
    #[error("cannot read it: {0}")]
    Io(std::io::Error),
    /// The header lacks a column the log always has.
    #[error("no column {column:?} in the header: not a {log} file")]
    MissingColumn {
        /// The column.
        column: &'static str,
        /// The log expected: `history` or `layer log`.
        log: &'static str,
    },
    /// A row has another number of fields than the header.
    #[error("{found} fields where the header has {expected}")]
    FieldCount {
        /// Fields in the header.
        expected: u64,
        /// Fields in the row.
        found: u64,
    },
    /// A cell that must hold a number does not.
    #[error("{text:?} in column {column} is not a number")]
    NotANumber {
        /// The column.
        column: &'static str,
        /// The cell.
        text: String,
    },
    /// A cell that must hold a count (epoch, step, layer) does not.
    #[error("{text:?} in column {column} is not a whole number ≥ 1")]
    NotACount {
        /// The column.
        column: &'static str,
        /// The cell.
        text: String,
    },
    /// A cell that the log always fills is empty.
    #[error("column {column} is empty; it always has a value")]
    EmptyCell {
        /// The column.
        column: &'static str,
    },
    /// A cell is not UTF-8 text.
    #[error("not UTF-8 text")]
    NotUtf8,
    /// The file is not CSV text.
    #[error("not CSV text: {0}")]
    Csv(csv::Error),
    /// The file has a header and no rows, or nothing at all.
    #[error("the log has no rows: nothing to plot")]
    Empty,
}

/// The columns of one header, found by name.
struct Header {
    path: PathBuf,
    names: Vec<String>,
    log: &'static str,
}

impl Header {
    /// The 0-based index of `column`; an error when the header lacks it.
    fn index(&self, column: &'static str) -> Result<usize, LogError> {
        self.names.iter().position(|name| name == column).ok_or_else(|| LogError {
            path: self.path.clone(),
            line: Some(1),
            column: None,
            kind: LogErrorKind::MissingColumn { column, log: self.log },
        })
    }

    /// The 0-based index of `column`, `None` when the header lacks it (an optional column).
    fn optional(&self, column: &'static str) -> Option<usize> {
        self.names.iter().position(|name| name == column)
    }
}

/// One data row being read, for cells and error places.
struct Row<'a> {
    path: &'a Path,
    record: &'a csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    fn error(&self, index: usize, kind: LogErrorKind) -> LogError {
        LogError {
            path: self.path.to_path_buf(),
            line: Some(self.line),
            column: Some(index + 1),
            kind,
        }
    }

    /// The cell at `index`, `None` when it is empty.
    fn cell(&self, index: usize) -> Option<&str> {
        self.record.get(index).map(str::trim).filter(|text| !text.is_empty())
    }

    /// A float that may be absent (an empty cell, or a column the header lacks).
    fn float(&self, index: Option<usize>, column: &'static str) -> Result<Option<f64>, LogError> {
        let Some(index) = index else { return Ok(None) };
        match self.cell(index) {
            None => Ok(None),
            Some(text) => text.parse::<f64>().map(Some).map_err(|_| {
                self.error(index, LogErrorKind::NotANumber { column, text: text.to_owned() })
            }),
        }
    }

    /// A float the log always writes.
    fn required_float(&self, index: usize, column: &'static str) -> Result<f64, LogError> {
        self.float(Some(index), column)?
            .ok_or_else(|| self.error(index, LogErrorKind::EmptyCell { column }))
    }

    /// A 1-based count the log always writes.
    fn count(&self, index: usize, column: &'static str) -> Result<usize, LogError> {
        let text = self
            .cell(index)
            .ok_or_else(|| self.error(index, LogErrorKind::EmptyCell { column }))?;
        match text.parse::<usize>() {
            Ok(count) if count >= 1 => Ok(count),
            _ => Err(self.error(index, LogErrorKind::NotACount { column, text: text.to_owned() })),
        }
    }
}

/// Reads `reader` as a CSV log with a header; calls `parse` on every data row.
fn read_rows<T>(
    reader: impl Read,
    path: &Path,
    log: &'static str,
    mut parse: impl FnMut(&Header, &Row<'_>) -> Result<T, LogError>,
) -> Result<Vec<T>, LogError> {
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(false).from_reader(reader);
    let csv_error = |err: csv::Error| {
        let line = err.position().map(|position| position.line());
        let (kind, column) = match err.kind() {
            csv::ErrorKind::Io(io) => {
                (LogErrorKind::Io(std::io::Error::new(io.kind(), io.to_string())), None)
            }
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                (LogErrorKind::FieldCount { expected: *expected_len, found: *len }, None)
            }
            csv::ErrorKind::Utf8 { err, .. } => (LogErrorKind::NotUtf8, Some(err.field() + 1)),
            _ => (LogErrorKind::Csv(err), None),
        };
        LogError { path: path.to_path_buf(), line, column, kind }
    };
    let mut records = csv.records();
    let header = match records.next() {
        None => {
            return Err(LogError {
                path: path.into(),
                line: None,
                column: None,
                kind: LogErrorKind::Empty,
            })
        }
        Some(record) => record.map_err(csv_error)?,
    };
    let header = Header {
        path: path.to_path_buf(),
        names: header.iter().map(|name| name.trim().to_owned()).collect(),
        log,
    };
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |position| position.line());
        rows.push(parse(&header, &Row { path, record: &record, line })?);
    }
    if rows.is_empty() {
        return Err(LogError {
            path: path.into(),
            line: None,
            column: None,
            kind: LogErrorKind::Empty,
        });
    }
    Ok(rows)
}

impl History {
    /// Reads the history file at `path` (written by `mlp train --history`, or by
    /// [`HistoryCsvLayer`](mlp_train::gradlog::HistoryCsvLayer)). Columns are found by name;
    /// `epoch`, `loss`, `learning_rate` and `seconds` must be there, the others may be absent
    /// or empty; columns of other names are skipped.
    pub fn read(path: impl AsRef<Path>) -> Result<History, LogError> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|err| LogError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            kind: LogErrorKind::Io(err),
        })?;
        History::from_reader(std::io::BufReader::new(file), path)
    }

    /// Reads a history from `reader`; errors name `path`.
    ///
    /// ```
    /// use mlp_plot::chart::History;
    ///
    /// let text = "epoch,loss,val_loss,accuracy,val_accuracy,learning_rate,seconds\n\
    ///             1,0.75,0.5,0.5,0.75,0.01,0.125\n";
    /// let history = History::from_reader(text.as_bytes(), "h.csv").unwrap();
    /// assert_eq!(history.epochs[0].val_accuracy, Some(0.75));
    ///
    /// let err = History::from_reader("epoch,loss,learning_rate,seconds\n1,x,0.1,1\n".as_bytes(), "h.csv");
    /// assert_eq!(err.unwrap_err().to_string(), "h.csv: line 2, column 2: \"x\" in column loss is not a number");
    /// ```
    pub fn from_reader(reader: impl Read, path: impl AsRef<Path>) -> Result<History, LogError> {
        use EpochField as F;
        let mut columns = None;
        let epochs = read_rows(reader, path.as_ref(), "history", |header, row| {
            let (epoch, loss, learning_rate, seconds, optional) = match &columns {
                Some(columns) => *columns,
                None => *columns.insert((
                    header.index(EPOCH_FIELD)?,
                    header.index(F::Loss.name())?,
                    header.index(F::LearningRate.name())?,
                    header.index(F::Seconds.name())?,
                    [F::ValLoss, F::Accuracy, F::ValAccuracy, F::Mse, F::ValMse, F::R2, F::ValR2]
                        .map(|field| header.optional(field.name())),
                )),
            };
            let [val_loss, accuracy, val_accuracy, mse, val_mse, r2, val_r2] = optional;
            Ok(EpochRecord {
                epoch: row.count(epoch, EPOCH_FIELD)?,
                loss: row.required_float(loss, F::Loss.name())?,
                val_loss: row.float(val_loss, F::ValLoss.name())?,
                accuracy: row.float(accuracy, F::Accuracy.name())?,
                val_accuracy: row.float(val_accuracy, F::ValAccuracy.name())?,
                mse: row.float(mse, F::Mse.name())?,
                val_mse: row.float(val_mse, F::ValMse.name())?,
                r2: row.float(r2, F::R2.name())?,
                val_r2: row.float(val_r2, F::ValR2.name())?,
                learning_rate: row.required_float(learning_rate, F::LearningRate.name())?,
                seconds: row.required_float(seconds, F::Seconds.name())?,
            })
        })?;
        Ok(History { epochs })
    }
}

impl LayerLog {
    /// Reads the layer summary log at `path` (written by `mlp train --layer-log`, or by
    /// [`LayerSummaryCsvLayer`](mlp_train::gradlog::LayerSummaryCsvLayer)). Columns are found
    /// by name; `epoch`, `step`, `layer`, `grad_norm`, `grad_max_abs`, `weight_norm` and
    /// `update_ratio` must be there; columns of other names are skipped.
    pub fn read(path: impl AsRef<Path>) -> Result<LayerLog, LogError> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|err| LogError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            kind: LogErrorKind::Io(err),
        })?;
        LayerLog::from_reader(std::io::BufReader::new(file), path)
    }

    /// Reads a layer summary log from `reader`; errors name `path`.
    ///
    /// ```
    /// use mlp_plot::chart::LayerLog;
    ///
    /// let text = "epoch,step,layer,grad_norm,grad_max_abs,weight_norm,update_ratio,saturated_fraction,dead_fraction\n\
    ///             1,1,1,0.25,0.125,2.0,1e-3,0.5,\n";
    /// let log = LayerLog::from_reader(text.as_bytes(), "l.csv").unwrap();
    /// assert_eq!((log.rows[0].step, log.rows[0].record.grad_norm), (1, 0.25));
    /// ```
    pub fn from_reader(reader: impl Read, path: impl AsRef<Path>) -> Result<LayerLog, LogError> {
        use LayerField as F;
        let mut columns = None;
        let rows = read_rows(reader, path.as_ref(), "layer log", |header, row| {
            let (epoch, step, required, optional) = match &columns {
                Some(columns) => *columns,
                None => *columns.insert((
                    header.index(EPOCH_FIELD)?,
                    header.index(STEP_FIELD)?,
                    [F::Layer, F::GradNorm, F::GradMaxAbs, F::WeightNorm, F::UpdateRatio]
                        .map(|field| header.index(field.name()))
                        .into_iter()
                        .collect::<Result<Vec<_>, _>>()?
                        .try_into()
                        .expect("five columns"),
                    [F::SaturatedFraction, F::DeadFraction]
                        .map(|field| header.optional(field.name())),
                )),
            };
            let [layer, grad_norm, grad_max_abs, weight_norm, update_ratio]: [usize; 5] = required;
            let [saturated_fraction, dead_fraction] = optional;
            Ok(LayerRow {
                epoch: row.count(epoch, EPOCH_FIELD)?,
                step: row.count(step, STEP_FIELD)?,
                record: LayerRecord {
                    layer: row.count(layer, F::Layer.name())?,
                    grad_norm: row.required_float(grad_norm, F::GradNorm.name())?,
                    grad_max_abs: row.required_float(grad_max_abs, F::GradMaxAbs.name())?,
                    weight_norm: row.required_float(weight_norm, F::WeightNorm.name())?,
                    update_ratio: row.required_float(update_ratio, F::UpdateRatio.name())?,
                    saturated_fraction: row
                        .float(saturated_fraction, F::SaturatedFraction.name())?,
                    dead_fraction: row.float(dead_fraction, F::DeadFraction.name())?,
                },
            })
        })?;
        Ok(LayerLog { rows })
    }

    /// The weight layers the log has rows for, in increasing order.
    pub fn layers(&self) -> Vec<usize> {
        let mut layers: Vec<usize> = self.rows.iter().map(|row| row.record.layer).collect();
        layers.sort_unstable();
        layers.dedup();
        layers
    }
}
