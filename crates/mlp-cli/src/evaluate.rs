//! `mlp evaluate`: the loss and metrics of a saved model on a CSV file.

use mlp_train::{check_dataset, evaluate};

use crate::cli::EvaluateArgs;
use crate::common::{
    evaluation_json, evaluation_text, load_model, metrics_kind, print_stdout, read_table,
};

/// Runs `mlp evaluate`.
pub(crate) fn run(args: &EvaluateArgs) -> anyhow::Result<()> {
    let model = load_model(&args.model)?;
    let table = read_table(&args.data, &args.csv)?;
    let dataset = model.preprocessor.dataset::<f64>(&table)?;
    check_dataset(&model.network, &dataset, "evaluation").map_err(|err| {
        anyhow::anyhow!("{} does not fit {}: {err}", args.data.display(), args.model.display())
    })?;
    let evaluation = evaluate(&model.network, &dataset, Some(metrics_kind(&model.preprocessor)));
    if args.json {
        return print_stdout(&format!("{}\n", evaluation_json(&evaluation, dataset.len())));
    }
    print_stdout(&format!(
        "{} on {} ({} samples): {}\n",
        args.model.display(),
        args.data.display(),
        dataset.len(),
        evaluation_text(&evaluation)
    ))
}
