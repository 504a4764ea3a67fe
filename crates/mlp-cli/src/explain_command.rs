//! `mlp explain`: one training step of a saved model on one sample, number by number.

use anyhow::{bail, Context};

use crate::cli::{ExplainArgs, FormatArg};
use crate::common::{load_model, print_stdout, read_table};
use crate::explain::{explain, ExplainFormat, ExplainOptions};

/// Runs `mlp explain`.
pub(crate) fn run(args: &ExplainArgs) -> anyhow::Result<()> {
    let model = load_model(&args.model)?;
    let table = read_table(&args.data, &args.csv)?;
    let dataset = model.preprocessor.dataset::<f64>(&table)?;
    let Some(column) = dataset.sample_numbers().iter().position(|&number| number == args.sample)
    else {
        bail!(
            "{}: --sample {}: the file has data rows 1 to {}",
            args.data.display(),
            args.sample,
            dataset.len()
        );
    };
    let inputs: Vec<f64> = dataset.inputs().column(column).iter().copied().collect();
    let targets: Vec<f64> = dataset.targets().column(column).iter().copied().collect();
    let preprocessor = &model.preprocessor;
    let output_names = match preprocessor.class_encoding() {
        Some(encoding) => encoding.class_names().to_vec(),
        None => preprocessor.target_names().to_vec(),
    };
    let line = table.line(column).map_or_else(String::new, |line| format!("line {line} of "));
    let options = ExplainOptions {
        weight: args.weight.clone(),
        learning_rate: args.learning_rate,
        format: match args.format {
            FormatArg::Text => ExplainFormat::Text,
            FormatArg::Markdown => ExplainFormat::Markdown,
        },
        input_names: preprocessor.feature_names().to_vec(),
        output_names,
        sample_label: format!("sample {} ({line}{})", args.sample, args.data.display()),
    };
    let text = explain(&model.network, &inputs, &targets, &options).with_context(|| {
        format!("{}: cannot explain sample {}", args.model.display(), args.sample)
    })?;
    if text.ends_with('\n') {
        print_stdout(&text)
    } else {
        print_stdout(&format!("{text}\n"))
    }
}
