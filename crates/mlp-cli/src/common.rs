//! Helpers the subcommands share: reading CSV files and models, writing outputs.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use mlp_core::Scalar;
use mlp_train::data::{CsvOptions, DecimalSeparator, Preprocessor, Table, Task};
use mlp_train::human::Significant;
use mlp_train::model_file::Model;
use mlp_train::{Dataset, Evaluation, MetricsKind};

use crate::cli::CsvArgs;

/// The data module's options from the command line's.
pub(crate) fn csv_options(args: &CsvArgs) -> CsvOptions {
    CsvOptions {
        has_header: !args.no_header,
        delimiter: args.delimiter,
        decimal: if args.decimal_comma { DecimalSeparator::Comma } else { DecimalSeparator::Point },
    }
}

/// Reads a CSV file; errors name the file, and the line and column where there is one.
pub(crate) fn read_table(path: &Path, args: &CsvArgs) -> anyhow::Result<Table> {
    Ok(Table::read(path, &csv_options(args))?)
}

/// Reads and checks a model file; errors name it.
pub(crate) fn load_model(path: &Path) -> anyhow::Result<Model> {
    Ok(Model::load(path)?)
}

/// Fails early, before any work, when `path` cannot be written because its directory does not
/// exist or is not a directory, or `path` itself is a directory.
pub(crate) fn check_output_path(path: &Path, what: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        bail!(
            "{}: cannot write the {what}: directory {} does not exist",
            path.display(),
            dir.display()
        );
    }
    if path.is_dir() {
        bail!("{}: cannot write the {what}: it is a directory", path.display());
    }
    Ok(())
}

/// Classification when the model has classes, regression otherwise.
pub(crate) fn metrics_kind(preprocessor: &Preprocessor) -> MetricsKind {
    match preprocessor.task() {
        Task::Classification => MetricsKind::Classification,
        _ => MetricsKind::Regression,
    }
}

/// The same samples in another float type.
pub(crate) fn cast_dataset<T: Scalar>(dataset: &Dataset<f64>) -> Dataset<T> {
    let cast = |value: &f64| T::from_f64_value(*value);
    Dataset::new(
        dataset.inputs().map(|v| cast(&v)),
        dataset.targets().map(|v| cast(&v)),
        dataset.sample_numbers().to_vec(),
    )
    .expect("casting keeps the shapes")
}

/// An evaluation as a JSON object: `loss`, `samples`, and `accuracy` or `mse` and `r2`.
pub(crate) fn evaluation_json(evaluation: &Evaluation, n_samples: usize) -> serde_json::Value {
    let mut object = serde_json::json!({ "samples": n_samples, "loss": evaluation.loss });
    if let Some(accuracy) = evaluation.accuracy {
        object["accuracy"] = accuracy.into();
    }
    if let Some(mse) = evaluation.mse {
        object["mse"] = mse.into();
        object["r2"] = evaluation.r2.into();
    }
    object
}

/// An evaluation as `loss 0.0512  accuracy 0.98`, with significant digits.
pub(crate) fn evaluation_text(evaluation: &Evaluation) -> String {
    let mut text = format!("loss {}", Significant(evaluation.loss));
    if let Some(accuracy) = evaluation.accuracy {
        text += &format!("  accuracy {}", Significant(accuracy));
    }
    if let Some(mse) = evaluation.mse {
        text += &format!("  mse {}", Significant(mse));
    }
    if let Some(r2) = evaluation.r2 {
        text += &format!("  r2 {}", Significant(r2));
    }
    text
}

/// Writes `text` to stdout; a closed pipe comes back as an error that `main` ignores.
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;
    Ok(())
}
