use std::collections::HashMap;

use crate::util::{dataset, mlp_ok, tutorial_args};

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-8
}

/// The tutorial's command: one SGD step of η = 0.5 on its one sample, logged.
///
/// Expected values from the tutorial (`tests/reference/tutorial.py`; "Backpropagation, output
/// layer"), worked by hand: ∂E/∂o1 = 0.20944600, ∂o1/∂z3 = 0.23802157, their product ∂E/∂z3 =
/// 0.04985267 (Python, math.exp), ∂z3/∂W5 = h1 =
/// 0.51998934, ∂E/∂W5 = 0.02592286, W5+ = 0.43703857.
#[test]
fn seed_command_logs_the_tutorials_w5_row() {
    let dir = tempfile::tempdir().unwrap();
    let args = tutorial_args(&["--epochs", "1", "--grad-log", "grads.csv"]);
    mlp_ok(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
    let mut reader = csv::Reader::from_path(dir.path().join("grads.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows: Vec<HashMap<String, String>> = reader
        .records()
        .map(|record| {
            header.iter().cloned().zip(record.unwrap().iter().map(str::to_owned)).collect()
        })
        .collect();
    assert_eq!(rows.len(), 8, "one row per weight W1..W8");
    let w5 = rows.iter().find(|row| row["param"] == "W5").expect("a W5 row");
    let number = |column: &str| w5[column].parse::<f64>().unwrap();
    assert_eq!((w5["epoch"].as_str(), w5["step"].as_str(), w5["sample"].as_str()), ("1", "1", "1"));
    assert_eq!((w5["layer"].as_str(), w5["to"].as_str(), w5["from"].as_str()), ("2", "1", "1"));
    for (column, expected) in [
        ("weight", 0.45),
        ("dE_da", 0.20944600),
        ("da_dz", 0.23802157),
        ("dE_dz", 0.04985267),
        ("dz_dw", 0.51998934),
        ("dE_dw", 0.02592286),
        ("weight_new", 0.43703857),
    ] {
        assert!(close(number(column), expected), "{column}: {} vs {expected}", number(column));
    }
    // The hidden layer, same table: W1 0.30 → 0.29959556.
    let w1 = rows.iter().find(|row| row["param"] == "W1").unwrap();
    assert!(close(w1["weight_new"].parse().unwrap(), 0.29959556));
}

/// `mlp explain` on the tutorial's model shows the tutorial's chain rule for W5.
#[test]
fn explain_shows_the_tutorials_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let text = mlp_ok(
        dir.path(),
        &[
            "explain",
            "--model",
            &dataset("seed/model.json"),
            &dataset("seed/data.csv"),
            "--weight",
            "W5",
        ],
    );
    for number in
        ["0.20944600", "0.23802157", "0.51998934", "0.02592286", "0.43703857", "0.02397190"]
    {
        assert!(text.contains(number), "{number} not in\n{text}");
    }
    let all = mlp_ok(
        dir.path(),
        &[
            "explain",
            "--model",
            &dataset("seed/model.json"),
            &dataset("seed/data.csv"),
            "--format",
            "markdown",
        ],
    );
    for number in ["0.29959556", "0.59624247"] {
        assert!(all.contains(number), "{number} not in\n{all}");
    }
}

/// The tutorial's command warns about nothing: `--no-standardize` agrees with its model, which
/// has no standardizer. With a model that standardizes, the flag is named as ignored.
#[test]
fn the_tutorial_command_has_no_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let args = tutorial_args(&["--epochs", "1", "--json"]);
    let stdout = mlp_ok(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["warnings"], serde_json::json!([]), "{summary}");

    let iris = dataset("iris.csv");
    mlp_ok(
        dir.path(),
        &["train", &iris, "--target", "species", "--epochs", "1", "--save", "m.json"],
    );
    let stdout = mlp_ok(
        dir.path(),
        &["train", &iris, "--target", "species", "--init", "m.json", "--epochs", "1"]
            .into_iter()
            .chain(["--no-standardize", "--json"])
            .collect::<Vec<_>>(),
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let kinds: Vec<&str> = summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"ignored-with-init"), "{summary}");
}
