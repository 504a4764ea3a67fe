//! Helpers the subcommands share: reading CSV files and models, writing outputs.

use std::any::Any;
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use mlp_core::Scalar;
use mlp_train::data::{CsvOptions, DecimalSeparator, NumberPrecision, Table};
use mlp_train::human::Significant;
use mlp_train::model_file::Model;
use mlp_train::output_file::{OutputError, OutputFile, ShortPath};
use mlp_train::{Dataset, Evaluation};

use crate::cli::{CsvArgs, UnknownCategoryArg};
use crate::StdoutError;

/// The data module's options from the command line's.
pub(crate) fn csv_options(args: &CsvArgs) -> CsvOptions {
    CsvOptions {
        has_header: !args.no_header,
        delimiter: args.delimiter,
        decimal: if args.decimal_comma { DecimalSeparator::Comma } else { DecimalSeparator::Point },
        max_record_size: args.max_record_size,
        ..CsvOptions::default()
    }
}

/// Reads a CSV file; errors name the file, and the line and column where there is one.
pub(crate) fn read_table(path: &Path, args: &CsvArgs) -> anyhow::Result<Table> {
    Ok(Table::read(path, &csv_options(args))?)
}

/// [`read_table`], its numbers held at `precision` (see [`NumberPrecision`]).
pub(crate) fn read_table_at(
    path: &Path,
    args: &CsvArgs,
    precision: NumberPrecision,
) -> anyhow::Result<Table> {
    Ok(Table::read(path, &CsvOptions { precision, ..csv_options(args) })?)
}

/// Reads and checks a model file, with `--unknown-category` (when given) in place of the
/// policy it was saved with; errors name it.
pub(crate) fn load_model_with(
    path: &Path,
    unknown_category: Option<UnknownCategoryArg>,
) -> anyhow::Result<Model> {
    let mut model = load_model(path)?;
    if let Some(policy) = unknown_category {
        model.preprocessor = model.preprocessor.with_unknown_category(policy.into());
    }
    Ok(model)
}

/// Reads and checks a model file; errors name it.
pub(crate) fn load_model(path: &Path) -> anyhow::Result<Model> {
    Ok(Model::load(path)?)
}

/// Fails early, before any work, when `path` cannot be written: its directory does not exist
/// or cannot be written in, `path` is a directory or is spelled with a trailing `/`. Creates
/// and removes a temporary file beside it to know; a device or a FIFO is not opened (a FIFO
/// would wait for a reader).
pub(crate) fn check_output_path(path: &Path, what: &str) -> anyhow::Result<()> {
    if std::fs::metadata(path).is_ok_and(|metadata| !metadata.is_file() && !metadata.is_dir()) {
        return Ok(());
    }
    create_output(path, what).map(drop)
}

/// Creates the output `path` (see [`OutputFile::create`]); errors read
/// `PATH: cannot write the WHAT: REASON`.
pub(crate) fn create_output(path: &Path, what: &str) -> anyhow::Result<OutputFile> {
    OutputFile::create(path).map_err(|err| output_error(err, what))
}

/// An output's error as `PATH: cannot write the WHAT: REASON`, the OS error (if any) kept as
/// the source.
pub(crate) fn output_error(err: OutputError, what: &str) -> anyhow::Error {
    let context = format!("{}: cannot write the {what}", ShortPath(err.path()));
    match err {
        OutputError::IsDirectory { .. } => {
            anyhow::anyhow!("{context}: it is a directory; give a file name")
        }
        OutputError::NoDirectory { dir, .. } => {
            anyhow::anyhow!("{context}: directory {} does not exist", ShortPath(&dir))
        }
        OutputError::Io { cause, .. } => anyhow::Error::new(cause).context(context),
    }
}

/// Longest name a CLI message quotes in full, in characters; longer ones are cut with `…`.
const MAX_NAME_CHARS: usize = 80;

/// A name (a column, a flag's value) quoted and escaped for a message, cut to
/// [`MAX_NAME_CHARS`] characters with `…`.
pub(crate) struct QuotedName<'a>(pub(crate) &'a str);

impl std::fmt::Display for QuotedName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.char_indices().nth(MAX_NAME_CHARS) {
            Some((cut, _)) => write!(f, "{:?}…", &self.0[..cut]),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// The same samples in another float type.
pub(crate) fn cast_dataset<S: Scalar, T: Scalar>(dataset: &Dataset<S>) -> Dataset<T> {
    let cast = |value: &S| T::from_f64_value(value.to_f64_value());
    Dataset::new(
        dataset.inputs().map(|v| cast(&v)),
        dataset.targets().map(|v| cast(&v)),
        dataset.sample_numbers().to_vec(),
    )
    .expect("casting keeps the shapes")
}

/// The samples of `dataset` in float type `T`: borrowed when `T` is `S`, a cast copy
/// otherwise.
fn dataset_in<S: Scalar, T: Scalar>(dataset: &Dataset<S>) -> Cow<'_, Dataset<T>> {
    match (dataset as &dyn Any).downcast_ref::<Dataset<T>>() {
        Some(same) => Cow::Borrowed(same),
        None => Cow::Owned(cast_dataset(dataset)),
    }
}

/// Prepared samples in the precision they were prepared in (`--precision` for the training
/// file, so that a large file is held once, at that precision).
#[derive(Debug, Clone)]
pub(crate) enum Samples {
    F64(Dataset<f64>),
    F32(Dataset<f32>),
}

impl Samples {
    /// The samples in float type `T`: borrowed when they are held in `T`, a cast copy
    /// otherwise.
    pub(crate) fn in_precision<T: Scalar>(&self) -> Cow<'_, Dataset<T>> {
        match self {
            Samples::F64(dataset) => dataset_in(dataset),
            Samples::F32(dataset) => dataset_in(dataset),
        }
    }

    /// Number of samples.
    pub(crate) fn len(&self) -> usize {
        match self {
            Samples::F64(dataset) => dataset.len(),
            Samples::F32(dataset) => dataset.len(),
        }
    }

    /// Inputs per sample.
    pub(crate) fn n_inputs(&self) -> usize {
        match self {
            Samples::F64(dataset) => dataset.n_inputs(),
            Samples::F32(dataset) => dataset.n_inputs(),
        }
    }

    /// Targets per sample.
    pub(crate) fn n_outputs(&self) -> usize {
        match self {
            Samples::F64(dataset) => dataset.n_outputs(),
            Samples::F32(dataset) => dataset.n_outputs(),
        }
    }
}

impl From<Dataset<f64>> for Samples {
    fn from(dataset: Dataset<f64>) -> Self {
        Samples::F64(dataset)
    }
}

impl From<Dataset<f32>> for Samples {
    fn from(dataset: Dataset<f32>) -> Self {
        Samples::F32(dataset)
    }
}

/// An evaluation as a JSON object (docs/json.md): `samples`, `loss`, then `accuracy` and
/// `classification` (report, confusion matrix, log loss) or `mse`, `r2` and `regression`.
pub(crate) fn evaluation_json(evaluation: &Evaluation) -> serde_json::Value {
    serde_json::to_value(evaluation).expect("an evaluation serializes")
}

/// An evaluation on one line: `loss 0.0512  accuracy 0.98  macro f1 0.9797  log loss 0.0512`,
/// or `loss 2112  mae 37.2  rmse 45.96  r2 0.6315` (regression, in the targets' units).
pub(crate) fn evaluation_text(evaluation: &Evaluation) -> String {
    let mut text = format!("loss {}", Significant(evaluation.loss));
    let mut add = |name: &str, value: Option<f64>| {
        if let Some(value) = value {
            text += &format!("  {name} {}", Significant(value));
        }
    };
    add("accuracy", evaluation.accuracy);
    if let Some(metrics) = &evaluation.classification {
        add("macro f1", Some(metrics.macro_avg.f1));
        add("log loss", metrics.log_loss);
    }
    match &evaluation.regression {
        Some(metrics) => {
            add("mae", Some(metrics.mae));
            add("rmse", Some(metrics.rmse));
            add("r2", metrics.r2);
        }
        None => {
            add("mse", evaluation.mse);
            add("r2", evaluation.r2);
        }
    }
    text
}

/// The detailed metrics under the one-line summary: the classification report and confusion
/// matrix (scikit-learn's layout), or one line per output of a multi-output regression.
pub(crate) fn evaluation_details(evaluation: &Evaluation) -> String {
    match (&evaluation.classification, &evaluation.regression) {
        (Some(metrics), _) => {
            format!(
                "{}
{}",
                metrics.report(),
                metrics.confusion.table(&metrics.classes)
            )
        }
        (None, Some(metrics)) if metrics.per_output.len() > 1 => metrics
            .per_output
            .iter()
            .map(|errors| {
                let r2 =
                    errors.r2.map_or_else(String::new, |r2| format!("  r2 {}", Significant(r2)));
                format!(
                    "  {}: mae {}  rmse {}{r2}
",
                    errors.output,
                    Significant(errors.mae),
                    Significant(errors.rmse)
                )
            })
            .collect(),
        _ => String::new(),
    }
}

/// Writes `text` to stdout; a closed pipe comes back as an error that `main` ignores.
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = Stdout::lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Standard output whose errors are [`StdoutError`]s (inside an `io::Error` of the same kind),
/// so that `main` can tell a closed pipe on stdout from one on a log.
pub(crate) struct Stdout(std::io::StdoutLock<'static>);

impl Stdout {
    pub(crate) fn lock() -> Stdout {
        Stdout(std::io::stdout().lock())
    }
}

fn stdout_error(err: std::io::Error) -> std::io::Error {
    std::io::Error::new(err.kind(), StdoutError(err))
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(stdout_error)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(stdout_error)
    }
}
