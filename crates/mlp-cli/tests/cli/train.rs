use crate::util::{dataset, mlp, mlp_ok};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// The promise: iris with no flag but the target reaches 0.95 validation accuracy.
#[test]
fn iris_with_defaults_reaches_095_validation_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let stdout =
        mlp_ok(dir.path(), &["train", &dataset("iris.csv"), "--target", "species", "--json"]);
    let report = json(&stdout);
    let accuracy = report["validation"]["accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.95, "validation accuracy {accuracy}: {report}");
    assert_eq!(report["validation"]["samples"], 30);
    assert_eq!(report["train"]["samples"], 120);
    assert!(report["train"]["loss"].as_f64().unwrap().is_finite());
    assert_eq!(report["task"], "classification");
}

/// Train and save, then `evaluate` and `predict` with the saved model.
#[test]
fn save_then_evaluate_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let stdout = mlp_ok(
        dir.path(),
        &[
            "train",
            &iris,
            "--target",
            "species",
            "--epochs",
            "30",
            "--save",
            "model.json",
            "--json",
        ],
    );
    let trained = json(&stdout);
    assert_eq!(trained["epochs"], 30);
    let model = json(&std::fs::read_to_string(dir.path().join("model.json")).unwrap());
    assert_eq!(
        model["outputs"]["classes"],
        serde_json::json!(["setosa", "versicolor", "virginica"])
    );
    assert_eq!(model["inputs"]["standardizer"]["mean"].as_array().unwrap().len(), 4);

    let evaluation =
        json(&mlp_ok(dir.path(), &["evaluate", "--model", "model.json", &iris, "--json"]));
    assert_eq!(evaluation["samples"], 150);
    assert!(evaluation["accuracy"].as_f64().unwrap() > 0.5, "{evaluation}");
    let text = mlp_ok(dir.path(), &["evaluate", "--model", "model.json", &iris]);
    assert!(text.contains("accuracy"), "{text}");

    mlp_ok(dir.path(), &["predict", "--model", "model.json", &iris, "--output", "predictions.csv"]);
    let mut reader = csv::Reader::from_path(dir.path().join("predictions.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, ["row", "predicted_species", "p_setosa", "p_versicolor", "p_virginica"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 150);
    assert_eq!(&rows[0][0], "1");
    let p_sum: f64 = (2..5).map(|column| rows[0][column].parse::<f64>().unwrap()).sum();
    assert!((p_sum - 1.0).abs() < 1e-9, "probabilities sum to {p_sum}");
    assert!(["setosa", "versicolor", "virginica"].contains(&&rows[0][1]));

    // Without --output the CSV goes to stdout; the target column need not be in the file.
    let features = crate::util::write(
        dir.path(),
        "new.csv",
        "petal_width,petal_length,sepal_width,sepal_length\n0.2,1.4,3.5,5.1\n",
    );
    let stdout = mlp_ok(dir.path(), &["predict", "--model", "model.json", &features]);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.lines().nth(1).unwrap().starts_with("1,setosa,"), "{stdout}");
}

/// Regression: mse and r2 in the JSON for train and a --test file; f32 precision; the
/// history and layer logs.
#[test]
fn regression_with_test_file_f32_and_logs() {
    let dir = tempfile::tempdir().unwrap();
    let diabetes = dataset("diabetes.csv");
    let stdout = mlp_ok(
        dir.path(),
        &[
            "train",
            &diabetes,
            "--target",
            "progression",
            "--epochs",
            "5",
            "--test",
            &diabetes,
            "--precision",
            "f32",
            "--history",
            "history.csv",
            "--layer-log",
            "layers.csv",
            "--grad-log-every",
            "10",
            "--save",
            "model.json",
            "--json",
        ],
    );
    let report = json(&stdout);
    for set in ["train", "test"] {
        assert!(report[set]["mse"].as_f64().is_some(), "{report}");
        assert!(report[set]["r2"].is_number(), "{report}");
    }
    assert!(report.get("validation").is_none());
    assert_eq!(report["task"], "regression");
    let history = std::fs::read_to_string(dir.path().join("history.csv")).unwrap();
    assert_eq!(history.lines().count(), 6, "{history}");
    let layers = std::fs::read_to_string(dir.path().join("layers.csv")).unwrap();
    // 442 rows in batches of 32: 14 steps per epoch, 70 steps; logged: 1, 11, …, 61 (7 steps),
    // two weight layers each.
    assert_eq!(layers.lines().count(), 1 + 7 * 2, "{layers}");
    let model = json(&std::fs::read_to_string(dir.path().join("model.json")).unwrap());
    assert_eq!(model["outputs"]["classes"], serde_json::Value::Null);
    assert_eq!(model["loss"], "mse");
}

/// Plain progress lines on a pipe: the first and last epoch at least; a human summary.
#[test]
fn progress_lines_and_summary_without_json() {
    let dir = tempfile::tempdir().unwrap();
    let output = mlp(
        dir.path(),
        &["train", &dataset("xor.csv"), "--target", "y", "--epochs", "3", "--validation", "0"],
    );
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.lines().next().unwrap().starts_with("epoch 1/3  loss "), "{stderr}");
    assert!(stderr.lines().any(|line| line.starts_with("epoch 3/3  loss ")), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("trained a 2-100-1 network"), "{stdout}");
    assert!(stdout.contains("train (4 samples): loss"), "{stdout}");
}

/// A gradient log that reaches its row cap is cut, with one warning.
#[test]
fn gradient_log_row_cap_warns() {
    let dir = tempfile::tempdir().unwrap();
    let output = mlp(
        dir.path(),
        &[
            "train",
            &dataset("xor.csv"),
            "--target",
            "y",
            "--epochs",
            "2",
            "--hidden",
            "2",
            "--validation",
            "0",
            "--grad-log",
            "grads.csv",
            "--grad-log-max-rows",
            "5",
            "--grad-log-layers",
            "2",
        ],
    );
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    // Two epochs at Adam's default rate barely move the loss: that is the other warning.
    let cap_warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("warning:") && line.contains("row cap"))
        .collect();
    assert_eq!(cap_warnings.len(), 1, "{stderr}");
    assert!(cap_warnings[0].contains("grads.csv"), "{stderr}");
    assert!(cap_warnings[0].contains("row cap of 5 rows"), "{stderr}");
    let log = std::fs::read_to_string(dir.path().join("grads.csv")).unwrap();
    assert_eq!(log.lines().count(), 6);
    assert!(log.lines().skip(1).all(|line| line.split(',').nth(3) == Some("2")), "{log}");
}
