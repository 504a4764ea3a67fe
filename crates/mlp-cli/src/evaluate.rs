//! `mlp evaluate`: the loss and metrics of a saved model on a CSV file.

use anyhow::Context;
use mlp_train::human::plural;
use mlp_train::output_file::ShortPath;
use mlp_train::warnings::Warning;
use mlp_train::{check_dataset, evaluate_prepared};

use crate::cli::EvaluateArgs;
use crate::common::{
    evaluation_details, evaluation_json, evaluation_text, load_model_with, print_stdout, read_table,
};
use crate::memory;
use crate::output::{print_warnings, summary_json, Verbosity};

/// Runs `mlp evaluate`.
pub(crate) fn run(args: &EvaluateArgs, verbosity: Verbosity) -> anyhow::Result<()> {
    let model = load_model_with(&args.model, args.unknown_category)?;
    let table = read_table(&args.data, &args.csv)?;
    let dataset = model.preprocessor.dataset::<f64>(&table)?;
    check_dataset(&model.network, &dataset, "evaluation").map_err(|err| {
        anyhow::anyhow!("{} does not fit {}: {err}", ShortPath(&args.data), ShortPath(&args.model))
    })?;
    let batch = dataset.len().min(mlp_train::memory::EVALUATION_BATCH);
    memory::check_inference(&model.network, batch, args.max_memory, &args.model)?;
    let evaluation = evaluate_prepared(&model.network, &dataset, &model.preprocessor)
        .with_context(|| {
            format!("{}: cannot evaluate on {}", args.model.display(), args.data.display())
        })?;
    // None yet; the data checks of later issues add theirs here.
    let warnings: Vec<Warning> = Vec::new();
    print_warnings(&warnings, verbosity);
    if args.json {
        let json = summary_json("evaluate", &warnings, evaluation_json(&evaluation));
        return print_stdout(&format!("{json}\n"));
    }
    if verbosity == Verbosity::Quiet {
        return Ok(());
    }
    print_stdout(&format!(
        "{} on {} ({}): {}\n{}",
        args.model.display(),
        args.data.display(),
        plural(dataset.len() as u64, "sample"),
        evaluation_text(&evaluation),
        evaluation_details(&evaluation)
    ))
}
