//! `mlp info`: what a model file holds: its layers and parameter counts, its input and output
//! columns, and how it was made (its provenance) when the file records it.

use mlp_core::Activation;
use mlp_train::data::UnknownCategory;
use mlp_train::human::plural;
use mlp_train::model_file::{DataFile, EvaluationRecord, LayerSummary, Model, Provenance};
use mlp_train::{Evaluation, Optimizer};

use crate::cli::InfoArgs;
use crate::common::{evaluation_text, load_model, print_stdout};
use crate::output::summary_json;

/// Runs `mlp info`.
pub(crate) fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let model = load_model(&args.model)?;
    if args.json {
        let json = info_json(&args.model.display().to_string(), &model);
        return print_stdout(&format!("{json}\n"));
    }
    print_stdout(&format!("model {}\n{}", args.model.display(), info_text(&model)))
}

/// The summary as one JSON object (`command`, `warnings`, then the model's fields).
fn info_json(path: &str, model: &Model) -> serde_json::Value {
    let layers: Vec<serde_json::Value> = model
        .layer_summaries()
        .iter()
        .map(|summary| {
            let mut layer = serde_json::json!({
                "layer": summary.layer,
                "inputs": summary.n_inputs,
                "neurons": summary.n_neurons,
                "activation": summary.activation.name(),
                "weights": summary.n_weights,
                "biases": summary.n_biases,
                "parameters": summary.n_parameters(),
            });
            if let Activation::LeakyRelu { slope } = summary.activation {
                layer["slope"] = slope.into();
            }
            layer
        })
        .collect();
    let preprocessor = &model.preprocessor;
    let fields = serde_json::json!({
        "model": path,
        "loss": model.network.loss().name(),
        "sizes": model.network.sizes(),
        "layers": layers,
        "parameters": model.n_parameters(),
        "inputs": {
            "columns": preprocessor.feature_names(),
            "names": preprocessor.input_names(),
            "standardized": preprocessor.standardizer().is_some(),
            "categories": preprocessor.parts().categories,
            "missing": preprocessor.imputer().map_or("error", |imputer| imputer.strategy().name()),
            "unknown_category": preprocessor.unknown_category(),
        },
        "outputs": {
            "names": preprocessor.target_names(),
            "classes": preprocessor.class_encoding().map(|encoding| encoding.class_names()),
            "standardized": preprocessor.target_scaler().is_some(),
        },
        "provenance": model.provenance,
    });
    summary_json("info", &[], fields)
}

/// The summary as text: the network, the layer table, the columns, the provenance.
fn info_text(model: &Model) -> String {
    let sizes: Vec<String> = model.network.sizes().iter().map(usize::to_string).collect();
    let mut text = format!(
        "network {}, {}, loss {}\n\n",
        sizes.join("-"),
        plural(model.n_parameters() as u64, "parameter"),
        model.network.loss().name()
    );
    text += &layer_table(&model.layer_summaries(), model.n_parameters());

    let preprocessor = &model.preprocessor;
    let standardized = match preprocessor.standardizer() {
        Some(_) if !preprocessor.parts().categories.is_empty() => {
            "numeric ones standardized: (x − mean) / std of the training rows; one-hot ones 0 or 1"
        }
        Some(_) => "standardized: (x − mean) / std of the training rows",
        None => "not standardized",
    };
    text += &format!(
        "\ninputs ({}, {standardized}): {}\n",
        preprocessor.n_inputs(),
        preprocessor.input_names().join(", ")
    );
    text += &match preprocessor.imputer() {
        Some(imputer) => format!(
            "missing values: filled with the training rows' {} (text columns: most frequent)\n",
            imputer.strategy().name()
        ),
        None => "missing values: an error\n".to_owned(),
    };
    if preprocessor.unknown_category() == UnknownCategory::Ignore {
        text += "unknown categories: all zeros\n";
    }
    text += &match preprocessor.class_encoding() {
        Some(encoding) => format!(
            "outputs: {} classes of {}: {}\n",
            encoding.n_classes(),
            preprocessor.target_names().join(", "),
            encoding.class_names().join(", ")
        ),
        None if preprocessor.target_scaler().is_some() => format!(
            "outputs: {} (trained standardized, predicted in the file's units)\n",
            preprocessor.target_names().join(", ")
        ),
        None => format!("outputs: {}\n", preprocessor.target_names().join(", ")),
    };
    text += "\n";
    text += &match &model.provenance {
        Some(provenance) => provenance_text(provenance),
        None => "provenance: none recorded (a version 1 model file, or a model saved by a \
                 program that did not record it)\n"
            .to_owned(),
    };
    text
}

/// `layer  inputs → neurons  activation  weights  biases  parameters`, one row per layer and
/// the total.
fn layer_table(summaries: &[LayerSummary], total: usize) -> String {
    let header = ["layer", "inputs → neurons", "activation", "weights", "biases", "parameters"];
    let mut rows: Vec<[String; 6]> = vec![header.map(str::to_owned)];
    for summary in summaries {
        let activation = match summary.activation {
            Activation::LeakyRelu { slope } => format!("leaky-relu (slope {slope:?})"),
            activation => activation.name().to_owned(),
        };
        rows.push([
            summary.layer.to_string(),
            format!("{} → {}", summary.n_inputs, summary.n_neurons),
            activation,
            summary.n_weights.to_string(),
            summary.n_biases.to_string(),
            summary.n_parameters().to_string(),
        ]);
    }
    rows.push(["total", "", "", "", "", &total.to_string()].map(str::to_owned));
    let widths: Vec<usize> = (0..header.len())
        .map(|column| rows.iter().map(|row| row[column].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in &rows {
        // Text columns to the left, counts to the right.
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(column, (cell, &width))| match column {
                1 | 2 => format!("{cell:<width$}"),
                _ => format!("{cell:>width$}"),
            })
            .collect();
        text += &format!("  {}\n", cells.join("  ").trim_end());
    }
    text
}

/// The provenance, one `name  value` line each.
fn provenance_text(provenance: &Provenance) -> String {
    let settings = &provenance.settings;
    let mut lines: Vec<(&str, String)> = vec![
        ("mlp version", provenance.mlp_version.clone()),
        ("command line", command_line(&provenance.command_line)),
        ("data", data_file_text(&provenance.data)),
        ("task", settings.task.clone()),
        ("optimizer", optimizer_text(settings.optimizer)),
        ("learning rate", settings.learning_rate.to_string()),
        ("l2", settings.l2.to_string()),
        ("batch size", settings.batch_size.to_string()),
    ];
    let mut epochs = format!("{} of {}", settings.epochs_run, settings.epochs_requested);
    if settings.stopped_early {
        epochs += &format!(", stopped early keeping epoch {}", settings.best_epoch);
    } else if settings.best_epoch != settings.epochs_run {
        epochs += &format!(", keeping epoch {}", settings.best_epoch);
    }
    lines.push(("epochs", epochs));
    lines.push((
        "patience",
        settings.patience.map_or_else(|| "none".to_owned(), |patience| patience.to_string()),
    ));
    lines.push(("seed", settings.seed.to_string()));
    lines.push(("precision", settings.precision.clone()));
    match (&settings.test_data, settings.validation_fraction) {
        (Some(test), _) => {
            lines.push(("test data", data_file_text(test)));
        }
        (None, Some(fraction)) => {
            lines.push(("validation", format!("{fraction} of the rows held out")));
        }
        (None, None) => {}
    }
    lines.push(("standardize", if settings.standardize { "yes" } else { "no" }.to_owned()));
    let metrics = &provenance.metrics;
    for (name, record) in [
        ("train", Some(&metrics.train)),
        ("validation", metrics.validation.as_ref()),
        ("test", metrics.test.as_ref()),
    ] {
        if let Some(record) = record {
            lines.push((name, record_text(record)));
        }
    }
    let width = lines.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0);
    let mut text = "provenance\n".to_owned();
    for (name, value) in lines {
        text += &format!("  {name:<width$}  {value}\n");
    }
    text
}

/// `adam (β1 0.9, β2 0.999, ε 1e-8)`.
fn optimizer_text(optimizer: Optimizer) -> String {
    match optimizer {
        Optimizer::Sgd => "sgd".to_owned(),
        Optimizer::Momentum { momentum } | Optimizer::Nesterov { momentum } => {
            format!("{} (μ {momentum})", optimizer.name())
        }
        Optimizer::Adam { beta1, beta2, epsilon } => {
            format!("adam (β1 {beta1}, β2 {beta2}, ε {epsilon:e})")
        }
        Optimizer::AdamW { beta1, beta2, epsilon, weight_decay } => {
            format!("adamw (β1 {beta1}, β2 {beta2}, ε {epsilon:e}, weight decay {weight_decay})")
        }
        Optimizer::RmsProp { alpha, epsilon } => format!("rmsprop (α {alpha}, ε {epsilon:e})"),
    }
}

/// `120 samples: loss …  accuracy …`, as `mlp evaluate` writes the metrics.
fn record_text(record: &EvaluationRecord) -> String {
    let evaluation = Evaluation {
        loss: record.loss.unwrap_or(f64::NAN),
        accuracy: record.accuracy,
        mse: record.mse,
        r2: record.r2,
        samples: record.samples,
        classification: None,
        regression: None,
    };
    format!("{}: {}", plural(record.samples as u64, "sample"), evaluation_text(&evaluation))
}

/// `iris.csv (sha256 9cc1…)`, or the name alone for standard input.
fn data_file_text(file: &DataFile) -> String {
    match &file.sha256 {
        Some(sha256) => format!("{} (sha256 {sha256})", file.name),
        None => file.name.clone(),
    }
}

/// The arguments joined by spaces, those that a shell would split or expand in single quotes.
fn command_line(arguments: &[String]) -> String {
    let quoted = arguments.iter().map(|argument| {
        let plain = !argument.is_empty()
            && argument.chars().all(|c| c.is_alphanumeric() || "-_./,=:+@%".contains(c));
        match plain {
            true => argument.clone(),
            false => format!("'{}'", argument.replace('\'', r"'\''")),
        }
    });
    quoted.collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        let arguments = ["mlp", "train", "my data.csv", "--target", "it's", ""].map(str::to_owned);
        assert_eq!(command_line(&arguments), r"mlp train 'my data.csv' --target 'it'\''s' ''");
    }

    #[test]
    fn the_tutorial_model_has_8_parameters_and_no_provenance() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/seed/model.json");
        let model = Model::load(path).unwrap();
        let text = info_text(&model);
        assert!(text.starts_with("network 2-2-2, 8 parameters, loss sse\n"), "{text}");
        assert!(
            text.contains("      2  2 → 2             sigmoid           4       0           4\n"),
            "{text}"
        );
        assert!(text.contains("  total"), "{text}");
        assert!(text.contains("inputs (2, not standardized): x1, x2"), "{text}");
        assert!(text.contains("provenance: none recorded"), "{text}");
        let json = info_json("model.json", &model);
        assert_eq!(json["model"], "model.json");
        assert_eq!(json["parameters"], 8);
        assert_eq!(json["provenance"], serde_json::Value::Null);
        assert_eq!(json["layers"][1]["weights"], 4);
    }
}
