//! Helpers the subcommands share: reading CSV files and models, writing outputs.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use mlp_core::Scalar;
use mlp_train::data::{CsvOptions, DecimalSeparator, Table};
use mlp_train::human::Significant;
use mlp_train::model_file::Model;
use mlp_train::{Dataset, Evaluation};

use crate::cli::{CsvArgs, UnknownCategoryArg};

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
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;
    Ok(())
}
