//! `mlp predict`: the model's outputs for every row of a CSV file, as CSV.
//!
//! Columns: `row` (the 1-based data row), then for a classifier the predicted class (under the
//! label column's name) and one `p_<class>` column per class; for regression one column per
//! target with its predicted value.

use anyhow::Context;
use mlp_train::model_file::write_atomically;

use crate::cli::PredictArgs;
use crate::common::{check_output_path, load_model, print_stdout, read_table};

/// Runs `mlp predict`.
pub(crate) fn run(args: &PredictArgs) -> anyhow::Result<()> {
    if let Some(path) = &args.output {
        check_output_path(path, "predictions")?;
    }
    let model = load_model(&args.model)?;
    let table = read_table(&args.data, &args.csv)?;
    let inputs = model.preprocessor.inputs::<f64>(&table)?;
    let outputs = model.network.predict(&inputs).map_err(|err| {
        anyhow::anyhow!("{} does not fit {}: {err}", args.data.display(), args.model.display())
    })?;

    let mut writer = csv::Writer::from_writer(Vec::new());
    let classes = model.preprocessor.class_encoding().map(|encoding| encoding.class_names());
    let mut header = vec!["row".to_owned()];
    match classes {
        Some(classes) => {
            header.extend(model.preprocessor.target_names().iter().cloned());
            header.extend(classes.iter().map(|class| format!("p_{class}")));
        }
        None => header.extend(model.preprocessor.target_names().iter().cloned()),
    }
    writer.write_record(&header)?;
    for (sample_idx, output) in outputs.column_iter().enumerate() {
        let mut record = vec![(sample_idx + 1).to_string()];
        if let Some(classes) = classes {
            record.push(classes[output.argmax().0].clone());
        }
        record.extend(output.iter().map(f64::to_string));
        writer.write_record(&record)?;
    }
    let bytes = writer.into_inner().context("cannot format the predictions")?;
    match &args.output {
        Some(path) => write_atomically(path, &bytes)
            .with_context(|| format!("{}: cannot write the predictions", path.display())),
        None => print_stdout(&String::from_utf8(bytes)?),
    }
}
