//! `mlp explain`: one training step of a saved model on one sample, number by number.

use anyhow::{bail, Context};
use mlp_train::explain::{explain, prepare_sample, ExplainError, ExplainFormat, SampleRequest};
use mlp_train::output_file::ShortPath;

use crate::cli::{ExplainArgs, FormatArg};
use crate::common::{load_model, print_stdout, read_table};
use crate::memory;
use crate::output::summary_json;

/// Runs `mlp explain`.
pub(crate) fn run(args: &ExplainArgs) -> anyhow::Result<()> {
    let model = load_model(&args.model)?;
    let table = read_table(&args.data, &args.csv)?;
    let request = SampleRequest {
        sample: args.sample,
        learning_rate: args.learning_rate,
        weight: args.weight.clone(),
        data_name: args.data.display().to_string(),
    };
    memory::check_inference(&model.network, 1, args.max_memory, &args.model)?;
    let prepared = match prepare_sample(&model, &table, &request) {
        Ok(prepared) => prepared,
        Err(ExplainError::NoSuchSample { sample, n_rows }) => bail!(
            "{}: --sample {sample}: the file has data rows 1 to {n_rows}",
            ShortPath(&args.data)
        ),
        Err(error @ ExplainError::Overflow(_)) => bail!(
            "{}: cannot explain sample {} of {}: {error}",
            args.model.display(),
            args.sample,
            args.data.display()
        ),
        Err(error) => return Err(error.into()),
    };
    let context = || format!("{}: cannot explain sample {}", ShortPath(&args.model), args.sample);
    let derivation =
        explain(&model.network, &prepared.inputs, &prepared.targets, &prepared.options)
            .with_context(context)?;
    let format = match args.format {
        FormatArg::Text => ExplainFormat::Text,
        FormatArg::Markdown => ExplainFormat::Markdown,
        FormatArg::Json => {
            let mut fields = serde_json::json!({
                "model": args.model.display().to_string(),
                "data": args.data.display().to_string(),
                "sample": args.sample,
                "line": prepared.line,
            });
            if let (Some(fields), serde_json::Value::Object(derivation)) =
                (fields.as_object_mut(), serde_json::Value::from(&derivation))
            {
                fields.extend(derivation);
            }
            let json = summary_json("explain", &[], fields);
            return print_stdout(&format!("{json}\n"));
        }
    };
    print_stdout(&derivation.render(format))
}
