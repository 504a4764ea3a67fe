//! `mlp gradcheck`: backpropagation against central finite differences for every parameter of
//! a saved model, on the first rows of a CSV file ([`mlp_train::gradcheck`]).

use anyhow::bail;
use mlp_train::check_dataset;
use mlp_train::gradcheck::{gradient_check_dataset, GradCheck, GradCheckConfig, ParameterCheck};
use mlp_train::human::{plural, Significant};
use mlp_train::output_file::ShortPath;
use mlp_train::warnings::Warning;

use crate::cli::GradcheckArgs;
use crate::common::{load_model_with, print_stdout, read_table};
use crate::output::{print_warnings, summary_json, Verbosity};

/// Runs `mlp gradcheck`.
pub(crate) fn run(args: &GradcheckArgs, verbosity: Verbosity) -> anyhow::Result<()> {
    let model = load_model_with(&args.model, args.unknown_category)?;
    let table = read_table(&args.data, &args.csv)?;
    let dataset = model.preprocessor.dataset::<f64>(&table)?;
    check_dataset(&model.network, &dataset, "gradient check").map_err(|err| {
        anyhow::anyhow!("{} does not fit {}: {err}", ShortPath(&args.data), ShortPath(&args.model))
    })?;
    let check =
        gradient_check_dataset(&model.network, &dataset, args.samples, GradCheckConfig::default())
            .map_err(|err| anyhow::anyhow!("{}: {err}", ShortPath(&args.model)))?;
    let warnings: Vec<Warning> = Vec::new();
    print_warnings(&warnings, verbosity);
    if args.json {
        let json = summary_json("gradcheck", &warnings, check_json(args, &check));
        print_stdout(&format!("{json}\n"))?;
    } else if verbosity != Verbosity::Quiet {
        print_stdout(&check_text(args, &check))?;
    }
    let failures = check.failures(args.tolerance);
    if failures.is_empty() {
        return Ok(());
    }
    let said: Vec<String> = failures
        .iter()
        .map(|failure| {
            format!(
                "layer {}, parameter {}: relative error {:e} (backprop {:e}, finite difference {:e})",
                failure.id.layer + 1,
                failure.name,
                failure.relative_error,
                failure.backprop,
                failure.numeric
            )
        })
        .collect();
    bail!(
        "{}: gradient check failed above the tolerance {:e}: {}",
        ShortPath(&args.model),
        args.tolerance,
        said.join("; ")
    )
}

/// A parameter's name and relative error, for the table.
fn cell(check: Option<&ParameterCheck>) -> String {
    check.map_or_else(
        || "-".to_owned(),
        |check| format!("{} {:.1e}", check.name, check.relative_error),
    )
}

/// The table: one line per layer with its worst weight and worst bias.
fn check_text(args: &GradcheckArgs, check: &GradCheck) -> String {
    let n_parameters = check.parameters.len() as u64;
    let mut text = format!(
        "gradient check of {} on {}: the mean loss over {} (E = {}), {}, central differences \
         with h = {:e} · max(1, |w|)\n",
        ShortPath(&args.model),
        ShortPath(&args.data),
        plural(check.n_samples as u64, "sample"),
        Significant(check.loss),
        plural(n_parameters, "parameter"),
        check.config.step,
    );
    let header =
        ["layer", "activation", "weights", "worst weight", "biases", "worst bias", "kinks"];
    let rows: Vec<[String; 7]> = check
        .layers
        .iter()
        .map(|layer| {
            [
                (layer.layer + 1).to_string(),
                layer.activation.name().to_owned(),
                layer.n_weights.to_string(),
                cell(layer.weights.as_ref()),
                layer.n_biases.to_string(),
                cell(layer.biases.as_ref()),
                layer.n_kinks.to_string(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .chain([header[column].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(cell, &width)| format!("{cell:<width$}")).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    text.push_str(&line(header.to_vec()));
    for row in &rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    match check.worst() {
        Some(worst) => {
            let verdict = if check.passes(args.tolerance) { "within" } else { "above" };
            text.push_str(&format!(
                "worst relative error {:e} ({}, layer {}): {verdict} the tolerance {:e}\n",
                worst.relative_error,
                worst.name,
                worst.id.layer + 1,
                args.tolerance
            ));
        }
        None => text.push_str("every parameter's finite difference crossed a ReLU kink\n"),
    }
    let n_kinks: usize = check.layers.iter().map(|layer| layer.n_kinks).sum();
    if n_kinks > 0 {
        text.push_str(&format!(
            "{} left out: moving them by h moved a ReLU pre-activation across 0, where E has \
             no derivative\n",
            plural(n_kinks as u64, "parameter")
        ));
    }
    text
}

/// A parameter's numbers as JSON.
fn parameter_json(check: Option<&ParameterCheck>) -> serde_json::Value {
    match check {
        None => serde_json::Value::Null,
        Some(check) => serde_json::json!({
            "layer": check.id.layer + 1,
            "parameter": check.name,
            "value": check.value,
            "backprop": check.backprop,
            "numeric": check.numeric,
            "relative_error": check.relative_error,
        }),
    }
}

/// The command's own fields of the `--json` summary.
fn check_json(args: &GradcheckArgs, check: &GradCheck) -> serde_json::Value {
    let layers: Vec<serde_json::Value> = check
        .layers
        .iter()
        .map(|layer| {
            serde_json::json!({
                "layer": layer.layer + 1,
                "activation": layer.activation.name(),
                "weights": layer.n_weights,
                "biases": layer.n_biases,
                "kinks": layer.n_kinks,
                "worst_weight": parameter_json(layer.weights.as_ref()),
                "worst_bias": parameter_json(layer.biases.as_ref()),
            })
        })
        .collect();
    serde_json::json!({
        "model": args.model.display().to_string(),
        "data": args.data.display().to_string(),
        "samples": check.n_samples,
        "parameters": check.parameters.len(),
        "loss": check.loss,
        "step": check.config.step,
        "floor": check.config.floor,
        "tolerance": args.tolerance,
        "passed": check.passes(args.tolerance),
        "worst": parameter_json(check.worst()),
        "layers": layers,
    })
}
