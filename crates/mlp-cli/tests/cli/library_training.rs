//! Issue #12's training flags end to end: `--freeze`, `--no-bias` with `--init`, and the two
//! losses of the `--json` summary (`loss_after`, `epoch_mean_loss`).

use std::path::Path;

use crate::util::{mlp, mlp_fails, mlp_ok, sgd_from_init_args, tutorial_args, write};

/// Matt Mazur's 2-2-2 sigmoid network with its biases, as a model file for `--init`, and its
/// one sample (tests/reference/training.py, "Mazur"; the blog: "A Step by Step
/// Backpropagation Example", 2015, https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/).
/// Returns the model's and the data's paths.
fn mazur(dir: &Path) -> (String, String) {
    let model = write(
        dir,
        "mazur.json",
        r#"{
  "format": "mlp-model",
  "version": 1,
  "loss": "sse",
  "layers": [
    {"activation": "sigmoid", "weights": [[0.15, 0.20], [0.25, 0.30]], "bias": [0.35, 0.35]},
    {"activation": "sigmoid", "weights": [[0.40, 0.45], [0.50, 0.55]], "bias": [0.60, 0.60]}
  ],
  "inputs": {"names": ["i1", "i2"], "standardizer": null},
  "outputs": {"names": ["o1", "o2"], "classes": null}
}
"#,
    );
    let data = write(dir, "mazur.csv", "i1,i2,o1,o2\n0.05,0.10,0.01,0.99\n");
    (model, data)
}

/// `mlp train` on Mazur's network: SGD, η = 0.5, one sample a step, `extra` flags after.
fn mazur_args<'a>(model: &'a str, data: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    sgd_from_init_args(data, "o1,o2", model, "sse", extra)
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.trim()).unwrap_or_else(|err| panic!("{err}: {stdout}"))
}

fn close(found: f64, expected: f64) -> bool {
    (found - expected).abs() <= 1e-12 * expected.abs()
}

/// Mazur's frozen-bias example run by the CLI: after 10,000 updates the error is
/// 3.5101878e-05 (`loss_after`), and the 10,000th epoch's mean, computed before its update, is
/// the error after 9,999 updates, 3.5108548e-05 (the blog's printed 0.0000351085). The saved
/// biases are the bits given.
#[test]
fn mazurs_frozen_bias_example_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = mazur(dir.path());
    let args = mazur_args(
        &model,
        &data,
        &["--epochs", "10000", "--freeze", "biases", "--save", "out.json", "--json"],
    );
    let summary = json(&mlp_ok(dir.path(), &args));
    let loss_after = summary["loss_after"].as_f64().unwrap();
    let epoch_mean_loss = summary["epoch_mean_loss"].as_f64().unwrap();
    assert!(close(loss_after, 3.510187782978859e-05), "{loss_after:e}");
    assert!(close(epoch_mean_loss, 3.510_854_812_251_261e-5), "{epoch_mean_loss:e}");
    assert_eq!(summary["train"]["loss"].as_f64(), Some(loss_after));
    let saved = json(&std::fs::read_to_string(dir.path().join("out.json")).unwrap());
    assert_eq!(saved["layers"][0]["bias"], serde_json::json!([0.35, 0.35]));
    assert_eq!(saved["layers"][1]["bias"], serde_json::json!([0.6, 0.6]));
    assert_ne!(saved["layers"][0]["weights"][0][0], serde_json::json!(0.15));
}

/// With `--freeze biases` the gradient log still has every bias's row with its gradient, and
/// its `weight_new` is its `weight`; weights move. `--freeze weights` the other way round.
#[test]
fn frozen_parameters_are_logged_with_weight_new_equal_to_weight() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = mazur(dir.path());
    for (kind, frozen_prefix) in [("biases", "b"), ("weights", "W")] {
        let args =
            mazur_args(&model, &data, &["--epochs", "2", "--freeze", kind, "--grad-log", "g.csv"]);
        mlp_ok(dir.path(), &args);
        let log = std::fs::read_to_string(dir.path().join("g.csv")).unwrap();
        let mut lines = log.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let column = |name: &str| header.iter().position(|&column| column == name).unwrap();
        let (param, weight, gradient, new) =
            (column("param"), column("weight"), column("dE_dw"), column("weight_new"));
        let rows: Vec<Vec<&str>> = lines.map(|line| line.split(',').collect()).collect();
        // 8 weights and 4 biases, two steps.
        assert_eq!(rows.len(), 24, "{log}");
        for row in &rows {
            let frozen = row[param].starts_with(frozen_prefix);
            let number = |index: usize| row[index].parse::<f64>().unwrap();
            assert_ne!(number(gradient), 0.0, "{kind}: {row:?}");
            assert_eq!(row[weight] == row[new], frozen, "{kind}: {row:?}");
        }
    }
}

/// `--no-bias` cannot take the biases out of an `--init` model that has them: an error naming
/// both flags, before any file is written. With a model that has none (the tutorial's), it is
/// accepted and trains as without it.
#[test]
fn no_bias_with_an_init_model_that_has_biases_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = mazur(dir.path());
    let args = mazur_args(&model, &data, &["--epochs", "1", "--no-bias", "--save", "out.json"]);
    mlp_fails(dir.path(), &args, &["--no-bias", "--init", "mazur.json", "has biases"]);
    assert!(!dir.path().join("out.json").exists());

    let plain = tutorial_args(&["--epochs", "2", "--save", "plain.json"]);
    let no_bias = tutorial_args(&["--epochs", "2", "--no-bias", "--save", "no-bias.json"]);
    for args in [&plain, &no_bias] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        mlp_ok(dir.path(), &args);
    }
    let weights = |name: &str| {
        let model = json(&std::fs::read_to_string(dir.path().join(name)).unwrap());
        model["layers"].clone()
    };
    assert_eq!(weights("plain.json"), weights("no-bias.json"));
}

/// The summary's two losses say which is which: `loss_after` is the final weights' loss on the
/// training rows (the `train` evaluation's), `epoch_mean_loss` the last `--history` row's loss
/// (each batch's loss before its step); after a step that changed the weights they differ.
#[test]
fn the_summary_reports_the_loss_after_training_and_the_last_epochs_mean() {
    let dir = tempfile::tempdir().unwrap();
    let args = tutorial_args(&["--epochs", "3", "--history", "h.csv", "--json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let summary = json(&mlp_ok(dir.path(), &args));
    let history = std::fs::read_to_string(dir.path().join("h.csv")).unwrap();
    let last_row = history.lines().last().unwrap();
    let last_loss: f64 = last_row.split(',').nth(1).unwrap().parse().unwrap();
    assert_eq!(summary["epoch_mean_loss"].as_f64(), Some(last_loss));
    assert_eq!(summary["loss_after"], summary["train"]["loss"]);
    assert!(summary["loss_after"].as_f64().unwrap() < last_loss, "{summary}");

    // One epoch of one step: the mean is the tutorial's E before the step.
    let args = tutorial_args(&["--epochs", "1", "--json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let summary = json(&mlp_ok(dir.path(), &args));
    // tests/reference/tutorial.py: "E".
    assert!(close(summary["epoch_mean_loss"].as_f64().unwrap(), 0.02397190075173), "{summary}");
}

/// `--freeze` takes biases and weights, comma-separated; anything else is a usage error (2).
#[test]
fn freeze_takes_biases_and_weights_only() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = mazur(dir.path());
    let both = mazur_args(
        &model,
        &data,
        &["--epochs", "3", "--freeze", "biases,weights", "--save", "m.json"],
    );
    mlp_ok(dir.path(), &both);
    let saved = json(&std::fs::read_to_string(dir.path().join("m.json")).unwrap());
    let given = json(&std::fs::read_to_string(&model).unwrap());
    assert_eq!(saved["layers"], given["layers"], "nothing moves");

    let output = mlp(dir.path(), &mazur_args(&model, &data, &["--freeze", "bias"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--freeze") && stderr.contains("biases"), "{stderr}");
}
