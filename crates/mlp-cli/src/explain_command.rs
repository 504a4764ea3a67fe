//! `mlp explain`: one training step of a saved model on one sample, number by number.

use anyhow::{bail, Context};
use mlp_train::data::{Cell, Preprocessor, Table};
use mlp_train::output_file::ShortPath;

use crate::cli::{ExplainArgs, FormatArg};
use crate::common::{load_model, print_stdout, read_table};
use crate::explain::{explain, explain_json, ExplainFormat, ExplainOptions, LearningRateSource};
use crate::memory;
use crate::output::summary_json;

/// The learning rate of the step shown for a model that records none: the tutorial's.
const TUTORIAL_LEARNING_RATE: f64 = 0.5;

/// Runs `mlp explain`.
pub(crate) fn run(args: &ExplainArgs) -> anyhow::Result<()> {
    let model = load_model(&args.model)?;
    let table = read_table(&args.data, &args.csv)?;
    let dataset = model.preprocessor.dataset::<f64>(&table)?;
    let Some(column) = dataset.sample_numbers().iter().position(|&number| number == args.sample)
    else {
        bail!(
            "{}: --sample {}: the file has data rows 1 to {}",
            ShortPath(&args.data),
            args.sample,
            dataset.len()
        );
    };
    memory::check_inference(&model.network, 1, args.max_memory, &args.model)?;
    let inputs: Vec<f64> = dataset.inputs().column(column).iter().copied().collect();
    let targets: Vec<f64> = dataset.targets().column(column).iter().copied().collect();
    if let Err(mlp_core::BatchError::NonFinite(found)) =
        model.network.predict(&dataset.inputs().columns(column, 1).into_owned())
    {
        bail!(
            "{}: cannot explain sample {} of {}: the forward pass overflows at layer {}, neuron \
             {}: the activation is {} (weights or inputs too large)",
            args.model.display(),
            args.sample,
            args.data.display(),
            found.layer,
            found.neuron,
            found.value
        );
    }
    let preprocessor = &model.preprocessor;
    // The file's values of the same row, before standardization: the same preparation
    // without the standardizer. An input it leaves as it is (mean 0, std 1: a one-hot input)
    // shows no file value.
    let raw_inputs = match preprocessor.standardizer() {
        Some(standardizer) => {
            let unstandardized = preprocessor.clone().with_standardizer(None)?;
            let raw = unstandardized.inputs::<f64>(&table)?;
            let unchanged =
                |i: usize| standardizer.mean()[i] == 0.0 && standardizer.std()[i] == 1.0;
            let values = raw.column(column);
            Some(
                values
                    .iter()
                    .enumerate()
                    .map(|(i, &value)| (!unchanged(i)).then_some(value))
                    .collect(),
            )
        }
        None => None,
    };
    let notes = filled_in_note(preprocessor, &table, column).into_iter().collect();
    let output_names = match preprocessor.class_encoding() {
        Some(encoding) => encoding.class_names().to_vec(),
        None => preprocessor.target_names().to_vec(),
    };
    let settings = model.provenance.as_ref().map(|provenance| &provenance.settings);
    let (learning_rate, learning_rate_source) = match (args.learning_rate, settings) {
        (Some(learning_rate), _) => (learning_rate, LearningRateSource::Given),
        (None, Some(settings)) => (settings.learning_rate, LearningRateSource::Model),
        (None, None) => (TUTORIAL_LEARNING_RATE, LearningRateSource::Tutorial),
    };
    let line_number = table.line(column);
    let line = line_number.map_or_else(String::new, |line| format!("line {line} of "));
    let options = ExplainOptions {
        weight: args.weight.clone(),
        learning_rate,
        learning_rate_source,
        trained_with: settings.map(|settings| settings.optimizer),
        raw_inputs,
        notes,
        format: match args.format {
            FormatArg::Text => ExplainFormat::Text,
            FormatArg::Markdown => ExplainFormat::Markdown,
            FormatArg::Json => ExplainFormat::Json,
        },
        input_names: preprocessor.input_names(),
        output_names,
        sample_label: format!("sample {} ({line}{})", args.sample, args.data.display()),
    };
    let context = || format!("{}: cannot explain sample {}", ShortPath(&args.model), args.sample);
    if args.format == FormatArg::Json {
        let derivation =
            explain_json(&model.network, &inputs, &targets, &options).with_context(context)?;
        let mut fields = serde_json::json!({
            "model": args.model.display().to_string(),
            "data": args.data.display().to_string(),
            "sample": args.sample,
            "line": line_number,
        });
        if let (Some(fields), serde_json::Value::Object(derivation)) =
            (fields.as_object_mut(), derivation)
        {
            fields.extend(derivation);
        }
        let json = summary_json("explain", &[], fields);
        return print_stdout(&format!("{json}\n"));
    }
    let text = explain(&model.network, &inputs, &targets, &options).with_context(context)?;
    if text.ends_with('\n') {
        print_stdout(&text)
    } else {
        print_stdout(&format!("{text}\n"))
    }
}

/// A note naming the row's feature columns that are missing in the file and were filled in
/// by the model's imputer (which the derivation then shows as inputs), or `None`.
fn filled_in_note(preprocessor: &Preprocessor, table: &Table, row_idx: usize) -> Option<String> {
    let imputer = preprocessor.imputer()?;
    let is_missing =
        |text: &str| text.is_empty() || preprocessor.na_values().iter().any(|na| na == text);
    let missing: Vec<&str> = preprocessor
        .feature_names()
        .iter()
        .filter(|name| {
            let cell =
                table.column_index(name).and_then(|column_idx| table.cell(row_idx, column_idx));
            matches!(cell, Some(Cell::Text(text)) if is_missing(text))
        })
        .map(String::as_str)
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "{} {} missing in the file and {} filled in with the training rows' {} (text \
             columns: the most frequent category)",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            if missing.len() == 1 { "is" } else { "are" },
            imputer.strategy().name()
        )
    })
}
