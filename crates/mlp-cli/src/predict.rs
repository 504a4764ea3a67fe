//! `mlp predict`: the model's outputs for every row of a CSV file, as CSV or JSON Lines.
//!
//! Columns: `row` (the 1-based data row), the `--keep` columns as the file has them, then for a
//! classifier `predicted_<target>` (the
//! predicted class) and one `p_<class>` column per class; for regression one
//! `predicted_<target>` column per target. With `--json`, one object per row with the same
//! names as keys: numbers as JSON numbers (a non-finite one as `null`), classes as strings.

use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::PathBuf;

use anyhow::{bail, Context};
use mlp_core::BatchError;
use mlp_train::data::{suggest_column, Cell as DataCell, DataError, Table, STDIN_PATH};
use mlp_train::model_file::Model;
use mlp_train::output_file::ShortPath;
use mlp_train::predict::{for_each_chunk, CHUNK_SAMPLES};
use mlp_train::StopSignal;
use nalgebra::{DMatrix, DMatrixView, DVectorView};

use crate::clash::{check_outputs, Named};
use crate::cli::PredictArgs;
use crate::common::{
    check_output_path, create_output, load_model_with, output_error, read_table, QuotedName, Stdout,
};
use crate::memory;
use crate::signals::{interrupted, Signals};

/// One cell of the predictions.
enum Cell {
    /// The 1-based row number.
    Row(usize),
    /// A class name, or a kept column's text.
    Class(String),
    /// A predicted value or probability.
    Number(f64),
    /// A kept column's missing cell (empty, or a marker such as `NA`): its text in CSV, `null`
    /// in JSON.
    Missing(String),
}

impl Cell {
    /// The CSV field: numbers with shortest round-trip digits.
    fn csv(&self) -> String {
        match self {
            Cell::Row(row) => row.to_string(),
            Cell::Class(class) => class.clone(),
            Cell::Number(value) => value.to_string(),
            Cell::Missing(text) => text.clone(),
        }
    }

    /// The JSON value: a non-finite number is `null`.
    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Row(row) => (*row).into(),
            Cell::Class(class) => class.as_str().into(),
            Cell::Number(value) => (*value).into(),
            Cell::Missing(_) => serde_json::Value::Null,
        }
    }
}

/// Where the predictions go.
enum Destination {
    /// Standard output (no `--output`, or `--output -`).
    Stdout,
    /// A file, checked before any work, created once the rows are ready and committed when
    /// every row is written.
    File(PathBuf),
}

/// Runs `mlp predict`: the output's place is checked first (a place that cannot be written
/// fails before anything is read), the rows are forwarded and written a chunk at a time, and
/// the file replaces its target only when the last row is written. Until the output is made a
/// signal ends the process at once; after, it stops the run between chunks.
pub(crate) fn run(args: &PredictArgs) -> anyhow::Result<()> {
    // A signal stops the run between chunks, and the unfinished output is removed.
    let signals = Signals::install(StopSignal::new()).context("cannot install signal handlers")?;
    let destination = match &args.output {
        Some(path) if path.as_os_str() != STDIN_PATH => {
            check_outputs(
                &[Named::new("the model", &args.model), Named::new("the data", &args.data)],
                &[Named::new("--output", path)],
            )?;
            // The place is checked now; the file is made once the rows are ready to go.
            check_output_path(path, "predictions")?;
            Destination::File(path.clone())
        }
        _ => Destination::Stdout,
    };
    let model = load_model_with(&args.model, args.unknown_category)?;
    let table = read_table(&args.data, &args.csv)?;
    if let Some(twice) = args
        .keep
        .iter()
        .enumerate()
        .find_map(|(idx, name)| args.keep[..idx].contains(name).then_some(name))
    {
        anyhow::bail!("--keep names the column {} twice", QuotedName(twice));
    }
    let kept: Vec<usize> = args
        .keep
        .iter()
        .map(|name| {
            table.column_index(name).ok_or_else(|| {
                anyhow::Error::new(DataError::UnknownColumn {
                    path: table.path().to_owned(),
                    name: name.clone(),
                    available: table.column_names().to_vec(),
                    suggestion: suggest_column(name, table.column_names()),
                })
            })
        })
        .collect::<anyhow::Result<_>>()
        .context("--keep")?;
    let inputs = model.preprocessor.inputs::<f64>(&table)?;
    if inputs.nrows() != model.network.n_inputs() {
        let err = BatchError::Inputs { expected: model.network.n_inputs(), found: inputs.nrows() };
        bail!("{} does not fit {}: {err}", ShortPath(&args.data), ShortPath(&args.model));
    }
    let chunk = inputs.ncols().min(CHUNK_SAMPLES);
    memory::check_inference(&model.network, chunk, args.max_memory, &args.model)?;

    let classes = model.preprocessor.class_encoding().map(|encoding| encoding.class_names());
    let predicted = |target: &String| format!("predicted_{target}");
    let mut header = vec!["row".to_owned()];
    header.extend(args.keep.iter().cloned());
    match classes {
        Some(classes) => {
            header.extend(model.preprocessor.target_names().iter().map(predicted));
            header.extend(classes.iter().map(|class| format!("p_{class}")));
        }
        None => header.extend(model.preprocessor.target_names().iter().map(predicted)),
    }
    let rows = Rows {
        table: &table,
        model: &model,
        kept: &kept,
        classes,
        header: &header,
        model_path: &args.model,
        data_path: &args.data,
        signals: &signals,
        destination: match &args.output {
            Some(path) if path.as_os_str() != STDIN_PATH => {
                format!("{} was not written", ShortPath(path))
            }
            _ => "the rows before were written to stdout".to_owned(),
        },
    };
    match destination {
        Destination::Stdout => {
            signals.graceful();
            // Errors of stdout name it themselves (`StdoutError`); others are the run's own.
            let mut stdout = BufWriter::new(Stdout::lock());
            rows.write(&inputs, &mut stdout, args.json)?;
            Ok(stdout.flush()?)
        }
        Destination::File(path) => {
            // From the temporary file on, a signal stops between chunks and removes it.
            signals.graceful_before_creating([path.as_path()]);
            let output = create_output(&path, "predictions")?;
            signals.graceful();
            let context = || format!("{}: cannot write the predictions", ShortPath(&path));
            let (file, replacement) = output.into_parts();
            let mut writer = BufWriter::new(file);
            rows.write(&inputs, &mut writer, args.json).with_context(context)?;
            let file = writer.into_inner().map_err(|err| err.into_error()).with_context(context)?;
            replacement.commit_synced(&file).map_err(|err| output_error(err, "predictions"))
        }
    }
}

/// A CSV writer's error with its I/O error as the error itself (the csv crate gives it no
/// source), so that a closed pipe is seen as one.
fn csv_error(err: csv::Error) -> anyhow::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => err.into(),
        kind => anyhow::anyhow!("cannot format the predictions as CSV: {kind:?}"),
    }
}

/// How rows are written.
enum Format<'w, W: Write> {
    /// CSV, through the csv crate's writer (quoting as it needs).
    Csv(Box<csv::Writer<&'w mut W>>),
    /// JSON Lines.
    Json(&'w mut W),
}

/// What each row of the predictions is made of.
struct Rows<'a> {
    table: &'a Table,
    model: &'a Model,
    /// The `--keep` columns' indices in the table.
    kept: &'a [usize],
    /// A classifier's class names.
    classes: Option<&'a [String]>,
    header: &'a [String],
    /// The files, for messages.
    model_path: &'a std::path::Path,
    data_path: &'a std::path::Path,
    /// SIGINT, SIGTERM and SIGHUP, looked at before each chunk.
    signals: &'a Signals,
    /// Where the rows go, for the message of an interrupted run.
    destination: String,
}

impl Rows<'_> {
    /// Forwards `inputs` a chunk of samples at a time and writes each chunk's rows to `out`
    /// (CSV with a header, or JSON Lines) before forwarding the next.
    fn write(&self, inputs: &DMatrix<f64>, out: &mut impl Write, json: bool) -> anyhow::Result<()> {
        let preprocessor = &self.model.preprocessor;
        let mut format = if json {
            Format::Json(out)
        } else {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(self.header).map_err(csv_error)?;
            Format::Csv(Box::new(csv))
        };
        let mut cells = Vec::new();
        let write_rows = |samples: Range<usize>, outputs: DMatrixView<'_, f64>| {
            if let Some(received) = self.signals.received() {
                let at = format!("after {} of {} rows", samples.start, inputs.ncols());
                return Err(interrupted(received, format!("{at}; {}", self.destination)));
            }
            let mut outputs = outputs.into_owned();
            // Regression targets trained standardized are predicted in the file's units.
            preprocessor.unscale_outputs(&mut outputs)?;
            for (sample_idx, output) in samples.zip(outputs.column_iter()) {
                self.cells(sample_idx, output, &mut cells);
                match &mut format {
                    Format::Csv(csv) => {
                        csv.write_record(cells.iter().map(Cell::csv)).map_err(csv_error)?;
                    }
                    Format::Json(out) => {
                        let object: serde_json::Map<String, serde_json::Value> =
                            self.header.iter().cloned().zip(cells.iter().map(Cell::json)).collect();
                        serde_json::to_writer(&mut **out, &serde_json::Value::Object(object))
                            .map_err(std::io::Error::from)?;
                        out.write_all(b"\n")?;
                    }
                }
            }
            Ok::<(), anyhow::Error>(())
        };
        if inputs.ncols() > 0 {
            for_each_chunk(&self.model.network, inputs, CHUNK_SAMPLES, write_rows).map_err(
                |err| match err.downcast::<BatchError>() {
                    Ok(BatchError::NonFinite(found)) => anyhow::anyhow!(
                        "{}: cannot predict on {}: row {}: the forward pass overflows at layer {}, \
                         neuron {}: the activation is {} (weights or inputs too large)",
                        ShortPath(self.model_path),
                        ShortPath(self.data_path),
                        found.sample + 1,
                        found.layer,
                        found.neuron,
                        found.value
                    ),
                    Ok(err) => err.into(),
                    Err(err) => err,
                },
            )?;
        }
        if let Format::Csv(csv) = &mut format {
            csv.flush()?;
        }
        Ok(())
    }

    /// The cells of one row: its number, the kept columns, the predicted class and
    /// probabilities (or the predicted values).
    fn cells(&self, sample_idx: usize, output: DVectorView<'_, f64>, cells: &mut Vec<Cell>) {
        let preprocessor = &self.model.preprocessor;
        cells.clear();
        cells.push(Cell::Row(sample_idx + 1));
        cells.extend(self.kept.iter().map(|&column_idx| {
            match self.table.cell(sample_idx, column_idx) {
                Some(DataCell::Number(value)) => Cell::Number(value),
                Some(DataCell::Text(text))
                    if text.is_empty() || preprocessor.na_values().iter().any(|na| na == text) =>
                {
                    Cell::Missing(text.to_owned())
                }
                Some(DataCell::Text(text)) => Cell::Class(text.to_owned()),
                None => Cell::Class(String::new()),
            }
        }));
        if let Some(classes) = self.classes {
            cells.push(Cell::Class(classes[output.argmax().0].clone()));
        }
        cells.extend(output.iter().map(|&value| Cell::Number(value)));
    }
}
